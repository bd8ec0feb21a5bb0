/* SPDX-License-Identifier: MIT */
/*
 * udp.c - UDP for IPv4 (RFC 768, RFC 1122 4.1), after net/ipv4/udp.c.
 *
 * Sockets live in a per-namespace table hashed by local port: a slot holds
 * the sockets of every port that hashes to it, so bind conflicts, the
 * ephemeral port search and receive demultiplexing only ever walk one
 * chain. The ephemeral search is Linux's: a random start in
 * net.ipv4.ip_local_port_range, then the ports of one slot at a time
 * (a bitmap of the taken ones), slot after slot.
 *
 * Receive: udp_rcv() checks the length field against the datagram (and
 * trims it to it), the checksum (0 means none), then hands it to the best
 * socket (compute_score: connected and bound sockets beat wildcards; a
 * SO_REUSEPORT group shares by a hash of the addresses and ports), or to
 * every matching socket for broadcast and multicast. The queued datagram
 * keeps IP's control block (IPCB) for the control messages and starts at
 * its payload; its UDP header stays reachable through transport_header.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <netinet/udp.h>	/* SOL_UDP */
#include <stdlib.h>
#include <string.h>
#include "core/filter.h"
#include "family/inet/inet_sock.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "net/trace.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/protocol.h"
#include "network/ipv4/route.h"
#include "transport/udp/udp.h"
#include "wire/checksum.h"
#include "wire/udp.h"

#define UDP_HTABLE_LOG		8
#define UDP_HTABLE_SIZE		(1u << UDP_HTABLE_LOG)
#define UDP_HTABLE_MASK		(UDP_HTABLE_SIZE - 1)
#define PORTS_PER_CHAIN		(65536 / UDP_HTABLE_SIZE)

struct udp_hslot {
	struct hlist_head	head;
	unsigned int		count;
};

struct udp_table {
	struct udp_hslot	hash[UDP_HTABLE_SIZE];
	uint32_t		secret;		/* SO_REUSEPORT selection hash key */
};

/*
 * A corked datagram (UDP_CORK, MSG_MORE): where it goes, fixed by the
 * first call, and how much payload waits in sk_write_queue.
 */
struct udp_cork {
	bool			pending;
	uint32_t		daddr;
	uint16_t		dport;
	unsigned int		flags;		/* MSG_DONTROUTE of the first call */
	struct ipcm_cookie	ipc;
	size_t			len;		/* payload bytes queued */
};

struct udp_sock {
	struct inet_sock	inet;	/* first: a struct sock * is a udp_sock * */
	struct hlist_node	udp_node;
	uint16_t		udp_port_hash;	/* the port it is hashed under */
	bool			corkflag;	/* UDP_CORK */
	struct udp_cork		cork;
};

static inline struct udp_sock *udp_sk(const struct sock *sk)
{
	return (struct udp_sock *)(void *)sk;
}

static struct udp_table *udp_table_of(struct usn_net *net)
{
	return net->ipv4 ? net->ipv4->udp : NULL;
}

static struct udp_hslot *udp_hashslot(struct udp_table *t, unsigned int port)
{
	return &t->hash[port & UDP_HTABLE_MASK];
}

unsigned int udp_table_slots(void)
{
	return UDP_HTABLE_SIZE;
}

struct sock *udp_table_sk(struct usn_net *net, unsigned int slot,
			  unsigned int idx)
{
	struct udp_table *t = udp_table_of(net);
	struct udp_sock *up;

	if (!t || slot >= UDP_HTABLE_SIZE)
		return NULL;
	hlist_for_each_entry(up, &t->hash[slot].head, udp_node)
		if (!idx--)
			return &up->inet.sk;
	return NULL;
}

/* The kernel's reciprocal_scale(): @val mapped onto [0, @range). */
static inline uint32_t reciprocal_scale(uint32_t val, uint32_t range)
{
	return (uint32_t)(((uint64_t)val * range) >> 32);
}

/* ---- binding ------------------------------------------------------------- */

/* Do two bound addresses overlap? A wildcard overlaps every address. */
static bool inet_rcv_saddr_equal(const struct sock *sk, const struct sock *sk2)
{
	uint32_t a = inet_sk(sk)->inet_rcv_saddr, b = inet_sk(sk2)->inet_rcv_saddr;

	return a == b || !a || !b;
}

