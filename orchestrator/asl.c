/* asl.c - loads, validates and compiles ASL definitions (see asl.h). */
#include "asl.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsutil.h"
#include "limits.h"
#include "xalloc.h"

#define SCHEMA "SCHEMA_VALIDATION_FAILED"

static const char *const type_names[] = {
	[ASL_PASS] = "Pass", [ASL_TASK] = "Task", [ASL_CHOICE] = "Choice",
	[ASL_WAIT] = "Wait", [ASL_SUCCEED] = "Succeed", [ASL_FAIL] = "Fail",
	[ASL_PARALLEL] = "Parallel", [ASL_MAP] = "Map",
};

const char *asl_type_name(asl_type t)
{
	return type_names[t];
}

/* The fields each state type accepts, beyond Type and Comment. */
static const char *const fields_of[][32] = {
	[ASL_PASS] = { "Next", "End", "InputPath", "OutputPath", "ResultPath",
		"Parameters", "Result", "Assign", "QueryLanguage", NULL },
	[ASL_TASK] = { "Next", "End", "Resource", "InputPath", "OutputPath",
		"ResultPath", "Parameters", "ResultSelector", "Retry", "Catch",
		"TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
		"HeartbeatSecondsPath", "Credentials", "Assign", "QueryLanguage", NULL },
	[ASL_CHOICE] = { "Choices", "Default", "InputPath", "OutputPath",
		"Assign", "QueryLanguage", NULL },
	[ASL_WAIT] = { "Next", "End", "InputPath", "OutputPath", "Seconds",
		"SecondsPath", "Timestamp", "TimestampPath", "Assign",
		"QueryLanguage", NULL },
	[ASL_SUCCEED] = { "InputPath", "OutputPath", "QueryLanguage", NULL },
	[ASL_FAIL] = { "Error", "ErrorPath", "Cause", "CausePath",
		"QueryLanguage", NULL },
	[ASL_PARALLEL] = { "Next", "End", "Branches", "InputPath", "OutputPath",
		"ResultPath", "Parameters", "ResultSelector", "Retry", "Catch",
		"Assign", "QueryLanguage", NULL },
	[ASL_MAP] = { "Next", "End", "ItemsPath", "ItemSelector", "Parameters",
		"ItemProcessor", "Iterator", "MaxConcurrency",
		"MaxConcurrencyPath", "ToleratedFailureCount",
		"ToleratedFailureCountPath", "ToleratedFailurePercentage",
		"ToleratedFailurePercentagePath", "ItemBatcher", "ItemReader",
		"ResultWriter", "Label", "InputPath", "OutputPath", "ResultPath",
		"ResultSelector", "Retry", "Catch", "Assign", "QueryLanguage", NULL },
};

/* A loading context: the diagnostics and the machine being filled. */
typedef struct loader {
	diags *d;
	int depth;
	char **names;           /* every state name met, with its location */
	char **name_locs;
	int nnames;
} loader;

static asl_machine *load_machine(loader *L, const cJSON *def, const char *loc, int top);

/* ---- small typed readers; each reports its own problem ---- */

static int has(const cJSON *o, const char *k)
{
	return js_get(o, k) != NULL;
}

static const char *get_string(loader *L, const cJSON *o, const char *k, const char *loc)
{
	const cJSON *v = js_get(o, k);

	if (!v)
		return NULL;
	if (!cJSON_IsString(v)) {
		char *l = diag_loc(loc, k);

		diag_error(L->d, SCHEMA, l, "The value of the field '%s' must be a string", k);
		free(l);
		return NULL;
	}
	return v->valuestring;
}

/* Reads a non-negative number field; returns 1 when present and valid. */
static int get_number(loader *L, const cJSON *o, const char *k, const char *loc,
		      double min, double max, int integer, double *out)
{
	const cJSON *v = js_get(o, k);
	char *l;

	if (!v)
		return 0;
	if (cJSON_IsNumber(v) && v->valuedouble >= min && v->valuedouble <= max &&
	    (!integer || floor(v->valuedouble) == v->valuedouble)) {
		*out = v->valuedouble;
		return 1;
	}
	l = diag_loc(loc, k);
	if (!cJSON_IsNumber(v) || (integer && floor(v->valuedouble) != v->valuedouble))
		diag_error(L->d, SCHEMA, l, "The value of the field '%s' must be %s",
			   k, integer ? "an integer" : "a number");
	else if (v->valuedouble < min)
		diag_error(L->d, SCHEMA, l, integer ? "Minimum value is %.0f" : "Minimum value is %.1f", min);
	else
		diag_error(L->d, SCHEMA, l, integer ? "Maximum value is %.0f" : "Maximum value is %.1f", max);
	free(l);
	return 0;
}

/* The path fields whose default is "$": given as "$", they need no work at
 * run time.  In the others "$" reads the whole input (a SecondsPath of "$"
 * waits as many seconds as the input says), so it is kept. */
static const char *const dollar_defaults[] = { "InputPath", "OutputPath", "ResultPath", "ItemsPath" };

static int dollar_is_default(const char *k)
{
	size_t i;

	for (i = 0; i < sizeof dollar_defaults / sizeof *dollar_defaults; i++)
		if (strcmp(k, dollar_defaults[i]) == 0)
			return 1;
	return 0;
}

/* Compiles the path in field k; null_flag (may be NULL) receives 1 for a
 * JSON null where null is allowed. */
