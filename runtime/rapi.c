/* rapi.c - the Lambda Runtime API (2018-06-01) of one execution environment, served by evhttp on loopback. */
#include "rapi.h"

#include "rlimits.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The runtime-side states (lambda-contract.md §1.6), with the names AWS's
 * InvalidStateTransition messages use. */
typedef enum rstate { ST_STARTED, ST_READY, ST_RUNNING, ST_RESPONDED, ST_INIT_ERROR } rstate;

static const char *const state_names[] = {
	[ST_STARTED] = "Started",
	[ST_READY] = "Ready",
	[ST_RUNNING] = "Running",
	[ST_RESPONDED] = "RuntimeResponseSentState",
	[ST_INIT_ERROR] = "InitError",
};

#define API "/2018-06-01"
#define CT_JSON "application/json"
#define CT_TEXT "text/plain; charset=utf-8"
#define ERROR_CAUSE_CT "application/vnd.aws.lambda.error.cause+json"

/* The bodies the RIE renders (Go's encoder ends them with a newline). */
#define BODY_OK "{\"status\":\"OK\"}\n"
#define BODY_BAD_ID "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}\n"
#define BODY_TOO_LARGE "{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\"," \
	"\"errorType\":\"RequestEntityTooLarge\"}\n"
#define BODY_BAD_MODE "{\"errorMessage\":\"Invalid function response mode\"," \
	"\"errorType\":\"InvalidFunctionResponseMode\"}\n"
#define BODY_INTERNAL "{\"errorMessage\":\"Internal Server Error\",\"errorType\":\"InternalServerError\"}\n"
#define BODY_NOT_FOUND "404 page not found\n"

struct rapi {
	struct event_base *base;
	struct evhttp *http;
	int port;
	rapi_hooks hooks;
	void *ud;
	rstate st;
	struct evhttp_request *held;   /* the waiting GET /next */
	/* The current invocation (Running or ResponseSent), as /next sent it. */
	char *id;
	const char *hname[8];          /* header names (static) */
	char *hval[8];                 /* their values (owned) */
	int nhdr;
	char *body;
	size_t len;
};

/* ---- replies ---- */

static const char *reason_of(int code)
{
	switch (code) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Request Entity Too Large";
	default: return "Internal Server Error";
	}
}

/* Queues the reply; body may be NULL for an empty one. */
static void reply(struct evhttp_request *req, int code, const char *ctype, const char *body)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	if (ctype)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
	if (body && evbuffer_add(out, body, strlen(body)) != 0) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_send_reply(req, code, reason_of(code), NULL);
}

static void reply_transition(struct evhttp_request *req, rstate from, const char *to)
{
	char *body = xasprintf("{\"errorMessage\":\"State transition from %s to %s failed for runtime. "
			       "Error: State transition is not allowed\","
			       "\"errorType\":\"InvalidStateTransition\"}\n", state_names[from], to);

	reply(req, 403, CT_JSON, body);
	free(body);
}

/* ---- the current invocation ---- */

static void event_clear(rapi *r)
{
	int i;

	for (i = 0; i < r->nhdr; i++)
		free(r->hval[i]);
	r->nhdr = 0;
	free(r->id);
	free(r->body);
	r->id = NULL;
	r->body = NULL;
	r->len = 0;
}

static void event_header(rapi *r, const char *name, const char *value)
{
	r->hname[r->nhdr] = name;
	r->hval[r->nhdr] = xstrdup(value);
	r->nhdr++;
}

/* Replies 200 with the current invocation. */
static void send_event(rapi *r, struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	int i;

	for (i = 0; i < r->nhdr; i++)
		evhttp_add_header(h, r->hname[i], r->hval[i]);
	if (evbuffer_add(out, r->body, r->len) != 0) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_send_reply(req, 200, "OK", NULL);
}

/* ---- routes ---- */

static void on_next(rapi *r, struct evhttp_request *req, const char *id)
{
	int first;

	switch (r->st) {
	case ST_INIT_ERROR:
		reply_transition(req, r->st, "Ready");
		return;
	case ST_RUNNING:
		/* Running -> Ready is a no-op on AWS: the same event again. */
		send_event(r, req);
		return;
	case ST_READY:
		/* Only one /next waits at a time; the newer one wins (a runtime
		 * that gave up on the older connection and polled again). */
		if (r->held)
			reply(r->held, 500, CT_JSON, BODY_INTERNAL);
		r->held = req;
		return;
	case ST_STARTED:
	case ST_RESPONDED:
		break;
	}
	first = r->st == ST_STARTED;
	event_clear(r);
	r->st = ST_READY;
	r->held = req;
	r->hooks.next(r->ud, first);
}

