/* steplocal_lambda.h - the C runtime client: write an AWS Lambda function in C (prefix sll_). */
#ifndef STEPLOCAL_LAMBDA_H
#define STEPLOCAL_LAMBDA_H

/*
 * A function written in C is a program named `bootstrap` in its package
 * (runtime `provided`, `provided.al2` or `provided.al2023`) whose main()
 * calls sll_run with a handler.  sll_run speaks the Lambda Runtime API at
 * $AWS_LAMBDA_RUNTIME_API (steplocal's, or AWS's: the same binary runs on
 * AWS unchanged): it fetches each invocation, calls the handler, and posts
 * what the handler set as the response or as the error.
 *
 *     #include "steplocal_lambda.h"
 *
 *     static int echo(void *ud, const sll_event *ev, sll_response *out)
 *     {
 *             (void)ud;
 *             return sll_response_set(out, ev->body, ev->len);
 *     }
 *
 *     int main(void)
 *     {
 *             return sll_run(echo, NULL) < 0;
 *     }
 *
 * Build (no Makefile needed), from the project root:
 *
 *     cc -std=c11 -O2 -Iruntime/client -o bootstrap \
 *        runtime/client/example/echo.c runtime/client/lambda_client.c -lcurl
 *
 * Dependencies: libcurl only (Debian: libcurl4-openssl-dev).
 *
 * Ownership.  Everything in an sll_event is borrowed from the library and
 * valid until the handler returns; copy what must outlive the invocation.
 * sll_response_set and sll_response_error copy their arguments; the
 * sll_response belongs to the library.  Nothing the library returns needs
 * to be freed by the caller.
 *
 * Errors.  Functions return 0 on success or a negative SLL_E* code, and
 * print a one-line reason on stderr (which is the function's log).  The
 * library never exits or aborts the process itself.
 *
 * Threads.  sll_run handles one invocation at a time on the calling thread,
 * as Lambda does; the handler may use threads internally.  sll_run calls
 * curl_global_init, so call it before starting other threads that use
 * libcurl.
 */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (negative), as returned by every function of this header. */
enum {
	SLL_OK = 0,
	SLL_ENOENV = -1,   /* AWS_LAMBDA_RUNTIME_API is not set */
	SLL_ENOMEM = -2,   /* out of memory */
	SLL_EHTTP = -3,    /* the Runtime API answered an unexpected status */
	SLL_EPROTO = -4,   /* the Runtime API broke the protocol (e.g. no request id) */
	SLL_EINVAL = -5,   /* a NULL or otherwise invalid argument */
};

/* One invocation, as the Runtime API's /next delivered it. */
typedef struct sll_event {
	const char *body;             /* the event bytes (JSON), NUL-terminated for convenience */
	size_t len;                   /* bytes in body, without that NUL */
	const char *request_id;       /* Lambda-Runtime-Aws-Request-Id */
	long long deadline_ms;        /* epoch milliseconds at which the invocation times out */
	const char *function_arn;     /* the ARN the function was invoked by (with any qualifier) */
	const char *trace_id;         /* X-Ray trace header, or NULL; also in $_X_AMZN_TRACE_ID */
	const char *client_context;   /* client context JSON text, or NULL */
	const char *cognito_identity; /* Cognito identity JSON text, or NULL */
	const char *content_type;     /* the event's content type, "application/json" if none */
} sll_event;

/* What the handler answers; opaque, owned by the library. */
typedef struct sll_response sll_response;

/* A handler answers one invocation by setting `out` (sll_response_set or
 * sll_response_error) and returning 0.  If it sets nothing, the response is
 * JSON null.  ud is sll_run's argument, passed through.
 *
 * Returning any other value means this process cannot serve any more
 * invocations: sll_run posts the error set on `out`, if there is one, and
 * returns the handler's value at once, without posting anything else.  The
 * program should then exit with a non-zero status, and the platform reports
 * the invocation as Runtime.ExitError, as AWS does for a crashing custom
 * runtime. */
typedef int (*sll_handler)(void *ud, const sll_event *ev, sll_response *out);

/* Runs the invocation loop: fetches each invocation from the Runtime API,
 * calls fn, posts its response or error, and fetches the next.
 *
 * Returns 0 when the Runtime API goes away (the connection is refused or
 * closed: the environment is being shut down), a negative SLL_E* code on a
 * fatal error (AWS_LAMBDA_RUNTIME_API unset, out of memory, a protocol
 * violation), or the handler's own non-zero return value (see above).
 * A response the API refuses (e.g. 413 for one larger than 6 MiB) is logged
 * on stderr and the loop goes on: the platform has already answered the
 * caller with AWS's error. */
int sll_run(sll_handler fn, void *ud);

/* Sets the response to a copy of the len bytes at data (any bytes; a JSON
 * document for Step Functions).  Replaces what was set before.  Returns 0 or
 * SLL_ENOMEM / SLL_EINVAL. */
int sll_response_set(sll_response *out, const void *data, size_t len);

/* Sets the response's content type (copied); "application/json" if never
 * set.  Returns 0 or SLL_ENOMEM / SLL_EINVAL. */
int sll_response_set_content_type(sll_response *out, const char *content_type);

/* Makes the invocation fail with error type `type` (e.g. "InvalidOrder":
 * what Step Functions' Retry and Catch match) and a printf-style message.
 * The payload is AWS's {"errorMessage": ..., "errorType": ...,
 * "stackTrace": []}.  Replaces a response set before.  Returns 0 or
 * SLL_ENOMEM / SLL_EINVAL, so a handler may `return sll_response_error(...)`. */
int sll_response_error(sll_response *out, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reports a failure to initialise (before sll_run), e.g. a missing
 * configuration, to /runtime/init/error with the same payload as
 * sll_response_error.  The program must then exit with a non-zero status;
 * the platform reports the error to the caller and retries the
 * initialisation on the next invocation.  Returns 0 once the API accepted
 * it, or a negative SLL_E* code. */
int sll_init_error(const char *type, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Milliseconds left before the invocation's deadline (0 once it passed). */
long long sll_remaining_ms(const sll_event *ev);

#ifdef __cplusplus
}
#endif

#endif
