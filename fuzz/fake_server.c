/* fake_server.c - `steplocal serve` without its socket, and Lambda functions without processes (see fake_server.h). */
#include "fake_server.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "api_lambda.h"
#include "api_sfn.h"
#include "fake_http.h"
#include "fixtures.h"
#include "fuzz.h"
#include "xalloc.h"

#define FZ_SETTLE_ROUNDS 32
/* Rounds per input in which only the engine has work (an execution that
 * loops without waiting): each is one ex_engine_poll budget. */
#define FZ_BUSY_ROUNDS   16
#define FZ_START_TIME    1767225600.0   /* 2026-01-01T00:00:00Z */
#define FZ_SEED          1

static const char project_yaml[] =
	"functions:\n"
	"  Hello: {runtime: python3.12, handler: app.handler, code: fn}\n"
	"  Slow: {runtime: provided.al2023, code: fn, timeout: 1, concurrency: 1}\n"
	"state_machines:\n"
	"  Flow: {definition: flow.asl.json}\n"
	"  Quick: {definition: quick.asl.json, type: EXPRESS}\n"
	"  Tokens: {definition: tokens.asl.json}\n"
	"faults:\n"
	"  - {function: Slow, error: Lambda.ServiceException, times: 1}\n";

static const char flow_json[] =
	"{\"StartAt\":\"Call\",\"States\":{"
	"\"Call\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:us-east-1:123456789012:function:Hello\","
	"\"Retry\":[{\"ErrorEquals\":[\"Lambda.TooManyRequestsException\"],\"MaxAttempts\":2}],"
	"\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"ResultPath\":\"$.error\",\"Next\":\"Failed\"}],"
	"\"Next\":\"Each\"},"
	"\"Each\":{\"Type\":\"Map\",\"ItemsPath\":\"$.items\",\"MaxConcurrency\":2,\"ItemProcessor\":{"
	"\"StartAt\":\"Item\",\"States\":{\"Item\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
	"\"Parameters\":{\"FunctionName\":\"Slow\",\"Payload.$\":\"$\"},\"OutputPath\":\"$.Payload\",\"End\":true}}},"
	"\"ResultPath\":\"$.each\",\"Next\":\"Fan\"},"
	"\"Fan\":{\"Type\":\"Parallel\",\"Branches\":["
	"{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\",\"Seconds\":5,\"End\":true}}},"
	"{\"StartAt\":\"C\",\"States\":{\"C\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.go\","
	"\"BooleanEquals\":true,\"Next\":\"Y\"}],\"Default\":\"N\"},\"Y\":{\"Type\":\"Succeed\"},"
	"\"N\":{\"Type\":\"Pass\",\"Result\":{\"n\":1},\"End\":true}}}],\"Next\":\"Done\"},"
	"\"Done\":{\"Type\":\"Succeed\"},"
	"\"Failed\":{\"Type\":\"Fail\",\"Error\":\"Flow.Failed\",\"Cause\":\"the call failed\"}}}\n";

static const char quick_json[] =
	"{\"StartAt\":\"Shape\",\"States\":{\"Shape\":{\"Type\":\"Pass\",\"Parameters\":{"
	"\"id.$\":\"States.Format('order-{}', $.id)\",\"all.$\":\"$\"},\"Next\":\"Call\"},"
	"\"Call\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:us-east-1:123456789012:function:Hello\","
	"\"End\":true}}}\n";

static const char tokens_json[] =
	"{\"StartAt\":\"Wait4\",\"States\":{\"Wait4\":{\"Type\":\"Task\","
	"\"Resource\":\"arn:aws:states:::lambda:invoke.waitForTaskToken\",\"Parameters\":{"
	"\"FunctionName\":\"Hello\",\"Payload\":{\"token.$\":\"$$.Task.Token\",\"in.$\":\"$\"}},"
	"\"End\":true}}}\n";

