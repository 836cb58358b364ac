/* exec.h - the executor: executions as cursors advanced by one single-threaded scheduler. */
#ifndef SL_EXEC_H
#define SL_EXEC_H

#include "asl.h"
#include "history.h"

/* The execution model.
 *
 *   An engine owns a ready queue, a timer heap and a clock.  An execution
 *   is a tree of cursors: the root cursor runs the top-level states; a
 *   Parallel state starts one child cursor per branch and a Map state one
 *   per item (at most its concurrency at a time).  A cursor is data - the
 *   state it is in, that state's raw input, its retry counters, what it
 *   waits for (a timer, a task, its children) - never a thread's stack, so
 *   100,000 Map items cost 100,000 small records, not threads, and a later
 *   issue can persist and resume them.
 *
 *   ex_engine_run advances ready cursors until none is ready, then sleeps
 *   until the next timer (or, with a virtual clock, jumps the clock to it),
 *   and returns when no execution is running.  Tasks are started through a
 *   task handler, which completes them at once or later from the same
 *   thread with ex_task_succeed / ex_task_fail.
 */

typedef struct sl_engine sl_engine;
typedef struct sl_exec sl_exec;
typedef struct sl_task sl_task;

typedef enum ex_status {
	EX_RUNNING, EX_SUCCEEDED, EX_FAILED, EX_TIMED_OUT, EX_ABORTED,
} ex_status;

/* AWS's names: "RUNNING", "SUCCEEDED", ... */
const char *ex_status_name(ex_status s);

/* Runs Task states.  start() is called for every attempt; it must end, at
 * once or later, in exactly one ex_task_succeed or ex_task_fail unless
 * cancel() is called first (on a timeout or an abort), after which the
 * handler must not touch the task again. */
typedef struct sl_task_handler {
	void (*start)(void *ud, sl_task *t);
	void (*cancel)(void *ud, sl_task *t);
	/* Optional, called before an attempt is scheduled: a cause (owned)
	 * fails the state with States.Runtime, prefixed as AWS prefixes
	 * state errors, before any *Scheduled event (a Task whose activity
	 * does not exist); NULL lets the attempt go on. */
	char *(*refuse)(void *ud, const sl_task *t);
	void *ud;
} sl_task_handler;

/* Called for every history event as it happens, whether or not the
 * execution keeps its history (the live terminal view uses it). */
typedef void (*ex_observer)(void *ud, const sl_exec *x, const hist_event *e);

/* Called with a line of text about what the execution is waiting for
 * (a Wait state's delay, a retry's delay and attempt), for the live view. */
typedef void (*ex_noter)(void *ud, const sl_exec *x, const char *state, const char *note);

typedef struct sl_engine_opts {
	double wait_scale;          /* multiplies Wait and retry delays; 1 */
	int virtual_clock;          /* tests: time jumps instead of sleeping */
	double start_time;          /* virtual clock's start; 0 = now */
	unsigned int seed;          /* jitter and execution names */
	long max_payload;           /* bytes; 0 = AWS's 256 KiB, < 0 = none */
	sl_task_handler tasks;      /* may be zero: Tasks then fail */
	ex_observer observer;
	ex_noter noter;
	void *observer_ud;
} sl_engine_opts;

sl_engine *ex_engine_new(const sl_engine_opts *o);
/* Frees the engine and every execution still in it. */
void ex_engine_free(sl_engine *g);
/* Advances every execution until none is running.  Returns 0. */
int ex_engine_run(sl_engine *g);
/* Replaces the task handler (before executions start). */
void ex_engine_set_tasks(sl_engine *g, sl_task_handler h);
/* Runs what is ready now, without sleeping; returns the number of
 * executions still running and, in *next_due, when the next timer falls
 * due (seconds since the epoch) or 0 for none.  It returns after a bounded
 * amount of work even when executions are still ready (a loop that never
 * waits); *next_due is then the current time: poll again soon. */
int ex_engine_poll(sl_engine *g, double *next_due);
/* The engine's current time, seconds since the epoch. */
double ex_engine_now(const sl_engine *g);

/* TestState: an execution that runs one state and ends after it, as
 * AWS's TestState API runs a state (api_sfn.c, teststate.c).  The caller
 * fills the inputs and keeps the struct alive while the execution runs;
 * the engine fills the outcome, then the caller calls ex_test_clear. */
typedef enum ex_test_status {
	EXT_SUCCEEDED, EXT_FAILED, EXT_RETRIABLE, EXT_CAUGHT_ERROR,
} ex_test_status;

