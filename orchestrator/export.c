/* export.c - writes a steplocal.yaml project as the AWS SAM template that deploys it (see export.h). */
#include "export.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "fsutil.h"
#include "sam.h"
#include "xalloc.h"

#define EXIT_USAGE 2

#define SAM_TRANSFORM   "AWS::Serverless-2016-10-31"
#define CFN_VERSION     "2010-09-09"
#define ROLE_SUFFIX     "Role"          /* SAM's implicit role: <Id>Role */
#define PROVIDED_HANDLER "bootstrap"    /* SAM wants a Handler for zip packages */

static const char usage[] =
	"usage: steplocal export [-f PROJECT] [-o FILE | -] [--force]\n"
	"  writes the AWS SAM template that deploys the project's functions and state\n"
	"  machines (default FILE: template.yaml in the project's folder; - for stdout);\n"
	"  --force replaces a FILE that steplocal export did not write\n";

/* ---- text helpers ---- */

typedef struct ex_buf {
	char *s;
	size_t n, cap;
} ex_buf;

static void buf_printf(ex_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_printf(ex_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *t;
	size_t len;

	va_start(ap, fmt);
	t = xvasprintf(fmt, ap);
	va_end(ap);
	len = strlen(t);
	if (b->n + len + 1 > b->cap) {
		b->cap = (b->n + len + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, t, len + 1);
	b->n += len;
	free(t);
}

/* The relative path from the folder from_dir to the path to, both
 * absolute and canonical (realpath): "." when they are the same.  Returns
 * owned. */
static char *path_relative(const char *from_dir, const char *to)
{
	const char *a = from_dir, *b = to, *ca = from_dir, *cb = to;
	ex_buf out = { 0 };

	/* walk the common components; ca/cb stay at the last common boundary */
	for (;;) {
		while (*a == '/')
			a++;
		while (*b == '/')
			b++;
		size_t la = strcspn(a, "/"), lb = strcspn(b, "/");

		if (la == 0 || la != lb || strncmp(a, b, la))
			break;
		a += la;
		b += lb;
		ca = a;
		cb = b;
	}
	for (a = ca; *a;) {
		while (*a == '/')
			a++;
		if (!*a)
			break;
		buf_printf(&out, "%s..", out.n ? "/" : "");
		a += strcspn(a, "/");
	}
	while (*cb == '/')
		cb++;
	if (*cb)
		buf_printf(&out, "%s%s", out.n ? "/" : "", cb);
	return out.n ? out.s : (free(out.s), xstrdup("."));
}

/* ---- logical ids ---- */

typedef struct ex_names {
	char **v;
	int n, cap;
} ex_names;

static int names_has(const ex_names *s, const char *x)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return 1;
	return 0;
}

static void names_add(ex_names *s, char *owned)
{
	if (s->n == s->cap)
		s->v = xrealloc(s->v, sizeof *s->v * (size_t)(s->cap = s->cap ? s->cap * 2 : 16));
	s->v[s->n++] = owned;
}

static void names_free(ex_names *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* The logical id of the resource called name: its letters and digits
 * (CloudFormation allows nothing else), or fallback when none are left,
 * followed by 2, 3, ... until neither the id nor SAM's implicit <id>Role
 * is taken; both are then marked taken.  Returns owned. */
static char *id_make(ex_names *taken, const char *name, const char *fallback)
{
	char *base = xmalloc(strlen(name) + 1), *id, *role;
	size_t k = 0;
	int i = 2;

	for (const char *s = name; *s; s++)
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
			base[k++] = *s;
	base[k] = '\0';
	if (!k) {
		free(base);
		base = xstrdup(fallback);
	}
	id = xstrdup(base);
	for (;;) {
		role = xasprintf("%s" ROLE_SUFFIX, id);
		if (!names_has(taken, id) && !names_has(taken, role))
			break;
		free(role);
		free(id);
		id = xasprintf("%s%d", base, i++);
	}
	free(base);
	names_add(taken, xstrdup(id));
	names_add(taken, role);
	return id;
}

/* ---- definitions: Lambda references become substitutions ---- */

typedef struct ex_ctx {
	const proj_project *p;
	char **ids;             /* logical id of each function, by index */
	int *used;              /* function indexes the machine calls, in first-use order */
	int nused;
	const proj_machine *m;
	ex_buf warn;
} ex_ctx;

static void warn(ex_ctx *c, const char *state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Adds the warning "MACHINE: state STATE: ..." to c, on one line even
 * when a name or a text of the definition holds a line break. */
static void warn(ex_ctx *c, const char *state, const char *fmt, ...)
{
	va_list ap;
	char *what, *line;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	line = fs_one_line(xasprintf("%s: state %s: %s", c->m->name, state, what));
	buf_printf(&c->warn, "%s\n", line);
	free(line);
	free(what);
}

static int fn_index(const ex_ctx *c, const char *name, size_t len)
{
	for (int i = 0; i < c->p->nfunctions; i++)
		if (strlen(c->p->functions[i].name) == len && !strncmp(c->p->functions[i].name, name, len))
			return i;
	return -1;
}

/* tail is "NAME" or "NAME:QUALIFIER", the end of the reference full.
 * Returns the owned substitution "${<Id>Arn}[:QUALIFIER]" and records the
 * function as called, or NULL (with a warning) when NAME is no function of
 * the project. */
static char *ref_for(ex_ctx *c, const char *full, const char *tail, const char *state,
		     const char *what)
{
	size_t len = strcspn(tail, ":");
	int i = fn_index(c, tail, len), k;

	if (i < 0) {
		warn(c, state, "%s \"%s\" names no function of the project; kept as written",
		     what, full);
		return NULL;
	}
	for (k = 0; k < c->nused && c->used[k] != i; k++)
		;
	if (k == c->nused)
		c->used[c->nused++] = i;
	return xasprintf("${%sArn}%s", c->ids[i], tail + len);
}

/* The part after "arn:PARTITION:SERVICE:" of s, or NULL when s is not an
 * ARN of that service. */
static const char *arn_after(const char *s, const char *service)
{
	size_t n = strlen(service);

	if (strncmp(s, "arn:", 4))
		return NULL;
	s += 4;
	s += strcspn(s, ":");
	if (*s != ':' || strncmp(s + 1, service, n) || s[1 + n] != ':')
		return NULL;
	return s + 2 + n;
}

/* The NAME[:QUALIFIER] of a Lambda function ARN, or NULL. */
static const char *lambda_arn_tail(const char *s)
{
	const char *t = arn_after(s, "lambda"), *f;

	if (!t || !(f = strstr(t - 1, ":function:")))
		return NULL;
	return f + strlen(":function:");
}

/* Whether resource is an integration that takes a FunctionName. */
static int is_lambda_invoke(const char *resource)
{
	static const char *const tails[] = {    /* after "arn:PARTITION:states:" */
		"::lambda:invoke", "::lambda:invoke.waitForTaskToken",
		"::aws-sdk:lambda:invoke", "::aws-sdk:lambda:invoke.waitForTaskToken", NULL,
	};
	const char *t = arn_after(resource, "states");

	for (int i = 0; t && tails[i]; i++)
		if (!strcmp(t, tails[i]))
			return 1;
	return 0;
}

static void set_string(cJSON *obj, const char *key, char *owned)
{
	cJSON_ReplaceItemInObjectCaseSensitive(obj, key, cJSON_CreateString(owned));
	free(owned);
}

/* A FunctionName as Lambda takes it: a name, NAME:QUALIFIER, a partial
 * ARN (ACCOUNT:function:NAME[:QUALIFIER]) or a full ARN. */
static char *function_name_ref(ex_ctx *c, const char *s, const char *state)
{
	const char *tail = lambda_arn_tail(s), *f;

	if (!tail && (f = strstr(s, ":function:")) && (size_t)(f - s) == strspn(s, "0123456789"))
		tail = f + strlen(":function:");
	return ref_for(c, s, tail ? tail : s, state, "FunctionName");
}

static void walk_states(ex_ctx *c, cJSON *machine);

static void walk_state(ex_ctx *c, const char *name, cJSON *st)
{
	const cJSON *type = js_get(st, "Type");
	cJSON *res = js_get(st, "Resource"), *it;
	const char *tail;
	char *sub;

	if (!cJSON_IsString(type))
		return;
	if (!strcmp(type->valuestring, "Task") && cJSON_IsString(res)) {
		if ((tail = lambda_arn_tail(res->valuestring))) {
			if ((sub = ref_for(c, res->valuestring, tail, name, "Resource")))
				set_string(st, "Resource", sub);
		} else if (is_lambda_invoke(res->valuestring)) {
			static const char *const holders[] = { "Parameters", "Arguments", NULL };

			for (int i = 0; holders[i]; i++) {
				cJSON *h = js_get(st, holders[i]);
				const cJSON *fn = js_get(h, "FunctionName");

				if (cJSON_IsString(fn) && (sub = function_name_ref(c, fn->valuestring, name)))
					set_string(h, "FunctionName", sub);
			}
		}
	} else if (!strcmp(type->valuestring, "Parallel")) {
		cJSON_ArrayForEach(it, js_get(st, "Branches"))
			walk_states(c, it);
	} else if (!strcmp(type->valuestring, "Map")) {
		walk_states(c, js_get(st, "Iterator"));
		walk_states(c, js_get(st, "ItemProcessor"));
	}
}

static void walk_states(ex_ctx *c, cJSON *machine)
{
	cJSON *st;

	if (!cJSON_IsObject(machine))
		return;
	cJSON_ArrayForEach(st, js_get(machine, "States"))
		if (cJSON_IsObject(st))
			walk_state(c, st->string, st);
}

/* Whether key is one CloudFormation reads as an intrinsic function. */
static int is_intrinsic_key(const char *key)
{
	return !strcmp(key, "Ref") || !strncmp(key, "Fn::", 4);
}

/* Warns when the text s (a string or a key of the definition) holds a
 * "${<Id>Arn}" of the machine's substitutions. */
static void warn_substituted(ex_ctx *c, const char *s, const char *state)
{
	for (int k = 0; k < c->nused; k++) {
		char *key = xasprintf("${%sArn}", c->ids[c->used[k]]);

		if (strstr(s, key))
			warn(c, state, "the text \"%s\" would be replaced on deployment by the ARN "
			     "it stands for in DefinitionSubstitutions", key);
		free(key);
	}
}

/* Warns of what the deployment would change in the definition v (the
 * project's, before the rewrite): CloudFormation evaluates an object with
 * a key Ref or Fn::... anywhere in a template's properties, and the
 * machine's DefinitionSubstitutions replace "${<Id>Arn}" in every string
 * and key.  Neither can be escaped in a Definition, so they are left as
 * they are.  state names the state v is in ("(top level)" outside States). */
static void warn_deploy(ex_ctx *c, const cJSON *v, const char *state, int in_states)
{
	const cJSON *m;

	if (cJSON_IsString(v))
		warn_substituted(c, v->valuestring, state);
	cJSON_ArrayForEach(m, v) {
		if (cJSON_IsObject(v)) {
			warn_substituted(c, m->string, state);
			if (is_intrinsic_key(m->string))
				warn(c, state, "CloudFormation would read the key \"%s\" as an intrinsic "
				     "function; the definition does not deploy as written", m->string);
		}
		warn_deploy(c, m, in_states && cJSON_IsObject(v) ? m->string : state,
			    cJSON_IsObject(v) && !strcmp(m->string, "States") && cJSON_IsObject(m));
	}
}

/* ---- the template ---- */

static cJSON *ref(const char *id)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "Ref", id);
	return o;
}

static cJSON *get_att(const char *id, const char *attr)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "Fn::GetAtt");

	cJSON_AddItemToArray(a, cJSON_CreateString(id));
	cJSON_AddItemToArray(a, cJSON_CreateString(attr));
	return o;
}

