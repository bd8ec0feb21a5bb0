/* SPDX-License-Identifier: MIT */
/*
 * tcp_mem.c - TCP under memory pressure: the namespace's TCP memory pool
 * (net.ipv4.tcp_mem, in pages, see socket/sock_mem.h), entering and leaving
 * pressure, and what a socket does about it, after net/ipv4/tcp.c,
 * tcp_input.c and tcp_output.c:
 *
 *  receive  every queued buffer is scheduled from the pool first
 *           (tcp_try_rmem_schedule); when the socket is over sk_rcvbuf or
 *           the pool refuses, tcp_prune_queue clamps the window, collapses
 *           the queues into compact buffers, then prunes the out-of-order
 *           queue from its far end. What still does not fit is dropped
 *           unacknowledged (TCPRcvQDrop / TCPOFODrop): acknowledged data is
 *           never given up, and the first buffer of an empty receive queue
 *           is always taken (sk_forced_mem_schedule).
 *  window   under pressure rcv_ssthresh falls to four segments
 *           (tcp_adjust_rcv_ssthresh) and stops growing; auto-tuning does
 *           not grow sk_rcvbuf or sk_sndbuf.
 *  send     a new segment is scheduled before it is queued
 *           (tcp_stream_wmem_schedule); a refusal shrinks sk_sndbuf to half
 *           of what is queued and makes the writer wait (or EAGAIN): data
 *           is never lost, only delayed.
 *
 * Linux keeps one tcp_mem for the machine; here each namespace has its own
 * pool and its own limits.
 */
#include <string.h>
#include "transport/tcp/tcp_var.h"

/* The largest buffer a collapse builds: one 9 KiB pool class. */
#define TCP_COLLAPSE_SIZE	9216

static int tcp_wmem_queued(const struct sock *sk)
{
	return tcp_sk(sk)->wmem_queued;
}

void tcp_mem_net_init(struct usn_net *net, struct tcp_hashinfo *h)
{
	struct proto_mem *m = &h->mem;

	atomic_init(&m->allocated, 0);
	m->pressure = 0;
	m->sockets_allocated = 0;
	m->sysctl_mem = net->sysctl.tcp_mem;
	m->sysctl_rmem = net->sysctl.tcp_rmem;
	m->sysctl_wmem = net->sysctl.tcp_wmem;
	m->wmem_queued = tcp_wmem_queued;
}

struct proto_mem *tcp_memory_pool(const struct sock *sk)
{
	struct tcp_hashinfo *h = tcp_hashinfo(sock_net(sk));

	return h ? &h->mem : NULL;
}

bool tcp_under_memory_pressure(const struct sock *sk)
{
	return sk_under_memory_pressure(sk);
}

/* pressure keeps the jiffies it started at, plus one so that it is never 0. */
void tcp_enter_memory_pressure(struct sock *sk)
{
	struct proto_mem *m = tcp_memory_pool(sk);

	if (!m || m->pressure)
		return;
	m->pressure = (unsigned long)tcp_jiffies32(sock_net(sk)) + 1;
	NET_INC_STATS(sock_net(sk), TCPMemoryPressures);
}

void tcp_leave_memory_pressure(struct sock *sk)
{
	struct proto_mem *m = tcp_memory_pool(sk);
	uint32_t start;

	if (!m || !m->pressure)
		return;
	start = (uint32_t)(m->pressure - 1);
	m->pressure = 0;
	/* jiffies are milliseconds (HZ 1000) */
	NET_ADD_STATS(sock_net(sk), TCPMemoryPressuresChrono,
		      tcp_jiffies32(sock_net(sk)) - start);
}

static void tcp_sock_destruct(struct sock *sk)
{
	struct proto_mem *m = tcp_memory_pool(sk);

	if (m)
		m->sockets_allocated--;
}

void tcp_mem_sock_init(struct sock *sk)
{
	struct proto_mem *m = tcp_memory_pool(sk);

	if (!m || sk->sk_destruct == tcp_sock_destruct)
		return;
	m->sockets_allocated++;
	sk->sk_destruct = tcp_sock_destruct;
}

/* ---- send side ----------------------------------------------------------- */

/*
 * Segments that were not scheduled (the SYN, the second half of a split)
 * are forced in, as Linux forces them: they replace memory already held.
 */
void tcp_wmem_charge(struct sock *sk, struct sk_buff *skb)
{
	tcp_sk(sk)->wmem_queued += (int)skb->truesize;
	sk_forced_mem_schedule(sk, (int)skb->truesize);
	sk_mem_charge(sk, (int)skb->truesize);
}

void tcp_wmem_uncharge(struct sock *sk, struct sk_buff *skb)
{
	tcp_sk(sk)->wmem_queued -= (int)skb->truesize;
	sk_mem_uncharge(sk, (int)skb->truesize);
}

bool tcp_stream_wmem_schedule(struct sock *sk, struct sk_buff *skb)
{
	if (sk_wmem_schedule(sk, (int)skb->truesize))
		return true;
	tcp_enter_memory_pressure(sk);
	sk_stream_moderate_sndbuf(sk);
	return false;
}

