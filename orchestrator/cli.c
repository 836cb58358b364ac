/* cli.c - the steplocal command line (see cli.h and PRODUCT.md's Commands). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "evloop.h"
#include "exec.h"
#include "fsutil.h"
#include "lambda_task.h"
#include "project.h"
#include "export.h"
#include "serve.h"
#include "watch.h"
#include "workspace.h"
#include "limits.h"
#include "mock.h"
#include "xalloc.h"

#define EXIT_FAILED 1
#define EXIT_USAGE  2

static const char usage_text[] =
	"usage: steplocal <command> [options]\n"
	"\n"
	"commands:\n"
	"  run NAME [-f PROJECT] | --definition FILE [-f PROJECT]\n"
	"      [--input JSON | --input-file F] [--type STANDARD|EXPRESS]\n"
	"      [--json] [--history] [--wait-scale X] [--mock-config F --test-case NAME]\n"
	"      [--name NAME] [--quiet] [--stats] [--max-payload BYTES] [--concurrency N]\n"
	"      [--max-definition BYTES]\n"
	"      [--watch] [--parameter-overrides K=V ...] [--env-vars FILE]\n"
	"                       run one execution of a state machine of the project\n"
	"                       (steplocal.yaml or a SAM template.yaml here, or -f), or\n"
	"                       of a definition file\n"
	"  invoke FUNCTION [--event FILE | -] [-f PROJECT] [--env-vars FILE]\n"
	"                       invoke one function: result on stdout, logs on stderr\n"
	"  serve [--port 8083] [--host 127.0.0.1] [-f PROJECT] [--wait-scale X] [--mock-config F]\n"
	"                       the AWS Step Functions and Lambda APIs on one port\n"
	"  validate FILE [--max-definition BYTES] | validate [-f PROJECT]\n"
	"                       report every problem of a definition, as AWS does, or\n"
	"                       of each state machine of the project\n"
	"  export [-f PROJECT] [-o FILE | -] [--force]\n"
	"                       write the AWS SAM template that deploys the project\n"
	"                       (default: template.yaml next to steplocal.yaml)\n"
	"  help                 this text\n"
	"\n"
	"--max-payload BYTES changes AWS's 256 KiB limit on inputs, outputs and\n"
	"results (0: no limit), for stress tests and benchmarks only; --max-definition\n"
	"BYTES AWS's 1 MiB limit on a definition file.\n"
	"--stats prints {\"transitions\":N,\"seconds\":S} on stderr.\n"
	"--watch runs again each time the project, a definition or a function changes.\n"
	"--concurrency N caps the function environments of the whole account (default\n"
	"16 per CPU, at least 32); calls over it are throttled as on AWS.\n";

/* Reads a whole file (or stdin for "-"); returns owned text and its length,
 * or NULL with a message printed. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 4096, n = 0, r;
	char *buf;

	if (!f) {
		fprintf(stderr, "steplocal: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(cap);
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	if (ferror(f)) {
		fprintf(stderr, "steplocal: cannot read %s: %s\n", path, strerror(errno));
		if (f != stdin)
			fclose(f);
		free(buf);
		return NULL;
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void print_diags(FILE *out, const char *file, const diags *d)
{
	int i;

	fprintf(out, "steplocal: %s is not a valid state machine definition:\n", file);
	for (i = 0; i < d->n; i++)
		fprintf(out, "  %s %s: %s%s%s\n", d->v[i].severity, d->v[i].code,
			d->v[i].message, d->v[i].location ? " at " : "",
			d->v[i].location ? d->v[i].location : "");
}

/* Reads a byte count option's value: a non-negative number, 0 for no
 * limit (stored as -1); returns -1 with a message otherwise. */
static int bytes_opt(const char *opt, const char *arg, long *out)
{
	char *end;

	if (!arg) {
		fprintf(stderr, "steplocal: %s needs a number of bytes\n", opt);
		return -1;
	}
	errno = 0;
	*out = strtol(arg, &end, 10);
	if (!*arg || *end || *out < 0 || errno) {
		fprintf(stderr, "steplocal: %s needs a non-negative number of bytes, not '%s'\n", opt, arg);
		return -1;
	}
	if (*out == 0)
		*out = -1;
	return 0;
}

