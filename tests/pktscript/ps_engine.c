/* SPDX-License-Identifier: MIT */
/*
 * ps_engine.c - running a script: one namespace with a script device on
 * the simulated clock, and the events in order.
 *
 * Script time 0 is the virtual time once the namespace is set up. For each
 * line at time T (tolerance t, 4 ms unless --tolerance_usecs):
 *
 *   < datagram   the clock runs to T; the datagram is injected and the
 *                namespace runs what it causes at T.
 *   syscall      the clock runs to T; the call is made (ps_syscall.c: one
 *                that would block stays pending and is retried whenever
 *                the namespace has run); "T1...T2" expects it to return
 *                at T2.
 *   > datagram   the clock runs until the stack has sent a datagram not
 *                yet matched, or T + t; the oldest one must have left in
 *                [T - t, T + t] and match the line field by field.
 *
 * Datagrams the stack sends queue up in order; one still queued when the
 * clock reaches a later line's T - t can match no line (times never go
 * backwards), and fails the script as unexpected right there. After the
 * last line the clock runs t more: anything sent then, or still queued,
 * is unexpected unless --allow_trailing_packets; a call still blocked
 * fails the script too. The first failure ends the script.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <usnet/usnet.h>
#include "dev/scriptdev.h"
#include "net/usnet.h"
#include "pktscript.h"

#define PS_MAX_DGRAM	65535

int ps_fail(struct ps_engine *E, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (E->failed)
		return -1;
	E->failed = true;
	n = line ? snprintf(E->err, sizeof(E->err), "%s:%d: ", E->s->path, line) :
		   snprintf(E->err, sizeof(E->err), "%s: ", E->s->path);
	if (n < 0 || (size_t)n >= sizeof(E->err))
		return -1;
	va_start(ap, fmt);
	vsnprintf(E->err + n, sizeof(E->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

double ps_script_time(const struct ps_engine *E, uint64_t ns)
{
	return (double)((int64_t)ns - (int64_t)E->t0) / 1e9;
}

void ps_log(struct ps_engine *E, const char *fmt, ...)
{
	va_list ap;

	if (!E->verbose)
		return;
	printf("  [%10.6f] ", ps_script_time(E, usn_sim_now()));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* ---- the namespace ------------------------------------------------------- */

static int setup(struct ps_engine *E)
{
	const struct ps_options *o = &E->s->opt;
	uint32_t any = 0;
	int i;

	E->net = usn_net_create("pktscript", 0);
	if (!E->net)
		return ps_fail(E, 0, "usn_net_create: %s", strerror(errno));
	E->ifindex = scriptdev_create(E->net, NULL, o->mtu);
	if (E->ifindex < 0)
		return ps_fail(E, 0, "scriptdev_create: %s", strerror(-E->ifindex));
	if (usn_addr_add(E->net, E->ifindex, AF_INET, &o->local_ip, o->prefixlen) ||
	    usn_link_set_up(E->net, E->ifindex, 1) ||
	    usn_route_add(E->net, AF_INET, &any, 0, NULL, E->ifindex, 0))
		return ps_fail(E, 0, "configuring the script device: %s",
			       strerror(errno));
	for (i = 0; i < o->nsysctl; i++)
		if (usn_sysctl(E->net, o->sysctl[i][0], NULL, NULL, o->sysctl[i][1]))
			return ps_fail(E, 0, "sysctl %s=%s: %s", o->sysctl[i][0],
				       o->sysctl[i][1], strerror(errno));
	if (usn_setns(E->net))
		return ps_fail(E, 0, "usn_setns: %s", strerror(errno));
	E->next_ip_id = 1;
	E->cap_tail = &E->cap;
	return 0;
}

static void cap_free(struct ps_cap *c)
{
	free(c->data);
	free(c);
}

static void teardown(struct ps_engine *E)
{
	struct ps_cap *c;

	ps_calls_free(E);
	for (int i = 0; i < E->nfd; i++)
		usn_close(E->fdmap[i][1]);
	E->nfd = 0;
	while ((c = E->cap)) {
		E->cap = c->next;
		cap_free(c);
	}
	if (E->net) {
		usn_setns(NULL);
		usn_net_destroy(E->net);
		E->net = NULL;
	}
}

/* Moves what the stack sent from the device to the engine's queue. */
static int drain(struct ps_engine *E)
{
	uint8_t buf[PS_MAX_DGRAM];
	struct ps_cap *c;
	uint64_t ts;
	ssize_t n;

	while ((n = scriptdev_take(E->net, E->ifindex, buf, sizeof(buf), &ts)) > 0) {
		c = calloc(1, sizeof(*c));
		if (!c || !(c->data = malloc((size_t)n))) {
			free(c);
			return ps_fail(E, 0, "out of memory");
		}
		memcpy(c->data, buf, (size_t)n);
		c->len = (size_t)n;
		c->ts = ts;
		*E->cap_tail = c;
		E->cap_tail = &c->next;
		if (E->verbose) {
			char d[1024];

			ps_pkt_describe(E, buf, (size_t)n, d, sizeof(d));
			ps_log(E, "sent %s", d);
		}
	}
	return n < 0 ? ps_fail(E, 0, "scriptdev_take: %s", strerror((int)-n)) : 0;
}

static struct ps_cap *cap_pop(struct ps_engine *E)
{
	struct ps_cap *c = E->cap;

	if (c) {
		E->cap = c->next;
		if (!E->cap)
			E->cap_tail = &E->cap;
	}
	return c;
}

/*
 * Runs the namespace up to virtual time @limit, finishing blocked calls
 * as they can, and stops early when @stop_on_packet and a datagram waits.
 */
