/* interp.c - the interpreter a python3.N or nodejsN.x environment runs (see interp.h). */
#include "interp.h"

#include "rlimits.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What was found, per family, runtime and PATH: process-wide, never freed
 * (a handful of entries), only added to from the event loop's thread. */
typedef struct memo {
	struct memo *next;
	char *key;
	char *prog;
} memo;

static memo *memos;

/* Finds prog in PATH (an empty entry is the current folder); returns an
 * owned path or NULL. */
static char *path_search(const char *prog, const char *path)
{
	const char *p = path, *colon;

	while (p && *p) {
		size_t n;
		char *cand;

		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		cand = xasprintf("%.*s/%s", (int)n, n ? p : ".", prog);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p = colon ? colon + 1 : NULL;
	}
	return NULL;
}

/* Whether the file starts with "#!": a script, not the interpreter. */
static int is_script(const char *path)
{
	char head[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, head, sizeof(head));
	close(fd);
	return n == 2 && head[0] == '#' && head[1] == '!';
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Runs argv (argv[0] a path) in cwd with envp, in a process group of its
 * own, and collects at most cap - 1 bytes of its stdout into out.  Waits
 * LAM_INTERP_PROBE_MS at most; the whole group is killed and reaped before
 * returning.  Returns 0 when it exited with status 0. */
static int probe(char *const argv[], const char *cwd, char *const envp[], char *out, size_t cap)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	double deadline = mono_ms() + LAM_INTERP_PROBE_MS;
	size_t len = 0;
	pid_t pid = -1;
	int p[2], st = 0, rc;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	rc = posix_spawn_file_actions_init(&fa);
	if (rc == 0 && (rc = posix_spawnattr_init(&attr)) != 0)
		posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) == 0 &&
	    posix_spawn_file_actions_adddup2(&fa, p[1], 1) == 0 &&
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0) == 0 &&
	    posix_spawn_file_actions_addchdir_np(&fa, cwd) == 0 &&
	    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP) == 0 &&
	    posix_spawnattr_setpgroup(&attr, 0) == 0 &&
	    posix_spawn(&pid, argv[0], &fa, &attr, argv, envp) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[1]);
	if (pid > 0) {
		for (;;) {
			struct pollfd pf = { p[0], POLLIN, 0 };
			double left = deadline - mono_ms();
			ssize_t n;

			if (left <= 0)
				break;
			rc = poll(&pf, 1, (int)left + 1);
			if (rc < 0 && errno == EINTR)
				continue;
			if (rc <= 0)
				break;
			n = read(p[0], out + len, cap - 1 - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
			if (len == cap - 1)
				break;
		}
		out[len] = '\0';
		/* Whatever the shim left behind goes with it. */
		kill(-pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		while (waitpid(-pid, NULL, WNOHANG) > 0)
			;
	}
	close(p[0]);
	return pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Asks the shim at path which program it starts: an owned absolute path
 * (and its version into ver), or NULL. */
static char *resolve_shim(const char *family, const char *path, const char *cwd,
			  char *const envp[], char *ver, size_t vcap)
{
	static const char py[] = "import sys;print(sys.executable);print('%d.%d'%sys.version_info[:2])";
	static const char js[] = "console.log(process.execPath);console.log(process.versions.node)";
	char out[4096 + 64], *nl, *real;
	char *argv[4];

	argv[0] = (char *)path;
	argv[1] = (char *)(strcmp(family, "python") ? "-e" : "-c");
	argv[2] = (char *)(strcmp(family, "python") ? js : py);
	argv[3] = NULL;
	if (probe(argv, cwd, envp, out, sizeof(out)) != 0 || out[0] != '/' || !(nl = strchr(out, '\n')))
		return NULL;
	*nl = '\0';
	snprintf(ver, vcap, "%.*s", (int)strcspn(nl + 1, "\r\n"), nl + 1);
	if (access(out, X_OK) != 0 || is_script(out))
		return NULL;
	real = realpath(out, NULL);
	return real ? real : xstrdup(out);
}

/* "3.11" from a path whose real name is python3.11; else "". */
static void version_from_name(const char *path, char *ver, size_t vcap)
{
	char *real = realpath(path, NULL);
	const char *base = real ? strrchr(real, '/') : NULL;

	ver[0] = '\0';
	if (base && !strncmp(base + 1, "python", 6) && strchr(base + 7, '.'))
		snprintf(ver, vcap, "%s", base + 7);
	free(real);
}

/* Whether version ver (3.11 | 20.11.1) is the one runtime names. */
static int same_version(const char *family, const char *runtime, const char *ver)
{
	if (!strcmp(family, "python"))
		return !strcmp(runtime + strlen("python"), ver);
	/* nodejs20.x: the major version. */
	return !strncmp(runtime + strlen("nodejs"), ver, strcspn(ver, ".")) &&
	       runtime[strlen("nodejs") + strcspn(ver, ".")] == '.';
}

char *interp_find(const char *family, const char *runtime, const char *path, const char *cwd,
		  char *const envp[])
{
	const char *cands[2];
	char *key = xasprintf("%s\n%s\n%s", family, runtime, path ? path : ""), *prog = NULL;
	char ver[64] = "";
	memo *m;
	int i, nc;

	for (m = memos; m; m = m->next)
		if (!strcmp(m->key, key)) {
			free(key);
			return xstrdup(m->prog);
		}
	if (!strcmp(family, "python")) {
		cands[0] = runtime;            /* python3.12 */
		cands[1] = "python3";
		nc = 2;
	} else {
		cands[0] = "node";
		nc = 1;
	}
	for (i = 0; i < nc && !prog; i++) {
		char *found = path_search(cands[i], path);

		if (!found)
			continue;
		if (!is_script(found)) {
			if (!strcmp(family, "python"))
				version_from_name(found, ver, sizeof(ver));
			prog = found;
		} else if (i < nc - 1) {
			/* A shim of the exact version (pyenv's python3.12) takes
			 * longest to fail when that version is not selected:
			 * only a real interpreter of that name is taken. */
			free(found);
		} else {
			/* A shim: asked once.  One that fails is run as it is,
			 * to explain itself. */
			prog = resolve_shim(family, found, cwd, envp, ver, sizeof(ver));
			if (prog)
				free(found);
			else
				prog = found;
		}
	}
	if (!prog) {
		free(key);
		return NULL;
	}
	if (ver[0] && !same_version(family, runtime, ver)) {
		fprintf(stderr, "steplocal: runtime %s runs on %s %s here (%s)\n", runtime,
			strcmp(family, "python") ? "Node.js" : "Python", ver, prog);
	}
	m = xmalloc(sizeof(*m));
	m->key = key;
	m->prog = xstrdup(prog);
	m->next = memos;
	memos = m;
	return prog;
}