static bool bound_dev_overlap(const struct sock *sk, const struct sock *sk2)
{
	return !sk->sk_bound_dev_if || !sk2->sk_bound_dev_if ||
	       sk->sk_bound_dev_if == sk2->sk_bound_dev_if;
}

/*
 * Is @num taken for @sk in @hslot? With @bitmap, marks every port of the
 * slot that is taken instead (the ephemeral search). Sockets that both set
 * SO_REUSEADDR share; so do SO_REUSEPORT sockets (of one owner: every
 * usnet socket has the same).
 */
static int udp_lib_lport_inuse(uint16_t num, const struct udp_hslot *hslot,
			       uint64_t *bitmap, const struct sock *sk)
{
	struct udp_sock *up2;

	hlist_for_each_entry(up2, &hslot->head, udp_node) {
		const struct sock *sk2 = &up2->inet.sk;

		if (sk2 == sk || (!bitmap && up2->udp_port_hash != num))
			continue;
		if (sk2->sk_reuse && sk->sk_reuse)
			continue;
		if (!bound_dev_overlap(sk, sk2) || !inet_rcv_saddr_equal(sk, sk2))
			continue;
		if (sk2->sk_reuseport && sk->sk_reuseport) {
			if (!bitmap)
				return 0;
		} else {
			unsigned int bit;

			if (!bitmap)
				return 1;
			bit = up2->udp_port_hash >> UDP_HTABLE_LOG;
			bitmap[bit / 64] |= 1ull << (bit % 64);
		}
	}
	return 0;
}

static bool bitmap_test(const uint64_t *bitmap, unsigned int bit)
{
	return bitmap[bit / 64] & (1ull << (bit % 64));
}

/* An ephemeral port for @sk, Linux's way; 0 when the range is exhausted. */
static int udp_pick_ephemeral(struct sock *sk, struct udp_table *t,
			      uint16_t *port)
{
	struct usn_net *net = sock_net(sk);
	int low = net->sysctl.ip_local_port_range[0];
	int high = net->sysctl.ip_local_port_range[1];
	uint64_t bitmap[PORTS_PER_CHAIN / 64];
	uint32_t remaining = (uint32_t)(high - low) + 1;
	uint32_t rand = net_random_u32(net);
	uint16_t first, last, snum;

	first = (uint16_t)(reciprocal_scale(rand, remaining) + (uint32_t)low);
	/*
	 * An odd multiple of the table size as the step: adding it modulo
	 * 65536 stays in one slot and visits every port of that slot.
	 */
	rand = (rand | 1) * UDP_HTABLE_SIZE;
	last = (uint16_t)(first + UDP_HTABLE_SIZE);
	do {
		struct udp_hslot *hslot = udp_hashslot(t, first);

		memset(bitmap, 0, sizeof(bitmap));
		udp_lib_lport_inuse(0, hslot, bitmap, sk);
		snum = first;
		do {
			if (low <= snum && snum <= high &&
			    !bitmap_test(bitmap, snum >> UDP_HTABLE_LOG)) {
				*port = snum;
				return 0;
			}
			snum = (uint16_t)(snum + rand);
		} while (snum != first);
	} while (++first != last);
	return -EADDRINUSE;
}

static int udp_v4_get_port(struct sock *sk, unsigned short snum)
{
	struct udp_table *t = udp_table_of(sock_net(sk));
	struct udp_sock *up = udp_sk(sk);
	struct udp_hslot *hslot;
	uint16_t port = snum;
	int err;

	if (!t)
		return -EADDRINUSE;
	if (!snum) {
		err = udp_pick_ephemeral(sk, t, &port);
		if (err)
			return err;
	} else if (udp_lib_lport_inuse(snum, udp_hashslot(t, snum), NULL, sk)) {
		return -EADDRINUSE;
	}
	inet_sk(sk)->inet_num = port;
	up->udp_port_hash = port;
	if (hlist_unhashed(&up->udp_node)) {
		hslot = udp_hashslot(t, port);
		hlist_add_head(&up->udp_node, &hslot->head);
		hslot->count++;
	}
	return 0;
}

static void udp_lib_unhash(struct sock *sk)
{
	struct udp_sock *up = udp_sk(sk);
	struct udp_table *t;

	if (hlist_unhashed(&up->udp_node))
		return;
	hlist_del_init(&up->udp_node);
	t = udp_table_of(sock_net(sk));
	if (t)
		udp_hashslot(t, up->udp_port_hash)->count--;
	inet_sk(sk)->inet_num = 0;
}

