// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for src/hv: arbitrary feature sets, control words, registers, CPU
 * modes, XMM contents and guest-memory contents through hv_hypercall(), hv_msr_read/write()
 * and the inhibit controls. Guest RAM is an exactly-sized heap buffer, so ASan reports any
 * access src/hv makes outside it; UBSan runs with -fno-sanitize-recover.
 *
 * Input: a header (features, max_vps, flags), then commands until the input ends:
 *   0 hypercall: vp, mode, rax rbx rcx rdx rsi rdi r8
 *   1 MSR read:  vp, msr offset (u16; >= 0x200 leaves the synthetic range)
 *   2 MSR write: vp, msr offset, value
 *   3 inhibit:   vp, on
 *   4 XMM:       12 x u64
 *   5 poke RAM:  offset (u16), length (u8), bytes
 *   6 online:    vp, on
 *   7 unsuspend: vp / cancel
 *   8 time:      u16 microseconds: the guest TSC and the timer service move, timers run
 *   9 testdev:   u32 written to QEMU's hyperv-testdev (SynIC routes and connections)
 * With the SynIC, the SynIC and synthetic-timer MSRs (SCONTROL-SINT15, STIMER0-3) are in
 * the fuzzed MSR range, HvPostMessage/HvSignalEvent reach the test device's connections,
 * and the timers run on a manual timer service.
 * Invariants checked (abort on violation): a completed hypercall writes only RAX (64-bit)
 * or EDX:EAX (32-bit) plus RCX for a 64-bit rep continuation, and leaves the reserved
 * result bits zero; #UD and suspension write nothing; an AutoEOI interrupt is raised only
 * with a vector a SINT may hold (>= 16).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/hyperv_testdev.h"
#include "hv/hv.h"
#include "util/timersvc.h"

#define RAM_SIZE (3 * 4096 + 512) /* not a page multiple: the last page is partial */
#define NVP	 4

struct fuzz_env {
	uint8_t *ram;
	uint64_t tsc;
	uint64_t xmm[12];
	int flush_ret;
	int xmm_ret;
	struct hv_partition *part;
	struct tsvc *timers;
};

static void *f_gpa_ptr(void *o, uint64_t gpa, uint64_t len)
{
	struct fuzz_env *e = o;

	if (gpa > RAM_SIZE || len > RAM_SIZE - gpa)
		return NULL;
	return e->ram + gpa;
}

static uint64_t f_guest_tsc(void *o)
{
	struct fuzz_env *e = o;

	e->tsc += 12345;
	return e->tsc;
}

static uint64_t f_vp_runtime_ns(void *o, struct hv_vp *vp)
{
	(void)o;
	return (uint64_t)hv_vp_index(vp) * 1000;
}

static int f_flush_tlb(void *o, struct hv_vp *caller, const struct hv_vpset *targets)
{
	struct fuzz_env *e = o;
	int64_t vp;

	(void)caller;
	vpset_for_each (vp, targets, HV_VPSET_MAX_VP) {
		if (vp >= HV_VPSET_MAX_VP)
			abort();
	}
	return e->flush_ret;
}

static int f_send_ipi(void *o, struct hv_vp *caller, const struct hv_vpset *targets,
		      uint32_t vector)
{
	(void)o;
	(void)caller;
	(void)targets;
	if (vector < 0x10 || vector > 0xFF)
		abort(); /* src/hv must have rejected it */
	return 0;
}

static int f_apic_write(void *o, struct hv_vp *vp, uint32_t msr, uint64_t value)
{
	(void)o;
	(void)vp;
	return (msr ^ value) & 1 ? -95 : 0;
}

static int f_apic_read(void *o, struct hv_vp *vp, uint32_t msr, uint64_t *value)
{
	(void)o;
	(void)vp;
	*value = msr;
	return 0;
}

static int f_vp_assist_page(void *o, struct hv_vp *vp, uint64_t gpa, bool enable)
{
	(void)o;
	(void)vp;
	if (enable && (gpa & 0xFFF))
		abort();
	return 0;
}

static void f_system_event(void *o, struct hv_vp *vp, enum hv_system_event ev,
			   const uint64_t params[5])
{
	(void)o;
	(void)vp;
	if (ev == HV_EVENT_CRASH && !params)
		abort();
}

static void f_yield(void *o, struct hv_vp *vp)
{
	(void)o;
	(void)vp;
}

static int f_get_xmm(void *o, struct hv_vp *vp, uint64_t xmm[12])
{
	struct fuzz_env *e = o;

	(void)vp;
	memcpy(xmm, e->xmm, sizeof(e->xmm));
	return e->xmm_ret;
}

