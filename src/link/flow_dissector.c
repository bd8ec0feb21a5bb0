/* SPDX-License-Identifier: MIT */
/*
 * flow_dissector.c - what flow a packet belongs to, after
 * net/core/flow_dissector.c, for the users that spread or classify by
 * flow: packet fanout (PACKET_FANOUT_HASH) and the BPF ancillary loads
 * SKF_AD_RXHASH and SKF_AD_PAY_OFFSET.
 *
 * The hash covers IPv4 addresses, protocol and, for a first fragment or an
 * unfragmented datagram of a protocol with ports, the ports; the two ends
 * are put in a fixed order first, so both directions of a flow hash the
 * same, as the kernel's hash does. Other ethertypes hash by ethertype.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include "core/filter.h"
#include "link/netdevice.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define FLOW_HASH_SEED	0x5bd1e995u

static uint32_t hash_mix(uint32_t h, uint32_t v)
{
	v *= 0xcc9e2d51u;
	v = (v << 15) | (v >> 17);
	v *= 0x1b873593u;
	h ^= v;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64u;
}

static uint32_t hash_final(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static bool proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_DCCP;
}

/* The IPv4 header at the network header, when it is all there; its length in *@len. */
static const uint8_t *flow_ipv4(const struct sk_buff *skb, unsigned int *len)
{
	const uint8_t *iph = skb_network_header(skb);
	const uint8_t *tail = skb_tail_pointer(skb);

	if (skb->protocol != htons(ETH_P_IP) || iph < skb->head || iph >= tail)
		return NULL;
	*len = (unsigned int)(tail - iph);
	if (*len < IPV4_HLEN_MIN || ipv4_version(iph) != 4 ||
	    ipv4_hlen(iph) < IPV4_HLEN_MIN || ipv4_hlen(iph) > *len)
		return NULL;
	return iph;
}

uint32_t skb_get_hash(const struct sk_buff *skb)
{
	uint32_t a, b, h = FLOW_HASH_SEED;
	uint16_t pa = 0, pb = 0;
	const uint8_t *iph;
	unsigned int len, hl;
	uint8_t proto;

	iph = flow_ipv4(skb, &len);
	if (!iph)
		return hash_final(hash_mix(h, ntohs(skb->protocol)));
	hl = ipv4_hlen(iph);
	proto = ipv4_protocol(iph);
	a = ntohl(ipv4_saddr(iph));
	b = ntohl(ipv4_daddr(iph));
	if (proto_has_ports(proto) && !(ipv4_frag_off(iph) & 0x1fff) &&
	    len - hl >= 4) {
		pa = load_be16(iph + hl);
		pb = load_be16(iph + hl + 2);
	}
	if (a > b || (a == b && pa > pb)) {
		uint32_t t = a;
		uint16_t tp = pa;

		a = b;
		b = t;
		pa = pb;
		pb = tp;
	}
	h = hash_mix(h, a);
	h = hash_mix(h, b);
	h = hash_mix(h, (uint32_t)pa << 16 | pb);
	h = hash_mix(h, proto);
	h = hash_final(h);
	return h ? h : 1;	/* 0 means "no hash" to the kernel's users */
}

uint32_t skb_get_poff(const struct sk_buff *skb)
{
	const uint8_t *iph = NULL;
	unsigned int len, hl, poff;

	iph = flow_ipv4(skb, &len);
	if (!iph)
		return 0;
	hl = ipv4_hlen(iph);
	poff = (unsigned int)(iph - skb->data) + hl;
	if (ipv4_frag_off(iph) & 0x1fff)
		return poff;	/* a later fragment: payload follows the IP header */
	switch (ipv4_protocol(iph)) {
	case IPPROTO_TCP:
		if (len - hl < TCP_HLEN)
			return 0;
		return poff + tcp_doff(iph + hl);
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return poff + 8;
	case IPPROTO_ICMP:
		return poff + 8;
	default:
		return poff;
	}
}