/* UDP sockets are hashed by bind or autobind, never at creation. */
static int udp_lib_hash(struct sock *sk)
{
	return 0;
}

/* ---- lookup -------------------------------------------------------------- */

static int compute_score(const struct sock *sk, uint32_t saddr, uint16_t sport,
			 uint32_t daddr, uint16_t hnum, int dif)
{
	const struct inet_sock *inet = inet_sk(sk);
	int score;

	if (udp_sk(sk)->udp_port_hash != hnum)
		return -1;
	score = 2;	/* PF_INET */
	if (inet->inet_rcv_saddr) {
		if (inet->inet_rcv_saddr != daddr)
			return -1;
		score += 4;
	}
	if (inet->inet_daddr) {
		if (inet->inet_daddr != saddr)
			return -1;
		score += 4;
	}
	if (inet->inet_dport) {
		if (inet->inet_dport != sport)
			return -1;
		score += 4;
	}
	if (sk->sk_bound_dev_if) {
		if (sk->sk_bound_dev_if != dif)
			return -1;
		score += 4;
	}
	return score;
}

static uint32_t udp_ehashfn(const struct udp_table *t, uint32_t laddr,
			    uint16_t lport, uint32_t faddr, uint16_t fport)
{
	uint32_t h = t->secret;

	h ^= laddr * 0x9e3779b1u;
	h = (h ^ (h >> 15)) * 0x2c1b3c6du;
	h ^= faddr;
	h = (h ^ (h >> 12)) * 0x297a2d39u;
	h ^= (uint32_t)lport << 16 | fport;
	h = (h ^ (h >> 15)) * 0x85ebca6bu;
	return h ^ (h >> 16);
}

static bool reuseport_same_group(const struct sock *a, const struct sock *b)
{
	return b->sk_reuseport && b->sk_state != TCP_ESTABLISHED &&
	       udp_sk(a)->udp_port_hash == udp_sk(b)->udp_port_hash &&
	       inet_sk(a)->inet_rcv_saddr == inet_sk(b)->inet_rcv_saddr &&
	       a->sk_bound_dev_if == b->sk_bound_dev_if;
}

/*
 * The member of @sk's SO_REUSEPORT group that takes a datagram: the
 * flow's hash scaled onto the group, in the order the members joined
 * (chains are newest first).
 */
static struct sock *reuseport_select_sock(struct udp_table *t,
					  struct udp_hslot *hslot,
					  struct sock *sk, uint32_t hash)
{
	struct udp_sock *up;
	uint32_t n = 0, idx;

	hlist_for_each_entry(up, &hslot->head, udp_node)
		if (reuseport_same_group(sk, &up->inet.sk))
			n++;
	if (n < 2)
		return sk;
	idx = n - 1 - reciprocal_scale(hash, n);
	hlist_for_each_entry(up, &hslot->head, udp_node) {
		if (!reuseport_same_group(sk, &up->inet.sk))
			continue;
		if (!idx--)
			return &up->inet.sk;
	}
	return sk;
}

/* The socket a unicast datagram saddr:sport -> daddr:dport belongs to. */
static struct sock *__udp4_lib_lookup(struct usn_net *net, uint32_t saddr,
				      uint16_t sport, uint32_t daddr,
				      uint16_t dport, int dif)
{
	struct udp_table *t = udp_table_of(net);
	uint16_t hnum = ntohs(dport);
	struct sock *result = NULL;
	struct udp_hslot *hslot;
	struct udp_sock *up;
	int badness = 0;

	if (!t)
		return NULL;
	hslot = udp_hashslot(t, hnum);
	hlist_for_each_entry(up, &hslot->head, udp_node) {
		struct sock *sk = &up->inet.sk;
		int score = compute_score(sk, saddr, sport, daddr, hnum, dif);

		if (score > badness) {
			result = sk;
			badness = score;
		}
	}
	if (result && result->sk_reuseport &&
	    result->sk_state != TCP_ESTABLISHED)
		result = reuseport_select_sock(t, hslot, result,
					       udp_ehashfn(t, daddr, hnum,
							   saddr, sport));
	return result;
}

/* ---- receive ------------------------------------------------------------- */

