/* SPDX-License-Identifier: MIT */
/*
 * wait.h - wait queues and waiters: how a blocking call sleeps until an
 * event on a socket, in every execution mode.
 *
 * Each thread has one waiter (waiter_current()). To block, a call adds an
 * entry for its waiter to the wait queue of what it waits on (a socket),
 * clears the waiter, checks its condition under the namespace lock, and if
 * it must wait, calls net_wait() (exec.c), which unlocks the namespace and
 * sleeps until a wake_up() on any queue the waiter is on, or the deadline.
 * A wake_up() always runs under the namespace lock of the queue's owner, so
 * no wakeup falls between the check and the sleep. poll() puts one waiter
 * on the queues of many sockets, possibly in several namespaces.
 *
 * How the waiter sleeps depends on the mode: a condition variable
 * (threaded), an eventfd polled together with the namespaces the thread
 * drives (external), or the simulator's scheduler (simulated).
 */
#ifndef USN_CORE_WAIT_H
#define USN_CORE_WAIT_H

#include <pthread.h>
#include <stdbool.h>
#include "core/compiler.h"
#include "core/list.h"

struct usn_waiter {
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	/*
	 * Set under @lock, but read without it by an external or simulated
	 * sleep, which polls it between steps: atomic stores and loads.
	 */
	bool		woken;
	bool		use_efd;	/* sleeping in poll() on efd, not on cond */
	int		efd;		/* eventfd, created on first external wait */
};

/*
 * A queue is guarded by the namespace lock of the socket that owns it, or,
 * when @lock is set (an epoll instance's queues), by that leaf mutex.
 */
struct wait_queue_head {
	struct list_head head;
	pthread_mutex_t	*lock;
};

struct wait_queue_entry;

/*
 * A wake-up callback (epoll's ep_poll_callback), run under the queue's
 * lock instead of waking a waiter: returns non-zero when it "woke" someone,
 * which ends the walk at an exclusive entry.
 */
typedef int (*wait_queue_func_t)(struct wait_queue_entry *e,
				 unsigned int events);

#define WQ_FLAG_EXCLUSIVE	0x01

struct wait_queue_entry {
	struct list_head	entry;
	struct usn_waiter	*waiter;
	unsigned int		events;	/* poll events of interest; ~0 for any */
	unsigned int		flags;	/* WQ_FLAG_* */
	wait_queue_func_t	func;	/* NULL: wake @waiter */
};

static inline void init_waitqueue_head(struct wait_queue_head *wq)
{
	INIT_LIST_HEAD(&wq->head);
	wq->lock = NULL;
}

static inline void init_wait_entry(struct wait_queue_entry *e,
				   struct usn_waiter *w, unsigned int events)
{
	INIT_LIST_HEAD(&e->entry);
	e->waiter = w;
	e->events = events;
	e->flags = 0;
	e->func = NULL;
}

static inline void init_waitqueue_func_entry(struct wait_queue_entry *e,
					     wait_queue_func_t func)
{
	init_wait_entry(e, NULL, ~0u);
	e->func = func;
}

/*
 * Non-exclusive entries go first and exclusive ones last, as in Linux, so
 * a wake-up reaches every non-exclusive entry before it stops at the first
 * exclusive one that took it.
 */
static inline void add_wait_queue(struct wait_queue_head *wq,
				  struct wait_queue_entry *e)
{
	e->flags &= ~WQ_FLAG_EXCLUSIVE;
	list_add(&e->entry, &wq->head);
}

static inline void add_wait_queue_exclusive(struct wait_queue_head *wq,
					    struct wait_queue_entry *e)
{
	e->flags |= WQ_FLAG_EXCLUSIVE;
	list_add_tail(&e->entry, &wq->head);
}

static inline void remove_wait_queue(struct wait_queue_entry *e)
{
	list_del_init(&e->entry);
}

static inline bool wq_has_sleeper(const struct wait_queue_head *wq)
{
	return !list_empty(&wq->head);
}

struct usn_waiter *waiter_current(void);
void waiter_reset(struct usn_waiter *w);
void waiter_wake(struct usn_waiter *w);
/*
 * Wakes every non-exclusive entry on @wq interested in any of @events, and
 * the first exclusive one that takes the wake-up.
 */
void wake_up_poll(struct wait_queue_head *wq, unsigned int events);

static inline void wake_up(struct wait_queue_head *wq)
{
	wake_up_poll(wq, ~0u);
}

#endif
