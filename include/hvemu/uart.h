/* SPDX-License-Identifier: MIT */
/*
 * hvemu's serial port (docs/architecture.md §2.2): a 16550 UART at COM1. The register
 * offsets and bits are the 16550's (National Semiconductor PC16550D data sheet; Linux:
 * include/uapi/linux/serial_reg.h); shared by the VMM (src/dev/uart.c) and the guest
 * runtime's console (guest/lib/x86/serial.c).
 */
#ifndef HVEMU_HVEMU_UART_H
#define HVEMU_HVEMU_UART_H

#define UART_COM1_BASE 0x3f8
#define UART_NR_PORTS  8

/* Register offsets from the base (DLL/DLM replace RBR/THR and IER while LCR.DLAB = 1). */
#define UART_RX	 0 /* R: receive buffer */
#define UART_TX	 0 /* W: transmit holding register */
#define UART_DLL 0 /* divisor latch, low byte */
#define UART_IER 1 /* interrupt enable */
#define UART_DLM 1 /* divisor latch, high byte */
#define UART_IIR 2 /* R: interrupt identification */
#define UART_FCR 2 /* W: FIFO control */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_MSR 6 /* modem status */
#define UART_SCR 7 /* scratch */

#define UART_IIR_NO_INT	     0x01 /* no interrupt pending */
#define UART_FCR_ENABLE_FIFO 0x01
#define UART_FCR_CLEAR_RCVR  0x02
#define UART_FCR_CLEAR_XMIT  0x04
#define UART_LCR_WLEN8	     0x03 /* 8 data bits, 1 stop bit, no parity */
#define UART_LCR_DLAB	     0x80 /* divisor latch access */
#define UART_MCR_DTR	     0x01
#define UART_MCR_RTS	     0x02
#define UART_LSR_THRE	     0x20 /* transmit holding register empty */
#define UART_LSR_TEMT	     0x40 /* transmitter empty */
#define UART_FIFO_SIZE	     16

#endif