static cJSON *function_resource(const proj_function *f, const char *out_dir)
{
	cJSON *r = cJSON_CreateObject(), *pr, *vars;
	char *code = path_relative(out_dir, f->code);

	cJSON_AddStringToObject(r, "Type", "AWS::Serverless::Function");
	pr = cJSON_AddObjectToObject(r, "Properties");
	cJSON_AddStringToObject(pr, "FunctionName", f->name);
	cJSON_AddStringToObject(pr, "CodeUri", code);
	cJSON_AddStringToObject(pr, "Handler", f->handler ? f->handler : PROVIDED_HANDLER);
	cJSON_AddStringToObject(pr, "Runtime", f->runtime);
	cJSON_AddNumberToObject(pr, "Timeout", f->timeout);
	cJSON_AddNumberToObject(pr, "MemorySize", f->memory);
	if (f->concurrency >= 0)
		cJSON_AddNumberToObject(pr, "ReservedConcurrentExecutions", f->concurrency);
	if (f->nenv) {
		vars = cJSON_AddObjectToObject(cJSON_AddObjectToObject(pr, "Environment"), "Variables");
		for (int i = 0; i < f->nenv; i++)
			cJSON_AddStringToObject(vars, f->env[i].name, f->env[i].value);
	}
	free(code);
	return r;
}

