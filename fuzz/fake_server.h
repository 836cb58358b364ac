/* fake_server.h - `steplocal serve` without its socket for the API fuzz target: a project, the engine on a virtual clock, and Lambda functions that answer without processes. */
#ifndef SL_FUZZ_FAKE_SERVER_H
#define SL_FUZZ_FAKE_SERVER_H

#include "serve.h"

/* Lifecycle, per input (serve.h's order):
 *   fz_server_start   the event base, the engine, the workspace with the
 *                     project's functions, the mock set, the API state;
 *   fz_server_settle  after each request: runs the loop until nothing is
 *                     ready (Waits and retries take no time: wait_scale 0
 *                     on a virtual clock), at most FZ_SETTLE_ROUNDS rounds,
 *                     and FZ_BUSY_ROUNDS per input of rounds in which only
 *                     the engine has work (an endless loop);
 *   fz_server_stop    requests still waiting are dropped, then executions,
 *                     API state, functions and the base are freed, and the
 *                     uploaded packages removed.
 * The project (functions Hello and Slow, state machines Flow, Quick and
 * Tokens) is loaded once, by fz_server_init, from a scratch folder.
 *
 * Lambda functions never start a process: the program is linked with
 * -Wl,--wrap=lam_invoke,--wrap=lam_cancel, so lam_invoke's callers reach
 * __wrap_lam_invoke, which answers from the loop, by the payload:
 * a payload containing "fail" gets a function error, "throttle" AWS's
 * TooManyRequestsException, "never" no answer; any other is echoed. */

void fz_server_init(void);
void fz_server_start(sv_server *s);
void fz_server_settle(sv_server *s);
void fz_server_stop(sv_server *s);

/* The stand-ins the linker substitutes (see above). */
lam_invocation *__wrap_lam_invoke(lam_function *f, const char *payload, size_t len,
				  const lam_invoke_opts *o, lam_done_fn done, void *ud);
void __wrap_lam_cancel(lam_invocation *inv);

#endif
