/* jpath.c - compiler and evaluator of AWS's JSONPath subset (see jpath.h). */
#include "jpath.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "xalloc.h"

enum step_kind {
	ST_NAME,      /* .name  ['name']          */
	ST_INDEX,     /* [n]  [-n]                */
	ST_WILD,      /* .*  [*]                  */
	ST_NAMES,     /* ['a','b']                */
	ST_INDICES,   /* [1,2]                    */
	ST_SLICE,     /* [a:b:c]                  */
	ST_FILTER,    /* [?(...)]                 */
};

enum froot { FR_CURRENT = 3 }; /* @, beyond jp_root_kind */

typedef struct fnode fnode;

typedef struct step {
	enum step_kind kind;
	int deep;             /* reached through ".." */
	char *name;
	long index;
	char **names;
	long *indices;
	int n;
	long start, end, stride;
	int has_start, has_end;
	fnode *filter;
} step;

struct jpath {
	char *text;
	char *normalized;
	int root;             /* jp_root_kind, or FR_CURRENT inside filters */
	char *var;
	step *steps;
	int nsteps;
	int definite;
};

/* Filter expressions. */
enum fkind { F_OR, F_AND, F_NOT, F_CMP, F_EXISTS, F_LIT, F_PATH };
enum fop { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct fnode {
	enum fkind kind;
	enum fop op;
	fnode *a, *b;
	cJSON *lit;
	jpath *path;
};

typedef struct parser {
	const char *s;     /* whole text */
	const char *p;     /* cursor */
	int flags;
	int in_filter;
	char *err;
} parser;

static jpath *parse_path(parser *ps);
static fnode *parse_or(parser *ps);

static int fail(parser *ps, const char *what)
{
	if (!ps->err)
		ps->err = xasprintf("%s at position %d of '%s'", what,
				    (int)(ps->p - ps->s), ps->s);
	return -1;
}

static void skip_ws(parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static void fnode_free(fnode *f)
{
	if (!f)
		return;
	fnode_free(f->a);
	fnode_free(f->b);
	cJSON_Delete(f->lit);
	jp_free(f->path);
	free(f);
}

static void step_free(step *st)
{
	int i;

	free(st->name);
	for (i = 0; st->names && i < st->n; i++)
		free(st->names[i]);
	free(st->names);
	free(st->indices);
	fnode_free(st->filter);
}

void jp_free(jpath *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nsteps; i++)
		step_free(&p->steps[i]);
	free(p->steps);
	free(p->text);
	free(p->normalized);
	free(p->var);
	free(p);
}

static step *add_step(jpath *jp, enum step_kind k, int deep)
{
	step *st;

	jp->steps = xrealloc(jp->steps, sizeof *jp->steps * (size_t)(jp->nsteps + 1));
	st = &jp->steps[jp->nsteps++];
	memset(st, 0, sizeof *st);
	st->kind = k;
	st->deep = deep;
	return st;
}

static int is_name_end(parser *ps, char c)
{
	if (c == '\0' || c == '.' || c == '[')
		return 1;
	if (ps->in_filter && strchr(" )=!<>&|,", c))
		return 1;
	return 0;
}

/* Reads a quoted string starting at the quote; returns owned text. */
static char *parse_quoted(parser *ps)
{
	char q = *ps->p++;
	size_t cap = 16, n = 0;
	char *out = xmalloc(cap);

	while (*ps->p && *ps->p != q) {
		char c = *ps->p++;

		if (c == '\\' && *ps->p)
			c = *ps->p++;
		if (n + 2 > cap)
			out = xrealloc(out, cap *= 2);
		out[n++] = c;
	}
	if (*ps->p != q) {
		free(out);
		fail(ps, "unterminated quoted name");
		return NULL;
	}
	ps->p++;
	out[n] = '\0';
	return out;
}

static int parse_long(parser *ps, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(ps->p, &end, 10);
	if (end == ps->p || errno)
		return fail(ps, "expected an integer");
	ps->p = end;
	return 0;
}

static int parse_bracket(parser *ps, jpath *jp, int deep)
{
	step *st;

	ps->p++; /* [ */
	skip_ws(ps);
	if (*ps->p == '\'' || *ps->p == '"') {
		char **names = NULL;
		int n = 0;

		for (;;) {
			char *nm;

			skip_ws(ps);
			if (*ps->p != '\'' && *ps->p != '"')
				goto bad_names;
			nm = parse_quoted(ps);
			if (!nm)
				goto bad_names;
			names = xrealloc(names, sizeof *names * (size_t)(n + 1));
			names[n++] = nm;
			skip_ws(ps);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			break;
		}
		if (*ps->p != ']') {
			fail(ps, "expected ']'");
			goto bad_names;
		}
		ps->p++;
		if (n == 1) {
			st = add_step(jp, ST_NAME, deep);
			st->name = names[0];
			free(names);
		} else {
			st = add_step(jp, ST_NAMES, deep);
			st->names = names;
			st->n = n;
		}
		return 0;
bad_names:
		while (n > 0)
			free(names[--n]);
		free(names);
		return fail(ps, "bad name list");
	}
	if (*ps->p == '*') {
		ps->p++;
		skip_ws(ps);
		if (*ps->p++ != ']')
			return fail(ps, "expected ']' after '*'");
		add_step(jp, ST_WILD, deep);
		return 0;
	}
	if (*ps->p == '?') {
		fnode *f;
		int saved = ps->in_filter;

		ps->p++;
		skip_ws(ps);
		if (*ps->p++ != '(')
			return fail(ps, "expected '(' after '?'");
		ps->in_filter = 1;
		f = parse_or(ps);
		ps->in_filter = saved;
		if (!f)
			return -1;
		skip_ws(ps);
		if (ps->p[0] != ')' || ps->p[1] != ']') {
			fnode_free(f);
			return fail(ps, "expected ')]' to close the filter");
		}
		ps->p += 2;
		st = add_step(jp, ST_FILTER, deep);
		st->filter = f;
		return 0;
	}
	/* Numbers: [n], [a,b], [a:b], [a:b:c], [:b], [a:] */
	{
		long v = 0;
		int have_first = 0;

		if (*ps->p == '-' || isdigit((unsigned char)*ps->p)) {
			if (parse_long(ps, &v))
				return -1;
			have_first = 1;
		}
		skip_ws(ps);
		if (*ps->p == ':') {
			st = add_step(jp, ST_SLICE, deep);
			st->has_start = have_first;
			st->start = v;
			st->stride = 1;
			ps->p++;
			skip_ws(ps);
			if (*ps->p == '-' || isdigit((unsigned char)*ps->p)) {
				if (parse_long(ps, &st->end))
					return -1;
				st->has_end = 1;
			}
			skip_ws(ps);
			if (*ps->p == ':') {
				ps->p++;
				if (parse_long(ps, &st->stride))
					return -1;
				if (st->stride == 0)
					return fail(ps, "slice step must not be 0");
			}
		} else if (!have_first) {
			return fail(ps, "expected a name, an index, '*', a slice or a filter");
		} else if (*ps->p == ',') {
			st = add_step(jp, ST_INDICES, deep);
			st->indices = xmalloc(sizeof *st->indices);
			st->indices[0] = v;
			st->n = 1;
			while (*ps->p == ',') {
				ps->p++;
				skip_ws(ps);
				if (parse_long(ps, &v))
					return -1;
				st->indices = xrealloc(st->indices,
					sizeof *st->indices * (size_t)(st->n + 1));
				st->indices[st->n++] = v;
				skip_ws(ps);
			}
		} else {
			st = add_step(jp, ST_INDEX, deep);
			st->index = v;
		}
		skip_ws(ps);
		if (*ps->p != ']')
			return fail(ps, "expected ']'");
		ps->p++;
		return 0;
	}
}

static int parse_steps(parser *ps, jpath *jp)
{
	for (;;) {
		int deep = 0;

		if (*ps->p == '.') {
			ps->p++;
			if (*ps->p == '.') {
				deep = 1;
				ps->p++;
			}
			if (*ps->p == '[') {
				if (!deep)
					return fail(ps, "unexpected '[' after '.'");
				if (parse_bracket(ps, jp, 1))
					return -1;
				continue;
			}
			if (*ps->p == '*') {
				ps->p++;
				add_step(jp, ST_WILD, deep);
				continue;
			}
			{
				const char *b = ps->p;
				step *st;

				while (!is_name_end(ps, *ps->p))
					ps->p++;
				if (ps->p == b)
					return fail(ps, "expected a name after '.'");
				st = add_step(jp, ST_NAME, deep);
				st->name = xstrndup(b, (size_t)(ps->p - b));
			}
			continue;
		}
		if (*ps->p == '[') {
			if (parse_bracket(ps, jp, 0))
				return -1;
			continue;
		}
		return 0;
	}
}

static void normalize(jpath *jp)
{
	size_t cap = 64, n = 0;
	char *s = xmalloc(cap);
	int i, k;

#define PUT(str) do { size_t l_ = strlen(str);                          \
		while (n + l_ + 1 > cap) s = xrealloc(s, cap *= 2);     \
		memcpy(s + n, str, l_); n += l_; } while (0)
	if (jp->root == JP_ROOT_CONTEXT)
		PUT("$$");
	else if (jp->root == JP_ROOT_VAR) {
		PUT("$");
		PUT(jp->var);
	} else if (jp->root == FR_CURRENT)
		PUT("@");
	else
		PUT("$");
	for (i = 0; i < jp->nsteps; i++) {
		step *st = &jp->steps[i];
		char num[32];

		if (st->deep)
			PUT("..");
		switch (st->kind) {
		case ST_NAME:
			PUT("['"); PUT(st->name); PUT("']");
			break;
		case ST_INDEX:
			snprintf(num, sizeof num, "[%ld]", st->index);
			PUT(num);
			break;
		case ST_WILD:
			PUT("[*]");
			break;
		case ST_NAMES:
			PUT("[");
			for (k = 0; k < st->n; k++) {
				if (k)
					PUT(",");
				PUT("'"); PUT(st->names[k]); PUT("'");
			}
			PUT("]");
			break;
		case ST_INDICES:
			PUT("[");
			for (k = 0; k < st->n; k++) {
				snprintf(num, sizeof num, k ? ",%ld" : "%ld", st->indices[k]);
				PUT(num);
			}
			PUT("]");
			break;
		case ST_SLICE:
			PUT("[");
			if (st->has_start) {
				snprintf(num, sizeof num, "%ld", st->start);
				PUT(num);
			}
			PUT(":");
			if (st->has_end) {
				snprintf(num, sizeof num, "%ld", st->end);
				PUT(num);
			}
			PUT("]");
			break;
		case ST_FILTER:
			PUT("[?]");
			break;
		}
	}
#undef PUT
	s[n] = '\0';
	jp->normalized = s;
}

