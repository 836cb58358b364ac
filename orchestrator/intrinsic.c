/* intrinsic.c - the States.* intrinsic functions: a parser into a call tree, and a table of handlers (see intrinsic.h). */
#include "intrinsic.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "json.h"
#include "limits.h"
#include "xalloc.h"

/*
 * How AWS behaves, and where we learned it (each point is a test case in
 * tests/unit/test_intrinsic.c):
 *
 * - A failure while evaluating a call is reported by AWS as States.Runtime,
 *   not States.IntrinsicFailure: real executions fail with States.Runtime
 *   and a cause containing "Invalid arguments in States.MathAdd" (or
 *   StringToJson, ArrayRange, ...).  FN_ERR_EVAL below names the error.
 * - The cause names the whole expression as written:
 *   "The function '<expr>' had the following error: <what>".  For a path
 *   argument that matches nothing <what> is "The JsonPath argument for the
 *   field '<path>' could not be found in the input '<state input>'", with a
 *   $$ path written with one '$' and the state input (not the context
 *   object) quoted.
 * - MathAdd rounds non-integers as Java's Math.round does (half up, so -2.5
 *   becomes -2); ArrayRange and MathRandom truncate them towards zero, as a
 *   Java (int) cast does.  ArrayPartition and ArrayGetItem round, as AWS's
 *   documentation says.
 * - Base64Decode is lenient: characters outside the alphabet are skipped,
 *   decoding stops at the first '=', and a trailing group of two or three
 *   characters still yields bytes; bytes that are not UTF-8 become U+FFFD.
 * - StringSplit splits on every character of its second argument and drops
 *   empty pieces (Java's StringTokenizer).
 * - StringToJson of an empty or blank string is null.
 * - Format prints null as "null" and other non-strings as JSON text.
 */

/* The error name of every evaluation failure (see above). */
#define FN_ERR_EVAL ERR_RUNTIME

#define FN_PREFIX        "States."
#define FN_VARIADIC      (-1)     /* max arity of functions taking any number */
#define FN_MAX_TYPED     3        /* argument positions with a type of their own */
/* AWS's cap on the input of Base64Encode, Base64Decode and Hash, counted
 * in Java characters (UTF-16 code units). */
#define FN_MAX_STRING_CHARS 10000

/* Argument and result types, as bits. */
enum {
	T_STR = 1, T_NUM = 2, T_BOOL = 4, T_NULL = 8, T_ARR = 16, T_OBJ = 32,
	T_ANY = T_STR | T_NUM | T_BOOL | T_NULL | T_ARR | T_OBJ,
};

/* fn_def flags. */
#define FN_NO_LITERALS 1   /* arguments must be paths or calls */

/* UTF-8 byte classes. */
#define UTF8_CONT_MASK 0xC0
#define UTF8_CONT      0x80
#define UTF8_LEAD4     0xF0   /* lead byte of a 4-byte sequence (2 UTF-16 units) */
#define UTF8_REPLACEMENT "\xEF\xBF\xBD"   /* U+FFFD */

/* UUID version 4 layout (RFC 4122). */
#define UUID_BYTES          16
#define UUID_VERSION_BYTE   6
#define UUID_VERSION_MASK   0x0F
#define UUID_VERSION_4      0x40
#define UUID_VARIANT_BYTE   8
#define UUID_VARIANT_MASK   0x3F
#define UUID_VARIANT_RFC    0x80

/* java.util.Random's linear congruential generator. */
#define JRAND_MULTIPLIER 0x5DEECE66DULL
#define JRAND_ADDEND     0xBULL
#define JRAND_BITS       48
#define JRAND_MASK       ((1ULL << JRAND_BITS) - 1)
#define JRAND_INT_BITS   31

/* Base64: four 6-bit characters carry three 8-bit bytes. */
#define B64_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#define B64_BITS     6
#define B64_GROUP    4
#define BYTE_BITS    8
#define BYTE_MASK    0xFF

/* Hexadecimal digits of a byte. */
#define NIBBLE_BITS  4
#define NIBBLE_MASK  0x0F

/* The type bits of cJSON's `type` field (the rest are flags). */
#define CJSON_TYPE_MASK 0xFF

/* FNV-1a, for ArrayUnique's hash table. */
#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME  1099511628211ULL

/* ---- small growable strings ---- */

