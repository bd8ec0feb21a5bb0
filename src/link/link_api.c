/* SPDX-License-Identifier: MIT */
/*
 * link_api.c - the public calls that configure devices and addresses.
 * Those that change something (link up/down, MTU, addresses) are thin
 * wrappers that send the rtnetlink request `ip` would send to the
 * namespace (netlink_kern_request), so there is one configuration path
 * and every change is announced to RTNLGRP_* members; the others read the
 * device under the namespace lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <usnet/usnet.h>
#include <linux/rtnetlink.h>
#include "family/netlink/af_netlink.h"
#include "link/netdevice.h"
#include "link/pcap.h"
#include "network/ipv4/devinet.h"
#include "net/net.h"
#include "net/usnet.h"

_Static_assert(SKB_DROP_REASON_MAX <= USN_DROP_REASON_MAX,
	       "usn_link_stats.drops[] must hold every drop reason");

static int ret_errno(int err)
{
	if (err < 0) {
		errno = -err;
		return -1;
	}
	return err;
}

/* Looks up @ifindex in @net and locks the namespace; NULL (unlocked) if absent. */
static struct net_device *dev_lock_get(struct usn_net *net, int ifindex)
{
	struct net_device *dev;

	usn_start();
	net_lock(net);
	dev = dev_get_by_index(net, ifindex);
	if (!dev)
		net_unlock(net);
	return dev;
}

#define DEV_CALL(net, ifindex, dev, body)				\
	({								\
		struct net_device *dev;					\
		int __err;						\
		if (!(net)) {						\
			__err = -EINVAL;				\
		} else if (!(dev = dev_lock_get(net, ifindex))) {	\
			__err = -ENODEV;				\
		} else {						\
			__err = (body);					\
			net_unlock(net);				\
		}							\
		ret_errno(__err);					\
	})

__public int usn_link_index(struct usn_net *net, const char *name)
{
	struct net_device *dev;
	int ifindex;

	if (!net || !name)
		return ret_errno(-EINVAL);
	usn_start();
	net_lock(net);
	dev = dev_get_by_name(net, name);
	ifindex = dev ? dev->ifindex : -ENODEV;
	net_unlock(net);
	return ret_errno(ifindex);
}

