/* SPDX-License-Identifier: MIT */
/*
 * rtnl_link.c - devices over NETLINK_ROUTE, after the link half of
 * net/core/rtnetlink.c: RTM_GETLINK (one device or a dump), RTM_NEWLINK /
 * RTM_SETLINK (flags, MTU, name, link address, queue length of an
 * existing device), RTM_DELLINK (devices whose kind can be deleted), and
 * an RTM_NEWLINK / RTM_DELLINK to RTNLGRP_LINK on every device event.
 */
#include <errno.h>
#include <string.h>
#include <linux/if_link.h>
#include "core/notifier.h"
#include "family/netlink/rtnetlink.h"
#include "link/netdevice.h"
#include "net/net.h"

#define IFINFO_MSG_SIZE	1024	/* every attribute below fits */

/* RFC 2863 states of <linux/if.h>, which <net/if.h> cannot be included with. */
enum {
	USN_IF_OPER_UNKNOWN = 0,
	USN_IF_OPER_DOWN = 2,
	USN_IF_OPER_LOWERLAYERDOWN = 3,
	USN_IF_OPER_UP = 6,
};

static const struct nla_policy ifla_policy[IFLA_MAX + 1] = {
	[IFLA_IFNAME]		= { .type = NLA_STRING, .len = IFNAMSIZ - 1 },
	[IFLA_ADDRESS]		= { .type = NLA_BINARY, .len = MAX_ADDR_LEN },
	[IFLA_BROADCAST]	= { .type = NLA_BINARY, .len = MAX_ADDR_LEN },
	[IFLA_MTU]		= { .type = NLA_U32 },
	[IFLA_TXQLEN]		= { .type = NLA_U32 },
	[IFLA_OPERSTATE]	= { .type = NLA_U8 },
	[IFLA_LINKMODE]		= { .type = NLA_U8 },
	[IFLA_LINKINFO]		= { .type = NLA_NESTED },
	[IFLA_GROUP]		= { .type = NLA_U32 },
	[IFLA_EXT_MASK]		= { .type = NLA_U32 },
	[IFLA_ALT_IFNAME]	= { .type = NLA_STRING, .len = 127 },
};

/* RFC 2863 operational state, as the kernel derives it for these devices. */
static uint8_t dev_operstate(const struct net_device *dev)
{
	if (!netif_running(dev))
		return USN_IF_OPER_DOWN;
	if (dev->flags & IFF_LOOPBACK)
		return USN_IF_OPER_UNKNOWN;	/* no carrier to speak of */
	return (dev->flags & IFF_LOWER_UP) ? USN_IF_OPER_UP : USN_IF_OPER_LOWERLAYERDOWN;
}

static void dev_get_stats64(const struct net_device *dev,
			    struct rtnl_link_stats64 *s)
{
	memset(s, 0, sizeof(*s));
	s->rx_packets = dev->stats.rx_packets;
	s->tx_packets = dev->stats.tx_packets;
	s->rx_bytes = dev->stats.rx_bytes;
	s->tx_bytes = dev->stats.tx_bytes;
	s->rx_errors = dev->stats.rx_errors;
	s->tx_errors = dev->stats.tx_errors;
	s->rx_dropped = dev->stats.rx_dropped;
	s->tx_dropped = dev->stats.tx_dropped;
	s->rx_nohandler = dev->stats.rx_nohandler;
}

static int rtnl_put_stats(struct sk_buff *skb, const struct net_device *dev)
{
	struct rtnl_link_stats64 s64;
	struct rtnl_link_stats s;

	dev_get_stats64(dev, &s64);
	if (nla_put(skb, IFLA_STATS64, sizeof(s64), &s64))
		return -EMSGSIZE;
	memset(&s, 0, sizeof(s));
	s.rx_packets = (uint32_t)s64.rx_packets;
	s.tx_packets = (uint32_t)s64.tx_packets;
	s.rx_bytes = (uint32_t)s64.rx_bytes;
	s.tx_bytes = (uint32_t)s64.tx_bytes;
	s.rx_errors = (uint32_t)s64.rx_errors;
	s.tx_errors = (uint32_t)s64.tx_errors;
	s.rx_dropped = (uint32_t)s64.rx_dropped;
	s.tx_dropped = (uint32_t)s64.tx_dropped;
	s.rx_nohandler = (uint32_t)s64.rx_nohandler;
	return nla_put(skb, IFLA_STATS, sizeof(s), &s);
}

