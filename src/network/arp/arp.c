/* SPDX-License-Identifier: MIT */
/*
 * arp.c - the Address Resolution Protocol for IPv4 (RFC 826), after
 * net/ipv4/arp.c: requests and replies on the wire, answering for our
 * addresses, learning from what neighbours say, announcing new addresses
 * (gratuitous ARP), and the ETH_P_ARP handler of each namespace.
 *
 * Policy is the kernel's default: arp_ignore 0 (answer for any local
 * address), arp_announce 0 (ask with the waiting datagram's source),
 * arp_accept 0 (unsolicited replies refresh entries but create none).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "core/notifier.h"
#include "net/net.h"
#include "net/trace.h"
#include "network/arp/neigh_priv.h"
#include "network/ipv4/devinet.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"
#include "wire/arp.h"

static struct neigh_table *arp_tbl(struct usn_net *net)
{
	return net->ipv4 ? net->ipv4->arp_tbl : NULL;
}

/* ---- sending ------------------------------------------------------------------ */

/*
 * Builds and sends one ARP packet, as arp_send_dst(): to @dest_hw (NULL:
 * broadcast), with @target_hw in the packet (NULL: zeros, a request).
 */
static int arp_send_dst(uint16_t op, uint32_t dest_ip, struct net_device *dev,
			uint32_t src_ip, const unsigned char *dest_hw,
			const unsigned char *target_hw)
{
	struct usn_net *net = dev_net(dev);
	struct sk_buff *skb;
	uint8_t *p;

	if (dev->flags & IFF_NOARP)
		return 0;
	skb = alloc_skb_headroom(ARP_ETH_IP_LEN, USN_MAX_HEADER);
	if (!skb)
		return -ENOBUFS;
	p = skb_put(skb, ARP_ETH_IP_LEN);
	skb_reset_network_header(skb);
	arp_build(p, dev->type, op, dev->dev_addr, src_ip, target_hw, dest_ip);
	skb->dev = dev;
	skb->protocol = htons(ETH_P_ARP);
	if (dev_hard_header(skb, dev, ETH_P_ARP, dest_hw ? dest_hw : dev->broadcast,
			    NULL, skb->len) < 0) {
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_NOMEM, false);
		return -ENOBUFS;
	}
	if (op == ARPOP_REQUEST)
		ARP_INC_STATS(net, OutRequests);
	else
		ARP_INC_STATS(net, OutReplies);
	return dev_queue_xmit(skb);
}

/*
 * Asks for @n's address: broadcast while INCOMPLETE, unicast to the
 * address we have while PROBE (the first ucast_solicit probes), from the
 * source of the datagram waiting (@skb, may be NULL) when it is ours.
 */
void arp_solicit(struct neighbour *n, struct sk_buff *skb)
{
	struct net_device *dev = n->dev;
	struct usn_net *net = dev_net(dev);
	const unsigned char *dst_hw = NULL;
	uint32_t saddr = 0, s;

	if (skb && skb->len >= IPV4_HLEN_MIN) {
		s = ipv4_saddr(skb_network_header(skb));
		if (inet_addr_type(net, s) == RTN_LOCAL)
			saddr = s;
	}
	if (!saddr)
		saddr = inet_select_addr(dev, n->key, RT_SCOPE_LINK);
	if ((int)n->probes < net->sysctl.neigh_ucast_solicit)
		dst_hw = n->ha;
	arp_send_dst(ARPOP_REQUEST, n->key, dev, saddr, dst_hw, NULL);
}

/* A datagram that could not be resolved: its sender hears of it, as dst_link_failure(). */
void arp_error_report(struct neighbour *n, struct sk_buff *skb)
{
	skb->dev = n->dev;
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	kfree_skb_reason(skb, SKB_DROP_REASON_NEIGH_FAILED);
}

void arp_send_gratuitous(struct net_device *dev, uint32_t addr)
{
	if (!netif_running(dev) || (dev->flags & (IFF_NOARP | IFF_LOOPBACK)) ||
	    !arp_tbl(dev_net(dev)))
		return;
	arp_send_dst(ARPOP_REQUEST, addr, dev, addr, NULL, NULL);
}