static jpath *get_path(loader *L, const cJSON *o, const char *k, const char *loc,
		       int flags, int *null_flag)
{
	const cJSON *v = js_get(o, k);
	char *err = NULL, *l;
	jpath *p;

	if (!v)
		return NULL;
	if (cJSON_IsNull(v) && null_flag) {
		*null_flag = 1;
		return NULL;
	}
	l = diag_loc(loc, k);
	if (!cJSON_IsString(v)) {
		diag_error(L->d, SCHEMA, l, "The value of the field '%s' must be a string", k);
		free(l);
		return NULL;
	}
	p = jp_compile(v->valuestring, flags, &err);
	if (p && jp_root(p) == JP_ROOT_INPUT && jp_steps(p) == 0 && dollar_is_default(k)) {
		/* "$" is the default: no work at run time. */
		jp_free(p);
		free(l);
		return NULL;
	}
	if (!p) {
		if (flags & JP_REFERENCE)
			diag_error(L->d, SCHEMA, l, "Value is not a Reference Path: %s", err);
		else
			diag_error(L->d, SCHEMA, l, "Value must be a valid JSONPath.");
		free(err);
	}
	free(l);
	return p;
}

static tpl *get_tpl(loader *L, const cJSON *o, const char *k, const char *loc, int must_object)
{
	const cJSON *v = js_get(o, k);
	char *l;
	tpl *t;

	if (!v)
		return NULL;
	l = diag_loc(loc, k);
	if (must_object && !cJSON_IsObject(v)) {
		diag_error(L->d, SCHEMA, l, "The value of the field '%s' must be an object", k);
		free(l);
		return NULL;
	}
	t = tpl_compile(v, l, L->d);
	free(l);
	return t;
}

/* A literal number or its ...Path twin, never both. */
static void get_num_or_path(loader *L, const cJSON *o, const char *k, const char *loc,
			    double min, double max, int integer, asl_num *out)
{
	char pk[64];

	snprintf(pk, sizeof pk, "%sPath", k);
	if (has(o, k) && has(o, pk)) {
		diag_error(L->d, SCHEMA, loc, "There should only be one of the following fields: [%s, %s]", k, pk);
		return;
	}
	if (get_number(L, o, k, loc, min, max, integer, &out->value))
		out->set = 1;
	out->path = get_path(L, o, pk, loc, JP_REFERENCE | JP_NO_CONTEXT, NULL);
}

static char **get_error_list(loader *L, const cJSON *o, const char *loc, int *n)
{
	const cJSON *v = js_get(o, "ErrorEquals"), *c;
	char **list;
	char *l;
	int i = 0;

	*n = 0;
	if (!v) {
		diag_error(L->d, SCHEMA, loc, "These fields are required: [ErrorEquals]");
		return NULL;
	}
	l = diag_loc(loc, "ErrorEquals");
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
		diag_error(L->d, SCHEMA, l, "The value of the field 'ErrorEquals' must be a non-empty array of strings");
		free(l);
		return NULL;
	}
	list = xcalloc((size_t)cJSON_GetArraySize(v), sizeof *list);
	for (c = v->child; c; c = c->next, i++) {
		if (!cJSON_IsString(c)) {
			char *li = diag_loc_index(l, i);

			diag_error(L->d, SCHEMA, li, "The value of the field 'ErrorEquals' must be a non-empty array of strings");
			free(li);
			continue;
		}
		if (strcmp(c->valuestring, ERR_ALL) == 0 && cJSON_GetArraySize(v) > 1) {
			char *li = diag_loc_index(l, i);

			diag_error(L->d, SCHEMA, li, "States.ALL must appear alone and at end of list");
			free(li);
		}
		list[(*n)++] = xstrdup(c->valuestring);
	}
	free(l);
	return list;
}

static void check_fields(loader *L, const cJSON *o, const char *const *allowed, const char *loc)
{
	const cJSON *c;
	int i;

	for (c = o->child; c; c = c->next) {
		int ok = 0;

		for (i = 0; allowed[i]; i++)
			if (strcmp(c->string, allowed[i]) == 0)
				ok = 1;
		if (!ok)
			diag_error(L->d, SCHEMA, loc, "Field '%s' is not supported", c->string);
	}
}

/* ---- Retry and Catch ---- */

static void load_retry(loader *L, asl_state *s, const cJSON *st, const char *loc)
{
	static const char *const allowed[] = { "ErrorEquals", "IntervalSeconds",
		"MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy",
		"Comment", NULL };
	const cJSON *v = js_get(st, "Retry"), *c;
	char *l;
	int i = 0;

	if (!v)
		return;
	l = diag_loc(loc, "Retry");
	if (!cJSON_IsArray(v)) {
		diag_error(L->d, SCHEMA, l, "The value of the field 'Retry' must be an array");
		free(l);
		return;
	}
	s->retry = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *s->retry);
	for (c = v->child; c; c = c->next, i++) {
		asl_retrier *r = &s->retry[s->nretry++];
		char *li = diag_loc_index(l, i);
		const char *j;
		int k;

		r->interval = 1;
		r->max_attempts = 3;
		r->backoff = 2.0;
		if (!cJSON_IsObject(c)) {
			diag_error(L->d, SCHEMA, li, "A retrier must be an object");
			free(li);
			continue;
		}
		check_fields(L, c, allowed, li);
		r->errors = get_error_list(L, c, li, &r->nerrors);
		for (k = 0; k < r->nerrors; k++)
			if (strcmp(r->errors[k], ERR_ALL) == 0 && c->next) {
				char *le = xasprintf("%s/ErrorEquals[%d]", li, k);

				diag_error(L->d, SCHEMA, le, "States.ALL must appear alone and at end of list");
				free(le);
			}
		get_number(L, c, "IntervalSeconds", li, 1, 99999999, 1, &r->interval);
		{
			double d;

			if (get_number(L, c, "MaxAttempts", li, 0, 99999999, 1, &d))
				r->max_attempts = (int)d;
		}
		get_number(L, c, "BackoffRate", li, 1, 1e9, 0, &r->backoff);
		get_number(L, c, "MaxDelaySeconds", li, 1, 31622400, 1, &r->max_delay);
		if ((j = get_string(L, c, "JitterStrategy", li))) {
			if (strcmp(j, "FULL") == 0)
				r->jitter_full = 1;
			else if (strcmp(j, "NONE") != 0) {
				char *lj = diag_loc(li, "JitterStrategy");

				diag_error(L->d, SCHEMA, lj, "The value of the field 'JitterStrategy' must be one of [FULL, NONE]");
				free(lj);
			}
		}
		free(li);
	}
	free(l);
}