static cJSON *machine_resource(ex_ctx *c, const proj_machine *m)
{
	cJSON *r = cJSON_CreateObject(), *pr, *def = js_dup(m->definition), *subs, *pol, *item;

	c->m = m;
	c->nused = 0;
	walk_states(c, def);
	warn_deploy(c, m->definition, "(top level)", 0);
	cJSON_AddStringToObject(r, "Type", "AWS::Serverless::StateMachine");
	pr = cJSON_AddObjectToObject(r, "Properties");
	cJSON_AddStringToObject(pr, "Name", m->name);
	cJSON_AddStringToObject(pr, "Type", m->express ? "EXPRESS" : "STANDARD");
	cJSON_AddItemToObject(pr, "Definition", def);
	if (c->nused) {
		subs = cJSON_AddObjectToObject(pr, "DefinitionSubstitutions");
		pol = cJSON_AddArrayToObject(pr, "Policies");
		for (int k = 0; k < c->nused; k++) {
			const char *id = c->ids[c->used[k]];
			char *key = xasprintf("%sArn", id);

			cJSON_AddItemToObject(subs, key, get_att(id, "Arn"));
			free(key);
			item = cJSON_CreateObject();
			cJSON_AddItemToObject(cJSON_AddObjectToObject(item, "LambdaInvokePolicy"),
					      "FunctionName", ref(id));
			cJSON_AddItemToArray(pol, item);
		}
	}
	return r;
}

