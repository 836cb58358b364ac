/* mock.c - mocked Task responses (see mock.h). */
#include "mock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "xalloc.h"

typedef struct mock_range {
	long from, to;
	const cJSON *response;   /* {"Return"...} or {"Throw"...}, in the set's cfg */
} mock_range;

typedef struct mock_resp {
	char *name;
	mock_range *ranges;
	int n;
} mock_resp;

typedef struct mock_state {
	char *state;
	const mock_resp *resp;
} mock_state;

struct mock_case {
	char *sm;
	char *name;
	mock_state *states;
	int n;
};

typedef struct binding {
	const sl_exec *x;
	const mock_case *mc;
	char **state;            /* per-state invocation counters */
	long *count;
	int n;
} binding;

struct mock_set {
	cJSON *cfg;              /* owned copy the responses point into */
	mock_resp *resps;
	int nresps;
	mock_case *cases;
	int ncases;
	int inline_set;
	binding *binds;
	int nbinds;
	sl_task_handler fallback;
};

static int parse_range(const char *key, long *from, long *to)
{
	char *end;

	*from = strtol(key, &end, 10);
	if (end == key || *from < 0)
		return -1;
	if (*end == '\0') {
		*to = *from;
		return 0;
	}
	if (*end != '-')
		return -1;
	key = end + 1;
	*to = strtol(key, &end, 10);
	if (end == key || *end || *to < *from)
		return -1;
	return 0;
}

static int load_resp(mock_resp *r, const char *name, const cJSON *v, char **err)
{
	const cJSON *c, *delay;

	r->name = xstrdup(name);
	if (!cJSON_IsObject(v)) {
		*err = xasprintf("MockedResponses.%s: must be an object of invocation ranges", name);
		return -1;
	}
	r->ranges = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *r->ranges);
	for (c = v->child; c; c = c->next) {
		mock_range *g = &r->ranges[r->n];
		const cJSON *ret = js_get(c, "Return"), *thr = js_get(c, "Throw");

		if (parse_range(c->string, &g->from, &g->to)) {
			*err = xasprintf("MockedResponses.%s: '%s' is not an invocation number or range such as \"0\" or \"1-2\"",
					 name, c->string);
			return -1;
		}
		if (!cJSON_IsObject(c) || (!ret == !thr)) {
			*err = xasprintf("MockedResponses.%s.%s: needs exactly one of Return or Throw",
					 name, c->string);
			return -1;
		}
		if (thr && (!cJSON_IsObject(thr) || !cJSON_IsString(js_get(thr, "Error")))) {
			*err = xasprintf("MockedResponses.%s.%s.Throw: needs an Error string (and optionally a Cause)",
					 name, c->string);
			return -1;
		}
		/* A delay that is no number would be ignored, a negative one
		 * is none, and an infinite one (1e400) never ends. */
		if ((delay = js_get(c, "DelaySeconds")) &&
		    (!cJSON_IsNumber(delay) || !isfinite(delay->valuedouble) || delay->valuedouble < 0)) {
			*err = xasprintf("MockedResponses.%s.%s.DelaySeconds: must be a number of seconds, 0 or more",
					 name, c->string);
			return -1;
		}
		g->response = c;
		r->n++;
	}
	return 0;
}

static const mock_resp *find_resp(const mock_set *ms, const char *name)
{
	int i;

	for (i = 0; i < ms->nresps; i++)
		if (strcmp(ms->resps[i].name, name) == 0)
			return &ms->resps[i];
	return NULL;
}

