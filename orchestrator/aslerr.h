/* aslerr.h - ASL runtime errors as values: an error name and a cause, matched by Retry and Catch. */
#ifndef SL_ASLERR_H
#define SL_ASLERR_H

/* An aslerr holds one failure of a state: `error` is the ASL error name
 * (States.Runtime, a function's errorType, ...) and `cause` its human text.
 * Both strings are owned by the aslerr; an empty aslerr has both NULL.
 * Functions that can fail at run time take an `aslerr *` and return -1 after
 * filling it, 0 on success (leaving it untouched). */
typedef struct aslerr {
	char *error;
	char *cause;
} aslerr;

/* The predefined error names of the Amazon States Language. */
#define ERR_ALL                  "States.ALL"
#define ERR_TIMEOUT              "States.Timeout"
#define ERR_HEARTBEAT_TIMEOUT    "States.HeartbeatTimeout"
#define ERR_TASK_FAILED          "States.TaskFailed"
#define ERR_PERMISSIONS          "States.Permissions"
#define ERR_RESULT_PATH_MATCH    "States.ResultPathMatchFailure"
#define ERR_PARAMETER_PATH       "States.ParameterPathFailure"
#define ERR_QUERY_EVAL           "States.QueryEvaluationError"
#define ERR_BRANCH_FAILED        "States.BranchFailed"
#define ERR_NO_CHOICE_MATCHED    "States.NoChoiceMatched"
#define ERR_INTRINSIC_FAILURE    "States.IntrinsicFailure"
#define ERR_EXCEED_TOLERATED     "States.ExceedToleratedFailureThreshold"
#define ERR_ITEM_READER_FAILED   "States.ItemReaderFailed"
#define ERR_RESULT_WRITER_FAILED "States.ResultWriterFailed"
#define ERR_RUNTIME              "States.Runtime"
#define ERR_DATA_LIMIT           "States.DataLimitExceeded"

/* Sets both fields, replacing what was there.  The cause is formatted. */
int aslerr_set(aslerr *e, const char *error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Takes ownership of error and cause (either may be NULL). Returns -1. */
int aslerr_take(aslerr *e, char *error, char *cause);
/* Frees both strings and leaves the aslerr empty. */
void aslerr_clear(aslerr *e);
/* Moves src into dst (dst cleared first); src is left empty. */
void aslerr_move(aslerr *dst, aslerr *src);

/* Whether `name` is one of the States.* names the specification defines. */
int aslerr_is_predefined(const char *name);

#endif
