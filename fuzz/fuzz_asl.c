/* fuzz_asl.c - libFuzzer target: the ASL loader and validator on whole definitions (orchestrator/asl.h). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "asl.h"
#include "xalloc.h"

/* Input: a definition as JSON text, as CreateStateMachine and the project
 * files give it to asl_load_text.
 *
 * Checked: a definition is refused exactly when an error was reported;
 * every diagnostic has a severity, a code and a message, and a location
 * that starts at the root (but for JSON syntax errors); the diagnostics print as JSON; a loaded machine
 * finds each of its states by name, its Next indexes are in range, and
 * the EXPRESS check runs on it. */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xalloc_init();
	return 0;
}

static void check_diags(const diags *d)
{
	cJSON *j;
	char *text;
	int i;

	for (i = 0; i < d->n; i++) {
		const diag *g = &d->v[i];

		fz_check(g->severity && g->code && g->message, "a diagnostic lacks a field");
		/* AWS quotes the text for a syntax error instead. */
		fz_check(!g->location || g->location[0] == '/' ||
			 strcmp(g->code, "INVALID_JSON_DESCRIPTION") == 0,
			 "a location does not start at the root");
	}
	j = diag_to_json(d);
	text = js_print(j);
	cJSON_Delete(j);
	fz_check(fz_json_ok(text, strlen(text)), "the diagnostics do not print as JSON");
	free(text);
}

static void check_machine(const asl_machine *m)
{
	int i, k;

	fz_check(m->nstates > 0 && m->start >= 0 && m->start < m->nstates, "bad StartAt index");
	for (i = 0; i < m->nstates; i++) {
		const asl_state *s = &m->states[i];

		fz_check(asl_find(m, s->name) == i, "asl_find does not find a state by its name");
		fz_check(s->next >= -1 && s->next < m->nstates, "Next out of range");
		fz_check(s->next >= 0 || s->end || s->type == ASL_CHOICE || s->type == ASL_SUCCEED ||
			 s->type == ASL_FAIL, "a state without Next that does not end");
		for (k = 0; k < s->nchoices; k++)
			fz_check(s->choices[k].next >= 0 && s->choices[k].next < m->nstates,
				 "a Choice rule's Next out of range");
		fz_check(s->deflt >= -1 && s->deflt < m->nstates, "Default out of range");
		for (k = 0; k < s->ncatch; k++)
			fz_check(s->catch_[k].next >= 0 && s->catch_[k].next < m->nstates,
				 "a Catcher's Next out of range");
		for (k = 0; k < s->nbranches; k++)
			check_machine(s->branches[k]);
		if (s->processor)
			check_machine(s->processor);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	diags d = { 0 }, dx = { 0 };
	asl_machine *m = asl_load_text((const char *)data, size, &d);

	fz_check((m != NULL) == (d.errors == 0), "asl_load's result and its errors disagree");
	check_diags(&d);
	if (m) {
		check_machine(m);
		fz_check(asl_check_express(m, &dx) == dx.errors, "asl_check_express miscounts");
		check_diags(&dx);
		asl_unref(m);
	}
	diag_free(&dx);
	diag_free(&d);
	return 0;
}
