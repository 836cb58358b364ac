/* floors.c - the machine's floors for the Lambda figures of `make bench`: process start and one loopback HTTP round trip.
 *
 *   floors exec N PROGRAM [ARG...]
 *       fork + execv + waitpid of PROGRAM, N times.  Prints
 *       {"what":"exec","n":N,"median_us":M,"p99_us":P}.
 *   floors http N [P]
 *       A libevent evhttp server (this process) and P libcurl clients
 *       (forked children: the two sides of the Runtime API, the C runtime
 *       client being libcurl; P = 1 by default), each doing N GET round
 *       trips on one kept-alive connection, then N on a new connection
 *       each.  Prints {"what":"http","n":N,"clients":P,
 *       "keepalive_median_us":..,"keepalive_p99_us":..,"fresh_median_us":..,
 *       "fresh_p99_us":..,"keepalive_per_s":..}: the medians and p99s are
 *       the clients' means, keepalive_per_s the kept-alive round trips of
 *       all clients per second of the slowest one.
 *
 * Each time is measured with CLOCK_MONOTONIC around one operation.  Exit
 * status 0, or 1 with a reason on stderr. */
#include "bstats.h"

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BODY "{\"ok\":true,\"n\":12345}"

static int floor_exec(int n, char **argv)
{
	double *t = calloc((size_t)n, sizeof(*t));
	int i, st;

	if (!t)
		return 1;
	for (i = 0; i < n; i++) {
		double t0 = bs_now_us();
		pid_t pid = fork();

		if (pid < 0) {
			perror("floors: fork");
			return 1;
		}
		if (pid == 0) {
			execv(argv[0], argv);
			_exit(127);
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR) {
				perror("floors: waitpid");
				return 1;
			}
		t[i] = bs_now_us() - t0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "floors: %s failed (wait status %d)\n", argv[0], st);
			return 1;
		}
	}
	bs_sort(t, (size_t)n);
	printf("{\"what\":\"exec\",\"n\":%d,\"median_us\":%.1f,\"p99_us\":%.1f}\n", n,
	       bs_pct(t, (size_t)n, 50), bs_pct(t, (size_t)n, 99));
	free(t);
	return 0;
}

/* ---- http ---- */

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* The client side, in a child: writes one line of five numbers to fd
 * (kept-alive median, p99, new-connection median, p99 in µs, and the
 * kept-alive phase's seconds). */
static int http_client(int port, int n, int fd)
{
	double *ka = calloc((size_t)n, sizeof(double)), *fr = calloc((size_t)n, sizeof(double));
	char url[64], line[512];
	double elapsed = 0;
	CURL *c;
	int i, pass;

	if (!ka || !fr || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c = curl_easy_init()))
		return 1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/2018-06-01/runtime/invocation/next", port);
	for (pass = 0; pass < 2; pass++) {
		double *t = pass ? fr : ka;

		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(c, CURLOPT_FORBID_REUSE, (long)pass);
		/* One untimed request opens the kept-alive connection. */
		if (!pass && curl_easy_perform(c) != CURLE_OK)
			return 1;
		if (!pass)
			elapsed = bs_now_us();
		for (i = 0; i < n; i++) {
			double t0 = bs_now_us();
			CURLcode rc = curl_easy_perform(c);

			t[i] = bs_now_us() - t0;
			if (rc != CURLE_OK) {
				fprintf(stderr, "floors: GET: %s\n", curl_easy_strerror(rc));
				return 1;
			}
		}
		if (!pass)
			elapsed = (bs_now_us() - elapsed) / 1e6;
		bs_sort(t, (size_t)n);
	}
	snprintf(line, sizeof(line), "%.1f %.1f %.1f %.1f %.6f\n",
		 bs_pct(ka, (size_t)n, 50), bs_pct(ka, (size_t)n, 99),
		 bs_pct(fr, (size_t)n, 50), bs_pct(fr, (size_t)n, 99), elapsed);
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		return 1;
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return 0;
}

