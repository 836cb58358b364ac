/* hostile.c - a misbehaving Lambda function (provided runtime) for tests/hostile: it speaks the Runtime API itself, with libcurl. */

/*
 * Built by `make test-hostile` into $(B)/tests/hostile/bootstrap.  What it
 * does is chosen by its environment (the project sets it per function) and
 * by each event's "act":
 *
 *   MODE=no_next      never calls /next: sleeps forever in its init
 *   MODE=exit_now     exits with status 2 before calling anything
 *   IGNORE_TERM=1     ignores SIGTERM (its children inherit that)
 *
 *   {"act":"echo"}        answers the event
 *   {"act":"fork_exit"}   forks children and grandchildren that sleep, one
 *                         of them a double-forked daemon in its own session
 *                         (setsid), writes their pids to stdout, exits 0
 *   {"act":"daemon"}      leaves such a daemon behind and answers
 *                         {"daemon": PID}
 *   {"act":"sleep"}       never answers
 *   {"act":"daemon_sleep"} leaves a daemon behind and never answers
 *   {"act":"flood","mb":N,"newlines":true|false}
 *                         writes N MiB to stdout (1 KiB lines, or no
 *                         newline at all), then answers {"written": BYTES}
 *   {"act":"alloc"}       allocates and touches memory without bound
 *   {"act":"daemon_alloc"} leaves a daemon behind that allocates without
 *                         bound, and never answers
 *   {"act":"foreign","steal":ID}
 *                         answers a made-up request id, then ID (another
 *                         invocation's id, if given), then its own id with
 *                         [[status, body], ...] of the two foreign answers
 *   {"act":"twice"}       answers {"n":1}, then again {"n":2}, then posts
 *                         an /error; the refusals are kept for "memo"
 *   {"act":"memo"}        answers what "twice" was told
 *   {"act":"env"}         answers {"env": {...}, "pid", "ppid", "pgid", "sid"}
 *   {"act":"id"}          writes its request id to the file "path", waits
 *                         "wait" seconds, then answers {"id": ID}
 */
#include <curl/curl.h>
#include <cjson/cJSON.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct buf {
	char *p;
	size_t len;
} buf;

extern char **environ;

static char base[256];
static char memo[4096] = "null";

static size_t on_data(char *data, size_t size, size_t n, void *ud)
{
	buf *b = ud;
	char *p = realloc(b->p, b->len + size * n + 1);

	if (!p)
		return 0;
	b->p = p;
	memcpy(b->p + b->len, data, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	static const char name[] = "Lambda-Runtime-Aws-Request-Id:";
	char *id = ud;
	size_t len = size * n;

	if (len > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		size_t i = sizeof(name) - 1, k = 0;

		while (i < len && data[i] == ' ')
			i++;
		while (i < len && data[i] != '\r' && data[i] != '\n' && k < 63)
			id[k++] = data[i++];
		id[k] = '\0';
	}
	return len;
}

/* One request; returns the HTTP status (0 when the API is gone) and the
 * body in *out (owned, may be NULL); id gets the request id header. */
static long call(const char *path, const char *post, char **out, char *id)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	buf b = { NULL, 0 };
	char url[512];
	long status = 0;

	snprintf(url, sizeof(url), "%s%s", base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (id) {
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, id);
	}
	if (post) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (out)
		*out = b.p;
	else
		free(b.p);
	return status;
}

static long answer(const char *id, const char *kind, const char *body, char **reply)
{
	char path[256];

	snprintf(path, sizeof(path), "/2018-06-01/runtime/invocation/%s/%s", id, kind);
	return call(path, body, reply, NULL);
}

static void sleep_forever(void)
{
	for (;;)
		pause();
}

/* A child that sleeps forever, with a grandchild that does too. */
static pid_t sleeper(int grandchild)
{
	pid_t p = fork();

	if (p == 0) {
		if (grandchild && fork() == 0)
			sleep_forever();
		sleep_forever();
	}
	return p;
}

static void alloc_forever(void);

/* A daemon as daemons are made: fork, setsid, fork, the middle one exits.
 * The daemon sleeps, or allocates without bound when hog is set.  Returns
 * the daemon's pid, read back through a pipe. */
static pid_t daemonize(int hog)
{
	int fd[2];
	pid_t mid, d = -1;

	if (pipe(fd) != 0)
		return -1;
	mid = fork();
	if (mid == 0) {
		close(fd[0]);
		setsid();
		d = fork();
		if (d == 0) {
			close(fd[1]);
			if (hog)
				alloc_forever();
			sleep_forever();
		}
		if (write(fd[1], &d, sizeof(d)) != (ssize_t)sizeof(d))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &d, sizeof(d)) != (ssize_t)sizeof(d))
		d = -1;
	close(fd[0]);
	waitpid(mid, NULL, 0);
	return d;
}

static void flood(long mb, int newlines)
{
	char line[1024];
	long i, n = mb * 1024;

	memset(line, 'x', sizeof(line));
	if (newlines)
		line[sizeof(line) - 1] = '\n';
	for (i = 0; i < n; i++)
		if (fwrite(line, 1, sizeof(line), stdout) != sizeof(line))
			break;
	fflush(stdout);
}

static void alloc_forever(void)
{
	for (;;) {
		size_t n = 16u << 20;
		char *p = malloc(n);

		if (p)
			memset(p, 1, n);
	}
}

