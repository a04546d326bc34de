/* SPDX-License-Identifier: MIT */
/*
 * Internal interfaces of src/ctl (not for the VMM core): the request dispatcher, the
 * command table, the event queue and the counters. Unlike ctl.h this uses jansson.
 */
#ifndef HVEMU_CTL_CTL_INTERNAL_H
#define HVEMU_CTL_CTL_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "ctl/ctl.h"
#include "util/compiler.h"

/* --- error classes (docs/control-socket.md "Errors") -------------------------------- */

enum ctl_err_class {
	CTL_ERR_GENERIC,	   /* "GenericError": anything else */
	CTL_ERR_COMMAND_NOT_FOUND, /* "CommandNotFound": unknown "execute" */
	CTL_ERR_DEVICE_NOT_FOUND,  /* "DeviceNotFound": no such vCPU slot, VP index, host CPU */
	CTL_ERR_NR,
};

const char *ctl_err_class_name(enum ctl_err_class cls);
/* The class a backend's -errno maps to. */
enum ctl_err_class ctl_errno_class(int neg_errno);

#define CTL_DESC_MAX 512

struct ctl_error {
	enum ctl_err_class cls;
	char desc[CTL_DESC_MAX];
};

void ctl_error_set(struct ctl_error *e, enum ctl_err_class cls, const char *fmt, ...)
    __printf(3, 4);

/* --- counters ------------------------------------------------------------------------- */

struct ctl_counters {
	_Atomic uint64_t ctl_clients;	       /* instant */
	_Atomic uint64_t ctl_clients_peak;     /* peak */
	_Atomic uint64_t ctl_clients_accepted; /* cumulative */
	_Atomic uint64_t ctl_clients_refused;  /* over max_clients */
	_Atomic uint64_t ctl_clients_dropped;  /* did not read, or out of memory */
	_Atomic uint64_t ctl_requests;	       /* non-blank request lines */
	_Atomic uint64_t ctl_errors_generic;   /* error replies by class */
	_Atomic uint64_t ctl_errors_command_not_found;
	_Atomic uint64_t ctl_errors_device_not_found;
	_Atomic uint64_t ctl_lines_oversized;
	_Atomic uint64_t ctl_lines_incomplete;
	_Atomic uint64_t ctl_bytes_in;
	_Atomic uint64_t ctl_bytes_out;
	_Atomic uint64_t ctl_events;	     /* queued by ctl_event() */
	_Atomic uint64_t ctl_events_dropped; /* queue full */
};

extern const struct stat_desc ctl_counter_descs[];
extern const size_t ctl_counter_descs_nr;

/* --- the dispatcher --------------------------------------------------------------------- */

struct ctl_dispatch {
	const struct ctl_backend_ops *ops;
	void *opaque;
	struct ctl_counters *stats; /* may be NULL */
};

/*
 * Handles one request line (without its '\n'; NUL bytes are allowed and rejected as
 * JSON). *reply is set to a malloc'd JSON text without newline (a "return" or "error"
 * reply) or NULL for a blank line. Returns 0, or -ENOMEM (nothing to send).
 */
int ctl_proto_handle_line(const struct ctl_dispatch *d, const char *line, size_t len, char **reply);
/* An error reply without id (oversized line, too many clients); counted. NULL: ENOMEM. */
char *ctl_proto_error_line(struct ctl_counters *stats, enum ctl_err_class cls, const char *desc);
/* The greeting line (malloc'd, no newline), or NULL on ENOMEM. */
char *ctl_proto_greeting(void);
/* query-version's return value (new reference) or NULL. */
json_t *ctl_version_json(void);

/* A JSON string of s; bytes that are not valid UTF-8 are replaced by '?'. NULL: ENOMEM. */
json_t *ctl_json_string(const char *s);
/* Set helpers: 0 or -ENOMEM. */
int ctl_json_set_int(json_t *obj, const char *key, json_int_t v);
int ctl_json_set_str(json_t *obj, const char *key, const char *s);
int ctl_json_set_bool(json_t *obj, const char *key, bool v);
int ctl_json_set_new(json_t *obj, const char *key, json_t *v); /* takes v, even on error */

/* --- the command table ------------------------------------------------------------------ */

