/* test_lambda.c - the Lambda side (runtime/lambda.c, env.c, rapi.c) with real processes over loopback HTTP. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "lambda.h"
#include "rapi.h"
#include "rlimits.h"
#include "xalloc.h"

#define TEST_SECONDS 60            /* any one test: SIGALRM ends the binary after this */
#define WAIT_MS 15000              /* any one wait for callbacks */

/* The provided runtime's bootstrap every test function runs: a small
 * Runtime API client whose behaviour each event chooses ("action"). */
static const char bootstrap_body[] =
	"import http.client, json, os, signal, subprocess, sys, time\n"
	"host, port = os.environ['AWS_LAMBDA_RUNTIME_API'].rsplit(':', 1)\n"
	"def call(method, path, body=None, headers=None):\n"
	"    c = http.client.HTTPConnection(host, int(port))\n"
	"    c.request(method, path, body=body, headers=headers or {})\n"
	"    r = c.getresponse()\n"
	"    data = r.read().decode()\n"
	"    c.close()\n"
	"    return r.status, data, dict(r.getheaders())\n"
	"R = '/2018-06-01/runtime'\n"
	"if os.environ.get('MODE') == 'init_error':\n"
	"    print('about to fail init', flush=True)\n"
	"    call('POST', R + '/init/error', json.dumps({'errorMessage': 'boom', 'errorType': 'Runtime.ImportModuleError'}),\n"
	"         {'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError'})\n"
	"    time.sleep(30)\n"
	"    sys.exit(1)\n"
	"if os.environ.get('MODE') == 'exit_in_init':\n"
	"    sys.exit(7)\n"
	"print('init pid', os.getpid(), flush=True)\n"
	"memo = {}\n"
	"while True:\n"
	"    st, body, h = call('GET', R + '/invocation/next')\n"
	"    rid = h['Lambda-Runtime-Aws-Request-Id']\n"
	"    ev = json.loads(body)\n"
	"    act = ev.get('action', 'echo')\n"
	"    def respond(obj):\n"
	"        return call('POST', R + '/invocation/%s/response' % rid, json.dumps(obj))\n"
	"    print('handling', act, flush=True)\n"
	"    if act == 'echo':\n"
	"        respond({'event': ev, 'pid': os.getpid(),\n"
	"                 'headers': {k: v for k, v in h.items() if k.lower().startswith('lambda-runtime')}})\n"
	"    elif act == 'nap':\n"
	"        time.sleep(ev.get('s', 0.5))\n"
	"        respond({'pid': os.getpid()})\n"
	"    elif act == 'sleep':\n"
	"        child = subprocess.Popen(['sleep', '60'])\n"
	"        print('child', child.pid, 'leader', os.getpid(), flush=True)\n"
	"        time.sleep(60)\n"
	"    elif act == 'daemon':\n"
	"        r, w = os.pipe()\n"
	"        if os.fork() == 0:\n"
	"            os.setsid()\n"
	"            d = os.fork()\n"
	"            if d == 0:\n"
	"                time.sleep(60)\n"
	"                os._exit(0)\n"
	"            os.write(w, str(d).encode())\n"
	"            os._exit(0)\n"
	"        os.close(w)\n"
	"        d = int(os.read(r, 32))\n"
	"        os.close(r)\n"
	"        os.wait()\n"
	"        respond({'daemon': d, 'pid': os.getpid()})\n"
	"    elif act == 'exit':\n"
	"        os._exit(ev['code'])\n"
	"    elif act == 'segv':\n"
	"        os.kill(os.getpid(), signal.SIGSEGV)\n"
	"        time.sleep(10)\n"
	"    elif act == 'oom':\n"
	"        hog = b'x' * (ev['mb'] << 20)\n"
	"        time.sleep(30)\n"
	"    elif act == 'big':\n"
	"        st, b, _ = call('POST', R + '/invocation/%s/response' % rid, 'x' * ev['bytes'])\n"
	"        memo['big'] = [st, b]\n"
	"    elif act == 'memo':\n"
	"        memo['pid'] = os.getpid()\n"
	"        respond(memo)\n"
	"    elif act == 'foreign':\n"
	"        st, b, _ = call('POST', R + '/invocation/not-%s/response' % rid, '{}')\n"
	"        respond({'status': st, 'body': b})\n"
	"    elif act == 'twice':\n"
	"        respond({'n': 1})\n"
	"        st, b, _ = respond({'n': 2})\n"
	"        st2, b2, _ = call('POST', R + '/invocation/%s/error' % rid, '{}')\n"
	"        memo['twice'] = [st, b, st2, b2]\n"
	"    elif act == 'error':\n"
	"        call('POST', R + '/invocation/%s/error' % rid,\n"
	"             json.dumps({'errorMessage': 'bad thing', 'errorType': 'MyError', 'stackTrace': []}),\n"
	"             {'Lambda-Runtime-Function-Error-Type': 'Unhandled'})\n"
	"    elif act == 'env':\n"
	"        respond({'env': dict(os.environ), 'cwd': os.getcwd()})\n"
	"    elif act == 'print':\n"
	"        print('hello from the function', flush=True)\n"
	"        sys.stderr.write('and from stderr\\n')\n"
	"        sys.stderr.flush()\n"
	"        respond('printed')\n"
	"    elif act == 'spam':\n"
	"        line = 'y' * 999\n"
	"        for i in range(ev['lines']):\n"
	"            print(line)\n"
	"        sys.stdout.flush()\n"
	"        respond('spammed')\n"
	"    elif act == 'probe':\n"
	"        out = {}\n"
	"        out['unknown'] = call('GET', '/2018-06-01/runtime/nothing')[:2]\n"
	"        out['method'] = call('POST', R + '/invocation/next', '')[:2]\n"
	"        out['ping'] = call('GET', '/2018-06-01/ping')[:2]\n"
	"        out['init'] = call('POST', R + '/init/error', '{}')[:2]\n"
	"        respond(out)\n";

/* ---- fixtures ---- */

static char g_root[256];          /* the temporary folder of this run */
static char *bootstrap_py;        /* "#!<python3>\n" + bootstrap_body */
static struct event_base *g_base;
static lam_service *g_svc;
static char *g_logs;              /* every log line: "function|request id|line\n" */
static size_t g_logs_len, g_logs_cap;

