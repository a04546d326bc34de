// SPDX-License-Identifier: MIT
#include "dev/uart.h"

#include <errno.h>
#include <string.h>

#include "util/log.h"
#include "util/stats.h"

int uart_init(struct uart *u, enum uart_sink sink, const char *path)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	switch (sink) {
	case UART_SINK_STDIO:
		u->out = stdout;
		break;
	case UART_SINK_FILE:
		u->out = fopen(path, "w");
		if (!u->out)
			return -errno;
		u->own_out = true;
		break;
	case UART_SINK_NONE:
		break;
	}
	return 0;
}

static void uart_emit_line(struct uart *u)
{
	if (u->line_len && (!u->out || u->sink_failed)) {
		if (u->out)
			stat_add(&u->bytes_dropped, u->line_len);
	} else if (u->line_len &&
		   (fwrite(u->line, 1, u->line_len, u->out) != u->line_len || fflush(u->out))) {
		/* SIGPIPE is ignored (hvemu run): a closed stdout is EPIPE here. */
		u->sink_failed = true;
		stat_add(&u->bytes_dropped, u->line_len);
		pr_warn("serial output failed (%s): the guest's output is dropped from now on",
			strerror(errno));
	}
	u->line_len = 0;
}

static void uart_put(struct uart *u, uint8_t c)
{
	stat_inc(&u->bytes_out);
	pthread_mutex_lock(&u->lock);
	u->line[u->line_len++] = (char)c;
	if (c == '\n' || u->line_len == UART_LINE_MAX)
		uart_emit_line(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool is_write,
		    uint32_t *data)
{
	struct uart *u = opaque;
	unsigned reg = port - UART_COM1_BASE;
	uint8_t v = (uint8_t)*data;
	bool dlab;

	(void)vcpu;
	(void)size;
	if (is_write && reg == UART_TX &&
	    !(__atomic_load_n(&u->lcr, __ATOMIC_RELAXED) & UART_LCR_DLAB)) {
		uart_put(u, v); /* the hot path: no register lock */
		return;
	}
	pthread_mutex_lock(&u->lock);
	dlab = u->lcr & UART_LCR_DLAB;
	if (is_write) {
		switch (reg) {
		case UART_DLL: /* DLAB set (UART_TX otherwise, handled above) */
			u->dll = v;
			break;
		case UART_IER:
			if (dlab)
				u->dlm = v;
			else
				u->ier = v & 0x0f;
			break;
		case UART_LCR:
			__atomic_store_n(&u->lcr, v, __ATOMIC_RELAXED);
			break;
		case UART_MCR:
			u->mcr = v & 0x1f;
			break;
		case UART_SCR:
			u->scr = v;
			break;
		default: /* FCR, LSR, MSR writes: no effect */
			break;
		}
	} else {
		switch (reg) {
		case UART_RX: /* UART_DLL with DLAB set */
			*data = dlab ? u->dll : 0;
			break;
		case UART_IER:
			*data = dlab ? u->dlm : u->ier;
			break;
		case UART_IIR:
			*data = UART_IIR_NO_INT;
			break;
		case UART_LCR:
			*data = u->lcr;
			break;
		case UART_MCR:
			*data = u->mcr;
			break;
		case UART_LSR:
			*data = UART_LSR_THRE | UART_LSR_TEMT;
			break;
		case UART_MSR:
			/* Loopback mode reflects MCR; otherwise report CTS, DSR and DCD. */
			*data = (u->mcr & 0x10) ? (uint32_t)((u->mcr & 0x0f) << 4) : 0xb0;
			break;
		case UART_SCR:
			*data = u->scr;
			break;
		}
	}
	pthread_mutex_unlock(&u->lock);
}

int uart_attach(struct uart *u, struct pio_bus *bus)
{
	return pio_register(bus, UART_COM1_BASE, UART_NR_PORTS, "uart", uart_io, u);
}

void uart_flush(struct uart *u)
{
	pthread_mutex_lock(&u->lock);
	uart_emit_line(u);
	pthread_mutex_unlock(&u->lock);
}

void uart_destroy(struct uart *u)
{
	uart_flush(u);
	if (u->own_out && u->out)
		fclose(u->out);
	u->out = NULL;
	pthread_mutex_destroy(&u->lock);
}
