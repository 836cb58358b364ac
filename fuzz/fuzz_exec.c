/* fuzz_exec.c - libFuzzer target: running definitions (orchestrator/exec.h), with Tasks answered at once, on a virtual clock. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "xalloc.h"

/* Input: a definition (JSON text), then optionally a line "%%" and the
 * execution input (JSON; {} when absent or not JSON).  The definition is
 * loaded with asl_load_text and, when valid, run as a STANDARD execution
 * that keeps its history, on a virtual clock with wait scale 0 (Waits,
 * retries and timeouts take no time), for at most FZ_EXEC_POLLS polls of
 * the engine (a loop that never ends is cut there).  Tasks are answered
 * at once by their resource: one containing "fail" fails (Task.Failed),
 * "token" or a .waitForTaskToken one never answers, "later" succeeds after
 * a second, any other returns its input.
 *
 * This reaches what loading does not: Choice rules evaluated, templates
 * and intrinsics instantiated, Retry and Catch, Map and Parallel, the
 * history.  Checked: events are numbered 1, 2, ... and each follows an
 * earlier one; an ended execution has an output exactly when it succeeded
 * (a Fail state may give no error: AWS's ExecutionFailed has none then),
 * no error then, and its output prints as JSON. */

#define FZ_EXEC_POLLS 8
#define FZ_START_TIME 1767225600.0   /* 2026-01-01T00:00:00Z */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xalloc_init();
	return 0;
}

static void task_start(void *ud, sl_task *t)
{
	const char *r = ex_task_resource(t);

	(void)ud;
	ex_task_started(t);
	if (strstr(r, "fail"))
		ex_task_fail(t, "Task.Failed", "the task failed");
	else if (strstr(r, "token") || ex_task_token(t))
		return;
	else if (strstr(r, "later"))
		ex_task_succeed_after(t, 1, js_dup(ex_task_input(t)));
	else
		ex_task_succeed(t, js_dup(ex_task_input(t)));
}

static void task_cancel(void *ud, sl_task *t)
{
	(void)ud;
	(void)t;
}

static void check(const sl_exec *x)
{
	const hist *h = ex_history(x);
	ex_status st = ex_get_status(x);
	long i;

	for (i = 0; i < h->n; i++) {
		fz_check(h->v[i].id == i + 1, "history events are not numbered 1, 2, ...");
		fz_check(h->v[i].prev >= 0 && h->v[i].prev < h->v[i].id,
			 "an event follows one that is not earlier");
	}
	if (st == EX_RUNNING)
		return;
	fz_check((ex_output(x) != NULL) == (st == EX_SUCCEEDED), "output and status disagree");
	if (st == EX_SUCCEEDED) {
		char *o = js_print(ex_output(x));

		fz_check(fz_json_ok(o, strlen(o)), "the output does not print as JSON");
		free(o);
		fz_check(!ex_error(x) && !ex_cause(x), "a successful execution with an error");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *sep = memmem(data, size, "\n%%\n", 4);
	size_t dlen = sep ? (size_t)(sep - text) : size;
	sl_engine_opts eo = { 0 };
	sl_exec_opts xo = { 0 };
	sl_task_handler th = { task_start, task_cancel, NULL, NULL };
	diags d = { 0 };
	asl_machine *m = asl_load_text(text, dlen, &d);
	sl_engine *g;
	sl_exec *x;
	cJSON *input = NULL;
	double due;
	int i;

	diag_free(&d);
	if (!m)
		return 0;
	if (sep)
		input = js_parse(sep + 4, size - dlen - 4, NULL);
	if (!input)
		input = cJSON_CreateObject();
	eo.virtual_clock = 1;
	eo.start_time = FZ_START_TIME;
	eo.wait_scale = 0;
	eo.seed = 1;
	eo.tasks = th;
	g = ex_engine_new(&eo);
	xo.name = "fuzz";
	xo.keep_history = 1;
	x = ex_start(g, m, &xo, input);
	asl_unref(m);
	for (i = 0; i < FZ_EXEC_POLLS; i++)
		if (ex_engine_poll(g, &due) == 0 || due == 0)
			break;
	check(x);
	ex_engine_free(g);
	return 0;
}