mock_set *mock_load(const cJSON *cfg_in, char **err)
{
	mock_set *ms = xcalloc(1, sizeof *ms);
	const cJSON *resps, *sms, *c, *k, *t;

	*err = NULL;
	ms->cfg = js_dup(cfg_in);
	if (!cJSON_IsObject(ms->cfg)) {
		*err = xstrdup("the mock configuration must be a JSON object");
		goto bad;
	}
	resps = js_get(ms->cfg, "MockedResponses");
	sms = js_get(ms->cfg, "StateMachines");
	if (resps && !cJSON_IsObject(resps)) {
		*err = xstrdup("MockedResponses must be an object");
		goto bad;
	}
	if (!sms || !cJSON_IsObject(sms)) {
		*err = xstrdup("StateMachines is required and must be an object");
		goto bad;
	}
	ms->resps = xcalloc((size_t)cJSON_GetArraySize(resps) + 1, sizeof *ms->resps);
	for (c = resps ? resps->child : NULL; c; c = c->next)
		if (load_resp(&ms->resps[ms->nresps++], c->string, c, err))
			goto bad;
	for (c = sms->child; c; c = c->next) {
		const cJSON *tcs = js_get(c, "TestCases");

		if (!cJSON_IsObject(tcs)) {
			*err = xasprintf("StateMachines.%s.TestCases is required and must be an object", c->string);
			goto bad;
		}
		for (k = tcs->child; k; k = k->next) {
			mock_case *mc;

			ms->cases = xrealloc(ms->cases, sizeof *ms->cases * (size_t)(ms->ncases + 1));
			mc = &ms->cases[ms->ncases++];
			memset(mc, 0, sizeof *mc);
			mc->sm = xstrdup(c->string);
			mc->name = xstrdup(k->string);
			if (!cJSON_IsObject(k)) {
				*err = xasprintf("StateMachines.%s.TestCases.%s must map state names to mocked responses",
						 c->string, k->string);
				goto bad;
			}
			mc->states = xcalloc((size_t)cJSON_GetArraySize(k) + 1, sizeof *mc->states);
			for (t = k->child; t; t = t->next) {
				const mock_resp *r = cJSON_IsString(t) ? find_resp(ms, t->valuestring) : NULL;

				if (!r) {
					*err = xasprintf("StateMachines.%s.TestCases.%s.%s: no MockedResponses entry named %s",
							 c->string, k->string, t->string,
							 cJSON_IsString(t) ? t->valuestring : "(not a string)");
					goto bad;
				}
				mc->states[mc->n].state = xstrdup(t->string);
				mc->states[mc->n].resp = r;
				mc->n++;
			}
		}
	}
	return ms;
bad:
	/* Names and keys of the file may hold line breaks: the message is
	 * printed as one line after the file's name. */
	*err = fs_one_line(*err);
	mock_free(ms);
	return NULL;
}

mock_set *mock_load_inline(const cJSON *states, char **err)
{
	cJSON *cfg = cJSON_CreateObject(), *sm, *tcs, *tc, *resps;
	const cJSON *c;
	mock_set *ms;

	if (!cJSON_IsObject(states)) {
		cJSON_Delete(cfg);
		*err = xstrdup("mocks must be an object mapping state names to responses");
		return NULL;
	}
	resps = cJSON_AddObjectToObject(cfg, "MockedResponses");
	sm = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cfg, "StateMachines"), "*");
	tcs = cJSON_AddObjectToObject(sm, "TestCases");
	tc = cJSON_AddObjectToObject(tcs, "*");
	for (c = states->child; c; c = c->next) {
		cJSON_AddItemToObject(resps, c->string, js_dup(c));
		cJSON_AddStringToObject(tc, c->string, c->string);
	}
	ms = mock_load(cfg, err);
	cJSON_Delete(cfg);
	if (ms)
		ms->inline_set = 1;
	return ms;
}

void mock_free(mock_set *ms)
{
	int i, k;

	if (!ms)
		return;
	for (i = 0; i < ms->nresps; i++) {
		free(ms->resps[i].name);
		free(ms->resps[i].ranges);
	}
	free(ms->resps);
	for (i = 0; i < ms->ncases; i++) {
		for (k = 0; k < ms->cases[i].n; k++)
			free(ms->cases[i].states[k].state);
		free(ms->cases[i].states);
		free(ms->cases[i].sm);
		free(ms->cases[i].name);
	}
	free(ms->cases);
	for (i = 0; i < ms->nbinds; i++) {
		for (k = 0; k < ms->binds[i].n; k++)
			free(ms->binds[i].state[k]);
		free(ms->binds[i].state);
		free(ms->binds[i].count);
	}
	free(ms->binds);
	cJSON_Delete(ms->cfg);
	free(ms);
}

const mock_case *mock_find(const mock_set *ms, const char *sm, const char *name)
{
	int i;

	if (ms->inline_set)
		return ms->ncases ? &ms->cases[0] : NULL;
	for (i = 0; i < ms->ncases; i++)
		if (strcmp(ms->cases[i].sm, sm) == 0 && strcmp(ms->cases[i].name, name) == 0)
			return &ms->cases[i];
	return NULL;
}