typedef struct ex_test {
	/* in */
	const char *state;              /* the state to run; the StartAt if NULL */
	int retrier_retry_count;        /* stateConfiguration.retrierRetryCount */
	long map_failures;              /* stateConfiguration.mapIterationFailureCount; -1 */
	const cJSON *context;           /* $$ as given (borrowed), or NULL */
	const cJSON *variables;         /* variables at entry (borrowed), or NULL */
	const cJSON *mock_result;       /* a Task's, Map's or Parallel's result (borrowed) */
	const char *mock_error;         /* or its error, and cause (may be NULL) */
	const char *mock_cause;
	int inspect;                    /* fill inspection (DEBUG, TRACE) */
	/* out */
	ex_test_status status;
	const char *next;               /* the next state's name (borrowed from the
					 * machine), or NULL: End, or a failure */
	int retry_index, catch_index;   /* errorDetails; -1 when none */
	double backoff;                 /* RETRIABLE: retryBackoffIntervalSeconds */
	char *error, *cause;            /* CAUGHT_ERROR: what was caught (owned) */
	cJSON *inspection;              /* {"afterInputPath": "<JSON text>", ...,
					 * "maxConcurrency": N} (owned) */
} ex_test;

/* Frees what the engine put in t. */
void ex_test_clear(ex_test *t);

typedef struct sl_exec_opts {
	const char *name;               /* execution name; generated if NULL */
	const char *state_machine_name; /* "StateMachine" if NULL */
	const char *account;            /* "123456789012" if NULL */
	const char *region;             /* "us-east-1" if NULL */
	const char *role_arn;           /* a default role if NULL */
	int express;                    /* EXPRESS: no history unless keep_history */
	const char *input_text;         /* the input as the caller wrote it, kept
					 * verbatim as AWS does; printed if NULL */
	int keep_history;
	ex_test *test;                  /* TestState (borrowed), or NULL */
} sl_exec_opts;

/* Starts an execution of m (a reference is taken) with input (taken; the
 * input text, opts->input_text or printed, is what history and
 * $$.Execution.Input show).
 * The execution runs when the engine runs; it stays in the engine, with
 * its outcome, until ex_free. */
sl_exec *ex_start(sl_engine *g, asl_machine *m, const sl_exec_opts *o, cJSON *input);
void ex_free(sl_exec *x);
/* StopExecution: aborts a running execution with an optional error and
 * cause (copied). */
void ex_stop(sl_exec *x, const char *error, const char *cause);

ex_status ex_get_status(const sl_exec *x);
const char *ex_arn(const sl_exec *x);
const char *ex_name(const sl_exec *x);
/* The input as given to ex_start, text (borrowed). */
const char *ex_input(const sl_exec *x);
/* The output (borrowed), NULL unless SUCCEEDED. */
const cJSON *ex_output(const sl_exec *x);
const char *ex_error(const sl_exec *x);
const char *ex_cause(const sl_exec *x);
double ex_start_date(const sl_exec *x);
double ex_stop_date(const sl_exec *x);
/* History (borrowed); empty for EXPRESS without keep_history. */
const hist *ex_history(const sl_exec *x);
/* State transitions so far (states entered + retries), for --stats. */
long ex_transitions(const sl_exec *x);

/* For task handlers. */
const char *ex_task_resource(const sl_task *t);
const char *ex_task_state_name(const sl_task *t);
/* The task token of a .waitForTaskToken attempt ($$.Task.Token), or NULL. */
const char *ex_task_token(const sl_task *t);
const cJSON *ex_task_input(const sl_task *t);    /* borrowed */
const sl_exec *ex_task_exec(const sl_task *t);
int ex_task_attempt(const sl_task *t);          /* 0 first, then retries */
/* Records that the work started (TaskStarted / LambdaFunctionStarted /
 * ActivityStarted). */
void ex_task_started(sl_task *t);
/* The same for an activity handed to a worker (workerName, may be NULL). */
void ex_task_started_by(sl_task *t, const char *worker);
/* The task is alive (SendTaskHeartbeat): restarts its HeartbeatSeconds. */
void ex_task_heartbeat(sl_task *t);
/* Completes the task with result (taken). */
void ex_task_succeed(sl_task *t, cJSON *result);
/* Completes the task with an error (copied). */
void ex_task_fail(sl_task *t, const char *error, const char *cause);
/* The same, delivered after delay seconds of engine time (scaled by
 * --wait-scale): mocked responses use these. */
void ex_task_succeed_after(sl_task *t, double delay, cJSON *result);
void ex_task_fail_after(sl_task *t, double delay, const char *error, const char *cause);
/* Fails the task as AWS fails a call to something that does not exist
 * here: Lambda.ResourceNotFoundException for a function, a clear
 * States.Runtime for a service steplocal does not emulate. */
void ex_task_fail_unknown(sl_task *t);
/* The running task whose .waitForTaskToken attempt holds token, or NULL
 * (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat).  The caller
 * cancels the task handler's own work on it (its cancel()) before
 * completing it with ex_task_succeed / ex_task_fail. */
sl_task *ex_task_find(sl_engine *g, const char *token);
/* A handler's own data for the task. */
void ex_task_set_data(sl_task *t, void *data);
void *ex_task_data(const sl_task *t);

#endif
