/* test_choice.c - unit tests of the Choice rule compiler and evaluator (orchestrator/choice.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "choice.h"
#include "xalloc.h"

#define LOC "/States/C/Choices[0]"
#define NEST_DEPTH 300   /* deep enough to matter, shallow enough for cJSON */

/* ---- helpers ---- */

/* JSON is written with ' for " so that the tables stay readable. */
static cJSON *pj(const char *text)
{
	char *s = xstrdup(text), *c;
	cJSON *v;

	for (c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	v = cJSON_Parse(s);
	if (!v)
		fail_msg("test JSON does not parse: %s", s);
	free(s);
	return v;
}

static cJSON *g_context, *g_vars;

static const cJSON *ctx_cb(void *ud)
{
	return g_context;
}

static const cJSON *var_cb(void *ud, const char *name)
{
	return js_get(g_vars, name);
}

static void print_diags(const diags *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "  %s %s %s: %s\n", d->v[i].severity, d->v[i].code,
			d->v[i].location, d->v[i].message);
}

/* Compiles a nested (top = 0) rule that must be valid. */
static ch_rule *compile_ok(const char *rule_text, int top)
{
	cJSON *j = pj(rule_text);
	diags d = { 0 };
	ch_rule *r = ch_compile(j, top, LOC, &d);

	if (!r || d.n) {
		print_diags(&d);
		fail_msg("rule should compile: %s", rule_text);
	}
	diag_free(&d);
	cJSON_Delete(j);
	return r;
}

/* Compiles rule_text, evaluates it against input_text and returns the
 * result; err is filled on -1. */
static int eval_rule(const char *rule_text, const char *input_text, aslerr *err)
{
	ch_rule *r = compile_ok(rule_text, 0);
	cJSON *in = pj(input_text);
	jp_env env = { in, ctx_cb, var_cb, NULL };
	int v = ch_eval(r, &env, err);

	cJSON_Delete(in);
	ch_free(r);
	return v;
}

typedef struct ecase {
	const char *rule;
	const char *input;
	int want;
} ecase;

static void run_cases(const ecase *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		aslerr err = { 0 };
		int got = eval_rule(c[i].rule, c[i].input, &err);

		if (got != c[i].want)
			fail_msg("case %zu: %s on %s gave %d, want %d (%s)", i, c[i].rule,
				 c[i].input, got, c[i].want, err.cause ? err.cause : "");
		assert_null(err.error);
	}
}

#define RUN(cases) run_cases(cases, sizeof cases / sizeof *cases)

static void expect_runtime(const char *rule, const char *input, const char *cause)
{
	aslerr err = { 0 };

	assert_int_equal(eval_rule(rule, input, &err), -1);
	assert_string_equal(err.error, "States.Runtime");
	assert_string_equal(err.cause, cause);
	aslerr_clear(&err);
}

static int setup(void **state)
{
	g_context = pj("{'Execution':{'Name':'run-1','StartTime':'2024-05-01T10:00:00Z'},"
		       "'State':{'Name':'C'}}");
	g_vars = pj("{'limit':10,'name':'bob','flag':true,'when':'2024-05-01T09:00:00Z',"
		    "'nested':{'list':[1,2,3]}}");
	return 0;
}

static int teardown(void **state)
{
	cJSON_Delete(g_context);
	cJSON_Delete(g_vars);
	return 0;
}

/* ---- strings ---- */

static void test_string_ops(void **state)
{
	static const ecase cases[] = {
		{ "{'Variable':'$.s','StringEquals':'Hello'}", "{'s':'Hello'}", 1 },
		{ "{'Variable':'$.s','StringEquals':'Hello'}", "{'s':'hello'}", 0 },
		{ "{'Variable':'$.s','StringEquals':' '}", "{'s':'     '}", 0 },
		{ "{'Variable':'$.s','StringEquals':''}", "{'s':''}", 1 },
		{ "{'Variable':'$','StringEquals':'top'}", "'top'", 1 },
		{ "{'Variable':'$.s','StringLessThan':'AB'}", "{'s':'A'}", 1 },
		{ "{'Variable':'$.s','StringLessThan':'A'}", "{'s':'AB'}", 0 },
		{ "{'Variable':'$.s','StringLessThan':''}", "{'s':''}", 0 },
		{ "{'Variable':'$.s','StringGreaterThan':'A '}", "{'s':'A'}", 0 },
		{ "{'Variable':'$.s','StringGreaterThan':'ABC'}", "{'s':'AB'}", 0 },
		{ "{'Variable':'$.s','StringGreaterThan':'AB'}", "{'s':'ABC'}", 1 },
		{ "{'Variable':'$.s','StringGreaterThan':'Z'}", "{'s':'a'}", 1 },
		{ "{'Variable':'$.s','StringLessThanEquals':'A'}", "{'s':'A'}", 1 },
		{ "{'Variable':'$.s','StringLessThanEquals':'A'}", "{'s':'AB'}", 0 },
		{ "{'Variable':'$.s','StringGreaterThanEquals':'AB'}", "{'s':'AB'}", 1 },
		{ "{'Variable':'$.s','StringGreaterThanEquals':'AB'}", "{'s':'A'}", 0 },
		/* Java's compareTo orders by UTF-16 unit: U+FF61 > U+1F600. */
		{ "{'Variable':'$.s','StringGreaterThan':'\\ud83d\\ude00'}", "{'s':'\\uff61'}", 1 },
		{ "{'Variable':'$.s','StringLessThan':'\\uff61'}", "{'s':'\\ud83d\\ude00'}", 1 },
		/* Same high surrogate: the low one decides. */
		{ "{'Variable':'$.s','StringLessThan':'a\\ud83d\\ude01'}", "{'s':'a\\ud83d\\ude00'}", 1 },
		{ "{'Variable':'$.s','StringGreaterThan':'z'}", "{'s':'\\u00e9'}", 1 },
		{ "{'Variable':'$.s','StringEquals':'\\u00e9t\\u00e9'}", "{'s':'\\u00e9t\\u00e9'}", 1 },
		/* Other types never match a string operator. */
		{ "{'Variable':'$.s','StringEquals':'1'}", "{'s':1}", 0 },
		{ "{'Variable':'$.s','StringEquals':'null'}", "{'s':null}", 0 },
		{ "{'Variable':'$.s','StringEquals':'true'}", "{'s':true}", 0 },
		{ "{'Variable':'$.s','StringEquals':''}", "{'s':[]}", 0 },
		{ "{'Variable':'$.s','StringEquals':''}", "{'s':{}}", 0 },
		{ "{'Variable':'$.s','StringLessThan':'z'}", "{'s':0}", 0 },
		{ "{'Variable':'$.s','StringGreaterThanEquals':''}", "{'s':['']}", 0 },
	};

	RUN(cases);
}

