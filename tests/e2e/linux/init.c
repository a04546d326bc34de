// SPDX-License-Identifier: MIT
/*
 * The /init of the initramfs tests/e2e/90_linux.sh builds for hosts with hardware
 * virtualization: takes CPU 1 offline and back online from user space (the kernel's
 * Hyper-V CPU-offline and CPU-online steps disable and re-enable that VP's assist page),
 * then powers the machine off. Each step is announced on the console and followed by a
 * pause in which the test looks at hvemu through its control socket. No libc: raw
 * syscalls, built with gcc -static -nostdlib.
 */
#define SYS_write	 1
#define SYS_open	 2
#define SYS_close	 3
#define SYS_nanosleep	 35
#define SYS_mount	 165
#define SYS_mkdir	 83
#define SYS_reboot	 169
#define SYS_exit	 60
#define O_WRONLY	 1
#define REBOOT_MAGIC1	 0xfee1deadL
#define REBOOT_MAGIC2	 0x28121969L
#define REBOOT_POWER_OFF 0x4321fedcL
#define PAUSE_S		 3

static long sys(long n, long a, long b, long c, long d, long e)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return r;
}

static unsigned long len(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys(SYS_write, 1, (long)s, (long)len(s), 0, 0);
}

static void pause_s(long s)
{
	long ts[2] = { s, 0 };

	sys(SYS_nanosleep, (long)ts, 0, 0, 0, 0);
}

static int set_online(const char *v)
{
	long fd = sys(SYS_open, (long)"/sys/devices/system/cpu/cpu1/online", O_WRONLY, 0, 0, 0);
	long r;

	if (fd < 0)
		return -1;
	r = sys(SYS_write, fd, (long)v, 1, 0, 0);
	sys(SYS_close, fd, 0, 0, 0, 0);
	return r == 1 ? 0 : -1;
}

void _start(void);
void _start(void)
{
	sys(SYS_mkdir, (long)"/sys", 0755, 0, 0, 0);
	sys(SYS_mount, (long)"sysfs", (long)"/sys", (long)"sysfs", 0, 0);
	say("hvemu-init: started\n");
	pause_s(PAUSE_S);
	say(set_online("0") ? "hvemu-init: cpu1 offline failed\n" : "hvemu-init: cpu1 offline\n");
	pause_s(PAUSE_S);
	say(set_online("1") ? "hvemu-init: cpu1 online failed\n" : "hvemu-init: cpu1 online\n");
	pause_s(PAUSE_S);
	say("hvemu-init: power off\n");
	sys(SYS_reboot, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_POWER_OFF, 0, 0);
	sys(SYS_exit, 1, 0, 0, 0, 0);
	for (;;)
		;
}
