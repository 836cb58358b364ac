/* test_jpath.c - unit tests of the JSONPath compiler and evaluator (orchestrator/jpath.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpath.h"
#include "json.h"
#include "limits.h"
#include "xalloc.h"

/* The reference semantics are Jayway JsonPath's, which AWS Step Functions
 * uses for JSONPath-mode paths.  Where a test pins down a Jayway quirk, the
 * comment says where Jayway's behaviour was recorded:
 * cburgmer/json-path-comparison (bug_reports/Java_com.jayway.jsonpath.md)
 * runs Jayway on each query and records its actual output. */

/* The context object and the variables every test evaluates against, and
 * how often each callback ran (to check that roots are fetched lazily). */
static cJSON *g_context;
static cJSON *g_vars;
static int g_context_calls;
static int g_var_calls;
static char g_last_var[64];

static const cJSON *context_of(void *ud)
{
	g_context_calls++;
	return g_context;
}

static const cJSON *var_of(void *ud, const char *name)
{
	g_var_calls++;
	snprintf(g_last_var, sizeof g_last_var, "%s", name);
	return js_get(g_vars, name);
}

static cJSON *parse_(const char *json, const char *file, int line)
{
	cJSON *v = js_parse(json, strlen(json), NULL);

	if (!v) {
		print_error("test JSON does not parse: %s\n", json);
		_fail(file, line);
	}
	return v;
}
#define parse(json) parse_(json, __FILE__, __LINE__)

/* Compiles text with flags, failing the test (with the message) if it does
 * not compile.  Returns the owned path. */
static jpath *compile_(const char *text, int flags, const char *file, int line)
{
	char *err = NULL;
	jpath *p = jp_compile(text, flags, &err);

	if (!p) {
		print_error("'%s' (flags %d) does not compile: %s\n", text, flags,
			    err ? err : "(no message)");
		free(err);
		_fail(file, line);
	}
	_assert_true(err == NULL, "err == NULL on success", file, line);
	return p;
}
#define compile(text, flags) compile_(text, flags, __FILE__, __LINE__)

/* Asserts that text does not compile with flags, and that the message
 * contains each of the NULL-terminated fragments. */
static void compile_error_(const char *text, int flags, const char *file,
			   int line, ...)
{
	char *err = (char *)"sentinel";
	jpath *p = jp_compile(text, flags, &err);
	const char *frag;
	va_list ap;

	if (p) {
		print_error("'%s' (flags %d) compiled, as '%s'\n", text, flags,
			    jp_normalized(p));
		jp_free(p);
		_fail(file, line);
	}
	if (!err || strcmp(err, "sentinel") == 0) {
		print_error("'%s': no error message\n", text);
		_fail(file, line);
	}
	va_start(ap, line);
	while ((frag = va_arg(ap, const char *))) {
		if (!strstr(err, frag)) {
			print_error("'%s': message \"%s\" does not mention \"%s\"\n",
				    text, err, frag);
			free(err);
			va_end(ap);
			_fail(file, line);
		}
	}
	va_end(ap);
	free(err);
}
#define check_compile_error(text, flags, ...) \
	compile_error_(text, flags, __FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)

static jp_env env_for(const cJSON *input)
{
	jp_env env = { input, context_of, var_of, NULL };

	return env;
}

/* Evaluates path (compiled with flags) on input (JSON text) and asserts the
 * result: `want` is the expected JSON text, or NULL when nothing must match
 * (jp_eval returns -1).  Also checks that jp_eval_copy agrees. */
static void eval_(const char *path, int flags, const char *input,
		  const char *want, const char *file, int line)
{
	jpath *p = compile_(path, flags, file, line);
	cJSON *in = parse_(input, file, line);
	jp_env env = env_for(in);
	const cJSON *out = NULL;
	cJSON *copy, *w;
	int owned = -1, rc;

	rc = jp_eval(p, &env, &out, &owned);
	copy = jp_eval_copy(p, &env);
	if (!want) {
		if (rc != -1 || copy) {
			char *s = copy ? js_print(copy) : xstrdup("(null)");

			print_error("'%s' on %s: expected no match, got rc %d, %s\n",
				    path, input, rc, s);
			free(s);
			if (owned == 1)
				cJSON_Delete((cJSON *)out);
			cJSON_Delete(copy);
			jp_free(p);
			cJSON_Delete(in);
			_fail(file, line);
		}
		_assert_true(out == NULL, "out == NULL without a match", file, line);
		_assert_int_equal(owned, 0, file, line);
	} else {
		w = parse_(want, file, line);
		if (rc != 0 || !js_equal(out, w) || !js_equal(copy, w)) {
			char *s = out ? js_print(out) : xstrdup("(null)");

			print_error("'%s' on %s:\n  expected %s\n  got      %s (rc %d)\n",
				    path, input, want, s, rc);
			free(s);
			cJSON_Delete(w);
			if (owned == 1)
				cJSON_Delete((cJSON *)out);
			cJSON_Delete(copy);
			jp_free(p);
			cJSON_Delete(in);
			_fail(file, line);
		}
		cJSON_Delete(w);
		/* A definite path borrows from the input; an indefinite one
		 * returns a new array. */
		_assert_int_equal(owned, !jp_definite(p), file, line);
		_assert_true(copy != out, "jp_eval_copy returns a copy", file, line);
	}
	if (owned == 1)
		cJSON_Delete((cJSON *)out);
	cJSON_Delete(copy);
	jp_free(p);
	cJSON_Delete(in);
}
#define check_eval(path, input, want) eval_(path, 0, input, want, __FILE__, __LINE__)
#define check_eval_flags(path, flags, input, want) \
	eval_(path, flags, input, want, __FILE__, __LINE__)

/* Like check_eval, through jp_eval_copy only (for results that are built,
 * not selected). */
static void eval_copy_(const char *path, const char *input, const char *want,
		       const char *file, int line)
{
	jpath *p = compile_(path, 0, file, line);
	cJSON *in = parse_(input, file, line), *w = parse_(want, file, line);
	jp_env env = env_for(in);
	cJSON *got = jp_eval_copy(p, &env);
	int ok = js_equal(got, w);

	if (!ok) {
		char *s = got ? js_print(got) : xstrdup("(null)");

		print_error("'%s' on %s:\n  expected %s\n  got      %s\n", path, input, want, s);
		free(s);
	}
	cJSON_Delete(got);
	cJSON_Delete(w);
	cJSON_Delete(in);
	jp_free(p);
	if (!ok)
		_fail(file, line);
}
#define check_eval_copy(path, input, want) eval_copy_(path, input, want, __FILE__, __LINE__)

