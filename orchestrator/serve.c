/* serve.c - `steplocal serve`: arguments, the evhttp server, routing to the Step Functions and Lambda APIs, shutdown. */
#include "serve.h"

#include "project.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>

#include "api_lambda.h"
#include "api_sfn.h"
#include "limits.h"
#include "watch.h"
#include "xalloc.h"

#include <sys/inotify.h>

#define SV_DEFAULT_PORT    8083
#define SV_DEFAULT_HOST    "127.0.0.1"
/* Bodies up to this size reach the handlers, which answer AWS's own
 * errors for what is too large (Lambda's 6 MB payloads and 69,905,067-byte
 * code uploads, Step Functions' 256 KiB inputs, 1 MiB definitions); evhttp
 * refuses bigger ones with a bare 413. */
#define SV_MAX_BODY        (80 * 1024 * 1024)
#define SV_MAX_HEADERS     (64 * 1024)
#define SV_CONN_TIMEOUT    120      /* seconds of silence on a connection */
#define SV_SFN_TARGET      "AWSStepFunctions."
/* Closed standard executions kept for Describe/List/GetExecutionHistory
 * (AWS keeps them 90 days; a local server keeps the newest ones). */
#define SV_KEEP_CLOSED     1000

static const char usage_text[] =
	"usage: steplocal serve [--port 8083] [--host 127.0.0.1] [-f PROJECT]\n"
	"                       [--wait-scale X] [--mock-config F] [--concurrency N] [--quiet]\n"
	"                       [--keep-executions N] [--no-reload]\n"
	"  the AWS Step Functions API (AWS JSON 1.0) and the AWS Lambda API on one port,\n"
	"  for the aws CLI and the SDKs with --endpoint-url http://HOST:PORT\n"
	"  A project's edits (definitions, handlers, the project or template) are\n"
	"  picked up as they are saved, unless --no-reload.  The newest N (1000) closed\n"
	"  executions stay describable; 0 keeps all.\n";

typedef struct sv_opts {
	int port;
	const char *host;
	const char *project;
	double wait_scale;
	const char *mock_config;
	int concurrency;
	int quiet;
	int no_reload;
	int keep;
} sv_opts;

/* ---- replies ---- */

static const struct { int status; const char *reason; } reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" }, { 204, "No Content" },
	{ 400, "Bad Request" }, { 404, "Not Found" }, { 409, "Conflict" },
	{ 413, "Request Entity Too Large" }, { 415, "Unsupported Media Type" },
	{ 429, "Too Many Requests" }, { 500, "Internal Server Error" }, { 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
};

static const char *reason_of(int status)
{
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof *reasons; i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Error";
}

char *sv_request_id(sv_server *s)
{
	unsigned long long n = ++s->ids;
	unsigned int r = (unsigned int)rand();

	return xasprintf("%08x-%04x-4%03x-8%03x-%012llx", r, (unsigned int)(n >> 48) & 0xffff,
			 (unsigned int)(n >> 36) & 0xfff, (unsigned int)(r >> 20) & 0xfff,
			 n & 0xffffffffffffULL);
}

void sv_reply(sv_server *s, struct evhttp_request *req, int status, const char *ctype,
	      const char *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();

	if (!buf)
		abort(); /* only fails on allocation */
	if (ctype)
		evhttp_add_header(h, "Content-Type", ctype);
	if (!evhttp_find_header(h, "x-amzn-RequestId")) {
		char *id = sv_request_id(s);

		evhttp_add_header(h, "x-amzn-RequestId", id);
		free(id);
	}
	if (body && len)
		evbuffer_add(buf, body, len);
	evhttp_send_reply(req, status, reason_of(status), buf);
	evbuffer_free(buf);
}

void sv_reply_json(sv_server *s, struct evhttp_request *req, int status, const char *ctype,
		   cJSON *body)
{
	char *text = js_print(body);

	cJSON_Delete(body);
	sv_reply(s, req, status, ctype, text, strlen(text));
	free(text);
}