static void load_catch(loader *L, asl_state *s, const cJSON *st, const char *loc,
		       char ***next_names)
{
	static const char *const allowed[] = { "ErrorEquals", "Next", "ResultPath",
		"Assign", "Comment", NULL };
	const cJSON *v = js_get(st, "Catch"), *c;
	char *l;
	int i = 0;

	if (!v)
		return;
	l = diag_loc(loc, "Catch");
	if (!cJSON_IsArray(v)) {
		diag_error(L->d, SCHEMA, l, "The value of the field 'Catch' must be an array");
		free(l);
		return;
	}
	s->catch_ = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *s->catch_);
	*next_names = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof **next_names);
	for (c = v->child; c; c = c->next, i++) {
		asl_catcher *k = &s->catch_[s->ncatch];
		char *li = diag_loc_index(l, i);
		const char *nx;
		int e;

		k->next = -1;
		if (!cJSON_IsObject(c)) {
			diag_error(L->d, SCHEMA, li, "A catcher must be an object");
			free(li);
			s->ncatch++;
			continue;
		}
		check_fields(L, c, allowed, li);
		k->errors = get_error_list(L, c, li, &k->nerrors);
		for (e = 0; e < k->nerrors; e++)
			if (strcmp(k->errors[e], ERR_ALL) == 0 && c->next) {
				char *le = xasprintf("%s/ErrorEquals[%d]", li, e);

				diag_error(L->d, SCHEMA, le, "States.ALL must appear alone and at end of list");
				free(le);
			}
		k->result_path = get_path(L, c, "ResultPath", li,
					  JP_REFERENCE | JP_NO_CONTEXT | JP_NO_VARS, &k->result_null);
		k->assign = get_tpl(L, c, "Assign", li, 1);
		nx = get_string(L, c, "Next", li);
		if (!nx && !has(c, "Next"))
			diag_error(L->d, SCHEMA, li, "These fields are required: [Next]");
		(*next_names)[s->ncatch] = nx ? xstrdup(nx) : NULL;
		s->ncatch++;
		free(li);
	}
	free(l);
}

/* ---- states ---- */

static int disjoint(const jpath *a, const jpath *b)
{
	return !jp_prefix(a, b) && !jp_prefix(b, a);
}

/* A Pass state without Result or Parameters returns its effective input.
 * When that input is a subtree (InputPath S) that the output cannot contain
 * - OutputPath P selects elsewhere and ResultPath R writes elsewhere - the
 * subtree is garbage after the state, so the executor moves it into the
 * result instead of copying it.  Decided once here, at load. */
static int pass_can_move(const asl_state *s)
{
	if (s->result || s->parameters || !s->input_path || !jp_definite(s->input_path) ||
	    jp_steps(s->input_path) == 0 || jp_root(s->input_path) != JP_ROOT_INPUT ||
	    !s->result_path || s->result_null || !s->output_path || s->output_null ||
	    !jp_definite(s->output_path) || jp_steps(s->output_path) == 0)
		return 0;
	return disjoint(s->input_path, s->output_path) &&
	       disjoint(s->input_path, s->result_path);
}

typedef struct pending {
	char *next;            /* Next */
	char *deflt;           /* Choice Default */
	char **choice_next;    /* per choice */
	char **catch_next;     /* per catcher */
} pending;

static void load_fail_str(loader *L, const cJSON *st, const char *k, const char *loc, asl_str *out)
{
	char pk[32];
	const cJSON *pv;
	const char *v;

	snprintf(pk, sizeof pk, "%sPath", k);
	if (has(st, k) && has(st, pk)) {
		diag_error(L->d, SCHEMA, loc, "There should only be one of the following fields: [%s, %s]", k, pk);
		return;
	}
	if ((v = get_string(L, st, k, loc)))
		out->value = xstrdup(v);
	pv = js_get(st, pk);
	if (pv && cJSON_IsString(pv) && fn_looks_like(pv->valuestring)) {
		char *err = NULL, *l = diag_loc(loc, pk);

		out->fn = fn_compile(pv->valuestring, &err);
		if (!out->fn) {
			diag_error(L->d, SCHEMA, l, "The value of the field '%s' must be a valid intrinsic function call: %s", pk, err);
			free(err);
		}
		free(l);
	} else {
		out->path = get_path(L, st, pk, loc, 0, NULL);
	}
}