static void normalized_(const char *path, const char *want, const char *file, int line)
{
	jpath *p = compile_(path, 0, file, line);

	_assert_string_equal(jp_normalized(p), want, file, line);
	jp_free(p);
}
#define check_normalized(path, want) normalized_(path, want, __FILE__, __LINE__)

static void definite_(const char *path, int want, int steps, const char *file, int line)
{
	jpath *p = compile_(path, 0, file, line);

	if (jp_definite(p) != want) {
		print_error("'%s': jp_definite is %d, expected %d\n", path,
			    jp_definite(p), want);
		jp_free(p);
		_fail(file, line);
	}
	_assert_int_equal(jp_steps(p), steps, file, line);
	_assert_string_equal(jp_text(p), path, file, line);
	jp_free(p);
}
#define check_definite(path, steps) definite_(path, 1, steps, __FILE__, __LINE__)
#define check_indefinite(path, steps) definite_(path, 0, steps, __FILE__, __LINE__)

/* Runs jp_assign(path, root, value) and checks the return code and the
 * resulting root (JSON text).  With want_rc -1 the root must be the same
 * tree, untouched. */
static void assign_(const char *path, const char *root_json, const char *value_json,
		    int want_rc, const char *want_json, const char *file, int line)
{
	jpath *p = compile_(path, JP_REFERENCE | JP_NO_CONTEXT, file, line);
	cJSON *root = parse_(root_json, file, line);
	cJSON *before = root;
	cJSON *want = parse_(want_json, file, line);
	int rc = jp_assign(p, &root, parse_(value_json, file, line));

	if (rc != want_rc || !js_equal(root, want)) {
		char *s = js_print(root);

		print_error("assign '%s' = %s in %s:\n  expected rc %d, %s\n"
			    "  got      rc %d, %s\n", path, value_json, root_json,
			    want_rc, want_json, rc, s);
		free(s);
		cJSON_Delete(root);
		cJSON_Delete(want);
		jp_free(p);
		_fail(file, line);
	}
	if (want_rc == -1)
		_assert_true(root == before, "root pointer unchanged on failure", file, line);
	cJSON_Delete(root);
	cJSON_Delete(want);
	jp_free(p);
}
#define check_assign(path, root, value, want) \
	assign_(path, root, value, 0, want, __FILE__, __LINE__)
#define check_assign_fails(path, root, value) \
	assign_(path, root, value, -1, root, __FILE__, __LINE__)

static int setup(void **state)
{
	g_context = parse("{\"Execution\":{\"Id\":\"arn:exec\",\"Input\":{\"k\":1}},"
			  "\"State\":{\"Name\":\"S\",\"RetryCount\":0},"
			  "\"Map\":{\"Item\":{\"Index\":2,\"Value\":\"v\"}}}");
	g_vars = parse("{\"myVar\":{\"n\":5,\"list\":[1,2,3]},\"limit\":10,"
		       "\"_under\":\"u\",\"nothing\":null}");
	return 0;
}

static int teardown(void **state)
{
	cJSON_Delete(g_context);
	cJSON_Delete(g_vars);
	return 0;
}

/* ---- compiling ---- */

static void test_compile_errors_name_the_problem(void **state)
{
	/* Every message quotes the path, and says what is wrong. */
	check_compile_error("", 0, "'$'");
	check_compile_error("a.b", 0, "'$'", "a.b");
	check_compile_error("@.a", 0, "'$'");
	check_compile_error("$.", 0, "name", "'$.'");
	check_compile_error("$.a.", 0, "name", "'$.a.'");
	check_compile_error("$..", 0, "name");
	check_compile_error("$.a..", 0, "name");
	check_compile_error("$...a", 0, "'$...a'");
	check_compile_error("$['a", 0, "unterminated", "'$['a'");
	check_compile_error("$[\"a", 0, "unterminated");
	check_compile_error("$['a'", 0, "']'");
	check_compile_error("$['a' 'b']", 0, "']'");
	check_compile_error("$[1", 0, "']'", "'$[1'");
	check_compile_error("$[", 0, "'$['");
	check_compile_error("$[]", 0, "index");
	check_compile_error("$[x]", 0, "'$[x]'");
	check_compile_error("$[1,]", 0, "integer");
	check_compile_error("$[*", 0, "']'");
	check_compile_error("$[?(@.a == 1]", 0, "')]'");
	check_compile_error("$[?@.a == 1]", 0, "'('");
	check_compile_error("$[?(@.a == )]", 0, "literal");
	check_compile_error("$[?(1)]", 0, "literal");
	check_compile_error("$[?(@.a == 'x)]", 0, "unterminated");
	check_compile_error("$ .a", 0, "unexpected character", "position 1");
}

static void test_compile_overlong_path(void **state)
{
	size_t n = SL_MAX_PATH_LEN + 1;
	char *text = xmalloc(n + 1);
	char *err = NULL;

	memset(text, 'a', n);
	text[0] = '$';
	text[1] = '.';
	text[n] = '\0';
	assert_null(jp_compile(text, 0, &err));
	assert_non_null(err);
	assert_non_null(strstr(err, "longer than"));
	free(err);
	free(text);
}

/* Jayway refuses a blank in a dot-notation name ("Use bracket notion
 * ['my prop'] if your property contains blank characters"), and AWS's
 * docs say such names need the bracket notation. */
static void test_compile_blank_in_dotted_name(void **state)
{
	check_compile_error("$.a b", 0, "'$.a b'");
	check_compile_error("$.first name.x", 0, "'$.first name.x'");
}

