/* SPDX-License-Identifier: MIT */
/*
 * win_minmax.c - the windowed minimum of a measurement, after
 * lib/win_minmax.c: Kathleen Nichols' algorithm keeps the best, second
 * best and third best samples of the window, each from a later
 * sub-window, so the minimum over the last @win time units is known in
 * constant space and time. TCP's min-RTT filter (tcp_min_rtt_wlen) uses
 * it with jiffies.
 */
#include "transport/tcp/tcp_var.h"

static void minmax_reset_to(struct minmax *m, uint32_t t, uint32_t v)
{
	m->s[0].t = m->s[1].t = m->s[2].t = t;
	m->s[0].v = m->s[1].v = m->s[2].v = v;
}

/*
 * The best sample aged out of the window (or the others should move up
 * to keep them spread over it): shift the candidates along.
 */
static uint32_t minmax_subwin_update(struct minmax *m, uint32_t win,
				     uint32_t t, uint32_t v)
{
	uint32_t dt = t - m->s[0].t;

	if (dt > win) {
		m->s[0] = m->s[1];
		m->s[1] = m->s[2];
		m->s[2].t = t;
		m->s[2].v = v;
		if (t - m->s[0].t > win) {
			m->s[0] = m->s[1];
			m->s[1] = m->s[2];
		}
	} else if (m->s[1].t == m->s[0].t && dt > win / 4) {
		/* A quarter of the window without a better 2nd: take this one. */
		m->s[2].t = m->s[1].t = t;
		m->s[2].v = m->s[1].v = v;
	} else if (m->s[2].t == m->s[1].t && dt > win / 2) {
		m->s[2].t = t;
		m->s[2].v = v;
	}
	return m->s[0].v;
}

/* Adds the sample @v taken at @t; returns the minimum over the window. */
uint32_t minmax_running_min(struct minmax *m, uint32_t win, uint32_t t,
			    uint32_t v)
{
	/* Empty (0), a new minimum, or nothing left in the window. */
	if (!m->s[0].v || v <= m->s[0].v || t - m->s[2].t > win) {
		minmax_reset_to(m, t, v);
		return v;
	}
	if (v <= m->s[1].v) {
		m->s[2].t = m->s[1].t = t;
		m->s[2].v = m->s[1].v = v;
	} else if (v <= m->s[2].v) {
		m->s[2].t = t;
		m->s[2].v = v;
	}
	return minmax_subwin_update(m, win, t, v);
}