cJSON *sv_date(double t)
{
	return cJSON_CreateNumber(floor(t * 1000.0 + 0.5) / 1000.0);
}

char *sv_base64(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

unsigned char *sv_unbase64(const char *text, size_t *len)
{
	size_t n = strlen(text), pad = 0;
	unsigned char *out;
	int got;

	if (n % 4 || n > (size_t)1 << 30)
		return NULL;
	out = xmalloc(n / 4 * 3 + 1);
	got = n ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)n) : 0;
	if (got < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	while (pad < 2 && n > pad && text[n - 1 - pad] == '=')
		pad++;
	*len = (size_t)got - pad;
	return out;
}

int sv_name_ok(const char *name)
{
	/* State machine and execution names follow the same rules. */
	return proj_machine_name_valid(name);
}

/* ---- routing ---- */

/* Whether host (a Host header's value, with or without a port) names this
 * machine's loopback: 127.0.0.0/8, [::1], localhost or a name under
 * .localhost (RFC 6761).  Anything else reaching a loopback listener is a
 * web page's request through DNS rebinding. */
static int loopback_host(const char *host)
{
	char name[256];
	size_t n;
	const char *end;

	if (*host == '[')
		return strncmp(host, "[::1]", 5) == 0 && (host[5] == '\0' || host[5] == ':');
	end = strchr(host, ':');
	n = end ? (size_t)(end - host) : strlen(host);
	if (n == 0 || n >= sizeof name)
		return 0;
	memcpy(name, host, n);
	name[n] = '\0';
	for (end = name; *end; end++)
		if (!isalnum((unsigned char)*end) && *end != '.' && *end != '-')
			return 0;
	if (strncmp(name, "127.", 4) == 0 && strspn(name, "0123456789.") == n)
		return 1;
	return strcasecmp(name, "localhost") == 0 ||
	       (n > 10 && strcasecmp(name + n - 10, ".localhost") == 0);
}

/* The API has no authentication, so a browser must not reach it: a request
 * with an Origin header comes from a web page (the SDKs and the CLI never
 * send one), and on a loopback listener a Host that is not a loopback name
 * is DNS rebinding.  Such requests are refused with 403 before anything
 * runs (docs/SECURITY.md). */
static int refused(sv_server *s, struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *origin = evhttp_find_header(h, "Origin"), *host = evhttp_find_header(h, "Host");
	const char *why = NULL;
	cJSON *o;

	if (origin)
		why = "requests from web pages (with an Origin header) are refused";
	else if (s->loopback && (!host || !loopback_host(host)))
		why = "the Host header must name this machine's loopback (127.0.0.1, localhost)";
	if (!why)
		return 0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "__type", "AccessDeniedException");
	cJSON_AddStringToObject(o, "message", why);
	sv_reply_json(s, req, 403, "application/x-amz-json-1.0", o);
	return 1;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	sv_server *s = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *target;
	size_t len = evbuffer_get_length(in);
	const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";

	if (s->stopping)
		return sv_reply(s, req, 503, NULL, NULL, 0);
	if (refused(s, req))
		return;
	if (!path || !*path)
		path = "/";
	if (lamapi_handle(s->lam, req, path, body, len) == 0)
		return;
	target = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Amz-Target");
	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST && (strcmp(path, "/") == 0 || target)) {
		if (target && strncmp(target, SV_SFN_TARGET, strlen(SV_SFN_TARGET)) == 0)
			target += strlen(SV_SFN_TARGET);
		else
			target = NULL;
		sfnapi_handle(s->sfn, req, target, body, len);
		return;
	}
	{
		cJSON *o = cJSON_CreateObject();
		char *msg = xasprintf("steplocal serves the Step Functions API (POST / with "
				      "X-Amz-Target) and the Lambda API (/2015-03-31/functions); "
				      "nothing at %s", path);

		cJSON_AddStringToObject(o, "message", msg);
		free(msg);
		sv_reply_json(s, req, 404, "application/json", o);
	}
}

