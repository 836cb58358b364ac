/* test_json.c - unit tests of orchestrator/json.c: what js_parse accepts and refuses, and what the printers write back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static cJSON *parse(const char *text)
{
	return js_parse(text, strlen(text), NULL);
}

/* Parses text (of len bytes, or strlen when len is 0) and returns its
 * compact printing, owned; NULL when refused, with *off set. */
static char *round_trip(const char *text, size_t len, size_t *off)
{
	cJSON *v = js_parse(text, len ? len : strlen(text), off);
	char *s;

	if (!v)
		return NULL;
	s = js_print(v);
	assert_int_equal(strlen(s), js_printed_size(v));
	cJSON_Delete(v);
	return s;
}

static void assert_prints(const char *in, const char *want)
{
	size_t off = 0;
	char *got = round_trip(in, 0, &off);

	if (!got) {
		fprintf(stderr, "refused %s at %zu\n", in, off);
		fail();
	}
	assert_string_equal(got, want);
	free(got);
}

static void assert_refused_at(const char *in, size_t len, size_t want_off)
{
	size_t off = 12345;
	char *got = round_trip(in, len, &off);

	if (got) {
		fprintf(stderr, "accepted %s as %s\n", in, got);
		fail();
	}
	assert_int_equal(off, want_off);
}

/* Integers keep every digit, as Jackson's int/long/BigInteger nodes do. */
static void test_integers_exact(void **state)
{
	(void)state;
	assert_prints("9007199254740993", "9007199254740993");
	assert_prints("[9007199254740993,-9007199254740993]",
		      "[9007199254740993,-9007199254740993]");
	assert_prints("{\"id\":12345678901234567890}", "{\"id\":12345678901234567890}");
	assert_prints("1000000000000000", "1000000000000000");
	assert_prints("9223372036854775807", "9223372036854775807");
	assert_prints("-9223372036854775809", "-9223372036854775809");
	/* Beyond the double range: a BigInteger, not null. */
	assert_prints("1000000000000000000000000000000000000000000000000000000000000000000"
		      "0000000000000000000000000000000000000000000000000000000000000000000"
		      "0000000000000000000000000000000000000000000000000000000000000000000"
		      "0000000000000000000000000000000000000000000000000000000000000000000"
		      "0000000000000000000000000000000000000000000000000000000000000000000",
		      "1000000000000000000000000000000000000000000000000000000000000000000"
		      "0000000000000000000000000000000000000000000000000000000000000000000"
		      "0000000000000000000000000000000000000000000000000000000000000000000"
		      "0000000000000000000000000000000000000000000000000000000000000000000"
		      "0000000000000000000000000000000000000000000000000000000000000000000");
	/* Beyond the double range: the text, not null. */
	assert_prints("[1e400,-1E309,1e-400]", "[1e400,-1E309,0]");
	/* Short integers and non-integers as before. */
	assert_prints("[0,-0,1,123456789012345,0.1,1.5e300,-2.5]",
		      "[0,0,1,123456789012345,0.1,1.5e+300,-2.5]");
	/* A long fraction is a double. */
	assert_prints("12345678901234567.5", "12345678901234568");
	/* Digits in strings and keys are nothing to keep. */
	assert_prints("{\"12345678901234567890\":\"12345678901234567890\",\"n\":7}",
		      "{\"12345678901234567890\":\"12345678901234567890\",\"n\":7}");
}

static void test_integers_pretty_dup_equal(void **state)
{
	cJSON *v = parse("{\"a\":[1,99999999999999999999]}");
	cJSON *d, *w;
	char *s;

	(void)state;
	assert_non_null(v);
	s = js_print_pretty(v);
	assert_string_equal(s, "{\n  \"a\": [\n    1,\n    99999999999999999999\n  ]\n}");
	free(s);
	d = js_dup(v);
	assert_true(js_equal(v, d));
	s = js_print(d);
	assert_string_equal(s, "{\"a\":[1,99999999999999999999]}");
	free(s);
	/* The nearest double is another number. */
	w = parse("{\"a\":[1,100000000000000000000]}");
	assert_false(js_equal(v, w));
	cJSON_Delete(w);
	cJSON_Delete(d);
	cJSON_Delete(v);
}