static void test_string_path_ops(void **state)
{
	static const ecase cases[] = {
		{ "{'Variable':'$.a','StringEqualsPath':'$.b'}", "{'a':'Hello','b':'Hello'}", 1 },
		{ "{'Variable':'$.a','StringEqualsPath':'$.b'}", "{'a':' ','b':'     '}", 0 },
		{ "{'Variable':'$.a','StringEqualsPath':'$.b'}", "{'a':'1','b':1}", 0 },
		{ "{'Variable':'$.a','StringEqualsPath':'$.b'}", "{'a':1,'b':'1'}", 0 },
		{ "{'Variable':'$.a','StringLessThanPath':'$.b'}", "{'a':'A','b':'AB'}", 1 },
		{ "{'Variable':'$.a','StringLessThanPath':'$.b'}", "{'a':'AB','b':'A'}", 0 },
		{ "{'Variable':'$.a','StringGreaterThanPath':'$.b'}", "{'a':'AB','b':'A'}", 1 },
		{ "{'Variable':'$.a','StringGreaterThanPath':'$.b'}", "{'a':'','b':''}", 0 },
		{ "{'Variable':'$.a','StringLessThanEqualsPath':'$.b'}", "{'a':'','b':''}", 1 },
		{ "{'Variable':'$.a','StringLessThanEqualsPath':'$.b'}", "{'a':'AB','b':'A'}", 0 },
		{ "{'Variable':'$.a','StringGreaterThanEqualsPath':'$.b'}", "{'a':'AB','b':'A'}", 1 },
		{ "{'Variable':'$.a','StringGreaterThanEqualsPath':'$.b'}", "{'a':'A','b':'AB'}", 0 },
		{ "{'Variable':'$.a','StringGreaterThanEqualsPath':'$.b'}", "{'a':'A','b':null}", 0 },
		/* Operand paths may read the context object and variables. */
		{ "{'Variable':'$.a','StringEqualsPath':'$$.Execution.Name'}", "{'a':'run-1'}", 1 },
		{ "{'Variable':'$.a','StringEqualsPath':'$name'}", "{'a':'bob'}", 1 },
		{ "{'Variable':'$name','StringEqualsPath':'$.a'}", "{'a':'bob'}", 1 },
	};

	RUN(cases);
}

static void test_string_matches(void **state)
{
	static const ecase cases[] = {
		{ "{'Variable':'$.s','StringMatches':'log-*.txt'}", "{'s':'log-2024.txt'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'log-*.txt'}", "{'s':'log-.txt'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'log-*.txt'}", "{'s':'log-1.txt.bak'}", 0 },
		{ "{'Variable':'$.s','StringMatches':'foo*.log'}", "{'s':'foo23.log'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'*.log'}", "{'s':'zebra.log'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'foo*.*'}", "{'s':'foobar.zebra'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'*'}", "{'s':''}", 1 },
		{ "{'Variable':'$.s','StringMatches':''}", "{'s':''}", 1 },
		{ "{'Variable':'$.s','StringMatches':''}", "{'s':'a'}", 0 },
		{ "{'Variable':'$.s','StringMatches':'abc'}", "{'s':'abc'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'abc'}", "{'s':'abcd'}", 0 },
		{ "{'Variable':'$.s','StringMatches':'a*a'}", "{'s':'a'}", 0 },
		{ "{'Variable':'$.s','StringMatches':'a*a'}", "{'s':'aa'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'*ab*ab'}", "{'s':'abab'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'a**b*c*'}", "{'s':'axxbyyc'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'a*b*c'}", "{'s':'acb'}", 0 },
		/* Only * is special: ? [ ] . match themselves. */
		{ "{'Variable':'$.s','StringMatches':'a?c'}", "{'s':'abc'}", 0 },
		{ "{'Variable':'$.s','StringMatches':'a?c'}", "{'s':'a?c'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'[ab]'}", "{'s':'[ab]'}", 1 },
		/* \* is a literal star (JSON "foo\\*.log"). */
		{ "{'Variable':'$.s','StringMatches':'foo\\\\*.log'}", "{'s':'foo*.log'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'foo\\\\*.log'}", "{'s':'foo2.log'}", 0 },
		/* \\ is a literal backslash (JSON "foo\\\\.log"). */
		{ "{'Variable':'$.s','StringMatches':'foo\\\\\\\\.log'}", "{'s':'foo\\\\.log'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'foo\\\\\\\\*'}", "{'s':'foo\\\\bar'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'foo\\\\\\\\*'}", "{'s':'foobar'}", 0 },
		/* A backslash before anything else stands for itself. */
		{ "{'Variable':'$.s','StringMatches':'a\\\\b'}", "{'s':'a\\\\b'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'a\\\\'}", "{'s':'a\\\\'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'*\\u00e9*'}", "{'s':'caf\\u00e9s'}", 1 },
		{ "{'Variable':'$.s','StringMatches':'*'}", "{'s':1}", 0 },
		{ "{'Variable':'$.s','StringMatches':'*'}", "{'s':null}", 0 },
	};

	RUN(cases);
}

/* ---- numbers and booleans ---- */

static void test_numeric_ops(void **state)
{
	static const ecase cases[] = {
		{ "{'Variable':'$.n','NumericEquals':1}", "{'n':1}", 1 },
		{ "{'Variable':'$.n','NumericEquals':1}", "{'n':1.0}", 1 },
		{ "{'Variable':'$.n','NumericEquals':0}", "{'n':-0}", 1 },
		{ "{'Variable':'$.n','NumericEquals':2.22}", "{'n':2.22}", 1 },
		{ "{'Variable':'$.n','NumericEquals':1}", "{'n':1.1}", 0 },
		{ "{'Variable':'$.n','NumericEquals':1e3}", "{'n':1000}", 1 },
		{ "{'Variable':'$.n','NumericLessThan':1}", "{'n':0}", 1 },
		{ "{'Variable':'$.n','NumericLessThan':1}", "{'n':1}", 0 },
		{ "{'Variable':'$.n','NumericLessThan':-1.5}", "{'n':-2}", 1 },
		{ "{'Variable':'$.n','NumericGreaterThan':0}", "{'n':1}", 1 },
		{ "{'Variable':'$.n','NumericGreaterThan':0}", "{'n':-0}", 0 },
		{ "{'Variable':'$.n','NumericLessThanEquals':1}", "{'n':1}", 1 },
		{ "{'Variable':'$.n','NumericLessThanEquals':1}", "{'n':1.0001}", 0 },
		{ "{'Variable':'$.n','NumericGreaterThanEquals':1}", "{'n':1}", 1 },
		{ "{'Variable':'$.n','NumericGreaterThanEquals':1}", "{'n':0.9}", 0 },
		{ "{'Variable':'$.n','NumericEquals':1}", "{'n':'1'}", 0 },
		{ "{'Variable':'$.n','NumericEquals':0}", "{'n':null}", 0 },
		{ "{'Variable':'$.n','NumericEquals':0}", "{'n':false}", 0 },
		{ "{'Variable':'$.n','NumericEquals':1}", "{'n':true}", 0 },
		{ "{'Variable':'$.n','NumericEquals':0}", "{'n':[]}", 0 },
		{ "{'Variable':'$.n','NumericEquals':0}", "{'n':{'A':0}}", 0 },
		{ "{'Variable':'$.n','NumericLessThan':100}", "{'n':''}", 0 },
		{ "{'Variable':'$.a[1]','NumericEquals':2}", "{'a':[1,2,3]}", 1 },
		{ "{'Variable':'$nested.list[2]','NumericEquals':3}", "{}", 1 },
		{ "{'Variable':'$limit','NumericGreaterThan':9}", "{}", 1 },
	};

	RUN(cases);
}