static char *path_of(const char *rel)
{
	return xasprintf("%s/%s", g_root, rel);
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
	char *p = path_of(rel);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static void make_dir(const char *rel)
{
	char *p = path_of(rel);

	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static void on_log(void *ud, const char *function, const char *request_id, const char *line)
{
	char *s = xasprintf("%s|%s|%s\n", function, request_id ? request_id : "-", line);
	size_t n = strlen(s);

	if (g_logs_len + n + 1 > g_logs_cap) {
		g_logs_cap = (g_logs_len + n + 1) * 2;
		g_logs = xrealloc(g_logs, g_logs_cap);
	}
	memcpy(g_logs + g_logs_len, s, n + 1);
	g_logs_len += n;
	free(s);
}

static void service_start(int account_cap, int idle_seconds)
{
	lam_service_opts o = { 0 };
	char *rt = path_of("rt");

	o.account_concurrency = account_cap;
	o.idle_seconds = idle_seconds;
	o.runtime_dir = rt;
	o.log = on_log;
	g_base = lam_base_new();
	assert_non_null(g_base);
	g_svc = lam_service_new(g_base, &o);
	assert_non_null(g_svc);
	free(rt);
	g_logs_len = 0;
	if (g_logs)
		g_logs[0] = '\0';
}

static void service_stop(void)
{
	if (g_svc)
		lam_service_free(g_svc);
	g_svc = NULL;
	if (g_base)
		event_base_free(g_base);
	g_base = NULL;
}

static int test_setup(void **state)
{
	alarm(TEST_SECONDS);
	return 0;
}

static int test_teardown(void **state)
{
	service_stop();
	alarm(0);
	return 0;
}

/* Defines a function whose code is folder rel (bootstrap: the script). */
static lam_function *define(const char *name, const char *rel, int timeout, int memory,
			    int reserved, const char *const *env)
{
	lam_config c = { 0 };
	char *dir = path_of(rel), *err = NULL;
	lam_function *f;

	c.name = name;
	c.runtime = "provided.al2023";
	c.code_dir = dir;
	c.timeout = timeout;
	c.memory = memory;
	c.reserved = reserved;
	c.env = env;
	f = lam_define(g_svc, &c, &err);
	if (!f)
		fail_msg("lam_define: %s", err);
	free(dir);
	return f;
}

/* ---- invocations and waiting ---- */

typedef struct outcome {
	int done;
	lam_status status;
	char *payload, *error_type, *message, *reason, *request_id, *tail;
	int http;
	cJSON *json;                   /* the payload parsed, when it is JSON */
} outcome;

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void on_done(void *ud, const lam_result *r)
{
	outcome *o = ud;

	assert_int_equal(o->done, 0);
	o->done = 1;
	o->status = r->status;
	o->payload = xstrndup(r->payload, r->len);
	o->error_type = dup_or_null(r->error_type);
	o->message = dup_or_null(r->message);
	o->reason = dup_or_null(r->reason);
	o->request_id = dup_or_null(r->request_id);
	o->tail = dup_or_null(r->log_tail);
	o->http = r->http_status;
	o->json = cJSON_Parse(o->payload);
	assert_string_equal(r->executed_version, "$LATEST");
}

static void outcome_free(outcome *o)
{
	free(o->payload);
	free(o->error_type);
	free(o->message);
	free(o->reason);
	free(o->request_id);
	free(o->tail);
	cJSON_Delete(o->json);
	memset(o, 0, sizeof(*o));
}

static int g_timed_out;

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
	g_timed_out = 1;
}

/* Runs the loop until cond(arg) holds or ms pass; returns cond(arg). */
static int run_until(int (*cond)(void *), void *arg, int ms)
{
	struct event *guard = evtimer_new(g_base, on_guard, NULL);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	int ok;

	g_timed_out = 0;
	assert_int_equal(evtimer_add(guard, &tv), 0);
	while (!cond(arg) && !g_timed_out)
		event_base_loop(g_base, EVLOOP_ONCE);
	ok = cond(arg);
	event_free(guard);
	return ok;
}

static int is_done(void *arg)
{
	return ((outcome *)arg)->done;
}

static int no_process(void *arg)
{
	return lam_service_processes(g_svc) == 0;
}

static void wait_done(outcome *o)
{
	if (!run_until(is_done, o, WAIT_MS))
		fail_msg("the invocation did not end within %d ms; logs:\n%s", WAIT_MS, g_logs ? g_logs : "");
}

static void invoke_async(lam_function *f, const char *event, outcome *o, const lam_invoke_opts *io)
{
	lam_invocation *inv;

	memset(o, 0, sizeof(*o));
	inv = lam_invoke(f, event, strlen(event), io, on_done, o);
	assert_non_null(inv);
	assert_int_equal(o->done, 0);          /* never called back from inside lam_invoke */
}

static void invoke(lam_function *f, const char *event, outcome *o)
{
	invoke_async(f, event, o, NULL);
	wait_done(o);
}

static int pid_of(const outcome *o)
{
	cJSON *p = cJSON_GetObjectItemCaseSensitive(o->json, "pid");

	assert_true(cJSON_IsNumber(p));
	return p->valueint;
}

static int process_exists(int pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

/* The payload of a platform error: {"errorType":T,"errorMessage":"RequestId: ID Error: M"}. */
static void assert_platform_error(const outcome *o, const char *type, const char *message)
{
	char *want = xasprintf("{\"errorType\":\"%s\",\"errorMessage\":\"RequestId: %s Error: %s\"}",
			       type, o->request_id, message);

	assert_int_equal(o->status, LAM_FUNCTION_ERROR);
	assert_int_equal(o->http, 200);
	assert_string_equal(o->payload, want);
	assert_string_equal(o->error_type, type);
	free(want);
}

static int regex_match(const char *re, const char *text)
{
	regex_t r;
	int ok;

	assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NEWLINE), 0);
	ok = regexec(&r, text, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

/* ---- tests ---- */

static void test_echo_and_headers(void **state)
{
	lam_invoke_opts io = { 0 };
	lam_function *f;
	outcome o;
	cJSON *h;
	char *arn;

	service_start(0, 0);
	f = define("Echo", "fn", 3, 128, -1, NULL);
	io.qualifier = "live";
	io.client_context = "eyJjdXN0b20iOiB7ImEiOiAiYiJ9fQ==";   /* {"custom": {"a": "b"}} */
	io.trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
	io.cognito_id = "us-east-1:1234abcd";
	io.cognito_pool_id = "us-east-1:pool-5678";
	invoke_async(f, "{\"action\":\"echo\",\"x\":[1,2]}", &o, &io);
	wait_done(&o);
	assert_int_equal(o.status, LAM_OK);
	assert_int_equal(o.http, 200);
	assert_null(o.error_type);
	assert_non_null(o.json);
	assert_true(regex_match("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
				o.request_id));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(o.json, "event"), "x")), 2);
	h = cJSON_GetObjectItem(o.json, "headers");
	assert_string_equal(cJSON_GetObjectItem(h, "Lambda-Runtime-Aws-Request-Id")->valuestring, o.request_id);
	arn = xasprintf("%s:live", lam_function_arn(f));
	assert_string_equal(lam_function_arn(f), "arn:aws:lambda:us-east-1:123456789012:function:Echo");
	assert_string_equal(cJSON_GetObjectItem(h, "Lambda-Runtime-Invoked-Function-Arn")->valuestring, arn);
	assert_string_equal(cJSON_GetObjectItem(h, "Lambda-Runtime-Trace-Id")->valuestring, io.trace_id);
	assert_string_equal(cJSON_GetObjectItem(h, "Lambda-Runtime-Client-Context")->valuestring,
			    "{\"custom\":{\"a\":\"b\"}}");
	assert_non_null(cJSON_GetObjectItem(h, "Lambda-Runtime-Deadline-Ms"));
	assert_string_equal(cJSON_GetObjectItem(h, "Lambda-Runtime-Cognito-Identity")->valuestring,
			    "{\"cognitoIdentityId\":\"us-east-1:1234abcd\",\"cognitoIdentityPoolId\":\"us-east-1:pool-5678\"}");
	free(arn);
	outcome_free(&o);

	/* A generated trace id; a client context that is not base64 JSON. */
	invoke(f, "{\"action\":\"echo\"}", &o);
	h = cJSON_GetObjectItem(o.json, "headers");
	assert_true(regex_match("^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$",
				cJSON_GetObjectItem(h, "Lambda-Runtime-Trace-Id")->valuestring));
	assert_null(cJSON_GetObjectItem(h, "Lambda-Runtime-Client-Context"));
	assert_null(cJSON_GetObjectItem(h, "Lambda-Runtime-Cognito-Identity"));
	outcome_free(&o);
	io.client_context = "!!not base64";
	invoke_async(f, "{}", &o, &io);
	wait_done(&o);
	assert_int_equal(o.status, LAM_API_ERROR);
	assert_int_equal(o.http, 400);
	assert_string_equal(o.error_type, "InvalidRequestContentException");
	outcome_free(&o);
}