static int f_raise_irq(void *o, struct hv_vp *vp, uint32_t vector, bool auto_eoi)
{
	(void)o;
	(void)vp;
	if (vector > 0xFF || (auto_eoi && vector < 16))
		abort();
	return vector == 0x42 ? -5 : 0; /* a failing delivery now and then */
}

static const struct hv_platform_ops fuzz_ops = {
	.gpa_ptr = f_gpa_ptr,
	.guest_tsc = f_guest_tsc,
	.vp_runtime_ns = f_vp_runtime_ns,
	.flush_tlb = f_flush_tlb,
	.send_ipi = f_send_ipi,
	.apic_write = f_apic_write,
	.apic_read = f_apic_read,
	.vp_assist_page = f_vp_assist_page,
	.system_event = f_system_event,
	.yield = f_yield,
	.get_xmm = f_get_xmm,
	.unsuspended = NULL,
	.raise_irq = f_raise_irq,
};

struct reader {
	const uint8_t *p;
	size_t n;
};

static bool take(struct reader *r, void *dst, size_t len)
{
	if (r->n < len)
		return false;
	memcpy(dst, r->p, len);
	r->p += len;
	r->n -= len;
	return true;
}

static uint8_t take8(struct reader *r)
{
	uint8_t v = 0;

	take(r, &v, 1);
	return v;
}

static uint64_t take64(struct reader *r)
{
	uint64_t v = 0;

	take(r, &v, sizeof(v));
	return v;
}