static void test_numeric_path_ops(void **state)
{
	static const ecase cases[] = {
		{ "{'Variable':'$.a','NumericEqualsPath':'$.b'}", "{'a':8,'b':8}", 1 },
		{ "{'Variable':'$.a','NumericEqualsPath':'$.b'}", "{'a':0,'b':0.0}", 1 },
		{ "{'Variable':'$.a','NumericEqualsPath':'$.b'}", "{'a':1,'b':'1'}", 0 },
		{ "{'Variable':'$.a','NumericEqualsPath':'$.b'}", "{'a':'1','b':1}", 0 },
		{ "{'Variable':'$.a','NumericEqualsPath':'$.b'}", "{'a':0,'b':false}", 0 },
		{ "{'Variable':'$.a','NumericLessThanPath':'$.b'}", "{'a':7,'b':8}", 1 },
		{ "{'Variable':'$.a','NumericLessThanPath':'$.b'}", "{'a':8,'b':8}", 0 },
		{ "{'Variable':'$.a','NumericGreaterThanPath':'$.b'}", "{'a':1,'b':0}", 1 },
		{ "{'Variable':'$.a','NumericGreaterThanPath':'$.b'}", "{'a':-0,'b':0}", 0 },
		{ "{'Variable':'$.a','NumericLessThanEqualsPath':'$.b'}", "{'a':-2.25,'b':-2.25}", 1 },
		{ "{'Variable':'$.a','NumericLessThanEqualsPath':'$.b'}", "{'a':9,'b':8}", 0 },
		{ "{'Variable':'$.a','NumericLessThanEqualsPath':'$.b'}", "{'a':8,'b':{'v':8}}", 0 },
		{ "{'Variable':'$.a','NumericGreaterThanEqualsPath':'$.b'}", "{'a':1,'b':1}", 1 },
		{ "{'Variable':'$.a','NumericGreaterThanEqualsPath':'$.b'}", "{'a':0,'b':1}", 0 },
		{ "{'Variable':'$.a','NumericGreaterThanEqualsPath':'$limit'}", "{'a':10}", 1 },
	};

	RUN(cases);
}

static void test_boolean_ops(void **state)
{
	static const ecase cases[] = {
		{ "{'Variable':'$.b','BooleanEquals':true}", "{'b':true}", 1 },
		{ "{'Variable':'$.b','BooleanEquals':true}", "{'b':false}", 0 },
		{ "{'Variable':'$.b','BooleanEquals':false}", "{'b':false}", 1 },
		{ "{'Variable':'$.b','BooleanEquals':true}", "{'b':'true'}", 0 },
		{ "{'Variable':'$.b','BooleanEquals':true}", "{'b':1}", 0 },
		{ "{'Variable':'$.b','BooleanEquals':false}", "{'b':0}", 0 },
		{ "{'Variable':'$.b','BooleanEquals':false}", "{'b':null}", 0 },
		{ "{'Variable':'$.a','BooleanEqualsPath':'$.b'}", "{'a':true,'b':true}", 1 },
		{ "{'Variable':'$.a','BooleanEqualsPath':'$.b'}", "{'a':false,'b':false}", 1 },
		{ "{'Variable':'$.a','BooleanEqualsPath':'$.b'}", "{'a':true,'b':false}", 0 },
		{ "{'Variable':'$.a','BooleanEqualsPath':'$.b'}", "{'a':true,'b':'true'}", 0 },
		{ "{'Variable':'$.a','BooleanEqualsPath':'$flag'}", "{'a':true}", 1 },
	};

	RUN(cases);
}

/* ---- timestamps ---- */

static void test_timestamp_ops(void **state)
{
	static const ecase cases[] = {
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00Z'}", "{'t':'2016-03-14T01:59:00Z'}", 1 },
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00Z'}", "{'t':'2016-03-14T01:59:01Z'}", 0 },
		/* Offsets name the same instant. */
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00Z'}", "{'t':'2016-03-14T02:59:00+01:00'}", 1 },
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00Z'}", "{'t':'2016-03-13T20:59:00-05:00'}", 1 },
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T07:29:00+05:30'}", "{'t':'2016-03-14T01:59:00Z'}", 1 },
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00Z'}", "{'t':'2016-03-14T01:59:00+00:00'}", 1 },
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00Z'}", "{'t':'2016-03-14T01:59:00-00:00'}", 1 },
		{ "{'Variable':'$.t','TimestampLessThan':'2020-01-01T00:00:00Z'}", "{'t':'2020-01-01T00:30:00+01:00'}", 1 },
		/* Fractions: any number of digits up to nanoseconds. */
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00Z'}", "{'t':'2016-03-14T01:59:00.000Z'}", 1 },
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00.1Z'}", "{'t':'2016-03-14T01:59:00.100000000Z'}", 1 },
		{ "{'Variable':'$.t','TimestampGreaterThan':'2016-03-14T01:59:00.499999999Z'}", "{'t':'2016-03-14T01:59:00.5Z'}", 1 },
		{ "{'Variable':'$.t','TimestampLessThan':'2016-03-14T01:59:00.12345679Z'}", "{'t':'2016-03-14T01:59:00.123456789Z'}", 1 },
		{ "{'Variable':'$.t','TimestampGreaterThan':'2016-03-14T01:59:00.999Z'}", "{'t':'2016-03-14T01:59:01Z'}", 1 },
		{ "{'Variable':'$.t','TimestampLessThan':'2012-10-09T19:00:56Z'}", "{'t':'2012-10-09T19:00:55Z'}", 1 },
		{ "{'Variable':'$.t','TimestampLessThan':'2012-10-09T19:00:55Z'}", "{'t':'2012-10-09T19:00:55Z'}", 0 },
		{ "{'Variable':'$.t','TimestampGreaterThan':'2012-10-09T19:00:55Z'}", "{'t':'2012-10-09T19:00:56Z'}", 1 },
		{ "{'Variable':'$.t','TimestampGreaterThan':'2012-10-09T19:00:55Z'}", "{'t':'2012-10-09T19:00:55Z'}", 0 },
		{ "{'Variable':'$.t','TimestampLessThanEquals':'2012-10-09T19:00:55Z'}", "{'t':'2012-10-09T19:00:55Z'}", 1 },
		{ "{'Variable':'$.t','TimestampLessThanEquals':'2012-10-09T19:00:55Z'}", "{'t':'2012-10-09T19:00:56Z'}", 0 },
		{ "{'Variable':'$.t','TimestampGreaterThanEquals':'2012-10-09T19:00:55Z'}", "{'t':'2012-10-09T19:00:55Z'}", 1 },
		{ "{'Variable':'$.t','TimestampGreaterThanEquals':'2012-10-09T19:00:56Z'}", "{'t':'2012-10-09T19:00:55Z'}", 0 },
		{ "{'Variable':'$.t','TimestampLessThan':'1970-01-01T00:00:00Z'}", "{'t':'1969-12-31T23:59:59.999Z'}", 1 },
		{ "{'Variable':'$.t','TimestampGreaterThan':'2024-02-28T23:59:59Z'}", "{'t':'2024-02-29T00:00:00Z'}", 1 },
		{ "{'Variable':'$.t','TimestampEquals':'2000-03-01T00:00:00Z'}", "{'t':'2000-02-29T23:00:00-01:00'}", 1 },
		/* What is not an AWS timestamp never compares. */
		{ "{'Variable':'$.t','TimestampEquals':'2012-10-09T19:00:55Z'}", "{'t':'2012-10-09T19:00:55'}", 0 },
		{ "{'Variable':'$.t','TimestampEquals':'2012-10-09T19:00:55Z'}", "{'t':'2012-10-09t19:00:55Z'}", 0 },
		{ "{'Variable':'$.t','TimestampEquals':'2012-10-09T19:00:55Z'}", "{'t':'2012-10-09T19:00:55z'}", 0 },
		{ "{'Variable':'$.t','TimestampEquals':'2012-10-09T19:00:55Z'}", "{'t':'2012-10-09 19:00:55Z'}", 0 },
		{ "{'Variable':'$.t','TimestampLessThan':'2030-01-01T00:00:00Z'}", "{'t':'2023-02-24 12:15:56.832957'}", 0 },
		{ "{'Variable':'$.t','TimestampLessThan':'2030-01-01T00:00:00Z'}", "{'t':'2023-02-24'}", 0 },
		{ "{'Variable':'$.t','TimestampLessThan':'2030-01-01T00:00:00Z'}", "{'t':'2023-02-29T00:00:00Z'}", 0 },
		{ "{'Variable':'$.t','TimestampLessThan':'2030-01-01T00:00:00Z'}", "{'t':'2023-01-01T24:00:00Z'}", 0 },
		{ "{'Variable':'$.t','TimestampEquals':'2012-10-09T19:00:55Z'}", "{'t':null}", 0 },
		{ "{'Variable':'$.t','TimestampEquals':'2012-10-09T19:00:55Z'}", "{'t':0}", 0 },
		{ "{'Variable':'$.t','TimestampEquals':'2012-10-09T19:00:55Z'}", "{'t':''}", 0 },
		{ "{'Variable':'$.t','TimestampEquals':'2012-10-09T19:00:55Z'}", "{'t':['2012-10-09T19:00:55Z']}", 0 },
		{ "{'Variable':'$.t','TimestampEquals':'2012-10-09T19:00:55Z'}", "{'t':true}", 0 },
		{ "{'Variable':'$when','TimestampLessThan':'2024-05-01T10:00:00Z'}", "{}", 1 },
	};

	RUN(cases);
}

