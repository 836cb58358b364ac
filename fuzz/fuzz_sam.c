/* fuzz_sam.c - libFuzzer target: the SAM / CloudFormation template loader (orchestrator/sam.h), and asl_load on the definitions it yields. */
#include "fuzz.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "asl.h"
#include "fixtures.h"
#include "sam.h"
#include "xalloc.h"

/* Input: a template (YAML or JSON).  It is written to template.yaml in a
 * scratch folder holding the files the seeds name (fixtures.c) and loaded
 * with sam_load (which only takes a path), with two parameter overrides
 * and an --env-vars file.  Inline code (ZipFile, InlineCode) is written
 * under $TMPDIR, which points at a second scratch folder emptied after
 * each input.
 *
 * Checked: a load either succeeds or explains itself, one problem per
 * line naming the file, at most PROJ_MAX_ERRORS plus a count of the rest; a loaded project's
 * functions and machines are found by name, aliases resolve to them, and
 * each definition loads or is refused with diagnostics. */

static char *g_path, *g_env;
static const char *g_tmp;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fz_scratch("sam");

	(void)argc;
	(void)argv;
	xalloc_init();
	fz_fixtures(dir);
	g_path = xasprintf("%s/t.yaml", dir);
	g_env = xasprintf("%s/env.json", dir);
	g_tmp = fz_scratch("sam-tmp");
	setenv("TMPDIR", g_tmp, 1);
	return 0;
}

static void check_project(const proj_project *p, const sam_info *info)
{
	int i;

	for (i = 0; i < p->nfunctions; i++) {
		const proj_function *f = &p->functions[i];

		fz_check(f->name && f->runtime && f->code, "a function lacks a field");
		fz_check(proj_function_find(p, f->name) == f, "proj_function_find misses a function");
	}
	for (i = 0; i < info->naliases; i++) {
		const char *n = sam_info_resolve(info, info->aliases[i].logical_id);

		fz_check(n && (proj_function_find(p, n) || proj_machine_find(p, n)),
			 "an alias names neither a function nor a state machine");
	}
	for (i = 0; i < p->nmachines; i++) {
		const proj_machine *m = &p->machines[i];
		diags d = { 0 };
		asl_machine *am;

		fz_check(m->name && m->definition && m->where, "a state machine lacks a field");
		am = asl_load(m->definition, &d);
		fz_check((am != NULL) == (d.errors == 0), "asl_load's result and its errors disagree");
		asl_unref(am);
		diag_free(&d);
	}
}

/* One problem per line, each naming the template (or a definition file
 * beside it), at most PROJ_MAX_ERRORS and a count of the rest. */
static void check_errors(const char *err)
{
	const char *line = err, *dir_end = strrchr(g_path, '/');
	int n = 0;

	while (*line) {
		const char *nl = strchr(line, '\n');

		fz_check(strncmp(line, g_path, (size_t)(dir_end - g_path)) == 0 ||
			 strncmp(line, "--parameter-overrides: ", 23) == 0 ||
			 (n == PROJ_MAX_ERRORS && line[0] == '('),
			 "an error line does not start with a file name");
		n++;
		if (!nl)
			break;
		line = nl + 1;
	}
	fz_check(n <= PROJ_MAX_ERRORS + 1, "more problems than PROJ_MAX_ERRORS");
}

/* Whether folder dir has anything in it. */
static int has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const overrides[] = { "Stage=dev", "Memory=256" };
	sam_opts o = { overrides, 2, NULL, NULL, NULL, NULL };
	sam_info info;
	char *err = NULL;
	proj_project *p;

	o.env_vars = g_env;
	if (fz_write(g_path, data, size) != 0)
		fz_fail(__FILE__, __LINE__, "cannot write the template");
	(void)sam_is_template(g_path);
	p = sam_load(g_path, &o, &info, &err);
	if (!p) {
		fz_check(err && *err, "sam_load failed without a message");
		check_errors(err);
	} else {
		fz_check(err == NULL, "sam_load succeeded with a message");
		check_project(p, &info);
	}
	free(err);
	proj_free(p);
	sam_info_free(&info);
	if (has_entries(g_tmp))
		fz_empty(g_tmp);
	return 0;
}
