/* fuzz_jpath.c - libFuzzer target: the JSONPath compiler and evaluator (orchestrator/jpath.h). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "jpath.h"
#include "xalloc.h"

/* Input: one flag byte (its low three bits are jp_compile's JP_REFERENCE,
 * JP_NO_CONTEXT and JP_NO_VARS), the path up to the first newline, then a
 * JSON document that is the input, and whose members are the variables.
 * A document that does not parse is replaced by a fixed one, so that a
 * mutation of the path alone still evaluates.
 *
 * Checked: every compile error has a message; the flags' promises (a
 * Reference Path is definite, $$ or $var are refused when excluded); an
 * indefinite path always yields an array; for a Reference Path, what
 * jp_assign wrote is what jp_eval reads back, and jp_detach takes out
 * what jp_eval found. */

static const char default_doc[] =
	"{\"a\":{\"b\":[1,2,{\"c\":\"x\"}],\"d e\":null},\"list\":[{\"n\":1},{\"n\":2,\"m\":[3]}],"
	"\"s\":\"text\",\"t\":true,\"num\":-1.5e3}";

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
		"\"State\":{\"Name\":\"S\",\"RetryCount\":0},\"Map\":{\"Item\":{\"Index\":0,\"Value\":7}}}";

	(void)argc;
	(void)argv;
	xalloc_init();
	g_context = js_parse(ctx, strlen(ctx), NULL);
	return 0;
}

/* jp_assign then jp_eval: the value written is the value read. */
static void check_assign(const jpath *p, const cJSON *doc, const jp_env *env0)
{
	cJSON *root = js_dup(doc), *value = cJSON_CreateString("written");
	jp_env env = *env0;
	const cJSON *got = NULL;
	int owned = 0;

	if (jp_assign(p, &root, value) == 0) {
		env.input = root;
		fz_check(jp_eval(p, &env, &got, &owned) == 0, "jp_eval misses what jp_assign wrote");
		fz_check(cJSON_IsString(got) && strcmp(got->valuestring, "written") == 0,
			 "jp_eval reads another value than jp_assign wrote");
		if (owned)
			cJSON_Delete((cJSON *)got);
	}
	cJSON_Delete(root);
}

/* jp_detach takes out the node jp_eval finds. */
static void check_detach(const jpath *p, const cJSON *doc, const jp_env *env0)
{
	cJSON *root = js_dup(doc), *found, *node;
	jp_env env = *env0;

	env.input = root;
	found = jp_eval_copy(p, &env);
	node = jp_detach(p, root);
	fz_check((found == NULL) == (node == NULL), "jp_detach and jp_eval disagree on a match");
	if (node)
		fz_check(js_equal(found, node), "jp_detach took another node than jp_eval found");
	if (node != root) {
		cJSON_Delete(node);
		cJSON_Delete(root);
	} else {
		cJSON_Delete(node);
	}
	cJSON_Delete(found);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int flags = size ? data[0] & (JP_REFERENCE | JP_NO_CONTEXT | JP_NO_VARS) : 0;
	char *text = fz_strndup(size ? data + 1 : data, size ? size - 1 : 0);
	char *nl = strchr(text, '\n'), *err = NULL;
	const char *doc_text = nl ? nl + 1 : "";
	cJSON *doc;
	jpath *p;

	if (nl)
		*nl = '\0';
	doc = js_parse(doc_text, strlen(doc_text), NULL);
	if (!doc)
		doc = js_parse(default_doc, strlen(default_doc), NULL);

	p = jp_compile(text, flags, &err);
	if (!p) {
		fz_check(err != NULL && *err, "jp_compile failed without a message");
		free(err);
	} else {
		jp_env env = { doc, context_of, var_of, doc };
		const cJSON *out = NULL;
		int owned = -1, rc, definite = jp_definite(p);
		jp_root_kind root = jp_root(p);

		fz_check(err == NULL, "jp_compile set *err on success");
		fz_check(jp_text(p) && jp_normalized(p), "a compiled path has no text");
		fz_check(jp_steps(p) >= 0, "negative step count");
		fz_check((root == JP_ROOT_VAR) == (jp_var_name(p) != NULL), "variable name and root disagree");
		if (flags & JP_REFERENCE)
			fz_check(definite, "a Reference Path that is not definite");
		if (flags & JP_NO_CONTEXT)
			fz_check(root != JP_ROOT_CONTEXT, "$$ accepted with JP_NO_CONTEXT");
		if (flags & JP_NO_VARS)
			fz_check(root != JP_ROOT_VAR, "$var accepted with JP_NO_VARS");

		rc = jp_eval(p, &env, &out, &owned);
		if (!definite && rc == 0)
			fz_check(owned == 1, "an indefinite path returned a borrowed result");
		if (rc == 0 && owned)
			cJSON_Delete((cJSON *)out);
		cJSON_Delete(jp_eval_copy(p, &env));

		if (definite) {
			fz_check(jp_prefix(p, p), "a definite path is not its own prefix");
			if (root == JP_ROOT_INPUT) {
				check_detach(p, doc, &env);
				if (flags & JP_REFERENCE)
					check_assign(p, doc, &env);
			}
		}
		jp_free(p);
	}
	cJSON_Delete(doc);
	free(text);
	return 0;
}
