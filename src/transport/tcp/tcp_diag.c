/* SPDX-License-Identifier: MIT */
/*
 * tcp_diag.c - TCP's share of sock_diag, after net/ipv4/tcp_diag.c and
 * inet_diag_dump_icsk(): the listening sockets (lhash), then every
 * connection of the ehash - full sockets, request socks (SYN_RECV) and
 * TIME_WAIT socks - each described with its queues, its pending timer
 * and, when asked, its struct tcp_info and congestion control name.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "family/netlink/inet_diag.h"
#include "transport/tcp/tcp_var.h"

/* idiag_timer */
enum {
	IDIAG_TIMER_NONE,
	IDIAG_TIMER_RETRANS,
	IDIAG_TIMER_KEEPALIVE,
	IDIAG_TIMER_TIMEWAIT,
	IDIAG_TIMER_PROBE0,
};

static uint32_t timer_left_ms(const struct usn_net *net,
			      const struct timer_list *t)
{
	uint64_t now = net_jiffies(net);

	if (!timer_pending(t) || t->expires <= now)
		return 0;
	return (uint32_t)(t->expires - now);	/* jiffies are ms */
}

static void tcp_diag_sock(struct tcp_sock *tp, struct inet_diag_entry *e,
			  struct tcp_info_k *info)
{
	struct sock *sk = tp_sk(tp);
	struct usn_net *net = sock_net(sk);

	e->state = e->filter_state = sk->sk_state;
	e->saddr = tp->inet.inet_rcv_saddr;
	e->daddr = tp->inet.inet_daddr;
	e->sport = tp->inet.inet_sport;
	e->dport = tp->inet.inet_dport;
	e->bound_dev_if = sk->sk_bound_dev_if;
	e->uid = sock_diag_uid(sk);
	e->ino = sock_diag_ino(sk);
	e->sk = sk;
	if (sk->sk_state == TCP_LISTEN) {
		e->rqueue = tp->ack_backlog;
		e->wqueue = tp->max_ack_backlog;
	} else {
		int32_t rq = (int32_t)(tp->rcv_nxt - tp->copied_seq);

		e->rqueue = rq > 0 ? (uint32_t)rq : 0;
		e->wqueue = tp->write_seq - tp->snd_una;
	}
	switch (tp->pending) {
	case ICSK_TIME_RETRANS:
	case ICSK_TIME_REO_TIMEOUT:
	case ICSK_TIME_LOSS_PROBE:
		e->timer = IDIAG_TIMER_RETRANS;
		e->retrans = tp->retransmits;
		e->expires = timer_left_ms(net, &tp->retransmit_timer);
		break;
	case ICSK_TIME_PROBE0:
		e->timer = IDIAG_TIMER_PROBE0;
		e->retrans = tp->probes_out;
		e->expires = timer_left_ms(net, &tp->retransmit_timer);
		break;
	default:
		if (timer_pending(&tp->keepalive_timer)) {
			e->timer = IDIAG_TIMER_KEEPALIVE;
			e->retrans = tp->probes_out;
			e->expires = timer_left_ms(net, &tp->keepalive_timer);
		}
		break;
	}
	if (info) {
		tcp_get_info(sk, info);
		e->info = info;
		e->info_len = sizeof(*info);
	}
	if (tp->ca_ops)
		e->cong = tp->ca_ops->name;
}

static void tcp_diag_req(struct tcp_request_sock *req, struct inet_diag_entry *e)
{
	e->state = e->filter_state = TCP_SYN_RECV;
	e->saddr = req->e.laddr;
	e->daddr = req->e.raddr;
	e->sport = req->e.lport;
	e->dport = req->e.rport;
	e->bound_dev_if = req->e.bound_dev_if;
	e->timer = IDIAG_TIMER_RETRANS;
	e->retrans = req->num_retrans;
	e->expires = timer_left_ms(req->net, &req->timer);
	if (req->listener)
		e->uid = sock_diag_uid(tp_sk(req->listener));
}

static void tcp_diag_tw(struct tcp_timewait_sock *tw, struct inet_diag_entry *e)
{
	e->state = tw->substate;
	e->filter_state = TCP_TIME_WAIT;
	e->saddr = tw->e.laddr;
	e->daddr = tw->e.raddr;
	e->sport = tw->e.lport;
	e->dport = tw->e.rport;
	e->bound_dev_if = tw->e.bound_dev_if;
	e->timer = IDIAG_TIMER_TIMEWAIT;
	e->expires = timer_left_ms(tw->net, &tw->timer);
}

