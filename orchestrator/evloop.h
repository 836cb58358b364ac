/* evloop.h - runs the executor on a libevent loop, beside the Lambda runtime's sockets and processes. */
#ifndef SL_EVLOOP_H
#define SL_EVLOOP_H

#include "exec.h"

struct event_base;

typedef struct sl_loop sl_loop;

/* Binds engine g (borrowed) to base (borrowed): the engine's ready work
 * runs from a libevent event, and its next timer becomes a libevent timer,
 * so that Task completions arriving from sockets and the engine's Waits
 * and retries share one thread. */
sl_loop *loop_new(struct event_base *base, sl_engine *g);
void loop_free(sl_loop *l);
/* Asks for the engine to be polled soon (after a task completed from a
 * callback, an execution started, ...).  Cheap; may be called often. */
void loop_kick(sl_loop *l);
/* Runs the loop until no execution of the engine is running, or until
 * loop_stop.  Returns 0. */
int loop_run(sl_loop *l);
/* Runs the loop for a server: like loop_run, but the loop stays alive when
 * no execution is running (requests start new ones), until loop_stop.
 * Returns 0. */
int loop_serve(sl_loop *l);
void loop_stop(sl_loop *l);

#endif
