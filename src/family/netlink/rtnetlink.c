/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink.c - the kernel side of NETLINK_ROUTE, after
 * net/core/rtnetlink.c: each request goes to the handler registered for
 * its family and message type (falling back to PF_UNSPEC), changes need
 * CAP_NET_ADMIN, NLM_F_DUMP requests of a GET type start a dump.
 */
#include <errno.h>
#include <stdlib.h>
#include "family/netlink/rtnetlink.h"
#include "net/net.h"
#include "socket/security.h"

#define RTM_NR_TYPES	(RTM_MAX + 1 - RTM_BASE)

/* The kind of a message type: its low two bits (NEW, DEL, GET, SET). */
enum {
	RTNL_KIND_NEW,
	RTNL_KIND_DEL,
	RTNL_KIND_GET,
	RTNL_KIND_SET,
};

struct rtnl_link {
	rtnl_doit_func		doit;
	rtnl_dumpit_func	dumpit;
};

/* Filled at start-up, read-only afterwards: no lock. */
static struct rtnl_link *rtnl_msg_handlers[AF_MAX];

/*
 * The request this thread is handling, for the notifications its changes
 * cause (they run in the same thread, under the same namespace lock).
 */
static __thread struct {
	struct usn_net	*net;
	uint32_t	portid;
	uint32_t	seq;
	bool		echo;
} rtnl_cur;

int rtnl_register(int family, int msgtype, rtnl_doit_func doit,
		  rtnl_dumpit_func dumpit)
{
	int idx = msgtype - RTM_BASE;
	struct rtnl_link *tab;

	if (family < 0 || family >= AF_MAX || idx < 0 || idx >= RTM_NR_TYPES)
		return -EINVAL;
	tab = rtnl_msg_handlers[family];
	if (!tab) {
		tab = calloc(RTM_NR_TYPES, sizeof(*tab));
		if (!tab)
			return -ENOMEM;
		rtnl_msg_handlers[family] = tab;
	}
	tab[idx].doit = doit;
	tab[idx].dumpit = dumpit;
	return 0;
}

static const struct rtnl_link *rtnl_get_link(int family, int idx)
{
	const struct rtnl_link *tab;

	if (family < 0 || family >= AF_MAX)
		return NULL;
	tab = rtnl_msg_handlers[family];
	return tab ? &tab[idx] : NULL;
}

int rtnl_unicast(struct sk_buff *skb, struct usn_net *net, uint32_t portid)
{
	return netlink_unicast(net, NETLINK_ROUTE, skb, portid);
}

void rtnl_notify_info(struct usn_net *net, uint32_t *portid, uint32_t *seq)
{
	bool ours = rtnl_cur.net == net;

	*portid = ours ? rtnl_cur.portid : 0;
	*seq = ours ? rtnl_cur.seq : 0;
}

void rtnl_notify(struct sk_buff *skb, struct usn_net *net, unsigned int group)
{
	uint32_t exclude = 0;

	/* NLM_F_ECHO: the requester gets its copy alone, not as a member. */
	if (rtnl_cur.net == net && rtnl_cur.echo) {
		exclude = rtnl_cur.portid;
		rtnl_unicast(skb_get(skb), net, exclude);
	}
	netlink_broadcast(net, NETLINK_ROUTE, skb, exclude, group);
}

struct sk_buff *rtnl_notify_new(struct usn_net *net, unsigned int group,
				unsigned int size, uint32_t *portid,
				uint32_t *seq)
{
	if (!rtnl_has_listeners(net, group))
		return NULL;
	rtnl_notify_info(net, portid, seq);
	return nlmsg_new(size);
}

void rtnl_notify_send(struct sk_buff *skb, struct usn_net *net,
		      unsigned int group, int err)
{
	if (err) {
		kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
		return;
	}
	rtnl_notify(skb, net, group);
}

int rtnl_reply(struct sk_buff *skb, struct sk_buff *in_skb, int err)
{
	uint32_t portid = NETLINK_CB(in_skb).portid;

	if (err) {
		kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
		return err;
	}
	return rtnl_unicast(skb, netlink_skb_net(in_skb), portid) < 0 ?
	       -ENOBUFS : 0;
}

static int rtnetlink_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct usn_net *net = netlink_skb_net(skb);
	const struct rtnl_link *link;
	int type = nlh->nlmsg_type, family, kind, err;
	struct rtgenmsg gen;

	if (type > RTM_MAX)
		return -EOPNOTSUPP;
	type -= RTM_BASE;
	/* Every message has at least its family byte; others are ignored. */
	if (nlmsg_len(nlh) < (int)sizeof(gen))
		return 0;
	memcpy(&gen, nlmsg_data(nlh), sizeof(gen));
	family = gen.rtgen_family;
	kind = type & 3;
	if (kind != RTNL_KIND_GET &&
	    !netlink_net_capable(skb, CAP_NET_ADMIN))
		return -EPERM;

	if (kind == RTNL_KIND_GET && (nlh->nlmsg_flags & NLM_F_DUMP)) {
		struct netlink_dump_control c = { 0 };

		link = rtnl_get_link(family, type);
		if (!link || !link->dumpit)
			link = rtnl_get_link(PF_UNSPEC, type);
		if (!link || !link->dumpit)
			return -EOPNOTSUPP;
		c.dump = link->dumpit;
		return netlink_dump_start(skb, nlh, &c);
	}

	link = rtnl_get_link(family, type);
	if (!link || !link->doit)
		link = rtnl_get_link(PF_UNSPEC, type);
	if (!link || !link->doit)
		return -EOPNOTSUPP;
	rtnl_cur.net = net;
	rtnl_cur.portid = NETLINK_CB(skb).portid;
	rtnl_cur.seq = nlh->nlmsg_seq;
	rtnl_cur.echo = nlh->nlmsg_flags & NLM_F_ECHO;
	err = link->doit(skb, nlh);
	rtnl_cur.net = NULL;
	return err;
}

static void rtnetlink_rcv(struct sk_buff *skb)
{
	netlink_rcv_skb(skb, rtnetlink_rcv_msg);
}

static const struct netlink_kernel_cfg rtnl_cfg = {
	.groups	= RTNLGRP_MAX,
	.flags	= NL_CFG_F_NONROOT_RECV,
	.input	= rtnetlink_rcv,
};

int rtnetlink_init(void);

int rtnetlink_init(void)
{
	static int (*const steps[])(void) = {
		rtnl_link_init,
		devinet_nl_init,
		fib_nl_init,
		neigh_nl_init,
	};
	int err;

	err = netlink_kernel_register(NETLINK_ROUTE, &rtnl_cfg);
	for (size_t i = 0; !err && i < ARRAY_SIZE(steps); i++)
		err = steps[i]();
	return err;
}
