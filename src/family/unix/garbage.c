/* SPDX-License-Identifier: MIT */
/*
 * garbage.c - in-flight unix sockets and their garbage collector, after
 * net/unix/garbage.c (the classic algorithm).
 *
 * A unix socket whose file sits in a queued SCM_RIGHTS message is "in
 * flight". A socket that is only in flight (every reference to its file
 * comes from queued messages) and only reachable from the queues of other
 * such sockets can never be received again: a socket that sent itself, or
 * two that sent each other, then were closed. unix_gc() finds them:
 *
 *   1. candidates: in-flight sockets whose file count equals their
 *      in-flight count;
 *   2. for each candidate, each candidate in its queue (or its embryos'
 *      queues) loses one reference;
 *   3. a candidate with references left is reachable from outside, and so
 *      is every candidate in its queues, transitively;
 *   4. the others are garbage: their queued descriptors are released,
 *      which breaks the cycles and lets their files close.
 *
 * unix_gc_lock serialises the collector with everything that changes an
 * in-flight count or takes a new reference to an in-flight file (receive,
 * MSG_PEEK). The collector runs when a unix socket closes and at exit,
 * never with a namespace lock held (releasing files takes them).
 */
#include <stdlib.h>
#include "family/unix/af_unix.h"

static pthread_mutex_t gc_mutex = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(gc_inflight_list);
static atomic_long unix_tot_inflight;
static atomic_long unix_fds_inflight;	/* user->unix_inflight, for the process */
static atomic_bool gc_in_progress;

void unix_gc_lock(void)
{
	pthread_mutex_lock(&gc_mutex);
}

void unix_gc_unlock(void)
{
	pthread_mutex_unlock(&gc_mutex);
}

/* The unix socket behind a passed file, or NULL. */
static struct unix_sock *unix_get_socket(const struct scm_fp_entry *e)
{
	struct socket *sock;

	if (!e->file || !(sock = e->file->sock) || !sock->sk)
		return NULL;
	return sock->sk->sk_family == AF_UNIX ? unix_sk(sock->sk) : NULL;
}

long unix_inflight_fds(void)
{
	return atomic_load_explicit(&unix_fds_inflight, memory_order_relaxed);
}

void unix_inflight(struct scm_fp_list *fpl)
{
	atomic_fetch_add_explicit(&unix_fds_inflight, fpl->count,
				  memory_order_relaxed);
	unix_gc_lock();
	for (int i = 0; i < fpl->count; i++) {
		struct unix_sock *u = unix_get_socket(&fpl->fp[i]);

		if (!u)
			continue;
		if (!u->inflight++)
			list_add_tail(&u->gc_link, &gc_inflight_list);
		unix_tot_inflight++;
	}
	unix_gc_unlock();
}

void unix_notinflight(struct scm_fp_list *fpl)
{
	atomic_fetch_sub_explicit(&unix_fds_inflight, fpl->count,
				  memory_order_relaxed);
	unix_gc_lock();
	for (int i = 0; i < fpl->count; i++) {
		struct unix_sock *u = unix_get_socket(&fpl->fp[i]);

		if (!u)
			continue;
		if (!--u->inflight)
			list_del_init(&u->gc_link);
		unix_tot_inflight--;
	}
	unix_gc_unlock();
}

struct scm_fp_list *unix_detach_fds(struct sk_buff *skb)
{
	struct scm_fp_list *fpl = UNIXCB(skb).fp;

	UNIXCB(skb).fp = NULL;
	if (fpl)
		unix_notinflight(fpl);
	return fpl;
}

/* Calls @fn for every candidate in @u's queue and its embryos' queues. */
static void scan_queue(struct sock *sk, void (*fn)(struct unix_sock *, void *),
		       void *arg, bool embryos)
{
	struct sk_buff *skb;

	unix_state_lock(sk);
	for (skb = sk->sk_receive_queue.next;
	     skb != (struct sk_buff *)&sk->sk_receive_queue; skb = skb->next) {
		struct scm_fp_list *fpl = UNIXCB(skb).fp;

		if (embryos && UNIXCB(skb).embryo)
			scan_queue(UNIXCB(skb).embryo, fn, arg, false);
		for (int i = 0; fpl && i < fpl->count; i++) {
			struct unix_sock *child = unix_get_socket(&fpl->fp[i]);

			if (child && child->gc_candidate)
				fn(child, arg);
		}
	}
	unix_state_unlock(sk);
}