static const char *str(const cJSON *ev, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *ev, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, k);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static void foreign(const char *id, const cJSON *ev)
{
	cJSON *out = cJSON_CreateArray(), *pair;
	const char *ids[2] = { "00000000-0000-4000-8000-000000000000", str(ev, "steal") };
	char *body, *text;
	int i;

	for (i = 0; i < 2 && ids[i]; i++) {
		long st = answer(ids[i], "response", "{\"from\":\"foreign\"}", &body);

		pair = cJSON_CreateArray();
		cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)st));
		cJSON_AddItemToArray(pair, cJSON_CreateString(body ? body : ""));
		cJSON_AddItemToArray(out, pair);
		free(body);
	}
	text = cJSON_PrintUnformatted(out);
	answer(id, "response", text, NULL);
	free(text);
	cJSON_Delete(out);
}

static void twice(const char *id)
{
	char *b1 = NULL, *b2 = NULL;
	long s1, s2;
	cJSON *m;
	char *text;

	answer(id, "response", "{\"n\":1}", NULL);
	s1 = answer(id, "response", "{\"n\":2}", &b1);
	s2 = answer(id, "error", "{\"errorMessage\":\"late\",\"errorType\":\"Late\"}", &b2);
	m = cJSON_CreateArray();
	cJSON_AddItemToArray(m, cJSON_CreateNumber((double)s1));
	cJSON_AddItemToArray(m, cJSON_CreateString(b1 ? b1 : ""));
	cJSON_AddItemToArray(m, cJSON_CreateNumber((double)s2));
	cJSON_AddItemToArray(m, cJSON_CreateString(b2 ? b2 : ""));
	text = cJSON_PrintUnformatted(m);
	snprintf(memo, sizeof(memo), "%s", text);
	free(text);
	free(b1);
	free(b2);
	cJSON_Delete(m);
}

static void handle(const char *id, const char *body)
{
	cJSON *ev = cJSON_Parse(body);
	const char *act = str(ev, "act");
	char out[256];

	if (!act || !strcmp(act, "echo")) {
		answer(id, "response", body, NULL);
	} else if (!strcmp(act, "fork_exit")) {
		pid_t a = sleeper(1), b = sleeper(0), d = daemonize(0);

		printf("children %d %d daemon %d\n", (int)a, (int)b, (int)d);
		fflush(stdout);
		_exit(0);
	} else if (!strcmp(act, "daemon")) {
		snprintf(out, sizeof(out), "{\"daemon\":%d}", (int)daemonize(0));
		answer(id, "response", out, NULL);
	} else if (!strcmp(act, "sleep")) {
		sleep_forever();
	} else if (!strcmp(act, "daemon_sleep")) {
		printf("daemon %d\n", (int)daemonize(0));
		fflush(stdout);
		sleep_forever();
	} else if (!strcmp(act, "flood")) {
		const cJSON *nl = cJSON_GetObjectItemCaseSensitive(ev, "newlines");
		long mb = (long)num(ev, "mb", 1);

		flood(mb, !cJSON_IsFalse(nl));
		snprintf(out, sizeof(out), "{\"written\":%ld}", mb << 20);
		answer(id, "response", out, NULL);
	} else if (!strcmp(act, "alloc")) {
		alloc_forever();
	} else if (!strcmp(act, "daemon_alloc")) {
		printf("daemon %d\n", (int)daemonize(1));
		fflush(stdout);
		sleep_forever();
	} else if (!strcmp(act, "foreign")) {
		foreign(id, ev);
	} else if (!strcmp(act, "twice")) {
		twice(id);
	} else if (!strcmp(act, "env")) {
		cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "env");
		char **v, *text;

		for (v = environ; *v; v++) {
			const char *eq = strchr(*v, '=');

			if (eq) {
				char *k = strndup(*v, (size_t)(eq - *v));

				cJSON_AddStringToObject(e, k, eq + 1);
				free(k);
			}
		}
		cJSON_AddNumberToObject(o, "pid", (double)getpid());
		cJSON_AddNumberToObject(o, "ppid", (double)getppid());
		cJSON_AddNumberToObject(o, "pgid", (double)getpgrp());
		cJSON_AddNumberToObject(o, "sid", (double)getsid(0));
		text = cJSON_PrintUnformatted(o);
		answer(id, "response", text, NULL);
		free(text);
		cJSON_Delete(o);
	} else if (!strcmp(act, "memo")) {
		answer(id, "response", memo, NULL);
	} else if (!strcmp(act, "id")) {
		FILE *f = str(ev, "path") ? fopen(str(ev, "path"), "w") : NULL;
		struct timespec ts;
		double w = num(ev, "wait", 0);

		if (f) {
			fputs(id, f);
			fclose(f);
		}
		ts.tv_sec = (time_t)w;
		ts.tv_nsec = (long)((w - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		snprintf(out, sizeof(out), "{\"id\":\"%s\"}", id);
		answer(id, "response", out, NULL);
	} else {
		answer(id, "error", "{\"errorMessage\":\"unknown act\",\"errorType\":\"BadAct\"}", NULL);
	}
	cJSON_Delete(ev);
}

int main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API"), *mode = getenv("MODE");
	const char *term = getenv("IGNORE_TERM");

	if (term && !strcmp(term, "1"))
		signal(SIGTERM, SIG_IGN);
	if (mode && !strcmp(mode, "exit_now"))
		return 2;
	if (mode && !strcmp(mode, "no_next")) {
		printf("init: never polling\n");
		fflush(stdout);
		sleep_forever();
	}
	if (!api)
		return 1;
	snprintf(base, sizeof(base), "http://%s", api);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (;;) {
		char id[64] = "", *body = NULL;
		long st = call("/2018-06-01/runtime/invocation/next", NULL, &body, id);

		if (st != 200) {
			free(body);
			return st == 0 ? 0 : 1;
		}
		handle(id, body ? body : "{}");
		free(body);
	}
}
