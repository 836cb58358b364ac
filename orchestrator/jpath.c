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
	ST_SLICE,     /* [a:b]  [a:]  [:b]        */
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
	long start, end;      /* a slice's bounds, as written */
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
	/* The path ends in a name list ['a','b'], which Jayway merges into
	 * one object per node it applies to. */
	int merge;
	/* ...and every step before that list is definite, so that the path
	 * selects at most one (merged) object, not an array of them. */
	int merge_one;
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

/* A blank ends a dot-notation name too: Jayway refuses blanks there
 * (they need the bracket notation), so "$.a b" fails on the 'b'. */
static int is_name_end(parser *ps, char c)
{
	if (c == '\0' || c == '.' || c == '[' || c == ' ' || c == '\t')
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
	/* Numbers: [n], [a,b], [a:b], [:b], [a:], and [a:b:c] read as [a:b]:
	 * Jayway's slice has no step, and needs a start or an end. */
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
			long ignored;

			st = add_step(jp, ST_SLICE, deep);
			st->has_start = have_first;
			st->start = v;
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
				skip_ws(ps);
				if ((*ps->p == '-' || isdigit((unsigned char)*ps->p)) &&
				    parse_long(ps, &ignored))
					return -1;
			}
			if (!st->has_start && !st->has_end)
				return fail(ps, "a slice needs a start or an end");
		} else if (!have_first) {
			/* AWS's own words for a Reference Path (a validation
			 * case checks them verbatim). */
			if ((ps->flags & JP_REFERENCE) && !ps->err)
				ps->err = xstrdup("'[' must be followed by ' or '['");
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
			/* ".[": Jayway reads any token after a dot, so AWS's
			 * docs can write $.abc.['def ghi']. */
			if (*ps->p == '[') {
				if (parse_bracket(ps, jp, deep))
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

		if (ps->flags & JP_NO_VARS) {
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
	if (jp->nsteps > 0 && jp->steps[jp->nsteps - 1].kind == ST_NAMES) {
		const step *last = &jp->steps[jp->nsteps - 1];

		jp->merge = 1;
		jp->merge_one = !last->deep;
		for (i = 0; i < jp->nsteps - 1; i++)
			if (jp->steps[i].deep || (jp->steps[i].kind != ST_NAME &&
						  jp->steps[i].kind != ST_INDEX))
				jp->merge_one = 0;
	}
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
		ps.err = xasprintf("only names and single indices may follow the root in '%s'",
				   text);
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

/* The nodes a path selects, borrowed from the trees being read; the
 * objects built for a name list that ends the path are owned by `made`
 * until the matches are freed. */
typedef struct matches {
	const cJSON **v;
	int n, cap;
	cJSON *made;
} matches;

static void push(matches *m, const cJSON *v)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->v = xrealloc(m->v, sizeof *m->v * (size_t)m->cap);
	}
	m->v[m->n++] = v;
}

static void matches_free(matches *m)
{
	free(m->v);
	cJSON_Delete(m->made);
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

/* Whether the whole of s is a number as Java's BigDecimal reads it ("42",
 * "-1.5", "2e3"; not " 42", "0x1f" or "NaN"); sets *d to its value. */
static int numeric_string(const char *s, double *d)
{
	const char *p = s + (*s == '+' || *s == '-');
	char *end;

	if (!isdigit((unsigned char)*p) &&
	    !(*p == '.' && isdigit((unsigned char)p[1])))
		return 0;
	if (p[strspn(p, "0123456789.eE+-")] != '\0')
		return 0;
	*d = strtod(s, &end);
	return *end == '\0';
}

/* Jayway's ==: values compare by value, and a number equals a string that
 * reads as the same number (42 == "42"). */
static int filter_equal(const cJSON *a, const cJSON *b)
{
	double d;

	if (cJSON_IsNumber(a) && cJSON_IsString(b))
		return numeric_string(b->valuestring, &d) && d == a->valuedouble;
	if (cJSON_IsString(a) && cJSON_IsNumber(b))
		return numeric_string(a->valuestring, &d) && d == b->valuedouble;
	return js_equal(a, b);
}

/* Compares two filter operands.  NULL is a missing one (Jayway's
 * "undefined"): it equals nothing, and since != is the negation of ==, it
 * is != to everything.  <, <=, > and >= hold between two numbers or two
 * strings only. */
static int filter_compare(const cJSON *a, const cJSON *b, enum fop op)
{
	int c;

	if (op == OP_EQ || op == OP_NE) {
		c = a && b && filter_equal(a, b);
		return op == OP_EQ ? c : !c;
	}
	if (!a || !b)
		return 0;
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		c = a->valuedouble < b->valuedouble ? -1 :
		    a->valuedouble > b->valuedouble;
	else if (cJSON_IsString(a) && cJSON_IsString(b))
		c = strcmp(a->valuestring, b->valuestring);
	else
		return 0;
	switch (op) {
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	default:    return c >= 0;
	}
}

static void collect(const jpath *p, int i, const cJSON *node, const jp_env *env, matches *m);

/* The value of a filter operand for the element `current`, or NULL when
 * its path matches nothing.  A result built here is stored in *tmp, which
 * the caller deletes after the comparison. */
static const cJSON *filter_operand(const fnode *f, const cJSON *current,
				   const jp_env *env, cJSON **tmp)
{
	matches m = { 0 };
	const cJSON *r = NULL;
	int i;

	if (f->kind == F_LIT)
		return f->lit;
	collect(f->path, 0, root_of(f->path, env, current), env, &m);
	if (m.n == 0) {
		/* nothing: r stays NULL */
	} else if (f->path->definite || f->path->merge_one) {
		r = m.v[0];
		*tmp = m.made; /* r may be one of these */
		m.made = NULL;
	} else {
		*tmp = cJSON_CreateArray();
		for (i = 0; i < m.n; i++)
			cJSON_AddItemToArray(*tmp, js_dup(m.v[i]));
		r = *tmp;
	}
	matches_free(&m);
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
		r = filter_compare(a, b, f->op);
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

/* Pushes the elements lo..hi-1 of the array arr that exist, in order. */
static void push_range(const cJSON *arr, long lo, long hi, matches *out)
{
	long n = cJSON_GetArraySize(arr), i;
	const cJSON *c;

	if (lo < 0)
		lo = 0;
	if (hi > n)
		hi = n;
	if (lo >= hi)
		return;
	c = cJSON_GetArrayItem(arr, (int)lo);
	for (i = lo; c && i < hi; i++, c = c->next)
		push(out, c);
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
		/* Jayway's three slices.  [a:] and [:b] count a negative bound
		 * from the end of the array.  [a:b] does not: it selects what
		 * [i] selects for each i from a to b-1, so [-3:-1] is [-3] and
		 * [-2], and [3:-2] is nothing. */
		long n;

		if (!cJSON_IsArray(node))
			break;
		n = cJSON_GetArraySize(node);
		if (!st->has_end) {
			push_range(node, st->start < 0 ? st->start + n : st->start, n, out);
		} else if (!st->has_start) {
			push_range(node, 0, st->end < 0 ? st->end + n : st->end, out);
		} else {
			if (st->start < 0) /* the i < 0, as [i] reads them */
				push_range(node, st->start + n,
					   (st->end < 0 ? st->end : 0) + n, out);
			push_range(node, st->start, st->end, out);
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

/* Applies st to node and to every node below it, in pre-order.  A filter
 * tests each node once: an array tests its elements, and an object tests
 * itself unless it is an element (in_array), already tested by its
 * array. */
static void deep_apply(const step *st, const cJSON *node, int in_array,
		       const jp_env *env, matches *out)
{
	const cJSON *c;

	if (!(st->kind == ST_FILTER && in_array && cJSON_IsObject(node)))
		apply_step(st, node, env, out);
	if (cJSON_IsArray(node) || cJSON_IsObject(node))
		for (c = node->child; c; c = c->next)
			deep_apply(st, c, cJSON_IsArray(node), env, out);
}

/* Jayway merges a name list that ends a path: the result for an object is
 * a new object of those of the named members it has (after "..", only an
 * object that has them all counts).  Returns the owned object, or NULL
 * when node does not count. */
static cJSON *merged(const step *st, const cJSON *node)
{
	const cJSON *c;
	cJSON *o;
	int k;

	if (!cJSON_IsObject(node))
		return NULL;
	for (k = 0; st->deep && k < st->n; k++)
		if (!js_get(node, st->names[k]))
			return NULL;
	o = cJSON_CreateObject();
	for (k = 0; k < st->n; k++)
		if ((c = js_get(node, st->names[k])) && !js_get(o, st->names[k]))
			cJSON_AddItemToObject(o, st->names[k], js_dup(c));
	return o;
}

/* Pushes the merged objects of node (and, after "..", of every node below
 * it, in pre-order); m->made owns them. */
static void push_merged(const step *st, const cJSON *node, matches *m)
{
	cJSON *o = merged(st, node);
	const cJSON *c;

	if (o) {
		if (!m->made)
			m->made = cJSON_CreateArray();
		cJSON_AddItemToArray(m->made, o);
		push(m, o);
	}
	if (st->deep && (cJSON_IsArray(node) || cJSON_IsObject(node)))
		for (c = node->child; c; c = c->next)
			push_merged(st, c, m);
}

static void collect(const jpath *p, int i, const cJSON *node, const jp_env *env, matches *m)
{
	matches next = { 0 };
	const step *st;
	int k;

	if (!node)
		return;
	if (i == p->nsteps) {
		push(m, node);
		return;
	}
	st = &p->steps[i];
	if (p->merge && i == p->nsteps - 1) {
		push_merged(st, node, m);
		return;
	}
	if (st->deep)
		deep_apply(st, node, 0, env, &next);
	else
		apply_step(st, node, env, &next);
	for (k = 0; k < next.n; k++)
		collect(p, i + 1, next.v[k], env, m);
	matches_free(&next);
}

int jp_eval(const jpath *p, const jp_env *env, const cJSON **out, int *owned)
{
	const cJSON *node = root_of(p, env, NULL);
	int i;

	*owned = 0;
	*out = NULL;
	if (p->definite || p->merge_one) {
		/* The per-transition case: walk, allocate nothing. */
		int n = p->nsteps - p->merge_one;

		for (i = 0; node && i < n; i++) {
			const step *st = &p->steps[i];

			node = st->kind == ST_NAME ? js_get(node, st->name) :
			       array_at(node, st->index);
		}
		if (node && p->merge_one) {
			/* $.a['b','c']: one merged object, built here. */
			*out = merged(&p->steps[n], node);
			*owned = *out != NULL;
			return *out ? 0 : -1;
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
		matches_free(&m);
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

	if (!p->definite)
		goto bad;
	if (p->nsteps == 0) {
		cJSON_Delete(*root);
		*root = value;
		return 0;
	}
	/* Check the whole way first so that a failure leaves *root unchanged.
	 * A name needs an object and an index an existing element; a missing
	 * member becomes a new object, so every step after it must be a
	 * name. */
	for (i = 0; i < p->nsteps; i++) {
		const step *st = &p->steps[i];

		if (!node) {
			if (st->kind != ST_NAME)
				goto bad;
		} else if (st->kind == ST_NAME) {
			if (!cJSON_IsObject(node))
				goto bad;
			node = js_get(node, st->name);
		} else if (!(node = (cJSON *)array_at(node, st->index))) {
			goto bad;
		}
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
