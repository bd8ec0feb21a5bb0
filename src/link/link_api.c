/* SPDX-License-Identifier: MIT */
/*
 * link_api.c - the public calls that configure devices and addresses until
 * the netlink family lands: each finds the device by ifindex under the
 * namespace lock and calls the link layer's own function.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <usnet/usnet.h>
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

__public int usn_link_set_up(struct usn_net *net, int ifindex, int up)
{
	return DEV_CALL(net, ifindex, dev,
			up ? dev_open(dev) : dev_close(dev));
}

__public int usn_link_set_mtu(struct usn_net *net, int ifindex, unsigned int mtu)
{
	return DEV_CALL(net, ifindex, dev, dev_set_mtu(dev, mtu));
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

static int addr_change(struct net_device *dev, int family, const void *addr,
		       int prefixlen, bool add)
{
	uint32_t a;

	if (family != AF_INET)
		return -EAFNOSUPPORT;
	if (!addr)
		return -EFAULT;
	memcpy(&a, addr, sizeof(a));
	return add ? inet_addr_add(dev, a, prefixlen) :
		     inet_addr_del(dev, a, prefixlen);
}

__public int usn_addr_add(struct usn_net *net, int ifindex, int family,
			  const void *addr, int prefixlen)
{
	return DEV_CALL(net, ifindex, dev,
			addr_change(dev, family, addr, prefixlen, true));
}

__public int usn_addr_del(struct usn_net *net, int ifindex, int family,
			  const void *addr, int prefixlen)
{
	return DEV_CALL(net, ifindex, dev,
			addr_change(dev, family, addr, prefixlen, false));
}