/* Whether a definition of len bytes is over AWS's quota of 1 MiB (or max
 * from --max-definition: 0 is the quota, -1 no limit); says so. */
static int definition_too_big(const char *file, size_t len, long max)
{
	long limit = max ? max : SL_DEFAULT_MAX_DEFINITION;

	if (max < 0 || len <= (size_t)limit)
		return 0;
	fprintf(stderr, "steplocal: %s: the definition is %zu bytes; AWS accepts at most %ld "
		"(InvalidDefinition; --max-definition lifts the limit)\n", file, len, limit);
	return 1;
}

static asl_machine *load_definition(const char *file, long max, diags *d)
{
	size_t len;
	char *text = read_file(file, &len);
	asl_machine *m;

	if (!text)
		return NULL;
	if (definition_too_big(file, len, max)) {
		free(text);
		return NULL;
	}
	m = asl_load_text(text, len, d);
	free(text);
	return m;
}

/* ---- validate ---- */

/* Prints a validation result (owned json taken) and returns the exit
 * status: 2 when it holds an error. */
static int print_validation(cJSON *out, int errors)
{
	char *s = js_print_pretty(out);

	printf("%s\n", s);
	free(s);
	cJSON_Delete(out);
	return errors ? EXIT_USAGE : 0;
}

/* validate FILE: one definition, AWS's response. */
static int validate_file(const char *file, long max)
{
	diags d = { 0 };
	asl_machine *m;
	size_t len;
	char *text = read_file(file, &len);
	int errors;

	if (!text)
		return EXIT_USAGE;
	if (definition_too_big(file, len, max)) {
		free(text);
		return EXIT_USAGE;
	}
	m = asl_load_text(text, len, &d);
	free(text);
	asl_unref(m);
	errors = d.errors;
	errors = print_validation(diag_to_json(&d), errors);
	diag_free(&d);
	return errors;
}

/* validate -f PROJECT: each state machine's result under its name, with
 * the Tasks that name a function the project does not define. */
static int validate_project(const char *project, const char **overrides, int noverrides)
{
	workspace w = { 0 };
	cJSON *out;
	int i, errors = 0;

	w.sam_opts.overrides = overrides;
	w.sam_opts.noverrides = noverrides;
	if (ws_load(&w, project, 1)) {
		ws_close(&w);
		return EXIT_USAGE;
	}
	out = cJSON_CreateObject();
	for (i = 0; i < w.proj->nmachines; i++) {
		const proj_machine *pm = &w.proj->machines[i];
		diags d = { 0 };
		asl_machine *m = asl_load(pm->definition, &d);

		if (m && pm->express)
			asl_check_express(m, &d);
		ws_check_functions(&w, pm, &d);
		asl_unref(m);
		errors += d.errors;
		cJSON_AddItemToObject(out, pm->name, diag_to_json(&d));
		diag_free(&d);
	}
	ws_close(&w);
	return print_validation(out, errors);
}

static int cmd_validate(int argc, char **argv)
{
	const char *file = NULL, *project = NULL, *overrides[SL_MAX_OVERRIDES];
	long max = 0;
	int i, noverrides = 0, usage = 0;

	for (i = 1; i < argc && !usage; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--max-definition")) {
			if (bytes_opt(a, i + 1 < argc ? argv[i + 1] : NULL, &max))
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "-f") && i + 1 < argc && !project) {
			project = argv[++i];
		} else if (!strcmp(a, "--parameter-overrides")) {
			while (i + 1 < argc && argv[i + 1][0] != '-' && noverrides < SL_MAX_OVERRIDES)
				overrides[noverrides++] = argv[++i];
		} else if (!file && (a[0] != '-' || !a[1])) {
			file = a;
		} else {
			usage = 1;
		}
	}
	/* A YAML file is a project (definitions are JSON). */
	if (file && !project && (fs_ends_with(file, ".yaml") || fs_ends_with(file, ".yml"))) {
		project = file;
		file = NULL;
	}
	if (usage || (file && (project || noverrides))) {
		fprintf(stderr, "usage: steplocal validate FILE [--max-definition BYTES]\n"
			"       steplocal validate [-f PROJECT] [--parameter-overrides K=V ...]\n");
		return EXIT_USAGE;
	}
	return file ? validate_file(file, max) : validate_project(project, overrides, noverrides);
}

