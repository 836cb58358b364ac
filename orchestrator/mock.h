/* mock.h - mocked Task responses in the AWS Step Functions Local format (MockConfigFile). */
#ifndef SL_MOCK_H
#define SL_MOCK_H

#include "exec.h"

/* A mock configuration:
 *   {"StateMachines": {"SM": {"TestCases": {"Case": {"State": "Resp"}}}},
 *    "MockedResponses": {"Resp": {"0": {"Return": ...},
 *                                 "1-2": {"Throw": {"Error": "E", "Cause": "C"}}}}}
 * The keys of a mocked response are invocation numbers or ranges, counted
 * per state and execution from 0 (retries count).  As an extension of
 * steplocal, a response may carry "DelaySeconds": N to complete after N
 * seconds (scaled by --wait-scale), e.g. to reach a TimeoutSeconds. */
typedef struct mock_set mock_set;
typedef struct mock_case mock_case;

/* Loads a configuration (borrowed).  Returns an owned set, or NULL with
 * *err set to an owned message naming what is wrong and where. */
mock_set *mock_load(const cJSON *cfg, char **err);
/* A set with one unnamed test case given as {"State": {"0": {...}}}: the
 * responses inline, as the test case files write them. */
mock_set *mock_load_inline(const cJSON *states, char **err);
void mock_free(mock_set *ms);

/* The test case `name` of state machine `sm`, or NULL.  For a set made by
 * mock_load_inline, any sm and name find its one case. */
const mock_case *mock_find(const mock_set *ms, const char *sm, const char *name);
/* Answers the Tasks of execution x from case mc from now on. */
void mock_bind(mock_set *ms, const sl_exec *x, const mock_case *mc);
/* Forgets x's binding, if any (before x is freed). */
void mock_unbind(mock_set *ms, const sl_exec *x);

/* A task handler that answers mocked states and passes every other Task
 * to `fallback` (which may be zero: then the Task fails as AWS fails for a
 * function that does not exist). */
sl_task_handler mock_handler(mock_set *ms, sl_task_handler fallback);

#endif
