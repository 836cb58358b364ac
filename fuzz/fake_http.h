/* fake_http.h - requests without sockets for the HTTP fuzz targets: built from text, answered through stand-ins for libevent's reply calls. */
#ifndef SL_FUZZ_FAKE_HTTP_H
#define SL_FUZZ_FAKE_HTTP_H

#include <stddef.h>

#include <event2/http.h>

/* The HTTP modules (rapi.c, api_sfn.c, api_lambda.c, serve.c's replies)
 * answer with evhttp_send_reply and evhttp_send_error.  A fuzz target that
 * links fake_http.c gets its own definitions of those two functions (and of
 * evhttp_set_gencb, to learn rapi's request callback): the program's
 * definitions take precedence over libevent's for the module's calls.  They
 * check that the request is one the harness made, has not been answered
 * (a second reply aborts) and was not dropped with its connection, and keep
 * what was answered.  As libevent frees an answered request from the loop
 * once the reply is written, the harness frees it at its next step
 * (fz_http_flush): any use of it by the module after that is a use after
 * free that AddressSanitizer reports.  FZ_DEBUG=1 in the environment
 * prints every answer (to write seeds by hand).
 *
 * Requests are written as text, one per record of the input:
 *
 *   METHOD TARGET
 *   Header-Name: value
 *   ...
 *   <empty line>
 *   body
 *
 * TARGET is a URI as a request line carries it (/path?query). */

typedef struct fz_req {
	enum evhttp_cmd_type method;
	char *uri;                /* owned */
	char **hname, **hval;     /* owned, nh each */
	int nh;
	const char *body;         /* borrowed from the record */
	size_t len;
} fz_req;

/* Parses a record; returns 0, or -1 when it is no request (a method
 * libevent does not know, a malformed header line). */
int fz_req_parse(const char *rec, size_t len, fz_req *out);
void fz_req_free(fz_req *r);

/* Builds the evhttp_request libevent would hand to a server callback.
 * Returns NULL when libevent would refuse the request line itself (the URI
 * does not parse), so that no callback would run. */
struct evhttp_request *fz_http_new(const fz_req *r);

/* What the last reply to req carried; status 0 while unanswered. */
typedef struct fz_reply {
	int status;
	char *ctype;              /* Content-Type, or NULL */
	char *body;               /* NUL-terminated */
	size_t len;
} fz_reply;

/* The reply to req (made by fz_http_new), or NULL while it is unanswered.
 * Valid until fz_http_reset. */
const fz_reply *fz_http_reply(const struct evhttp_request *req);
/* Whether req is still waiting for its answer. */
int fz_http_pending(const struct evhttp_request *req);
/* How many requests wait for an answer. */
int fz_http_npending(void);
/* Frees the requests answered since the last call, as libevent does once
 * their replies are written.  Harnesses call it after each call into the
 * module and after each round of the loop. */
void fz_http_flush(void);
/* Drops every request still waiting, as evhttp_free drops the requests of
 * open connections: freed, and any later reply to one of them aborts. */
void fz_http_drop_pending(void);
/* Forgets every request of the input (after fz_http_drop_pending). */
void fz_http_reset(void);

/* When set, every reply whose Content-Type mentions json and that has a
 * body must parse as JSON. */
extern int fz_http_check_json;

/* The callback and argument of the last evhttp_set_gencb call. */
extern void (*fz_http_gencb)(struct evhttp_request *, void *);
extern void *fz_http_gencb_arg;

#endif
