/* choice.c - Choice rules of the JSONPath query language: compiled once at load, evaluated per transition (see choice.h). */
#include "choice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Java's ISO-8601 parser, which AWS's timestamps go through, reads at most
 * nanoseconds and accepts offsets up to +/-18:00. */
#define CH_TS_MAX_FRACTION_DIGITS 9
#define CH_TS_MAX_OFFSET_HOURS    18
#define CH_SECONDS_PER_DAY        86400LL

/* The runtime cause AWS gives when a Choice path selects nothing. */
#define CH_INVALID_PATH_CAUSE \
	"Invalid path '%s': The choice state's condition path references an invalid value."

/* ---- the operator table ---- */

enum ch_kind { CH_AND, CH_OR, CH_NOT, CH_CMP };

/* The operand type of a comparison operator. */
enum ch_family {
	FAM_STRING,
	FAM_NUMERIC,
	FAM_BOOLEAN,
	FAM_TIMESTAMP,
	FAM_MATCH,     /* StringMatches: a string pattern */
	FAM_TEST,      /* IsNull, IsPresent, ...: a boolean */
};

/* How an ordered comparison turns a three-way result into true/false, or,
 * for FAM_TEST, which property of the value is tested. */
enum ch_rel { REL_EQ, REL_LT, REL_GT, REL_LE, REL_GE };
enum ch_test { TEST_NULL, TEST_PRESENT, TEST_NUMERIC, TEST_STRING, TEST_BOOLEAN, TEST_TIMESTAMP };

typedef struct ch_op {
	const char *name;
	enum ch_family fam;
	int how;        /* enum ch_rel, or enum ch_test for FAM_TEST */
	int path;       /* the operand is a path, not a literal */
} ch_op;

static const ch_op ch_ops[] = {
	{ "StringEquals",                   FAM_STRING,    REL_EQ, 0 },
	{ "StringEqualsPath",               FAM_STRING,    REL_EQ, 1 },
	{ "StringLessThan",                 FAM_STRING,    REL_LT, 0 },
	{ "StringLessThanPath",             FAM_STRING,    REL_LT, 1 },
	{ "StringGreaterThan",              FAM_STRING,    REL_GT, 0 },
	{ "StringGreaterThanPath",          FAM_STRING,    REL_GT, 1 },
	{ "StringLessThanEquals",           FAM_STRING,    REL_LE, 0 },
	{ "StringLessThanEqualsPath",       FAM_STRING,    REL_LE, 1 },
	{ "StringGreaterThanEquals",        FAM_STRING,    REL_GE, 0 },
	{ "StringGreaterThanEqualsPath",    FAM_STRING,    REL_GE, 1 },
	{ "StringMatches",                  FAM_MATCH,     REL_EQ, 0 },
	{ "NumericEquals",                  FAM_NUMERIC,   REL_EQ, 0 },
	{ "NumericEqualsPath",              FAM_NUMERIC,   REL_EQ, 1 },
	{ "NumericLessThan",                FAM_NUMERIC,   REL_LT, 0 },
	{ "NumericLessThanPath",            FAM_NUMERIC,   REL_LT, 1 },
	{ "NumericGreaterThan",             FAM_NUMERIC,   REL_GT, 0 },
	{ "NumericGreaterThanPath",         FAM_NUMERIC,   REL_GT, 1 },
	{ "NumericLessThanEquals",          FAM_NUMERIC,   REL_LE, 0 },
	{ "NumericLessThanEqualsPath",      FAM_NUMERIC,   REL_LE, 1 },
	{ "NumericGreaterThanEquals",       FAM_NUMERIC,   REL_GE, 0 },
	{ "NumericGreaterThanEqualsPath",   FAM_NUMERIC,   REL_GE, 1 },
	{ "BooleanEquals",                  FAM_BOOLEAN,   REL_EQ, 0 },
	{ "BooleanEqualsPath",              FAM_BOOLEAN,   REL_EQ, 1 },
	{ "TimestampEquals",                FAM_TIMESTAMP, REL_EQ, 0 },
	{ "TimestampEqualsPath",            FAM_TIMESTAMP, REL_EQ, 1 },
	{ "TimestampLessThan",              FAM_TIMESTAMP, REL_LT, 0 },
	{ "TimestampLessThanPath",          FAM_TIMESTAMP, REL_LT, 1 },
	{ "TimestampGreaterThan",           FAM_TIMESTAMP, REL_GT, 0 },
	{ "TimestampGreaterThanPath",       FAM_TIMESTAMP, REL_GT, 1 },
	{ "TimestampLessThanEquals",        FAM_TIMESTAMP, REL_LE, 0 },
	{ "TimestampLessThanEqualsPath",    FAM_TIMESTAMP, REL_LE, 1 },
	{ "TimestampGreaterThanEquals",     FAM_TIMESTAMP, REL_GE, 0 },
	{ "TimestampGreaterThanEqualsPath", FAM_TIMESTAMP, REL_GE, 1 },
	{ "IsNull",                         FAM_TEST, TEST_NULL,      0 },
	{ "IsPresent",                      FAM_TEST, TEST_PRESENT,   0 },
	{ "IsNumeric",                      FAM_TEST, TEST_NUMERIC,   0 },
	{ "IsString",                       FAM_TEST, TEST_STRING,    0 },
	{ "IsBoolean",                      FAM_TEST, TEST_BOOLEAN,   0 },
	{ "IsTimestamp",                    FAM_TEST, TEST_TIMESTAMP, 0 },
};

