/* api_sfn.c - the AWS Step Functions API of `steplocal serve`: one handler per action, AWS's errors (see api_sfn.h). */
#include "api_sfn.h"

#include <event2/event.h>
#include <event2/http.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "limits.h"
#include "teststate.h"
#include "xalloc.h"

#define SFN_CTYPE          "application/x-amz-json-1.0"
#define SFN_MODEL          "com.amazonaws.swf.service.v2.model#"
#define SFN_PAGE_DEFAULT   100     /* maxResults 0 or absent */
#define SFN_PAGE_MAX       1000    /* AWS's largest maxResults */
#define SFN_MAX_TOKEN      2048    /* characters in a task token (AWS's model) */
#define SFN_MAX_ARN        2048    /* characters in an ARN */
#define SFN_MAX_TAGS       50      /* tags on one resource */
#define SFN_TOKEN_PREFIX   "sl1:"  /* our nextToken: "sl1:" + the next offset */
#define SFN_POLL_SECONDS   60      /* GetActivityTask's long poll */
#define SFN_MAX_WORKER     80      /* characters in a workerName */

/* A state machine.  Executions hold their own reference on the compiled
 * definition, so updating or deleting a state machine never touches them. */
typedef struct sm_rec {
	struct sm_rec *next;
	char *name, *arn, *definition, *role;
	int express;
	asl_machine *m;
	double created, updated;
	cJSON *tags;              /* [{"key","value"}] */
} sm_rec;

/* An execution as the API sees it: the engine's execution plus what
 * DescribeStateMachineForExecution needs, and a StartSyncExecution request
 * waiting for the end. */
typedef struct ex_rec {
	struct ex_rec *next;      /* newest first */
	sfnapi *a;
	sl_exec *x;
	char *sm_arn, *sm_name, *definition, *role;
	double sm_updated;
	int express;
	struct evhttp_request *sync;
} ex_rec;

/* A GetActivityTask request waiting for a task. */
typedef struct poll_wait {
	struct poll_wait *next, *prev;
	sfnapi *a;
	struct evhttp_request *req;
	struct event *timer;
	act_poll *p;
	int linked;               /* in sfnapi's waits (it waited) */
} poll_wait;

/* A TestState request waiting for its state to run. */
typedef struct test_wait {
	struct test_wait *next;
	sfnapi *a;
	struct evhttp_request *req;
	ts_run *run;
	sl_exec *x;
	int done;                 /* the answer is scheduled */
} test_wait;

struct sfnapi {
	sv_server *s;
	act_reg *acts;
	poll_wait *waits;
	test_wait *tests;
	sm_rec *sms;              /* in creation order */
	ex_rec *execs;            /* running ones, and the newest closed standard ones */
	int retiring;             /* a retire pass is scheduled */
	sl_task_handler inner;
	int nsync;                /* StartSyncExecution requests waiting */
	char **tokens;            /* every task token issued (open addressing) */
	size_t ntokens, tcap;
};

static void test_answer(evutil_socket_t fd, short what, void *arg);

/* One request being answered. */
typedef struct sfn_call {
	sfnapi *a;
	struct evhttp_request *req;
	cJSON *in;
} sfn_call;

/* ---- replies and errors ---- */

/* The namespace botocore strips from __type: AWS's service errors live in
 * the Step Functions model, the protocol's own in coral's. */
static const struct { const char *code, *ns; } error_ns[] = {
	{ "ValidationException", "com.amazon.coral.validate#" },
	{ "UnknownOperationException", "com.amazon.coral.service#" },
	{ "SerializationException", "com.amazon.coral.service#" },
	{ "MissingRequiredParameter", "com.amazon.coral.service#" },
};

static void reply(sfn_call *c, cJSON *out)
{
	sv_reply_json(c->a->s, c->req, 200, SFN_CTYPE, out);
}

