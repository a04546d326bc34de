// SPDX-License-Identifier: MIT
/*
 * kvm_floor_boot: the floor under boot_to_main_ms_1024, with no VMM around it. From before
 * KVM_CREATE_VM to the first exit of every one of N vCPUs, in one of two ways:
 *
 *   direct  every vCPU (BSP and APs) is created, given its CPUID, put in 64-bit mode
 *           (KVM_SET_SREGS, KVM_SET_REGS) and, for an AP, made runnable (KVM_SET_MP_STATE):
 *           its thread's first KVM_RUN runs `out %al, $0xE0` at once. The least any VMM
 *           pays to get N vCPUs to their first instruction.
 *   sipi    the vCPUs are created with their CPUID and their APIC in x2APIC mode (as hvemu
 *           sets them up for more than 255 vCPUs); the APs' threads wait in KVM_RUN
 *           (UNINITIALIZED) and the BSP, in 64-bit mode, sends INIT then SIPI to all but
 *           itself (two x2APIC ICR writes), after which each AP software-enables its local
 *           APIC and runs `out %al, $0xE1` in real mode at the SIPI vector: what KVM's INIT
 *           and SIPI (a vCPU reset, APIC map rebuilds) and the one APIC write every OS's AP
 *           makes add to the direct start, with no other guest work.
 *   sipi-only  as sipi, but the APs are put in the wait-for-SIPI state when created
 *           (KVM_SET_MP_STATE INIT_RECEIVED, as hvemu does) and the BSP sends the SIPI
 *           alone: the floor under hvemu's boot, whose guest sends no INIT.
 *
 * vCPUs are created and set up on J threads (default: the host CPU count, as hvemu does
 * KVM_CREATE_VCPU and KVM_SET_CPUID2), then one thread per vCPU runs it; threads are
 * SCHED_BATCH as hvemu's vCPU threads. Output (ms since the start, and the mean cost of each
 * set-up ioctl in us, summed over the creating threads):
 *   BENCH floor_boot_ms mode=.. vcpus=N total=.. created=.. threads=.. bsp_exit=..
 *   BENCH floor_boot_ioctl_us create=.. cpuid=.. msr=.. sregs=.. regs=.. mpstate=..
 * (create: KVM_CREATE_VCPU and the kvm_run mapping; sregs: KVM_GET_SREGS + KVM_SET_SREGS)
 * Usage: kvm_floor_boot [-c VCPUS] [-j THREADS] [-m direct|sipi|sipi-only]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "floor.h"

#define MEM_SIZE     (2u << 20)
#define SIPI_PAGE    0xa000u /* the APs' real-mode code: SIPI vector 0x0a */
#define MAX_VCPUS    4096
#define PORT_BSP     0xe0
#define PORT_AP	     0xe1
#define APIC_BASE_EN (1u << 11)
#define APIC_EXTD    (1u << 10)
#define APIC_BSP     (1u << 8)

/* The BSP's code at FLOOR_CODE (64-bit); in direct mode every vCPU runs its `out` only. */
__asm__(".pushsection .rodata, \"a\"\n"
	"floor_boot_code:\n"
	"	mov $0x830, %ecx\n" /* x2APIC ICR */
	"	xor %edx, %edx\n"
	"	mov $0xc4500, %eax\n" /* all but self, INIT, assert */
	"	wrmsr\n"
	"	jmp 2f\n"
	"floor_boot_sipi_only:\n"
	"	mov $0x830, %ecx\n"
	"	xor %edx, %edx\n"
	"2:	mov $0xc460a, %eax\n" /* all but self, STARTUP, vector 0x0a */
	"	wrmsr\n"
	"floor_boot_direct:\n"
	"	out %al, $0xe0\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"floor_boot_end:\n"
	".popsection\n");
extern const uint8_t floor_boot_code[], floor_boot_sipi_only[], floor_boot_direct[],
    floor_boot_end[];

/*
 * The APs' real-mode code at the SIPI page: the one thing every OS's AP must do, software-
 * enable its local APIC (x2APIC SVR = 0x1FF; KVM rebuilds its APIC map over every vCPU for
 * it), then `out %al, $0xE1; 1: hlt; jmp 1b`.
 */
