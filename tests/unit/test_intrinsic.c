/* test_intrinsic.c - unit tests of the States.* intrinsic functions (orchestrator/intrinsic.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intrinsic.h"
#include "json.h"
#include "limits.h"
#include "xalloc.h"

/* AWS's input limit of Base64Encode, Base64Decode and Hash. */
#define STRING_LIMIT 10000
#define UUID_TEXT_LEN 36
#define MATH_RANDOM_DRAWS 1000
#define UNIQUE_DISTINCT 20000

/* The context object and the variables every test evaluates against. */
static cJSON *g_context;
static cJSON *g_vars;

static const cJSON *context_of(void *ud)
{
	return g_context;
}

static const cJSON *var_of(void *ud, const char *name)
{
	return js_get(g_vars, name);
}

static cJSON *parse(const char *json)
{
	cJSON *v = js_parse(json, strlen(json), NULL);

	if (!v) {
		print_error("test input is not JSON: %s\n", json);
		fail();
	}
	return v;
}

/* Compiles call (failing the test if it does not compile) and evaluates
 * it against input (borrowed).  Returns the owned result or NULL with
 * *err filled. */
static cJSON *run(const char *call, const cJSON *input, aslerr *err,
		  const char *file, int line)
{
	jp_env env = { input, context_of, var_of, NULL };
	char *cerr = NULL;
	fn_expr *f = fn_compile(call, &cerr);
	cJSON *v;

	if (!f) {
		print_error("%s does not compile: %s\n", call, cerr);
		free(cerr);
		_fail(file, line);
	}
	_assert_true(cerr == NULL, "cerr == NULL", file, line);
	_assert_string_equal(fn_text(f), call, file, line);
	v = fn_eval(f, &env, err);
	fn_free(f);
	return v;
}

/* Asserts that call, on input (JSON text), gives exactly `want` (JSON
 * text, as AWS prints it: compact, members in order). */
static void value_on(const cJSON *input, const char *call, const char *want,
		     const char *file, int line)
{
	aslerr err = { 0 };
	cJSON *v = run(call, input, &err, file, line);
	char *got;

	if (!v) {
		print_error("%s failed: %s: %s\n", call, err.error, err.cause);
		aslerr_clear(&err);
		_fail(file, line);
	}
	_assert_true(err.error == NULL && err.cause == NULL,
		     "err untouched on success", file, line);
	got = js_print(v);
	_assert_string_equal(got, want, file, line);
	free(got);
	cJSON_Delete(v);
}

static void value_(const char *input, const char *call, const char *want,
		   const char *file, int line)
{
	cJSON *in = parse(input);

	value_on(in, call, want, file, line);
	cJSON_Delete(in);
}
#define check_value(input, call, want) value_(input, call, want, __FILE__, __LINE__)

/* Asserts that call fails at evaluation with error `name` and the cause
 * "The function '<call>' had the following error: <what>". */
static void error_on(const cJSON *input, const char *call, const char *name,
		     const char *what, const char *file, int line)
{
	aslerr err = { 0 };
	cJSON *v = run(call, input, &err, file, line);
	char *cause;

	if (v) {
		char *s = js_print(v);

		print_error("%s unexpectedly gave %s\n", call, s);
		free(s);
		cJSON_Delete(v);
		_fail(file, line);
	}
	cause = xasprintf("The function '%s' had the following error: %s",
			  call, what);
	_assert_true(err.error != NULL && err.cause != NULL, "error filled",
		     file, line);
	_assert_string_equal(err.error, name, file, line);
	_assert_string_equal(err.cause, cause, file, line);
	free(cause);
	aslerr_clear(&err);
}

static void error_(const char *input, const char *call, const char *name,
		   const char *what, const char *file, int line)
{
	cJSON *in = parse(input);

	error_on(in, call, name, what, file, line);
	cJSON_Delete(in);
}
#define check_error(input, call, what) \
	error_(input, call, ERR_RUNTIME, what, __FILE__, __LINE__)

/* Asserts that call does not compile, with exactly the message `want`. */
static void compile_error_(const char *call, const char *want,
			   const char *file, int line)
{
	char *err = NULL;
	fn_expr *f = fn_compile(call, &err);

	if (f) {
		print_error("%s compiled\n", call);
		fn_free(f);
		_fail(file, line);
	}
	_assert_true(err != NULL, "err set", file, line);
	_assert_string_equal(err, want, file, line);
	free(err);
}
#define check_compile_error(call, want) compile_error_(call, want, __FILE__, __LINE__)

/* An object {"s": <text>} as input, for strings too long to write. */
static cJSON *string_input(const char *text)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "s", text);
	return o;
}

/* `count` copies of unit, concatenated; owned. */
static char *repeat(const char *unit, size_t count)
{
	size_t n = strlen(unit), i;
	char *s = xmalloc(n * count + 1);

	for (i = 0; i < count; i++)
		memcpy(s + i * n, unit, n);
	s[n * count] = '\0';
	return s;
}

static int setup(void **state)
{
	g_context = parse("{\"Execution\":{\"Name\":\"exec-1\",\"Input\":{\"start\":2}},"
			  "\"State\":{\"Name\":\"Pick\"}}");
	g_vars = parse("{\"myVar\":{\"n\":5},\"tpl\":\"v={}\"}");
	return 0;
}

static int teardown(void **state)
{
	cJSON_Delete(g_context);
	cJSON_Delete(g_vars);
	return 0;
}

/* ---- recognising and parsing ---- */

static void test_looks_like(void **state)
{
	assert_true(fn_looks_like("States.Format('x')"));
	assert_true(fn_looks_like("States.UUID()"));
	assert_true(fn_looks_like("States."));
	assert_false(fn_looks_like("$.a"));
	assert_false(fn_looks_like("$$.Execution.Id"));
	assert_false(fn_looks_like("states.Format('x')"));
	assert_false(fn_looks_like(" States.UUID()"));
	assert_false(fn_looks_like("State.UUID()"));
	assert_false(fn_looks_like(""));
}

static void test_literals(void **state)
{
	check_value("{}", "States.Array(1, -2, 0, 1.5, -0.25, 1e3, 2E-2, 12345678901)",
		    "[1,-2,0,1.5,-0.25,1000,0.02,12345678901]");
	check_value("{}", "States.Array(true, false, null)", "[true,false,null]");
	check_value("{}", "States.Array('a', '')", "[\"a\",\"\"]");
	/* A quote is escaped with a backslash, not doubled. */
	check_compile_error("States.Array('it''s')",
			    "unexpected character ''', expected ',' or ')' at "
			    "position 17 of 'States.Array('it''s')'");
	check_value("{}", "States.Array()", "[]");
	/* Braces and double quotes need no escape outside States.Format. */
	check_value("{}", "States.Array('{\"k\": 1}')", "[\"{\\\"k\\\": 1}\"]");
}

static void test_escapes(void **state)
{
	check_value("{}", "States.Array('it\\'s', 'a\\{b\\}c', 'back\\\\slash')",
		    "[\"it's\",\"a{b}c\",\"back\\\\slash\"]");
	/* The AWS documentation's example of reserved characters. */
	check_value("{}", "States.Format('\\{\\} is not a placeholder, {} is', 'this')",
		    "\"{} is not a placeholder, this is\"");
	check_value("{}", "States.Format('\\\\{}', 1)", "\"\\\\1\"");
	check_value("{}", "States.Format('\\'{}\\'', 'q')", "\"'q'\"");
	check_compile_error("States.Array('a\\nb')",
			    "invalid escape in a string literal (only \\', \\{, \\} "
			    "and \\\\ are allowed) at position 15 of "
			    "'States.Array('a\\nb')'");
	check_compile_error("States.Array('abc\\",
			    "invalid escape in a string literal (only \\', \\{, \\} "
			    "and \\\\ are allowed) at position 17 of "
			    "'States.Array('abc\\'");
	check_compile_error("States.Array('abc)",
			    "unterminated string literal at position 13 of "
			    "'States.Array('abc)'");
}