static jpath *parse_path(parser *ps)
{
	jpath *jp = xcalloc(1, sizeof *jp);
	const char *start = ps->p;
	int i;

	if (*ps->p == '@' && ps->in_filter) {
		jp->root = FR_CURRENT;
		ps->p++;
	} else if (*ps->p != '$') {
		fail(ps, "a path must start with '$'");
		goto bad;
	} else if (ps->p[1] == '$') {
		if (ps->flags & JP_NO_CONTEXT) {
			fail(ps, "the context object '$$' is not allowed here");
			goto bad;
		}
		jp->root = JP_ROOT_CONTEXT;
		ps->p += 2;
	} else if (isalpha((unsigned char)ps->p[1]) || ps->p[1] == '_') {
		const char *b = ++ps->p;

		if (ps->flags & (JP_NO_VARS | JP_REFERENCE)) {
			fail(ps, "variables are not allowed here");
			goto bad;
		}
		while (isalnum((unsigned char)*ps->p) || *ps->p == '_')
			ps->p++;
		jp->root = JP_ROOT_VAR;
		jp->var = xstrndup(b, (size_t)(ps->p - b));
	} else {
		jp->root = JP_ROOT_INPUT;
		ps->p++;
	}
	if (parse_steps(ps, jp))
		goto bad;
	jp->definite = 1;
	for (i = 0; i < jp->nsteps; i++)
		if (jp->steps[i].deep || (jp->steps[i].kind != ST_NAME &&
					  jp->steps[i].kind != ST_INDEX))
			jp->definite = 0;
	jp->text = xstrndup(start, (size_t)(ps->p - start));
	normalize(jp);
	return jp;
bad:
	jp_free(jp);
	return NULL;
}