typedef struct sbuf {
	char *s;
	size_t n, cap;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (b->n + n + 1 > cap)
			cap *= 2;
		b->s = xrealloc(b->s, cap);
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_putc(sbuf *b, char c)
{
	sb_putn(b, &c, 1);
}

/* Returns the text (never NULL; "" when nothing was written), owned. */
static char *sb_take(sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->n = b->cap = 0;
	return s;
}

/* ---- the compiled form ---- */

typedef enum arg_kind { ARG_LIT, ARG_PATH, ARG_CALL } arg_kind;

typedef struct fn_call fn_call;

typedef struct fn_arg {
	arg_kind kind;
	cJSON *lit;        /* ARG_LIT: the value, owned */
	char *raw;         /* string literal: the text between the quotes, escapes kept */
	jpath *path;       /* ARG_PATH */
	fn_call *call;     /* ARG_CALL */
} fn_arg;

/* The evaluated arguments of one call.  v[i] is the value of argument i;
 * own[i] is the same pointer when the value is owned by the evaluator (a
 * nested call's result, an indefinite path's array) and NULL when it is
 * borrowed.  A handler may move an owned value into its result with
 * arg_take.  `what` is the word of the failure ("arguments", "template"). */
typedef struct fn_args {
	const cJSON **v;
	cJSON **own;
	const fn_arg *src;
	int n;
	const char *what;
} fn_args;

/* A handler returns its owned result, or NULL with *why set to an owned
 * sentence saying what is wrong with the arguments. */
typedef cJSON *fn_handler(fn_args *a, char **why);

typedef struct fn_def {
	const char *name;
	int min, max;                  /* arity; max FN_VARIADIC for any number */
	unsigned types[FN_MAX_TYPED];  /* per position; 0 means `rest` */
	unsigned rest;
	unsigned ret;                  /* type of the result */
	int flags;
	fn_handler *run;
} fn_def;

struct fn_call {
	const fn_def *def;
	fn_arg *args;
	int nargs;
};

struct fn_expr {
	char *text;
	fn_call *root;
};

static fn_handler h_format, h_string_to_json, h_json_to_string, h_array,
	h_array_partition, h_array_contains, h_array_range, h_array_get_item,
	h_array_length, h_array_unique, h_base64_encode, h_base64_decode,
	h_hash, h_json_merge, h_math_random, h_math_add, h_string_split,
	h_uuid;

static const fn_def fn_table[] = {
	{ "States.Format",       1, FN_VARIADIC, { T_STR },               T_ANY, T_STR, 0, h_format },
	{ "States.StringToJson", 1, 1,           { T_STR },               0,     T_ANY, 0, h_string_to_json },
	{ "States.JsonToString", 1, 1,           { T_ANY },               0,     T_STR, FN_NO_LITERALS, h_json_to_string },
	{ "States.Array",        0, FN_VARIADIC, { 0 },                   T_ANY, T_ARR, 0, h_array },
	{ "States.ArrayPartition", 2, 2,         { T_ARR, T_NUM },        0,     T_ARR, 0, h_array_partition },
	{ "States.ArrayContains", 2, 2,          { T_ARR, T_ANY },        0,     T_BOOL, 0, h_array_contains },
	{ "States.ArrayRange",   3, 3,           { T_NUM, T_NUM, T_NUM }, 0,     T_ARR, 0, h_array_range },
	{ "States.ArrayGetItem", 2, 2,           { T_ARR, T_NUM },        0,     T_ANY, 0, h_array_get_item },
	{ "States.ArrayLength",  1, 1,           { T_ARR },               0,     T_NUM, 0, h_array_length },
	{ "States.ArrayUnique",  1, 1,           { T_ARR },               0,     T_ARR, 0, h_array_unique },
	{ "States.Base64Encode", 1, 1,           { T_STR },               0,     T_STR, 0, h_base64_encode },
	{ "States.Base64Decode", 1, 1,           { T_STR },               0,     T_STR, 0, h_base64_decode },
	{ "States.Hash",         2, 2,           { T_STR, T_STR },        0,     T_STR, 0, h_hash },
	{ "States.JsonMerge",    3, 3,           { T_OBJ, T_OBJ, T_BOOL }, 0,    T_OBJ, 0, h_json_merge },
	{ "States.MathRandom",   2, 3,           { T_NUM, T_NUM, T_NUM }, 0,     T_NUM, 0, h_math_random },
	{ "States.MathAdd",      2, 2,           { T_NUM, T_NUM },        0,     T_NUM, 0, h_math_add },
	{ "States.StringSplit",  2, 2,           { T_STR, T_STR },        0,     T_ARR, 0, h_string_split },
	{ "States.UUID",         0, 0,           { 0 },                   0,     T_STR, 0, h_uuid },
};

static const fn_def *fn_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof fn_table / sizeof *fn_table; i++)
		if (strlen(fn_table[i].name) == len &&
		    memcmp(fn_table[i].name, name, len) == 0)
			return &fn_table[i];
	return NULL;
}

static unsigned arg_mask(const fn_def *d, int i)
{
	return i < FN_MAX_TYPED && d->types[i] ? d->types[i] : d->rest;
}

static unsigned type_of(const cJSON *v)
{
	switch (v ? v->type & CJSON_TYPE_MASK : cJSON_NULL) {
	case cJSON_String: return T_STR;
	case cJSON_Number: return T_NUM;
	case cJSON_True:
	case cJSON_False:  return T_BOOL;
	case cJSON_Array:  return T_ARR;
	case cJSON_Object: return T_OBJ;
	default:           return T_NULL;
	}
}

/* "a number", "an array or an object", ... for a type mask. */
static char *mask_phrase(unsigned mask)
{
	static const struct { unsigned bit; const char *phrase; } names[] = {
		{ T_STR, "a string" }, { T_NUM, "a number" },
		{ T_BOOL, "a boolean" }, { T_NULL, "null" },
		{ T_ARR, "an array" }, { T_OBJ, "an object" },
	};
	sbuf b = { 0 };
	size_t i;

	for (i = 0; i < sizeof names / sizeof *names; i++) {
		if (!(mask & names[i].bit))
			continue;
		if (b.n)
			sb_puts(&b, " or ");
		sb_puts(&b, names[i].phrase);
	}
	return sb_take(&b);
}

static const char *type_phrase(unsigned t)
{
	switch (t) {
	case T_STR:  return "a string";
	case T_NUM:  return "a number";
	case T_BOOL: return "a boolean";
	case T_ARR:  return "an array";
	case T_OBJ:  return "an object";
	case T_NULL: return "null";
	default:     return "a value of any type";
	}
}

/* ---- freeing ---- */

static void call_free(fn_call *c);

static void arg_clear(fn_arg *a)
{
	cJSON_Delete(a->lit);
	free(a->raw);
	if (a->path)
		jp_free(a->path);
	call_free(a->call);
}

static void call_free(fn_call *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < c->nargs; i++)
		arg_clear(&c->args[i]);
	free(c->args);
	free(c);
}

void fn_free(fn_expr *f)
{
	if (!f)
		return;
	call_free(f->root);
	free(f->text);
	free(f);
}

const char *fn_text(const fn_expr *f)
{
	return f->text;
}

int fn_looks_like(const char *text)
{
	return text && strncmp(text, FN_PREFIX, strlen(FN_PREFIX)) == 0;
}

/* ---- parsing ---- */

typedef struct parser {
	const char *s;   /* whole text */
	const char *p;   /* cursor */
	char *err;
} parser;