/* What the template leaves out, one sentence each. */
static cJSON *not_exported(const proj_project *p)
{
	cJSON *a = cJSON_CreateArray();
	char *s;

	for (int i = 0; i < p->nfaults; i++) {
		const proj_fault *f = &p->faults[i];

		if (f->times > 0)
			s = xasprintf("faults[%d]: the first %d call%s of %s fail%s with %s (faults "
				      "are local only)", i, f->times, f->times == 1 ? "" : "s",
				      f->function, f->times == 1 ? "s" : "", f->error);
		else
			s = xasprintf("faults[%d]: each call of %s fails with %s with probability "
				      "%g (seed %u) (faults are local only)", i, f->function, f->error,
				      f->rate, f->seed);
		cJSON_AddItemToArray(a, cJSON_CreateString(s));
		free(s);
	}
	if (strcmp(p->account, PROJ_DEFAULT_ACCOUNT)) {
		s = xasprintf("account %s: the deployment's account applies", p->account);
		cJSON_AddItemToArray(a, cJSON_CreateString(s));
		free(s);
	}
	if (strcmp(p->region, PROJ_DEFAULT_REGION)) {
		s = xasprintf("region %s: the deployment's region applies (sam deploy --region %s)",
			      p->region, p->region);
		cJSON_AddItemToArray(a, cJSON_CreateString(s));
		free(s);
	}
	return a;
}

