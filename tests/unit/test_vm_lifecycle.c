// SPDX-License-Identifier: MIT
/*
 * VM creation and vCPU hot-add on real KVM, with a failure injected at every step:
 * everything unwinds (no fd, thread, mapping or host-context reference left), the VM keeps
 * working, and a failed vCPU never becomes visible. Skips without /dev/kvm.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test_host_util.h"
#include "host/host.h"
#include "kvm/vm.h"
#include "kvm/vm_test.h"
#include "util/fault.h"
#include "util/log.h"
#include "util/time.h"

static int nfds(void)
{
	return th_count_dir("/proc/self/fd");
}

/*
 * hvemu's threads. KVM attaches workers of its own to the VM owner's process (e.g.
 * "kvm-nx-lpage-recovery", started lazily and ended with the VM): they are not counted.
 */
static int nthreads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (strncmp(comm, "kvm-", 4) != 0)
			n++;
	}
	closedir(d);
	return n;
}

static bool have_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		t_skip("/dev/kvm is not usable here");
		return false;
	}
	close(fd);
	return true;
}

static struct vm_config cfg(unsigned boot, unsigned max)
{
	struct vm_config c = { .mem_size = 16ull << 20,
			       .boot_vcpus = boot,
			       .max_vcpus = max,
			       .serial = UART_SINK_NONE,
			       .name = "test" };
	char err[128];

	hv_features_parse("all", &c.hv, err, sizeof(err));
	return c;
}

/* A tiny ELF64 kernel that halts forever (cli; hlt; jmp), written to a temporary file. */
static const char *idle_kernel(void)
{
	static char path[] = "/tmp/hvemu-idle-XXXXXX";
	static const uint8_t code[] = { 0xfa, 0xf4, 0xeb, 0xfd };
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		uint8_t code[sizeof(code)];
	} img;
	int fd;

	if (path[sizeof(path) - 2] != 'X')
		return path;
	memset(&img, 0, sizeof(img));
	memcpy(img.eh.e_ident, ELFMAG, SELFMAG);
	img.eh.e_ident[EI_CLASS] = ELFCLASS64;
	img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img.eh.e_ident[EI_VERSION] = EV_CURRENT;
	img.eh.e_type = ET_EXEC;
	img.eh.e_machine = EM_X86_64;
	img.eh.e_version = EV_CURRENT;
	img.eh.e_entry = 0x100000;
	img.eh.e_phoff = offsetof(typeof(img), ph);
	img.eh.e_ehsize = sizeof(img.eh);
	img.eh.e_phentsize = sizeof(img.ph);
	img.eh.e_phnum = 1;
	img.ph.p_type = PT_LOAD;
	img.ph.p_flags = PF_R | PF_X;
	img.ph.p_offset = offsetof(typeof(img), code);
	img.ph.p_paddr = img.ph.p_vaddr = 0x100000;
	img.ph.p_filesz = img.ph.p_memsz = sizeof(code);
	memcpy(img.code, code, sizeof(code));
	fd = mkstemp(path);
	if (fd < 0 || write(fd, &img, sizeof(img)) != (ssize_t)sizeof(img))
		return NULL;
	close(fd);
	return path;
}

static int start_idle(struct vm *vm)
{
	char err[256];
	int r = vm_load_kernel(vm, idle_kernel(), NULL, NULL, err, sizeof(err));

	return r ? r : vm_start(vm);
}

static struct vm_test_slot slot_of(struct vm *vm, unsigned slot)
{
	struct vm_test_slot s = { .state = "?" };

	vm_test_slot(vm, slot, &s);
	return s;
}

/* Threads that end asynchronously (host CPU checks) may take a moment to disappear. */
static int settle_threads(int want)
{
	int n = nthreads();

	for (int i = 0; i < 200 && n > want; i++) {
		usleep(10000);
		n = nthreads();
	}
	return n;
}