/* Records the first error, with its position; always returns -1. */
static int perr(parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(parser *ps, const char *at, const char *fmt, ...)
{
	va_list ap;
	char *what;

	if (ps->err)
		return -1;
	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	ps->err = xasprintf("%s at position %d of '%s'", what,
			    (int)(at - ps->s), ps->s);
	free(what);
	return -1;
}

static void skip_ws(parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

static int is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static fn_call *parse_call(parser *ps, int depth);

/* A string literal in single quotes.  Only \' \{ \} and \\ are escapes;
 * AWS rejects any other backslash.  The value is unescaped; `raw` keeps
 * the text as written so that States.Format can tell an escaped brace
 * from a placeholder. */
static int parse_string(parser *ps, fn_arg *out)
{
	const char *start = ++ps->p;
	sbuf b = { 0 };

	while (*ps->p != '\'') {
		if (*ps->p == '\0') {
			free(b.s);
			return perr(ps, start - 1, "unterminated string literal");
		}
		if (*ps->p == '\\') {
			char c = ps->p[1];

			if (c != '\'' && c != '{' && c != '}' && c != '\\') {
				free(b.s);
				return perr(ps, ps->p, "invalid escape in a string "
					    "literal (only \\', \\{, \\} and \\\\ are allowed)");
			}
			sb_putc(&b, c);
			ps->p += 2;
			continue;
		}
		sb_putc(&b, *ps->p++);
	}
	out->kind = ARG_LIT;
	out->raw = xstrndup(start, (size_t)(ps->p - start));
	out->lit = cJSON_CreateString(b.s ? b.s : "");
	free(b.s);
	ps->p++;
	return 0;
}

/* A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(parser *ps, fn_arg *out)
{
	const char *start = ps->p, *q = ps->p;
	char *text;
	double d;

	if (*q == '-')
		q++;
	if (!isdigit((unsigned char)*q))
		return perr(ps, start, "invalid number");
	if (*q == '0' && isdigit((unsigned char)q[1]))
		return perr(ps, start, "invalid number (leading zero)");
	while (isdigit((unsigned char)*q))
		q++;
	if (*q == '.') {
		q++;
		if (!isdigit((unsigned char)*q))
			return perr(ps, start, "invalid number");
		while (isdigit((unsigned char)*q))
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!isdigit((unsigned char)*q))
			return perr(ps, start, "invalid number");
		while (isdigit((unsigned char)*q))
			q++;
	}
	if (is_word_char(*q) || *q == '.')
		return perr(ps, start, "invalid number");
	text = xstrndup(start, (size_t)(q - start));
	d = strtod(text, NULL);
	free(text);
	if (!isfinite(d))
		return perr(ps, start, "number out of range");
	out->kind = ARG_LIT;
	out->lit = cJSON_CreateNumber(d);
	ps->p = q;
	return 0;
}

/* The end of a path argument: the first ',' or ')' or white space outside
 * brackets, parentheses and quotes. */
static const char *path_end(const char *p)
{
	int depth = 0;
	char quote = 0;

	for (; *p; p++) {
		if (quote) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == quote)
				quote = 0;
			continue;
		}
		if (*p == '\'' || *p == '"')
			quote = *p;
		else if (*p == '[' || *p == '(')
			depth++;
		else if (*p == ']' || *p == ')') {
			if (depth == 0)
				break;
			depth--;
		} else if (depth == 0 && (*p == ',' || isspace((unsigned char)*p)))
			break;
	}
	return p;
}

static int parse_path(parser *ps, fn_arg *out)
{
	const char *start = ps->p, *end = path_end(ps->p);
	char *text = xstrndup(start, (size_t)(end - start));
	char *err = NULL;

	out->path = jp_compile(text, 0, &err);
	free(text);
	if (!out->path) {
		perr(ps, start, "invalid path argument (%s)", err);
		free(err);
		return -1;
	}
	out->kind = ARG_PATH;
	ps->p = end;
	return 0;
}

static int match_word(parser *ps, const char *word)
{
	size_t n = strlen(word);

	return strncmp(ps->p, word, n) == 0 && !is_word_char(ps->p[n]);
}

/* One argument: a literal, a path or a nested call at depth `depth`. */
static int parse_arg(parser *ps, int depth, fn_arg *out)
{
	static const struct { const char *word; int type; } words[] = {
		{ "true", cJSON_True }, { "false", cJSON_False },
		{ "null", cJSON_NULL },
	};
	size_t i;

	if (*ps->p == '\'')
		return parse_string(ps, out);
	if (*ps->p == '$')
		return parse_path(ps, out);
	if (*ps->p == '-' || isdigit((unsigned char)*ps->p))
		return parse_number(ps, out);
	for (i = 0; i < sizeof words / sizeof *words; i++) {
		if (!match_word(ps, words[i].word))
			continue;
		out->kind = ARG_LIT;
		out->lit = words[i].type == cJSON_NULL ? cJSON_CreateNull() :
			   cJSON_CreateBool(words[i].type == cJSON_True);
		ps->p += strlen(words[i].word);
		return 0;
	}
	if (fn_looks_like(ps->p)) {
		if (depth > SL_MAX_INTRINSIC_DEPTH)
			return perr(ps, ps->p, "intrinsic functions are nested "
				    "more than %d deep", SL_MAX_INTRINSIC_DEPTH);
		out->kind = ARG_CALL;
		out->call = parse_call(ps, depth);
		return out->call ? 0 : -1;
	}
	if (*ps->p == '\0')
		return perr(ps, ps->p, "unexpected end of text, expected an argument");
	return perr(ps, ps->p, "unexpected character '%c', expected an argument "
		    "(a 'string', a number, true, false, null, a path or "
		    "a States.* call)", *ps->p);
}

/* Checks the arity of c and the types of its literal and nested-call
 * arguments, which are known before any input exists. */