static void load_map(loader *L, asl_state *s, const cJSON *st, const char *loc)
{
	const cJSON *proc = js_get(st, "ItemProcessor");
	const char *pk = "ItemProcessor";
	char *l;

	if (proc && has(st, "Iterator"))
		diag_error(L->d, SCHEMA, loc, "There should only be one of the following fields: [ItemProcessor, Iterator]");
	if (!proc) {
		proc = js_get(st, "Iterator");
		pk = "Iterator";
	}
	if (has(st, "ItemSelector") && has(st, "Parameters"))
		diag_error(L->d, SCHEMA, loc, "There should only be one of the following fields: [ItemSelector, Parameters]");
	if (has(st, "ItemReader") || has(st, "ResultWriter")) {
		diag_error(L->d, SCHEMA, loc,
			   "Distributed Map (ItemReader, ResultWriter) is not supported by steplocal yet");
	}
	if (!proc) {
		diag_error(L->d, SCHEMA, loc, "These fields are required: [ItemProcessor]");
	} else {
		const cJSON *cfg;

		l = diag_loc(loc, pk);
		if (!cJSON_IsObject(proc)) {
			diag_error(L->d, SCHEMA, l, "The value of the field '%s' must be an object", pk);
		} else {
			cfg = js_get(proc, "ProcessorConfig");
			if (cfg && cJSON_IsObject(cfg)) {
				const cJSON *mode = js_get(cfg, "Mode");

				if (mode && cJSON_IsString(mode) && strcmp(mode->valuestring, "DISTRIBUTED") == 0) {
					s->distributed = 1;
				} else if (mode && (!cJSON_IsString(mode) || strcmp(mode->valuestring, "INLINE") != 0)) {
					char *lm = xasprintf("%s/ProcessorConfig/Mode", l);

					diag_error(L->d, SCHEMA, lm,
						   "The value of the field 'Mode' must be one of [INLINE, DISTRIBUTED]");
					free(lm);
				}
			}
			s->processor = load_machine(L, proc, l, 0);
		}
		free(l);
	}
	s->items_path = get_path(L, st, "ItemsPath", loc, JP_REFERENCE, NULL);
	s->parameters = get_tpl(L, st, has(st, "ItemSelector") ? "ItemSelector" : "Parameters", loc, 1);
	get_num_or_path(L, st, "MaxConcurrency", loc, 0, 99999999, 1, &s->max_concurrency);
	get_num_or_path(L, st, "ToleratedFailureCount", loc, 0, 99999999, 1, &s->tolerated_count);
	get_num_or_path(L, st, "ToleratedFailurePercentage", loc, 0, 100, 0, &s->tolerated_pct);
	if (has(st, "ItemBatcher")) {
		const cJSON *b = js_get(st, "ItemBatcher");
		static const char *const allowed[] = { "MaxItemsPerBatch",
			"MaxItemsPerBatchPath", "MaxInputBytesPerBatch",
			"MaxInputBytesPerBatchPath", "BatchInput", NULL };

		l = diag_loc(loc, "ItemBatcher");
		s->batching = 1;
		if (!cJSON_IsObject(b)) {
			diag_error(L->d, SCHEMA, l, "The value of the field 'ItemBatcher' must be an object");
		} else {
			check_fields(L, b, allowed, l);
			get_num_or_path(L, b, "MaxItemsPerBatch", l, 1, 99999999, 1, &s->batch_max_items);
			get_num_or_path(L, b, "MaxInputBytesPerBatch", l, 1, SL_MAX_PAYLOAD_BYTES, 1, &s->batch_max_bytes);
			s->batch_input = get_tpl(L, b, "BatchInput", l, 1);
		}
		free(l);
	}
}

