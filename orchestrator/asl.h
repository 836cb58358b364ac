/* asl.h - an Amazon States Language definition, validated and compiled once into states the executor runs. */
#ifndef SL_ASL_H
#define SL_ASL_H

#include "choice.h"
#include "diag.h"
#include "intrinsic.h"
#include "jpath.h"
#include "tpl.h"

typedef enum asl_type {
	ASL_PASS, ASL_TASK, ASL_CHOICE, ASL_WAIT, ASL_SUCCEED, ASL_FAIL,
	ASL_PARALLEL, ASL_MAP,
} asl_type;

/* The name of a state type as AWS writes it ("Pass", "Task", ...), and its
 * prefix in history event names ("Pass" -> PassStateEntered). */
const char *asl_type_name(asl_type t);

typedef struct asl_retrier {
	char **errors;
	int nerrors;
	double interval;        /* IntervalSeconds, default 1 */
	int max_attempts;       /* MaxAttempts, default 3; 0 never retries */
	double backoff;         /* BackoffRate, default 2.0 */
	double max_delay;       /* MaxDelaySeconds; 0 = none */
	int jitter_full;        /* JitterStrategy FULL */
} asl_retrier;

typedef struct asl_catcher {
	char **errors;
	int nerrors;
	jpath *result_path;     /* NULL with result_null=0 means "$" */
	int result_null;
	int next;               /* state index */
	tpl *assign;
} asl_catcher;

typedef struct asl_choice {
	ch_rule *rule;
	int next;
	tpl *assign;
} asl_choice;

/* A number given literally or by a reference path (TimeoutSeconds /
 * TimeoutSecondsPath, MaxConcurrency / MaxConcurrencyPath, ...). */
typedef struct asl_num {
	int set;
	double value;
	jpath *path;
} asl_num;

/* A string given literally, by a path, or by an intrinsic (Fail's
 * Error/ErrorPath and Cause/CausePath). */
typedef struct asl_str {
	char *value;
	jpath *path;
	fn_expr *fn;
} asl_str;

typedef struct asl_machine asl_machine;

typedef struct asl_state {
	char *name;
	asl_type type;
	int index;
	int next;               /* index of Next, or -1 when End (or none) */
	int end;

	/* Input and output processing; a NULL path means "$" unless the
	 * matching *_null flag says the field was JSON null. */
	jpath *input_path;
	int input_null;
	jpath *output_path;
	int output_null;
	jpath *result_path;
	int result_null;
	tpl *parameters;        /* Parameters, or Map's ItemSelector */
	tpl *result_selector;
	tpl *assign;
	cJSON *result;          /* Pass: Result (owned) */
	int move_input;         /* Pass: the effective input can be moved, not
				 * copied, into the result (see asl.c) */

	/* Task */
	char *resource;
	asl_num timeout;
	asl_num heartbeat;
	asl_retrier *retry;
	int nretry;
	asl_catcher *catch_;
	int ncatch;

	/* Choice */
	asl_choice *choices;
	int nchoices;
	int deflt;              /* Default state index, or -1 */

	/* Wait */
	asl_num seconds;
	char *timestamp;        /* literal Timestamp, as written */
	double timestamp_s;     /* its value in seconds since the epoch */
	jpath *timestamp_path;

	/* Fail */
	asl_str error;
	asl_str cause;

	/* Parallel */
	asl_machine **branches;
	int nbranches;

	/* Map */
	asl_machine *processor;
	int distributed;        /* ProcessorConfig Mode DISTRIBUTED (run in
				 * process, with its failure semantics) */
	jpath *items_path;
	asl_num max_concurrency;
	asl_num tolerated_count;
	asl_num tolerated_pct;
	int batching;           /* ItemBatcher present */
	asl_num batch_max_items;
	asl_num batch_max_bytes;
	tpl *batch_input;
} asl_state;

struct asl_machine {
	asl_state *states;
	int nstates;
	int start;
	double timeout_seconds;  /* top level TimeoutSeconds; 0 = none */
	cJSON *source;           /* the definition as given (owned) */
	int refs;
};

/* Validates and compiles a definition (borrowed).  Every problem is
 * reported to d at once, each with AWS's code and a location such as
 * "/States/Foo/Next".  Returns an owned machine (refcount 1), or NULL when
 * d gained an error. */
asl_machine *asl_load(const cJSON *def, diags *d);
/* The same from JSON text; a syntax error is INVALID_JSON_DESCRIPTION. */
asl_machine *asl_load_text(const char *text, size_t len, diags *d);

/* Reference counting: executions hold the machine they run. */
asl_machine *asl_ref(asl_machine *m);
void asl_unref(asl_machine *m);

/* The checks that depend on the type: an EXPRESS state machine cannot use
 * .waitForTaskToken integrations (AWS's SCHEMA_VALIDATION_FAILED at the
 * state's Resource).  Adds to d; returns the number of errors added. */
int asl_check_express(const asl_machine *m, diags *d);

/* Index of the state called name, or -1. */
int asl_find(const asl_machine *m, const char *name);



#endif