void mock_bind(mock_set *ms, const sl_exec *x, const mock_case *mc)
{
	binding *b;

	ms->binds = xrealloc(ms->binds, sizeof *ms->binds * (size_t)(ms->nbinds + 1));
	b = &ms->binds[ms->nbinds++];
	memset(b, 0, sizeof *b);
	b->x = x;
	b->mc = mc;
}

void mock_unbind(mock_set *ms, const sl_exec *x)
{
	int i, k;

	for (i = 0; ms && i < ms->nbinds; i++) {
		if (ms->binds[i].x != x)
			continue;
		for (k = 0; k < ms->binds[i].n; k++)
			free(ms->binds[i].state[k]);
		free(ms->binds[i].state);
		free(ms->binds[i].count);
		ms->binds[i] = ms->binds[--ms->nbinds];
		return;
	}
}

/* Returns the invocation number of this call of state in b, counting it. */
static long next_count(binding *b, const char *state)
{
	int i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->state[i], state) == 0)
			return b->count[i]++;
	b->state = xrealloc(b->state, sizeof *b->state * (size_t)(b->n + 1));
	b->count = xrealloc(b->count, sizeof *b->count * (size_t)(b->n + 1));
	b->state[b->n] = xstrdup(state);
	b->count[b->n] = 1;
	b->n++;
	return 0;
}

/* The mocked response of t's state in its execution's test case, or NULL
 * (*bp: the execution's binding). */
static const mock_resp *mocked(const mock_set *ms, const sl_task *t, binding **bp)
{
	const sl_exec *x = ex_task_exec(t);
	const char *state = ex_task_state_name(t);
	binding *b = NULL;
	const mock_resp *r = NULL;
	int i;

	for (i = ms->nbinds - 1; i >= 0; i--)
		if (ms->binds[i].x == x) {
			b = &ms->binds[i];
			break;
		}
	for (i = 0; b && i < b->mc->n; i++)
		if (strcmp(b->mc->states[i].state, state) == 0)
			r = b->mc->states[i].resp;
	*bp = b;
	return r;
}

static char *mock_refuse(void *ud, const sl_task *t)
{
	mock_set *ms = ud;
	binding *b;

	if (mocked(ms, t, &b) || !ms->fallback.refuse)
		return NULL;
	return ms->fallback.refuse(ms->fallback.ud, t);
}

static void mock_start(void *ud, sl_task *t)
{
	mock_set *ms = ud;
	const char *state = ex_task_state_name(t);
	binding *b;
	const mock_resp *r = mocked(ms, t, &b);
	const cJSON *resp = NULL, *delay;
	long n;
	int i;

	if (!r) {
		if (ms->fallback.start) {
			ms->fallback.start(ms->fallback.ud, t);
			return;
		}
		ex_task_fail_unknown(t);
		return;
	}
	ex_task_set_data(t, ms); /* marks the task as ours for mock_cancel */
	n = next_count(b, state);
	for (i = 0; i < r->n; i++)
		if (n >= r->ranges[i].from && n <= r->ranges[i].to)
			resp = r->ranges[i].response;
	ex_task_started(t);
	if (!resp) {
		ex_task_fail(t, "States.Runtime",
			     "The mocked response for this invocation is not defined in the mock configuration.");
		return;
	}
	delay = js_get(resp, "DelaySeconds");
	if (js_get(resp, "Return")) {
		cJSON *v = js_dup(js_get(resp, "Return"));

		if (cJSON_IsNumber(delay))
			ex_task_succeed_after(t, delay->valuedouble, v);
		else
			ex_task_succeed(t, v);
	} else {
		const cJSON *thr = js_get(resp, "Throw"), *cause = js_get(thr, "Cause");
		const char *e = js_get(thr, "Error")->valuestring;
		const char *cs = cJSON_IsString(cause) ? cause->valuestring : NULL;

		if (cJSON_IsNumber(delay))
			ex_task_fail_after(t, delay->valuedouble, e, cs);
		else
			ex_task_fail(t, e, cs);
	}
}

static void mock_cancel(void *ud, sl_task *t)
{
	mock_set *ms = ud;

	if (ex_task_data(t) == ms)
		return;
	if (ms->fallback.cancel)
		ms->fallback.cancel(ms->fallback.ud, t);
}

sl_task_handler mock_handler(mock_set *ms, sl_task_handler fallback)
{
	sl_task_handler h = { mock_start, mock_cancel, mock_refuse, ms };

	ms->fallback = fallback;
	return h;
}