/* The body of an error as the platform forwards it: verbatim, except that
 * the X-Ray content type is re-serialized without errorCause (§1.3). */
static char *error_body(struct evhttp_request *req, const char *body, size_t len, size_t *out_len)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	static const char *const keep[] = { "errorMessage", "errorType", "stackTrace" };
	cJSON *in, *out;
	char *s;
	size_t i;

	if (!ct || strncmp(ct, ERROR_CAUSE_CT, strlen(ERROR_CAUSE_CT)) != 0) {
		*out_len = len;
		return xstrndup(body, len);
	}
	in = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(in)) {
		cJSON_Delete(in);
		s = xstrdup("\"Invalid error body\"");
		*out_len = strlen(s);
		return s;
	}
	out = cJSON_CreateObject();
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(in, keep[i]);

		if (v)
			cJSON_AddItemToObject(out, keep[i], v);
	}
	s = cJSON_PrintUnformatted(out);
	cJSON_Delete(in);
	cJSON_Delete(out);
	*out_len = strlen(s);
	return s;
}

/* POST /runtime/invocation/{id}/response and /error. */
static void on_answer(rapi *r, struct evhttp_request *req, const char *id, rapi_kind kind)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *buf = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(buf);
	const char *mode = evhttp_find_header(in, "Lambda-Runtime-Function-Response-Mode");
	const char *etype = NULL, *ebody;
	rapi_answer a = { kind, NULL, NULL, 0, NULL, NULL };
	char *body = NULL, *decoded = NULL;
	char id_copy[128];

	if (!r->id || strcmp(id, r->id) != 0 || (r->st != ST_RUNNING && r->st != ST_RESPONDED)) {
		reply(req, 400, CT_JSON, BODY_BAD_ID);
		return;
	}
	if (r->st == ST_RESPONDED) {
		reply_transition(req, r->st, kind == RAPI_RESPONSE ? "InvocationResponse"
							    : "InvocationErrorResponse");
		return;
	}
	r->st = ST_RESPONDED;
	snprintf(id_copy, sizeof(id_copy), "%s", r->id);
	a.request_id = id_copy;
	a.content_type = evhttp_find_header(in, "Content-Type");
	if (kind == RAPI_RESPONSE && mode && strcmp(mode, "streaming") != 0) {
		reply(req, 400, CT_JSON, BODY_BAD_MODE);
		a.kind = RAPI_BAD_MODE;
		a.body = "";
		r->hooks.answer(r->ud, &a);
		return;
	}
	if (len > LAM_MAX_RESPONSE_PAYLOAD) {
		reply(req, 413, CT_JSON, BODY_TOO_LARGE);
		a.kind = RAPI_TOO_LARGE;
		a.body = "";
		r->hooks.answer(r->ud, &a);
		return;
	}
	body = xmalloc(len + 1);
	if (evbuffer_remove(buf, body, len) != (int)len) {
		free(body);
		r->st = ST_RUNNING;
		reply(req, 500, CT_JSON, BODY_INTERNAL);
		return;
	}
	body[len] = '\0';
	/* A streamed response that failed midway carries its error in the
	 * trailers (§1.4); evhttp has read them into the input headers. */
	if (kind == RAPI_RESPONSE && mode &&
	    (etype = evhttp_find_header(in, "Lambda-Runtime-Function-Error-Type")) != NULL) {
		size_t dlen = 0;

		ebody = evhttp_find_header(in, "Lambda-Runtime-Function-Error-Body");
		decoded = ebody ? rapi_base64_decode(ebody, &dlen) : NULL;
		free(body);
		if (decoded) {
			body = decoded;
			len = dlen;
		} else {
			body = xasprintf("{\"errorType\":\"%s\",\"errorMessage\":\"\"}",
					 rapi_scrub_error_type(etype));
			len = strlen(body);
		}
		kind = RAPI_ERROR;
	} else if (kind == RAPI_ERROR) {
		char *eb = error_body(req, body, len, &len);

		free(body);
		body = eb;
		etype = evhttp_find_header(in, "Lambda-Runtime-Function-Error-Type");
	}
	reply(req, 202, CT_JSON, BODY_OK);
	a.kind = kind;
	a.body = body;
	a.len = len;
	if (kind == RAPI_ERROR)
		a.error_type = rapi_scrub_error_type(etype);
	r->hooks.answer(r->ud, &a);
	free(body);
}