static void test_reuse_and_log_lines(void **state)
{
	lam_function *f;
	outcome a, b, c;
	char *re;

	service_start(0, 0);
	f = define("Reuse", "fn", 3, 128, -1, NULL);
	invoke(f, "{\"action\":\"echo\"}", &a);
	invoke(f, "{\"action\":\"echo\"}", &b);
	assert_int_equal(a.status, LAM_OK);
	assert_int_equal(b.status, LAM_OK);
	assert_int_equal(pid_of(&a), pid_of(&b));
	assert_string_not_equal(a.request_id, b.request_id);
	/* The cold start reports its Init Duration, the warm one does not. */
	re = xasprintf("^REPORT RequestId: %s\tDuration: [0-9]+\\.[0-9]{2} ms\tBilled Duration: [0-9]+ ms\t"
		       "Memory Size: 128 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9]+\\.[0-9]{2} ms\t$",
		       a.request_id);
	assert_true(regex_match(re, a.tail));
	free(re);
	re = xasprintf("^REPORT RequestId: %s\tDuration: [0-9]+\\.[0-9]{2} ms\tBilled Duration: [0-9]+ ms\t"
		       "Memory Size: 128 MB\tMax Memory Used: [1-9][0-9]* MB\t$", b.request_id);
	assert_true(regex_match(re, b.tail));
	free(re);

	/* The function's own lines sit between START and END, in the tail and
	 * in the log with the request id; init lines have none. */
	invoke(f, "{\"action\":\"print\"}", &c);
	assert_int_equal(c.status, LAM_OK);
	assert_string_equal(c.payload, "\"printed\"");
	re = xasprintf("\\`START RequestId: %s Version: \\$LATEST\nhandling print\nhello from the function\n"
		       "and from stderr\nEND RequestId: %s\nREPORT RequestId: %s\t[^\n]*\n\\'",
		       c.request_id, c.request_id, c.request_id);
	if (!regex_match(re, c.tail))
		fail_msg("tail:\n%s", c.tail);
	free(re);
	re = xasprintf("Reuse\\|%s\\|hello from the function", c.request_id);
	assert_true(regex_match(re, g_logs));
	free(re);
	assert_true(regex_match("^Reuse\\|-\\|init pid [0-9]+$", g_logs));
	/* One INIT_START, first, before the runtime's own init lines. */
	assert_true(regex_match("\\`Reuse\\|-\\|INIT_START Runtime Version: provided:al2023\\.v1\t"
				"Runtime Version ARN: arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}\n"
				"Reuse\\|-\\|init pid", g_logs));
	assert_null(strstr(strstr(g_logs, "INIT_START") + 1, "INIT_START"));
	assert_null(strstr(a.tail, "INIT_START"));
	outcome_free(&a);
	outcome_free(&b);
	outcome_free(&c);
}

static void test_function_error(void **state)
{
	lam_function *f;
	outcome o;

	service_start(0, 0);
	f = define("Err", "fn", 3, 128, -1, NULL);
	invoke(f, "{\"action\":\"error\"}", &o);
	assert_int_equal(o.status, LAM_FUNCTION_ERROR);
	assert_int_equal(o.http, 200);
	assert_string_equal(o.payload, "{\"errorMessage\": \"bad thing\", \"errorType\": \"MyError\", \"stackTrace\": []}");
	assert_string_equal(o.error_type, "MyError");
	outcome_free(&o);
	/* The environment is kept. */
	invoke(f, "{\"action\":\"echo\"}", &o);
	assert_int_equal(o.status, LAM_OK);
	outcome_free(&o);
}

