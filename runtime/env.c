/* env.c - execution environments: a runtime process group, its Runtime API endpoint and its log pipes. */

/*
 * The lifecycle of an environment (who decides what: env.c runs the
 * process, lambda.c owns the pool and the invocations):
 *
 *   spawn   env_spawn opens a Runtime API endpoint (rapi) on 127.0.0.1:<any
 *           port> and two pipes, then posix_spawn()s the bootstrap - no
 *           shell - as the leader of a new process group, in the package
 *           folder, with AWS's reserved variables and the function's own
 *           and nothing else.  An exec failure is returned at once
 *           (lambda.c turns it into Runtime.InvalidEntrypoint).
 *   init    from the spawn until the runtime's first GET /next
 *           (hooks.next, first = 1).  A POST /init/error here is reported
 *           through hooks.answer; lambda.c then kills the environment.
 *   ready   a /next is held; lambda.c hands it an invocation with
 *           env_dispatch.
 *   invoke  until POST /response or /error (hooks.answer).  stdout and
 *           stderr are read all along, split into lines (hooks.log) and
 *           capped per invocation: env_log_budget starts a new budget at
 *           each START, and env_drain_logs collects what is left before the
 *           END line.
 *   end     response | error | response too large: the runtime polls
 *           /next again and the environment is ready for the next
 *           invocation.  timeout | out of memory | /init/error | redefined
 *           function | idle too long: lambda.c calls env_kill(SIGKILL) on
 *           the whole group.  crash (the leader exits on its own): seen by
 *           env_reap.
 *   reap    on SIGCHLD lambda.c calls env_reap, which collects the group's
 *           processes with waitpid(-pgid, WNOHANG) (steplocal is a child
 *           subreaper, so grandchildren are its to collect too) and says
 *           when the leader exited and when nothing is left.  Only then
 *           does lambda.c call env_free, which closes the endpoint and the
 *           pipes.  env_free on a group still alive kills and reaps it
 *           first, so no process outlives its environment.
 *   strays  a descendant that left the group (setsid() or setpgid(): a
 *           double-forked daemon) is out of reach of kill(-pgid) and
 *           waitpid(-pgid).  It becomes steplocal's child when its parent
 *           exits (the subreaper again); env_strays_reap collects it when
 *           it exits and env_strays_kill ends it once no live environment
 *           claims it by its AWS_LAMBDA_RUNTIME_API (lambda.c calls both on
 *           SIGCHLD and when the service is freed).
 */

#include "env.h"

#include "interp.h"
#include "rlimits.h"
#include "xalloc.h"

#include <event2/event.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One of the two output pipes. */
typedef struct logpipe {
	env *e;
	int fd;                        /* read end; -1 once closed */
	struct event *ev;
	char *buf;                     /* LAM_LOG_LINE_MAX + 1: a partial line */
	size_t n;
} logpipe;

struct env {
	struct event_base *base;
	env_hooks hooks;
	void *ud;
	rapi *api;
	pid_t pid;                     /* leader and process group id */
	int leader_exited;
	int gone;                      /* no process of the group is left */
	logpipe out, err;
	int statm_fd;                  /* /proc/<pid>/statm, opened on first use; -1 */
	double started;                /* CLOCK_MONOTONIC ms, at posix_spawn */
	size_t log_used;               /* bytes passed on in this budget */
	int log_noted;                 /* the truncation line was written */
};

/* ---- runtimes ---- */

/* How each runtime family starts: the package's own bootstrap, or an
 * interpreter running our bootstrap from the runtime folder. */
static const struct runtime_kind {
	const char *family;
	const char *program;           /* NULL: <code_dir>/bootstrap */
	const char *script;            /* relative to the runtime folder */
	int execution_env;             /* sets AWS_EXECUTION_ENV (not provided.*) */
} kinds[] = {
	{ "provided", NULL, NULL, 0 },
	{ "python", "python3", "python/bootstrap.py", 1 },
	{ "nodejs", "node", "node/bootstrap.js", 1 },
};

