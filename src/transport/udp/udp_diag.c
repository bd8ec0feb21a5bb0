/* SPDX-License-Identifier: MIT */
/*
 * udp_diag.c - UDP's share of sock_diag, after net/ipv4/udp_diag.c: every
 * bound socket of the port table, its receive queue as the bytes charged
 * to it (udp_rqueue_get) and its send queue as the bytes in flight below.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "family/inet/inet_sock.h"
#include "family/netlink/inet_diag.h"
#include "net/net.h"
#include "transport/udp/udp.h"

static void udp_diag_entry(struct sock *sk, struct inet_diag_entry *e)
{
	struct inet_sock *inet = inet_sk(sk);

	memset(e, 0, sizeof(*e));
	e->state = e->filter_state = sk->sk_state;
	e->saddr = inet->inet_rcv_saddr;
	e->daddr = inet->inet_daddr;
	e->sport = inet->inet_sport;
	e->dport = inet->inet_dport;
	e->bound_dev_if = sk->sk_bound_dev_if;
	e->rqueue = (uint32_t)atomic_load(&sk->sk_rmem_alloc);
	e->wqueue = (uint32_t)atomic_load(&sk->sk_wmem_alloc);
	e->uid = sock_diag_uid(sk);
	e->ino = sock_diag_ino(sk);
	e->cookie = sock_diag_cookie(sk);
	e->sk = sk;
}

/* cb->args: [0] slot, [1] sockets of the slot done. */
static int udp_diag_dump(struct sk_buff *skb, struct netlink_callback *cb,
			 const struct inet_diag_req_v2 *r)
{
	struct inet_diag_entry e;
	struct sock *sk;
	unsigned int slot, idx;
	int err = 0;

	for (slot = (unsigned int)cb->args[0]; slot < udp_table_slots(); slot++) {
		for (idx = (unsigned int)cb->args[1];
		     (sk = udp_table_sk(cb->net, slot, idx)); idx++) {
			udp_diag_entry(sk, &e);
			err = inet_diag_dump_entry(skb, cb, r, &e);
			if (err)
				goto out;
			cb->args[1] = idx + 1;
		}
		cb->args[1] = 0;
		cb->args[0] = slot + 1;
	}
out:
	return netlink_dump_ret(skb, err);
}

static int udp_diag_lookup(struct usn_net *net, const struct inet_diag_req_v2 *r,
			   struct inet_diag_entry *e, void *info_buf,
			   size_t info_size)
{
	struct sock *sk;

	for (unsigned int slot = 0; slot < udp_table_slots(); slot++) {
		for (unsigned int idx = 0;
		     (sk = udp_table_sk(net, slot, idx)); idx++) {
			udp_diag_entry(sk, e);
			if (inet_diag_match_exact(e, r))
				return 0;
		}
	}
	return -ENOENT;
}

static const struct inet_diag_handler udp_diag_handler = {
	.idiag_type	= IPPROTO_UDP,
	.dump		= udp_diag_dump,
	.lookup		= udp_diag_lookup,
};

int udp_diag_init(void);

int udp_diag_init(void)
{
	return inet_diag_register(&udp_diag_handler);
}