static void test_definite_and_indefinite(void **state)
{
	check_definite("$", 0);
	check_definite("$.a", 1);
	check_definite("$.a.b.c", 3);
	check_definite("$['a']", 1);
	check_definite("$[\"a\"]", 1);
	check_definite("$[0]", 1);
	check_definite("$[-1]", 1);
	check_definite("$.a[0].b", 3);
	check_definite("$['a b'][2]['c']", 3);
	check_definite("$$", 0);
	check_definite("$$.Execution.Id", 2);
	check_definite("$myVar", 0);
	check_definite("$myVar.n", 1);

	check_indefinite("$[*]", 1);
	check_indefinite("$.*", 1);
	check_indefinite("$.a[*].b", 3);
	check_indefinite("$..a", 1);
	check_indefinite("$..*", 1);
	check_indefinite("$[0,1]", 1);
	check_indefinite("$[1:2]", 1);
	check_indefinite("$[:2]", 1);
	check_indefinite("$[-2:]", 1);
	check_indefinite("$.a[?(@.b)]", 2);
	check_indefinite("$$.Execution[*]", 2);
	check_indefinite("$myVar.list[*]", 2);
}

static void test_roots_and_accessors(void **state)
{
	jpath *p;

	p = compile("$.a", 0);
	assert_int_equal(jp_root(p), JP_ROOT_INPUT);
	assert_null(jp_var_name(p));
	jp_free(p);

	p = compile("$$.State.Name", 0);
	assert_int_equal(jp_root(p), JP_ROOT_CONTEXT);
	assert_null(jp_var_name(p));
	assert_int_equal(jp_steps(p), 2);
	jp_free(p);

	p = compile("$$", 0);
	assert_int_equal(jp_root(p), JP_ROOT_CONTEXT);
	assert_int_equal(jp_steps(p), 0);
	jp_free(p);

	p = compile("$myVar.list[0]", 0);
	assert_int_equal(jp_root(p), JP_ROOT_VAR);
	assert_string_equal(jp_var_name(p), "myVar");
	assert_int_equal(jp_steps(p), 2);
	assert_string_equal(jp_text(p), "$myVar.list[0]");
	jp_free(p);

	p = compile("$_under", 0);
	assert_int_equal(jp_root(p), JP_ROOT_VAR);
	assert_string_equal(jp_var_name(p), "_under");
	assert_int_equal(jp_steps(p), 0);
	jp_free(p);

	p = compile("$var2['x y']", 0);
	assert_int_equal(jp_root(p), JP_ROOT_VAR);
	assert_string_equal(jp_var_name(p), "var2");
	jp_free(p);
}

static void test_flags(void **state)
{
	jpath *p;

	/* JP_REFERENCE: definite paths on $ or $$ only. */
	p = compile("$.a.b[0]", JP_REFERENCE);
	jp_free(p);
	p = compile("$", JP_REFERENCE);
	jp_free(p);
	p = compile("$$.Execution.Id", JP_REFERENCE);
	jp_free(p);
	check_compile_error("$.a[*]", JP_REFERENCE, "only names and single indices", "'$.a[*]'");
	check_compile_error("$..a", JP_REFERENCE, "only names and single indices");
	check_compile_error("$.a[0,1]", JP_REFERENCE, "only names and single indices");
	check_compile_error("$.a[1:2]", JP_REFERENCE, "only names and single indices");
	check_compile_error("$.a[?(@.b)]", JP_REFERENCE, "only names and single indices");
	check_compile_error("$.*", JP_REFERENCE, "only names and single indices");
	/* Reference paths may start at a variable unless JP_NO_VARS says not. */
	p = compile("$myVar.n", JP_REFERENCE);
	jp_free(p);
	check_compile_error("$myVar", JP_REFERENCE | JP_NO_VARS, "variable");
	check_compile_error("$myVar.n", JP_REFERENCE | JP_NO_VARS, "variable");

	/* JP_NO_CONTEXT: $$ refused, $ fine. */
	p = compile("$.a", JP_REFERENCE | JP_NO_CONTEXT);
	jp_free(p);
	check_compile_error("$$", JP_NO_CONTEXT, "'$$'");
	check_compile_error("$$.Execution.Id", JP_REFERENCE | JP_NO_CONTEXT, "'$$'");
	check_compile_error("$.a[?(@.b == $$.x)]", JP_NO_CONTEXT, "'$$'");

	/* JP_NO_VARS: $name refused, $ and $$ fine. */
	p = compile("$$.State.Name", JP_NO_VARS);
	jp_free(p);
	p = compile("$[*]", JP_NO_VARS);
	jp_free(p);
	check_compile_error("$myVar", JP_NO_VARS, "variable");
	check_compile_error("$.a[?(@.b == $limit)]", JP_NO_VARS, "variable");

	/* Without flags, all three roots are fine. */
	p = compile("$.a[?(@.b == $limit && @.c == $$.State.Name)]", 0);
	jp_free(p);
}

/* ---- jp_normalized: Jayway's bracket form, as AWS quotes it ---- */

static void test_normalized(void **state)
{
	check_normalized("$", "$");
	check_normalized("$.a", "$['a']");
	check_normalized("$.a.b[0]", "$['a']['b'][0]");
	check_normalized("$['a']['b'][0]", "$['a']['b'][0]");
	check_normalized("$.Payload", "$['Payload']");
	check_normalized("$['a b'].c", "$['a b']['c']");
	check_normalized("$['a.b']", "$['a.b']");
	check_normalized("$[-1]", "$[-1]");
	check_normalized("$.a[*]", "$['a'][*]");
	check_normalized("$.a.*", "$['a'][*]");
	check_normalized("$..a", "$..['a']");
	check_normalized("$..*", "$..[*]");
	check_normalized("$[0,2]", "$[0,2]");
	check_normalized("$['a','b']", "$['a','b']");
	check_normalized("$[1:3]", "$[1:3]");
	check_normalized("$[:2]", "$[:2]");
	check_normalized("$[-2:]", "$[-2:]");
	check_normalized("$.a[?(@.b > 1)]", "$['a'][?]");
	check_normalized("$$.Execution.Id", "$$['Execution']['Id']");
	check_normalized("$$", "$$");
	check_normalized("$myVar.n", "$myVar['n']");
}

/* ---- evaluation: names ---- */