/* Describes an ehash entry; @info (may be NULL) receives a full socket's tcp_info. */
static void tcp_diag_ehash_entry(struct tcp_ehash_node *n,
				 struct inet_diag_entry *e,
				 struct tcp_info_k *info)
{
	memset(e, 0, sizeof(*e));
	switch (n->kind) {
	case TCP_ENT_SOCK:
		tcp_diag_sock(container_of(n, struct tcp_sock, e), e, info);
		e->cookie = sock_diag_cookie(&container_of(n, struct tcp_sock, e)->inet.sk);
		break;
	case TCP_ENT_REQ:
		tcp_diag_req(container_of(n, struct tcp_request_sock, e), e);
		e->cookie = sock_gen_cookie(&n->cookie);
		break;
	default:
		tcp_diag_tw(container_of(n, struct tcp_timewait_sock, e), e);
		e->cookie = sock_gen_cookie(&n->cookie);
		break;
	}
}

static void tcp_diag_listener(struct tcp_sock *tp, struct inet_diag_entry *e,
			      struct tcp_info_k *info)
{
	memset(e, 0, sizeof(*e));
	tcp_diag_sock(tp, e, info);
	e->cookie = sock_diag_cookie(&tp->inet.sk);
}

/*
 * cb->args: [0] 0 listeners, 1 connections; [1] bucket; [2] entries of
 * the bucket done. tcp_info only when INET_DIAG_INFO is asked for.
 */
static int tcp_diag_dump(struct sk_buff *skb, struct netlink_callback *cb,
			 const struct inet_diag_req_v2 *r)
{
	struct tcp_hashinfo *h = tcp_hashinfo(cb->net);
	bool want_info = r->idiag_ext & (1u << (INET_DIAG_INFO - 1));
	struct inet_diag_entry e;
	struct tcp_ehash_node *n;
	struct tcp_info_k info;
	struct tcp_sock *tp;
	unsigned long b;
	long idx;
	int err = 0;

	if (!h)
		return 0;
	if (cb->args[0] == 0) {
		for (b = (unsigned long)cb->args[1]; b < TCP_LHASH_SIZE; b++) {
			idx = 0;
			hlist_for_each_entry(tp, &h->lhash[b], lnode) {
				if (idx++ < cb->args[2])
					continue;
				tcp_diag_listener(tp, &e, want_info ? &info : NULL);
				err = inet_diag_dump_entry(skb, cb, r, &e);
				if (err)
					goto out;
				cb->args[2] = idx;
			}
			cb->args[2] = 0;
			cb->args[1] = (long)b + 1;
		}
		cb->args[0] = 1;
		cb->args[1] = 0;
	}
	for (b = (unsigned long)cb->args[1]; b < TCP_EHASH_SIZE; b++) {
		idx = 0;
		hlist_for_each_entry(n, &h->ehash[b], node) {
			if (idx++ < cb->args[2])
				continue;
			tcp_diag_ehash_entry(n, &e, want_info ? &info : NULL);
			err = inet_diag_dump_entry(skb, cb, r, &e);
			if (err)
				goto out;
			cb->args[2] = idx;
		}
		cb->args[2] = 0;
		cb->args[1] = (long)b + 1;
	}
out:
	return netlink_dump_ret(skb, err);
}

static int tcp_diag_lookup(struct usn_net *net, const struct inet_diag_req_v2 *r,
			   struct inet_diag_entry *e, void *info_buf,
			   size_t info_size)
{
	struct tcp_hashinfo *h = tcp_hashinfo(net);
	struct tcp_info_k *info = info_size >= sizeof(*info) ? info_buf : NULL;
	struct tcp_ehash_node *n;
	struct tcp_sock *tp;

	if (!h)
		return -ENOENT;
	for (unsigned int b = 0; b < TCP_EHASH_SIZE; b++) {
		hlist_for_each_entry(n, &h->ehash[b], node) {
			tcp_diag_ehash_entry(n, e, info);
			if (inet_diag_match_exact(e, r))
				return 0;
		}
	}
	for (unsigned int b = 0; b < TCP_LHASH_SIZE; b++) {
		hlist_for_each_entry(tp, &h->lhash[b], lnode) {
			tcp_diag_listener(tp, e, info);
			if (inet_diag_match_exact(e, r))
				return 0;
		}
	}
	return -ENOENT;
}

static const struct inet_diag_handler tcp_diag_handler = {
	.idiag_type	= IPPROTO_TCP,
	.dump		= tcp_diag_dump,
	.lookup		= tcp_diag_lookup,
};

int tcp_diag_init(void);

int tcp_diag_init(void)
{
	return inet_diag_register(&tcp_diag_handler);
}
