// SPDX-License-Identifier: MIT
/*
 * `hvemu ctl`: argument parsing, value typing, readable output, --json, exit statuses,
 * and `watch`, against an in-process server with the mock backend (and against fake
 * servers that never greet or are not hvemu).
 */
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl_internal.h"
#include "harness.h"
#include "test_ctl_mock.h"
#include "util/log.h"

static char dir[64], path[96];
static struct mock_be mock;
static struct ctl_server *server;

struct run {
	int status;
	char *out, *err;
};

/* Runs ctl_client_run on a NULL-terminated argument list (argv[0] is added). */
static struct run ctl_v(const char *const *args)
{
	char *argv[32];
	int argc = 0;
	size_t olen, elen;
	struct run r;
	FILE *out, *err;

	argv[argc++] = (char *)"ctl";
	while (*args && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	out = open_memstream(&r.out, &olen);
	err = open_memstream(&r.err, &elen);
	r.status = ctl_client_run(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return r;
}

#define CTL(...) ctl_v((const char *const[]){ __VA_ARGS__, NULL })

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Reads a field of the mock under its lock (the ctl thread writes them). */
#define MGET(f)                                   \
	({                                        \
		pthread_mutex_lock(&mock.lock);   \
		__typeof__(mock.f) v__ = mock.f;  \
		pthread_mutex_unlock(&mock.lock); \
		v__;                              \
	})

static void reset(void)
{
	pthread_mutex_lock(&mock.lock);
	memset(mock.calls, 0, sizeof(mock.calls));
	memset(mock.fail, 0, sizeof(mock.fail));
	memset(mock.fail_msg, 0, sizeof(mock.fail_msg));
	mock.vcpus[3].state = CTL_VCPU_ABSENT;
	pthread_mutex_unlock(&mock.lock);
}

static void test_usage_errors(void)
{
	struct run r;

	r = ctl_v((const char *const[]){ NULL });
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "no command") != NULL);
	run_free(&r);
	r = CTL("query-status");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "--api-socket PATH is required") != NULL);
	run_free(&r);
	r = CTL("--api-socket");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "needs a value") != NULL);
	run_free(&r);
	r = CTL("--bogus", "query-status");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "unknown option --bogus") != NULL);
	run_free(&r);
	r = CTL("--api-socket", path, "--timeout", "soon", "query-status");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "--timeout") != NULL);
	run_free(&r);
	r = CTL("--api-socket", path, "--timeout=-1", "query-status");
	CHECK_EQ(r.status, 2);
	run_free(&r);
	r = CTL("--api-socket", path, "cpu-add", "slot=abc");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "slot=abc: expected an integer") != NULL);
	run_free(&r);
	r = CTL("--api-socket", path, "cpu-add", "socket=1");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "cpu-add has no argument 'socket'") != NULL);
	run_free(&r);
	r = CTL("--api-socket", path, "cpu-del", "2");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "'2' is not key=value") != NULL);
	run_free(&r);
	r = CTL("--api-socket", path, "cpu-del", "slot=1", "slot=2");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "given twice") != NULL);
	run_free(&r);
	r = CTL("--api-socket", path, "set-tlb-flush-inhibit", "vp-index=1", "inhibit=maybe");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "expected a boolean") != NULL);
	run_free(&r);
	r = CTL("--api-socket", path, "query-stats", "vcpus=0,x");
	CHECK_EQ(r.status, 2);
	run_free(&r);
	r = CTL("--api-socket", path, "watch", "count=0");
	CHECK_EQ(r.status, 2);
	run_free(&r);
	/* none of these reached the backend */
	CHECK_EQ(mock_calls(&mock, MOCK_ADD) + mock_calls(&mock, MOCK_DEL), 0);
}

static void test_help(void)
{
	struct run r = CTL("help");
	size_t n;
	const struct ctl_cmd_spec *t = ctl_cmd_table(&n);

	CHECK_EQ(r.status, 0);
	for (size_t i = 0; i < n; i++)
		CHECK_MSG(strstr(r.out, t[i].name), "help lacks %s", t[i].name);
	CHECK(strstr(r.out, "desired-vcpus=integer") != NULL);
	CHECK(strstr(r.out, "watch") != NULL);
	run_free(&r);
	r = CTL("--help");
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "usage: hvemu ctl") != NULL);
	run_free(&r);
}

static void test_unreachable(void)
{
	char p[128], longp[200];
	struct run r;

	snprintf(p, sizeof(p), "%s/nobody.sock", dir);
	r = CTL("--api-socket", p, "query-status");
	CHECK_EQ(r.status, 3);
	CHECK(strstr(r.err, "cannot reach") && strstr(r.err, "No such file"));
	run_free(&r);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	r = CTL("--api-socket", longp, "query-status");
	CHECK_EQ(r.status, 3);
	CHECK(strstr(r.err, "too long") != NULL);
	run_free(&r);
}