static int check_call(parser *ps, const char *at, const fn_call *c)
{
	const fn_def *d = c->def;
	int i;

	if (c->nargs < d->min || (d->max != FN_VARIADIC && c->nargs > d->max)) {
		if (d->max == FN_VARIADIC)
			return perr(ps, at, "%s takes at least %d argument%s, not %d",
				    d->name, d->min, d->min == 1 ? "" : "s", c->nargs);
		if (d->min == d->max)
			return perr(ps, at, "%s takes %d argument%s, not %d",
				    d->name, d->min, d->min == 1 ? "" : "s", c->nargs);
		return perr(ps, at, "%s takes %d to %d arguments, not %d",
			    d->name, d->min, d->max, c->nargs);
	}
	for (i = 0; i < c->nargs; i++) {
		const fn_arg *a = &c->args[i];
		unsigned want = arg_mask(d, i), have;
		char *phrase;

		if ((d->flags & FN_NO_LITERALS) && a->kind == ARG_LIT)
			return perr(ps, at, "argument %d of %s must be a path or "
				    "an intrinsic function call, not a literal",
				    i + 1, d->name);
		if (a->kind == ARG_PATH)
			continue;
		have = a->kind == ARG_LIT ? type_of(a->lit) : a->call->def->ret;
		if (want & have)
			continue;
		phrase = mask_phrase(want);
		perr(ps, at, "argument %d of %s must be %s, not %s%s", i + 1,
		     d->name, phrase, type_phrase(have),
		     a->kind == ARG_CALL ? " (the result of a call)" : "");
		free(phrase);
		return -1;
	}
	return 0;
}

/* A call "States.Name(arg, ...)" at nesting depth `depth` (1 for the
 * outermost call).  Returns an owned fn_call, or NULL with ps->err set. */
static fn_call *parse_call(parser *ps, int depth)
{
	const char *start = ps->p, *name = ps->p + strlen(FN_PREFIX);
	const char *q = name;
	const fn_def *d;
	fn_call *c;
	int cap = 0;

	while (isalnum((unsigned char)*q))
		q++;
	d = fn_lookup(start, (size_t)(q - start));
	if (!d) {
		perr(ps, start, "unknown intrinsic function '%.*s'",
		     (int)(q - start), start);
		return NULL;
	}
	if (*q != '(') {
		perr(ps, q, "expected '(' after %s", d->name);
		return NULL;
	}
	ps->p = q + 1;
	c = xcalloc(1, sizeof *c);
	c->def = d;
	skip_ws(ps);
	if (*ps->p == ')') {
		ps->p++;
	} else {
		for (;;) {
			if (c->nargs == cap) {
				cap = cap ? cap * 2 : 4;
				c->args = xrealloc(c->args, sizeof *c->args * (size_t)cap);
			}
			memset(&c->args[c->nargs], 0, sizeof *c->args);
			c->nargs++;
			if (parse_arg(ps, depth + 1, &c->args[c->nargs - 1]))
				goto bad;
			skip_ws(ps);
			if (*ps->p == ')') {
				ps->p++;
				break;
			}
			if (*ps->p != ',') {
				if (*ps->p == '\0')
					perr(ps, ps->p, "unexpected end of text, "
					     "expected ',' or ')'");
				else
					perr(ps, ps->p, "unexpected character '%c', "
					     "expected ',' or ')'", *ps->p);
				goto bad;
			}
			ps->p++;
			skip_ws(ps);
		}
	}
	if (check_call(ps, start, c))
		goto bad;
	return c;
bad:
	call_free(c);
	return NULL;
}