/* ---- run ---- */

typedef struct run_opts {
	const char *machine;            /* NAME: a state machine of the project */
	const char *project;            /* -f: the project file or folder */
	const char *definition;
	const char *input;
	const char *input_file;
	const char *type;
	const char *name;
	const char *mock_config;
	const char *test_case;
	double wait_scale;
	long max_payload;
	long max_definition;            /* 0: AWS's quota, -1: none */
	int concurrency;
	int json, history, quiet, stats, live, watch;
	const char *overrides[SL_MAX_OVERRIDES];
	int noverrides;
	const char *env_vars;
} run_opts;

/* The live view: one line per state entered, left, retried or waiting,
 * on stderr, when it is a terminal. */
static void live_event(void *ud, const sl_exec *x, const hist_event *e)
{
	char name[64];
	const char *tn = hist_type_name(e, name, sizeof name);

	(void)ud;
	(void)x;
	switch (e->type) {
	case EV_STATE_ENTERED:
		fprintf(stderr, "\033[36m▶ %-8s\033[0m %s\n", e->state_type, e->state);
		break;
	case EV_STATE_EXITED:
		fprintf(stderr, "\033[32m✔ %-8s\033[0m %s\n", e->state_type, e->state);
		break;
	case EV_TASK_FAILED:
	case EV_LAMBDA_FAILED:
	case EV_TASK_TIMED_OUT:
	case EV_LAMBDA_TIMED_OUT:
	case EV_ACTIVITY_FAILED:
	case EV_ACTIVITY_TIMED_OUT:
		fprintf(stderr, "\033[31m✘ %s\033[0m %s%s%s\n", tn, e->error ? e->error : "",
			e->cause ? ": " : "", e->cause ? e->cause : "");
		break;
	case EV_EXECUTION_FAILED:
	case EV_EXECUTION_TIMED_OUT:
	case EV_EXECUTION_ABORTED:
		fprintf(stderr, "\033[31m✘ %s\033[0m %s\n", tn, e->error ? e->error : "");
		break;
	default:
		break;
	}
}

/* Prints the history's events as a JSON array after prefix, one event at a
 * time. */
static void print_events(FILE *out, const sl_exec *x, const char *prefix, int depth)
{
	const hist *h = ex_history(x);
	long i;
	int k;

	fputs(prefix, out);
	fputs("[", out);
	for (i = 0; i < h->n; i++) {
		cJSON *e = hist_event_json(&h->v[i], 1);

		fputs(i ? ",\n" : "\n", out);
		for (k = 0; k <= depth; k++)
			fputs("  ", out);
		js_print_file(out, e, depth + 1);
		cJSON_Delete(e);
	}
	if (h->n) {
		fputs("\n", out);
		for (k = 0; k < depth; k++)
			fputs("  ", out);
	}
	fputs("]", out);
}

static void live_note(void *ud, const sl_exec *x, const char *state, const char *note)
{
	(void)ud;
	(void)x;
	fprintf(stderr, "\033[33m… %-8s\033[0m %s: %s\n", "", state, note);
}

/* Prints the --json object, {"executionArn","status","output","error",
 * "cause","startDate","stopDate"} (+ "events" with --history), streaming
 * the output and the events: they can be large. */