static const char mock_json[] =
	"{\"StateMachines\":{\"Flow\":{\"TestCases\":{\"Happy\":{\"Call\":\"Ok\"},\"Sad\":{\"Call\":\"Boom\"}}}},"
	"\"MockedResponses\":{\"Ok\":{\"0\":{\"Return\":{\"items\":[1,2]}}},"
	"\"Boom\":{\"0-2\":{\"Throw\":{\"Error\":\"Lambda.ServiceException\",\"Cause\":\"mock\"}}}}}";

static proj_project *g_proj;
static cJSON *g_mock_cfg;
static char *g_uploads;
static struct event_base *g_base;
static int g_busy;

/* ---- Lambda without processes ---- */

typedef struct fz_inv {
	struct fz_inv *next, *prev;
	struct event *ev;
	lam_done_fn done;
	void *ud;
	char *payload;
	size_t len;
	int n;
} fz_inv;

static fz_inv *g_invs;
static int g_ninv;

static void inv_unlink(fz_inv *v)
{
	if (v->prev)
		v->prev->next = v->next;
	else
		g_invs = v->next;
	if (v->next)
		v->next->prev = v->prev;
	event_free(v->ev);
	free(v->payload);
	free(v);
}

static void inv_fire(evutil_socket_t fd, short what, void *arg)
{
	fz_inv *v = arg;
	lam_result r = { 0 };
	char id[32];
	lam_done_fn done = v->done;
	void *ud = v->ud;
	char *payload;

	(void)fd;
	(void)what;
	snprintf(id, sizeof id, "fz-%08d", v->n);
	r.request_id = id;
	r.log_tail = "START RequestId: fz\nEND RequestId: fz\nREPORT RequestId: fz\n";
	r.executed_version = "$LATEST";
	r.http_status = 200;
	if (memmem(v->payload, v->len, "throttle", 8)) {
		r.status = LAM_API_ERROR;
		r.error_type = "TooManyRequestsException";
		r.message = "Rate Exceeded.";
		r.reason = "ConcurrentInvocationLimitExceeded";
		r.http_status = 429;
		r.payload = "";
	} else if (memmem(v->payload, v->len, "fail", 4)) {
		r.status = LAM_FUNCTION_ERROR;
		r.error_type = "HandledError";
		r.payload = "{\"errorType\":\"HandledError\",\"errorMessage\":\"it failed\"}";
	} else {
		r.status = LAM_OK;
		r.payload = v->payload;
	}
	r.len = r.payload == v->payload ? v->len : strlen(r.payload);
	/* The record goes first (the callback may start or cancel
	 * invocations); the payload lives through the callback. */
	payload = v->payload;
	v->payload = NULL;
	inv_unlink(v);
	done(ud, &r);
	free(payload);
}

lam_invocation *__wrap_lam_invoke(lam_function *f, const char *payload, size_t len,
				  const lam_invoke_opts *o, lam_done_fn done, void *ud)
{
	fz_inv *v = xcalloc(1, sizeof *v);

	(void)f;
	(void)o;
	v->done = done;
	v->ud = ud;
	v->payload = xmalloc(len + 1);
	memcpy(v->payload, payload, len);
	v->payload[len] = '\0';
	v->len = len;
	v->n = ++g_ninv;
	v->ev = event_new(g_base, -1, 0, inv_fire, v);
	if (!v->ev)
		abort();
	v->next = g_invs;
	if (g_invs)
		g_invs->prev = v;
	g_invs = v;
	/* Never from inside lam_invoke (lambda.h): from the loop. */
	if (!memmem(v->payload, len, "never", 5))
		event_active(v->ev, 0, 0);
	return (lam_invocation *)v;
}

void __wrap_lam_cancel(lam_invocation *inv)
{
	fz_inv *v;

	/* The invocation must still be one of ours: a cancel after the
	 * callback is a use after free. */
	for (v = g_invs; v && v != (fz_inv *)inv; v = v->next)
		;
	fz_check(v != NULL, "lam_cancel of an invocation that already answered");
	inv_unlink(v);
}

/* ---- the server ---- */

static void observe(void *ud, const sl_exec *x, const hist_event *e)
{
	sv_server *s = ud;

	if (s->sfn)
		sfnapi_observe(s->sfn, x, e);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);

	if (fz_write(p, text, strlen(text)) != 0)
		fz_fail(__FILE__, __LINE__, "cannot write a project file");
	free(p);
}