static void check_hypercall(struct hv_vp *vp, uint8_t mode_byte, struct reader *r)
{
	struct hv_cpu_mode mode = {
		.protected_mode = !(mode_byte & 1),
		.is_64bit = !(mode_byte & 2),
		.cpl = (mode_byte >> 2) & 3,
	};
	struct hv_regs regs, before;
	enum hv_hcall_outcome o;

	memset(&regs, 0, sizeof(regs));
	regs.rax = take64(r);
	regs.rbx = take64(r);
	regs.rcx = take64(r);
	regs.rdx = take64(r);
	regs.rsi = take64(r);
	regs.rdi = take64(r);
	regs.r8 = take64(r);
	before = regs;
	o = hv_hypercall(vp, &mode, &regs);
	if (regs.rbx != before.rbx || regs.rsi != before.rsi || regs.rdi != before.rdi ||
	    regs.r8 != before.r8)
		abort();
	if (o != HV_HCALL_DONE) {
		/* Member by member: struct hv_regs has padding. */
		if (regs.rax != before.rax || regs.rcx != before.rcx || regs.rdx != before.rdx ||
		    regs.dirty != before.dirty)
			abort();
		return;
	}
	if (!(regs.dirty & HV_REG_DIRTY_RAX))
		abort();
	if (!mode.is_64bit && (regs.dirty & HV_REG_DIRTY_RCX))
		abort();
	if (!(regs.dirty & HV_REG_DIRTY_RCX) && regs.rcx != before.rcx)
		abort();
	if (!(regs.dirty & HV_REG_DIRTY_RDX) && regs.rdx != before.rdx)
		abort();
	if (mode.is_64bit && (regs.dirty & HV_REG_DIRTY_RDX))
		abort();
	/* Reserved result bits stay 0, except in KVM's own -errno results (GUEST_OS_ID 0). */
	if (mode.is_64bit && (regs.rax & ~0xFFF0000FFFFull) && regs.rax != (uint64_t)-1000 &&
	    regs.rax != (uint64_t)-1)
		abort();
	if (!mode.is_64bit && (regs.dirty & HV_REG_DIRTY_RDX) &&
	    (((regs.rdx << 32) | regs.rax) & ~0xFFF0000FFFFull))
		abort();
	if (!mode.is_64bit &&
	    (regs.rax >> 32 || ((regs.dirty & HV_REG_DIRTY_RDX) && regs.rdx >> 32)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct hv_partition_params p = { 0 };
	struct fuzz_env e;
	struct hv_vp *vps[NVP] = { 0 };
	struct tsvc_params tp = { .manual = true };
	struct hyperv_testdev *tdev = NULL;
	uint64_t now = 0;
	uint16_t feat = 0; /* stays 0 when the input is shorter */
	uint8_t flags = 0;

	memset(&e, 0, sizeof(e));
	e.ram = malloc(RAM_SIZE);
	if (!e.ram)
		return 0;
	memset(e.ram, 0, RAM_SIZE);
	e.tsc = 1u << 20;

	take(&r, &feat, sizeof(feat));
	p.features.mask = feat & ((1u << HV_FEAT_NR) - 1);
	/* The dependencies, so that most inputs get a partition. */
	if (p.features.mask & (1u << HV_FEAT_STIMER_DIRECT))
		p.features.mask |= 1u << HV_FEAT_STIMER;
	if (p.features.mask & (1u << HV_FEAT_STIMER))
		p.features.mask |= (1u << HV_FEAT_SYNIC) | (1u << HV_FEAT_TIME);
	if (p.features.mask &
	    ((1u << HV_FEAT_TLBFLUSH) | (1u << HV_FEAT_IPI) | (1u << HV_FEAT_SYNIC)))
		p.features.mask |= 1u << HV_FEAT_VPINDEX;
	p.features.spinlock_retries = (feat >> 12) == 0xF ? 0xFFFFFFFF : (feat >> 12) + 1;
	p.max_vps = (take8(&r) % 130) + 1;
	flags = take8(&r);
	e.flush_ret = flags & 1 ? -110 : 0;
	e.xmm_ret = flags & 2 ? -5 : 0;
	p.tsc_hz = 2000000000ull + flags;
	p.apic_hz = 1000000000ull;
	p.ops = &fuzz_ops;
	p.opaque = &e;
	if (tsvc_create(&tp, &e.timers)) {
		free(e.ram);
		return 0;
	}
	p.timers = e.timers;
	if (hv_partition_create(&p, &e.part)) {
		tsvc_destroy(e.timers);
		free(e.ram);
		return 0;
	}
	if (hv_has(&p.features, HV_FEAT_SYNIC)) {
		tdev = malloc(sizeof(*tdev));
		if (tdev && hyperv_testdev_init(tdev, e.part)) {
			free(tdev);
			tdev = NULL;
		}
	}
	for (uint32_t i = 0; i < NVP && i < p.max_vps; i++) {
		if (hv_vp_create(e.part, i * 33 % p.max_vps, NULL, &vps[i]))
			vps[i] = NULL;
		else
			hv_vp_set_online(vps[i], true);
	}

	while (r.n) {
		uint8_t op = take8(&r);
		struct hv_vp *vp = vps[take8(&r) % NVP];
		uint64_t v;

		switch (op % 10) {
		case 0:
			if (vp)
				check_hypercall(vp, take8(&r), &r);
			break;
		case 1: {
			uint16_t off = 0;

			take(&r, &off, sizeof(off));
			if (vp)
				hv_msr_read(vp, 0x40000000u + (off & 0x3FF), &v);
			break;
		}
		case 2: {
			uint16_t off = 0;

			take(&r, &off, sizeof(off));
			v = take64(&r);
			if (vp)
				hv_msr_write(vp, 0x40000000u + (off & 0x3FF), v);
			break;
		}
		case 3:
			if (vp)
				hv_set_tlb_flush_inhibit(e.part, hv_vp_index(vp), take8(&r) & 1);
			break;
		case 4:
			take(&r, e.xmm, sizeof(e.xmm));
			break;
		case 5: {
			uint16_t off = 0;
			uint8_t len;

			take(&r, &off, sizeof(off));
			len = take8(&r);
			off %= RAM_SIZE;
			if (len > RAM_SIZE - off)
				len = (uint8_t)(RAM_SIZE - off);
			if (len > r.n)
				len = (uint8_t)r.n;
			take(&r, e.ram + off, len);
			break;
		}
		case 6:
			if (vp)
				hv_vp_set_online(vp, take8(&r) & 1);
			break;
		case 7:
			if (!vp) {
				hv_partition_cancel_waits(e.part);
			} else {
				struct hv_vp_suspend_info info;

				hv_vp_suspend_info(vp, &info);
				hv_unsuspend_waiters_of(e.part, hv_vp_index(vp));
				/* A waiter must not block once unsuspended or cancelled. */
				if (info.waiting_on >= 0)
					hv_vp_wait_unsuspended(vp, 1000);
			}
			break;
		case 8: {
			uint16_t us = 0;

			take(&r, &us, sizeof(us));
			now += us * 1000ull;
			e.tsc += us * 2000ull; /* the 2 GHz guest TSC */
			tsvc_set_now(e.timers, now);
			tsvc_run_due(e.timers);
			break;
		}
		case 9: {
			uint32_t value = 0;

			take(&r, &value, sizeof(value));
			if (tdev)
				hyperv_testdev_write(tdev, value);
			break;
		}
		}
	}
	if (tdev) {
		hyperv_testdev_destroy(tdev);
		free(tdev);
	}
	hv_partition_destroy(e.part);
	tsvc_destroy(e.timers);
	free(e.ram);
	return 0;
}
