/* SPDX-License-Identifier: MIT */
/*
 * dev.c - the device registry and the link layer's receive and transmit
 * paths, after net/core/dev.c.
 *
 * Receive: a driver's ndo_poll() hands each frame to netif_receive_frame(),
 * which counts it, mirrors it to the device's pcap file, strips the link
 * header (eth_type_trans) and calls __netif_receive_skb_core(): every
 * ptype_all tap of the namespace and of the device gets the frame, then the
 * ptype_base handler of its ethertype. Each delivery but the last takes a
 * reference, so no frame is copied to reach several handlers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include "core/log.h"
#include "core/notifier.h"
#include "link/netdevice.h"
#include "link/pcap.h"
#include "network/ipv4/devinet.h"
#include "net/exec.h"
#include "net/net.h"
#include "net/trace.h"

/* ---- registry ---------------------------------------------------------------- */

static struct notifier_head netdev_chain = NOTIFIER_HEAD_INIT(netdev_chain);

void register_netdevice_notifier(struct notifier_block *nb)
{
	notifier_chain_register(&netdev_chain, nb);
}

void unregister_netdevice_notifier(struct notifier_block *nb)
{
	notifier_chain_unregister(nb);
}

struct net_device *alloc_netdev(size_t priv_size, const char *name_fmt,
				void (*setup)(struct net_device *dev))
{
	size_t base = ALIGN_UP(sizeof(struct net_device), (size_t)64);
	struct net_device *dev = calloc(1, base + priv_size);

	if (!dev)
		return NULL;
	snprintf(dev->name, sizeof(dev->name), "%s", name_fmt);
	INIT_LIST_HEAD(&dev->dev_list);
	INIT_LIST_HEAD(&dev->poll_list);
	INIT_LIST_HEAD(&dev->ptype_all);
	dev->rx_fd = -1;
	dev->tx_queue_len = DEFAULT_TX_QUEUE_LEN;
	dev->priv = priv_size ? (char *)dev + base : NULL;
	if (setup)
		setup(dev);
	return dev;
}

void free_netdev(struct net_device *dev)
{
	if (!dev)
		return;
	if (dev->pcap)
		pcap_writer_close(dev->pcap);
	inet_dev_destroy(dev);
	free(dev);
}

struct net_device *dev_get_by_index(struct usn_net *net, int ifindex)
{
	struct net_device *dev;

	list_for_each_entry(dev, &net->dev_base_head, dev_list)
		if (dev->ifindex == ifindex)
			return dev;
	return NULL;
}

struct net_device *dev_get_by_name(struct usn_net *net, const char *name)
{
	struct net_device *dev;

	list_for_each_entry(dev, &net->dev_base_head, dev_list)
		if (!strncmp(dev->name, name, IFNAMSIZ))
			return dev;
	return NULL;
}

/* Resolves a "%d" in the name to the lowest unused number, as dev_alloc_name(). */
static int dev_alloc_name(struct usn_net *net, struct net_device *dev)
{
	char fmt[IFNAMSIZ], name[IFNAMSIZ + 8];

	if (!strchr(dev->name, '%'))
		return dev_get_by_name(net, dev->name) ? -EEXIST : 0;
	if (strchr(dev->name, '%') != strrchr(dev->name, '%') ||
	    !strstr(dev->name, "%d"))
		return -EINVAL;
	memcpy(fmt, dev->name, IFNAMSIZ);
	for (int i = 0; i < 32768; i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(name, sizeof(name), fmt, i);
#pragma GCC diagnostic pop
		if (strlen(name) >= IFNAMSIZ)
			return -ENFILE;
		if (!dev_get_by_name(net, name)) {
			memcpy(dev->name, name, IFNAMSIZ);
			return 0;
		}
	}
	return -ENFILE;
}

