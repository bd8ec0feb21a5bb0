/* SPDX-License-Identifier: MIT */
/*
 * fib_nl.c - IPv4 routes over NETLINK_ROUTE, after the netlink half of
 * net/ipv4/fib_frontend.c and route.c: RTM_NEWROUTE and RTM_DELROUTE into
 * fib_route_add/del, the RTM_GETROUTE dump of both tables, the single
 * lookup of `ip route get` (inet_rtm_getroute), and RTM_NEWROUTE /
 * RTM_DELROUTE to RTNLGRP_IPV4_ROUTE for every route that comes or goes,
 * the kernel's own (an address's) included.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "family/netlink/rtnetlink.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "network/ipv4/fib.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"

#define RTM_MSG_SIZE	256

static const struct nla_policy rtm_ipv4_policy[RTA_MAX + 1] = {
	[RTA_DST]	= { .type = NLA_U32 },
	[RTA_SRC]	= { .type = NLA_U32 },
	[RTA_IIF]	= { .type = NLA_U32 },
	[RTA_OIF]	= { .type = NLA_U32 },
	[RTA_GATEWAY]	= { .type = NLA_U32 },
	[RTA_PRIORITY]	= { .type = NLA_U32 },
	[RTA_PREFSRC]	= { .type = NLA_U32 },
	[RTA_METRICS]	= { .type = NLA_NESTED },
	[RTA_MULTIPATH]	= { .len = sizeof(struct rtnexthop) },
	[RTA_FLOW]	= { .type = NLA_U32 },
	[RTA_TABLE]	= { .type = NLA_U32 },
	[RTA_MARK]	= { .type = NLA_U32 },
	[RTA_UID]	= { .type = NLA_U32 },
	[RTA_IP_PROTO]	= { .type = NLA_U8 },
	[RTA_SPORT]	= { .type = NLA_U16 },
	[RTA_DPORT]	= { .type = NLA_U16 },
};

static const struct nla_policy rtax_policy[RTAX_MAX + 1] = {
	[RTAX_MTU]	= { .type = NLA_U32 },
};

/* An RTM_NEWROUTE/RTM_DELROUTE about @fa, in the kernel's fib_dump_info order. */
static int fib_dump_info(struct sk_buff *skb, uint32_t portid, uint32_t seq,
			 int event, enum fib_table_id id,
			 const struct fib_alias *fa, unsigned int flags)
{
	uint32_t table = fib_table_rt_id(id);
	struct nlattr *mx;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = nlmsg_put(skb, portid, seq, event, sizeof(*rtm), (int)flags);
	if (!nlh)
		return -EMSGSIZE;
	rtm = nlmsg_data(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = fa->fa_dst_len;
	rtm->rtm_table = (uint8_t)table;
	rtm->rtm_type = fa->fa_type;
	rtm->rtm_scope = fa->fa_scope;
	rtm->rtm_protocol = fa->fa_protocol;
	if (fa->fa_dev && !(fa->fa_dev->flags & IFF_LOWER_UP) &&
	    fa->fa_type == RTN_UNICAST)
		rtm->rtm_flags = RTNH_F_LINKDOWN;

	if (nla_put_u32(skb, RTA_TABLE, table) ||
	    (fa->fa_dst_len && nla_put_in_addr(skb, RTA_DST, fa->fa_dst)) ||
	    (fa->fa_priority &&
	     nla_put_u32(skb, RTA_PRIORITY, fa->fa_priority)))
		goto nla_put_failure;
	if (fa->fa_mtu) {
		mx = nla_nest_start(skb, RTA_METRICS);
		if (!mx || nla_put_u32(skb, RTAX_MTU, fa->fa_mtu))
			goto nla_put_failure;
		nla_nest_end(skb, mx);
	}
	if ((fa->fa_prefsrc && nla_put_in_addr(skb, RTA_PREFSRC, fa->fa_prefsrc)) ||
	    (fa->fa_gw && nla_put_in_addr(skb, RTA_GATEWAY, fa->fa_gw)) ||
	    (fa->fa_dev && nla_put_u32(skb, RTA_OIF, (uint32_t)fa->fa_dev->ifindex)))
		goto nla_put_failure;
	nlmsg_end(skb, nlh);
	return 0;

nla_put_failure:
	nlmsg_cancel(skb, nlh);
	return -EMSGSIZE;
}

void rtmsg_fib(struct usn_net *net, int event, enum fib_table_id id,
	       const struct fib_alias *fa, unsigned int nlflags)
{
	uint32_t portid, seq;
	struct sk_buff *skb;
	int err;

	skb = rtnl_notify_new(net, RTNLGRP_IPV4_ROUTE, RTM_MSG_SIZE, &portid,
			      &seq);
	if (!skb)
		return;
	err = fib_dump_info(skb, portid, seq, event, id, fa,
			    event == RTM_NEWROUTE ? nlflags : 0);
	rtnl_notify_send(skb, net, RTNLGRP_IPV4_ROUTE, err);
}

/* The request as a fib_config, as rtm_to_fib_config(). */
static int rtm_to_fib_config(struct nlmsghdr *nlh, struct fib_config *cfg)
{
	struct nlattr *tb[RTA_MAX + 1], *mx[RTAX_MAX + 1];
	struct rtmsg rtm;
	int err;

	err = nlmsg_parse(nlh, sizeof(rtm), tb, RTA_MAX, rtm_ipv4_policy);
	if (err)
		return err;
	memcpy(&rtm, nlmsg_data(nlh), sizeof(rtm));
	memset(cfg, 0, sizeof(*cfg));
	if (rtm.rtm_dst_len > 32 || rtm.rtm_src_len || rtm.rtm_tos)
		return -EINVAL;
	/* Several next hops (ECMP) are not offered. */
	if (tb[RTA_MULTIPATH])
		return -EOPNOTSUPP;
	cfg->dst_len = rtm.rtm_dst_len;
	cfg->type = rtm.rtm_type;
	cfg->scope = rtm.rtm_scope;
	cfg->protocol = rtm.rtm_protocol;
	cfg->table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm.rtm_table;
	cfg->nlflags = nlh->nlmsg_flags;
	if (tb[RTA_DST])
		cfg->dst = nla_get_in_addr(tb[RTA_DST]);
	if (tb[RTA_OIF])
		cfg->oif = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_GATEWAY])
		cfg->gateway = nla_get_in_addr(tb[RTA_GATEWAY]);
	if (tb[RTA_PRIORITY])
		cfg->priority = nla_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_PREFSRC])
		cfg->prefsrc = nla_get_in_addr(tb[RTA_PREFSRC]);
	if (tb[RTA_METRICS]) {
		err = nla_parse(mx, RTAX_MAX, nla_data(tb[RTA_METRICS]),
				nla_len(tb[RTA_METRICS]), rtax_policy);
		if (err)
			return err;
		if (mx[RTAX_MTU])
			cfg->mtu = nla_get_u32(mx[RTAX_MTU]);
	}
	return 0;
}