static void test_reserved_concurrency(void **state)
{
	lam_function *f, *zero;
	outcome a, b, c;

	service_start(0, 0);
	f = define("Reserved", "fn", 5, 128, 1, NULL);
	invoke_async(f, "{\"action\":\"nap\",\"s\":0.5}", &a, NULL);
	invoke_async(f, "{\"action\":\"echo\"}", &b, NULL);
	/* The throttled one comes back at once, from the loop. */
	assert_true(run_until(is_done, &b, 200));
	assert_int_equal(a.done, 0);
	assert_int_equal(b.status, LAM_API_ERROR);
	assert_int_equal(b.http, 429);
	assert_string_equal(b.error_type, "TooManyRequestsException");
	assert_string_equal(b.reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
	assert_string_equal(b.message, "Rate Exceeded.");
	assert_string_equal(b.tail, "");
	wait_done(&a);
	assert_int_equal(a.status, LAM_OK);
	/* Once the first is over, its environment takes the next one. */
	invoke(f, "{\"action\":\"echo\"}", &c);
	assert_int_equal(c.status, LAM_OK);
	assert_int_equal(pid_of(&a), pid_of(&c));
	outcome_free(&a);
	outcome_free(&b);
	outcome_free(&c);

	/* Reserved concurrency 0 throttles everything. */
	zero = define("Disabled", "fn", 3, 128, 0, NULL);
	invoke(zero, "{}", &a);
	assert_int_equal(a.status, LAM_API_ERROR);
	assert_string_equal(a.reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
	outcome_free(&a);
	assert_int_equal(lam_service_processes(g_svc), 1);
}

static void test_account_concurrency(void **state)
{
	lam_function *f, *g;
	outcome o[4];
	int i;

	service_start(2, 0);
	f = define("One", "fn", 5, 128, -1, NULL);
	g = define("Two", "fn", 5, 128, -1, NULL);
	invoke_async(f, "{\"action\":\"nap\",\"s\":0.5}", &o[0], NULL);
	invoke_async(g, "{\"action\":\"nap\",\"s\":0.5}", &o[1], NULL);
	invoke_async(f, "{\"action\":\"nap\",\"s\":0.5}", &o[2], NULL);
	invoke_async(g, "{\"action\":\"nap\",\"s\":0.5}", &o[3], NULL);
	for (i = 0; i < 4; i++)
		wait_done(&o[i]);
	assert_int_equal(o[0].status, LAM_OK);
	assert_int_equal(o[1].status, LAM_OK);
	for (i = 2; i < 4; i++) {
		assert_int_equal(o[i].status, LAM_API_ERROR);
		assert_int_equal(o[i].http, 429);
		assert_string_equal(o[i].reason, "ConcurrentInvocationLimitExceeded");
		assert_string_equal(o[i].message, "Rate Exceeded.");
	}
	for (i = 0; i < 4; i++)
		outcome_free(&o[i]);
	/* Warm idle environments do not count. */
	invoke(f, "{\"action\":\"echo\"}", &o[0]);
	invoke(g, "{\"action\":\"echo\"}", &o[1]);
	assert_int_equal(o[0].status, LAM_OK);
	assert_int_equal(o[1].status, LAM_OK);
	outcome_free(&o[0]);
	outcome_free(&o[1]);
}

/* Finds "child C leader L" in the logs. */
static void sleeping_pids(int *child, int *leader)
{
	const char *p = g_logs ? strstr(g_logs, "|child ") : NULL;

	assert_non_null(p);
	assert_int_equal(sscanf(p, "|child %d leader %d", child, leader), 2);
}

static void test_timeout(void **state)
{
	lam_function *f;
	outcome o;
	int child, leader;
	char *re;

	service_start(0, 0);
	f = define("Slow", "fn", 1, 128, -1, NULL);
	invoke(f, "{\"action\":\"sleep\"}", &o);
	assert_platform_error(&o, "Sandbox.Timedout", "Task timed out after 1.00 seconds");
	re = xasprintf("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z %s Task timed out after 1\\.00 seconds\n"
		       "END RequestId: %s\nREPORT RequestId: %s\tDuration: 1[0-9]{3}\\.[0-9]{2} ms\t"
		       "Billed Duration: [0-9]+ ms\tMemory Size: 128 MB\tMax Memory Used: [0-9]+ MB\t"
		       "Init Duration: [0-9.]+ ms\tStatus: timeout\n",
		       o.request_id, o.request_id, o.request_id);
	if (!regex_match(re, o.tail))
		fail_msg("tail:\n%s", o.tail);
	free(re);
	/* The whole group is gone: the runtime and the process it started. */
	sleeping_pids(&child, &leader);
	assert_true(run_until(no_process, NULL, 5000));
	assert_false(process_exists(leader));
	assert_false(process_exists(child));
	outcome_free(&o);
	/* The next invocation gets a new environment. */
	invoke(f, "{\"action\":\"echo\"}", &o);
	assert_int_equal(o.status, LAM_OK);
	assert_int_not_equal(pid_of(&o), leader);
	outcome_free(&o);
}

static void test_crashes(void **state)
{
	static const struct {
		const char *event, *message;
	} cases[] = {
		{ "{\"action\":\"exit\",\"code\":3}", "Runtime exited with error: exit status 3" },
		{ "{\"action\":\"exit\",\"code\":0}", "Runtime exited without providing a reason" },
		{ "{\"action\":\"segv\"}", "Runtime exited with error: signal: segmentation fault" },
	};
	lam_function *f;
	outcome o;
	size_t i;

	service_start(0, 0);
	f = define("Crash", "fn", 5, 128, -1, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *prefix;

		invoke(f, cases[i].event, &o);
		assert_int_equal(o.status, LAM_FUNCTION_ERROR);
		assert_string_equal(o.error_type, "Runtime.ExitError");
		/* A core dump, where enabled, adds " (core dumped)" as Go does. */
		prefix = xasprintf("{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: %s Error: %s",
				   o.request_id, cases[i].message);
		if (strncmp(o.payload, prefix, strlen(prefix)) != 0)
			fail_msg("case %zu: %s", i, o.payload);
		assert_non_null(strstr(o.tail, "\tStatus: error\tError Type: Runtime.ExitError\n"));
		free(prefix);
		outcome_free(&o);
		assert_true(run_until(no_process, NULL, 5000));
	}
	/* And it recovers. */
	invoke(f, "{\"action\":\"echo\"}", &o);
	assert_int_equal(o.status, LAM_OK);
	outcome_free(&o);
}

static void test_exit_during_init(void **state)
{
	static const char *const env[] = { "MODE=exit_in_init", NULL };
	lam_function *f;
	outcome o;

	service_start(0, 0);
	f = define("InitExit", "fn", 3, 128, -1, env);
	invoke(f, "{}", &o);
	assert_platform_error(&o, "Runtime.ExitError", "Runtime exited with error: exit status 7");
	assert_true(regex_match("^InitExit\\|-\\|INIT_REPORT Init Duration: [0-9.]+ ms\tPhase: init\t"
				"Status: error\tError Type: Runtime.ExitError$", g_logs));
	assert_true(regex_match("^START RequestId: [-0-9a-f]+ Version: \\$LATEST$", o.tail));
	outcome_free(&o);
}

static void test_out_of_memory(void **state)
{
	lam_function *f;
	outcome o;

	service_start(0, 0);
	f = define("Hog", "fn", 10, 128, -1, NULL);
	invoke(f, "{\"action\":\"oom\",\"mb\":300}", &o);
	assert_platform_error(&o, "Runtime.OutOfMemory", "Runtime exited with error: signal: killed");
	assert_true(regex_match("\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tInit Duration: [0-9.]+ ms\t"
				"Status: error\tError Type: Runtime.OutOfMemory$", o.tail));
	assert_true(run_until(no_process, NULL, 5000));
	outcome_free(&o);
}

static void test_response_too_large(void **state)
{
	lam_function *f;
	outcome o, m;
	cJSON *big;
	int pid;

	service_start(0, 0);
	f = define("Big", "fn", 10, 128, -1, NULL);
	invoke(f, "{\"action\":\"echo\"}", &o);
	pid = pid_of(&o);
	outcome_free(&o);
	invoke(f, "{\"action\":\"big\",\"bytes\":7000000}", &o);
	assert_int_equal(o.status, LAM_FUNCTION_ERROR);
	assert_string_equal(o.payload, "{\"errorMessage\":\"Response payload size exceeded maximum allowed "
			    "payload size (6291556 bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}");
	assert_string_equal(o.error_type, "Function.ResponseSizeTooLarge");
	/* The runtime was told 413 and polls again: same environment. */
	invoke(f, "{\"action\":\"memo\"}", &m);
	assert_int_equal(m.status, LAM_OK);
	assert_int_equal(pid_of(&m), pid);
	big = cJSON_GetObjectItem(m.json, "big");
	assert_int_equal(cJSON_GetArrayItem(big, 0)->valueint, 413);
	assert_string_equal(cJSON_GetArrayItem(big, 1)->valuestring,
			    "{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\","
			    "\"errorType\":\"RequestEntityTooLarge\"}\n");
	outcome_free(&o);
	outcome_free(&m);
	/* Exactly the limit passes. */
	invoke(f, "{\"action\":\"big\",\"bytes\":6291556}", &o);
	assert_int_equal(o.status, LAM_OK);
	assert_int_equal(strlen(o.payload), 6291556);
	outcome_free(&o);
}

static void test_foreign_and_second_answers(void **state)
{
	lam_function *f;
	outcome o, m;
	cJSON *t;
	char *want;

	service_start(0, 0);
	f = define("Misuse", "fn", 5, 128, -1, NULL);
	invoke(f, "{\"action\":\"foreign\"}", &o);
	assert_int_equal(o.status, LAM_OK);
	assert_int_equal(cJSON_GetObjectItem(o.json, "status")->valueint, 400);
	assert_string_equal(cJSON_GetObjectItem(o.json, "body")->valuestring,
			    "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}\n");
	outcome_free(&o);

	invoke(f, "{\"action\":\"twice\"}", &o);
	assert_int_equal(o.status, LAM_OK);
	assert_string_equal(o.payload, "{\"n\": 1}");
	invoke(f, "{\"action\":\"memo\"}", &m);
	t = cJSON_GetObjectItem(m.json, "twice");
	assert_int_equal(cJSON_GetArrayItem(t, 0)->valueint, 403);
	assert_string_equal(cJSON_GetArrayItem(t, 1)->valuestring,
			    "{\"errorMessage\":\"State transition from RuntimeResponseSentState to "
			    "InvocationResponse failed for runtime. Error: State transition is not allowed\","
			    "\"errorType\":\"InvalidStateTransition\"}\n");
	assert_int_equal(cJSON_GetArrayItem(t, 2)->valueint, 403);
	want = xasprintf("{\"errorMessage\":\"State transition from RuntimeResponseSentState to "
			 "InvocationErrorResponse failed for runtime. Error: State transition is not allowed\","
			 "\"errorType\":\"InvalidStateTransition\"}\n");
	assert_string_equal(cJSON_GetArrayItem(t, 3)->valuestring, want);
	free(want);
	outcome_free(&o);
	outcome_free(&m);

	/* Unknown paths, wrong methods, ping, /init/error after init. */
	invoke(f, "{\"action\":\"probe\"}", &o);
	t = o.json;
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "unknown"), 0)->valueint, 404);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "unknown"), 1)->valuestring,
			    "404 page not found\n");
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "method"), 0)->valueint, 405);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "method"), 1)->valuestring, "");
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "ping"), 0)->valueint, 200);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "ping"), 1)->valuestring, "pong");
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "init"), 0)->valueint, 403);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "init"), 1)->valuestring,
			    "{\"errorMessage\":\"State transition from Running to InitError failed for "
			    "runtime. Error: State transition is not allowed\","
			    "\"errorType\":\"InvalidStateTransition\"}\n");
	outcome_free(&o);
}

