/* SPDX-License-Identifier: MIT */
/*
 * ip.h - IPv4 in a namespace: its state (struct netns_ipv4), the control
 * block it keeps in each sk_buff (IPCB), and the entry points of the
 * receive and transmit paths, after include/net/ip.h.
 *
 * Receive, as in the kernel and traced under these names:
 *   ptype_base[ETH_P_IP] -> ip_rcv (ip_input.c: validate, count, trim)
 *   -> ip_rcv_finish (route the datagram: local, forward or drop)
 *   -> ip_local_deliver (reassemble; raw sockets get a copy; then the
 *      protocol: inet_protos[protocol]->handler) or ip_forward.
 * Transmit:
 *   a transport builds its header in an skb with USN_MAX_HEADER headroom,
 *   routes it (route.h) and calls ip_build_and_send(), which pushes the IP
 *   header, fragments to the route's MTU and hands each frame to
 *   neigh_output() (ARP) and the device.
 *
 * All of it runs under the namespace lock. Addresses are in network order
 * everywhere (the kernel's __be32); ports in network order in headers.
 */
#ifndef USN_NETWORK_IPV4_IP_H
#define USN_NETWORK_IPV4_IP_H

#include <stdbool.h>
#include <stdint.h>
#include "core/skbuff.h"
#include "network/ipv4/snmp.h"
#include "wire/ipv4.h"

struct usn_net;
struct net_device;
struct packet_type;
struct rtable;
struct fib_table;
struct neigh_table;
struct ipq_table;
struct udp_table;
struct raw_hashinfo;
struct ping_table;
struct icmp_rate;
struct tcp_hashinfo;

/* Per-namespace IPv4 state; each part belongs to the file that names it. */
struct netns_ipv4 {
	struct ipv4_mibs	mib;
	struct fib_table	*fib;		/* route.c */
	struct neigh_table	*arp_tbl;	/* network/arp/neighbour.c */
	struct ipq_table	*frags;		/* ip_fragment.c */
	struct udp_table	*udp;		/* transport/udp/udp.c */
	struct raw_hashinfo	*raw;		/* transport/raw/raw.c */
	struct ping_table	*ping;		/* transport/ping/ping.c */
	struct icmp_rate	*icmp;		/* icmp.c: rate limits */
	struct tcp_hashinfo	*tcp;		/* transport/tcp/tcp_ipv4.c */
	uint32_t		ip_id_key[4];	/* ip_output.c: IP ID hash key */
	uint16_t		*ip_idents;	/* ip_output.c: ID counters */
	uint32_t		*ip_tstamps;	/* ip_output.c: jiffy each was last used */
};

/* flags of struct inet_skb_parm */
#define IPSKB_FORWARDED		0x01
#define IPSKB_FRAG_COMPLETE	0x02	/* reassembled from fragments */
#define IPSKB_LOCAL_ERROR	0x04	/* an ICMP error generated here */

/* What IP keeps in skb->cb while a datagram is in its hands. */
struct inet_skb_parm {
	int		iif;		/* ifindex it came in on (0: local) */
	uint16_t	flags;		/* IPSKB_* */
	uint16_t	frag_max_size;	/* largest fragment reassembled from */
	uint8_t		rt_type;	/* RTN_* the input route found */
	uint8_t		ttl;		/* from the header, for IP_RECVTTL */
	uint8_t		tos;		/* from the header, for IP_RECVTOS */
	uint32_t	spec_dst;	/* the local address it was sent to (IP_PKTINFO) */
};

#define IPCB(skb)	((struct inet_skb_parm *)((skb)->cb))

_Static_assert(sizeof(struct inet_skb_parm) <= 24,
	       "IPCB leaves room in skb->cb for the transport");

static inline uint8_t *ip_hdr(const struct sk_buff *skb)
{
	return skb_network_header(skb);
}

/* ip_input.c */
int ip_rcv(struct sk_buff *skb, struct net_device *dev,
	   struct packet_type *pt, struct net_device *orig_dev);
int ip_local_deliver(struct sk_buff *skb);

/* ip_forward.c: consumes @skb */
int ip_forward(struct sk_buff *skb);

/* ip_fragment.c */
/*
 * Queues the fragment *@pskb (data at its IP header); returns 0 with *@pskb
 * now the whole datagram (one linear sk_buff, data at its IP header),
 * -EINPROGRESS when it was queued, or -errno when it was dropped.
 */
int ip_defrag(struct usn_net *net, struct sk_buff **pskb);

/* ip_output.c */
struct ip_hdr_params {
	uint32_t	saddr;
	uint32_t	daddr;
	uint8_t		protocol;
	uint8_t		ttl;
	uint8_t		tos;
	bool		df;		/* set Don't Fragment (path MTU discovery) */
	const uint8_t	*opt;		/* IP options, already padded, or NULL */
	unsigned int	optlen;		/* multiple of 4, at most 40 */
};

/*
 * Pushes an IPv4 header on @skb (data at the transport header), picks the
 * ID, fills length and checksum, and sends it along @rt, fragmenting to
 * rt->rt_mtu when it is larger and DF is clear (-EMSGSIZE when set).
 * Consumes @skb. Counts OutRequests, FragOKs/FragCreates/FragFails.
 */
int ip_build_and_send(struct usn_net *net, struct sk_buff *skb,
		      const struct rtable *rt, const struct ip_hdr_params *p);
/*
 * Sends @skb whose data is a complete IPv4 header and payload (raw
 * IP_HDRINCL sockets, forwarding, ICMP replies) along @rt: fills the total
 * length, an ID when it is 0, and the header checksum, as the kernel does
 * for IP_HDRINCL. Consumes @skb.
 */
int ip_local_out(struct usn_net *net, struct sk_buff *skb,
		 const struct rtable *rt);
/* The IP ID for a datagram without DF (hash of the addresses, RFC 6864 / Linux). */
uint16_t ip_select_ident(struct usn_net *net, uint32_t saddr, uint32_t daddr,
			 uint8_t protocol);
/*
 * The ID of the datagram whose header is at @iph, as Linux picks it
 * (ip_select_ident_segs): with DF, the connected socket's own counter, or 0;
 * without, ip_select_ident().
 */
uint16_t ip_choose_id(struct usn_net *net, const struct sk_buff *skb,
		      const uint8_t *iph);

/* Registers IPv4 (ETH_P_IP, the per-namespace state): an inet_init() step. */
int ip_init(void);

#endif
