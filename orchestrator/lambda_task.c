/* lambda_task.c - Task states that call local Lambda functions (see lambda_task.h). */
#include "lambda_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

#define INVOKE_RESOURCE "arn:aws:states:::lambda:invoke"

typedef struct fault_state {
	lt_fault f;
	long calls;             /* calls of the function seen by this fault */
	unsigned long long rng; /* for rate faults */
} fault_state;

struct lt_bridge {
	lam_service *svc;
	sl_loop *loop;
	char *region, *account;
	fault_state *faults;
	int nfaults;
	lam_log_fn log;
	void *log_ud;
	unsigned long long ids;  /* request ids of injected errors */
};

/* One Task attempt in flight. */
typedef struct call {
	lt_bridge *b;
	sl_task *t;
	lam_invocation *inv;
	int invoke_api;          /* arn:aws:states:::lambda:invoke: AWS's result shape */
	int callback;            /* .waitForTaskToken: the result comes from the API */
} call;

/* AWS's service-side Lambda errors: the name Step Functions reports, the
 * HTTP status and error code of the Lambda API, and its message.  A code
 * of NULL is a client-side error (no service part in the cause). */
static const struct service_error {
	const char *error;
	int status;
	const char *code;
	const char *message;
} service_errors[] = {
	{ "Lambda.ServiceException", 500, "ServiceException",
	  "The Lambda service encountered an internal error." },
	{ "Lambda.TooManyRequestsException", 429, "TooManyRequestsException", "Rate Exceeded." },
	{ "Lambda.AWSLambdaException", 502, "AWSLambdaException",
	  "Lambda encountered an unexpected error." },
	{ "Lambda.ResourceNotFoundException", 404, "ResourceNotFoundException", "Function not found" },
	{ "Lambda.SdkClientException", 0, NULL,
	  "Unable to execute HTTP request: Connect to lambda.amazonaws.com:443 failed: connect timed out" },
	{ "Lambda.ClientExecutionTimeoutException", 0, NULL,
	  "Client execution did not complete before the specified timeout configuration: 60000 millis" },
	{ "Lambda.Unknown", 0, NULL,
	  "The cause could not be determined because Lambda did not return an error type. Returned payload: null" },
};

static const struct service_error *find_service_error(const char *error)
{
	size_t i;

	for (i = 0; i < sizeof service_errors / sizeof *service_errors; i++)
		if (strcmp(service_errors[i].error, error) == 0)
			return &service_errors[i];
	return NULL;
}

char *lt_service_cause(const char *error, const char *request_id)
{
	const struct service_error *se = find_service_error(error);

	if (!se)
		return xasprintf("%s (injected by steplocal)", error);
	if (!se->code)
		return xstrdup(se->message);
	return xasprintf("%s (Service: AWSLambda; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
			 se->message, se->status, se->code, request_id);
}

static char *new_request_id(lt_bridge *b)
{
	unsigned long long x = ++b->ids * 0x9e3779b97f4a7c15ULL ^ (unsigned long long)time(NULL);

	return xasprintf("%08llx-%04llx-4%03llx-a%03llx-%012llx", x & 0xffffffffULL,
			 (x >> 32) & 0xffff, (x >> 20) & 0xfff, (x >> 8) & 0xfff,
			 (x * 31) & 0xffffffffffffULL);
}

char *lt_function_name(const char *ref, char **qualifier)
{
	const char *p = strstr(ref, ":function:");
	const char *colon;
	char *name;

	if (qualifier)
		*qualifier = NULL;
	if (p)
		p += strlen(":function:");
	else if (strncmp(ref, "arn:", 4) == 0)
		return NULL;
	else
		p = ref;
	colon = strchr(p, ':');
	name = colon ? xstrndup(p, (size_t)(colon - p)) : xstrdup(p);
	if (!*name) {
		free(name);
		return NULL;
	}
	if (colon && qualifier)
		*qualifier = xstrdup(colon + 1);
	return name;
}

lt_bridge *lt_new(lam_service *svc, sl_loop *loop, const char *region, const char *account,
		  const lt_fault *faults, int nfaults, lam_log_fn log, void *log_ud)
{
	lt_bridge *b = xcalloc(1, sizeof *b);

	b->svc = svc;
	b->loop = loop;
	b->region = xstrdup(region ? region : "us-east-1");
	b->account = xstrdup(account ? account : "123456789012");
	b->log = log;
	b->log_ud = log_ud;
	lt_set_faults(b, faults, nfaults);
	return b;
}

static void faults_free(lt_bridge *b)
{
	int i;

	for (i = 0; i < b->nfaults; i++) {
		free((char *)b->faults[i].f.function);
		free((char *)b->faults[i].f.error);
	}
	free(b->faults);
	b->faults = NULL;
	b->nfaults = 0;
}

