/* SPDX-License-Identifier: MIT */
/*
 * devinet_nl.c - IPv4 addresses over NETLINK_ROUTE, after the netlink
 * half of net/ipv4/devinet.c: RTM_NEWADDR, RTM_DELADDR, the RTM_GETADDR
 * dump, and RTM_NEWADDR / RTM_DELADDR to RTNLGRP_IPV4_IFADDR whenever an
 * address comes or goes, however it was added.
 */
#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include "core/notifier.h"
#include "family/netlink/rtnetlink.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "network/ipv4/devinet.h"

#define IFADDR_MSG_SIZE	256
#define INFINITY_LIFE_TIME	0xFFFFFFFFu

static const struct nla_policy ifa_ipv4_policy[IFA_MAX + 1] = {
	[IFA_LOCAL]	= { .type = NLA_U32 },
	[IFA_ADDRESS]	= { .type = NLA_U32 },
	[IFA_BROADCAST]	= { .type = NLA_U32 },
	[IFA_LABEL]	= { .type = NLA_STRING, .len = IFNAMSIZ - 1 },
	[IFA_CACHEINFO]	= { .len = sizeof(struct ifa_cacheinfo) },
	[IFA_FLAGS]	= { .type = NLA_U32 },
	[IFA_RT_PRIORITY] = { .type = NLA_U32 },
};

/* Hundredths of a second, as the kernel's cstamp/tstamp (since start-up). */
static uint32_t ifa_stamp(uint64_t ns)
{
	return (uint32_t)(ns / 10000000u);
}

static int inet_fill_ifaddr(struct sk_buff *skb, const struct in_ifaddr *ifa,
			    int event, uint32_t portid, uint32_t seq, int flags)
{
	struct ifa_cacheinfo ci;
	struct ifaddrmsg *ifm;
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, portid, seq, event, sizeof(*ifm), flags);
	if (!nlh)
		return -EMSGSIZE;
	ifm = nlmsg_data(nlh);
	ifm->ifa_family = AF_INET;
	ifm->ifa_prefixlen = ifa->ifa_prefixlen;
	ifm->ifa_flags = (uint8_t)ifa->ifa_flags;
	ifm->ifa_scope = ifa->ifa_scope;
	ifm->ifa_index = (uint32_t)ifa->ifa_dev->dev->ifindex;

	memset(&ci, 0, sizeof(ci));
	ci.ifa_prefered = INFINITY_LIFE_TIME;
	ci.ifa_valid = INFINITY_LIFE_TIME;
	ci.cstamp = ifa_stamp(ifa->ifa_cstamp);
	ci.tstamp = ifa_stamp(ifa->ifa_tstamp);

	if ((ifa->ifa_address &&
	     nla_put_in_addr(skb, IFA_ADDRESS, ifa->ifa_address)) ||
	    (ifa->ifa_local && nla_put_in_addr(skb, IFA_LOCAL, ifa->ifa_local)) ||
	    (ifa->ifa_broadcast &&
	     nla_put_in_addr(skb, IFA_BROADCAST, ifa->ifa_broadcast)) ||
	    (ifa->ifa_label[0] &&
	     nla_put_string(skb, IFA_LABEL, ifa->ifa_label)) ||
	    nla_put_u32(skb, IFA_FLAGS, ifa->ifa_flags) ||
	    nla_put(skb, IFA_CACHEINFO, sizeof(ci), &ci)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

/* The request as an address: rtm_to_ifaddr(). */
static int rtm_to_ifaddr(struct usn_net *net, struct nlmsghdr *nlh,
			 struct in_ifaddr *ifa, struct net_device **devp)
{
	struct nlattr *tb[IFA_MAX + 1];
	struct ifaddrmsg ifm;
	struct net_device *dev;
	int err;

	err = nlmsg_parse(nlh, sizeof(ifm), tb, IFA_MAX, ifa_ipv4_policy);
	if (err)
		return err;
	memcpy(&ifm, nlmsg_data(nlh), sizeof(ifm));
	if (!tb[IFA_LOCAL])
		tb[IFA_LOCAL] = tb[IFA_ADDRESS];
	if (ifm.ifa_prefixlen > 32 || !tb[IFA_LOCAL])
		return -EINVAL;
	dev = dev_get_by_index(net, (int)ifm.ifa_index);
	if (!dev)
		return -ENODEV;
	memset(ifa, 0, sizeof(*ifa));
	ifa->ifa_prefixlen = ifm.ifa_prefixlen;
	ifa->ifa_flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) :
					 ifm.ifa_flags;
	/* No lifetimes here: every address is permanent. */
	ifa->ifa_flags |= IFA_F_PERMANENT;
	ifa->ifa_scope = ifm.ifa_scope;
	ifa->ifa_local = nla_get_in_addr(tb[IFA_LOCAL]);
	ifa->ifa_address = tb[IFA_ADDRESS] ? nla_get_in_addr(tb[IFA_ADDRESS]) :
					     ifa->ifa_local;
	if (tb[IFA_BROADCAST])
		ifa->ifa_broadcast = nla_get_in_addr(tb[IFA_BROADCAST]);
	if (tb[IFA_LABEL])
		nla_strscpy(ifa->ifa_label, tb[IFA_LABEL], sizeof(ifa->ifa_label));
	*devp = dev;
	return 0;
}

