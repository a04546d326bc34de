// SPDX-License-Identifier: MIT
#include "kvm/oncpu.h"

#include <errno.h>
#include <sched.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/fd.h"
#include "util/bgcall.h"
#include "util/log.h"
#include "util/time.h"

/* One meta page and one page of ring: 512 switch records, plenty (only the last matters). */
#define ONCPU_PAGES	   2
#define ONCPU_WARM_JOIN_NS (2 * NSEC_PER_SEC)

static int switch_event_open(pid_t tid)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.context_switch = 1;
	return (int)syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* bgcall functions: values in, values out (the call may outlive its caller's wait). */
static intptr_t warm_open(intptr_t tid)
{
	/* No ring: the records are dropped; the event only holds the kernel's switch hook. */
	return switch_event_open((pid_t)tid);
}

static void warm_close(intptr_t fd)
{
	if (fd >= 0)
		close((int)fd);
}

void oncpu_warm_start(struct bgcall *w)
{
	/* Without the thread the first probe waits for the hook instead: slower, not wrong. */
	bgcall_start(w, warm_open, (intptr_t)gettid(), warm_close);
}

void oncpu_warm_stop(struct bgcall *w)
{
	intptr_t fd;
	int r = bgcall_wait(w, ONCPU_WARM_JOIN_NS, &fd);

	if (r == -ETIMEDOUT)
		pr_warn("scheduler probe warm-up did not finish within %llu ms; left running",
			(unsigned long long)(ONCPU_WARM_JOIN_NS / NSEC_PER_MSEC));
	else if (!r)
		warm_close(fd);
}

void oncpu_init_none(struct oncpu *o)
{
	atomic_store(&o->live, false);
	atomic_store(&o->users, 0);
	o->fd = -1;
	o->page = NULL;
	o->map_len = 0;
}

int oncpu_open(struct oncpu *o, pid_t tid)
{
	long page_size = sysconf(_SC_PAGESIZE);
	void *p;
	int fd;

	oncpu_init_none(o);
	fd = switch_event_open(tid);
	if (fd < 0)
		return -errno;
	/* A read-only mapping puts the ring in overwrite mode: the kernel never stalls on us. */
	p = mmap(NULL, (size_t)(ONCPU_PAGES * page_size), PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;

		close(fd);
		return -e;
	}
	o->fd = fd;
	o->page = p;
	o->map_len = (size_t)(ONCPU_PAGES * page_size);
	atomic_store(&o->live, true); /* publishes fd and page to readers */
	return 0;
}

void oncpu_close(struct oncpu *o)
{
	atomic_store(&o->live, false);
	/* Readers that saw it live finish in a few loads: wait for them before the unmap. */
	while (atomic_load(&o->users))
		sched_yield();
	if (o->page)
		munmap(o->page, o->map_len);
	fd_close(&o->fd);
	oncpu_init_none(o);
}

static enum oncpu_state read_ring(const struct perf_event_mmap_page *pg);

enum oncpu_state oncpu_get(struct oncpu *o)
{
	enum oncpu_state st = ONCPU_UNKNOWN;

	atomic_fetch_add(&o->users, 1);
	if (atomic_load(&o->live))
		st = read_ring(o->page);
	atomic_fetch_sub(&o->users, 1);
	return st;
}

uint64_t oncpu_switches(struct oncpu *o)
{
	uint64_t n = 0;

	atomic_fetch_add(&o->users, 1);
	if (atomic_load(&o->live))
		n = __atomic_load_n(&o->page->data_head, __ATOMIC_SEQ_CST) /
		    sizeof(struct perf_event_header);
	atomic_fetch_sub(&o->users, 1);
	return n;
}

static enum oncpu_state read_ring(const struct perf_event_mmap_page *pg)
{
	const uint8_t *ring;
	uint64_t size, off;

	if (!pg)
		return ONCPU_UNKNOWN;
	ring = (const uint8_t *)pg + pg->data_offset;
	size = pg->data_size;
	for (int tries = 0; tries < 4; tries++) {
		uint64_t head = __atomic_load_n(&pg->data_head, __ATOMIC_SEQ_CST);
		struct perf_event_header h;
		uint64_t rec;

		if (head < sizeof(rec))
			return ONCPU_RUNNING; /* no switch since we started watching */
		off = (head - sizeof(rec)) & (size - 1);
		rec = __atomic_load_n((const uint64_t *)(ring + off), __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&pg->data_head, __ATOMIC_SEQ_CST) != head)
			continue; /* a new switch landed while we read: look again */
		memcpy(&h, &rec, sizeof(h));
		if (h.type != PERF_RECORD_SWITCH || h.size != sizeof(rec))
			return ONCPU_UNKNOWN;
		return (h.misc & PERF_RECORD_MISC_SWITCH_OUT) ? ONCPU_OFF : ONCPU_RUNNING;
	}
	return ONCPU_RUNNING;
}