void lt_set_faults(lt_bridge *b, const lt_fault *faults, int nfaults)
{
	int i;

	faults_free(b);
	b->faults = xcalloc((size_t)nfaults + 1, sizeof *b->faults);
	for (i = 0; i < nfaults; i++) {
		b->faults[i].f = faults[i];
		b->faults[i].f.function = xstrdup(faults[i].function);
		b->faults[i].f.error = xstrdup(faults[i].error);
		b->faults[i].rng = faults[i].seed * 6364136223846793005ULL + 1442695040888963407ULL;
	}
	b->nfaults = nfaults;
}

void lt_free(lt_bridge *b)
{
	if (!b)
		return;
	faults_free(b);
	free(b->region);
	free(b->account);
	free(b);
}

static double next_rand(fault_state *fs)
{
	fs->rng = fs->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(fs->rng >> 11) / 9007199254740992.0;
}

const char *lt_fault_check(lt_bridge *b, const char *function)
{
	const char *hit = NULL;
	int i;

	for (i = 0; i < b->nfaults; i++) {
		fault_state *fs = &b->faults[i];
		int fire;

		if (strcmp(fs->f.function, function) != 0)
			continue;
		fs->calls++;
		fire = fs->f.times > 0 ? fs->calls <= fs->f.times : next_rand(fs) < fs->f.rate;
		if (fire && !hit) {
			hit = fs->f.error;
			if (b->log) {
				char *line = fs->f.times > 0 ?
					xasprintf("steplocal: injected %s before the call reached %s (fault %ld of %d)",
						  hit, function, fs->calls, fs->f.times) :
					xasprintf("steplocal: injected %s before the call reached %s (rate %g)",
						  hit, function, fs->f.rate);

				b->log(b->log_ud, function, NULL, line);
				free(line);
			}
		}
	}
	return hit;
}

/* ---- results ---- */

static void rfc1123(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* The lambda:invoke result: the function's payload wrapped in the SDK's
 * response, as AWS returns it. */
static cJSON *invoke_result(const lam_result *r, cJSON *payload)
{
	cJSON *o = cJSON_CreateObject(), *meta, *all, *hdr;
	char len[32], date[64];
	const struct { const char *k, *v; } h[] = {
		{ "Connection", "keep-alive" },
		{ "Content-Length", len },
		{ "Content-Type", "application/json" },
		{ "Date", date },
		{ "X-Amz-Executed-Version", r->executed_version ? r->executed_version : "$LATEST" },
		{ "x-amzn-Remapped-Content-Length", "0" },
		{ "x-amzn-RequestId", r->request_id ? r->request_id : "" },
	};
	size_t i;

	snprintf(len, sizeof len, "%zu", r->len);
	rfc1123(date, sizeof date);
	cJSON_AddStringToObject(o, "ExecutedVersion", r->executed_version ? r->executed_version : "$LATEST");
	cJSON_AddItemToObject(o, "Payload", payload);
	meta = cJSON_AddObjectToObject(o, "SdkHttpMetadata");
	all = cJSON_AddObjectToObject(meta, "AllHttpHeaders");
	hdr = cJSON_AddObjectToObject(meta, "HttpHeaders");
	for (i = 0; i < sizeof h / sizeof *h; i++) {
		cJSON *arr = cJSON_AddArrayToObject(all, h[i].k);

		cJSON_AddItemToArray(arr, cJSON_CreateString(h[i].v));
		cJSON_AddStringToObject(hdr, h[i].k, h[i].v);
	}
	cJSON_AddNumberToObject(meta, "HttpStatusCode", 200);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "SdkResponseMetadata"), "RequestId",
				r->request_id ? r->request_id : "");
	cJSON_AddNumberToObject(o, "StatusCode", 200);
	return o;
}

/* Parses a payload as JSON; a payload that is not JSON becomes a string. */
static cJSON *parse_payload(const char *p, size_t n)
{
	cJSON *v = n ? js_parse(p, n, NULL) : cJSON_CreateNull();
	char *s;

	if (v)
		return v;
	s = xstrndup(p, n);
	v = cJSON_CreateString(s);
	free(s);
	return v;
}