/* ---- life ---- */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	sv_server *s = arg;

	(void)what;
	if (s->stopping)
		return;
	fprintf(stderr, "steplocal serve: %s: stopping\n", sig == SIGINT ? "interrupted" : "terminated");
	s->stopping = 1;
	loop_stop(s->loop);
}

/* The engine's observer, before the Step Functions side exists. */
static void observe(void *ud, const sl_exec *x, const hist_event *e)
{
	sv_server *s = ud;

	if (s->sfn)
		sfnapi_observe(s->sfn, x, e);
}

/* Function log lines of functions when there is no project (the
 * workspace prints those of a project's). */
static void log_line(void *ud, const char *function, const char *request_id, const char *line)
{
	const sv_opts *o = ud;

	(void)request_id;
	if (!o->quiet)
		fprintf(stderr, "[%s] %s\n", function, line);
}

static int parse_args(int argc, char **argv, sv_opts *o)
{
	int i;

	o->port = SV_DEFAULT_PORT;
	o->host = SV_DEFAULT_HOST;
	o->wait_scale = 1;
	o->keep = SV_KEEP_CLOSED;
	o->mock_config = getenv("SFN_MOCK_CONFIG");
	if (o->mock_config && !*o->mock_config)
		o->mock_config = NULL;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;

		if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			o->quiet = 1;
			continue;
		}
		if (strcmp(a, "--no-reload") == 0) {
			o->no_reload = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "steplocal serve: unknown option or missing value: %s\n%s", a, usage_text);
			return -1;
		}
		i++;
		if (strcmp(a, "--port") == 0 || strcmp(a, "-p") == 0) {
			long p = strtol(v, &end, 10);

			if (*end || end == v || p < 0 || p > 65535) {
				fprintf(stderr, "steplocal serve: --port: not a port number: %s\n", v);
				return -1;
			}
			o->port = (int)p;
		} else if (strcmp(a, "--host") == 0) {
			o->host = v;
		} else if (strcmp(a, "-f") == 0 || strcmp(a, "--project") == 0) {
			o->project = v;
		} else if (strcmp(a, "--wait-scale") == 0) {
			o->wait_scale = strtod(v, &end);
			if (*end || end == v || o->wait_scale < 0) {
				fprintf(stderr, "steplocal serve: --wait-scale: not a number >= 0: %s\n", v);
				return -1;
			}
		} else if (strcmp(a, "--mock-config") == 0) {
			o->mock_config = v;
		} else if (strcmp(a, "--keep-executions") == 0) {
			long n = strtol(v, &end, 10);

			if (*end || end == v || n < 0 || n > 10000000) {
				fprintf(stderr, "steplocal serve: --keep-executions: not a number 0..10000000: %s\n", v);
				return -1;
			}
			o->keep = (int)n;
		} else if (strcmp(a, "--concurrency") == 0) {
			long n = strtol(v, &end, 10);

			if (*end || end == v || n < 1 || n > 100000) {
				fprintf(stderr, "steplocal serve: --concurrency: not a number 1..100000: %s\n", v);
				return -1;
			}
			o->concurrency = (int)n;
		} else {
			fprintf(stderr, "steplocal serve: unknown option: %s\n%s", a, usage_text);
			return -1;
		}
	}
	return 0;
}

