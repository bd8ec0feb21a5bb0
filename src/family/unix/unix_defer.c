/* SPDX-License-Identifier: MIT */
/*
 * unix_defer.c - what a unix socket op leaves for its end: waking sockets
 * (perhaps of other namespaces) and releasing passed descriptors. See the
 * LOCKING comment in af_unix.h for why this cannot happen in the middle.
 */
#include <poll.h>
#include <stdlib.h>
#include "family/unix/af_unix.h"
#include "net/net.h"

void unix_defer_init(struct unix_defer *d)
{
	d->wake = NULL;
	d->nwake = 0;
	d->maxwake = 0;
	skb_queue_head_init(&d->free_q);
	d->put = NULL;
}

static void unix_defer_add(struct unix_defer *d, struct sock *sk,
			   unsigned int events, bool write_space)
{
	for (unsigned int i = 0; i < d->nwake; i++) {
		if (d->wake[i].sk == sk) {
			d->wake[i].events |= events;
			d->wake[i].write_space |= write_space;
			return;
		}
	}
	if (d->nwake == d->maxwake) {
		unsigned int n = d->maxwake ? d->maxwake * 2 : 4;
		void *w = realloc(d->wake, n * sizeof(*d->wake));

		if (!w)
			return;	/* a lost wake-up beats a crash; 16 bytes rarely fail */
		d->wake = w;
		d->maxwake = n;
	}
	sock_hold(sk);
	d->wake[d->nwake].sk = sk;
	d->wake[d->nwake].events = events;
	d->wake[d->nwake].write_space = write_space;
	d->nwake++;
}

void unix_defer_wake(struct unix_defer *d, struct sock *sk,
		     unsigned int events)
{
	unix_defer_add(d, sk, events, false);
}

void unix_defer_write_space(struct unix_defer *d, struct sock *writer)
{
	unix_defer_add(d, writer, 0, true);
}

/* Wakes entry @i's socket; its namespace is locked by the caller. */
static void unix_wake_locked(struct unix_defer *d, unsigned int i)
{
	struct sock *sk = d->wake[i].sk;
	unsigned int events = d->wake[i].events;

	if (d->wake[i].write_space && unix_writable(sk))
		events |= POLLOUT | POLLWRNORM | POLLWRBAND;
	if (events && sk->sk_wq)
		wake_up_poll(sk->sk_wq, events);
}

void unix_defer_run(struct usn_net *own, struct unix_defer *d)
{
	bool unlock = d->put || !skb_queue_empty(&d->free_q);
	struct sk_buff *skb;

	for (unsigned int i = 0; i < d->nwake; i++) {
		if (sock_net(d->wake[i].sk) == own)
			unix_wake_locked(d, i);
		else
			unlock = true;
	}
	if (unlock) {
		/* Never two namespace locks: ours goes before another's comes. */
		net_unlock(own);
		for (unsigned int i = 0; i < d->nwake; i++) {
			struct usn_net *net = sock_net(d->wake[i].sk);

			if (net == own)
				continue;
			net_lock(net);
			unix_wake_locked(d, i);
			net_unlock(net);
		}
		while ((skb = __skb_dequeue(&d->free_q))) {
			scm_fp_free(unix_detach_fds(skb));
			kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_CLOSE);
		}
		scm_fp_free(d->put);
		d->put = NULL;
		for (unsigned int i = 0; i < d->nwake; i++)
			sock_put(d->wake[i].sk);
		net_lock(own);
	} else {
		for (unsigned int i = 0; i < d->nwake; i++)
			sock_put(d->wake[i].sk);
	}
	free(d->wake);
	d->wake = NULL;
	d->nwake = d->maxwake = 0;
}