static int rtnl_put_linkinfo(struct sk_buff *skb, const struct net_device *dev)
{
	struct nlattr *linkinfo;

	if (!dev->rtnl_link_ops)
		return 0;
	linkinfo = nla_nest_start(skb, IFLA_LINKINFO);
	if (!linkinfo ||
	    nla_put_string(skb, IFLA_INFO_KIND, dev->rtnl_link_ops->kind))
		return -EMSGSIZE;
	nla_nest_end(skb, linkinfo);
	return 0;
}

/* An RTM_NEWLINK/RTM_DELLINK about @dev, attributes in the kernel's order. */
static int rtnl_fill_ifinfo(struct sk_buff *skb, const struct net_device *dev,
			    int type, uint32_t portid, uint32_t seq,
			    unsigned int change, int flags)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, portid, seq, type, sizeof(*ifm), flags);
	if (!nlh)
		return -EMSGSIZE;
	ifm = nlmsg_data(nlh);
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_type = dev->type;
	ifm->ifi_index = dev->ifindex;
	ifm->ifi_flags = dev_get_flags(dev);
	ifm->ifi_change = change;

	if (nla_put_string(skb, IFLA_IFNAME, dev->name) ||
	    nla_put_u32(skb, IFLA_TXQLEN, dev->tx_queue_len) ||
	    nla_put_u8(skb, IFLA_OPERSTATE, dev_operstate(dev)) ||
	    nla_put_u8(skb, IFLA_LINKMODE, 0) ||
	    nla_put_u32(skb, IFLA_MTU, dev->mtu) ||
	    nla_put_u32(skb, IFLA_MIN_MTU, dev->min_mtu) ||
	    nla_put_u32(skb, IFLA_MAX_MTU, dev->max_mtu) ||
	    nla_put_u32(skb, IFLA_GROUP, 0) ||
	    nla_put_u32(skb, IFLA_PROMISCUITY, dev->promiscuity) ||
	    nla_put_u32(skb, IFLA_ALLMULTI, dev->allmulti) ||
	    nla_put_u32(skb, IFLA_NUM_TX_QUEUES, 1) ||
	    nla_put_u32(skb, IFLA_NUM_RX_QUEUES, 1) ||
	    nla_put_u8(skb, IFLA_CARRIER, !!(dev->flags & IFF_LOWER_UP)))
		goto nla_put_failure;
	if (dev->addr_len &&
	    (nla_put(skb, IFLA_ADDRESS, dev->addr_len, dev->dev_addr) ||
	     nla_put(skb, IFLA_BROADCAST, dev->addr_len, dev->broadcast)))
		goto nla_put_failure;
	if (rtnl_put_stats(skb, dev) || rtnl_put_linkinfo(skb, dev))
		goto nla_put_failure;
	nlmsg_end(skb, nlh);
	return 0;

nla_put_failure:
	nlmsg_cancel(skb, nlh);
	return -EMSGSIZE;
}

/* The device a request names: by index, else by IFLA_IFNAME. */
static struct net_device *rtnl_dev_get(struct usn_net *net,
				       const struct ifinfomsg *ifm,
				       struct nlattr **tb)
{
	char name[IFNAMSIZ];

	if (ifm->ifi_index > 0)
		return dev_get_by_index(net, ifm->ifi_index);
	if (tb[IFLA_IFNAME]) {
		nla_strscpy(name, tb[IFLA_IFNAME], sizeof(name));
		return dev_get_by_name(net, name);
	}
	return NULL;
}

