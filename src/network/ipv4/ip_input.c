/* SPDX-License-Identifier: MIT */
/*
 * ip_input.c - the IPv4 receive path, after net/ipv4/ip_input.c:
 *
 *   ip_rcv          validate the header (RFC 1122 3.2.1), count, trim the
 *                   link layer's padding
 *   ip_rcv_finish   route it: to us (ip_local_deliver), through us
 *                   (ip_forward) or nowhere (drop, counted)
 *   ip_local_deliver  reassemble, then raw sockets get a copy and the
 *                   protocol registered in inet_protos[] gets the datagram
 *
 * The data stays at the IP header until ip_local_deliver pulls it to the
 * transport header, as in the kernel, so forwarding and ICMP errors see the
 * datagram whole. Only ip_rcv_finish and ip_local_deliver record
 * themselves in the receive trace (ip_rcv is recorded by the link layer
 * under its packet type's name); the helpers in between stay out of it so
 * the rows read ip_rcv->ip_rcv_finish->ip_local_deliver->udp_rcv.
 */
#include <errno.h>
#include "link/netdevice.h"
#include "net/net.h"
#include "net/trace.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/protocol.h"
#include "network/ipv4/route.h"
#include "transport/raw/raw.h"
#include "wire/checksum.h"

/* Raw sockets first, then the protocol; ICMP "protocol unreachable" if none. */
static int ip_local_deliver_finish(struct usn_net *net, struct sk_buff *skb)
{
	const struct net_protocol *ipprot;
	uint8_t protocol = ipv4_protocol(ip_hdr(skb));
	bool raw;

	skb_pull(skb, (unsigned int)(skb->transport_header -
				     skb->network_header));
	raw = raw_local_deliver(skb, protocol);
	ipprot = inet_protocol(protocol);
	if (ipprot) {
		IP_INC_STATS(net, InDelivers);
		return ipprot->handler(skb);
	}
	if (raw) {
		IP_INC_STATS(net, InDelivers);
		consume_skb(skb);
		return 0;
	}
	IP_INC_STATS(net, InUnknownProtos);
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
	kfree_skb_reason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
	return -ENOPROTOOPT;
}

int ip_local_deliver(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);
	int err;

	TRACE_FUNC(net);
	if (ipv4_is_fragment(ip_hdr(skb))) {
		err = ip_defrag(net, &skb);
		if (err)
			return err == -EINPROGRESS ? 0 : err;
	}
	return ip_local_deliver_finish(net, skb);
}

/* Why a datagram the routing refused is dropped, and under which counter. */
static void ip_route_error(struct usn_net *net, struct sk_buff *skb, int err)
{
	enum skb_drop_reason reason = SKB_DROP_REASON_IP_INADDRERRORS;
	int code = -1;

	switch (err) {
	case -ENETUNREACH:
		IP_INC_STATS(net, InNoRoutes);
		reason = SKB_DROP_REASON_IP_INNOROUTES;
		code = ICMP_NET_UNREACH;
		break;
	case -EHOSTUNREACH:
		IP_INC_STATS(net, InAddrErrors);
		code = ICMP_HOST_UNREACH;
		break;
	case -EACCES:
		IP_INC_STATS(net, InAddrErrors);
		code = ICMP_PKT_FILTERED;
		break;
	default:		/* -EINVAL: a martian */
		IP_INC_STATS(net, InAddrErrors);
		break;
	}
	/* A host that does not forward drops silently (ip_error()). */
	if (code >= 0 && net->sysctl.ip_forward)
		icmp_send(skb, ICMP_DEST_UNREACH, code, 0);
	kfree_skb_reason(skb, reason);
}