static void test_integer_equal_double(void **state)
{
	cJSON *a = parse("10000000000000000");
	cJSON *b = cJSON_CreateNumber(1e16);
	cJSON *c = parse("9007199254740993");
	cJSON *e = cJSON_CreateNumber(9007199254740992.0);

	(void)state;
	assert_non_null(a->valuestring);
	assert_true(js_equal(a, b));
	assert_true(js_equal(b, a));
	assert_false(js_equal(c, e));
	assert_false(js_equal(e, c));
	assert_true(js_equal(c, c));
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
	cJSON_Delete(e);
}

/* Numbers from other sources (YAML scalars) keep long integers too. */
static void test_js_number(void **state)
{
	static const struct { double d; const char *text, *want; } cases[] = {
		{ 1.2345678901234567e19, "12345678901234567890", "12345678901234567890" },
		{ -9007199254740992.0, "-9007199254740993", "-9007199254740993" },
		{ 7, "7", "7" },
		{ 1e16, "1e16", "1e+16" },                  /* not digits: the double */
		{ 1.5, "1.5", "1.5" },
		{ 255, "0x00000000000000ff", "255" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *v = js_number(cases[i].d, cases[i].text);
		char *s = js_print(v);

		assert_string_equal(s, cases[i].want);
		assert_int_equal(js_printed_size(v), strlen(s));
		free(s);
		cJSON_Delete(v);
	}
}

/* A later duplicate key replaces the value where the key first stood. */
static void test_duplicate_keys(void **state)
{
	cJSON *v;
	char many[8192];
	size_t n = 0;
	int i;

	(void)state;
	assert_prints("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}");
	assert_prints("{\"a\":1,\"a\":2,\"a\":{\"x\":1,\"x\":[5]}}", "{\"a\":{\"x\":[5]}}");
	assert_prints("[{\"k\":1,\"k\":2},{\"k\":3}]", "[{\"k\":2},{\"k\":3}]");
	/* Many members: the sorted path. */
	n += (size_t)snprintf(many + n, sizeof many - n, "{");
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(many + n, sizeof many - n, "\"k%d\":%d,", i % 40, i);
	many[n - 1] = '}';
	v = js_parse(many, n, NULL);
	assert_non_null(v);
	assert_int_equal(cJSON_GetArraySize(v), 40);
	assert_string_equal(v->child->string, "k0");
	assert_int_equal(v->child->valueint, 80);
	assert_string_equal(v->child->next->string, "k1");
	assert_int_equal(v->child->next->valueint, 81);
	assert_true(js_equal(v, v));
	cJSON_Delete(v);
	/* Definitions keep both, for the validator. */
	v = js_parse_source("{\"a\":1,\"a\":2}", 13, NULL);
	assert_int_equal(cJSON_GetArraySize(v), 2);
	cJSON_Delete(v);
}

/* What Jackson refuses and cJSON would take. */
static void test_strict(void **state)
{
	(void)state;
	assert_refused_at("{\"a\":\"x\ny\"}", 0, 7);          /* raw LF in a string */
	assert_refused_at("{\"a\":\"x\ty\"}", 0, 7);          /* raw tab in a string */
	assert_refused_at("{\"a\":1,\0\"b\":2}", 14, 7);     /* NUL between tokens */
	assert_refused_at("{\"a\":1,\x01\"b\":2}", 0, 7);
	assert_refused_at("\x0c{}", 0, 0);                    /* form feed */
	assert_refused_at("[01]", 0, 2);                      /* leading zero */
	assert_refused_at("[-01]", 0, 3);
	assert_refused_at("[1.]", 0, 3);
	assert_refused_at("[1.e5]", 0, 3);
	assert_refused_at("[-]", 0, 2);
	assert_refused_at("[1e]", 0, 3);
	assert_refused_at("[1e+]", 0, 4);
	assert_refused_at("1.", 0, 2);                         /* cut short */
	assert_refused_at("{\"a\":\"\xff\"}", 0, 6);          /* not UTF-8 */
	/* What JSON allows. */
	assert_prints(" \t\r\n{ \"a\" :\t[ 0 , -0.5 , 1E2 , 1e-2 , 2E+3 ] }\n",
		      "{\"a\":[0,-0.5,100,0.01,2000]}");
	assert_prints("\"\\u0001\\n\\\"\\\\\\/\"", "\"\\u0001\\n\\\"\\\\/\"");
	assert_prints("\"\xc3\xa9\\\\\"", "\"\xc3\xa9\\\\\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers_exact),
		cmocka_unit_test(test_integers_pretty_dup_equal),
		cmocka_unit_test(test_integer_equal_double),
		cmocka_unit_test(test_js_number),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
