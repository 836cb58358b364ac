/* teststate.c - AWS's TestState API: checks, the run of one state, the answer (see teststate.h). */
#include "teststate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "xalloc.h"

/* The name a state given on its own runs under: AWS's context object
 * calls every tested state so (exec.c writes it into $$.State.Name). */
#define TS_STATE "StateName"

struct ts_run {
	asl_machine *m;
	ex_test test;
	char *state;              /* the tested state's name in m */
	char *input_text;         /* as given: inspectionData.input echoes it */
	cJSON *input;             /* until started */
	char *role;
	char *variables_text;
	cJSON *variables, *context, *mock_result;
	char *mock_error, *mock_cause;
	sl_exec *x;
};

void ts_free(ts_run *r)
{
	if (!r)
		return;
	ex_test_clear(&r->test);
	asl_unref(r->m);
	free(r->state);
	free(r->input_text);
	cJSON_Delete(r->input);
	free(r->role);
	free(r->variables_text);
	cJSON_Delete(r->variables);
	cJSON_Delete(r->context);
	cJSON_Delete(r->mock_result);
	free(r->mock_error);
	free(r->mock_cause);
	free(r);
}

/* Refuses the request: *code and *msg as AWS answers. */
static ts_run *refuse(ts_run *r, const char **code, char **msg, const char *c, char *m)
{
	ts_free(r);
	*code = c;
	*msg = m;
	return NULL;
}

/* ---- finding the state ---- */

/* The object holding state `name` in its "States": the definition itself
 * or a Branch, ItemProcessor or Iterator at any depth; NULL when none. */
static const cJSON *container_of(const cJSON *def, const char *name, int depth)
{
	const cJSON *st, *b, *found;

	if (depth > SL_MAX_JSON_DEPTH || !cJSON_IsObject(js_get(def, "States")))
		return NULL;
	if (js_get(js_get(def, "States"), name))
		return def;
	cJSON_ArrayForEach(st, js_get(def, "States")) {
		cJSON_ArrayForEach(b, js_get(st, "Branches"))
			if ((found = container_of(b, name, depth + 1)))
				return found;
		if ((found = container_of(js_get(st, "ItemProcessor"), name, depth + 1)) ||
		    (found = container_of(js_get(st, "Iterator"), name, depth + 1)))
			return found;
	}
	return NULL;
}

static void add_succeed(cJSON *states, const cJSON *name)
{
	cJSON *st;

	if (!cJSON_IsString(name) || js_get(states, name->valuestring))
		return;
	st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "Type", "Succeed");
	js_set(states, name->valuestring, st);
}

/* A state given on its own, as a state machine: the state, and a Succeed
 * state for each state it may go to, so that it validates and its next
 * state can be named. */
static cJSON *wrap_state(const cJSON *state)
{
	cJSON *def = cJSON_CreateObject(), *states = cJSON_CreateObject();
	const cJSON *k;

	cJSON_AddStringToObject(def, "StartAt", TS_STATE);
	cJSON_AddItemToObject(def, "States", states);
	cJSON_AddItemToObject(states, TS_STATE, js_dup(state));
	add_succeed(states, js_get(state, "Next"));
	add_succeed(states, js_get(state, "Default"));
	cJSON_ArrayForEach(k, js_get(state, "Choices"))
		add_succeed(states, js_get(k, "Next"));
	cJSON_ArrayForEach(k, js_get(state, "Catch"))
		add_succeed(states, js_get(k, "Next"));
	return def;
}

/* Compiles def, or answers InvalidDefinition as CreateStateMachine does. */
static asl_machine *compile(const cJSON *def, char **msg)
{
	diags d = { 0 };
	asl_machine *m = asl_load(def, &d);

	if (!m)
		*msg = diag_invalid_definition(&d);
	diag_free(&d);
	return m;
}

/* ---- the members ---- */

/* The context object given: AWS takes Execution, State, StateMachine and,
 * for a callback or .sync Task, Task, each with its own fields. */
