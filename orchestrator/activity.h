/* activity.h - Step Functions activities: the registry, the tasks waiting for a worker, and the workers waiting for a task. */
#ifndef SL_ACTIVITY_H
#define SL_ACTIVITY_H

#include "exec.h"

/* An activity is a name that Task states use as their Resource
 * (arn:aws:states:REGION:ACCOUNT:activity:NAME) and that workers poll with
 * GetActivityTask.  An attempt of such a Task is queued on its activity
 * until a worker takes it; the worker then completes it with
 * SendTaskSuccess / SendTaskFailure (the engine's task token), and keeps
 * it alive with SendTaskHeartbeat.  A Task naming an activity that does
 * not exist fails with States.Runtime before it is scheduled, as on AWS.
 *
 * Tasks are borrowed from the engine: a queued task leaves its queue when
 * the engine cancels it (timeout, abort) or a worker takes it. */

typedef struct act_reg act_reg;
typedef struct act_poll act_poll;

typedef struct act_info {
	const char *name, *arn;
	double created;            /* seconds since the epoch */
} act_info;

act_reg *act_new(const char *region, const char *account);
/* Frees the registry; the waiting workers are dropped without a word
 * (their requests belong to the HTTP server, freed before). */
void act_free(act_reg *r);

/* CreateActivity: the activity of that name, created now unless it
 * exists (*existed set).  The caller has checked the name. */
act_info act_create(act_reg *r, const char *name, int *existed);
/* The activity with that ARN; 0 when there is none (info untouched). */
int act_find(const act_reg *r, const char *arn, act_info *info);
/* DeleteActivity: 0, or -1 when there is none.  Its queued tasks stay
 * queued until they time out, as AWS's do; its waiting workers keep
 * waiting until their poll ends. */
int act_delete(act_reg *r, const char *arn);
/* The activities in creation order: the i-th, or 0 past the end. */
int act_at(const act_reg *r, int i, act_info *info);

/* A worker's GetActivityTask.  When a task is queued on the activity it
 * is taken at once: give(ud, token, input) is called before act_wait
 * returns, and act_wait returns NULL.  Otherwise the worker waits: the
 * returned poll is given the next task scheduled on the activity (give is
 * called later, and the poll is then freed), until act_poll_cancel.  The
 * activity must exist.  worker (may be NULL) names the worker in the
 * ActivityStarted event. */
typedef void (*act_give_fn)(void *ud, const char *token, const char *input);
act_poll *act_wait(act_reg *r, const char *arn, const char *worker, act_give_fn give, void *ud);
/* The worker gave up (its poll timed out or its connection closed). */
void act_poll_cancel(act_poll *p);

/* The task handler: activity Tasks are queued here, the others passed to
 * fallback (which may be zero: they then fail as unknown resources). */
sl_task_handler act_handler(act_reg *r, sl_task_handler fallback);

#endif