static void test_names(void **state)
{
	const char *in = "{\"a\":{\"b\":{\"c\":3}},\"x\":null,\"f\":false,"
			 "\"a.b\":\"dotted\",\"a b\":\"spaced\",\"it's\":\"q\","
			 "\"\":\"empty\",\"a-b\":\"dash\",\"0\":\"zero\"}";

	check_eval("$", "{\"k\":1}", "{\"k\":1}");
	check_eval("$", "[1,2]", "[1,2]");
	check_eval("$", "\"s\"", "\"s\"");
	check_eval("$.a", in, "{\"b\":{\"c\":3}}");
	check_eval("$.a.b.c", in, "3");
	check_eval("$['a']['b']['c']", in, "3");
	check_eval("$[\"a\"][\"b\"]", in, "{\"c\":3}");
	check_eval("$.a['b'].c", in, "3");
	check_eval("$['a.b']", in, "\"dotted\"");
	check_eval("$['a b']", in, "\"spaced\"");
	check_eval("$[\"a b\"]", in, "\"spaced\"");
	check_eval("$[ 'a b' ]", in, "\"spaced\"");
	check_eval("$['it\\'s']", in, "\"q\"");
	check_eval("$[\"it's\"]", in, "\"q\"");
	check_eval("$['']", in, "\"empty\"");
	check_eval("$.a-b", in, "\"dash\"");
	check_eval("$['0']", in, "\"zero\"");
	/* Present but null or false is a match. */
	check_eval("$.x", in, "null");
	check_eval("$.f", in, "false");
	/* Missing: a definite path matches nothing. */
	check_eval("$.missing", in, NULL);
	check_eval("$.a.missing", in, NULL);
	check_eval("$.missing.deeper", in, NULL);
	check_eval("$.a.b.c.d", in, NULL);
	check_eval("$.x.y", in, NULL);
	/* Names are case-sensitive. */
	check_eval("$.A", in, NULL);
	/* A name on an array or a scalar matches nothing. */
	check_eval("$.a", "[1]", NULL);
	check_eval("$.length", "\"abc\"", NULL);
}

/* AWS's docs write a bracketed name after a dot: $.abc.['def ghi'].
 * Jayway reads the token after '.' as any token, so this is valid. */
static void test_dot_then_bracket(void **state)
{
	check_eval("$.abc.['def ghi']", "{\"abc\":{\"def ghi\":1}}", "1");
	check_eval("$.a.[0]", "{\"a\":[7]}", "7");
}

/* ---- evaluation: indices ---- */

static void test_indices(void **state)
{
	const char *in = "{\"a\":[10,11,12,13],\"o\":{\"0\":\"zero\"},\"m\":[[1,2],[3,4]]}";

	check_eval("$.a[0]", in, "10");
	check_eval("$.a[3]", in, "13");
	check_eval("$.a[ 1 ]", in, "11");
	check_eval("$.a[4]", in, NULL);
	check_eval("$.a[-1]", in, "13");
	check_eval("$.a[-4]", in, "10");
	check_eval("$.a[-5]", in, NULL);
	check_eval("$.m[1][0]", in, "3");
	check_eval("$.m[-1][-1]", in, "4");
	check_eval("$[0]", "[\"first\"]", "\"first\"");
	/* An index on an object or a scalar matches nothing. */
	check_eval("$.o[0]", in, NULL);
	check_eval("$.a[0][0]", in, NULL);
	check_eval("$[0]", "{}", NULL);
}

/* ---- evaluation: wildcard ---- */

static void test_wildcard(void **state)
{
	const char *in = "{\"a\":[{\"t\":1},{\"t\":2},{\"u\":3}],\"o\":{\"x\":1,\"y\":[2]},"
			 "\"s\":\"str\",\"e\":[],\"eo\":{}}";

	check_eval("$.a[*]", in, "[{\"t\":1},{\"t\":2},{\"u\":3}]");
	check_eval("$.a[ * ]", in, "[{\"t\":1},{\"t\":2},{\"u\":3}]");
	check_eval("$.a.*", in, "[{\"t\":1},{\"t\":2},{\"u\":3}]");
	/* Members of an object, in document order. */
	check_eval("$.o.*", in, "[1,[2]]");
	check_eval("$.o[*]", in, "[1,[2]]");
	check_eval("$.a[*].t", in, "[1,2]");
	check_eval("$[*][*]", "[[1,2],[3],[]]", "[1,2,3]");
	/* The ResultSelector idiom from AWS's docs: flatten an array of arrays. */
	check_eval("$[*][*]", "[[{\"a\":1}],[{\"b\":2},{\"c\":3}]]",
		   "[{\"a\":1},{\"b\":2},{\"c\":3}]");
	/* Nothing to expand: an empty array, never a failure. */
	check_eval("$.s[*]", in, "[]");
	check_eval("$.e[*]", in, "[]");
	check_eval("$.eo.*", in, "[]");
	check_eval("$.a[*].missing", in, "[]");
	check_eval("$.*", "7", "[]");
}

/* ---- evaluation: deep scan ---- */

static void test_deep_scan(void **state)
{
	const char *store =
		"{\"store\":{\"book\":[{\"title\":\"A\",\"price\":8},"
		"{\"title\":\"B\",\"price\":12,\"isbn\":\"1\"}],"
		"\"bicycle\":{\"color\":\"red\",\"price\":20}},\"price\":1}";

	/* Pre-order, document order: a node's own member before those of
	 * its descendants. */
	check_eval("$..price", store, "[1,8,12,20]");
	check_eval("$..title", store, "[\"A\",\"B\"]");
	check_eval("$.store..price", store, "[8,12,20]");
	check_eval("$..book[0].title", store, "[\"A\"]");
	check_eval("$..book[*].isbn", store, "[\"1\"]");
	check_eval("$..['color']", store, "[\"red\"]");
	check_eval("$..missing", store, "[]");
	/* A name inside a value of the same name: both, outer first. */
	check_eval("$..a", "{\"a\":{\"a\":1}}", "[{\"a\":1},1]");
	/* Through arrays as well as objects. */
	check_eval("$..id", "[{\"id\":1,\"k\":[{\"id\":2}]},{\"id\":3}]", "[1,2,3]");
	/* ..* is every node below the root, pre-order. */
	check_eval("$..*", "{\"a\":{\"b\":1},\"c\":2}", "[{\"b\":1},2,1]");
	check_eval("$..*", "[1,[2]]", "[1,[2],2]");
	check_eval("$..*", "5", "[]");
	/* ..[n]: index n of every array. */
	check_eval("$..[0]", "{\"a\":[1,[2,3]],\"b\":{\"c\":[4]}}", "[1,2,4]");
}