static void test_timestamp_path_ops(void **state)
{
	static const ecase cases[] = {
		{ "{'Variable':'$.a','TimestampEqualsPath':'$.b'}", "{'a':'2012-10-09T19:00:55Z','b':'2012-10-09T20:00:55+01:00'}", 1 },
		{ "{'Variable':'$.a','TimestampEqualsPath':'$.b'}", "{'a':'2012-10-09T19:00:55Z','b':'2012-10-09T19:00:56Z'}", 0 },
		{ "{'Variable':'$.a','TimestampEqualsPath':'$.b'}", "{'a':'2012-10-09T19:00:55Z','b':'nope'}", 0 },
		{ "{'Variable':'$.a','TimestampEqualsPath':'$.b'}", "{'a':'nope','b':'2012-10-09T19:00:55Z'}", 0 },
		{ "{'Variable':'$.a','TimestampEqualsPath':'$.b'}", "{'a':'2012-10-09T19:00:55Z','b':5}", 0 },
		{ "{'Variable':'$.a','TimestampLessThanPath':'$.b'}", "{'a':'2012-10-09T19:00:55Z','b':'2012-10-09T19:00:56Z'}", 1 },
		{ "{'Variable':'$.a','TimestampLessThanPath':'$.b'}", "{'a':'2012-10-09T19:00:56Z','b':'2012-10-09T19:00:55Z'}", 0 },
		{ "{'Variable':'$.a','TimestampGreaterThanPath':'$.b'}", "{'a':'2012-10-09T19:00:55Z','b':'2012-10-09T19:00:56Z'}", 0 },
		{ "{'Variable':'$.a','TimestampGreaterThanPath':'$.b'}", "{'a':'2012-10-09T19:00:56.1Z','b':'2012-10-09T19:00:56Z'}", 1 },
		{ "{'Variable':'$.a','TimestampLessThanEqualsPath':'$.b'}", "{'a':'2012-10-09T19:00:56Z','b':'2012-10-09T19:00:55Z'}", 0 },
		{ "{'Variable':'$.a','TimestampLessThanEqualsPath':'$.b'}", "{'a':'2012-10-09T19:00:55Z','b':'2012-10-09T19:00:55.000Z'}", 1 },
		{ "{'Variable':'$.a','TimestampGreaterThanEqualsPath':'$.b'}", "{'a':'2012-10-09T19:00:55Z','b':'2012-10-09T19:00:56Z'}", 0 },
		{ "{'Variable':'$.a','TimestampGreaterThanEqualsPath':'$.b'}", "{'a':'2012-10-09T19:00:56Z','b':'2012-10-09T19:00:55Z'}", 1 },
		{ "{'Variable':'$$.Execution.StartTime','TimestampGreaterThanPath':'$when'}", "{}", 1 },
	};

	RUN(cases);
}

/* ---- type tests ---- */

/* The values AWS's own operator tests use, each against true and false:
 * IsX: false matches exactly what IsX: true does not. */
static void test_is_ops(void **state)
{
	static const struct {
		const char *value;
		int null, numeric, string, boolean, timestamp;
	} values[] = {
		{ "null",                        1, 0, 0, 0, 0 },
		{ "0",                           0, 1, 0, 0, 0 },
		{ "0.0",                         0, 1, 0, 0, 0 },
		{ "1.1",                         0, 1, 0, 0, 0 },
		{ "''",                          0, 0, 1, 0, 0 },
		{ "' '",                         0, 0, 1, 0, 0 },
		{ "'HelloWorld'",                0, 0, 1, 0, 0 },
		{ "'2012-10-09T19:00:55'",       0, 0, 1, 0, 0 },
		{ "'2012-10-09T19:00:55Z'",      0, 0, 1, 0, 1 },
		{ "'2012-10-09T19:00:55+01:00'", 0, 0, 1, 0, 1 },
		{ "'2012-10-09T19:00:55.25Z'",   0, 0, 1, 0, 1 },
		{ "'2023-02-24'",                0, 0, 1, 0, 0 },
		{ "[]",                          0, 0, 0, 0, 0 },
		{ "['']",                        0, 0, 0, 0, 0 },
		{ "{}",                          0, 0, 0, 0, 0 },
		{ "{'A':0}",                     0, 0, 0, 0, 0 },
		{ "true",                        0, 0, 0, 1, 0 },
		{ "false",                       0, 0, 0, 1, 0 },
	};
	static const char *const ops[] = { "IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp", "IsPresent" };
	size_t i, k;
	int operand;

	for (i = 0; i < sizeof values / sizeof *values; i++) {
		int expect[] = { values[i].null, values[i].numeric, values[i].string,
				 values[i].boolean, values[i].timestamp, 1 };

		for (k = 0; k < sizeof ops / sizeof *ops; k++) {
			for (operand = 0; operand <= 1; operand++) {
				char rule[128], input[128];
				aslerr err = { 0 };
				int got;

				snprintf(rule, sizeof rule, "{'Variable':'$.v','%s':%s}", ops[k],
					 operand ? "true" : "false");
				snprintf(input, sizeof input, "{'v':%s}", values[i].value);
				got = eval_rule(rule, input, &err);
				if (got != (expect[k] == operand))
					fail_msg("%s on %s gave %d", rule, input, got);
			}
		}
	}
}