/* Queues @skb (data at the UDP header) on @sk; counts and frees it when full. */
static int udp_queue_rcv_skb(struct sock *sk, struct sk_buff *skb)
{
	struct usn_net *net = sock_net(sk);

	/* The socket filter sees the UDP header, as in udp_queue_rcv_one_skb(). */
	if (sk_filter_trim_cap(sk, skb, UDP_HLEN)) {
		UDP_INC_STATS(net, InErrors);
		atomic_fetch_add(&sk->sk_drops, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_FILTER);
		return -1;
	}
	skb_pull(skb, UDP_HLEN);
	if (__sock_queue_rcv_skb(sk, skb)) {
		UDP_INC_STATS(net, RcvbufErrors);
		UDP_INC_STATS(net, InErrors);
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
		return -1;
	}
	return 0;
}

static bool __udp_is_mcast_sock(const struct sock *sk, uint16_t loc_port,
				uint32_t loc_addr, uint16_t rmt_port,
				uint32_t rmt_addr, int dif)
{
	const struct inet_sock *inet = inet_sk(sk);

	return udp_sk(sk)->udp_port_hash == loc_port &&
	       !(inet->inet_daddr && inet->inet_daddr != rmt_addr) &&
	       !(inet->inet_dport && inet->inet_dport != rmt_port) &&
	       !(inet->inet_rcv_saddr && inet->inet_rcv_saddr != loc_addr) &&
	       !(sk->sk_bound_dev_if && sk->sk_bound_dev_if != dif);
}

/* Broadcast and multicast: every matching socket gets the datagram. */
static int __udp4_lib_mcast_deliver(struct usn_net *net, struct sk_buff *skb,
				    uint32_t saddr, uint16_t sport,
				    uint32_t daddr, uint16_t dport, int dif)
{
	struct udp_table *t = udp_table_of(net);
	uint16_t hnum = ntohs(dport);
	struct sock *prev = NULL;
	struct udp_sock *up;

	if (!t) {
		kfree_skb_reason(skb, SKB_DROP_REASON_NO_SOCKET);
		return 0;
	}
	hlist_for_each_entry(up, &udp_hashslot(t, hnum)->head, udp_node) {
		struct sock *sk = &up->inet.sk;
		struct sk_buff *nskb;

		if (!__udp_is_mcast_sock(sk, hnum, daddr, sport, saddr, dif))
			continue;
		if (prev) {
			nskb = skb_clone(skb);
			if (!nskb) {
				atomic_fetch_add(&prev->sk_drops, 1);
				UDP_INC_STATS(net, RcvbufErrors);
				UDP_INC_STATS(net, InErrors);
			} else {
				udp_queue_rcv_skb(prev, nskb);
			}
		}
		prev = sk;
	}
	if (prev) {
		udp_queue_rcv_skb(prev, skb);
	} else {
		UDP_INC_STATS(net, IgnoredMulti);
		consume_skb(skb);
	}
	return 0;
}

static bool udp_csum_bad(const struct sk_buff *skb, uint32_t saddr,
			 uint32_t daddr, unsigned int ulen)
{
	uint32_t sum = csum_partial(skb->data, ulen, 0);

	return csum_tcpudp_magic(saddr, daddr, ulen, IPPROTO_UDP, sum) != 0;
}

int udp_rcv(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);
	TRACE_FUNC(net);
	enum skb_drop_reason reason = SKB_DROP_REASON_PKT_TOO_SMALL;
	const uint8_t *iph = ip_hdr(skb), *uh;
	uint32_t saddr, daddr;
	uint16_t ulen;
	uint8_t rt_type;
	int dif;
	struct sock *sk;

	skb_reset_transport_header(skb);
	if (!pskb_may_pull(skb, UDP_HLEN))
		goto drop;
	uh = skb->data;
	ulen = udp_len(uh);
	saddr = ipv4_saddr(iph);
	daddr = ipv4_daddr(iph);
	/* RFC 768: the length covers header and data; extra bytes are padding. */
	if (ulen > skb->len || ulen < UDP_HLEN)
		goto drop;
	skb_trim(skb, ulen);
	/* A zero checksum means the sender computed none (RFC 768). */
	if (udp_check(uh) && udp_csum_bad(skb, saddr, daddr, ulen)) {
		reason = SKB_DROP_REASON_UDP_CSUM;
		UDP_INC_STATS(net, InCsumErrors);
		goto drop;
	}

	dif = IPCB(skb)->iif ? IPCB(skb)->iif : skb->skb_iif;
	rt_type = IPCB(skb)->rt_type;
	if (rt_type == RTN_BROADCAST || rt_type == RTN_MULTICAST ||
	    ipv4_is_multicast(daddr) || ipv4_is_lbcast(daddr))
		return __udp4_lib_mcast_deliver(net, skb, saddr, udp_source(uh),
						daddr, udp_dest(uh), dif);

	sk = __udp4_lib_lookup(net, saddr, udp_source(uh), daddr,
			       udp_dest(uh), dif);
	if (sk) {
		udp_queue_rcv_skb(sk, skb);
		return 0;
	}
	UDP_INC_STATS(net, NoPorts);
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
	kfree_skb_reason(skb, SKB_DROP_REASON_NO_SOCKET);
	return 0;

