/* SPDX-License-Identifier: MIT */
/*
 * ip_forward.c - passing a datagram on toward its destination, after
 * net/ipv4/ip_forward.c (RFC 1812 5.2/5.3): the TTL is checked and
 * decremented first (RFC 1812 5.3.1: time exceeded when it would reach
 * zero), the datagram is routed out, a too-big datagram with DF set is
 * refused with "fragmentation needed" and the next hop's MTU (RFC 1191),
 * the rest goes through ip_output(), which fragments.
 *
 * Runs when ip_rcv_finish() found a unicast route for a destination that
 * is not ours and net.ipv4.ip_forward is on.
 */
#include <errno.h>
#include "link/netdevice.h"
#include "net/net.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/ip_private.h"
#include "network/ipv4/route.h"

#define IPTOS_RT_MASK	0x1c	/* the TOS bits routing looks at */

/* TTL minus one, with the checksum updated in place (RFC 1624). */
static void ip_decrease_ttl(uint8_t *iph)
{
	uint32_t check = ipv4_check(iph);

	/* The TTL is the high byte of its 16-bit word: the sum drops by 0x100. */
	check += 0x0100;
	check += check >= 0xffff;
	ipv4_set_check(iph, (uint16_t)check);
	ipv4_set_ttl(iph, ipv4_ttl(iph) - 1);
}

int ip_forward(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);
	enum skb_drop_reason reason = SKB_DROP_REASON_NOT_SPECIFIED;
	const uint8_t *iph = ip_hdr(skb);
	struct flowi4 fl4;
	struct rtable rt;
	int err;

	/* Only what was sent to our link address (RFC 1122 3.3.6). */
	if (skb->pkt_type != PACKET_HOST) {
		IP_INC_STATS(net, InAddrErrors);
		reason = SKB_DROP_REASON_IP_INADDRERRORS;
		err = -EINVAL;
		goto drop;
	}
	if (ipv4_ttl(iph) <= 1) {
		/* Tell the sender its datagram died in transit. */
		IP_INC_STATS(net, InHdrErrors);
		icmp_send(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
		reason = SKB_DROP_REASON_IP_INHDR;
		err = -EHOSTUNREACH;
		goto drop;
	}

	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = ipv4_daddr(iph);
	fl4.flowi4_tos = ipv4_tos(iph) & IPTOS_RT_MASK;
	fl4.flowi4_proto = ipv4_protocol(iph);
	err = ip_route_output_key(net, &fl4, &rt);
	if (err || rt.rt_type != RTN_UNICAST) {
		IP_INC_STATS(net, InNoRoutes);
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, 0);
		reason = SKB_DROP_REASON_IP_INNOROUTES;
		err = err ? err : -ENETUNREACH;
		goto drop;
	}

	IPCB(skb)->flags |= IPSKB_FORWARDED;
	if (skb->len > rt.rt_mtu && (ipv4_frag_off(iph) & IP_DF)) {
		IP_INC_STATS(net, FragFails);
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, rt.rt_mtu);
		reason = SKB_DROP_REASON_MTU_EXCEEDED;
		err = -EMSGSIZE;
		goto drop;
	}

	/* About to change the header: make the bytes our own (skb_cow). */
	skb = skb_unshare(skb);
	if (!skb) {
		IP_INC_STATS(net, InDiscards);
		return -ENOMEM;
	}
	ip_decrease_ttl(ip_hdr(skb));
	IP_INC_STATS(net, OutForwDatagrams);
	return ip_output(net, skb, &rt);

drop:
	kfree_skb_reason(skb, reason);
	return err;
}