static void test_whitespace(void **state)
{
	check_value("{\"a\":1,\"b\":[2]}", "States.Array( $.a ,\t$.b\n,'x' )",
		    "[1,[2],\"x\"]");
	check_value("{}", "States.Array(  )", "[]");
	check_value("{}", "States.Array(1)  ", "[1]");
	check_value("{}", "States.Array(States.Array( 1 ,2 ) , 'a b' )", "[[1,2],\"a b\"]");
}

static void test_paths(void **state)
{
	const char *in = "{\"a\":{\"b c\":[10,20,30]},\"items\":[{\"k\":\"x,y\",\"v\":1},"
			 "{\"k\":\"z\",\"v\":2}]}";

	check_value(in, "States.Array($)",
		    "[{\"a\":{\"b c\":[10,20,30]},\"items\":[{\"k\":\"x,y\",\"v\":1},"
		    "{\"k\":\"z\",\"v\":2}]}]");
	check_value(in, "States.Array($.a['b c'][1], $.a['b c'][-1])", "[20,30]");
	/* Commas and parentheses inside a path belong to the path. */
	check_value(in, "States.Array($.items[?(@.k == 'x,y')].v, 7)", "[[1],7]");
	check_value(in, "States.ArrayLength($.items[*])", "2");
	check_value(in, "States.Array($.items[0,1].v)", "[[1,2]]");
	check_value(in, "States.Array($$.Execution.Name, $$.State.Name)",
		    "[\"exec-1\",\"Pick\"]");
	check_value(in, "States.Array($myVar.n, $tpl)", "[5,\"v={}\"]");
	check_value(in, "States.Format($tpl, $$.Execution.Input.start)", "\"v=2\"");
	check_compile_error("States.Array($.a[)",
			    "invalid path argument (expected a name, an index, '*', a "
			    "slice or a filter at position 4 of "
			    "'$.a[)') at position 13 of 'States.Array($.a[)'");
}

static void test_parse_errors(void **state)
{
	check_compile_error("$.a",
			    "an intrinsic function call must start with 'States.' "
			    "at position 0 of '$.a'");
	check_compile_error("States.Nope(1)",
			    "unknown intrinsic function 'States.Nope' at position 0 "
			    "of 'States.Nope(1)'");
	check_compile_error("States.format('x')",
			    "unknown intrinsic function 'States.format' at position 0 "
			    "of 'States.format('x')'");
	check_compile_error("States.UUID",
			    "expected '(' after States.UUID at position 11 of "
			    "'States.UUID'");
	check_compile_error("States.UUID ()",
			    "expected '(' after States.UUID at position 11 of "
			    "'States.UUID ()'");
	check_compile_error("States.Array(1",
			    "unexpected end of text, expected ',' or ')' at position 14 "
			    "of 'States.Array(1'");
	check_compile_error("States.Array(1 2)",
			    "unexpected character '2', expected ',' or ')' at position "
			    "15 of 'States.Array(1 2)'");
	check_compile_error("States.Array(1,)",
			    "unexpected character ')', expected an argument (a 'string', "
			    "a number, true, false, null, a path or a States.* call) at "
			    "position 15 of 'States.Array(1,)'");
	check_compile_error("States.Array(,1)",
			    "unexpected character ',', expected an argument (a 'string', "
			    "a number, true, false, null, a path or a States.* call) at "
			    "position 13 of 'States.Array(,1)'");
	check_compile_error("States.Array(1,",
			    "unexpected end of text, expected an argument at position 15 "
			    "of 'States.Array(1,'");
	check_compile_error("States.Array(\"x\")",
			    "unexpected character '\"', expected an argument (a 'string', "
			    "a number, true, false, null, a path or a States.* call) at "
			    "position 13 of 'States.Array(\"x\")'");
	check_compile_error("States.Array(True)",
			    "unexpected character 'T', expected an argument (a 'string', "
			    "a number, true, false, null, a path or a States.* call) at "
			    "position 13 of 'States.Array(True)'");
	check_compile_error("States.Array(nullx)",
			    "unexpected character 'n', expected an argument (a 'string', "
			    "a number, true, false, null, a path or a States.* call) at "
			    "position 13 of 'States.Array(nullx)'");
	check_compile_error("States.Array(01)",
			    "invalid number (leading zero) at position 13 of "
			    "'States.Array(01)'");
	check_compile_error("States.Array(1.)",
			    "invalid number at position 13 of 'States.Array(1.)'");
	check_compile_error("States.Array(-)",
			    "invalid number at position 13 of 'States.Array(-)'");
	check_compile_error("States.Array(1e)",
			    "invalid number at position 13 of 'States.Array(1e)'");
	check_compile_error("States.Array(12ab)",
			    "invalid number at position 13 of 'States.Array(12ab)'");
	check_compile_error("States.Array(1e999)",
			    "number out of range at position 13 of 'States.Array(1e999)'");
	check_compile_error("States.UUID() x",
			    "unexpected text after the call at position 14 of "
			    "'States.UUID() x'");
	check_compile_error("States.Array(Other.Fn())",
			    "unexpected character 'O', expected an argument (a 'string', "
			    "a number, true, false, null, a path or a States.* call) at "
			    "position 13 of 'States.Array(Other.Fn())'");
}