/* clang-format off */
static const uint8_t ap_code[] = {
	0x66, 0xb9, 0x0f, 0x08, 0x00, 0x00,	/* mov $0x80f, %ecx (x2APIC SVR) */
	0x66, 0xb8, 0xff, 0x01, 0x00, 0x00,	/* mov $0x1ff, %eax (enabled, vector 0xff) */
	0x66, 0x31, 0xd2,			/* xor %edx, %edx */
	0x0f, 0x30,				/* wrmsr */
	0xe6, PORT_AP,				/* out %al, $0xE1 */
	0xf4, 0xeb, 0xfd,			/* 1: hlt; jmp 1b */
};
/* clang-format on */

enum op {
	OP_CREATE,
	OP_CPUID,
	OP_SREGS,
	OP_REGS,
	OP_MSR,
	OP_MPSTATE,
	NR_OPS
};

static const char *const op_names[NR_OPS] = {
	[OP_CREATE] = "create", [OP_CPUID] = "cpuid", [OP_SREGS] = "sregs",
	[OP_REGS] = "regs",	[OP_MSR] = "msr",     [OP_MPSTATE] = "mpstate",
};

static struct floor_vm vm;
static struct floor_vcpu vcpus[MAX_VCPUS];
static unsigned nvcpus, njobs;
enum mode {
	MODE_DIRECT,
	MODE_SIPI,
	MODE_SIPI_ONLY,
	NR_MODES
};
static const char *const mode_names[NR_MODES] = {
	[MODE_DIRECT] = "direct", [MODE_SIPI] = "sipi", [MODE_SIPI_ONLY] = "sipi-only"
};
static enum mode mode;
static _Atomic uint64_t op_ns[NR_OPS], op_calls[NR_OPS];
static uint64_t t_start;
static _Atomic uint64_t t_last_exit, t_bsp_exit;

static void op_add(enum op op, uint64_t t0)
{
	atomic_fetch_add(&op_ns[op], floor_now_ns() - t0);
	atomic_fetch_add(&op_calls[op], 1);
}

static void set_batch(void)
{
	struct sched_param p = { .sched_priority = 0 };

	if (sched_setscheduler(0, SCHED_BATCH, &p))
		floor_die("sched_setscheduler SCHED_BATCH");
}

/* Where the BSP starts in floor_boot_code. */
static uint64_t entry_offset(void)
{
	const uint8_t *at = mode == MODE_SIPI_ONLY ? floor_boot_sipi_only
			    : mode == MODE_SIPI	   ? floor_boot_code
						   : floor_boot_direct;

	return (uint64_t)(at - floor_boot_code);
}

/* What a VMM must do for each vCPU before its thread runs it, timed per ioctl. */
static void setup_vcpu(unsigned id)
{
	struct floor_vcpu *v = &vcpus[id];
	uint64_t t = floor_now_ns();

	floor_vcpu_new(&vm, id, v);
	op_add(OP_CREATE, t);
	t = floor_now_ns();
	floor_vcpu_set_cpuid(&vm, v);
	op_add(OP_CPUID, t);
	if (mode != MODE_DIRECT) { /* the APs are started by the BSP */
		t = floor_now_ns();
		floor_vcpu_set_msr(v, 0x1b,
				   0xfee00000u | APIC_BASE_EN | APIC_EXTD | (id ? 0 : APIC_BSP));
		op_add(OP_MSR, t);
		if (id && mode == MODE_SIPI_ONLY) {
			struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_INIT_RECEIVED };

			t = floor_now_ns();
			if (ioctl(v->fd, KVM_SET_MP_STATE, &mp))
				floor_die("KVM_SET_MP_STATE");
			op_add(OP_MPSTATE, t);
		}
		if (id)
			return; /* an AP waits for INIT/SIPI, or SIPI */
	}
	t = floor_now_ns();
	floor_vcpu_long_mode(v);
	op_add(OP_SREGS, t);
	t = floor_now_ns();
	floor_vcpu_enter_at(v, FLOOR_CODE + entry_offset(), FLOOR_STACK_TOP);
	op_add(OP_REGS, t);
	if (id) {
		t = floor_now_ns();
		floor_vcpu_runnable(v);
		op_add(OP_MPSTATE, t);
	}
}

