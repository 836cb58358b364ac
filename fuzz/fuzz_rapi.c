/* fuzz_rapi.c - libFuzzer target: the Lambda Runtime API of one environment (runtime/rapi.c), request by request, without sockets. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "fake_http.h"
#include "rapi.h"
#include "rlimits.h"
#include "xalloc.h"

/* Input: records separated by lines "%%" (fuzz.h), run in order on one
 * fresh endpoint.  A record is an HTTP request as fake_http.h writes it,
 * handed to the endpoint's request callback, or one of:
 *   !dispatch ID      (then the body on the next lines): the owner hands
 *                     an invocation to the waiting /next (rapi_dispatch);
 *   !auto             from now on, the owner dispatches an invocation as
 *                     soon as a /next waits (from the next hook);
 *   !big              the next request's body is padded to one byte over
 *                     LAM_MAX_RESPONSE_PAYLOAD (inputs stay small).
 *
 * Checked, besides what fake_http.c checks for every reply (one reply per
 * request, none after the connection is gone): every request but a
 * waiting /next is answered at once; a /next that waits is the one
 * rapi_waiting reports; the owner hears of one answer per invocation at
 * most, for the invocation dispatched, with a NUL-terminated body and, for
 * errors, a scrubbed error type. */

#define FZ_MAX_RECORDS 64

typedef struct owner {
	rapi *r;
	int autodispatch, nauto;
	char id[64];               /* the invocation dispatched last */
	int dispatched, answered;  /* ... and whether it was answered */
	int nexts, init_errors;
	int big;                   /* pad the next request's body */
} owner;

static void on_next(void *ud, int first)
{
	owner *o = ud;
	rapi_event ev = { 0 };

	fz_check(first == (o->nexts == 0), "the first /next is not flagged first, or a later one is");
	o->nexts++;
	if (!o->autodispatch)
		return;
	snprintf(o->id, sizeof o->id, "auto-%d", ++o->nauto);
	ev.request_id = o->id;
	ev.deadline_ms = 1767225600000LL;
	ev.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:F";
	ev.trace_id = "Root=1-00000000-000000000000000000000000";
	ev.body = "{\"auto\":true}";
	ev.len = strlen(ev.body);
	fz_check(rapi_dispatch(o->r, &ev) == 0, "rapi_dispatch refused from the next hook");
	o->dispatched = 1;
	o->answered = 0;
}

static void on_answer(void *ud, const rapi_answer *a)
{
	owner *o = ud;

	fz_check(a->body && a->body[a->len] == '\0', "an answer body that is not NUL-terminated");
	if (a->kind == RAPI_INIT_ERROR) {
		fz_check(a->request_id == NULL, "an init error with a request id");
		fz_check(o->nexts == 0 && o->init_errors++ == 0, "an init error after init");
	} else {
		fz_check(o->dispatched, "an answer before any invocation");
		fz_check(a->request_id && strcmp(a->request_id, o->id) == 0,
			 "an answer for another invocation than the one dispatched");
		fz_check(!o->answered, "two answers to one invocation");
		o->answered = 1;
	}
	if (a->kind == RAPI_ERROR || a->kind == RAPI_INIT_ERROR)
		fz_check(a->error_type && rapi_scrub_error_type(a->error_type) == a->error_type,
			 "an error type that is not scrubbed");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xalloc_init();
	return 0;
}

static void dispatch(owner *o, const char *rec, size_t len)
{
	const char *nl = memchr(rec, '\n', len);
	size_t idn = (nl ? (size_t)(nl - rec) : len) - strlen("!dispatch ");
	rapi_event ev = { 0 };
	int waiting = rapi_waiting(o->r), rc;
	char id[sizeof o->id];

	snprintf(id, sizeof id, "%.*s", (int)(idn < sizeof id - 1 ? idn : sizeof id - 1),
		 rec + strlen("!dispatch "));
	ev.request_id = id;
	ev.deadline_ms = 1767225600000LL;
	ev.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:F";
	ev.client_context = "{\"custom\":{\"k\":\"v\"}}";
	ev.cognito_identity = "{\"cognitoIdentityId\":\"i\"}";
	ev.content_type = "application/json";
	ev.body = nl ? nl + 1 : "";
	ev.len = nl ? len - (size_t)(nl + 1 - rec) : 0;
	rc = rapi_dispatch(o->r, &ev);
	fz_http_flush();
	fz_check((rc == 0) == waiting, "rapi_dispatch and rapi_waiting disagree");
	fz_check(rc != 0 || !rapi_waiting(o->r), "a /next still waits after a dispatch");
	if (rc == 0) {
		memcpy(o->id, id, sizeof id);
		o->dispatched = 1;
		o->answered = 0;
	}
}

static void request(owner *o, const char *rec, size_t len)
{
	struct evhttp_request *req;
	char *pad = NULL;
	fz_req q;
	int is_next;

	if (fz_req_parse(rec, len, &q) != 0)
		return;
	if (o->big) {
		size_t n = LAM_MAX_RESPONSE_PAYLOAD + 1;

		pad = xmalloc(n);
		memset(pad, 'x', n);
		memcpy(pad, q.body, q.len < n ? q.len : n);
		q.body = pad;
		q.len = n;
		o->big = 0;
	}
	req = fz_http_new(&q);
	if (req) {
		is_next = q.method == EVHTTP_REQ_GET &&
			  strcmp(evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req)),
				 "/2018-06-01/runtime/invocation/next") == 0;
		fz_http_gencb(req, fz_http_gencb_arg);
		fz_http_flush();
		if (fz_http_pending(req)) {
			fz_check(is_next, "a request other than /next left unanswered");
			fz_check(rapi_waiting(o->r), "a /next waits but rapi_waiting says no");
		}
	}
	fz_req_free(&q);
	free(pad);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_base *base = event_base_new();
	rapi_hooks hooks = { on_next, on_answer };
	owner o;
	const char *rec;
	size_t pos = 0, len;
	int n = 0;

	memset(&o, 0, sizeof o);
	if (!base)
		abort();
	fz_http_gencb = NULL;
	o.r = rapi_new(base, &hooks, &o);
	fz_check(o.r && fz_http_gencb, "the endpoint did not start");
	while (n++ < FZ_MAX_RECORDS && fz_next_record((const char *)data, size, &pos, &rec, &len)) {
		if (len >= strlen("!dispatch ") && memcmp(rec, "!dispatch ", strlen("!dispatch ")) == 0)
			dispatch(&o, rec, len);
		else if (len >= strlen("!auto") && memcmp(rec, "!auto", strlen("!auto")) == 0)
			o.autodispatch = 1;
		else if (len >= strlen("!big") && memcmp(rec, "!big", strlen("!big")) == 0)
			o.big = 1;
		else
			request(&o, rec, len);
		fz_check(fz_http_npending() <= 1, "more than one request waits");
	}
	/* As rapi_free does: connections first, the held /next with them. */
	fz_http_drop_pending();
	rapi_free(o.r);
	fz_http_reset();
	event_base_free(base);
	return 0;
}
