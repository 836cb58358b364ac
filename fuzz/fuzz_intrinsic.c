/* fuzz_intrinsic.c - libFuzzer target: the States.* intrinsic functions, alone and inside a payload template (orchestrator/intrinsic.h, tpl.h). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "intrinsic.h"
#include "tpl.h"
#include "xalloc.h"

/* Input: the call ("States.Format('{}', $.a)") up to the first newline,
 * then a JSON document: the input, whose members are also the variables.
 * A document that does not parse is replaced by a fixed one.
 *
 * The call is compiled and evaluated by itself, then as the value of a
 * "v.$" key of a payload template, as Parameters would hold it.  Checked:
 * a refused call has a message; a failed evaluation is States.Runtime with
 * a cause; the template gives the same outcome as the call alone (apart
 * from States.UUID and States.MathRandom, which draw random numbers). */

static const char default_doc[] =
	"{\"a\":\"text\",\"n\":3,\"f\":1.5,\"arr\":[1,2,3,\"x\",null],\"obj\":{\"k\":\"v\",\"o\":{\"z\":[]}},"
	"\"s\":\"a,b,,c\",\"b64\":\"aGVsbG8=\",\"json\":\"{\\\"x\\\":[1]}\",\"big\":9007199254740993}";

static cJSON *g_context;

static const cJSON *context_of(void *ud)
{
	(void)ud;
	return g_context;
}

static const cJSON *var_of(void *ud, const char *name)
{
	return js_get(ud, name);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char ctx[] =
		"{\"Execution\":{\"Id\":\"arn:x\",\"Input\":{\"k\":[1,2]},\"Name\":\"e\"},"
		"\"State\":{\"Name\":\"S\",\"EnteredTime\":\"2026-01-01T00:00:00Z\"},"
		"\"Task\":{\"Token\":\"tok\"}}";

	(void)argc;
	(void)argv;
	xalloc_init();
	g_context = js_parse(ctx, strlen(ctx), NULL);
	return 0;
}

/* Whether the result may differ between two evaluations. */
static int random_call(const char *text)
{
	return strstr(text, "UUID") || strstr(text, "MathRandom");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size), *nl = strchr(text, '\n'), *err = NULL;
	const char *doc_text = nl ? nl + 1 : "";
	cJSON *doc, *alone = NULL, *tv, *templ;
	aslerr e1 = { 0 }, e2 = { 0 };
	diags d = { 0 };
	jp_env env = { NULL, context_of, var_of, NULL };
	int compiled = 0;
	fn_expr *f;
	tpl *t;

	if (nl)
		*nl = '\0';
	doc = js_parse(doc_text, strlen(doc_text), NULL);
	if (!doc)
		doc = js_parse(default_doc, strlen(default_doc), NULL);
	env.input = doc;
	env.ud = doc;

	(void)fn_looks_like(text);
	f = fn_compile(text, &err);
	if (!f) {
		fz_check(err != NULL && *err, "fn_compile failed without a message");
		free(err);
	} else {
		compiled = 1;
		fz_check(err == NULL, "fn_compile set *err on success");
		fz_check(fn_text(f) != NULL, "a compiled call has no text");
		alone = fn_eval(f, &env, &e1);
		if (!alone)
			fz_check(e1.error && strcmp(e1.error, ERR_RUNTIME) == 0 && e1.cause,
				 "a failed intrinsic is not States.Runtime with a cause");
		else
			fz_check(!e1.error && !e1.cause, "a successful intrinsic left an error");
		fn_free(f);
	}

	/* The same text as a template field: "v.$" takes a path or a call. */
	templ = cJSON_CreateObject();
	cJSON_AddStringToObject(templ, "v.$", text);
	t = tpl_compile(templ, "/Parameters", &d);
	fz_check((t != NULL) == (d.errors == 0), "tpl_compile result and diagnostics disagree");
	if (t) {
		cJSON *out = tpl_eval(t, &env, &e2);

		if (compiled && fn_looks_like(text) && !random_call(text)) {
			fz_check((out != NULL) == (alone != NULL),
				 "a call succeeds alone but fails in a template, or the reverse");
			if (out && alone) {
				char *a, *b;

				/* Compared as text: js_equal does not see two
				 * objects with the same duplicate keys as equal. */
				tv = js_get(out, "v");
				fz_check(tv != NULL, "a template lost its field");
				a = js_print(tv);
				b = js_print(alone);
				fz_check(strcmp(a, b) == 0, "a call gives another value in a template");
				free(a);
				free(b);
			}
		}
		if (!out)
			fz_check(e2.error && e2.cause, "a failed template has no error and cause");
		cJSON_Delete(out);
		tpl_free(t);
	}
	diag_free(&d);
	cJSON_Delete(templ);
	cJSON_Delete(alone);
	aslerr_clear(&e1);
	aslerr_clear(&e2);
	cJSON_Delete(doc);
	free(text);
	return 0;
}
