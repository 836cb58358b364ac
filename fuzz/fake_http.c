/* fake_http.c - requests without sockets, and the stand-ins for libevent's reply calls (see fake_http.h). */
#include "fake_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "fuzz.h"
#include "json.h"
#include "xalloc.h"

#define FZ_MAX_HEADERS 32

enum { RQ_PENDING, RQ_ANSWERED, RQ_DROPPED };

typedef struct rq {
	const struct evhttp_request *req;   /* an address only, once freed */
	int state;
	int freed;
	fz_reply reply;
} rq;

static rq *rqs;
static int nrqs, caprqs;

int fz_http_check_json;
void (*fz_http_gencb)(struct evhttp_request *, void *);
void *fz_http_gencb_arg;

static const struct { const char *name; enum evhttp_cmd_type m; } methods[] = {
	{ "GET", EVHTTP_REQ_GET }, { "POST", EVHTTP_REQ_POST }, { "PUT", EVHTTP_REQ_PUT },
	{ "DELETE", EVHTTP_REQ_DELETE }, { "HEAD", EVHTTP_REQ_HEAD }, { "PATCH", EVHTTP_REQ_PATCH },
	{ "OPTIONS", EVHTTP_REQ_OPTIONS }, { "TRACE", EVHTTP_REQ_TRACE },
	{ "CONNECT", EVHTTP_REQ_CONNECT },
};

/* ---- parsing ---- */

/* The next line of [*p, end) without its newline; advances *p. */
static int next_line(const char **p, const char *end, const char **line, size_t *n)
{
	const char *nl;

	if (*p >= end)
		return 0;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	*line = *p;
	*n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	*p = nl ? nl + 1 : end;
	return 1;
}

int fz_req_parse(const char *rec, size_t len, fz_req *out)
{
	const char *p = rec, *end = rec + len, *line, *sp;
	size_t n, i;

	memset(out, 0, sizeof *out);
	if (!next_line(&p, end, &line, &n) || !(sp = memchr(line, ' ', n)))
		return -1;
	for (i = 0; i < sizeof methods / sizeof *methods; i++)
		if (strlen(methods[i].name) == (size_t)(sp - line) &&
		    memcmp(methods[i].name, line, (size_t)(sp - line)) == 0)
			break;
	if (i == sizeof methods / sizeof *methods)
		return -1;
	out->method = methods[i].m;
	out->uri = xstrndup(sp + 1, n - (size_t)(sp + 1 - line));
	out->hname = xcalloc(FZ_MAX_HEADERS, sizeof *out->hname);
	out->hval = xcalloc(FZ_MAX_HEADERS, sizeof *out->hval);
	while (next_line(&p, end, &line, &n) && n > 0) {
		const char *colon = memchr(line, ':', n), *v;
		size_t vn;

		if (!colon || colon == line || out->nh == FZ_MAX_HEADERS) {
			fz_req_free(out);
			return -1;
		}
		/* As libevent reads a header: spaces around the value go. */
		v = colon + 1;
		vn = n - (size_t)(v - line);
		while (vn && (*v == ' ' || *v == '\t')) {
			v++;
			vn--;
		}
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t' || v[vn - 1] == '\r'))
			vn--;
		out->hname[out->nh] = xstrndup(line, (size_t)(colon - line));
		out->hval[out->nh] = xstrndup(v, vn);
		out->nh++;
	}
	out->body = p;
	out->len = (size_t)(end - p);
	return 0;
}

void fz_req_free(fz_req *r)
{
	int i;

	for (i = 0; i < r->nh; i++) {
		free(r->hname[i]);
		free(r->hval[i]);
	}
	free(r->hname);
	free(r->hval);
	free(r->uri);
	memset(r, 0, sizeof *r);
}

/* ---- requests ---- */

static rq *find(const struct evhttp_request *req)
{
	int i;

	for (i = nrqs - 1; i >= 0; i--)
		if (rqs[i].req == req)
			return &rqs[i];
	return NULL;
}

struct evhttp_request *fz_http_new(const fz_req *r)
{
	struct evhttp_request *req;
	struct evhttp_uri *uri;
	rq *old;
	int i;