static void on_response(rapi *r, struct evhttp_request *req, const char *id)
{
	on_answer(r, req, id, RAPI_RESPONSE);
}

static void on_error(rapi *r, struct evhttp_request *req, const char *id)
{
	on_answer(r, req, id, RAPI_ERROR);
}

static void on_init_error(rapi *r, struct evhttp_request *req, const char *id)
{
	struct evbuffer *buf = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(buf);
	rapi_answer a = { RAPI_INIT_ERROR, NULL, NULL, 0, NULL, NULL };
	char *body, *payload;

	if (r->st != ST_STARTED) {
		reply_transition(req, r->st, "InitError");
		return;
	}
	if (len > LAM_MAX_RESPONSE_PAYLOAD) {
		reply(req, 413, CT_JSON, BODY_TOO_LARGE);
		return;
	}
	body = xmalloc(len + 1);
	if (evbuffer_remove(buf, body, len) != (int)len) {
		free(body);
		reply(req, 500, CT_JSON, BODY_INTERNAL);
		return;
	}
	body[len] = '\0';
	r->st = ST_INIT_ERROR;
	reply(req, 202, CT_JSON, BODY_OK);
	payload = error_body(req, body, len, &a.len);
	a.body = payload;
	a.content_type = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	a.error_type = rapi_scrub_error_type(evhttp_find_header(evhttp_request_get_input_headers(req),
								  "Lambda-Runtime-Function-Error-Type"));
	r->hooks.answer(r->ud, &a);
	free(payload);
	free(body);
}

static void on_ping(rapi *r, struct evhttp_request *req, const char *id)
{
	reply(req, 200, CT_TEXT, "pong");
}

/* The routes: a fixed path, or prefix + {id} + suffix. */
static const struct route {
	const char *prefix;
	const char *suffix;            /* NULL: prefix is the whole path */
	enum evhttp_cmd_type method;
	void (*handle)(rapi *r, struct evhttp_request *req, const char *id);
} routes[] = {
	{ API "/runtime/invocation/next", NULL, EVHTTP_REQ_GET, on_next },
	{ API "/runtime/invocation/", "/response", EVHTTP_REQ_POST, on_response },
	{ API "/runtime/invocation/", "/error", EVHTTP_REQ_POST, on_error },
	{ API "/runtime/init/error", NULL, EVHTTP_REQ_POST, on_init_error },
	{ API "/ping", NULL, EVHTTP_REQ_GET, on_ping },
	{ "/ping", NULL, EVHTTP_REQ_GET, on_ping },
};

/* Whether path matches the route; the {id} goes to id (size n). */
static int route_match(const struct route *rt, const char *path, char *id, size_t n)
{
	size_t pl = strlen(rt->prefix), sl, il;

	if (!rt->suffix)
		return strcmp(path, rt->prefix) == 0;
	if (strncmp(path, rt->prefix, pl) != 0)
		return 0;
	path += pl;
	sl = strlen(rt->suffix);
	il = strlen(path);
	if (il <= sl || strcmp(path + il - sl, rt->suffix) != 0)
		return 0;
	il -= sl;
	if (memchr(path, '/', il) || il >= n)
		return 0;
	memcpy(id, path, il);
	id[il] = '\0';
	return 1;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	rapi *r = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	char id[128];
	int path_known = 0;
	size_t i;

	for (i = 0; path && i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!route_match(&routes[i], path, id, sizeof(id)))
			continue;
		path_known = 1;
		if (routes[i].method == m) {
			routes[i].handle(r, req, routes[i].suffix ? id : NULL);
			return;
		}
	}
	if (path_known)
		reply(req, 405, NULL, NULL);
	else
		reply(req, 404, CT_TEXT, BODY_NOT_FOUND);
}

/* ---- the endpoint ---- */

