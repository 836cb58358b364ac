/* history.c - execution history events (see history.h). */
#include "history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

/* Which fields an event's details carry. */
enum {
	F_INPUT = 1, F_OUTPUT = 2, F_ERROR = 4, F_NAME = 8, F_LENGTH = 16,
	F_INDEX = 32, F_RESOURCE = 64, F_PARAMS = 128, F_TIMEOUT = 256,
	F_ROLE = 512, F_WORKER = 1024,
};

static const struct evdef {
	const char *name;       /* NULL: built from the state type */
	const char *suffix;     /* for state events: "StateEntered", ... */
	const char *details;    /* details member, NULL for none */
	int fields;
} evdefs[EV_COUNT] = {
	[EV_EXECUTION_STARTED]   = { "ExecutionStarted", NULL, "executionStartedEventDetails", F_INPUT | F_ROLE },
	[EV_EXECUTION_SUCCEEDED] = { "ExecutionSucceeded", NULL, "executionSucceededEventDetails", F_OUTPUT },
	[EV_EXECUTION_FAILED]    = { "ExecutionFailed", NULL, "executionFailedEventDetails", F_ERROR },
	[EV_EXECUTION_ABORTED]   = { "ExecutionAborted", NULL, "executionAbortedEventDetails", F_ERROR },
	[EV_EXECUTION_TIMED_OUT] = { "ExecutionTimedOut", NULL, "executionTimedOutEventDetails", F_ERROR },
	[EV_STATE_ENTERED]       = { NULL, "StateEntered", "stateEnteredEventDetails", F_NAME | F_INPUT },
	[EV_STATE_EXITED]        = { NULL, "StateExited", "stateExitedEventDetails", F_NAME | F_OUTPUT },
	[EV_STATE_ABORTED]       = { NULL, "StateAborted", NULL, 0 },
	[EV_PARALLEL_STARTED]    = { "ParallelStateStarted", NULL, NULL, 0 },
	[EV_PARALLEL_SUCCEEDED]  = { "ParallelStateSucceeded", NULL, NULL, 0 },
	[EV_PARALLEL_FAILED]     = { "ParallelStateFailed", NULL, NULL, 0 },
	[EV_MAP_STARTED]         = { "MapStateStarted", NULL, "mapStateStartedEventDetails", F_LENGTH },
	[EV_MAP_SUCCEEDED]       = { "MapStateSucceeded", NULL, NULL, 0 },
	[EV_MAP_FAILED]          = { "MapStateFailed", NULL, NULL, 0 },
	[EV_MAP_ITERATION_STARTED]   = { "MapIterationStarted", NULL, "mapIterationStartedEventDetails", F_NAME | F_INDEX },
	[EV_MAP_ITERATION_SUCCEEDED] = { "MapIterationSucceeded", NULL, "mapIterationSucceededEventDetails", F_NAME | F_INDEX },
	[EV_MAP_ITERATION_FAILED]    = { "MapIterationFailed", NULL, "mapIterationFailedEventDetails", F_NAME | F_INDEX },
	[EV_MAP_ITERATION_ABORTED]   = { "MapIterationAborted", NULL, "mapIterationAbortedEventDetails", F_NAME | F_INDEX },
	[EV_TASK_SCHEDULED]  = { "TaskScheduled", NULL, "taskScheduledEventDetails", F_RESOURCE | F_PARAMS | F_TIMEOUT },
	[EV_TASK_STARTED]    = { "TaskStarted", NULL, "taskStartedEventDetails", F_RESOURCE },
	[EV_TASK_SUCCEEDED]  = { "TaskSucceeded", NULL, "taskSucceededEventDetails", F_RESOURCE | F_OUTPUT },
	[EV_TASK_FAILED]     = { "TaskFailed", NULL, "taskFailedEventDetails", F_RESOURCE | F_ERROR },
	[EV_TASK_TIMED_OUT]  = { "TaskTimedOut", NULL, "taskTimedOutEventDetails", F_RESOURCE | F_ERROR },
	[EV_LAMBDA_SCHEDULED] = { "LambdaFunctionScheduled", NULL, "lambdaFunctionScheduledEventDetails", F_INPUT | F_TIMEOUT | F_RESOURCE },
	[EV_LAMBDA_STARTED]   = { "LambdaFunctionStarted", NULL, NULL, 0 },
	[EV_LAMBDA_SUCCEEDED] = { "LambdaFunctionSucceeded", NULL, "lambdaFunctionSucceededEventDetails", F_OUTPUT },
	[EV_LAMBDA_FAILED]    = { "LambdaFunctionFailed", NULL, "lambdaFunctionFailedEventDetails", F_ERROR },
	[EV_LAMBDA_TIMED_OUT] = { "LambdaFunctionTimedOut", NULL, "lambdaFunctionTimedOutEventDetails", F_ERROR },
	[EV_ACTIVITY_SCHEDULED] = { "ActivityScheduled", NULL, "activityScheduledEventDetails", F_INPUT | F_TIMEOUT | F_RESOURCE },
	[EV_ACTIVITY_STARTED]   = { "ActivityStarted", NULL, "activityStartedEventDetails", F_WORKER },
	[EV_ACTIVITY_SUCCEEDED] = { "ActivitySucceeded", NULL, "activitySucceededEventDetails", F_OUTPUT },
	[EV_ACTIVITY_FAILED]    = { "ActivityFailed", NULL, "activityFailedEventDetails", F_ERROR },
	[EV_ACTIVITY_TIMED_OUT] = { "ActivityTimedOut", NULL, "activityTimedOutEventDetails", F_ERROR },
};