static void on_request(struct evhttp_request *req, void *ud)
{
	struct evbuffer *b = evhttp_request_get_output_buffer(req);

	(void)ud;
	evbuffer_add(b, BODY, sizeof(BODY) - 1);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", NULL);
}

#define MAX_CLIENTS 16

/* What one client child writes, gathered by the server's loop. */
typedef struct result {
	struct event_base *base;
	struct event *ev;
	int *open;                     /* shared: clients still writing */
	char buf[256];
	size_t len;
} result;

static void on_result(evutil_socket_t fd, short what, void *ud)
{
	result *r = ud;
	ssize_t k = read(fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len);

	(void)what;
	if (k > 0) {
		r->len += (size_t)k;
		return;
	}
	event_del(r->ev);
	if (--*r->open == 0)
		event_base_loopbreak(r->base);
}

static int floor_http(int n, int clients)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = base ? evhttp_new(base) : NULL;
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	result r[MAX_CLIENTS];
	pid_t pid[MAX_CLIENTS];
	double sum[4] = { 0 }, slowest = 0;
	int open = clients, i, st, rc = 0;

	if (!http || !(bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0)) ||
	    getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sa, &sl) != 0) {
		fprintf(stderr, "floors: cannot start the HTTP server\n");
		return 1;
	}
	evhttp_set_gencb(http, on_request, NULL);
	fflush(NULL);
	for (i = 0; i < clients; i++) {
		int p[2];

		memset(&r[i], 0, sizeof(r[i]));
		r[i].base = base;
		r[i].open = &open;
		if (pipe(p) != 0 || (pid[i] = fork()) < 0) {
			perror("floors: client");
			return 1;
		}
		if (pid[i] == 0) {
			close(p[0]);
			close(evhttp_bound_socket_get_fd(bs));
			_exit(http_client(ntohs(sa.sin_port), n, p[1]));
		}
		close(p[1]);
		r[i].ev = event_new(base, p[0], EV_READ | EV_PERSIST, on_result, &r[i]);
		event_add(r[i].ev, NULL);
	}
	event_base_dispatch(base);
	for (i = 0; i < clients; i++) {
		double v[5];

		while (waitpid(pid[i], &st, 0) < 0 && errno == EINTR)
			;
		event_free(r[i].ev);
		r[i].buf[r[i].len] = '\0';
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
		    sscanf(r[i].buf, "%lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3], &v[4]) != 5) {
			fprintf(stderr, "floors: an HTTP client failed (wait status %d)\n", st);
			rc = 1;
			continue;
		}
		sum[0] += v[0];
		sum[1] += v[1];
		sum[2] += v[2];
		sum[3] += v[3];
		if (v[4] > slowest)
			slowest = v[4];
	}
	evhttp_free(http);
	event_base_free(base);
	if (rc)
		return rc;
	printf("{\"what\":\"http\",\"n\":%d,\"clients\":%d,\"keepalive_median_us\":%.1f,"
	       "\"keepalive_p99_us\":%.1f,\"fresh_median_us\":%.1f,\"fresh_p99_us\":%.1f,"
	       "\"keepalive_per_s\":%.0f}\n", n, clients, sum[0] / clients, sum[1] / clients,
	       sum[2] / clients, sum[3] / clients, slowest > 0 ? (double)n * clients / slowest : 0);
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 0;

	if (argc >= 4 && !strcmp(argv[1], "exec") && n > 0)
		return floor_exec(n, argv + 3);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "http") && n > 0) {
		int clients = argc == 4 ? atoi(argv[3]) : 1;

		if (clients >= 1 && clients <= MAX_CLIENTS)
			return floor_http(n, clients);
	}
	fprintf(stderr, "usage: floors exec N PROGRAM [ARG...] | floors http N [CLIENTS]\n");
	return 2;
}
