// SPDX-License-Identifier: MIT
/*
 * COM1 16550 UART output and the console lock. Every port access is an exit to the VMM
 * (about 10 us here), so transmission waits for the transmitter-empty bit once and then
 * fills the 16-byte FIFO instead of polling before every byte.
 */
#include "console.h"
#include "atomic.h"
#include "hvemu/uart.h"
#include "x86/processor.h"
#include "x86/percpu.h"

#define COM1	  UART_COM1_BASE
#define LOCK_FREE 0xffffffffu

static u32 console_owner = LOCK_FREE;
/* Nesting depth of the owner; only the owning CPU touches it. */
static u32 console_depth;

void console_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, UART_LCR_DLAB); /* set the divisor: 1, 115200 baud */
	outb(COM1 + UART_DLL, 0x01);
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, UART_LCR_WLEN8); /* 8N1 */
	outb(COM1 + UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	outb(COM1 + UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
}

static void uart_wait_thre(void)
{
	/* Bounded: a UART that never reports empty must not hang the guest. */
	for (int i = 0; i < 100000; i++) {
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			return;
		cpu_relax();
	}
}

void console_write_locked(const char *s, size_t n)
{
	while (n) {
		size_t k = n < UART_FIFO_SIZE ? n : UART_FIFO_SIZE;

		uart_wait_thre();
		for (size_t i = 0; i < k; i++)
			outb(COM1 + UART_TX, (u8)s[i]);
		s += k;
		n -= k;
	}
}

u64 console_lock(void)
{
	u64 flags = irq_save();
	u32 me = smp_id();
	u32 expected;

	/* Nested use on the owning CPU: an exception inside printf, or a fatal report. */
	if (atomic_load_relaxed(&console_owner) == me) {
		console_depth++;
		return flags;
	}
	for (;;) {
		expected = LOCK_FREE;
		if (atomic_cmpxchg(&console_owner, &expected, me))
			break;
		while (atomic_load_relaxed(&console_owner) != LOCK_FREE)
			cpu_relax();
	}
	return flags;
}

void console_unlock(u64 flags)
{
	if (console_depth)
		console_depth--;
	else
		atomic_store(&console_owner, LOCK_FREE);
	irq_restore(flags);
}

void console_lock_force(void)
{
	u32 me = smp_id();
	u32 expected;
	u64 tries = 200000;

	irq_disable();
	if (atomic_load(&console_owner) == me)
		return;
	/* Another CPU may be mid-line: wait a bounded time, then take the lock anyway. */
	for (;;) {
		expected = LOCK_FREE;
		if (atomic_cmpxchg(&console_owner, &expected, me) || !--tries)
			break;
		cpu_relax();
	}
	atomic_store(&console_owner, me);
	console_depth = 0;
}