static void *creator_main(void *arg)
{
	unsigned j = (unsigned)(uintptr_t)arg;

	for (unsigned id = j; id < nvcpus; id += njobs)
		setup_vcpu(id);
	return NULL;
}

static void *runner_main(void *arg)
{
	struct floor_vcpu *v = arg;
	uint16_t want = (v->id && mode != MODE_DIRECT) ? PORT_AP : PORT_BSP;
	uint64_t t, last;

	set_batch();
	while (ioctl(v->fd, KVM_RUN, 0) < 0)
		if (errno != EINTR && errno != EAGAIN)
			floor_die("KVM_RUN");
	t = floor_now_ns();
	if (v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != want)
		floor_fail("vCPU %u: first exit %u (port 0x%x), not its out to 0x%x", v->id,
			   v->run->exit_reason, v->run->io.port, want);
	if (!v->id)
		atomic_store(&t_bsp_exit, t);
	last = atomic_load(&t_last_exit);
	while (t > last && !atomic_compare_exchange_weak(&t_last_exit, &last, t))
		;
	return NULL;
}

static double ms(uint64_t t)
{
	return (double)(t - t_start) / 1e6;
}

static bool parse_mode(const char *s)
{
	for (unsigned m = 0; m < NR_MODES; m++) {
		if (!strcmp(s, mode_names[m])) {
			mode = (enum mode)m;
			return true;
		}
	}
	return false;
}

int main(int argc, char **argv)
{
	static pthread_t creators[64], runners[MAX_VCPUS];
	uint64_t t_created, t_threads;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int opt;

	nvcpus = 1024;
	njobs = ncpu > 0 ? (unsigned)ncpu : 1;
	while ((opt = getopt(argc, argv, "c:j:m:")) != -1) {
		if (opt == 'c')
			nvcpus = (unsigned)strtoul(optarg, NULL, 0);
		else if (opt == 'j')
			njobs = (unsigned)strtoul(optarg, NULL, 0);
		else if (opt == 'm' && parse_mode(optarg))
			continue;
		else {
			fprintf(stderr, "usage: kvm_floor_boot [-c VCPUS] [-j THREADS] "
					"[-m direct|sipi|sipi-only]\n");
			return 2;
		}
	}
	if (!nvcpus || nvcpus > MAX_VCPUS || !njobs || njobs > 64) {
		fprintf(stderr, "kvm_floor_boot: 1 <= VCPUS <= %u, 1 <= THREADS <= 64\n",
			MAX_VCPUS);
		return 2;
	}
	t_start = floor_now_ns();
	floor_vm_create(&vm, MEM_SIZE, floor_boot_code, (size_t)(floor_boot_end - floor_boot_code));
	memcpy(vm.mem + SIPI_PAGE, ap_code, sizeof(ap_code));
	for (unsigned j = 0; j < njobs; j++)
		if (pthread_create(&creators[j], NULL, creator_main, (void *)(uintptr_t)j))
			floor_fail("pthread_create failed");
	for (unsigned j = 0; j < njobs; j++)
		pthread_join(creators[j], NULL);
	t_created = floor_now_ns();
	/* The APs first (in sipi mode they wait in KVM_RUN), the BSP last. */
	for (unsigned i = nvcpus; i-- > 0;)
		if (pthread_create(&runners[i], NULL, runner_main, &vcpus[i]))
			floor_fail("pthread_create failed (vCPU %u)", i);
	t_threads = floor_now_ns();
	for (unsigned i = 0; i < nvcpus; i++)
		pthread_join(runners[i], NULL);
	printf("BENCH floor_boot_ms mode=%s vcpus=%u total=%.1f created=%.1f threads=%.1f "
	       "bsp_exit=%.1f\n",
	       mode_names[mode], nvcpus, ms(atomic_load(&t_last_exit)), ms(t_created),
	       ms(t_threads), ms(atomic_load(&t_bsp_exit)));
	printf("BENCH floor_boot_ioctl_us");
	for (unsigned op = 0; op < NR_OPS; op++) {
		uint64_t n = atomic_load(&op_calls[op]);

		if (n)
			printf(" %s=%.1f", op_names[op],
			       (double)atomic_load(&op_ns[op]) / 1e3 / (double)n);
	}
	printf(" jobs=%u\n", njobs);
	return 0;
}