/* Answers HTTP 400 with {"__type": NS#code, "message": ...}. */
static void fail(sfn_call *c, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(sfn_call *c, const char *code, const char *fmt, ...)
{
	const char *ns = SFN_MODEL;
	cJSON *o = cJSON_CreateObject();
	char *msg, *type;
	va_list ap;
	size_t i;

	for (i = 0; i < sizeof error_ns / sizeof *error_ns; i++)
		if (strcmp(code, error_ns[i].code) == 0)
			ns = error_ns[i].ns;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	type = xasprintf("%s%s", ns, code);
	cJSON_AddStringToObject(o, "__type", type);
	cJSON_AddStringToObject(o, "message", msg);
	free(type);
	free(msg);
	sv_reply_json(c->a->s, c->req, 400, SFN_CTYPE, o);
}

/* ---- request members ---- */

/* The string member key into *out (NULL when absent).  A missing required
 * member is AWS's ValidationException, a member of another type its
 * SerializationException.  Returns 0, or -1 once the error is sent. */
static int arg_str(sfn_call *c, const char *key, int required, const char **out)
{
	const cJSON *v = js_get(c->in, key);

	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		fail(c, "ValidationException", "1 validation error detected: Value null at '%s' "
		     "failed to satisfy constraint: Member must not be null", key);
		return -1;
	}
	if (!cJSON_IsString(v)) {
		fail(c, "SerializationException", "Unexpected %s for member '%s': expected a string",
		     js_type_name(v), key);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

/* The integer member key in lo..hi into *out (unchanged when absent). */
static int arg_int(sfn_call *c, const char *key, long lo, long hi, long *out)
{
	const cJSON *v = js_get(c->in, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !js_is_integer(v)) {
		fail(c, "SerializationException", "Unexpected %s for member '%s': expected an integer",
		     js_type_name(v), key);
		return -1;
	}
	if (v->valuedouble < (double)lo || v->valuedouble > (double)hi) {
		fail(c, "ValidationException", "1 validation error detected: Value '%.0f' at '%s' "
		     "failed to satisfy constraint: Member must have value between %ld and %ld",
		     v->valuedouble, key, lo, hi);
		return -1;
	}
	*out = (long)v->valuedouble;
	return 0;
}

/* The boolean member key into *out (unchanged when absent). */
static int arg_bool(sfn_call *c, const char *key, int *out)
{
	const cJSON *v = js_get(c->in, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v)) {
		fail(c, "SerializationException", "Unexpected %s for member '%s': expected a boolean",
		     js_type_name(v), key);
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A string member that must be one of the NULL-terminated values. */
static int arg_enum(sfn_call *c, const char *key, const char *const *values, const char **out)
{
	char set[256] = "";
	int i;

	if (arg_str(c, key, 0, out))
		return -1;
	if (!*out)
		return 0;
	for (i = 0; values[i]; i++) {
		if (strcmp(*out, values[i]) == 0)
			return 0;
		snprintf(set + strlen(set), sizeof set - strlen(set), "%s%s", i ? ", " : "", values[i]);
	}
	fail(c, "ValidationException", "1 validation error detected: Value '%s' at '%s' failed to "
	     "satisfy constraint: Member must satisfy enum value set: [%s]", *out, key, set);
	return -1;
}

/* Checks that arn is a Step Functions ARN of one of the resource types
 * (NULL-terminated), as AWS does before looking anything up. */
static int arg_arn(sfn_call *c, const char *key, const char *const *types, const char **out)
{
	const char *p, *type;
	size_t n;
	int i, colons = 0;

	if (arg_str(c, key, 1, out))
		return -1;
	if (strlen(*out) > SFN_MAX_ARN) {
		fail(c, "ValidationException", "1 validation error detected: Value at '%s' failed to "
		     "satisfy constraint: Member must have length less than or equal to %d", key, SFN_MAX_ARN);
		return -1;
	}
	if (strncmp(*out, "arn:aws:states:", 15) != 0) {
		fail(c, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: %s'", *out);
		return -1;
	}
	for (p = *out; *p; p++)
		colons += *p == ':';
	type = *out;
	for (i = 0; i < 5 && type; i++)
		type = strchr(type, ':') ? strchr(type, ':') + 1 : NULL;
	if (!type || colons < 6) {
		fail(c, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %s'", *out);
		return -1;
	}
	n = strcspn(type, ":");
	for (i = 0; types[i]; i++)
		if (strlen(types[i]) == n && strncmp(type, types[i], n) == 0)
			return 0;
	fail(c, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %.*s'", (int)n, type);
	return -1;
}

static const char *const sm_types[] = { "stateMachine", NULL };
static const char *const exec_types[] = { "execution", "express", NULL };
/* DescribeExecution, GetExecutionHistory and StopExecution are "not
 * supported by EXPRESS state machines": an express execution's ARN is of a
 * resource type they refuse (InvalidArn). */
static const char *const standard_types[] = { "execution", NULL };

/* maxResults and nextToken: the first item and the number of items of
 * the page.  Our tokens are an offset behind a prefix; anything else is
 * InvalidToken, as AWS answers a token it did not issue. */
static int page_args(sfn_call *c, long *from, long *count)
{
	const char *tok;
	char *end;

	*from = 0;
	*count = 0;
	if (arg_int(c, "maxResults", 0, SFN_PAGE_MAX, count) || arg_str(c, "nextToken", 0, &tok))
		return -1;
	if (*count == 0)
		*count = SFN_PAGE_DEFAULT;
	if (!tok)
		return 0;
	if (strncmp(tok, SFN_TOKEN_PREFIX, strlen(SFN_TOKEN_PREFIX)) == 0) {
		*from = strtol(tok + strlen(SFN_TOKEN_PREFIX), &end, 10);
		if (*end == '\0' && *from >= 0)
			return 0;
	}
	fail(c, "InvalidToken", "Invalid Token: '%.64s'", tok);
	return -1;
}

static void page_token(cJSON *out, long next, long total)
{
	if (next < total) {
		char buf[32];

		snprintf(buf, sizeof buf, SFN_TOKEN_PREFIX "%ld", next);
		cJSON_AddStringToObject(out, "nextToken", buf);
	}
}

/* ---- state machines ---- */

static sm_rec *sm_find(sfnapi *a, const char *arn, size_t n)
{
	sm_rec *r;

	for (r = a->sms; r; r = r->next)
		if (strlen(r->arn) == n && strncmp(r->arn, arn, n) == 0)
			return r;
	return NULL;
}

static sm_rec *sm_by_name(sfnapi *a, const char *name)
{
	sm_rec *r;

	for (r = a->sms; r; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* The state machine an ARN names, or NULL after StateMachineDoesNotExist. */
static sm_rec *sm_get(sfn_call *c, const char *arn)
{
	sm_rec *r = sm_find(c->a, arn, strlen(arn));

	if (!r)
		fail(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn);
	return r;
}

static void sm_free(sm_rec *r)
{
	free(r->name);
	free(r->arn);
	free(r->definition);
	free(r->role);
	asl_unref(r->m);
	cJSON_Delete(r->tags);
	free(r);
}

static sm_rec *sm_add(sfnapi *a, const char *name, asl_machine *m, const char *definition,
		      const char *role, int express)
{
	sm_rec *r = xcalloc(1, sizeof *r), **tail = &a->sms;

	r->name = xstrdup(name);
	r->arn = xasprintf("arn:aws:states:%s:%s:stateMachine:%s", a->s->region, a->s->account, name);
	r->definition = xstrdup(definition);
	r->role = xstrdup(role);
	r->express = express;
	r->m = m;
	r->created = r->updated = ex_engine_now(a->s->g);
	r->tags = cJSON_CreateArray();
	while (*tail)
		tail = &(*tail)->next;
	*tail = r;
	return r;
}

/* Compiles definition text for a state machine of the given type, or
 * answers InvalidDefinition. */
static asl_machine *load_definition(sfn_call *c, const char *def, int express)
{
	diags d = { 0 };
	asl_machine *m;

	if (strlen(def) > SL_DEFAULT_MAX_DEFINITION) {
		fail(c, "InvalidDefinition", "Invalid State Machine Definition: 'The definition is "
		     "larger than %d bytes'", SL_DEFAULT_MAX_DEFINITION);
		return NULL;
	}
	m = asl_load_text(def, strlen(def), &d);
	if (m && express && asl_check_express(m, &d)) {
		asl_unref(m);
		m = NULL;
	}
	if (!m) {
		char *msg = diag_invalid_definition(&d);

		fail(c, "InvalidDefinition", "%s", msg);
		free(msg);
	}
	diag_free(&d);
	return m;
}

static cJSON *logging_off(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "level", "OFF");
	cJSON_AddFalseToObject(o, "includeExecutionData");
	return o;
}

static cJSON *tracing_off(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddFalseToObject(o, "enabled");
	return o;
}

/* Tags as [{"key","value"}]: checks the shape, merges into dst by key. */
static int merge_tags(sfn_call *c, cJSON *dst, const cJSON *tags)
{
	const cJSON *t, *k, *v;
	cJSON *e;

	if (!tags || cJSON_IsNull(tags))
		return 0;
	if (!cJSON_IsArray(tags)) {
		fail(c, "SerializationException", "Unexpected %s for member 'tags': expected a list",
		     js_type_name(tags));
		return -1;
	}
	cJSON_ArrayForEach(t, tags) {
		k = js_get(t, "key");
		v = js_get(t, "value");
		if (!cJSON_IsString(k) || (v && !cJSON_IsString(v))) {
			fail(c, "ValidationException", "1 validation error detected: a tag needs a string "
			     "'key' and a string 'value'");
			return -1;
		}
	}
	cJSON_ArrayForEach(t, tags) {
		k = js_get(t, "key");
		v = js_get(t, "value");
		cJSON_ArrayForEach(e, dst)
			if (strcmp(js_get(e, "key")->valuestring, k->valuestring) == 0)
				break;
		if (!e) {
			if (cJSON_GetArraySize(dst) >= SFN_MAX_TAGS) {
				fail(c, "TooManyTags", "Too many tags: a resource has at most %d", SFN_MAX_TAGS);
				return -1;
			}
			e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "key", k->valuestring);
			cJSON_AddItemToArray(dst, e);
		}
		js_set(e, "value", cJSON_CreateString(v ? v->valuestring : ""));
	}
	return 0;
}

static void do_create_state_machine(sfn_call *c)
{
	static const char *const types[] = { "STANDARD", "EXPRESS", NULL };
	const char *name, *def, *role, *type;
	asl_machine *m;
	sm_rec *r;
	cJSON *out;
	int express;

	if (arg_str(c, "name", 1, &name) || arg_str(c, "definition", 1, &def) ||
	    arg_str(c, "roleArn", 1, &role) || arg_enum(c, "type", types, &type))
		return;
	express = type && strcmp(type, "EXPRESS") == 0;
	if (!sv_name_ok(name))
		return fail(c, "InvalidName", "Invalid Name: '%s'", name);
	if (!(m = load_definition(c, def, express)))
		return;
	r = sm_by_name(c->a, name);
	if (r) {
		asl_unref(m);
		/* AWS: creating the same thing again is idempotent. */
		if (strcmp(r->definition, def) != 0 || strcmp(r->role, role) != 0 ||
		    r->express != express)
			return fail(c, "StateMachineAlreadyExists", "State Machine Already Exists: '%s'",
				    r->arn);
	} else {
		cJSON *tags = cJSON_CreateArray();

		if (merge_tags(c, tags, js_get(c->in, "tags"))) {
			cJSON_Delete(tags);
			asl_unref(m);
			return;
		}
		r = sm_add(c->a, name, m, def, role, express);
		cJSON_Delete(r->tags);
		r->tags = tags;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "stateMachineArn", r->arn);
	cJSON_AddItemToObject(out, "creationDate", sv_date(r->created));
	reply(c, out);
}

static void describe_sm_into(cJSON *out, const char *arn, const char *name, const char *def,
			     const char *role)
{
	cJSON_AddStringToObject(out, "stateMachineArn", arn);
	cJSON_AddStringToObject(out, "name", name);
	cJSON_AddStringToObject(out, "definition", def);
	cJSON_AddStringToObject(out, "roleArn", role);
}

static void do_describe_state_machine(sfn_call *c)
{
	const char *arn;
	sm_rec *r;
	cJSON *out;

	if (arg_arn(c, "stateMachineArn", sm_types, &arn) || !(r = sm_get(c, arn)))
		return;
	out = cJSON_CreateObject();
	describe_sm_into(out, r->arn, r->name, r->definition, r->role);
	cJSON_AddStringToObject(out, "status", "ACTIVE");
	cJSON_AddStringToObject(out, "type", r->express ? "EXPRESS" : "STANDARD");
	cJSON_AddItemToObject(out, "creationDate", sv_date(r->created));
	cJSON_AddItemToObject(out, "loggingConfiguration", logging_off());
	cJSON_AddItemToObject(out, "tracingConfiguration", tracing_off());
	reply(c, out);
}

static void do_list_state_machines(sfn_call *c)
{
	cJSON *out, *arr;
	long from, count, i = 0, total = 0;
	sm_rec *r;

	if (page_args(c, &from, &count))
		return;
	out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(out, "stateMachines");
	for (r = c->a->sms; r; r = r->next, total++) {
		cJSON *o;

		if (total < from || i >= count)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "stateMachineArn", r->arn);
		cJSON_AddStringToObject(o, "name", r->name);
		cJSON_AddStringToObject(o, "type", r->express ? "EXPRESS" : "STANDARD");
		cJSON_AddItemToObject(o, "creationDate", sv_date(r->created));
		cJSON_AddItemToArray(arr, o);
		i++;
	}
	page_token(out, from + i, total);
	reply(c, out);
}

static void do_delete_state_machine(sfn_call *c)
{
	const char *arn;
	sm_rec **p;

	if (arg_arn(c, "stateMachineArn", sm_types, &arn))
		return;
	/* Deleting what does not exist succeeds, as on AWS. */
	for (p = &c->a->sms; *p; p = &(*p)->next) {
		if (strcmp((*p)->arn, arn) == 0) {
			sfnapi_drop(c->a, (*p)->name);
			break;
		}
	}
	reply(c, cJSON_CreateObject());
}

static void do_update_state_machine(sfn_call *c)
{
	const char *arn, *def, *role;
	asl_machine *m = NULL;
	sm_rec *r;
	cJSON *out;

	if (arg_arn(c, "stateMachineArn", sm_types, &arn) || arg_str(c, "definition", 0, &def) ||
	    arg_str(c, "roleArn", 0, &role))
		return;
	if (!def && !role)
		return fail(c, "MissingRequiredParameter",
			    "Either the role ARN or the definition must be specified");
	if (!(r = sm_get(c, arn)))
		return;
	if (def && !(m = load_definition(c, def, r->express)))
		return;
	if (m) {
		asl_unref(r->m);
		r->m = m;
		free(r->definition);
		r->definition = xstrdup(def);
	}
	if (role) {
		free(r->role);
		r->role = xstrdup(role);
	}
	r->updated = ex_engine_now(c->a->s->g);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "updateDate", sv_date(r->updated));
	reply(c, out);
}

static void do_validate_definition(sfn_call *c)
{
	static const char *const types[] = { "STANDARD", "EXPRESS", NULL };
	const char *def, *type;
	diags d = { 0 };
	asl_machine *m;
	cJSON *out;

	if (arg_str(c, "definition", 1, &def) || arg_enum(c, "type", types, &type))
		return;
	m = asl_load_text(def, strlen(def), &d);
	if (m && type && strcmp(type, "EXPRESS") == 0)
		asl_check_express(m, &d);
	asl_unref(m);
	out = diag_to_json(&d);
	if (!js_get(out, "truncated"))
		cJSON_AddFalseToObject(out, "truncated");
	diag_free(&d);
	reply(c, out);
}

/* ---- executions ---- */

static ex_rec *ex_find(sfnapi *a, const char *arn)
{
	ex_rec *r;

	for (r = a->execs; r; r = r->next)
		if (strcmp(ex_arn(r->x), arn) == 0)
			return r;
	return NULL;
}

/* The execution named by member key, or NULL once an error is sent. */
static ex_rec *ex_get(sfn_call *c, const char *key, const char *const *types)
{
	const char *arn;
	ex_rec *r;

	if (arg_arn(c, key, types, &arn))
		return NULL;
	if (!(r = ex_find(c->a, arn)))
		fail(c, "ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn);
	return r;
}

static void ex_rec_free(ex_rec *r)
{
	free(r->sm_arn);
	free(r->sm_name);
	free(r->definition);
	free(r->role);
	free(r);
}

/* Forgets closed executions: an express one as soon as it ended (and its
 * StartSyncExecution was answered) - AWS keeps no record of them - and
 * standard ones beyond the newest s->keep_closed, so that a server that
 * runs for days stays within bounded memory.  Never called from inside the
 * engine's step. */
static void retire(sfnapi *a)
{
	ex_rec **p = &a->execs;
	int closed = 0;

	while (*p) {
		ex_rec *r = *p;

		if (ex_get_status(r->x) != EX_RUNNING && !r->sync &&
		    (r->express || (a->s->keep_closed > 0 && ++closed > a->s->keep_closed))) {
			*p = r->next;
			mock_unbind(a->s->mocks, r->x);
			ex_free(r->x);
			ex_rec_free(r);
			continue;
		}
		p = &r->next;
	}
}

static void on_retire(evutil_socket_t fd, short what, void *arg)
{
	sfnapi *a = arg;

	(void)fd;
	(void)what;
	a->retiring = 0;
	if (!a->s->stopping)
		retire(a);
}

/* The members an execution's description shares with StartSyncExecution's
 * answer. */
static void describe_exec_into(cJSON *out, const ex_rec *r)
{
	const sl_exec *x = r->x;
	ex_status st = ex_get_status(x);
	cJSON *det;

	cJSON_AddStringToObject(out, "executionArn", ex_arn(x));
	cJSON_AddStringToObject(out, "stateMachineArn", r->sm_arn);
	cJSON_AddStringToObject(out, "name", ex_name(x));
	cJSON_AddStringToObject(out, "status", ex_status_name(st));
	cJSON_AddItemToObject(out, "startDate", sv_date(ex_start_date(x)));
	if (st != EX_RUNNING)
		cJSON_AddItemToObject(out, "stopDate", sv_date(ex_stop_date(x)));
	cJSON_AddStringToObject(out, "input", ex_input(x));
	det = cJSON_AddObjectToObject(out, "inputDetails");
	cJSON_AddTrueToObject(det, "included");
	if (st == EX_SUCCEEDED) {
		char *o = js_print(ex_output(x));

		cJSON_AddStringToObject(out, "output", o);
		free(o);
		det = cJSON_AddObjectToObject(out, "outputDetails");
		cJSON_AddTrueToObject(det, "included");
	}
	if (ex_error(x))
		cJSON_AddStringToObject(out, "error", ex_error(x));
	if (ex_cause(x))
		cJSON_AddStringToObject(out, "cause", ex_cause(x));
}

/* StartExecution and StartSyncExecution: returns the new (or, for the
 * same name and input of a running STANDARD execution, the existing)
 * record, or NULL once an error is sent; *fresh says which. */
static ex_rec *start_execution(sfn_call *c, int sync, int *fresh)
{
	sfnapi *a = c->a;
	sv_server *s = a->s;
	const char *arn, *name, *input, *hash;
	const mock_case *mc = NULL;
	sl_exec_opts xo = { 0 };
	size_t off = 0;
	cJSON *in;
	ex_rec *r;
	sm_rec *sm;

	*fresh = 0;
	if (arg_arn(c, "stateMachineArn", sm_types, &arn) || arg_str(c, "name", 0, &name) ||
	    arg_str(c, "input", 0, &input))
		return NULL;
	/* "ARN#TestCase" picks a test case of the mock configuration, as
	 * AWS Step Functions Local does. */
	hash = strchr(arn, '#');
	sm = sm_find(a, arn, hash ? (size_t)(hash - arn) : strlen(arn));
	if (!sm) {
		fail(c, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%.*s'",
		     (int)(hash ? hash - arn : (long)strlen(arn)), arn);
		return NULL;
	}
	if (sync && !sm->express) {
		fail(c, "StateMachineTypeNotSupported",
		     "This operation is not supported by this type of state machine");
		return NULL;
	}
	if (hash) {
		mc = s->mocks ? mock_find(s->mocks, sm->name, hash + 1) : NULL;
		if (!mc) {
			fail(c, "ValidationException", s->mocks ?
			     "Test case '%s' is not in the mock configuration of state machine %s" :
			     "Test case '%s' of state machine %s: the server has no mock configuration "
			     "(--mock-config or SFN_MOCK_CONFIG)", hash + 1, sm->name);
			return NULL;
		}
	}
	if (name && !sv_name_ok(name)) {
		fail(c, "InvalidName", "Invalid Name: '%s'", name);
		return NULL;
	}
	if (!input)
		input = "{}";
	if (strlen(input) > SL_MAX_PAYLOAD_BYTES) {
		fail(c, "ValidationException", "1 validation error detected: Value at 'input' failed to "
		     "satisfy constraint: Member must have length less than or equal to %d",
		     SL_MAX_PAYLOAD_BYTES);
		return NULL;
	}
	if (!(in = js_parse(input, strlen(input), &off))) {
		fail(c, "InvalidExecutionInput", "Invalid State Machine Execution Input: 'Unexpected "
		     "character at offset %zu'", off);
		return NULL;
	}
	if (name && !sm->express) {
		/* AWS: the same name and input as a running execution is the
		 * same request again; otherwise the name is taken. */
		for (r = a->execs; r; r = r->next) {
			cJSON *old;
			int same;

			if (strcmp(r->sm_arn, sm->arn) != 0 || strcmp(ex_name(r->x), name) != 0)
				continue;
			old = js_parse(ex_input(r->x), strlen(ex_input(r->x)), NULL);
			same = ex_get_status(r->x) == EX_RUNNING && old && js_equal(old, in);
			cJSON_Delete(old);
			cJSON_Delete(in);
			if (same)
				return r;
			fail(c, "ExecutionAlreadyExists", "Execution Already Exists: '%s'", ex_arn(r->x));
			return NULL;
		}
	}
	xo.name = name;
	xo.state_machine_name = sm->name;
	xo.account = s->account;
	xo.region = s->region;
	xo.role_arn = sm->role;
	xo.express = sm->express;
	xo.input_text = input;
	r = xcalloc(1, sizeof *r);
	r->a = a;
	r->x = ex_start(s->g, sm->m, &xo, in);
	if (mc)
		mock_bind(s->mocks, r->x, mc);
	r->sm_arn = xstrdup(sm->arn);
	r->sm_name = xstrdup(sm->name);
	r->definition = xstrdup(sm->definition);
	r->role = xstrdup(sm->role);
	r->sm_updated = sm->updated;
	r->express = sm->express;
	r->next = a->execs;
	a->execs = r;
	*fresh = 1;
	loop_kick(s->loop);
	return r;
}

static void do_start_execution(sfn_call *c)
{
	int fresh;
	ex_rec *r = start_execution(c, 0, &fresh);
	cJSON *out;

	if (!r)
		return;
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "executionArn", ex_arn(r->x));
	cJSON_AddItemToObject(out, "startDate", sv_date(ex_start_date(r->x)));
	reply(c, out);
}

/* The answer of a StartSyncExecution whose execution ended. */
static void sync_answer(evutil_socket_t fd, short what, void *arg)
{
	ex_rec *r = arg;
	struct evhttp_request *req = r->sync;
	cJSON *out, *bill;
	double ms;

	(void)fd;
	(void)what;
	if (!req || r->a->s->stopping)
		return;
	r->sync = NULL;
	r->a->nsync--;
	out = cJSON_CreateObject();
	describe_exec_into(out, r);
	ms = (ex_stop_date(r->x) - ex_start_date(r->x)) * 1000.0;
	bill = cJSON_AddObjectToObject(out, "billingDetails");
	cJSON_AddNumberToObject(bill, "billedMemoryUsedInMB", 64);
	cJSON_AddNumberToObject(bill, "billedDurationInMilliseconds", ceil(ms / 100.0) * 100.0);
	sv_reply_json(r->a->s, req, 200, SFN_CTYPE, out);
	retire(r->a);              /* r may be gone now */
}

static void do_start_sync_execution(sfn_call *c)
{
	int fresh;
	ex_rec *r = start_execution(c, 1, &fresh);

	/* The answer waits for the end of the execution (sfnapi_observe). */
	if (r) {
		r->sync = c->req;
		c->a->nsync++;
	}
}

void sfnapi_observe(void *ud, const sl_exec *x, const hist_event *e)
{
	sfnapi *a = ud;
	ex_rec *r;
	struct timeval now = { 0, 0 };

	test_wait *w;

	if (a->s->stopping || e->type < EV_EXECUTION_SUCCEEDED || e->type > EV_EXECUTION_TIMED_OUT)
		return;
	for (w = a->tests; w; w = w->next)
		if (w->x == x && !w->done) {
			w->done = 1;
			event_base_once(a->s->base, -1, EV_TIMEOUT, test_answer, w, &now);
			return;
		}
	for (r = a->execs; a->nsync && r; r = r->next)
		if (r->x == x && r->sync)
			event_base_once(a->s->base, -1, EV_TIMEOUT, sync_answer, r, &now);
	/* After the engine's step, and after the answers above. */
	if (!a->retiring) {
		a->retiring = 1;
		event_base_once(a->s->base, -1, EV_TIMEOUT, on_retire, a, &now);
	}
}

static void do_describe_execution(sfn_call *c)
{
	ex_rec *r = ex_get(c, "executionArn", standard_types);
	cJSON *out;

	if (!r)
		return;
	out = cJSON_CreateObject();
	describe_exec_into(out, r);
	cJSON_AddNumberToObject(out, "redriveCount", 0);
	cJSON_AddStringToObject(out, "redriveStatus", "NOT_REDRIVABLE");
	reply(c, out);
}

static void do_list_executions(sfn_call *c)
{
	static const char *const statuses[] = {
		"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE", NULL,
	};
	const char *arn, *filter;
	long from, count, i = 0, total = 0;
	cJSON *out, *arr;
	sm_rec *sm;
	ex_rec *r;

	if (arg_arn(c, "stateMachineArn", sm_types, &arn) || arg_enum(c, "statusFilter", statuses, &filter) ||
	    page_args(c, &from, &count) || !(sm = sm_get(c, arn)))
		return;
	if (sm->express)
		return fail(c, "StateMachineTypeNotSupported",
			    "This operation is not supported by this type of state machine");
	out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(out, "executions");
	for (r = c->a->execs; r; r = r->next) {
		ex_status st = ex_get_status(r->x);
		cJSON *o;

		if (strcmp(r->sm_arn, sm->arn) != 0 || (filter && strcmp(filter, ex_status_name(st)) != 0))
			continue;
		if (total++ < from || i >= count)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "executionArn", ex_arn(r->x));
		cJSON_AddStringToObject(o, "stateMachineArn", r->sm_arn);
		cJSON_AddStringToObject(o, "name", ex_name(r->x));
		cJSON_AddStringToObject(o, "status", ex_status_name(st));
		cJSON_AddItemToObject(o, "startDate", sv_date(ex_start_date(r->x)));
		if (st != EX_RUNNING)
			cJSON_AddItemToObject(o, "stopDate", sv_date(ex_stop_date(r->x)));
		cJSON_AddItemToArray(arr, o);
		i++;
	}
	page_token(out, from + i, total);
	reply(c, out);
}

/* Drops input and output from an event's details (includeExecutionData
 * false). */
static void strip_data(cJSON *ev)
{
	static const char *const keys[] = { "input", "inputDetails", "output", "outputDetails" };
	cJSON *d;
	size_t i;

	cJSON_ArrayForEach(d, ev) {
		size_t n = strlen(d->string);

		if (!cJSON_IsObject(d) || n < 12 || strcmp(d->string + n - 12, "EventDetails") != 0)
			continue;
		for (i = 0; i < sizeof keys / sizeof *keys; i++)
			cJSON_DeleteItemFromObjectCaseSensitive(d, keys[i]);
	}
}

static void do_get_execution_history(sfn_call *c)
{
	ex_rec *r;
	const hist *h;
	long from, count, i;
	int reverse = 0, data = 1;
	cJSON *out, *arr;

	if (!(r = ex_get(c, "executionArn", standard_types)) || page_args(c, &from, &count) ||
	    arg_bool(c, "reverseOrder", &reverse) || arg_bool(c, "includeExecutionData", &data))
		return;
	h = ex_history(r->x);
	out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(out, "events");
	for (i = from; i < h->n && i < from + count; i++) {
		cJSON *ev = hist_event_json(&h->v[reverse ? h->n - 1 - i : i], 0);

		if (!data)
			strip_data(ev);
		cJSON_AddItemToArray(arr, ev);
	}
	page_token(out, i, h->n);
	reply(c, out);
}

static void do_stop_execution(sfn_call *c)
{
	const char *error, *cause;
	ex_rec *r;
	cJSON *out;

	if (!(r = ex_get(c, "executionArn", standard_types)) || arg_str(c, "error", 0, &error) ||
	    arg_str(c, "cause", 0, &cause))
		return;
	if (ex_get_status(r->x) == EX_RUNNING) {
		ex_stop(r->x, error, cause);
		loop_kick(c->a->s->loop);
	}
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "stopDate", sv_date(ex_stop_date(r->x)));
	reply(c, out);
}

static void do_describe_sm_for_execution(sfn_call *c)
{
	ex_rec *r = ex_get(c, "executionArn", exec_types);
	cJSON *out;

	if (!r)
		return;
	out = cJSON_CreateObject();
	describe_sm_into(out, r->sm_arn, r->sm_name, r->definition, r->role);
	cJSON_AddItemToObject(out, "updateDate", sv_date(r->sm_updated));
	cJSON_AddItemToObject(out, "loggingConfiguration", logging_off());
	cJSON_AddItemToObject(out, "tracingConfiguration", tracing_off());
	reply(c, out);
}

/* ---- task tokens ---- */

static size_t token_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static int token_known(const sfnapi *a, const char *tok)
{
	size_t i;

	if (!a->tcap)
		return 0;
	for (i = token_hash(tok) & (a->tcap - 1); a->tokens[i]; i = (i + 1) & (a->tcap - 1))
		if (strcmp(a->tokens[i], tok) == 0)
			return 1;
	return 0;
}

static void token_add(sfnapi *a, const char *tok)
{
	size_t i;

	if (token_known(a, tok))
		return;
	if (2 * (a->ntokens + 1) > a->tcap) {
		char **old = a->tokens;
		size_t ocap = a->tcap, k;

		a->tcap = a->tcap ? a->tcap * 2 : 64;
		a->tokens = xcalloc(a->tcap, sizeof *a->tokens);
		for (k = 0; k < ocap; k++) {
			if (!old[k])
				continue;
			for (i = token_hash(old[k]) & (a->tcap - 1); a->tokens[i]; i = (i + 1) & (a->tcap - 1))
				;
			a->tokens[i] = old[k];
		}
		free(old);
	}
	for (i = token_hash(tok) & (a->tcap - 1); a->tokens[i]; i = (i + 1) & (a->tcap - 1))
		;
	a->tokens[i] = xstrdup(tok);
	a->ntokens++;
}

static void tasks_start(void *ud, sl_task *t)
{
	sfnapi *a = ud;

	if (ex_task_token(t))
		token_add(a, ex_task_token(t));
	a->inner.start(a->inner.ud, t);
}

static void tasks_cancel(void *ud, sl_task *t)
{
	sfnapi *a = ud;

	if (a->inner.cancel)
		a->inner.cancel(a->inner.ud, t);
}

static char *tasks_refuse(void *ud, const sl_task *t)
{
	sfnapi *a = ud;

	return a->inner.refuse ? a->inner.refuse(a->inner.ud, t) : NULL;
}

sl_task_handler sfnapi_activities(sfnapi *a, sl_task_handler fallback)
{
	return act_handler(a->acts, fallback);
}

sl_task_handler sfnapi_tasks(sfnapi *a, sl_task_handler inner)
{
	sl_task_handler h = { tasks_start, tasks_cancel, tasks_refuse, a };

	a->inner = inner;
	if (!inner.start)
		return inner;
	return h;
}

/* The live task of member taskToken, or NULL once an error is sent.  The
 * handler's own work on it (a Lambda call still running) is cancelled
 * when `claim`, since the API completes it. */
static sl_task *task_get(sfn_call *c, int claim)
{
	const char *tok;
	sl_task *t;

	if (arg_str(c, "taskToken", 1, &tok))
		return NULL;
	if (!*tok || strlen(tok) > SFN_MAX_TOKEN) {
		fail(c, "InvalidToken", "Invalid Token: 'The task token must be 1 to %d characters'",
		     SFN_MAX_TOKEN);
		return NULL;
	}
	t = ex_task_find(c->a->s->g, tok);
	if (!t) {
		if (token_known(c->a, tok))
			fail(c, "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
		else
			fail(c, "TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'");
		return NULL;
	}
	if (claim && c->a->inner.cancel)
		c->a->inner.cancel(c->a->inner.ud, t);
	return t;
}

static void do_send_task_success(sfn_call *c)
{
	const char *output, *tok;
	cJSON *v;
	sl_task *t;
	size_t off = 0;

	if (arg_str(c, "taskToken", 1, &tok) || arg_str(c, "output", 1, &output))
		return;
	if (strlen(output) > SL_MAX_PAYLOAD_BYTES)
		return fail(c, "ValidationException", "1 validation error detected: Value at 'output' "
			    "failed to satisfy constraint: Member must have length less than or equal to %d",
			    SL_MAX_PAYLOAD_BYTES);
	if (!(v = js_parse(output, strlen(output), &off)))
		return fail(c, "InvalidOutput", "Invalid Output: 'Unexpected character at offset %zu'", off);
	if (!(t = task_get(c, 1))) {
		cJSON_Delete(v);
		return;
	}
	ex_task_succeed(t, v);
	loop_kick(c->a->s->loop);
	reply(c, cJSON_CreateObject());
}

static void do_send_task_failure(sfn_call *c)
{
	const char *error, *cause, *tok;
	sl_task *t;

	if (arg_str(c, "taskToken", 1, &tok) || arg_str(c, "error", 0, &error) ||
	    arg_str(c, "cause", 0, &cause) || !(t = task_get(c, 1)))
		return;
	ex_task_fail(t, error, cause);
	loop_kick(c->a->s->loop);
	reply(c, cJSON_CreateObject());
}

static void do_send_task_heartbeat(sfn_call *c)
{
	sl_task *t = task_get(c, 0);

	if (!t)
		return;
	ex_task_heartbeat(t);
	loop_kick(c->a->s->loop);
	reply(c, cJSON_CreateObject());
}

/* ---- activities ---- */

static const char *const act_types[] = { "activity", NULL };

static cJSON *activity_json(const act_info *i, int with_name)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "activityArn", i->arn);
	if (with_name)
		cJSON_AddStringToObject(o, "name", i->name);
	cJSON_AddItemToObject(o, "creationDate", sv_date(i->created));
	return o;
}

static void do_create_activity(sfn_call *c)
{
	const char *name;
	act_info i;
	int existed;

	if (arg_str(c, "name", 1, &name))
		return;
	if (!sv_name_ok(name))
		return fail(c, "InvalidName", "Invalid Name: '%s'", name);
	/* Idempotent, as AWS's: the same name gives the same activity. */
	i = act_create(c->a->acts, name, &existed);
	reply(c, activity_json(&i, 0));
}

/* The activity of member activityArn, or NULL once the error is sent. */
static int activity_arg(sfn_call *c, act_info *i)
{
	const char *arn;

	if (arg_arn(c, "activityArn", act_types, &arn))
		return -1;
	if (!act_find(c->a->acts, arn, i)) {
		fail(c, "ActivityDoesNotExist", "Activity Does Not Exist: '%s'", arn);
		return -1;
	}
	return 0;
}

static void do_describe_activity(sfn_call *c)
{
	act_info i;

	if (!activity_arg(c, &i))
		reply(c, activity_json(&i, 1));
}

static void do_list_activities(sfn_call *c)
{
	cJSON *out, *arr;
	long from, count, n = 0, total;
	act_info i;

	if (page_args(c, &from, &count))
		return;
	out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(out, "activities");
	for (total = 0; act_at(c->a->acts, (int)total, &i); total++)
		if (total >= from && n < count) {
			cJSON_AddItemToArray(arr, activity_json(&i, 1));
			n++;
		}
	page_token(out, from + n, total);
	reply(c, out);
}

static void do_delete_activity(sfn_call *c)
{
	const char *arn;

	if (arg_arn(c, "activityArn", act_types, &arn))
		return;
	act_delete(c->a->acts, arn);       /* what does not exist is deleted too */
	reply(c, cJSON_CreateObject());
}

static void wait_free(poll_wait *w)
{
	if (w->linked) {
		if (w->prev)
			w->prev->next = w->next;
		else
			w->a->waits = w->next;
		if (w->next)
			w->next->prev = w->prev;
	}
	if (w->timer)
		event_free(w->timer);
	free(w);
}

/* A task for a waiting worker (act_wait's give). */
static void wait_give(void *ud, const char *token, const char *input)
{
	poll_wait *w = ud;
	cJSON *out = cJSON_CreateObject();

	cJSON_AddStringToObject(out, "taskToken", token);
	cJSON_AddStringToObject(out, "input", input);
	sv_reply_json(w->a->s, w->req, 200, SFN_CTYPE, out);
	w->p = NULL;                 /* act_wait frees its poll */
	wait_free(w);
}

/* No task within the poll's time: AWS answers no taskToken. */
static void wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	poll_wait *w = arg;

	(void)fd;
	(void)what;
	act_poll_cancel(w->p);
	sv_reply_json(w->a->s, w->req, 200, SFN_CTYPE, cJSON_CreateObject());
	wait_free(w);
}

