/* fuzz_json.c - libFuzzer target: the JSON reader and printers of orchestrator/json.h. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xalloc.h"

/* Input: any bytes, read with js_parse as one JSON text.
 *
 * Checked, when js_parse accepts the input: js_printed_size is the
 * length of js_print; the compact text parses back to an equal value
 * that prints the same (printing is idempotent); so does the indented
 * text, and what js_print_file writes is the same text; js_dup and the
 * value itself are js_equal to it; cJSON, which js_parse only makes
 * stricter, accepts the input too; js_parse_source accepts it as well;
 * no object of the tree has two members with one key.  When js_parse
 * refuses, the offset it reports lies within the input, and
 * js_parse_source refuses it too. */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xalloc_init();
	return 0;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether no object below v (v included) has a key twice. */
static int keys_unique(const cJSON *v)
{
	const cJSON *c;
	char **keys;
	size_t n = 0, i;
	int ok = 1;

	for (c = v->child; c; c = c->next)
		if (!keys_unique(c))
			return 0;
	if (!cJSON_IsObject(v) || !v->child)
		return 1;
	for (c = v->child; c; c = c->next)
		n++;
	keys = xmalloc(n * sizeof *keys);
	for (i = 0, c = v->child; c; c = c->next)
		keys[i++] = c->string;
	qsort(keys, n, sizeof *keys, by_string);
	for (i = 1; i < n && ok; i++)
		ok = strcmp(keys[i - 1], keys[i]) != 0;
	free(keys);
	return ok;
}

/* What js_print_file writes for v at depth, as a string (owned). */
static char *print_file(const cJSON *v, int depth)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		fz_fail(__FILE__, __LINE__, "open_memstream failed");
	js_print_file(f, v, depth);
	if (fclose(f) != 0)
		fz_fail(__FILE__, __LINE__, "open_memstream failed");
	return s;
}

static void check_value(const char *text, size_t size, cJSON *v)
{
	char *compact = js_print(v), *pretty = js_print_pretty(v), *again, *streamed;
	size_t off = 0;
	cJSON *back, *dup = js_dup(v), *lax;

	fz_check(strlen(compact) == js_printed_size(v), "js_printed_size is not the length of js_print");
	/* The size is cached in containers: a second call reads the cache. */
	fz_check(strlen(compact) == js_printed_size(v), "js_printed_size changes when cached");
	fz_check(js_equal(v, v), "a parsed value is not js_equal to itself");
	fz_check(js_equal(dup, v) && js_equal(v, dup), "js_dup is not js_equal to its original");
	fz_check(keys_unique(v), "a parsed object has a key twice");

	back = js_parse(compact, strlen(compact), &off);
	fz_check(back != NULL, "js_parse refuses what js_print wrote");
	fz_check(js_equal(back, v) && js_equal(v, back),
		 "js_print's text parses back to another value");
	again = js_print(back);
	fz_check(strcmp(again, compact) == 0, "printing the reparsed value gives another text");
	fz_check(strlen(again) == js_printed_size(back), "js_printed_size of the reparsed value");
	free(again);
	cJSON_Delete(back);

	back = js_parse(pretty, strlen(pretty), &off);
	fz_check(back != NULL, "js_parse refuses what js_print_pretty wrote");
	fz_check(js_equal(back, v), "js_print_pretty's text parses back to another value");
	cJSON_Delete(back);

	streamed = print_file(v, -1);
	fz_check(strcmp(streamed, compact) == 0, "js_print_file (compact) differs from js_print");
	free(streamed);
	streamed = print_file(v, 0);
	fz_check(strcmp(streamed, pretty) == 0, "js_print_file (indented) differs from js_print_pretty");
	free(streamed);

	/* js_parse is cJSON made stricter, never laxer. */
	lax = cJSON_ParseWithLength(text, size);
	fz_check(lax != NULL, "js_parse accepts what cJSON refuses");
	cJSON_Delete(lax);

	free(compact);
	free(pretty);
	cJSON_Delete(dup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t off = (size_t)-1, off2 = (size_t)-1;
	cJSON *v = js_parse(text, size, &off), *src = js_parse_source(text, size, &off2);

	fz_check((v != NULL) == (src != NULL), "js_parse and js_parse_source disagree");
	if (!v) {
		fz_check(off <= size, "js_parse's error offset lies past the input");
		fz_check(off2 == off, "js_parse and js_parse_source refuse at different offsets");
	} else {
		check_value(text, size, v);
	}
	cJSON_Delete(src);
	cJSON_Delete(v);
	return 0;
}