cJSON *export_template(const proj_project *p, const char *out_dir, char **warnings)
{
	cJSON *t = cJSON_CreateObject(), *meta, *res, *outs, *o;
	ex_names taken = { 0 };
	ex_ctx c = { .p = p };
	char **mids = xcalloc((size_t)p->nmachines + 1, sizeof *mids);
	char *s;

	c.ids = xcalloc((size_t)p->nfunctions + 1, sizeof *c.ids);
	c.used = xcalloc((size_t)p->nfunctions + 1, sizeof *c.used);
	for (int i = 0; i < p->nfunctions; i++)
		c.ids[i] = id_make(&taken, p->functions[i].name, "Function");
	for (int i = 0; i < p->nmachines; i++)
		mids[i] = id_make(&taken, p->machines[i].name, "StateMachine");

	cJSON_AddStringToObject(t, "AWSTemplateFormatVersion", CFN_VERSION);
	cJSON_AddStringToObject(t, "Transform", SAM_TRANSFORM);
	s = path_relative(out_dir, p->path);
	{
		char *d = xasprintf("The functions and state machines of the steplocal project %s",
				    s);

		cJSON_AddStringToObject(t, "Description", d);
		free(d);
	}
	meta = cJSON_AddObjectToObject(cJSON_AddObjectToObject(t, "Metadata"), "steplocal");
	cJSON_AddStringToObject(meta, "Project", s);
	free(s);
	cJSON_AddItemToObject(meta, "NotExported", not_exported(p));

	res = cJSON_AddObjectToObject(t, "Resources");
	for (int i = 0; i < p->nfunctions; i++)
		cJSON_AddItemToObject(res, c.ids[i], function_resource(&p->functions[i], out_dir));
	for (int i = 0; i < p->nmachines; i++)
		cJSON_AddItemToObject(res, mids[i], machine_resource(&c, &p->machines[i]));

	if (p->nmachines) {
		outs = cJSON_AddObjectToObject(t, "Outputs");
		for (int i = 0; i < p->nmachines; i++) {
			char *key = xasprintf("%sArn", mids[i]);
			char *d = xasprintf("The ARN of the state machine %s", p->machines[i].name);

			o = cJSON_AddObjectToObject(outs, key);
			cJSON_AddStringToObject(o, "Description", d);
			cJSON_AddItemToObject(o, "Value", ref(mids[i]));
			free(key);
			free(d);
		}
	}

	if (warnings)
		*warnings = c.warn.s;
	else
		free(c.warn.s);
	for (int i = 0; i < p->nfunctions; i++)
		free(c.ids[i]);
	for (int i = 0; i < p->nmachines; i++)
		free(mids[i]);
	free(c.ids);
	free(c.used);
	free(mids);
	names_free(&taken);
	return t;
}

/* ---- YAML ---- */

/* Whether the plain scalar s would be read as something other than a
 * string by YAML 1.1 (PyYAML, as cfn-lint reads templates) or YAML 1.2
 * (steplocal, CloudFormation): numbers, booleans, nulls, timestamps, merge
 * and value keys.  Conservative: such strings are double-quoted. */
static int needs_quotes(const char *s)
{
	static const char *const words[] = {
		"y", "n", "yes", "no", "true", "false", "on", "off", "null", NULL,
	};

	if (!*s || strchr("0123456789+-.~=<", *s))
		return 1;
	for (int i = 0; words[i]; i++)
		if (!strcasecmp(s, words[i]))
			return 1;
	return 0;
}

typedef struct ex_yaml {
	yaml_emitter_t em;
	int failed;
} ex_yaml;

static void emit(ex_yaml *y, yaml_event_t *ev)
{
	if (y->failed) {
		yaml_event_delete(ev);
		return;
	}
	if (!yaml_emitter_emit(&y->em, ev))
		y->failed = 1;          /* the emitter deletes the event either way */
}

static void emit_scalar(ex_yaml *y, const char *tag, const char *text, int quote)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag, (yaml_char_t *)text,
				     (int)strlen(text), !tag, !tag,
				     quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
	emit(y, &ev);
}

static void emit_string(ex_yaml *y, const char *s)
{
	emit_scalar(y, NULL, s, needs_quotes(s));
}

/* A number as YAML 1.1 and 1.2 both read it: an exponent needs a
 * fraction ("1.0e+20", not "1e+20") for YAML 1.1. */
static void emit_number(ex_yaml *y, const cJSON *v)
{
	char *t = js_print(v), *e = strpbrk(t, "eE");

	if (e && !memchr(t, '.', (size_t)(e - t))) {
		char *u = xasprintf("%.*s.0%s", (int)(e - t), t, e);

		free(t);
		t = u;
	}
	emit_scalar(y, NULL, t, 0);
	free(t);
}

/* {"Ref": ID} and {"Fn::GetAtt": [ID, ATTR]} as their short tags, which
 * CloudFormation reads exactly as the long forms; other objects, NULL. */
static int emit_short_form(ex_yaml *y, const cJSON *o)
{
	const cJSON *m = o->child, *a, *b;
	char *t;

	if (!m || m->next)
		return 0;
	if (!strcmp(m->string, "Ref") && cJSON_IsString(m)) {
		emit_scalar(y, "!Ref", m->valuestring, 0);
		return 1;
	}
	if (!strcmp(m->string, "Fn::GetAtt") && cJSON_GetArraySize(m) == 2 &&
	    cJSON_IsString(a = m->child) && cJSON_IsString(b = a->next)) {
		t = xasprintf("%s.%s", a->valuestring, b->valuestring);
		emit_scalar(y, "!GetAtt", t, 0);
		free(t);
		return 1;
	}
	return 0;
}

