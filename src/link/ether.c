/* SPDX-License-Identifier: MIT */
/*
 * ether.c - Ethernet framing (IEEE 802.3 / Ethernet II), after
 * net/ethernet/eth.c: building the 14-byte header, classifying received
 * frames, and the defaults of an Ethernet device.
 */
#include <arpa/inet.h>
#include <string.h>
#include "link/netdevice.h"
#include "net/net.h"

#define ETH_P_802_3	0x0001
#define ETH_P_802_2	0x0004

static bool is_multicast_ether_addr(const unsigned char *a)
{
	return a[0] & 1;
}

static bool is_broadcast_ether_addr(const unsigned char *a)
{
	return (a[0] & a[1] & a[2] & a[3] & a[4] & a[5]) == 0xff;
}

/*
 * Pushes the link header. 802.2/802.3 frames carry their length where
 * the type goes. Without @daddr the header is pushed but incomplete: the
 * caller (ARP, or a packet socket that named no address) gets -ETH_HLEN,
 * except on devices that never resolve one (loopback, NOARP), where the
 * destination is zeros, as eth_header() answers.
 */
static int eth_header(struct sk_buff *skb, struct net_device *dev,
		      uint16_t type, const void *daddr, const void *saddr,
		      unsigned int len)
{
	unsigned char *eth = skb_push(skb, ETH_HLEN);
	uint16_t proto = type;

	if (!eth)
		return -ENOBUFS;
	skb_reset_mac_header(skb);
	if (type == ETH_P_802_3 || type == ETH_P_802_2)
		proto = (uint16_t)len;
	eth[12] = (unsigned char)(proto >> 8);
	eth[13] = (unsigned char)proto;
	memcpy(eth + 6, saddr ? saddr : dev->dev_addr, ETH_ALEN);
	if (daddr) {
		memcpy(eth, daddr, ETH_ALEN);
		return ETH_HLEN;
	}
	if (dev->flags & (IFF_LOOPBACK | IFF_NOARP)) {
		memset(eth, 0, ETH_ALEN);
		return ETH_HLEN;
	}
	return -ETH_HLEN;
}

/* Copies the source address of a received frame, as eth_header_parse(). */
static int eth_header_parse(const struct sk_buff *skb, unsigned char *haddr)
{
	memcpy(haddr, skb_mac_header(skb) + 6, ETH_ALEN);
	return ETH_ALEN;
}

const struct header_ops eth_header_ops = {
	.create	= eth_header,
	.parse	= eth_header_parse,
};

/*
 * Classifies a frame whose data starts at its Ethernet header (at least
 * ETH_HLEN bytes, checked by the caller): sets pkt_type and the MAC header,
 * pulls the header, and returns the protocol in network order.
 */
uint16_t eth_type_trans(struct sk_buff *skb, struct net_device *dev)
{
	const unsigned char *eth;
	uint16_t proto;

	skb->dev = dev;
	skb_reset_mac_header(skb);
	eth = skb->data;
	skb_pull(skb, ETH_HLEN);

	if (unlikely(is_multicast_ether_addr(eth)))
		skb->pkt_type = is_broadcast_ether_addr(eth) ? PACKET_BROADCAST :
							      PACKET_MULTICAST;
	else if (memcmp(eth, dev->dev_addr, ETH_ALEN))
		skb->pkt_type = PACKET_OTHERHOST;
	else
		skb->pkt_type = PACKET_HOST;

	proto = (uint16_t)(eth[12] << 8 | eth[13]);
	if (proto >= ETH_P_802_3_MIN)
		return htons(proto);
	return htons(ETH_P_802_2);	/* an 802.3 length field: LLC follows */
}

void ether_setup(struct net_device *dev)
{
	dev->type = ARPHRD_ETHER;
	dev->hard_header_len = ETH_HLEN;
	dev->mtu = ETH_DATA_LEN;
	dev->min_mtu = 68;
	dev->max_mtu = ETH_DATA_LEN;
	dev->addr_len = ETH_ALEN;
	memset(dev->broadcast, 0xff, ETH_ALEN);
	dev->flags = IFF_BROADCAST | IFF_MULTICAST;
	dev->header_ops = &eth_header_ops;
}

/* A random unicast, locally administered address, as eth_random_addr(). */
void eth_random_addr(struct usn_net *net, unsigned char *addr)
{
	uint32_t a = net_random_u32(net), b = net_random_u32(net);

	memcpy(addr, &a, 4);
	memcpy(addr + 4, &b, 2);
	addr[0] &= 0xfe;	/* unicast */
	addr[0] |= 0x02;	/* locally administered */
}