static bool dev_valid_name(const char *name)
{
	if (!*name || strlen(name) >= IFNAMSIZ || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (; *name; name++)
		if (*name == '/' || *name == ':' || *name == ' ' || *name == '\t' ||
		    *name == '\n')
			return false;
	return true;
}

int register_netdevice(struct usn_net *net, struct net_device *dev)
{
	int err;

	if (!dev_valid_name(dev->name))
		return -EINVAL;
	err = dev_alloc_name(net, dev);
	if (err)
		return err;
	dev->net = net;
	dev->ifindex = net->ifindex_next++;
	list_add_tail(&dev->dev_list, &net->dev_base_head);
	dev->registered = true;
	notifier_call_chain(&netdev_chain, NETDEV_REGISTER, dev);
	return 0;
}

int dev_change_name(struct net_device *dev, const char *newname)
{
	char old[IFNAMSIZ];
	int err;

	if (!strncmp(dev->name, newname, IFNAMSIZ))
		return 0;
	if (dev->flags & IFF_UP)
		return -EBUSY;
	if (!dev_valid_name(newname))
		return -EINVAL;
	if (!strchr(newname, '%') && dev_get_by_name(dev->net, newname))
		return -EEXIST;
	memcpy(old, dev->name, IFNAMSIZ);
	snprintf(dev->name, sizeof(dev->name), "%s", newname);
	err = strchr(newname, '%') ? dev_alloc_name(dev->net, dev) : 0;
	if (err) {
		memcpy(dev->name, old, IFNAMSIZ);
		return err;
	}
	notifier_call_chain(&netdev_chain, NETDEV_CHANGENAME, dev);
	return 0;
}

int dev_set_mac_address(struct net_device *dev, const unsigned char *addr,
			unsigned int len)
{
	static const unsigned char zero[MAX_ADDR_LEN];

	if (dev->type != ARPHRD_ETHER)
		return -EOPNOTSUPP;
	if (len < dev->addr_len)
		return -EINVAL;
	/* is_valid_ether_addr(): not multicast, not all zeroes */
	if ((addr[0] & 1) || !memcmp(addr, zero, dev->addr_len))
		return -EADDRNOTAVAIL;
	memcpy(dev->dev_addr, addr, dev->addr_len);
	notifier_call_chain(&netdev_chain, NETDEV_CHANGEADDR, dev);
	return 0;
}

int dev_change_tx_queue_len(struct net_device *dev, unsigned int len)
{
	if (len > INT32_MAX)
		return -ERANGE;
	if (len != dev->tx_queue_len) {
		dev->tx_queue_len = len;
		notifier_call_chain(&netdev_chain, NETDEV_CHANGE_TX_QUEUE_LEN,
				    dev);
	}
	return 0;
}

static void backlog_purge_dev(struct usn_net *net, struct net_device *dev)
{
	struct sk_buff *skb, *next;

	for (skb = net->backlog.next; skb != (struct sk_buff *)&net->backlog;
	     skb = next) {
		next = skb->next;
		if (skb->dev == dev) {
			__skb_unlink(skb, &net->backlog);
			kfree_skb_reason(skb, SKB_DROP_REASON_DEV_GONE);
		}
	}
}

void unregister_netdevice(struct net_device *dev)
{
	struct usn_net *net = dev->net;
	struct packet_type *pt, *tmp;

	dev_close(dev);
	inet_dev_destroy(dev);		/* its addresses go first, announced */
	notifier_call_chain(&netdev_chain, NETDEV_UNREGISTER, dev);
	list_for_each_entry_safe(pt, tmp, &dev->ptype_all, list)
		list_del_init(&pt->list);
	list_del_init(&dev->dev_list);
	if (net->loopback_dev == dev)
		net->loopback_dev = NULL;
	dev->registered = false;
	if (dev->netdev_ops->ndo_uninit)
		dev->netdev_ops->ndo_uninit(dev);
	free_netdev(dev);
}

void devices_unregister_all(struct usn_net *net)
{
	struct net_device *dev;

	/* The loopback goes last, as in the kernel's default_device_exit. */
	while (!list_empty(&net->dev_base_head)) {
		dev = list_entry(net->dev_base_head.prev, struct net_device, dev_list);
		if (dev == net->loopback_dev && dev->dev_list.prev != &net->dev_base_head)
			dev = list_entry(dev->dev_list.prev, struct net_device, dev_list);
		unregister_netdevice(dev);
	}
}

/*
 * Carrier bits usnet keeps in dev->flags where Linux derives them in
 * dev_get_flags(): they are set with IFF_UP and never a user's change.
 */
#define IFF_CARRIER	(IFF_RUNNING | IFF_LOWER_UP)

static int __dev_open(struct net_device *dev)
{
	int err;

	if (dev->netdev_ops->ndo_open) {
		err = dev->netdev_ops->ndo_open(dev);
		if (err)
			return err;
	}
	dev->flags |= IFF_UP | IFF_CARRIER;
	if (dev->rx_fd >= 0) {
		err = exec_watch_fd(dev->net, dev, true);
		if (err) {
			dev->flags &= ~(IFF_UP | IFF_CARRIER);
			return err;
		}
	}
	return 0;
}

static void __dev_close(struct net_device *dev)
{
	if (dev->rx_fd >= 0)
		exec_watch_fd(dev->net, dev, false);
	if (dev->netdev_ops->ndo_stop)
		dev->netdev_ops->ndo_stop(dev);
	dev->flags &= ~(IFF_UP | IFF_CARRIER);
	dev->rx_ready = false;
	backlog_purge_dev(dev->net, dev);
}

/* Not through dev_change_flags(): announced with IFF_UP | IFF_RUNNING, as Linux. */
int dev_open(struct net_device *dev)
{
	int err;

	if (dev->flags & IFF_UP)
		return 0;
	err = __dev_open(dev);
	if (err)
		return err;
	rtmsg_ifinfo(RTM_NEWLINK, dev, IFF_UP | IFF_RUNNING);
	notifier_call_chain(&netdev_chain, NETDEV_UP, dev);
	return 0;
}

int dev_close(struct net_device *dev)
{
	if (!(dev->flags & IFF_UP))
		return 0;
	__dev_close(dev);
	rtmsg_ifinfo(RTM_NEWLINK, dev, IFF_UP | IFF_RUNNING);
	notifier_call_chain(&netdev_chain, NETDEV_DOWN, dev);
	return 0;
}

/* Flags a user may change (SIOCSIFFLAGS): the rest are the driver's. */
#define IFF_USER_MASK	(IFF_UP | IFF_PROMISC | IFF_ALLMULTI | IFF_DEBUG | \
			 IFF_NOARP | IFF_MULTICAST)

