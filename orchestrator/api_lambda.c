/* api_lambda.c - the AWS Lambda REST API of `steplocal serve`: a route table, Invoke, the function records (see api_lambda.h). */
#include "api_lambda.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>

#include "pkg.h"
#include "project.h"
#include "xalloc.h"

#define LAPI_CTYPE          "application/json"
#define LAPI_MAX_SYNC       6291456   /* bytes of a RequestResponse payload */
#define LAPI_MAX_EVENT      1048576   /* bytes of an Event payload */
#define LAPI_LOG_TAIL       4096      /* bytes of X-Amz-Log-Result */
#define LAPI_MAX_NAME       64        /* characters in a function name */
#define LAPI_MAX_ZIP        (50 * 1024 * 1024) /* bytes of Code.ZipFile, AWS's direct upload quota */
#define LAPI_MAX_CODE_REQ   69905067  /* bytes of a CreateFunction or UpdateFunctionCode request */
#define LAPI_PAGE_DEFAULT   50        /* ListFunctions' MaxItems default */
#define LAPI_MAX_SEGMENTS   8         /* path segments a route has at most */
/* Asynchronous (Event) invocations, as Lambda's own queue handles them:
 * function errors are retried twice, a minute and then two minutes after
 * the failure; throttles and service errors are retried with a backoff
 * from 1 s doubling to 5 minutes, for as long as the event is younger than
 * 6 hours.  Delays and that age are scaled by --wait-scale. */
#define LAPI_ASYNC_RETRIES      2
#define LAPI_ASYNC_FIRST_DELAY  60.0
#define LAPI_ASYNC_BACKOFF_MIN  1.0
#define LAPI_ASYNC_BACKOFF_MAX  300.0
#define LAPI_ASYNC_MAX_AGE      21600.0

/* What the API reports about a function; the lam_function runs it. */
typedef struct fn_rec {
	struct fn_rec *next;
	char *name, *runtime, *handler, *role, *description, *code, *code_dir;
	char *sha256;             /* base64 of the SHA-256 of the package */
	long code_size;
	int timeout, memory, reserved;   /* reserved < 0: unreserved */
	cJSON *env;               /* {"K": "V"} */
	double modified;
	char revision[40];
	lam_function *f;
} fn_rec;

/* An Invoke waiting for its invocation to end. */
typedef struct pending {
	struct pending *next, *prev;
	lamapi *a;
	struct evhttp_request *req;
	int tail;                 /* X-Amz-Log-Type: Tail */
} pending;

/* An Event invocation in Lambda's queue: running, or waiting to be tried
 * again.  The function is found again by name at each attempt (it may be
 * updated or deleted meanwhile). */
typedef struct async_ev {
	struct async_ev *next, *prev;
	lamapi *a;
	char *function, *payload, *qualifier, *trace_id;
	size_t len;
	int errors;               /* function errors so far */
	double queued, backoff;   /* monotonic seconds; the next throttle delay */
	lam_invocation *inv;      /* the attempt running, or NULL */
	struct event *timer;
} async_ev;

struct lamapi {
	sv_server *s;
	fn_rec *fns;              /* in creation order */
	pending *waiting;
	async_ev *queue;          /* Event invocations not finished */
	char *cache;              /* where uploaded packages go */
};

/* One request being answered: the route's captured segment (the function
 * name, URL-decoded) and the query. */
typedef struct lam_call {
	lamapi *a;
	struct evhttp_request *req;
	const char *body;
	size_t len;
	char *name;
	struct evkeyvalq query;
} lam_call;

/* ---- replies and errors ---- */

/* Answers AWS's Lambda error: the status, x-amzn-ErrorType, and a body
 * {"Type":"User","message":...} (ResourceNotFoundException writes
 * "Message"; throttling adds "Reason"). */