/* The Boolean combinators, and the other fields a rule may carry. */
static const struct { const char *name; enum ch_kind kind; } ch_combinators[] = {
	{ "And", CH_AND }, { "Or", CH_OR }, { "Not", CH_NOT },
};

#define FIELD_TOP    1   /* allowed in an element of Choices */
#define FIELD_NESTED 2   /* allowed inside And/Or/Not */
static const struct { const char *name; int where; int string; } ch_fields[] = {
	{ "Variable", FIELD_TOP | FIELD_NESTED, 1 },
	{ "Comment",  FIELD_TOP | FIELD_NESTED, 1 },
	{ "Next",     FIELD_TOP,                0 },  /* checked by asl.c */
	{ "Assign",   FIELD_TOP,                0 },  /* compiled by asl.c */
};

#define COUNT(a) (sizeof (a) / sizeof *(a))

/* ---- values and the per-family operations ---- */

typedef struct ch_ts {
	long long sec;   /* seconds since 1970-01-01T00:00:00Z */
	long nsec;
} ch_ts;

typedef union ch_val {
	const char *s;
	double n;
	int b;
	ch_ts ts;
} ch_val;

/* A StringMatches pattern after escape processing: the literal runs between
 * the wildcards, stored back to back in text. */
typedef struct ch_pattern {
	char *text;
	size_t *len;
	int nseg;        /* number of wildcards + 1 */
	size_t total;
} ch_pattern;

struct ch_rule {
	enum ch_kind kind;
	const ch_op *op;
	jpath *var;          /* Variable */
	jpath *operand;      /* the path of a ...Path operator */
	ch_val lit;          /* the literal operand */
	char *lit_str;       /* owned storage behind lit.s */
	ch_pattern *pat;     /* StringMatches */
	ch_rule **kids;      /* And, Or (n), Not (1) */
	int nkids;
};

static int ts_parse(const char *s, ch_ts *out);

static int get_string(const cJSON *v, ch_val *out)
{
	if (!cJSON_IsString(v))
		return -1;
	out->s = v->valuestring;
	return 0;
}

static int get_number(const cJSON *v, ch_val *out)
{
	if (!cJSON_IsNumber(v))
		return -1;
	out->n = v->valuedouble;
	return 0;
}