/* Each function with one argument too few and one too many. */
static void test_arity(void **state)
{
	static const struct { const char *call, *msg; } cases[] = {
		{ "States.Format()", "States.Format takes at least 1 argument, not 0" },
		{ "States.StringToJson()", "States.StringToJson takes 1 argument, not 0" },
		{ "States.StringToJson('1', '2')", "States.StringToJson takes 1 argument, not 2" },
		{ "States.JsonToString()", "States.JsonToString takes 1 argument, not 0" },
		{ "States.JsonToString($.a, $.b)", "States.JsonToString takes 1 argument, not 2" },
		{ "States.ArrayPartition($.a)", "States.ArrayPartition takes 2 arguments, not 1" },
		{ "States.ArrayPartition($.a, 1, 2)", "States.ArrayPartition takes 2 arguments, not 3" },
		{ "States.ArrayContains($.a)", "States.ArrayContains takes 2 arguments, not 1" },
		{ "States.ArrayContains($.a, 1, 2)", "States.ArrayContains takes 2 arguments, not 3" },
		{ "States.ArrayRange(1, 5)", "States.ArrayRange takes 3 arguments, not 2" },
		{ "States.ArrayRange(1, 5, 1, 99)", "States.ArrayRange takes 3 arguments, not 4" },
		{ "States.ArrayGetItem($.a)", "States.ArrayGetItem takes 2 arguments, not 1" },
		{ "States.ArrayGetItem($.a, 1, 2)", "States.ArrayGetItem takes 2 arguments, not 3" },
		{ "States.ArrayLength()", "States.ArrayLength takes 1 argument, not 0" },
		{ "States.ArrayLength($.a, $.b)", "States.ArrayLength takes 1 argument, not 2" },
		{ "States.ArrayUnique()", "States.ArrayUnique takes 1 argument, not 0" },
		{ "States.ArrayUnique($.a, $.b)", "States.ArrayUnique takes 1 argument, not 2" },
		{ "States.Base64Encode()", "States.Base64Encode takes 1 argument, not 0" },
		{ "States.Base64Encode('a', 'b')", "States.Base64Encode takes 1 argument, not 2" },
		{ "States.Base64Decode()", "States.Base64Decode takes 1 argument, not 0" },
		{ "States.Base64Decode('aGVsbG8=', 'extra')", "States.Base64Decode takes 1 argument, not 2" },
		{ "States.Hash('a')", "States.Hash takes 2 arguments, not 1" },
		{ "States.Hash('a', 'MD5', 'x')", "States.Hash takes 2 arguments, not 3" },
		{ "States.JsonMerge($.a, $.b)", "States.JsonMerge takes 3 arguments, not 2" },
		{ "States.JsonMerge($.a, $.b, false, false)", "States.JsonMerge takes 3 arguments, not 4" },
		{ "States.MathRandom(1)", "States.MathRandom takes 2 to 3 arguments, not 1" },
		{ "States.MathRandom(1, 2, 3, 4)", "States.MathRandom takes 2 to 3 arguments, not 4" },
		{ "States.MathAdd(1)", "States.MathAdd takes 2 arguments, not 1" },
		{ "States.MathAdd(1, 2, 3)", "States.MathAdd takes 2 arguments, not 3" },
		{ "States.StringSplit('a')", "States.StringSplit takes 2 arguments, not 1" },
		{ "States.StringSplit('a', 'b', 'c')", "States.StringSplit takes 2 arguments, not 3" },
		{ "States.UUID(1)", "States.UUID takes 0 arguments, not 1" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *want = xasprintf("%s at position 0 of '%s'", cases[i].msg,
				       cases[i].call);

		compile_error_(cases[i].call, want, __FILE__, __LINE__);
		free(want);
	}
	/* A nested call reports its own position. */
	check_compile_error("States.Array(1, States.MathAdd(1))",
			    "States.MathAdd takes 2 arguments, not 1 at position 16 of "
			    "'States.Array(1, States.MathAdd(1))'");
}

/* Literal arguments and nested results of the wrong type are refused
 * before any input exists. */
static void test_literal_types(void **state)
{
	check_compile_error("States.MathAdd('a', 1)",
			    "argument 1 of States.MathAdd must be a number, not a string "
			    "at position 0 of 'States.MathAdd('a', 1)'");
	check_compile_error("States.ArrayLength(1)",
			    "argument 1 of States.ArrayLength must be an array, not a "
			    "number at position 0 of 'States.ArrayLength(1)'");
	check_compile_error("States.Base64Encode(null)",
			    "argument 1 of States.Base64Encode must be a string, not null "
			    "at position 0 of 'States.Base64Encode(null)'");
	check_compile_error("States.Format(1, 2)",
			    "argument 1 of States.Format must be a string, not a number "
			    "at position 0 of 'States.Format(1, 2)'");
	check_compile_error("States.JsonMerge($.a, $.b, 'false')",
			    "argument 3 of States.JsonMerge must be a boolean, not a "
			    "string at position 0 of 'States.JsonMerge($.a, $.b, 'false')'");
	check_compile_error("States.Hash('x', 256)",
			    "argument 2 of States.Hash must be a string, not a number "
			    "at position 0 of 'States.Hash('x', 256)'");
	check_compile_error("States.MathAdd(States.UUID(), 1)",
			    "argument 1 of States.MathAdd must be a number, not a string "
			    "(the result of a call) at position 0 of "
			    "'States.MathAdd(States.UUID(), 1)'");
	check_compile_error("States.JsonToString('x')",
			    "argument 1 of States.JsonToString must be a path or an "
			    "intrinsic function call, not a literal at position 0 of "
			    "'States.JsonToString('x')'");
	/* A call whose result type is not known in advance is accepted. */
	check_value("{\"j\":\"[1,2]\"}", "States.ArrayLength(States.StringToJson($.j))", "2");
}

/* AWS allows ten intrinsic functions nested within a field. */
static void test_nesting(void **state)
{
	const char *ten = "States.Array(States.Array(States.Array(States.Array("
			  "States.Array(States.Array(States.Array(States.Array("
			  "States.Array(States.Array(1))))))))))";
	const char *eleven = "States.Array(States.Array(States.Array(States.Array("
			     "States.Array(States.Array(States.Array(States.Array("
			     "States.Array(States.Array(States.Array(1)))))))))))";
	char *want;

	check_value("{}", ten, "[[[[[[[[[[1]]]]]]]]]]");
	want = xasprintf("intrinsic functions are nested more than %d deep at "
			 "position 130 of '%s'", SL_MAX_INTRINSIC_DEPTH, eleven);
	check_compile_error(eleven, want);
	free(want);
	/* The documentation's example of nine nested functions. */
	check_value("{\"ImageRecipe\":{\"Arn\":\"arn:aws:imagebuilder:us-east-1:"
		    "123456789012:image-recipe/my.recipe.name/1.2.3\"}}",
		    "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit("
		    "States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), "
		    "'.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
		    "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1), "
		    "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
		    "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 2))",
		    "\"1.2.3\"");
}

/* ---- a path argument that matches nothing ---- */

static void test_missing_paths(void **state)
{
	check_error("{\"other\":1}", "States.Format('{}', $.nope)",
		    "The JsonPath argument for the field '$.nope' could not be "
		    "found in the input '{\"other\":1}'");
	/* The expression is echoed as written, spacing included. */
	check_error("{\"other\":1}", "States.Format('{}',$.nope)",
		    "The JsonPath argument for the field '$.nope' could not be "
		    "found in the input '{\"other\":1}'");
	check_error("{\"other\":1}", "States.Format('{} {}', $.other, $.a.b)",
		    "The JsonPath argument for the field '$.a.b' could not be "
		    "found in the input '{\"other\":1}'");
	check_error("{\"other\":1}", "States.Format($.nope, 1)",
		    "The JsonPath argument for the field '$.nope' could not be "
		    "found in the input '{\"other\":1}'");
	/* The whole expression is named, not the inner call. */
	check_error("{\"other\":1}", "States.Format('{}', States.Format('{}', $.nope))",
		    "The JsonPath argument for the field '$.nope' could not be "
		    "found in the input '{\"other\":1}'");
	check_error("{\"items\":[1,2]}", "States.Format('{}', $.items[5])",
		    "The JsonPath argument for the field '$.items[5]' could not be "
		    "found in the input '{\"items\":[1,2]}'");
	check_error("{\"items\":[1]}", "States.Format('{}', $.items[5].x)",
		    "The JsonPath argument for the field '$.items[5].x' could not be "
		    "found in the input '{\"items\":[1]}'");
	check_error("{\"other\":1}", "States.Format('{}', $.other[0])",
		    "The JsonPath argument for the field '$.other[0]' could not be "
		    "found in the input '{\"other\":1}'");
	/* A $$ path is written with one '$', and the state input is quoted. */
	check_error("{\"other\":1}", "States.Format('{}', $$.Nope.Deep)",
		    "The JsonPath argument for the field '$.Nope.Deep' could not be "
		    "found in the input '{\"other\":1}'");
	check_error("{\"other\":1}", "States.Array($undefinedVar)",
		    "The JsonPath argument for the field '$undefinedVar' could not be "
		    "found in the input '{\"other\":1}'");
	check_error("[{\"other\":1}]", "States.Format('{}', $[0].nope)",
		    "The JsonPath argument for the field '$[0].nope' could not be "
		    "found in the input '[{\"other\":1}]'");
	/* Every function resolves its arguments the same way. */
	check_error("{\"other\":1}", "States.ArrayLength($.nope)",
		    "The JsonPath argument for the field '$.nope' could not be "
		    "found in the input '{\"other\":1}'");
	check_error("{\"other\":1}", "States.JsonMerge($.nope, $.other, false)",
		    "The JsonPath argument for the field '$.nope' could not be "
		    "found in the input '{\"other\":1}'");
	check_error("{\"other\":1}", "States.MathAdd($.nope, 1)",
		    "The JsonPath argument for the field '$.nope' could not be "
		    "found in the input '{\"other\":1}'");
	/* Only absence fails: null is a value, and a wildcard that matches
	 * nothing is an empty array. */
	check_value("{\"nul\":null}", "States.Format('{}', $.nul)", "\"null\"");
	check_value("{\"items\":[1,2]}", "States.ArrayLength($.items[*].nope)", "0");
	check_value("{\"other\":1}", "States.JsonToString($)", "\"{\\\"other\\\":1}\"");
}

/* ---- the functions ---- */

static void test_format(void **state)
{
	/* The AWS documentation's examples. */
	check_value("{\"name\":\"Arnav\",\"template\":\"Hello, my name is {}.\"}",
		    "States.Format('Hello, my name is {}.', $.name)",
		    "\"Hello, my name is Arnav.\"");
	check_value("{\"name\":\"Arnav\",\"template\":\"Hello, my name is {}.\"}",
		    "States.Format($.template, $.name)", "\"Hello, my name is Arnav.\"");
	check_value("{\"a\":\"x\",\"b\":2,\"c\":true}",
		    "States.Format('{} {} {}', $.a, $.b, $.c)", "\"x 2 true\"");
	check_value("{}", "States.Format('no placeholders')", "\"no placeholders\"");
	check_value("{}", "States.Format('')", "\"\"");
	check_value("{\"a\":\"x\"}", "States.Format('  {}  ', $.a)", "\"  x  \"");
	check_value("{\"nil\":null,\"bool\":false,\"neg\":-1,\"frac\":3.5,"
		    "\"big\":123456789012345}",
		    "States.Format('{}|{}|{}|{}|{}', $.nil, $.bool, $.neg, $.frac, $.big)",
		    "\"null|false|-1|3.5|123456789012345\"");
	/* Objects and arrays are written as JSON; strings are not quoted. */
	check_value("{\"o\":{\"k\":[1,\"two\"]},\"s\":\"q\\\"uote\"}",
		    "States.Format('{}/{}/{}', $.o, $.o.k, $.s)",
		    "\"{\\\"k\\\":[1,\\\"two\\\"]}/[1,\\\"two\\\"]/q\\\"uote\"");
	check_value("{\"svc\":\"lambda\",\"obj\":{\"k\":1}}",
		    "States.Format('arn:{}:{}', $.svc, States.JsonToString($.obj))",
		    "\"arn:lambda:{\\\"k\\\":1}\"");
	check_value("{}", "States.Format('{}-{}', 'a', States.ArrayLength(States.StringSplit("
		    "States.UUID(), '-')))", "\"a-5\"");
}

static void test_format_errors(void **state)
{
	check_error("{\"a\":\"x\"}", "States.Format('{} {}', $.a)",
		    "Invalid arguments in States.Format: number of arguments do not "
		    "match the occurrences of {}");
	check_error("{\"a\":\"x\",\"b\":\"y\"}", "States.Format('{}', $.a, $.b)",
		    "Invalid arguments in States.Format: number of arguments do not "
		    "match the occurrences of {}");
	check_error("{}", "States.Format('x', 1)",
		    "Invalid arguments in States.Format: number of arguments do not "
		    "match the occurrences of {}");
	check_error("{\"a\":\"x\"}", "States.Format('Hello {', $.a)",
		    "Invalid template in States.Format: matching '}' not found for '{'");
	check_error("{\"a\":\"x\"}", "States.Format('Hello {{}}', $.a)",
		    "Invalid template in States.Format: matching '}' not found for '{'");
	check_error("{}", "States.Format('}')",
		    "Invalid template in States.Format: matching '{' not found for '}'");
	check_error("{}", "States.Format('{x}', 1)",
		    "Invalid template in States.Format: matching '}' not found for '{'");
	/* A template from the input is taken as it is: no escapes. */
	check_error("{\"t\":\"\\\\{}\"}", "States.Format($.t)",
		    "Invalid arguments in States.Format: number of arguments do not "
		    "match the occurrences of {}");
	check_value("{\"t\":\"\\\\{}\"}", "States.Format($.t, 1)", "\"\\\\1\"");
	check_error("{\"template\":123,\"name\":\"Ada\"}",
		    "States.Format($.template, $.name)",
		    "Invalid arguments in States.Format: argument 1 must be a string, "
		    "not a number");
}

static void test_string_to_json(void **state)
{
	check_value("{\"escapedJsonString\":\"{\\\"foo\\\": \\\"bar\\\"}\"}",
		    "States.StringToJson($.escapedJsonString)", "{\"foo\":\"bar\"}");
	check_value("{}", "States.StringToJson('')", "null");
	check_value("{}", "States.StringToJson(' ')", "null");
	check_value("{}", "States.StringToJson('null')", "null");
	/* AWS's Jackson reads -0 as the integer 0. */
	check_value("{}", "States.StringToJson('-0')", "0");
	check_value("{}", "States.StringToJson('1.1')", "1.1");
	check_value("{}", "States.StringToJson('true')", "true");
	check_value("{}", "States.StringToJson('\"HelloWorld\"')", "\"HelloWorld\"");
	check_value("{}", "States.StringToJson('[1, 2, \"HelloWorld\"]')",
		    "[1,2,\"HelloWorld\"]");
	check_value("{}", "States.StringToJson(' {\"Arg1\": 1, \"Arg2\": []} ')",
		    "{\"Arg1\":1,\"Arg2\":[]}");
	check_error("{}", "States.StringToJson('{\"a\": ')",
		    "Invalid arguments in States.StringToJson: the string is not "
		    "valid JSON (error at offset 5)");
	check_error("{}", "States.StringToJson('1 2')",
		    "Invalid arguments in States.StringToJson: the string is not "
		    "valid JSON (error at offset 2)");
	check_error("{\"o\":{}}", "States.StringToJson($.o)",
		    "Invalid arguments in States.StringToJson: argument 1 must be a "
		    "string, not an object");
	/* Round trip. */
	check_value("{\"o\":{\"a\":[1,{\"b\":null}]}}",
		    "States.StringToJson(States.JsonToString($.o))",
		    "{\"a\":[1,{\"b\":null}]}");
}

static void test_json_to_string(void **state)
{
	check_value("{\"unescapedJson\":{\"foo\":\"bar\"}}",
		    "States.JsonToString($.unescapedJson)", "\"{\\\"foo\\\":\\\"bar\\\"}\"");
	check_value("{\"v\":null}", "States.JsonToString($.v)", "\"null\"");
	check_value("{\"v\":-0}", "States.JsonToString($.v)", "\"0\"");
	check_value("{\"v\":1.1}", "States.JsonToString($.v)", "\"1.1\"");
	check_value("{\"v\":true}", "States.JsonToString($.v)", "\"true\"");
	check_value("{\"v\":\"HelloWorld\"}", "States.JsonToString($.v)",
		    "\"\\\"HelloWorld\\\"\"");
	check_value("{\"v\":[1,2,\"HelloWorld\"]}", "States.JsonToString($.v)",
		    "\"[1,2,\\\"HelloWorld\\\"]\"");
	check_value("{}", "States.JsonToString(States.Array(1, 'a'))", "\"[1,\\\"a\\\"]\"");
}

static void test_array(void **state)
{
	check_value("{\"Id\":123456}", "States.Array($.Id)", "[123456]");
	check_value("{\"fst\":{\"Arg1\":1,\"Arg2\":[]},\"snd\":\"\"}",
		    "States.Array($.fst, $.snd, States.Array())",
		    "[{\"Arg1\":1,\"Arg2\":[]},\"\",[]]");
	check_value("{\"v\":null}", "States.Array($.v, $.v)", "[null,null]");
}

static void test_array_partition(void **state)
{
	check_value("{\"inputArray\":[1,2,3,4,5,6,7,8,9]}",
		    "States.ArrayPartition($.inputArray, 4)", "[[1,2,3,4],[5,6,7,8],[9]]");
	check_value("{\"a\":[1,2,3]}", "States.ArrayPartition($.a, 1)", "[[1],[2],[3]]");
	check_value("{\"a\":[1,2,3]}", "States.ArrayPartition($.a, 3)", "[[1,2,3]]");
	check_value("{\"a\":[1,2,3]}", "States.ArrayPartition($.a, 5)", "[[1,2,3]]");
	check_value("{\"a\":[]}", "States.ArrayPartition($.a, 2)", "[]");
	check_value("{\"a\":[{\"k\":1},[2],\"3\"]}", "States.ArrayPartition($.a, 2)",
		    "[[{\"k\":1},[2]],[\"3\"]]");
	/* A non-integer chunk size is rounded, as AWS documents. */
	check_value("{\"a\":[1,2,3,4,5]}", "States.ArrayPartition($.a, 2.5)",
		    "[[1,2,3],[4,5]]");
	check_value("{\"a\":[1,2,3,4,5]}", "States.ArrayPartition($.a, 1.49)",
		    "[[1],[2],[3],[4],[5]]");
	/* The array may come from a nested call (moved, not copied). */
	check_value("{}", "States.ArrayPartition(States.ArrayRange(1, 5, 1), 2)",
		    "[[1,2],[3,4],[5]]");
	check_error("{\"a\":[1,2,3]}", "States.ArrayPartition($.a, 0)",
		    "Invalid arguments in States.ArrayPartition: the chunk size must "
		    "be a positive integer, not 0");
	check_error("{\"a\":[1,2,3]}", "States.ArrayPartition($.a, 0.49)",
		    "Invalid arguments in States.ArrayPartition: the chunk size must "
		    "be a positive integer, not 0.49");
	check_error("{\"a\":[1,2,3]}", "States.ArrayPartition($.a, -2)",
		    "Invalid arguments in States.ArrayPartition: the chunk size must "
		    "be a positive integer, not -2");
	check_error("{\"a\":\"123\"}", "States.ArrayPartition($.a, 2)",
		    "Invalid arguments in States.ArrayPartition: argument 1 must be "
		    "an array, not a string");
}

static void test_array_contains(void **state)
{
	const char *in = "{\"inputArray\":[1,2,3,4,5,6,7,8,9],\"lookingFor\":5}";

	check_value(in, "States.ArrayContains($.inputArray, $.lookingFor)", "true");
	check_value(in, "States.ArrayContains($.inputArray, 10)", "false");
	check_value(in, "States.ArrayContains($.inputArray, '5')", "false");
	check_value("{\"a\":[]}", "States.ArrayContains($.a, null)", "false");
	check_value("{\"a\":[]}", "States.ArrayContains($.a, $.a)", "false");
	check_value("{\"a\":[[1,2,3],2]}", "States.ArrayContains($.a, null)", "false");
	check_value("{\"a\":[[1,2,3],2],\"v\":[1,2,3]}", "States.ArrayContains($.a, $.v)",
		    "true");
	check_value("{\"a\":[[1,2,3]],\"v\":[3,2,1]}", "States.ArrayContains($.a, $.v)",
		    "false");
	/* Objects compare without regard to member order. */
	check_value("{\"a\":[{\"1\":2,\"2\":[]}],\"v\":{\"2\":[],\"1\":2}}",
		    "States.ArrayContains($.a, $.v)", "true");
	check_value("{\"a\":[{\"1\":2,\"2\":[]}],\"v\":[]}",
		    "States.ArrayContains($.a, $.v)", "false");
	check_value("{\"a\":[true,false]}", "States.ArrayContains($.a, false)", "true");
	check_value("{\"a\":[1.0]}", "States.ArrayContains($.a, 1)", "true");
	check_error("{\"a\":{}}", "States.ArrayContains($.a, 1)",
		    "Invalid arguments in States.ArrayContains: argument 1 must be "
		    "an array, not an object");
}

static void test_array_range(void **state)
{
	check_value("{}", "States.ArrayRange(1, 9, 2)", "[1,3,5,7,9]");
	check_value("{}", "States.ArrayRange(0, 9, 3)", "[0,3,6,9]");
	check_value("{}", "States.ArrayRange(0, 10, 3)", "[0,3,6,9]");
	check_value("{}", "States.ArrayRange(1, 9, 9)", "[1]");
	check_value("{}", "States.ArrayRange(-2, 2, 2)", "[-2,0,2]");
	check_value("{}", "States.ArrayRange(3, 3, 1)", "[3]");
	check_value("{}", "States.ArrayRange(3, 3, -1)", "[3]");
	check_value("{}", "States.ArrayRange(5, 1, -2)", "[5,3,1]");
	/* A step pointing away from the end gives an empty array. */
	check_value("{}", "States.ArrayRange(5, 1, 1)", "[]");
	check_value("{}", "States.ArrayRange(1, 5, -1)", "[]");
	/* AWS truncates non-integers towards zero here. */
	check_value("{}", "States.ArrayRange(1.4, 5.6, 2.2)", "[1,3,5]");
	check_value("{}", "States.ArrayRange(1.6, 1.4, 1)", "[1]");
	check_value("{}", "States.ArrayRange(5.4, -0.6, -2.4)", "[5,3,1]");
	check_value("{\"base\":0}",
		    "States.ArrayRange(States.MathAdd($.base, 1), States.MathAdd($.base, 5), 2)",
		    "[1,3,5]");
	check_value("{}", "States.ArrayRange($$.Execution.Input.start, 6, 2)", "[2,4,6]");
	check_error("{}", "States.ArrayRange(1, 10, 0)",
		    "Invalid arguments in States.ArrayRange: the step must not be zero");
	check_error("{}", "States.ArrayRange(1, 10, 0.49)",
		    "Invalid arguments in States.ArrayRange: the step must not be zero");
	check_error("{}", "States.ArrayRange(1, 10, -0.9)",
		    "Invalid arguments in States.ArrayRange: the step must not be zero");
	check_error("{\"s\":\"a\"}", "States.ArrayRange($.s, 5, 1)",
		    "Invalid arguments in States.ArrayRange: argument 1 must be a "
		    "number, not a string");
}

static void test_array_range_limit(void **state)
{
	aslerr err = { 0 };
	cJSON *in = cJSON_CreateObject();
	cJSON *v;

	v = run("States.ArrayRange(1, 1000, 1)", in, &err, __FILE__, __LINE__);
	assert_non_null(v);
	assert_int_equal(cJSON_GetArraySize(v), SL_MAX_ARRAY_RANGE);
	assert_int_equal(cJSON_GetArrayItem(v, 0)->valuedouble, 1);
	assert_int_equal(cJSON_GetArrayItem(v, 999)->valuedouble, 1000);
	cJSON_Delete(v);
	v = run("States.ArrayRange(1000, 1, -1)", in, &err, __FILE__, __LINE__);
	assert_non_null(v);
	assert_int_equal(cJSON_GetArraySize(v), SL_MAX_ARRAY_RANGE);
	assert_int_equal(cJSON_GetArrayItem(v, 999)->valuedouble, 1);
	cJSON_Delete(v);
	cJSON_Delete(in);
	check_error("{}", "States.ArrayRange(1, 1001, 1)",
		    "Invalid arguments in States.ArrayRange: the range would have "
		    "1001 elements, more than the maximum of 1000");
	check_error("{}", "States.ArrayRange(1001, 1, -1)",
		    "Invalid arguments in States.ArrayRange: the range would have "
		    "1001 elements, more than the maximum of 1000");
	check_error("{}", "States.ArrayRange(-2147483648, 2147483647, 1)",
		    "Invalid arguments in States.ArrayRange: the range would have "
		    "4294967296 elements, more than the maximum of 1000");
}

static void test_array_get_item(void **state)
{
	const char *in = "{\"inputArray\":[1,2,3,4,5,6,7,8,9],\"index\":5}";

	check_value(in, "States.ArrayGetItem($.inputArray, $.index)", "6");
	check_value(in, "States.ArrayGetItem($.inputArray, 0)", "1");
	check_value(in, "States.ArrayGetItem($.inputArray, 8)", "9");
	check_value(in, "States.ArrayGetItem($.inputArray, 4.5)", "6");
	check_value("{\"a\":[{\"k\":[1]},null]}", "States.ArrayGetItem($.a, 0)",
		    "{\"k\":[1]}");
	check_value("{\"a\":[{\"k\":[1]},null]}", "States.ArrayGetItem($.a, 1)", "null");
	check_value("{}", "States.ArrayGetItem(States.Array('x', 'y'), 1)", "\"y\"");
	check_error(in, "States.ArrayGetItem($.inputArray, 9)",
		    "Invalid arguments in States.ArrayGetItem: the index 9 is out of "
		    "bounds for an array of 9 elements");
	check_error(in, "States.ArrayGetItem($.inputArray, -1)",
		    "Invalid arguments in States.ArrayGetItem: the index -1 is out of "
		    "bounds for an array of 9 elements");
	check_error("{\"a\":[]}", "States.ArrayGetItem($.a, 0)",
		    "Invalid arguments in States.ArrayGetItem: the index 0 is out of "
		    "bounds for an array of 0 elements");
	check_error("{\"a\":[7]}", "States.ArrayGetItem($.a, 1)",
		    "Invalid arguments in States.ArrayGetItem: the index 1 is out of "
		    "bounds for an array of 1 element");
	check_error(in, "States.ArrayGetItem($.index, 0)",
		    "Invalid arguments in States.ArrayGetItem: argument 1 must be an "
		    "array, not a number");
}

static void test_array_length(void **state)
{
	check_value("{\"inputArray\":[1,2,3,4,5,6,7,8,9]}",
		    "States.ArrayLength($.inputArray)", "9");
	check_value("{\"a\":[]}", "States.ArrayLength($.a)", "0");
	check_value("{\"a\":[[1,2],{}]}", "States.ArrayLength($.a)", "2");
	check_error("{\"a\":null}", "States.ArrayLength($.a)",
		    "Invalid arguments in States.ArrayLength: argument 1 must be an "
		    "array, not null");
}

static void test_array_unique(void **state)
{
	check_value("{\"inputArray\":[1,2,3,3,3,3,3,3,4]}",
		    "States.ArrayUnique($.inputArray)", "[1,2,3,4]");
	check_value("{\"a\":[null,null,true,true,false,false,1,1,1.1,0,-0,"
		    "\"HelloWorld\",\"HelloWorld\",[],[],[null],[null],"
		    "{\"a\":1,\"b\":2},{\"b\":2,\"a\":1},{\"a\":1,\"b\":1}]}",
		    "States.ArrayUnique($.a)",
		    "[null,true,false,1,1.1,0,\"HelloWorld\",[],[null],"
		    "{\"a\":1,\"b\":2},{\"a\":1,\"b\":1}]");
	check_value("{\"a\":[]}", "States.ArrayUnique($.a)", "[]");
	check_value("{\"a\":[\"1\",1,[1],[\"1\"]]}", "States.ArrayUnique($.a)",
		    "[\"1\",1,[1],[\"1\"]]");
	check_error("{\"a\":\"aab\"}", "States.ArrayUnique($.a)",
		    "Invalid arguments in States.ArrayUnique: argument 1 must be an "
		    "array, not a string");
}

/* A large array stays fast (a hash table, not pairwise comparison). */
static void test_array_unique_large(void **state)
{
	cJSON *in = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(in, "a");
	aslerr err = { 0 };
	cJSON *v;
	int i;

	for (i = 0; i < UNIQUE_DISTINCT; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(i));
	for (i = UNIQUE_DISTINCT - 1; i >= 0; i--)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(i));
	v = run("States.ArrayUnique($.a)", in, &err, __FILE__, __LINE__);
	assert_non_null(v);
	assert_int_equal(cJSON_GetArraySize(v), UNIQUE_DISTINCT);
	assert_int_equal(cJSON_GetArrayItem(v, UNIQUE_DISTINCT - 1)->valuedouble,
			 UNIQUE_DISTINCT - 1);
	cJSON_Delete(v);
	cJSON_Delete(in);
}

