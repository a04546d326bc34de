// SPDX-License-Identifier: MIT
/*
 * kvm_floor_ipi: the floor under a PV IPI to 64 halted vCPUs (bench ipi64_hypercall_us), with
 * no VMM around it. One VM as hvemu creates it (in-kernel irqchip, 32-bit APIC IDs in MSIs),
 * 1 + T vCPUs in 64-bit mode at CPL0 with their APICs in x2APIC mode (as hvemu's test guests
 * run), one thread per vCPU, SCHED_BATCH as hvemu's vCPU threads, no affinity set (hvemu
 * gives its vCPU threads every allowed host CPU, which is what they inherit here).
 *
 *   targets (vCPUs 1..T)  software-enable the APIC, then `sti; hlt; jmp` forever; the
 *                         handler of vector 0xE0 counts the interrupt (`lock incl`), EOIs
 *                         the in-kernel LAPIC (x2APIC EOI MSR) and irets
 *   sender (vCPU 0)       `out %al, $0xE7`, then spins for a count the loop chose, and again
 *
 * A round: the sender's vCPU spins about settle_us (the targets halt, as hvemu's bench
 * waits settle_ms=2; with -i its thread sleeps that long instead and the guest spins only
 * briefly, as hvemu's bench with sender=idle halts), exits, and its thread sends one
 * KVM_SIGNAL_MSI (fixed, physical destination, vector 0xE0) to each target in APIC-ID
 * order and re-enters: the least a VMM can spend on one PV IPI hypercall to T halted
 * targets here. The loop then waits until every target has counted the interrupt (a lost
 * or doubled one fails the run) before the next round.
 *
 * Output, "BENCH <name> median=.. p90=.. p99=.. max=.. n=..":
 *   floor_ipi64_send_ns  the sender's time, guest-timed as the bench guest times its
 *                        hypercall (TSC around the `out`, converted at KVM_GET_TSC_KHZ):
 *                        the figure to compare with ipi64_hcall_ns
 *   floor_ipi64_exit_ns  the host's part, KVM_RUN return to the next KVM_RUN call: the
 *                        figure to compare with hvemu's --exit-timing hypercall exit
 *   floor_ipi64_msi_ns   one KVM_SIGNAL_MSI (and the target's wake-up it does)
 *   floor_ipi64_acks_ns  the re-entry to the last target's interrupt counted
 * and "BENCH floor_ipi64_preempted rounds=..": in how many rounds the sender's thread was
 * switched out involuntarily during the MSIs (getrusage ru_nivcsw around them).
 * Usage: kvm_floor_ipi [-n ROUNDS] [-t TARGETS] [-s SETTLE_US] [-N] [-H HALT_POLL_NS] [-P]
 *                      [-r] [-c] [-g] [-i] [-V]
 *   -N  vCPU threads stay SCHED_OTHER; -H  KVM_CAP_HALT_POLL for the VM; -P  a perf
 *   context-switch event on every vCPU thread (what hvemu's on-CPU probe adds); -r  MSIs in
 *   descending order; -c  one MSI per x2APIC cluster (logical destination) instead of one
 *   per target; -g  the targets' handler shaped as a C runtime's interrupt entry; -i  the
 *   sender sleeps through the settle (a fresh scheduler slice when it sends; without -i it
 *   has spun past its slice); -V  one line per round (time, preemptions, the slow MSIs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "floor.h"

#define STR_(x) #x
#define STR(x)	STR_(x)

#define VECTOR	  0xe0
#define PORT	  0xe7
#define ACKS_GPA  0x9000    /* u32: interrupts the targets handled */
#define READY_GPA 0x9004    /* u32: targets in their hlt loop */
#define SPIN_GPA  0x9008    /* u32: the sender's spin count before its next exit */
#define SEND_GPA  0x9010    /* u64: TSC ticks of the sender's last exit, guest-timed */
#define STACKS	  0x100000u /* a 4 KiB stack per vCPU */
#define MEM_SIZE  (4u << 20)
#define MAX_TGT	  512
#define SLOW_MSI  20000 /* ns: an MSI this slow is printed by -V */

_Static_assert(ACKS_GPA == FLOOR_DATA, "the counters are in the floor's data page");

