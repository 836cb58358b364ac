/* fuzz_api.c - libFuzzer target: the Step Functions and Lambda API handlers of `steplocal serve` (orchestrator/api_sfn.c, api_lambda.c), request by request, without sockets. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api_lambda.h"
#include "api_sfn.h"
#include "fake_http.h"
#include "fake_server.h"
#include "xalloc.h"

/* Input: HTTP requests as fake_http.h writes them, in records separated
 * by lines "%%" (fuzz.h), sent in order to one fresh server
 * (fake_server.h: a project with functions Hello and Slow and state
 * machines Flow, Quick and Tokens; a mock configuration with test cases
 * Flow#Happy and Flow#Sad).  Each request is routed as serve.c routes it:
 * a Lambda API path to lamapi_handle, else a POST to / or with an
 * X-Amz-Target to sfnapi_handle with the action after
 * "AWSStepFunctions.", else 404; then the loop runs until nothing is ready.
 *
 * Checked, besides what fake_http.c checks for every reply (one reply per
 * request, none after the connection is gone, JSON bodies that parse):
 * every request is answered at once except StartSyncExecution and an
 * Invoke of RequestResponse type; such an Invoke is answered once the
 * loop has run, unless its function never answers ("never" in the
 * payload). */

#define FZ_MAX_RECORDS 32
#define SFN_TARGET "AWSStepFunctions."
#define FZ_NOT_FOUND "{\"message\":\"nothing here\"}"

static sv_server g_s;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xalloc_init();
	fz_server_init();
	fz_http_check_json = 1;
	return 0;
}

/* Routes req as serve.c's on_request does.  Returns 1 when the answer may
 * wait for the loop: StartSyncExecution, and an Invoke of RequestResponse
 * type. */
static int route(sv_server *s, struct evhttp_request *req, const char *path)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
	const char *target, *type = evhttp_find_header(h, "X-Amz-Invocation-Type");
	int post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
	int invoke = post && strstr(path, "/invocations") && (!type || strcmp(type, "RequestResponse") == 0);

	if (lamapi_handle(s->lam, req, path, body, len) == 0)
		return invoke;
	target = evhttp_find_header(h, "X-Amz-Target");
	if (post && (strcmp(path, "/") == 0 || target)) {
		if (target && strncmp(target, SFN_TARGET, strlen(SFN_TARGET)) == 0)
			target += strlen(SFN_TARGET);
		else
			target = NULL;
		sfnapi_handle(s->sfn, req, target, body, len);
		/* Answered when an execution ends, a TestState run ends or an
		 * activity task comes (or the poll times out). */
		return target && (strcmp(target, "StartSyncExecution") == 0 ||
				  strcmp(target, "TestState") == 0 ||
				  strcmp(target, "GetActivityTask") == 0);
	}
	sv_reply(s, req, 404, "application/json", FZ_NOT_FOUND, strlen(FZ_NOT_FOUND));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *rec;
	size_t pos = 0, len;
	int n = 0;

	fz_server_start(&g_s);
	while (n++ < FZ_MAX_RECORDS && fz_next_record((const char *)data, size, &pos, &rec, &len)) {
		struct evhttp_request *req;
		fz_req q;
		int may_wait;

		if (fz_req_parse(rec, len, &q) != 0)
			continue;
		req = fz_http_new(&q);
		if (req) {
			const char *p = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
			char *path = xstrdup(p && *p ? p : "/");
			int is_invoke = strstr(path, "/invocations") != NULL;

			may_wait = route(&g_s, req, path);
			fz_http_flush();
			fz_check(may_wait || !fz_http_pending(req), "a request left unanswered");
			fz_server_settle(&g_s);
			if (may_wait && is_invoke && !memmem(q.body, q.len, "never", 5))
				fz_check(!fz_http_pending(req), "an Invoke left unanswered");
			free(path);
		}
		fz_req_free(&q);
	}
	fz_server_stop(&g_s);
	fz_http_reset();
	return 0;
}