fn_expr *fn_compile(const char *text, char **err)
{
	parser ps = { text, text, NULL };
	fn_call *root;
	fn_expr *f;

	*err = NULL;
	if (!fn_looks_like(text)) {
		perr(&ps, text, "an intrinsic function call must start with '%s'",
		     FN_PREFIX);
		*err = ps.err;
		return NULL;
	}
	root = parse_call(&ps, 1);
	if (root) {
		skip_ws(&ps);
		if (*ps.p != '\0') {
			perr(&ps, ps.p, "unexpected text after the call");
			call_free(root);
			root = NULL;
		}
	}
	if (!root) {
		*err = ps.err;
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	f->text = xstrdup(text);
	f->root = root;
	return f;
}

/* ---- evaluation ---- */

typedef struct evalctx {
	const fn_expr *f;
	const jp_env *env;
	aslerr *err;
} evalctx;

/* The cause AWS writes for a path argument that matches nothing. */
static void fail_path(evalctx *ec, const jpath *p)
{
	const char *text = jp_text(p);
	char *in = ec->env->input ? js_print(ec->env->input) : xstrdup("null");

	if (jp_root(p) == JP_ROOT_CONTEXT)
		text++;   /* AWS writes $$.a as $.a */
	aslerr_set(ec->err, FN_ERR_EVAL, "The function '%s' had the following "
		   "error: The JsonPath argument for the field '%s' could not "
		   "be found in the input '%s'", ec->f->text, text, in);
	free(in);
}

/* The cause for bad argument values; takes why (may be NULL). */
static void fail_invalid(evalctx *ec, const char *what, const char *name,
			 char *why)
{
	aslerr_set(ec->err, FN_ERR_EVAL, "The function '%s' had the following "
		   "error: Invalid %s in %s%s%s", ec->f->text, what, name,
		   why ? ": " : "", why ? why : "");
	free(why);
}

/* Returns argument i owned by the caller: moved when the evaluator owns
 * it, copied when it is borrowed. */
static cJSON *arg_take(fn_args *a, int i)
{
	cJSON *v = a->own[i];

	if (v) {
		a->own[i] = NULL;
		return v;
	}
	return js_dup(a->v[i]);
}

/* Evaluates call c: its arguments left to right, their types, then its
 * handler.  Returns the owned result or NULL with ec->err filled. */
static cJSON *eval_call(const fn_call *c, evalctx *ec)
{
	fn_args a;
	cJSON *res = NULL;
	char *why = NULL;
	int i, owned;

	a.n = c->nargs;
	a.src = c->args;
	a.what = "arguments";
	a.v = xcalloc((size_t)(a.n ? a.n : 1), sizeof *a.v);
	a.own = xcalloc((size_t)(a.n ? a.n : 1), sizeof *a.own);
	for (i = 0; i < a.n; i++) {
		const fn_arg *arg = &c->args[i];

		switch (arg->kind) {
		case ARG_LIT:
			a.v[i] = arg->lit;
			break;
		case ARG_PATH:
			if (jp_eval(arg->path, ec->env, &a.v[i], &owned)) {
				fail_path(ec, arg->path);
				goto out;
			}
			if (owned)
				a.own[i] = (cJSON *)a.v[i];
			break;
		case ARG_CALL:
			if (!(a.own[i] = eval_call(arg->call, ec)))
				goto out;
			a.v[i] = a.own[i];
			break;
		}
	}
	for (i = 0; i < a.n; i++) {
		unsigned want = arg_mask(c->def, i), have = type_of(a.v[i]);
		char *phrase;

		if (want & have)
			continue;
		phrase = mask_phrase(want);
		fail_invalid(ec, a.what, c->def->name,
			     xasprintf("argument %d must be %s, not %s", i + 1,
				       phrase, type_phrase(have)));
		free(phrase);
		goto out;
	}
	res = c->def->run(&a, &why);
	if (!res)
		fail_invalid(ec, a.what, c->def->name, why);
out:
	for (i = 0; i < a.n; i++)
		cJSON_Delete(a.own[i]);
	free(a.own);
	free(a.v);
	return res;
}

cJSON *fn_eval(const fn_expr *f, const jp_env *env, aslerr *err)
{
	evalctx ec = { f, env, err };

	return eval_call(f->root, &ec);
}

/* ---- number conversions, as AWS's Java does them ---- */

/* Java's Math.round(double): the closest integer, ties towards positive
 * infinity (floor(x + 0.5) computed exactly), saturated to a long. */
static double java_round(double x)
{
	double f = floor(x);

	if (isnan(x))
		return 0;
	return x - f >= 0.5 ? f + 1 : f;
}

/* Java's (int) cast: towards zero, saturated to the int range. */
static int32_t java_int(double x)
{
	if (isnan(x))
		return 0;
	if (x >= (double)INT32_MAX)
		return INT32_MAX;
	if (x <= (double)INT32_MIN)
		return INT32_MIN;
	return (int32_t)x;
}

static int in_int32(double x)
{
	return x >= (double)INT32_MIN && x <= (double)INT32_MAX;
}

/* Java's (long) cast. */
static int64_t java_long(double x)
{
	if (isnan(x))
		return 0;
	if (x >= (double)INT64_MAX)
		return INT64_MAX;
	if (x <= (double)INT64_MIN)
		return INT64_MIN;
	return (int64_t)x;
}

/* Length in Java characters (UTF-16 code units) of UTF-8 text. */
static size_t utf16_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & UTF8_CONT_MASK) != UTF8_CONT)
			n += c >= UTF8_LEAD4 ? 2 : 1;
	}
	return n;
}

static int check_string_limit(const char *s, char **why)
{
	size_t n = utf16_length(s);

	if (n <= FN_MAX_STRING_CHARS)
		return 0;
	*why = xasprintf("the input string has %zu characters, more than the "
			 "maximum of %d", n, FN_MAX_STRING_CHARS);
	return -1;
}

/* ---- the handlers ---- */

/* Walks a Format template.  With `escapes` (a literal template, still as
 * written) a backslash makes the next character plain.  "{}" is a
 * placeholder; any other brace is an error.  Counts the placeholders in
 * *count and, when out is given, writes the result with the arguments
 * args[0..]. */
static int format_walk(const char *t, int escapes, const cJSON **args,
		       sbuf *out, int *count, char **why)
{
	*count = 0;
	for (; *t; t++) {
		if (escapes && *t == '\\' && t[1]) {
			if (out)
				sb_putc(out, *++t);
			else
				t++;
			continue;
		}
		if (*t == '{') {
			if (t[1] != '}') {
				*why = xstrdup("matching '}' not found for '{'");
				return -1;
			}
			if (out) {
				const cJSON *v = args[*count];

				if (cJSON_IsString(v)) {
					sb_puts(out, v->valuestring);
				} else {
					char *s = js_print(v);

					sb_puts(out, s);
					free(s);
				}
			}
			(*count)++;
			t++;
			continue;
		}
		if (*t == '}') {
			*why = xstrdup("matching '{' not found for '}'");
			return -1;
		}
		if (out)
			sb_putc(out, *t);
	}
	return 0;
}

/* States.Format(template, values...): each "{}" of the template replaced
 * by the next value, strings as they are and anything else as JSON text.
 * The number of values must equal the number of placeholders. */
static cJSON *h_format(fn_args *a, char **why)
{
	int literal = a->src[0].kind == ARG_LIT;
	const char *t = literal ? a->src[0].raw : a->v[0]->valuestring;
	sbuf out = { 0 };
	cJSON *res;
	char *s;
	int count;

	if (format_walk(t, literal, NULL, NULL, &count, why)) {
		a->what = "template";
		return NULL;
	}
	if (count != a->n - 1) {
		*why = xstrdup("number of arguments do not match the occurrences of {}");
		return NULL;
	}
	format_walk(t, literal, a->v + 1, &out, &count, why);   /* cannot fail now */
	s = sb_take(&out);
	res = cJSON_CreateString(s);
	free(s);
	return res;
}

/* States.StringToJson(text): the JSON value the text holds; blank text
 * is null, as on AWS. */
static cJSON *h_string_to_json(fn_args *a, char **why)
{
	const char *s = a->v[0]->valuestring;
	size_t len = strlen(s), off = 0;
	cJSON *v;

	if (strspn(s, " \t\r\n") == len)
		return cJSON_CreateNull();
	v = js_parse(s, len, &off);
	if (!v)
		*why = xasprintf("the string is not valid JSON (error at "
				 "offset %zu)", off);
	return v;
}

static cJSON *h_json_to_string(fn_args *a, char **why)
{
	char *s = js_print(a->v[0]);
	cJSON *res = cJSON_CreateString(s);

	free(s);
	return res;
}