static void print_result(FILE *out, const sl_exec *x, int with_history)
{
	cJSON *o = cJSON_CreateObject(), *f;
	char ts[40];

	cJSON_AddStringToObject(o, "executionArn", ex_arn(x));
	cJSON_AddStringToObject(o, "status", ex_status_name(ex_get_status(x)));
	cJSON_AddNullToObject(o, "output");
	if (ex_error(x))
		cJSON_AddStringToObject(o, "error", ex_error(x));
	else
		cJSON_AddNullToObject(o, "error");
	if (ex_cause(x))
		cJSON_AddStringToObject(o, "cause", ex_cause(x));
	else
		cJSON_AddNullToObject(o, "cause");
	hist_iso_time(ex_start_date(x), ts, sizeof ts);
	cJSON_AddStringToObject(o, "startDate", ts);
	hist_iso_time(ex_stop_date(x), ts, sizeof ts);
	cJSON_AddStringToObject(o, "stopDate", ts);
	fputs("{", out);
	for (f = o->child; f; f = f->next) {
		fprintf(out, "%s\n  \"%s\": ", f == o->child ? "" : ",", f->string);
		js_print_file(out, strcmp(f->string, "output") == 0 && ex_output(x) ?
			      ex_output(x) : f, 1);
	}
	if (with_history)
		print_events(out, x, ",\n  \"events\": ", 1);
	fputs("\n}\n", out);
	cJSON_Delete(o);
}

static int parse_run_args(int argc, char **argv, run_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **target = NULL;

		if (strcmp(a, "--json") == 0) { o->json = 1; continue; }
		if (strcmp(a, "--history") == 0) { o->history = 1; continue; }
		if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) { o->quiet = 1; continue; }
		if (strcmp(a, "--stats") == 0) { o->stats = 1; continue; }
		if (strcmp(a, "--watch") == 0 || strcmp(a, "-w") == 0) { o->watch = 1; continue; }
		if (strcmp(a, "--definition") == 0) target = &o->definition;
		else if (strcmp(a, "-f") == 0 || strcmp(a, "--project") == 0) target = &o->project;
		else if (strcmp(a, "--input") == 0) target = &o->input;
		else if (strcmp(a, "--input-file") == 0) target = &o->input_file;
		else if (strcmp(a, "--type") == 0) target = &o->type;
		else if (strcmp(a, "--name") == 0) target = &o->name;
		else if (strcmp(a, "--mock-config") == 0) target = &o->mock_config;
		else if (strcmp(a, "--test-case") == 0) target = &o->test_case;
		else if (strcmp(a, "--wait-scale") == 0) {
			char *end;

			if (i + 1 >= argc) {
				fprintf(stderr, "steplocal: --wait-scale needs a number\n");
				return -1;
			}
			o->wait_scale = strtod(argv[++i], &end);
			if (*end || o->wait_scale < 0) {
				fprintf(stderr, "steplocal: --wait-scale needs a non-negative number, not '%s'\n", argv[i]);
				return -1;
			}
			continue;
		} else if (strcmp(a, "--env-vars") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "steplocal: --env-vars needs a file\n");
				return -1;
			}
			o->env_vars = argv[++i];
			continue;
		} else if (strcmp(a, "--parameter-overrides") == 0) {
			/* As sam: the Key=Value words that follow. */
			while (i + 1 < argc && argv[i + 1][0] != '-' && strchr(argv[i + 1], '=')) {
				if (o->noverrides == SL_MAX_OVERRIDES) {
					fprintf(stderr, "steplocal: more than %d parameter overrides\n", SL_MAX_OVERRIDES);
					return -1;
				}
				o->overrides[o->noverrides++] = argv[++i];
			}
			continue;
		} else if (strcmp(a, "--concurrency") == 0) {
			char *end;

			if (i + 1 >= argc || (o->concurrency = (int)strtol(argv[i + 1], &end, 10)) < 1 || *end) {
				fprintf(stderr, "steplocal: --concurrency needs a number of environments (1 or more)\n");
				return -1;
			}
			i++;
			continue;
		} else if (strcmp(a, "--max-payload") == 0 || strcmp(a, "--max-definition") == 0) {
			if (bytes_opt(a, i + 1 < argc ? argv[i + 1] : NULL,
				      a[6] == 'p' ? &o->max_payload : &o->max_definition))
				return -1;
			i++;
			continue;
		} else if (a[0] == '-') {
			fprintf(stderr, "steplocal: unknown option '%s'\n", a);
			return -1;
		} else if (!o->machine) {
			o->machine = a;
			continue;
		} else {
			fprintf(stderr, "steplocal: run: one state machine at a time ('%s' and '%s')\n",
				o->machine, a);
			return -1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "steplocal: %s needs a value\n", a);
			return -1;
		}
		*target = argv[++i];
	}
	if (!o->definition == !o->machine) {
		fprintf(stderr, "steplocal: run needs a state machine NAME or --definition FILE\n%s", usage_text);
		return -1;
	}
	if (o->input && o->input_file) {
		fprintf(stderr, "steplocal: give --input or --input-file, not both\n");
		return -1;
	}
	if (o->type && strcmp(o->type, "STANDARD") != 0 && strcmp(o->type, "EXPRESS") != 0) {
		fprintf(stderr, "steplocal: --type must be STANDARD or EXPRESS, not '%s'\n", o->type);
		return -1;
	}
	if (!o->mock_config != !o->test_case) {
		fprintf(stderr, "steplocal: --mock-config and --test-case go together\n");
		return -1;
	}
	return 0;
}

