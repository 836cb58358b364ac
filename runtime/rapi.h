/* rapi.h - the Lambda Runtime API (2018-06-01) of one execution environment, served by evhttp on loopback. */
#ifndef SL_RAPI_H
#define SL_RAPI_H

#include <stddef.h>

struct event_base;

/* One endpoint per execution environment, so that a runtime can only ever
 * fetch and answer its own environment's invocations.  The endpoint keeps
 * the runtime-side state machine of lambda-contract.md §1.6 and answers
 * every misuse exactly as §1.5 says (400 InvalidRequestID, 403
 * InvalidStateTransition, 413 RequestEntityTooLarge, 404, 405); only
 * accepted answers reach the owner, through rapi_hooks, always after the
 * HTTP reply has been queued.
 *
 *   Started --/next--> Ready --rapi_dispatch--> Running
 *   Running --/response|/error--> ResponseSent --/next--> Ready ...
 *   Started --/init/error--> InitError (terminal)
 *
 * A /next is held (long poll) until the owner calls rapi_dispatch; a
 * second /next while Running gets the same event again (AWS's quirk).
 * Everything runs on the caller's event loop. */

typedef struct rapi rapi;

/* An invocation as GET /next delivers it; rapi_dispatch copies it. */
typedef struct rapi_event {
	const char *request_id;        /* Lambda-Runtime-Aws-Request-Id */
	long long deadline_ms;         /* Lambda-Runtime-Deadline-Ms (epoch ms) */
	const char *function_arn;      /* Lambda-Runtime-Invoked-Function-Arn */
	const char *trace_id;          /* Lambda-Runtime-Trace-Id */
	const char *client_context;    /* decoded JSON text, or NULL */
	const char *cognito_identity;  /* JSON text, or NULL */
	const char *content_type;      /* NULL = application/json */
	const char *body;
	size_t len;
} rapi_event;

typedef enum rapi_kind {
	RAPI_RESPONSE,     /* POST /invocation/{id}/response accepted (202) */
	RAPI_ERROR,        /* POST /invocation/{id}/error accepted (202) */
	RAPI_TOO_LARGE,    /* a response or error over 6291556 bytes (413 sent) */
	RAPI_BAD_MODE,     /* an unknown Lambda-Runtime-Function-Response-Mode (400 sent) */
	RAPI_INIT_ERROR,   /* POST /init/error accepted (202) */
} rapi_kind;

/* An accepted answer; every pointer is borrowed for the hook's duration. */
typedef struct rapi_answer {
	rapi_kind kind;
	const char *request_id;        /* NULL for RAPI_INIT_ERROR */
	const char *body;              /* the payload, verbatim (NUL-terminated) */
	size_t len;
	const char *content_type;      /* the request's Content-Type, or NULL */
	const char *error_type;        /* errors: Lambda-Runtime-Function-Error-Type,
					* scrubbed as §1.3 says */
} rapi_answer;

typedef struct rapi_hooks {
	/* The runtime called /next and waits (first = 1 the first time: init
	 * is over).  The hook may call rapi_dispatch at once. */
	void (*next)(void *ud, int first);
	/* The runtime answered the dispatched invocation (or failed init). */
	void (*answer)(void *ud, const rapi_answer *a);
} rapi_hooks;

/* Creates an endpoint bound to 127.0.0.1 on an ephemeral port.  hooks is
 * copied; ud is passed back.  Returns NULL with errno set when the socket
 * cannot be bound. */
rapi *rapi_new(struct event_base *base, const rapi_hooks *hooks, void *ud);
/* The bound port (AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT). */
int rapi_port(const rapi *r);
/* Whether a /next is waiting for an invocation. */
int rapi_waiting(const rapi *r);
/* Hands an invocation (copied) to the waiting /next.  Returns 0, or -1
 * when no /next is waiting (the caller waits for hooks.next). */
int rapi_dispatch(rapi *r, const rapi_event *ev);
/* Closes the endpoint: every connection, a held /next included, is
 * dropped.  Never call it from inside a hook. */
void rapi_free(rapi *r);

/* Scrubs a Lambda-Runtime-Function-Error-Type value for platform use
 * (lambda-contract.md §1.3); returns v itself, "Function.Unknown" or
 * "Runtime.Unknown". */
const char *rapi_scrub_error_type(const char *v);
/* Decodes standard base64 (padding optional, no white space); returns an
 * owned NUL-terminated buffer and its length in *len, or NULL when the
 * text is not base64. */
char *rapi_base64_decode(const char *text, size_t *len);

#endif