static void test_init_error(void **state)
{
	static const char *const env[] = { "MODE=init_error", NULL };
	lam_function *f;
	outcome o;

	service_start(0, 0);
	f = define("BadInit", "fn", 3, 128, -1, env);
	invoke(f, "{}", &o);
	assert_int_equal(o.status, LAM_FUNCTION_ERROR);
	assert_string_equal(o.payload, "{\"errorMessage\": \"boom\", \"errorType\": \"Runtime.ImportModuleError\"}");
	assert_string_equal(o.error_type, "Runtime.ImportModuleError");
	assert_true(regex_match("^BadInit\\|-\\|INIT_REPORT Init Duration: [0-9.]+ ms\tPhase: init\t"
				"Status: error\tError Type: Runtime.ImportModuleError$", g_logs));
	assert_true(regex_match("\tStatus: error\tError Type: Runtime.ImportModuleError\n$", o.tail));
	/* The environment is not kept. */
	assert_true(run_until(no_process, NULL, 5000));
	outcome_free(&o);
}

static void test_invalid_entrypoint(void **state)
{
	lam_function *f;
	outcome o;
	char *msg, *dir;

	service_start(0, 0);
	f = define("NoBoot", "empty", 3, 128, -1, NULL);
	invoke(f, "{}", &o);
	dir = realpath(g_root, NULL);
	msg = xasprintf("fork/exec %s/empty/bootstrap: no such file or directory", dir);
	assert_platform_error(&o, "Runtime.InvalidEntrypoint", msg);
	assert_true(regex_match("\tStatus: error\tError Type: Runtime.InvalidEntrypoint\n$", o.tail));
	assert_int_equal(lam_service_processes(g_svc), 0);
	free(msg);
	outcome_free(&o);

	f = define("NoExec", "noexec", 3, 128, -1, NULL);
	invoke(f, "{}", &o);
	msg = xasprintf("fork/exec %s/noexec/bootstrap: permission denied", dir);
	assert_platform_error(&o, "Runtime.InvalidEntrypoint", msg);
	free(msg);
	free(dir);
	outcome_free(&o);
}

/* Whether key is among the variables an environment may have. */
static int allowed_key(const char *k)
{
	static const char *const keys[] = {
		"_HANDLER", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
		"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
		"AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_LAMBDA_INITIALIZATION_TYPE", "TZ", "LANG", "PATH", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "TABLE", "MODE", "AWS_EXECUTION_ENV",
		"LD_LIBRARY_PATH",
		"LC_CTYPE",   /* python's own locale coercion (PEP 538) when LANG's locale is missing */
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(k, keys[i]))
			return 1;
	return 0;
}

static const char *env_value(const cJSON *env, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_environment_variables(void **state)
{
	static const char *const fenv[] = { "TABLE=orders", "MODE=plain", NULL };
	lam_function *f;
	outcome o;
	const cJSON *env, *kv;
	char *dir = path_of("fn"), *real = realpath(dir, NULL), *rt = path_of("rt"), *rtreal = realpath(rt, NULL);
	char *lib;

	service_start(0, 0);
	f = define("Env", "fn", 3, 256, -1, fenv);
	invoke(f, "{\"action\":\"env\"}", &o);
	assert_int_equal(o.status, LAM_OK);
	env = cJSON_GetObjectItem(o.json, "env");
	cJSON_ArrayForEach(kv, env)
		if (!allowed_key(kv->string))
			fail_msg("unexpected variable %s=%s", kv->string, kv->valuestring);
	assert_null(env_value(env, "SL_SECRET"));
	assert_null(env_value(env, "AWS_EXECUTION_ENV"));   /* not for provided.* */
	assert_string_equal(env_value(env, "_HANDLER"), "");
	assert_string_equal(env_value(env, "TABLE"), "orders");
	assert_string_equal(env_value(env, "AWS_LAMBDA_FUNCTION_NAME"), "Env");
	assert_string_equal(env_value(env, "AWS_LAMBDA_FUNCTION_VERSION"), "$LATEST");
	assert_string_equal(env_value(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), "256");
	assert_string_equal(env_value(env, "AWS_LAMBDA_LOG_GROUP_NAME"), "/aws/lambda/Env");
	assert_true(regex_match("^[0-9]{4}/[0-9]{2}/[0-9]{2}/\\[\\$LATEST\\][0-9a-f]{32}$",
				env_value(env, "AWS_LAMBDA_LOG_STREAM_NAME")));
	assert_string_equal(env_value(env, "AWS_REGION"), "us-east-1");
	assert_string_equal(env_value(env, "AWS_DEFAULT_REGION"), "us-east-1");
	assert_string_equal(env_value(env, "AWS_LAMBDA_INITIALIZATION_TYPE"), "on-demand");
	assert_string_equal(env_value(env, "TZ"), ":UTC");
	assert_string_equal(env_value(env, "PATH"), getenv("PATH"));
	assert_string_equal(env_value(env, "LAMBDA_TASK_ROOT"), real);
	lib = xasprintf("%s:%s/lib", real, real);   /* AWS: ...:/var/task:/var/task/lib:/opt/lib */
	assert_string_equal(env_value(env, "LD_LIBRARY_PATH"), lib);
	free(lib);
	assert_null(env_value(env, "PYTHONPATH"));
	assert_null(env_value(env, "NODE_PATH"));
	assert_string_equal(env_value(env, "LAMBDA_RUNTIME_DIR"), rtreal);
	assert_true(regex_match("^127\\.0\\.0\\.1:[0-9]+$", env_value(env, "AWS_LAMBDA_RUNTIME_API")));
	assert_non_null(env_value(env, "AWS_ACCESS_KEY_ID"));
	assert_non_null(env_value(env, "AWS_SECRET_ACCESS_KEY"));
	assert_non_null(env_value(env, "AWS_SESSION_TOKEN"));
	assert_string_equal(cJSON_GetObjectItem(o.json, "cwd")->valuestring, real);
	outcome_free(&o);
	free(dir);
	free(real);
	free(rt);
	free(rtreal);
}

/* mkdir -p root/rel */
static char *make_dirs(const char *root, const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel), *q;

	for (q = p + strlen(root) + 1; *q; q++)
		if (*q == '/') {
			*q = '\0';
			mkdir(p, 0755);
			*q = '/';
		}
	mkdir(p, 0755);
	return p;
}