static cJSON *load_input(const run_opts *o, char **text_out)
{
	size_t len, off = 0;
	char *text;
	cJSON *v;
	const char *what = o->input_file ? o->input_file : "--input";

	if (o->input_file) {
		if (!(text = read_file(o->input_file, &len)))
			return NULL;
	} else {
		text = xstrdup(o->input ? o->input : "{}");
		len = strlen(text);
	}
	if (o->max_payload >= 0 && len > (size_t)(o->max_payload ? o->max_payload : SL_MAX_PAYLOAD_BYTES)) {
		fprintf(stderr, "steplocal: %s: the input is %zu bytes; AWS accepts at most %ld (InvalidExecutionInput; "
			"--max-payload lifts the limit)\n",
			what, len, o->max_payload ? o->max_payload : (long)SL_MAX_PAYLOAD_BYTES);
		free(text);
		return NULL;
	}
	v = js_parse(text, len, &off);
	if (!v) {
		fprintf(stderr, "steplocal: %s: the input is not valid JSON (at byte %zu) (InvalidExecutionInput)\n",
			what, off);
		free(text);
		return NULL;
	}
	*text_out = text;
	return v;
}

/* A state machine run from a file is named after it, as far as its first
 * dot: workflows/OrderWorkflow.asl.json runs as OrderWorkflow (the name
 * that ARNs, $$.StateMachine.Name and mock configurations use). */
static char *name_from_file(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strcspn(b, ".");
	return n ? xstrndup(b, n) : xstrdup("StateMachine");
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- run ---- */

/* Ctrl-C or SIGTERM: the execution is stopped (ABORTED) and the loop ends;
 * the caller then ends every function process. */
typedef struct stopper {
	sl_exec *x;
	sl_loop *loop;
	struct event_base *base;
} stopper;

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	stopper *st = arg;

	(void)what;
	fprintf(stderr, "steplocal: %s: stopping\n", sig == SIGINT ? "interrupted" : "terminated");
	if (st->x)
		ex_stop(st->x, "States.Aborted", "steplocal was interrupted");
	if (st->loop)
		loop_stop(st->loop);
	else
		event_base_loopexit(st->base, NULL);
}

static void watch_signals(struct event_base *base, stopper *st, struct event **evs)
{
	evs[0] = evsignal_new(base, SIGINT, on_signal, st);
	evs[1] = evsignal_new(base, SIGTERM, on_signal, st);
	evsignal_add(evs[0], NULL);
	evsignal_add(evs[1], NULL);
}

/* The definition to run: a state machine of the project, or a file. */
static asl_machine *run_definition(const run_opts *o, const workspace *w, char **sm_name, int *express)
{
	diags d = { 0 };
	asl_machine *m;

	if (o->definition) {
		m = load_definition(o->definition, o->max_definition, &d);
		if (!m && d.n)
			print_diags(stderr, o->definition, &d);
		*sm_name = name_from_file(o->definition);
	} else {
		const proj_machine *pm = proj_machine_find(w->proj, ws_resolve(w, o->machine));

		if (!pm) {
			int i;

			fprintf(stderr, "steplocal: %s has no state machine called %s; it has:",
				w->proj->path, o->machine);
			for (i = 0; i < w->proj->nmachines; i++)
				fprintf(stderr, " %s", w->proj->machines[i].name);
			fputc('\n', stderr);
			return NULL;
		}
		m = asl_load(pm->definition, &d);
		if (!m && d.n)
			print_diags(stderr, pm->definition_file ? pm->definition_file : pm->where, &d);
		*sm_name = xstrdup(pm->name);
		*express = pm->express;
	}
	diag_free(&d);
	return m;
}