drop:
	UDP_INC_STATS(net, InErrors);
	kfree_skb_reason(skb, reason);
	return 0;
}

/*
 * An ICMP error about a datagram we sent (@skb data at the quoted IP
 * header): the socket it came from learns of it. Without IP_RECVERR only
 * a connected socket does, and only of hard errors (RFC 1122 4.1.3.3).
 */
int udp_err(struct sk_buff *skb, uint32_t info)
{
	struct usn_net *net = dev_net(skb->dev);
	int type = icmp_info_type(info), code = icmp_info_code(info);
	const uint8_t *iph = skb->data, *uh;
	struct inet_sock *inet;
	bool harderr = false;
	struct sock *sk;
	unsigned int ihl;
	int err;

	if (skb->len < IPV4_HLEN_MIN)
		return -EINVAL;
	ihl = ipv4_hlen(iph);
	if (ihl < IPV4_HLEN_MIN || skb->len < ihl + UDP_HLEN)
		return -EINVAL;
	uh = iph + ihl;
	/* The quoted datagram went from us to the peer: look it up reversed. */
	sk = __udp4_lib_lookup(net, ipv4_daddr(iph), udp_dest(uh),
			       ipv4_saddr(iph), udp_source(uh),
			       IPCB(skb)->iif);
	if (!sk) {
		ICMP_INC_STATS(net, InErrors);
		return -ENOENT;
	}
	inet = inet_sk(sk);

	switch (type) {
	case ICMP_SOURCE_QUENCH:
	case ICMP_REDIRECT:
		return 0;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		harderr = true;
		break;
	case ICMP_DEST_UNREACH:
		if (code == ICMP_FRAG_NEEDED) {
			/* Path MTU discovery: the route learns the MTU. */
			if (inet->pmtudisc == IP_PMTUDISC_DONT)
				return 0;
			err = EMSGSIZE;
			harderr = true;
			break;
		}
		err = EHOSTUNREACH;
		if (code <= NR_ICMP_UNREACH)
			err = icmp_err_errno(type, code, &harderr);
		break;
	case ICMP_TIME_EXCEEDED:
	default:
		err = EHOSTUNREACH;
		break;
	}

	if (!inet->recverr) {
		if (!harderr || sk->sk_state != TCP_ESTABLISHED)
			return 0;
	} else {
		ip_icmp_error(sk, skb, err, udp_dest(uh), info, uh + UDP_HLEN);
	}
	sk->sk_err = err;
	sk->sk_error_report(sk);
	return 0;
}

/* ---- send ---------------------------------------------------------------- */

static void udp4_hwcsum_none(struct sock *sk, struct sk_buff *skb,
			     const struct ip_hdr_params *p, unsigned int ulen)
{
	uint8_t *uh = skb->data;
	uint16_t check;

	if (sk->sk_no_check_tx)
		return;		/* SO_NO_CHECK: checksum 0, "none" */
	check = csum_tcpudp_magic(p->saddr, p->daddr, ulen, IPPROTO_UDP,
				  csum_partial(uh, ulen, 0));
	udp_set_check(uh, check ? check : CSUM_MANGLED_0);
}

/* Puts the UDP header on @skb (data at it, payload filled) and sends it. */
static int udp_send_skb(struct sock *sk, struct sk_buff *skb, uint16_t dport,
			const struct rtable *rt, const struct ip_hdr_params *p)
{
	struct inet_sock *inet = inet_sk(sk);
	struct usn_net *net = sock_net(sk);
	uint8_t *uh = skb->data;
	int err;

	skb_reset_transport_header(skb);
	udp_set_source(uh, inet->inet_sport);
	udp_set_dest(uh, dport);
	udp_set_len(uh, (uint16_t)skb->len);
	udp_set_check(uh, 0);
	udp4_hwcsum_none(sk, skb, p, skb->len);

	err = ip_build_and_send(net, skb, rt, p);
	if (err) {
		/* Without IP_RECVERR a full device queue is not the sender's error. */
		if (err == -ENOBUFS && !inet->recverr) {
			UDP_INC_STATS(net, SndbufErrors);
			err = 0;
		}
	} else {
		UDP_INC_STATS(net, OutDatagrams);
	}
	return err;
}