/* An IPv4 multicast group's Ethernet address: 01:00:5e + its low 23 bits (RFC 1112). */
void arp_mc_map(uint32_t addr, unsigned char *haddr)
{
	uint32_t a = ntohl(addr);

	haddr[0] = 0x01;
	haddr[1] = 0x00;
	haddr[2] = 0x5e;
	haddr[3] = (unsigned char)((a >> 16) & 0x7f);
	haddr[4] = (unsigned char)(a >> 8);
	haddr[5] = (unsigned char)a;
}

/* The limited broadcast, or the broadcast address of a subnet of @dev. */
bool arp_is_broadcast(const struct net_device *dev, uint32_t addr)
{
	struct in_ifaddr *ifa;

	if (ipv4_is_lbcast(addr) || ipv4_is_zeronet(addr))
		return true;
	if (!dev->ip_ptr)
		return false;
	list_for_each_entry(ifa, &dev->ip_ptr->ifa_list, ifa_list)
		if (ifa->ifa_broadcast && ifa->ifa_broadcast == addr)
			return true;
	return false;
}

/* ---- receiving ------------------------------------------------------------------ */

static void arp_drop(struct usn_net *net, struct sk_buff *skb,
		     enum skb_drop_reason reason)
{
	ARP_INC_STATS(net, InErrors);
	kfree_skb_reason(skb, reason);
}

/* A gratuitous ARP: sender and target the same unicast address. */
static bool arp_is_garp(struct usn_net *net, uint16_t op, uint32_t sip,
			uint32_t tip, const uint8_t *sha, const uint8_t *tha)
{
	if (sip != tip)
		return false;
	/* Gratuitous replies also name the sender as the target. */
	if (op == ARPOP_REPLY && memcmp(tha, sha, ETH_ALEN))
		return false;
	return inet_addr_type(net, sip) == RTN_UNICAST;
}

static bool arp_hrd_ok(const struct net_device *dev, uint16_t hrd)
{
	if (dev->type == ARPHRD_ETHER)
		return hrd == ARPHRD_ETHER || hrd == ARPHRD_IEEE802;
	return hrd == dev->type;
}