long tcp_mem_vm_wait(struct sock *sk)
{
	return (long)(net_random_u32(sock_net(sk)) % (HZ / 5)) + 2;
}

bool tcp_should_expand_sndbuf(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return false;
	if (tcp_under_memory_pressure(sk))
		return false;
	if (sk_memory_allocated(sk) >= sk_prot_mem_limits(sk, 0))
		return false;
	return tcp_packets_in_flight(tp) < tp->snd_cwnd;
}

/* ---- receive side -------------------------------------------------------- */

void tcp_adjust_rcv_ssthresh(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->rcv_ssthresh = min_t(uint32_t, tp->rcv_ssthresh, 4u * tp->advmss);
	sk_mem_reclaim(sk);
}

/*
 * The receive buffer is full: take more of tcp_rmem[2] while memory is
 * plentiful, else shut the window down to two segments (tcp_clamp_window).
 */
static void tcp_clamp_window(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int rmem2 = sock_net(sk)->sysctl.tcp_rmem[2];

	tp->ack.quick = 0;
	if (sk->sk_rcvbuf < rmem2 && !(sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    !tcp_under_memory_pressure(sk) &&
	    sk_memory_allocated(sk) < sk_prot_mem_limits(sk, 0))
		sk->sk_rcvbuf = min_t(int, atomic_load(&sk->sk_rmem_alloc),
				      rmem2);
	if (atomic_load(&sk->sk_rmem_alloc) > sk->sk_rcvbuf)
		tp->rcv_ssthresh = min_t(uint32_t, tp->window_clamp,
					 2u * tp->advmss);
}

static bool tcp_rmem_fits(const struct sock *sk)
{
	return atomic_load(&sk->sk_rmem_alloc) <= sk->sk_rcvbuf;
}

/* Copies @n bytes of the run starting at sequence @seq in *@src onward. */
static void tcp_collapse_copy(struct sk_buff *nskb, struct sk_buff_head *q,
			      struct sk_buff **src, uint32_t seq, uint32_t n)
{
	while (n) {
		struct sk_buff *s = *src;
		uint32_t off = seq - TCP_SKB_CB(s)->seq;
		uint32_t c = min_t(uint32_t, s->len - off, n);

		skb_put_data(nskb, s->data + off, c);
		seq += c;
		n -= c;
		if (seq == TCP_SKB_CB(s)->end_seq)
			*src = skb_next_in(q, s);
	}
}

/*
 * Rebuilds the contiguous run [@first, @last] of @q, from @start on, in
 * buffers of up to TCP_COLLAPSE_SIZE; keeps them only if they are smaller.
 * Returns the buffers it replaced.
 */
static int tcp_collapse_run(struct sock *sk, struct sk_buff_head *q,
			    struct sk_buff *first, struct sk_buff *last,
			    uint32_t start, bool ofo)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t end = TCP_SKB_CB(last)->end_seq, seq;
	unsigned int old_true = 0, new_true = 0;
	struct sk_buff_head tmp;
	struct sk_buff *skb, *src = first, *prev, *next;
	int n = 0;

	seq = after(start, TCP_SKB_CB(first)->seq) ? start :
						     TCP_SKB_CB(first)->seq;
	for (skb = first;; skb = skb_next_in(q, skb)) {
		old_true += skb->truesize;
		if (skb == last)
			break;
	}
	skb_queue_head_init(&tmp);
	while (before(seq, end)) {
		uint32_t len = min_t(uint32_t, end - seq, TCP_COLLAPSE_SIZE);
		struct sk_buff *nskb = alloc_skb(len);

		if (!nskb)
			goto out_free;
		memcpy(nskb->cb, src->cb, sizeof(nskb->cb));
		nskb->tstamp = src->tstamp;
		nskb->skb_iif = src->skb_iif;
		TCP_SKB_CB(nskb)->seq = seq;
		TCP_SKB_CB(nskb)->end_seq = seq + len;
		TCP_SKB_CB(nskb)->tcp_flags &=
			(uint8_t)~(TCPHDR_FIN | TCPHDR_SYN);
		tcp_collapse_copy(nskb, q, &src, seq, len);
		new_true += nskb->truesize;
		__skb_queue_tail(&tmp, nskb);
		seq += len;
	}
	if (new_true >= old_true)
		goto out_free;

	/* Swap: the new buffers go in front of the run, the run goes. */
	prev = first->prev;
	while ((skb = __skb_dequeue(&tmp))) {
		skb_set_owner_r(skb, sk);
		if (ofo)
			tp->ofo_bytes += skb->truesize;
		__skb_insert(skb, prev, prev->next, q);
		prev = skb;
	}
	for (skb = first;; skb = next) {
		bool done = skb == last;

		next = skb_next_in(q, skb);
		__skb_unlink(skb, q);
		if (ofo)
			tp->ofo_bytes -= skb->truesize;
		consume_skb(skb);
		n++;
		if (done)
			break;
	}
	NET_ADD_STATS(sock_net(sk), TCPRcvCollapsed, (uint64_t)n);
	return n;

out_free:
	skb_queue_purge(&tmp);
	return 0;
}