/* ---- evaluation: unions ---- */

static void test_unions(void **state)
{
	const char *arr = "[\"a\",\"b\",\"c\",\"d\"]";

	check_eval("$[0,2]", arr, "[\"a\",\"c\"]");
	check_eval("$[2,0]", arr, "[\"c\",\"a\"]");
	check_eval("$[ 0 , 3 ]", arr, "[\"a\",\"d\"]");
	check_eval("$[0,-1]", arr, "[\"a\",\"d\"]");
	check_eval("$[1,1]", arr, "[\"b\",\"b\"]");
	/* Out-of-range members are skipped. */
	check_eval("$[0,9]", arr, "[\"a\"]");
	/* Name unions that are followed by more steps: one result per
	 * member that has the rest of the path. */
	check_eval("$['a','b'].v", "{\"a\":{\"v\":1},\"b\":{\"v\":2},\"c\":{\"v\":3}}", "[1,2]");
	check_eval("$['b','a'].v", "{\"a\":{\"v\":1},\"b\":{\"v\":2}}", "[2,1]");
	check_eval("$['a','zz'].v", "{\"a\":{\"v\":1}}", "[1]");
}

/* Jayway merges a name union that ends the path into one object of the
 * members found ($['key','another'] gives {"key":...,"another":...}, and
 * $['missing','key'] gives {"key":...}), and counts such a path as
 * definite. */
static void test_name_union_at_end_merges(void **state)
{
	const char *in = "{\"a\":1,\"b\":{\"x\":2},\"c\":3}";

	check_eval_copy("$['a','b']", in, "{\"a\":1,\"b\":{\"x\":2}}");
	check_eval_copy("$['missing','c']", in, "{\"c\":3}");
	check_eval_copy("$[*]['x','y']", "[{\"x\":1,\"y\":2,\"z\":3},{\"y\":4}]",
			"[{\"x\":1,\"y\":2},{\"y\":4}]");
}

/* ---- evaluation: slices ---- */

static void test_slices(void **state)
{
	const char *arr = "[0,1,2,3,4,5]";

	check_eval("$[1:3]", arr, "[1,2]");
	check_eval("$[0:1]", arr, "[0]");
	check_eval("$[:2]", arr, "[0,1]");
	check_eval("$[4:]", arr, "[4,5]");
	check_eval("$[ 1 : 3 ]", arr, "[1,2]");
	check_eval("$[0:100]", arr, "[0,1,2,3,4,5]");
	check_eval("$[6:]", arr, "[]");
	check_eval("$[3:1]", arr, "[]");
	check_eval("$[2:2]", arr, "[]");
	/* Negative start / end count from the end (Jayway's SLICE_FROM and
	 * SLICE_TO). */
	check_eval("$[-2:]", arr, "[4,5]");
	check_eval("$[-1:]", arr, "[5]");
	check_eval("$[-10:]", arr, "[0,1,2,3,4,5]");
	check_eval("$[:-2]", arr, "[0,1,2,3]");
	check_eval("$[:-1]", arr, "[0,1,2,3,4]");
	check_eval("$[-3:-1]", arr, "[3,4]");
	/* Slices of an empty array select nothing. */
	check_eval("$[0:2]", "[]", "[]");
	check_eval("$[-1:]", "[]", "[]");
	check_eval("$[:1]", "[]", "[]");
	/* Followed by more steps. */
	check_eval("$[1:3].v", "[{\"v\":0},{\"v\":1},{\"v\":2},{\"v\":3}]", "[1,2]");
}

/* Jayway's slice has no step: "[a:b:c]" is read as "[a:b]" (recorded:
 * $[0:4:2] gives 4 items, $[0:3:-2] gives 3, $[3:0:-2] gives none), and a
 * slice needs a start or an end ($[:], $[::] and $[::2] do not compile:
 * "Failed to parse SliceOperation"). */
static void test_slice_steps_as_jayway(void **state)
{
	const char *arr = "[\"first\",\"second\",\"third\",\"forth\",\"fifth\"]";

	check_eval("$[0:4:2]", arr, "[\"first\",\"second\",\"third\",\"forth\"]");
	check_eval("$[0:3:2]", arr, "[\"first\",\"second\",\"third\"]");
	check_eval("$[0:3:-2]", arr, "[\"first\",\"second\",\"third\"]");
	check_eval("$[3:0:-2]", arr, "[]");
	check_compile_error("$[:]", 0, "'$[:]'");
	check_compile_error("$[::]", 0, "'$[::]'");
	check_compile_error("$[::2]", 0, "'$[::2]'");
}

/* Jayway's SLICE_BETWEEN does not count a negative end from the end of
 * the array: recorded, $[3:-2] on six items gives []. */
static void test_slice_between_negative_end_as_jayway(void **state)
{
	check_eval("$[3:-2]", "[2,\"a\",4,5,100,\"nice\"]", "[]");
	check_eval("$[1:-1]", "[0,1,2,3]", "[]");
}

/* ---- evaluation: filters ---- */

static const char *g_items =
	"{\"max\":10,\"name\":\"b\",\"items\":["
	"{\"id\":1,\"price\":5,\"tag\":\"x\",\"ok\":true,\"n\":null},"
	"{\"id\":2,\"price\":10,\"tag\":\"y\",\"ok\":false},"
	"{\"id\":3,\"price\":15.5,\"tag\":\"x\",\"sub\":{\"v\":-1}},"
	"{\"id\":4,\"price\":\"20\",\"tag\":\"a)b\"}]}";