static void test_base64_encode(void **state)
{
	check_value("{\"input\":\"Data to encode\"}", "States.Base64Encode($.input)",
		    "\"RGF0YSB0byBlbmNvZGU=\"");
	check_value("{}", "States.Base64Encode('')", "\"\"");
	check_value("{}", "States.Base64Encode('a')", "\"YQ==\"");
	check_value("{}", "States.Base64Encode('ab')", "\"YWI=\"");
	check_value("{}", "States.Base64Encode('abc')", "\"YWJj\"");
	check_value("{}", "States.Base64Encode('h\xC3\xA9llo \xE2\x9C\x93')",
		    "\"aMOpbGxvIOKckw==\"");
	check_value("{}", "States.Base64Encode('\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
		    "\xF0\x9F\x98\x80')", "\"8J+YgPCfmIDwn5iA\"");
	check_error("{\"n\":1}", "States.Base64Encode($.n)",
		    "Invalid arguments in States.Base64Encode: argument 1 must be a "
		    "string, not a number");
}

/* The 10,000-character limit of Base64Encode, Base64Decode and Hash,
 * counted as Java counts characters (an emoji is two). */
static void test_string_limits(void **state)
{
	static const char *const calls[] = {
		"States.Base64Encode($.s)", "States.Base64Decode($.s)",
		"States.Hash($.s, 'MD5')",
	};
	char *ok = repeat("a", STRING_LIMIT), *over = repeat("a", STRING_LIMIT + 1);
	char *emoji_ok = repeat("\xF0\x9F\x98\x80", STRING_LIMIT / 2);
	char *emoji_over = repeat("\xF0\x9F\x98\x80", STRING_LIMIT / 2 + 1);
	char *accents_ok = repeat("\xC3\xA9", STRING_LIMIT);
	cJSON *in_ok = string_input(ok), *in_over = string_input(over);
	cJSON *in_emoji_ok = string_input(emoji_ok);
	cJSON *in_emoji_over = string_input(emoji_over);
	cJSON *in_accents_ok = string_input(accents_ok);
	aslerr err = { 0 };
	size_t i;

	for (i = 0; i < sizeof calls / sizeof *calls; i++) {
		const char *fname = i == 0 ? "States.Base64Encode" :
				    i == 1 ? "States.Base64Decode" : "States.Hash";
		char *what = xasprintf("Invalid arguments in %s: the input string "
				       "has 10001 characters, more than the "
				       "maximum of 10000", fname);
		char *what2 = xasprintf("Invalid arguments in %s: the input string "
					"has 10002 characters, more than the "
					"maximum of 10000", fname);
		cJSON *v;

		v = run(calls[i], in_ok, &err, __FILE__, __LINE__);
		assert_non_null(v);
		cJSON_Delete(v);
		v = run(calls[i], in_emoji_ok, &err, __FILE__, __LINE__);
		assert_non_null(v);
		cJSON_Delete(v);
		v = run(calls[i], in_accents_ok, &err, __FILE__, __LINE__);
		assert_non_null(v);
		cJSON_Delete(v);
		error_on(in_over, calls[i], ERR_RUNTIME, what, __FILE__, __LINE__);
		error_on(in_emoji_over, calls[i], ERR_RUNTIME, what2, __FILE__, __LINE__);
		free(what);
		free(what2);
	}
	/* 10,000 characters encode to 13,336. */
	{
		cJSON *v = run("States.Base64Encode($.s)", in_ok, &err, __FILE__, __LINE__);

		assert_int_equal(strlen(v->valuestring), 13336);
		assert_memory_equal(v->valuestring, "YWFh", 4);
		cJSON_Delete(v);
	}
	cJSON_Delete(in_ok);
	cJSON_Delete(in_over);
	cJSON_Delete(in_emoji_ok);
	cJSON_Delete(in_emoji_over);
	cJSON_Delete(in_accents_ok);
	free(ok);
	free(over);
	free(emoji_ok);
	free(emoji_over);
	free(accents_ok);
}