static int inet_rtm_newroute(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct fib_config cfg;
	int err;

	err = rtm_to_fib_config(nlh, &cfg);
	if (err)
		return err;
	/* The kernel's flags default: a request without any creates. */
	if (!(cfg.nlflags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE |
			     NLM_F_APPEND)))
		cfg.nlflags = NLM_F_CREATE | NLM_F_APPEND;
	return fib_route_add(netlink_skb_net(skb), &cfg);
}

static int inet_rtm_delroute(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct fib_config cfg;
	int err;

	err = rtm_to_fib_config(nlh, &cfg);
	if (err)
		return err;
	return fib_route_del(netlink_skb_net(skb), &cfg);
}

/*
 * cb->args: [0] table, [1] prefix length, [2] bucket, [3] routes of the
 * bucket done. Tables in the kernel's order (main, then local).
 */
static int inet_dump_fib(struct sk_buff *skb, struct netlink_callback *cb)
{
	static const enum fib_table_id order[] = { FIB_TABLE_MAIN, FIB_TABLE_LOCAL };
	struct fib_table *fib = net_fib(cb->net);
	struct fib_alias *fa;
	long t, len, b, idx;
	int err = 0;

	if (!fib)
		return 0;
	for (t = cb->args[0]; t < (long)ARRAY_SIZE(order); t++) {
		for (len = cb->args[1]; len <= 32; len++) {
			struct fib_plen *pl = &fib->tb[order[t]].plen[len];

			for (b = cb->args[2]; pl->count && b <= pl->mask; b++) {
				idx = 0;
				hlist_for_each_entry(fa, &pl->buckets[b], fa_node) {
					if (idx++ < cb->args[3])
						continue;
					err = fib_dump_info(skb, cb->portid, cb->seq,
							    RTM_NEWROUTE, order[t],
							    fa, NLM_F_MULTI);
					if (err)
						goto out;
					cb->args[3] = idx;
				}
				cb->args[3] = 0;
				cb->args[2] = b + 1;
			}
			cb->args[2] = 0;
			cb->args[1] = len + 1;
		}
		cb->args[1] = 0;
		cb->args[0] = t + 1;
	}
out:
	return netlink_dump_ret(skb, err);
}

