/* SPDX-License-Identifier: MIT */
/*
 * packet_fanout.c - PACKET_FANOUT, after fanout_add() and
 * packet_rcv_fanout(): sockets bound to the same protocol and device join
 * a group by id; the group hooks once, and each frame goes to one member,
 * chosen by the flow hash (the same member for both directions of a
 * flow), in turn (LB), by CPU, at random, or by receive queue.
 *
 * Not built (EINVAL, as for a type Linux does not know): the ROLLOVER
 * mode and flag, the CBPF/EBPF modes, and the UNIQUEID and DEFRAG flags.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "core/filter.h"
#include "family/packet/internal.h"
#include "net/net.h"
#include "net/trace.h"

#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING	0x4000	/* Linux 5.x; older headers lack it */
#endif
#define FANOUT_TYPE_MASK	0xff
#define FANOUT_FLAGS_BUILT	PACKET_FANOUT_FLAG_IGNORE_OUTGOING

struct packet_fanout {
	struct usn_net		*net;
	struct list_head	list;	/* netns_packet.fanout_list */
	uint16_t		id;
	uint8_t			type;
	uint16_t		flags;
	unsigned int		num_members;	/* hooked members, in arr[] */
	unsigned int		sk_ref;		/* members, hooked or not */
	unsigned int		rr_cur;
	struct packet_type	prot_hook;
	struct sock		*arr[PACKET_FANOUT_MAX];
};

static unsigned int fanout_scale(uint32_t v, unsigned int num)
{
	return (unsigned int)(((uint64_t)v * num) >> 32);
}

static unsigned int fanout_demux(struct packet_fanout *f,
				 const struct sk_buff *skb, unsigned int num)
{
	switch (f->type) {
	case PACKET_FANOUT_HASH:
		return fanout_scale(skb_get_hash(skb), num);
	case PACKET_FANOUT_LB:
		return f->rr_cur++ % num;
	case PACKET_FANOUT_CPU:
		return (unsigned int)max_t(int, sched_getcpu(), 0) % num;
	case PACKET_FANOUT_RND:
		return fanout_scale(net_random_u32(f->net), num);
	case PACKET_FANOUT_QM:
	default:
		return 0;	/* one receive queue per device */
	}
}

static int packet_rcv_fanout(struct sk_buff *skb, struct net_device *dev,
			     struct packet_type *pt, struct net_device *orig_dev)
{
	struct packet_fanout *f = pt->af_packet_priv;
	struct usn_net *net = dev_net(dev);
	unsigned int num = f->num_members;
	struct packet_sock *po;
	int ret;

	if (!num || dev_net(dev) != f->net ||
	    ((f->flags & PACKET_FANOUT_FLAG_IGNORE_OUTGOING) &&
	     skb->pkt_type == PACKET_OUTGOING)) {
		consume_skb(skb);
		return 0;
	}
	po = pkt_sk(f->arr[fanout_demux(f, skb, num)]);
	trace_push(net, po->prot_hook.name, false);
	ret = po->prot_hook.func(skb, dev, &po->prot_hook, orig_dev);
	trace_pop(net);
	return ret;
}

/* The group's hook does not show a member its own frames. */
static bool match_fanout_group(struct packet_type *pt, struct sock *sk)
{
	return sk && sk->sk_family == PF_PACKET &&
	       pkt_sk(sk)->fanout == pt->af_packet_priv;
}

void __fanout_link(struct sock *sk)
{
	struct packet_fanout *f = pkt_sk(sk)->fanout;

	f->arr[f->num_members++] = sk;
}

void __fanout_unlink(struct sock *sk)
{
	struct packet_fanout *f = pkt_sk(sk)->fanout;

	for (unsigned int i = 0; i < f->num_members; i++) {
		if (f->arr[i] == sk) {
			f->arr[i] = f->arr[--f->num_members];
			break;
		}
	}
}

static int fanout_check_type(unsigned int type, unsigned int flags)
{
	switch (type) {
	case PACKET_FANOUT_HASH:
	case PACKET_FANOUT_LB:
	case PACKET_FANOUT_CPU:
	case PACKET_FANOUT_RND:
	case PACKET_FANOUT_QM:
		break;
	default:
		return -EINVAL;
	}
	if (flags & ~FANOUT_FLAGS_BUILT)
		return -EINVAL;
	return 0;
}

int fanout_add(struct sock *sk, uint16_t id, uint16_t type_flags)
{
	struct packet_sock *po = pkt_sk(sk);
	struct netns_packet *pn = packet_pernet(sock_net(sk));
	unsigned int type = type_flags & FANOUT_TYPE_MASK;
	uint16_t flags = type_flags & ~FANOUT_TYPE_MASK;
	struct packet_fanout *f, *match = NULL;
	int err;

	err = fanout_check_type(type, flags);
	if (err)
		return err;
	if (!po->running)
		return -EINVAL;
	if (po->fanout)
		return -EALREADY;
	if (!pn)
		return -EINVAL;
	list_for_each_entry(f, &pn->fanout_list, list) {
		if (f->id == id) {
			match = f;
			break;
		}
	}
	if (match && match->flags != flags)
		return -EINVAL;
	if (!match) {
		match = calloc(1, sizeof(*match));
		if (!match)
			return -ENOMEM;
		match->net = sock_net(sk);
		match->id = id;
		match->type = (uint8_t)type;
		match->flags = flags;
		match->prot_hook.type = po->prot_hook.type;
		match->prot_hook.dev = po->prot_hook.dev;
		match->prot_hook.func = packet_rcv_fanout;
		match->prot_hook.name = "packet_rcv_fanout";
		match->prot_hook.af_packet_priv = match;
		match->prot_hook.id_match = match_fanout_group;
		INIT_LIST_HEAD(&match->prot_hook.list);
		list_add(&match->list, &pn->fanout_list);
		dev_add_pack(sock_net(sk), &match->prot_hook);
	}
	err = -EINVAL;
	if (match->type == type &&
	    match->prot_hook.type == po->prot_hook.type &&
	    match->prot_hook.dev == po->prot_hook.dev) {
		err = -ENOSPC;
		if (match->sk_ref < PACKET_FANOUT_MAX) {
			/* The socket's own hook gives way to the group's. */
			dev_remove_pack(sock_net(sk), &po->prot_hook);
			po->fanout = match;
			match->sk_ref++;
			__fanout_link(sk);
			err = 0;
		}
	}
	if (err && !match->sk_ref) {
		dev_remove_pack(sock_net(sk), &match->prot_hook);
		list_del(&match->list);
		free(match);
	}
	return err;
}

void fanout_release(struct sock *sk)
{
	struct packet_sock *po = pkt_sk(sk);
	struct packet_fanout *f = po->fanout;

	if (!f)
		return;
	po->fanout = NULL;
	if (--f->sk_ref == 0) {
		dev_remove_pack(f->net, &f->prot_hook);
		list_del_init(&f->list);
		free(f);
	}
}

int fanout_getopt(const struct sock *sk)
{
	const struct packet_fanout *f = pkt_sk(sk)->fanout;

	return f ? (int)(f->id | (unsigned int)(f->type | f->flags) << 16) : 0;
}
