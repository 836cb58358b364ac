/* lambda_bench.c - warm and cold invocation figures of the Lambda service (runtime/lambda.h), for `make bench`.
 *
 *   lambda_bench --runtime-dir DIR --c-code DIR [--py-code DIR] [--py-runtime python3.N]
 *                [--warm N] [--cold K] [--chains C]
 *   lambda_bench --interp python3.N
 *       prints {"what":"interp","runtime":R,"path":P}: the interpreter the
 *       runtime runs here (runtime/interp.h), whose bare start is the floor
 *       of the Python cold start.
 *
 * Drives lam_service on its own libevent loop, as steplocal does, with no
 * log sink (the platform's START/END/REPORT lines are still formatted):
 *
 *   warm   a provided.al2023 function whose package (--c-code) holds a
 *          bootstrap built from the C runtime client's echo example.  One
 *          invocation warms it, then N invocations run back to back, each
 *          started from the previous one's callback; then the same N
 *          spread over C concurrent chains (C environments, warmed first).
 *          Each latency runs from lam_invoke to the callback.
 *   cold   K samples per runtime, each a function defined under a new name
 *          (so a new environment: spawn, init, first /next, the invocation)
 *          and removed after its answer, with a pause for the reaping.
 *
 * Every answer is checked (status LAM_OK, the event echoed byte for byte).
 * Prints one JSON object per figure on stdout:
 *   {"what":"warm","chains":C,"n":N,"median_us":..,"p99_us":..,"per_s":..,"seconds":..,
 *    "service_cpu_us":..}   (this process's CPU time per invocation)
 *   {"what":"cold","runtime":R,"n":K,"median_us":..,"p99_us":..,"min_us":..,"init_median_us":..}
 * Exit status 0, 1 on a wrong answer or a stall (a reason on stderr), 2 for usage. */
#include "bstats.h"
#include "interp.h"
#include "lambda.h"

#include <cjson/cJSON.h>
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PAYLOAD "{\"id\":12345,\"msg\":\"hello from lambda_bench\",\"items\":[1,2,3]}"
#define PHASE_TIMEOUT_S 120     /* a phase that takes longer is stuck */
#define REAP_PAUSE_MS 20        /* after a cold sample: let SIGCHLD reap it */
#define MAX_CHAINS 64

static struct event_base *g_base;
static lam_service *g_svc;
static int g_failed;
static double g_init_ms = -1;   /* Init Duration of the last REPORT line */

typedef struct chain {
	lam_function *f;
	double t0;
	int left;                      /* invocations still to start */
	double *lat;                   /* where its latencies go */
	int *count;                    /* shared: latencies recorded */
	int *running;                  /* shared: chains not finished */
} chain;

/* Whether the answer is the event: byte for byte (the C echo), or the same
 * JSON value (the Python runtime re-serialises it). */
static int same_json(const char *p, size_t len)
{
	cJSON *a, *b;
	int same;

	if (len == sizeof(PAYLOAD) - 1 && !memcmp(p, PAYLOAD, len))
		return 1;
	a = cJSON_ParseWithLength(p, len);
	b = cJSON_Parse(PAYLOAD);
	same = a && b && cJSON_Compare(a, b, 1);
	cJSON_Delete(a);
	cJSON_Delete(b);
	return same;
}

static int check(const lam_result *r)
{
	if (r->status != LAM_OK || !same_json(r->payload, r->len)) {
		fprintf(stderr, "lambda_bench: wrong answer (status %d, %s): %.*s\n", (int)r->status,
			r->error_type ? r->error_type : "-", (int)(r->len > 300 ? 300 : r->len), r->payload);
		g_failed = 1;
		event_base_loopbreak(g_base);
		return -1;
	}
	return 0;
}

static void on_log(void *ud, const char *function, const char *request_id, const char *line)
{
	const char *p;

	(void)ud;
	(void)function;
	(void)request_id;
	if (!strncmp(line, "REPORT ", 7) && (p = strstr(line, "Init Duration: ")) != NULL)
		g_init_ms = atof(p + 15);
}

static void on_chain(void *ud, const lam_result *r)
{
	chain *c = ud;
	double t = bs_now_us();

	if (check(r) != 0)
		return;
	c->lat[(*c->count)++] = t - c->t0;
	if (c->left-- > 0) {
		c->t0 = bs_now_us();
		lam_invoke(c->f, PAYLOAD, sizeof(PAYLOAD) - 1, NULL, on_chain, c);
		return;
	}
	if (--*c->running == 0)
		event_base_loopbreak(g_base);
}

