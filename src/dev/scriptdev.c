/* SPDX-License-Identifier: MIT */
/*
 * scriptdev.c - the script device (scriptdev.h): a tun-like device whose
 * far end is the packet-script harness.
 *
 * Like drivers/net/tun.c in IFF_TUN mode, the device is ARPHRD_NONE,
 * point-to-point and IFF_NOARP, with no link header: neigh_output() sends
 * straight through it and what the stack transmits starts at the IPv4
 * header. Two queues, both owned by the namespace lock:
 *
 *   harness --scriptdev_inject--> rx --ndo_poll (softirq)--> ip_rcv
 *   stack --ndo_start_xmit--> tx --scriptdev_take--> harness
 *
 * An injected datagram waits in rx until the namespace's softirq runs
 * (ndo_next_rx reports it due at the time it was injected), so it takes
 * the same path a frame from any device takes. Transmitted datagrams keep
 * the time they left in skb->tstamp. The tx queue is bounded: a stack that
 * sends without end while nobody takes its datagrams loses the excess,
 * counted as "transmit queue full".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "dev/scriptdev.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "net/usnet.h"

#define ARPHRD_NONE		0xFFFE	/* <linux/if_arp.h>: no link header */
#define SCRIPTDEV_MIN_MTU	68
#define SCRIPTDEV_TX_MAX	65536

struct scriptdev {
	struct sk_buff_head	rx;	/* injected, by injection time */
	struct sk_buff_head	tx;	/* sent, by transmit time */
	void			(*tx_notify)(void *arg);
	void			*tx_notify_arg;
};

static const struct net_device_ops scriptdev_ops;

/* ndo_start_xmit: keeps the datagram for the harness. */
static int scriptdev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct scriptdev *sd = netdev_priv(dev);
	unsigned int len = skb->len;

	skb_orphan(skb);
	if (skb_queue_len(&sd->tx) >= SCRIPTDEV_TX_MAX) {
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_TXQUEUE_FULL,
				     false);
		return NETDEV_TX_OK;
	}
	skb->tstamp = net_now(dev_net(dev));
	skb->dev = NULL;
	__skb_queue_tail(&sd->tx, skb);
	dev_tx_count(dev, len);
	if (sd->tx_notify)
		sd->tx_notify(sd->tx_notify_arg);
	return NETDEV_TX_OK;
}

static uint64_t scriptdev_next_rx(struct net_device *dev)
{
	struct scriptdev *sd = netdev_priv(dev);
	struct sk_buff *skb = skb_peek(&sd->rx);

	return skb ? skb->tstamp : UINT64_MAX;
}

/*
 * ndo_poll: hands up what is due. There is no link header to classify:
 * every frame is addressed to this host, and its protocol is IPv6 when the
 * version nibble says 6, IPv4 otherwise (a bad version is ip_rcv's to
 * count), as tun_get_user() decides for IFF_TUN without packet information.
 */
static int scriptdev_poll(struct net_device *dev, int budget)
{
	struct scriptdev *sd = netdev_priv(dev);
	uint64_t now = net_now(dev_net(dev));
	struct sk_buff *skb;
	int n = 0;

	while (n < budget && (skb = skb_peek(&sd->rx)) && skb->tstamp <= now) {
		__skb_unlink(skb, &sd->rx);
		skb->dev = dev;
		skb->protocol = htons((skb->data[0] >> 4) == 6 ? ETH_P_IPV6 :
				      ETH_P_IP);
		skb->pkt_type = PACKET_HOST;
		skb_reset_mac_header(skb);
		dev->stats.rx_packets++;
		dev->stats.rx_bytes += skb->len;
		netif_receive_skb(skb);
		n++;
	}
	return n;
}

/* Going down loses what was injected and not yet received. */
static int scriptdev_stop(struct net_device *dev)
{
	struct scriptdev *sd = netdev_priv(dev);
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sd->rx)))
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_DEV_DOWN, true);
	return 0;
}

static void scriptdev_uninit(struct net_device *dev)
{
	struct scriptdev *sd = netdev_priv(dev);

	skb_queue_purge_reason(&sd->rx, SKB_DROP_REASON_DEV_GONE);
	skb_queue_purge_reason(&sd->tx, SKB_DROP_REASON_DEV_GONE);
}

static int scriptdev_change_mtu(struct net_device *dev, unsigned int mtu)
{
	dev->mtu = mtu;
	return 0;
}

static const struct net_device_ops scriptdev_ops = {
	.ndo_stop	= scriptdev_stop,
	.ndo_start_xmit	= scriptdev_xmit,
	.ndo_poll	= scriptdev_poll,
	.ndo_next_rx	= scriptdev_next_rx,
	.ndo_change_mtu	= scriptdev_change_mtu,
	.ndo_uninit	= scriptdev_uninit,
};

