/* lambda.c - local AWS Lambda: functions, pools of warm environments, concurrency caps and invocations. */
#include "lambda.h"

#include "env.h"
#include "rapi.h"
#include "rlimits.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Who owns what:
 *
 *   The service owns every function, environment and invocation, each in
 *   one list.  A function lives until lam_remove and until nothing refers
 *   to it (its environments and invocations count in refs).  An
 *   environment (lam_env, wrapping env.c's env) is freed only once its
 *   process group is gone (on SIGCHLD) or by lam_service_free, never from
 *   inside a callback, so that a Runtime API request being served never
 *   loses its endpoint.  An invocation is freed right after its callback
 *   returns (or at its end after lam_cancel).
 *
 *   An invocation ends, with END and REPORT logged and the callback
 *   called, as soon as its answer is accepted (or it times out, or the
 *   runtime dies, or it runs out of memory): REPORT does not wait for the
 *   runtime's next /next, so that the result carries its log tail.  The
 *   environment is idle from then on and may take the next invocation
 *   before it polls again (the invocation waits for the /next).
 *
 *   Concurrency counts environments that are starting or busy: a function
 *   with reserved concurrency R never has more than R, and the account
 *   never more than account_concurrency.  Idle warm environments count
 *   for neither.
 */

typedef struct lam_env lam_env;

struct lam_service {
	struct event_base *base;
	char *region, *account, *runtime_dir;
	int account_cap, idle_seconds;
	lam_log_fn log;
	void *log_ud;
	struct event *sigchld, *mem_timer;
	lam_function *functions;       /* removed ones too, until unreferenced */
	lam_env *envs;
	lam_invocation *invs;
	int active;                    /* environments starting or busy */
	int closing;                   /* in lam_service_free */
};

struct lam_function {
	lam_service *s;
	lam_function *prev, *next;
	char *name, *arn, *runtime, *handler, *code_dir;
	char **env;
	char **layers;                 /* NULL-terminated, or NULL */
	int timeout, memory, reserved;
	unsigned generation;           /* bumped by each lam_define */
	int active;                    /* environments starting or busy */
	int refs;                      /* environments and invocations */
	int removed;
};

struct lam_env {
	lam_service *s;
	lam_function *f;
	lam_env *prev, *next;
	env *e;
	unsigned generation;
	int inited;                    /* the runtime called /next once */
	int waiting;                   /* a /next is held */
	int dead;                      /* killed or exited: takes nothing more */
	int exit_pending;              /* the leader's exit is still to be handled */
	int exit_status;
	int gone;                      /* every process is collected */
	double spawned, init_ms;
	int report_init;               /* the next REPORT carries Init Duration */
	long long max_rss;             /* bytes, during the current invocation */
	lam_invocation *inv;
	struct event *idle_ev;
};

struct lam_invocation {
	lam_service *s;
	lam_function *f;
	lam_env *le;
	lam_invocation *prev, *next;
	char id[40];
	char *payload, *arn, *client_context, *trace_id;
	char *cognito;                 /* Lambda-Runtime-Cognito-Identity, or NULL */
	size_t len;
	lam_done_fn done;
	void *ud;
	struct event *timer;           /* the timeout, or the delivery of an early result */
	double assigned, started;      /* monotonic ms */
	double deadline;               /* monotonic ms: the timer's aim */
	int dispatched;
	int early;                     /* ended before reaching an environment */
	int entrypoint;                /* early: Runtime.InvalidEntrypoint */
	int delivering;
	/* The result. */
	lam_status status;
	char *result, *error_type, *message, *reason;
	size_t result_len;
	int http_status;
	char *tail;                    /* 2 x LAM_LOG_TAIL_BYTES + 1 */
	size_t tail_len;
};

/* How an invocation ended, for the log lines and the environment. */
typedef struct outcome {
	const char *status;            /* NULL, "timeout" or "error" */
	const char *error_type;        /* with "error" */
	int kill;                      /* the environment is replaced */
	int oom;
	const char *note;              /* a platform line before END */
} outcome;

/* ---- small helpers ---- */

static double now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static long long wall_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Random bytes for request and trace ids, from a pool refilled with one
 * getrandom call at a time: ids are made on every invocation, and a system
 * call each is measurable there. */
static void random_bytes(unsigned char *b, size_t n)
{
	static unsigned char pool[LAM_RANDOM_POOL];
	static size_t left;

	while (n > 0) {
		size_t take;

		if (left == 0) {
			size_t got = 0;

			while (got < sizeof pool) {
				ssize_t r = getrandom(pool + got, sizeof pool - got, 0);

				if (r < 0) {
					if (errno == EINTR)
						continue;
					for (; got < sizeof pool; got++)
						pool[got] = (unsigned char)(rand() & 0xff);
					break;
				}
				got += (size_t)r;
			}
			left = sizeof pool;
		}
		take = n < left ? n : left;
		memcpy(b, pool + sizeof pool - left, take);
		left -= take;
		b += take;
		n -= take;
	}
}

static void hex(char *out, const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* A version 4 UUID, as AWS's request ids. */
static void uuid4(char out[37])
{
	unsigned char b[16];
	char h[33];

	random_bytes(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	hex(h, b, 16);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* An X-Ray trace header: Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0. */
static char *trace_new(void)
{
	unsigned char b[20];
	char root[25], parent[17];

	random_bytes(b, sizeof(b));
	hex(root, b, 12);
	hex(parent, b + 12, 8);
	return xasprintf("Root=1-%08llx-%s;Parent=%s;Sampled=0",
			 (unsigned long long)(wall_ms() / 1000), root, parent);
}

/* {"errorType":TYPE,"errorMessage":"RequestId: ID Error: TEXT"}: the
 * platform's own error payloads put errorType first. */
static char *platform_error(const char *type, const char *id, const char *text)
{
	cJSON *o = cJSON_CreateObject();
	char *msg = xasprintf("RequestId: %s Error: %s", id, text), *s;

	cJSON_AddStringToObject(o, "errorType", type);
	cJSON_AddStringToObject(o, "errorMessage", msg);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(msg);
	return s;
}

/* Go's names of signals, as "signal: killed" in Runtime.ExitError. */
static const struct {
	int sig;
	const char *name;
} signal_names[] = {
	{ SIGHUP, "hangup" }, { SIGINT, "interrupt" }, { SIGQUIT, "quit" },
	{ SIGILL, "illegal instruction" }, { SIGTRAP, "trace/breakpoint trap" },
	{ SIGABRT, "aborted" }, { SIGBUS, "bus error" }, { SIGFPE, "floating point exception" },
	{ SIGKILL, "killed" }, { SIGUSR1, "user defined signal 1" },
	{ SIGSEGV, "segmentation fault" }, { SIGUSR2, "user defined signal 2" },
	{ SIGPIPE, "broken pipe" }, { SIGALRM, "alarm clock" }, { SIGTERM, "terminated" },
	{ SIGXCPU, "CPU time limit exceeded" }, { SIGXFSZ, "file size limit exceeded" },
	{ SIGSYS, "bad system call" },
};

/* "Runtime exited with error: exit status 3", "... signal: killed", or
 * "Runtime exited without providing a reason" (exit 0), as Go prints them. */
static char *exit_text(int st)
{
	size_t i;

	if (WIFEXITED(st)) {
		if (WEXITSTATUS(st) == 0)
			return xstrdup("Runtime exited without providing a reason");
		return xasprintf("Runtime exited with error: exit status %d", WEXITSTATUS(st));
	}
	if (WIFSIGNALED(st)) {
		const char *core = WCOREDUMP(st) ? " (core dumped)" : "";

		for (i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
			if (signal_names[i].sig == WTERMSIG(st))
				return xasprintf("Runtime exited with error: signal: %s%s",
						 signal_names[i].name, core);
		return xasprintf("Runtime exited with error: signal: signal %d%s", WTERMSIG(st), core);
	}
	return xasprintf("Runtime exited with error: wait status %d", st);
}

/* ---- logs ---- */

/* Appends a line to the invocation's tail, keeping at least the last
 * LAM_LOG_TAIL_BYTES bytes. */
static void tail_add(lam_invocation *inv, const char *line)
{
	size_t len = strlen(line), cap = 2 * LAM_LOG_TAIL_BYTES;

	if (!inv->tail)
		inv->tail = xmalloc(cap + 1);
	if (len + 1 > LAM_LOG_TAIL_BYTES) {
		line += len + 1 - LAM_LOG_TAIL_BYTES;
		len = LAM_LOG_TAIL_BYTES - 1;
		inv->tail_len = 0;
	}
	if (inv->tail_len + len + 1 > cap) {
		memmove(inv->tail, inv->tail + inv->tail_len - LAM_LOG_TAIL_BYTES, LAM_LOG_TAIL_BYTES);
		inv->tail_len = LAM_LOG_TAIL_BYTES;
	}
	memcpy(inv->tail + inv->tail_len, line, len);
	inv->tail_len += len;
	inv->tail[inv->tail_len++] = '\n';
	inv->tail[inv->tail_len] = '\0';
}

/* A log line of f: to the service's log, and to inv's tail when given. */
static void emit(lam_function *f, lam_invocation *inv, const char *line)
{
	lam_service *s = f->s;

	if (inv)
		tail_add(inv, line);
	if (s->log)
		s->log(s->log_ud, f->name, inv ? inv->id : NULL, line);
}

static void emitf(lam_function *f, lam_invocation *inv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void emitf(lam_function *f, lam_invocation *inv, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	emit(f, inv, line);
	free(line);
}

/* AWS's first line of a cold start, before anything the runtime prints:
 * "INIT_START Runtime Version: python:3.12.v<N>\tRuntime Version ARN:
 * arn:aws:lambda:<region>::runtime:<64 hex>".  The version is steplocal's
 * own (v1) and the ARN's hash a SHA-256 of it, not one of AWS's. */
static void init_start(lam_function *f)
{
	char ver[96], hex[65];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	const char *rt = f->runtime;

	if (!strncmp(rt, "python", 6))
		snprintf(ver, sizeof(ver), "python:%s.v1", rt + 6);
	else if (!strncmp(rt, "nodejs", 6))
		snprintf(ver, sizeof(ver), "nodejs:%.*s.v1", (int)strcspn(rt + 6, "."), rt + 6);
	else
		snprintf(ver, sizeof(ver), "provided:%s.v1", rt[8] == '.' ? rt + 9 : "al1");
	if (EVP_Digest(ver, strlen(ver), md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		n = 0;
	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[2 * n] = '\0';
	emitf(f, NULL, "INIT_START Runtime Version: %s\tRuntime Version ARN: arn:aws:lambda:%s::runtime:%s",
	      ver, f->s->region, hex);
}

/* NULL-terminated string vectors (a function's environment, its layers). */
static char **vec_dup(const char *const *v)
{
	char **d;
	int n, i;

	for (n = 0; v && v[n]; n++)
		;
	d = xcalloc((size_t)n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		d[i] = xstrdup(v[i]);
	return d;
}

static void vec_free(char **v)
{
	int i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ---- functions ---- */

static void fn_free(lam_function *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		f->s->functions = f->next;
	if (f->next)
		f->next->prev = f->prev;
	free(f->name);
	free(f->arn);
	free(f->runtime);
	free(f->handler);
	free(f->code_dir);
	vec_free(f->env);
	vec_free(f->layers);
	free(f);
}

static void fn_unref(lam_function *f)
{
	if (--f->refs == 0 && f->removed && !f->s->closing)
		fn_free(f);
}

/* ---- invocations ---- */

static void inv_free(lam_invocation *inv)
{
	lam_service *s = inv->s;

	if (inv->prev)
		inv->prev->next = inv->next;
	else
		s->invs = inv->next;
	if (inv->next)
		inv->next->prev = inv->prev;
	if (inv->timer)
		event_free(inv->timer);
	free(inv->payload);
	free(inv->arn);
	free(inv->client_context);
	free(inv->cognito);
	free(inv->trace_id);
	free(inv->result);
	free(inv->error_type);
	free(inv->message);
	free(inv->reason);
	free(inv->tail);
	fn_unref(inv->f);
	free(inv);
}

/* Calls the callback (unless cancelled) and frees the invocation. */
static void deliver(lam_invocation *inv)
{
	lam_result r;
	size_t off = inv->tail_len > LAM_LOG_TAIL_BYTES ? inv->tail_len - LAM_LOG_TAIL_BYTES : 0;

	memset(&r, 0, sizeof(r));
	r.status = inv->status;
	r.payload = inv->result ? inv->result : "";
	r.len = inv->result_len;
	r.error_type = inv->error_type;
	r.message = inv->message;
	r.reason = inv->reason;
	r.http_status = inv->http_status;
	r.request_id = inv->id;
	r.log_tail = inv->tail ? inv->tail + off : "";
	r.executed_version = "$LATEST";
	inv->delivering = 1;
	if (inv->done)
		inv->done(inv->ud, &r);
	inv_free(inv);
}

static void set_result(lam_invocation *inv, lam_status st, char *owned_payload, size_t len)
{
	free(inv->result);
	inv->status = st;
	inv->result = owned_payload;
	inv->result_len = len;
	inv->http_status = 200;
}

/* The errorType of a function error payload, or NULL. */
static char *payload_error_type(const char *p, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(p, len);
	cJSON *t = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "errorType") : NULL;
	char *s = cJSON_IsString(t) ? xstrdup(t->valuestring) : NULL;

	cJSON_Delete(j);
	return s;
}

static void function_error(lam_invocation *inv, char *owned_payload)
{
	set_result(inv, LAM_FUNCTION_ERROR, owned_payload, strlen(owned_payload));
	free(inv->error_type);
	inv->error_type = payload_error_type(owned_payload, inv->result_len);
}

/* ---- environments ---- */

static void le_kill(lam_env *le)
{
	if (le->dead)
		return;
	le->dead = 1;
	if (le->idle_ev)
		event_del(le->idle_ev);
	env_kill(le->e, SIGKILL);
}

static void le_free(lam_env *le)
{
	lam_service *s = le->s;

	if (le->prev)
		le->prev->next = le->next;
	else
		s->envs = le->next;
	if (le->next)
		le->next->prev = le->prev;
	if (le->idle_ev)
		event_free(le->idle_ev);
	env_free(le->e);
	fn_unref(le->f);
	free(le);
}

static void on_idle(evutil_socket_t fd, short what, void *arg)
{
	lam_env *le = arg;

	if (!le->inv)
		le_kill(le);
}

/* The environment has no invocation: it stays warm, unless it belongs to
 * an older definition or a removed function. */
static void le_idle(lam_env *le)
{
	struct timeval tv = { le->s->idle_seconds, 0 };

	if (le->dead)
		return;
	if (le->generation != le->f->generation || le->f->removed) {
		le_kill(le);
		return;
	}
	if (event_add(le->idle_ev, &tv) != 0)
		le_kill(le);
}

/* Ends inv: logs END and REPORT (and what o says), frees or replaces the
 * environment, calls the callback and frees inv.  The result is set. */
static void finish(lam_invocation *inv, const outcome *o)
{
	lam_env *le = inv->le;
	lam_function *f = inv->f;
	double now, dur, init = -1;
	long long rss = 0;
	long long used;
	char tail[128] = "";

	event_del(inv->timer);
	if (le && o->kill)
		le_kill(le);
	if (le)
		env_drain_logs(le->e);   /* what the function wrote comes before END */
	now = now_ms();
	if (!inv->dispatched) {
		if (le && !le->inited && o->status)
			emitf(f, NULL, "INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: %s%s%s",
			      now - le->spawned, o->status, o->error_type ? "\tError Type: " : "",
			      o->error_type ? o->error_type : "");
		emitf(f, inv, "START RequestId: %s Version: $LATEST", inv->id);
	}
	if (o->note)
		emit(f, inv, o->note);
	dur = now - (inv->dispatched ? inv->started : inv->assigned);
	if (le && le->report_init && inv->dispatched) {
		init = le->init_ms;
		le->report_init = 0;
	}
	if (le) {
		/* The memory poll's maximum, or one reading when the
		 * invocation was too short for the poll to sample it. */
		long long leader = le->dead || le->max_rss > 0 ? 0 : env_rss_leader(le->e);

		rss = le->max_rss > leader ? le->max_rss : leader;
	}
	used = o->oom ? f->memory : (rss + 1024 * 1024 - 1) / (1024 * 1024);
	if (init >= 0)
		snprintf(tail, sizeof(tail), "Init Duration: %.2f ms\t", init);
	if (o->status && o->error_type)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "Status: %s\tError Type: %s",
			 o->status, o->error_type);
	else if (o->status)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "Status: %s", o->status);
	emitf(f, inv, "END RequestId: %s", inv->id);
	emitf(f, inv, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld ms\t"
	      "Memory Size: %d MB\tMax Memory Used: %lld MB\t%s",
	      inv->id, dur, (long long)ceil(dur + (init >= 0 ? init : 0)), f->memory, used, tail);
	if (le) {
		le->inv = NULL;
		inv->le = NULL;
		f->active--;
		f->s->active--;
		le_idle(le);
	}
	deliver(inv);
}

static void on_mem(evutil_socket_t fd, short what, void *arg);

/* Arms inv's timer for its deadline.  libevent may use a coarser clock
 * than now_ms, so on_inv_timer re-arms it if it fires a little early. */
static void arm_deadline(lam_invocation *inv)
{
	double ms = inv->deadline - now_ms();
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms - (double)tv.tv_sec * 1000) * 1000) + 1;
	event_base_update_cache_time(inv->s->base);
	if (event_add(inv->timer, &tv) != 0)
		fprintf(stderr, "steplocal: cannot arm the timeout of %s\n", inv->id);
}

/* Gives le's runtime, which waits on /next, its invocation. */
static void dispatch(lam_env *le)
{
	lam_invocation *inv = le->inv;
	lam_function *f = le->f;
	lam_service *s = le->s;
	rapi_event ev;

	inv->dispatched = 1;
	inv->started = now_ms();
	le->waiting = 0;
	le->max_rss = 0;
	env_log_budget(le->e);
	emitf(f, inv, "START RequestId: %s Version: $LATEST", inv->id);
	memset(&ev, 0, sizeof(ev));
	ev.request_id = inv->id;
	ev.deadline_ms = wall_ms() + (long long)f->timeout * 1000;
	ev.function_arn = inv->arn;
	ev.trace_id = inv->trace_id;
	ev.client_context = inv->client_context;
	ev.cognito_identity = inv->cognito;
	ev.body = inv->payload;
	ev.len = inv->len;
	if (env_dispatch(le->e, &ev) != 0) {
		/* The runtime does not wait after all: it will be given the
		 * invocation at its next /next. */
		inv->dispatched = 0;
	}
	inv->deadline = inv->started + (double)f->timeout * 1000;
	arm_deadline(inv);
	if (!event_pending(s->mem_timer, EV_TIMEOUT, NULL)) {
		struct timeval poll = { 0, LAM_MEM_POLL_MS * 1000 };

		if (event_add(s->mem_timer, &poll) != 0)
			fprintf(stderr, "steplocal: cannot start the memory poll\n");
	}
}

/* Binds inv to le; dispatches it at once if the runtime waits. */
static void assign(lam_env *le, lam_invocation *inv)
{
	lam_function *f = le->f;

	le->inv = inv;
	inv->le = le;
	inv->assigned = now_ms();
	f->active++;
	f->s->active++;
	event_del(le->idle_ev);
	if (le->waiting) {
		dispatch(le);
		return;
	}
	/* Until the runtime polls: the init phase (cold) or the end of the
	 * previous invocation (warm), then the function's timeout. */
	inv->deadline = inv->assigned + (double)f->timeout * 1000 + (le->inited ? 0 : LAM_INIT_TIMEOUT_MS);
	arm_deadline(inv);
}

/* ---- env.c hooks ---- */

static void on_env_next(void *ud, env *e, int first)
{
	lam_env *le = ud;

	le->waiting = 1;
	if (first) {
		le->inited = 1;
		le->init_ms = now_ms() - le->spawned;
		le->report_init = 1;
	}
	if (le->dead)
		return;
	if (le->inv && !le->inv->dispatched)
		dispatch(le);
	else if (!le->inv)
		le_idle(le);
}

static void on_env_answer(void *ud, env *e, const rapi_answer *a)
{
	lam_env *le = ud;
	lam_invocation *inv = le->inv;
	outcome o = { NULL, NULL, 0, 0, NULL };

	if (le->dead)
		return;
	if (a->kind == RAPI_INIT_ERROR) {
		if (!inv) {
			le_kill(le);
			return;
		}
		function_error(inv, xstrndup(a->body, a->len));
		o.status = "error";
		o.error_type = a->error_type;
		o.kill = 1;
		finish(inv, &o);
		return;
	}
	if (!inv || !inv->dispatched || strcmp(inv->id, a->request_id) != 0)
		return;
	switch (a->kind) {
	case RAPI_RESPONSE:
		set_result(inv, LAM_OK, xstrndup(a->body, a->len), a->len);
		break;
	case RAPI_ERROR:
		set_result(inv, LAM_FUNCTION_ERROR, xstrndup(a->body, a->len), a->len);
		inv->error_type = payload_error_type(a->body, a->len);
		break;
	case RAPI_TOO_LARGE:
		function_error(inv, xstrdup("{\"errorMessage\":\"Response payload size exceeded maximum "
					    "allowed payload size (6291556 bytes).\","
					    "\"errorType\":\"Function.ResponseSizeTooLarge\"}"));
		o.status = "error";
		o.error_type = "Function.ResponseSizeTooLarge";
		break;
	case RAPI_BAD_MODE:
		function_error(inv, platform_error("Runtime.InvalidResponseModeHeader", inv->id,
						   "Invalid function response mode"));
		o.status = "error";
		o.error_type = "Runtime.InvalidResponseModeHeader";
		break;
	case RAPI_INIT_ERROR:
		break;
	}
	finish(inv, &o);
}

static void on_env_log(void *ud, env *e, const char *line, size_t len)
{
	lam_env *le = ud;
	lam_invocation *inv = le->inv && le->inv->dispatched ? le->inv : NULL;

	emit(le->f, inv, line);
}

static const env_hooks hooks = { on_env_next, on_env_answer, on_env_log };

/* Starts a new environment for f; returns ENV_OK or env_spawn's code. */
static int le_spawn(lam_function *f, lam_env **out, char **err)
{
	lam_service *s = f->s;
	lam_env *le = xcalloc(1, sizeof(*le));
	env_spec sp;
	int rc;

	memset(&sp, 0, sizeof(sp));
	sp.function = f->name;
	sp.runtime = f->runtime;
	sp.handler = f->handler;
	sp.code_dir = f->code_dir;
	sp.runtime_dir = s->runtime_dir;
	sp.region = s->region;
	sp.memory = f->memory;
	sp.env = (const char *const *)f->env;
	sp.layers = (const char *const *)f->layers;
	le->s = s;
	le->f = f;
	le->generation = f->generation;
	le->spawned = now_ms();
	rc = env_spawn(s->base, &sp, &hooks, le, &le->e, err);
	if (rc == ENV_OK) {
		le->spawned = env_started(le->e);
		init_start(f);
	}
	if (rc != ENV_OK) {
		free(le);
		return rc;
	}
	le->idle_ev = evtimer_new(s->base, on_idle, le);
	if (!le->idle_ev) {
		env_free(le->e);
		free(le);
		*err = xstrdup("cannot create a timer");
		return ENV_SYSTEM;
	}
	f->refs++;
	le->next = s->envs;
	if (s->envs)
		s->envs->prev = le;
	s->envs = le;
	*out = le;
	return ENV_OK;
}

/* A warm environment of f's current definition, one whose runtime already
 * waits on /next first. */
static lam_env *find_idle(lam_function *f)
{
	lam_env *le, *best = NULL;

	for (le = f->s->envs; le; le = le->next) {
		if (le->f != f || le->dead || le->inv || !le->inited || le->generation != f->generation)
			continue;
		if (le->waiting)
			return le;
		if (!best)
			best = le;
	}
	return best;
}

/* ---- signals and timers ---- */

static void on_leader_exit(lam_env *le, int st)
{
	lam_invocation *inv = le->inv;
	outcome o = { "error", "Runtime.ExitError", 1, 0, NULL };
	char *text;

	env_kill(le->e, SIGKILL);      /* whatever else is left of the group */
	if (!inv)
		return;
	text = exit_text(st);
	function_error(inv, platform_error("Runtime.ExitError", inv->id, text));
	free(text);
	finish(inv, &o);
}

/* Processes that left their environment's group (env_strays_kill): the
 * exited ones are collected at each SIGCHLD; the live ones are killed when
 * an environment has just gone (ended) or a stray was collected (its own
 * children are ours now), except those of environments still alive. */
static void strays(lam_service *s, int ended)
{
	lam_env *le;
	env **live;
	int n = 0;

	for (le = s->envs; le; le = le->next)
		n++;
	live = xmalloc(((size_t)n + 1) * sizeof(*live));
	n = 0;
	for (le = s->envs; le; le = le->next)
		if (!le->gone)
			live[n++] = le->e;
	if (env_strays_reap(live, n) > 0 || ended)
		env_strays_kill(live, n);
	free(live);
}

static void on_sigchld(evutil_socket_t fd, short what, void *arg)
{
	lam_service *s = arg;
	lam_env *le, *next;
	int st = 0, r, ended = 0;

	/* Collect first, without calling anybody: a callback may start or
	 * end invocations. */
	for (le = s->envs; le; le = le->next) {
		if (le->gone)
			continue;
		r = env_reap(le->e, &st);
		if (r & ENV_LEADER_EXITED) {
			le->exit_pending = 1;
			le->exit_status = st;
			le->dead = 1;
			event_del(le->idle_ev);
		}
		if (r & ENV_GONE) {
			le->gone = 1;
			ended = 1;
		}
	}
	/* Before any callback: a gone environment's endpoint is still bound,
	 * so no new environment can have its port yet. */
	strays(s, ended);
	for (;;) {
		for (le = s->envs; le && !le->exit_pending; le = le->next)
			;
		if (!le)
			break;
		le->exit_pending = 0;
		on_leader_exit(le, le->exit_status);
	}
	for (le = s->envs; le; le = next) {
		next = le->next;
		if (le->gone && !le->inv)
			le_free(le);
	}
}

static void on_mem(evutil_socket_t fd, short what, void *arg)
{
	lam_service *s = arg;
	lam_env *le, **v;
	env **ev;
	long long *rss;
	int n = 0, i;

	if (s->active == 0) {
		event_del(s->mem_timer);
		return;
	}
	v = xmalloc((size_t)s->active * sizeof(*v));
	ev = xmalloc((size_t)s->active * sizeof(*ev));
	rss = xmalloc((size_t)s->active * sizeof(*rss));
	for (le = s->envs; le && n < s->active; le = le->next) {
		if (le->inv && !le->dead) {
			v[n] = le;
			ev[n++] = le->e;
		}
	}
	env_rss_scan(ev, n, rss);
	/* Environments are freed only on SIGCHLD, so v stays valid while the
	 * callbacks below run; their state may change, hence the checks. */
	for (i = 0; i < n; i++) {
		lam_invocation *inv;

		le = v[i];
		inv = le->inv;
		if (le->dead || !inv)
			continue;
		if (rss[i] > le->max_rss)
			le->max_rss = rss[i];
		if (rss[i] > (long long)le->f->memory * 1024 * 1024) {
			outcome o = { "error", "Runtime.OutOfMemory", 1, 1, NULL };

			function_error(inv, platform_error("Runtime.OutOfMemory", inv->id,
							   "Runtime exited with error: signal: killed"));
			finish(inv, &o);
		}
	}
	free(rss);
	free(ev);
	free(v);
}

static void on_inv_timer(evutil_socket_t fd, short what, void *arg)
{
	lam_invocation *inv = arg;
	outcome o = { "timeout", NULL, 1, 0, NULL };
	char msg[96], note[256], ts[32];
	time_t now = time(NULL);
	struct tm tm;

	if (inv->early) {
		if (inv->entrypoint) {
			emitf(inv->f, inv, "START RequestId: %s Version: $LATEST", inv->id);
			emitf(inv->f, inv, "END RequestId: %s", inv->id);
			emitf(inv->f, inv, "REPORT RequestId: %s\tDuration: 0.00 ms\tBilled Duration: 0 ms\t"
			      "Memory Size: %d MB\tMax Memory Used: 0 MB\tStatus: error\t"
			      "Error Type: Runtime.InvalidEntrypoint", inv->id, inv->f->memory);
		}
		deliver(inv);
		return;
	}
	if (now_ms() < inv->deadline) {
		arm_deadline(inv);
		return;
	}
	snprintf(msg, sizeof(msg), "Task timed out after %.2f seconds", (double)inv->f->timeout);
	function_error(inv, platform_error("Sandbox.Timedout", inv->id, msg));
	if (!gmtime_r(&now, &tm) || strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(ts, sizeof(ts), "1970-01-01T00:00:00");
	snprintf(note, sizeof(note), "%s.%03dZ %s %s", ts, (int)(wall_ms() % 1000), inv->id, msg);
	o.note = note;
	finish(inv, &o);
}

/* Ends inv from the loop, soon, without an environment. */
static void early(lam_invocation *inv)
{
	struct timeval zero = { 0, 0 };

	inv->early = 1;
	if (event_add(inv->timer, &zero) != 0)
		fprintf(stderr, "steplocal: cannot schedule the result of %s\n", inv->id);
}

static void early_api_error(lam_invocation *inv, int http, const char *type, const char *message,
			    const char *reason)
{
	inv->status = LAM_API_ERROR;
	inv->http_status = http;
	inv->error_type = xstrdup(type);
	inv->message = xstrdup(message);
	inv->reason = reason ? xstrdup(reason) : NULL;
	early(inv);
}

/* ---- the service ---- */

/* runtime/ next to the binary, or one level up (a build folder holds a
 * runtime/ of object files: the bootstraps tell the real one). */
static char *default_runtime_dir(void)
{
	static const char *const cands[] = { "/runtime", "/../runtime" };
	char exe[4096], *dir, *c, *probe, *real;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t i;

	if (n <= 0)
		return xstrdup("runtime");
	exe[n] = '\0';
	dir = dirname(exe);
	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		c = xasprintf("%s%s", dir, cands[i]);
		probe = xasprintf("%s/python/bootstrap.py", c);
		if (access(probe, R_OK) == 0 && (real = realpath(c, NULL)) != NULL) {
			free(probe);
			free(c);
			c = xstrdup(real);
			free(real);
			return c;
		}
		free(probe);
		free(c);
	}
	return xasprintf("%s/runtime", dir);
}

struct event_base *lam_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (!cfg)
		return NULL;
	/* Safe here: no descriptor is registered twice (no dup()s). */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

lam_service *lam_service_new(struct event_base *base, const lam_service_opts *o)
{
	lam_service *s = xcalloc(1, sizeof(*s));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct sigaction old;

	s->base = base;
	s->region = xstrdup(o && o->region ? o->region : "us-east-1");
	s->account = xstrdup(o && o->account ? o->account : "123456789012");
	s->account_cap = o && o->account_concurrency > 0 ? o->account_concurrency
		: (int)(cpus > 0 ? cpus : 1) * LAM_ACCOUNT_PER_CPU;
	if (!(o && o->account_concurrency > 0) && s->account_cap < LAM_ACCOUNT_MIN)
		s->account_cap = LAM_ACCOUNT_MIN;
	s->idle_seconds = o && o->idle_seconds > 0 ? o->idle_seconds : LAM_DEFAULT_IDLE_SECONDS;
	if (o && o->runtime_dir) {
		char *real = realpath(o->runtime_dir, NULL);

		s->runtime_dir = xstrdup(real ? real : o->runtime_dir);
		free(real);
	} else {
		s->runtime_dir = default_runtime_dir();
	}
	s->log = o ? o->log : NULL;
	s->log_ud = o ? o->log_ud : NULL;
	/* Grandchildren a function leaves behind become ours to collect, so
	 * that killing a group and reaping it leaves nothing. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		fprintf(stderr, "steplocal: cannot become a child subreaper: %s\n", strerror(errno));
	/* A runtime that dies mid-reply must not kill steplocal. */
	if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fprintf(stderr, "steplocal: cannot ignore SIGPIPE: %s\n", strerror(errno));
	s->sigchld = evsignal_new(base, SIGCHLD, on_sigchld, s);
	s->mem_timer = event_new(base, -1, EV_PERSIST, on_mem, s);
	if (!s->sigchld || !s->mem_timer || event_add(s->sigchld, NULL) != 0) {
		lam_service_free(s);
		return NULL;
	}
	return s;
}

void lam_service_free(lam_service *s)
{
	lam_env *le;
	double deadline;

	if (!s)
		return;
	s->closing = 1;
	/* SIGTERM, a short grace, then env_free kills and reaps the rest. */
	for (le = s->envs; le; le = le->next)
		if (!le->gone)
			env_kill(le->e, SIGTERM);
	deadline = now_ms() + LAM_KILL_GRACE_MS;
	while (s->envs) {
		int alive = 0, st;
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		for (le = s->envs; le; le = le->next)
			if (!le->gone && !(env_reap(le->e, &st) & ENV_GONE))
				alive = 1;
			else
				le->gone = 1;
		if (!alive || now_ms() >= deadline)
			break;
		if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
			break;
	}
	while (s->invs)
		inv_free(s->invs);
	while (s->envs)
		le_free(s->envs);
	/* Then whatever left the groups (a daemon's setsid()), for a
	 * bounded time: a process in uninterruptible sleep is not waited for. */
	deadline = now_ms() + LAM_KILL_GRACE_MS;
	while (env_strays_kill(NULL, 0) + env_strays_reap(NULL, 0) > 0 && now_ms() < deadline) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
			break;
	}
	while (s->functions)
		fn_free(s->functions);
	if (s->sigchld)
		event_free(s->sigchld);
	if (s->mem_timer)
		event_free(s->mem_timer);
	free(s->region);
	free(s->account);
	free(s->runtime_dir);
	free(s);
}

int lam_service_processes(const lam_service *s)
{
	const lam_env *le;
	int n = 0;

	for (le = s->envs; le; le = le->next)
		if (env_alive(le->e) && kill(-env_pid(le->e), 0) == 0)
			n++;
	return n;
}

/* ---- definitions ---- */

/* Variables Lambda sets itself (lambda-contract.md §2). */
static int reserved_key(const char *k, size_t n)
{
	static const char *const names[] = {
		"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
		"LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	};
	size_t i;

	if (n >= 11 && !strncmp(k, "AWS_LAMBDA_", 11))
		return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncmp(k, names[i], n))
			return 1;
	return 0;
}

/* Returns an owned message naming the wrong field, or NULL; *real gets
 * the package folder's absolute path. */
static char *check_config(const lam_config *c, char **real)
{
	const char *p;
	struct stat st;
	int i;

	*real = NULL;
	if (!c->name || !*c->name || strlen(c->name) > LAM_MAX_FUNCTION_NAME)
		return xasprintf("name: a function name has 1 to %d characters", LAM_MAX_FUNCTION_NAME);
	for (p = c->name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return xasprintf("name: \"%s\" may hold only letters, digits, - and _", c->name);
	if (!env_runtime_known(c->runtime))
		return xasprintf("runtime: \"%s\" is not supported (python3.x, nodejs18.x..nodejs22.x, "
				 "provided, provided.al2, provided.al2023)", c->runtime ? c->runtime : "");
	if (strncmp(c->runtime, "provided", 8) != 0 && (!c->handler || !*c->handler))
		return xasprintf("handler: required by runtime %s", c->runtime);
	if (c->timeout < 0 || c->timeout > LAM_MAX_TIMEOUT)
		return xasprintf("timeout: %d is out of range (1 to %d seconds)", c->timeout, LAM_MAX_TIMEOUT);
	if (c->memory != 0 && (c->memory < LAM_MIN_MEMORY || c->memory > LAM_MAX_MEMORY))
		return xasprintf("memory: %d is out of range (%d to %d MB)", c->memory, LAM_MIN_MEMORY,
				 LAM_MAX_MEMORY);
	for (i = 0; c->env && c->env[i]; i++) {
		const char *eq = strchr(c->env[i], '=');
		size_t n = eq ? (size_t)(eq - c->env[i]) : 0;

		if (!eq || n == 0)
			return xasprintf("environment: \"%s\" is not KEY=VALUE", c->env[i]);
		for (p = c->env[i]; p < eq; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				return xasprintf("environment: \"%.*s\" is not a variable name", (int)n, c->env[i]);
		if (reserved_key(c->env[i], n))
			return xasprintf("environment: %.*s is reserved (Lambda sets it)", (int)n, c->env[i]);
	}
	if (!c->code_dir || !*c->code_dir)
		return xstrdup("code_dir: required");
	if (stat(c->code_dir, &st) != 0)
		return xasprintf("code_dir: %s: %s", c->code_dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return xasprintf("code_dir: %s is not a folder", c->code_dir);
	*real = realpath(c->code_dir, NULL);
	if (!*real)
		return xasprintf("code_dir: %s: %s", c->code_dir, strerror(errno));
	return NULL;
}

/* Kills f's environments that have no invocation. */
static void kill_idle(lam_function *f)
{
	lam_env *le;

	for (le = f->s->envs; le; le = le->next)
		if (le->f == f && !le->inv)
			le_kill(le);
}

lam_function *lam_define(lam_service *s, const lam_config *c, char **err)
{
	lam_function *f;
	char *real, *msg;

	if (err)
		*err = NULL;
	msg = check_config(c, &real);
	if (msg) {
		if (err)
			*err = msg;
		else
			free(msg);
		return NULL;
	}
	f = lam_find(s, c->name);
	if (f) {
		/* Busy environments of the old definition end after their
		 * invocation (le_idle sees the generation). */
		f->generation++;
		kill_idle(f);
		free(f->runtime);
		free(f->handler);
		free(f->code_dir);
		vec_free(f->env);
		vec_free(f->layers);
	} else {
		f = xcalloc(1, sizeof(*f));
		f->s = s;
		f->name = xstrdup(c->name);
		f->arn = xasprintf("arn:aws:lambda:%s:%s:function:%s", s->region, s->account, c->name);
		f->next = s->functions;
		if (s->functions)
			s->functions->prev = f;
		s->functions = f;
	}
	f->runtime = xstrdup(c->runtime);
	f->handler = c->handler ? xstrdup(c->handler) : NULL;
	f->code_dir = xstrdup(real);
	free(real);
	f->timeout = c->timeout ? c->timeout : LAM_DEFAULT_TIMEOUT;
	f->memory = c->memory ? c->memory : LAM_DEFAULT_MEMORY;
	f->reserved = c->reserved;
	f->env = vec_dup(c->env);
	f->layers = c->layers && c->layers[0] ? vec_dup(c->layers) : NULL;
	return f;
}

lam_function *lam_find(lam_service *s, const char *name)
{
	lam_function *f;

	for (f = s->functions; f; f = f->next)
		if (!f->removed && !strcmp(f->name, name))
			return f;
	return NULL;
}

const char *lam_function_arn(const lam_function *f)
{
	return f->arn;
}

int lam_function_ready(const lam_function *f)
{
	const lam_env *le;
	int n = 0;

	for (le = f->s->envs; le; le = le->next)
		if (le->f == f && le->waiting && !le->inv && !le->dead &&
		    le->generation == f->generation)
			n++;
	return n;
}

void lam_remove(lam_service *s, lam_function *f)
{
	if (!f || f->removed)
		return;
	f->removed = 1;
	kill_idle(f);
	if (f->refs == 0)
		fn_free(f);
}

/* ---- invocations ---- */

/* Decodes X-Amz-Client-Context: base64 of a JSON object; returns the
 * object as compact text (owned), or NULL. */
static char *client_context(const char *b64)
{
	size_t len;
	char *raw = rapi_base64_decode(b64, &len), *out = NULL;
	cJSON *j;

	if (!raw)
		return NULL;
	j = cJSON_ParseWithLength(raw, len);
	if (cJSON_IsObject(j))
		out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	free(raw);
	return out;
}

lam_invocation *lam_invoke(lam_function *f, const char *payload, size_t len,
			   const lam_invoke_opts *o, lam_done_fn done, void *ud)
{
	lam_service *s = f->s;
	lam_invocation *inv = xcalloc(1, sizeof(*inv));
	lam_env *le;
	char *err = NULL;
	int rc;

	inv->s = s;
	inv->f = f;
	f->refs++;
	inv->next = s->invs;
	if (s->invs)
		s->invs->prev = inv;
	s->invs = inv;
	uuid4(inv->id);
	inv->done = done;
	inv->ud = ud;
	inv->payload = xmalloc(len + 1);
	memcpy(inv->payload, payload, len);
	inv->payload[len] = '\0';
	inv->len = len;
	inv->arn = o && o->qualifier ? xasprintf("%s:%s", f->arn, o->qualifier) : xstrdup(f->arn);
	inv->trace_id = o && o->trace_id ? xstrdup(o->trace_id) : trace_new();
	inv->timer = evtimer_new(s->base, on_inv_timer, inv);
	inv->assigned = now_ms();
	if (!inv->timer) {
		/* Without a timer the result cannot even be delivered later. */
		fprintf(stderr, "steplocal: out of timers\n");
		abort();
	}
	if (len > LAM_MAX_INVOKE_PAYLOAD) {
		char msg[96];

		snprintf(msg, sizeof(msg), "Request must be smaller than %d bytes for the InvokeFunction "
			 "operation", LAM_MAX_INVOKE_PAYLOAD);
		early_api_error(inv, 413, "RequestEntityTooLargeException", msg, NULL);
		return inv;
	}
	if (o && o->client_context && *o->client_context &&
	    !(inv->client_context = client_context(o->client_context))) {
		early_api_error(inv, 400, "InvalidRequestContentException",
				"Client context must be a valid Base64-encoded JSON object.", NULL);
		return inv;
	}
	if (o && (o->cognito_id || o->cognito_pool_id)) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "cognitoIdentityId", o->cognito_id ? o->cognito_id : "");
		cJSON_AddStringToObject(c, "cognitoIdentityPoolId", o->cognito_pool_id ? o->cognito_pool_id : "");
		inv->cognito = cJSON_PrintUnformatted(c);
		cJSON_Delete(c);
	}
	le = find_idle(f);
	if (!le) {
		if (f->reserved >= 0 && f->active >= f->reserved) {
			early_api_error(inv, 429, "TooManyRequestsException", "Rate Exceeded.",
					"ReservedFunctionConcurrentInvocationLimitExceeded");
			return inv;
		}
		if (s->active >= s->account_cap) {
			early_api_error(inv, 429, "TooManyRequestsException", "Rate Exceeded.",
					"ConcurrentInvocationLimitExceeded");
			return inv;
		}
		rc = le_spawn(f, &le, &err);
		if (rc == ENV_ENTRYPOINT) {
			function_error(inv, platform_error("Runtime.InvalidEntrypoint", inv->id, err));
			inv->entrypoint = 1;
			free(err);
			early(inv);
			return inv;
		}
		if (rc != ENV_OK) {
			early_api_error(inv, 500, "ServiceException", err, NULL);
			free(err);
			return inv;
		}
	}
	assign(le, inv);
	return inv;
}

void lam_cancel(lam_invocation *inv)
{
	if (!inv || inv->delivering)
		return;
	inv->done = NULL;
	/* An early result has nothing left to run; a running invocation ends
	 * on its own and is freed then. */
	if (inv->early)
		inv_free(inv);
}
