/* lambda_client.c - the C runtime client declared in steplocal_lambda.h (libcurl). */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "steplocal_lambda.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SLL_API_VERSION      "/2018-06-01/runtime"
#define SLL_CONNECT_TIMEOUT_MS 5000L  /* the API is on loopback: refused at once, or slow to accept */
#define SLL_POST_TIMEOUT_MS  60000L   /* posting is quick; /next has no timeout at all */
#define SLL_MAX_LOGGED_BODY  200      /* bytes of an unexpected API answer quoted in the log */
#define SLL_LOG_PREFIX       "steplocal C runtime: "

/* A growable byte buffer; `failed` records an allocation failure so that
 * curl callbacks can report it. */
typedef struct buf {
	char *p;
	size_t len, cap;
	int failed;
} buf;

struct sll_response {
	char *data;          /* response bytes, or the error payload */
	size_t len;
	char *content_type;  /* NULL: application/json */
	char *error_type;    /* non-NULL: the invocation failed with this type */
	int set;             /* the handler set something */
};

/* The /next headers this library reads. */
enum { H_REQUEST_ID, H_DEADLINE, H_ARN, H_TRACE, H_CLIENT_CONTEXT, H_COGNITO, H_CONTENT_TYPE, H_COUNT };

static const char *const header_names[H_COUNT] = {
	[H_REQUEST_ID] = "Lambda-Runtime-Aws-Request-Id",
	[H_DEADLINE] = "Lambda-Runtime-Deadline-Ms",
	[H_ARN] = "Lambda-Runtime-Invoked-Function-Arn",
	[H_TRACE] = "Lambda-Runtime-Trace-Id",
	[H_CLIENT_CONTEXT] = "Lambda-Runtime-Client-Context",
	[H_COGNITO] = "Lambda-Runtime-Cognito-Identity",
	[H_CONTENT_TYPE] = "Content-Type",
};

typedef struct headers {
	char *value[H_COUNT];
	int failed;
} headers;

/* The outcome of one HTTP exchange with the Runtime API. */
enum { X_OK = 0, X_GONE = 1 };

