/* activity.c - Step Functions activities: registry, queued tasks, waiting workers (see activity.h). */
#include "activity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

#define ACT_MARK ":activity:"

/* A Task attempt waiting for a worker; the task's data points here. */
typedef struct queued {
	sl_task *t;
	struct queued *next, *prev;
} queued;

typedef struct act_rec act_rec;

struct act_poll {
	act_reg *r;
	act_rec *a;                /* NULL once the activity is deleted */
	char *worker;
	act_give_fn give;
	void *ud;
	act_poll *next, *prev;
};

struct act_rec {
	char *name, *arn;
	double created;
	queued *qhead, *qtail;     /* oldest first */
	act_poll *phead, *ptail;   /* workers, oldest first */
};

struct act_reg {
	char *region, *account;
	act_rec **v;               /* in creation order */
	int n, cap;
	act_poll *orphans;         /* polls of deleted activities */
	sl_task_handler fallback;
};

act_reg *act_new(const char *region, const char *account)
{
	act_reg *r = xcalloc(1, sizeof *r);

	r->region = xstrdup(region ? region : "us-east-1");
	r->account = xstrdup(account ? account : "123456789012");
	return r;
}

static void poll_free(act_poll *p)
{
	free(p->worker);
	free(p);
}

static void rec_free(act_rec *a)
{
	queued *q, *qn;
	act_poll *p, *pn;

	for (q = a->qhead; q; q = qn) {
		qn = q->next;
		ex_task_set_data(q->t, NULL);
		free(q);
	}
	for (p = a->phead; p; p = pn) {
		pn = p->next;
		poll_free(p);
	}
	free(a->name);
	free(a->arn);
	free(a);
}

void act_free(act_reg *r)
{
	act_poll *p, *pn;
	int i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		rec_free(r->v[i]);
	for (p = r->orphans; p; p = pn) {
		pn = p->next;
		poll_free(p);
	}
	free(r->v);
	free(r->region);
	free(r->account);
	free(r);
}

static act_info info_of(const act_rec *a)
{
	act_info i = { a->name, a->arn, a->created };

	return i;
}

/* The activity a Task resource or an ARN names: activities are found by
 * name, so that a definition written for another account or region (as
 * copied from AWS) still finds its activity here. */
static act_rec *by_arn(const act_reg *r, const char *arn)
{
	const char *m = strncmp(arn, "arn:aws:states:", 15) == 0 ? strstr(arn, ACT_MARK) : NULL;
	int i;

	if (!m)
		return NULL;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i]->name, m + strlen(ACT_MARK)) == 0)
			return r->v[i];
	return NULL;
}

act_info act_create(act_reg *r, const char *name, int *existed)
{
	act_rec *a;
	int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i]->name, name) == 0) {
			*existed = 1;
			return info_of(r->v[i]);
		}
	*existed = 0;
	a = xcalloc(1, sizeof *a);
	a->name = xstrdup(name);
	a->arn = xasprintf("arn:aws:states:%s:%s" ACT_MARK "%s", r->region, r->account, name);
	a->created = (double)time(NULL);
	if (r->n == r->cap)
		r->v = xrealloc(r->v, (size_t)(r->cap = r->cap ? r->cap * 2 : 8) * sizeof *r->v);
	r->v[r->n++] = a;
	return info_of(a);
}

int act_find(const act_reg *r, const char *arn, act_info *info)
{
	const act_rec *a = by_arn(r, arn);

	if (a)
		*info = info_of(a);
	return a != NULL;
}

int act_delete(act_reg *r, const char *arn)
{
	act_rec *a = by_arn(r, arn);
	act_poll *p, *pn;
	int i;

	if (!a)
		return -1;
	/* Waiting workers wait on, for nothing, until their poll ends. */
	for (p = a->phead; p; p = pn) {
		pn = p->next;
		p->a = NULL;
		p->prev = NULL;
		p->next = r->orphans;
		if (r->orphans)
			r->orphans->prev = p;
		r->orphans = p;
	}
	a->phead = a->ptail = NULL;
	for (i = 0; r->v[i] != a; i++)
		;
	memmove(r->v + i, r->v + i + 1, (size_t)(r->n - i - 1) * sizeof *r->v);
	r->n--;
	rec_free(a);
	return 0;
}

