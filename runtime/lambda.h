/* lambda.h - local AWS Lambda functions: definitions, execution environments and invocations. */
#ifndef SL_LAMBDA_H
#define SL_LAMBDA_H

#include <stddef.h>

struct event_base;

/* The model (see docs/ARCHITECTURE.md, "The Lambda side"):
 *
 *   A service holds every function and the account-wide concurrency cap.
 *   A function owns its execution environments: local processes started
 *   (without a shell, in their own process group, in the package folder)
 *   from the runtime's bootstrap, each talking to its own Runtime API
 *   endpoint on loopback, so that it can fetch and answer only its own
 *   function's invocations.  An environment runs one invocation at a time,
 *   stays warm for the next, and is reaped when idle.  An invocation that
 *   would exceed the function's reserved concurrency or the account cap is
 *   throttled at once (TooManyRequestsException with its Reason), never
 *   queued.  Timeouts, crashes, memory exhaustion and oversized responses
 *   end the invocation with AWS's error and replace the environment.
 *
 *   Everything runs on the caller's libevent loop; callbacks come from it.
 */

typedef struct lam_service lam_service;
typedef struct lam_function lam_function;
typedef struct lam_invocation lam_invocation;

/* A log line of a function (its own output, or START / END / REPORT /
 * INIT_REPORT lines), without the newline. */
typedef void (*lam_log_fn)(void *ud, const char *function, const char *request_id,
			   const char *line);

typedef struct lam_service_opts {
	const char *region;            /* "us-east-1" if NULL */
	const char *account;           /* "123456789012" if NULL */
	int account_concurrency;       /* account-wide cap; 0 = a default sized for the machine */
	int idle_seconds;              /* reap environments idle this long; 0 = a default */
	const char *runtime_dir;       /* where runtime/ (bootstraps) is; NULL = next to the binary */
	lam_log_fn log;
	void *log_ud;
} lam_service_opts;

/* The event loop to run a service on: libevent's epoll backend with its
 * changelist, which folds the add/remove/modify calls evhttp makes for
 * each request into one epoll_ctl per descriptor per loop iteration (a
 * warm invocation makes about a third fewer system calls).  NULL when out
 * of memory. */
struct event_base *lam_base_new(void);

/* Creates the service on base (borrowed; must outlive it).  It watches
 * SIGCHLD with a libevent signal event on base, makes the process a child
 * subreaper (so that a function's grandchildren are reaped too) and
 * ignores SIGPIPE if it was at its default.  Returns NULL only when
 * libevent cannot create its events. */
lam_service *lam_service_new(struct event_base *base, const lam_service_opts *o);
/* Ends every environment (SIGTERM, then SIGKILL to its process group, then
 * reaps it) and frees everything.  Pending invocations are not called back.
 * Never call it from inside a callback of the service. */
void lam_service_free(lam_service *s);
/* Whether any environment process is still alive (for tests). */
int lam_service_processes(const lam_service *s);

typedef struct lam_config {
	const char *name;              /* function name */
	const char *runtime;           /* python3.x, nodejs18.x..22.x, provided, provided.al2, provided.al2023 */
	const char *handler;           /* "app.handler"; ignored by provided runtimes */
	const char *code_dir;          /* the package folder (already extracted) */
	int timeout;                   /* seconds; 0 = AWS's default 3 */
	int memory;                    /* MB; 0 = AWS's default 128; enforced */
	int reserved;                  /* reserved concurrency; < 0 = unreserved, 0 = always throttled */
	const char *const *env;        /* the function's own "K=V" pairs, NULL-terminated; may be NULL */
	const char *const *layers;     /* folders of its layers in AWS's order (a later one's files
					* win), NULL-terminated; may be NULL.  Their search paths
					* (bin, lib, python, nodejs/node_modules) are set as AWS
					* sets /opt's; see env.h */
} lam_config;

/* Defines (or redefines: warm environments of the old version are
 * replaced) a function; copies everything.  Returns it, or NULL with *err
 * set to an owned message naming the field that is wrong. */
lam_function *lam_define(lam_service *s, const lam_config *c, char **err);
lam_function *lam_find(lam_service *s, const char *name);
const char *lam_function_arn(const lam_function *f);
/* How many warm environments of f are holding a /next with nothing to do:
 * an invocation now would reach one of them at once. */
int lam_function_ready(const lam_function *f);
void lam_remove(lam_service *s, lam_function *f);

typedef enum lam_status {
	LAM_OK,               /* the function returned a response */
	LAM_FUNCTION_ERROR,   /* handled or unhandled function error (X-Amz-Function-Error: Unhandled) */
	LAM_API_ERROR,        /* the Invoke API failed: throttling, service error, too large, ... */
} lam_status;

/* The outcome of an invocation, valid during the callback only. */
typedef struct lam_result {
	lam_status status;
	const char *payload;           /* response body, or the error payload (JSON) */
	size_t len;
	const char *error_type;        /* FUNCTION_ERROR: the payload's errorType (or NULL);
					* API_ERROR: AWS's exception name, e.g.
					* "TooManyRequestsException" */
	const char *message;           /* API_ERROR: AWS's message */
	const char *reason;            /* API_ERROR throttling: the Reason */
	int http_status;               /* what Invoke would answer: 200, 429, 413, 500 ... */
	const char *request_id;
	const char *log_tail;          /* the invocation's log lines (START..REPORT) */
	const char *executed_version;  /* "$LATEST" */
} lam_result;

typedef void (*lam_done_fn)(void *ud, const lam_result *r);

typedef struct lam_invoke_opts {
	const char *qualifier;         /* NULL or "$LATEST"; versions/aliases resolve to $LATEST */
	const char *client_context;    /* base64 of a JSON object, or NULL */
	const char *trace_id;          /* X-Amzn-Trace-Id, or NULL for a generated one */
	const char *cognito_id;        /* the caller's Amazon Cognito identity id and pool id,   */
	const char *cognito_pool_id;   /* or NULL: sent as Lambda-Runtime-Cognito-Identity if either is set */
} lam_invoke_opts;

/* Starts an invocation of f with the payload (copied).  The callback is
 * always called exactly once, later, from the loop (never from inside
 * lam_invoke), unless lam_cancel comes first: as soon as the runtime's
 * answer is accepted (END and REPORT are logged just before), or at the
 * timeout, crash, memory excess or throttle. */
lam_invocation *lam_invoke(lam_function *f, const char *payload, size_t len,
			   const lam_invoke_opts *o, lam_done_fn done, void *ud);
/* Forgets the invocation's callback (Step Functions stopped waiting); the
 * function runs on to its own end, as on AWS. */
void lam_cancel(lam_invocation *inv);

#endif