	/* libevent answers 400 itself for a request line it cannot read. */
	if (strlen(r->uri) == 0 || memchr(r->uri, ' ', strlen(r->uri)) ||
	    !(uri = evhttp_uri_parse_with_flags(r->uri, EVHTTP_URI_NONCONFORMANT)))
		return NULL;
	req = evhttp_request_new(NULL, NULL);
	if (!req)
		abort();
	req->kind = EVHTTP_REQUEST;
	req->type = r->method;
	req->uri = strdup(r->uri);
	req->uri_elems = uri;
	req->major = 1;
	req->minor = 1;
	for (i = 0; i < r->nh; i++)
		evhttp_add_header(req->input_headers, r->hname[i], r->hval[i]);
	if (r->len)
		evbuffer_add(req->input_buffer, r->body, r->len);
	/* An address freed earlier in this input may come back. */
	if ((old = find(req)))
		old->req = NULL;
	if (nrqs == caprqs)
		rqs = xrealloc(rqs, (size_t)(caprqs = caprqs ? caprqs * 2 : 16) * sizeof *rqs);
	memset(&rqs[nrqs], 0, sizeof *rqs);
	rqs[nrqs].req = req;
	rqs[nrqs].state = RQ_PENDING;
	nrqs++;
	return req;
}

const fz_reply *fz_http_reply(const struct evhttp_request *req)
{
	rq *q = find(req);

	return q && q->state == RQ_ANSWERED ? &q->reply : NULL;
}

int fz_http_pending(const struct evhttp_request *req)
{
	rq *q = find(req);

	return q && q->state == RQ_PENDING;
}

int fz_http_npending(void)
{
	int i, n = 0;

	for (i = 0; i < nrqs; i++)
		n += rqs[i].state == RQ_PENDING;
	return n;
}

void fz_http_flush(void)
{
	int i;

	for (i = 0; i < nrqs; i++) {
		if (rqs[i].state != RQ_ANSWERED || rqs[i].freed)
			continue;
		evhttp_request_free((struct evhttp_request *)rqs[i].req);
		rqs[i].freed = 1;
	}
}

void fz_http_drop_pending(void)
{
	int i;

	fz_http_flush();
	for (i = 0; i < nrqs; i++) {
		if (rqs[i].state != RQ_PENDING)
			continue;
		evhttp_request_free((struct evhttp_request *)rqs[i].req);
		rqs[i].state = RQ_DROPPED;
		rqs[i].freed = 1;
	}
}

void fz_http_reset(void)
{
	int i;

	fz_http_drop_pending();
	for (i = 0; i < nrqs; i++) {
		free(rqs[i].reply.ctype);
		free(rqs[i].reply.body);
	}
	free(rqs);
	rqs = NULL;
	nrqs = caprqs = 0;
}

/* ---- the stand-ins ---- */

/* Checks that req may be answered now and keeps the answer; req is freed
 * by the next fz_http_flush, as libevent frees it once the reply is
 * written, from the loop. */
static void answer(struct evhttp_request *req, int code, struct evbuffer *extra)
{
	rq *q = find(req);
	struct evbuffer *out;
	const char *ct;
	size_t n;

	fz_check(q != NULL, "a reply to a request the harness never made");
	fz_check(q->state != RQ_ANSWERED, "a second reply to the same request");
	fz_check(q->state != RQ_DROPPED, "a reply to a request whose connection was closed");
	fz_check(code >= 100 && code <= 599, "a reply with an impossible status");
	out = evhttp_request_get_output_buffer(req);
	if (extra)
		evbuffer_add_buffer(out, extra);
	n = evbuffer_get_length(out);
	q->reply.status = code;
	q->reply.len = n;
	q->reply.body = xmalloc(n + 1);
	evbuffer_remove(out, q->reply.body, n);
	q->reply.body[n] = '\0';
	ct = evhttp_find_header(evhttp_request_get_output_headers(req), "Content-Type");
	q->reply.ctype = ct ? xstrdup(ct) : NULL;
	q->state = RQ_ANSWERED;
	/* FZ_DEBUG=1 shows the answers, to write seeds by hand. */
	if (getenv("FZ_DEBUG"))
		fprintf(stderr, "fuzz: %d %s\n%s\n", code, ct ? ct : "-", q->reply.body);
	if (fz_http_check_json && ct && strstr(ct, "json") && n)
		fz_check(fz_json_ok(q->reply.body, n), "a JSON reply that does not parse");
}

void evhttp_send_reply(struct evhttp_request *req, int code, const char *reason,
		       struct evbuffer *databuf)
{
	(void)reason;
	answer(req, code, databuf);
}

void evhttp_send_error(struct evhttp_request *req, int error, const char *reason)
{
	(void)reason;
	answer(req, error, NULL);
}

void evhttp_set_gencb(struct evhttp *http, void (*cb)(struct evhttp_request *, void *), void *arg)
{
	(void)http;
	fz_http_gencb = cb;
	fz_http_gencb_arg = arg;
}