__asm__(
    ".pushsection .rodata, \"a\"\n"
    "floor_ipi_code:\n"
    "floor_ipi_target:\n"
    "	mov $0x80f, %ecx\n" /* x2APIC SPIV: enabled, spurious vector 0xff */
    "	mov $0x1ff, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	lock incl " STR(
	READY_GPA) "\n"
		   "1:	sti\n"
		   "	hlt\n"
		   "	jmp 1b\n"
		   "floor_ipi_handler:\n"
		   "	push %rax\n"
		   "	push %rcx\n"
		   "	push %rdx\n"
		   "	lock incl " STR(
		       ACKS_GPA) "\n"
				 "	mov $0x80b, %ecx\n" /* x2APIC EOI */
				 "	xor %eax, %eax\n"
				 "	xor %edx, %edx\n"
				 "	wrmsr\n"
				 "	pop %rdx\n"
				 "	pop %rcx\n"
				 "	pop %rax\n"
				 "	iretq\n"
				 /*
				  * -g: the shape of a C runtime's interrupt entry
				  * (guest/lib/x86/entry.S and do_interrupt): vector and error code
				  * pushed, the 15 general registers saved, a call to a C-like
				  * function that looks the handler up and counts, the EOI, the
				  * restore.
				  */
				 "floor_ipi_handler_rt:\n"
				 "	pushq $0\n"
				 "	pushq $" STR(
				     VECTOR) "\n"
					     "	push %rax\n	push %rbx\n	push %rcx\n	"
					     "push %rdx\n	push %rsi\n"
					     "	push %rdi\n	push %rbp\n	push %r8\n	"
					     "push %r9\n	push %r10\n"
					     "	push %r11\n	push %r12\n	push %r13\n	"
					     "push %r14\n	push %r15\n"
					     "	cld\n"
					     "	mov %rsp, %rdi\n"
					     "	call 4f\n"
					     "	pop %r15\n	pop %r14\n	pop %r13\n	"
					     "pop %r12\n	pop %r11\n"
					     "	pop %r10\n	pop %r9\n	pop %r8\n	"
					     "pop %rbp\n	pop %rdi\n"
					     "	pop %rsi\n	pop %rdx\n	pop %rcx\n	"
					     "pop %rbx\n	pop %rax\n"
					     "	add $16, %rsp\n"
					     "	iretq\n"
					     "4:	push %rbp\n"
					     "	mov %rsp, %rbp\n"
					     "	sub $16, %rsp\n"
					     "	mov 0x78(%rdi), %rax\n"
					     "	cmp $0x1f, %eax\n"
					     "	jbe 5f\n"
					     "	cmp $0xff, %eax\n"
					     "	je 5f\n"
					     "	lock incl " STR(
						 ACKS_GPA) "\n"
							   "	call 6f\n"
							   "5:	leave\n"
							   "	ret\n"
							   "6:	mov $0x80b, %ecx\n"
							   "	xor %eax, %eax\n"
							   "	xor %edx, %edx\n"
							   "	wrmsr\n"
							   "	ret\n"
							   /*
							    * The sender times its exit as the bench
							    * guest times its hypercall (TSC before
							    * and after, at CPL0, interrupts off)
							    * and leaves the ticks at SEND_GPA for
							    * the host.
							    */
							   "floor_ipi_sender:\n"
							   "2:	rdtsc\n"
							   "	shl $32, %rdx\n"
							   "	or %rdx, %rax\n"
							   "	mov %rax, %rsi\n"
							   "	out %al, $" STR(
							       PORT) "\n"
								     "	rdtsc\n"
								     "	shl $32, %rdx\n"
								     "	or %rdx, %rax\n"
								     "	sub %rsi, %rax\n"
								     "	mov %rax, " STR(
									 SEND_GPA) "\n"
										   "	mov " STR(
										       SPIN_GPA) ","
												 " "
												 "%"
												 "e"
												 "c"
												 "x"
												 "\n"
												 "3:	dec %ecx\n"
												 "	jnz 3b\n"
												 "	jmp 2b\n"
												 "f"
												 "l"
												 "o"
												 "o"
												 "r"
												 "_"
												 "i"
												 "p"
												 "i"
												 "_"
												 "e"
												 "n"
												 "d"
												 ":"
												 "\n"
												 "."
												 "p"
												 "o"
												 "p"
												 "s"
												 "e"
												 "c"
												 "t"
												 "i"
												 "o"
												 "n"
												 "\n");