/* A link request's header and attributes, and *@devp the device it names. */
static int rtnl_parse_ifinfo(const struct sk_buff *skb,
			     const struct nlmsghdr *nlh, struct ifinfomsg *ifm,
			     struct nlattr **tb, struct net_device **devp)
{
	int err = nlmsg_parse(nlh, sizeof(*ifm), tb, IFLA_MAX, ifla_policy);

	if (err)
		return err;
	memcpy(ifm, nlmsg_data(nlh), sizeof(*ifm));
	*devp = rtnl_dev_get(netlink_skb_net(skb), ifm, tb);
	return 0;
}

static int rtnl_getlink(struct sk_buff *in_skb, struct nlmsghdr *nlh)
{
	struct nlattr *tb[IFLA_MAX + 1];
	struct net_device *dev;
	struct ifinfomsg ifm;
	struct sk_buff *skb;
	int err;

	err = rtnl_parse_ifinfo(in_skb, nlh, &ifm, tb, &dev);
	if (err)
		return err;
	if (ifm.ifi_index <= 0 && !tb[IFLA_IFNAME])
		return -EINVAL;
	if (!dev)
		return -ENODEV;
	skb = nlmsg_new(IFINFO_MSG_SIZE);
	if (!skb)
		return -ENOBUFS;
	err = rtnl_fill_ifinfo(skb, dev, RTM_NEWLINK, NETLINK_CB(in_skb).portid,
			       nlh->nlmsg_seq, 0, 0);
	return rtnl_reply(skb, in_skb, err);
}

/* cb->args[0]: the ifindex to go on from (devices are kept in ifindex order). */
static int rtnl_dump_ifinfo(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net_device *dev;
	int err = 0;

	list_for_each_entry(dev, &cb->net->dev_base_head, dev_list) {
		if (dev->ifindex < cb->args[0])
			continue;
		err = rtnl_fill_ifinfo(skb, dev, RTM_NEWLINK, cb->portid,
				       cb->seq, 0, NLM_F_MULTI);
		if (err)
			break;
		cb->args[0] = dev->ifindex + 1;
	}
	return netlink_dump_ret(skb, err);
}

static unsigned int rtnl_dev_combine_flags(const struct net_device *dev,
					   const struct ifinfomsg *ifm)
{
	unsigned int flags = ifm->ifi_flags;

	/* ifi_change == 0 means every flag, for old programs. */
	if (ifm->ifi_change)
		flags = (flags & ifm->ifi_change) |
			(dev_get_flags(dev) & ~ifm->ifi_change);
	return flags;
}

/* Applies a RTM_NEWLINK/SETLINK to @dev, in the kernel's do_setlink order. */
static int do_setlink(struct net_device *dev, const struct ifinfomsg *ifm,
		      struct nlattr **tb)
{
	char name[IFNAMSIZ];
	int err;

	if (tb[IFLA_ADDRESS]) {
		err = dev_set_mac_address(dev, nla_data(tb[IFLA_ADDRESS]),
					  (unsigned int)nla_len(tb[IFLA_ADDRESS]));
		if (err)
			return err;
	}
	if (tb[IFLA_MTU]) {
		err = dev_set_mtu(dev, nla_get_u32(tb[IFLA_MTU]));
		if (err)
			return err;
	}
	/* A name with an index is a rename; without, it named the device. */
	if (ifm->ifi_index > 0 && tb[IFLA_IFNAME]) {
		nla_strscpy(name, tb[IFLA_IFNAME], sizeof(name));
		err = dev_change_name(dev, name);
		if (err)
			return err;
	}
	if (ifm->ifi_flags || ifm->ifi_change) {
		err = dev_change_flags(dev, rtnl_dev_combine_flags(dev, ifm));
		if (err)
			return err;
	}
	if (tb[IFLA_TXQLEN]) {
		err = dev_change_tx_queue_len(dev, nla_get_u32(tb[IFLA_TXQLEN]));
		if (err)
			return err;
	}
	return 0;
}

static int rtnl_setlink(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct nlattr *tb[IFLA_MAX + 1];
	struct net_device *dev;
	struct ifinfomsg ifm;
	int err;

	err = rtnl_parse_ifinfo(skb, nlh, &ifm, tb, &dev);
	if (err)
		return err;
	if (!dev)
		return -ENODEV;
	return do_setlink(dev, &ifm, tb);
}