static cJSON *h_array(fn_args *a, char **why)
{
	cJSON *arr = cJSON_CreateArray();
	int i;

	for (i = 0; i < a->n; i++)
		cJSON_AddItemToArray(arr, arg_take(a, i));
	return arr;
}

/* States.ArrayPartition(array, size): consecutive chunks of `size`
 * elements, the last one holding what remains.  The elements are moved
 * when the array is the evaluator's, copied when it is the input's.  The
 * size is a double because a rounded JSON number may exceed any integer
 * type. */
static cJSON *h_array_partition(fn_args *a, char **why)
{
	double size = java_round(a->v[1]->valuedouble);
	cJSON *src, *res, *chunk = NULL, *c;
	double filled = 0;

	if (size < 1) {
		char *n = js_print(a->v[1]);

		*why = xasprintf("the chunk size must be a positive integer, "
				 "not %s", n);
		free(n);
		return NULL;
	}
	src = arg_take(a, 0);
	res = cJSON_CreateArray();
	while ((c = src->child)) {
		cJSON_DetachItemViaPointer(src, c);
		if (!chunk || filled >= size) {
			chunk = cJSON_CreateArray();
			cJSON_AddItemToArray(res, chunk);
			filled = 0;
		}
		cJSON_AddItemToArray(chunk, c);
		filled++;
	}
	cJSON_Delete(src);
	return res;
}

static cJSON *h_array_contains(fn_args *a, char **why)
{
	const cJSON *c;

	for (c = a->v[0]->child; c; c = c->next)
		if (js_equal(c, a->v[1]))
			return cJSON_CreateTrue();
	return cJSON_CreateFalse();
}

/* States.ArrayRange(start, end, step): start, start+step, ... up to and
 * including end, at most SL_MAX_ARRAY_RANGE elements; a step pointing
 * away from end gives an empty array.  The count is computed before
 * anything is built. */
static cJSON *h_array_range(fn_args *a, char **why)
{
	int64_t start = java_int(a->v[0]->valuedouble);
	int64_t end = java_int(a->v[1]->valuedouble);
	int64_t step = java_int(a->v[2]->valuedouble);
	int64_t count = 0, i;
	cJSON *res;

	if (step == 0) {
		*why = xstrdup("the step must not be zero");
		return NULL;
	}
	if (step > 0 && start <= end)
		count = (end - start) / step + 1;
	else if (step < 0 && start >= end)
		count = (start - end) / -step + 1;
	if (count > SL_MAX_ARRAY_RANGE) {
		*why = xasprintf("the range would have %lld elements, more than "
				 "the maximum of %d", (long long)count,
				 SL_MAX_ARRAY_RANGE);
		return NULL;
	}
	res = cJSON_CreateArray();
	for (i = 0; i < count; i++)
		cJSON_AddItemToArray(res, cJSON_CreateNumber((double)(start + i * step)));
	return res;
}

/* States.ArrayGetItem(array, index): the element at a zero-based index
 * that must lie inside the array. */
static cJSON *h_array_get_item(fn_args *a, char **why)
{
	double idx = java_round(a->v[1]->valuedouble);
	int n = cJSON_GetArraySize(a->v[0]);

	if (idx < 0 || idx >= n) {
		char *t = js_print(a->v[1]);

		*why = xasprintf("the index %s is out of bounds for an array of "
				 "%d element%s", t, n, n == 1 ? "" : "s");
		free(t);
		return NULL;
	}
	if (a->own[0])
		return cJSON_DetachItemFromArray(a->own[0], (int)idx);
	return js_dup(cJSON_GetArrayItem(a->v[0], (int)idx));
}

static cJSON *h_array_length(fn_args *a, char **why)
{
	return cJSON_CreateNumber(cJSON_GetArraySize(a->v[0]));
}

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--) {
		h ^= *b++;
		h *= FNV_PRIME;
	}
	return h;
}

/* A hash consistent with js_equal: numbers by value, object members in
 * any order. */
static uint64_t value_hash(const cJSON *v)
{
	uint64_t h = FNV_OFFSET, acc = 0;
	unsigned t = type_of(v);
	const cJSON *c;
	double d;

	h = fnv_bytes(h, &t, sizeof t);
	switch (t) {
	case T_NUM:
		d = v->valuedouble == 0 ? 0 : v->valuedouble;   /* -0 == 0 */
		return fnv_bytes(h, &d, sizeof d);
	case T_STR:
		return fnv_bytes(h, v->valuestring, strlen(v->valuestring));
	case T_BOOL:
		return fnv_bytes(h, &v->type, sizeof v->type);
	case T_ARR:
		for (c = v->child; c; c = c->next) {
			uint64_t ch = value_hash(c);

			h = fnv_bytes(h, &ch, sizeof ch);
		}
		return h;
	case T_OBJ:
		for (c = v->child; c; c = c->next)
			acc += fnv_bytes(value_hash(c), c->string, strlen(c->string));
		return fnv_bytes(h, &acc, sizeof acc);
	default:
		return h;
	}
}

/* Keeps the first of equal elements, in order, with an open-addressing
 * hash table so that large arrays stay linear. */
static cJSON *h_array_unique(fn_args *a, char **why)
{
	int n = cJSON_GetArraySize(a->v[0]), kept = 0;
	size_t cap = 2, mask, k;
	const cJSON **items = xcalloc((size_t)(n ? n : 1), sizeof *items);
	uint64_t *hashes = xcalloc((size_t)(n ? n : 1), sizeof *hashes);
	int *slots;
	const cJSON *c;
	cJSON *res;

	while (cap < 2 * (size_t)n)
		cap *= 2;
	mask = cap - 1;
	slots = xmalloc(cap * sizeof *slots);
	for (k = 0; k < cap; k++)
		slots[k] = -1;
	for (c = a->v[0]->child; c; c = c->next) {
		uint64_t h = value_hash(c);
		int dup = 0;

		for (k = h & mask; slots[k] != -1; k = (k + 1) & mask) {
			if (hashes[slots[k]] == h && js_equal(items[slots[k]], c)) {
				dup = 1;
				break;
			}
		}
		if (dup)
			continue;
		items[kept] = c;
		hashes[kept] = h;
		slots[k] = kept++;
	}
	res = cJSON_CreateArray();
	for (k = 0; k < (size_t)kept; k++)
		cJSON_AddItemToArray(res, js_dup(items[k]));
	free(slots);
	free(hashes);
	free(items);
	return res;
}