static void test_python_runtime(void **state)
{
	lam_config c = { 0 };
	lam_function *f;
	outcome o;
	char *dir = path_of("pyfn"), *err = NULL, *cmd, *want;
	char l1[] = "/tmp/sl-layer1-XXXXXX", l2[] = "/tmp/sl-layer2-XXXXXX";
	char *l1site, *l1py, *l1bin, *l1lib, *l2py, *l2bin;
	const char *layers[3] = { l1, l2, NULL };
	const cJSON *env;

	service_start(0, 0);
	/* rt/python/bootstrap.py is the test's script: what matters here is
	 * how the runtime is started. */
	c.name = "Py";
	c.runtime = "python3.12";
	c.handler = "app.handler";
	c.code_dir = dir;
	c.reserved = -1;
	/* Two layers: their folders are searched where AWS has /opt's, the
	 * second layer's first; folders a layer lacks are left out. */
	assert_non_null(mkdtemp(l1));
	assert_non_null(mkdtemp(l2));
	l1site = make_dirs(l1, "python/lib/python3.12/site-packages");
	l1py = xasprintf("%s/python", l1);
	l1bin = make_dirs(l1, "bin");
	l1lib = make_dirs(l1, "lib");
	l2py = make_dirs(l2, "python");
	l2bin = make_dirs(l2, "bin");
	free(make_dirs(l2, "nodejs/node_modules"));   /* not a python runtime's */
	c.layers = layers;
	f = lam_define(g_svc, &c, &err);
	assert_non_null(f);
	invoke(f, "{\"action\":\"env\"}", &o);
	assert_int_equal(o.status, LAM_OK);
	env = cJSON_GetObjectItem(o.json, "env");
	assert_string_equal(env_value(env, "AWS_EXECUTION_ENV"), "AWS_Lambda_python3.12");
	assert_string_equal(env_value(env, "_HANDLER"), "app.handler");
	want = xasprintf("%s:%s:%s", l1site, l2py, l1py);
	assert_string_equal(env_value(env, "PYTHONPATH"), want);
	free(want);
	want = xasprintf("%s:%s:%s", getenv("PATH"), l2bin, l1bin);
	assert_string_equal(env_value(env, "PATH"), want);
	free(want);
	assert_non_null(strstr(env_value(env, "LD_LIBRARY_PATH"), l1lib));
	assert_null(env_value(env, "NODE_PATH"));
	outcome_free(&o);
	cmd = xasprintf("rm -rf %s %s", l1, l2);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(l1site);
	free(l1py);
	free(l1bin);
	free(l1lib);
	free(l2py);
	free(l2bin);
	free(dir);
}

static void test_define_errors_and_redefine(void **state)
{
	static const char *const reserved_env[] = { "AWS_REGION=eu-west-1", NULL };
	static const char *const bad_env[] = { "NOVALUE", NULL };
	lam_config c = { 0 };
	lam_function *f, *g;
	outcome a, b;
	char *dir = path_of("fn"), *err = NULL;

	service_start(0, 0);
	c.name = "Bad";
	c.runtime = "ruby3.2";
	c.code_dir = dir;
	assert_null(lam_define(g_svc, &c, &err));
	assert_non_null(strstr(err, "runtime: \"ruby3.2\" is not supported"));
	free(err);
	c.runtime = "python3.12";
	assert_null(lam_define(g_svc, &c, &err));
	assert_string_equal(err, "handler: required by runtime python3.12");
	free(err);
	c.runtime = "provided";
	c.memory = 64;
	assert_null(lam_define(g_svc, &c, &err));
	assert_string_equal(err, "memory: 64 is out of range (128 to 10240 MB)");
	free(err);
	c.memory = 0;
	c.timeout = 901;
	assert_null(lam_define(g_svc, &c, &err));
	assert_string_equal(err, "timeout: 901 is out of range (1 to 900 seconds)");
	free(err);
	c.timeout = 0;
	c.env = reserved_env;
	assert_null(lam_define(g_svc, &c, &err));
	assert_string_equal(err, "environment: AWS_REGION is reserved (Lambda sets it)");
	free(err);
	c.env = bad_env;
	assert_null(lam_define(g_svc, &c, &err));
	assert_string_equal(err, "environment: \"NOVALUE\" is not KEY=VALUE");
	free(err);
	c.env = NULL;
	c.name = "bad name";
	assert_null(lam_define(g_svc, &c, &err));
	assert_non_null(strstr(err, "name: "));
	free(err);
	c.name = "Missing";
	c.code_dir = "/nonexistent/steplocal";
	assert_null(lam_define(g_svc, &c, &err));
	assert_string_equal(err, "code_dir: /nonexistent/steplocal: No such file or directory");
	free(err);
	assert_null(lam_find(g_svc, "Missing"));

	/* Redefining replaces the warm environment. */
	f = define("Again", "fn", 3, 128, -1, NULL);
	invoke(f, "{\"action\":\"echo\"}", &a);
	g = define("Again", "fn", 4, 128, -1, NULL);
	assert_ptr_equal(f, g);
	assert_ptr_equal(lam_find(g_svc, "Again"), f);
	invoke(g, "{\"action\":\"echo\"}", &b);
	assert_int_equal(b.status, LAM_OK);
	assert_int_not_equal(pid_of(&a), pid_of(&b));
	assert_false(run_until(no_process, NULL, 300));     /* the new one stays */
	assert_int_equal(lam_service_processes(g_svc), 1);
	outcome_free(&a);
	outcome_free(&b);

	/* Removing kills the idle environment. */
	lam_remove(g_svc, g);
	assert_null(lam_find(g_svc, "Again"));
	assert_true(run_until(no_process, NULL, 5000));
	free(dir);
}

static void test_cancel(void **state)
{
	lam_function *f;
	lam_invocation *inv;
	outcome a, b;

	service_start(0, 0);
	f = define("Cancel", "fn", 5, 128, -1, NULL);
	memset(&a, 0, sizeof(a));
	inv = lam_invoke(f, "{\"action\":\"nap\",\"s\":0.3}", 24, NULL, on_done, &a);
	lam_cancel(inv);
	/* The function runs on; its environment then takes the next one. */
	invoke(f, "{\"action\":\"echo\"}", &b);
	assert_int_equal(b.status, LAM_OK);
	assert_int_equal(a.done, 0);
	outcome_free(&b);
	/* A throttled invocation cancelled before its callback. */
	f = define("CancelThrottled", "fn", 5, 128, 0, NULL);
	inv = lam_invoke(f, "{}", 2, NULL, on_done, &a);
	lam_cancel(inv);
	assert_false(run_until(is_done, &a, 100));
}