enum ctl_arg_type {
	CTL_ARG_INT,	  /* JSON integer */
	CTL_ARG_BOOL,	  /* JSON true/false */
	CTL_ARG_STR,	  /* JSON string */
	CTL_ARG_INT_LIST, /* array of integers */
	CTL_ARG_STR_LIST, /* array of strings */
};

struct ctl_arg_spec {
	const char *name;
	enum ctl_arg_type type;
	bool required;
	const char *help;
};

#define CTL_MAX_ARGS 4

typedef int (*ctl_cmd_fn)(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			  struct ctl_error *e);

struct ctl_cmd_spec {
	const char *name;
	ctl_cmd_fn fn;
	const char *help;
	struct ctl_arg_spec args[CTL_MAX_ARGS]; /* ends at the first NULL name */
};

const struct ctl_cmd_spec *ctl_cmd_find(const char *name);
const struct ctl_cmd_spec *ctl_cmd_table(size_t *n);
const char *ctl_arg_type_name(enum ctl_arg_type t); /* "integer" */
const char *ctl_arg_type_desc(enum ctl_arg_type t); /* "an integer" */

/* query-stats and query-hyperv live in their own files. */
int ctl_cmd_query_stats(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			struct ctl_error *e);
int ctl_cmd_query_hyperv(const struct ctl_dispatch *d, json_t *args, json_t **ret,
			 struct ctl_error *e);
/* Fills e from a backend failure of the command cmd. */
void ctl_error_backend(struct ctl_error *e, const char *cmd, int ret, const char *msg);

const char *ctl_run_state_name(enum ctl_run_state s);
const char *ctl_vcpu_state_name(enum ctl_vcpu_state s);
const char *ctl_host_cpu_state_name(enum ctl_host_cpu_state s);
const char *ctl_stats_target_name(enum ctl_stats_target t);

/* --- events ----------------------------------------------------------------------------- */

struct ctl_event_field {
	uint8_t type; /* enum ctl_ev_type */
	bool null_str;
	char key[CTL_EVENT_KEY_MAX];
	union {
		int64_t i;
		uint64_t u;
		bool b;
	} v;
	char str[CTL_EVENT_STR_MAX];
};

struct ctl_event_rec {
	char name[CTL_EVENT_NAME_MAX];
	struct timespec ts; /* CLOCK_REALTIME when emitted */
	unsigned nr_fields;
	struct ctl_event_field fields[CTL_EVENT_FIELDS_MAX];
};

/* A bounded FIFO of events, filled by any thread, drained by the ctl thread. */
struct ctl_evq {
	pthread_mutex_t lock;
	struct ctl_event_rec *ring;
	unsigned cap, head, count;
	int wake_fd; /* eventfd written on every push (-1: none) */
	struct ctl_counters *stats;
};

int ctl_evq_init(struct ctl_evq *q, unsigned cap, int wake_fd, struct ctl_counters *stats);
void ctl_evq_destroy(struct ctl_evq *q);
/* Copies the event in; false (counted) when the queue is full. Never blocks on I/O. */
bool ctl_evq_push_va(struct ctl_evq *q, const char *name, va_list ap);
/* Moves up to max events out, oldest first; returns how many. */
unsigned ctl_evq_pop(struct ctl_evq *q, struct ctl_event_rec *out, unsigned max);
/* The event as a JSON line (malloc'd, no newline), or NULL on ENOMEM. */
char *ctl_event_to_line(const struct ctl_event_rec *r);

/* --- sockets ---------------------------------------------------------------------------- */

/*
 * Creates a listening socket at path with mode 0600 (see ctl_server_start for the stale
 * socket rules). dev and ino identify the file, so that stop only unlinks its own. On
 * failure err (may be NULL) says why.
 */
int ctl_sock_listen(const char *path, int *fd_out, dev_t *dev, ino_t *ino, char *err,
		    size_t errlen);
/* A blocking, close-on-exec connection to path; -errno (-ENAMETOOLONG for long paths). */
int ctl_sock_connect(const char *path, int *fd_out);

/* --- client pieces ---------------------------------------------------------------------- */

/* The client with its output streams (ctl_client_main uses stdout/stderr). */
int ctl_client_run(int argc, char **argv, FILE *out, FILE *err);
/* Readable output of a successful reply to cmd. */
void ctl_format_return(FILE *out, const char *cmd, json_t *ret);
/* One readable line for an event. */
void ctl_format_event(FILE *out, json_t *ev);

#endif
