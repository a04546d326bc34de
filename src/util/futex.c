// SPDX-License-Identifier: MIT
#include "util/futex.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/time.h"

int futex_wait(_Atomic uint32_t *addr, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec ts = ns_to_timespec(timeout_ns);
	long r;

	r = syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, expected,
		    timeout_ns ? &ts : NULL, NULL, 0);
	if (r == 0 || errno == EAGAIN)
		return 0;
	return -errno;
}

void futex_wake(_Atomic uint32_t *addr, int n)
{
	syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

int futex_wait_change(_Atomic uint32_t *addr, uint32_t val, uint64_t deadline_ns)
{
	for (int spin = 0; spin < 64; spin++) {
		if (atomic_load(addr) != val)
			return 0;
		__builtin_ia32_pause();
	}
	for (;;) {
		uint64_t now;

		if (atomic_load(addr) != val)
			return 0;
		now = now_ns();
		if (now >= deadline_ns)
			return -ETIMEDOUT;
		futex_wait(addr, val, deadline_ns - now);
	}
}