/* Routes the datagram: up to us, on to a neighbour, or away. */
static int ip_rcv_finish(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct usn_net *net = dev_net(dev);
	const uint8_t *iph = ip_hdr(skb);
	struct inet_skb_parm *cb = IPCB(skb);
	struct rtable rt;
	int err;

	TRACE_FUNC(net);
	err = ip_route_input(skb, ipv4_daddr(iph), ipv4_saddr(iph),
			     ipv4_tos(iph), dev, &rt);
	if (err) {
		ip_route_error(net, skb, err);
		return err;
	}
	cb->rt_type = rt.rt_type;
	switch (rt.rt_type) {
	case RTN_LOCAL:
	case RTN_BROADCAST:
	case RTN_MULTICAST:
		if (!cb->spec_dst)
			cb->spec_dst = rt.rt_type == RTN_LOCAL ? ipv4_daddr(iph) :
				inet_select_addr(dev, ipv4_saddr(iph),
						 ipv4_is_zeronet(ipv4_saddr(iph)) ?
						 RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
		return ip_local_deliver(skb);
	case RTN_UNICAST:
		if (net->sysctl.ip_forward)
			return ip_forward(skb);
		ip_route_error(net, skb, -EHOSTUNREACH);
		return -EHOSTUNREACH;
	case RTN_UNREACHABLE:
		ip_route_error(net, skb, -EHOSTUNREACH);
		return -EHOSTUNREACH;
	case RTN_PROHIBIT:
		ip_route_error(net, skb, -EACCES);
		return -EACCES;
	default:		/* blackhole and the rest: silently */
		ip_route_error(net, skb, -EINVAL);
		return -EINVAL;
	}
}

/*
 * The checks of RFC 1122 3.2.1 on a received datagram: a complete header
 * of version 4 and at least 5 words, a correct checksum, a total length
 * no longer than what arrived and no shorter than the header. Link-layer
 * padding past the total length (Ethernet's 60-byte minimum) is trimmed.
 */
int ip_rcv(struct sk_buff *skb, struct net_device *dev,
	   struct packet_type *pt, struct net_device *orig_dev)
{
	struct usn_net *net = dev_net(dev);
	enum skb_drop_reason reason = SKB_DROP_REASON_IP_INHDR;
	unsigned int hlen, len;
	const uint8_t *iph;

	(void)pt;
	(void)orig_dev;
	/* Frames a promiscuous device picked up for another host. */
	if (skb->pkt_type == PACKET_OTHERHOST) {
		kfree_skb_reason(skb, SKB_DROP_REASON_OTHERHOST);
		return -EINVAL;
	}
	if (!net->ipv4) {
		kfree_skb_reason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
		return -EAFNOSUPPORT;
	}
	IP_INC_STATS(net, InReceives);

	/* A tap holds a reference: our header fields are our own (skb_share_check). */
	if (skb_shared(skb)) {
		struct sk_buff *nskb = skb_clone(skb);

		consume_skb(skb);
		if (!nskb) {
			IP_INC_STATS(net, InDiscards);
			return -ENOMEM;
		}
		skb = nskb;
	}

	if (!pskb_may_pull(skb, IPV4_HLEN_MIN))
		goto inhdr_error;
	iph = skb->data;
	if (ipv4_ihl(iph) < 5 || ipv4_version(iph) != 4)
		goto inhdr_error;
	hlen = ipv4_hlen(iph);
	if (!pskb_may_pull(skb, hlen))
		goto inhdr_error;
	if (ip_fast_csum(iph, ipv4_ihl(iph)))
		goto csum_error;

	len = ipv4_tot_len(iph);
	if (skb->len < len) {
		IP_INC_STATS(net, InTruncatedPkts);
		reason = SKB_DROP_REASON_PKT_TOO_SMALL;
		goto drop;
	}
	if (len < hlen)
		goto inhdr_error;
	skb_trim(skb, len);

	skb_reset_network_header(skb);
	skb->transport_header = (uint16_t)(skb->network_header + hlen);
	memset(IPCB(skb), 0, sizeof(struct inet_skb_parm));
	IPCB(skb)->iif = skb->skb_iif;
	IPCB(skb)->ttl = ipv4_ttl(iph);
	IPCB(skb)->tos = ipv4_tos(iph);
	return ip_rcv_finish(skb);

csum_error:
	IP_INC_STATS(net, InCsumErrors);
	reason = SKB_DROP_REASON_IP_CSUM;
inhdr_error:
	IP_INC_STATS(net, InHdrErrors);
drop:
	kfree_skb_reason(skb, reason);
	return -EINVAL;
}