static void do_get_activity_task(sfn_call *c)
{
	/* --wait-scale shortens the poll too (tests), to a second at least. */
	double secs = fmax(1, SFN_POLL_SECONDS * c->a->s->wait_scale);
	struct timeval tv = { (time_t)secs, (suseconds_t)((secs - floor(secs)) * 1e6) };
	const char *worker;
	poll_wait *w;
	act_poll *p;
	act_info i;

	if (activity_arg(c, &i) || arg_str(c, "workerName", 0, &worker))
		return;
	if (worker && strlen(worker) > SFN_MAX_WORKER)
		return fail(c, "ValidationException", "1 validation error detected: Value at "
			    "'workerName' failed to satisfy constraint: Member must have length less "
			    "than or equal to %d", SFN_MAX_WORKER);
	w = xcalloc(1, sizeof *w);
	w->a = c->a;
	w->req = c->req;
	/* A task already queued is answered now, inside act_wait, and
	 * wait_give frees w: w is not touched again then.  The engine records
	 * ActivityStarted as the task is handed over. */
	if (!(p = act_wait(c->a->acts, i.arn, worker, wait_give, w))) {
		loop_kick(c->a->s->loop);
		return;
	}
	w->p = p;
	w->timer = evtimer_new(c->a->s->base, wait_timeout, w);
	evtimer_add(w->timer, &tv);
	w->linked = 1;
	w->next = c->a->waits;
	if (w->next)
		w->next->prev = w;
	c->a->waits = w;
}