extern const uint8_t floor_ipi_code[], floor_ipi_target[], floor_ipi_handler[],
    floor_ipi_handler_rt[], floor_ipi_sender[], floor_ipi_end[];
#define GUEST_ADDR(label) (FLOOR_CODE + (uint64_t)((label)-floor_ipi_code))

struct opts {
	unsigned rounds, nt, settle_us;
	long halt_poll;
	bool sched_other, probe, reverse, verbose, rt_handler, cluster, idle_sender;
};

static struct opts o = { .rounds = 100, .nt = 64, .settle_us = 2000, .halt_poll = -1 };

static void set_batch(void)
{
	struct sched_param p = { .sched_priority = 0 };

	if (!o.sched_other && sched_setscheduler(0, SCHED_BATCH, &p))
		floor_die("sched_setscheduler SCHED_BATCH");
}

/* What hvemu's on-CPU probe (src/kvm/oncpu.c) puts on each vCPU thread. */
static void perf_probe(void)
{
	struct perf_event_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.context_switch = 1;
	fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 || mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
		floor_die("perf_event_open");
}

static void *target_main(void *arg)
{
	struct floor_vcpu *v = arg;

	set_batch();
	if (o.probe)
		perf_probe();
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			floor_die("KVM_RUN (target)");
		}
		floor_fail("target %u: unexpected exit %u", v->id, v->run->exit_reason);
	}
	return NULL;
}

static long nivcsw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nivcsw;
}

static uint32_t load32(struct floor_vm *f, uint32_t gpa)
{
	return __atomic_load_n((uint32_t *)(f->mem + gpa), __ATOMIC_ACQUIRE);
}

static void store32(struct floor_vm *f, uint32_t gpa, uint32_t v)
{
	__atomic_store_n((uint32_t *)(f->mem + gpa), v, __ATOMIC_RELEASE);
}

/* One sender exit; fails on anything but its `out`. */
static void sender_run(struct floor_vcpu *s)
{
	while (ioctl(s->fd, KVM_RUN, 0) < 0)
		if (errno != EINTR && errno != EAGAIN)
			floor_die("KVM_RUN (sender)");
	if (s->run->exit_reason != KVM_EXIT_IO || s->run->io.port != PORT)
		floor_fail("sender: unexpected exit %u", s->run->exit_reason);
}

/*
 * The MSI for the targets from the k-th on: one target (physical destination), or with -c
 * the following targets of the same x2APIC cluster too (logical destination: cluster
 * ID >> 4 in bits 31:16, one bit per APIC of the cluster, the LDR KVM derives from the
 * x2APIC ID). Returns how many targets it addresses.
 */
static unsigned target_msi(unsigned k, struct kvm_msi *msi)
{
	unsigned id = o.reverse ? o.nt - k : k + 1, n = 1;
	uint32_t dest = id, dm = 0;

	if (o.cluster) {
		dest = (id >> 4) << 16 | 1u << (id & 15);
		dm = 1u << 2;
		while (k + n < o.nt) {
			unsigned nx = o.reverse ? o.nt - k - n : k + n + 1;

			if (nx >> 4 != id >> 4)
				break;
			dest |= 1u << (nx & 15);
			n++;
		}
	}
	*msi = (struct kvm_msi){ .address_lo = 0xfee00000u | (dest & 0xffu) << 12 | dm,
				 .address_hi = dest & 0xffffff00u,
				 .data = VECTOR };
	return n;
}

struct samples {
	uint64_t *exit_ns, *send_ticks, *acks_ns, *msi_ns;
	size_t nmsi;
	unsigned preempted;
};

/*
 * Round r: the sender's exit after its settle spin is the timed one; its thread sends the
 * MSIs and re-enters. Then short spins until every target counted its interrupt (a lost
 * or doubled one fails the run); the first of them reads the sender's guest-timed ticks.
 */