static char *check_context(const cJSON *ctx, const char *resource)
{
	static const struct {
		const char *part;
		const char *fields[8];
		const char *strings[8];
	} parts[] = {
		{ "Execution", { "Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount",
				 "RedriveTime", NULL },
			       { "Id", "Name", "RoleArn", "StartTime", "RedriveTime", NULL } },
		{ "State", { "Name", "EnteredTime", "RetryCount", NULL },
			   { "Name", "EnteredTime", NULL } },
		{ "StateMachine", { "Id", "Name", NULL }, { "Id", "Name", NULL } },
		{ "Task", { "Token", NULL }, { "Token", NULL } },
	};
	const cJSON *p, *f;
	size_t i, k;
	size_t n = resource ? strlen(resource) : 0;
	int callback = n && (strstr(resource, ".sync") ||
			     (n > 17 && !strcmp(resource + n - 17, ".waitForTaskToken")));

	if (!cJSON_IsObject(ctx))
		return xstrdup("Invalid Context object provided: the context object must be a JSON object");
	cJSON_ArrayForEach(p, ctx) {
		if (strcmp(p->string, "Map") == 0)
			return xstrdup("Invalid Context object provided: 'Map' field is not supported "
				       "when mocking a Context object");
		for (i = 0; i < sizeof parts / sizeof *parts; i++)
			if (strcmp(p->string, parts[i].part) == 0)
				break;
		if (i == sizeof parts / sizeof *parts)
			return xasprintf("Invalid Context object provided: Field '%s' is not allowed",
					 p->string);
		if (strcmp(p->string, "Task") == 0 && !callback)
			return xstrdup("Invalid Context object provided: Context object contains 'Task' "
				       "when state is not a Task state with a '.sync' or "
				       "'.waitForTaskToken' service integration pattern");
		if (!cJSON_IsObject(p))
			return xasprintf("Invalid Context object provided: %s must be an object", p->string);
		cJSON_ArrayForEach(f, p) {
			for (k = 0; parts[i].fields[k]; k++)
				if (strcmp(f->string, parts[i].fields[k]) == 0)
					break;
			if (!parts[i].fields[k])
				return xasprintf("Invalid Context object provided: Field '%s' is not allowed",
						 f->string);
			for (k = 0; parts[i].strings[k]; k++)
				if (strcmp(f->string, parts[i].strings[k]) == 0 && !cJSON_IsString(f))
					return xasprintf("Invalid Context object provided: %s.%s must be "
							 "a string", p->string, f->string);
		}
	}
	return NULL;
}

/* The mock: result (JSON text) or errorOutput {error, cause}. */
static char *take_mock(ts_run *r, const cJSON *mock, const char **code)
{
	const cJSON *res = js_get(mock, "result"), *eo = js_get(mock, "errorOutput");
	const cJSON *e = js_get(eo, "error"), *c = js_get(eo, "cause");

	*code = "ValidationException";
	if (res && eo)
		return xstrdup("A test mock should have only one of the following fields: "
			       "[result, errorOutput].");
	if (!res && !eo)
		return xstrdup("A test mock should have one of the following fields: "
			       "[result, errorOutput].");
	if (res) {
		if (!cJSON_IsString(res) ||
		    !(r->mock_result = js_parse(res->valuestring, strlen(res->valuestring), NULL)))
			return xstrdup("Mocked result must be valid JSON");
		return NULL;
	}
	if (!cJSON_IsString(e))
		return xstrdup("1 validation error detected: Value null at 'mock.errorOutput.error' "
			       "failed to satisfy constraint: Member must not be null");
	r->mock_error = xstrdup(e->valuestring);
	r->mock_cause = cJSON_IsString(c) ? xstrdup(c->valuestring) : NULL;
	return NULL;
}

/* What AWS refuses of the tested state, in AWS's order: Map and Parallel
 * need a mock, Pass, Fail, Succeed, Choice and Wait take none, a real
 * Task needs a role, a mocked Map's or Parallel's result has their shape.
 * Returns the message (owned) with *code, or NULL. */