static void on_timeout(evutil_socket_t fd, short what, void *ud)
{
	(void)fd;
	(void)what;
	fprintf(stderr, "lambda_bench: %s: no answer after %d s\n", (const char *)ud, PHASE_TIMEOUT_S);
	g_failed = 1;
	event_base_loopbreak(g_base);
}

/* Runs the loop until a callback breaks it; a watchdog fails a stuck phase. */
static int run_phase(const char *what)
{
	struct timeval tv = { PHASE_TIMEOUT_S, 0 };
	struct event *wd = evtimer_new(g_base, on_timeout, (void *)what);

	evtimer_add(wd, &tv);
	event_base_dispatch(g_base);
	event_free(wd);
	return g_failed ? -1 : 0;
}

/* Runs the loop for ms milliseconds (reaping, idle work). */
static void pause_ms(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(g_base, &tv);
	event_base_dispatch(g_base);
}

/* n invocations over `chains` concurrent chains; lat gets every latency. */
static int run_chains(lam_function *f, int chains, int n, double *lat, double *seconds)
{
	chain c[MAX_CHAINS];
	int count = 0, running = chains, i;
	double t0;

	t0 = bs_now_us();
	for (i = 0; i < chains; i++) {
		c[i].f = f;
		c[i].lat = lat;
		c[i].count = &count;
		c[i].running = &running;
		c[i].left = n / chains + (i < n % chains) - 1;
		c[i].t0 = bs_now_us();
		lam_invoke(f, PAYLOAD, sizeof(PAYLOAD) - 1, NULL, on_chain, &c[i]);
	}
	if (run_phase("warm invocations") != 0)
		return -1;
	*seconds = (bs_now_us() - t0) / 1e6;
	return count == n ? 0 : -1;
}

/* CPU time (user + system) of this process - the service's side of
 * every invocation - in microseconds. */
static double cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static lam_function *define(const char *name, const char *runtime, const char *handler, const char *code)
{
	lam_config c;
	lam_function *f;
	char *err = NULL;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.runtime = runtime;
	c.handler = handler;
	c.code_dir = code;
	c.timeout = 10;
	c.reserved = -1;
	f = lam_define(g_svc, &c, &err);
	if (!f) {
		fprintf(stderr, "lambda_bench: cannot define %s: %s\n", name, err ? err : "?");
		free(err);
	}
	return f;
}

static void on_idle(void *ud, const lam_result *r)
{
	double *t = ud;

	if (check(r) != 0)
		return;
	*t = bs_now_us() - *t;
	event_base_loopbreak(g_base);
}

/* n invocations, each started only once the warm environment is back on
 * /next: the latency of an invocation that finds a warm environment
 * waiting, without the previous invocation's tail (its 202 and the next
 * GET /next) that a back-to-back chain also waits for. */
static int warm_idle(const char *code, int n)
{
	lam_function *f = define("bench-idle", "provided.al2023", NULL, code);
	double *lat = calloc((size_t)n + 1, sizeof(double)), secs;
	int i;

	if (!f || !lat)
		return -1;
	if (run_chains(f, 1, 1, lat, &secs) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		while (!lam_function_ready(f) && !g_failed)
			event_base_loop(g_base, EVLOOP_ONCE);
		lat[i] = bs_now_us();
		lam_invoke(f, PAYLOAD, sizeof(PAYLOAD) - 1, NULL, on_idle, &lat[i]);
		if (run_phase("warm invocation") != 0)
			return -1;
	}
	bs_sort(lat, (size_t)n);
	printf("{\"what\":\"idle\",\"n\":%d,\"median_us\":%.1f,\"p99_us\":%.1f}\n", n,
	       bs_pct(lat, (size_t)n, 50), bs_pct(lat, (size_t)n, 99));
	fflush(stdout);
	free(lat);
	lam_remove(g_svc, f);
	pause_ms(REAP_PAUSE_MS);
	return 0;
}

static int warm(const char *code, int n, int chains)
{
	lam_function *f = define("bench-warm", "provided.al2023", NULL, code);
	double *lat = calloc((size_t)n + MAX_CHAINS, sizeof(double)), secs, cpu;

	if (!f || !lat)
		return -1;
	/* Warm every environment the chains will use, all at once. */
	if (run_chains(f, chains, chains, lat, &secs) != 0)
		return -1;
	cpu = cpu_us();
	if (run_chains(f, chains, n, lat, &secs) != 0)
		return -1;
	cpu = cpu_us() - cpu;
	bs_sort(lat, (size_t)n);
	printf("{\"what\":\"warm\",\"chains\":%d,\"n\":%d,\"median_us\":%.1f,\"p99_us\":%.1f,"
	       "\"per_s\":%.0f,\"seconds\":%.4f,\"service_cpu_us\":%.1f}\n", chains, n,
	       bs_pct(lat, (size_t)n, 50), bs_pct(lat, (size_t)n, 99), n / secs, secs, cpu / n);
	fflush(stdout);
	free(lat);
	lam_remove(g_svc, f);
	pause_ms(REAP_PAUSE_MS);
	return 0;
}

