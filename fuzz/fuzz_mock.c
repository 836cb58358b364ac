/* fuzz_mock.c - libFuzzer target: the mock configuration loader (orchestrator/mock.h), and mocked Tasks answered in a run. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "asl.h"
#include "exec.h"
#include "mock.h"
#include "xalloc.h"

/* Input: a JSON document, read with js_parse (as `run --mock-config` and
 * `serve` read the file), and given both to mock_load, as an AWS Step
 * Functions Local MockConfigFile, and to mock_load_inline, as the "mocks"
 * of a test case file.
 *
 * The first test case of a loaded MockConfigFile (of its first state
 * machine), and the one case of an inline set, is then run: a definition
 * is built with one Task per state the case mocks, in order (each retried
 * twice, its errors caught by a Pass state, so that invocation ranges and
 * Throw are reached), and run on a virtual clock with wait scale 0
 * (delays take no time) for at most FZ_MOCK_POLLS polls, its Tasks
 * answered by mock_handler (a Task the case does not mock fails as a
 * function that does not exist).
 *
 * Checked: a refusal has a message, non-empty and on one line (the CLI
 * and serve print it after the file's name); every test case the file
 * names is found by mock_find, and no other; an inline set finds its one
 * case by any name; a run ends, with an output exactly when it
 * succeeded; no leaks. */

#define FZ_MOCK_POLLS 16
#define FZ_START_TIME 1767225600.0   /* 2026-01-01T00:00:00Z */
#define FZ_MOCK_STATES 8             /* Tasks of the run, at most */
#define FZ_CAUGHT "Caught (fuzz)"    /* the Pass state every Catch leads to */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xalloc_init();
	return 0;
}

static void check_error(const mock_set *ms, const char *err)
{
	fz_check(ms == NULL, "a mock set with an error message");
	fz_check(err != NULL && *err, "a refused mock configuration without a message");
	fz_check(!strchr(err, '\n') && !strchr(err, '\r'), "a mock error message spans lines");
}

/* A Retry or Catch list of one rule for States.ALL; owned. */
static cJSON *rule_list(const char *key, cJSON *value)
{
	cJSON *list = cJSON_CreateArray(), *rule = cJSON_CreateObject(), *errs;

	errs = cJSON_AddArrayToObject(rule, "ErrorEquals");
	cJSON_AddItemToArray(errs, cJSON_CreateString("States.ALL"));
	cJSON_AddItemToObject(rule, key, value);
	cJSON_AddItemToArray(list, rule);
	return list;
}

/* The definition {"StartAt": S0, "States": {S0: Task -> S1 ... -> end}}
 * for the state names of case tc (at most FZ_MOCK_STATES), each Task
 * retried twice and caught by a Pass state; owned, or NULL when tc mocks
 * no state. */
static cJSON *definition_for(const cJSON *tc)
{
	cJSON *def, *states, *st, *retry;
	const cJSON *c;
	int n = 0;

	if (!cJSON_IsObject(tc) || !tc->child || js_get(tc, FZ_CAUGHT))
		return NULL;
	def = cJSON_CreateObject();
	cJSON_AddStringToObject(def, "StartAt", tc->child->string);
	states = cJSON_AddObjectToObject(def, "States");
	for (c = tc->child; c && n < FZ_MOCK_STATES; c = c->next, n++) {
		st = cJSON_AddObjectToObject(states, c->string);
		cJSON_AddStringToObject(st, "Type", "Task");
		cJSON_AddStringToObject(st, "Resource", "arn:aws:states:::lambda:invoke");
		retry = rule_list("MaxAttempts", cJSON_CreateNumber(2));
		cJSON_AddItemToObject(st, "Retry", retry);
		cJSON_AddItemToObject(st, "Catch", rule_list("Next", cJSON_CreateString(FZ_CAUGHT)));
		if (c->next && n + 1 < FZ_MOCK_STATES)
			cJSON_AddStringToObject(st, "Next", c->next->string);
		else
			cJSON_AddBoolToObject(st, "End", 1);
	}
	st = cJSON_AddObjectToObject(states, FZ_CAUGHT);
	cJSON_AddStringToObject(st, "Type", "Pass");
	cJSON_AddBoolToObject(st, "End", 1);
	return def;
}

/* Runs case mc (the case tc of the configuration) of ms to its end. */
static void run_case(mock_set *ms, const mock_case *mc, const cJSON *tc)
{
	cJSON *def = definition_for(tc), *input;
	sl_engine_opts eo = { 0 };
	sl_exec_opts xo = { 0 };
	sl_task_handler none = { 0 };
	diags d = { 0 };
	asl_machine *m;
	sl_engine *g;
	sl_exec *x;
	ex_status st;
	double due;
	int i;

	if (!def)
		return;
	m = asl_load(def, &d);
	cJSON_Delete(def);
	diag_free(&d);
	if (!m)
		return;     /* a state name ASL refuses */
	eo.virtual_clock = 1;
	eo.start_time = FZ_START_TIME;
	eo.wait_scale = 0;
	eo.seed = 1;
	eo.tasks = mock_handler(ms, none);
	g = ex_engine_new(&eo);
	xo.name = "fuzz";
	input = cJSON_CreateObject();
	x = ex_start(g, m, &xo, input);
	asl_unref(m);
	mock_bind(ms, x, mc);
	for (i = 0; i < FZ_MOCK_POLLS; i++)
		if (ex_engine_poll(g, &due) == 0)
			break;
	st = ex_get_status(x);
	fz_check(st != EX_RUNNING, "a mocked run did not end");
	fz_check((ex_output(x) != NULL) == (st == EX_SUCCEEDED), "output and status disagree");
	mock_unbind(ms, x);
	ex_engine_free(g);
}

static void check_loaded(mock_set *ms, const cJSON *cfg)
{
	const cJSON *sm, *tc, *first = NULL;
	const mock_case *mc, *first_mc = NULL;

	cJSON_ArrayForEach(sm, js_get(cfg, "StateMachines")) {
		cJSON_ArrayForEach(tc, js_get(sm, "TestCases")) {
			mc = mock_find(ms, sm->string, tc->string);
			fz_check(mc != NULL, "mock_find misses a test case of the file");
			if (!first) {
				first = tc;
				first_mc = mc;
			}
		}
		/* A name the file does not give is not found. */
		fz_check(mock_find(ms, sm->string, "\x01") == NULL || js_get(js_get(sm, "TestCases"), "\x01"),
			 "mock_find finds a test case the file does not have");
	}
	if (first)
		run_case(ms, first_mc, first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *doc = js_parse((const char *)data, size, NULL);
	char *err = NULL;
	mock_set *ms;

	if (!doc)
		return 0;
	ms = mock_load(doc, &err);
	if (ms) {
		fz_check(err == NULL, "mock_load succeeded with a message");
		check_loaded(ms, doc);
	} else {
		check_error(ms, err);
	}
	free(err);
	mock_free(ms);

	err = NULL;
	ms = mock_load_inline(doc, &err);
	if (ms) {
		fz_check(err == NULL, "mock_load_inline succeeded with a message");
		const mock_case *mc = mock_find(ms, "any", "name");

		fz_check(mc != NULL, "an inline set has no case");
		run_case(ms, mc, doc);
	} else {
		check_error(ms, err);
	}
	free(err);
	mock_free(ms);
	cJSON_Delete(doc);
	return 0;
}