static int all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* provided | provided.al2 | provided.al2023 | python3.N | nodejsN.x */
static const struct runtime_kind *kind_of(const char *rt)
{
	size_t n;

	if (!rt)
		return NULL;
	if (!strcmp(rt, "provided") || !strcmp(rt, "provided.al2") || !strcmp(rt, "provided.al2023"))
		return &kinds[0];
	if (!strncmp(rt, "python3.", 8) && all_digits(rt + 8, strlen(rt + 8)))
		return &kinds[1];
	n = strlen(rt);
	if (!strncmp(rt, "nodejs", 6) && n > 8 && !strcmp(rt + n - 2, ".x") &&
	    all_digits(rt + 6, n - 8))
		return &kinds[2];
	return NULL;
}

int env_runtime_known(const char *runtime)
{
	return kind_of(runtime) != NULL;
}

/* ---- building the process ---- */

typedef struct strv {
	char **v;
	int n, cap;
} strv;

static void strv_push(strv *s, char *owned)
{
	if (s->n + 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = xrealloc(s->v, (size_t)s->cap * sizeof(char *));
	}
	s->v[s->n++] = owned;
	s->v[s->n] = NULL;
}

static void strv_free(strv *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* Sets KEY=VALUE, replacing an earlier KEY. */
static void env_set(strv *s, char *owned_kv)
{
	size_t kl = strcspn(owned_kv, "=");
	int i;

	for (i = 0; i < s->n; i++) {
		if (!strncmp(s->v[i], owned_kv, kl) && s->v[i][kl] == '=') {
			free(s->v[i]);
			s->v[i] = owned_kv;
			return;
		}
	}
	strv_push(s, owned_kv);
}

/* Go's text for an errno: glibc's message with a lower-case first letter
 * ("no such file or directory", "permission denied", ...). */
static char *go_errno_text(int err)
{
	char *t = xstrdup(strerror(err));

	t[0] = (char)tolower((unsigned char)t[0]);
	return t;
}

static char *fork_exec_error(const char *path, int err)
{
	char *t = go_errno_text(err), *m = xasprintf("fork/exec %s: %s", path, t);

	free(t);
	return m;
}

/* Whether an errno from posix_spawn means the program cannot be run (as
 * opposed to the machine being out of something). */
static int exec_errno(int err)
{
	switch (err) {
	case ENOENT: case EACCES: case ENOEXEC: case ENOTDIR: case ELOOP:
	case ENAMETOOLONG: case ETXTBSY: case EISDIR: case EPERM: case E2BIG:
		return 1;
	default:
		return 0;
	}
}

static void random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	size_t i, got = 0;

	if (nbytes > sizeof(b))
		nbytes = sizeof(b);
	while (got < nbytes) {
		ssize_t r = getrandom(b + got, nbytes - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* No entropy source: a log stream name need not be secret. */
			for (; got < nbytes; got++)
				b[got] = (unsigned char)(rand() & 0xff);
			break;
		}
		got += (size_t)r;
	}
	for (i = 0; i < nbytes; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* Appends to *out (a ':'-separated list, owned) each folder sub of each
 * layer that exists, the last layer's first: AWS extracts layers into /opt
 * in order, so a later layer's files win. */
static void layer_dirs(char **out, const env_spec *sp, const char *sub)
{
	int n, i;

	for (n = 0; sp->layers && sp->layers[n]; n++)
		;
	for (i = n - 1; i >= 0; i--) {
		char *dir = xasprintf("%s/%s", sp->layers[i], sub), *t;
		struct stat st;

		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			t = *out ? xasprintf("%s:%s", *out, dir) : xstrdup(dir);
			free(*out);
			*out = t;
		}
		free(dir);
	}
}

/* PATH, LD_LIBRARY_PATH and the runtime's library path, with the layers'
 * folders where AWS has /opt's (env.h). */
static void layer_paths(strv *ev, const env_spec *sp, const char *host_path)
{
	char *bin = NULL, *lib = xasprintf("%s:%s/lib", sp->code_dir, sp->code_dir), *sub, *lang = NULL;

	layer_dirs(&bin, sp, "bin");
	env_set(ev, bin ? xasprintf("PATH=%s:%s", host_path, bin) : xasprintf("PATH=%s", host_path));
	layer_dirs(&lib, sp, "lib");
	env_set(ev, xasprintf("LD_LIBRARY_PATH=%s", lib));
	if (!strncmp(sp->runtime, "python", 6)) {
		sub = xasprintf("python/lib/%s/site-packages", sp->runtime);
		layer_dirs(&lang, sp, sub);
		free(sub);
		layer_dirs(&lang, sp, "python");
		if (lang)
			env_set(ev, xasprintf("PYTHONPATH=%s", lang));
	} else if (!strncmp(sp->runtime, "nodejs", 6)) {
		sub = xasprintf("nodejs/node%.*s/node_modules", (int)strcspn(sp->runtime + 6, "."),
				sp->runtime + 6);
		layer_dirs(&lang, sp, sub);
		free(sub);
		layer_dirs(&lang, sp, "nodejs/node_modules");
		if (lang)
			env_set(ev, xasprintf("NODE_PATH=%s", lang));
	}
	free(bin);
	free(lib);
	free(lang);
}

/* The environment of the runtime (lambda-contract.md §2): AWS's reserved
 * variables, LANG and the host's PATH, fake credentials, then the
 * function's own (which may override LANG and PATH only; lambda.c rejects
 * reserved names). */
static void build_env(strv *ev, const env_spec *sp, const struct runtime_kind *k, int port)
{
	const char *host_path = getenv("PATH");
	char day[16], stream[40];
	time_t now = time(NULL);
	struct tm tm;
	int i;

	if (!gmtime_r(&now, &tm) || strftime(day, sizeof(day), "%Y/%m/%d", &tm) == 0)
		snprintf(day, sizeof(day), "1970/01/01");
	random_hex(stream, 16);
	env_set(ev, xasprintf("_HANDLER=%s", sp->handler ? sp->handler : ""));
	env_set(ev, xasprintf("AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d", port));
	env_set(ev, xasprintf("LAMBDA_TASK_ROOT=%s", sp->code_dir));
	env_set(ev, xasprintf("LAMBDA_RUNTIME_DIR=%s", sp->runtime_dir));
	env_set(ev, xasprintf("AWS_LAMBDA_FUNCTION_NAME=%s", sp->function));
	env_set(ev, xstrdup("AWS_LAMBDA_FUNCTION_VERSION=$LATEST"));
	env_set(ev, xasprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", sp->memory));
	env_set(ev, xasprintf("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/%s", sp->function));
	env_set(ev, xasprintf("AWS_LAMBDA_LOG_STREAM_NAME=%s/[$LATEST]%s", day, stream));
	env_set(ev, xasprintf("AWS_REGION=%s", sp->region));
	env_set(ev, xasprintf("AWS_DEFAULT_REGION=%s", sp->region));
	if (k->execution_env)
		env_set(ev, xasprintf("AWS_EXECUTION_ENV=AWS_Lambda_%s", sp->runtime));
	env_set(ev, xstrdup("AWS_LAMBDA_INITIALIZATION_TYPE=on-demand"));
	env_set(ev, xstrdup("TZ=:UTC"));
	env_set(ev, xstrdup("LANG=en_US.UTF-8"));
	layer_paths(ev, sp, host_path ? host_path : "/usr/local/bin:/usr/bin:/bin");
	/* Fake credentials: SDK clients start, and any real call fails. */
	env_set(ev, xstrdup("AWS_ACCESS_KEY_ID=ASIASTEPLOCALFAKEKEY"));
	env_set(ev, xstrdup("AWS_SECRET_ACCESS_KEY=steplocal/fake/secret/access/key/000000"));
	env_set(ev, xstrdup("AWS_SESSION_TOKEN=steplocal-fake-session-token"));
	for (i = 0; sp->env && sp->env[i]; i++)
		env_set(ev, xstrdup(sp->env[i]));
}

static const char *env_get(const strv *ev, const char *key)
{
	size_t kl = strlen(key);
	int i;

	for (i = 0; i < ev->n; i++)
		if (!strncmp(ev->v[i], key, kl) && ev->v[i][kl] == '=')
			return ev->v[i] + kl + 1;
	return NULL;
}

/* ---- logs ---- */

static void log_emit(env *e, char *line, size_t len)
{
	if (e->log_used + len + 1 > LAM_LOG_INVOKE_MAX) {
		if (!e->log_noted) {
			char note[128];
			int n = snprintf(note, sizeof(note), "steplocal: log output truncated: more than "
					 "%d bytes in this invocation", LAM_LOG_INVOKE_MAX);

			e->log_noted = 1;
			e->hooks.log(e->ud, e, note, (size_t)n);
		}
		return;
	}
	e->log_used += len + 1;
	line[len] = '\0';
	e->hooks.log(e->ud, e, line, len);
}

/* Emits the complete lines of the buffer, and the whole buffer when it is
 * full without a newline (a line longer than LAM_LOG_LINE_MAX is split). */
static void pipe_lines(logpipe *lp, int flush)
{
	size_t start = 0;
	char *nl;

	while (start < lp->n && (nl = memchr(lp->buf + start, '\n', lp->n - start)) != NULL) {
		size_t len = (size_t)(nl - (lp->buf + start));

		log_emit(lp->e, lp->buf + start, len);
		start += len + 1;
	}
	if (start > 0) {
		memmove(lp->buf, lp->buf + start, lp->n - start);
		lp->n -= start;
	}
	if (lp->n > 0 && (flush || lp->n == LAM_LOG_LINE_MAX)) {
		log_emit(lp->e, lp->buf, lp->n);
		lp->n = 0;
	}
}

static void pipe_close(logpipe *lp)
{
	if (lp->ev) {
		event_free(lp->ev);
		lp->ev = NULL;
	}
	if (lp->fd >= 0) {
		close(lp->fd);
		lp->fd = -1;
	}
}

/* Reads once: returns the bytes read, 0 when the pipe is empty, -1 when
 * it is closed (end of file or error). */
static ssize_t pipe_read(logpipe *lp)
{
	ssize_t n;

	if (lp->fd < 0)
		return -1;
	do
		n = read(lp->fd, lp->buf + lp->n, LAM_LOG_LINE_MAX - lp->n);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		pipe_lines(lp, 1);
		pipe_close(lp);
		return -1;
	}
	lp->n += (size_t)n;
	pipe_lines(lp, 0);
	return n;
}

static void on_pipe(evutil_socket_t fd, short what, void *arg)
{
	pipe_read(arg);
}

/* Watches a pipe whose read end is already in lp->fd. */
static int pipe_open(env *e, logpipe *lp)
{
	int fl = fcntl(lp->fd, F_GETFL);

	lp->e = e;
	if (fl < 0 || fcntl(lp->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	lp->ev = event_new(e->base, lp->fd, EV_READ | EV_PERSIST, on_pipe, lp);
	if (!lp->ev || event_add(lp->ev, NULL) != 0)
		return -1;
	return 0;
}

void env_drain_logs(env *e)
{
	logpipe *pipes[2] = { &e->out, &e->err };
	struct pollfd pf[2];
	int i;

	/* One poll says which pipe holds anything: a warm invocation that
	 * wrote nothing costs one system call here, not two failed reads. */
	for (i = 0; i < 2; i++) {
		pf[i].fd = pipes[i]->fd;   /* -1: ignored by poll */
		pf[i].events = POLLIN;
		pf[i].revents = 0;
	}
	while (poll(pf, 2, 0) < 0 && errno == EINTR)
		;
	for (i = 0; i < 2; i++) {
		size_t total = 0;
		ssize_t n;

		if (pf[i].revents)
			while (total < LAM_LOG_DRAIN_MAX && (n = pipe_read(pipes[i])) > 0)
				total += (size_t)n;
		if (pipes[i]->n > 0)
			pipe_lines(pipes[i], 1);
	}
}

void env_log_budget(env *e)
{
	e->log_used = 0;
	e->log_noted = 0;
}

/* ---- Runtime API hooks ---- */

static void on_next(void *ud, int first)
{
	env *e = ud;

	e->hooks.next(e->ud, e, first);
}

static void on_answer(void *ud, const rapi_answer *a)
{
	env *e = ud;

	e->hooks.answer(e->ud, e, a);
}

/* ---- spawn ---- */

static void env_destroy(env *e)
{
	pipe_close(&e->out);
	pipe_close(&e->err);
	if (e->statm_fd >= 0)
		close(e->statm_fd);
	free(e->out.buf);
	free(e->err.buf);
	rapi_free(e->api);
	free(e);
}

int env_spawn(struct event_base *base, const env_spec *sp, const env_hooks *hooks, void *ud,
	      env **out, char **err)
{
	static const rapi_hooks rh = { on_next, on_answer };
	const struct runtime_kind *k = kind_of(sp->runtime);
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	strv argv = { 0 }, envv = { 0 };
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	char *prog = NULL, *shown = NULL;
	env *e;
	int rc, ret = ENV_OK;

	*out = NULL;
	*err = NULL;
	if (!k) {
		*err = xasprintf("unsupported runtime %s", sp->runtime ? sp->runtime : "(none)");
		return ENV_SYSTEM;
	}
	e = xcalloc(1, sizeof(*e));
	e->statm_fd = -1;
	e->base = base;
	e->hooks = *hooks;
	e->ud = ud;
	e->out.fd = e->err.fd = -1;
	e->out.buf = xmalloc(LAM_LOG_LINE_MAX + 1);
	e->err.buf = xmalloc(LAM_LOG_LINE_MAX + 1);
	e->api = rapi_new(base, &rh, e);
	if (!e->api) {
		*err = xasprintf("cannot open a Runtime API endpoint on 127.0.0.1: %s", strerror(errno));
		env_destroy(e);
		return ENV_SYSTEM;
	}
	build_env(&envv, sp, k, rapi_port(e->api));

	/* What runs: the package's bootstrap, or the interpreter on ours. */
	if (!k->program) {
		prog = xasprintf("%s/bootstrap", sp->code_dir);
		/* posix_spawn reports exec failures too, but not under every
		 * emulation (valgrind's turns them into exit status 127). */
		if (access(prog, X_OK) != 0) {
			*err = fork_exec_error(prog, errno);
			ret = ENV_ENTRYPOINT;
			goto done;
		}
		strv_push(&argv, xstrdup(prog));
	} else {
		char *script = xasprintf("%s/%s", sp->runtime_dir, k->script);

		prog = interp_find(k->family, sp->runtime, env_get(&envv, "PATH"), sp->code_dir, envv.v);
		if (!prog || access(script, R_OK) != 0) {
			*err = fork_exec_error(prog ? script : k->program, prog ? errno : ENOENT);
			free(script);
			ret = ENV_ENTRYPOINT;
			goto done;
		}
		strv_push(&argv, xstrdup(prog));
		strv_push(&argv, script);
	}
	shown = xstrdup(prog);

	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		*err = xasprintf("cannot create the log pipes: %s", strerror(errno));
		ret = ENV_SYSTEM;
		goto done;
	}
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		*err = xasprintf("posix_spawn_file_actions_init: %s", strerror(rc));
		ret = ENV_SYSTEM;
		goto done;
	}
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		*err = xasprintf("posix_spawnattr_init: %s", strerror(rc));
		ret = ENV_SYSTEM;
		goto done;
	}
	sigfillset(&all);
	sigemptyset(&none);
	/* stdin from /dev/null, stdout and stderr into the pipes, nothing
	 * else inherited; a new process group; default signal dispositions
	 * (steplocal ignores SIGPIPE, which exec would keep) and no mask. */
	if ((rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, po[1], 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, pe[1], 2)) != 0 ||
	    (rc = posix_spawn_file_actions_addchdir_np(&fa, sp->code_dir)) != 0 ||
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0 ||
	    (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
					   POSIX_SPAWN_SETSIGMASK)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&attr, &all)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0) {
		*err = xasprintf("posix_spawn setup: %s", strerror(rc));
		ret = ENV_SYSTEM;
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		e->started = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
		rc = posix_spawn(&e->pid, prog, &fa, &attr, argv.v, envv.v);
		if (rc != 0) {
			*err = exec_errno(rc) ? fork_exec_error(shown, rc)
					      : xasprintf("posix_spawn %s: %s", shown, strerror(rc));
			ret = exec_errno(rc) ? ENV_ENTRYPOINT : ENV_SYSTEM;
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (ret != ENV_OK)
		goto done;

	/* The children hold the write ends now. */
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	e->out.fd = po[0];
	e->err.fd = pe[0];
	po[0] = pe[0] = -1;            /* the environment owns them now */
	if (pipe_open(e, &e->out) != 0 || pipe_open(e, &e->err) != 0) {
		*err = xasprintf("cannot watch the log pipes: %s", strerror(errno));
		env_free(e);
		e = NULL;
		ret = ENV_SYSTEM;
		goto done;
	}
	*out = e;
	e = NULL;
done:
	if (po[0] >= 0)
		close(po[0]);
	if (po[1] >= 0)
		close(po[1]);
	if (pe[0] >= 0)
		close(pe[0]);
	if (pe[1] >= 0)
		close(pe[1]);
	if (e)
		env_destroy(e);
	strv_free(&argv);
	strv_free(&envv);
	free(prog);
	free(shown);
	return ret;
}

/* ---- the process group ---- */

pid_t env_pid(const env *e)
{
	return e->pid;
}

double env_started(const env *e)
{
	return e->started;
}

int env_dispatch(env *e, const rapi_event *ev)
{
	return rapi_dispatch(e->api, ev);
}

void env_kill(env *e, int sig)
{
	if (e->gone || e->pid <= 0)
		return;
	/* ESRCH: every member has exited and awaits env_reap. */
	if (kill(-e->pid, sig) != 0 && errno != ESRCH)
		fprintf(stderr, "steplocal: kill(-%d, %d): %s\n", (int)e->pid, sig, strerror(errno));
}

int env_reap(env *e, int *status)
{
	int flags = 0, st;
	pid_t p;

	if (e->gone)
		return ENV_GONE;
	for (;;) {
		p = waitpid(-e->pid, &st, WNOHANG);
		if (p > 0) {
			if (p == e->pid) {
				e->leader_exited = 1;
				*status = st;
				flags |= ENV_LEADER_EXITED;
			}
			continue;
		}
		if (p == 0)
			break;
		if (errno == EINTR)
			continue;
		/* ECHILD: nothing of the group is left to collect. */
		e->gone = 1;
		flags |= ENV_GONE;
		if (!e->leader_exited) {
			/* Collected by someone else: report it as killed. */
			e->leader_exited = 1;
			*status = SIGKILL;
			flags |= ENV_LEADER_EXITED;
		}
		break;
	}
	return flags;
}

int env_alive(const env *e)
{
	return !e->gone;
}

/* What env.c reads of /proc/PID/stat. */
typedef struct pstat {
	char state;                    /* field 3: R, S, D, Z, ... */
	long ppid, pgrp;               /* fields 4 and 5 */
	long long pages;               /* field 24: resident pages */
} pstat;

static int proc_stat(const char *pid, pstat *ps)
{
	char path[64], buf[1024], *p, *end;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip to the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	for (field = 3; field <= 24; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -1;
		end = p + strcspn(p, " ");
		if (field == 3)
			ps->state = *p;
		else if (field == 4)
			ps->ppid = strtol(p, &end, 10);
		else if (field == 5)
			ps->pgrp = strtol(p, &end, 10);
		else if (field == 24)
			ps->pages = strtoll(p, &end, 10);
		p = end;
	}
	return 0;
}

static int stray_owner(const char *pid, env *const *live, int n);

typedef struct pnode {
	long pid, ppid, pgrp;
	long long pages;
	int owner;                     /* index into v[], -1 none, -2 not known yet */
} pnode;

static int by_pid(const void *a, const void *b)
{
	const pnode *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The environment a process belongs to: its group's, else its parent's
 * (a process that left the group while its parent stayed), else, for a
 * child of this process (a daemon whose parent exited), the one its
 * environment block names.  depth bounds the walk up the parents. */
static int owner_of(pnode *p, pnode *all, size_t np, env *const *v, int n, int depth)
{
	pnode key, *parent;
	char pid[24];

	if (p->owner != -2)
		return p->owner;
	p->owner = -1;
	if (p->ppid == (long)getpid()) {
		snprintf(pid, sizeof(pid), "%ld", p->pid);
		p->owner = stray_owner(pid, v, n);
	} else if (depth > 0) {
		key.pid = p->ppid;
		parent = bsearch(&key, all, np, sizeof(*all), by_pid);
		if (parent)
			p->owner = owner_of(parent, all, np, v, n, depth - 1);
	}
	return p->owner;
}

void env_rss_scan(env *const *v, int n, long long *rss)
{
	long page = sysconf(_SC_PAGESIZE);
	struct dirent *d;
	pnode *all = NULL;
	size_t np = 0, cap = 0, k;
	DIR *dir;
	int i;

	for (i = 0; i < n; i++)
		rss[i] = 0;
	if (n == 0 || !(dir = opendir("/proc")))
		return;
	/* One pass over /proc, then the processes that left their group are
	 * counted with the environment they came from (setsid() takes a
	 * process out of reach of the group, not out of its memory). */
	while ((d = readdir(dir)) != NULL) {
		pstat ps;

		if (!all_digits(d->d_name, strlen(d->d_name)) || proc_stat(d->d_name, &ps) != 0)
			continue;
		if (np == cap)
			all = xrealloc(all, (cap = cap ? cap * 2 : 256) * sizeof(*all));
		all[np].pid = strtol(d->d_name, NULL, 10);
		all[np].ppid = ps.ppid;
		all[np].pgrp = ps.pgrp;
		all[np].pages = ps.pages;
		all[np].owner = -2;
		for (i = 0; i < n; i++)
			if (!v[i]->gone && v[i]->pid == ps.pgrp)
				all[np].owner = i;
		np++;
	}
	closedir(dir);
	qsort(all, np, sizeof(*all), by_pid);
	for (k = 0; k < np; k++)
		if ((i = owner_of(&all[k], all, np, v, n, 64)) >= 0)
			rss[i] += all[k].pages * page;
	free(all);
}

long long env_rss_leader(env *e)
{
	char path[64], buf[256];
	long long size = 0, resident = 0;
	ssize_t n;

	if (e->leader_exited)
		return 0;
	/* Kept open: each pread regenerates the file, one system call per
	 * reading instead of three (it is read after every short invocation). */
	if (e->statm_fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/statm", (int)e->pid);
		e->statm_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (e->statm_fd < 0)
			return 0;
	}
	n = pread(e->statm_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%lld %lld", &size, &resident) != 2)
		return 0;
	return resident * sysconf(_SC_PAGESIZE);
}

/* ---- processes that left their group ---- */

/* Whether the process's environment block (/proc/PID/environ: what it
 * was started with, which a forked process shares and an exec'd one
 * usually passes on) names the Runtime API of one of live.  At most
 * ENV_STRAY_ENVIRON_MAX bytes are searched: a process whose block is
 * larger, or that cleared it, belongs to no environment. */
#define ENV_STRAY_ENVIRON_MAX (128 * 1024)
static int stray_owner(const char *pid, env *const *live, int n)
{
	static const char key[] = "AWS_LAMBDA_RUNTIME_API=127.0.0.1:";
	char path[64], *buf, *p, *end;
	size_t len = 0;
	ssize_t r;
	int fd, i, found = -1;

	if (n == 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%s/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	buf = xmalloc(ENV_STRAY_ENVIRON_MAX + 1);
	while (len < ENV_STRAY_ENVIRON_MAX &&
	       ((r = read(fd, buf + len, ENV_STRAY_ENVIRON_MAX - len)) > 0 || (r < 0 && errno == EINTR)))
		if (r > 0)
			len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	for (p = buf; p < buf + len && found < 0; p += strlen(p) + 1) {
		long port;

		if (strncmp(p, key, sizeof(key) - 1) != 0)
			continue;
		port = strtol(p + sizeof(key) - 1, &end, 10);
		for (i = 0; i < n && found < 0; i++)
			if (!live[i]->gone && *end == '\0' && port == rapi_port(live[i]->api))
				found = i;
	}
	free(buf);
	return found;
}

int env_strays_kill(env *const *live, int n)
{
	pid_t self = getpid();
	struct dirent *d;
	DIR *dir;
	int killed = 0, i, ours;

	if (!(dir = opendir("/proc")))
		return 0;
	while ((d = readdir(dir)) != NULL) {
		pstat ps;
		pid_t pid;

		if (!all_digits(d->d_name, strlen(d->d_name)) || proc_stat(d->d_name, &ps) != 0 ||
		    ps.ppid != self || ps.state == 'Z')
			continue;
		for (ours = 0, i = 0; i < n && !ours; i++)
			ours = !live[i]->gone && live[i]->pid == ps.pgrp;
		if (ours || stray_owner(d->d_name, live, n) >= 0)
			continue;
		pid = (pid_t)strtol(d->d_name, NULL, 10);
		/* A process that made its own group (setsid, setpgid) takes
		 * that group with it. */
		if (ps.pgrp == pid)
			kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		killed++;
	}
	closedir(dir);
	return killed;
}

int env_strays_reap(env *const *live, int n)
{
	int reaped = 0, i, st;

	for (;;) {
		siginfo_t si;
		pid_t pg;

		memset(&si, 0, sizeof(si));
		/* Look first (WNOWAIT): an environment's process is env_reap's. */
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0)
			break;
		pg = getpgid(si.si_pid);
		for (i = 0; i < n; i++)
			if (!live[i]->gone && live[i]->pid == pg)
				break;
		if (i < n || waitpid(si.si_pid, &st, WNOHANG) <= 0)
			break;
		reaped++;
	}
	return reaped;
}

void env_free(env *e)
{
	int st;

	if (!e)
		return;
	if (!e->gone && e->pid > 0) {
		env_kill(e, SIGKILL);
		for (;;) {
			pid_t p = waitpid(-e->pid, &st, 0);

			if (p > 0 || (p < 0 && errno == EINTR))
				continue;
			break;             /* ECHILD: all collected */
		}
		e->gone = 1;
	}
	env_destroy(e);
}