static void lfail(lam_call *c, int status, const char *type, const char *reason,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void lfail(lam_call *c, int status, const char *type, const char *reason,
		  const char *fmt, ...)
{
	cJSON *o = cJSON_CreateObject();
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	evhttp_add_header(evhttp_request_get_output_headers(c->req), "x-amzn-ErrorType", type);
	if (reason)
		cJSON_AddStringToObject(o, "Reason", reason);
	cJSON_AddStringToObject(o, "Type", status >= 500 ? "Service" : "User");
	cJSON_AddStringToObject(o, strcmp(type, "ResourceNotFoundException") == 0 ? "Message" : "message",
				msg);
	free(msg);
	sv_reply_json(c->a->s, c->req, status, LAPI_CTYPE, o);
}

static void not_found(lam_call *c, const char *name, const char *qualifier)
{
	lfail(c, 404, "ResourceNotFoundException", NULL, "Function not found: arn:aws:lambda:%s:%s:function:%s%s%s",
	      c->a->s->region, c->a->s->account, name, qualifier ? ":" : "", qualifier ? qualifier : "");
}

/* ---- function records ---- */

static fn_rec *rec_find(lamapi *a, const char *name)
{
	fn_rec *r;

	for (r = a->fns; r; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* Frees what a record owns except its name (update() shares it). */
static void rec_fields_free(fn_rec *r)
{
	free(r->runtime);
	free(r->handler);
	free(r->role);
	free(r->description);
	free(r->code);
	free(r->code_dir);
	free(r->sha256);
	cJSON_Delete(r->env);
}

static void rec_free(fn_rec *r)
{
	rec_fields_free(r);
	free(r->name);
	free(r);
}

static void rec_touch(lamapi *a, fn_rec *r)
{
	unsigned int x = (unsigned int)rand(), y = (unsigned int)rand();

	r->modified = ex_engine_now(a->s->g);
	snprintf(r->revision, sizeof r->revision, "%08x-%04x-4%03x-a%03x-%012x", x, y & 0xffff,
		 (y >> 16) & 0xfff, x & 0xfff, x ^ y);
}

/* SHA-256 of bytes: base64 (as CodeSha256) into *b64 and lowercase hex
 * into hex (65 bytes). */
static void digest(const void *data, size_t len, char **b64, char *hex)
{
	unsigned char md[32];
	unsigned int n = 0;
	int i;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	*b64 = sv_base64(md, sizeof md);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Defines (again) the function of record r with the Lambda service.
 * Returns 0, or -1 with *err owned. */
static int rec_define(lamapi *a, fn_rec *r, char **err)
{
	lam_config lc = { 0 };
	char **env;
	const cJSON *v;
	int n = cJSON_GetArraySize(r->env), k = 0;
	lam_function *f;

	env = xcalloc((size_t)n + 1, sizeof *env);
	cJSON_ArrayForEach(v, r->env)
		env[k++] = xasprintf("%s=%s", v->string, cJSON_IsString(v) ? v->valuestring : "");
	lc.name = r->name;
	lc.runtime = r->runtime;
	lc.handler = r->handler;
	lc.code_dir = r->code_dir;
	lc.timeout = r->timeout;
	lc.memory = r->memory;
	lc.reserved = r->reserved;
	lc.env = (const char *const *)env;
	f = lam_define(a->s->ws.svc, &lc, err);
	for (k = 0; k < n; k++)
		free(env[k]);
	free(env);
	if (!f)
		return -1;
	r->f = f;
	rec_touch(a, r);
	return 0;
}

static const char *last_modified(double t, char *buf, size_t n)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((t - (double)s) * 1000) % 1000);
	return buf;
}

/* FunctionConfiguration, as AWS returns it. */
static cJSON *rec_config(lamapi *a, const fn_rec *r, const char *state)
{
	cJSON *o = cJSON_CreateObject(), *e, *arch;
	char buf[96], *group;

	cJSON_AddStringToObject(o, "FunctionName", r->name);
	cJSON_AddStringToObject(o, "FunctionArn", lam_function_arn(r->f));
	cJSON_AddStringToObject(o, "Runtime", r->runtime);
	cJSON_AddStringToObject(o, "Role", r->role);
	cJSON_AddStringToObject(o, "Handler", r->handler ? r->handler : "bootstrap");
	cJSON_AddNumberToObject(o, "CodeSize", (double)r->code_size);
	cJSON_AddStringToObject(o, "CodeSha256", r->sha256);
	cJSON_AddStringToObject(o, "Description", r->description ? r->description : "");
	cJSON_AddNumberToObject(o, "Timeout", r->timeout);
	cJSON_AddNumberToObject(o, "MemorySize", r->memory);
	cJSON_AddStringToObject(o, "LastModified", last_modified(r->modified, buf, sizeof buf));
	cJSON_AddStringToObject(o, "Version", "$LATEST");
	e = cJSON_AddObjectToObject(o, "Environment");
	cJSON_AddItemToObject(e, "Variables", js_dup(r->env));
	e = cJSON_AddObjectToObject(o, "TracingConfig");
	cJSON_AddStringToObject(e, "Mode", "PassThrough");
	cJSON_AddStringToObject(o, "RevisionId", r->revision);
	cJSON_AddStringToObject(o, "State", state);
	if (strcmp(state, "Pending") == 0) {
		cJSON_AddStringToObject(o, "StateReason", "The function is being created.");
		cJSON_AddStringToObject(o, "StateReasonCode", "Creating");
	} else {
		cJSON_AddStringToObject(o, "LastUpdateStatus", "Successful");
	}
	cJSON_AddStringToObject(o, "PackageType", "Zip");
	arch = cJSON_AddArrayToObject(o, "Architectures");
	cJSON_AddItemToArray(arch, cJSON_CreateString("x86_64"));
	e = cJSON_AddObjectToObject(o, "EphemeralStorage");
	cJSON_AddNumberToObject(e, "Size", 512);
	e = cJSON_AddObjectToObject(o, "LoggingConfig");
	cJSON_AddStringToObject(e, "LogFormat", "Text");
	group = xasprintf("/aws/lambda/%s", r->name);
	cJSON_AddStringToObject(e, "LogGroup", group);
	free(group);
	(void)a;
	return o;
}

/* The record a path's function reference names (a name, NAME:QUALIFIER,
 * or an ARN), or NULL once 404 is sent.  *qualifier (may be NULL) gets
 * the owned qualifier of the reference or of ?Qualifier=. */
static fn_rec *rec_get(lam_call *c, char **qualifier)
{
	char *qual = NULL, *name = lt_function_name(c->name, &qual);
	const char *q = evhttp_find_header(&c->query, "Qualifier");
	fn_rec *r = name ? rec_find(c->a, name) : NULL;

	if (q) {
		free(qual);
		qual = xstrdup(q);
	}
	if (!r)
		not_found(c, name ? name : c->name, qualifier ? (qual ? qual : "$LATEST") : NULL);
	if (qualifier && r)
		*qualifier = qual;
	else
		free(qual);
	free(name);
	return r;
}

/* ---- Invoke ---- */

static void pending_unlink(pending *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		p->a->waiting = p->next;
	if (p->next)
		p->next->prev = p->prev;
}

static void invoke_done(void *ud, const lam_result *r)
{
	pending *p = ud;
	sv_server *s = p->a->s;
	struct evkeyvalq *h = evhttp_request_get_output_headers(p->req);

	pending_unlink(p);
	if (r->request_id)
		evhttp_add_header(h, "x-amzn-RequestId", r->request_id);
	if (r->status == LAM_API_ERROR) {
		lam_call c = { 0 };

		c.a = p->a;
		c.req = p->req;
		lfail(&c, r->http_status ? r->http_status : 500,
		      r->error_type ? r->error_type : "ServiceException", r->reason, "%s",
		      r->message ? r->message : "");
		free(p);
		return;
	}
	evhttp_add_header(h, "X-Amz-Executed-Version", r->executed_version ? r->executed_version : "$LATEST");
	if (r->status == LAM_FUNCTION_ERROR)
		evhttp_add_header(h, "X-Amz-Function-Error", "Unhandled");
	if (p->tail && r->log_tail) {
		size_t n = strlen(r->log_tail);
		const char *t = n > LAPI_LOG_TAIL ? r->log_tail + n - LAPI_LOG_TAIL : r->log_tail;
		char *b = sv_base64(t, strlen(t));

		evhttp_add_header(h, "X-Amz-Log-Result", b);
		free(b);
	}
	sv_reply(s, p->req, 200, LAPI_CTYPE, r->payload, r->len);
	free(p);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void async_free(async_ev *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		e->a->queue = e->next;
	if (e->next)
		e->next->prev = e->prev;
	if (e->inv)
		lam_cancel(e->inv);
	event_free(e->timer);
	free(e->function);
	free(e->payload);
	free(e->qualifier);
	free(e->trace_id);
	free(e);
}

static void async_done(void *ud, const lam_result *r);

/* One attempt of an Event invocation. */
static void async_try(evutil_socket_t fd, short what, void *arg)
{
	async_ev *e = arg;
	lam_function *f = lam_find(e->a->s->ws.svc, e->function);
	lam_invoke_opts o = { 0 };

	(void)fd;
	(void)what;
	if (!f) {
		fprintf(stderr, "steplocal serve: an Event invocation of %s is dropped: the function "
			"was deleted\n", e->function);
		async_free(e);
		return;
	}
	o.qualifier = e->qualifier;
	o.trace_id = e->trace_id;
	e->inv = lam_invoke(f, e->payload, e->len, &o, async_done, e);
}

static void async_later(async_ev *e, double seconds)
{
	double scaled = seconds * e->a->s->wait_scale;
	struct timeval tv;

	tv.tv_sec = (time_t)scaled;
	tv.tv_usec = (suseconds_t)((scaled - (double)tv.tv_sec) * 1e6);
	evtimer_add(e->timer, &tv);
}

/* Event invocations are answered at once (202); what becomes of them is
 * Lambda's: retried as LAPI_ASYNC_* says, then dropped (on AWS, to a
 * destination or dead-letter queue, which steplocal does not emulate). */
static void async_done(void *ud, const lam_result *r)
{
	async_ev *e = ud;
	double age = mono_s() - e->queued;

	e->inv = NULL;
	if (r->status == LAM_OK) {
		async_free(e);
		return;
	}
	if (r->status == LAM_API_ERROR && (r->http_status == 429 || r->http_status >= 500)) {
		if (age + e->backoff * e->a->s->wait_scale > LAPI_ASYNC_MAX_AGE * e->a->s->wait_scale) {
			fprintf(stderr, "steplocal serve: an Event invocation of %s is dropped: still %s "
				"after %.0f s\n", e->function, r->error_type ? r->error_type : "failing", age);
			async_free(e);
			return;
		}
		fprintf(stderr, "steplocal serve: the Event invocation of %s is retried in %g s (%s)\n",
			e->function, e->backoff, r->error_type ? r->error_type : "throttled");
		async_later(e, e->backoff);
		e->backoff = e->backoff * 2 > LAPI_ASYNC_BACKOFF_MAX ? LAPI_ASYNC_BACKOFF_MAX : e->backoff * 2;
		return;
	}
	if (r->status == LAM_FUNCTION_ERROR && e->errors < LAPI_ASYNC_RETRIES) {
		double delay = LAPI_ASYNC_FIRST_DELAY * (e->errors + 1);

		e->errors++;
		fprintf(stderr, "steplocal serve: the Event invocation of %s failed (%s); retry %d of %d "
			"in %g s\n", e->function, r->error_type ? r->error_type : "Unhandled", e->errors,
			LAPI_ASYNC_RETRIES, delay);
		async_later(e, delay);
		return;
	}
	fprintf(stderr, "steplocal serve: an Event invocation of %s is dropped after %d attempt%s "
		"(%s)\n", e->function, e->errors + 1, e->errors ? "s" : "",
		r->error_type ? r->error_type : "failed");
	async_free(e);
}

static void async_start(lamapi *a, const fn_rec *r, const char *payload, size_t len,
			const lam_invoke_opts *o)
{
	async_ev *e = xcalloc(1, sizeof *e);

	e->a = a;
	e->function = xstrdup(r->name);
	e->payload = xmalloc(len + 1);
	memcpy(e->payload, payload, len);
	e->payload[len] = '\0';
	e->len = len;
	e->qualifier = o->qualifier ? xstrdup(o->qualifier) : NULL;
	e->trace_id = o->trace_id ? xstrdup(o->trace_id) : NULL;
	e->queued = mono_s();
	e->backoff = LAPI_ASYNC_BACKOFF_MIN;
	e->timer = evtimer_new(a->s->base, async_try, e);
	e->next = a->queue;
	if (e->next)
		e->next->prev = e;
	a->queue = e;
	async_try(-1, 0, e);
}

static void do_invoke(lam_call *c)
{
	static const char *const types[] = { "RequestResponse", "Event", "DryRun" };
	struct evkeyvalq *in = evhttp_request_get_input_headers(c->req);
	const char *type = evhttp_find_header(in, "X-Amz-Invocation-Type");
	const char *logtype = evhttp_find_header(in, "X-Amz-Log-Type");
	lam_invoke_opts o = { 0 };
	char *qual = NULL;
	const char *payload = c->body;
	size_t len = c->len, off = 0;
	fn_rec *r;
	cJSON *v;
	int t;

	if (!type)
		type = "RequestResponse";
	for (t = 0; t < 3 && strcmp(type, types[t]) != 0; t++)
		;
	if (t == 3)
		return lfail(c, 400, "InvalidParameterValueException", NULL, "1 validation error detected: "
			     "Value '%s' at 'invocationType' failed to satisfy constraint: Member must "
			     "satisfy enum value set: [Event, RequestResponse, DryRun]", type);
	if (!(r = rec_get(c, &qual)))
		return;
	if (t == 0 && len > LAPI_MAX_SYNC) {
		free(qual);
		return lfail(c, 413, "RequestEntityTooLargeException", NULL, "Request must be smaller "
			     "than %d bytes for the InvokeFunction operation", LAPI_MAX_SYNC);
	}
	if (t == 1 && len > LAPI_MAX_EVENT) {
		free(qual);
		return lfail(c, 413, "RequestEntityTooLargeException", NULL, "%zu byte payload is too "
			     "large for the Event invocation type (limit %d bytes)", len, LAPI_MAX_EVENT);
	}
	if (len) {
		if (!(v = js_parse(payload, len, &off))) {
			free(qual);
			return lfail(c, 400, "InvalidRequestContentException", NULL, "Could not parse request "
				     "body into json: Could not parse payload into json: Unexpected "
				     "character at offset %zu", off);
		}
		cJSON_Delete(v);
	} else {
		payload = "{}";
		len = 2;
	}
	o.qualifier = qual;
	o.client_context = evhttp_find_header(in, "X-Amz-Client-Context");
	o.trace_id = evhttp_find_header(in, "X-Amzn-Trace-Id");
	if (t == 2) {
		sv_reply(c->a->s, c->req, 204, NULL, NULL, 0);
	} else if (t == 1) {
		async_start(c->a, r, payload, len, &o);
		sv_reply(c->a->s, c->req, 202, NULL, NULL, 0);
	} else {
		pending *p = xcalloc(1, sizeof *p);

		p->a = c->a;
		p->req = c->req;
		p->tail = logtype && strcmp(logtype, "Tail") == 0;
		p->next = c->a->waiting;
		if (p->next)
			p->next->prev = p;
		c->a->waiting = p;
		lam_invoke(r->f, payload, len, &o, invoke_done, p);
	}
	free(qual);
}

/* ---- the control plane ---- */

static void do_get_config(lam_call *c)
{
	fn_rec *r = rec_get(c, NULL);

	if (r)
		sv_reply_json(c->a->s, c->req, 200, LAPI_CTYPE, rec_config(c->a, r, "Active"));
}

static void do_get(lam_call *c)
{
	fn_rec *r = rec_get(c, NULL);
	cJSON *o, *code;
	char *loc;

	if (!r)
		return;
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "Configuration", rec_config(c->a, r, "Active"));
	code = cJSON_AddObjectToObject(o, "Code");
	cJSON_AddStringToObject(code, "RepositoryType", "S3");
	loc = xasprintf("file://%s", r->code);
	cJSON_AddStringToObject(code, "Location", loc);
	free(loc);
	if (r->reserved >= 0) {
		cJSON *cc = cJSON_AddObjectToObject(o, "Concurrency");

		cJSON_AddNumberToObject(cc, "ReservedConcurrentExecutions", r->reserved);
	}
	sv_reply_json(c->a->s, c->req, 200, LAPI_CTYPE, o);
}

static void do_list(lam_call *c)
{
	const char *marker = evhttp_find_header(&c->query, "Marker");
	const char *max = evhttp_find_header(&c->query, "MaxItems");
	long from = marker ? strtol(marker, NULL, 10) : 0, count = max ? strtol(max, NULL, 10) : 0;
	long i = 0, n = 0;
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "Functions");
	fn_rec *r;

	if (count <= 0 || count > 10000)
		count = LAPI_PAGE_DEFAULT;
	for (r = c->a->fns; r; r = r->next, n++)
		if (n >= from && i < count) {
			cJSON_AddItemToArray(arr, rec_config(c->a, r, "Active"));
			i++;
		}
	if (from + i < n) {
		char buf[32];

		snprintf(buf, sizeof buf, "%ld", from + i);
		cJSON_AddStringToObject(o, "NextMarker", buf);
	}
	sv_reply_json(c->a->s, c->req, 200, LAPI_CTYPE, o);
}

/* Parses the JSON body as an object, or answers AWS's error. */
static cJSON *body_object(lam_call *c)
{
	cJSON *b = c->len ? js_parse(c->body, c->len, NULL) : NULL;

	if (!cJSON_IsObject(b)) {
		cJSON_Delete(b);
		lfail(c, 400, "InvalidRequestContentException", NULL,
		      "Could not parse request body into json: the body must be a JSON object");
		return NULL;
	}
	return b;
}

/* Code.ZipFile: decodes it, writes it once by content under the cache and
 * extracts it with pkg_resolve.  Sets the record's code fields; returns 0,
 * or -1 once the error is sent. */
static int take_zip(lam_call *c, fn_rec *r, const cJSON *code)
{
	const cJSON *zf = js_get(code, "ZipFile");
	unsigned char *zip;
	size_t len = 0;
	char hex[65], *sha = NULL, *path, *dir, *err = NULL;
	FILE *f;

	if (!cJSON_IsObject(code) || !cJSON_IsString(zf)) {
		lfail(c, 400, "InvalidParameterValueException", NULL, "steplocal takes Code.ZipFile "
		      "(S3 and image packages are not emulated)");
		return -1;
	}
	if (strlen(zf->valuestring) > LAPI_MAX_ZIP / 3 * 4 + 4 ||
	    !(zip = sv_unbase64(zf->valuestring, &len))) {
		lfail(c, 400, "InvalidParameterValueException", NULL,
		      "Could not unzip uploaded file. Please check your file, then try to upload again.");
		return -1;
	}
	digest(zip, len, &sha, hex);
	path = xasprintf("%s/%s.zip", c->a->cache, hex);
	f = fopen(path, "wb");
	if (!f || fwrite(zip, 1, len, f) != len) {
		lfail(c, 500, "ServiceException", NULL, "steplocal cannot write %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		free(zip);
		free(sha);
		free(path);
		return -1;
	}
	fclose(f);
	free(zip);
	dir = pkg_resolve(path, c->a->cache, &err);
	if (!dir) {
		lfail(c, 400, "InvalidZipFileException", NULL, "%s", err ? err : "bad zip");
		free(err);
		free(sha);
		free(path);
		return -1;
	}
	free(r->code);
	free(r->code_dir);
	free(r->sha256);
	r->code = path;
	r->code_dir = dir;
	r->sha256 = sha;
	r->code_size = (long)len;
	return 0;
}

/* The configuration members of CreateFunction / UpdateFunctionConfiguration
 * into r; returns 0, or -1 once the error is sent. */
static int take_config(lam_call *c, fn_rec *r, const cJSON *b)
{
	const cJSON *v;
	proj_lang lang;

	if ((v = js_get(b, "Runtime"))) {
		const char *rt = cJSON_IsString(v) ? proj_runtime_find(v->valuestring, &lang) : NULL;

		if (!rt) {
			lfail(c, 400, "InvalidParameterValueException", NULL, "Value %s at 'runtime' failed "
			      "to satisfy constraint: steplocal runs python3.x, nodejs18.x..22.x, provided, "
			      "provided.al2 and provided.al2023", cJSON_IsString(v) ? v->valuestring : "?");
			return -1;
		}
		free(r->runtime);
		r->runtime = xstrdup(rt);
	}
	if (cJSON_IsString(v = js_get(b, "Handler"))) {
		free(r->handler);
		r->handler = xstrdup(v->valuestring);
	}
	if (cJSON_IsString(v = js_get(b, "Role"))) {
		free(r->role);
		r->role = xstrdup(v->valuestring);
	}
	if (cJSON_IsString(v = js_get(b, "Description"))) {
		free(r->description);
		r->description = xstrdup(v->valuestring);
	}
	if ((v = js_get(b, "Timeout"))) {
		if (!js_is_integer(v) || v->valuedouble < 1 || v->valuedouble > PROJ_MAX_TIMEOUT) {
			lfail(c, 400, "InvalidParameterValueException", NULL, "1 validation error detected: "
			      "Value at 'timeout' failed to satisfy constraint: Member must have value "
			      "between 1 and %d", PROJ_MAX_TIMEOUT);
			return -1;
		}
		r->timeout = (int)v->valuedouble;
	}
	if ((v = js_get(b, "MemorySize"))) {
		if (!js_is_integer(v) || v->valuedouble < PROJ_MIN_MEMORY || v->valuedouble > PROJ_MAX_MEMORY) {
			lfail(c, 400, "InvalidParameterValueException", NULL, "1 validation error detected: "
			      "Value at 'memorySize' failed to satisfy constraint: Member must have value "
			      "between %d and %d", PROJ_MIN_MEMORY, PROJ_MAX_MEMORY);
			return -1;
		}
		r->memory = (int)v->valuedouble;
	}
	if ((v = js_get(b, "Environment"))) {
		const cJSON *vars = js_get(v, "Variables"), *e;

		if (vars && !cJSON_IsObject(vars)) {
			lfail(c, 400, "InvalidParameterValueException", NULL,
			      "Environment.Variables must be an object of strings");
			return -1;
		}
		cJSON_ArrayForEach(e, vars)
			if (!cJSON_IsString(e)) {
				lfail(c, 400, "InvalidParameterValueException", NULL,
				      "Environment variable %s: the value must be a string", e->string);
				return -1;
			}
		cJSON_Delete(r->env);
		r->env = vars ? js_dup(vars) : cJSON_CreateObject();
	}
	return 0;
}

static int name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= LAPI_MAX_NAME && strspn(name,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* Whether the request is over AWS's size for an operation that carries a
 * zip (its base64 and the rest of the JSON); answers AWS's error. */
static int code_request_too_large(lam_call *c, const char *op)
{
	if (c->len <= LAPI_MAX_CODE_REQ)
		return 0;
	lfail(c, 413, "RequestEntityTooLargeException", NULL, "Request must be smaller than "
	      "%d bytes for the %s operation", LAPI_MAX_CODE_REQ, op);
	return 1;
}

static void do_create(lam_call *c)
{
	cJSON *b;
	const cJSON *name, *role;
	fn_rec *r, **tail;
	char *err = NULL;

	if (code_request_too_large(c, "CreateFunction") || !(b = body_object(c)))
		return;
	name = js_get(b, "FunctionName");
	role = js_get(b, "Role");
	if (!cJSON_IsString(name) || !cJSON_IsString(role) || !js_get(b, "Code")) {
		cJSON_Delete(b);
		return lfail(c, 400, "InvalidParameterValueException", NULL,
			     "FunctionName, Role and Code are required");
	}
	if (!name_ok(name->valuestring)) {
		lfail(c, 400, "InvalidParameterValueException", NULL, "1 validation error detected: Value "
		      "'%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular "
		      "expression pattern: [a-zA-Z0-9-_]{1,64}", name->valuestring);
		cJSON_Delete(b);
		return;
	}
	if (rec_find(c->a, name->valuestring)) {
		lfail(c, 409, "ResourceConflictException", NULL, "Function already exist: %s",
		      name->valuestring);
		cJSON_Delete(b);
		return;
	}
	r = xcalloc(1, sizeof *r);
	r->name = xstrdup(name->valuestring);
	r->timeout = PROJ_DEFAULT_TIMEOUT;
	r->memory = PROJ_DEFAULT_MEMORY;
	r->reserved = -1;
	r->env = cJSON_CreateObject();
	if (take_config(c, r, b) || take_zip(c, r, js_get(b, "Code"))) {
		rec_free(r);
		cJSON_Delete(b);
		return;
	}
	if (!r->runtime) {
		rec_free(r);
		cJSON_Delete(b);
		return lfail(c, 400, "InvalidParameterValueException", NULL,
			     "The runtime parameter is required for .zip packages");
	}
	if (rec_define(c->a, r, &err)) {
		lfail(c, 400, "InvalidParameterValueException", NULL, "%s", err ? err : "bad function");
		free(err);
		rec_free(r);
		cJSON_Delete(b);
		return;
	}
	for (tail = &c->a->fns; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	cJSON_Delete(b);
	sv_reply_json(c->a->s, c->req, 201, LAPI_CTYPE, rec_config(c->a, r, "Pending"));
}

static void do_delete(lam_call *c)
{
	fn_rec *r = rec_get(c, NULL), **p;

	if (!r)
		return;
	for (p = &c->a->fns; *p != r; p = &(*p)->next)
		;
	*p = r->next;
	lam_remove(c->a->s->ws.svc, r->f);
	rec_free(r);
	sv_reply(c->a->s, c->req, 204, NULL, NULL, 0);
}

/* UpdateFunctionCode and UpdateFunctionConfiguration: the record is
 * changed on a copy of its fields and defined again; a refused change
 * leaves the function as it was. */
static void update(lam_call *c, int code)
{
	fn_rec *r, tmp;
	cJSON *b;
	char *err = NULL;

	if (code && code_request_too_large(c, "UpdateFunctionCode"))
		return;
	if (!(r = rec_get(c, NULL)) || !(b = body_object(c)))
		return;
	tmp = *r;
	tmp.runtime = xstrdup(r->runtime);
	tmp.handler = r->handler ? xstrdup(r->handler) : NULL;
	tmp.role = xstrdup(r->role);
	tmp.description = r->description ? xstrdup(r->description) : NULL;
	tmp.code = xstrdup(r->code);
	tmp.code_dir = xstrdup(r->code_dir);
	tmp.sha256 = xstrdup(r->sha256);
	tmp.env = js_dup(r->env);
	if (code ? take_zip(c, &tmp, js_get(b, "ZipFile") ? b : NULL) : take_config(c, &tmp, b))
		goto fail;
	if (rec_define(c->a, &tmp, &err)) {
		lfail(c, 400, "InvalidParameterValueException", NULL, "%s", err ? err : "bad function");
		free(err);
		goto fail;
	}
	rec_fields_free(r);
	*r = tmp;
	cJSON_Delete(b);
	sv_reply_json(c->a->s, c->req, 200, LAPI_CTYPE, rec_config(c->a, r, "Active"));
	return;
fail:
	rec_fields_free(&tmp);
	cJSON_Delete(b);
}

static void do_update_code(lam_call *c) { update(c, 1); }
static void do_update_config(lam_call *c) { update(c, 0); }

static void concurrency_reply(lam_call *c, const fn_rec *r)
{
	cJSON *o = cJSON_CreateObject();

	if (r->reserved >= 0)
		cJSON_AddNumberToObject(o, "ReservedConcurrentExecutions", r->reserved);
	sv_reply_json(c->a->s, c->req, 200, LAPI_CTYPE, o);
}

static void do_put_concurrency(lam_call *c)
{
	fn_rec *r = rec_get(c, NULL);
	const cJSON *n;
	cJSON *b;

	if (!r || !(b = body_object(c)))
		return;
	n = js_get(b, "ReservedConcurrentExecutions");
	if (!js_is_integer(n) || n->valuedouble < 0 || n->valuedouble > 100000) {
		cJSON_Delete(b);
		return lfail(c, 400, "InvalidParameterValueException", NULL, "1 validation error detected: "
			     "Value at 'reservedConcurrentExecutions' failed to satisfy constraint: Member "
			     "must have value greater than or equal to 0");
	}
	r->reserved = (int)n->valuedouble;
	cJSON_Delete(b);
	rec_define(c->a, r, NULL);
	concurrency_reply(c, r);
}

static void do_delete_concurrency(lam_call *c)
{
	fn_rec *r = rec_get(c, NULL);

	if (!r)
		return;
	r->reserved = -1;
	rec_define(c->a, r, NULL);
	sv_reply(c->a->s, c->req, 204, NULL, NULL, 0);
}

static void do_get_concurrency(lam_call *c)
{
	fn_rec *r = rec_get(c, NULL);

	if (r)
		concurrency_reply(c, r);
}

/* ---- the route table ---- */

/* A path pattern: "*" matches one segment, the function reference. */
static const struct route {
	enum evhttp_cmd_type method;
	const char *pattern;
	void (*fn)(lam_call *c);
} routes[] = {
	{ EVHTTP_REQ_POST, "/2015-03-31/functions/*/invocations", do_invoke },
	{ EVHTTP_REQ_GET, "/2015-03-31/functions", do_list },
	{ EVHTTP_REQ_POST, "/2015-03-31/functions", do_create },
	{ EVHTTP_REQ_GET, "/2015-03-31/functions/*", do_get },
	{ EVHTTP_REQ_DELETE, "/2015-03-31/functions/*", do_delete },
	{ EVHTTP_REQ_GET, "/2015-03-31/functions/*/configuration", do_get_config },
	{ EVHTTP_REQ_PUT, "/2015-03-31/functions/*/configuration", do_update_config },
	{ EVHTTP_REQ_PUT, "/2015-03-31/functions/*/code", do_update_code },
	{ EVHTTP_REQ_PUT, "/2017-10-31/functions/*/concurrency", do_put_concurrency },
	{ EVHTTP_REQ_DELETE, "/2017-10-31/functions/*/concurrency", do_delete_concurrency },
	{ EVHTTP_REQ_GET, "/2019-09-30/functions/*/concurrency", do_get_concurrency },
};

static const char *const prefixes[] = { "/2015-03-31/", "/2017-10-31/", "/2019-09-30/" };

/* Whether path matches pattern; the "*" segment is copied into *seg
 * (owned, not yet decoded).  A trailing slash is ignored. */
static int route_match(const char *pattern, const char *path, char **seg)
{
	*seg = NULL;
	for (;;) {
		size_t pn = strcspn(pattern, "/"), sn = strcspn(path, "/");

		if (pn == 1 && *pattern == '*') {
			if (sn == 0)
				goto no;
			free(*seg);
			*seg = xstrndup(path, sn);
		} else if (pn != sn || strncmp(pattern, path, pn) != 0) {
			goto no;
		}
		pattern += pn;
		path += sn;
		if (!*pattern && (!*path || (path[0] == '/' && !path[1])))
			return 1;
		if (!*pattern || !*path)
			goto no;
		pattern++;
		path++;
	}
no:
	free(*seg);
	*seg = NULL;
	return 0;
}

int lamapi_handle(lamapi *a, struct evhttp_request *req, const char *path,
		  const char *body, size_t len)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	lam_call c = { 0 };
	char *seg = NULL;
	size_t i;
	int known = 0;

	for (i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		known |= strncmp(path, prefixes[i], strlen(prefixes[i])) == 0;
	if (!known)
		return -1;
	c.a = a;
	c.req = req;
	c.body = body;
	c.len = len;
	TAILQ_INIT(&c.query);
	if (uri && evhttp_uri_get_query(uri))
		evhttp_parse_query_str(evhttp_uri_get_query(uri), &c.query);
	for (i = 0; i < sizeof routes / sizeof *routes; i++) {
		if (routes[i].method != m || !route_match(routes[i].pattern, path, &seg))
			continue;
		c.name = seg ? evhttp_uridecode(seg, 0, NULL) : NULL;
		free(seg);
		routes[i].fn(&c);
		free(c.name);
		evhttp_clear_headers(&c.query);
		return 0;
	}
	lfail(&c, 404, "UnknownOperationException", NULL, "Unknown operation: %s %s",
	      m == EVHTTP_REQ_GET ? "GET" : m == EVHTTP_REQ_POST ? "POST" : m == EVHTTP_REQ_PUT ? "PUT" :
	      m == EVHTTP_REQ_DELETE ? "DELETE" : "?", path);
	evhttp_clear_headers(&c.query);
	return 0;
}

/* ---- life ---- */

/* Uploaded packages: $XDG_CACHE_HOME/steplocal/packages (as workspace.c's
 * extraction cache), ~/.cache/..., or /tmp/steplocal-UID/...; created. */
static char *upload_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	char *d, *p;

	if (x && *x)
		d = xasprintf("%s/steplocal/packages", x);
	else if (h && *h)
		d = xasprintf("%s/.cache/steplocal/packages", h);
	else
		d = xasprintf("/tmp/steplocal-%d/packages", (int)getuid());
	for (p = d + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(d, 0755);
			*p = '/';
		}
	}
	mkdir(d, 0755);
	return d;
}

/* A record of a project's function, defined already (ws_define); NULL
 * when the Lambda service does not have it. */
static fn_rec *rec_of_project(lamapi *a, const proj_function *pf)
{
	fn_rec *r = xcalloc(1, sizeof *r);
	char hex[65], *err = NULL;
	struct stat st;
	int k;

	r->name = xstrdup(pf->name);
	r->runtime = xstrdup(pf->runtime);
	r->handler = pf->handler ? xstrdup(pf->handler) : NULL;
	r->role = xasprintf("arn:aws:iam::%s:role/lambda-role", a->s->account);
	r->code = xstrdup(pf->code);
	/* Resolved already by ws_define: this finds it. */
	r->code_dir = pkg_resolve(pf->code, a->cache, &err);
	free(err);
	if (!r->code_dir)
		r->code_dir = xstrdup(pf->code);
	/* The hash of a folder package is that of its path: AWS hashes
	 * the zip, which a folder does not have. */
	digest(pf->code, strlen(pf->code), &r->sha256, hex);
	r->code_size = pf->code_is_zip && stat(pf->code, &st) == 0 ? (long)st.st_size : 0;
	r->timeout = pf->timeout;
	r->memory = pf->memory;
	r->reserved = pf->concurrency;
	r->env = cJSON_CreateObject();
	for (k = 0; k < pf->nenv; k++)
		cJSON_AddStringToObject(r->env, pf->env[k].name, pf->env[k].value);
	r->f = lam_find(a->s->ws.svc, pf->name);
	rec_touch(a, r);
	if (!r->f) {
		rec_free(r);
		return NULL;
	}
	return r;
}

void lamapi_sync(lamapi *a, const proj_function *pf)
{
	fn_rec *r = rec_of_project(a, pf), **p;

	if (!r)
		return;
	for (p = &a->fns; *p; p = &(*p)->next)
		if (strcmp((*p)->name, pf->name) == 0) {
			r->next = (*p)->next;
			rec_free(*p);
			*p = r;
			return;
		}
	*p = r;
}

void lamapi_drop(lamapi *a, const char *name)
{
	fn_rec **p;

	for (p = &a->fns; *p; p = &(*p)->next)
		if (strcmp((*p)->name, name) == 0) {
			fn_rec *r = *p;

			*p = r->next;
			lam_remove(a->s->ws.svc, r->f);
			rec_free(r);
			return;
		}
}

lamapi *lamapi_new(sv_server *s)
{
	lamapi *a = xcalloc(1, sizeof *a);
	const proj_project *p = s->ws.proj;
	int i;

	a->s = s;
	a->cache = upload_dir();
	for (i = 0; p && i < p->nfunctions; i++)
		lamapi_sync(a, &p->functions[i]);
	return a;
}

void lamapi_free(lamapi *a)
{
	if (!a)
		return;
	while (a->fns) {
		fn_rec *r = a->fns;

		a->fns = r->next;
		rec_free(r);
	}
	while (a->queue)
		async_free(a->queue);
	while (a->waiting) {
		pending *p = a->waiting;

		a->waiting = p->next;
		free(p);
	}
	free(a->cache);
	free(a);
}
