/* workspace.c - a loaded project and the Lambda side that runs its functions (see workspace.h). */
#include "workspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "pkg.h"
#include "xalloc.h"

/* Function log lines, on stderr, prefixed with the function's name.  The
 * runtimes join a multi-line record with carriage returns, as AWS does for
 * CloudWatch; here each part gets a line of its own. */
static void print_log(void *ud, const char *function, const char *request_id, const char *line)
{
	workspace *w = ud;
	const char *p = line;

	(void)request_id;
	if (w->quiet)
		return;
	do {
		size_t n = strcspn(p, "\r");

		if (isatty(2))
			fprintf(stderr, "\033[2m[%s]\033[0m %.*s\n", function, (int)n, p);
		else
			fprintf(stderr, "[%s] %.*s\n", function, (int)n, p);
		p += n;
	} while (*p++ == '\r' && *p);
}

/* Where .zip packages are extracted: $XDG_CACHE_HOME/steplocal/packages,
 * ~/.cache/steplocal/packages, or a per-user folder under /tmp. */
static char *cache_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");

	if (x && *x)
		return xasprintf("%s/steplocal/packages", x);
	if (h && *h)
		return xasprintf("%s/.cache/steplocal/packages", h);
	return xasprintf("/tmp/steplocal-%d/packages", (int)getuid());
}

/* Loads the project at path (a file or folder), or the current folder's
 * steplocal.yaml when path is NULL.  Returns 0; -1 with the problems
 * printed; 1 when there is no project and none was required. */
/* The project file a path stands for: the path itself when it is a
 * file; in a folder its steplocal.yaml, else its SAM template.  With no
 * path, the current folder's.  Returns owned, or NULL. */