/* The user's IFF_PROMISC and IFF_ALLMULTI: one reference each on the counts. */
#define IFF_COUNTED	(IFF_PROMISC | IFF_ALLMULTI)

/* Flags that are the device's state, never a NETDEV_CHANGE (IFF_VOLATILE). */
#define IFF_VOLATILE	(IFF_LOOPBACK | IFF_POINTOPOINT | IFF_BROADCAST | \
			 IFF_MASTER | IFF_SLAVE | IFF_CARRIER | IFF_DORMANT)

unsigned int dev_get_flags(const struct net_device *dev)
{
	return (dev->flags & ~IFF_COUNTED) | (dev->gflags & IFF_COUNTED);
}

/*
 * Announces a change of flags from @old_flags, as __dev_notify_flags():
 * one RTM_NEWLINK whose ifi_change is @gchanges (when any), then
 * NETDEV_UP or NETDEV_DOWN, then NETDEV_CHANGE for any other flag of a
 * device that is up. NETDEV_CHANGE itself is announced to no one.
 */
void __dev_notify_flags(struct net_device *dev, unsigned int old_flags,
			unsigned int gchanges)
{
	unsigned int changes = dev->flags ^ old_flags;

	if (gchanges)
		rtmsg_ifinfo(RTM_NEWLINK, dev, gchanges);
	if (changes & IFF_UP)
		notifier_call_chain(&netdev_chain, (dev->flags & IFF_UP) ?
				    NETDEV_UP : NETDEV_DOWN, dev);
	if ((dev->flags & IFF_UP) &&
	    (changes & ~(IFF_UP | IFF_COUNTED | IFF_VOLATILE)))
		notifier_call_chain(&netdev_chain, NETDEV_CHANGE, dev);
}

/*
 * SIOCSIFFLAGS and RTM_SETLINK's flags, as __dev_change_flags(): the
 * plain flags, then up or down, then the user's references on the
 * promiscuous and all-multicast counts. A device that fails to open
 * keeps the rest of the change, unannounced, as in Linux.
 */
int dev_change_flags(struct net_device *dev, unsigned int flags)
{
	unsigned int old = dev->flags, old_gflags = dev->gflags;
	unsigned int mask = IFF_USER_MASK & ~(IFF_UP | IFF_COUNTED);
	unsigned int gchanges;
	int err = 0;

	dev->flags = (dev->flags & ~mask) | (flags & mask);
	if ((flags ^ old) & IFF_UP) {
		if (old & IFF_UP)
			__dev_close(dev);
		else
			err = __dev_open(dev);
	}
	if ((flags ^ dev->gflags) & IFF_PROMISC) {
		dev->gflags ^= IFF_PROMISC;
		__dev_set_promiscuity(dev, (flags & IFF_PROMISC) ? 1 : -1);
	}
	if ((flags ^ dev->gflags) & IFF_ALLMULTI) {
		dev->gflags ^= IFF_ALLMULTI;
		__dev_set_allmulti(dev, (flags & IFF_ALLMULTI) ? 1 : -1);
	}
	if (err)
		return err;
	/* The carrier bits are not flags in Linux: never in ifi_change. */
	gchanges = ((old ^ dev->flags) & ~IFF_CARRIER) |
		   (old_gflags ^ dev->gflags);
	__dev_notify_flags(dev, old, gchanges);
	return 0;
}