/* ---- TestState ---- */

static void test_answer(evutil_socket_t fd, short what, void *arg)
{
	test_wait *w = arg, **p;

	(void)fd;
	(void)what;
	for (p = &w->a->tests; *p != w; p = &(*p)->next)
		;
	*p = w->next;
	if (!w->a->s->stopping)
		sv_reply_json(w->a->s, w->req, 200, SFN_CTYPE, ts_response(w->run));
	ex_free(w->x);
	ts_free(w->run);
	free(w);
}

static void do_test_state(sfn_call *c)
{
	static const char *const levels[] = { "INFO", "DEBUG", "TRACE", NULL };
	static const char *const modes[] = { "STRICT", "PRESENT", "NONE", NULL };
	ts_request rq = { 0 };
	const cJSON *rs = js_get(c->in, "revealSecrets"), *mock = js_get(c->in, "mock");
	const cJSON *cfg = js_get(c->in, "stateConfiguration"), *fvm;
	const char *code, *mode;
	char *msg = NULL;
	test_wait *w;
	ts_run *run;

	if (arg_str(c, "definition", 1, &rq.definition) || arg_str(c, "roleArn", 0, &rq.role_arn) ||
	    arg_str(c, "input", 0, &rq.input) ||
	    arg_enum(c, "inspectionLevel", levels, &rq.inspection_level) ||
	    arg_str(c, "variables", 0, &rq.variables) || arg_str(c, "stateName", 0, &rq.state_name) ||
	    arg_str(c, "context", 0, &rq.context))
		return;
	if ((rs && !cJSON_IsBool(rs)) || (mock && !cJSON_IsObject(mock)) ||
	    (cfg && !cJSON_IsObject(cfg)))
		return fail(c, "SerializationException", "Unexpected value for member '%s'",
			    rs && !cJSON_IsBool(rs) ? "revealSecrets" : mock && !cJSON_IsObject(mock) ?
			    "mock" : "stateConfiguration");
	fvm = js_get(mock, "fieldValidationMode");
	mode = cJSON_IsString(fvm) ? fvm->valuestring : NULL;
	if (fvm) {
		int i;

		for (i = 0; mode && modes[i] && strcmp(mode, modes[i]); i++)
			;
		if (!mode || !modes[i])
			return fail(c, "ValidationException", "1 validation error detected: Value '%s' at "
				    "'mock.fieldValidationMode' failed to satisfy constraint: Member must "
				    "satisfy enum value set: [STRICT, PRESENT, NONE]", mode ? mode : "");
	}
	rq.reveal_secrets = cJSON_IsTrue(rs);
	rq.mock = mock;
	rq.config = cfg;
	if (!(run = ts_prepare(&rq, &code, &msg))) {
		fail(c, code, "%s", msg);
		free(msg);
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->a = c->a;
	w->req = c->req;
	w->run = run;
	w->next = c->a->tests;
	c->a->tests = w;
	/* The answer waits for the end of the run (sfnapi_observe). */
	w->x = ts_start(run, c->a->s->g, c->a->s->region, c->a->s->account);
	loop_kick(c->a->s->loop);
}

/* ---- tags ---- */

static sm_rec *tagged(sfn_call *c)
{
	static const char *const types[] = { "stateMachine", "activity", NULL };
	const char *arn;
	sm_rec *r;

	if (arg_arn(c, "resourceArn", types, &arn))
		return NULL;
	if (!(r = sm_find(c->a, arn, strlen(arn))))
		fail(c, "ResourceNotFound", "Resource not found: '%s'", arn);
	return r;
}

static void do_tag_resource(sfn_call *c)
{
	sm_rec *r = tagged(c);

	if (!r)
		return;
	if (!js_get(c->in, "tags"))
		return fail(c, "ValidationException", "1 validation error detected: Value null at 'tags' "
			    "failed to satisfy constraint: Member must not be null");
	if (merge_tags(c, r->tags, js_get(c->in, "tags")))
		return;
	reply(c, cJSON_CreateObject());
}

static void do_untag_resource(sfn_call *c)
{
	sm_rec *r = tagged(c);
	const cJSON *keys, *k;

	if (!r)
		return;
	keys = js_get(c->in, "tagKeys");
	if (!cJSON_IsArray(keys))
		return fail(c, "ValidationException", "1 validation error detected: Value null at "
			    "'tagKeys' failed to satisfy constraint: Member must not be null");
	cJSON_ArrayForEach(k, keys) {
		cJSON *e;
		int i = 0;

		if (!cJSON_IsString(k))
			continue;
		cJSON_ArrayForEach(e, r->tags) {
			if (strcmp(js_get(e, "key")->valuestring, k->valuestring) == 0) {
				cJSON_DeleteItemFromArray(r->tags, i);
				break;
			}
			i++;
		}
	}
	reply(c, cJSON_CreateObject());
}

static void do_list_tags(sfn_call *c)
{
	sm_rec *r = tagged(c);
	cJSON *out;

	if (!r)
		return;
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "tags", js_dup(r->tags));
	reply(c, out);
}