static void round_run(struct floor_vm *f, struct floor_vcpu *sender, unsigned r, struct samples *s)
{
	uint64_t want = (uint64_t)(r + 1) * o.nt, start, end, t0;
	uint32_t settle = load32(f, SPIN_GPA);
	unsigned slow = 0, slow_at[8];
	long cs0, cs1;

	if (o.idle_sender)
		usleep(o.settle_us);
	sender_run(sender);
	cs0 = nivcsw();
	start = floor_now_ns();
	for (unsigned k = 0; k < o.nt;) {
		uint64_t m0 = floor_now_ns(), m1;
		struct kvm_msi msi;
		unsigned n = target_msi(k, &msi);
		int got = ioctl(f->fd, KVM_SIGNAL_MSI, &msi);

		if (got != (int)n)
			floor_fail("KVM_SIGNAL_MSI to target %u (+%u): %d delivered", k, n - 1,
				   got);
		m1 = floor_now_ns();
		s->msi_ns[s->nmsi++] = m1 - m0;
		if (m1 - m0 >= SLOW_MSI && slow < 8)
			slow_at[slow++] = k;
		k += n;
	}
	end = floor_now_ns();
	cs1 = nivcsw();
	s->exit_ns[r] = end - start;
	s->preempted += cs1 != cs0;
	if (o.verbose) {
		printf("round %u: at %llu.%09llu, %llu ns, %ld preemptions, slow MSIs at", r,
		       (unsigned long long)(start / 1000000000ull),
		       (unsigned long long)(start % 1000000000ull),
		       (unsigned long long)(end - start), cs1 - cs0);
		for (unsigned k = 0; k < slow; k++)
			printf(" %u", slow_at[k]);
		printf("\n");
	}
	store32(f, SPIN_GPA, 40);
	t0 = floor_now_ns();
	sender_run(sender);
	/* Stored after the timed exit, before this one (the next overwrite it). */
	s->send_ticks[r] = __atomic_load_n((uint64_t *)(f->mem + SEND_GPA), __ATOMIC_ACQUIRE);
	while (load32(f, ACKS_GPA) < want) {
		sender_run(sender);
		if (floor_now_ns() - t0 > 5000000000ull)
			floor_fail("round %u: %llu of %u interrupts arrived", r,
				   (unsigned long long)(load32(f, ACKS_GPA) - (want - o.nt)), o.nt);
	}
	s->acks_ns[r] = floor_now_ns() - end;
	if (load32(f, ACKS_GPA) != want)
		floor_fail("round %u: %u interrupts for %llu sent", r, load32(f, ACKS_GPA),
			   (unsigned long long)want);
	if (!o.idle_sender)
		store32(f, SPIN_GPA, settle);
}

static void usage(void)
{
	fprintf(stderr, "usage: kvm_floor_ipi [-n ROUNDS] [-t TARGETS] [-s SETTLE_US] [-N] "
			"[-H HALT_POLL_NS] [-P] [-r] [-c] [-g] [-i] [-V]\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:t:s:NH:PrcgiV")) != -1) {
		switch (opt) {
		case 'n':
			o.rounds = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 't':
			o.nt = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 's':
			o.settle_us = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'N':
			o.sched_other = true;
			break;
		case 'H':
			o.halt_poll = strtol(optarg, NULL, 0);
			break;
		case 'P':
			o.probe = true;
			break;
		case 'r':
			o.reverse = true;
			break;
		case 'c':
			o.cluster = true;
			break;
		case 'g':
			o.rt_handler = true;
			break;
		case 'i':
			o.idle_sender = true;
			break;
		case 'V':
			o.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !o.rounds || !o.nt || o.nt > MAX_TGT) {
		fprintf(stderr, "kvm_floor_ipi: 1 <= TARGETS <= %u, ROUNDS >= 1\n", MAX_TGT);
		usage();
	}
}

