/* SPDX-License-Identifier: MIT */
/*
 * wait.c - per-thread waiters and waking the waiters on a queue. How a
 * waiter sleeps is the execution mode's business (net/exec.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "core/wait.h"

static pthread_key_t waiter_key;
static pthread_once_t waiter_once = PTHREAD_ONCE_INIT;
static __thread struct usn_waiter *this_waiter;

static void waiter_destroy(void *p)
{
	struct usn_waiter *w = p;

	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static void waiter_key_init(void)
{
	pthread_key_create(&waiter_key, waiter_destroy);
}

struct usn_waiter *waiter_current(void)
{
	struct usn_waiter *w = this_waiter;
	pthread_condattr_t attr;

	if (likely(w))
		return w;
	pthread_once(&waiter_once, waiter_key_init);
	w = calloc(1, sizeof(*w));
	if (!w)
		abort();	/* a thread that cannot get 100 bytes cannot block either */
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	w->efd = -1;
	pthread_setspecific(waiter_key, w);
	this_waiter = w;
	return w;
}

void waiter_reset(struct usn_waiter *w)
{
	uint64_t v;

	pthread_mutex_lock(&w->lock);
	__atomic_store_n(&w->woken, false, __ATOMIC_RELAXED);
	if (w->efd >= 0)
		while (read(w->efd, &v, sizeof(v)) > 0)
			;
	pthread_mutex_unlock(&w->lock);
}

void waiter_wake(struct usn_waiter *w)
{
	uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	if (!w->woken) {
		__atomic_store_n(&w->woken, true, __ATOMIC_RELEASE);
		if (w->use_efd) {
			if (write(w->efd, &one, sizeof(one)) < 0) {
				/* the counter cannot overflow at one write per wake */
			}
		} else {
			pthread_cond_signal(&w->cond);
		}
	}
	pthread_mutex_unlock(&w->lock);
}

void wake_up_poll(struct wait_queue_head *wq, unsigned int events)
{
	struct wait_queue_entry *e, *n;
	int woke;

	list_for_each_entry_safe(e, n, &wq->head, entry) {
		if (!(e->events & events))
			continue;
		if (e->func) {
			woke = e->func(e, events);
		} else {
			waiter_wake(e->waiter);
			woke = 1;
		}
		if (woke && (e->flags & WQ_FLAG_EXCLUSIVE))
			break;
	}
}
