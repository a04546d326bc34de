/* SPDX-License-Identifier: MIT */
/*
 * The one-line message a failing library function leaves in its caller's buffer
 * (docs/architecture.md §1 "How a failure travels").
 */
#ifndef HVEMU_UTIL_ERRBUF_H
#define HVEMU_UTIL_ERRBUF_H

#include <stddef.h>

#include "util/compiler.h"

/* printf into err[errlen]; err may be NULL (the caller does not want the message). */
void errbuf_set(char *err, size_t errlen, const char *fmt, ...) __printf(3, 4);

#endif
