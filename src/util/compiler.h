/* SPDX-License-Identifier: MIT */
/* Small helpers shared by all host code. */
#ifndef HVEMU_UTIL_COMPILER_H
#define HVEMU_UTIL_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)	   (sizeof(a) / sizeof((a)[0]))
#define likely(x)	   __builtin_expect(!!(x), 1)
#define unlikely(x)	   __builtin_expect(!!(x), 0)
#define BIT(n)		   (1u << (n))
#define BIT_ULL(n)	   (1ull << (n))
#define GENMASK_ULL(h, l)  (((~0ull) << (l)) & (~0ull >> (63 - (h))))
#define MIN(a, b)	   ((a) < (b) ? (a) : (b))
#define MAX(a, b)	   ((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))
#define ALIGN_UP(x, a)	   (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a)   ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a)   (((x) & ((__typeof__(x))(a)-1)) == 0)

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __unused       __attribute__((unused))
#define __must_check   __attribute__((warn_unused_result))

#endif