static void load_state(loader *L, asl_state *s, const cJSON *st, const char *loc, pending *pd)
{
	static const char *const common[] = { "Type", "Comment" };
	const char *allowed[40];
	const cJSON *v;
	const char *str;
	int i, k;

	s->next = -1;
	s->deflt = -1;
	/* Fields: the type's own plus the common ones. */
	for (i = 0, k = 0; fields_of[s->type][i]; i++)
		allowed[k++] = fields_of[s->type][i];
	allowed[k++] = common[0];
	allowed[k++] = common[1];
	allowed[k] = NULL;
	check_fields(L, st, allowed, loc);

	if ((v = js_get(st, "QueryLanguage")) && cJSON_IsString(v) &&
	    strcmp(v->valuestring, "JSONPath") != 0) {
		char *l = diag_loc(loc, "QueryLanguage");

		diag_error(L->d, SCHEMA, l, "QueryLanguage '%s' is not supported by steplocal yet; only JSONPath is",
			   v->valuestring);
		free(l);
	}

	/* Transitions: Next xor End for the types that continue. */
	if (s->type == ASL_PASS || s->type == ASL_TASK || s->type == ASL_WAIT ||
	    s->type == ASL_PARALLEL || s->type == ASL_MAP) {
		const cJSON *end = js_get(st, "End");

		str = get_string(L, st, "Next", loc);
		if (end && !cJSON_IsBool(end)) {
			char *l = diag_loc(loc, "End");

			diag_error(L->d, SCHEMA, l, "The value of the field 'End' must be a boolean");
			free(l);
		}
		s->end = end && cJSON_IsTrue(end);
		if (str && s->end)
			diag_error(L->d, SCHEMA, loc, "There should only be one of the following fields: [End, Next]");
		else if (!has(st, "Next") && !s->end)
			diag_error(L->d, SCHEMA, loc, "These fields are required: [Next or End]");
		if (str)
			pd->next = xstrdup(str);
	}

	/* Input and output processing. */
	if (s->type != ASL_FAIL) {
		s->input_path = get_path(L, st, "InputPath", loc, 0, &s->input_null);
		s->output_path = get_path(L, st, "OutputPath", loc, 0, &s->output_null);
	}
	s->result_path = get_path(L, st, "ResultPath", loc, JP_REFERENCE | JP_NO_CONTEXT | JP_NO_VARS,
				  &s->result_null);
	if (s->type != ASL_MAP)
		s->parameters = get_tpl(L, st, "Parameters", loc, 1);
	s->result_selector = get_tpl(L, st, "ResultSelector", loc, 1);
	s->assign = get_tpl(L, st, "Assign", loc, 1);

	switch (s->type) {
	case ASL_PASS:
		if ((v = js_get(st, "Result")))
			s->result = js_dup(v);
		s->move_input = pass_can_move(s);
		break;
	case ASL_TASK:
		str = get_string(L, st, "Resource", loc);
		if (!has(st, "Resource"))
			diag_error(L->d, SCHEMA, loc, "These fields are required: [Resource]");
		else if (str && strncmp(str, "arn:", 4) != 0) {
			char *l = diag_loc(loc, "Resource");

			diag_error(L->d, "INVALID_RESOURCE", l, "Resource '%s' is not a valid ARN", str);
			free(l);
		}
		if (str)
			s->resource = xstrdup(str);
		get_num_or_path(L, st, "TimeoutSeconds", loc, 1, 99999999, 1, &s->timeout);
		get_num_or_path(L, st, "HeartbeatSeconds", loc, 1, 99999999, 1, &s->heartbeat);
		if (s->timeout.set && s->heartbeat.set && s->heartbeat.value >= s->timeout.value)
			diag_error(L->d, SCHEMA, loc, "HeartbeatSeconds must be smaller than TimeoutSeconds");
		break;
	case ASL_CHOICE:
		v = js_get(st, "Choices");
		if (!v) {
			diag_error(L->d, SCHEMA, loc, "These fields are required: [Choices]");
		} else if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
			char *l = diag_loc(loc, "Choices");

			diag_error(L->d, SCHEMA, l, "The value of the field 'Choices' must be a non-empty array");
			free(l);
		} else {
			const cJSON *c;
			char *l = diag_loc(loc, "Choices");

			s->choices = xcalloc((size_t)cJSON_GetArraySize(v), sizeof *s->choices);
			pd->choice_next = xcalloc((size_t)cJSON_GetArraySize(v), sizeof *pd->choice_next);
			for (c = v->child, i = 0; c; c = c->next, i++) {
				char *li = diag_loc_index(l, i);
				asl_choice *ch = &s->choices[s->nchoices++];

				ch->next = -1;
				ch->rule = ch_compile(c, 1, li, L->d);
				if (cJSON_IsObject(c)) {
					const cJSON *nx = js_get(c, "Next");

					if (nx && cJSON_IsString(nx))
						pd->choice_next[i] = xstrdup(nx->valuestring);
					ch->assign = get_tpl(L, c, "Assign", li, 1);
				}
				free(li);
			}
			free(l);
		}
		if ((str = get_string(L, st, "Default", loc)))
			pd->deflt = xstrdup(str);
		break;
	case ASL_WAIT: {
		int secs = has(st, "Seconds") || has(st, "SecondsPath");
		int stamp = has(st, "Timestamp") || has(st, "TimestampPath");

		/* A literal with its Path twin is reported by get_num_or_path. */
		if (!secs && !stamp)
			diag_error(L->d, SCHEMA, loc,
				   "These fields are required: [Seconds, SecondsPath, Timestamp, TimestampPath]");
		else if ((secs && stamp) || (has(st, "Timestamp") && has(st, "TimestampPath")))
			diag_error(L->d, SCHEMA, loc,
				   "There should only be one of the following fields: [Seconds, SecondsPath, Timestamp, TimestampPath]");
		get_num_or_path(L, st, "Seconds", loc, 0, 99999999, 1, &s->seconds);
		if ((str = get_string(L, st, "Timestamp", loc))) {
			if (ch_parse_timestamp(str, &s->timestamp_s)) {
				char *l = diag_loc(loc, "Timestamp");

				diag_error(L->d, SCHEMA, l, "The value of the field 'Timestamp' must be an RFC3339 timestamp");
				free(l);
			}
			s->timestamp = xstrdup(str);
		}
		s->timestamp_path = get_path(L, st, "TimestampPath", loc, JP_REFERENCE, NULL);
		break;
	}
	case ASL_FAIL:
		load_fail_str(L, st, "Error", loc, &s->error);
		load_fail_str(L, st, "Cause", loc, &s->cause);
		break;
	case ASL_PARALLEL:
		v = js_get(st, "Branches");
		if (!v) {
			diag_error(L->d, SCHEMA, loc, "These fields are required: [Branches]");
		} else if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
			char *l = diag_loc(loc, "Branches");

			diag_error(L->d, SCHEMA, l, "The value of the field 'Branches' must be a non-empty array");
			free(l);
		} else {
			const cJSON *c;
			char *l = diag_loc(loc, "Branches");

			s->branches = xcalloc((size_t)cJSON_GetArraySize(v), sizeof *s->branches);
			for (c = v->child, i = 0; c; c = c->next, i++) {
				char *li = diag_loc_index(l, i);

				if (!cJSON_IsObject(c))
					diag_error(L->d, SCHEMA, li, "A branch must be an object");
				else
					s->branches[s->nbranches++] = load_machine(L, c, li, 0);
				free(li);
			}
			free(l);
		}
		break;
	case ASL_MAP:
		load_map(L, s, st, loc);
		break;
	default:
		break;
	}
	if (s->type == ASL_TASK || s->type == ASL_PARALLEL || s->type == ASL_MAP) {
		load_retry(L, s, st, loc);
		load_catch(L, s, st, loc, &pd->catch_next);
	}
}

/* ---- machines ---- */

typedef struct name_ix {
	const char *name;
	int index;
} name_ix;

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const name_ix *)a)->name, ((const name_ix *)b)->name);
}

int asl_find(const asl_machine *m, const char *name)
{
	int i;

	for (i = 0; i < m->nstates; i++)
		if (strcmp(m->states[i].name, name) == 0)
			return i;
	return -1;
}

static int resolve(loader *L, const name_ix *ix, int n, const char *name,
		   const char *loc, const char *field)
{
	name_ix key = { name, 0 }, *hit;
	char *l;

	if (!name)
		return -1;
	hit = bsearch(&key, ix, (size_t)n, sizeof *ix, cmp_name);
	if (hit)
		return hit->index;
	l = diag_loc(loc, field);
	diag_error(L->d, "MISSING_TRANSITION_TARGET", l, "Missing 'Next' target: %s", name);
	free(l);
	return -1;
}

static void free_state(asl_state *s);

static void push_unseen(int i, char *seen, int *stack, int *n)
{
	if (i >= 0 && !seen[i]) {
		seen[i] = 1;
		stack[(*n)++] = i;
	}
}

/* Marks in seen every state reachable from start.  A loop, not recursion:
 * a chain of Next states is as long as the definition is (200,000 states
 * overflowed the stack). */