static void test_query_status_output(void)
{
	struct run r = CTL("--api-socket", path, "query-status");

	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "status:      running\n") != NULL);
	CHECK(strstr(r.out, "vcpus:       3 present, 2 boot, 4 max\n") != NULL);
	CHECK(strstr(r.out, "hv features: vpindex,tlbflush\n") != NULL);
	CHECK(strstr(r.out, "uptime:      1.50 s\n") != NULL);
	CHECK_STR(r.err, "");
	run_free(&r);
}

static void test_query_cpus_table(void)
{
	struct run r = CTL("--api-socket", path, "query-cpus");
	char *line2;

	CHECK_EQ(r.status, 0);
	CHECK(strstr(
		  r.out,
		  "SLOT  VP    APIC  STATE      INHIBIT  WAITING-ON  SUSPENDED  HOST-CPU  TID\n") ==
	      r.out);
	CHECK(strstr(r.out, "\n1     1     1     online     on       -           -          5      "
			    "   1001\n") != NULL);
	line2 = strstr(r.out, "\n2     2     2     suspended  off      1           ");
	CHECK(line2 != NULL);
	CHECK(line2 && strstr(line2, " ms ") != NULL); /* suspended for a few ms */
	CHECK(strstr(
		  r.out,
		  "\n3     -     3     absent     off      -           -          -         -\n") !=
	      NULL);
	run_free(&r);
}

static void test_host_cpus_table(void)
{
	struct run r = CTL("--api-socket", path, "query-host-cpus");

	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "CPU   STATE     REASON\n0     admitted\n") == r.out);
	CHECK(strstr(r.out, "\n1     rejected  CPUID.1:ECX.VMX differs from CPU 0\n") != NULL);
	CHECK(strstr(r.out, "\n2     offline\n3     excluded\n") != NULL);
	run_free(&r);
}

static void test_query_stats_grouped(void)
{
	struct run r = CTL("--api-socket", path, "query-stats");
	char *vm, *v0, *ctl, want[128];

	CHECK_EQ(r.status, 0);
	vm = strstr(r.out, "vm (hvemu):\n  hypercalls ");
	v0 = strstr(r.out, "vcpu 0 (kvm):\n  halt_poll_success_ns ");
	CHECK(vm != NULL && v0 != NULL);
	CHECK(strstr(r.out, "123456 ns\n") != NULL);
	CHECK(strstr(r.out, "5000 ns  peak\n") != NULL);
	CHECK(strstr(r.out, "3  instant\n") != NULL);
	ctl = strstr(r.out, "  ctl_requests ");
	CHECK(ctl != NULL); /* the server's own counters, through the backend */
	CHECK(strstr(r.out, "ctl_bytes_in") && strstr(r.out, " bytes\n"));
	run_free(&r);
	/* list values typed from the command table: "0" is a one-element list */
	r = CTL("--api-socket", path, "query-stats", "target=vcpu", "vcpus=1", "providers=kvm");
	CHECK_EQ(r.status, 0);
	snprintf(want, sizeof(want), "vcpu 1 (kvm):\n  %-40s %20s\n", "exits",
		 "9223372036854775807");
	CHECK_STR(r.out, want);
	run_free(&r);
	r = CTL("--api-socket", path, "--json", "query-stats", "vcpus=[0,1]", "names=flushes");
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "\"vcpu\":0") && strstr(r.out, "\"vcpu\":1") &&
	      !strstr(r.out, "hypercalls"));
	run_free(&r);
}

static void test_commands_reach_backend(void)
{
	struct run r;

	reset();
	r = CTL("--api-socket", path, "cpu-add", "slot=3");
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "added a vCPU in slot 3\n");
	CHECK_EQ(MGET(add_slot), 3);
	run_free(&r);
	r = CTL("--api-socket", path, "--timeout", "2.5", "cpu-del", "slot=0x2");
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "ok\n");
	CHECK_EQ(MGET(del_slot), 2);
	run_free(&r);
	r = CTL("--api-socket=", "query-status");
	CHECK_EQ(r.status, 2);
	run_free(&r);
	r = CTL("--api-socket", path, "set-tlb-flush-inhibit", "vp-index=1", "inhibit=on");
	CHECK_EQ(r.status, 0);
	CHECK(MGET(inhibit_vp) == 1 && MGET(inhibit_on));
	run_free(&r);
	r = CTL("--api-socket", path, "set-tlb-flush-inhibit", "vp-index=1", "inhibit=off");
	CHECK_EQ(r.status, 0);
	CHECK(!MGET(inhibit_on));
	run_free(&r);
	r = CTL("--api-socket", path, "resize-cpus", "desired-vcpus=4");
	CHECK_EQ(r.status, 0);
	CHECK_EQ(MGET(resize), 4);
	run_free(&r);
	r = CTL("--api-socket", path, "quit");
	CHECK_EQ(r.status, 0);
	CHECK_EQ(mock_calls(&mock, MOCK_QUIT), 1);
	run_free(&r);
	r = CTL("--api-socket", path, "query-version");
	CHECK_EQ(r.status, 0);
	CHECK(strncmp(r.out, "hvemu 0.", 8) == 0);
	run_free(&r);
}

