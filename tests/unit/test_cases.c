/* test_cases.c - runs every data-driven case file under tests/cases/ through the executor. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "exec.h"
#include "mock.h"
#include "xalloc.h"

/* A case file is one JSON object:
 *   "comment":     what the case shows (required)
 *   "definition":  the state machine (object), or "definition_text" (string)
 *   "input":       the execution input (default {})
 *   "type":        "STANDARD" (default) or "EXPRESS"
 *   "mocks":       {"State": {"0": {"Return": v} | {"Throw": {...}}, ...}}
 *   "expect": {
 *     "status":      SUCCEEDED | FAILED | TIMED_OUT | ABORTED
 *     "output":      the output (compared by value)
 *     "error", "cause": exact strings; "cause_prefix" for a prefix
 *     "events":      event types in order, or objects matched field by field
 *                    (a subset of the event's fields; details as AWS nests
 *                    them)
 *     "elapsed":     virtual seconds between start and stop
 *     "diagnostics": for an invalid definition, every diagnostic, each a
 *                    subset of {"code","message","location","severity"}
 *   }
 * Time is virtual: Waits and retries take no real time but advance the
 * clock, so elapsed times and event timestamps are exact. */

#define START_TIME 1767225600.0 /* 2026-01-01T00:00:00Z */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;
	char *s;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = xmalloc((size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(s);
		return NULL;
	}
	s[n] = '\0';
	fclose(f);
	return s;
}

/* Whether every field of `want` is in `have` with an equal value
 * (recursively for objects). */
static int subset(const cJSON *want, const cJSON *have)
{
	const cJSON *w;

	if (!cJSON_IsObject(want) || !cJSON_IsObject(have))
		return js_equal(want, have);
	for (w = want->child; w; w = w->next)
		if (!subset(w, js_get(have, w->string)))
			return 0;
	return 1;
}

static void fail_case(const char *file, const char *what, const cJSON *want, const cJSON *got)
{
	char *w = want ? js_print(want) : xstrdup("(none)");
	char *g = got ? js_print(got) : xstrdup("(none)");

	print_error("%s: %s\n  expected: %s\n  got:      %s\n", file, what, w, g);
	free(w);
	free(g);
	fail();
}

static void check_diagnostics(const char *file, const cJSON *want, const diags *d)
{
	cJSON *got = diag_to_json(d);
	const cJSON *list = js_get(got, "diagnostics"), *w;
	int i = 0;

	if (cJSON_GetArraySize(list) != cJSON_GetArraySize(want))
		fail_case(file, "diagnostics", want, list);
	for (w = want->child; w; w = w->next, i++)
		if (!subset(w, cJSON_GetArrayItem(list, i)))
			fail_case(file, "diagnostic", w, cJSON_GetArrayItem(list, i));
	cJSON_Delete(got);
}

static void check_events(const char *file, const cJSON *want, const sl_exec *x)
{
	cJSON *h = hist_json(ex_history(x), 0);
	const cJSON *events = js_get(h, "events"), *w, *e;
	int i = 0;

	if (cJSON_GetArraySize(events) != cJSON_GetArraySize(want)) {
		cJSON *types = cJSON_CreateArray();

		for (e = events->child; e; e = e->next)
			cJSON_AddItemToArray(types, js_dup(js_get(e, "type")));
		fail_case(file, "number of events", want, types);
		cJSON_Delete(types);
	}
	for (w = want->child; w; w = w->next, i++) {
		e = cJSON_GetArrayItem(events, i);
		if (cJSON_IsString(w) ? !js_equal(w, js_get(e, "type")) : !subset(w, e))
			fail_case(file, "event", w, e);
	}
	cJSON_Delete(h);
}