static void test_create_destroy_no_leak(void)
{
	struct vm_config c = cfg(2, 4);
	struct vm *vm;
	char err[512];
	int fds, thr;

	if (!have_kvm())
		return;
	fds = nfds();
	thr = nthreads();
	CHECK_EQ(vm_create(&c, &vm, err, sizeof(err)), 0);
	CHECK_EQ(host_usage_count(), 1);
	CHECK(nthreads() > thr); /* vCPU threads and the host CPU monitor */
	vm_destroy(vm);
	CHECK_EQ(host_usage_count(), 0);
	CHECK_EQ(nfds(), fds);
	CHECK_EQ(settle_threads(thr), thr);
}

/* The run state query-status reports, through the VM's real control-socket backend. */
static enum ctl_run_state ctl_state(struct vm *vm)
{
	struct ctl_status st = { .state = (enum ctl_run_state) - 1 };
	char err[CTL_ERRMSG_MAX] = "";

	CHECK_EQ(vm_ctl_ops.query_status(vm, &st, err), 0);
	return st.state;
}

/* starting until vm_start() succeeded, then running, then shutting-down; a failed start
 * goes from starting to shutting-down. */
static void test_run_state(void)
{
	struct vm_config c = cfg(2, 4);
	struct vm *vm;
	char err[512];

	if (!have_kvm())
		return;
	CHECK_EQ(vm_create(&c, &vm, err, sizeof(err)), 0);
	CHECK_EQ(ctl_state(vm), CTL_RUN_STARTING);
	CHECK_EQ(start_idle(vm), 0);
	CHECK_EQ(ctl_state(vm), CTL_RUN_RUNNING);
	vm_stop(vm, VM_EXIT_POWEROFF, "stopped by the test");
	CHECK_EQ(ctl_state(vm), CTL_RUN_SHUTTING_DOWN);
	vm_destroy(vm);

	CHECK_EQ(vm_create(&c, &vm, err, sizeof(err)), 0);
	fault_disarm_all();
	CHECK_EQ(fault_arm("vcpu.online@2"), 0); /* the second boot vCPU does not come online */
	CHECK(start_idle(vm) != 0);
	fault_disarm_all();
	CHECK_EQ(ctl_state(vm), CTL_RUN_SHUTTING_DOWN);
	vm_destroy(vm);
}

static void test_create_fault_at_every_step(void)
{
	static const char *const points[] = {
		"vm.kvm",	 "hostctx.create", "hostctx.monitor", "vm.irqchip",
		"vm.memory",	 "vm.tables",	   "vcpu.kvm_vcpu",   "vcpu.cpuid",
		"vcpu.state",	 "vcpu.hv",	   "vcpu.thread",     "vcpu.oncpu",
		"vcpu.place",	 "vcpu.apic",	   "vcpu.kvm_vcpu@2", "vcpu.thread@2",
		"vm.msr_filter",
	};
	struct vm_config c = cfg(2, 4);
	int fds, thr;

	if (!have_kvm())
		return;
	fds = nfds();
	thr = nthreads();
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		struct vm *vm = NULL;
		char err[512] = "";
		int r;

		fault_disarm_all();
		CHECK_EQ(fault_arm(points[i]), 0);
		r = vm_create(&c, &vm, err, sizeof(err));
		CHECK_MSG(r != 0 && vm == NULL, "%s: vm_create returned %d", points[i], r);
		CHECK_MSG(err[0] != '\0', "%s: no error message", points[i]);
		CHECK_MSG(host_usage_count() == 0, "%s: host context still referenced", points[i]);
		CHECK_MSG(nfds() == fds, "%s: %d fds, want %d", points[i], nfds(), fds);
		CHECK_MSG(settle_threads(thr) == thr, "%s: %d threads, want %d", points[i],
			  nthreads(), thr);
	}
	fault_disarm_all();
}

