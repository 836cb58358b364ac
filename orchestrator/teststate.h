/* teststate.h - AWS's TestState API: one state run on its own (mocked or for real), and AWS's answer. */
#ifndef SL_TESTSTATE_H
#define SL_TESTSTATE_H

#include "asl.h"
#include "exec.h"

/* A TestState request's members, borrowed, NULL (0) when absent.  The
 * caller has checked their types: strings, an inspectionLevel of INFO,
 * DEBUG or TRACE, mock and stateConfiguration objects. */
typedef struct ts_request {
	const char *definition, *role_arn, *input, *inspection_level;
	const char *variables, *state_name, *context;
	int reveal_secrets;
	const cJSON *mock, *config;
} ts_request;

typedef struct ts_run ts_run;

/* Checks a request as AWS checks it and prepares its run: the state to
 * test (a definition of one state, or stateName in a state machine, nested
 * states too), its input, mock, context object and variables.  Returns
 * NULL with AWS's error code (static) and message (owned) when AWS would
 * refuse the request. */
ts_run *ts_prepare(const ts_request *rq, const char **code, char **msg);
/* Starts the run in engine g: an express execution that ends after the
 * state (exec.h's ex_test).  Returns it: the engine's, which the caller
 * frees with ex_free before ts_free. */
sl_exec *ts_start(ts_run *r, sl_engine *g, const char *region, const char *account);
/* AWS's TestState response, once the execution ended; owned. */
cJSON *ts_response(const ts_run *r);
/* Frees the run (not its execution). */
void ts_free(ts_run *r);

#endif