hist_event *hist_add(hist *h, hist_type type, long id, long prev, double ts)
{
	hist_event *e;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = xrealloc(h->v, sizeof *h->v * (size_t)h->cap);
	}
	e = &h->v[h->n++];
	memset(e, 0, sizeof *e);
	e->type = type;
	e->id = id;
	e->prev = prev;
	e->ts = ts;
	return e;
}

void hist_free(hist *h)
{
	long i;

	for (i = 0; i < h->n; i++) {
		hist_event *e = &h->v[i];

		if (!e->data_shared)
			free(e->data);
		free(e->assigned);
		free(e->error);
		free(e->cause);
		free(e->resource);
		free(e->resource_type);
		free(e->worker);
	}
	free(h->v);
	memset(h, 0, sizeof *h);
}

const char *hist_type_name(const hist_event *e, char *buf, size_t n)
{
	const struct evdef *d = &evdefs[e->type];

	if (d->name)
		return d->name;
	snprintf(buf, n, "%s%s", e->state_type ? e->state_type : "", d->suffix);
	return buf;
}

void hist_iso_time(double ts, char *buf, size_t n)
{
	time_t t = (time_t)floor(ts);
	int ms = (int)((ts - (double)t) * 1000.0 + 0.5);
	struct tm tm;

	if (ms >= 1000) {
		t++;
		ms -= 1000;
	}
	gmtime_r(&t, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static cJSON *truncated_false(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddFalseToObject(o, "truncated");
	return o;
}

cJSON *hist_event_json(const hist_event *e, int iso_time)
{
	const struct evdef *d = &evdefs[e->type];
	cJSON *o = cJSON_CreateObject(), *det;
	char name[64], ts[40];

	if (iso_time) {
		hist_iso_time(e->ts, ts, sizeof ts);
		cJSON_AddStringToObject(o, "timestamp", ts);
	} else {
		cJSON_AddNumberToObject(o, "timestamp", floor(e->ts * 1000.0 + 0.5) / 1000.0);
	}
	cJSON_AddStringToObject(o, "type", hist_type_name(e, name, sizeof name));
	cJSON_AddNumberToObject(o, "id", (double)e->id);
	cJSON_AddNumberToObject(o, "previousEventId", (double)e->prev);
	if (!d->details)
		return o;
	det = cJSON_CreateObject();
	if (d->fields & F_RESOURCE) {
		if (e->resource_type)
			cJSON_AddStringToObject(det, "resourceType", e->resource_type);
		if (e->resource)
			cJSON_AddStringToObject(det, "resource", e->resource);
	}
	if (d->fields & F_WORKER && e->worker)
		cJSON_AddStringToObject(det, "workerName", e->worker);
	if (d->fields & F_NAME && e->state)
		cJSON_AddStringToObject(det, "name", e->state);
	if (d->fields & F_INDEX)
		cJSON_AddNumberToObject(det, "index", (double)e->num);
	if (d->fields & F_LENGTH)
		cJSON_AddNumberToObject(det, "length", (double)e->num);
	if (d->fields & F_PARAMS && e->data) {
		cJSON_AddStringToObject(det, "region", "us-east-1");
		cJSON_AddStringToObject(det, "parameters", e->data);
	}
	if (d->fields & F_INPUT && e->data) {
		cJSON_AddStringToObject(det, "input", e->data);
		cJSON_AddItemToObject(det, "inputDetails", truncated_false());
	}
	if (d->fields & F_ROLE)
		cJSON_AddStringToObject(det, "roleArn",
			e->resource ? e->resource : "arn:aws:iam::123456789012:role/StepFunctionsRole");
	if (d->fields & F_OUTPUT && e->data) {
		cJSON_AddStringToObject(det, "output", e->data);
		cJSON_AddItemToObject(det, "outputDetails", truncated_false());
	}
	if (e->assigned) {
		cJSON *a = js_parse(e->assigned, strlen(e->assigned), NULL);

		if (a) {
			cJSON_AddItemToObject(det, "assignedVariables", a);
			cJSON_AddItemToObject(det, "assignedVariablesDetails", truncated_false());
		}
	}
	if (d->fields & F_TIMEOUT && e->has_num)
		cJSON_AddNumberToObject(det, "timeoutInSeconds", (double)e->num);
	if (d->fields & F_TIMEOUT && e->has_num2)
		cJSON_AddNumberToObject(det, "heartbeatInSeconds", (double)e->num2);
	if (d->fields & F_ERROR) {
		if (e->error)
			cJSON_AddStringToObject(det, "error", e->error);
		if (e->cause)
			cJSON_AddStringToObject(det, "cause", e->cause);
	}
	cJSON_AddItemToObject(o, d->details, det);
	return o;
}

cJSON *hist_json(const hist *h, int iso_time)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	long i;

	for (i = 0; i < h->n; i++)
		cJSON_AddItemToArray(arr, hist_event_json(&h->v[i], iso_time));
	cJSON_AddItemToObject(o, "events", arr);
	return o;
}