static void emit_value(ex_yaml *y, const cJSON *v)
{
	yaml_event_t ev;
	const cJSON *it;

	if (cJSON_IsObject(v)) {
		if (emit_short_form(y, v))
			return;
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		emit(y, &ev);
		cJSON_ArrayForEach(it, v) {
			emit_string(y, it->string);
			emit_value(y, it);
		}
		yaml_mapping_end_event_initialize(&ev);
		emit(y, &ev);
	} else if (cJSON_IsArray(v)) {
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		emit(y, &ev);
		cJSON_ArrayForEach(it, v)
			emit_value(y, it);
		yaml_sequence_end_event_initialize(&ev);
		emit(y, &ev);
	} else if (cJSON_IsString(v)) {
		emit_string(y, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		emit_number(y, v);
	} else if (cJSON_IsBool(v)) {
		emit_scalar(y, NULL, cJSON_IsTrue(v) ? "true" : "false", 0);
	} else {
		emit_scalar(y, NULL, "null", 0);
	}
}

int export_emit_yaml(const cJSON *tmpl, const char *header, FILE *out, char **err)
{
	ex_yaml y = { .failed = 0 };
	yaml_event_t ev;

	if (header && fputs(header, out) == EOF) {
		*err = xasprintf("%s", strerror(errno));
		return -1;
	}
	if (!yaml_emitter_initialize(&y.em)) {
		*err = xstrdup("cannot start the YAML emitter");
		return -1;
	}
	yaml_emitter_set_output_file(&y.em, out);
	yaml_emitter_set_unicode(&y.em, 1);
	yaml_emitter_set_width(&y.em, -1);      /* no folding of long strings */
	yaml_emitter_set_indent(&y.em, 2);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(&y, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	emit(&y, &ev);
	emit_value(&y, tmpl);
	yaml_document_end_event_initialize(&ev, 1);
	emit(&y, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(&y, &ev);
	if (y.failed)
		*err = xasprintf("YAML: %s", y.em.problem ? y.em.problem :
				 y.em.error == YAML_WRITER_ERROR ? strerror(errno) : "cannot emit");
	yaml_emitter_delete(&y.em);
	return y.failed ? -1 : 0;
}

/* ---- the command ---- */

/* The comment lines above the template; control characters of paths are
 * shown as '?' so that every line stays a comment. */
static char *header_text(const proj_project *p, const char *out_dir)
{
	char *proj = path_relative(out_dir, p->path);
	ex_buf b = { 0 };

	for (char *s = proj; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	buf_printf(&b, EXPORT_MARK " from %s; export again after changing the project.\n", proj);
	buf_printf(&b, "# Deploy it with: sam deploy --guided\n");
	if (p->nfaults)
		buf_printf(&b, "# The project's %d fault%s %s local only and not exported "
			   "(Metadata.steplocal.NotExported).\n", p->nfaults,
			   p->nfaults == 1 ? "" : "s", p->nfaults == 1 ? "is" : "are");
	free(proj);
	return b.s;
}

/* 0 when out may be written: it does not exist, or it is an earlier export,
 * or force; else -1 with the reason printed. */
static int check_overwrite(const char *out, int force)
{
	struct stat st;
	char line[sizeof EXPORT_MARK];
	FILE *f;
	int ours;

	if (stat(out, &st) < 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "steplocal export: cannot write %s: it is a folder\n", out);
		return -1;
	}
	if (force)
		return 0;
	if (!(f = fopen(out, "r"))) {
		fprintf(stderr, "steplocal export: cannot read %s: %s\n", out, strerror(errno));
		return -1;
	}
	ours = fgets(line, sizeof line, f) && !strcmp(line, EXPORT_MARK);
	fclose(f);
	if (!ours) {
		fprintf(stderr, "steplocal export: %s exists and was not written by steplocal "
			"export; give --force to replace it, or another -o\n", out);
		return -1;
	}
	return 0;
}

/* Writes the template to out through a temporary file in its folder,
 * renamed over out once complete.  Returns 0, or -1 with the reason
 * printed. */
static int write_atomically(const char *out, const cJSON *t, const char *header)
{
	char *tmp = xasprintf("%s.XXXXXX", out), *err = NULL;
	mode_t mask = umask(0);
	FILE *f = NULL;
	int fd, rc = -1;

	umask(mask);
	if ((fd = mkstemp(tmp)) < 0) {
		fprintf(stderr, "steplocal export: cannot write %s: %s\n", out, strerror(errno));
		free(tmp);
		return -1;
	}
	if (!(f = fdopen(fd, "w"))) {
		fprintf(stderr, "steplocal export: cannot write %s: %s\n", out, strerror(errno));
		close(fd);
		goto done;
	}
	if (export_emit_yaml(t, header, f, &err) < 0) {
		fprintf(stderr, "steplocal export: cannot write %s: %s\n", out, err);
		free(err);
		goto done;
	}
	if (fflush(f) == EOF || ferror(f) || fchmod(fd, 0666 & ~mask) < 0) {
		fprintf(stderr, "steplocal export: cannot write %s: %s\n", out, strerror(errno));
		goto done;
	}
	if (fclose(f) == EOF) {
		f = NULL;
		fprintf(stderr, "steplocal export: cannot write %s: %s\n", out, strerror(errno));
		goto done;
	}
	f = NULL;
	if (rename(tmp, out) < 0) {
		fprintf(stderr, "steplocal export: cannot write %s: %s\n", out, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (f)
		fclose(f);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* The canonical folder of the file path (which need not exist), or NULL
 * with errno set. */
static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real;

	if (!slash)
		return realpath(".", NULL);
	dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	real = realpath(dir, NULL);
	free(dir);
	return real;
}

int export_main(int argc, char **argv)
{
	const char *project = NULL, *out = NULL;
	char *found = NULL, *err = NULL, *warn = NULL, *out_dir = NULL, *def_out = NULL;
	char *header = NULL;
	proj_project *p = NULL;
	cJSON *t = NULL;
	int force = 0, rc = EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--project")) && i + 1 < argc) {
			project = argv[++i];
		} else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--force")) {
			force = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "steplocal export: unexpected argument '%s'\n%s", argv[i], usage);
			return EXIT_USAGE;
		}
	}
	if (!project && !(project = found = proj_find(NULL))) {
		fprintf(stderr, "steplocal export: no " PROJ_FILE_NAME " in the current folder "
			"(give -f PROJECT)\n");
		return EXIT_USAGE;
	}
	if (sam_is_template(project)) {
		fprintf(stderr, "steplocal export: %s is already a SAM or CloudFormation template; "
			"export writes one from a " PROJ_FILE_NAME "\n", project);
		goto done;
	}
	if (!(p = proj_load(project, &err))) {
		fprintf(stderr, "%s", err ? err : "steplocal export: the project does not load\n");
		if (err && err[0] && err[strlen(err) - 1] != '\n')
			fputc('\n', stderr);
		goto done;
	}
	/* CloudFormation refuses a template without resources, and so does
	 * sam_load: a project with nothing of its own has no template. */
	if (p->template_path) {
		fprintf(stderr, "steplocal export: %s runs the template %s (template:); deploy that "
			"template\n", project, p->template_path);
		goto done;
	}
	if (!p->nfunctions && !p->nmachines) {
		fprintf(stderr, "steplocal export: %s has no functions and no state machines: "
			"nothing to export\n", project);
		goto done;
	}
	if (!out)
		out = def_out = xasprintf("%s/" EXPORT_DEFAULT_FILE, p->dir);
	if (!(out_dir = strcmp(out, "-") ? folder_of(out) : realpath(".", NULL))) {
		fprintf(stderr, "steplocal export: cannot write %s: %s\n", out, strerror(errno));
		goto done;
	}
	t = export_template(p, out_dir, &warn);
	if (warn)
		for (char *l = warn, *nl; *l; l = nl + 1) {
			nl = strchr(l, '\n');
			fprintf(stderr, "steplocal export: warning: %.*s\n", (int)(nl - l), l);
		}
	header = header_text(p, out_dir);
	if (!strcmp(out, "-")) {
		if (export_emit_yaml(t, header, stdout, &err) < 0 || fflush(stdout) == EOF) {
			fprintf(stderr, "steplocal export: cannot write the template: %s\n",
				err ? err : strerror(errno));
			goto done;
		}
	} else if (check_overwrite(out, force) < 0 || write_atomically(out, t, header) < 0) {
		goto done;
	}
	rc = 0;
done:
	cJSON_Delete(t);
	proj_free(p);
	free(found);
	free(err);
	free(warn);
	free(out_dir);
	free(def_out);
	free(header);
	return rc;
}