static int get_boolean(const cJSON *v, ch_val *out)
{
	if (!cJSON_IsBool(v))
		return -1;
	out->b = cJSON_IsTrue(v);
	return 0;
}

static int get_timestamp(const cJSON *v, ch_val *out)
{
	if (!cJSON_IsString(v))
		return -1;
	return ts_parse(v->valuestring, &out->ts);
}

/* Decodes the UTF-8 sequence at s (invalid bytes stand for themselves). */
static unsigned long utf8_decode(const unsigned char *s)
{
	int n, i;
	unsigned long c;

	if (s[0] < 0x80)
		return s[0];
	if ((s[0] & 0xe0) == 0xc0)
		n = 1, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 2, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 3, c = s[0] & 0x07;
	else
		return s[0];
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return s[0];
		c = (c << 6) | (s[i] & 0x3f);
	}
	return c;
}

/* Java's String.compareTo, which AWS's string operators use, orders by
 * UTF-16 code unit, not by code point: a character above U+FFFF (a
 * surrogate pair, D800-DBFF first) sorts below U+E000..U+FFFF.  Byte order
 * of UTF-8 is code point order, so the two differ only there; the bytes
 * decide until the first difference, and the UTF-16 units of the two
 * characters found there decide the rest. */
static int order_string(const ch_val *x, const ch_val *y)
{
	const unsigned char *a0 = (const unsigned char *)x->s;
	const unsigned char *a = a0, *b = (const unsigned char *)y->s;
	unsigned long ca, cb, ua, ub;

	while (*a && *a == *b)
		a++, b++;
	if (*a == *b)
		return 0;
	while (a > a0 && (*a & 0xc0) == 0x80 && (*b & 0xc0) == 0x80)
		a--, b--;
	ca = utf8_decode(a);
	cb = utf8_decode(b);
	ua = ca >= 0x10000 ? 0xd800 + ((ca - 0x10000) >> 10) : ca;
	ub = cb >= 0x10000 ? 0xd800 + ((cb - 0x10000) >> 10) : cb;
	if (ua == ub) {  /* same high surrogate: the low ones decide */
		ua = 0xdc00 + ((ca - 0x10000) & 0x3ff);
		ub = 0xdc00 + ((cb - 0x10000) & 0x3ff);
	}
	return ua < ub ? -1 : ua > ub;
}

static int order_number(const ch_val *a, const ch_val *b)
{
	return a->n < b->n ? -1 : a->n > b->n;
}

static int order_boolean(const ch_val *a, const ch_val *b)
{
	return a->b != b->b;
}

static int order_timestamp(const ch_val *a, const ch_val *b)
{
	if (a->ts.sec != b->ts.sec)
		return a->ts.sec < b->ts.sec ? -1 : 1;
	return a->ts.nsec < b->ts.nsec ? -1 : a->ts.nsec > b->ts.nsec;
}

/* Per family: the operand type AWS's messages name, how a JSON value becomes
 * a comparable value (-1: wrong type, which makes the comparison false), and
 * the three-way order. */
static const struct ch_family_ops {
	const char *type_word;
	int (*get)(const cJSON *v, ch_val *out);
	int (*order)(const ch_val *a, const ch_val *b);
} ch_families[] = {
	[FAM_STRING]    = { "STRING",  get_string,    order_string },
	[FAM_NUMERIC]   = { "NUMBER",  get_number,    order_number },
	[FAM_BOOLEAN]   = { "BOOLEAN", get_boolean,   order_boolean },
	[FAM_TIMESTAMP] = { "STRING",  get_timestamp, order_timestamp },
	[FAM_MATCH]     = { "STRING",  get_string,    NULL },
	[FAM_TEST]      = { "BOOLEAN", get_boolean,   NULL },
};

/* ---- timestamps ---- */