static int run_once(int argc, char **argv);

/* ---- --watch: the edit-run loop ---- */

/* Blocks until something the run depends on changes: the project's folder,
 * its functions' code, its definition files (or the --definition file).
 * A burst of changes counts once.  Returns 0, or -1 when nothing can be
 * watched. */
static int wait_for_change(const run_opts *o)
{
	int fd = inotify_init1(IN_CLOEXEC), count;
	char buf[4096];
	proj_project *p = NULL;
	char *path = o->project ? xstrdup(o->project) : proj_find(NULL);

	if (fd < 0)
		return -1;
	if (path)
		p = proj_load(path, NULL);
	count = watch_project(fd, path, p);
	if (o->definition)
		count += watch_project(fd, o->definition, NULL);
	proj_free(p);
	free(path);
	if (count == 0) {
		close(fd);
		return -1;
	}
	fprintf(stderr, "steplocal: watching %d folder%s for changes (Ctrl-C to stop)\n",
		count, count == 1 ? "" : "s");
	if (read(fd, buf, sizeof buf) < 0) {
		close(fd);
		return -1;
	}
	/* Let the burst of an editor's save settle, then drain it. */
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, SL_WATCH_SETTLE_MS) <= 0 || read(fd, buf, sizeof buf) <= 0)
			break;
	}
	close(fd);
	return 0;
}

/* run: once, or with --watch again after every change until interrupted. */
static int cmd_run(int argc, char **argv)
{
	run_opts o = { 0 };
	int rc;

	if (parse_run_args(argc, argv, &o))
		return EXIT_USAGE;
	if (!o.watch)
		return run_once(argc, argv);
	for (;;) {
		rc = run_once(argc, argv);
		fprintf(stderr, "steplocal: %s\n", rc == 0 ? "run succeeded" :
			rc == EXIT_FAILED ? "run failed" : "run refused");
		if (wait_for_change(&o)) {
			fprintf(stderr, "steplocal: --watch: nothing to watch\n");
			return rc;
		}
		fprintf(stderr, "steplocal: change seen, running again\n");
	}
}