static void udp_flush_pending_frames(struct sock *sk)
{
	struct udp_sock *up = udp_sk(sk);

	skb_queue_purge(&sk->sk_write_queue);
	memset(&up->cork, 0, sizeof(up->cork));
}

/* Routes the corked datagram and checks its size with @extra more bytes. */
static int udp_cork_route(struct sock *sk, size_t extra, struct flowi4 *fl4,
			  struct rtable *rt, struct ip_hdr_params *p)
{
	struct udp_cork *cork = &udp_sk(sk)->cork;
	int err;

	err = ip_datagram_route(sk, &cork->ipc, cork->daddr, cork->dport,
				cork->flags, fl4, rt);
	if (err)
		return err;
	return ip_datagram_prepare(sk, &cork->ipc, fl4, rt,
				   UDP_HLEN + cork->len + extra, p);
}

/* Sends the corked datagram: one skb built from the queued pieces. */
static int udp_push_pending_frames(struct sock *sk)
{
	struct udp_cork *cork = &udp_sk(sk)->cork;
	struct ip_hdr_params iph;
	struct sk_buff *skb, *piece;
	struct flowi4 fl4;
	struct rtable rt;
	uint8_t *p;
	int err;

	if (!cork->pending)
		return 0;
	err = udp_cork_route(sk, 0, &fl4, &rt, &iph);
	if (err)
		goto out;
	/* The pieces are charged to the send buffer already: no second wait. */
	err = -ENOBUFS;
	skb = alloc_skb_headroom((unsigned int)(UDP_HLEN + cork->len),
				 USN_MAX_HEADER);
	if (!skb)
		goto out;
	skb_set_owner_w(skb, sk);
	p = skb_put(skb, (unsigned int)(UDP_HLEN + cork->len)) + UDP_HLEN;
	while ((piece = __skb_dequeue(&sk->sk_write_queue))) {
		memcpy(p, piece->data, piece->len);
		p += piece->len;
		consume_skb(piece);
	}
	err = udp_send_skb(sk, skb, cork->dport, &rt, &iph);
out:
	udp_flush_pending_frames(sk);
	return err;
}

/* Appends @len bytes of the caller's to the corked datagram. */
static int udp_append_data(struct sock *sk, struct kmsghdr *msg, size_t len)
{
	struct udp_cork *cork = &udp_sk(sk)->cork;
	struct ip_hdr_params iph;
	struct sk_buff *piece;
	struct flowi4 fl4;
	struct rtable rt;
	int err;

	err = udp_cork_route(sk, len, &fl4, &rt, &iph);
	if (err)
		return err;
	if (!len)
		return 0;
	piece = sock_alloc_send_skb(sk, len, msg->msg_flags & MSG_DONTWAIT,
				    &err);
	if (!piece)
		return err;
	err = memcpy_from_msg(skb_put(piece, (unsigned int)len), msg, len);
	if (err) {
		kfree_skb(piece);
		return err;
	}
	__skb_queue_tail(&sk->sk_write_queue, piece);
	cork->len += len;
	return 0;
}