int dev_set_mtu(struct net_device *dev, unsigned int mtu)
{
	int err;

	if (mtu < dev->min_mtu || mtu > dev->max_mtu)
		return -EINVAL;
	if (dev->netdev_ops->ndo_change_mtu) {
		err = dev->netdev_ops->ndo_change_mtu(dev, mtu);
		if (err)
			return err;
	}
	dev->mtu = mtu;
	notifier_call_chain(&netdev_chain, NETDEV_CHANGEMTU, dev);
	return 0;
}

void dev_kfree_skb_reason(struct net_device *dev, struct sk_buff *skb,
			  enum skb_drop_reason reason, bool rx)
{
	if (dev) {
		if (rx)
			dev->stats.rx_dropped++;
		else
			dev->stats.tx_dropped++;
		if (reason < SKB_DROP_REASON_MAX)
			dev->stats.drops[reason]++;
	}
	kfree_skb_reason(skb, reason);
}

void dev_tx_count(struct net_device *dev, unsigned int bytes)
{
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += bytes;
}

/* ---- packet types ---------------------------------------------------------------- */

static struct list_head *ptype_head(struct usn_net *net,
				    const struct packet_type *pt)
{
	if (pt->type == htons(ETH_P_ALL))
		return pt->dev ? &pt->dev->ptype_all : &net->ptype_all;
	return &net->ptype_base[ntohs(pt->type) & (PTYPE_HASH_SIZE - 1)];
}

void dev_add_pack(struct usn_net *net, struct packet_type *pt)
{
	list_add_tail(&pt->list, ptype_head(net, pt));
}

void dev_remove_pack(struct usn_net *net, struct packet_type *pt)
{
	(void)net;
	list_del_init(&pt->list);
}

/* ---- receive ------------------------------------------------------------------------ */

static int deliver_skb(struct sk_buff *skb, struct packet_type *pt,
		       struct net_device *orig_dev, const char *via, bool last)
{
	struct usn_net *net = dev_net(skb->dev);
	int ret;

	if (!last)
		skb_get(skb);
	trace_push(net, via, false);
	trace_push(net, pt->name ? pt->name : "?", pt->trace_entry);
	ret = pt->func(skb, skb->dev, pt, orig_dev);
	trace_pop(net);
	trace_pop(net);
	return ret;
}

/*
 * Delivers to each tap on @list; the last one found is left in *pt_prev
 * (and *via_prev) for the caller to deliver without an extra reference.
 */
static void deliver_taps(struct sk_buff *skb, struct list_head *list,
			 struct packet_type **pt_prev, const char **via_prev)
{
	struct packet_type *pt;

	list_for_each_entry(pt, list, list) {
		if (*pt_prev)
			deliver_skb(skb, *pt_prev, skb->dev, *via_prev, false);
		*pt_prev = pt;
		*via_prev = "ptype_all";
	}
}

static int __netif_receive_skb_core(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct usn_net *net = dev_net(dev);
	struct packet_type *pt, *pt_prev = NULL;
	const char *via = NULL;
	int ret = 0;

	trace_push(net, __func__, true);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	skb->skb_iif = dev->ifindex;

	deliver_taps(skb, &net->ptype_all, &pt_prev, &via);
	deliver_taps(skb, &dev->ptype_all, &pt_prev, &via);

	list_for_each_entry(pt, &net->ptype_base[ntohs(skb->protocol) &
						 (PTYPE_HASH_SIZE - 1)], list) {
		if (pt->type != skb->protocol || (pt->dev && pt->dev != dev))
			continue;
		if (pt_prev)
			deliver_skb(skb, pt_prev, dev, via, false);
		pt_prev = pt;
		via = "ptype_base";
	}

	if (pt_prev) {
		ret = deliver_skb(skb, pt_prev, dev, via, true);
	} else {
		dev->stats.rx_nohandler++;
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_UNHANDLED_PROTO, true);
		ret = -ENOENT;
	}
	trace_pop(net);
	return ret;
}

int netif_receive_skb(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;

	if (!(dev->flags & IFF_UP)) {
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_DEV_DOWN, true);
		return -ENETDOWN;
	}
	return __netif_receive_skb_core(skb);
}

