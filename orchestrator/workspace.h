/* workspace.h - a loaded project and the Lambda side that runs its functions (shared by run, invoke and serve). */
#ifndef SL_WORKSPACE_H
#define SL_WORKSPACE_H

#include "diag.h"
#include "evloop.h"
#include "lambda.h"
#include "lambda_task.h"
#include "project.h"
#include "sam.h"

struct event_base;

typedef struct workspace {
	proj_project *proj;
	char *file;               /* the file ws_load loaded: a steplocal.yaml or a template */
	struct event_base *base;
	lam_service *svc;
	lt_bridge *bridge;
	int quiet;                /* no function log lines on stderr */
	int concurrency;          /* the account-wide cap; 0 = the default */
	sam_opts sam_opts;        /* for a SAM template: overrides, env-vars */
	sam_info sam;             /* what a SAM template says beyond the project */
} workspace;

/* Loads the project at path: a steplocal.yaml or a SAM/CloudFormation
 * template, or a folder holding one (steplocal.yaml first, then
 * template.yaml/.yml/.json, as sam finds it); NULL means the current
 * folder.  Returns 0; -1 with the problems printed on stderr; 1 when there
 * is no project and none was required. */
int ws_load(workspace *w, const char *path, int required);

/* The project's name for a name given on the command line: a SAM logical
 * id becomes its FunctionName / state machine Name (borrowed). */
const char *ws_resolve(const workspace *w, const char *name);

/* Adds to d an ERROR "UNKNOWN_FUNCTION" (steplocal's code: AWS does not
 * look) for each Lambda Task of machine m that names a function the
 * project does not define: its Resource (arn:aws:lambda:...:function:F)
 * or its lambda:invoke FunctionName, when written literally, at the
 * state's path in the definition. */
void ws_check_functions(const workspace *w, const proj_machine *m, diags *d);

/* Starts the Lambda side on base and defines every function of the
 * project (extracting .zip packages once); builds the Task bridge, which
 * kicks loop (may be NULL) when a task completes.  Function log lines go
 * to stderr unless w->quiet.  Returns 0, or -1 with the problem printed. */
int ws_start_lambda(workspace *w, struct event_base *base, sl_loop *loop);

/* Defines (or defines again: warm environments of its previous version
 * are replaced) function f of w->proj on the running service.  Returns 0,
 * or -1 with the problem printed. */
int ws_define(workspace *w, const proj_function *f);
/* Gives the Task bridge w->proj's faults (their counts start again). */
void ws_set_faults(workspace *w);

/* Ends every function process (outside any libevent callback), then
 * frees the project. */
void ws_close(workspace *w);

#endif
