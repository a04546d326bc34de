/* SPDX-License-Identifier: MIT */
/*
 * A 16550 UART at COM1 (include/hvemu/uart.h) for guest output. The line status register always
 * says the transmitter holding register and the transmitter are empty, so a polling guest never
 * waits. Divisor, line control, modem control and scratch registers read back what was
 * written. There is no input and no interrupt (IIR reads "none pending").
 * Output is buffered per line so lines from different vCPUs do not interleave.
 */
#ifndef HVEMU_DEV_UART_H
#define HVEMU_DEV_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dev/pio.h"
#include "hvemu/uart.h"

#define UART_LINE_MAX 1024

enum uart_sink {
	UART_SINK_STDIO,
	UART_SINK_FILE,
	UART_SINK_NONE,
};

struct uart {
	pthread_mutex_t lock;
	FILE *out;    /* NULL for UART_SINK_NONE */
	bool own_out; /* opened by uart_init: closed by uart_destroy */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	char line[UART_LINE_MAX];
	unsigned line_len;
	_Atomic uint64_t bytes_out;
	/*
	 * Bytes the sink refused (stdout closed early: EPIPE, a full disk): dropped, counted,
	 * and the sink is given up after the first failure, logged once. The guest never
	 * notices: a real UART does not know whether anyone reads its line.
	 */
	_Atomic uint64_t bytes_dropped;
	bool sink_failed;
};

/* path is used with UART_SINK_FILE. Returns -errno (e.g. the file cannot be created). */
int uart_init(struct uart *u, enum uart_sink sink, const char *path);
int uart_attach(struct uart *u, struct pio_bus *bus);
/* Writes out a pending partial line. */
void uart_flush(struct uart *u);
void uart_destroy(struct uart *u);

#endif