static int inet_rtm_newaddr(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct net_device *dev;
	struct in_ifaddr tmpl, *old;
	int err;

	err = rtm_to_ifaddr(netlink_skb_net(skb), nlh, &tmpl, &dev);
	if (err)
		return err;
	old = dev->ip_ptr ? inet_ifa_find(dev->ip_ptr, tmpl.ifa_local,
					  tmpl.ifa_prefixlen) : NULL;
	if (!old)
		return inet_ifa_add(dev, &tmpl);
	if ((nlh->nlmsg_flags & NLM_F_EXCL) ||
	    !(nlh->nlmsg_flags & NLM_F_REPLACE))
		return -EEXIST;
	/* NLM_F_REPLACE keeps the address and its routes: its flags change. */
	old->ifa_flags = tmpl.ifa_flags;
	inet_ifa_changed(old);
	return 0;
}

static int inet_rtm_deladdr(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct usn_net *net = netlink_skb_net(skb);
	struct nlattr *tb[IFA_MAX + 1];
	struct in_ifaddr *ifa, *tmp;
	struct net_device *dev;
	struct ifaddrmsg ifm;
	char label[IFNAMSIZ];
	uint32_t addr;
	int err;

	err = nlmsg_parse(nlh, sizeof(ifm), tb, IFA_MAX, ifa_ipv4_policy);
	if (err)
		return err;
	memcpy(&ifm, nlmsg_data(nlh), sizeof(ifm));
	dev = dev_get_by_index(net, (int)ifm.ifa_index);
	if (!dev)
		return -ENODEV;
	if (!dev->ip_ptr)
		return -EADDRNOTAVAIL;
	if (tb[IFA_LABEL])
		nla_strscpy(label, tb[IFA_LABEL], sizeof(label));
	list_for_each_entry_safe(ifa, tmp, &dev->ip_ptr->ifa_list, ifa_list) {
		if (tb[IFA_LOCAL] &&
		    ifa->ifa_local != nla_get_in_addr(tb[IFA_LOCAL]))
			continue;
		if (tb[IFA_LABEL] && strcmp(ifa->ifa_label, label))
			continue;
		if (tb[IFA_ADDRESS]) {
			addr = nla_get_in_addr(tb[IFA_ADDRESS]);
			/* inet_ifa_match(): the same prefix length and subnet */
			if (ifm.ifa_prefixlen != ifa->ifa_prefixlen ||
			    ((addr ^ ifa->ifa_address) & ifa->ifa_mask))
				continue;
		}
		inet_ifa_del(ifa);
		return 0;
	}
	return -EADDRNOTAVAIL;
}

/* cb->args[0]: the ifindex to go on from; args[1]: addresses of it done. */
static int inet_dump_ifaddr(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net_device *dev;
	struct in_ifaddr *ifa;
	long idx;
	int err = 0;

	list_for_each_entry(dev, &cb->net->dev_base_head, dev_list) {
		if (dev->ifindex < cb->args[0])
			continue;
		if (dev->ifindex > cb->args[0])
			cb->args[1] = 0;
		cb->args[0] = dev->ifindex;
		if (!dev->ip_ptr)
			continue;
		idx = 0;
		list_for_each_entry(ifa, &dev->ip_ptr->ifa_list, ifa_list) {
			if (idx++ < cb->args[1])
				continue;
			err = inet_fill_ifaddr(skb, ifa, RTM_NEWADDR, cb->portid,
					       cb->seq, NLM_F_MULTI);
			if (err)
				goto out;
			cb->args[1] = idx;
		}
	}
	cb->args[0] = INT32_MAX;
out:
	return netlink_dump_ret(skb, err);
}

static void rtmsg_ifa(int event, struct in_ifaddr *ifa)
{
	struct usn_net *net = dev_net(ifa->ifa_dev->dev);
	uint32_t portid, seq;
	struct sk_buff *skb;
	int err;

	skb = rtnl_notify_new(net, RTNLGRP_IPV4_IFADDR, IFADDR_MSG_SIZE,
			      &portid, &seq);
	if (!skb)
		return;
	err = inet_fill_ifaddr(skb, ifa, event, portid, seq, 0);
	rtnl_notify_send(skb, net, RTNLGRP_IPV4_IFADDR, err);
}

static int devinet_nl_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	switch (event) {
	case NETDEV_UP:
	case NETDEV_CHANGEADDR:
		rtmsg_ifa(RTM_NEWADDR, ptr);
		break;
	case NETDEV_DOWN:
		rtmsg_ifa(RTM_DELADDR, ptr);
		break;
	}
	return 0;
}

/*
 * Before the routing table's notifier: the address is announced before
 * the routes it brings, and its removal before theirs, as on Linux.
 */
static struct notifier_block devinet_nl_notifier = {
	.notifier_call	= devinet_nl_event,
	.priority	= 10,
};

int devinet_nl_init(void)
{
	int err;

	err = rtnl_register(PF_INET, RTM_NEWADDR, inet_rtm_newaddr, NULL);
	if (!err)
		err = rtnl_register(PF_INET, RTM_DELADDR, inet_rtm_deladdr, NULL);
	if (!err)
		err = rtnl_register(PF_INET, RTM_GETADDR, NULL, inet_dump_ifaddr);
	/* IPv4 is the only family: an AF_UNSPEC dump is its dump. */
	if (!err)
		err = rtnl_register(PF_UNSPEC, RTM_GETADDR, NULL, inet_dump_ifaddr);
	if (err)
		return err;
	register_inetaddr_notifier(&devinet_nl_notifier);
	return 0;
}