static void test_error_replies(void)
{
	struct run r;

	reset();
	r = CTL("--api-socket", path, "cpu-add", "slot=9");
	CHECK_EQ(r.status, 1);
	CHECK_STR(r.err, "error: DeviceNotFound: there is no slot 9\n");
	CHECK_STR(r.out, "");
	run_free(&r);
	r = CTL("--api-socket", path, "device_add", "driver=cpu", "id=3");
	CHECK_EQ(r.status, 1);
	CHECK(strstr(r.err, "error: CommandNotFound: the command 'device_add' does not exist") !=
	      NULL);
	run_free(&r);
	/* unknown commands get guessed types; the server judges */
	r = CTL("--api-socket", path, "--json", "nope", "a=1", "b=on", "c=x", "d=[1]", "e=\"7\"");
	CHECK_EQ(r.status, 1);
	CHECK(strstr(r.out, "\"class\":\"CommandNotFound\"") &&
	      strstr(r.out, "\"id\":\"hvemu-ctl\""));
	run_free(&r);
	r = CTL("--api-socket", path, "--json", "cpu-del", "slot=7");
	CHECK_EQ(r.status, 1);
	CHECK(strstr(r.out, "{\"error\":{\"class\":\"DeviceNotFound\"") == r.out);
	run_free(&r);
	r = CTL("--api-socket", path, "--json", "query-version");
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "{\"return\":{\"hvemu\":") == r.out);
	run_free(&r);
}

struct watch_run {
	const char *const *args;
	struct run r;
};

static void *watch_thread(void *arg)
{
	struct watch_run *w = arg;

	w->r = ctl_v(w->args);
	return NULL;
}

static uint64_t clients_now(void);

static void test_watch(void)
{
	static const char *const args[] = { "--api-socket",	path, "watch", "count=2",
					    "event=VCPU_ADDED", NULL };
	static const char *const jargs[] = { "--api-socket", path,	"--json",
					     "watch",	     "count=1", NULL };
	struct watch_run w = { .args = args }, wj = { .args = jargs };
	pthread_t th, thj;
	char *a, *b;

	reset();
	pthread_create(&th, NULL, watch_thread, &w);
	pthread_create(&thj, NULL, watch_thread, &wj);
	for (int i = 0; i < 5000 && clients_now() < 2; i++)
		usleep(1000);
	ctl_event(server, CTL_EVENT_HOST_CPU_OFFLINE, CTL_EV_INT("cpu", 2));
	ctl_event(server, CTL_EVENT_VCPU_ADDED, CTL_EV_INT("slot", 3), CTL_EV_STR("why", "a b"));
	ctl_event(server, CTL_EVENT_VCPU_REMOVED, CTL_EV_INT("slot", 3));
	ctl_event(server, CTL_EVENT_VCPU_ADDED, CTL_EV_INT("slot", 2), CTL_EV_BOOL("x", true));
	pthread_join(th, NULL);
	pthread_join(thj, NULL);
	CHECK_EQ(w.r.status, 0);
	a = strstr(w.r.out, " VCPU_ADDED slot=3 why=a b\n");
	b = strstr(w.r.out, " VCPU_ADDED slot=2 x=true\n");
	CHECK(a != NULL && b != NULL && a < b);
	CHECK(strstr(w.r.out, "REMOVED") == NULL && strstr(w.r.out, "HOST_CPU") == NULL);
	CHECK(w.r.out[0] == '2' && w.r.out[4] == '-'); /* a date */
	CHECK_EQ(wj.r.status, 0);
	CHECK(strstr(wj.r.out, "{\"event\":\"HOST_CPU_OFFLINE\",\"data\":{\"cpu\":2},"
			       "\"timestamp\":{\"seconds\":") == wj.r.out);
	run_free(&w.r);
	run_free(&wj.r);
	/* nothing comes: --timeout ends watch with status 1 */
	w.r = CTL("--api-socket", path, "--timeout", "0.2", "watch");
	CHECK_EQ(w.r.status, 1);
	CHECK(strstr(w.r.err, "no event") != NULL);
	run_free(&w.r);
}