/* ---- the action table ---- */

static const struct action {
	const char *name;
	void (*fn)(sfn_call *c);
} actions[] = {
	{ "CreateStateMachine", do_create_state_machine },
	{ "DescribeStateMachine", do_describe_state_machine },
	{ "ListStateMachines", do_list_state_machines },
	{ "DeleteStateMachine", do_delete_state_machine },
	{ "UpdateStateMachine", do_update_state_machine },
	{ "ValidateStateMachineDefinition", do_validate_definition },
	{ "StartExecution", do_start_execution },
	{ "StartSyncExecution", do_start_sync_execution },
	{ "DescribeExecution", do_describe_execution },
	{ "ListExecutions", do_list_executions },
	{ "GetExecutionHistory", do_get_execution_history },
	{ "StopExecution", do_stop_execution },
	{ "DescribeStateMachineForExecution", do_describe_sm_for_execution },
	{ "SendTaskSuccess", do_send_task_success },
	{ "SendTaskFailure", do_send_task_failure },
	{ "SendTaskHeartbeat", do_send_task_heartbeat },
	{ "TagResource", do_tag_resource },
	{ "UntagResource", do_untag_resource },
	{ "ListTagsForResource", do_list_tags },
	{ "CreateActivity", do_create_activity },
	{ "DescribeActivity", do_describe_activity },
	{ "ListActivities", do_list_activities },
	{ "DeleteActivity", do_delete_activity },
	{ "GetActivityTask", do_get_activity_task },
	{ "TestState", do_test_state },
};