static void test_base64_decode(void **state)
{
	check_value("{\"base64\":\"RGF0YSB0byBlbmNvZGU=\"}",
		    "States.Base64Decode($.base64)", "\"Data to encode\"");
	check_value("{}", "States.Base64Decode('')", "\"\"");
	check_value("{}", "States.Base64Decode('aGVsbG8=')", "\"hello\"");
	check_value("{}", "States.Base64Decode('YWJjZA==')", "\"abcd\"");
	check_value("{}", "States.Base64Decode('IA==')", "\" \"");
	check_value("{}", "States.Base64Decode('4pyT')", "\"\xE2\x9C\x93\"");
	check_value("{}", "States.Base64Decode('44GT44KT44Gr44Gh44Gv')",
		    "\"\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF\"");
	check_value("{\"s\":\"hello\"}", "States.Base64Decode(States.Base64Encode($.s))",
		    "\"hello\"");
	check_value("{\"b64\":\"aGVsbG8=\"}",
		    "States.Base64Decode(States.Format('{}', $.b64))", "\"hello\"");
}

/* AWS decodes leniently: what is not in the alphabet is skipped, '='
 * ends the data, a short last group still counts, and bytes that are not
 * UTF-8 become U+FFFD. */
static void test_base64_decode_lenient(void **state)
{
	check_value("{}", "States.Base64Decode('abc')", "\"i\xEF\xBF\xBD\"");
	check_value("{}", "States.Base64Decode('QQ')", "\"A\"");
	check_value("{}", "States.Base64Decode('Q')", "\"\"");
	check_value("{}", "States.Base64Decode('ab==cd')", "\"i\"");
	check_value("{}", "States.Base64Decode(' YWJjZA== ')", "\"abcd\"");
	check_value("{}", "States.Base64Decode('YW Jj\tZA==')", "\"abcd\"");
	check_value("{}", "States.Base64Decode('!!!invalid!!!')",
		    "\"\xEF\xBF\xBD{\xDA\x96'\"");
	check_value("{}", "States.Base64Decode('/w==')", "\"\xEF\xBF\xBD\"");
	check_value("{}", "States.Base64Decode('gA==')", "\"\xEF\xBF\xBD\"");
	check_value("{}", "States.Base64Decode('wA==')", "\"\xEF\xBF\xBD\"");
	/* A truncated sequence is one U+FFFD; the next byte starts afresh. */
	check_value("{}", "States.Base64Decode('4pw=')", "\"\xEF\xBF\xBD\"");
	check_value("{}", "States.Base64Decode('4kE=')", "\"\xEF\xBF\xBD" "A\"");
	check_value("{}", "States.Base64Decode('7aCA')", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
	check_error("{\"s\":\"YWJjAGRlZg==\"}", "States.Base64Decode($.s)",
		    "Invalid arguments in States.Base64Decode: the decoded text "
		    "contains a NUL character, which steplocal cannot represent");
	check_error("{\"o\":{}}", "States.Base64Decode($.o)",
		    "Invalid arguments in States.Base64Decode: argument 1 must be a "
		    "string, not an object");
}

static void test_hash(void **state)
{
	const char *in = "{\"Data\":\"input data\"}";

	check_value(in, "States.Hash($.Data, 'MD5')", "\"812f45842bc6d66ee14572ce20db8e86\"");
	check_value(in, "States.Hash($.Data, 'SHA-1')",
		    "\"aaff4a450a104cd177d28d18d74485e8cae074b7\"");
	check_value(in, "States.Hash($.Data, 'SHA-256')",
		    "\"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3\"");
	check_value(in, "States.Hash($.Data, 'SHA-384')",
		    "\"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b"
		    "87525bdc835ebb27e1fb9e9374a15562\"");
	check_value(in, "States.Hash($.Data, 'SHA-512')",
		    "\"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce"
		    "2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4\"");
	check_value("{\"Data\":\"input data\",\"Algorithm\":\"SHA-1\"}",
		    "States.Hash($.Data, $.Algorithm)",
		    "\"aaff4a450a104cd177d28d18d74485e8cae074b7\"");
	check_value("{}", "States.Hash('', 'MD5')", "\"d41d8cd98f00b204e9800998ecf8427e\"");
	/* Unicode is hashed as its UTF-8 bytes. */
	check_value("{}", "States.Hash('h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 "
		    "\xF0\x9F\x98\x80', 'SHA-256')",
		    "\"23e0a0c5e66366c058e29407717008da83f9004340e71ff074bb24bd4b80eb2a\"");
	check_error(in, "States.Hash($.Data, 'SHA-999')",
		    "Invalid arguments in States.Hash: 'SHA-999' is not a supported "
		    "hash algorithm (use MD5, SHA-1, SHA-256, SHA-384 or SHA-512)");
	check_error(in, "States.Hash($.Data, 'sha-256')",
		    "Invalid arguments in States.Hash: 'sha-256' is not a supported "
		    "hash algorithm (use MD5, SHA-1, SHA-256, SHA-384 or SHA-512)");
	check_error(in, "States.Hash($.Data, 'SHA256')",
		    "Invalid arguments in States.Hash: 'SHA256' is not a supported "
		    "hash algorithm (use MD5, SHA-1, SHA-256, SHA-384 or SHA-512)");
	check_error("{\"d\":{\"a\":1}}", "States.Hash($.d, 'MD5')",
		    "Invalid arguments in States.Hash: argument 1 must be a string, "
		    "not an object");
}

static void test_json_merge(void **state)
{
	const char *in = "{\"json1\":{\"a\":{\"a1\":1,\"a2\":2},\"b\":2},"
			 "\"json2\":{\"a\":{\"a3\":1,\"a4\":2},\"c\":3}}";

	/* The AWS documentation's example: the merge is shallow. */
	check_value(in, "States.JsonMerge($.json1, $.json2, false)",
		    "{\"a\":{\"a3\":1,\"a4\":2},\"b\":2,\"c\":3}");
	/* Replaced members keep their place; new ones follow. */
	check_value("{\"fst\":{\"a\":{\"a1\":1,\"a2\":2},\"b\":2,\"d\":3},"
		    "\"snd\":{\"a\":{\"a3\":1,\"a4\":2},\"c\":3,\"d\":4}}",
		    "States.JsonMerge($.fst, $.snd, false)",
		    "{\"a\":{\"a3\":1,\"a4\":2},\"b\":2,\"d\":4,\"c\":3}");
	check_value("{\"e\":{},\"o\":{\"x\":1}}", "States.JsonMerge($.e, $.o, false)",
		    "{\"x\":1}");
	check_value("{\"o\":{\"x\":1}}", "States.JsonMerge($.o, $.o, false)", "{\"x\":1}");
	check_value("{\"o\":{\"x\":1},\"s\":\"{\\\"y\\\":2}\"}",
		    "States.JsonMerge($.o, States.StringToJson($.s), false)",
		    "{\"x\":1,\"y\":2}");
	check_error(in, "States.JsonMerge($.json1, $.json2, true)",
		    "Invalid arguments in States.JsonMerge: the third argument must "
		    "be false: only a shallow merge is supported");
	check_error("{\"a\":[1],\"b\":{}}", "States.JsonMerge($.a, $.b, false)",
		    "Invalid arguments in States.JsonMerge: argument 1 must be an "
		    "object, not an array");
	check_error("{\"a\":{},\"b\":\"x\"}", "States.JsonMerge($.a, $.b, false)",
		    "Invalid arguments in States.JsonMerge: argument 2 must be an "
		    "object, not a string");
	check_error("{\"a\":{},\"f\":\"false\"}", "States.JsonMerge($.a, $.a, $.f)",
		    "Invalid arguments in States.JsonMerge: argument 3 must be a "
		    "boolean, not a string");
}

/* The input of a call is never changed, whatever the function moves. */
static void test_input_untouched(void **state)
{
	const char *json = "{\"o\":{\"x\":1},\"p\":{\"y\":2},\"a\":[[1],[2]]}";
	cJSON *in = parse(json);
	char *after;

	value_on(in, "States.JsonMerge($.o, $.p, false)", "{\"x\":1,\"y\":2}",
		 __FILE__, __LINE__);
	value_on(in, "States.ArrayGetItem($.a, 1)", "[2]", __FILE__, __LINE__);
	value_on(in, "States.Array($.o, $.a)", "[{\"x\":1},[[1],[2]]]", __FILE__, __LINE__);
	value_on(in, "States.ArrayPartition($.a, 1)", "[[[1]],[[2]]]", __FILE__, __LINE__);
	value_on(in, "States.ArrayUnique($.a)", "[[1],[2]]", __FILE__, __LINE__);
	after = js_print(in);
	assert_string_equal(after, json);
	free(after);
	cJSON_Delete(in);
}

static void test_math_random(void **state)
{
	cJSON *in = cJSON_CreateObject();
	aslerr err = { 0 };
	int seen[3] = { 0 }, i;

	for (i = 0; i < MATH_RANDOM_DRAWS; i++) {
		cJSON *v = run("States.MathRandom(5, 8)", in, &err, __FILE__, __LINE__);

		assert_non_null(v);
		assert_true(v->valuedouble >= 5 && v->valuedouble < 8);
		assert_true(v->valuedouble == (int)v->valuedouble);
		seen[(int)v->valuedouble - 5] = 1;
		cJSON_Delete(v);
	}
	assert_true(seen[0] && seen[1] && seen[2]);
	cJSON_Delete(in);
	/* A seed gives java.util.Random's draws: new Random(seed).nextInt(end - start) + start. */
	check_value("{\"fst\":0,\"snd\":999,\"trd\":3}",
		    "States.MathRandom($.fst, $.snd, $.trd)", "239");
	check_value("{}", "States.MathRandom(0, 10, 42)", "0");
	check_value("{}", "States.MathRandom(0, 1024, 7)", "748");
	check_value("{}", "States.MathRandom(10, 100, -5)", "31");
	check_value("{}", "States.MathRandom(0, 999, 3.9)", "239");
	check_value("{}", "States.MathRandom(4, 5)", "4");
	/* AWS truncates the bounds: (1.4, 1.6) is the empty range [1, 1). */
	check_error("{}", "States.MathRandom(1.4, 1.6)",
		    "Invalid arguments in States.MathRandom: the start (1) must be "
		    "less than the end (1)");
	check_error("{}", "States.MathRandom(5, 5)",
		    "Invalid arguments in States.MathRandom: the start (5) must be "
		    "less than the end (5)");
	check_error("{}", "States.MathRandom(9, 1)",
		    "Invalid arguments in States.MathRandom: the start (9) must be "
		    "less than the end (1)");
	check_error("{}", "States.MathRandom(0, 3000000000)",
		    "Invalid arguments in States.MathRandom: 3000000000 is outside "
		    "the integer range -2147483648 to 2147483647");
	check_error("{}", "States.MathRandom(-2147483648, 2147483647)",
		    "Invalid arguments in States.MathRandom: the range from start to "
		    "end is larger than 2147483647");
	check_error("{\"s\":\"1\"}", "States.MathRandom($.s, 5)",
		    "Invalid arguments in States.MathRandom: argument 1 must be a "
		    "number, not a string");
}

static void test_math_add(void **state)
{
	check_value("{\"value1\":111,\"step\":-1}", "States.MathAdd($.value1, $.step)", "110");
	check_value("{}", "States.MathAdd(-9, 3)", "-6");
	/* AWS rounds as Java's Math.round: halves go up. */
	check_value("{}", "States.MathAdd(1.49, 1.50)", "3");
	check_value("{}", "States.MathAdd(1.50, 1.51)", "4");
	check_value("{}", "States.MathAdd(-1.49, -1.50)", "-2");
	check_value("{}", "States.MathAdd(-1.50, -1.51)", "-3");
	check_value("{}", "States.MathAdd(1.49, -1.49)", "0");
	check_value("{}", "States.MathAdd(0.5, 0)", "1");
	check_value("{}", "States.MathAdd(2.5, 0)", "3");
	check_value("{}", "States.MathAdd(-0.5, 0.5)", "1");
	check_value("{}", "States.MathAdd(-0.5, 0)", "0");
	check_value("{}", "States.MathAdd(-1.5, 0)", "-1");
	check_value("{}", "States.MathAdd(-2.5, 0)", "-2");
	check_value("{}", "States.MathAdd(-3.5, 0)", "-3");
	check_value("{}", "States.MathAdd(2147483646, 1)", "2147483647");
	check_value("{}", "States.MathAdd(-2147483648, 0)", "-2147483648");
	check_value("{}", "States.MathAdd(States.MathAdd(1, 2), States.ArrayLength(States.Array(1)))", "4");
	check_error("{\"firstNumber\":1,\"secondNumber\":\"NOT A NUMBER\"}",
		    "States.MathAdd($.firstNumber, $.secondNumber)",
		    "Invalid arguments in States.MathAdd: argument 2 must be a "
		    "number, not a string");
	check_error("{}", "States.MathAdd(2147483647, 1)",
		    "Invalid arguments in States.MathAdd: the sum 2147483648 is "
		    "outside the integer range -2147483648 to 2147483647");
	check_error("{}", "States.MathAdd(2147483648, -1)",
		    "Invalid arguments in States.MathAdd: 2147483648 is outside the "
		    "integer range -2147483648 to 2147483647");
	check_error("{}", "States.MathAdd(0, -2147483648.6)",
		    "Invalid arguments in States.MathAdd: -2147483648.6 is outside "
		    "the integer range -2147483648 to 2147483647");
}

static void test_string_split(void **state)
{
	check_value("{\"inputString\":\"1,2,3,4,5\",\"splitter\":\",\"}",
		    "States.StringSplit($.inputString, $.splitter)",
		    "[\"1\",\"2\",\"3\",\"4\",\"5\"]");
	/* Every character of the second argument is a delimiter. */
	check_value("{\"inputString\":\"This.is+a,test=string\",\"splitter\":\".+,=\"}",
		    "States.StringSplit($.inputString, $.splitter)",
		    "[\"This\",\"is\",\"a\",\"test\",\"string\"]");
	/* Empty pieces are dropped. */
	check_value("{}", "States.StringSplit(',,a,,b,', ',')", "[\"a\",\"b\"]");
	check_value("{}", "States.StringSplit('', ',')", "[]");
	check_value("{}", "States.StringSplit(',,,', ',')", "[]");
	check_value("{}", "States.StringSplit('abc', '')", "[\"abc\"]");
	check_value("{}", "States.StringSplit('abc', 'x')", "[\"abc\"]");
	check_value("{}", "States.StringSplit('a b\tc', ' \t')", "[\"a\",\"b\",\"c\"]");
	/* Delimiters are characters, not bytes. */
	check_value("{}", "States.StringSplit('a\xE2\x9C\x93" "b\xE2\x9C\x94" "c', '\xE2\x9C\x93')",
		    "[\"a\",\"b\xE2\x9C\x94" "c\"]");
	check_value("{}", "States.StringSplit('x\\{y\\}z', '\\{\\}')",
		    "[\"x\",\"y\",\"z\"]");
	check_error("{\"n\":5}", "States.StringSplit($.n, ',')",
		    "Invalid arguments in States.StringSplit: argument 1 must be a "
		    "string, not a number");
	check_error("{\"n\":5}", "States.StringSplit('a', $.n)",
		    "Invalid arguments in States.StringSplit: argument 2 must be a "
		    "string, not a number");
}

static int is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void test_uuid(void **state)
{
	cJSON *in = cJSON_CreateObject();
	aslerr err = { 0 };
	cJSON *a = run("States.UUID()", in, &err, __FILE__, __LINE__);
	cJSON *b = run("States.UUID()", in, &err, __FILE__, __LINE__);
	const char *s;
	int i;

	assert_non_null(a);
	assert_non_null(b);
	assert_true(cJSON_IsString(a));
	s = a->valuestring;
	assert_int_equal(strlen(s), UUID_TEXT_LEN);
	for (i = 0; i < UUID_TEXT_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(s[i], '-');
		else
			assert_true(is_hex_lower(s[i]));
	}
	assert_int_equal(s[14], '4');                         /* version 4 */
	assert_non_null(strchr("89ab", s[19]));               /* RFC 4122 variant */
	assert_string_not_equal(a->valuestring, b->valuestring);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(in);
	check_value("{}", "States.ArrayLength(States.StringSplit(States.UUID(), '-'))", "5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_looks_like),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_arity),
		cmocka_unit_test(test_literal_types),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_missing_paths),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_string_to_json),
		cmocka_unit_test(test_json_to_string),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_array_partition),
		cmocka_unit_test(test_array_contains),
		cmocka_unit_test(test_array_range),
		cmocka_unit_test(test_array_range_limit),
		cmocka_unit_test(test_array_get_item),
		cmocka_unit_test(test_array_length),
		cmocka_unit_test(test_array_unique),
		cmocka_unit_test(test_array_unique_large),
		cmocka_unit_test(test_base64_encode),
		cmocka_unit_test(test_string_limits),
		cmocka_unit_test(test_base64_decode),
		cmocka_unit_test(test_base64_decode_lenient),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_json_merge),
		cmocka_unit_test(test_input_untouched),
		cmocka_unit_test(test_math_random),
		cmocka_unit_test(test_math_add),
		cmocka_unit_test(test_string_split),
		cmocka_unit_test(test_uuid),
	};

	xalloc_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}