static int udp_sendmsg(struct sock *sk, struct kmsghdr *msg, size_t len)
{
	const struct sockaddr_in *usin = msg->msg_name;
	struct inet_sock *inet = inet_sk(sk);
	struct udp_sock *up = udp_sk(sk);
	size_t ulen = len + UDP_HLEN;
	bool corkreq = up->corkflag || (msg->msg_flags & MSG_MORE);
	struct ip_hdr_params iph;
	struct ipcm_cookie ipc;
	struct sk_buff *skb;
	struct flowi4 fl4;
	struct rtable rt;
	uint32_t daddr;
	uint16_t dport;
	int err;

	if (len > IPV4_MAX_LEN)
		return -EMSGSIZE;
	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	/* A corked datagram takes more data wherever this call says it goes. */
	if (up->cork.pending)
		goto do_append_data;

	if (usin) {
		if (msg->msg_namelen < (int)sizeof(*usin))
			return -EINVAL;
		if (usin->sin_family != AF_INET && usin->sin_family != AF_UNSPEC)
			return -EAFNOSUPPORT;
		daddr = usin->sin_addr.s_addr;
		dport = usin->sin_port;
		if (!dport)
			return -EINVAL;
	} else {
		/* sendto() on a connected socket is fine: no EISCONN for UDP. */
		if (sk->sk_state != TCP_ESTABLISHED)
			return -EDESTADDRREQ;
		daddr = inet->inet_daddr;
		dport = inet->inet_dport;
	}

	ipcm_init_sk(&ipc, inet);
	if (msg->msg_controllen) {
		err = ip_cmsg_send(sk, msg, &ipc);
		if (err)
			return err;
	}
	if (corkreq) {
		up->cork.pending = true;
		up->cork.daddr = daddr;
		up->cork.dport = dport;
		up->cork.flags = msg->msg_flags & MSG_DONTROUTE;
		up->cork.ipc = ipc;
		up->cork.len = 0;
		goto do_append_data;
	}

	err = ip_datagram_route(sk, &ipc, daddr, dport, msg->msg_flags, &fl4,
				&rt);
	if (err)
		goto out;
	err = ip_datagram_prepare(sk, &ipc, &fl4, &rt, ulen, &iph);
	if (err)
		goto out;
	skb = sock_alloc_send_skb(sk, ulen, msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		goto out;
	err = memcpy_from_msg(skb_put(skb, (unsigned int)ulen) + UDP_HLEN, msg,
			      len);
	if (err) {
		kfree_skb(skb);
		goto out;
	}
	err = udp_send_skb(sk, skb, dport, &rt, &iph);
out:
	if (!err)
		return (int)len;
	if (err == -ENOBUFS || err == -EAGAIN)
		UDP_INC_STATS(sock_net(sk), SndbufErrors);
	return err;

do_append_data:
	err = udp_append_data(sk, msg, len);
	if (err)
		udp_flush_pending_frames(sk);
	else if (!corkreq)
		err = udp_push_pending_frames(sk);
	goto out;
}

/* ---- receive to the caller ----------------------------------------------- */

static int udp_recvmsg(struct sock *sk, struct kmsghdr *msg, size_t len,
		       int flags, int *addr_len)
{
	struct sockaddr_in *sin = msg->msg_name;
	bool peeking = flags & MSG_PEEK;
	struct sk_buff *skb;
	size_t ulen, copied;
	int err;

	if (flags & MSG_ERRQUEUE) {
		err = ip_recv_error(sk, msg, len);
		*addr_len = msg->msg_namelen;
		return err;
	}
	skb = skb_recv_datagram(sk, (unsigned int)flags, &err);
	if (!skb)
		return err;

	ulen = skb->len;
	copied = len;
	if (copied > ulen)
		copied = ulen;
	else if (copied < ulen)
		msg->msg_flags |= MSG_TRUNC;
	err = skb_copy_datagram_msg(skb, 0, msg, (int)copied);
	if (err) {
		if (!peeking) {
			atomic_fetch_add(&sk->sk_drops, 1);
			UDP_INC_STATS(sock_net(sk), InErrors);
		}
		kfree_skb(skb);
		return err;
	}
	if (!peeking)
		UDP_INC_STATS(sock_net(sk), InDatagrams);

	if (sin) {
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_port = udp_source(skb_transport_header(skb));
		sin->sin_addr.s_addr = ipv4_saddr(ip_hdr(skb));
		*addr_len = sizeof(*sin);
	}
	sock_recv_timestamp(msg, sk, skb);
	if (inet_sk(sk)->cmsg_flags)
		ip_cmsg_recv(msg, skb);

	err = (int)copied;
	if (flags & MSG_TRUNC)
		err = (int)ulen;	/* the datagram's real length */
	skb_free_datagram(sk, skb);
	return err;
}

/* ---- the rest of the protocol -------------------------------------------- */

int __udp_disconnect(struct sock *sk, int flags)
{
	struct inet_sock *inet = inet_sk(sk);

	sk->sk_state = TCP_CLOSE;
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		inet->inet_saddr = 0;
		inet->inet_rcv_saddr = 0;
	}
	/* An autobound port goes back to the pool. */
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK)) {
		if (sk->sk_prot->unhash)
			sk->sk_prot->unhash(sk);
		inet->inet_sport = 0;
	}
	return 0;
}