static void mark(const asl_machine *m, int start, char *seen)
{
	int *stack = xmalloc(((size_t)m->nstates + 1) * sizeof *stack);
	int n = 0, k;

	push_unseen(start, seen, stack, &n);
	while (n > 0) {
		const asl_state *s = &m->states[stack[--n]];

		push_unseen(s->next, seen, stack, &n);
		push_unseen(s->deflt, seen, stack, &n);
		for (k = 0; k < s->nchoices; k++)
			push_unseen(s->choices[k].next, seen, stack, &n);
		for (k = 0; k < s->ncatch; k++)
			push_unseen(s->catch_[k].next, seen, stack, &n);
	}
	free(stack);
}

static asl_machine *load_machine(loader *L, const cJSON *def, const char *loc, int top)
{
	static const char *const top_fields[] = { "StartAt", "States", "Comment",
		"Version", "TimeoutSeconds", "QueryLanguage", NULL };
	static const char *const branch_fields[] = { "StartAt", "States", "Comment",
		"ProcessorConfig", NULL };
	asl_machine *m = xcalloc(1, sizeof *m);
	const cJSON *states, *c;
	const char *start;
	pending *pd;
	name_ix *ix;
	char *sl;
	int i, broken = 0;

	m->refs = 1;
	m->start = -1;
	if (++L->depth > SL_MAX_JSON_DEPTH / 4) {
		diag_error(L->d, SCHEMA, loc, "The definition is nested too deeply");
		L->depth--;
		return m;
	}
	check_fields(L, def, top ? top_fields : branch_fields, loc);
	if (top) {
		get_number(L, def, "TimeoutSeconds", loc, 1, 99999999, 1, &m->timeout_seconds);
		if ((c = js_get(def, "QueryLanguage")) && cJSON_IsString(c) &&
		    strcmp(c->valuestring, "JSONPath") != 0)
			diag_error(L->d, SCHEMA, loc, "QueryLanguage '%s' is not supported by steplocal yet; only JSONPath is",
				   c->valuestring);
	}
	start = get_string(L, def, "StartAt", loc);
	states = js_get(def, "States");
	if (!states || !has(def, "StartAt"))
		diag_error(L->d, SCHEMA, loc, "These fields are required: [%s%s%s]",
			   states ? "" : "States", !states && !has(def, "StartAt") ? ", " : "",
			   has(def, "StartAt") ? "" : "StartAt");
	if (!states) {
		L->depth--;
		return m;
	}
	sl = diag_loc(loc, "States");
	if (!cJSON_IsObject(states) || !states->child) {
		diag_error(L->d, SCHEMA, sl, "The value of the field 'States' must be a non-empty object");
		free(sl);
		L->depth--;
		return m;
	}
	m->nstates = cJSON_GetArraySize(states);
	m->states = xcalloc((size_t)m->nstates, sizeof *m->states);
	pd = xcalloc((size_t)m->nstates, sizeof *pd);
	ix = xcalloc((size_t)m->nstates, sizeof *ix);
	for (c = states->child, i = 0; c; c = c->next, i++) {
		asl_state *s = &m->states[i];
		char *l = diag_loc(sl, c->string);
		const cJSON *t;
		int k;

		s->name = xstrdup(c->string);
		s->index = i;
		s->next = -1;
		s->deflt = -1;
		ix[i].name = s->name;
		ix[i].index = i;
		if (strlen(c->string) == 0 || strlen(c->string) > SL_MAX_STATE_NAME)
			diag_error(L->d, "INVALID_STATE_NAME", l,
				   "State name '%s' must be 1 to %d characters long", c->string, SL_MAX_STATE_NAME);
		if (!cJSON_IsObject(c)) {
			diag_error(L->d, SCHEMA, l, "A state must be an object");
			free(l);
			continue;
		}
		t = js_get(c, "Type");
		if (!t) {
			diag_error(L->d, SCHEMA, l, "These fields are required: [Type]");
			free(l);
			broken = 1;
			continue;
		}
		for (k = 0; k <= ASL_MAP; k++)
			if (cJSON_IsString(t) && strcmp(t->valuestring, type_names[k]) == 0)
				break;
		if (k > ASL_MAP) {
			char *lt = diag_loc(l, "Type");

			diag_error(L->d, SCHEMA, lt,
				   "The value of the field 'Type' must be one of [Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map]");
			free(lt);
			free(l);
			broken = 1;
			continue;
		}
		s->type = (asl_type)k;
		load_state(L, s, c, l, &pd[i]);
		/* A state whose transitions are unknown hides the flow: the
		 * flow checks below would only add noise. */
		if ((k == ASL_PASS || k == ASL_TASK || k == ASL_WAIT || k == ASL_PARALLEL ||
		     k == ASL_MAP) && !s->end && !pd[i].next)
			broken = 1;
		if (k == ASL_CHOICE && !s->nchoices)
			broken = 1;
		free(l);
	}
	/* Names are unique in the whole definition (checked in asl_load);
	 * resolve every transition of this machine. */
	qsort(ix, (size_t)m->nstates, sizeof *ix, cmp_name);
	for (i = 0; i < m->nstates; i++) {
		L->names = xrealloc(L->names, sizeof *L->names * (size_t)(L->nnames + 1));
		L->name_locs = xrealloc(L->name_locs, sizeof *L->name_locs * (size_t)(L->nnames + 1));
		L->names[L->nnames] = m->states[i].name;
		L->name_locs[L->nnames] = diag_loc(sl, m->states[i].name);
		L->nnames++;
	}
	if (start) {
		m->start = resolve(L, ix, m->nstates, start, loc, "StartAt");
	}
	for (i = 0; i < m->nstates; i++) {
		asl_state *s = &m->states[i];
		char *l = diag_loc(sl, s->name);
		int k;

		s->next = resolve(L, ix, m->nstates, pd[i].next, l, "Next");
		s->deflt = resolve(L, ix, m->nstates, pd[i].deflt, l, "Default");
		for (k = 0; k < s->nchoices; k++) {
			char *lcc = xasprintf("%s/Choices[%d]", l, k);

			s->choices[k].next = resolve(L, ix, m->nstates, pd[i].choice_next ?
						     pd[i].choice_next[k] : NULL, lcc, "Next");
			free(lcc);
		}
		for (k = 0; k < s->ncatch; k++) {
			char *lc = xasprintf("%s/Catch[%d]", l, k);

			s->catch_[k].next = resolve(L, ix, m->nstates, pd[i].catch_next ?
						    pd[i].catch_next[k] : NULL, lc, "Next");
			free(lc);
		}
		free(pd[i].next);
		free(pd[i].deflt);
		for (k = 0; pd[i].choice_next && k < s->nchoices; k++)
			free(pd[i].choice_next[k]);
		free(pd[i].choice_next);
		for (k = 0; pd[i].catch_next && k < s->ncatch; k++)
			free(pd[i].catch_next[k]);
		free(pd[i].catch_next);
		free(l);
	}
	/* A terminal state, then reachability (only when there is one: AWS
	 * reports a missing end alone), even when other problems were found:
	 * a dangling Next leaves states unreachable, and AWS says so. */
	if (start && !broken) {
		char *seen = xcalloc((size_t)m->nstates, 1);
		int terminal = 0;

		if (m->start >= 0)
			mark(m, m->start, seen);
		for (i = 0; i < m->nstates; i++) {
			asl_state *s = &m->states[i];

			if (s->end || s->type == ASL_SUCCEED || s->type == ASL_FAIL)
				terminal = 1;
		}
		if (!terminal)
			diag_error(L->d, "MISSING_END_STATE", NULL, "Workflow has no terminal state");
		/* A state named twice is one state (reported as a duplicate). */
		for (i = 1; i < m->nstates; i++)
			if (strcmp(ix[i - 1].name, ix[i].name) == 0) {
				seen[ix[i - 1].index] = 1;
				seen[ix[i].index] = 1;
			}
		for (i = 0; terminal && i < m->nstates; i++) {
			if (!seen[i]) {
				char *l = diag_loc(sl, m->states[i].name);

				diag_error(L->d, "MISSING_TRANSITION_TARGET", l,
					   "State \"%s\" is not reachable.", m->states[i].name);
				free(l);
			}
		}
		free(seen);
	}
	free(pd);
	free(ix);
	free(sl);
	L->depth--;
	return m;
}

