/* SPDX-License-Identifier: MIT */
/*
 * Logging for hvemu. Lines go to stderr (or the file set with log_set_output) as
 *   hvemu: 12.345678 [vcpu3] warn: message
 * where the time is seconds since log_init() and the bracket is the thread name set
 * with log_set_thread_name().
 *
 * Any line a guest can trigger must go through a struct ratelimit (pr_*_ratelimited)
 * and the event must also be counted in a statistic: a guest must not be able to
 * flood the log or slow hvemu down by logging.
 */
#ifndef HVEMU_UTIL_LOG_H
#define HVEMU_UTIL_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/compiler.h"

enum log_level {
	LOG_ERR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

void log_init(void);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Redirect log output; NULL restores stderr. Not thread-safe against concurrent logging. */
void log_set_output(FILE *f);
/* Name shown in brackets for lines logged by the calling thread (copied, max 15 chars). */
void log_set_thread_name(const char *name);
const char *log_thread_name(void);
/* Parses "error", "warn", "info", "debug"; returns -EINVAL otherwise. */
int log_parse_level(const char *s, enum log_level *out);

void log_msg(enum log_level level, const char *fmt, ...) __printf(2, 3);

#define pr_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * A rate limit: at most RATELIMIT_BURST lines per RATELIMIT_INTERVAL_NS window.
 * Suppressed lines are counted and reported when the next window opens.
 * Zero-initialised is valid (static struct ratelimit rl;).
 */
#define RATELIMIT_BURST	      10u
#define RATELIMIT_INTERVAL_NS (5ull * 1000000000ull)

struct ratelimit {
	_Atomic uint64_t window_start_ns;
	_Atomic uint32_t printed;
	_Atomic uint64_t suppressed;
};

/* True when a line may be printed now; otherwise counts it as suppressed. */
bool ratelimit_allow(struct ratelimit *rl);

/*
 * A line below the log level is not rate-limited at all: it would never be printed, and
 * counting it as suppressed would print "N similar messages suppressed" for it.
 */
#define pr_ratelimited(rl, level, ...)                                 \
	do {                                                           \
		if ((level) <= log_get_level() && ratelimit_allow(rl)) \
			log_msg(level, __VA_ARGS__);                   \
	} while (0)

/* Declares its own static limiter at the call site. */
#define pr_err_ratelimited(...)                              \
	do {                                                 \
		static struct ratelimit rl__;                \
		pr_ratelimited(&rl__, LOG_ERR, __VA_ARGS__); \
	} while (0)

#define pr_warn_ratelimited(...)                              \
	do {                                                  \
		static struct ratelimit rl__;                 \
		pr_ratelimited(&rl__, LOG_WARN, __VA_ARGS__); \
	} while (0)

#define pr_info_ratelimited(...)                              \
	do {                                                  \
		static struct ratelimit rl__;                 \
		pr_ratelimited(&rl__, LOG_INFO, __VA_ARGS__); \
	} while (0)

#define pr_debug_ratelimited(...)                              \
	do {                                                   \
		static struct ratelimit rl__;                  \
		pr_ratelimited(&rl__, LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
