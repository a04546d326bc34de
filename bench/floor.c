// SPDX-License-Identifier: MIT
/* The bench's KVM floor programs: the VM and vCPU set-up they share (floor.h). */
#include "floor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

void floor_die(const char *what)
{
	fprintf(stderr, "kvm_floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

void floor_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("kvm_floor: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

uint64_t floor_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int floor_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void floor_print(const char *name, uint64_t *v, size_t n)
{
	if (!n) {
		printf("BENCH %s n=0\n", name);
		return;
	}
	qsort(v, n, sizeof(*v), floor_cmp_u64);
	printf("BENCH %s median=%llu p90=%llu p99=%llu max=%llu n=%zu\n", name,
	       (unsigned long long)v[n / 2], (unsigned long long)v[(n * 90) / 100],
	       (unsigned long long)v[(n * 99) / 100], (unsigned long long)v[n - 1], n);
}

static void enable_cap(int fd, uint32_t cap, uint64_t arg)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg } };

	if (ioctl(fd, KVM_ENABLE_CAP, &c) < 0)
		floor_die("KVM_ENABLE_CAP");
}

static struct kvm_cpuid2 *supported_cpuid(int kvm)
{
	struct kvm_cpuid2 *c;
	int nent = 256;

	for (;;) {
		c = calloc(1, sizeof(*c) + (size_t)nent * sizeof(c->entries[0]));
		if (!c)
			floor_die("calloc");
		c->nent = (uint32_t)nent;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		if (errno != E2BIG)
			floor_die("KVM_GET_SUPPORTED_CPUID");
		free(c);
		nent *= 2;
	}
}

void floor_vm_create(struct floor_vm *f, size_t mem_size, const void *code, size_t code_len)
{
	struct kvm_userspace_memory_region region;
	uint64_t *gdt;
	int r;

	memset(f, 0, sizeof(*f));
	f->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (f->kvm < 0)
		floor_die("/dev/kvm");
	f->fd = ioctl(f->kvm, KVM_CREATE_VM, 0);
	if (f->fd < 0)
		floor_die("KVM_CREATE_VM");
	if (ioctl(f->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		floor_die("KVM_CREATE_IRQCHIP");
	enable_cap(f->fd, KVM_CAP_X2APIC_API,
		   KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK);
	f->mem_size = mem_size;
	f->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->mem == MAP_FAILED)
		floor_die("mmap");
	if (FLOOR_CODE + code_len > mem_size)
		floor_fail("guest code does not fit");
	memcpy(f->mem + FLOOR_CODE, code, code_len);
	/* Identity map of the first GiB with 2 MiB pages. */
	*(uint64_t *)(f->mem + FLOOR_PML4) = FLOOR_PDPT | 3;
	*(uint64_t *)(f->mem + FLOOR_PDPT) = FLOOR_PD | 3;
	for (uint64_t i = 0; i < 512; i++)
		*(uint64_t *)(f->mem + FLOOR_PD + i * 8) = (i << 21) | 0x83;
	/* Interrupt delivery and iretq read the segments from a GDT in guest memory. */
	gdt = (uint64_t *)(f->mem + FLOOR_GDT);
	gdt[1] = 0x00af9a000000ffffull; /* code: 64-bit, present, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* data */
	region = (struct kvm_userspace_memory_region){ .slot = 0,
						       .guest_phys_addr = 0,
						       .memory_size = mem_size,
						       .userspace_addr = (uintptr_t)f->mem };
	if (ioctl(f->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		floor_die("KVM_SET_USER_MEMORY_REGION");
	r = ioctl(f->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0)
		floor_die("KVM_GET_VCPU_MMAP_SIZE");
	f->run_size = (size_t)r;
	f->cpuid = supported_cpuid(f->kvm);
}

void floor_vcpu_new(struct floor_vm *f, unsigned id, struct floor_vcpu *v)
{
	v->id = id;
	v->fd = ioctl(f->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0)
		floor_die("KVM_CREATE_VCPU");
	v->run = mmap(NULL, f->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		floor_die("mmap kvm_run");
}

void floor_vcpu_set_cpuid(struct floor_vm *f, const struct floor_vcpu *v)
{
	if (ioctl(v->fd, KVM_SET_CPUID2, f->cpuid) < 0)
		floor_die("KVM_SET_CPUID2");
}

void floor_vcpu_long_mode(const struct floor_vcpu *v)
{
	struct kvm_segment cs = { .base = 0,
				  .limit = 0xffffffff,
				  .selector = 8,
				  .type = 11,
				  .present = 1,
				  .s = 1,
				  .l = 1,
				  .g = 1 };
	struct kvm_segment ds = cs;
	struct kvm_sregs s;

	ds.selector = 16;
	ds.type = 3;
	ds.l = 0;
	ds.db = 1;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		floor_die("KVM_GET_SREGS");
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.gdt.base = FLOOR_GDT;
	s.gdt.limit = 3 * 8 - 1;
	s.idt.base = FLOOR_IDT;
	s.idt.limit = 256 * 16 - 1;
	s.cr3 = FLOOR_PML4;
	s.cr4 = 1u << 5;				 /* PAE */
	s.cr0 = 1u | (1u << 4) | (1u << 5) | (1u << 31); /* PE ET NE PG */
	s.efer = (1u << 8) | (1u << 10);		 /* LME LMA */
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		floor_die("KVM_SET_SREGS");
}

void floor_vcpu_create(struct floor_vm *f, unsigned id, struct floor_vcpu *v)
{
	floor_vcpu_new(f, id, v);
	/* Before the sregs: long mode needs the CPUID, and so does x2APIC mode. */
	floor_vcpu_set_cpuid(f, v);
	floor_vcpu_long_mode(v);
}

void floor_vcpu_enter_at(const struct floor_vcpu *v, uint64_t rip, uint64_t rsp)
{
	struct kvm_regs r;

	memset(&r, 0, sizeof(r));
	r.rip = rip;
	r.rsp = rsp;
	r.rflags = 2;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		floor_die("KVM_SET_REGS");
}

void floor_set_gate(struct floor_vm *f, uint8_t vector, uint64_t handler)
{
	uint64_t *g = (uint64_t *)(f->mem + FLOOR_IDT + vector * 16u);

	/* offset 15:0, selector 8, type 0xE (interrupt gate), present, offset 63:16 */
	g[0] =
	    (handler & 0xffff) | (8ull << 16) | (0x8eull << 40) | ((handler >> 16 & 0xffff) << 48);
	g[1] = handler >> 32;
}

void floor_vcpu_set_msr(const struct floor_vcpu *v, uint32_t index, uint64_t value)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr = { .nmsrs = 1 }, .e = { .index = index, .data = value } };

	if (ioctl(v->fd, KVM_SET_MSRS, &m) != 1)
		floor_fail("KVM_SET_MSRS 0x%x failed", index);
}

void floor_vcpu_runnable(const struct floor_vcpu *v)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		floor_die("KVM_SET_MP_STATE");
}
