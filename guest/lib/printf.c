// SPDX-License-Identifier: MIT
#include "printf.h"
#include "string.h"
#include "console.h"

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
	int len;  /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
};

struct out {
	emit_fn emit;
	void *ctx;
	int count;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n) {
		o->emit(o->ctx, s, n);
		o->count += (int)n;
	}
}

static void pad(struct out *o, char c, int n)
{
	char buf[16];

	memset(buf, c, sizeof(buf));
	while (n > 0) {
		int k = n > (int)sizeof(buf) ? (int)sizeof(buf) : n;

		put(o, buf, (size_t)k);
		n -= k;
	}
}

static void put_padded(struct out *o, const struct spec *sp, const char *prefix, const char *body,
		       size_t len)
{
	size_t plen = strlen(prefix);
	int zeros = 0, total;

	if (sp->prec >= 0 && (int)len < sp->prec)
		zeros = sp->prec - (int)len;
	total = (int)(plen + len) + zeros;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left)
		pad(o, ' ', sp->width - total);
	put(o, prefix, plen);
	pad(o, '0', zeros);
	put(o, body, len);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

static void put_number(struct out *o, const struct spec *sp, u64 v, bool negative,
		       unsigned int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	char prefix[4] = "";
	int i = sizeof(buf);

	if (v == 0 && sp->prec == 0) {
		/* "%.0d" of 0 prints no digits. */
	} else {
		do {
			buf[--i] = digits[v % base];
			v /= base;
		} while (v);
	}
	if (negative)
		strlcpy(prefix, "-", sizeof(prefix));
	else if (sp->plus)
		strlcpy(prefix, "+", sizeof(prefix));
	else if (sp->space)
		strlcpy(prefix, " ", sizeof(prefix));
	if (sp->alt && base == 16)
		strlcpy(prefix, upper ? "0X" : "0x", sizeof(prefix));
	else if (sp->alt && base == 8 && buf[i] != '0')
		strlcpy(prefix, "0", sizeof(prefix));
	put_padded(o, sp, prefix, buf + i, sizeof(buf) - (size_t)i);
}

static u64 fetch_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case -2:
		return (unsigned char)va_arg(*ap, unsigned int);
	case -1:
		return (unsigned short)va_arg(*ap, unsigned int);
	case 0:
		return va_arg(*ap, unsigned int);
	/* NOLINTNEXTLINE(bugprone-branch-clone): size_t is unsigned long here; 'z' stays 'z' */
	case 1:
		return va_arg(*ap, unsigned long);
	case 3:
		return va_arg(*ap, size_t);
	default:
		return va_arg(*ap, unsigned long long);
	}
}

static s64 fetch_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case -2:
		return (signed char)va_arg(*ap, int);
	case -1:
		return (short)va_arg(*ap, int);
	case 0:
		return va_arg(*ap, int);
	case 1:
		return va_arg(*ap, long);
	case 3:
		return (s64)va_arg(*ap, size_t);
	default:
		return va_arg(*ap, long long);
	}
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9')
			sp->width = sp->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				sp->prec = sp->prec * 10 + (*f++ - '0');
		}
	}
	if (f[0] == 'h' && f[1] == 'h') {
		sp->len = -2;
		f += 2;
	} else if (f[0] == 'h') {
		sp->len = -1;
		f++;
	} else if (f[0] == 'l' && f[1] == 'l') {
		sp->len = 2;
		f += 2;
	} else if (f[0] == 'l' || f[0] == 'j' || f[0] == 't') {
		sp->len = 1;
		f++;
	} else if (f[0] == 'z') {
		sp->len = 3;
		f++;
	}
	return f;
}

int vcbprintf(emit_fn emit, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { emit, ctx, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		const char *lit = fmt;

		while (*fmt && *fmt != '%')
			fmt++;
		put(&o, lit, (size_t)(fmt - lit));
		if (!*fmt)
			break;
		fmt = parse_spec(fmt + 1, &sp, &args);
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 v = fetch_signed(&sp, &args);

			put_number(&o, &sp, v < 0 ? -(u64)v : (u64)v, v < 0, 10, false);
			break;
		}
		case 'u':
			put_number(&o, &sp, fetch_unsigned(&sp, &args), false, 10, false);
			break;
		case 'x':
		case 'X':
			put_number(&o, &sp, fetch_unsigned(&sp, &args), false, 16, *fmt == 'X');
			break;
		case 'o':
			put_number(&o, &sp, fetch_unsigned(&sp, &args), false, 8, false);
			break;
		case 'p':
			sp.alt = true;
			put_number(&o, &sp, (u64)(uintptr_t)va_arg(args, void *), false, 16, false);
			break;
		case 'c': {
			char c = (char)va_arg(args, int);

			sp.prec = -1;
			sp.zero = false;
			put_padded(&o, &sp, "", &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(args, const char *);
			size_t n;

			if (!s)
				s = "(null)";
			n = sp.prec >= 0 ? strnlen(s, (size_t)sp.prec) : strlen(s);
			sp.prec = -1;
			sp.zero = false;
			put_padded(&o, &sp, "", s, n);
			break;
		}
		case '%':
			put(&o, "%", 1);
			break;
		case '\0':
			fmt--; /* a lone '%' at the end prints nothing */
			break;
		default:
			/* Unknown conversion: print it as it is, so the mistake is visible. */
			put(&o, "%", 1);
			put(&o, fmt, 1);
			break;
		}
		fmt++;
	}
	va_end(args);
	return o.count;
}

struct sbuf {
	char *buf;
	size_t size, pos;
};

static void emit_buf(void *ctx, const char *s, size_t n)
{
	struct sbuf *b = ctx;

	for (size_t i = 0; i < n; i++, b->pos++) {
		if (b->pos + 1 < b->size)
			b->buf[b->pos] = s[i];
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sbuf b = { buf, size, 0 };
	int n = vcbprintf(emit_buf, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Collects output in chunks so that the UART sees bursts of FIFO size. */
struct cbuf {
	char buf[64];
	size_t pos;
};

static void emit_console(void *ctx, const char *s, size_t n)
{
	struct cbuf *b = ctx;

	while (n) {
		size_t k = MIN(n, sizeof(b->buf) - b->pos);

		memcpy(b->buf + b->pos, s, k);
		b->pos += k;
		s += k;
		n -= k;
		if (b->pos == sizeof(b->buf)) {
			console_write_locked(b->buf, b->pos);
			b->pos = 0;
		}
	}
}

int vprintf(const char *fmt, va_list ap)
{
	struct cbuf b;
	u64 flags;
	int n;

	b.pos = 0;
	flags = console_lock();
	n = vcbprintf(emit_console, &b, fmt, ap);
	console_write_locked(b.buf, b.pos);
	console_unlock(flags);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void puts(const char *s)
{
	u64 flags = console_lock();

	console_write_locked(s, strlen(s));
	console_unlock(flags);
}
