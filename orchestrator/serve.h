/* serve.h - `steplocal serve`: the AWS Step Functions and Lambda APIs on one loopback port (evhttp). */
#ifndef SL_SERVE_H
#define SL_SERVE_H

#include "evloop.h"
#include "exec.h"
#include "mock.h"
#include "workspace.h"

struct evhttp_request;
struct evkeyvalq;

/* The command: `steplocal serve [--port 8083] [--host 127.0.0.1] [-f PROJECT]
 * [--wait-scale X] [--mock-config F] [--quiet]`.  Serves until SIGINT or
 * SIGTERM, then stops every execution and ends every function process.
 * Returns 0, 1 when the server could not start, 2 for a usage error. */
int serve_main(int argc, char **argv);

/* ---- What the API modules (api_sfn.c, api_lambda.c) share ----
 *
 * Lifecycle: serve_main builds one sv_server on the stack - the event
 * base, the engine on it (loop_serve keeps it alive while idle), the
 * workspace (project and Lambda service), the mock set - then the API
 * modules' state, then the HTTP server.  Everything runs on the one loop
 * thread.  A request is answered at once, or kept pending (StartSync-
 * Execution, Invoke) and answered from an engine or Lambda callback; on
 * shutdown the HTTP server is freed first (pending requests with it), then
 * the API state, the engine, and last the workspace, which kills the
 * function processes. */
typedef struct sfnapi sfnapi;
typedef struct lamapi lamapi;

typedef struct sv_server {
	struct event_base *base;
	sl_engine *g;
	sl_loop *loop;
	workspace ws;             /* ws.svc and ws.bridge always exist; ws.proj may be NULL */
	const char *region;       /* borrowed from the project, or the defaults */
	const char *account;
	mock_set *mocks;          /* --mock-config / SFN_MOCK_CONFIG, or NULL */
	sl_task_handler tasks;    /* what the engine runs Tasks with (mocks, then Lambda) */
	sfnapi *sfn;
	lamapi *lam;
	int stopping;             /* shutdown began: no new work, no replies */
	double wait_scale;        /* --wait-scale: retry waits of Event invocations too */
	int keep_closed;
	int loopback;             /* listening on loopback only: Host is checked */          /* closed standard executions kept (--keep-executions); 0: all */
	unsigned long long ids;   /* request ids */
} sv_server;

/* Sends a reply with the given status and body (copied; may be NULL), the
 * Content-Type ctype (may be NULL) and x-amzn-RequestId. */
void sv_reply(sv_server *s, struct evhttp_request *req, int status, const char *ctype,
	      const char *body, size_t len);
/* Sends body (taken) as compact JSON with Content-Type ctype. */
void sv_reply_json(sv_server *s, struct evhttp_request *req, int status, const char *ctype,
		   cJSON *body);
/* A fresh request id in AWS's UUID form; owned. */
char *sv_request_id(sv_server *s);
/* base64 of len bytes; owned. */
char *sv_base64(const void *data, size_t len);
/* Decodes base64 text; returns owned bytes and their number in *len, or
 * NULL when text is not base64. */
unsigned char *sv_unbase64(const char *text, size_t *len);
/* Whether name follows AWS's naming rule for state machines, executions
 * and functions' siblings: 1..80 characters, none of white space, brackets,
 * wildcards, the special characters " # % \ ^ | ~ ` $ & , ; : / or control
 * characters. */
int sv_name_ok(const char *name);
/* Epoch seconds rounded to milliseconds, as the JSON wire format writes dates. */
cJSON *sv_date(double t);

#endif