/*
 * Collapses each run of contiguous buffers in @q (data before @start is
 * read already) where it saves memory (tcp_collapse). A FIN ends a run.
 */
static void tcp_collapse(struct sock *sk, struct sk_buff_head *q,
			 uint32_t start, bool ofo)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb = skb_peek(q);

	while (skb) {
		struct sk_buff *last = skb, *next;
		bool bloated;

		if (!after(TCP_SKB_CB(skb)->end_seq, start) ||
		    (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN)) {
			skb = skb_next_in(q, skb);
			continue;
		}
		bloated = tcp_win_from_space(tp, (int)skb->truesize) >
			  (int)skb->len;
		while ((next = skb_next_in(q, last)) &&
		       TCP_SKB_CB(next)->seq == TCP_SKB_CB(last)->end_seq &&
		       !(TCP_SKB_CB(next)->tcp_flags & TCPHDR_FIN))
			last = next;
		next = skb_next_in(q, last);
		if (last != skb || bloated)
			tcp_collapse_run(sk, q, skb, last, start, ofo);
		skb = next;
	}
}

/*
 * Frees out-of-order data from the far end, an eighth of sk_rcvbuf at a
 * time, until the socket fits (tcp_prune_ofo_queue). Data beyond what
 * @in_skb brings is kept if @in_skb would land after it: dropping the
 * newcomer costs less. The SACK blocks go with it (reneging, RFC 2018).
 */
bool tcp_prune_ofo_queue(struct sock *sk, const struct sk_buff *in_skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff_head *q = &tp->out_of_order_queue;
	bool pruned = false;
	int goal = sk->sk_rcvbuf >> 3;
	struct sk_buff *skb;

	while ((skb = skb_peek_tail(q))) {
		if (in_skb && after(TCP_SKB_CB(in_skb)->seq,
				    TCP_SKB_CB(skb)->seq))
			break;
		pruned = true;
		__skb_unlink(skb, q);
		tp->ofo_bytes -= skb->truesize;
		goal -= (int)skb->truesize;
		kfree_skb_reason(skb, SKB_DROP_REASON_TCP_OFO_QUEUE_PRUNE);
		if (skb_queue_empty(q) || goal <= 0) {
			if (tcp_rmem_fits(sk) && !tcp_under_memory_pressure(sk))
				break;
			goal = sk->sk_rcvbuf >> 3;
		}
	}
	if (pruned) {
		NET_INC_STATS(sock_net(sk), OfoPruned);
		tcp_sack_reset(tp);
	}
	return pruned;
}

/*
 * Makes room in a socket over its receive buffer (tcp_prune_queue):
 * clamp the window, collapse, then prune out-of-order data. -1 when even
 * that is not enough (RcvPruned): the caller drops the new data.
 */
static int tcp_prune_queue(struct sock *sk, const struct sk_buff *in_skb)
{
	struct tcp_sock *tp = tcp_sk(sk);

	NET_INC_STATS(sock_net(sk), PruneCalled);
	if (atomic_load(&sk->sk_rmem_alloc) >= sk->sk_rcvbuf)
		tcp_clamp_window(sk);
	else if (tcp_under_memory_pressure(sk))
		tcp_adjust_rcv_ssthresh(sk);
	if (tcp_rmem_fits(sk))
		return 0;
	tcp_collapse(sk, &tp->out_of_order_queue, tp->rcv_nxt, true);
	tcp_collapse(sk, &sk->sk_receive_queue, tp->copied_seq, false);
	if (tcp_rmem_fits(sk))
		return 0;
	tcp_prune_ofo_queue(sk, in_skb);
	if (tcp_rmem_fits(sk))
		return 0;
	NET_INC_STATS(sock_net(sk), RcvPruned);
	return -1;
}

int tcp_try_rmem_schedule(struct sock *sk, struct sk_buff *skb,
			  unsigned int size)
{
	if (tcp_rmem_fits(sk) && sk_rmem_schedule(sk, (int)size))
		return 0;
	if (tcp_prune_queue(sk, skb) < 0)
		return SKB_DROP_REASON_SOCKET_RCVBUFF;
	while (!sk_rmem_schedule(sk, (int)size)) {
		if (!tcp_prune_ofo_queue(sk, skb))
			return SKB_DROP_REASON_PROTO_MEM;
	}
	return 0;
}

/* ---- figures ------------------------------------------------------------- */

/* The /proc/net/sockstat "TCP:" line's alloc and mem, and pressure (0/1). */
int tcp_sockstat(const struct usn_net *net, const char *name, uint64_t *value)
{
	const struct tcp_hashinfo *h = tcp_hashinfo(net);

	if (!h)
		return -ENOENT;
	if (!strcmp(name, "alloc"))
		*value = (uint64_t)max_t(int, h->mem.sockets_allocated, 0);
	else if (!strcmp(name, "mem"))
		*value = (uint64_t)max_t(long,
					 atomic_load(&h->mem.allocated), 0);
	else if (!strcmp(name, "pressure"))
		*value = h->mem.pressure != 0;
	else
		return -ENOENT;
	return 0;
}