void sfnapi_handle(sfnapi *a, struct evhttp_request *req, const char *action,
		   const char *body, size_t len)
{
	sfn_call c = { a, req, NULL };
	size_t i, off = 0;

	for (i = 0; action && i < sizeof actions / sizeof *actions; i++)
		if (strcmp(action, actions[i].name) == 0)
			break;
	if (!action || i == sizeof actions / sizeof *actions)
		return fail(&c, "UnknownOperationException", "Unknown operation: %s",
			    action ? action : "(no X-Amz-Target)");
	/* botocore always sends an object; an empty body is taken as one. */
	c.in = len ? js_parse(body, len, &off) : cJSON_CreateObject();
	if (!c.in)
		return fail(&c, "SerializationException",
			    "Malformed JSON in the request body at offset %zu", off);
	if (!cJSON_IsObject(c.in)) {
		cJSON_Delete(c.in);
		c.in = NULL;
		return fail(&c, "SerializationException", "The request body must be a JSON object");
	}
	actions[i].fn(&c);
	cJSON_Delete(c.in);
}

/* ---- life ---- */

/* Prints asl_load's diagnostics of a project's state machine. */
static void print_diags(const proj_machine *pm, const diags *d)
{
	int k;

	for (k = 0; k < d->n; k++)
		fprintf(stderr, "%s: %s: %s: %s%s%s\n",
			pm->definition_file ? pm->definition_file : pm->where,
			d->v[k].severity, d->v[k].code, d->v[k].message,
			d->v[k].location ? " at " : "", d->v[k].location ? d->v[k].location : "");
}

