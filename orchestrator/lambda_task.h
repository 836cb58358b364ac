/* lambda_task.h - Task states that call Lambda functions: resources, faults, AWS's results and errors. */
#ifndef SL_LAMBDA_TASK_H
#define SL_LAMBDA_TASK_H

#include "evloop.h"
#include "exec.h"
#include "lambda.h"

/* A fault of the project's `faults:` list: the service-side error `error`
 * (Lambda.ServiceException, Lambda.TooManyRequestsException, ...) raised
 * for calls of `function` before the function is reached, as AWS raises
 * it: the first `times` calls, or each call with probability `rate`
 * (a seeded sequence, so that runs repeat). */
typedef struct lt_fault {
	const char *function;
	const char *error;
	int times;          /* > 0: the first `times` calls fail */
	double rate;        /* 0..1 when times is 0 */
	unsigned int seed;
} lt_fault;

typedef struct lt_bridge lt_bridge;

/* Creates the bridge between the executor and the Lambda service svc
 * (borrowed); loop (borrowed) is kicked when a task completes.  Faults are
 * copied.  log (may be NULL) receives a line for every fault injected. */
lt_bridge *lt_new(lam_service *svc, sl_loop *loop, const char *region, const char *account,
		  const lt_fault *faults, int nfaults, lam_log_fn log, void *log_ud);
void lt_free(lt_bridge *b);
/* Replaces the faults (copied; their counts start again). */
void lt_set_faults(lt_bridge *b, const lt_fault *faults, int nfaults);

/* The task handler: arn:aws:lambda:...:function:NAME[:QUALIFIER] (also
 * with "..." for region and account, as the seed examples write them) and
 * arn:aws:states:::lambda:invoke with Parameters FunctionName, Payload,
 * Qualifier, ClientContext.  Other resources fail as unknown (mocks answer
 * them when configured in front of this handler). */
sl_task_handler lt_handler(lt_bridge *b);

/* The function name a Lambda resource or FunctionName designates: a bare
 * name, NAME:QUALIFIER, a partial ARN ACCOUNT:function:NAME[:Q] or a full
 * ARN.  Returns owned name and (optionally) owned qualifier, or NULL. */
char *lt_function_name(const char *ref, char **qualifier);

/* Whether the fault list would fail this call of function: counts it.
 * Returns the error name, or NULL.  (Shared with `steplocal invoke`.) */
const char *lt_fault_check(lt_bridge *b, const char *function);
/* AWS's cause text for a service-side Lambda error raised by a fault or
 * by throttling; owned. */
char *lt_service_cause(const char *error, const char *request_id);

#endif