static void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_msg(const char *fmt, ...)
{
	va_list ap;

	fputs(SLL_LOG_PREFIX, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static int buf_add(buf *b, const void *data, size_t n)
{
	if (b->failed)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = 1;
			return -1;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int buf_adds(buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* Appends s as the body of a JSON string (without the quotes). */
static int buf_add_json(buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			buf_add(b, esc, 2);
		} else if (c == '\n') {
			buf_adds(b, "\\n");
		} else if (c == '\r') {
			buf_adds(b, "\\r");
		} else if (c == '\t') {
			buf_adds(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_add(b, esc, 6);
		} else {
			buf_add(b, s, 1);
		}
	}
	return b->failed ? -1 : 0;
}

/* AWS's error payload; returns an owned NUL-terminated string or NULL. */
static char *error_payload(const char *type, const char *message, size_t *len)
{
	buf b = { 0 };

	buf_adds(&b, "{\"errorMessage\":\"");
	buf_add_json(&b, message);
	buf_adds(&b, "\",\"errorType\":\"");
	buf_add_json(&b, type);
	buf_adds(&b, "\",\"stackTrace\":[]}");
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

/* "Name: value" with value cut to printable ASCII (spaces kept, leading
 * ones dropped), so that nothing the handler wrote can end the header or
 * add another.  Owned, or NULL when out of memory. */
static char *header_line(const char *name, const char *value)
{
	size_t n = strlen(name), i, j;
	char *line = malloc(n + 2 + strlen(value) + 1);

	if (!line)
		return NULL;
	memcpy(line, name, n);
	line[n] = ':';
	line[n + 1] = ' ';
	while (*value == ' ')
		value++;
	for (i = 0, j = n + 2; value[i]; i++)
		if (value[i] >= ' ' && value[i] < 0x7f)
			line[j++] = value[i];
	line[j] = '\0';
	return line;
}

static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *vformat(const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *s;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

/* ------------------------------------------------------------------ HTTP */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	return buf_add(ud, data, size * n) == 0 ? size * n : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	headers *h = ud;
	size_t len = size * n, i;

	for (i = 0; i < H_COUNT; i++) {
		size_t nl = strlen(header_names[i]);
		const char *v, *end;

		if (len <= nl || data[nl] != ':' || strncasecmp(data, header_names[i], nl) != 0)
			continue;
		v = data + nl + 1;
		end = data + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
			end--;
		free(h->value[i]);
		h->value[i] = malloc((size_t)(end - v) + 1);
		if (!h->value[i]) {
			h->failed = 1;
			return 0;
		}
		memcpy(h->value[i], v, (size_t)(end - v));
		h->value[i][end - v] = '\0';
		break;
	}
	return len;
}

static void headers_clear(headers *h)
{
	int i;

	for (i = 0; i < H_COUNT; i++) {
		free(h->value[i]);
		h->value[i] = NULL;
	}
	h->failed = 0;
}

/* The base URL "http://<AWS_LAMBDA_RUNTIME_API>/2018-06-01/runtime", owned. */
static char *api_base(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	char *base;

	if (!api || !*api) {
		log_msg("AWS_LAMBDA_RUNTIME_API is not set; run this program as a Lambda function's bootstrap");
		return NULL;
	}
	base = malloc(strlen("http://") + strlen(api) + strlen(SLL_API_VERSION) + 1);
	if (base)
		sprintf(base, "http://%s%s", api, SLL_API_VERSION);
	return base;
}

/* Whether a transport failure means the API went away (the environment is
 * shutting down) rather than a fault of ours. */
static int is_gone(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	       rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE || rc == CURLE_COULDNT_RESOLVE_HOST;
}

/* Performs the request set up on c; returns X_OK, X_GONE or SLL_E*. */
static int perform(CURL *c, const char *what, const buf *body, const headers *h)
{
	CURLcode rc = curl_easy_perform(c);

	if ((body && body->failed) || (h && h->failed) || rc == CURLE_OUT_OF_MEMORY) {
		log_msg("%s: out of memory", what);
		return SLL_ENOMEM;
	}
	if (rc == CURLE_OK)
		return X_OK;
	if (is_gone(rc))
		return X_GONE;
	log_msg("%s: %s", what, curl_easy_strerror(rc));
	return SLL_EHTTP;
}

/* Appends a header line (copied) to *hl; returns 0 or -1 when out of memory. */
static int add_header(struct curl_slist **hl, const char *line)
{
	struct curl_slist *t = curl_slist_append(*hl, line);

	if (!t)
		return -1;
	*hl = t;
	return 0;
}

/* POSTs data to base + path and stores the HTTP status in *status; an
 * answer other than 202 is logged.  Returns X_OK (whatever the status),
 * X_GONE or SLL_E*. */
static int post(CURL *c, const char *base, const char *path, const char *data, size_t len,
		const char *content_type, const char *error_type, long *status)
{
	struct curl_slist *hl = NULL;
	char *url = malloc(strlen(base) + strlen(path) + 1), *ct = NULL, *et = NULL;
	buf answer = { 0 };
	int r;

	*status = 0;
	ct = header_line("Content-Type", content_type ? content_type : "application/json");
	if (error_type)
		et = header_line("Lambda-Runtime-Function-Error-Type", error_type);
	if (!url || !ct || (error_type && !et) || add_header(&hl, ct) != 0 ||
	    add_header(&hl, "Expect:") != 0 || (et && add_header(&hl, et) != 0)) {
		log_msg("POST %s: out of memory", path);
		r = SLL_ENOMEM;
		goto out;
	}
	sprintf(url, "%s%s", base, path);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, SLL_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, SLL_POST_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
	r = perform(c, path, &answer, NULL);
	if (r == X_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		if (*status != 202)
			log_msg("POST %s answered %ld: %.*s", path, *status, SLL_MAX_LOGGED_BODY,
				answer.p ? answer.p : "");
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
out:
	curl_slist_free_all(hl);
	free(answer.p);
	free(url);
	free(ct);
	free(et);
	return r;
}

/* ------------------------------------------------------------------ responses */

static void response_clear(sll_response *out)
{
	free(out->data);
	free(out->content_type);
	free(out->error_type);
	memset(out, 0, sizeof *out);
}

int sll_response_set(sll_response *out, const void *data, size_t len)
{
	char *copy;

	if (!out || (!data && len))
		return SLL_EINVAL;
	copy = malloc(len + 1);
	if (!copy)
		return SLL_ENOMEM;
	if (len)
		memcpy(copy, data, len);
	copy[len] = '\0';
	free(out->data);
	free(out->error_type);
	out->error_type = NULL;
	out->data = copy;
	out->len = len;
	out->set = 1;
	return SLL_OK;
}

int sll_response_set_content_type(sll_response *out, const char *content_type)
{
	char *copy;

	if (!out || !content_type)
		return SLL_EINVAL;
	copy = strdup(content_type);
	if (!copy)
		return SLL_ENOMEM;
	free(out->content_type);
	out->content_type = copy;
	return SLL_OK;
}

int sll_response_error(sll_response *out, const char *type, const char *fmt, ...)
{
	va_list ap;
	char *message, *payload, *type_copy;
	size_t len;

	if (!out || !type || !fmt)
		return SLL_EINVAL;
	va_start(ap, fmt);
	message = vformat(fmt, ap);
	va_end(ap);
	if (!message)
		return SLL_ENOMEM;
	payload = error_payload(type, message, &len);
	free(message);
	type_copy = strdup(type);
	if (!payload || !type_copy) {
		free(payload);
		free(type_copy);
		return SLL_ENOMEM;
	}
	free(out->data);
	free(out->error_type);
	out->data = payload;
	out->len = len;
	out->error_type = type_copy;
	out->set = 1;
	return SLL_OK;
}

long long sll_remaining_ms(const sll_event *ev)
{
	struct timespec now;
	long long left;

	if (!ev || clock_gettime(CLOCK_REALTIME, &now) != 0)
		return 0;
	left = ev->deadline_ms - ((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	return left > 0 ? left : 0;
}

/* ------------------------------------------------------------------ the loop */

/* Fetches the next invocation into body and h.  Returns X_OK, X_GONE or
 * SLL_E*. */
static int next(CURL *c, const char *url, buf *body, headers *h)
{
	long status = 0;
	int r;

	body->len = 0;
	headers_clear(h);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, SLL_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 0L); /* blocks until an invocation arrives */
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	r = perform(c, "GET /invocation/next", body, h);
	if (r != X_OK)
		return r;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		log_msg("GET /invocation/next answered %ld: %.*s", status, SLL_MAX_LOGGED_BODY,
			body->p ? body->p : "");
		return SLL_EHTTP;
	}
	if (!h->value[H_REQUEST_ID] || !*h->value[H_REQUEST_ID]) {
		log_msg("GET /invocation/next answered without a Lambda-Runtime-Aws-Request-Id");
		return SLL_EPROTO;
	}
	if (buf_add(body, "", 0) != 0) /* makes body->p non-NULL and NUL-terminated */
		return SLL_ENOMEM;
	return X_OK;
}

/* Posts what the handler set for the invocation.  Returns X_OK, X_GONE or
 * SLL_E*. */
static int answer(CURL *c, const char *base, const char *request_id, const sll_response *out)
{
	char *id = curl_easy_escape(c, request_id, 0), *path;
	long status;
	int r;

	if (!id)
		return SLL_ENOMEM;
	path = malloc(strlen("/invocation/") + strlen(id) + strlen("/response") + 1);
	if (!path) {
		curl_free(id);
		return SLL_ENOMEM;
	}
	sprintf(path, "/invocation/%s/%s", id, out->error_type ? "error" : "response");
	curl_free(id);
	if (!out->set)
		r = post(c, base, path, "null", 4, NULL, NULL, &status);
	else if (out->error_type)
		r = post(c, base, path, out->data, out->len, "application/json", out->error_type, &status);
	else
		r = post(c, base, path, out->data, out->len, out->content_type, NULL, &status);
	free(path);
	return r;
}

static void set_trace_env(const char *trace)
{
	if (trace)
		setenv("_X_AMZN_TRACE_ID", trace, 1);
	else
		unsetenv("_X_AMZN_TRACE_ID");
}

int sll_run(sll_handler fn, void *ud)
{
	char *base, *next_url = NULL;
	CURL *c = NULL;
	buf body = { 0 };
	headers h = { { 0 }, 0 };
	sll_response out = { 0 };
	int r = SLL_ENOMEM, rc;

	if (!fn)
		return SLL_EINVAL;
	if (!(base = api_base()))
		return getenv("AWS_LAMBDA_RUNTIME_API") ? SLL_ENOMEM : SLL_ENOENV;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(base);
		log_msg("libcurl failed to initialise");
		return SLL_EHTTP;
	}
	c = curl_easy_init();
	next_url = malloc(strlen(base) + strlen("/invocation/next") + 1);
	if (!c || !next_url)
		goto out;
	sprintf(next_url, "%s/invocation/next", base);

	for (;;) {
		sll_event ev;

		r = next(c, next_url, &body, &h);
		if (r != X_OK)
			break;
		memset(&ev, 0, sizeof ev);
		ev.body = body.p;
		ev.len = body.len;
		ev.request_id = h.value[H_REQUEST_ID];
		ev.deadline_ms = h.value[H_DEADLINE] ? strtoll(h.value[H_DEADLINE], NULL, 10) : 0;
		ev.function_arn = h.value[H_ARN] ? h.value[H_ARN] : "";
		ev.trace_id = h.value[H_TRACE];
		ev.client_context = h.value[H_CLIENT_CONTEXT];
		ev.cognito_identity = h.value[H_COGNITO];
		ev.content_type = h.value[H_CONTENT_TYPE] ? h.value[H_CONTENT_TYPE] : "application/json";
		set_trace_env(ev.trace_id);

		response_clear(&out);
		rc = fn(ud, &ev, &out);
		if (rc != 0 && !out.error_type) {
			r = rc;         /* nothing to say: the platform reports the exit */
			break;
		}
		r = answer(c, base, ev.request_id, &out);
		if (rc != 0)
			r = rc;
		if (r != X_OK)
			break;
	}
	if (r == X_GONE)
		r = SLL_OK;
out:
	response_clear(&out);
	headers_clear(&h);
	free(body.p);
	free(next_url);
	free(base);
	if (c)
		curl_easy_cleanup(c);
	curl_global_cleanup();
	return r;
}

int sll_init_error(const char *type, const char *fmt, ...)
{
	va_list ap;
	char *base, *message, *payload = NULL;
	size_t len = 0;
	long status;
	CURL *c = NULL;
	int r = SLL_ENOMEM;

	if (!type || !fmt)
		return SLL_EINVAL;
	va_start(ap, fmt);
	message = vformat(fmt, ap);
	va_end(ap);
	if (!message)
		return SLL_ENOMEM;
	/* The error goes to the log too, as AWS's runtimes print it. */
	fprintf(stderr, "%s: %s\n", type, message);
	if (!(base = api_base())) {
		free(message);
		return getenv("AWS_LAMBDA_RUNTIME_API") ? SLL_ENOMEM : SLL_ENOENV;
	}
	payload = error_payload(type, message, &len);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		r = SLL_EHTTP;
		goto out;
	}
	c = curl_easy_init();
	if (c && payload) {
		r = post(c, base, "/init/error", payload, len, "application/json", type, &status);
		if (r == X_GONE)
			log_msg("POST /init/error: the Runtime API is unreachable");
		if (r == X_GONE || (r == X_OK && status != 202))
			r = SLL_EHTTP;
		curl_easy_cleanup(c);
	}
	curl_global_cleanup();
out:
	free(payload);
	free(message);
	free(base);
	return r;
}