static void free_machine(asl_machine *m);

static void free_strs(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_state(asl_state *s)
{
	int i;

	free(s->name);
	jp_free(s->input_path);
	jp_free(s->output_path);
	jp_free(s->result_path);
	tpl_free(s->parameters);
	tpl_free(s->result_selector);
	tpl_free(s->assign);
	cJSON_Delete(s->result);
	free(s->resource);
	jp_free(s->timeout.path);
	jp_free(s->heartbeat.path);
	for (i = 0; i < s->nretry; i++)
		free_strs(s->retry[i].errors, s->retry[i].nerrors);
	free(s->retry);
	for (i = 0; i < s->ncatch; i++) {
		free_strs(s->catch_[i].errors, s->catch_[i].nerrors);
		jp_free(s->catch_[i].result_path);
		tpl_free(s->catch_[i].assign);
	}
	free(s->catch_);
	for (i = 0; i < s->nchoices; i++) {
		ch_free(s->choices[i].rule);
		tpl_free(s->choices[i].assign);
	}
	free(s->choices);
	jp_free(s->seconds.path);
	free(s->timestamp);
	jp_free(s->timestamp_path);
	free(s->error.value);
	jp_free(s->error.path);
	fn_free(s->error.fn);
	free(s->cause.value);
	jp_free(s->cause.path);
	fn_free(s->cause.fn);
	for (i = 0; i < s->nbranches; i++)
		free_machine(s->branches[i]);
	free(s->branches);
	free_machine(s->processor);
	jp_free(s->items_path);
	jp_free(s->max_concurrency.path);
	jp_free(s->tolerated_count.path);
	jp_free(s->tolerated_pct.path);
	jp_free(s->batch_max_items.path);
	jp_free(s->batch_max_bytes.path);
	tpl_free(s->batch_input);
}

static void free_machine(asl_machine *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < m->nstates; i++)
		free_state(&m->states[i]);
	free(m->states);
	cJSON_Delete(m->source);
	free(m);
}

/* Reports every state name used twice anywhere in the definition, at the
 * later place, as the specification makes names unique in the whole
 * machine (Parallel branches and Map processors included). */
/* By name, then by discovery order (qsort is not stable). */
static int by_name_then_order(const void *a, const void *b, void *arg)
{
	const loader *L = arg;
	int x = *(const int *)a, y = *(const int *)b, c = strcmp(L->names[x], L->names[y]);

	return c ? c : (x > y) - (x < y);
}

static void check_duplicates(loader *L)
{
	int *order = xcalloc((size_t)L->nnames + 1, sizeof *order);
	int i;

	for (i = 0; i < L->nnames; i++)
		order[i] = i;
	/* n log n: a 1 MB definition can hold some 40,000 states. */
	qsort_r(order, (size_t)L->nnames, sizeof *order, by_name_then_order, L);
	for (i = 1; i < L->nnames; i++)
		if (strcmp(L->names[order[i - 1]], L->names[order[i]]) == 0)
			diag_error(L->d, "DUPLICATE_STATE_NAME", L->name_locs[order[i]],
				   "Duplicate State name: %s", L->names[order[i]]);
	for (i = 0; i < L->nnames; i++)
		free(L->name_locs[i]);
	free(L->names);
	free(L->name_locs);
	free(order);
}

asl_machine *asl_load(const cJSON *def, diags *d)
{
	loader L = { d, 0, NULL, NULL, 0 };
	int errors = d->errors;
	asl_machine *m;

	if (!cJSON_IsObject(def)) {
		diag_error(d, SCHEMA, NULL, "Definition must be a valid JSON object");
		return NULL;
	}
	m = load_machine(&L, def, "", 1);
	check_duplicates(&L);
	if (d->errors > errors) {
		free_machine(m);
		return NULL;
	}
	m->source = js_dup(def);
	return m;
}

