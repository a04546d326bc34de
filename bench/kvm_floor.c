// SPDX-License-Identifier: MIT
/*
 * kvm_floor: what a user-space exit costs on this KVM with no VMM around it. A standalone
 * program (no hvemu code): one VM, one vCPU in 64-bit mode at CPL0 (as hvemu's test guests
 * run), the in-kernel irqchip (as hvemu creates it), a few bytes of guest code, and a run
 * loop that does nothing but what each variant names. Each figure is the time from one
 * KVM_RUN return to the next, measured on the host (CLOCK_MONOTONIC), so it is the whole
 * round trip: the exit, the return to user space, the loop, the entry and the guest
 * instructions up to the next exit.
 *
 *   port          `out %al, $0xE0; jmp .-2`; sync regs REGS|SREGS copied out (as hvemu asks)
 *   port_nosync   the same with kvm_valid_regs = 0 (as QEMU runs)
 *   port_regs     the same with kvm_valid_regs = REGS only
 *   port_events   the same with REGS|SREGS|EVENTS (as hvemu asks with the SynIC)
 *   stub          `call stub; jmp .-5`, stub = `out %al, $0xE1; ret`: the guest executes the
 *                 call and the ret, the loop writes nothing back
 *   hcall_ret     `call page; jmp .-5`, page = `out %al, $0xE6; ret`: the loop does what a
 *                 hypercall must at least do: RAX = 0 and the page's `ret` (RIP, RSP), written
 *                 back through kvm_dirty_regs = REGS
 *   hcall_rax     the same, but only RAX is written back (REGS dirty); the guest executes `ret`
 *   in            `in $0xE2, %eax; jmp .-2`, the loop answers all ones (an unclaimed port)
 *   in_nosync     the same with kvm_valid_regs = 0
 *   pioloop       the loop of guest/tests/pio_bench.c, byte for byte (`in (%dx), %eax`
 *                 from port 0x3E0, two adds, cmp, jne), kvm_valid_regs = REGS: what any VMM
 *                 that answers the `in` in user space costs at least, per iteration
 *
 * The variants run in interleaved blocks (n exits of each per block), so that they share the
 * machine's noise. Output: "BENCH floor_<variant>_ns median=<ns> p90=.. p99=.. max=.. n=<count>".
 * The same floor for a PV IPI to 64 halted vCPUs is bench/kvm_floor_ipi.c, for 1024 vCPUs
 * to their first instruction bench/kvm_floor_boot.c.
 * Usage: kvm_floor [-n EXITS_PER_VARIANT] [-b BLOCK] [-v VARIANT,...]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "floor.h"

#define MEM_SIZE  (2u << 20)
#define STACK_TOP FLOOR_STACK_TOP
#define CODE	  FLOOR_CODE

enum wb {
	WB_NONE,
	WB_RAX,
	WB_RAX_RET
};

struct variant {
	const char *name;
	uint64_t entry;
	uint32_t valid_regs;
	enum wb wb;
	uint16_t port;
	uint64_t rdx, r12; /* at entry */
	uint64_t *t;	   /* samples */
	size_t n;
};

static struct variant variants[] = {
	{ .name = "port", .entry = CODE + 0x00, .valid_regs = 3, .port = 0xE0 },
	{ .name = "port_nosync", .entry = CODE + 0x00, .valid_regs = 0, .port = 0xE0 },
	{ .name = "port_regs", .entry = CODE + 0x00, .valid_regs = 1, .port = 0xE0 },
	{ .name = "port_events", .entry = CODE + 0x00, .valid_regs = 7, .port = 0xE0 },
	{ .name = "stub", .entry = CODE + 0x10, .valid_regs = 3, .port = 0xE1 },
	{ .name = "hcall_ret",
	  .entry = CODE + 0x20,
	  .valid_regs = 3,
	  .wb = WB_RAX_RET,
	  .port = 0xE6 },
	{ .name = "hcall_rax", .entry = CODE + 0x20, .valid_regs = 3, .wb = WB_RAX, .port = 0xE6 },
	{ .name = "in", .entry = CODE + 0x30, .valid_regs = 3, .port = 0xE2 },
	{ .name = "in_nosync", .entry = CODE + 0x30, .valid_regs = 0, .port = 0xE2 },
	{ .name = "pioloop",
	  .entry = CODE + 0x40,
	  .valid_regs = 1,
	  .port = 0x3E0,
	  .rdx = 0x3E0,
	  .r12 = ~0ull },
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

static const uint8_t code[] = {
	/* 0x00 */ 0xE6, 0xE0, 0xEB, 0xFC,		   /* 1: out %al,$0xE0; jmp 1b */
	[0x10] = 0xE8, 0xEB, 0x00, 0x00, 0x00, 0xEB, 0xF9, /* 1: call 0x100; jmp 1b */
	[0x20] = 0xE8, 0xDB, 0x01, 0x00, 0x00, 0xEB, 0xF9, /* 1: call 0x200; jmp 1b */
	[0x30] = 0xE5, 0xE2, 0xEB, 0xFC,		   /* 1: in $0xE2,%eax; jmp 1b */
	/* 1: in (%dx),%eax; add $1,%rcx; add %eax,%ebx; cmp %rcx,%r12; jne 1b */
	[0x40] = 0xED, 0x48, 0x83, 0xC1, 0x01, 0x01, 0xC3, 0x49, 0x39, 0xCC, 0x75,
	0xF4, [0x100] = 0xE6, 0xE1, 0xC3, /* stub: out %al,$0xE1; ret */
	[0x200] = 0xE6, 0xE6, 0xC3,	  /* page: out %al,$0xE6; ret */
};

static void enter_at(const struct floor_vcpu *vcpu, const struct variant *v)
{
	struct kvm_regs r;

	memset(&r, 0, sizeof(r));
	r.rip = v->entry;
	r.rdx = v->rdx;
	r.r12 = v->r12;
	r.rsp = STACK_TOP;
	r.rflags = 2;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &r) < 0)
		floor_die("KVM_SET_REGS");
}