static void scriptdev_setup(struct net_device *dev)
{
	struct scriptdev *sd = netdev_priv(dev);

	dev->type = ARPHRD_NONE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = ETH_DATA_LEN;
	dev->min_mtu = SCRIPTDEV_MIN_MTU;
	dev->max_mtu = SCRIPTDEV_MAX_MTU;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
	dev->header_ops = NULL;
	dev->netdev_ops = &scriptdev_ops;
	skb_queue_head_init(&sd->rx);
	skb_queue_head_init(&sd->tx);
}

int scriptdev_create(struct usn_net *net, const char *name, unsigned int mtu)
{
	struct net_device *dev;
	int err;

	if (!net || (name && strlen(name) >= IFNAMSIZ))
		return -EINVAL;
	if (mtu && (mtu < SCRIPTDEV_MIN_MTU || mtu > SCRIPTDEV_MAX_MTU))
		return -EINVAL;
	usn_start();
	dev = alloc_netdev(sizeof(struct scriptdev),
			   name ? name : SCRIPTDEV_NAME, scriptdev_setup);
	if (!dev)
		return -ENOMEM;
	if (mtu)
		dev->mtu = mtu;
	net_lock(net);
	err = net->dead ? -EINVAL : register_netdevice(net, dev);
	if (!err)
		err = dev->ifindex;
	net_unlock(net);
	if (err < 0)
		free_netdev(dev);
	return err;
}

/* The script device at @ifindex; namespace locked. */
static struct net_device *scriptdev_get(struct usn_net *net, int ifindex)
{
	struct net_device *dev = dev_get_by_index(net, ifindex);

	return dev && dev->netdev_ops == &scriptdev_ops ? dev : NULL;
}

int scriptdev_inject(struct usn_net *net, int ifindex, const void *data,
		     size_t len)
{
	struct net_device *dev;
	struct sk_buff *skb;
	int err = 0;

	if (!len || len > SCRIPTDEV_MAX_MTU)
		return -EINVAL;
	net_lock(net);
	dev = scriptdev_get(net, ifindex);
	if (!dev) {
		err = -ENODEV;
		goto out_unlock;
	}
	if (!netif_running(dev)) {
		err = -ENETDOWN;
		goto out_unlock;
	}
	skb = alloc_skb((unsigned int)len);
	if (!skb) {
		err = -ENOMEM;
		goto out_unlock;
	}
	skb_put_data(skb, data, (unsigned int)len);
	skb->tstamp = net_now(net);
	__skb_queue_tail(&((struct scriptdev *)netdev_priv(dev))->rx, skb);
	/*
	 * On a real clock nobody steps the namespace for a device without a
	 * kernel fd: the receive path runs here, in the injecting thread, as
	 * tun_get_user() runs it in the writer's. The simulated clock leaves
	 * it to the namespace's next step, at the time it was injected.
	 */
	if (!usn_simulated() && !net->in_softirq) {
		net->in_softirq = true;
		scriptdev_poll(dev, INT32_MAX);
		net->in_softirq = false;
	}
out_unlock:
	net_unlock(net);
	return err;
}

ssize_t scriptdev_take(struct usn_net *net, int ifindex, void *buf,
		       size_t size, uint64_t *tstamp)
{
	struct net_device *dev;
	struct sk_buff *skb;
	ssize_t ret = 0;

	net_lock(net);
	dev = scriptdev_get(net, ifindex);
	if (!dev) {
		ret = -ENODEV;
		goto out_unlock;
	}
	skb = __skb_dequeue(&((struct scriptdev *)netdev_priv(dev))->tx);
	if (!skb)
		goto out_unlock;
	memcpy(buf, skb->data, skb->len < size ? skb->len : size);
	if (tstamp)
		*tstamp = skb->tstamp;
	ret = skb->len;
	consume_skb(skb);
out_unlock:
	net_unlock(net);
	return ret;
}

int scriptdev_pending(struct usn_net *net, int ifindex)
{
	struct net_device *dev;
	int ret;

	net_lock(net);
	dev = scriptdev_get(net, ifindex);
	ret = dev ? (int)skb_queue_len(&((struct scriptdev *)
					 netdev_priv(dev))->tx) : -ENODEV;
	net_unlock(net);
	return ret;
}

int scriptdev_set_tx_notify(struct usn_net *net, int ifindex,
			    void (*fn)(void *arg), void *arg)
{
	struct net_device *dev;
	struct scriptdev *sd;
	int err = 0;

	net_lock(net);
	dev = scriptdev_get(net, ifindex);
	if (!dev) {
		err = -ENODEV;
		goto out_unlock;
	}
	sd = netdev_priv(dev);
	sd->tx_notify = fn;
	sd->tx_notify_arg = arg;
out_unlock:
	net_unlock(net);
	return err;
}