void fz_server_init(void)
{
	const char *dir = fz_scratch("api");
	char *path, *cache, *err = NULL;

	fz_fixtures(dir);
	write_file(dir, "steplocal.yaml", project_yaml);
	write_file(dir, "flow.asl.json", flow_json);
	write_file(dir, "quick.asl.json", quick_json);
	write_file(dir, "tokens.asl.json", tokens_json);
	cache = xasprintf("%s/cache", dir);
	setenv("XDG_CACHE_HOME", cache, 1);
	g_uploads = xasprintf("%s/steplocal/packages", cache);
	free(cache);
	path = xasprintf("%s/steplocal.yaml", dir);
	g_proj = proj_load(path, &err);
	if (!g_proj) {
		fprintf(stderr, "fuzz: the server's project does not load:\n%s\n", err);
		abort();
	}
	free(path);
	g_mock_cfg = js_parse(mock_json, strlen(mock_json), NULL);
}

void fz_server_start(sv_server *s)
{
	sl_engine_opts eo = { 0 };
	char *err = NULL;
	sl_task_handler lambda;

	memset(s, 0, sizeof *s);
	srand(FZ_SEED);
	g_busy = 0;
	s->ws.proj = g_proj;
	s->ws.quiet = 1;
	s->region = g_proj->region;
	s->account = g_proj->account;
	s->mocks = mock_load(g_mock_cfg, &err);
	fz_check(s->mocks != NULL, "the mock configuration does not load");
	s->base = g_base = event_base_new();
	if (!s->base)
		abort();
	eo.wait_scale = 0;
	eo.virtual_clock = 1;
	eo.start_time = FZ_START_TIME;
	eo.seed = FZ_SEED;
	eo.observer = observe;
	eo.observer_ud = s;
	s->g = ex_engine_new(&eo);
	s->loop = loop_new(s->base, s->g);
	fz_check(ws_start_lambda(&s->ws, s->base, s->loop) == 0, "the functions do not start");
	s->sfn = sfnapi_new(s);
	fz_check(s->sfn != NULL, "the state machines do not load");
	s->lam = lamapi_new(s);
	lambda = sfnapi_activities(s->sfn, lt_handler(s->ws.bridge));   /* as serve_main chains them */
	s->tasks = sfnapi_tasks(s->sfn, mock_handler(s->mocks, lambda));
	ex_engine_set_tasks(s->g, s->tasks);
}

/* Whether the engine has a timer due now (the loop's timer for it fires
 * only on the next round). */
static int engine_due(sv_server *s)
{
	double due = 0;

	ex_engine_poll(s->g, &due);
	return due > 0 && due <= ex_engine_now(s->g);
}

void fz_server_settle(sv_server *s)
{
	int i, due;

	for (i = 0; i < FZ_SETTLE_ROUNDS; i++) {
		/* One pass: NONBLOCK alone goes on while callbacks keep
		 * arming zero timers. */
		event_base_loop(s->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		fz_http_flush();
		due = engine_due(s);
		if (due && ++g_busy > FZ_BUSY_ROUNDS)
			break;
		if (!due && event_base_get_num_events(s->base, EVENT_BASE_COUNT_ACTIVE) == 0)
			break;
	}
}

/* Whether folder dir has anything in it. */
static int has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

void fz_server_stop(sv_server *s)
{
	/* serve_main's order: requests, executions, API state, functions. */
	s->stopping = 1;
	fz_http_drop_pending();
	ex_engine_free(s->g);
	sfnapi_free(s->sfn);
	lamapi_free(s->lam);
	loop_free(s->loop);
	while (g_invs)
		inv_unlink(g_invs);
	s->ws.proj = NULL;         /* shared by every input */
	ws_close(&s->ws);
	event_base_free(s->base);
	mock_free(s->mocks);
	g_base = NULL;
	g_ninv = 0;
	if (has_entries(g_uploads))
		fz_empty(g_uploads);
}
