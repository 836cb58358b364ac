/* fuzz_project.c - libFuzzer target: the steplocal.yaml loader (orchestrator/project.h), and asl_load on the definitions it yields. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "asl.h"
#include "fixtures.h"
#include "project.h"
#include "xalloc.h"

/* Input: a project file.  It is written to steplocal.yaml in a scratch
 * folder that also holds the code folders, packages and definition files
 * the seeds name (fixtures.c), and loaded with proj_load, which only takes
 * a path.  Each state machine it yields is then loaded with asl_load, as
 * `steplocal run` does.
 *
 * Checked: a load either succeeds or explains itself, with at most
 * PROJ_MAX_ERRORS problems, one per line, each starting with the file's
 * name; a loaded project keeps its promises (names, runtimes, ranges,
 * faults naming defined functions). */

static char *g_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fz_scratch("project");

	(void)argc;
	(void)argv;
	xalloc_init();
	fz_fixtures(dir);
	g_path = xasprintf("%s/" PROJ_FILE_NAME, dir);
	return 0;
}

static void check_errors(const char *err)
{
	const char *line = err;
	int n = 0;

	fz_check(*err, "an empty error message");
	while (*line) {
		const char *nl = strchr(line, '\n');

		fz_check(strncmp(line, g_path, strlen(g_path)) == 0 ||
			 (n == PROJ_MAX_ERRORS && strncmp(line, "(", 1) == 0),
			 "an error line does not start with the file name");
		n++;
		if (!nl)
			break;
		line = nl + 1;
	}
	/* A last line may say how many were left out. */
	fz_check(n <= PROJ_MAX_ERRORS + 1, "more problems than PROJ_MAX_ERRORS");
}

static void check_project(const proj_project *p)
{
	int i, k;

	fz_check(p->path && p->dir && p->region && strlen(p->account) == 12, "project header fields");
	for (i = 0; i < p->nfunctions; i++) {
		const proj_function *f = &p->functions[i];

		fz_check(f->name && f->runtime && f->code, "a function lacks a field");
		fz_check(proj_function_find(p, f->name) == f, "proj_function_find misses a function");
		fz_check(f->timeout >= 1 && f->timeout <= PROJ_MAX_TIMEOUT, "timeout out of range");
		fz_check(f->memory >= PROJ_MIN_MEMORY && f->memory <= PROJ_MAX_MEMORY, "memory out of range");
		fz_check(f->handler || f->lang == PROJ_LANG_PROVIDED, "a handler is missing");
		for (k = 0; k < f->nenv; k++)
			fz_check(f->env[k].name && f->env[k].value, "an environment variable lacks a field");
	}
	for (i = 0; i < p->nmachines; i++) {
		const proj_machine *m = &p->machines[i];
		diags d = { 0 };
		asl_machine *am;

		fz_check(m->name && m->definition && m->where, "a state machine lacks a field");
		fz_check(proj_machine_name_valid(m->name), "a state machine name AWS refuses");
		fz_check(proj_machine_find(p, m->name) == m, "proj_machine_find misses a machine");
		am = asl_load(m->definition, &d);
		fz_check((am != NULL) == (d.errors == 0), "asl_load's result and its errors disagree");
		if (am && m->express)
			asl_check_express(am, &d);
		asl_unref(am);
		diag_free(&d);
	}
	for (i = 0; i < p->nfaults; i++) {
		const proj_fault *f = &p->faults[i];

		fz_check(f->function && f->error, "a fault lacks a field");
		fz_check(p->template_path || proj_function_find(p, f->function),
			 "a fault names an undefined function");
		fz_check(f->times >= 0, "a negative fault count");
		fz_check(f->rate >= 0 && f->rate <= 1, "a fault rate out of range");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	proj_project *p;

	if (fz_write(g_path, data, size) != 0)
		fz_fail(__FILE__, __LINE__, "cannot write the project file");
	p = proj_load(g_path, &err);
	if (!p) {
		fz_check(err != NULL, "proj_load failed without a message");
		check_errors(err);
	} else {
		fz_check(err == NULL, "proj_load succeeded with a message");
		check_project(p);
	}
	free(err);
	proj_free(p);
	return 0;
}
