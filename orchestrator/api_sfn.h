/* api_sfn.h - the AWS Step Functions API (AWS JSON 1.0) of `steplocal serve`: state machines, executions, task tokens. */
#ifndef SL_API_SFN_H
#define SL_API_SFN_H

#include "serve.h"

/* Creates the Step Functions side of server s (borrowed): one state
 * machine per state machine of the project, validated with asl_load.
 * Returns it, or NULL with the problems printed on stderr. */
sfnapi *sfnapi_new(sv_server *s);
/* Frees the state machines and execution records (the executions
 * themselves belong to the engine).  Pending StartSyncExecution requests
 * are not answered: call it after the HTTP server is freed. */
void sfnapi_free(sfnapi *a);

/* For the project's live reload (serve.c).  sfnapi_check validates a
 * project's state machine (diagnostics printed); 0 or -1.  sfnapi_sync
 * creates the state machine or, when its definition or type changed,
 * updates it as UpdateStateMachine does (running executions keep the
 * definition they started with; a changed type makes a new one): 1 when
 * something changed, 0 when not, -1 with diagnostics printed.
 * sfnapi_drop deletes a state machine by name (nothing when absent). */
int sfnapi_check(const proj_machine *pm);
int sfnapi_sync(sfnapi *a, const proj_machine *pm);
void sfnapi_drop(sfnapi *a, const char *name);

/* The handler of activity Tasks (activity.h), in front of fallback
 * (Lambda): serve puts it between the mocks and Lambda. */
sl_task_handler sfnapi_activities(sfnapi *a, sl_task_handler fallback);

/* The task handler the engine runs: `inner` (mocks, then Lambda), plus the
 * record of every task token issued, so that SendTask* on a token whose
 * task ended answers TaskTimedOut rather than TaskDoesNotExist. */
sl_task_handler sfnapi_tasks(sfnapi *a, sl_task_handler inner);

/* The engine observer: answers StartSyncExecution when its execution
 * ends (from a zero-delay libevent event, after the engine's step). */
void sfnapi_observe(void *ud, const sl_exec *x, const hist_event *e);

/* Answers one request: action is what follows "AWSStepFunctions." in
 * X-Amz-Target (NULL when the header is missing or names another
 * service), body the raw request body. */
void sfnapi_handle(sfnapi *a, struct evhttp_request *req, const char *action,
		   const char *body, size_t len);

#endif