/* Filter grammar:  or := and ('||' and)* ; and := unary ('&&' unary)* ;
 * unary := '!' unary | '(' or ')' | operand [cmp operand] */
static fnode *parse_operand(parser *ps)
{
	fnode *f = xcalloc(1, sizeof *f);

	skip_ws(ps);
	if (*ps->p == '@' || *ps->p == '$') {
		int saved = ps->flags;

		ps->flags &= ~JP_REFERENCE;
		f->kind = F_PATH;
		f->path = parse_path(ps);
		ps->flags = saved;
		if (!f->path)
			goto bad;
		return f;
	}
	f->kind = F_LIT;
	if (*ps->p == '\'' || *ps->p == '"') {
		char *s = parse_quoted(ps);

		if (!s)
			goto bad;
		f->lit = cJSON_CreateString(s);
		free(s);
		return f;
	}
	if (strncmp(ps->p, "true", 4) == 0) {
		ps->p += 4;
		f->lit = cJSON_CreateTrue();
		return f;
	}
	if (strncmp(ps->p, "false", 5) == 0) {
		ps->p += 5;
		f->lit = cJSON_CreateFalse();
		return f;
	}
	if (strncmp(ps->p, "null", 4) == 0) {
		ps->p += 4;
		f->lit = cJSON_CreateNull();
		return f;
	}
	{
		char *end;
		double d = strtod(ps->p, &end);

		if (end != ps->p && (*ps->p == '-' || isdigit((unsigned char)*ps->p))) {
			ps->p = end;
			f->lit = cJSON_CreateNumber(d);
			return f;
		}
	}
	fail(ps, "expected a path or a literal in the filter");
bad:
	fnode_free(f);
	return NULL;
}