static int run_once(int argc, char **argv)
{
	run_opts o = { 0 };
	sl_engine_opts eo = { 0 };
	sl_exec_opts xo = { 0 };
	workspace w = { 0 };
	asl_machine *m = NULL;
	mock_set *ms = NULL;
	const mock_case *mc = NULL;
	sl_engine *g = NULL;
	sl_exec *x;
	struct event_base *base = NULL;
	struct event *sigs[2] = { NULL, NULL };
	stopper st = { 0 };
	sl_loop *loop = NULL;
	cJSON *input = NULL;
	char *input_text = NULL, *sm_name = NULL;
	double t0, t1;
	int rc = EXIT_USAGE, express = 0, have;

	o.wait_scale = 1;
	if (parse_run_args(argc, argv, &o))
		return EXIT_USAGE;
	/* A project is needed to run a state machine by name, and used for
	 * its functions when a definition file is run from inside one. */
	w.quiet = o.quiet;
	w.concurrency = o.concurrency;
	w.sam_opts.overrides = o.overrides;
	w.sam_opts.noverrides = o.noverrides;
	w.sam_opts.env_vars = o.env_vars;
	have = ws_load(&w, o.project, o.machine != NULL || o.project != NULL);
	if (have < 0)
		goto out;
	m = run_definition(&o, &w, &sm_name, &express);
	if (!m)
		goto out;
	{
		/* The checks that depend on the type (EXPRESS). */
		diags d = { 0 };

		if ((o.type ? strcmp(o.type, "EXPRESS") == 0 : express) && asl_check_express(m, &d)) {
			print_diags(stderr, o.definition ? o.definition : sm_name, &d);
			diag_free(&d);
			goto out;
		}
		diag_free(&d);
	}
	input = load_input(&o, &input_text);
	if (!input)
		goto out;
	if (o.mock_config) {
		size_t len;
		char *text = read_file(o.mock_config, &len), *err = NULL;
		cJSON *cfg = text ? js_parse(text, len, NULL) : NULL;

		free(text);
		ms = cfg ? mock_load(cfg, &err) : NULL;
		cJSON_Delete(cfg);
		if (ms)
			mc = mock_find(ms, sm_name, o.test_case);
		if (!mc) {
			if (ms && !err)
				fprintf(stderr, "steplocal: %s: no test case %s for state machine %s\n",
					o.mock_config, o.test_case, sm_name);
			else
				fprintf(stderr, "steplocal: %s: %s\n", o.mock_config,
					err ? err : "not valid JSON");
			free(err);
			goto out;
		}
	}
	base = lam_base_new();
	if (!base) {
		fprintf(stderr, "steplocal: cannot create the event loop\n");
		abort();
	}
	eo.wait_scale = o.wait_scale;
	eo.max_payload = o.max_payload;
	eo.seed = (unsigned int)time(NULL) ^ (unsigned int)getpid() ^ (unsigned int)(unsigned long long)(mono_now() * 1e6);
	o.live = !o.quiet && !o.json && !o.history && isatty(2);
	if (o.live) {
		eo.observer = live_event;
		eo.noter = live_note;
	}
	g = ex_engine_new(&eo);
	loop = loop_new(base, g);
	if (w.proj && ws_start_lambda(&w, base, loop))
		goto out;
	{
		sl_task_handler lambda = { 0 };

		if (w.bridge)
			lambda = lt_handler(w.bridge);
		/* Mocked states first, the project's functions behind them. */
		ex_engine_set_tasks(g, ms ? mock_handler(ms, lambda) : lambda);
	}
	xo.name = o.name;
	xo.state_machine_name = sm_name;
	xo.express = o.type ? strcmp(o.type, "EXPRESS") == 0 : express;
	xo.keep_history = o.history;
	xo.input_text = input_text;
	if (w.proj) {
		xo.account = w.proj->account;
		xo.region = w.proj->region;
	}
	t0 = mono_now();
	x = ex_start(g, m, &xo, input);
	input = NULL;
	if (ms)
		mock_bind(ms, x, mc);
	st.x = x;
	st.loop = loop;
	st.base = base;
	watch_signals(base, &st, sigs);
	loop_run(loop);
	t1 = mono_now();
	if (o.stats)
		fprintf(stderr, "{\"transitions\":%ld,\"seconds\":%.6f}\n", ex_transitions(x), t1 - t0);
	if (o.json) {
		print_result(stdout, x, o.history);
	} else if (o.history) {
		print_events(stdout, x, "{\n  \"events\": ", 1);
		fputs("\n}\n", stdout);
	} else if (ex_get_status(x) == EX_SUCCEEDED) {
		js_print_file(stdout, ex_output(x), 0);
		putchar('\n');
	}
	fflush(stdout);
	if (!o.json && ex_get_status(x) != EX_SUCCEEDED)
		fprintf(stderr, "steplocal: execution %s: %s%s%s\n",
			ex_status_name(ex_get_status(x)),
			ex_error(x) ? ex_error(x) : "", ex_cause(x) ? ": " : "",
			ex_cause(x) ? ex_cause(x) : "");
	rc = ex_get_status(x) == EX_SUCCEEDED ? 0 : EXIT_FAILED;
out:
	if (sigs[0]) {
		event_free(sigs[0]);
		event_free(sigs[1]);
	}
	if (g)
		ex_engine_free(g);
	ws_close(&w);
	loop_free(loop);
	if (base)
		event_base_free(base);
	mock_free(ms);
	asl_unref(m);
	cJSON_Delete(input);
	free(input_text);
	free(sm_name);
	return rc;
}

/* ---- invoke ---- */

typedef struct invoke_state {
	struct event_base *base;
	int rc;
	int done;
} invoke_state;