static void test_filter_comparisons(void **state)
{
	check_eval("$.items[?(@.price < 10)].id", g_items, "[1]");
	check_eval("$.items[?(@.price <= 10)].id", g_items, "[1,2]");
	check_eval("$.items[?(@.price > 10)].id", g_items, "[3]");
	check_eval("$.items[?(@.price >= 10)].id", g_items, "[2,3]");
	check_eval("$.items[?(@.price == 10)].id", g_items, "[2]");
	check_eval("$.items[?(@.price != 10)].id", g_items, "[1,3,4]");
	check_eval("$.items[?(@.price>10)].id", g_items, "[3]");
	check_eval("$.items[?(@.price == 15.5)].id", g_items, "[3]");
	check_eval("$.items[?(@.sub.v == -1)].id", g_items, "[3]");
	check_eval("$.items[?(@.sub.v < 0)].id", g_items, "[3]");
	/* Strings compare as strings; a string is never < a number. */
	check_eval("$.items[?(@.tag == 'x')].id", g_items, "[1,3]");
	check_eval("$.items[?(@.tag == \"y\")].id", g_items, "[2]");
	check_eval("$.items[?(@.tag != 'x')].id", g_items, "[2,4]");
	check_eval("$.items[?(@.tag < 'b')].id", g_items, "[4]");
	check_eval("$.items[?(@.tag == 'a)b')].id", g_items, "[4]");
	check_eval("$.items[?(@.price < 100)].id", g_items, "[1,2,3]");
	/* Booleans and null. */
	check_eval("$.items[?(@.ok == true)].id", g_items, "[1]");
	check_eval("$.items[?(@.ok == false)].id", g_items, "[2]");
	check_eval("$.items[?(@.n == null)].id", g_items, "[1]");
	/* A missing member equals nothing. */
	check_eval("$.items[?(@.nope == 1)]", g_items, "[]");
	/* The whole element is selected, not the compared member. */
	check_eval("$.items[?(@.id == 2)]", g_items,
		   "[{\"id\":2,\"price\":10,\"tag\":\"y\",\"ok\":false}]");
	/* @ alone is the element. */
	check_eval("$[?(@ > 2)]", "[1,2,3,4]", "[3,4]");
	check_eval("$[?(@ == 'b')]", "[\"a\",\"b\"]", "[\"b\"]");
	/* On an object, the filter tests the object itself (recorded:
	 * $[?(@.id==2)] on {"id":2} gives [{"id":2}]). */
	check_eval("$[?(@.id == 2)]", "{\"id\":2}", "[{\"id\":2}]");
	check_eval("$[?(@.id == 3)]", "{\"id\":2}", "[]");
	check_eval("$.*[?(@.key)]", "[{\"some\":1},{\"key\":\"v\"}]", "[{\"key\":\"v\"}]");
	/* Nothing to filter. */
	check_eval("$.items[*].sub[?(@.v)]", g_items, "[{\"v\":-1}]");
	check_eval("$[*][?(@.a)]", "[[],{\"b\":1}]", "[]");
}

static void test_filter_logic(void **state)
{
	check_eval("$.items[?(@.price >= 10 && @.tag == 'x')].id", g_items, "[3]");
	check_eval("$.items[?(@.price < 10 || @.tag == 'y')].id", g_items, "[1,2]");
	check_eval("$.items[?(@.id == 1 || @.id == 2 && @.ok == false)].id", g_items, "[1,2]");
	check_eval("$.items[?(@.id == 1 || @.id == 2 && @.ok == true)].id", g_items, "[1]");
	check_eval("$.items[?((@.id == 1 || @.id == 3) && @.tag == 'x')].id", g_items, "[1,3]");
	check_eval("$.items[?(@.id > 1 && @.id < 4 && @.tag != 'y')].id", g_items, "[3]");
	/* Existence and non-existence (a null member exists). */
	check_eval("$.items[?(@.sub)].id", g_items, "[3]");
	check_eval("$.items[?(@.n)].id", g_items, "[1]");
	check_eval("$.items[?(@.ok)].id", g_items, "[1,2]");
	check_eval("$.items[?(!@.sub)].id", g_items, "[1,2,4]");
	check_eval("$.items[?(@.sub.v)].id", g_items, "[3]");
	check_eval("$.items[?(@['tag'] == 'y')].id", g_items, "[2]");
	check_eval("$.items[?(@.ok && @.tag == 'x')].id", g_items, "[1]");
}

/* Paths from the root (and from the other roots) inside filters. */
static void test_filter_root_references(void **state)
{
	check_eval("$.items[?(@.price == $.max)].id", g_items, "[2]");
	check_eval("$.items[?(@.price < $.max)].id", g_items, "[1]");
	check_eval("$.items[?(@.tag == $.name)]", g_items, "[]");
	check_eval("$.items[?(@.id == $.missing)]", g_items, "[]");
	check_eval("$.items[?(@.price < $limit)].id", g_items, "[1]");
	check_eval("$.items[?(@.tag == $$.Map.Item.Value)]", g_items, "[]");
	check_eval("$.items[?(@.id == $$.Map.Item.Index)].id", g_items, "[2]");
}

/* Jayway's == coerces between numbers and strings (recorded:
 * $[?(@.key==42)] selects both {"key":42} and {"key":"42"}). */
static void test_filter_equality_coerces_as_jayway(void **state)
{
	check_eval("$[?(@.key == 42)]", "[{\"key\":42},{\"key\":\"42\"},{\"key\":\"x\"}]",
		   "[{\"key\":42},{\"key\":\"42\"}]");
}

/* In Jayway a missing member is "undefined", which != anything: != is
 * the negation of == (NotEqualsEvaluator), so elements without the
 * member are selected. */
static void test_filter_missing_member_not_equal_as_jayway(void **state)
{
	check_eval("$[?(@.status != 'done')]",
		   "[{\"status\":\"done\"},{\"status\":\"new\"},{}]",
		   "[{\"status\":\"new\"},{}]");
}

/* Applied at every level, a filter selects each matching object once:
 * Jayway's deep scan tests the filter on every object node (and array
 * elements only as those nodes). */
static void test_deep_scan_filter(void **state)
{
	check_eval("$..[?(@.price > 10)]",
		   "{\"items\":[{\"price\":20},{\"price\":5}],\"x\":{\"price\":30}}",
		   "[{\"price\":20},{\"price\":30}]");
	check_eval("$..book[?(@.price < 10)].title",
		   "{\"store\":{\"book\":[{\"title\":\"A\",\"price\":8},"
		   "{\"title\":\"B\",\"price\":12}]}}", "[\"A\"]");
}

/* ---- roots: $$ and $name through the jp_env callbacks ---- */

static void test_context_root(void **state)
{
	check_eval("$$.Execution.Id", "{}", "\"arn:exec\"");
	check_eval("$$.Execution.Input.k", "{}", "1");
	check_eval("$$.Map.Item.Index", "{}", "2");
	check_eval("$$['State']['Name']", "{}", "\"S\"");
	check_eval("$$.State.RetryCount", "{}", "0");
	check_eval("$$.Execution.Missing", "{}", NULL);
	check_eval("$$.*.Name", "{}", "[\"S\"]");
	check_eval("$$..Index", "{}", "[2]");
}

