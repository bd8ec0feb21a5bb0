/* SPDX-License-Identifier: MIT */
/*
 * loopback.c - the loopback device "lo", after drivers/net/loopback.c.
 * Every namespace has one, up, with 127.0.0.1/8. A frame sent on it is
 * received by the same namespace: loopback_xmit() queues it to the
 * namespace backlog (netif_rx), and the softirq that the sending thread
 * runs on its way out of the namespace lock hands it up.
 */
#include <arpa/inet.h>
#include "link/netdevice.h"
#include "network/ipv4/devinet.h"
#include "net/net.h"

#define LOOPBACK_MTU	65536

static int loopback_xmit(struct sk_buff *skb, struct net_device *dev)
{
	unsigned int len = skb->len;

	skb_orphan(skb);
	skb->tstamp = net_now(dev_net(dev));
	skb->protocol = eth_type_trans(skb, dev);
	dev_tx_count(dev, len);
	if (netif_rx(skb) == 0) {
		dev->stats.rx_packets++;
		dev->stats.rx_bytes += len;
	}
	return NETDEV_TX_OK;
}

static const struct net_device_ops loopback_ops = {
	.ndo_start_xmit	= loopback_xmit,
};

static void loopback_setup(struct net_device *dev)
{
	dev->type = ARPHRD_LOOPBACK;
	dev->hard_header_len = ETH_HLEN;
	dev->addr_len = ETH_ALEN;
	dev->mtu = LOOPBACK_MTU;
	dev->min_mtu = 0;
	dev->max_mtu = LOOPBACK_MTU;
	dev->tx_queue_len = 0;
	dev->flags = IFF_LOOPBACK;
	dev->header_ops = &eth_header_ops;
	dev->netdev_ops = &loopback_ops;
}

static int loopback_net_init(struct usn_net *net)
{
	struct net_device *dev = alloc_netdev(0, "lo", loopback_setup);
	uint32_t addr = htonl(INADDR_LOOPBACK);
	int err;

	if (!dev)
		return -ENOMEM;
	err = register_netdevice(net, dev);
	if (err) {
		free_netdev(dev);
		return err;
	}
	net->loopback_dev = dev;
	err = dev_open(dev);
	if (err)
		return err;
	return inet_addr_add(dev, addr, 8);
}

static struct pernet_operations loopback_net_ops = {
	.name = "loopback",
	.init = loopback_net_init,
};

int loopback_init(void)
{
	return register_pernet_subsys(&loopback_net_ops);
}