static void call_done(void *ud, const lam_result *r)
{
	call *cl = ud;
	sl_task *t = cl->t;
	lt_bridge *b = cl->b;

	/* The task may end below (and be freed): forget it first. */
	ex_task_set_data(t, NULL);
	if (r->status == LAM_OK) {
		cJSON *v = parse_payload(r->payload, r->len);

		if (cl->callback) {
			/* .waitForTaskToken: the answer comes from SendTaskSuccess. */
			cJSON_Delete(v);
			free(cl);
			return;
		}
		ex_task_succeed(t, cl->invoke_api ? invoke_result(r, v) : v);
	} else if (r->status == LAM_FUNCTION_ERROR) {
		cJSON *v = r->len ? js_parse(r->payload, r->len, NULL) : NULL;
		const cJSON *et = js_get(v, "errorType");

		if (cJSON_IsString(et)) {
			/* The cause: the payload as the function sent it (direct
			 * ARN) or re-serialized compact (lambda:invoke). */
			char *cause = cl->invoke_api ? js_print(v) : xstrndup(r->payload, r->len);

			ex_task_fail(t, et->valuestring, cause);
			free(cause);
		} else {
			char *cause = xasprintf("The cause could not be determined because Lambda did not "
						"return an error type. Returned payload: %.*s",
						(int)r->len, r->payload ? r->payload : "");

			ex_task_fail(t, "Lambda.Unknown", cause);
			free(cause);
		}
		cJSON_Delete(v);
	} else {
		char *error = xasprintf("Lambda.%s", r->error_type ? r->error_type : "AWSLambdaException");
		char *cause = xasprintf("%s (Service: AWSLambda; Status Code: %d; Error Code: %s; "
					"Request ID: %s; Proxy: null)",
					r->message ? r->message : "", r->http_status,
					r->error_type ? r->error_type : "AWSLambdaException",
					r->request_id ? r->request_id : "");

		ex_task_fail(t, error, cause);
		free(error);
		free(cause);
	}
	free(cl);
	loop_kick(b->loop);
}

static void task_start(void *ud, sl_task *t)
{
	lt_bridge *b = ud;
	const char *res = ex_task_resource(t);
	const cJSON *in = ex_task_input(t);
	int invoke_api = strncmp(res, INVOKE_RESOURCE, strlen(INVOKE_RESOURCE)) == 0;
	const char *fault;
	char *name = NULL, *qual = NULL, *payload;
	lam_invoke_opts o = { 0 };
	lam_function *f;
	call *cl;

	if (invoke_api) {
		const cJSON *fn = js_get(in, "FunctionName"), *q = js_get(in, "Qualifier");
		const cJSON *cc = js_get(in, "ClientContext"), *pl = js_get(in, "Payload");

		if (!cJSON_IsString(fn)) {
			ex_task_fail(t, "States.Runtime",
				     "The Parameters of an arn:aws:states:::lambda:invoke Task need a FunctionName string");
			return;
		}
		name = lt_function_name(fn->valuestring, &qual);
		if (cJSON_IsString(q)) {
			free(qual);
			qual = xstrdup(q->valuestring);
		}
		if (cJSON_IsString(cc))
			o.client_context = cc->valuestring;
		payload = pl ? js_print(pl) : xstrdup("{}");
	} else if (strncmp(res, "arn:aws:lambda:", 15) == 0) {
		name = lt_function_name(res, &qual);
		payload = js_print(in);
	} else {
		ex_task_fail_unknown(t);
		return;
	}
	f = name ? lam_find(b->svc, name) : NULL;
	if (!f) {
		char *rid = new_request_id(b);
		char *cause = xasprintf("Function not found: arn:aws:lambda:%s:%s:function:%s (Service: AWSLambda; "
					"Status Code: 404; Error Code: ResourceNotFoundException; Request ID: %s; "
					"Proxy: null)", b->region, b->account, name ? name : res, rid);

		ex_task_fail(t, "Lambda.ResourceNotFoundException", cause);
		free(cause);
		free(rid);
		goto out;
	}
	if ((fault = lt_fault_check(b, name))) {
		char *rid = new_request_id(b);
		char *cause = lt_service_cause(fault, rid);

		ex_task_fail(t, fault, cause);
		free(cause);
		free(rid);
		goto out;
	}
	ex_task_started(t);
	cl = xcalloc(1, sizeof *cl);
	cl->b = b;
	cl->t = t;
	cl->invoke_api = invoke_api;
	cl->callback = strstr(res, ".waitForTaskToken") != NULL;
	o.qualifier = qual;
	ex_task_set_data(t, cl);
	cl->inv = lam_invoke(f, payload, strlen(payload), &o, call_done, cl);
out:
	free(payload);
	free(name);
	free(qual);
}

static void task_cancel(void *ud, sl_task *t)
{
	call *cl = ex_task_data(t);

	(void)ud;
	if (!cl)
		return;
	if (cl->inv)
		lam_cancel(cl->inv);
	ex_task_set_data(t, NULL);
	free(cl);
}

sl_task_handler lt_handler(lt_bridge *b)
{
	sl_task_handler h = { task_start, task_cancel, NULL, b };

	return h;
}