static fnode *parse_unary(parser *ps)
{
	static const struct { const char *tok; enum fop op; } ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE },
		{ ">=", OP_GE }, { "<", OP_LT }, { ">", OP_GT },
	};
	fnode *f, *l, *r;
	size_t i;

	skip_ws(ps);
	if (*ps->p == '!' && ps->p[1] != '=') {
		ps->p++;
		l = parse_unary(ps);
		if (!l)
			return NULL;
		f = xcalloc(1, sizeof *f);
		f->kind = F_NOT;
		f->a = l;
		return f;
	}
	if (*ps->p == '(') {
		ps->p++;
		f = parse_or(ps);
		if (!f)
			return NULL;
		skip_ws(ps);
		if (*ps->p != ')') {
			fnode_free(f);
			fail(ps, "expected ')'");
			return NULL;
		}
		ps->p++;
		return f;
	}
	l = parse_operand(ps);
	if (!l)
		return NULL;
	skip_ws(ps);
	for (i = 0; i < sizeof ops / sizeof *ops; i++) {
		size_t n = strlen(ops[i].tok);

		if (strncmp(ps->p, ops[i].tok, n) != 0)
			continue;
		ps->p += n;
		r = parse_operand(ps);
		if (!r) {
			fnode_free(l);
			return NULL;
		}
		f = xcalloc(1, sizeof *f);
		f->kind = F_CMP;
		f->op = ops[i].op;
		f->a = l;
		f->b = r;
		return f;
	}
	if (l->kind != F_PATH) {
		fnode_free(l);
		fail(ps, "a literal alone is not a condition");
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	f->kind = F_EXISTS;
	f->a = l;
	return f;
}