static void test_var_root(void **state)
{
	check_eval("$myVar", "{}", "{\"n\":5,\"list\":[1,2,3]}");
	check_eval("$myVar.n", "{}", "5");
	check_eval("$myVar.list[-1]", "{}", "3");
	check_eval("$myVar.list[*]", "{}", "[1,2,3]");
	check_eval("$limit", "{}", "10");
	check_eval("$nothing", "{}", "null");
	check_eval("$_under", "{}", "\"u\"");
	/* An undefined variable fails, definite or not. */
	check_eval("$undefinedVar", "{}", NULL);
	check_eval("$undefinedVar.a", "{}", NULL);
	check_eval("$undefinedVar[*]", "{}", NULL);
	check_eval("$myVar.missing", "{}", NULL);
}

/* The context and variable callbacks run only for paths that need them,
 * and receive the variable's name. */
static void test_roots_are_lazy(void **state)
{
	cJSON *in = parse("{\"a\":[1,2]}");
	jp_env env = env_for(in);
	const cJSON *out;
	int owned;
	jpath *p;

	g_context_calls = g_var_calls = 0;
	p = compile("$.a[0]", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), 0);
	jp_free(p);
	p = compile("$.a[*]", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), 0);
	cJSON_Delete((cJSON *)out);
	jp_free(p);
	assert_int_equal(g_context_calls, 0);
	assert_int_equal(g_var_calls, 0);

	p = compile("$$.State.Name", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), 0);
	assert_string_equal(out->valuestring, "S");
	assert_int_equal(owned, 0);
	jp_free(p);
	assert_true(g_context_calls >= 1);
	assert_int_equal(g_var_calls, 0);

	g_context_calls = 0;
	p = compile("$limit", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), 0);
	assert_int_equal(out->valueint, 10);
	jp_free(p);
	assert_true(g_var_calls >= 1);
	assert_string_equal(g_last_var, "limit");
	assert_int_equal(g_context_calls, 0);
	cJSON_Delete(in);
}

/* With no callbacks (or a NULL input), the roots simply match nothing. */
static void test_missing_roots(void **state)
{
	jp_env env = { NULL, NULL, NULL, NULL };
	const cJSON *out = (const cJSON *)&env;
	int owned = 5;
	jpath *p;

	p = compile("$$.Execution", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), -1);
	assert_null(out);
	assert_int_equal(owned, 0);
	assert_null(jp_eval_copy(p, &env));
	jp_free(p);

	p = compile("$v.x", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), -1);
	jp_free(p);

	p = compile("$.a", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), -1);
	jp_free(p);
}

/* ---- borrowed vs owned ---- */

static void test_eval_borrowed_and_owned(void **state)
{
	cJSON *in = parse("{\"a\":{\"b\":[1,{\"c\":2}]}}");
	jp_env env = env_for(in);
	const cJSON *out;
	cJSON *copy;
	int owned;
	jpath *p;

	/* Definite: the very node inside the input. */
	p = compile("$.a.b[1]", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), 0);
	assert_int_equal(owned, 0);
	assert_ptr_equal(out, cJSON_GetArrayItem(js_get(js_get(in, "a"), "b"), 1));
	copy = jp_eval_copy(p, &env);
	assert_ptr_not_equal(copy, out);
	assert_true(js_equal(copy, out));
	cJSON_Delete(copy);
	jp_free(p);

	p = compile("$", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), 0);
	assert_ptr_equal(out, in);
	assert_int_equal(owned, 0);
	jp_free(p);

	/* Indefinite: a new array of copies; the input is untouched. */
	p = compile("$.a.b[*]", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), 0);
	assert_int_equal(owned, 1);
	assert_true(cJSON_IsArray(out));
	assert_int_equal(cJSON_GetArraySize(out), 2);
	assert_ptr_not_equal(cJSON_GetArrayItem(out, 1),
			     cJSON_GetArrayItem(js_get(js_get(in, "a"), "b"), 1));
	cJSON_AddNumberToObject(cJSON_GetArrayItem(out, 1), "added", 1);
	assert_null(js_get(cJSON_GetArrayItem(js_get(js_get(in, "a"), "b"), 1), "added"));
	cJSON_Delete((cJSON *)out);
	jp_free(p);

	/* An indefinite path that matches nothing still succeeds. */
	p = compile("$..zzz", 0);
	assert_int_equal(jp_eval(p, &env, &out, &owned), 0);
	assert_int_equal(owned, 1);
	assert_int_equal(cJSON_GetArraySize(out), 0);
	cJSON_Delete((cJSON *)out);
	copy = jp_eval_copy(p, &env);
	assert_true(cJSON_IsArray(copy));
	cJSON_Delete(copy);
	jp_free(p);

	cJSON_Delete(in);
}

/* ---- jp_assign: ResultPath ---- */

static void test_assign(void **state)
{
	/* Add a member, create the objects on the way. */
	check_assign("$.r", "{\"a\":1}", "{\"x\":1}", "{\"a\":1,\"r\":{\"x\":1}}");
	check_assign("$.a.b.c", "{}", "1", "{\"a\":{\"b\":{\"c\":1}}}");
	check_assign("$.a.b", "{\"a\":{\"k\":0}}", "2", "{\"a\":{\"k\":0,\"b\":2}}");
	check_assign("$['a b'].c", "{}", "true", "{\"a b\":{\"c\":true}}");
	/* Replace an existing member, whatever its type. */
	check_assign("$.a", "{\"a\":1,\"z\":0}", "[2]", "{\"a\":[2],\"z\":0}");
	check_assign("$.a.b", "{\"a\":{\"b\":{\"old\":1},\"c\":2}}", "9", "{\"a\":{\"b\":9,\"c\":2}}");
	check_assign("$.a", "{\"a\":null}", "{}", "{\"a\":{}}");
	/* "$" replaces the root, whatever it was. */
	check_assign("$", "{\"a\":1}", "\"s\"", "\"s\"");
	check_assign("$", "[1]", "{\"b\":2}", "{\"b\":2}");
	check_assign("$", "null", "null", "null");
	/* Through array elements, and into them. */
	check_assign("$.arr[1]", "{\"arr\":[1,2,3]}", "9", "{\"arr\":[1,9,3]}");
	check_assign("$.arr[-1]", "{\"arr\":[1,2,3]}", "9", "{\"arr\":[1,2,9]}");
	check_assign("$.arr[0].x", "{\"arr\":[{}]}", "1", "{\"arr\":[{\"x\":1}]}");
	check_assign("$[0]", "[1,2]", "0", "[0,2]");
}