/* Reads and loads the mock configuration; NULL with the problem printed. */
static mock_set *load_mocks(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL, *err = NULL;
	size_t len = 0, cap = 0, n;
	cJSON *cfg;
	mock_set *ms = NULL;

	if (!f) {
		fprintf(stderr, "steplocal serve: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	do {
		if (len + 4096 > cap)
			text = xrealloc(text, cap = cap ? cap * 2 : 65536);
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	cfg = js_parse(text ? text : "", len, NULL);
	free(text);
	if (!cfg)
		fprintf(stderr, "steplocal serve: %s: not valid JSON\n", path);
	else if (!(ms = mock_load(cfg, &err)))
		fprintf(stderr, "steplocal serve: %s: %s\n", path, err ? err : "not a mock configuration");
	free(err);
	cJSON_Delete(cfg);
	return ms;
}

/* ---- live reload ----
 *
 * The project's folders are watched (watch.h).  A burst of changes that
 * has settled for SL_WATCH_SETTLE_MS loads the project again; if it loads
 * and every state machine validates, the new version replaces the old one
 * at once: functions whose configuration or files changed are defined
 * again (their warm environments are replaced; busy ones finish first),
 * state machines whose definition changed are updated as UpdateStateMachine
 * does (running executions keep theirs), new ones appear, removed ones go,
 * and the faults start again.  A project that does not load is reported
 * and the previous version keeps serving.  Functions and state machines
 * created through the API are left alone unless the project names them. */
typedef struct reloader {
	sv_server *s;
	const char *project;       /* as given with -f, or NULL: the current folder */
	int fd;                    /* inotify, -1 when closed */
	struct event *ev, *settle;
	char **names;              /* the project's functions ... */
	unsigned long long *stamps;   /* ... and the stamps of their files */
	int n;
} reloader;

static void on_change(evutil_socket_t fd, short what, void *arg);

static void stamps_take(reloader *r)
{
	const proj_project *p = r->s->ws.proj;
	int i;

	for (i = 0; i < r->n; i++)
		free(r->names[i]);
	r->n = p->nfunctions;
	r->names = xrealloc(r->names, ((size_t)r->n + 1) * sizeof *r->names);
	r->stamps = xrealloc(r->stamps, ((size_t)r->n + 1) * sizeof *r->stamps);
	for (i = 0; i < r->n; i++) {
		r->names[i] = xstrdup(p->functions[i].name);
		r->stamps[i] = watch_stamp(&p->functions[i]);
	}
}

static unsigned long long stamp_of(const reloader *r, const char *name)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->names[i], name) == 0)
			return r->stamps[i];
	return 0;
}

/* (Re)opens the inotify descriptor on what the project depends on now. */
static int watch_open(reloader *r)
{
	int count;

	if (r->ev) {
		event_free(r->ev);
		r->ev = NULL;
	}
	if (r->fd >= 0)
		close(r->fd);
	r->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (r->fd < 0)
		return 0;
	/* The file loaded (a steplocal.yaml with template: too) and the project. */
	count = watch_project(r->fd, r->s->ws.file, NULL) +
		watch_project(r->fd, r->s->ws.proj->path, r->s->ws.proj);
	r->ev = event_new(r->s->base, r->fd, EV_READ | EV_PERSIST, on_change, r);
	event_add(r->ev, NULL);
	return count;
}