static int read_digits(const char *s, int n, long *out)
{
	long v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(long y, long m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static long long days_from_civil(long y, long m, long d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Parses a timestamp the way AWS's Choice operators accept it: the RFC 3339
 * profile of ISO 8601, YYYY-MM-DDTHH:MM:SS, optional fractional seconds (1
 * to 9 digits), then Z or a numeric offset +HH:MM / -HH:MM.  The T and Z
 * must be uppercase, and every field must be in range (February 30 is not a
 * date).  Returns 0 with *out set to the instant, or -1. */
static int ts_parse(const char *s, ch_ts *out)
{
	long y, mo, d, h, mi, se, oh = 0, om = 0, frac = 0;
	int sign = 0, nd = 0;
	const char *p;

	if (read_digits(s, 4, &y) || s[4] != '-' || read_digits(s + 5, 2, &mo) ||
	    s[7] != '-' || read_digits(s + 8, 2, &d) || s[10] != 'T' ||
	    read_digits(s + 11, 2, &h) || s[13] != ':' || read_digits(s + 14, 2, &mi) ||
	    s[16] != ':' || read_digits(s + 17, 2, &se))
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nd++) {
			if (nd == CH_TS_MAX_FRACTION_DIGITS)
				return -1;
			frac = frac * 10 + (*p - '0');
		}
		if (nd == 0)
			return -1;
		for (; nd < CH_TS_MAX_FRACTION_DIGITS; nd++)
			frac *= 10;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (read_digits(p + 1, 2, &oh) || p[3] != ':' || read_digits(p + 4, 2, &om))
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || se > 59 || om > 59 || oh > CH_TS_MAX_OFFSET_HOURS ||
	    (oh == CH_TS_MAX_OFFSET_HOURS && om != 0))
		return -1;
	out->sec = days_from_civil(y, mo, d) * CH_SECONDS_PER_DAY +
		   h * 3600 + mi * 60 + se - sign * (oh * 3600 + om * 60);
	out->nsec = frac;
	return 0;
}

/* ---- StringMatches ---- */

/* Splits a StringMatches pattern at its wildcards.  As AWS documents, only
 * "*" is special; "\*" is a literal star and "\\" a literal backslash.  A
 * backslash before any other character (or at the end) stands for itself. */
static ch_pattern *pattern_compile(const char *src)
{
	ch_pattern *p = xcalloc(1, sizeof *p);
	size_t n = strlen(src), k = 0, seg = 0;
	const char *c;

	p->text = xmalloc(n + 1);
	p->len = xmalloc(sizeof *p->len * (n + 1));
	for (c = src; *c; c++) {
		if (*c == '\\' && (c[1] == '*' || c[1] == '\\')) {
			p->text[k++] = *++c;
		} else if (*c == '*') {
			p->len[p->nseg++] = k - seg;
			seg = k;
		} else {
			p->text[k++] = *c;
		}
	}
	p->len[p->nseg++] = k - seg;
	p->text[k] = '\0';
	p->total = k;
	return p;
}

static void pattern_free(ch_pattern *p)
{
	if (!p)
		return;
	free(p->text);
	free(p->len);
	free(p);
}

/* With "*" the only wildcard, the first run must be a prefix, the last a
 * suffix, and each middle run is best taken at its leftmost place. */
static int pattern_match(const ch_pattern *p, const char *s)
{
	size_t n = strlen(s), first = p->len[0], last = p->len[p->nseg - 1];
	const char *seg = p->text, *cur, *end;
	int i;

	if (p->nseg == 1)
		return n == first && memcmp(s, seg, n) == 0;
	if (first + last > n || memcmp(s, seg, first) != 0 ||
	    memcmp(s + n - last, p->text + p->total - last, last) != 0)
		return 0;
	cur = s + first;
	end = s + n - last;
	seg += first;
	for (i = 1; i < p->nseg - 1; i++) {
		const char *hit = memmem(cur, (size_t)(end - cur), seg, p->len[i]);

		if (!hit)
			return 0;
		cur = hit + p->len[i];
		seg += p->len[i];
	}
	return 1;
}

/* ---- compilation ---- */

static const ch_op *op_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < COUNT(ch_ops); i++)
		if (strcmp(ch_ops[i].name, name) == 0)
			return &ch_ops[i];
	return NULL;
}