/* A well-formed ARP packet for IPv4 over Ethernet, as arp_process(). */
static int arp_process(struct usn_net *net, struct sk_buff *skb)
{
	struct neigh_table *tbl = arp_tbl(net);
	struct net_device *dev = skb->dev;
	const uint8_t *h = skb->data;
	uint8_t sha[ETH_ALEN], tha[ETH_ALEN];
	uint32_t sip, tip;
	struct neighbour *n;
	struct rtable rt;
	uint8_t state;
	bool override;
	uint16_t op;
	TRACE_FUNC(net);

	if (!arp_hrd_ok(dev, arp_hrd(h)) || arp_pro(h) != ETH_P_IP) {
		arp_drop(net, skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return -EINVAL;
	}
	op = arp_op(h);
	if (op != ARPOP_REQUEST && op != ARPOP_REPLY) {
		arp_drop(net, skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return -EINVAL;
	}
	memcpy(sha, arp_sha(h), ETH_ALEN);
	memcpy(tha, arp_tha(h), ETH_ALEN);
	sip = arp_sip(h);
	tip = arp_tip(h);

	/* Our own frame, looped back to us: nothing to learn. */
	if (!memcmp(sha, dev->dev_addr, ETH_ALEN))
		goto out_consume;
	/* Nobody asks for 127.x.x.x or a multicast group. */
	if (ipv4_is_multicast(tip) || ipv4_is_loopback(tip)) {
		arp_drop(net, skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return -EINVAL;
	}
	if (op == ARPOP_REQUEST)
		ARP_INC_STATS(net, InRequests);
	else
		ARP_INC_STATS(net, InReplies);
	/* IPv4 is off on a device without addresses. */
	if (!dev->ip_ptr || !tbl)
		goto out_consume;

	/* Duplicate address detection (RFC 5227): a probe from 0.0.0.0. */
	if (!sip) {
		if (op == ARPOP_REQUEST && inet_addr_type(net, tip) == RTN_LOCAL)
			arp_send_dst(ARPOP_REPLY, sip, dev, tip, sha, sha);
		goto out_consume;
	}

	if (op == ARPOP_REQUEST && !ip_route_input(NULL, tip, sip, 0, dev, &rt) &&
	    rt.rt_type == RTN_LOCAL) {
		/* The asker is there: STALE until confirmed; then answer. */
		n = neigh_event_ns(tbl, sha, sip, dev);
		if (n)
			arp_send_dst(ARPOP_REPLY, sip, dev, tip, sha, sha);
		goto out_consume;
	}

	/* Update what we have; unsolicited news creates nothing (arp_accept 0). */
	n = neigh_lookup(tbl, dev, sip);
	if (n) {
		/* Several answers in a row: the first wins (proxies, locktime). */
		override = (int64_t)(net_jiffies(net) - n->updated) >
			   NEIGH_LOCKTIME_MS ||
			   arp_is_garp(net, op, sip, tip, sha, tha);
		/* Broadcast replies and requests do not prove reachability. */
		state = (op == ARPOP_REPLY && skb->pkt_type == PACKET_HOST) ?
			NUD_REACHABLE : NUD_STALE;
		neigh_update(n, sha, state, override ? NEIGH_UPDATE_F_OVERRIDE : 0);
	}
out_consume:
	consume_skb(skb);
	return 0;
}

static int arp_rcv(struct sk_buff *skb, struct net_device *dev,
		   struct packet_type *pt, struct net_device *orig_dev)
{
	struct usn_net *net = dev_net(dev);
	const uint8_t *h;

	/* Not for us, or sent by us: nothing to do. */
	if ((dev->flags & IFF_NOARP) || skb->pkt_type == PACKET_OTHERHOST ||
	    skb->pkt_type == PACKET_LOOPBACK || !net->ipv4) {
		consume_skb(skb);
		return 0;
	}
	if (!pskb_may_pull(skb, ARP_ETH_IP_LEN)) {
		arp_drop(net, skb, SKB_DROP_REASON_PKT_TOO_SMALL);
		return -EINVAL;
	}
	h = skb->data;
	if (arp_hln(h) != dev->addr_len || arp_hln(h) != ETH_ALEN ||
	    arp_pln(h) != 4) {
		arp_drop(net, skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return -EINVAL;
	}
	return arp_process(net, skb);
}

/* ---- events ------------------------------------------------------------------ */

static int arp_inetaddr_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct in_ifaddr *ifa = ptr;

	if (event == NETDEV_UP)
		arp_send_gratuitous(ifa->ifa_dev->dev, ifa->ifa_local);
	return 0;
}

static int arp_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = ptr;
	struct neigh_table *tbl = arp_tbl(dev_net(dev));
	struct in_ifaddr *ifa;

	if (!tbl)
		return 0;
	switch (event) {
	case NETDEV_UP:
		if (!dev->ip_ptr)
			break;
		list_for_each_entry(ifa, &dev->ip_ptr->ifa_list, ifa_list)
			arp_send_gratuitous(dev, ifa->ifa_local);
		break;
	case NETDEV_DOWN:
	case NETDEV_UNREGISTER:
		neigh_ifdown(tbl, dev);
		break;
	}
	return 0;
}

static struct notifier_block arp_inetaddr_notifier = {
	.notifier_call = arp_inetaddr_event,
};

static struct notifier_block arp_netdev_notifier = {
	.notifier_call = arp_netdev_event,
};

/* ---- per namespace ------------------------------------------------------------ */

static int arp_net_init(struct usn_net *net)
{
	struct neigh_table *tbl;

	if (!net->ipv4)
		return -EAFNOSUPPORT;
	tbl = neigh_table_alloc(net);
	if (!tbl)
		return -ENOMEM;
	tbl->arp_pt = (struct packet_type){
		.type		= htons(ETH_P_ARP),
		.func		= arp_rcv,
		.name		= "arp_rcv",
		.trace_entry	= true,
	};
	INIT_LIST_HEAD(&tbl->arp_pt.list);
	dev_add_pack(net, &tbl->arp_pt);
	net->ipv4->arp_tbl = tbl;
	return 0;
}

static void arp_net_exit(struct usn_net *net)
{
	struct neigh_table *tbl = arp_tbl(net);

	if (!tbl)
		return;
	dev_remove_pack(net, &tbl->arp_pt);
	net->ipv4->arp_tbl = NULL;
	neigh_table_free(tbl);
}

static struct pernet_operations arp_net_ops = {
	.name	= "arp",
	.init	= arp_net_init,
	.exit	= arp_net_exit,
};

int arp_init(void)
{
	int err = register_pernet_subsys(&arp_net_ops);

	if (err)
		return err;
	register_inetaddr_notifier(&arp_inetaddr_notifier);
	register_netdevice_notifier(&arp_netdev_notifier);
	return 0;
}
