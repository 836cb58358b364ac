/* tpl.c - payload templates (see tpl.h). */
#include "tpl.h"

#include <stdlib.h>
#include <string.h>

#include "intrinsic.h"
#include "xalloc.h"

enum tkind { T_CONST, T_OBJECT, T_ARRAY, T_PATH, T_FN };

typedef struct tmember {
	char *key;           /* output key, ".$" stripped */
	char *field;         /* key as written, for messages */
	tpl *value;
} tmember;

struct tpl {
	enum tkind kind;
	cJSON *constant;     /* T_CONST: owned copy */
	tmember *members;    /* T_OBJECT */
	tpl **items;         /* T_ARRAY */
	int n;
	jpath *path;         /* T_PATH */
	fn_expr *fn;         /* T_FN */
};

static int is_dynamic(const cJSON *v)
{
	const cJSON *c;
	size_t n;

	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return 0;
	for (c = v->child; c; c = c->next) {
		if (c->string && (n = strlen(c->string)) >= 2 &&
		    strcmp(c->string + n - 2, ".$") == 0)
			return 1;
		if (is_dynamic(c))
			return 1;
	}
	return 0;
}

static tpl *compile_expr(const char *text, const char *field, const char *loc, diags *d)
{
	tpl *t = xcalloc(1, sizeof *t);
	char *err = NULL;

	if (fn_looks_like(text)) {
		t->kind = T_FN;
		t->fn = fn_compile(text, &err);
	} else {
		t->kind = T_PATH;
		t->path = jp_compile(text, 0, &err);
	}
	if (err) {
		diag_error(d, "SCHEMA_VALIDATION_FAILED", loc,
			   "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call",
			   field);
		free(err);
		tpl_free(t);
		return NULL;
	}
	return t;
}

tpl *tpl_compile(const cJSON *v, const char *loc, diags *d)
{
	tpl *t;
	const cJSON *c;
	int errors = d->errors, i = 0;

	if (!is_dynamic(v)) {
		t = xcalloc(1, sizeof *t);
		t->kind = T_CONST;
		t->constant = js_dup(v);
		return t;
	}
	t = xcalloc(1, sizeof *t);
	if (cJSON_IsArray(v)) {
		t->kind = T_ARRAY;
		t->n = cJSON_GetArraySize(v);
		t->items = xcalloc((size_t)t->n, sizeof *t->items);
		for (c = v->child; c; c = c->next, i++) {
			char *l = diag_loc_index(loc, i);

			t->items[i] = tpl_compile(c, l, d);
			free(l);
		}
	} else {
		t->kind = T_OBJECT;
		t->n = cJSON_GetArraySize(v);
		t->members = xcalloc((size_t)t->n, sizeof *t->members);
		for (c = v->child; c; c = c->next, i++) {
			tmember *m = &t->members[i];
			size_t n = strlen(c->string);
			char *l = diag_loc(loc, c->string);

			m->field = xstrdup(c->string);
			if (n >= 2 && strcmp(c->string + n - 2, ".$") == 0) {
				m->key = xstrndup(c->string, n - 2);
				if (!cJSON_IsString(c))
					diag_error(d, "SCHEMA_VALIDATION_FAILED", l,
						   "The value for the field '%s' must be a STRING that contains a JSONPath or an intrinsic function call",
						   c->string);
				else
					m->value = compile_expr(c->valuestring, c->string, l, d);
			} else {
				m->key = xstrdup(c->string);
				m->value = tpl_compile(c, l, d);
			}
			free(l);
		}
	}
	if (d->errors > errors) {
		tpl_free(t);
		return NULL;
	}
	return t;
}

void tpl_free(tpl *t)
{
	int i;

	if (!t)
		return;
	cJSON_Delete(t->constant);
	for (i = 0; t->members && i < t->n; i++) {
		free(t->members[i].key);
		free(t->members[i].field);
		tpl_free(t->members[i].value);
	}
	free(t->members);
	for (i = 0; t->items && i < t->n; i++)
		tpl_free(t->items[i]);
	free(t->items);
	jp_free(t->path);
	fn_free(t->fn);
	free(t);
}

static cJSON *eval_node(const tpl *t, const char *field, const jp_env *env, aslerr *err)
{
	cJSON *out, *v;
	int i;

	switch (t->kind) {
	case T_CONST:
		return js_dup(t->constant);
	case T_PATH:
		v = jp_eval_copy(t->path, env);
		if (!v) {
			const cJSON *root = jp_root(t->path) == JP_ROOT_INPUT ? env->input :
				jp_root(t->path) == JP_ROOT_CONTEXT && env->context ?
				env->context(env->ud) : NULL;
			char *in = root ? js_print(root) : xstrdup("null");

			if (jp_root(t->path) == JP_ROOT_VAR)
				aslerr_set(err, ERR_RUNTIME,
					   "The JSONPath '%s' specified for the field '%s' could not be found: the variable '%s' is not defined",
					   jp_text(t->path), field, jp_var_name(t->path));
			else
				aslerr_set(err, ERR_RUNTIME,
					   "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
					   jp_text(t->path), field, in);
			free(in);
		}
		return v;
	case T_FN:
		return fn_eval(t->fn, env, err);
	case T_ARRAY:
		out = cJSON_CreateArray();
		for (i = 0; i < t->n; i++) {
			v = eval_node(t->items[i], field, env, err);
			if (!v) {
				cJSON_Delete(out);
				return NULL;
			}
			cJSON_AddItemToArray(out, v);
		}
		return out;
	case T_OBJECT:
		out = cJSON_CreateObject();
		for (i = 0; i < t->n; i++) {
			const tmember *m = &t->members[i];

			v = eval_node(m->value, m->field, env, err);
			if (!v) {
				cJSON_Delete(out);
				return NULL;
			}
			cJSON_AddItemToObjectCS(out, m->key, v);
		}
		return out;
	}
	return NULL;
}

cJSON *tpl_eval(const tpl *t, const jp_env *env, aslerr *err)
{
	return eval_node(t, "", env, err);
}

void tpl_top_keys(const tpl *t, void (*fn)(const char *key, void *ud), void *ud)
{
	const cJSON *c;
	int i;

	if (t->kind == T_OBJECT) {
		for (i = 0; i < t->n; i++)
			fn(t->members[i].key, ud);
	} else if (t->kind == T_CONST && cJSON_IsObject(t->constant)) {
		for (c = t->constant->child; c; c = c->next)
			fn(c->string, ud);
	}
}