static void on_cold(void *ud, const lam_result *r)
{
	double *t = ud;

	if (check(r) != 0)
		return;
	*t = bs_now_us() - *t;
	event_base_loopbreak(g_base);
}

static int cold(const char *runtime, const char *handler, const char *code, int k)
{
	double *lat = calloc((size_t)k, sizeof(double)), *init = calloc((size_t)k, sizeof(double));
	char name[64];
	int i, ni = 0;

	if (!lat || !init)
		return -1;
	for (i = 0; i < k; i++) {
		lam_function *f;

		snprintf(name, sizeof(name), "bench-cold-%s-%d", runtime[0] == 'p' && runtime[1] == 'y' ?
			 "py" : "c", i);
		if (!(f = define(name, runtime, handler, code)))
			return -1;
		g_init_ms = -1;
		lat[i] = bs_now_us();
		lam_invoke(f, PAYLOAD, sizeof(PAYLOAD) - 1, NULL, on_cold, &lat[i]);
		if (run_phase("cold start") != 0)
			return -1;
		if (g_init_ms >= 0)
			init[ni++] = g_init_ms * 1000;
		lam_remove(g_svc, f);
		pause_ms(REAP_PAUSE_MS);
	}
	bs_sort(lat, (size_t)k);
	bs_sort(init, (size_t)ni);
	printf("{\"what\":\"cold\",\"runtime\":\"%s\",\"n\":%d,\"median_us\":%.1f,\"p99_us\":%.1f,"
	       "\"min_us\":%.1f,\"init_median_us\":%.1f}\n", runtime, k, bs_pct(lat, (size_t)k, 50),
	       bs_pct(lat, (size_t)k, 99), lat[0], bs_pct(init, (size_t)ni, 50));
	fflush(stdout);
	free(lat);
	free(init);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: lambda_bench --runtime-dir DIR --c-code DIR [--py-code DIR] "
		"[--py-runtime python3.N] [--warm N] [--cold K] [--chains C]\n"
		"       lambda_bench --interp python3.N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *rt = NULL, *ccode = NULL, *pycode = NULL, *pyrt = "python3.12";
	int n = 20000, k = 30, chains = 2, i, rc = 0;
	lam_service_opts o;

	if (argc == 3 && !strcmp(argv[1], "--interp")) {
		extern char **environ;
		char *cwd = getcwd(NULL, 0), *p = interp_find("python", argv[2], getenv("PATH"),
							       cwd ? cwd : "/", environ);

		free(cwd);
		if (!p) {
			fprintf(stderr, "lambda_bench: no interpreter for %s on PATH\n", argv[2]);
			return 1;
		}
		printf("{\"what\":\"interp\",\"runtime\":\"%s\",\"path\":\"%s\"}\n", argv[2], p);
		free(p);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(a, "--runtime-dir"))
			rt = v;
		else if (!strcmp(a, "--c-code"))
			ccode = v;
		else if (!strcmp(a, "--py-code"))
			pycode = v;
		else if (!strcmp(a, "--py-runtime"))
			pyrt = v;
		else if (!strcmp(a, "--warm"))
			n = atoi(v);
		else if (!strcmp(a, "--cold"))
			k = atoi(v);
		else if (!strcmp(a, "--chains"))
			chains = atoi(v);
		else
			usage();
		i++;
	}
	if (!rt || !ccode || n < 1 || k < 0 || chains < 1 || chains > MAX_CHAINS)
		usage();
	memset(&o, 0, sizeof(o));
	o.runtime_dir = rt;
	o.log = on_log;
	g_base = lam_base_new();   /* the loop steplocal itself uses */
	if (!g_base || !(g_svc = lam_service_new(g_base, &o))) {
		fprintf(stderr, "lambda_bench: cannot create the service\n");
		return 1;
	}
	if (warm_idle(ccode, n) != 0 || warm(ccode, n, 1) != 0 ||
	    (chains > 1 && warm(ccode, n, chains) != 0))
		rc = 1;
	if (!rc && k > 0 && cold("provided.al2023", NULL, ccode, k) != 0)
		rc = 1;
	if (!rc && k > 0 && pycode && cold(pyrt, "app.handler", pycode, k) != 0)
		rc = 1;
	lam_service_free(g_svc);
	event_base_free(g_base);
	return rc;
}