static char *check_state(const ts_run *r, const ts_request *rq, const cJSON *state,
			 const char **code)
{
	const cJSON *type = js_get(state, "Type");
	const char *t = cJSON_IsString(type) ? type->valuestring : "";
	int map = !strcmp(t, "Map"), par = !strcmp(t, "Parallel");
	const cJSON *res = r->mock_result;

	*code = "ValidationException";
	if ((map || par) && !rq->mock) {
		*code = "InvalidDefinition";
		return xstrdup("TestState API does not support Map or Parallel states. Supported "
			       "state types include: [Task, Wait, Pass, Succeed, Fail, Choice]");
	}
	if (rq->mock && *t && strcmp(t, "Task") && !map && !par)
		return xasprintf("State type '%s' is not supported when a mock is specified", t);
	if (!strcmp(t, "Task") && !rq->mock && !rq->role_arn)
		return xstrdup("RoleArn must be specified when testing a Task state");
	if (res && map && js_get(state, "ResultWriter") && !cJSON_IsObject(res))
		return xstrdup("Mocked result must be a JSON object.");
	if (res && ((map && !js_get(state, "ResultWriter")) || par) && !cJSON_IsArray(res))
		return xstrdup("Mocked result must be an array.");
	if (res && par && cJSON_GetArraySize(res) != cJSON_GetArraySize(js_get(state, "Branches")))
		return xstrdup("Mocked result must contain the same number of items as number of "
			       "Parallel branches.");
	return NULL;
}

/* A non-negative integer of stateConfiguration, or dflt. */
static int config_int(const cJSON *cfg, const char *key, long dflt, long *out, char **msg)
{
	const cJSON *v = js_get(cfg, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!js_is_integer(v) || v->valuedouble < 0) {
		*msg = xasprintf("1 validation error detected: Value at 'stateConfiguration.%s' failed "
				 "to satisfy constraint: Member must have value greater than or equal "
				 "to 0", key);
		return -1;
	}
	*out = (long)v->valuedouble;
	return 0;
}

ts_run *ts_prepare(const ts_request *rq, const char **code, char **msg)
{
	ts_run *r = xcalloc(1, sizeof *r);
	cJSON *def, *own = NULL;
	const cJSON *state, *holder;
	const char *name = rq->state_name;
	const char *input = rq->input ? rq->input : "{}";
	size_t off = 0;
	char *m = NULL;
	long retries, failures;

	if (rq->mock && rq->reveal_secrets)
		return refuse(r, code, msg, "ValidationException",
			      xstrdup("TestState does not support RevealSecrets when a mock is specified."));
	if (rq->mock && (m = take_mock(r, rq->mock, code)))
		return refuse(r, code, msg, *code, m);
	/* The definition: one state, or a state machine and the state's name. */
	if (strlen(rq->definition) > SL_DEFAULT_MAX_DEFINITION)
		return refuse(r, code, msg, "InvalidDefinition",
			      xasprintf("Invalid State Machine Definition: 'The definition is larger "
					"than %d bytes'", SL_DEFAULT_MAX_DEFINITION));
	if (!(def = js_parse_source(rq->definition, strlen(rq->definition), NULL)) ||
	    !cJSON_IsObject(def)) {
		diags d = { 0 };
		asl_machine *bad = asl_load_text(rq->definition, strlen(rq->definition), &d);

		asl_unref(bad);
		cJSON_Delete(def);
		m = diag_invalid_definition(&d);
		diag_free(&d);
		return refuse(r, code, msg, "InvalidDefinition", m);
	}
	if (!name && js_get(def, "States") && cJSON_IsString(js_get(def, "StartAt")))
		name = js_get(def, "StartAt")->valuestring;   /* a state machine: its first state */
	if (name) {
		asl_machine *whole;

		if (!(holder = container_of(def, name, 0))) {
			cJSON_Delete(def);
			return refuse(r, code, msg, "ValidationException",
				      xstrdup("State not found in definition"));
		}
		if (!(whole = compile(def, &m))) {
			cJSON_Delete(def);
			return refuse(r, code, msg, "InvalidDefinition", m);
		}
		if (holder == def) {
			r->m = whole;
		} else {
			/* A nested state runs in its own branch or processor. */
			own = cJSON_CreateObject();
			cJSON_AddItemToObject(own, "StartAt", js_dup(js_get(holder, "StartAt")));
			cJSON_AddItemToObject(own, "States", js_dup(js_get(holder, "States")));
			asl_unref(whole);
		}
		state = js_get(js_get(holder, "States"), name);
		r->state = xstrdup(name);
	} else {
		state = def;
		own = wrap_state(def);
		r->state = xstrdup(TS_STATE);
	}
	if ((m = check_state(r, rq, state, code)) == NULL && rq->context) {
		const cJSON *res = js_get(state, "Resource");

		r->context = js_parse(rq->context, strlen(rq->context), NULL);
		if ((m = check_context(r->context, cJSON_IsString(res) ? res->valuestring : NULL)))
			*code = "ValidationException";
	}
	if (!m && own && !(r->m = compile(own, &m)))
		*code = "InvalidDefinition";
	cJSON_Delete(own);
	cJSON_Delete(def);
	if (m)
		return refuse(r, code, msg, *code, m);
	/* The input, variables and configuration. */
	if (!(r->input = js_parse(input, strlen(input), &off)))
		return refuse(r, code, msg, "InvalidExecutionInput",
			      xasprintf("Invalid State Machine Execution Input: 'Unexpected character "
					"at offset %zu'", off));
	r->input_text = xstrdup(input);
	if (rq->variables) {
		r->variables = js_parse(rq->variables, strlen(rq->variables), NULL);
		if (!cJSON_IsObject(r->variables))
			return refuse(r, code, msg, "ValidationException",
				      xstrdup("Invalid variables provided: the variables must be a JSON object"));
		r->variables_text = xstrdup(rq->variables);
	}
	if (config_int(rq->config, "retrierRetryCount", 0, &retries, &m) ||
	    config_int(rq->config, "mapIterationFailureCount", -1, &failures, &m))
		return refuse(r, code, msg, "ValidationException", m);
	r->role = rq->role_arn ? xstrdup(rq->role_arn) : NULL;
	r->test.state = r->state;
	r->test.retrier_retry_count = (int)retries;
	r->test.map_failures = failures;
	r->test.context = r->context;
	r->test.variables = r->variables;
	r->test.mock_result = r->mock_result;
	r->test.mock_error = r->mock_error;
	r->test.mock_cause = r->mock_cause;
	r->test.inspect = rq->inspection_level && strcmp(rq->inspection_level, "INFO") != 0;
	return r;
}

