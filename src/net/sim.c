/* SPDX-License-Identifier: MIT */
/*
 * sim.c - the simulator: one thread, a virtual clock, every namespace
 * stepped in creation order. Given the same seed and the same calls, a run
 * makes the same decisions at the same virtual times, byte for byte.
 *
 * A round steps each namespace at the current time, repeating while any
 * had work (a frame handed to a peer at zero delay is delivered in the same
 * virtual instant). When all are idle the clock jumps to the earliest
 * pending event, but never past the caller's limit.
 */
#include <errno.h>
#include "net/exec.h"
#include "net/net.h"
#include "net/usnet.h"

static uint64_t sim_clock = 1000000000ULL;	/* starts at 1 s: jiffies > 0 */

uint64_t sim_now(void)
{
	return sim_clock;
}

/* Steps every namespace once at the current time; returns the work done. */
static int sim_step_all(void)
{
	struct usn_net *net;
	int work = 0;

	/* Lock order: the process lock, then a namespace lock. */
	pthread_mutex_lock(&usn_g.lock);
	list_for_each_entry(net, &usn_g.nets, all_list) {
		net_lock(net);
		work += net_step(net);
		net_unlock(net);
	}
	pthread_mutex_unlock(&usn_g.lock);
	return work;
}

static uint64_t sim_next_event(void)
{
	uint64_t next = NET_DEADLINE_NONE, t;
	struct usn_net *net;

	pthread_mutex_lock(&usn_g.lock);
	list_for_each_entry(net, &usn_g.nets, all_list) {
		net_lock(net);
		t = net_next_event(net);
		net_unlock(net);
		if (t < next)
			next = t;
	}
	pthread_mutex_unlock(&usn_g.lock);
	return next;
}

int sim_run_once(uint64_t limit)
{
	uint64_t next;

	if (sim_step_all())
		return 1;
	next = sim_next_event();
	if (next == NET_DEADLINE_NONE && limit == NET_DEADLINE_NONE)
		return -EDEADLK;	/* nothing could ever happen: a stuck simulation */
	if (next <= sim_clock)
		return 1;		/* due now: the next round runs it */
	sim_clock = next < limit ? next : limit;
	return 0;
}

__public int usn_sim_run(uint64_t ns)
{
	uint64_t limit;

	usn_start();
	if (!usn_simulated()) {
		errno = EINVAL;
		return -1;
	}
	net_default();
	limit = sim_clock + ns;
	while (sim_clock < limit)
		sim_run_once(limit);
	/* Finish what is due at the limit itself. */
	while (sim_step_all())
		;
	return 0;
}

__public uint64_t usn_sim_now(void)
{
	return sim_clock;
}