int sfnapi_check(const proj_machine *pm)
{
	diags d = { 0 };
	asl_machine *m = asl_load(pm->definition, &d);

	if (!m)
		print_diags(pm, &d);
	diag_free(&d);
	asl_unref(m);
	return m ? 0 : -1;
}

int sfnapi_sync(sfnapi *a, const proj_machine *pm)
{
	diags d = { 0 };
	asl_machine *m;
	sm_rec *r = sm_by_name(a, pm->name);
	char *text = js_print(pm->definition), *role;

	if (r && r->express == pm->express && !strcmp(r->definition, text)) {
		free(text);
		return 0;                  /* unchanged */
	}
	if (!(m = asl_load(pm->definition, &d))) {
		print_diags(pm, &d);
		diag_free(&d);
		free(text);
		return -1;
	}
	diag_free(&d);
	if (r && r->express == pm->express) {
		/* As UpdateStateMachine: running executions keep their own. */
		asl_unref(r->m);
		r->m = m;
		free(r->definition);
		r->definition = text;
		r->updated = ex_engine_now(a->s->g);
		return 1;
	}
	if (r)
		sfnapi_drop(a, pm->name);  /* a new type: a new state machine */
	role = xasprintf("arn:aws:iam::%s:role/StepFunctionsRole", a->s->account);
	sm_add(a, pm->name, m, text, role, pm->express);
	free(text);
	free(role);
	return 1;
}

