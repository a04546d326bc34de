/* SPDX-License-Identifier: MIT */
/* File descriptors that may be unset (-1): the close every teardown path does. */
#ifndef HVEMU_UTIL_FD_H
#define HVEMU_UTIL_FD_H

#include <unistd.h>

/* Closes *fd when it is open and leaves it -1, so a second call is harmless. */
static inline void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

#endif