/* A fake server on its own path: sends greeting_line (or nothing) and never replies. */
struct fake {
	char path[100];
	int lfd;
	const char *greeting;
	pthread_t th;
};

static void *fake_thread(void *arg)
{
	struct fake *f = arg;
	int fd = accept(f->lfd, NULL, NULL);
	char b[256];

	if (fd < 0)
		return NULL;
	if (f->greeting) {
		ssize_t n = send(fd, f->greeting, strlen(f->greeting), MSG_NOSIGNAL);

		(void)n; /* the client may be gone already */
	}
	while (recv(fd, b, sizeof(b), 0) > 0)
		;
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f, const char *name, const char *greeting)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(f->path, sizeof(f->path), "%s/%s", dir, name);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->greeting = greeting;
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_EQ(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(f->lfd, 4), 0);
	pthread_create(&f->th, NULL, fake_thread, f);
}

static void fake_stop(struct fake *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
	unlink(f->path);
}

static void test_unresponsive_servers(void)
{
	struct fake f;
	struct run r;
	uint64_t t0;

	fake_start(&f, "silent.sock", NULL);
	t0 = now_ns();
	r = CTL("--api-socket", f.path, "--timeout", "0.2", "query-status");
	CHECK_EQ(r.status, 3);
	CHECK(strstr(r.err, "no greeting") != NULL);
	CHECK(now_ns() - t0 < 3 * NSEC_PER_SEC);
	run_free(&r);
	fake_stop(&f);

	fake_start(&f, "greets.sock", "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n");
	r = CTL("--api-socket", f.path, "--timeout", "0.2", "query-status");
	CHECK_EQ(r.status, 3);
	CHECK(strstr(r.err, "no reply") != NULL);
	run_free(&r);
	fake_stop(&f);

	fake_start(&f, "other.sock", "SSH-2.0-OpenSSH\n");
	r = CTL("--api-socket", f.path, "query-status");
	CHECK_EQ(r.status, 3);
	CHECK(strstr(r.err, "not JSON") != NULL);
	run_free(&r);
	fake_stop(&f);

	fake_start(&f, "json.sock", "{\"hello\": 1}\n");
	r = CTL("--api-socket", f.path, "query-status");
	CHECK_EQ(r.status, 3);
	CHECK(strstr(r.err, "not an hvemu control socket") != NULL);
	run_free(&r);
	fake_stop(&f);
}

static void test_refused_when_full(void)
{
	struct ctl_limits lim = { .max_clients = 1 };
	struct ctl_server *s = NULL;
	char p[100];
	int fd, r1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct run r;

	snprintf(p, sizeof(p), "%s/full.sock", dir);
	CHECK_EQ(ctl_server_start_ex(p, &mock_ops, &mock, &lim, &s, NULL, 0), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r1 = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	CHECK_EQ(r1, 0);
	r = CTL("--api-socket", p, "query-status");
	CHECK_EQ(r.status, 3);
	CHECK(strstr(r.err, "refused the connection: too many clients") != NULL);
	run_free(&r);
	close(fd);
	ctl_server_stop(s);
}

static void ctr_cb(void *ctx, const char *name, enum stat_type t, enum stat_unit u, uint64_t v)
{
	(void)t;
	(void)u;
	if (!strcmp(name, "ctl_clients"))
		*(uint64_t *)ctx = v;
}

static uint64_t clients_now(void)
{
	uint64_t v = 0;

	ctl_server_stats_visit(server, ctr_cb, &v);
	return v;
}

int main(void)
{
	log_set_level(LOG_ERR);
	snprintf(dir, sizeof(dir), "/tmp/hvemu-ctlc-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/api.sock", dir);
	mock_init(&mock);
	if (ctl_server_start(path, &mock_ops, &mock, &server, NULL, 0))
		return 1;
	mock.server = server;
	RUN(test_usage_errors);
	RUN(test_help);
	RUN(test_unreachable);
	RUN(test_query_status_output);
	RUN(test_query_cpus_table);
	RUN(test_host_cpus_table);
	RUN(test_query_stats_grouped);
	RUN(test_commands_reach_backend);
	RUN(test_error_replies);
	RUN(test_watch);
	RUN(test_unresponsive_servers);
	RUN(test_refused_when_full);
	ctl_server_stop(server);
	rmdir(dir);
	mock_destroy(&mock);
	return t_done();
}
