/* exec.c - the executor: cursors, the scheduler, and every state type (see exec.h). */
#include "exec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "xalloc.h"

/* What a cursor does when the scheduler steps it. */
enum phase {
	PH_ENTER,        /* enter the current state */
	PH_IDLE,         /* waiting: timer, task or children */
	PH_WAIT_DONE,    /* a Wait state's timer fired */
	PH_ATTEMPT,      /* start a Task attempt or a Parallel/Map run */
	PH_REATTEMPT,    /* a retry: prepare the input again, then attempt */
	PH_TASK_DONE,    /* a task finished: result or err is set */
	PH_FANOUT_DONE,  /* every branch or iteration finished */
	PH_FAILED,       /* err is set: apply Retry/Catch or fail */
	PH_FINISHED,     /* the cursor reached its end */
};

enum timer_kind {
	TM_NONE, TM_WAIT, TM_RETRY, TM_TASK_TIMEOUT, TM_HEARTBEAT, TM_TASK_DELAY,
	TM_EXEC_TIMEOUT,
};

/* Transitions a cursor makes in a row before it yields to others, so that
 * branches interleave. */
#define STEP_BUDGET 64
/* Cursor steps one ex_engine_poll runs before it returns to the caller's
 * loop, so that a definition that loops for ever (an EXPRESS execution
 * has no history cap to end it) cannot starve the loop's requests and
 * signals. */
#define POLL_BUDGET 64

typedef struct cursor cursor;

typedef struct fanout {
	int total;
	int started;
	int finished;
	int failed;
	int max_running;
	cJSON **results;          /* one slot per branch / item */
	cJSON *items;             /* Map: the items */
	int own_items;            /* items is ours to free (else task_input's) */
	int move_items;           /* items move into iterations, not copied */
	cJSON *next_item;         /* Map: the next item to start */
	cursor *children;         /* live children (linked by sib_*) */
	long tolerated_count;     /* -1 = none */
	double tolerated_pct;     /* -1 = none */
	aslerr err;               /* the failure that ends the fan-out */
	int has_err;              /* err holds a failure (its name may be NULL) */
	long iter_prev;           /* Map: previousEventId of the next MapIterationStarted */
} fanout;

struct sl_task {
	cursor *c;
	int attempt;
	int started;
	void *data;
	double heartbeat;         /* HeartbeatSeconds of a callback task; 0 */
	char *worker;             /* an activity's worker, for ActivityStarted */
	cJSON *delayed_result;    /* ex_task_*_after: the outcome to deliver */
	char *delayed_error, *delayed_cause;
};

struct cursor {
	sl_exec *x;
	const asl_machine *m;
	int state;
	enum phase phase;
	cJSON *input;             /* raw input of the current state (owned) */
	cJSON *task_input;        /* Task: Parameters result, kept for retries */
	cJSON *result;            /* a finished task's result (owned) */
	aslerr err;
	int *retries;             /* attempts used per retrier of the state */
	int retry_count;          /* $$.State.RetryCount */
	double entered;
	long entered_id;
	long last;                /* previousEventId of the next event */
	cursor *parent;
	int slot;                 /* index in the parent's fan-out */
	fanout *fan;              /* this cursor's Parallel/Map in progress */
	cursor *sib_prev, *sib_next;
	cursor *qnext;
	cursor *dead_next;        /* in the engine's graveyard */
	int queued;
	unsigned long timer_seq;  /* Wait or retry timer; 0 = none */
	enum timer_kind timer_kind;
	unsigned long tmo_seq;    /* task timeout timer; 0 = none */
	unsigned long hb_seq;     /* task heartbeat timer; 0 = none */
	unsigned long dly_seq;    /* delayed task completion; 0 = none */
	sl_task *task;
	char *printed;            /* text of input in the last Exited (borrowed) */
	cJSON *pending;           /* Assign values waiting for the transition */
	char *task_token;         /* $$.Task.Token of a callback task's attempt */
	cJSON *vars;              /* variables of this scope (owned) */
	cJSON *ctx;               /* cached context object (owned) */
	int map_index;            /* -1 outside a Map iteration */
	int fan_started;          /* ParallelStateStarted / MapStateStarted emitted */
	const cJSON *map_item;    /* while evaluating ItemSelector */
};

/* A timer in the heap.  It is live while the seq it was armed with is
 * still the one its owner holds for that kind; cancelling a timer is
 * forgetting the seq, and a dead entry is dropped when it comes out. */
typedef struct tentry {
	double due;
	unsigned long seq;
	enum timer_kind kind;
	cursor *c;
} tentry;

struct sl_engine {
	sl_engine_opts o;
	double vnow;
	cursor *ready_head, *ready_tail;
	cursor *dead;             /* finished children, freed after the step */
	tentry *heap;
	int hn, hcap;
	unsigned long seq;
	sl_exec *execs;
	int running;
	int overflowed;           /* some execution hit the history limit */
	unsigned int rng;
};

struct sl_exec {
	sl_engine *g;
	asl_machine *m;
	sl_exec *next, *prev;
	char *name, *arn, *sm_name, *sm_arn, *role;
	char *input;              /* the input as given, text */
	cJSON *output;
	char *error, *cause;
	ex_status status;
	double start, stop;
	hist h;
	int keep;
	long next_id;
	int overflow;             /* the history limit was reached */
	long transitions;
	cursor *root;
	cJSON *ctx_exec;          /* $$.Execution, built once */
	cJSON *ctx_sm;            /* $$.StateMachine */
	unsigned long timeout_seq;
	ex_test *test;            /* TestState: one state, then the end */
};

static void step(cursor *c);
static void fail_state(cursor *c);
static void cursor_free(cursor *c);
static void abort_cursor(cursor *c);

/* ---- clock and timers ---- */

static double real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double ex_engine_now(const sl_engine *g)
{
	return g->o.virtual_clock ? g->vnow : real_now();
}

static void heap_swap(sl_engine *g, int a, int b)
{
	tentry t = g->heap[a];

	g->heap[a] = g->heap[b];
	g->heap[b] = t;
}