static fnode *parse_binary(parser *ps, int level)
{
	const char *tok = level ? "&&" : "||";
	fnode *l = level ? parse_unary(ps) : parse_binary(ps, 1);

	while (l) {
		fnode *r, *f;

		skip_ws(ps);
		if (strncmp(ps->p, tok, 2) != 0)
			break;
		ps->p += 2;
		r = level ? parse_unary(ps) : parse_binary(ps, 1);
		if (!r) {
			fnode_free(l);
			return NULL;
		}
		f = xcalloc(1, sizeof *f);
		f->kind = level ? F_AND : F_OR;
		f->a = l;
		f->b = r;
		l = f;
	}
	return l;
}

static fnode *parse_or(parser *ps)
{
	return parse_binary(ps, 0);
}

jpath *jp_compile(const char *text, int flags, char **err)
{
	parser ps = { text, text, flags, 0, NULL };
	jpath *jp;

	*err = NULL;
	if (strlen(text) > SL_MAX_PATH_LEN) {
		*err = xasprintf("path longer than %d characters", SL_MAX_PATH_LEN);
		return NULL;
	}
	jp = parse_path(&ps);
	if (jp && *ps.p != '\0') {
		fail(&ps, "unexpected character");
		jp_free(jp);
		jp = NULL;
	}
	if (jp && (flags & JP_REFERENCE) && !jp->definite) {
		ps.err = xasprintf("'%s' is not a reference path: only names and "
				   "single indices may follow '$'", text);
		jp_free(jp);
		jp = NULL;
	}
	if (!jp) {
		*err = ps.err ? ps.err : xasprintf("invalid path '%s'", text);
		return NULL;
	}
	return jp;
}

const char *jp_text(const jpath *p) { return p->text; }
int jp_definite(const jpath *p) { return p->definite; }
jp_root_kind jp_root(const jpath *p) { return (jp_root_kind)p->root; }
const char *jp_var_name(const jpath *p) { return p->var; }
int jp_steps(const jpath *p) { return p->nsteps; }
const char *jp_normalized(const jpath *p) { return p->normalized; }

/* ---- evaluation ---- */

typedef struct matches {
	const cJSON **v;
	int n, cap;
} matches;

static void push(matches *m, const cJSON *v)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->v = xrealloc(m->v, sizeof *m->v * (size_t)m->cap);
	}
	m->v[m->n++] = v;
}

static const cJSON *root_of(const jpath *p, const jp_env *env, const cJSON *current)
{
	switch (p->root) {
	case JP_ROOT_INPUT:
		return env->input;
	case JP_ROOT_CONTEXT:
		return env->context ? env->context(env->ud) : NULL;
	case JP_ROOT_VAR:
		return env->var ? env->var(env->ud, p->var) : NULL;
	default:
		return current;
	}
}

static int cmp_values(const cJSON *a, const cJSON *b, enum fop op)
{
	int c;

	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		c = a->valuedouble < b->valuedouble ? -1 :
		    a->valuedouble > b->valuedouble;
	else if (cJSON_IsString(a) && cJSON_IsString(b))
		c = strcmp(a->valuestring, b->valuestring);
	else if (op == OP_EQ)
		return js_equal(a, b);
	else if (op == OP_NE)
		return !js_equal(a, b);
	else
		return 0;
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	default:    return c >= 0;
	}
}

static void collect(const jpath *p, int i, const cJSON *node, const jp_env *env, matches *m);

static const cJSON *filter_operand(const fnode *f, const cJSON *current,
				   const jp_env *env, cJSON **tmp)
{
	matches m = { 0 };
	const cJSON *r;

	if (f->kind == F_LIT)
		return f->lit;
	collect(f->path, 0, root_of(f->path, env, current), env, &m);
	if (m.n == 0) {
		free(m.v);
		return NULL;
	}
	if (f->path->definite) {
		r = m.v[0];
	} else {
		int i;

		*tmp = cJSON_CreateArray();
		for (i = 0; i < m.n; i++)
			cJSON_AddItemToArray(*tmp, js_dup(m.v[i]));
		r = *tmp;
	}
	free(m.v);
	return r;
}

