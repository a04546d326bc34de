// SPDX-License-Identifier: MIT
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#include "util/time.h"

static _Atomic int log_level = LOG_INFO;
static _Atomic uint64_t log_epoch_ns;
static FILE *_Atomic log_out;
static __thread char thread_name[16];

void log_init(void)
{
	uint64_t zero = 0;

	atomic_compare_exchange_strong(&log_epoch_ns, &zero, now_ns());
}

void log_set_level(enum log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level);
}

void log_set_output(FILE *f)
{
	atomic_store(&log_out, f);
}

void log_set_thread_name(const char *name)
{
	snprintf(thread_name, sizeof(thread_name), "%s", name ? name : "");
}

const char *log_thread_name(void)
{
	return thread_name[0] ? thread_name : "main";
}

int log_parse_level(const char *s, enum log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const tags[] = { "error", "warn", "info", "debug" };
	char line[1024];
	uint64_t t;
	va_list ap;
	FILE *out;
	int n;

	if ((int)level > atomic_load_explicit(&log_level, memory_order_relaxed))
		return;
	log_init();
	t = now_ns() - atomic_load(&log_epoch_ns);
	n = snprintf(line, sizeof(line),
		     "hvemu: %llu.%06llu [%s] %s: ", (unsigned long long)(t / 1000000000ull),
		     (unsigned long long)(t % 1000000000ull / 1000ull), log_thread_name(),
		     tags[level]);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	out = atomic_load(&log_out);
	/* One fputs per line: stdio locks the stream, so lines never interleave. */
	n = (int)strlen(line);
	if (n > 0 && line[n - 1] != '\n' && (size_t)n + 1 < sizeof(line)) {
		line[n] = '\n';
		line[n + 1] = '\0';
	}
	fputs(line, out ? out : stderr);
}

bool ratelimit_allow(struct ratelimit *rl)
{
	uint64_t now = now_ns();
	uint64_t start = atomic_load_explicit(&rl->window_start_ns, memory_order_relaxed);

	if (start == 0 || now - start >= RATELIMIT_INTERVAL_NS) {
		if (atomic_compare_exchange_strong(&rl->window_start_ns, &start, now)) {
			uint64_t missed = atomic_exchange(&rl->suppressed, 0);

			atomic_store(&rl->printed, 0);
			if (missed)
				log_msg(LOG_WARN, "%llu similar messages suppressed",
					(unsigned long long)missed);
		}
	}
	if (atomic_fetch_add(&rl->printed, 1) < RATELIMIT_BURST)
		return true;
	atomic_fetch_add(&rl->suppressed, 1);
	return false;
}