static void invoke_done(void *ud, const lam_result *r)
{
	invoke_state *is = ud;

	is->done = 1;
	if (r->status == LAM_API_ERROR) {
		fprintf(stderr, "steplocal: the Invoke API failed with %s (HTTP %d): %s%s%s\n",
			r->error_type ? r->error_type : "an error", r->http_status,
			r->message ? r->message : "", r->reason ? ", Reason: " : "",
			r->reason ? r->reason : "");
		is->rc = EXIT_FAILED;
	} else {
		fwrite(r->payload, 1, r->len, stdout);
		putchar('\n');
		is->rc = r->status == LAM_OK ? 0 : EXIT_FAILED;
	}
	fflush(stdout);
	event_base_loopexit(is->base, NULL);
}

static int cmd_invoke(int argc, char **argv)
{
	const char *fn = NULL, *event_file = NULL, *project = NULL;
	workspace w = { 0 };
	invoke_state is = { NULL, EXIT_USAGE, 0 };
	struct event *sigs[2] = { NULL, NULL };
	stopper st = { 0 };
	lam_invoke_opts io = { 0 };
	lam_function *f;
	char *payload = NULL;
	size_t len = 0;
	const char *fault;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--event") == 0 || strcmp(argv[i], "-e") == 0) {
			if (++i >= argc)
				goto usage;
			event_file = argv[i];
		} else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--project") == 0) {
			if (++i >= argc)
				goto usage;
			project = argv[i];
		} else if (strcmp(argv[i], "--env-vars") == 0) {
			if (++i >= argc)
				goto usage;
			w.sam_opts.env_vars = argv[i];
		} else if (strcmp(argv[i], "-") == 0) {
			event_file = "-";
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "steplocal: invoke: unknown option '%s'\n", argv[i]);
			goto usage;
		} else if (!fn) {
			fn = argv[i];
		} else {
			goto usage;
		}
	}
	if (!fn)
		goto usage;
	if (event_file) {
		size_t off;
		cJSON *v;

		if (!(payload = read_file(event_file, &len)))
			return EXIT_USAGE;
		if (!(v = js_parse(payload, len, &off))) {
			fprintf(stderr, "steplocal: %s: the event is not valid JSON (at byte %zu) "
				"(InvalidRequestContentException)\n", event_file, off);
			free(payload);
			return EXIT_USAGE;
		}
		cJSON_Delete(v);
	} else {
		payload = xstrdup("{}");
		len = 2;
	}
	if (ws_load(&w, project, 1))
		goto out;
	fn = ws_resolve(&w, fn);
	if (!proj_function_find(w.proj, fn)) {
		fprintf(stderr, "steplocal: %s has no function called %s\n", w.proj->path, fn);
		goto out;
	}
	is.base = lam_base_new();
	if (!is.base)
		abort();
	if (ws_start_lambda(&w, is.base, NULL))
		goto out;
	if ((fault = lt_fault_check(w.bridge, fn))) {
		char *cause = lt_service_cause(fault, "00000000-0000-4000-8000-000000000000");

		fprintf(stderr, "steplocal: the Invoke API failed with %s: %s\n", fault, cause);
		free(cause);
		is.rc = EXIT_FAILED;
		goto out;
	}
	f = lam_find(w.svc, fn);
	st.base = is.base;
	watch_signals(is.base, &st, sigs);
	lam_invoke(f, payload, len, &io, invoke_done, &is);
	event_base_dispatch(is.base);
	if (!is.done)
		is.rc = EXIT_FAILED;
out:
	if (sigs[0]) {
		event_free(sigs[0]);
		event_free(sigs[1]);
	}
	ws_close(&w);
	if (is.base)
		event_base_free(is.base);
	free(payload);
	return is.rc;
usage:
	fprintf(stderr, "usage: steplocal invoke FUNCTION [--event FILE | -] [-f PROJECT] [--env-vars FILE]\n");
	return EXIT_USAGE;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs(usage_text, stdout);
	return 0;
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },
	{ "serve", serve_main },
	{ "invoke", cmd_invoke },
	{ "validate", cmd_validate },
	{ "export", export_main },
	{ "help", cmd_help },
	{ "--help", cmd_help },
	{ "-h", cmd_help },
};

int cli_main(int argc, char **argv)
{
	size_t i;

	xalloc_init();
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "steplocal: unknown command '%s'\n%s", argv[1], usage_text);
	return EXIT_USAGE;
}