/* The VM, 1 + T vCPUs, the targets' threads started and every target in its hlt loop. */
static void setup(struct floor_vm *f, struct floor_vcpu *v)
{
	static pthread_t th[MAX_TGT + 1];
	uint64_t t0;

	floor_vm_create(f, MEM_SIZE, floor_ipi_code, (size_t)(floor_ipi_end - floor_ipi_code));
	if (o.halt_poll >= 0) {
		struct kvm_enable_cap c = { .cap = KVM_CAP_HALT_POLL,
					    .args = { (uint64_t)o.halt_poll } };

		if (ioctl(f->fd, KVM_ENABLE_CAP, &c) < 0)
			floor_die("KVM_CAP_HALT_POLL");
	}
	floor_set_gate(f, VECTOR,
		       GUEST_ADDR(o.rt_handler ? floor_ipi_handler_rt : floor_ipi_handler));
	store32(f, SPIN_GPA, 40);
	for (unsigned i = 0; i <= o.nt; i++) {
		floor_vcpu_create(f, i, &v[i]);
		/* x2APIC mode: enabled, EXTD, the BSP flag on vCPU 0 */
		floor_vcpu_set_msr(&v[i], 0x1b,
				   0xfee00000u | 1u << 11 | 1u << 10 | (i ? 0 : 1u << 8));
		floor_vcpu_enter_at(&v[i], GUEST_ADDR(i ? floor_ipi_target : floor_ipi_sender),
				    STACKS + (i + 1) * 4096ull);
		if (i)
			floor_vcpu_runnable(&v[i]);
	}
	v[0].run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS; /* as hvemu asks */
	set_batch();
	if (o.probe)
		perf_probe();
	for (unsigned i = 1; i <= o.nt; i++)
		if (pthread_create(&th[i], NULL, target_main, &v[i]))
			floor_fail("pthread_create failed");
	t0 = floor_now_ns();
	while (load32(f, READY_GPA) < o.nt) {
		sender_run(&v[0]);
		if (floor_now_ns() - t0 > 10000000000ull)
			floor_fail("%u of %u targets started", load32(f, READY_GPA), o.nt);
	}
}

/* The sender's spin count for settle_us: its speed measured over one long spin. */
static void calibrate_settle(struct floor_vm *f, struct floor_vcpu *sender)
{
	uint64_t t0, t1, per_iter;

	store32(f, SPIN_GPA, 20000);
	sender_run(sender);
	t0 = floor_now_ns();
	sender_run(sender);
	t1 = floor_now_ns();
	per_iter = (t1 - t0) / 20000 ? (t1 - t0) / 20000 : 1;
	store32(f, SPIN_GPA, (uint32_t)(o.settle_us * 1000ull / per_iter) + 1);
}

int main(int argc, char **argv)
{
	static struct floor_vcpu v[MAX_TGT + 1];
	struct samples s = { 0 };
	struct floor_vm f;
	int khz;

	parse(argc, argv);
	s.exit_ns = calloc(o.rounds, sizeof(*s.exit_ns));
	s.send_ticks = calloc(o.rounds, sizeof(*s.send_ticks));
	s.acks_ns = calloc(o.rounds, sizeof(*s.acks_ns));
	s.msi_ns = calloc((size_t)o.rounds * o.nt, sizeof(*s.msi_ns));
	if (!s.exit_ns || !s.send_ticks || !s.acks_ns || !s.msi_ns)
		floor_die("calloc");
	setup(&f, v);
	khz = ioctl(v[0].fd, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0)
		floor_die("KVM_GET_TSC_KHZ");
	calibrate_settle(&f, &v[0]);
	if (o.idle_sender)
		store32(&f, SPIN_GPA, 40);
	for (unsigned r = 0; r < o.rounds; r++)
		round_run(&f, &v[0], r, &s);
	/* The guest's ticks at the guest's TSC frequency, as the bench guest converts its own. */
	for (unsigned r = 0; r < o.rounds; r++)
		s.send_ticks[r] = s.send_ticks[r] * 1000000ull / (uint64_t)khz;
	floor_print("floor_ipi64_send_ns", s.send_ticks, o.rounds);
	floor_print("floor_ipi64_exit_ns", s.exit_ns, o.rounds);
	floor_print("floor_ipi64_msi_ns", s.msi_ns, s.nmsi);
	floor_print("floor_ipi64_acks_ns", s.acks_ns, o.rounds);
	printf("BENCH floor_ipi64_preempted rounds=%u of=%u targets=%u settle_us=%u sender=%s\n",
	       s.preempted, o.rounds, o.nt, o.settle_us, o.idle_sender ? "idle" : "busy");
	return 0;
}