static void test_log_cap(void **state)
{
	lam_function *f;
	outcome o;
	size_t lines = 0;
	const char *p;

	service_start(0, 0);
	f = define("Spam", "fn", 20, 128, -1, NULL);
	/* 5 MB of output: at most LAM_LOG_INVOKE_MAX of it is passed on. */
	invoke(f, "{\"action\":\"spam\",\"lines\":5000}", &o);
	assert_int_equal(o.status, LAM_OK);
	for (p = g_logs; (p = strstr(p, "|yyyy")) != NULL; p++)
		lines++;
	assert_true(lines > 100);
	assert_true(lines * 1000 <= LAM_LOG_INVOKE_MAX);
	assert_non_null(strstr(g_logs, "steplocal: log output truncated"));
	assert_true(strlen(o.tail) <= LAM_LOG_TAIL_BYTES);
	assert_true(regex_match("^REPORT RequestId: ", o.tail));
	outcome_free(&o);
}

static void test_idle_reaping(void **state)
{
	lam_function *f;
	outcome o;

	service_start(0, 1);
	f = define("Idle", "fn", 3, 128, -1, NULL);
	invoke(f, "{\"action\":\"echo\"}", &o);
	assert_int_equal(lam_service_processes(g_svc), 1);
	assert_true(run_until(no_process, NULL, 5000));
	outcome_free(&o);
}

static void test_free_leaves_no_process(void **state)
{
	lam_function *f;
	outcome o[3];
	int pids[4], child, leader, i;

	service_start(0, 0);
	f = define("Many", "fn", 10, 128, -1, NULL);
	invoke_async(f, "{\"action\":\"nap\",\"s\":0.2}", &o[0], NULL);
	invoke_async(f, "{\"action\":\"nap\",\"s\":0.2}", &o[1], NULL);
	wait_done(&o[0]);
	wait_done(&o[1]);
	pids[0] = pid_of(&o[0]);
	pids[1] = pid_of(&o[1]);
	assert_int_not_equal(pids[0], pids[1]);
	/* One more stays busy, with a child of its own. */
	invoke_async(f, "{\"action\":\"sleep\"}", &o[2], NULL);
	for (i = 0; i < 200 && !(g_logs && strstr(g_logs, "|child ")); i++)
		event_base_loop(g_base, EVLOOP_ONCE);
	sleeping_pids(&child, &leader);
	assert_true(leader == pids[0] || leader == pids[1]);     /* a warm one took it */
	pids[2] = leader;
	pids[3] = child;
	assert_int_equal(lam_service_processes(g_svc), 2);
	service_stop();
	for (i = 0; i < 4; i++)
		assert_false(process_exists(pids[i]));
	assert_int_equal(o[2].done, 0);          /* pending invocations are not called back */
	outcome_free(&o[0]);
	outcome_free(&o[1]);
}

static int process_gone(void *arg)
{
	return !process_exists(*(int *)arg);
}

/* A double-forked daemon (setsid) leaves the process group: it is spared
 * while its environment lives and ends with it, at a timeout or when the
 * service is freed. */
static void test_daemons_end_with_their_environment(void **state)
{
	lam_function *f;
	outcome o;
	int d1, d2, leader;

	service_start(0, 0);
	f = define("Daemon", "fn", 1, 128, -1, NULL);
	invoke(f, "{\"action\":\"daemon\"}", &o);
	assert_int_equal(o.status, LAM_OK);
	d1 = cJSON_GetObjectItem(o.json, "daemon")->valueint;
	leader = pid_of(&o);
	outcome_free(&o);
	invoke(f, "{\"action\":\"echo\"}", &o);
	assert_int_equal(pid_of(&o), leader);
	assert_true(process_exists(d1));
	outcome_free(&o);
	invoke(f, "{\"action\":\"sleep\"}", &o);
	assert_platform_error(&o, "Sandbox.Timedout", "Task timed out after 1.00 seconds");
	outcome_free(&o);
	assert_true(run_until(process_gone, &d1, 5000));
	invoke(f, "{\"action\":\"daemon\"}", &o);
	d2 = cJSON_GetObjectItem(o.json, "daemon")->valueint;
	outcome_free(&o);
	assert_true(process_exists(d2));
	service_stop();
	assert_false(process_exists(d2));
}

/* ---- the Runtime API alone, through libevent's HTTP client ---- */

typedef struct hreply {
	int done, status;
	char *body;
} hreply;

static void on_http(struct evhttp_request *req, void *arg)
{
	hreply *h = arg;
	struct evbuffer *b;

	h->done = 1;
	if (!req)
		return;
	h->status = evhttp_request_get_response_code(req);
	b = evhttp_request_get_input_buffer(req);
	h->body = evbuffer_get_length(b) ? xstrndup((const char *)evbuffer_pullup(b, -1), evbuffer_get_length(b))
					  : xstrdup("");
}

static int http_done(void *arg)
{
	return ((hreply *)arg)->done;
}

static void http_send(struct evhttp_connection *c, enum evhttp_cmd_type m, const char *path,
		      const char *body, hreply *h)
{
	struct evhttp_request *req = evhttp_request_new(on_http, h);

	memset(h, 0, sizeof(*h));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "127.0.0.1");
	if (body)
		evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	assert_int_equal(evhttp_make_request(c, req, m, path), 0);
}

static void http_call(struct evhttp_connection *c, enum evhttp_cmd_type m, const char *path,
		      const char *body, hreply *h)
{
	http_send(c, m, path, body, h);
	assert_true(run_until(http_done, h, 5000));
}

typedef struct probe {
	int nexts, firsts, answers;
	rapi_kind kind;
	char *body, *etype;
} probe;

static void probe_next(void *ud, int first)
{
	probe *p = ud;

	p->nexts++;
	p->firsts += first;
}

static void probe_answer(void *ud, const rapi_answer *a)
{
	probe *p = ud;

	p->answers++;
	p->kind = a->kind;
	free(p->body);
	free(p->etype);
	p->body = xstrndup(a->body, a->len);
	p->etype = a->error_type ? xstrdup(a->error_type) : NULL;
}