/* States.Base64Encode(text): the standard Base64 of the text's UTF-8
 * bytes, padded, on one line. */
static cJSON *h_base64_encode(fn_args *a, char **why)
{
	const char *s = a->v[0]->valuestring;
	size_t len = strlen(s);
	unsigned char *out;
	cJSON *res;

	if (check_string_limit(s, why))
		return NULL;
	out = xmalloc((len + 2) / 3 * B64_GROUP + 1);
	EVP_EncodeBlock(out, (const unsigned char *)s, (int)len);
	res = cJSON_CreateString((const char *)out);
	free(out);
	return res;
}

/* The length of the well-formed UTF-8 sequence at s (of n bytes), or 0
 * when s starts an ill-formed one; *bad is then the number of bytes of
 * its maximal subpart, which one U+FFFD replaces (the Unicode Standard's
 * recommended practice, which Java's decoder follows).  The byte ranges
 * are those of Table 3-7, "Well-Formed UTF-8 Byte Sequences". */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	size_t need, i;
	unsigned char lo = 0x80, hi = 0xBF;

	*bad = 1;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 1;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		need = 2;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		need = 3;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

/* Base64 as AWS decodes it: lenient (see the top of this file), then the
 * bytes read as UTF-8 with U+FFFD for what is not. */
static cJSON *h_base64_decode(fn_args *a, char **why)
{
	const char *s = a->v[0]->valuestring, *pos;
	sbuf bytes = { 0 }, text = { 0 };
	unsigned long bits = 0;
	int have = 0;
	size_t i, len, bad;
	cJSON *res;
	char *out;

	if (check_string_limit(s, why))
		return NULL;
	for (; *s && *s != '='; s++) {
		if (!(pos = strchr(B64_ALPHABET, *s)))
			continue;
		bits = (bits << B64_BITS) | (unsigned long)(pos - B64_ALPHABET);
		if (++have == B64_GROUP) {
			sb_putc(&bytes, (char)((bits >> 2 * BYTE_BITS) & BYTE_MASK));
			sb_putc(&bytes, (char)((bits >> BYTE_BITS) & BYTE_MASK));
			sb_putc(&bytes, (char)(bits & BYTE_MASK));
			bits = 0;
			have = 0;
		}
	}
	/* A short last group: 2 characters (12 bits) hold one byte, 3 (18
	 * bits) hold two; the low bits left over are padding.  A single
	 * character holds no whole byte and is dropped. */
	if (have == 2) {
		sb_putc(&bytes, (char)((bits >> (2 * B64_BITS - BYTE_BITS)) & BYTE_MASK));
	} else if (have == 3) {
		int spare = 3 * B64_BITS - 2 * BYTE_BITS;

		sb_putc(&bytes, (char)((bits >> (spare + BYTE_BITS)) & BYTE_MASK));
		sb_putc(&bytes, (char)((bits >> spare) & BYTE_MASK));
	}
	for (i = 0; i < bytes.n; i += len ? len : bad) {
		const unsigned char *b = (const unsigned char *)bytes.s + i;

		if (*b == 0) {
			free(bytes.s);
			free(text.s);
			*why = xstrdup("the decoded text contains a NUL character, "
				       "which steplocal cannot represent");
			return NULL;
		}
		len = utf8_seq(b, bytes.n - i, &bad);
		if (len)
			sb_putn(&text, (const char *)b, len);
		else
			sb_puts(&text, UTF8_REPLACEMENT);
	}
	free(bytes.s);
	out = sb_take(&text);
	res = cJSON_CreateString(out);
	free(out);
	return res;
}

/* States.Hash(text, algorithm): the lowercase hexadecimal digest of the
 * text's UTF-8 bytes; the algorithm name is matched exactly. */
static cJSON *h_hash(fn_args *a, char **why)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} algs[] = {
		{ "MD5", EVP_md5 }, { "SHA-1", EVP_sha1 },
		{ "SHA-256", EVP_sha256 }, { "SHA-384", EVP_sha384 },
		{ "SHA-512", EVP_sha512 },
	};
	static const char hex[] = "0123456789abcdef";
	const char *data = a->v[0]->valuestring, *alg = a->v[1]->valuestring;
	unsigned char md[EVP_MAX_MD_SIZE];
	char out[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int mdlen = 0, k;
	size_t i;

	if (check_string_limit(data, why))
		return NULL;
	for (i = 0; i < sizeof algs / sizeof *algs; i++)
		if (strcmp(alg, algs[i].name) == 0)
			break;
	if (i == sizeof algs / sizeof *algs) {
		*why = xasprintf("'%s' is not a supported hash algorithm (use "
				 "MD5, SHA-1, SHA-256, SHA-384 or SHA-512)", alg);
		return NULL;
	}
	if (!EVP_Digest(data, strlen(data), md, &mdlen, algs[i].md(), NULL)) {
		*why = xasprintf("OpenSSL could not compute %s", alg);
		return NULL;
	}
	for (k = 0; k < mdlen; k++) {
		out[2 * k] = hex[md[k] >> NIBBLE_BITS];
		out[2 * k + 1] = hex[md[k] & NIBBLE_MASK];
	}
	out[2 * mdlen] = '\0';
	return cJSON_CreateString(out);
}

/* A shallow merge: the members of the second object replace or follow
 * those of the first.  AWS only supports shallow merging and requires the
 * third argument to say so with false. */