static void test_is_present(void **state)
{
	static const ecase cases[] = {
		{ "{'Variable':'$.k','IsPresent':true}", "{'k':null}", 1 },
		{ "{'Variable':'$.k','IsPresent':true}", "{}", 0 },
		{ "{'Variable':'$.k','IsPresent':false}", "{}", 1 },
		{ "{'Variable':'$.k','IsPresent':false}", "{'k':0}", 0 },
		{ "{'Variable':'$.a.b.c','IsPresent':true}", "{'a':5}", 0 },
		{ "{'Variable':'$.a[5]','IsPresent':true}", "{'a':[1]}", 0 },
		{ "{'Variable':'$.a[0]','IsPresent':true}", "{'a':[1]}", 1 },
		{ "{'Variable':'$undefined','IsPresent':true}", "{}", 0 },
		{ "{'Variable':'$undefined','IsPresent':false}", "{}", 1 },
		{ "{'Variable':'$limit','IsPresent':true}", "{}", 1 },
		{ "{'Variable':'$$.Execution.Name','IsPresent':true}", "{}", 1 },
		{ "{'Variable':'$$.Execution.Nope','IsPresent':true}", "{}", 0 },
		/* The documented guard: And stops at the false IsPresent. */
		{ "{'And':[{'Variable':'$.k','IsPresent':true},{'Variable':'$.k','StringEquals':'foo'}]}", "{}", 0 },
		{ "{'And':[{'Variable':'$.k','IsPresent':true},{'Variable':'$.k','StringEquals':'foo'}]}", "{'k':'foo'}", 1 },
		{ "{'Or':[{'Variable':'$.k','IsPresent':false},{'Variable':'$.k','StringEquals':'foo'}]}", "{}", 1 },
	};

	RUN(cases);
}

/* ---- And, Or, Not ---- */

static void test_boolean_combinators(void **state)
{
	static const ecase cases[] = {
		{ "{'And':[{'Variable':'$.a','NumericEquals':1},{'Variable':'$.b','NumericEquals':2}]}", "{'a':1,'b':2}", 1 },
		{ "{'And':[{'Variable':'$.a','NumericEquals':1},{'Variable':'$.b','NumericEquals':2}]}", "{'a':1,'b':3}", 0 },
		{ "{'And':[{'Variable':'$.a','NumericEquals':1}]}", "{'a':1}", 1 },
		{ "{'Or':[{'Variable':'$.a','NumericEquals':1},{'Variable':'$.b','NumericEquals':2}]}", "{'a':0,'b':2}", 1 },
		{ "{'Or':[{'Variable':'$.a','NumericEquals':1},{'Variable':'$.b','NumericEquals':2}]}", "{'a':0,'b':0}", 0 },
		{ "{'Not':{'Variable':'$.a','StringEquals':'x'}}", "{'a':'y'}", 1 },
		{ "{'Not':{'Variable':'$.a','StringEquals':'x'}}", "{'a':'x'}", 0 },
		{ "{'Not':{'Not':{'Variable':'$.a','StringEquals':'x'}}}", "{'a':'x'}", 1 },
		{ "{'Or':[{'And':[{'Variable':'$.a','NumericGreaterThan':0},{'Not':{'Variable':'$.a','NumericGreaterThan':10}}]},"
		  "{'Variable':'$.force','BooleanEquals':true}]}", "{'a':5,'force':false}", 1 },
		{ "{'Or':[{'And':[{'Variable':'$.a','NumericGreaterThan':0},{'Not':{'Variable':'$.a','NumericGreaterThan':10}}]},"
		  "{'Variable':'$.force','BooleanEquals':true}]}", "{'a':50,'force':false}", 0 },
		{ "{'Or':[{'And':[{'Variable':'$.a','NumericGreaterThan':0},{'Not':{'Variable':'$.a','NumericGreaterThan':10}}]},"
		  "{'Variable':'$.force','BooleanEquals':true}]}", "{'a':50,'force':true}", 1 },
		/* Or stops at its first true rule, so a later missing path is not read. */
		{ "{'Or':[{'Variable':'$.a','NumericEquals':1},{'Variable':'$.missing','NumericEquals':1}]}", "{'a':1}", 1 },
	};

	RUN(cases);
}

/* Builds Not(Not(...(leaf)...)) or And[Or[And[...(leaf)...]]] n levels deep. */
static char *nest(int n, int combinators)
{
	static const char *const open[] = { "{'Not':", "{'And':[", "{'Or':[" };
	static const char *const leaf = "{'Variable':'$.x','NumericEquals':1}";
	size_t cap = (size_t)n * 16 + 128;
	char *s = xmalloc(cap);
	int i;

	s[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(s, open[combinators ? 1 + i % 2 : 0]);
	strcat(s, leaf);
	for (i = 0; i < n; i++)
		strcat(s, combinators ? "]}" : "}");
	return s;
}

static void test_deep_nesting(void **state)
{
	char *even = nest(NEST_DEPTH, 0), *odd = nest(NEST_DEPTH - 1, 0), *mix = nest(NEST_DEPTH, 1);

	assert_int_equal(eval_rule(even, "{'x':1}", NULL), 1);
	assert_int_equal(eval_rule(even, "{'x':2}", NULL), 0);
	assert_int_equal(eval_rule(odd, "{'x':1}", NULL), 0);
	assert_int_equal(eval_rule(odd, "{'x':2}", NULL), 1);
	assert_int_equal(eval_rule(mix, "{'x':1}", NULL), 1);
	assert_int_equal(eval_rule(mix, "{'x':0}", NULL), 0);
	expect_runtime(mix, "{}", "Invalid path '$.x': The choice state's condition path references an invalid value.");
	free(even);
	free(odd);
	free(mix);
}

/* ---- runtime errors ---- */

static void test_runtime_errors(void **state)
{
	expect_runtime("{'Variable':'$.x','NumericEquals':1}", "{}",
		       "Invalid path '$.x': The choice state's condition path references an invalid value.");
	expect_runtime("{'Variable':'$.a.b','StringEquals':'x'}", "{'a':'str'}",
		       "Invalid path '$.a.b': The choice state's condition path references an invalid value.");
	expect_runtime("{'Variable':'$.approved','BooleanEquals':true}", "{'status':'PENDING'}",
		       "Invalid path '$.approved': The choice state's condition path references an invalid value.");
	expect_runtime("{'Variable':'$.a[3]','NumericEquals':1}", "{'a':[1]}",
		       "Invalid path '$.a[3]': The choice state's condition path references an invalid value.");
	expect_runtime("{'Variable':'$[\\\"odd key\\\"]','IsNull':true}", "{}",
		       "Invalid path '$[\"odd key\"]': The choice state's condition path references an invalid value.");
	expect_runtime("{'Variable':'$undefinedVariable','StringEquals':'value'}", "{}",
		       "Invalid path '$undefinedVariable': The choice state's condition path references an invalid value.");
	expect_runtime("{'Variable':'$$.Execution.Nope','StringEquals':'x'}", "{}",
		       "Invalid path '$$.Execution.Nope': The choice state's condition path references an invalid value.");
	/* Every operator but IsPresent needs its Variable. */
	expect_runtime("{'Variable':'$.x','IsNull':false}", "{}",
		       "Invalid path '$.x': The choice state's condition path references an invalid value.");
	expect_runtime("{'Variable':'$.x','StringMatches':'*'}", "{}",
		       "Invalid path '$.x': The choice state's condition path references an invalid value.");
	/* A ...Path operand that selects nothing. */
	expect_runtime("{'Variable':'$.left','NumericLessThanEqualsPath':'$.right'}", "{'left':8}",
		       "Invalid path '$.right': The choice state's condition path references an invalid value.");
	expect_runtime("{'Variable':'$.a','TimestampEqualsPath':'$nope'}", "{'a':'2012-10-09T19:00:55Z'}",
		       "Invalid path '$nope': The choice state's condition path references an invalid value.");
	/* Errors travel through And, Or and Not. */
	expect_runtime("{'Not':{'And':[{'Variable':'$.a','NumericEquals':1},{'Variable':'$.b','NumericEquals':2}]}}",
		       "{'a':1}",
		       "Invalid path '$.b': The choice state's condition path references an invalid value.");
	expect_runtime("{'Or':[{'Variable':'$.a','NumericEquals':2},{'Variable':'$.c','NumericEquals':2}]}",
		       "{'a':1}",
		       "Invalid path '$.c': The choice state's condition path references an invalid value.");
}

/* ch_eval must not allocate when it succeeds: make the next allocation
 * abort, then evaluate every kind of rule. */
static void test_no_allocation(void **state)
{
	static const char *const rules[] = {
		"{'Variable':'$.n','NumericGreaterThan':10}",
		"{'Variable':'$.s','StringMatches':'a*c'}",
		"{'Variable':'$.t','TimestampLessThanPath':'$.u'}",
		"{'And':[{'Variable':'$.s','StringLessThan':'b'},{'Not':{'Variable':'$.b','IsNull':true}}]}",
		"{'Variable':'$nested.list[1]','NumericEquals':2}",
		"{'Variable':'$$.Execution.Name','StringEquals':'run-1'}",
		"{'Variable':'$.missing','IsPresent':false}",
	};
	cJSON *in = pj("{'n':11,'s':'abc','t':'2020-01-01T00:00:00Z','u':'2021-01-01T00:00:00+01:00','b':true}");
	jp_env env = { in, ctx_cb, var_cb, NULL };
	size_t i;

	for (i = 0; i < sizeof rules / sizeof *rules; i++) {
		ch_rule *r = compile_ok(rules[i], 0);
		aslerr err = { 0 };
		int v;

		xalloc_fail_after = 0;
		v = ch_eval(r, &env, &err);
		xalloc_fail_after = -1;
		assert_int_equal(v, 1);
		ch_free(r);
	}
	cJSON_Delete(in);
}

/* ---- validation ---- */

typedef struct vcase {
	const char *rule;
	int top;
	const char *want[4][2];   /* message, location; unused rows NULL */
} vcase;

static void run_validation(const vcase *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		cJSON *j = pj(c[i].rule);
		diags d = { 0 };
		ch_rule *r = ch_compile(j, c[i].top, LOC, &d);
		int k, nwant = 0;

		while (nwant < 4 && c[i].want[nwant][0])
			nwant++;
		if (d.n != nwant || (nwant > 0) != (r == NULL)) {
			print_diags(&d);
			fail_msg("case %zu (%s): %d diagnostics, want %d", i, c[i].rule, d.n, nwant);
		}
		for (k = 0; k < nwant; k++) {
			if (strcmp(d.v[k].message, c[i].want[k][0]) != 0 ||
			    strcmp(d.v[k].location, c[i].want[k][1]) != 0) {
				print_diags(&d);
				fail_msg("case %zu (%s): diagnostic %d differs", i, c[i].rule, k);
			}
			assert_string_equal(d.v[k].code, "SCHEMA_VALIDATION_FAILED");
			assert_string_equal(d.v[k].severity, "ERROR");
		}
		assert_int_equal(d.errors, nwant);
		ch_free(r);
		diag_free(&d);
		cJSON_Delete(j);
	}
}