static void test_rapi_state_machine(void **state)
{
	static const rapi_hooks hk = { probe_next, probe_answer };
	probe p = { 0 };
	rapi *r;
	struct evhttp_connection *c1, *c2;
	hreply next, h;
	rapi_event ev = { 0 };

	g_base = lam_base_new();
	r = rapi_new(g_base, &hk, &p);
	assert_non_null(r);
	c1 = evhttp_connection_base_new(g_base, NULL, "127.0.0.1", (unsigned short)rapi_port(r));
	c2 = evhttp_connection_base_new(g_base, NULL, "127.0.0.1", (unsigned short)rapi_port(r));

	/* An answer before any invocation: 400. */
	http_call(c2, EVHTTP_REQ_POST, "/2018-06-01/runtime/invocation/abc/response", "{}", &h);
	assert_int_equal(h.status, 400);
	free(h.body);
	/* /next waits until an invocation is dispatched. */
	http_send(c1, EVHTTP_REQ_GET, "/2018-06-01/runtime/invocation/next", NULL, &next);
	assert_false(run_until(http_done, &next, 100));
	assert_int_equal(p.nexts, 1);
	assert_int_equal(p.firsts, 1);
	assert_int_equal(rapi_waiting(r), 1);
	ev.request_id = "abc";
	ev.deadline_ms = 1234;
	ev.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:F";
	ev.trace_id = "Root=1-1-1";
	ev.cognito_identity = "{\"cognitoIdentityId\":\"x\",\"cognitoIdentityPoolId\":\"y\"}";
	ev.body = "{\"k\":1}";
	ev.len = 7;
	assert_int_equal(rapi_dispatch(r, &ev), 0);
	assert_int_equal(rapi_dispatch(r, &ev), -1);   /* nobody waits any more */
	assert_true(run_until(http_done, &next, 5000));
	assert_int_equal(next.status, 200);
	assert_string_equal(next.body, "{\"k\":1}");
	free(next.body);
	/* /init/error after init: 403.  A second /next while running: the same event. */
	http_call(c2, EVHTTP_REQ_POST, "/2018-06-01/runtime/init/error", "{}", &h);
	assert_int_equal(h.status, 403);
	free(h.body);
	http_call(c1, EVHTTP_REQ_GET, "/2018-06-01/runtime/invocation/next", NULL, &h);
	assert_int_equal(h.status, 200);
	assert_string_equal(h.body, "{\"k\":1}");
	free(h.body);
	/* The error: body verbatim, error type scrubbed. */
	http_call(c2, EVHTTP_REQ_POST, "/2018-06-01/runtime/invocation/abc/error",
		  "{\"errorMessage\":\"m\",\"errorType\":\"E\"}", &h);
	assert_int_equal(h.status, 202);
	assert_string_equal(h.body, "{\"status\":\"OK\"}\n");
	assert_int_equal(p.answers, 1);
	assert_int_equal(p.kind, RAPI_ERROR);
	assert_string_equal(p.body, "{\"errorMessage\":\"m\",\"errorType\":\"E\"}");
	assert_string_equal(p.etype, "Runtime.Unknown");
	free(h.body);
	/* After the next /next the old id is stale. */
	http_send(c1, EVHTTP_REQ_GET, "/2018-06-01/runtime/invocation/next", NULL, &next);
	assert_false(run_until(http_done, &next, 100));
	http_call(c2, EVHTTP_REQ_POST, "/2018-06-01/runtime/invocation/abc/response", "{}", &h);
	assert_int_equal(h.status, 400);
	assert_string_equal(h.body, "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}\n");
	free(h.body);
	http_call(c2, EVHTTP_REQ_DELETE, "/2018-06-01/runtime/invocation/next", NULL, &h);
	assert_int_equal(h.status, 405);
	free(h.body);
	http_call(c2, EVHTTP_REQ_GET, "/2018-06-01/runtime/invocation/abc/response/x", NULL, &h);
	assert_int_equal(h.status, 404);
	assert_string_equal(h.body, "404 page not found\n");
	free(h.body);
	assert_int_equal(p.answers, 1);
	evhttp_connection_free(c1);
	evhttp_connection_free(c2);
	rapi_free(r);
	free(p.body);
	free(p.etype);
	memset(&p, 0, sizeof(p));

	/* /init/error before the first /next, then /next is refused. */
	r = rapi_new(g_base, &hk, &p);
	c1 = evhttp_connection_base_new(g_base, NULL, "127.0.0.1", (unsigned short)rapi_port(r));
	http_call(c1, EVHTTP_REQ_POST, "/2018-06-01/runtime/init/error",
		  "{\"errorMessage\":\"x\",\"errorType\":\"Runtime.HandlerNotFound\"}", &h);
	assert_int_equal(h.status, 202);
	free(h.body);
	assert_int_equal(p.kind, RAPI_INIT_ERROR);
	assert_string_equal(p.etype, "Runtime.Unknown");
	http_call(c1, EVHTTP_REQ_GET, "/2018-06-01/runtime/invocation/next", NULL, &h);
	assert_int_equal(h.status, 403);
	assert_string_equal(h.body, "{\"errorMessage\":\"State transition from InitError to Ready failed for "
			    "runtime. Error: State transition is not allowed\","
			    "\"errorType\":\"InvalidStateTransition\"}\n");
	free(h.body);
	evhttp_connection_free(c1);
	rapi_free(r);
	free(p.body);
	free(p.etype);
	event_base_free(g_base);
	g_base = NULL;
}

static void test_rapi_helpers(void **state)
{
	size_t n;
	char *d;

	assert_string_equal(rapi_scrub_error_type("Runtime.ImportModuleError"), "Runtime.ImportModuleError");
	assert_string_equal(rapi_scrub_error_type("x Function.Boom y"), "x Function.Boom y");
	assert_string_equal(rapi_scrub_error_type("Function.x"), "Function.Unknown");
	assert_string_equal(rapi_scrub_error_type("Unhandled"), "Runtime.Unknown");
	assert_string_equal(rapi_scrub_error_type(NULL), "Runtime.Unknown");
	d = rapi_base64_decode("aGVsbG8=", &n);
	assert_string_equal(d, "hello");
	assert_int_equal(n, 5);
	free(d);
	d = rapi_base64_decode("aGVsbG8", &n);
	assert_string_equal(d, "hello");
	free(d);
	assert_null(rapi_base64_decode("a", &n));
	assert_null(rapi_base64_decode("aGV*bG8=", &n));
}

/* ---- main ---- */

/* The bootstrap names the interpreter itself, not a wrapper (pyenv's
 * shims add variables of their own). */
static char *python_path(void)
{
	char buf[4096] = "";
	FILE *p = popen("python3 -c 'import sys; print(sys.executable)'", "r");

	if (!p || !fgets(buf, sizeof(buf), p))
		fail_msg("python3 is needed by these tests");
	pclose(p);
	buf[strcspn(buf, "\n")] = '\0';
	return xstrdup(buf);
}

static int group_setup(void **state)
{
	char *py = python_path();

	bootstrap_py = xasprintf("#!%s\n%s", py, bootstrap_body);
	free(py);
	snprintf(g_root, sizeof(g_root), "/tmp/steplocal-test-lambda-XXXXXX");
	assert_non_null(mkdtemp(g_root));
	make_dir("fn");
	write_file("fn/bootstrap", bootstrap_py, 0755);
	make_dir("empty");
	make_dir("noexec");
	write_file("noexec/bootstrap", bootstrap_py, 0644);
	make_dir("pyfn");
	make_dir("rt");
	make_dir("rt/python");
	write_file("rt/python/bootstrap.py", bootstrap_py, 0644);
	return 0;
}

static int group_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", g_root);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", g_root);
	free(cmd);
	free(g_logs);
	free(bootstrap_py);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rapi_helpers),
		cmocka_unit_test_setup_teardown(test_rapi_state_machine, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_echo_and_headers, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_and_log_lines, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_function_error, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_reserved_concurrency, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_account_concurrency, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_timeout, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_crashes, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_exit_during_init, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_response_too_large, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_and_second_answers, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_init_error, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_entrypoint, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_environment_variables, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_python_runtime, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_define_errors_and_redefine, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_cancel, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_log_cap, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_idle_reaping, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_free_leaves_no_process, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_daemons_end_with_their_environment, test_setup, test_teardown),
	};

	xalloc_init();
	/* steplocal's own environment must never reach a function. */
	setenv("SL_SECRET", "do-not-leak", 1);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
