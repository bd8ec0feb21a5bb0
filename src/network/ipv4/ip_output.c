/* SPDX-License-Identifier: MIT */
/*
 * ip_output.c - the IPv4 transmit path, after net/ipv4/ip_output.c:
 *
 *   ip_build_and_send  a transport's payload: push the header, pick an ID
 *   ip_local_out       a datagram whose header the caller wrote (raw
 *                      IP_HDRINCL, ICMP replies)
 *   ip_output          fragment to the route's MTU (RFC 791), then each
 *                      frame goes to neigh_output() for its link header
 *
 * IDs (RFC 6864, and the kernel since 2015): one counter per bucket of a
 * table indexed by a keyed hash of (destination, source, protocol), so a
 * peer sees IDs that count up per flow but learns nothing of the traffic
 * to others.
 */
#include <errno.h>
#include "link/netdevice.h"
#include "net/net.h"
#include "network/arp/neighbour.h"
#include "network/ipv4/icmp.h"
#include "family/inet/inet_sock.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/ip_private.h"
#include "network/ipv4/route.h"
#include "wire/checksum.h"

/* IP options (RFC 791 3.1) */
#define IPOPT_END	0
#define IPOPT_NOOP	1
#define IPOPT_COPY	0x80	/* copied into every fragment */

/* ---- the keyed hash ------------------------------------------------------ */

static inline uint64_t sip_rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND							\
	do {								\
		v0 += v1; v1 = sip_rotl(v1, 13); v1 ^= v0;		\
		v0 = sip_rotl(v0, 32);					\
		v2 += v3; v3 = sip_rotl(v3, 16); v3 ^= v2;		\
		v0 += v3; v3 = sip_rotl(v3, 21); v3 ^= v0;		\
		v2 += v1; v1 = sip_rotl(v1, 17); v1 ^= v2;		\
		v2 = sip_rotl(v2, 32);					\
	} while (0)

uint32_t ip_hash_3u32(const uint32_t key[4], uint32_t a, uint32_t b, uint32_t c)
{
	uint64_t k0 = (uint64_t)key[1] << 32 | key[0];
	uint64_t k1 = (uint64_t)key[3] << 32 | key[2];
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	uint64_t m = (uint64_t)b << 32 | a;
	uint64_t last = (uint64_t)12 << 56 | c;	/* 12 bytes in all */
	uint64_t h;

	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v3 ^= last;
	SIPROUND;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	h = v0 ^ v1 ^ v2 ^ v3;
	return (uint32_t)(h ^ (h >> 32));
}

/*
 * A counter per hash bucket, as Linux's ip_idents_reserve(): when a bucket
 * was idle, it jumps by a random amount below the jiffies it slept, so the
 * IDs of a flow do not tell an observer how much another flow sent.
 */
uint16_t ip_select_ident(struct usn_net *net, uint32_t saddr, uint32_t daddr,
			 uint8_t protocol)
{
	struct netns_ipv4 *ipv4 = net->ipv4;
	uint32_t hash = ip_hash_3u32(ipv4->ip_id_key, daddr, saddr, protocol);
	uint32_t bucket = hash & (IP_IDENTS_SZ - 1);
	uint32_t now = (uint32_t)net_jiffies(net), old = ipv4->ip_tstamps[bucket];
	uint16_t delta = 0;

	if (old != now) {
		ipv4->ip_tstamps[bucket] = now;
		delta = (uint16_t)usn_rnd_below(&net->rnd, now - old);
	}
	ipv4->ip_idents[bucket] += delta;
	return ipv4->ip_idents[bucket]++;
}

uint16_t ip_choose_id(struct usn_net *net, const struct sk_buff *skb,
		      const uint8_t *iph)
{
	struct inet_sock *inet;

	if (!(ipv4_frag_off(iph) & IP_DF))
		return ip_select_ident(net, ipv4_saddr(iph), ipv4_daddr(iph),
				       ipv4_protocol(iph));
	/* DF: no fragment will ever need the ID (RFC 6864 section 4). */
	if (!skb->sk || (skb->sk->sk_family != AF_INET))
		return 0;
	inet = inet_sk(skb->sk);
	return inet->inet_daddr ? inet->inet_id++ : 0;
}