static int combinator_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < COUNT(ch_combinators); i++)
		if (strcmp(ch_combinators[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int field_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < COUNT(ch_fields); i++)
		if (strcmp(ch_fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const char *article(const cJSON *v)
{
	const char *t = js_type_name(v);

	return t[0] == 'a' || t[0] == 'o' ? "an" : "a";
}

/* Reports "The value for the field 'F' must be ..." at loc/F. */
static void bad_type(diags *d, const char *loc, const char *field,
		     const char *want, const cJSON *v)
{
	char *at = diag_loc(loc, field);

	diag_error(d, "SCHEMA_VALIDATION_FAILED", at,
		   "The value for the field '%s' must be %s but was %s %s",
		   field, want, article(v), js_type_name(v));
	free(at);
}

/* Compiles the path in field `field` of a rule (Variable or a ...Path
 * operand).  AWS requires a Reference Path there; the context object ($$)
 * and variables ($name) are allowed.  Returns the path or NULL after
 * reporting at loc/field. */
static jpath *compile_path(const cJSON *v, const char *field, const char *loc, diags *d)
{
	char *err = NULL, *at;
	jpath *p;

	if (!cJSON_IsString(v)) {
		bad_type(d, loc, field, "a STRING that contains a JSONPath", v);
		return NULL;
	}
	p = jp_compile(v->valuestring, JP_REFERENCE, &err);
	if (!p) {
		at = diag_loc(loc, field);
		diag_error(d, "SCHEMA_VALIDATION_FAILED", at,
			   "Value is not a Reference Path: %s", err);
		free(at);
		free(err);
	}
	return p;
}

/* Reads the operand of a comparison: a path for the ...Path operators, else a
 * literal of the operator's type (a valid timestamp for Timestamp*, a
 * pattern for StringMatches). */
static void compile_operand(ch_rule *r, const cJSON *v, const char *loc, diags *d)
{
	const struct ch_family_ops *f = &ch_families[r->op->fam];
	char want[32], *at;

	if (r->op->path) {
		r->operand = compile_path(v, r->op->name, loc, d);
	} else if (f->get(v, &r->lit) == 0) {
		if (r->op->fam == FAM_STRING)
			r->lit.s = r->lit_str = xstrdup(v->valuestring);
		else if (r->op->fam == FAM_MATCH)
			r->pat = pattern_compile(v->valuestring);
	} else if (r->op->fam == FAM_TIMESTAMP && cJSON_IsString(v)) {
		at = diag_loc(loc, r->op->name);
		diag_error(d, "SCHEMA_VALIDATION_FAILED", at,
			   "The value for the field '%s' must be a valid RFC3339 "
			   "timestamp but was '%s'", r->op->name, v->valuestring);
		free(at);
	} else {
		snprintf(want, sizeof want, "a %s", f->type_word);
		bad_type(d, loc, r->op->name, want, v);
	}
}

/* Compiles the operand of And/Or (a non-empty array of nested rules) or Not
 * (one nested rule) into r->kids. */
static void compile_kids(ch_rule *r, const cJSON *v, const char *field,
			 const char *loc, diags *d)
{
	char *at = diag_loc(loc, field);
	const cJSON *c;
	int i;

	if (r->kind == CH_NOT) {
		if (!cJSON_IsObject(v)) {
			bad_type(d, loc, field, "an OBJECT", v);
		} else {
			r->kids = xcalloc(1, sizeof *r->kids);
			r->nkids = 1;
			r->kids[0] = ch_compile(v, 0, at, d);
		}
	} else if (!cJSON_IsArray(v)) {
		bad_type(d, loc, field, "an ARRAY", v);
	} else if (!v->child) {
		diag_error(d, "SCHEMA_VALIDATION_FAILED", at,
			   "The field '%s' should be non-empty", field);
	} else {
		r->nkids = cJSON_GetArraySize(v);
		r->kids = xcalloc((size_t)r->nkids, sizeof *r->kids);
		for (c = v->child, i = 0; c; c = c->next, i++) {
			char *kat = diag_loc_index(at, i);

			r->kids[i] = ch_compile(c, 0, kat, d);
			free(kat);
		}
	}
	free(at);
}

/* Appends ", name" (or "name" first) to a growing list. */
static void list_add(char **list, size_t *len, const char *name)
{
	size_t n = strlen(name), sep = *len ? 2 : 0;

	*list = xrealloc(*list, *len + sep + n + 1);
	memcpy(*list + *len, ", ", sep);
	memcpy(*list + *len + sep, name, n + 1);
	*len += sep + n;
}

/* A rule is first sorted field by field: the comparison operators and the
 * combinators ("selectors", of which there must be exactly one), Variable,
 * the fields allowed where the rule stands, and the rest, which AWS refuses.
 * Every problem is reported, so that one validation shows them all. */
ch_rule *ch_compile(const cJSON *rule, int top, const char *loc, diags *d)
{
	int errors = d->errors, nsel = 0, has_next = 0, comb = -1;
	const cJSON *c, *var = NULL, *sel = NULL;
	char *sels = NULL;
	size_t sels_len = 0;
	ch_rule *r;

	if (!cJSON_IsObject(rule)) {
		diag_error(d, "SCHEMA_VALIDATION_FAILED", loc,
			   "The value for a Choice Rule must be an OBJECT but was %s %s",
			   article(rule), js_type_name(rule));
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	for (c = rule->child; c; c = c->next) {
		const ch_op *op = op_lookup(c->string);
		int k = op ? -1 : combinator_lookup(c->string);
		int f = op || k >= 0 ? -1 : field_lookup(c->string);

		if (op || k >= 0) {
			list_add(&sels, &sels_len, c->string);
			if (nsel++ == 0) {
				sel = c;
				r->op = op;
				comb = k;
			}
		} else if (f >= 0 && (ch_fields[f].where & (top ? FIELD_TOP : FIELD_NESTED))) {
			if (strcmp(c->string, "Variable") == 0)
				var = c;
			else if (strcmp(c->string, "Next") == 0)
				has_next = 1;
			else if (ch_fields[f].string && !cJSON_IsString(c))
				bad_type(d, loc, c->string, "a STRING", c);
		} else {
			diag_error(d, "SCHEMA_VALIDATION_FAILED", loc,
				   "Field '%s' is not supported", c->string);
		}
	}
	if (top && !has_next)
		diag_error(d, "SCHEMA_VALIDATION_FAILED", loc,
			   "These fields are required: [Next]");
	if (nsel == 0) {
		diag_error(d, "SCHEMA_VALIDATION_FAILED", loc,
			   "The Choice Rule must have one comparison operator or "
			   "one of these fields: [And, Or, Not]");
	} else if (nsel > 1) {
		diag_error(d, "SCHEMA_VALIDATION_FAILED", loc,
			   "There should only be one of the following fields: [%s]", sels);
	} else if (r->op) {
		r->kind = CH_CMP;
		if (!var)
			diag_error(d, "SCHEMA_VALIDATION_FAILED", loc,
				   "These fields are required: [Variable]");
		else
			r->var = compile_path(var, "Variable", loc, d);
		compile_operand(r, sel, loc, d);
	} else {
		r->kind = ch_combinators[comb].kind;
		if (var)
			diag_error(d, "SCHEMA_VALIDATION_FAILED", loc,
				   "Field 'Variable' is not supported");
		compile_kids(r, sel, sel->string, loc, d);
	}
	free(sels);
	if (d->errors != errors) {
		ch_free(r);
		return NULL;
	}
	return r;
}

void ch_free(ch_rule *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < r->nkids; i++)
		ch_free(r->kids[i]);
	free(r->kids);
	jp_free(r->var);
	jp_free(r->operand);
	free(r->lit_str);
	pattern_free(r->pat);
	free(r);
}

/* ---- evaluation ---- */

static int rel_holds(int how, int c)
{
	switch (how) {
	case REL_EQ: return c == 0;
	case REL_LT: return c < 0;
	case REL_GT: return c > 0;
	case REL_LE: return c <= 0;
	default:     return c >= 0;
	}
}

static int test_holds(int test, const cJSON *v)
{
	ch_ts ts;

	switch (test) {
	case TEST_NULL:      return cJSON_IsNull(v);
	case TEST_NUMERIC:   return cJSON_IsNumber(v);
	case TEST_STRING:    return cJSON_IsString(v);
	case TEST_BOOLEAN:   return cJSON_IsBool(v);
	case TEST_TIMESTAMP: return cJSON_IsString(v) && ts_parse(v->valuestring, &ts) == 0;
	default:             return 1;  /* TEST_PRESENT: it was found */
	}
}

/* Resolves a rule's path.  Paths are compiled definite, so the node is
 * borrowed from the env and nothing is allocated. */
static const cJSON *resolve(const jpath *p, const jp_env *env)
{
	const cJSON *v;
	int owned;

	if (jp_eval(p, env, &v, &owned) != 0)
		return NULL;
	if (owned) {  /* cannot happen for a definite path; never leak */
		cJSON_Delete((cJSON *)v);
		return NULL;
	}
	return v;
}

/* One data-test rule.  IsPresent turns a missing Variable into false; any
 * other operator fails with States.Runtime, as does a ...Path operand that
 * selects nothing.  A value of the wrong type makes the comparison false. */
static int eval_cmp(const ch_rule *r, const jp_env *env, aslerr *err)
{
	const struct ch_family_ops *f = &ch_families[r->op->fam];
	const cJSON *v = resolve(r->var, env), *rhs = NULL;
	ch_val a, b;

	if (!v) {
		if (r->op->fam == FAM_TEST && r->op->how == TEST_PRESENT)
			return !r->lit.b;
		return aslerr_set(err, ERR_RUNTIME, CH_INVALID_PATH_CAUSE, jp_text(r->var));
	}
	if (r->operand && !(rhs = resolve(r->operand, env)))
		return aslerr_set(err, ERR_RUNTIME, CH_INVALID_PATH_CAUSE, jp_text(r->operand));
	switch (r->op->fam) {
	case FAM_TEST:
		return test_holds(r->op->how, v) == r->lit.b;
	case FAM_MATCH:
		return cJSON_IsString(v) && pattern_match(r->pat, v->valuestring);
	default:
		break;
	}
	if (f->get(v, &a) != 0 || (rhs && f->get(rhs, &b) != 0))
		return 0;
	return rel_holds(r->op->how, f->order(&a, rhs ? &b : &r->lit));
}

/* And and Or stop at the first rule that decides them, as AWS does (a rule
 * guarded by IsPresent in an And is not evaluated when the guard is false);
 * an error anywhere ends the evaluation. */
int ch_eval(const ch_rule *r, const jp_env *env, aslerr *err)
{
	int i, v;

	switch (r->kind) {
	case CH_AND:
		for (i = 0; i < r->nkids; i++)
			if ((v = ch_eval(r->kids[i], env, err)) <= 0)
				return v;
		return 1;
	case CH_OR:
		for (i = 0; i < r->nkids; i++)
			if ((v = ch_eval(r->kids[i], env, err)) != 0)
				return v;
		return 0;
	case CH_NOT:
		v = ch_eval(r->kids[0], env, err);
		return v < 0 ? v : !v;
	default:
		return eval_cmp(r, env, err);
	}
}

int ch_parse_timestamp(const char *s, double *secs)
{
	ch_ts t;

	if (ts_parse(s, &t))
		return -1;
	*secs = (double)t.sec + (double)t.nsec / 1e9;
	return 0;
}