/* How many arrays and objects are open before text[off] (outside strings). */
static size_t json_depth_at(const char *text, size_t off)
{
	size_t i, depth = 0;
	int in_string = 0;

	for (i = 0; i < off; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return depth;
}

/* Reports a JSON syntax error as AWS does, in the words of its parser
 * (Jackson): the message, then the source and position, which is also the
 * diagnostic's location.  Nesting deeper than SL_MAX_JSON_DEPTH (cJSON's
 * own limit) is said in the words of Jackson's StreamReadConstraints. */
static void json_syntax_error(diags *d, const char *text, size_t len, size_t off)
{
	size_t i = off, b, line = 1, col, depth;
	char *msg, *where;
	int shown = len > SL_MAX_SOURCE_QUOTE ? SL_MAX_SOURCE_QUOTE : (int)len;

	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	b = i;
	if (i < len && (text[i] == '{' || text[i] == '[') &&
	    (depth = json_depth_at(text, i)) >= SL_MAX_JSON_DEPTH) {
		msg = xasprintf("Document nesting depth (%zu) exceeds the maximum allowed (%d, from "
				"`StreamReadConstraints.getMaxNestingDepth()`)", depth + 1, SL_MAX_JSON_DEPTH);
		i++;
	} else if (i < len && (unsigned char)text[i] >= 0x80) {
		/* Not UTF-8 (js_parse stops there): a bad lead byte, or a bad
		 * byte after a good one. */
		unsigned char c = (unsigned char)text[i];
		size_t k = i + 1;

		while (c >= 0xc2 && c <= 0xf4 && k < len && k < i + 4 &&
		       ((unsigned char)text[k] & 0xc0) == 0x80 && !(k == i + 1 &&
		       ((c == 0xe0 && (unsigned char)text[k] < 0xa0) || (c == 0xed && (unsigned char)text[k] > 0x9f) ||
			(c == 0xf0 && (unsigned char)text[k] < 0x90) || (c == 0xf4 && (unsigned char)text[k] > 0x8f))))
			k++;
		if (c >= 0xc2 && c <= 0xf4 && k < len) {
			msg = xasprintf("Invalid UTF-8 middle byte 0x%x", (unsigned char)text[k]);
			i = k + 1;
		} else if (c >= 0xc2 && c <= 0xf4) {
			msg = xstrdup("Unexpected end-of-input in a UTF-8 sequence");
			i = len;
		} else {
			msg = xasprintf("Invalid UTF-8 start byte 0x%x", c);
			i++;
		}
		/* The quoted source stops before the bad bytes: diagnostics are UTF-8. */
		shown = (int)(b < (size_t)shown ? b : (size_t)shown);
	} else if (i < len && (isalpha((unsigned char)text[i]) || text[i] == '_')) {
		while (i < len && (isalnum((unsigned char)text[i]) || text[i] == '_'))
			i++;
		msg = xasprintf("Unrecognized token '%.*s': was expecting (JSON String, Number, Array, "
				"Object or token 'null', 'true' or 'false')", (int)(i - b), text + b);
	} else if (i >= len) {
		msg = xstrdup("Unexpected end-of-input");
	} else {
		msg = xasprintf("Unexpected character ('%c' (code %d))", text[i], (unsigned char)text[i]);
		i++;
	}
	for (col = 1, b = 0; b < i && b < len; b++, col++)
		if (text[b] == '\n') {
			line++;
			col = 0;
		}
	where = xasprintf("[Source: (String)\"%.*s\"; line: %zu, column: %zu]", shown, text, line, col);
	diag_error(d, "INVALID_JSON_DESCRIPTION", where, "%s\n at %s", msg, where);
	free(where);
	free(msg);
}

asl_machine *asl_load_text(const char *text, size_t len, diags *d)
{
	size_t off = 0, blank = 0;
	cJSON *def;
	asl_machine *m;

	/* Within len only: the text need not end with a NUL byte. */
	while (blank < len && (text[blank] == ' ' || text[blank] == '\t' || text[blank] == '\r' ||
			       text[blank] == '\n'))
		blank++;
	if (blank == len) {
		diag_error(d, SCHEMA, NULL, "Definition must be a valid JSON object");
		return NULL;
	}
	def = js_parse_source(text, len, &off);
	if (!def) {
		json_syntax_error(d, text, len, off);
		return NULL;
	}
	m = asl_load(def, d);
	cJSON_Delete(def);
	return m;
}

asl_machine *asl_ref(asl_machine *m)
{
	m->refs++;
	return m;
}

void asl_unref(asl_machine *m)
{
	if (m && --m->refs == 0)
		free_machine(m);
}

static int check_express(const asl_machine *m, const char *loc, diags *d)
{
	int i, k, n = 0;

	for (i = 0; m && i < m->nstates; i++) {
		const asl_state *s = &m->states[i];
		char *sl = xasprintf("%s/States/%s", loc, s->name);

		if (s->type == ASL_TASK && s->resource &&
		    fs_ends_with(s->resource, ".waitForTaskToken")) {
			char *l = diag_loc(sl, "Resource");

			/* AWS's message ends with a space. */
			diag_error(d, SCHEMA, l,
				   "Express state machine does not support '.waitForTaskToken' service integration ");
			free(l);
			n++;
		}
		for (k = 0; k < s->nbranches; k++) {
			char *bl = xasprintf("%s/Branches[%d]", sl, k);

			n += check_express(s->branches[k], bl, d);
			free(bl);
		}
		if (s->processor) {
			char *pl = diag_loc(sl, "ItemProcessor");

			n += check_express(s->processor, pl, d);
			free(pl);
		}
		free(sl);
	}
	return n;
}

int asl_check_express(const asl_machine *m, diags *d)
{
	return check_express(m, "", d);
}
