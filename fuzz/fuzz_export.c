/* fuzz_export.c - libFuzzer target: `steplocal export` (orchestrator/export.h), its template loaded back with the SAM loader (sam.h). */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "export.h"
#include "fixtures.h"
#include "project.h"
#include "sam.h"
#include "xalloc.h"

/* Input: a project file.  It is written to steplocal.yaml in a scratch
 * folder holding the files the seeds name (fixtures.c), as fuzz_project.c
 * does, and loaded with proj_load.  A project that loads is exported with
 * export_template into the folder out/ beside it (so that its code paths
 * become "../fn" and the like), written with export_emit_yaml, and the
 * template is loaded back with sam_load, with the project's region and
 * account as the deployment's.  The template is removed after each input.
 *
 * Checked: the export of a loadable project loads; it has the same
 * functions, configured alike (same code, runtime, handler, timeout,
 * memory, concurrency, environment), and the same state machines (name,
 * type) whose definitions are js_equal to the project's, but for what
 * export.h says it changes: a Lambda reference to a project function
 * (a Task's Resource ARN, a lambda:invoke FunctionName) becomes
 * "${<Id>Arn}", which the template's DefinitionSubstitutions make the
 * function's full ARN; and a provided runtime without a handler gets
 * "bootstrap".  Each warning is one line naming a state machine.  What
 * the deployment itself changes in a definition, export can only warn of
 * (deploy_changes): such a template is loaded, but not compared, and a
 * key read as an intrinsic function must have a warning. */

static char *g_path, *g_out_dir, *g_out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fz_scratch("export");
	char *real;

	(void)argc;
	(void)argv;
	xalloc_init();
	fz_fixtures(dir);
	g_path = xasprintf("%s/" PROJ_FILE_NAME, dir);
	g_out_dir = xasprintf("%s/out", dir);
	if (mkdir(g_out_dir, 0700) != 0 || !(real = realpath(g_out_dir, NULL)))
		fz_fail(__FILE__, __LINE__, "cannot make the output folder");
	free(g_out_dir);
	g_out_dir = real;
	g_out = xasprintf("%s/" EXPORT_DEFAULT_FILE, g_out_dir);
	return 0;
}

/* Whether the string b of the loaded template is what export made of the
 * string a of the project's definition: the ARN of a project function
 * "arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]" for a
 * reference a that ends in NAME[:QUALIFIER] (a name, a partial or a full
 * ARN). */
static int lambda_equiv(const proj_project *p, const char *a, const char *b)
{
	const char *tail = strstr(b, ":function:");
	size_t la = strlen(a), lt, ln;
	int fields = 0;

	if (strncmp(b, "arn:", 4) || !tail)
		return 0;
	for (const char *s = b; s < tail; s++)
		fields += *s == ':';
	if (fields != 4 || strncmp(strchr(b + 4, ':'), ":lambda:", 8))
		return 0;
	tail += strlen(":function:");
	lt = strlen(tail);
	ln = strcspn(tail, ":");
	for (int i = 0; i < p->nfunctions; i++) {
		const char *name = p->functions[i].name;

		if (strlen(name) != ln || strncmp(name, tail, ln))
			continue;
		return la >= lt && !strcmp(a + la - lt, tail) && (la == lt || a[la - lt - 1] == ':');
	}
	return 0;
}

/* js_equal, but for the Lambda references export rewrites (see above). */
static int def_equal(const proj_project *p, const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if (!a || !b)
		return a == b;
	if (cJSON_IsString(a) && cJSON_IsString(b))
		return !strcmp(a->valuestring, b->valuestring) ||
		       lambda_equiv(p, a->valuestring, b->valuestring);
	if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
			if (!def_equal(p, x, y))
				return 0;
		return !x && !y;
	}
	if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		cJSON_ArrayForEach(x, a)
			if (!def_equal(p, x, js_get(b, x->string)))
				return 0;
		return 1;
	}
	return js_equal(a, b);
}

/* What deploying a definition changes, and export can only warn of (see
 * warn_deploy in export.c): 1 when some object has a key CloudFormation
 * reads as an intrinsic function (Ref, Fn::...), which sam_load evaluates
 * too, or refuses; 2 when some string or key holds "${", which the
 * machine's DefinitionSubstitutions may replace; else 0. */
static int deploy_changes(const cJSON *v)
{
	const cJSON *m;
	int r = 0, k;

	if (cJSON_IsString(v))
		return strstr(v->valuestring, "${") ? 2 : 0;
	cJSON_ArrayForEach(m, v) {
		if (cJSON_IsObject(v) && (!strcmp(m->string, "Ref") || !strncmp(m->string, "Fn::", 4)))
			return 1;
		if (cJSON_IsObject(v) && strstr(m->string, "${"))
			r = 2;
		if ((k = deploy_changes(m)) == 1)
			return 1;
		r |= k;
	}
	return r;
}