/* RTM_NEWLINK on an existing device: flags (@change of them) and attributes. */
static int link_request(struct usn_net *net, int ifindex, unsigned int flags,
			unsigned int change, int attr, uint32_t val)
{
	struct ifinfomsg *ifm;
	struct nl_kreq req;

	if (!net)
		return -EINVAL;
	usn_start();
	ifm = nl_kreq_init(&req, RTM_NEWLINK, 0, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = flags;
	ifm->ifi_change = change;
	if (attr)
		nl_kreq_put(&req, attr, &val, sizeof(val));
	return netlink_kern_request(net, NETLINK_ROUTE, &req.nlh);
}

__public int usn_link_set_up(struct usn_net *net, int ifindex, int up)
{
	return ret_errno(link_request(net, ifindex, up ? IFF_UP : 0, IFF_UP,
				      0, 0));
}

__public int usn_link_set_mtu(struct usn_net *net, int ifindex, unsigned int mtu)
{
	return ret_errno(link_request(net, ifindex, 0, 0, IFLA_MTU, mtu));
}

static int copy_hwaddr(struct net_device *dev, unsigned char *addr)
{
	if (!addr)
		return -EFAULT;
	memcpy(addr, dev->dev_addr, ETH_ALEN);
	return 0;
}

__public int usn_link_hwaddr(struct usn_net *net, int ifindex,
			     unsigned char addr[6])
{
	return DEV_CALL(net, ifindex, dev, copy_hwaddr(dev, addr));
}

static int dev_set_pcap(struct net_device *dev, const char *path)
{
	struct pcap_writer *w = NULL;
	int err;

	if (path) {
		err = pcap_writer_open(path, &w);
		if (err)
			return err;
	}
	if (dev->pcap)
		pcap_writer_close(dev->pcap);
	dev->pcap = w;
	return 0;
}

__public int usn_link_pcap(struct usn_net *net, int ifindex, const char *path)
{
	return DEV_CALL(net, ifindex, dev, dev_set_pcap(dev, path));
}

static int copy_stats(struct net_device *dev, struct usn_link_stats *st)
{
	const struct net_device_stats *s = &dev->stats;

	if (!st)
		return -EFAULT;
	memset(st, 0, sizeof(*st));
	st->rx_packets = s->rx_packets;
	st->tx_packets = s->tx_packets;
	st->rx_bytes = s->rx_bytes;
	st->tx_bytes = s->tx_bytes;
	st->rx_errors = s->rx_errors;
	st->tx_errors = s->tx_errors;
	st->rx_dropped = s->rx_dropped;
	st->tx_dropped = s->tx_dropped;
	st->rx_nohandler = s->rx_nohandler;
	memcpy(st->drops, s->drops, sizeof(s->drops));
	return 0;
}

__public int usn_link_stats(struct usn_net *net, int ifindex,
			    struct usn_link_stats *st)
{
	return DEV_CALL(net, ifindex, dev, copy_stats(dev, st));
}

__public const char *usn_drop_reason_name(int reason)
{
	return reason < 0 ? NULL : drop_reason_name((enum skb_drop_reason)reason);
}

/* Does @ifindex exist in @net (RTM_GETLINK)? 0 or -ENODEV. */
static int link_exists(struct usn_net *net, int ifindex)
{
	struct ifinfomsg *ifm;
	struct nl_kreq req;

	ifm = nl_kreq_init(&req, RTM_GETLINK, 0, sizeof(*ifm));
	ifm->ifi_index = ifindex;
	if (ifindex <= 0)
		return -ENODEV;
	return netlink_kern_request(net, NETLINK_ROUTE, &req.nlh);
}

static bool link_is_loopback(struct usn_net *net, int ifindex)
{
	struct net_device *dev;
	bool lo;

	net_lock(net);
	dev = dev_get_by_index(net, ifindex);
	lo = dev && (dev->flags & IFF_LOOPBACK);
	net_unlock(net);
	return lo;
}

/*
 * The RTM_NEWADDR / RTM_DELADDR `ip addr add|del ADDR/LEN brd + dev D`
 * sends: host scope for a loopback address or device, the broadcast
 * address of the prefix (none on a loopback device).
 */
static int addr_change(struct usn_net *net, int ifindex, int family,
		       const void *addr, int prefixlen, bool add)
{
	struct ifaddrmsg *ifm;
	struct nl_kreq req;
	uint32_t a, brd;
	bool lo;
	int err;

	if (!net)
		return -EINVAL;
	usn_start();
	err = link_exists(net, ifindex);
	if (err)
		return err;
	if (family != AF_INET)
		return -EAFNOSUPPORT;
	if (!addr)
		return -EFAULT;
	if (prefixlen < 0 || prefixlen > 32)
		return add ? -EINVAL : -EADDRNOTAVAIL;
	memcpy(&a, addr, sizeof(a));
	lo = link_is_loopback(net, ifindex);
	ifm = nl_kreq_init(&req, add ? RTM_NEWADDR : RTM_DELADDR,
			   add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*ifm));
	ifm->ifa_family = AF_INET;
	ifm->ifa_prefixlen = (uint8_t)prefixlen;
	ifm->ifa_index = (uint32_t)ifindex;
	ifm->ifa_scope = (lo || (ntohl(a) >> 24) == 127) ? RT_SCOPE_HOST :
							   RT_SCOPE_UNIVERSE;
	nl_kreq_put(&req, IFA_LOCAL, &a, sizeof(a));
	nl_kreq_put(&req, IFA_ADDRESS, &a, sizeof(a));
	if (add && prefixlen < 31 && !lo) {
		brd = a | ~inet_make_mask(prefixlen);
		nl_kreq_put(&req, IFA_BROADCAST, &brd, sizeof(brd));
	}
	return netlink_kern_request(net, NETLINK_ROUTE, &req.nlh);
}

__public int usn_addr_add(struct usn_net *net, int ifindex, int family,
			  const void *addr, int prefixlen)
{
	return ret_errno(addr_change(net, ifindex, family, addr, prefixlen,
				     true));
}

__public int usn_addr_del(struct usn_net *net, int ifindex, int family,
			  const void *addr, int prefixlen)
{
	return ret_errno(addr_change(net, ifindex, family, addr, prefixlen,
				     false));
}
