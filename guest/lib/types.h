/* SPDX-License-Identifier: MIT */
/* Basic types of the guest runtime (the compiler's freestanding headers only). */
#ifndef GUEST_TYPES_H
#define GUEST_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define BIT(n)	   (1u << (n))
#define BIT_ULL(n) (1ull << (n))

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096ul
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* errno values used by the runtime's -errno returns (Linux numbering). */
#define EPERM	   1
#define ENOENT	   2
#define EIO	   5
#define E2BIG	   7
#define EAGAIN	   11
#define ENOMEM	   12
#define EACCES	   13
#define EFAULT	   14
#define EBUSY	   16
#define EEXIST	   17
#define ENODEV	   19
#define EINVAL	   22
#define ENOSPC	   28
#define ERANGE	   34
#define ENOSYS	   38
#define EPROTO	   71
#define EOVERFLOW  75
#define EOPNOTSUPP 95
#define ETIMEDOUT  110

#endif