static void test_hotadd_fault_at_every_step(void)
{
	static const char *const steps[] = { "vcpu.kvm_vcpu", "vcpu.cpuid",  "vcpu.state",
					     "vcpu.hv",	      "vcpu.thread", "vcpu.oncpu",
					     "vcpu.place",    "vcpu.apic",   "vcpu.online" };
	struct vm_config c = cfg(1, 4);
	struct vm *vm;
	char err[512];
	uint32_t vp;
	int thr, fds;

	if (!have_kvm())
		return;
	CHECK_EQ(vm_create(&c, &vm, err, sizeof(err)), 0);
	CHECK_EQ(start_idle(vm), 0);
	thr = nthreads();
	fds = nfds();
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct vm_test_slot st;

		fault_disarm_all();
		CHECK_EQ(fault_arm(steps[i]), 0);
		CHECK_MSG(vm_test_add(vm, 2) == -EIO, "%s: hot-add did not fail", steps[i]);
		st = slot_of(vm, 2);
		CHECK_MSG(!strcmp(st.state, "absent"), "%s: failed vCPU is %s", steps[i], st.state);
		CHECK_MSG(st.step == 0, "%s: slot at step %d, not 0", steps[i], st.step);
		CHECK_MSG(!st.present, "%s: slot present to the guest", steps[i]);
		CHECK_MSG(!st.found_by_vp, "%s: the VP index finds the failed vCPU", steps[i]);
		/* settle: the host CPU manager's checks come and go; a leaked thread stays. */
		CHECK_MSG(settle_threads(thr) == thr, "%s: %d threads, want %d", steps[i],
			  nthreads(), thr);
		/* Only the KVM vCPU and its stats fd may stay: KVM cannot destroy a vCPU. */
		CHECK_MSG(nfds() <= fds + 2, "%s: %d fds, want <= %d", steps[i], nfds(), fds + 2);
	}
	fault_disarm_all();
	CHECK_EQ(vm_test_add(vm, 2), 0);
	CHECK_STR(slot_of(vm, 2).state, "online");
	CHECK(slot_of(vm, 2).present);
	CHECK(slot_of(vm, 2).tid > 0);
	vp = slot_of(vm, 2).vp_index;
	CHECK(vp != UINT32_MAX);
	CHECK(slot_of(vm, 2).found_by_vp);
	CHECK_EQ(vm_test_add(vm, 2), -EEXIST);
	/* Removal parks it: absent, no thread, invisible; re-adding reuses its VP index. */
	CHECK_EQ(vm_test_eject(vm, 2), 0);
	CHECK_STR(slot_of(vm, 2).state, "absent");
	CHECK_EQ(slot_of(vm, 2).step, 0);
	CHECK(!slot_of(vm, 2).present && slot_of(vm, 2).parked && !slot_of(vm, 2).found_by_vp);
	CHECK_EQ(slot_of(vm, 2).tid, 0);
	CHECK_EQ(vm_test_eject(vm, 2), -ENOENT);
	CHECK_EQ(settle_threads(thr), thr);
	CHECK_EQ(vm_test_add(vm, 2), 0);
	CHECK_EQ(slot_of(vm, 2).vp_index, vp);
	/* The next new slot gets the next index: never reused. */
	CHECK_EQ(vm_test_add(vm, 3), 0);
	CHECK(slot_of(vm, 3).vp_index != vp && slot_of(vm, 3).vp_index != slot_of(vm, 0).vp_index);
	CHECK_EQ(vm_test_eject(vm, 0), -EBUSY);
	CHECK_EQ(vm_test_request_remove(vm, 0), -EBUSY);
	vm_stop(vm, 0, "test done");
	CHECK_EQ(vm_wait(vm, -1), 0);
	CHECK_STR(vm_exit_message(vm), "test done");
	vm_destroy(vm);
	CHECK_EQ(host_usage_count(), 0);
}

struct cross {
	struct vm *vm;
	unsigned on, slot;
	_Atomic unsigned *meet;
	int r;
};

static void *eject_from(void *arg)
{
	struct cross *c = arg;

	c->r = vm_test_eject_from(c->vm, c->on, c->slot, c->meet, 2);
	return NULL;
}