/* The table whose route a lookup of @fl4 found (RTM_F_LOOKUP_TABLE). */
static uint32_t fib_lookup_table(struct fib_table *fib, const struct flowi4 *fl4)
{
	struct fib_alias *fa;

	if (!fib_table_lookup(fib, FIB_TABLE_LOCAL, fl4, &fa))
		return RT_TABLE_LOCAL;
	return RT_TABLE_MAIN;
}

/* The answer to `ip route get`: the route a datagram to RTA_DST would take. */
static int rt_fill_info(struct sk_buff *skb, uint32_t portid, uint32_t seq,
			const struct rtmsg *req, const struct flowi4 *fl4,
			const struct rtable *rt, uint32_t table, bool src)
{
	struct rta_cacheinfo ci;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = nlmsg_put(skb, portid, seq, RTM_NEWROUTE, sizeof(*rtm), 0);
	if (!nlh)
		return -EMSGSIZE;
	rtm = nlmsg_data(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	rtm->rtm_src_len = src ? 32 : 0;
	rtm->rtm_tos = req->rtm_tos;
	rtm->rtm_table = (uint8_t)table;
	rtm->rtm_type = rt->rt_type;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_protocol = RTPROT_UNSPEC;
	rtm->rtm_flags = RTM_F_CLONED;
	memset(&ci, 0, sizeof(ci));
	if (nla_put_u32(skb, RTA_TABLE, table) ||
	    nla_put_in_addr(skb, RTA_DST, fl4->daddr) ||
	    (src && nla_put_in_addr(skb, RTA_SRC, fl4->saddr)) ||
	    (rt->dev && nla_put_u32(skb, RTA_OIF, (uint32_t)rt->dev->ifindex)) ||
	    nla_put_in_addr(skb, RTA_PREFSRC, fl4->saddr) ||
	    (rt->rt_gateway && nla_put_in_addr(skb, RTA_GATEWAY, rt->rt_gateway)) ||
	    nla_put_u32(skb, RTA_UID, (uint32_t)getuid()) ||
	    nla_put(skb, RTA_CACHEINFO, sizeof(ci), &ci)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

static int inet_rtm_getroute(struct sk_buff *in_skb, struct nlmsghdr *nlh)
{
	struct usn_net *net = netlink_skb_net(in_skb);
	struct nlattr *tb[RTA_MAX + 1];
	struct flowi4 fl4;
	struct rtable rt;
	struct rtmsg rtm;
	struct sk_buff *skb;
	uint32_t table;
	int err;

	err = nlmsg_parse(nlh, sizeof(rtm), tb, RTA_MAX, rtm_ipv4_policy);
	if (err)
		return err;
	memcpy(&rtm, nlmsg_data(nlh), sizeof(rtm));
	/* An input route (`ip route get ... iif dev`) needs a datagram. */
	if (tb[RTA_IIF] && nla_get_u32(tb[RTA_IIF]))
		return -EOPNOTSUPP;
	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = tb[RTA_DST] ? nla_get_in_addr(tb[RTA_DST]) : 0;
	fl4.saddr = tb[RTA_SRC] ? nla_get_in_addr(tb[RTA_SRC]) : 0;
	fl4.flowi4_oif = tb[RTA_OIF] ? (int)nla_get_u32(tb[RTA_OIF]) : 0;
	fl4.flowi4_tos = rtm.rtm_tos;
	if (tb[RTA_IP_PROTO])
		fl4.flowi4_proto = nla_get_u8(tb[RTA_IP_PROTO]);
	err = ip_route_output_key(net, &fl4, &rt);
	if (err)
		return err;
	table = (rtm.rtm_flags & RTM_F_LOOKUP_TABLE) ?
		fib_lookup_table(net_fib(net), &fl4) : RT_TABLE_MAIN;
	skb = nlmsg_new(RTM_MSG_SIZE);
	if (!skb)
		return -ENOBUFS;
	err = rt_fill_info(skb, NETLINK_CB(in_skb).portid, nlh->nlmsg_seq, &rtm,
			   &fl4, &rt, table, tb[RTA_SRC] != NULL);
	return rtnl_reply(skb, in_skb, err);
}

int fib_nl_init(void)
{
	int err;

	err = rtnl_register(PF_INET, RTM_NEWROUTE, inet_rtm_newroute, NULL);
	if (!err)
		err = rtnl_register(PF_INET, RTM_DELROUTE, inet_rtm_delroute, NULL);
	if (!err)
		err = rtnl_register(PF_INET, RTM_GETROUTE, inet_rtm_getroute,
				    inet_dump_fib);
	/* IPv4 is the only family: an AF_UNSPEC dump is its dump. */
	if (!err)
		err = rtnl_register(PF_UNSPEC, RTM_GETROUTE, NULL, inet_dump_fib);
	return err;
}