static int filter_true(const fnode *f, const cJSON *current, const jp_env *env)
{
	const cJSON *a, *b;
	cJSON *ta = NULL, *tb = NULL;
	int r;

	switch (f->kind) {
	case F_OR:
		return filter_true(f->a, current, env) || filter_true(f->b, current, env);
	case F_AND:
		return filter_true(f->a, current, env) && filter_true(f->b, current, env);
	case F_NOT:
		return !filter_true(f->a, current, env);
	case F_EXISTS:
		a = filter_operand(f->a, current, env, &ta);
		r = a != NULL;
		cJSON_Delete(ta);
		return r;
	case F_CMP:
		a = filter_operand(f->a, current, env, &ta);
		b = filter_operand(f->b, current, env, &tb);
		r = a && b && cmp_values(a, b, f->op);
		cJSON_Delete(ta);
		cJSON_Delete(tb);
		return r;
	default:
		return 0;
	}
}

static const cJSON *array_at(const cJSON *arr, long i)
{
	int n;

	if (!cJSON_IsArray(arr))
		return NULL;
	n = cJSON_GetArraySize(arr);
	if (i < 0)
		i += n;
	if (i < 0 || i >= n)
		return NULL;
	return cJSON_GetArrayItem(arr, (int)i);
}

/* Applies step st (ignoring its deep flag) to node; pushes matches. */
static void apply_step(const step *st, const cJSON *node, const jp_env *env, matches *out)
{
	const cJSON *c;
	int k;

	switch (st->kind) {
	case ST_NAME:
		if ((c = js_get(node, st->name)))
			push(out, c);
		break;
	case ST_INDEX:
		if ((c = array_at(node, st->index)))
			push(out, c);
		break;
	case ST_WILD:
		if (cJSON_IsArray(node) || cJSON_IsObject(node))
			for (c = node->child; c; c = c->next)
				push(out, c);
		break;
	case ST_NAMES:
		for (k = 0; k < st->n; k++)
			if ((c = js_get(node, st->names[k])))
				push(out, c);
		break;
	case ST_INDICES:
		for (k = 0; k < st->n; k++)
			if ((c = array_at(node, st->indices[k])))
				push(out, c);
		break;
	case ST_SLICE: {
		long n, from, to, i;

		if (!cJSON_IsArray(node))
			break;
		n = cJSON_GetArraySize(node);
		if (st->stride > 0) {
			from = st->has_start ? st->start : 0;
			to = st->has_end ? st->end : n;
			if (from < 0) from += n;
			if (to < 0) to += n;
			if (from < 0) from = 0;
			if (to > n) to = n;
			for (i = from, c = array_at(node, from); c && i < to; i++, c = c->next)
				if ((i - from) % st->stride == 0)
					push(out, c);
		} else {
			from = st->has_start ? st->start : n - 1;
			to = st->has_end ? st->end : -n - 1;
			if (from < 0) from += n;
			if (to < 0) to += n;
			if (from >= n) from = n - 1;
			for (i = from; i > to && i >= 0; i += st->stride)
				if ((c = array_at(node, i)))
					push(out, c);
		}
		break;
	}
	case ST_FILTER:
		if (cJSON_IsArray(node)) {
			for (c = node->child; c; c = c->next)
				if (filter_true(st->filter, c, env))
					push(out, c);
		} else if (cJSON_IsObject(node) && filter_true(st->filter, node, env)) {
			push(out, node);
		}
		break;
	}
}

static void deep_apply(const step *st, const cJSON *node, const jp_env *env, matches *out)
{
	const cJSON *c;

	apply_step(st, node, env, out);
	if (cJSON_IsArray(node) || cJSON_IsObject(node))
		for (c = node->child; c; c = c->next)
			deep_apply(st, c, env, out);
}

static void collect(const jpath *p, int i, const cJSON *node, const jp_env *env, matches *m)
{
	matches next = { 0 };
	int k;

	if (!node)
		return;
	if (i == p->nsteps) {
		push(m, node);
		return;
	}
	if (p->steps[i].deep)
		deep_apply(&p->steps[i], node, env, &next);
	else
		apply_step(&p->steps[i], node, env, &next);
	for (k = 0; k < next.n; k++)
		collect(p, i + 1, next.v[k], env, m);
	free(next.v);
}