int netif_receive_frame(struct net_device *dev, struct sk_buff *skb)
{
	skb->dev = dev;
	if (dev->pcap)
		pcap_writer_write(dev->pcap, net_now(dev_net(dev)), skb->data,
				  skb->len);
	if (skb->len < ETH_HLEN) {
		dev->stats.rx_errors++;
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_PKT_TOO_SMALL, true);
		return -EINVAL;
	}
	dev->stats.rx_packets++;
	dev->stats.rx_bytes += skb->len;
	skb->tstamp = net_now(dev_net(dev));
	skb->protocol = eth_type_trans(skb, dev);
	return netif_receive_skb(skb);
}

int netif_rx(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct usn_net *net = dev_net(dev);

	if (skb_queue_len(&net->backlog) >= (uint32_t)net->sysctl.netdev_max_backlog) {
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_BACKLOG, true);
		return -ENOBUFS;
	}
	__skb_queue_tail(&net->backlog, skb);
	return 0;
}

int net_rx_action(struct usn_net *net, int budget)
{
	struct net_device *dev, *tmp;
	uint64_t now = net_now(net);
	struct sk_buff *skb;
	int work = 0, n;

	list_for_each_entry_safe(dev, tmp, &net->dev_base_head, dev_list) {
		const struct net_device_ops *ops = dev->netdev_ops;

		if (!ops->ndo_poll || !(dev->flags & IFF_UP))
			continue;
		if (dev->rx_fd >= 0) {
			if (!dev->rx_ready)
				continue;
			dev->rx_ready = false;
		} else if (!ops->ndo_next_rx || ops->ndo_next_rx(dev) > now) {
			continue;
		}
		n = ops->ndo_poll(dev, budget);
		if (dev->rx_fd >= 0 && n >= budget)
			dev->rx_ready = true;	/* more may be waiting */
		work += n;
	}
	for (n = 0; n < budget && (skb = __skb_dequeue(&net->backlog)); n++)
		netif_receive_skb(skb);
	return work + n;
}

uint64_t net_next_rx(struct usn_net *net)
{
	struct net_device *dev;
	uint64_t next = UINT64_MAX, t;

	if (!skb_queue_empty(&net->backlog))
		return 0;
	list_for_each_entry(dev, &net->dev_base_head, dev_list) {
		if (!(dev->flags & IFF_UP))
			continue;
		if (dev->rx_ready)
			return 0;
		if (dev->netdev_ops->ndo_next_rx) {
			t = dev->netdev_ops->ndo_next_rx(dev);
			if (t < next)
				next = t;
		}
	}
	return next;
}

/* ---- transmit ------------------------------------------------------------------------ */

/* Gives every tap a clone of an outgoing frame, as dev_queue_xmit_nit(). */
static void dev_queue_xmit_nit(struct sk_buff *skb, struct list_head *list)
{
	struct packet_type *pt, *tmp;
	struct sk_buff *skb2;

	list_for_each_entry_safe(pt, tmp, list, list) {
		/* A packet socket does not see its own frames (skb_loop_sk). */
		if (pt->id_match ? pt->id_match(pt, skb->sk) :
		    (pt->af_packet_priv && pt->af_packet_priv == (void *)skb->sk))
			continue;
		skb2 = skb_clone(skb);
		if (!skb2)
			break;
		skb_reset_mac_header(skb2);
		skb2->pkt_type = PACKET_OUTGOING;
		skb2->skb_iif = skb->dev->ifindex;
		/* Taps expect data past the link header, as on receive. */
		skb_pull(skb2, skb->dev->hard_header_len);
		skb_reset_network_header(skb2);
		pt->func(skb2, skb->dev, pt, skb->dev);
	}
}

/*
 * No MTU check here, as in Linux: the senders enforce it (ip_output()
 * fragments, packet_sendmsg() allows an 802.1Q tag's 4 more bytes) and
 * the device refuses what it cannot carry (memlink_poll(), tap).
 */
int dev_queue_xmit(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct usn_net *net = dev_net(dev);

	if (!(dev->flags & IFF_UP)) {
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_DEV_DOWN, false);
		return -ENETDOWN;
	}
	if (!list_empty(&net->ptype_all))
		dev_queue_xmit_nit(skb, &net->ptype_all);
	if (!list_empty(&dev->ptype_all))
		dev_queue_xmit_nit(skb, &dev->ptype_all);
	if (dev->pcap)
		pcap_writer_write(dev->pcap, net_now(net), skb->data, skb->len);
	return dev->netdev_ops->ndo_start_xmit(skb, dev);
}
