/* SPDX-License-Identifier: MIT */
/*
 * neigh_nl.c - the ARP table over NETLINK_ROUTE, after the netlink half of
 * net/core/neighbour.c: RTM_NEWNEIGH (static entries, `ip neigh add/
 * replace`), RTM_DELNEIGH, RTM_GETNEIGH (one entry or a dump), and
 * RTM_NEWNEIGH / RTM_DELNEIGH to RTNLGRP_NEIGH on every change of state
 * or address and every entry that goes.
 */
#include <errno.h>
#include <string.h>
#include <linux/neighbour.h>
#include "family/netlink/rtnetlink.h"
#include "net/net.h"
#include "network/arp/neigh_priv.h"

#define NEIGH_MSG_SIZE	128
#define USER_HZ		100	/* clock_t ticks of nda_cacheinfo */

static const struct nla_policy nda_policy[NDA_MAX + 1] = {
	[NDA_DST]	= { .type = NLA_BINARY, .len = MAX_ADDR_LEN },
	[NDA_LLADDR]	= { .type = NLA_BINARY, .len = MAX_ADDR_LEN },
	[NDA_CACHEINFO]	= { .len = sizeof(struct nda_cacheinfo) },
	[NDA_PROBES]	= { .type = NLA_U32 },
	[NDA_IFINDEX]	= { .type = NLA_U32 },
	[NDA_MASTER]	= { .type = NLA_U32 },
	[NDA_PROTOCOL]	= { .type = NLA_U8 },
};

static uint32_t jiffies_to_clock_t(uint64_t j)
{
	return (uint32_t)(j / (HZ / USER_HZ));
}

