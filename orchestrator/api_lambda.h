/* api_lambda.h - the AWS Lambda REST API (/2015-03-31/functions...) of `steplocal serve`. */
#ifndef SL_API_LAMBDA_H
#define SL_API_LAMBDA_H

#include "serve.h"

/* Creates the Lambda side of server s (borrowed): a record of every
 * function of the project (already defined by ws_start_lambda), so that
 * they are listed, described and invoked at once. */
lamapi *lamapi_new(sv_server *s);
/* For the project's live reload (serve.c): lamapi_sync makes the record of
 * a project's function (defined again already by ws_define) new, in its
 * place; lamapi_drop removes a function and its record by name. */
void lamapi_sync(lamapi *a, const proj_function *pf);
void lamapi_drop(lamapi *a, const char *name);
/* Frees the records, and those of Invoke requests still waiting (their
 * invocations are never called back once the service is freed).  Call it
 * after the HTTP server is freed and before ws_close. */
void lamapi_free(lamapi *a);

/* Answers the request when path is one of the Lambda API's
 * (/2015-03-31/..., /2017-10-31/..., /2019-09-30/...) and returns 0;
 * returns -1, without answering, for any other path. */
int lamapi_handle(lamapi *a, struct evhttp_request *req, const char *path,
		  const char *body, size_t len);

#endif