static void reload(reloader *r)
{
	sv_server *s = r->s;
	workspace nw = { 0 };
	proj_project *old = s->ws.proj, *np;
	sam_info oldsam = s->ws.sam;
	int i;

	nw.quiet = 1;              /* the notice was said at start */
	nw.sam_opts = s->ws.sam_opts;
	if (ws_load(&nw, r->project, 1) < 0) {
		fprintf(stderr, "steplocal serve: the project changed but does not load (above); "
			"still serving the previous version\n");
		sam_info_free(&nw.sam);
		free(nw.file);
		return;
	}
	free(nw.file);
	np = nw.proj;
	for (i = 0; i < np->nmachines; i++)
		if (sfnapi_check(&np->machines[i]) < 0) {
			fprintf(stderr, "steplocal serve: %s changed but its state machine %s is not "
				"valid (above); still serving the previous version\n", np->path,
				np->machines[i].name);
			proj_free(np);
			sam_info_free(&nw.sam);
			return;
		}
	s->ws.proj = np;
	s->ws.sam = nw.sam;
	for (i = 0; i < np->nfunctions; i++) {
		const proj_function *f = &np->functions[i], *was = proj_function_find(old, f->name);

		if (was && proj_function_equal(was, f) && stamp_of(r, f->name) == watch_stamp(f))
			continue;
		if (ws_define(&s->ws, f) == 0) {
			lamapi_sync(s->lam, f);
			fprintf(stderr, "steplocal serve: %s function %s\n", was ? "reloaded" : "added",
				f->name);
		}
	}
	for (i = 0; i < old->nfunctions; i++)
		if (!proj_function_find(np, old->functions[i].name)) {
			lamapi_drop(s->lam, old->functions[i].name);
			fprintf(stderr, "steplocal serve: removed function %s\n", old->functions[i].name);
		}
	for (i = 0; i < np->nmachines; i++) {
		const proj_machine *m = &np->machines[i];

		if (sfnapi_sync(s->sfn, m) > 0)
			fprintf(stderr, "steplocal serve: %s state machine %s\n",
				proj_machine_find(old, m->name) ? "reloaded" : "added", m->name);
	}
	for (i = 0; i < old->nmachines; i++)
		if (!proj_machine_find(np, old->machines[i].name)) {
			sfnapi_drop(s->sfn, old->machines[i].name);
			fprintf(stderr, "steplocal serve: removed state machine %s\n", old->machines[i].name);
		}
	ws_set_faults(&s->ws);
	stamps_take(r);
	proj_free(old);
	sam_info_free(&oldsam);
}

static void on_settled(evutil_socket_t fd, short what, void *arg)
{
	reloader *r = arg;

	(void)fd;
	(void)what;
	if (r->s->stopping)
		return;
	reload(r);
	watch_open(r);             /* new folders, new code paths */
}

/* A change: drained; the reload waits until the burst is over. */
static void on_change(evutil_socket_t fd, short what, void *arg)
{
	reloader *r = arg;
	struct timeval tv = { SL_WATCH_SETTLE_MS / 1000, (SL_WATCH_SETTLE_MS % 1000) * 1000 };
	char buf[4096];

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	evtimer_add(r->settle, &tv);
}

static void reloader_free(reloader *r)
{
	int i;

	if (r->ev)
		event_free(r->ev);
	if (r->settle)
		event_free(r->settle);
	if (r->fd >= 0)
		close(r->fd);
	for (i = 0; i < r->n; i++)
		free(r->names[i]);
	free(r->names);
	free(r->stamps);
}