sl_exec *ts_start(ts_run *r, sl_engine *g, const char *region, const char *account)
{
	sl_exec_opts o = { 0 };

	o.state_machine_name = "TestStateMachine";
	o.region = region;
	o.account = account;
	o.role_arn = r->role;
	o.express = 1;
	o.input_text = r->input_text;
	o.test = &r->test;
	r->x = ex_start(g, r->m, &o, r->input);
	r->input = NULL;
	return r->x;
}

static void add_text(cJSON *o, const char *key, const cJSON *v)
{
	char *t = js_print(v);

	cJSON_AddStringToObject(o, key, t);
	free(t);
}

cJSON *ts_response(const ts_run *r)
{
	const ex_test *t = &r->test;
	cJSON *out = cJSON_CreateObject(), *ins, *ed, *v;
	const char *status;
	const char *error = ex_error(r->x), *cause = ex_cause(r->x);
	int ok = ex_get_status(r->x) == EX_SUCCEEDED;

	if (t->status == EXT_RETRIABLE)
		status = "RETRIABLE";
	else if (t->status == EXT_CAUGHT_ERROR)
		status = "CAUGHT_ERROR", error = t->error, cause = t->cause;
	else
		status = ok ? "SUCCEEDED" : "FAILED";
	if (ok && ex_output(r->x))
		add_text(out, "output", ex_output(r->x));
	if (!ok || t->status == EXT_CAUGHT_ERROR) {
		if (error)
			cJSON_AddStringToObject(out, "error", error);
		if (cause)
			cJSON_AddStringToObject(out, "cause", cause);
	}
	if (t->inspection) {
		ins = cJSON_AddObjectToObject(out, "inspectionData");
		cJSON_AddStringToObject(ins, "input", r->input_text);
		for (v = t->inspection->child; v; v = v->next)
			cJSON_AddItemToObject(ins, v->string, js_dup(v));
		if (t->retry_index >= 0 || t->catch_index >= 0) {
			ed = cJSON_AddObjectToObject(ins, "errorDetails");
			if (t->catch_index >= 0)
				cJSON_AddNumberToObject(ed, "catchIndex", t->catch_index);
			if (t->status == EXT_RETRIABLE)
				cJSON_AddNumberToObject(ed, "retryBackoffIntervalSeconds", floor(t->backoff));
			if (t->retry_index >= 0)
				cJSON_AddNumberToObject(ed, "retryIndex", t->retry_index);
		}
		if (r->variables_text)
			cJSON_AddStringToObject(ins, "variables", r->variables_text);
	}
	if (ok && t->next)
		cJSON_AddStringToObject(out, "nextState", t->next);
	cJSON_AddStringToObject(out, "status", status);
	return out;
}