static void test_assign_failures_leave_root_unchanged(void **state)
{
	/* A step meets a non-object. */
	check_assign_fails("$.a.b", "{\"a\":\"str\"}", "1");
	check_assign_fails("$.a.b", "{\"a\":5}", "{\"x\":[1,2]}");
	check_assign_fails("$.a.b.c", "{\"a\":{\"b\":[1]}}", "1");
	check_assign_fails("$.a", "\"root string\"", "1");
	check_assign_fails("$.a", "[1,2]", "1");
	check_assign_fails("$.arr.x", "{\"arr\":[1]}", "1");
	/* An index out of range, or on a non-array. */
	check_assign_fails("$.arr[3]", "{\"arr\":[1,2,3]}", "1");
	check_assign_fails("$.arr[-4]", "{\"arr\":[1,2,3]}", "1");
	check_assign_fails("$.arr[0]", "{\"arr\":{\"0\":1}}", "1");
	check_assign_fails("$.arr[1].x", "{\"arr\":[{}]}", "1");
	check_assign_fails("$[0]", "{}", "1");
}

/* An index step on a member that does not exist cannot be satisfied by
 * creating an object: the assignment fails and changes nothing. */
static void test_assign_index_on_missing_member(void **state)
{
	check_assign_fails("$.x[0]", "{\"a\":1}", "1");
	check_assign_fails("$.x[0].y", "{\"a\":1}", "{\"v\":[1,2]}");
	check_assign_fails("$.a.x[1]", "{\"a\":{}}", "1");
}

/* ---- jp_detach ---- */

static void test_detach(void **state)
{
	cJSON *root = parse("{\"a\":{\"b\":[1,2,{\"c\":3}],\"d\":4},\"e\":5}");
	cJSON *want, *got;
	jpath *p;

	p = compile("$.a.d", JP_REFERENCE);
	got = jp_detach(p, root);
	assert_non_null(got);
	assert_int_equal(got->valueint, 4);
	assert_null(got->next);
	assert_null(got->prev);
	cJSON_Delete(got);
	jp_free(p);

	p = compile("$.a.b[-1].c", JP_REFERENCE);
	got = jp_detach(p, root);
	assert_non_null(got);
	assert_int_equal(got->valueint, 3);
	cJSON_Delete(got);
	jp_free(p);

	p = compile("$.a.b[0]", JP_REFERENCE);
	got = jp_detach(p, root);
	assert_non_null(got);
	assert_int_equal(got->valueint, 1);
	cJSON_Delete(got);
	jp_free(p);

	want = parse("{\"a\":{\"b\":[2,{}]},\"e\":5}");
	assert_true(js_equal(root, want));
	cJSON_Delete(want);

	/* Missing: NULL, nothing changes. */
	p = compile("$.zz.y", JP_REFERENCE);
	assert_null(jp_detach(p, root));
	jp_free(p);
	p = compile("$.a.b[7]", JP_REFERENCE);
	assert_null(jp_detach(p, root));
	jp_free(p);
	p = compile("$.e.f", JP_REFERENCE);
	assert_null(jp_detach(p, root));
	jp_free(p);
	want = parse("{\"a\":{\"b\":[2,{}]},\"e\":5}");
	assert_true(js_equal(root, want));
	cJSON_Delete(want);

	/* "$": the root itself, now the caller's. */
	p = compile("$", JP_REFERENCE);
	got = jp_detach(p, root);
	assert_ptr_equal(got, root);
	jp_free(p);
	cJSON_Delete(got);
}

/* Compiled paths do not depend on the text they came from. */
static void test_compiled_path_owns_its_text(void **state)
{
	char *text = xstrdup("$.a[?(@.b == 'x')].c");
	jpath *p = compile(text, 0);
	cJSON *in = parse("{\"a\":[{\"b\":\"x\",\"c\":1},{\"b\":\"y\",\"c\":2}]}");
	cJSON *want = parse("[1]"), *got;
	jp_env env = env_for(in);

	memset(text, 'z', strlen(text));
	free(text);
	got = jp_eval_copy(p, &env);
	assert_true(js_equal(got, want));
	assert_string_equal(jp_text(p), "$.a[?(@.b == 'x')].c");
	cJSON_Delete(got);
	cJSON_Delete(want);
	cJSON_Delete(in);
	jp_free(p);
	jp_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_errors_name_the_problem),
		cmocka_unit_test(test_compile_overlong_path),
		cmocka_unit_test(test_compile_blank_in_dotted_name),
		cmocka_unit_test(test_definite_and_indefinite),
		cmocka_unit_test(test_roots_and_accessors),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_normalized),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_dot_then_bracket),
		cmocka_unit_test(test_indices),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_deep_scan),
		cmocka_unit_test(test_unions),
		cmocka_unit_test(test_name_union_at_end_merges),
		cmocka_unit_test(test_slices),
		cmocka_unit_test(test_slice_steps_as_jayway),
		cmocka_unit_test(test_slice_between_negative_end_as_jayway),
		cmocka_unit_test(test_filter_comparisons),
		cmocka_unit_test(test_filter_logic),
		cmocka_unit_test(test_filter_root_references),
		cmocka_unit_test(test_filter_equality_coerces_as_jayway),
		cmocka_unit_test(test_filter_missing_member_not_equal_as_jayway),
		cmocka_unit_test(test_deep_scan_filter),
		cmocka_unit_test(test_context_root),
		cmocka_unit_test(test_var_root),
		cmocka_unit_test(test_roots_are_lazy),
		cmocka_unit_test(test_missing_roots),
		cmocka_unit_test(test_eval_borrowed_and_owned),
		cmocka_unit_test(test_assign),
		cmocka_unit_test(test_assign_failures_leave_root_unchanged),
		cmocka_unit_test(test_assign_index_on_missing_member),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_compiled_path_owns_its_text),
	};

	xalloc_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}