#define VALIDATE(cases) run_validation(cases, sizeof cases / sizeof *cases)

static void test_valid_rules(void **state)
{
	static const vcase cases[] = {
		{ "{'Variable':'$.x','NumericEquals':1,'Next':'A'}", 1, { { NULL } } },
		{ "{'Variable':'$.x','NumericEquals':1,'Next':'A','Comment':'c','Assign':{'v':1}}", 1, { { NULL } } },
		{ "{'Variable':'$','IsString':true,'Next':'A'}", 1, { { NULL } } },
		{ "{'Variable':'$$.Execution.Input.a','IsPresent':true,'Next':'A'}", 1, { { NULL } } },
		{ "{'Variable':'$myVar.field[0]','StringEqualsPath':'$$.State.Name','Next':'A'}", 1, { { NULL } } },
		{ "{'And':[{'Variable':'$.b','IsPresent':true,'Comment':'nested comment'},"
		  "{'Or':[{'Variable':'$.d','IsPresent':true}],'Comment':'c'}],'Comment':'n','Next':'D'}", 1, { { NULL } } },
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00Z'}", 0, { { NULL } } },
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00.123456789-11:30'}", 0, { { NULL } } },
		{ "{'Variable':'$.t','TimestampEquals':'2016-03-14T01:59:00+18:00'}", 0, { { NULL } } },
		{ "{'Variable':'$.t','TimestampEquals':'2024-02-29T23:59:59Z'}", 0, { { NULL } } },
		{ "{'Variable':'$.s','StringMatches':'a\\\\'}", 0, { { NULL } } },
	};

	VALIDATE(cases);
}

static void test_validation_structure(void **state)
{
	static const vcase cases[] = {
		{ "{'Variable':'$.x','NumericEquals':1}", 1,
		  { { "These fields are required: [Next]", LOC } } },
		{ "{'Variable':'$.x','NumericEquals':1,'Next':'A'}", 0,
		  { { "Field 'Next' is not supported", LOC } } },
		{ "{'Variable':'$.x','Next':'A'}", 1,
		  { { "The Choice Rule must have one comparison operator or one of these fields: [And, Or, Not]", LOC } } },
		{ "{}", 0,
		  { { "The Choice Rule must have one comparison operator or one of these fields: [And, Or, Not]", LOC } } },
		{ "{'Variable':'$.x','NumericEquals':1,'StringEquals':'a','Next':'A'}", 1,
		  { { "There should only be one of the following fields: [NumericEquals, StringEquals]", LOC } } },
		{ "{'Variable':'$.x','IsNull':true,'And':[],'Next':'A'}", 1,
		  { { "There should only be one of the following fields: [IsNull, And]", LOC } } },
		{ "{'Not':{'Variable':'$.x','IsNull':true},'Or':[],'Next':'A'}", 1,
		  { { "There should only be one of the following fields: [Not, Or]", LOC } } },
		{ "{'Variable':'$.x','NumericEquals':1,'Next':'A','Foo':1}", 1,
		  { { "Field 'Foo' is not supported", LOC } } },
		{ "{'Variable':'$.x','StringMatchesPath':'$.y','Next':'A'}", 1,
		  { { "Field 'StringMatchesPath' is not supported", LOC },
		    { "The Choice Rule must have one comparison operator or one of these fields: [And, Or, Not]", LOC } } },
		{ "{'Condition':'{% true %}','Next':'A'}", 1,
		  { { "Field 'Condition' is not supported", LOC },
		    { "The Choice Rule must have one comparison operator or one of these fields: [And, Or, Not]", LOC } } },
		{ "{'Variable':'$.x','IsNull':true,'Assign':{}}", 0,
		  { { "Field 'Assign' is not supported", LOC } } },
		{ "{'NumericEquals':1,'Next':'A'}", 1,
		  { { "These fields are required: [Variable]", LOC } } },
		{ "{'And':[{'Variable':'$.a','IsNull':true}],'Variable':'$.x','Next':'A'}", 1,
		  { { "Field 'Variable' is not supported", LOC } } },
		{ "{'Variable':'$.x','NumericEquals':1,'Next':'A','Comment':5}", 1,
		  { { "The value for the field 'Comment' must be a STRING but was a number", LOC "/Comment" } } },
		{ "5", 0,
		  { { "The value for a Choice Rule must be an OBJECT but was a number", LOC } } },
		{ "[]", 1,
		  { { "The value for a Choice Rule must be an OBJECT but was an array", LOC } } },
		/* Everything wrong with one rule is reported at once. */
		{ "{'Variable':'x','NumericEquals':'1','Foo':2}", 1,
		  { { "Field 'Foo' is not supported", LOC },
		    { "These fields are required: [Next]", LOC },
		    { "Value is not a Reference Path: a path must start with '$' at position 0 of 'x'", LOC "/Variable" },
		    { "The value for the field 'NumericEquals' must be a NUMBER but was a string", LOC "/NumericEquals" } } },
	};

	VALIDATE(cases);
}

