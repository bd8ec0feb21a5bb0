/* SPDX-License-Identifier: MIT */
/*
 * exec.h - how a namespace runs: its softirq step, its stack thread
 * (threaded mode), its fd and step call (external mode), and how a blocked
 * call sleeps in each mode.
 */
#ifndef USN_NET_EXEC_H
#define USN_NET_EXEC_H

#include <stdint.h>
#include "core/wait.h"

struct usn_net;
struct net_device;

#define NET_DEADLINE_NONE	UINT64_MAX

int exec_init(struct usn_net *net);
int exec_start(struct usn_net *net);
void exec_stop(struct usn_net *net);
void exec_free(struct usn_net *net);

/* One softirq pass (timers, device receive, backlog); namespace locked. */
int net_step(struct usn_net *net);
/* Process-clock time (ns) of the namespace's next event; NET_DEADLINE_NONE if none. */
uint64_t net_next_event(struct usn_net *net);

/*
 * Tells the namespace that work arrives at @when (ns) from outside its lock
 * (a memlink peer's frame): wakes its stack thread if it sleeps past that.
 */
void net_kick(struct usn_net *net, uint64_t when);
/*
 * A frame due now was queued for @net from outside its lock by a device of
 * @from (whose lock is held): this thread takes it up @net's stack itself
 * after it drops @from's lock if it can, or kicks @net's stack thread.
 */
void net_rx_schedule(struct usn_net *from, struct usn_net *net);
/* A device's rx_fd joins or leaves the set the namespace waits on. */
int exec_watch_fd(struct usn_net *net, struct net_device *dev, bool on);

/*
 * Sleeps until @w is woken or @deadline (process clock, ns) passes; no
 * namespace lock held. @drive lists the external-mode namespaces this
 * thread must run meanwhile. 0 when woken, -ETIMEDOUT, or -EDEADLK when a
 * simulation has nothing left that could ever wake it.
 */
int waiter_sleep(struct usn_waiter *w, struct usn_net *const *drive,
		 unsigned int ndrive, uint64_t deadline);
/* waiter_sleep() for one socket's namespace, whose lock the caller holds. */
int net_wait(struct usn_net *net, struct usn_waiter *w, uint64_t deadline);

#endif