static cJSON *h_json_merge(fn_args *a, char **why)
{
	cJSON *res, *src, *c;

	if (cJSON_IsTrue(a->v[2])) {
		*why = xstrdup("the third argument must be false: only a shallow "
			       "merge is supported");
		return NULL;
	}
	res = arg_take(a, 0);
	src = arg_take(a, 1);
	while ((c = src->child)) {
		char *key = xstrdup(c->string);

		cJSON_DetachItemViaPointer(src, c);
		js_set(res, key, c);
		free(key);
	}
	cJSON_Delete(src);
	return res;
}

typedef struct jrand {
	uint64_t seed;
} jrand;

static void jrand_seed(jrand *r, int64_t seed)
{
	r->seed = ((uint64_t)seed ^ JRAND_MULTIPLIER) & JRAND_MASK;
}

static int32_t jrand_next31(jrand *r)
{
	r->seed = (r->seed * JRAND_MULTIPLIER + JRAND_ADDEND) & JRAND_MASK;
	return (int32_t)(r->seed >> (JRAND_BITS - JRAND_INT_BITS));
}

/* java.util.Random.nextInt(bound), bound > 0. */
static int32_t jrand_next_int(jrand *r, int32_t bound)
{
	int32_t v = jrand_next31(r), m = bound - 1, u;

	if ((bound & m) == 0)
		return (int32_t)(((int64_t)bound * v) >> JRAND_INT_BITS);
	for (u = v; (int64_t)u - (v = u % bound) + m > INT32_MAX;
	     u = jrand_next31(r))
		;
	return v;
}

/* A random integer in [start, end), from java.util.Random seeded with the
 * third argument when there is one, so that a seed gives what AWS's Java
 * implementation most plausibly gives. */
static cJSON *h_math_random(fn_args *a, char **why)
{
	int64_t start, end, seed;
	jrand r;
	int i;

	for (i = 0; i < a->n; i++) {
		if (!in_int32(a->v[i]->valuedouble)) {
			char *t = js_print(a->v[i]);

			*why = xasprintf("%s is outside the integer range "
					 "-2147483648 to 2147483647", t);
			free(t);
			return NULL;
		}
	}
	start = java_int(a->v[0]->valuedouble);
	end = java_int(a->v[1]->valuedouble);
	if (end <= start) {
		*why = xasprintf("the start (%lld) must be less than the end (%lld)",
				 (long long)start, (long long)end);
		return NULL;
	}
	if (end - start > INT32_MAX) {
		*why = xstrdup("the range from start to end is larger than 2147483647");
		return NULL;
	}
	if (a->n == 3) {
		seed = java_long(a->v[2]->valuedouble);
	} else if (RAND_bytes((unsigned char *)&seed, (int)sizeof seed) != 1) {
		*why = xstrdup("no random seed is available");
		return NULL;
	}
	jrand_seed(&r, seed);
	return cJSON_CreateNumber((double)(start +
					   jrand_next_int(&r, (int32_t)(end - start))));
}

/* States.MathAdd(a, b): the sum of the two numbers rounded as Java's
 * Math.round does.  AWS documents the operands as 32-bit integers; the sum
 * must be one too. */
static cJSON *h_math_add(fn_args *a, char **why)
{
	double x = java_round(a->v[0]->valuedouble);
	double y = java_round(a->v[1]->valuedouble);
	int i;

	for (i = 0; i < 2; i++) {
		if (!in_int32(i ? y : x)) {
			char *t = js_print(a->v[i]);

			*why = xasprintf("%s is outside the integer range "
					 "-2147483648 to 2147483647", t);
			free(t);
			return NULL;
		}
	}
	if (!in_int32(x + y)) {
		*why = xasprintf("the sum %.0f is outside the integer range "
				 "-2147483648 to 2147483647", x + y);
		return NULL;
	}
	return cJSON_CreateNumber(x + y);
}

/* The number of bytes of the UTF-8 character at s (at least 1, never past
 * the terminating NUL). */
static size_t utf8_char_len(const char *s)
{
	size_t n = 1;

	while (s[n] && ((unsigned char)s[n] & UTF8_CONT_MASK) == UTF8_CONT)
		n++;
	return n;
}

static int is_delimiter(const char *c, size_t n, const char *delims)
{
	while (*delims) {
		size_t m = utf8_char_len(delims);

		if (m == n && memcmp(c, delims, n) == 0)
			return 1;
		delims += m;
	}
	return 0;
}

/* States.StringSplit(text, delimiters): the non-empty pieces of text
 * between characters that appear in `delimiters`, as Java's
 * StringTokenizer splits. */
static cJSON *h_string_split(fn_args *a, char **why)
{
	const char *s = a->v[0]->valuestring, *d = a->v[1]->valuestring;
	const char *tok = s;
	cJSON *res = cJSON_CreateArray();

	for (;;) {
		size_t n = *s ? utf8_char_len(s) : 0;

		if (!*s || is_delimiter(s, n, d)) {
			if (s > tok) {
				char *t = xstrndup(tok, (size_t)(s - tok));

				cJSON_AddItemToArray(res, cJSON_CreateString(t));
				free(t);
			}
			if (!*s)
				break;
			tok = s + n;
		}
		s += n;
	}
	return res;
}

/* States.UUID(): a random version 4 UUID in lowercase. */
static cJSON *h_uuid(fn_args *a, char **why)
{
	unsigned char b[UUID_BYTES];
	char out[sizeof "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"];

	if (RAND_bytes(b, (int)sizeof b) != 1) {
		*why = xstrdup("no random bytes are available");
		return NULL;
	}
	b[UUID_VERSION_BYTE] = (unsigned char)((b[UUID_VERSION_BYTE] & UUID_VERSION_MASK) |
					       UUID_VERSION_4);
	b[UUID_VARIANT_BYTE] = (unsigned char)((b[UUID_VARIANT_BYTE] & UUID_VARIANT_MASK) |
					       UUID_VARIANT_RFC);
	snprintf(out, sizeof out,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
	return cJSON_CreateString(out);
}