/* ---- fragmentation ------------------------------------------------------- */

/*
 * Options that are not copied into every fragment become NOOPs in the
 * header of the fragments after the first, which keeps the header length
 * (ip_options_fragment()).
 */
static void ip_options_fragment(uint8_t *opt, unsigned int len)
{
	unsigned int i = 0, olen;

	while (i < len) {
		if (opt[i] == IPOPT_END)
			return;
		if (opt[i] == IPOPT_NOOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return;
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return;
		if (!(opt[i] & IPOPT_COPY))
			memset(opt + i, IPOPT_NOOP, olen);
		i += olen;
	}
}

static void ip_copy_metadata(struct sk_buff *to, const struct sk_buff *from)
{
	to->dev = from->dev;
	to->protocol = from->protocol;
	to->pkt_type = from->pkt_type;
	to->tstamp = from->tstamp;
	to->skb_iif = from->skb_iif;
	memcpy(to->cb, from->cb, sizeof(struct inet_skb_parm));
}

/*
 * Splits @skb into fragments of at most @mtu bytes, each a new sk_buff
 * with room for the link header, and sends them in order. Consumes @skb.
 */
static int ip_do_fragment(struct usn_net *net, struct sk_buff *skb,
			  const struct rtable *rt, unsigned int mtu)
{
	uint8_t hdr[IPV4_HLEN_MAX];
	unsigned int hlen = ipv4_hlen(ip_hdr(skb));
	unsigned int left, len, ptr, offset, frag_off;
	uint32_t nexthop;
	bool not_last;
	int err = -EMSGSIZE;

	if (mtu < hlen + 8 || skb->len < hlen)
		goto fail;
	/* A copy of the header: the original may be shared with a clone. */
	memcpy(hdr, ip_hdr(skb), hlen);
	nexthop = rt_nexthop(rt, ipv4_daddr(hdr));
	mtu -= hlen;
	left = skb->len - hlen;
	ptr = hlen;
	frag_off = ipv4_frag_off(hdr);
	offset = (frag_off & IP_OFFSET) << 3;
	not_last = frag_off & IP_MF;

	while (left > 0) {
		struct sk_buff *skb2;
		uint8_t *h;

		len = min_t(unsigned int, left, mtu);
		if (len < left)
			len &= ~7u;	/* all but the last carry 8-byte blocks */
		err = -ENOMEM;
		skb2 = alloc_skb_headroom(hlen + len, USN_MAX_HEADER);
		if (!skb2)
			goto fail;
		ip_copy_metadata(skb2, skb);
		h = skb_put(skb2, hlen + len);
		memcpy(h, hdr, hlen);
		memcpy(h + hlen, skb->data + ptr, len);
		ipv4_set_frag_off(h, (uint16_t)((offset >> 3) |
				  (left > len || not_last ? IP_MF : 0)));
		ipv4_set_tot_len(h, (uint16_t)(hlen + len));
		ipv4_set_check(h, 0);
		ipv4_set_check(h, ip_fast_csum(h, hlen / 4));
		skb_reset_network_header(skb2);
		skb2->transport_header = (uint16_t)(skb2->network_header + hlen);

		if (offset == 0)
			ip_options_fragment(hdr + IPV4_HLEN_MIN,
					    hlen - IPV4_HLEN_MIN);
		ptr += len;
		offset += len;
		left -= len;

		IP_INC_STATS(net, FragCreates);
		err = neigh_output(net, rt->dev, nexthop, skb2);
		if (err)
			goto fail;
	}
	consume_skb(skb);
	IP_INC_STATS(net, FragOKs);
	return 0;

fail:
	kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
	IP_INC_STATS(net, FragFails);
	return err;
}

static int ip_fragment(struct usn_net *net, struct sk_buff *skb,
		       const struct rtable *rt, unsigned int mtu)
{
	if (ipv4_frag_off(ip_hdr(skb)) & IP_DF) {
		/* Path MTU discovery (RFC 1191): the source learns the MTU. */
		IP_INC_STATS(net, FragFails);
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
		kfree_skb_reason(skb, SKB_DROP_REASON_MTU_EXCEEDED);
		return -EMSGSIZE;
	}
	return ip_do_fragment(net, skb, rt, mtu);
}

int ip_output(struct usn_net *net, struct sk_buff *skb, const struct rtable *rt)
{
	/* A route without a metric of its own has the device's MTU. */
	unsigned int mtu = rt->rt_mtu ? rt->rt_mtu : rt->dev->mtu;

	skb->protocol = htons(ETH_P_IP);
	skb->dev = rt->dev;
	skb_reset_network_header(skb);
	if (skb->len > mtu)
		return ip_fragment(net, skb, rt, mtu);
	return neigh_output(net, rt->dev,
			    rt_nexthop(rt, ipv4_daddr(ip_hdr(skb))), skb);
}

/* ---- the header ------------------------------------------------------------ */

/* ICMP messages are counted as they leave, whoever built them (__ip_make_skb). */
static void ip_icmp_out_count(struct usn_net *net, const struct sk_buff *skb)
{
	const uint8_t *iph = ip_hdr(skb);
	unsigned int hlen = ipv4_hlen(iph);

	if (ipv4_protocol(iph) == IPPROTO_ICMP && skb->len > hlen &&
	    !(ipv4_frag_off(iph) & IP_OFFSET))
		icmp_out_count(net, iph[hlen]);
}

int ip_build_and_send(struct usn_net *net, struct sk_buff *skb,
		      const struct rtable *rt, const struct ip_hdr_params *p)
{
	unsigned int hlen = IPV4_HLEN_MIN + p->optlen;
	uint8_t *iph;
	int err = -EINVAL;

	if (p->optlen % 4 || p->optlen > IPV4_HLEN_MAX - IPV4_HLEN_MIN ||
	    (p->optlen && !p->opt))
		goto out_free;
	err = -EMSGSIZE;
	if (skb->len > IPV4_MAX_LEN - hlen)
		goto out_free;
	err = -ENOBUFS;
	iph = skb_push(skb, hlen);
	if (!iph)
		goto out_free;

	iph[0] = (uint8_t)(0x40 | hlen / 4);
	iph[1] = p->tos;
	ipv4_set_tot_len(iph, (uint16_t)skb->len);
	ipv4_set_frag_off(iph, p->df ? IP_DF : 0);
	ipv4_set_ttl(iph, p->ttl ? p->ttl : (uint8_t)net->sysctl.ip_default_ttl);
	iph[9] = p->protocol;
	ipv4_set_saddr(iph, p->saddr);
	ipv4_set_daddr(iph, p->daddr);
	ipv4_set_id(iph, ip_choose_id(net, skb, iph));
	if (p->optlen)
		memcpy(iph + IPV4_HLEN_MIN, p->opt, p->optlen);
	ipv4_set_check(iph, 0);
	ipv4_set_check(iph, ip_fast_csum(iph, hlen / 4));
	skb_reset_network_header(skb);
	skb->transport_header = (uint16_t)(skb->network_header + hlen);

	IP_INC_STATS(net, OutRequests);
	ip_icmp_out_count(net, skb);
	return ip_output(net, skb, rt);

out_free:
	kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
	return err;
}

int ip_local_out(struct usn_net *net, struct sk_buff *skb,
		 const struct rtable *rt)
{
	uint8_t *iph = skb->data;
	int err = -EINVAL;

	if (skb->len < IPV4_HLEN_MIN || ipv4_version(iph) != 4 ||
	    ipv4_ihl(iph) < 5 || ipv4_hlen(iph) > skb->len)
		goto out_free;
	err = -EMSGSIZE;
	if (skb->len > IPV4_MAX_LEN)
		goto out_free;

	ipv4_set_tot_len(iph, (uint16_t)skb->len);
	/* IP_HDRINCL as Linux: an ID of 0 is chosen here (still 0 with DF). */
	if (!ipv4_id(iph))
		ipv4_set_id(iph, ip_choose_id(net, skb, iph));
	ipv4_set_check(iph, 0);
	ipv4_set_check(iph, ip_fast_csum(iph, ipv4_ihl(iph)));
	skb_reset_network_header(skb);
	skb->transport_header = (uint16_t)(skb->network_header + ipv4_hlen(iph));

	IP_INC_STATS(net, OutRequests);
	ip_icmp_out_count(net, skb);
	return ip_output(net, skb, rt);

out_free:
	kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
	return err;
}