static void run_case(void **state)
{
	const char *file = *state;
	char *text = slurp(file), *err = NULL;
	cJSON *c, *input;
	const cJSON *expect, *def, *v;
	diags d = { 0 };
	asl_machine *m;
	mock_set *ms = NULL;
	sl_engine_opts eo = { 0 };
	sl_exec_opts xo = { 0 };
	sl_engine *g;
	sl_exec *x;

	assert_non_null(text);
	c = cJSON_Parse(text);
	free(text);
	if (!c)
		fail_msg("%s: not valid JSON", file);
	assert_true(cJSON_IsString(js_get(c, "comment")));
	expect = js_get(c, "expect");
	assert_non_null(expect);
	def = js_get(c, "definition");
	if (def) {
		m = asl_load(def, &d);
	} else {
		v = js_get(c, "definition_text");
		assert_true(cJSON_IsString(v));
		m = asl_load_text(v->valuestring, strlen(v->valuestring), &d);
	}
	if ((v = js_get(expect, "diagnostics"))) {
		check_diagnostics(file, v, &d);
		assert_null(m);
		diag_free(&d);
		cJSON_Delete(c);
		return;
	}
	if (!m) {
		cJSON *dj = diag_to_json(&d);

		fail_case(file, "definition loads", NULL, dj);
		cJSON_Delete(dj);
	}
	diag_free(&d);
	if ((v = js_get(c, "mocks"))) {
		ms = mock_load_inline(v, &err);
		if (!ms)
			fail_msg("%s: mocks: %s", file, err);
	}
	eo.wait_scale = 1;
	eo.virtual_clock = 1;
	eo.start_time = START_TIME;
	eo.seed = 42;
	if (ms) {
		sl_task_handler none = { 0 };

		eo.tasks = mock_handler(ms, none);
	}
	g = ex_engine_new(&eo);
	v = js_get(c, "type");
	xo.express = v && cJSON_IsString(v) && strcmp(v->valuestring, "EXPRESS") == 0;
	xo.name = "case";
	xo.state_machine_name = "Case";
	input = js_get(c, "input") ? js_dup(js_get(c, "input")) : cJSON_CreateObject();
	x = ex_start(g, m, &xo, input);
	if (ms)
		mock_bind(ms, x, mock_find(ms, "Case", "case"));
	ex_engine_run(g);

	if ((v = js_get(expect, "status")) &&
	    strcmp(v->valuestring, ex_status_name(ex_get_status(x))) != 0) {
		cJSON *got = cJSON_CreateObject();

		cJSON_AddStringToObject(got, "status", ex_status_name(ex_get_status(x)));
		if (ex_error(x))
			cJSON_AddStringToObject(got, "error", ex_error(x));
		if (ex_cause(x))
			cJSON_AddStringToObject(got, "cause", ex_cause(x));
		fail_case(file, "status", v, got);
	}
	if ((v = js_get(expect, "output")) && !js_equal(v, ex_output(x)))
		fail_case(file, "output", v, ex_output(x));
	if ((v = js_get(expect, "error"))) {
		cJSON *got = ex_error(x) ? cJSON_CreateString(ex_error(x)) : NULL;

		if (!js_equal(v, got) && !(cJSON_IsNull(v) && !got))
			fail_case(file, "error", v, got);
		cJSON_Delete(got);
	}
	if ((v = js_get(expect, "cause"))) {
		cJSON *got = ex_cause(x) ? cJSON_CreateString(ex_cause(x)) : NULL;

		if (!js_equal(v, got) && !(cJSON_IsNull(v) && !got))
			fail_case(file, "cause", v, got);
		cJSON_Delete(got);
	}
	if ((v = js_get(expect, "cause_prefix")) &&
	    (!ex_cause(x) || strncmp(ex_cause(x), v->valuestring, strlen(v->valuestring)) != 0)) {
		cJSON *got = ex_cause(x) ? cJSON_CreateString(ex_cause(x)) : NULL;

		fail_case(file, "cause prefix", v, got);
		cJSON_Delete(got);
	}
	if ((v = js_get(expect, "elapsed"))) {
		double el = ex_stop_date(x) - ex_start_date(x);

		if (el < v->valuedouble - 1e-6 || el > v->valuedouble + 1e-6) {
			cJSON *got = cJSON_CreateNumber(el);

			fail_case(file, "elapsed", v, got);
			cJSON_Delete(got);
		}
	}
	if ((v = js_get(expect, "events")))
		check_events(file, v, x);
	ex_engine_free(g);
	mock_free(ms);
	asl_unref(m);
	cJSON_Delete(c);
}

/* ---- discovery ---- */

static char **files;
static int nfiles;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *p;
		struct stat st;
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			scan(p);
			free(p);
		} else if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
			files = xrealloc(files, sizeof *files * (size_t)(nfiles + 1));
			files[nfiles++] = p;
		} else {
			free(p);
		}
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("SL_CASES") ? getenv("SL_CASES") : "tests/cases";
	struct CMUnitTest *tests;
	int i, rc;

	xalloc_init();
	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			files = xrealloc(files, sizeof *files * (size_t)(nfiles + 1));
			files[nfiles++] = xstrdup(argv[i]);
		}
	} else {
		scan(dir);
	}
	if (nfiles == 0) {
		fprintf(stderr, "no case files under %s\n", dir);
		return 1;
	}
	qsort(files, (size_t)nfiles, sizeof *files, cmp_str);
	tests = xcalloc((size_t)nfiles, sizeof *tests);
	for (i = 0; i < nfiles; i++) {
		tests[i].name = files[i];
		tests[i].test_func = run_case;
		tests[i].initial_state = files[i];
	}
	rc = _cmocka_run_group_tests("cases", tests, (size_t)nfiles, NULL, NULL);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	free(tests);
	return rc;
}