static int advance(struct ps_engine *E, uint64_t limit, bool stop_on_packet)
{
	uint64_t now, until;
	int r;

	for (;;) {
		usn_sim_run(0);			/* what is due now */
		r = ps_calls_retry(E);
		if (r < 0 || drain(E))
			return -1;
		if (r > 0)
			continue;		/* a call finished: it may have sent */
		if (stop_on_packet && E->cap)
			return 0;
		now = usn_sim_now();
		if (now >= limit)
			return 0;
		until = ps_calls_deadline(E);
		if (until > limit || until <= now)
			until = limit;
		if (sim_run_once(until) < 0)
			return ps_fail(E, 0, "the simulator is stuck");
	}
}

/* ---- events -------------------------------------------------------------- */

static int unexpected(struct ps_engine *E, int line, const struct ps_cap *c,
		      const char *when)
{
	char d[1024];

	ps_pkt_describe(E, c->data, c->len, d, sizeof(d));
	return ps_fail(E, line, "unexpected datagram sent at %.6f %s:\n  actual: %s",
		       ps_script_time(E, c->ts), when, d);
}

static int outbound(struct ps_engine *E, const struct ps_event *ev)
{
	uint64_t due = E->t0 + (uint64_t)ev->time;
	uint64_t tol = (uint64_t)E->s->opt.tolerance;
	struct ps_cap *c;
	char d[1024];
	int ret;

	if (advance(E, due + tol, true))
		return -1;
	c = cap_pop(E);
	if (!c)
		return ps_fail(E, ev->line, "expected datagram not sent by %.6f (expected at %.6f, tolerance %.3f ms):\n  expected: %s",
			       ps_script_time(E, due + tol),
			       ps_script_time(E, due), (double)tol / 1e6,
			       ev->text);
	if (c->ts + tol < due) {
		ps_pkt_describe(E, c->data, c->len, d, sizeof(d));
		ret = ps_fail(E, ev->line, "datagram sent at %.6f, expected at %.6f (tolerance %.3f ms):\n  expected: %s\n  actual:   %s",
			      ps_script_time(E, c->ts), ps_script_time(E, due),
			      (double)tol / 1e6, ev->text, d);
		cap_free(c);
		return ret;
	}
	ret = ps_pkt_check(E, ev->pkt, c->data, c->len);
	if (ret) {
		size_t n = strlen(E->err);

		snprintf(E->err + n, sizeof(E->err) - n, "\n  expected: %s",
			 ev->text);
	}
	cap_free(c);
	return ret;
}

static int inbound(struct ps_engine *E, const struct ps_event *ev)
{
	uint8_t *buf = malloc(PS_MAX_DGRAM);
	int n, err;

	if (!buf)
		return ps_fail(E, ev->line, "out of memory");
	E->building = ev->pkt;
	n = ps_pkt_build(E, ev->pkt, buf, PS_MAX_DGRAM);
	E->building = NULL;
	if (n < 0) {
		free(buf);
		return -1;
	}
	if (E->verbose) {
		char d[1024];

		ps_pkt_describe(E, buf, (size_t)n, d, sizeof(d));
		ps_log(E, "inject %s", d + 2);	/* without "> " */
	}
	err = scriptdev_inject(E->net, E->ifindex, buf, (size_t)n);
	free(buf);
	if (err)
		return ps_fail(E, ev->line, "scriptdev_inject: %s", strerror(-err));
	return 0;
}

static int event(struct ps_engine *E, const struct ps_event *ev)
{
	uint64_t due = E->t0 + (uint64_t)ev->time;
	uint64_t tol = (uint64_t)E->s->opt.tolerance;

	if (ev->type == PS_EV_PACKET && ev->pkt->dir == '>')
		return outbound(E, ev);
	if (advance(E, due, false))
		return -1;
	/* Sent so long ago that no line from here on can match it. */
	if (E->cap && E->cap->ts + tol < due)
		return unexpected(E, ev->line, E->cap, "(before this line)");
	ps_log(E, "line %d: %s", ev->line, ev->text);
	if (ev->type == PS_EV_PACKET) {
		if (inbound(E, ev))
			return -1;
	} else if (ps_call_start(E, ev) < 0) {
		return -1;
	}
	return advance(E, due, false);
}

static int run_events(struct ps_engine *E)
{
	const struct ps_script *s = E->s;
	uint64_t end;
	struct ps_call *c;

	for (int i = 0; i < s->nev; i++)
		if (event(E, &s->ev[i]))
			return -1;
	end = E->t0 + (uint64_t)s->ev[s->nev - 1].time +
	      (uint64_t)s->opt.tolerance;
	if (advance(E, end, false))
		return -1;
	if (E->cap && !s->opt.allow_trailing)
		return unexpected(E, 0, E->cap, "after the last line");
	for (c = E->pending; c; c = c->next)
		if (!c->next)	/* the oldest: calls are pushed in front */
			return ps_fail(E, c->ev->line, "%s still blocked at the end of the script",
				       c->ev->call->name);
	return 0;
}

int ps_run(struct ps_script *s, bool verbose, char *err, size_t errlen)
{
	struct ps_engine *E = calloc(1, sizeof(*E));
	int ret;

	if (!E) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	E->s = s;
	E->verbose = verbose;
	ret = setup(E);
	if (!ret) {
		/* Whatever setting up sent (nothing, on a NOARP device) is not the script's. */
		if (advance(E, usn_sim_now(), false) == 0) {
			while (E->cap)
				cap_free(cap_pop(E));
			E->t0 = usn_sim_now();
			ret = run_events(E);
		} else {
			ret = -1;
		}
	}
	teardown(E);
	if (ret)
		snprintf(err, errlen, "%s", E->err);
	free(E);
	return ret ? -1 : 0;
}