static void test_validation_operands(void **state)
{
	static const vcase cases[] = {
		{ "{'Variable':'$.x','NumericEquals':'x'}", 0,
		  { { "The value for the field 'NumericEquals' must be a NUMBER but was a string", LOC "/NumericEquals" } } },
		{ "{'Variable':'$.x','NumericLessThan':true}", 0,
		  { { "The value for the field 'NumericLessThan' must be a NUMBER but was a boolean", LOC "/NumericLessThan" } } },
		{ "{'Variable':'$.x','StringEquals':1}", 0,
		  { { "The value for the field 'StringEquals' must be a STRING but was a number", LOC "/StringEquals" } } },
		{ "{'Variable':'$.x','StringGreaterThanEquals':null}", 0,
		  { { "The value for the field 'StringGreaterThanEquals' must be a STRING but was a null", LOC "/StringGreaterThanEquals" } } },
		{ "{'Variable':'$.x','StringMatches':[]}", 0,
		  { { "The value for the field 'StringMatches' must be a STRING but was an array", LOC "/StringMatches" } } },
		{ "{'Variable':'$.x','BooleanEquals':'true'}", 0,
		  { { "The value for the field 'BooleanEquals' must be a BOOLEAN but was a string", LOC "/BooleanEquals" } } },
		{ "{'Variable':'$.x','TimestampEquals':5}", 0,
		  { { "The value for the field 'TimestampEquals' must be a STRING but was a number", LOC "/TimestampEquals" } } },
		{ "{'Variable':'$.x','IsNull':'yes'}", 0,
		  { { "The value for the field 'IsNull' must be a BOOLEAN but was a string", LOC "/IsNull" } } },
		{ "{'Variable':'$.x','IsPresent':null}", 0,
		  { { "The value for the field 'IsPresent' must be a BOOLEAN but was a null", LOC "/IsPresent" } } },
		{ "{'Variable':'$.x','IsTimestamp':{}}", 0,
		  { { "The value for the field 'IsTimestamp' must be a BOOLEAN but was an object", LOC "/IsTimestamp" } } },
		{ "{'Variable':'$.x','IsNumeric':1}", 0,
		  { { "The value for the field 'IsNumeric' must be a BOOLEAN but was a number", LOC "/IsNumeric" } } },
		{ "{'Variable':'$.x','IsString':'true'}", 0,
		  { { "The value for the field 'IsString' must be a BOOLEAN but was a string", LOC "/IsString" } } },
		{ "{'Variable':'$.x','IsBoolean':0}", 0,
		  { { "The value for the field 'IsBoolean' must be a BOOLEAN but was a number", LOC "/IsBoolean" } } },
		/* Variable and ...Path operands are Reference Paths. */
		{ "{'Variable':5,'IsNull':true}", 0,
		  { { "The value for the field 'Variable' must be a STRING that contains a JSONPath but was a number", LOC "/Variable" } } },
		{ "{'Variable':'$.a[*]','IsNull':true}", 0,
		  { { "Value is not a Reference Path: only names and single indices may follow the root in '$.a[*]'", LOC "/Variable" } } },
		{ "{'Variable':'$.a..b','IsNull':true}", 0,
		  { { "Value is not a Reference Path: only names and single indices may follow the root in '$.a..b'", LOC "/Variable" } } },
		{ "{'Variable':'$.','IsNull':true}", 0,
		  { { "Value is not a Reference Path: expected a name after '.' at position 2 of '$.'", LOC "/Variable" } } },
		{ "{'Variable':'$.x','NumericEqualsPath':5}", 0,
		  { { "The value for the field 'NumericEqualsPath' must be a STRING that contains a JSONPath but was a number",
		      LOC "/NumericEqualsPath" } } },
		{ "{'Variable':'$.x','StringEqualsPath':'x'}", 0,
		  { { "Value is not a Reference Path: a path must start with '$' at position 0 of 'x'", LOC "/StringEqualsPath" } } },
		{ "{'Variable':'$.x','TimestampLessThanPath':'$.a[?(@.b)]'}", 0,
		  { { "Value is not a Reference Path: only names and single indices may follow the root in '$.a[?(@.b)]'",
		      LOC "/TimestampLessThanPath" } } },
		{ "{'Variable':'$.x','BooleanEqualsPath':true}", 0,
		  { { "The value for the field 'BooleanEqualsPath' must be a STRING that contains a JSONPath but was a boolean",
		      LOC "/BooleanEqualsPath" } } },
	};

	VALIDATE(cases);
}

/* Literal Timestamp* operands are parsed at load; AWS's profile of RFC 3339
 * is strict. */
static void test_validation_timestamps(void **state)
{
	static const char *const bad[] = {
		"2016-03-14T01:59:00",          /* no offset */
		"2016-03-14t01:59:00Z",         /* lowercase t */
		"2016-03-14T01:59:00z",         /* lowercase z */
		"2016-03-14 01:59:00Z",         /* space for T */
		"2016-03-14T01:59Z",            /* no seconds */
		"2016-03-14",                   /* no time */
		"2016-3-14T01:59:00Z",          /* one-digit month */
		"2016-13-14T01:59:00Z",         /* month 13 */
		"2016-00-14T01:59:00Z",         /* month 0 */
		"2023-02-29T00:00:00Z",         /* not a leap year */
		"1900-02-29T00:00:00Z",         /* not a leap year either */
		"2016-04-31T00:00:00Z",         /* April has 30 days */
		"2016-03-00T00:00:00Z",         /* day 0 */
		"2016-03-14T24:00:00Z",         /* hour 24 */
		"2016-03-14T01:60:00Z",         /* minute 60 */
		"2016-03-14T01:59:60Z",         /* leap second */
		"2016-03-14T01:59:00.Z",        /* empty fraction */
		"2016-03-14T01:59:00.1234567891Z", /* beyond nanoseconds */
		"2016-03-14T01:59:00+0100",     /* offset without colon */
		"2016-03-14T01:59:00+01",       /* offset without minutes */
		"2016-03-14T01:59:00+19:00",    /* offset beyond 18 hours */
		"2016-03-14T01:59:00+18:30",
		"2016-03-14T01:59:00+01:60",
		"2016-03-14T01:59:00Z ",        /* trailing space */
		" 2016-03-14T01:59:00Z",        /* leading space */
		"2016-03-14T01:59:00ZZ",
		"",
		"now",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		char rule[160], msg[200];
		cJSON *j;
		diags d = { 0 };
		ch_rule *r;

		snprintf(rule, sizeof rule, "{'Variable':'$.t','TimestampGreaterThan':'%s'}", bad[i]);
		snprintf(msg, sizeof msg, "The value for the field 'TimestampGreaterThan' must be a "
			 "valid RFC3339 timestamp but was '%s'", bad[i]);
		j = pj(rule);
		r = ch_compile(j, 0, LOC, &d);
		if (r || d.n != 1)
			fail_msg("'%s' should be refused once, got %d diagnostics", bad[i], d.n);
		assert_string_equal(d.v[0].message, msg);
		assert_string_equal(d.v[0].location, LOC "/TimestampGreaterThan");
		diag_free(&d);
		cJSON_Delete(j);
	}
}