/* One block: n timed exits of variant v (plus one untimed to get into the loop). */
static void run_block(const struct floor_vcpu *vcpu, uint8_t *mem, struct variant *v, size_t n)
{
	struct kvm_run *run = vcpu->run;
	uint64_t prev = 0;

	/* Completes the previous block's last exit (an `in` is finished on the next entry). */
	run->kvm_dirty_regs = 0;
	run->immediate_exit = 1;
	if (ioctl(vcpu->fd, KVM_RUN, 0) == 0 || errno != EINTR)
		floor_die("KVM_RUN with immediate_exit");
	run->immediate_exit = 0;
	run->kvm_valid_regs = v->valid_regs;
	enter_at(vcpu, v);
	for (size_t i = 0; i <= n;) {
		uint64_t t;

		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			floor_die("KVM_RUN");
		}
		t = floor_now_ns();
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != v->port) {
			floor_fail("%s: unexpected exit %u (port 0x%x)", v->name, run->exit_reason,
				   run->io.port);
		}
		if (run->io.direction == KVM_EXIT_IO_IN)
			memset((uint8_t *)run + run->io.data_offset, 0xff, run->io.size);
		if (v->wb != WB_NONE) {
			struct kvm_regs *r = &run->s.regs.regs;

			r->rax = 0;
			if (v->wb == WB_RAX_RET) {
				/* identity-mapped: the stack's GVA is its GPA */
				r->rip = *(uint64_t *)(mem + r->rsp);
				r->rsp += 8;
			}
			run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
		}
		if (i > 0)
			v->t[v->n++] = t - prev;
		prev = t;
		i++;
	}
}

static int wanted(const char *list, const char *name)
{
	size_t len = strlen(name);

	if (!list)
		return 1;
	for (const char *p = list; (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = 20000, block = 500;
	const char *only = NULL;
	struct floor_vm vm;
	struct floor_vcpu vcpu;
	int opt;

	while ((opt = getopt(argc, argv, "n:b:v:")) != -1) {
		if (opt == 'n')
			n = strtoul(optarg, NULL, 0);
		else if (opt == 'b')
			block = strtoul(optarg, NULL, 0);
		else if (opt == 'v')
			only = optarg;
		else {
			fprintf(stderr,
				"usage: kvm_floor [-n EXITS] [-b BLOCK] [-v VARIANT,...]\n");
			return 2;
		}
	}
	if (!n || !block || n % block) {
		fprintf(stderr, "kvm_floor: -n must be a non-zero multiple of -b\n");
		return 2;
	}
	floor_vm_create(&vm, MEM_SIZE, code, sizeof(code));
	floor_vcpu_create(&vm, 0, &vcpu);
	for (size_t i = 0; i < NVARIANTS; i++) {
		variants[i].t = calloc(n, sizeof(uint64_t));
		if (!variants[i].t)
			floor_die("calloc");
	}
	for (size_t done = 0; done < n; done += block)
		for (size_t i = 0; i < NVARIANTS; i++)
			if (wanted(only, variants[i].name))
				run_block(&vcpu, vm.mem, &variants[i], block);
	for (size_t i = 0; i < NVARIANTS; i++) {
		struct variant *v = &variants[i];
		char name[64];

		if (!v->n)
			continue;
		snprintf(name, sizeof(name), "floor_%s_ns", v->name);
		floor_print(name, v->t, v->n);
	}
	return 0;
}