static int heap_less(const tentry *a, const tentry *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_push(sl_engine *g, double due, unsigned long seq,
		      enum timer_kind kind, cursor *c)
{
	int i;

	if (g->hn == g->hcap) {
		g->hcap = g->hcap ? g->hcap * 2 : 64;
		g->heap = xrealloc(g->heap, sizeof *g->heap * (size_t)g->hcap);
	}
	i = g->hn++;
	g->heap[i].due = due;
	g->heap[i].seq = seq;
	g->heap[i].kind = kind;
	g->heap[i].c = c;
	while (i > 0 && heap_less(&g->heap[i], &g->heap[(i - 1) / 2])) {
		heap_swap(g, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_sift_down(sl_engine *g, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;

		if (l < g->hn && heap_less(&g->heap[l], &g->heap[m]))
			m = l;
		if (r < g->hn && heap_less(&g->heap[r], &g->heap[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(g, i, m);
		i = m;
	}
}

static tentry heap_pop(sl_engine *g)
{
	tentry top = g->heap[0];

	g->heap[0] = g->heap[--g->hn];
	heap_sift_down(g, 0);
	return top;
}

/* Arms the cursor's one timer; a new timer replaces an armed one (the old
 * heap entry is ignored when it comes out, its seq no longer matching). */
static void timer_set(cursor *c, enum timer_kind k, double delay)
{
	sl_engine *g = c->x->g;
	unsigned long seq = ++g->seq;

	if (k == TM_TASK_TIMEOUT) {
		c->tmo_seq = seq;
	} else if (k == TM_HEARTBEAT) {
		c->hb_seq = seq;
	} else if (k == TM_TASK_DELAY) {
		c->dly_seq = seq;
	} else {
		c->timer_seq = seq;
		c->timer_kind = k;
	}
	heap_push(g, ex_engine_now(g) + (delay > 0 ? delay : 0), seq, k, c);
}

static int timer_live(const tentry *t)
{
	switch (t->kind) {
	case TM_TASK_TIMEOUT: return t->c->tmo_seq == t->seq;
	case TM_HEARTBEAT:    return t->c->hb_seq == t->seq;
	case TM_TASK_DELAY:   return t->c->dly_seq == t->seq;
	case TM_EXEC_TIMEOUT: return t->c->x->timeout_seq == t->seq;
	default:              return t->c->timer_seq == t->seq;
	}
}

/* Removes every heap entry whose cursor is c (or, with c NULL, whose
 * execution is x): a freed cursor must leave no entry behind, armed or
 * cancelled, since entries are only dropped when they come out. */
static void heap_purge(sl_engine *g, const cursor *c, const sl_exec *x)
{
	int i, k = 0;

	for (i = 0; i < g->hn; i++)
		if (c ? g->heap[i].c != c : g->heap[i].c->x != x)
			g->heap[k++] = g->heap[i];
	if (k == g->hn)
		return;
	g->hn = k;
	for (i = g->hn / 2 - 1; i >= 0; i--)
		heap_sift_down(g, i);
}

static void timer_clear(cursor *c)
{
	c->timer_seq = 0;
	c->timer_kind = TM_NONE;
	c->tmo_seq = 0;
	c->hb_seq = 0;
	c->dly_seq = 0;
}

/* ---- the ready queue ---- */

static void make_ready(cursor *c, enum phase p)
{
	sl_engine *g = c->x->g;

	c->phase = p;
	if (c->queued)
		return;
	c->queued = 1;
	c->qnext = NULL;
	if (g->ready_tail)
		g->ready_tail->qnext = c;
	else
		g->ready_head = c;
	g->ready_tail = c;
}

static void unqueue(cursor *c)
{
	sl_engine *g = c->x->g;
	cursor **pp, *prev = NULL;

	if (!c->queued)
		return;
	for (pp = &g->ready_head; *pp; prev = *pp, pp = &(*pp)->qnext)
		if (*pp == c) {
			*pp = c->qnext;
			if (g->ready_tail == c)
				g->ready_tail = prev;
			break;
		}
	c->queued = 0;
}

/* ---- history ---- */

static hist_event *emit(cursor *c, hist_type t)
{
	sl_exec *x = c->x;
	static hist_event scratch;
	hist_event *e;
	long id = ++x->next_id;

	/* The event that would be the 25,000th becomes ExecutionFailed. */
	if (x->keep && (x->overflow || (id >= SL_MAX_HISTORY_EVENTS &&
					t != EV_EXECUTION_FAILED && t != EV_EXECUTION_SUCCEEDED &&
					t != EV_EXECUTION_ABORTED && t != EV_EXECUTION_TIMED_OUT))) {
		if (!x->overflow) {
			x->overflow = 1;
			x->g->overflowed = 1;
		}
		x->next_id = SL_MAX_HISTORY_EVENTS - 1;
		id = 0;
	}
	if (x->keep && id) {
		e = hist_add(&x->h, t, id, c ? c->last : 0, ex_engine_now(x->g));
	} else {
		/* Not kept: a scratch event, only for the observer. */
		free(scratch.data);
		free(scratch.error);
		free(scratch.cause);
		free(scratch.resource);
		free(scratch.resource_type);
		free(scratch.assigned);
		free(scratch.worker);
		memset(&scratch, 0, sizeof scratch);
		e = &scratch;
		e->type = t;
		e->id = id;
		e->prev = c ? c->last : 0;
		e->ts = x->g->o.observer ? ex_engine_now(x->g) : 0;
	}
	if (id)
		c->last = id;
	return e;
}

/* Like emit, for the events AWS does not chain on (*StateSucceeded,
 * MapIterationFailed, aborts): the next event points where this one does. */
static hist_event *emit_side(cursor *c, hist_type t)
{
	long last = c->last;
	hist_event *e = emit(c, t);

	c->last = last;
	return e;
}

/* Events are filled after emit(); the observer sees them complete. */
static void done_event(cursor *c, hist_event *e)
{
	sl_engine *g = c->x->g;

	if (g->o.observer)
		g->o.observer(g->o.observer_ud, c->x, e);
}

/* A state's Entered or Exited event.  The output text of an Exited event
 * is the next state's input text (the input does not change in between),
 * so the next Entered event shares it instead of printing a large payload
 * again (c->printed borrows it from the kept history). */
static void state_event(cursor *c, hist_type t, const cJSON *payload)
{
	const asl_state *s = &c->m->states[c->state];
	hist_event *e = emit(c, t);

	e->state = s->name;
	e->state_type = asl_type_name(s->type);
	if (payload && (c->x->keep || c->x->g->o.observer)) {
		if (t == EV_STATE_ENTERED && c->printed && c->x->keep && e->id) {
			e->data = c->printed;
			e->data_shared = 1;
		} else {
			e->data = js_print(payload);
		}
	}
	c->printed = t == EV_STATE_EXITED && c->x->keep && e->id ? e->data : NULL;
	done_event(c, e);
}

/* ---- context object and variables ---- */

static cJSON *iso_node(double t)
{
	char buf[40];

	hist_iso_time(t, buf, sizeof buf);
	return cJSON_CreateString(buf);
}

static const cJSON *ctx_get(void *ud)
{
	cursor *c = ud;
	sl_exec *x = c->x;
	cJSON *st, *o;

	if (c->ctx)
		return c->ctx;
	/* TestState: the context object given is $$, as it is. */
	if (x->test && x->test->context)
		return c->ctx = js_dup(x->test->context);
	if (!x->ctx_exec) {
		x->ctx_exec = cJSON_CreateObject();
		cJSON_AddStringToObject(x->ctx_exec, "Id", x->arn);
		cJSON_AddItemToObject(x->ctx_exec, "Input",
				      js_parse(x->input, strlen(x->input), NULL));
		cJSON_AddItemToObject(x->ctx_exec, "StartTime", iso_node(x->start));
		cJSON_AddStringToObject(x->ctx_exec, "Name", x->name);
		if (x->role)
			cJSON_AddStringToObject(x->ctx_exec, "RoleArn", x->role);
		else
			cJSON_AddNullToObject(x->ctx_exec, "RoleArn");
		if (!x->test)
			cJSON_AddNumberToObject(x->ctx_exec, "RedriveCount", 0);
		x->ctx_sm = cJSON_CreateObject();
		cJSON_AddStringToObject(x->ctx_sm, "Id", x->sm_arn);
		cJSON_AddStringToObject(x->ctx_sm, "Name", x->sm_name);
	}
	c->ctx = cJSON_CreateObject();
	cJSON_AddItemReferenceToObject(c->ctx, "Execution", x->ctx_exec);
	cJSON_AddItemReferenceToObject(c->ctx, "StateMachine", x->ctx_sm);
	st = cJSON_AddObjectToObject(c->ctx, "State");
	/* AWS's TestState names every state so. */
	cJSON_AddStringToObject(st, "Name", x->test ? "StateName" : c->m->states[c->state].name);
	cJSON_AddItemToObject(st, "EnteredTime", iso_node(c->entered));
	if (c->m->states[c->state].type != ASL_PASS)
		cJSON_AddNumberToObject(st, "RetryCount", c->retry_count);
	if (c->task_token) {
		o = cJSON_AddObjectToObject(c->ctx, "Task");
		cJSON_AddStringToObject(o, "Token", c->task_token);
	}
	if (c->map_item) {
		o = cJSON_AddObjectToObject(c->ctx, "Map");
		o = cJSON_AddObjectToObject(o, "Item");
		cJSON_AddNumberToObject(o, "Index", c->map_index);
		cJSON_AddItemToObject(o, "Value", js_dup(c->map_item));
	}
	return c->ctx;
}

static void ctx_reset(cursor *c)
{
	cJSON_Delete(c->ctx);
	c->ctx = NULL;
}

static const cJSON *var_get(void *ud, const char *name)
{
	cursor *c;

	for (c = ud; c; c = c->parent)
		if (c->vars) {
			const cJSON *v = js_get(c->vars, name);

			if (v)
				return v;
		}
	return NULL;
}

static jp_env env_for(cursor *c, const cJSON *input)
{
	jp_env e = { input, ctx_get, var_get, c };

	return e;
}

/* ---- TestState ---- */

/* Whether c runs the state a TestState execution tests. */
static int testing(const cursor *c)
{
	return c->x->test && !c->parent;
}

/* Records a step of the tested state's data flow (inspectionData): v as
 * compact JSON text. */
static void inspect(cursor *c, const char *what, const cJSON *v)
{
	char *t;

	if (!testing(c) || !c->x->test->inspect || !v)
		return;
	t = js_print(v);
	js_set(c->x->test->inspection, what, cJSON_CreateString(t));
	free(t);
}

static void inspect_num(cursor *c, const char *what, double v)
{
	if (testing(c) && c->x->test->inspect)
		js_set(c->x->test->inspection, what, cJSON_CreateNumber(v));
}

void ex_test_clear(ex_test *t)
{
	free(t->error);
	free(t->cause);
	cJSON_Delete(t->inspection);
	t->error = t->cause = NULL;
	t->inspection = NULL;
}

/* ---- errors ---- */

/* Prefixes a States.Runtime-style cause with the state and its entry id,
 * as AWS words it. */
static int state_error(cursor *c, aslerr *e)
{
	char *cause = xasprintf("An error occurred while executing the state '%s' "
				"(entered at the event id #%ld). %s",
				c->m->states[c->state].name, c->entered_id,
				e->cause ? e->cause : "");

	free(e->cause);
	e->cause = cause;
	aslerr_move(&c->err, e);
	return -1;
}

static int path_error(cursor *c, const jpath *p)
{
	aslerr e = { 0 };

	aslerr_set(&e, ERR_RUNTIME, "Invalid path '%s' : No results for path: %s",
		   jp_text(p), jp_normalized(p));
	return state_error(c, &e);
}

/* ---- input and output processing ---- */

/* InputPath: sets *eff to the effective input, borrowed from c->input or
 * (when *owned) a new value. */
static int apply_input_path(cursor *c, const asl_state *s, const cJSON **eff, cJSON **owned)
{
	jp_env env = env_for(c, c->input);
	int is_owned;

	*owned = NULL;
	if (s->input_null) {
		*owned = cJSON_CreateObject();
		*eff = *owned;
		return 0;
	}
	if (!s->input_path) {
		*eff = c->input;
		return 0;
	}
	if (jp_eval(s->input_path, &env, eff, &is_owned))
		return path_error(c, s->input_path);
	if (is_owned)
		*owned = (cJSON *)*eff;
	return 0;
}

static cJSON *apply_tpl(cursor *c, const tpl *t, const cJSON *input)
{
	jp_env env = env_for(c, input);
	aslerr e = { 0 };
	cJSON *v = tpl_eval(t, &env, &e);

	if (!v)
		state_error(c, &e);
	return v;
}

static int check_size(cursor *c, const cJSON *v, const char *what)
{
	size_t n;
	aslerr e = { 0 };
	long limit = c->x->g->o.max_payload;

	if (!v || limit < 0)
		return 0;
	n = js_printed_size(v);
	if (n <= (size_t)(limit ? limit : SL_MAX_PAYLOAD_BYTES))
		return 0;
	aslerr_set(&e, ERR_DATA_LIMIT,
		   "The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.",
		   c->m->states[c->state].name);
	(void)what;
	aslerr_move(&c->err, &e);
	return -1;
}

/* ResultPath then OutputPath: combines the raw input (c->input) and
 * result (taken) into the state's output, left in c->input. */
static int finish_output(cursor *c, const asl_state *s, cJSON *result)
{
	jp_env env;
	const cJSON *out;
	int owned;

	if (s->result_null) {
		cJSON_Delete(result);
	} else if (!s->result_path || jp_steps(s->result_path) == 0) {
		if (result != c->input) {
			cJSON_Delete(c->input);
			c->input = result;
		}
	} else {
		if (result == c->input)
			result = js_dup(result);
		if (jp_assign(s->result_path, &c->input, result)) {
			aslerr e = { 0 };
			char *in = js_print(c->input);

			aslerr_set(&e, ERR_RESULT_PATH_MATCH,
				   "Unable to apply ReferencePath %s to input %s",
				   jp_text(s->result_path), in);
			free(in);
			return state_error(c, &e);
		}
	}
	if (s->type != ASL_CHOICE && s->type != ASL_SUCCEED && (s->type != ASL_MAP || s->result_path))
		inspect(c, "afterResultPath", c->input);
	if (s->output_null) {
		cJSON_Delete(c->input);
		c->input = cJSON_CreateObject();
	} else if (s->output_path) {
		env = env_for(c, c->input);
		if (jp_eval(s->output_path, &env, &out, &owned))
			return path_error(c, s->output_path);
		if (!owned) {
			cJSON *v = jp_root(s->output_path) == JP_ROOT_INPUT ?
				jp_detach(s->output_path, c->input) : js_dup(out);

			cJSON_Delete(c->input);
			c->input = v;
		} else {
			cJSON_Delete(c->input);
			c->input = (cJSON *)out;
		}
	}
	return check_size(c, c->input, "output");
}

/* Moves every member of src (freed) into dst, replacing same-named ones. */
static void merge_members(cJSON *dst, cJSON *src)
{
	cJSON *v, *nx;

	for (v = src->child; v; v = nx) {
		char *key = xstrdup(v->string);

		nx = v->next;
		cJSON_DetachItemViaPointer(src, v);
		js_set(dst, key, v);
		free(key);
	}
	cJSON_Delete(src);
}

/* Assign: evaluated against `input` now, with the variables as they were
 * when the state was entered; the values wait in c->pending until the
 * state leaves (commit_assign), so that OutputPath and every other
 * expression of the state still see the old values, as on AWS. */
static int apply_assign(cursor *c, const tpl *assign, const cJSON *input)
{
	cJSON *vals;

	if (!assign)
		return 0;
	vals = apply_tpl(c, assign, input);
	if (!vals)
		return -1;
	if (!c->pending)
		c->pending = cJSON_CreateObject();
	merge_members(c->pending, vals);
	return 0;
}

/* Makes the state's assignments visible; returns AWS's assignedVariables
 * (each value as compact JSON text), owned, or NULL when there were none
 * or the history does not need it. */
static cJSON *commit_assign(cursor *c)
{
	cJSON *shown = NULL, *v;

	if (!c->pending)
		return NULL;
	if (c->x->keep || c->x->g->o.observer) {
		shown = cJSON_CreateObject();
		for (v = c->pending->child; v; v = v->next) {
			char *t = js_print(v);

			cJSON_AddStringToObject(shown, v->string, t);
			free(t);
		}
	}
	if (!c->vars)
		c->vars = cJSON_CreateObject();
	merge_members(c->vars, c->pending);
	c->pending = NULL;
	return shown;
}

/* ---- transitions ---- */

static void cursor_end(cursor *c, int ok);

/* Leaves the current state for `next` (or the end): the assignments take
 * effect, the Exited event, then the next state is entered on the next
 * step. */
static void transition(cursor *c, int next)
{
	cJSON *assigned = commit_assign(c);

	state_event(c, EV_STATE_EXITED, c->input);
	if (assigned) {
		if (c->x->keep && c->x->h.n && c->x->h.v[c->x->h.n - 1].type == EV_STATE_EXITED)
			c->x->h.v[c->x->h.n - 1].assigned = js_print(assigned);
		cJSON_Delete(assigned);
	}
	free(c->retries);
	c->retries = NULL;
	c->retry_count = 0;
	cJSON_Delete(c->task_input);
	c->task_input = NULL;
	ctx_reset(c);
	if (testing(c)) {
		/* TestState reports where the execution would go. */
		c->x->test->next = next >= 0 ? c->m->states[next].name : NULL;
		next = -1;
	}
	if (next < 0) {
		cursor_end(c, 1);
		return;
	}
	c->state = next;
	c->phase = PH_ENTER;
}

static double rand01(sl_engine *g);

/* ---- Task ---- */

static int is_lambda(const char *resource)
{
	return strncmp(resource, "arn:aws:lambda:", 15) == 0;
}

static int is_activity(const char *resource)
{
	return strncmp(resource, "arn:aws:states:", 15) == 0 && strstr(resource, ":activity:");
}

/* The history events of a Task attempt, by what its resource is. */
enum { TE_SCHEDULED, TE_STARTED, TE_SUCCEEDED, TE_FAILED, TE_TIMED_OUT };
static const hist_type task_events[3][5] = {
	{ EV_TASK_SCHEDULED, EV_TASK_STARTED, EV_TASK_SUCCEEDED, EV_TASK_FAILED, EV_TASK_TIMED_OUT },
	{ EV_LAMBDA_SCHEDULED, EV_LAMBDA_STARTED, EV_LAMBDA_SUCCEEDED, EV_LAMBDA_FAILED,
	  EV_LAMBDA_TIMED_OUT },
	{ EV_ACTIVITY_SCHEDULED, EV_ACTIVITY_STARTED, EV_ACTIVITY_SUCCEEDED, EV_ACTIVITY_FAILED,
	  EV_ACTIVITY_TIMED_OUT },
};

static hist_type task_event_type(const char *resource, int which)
{
	return task_events[is_lambda(resource) ? 1 : is_activity(resource) ? 2 : 0][which];
}

/* A service integration's resource in its events: the service
 * ("resourceType") and the rest ("resource"). */
static void service_resource(hist_event *e, const char *resource)
{
	const char *svc = strncmp(resource, "arn:aws:states:::", 17) == 0 ? resource + 17 : resource;
	const char *colon = strchr(svc, ':');

	e->resource_type = colon ? xstrndup(svc, (size_t)(colon - svc)) : xstrdup(svc);
	e->resource = xstrdup(colon ? colon + 1 : svc);
}

/* A task token: 64 random URL-safe characters, as opaque as AWS's. */
static char *new_token(sl_engine *g)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *t = xmalloc(SL_TASK_TOKEN_LEN + 1);
	int i;

	for (i = 0; i < SL_TASK_TOKEN_LEN; i++)
		t[i] = abc[(int)(rand01(g) * 64) & 63];
	t[SL_TASK_TOKEN_LEN] = '\0';
	return t;
}

/* Whether the task reports progress (callbacks, jobs): only those are
 * held to HeartbeatSeconds, as on AWS. */
static int is_callback(const char *resource)
{
	size_t n = strlen(resource);

	return (n > 17 && strcmp(resource + n - 17, ".waitForTaskToken") == 0) ||
	       (n > 5 && strcmp(resource + n - 5, ".sync") == 0) ||
	       (strncmp(resource, "arn:aws:states:", 15) == 0 && strstr(resource, ":activity:"));
}

/* TimeoutSeconds(Path) or HeartbeatSeconds(Path) of a task: 0 when not
 * set; -1 with the state failed when the path gives no positive integer. */
static double task_seconds(cursor *c, const asl_num *n, const char *field)
{
	jp_env env;
	const cJSON *v;
	int owned;

	if (n->set)
		return n->value;
	if (!n->path)
		return 0;
	env = env_for(c, c->input);
	if (jp_eval(n->path, &env, &v, &owned) || owned || !js_is_integer(v) ||
	    v->valuedouble < 1) {
		aslerr er = { 0 };

		aslerr_set(&er, ERR_RUNTIME,
			   "Invalid path '%s': the value of %sPath must be a positive integer",
			   jp_text(n->path), field);
		state_error(c, &er);
		c->phase = PH_FAILED;
		return -1;
	}
	return v->valuedouble;
}

static void task_free(sl_task *t);

static void task_attempt(cursor *c)
{
	const asl_state *s = &c->m->states[c->state];
	sl_engine *g = c->x->g;
	hist_event *e;
	sl_task *t;
	double timeout, heartbeat = 0;

	if ((timeout = task_seconds(c, &s->timeout, "TimeoutSeconds")) < 0)
		return;
	if (is_callback(s->resource) &&
	    (heartbeat = task_seconds(c, &s->heartbeat, "HeartbeatSeconds")) < 0)
		return;
	t = xcalloc(1, sizeof *t);
	t->c = c;
	t->attempt = c->retry_count;
	if (g->o.tasks.refuse) {
		char *why = g->o.tasks.refuse(g->o.tasks.ud, t);

		if (why) {
			aslerr er = { 0 };

			aslerr_take(&er, xstrdup(ERR_RUNTIME), why);
			task_free(t);
			state_error(c, &er);
			c->phase = PH_FAILED;
			return;
		}
	}
	e = emit(c, task_event_type(s->resource, TE_SCHEDULED));
	if (e->type == EV_TASK_SCHEDULED)
		service_resource(e, s->resource);
	else
		e->resource = xstrdup(s->resource);
	if (c->x->keep || g->o.observer)
		e->data = js_print(c->task_input);
	if (timeout > 0) {
		e->num = (long)timeout;
		e->has_num = 1;
	}
	if (heartbeat > 0) {
		e->num2 = (long)heartbeat;
		e->has_num2 = 1;
	}
	done_event(c, e);
	c->task = t;
	c->phase = PH_IDLE;
	if (timeout > 0)
		timer_set(c, TM_TASK_TIMEOUT, timeout * g->o.wait_scale);
	t->heartbeat = heartbeat;
	if (heartbeat > 0)
		timer_set(c, TM_HEARTBEAT, heartbeat * g->o.wait_scale);
	if (!g->o.tasks.start) {
		ex_task_fail_unknown(t);
		return;
	}
	g->o.tasks.start(g->o.tasks.ud, t);
}

static void task_event(sl_task *t, int which, const char *error, const char *cause,
		       const cJSON *output)
{
	cursor *c = t->c;
	const asl_state *s = &c->m->states[c->state];
	hist_event *e = emit(c, task_event_type(s->resource, which));

	if (e->type == task_events[0][which])
		service_resource(e, s->resource);
	if (error)
		e->error = xstrdup(error);
	if (cause)
		e->cause = xstrdup(cause);
	if (output && (c->x->keep || c->x->g->o.observer))
		e->data = js_print(output);
	if (which == TE_STARTED && t->worker) {
		e->worker = t->worker;
		t->worker = NULL;
	}
	done_event(c, e);
}

void ex_task_started_by(sl_task *t, const char *worker)
{
	if (t->started)
		return;
	free(t->worker);
	t->worker = worker ? xstrdup(worker) : NULL;
	ex_task_started(t);
}

void ex_task_started(sl_task *t)
{
	if (t->started)
		return;
	t->started = 1;
	task_event(t, TE_STARTED, NULL, NULL, NULL);
}

static void task_free(sl_task *t)
{
	free(t->worker);
	cJSON_Delete(t->delayed_result);
	free(t->delayed_error);
	free(t->delayed_cause);
	free(t);
}

static void task_end(sl_task *t)
{
	cursor *c = t->c;

	c->tmo_seq = 0;
	c->hb_seq = 0;
	c->dly_seq = 0;
	c->task = NULL;
	task_free(t);
}

void ex_task_succeed(sl_task *t, cJSON *result)
{
	cursor *c = t->c;

	ex_task_started(t);
	task_event(t, TE_SUCCEEDED, NULL, NULL, result);
	task_end(t);
	c->result = result;
	make_ready(c, PH_TASK_DONE);
}

void ex_task_fail(sl_task *t, const char *error, const char *cause)
{
	cursor *c = t->c;

	ex_task_started(t);
	task_event(t, TE_FAILED, error, cause, NULL);
	task_end(t);
	aslerr_set(&c->err, error, "%s", cause ? cause : "");
	if (!cause) {
		free(c->err.cause);
		c->err.cause = NULL;
	}
	make_ready(c, PH_FAILED);
}

/* TimeoutSeconds (States.Timeout) or HeartbeatSeconds
 * (States.HeartbeatTimeout) ran out: the task is abandoned. */
static void task_timeout(cursor *c, const char *error)
{
	sl_engine *g = c->x->g;
	sl_task *t = c->task;

	if (!t)
		return;
	if (g->o.tasks.cancel)
		g->o.tasks.cancel(g->o.tasks.ud, t);
	task_event(t, TE_TIMED_OUT, error, NULL, NULL);
	c->task = NULL;
	c->dly_seq = 0;
	c->tmo_seq = 0;
	c->hb_seq = 0;
	task_free(t);
	aslerr_set(&c->err, error, NULL);
	make_ready(c, PH_FAILED);
}

void ex_task_heartbeat(sl_task *t)
{
	if (t->heartbeat > 0)
		timer_set(t->c, TM_HEARTBEAT, t->heartbeat * t->c->x->g->o.wait_scale);
}

const char *ex_task_resource(const sl_task *t) { return t->c->m->states[t->c->state].resource; }
const char *ex_task_token(const sl_task *t) { return t->c->task_token; }
const char *ex_task_state_name(const sl_task *t) { return t->c->m->states[t->c->state].name; }
const cJSON *ex_task_input(const sl_task *t) { return t->c->task_input; }
const sl_exec *ex_task_exec(const sl_task *t) { return t->c->x; }
int ex_task_attempt(const sl_task *t) { return t->attempt; }
void ex_task_set_data(sl_task *t, void *data) { t->data = data; }

/* Depth-first over a cursor and its live children (Parallel branches,
 * Map iterations). */
static sl_task *find_token(cursor *c, const char *token)
{
	cursor *k;
	sl_task *t;

	if (c->task && c->task_token && strcmp(c->task_token, token) == 0)
		return c->task;
	if (c->fan)
		for (k = c->fan->children; k; k = k->sib_next)
			if ((t = find_token(k, token)))
				return t;
	return NULL;
}

sl_task *ex_task_find(sl_engine *g, const char *token)
{
	sl_exec *x;
	sl_task *t;

	for (x = g->execs; x; x = x->next)
		if (x->status == EX_RUNNING && x->root && (t = find_token(x->root, token)))
			return t;
	return NULL;
}

void ex_task_fail_unknown(sl_task *t)
{
	const asl_state *s = &t->c->m->states[t->c->state];
	const char *res = s->resource;
	const cJSON *fn = js_get(t->c->task_input, "FunctionName");
	char *cause;

	if (is_lambda(res) || strncmp(res, "arn:aws:states:::lambda:invoke", 30) == 0) {
		cause = xasprintf("Function not found: %s (Service: AWSLambda; Status Code: 404; "
				  "Error Code: ResourceNotFoundException). steplocal: no function of "
				  "the project has this name and no mocked response answers state '%s'.",
				  is_lambda(res) ? res : cJSON_IsString(fn) ? fn->valuestring : "",
				  s->name);
		ex_task_fail(t, "Lambda.ResourceNotFoundException", cause);
	} else if (is_activity(res)) {
		cause = xasprintf("The activity %s does not exist. steplocal: activities are "
				  "created and worked under `steplocal serve` (CreateActivity, "
				  "GetActivityTask); a mocked response (--mock-config) can answer "
				  "state '%s'.", res, s->name);
		ex_task_fail(t, "States.Runtime", cause);
	} else {
		cause = xasprintf("steplocal does not emulate the service integration %s; "
				  "a mocked response (--mock-config) can answer state '%s'.",
				  res, s->name);
		ex_task_fail(t, "States.Runtime", cause);
	}
	free(cause);
}

void ex_task_succeed_after(sl_task *t, double delay, cJSON *result)
{
	t->delayed_result = result;
	timer_set(t->c, TM_TASK_DELAY, delay * t->c->x->g->o.wait_scale);
}

void ex_task_fail_after(sl_task *t, double delay, const char *error, const char *cause)
{
	t->delayed_error = xstrdup(error);
	t->delayed_cause = cause ? xstrdup(cause) : NULL;
	timer_set(t->c, TM_TASK_DELAY, delay * t->c->x->g->o.wait_scale);
}

static void task_delay_due(cursor *c)
{
	sl_task *t = c->task;
	cJSON *r;

	if (!t)
		return;
	c->dly_seq = 0;
	if (t->delayed_error) {
		char *e = t->delayed_error, *ca = t->delayed_cause;

		t->delayed_error = t->delayed_cause = NULL;
		ex_task_fail(t, e, ca);
		free(e);
		free(ca);
		return;
	}
	r = t->delayed_result;
	t->delayed_result = NULL;
	ex_task_succeed(t, r);
}
void *ex_task_data(const sl_task *t) { return t->data; }

/* After a task result or a fan-out's results: ResultSelector, ResultPath,
 * OutputPath, Assign, then the transition. */
static void complete_with_result(cursor *c, cJSON *result)
{
	const asl_state *s = &c->m->states[c->state];
	cJSON *sel;

	if (check_size(c, result, "result")) {
		cJSON_Delete(result);
		c->phase = PH_FAILED;
		return;
	}
	if (s->type == ASL_TASK)
		inspect(c, "result", result);
	if (s->result_selector) {
		sel = apply_tpl(c, s->result_selector, result);
		cJSON_Delete(result);
		if (!sel) {
			c->phase = PH_FAILED;
			return;
		}
		result = sel;
	}
	/* A Map shows only the steps it declares. */
	if (s->type != ASL_MAP || s->result_selector)
		inspect(c, "afterResultSelector", result);
	if (apply_assign(c, s->assign, result)) {
		cJSON_Delete(result);
		c->phase = PH_FAILED;
		return;
	}
	if (finish_output(c, s, result)) {
		c->phase = PH_FAILED;
		return;
	}
	transition(c, s->end ? -1 : s->next);
}

/* ---- Parallel and Map ---- */

static cursor *cursor_new(sl_exec *x, const asl_machine *m, cJSON *input, cursor *parent)
{
	cursor *c = xcalloc(1, sizeof *c);

	c->x = x;
	c->m = m;
	c->state = m->start;
	c->input = input;
	c->parent = parent;
	c->map_index = -1;
	c->last = parent ? parent->last : 0;
	c->phase = PH_ENTER;
	return c;
}

static void fan_link(fanout *f, cursor *child)
{
	child->sib_next = f->children;
	if (f->children)
		f->children->sib_prev = child;
	f->children = child;
}

static void fan_unlink(fanout *f, cursor *child)
{
	if (child->sib_prev)
		child->sib_prev->sib_next = child->sib_next;
	else
		f->children = child->sib_next;
	if (child->sib_next)
		child->sib_next->sib_prev = child->sib_prev;
	child->sib_prev = child->sib_next = NULL;
}

static void fan_free(fanout *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; f->results && i < f->total; i++)
		cJSON_Delete(f->results[i]);
	free(f->results);
	if (f->own_items)
		cJSON_Delete(f->items);
	aslerr_clear(&f->err);
	free(f);
}

static void map_start_next(cursor *c);

static void parallel_start(cursor *c, cJSON *eff)
{
	const asl_state *s = &c->m->states[c->state];
	fanout *f = xcalloc(1, sizeof *f);
	hist_event *e;
	int i;

	f->total = s->nbranches;
	f->results = xcalloc((size_t)f->total, sizeof *f->results);
	c->fan = f;
	c->fan_started = 1;
	e = emit(c, EV_PARALLEL_STARTED);
	done_event(c, e);
	for (i = 0; i < s->nbranches; i++) {
		cursor *ch = cursor_new(c->x, s->branches[i],
					i + 1 < s->nbranches ? js_dup(eff) : eff, c);

		ch->slot = i;
		fan_link(f, ch);
		make_ready(ch, PH_ENTER);
	}
	f->started = f->total;
	c->phase = PH_IDLE;
}

/* Reads a number given literally or through a path, for Map's fields. */
static int num_field(cursor *c, const asl_num *n, const cJSON *input, double dflt,
		     const char *field, double *out)
{
	jp_env env;
	const cJSON *v;
	int owned;
	aslerr e = { 0 };

	*out = dflt;
	if (n->set) {
		*out = n->value;
		return 0;
	}
	if (!n->path)
		return 0;
	env = env_for(c, input);
	if (jp_eval(n->path, &env, &v, &owned) || !cJSON_IsNumber(v) || v->valuedouble < 0) {
		aslerr_set(&e, ERR_RUNTIME, "The value of the field '%sPath' must be a non-negative number: %s",
			   field, jp_text(n->path));
		return state_error(c, &e);
	}
	*out = v->valuedouble;
	return 0;
}

/* Splits items into batches as ItemBatcher says: {"Items":[...]} plus
 * BatchInput. */
static int map_batch(cursor *c, const asl_state *s, const cJSON *eff, cJSON **items)
{
	double max_items, max_bytes;
	cJSON *batches = cJSON_CreateArray(), *batch = NULL, *it, *nx, *bi = NULL;
	size_t bytes = 0;

	if (num_field(c, &s->batch_max_items, eff, 0, "MaxItemsPerBatch", &max_items) ||
	    num_field(c, &s->batch_max_bytes, eff, 0, "MaxInputBytesPerBatch", &max_bytes)) {
		cJSON_Delete(batches);
		return -1;
	}
	if (s->batch_input && !(bi = apply_tpl(c, s->batch_input, eff))) {
		cJSON_Delete(batches);
		return -1;
	}
	for (it = (*items)->child; it; it = nx) {
		size_t sz = js_printed_size(it);

		nx = it->next;
		if (batch && ((max_items > 0 && cJSON_GetArraySize(js_get(batch, "Items")) >= max_items) ||
			      (max_bytes > 0 && bytes + sz > max_bytes)))
			batch = NULL;
		if (!batch) {
			batch = cJSON_CreateObject();
			if (bi)
				cJSON_AddItemToObject(batch, "BatchInput", js_dup(bi));
			cJSON_AddArrayToObject(batch, "Items");
			cJSON_AddItemToArray(batches, batch);
			bytes = 0;
		}
		cJSON_DetachItemViaPointer(*items, it);
		cJSON_AddItemToArray(js_get(batch, "Items"), it);
		bytes += sz;
	}
	cJSON_Delete(bi);
	cJSON_Delete(*items);
	*items = batches;
	return 0;
}

static void map_start(cursor *c, const cJSON *eff)
{
	const asl_state *s = &c->m->states[c->state];
	fanout *f;
	cJSON *items;
	hist_event *e;
	double conc, tc, tp;
	jp_env env = env_for(c, eff);
	const cJSON *v;
	int owned;

	if (s->items_path) {
		if (jp_eval(s->items_path, &env, &v, &owned)) {
			path_error(c, s->items_path);
			c->phase = PH_FAILED;
			return;
		}
	} else {
		v = eff;
		owned = 0;
	}
	if (!cJSON_IsArray(v)) {
		aslerr er = { 0 };
		char *txt = js_print(v);

		aslerr_set(&er, ERR_RUNTIME,
			   "Invalid path '%s' : The value at the path is not an array: %s",
			   s->items_path ? jp_text(s->items_path) : "$", txt);
		free(txt);
		if (owned)
			cJSON_Delete((cJSON *)v);
		state_error(c, &er);
		c->phase = PH_FAILED;
		return;
	}
	/* The items stay in the effective input (task_input) unless a path
	 * built them or batching regroups them. */
	items = owned ? (cJSON *)v : s->batching ? js_dup(v) : (cJSON *)v;
	owned = owned || s->batching;
	if (num_field(c, &s->max_concurrency, eff, 0, "MaxConcurrency", &conc) ||
	    num_field(c, &s->tolerated_count, eff, -1, "ToleratedFailureCount", &tc) ||
	    num_field(c, &s->tolerated_pct, eff, -1, "ToleratedFailurePercentage", &tp) ||
	    (s->batching && map_batch(c, s, eff, &items))) {
		if (owned)
			cJSON_Delete(items);
		c->phase = PH_FAILED;
		return;
	}
	f = xcalloc(1, sizeof *f);
	f->own_items = owned;
	/* Without ItemSelector (which may read any of $) or Retry (which
	 * starts over from the same items), each item can move into its
	 * iteration instead of being copied. */
	f->move_items = !s->parameters && s->nretry == 0;
	f->total = cJSON_GetArraySize(items);
	f->results = xcalloc((size_t)(f->total ? f->total : 1), sizeof *f->results);
	f->items = items;
	f->next_item = items->child;
	{
		int cap = s->distributed ? SL_DISTRIBUTED_MAP_CONCURRENCY : SL_INLINE_MAP_CONCURRENCY;

		f->max_running = conc > 0 && conc < cap ? (int)conc : cap;
	}
	/* A Distributed Map tolerates no failure unless told otherwise. */
	f->tolerated_count = s->distributed && tc < 0 && tp < 0 ? 0 : (long)tc;
	f->tolerated_pct = tp;
	c->fan = f;
	c->fan_started = 1;
	e = emit(c, EV_MAP_STARTED);
	e->num = f->total;
	e->has_num = 1;
	done_event(c, e);
	f->iter_prev = c->last;
	c->phase = PH_IDLE;
	if (f->total == 0) {
		make_ready(c, PH_FANOUT_DONE);
		return;
	}
	/* The effective input is needed for ItemSelector while items start. */
	map_start_next(c);
}

/* Starts iterations while fewer than max_running run. */
static void map_start_next(cursor *c)
{
	const asl_state *s = &c->m->states[c->state];
	fanout *f = c->fan;

	while (f->next_item && f->started - f->finished < f->max_running) {
		cJSON *item = f->next_item, *in;
		cursor *ch;
		hist_event *e;
		int index = f->started;

		f->next_item = item->next;
		if (s->parameters) {
			c->map_item = item;
			c->map_index = index;
			ctx_reset(c);
			in = apply_tpl(c, s->parameters, c->task_input);
			c->map_item = NULL;
			c->map_index = -1;
			ctx_reset(c);
			if (!in) {
				aslerr_move(&f->err, &c->err);
				f->next_item = NULL;
				f->failed = f->total; /* no tolerance for a broken selector */
				if (f->started == f->finished)
					make_ready(c, PH_FANOUT_DONE);
				return;
			}
		} else if (f->move_items) {
			in = cJSON_DetachItemViaPointer(f->items, item);
			js_size_forget(f->items);
		} else {
			in = js_dup(item);
		}
		{
			long last = c->last;

			c->last = f->iter_prev;
			e = emit(c, EV_MAP_ITERATION_STARTED);
			e->state = s->name;
			e->num = index;
			e->has_num = 1;
			done_event(c, e);
			ch = cursor_new(c->x, s->processor, in, c);
			c->last = last;
		}
		ch->slot = index;
		ch->map_index = index;
		fan_link(f, ch);
		f->started++;
		make_ready(ch, PH_ENTER);
	}
}

static int tolerated(const fanout *f)
{
	if (f->tolerated_count >= 0 && f->failed <= f->tolerated_count)
		return 1;
	if (f->tolerated_pct >= 0 && f->total > 0 &&
	    (double)f->failed * 100.0 / f->total <= f->tolerated_pct)
		return 1;
	return 0;
}

/* Queues a finished cursor to be freed once the scheduler is out of its
 * step (it may be the cursor being stepped). */
static void bury(cursor *c)
{
	sl_engine *g = c->x->g;

	unqueue(c);
	c->phase = PH_FINISHED;
	c->dead_next = g->dead;
	g->dead = c;
}

static void free_dead(sl_engine *g)
{
	while (g->dead) {
		cursor *c = g->dead;

		g->dead = c->dead_next;
		cursor_free(c);
	}
}

/* Called when a child cursor ended; `ok` says how.  Its output (ok) or
 * error (not ok) is taken from the child, which is then freed. */
static void child_done(cursor *child, int ok)
{
	cursor *c = child->parent;
	fanout *f = c->fan;
	const asl_state *s = &c->m->states[c->state];
	int map = s->type == ASL_MAP;

	fan_unlink(f, child);
	f->finished++;
	c->last = child->last;
	if (map) {
		hist_event *e;

		f->iter_prev = child->last;
		e = ok ? emit(c, EV_MAP_ITERATION_SUCCEEDED) : emit_side(c, EV_MAP_ITERATION_FAILED);
		e->state = s->name;
		e->num = child->slot;
		e->has_num = 1;
		done_event(c, e);
	}
	if (ok) {
		f->results[child->slot] = child->input;
		child->input = NULL;
	} else {
		f->failed++;
		if (!f->has_err) {
			aslerr_move(&f->err, &child->err);
			f->has_err = 1;
		}
	}
	bury(child);
	if (!ok && (!map || !tolerated(f))) {
		cursor *k, *nk;

		/* The state fails: abort what still runs. */
		for (k = f->children; k; k = nk) {
			nk = k->sib_next;
			fan_unlink(f, k);
			k->last = c->last;
			abort_cursor(k);
			if (map) {
				hist_event *e = emit_side(c, EV_MAP_ITERATION_ABORTED);

				e->state = s->name;
				e->num = k->slot;
				e->has_num = 1;
				done_event(c, e);
			}
			cursor_free(k);
		}
		f->next_item = NULL;
		make_ready(c, PH_FANOUT_DONE);
		return;
	}
	if (map)
		map_start_next(c);
	if (f->finished == f->started && !f->next_item)
		make_ready(c, PH_FANOUT_DONE);
}

static void fanout_done(cursor *c)
{
	const asl_state *s = &c->m->states[c->state];
	fanout *f = c->fan;
	int map = s->type == ASL_MAP;
	hist_event *e;
	cJSON *arr;
	int i;

	c->fan = NULL;
	if (f->has_err && (!map || !tolerated(f))) {
		/* The state's Failed event waits for fail_state: after a retry
		 * AWS records only the last attempt's. */
		if (map && (s->distributed || f->tolerated_count >= 0 || f->tolerated_pct >= 0))
			aslerr_set(&c->err, ERR_EXCEED_TOLERATED,
				   "The specified tolerated failure threshold was exceeded");
		else
			aslerr_move(&c->err, &f->err);
		fan_free(f);
		c->phase = PH_FAILED;
		return;
	}
	arr = cJSON_CreateArray();
	for (i = 0; i < f->total; i++) {
		cJSON *r = f->results[i];

		f->results[i] = NULL;
		cJSON_AddItemToArray(arr, r ? r : cJSON_CreateNull());
	}
	fan_free(f);
	e = emit_side(c, map ? EV_MAP_SUCCEEDED : EV_PARALLEL_SUCCEEDED);
	done_event(c, e);
	complete_with_result(c, arr);
}

/* ---- entering states ---- */

static void wait_start(cursor *c, const asl_state *s, const cJSON *eff)
{
	sl_engine *g = c->x->g;
	double delay = 0;
	aslerr e = { 0 };

	if (s->seconds.set) {
		delay = s->seconds.value;
	} else if (s->timestamp) {
		delay = s->timestamp_s - ex_engine_now(g);
	} else {
		jp_env env = env_for(c, eff);
		const cJSON *v;
		int owned;
		const jpath *p = s->seconds.path ? s->seconds.path : s->timestamp_path;

		if (jp_eval(p, &env, &v, &owned)) {
			path_error(c, p);
			c->phase = PH_FAILED;
			return;
		}
		if (s->seconds.path) {
			if (!js_is_integer(v) || v->valuedouble < 0) {
				aslerr_set(&e, ERR_RUNTIME,
					   "The SecondsPath parameter does not reference a valid non-negative integer: %s",
					   jp_text(p));
				state_error(c, &e);
				c->phase = PH_FAILED;
				return;
			}
			delay = v->valuedouble;
		} else {
			double ts;

			if (!cJSON_IsString(v) || ch_parse_timestamp(v->valuestring, &ts)) {
				char *val = cJSON_IsString(v) ? xstrdup(v->valuestring) : js_print(v);

				aslerr_set(&e, ERR_RUNTIME,
					   "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s",
					   jp_text(p), val);
				free(val);
				state_error(c, &e);
				c->phase = PH_FAILED;
				return;
			}
			delay = ts - ex_engine_now(g);
		}
	}
	c->task_input = js_dup(eff);
	c->phase = PH_IDLE;
	if (g->o.noter) {
		char *note = xasprintf("waiting %.10gs%s", delay > 0 ? delay : 0,
				       g->o.wait_scale != 1 ? " (scaled by --wait-scale)" : "");

		g->o.noter(g->o.observer_ud, c->x, s->name, note);
		free(note);
	}
	timer_set(c, TM_WAIT, delay > 0 ? delay * g->o.wait_scale : 0);
}

static int fail_string(cursor *c, const asl_str *f, const char *field, const cJSON *eff, char **out)
{
	jp_env env = env_for(c, eff);

	*out = NULL;
	if (f->value) {
		*out = xstrdup(f->value);
	} else if (f->fn) {
		aslerr e = { 0 };
		cJSON *v = fn_eval(f->fn, &env, &e);

		if (!v)
			return state_error(c, &e);
		*out = cJSON_IsString(v) ? xstrdup(v->valuestring) : js_print(v);
		cJSON_Delete(v);
	} else if (f->path) {
		const cJSON *v;
		int owned;

		if (jp_eval(f->path, &env, &v, &owned)) {
			aslerr e = { 0 };
			char *in = js_print(eff);

			aslerr_set(&e, ERR_RUNTIME,
				   "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
				   jp_text(f->path), field, in);
			free(in);
			return state_error(c, &e);
		}
		*out = cJSON_IsString(v) ? xstrdup(v->valuestring) : js_print(v);
		if (owned)
			cJSON_Delete((cJSON *)v);
	}
	return 0;
}

/* The input of a Task, Parallel or Map attempt (task_input): Parameters
 * evaluated against the effective input eff (owned, when not NULL, is
 * taken), or the effective input itself.  Run at entry and again before
 * every retry, as AWS does ($$.State.RetryCount changes). */
static int prepare_input(cursor *c, const asl_state *s, const cJSON *eff, cJSON *owned)
{
	cJSON_Delete(c->task_input);
	c->task_input = NULL;
	free(c->task_token);
	c->task_token = NULL;
	if (s->type == ASL_TASK && is_callback(s->resource)) {
		c->task_token = new_token(c->x->g);
		ctx_reset(c);
	}
	if (s->type != ASL_MAP && s->parameters) {
		c->task_input = apply_tpl(c, s->parameters, eff);
		cJSON_Delete(owned);
		return c->task_input ? 0 : -1;
	}
	if (s->type == ASL_MAP && !owned && eff == c->input && s->ncatch == 0 &&
	    s->nretry == 0 && !s->result_null &&
	    (!s->result_path || jp_steps(s->result_path) == 0)) {
		/* The raw input is dead after a Map whose result replaces it and
		 * which has no Retry or Catch to need it again: move it. */
		c->task_input = c->input;
		c->input = cJSON_CreateNull();
		return 0;
	}
	c->task_input = owned ? owned : js_dup(eff);
	return 0;
}

/* A retry: the effective input and Parameters again, then the attempt. */
static void reattempt(cursor *c)
{
	const asl_state *s = &c->m->states[c->state];
	const cJSON *eff;
	cJSON *owned;

	if (apply_input_path(c, s, &eff, &owned) || prepare_input(c, s, eff, owned)) {
		c->phase = PH_FAILED;
		return;
	}
	c->phase = PH_ATTEMPT;
}

static void enter_state(cursor *c)
{
	const asl_state *s = &c->m->states[c->state];
	const cJSON *eff;
	cJSON *owned = NULL, *result;
	int k;

	c->x->transitions++;
	c->fan_started = 0;
	c->entered = ex_engine_now(c->x->g);
	ctx_reset(c);
	state_event(c, EV_STATE_ENTERED, c->input);
	c->entered_id = c->last;
	if (s->nretry) {
		free(c->retries);
		c->retries = xcalloc((size_t)s->nretry, sizeof *c->retries);
	}
	if (s->type == ASL_FAIL) {
		char *err = NULL, *cause = NULL;

		inspect(c, "afterInputPath", c->input);
		if (fail_string(c, &s->error, "ErrorPath", c->input, &err) ||
		    fail_string(c, &s->cause, "CausePath", c->input, &cause)) {
			free(err);
			c->phase = PH_FAILED;
			return;
		}
		aslerr_take(&c->err, err, cause);
		c->phase = PH_FAILED;
		return;
	}
	if (apply_input_path(c, s, &eff, &owned)) {
		c->phase = PH_FAILED;
		return;
	}
	/* AWS's TestState shows no afterInputPath for a Pass with Result. */
	if (s->type != ASL_PASS || !s->result)
		inspect(c, "afterInputPath", eff);
	switch (s->type) {
	case ASL_PASS:
		if (s->result)
			result = js_dup(s->result);
		else if (s->parameters && !(result = apply_tpl(c, s->parameters, eff))) {
			c->phase = PH_FAILED;
			break;
		}
		else if (s->move_input && !owned)
			result = jp_detach(s->input_path, c->input);
		else if (!s->parameters)
			result = owned ? owned : (eff == c->input ? c->input : js_dup(eff));
		if (result == owned)
			owned = NULL;
		inspect(c, s->result ? "result" : "afterParameters", result);
		inspect(c, "afterResultSelector", result);
		if (apply_assign(c, s->assign, result)) {
			if (result != c->input)
				cJSON_Delete(result);
			c->phase = PH_FAILED;
			break;
		}
		if (finish_output(c, s, result)) {
			c->phase = PH_FAILED;
			break;
		}
		transition(c, s->end ? -1 : s->next);
		break;
	case ASL_CHOICE: {
		jp_env env = env_for(c, eff);
		aslerr e = { 0 };
		int next = -1, r = 0;

		for (k = 0; k < s->nchoices; k++) {
			r = ch_eval(s->choices[k].rule, &env, &e);
			if (r < 0)
				break;
			if (r) {
				next = s->choices[k].next;
				if (apply_assign(c, s->choices[k].assign, eff))
					r = -2;
				break;
			}
		}
		if (r == -1)
			state_error(c, &e);
		if (r < 0) {
			c->phase = PH_FAILED;
			break;
		}
		if (next < 0 && s->deflt < 0) {
			aslerr_set(&c->err, ERR_NO_CHOICE_MATCHED, "No Matches!");
			c->phase = PH_FAILED;
			break;
		}
		if (next < 0)
			next = s->deflt;
		if (apply_assign(c, s->assign, eff)) {
			c->phase = PH_FAILED;
			break;
		}
		if (finish_output(c, s, owned ? owned : eff == c->input ? c->input : js_dup(eff))) {
			owned = NULL;
			c->phase = PH_FAILED;
			break;
		}
		owned = NULL;
		transition(c, next);
		break;
	}
	case ASL_SUCCEED:
		if (finish_output(c, s, owned ? owned : eff == c->input ? c->input : js_dup(eff))) {
			owned = NULL;
			c->phase = PH_FAILED;
			break;
		}
		owned = NULL;
		transition(c, -1);
		break;
	case ASL_WAIT:
		wait_start(c, s, eff);
		break;
	case ASL_TASK:
	case ASL_PARALLEL:
	case ASL_MAP:
		if (prepare_input(c, s, eff, owned)) {
			owned = NULL;
			c->phase = PH_FAILED;
			break;
		}
		owned = NULL;
		if (s->type == ASL_TASK)
			inspect(c, "afterParameters", c->task_input);
		c->phase = PH_ATTEMPT;
		break;
	default:
		break;
	}
	cJSON_Delete(owned);
}

/* TestState's Map: what it reports of the items and limits, and the
 * failure threshold against stateConfiguration.mapIterationFailureCount.
 * Returns 0, or -1 with the state failed. */
static int test_map(cursor *c, const asl_state *s, const cJSON *eff)
{
	jp_env env = env_for(c, eff);
	const cJSON *items = eff;
	double conc, tc, tp, n;
	long failures = c->x->test->map_failures;
	int owned = 0;

	if (s->items_path && jp_eval(s->items_path, &env, &items, &owned)) {
		path_error(c, s->items_path);
		c->phase = PH_FAILED;
		return -1;
	}
	inspect(c, "afterItemsPath", items);
	n = cJSON_IsArray(items) ? cJSON_GetArraySize(items) : 0;
	if (owned)
		cJSON_Delete((cJSON *)items);
	if (num_field(c, &s->max_concurrency, eff, 0, "MaxConcurrency", &conc) ||
	    num_field(c, &s->tolerated_count, eff, -1, "ToleratedFailureCount", &tc) ||
	    num_field(c, &s->tolerated_pct, eff, -1, "ToleratedFailurePercentage", &tp)) {
		c->phase = PH_FAILED;
		return -1;
	}
	inspect_num(c, "maxConcurrency", conc);
	if (tc >= 0)
		inspect_num(c, "toleratedFailureCount", tc);
	if (tp >= 0)
		inspect_num(c, "toleratedFailurePercentage", tp);
	if (failures >= 0 && ((tc >= 0 && failures > tc) || (tp >= 0 && failures * 100.0 > tp * n))) {
		aslerr_set(&c->err, ERR_EXCEED_TOLERATED,
			   "The specified tolerated failure threshold was exceeded");
		c->phase = PH_FAILED;
		return -1;
	}
	return 0;
}

/* TestState with a mock: the state's result, or its error, as given. */
static void test_mock(cursor *c, const asl_state *s)
{
	ex_test *t = c->x->test;

	if (s->type == ASL_MAP && test_map(c, s, c->task_input))
		return;
	if (t->mock_error) {
		aslerr_set(&c->err, t->mock_error, "%s", t->mock_cause ? t->mock_cause : "");
		if (!t->mock_cause) {
			free(c->err.cause);
			c->err.cause = NULL;
		}
		c->phase = PH_FAILED;
		return;
	}
	complete_with_result(c, js_dup(t->mock_result));
}

static void attempt(cursor *c)
{
	const asl_state *s = &c->m->states[c->state];

	if (testing(c) && (c->x->test->mock_result || c->x->test->mock_error)) {
		test_mock(c, s);
		return;
	}
	switch (s->type) {
	case ASL_TASK:
		task_attempt(c);
		break;
	case ASL_PARALLEL:
		parallel_start(c, js_dup(c->task_input));
		break;
	case ASL_MAP:
		map_start(c, c->task_input);
		break;
	default:
		break;
	}
}

/* ---- Retry and Catch ---- */

static int error_matches(char *const *list, int n, const char *error, int is_task)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(list[i], error) == 0)
			return 1;
		if (strcmp(list[i], ERR_ALL) == 0)
			return strcmp(error, ERR_RUNTIME) != 0 && strcmp(error, ERR_DATA_LIMIT) != 0;
		if (strcmp(list[i], ERR_TASK_FAILED) == 0 && is_task &&
		    strcmp(error, ERR_TIMEOUT) != 0)
			return 1;
	}
	return 0;
}

static double rand01(sl_engine *g)
{
	g->rng = g->rng * 1103515245u + 12345u;
	return (double)((g->rng >> 8) & 0xffffff) / (double)0x1000000;
}

static void fail_state(cursor *c)
{
	const asl_state *s = &c->m->states[c->state];
	/* A Fail state may give no error at all; nothing catches that. */
	const char *error = c->err.error ? c->err.error : "";
	int k, catchable = c->err.error && strcmp(error, ERR_RUNTIME) != 0;

	/* Retry: the first retrier that names the error decides. */
	for (k = 0; catchable && k < s->nretry; k++) {
		const asl_retrier *r = &s->retry[k];
		double delay;

		if (!error_matches(r->errors, r->nerrors, error, s->type == ASL_TASK))
			continue;
		if (testing(c)) {
			/* TestState does not retry: it says the state would be
			 * retried, after what backoff (no jitter), given how many
			 * retries already happened; when they are used up, Catch
			 * may still take the error. */
			ex_test *t = c->x->test;

			t->retry_index = k;
			if (t->retrier_retry_count >= r->max_attempts)
				break;
			delay = r->interval * pow(r->backoff, t->retrier_retry_count);
			if (r->max_delay > 0 && delay > r->max_delay)
				delay = r->max_delay;
			t->backoff = delay;
			t->status = EXT_RETRIABLE;
			cursor_end(c, 0);
			return;
		}
		if (c->retries[k] >= r->max_attempts)
			break;
		delay = r->interval * pow(r->backoff, c->retries[k]);
		if (r->max_delay > 0 && delay > r->max_delay)
			delay = r->max_delay;
		if (r->jitter_full)
			delay *= rand01(c->x->g);
		c->retries[k]++;
		c->retry_count++;
		if (c->x->g->o.noter) {
			char *note = xasprintf("retry %d of %d in %.10gs after %s", c->retries[k],
					       r->max_attempts, delay, error);

			c->x->g->o.noter(c->x->g->o.observer_ud, c->x, s->name, note);
			free(note);
		}
		c->x->transitions++;
		ctx_reset(c);
		aslerr_clear(&c->err);
		c->phase = PH_IDLE;
		timer_set(c, TM_RETRY, delay * c->x->g->o.wait_scale);
		return;
	}
	cJSON_Delete(c->pending);
	c->pending = NULL;
	if (c->fan_started) {
		hist_event *e = emit(c, s->type == ASL_MAP ? EV_MAP_FAILED : EV_PARALLEL_FAILED);

		done_event(c, e);
		c->fan_started = 0;
	}
	for (k = 0; catchable && k < s->ncatch; k++) {
		const asl_catcher *h = &s->catch_[k];
		cJSON *eo;

		if (!error_matches(h->errors, h->nerrors, error, s->type == ASL_TASK))
			continue;
		eo = cJSON_CreateObject();
		cJSON_AddStringToObject(eo, "Error", error);
		if (c->err.cause)
			cJSON_AddStringToObject(eo, "Cause", c->err.cause);
		if (testing(c)) {
			ex_test *t = c->x->test;

			t->status = EXT_CAUGHT_ERROR;
			t->catch_index = k;
			t->error = xstrdup(error);
			t->cause = c->err.cause ? xstrdup(c->err.cause) : NULL;
		}
		aslerr_clear(&c->err);
		if (apply_assign(c, h->assign, eo)) {
			cJSON_Delete(eo);
			c->phase = PH_FAILED;
			return;
		}
		if (h->result_null) {
			cJSON_Delete(eo);
		} else if (!h->result_path || jp_steps(h->result_path) == 0) {
			cJSON_Delete(c->input);
			c->input = eo;
		} else if (jp_assign(h->result_path, &c->input, eo)) {
			aslerr e = { 0 };
			char *in = js_print(c->input);

			aslerr_set(&e, ERR_RESULT_PATH_MATCH,
				   "Unable to apply ReferencePath %s to input %s",
				   jp_text(h->result_path), in);
			free(in);
			state_error(c, &e);
			c->phase = PH_FAILED;
			/* A failure inside Catch is not caught again. */
			cursor_end(c, 0);
			return;
		}
		transition(c, h->next);
		return;
	}
	cursor_end(c, 0);
}

/* ---- cursor end, execution end ---- */

static void exec_finish(sl_exec *x, ex_status st, cJSON *output, aslerr *err);

/* The cursor reached its end, with success or with the failure in c->err.
 * A child reports to its parent; the root ends the execution. */
static void cursor_end(cursor *c, int ok)
{
	c->phase = PH_FINISHED;
	if (c->parent) {
		child_done(c, ok);
		return;
	}
	if (ok) {
		cJSON *out = c->input;

		c->input = NULL;
		exec_finish(c->x, EX_SUCCEEDED, out, NULL);
	} else {
		exec_finish(c->x, EX_FAILED, NULL, &c->err);
	}
}

static void cursor_free(cursor *c)
{
	if (!c)
		return;
	unqueue(c);
	heap_purge(c->x->g, c, NULL);
	cJSON_Delete(c->input);
	cJSON_Delete(c->task_input);
	cJSON_Delete(c->result);
	aslerr_clear(&c->err);
	free(c->retries);
	fan_free(c->fan);
	cJSON_Delete(c->vars);
	cJSON_Delete(c->pending);
	free(c->task_token);
	cJSON_Delete(c->ctx);
	if (c->task)
		task_free(c->task);
	free(c);
}

/* Stops a cursor and everything below it: its timer, its task, its
 * children.  Emits the aborted events AWS emits for the state. */
static void abort_cursor_as(cursor *c, int silent);

static void abort_cursor(cursor *c)
{
	abort_cursor_as(c, 0);
}

/* silent: no aborted events (an execution timeout records only
 * ExecutionTimedOut, as AWS does). */
static void abort_cursor_as(cursor *c, int silent)
{
	sl_engine *g = c->x->g;

	unqueue(c);
	timer_clear(c);
	if (c->task) {
		if (g->o.tasks.cancel)
			g->o.tasks.cancel(g->o.tasks.ud, c->task);
		task_free(c->task);
		c->task = NULL;
	}
	if (c->fan) {
		cursor *k, *nk;

		for (k = c->fan->children; k; k = nk) {
			nk = k->sib_next;
			fan_unlink(c->fan, k);
			abort_cursor_as(k, silent);
			cursor_free(k);
		}
	}
	if (!silent && c->phase != PH_FINISHED && c->phase != PH_ENTER && c->state >= 0) {
		const asl_state *s = &c->m->states[c->state];
		hist_event *e;

		if (s->type == ASL_MAP || s->type == ASL_PARALLEL ||
		    s->type == ASL_TASK || s->type == ASL_WAIT) {
			e = emit_side(c, EV_STATE_ABORTED);
			e->state = s->name;
			e->state_type = asl_type_name(s->type);
			done_event(c, e);
		}
	}
	c->phase = PH_FINISHED;
}

static void exec_finish(sl_exec *x, ex_status st, cJSON *output, aslerr *err)
{
	cursor *root = x->root;
	hist_event *e;
	static const hist_type ev[] = {
		[EX_SUCCEEDED] = EV_EXECUTION_SUCCEEDED,
		[EX_FAILED] = EV_EXECUTION_FAILED,
		[EX_TIMED_OUT] = EV_EXECUTION_TIMED_OUT,
		[EX_ABORTED] = EV_EXECUTION_ABORTED,
	};

	if (x->status != EX_RUNNING) {
		cJSON_Delete(output);
		return;
	}
	x->status = st;
	x->stop = ex_engine_now(x->g);
	x->output = output;
	/* DescribeExecution shows no error for a timeout; its event does. */
	if (err && st != EX_TIMED_OUT) {
		x->error = err->error ? xstrdup(err->error) : NULL;
		x->cause = err->cause ? xstrdup(err->cause) : NULL;
	}
	e = emit(root, ev[st]);
	if (output && (x->keep || x->g->o.observer))
		e->data = js_print(output);
	if (err && err->error)
		e->error = xstrdup(err->error);
	if (err && err->cause)
		e->cause = xstrdup(err->cause);
	done_event(root, e);
	x->timeout_seq = 0;
	x->g->running--;
}

/* ---- the scheduler ---- */

static void step(cursor *c)
{
	int budget = STEP_BUDGET;

	while (budget-- > 0) {
		if (c->x->status != EX_RUNNING)
			return;
		switch (c->phase) {
		case PH_ENTER:
			enter_state(c);
			break;
		case PH_ATTEMPT:
			attempt(c);
			break;
		case PH_REATTEMPT:
			reattempt(c);
			break;
		case PH_WAIT_DONE: {
			const asl_state *s = &c->m->states[c->state];
			cJSON *eff = c->task_input;

			c->task_input = NULL;
			if (apply_assign(c, s->assign, eff)) {
				cJSON_Delete(eff);
				c->phase = PH_FAILED;
				break;
			}
			if (finish_output(c, s, eff)) {
				c->phase = PH_FAILED;
				break;
			}
			transition(c, s->end ? -1 : s->next);
			break;
		}
		case PH_TASK_DONE: {
			cJSON *r = c->result;

			c->result = NULL;
			complete_with_result(c, r);
			break;
		}
		case PH_FANOUT_DONE:
			fanout_done(c);
			break;
		case PH_FAILED:
			fail_state(c);
			break;
		case PH_IDLE:
		case PH_FINISHED:
			return;
		}
		/* A finished child has been freed by its parent. */
		if (c->phase == PH_FINISHED)
			return;
	}
	make_ready(c, c->phase);
}

static void exec_timeout(sl_exec *x);

static void fire(sl_engine *g, tentry t)
{
	cursor *c = t.c;

	switch (t.kind) {
	case TM_WAIT:
		timer_clear(c);
		make_ready(c, PH_WAIT_DONE);
		break;
	case TM_RETRY:
		timer_clear(c);
		make_ready(c, PH_REATTEMPT);
		break;
	case TM_TASK_TIMEOUT:
		c->tmo_seq = 0;
		task_timeout(c, ERR_TIMEOUT);
		break;
	case TM_HEARTBEAT:
		c->hb_seq = 0;
		task_timeout(c, ERR_HEARTBEAT_TIMEOUT);
		break;
	case TM_TASK_DELAY:
		task_delay_due(c);
		break;
	case TM_EXEC_TIMEOUT:
		exec_timeout(c->x);
		break;
	default:
		break;
	}
}


/* Ends every execution whose history reached AWS's limit: the event that
 * would have been the 25,000th is ExecutionFailed with States.Runtime. */
static void fail_overflowed(sl_engine *g)
{
	sl_exec *x;
	aslerr e = { 0 };

	g->overflowed = 0;
	for (x = g->execs; x; x = x->next) {
		if (!x->overflow || x->status != EX_RUNNING)
			continue;
		abort_cursor(x->root);
		aslerr_set(&e, ERR_RUNTIME,
			   "The execution reached the maximum number of history events (%d).",
			   SL_MAX_HISTORY_EVENTS);
		x->overflow = 0;
		exec_finish(x, EX_FAILED, NULL, &e);
		aslerr_clear(&e);
	}
}

int ex_engine_poll(sl_engine *g, double *next_due)
{
	double now;
	int steps = 0;

	for (;;) {
		while (g->ready_head && steps++ < POLL_BUDGET) {
			cursor *c = g->ready_head;

			g->ready_head = c->qnext;
			if (!g->ready_head)
				g->ready_tail = NULL;
			c->queued = 0;
			c->qnext = NULL;
			step(c);
			free_dead(g);
			if (g->overflowed)
				fail_overflowed(g);
		}
		/* Drop stale timers; fire due ones. */
		now = ex_engine_now(g);
		while (g->hn > 0) {
			tentry t = g->heap[0];

			if (!timer_live(&t)) {
				heap_pop(g);
				continue;
			}
			if (t.due > now)
				break;
			heap_pop(g);
			fire(g, t);
		}
		if (!g->ready_head || steps >= POLL_BUDGET)
			break;
	}
	/* Work left over from the budget is due now. */
	*next_due = g->ready_head ? ex_engine_now(g) : g->hn > 0 ? g->heap[0].due : 0;
	return g->running;
}

int ex_engine_run(sl_engine *g)
{
	double due;

	while (ex_engine_poll(g, &due) > 0) {
		if (due == 0)
			break; /* waiting on tasks with nothing else to do */
		if (g->o.virtual_clock) {
			if (due > g->vnow)
				g->vnow = due;
		} else {
			double d = due - real_now();

			if (d > 0) {
				struct timespec ts;

				ts.tv_sec = (time_t)d;
				ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
				while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
					;
			}
		}
	}
	return 0;
}

/* The state machine's TimeoutSeconds ran out. */
static void exec_timeout(sl_exec *x)
{
	aslerr e = { 0 };

	x->timeout_seq = 0;
	if (x->status != EX_RUNNING)
		return;
	abort_cursor_as(x->root, 1);
	x->root->last = 0;
	aslerr_set(&e, ERR_TIMEOUT, NULL);
	exec_finish(x, EX_TIMED_OUT, NULL, &e);
	aslerr_clear(&e);
}

/* ---- engines and executions ---- */

sl_engine *ex_engine_new(const sl_engine_opts *o)
{
	sl_engine *g = xcalloc(1, sizeof *g);

	g->o = *o;
	if (g->o.wait_scale < 0)
		g->o.wait_scale = 0;
	g->vnow = o->start_time > 0 ? o->start_time : real_now();
	g->rng = o->seed ? o->seed : 0x5eed;
	return g;
}

void ex_engine_set_tasks(sl_engine *g, sl_task_handler h)
{
	g->o.tasks = h;
}

void ex_engine_free(sl_engine *g)
{
	while (g->execs)
		ex_free(g->execs);
	free_dead(g);
	free(g->heap);
	free(g);
}

static char *gen_name(sl_engine *g)
{
	unsigned char b[16];
	int i;

	for (i = 0; i < 16; i++)
		b[i] = (unsigned char)(rand01(g) * 256);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	return xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
			 b[10], b[11], b[12], b[13], b[14], b[15]);
}