static void test_validation_nesting(void **state)
{
	static const vcase cases[] = {
		{ "{'And':[],'Next':'A'}", 1,
		  { { "The field 'And' should be non-empty", LOC "/And" } } },
		{ "{'Or':[],'Next':'A'}", 1,
		  { { "The field 'Or' should be non-empty", LOC "/Or" } } },
		{ "{'Or':{},'Next':'A'}", 1,
		  { { "The value for the field 'Or' must be an ARRAY but was an object", LOC "/Or" } } },
		{ "{'And':'x','Next':'A'}", 1,
		  { { "The value for the field 'And' must be an ARRAY but was a string", LOC "/And" } } },
		{ "{'Not':[],'Next':'A'}", 1,
		  { { "The value for the field 'Not' must be an OBJECT but was an array", LOC "/Not" } } },
		{ "{'Not':null,'Next':'A'}", 1,
		  { { "The value for the field 'Not' must be an OBJECT but was a null", LOC "/Not" } } },
		{ "{'And':[5],'Next':'A'}", 1,
		  { { "The value for a Choice Rule must be an OBJECT but was a number", LOC "/And[0]" } } },
		{ "{'And':[{'Variable':'$.a','IsNull':true},{'Variable':'$.x','NumericEquals':'1'}],'Next':'A'}", 1,
		  { { "The value for the field 'NumericEquals' must be a NUMBER but was a string", LOC "/And[1]/NumericEquals" } } },
		{ "{'Not':{'Or':[{'Variable':'$.a','IsNull':true},{'And':[{'Variable':'$.b'}]}]},'Next':'A'}", 1,
		  { { "The Choice Rule must have one comparison operator or one of these fields: [And, Or, Not]",
		      LOC "/Not/Or[1]/And[0]" } } },
		{ "{'Or':[{'Variable':'$.a','IsNull':true,'Next':'B'}],'Next':'A'}", 1,
		  { { "Field 'Next' is not supported", LOC "/Or[0]" } } },
		{ "{'Not':{'Variable':'$.a','IsNull':true,'Next':'B'},'Next':'A'}", 1,
		  { { "Field 'Next' is not supported", LOC "/Not" } } },
		/* Errors in several branches are all reported, in order. */
		{ "{'Or':[{'Variable':'$.a','IsNull':1},{'Not':{'Variable':'a','IsNull':true}},"
		  "{'And':[{'Variable':'$.c','TimestampEquals':'2020-01-01'}]}]}", 1,
		  { { "These fields are required: [Next]", LOC },
		    { "The value for the field 'IsNull' must be a BOOLEAN but was a number", LOC "/Or[0]/IsNull" },
		    { "Value is not a Reference Path: a path must start with '$' at position 0 of 'a'", LOC "/Or[1]/Not/Variable" },
		    { "The value for the field 'TimestampEquals' must be a valid RFC3339 timestamp but was '2020-01-01'",
		      LOC "/Or[2]/And[0]/TimestampEquals" } } },
	};

	VALIDATE(cases);
}

/* Every operator name compiles, with the operand type it is documented to
 * take, and is refused with any other. */
static void test_operator_table(void **state)
{
	static const struct { const char *name; const char *good; const char *bad; } ops[] = {
		{ "StringEquals", "'a'", "1" }, { "StringEqualsPath", "'$.y'", "1" },
		{ "StringLessThan", "'a'", "1" }, { "StringLessThanPath", "'$.y'", "1" },
		{ "StringGreaterThan", "'a'", "1" }, { "StringGreaterThanPath", "'$.y'", "1" },
		{ "StringLessThanEquals", "'a'", "1" }, { "StringLessThanEqualsPath", "'$.y'", "1" },
		{ "StringGreaterThanEquals", "'a'", "1" }, { "StringGreaterThanEqualsPath", "'$.y'", "1" },
		{ "StringMatches", "'a*'", "1" },
		{ "NumericEquals", "1", "'1'" }, { "NumericEqualsPath", "'$.y'", "1" },
		{ "NumericLessThan", "1", "'1'" }, { "NumericLessThanPath", "'$.y'", "1" },
		{ "NumericGreaterThan", "1", "'1'" }, { "NumericGreaterThanPath", "'$.y'", "1" },
		{ "NumericLessThanEquals", "1", "'1'" }, { "NumericLessThanEqualsPath", "'$.y'", "1" },
		{ "NumericGreaterThanEquals", "1", "'1'" }, { "NumericGreaterThanEqualsPath", "'$.y'", "1" },
		{ "BooleanEquals", "true", "1" }, { "BooleanEqualsPath", "'$.y'", "true" },
		{ "TimestampEquals", "'2020-01-01T00:00:00Z'", "1" }, { "TimestampEqualsPath", "'$.y'", "1" },
		{ "TimestampLessThan", "'2020-01-01T00:00:00Z'", "1" }, { "TimestampLessThanPath", "'$.y'", "1" },
		{ "TimestampGreaterThan", "'2020-01-01T00:00:00Z'", "1" }, { "TimestampGreaterThanPath", "'$.y'", "1" },
		{ "TimestampLessThanEquals", "'2020-01-01T00:00:00Z'", "1" }, { "TimestampLessThanEqualsPath", "'$.y'", "1" },
		{ "TimestampGreaterThanEquals", "'2020-01-01T00:00:00Z'", "1" }, { "TimestampGreaterThanEqualsPath", "'$.y'", "1" },
		{ "IsNull", "true", "1" }, { "IsPresent", "true", "1" }, { "IsNumeric", "true", "1" },
		{ "IsString", "true", "1" }, { "IsBoolean", "true", "1" }, { "IsTimestamp", "true", "1" },
	};
	size_t i;

	for (i = 0; i < sizeof ops / sizeof *ops; i++) {
		char rule[160];
		cJSON *j;
		diags d = { 0 };
		ch_rule *r;

		snprintf(rule, sizeof rule, "{'Variable':'$.x','%s':%s,'Next':'A'}", ops[i].name, ops[i].good);
		j = pj(rule);
		r = ch_compile(j, 1, LOC, &d);
		if (!r || d.n)
			fail_msg("%s should compile", rule);
		ch_free(r);
		cJSON_Delete(j);

		snprintf(rule, sizeof rule, "{'Variable':'$.x','%s':%s,'Next':'A'}", ops[i].name, ops[i].bad);
		j = pj(rule);
		r = ch_compile(j, 1, LOC, &d);
		if (r || d.n != 1)
			fail_msg("%s should be refused", rule);
		assert_non_null(strstr(d.v[0].location, ops[i].name));
		diag_free(&d);
		cJSON_Delete(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_ops),
		cmocka_unit_test(test_string_path_ops),
		cmocka_unit_test(test_string_matches),
		cmocka_unit_test(test_numeric_ops),
		cmocka_unit_test(test_numeric_path_ops),
		cmocka_unit_test(test_boolean_ops),
		cmocka_unit_test(test_timestamp_ops),
		cmocka_unit_test(test_timestamp_path_ops),
		cmocka_unit_test(test_is_ops),
		cmocka_unit_test(test_is_present),
		cmocka_unit_test(test_boolean_combinators),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_runtime_errors),
		cmocka_unit_test(test_no_allocation),
		cmocka_unit_test(test_valid_rules),
		cmocka_unit_test(test_validation_structure),
		cmocka_unit_test(test_validation_operands),
		cmocka_unit_test(test_validation_timestamps),
		cmocka_unit_test(test_validation_nesting),
		cmocka_unit_test(test_operator_table),
	};

	xalloc_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}