void sfnapi_drop(sfnapi *a, const char *name)
{
	sm_rec **p;

	for (p = &a->sms; *p; p = &(*p)->next) {
		if (strcmp((*p)->name, name) == 0) {
			sm_rec *r = *p;

			*p = r->next;
			sm_free(r);
			return;
		}
	}
}

sfnapi *sfnapi_new(sv_server *s)
{
	sfnapi *a = xcalloc(1, sizeof *a);
	const proj_project *p = s->ws.proj;
	int i;

	a->s = s;
	a->acts = act_new(s->region, s->account);
	for (i = 0; p && i < p->nmachines; i++) {
		if (sfnapi_sync(a, &p->machines[i]) < 0) {
			sfnapi_free(a);
			return NULL;
		}
	}
	return a;
}

void sfnapi_free(sfnapi *a)
{
	size_t i;

	if (!a)
		return;
	while (a->sms) {
		sm_rec *r = a->sms;

		a->sms = r->next;
		sm_free(r);
	}
	while (a->execs) {
		ex_rec *r = a->execs;

		a->execs = r->next;
		ex_rec_free(r);
	}
	for (i = 0; i < a->tcap; i++)
		free(a->tokens[i]);
	free(a->tokens);
	/* Waiting workers' requests went with the HTTP server, TestState
	 * runs' executions with the engine. */
	while (a->waits)
		wait_free(a->waits);
	while (a->tests) {
		test_wait *w = a->tests;

		a->tests = w->next;
		ts_free(w->run);
		free(w);
	}
	act_free(a->acts);
	free(a);
}
