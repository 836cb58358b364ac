/* env.h - execution environments: a runtime process group, its Runtime API endpoint and its log pipes. */
#ifndef SL_ENV_H
#define SL_ENV_H

#include "rapi.h"

#include <stddef.h>
#include <sys/types.h>

struct event_base;

/* An environment is one process group started from a runtime's bootstrap
 * (the lifecycle is written at the top of env.c).  It knows nothing of
 * pools, invocations or concurrency: lambda.c decides when to dispatch,
 * kill and free, and env.c reports through env_hooks what the process and
 * its Runtime API do.  Processes are collected only by env_reap (the
 * owner calls it on SIGCHLD) and env_free. */

typedef struct env env;

/* What to start; every string is borrowed for the env_spawn call. */
typedef struct env_spec {
	const char *function;          /* AWS_LAMBDA_FUNCTION_NAME */
	const char *runtime;           /* one env_runtime_known accepts */
	const char *handler;           /* _HANDLER; may be NULL */
	const char *code_dir;          /* absolute; cwd and LAMBDA_TASK_ROOT */
	const char *runtime_dir;       /* LAMBDA_RUNTIME_DIR; holds python/ and node/ */
	const char *region;
	int memory;                    /* MB */
	const char *const *env;        /* the function's own "K=V", NULL-terminated; may be NULL */
	const char *const *layers;     /* layer folders in AWS's order, NULL-terminated; may be NULL.
					* AWS extracts them into /opt and searches /opt/bin (PATH),
					* /opt/lib (LD_LIBRARY_PATH), /opt/python and
					* /opt/python/lib/python3.N/site-packages (PYTHONPATH),
					* /opt/nodejs/nodeNN/node_modules and /opt/nodejs/node_modules
					* (NODE_PATH); here those folders of each layer that exist
					* are searched instead, the last layer's first */
} env_spec;

typedef struct env_hooks {
	/* The runtime called /next (first = 1: init is over). */
	void (*next)(void *ud, env *e, int first);
	/* The runtime answered (see rapi.h). */
	void (*answer)(void *ud, env *e, const rapi_answer *a);
	/* A line of the process's stdout or stderr (no newline, NUL-terminated). */
	void (*log)(void *ud, env *e, const char *line, size_t len);
} env_hooks;

/* Outcomes of env_spawn. */
#define ENV_OK          0
#define ENV_ENTRYPOINT -1   /* the bootstrap cannot be executed: *err is Go's
			     * "fork/exec PATH: no such file or directory" text */
#define ENV_SYSTEM     -2   /* a system failure (sockets, pipes): *err says which */

/* Starts an environment: a Runtime API endpoint on 127.0.0.1, then the
 * bootstrap with posix_spawn (no shell), in a new process group, in
 * code_dir, with only AWS's reserved variables and the function's own.
 * Returns ENV_OK with *out set, or an error code with *err an owned
 * message.  hooks is copied. */
int env_spawn(struct event_base *base, const env_spec *spec, const env_hooks *hooks, void *ud,
	      env **out, char **err);
/* Whether a runtime name is one steplocal can run. */
int env_runtime_known(const char *runtime);

/* The leader's pid, which is also the process group id. */
/* When the process was started (CLOCK_MONOTONIC, ms): after the work of
 * finding its interpreter, which is no part of its init. */
double env_started(const env *e);
pid_t env_pid(const env *e);
/* Hands an invocation to the runtime's waiting /next (see rapi_dispatch). */
int env_dispatch(env *e, const rapi_event *ev);
/* Sends sig to every process of the group; nothing once the group is gone. */
void env_kill(env *e, int sig);

/* env_reap's result bits. */
#define ENV_LEADER_EXITED 1  /* the leader exited during this call; *status is its wait status */
#define ENV_GONE          2  /* no process of the group is left */
/* Collects every exited process of the group without blocking. */
int env_reap(env *e, int *status);
/* Whether any process of the group may still exist. */
int env_alive(const env *e);

/* Reads what the pipes hold now (at most LAM_LOG_DRAIN_MAX bytes) and
 * flushes partial lines, so that an invocation's output precedes its END. */
void env_drain_logs(env *e);
/* Starts a new log budget of LAM_LOG_INVOKE_MAX bytes (at each START);
 * lines beyond it are dropped, with one line saying so. */
void env_log_budget(env *e);

/* Resident memory of each environment's whole process group, in bytes,
 * with one pass over /proc: rss[i] for v[i].  A process that left the
 * group counts with its parent's environment, or, once its parent exited
 * (it is then this process's child), with the environment its
 * AWS_LAMBDA_RUNTIME_API names (see the strays below). */
void env_rss_scan(env *const *v, int n, long long *rss);
/* Resident memory of the leader alone (cheap), in bytes; 0 if unknown. */
long long env_rss_leader(env *e);

/* Processes that left their environment's process group: a function's
 * descendant that called setsid() or setpgid() (a double-forked daemon)
 * is out of reach of the group's kill and waitpid.  Since the process is a
 * child subreaper (lambda.c), such a process becomes its direct child once
 * its parent in the group exits.  Every direct child of the process that
 * is in no group of live[] (n of them, NULL when none) is taken for one:
 * the service must be the process's only source of children.
 *
 * env_strays_kill sends SIGKILL to each stray (and to its own group when it
 * leads one), except those whose environment block names the Runtime API
 * of an environment of live[] that is not gone: those end with it.  Returns
 * how many it signalled.  env_strays_reap collects, without blocking, the
 * exited children that belong to no group of live[]; returns how many. */
int env_strays_kill(env *const *live, int n);
int env_strays_reap(env *const *live, int n);

/* Frees the environment.  A group still alive is killed (SIGKILL) and
 * reaped first, blocking until it is gone.  Never call it from a hook. */
void env_free(env *e);

#endif