rapi *rapi_new(struct event_base *base, const rapi_hooks *hooks, void *ud)
{
	rapi *r = xcalloc(1, sizeof(*r));
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int err;

	r->base = base;
	r->hooks = *hooks;
	r->ud = ud;
	r->st = ST_STARTED;
	r->http = evhttp_new(base);
	if (!r->http) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	evhttp_set_allowed_methods(r->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(r->http, LAM_RAPI_MAX_BODY);
	evhttp_set_max_headers_size(r->http, LAM_RAPI_MAX_HEADERS);
	evhttp_set_timeout(r->http, LAM_RAPI_CONN_TIMEOUT);
	evhttp_set_gencb(r->http, on_request, r);
	bs = evhttp_bind_socket_with_handle(r->http, "127.0.0.1", 0);
	if (!bs || getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sa, &sl) != 0) {
		err = errno ? errno : EADDRNOTAVAIL;
		evhttp_free(r->http);
		free(r);
		errno = err;
		return NULL;
	}
	r->port = ntohs(sa.sin_port);
	return r;
}

int rapi_port(const rapi *r)
{
	return r->port;
}

int rapi_waiting(const rapi *r)
{
	return r->held != NULL;
}

int rapi_dispatch(rapi *r, const rapi_event *ev)
{
	char deadline[32];

	if (!r->held || r->st != ST_READY)
		return -1;
	event_clear(r);
	r->id = xstrdup(ev->request_id);
	snprintf(deadline, sizeof(deadline), "%lld", ev->deadline_ms);
	event_header(r, "Lambda-Runtime-Aws-Request-Id", ev->request_id);
	event_header(r, "Lambda-Runtime-Deadline-Ms", deadline);
	event_header(r, "Lambda-Runtime-Invoked-Function-Arn", ev->function_arn);
	if (ev->trace_id)
		event_header(r, "Lambda-Runtime-Trace-Id", ev->trace_id);
	if (ev->client_context && *ev->client_context)
		event_header(r, "Lambda-Runtime-Client-Context", ev->client_context);
	if (ev->cognito_identity && *ev->cognito_identity)
		event_header(r, "Lambda-Runtime-Cognito-Identity", ev->cognito_identity);
	event_header(r, "Content-Type", ev->content_type ? ev->content_type : CT_JSON);
	r->body = xmalloc(ev->len + 1);
	memcpy(r->body, ev->body, ev->len);
	r->len = ev->len;
	r->st = ST_RUNNING;
	send_event(r, r->held);
	r->held = NULL;
	return 0;
}

void rapi_free(rapi *r)
{
	if (!r)
		return;
	/* evhttp_free drops every connection and the requests on them, the
	 * held /next included. */
	evhttp_free(r->http);
	event_clear(r);
	free(r);
}

/* ---- helpers ---- */

/* Finds "Runtime." or "Function." followed by [A-Z][a-zA-Z]+, anywhere. */
static int has_platform_type(const char *v)
{
	static const char *const prefixes[] = { "Runtime.", "Function." };
	size_t i;
	const char *p;

	for (i = 0; i < 2; i++) {
		for (p = strstr(v, prefixes[i]); p; p = strstr(p + 1, prefixes[i])) {
			const char *q = p + strlen(prefixes[i]);

			if (*q >= 'A' && *q <= 'Z' &&
			    ((q[1] >= 'a' && q[1] <= 'z') || (q[1] >= 'A' && q[1] <= 'Z')))
				return 1;
		}
	}
	return 0;
}

const char *rapi_scrub_error_type(const char *v)
{
	if (v && has_platform_type(v))
		return v;
	if (v && strncmp(v, "Function.", 9) == 0)
		return "Function.Unknown";
	return "Runtime.Unknown";
}

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

char *rapi_base64_decode(const char *text, size_t *len)
{
	size_t n = strlen(text), i, o = 0;
	unsigned int acc = 0;
	int bits = 0;
	char *out;

	while (n > 0 && text[n - 1] == '=')
		n--;
	if (strlen(text) - n > 2 || n % 4 == 1)
		return NULL;
	out = xmalloc(n / 4 * 3 + 4);
	for (i = 0; i < n; i++) {
		int v = b64_value((unsigned char)text[i]);

		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	*len = o;
	return out;
}