static char *project_file(const char *path)
{
	struct stat st;
	char *f;

	if (path && stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		return xstrdup(path);
	if ((f = proj_find(path)))
		return f;
	return sam_find(path);
}

/* A steplocal.yaml with template: runs the template, with the project's
 * account, region and faults on top (a fault may name a function by
 * FunctionName or logical id).  Replaces w->proj; returns 0, or -1 with
 * *err set (w->proj is then freed). */
static int ws_use_template(workspace *w, char **err)
{
	proj_project *p = w->proj, *t;
	int i;

	w->sam_opts.account = p->account;
	w->sam_opts.region = p->region;
	t = sam_load(p->template_path, &w->sam_opts, &w->sam, err);
	if (!t) {
		proj_free(p);
		return -1;
	}
	for (i = 0; i < p->nfaults; i++) {
		const proj_function *f = proj_function_find(t, sam_info_resolve(&w->sam, p->faults[i].function));

		if (!f) {
			*err = xasprintf("%s: faults[%d].function: the template %s has no function \"%s\"",
					 p->path, i, p->template_path, p->faults[i].function);
			proj_free(t);
			proj_free(p);
			return -1;
		}
		p->faults[i].function = f->name;
	}
	/* The faults move to the template's project; their names now point
	 * into it, and own_function goes with them. */
	free(t->faults);
	t->faults = p->faults;
	t->nfaults = p->nfaults;
	p->faults = NULL;
	p->nfaults = 0;
	proj_free(p);
	w->proj = t;
	if (w->sam.notice && !w->quiet)
		fprintf(stderr, "steplocal: %s\n", w->sam.notice);
	return 0;
}

int ws_load(workspace *w, const char *path, int required)
{
	char *file = project_file(path), *err = NULL;

	if (!file) {
		if (path) {
			fprintf(stderr, "steplocal: %s: no %s or template.yaml there\n", path, PROJ_FILE_NAME);
			return -1;
		}
		if (!required)
			return 1;
		fprintf(stderr, "steplocal: no %s or template.yaml in this folder; give the project "
			"with -f FILE\n", PROJ_FILE_NAME);
		return -1;
	}
	if (sam_is_template(file)) {
		w->proj = sam_load(file, &w->sam_opts, &w->sam, &err);
		if (w->proj && w->sam.notice && !w->quiet)
			fprintf(stderr, "steplocal: %s\n", w->sam.notice);
	} else {
		w->proj = proj_load(file, &err);
		if (w->proj && w->proj->template_path && ws_use_template(w, &err))
			w->proj = NULL;
	}
	free(w->file);
	w->file = file;
	if (!w->proj) {
		fprintf(stderr, "%s%s", err ? err : "steplocal: cannot load the project\n",
			err && err[strlen(err) - 1] != '\n' ? "\n" : "");
		free(err);
		return -1;
	}
	return 0;
}

const char *ws_resolve(const workspace *w, const char *name)
{
	return sam_info_resolve(&w->sam, name);
}

/* A Task's function reference, as lambda_task.c reads it at run time. */
static void check_task(const workspace *w, const cJSON *st, const char *loc, diags *d)
{
	const cJSON *res = js_get(st, "Resource"), *fn;
	const char *ref = NULL, *field = "Resource";   /* where the name is */
	char *name, *l;

	if (!cJSON_IsString(res))
		return;
	if (!strncmp(res->valuestring, "arn:aws:lambda:", 15)) {
		ref = res->valuestring;
	} else if (!strncmp(res->valuestring, "arn:aws:states:::lambda:invoke", 30)) {
		fn = js_get(js_get(st, "Parameters"), "FunctionName");
		ref = cJSON_IsString(fn) ? fn->valuestring : NULL;
		field = "Parameters/FunctionName";
	}
	if (!ref || !(name = lt_function_name(ref, NULL)))
		return;
	if (!proj_function_find(w->proj, ws_resolve(w, name))) {
		l = xasprintf("%s/%s", loc, field);
		diag_error(d, "UNKNOWN_FUNCTION", l, "The function %s is not defined in %s", name, w->file);
		free(l);
	}
	free(name);
}

static void check_states(const workspace *w, const cJSON *states, const char *loc, diags *d)
{
	const cJSON *st, *t, *b, *proc;
	int i;

	cJSON_ArrayForEach(st, states) {
		char *sl = xasprintf("%s/States/%s", loc, st->string);

		t = js_get(st, "Type");
		if (cJSON_IsString(t) && !strcmp(t->valuestring, "Task"))
			check_task(w, st, sl, d);
		i = 0;
		cJSON_ArrayForEach(b, js_get(st, "Branches")) {
			char *bl = xasprintf("%s/Branches[%d]", sl, i++);

			check_states(w, js_get(b, "States"), bl, d);
			free(bl);
		}
		if ((proc = js_get(st, "ItemProcessor")) || (proc = js_get(st, "Iterator"))) {
			char *pl = xasprintf("%s/%s", sl, js_get(st, "ItemProcessor") ? "ItemProcessor" : "Iterator");

			check_states(w, js_get(proc, "States"), pl, d);
			free(pl);
		}
		free(sl);
	}
}

void ws_check_functions(const workspace *w, const proj_machine *m, diags *d)
{
	if (cJSON_IsObject(m->definition))
		check_states(w, js_get(m->definition, "States"), "", d);
}

int ws_define(workspace *w, const proj_function *f)
{
	lam_config c = { 0 };
	char *cache = cache_dir(), *err = NULL, *dir, **env;
	const char **layers;
	int k, rc = 0;

	dir = pkg_resolve(f->code, cache, &err);
	free(cache);
	if (!dir) {
		fprintf(stderr, "steplocal: %s: functions.%s.code: %s\n", w->proj->path, f->name, err);
		free(err);
		return -1;
	}
	env = xcalloc((size_t)f->nenv + 1, sizeof *env);
	for (k = 0; k < f->nenv; k++)
		env[k] = xasprintf("%s=%s", f->env[k].name, f->env[k].value);
	layers = xcalloc((size_t)f->nlayers + 1, sizeof *layers);
	for (k = 0; k < f->nlayers; k++)
		layers[k] = f->layers[k];
	c.name = f->name;
	c.runtime = f->runtime;
	c.handler = f->handler;
	c.code_dir = dir;
	c.timeout = f->timeout;
	c.memory = f->memory;
	c.reserved = f->concurrency;
	c.env = (const char *const *)env;
	c.layers = layers;
	if (!lam_define(w->svc, &c, &err)) {
		fprintf(stderr, "steplocal: %s: functions.%s: %s\n", w->proj->path, f->name, err);
		free(err);
		rc = -1;
	}
	for (k = 0; k < f->nenv; k++)
		free(env[k]);
	free(env);
	free(layers);
	free(dir);
	return rc;
}

void ws_set_faults(workspace *w)
{
	lt_fault *faults = xcalloc((size_t)w->proj->nfaults + 1, sizeof *faults);
	int i;

	for (i = 0; i < w->proj->nfaults; i++) {
		faults[i].function = w->proj->faults[i].function;
		faults[i].error = w->proj->faults[i].error;
		faults[i].times = w->proj->faults[i].times;
		faults[i].rate = w->proj->faults[i].rate;
		faults[i].seed = w->proj->faults[i].seed;
	}
	lt_set_faults(w->bridge, faults, w->proj->nfaults);
	free(faults);
}

int ws_start_lambda(workspace *w, struct event_base *base, sl_loop *loop)
{
	lam_service_opts so = { 0 };
	int i, rc = 0;

	so.region = w->proj->region;
	so.account = w->proj->account;
	so.log = print_log;
	so.log_ud = w;
	so.account_concurrency = w->concurrency;
	w->base = base;
	w->svc = lam_service_new(base, &so);
	for (i = 0; i < w->proj->nfunctions && rc == 0; i++)
		rc = ws_define(w, &w->proj->functions[i]);
	w->bridge = lt_new(w->svc, loop, w->proj->region, w->proj->account, NULL, 0, print_log, w);
	ws_set_faults(w);
	return rc;
}

/* Ends every function process, then frees the project. */
void ws_close(workspace *w)
{
	lt_free(w->bridge);
	if (w->svc)
		lam_service_free(w->svc);
	proj_free(w->proj);
	sam_info_free(&w->sam);
	free(w->file);
	memset(w, 0, sizeof *w);
}