int jp_eval(const jpath *p, const jp_env *env, const cJSON **out, int *owned)
{
	const cJSON *node = root_of(p, env, NULL);
	int i;

	*owned = 0;
	*out = NULL;
	if (p->definite) {
		for (i = 0; node && i < p->nsteps; i++) {
			const step *st = &p->steps[i];

			node = st->kind == ST_NAME ? js_get(node, st->name) :
			       array_at(node, st->index);
		}
		*out = node;
		return node ? 0 : -1;
	}
	{
		matches m = { 0 };
		cJSON *arr;

		if (!node)
			return -1;
		collect(p, 0, node, env, &m);
		arr = cJSON_CreateArray();
		for (i = 0; i < m.n; i++)
			cJSON_AddItemToArray(arr, js_dup(m.v[i]));
		free(m.v);
		*out = arr;
		*owned = 1;
		return 0;
	}
}

cJSON *jp_eval_copy(const jpath *p, const jp_env *env)
{
	const cJSON *v;
	int owned;

	if (jp_eval(p, env, &v, &owned))
		return NULL;
	return owned ? (cJSON *)v : js_dup(v);
}

int jp_assign(const jpath *p, cJSON **root, cJSON *value)
{
	cJSON *node = *root;
	int i;

	if (p->nsteps == 0) {
		cJSON_Delete(*root);
		*root = value;
		return 0;
	}
	/* Check the whole way first so that a failure leaves *root unchanged. */
	for (i = 0; i < p->nsteps - 1 && node; i++) {
		const step *st = &p->steps[i];

		if (st->kind == ST_NAME) {
			if (!cJSON_IsObject(node))
				goto bad;
			node = js_get(node, st->name);
		} else {
			node = (cJSON *)array_at(node, st->index);
			if (!node)
				goto bad;
		}
	}
	if (node) {
		const step *last = &p->steps[p->nsteps - 1];

		if (last->kind == ST_NAME ? !cJSON_IsObject(node) : !array_at(node, last->index))
			goto bad;
	}
	node = *root;
	for (i = 0; i < p->nsteps - 1; i++) {
		const step *st = &p->steps[i];
		cJSON *next = st->kind == ST_NAME ? js_get(node, st->name) :
			      (cJSON *)array_at(node, st->index);

		js_size_forget(node);
		if (!next) {
			next = cJSON_CreateObject();
			cJSON_AddItemToObjectCS(node, st->name, next);
		}
		node = next;
	}
	{
		const step *last = &p->steps[p->nsteps - 1];

		js_size_forget(node);
		if (last->kind == ST_NAME) {
			js_set_const(node, last->name, value);
		} else {
			int n = cJSON_GetArraySize(node);
			long ix = last->index < 0 ? last->index + n : last->index;

			cJSON_ReplaceItemInArray(node, (int)ix, value);
		}
	}
	return 0;
bad:
	cJSON_Delete(value);
	return -1;
}

cJSON *jp_detach(const jpath *p, cJSON *root)
{
	cJSON *parent = NULL, *node = root;
	int i;

	for (i = 0; node && i < p->nsteps; i++) {
		const step *st = &p->steps[i];

		parent = node;
		js_size_forget(parent);
		node = st->kind == ST_NAME ? js_get(node, st->name) :
		       (cJSON *)array_at(node, st->index);
	}
	if (node && parent)
		cJSON_DetachItemViaPointer(parent, node);
	return node;
}

int jp_prefix(const jpath *a, const jpath *b)
{
	int i;

	if (a->root != b->root || !a->definite || !b->definite || a->nsteps > b->nsteps)
		return 0;
	if (a->root == JP_ROOT_VAR && strcmp(a->var, b->var) != 0)
		return 0;
	for (i = 0; i < a->nsteps; i++) {
		const step *x = &a->steps[i], *y = &b->steps[i];

		if (x->kind != y->kind)
			return 0;
		if (x->kind == ST_NAME ? strcmp(x->name, y->name) != 0 : x->index != y->index)
			return 0;
	}
	return 1;
}