static int rtnl_newlink(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct nlattr *tb[IFLA_MAX + 1];
	struct net_device *dev;
	struct ifinfomsg ifm;
	int err;

	err = rtnl_parse_ifinfo(skb, nlh, &ifm, tb, &dev);
	if (err)
		return err;
	if (dev) {
		if (nlh->nlmsg_flags & NLM_F_EXCL)
			return -EEXIST;
		if (nlh->nlmsg_flags & NLM_F_REPLACE)
			return -EOPNOTSUPP;
		return do_setlink(dev, &ifm, tb);
	}
	if (!(nlh->nlmsg_flags & NLM_F_CREATE))
		return -ENODEV;
	/*
	 * Creating devices by kind (IFLA_LINKINFO) is not offered: devices
	 * are made by usn_memlink_create()/usn_tap_attach(). The kernel's
	 * answer to a kind it does not know.
	 */
	return -EOPNOTSUPP;
}

static int rtnl_dellink(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct nlattr *tb[IFLA_MAX + 1];
	struct net_device *dev;
	struct ifinfomsg ifm;
	int err;

	err = rtnl_parse_ifinfo(skb, nlh, &ifm, tb, &dev);
	if (err)
		return err;
	if (ifm.ifi_index <= 0 && !tb[IFLA_IFNAME])
		return -EINVAL;
	if (!dev)
		return -ENODEV;
	if (!dev->rtnl_link_ops || !dev->rtnl_link_ops->dellink)
		return -EOPNOTSUPP;
	dev->rtnl_link_ops->dellink(dev);
	return 0;
}

/* ---- notifications ------------------------------------------------------ */

void rtmsg_ifinfo(int type, struct net_device *dev, unsigned int change)
{
	struct usn_net *net = dev_net(dev);
	uint32_t portid, seq;
	struct sk_buff *skb;
	int err;

	skb = rtnl_notify_new(net, RTNLGRP_LINK, IFINFO_MSG_SIZE, &portid,
			      &seq);
	if (!skb)
		return;
	err = rtnl_fill_ifinfo(skb, dev, type, portid, seq, change, 0);
	rtnl_notify_send(skb, net, RTNLGRP_LINK, err);
}

static int rtnetlink_event(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct net_device *dev = ptr;

	switch (event) {
	case NETDEV_REGISTER:
		rtmsg_ifinfo(RTM_NEWLINK, dev, ~0u);
		break;
	/*
	 * Not NETDEV_UP, _DOWN or _CHANGE: a change of flags is announced
	 * once, by __dev_notify_flags(), dev_open() or dev_close().
	 */
	case NETDEV_CHANGEMTU:
	case NETDEV_CHANGEADDR:
	case NETDEV_CHANGENAME:
	case NETDEV_CHANGE_TX_QUEUE_LEN:
		rtmsg_ifinfo(RTM_NEWLINK, dev, 0);
		break;
	case NETDEV_UNREGISTER:
		rtmsg_ifinfo(RTM_DELLINK, dev, ~0u);
		break;
	}
	return 0;
}

static struct notifier_block rtnetlink_dev_notifier = {
	.notifier_call	= rtnetlink_event,
};

int rtnl_link_init(void)
{
	int err;

	err = rtnl_register(PF_UNSPEC, RTM_GETLINK, rtnl_getlink,
			    rtnl_dump_ifinfo);
	if (!err)
		err = rtnl_register(PF_UNSPEC, RTM_NEWLINK, rtnl_newlink, NULL);
	if (!err)
		err = rtnl_register(PF_UNSPEC, RTM_SETLINK, rtnl_setlink, NULL);
	if (!err)
		err = rtnl_register(PF_UNSPEC, RTM_DELLINK, rtnl_dellink, NULL);
	if (err)
		return err;
	register_netdevice_notifier(&rtnetlink_dev_notifier);
	return 0;
}
