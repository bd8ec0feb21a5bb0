/* SPDX-License-Identifier: MIT */
/*
 * net.h - struct usn_net, a network namespace, and what every layer needs
 * of it: its lock, its clock, its timers, its sysctls and its random source.
 *
 * A namespace is driven in one of three modes that share every other line
 * of code (exec.c):
 *   threaded  - a stack thread per namespace drains device receive queues
 *               and runs timers; callers do their own protocol work under
 *               the namespace lock; blocking calls sleep on a waiter.
 *   external  - like threaded on the real clock, but the program drives the
 *               namespace from its own event loop (usn_net_fd/usn_net_step).
 *   simulated - one thread, a virtual clock shared by every namespace of the
 *               process, seeded randomness; blocking calls run the
 *               scheduler (sim.c) until they can return.
 *
 * Lock order: a namespace lock, then a waiter's lock or a memlink queue lock
 * (leaves). Two namespace locks are never held together.
 */
#ifndef USN_NET_NET_H
#define USN_NET_NET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/list.h"
#include "core/random.h"
#include "core/skbuff.h"
#include "core/timer.h"
#include "net/sysctl.h"

struct net_device;
struct net_trace;
struct netns_ipv4;
struct netns_packet;
struct netns_netlink;

enum net_mode {
	NET_MODE_THREADED,
	NET_MODE_EXTERNAL,
	NET_MODE_SIMULATED,
};

#define PTYPE_HASH_SIZE	16

struct net_exec {
	pthread_t		thread;
	bool			thread_running;
	bool			stop;
	int			epfd;		/* stack thread / usn_net_fd() */
	int			wake_fd;	/* eventfd: kicks the stack thread */
	int			timer_fd;	/* external mode: next deadline */
};

struct usn_net {
	pthread_mutex_t		lock;
	char			name[32];
	unsigned int		id;
	enum net_mode		mode;
	atomic_int		refcnt;
	bool			dead;		/* usn_net_destroy() ran */
	bool			in_softirq;	/* net_rx_action() is running */
	struct list_head	all_list;	/* every namespace of the process */

	struct timer_base	timers;
	/*
	 * Housekeeping timers (garbage collection) that must not wake an idle
	 * namespace, as the kernel's deferrable timers: they run when the
	 * namespace runs anyway, and never count as its next event.
	 */
	struct timer_base	timers_deferrable;
	struct usn_rnd		rnd;

	/* Link layer */
	struct list_head	dev_base_head;
	int			ifindex_next;
	struct net_device	*loopback_dev;
	struct list_head	ptype_all;
	struct list_head	ptype_base[PTYPE_HASH_SIZE];
	struct sk_buff_head	backlog;	/* netif_rx() queue */
	struct list_head	poll_list;	/* devices with rx work */

	/* Sockets */
	atomic_int		sockets;	/* allocated in this namespace */

	struct netns_sysctl	sysctl;
	struct netns_ipv4	*ipv4;		/* network/ipv4: NULL until it is set up */
	struct netns_packet	*packet;	/* family/packet: its sockets */
	struct netns_netlink	*netlink;	/* family/netlink: its sockets */
	struct net_trace	*trace;
	struct net_exec		exec;
};

/* Per-namespace setup of a subsystem, after register_pernet_subsys(). */
struct pernet_operations {
	const char		*name;
	int			(*init)(struct usn_net *net);
	void			(*exit)(struct usn_net *net);
	struct list_head	list;
};

int register_pernet_subsys(struct pernet_operations *ops);
void unregister_pernet_subsys(struct pernet_operations *ops);

struct usn_net *net_current(void);
struct usn_net *net_default(void);
struct usn_net *get_net(struct usn_net *net);
void put_net(struct usn_net *net);

uint64_t usn_clock_now(void);

/*
 * The real clock is read once per hold of a namespace lock, not at every
 * jiffies or timestamp read, as the kernel reads jiffies from a variable
 * the tick updates and TCP refreshes tcp_mstamp once per event: a hold is
 * one system call's or one softirq pass's work, and time only has to be
 * monotonic from one holder to the next (each reads the clock after it got
 * the lock). A virtual clock is a variable already: not cached.
 */
struct net_clock {
	const struct usn_net	*net;	/* the namespace locked, NULL: none */
	uint64_t		now;
};

extern __thread struct net_clock net_clock_held;

static inline void net_clock_take(struct usn_net *net)
{
	if (net->mode != NET_MODE_SIMULATED) {
		net_clock_held.now = usn_clock_now();
		net_clock_held.net = net;
	}
}

/* Before the lock is dropped: nobody may read a stale time after it. */
static inline void net_clock_drop(void)
{
	net_clock_held.net = NULL;
}

static inline void net_lock(struct usn_net *net)
{
	pthread_mutex_lock(&net->lock);
	net_clock_take(net);
}

/* Unlocks, first running receive work this thread raised (a softirq on bh enable). */
void net_unlock(struct usn_net *net);

/*
 * The namespace clock, in ns: virtual in simulated mode, CLOCK_MONOTONIC
 * otherwise (as read when this thread took @net's lock, if it holds it).
 */
uint64_t net_now(const struct usn_net *net);

static inline uint64_t net_jiffies(const struct usn_net *net)
{
	return ns_to_jiffies(net_now(net));
}

/* Random numbers from the namespace's (seeded, in simulated mode) source. */
static inline uint32_t net_random_u32(struct usn_net *net)
{
	return usn_rnd_u32(&net->rnd);
}

#endif