int act_at(const act_reg *r, int i, act_info *info)
{
	if (i < 0 || i >= r->n)
		return 0;
	*info = info_of(r->v[i]);
	return 1;
}

/* Hands task t to a worker: ActivityStarted, then the token and input. */
static void hand(sl_task *t, const char *worker, act_give_fn give, void *ud)
{
	char *input = js_print(ex_task_input(t));

	ex_task_set_data(t, NULL);
	ex_task_started_by(t, worker);
	give(ud, ex_task_token(t), input);
	free(input);
}

act_poll *act_wait(act_reg *r, const char *arn, const char *worker, act_give_fn give, void *ud)
{
	act_rec *a = by_arn(r, arn);
	act_poll *p;
	queued *q;

	if (!a)
		return NULL;
	if ((q = a->qhead)) {
		a->qhead = q->next;
		if (a->qhead)
			a->qhead->prev = NULL;
		else
			a->qtail = NULL;
		hand(q->t, worker, give, ud);
		free(q);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->r = r;
	p->a = a;
	p->worker = worker ? xstrdup(worker) : NULL;
	p->give = give;
	p->ud = ud;
	p->prev = a->ptail;
	if (a->ptail)
		a->ptail->next = p;
	else
		a->phead = p;
	a->ptail = p;
	return p;
}

void act_poll_cancel(act_poll *p)
{
	act_rec *a = p->a;

	if (p->prev)
		p->prev->next = p->next;
	else if (a)
		a->phead = p->next;
	else
		p->r->orphans = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else if (a)
		a->ptail = p->prev;
	poll_free(p);
}

static int is_activity(const char *resource)
{
	return strncmp(resource, "arn:aws:states:", 15) == 0 && strstr(resource, ACT_MARK);
}

static char *act_refuse(void *ud, const sl_task *t)
{
	act_reg *r = ud;
	const char *res = ex_task_resource(t);

	if (!is_activity(res))
		return r->fallback.refuse ? r->fallback.refuse(r->fallback.ud, t) : NULL;
	if (by_arn(r, res))
		return NULL;
	return xasprintf("The activity %s does not exist.", res);
}

static void act_start(void *ud, sl_task *t)
{
	act_reg *r = ud;
	const char *res = ex_task_resource(t);
	act_rec *a;
	act_poll *p;
	queued *q;

	if (!is_activity(res)) {
		if (r->fallback.start)
			r->fallback.start(r->fallback.ud, t);
		else
			ex_task_fail_unknown(t);
		return;
	}
	if (!(a = by_arn(r, res))) {      /* act_refuse let it pass: deleted since */
		char *cause = xasprintf("The activity %s does not exist.", res);

		ex_task_fail(t, "States.Runtime", cause);
		free(cause);
		return;
	}
	if ((p = a->phead)) {
		a->phead = p->next;
		if (a->phead)
			a->phead->prev = NULL;
		else
			a->ptail = NULL;
		hand(t, p->worker, p->give, p->ud);
		poll_free(p);
		return;
	}
	q = xcalloc(1, sizeof *q);
	q->t = t;
	q->prev = a->qtail;
	if (a->qtail)
		a->qtail->next = q;
	else
		a->qhead = q;
	a->qtail = q;
	ex_task_set_data(t, q);
}

static void act_cancel(void *ud, sl_task *t)
{
	act_reg *r = ud;
	const char *res = ex_task_resource(t);
	queued *q = ex_task_data(t);
	act_rec *a;

	if (!is_activity(res)) {
		if (r->fallback.cancel)
			r->fallback.cancel(r->fallback.ud, t);
		return;
	}
	if (!q || !(a = by_arn(r, res)))
		return;                   /* taken by a worker, or never queued */
	if (q->prev)
		q->prev->next = q->next;
	else
		a->qhead = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		a->qtail = q->prev;
	ex_task_set_data(t, NULL);
	free(q);
}

sl_task_handler act_handler(act_reg *r, sl_task_handler fallback)
{
	sl_task_handler h = { act_start, act_cancel, act_refuse, r };

	r->fallback = fallback;
	return h;
}