static int udp_ioctl(struct sock *sk, int cmd, int *karg)
{
	struct sk_buff *skb;

	switch (cmd) {
	case SIOCOUTQ:
		*karg = atomic_load(&sk->sk_wmem_alloc);
		return 0;
	case SIOCINQ:
		/* The payload of the next datagram, not the whole queue. */
		skb = skb_peek(&sk->sk_receive_queue);
		*karg = skb ? (int)skb->len : 0;
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}

unsigned int udp_poll(struct file *file, struct socket *sock,
		      struct poll_table_struct *wait)
{
	/* Checksums are verified on arrival: every queued datagram is good. */
	return datagram_poll(file, sock, wait);
}

/* Level SOL_UDP: UDP_CORK; the others (UDP_SEGMENT, UDP_GRO, ...) not yet. */
static int udp_lib_setsockopt(struct sock *sk, int optname,
			      const void *optval, unsigned int optlen)
{
	int val;

	if (optlen < sizeof(int))
		return -EINVAL;
	if (!optval)
		return -EFAULT;
	memcpy(&val, optval, sizeof(val));
	switch (optname) {
	case UDP_CORK:
		if (val) {
			udp_sk(sk)->corkflag = true;
			return 0;
		}
		udp_sk(sk)->corkflag = false;
		udp_push_pending_frames(sk);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int udp_setsockopt(struct sock *sk, int level, int optname,
			  const void *optval, unsigned int optlen)
{
	if (level == SOL_UDP)
		return udp_lib_setsockopt(sk, optname, optval, optlen);
	return ip_setsockopt(sk, level, optname, optval, optlen);
}

static int udp_getsockopt(struct sock *sk, int level, int optname,
			  void *optval, int *optlen)
{
	int val;

	if (level != SOL_UDP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (*optlen < 0)	/* checked before the option, as udp_lib_getsockopt */
		return -EINVAL;
	if (optname != UDP_CORK)
		return -ENOPROTOOPT;
	val = udp_sk(sk)->corkflag;
	return sockopt_put(optval, optlen, &val, sizeof(int));
}

/* A corked datagram dies with its socket. */
static void udp_destroy_sock(struct sock *sk)
{
	udp_flush_pending_frames(sk);
}


static const struct proto udp_prot = {
	.name		= "UDP",
	.obj_size	= sizeof(struct udp_sock),
	.close		= inet_datagram_close,
	.destroy	= udp_destroy_sock,
	.connect	= ip4_datagram_connect,
	.disconnect	= __udp_disconnect,
	.ioctl		= udp_ioctl,
	.setsockopt	= udp_setsockopt,
	.getsockopt	= udp_getsockopt,
	.sendmsg	= udp_sendmsg,
	.recvmsg	= udp_recvmsg,
	.hash		= udp_lib_hash,
	.unhash		= udp_lib_unhash,
	.get_port	= udp_v4_get_port,
};

static struct inet_protosw udp_protosw = {
	.type		= SOCK_DGRAM,
	.protocol	= IPPROTO_UDP,
	.prot		= &udp_prot,
	.ops		= &inet_dgram_ops,
	.flags		= INET_PROTOSW_PERMANENT,
};

static const struct net_protocol udp_protocol = {
	.handler	= udp_rcv,
	.err_handler	= udp_err,
};

static int udp_net_init(struct usn_net *net)
{
	struct udp_table *t;

	if (!net->ipv4)
		return -ENOENT;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->secret = net_random_u32(net);
	net->ipv4->udp = t;
	return 0;
}

/* Sockets may outlive their namespace's IPv4: they are unhashed here. */
static void udp_net_exit(struct usn_net *net)
{
	struct udp_table *t = udp_table_of(net);

	if (!t)
		return;
	for (unsigned int i = 0; i < UDP_HTABLE_SIZE; i++) {
		struct hlist_head *h = &t->hash[i].head;

		while (h->first) {
			struct udp_sock *up = hlist_entry(h->first,
							  struct udp_sock,
							  udp_node);

			hlist_del_init(&up->udp_node);
			up->inet.inet_num = 0;
		}
	}
	net->ipv4->udp = NULL;
	free(t);
}

static struct pernet_operations udp_net_ops = {
	.name	= "udp",
	.init	= udp_net_init,
	.exit	= udp_net_exit,
};

int udp_init(void)
{
	int err;

	err = register_pernet_subsys(&udp_net_ops);
	if (err)
		return err;
	err = inet_add_protocol(&udp_protocol, IPPROTO_UDP);
	if (err) {
		unregister_pernet_subsys(&udp_net_ops);
		return err;
	}
	inet_register_protosw(&udp_protosw);
	return 0;
}