sl_exec *ex_start(sl_engine *g, asl_machine *m, const sl_exec_opts *o, cJSON *input)
{
	sl_exec *x = xcalloc(1, sizeof *x);
	const char *acct = o->account ? o->account : "123456789012";
	const char *region = o->region ? o->region : "us-east-1";
	hist_event *e;

	x->g = g;
	x->m = asl_ref(m);
	x->name = o->name ? xstrdup(o->name) : gen_name(g);
	x->sm_name = xstrdup(o->state_machine_name ? o->state_machine_name : "StateMachine");
	x->sm_arn = xasprintf("arn:aws:states:%s:%s:stateMachine:%s", region, acct, x->sm_name);
	x->arn = xasprintf("arn:aws:states:%s:%s:%s:%s:%s", region, acct,
			   o->express ? "express" : "execution", x->sm_name, x->name);
	x->role = o->role_arn ? xstrdup(o->role_arn) : o->test ? NULL :
		xasprintf("arn:aws:iam::%s:role/StepFunctionsRole", acct);
	if (!input)
		input = cJSON_CreateObject();
	x->input = o->input_text ? xstrdup(o->input_text) : js_print(input);
	x->keep = !o->express || o->keep_history;
	x->status = EX_RUNNING;
	x->start = ex_engine_now(g);
	x->next = g->execs;
	if (g->execs)
		g->execs->prev = x;
	g->execs = x;
	g->running++;
	x->root = cursor_new(x, m, input, NULL);
	if ((x->test = o->test)) {
		ex_test *t = x->test;
		int i;

		t->status = EXT_SUCCEEDED;
		t->next = NULL;
		t->retry_index = t->catch_index = -1;
		t->backoff = 0;
		t->inspection = t->inspect ? cJSON_CreateObject() : NULL;
		for (i = 0; t->state && i < m->nstates; i++)
			if (strcmp(m->states[i].name, t->state) == 0)
				x->root->state = i;
		if (t->variables)
			x->root->vars = js_dup(t->variables);
	}
	e = emit(x->root, EV_EXECUTION_STARTED);
	if (x->keep || g->o.observer)
		e->data = xstrdup(x->input);
	e->resource = x->role ? xstrdup(x->role) : NULL;
	done_event(x->root, e);
	x->root->last = 0; /* AWS: the first state's Entered has previousEventId 0 */
	if (m->timeout_seconds > 0 || o->express) {
		/* An Express workflow runs five minutes at most (AWS's quota, a
		 * limit of the service: not scaled by --wait-scale). */
		double at = m->timeout_seconds > 0 ? x->start + m->timeout_seconds * g->o.wait_scale : 0;

		if (o->express && (at == 0 || at > x->start + SL_EXPRESS_MAX_SECONDS))
			at = x->start + SL_EXPRESS_MAX_SECONDS;
		x->timeout_seq = ++g->seq;
		heap_push(g, at, x->timeout_seq, TM_EXEC_TIMEOUT, x->root);
	}
	make_ready(x->root, PH_ENTER);
	return x;
}