/* The port a listener bound (for --port 0). */
static int bound_port(struct evhttp_bound_socket *bs)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int serve_main(int argc, char **argv)
{
	sv_opts o = { 0 };
	sv_server s = { 0 };
	sl_engine_opts eo = { 0 };
	struct evhttp *http = NULL;
	struct evhttp_bound_socket *bs;
	struct event *sigs[2] = { NULL, NULL };
	sl_task_handler lambda;
	reloader rl = { 0 };
	char *region = NULL, *account = NULL;
	int rc = 1, have;

	if (parse_args(argc, argv, &o))
		return 2;
	have = ws_load(&s.ws, o.project, o.project != NULL);
	if (have < 0)
		return 2;
	s.ws.quiet = o.quiet;
	s.ws.concurrency = o.concurrency;
	s.keep_closed = o.keep;
	s.wait_scale = o.wait_scale;
	/* Copies: a reload replaces the project (its region and account stay). */
	s.region = region = xstrdup(s.ws.proj ? s.ws.proj->region : PROJ_DEFAULT_REGION);
	s.account = account = xstrdup(s.ws.proj ? s.ws.proj->account : PROJ_DEFAULT_ACCOUNT);
	rl.fd = -1;
	if (o.mock_config && !(s.mocks = load_mocks(o.mock_config))) {
		ws_close(&s.ws);
		free(region);
		free(account);
		return 2;
	}
	s.base = lam_base_new();
	if (!s.base)
		abort(); /* only fails on allocation */
	eo.wait_scale = o.wait_scale;
	eo.seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	eo.observer = observe;
	eo.observer_ud = &s;
	srand(eo.seed);
	s.g = ex_engine_new(&eo);
	s.loop = loop_new(s.base, s.g);
	if (s.ws.proj) {
		if (ws_start_lambda(&s.ws, s.base, s.loop))
			goto out;
	} else {
		lam_service_opts so = { 0 };

		so.region = s.region;
		so.account = s.account;
		so.account_concurrency = o.concurrency;
		so.log = log_line;
		so.log_ud = &o;
		s.ws.base = s.base;
		s.ws.svc = lam_service_new(s.base, &so);
		if (!s.ws.svc)
			abort(); /* only fails on allocation */
		s.ws.bridge = lt_new(s.ws.svc, s.loop, s.region, s.account, NULL, 0, log_line, &o);
	}
	if (!(s.sfn = sfnapi_new(&s)))
		goto out;
	s.lam = lamapi_new(&s);
	/* Mocked states first, then activities, the functions behind them. */
	lambda = lt_handler(s.ws.bridge);
	lambda = sfnapi_activities(s.sfn, lambda);
	s.tasks = sfnapi_tasks(s.sfn, s.mocks ? mock_handler(s.mocks, lambda) : lambda);
	ex_engine_set_tasks(s.g, s.tasks);

	http = evhttp_new(s.base);
	if (!http)
		abort(); /* only fails on allocation */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
				   EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(http, SV_MAX_BODY);
	evhttp_set_max_headers_size(http, SV_MAX_HEADERS);
	evhttp_set_timeout(http, SV_CONN_TIMEOUT);
	evhttp_set_gencb(http, on_request, &s);
	/* Said before listening, so that it shows even when that fails. */
	s.loopback = loopback_host(o.host) || strcmp(o.host, "::1") == 0;
	if (!s.loopback)
		fprintf(stderr, "steplocal serve: warning: listening on %s, not loopback: whoever "
			"reaches this address can run your functions (the API has no authentication)\n",
			o.host);
	bs = evhttp_bind_socket_with_handle(http, o.host, (ev_uint16_t)o.port);
	if (!bs) {
		fprintf(stderr, "steplocal serve: cannot listen on %s:%d: %s\n", o.host, o.port,
			strerror(errno));
		goto out;
	}
	sigs[0] = evsignal_new(s.base, SIGINT, on_signal, &s);
	sigs[1] = evsignal_new(s.base, SIGTERM, on_signal, &s);
	evsignal_add(sigs[0], NULL);
	evsignal_add(sigs[1], NULL);
	if (s.ws.proj && !o.no_reload) {
		int n;

		rl.s = &s;
		rl.project = o.project;
		rl.settle = evtimer_new(s.base, on_settled, &rl);
		stamps_take(&rl);
		n = watch_open(&rl);
		if (!o.quiet)
			fprintf(stderr, "steplocal serve: reloading on changes (%d folder%s watched)\n", n,
				n == 1 ? "" : "s");
	}
	printf("steplocal serve: listening on http://%s:%d (%s)\n", o.host, bound_port(bs),
	       s.ws.proj ? s.ws.proj->path : "no project");
	fflush(stdout);
	loop_serve(s.loop);
	rc = 0;
out:
	/* Order (serve.h): requests, executions, API state, functions. */
	s.stopping = 1;
	reloader_free(&rl);
	if (http)
		evhttp_free(http);
	if (sigs[0]) {
		event_free(sigs[0]);
		event_free(sigs[1]);
	}
	ex_engine_free(s.g);
	sfnapi_free(s.sfn);
	lamapi_free(s.lam);
	loop_free(s.loop);
	ws_close(&s.ws);
	event_base_free(s.base);
	mock_free(s.mocks);
	free(region);
	free(account);
	return rc;
}