static bool both_absent(struct vm *vm)
{
	for (int i = 0; i < 500; i++) {
		if (!strcmp(slot_of(vm, 1).state, "absent") &&
		    !strcmp(slot_of(vm, 2).state, "absent"))
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * The vCPU of slot 1 ejects slot 2 while the vCPU of slot 2 ejects slot 1, on their own
 * threads: neither waits for the other under vm->lock, both slots end absent and can be
 * added again. Rounds in which both ejects ran (neither vCPU was stopped before it could)
 * are the race; some are required.
 */
#define CROSS_ROUNDS 100
static void test_cross_eject_on_vcpu_threads(void)
{
	struct vm_config c = cfg(1, 3);
	unsigned raced = 0, bad = 0;
	struct vm *vm;
	char err[512];

	if (!have_kvm())
		return;
	CHECK_EQ(vm_create(&c, &vm, err, sizeof(err)), 0);
	CHECK_EQ(start_idle(vm), 0);
	for (int i = 0; i < CROSS_ROUNDS && !bad; i++) {
		_Atomic unsigned meet = 0;
		uint64_t t0;
		struct cross a = { .vm = vm, .on = 1, .slot = 2, .meet = &meet };
		struct cross b = { .vm = vm, .on = 2, .slot = 1, .meet = &meet };
		pthread_t ta, tb;

		if (vm_test_add(vm, 1) || vm_test_add(vm, 2)) {
			CHECK_MSG(false, "round %d: slots 1 and 2 could not be added again", i);
			bad++;
			break;
		}
		t0 = now_ns();
		pthread_create(&ta, NULL, eject_from, &a);
		pthread_create(&tb, NULL, eject_from, &b);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		/* Waits end in microseconds; one that ran into the 5 s stop limit was a cycle. */
		if (now_ns() - t0 > 3 * NSEC_PER_SEC) {
			CHECK_MSG(false, "round %d: the ejects took %llu ms", i,
				  (unsigned long long)((now_ns() - t0) / NSEC_PER_MSEC));
			bad++;
		}
		/* Each call: done (0), or it went on without its vCPU, or that vCPU was gone. */
		if ((a.r && a.r != -EINPROGRESS && a.r != -ESRCH && a.r != -ENOENT) ||
		    (b.r && b.r != -EINPROGRESS && b.r != -ESRCH && b.r != -ENOENT)) {
			CHECK_MSG(false, "round %d: ejects returned %d and %d", i, a.r, b.r);
			bad++;
		}
		if ((a.r == 0 || a.r == -EINPROGRESS) && (b.r == 0 || b.r == -EINPROGRESS))
			raced++;
		/* A one-sided round leaves the ejector online: eject it from here. */
		if (!strcmp(slot_of(vm, 1).state, "online"))
			vm_test_eject(vm, 1);
		if (!strcmp(slot_of(vm, 2).state, "online"))
			vm_test_eject(vm, 2);
		if (!both_absent(vm)) {
			CHECK_MSG(false, "round %d: slots are %s and %s", i, slot_of(vm, 1).state,
				  slot_of(vm, 2).state);
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_MSG(raced > 0, "no round raced (%d rounds)", CROSS_ROUNDS);
	printf("# %u of %d rounds had both vCPUs eject each other\n", raced, CROSS_ROUNDS);
	vm_stop(vm, 0, "test done");
	CHECK_EQ(vm_wait(vm, -1), 0);
	vm_destroy(vm);
}

/* Bytes the process has allocated and not freed (the sanitizers keep their own heap). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* The sanitizer runtime's (sanitizer/allocator_interface.h, not always installed). */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_in_use(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}
#endif

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * A slot removed and re-added CHURN_CYCLES times: nothing may be kept per cycle (the
 * Hyper-V VP state of a removed vCPU is freed once no reader can hold it). The heap in
 * use is exact; RSS is checked with room for allocator noise.
 */
#define CHURN_CYCLES 10000
#define CHURN_WARM   200
static void test_churn_flat_memory(void)
{
	struct vm_config c = cfg(1, 2);
	size_t heap_warm = 0, heap_end;
	long rss_warm = 0, rss_end;
	struct vm *vm;
	char err[512];
	int bad = 0;

	if (!have_kvm())
		return;
	CHECK_EQ(vm_create(&c, &vm, err, sizeof(err)), 0);
	CHECK_EQ(start_idle(vm), 0);
	for (int i = 0; i < CHURN_CYCLES; i++) {
		if (vm_test_add(vm, 1) || vm_test_eject(vm, 1))
			bad++;
		if (i == CHURN_WARM) {
			heap_warm = heap_in_use();
			rss_warm = rss_kib();
		}
	}
	heap_end = heap_in_use();
	rss_end = rss_kib();
	CHECK_EQ(bad, 0);
	CHECK_MSG(heap_end <= heap_warm + 16384, "heap grew by %zd bytes over %d add/remove cycles",
		  (ssize_t)(heap_end - heap_warm), CHURN_CYCLES - CHURN_WARM);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	/* (The sanitizers keep freed memory in quarantine: their RSS grows by design.) */
	CHECK_MSG(rss_end <= rss_warm + 512, "RSS grew from %ld to %ld KiB over %d cycles",
		  rss_warm, rss_end, CHURN_CYCLES - CHURN_WARM);
#else
	(void)rss_end;
	(void)rss_warm;
#endif
	vm_stop(vm, 0, "test done");
	vm_wait(vm, -1);
	vm_destroy(vm);
}

static _Atomic bool churn_stop;

static void *churn_vms(void *arg)
{
	int *failures = arg;

	for (int i = 0; i < 4; i++) {
		struct vm_config c = cfg(2, 2);
		struct vm *vm;
		char err[512];

		if (vm_create(&c, &vm, err, sizeof(err))) {
			(*failures)++;
			continue;
		}
		start_idle(vm);
		usleep(2000);
		vm_stop(vm, 0, "churn");
		vm_wait(vm, -1);
		vm_destroy(vm);
	}
	return NULL;
}

static void *churn_uevents(void *arg)
{
	static const char off[] = "offline@/devices/system/cpu/cpu1\0ACTION=offline\0"
				  "DEVPATH=/devices/system/cpu/cpu1\0SUBSYSTEM=cpu\0SEQNUM=1\0";
	(void)arg;
	while (!atomic_load(&churn_stop)) {
		host_test_inject_uevent(off, sizeof(off));
		usleep(500);
	}
	return NULL;
}

/* VMs created and destroyed from many threads while host CPU hotplug events arrive. */
static void test_parallel_create_destroy(void)
{
	pthread_t th[3], ev;
	int failures[3] = { 0 };
	int fds, thr;

	if (!have_kvm())
		return;
	fds = nfds();
	thr = nthreads();
	atomic_store(&churn_stop, false);
	pthread_create(&ev, NULL, churn_uevents, NULL);
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, churn_vms, &failures[i]);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(failures[i], 0);
	}
	atomic_store(&churn_stop, true);
	pthread_join(ev, NULL);
	CHECK_EQ(host_usage_count(), 0);
	CHECK_EQ(nfds(), fds);
	CHECK_EQ(settle_threads(thr), thr);
}

int main(void)
{
	int r;

	log_set_level(LOG_ERR);
	/*
	 * One VM before the tests: threads that runtimes start lazily on first use (TSan's
	 * background thread) then exist when the tests take their baselines.
	 */
	if (access("/dev/kvm", R_OK | W_OK) == 0) {
		struct vm_config c = cfg(1, 1);
		struct vm *vm;
		char err[256];

		if (vm_create(&c, &vm, err, sizeof(err)) == 0)
			vm_destroy(vm);
	}
	RUN(test_create_destroy_no_leak);
	RUN(test_run_state);
	RUN(test_create_fault_at_every_step);
	RUN(test_hotadd_fault_at_every_step);
	RUN(test_parallel_create_destroy);
	RUN(test_cross_eject_on_vcpu_threads);
	RUN(test_churn_flat_memory);
	r = t_done();
	if (idle_kernel())
		unlink(idle_kernel());
	return r;
}
