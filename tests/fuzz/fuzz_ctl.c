// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the control socket's request path: the input is split into lines
 * as the server splits a client's stream, and each line goes through the parser and the
 * dispatcher to the mock backend. Every non-blank line must get exactly one reply that is
 * a JSON object holding "return" or an "error" of a documented class; anything else, a
 * crash, a leak or undefined behaviour is a finding.
 *
 * A first byte below 0x10 is a switch, not request text: it makes backend op (byte - 1)
 * fail, so the error paths are fuzzed too.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_internal.h"
#include "util/log.h"
#include "../unit/test_ctl_mock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reply(const char *reply)
{
	json_t *r = json_loads(reply, 0, NULL), *e;
	const char *cls;

	if (!json_is_object(r) || strchr(reply, '\n'))
		abort();
	e = json_object_get(r, "error");
	if (!e == !json_object_get(r, "return"))
		abort();
	if (e) {
		cls = json_string_value(json_object_get(e, "class"));
		if (!cls || !json_is_string(json_object_get(e, "desc")) ||
		    (strcmp(cls, "GenericError") != 0 && strcmp(cls, "CommandNotFound") != 0 &&
		     strcmp(cls, "DeviceNotFound") != 0))
			abort();
	}
	json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mock_be mock;
	static struct ctl_counters counters;
	static bool ready;
	struct ctl_dispatch d = { &mock_ops, &mock, &counters };
	const char *p = (const char *)data, *end = p + size;

	if (!ready) {
		log_set_level(LOG_ERR);
		ready = true;
	} else {
		mock_destroy(&mock);
	}
	mock_init(&mock);
	if (size && data[0] < 0x10) {
		if (data[0] >= 1 && data[0] <= MOCK_OP_NR) {
			mock.fail[data[0] - 1] = (data[0] & 1) ? -ENOENT : -EIO;
			mock.fail_msg[data[0] - 1] = (data[0] & 2) ? "injected \xff failure" : NULL;
		}
		p++;
	}
	/* Lines are independent; a few per input keep the executions fast. */
	for (int lines = 0; p < end && lines < 4; lines++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		char *reply = NULL;

		if (len <= CTL_DEFAULT_MAX_LINE) {
			if (ctl_proto_handle_line(&d, p, len, &reply) == 0 && reply)
				check_reply(reply);
			free(reply);
		}
		p += len + 1;
	}
	return 0;
}
