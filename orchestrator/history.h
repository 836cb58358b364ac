/* history.h - an execution's events, in AWS GetExecutionHistory's types, ids and shapes. */
#ifndef SL_HISTORY_H
#define SL_HISTORY_H

#include "json.h"

/* Event types.  The table in history.c maps each to AWS's name and to the
 * name of its details member. */
typedef enum hist_type {
	EV_EXECUTION_STARTED, EV_EXECUTION_SUCCEEDED, EV_EXECUTION_FAILED,
	EV_EXECUTION_ABORTED, EV_EXECUTION_TIMED_OUT,
	EV_STATE_ENTERED,      /* PassStateEntered, TaskStateEntered, ... */
	EV_STATE_EXITED,       /* PassStateExited, ... */
	EV_STATE_ABORTED,      /* TaskStateAborted, WaitStateAborted, ... */
	EV_PARALLEL_STARTED, EV_PARALLEL_SUCCEEDED, EV_PARALLEL_FAILED,
	EV_MAP_STARTED, EV_MAP_SUCCEEDED, EV_MAP_FAILED,
	EV_MAP_ITERATION_STARTED, EV_MAP_ITERATION_SUCCEEDED,
	EV_MAP_ITERATION_FAILED, EV_MAP_ITERATION_ABORTED,
	EV_TASK_SCHEDULED, EV_TASK_STARTED, EV_TASK_SUCCEEDED, EV_TASK_FAILED,
	EV_TASK_TIMED_OUT,
	EV_LAMBDA_SCHEDULED, EV_LAMBDA_STARTED, EV_LAMBDA_SUCCEEDED,
	EV_LAMBDA_FAILED, EV_LAMBDA_TIMED_OUT,
	EV_ACTIVITY_SCHEDULED, EV_ACTIVITY_STARTED, EV_ACTIVITY_SUCCEEDED,
	EV_ACTIVITY_FAILED, EV_ACTIVITY_TIMED_OUT,
	EV_COUNT
} hist_type;

/* One event.  Which fields are used depends on the type (see history.c);
 * strings are owned by the event except `state` and `state_type`, which
 * are borrowed from the definition (executions keep their definition
 * alive). */
typedef struct hist_event {
	hist_type type;
	long id;
	long prev;
	double ts;                 /* seconds since the epoch */
	const char *state;         /* state name (entered/exited/iterations) */
	const char *state_type;    /* "Pass", "Task", ... for state events */
	char *data;                /* input / output / parameters, JSON text */
	char *assigned;            /* Exited: assignedVariables, JSON text */
	int data_shared;           /* data belongs to an earlier event */
	char *error;
	char *cause;
	char *resource;
	char *resource_type;
	char *worker;              /* ActivityStarted: the worker's name, if given */
	long num;                  /* Map length or iteration index; task timeout */
	int has_num;
	long num2;                 /* task heartbeat */
	int has_num2;
} hist_event;

typedef struct hist {
	hist_event *v;
	long n, cap;
} hist;

/* Appends a zeroed event with the given type and ids; returns it for the
 * caller to fill.  The pointer is valid until the next hist_add. */
hist_event *hist_add(hist *h, hist_type type, long id, long prev, double ts);
void hist_free(hist *h);
/* AWS's name of the event, e.g. "PassStateEntered" (written into buf). */
const char *hist_type_name(const hist_event *e, char *buf, size_t n);

/* Renders one event as AWS returns it; returns owned.  iso_time selects
 * ISO 8601 timestamps (as the aws CLI prints them) instead of epoch
 * seconds (the wire format). */
cJSON *hist_event_json(const hist_event *e, int iso_time);
/* Renders {"events":[...]}; returns owned. */
cJSON *hist_json(const hist *h, int iso_time);
/* Formats seconds since the epoch as AWS's ISO 8601 form with
 * milliseconds, e.g. "2026-11-25T10:00:00.123Z", into buf. */
void hist_iso_time(double ts, char *buf, size_t n);

#endif