void ex_stop(sl_exec *x, const char *error, const char *cause)
{
	aslerr e = { 0 };

	if (x->status != EX_RUNNING)
		return;
	abort_cursor(x->root);
	if (error)
		e.error = xstrdup(error);
	if (cause)
		e.cause = xstrdup(cause);
	exec_finish(x, EX_ABORTED, NULL, &e);
	aslerr_clear(&e);
}

void ex_free(sl_exec *x)
{
	sl_engine *g;

	if (!x)
		return;
	g = x->g;
	if (x->status == EX_RUNNING)
		ex_stop(x, NULL, NULL);
	heap_purge(g, NULL, x);
	abort_cursor(x->root);
	cursor_free(x->root);
	if (x->prev)
		x->prev->next = x->next;
	else
		g->execs = x->next;
	if (x->next)
		x->next->prev = x->prev;
	free(x->input);
	cJSON_Delete(x->output);
	cJSON_Delete(x->ctx_exec);
	cJSON_Delete(x->ctx_sm);
	hist_free(&x->h);
	free(x->name);
	free(x->arn);
	free(x->sm_name);
	free(x->sm_arn);
	free(x->role);
	free(x->error);
	free(x->cause);
	asl_unref(x->m);
	free(x);
}

const char *ex_status_name(ex_status s)
{
	static const char *const names[] = { "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED" };

	return names[s];
}

ex_status ex_get_status(const sl_exec *x) { return x->status; }
const char *ex_arn(const sl_exec *x) { return x->arn; }
const char *ex_name(const sl_exec *x) { return x->name; }
const char *ex_input(const sl_exec *x) { return x->input; }
const cJSON *ex_output(const sl_exec *x) { return x->output; }
const char *ex_error(const sl_exec *x) { return x->error; }
const char *ex_cause(const sl_exec *x) { return x->cause; }
double ex_start_date(const sl_exec *x) { return x->start; }
double ex_stop_date(const sl_exec *x) { return x->stop; }
const hist *ex_history(const sl_exec *x) { return &x->h; }
long ex_transitions(const sl_exec *x) { return x->transitions; }