/* An RTM_NEWNEIGH/DELNEIGH about @n, in the kernel's neigh_fill_info order. */
static int neigh_fill_info(struct sk_buff *skb, const struct neighbour *n,
			   uint32_t portid, uint32_t seq, int type, int flags)
{
	uint64_t now = net_jiffies(n->tbl->net);
	struct nda_cacheinfo ci;
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	nlh = nlmsg_put(skb, portid, seq, type, sizeof(*ndm), flags);
	if (!nlh)
		return -EMSGSIZE;
	ndm = nlmsg_data(nlh);
	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = n->dev->ifindex;
	ndm->ndm_state = n->nud_state;
	ndm->ndm_type = RTN_UNICAST;

	memset(&ci, 0, sizeof(ci));
	ci.ndm_confirmed = jiffies_to_clock_t(now - n->confirmed);
	ci.ndm_used = jiffies_to_clock_t(now - n->used);
	ci.ndm_updated = jiffies_to_clock_t(now - n->updated);
	ci.ndm_refcnt = 1;

	if (nla_put(skb, NDA_DST, sizeof(n->key), &n->key) ||
	    ((n->nud_state & NUD_VALID) &&
	     nla_put(skb, NDA_LLADDR, n->dev->addr_len, n->ha)) ||
	    nla_put(skb, NDA_CACHEINFO, sizeof(ci), &ci) ||
	    nla_put_u32(skb, NDA_PROBES, n->probes)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

void neigh_notify(struct neighbour *n, int type)
{
	struct usn_net *net = n->tbl->net;
	uint32_t portid, seq;
	struct sk_buff *skb;
	int err;

	skb = rtnl_notify_new(net, RTNLGRP_NEIGH, NEIGH_MSG_SIZE, &portid,
			      &seq);
	if (!skb)
		return;
	err = neigh_fill_info(skb, n, portid, seq, type, 0);
	rtnl_notify_send(skb, net, RTNLGRP_NEIGH, err);
}

/* The entry a request names: NDA_DST on the device of ndm_ifindex. */
struct neigh_req {
	struct ndmsg		ndm;
	struct nlattr		*tb[NDA_MAX + 1];
	struct net_device	*dev;
	uint32_t		dst;
};

static int neigh_parse_req(struct usn_net *net, const struct nlmsghdr *nlh,
			   struct neigh_req *req, bool need_dev)
{
	int err;

	err = nlmsg_parse(nlh, sizeof(req->ndm), req->tb, NDA_MAX, nda_policy);
	if (err)
		return err;
	memcpy(&req->ndm, nlmsg_data(nlh), sizeof(req->ndm));
	if (!req->tb[NDA_DST] ||
	    nla_len(req->tb[NDA_DST]) < (int)sizeof(req->dst))
		return -EINVAL;
	memcpy(&req->dst, nla_data(req->tb[NDA_DST]), sizeof(req->dst));
	req->dev = NULL;
	if (req->ndm.ndm_ifindex) {
		req->dev = dev_get_by_index(net, req->ndm.ndm_ifindex);
		if (!req->dev)
			return -ENODEV;
	} else if (need_dev) {
		return -EINVAL;
	}
	if (req->dev && req->tb[NDA_LLADDR] &&
	    nla_len(req->tb[NDA_LLADDR]) < req->dev->addr_len)
		return -EINVAL;
	return neigh_tbl(net) ? 0 : -EAFNOSUPPORT;
}

static int neigh_add(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct usn_net *net = netlink_skb_net(skb);
	unsigned int flags = NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE;
	const unsigned char *lladdr = NULL;
	struct neigh_req req;
	struct neighbour *n;
	int err;

	err = neigh_parse_req(net, nlh, &req, true);
	if (err)
		return err;
	if (req.tb[NDA_LLADDR])
		lladdr = nla_data(req.tb[NDA_LLADDR]);
	n = neigh_lookup(neigh_tbl(net), req.dev, req.dst);
	if (n) {
		if (nlh->nlmsg_flags & NLM_F_EXCL)
			return -EEXIST;
		if (!(nlh->nlmsg_flags & NLM_F_REPLACE))
			flags &= ~NEIGH_UPDATE_F_OVERRIDE;
	} else {
		if (!(nlh->nlmsg_flags & NLM_F_CREATE))
			return -ENOENT;
		n = neigh_lookup_create(neigh_tbl(net), req.dev, req.dst);
		if (!n)
			return -ENOBUFS;
	}
	if ((req.ndm.ndm_state & NUD_VALID) && !lladdr &&
	    !(n->nud_state & NUD_VALID)) {
		/* A valid state needs an address to be valid with. */
		if (!(n->nud_state & ~NUD_FAILED))
			neigh_remove(n);
		return -EINVAL;
	}
	return neigh_update(n, lladdr, req.ndm.ndm_state, flags);
}

static int neigh_delete(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct usn_net *net = netlink_skb_net(skb);
	struct neigh_req req;
	struct neighbour *n;
	int err;

	err = neigh_parse_req(net, nlh, &req, false);
	if (err)
		return err;
	/* Without a device: the kernel's "flush this address on every device". */
	if (!req.dev)
		return -EINVAL;
	n = neigh_lookup(neigh_tbl(net), req.dev, req.dst);
	if (!n)
		return -ENOENT;
	neigh_remove(n);
	return 0;
}

static int neigh_get(struct sk_buff *in_skb, struct nlmsghdr *nlh)
{
	struct usn_net *net = netlink_skb_net(in_skb);
	struct neigh_req req;
	struct neighbour *n;
	struct sk_buff *skb;
	int err;

	err = neigh_parse_req(net, nlh, &req, true);
	if (err)
		return err;
	n = neigh_lookup(neigh_tbl(net), req.dev, req.dst);
	if (!n)
		return -ENOENT;
	skb = nlmsg_new(NEIGH_MSG_SIZE);
	if (!skb)
		return -ENOBUFS;
	err = neigh_fill_info(skb, n, NETLINK_CB(in_skb).portid,
			      nlh->nlmsg_seq, RTM_NEWNEIGH, 0);
	return rtnl_reply(skb, in_skb, err);
}

/* cb->args: [0] bucket, [1] entries of the bucket done. */
static int neigh_dump_info(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct neigh_table *tbl = neigh_tbl(cb->net);
	struct neighbour *n;
	unsigned long b;
	long idx;
	int err = 0;

	if (!tbl)
		return 0;
	for (b = (unsigned long)cb->args[0]; b <= tbl->hash_mask; b++) {
		idx = 0;
		hlist_for_each_entry(n, &tbl->hash[b], node) {
			if (idx++ < cb->args[1])
				continue;
			err = neigh_fill_info(skb, n, cb->portid, cb->seq,
					      RTM_NEWNEIGH, NLM_F_MULTI);
			if (err)
				goto out;
			cb->args[1] = idx;
		}
		cb->args[1] = 0;
		cb->args[0] = (long)b + 1;
	}
out:
	return netlink_dump_ret(skb, err);
}

int neigh_nl_init(void)
{
	int err;

	err = rtnl_register(PF_UNSPEC, RTM_NEWNEIGH, neigh_add, NULL);
	if (!err)
		err = rtnl_register(PF_UNSPEC, RTM_DELNEIGH, neigh_delete, NULL);
	if (!err)
		err = rtnl_register(PF_UNSPEC, RTM_GETNEIGH, neigh_get,
				    neigh_dump_info);
	return err;
}