static void dec_refs(struct unix_sock *u, void *arg)
{
	(void)arg;
	u->gc_refs--;
}

struct gc_stack {
	struct unix_sock	**v;
	size_t			n;
};

static void mark_alive(struct unix_sock *u, void *arg)
{
	struct gc_stack *st = arg;

	if (u->gc_alive)
		return;
	u->gc_alive = true;
	st->v[st->n++] = u;
}

/* Takes the descriptor-carrying buffers of a garbage socket (and its embryos). */
static void collect(struct sock *sk, struct sk_buff_head *hit)
{
	struct sk_buff *skb, *next;

	unix_state_lock(sk);
	for (skb = sk->sk_receive_queue.next;
	     skb != (struct sk_buff *)&sk->sk_receive_queue; skb = next) {
		next = skb->next;
		if (UNIXCB(skb).embryo)
			collect(UNIXCB(skb).embryo, hit);
		if (UNIXCB(skb).fp) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			__skb_queue_tail(hit, skb);
			if (unix_sk(sk)->oob_skb == skb)
				unix_sk(sk)->oob_skb = NULL;
		}
	}
	unix_state_unlock(sk);
}

bool unix_gc_pending(void)
{
	return atomic_load_explicit(&unix_tot_inflight, memory_order_relaxed);
}

void unix_gc(void)
{
	struct gc_stack st = { 0 };
	struct sk_buff_head hit;
	struct unix_sock *u;
	struct sk_buff *skb;
	size_t ncand = 0;

	if (atomic_exchange(&gc_in_progress, true))
		return;
	skb_queue_head_init(&hit);
	unix_gc_lock();
	if (!atomic_load(&unix_tot_inflight))
		goto out_unlock;
	list_for_each_entry(u, &gc_inflight_list, gc_link) {
		struct socket *sock = u->sk.sk_socket;
		long total = sock && sock->file ?
			     atomic_load(&sock->file->f_count) : -1;

		u->gc_candidate = total == u->inflight;
		u->gc_alive = false;
		u->gc_refs = u->inflight;
		ncand += u->gc_candidate;
	}
	if (!ncand)
		goto out_unlock;
	st.v = calloc(ncand, sizeof(*st.v));
	if (!st.v)
		goto out_clear;
	list_for_each_entry(u, &gc_inflight_list, gc_link)
		if (u->gc_candidate)
			scan_queue(&u->sk, dec_refs, NULL, true);
	list_for_each_entry(u, &gc_inflight_list, gc_link)
		if (u->gc_candidate && u->gc_refs > 0)
			mark_alive(u, &st);
	while (st.n) {
		u = st.v[--st.n];
		scan_queue(&u->sk, mark_alive, &st, true);
	}
	list_for_each_entry(u, &gc_inflight_list, gc_link)
		if (u->gc_candidate && !u->gc_alive)
			collect(&u->sk, &hit);
	free(st.v);
out_clear:
	list_for_each_entry(u, &gc_inflight_list, gc_link)
		u->gc_candidate = false;
out_unlock:
	unix_gc_unlock();
	/* Releasing the files closes the garbage sockets, with no lock held. */
	while ((skb = __skb_dequeue(&hit))) {
		scm_fp_free(unix_detach_fds(skb));
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_CLOSE);
	}
	atomic_store(&gc_in_progress, false);
}

/*
 * At exit, whatever cycles the program left closed go too; not if another
 * thread is inside the collector or a send right now (it may never return).
 */
__attribute__((destructor)) static void unix_gc_at_exit(void)
{
	if (pthread_mutex_trylock(&gc_mutex))
		return;
	unix_gc_unlock();
	unix_gc();
}
