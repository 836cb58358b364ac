/* evloop.c - the executor on a libevent loop (see evloop.h). */
#include "evloop.h"

#include <event2/event.h>
#include <math.h>
#include <stdlib.h>
#include <sys/time.h>

#include "xalloc.h"

struct sl_loop {
	struct event_base *base;
	sl_engine *g;
	struct event *poll_ev;    /* activated to poll the engine */
	struct event *timer_ev;   /* the engine's next timer */
	int stopping;
	int serving;              /* loop_serve: idle is not the end */
};

/* Polls the engine, then arms the libevent timer for the engine's next
 * due time, or ends the loop when nothing runs any more. */
static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	sl_loop *l = arg;
	double due, d;
	int running;

	(void)fd;
	(void)what;
	running = ex_engine_poll(l->g, &due);
	if ((!running && !l->serving) || l->stopping) {
		event_base_loopexit(l->base, NULL);
		return;
	}
	if (due > 0) {
		struct timeval tv;

		d = due - ex_engine_now(l->g);
		if (d < 0)
			d = 0;
		tv.tv_sec = (time_t)floor(d);
		tv.tv_usec = (suseconds_t)((d - floor(d)) * 1e6);
		evtimer_add(l->timer_ev, &tv);
	} else {
		evtimer_del(l->timer_ev);
	}
}

sl_loop *loop_new(struct event_base *base, sl_engine *g)
{
	sl_loop *l = xcalloc(1, sizeof *l);

	l->base = base;
	l->g = g;
	l->poll_ev = event_new(base, -1, 0, on_poll, l);
	l->timer_ev = evtimer_new(base, on_poll, l);
	if (!l->poll_ev || !l->timer_ev)
		abort(); /* only fails on allocation */
	return l;
}

void loop_free(sl_loop *l)
{
	if (!l)
		return;
	event_free(l->poll_ev);
	event_free(l->timer_ev);
	free(l);
}

void loop_kick(sl_loop *l)
{
	/* Activating an event that is already active changes nothing. */
	event_active(l->poll_ev, 0, 0);
}

int loop_run(sl_loop *l)
{
	l->stopping = 0;
	loop_kick(l);
	event_base_dispatch(l->base);
	return 0;
}

int loop_serve(sl_loop *l)
{
	l->serving = 1;
	return loop_run(l);
}

void loop_stop(sl_loop *l)
{
	l->stopping = 1;
	loop_kick(l);
}