/* Whether warn has a line about machine name that contains what. */
static int warned(const char *warn, const char *name, const char *what)
{
	size_t n = strlen(name);

	for (const char *l = warn; l && *l; l = strchr(l, '\n') + 1) {
		const char *nl = strchr(l, '\n');
		const char *w = strstr(l, what);

		if (!strncmp(l, name, n) && !strncmp(l + n, ": state ", 8) && w && w < nl)
			return 1;
	}
	return 0;
}

/* Aborts, printing the problem and its detail (a name, sam_load's
 * message). */
static void fail_with(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	fz_fail(__FILE__, __LINE__, what);
}

static void check_same(const proj_project *p, const proj_project *t)
{
	fz_check(t->nfunctions == p->nfunctions, "the export has another number of functions");
	fz_check(t->nmachines == p->nmachines, "the export has another number of state machines");
	for (int i = 0; i < p->nfunctions; i++) {
		proj_function f = p->functions[i];
		const proj_function *g = proj_function_find(t, f.name);

		fz_check(g != NULL, "a function is missing from the export");
		/* SAM wants a Handler for zip packages: export writes one. */
		if (!f.handler && f.lang == PROJ_LANG_PROVIDED)
			f.handler = (char *)"bootstrap";
		if (!proj_function_equal(&f, g))
			fail_with("a function is configured otherwise in the export", f.name);
	}
	for (int i = 0; i < p->nmachines; i++) {
		const proj_machine *m = &p->machines[i], *n = proj_machine_find(t, m->name);

		if (!n)
			fail_with("a state machine is missing from the export", m->name);
		fz_check(n->express == m->express, "a state machine changed its type in the export");
		if (deploy_changes(m->definition))
			continue;
		if (!def_equal(p, m->definition, n->definition)) {
			char *a = js_print(m->definition), *b = js_print(n->definition);

			fprintf(stderr, "fuzz: project: %s\nfuzz: export:  %s\n", a, b);
			free(a);
			free(b);
			fail_with("a definition changed in the export", m->name);
		}
	}
}

/* Each warning line names a state machine of p and a state. */
static void check_warnings(const proj_project *p, const char *warn)
{
	const char *line = warn;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		int ok = 0;

		for (int i = 0; i < p->nmachines && !ok; i++) {
			size_t n = strlen(p->machines[i].name);

			ok = !strncmp(line, p->machines[i].name, n) && !strncmp(line + n, ": state ", 8);
		}
		if (!ok)
			fail_with("a warning line does not name a state machine", line);
		fz_check(nl != NULL, "the warnings do not end with a line break");
		line = nl + 1;
	}
}

static void export_and_load(const proj_project *p)
{
	sam_opts o = { 0 };
	sam_info info;
	char *warn = NULL, *err = NULL;
	cJSON *tmpl = export_template(p, g_out_dir, &warn);
	proj_project *t;
	FILE *f = fopen(g_out, "w");
	int deploy = 0;

	if (!f)
		fz_fail(__FILE__, __LINE__, "cannot write the template");
	check_warnings(p, warn);
	for (int i = 0; i < p->nmachines; i++)
		if (deploy_changes(p->machines[i].definition) == 1) {
			fz_check(warned(warn, p->machines[i].name, "intrinsic function"),
				 "an intrinsic function key in a definition without a warning");
			deploy = 1;
		}
	if (export_emit_yaml(tmpl, EXPORT_MARK " by fuzz_export\n", f, &err) != 0)
		fail_with("export_emit_yaml failed", err);
	if (fclose(f) != 0)
		fz_fail(__FILE__, __LINE__, "cannot write the template");
	o.region = p->region;
	o.account = p->account;
	t = sam_load(g_out, &o, &info, &err);
	if (!t && !deploy)
		fail_with("the export of a loadable project does not load", err);
	if (t && !deploy)
		check_same(p, t);
	proj_free(t);
	sam_info_free(&info);
	free(err);
	cJSON_Delete(tmpl);
	free(warn);
	remove(g_out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	proj_project *p;

	if (fz_write(g_path, data, size) != 0)
		fz_fail(__FILE__, __LINE__, "cannot write the project file");
	p = proj_load(g_path, &err);
	free(err);
	/* export_main refuses a project that runs a template (template:) and
	 * one without functions and state machines: a template needs a
	 * resource, and CloudFormation (and sam_load) refuse one without. */
	if (p && !p->template_path && (p->nfunctions || p->nmachines))
		export_and_load(p);
	proj_free(p);
	return 0;
}
