/* SPDX-License-Identifier: MIT */
/*
 * tcp_ipv4.c - TCP over IPv4, after net/ipv4/tcp_ipv4.c and
 * net/ipv4/inet_hashtables.c: the per-namespace tables, demultiplexing of
 * received segments (tcp_v4_rcv) to established, TIME_WAIT, request and
 * listening sockets through hash lookups, ICMP errors (tcp_v4_err),
 * connect() with the ephemeral port choice of RFC 6056 as Linux does it
 * (__inet_hash_connect: a keyed offset per destination, a perturbation
 * table, even ports first), bind conflicts (inet_csk_bind_conflict), keyed
 * ISNs (RFC 6528) and TSval offsets, and segments sent without a socket
 * (RST, TIME_WAIT and SYN_RECV ACKs).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "transport/tcp/tcp_var.h"
#include "core/filter.h"
#include "link/netdevice.h"
#include "net/trace.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/protocol.h"
#include "network/ipv4/route.h"
#include "wire/checksum.h"

/* ---- keyed hashing: SipHash-2-4 over four 32-bit words ------------------- */

#define SIPROUND(v0, v1, v2, v3)					\
	do {								\
		v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32); \
		v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;		\
		v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;		\
		v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32); \
	} while (0)

uint64_t tcp_keyed_hash(const uint64_t key[2], uint32_t a, uint32_t b,
			uint32_t c, uint32_t d)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ key[0];
	uint64_t v1 = 0x646f72616e646f6dULL ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ key[0];
	uint64_t v3 = 0x7465646279746573ULL ^ key[1];
	uint64_t m[2] = { (uint64_t)a << 32 | b, (uint64_t)c << 32 | d };
	uint64_t last = (uint64_t)16 << 56;

	for (int i = 0; i < 2; i++) {
		v3 ^= m[i];
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v3 ^= last;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * RFC 6528: a keyed hash of the connection's addresses and ports plus a
 * clock; Linux's clock ticks every 64 ns (seq_scale), so the sequence
 * space wraps in 274 s, more than an MSL.
 */
uint32_t secure_tcp_seq(struct usn_net *net, uint32_t saddr, uint32_t daddr,
			uint16_t sport, uint16_t dport)
{
	struct tcp_hashinfo *h = tcp_hashinfo(net);
	uint32_t hash = (uint32_t)tcp_keyed_hash(h->isn_key, saddr, daddr,
						 (uint32_t)sport << 16 | dport,
						 0);

	return hash + (uint32_t)(net_now(net) >> 6);
}

/* The TSval offset of a pair of addresses (tcp_timestamps 1: random; 2: none). */
uint32_t secure_tcp_ts_off(struct usn_net *net, uint32_t saddr, uint32_t daddr)
{
	struct tcp_hashinfo *h = tcp_hashinfo(net);

	if (net->sysctl.tcp_timestamps != 1)
		return 0;
	return (uint32_t)tcp_keyed_hash(h->ts_key, saddr, daddr, 0, 0);
}

/* ---- tables ---------------------------------------------------------------- */

static unsigned int inet_ehashfn(const struct tcp_hashinfo *h, uint32_t laddr,
				 uint16_t lport, uint32_t raddr, uint16_t rport)
{
	return (unsigned int)tcp_keyed_hash(h->hash_key, laddr, raddr,
					    (uint32_t)lport << 16 | rport, 0) &
	       (TCP_EHASH_SIZE - 1);
}

void tcp_ehash_add(struct tcp_hashinfo *h, struct tcp_ehash_node *e)
{
	if (e->hashed)
		return;
	hlist_add_head(&e->node, &h->ehash[inet_ehashfn(h, e->laddr, e->lport,
							  e->raddr, e->rport)]);
	e->hashed = true;
}

void tcp_ehash_del(struct tcp_ehash_node *e)
{
	if (!e->hashed)
		return;
	hlist_del_init(&e->node);
	e->hashed = false;
}

static struct hlist_head *bhash_head(struct tcp_hashinfo *h, uint16_t port)
{
	return &h->bhash[port & (TCP_BHASH_SIZE - 1)];
}

void tcp_bind_add(struct tcp_hashinfo *h, struct tcp_bind_node *b)
{
	if (b->hashed)
		return;
	hlist_add_head(&b->node, bhash_head(h, b->port));
	b->hashed = true;
}

void tcp_bind_del(struct tcp_bind_node *b)
{
	if (!b->hashed)
		return;
	hlist_del_init(&b->node);
	b->hashed = false;
}

/* The ehash key of a connected socket, from its inet addresses. */
void tcp_set_ehash_key(struct tcp_sock *tp)
{
	struct inet_sock *inet = &tp->inet;

	tp->e.laddr = inet->inet_rcv_saddr;
	tp->e.raddr = inet->inet_daddr;
	tp->e.lport = inet->inet_sport;
	tp->e.rport = inet->inet_dport;
	tp->e.bound_dev_if = inet->sk.sk_bound_dev_if;
	tp->e.kind = TCP_ENT_SOCK;
}

void tcp_unhash(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tcp_ehash_del(&tp->e);
	if (!hlist_unhashed(&tp->lnode))
		hlist_del_init(&tp->lnode);
}

/* Gives the port back (inet_put_port). */
void tcp_put_port(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->b.hashed)
		return;
	tcp_bind_del(&tp->b);
	tp->inet.inet_num = 0;
}

/* ---- lookup ----------------------------------------------------------------- */

static struct tcp_ehash_node *__inet_lookup_established(struct tcp_hashinfo *h,
							 uint32_t saddr,
							 uint16_t sport,
							 uint32_t daddr,
							 uint16_t dport,
							 int dif)
{
	struct hlist_head *head = &h->ehash[inet_ehashfn(h, daddr, dport,
							  saddr, sport)];
	struct tcp_ehash_node *e;

	hlist_for_each_entry(e, head, node) {
		if (e->laddr == daddr && e->raddr == saddr &&
		    e->lport == dport && e->rport == sport &&
		    (!e->bound_dev_if || e->bound_dev_if == dif))
			return e;
	}
	return NULL;
}

/* The best listener for daddr:dport: a bound address and device beat wildcards. */
static struct tcp_sock *__inet_lookup_listener(struct tcp_hashinfo *h,
					       uint32_t daddr, uint16_t dport,
					       int dif)
{
	uint16_t hnum = ntohs(dport);
	struct tcp_sock *tp, *result = NULL;
	int hiscore = 0;

	hlist_for_each_entry(tp, &h->lhash[hnum & (TCP_LHASH_SIZE - 1)], lnode) {
		const struct inet_sock *inet = &tp->inet;
		int score;

		if (inet->inet_num != hnum)
			continue;
		score = 1;
		if (inet->inet_rcv_saddr) {
			if (inet->inet_rcv_saddr != daddr)
				continue;
			score += 4;
		}
		if (inet->sk.sk_bound_dev_if) {
			if (inet->sk.sk_bound_dev_if != dif)
				continue;
			score += 4;
		}
		if (score > hiscore) {
			hiscore = score;
			result = tp;
		}
	}
	return result;
}

/* ---- ports ------------------------------------------------------------------ */

struct bind_owner {
	uint32_t	rcv_saddr;
	int		bound_dev_if;
	uint8_t		reuse;
	uint8_t		reuseport;
	int		state;
	bool		by_connect;
};

static void bind_owner_of(const struct tcp_bind_node *b, struct bind_owner *o)
{
	if (b->kind == TCP_ENT_SOCK) {
		const struct tcp_sock *tp = container_of(b, struct tcp_sock, b);
		const struct sock *sk = &tp->inet.sk;

		o->rcv_saddr = tp->inet.inet_rcv_saddr;
		o->bound_dev_if = sk->sk_bound_dev_if;
		o->reuse = sk->sk_reuse;
		o->reuseport = sk->sk_reuseport;
		o->state = sk->sk_state;
	} else {
		const struct tcp_timewait_sock *tw =
			container_of(b, struct tcp_timewait_sock, b);

		o->rcv_saddr = tw->rcv_saddr;
		o->bound_dev_if = tw->e.bound_dev_if;
		o->reuse = tw->reuse;
		o->reuseport = tw->reuseport;
		o->state = TCP_TIME_WAIT;
	}
	o->by_connect = b->by_connect;
}

/*
 * Would @sk on @port clash with an owner of the port (inet_csk_bind_conflict
 * with inet_bind_conflict)? Owners that both set SO_REUSEADDR share unless
 * the other listens; SO_REUSEPORT owners share (one user: every usnet
 * socket has the same). @relax is the bind() rule; without it (the
 * ephemeral search) sharing by SO_REUSEADDR is refused.
 */
bool tcp_bind_conflict(struct usn_net *net, const struct sock *sk,
		       uint16_t port, bool relax)
{
	struct tcp_hashinfo *h = tcp_hashinfo(net);
	const struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_bind_node *b;
	uint32_t addr = tp->inet.inet_rcv_saddr;

	hlist_for_each_entry(b, bhash_head(h, port), node) {
		struct bind_owner o;
		bool clash;

		if (b->port != port || b == &tp->b)
			continue;
		bind_owner_of(b, &o);
		if (sk->sk_bound_dev_if && o.bound_dev_if &&
		    sk->sk_bound_dev_if != o.bound_dev_if)
			continue;
		if (sk->sk_reuse && o.reuse && o.state != TCP_LISTEN)
			clash = !relax;
		else
			clash = !sk->sk_reuseport || !o.reuseport;
		if (clash && (addr == o.rcv_saddr || !addr || !o.rcv_saddr))
			return true;
	}
	return false;
}

/* bind(0) and listen() unbound: a free port, odd ones first (connect takes even). */
static int inet_csk_find_open_port(struct sock *sk, uint16_t *res)
{
	struct usn_net *net = sock_net(sk);
	int low = net->sysctl.ip_local_port_range[0];
	int high = net->sysctl.ip_local_port_range[1];
	uint32_t remaining = (uint32_t)(high - low) + 1;
	uint32_t offset, i;
	int port;

	if (remaining > 1)
		remaining &= ~1u;
	offset = (uint32_t)(((uint64_t)net_random_u32(net) * remaining) >> 32);
	offset |= 1u;
	for (int pass = 0; pass < 2; pass++) {
		port = low + (int)offset;
		for (i = 0; i < remaining; i += 2, port += 2) {
			if (port >= high)
				port -= (int)remaining;
			if (!tcp_bind_conflict(net, sk, (uint16_t)port, false)) {
				*res = (uint16_t)port;
				return 0;
			}
		}
		offset--;
		if (offset & 1)
			break;
	}
	return -EADDRINUSE;
}

int tcp_v4_get_port(struct sock *sk, unsigned short snum)
{
	struct tcp_hashinfo *h = tcp_hashinfo(sock_net(sk));
	struct tcp_sock *tp = tcp_sk(sk);
	uint16_t port = snum;

	if (!h)
		return -EADDRINUSE;
	if (!snum) {
		if (inet_csk_find_open_port(sk, &port))
			return -EADDRINUSE;
	} else if (tcp_bind_conflict(sock_net(sk), sk, snum, true)) {
		return -EADDRINUSE;
	}
	if (tp->b.hashed && tp->b.port == port) {
		tp->b.by_connect = false;
		return 0;
	}
	tcp_bind_del(&tp->b);
	tp->inet.inet_num = port;
	tp->b.port = port;
	tp->b.kind = TCP_ENT_SOCK;
	tp->b.by_connect = false;
	tcp_bind_add(h, &tp->b);
	return 0;
}

/*
 * May a TIME_WAIT sock with our 4-tuple give way (tcp_twsk_unique)? With
 * timestamps, when our port was bound explicitly (@twp false) or
 * tcp_tw_reuse allows it (2: loopback only) a second after its last
 * segment. The new connection starts past the old sequence space.
 */
static bool tcp_twsk_unique(struct sock *sk, struct tcp_timewait_sock *tw,
			    bool twp)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int reuse = sock_net(sk)->sysctl.tcp_tw_reuse;

	if (tw->substate == TCP_FIN_WAIT2)
		reuse = 0;
	if (reuse == 2 && !ipv4_is_loopback(tw->e.raddr) &&
	    !ipv4_is_loopback(tw->e.laddr))
		reuse = 0;
	if (tw->ts_recent_stamp &&
	    (!twp || (reuse && (int32_t)(get_seconds32(sock_net(sk)) -
					 tw->ts_recent_stamp) > 0))) {
		uint32_t seq = tw->snd_nxt + 65535 + 2;

		tp->write_seq = seq ? seq : 1;
		tp->rx_opt.ts_recent = tw->ts_recent;
		tp->rx_opt.ts_recent_stamp = tw->ts_recent_stamp;
		return true;
	}
	return false;
}

/* Is our 4-tuple with local port @lport free (__inet_check_established)? */
static int __inet_check_established(struct sock *sk, uint16_t lport, bool twp,
				    struct tcp_timewait_sock **twres)
{
	struct tcp_hashinfo *h = tcp_hashinfo(sock_net(sk));
	struct inet_sock *inet = inet_sk(sk);
	uint16_t nport = htons(lport);
	struct tcp_ehash_node *e;
	struct hlist_head *head = &h->ehash[inet_ehashfn(h, inet->inet_rcv_saddr,
							  nport,
							  inet->inet_daddr,
							  inet->inet_dport)];

	*twres = NULL;
	hlist_for_each_entry(e, head, node) {
		if (e->laddr != inet->inet_rcv_saddr ||
		    e->raddr != inet->inet_daddr || e->lport != nport ||
		    e->rport != inet->inet_dport)
			continue;
		if (e->bound_dev_if && sk->sk_bound_dev_if &&
		    e->bound_dev_if != sk->sk_bound_dev_if)
			continue;
		if (e->kind == TCP_ENT_TW) {
			struct tcp_timewait_sock *tw =
				container_of(e, struct tcp_timewait_sock, e);

			if (tcp_twsk_unique(sk, tw, twp)) {
				*twres = tw;
				continue;
			}
		}
		return -EADDRNOTAVAIL;
	}
	return 0;
}

/* Hashes a connecting socket, choosing its port if it has none. */
static int inet_hash_connect(struct sock *sk)
{
	struct usn_net *net = sock_net(sk);
	struct tcp_hashinfo *h = tcp_hashinfo(net);
	struct inet_sock *inet = inet_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_timewait_sock *tw = NULL;
	int low = net->sysctl.ip_local_port_range[0];
	int high = net->sysctl.ip_local_port_range[1];
	uint32_t remaining, offset, index, i = 0, step = 2;
	uint64_t port_offset;
	int port, err;

	if (inet->inet_num) {
		err = __inet_check_established(sk, inet->inet_num, false, &tw);
		if (err)
			return err;
		goto hash;
	}

	remaining = (uint32_t)(high - low) + 1;
	if (remaining > 1)
		remaining &= ~1u;
	port_offset = tcp_keyed_hash(h->port_key, inet->inet_rcv_saddr,
				     inet->inet_daddr, inet->inet_dport, 0);
	index = (uint32_t)port_offset & (INET_TABLE_PERTURB_SIZE - 1);
	offset = (h->table_perturb[index] + (uint32_t)(port_offset >> 32)) %
		 remaining;
	offset &= ~1u;	/* even ports first: bind(0) takes odd ones */
	for (;;) {
		port = low + (int)offset;
		for (i = 0; i < remaining; i += step, port += (int)step) {
			struct tcp_bind_node *b;
			bool busy = false, used = false;

			if (port >= high)
				port -= (int)remaining;
			hlist_for_each_entry(b, bhash_head(h, (uint16_t)port),
					     node) {
				if (b->port != port)
					continue;
				used = true;
				if (!b->by_connect)
					busy = true;
			}
			if (busy)
				continue;
			if (used && __inet_check_established(sk, (uint16_t)port,
							     true, &tw))
				continue;
			goto found;
		}
		offset++;
		if (!(offset & 1) || remaining <= 1)
			return -EADDRNOTAVAIL;
	}
found:
	/* A little randomness for the next choice on low contention. */
	i = max_t(uint32_t, i, (net_random_u32(net) % 8) * step);
	h->table_perturb[index] += i + step;
	inet->inet_num = (uint16_t)port;
	inet->inet_sport = htons((uint16_t)port);
	tp->b.port = (uint16_t)port;
	tp->b.kind = TCP_ENT_SOCK;
	tp->b.by_connect = true;
	tcp_bind_add(h, &tp->b);
hash:
	if (tw)
		inet_twsk_deschedule_put(tw);
	tcp_set_ehash_key(tp);
	tcp_ehash_add(h, &tp->e);
	return 0;
}

/* ---- routing and sending ----------------------------------------------------- */

int tcp_route(struct sock *sk, struct rtable *rt, struct ip_hdr_params *p)
{
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 fl4;
	int err;

	memset(&fl4, 0, sizeof(fl4));
	fl4.flowi4_oif = sk->sk_bound_dev_if;
	fl4.flowi4_tos = inet->tos;
	fl4.flowi4_proto = IPPROTO_TCP;
	fl4.daddr = inet->inet_daddr;
	fl4.saddr = inet->inet_saddr;
	fl4.fl4_sport = inet->inet_sport;
	fl4.fl4_dport = inet->inet_dport;
	err = ip_route_output_key(sock_net(sk), &fl4, rt);
	if (err)
		return err;
	if (rt->rt_type == RTN_BROADCAST || rt->rt_type == RTN_MULTICAST)
		return -ENETUNREACH;
	memset(p, 0, sizeof(*p));
	p->saddr = fl4.saddr;
	p->daddr = inet->inet_daddr;
	p->protocol = IPPROTO_TCP;
	p->ttl = (uint8_t)ip_sk_ttl(sk);
	p->tos = inet->tos;
	p->df = inet->pmtudisc != IP_PMTUDISC_DONT;
	return 0;
}

int tcp_v4_send_skb(struct usn_net *net, struct sk_buff *skb, uint32_t saddr,
		    uint32_t daddr, uint8_t tos, uint8_t ttl, struct sock *owner)
{
	struct ip_hdr_params p;
	struct flowi4 fl4;
	struct rtable rt;
	int err;

	memset(&fl4, 0, sizeof(fl4));
	fl4.flowi4_proto = IPPROTO_TCP;
	fl4.daddr = daddr;
	fl4.saddr = saddr;
	err = ip_route_output_key(net, &fl4, &rt);
	if (err) {
		kfree_skb_reason(skb, SKB_DROP_REASON_IP_INNOROUTES);
		return err;
	}
	memset(&p, 0, sizeof(p));
	p.saddr = saddr;
	p.daddr = daddr;
	p.protocol = IPPROTO_TCP;
	p.ttl = ttl;
	p.tos = tos;
	p.df = true;
	if (owner)
		skb_set_owner_w(skb, owner);
	return ip_build_and_send(net, skb, &rt, &p);
}

static void tcp_v4_send_check(uint8_t *th, unsigned int len, uint32_t saddr,
			      uint32_t daddr)
{
	tcp_set_check(th, 0);
	tcp_set_check(th, csum_tcpudp_magic(saddr, daddr, len, IPPROTO_TCP,
					    csum_partial(th, len, 0)));
}

/*
 * A reply built from scratch to the segment @skb (data at its TCP header):
 * ports and addresses swapped, @opt of @optlen bytes after the header.
 */
static void tcp_v4_send_reply(struct usn_net *net, const struct sk_buff *skb,
			      uint32_t seq, uint32_t ack, uint8_t flags,
			      uint16_t win, const uint8_t *opt,
			      unsigned int optlen, uint8_t tos)
{
	const uint8_t *iph = ip_hdr(skb), *th = skb->data;
	unsigned int len = TCP_HLEN + optlen;
	struct sk_buff *nskb;
	uint8_t *nth;

	nskb = alloc_skb_headroom(len, USN_MAX_HEADER);
	if (!nskb)
		return;
	nth = skb_put(nskb, len);
	memset(nth, 0, TCP_HLEN);
	tcp_set_source(nth, tcp_dest(th));
	tcp_set_dest(nth, tcp_source(th));
	tcp_set_seq(nth, seq);
	tcp_set_ack_seq(nth, ack);
	tcp_set_doff_flags(nth, len, flags);
	tcp_set_window(nth, win);
	if (optlen)
		memcpy(nth + TCP_HLEN, opt, optlen);
	tcp_v4_send_check(nth, len, ipv4_daddr(iph), ipv4_saddr(iph));
	TCP_INC_STATS(net, OutSegs);
	if (flags & TCPHDR_RST)
		TCP_INC_STATS(net, OutRsts);
	tcp_v4_send_skb(net, nskb, ipv4_daddr(iph), ipv4_saddr(iph), tos,
			(uint8_t)net->sysctl.ip_default_ttl, NULL);
}

/*
 * RFC 9293 3.10.7.1: never a RST for a RST; with an ACK the RST takes its
 * sequence number from it, without one it acknowledges the segment.
 */
void tcp_v4_send_reset(struct usn_net *net, const struct sk_buff *skb)
{
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	const uint8_t *th = skb->data;

	if (tcp_flags(th) & TCPHDR_RST)
		return;
	if (TCP_SKB_CB(skb)->rt_type != RTN_LOCAL)
		return;
	if (tcp_flags(th) & TCPHDR_ACK)
		tcp_v4_send_reply(net, skb, cb->ack_seq, 0, TCPHDR_RST, 0,
				  NULL, 0, 0);
	else
		tcp_v4_send_reply(net, skb, 0, cb->end_seq,
				  TCPHDR_RST | TCPHDR_ACK, 0, NULL, 0, 0);
}

void tcp_v4_send_ack(struct usn_net *net, const struct sk_buff *skb,
		     uint32_t seq, uint32_t ack, uint32_t win, uint32_t tsval,
		     uint32_t tsecr, uint8_t tos)
{
	uint8_t opt[TCPOLEN_TSTAMP_ALIGNED];
	unsigned int optlen = 0;

	if (tsecr) {
		opt[0] = TCPOPT_NOP;
		opt[1] = TCPOPT_NOP;
		opt[2] = TCPOPT_TIMESTAMP;
		opt[3] = TCPOLEN_TIMESTAMP;
		store_be32(opt + 4, tsval);
		store_be32(opt + 8, tsecr);
		optlen = TCPOLEN_TSTAMP_ALIGNED;
	}
	tcp_v4_send_reply(net, skb, seq, ack, TCPHDR_ACK,
			  (uint16_t)min_t(uint32_t, win, 65535), opt, optlen,
			  tos);
}

/* ---- connect --------------------------------------------------------------- */

int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_in *usin = (const struct sockaddr_in *)(void *)uaddr;
	struct usn_net *net = sock_net(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct ip_hdr_params p;
	struct rtable rt;
	uint32_t orig_saddr = inet->inet_saddr;
	uint32_t orig_rcv_saddr = inet->inet_rcv_saddr;
	int err;

	if (addr_len < (int)sizeof(struct sockaddr_in))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	if (!tcp_hashinfo(net))
		return -ENETUNREACH;

	inet->inet_daddr = usin->sin_addr.s_addr;
	inet->inet_dport = usin->sin_port;
	err = tcp_route(sk, &rt, &p);
	if (err) {
		if (err == -ENETUNREACH)
			IP_INC_STATS(net, OutNoRoutes);
		goto failure;
	}
	if (!inet->inet_saddr)
		inet->inet_saddr = p.saddr;
	if (!inet->inet_rcv_saddr)
		inet->inet_rcv_saddr = inet->inet_saddr;
	if (tp->rx_opt.ts_recent_stamp && tp->e.raddr != usin->sin_addr.s_addr) {
		tp->rx_opt.ts_recent = 0;
		tp->rx_opt.ts_recent_stamp = 0;
		tp->write_seq = 0;
	}
	tp->rx_opt.mss_clamp = TCP_MSS_DEFAULT;
	tcp_set_state(sk, TCP_SYN_SENT);
	err = inet_hash_connect(sk);
	if (err)
		goto failure_state;
	if (!tp->write_seq)
		tp->write_seq = secure_tcp_seq(net, inet->inet_saddr,
					       inet->inet_daddr,
					       inet->inet_sport,
					       inet->inet_dport);
	tp->tsoffset = secure_tcp_ts_off(net, inet->inet_saddr,
					 inet->inet_daddr);
	inet->inet_id = (uint16_t)net_random_u32(net);
	err = tcp_connect(sk);
	if (err)
		goto failure_state;
	return 0;

failure_state:
	tcp_set_state(sk, TCP_CLOSE);
failure:
	inet->inet_dport = 0;
	inet->inet_daddr = 0;
	inet->inet_saddr = orig_saddr;
	inet->inet_rcv_saddr = orig_rcv_saddr;
	return err;
}

/* ---- receive ------------------------------------------------------------------ */

static void tcp_v4_fill_cb(struct sk_buff *skb, const uint8_t *th,
			   unsigned int doff)
{
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint8_t flags = tcp_flags(th);
	int iif = IPCB(skb)->iif ? IPCB(skb)->iif : skb->skb_iif;
	uint8_t rt_type = IPCB(skb)->rt_type;

	/* TCP's control block replaces IP's: keep what we still need of it. */
	memset(cb, 0, sizeof(*cb));
	cb->rt_type = rt_type;
	cb->seq = tcp_seq(th);
	cb->end_seq = cb->seq + !!(flags & TCPHDR_SYN) + !!(flags & TCPHDR_FIN) +
		      skb->len - doff;
	cb->ack_seq = tcp_ack_seq(th);
	cb->tcp_flags = flags;
	cb->window = tcp_window(th);
	cb->iif = iif;
}

/*
 * A listener's share of a segment (tcp_v4_do_rcv and tcp_rcv_state_process,
 * TCP_LISTEN): an ACK may complete a SYN cookie handshake. Returns 1 when
 * the segment is to be answered with a RST (and freed by the caller).
 */
static int tcp_v4_listen_rcv(struct tcp_sock *lp, struct sk_buff *skb)
{
	struct sock *lsk = tp_sk(lp), *nsk;
	uint8_t flags = TCP_SKB_CB(skb)->tcp_flags;

	if (!(flags & TCPHDR_SYN)) {
		nsk = cookie_v4_check(lp, skb);
		if (!nsk)
			goto discard;
		if (nsk != lsk) {
			sock_hold(nsk);
			if (tcp_child_process(lsk, nsk, skb)) {
				tcp_v4_send_reset(sock_net(lsk), skb);
				kfree_skb(skb);
			}
			sock_put(nsk);
			return 0;
		}
	}
	if (flags & TCPHDR_RST)
		goto discard;
	if (flags & TCPHDR_ACK)
		return 1;
	if (!(flags & TCPHDR_SYN) || (flags & TCPHDR_FIN))
		goto discard;
	tcp_conn_request(lp, skb, 0);
discard:
	consume_skb(skb);
	return 0;
}

/*
 * The socket's filter (tcp_filter), before the segment is processed: it
 * sees the segment from the TCP header and may cut its payload, never the
 * header. A dropped segment is counted on the socket and never
 * acknowledged: the peer retransmits it. Returns true when @skb is gone.
 */
static bool tcp_v4_filter(struct sock *sk, struct sk_buff *skb)
{
	unsigned int len = skb->len;

	if (sk_filter_trim_cap(sk, skb, tcp_doff(skb->data))) {
		atomic_fetch_add(&sk->sk_drops, 1);
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_FILTER);
		return true;
	}
	TCP_SKB_CB(skb)->end_seq -= len - skb->len;
	return false;
}

static void tcp_v4_timewait_ack(struct tcp_timewait_sock *tw,
				const struct sk_buff *skb)
{
	tcp_v4_send_ack(tw->net, skb, tw->snd_nxt, tw->rcv_nxt,
			tw->rcv_wnd >> tw->rcv_wscale,
			tw->tstamp_ok ? tcp_clock_ms(tw->net) + tw->ts_offset : 0,
			tw->tstamp_ok ? tw->ts_recent : 0, tw->tos);
}

int tcp_v4_rcv(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);
	TRACE_FUNC(net);
	enum skb_drop_reason reason = SKB_DROP_REASON_NOT_SPECIFIED;
	struct tcp_hashinfo *h = tcp_hashinfo(net);
	const uint8_t *iph = ip_hdr(skb), *th;
	struct tcp_ehash_node *e;
	struct tcp_sock *lp;
	unsigned int doff;
	uint32_t saddr, daddr, isn;
	int dif;

	if (skb->pkt_type != PACKET_HOST || !h)
		goto discard;
	TCP_INC_STATS(net, InSegs);
	skb_reset_transport_header(skb);
	reason = SKB_DROP_REASON_PKT_TOO_SMALL;
	if (!pskb_may_pull(skb, TCP_HLEN))
		goto discard;
	th = skb->data;
	doff = tcp_doff(th);
	if (doff < TCP_HLEN)
		goto bad_packet;
	if (!pskb_may_pull(skb, doff))
		goto discard;
	saddr = ipv4_saddr(iph);
	daddr = ipv4_daddr(iph);
	if (csum_tcpudp_magic(saddr, daddr, skb->len, IPPROTO_TCP,
			      csum_partial(skb->data, skb->len, 0))) {
		reason = SKB_DROP_REASON_TCP_CSUM;
		TCP_INC_STATS(net, InCsumErrors);
		goto bad_packet;
	}
	tcp_v4_fill_cb(skb, th, doff);
	dif = TCP_SKB_CB(skb)->iif;

	e = __inet_lookup_established(h, saddr, tcp_source(th), daddr,
				      tcp_dest(th), dif);
	if (e) {
		switch (e->kind) {
		case TCP_ENT_SOCK: {
			struct tcp_sock *tp = container_of(e, struct tcp_sock, e);
			struct sock *sk = tp_sk(tp);
			int rst;

			if (tcp_v4_filter(sk, skb))
				return 0;
			sock_hold(sk);
			rst = tcp_rcv_state_process(sk, skb);
			if (rst) {
				tcp_v4_send_reset(net, skb);
				kfree_skb_reason(skb, SKB_DROP_REASON_TCP_INVALID_SEQUENCE);
			}
			sock_put(sk);
			return 0;
		}
		case TCP_ENT_REQ: {
			struct tcp_request_sock *req =
				container_of(e, struct tcp_request_sock, e);
			struct sock *parent = tp_sk(req->listener), *nsk;
			bool reset = false;

			/* The listener's filter speaks for its requests. */
			if (tcp_v4_filter(parent, skb))
				return 0;
			sock_hold(parent);
			nsk = tcp_check_req(req, skb, &reset);
			if (nsk == parent) {
				reset = true;
			} else if (nsk) {
				sock_hold(nsk);
				if (tcp_child_process(parent, nsk, skb)) {
					tcp_v4_send_reset(net, skb);
					kfree_skb(skb);
				}
				sock_put(nsk);
				sock_put(parent);
				return 0;
			}
			if (reset)
				tcp_v4_send_reset(net, skb);
			sock_put(parent);
			consume_skb(skb);
			return 0;
		}
		case TCP_ENT_TW: {
			struct tcp_timewait_sock *tw =
				container_of(e, struct tcp_timewait_sock, e);

			switch (tcp_timewait_state_process(tw, skb, &isn)) {
			case TCP_TW_SYN:
				/* tw is gone; a listener takes the SYN. */
				lp = __inet_lookup_listener(h, daddr,
							    tcp_dest(th), dif);
				if (lp) {
					if (tcp_v4_filter(tp_sk(lp), skb))
						return 0;
					sock_hold(tp_sk(lp));
					tcp_conn_request(lp, skb, isn);
					sock_put(tp_sk(lp));
					consume_skb(skb);
					return 0;
				}
				goto no_tcp_socket;
			case TCP_TW_ACK:
				tcp_v4_timewait_ack(tw, skb);
				break;
			case TCP_TW_RST:
				tcp_v4_send_reset(net, skb);
				inet_twsk_deschedule_put(tw);
				break;
			case TCP_TW_SUCCESS:
				break;
			}
			consume_skb(skb);
			return 0;
		}
		}
	}

	lp = __inet_lookup_listener(h, daddr, tcp_dest(th), dif);
	if (lp) {
		if (tcp_v4_filter(tp_sk(lp), skb))
			return 0;
		sock_hold(tp_sk(lp));
		if (tcp_v4_listen_rcv(lp, skb)) {
			tcp_v4_send_reset(net, skb);
			kfree_skb_reason(skb, SKB_DROP_REASON_NO_SOCKET);
		}
		sock_put(tp_sk(lp));
		return 0;
	}

no_tcp_socket:
	reason = SKB_DROP_REASON_NO_SOCKET;
	tcp_v4_send_reset(net, skb);
	goto discard;

bad_packet:
	TCP_INC_STATS(net, InErrs);
discard:
	kfree_skb_reason(skb, reason);
	return 0;
}

/* ---- ICMP errors ------------------------------------------------------------- */

/* RFC 1191 via ICMP "fragmentation needed": a smaller MSS, resend what is too big. */
static void tcp_v4_mtu_reduced(struct sock *sk, unsigned int mtu)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;
	unsigned int mss;

	if ((1u << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	if (inet_sk(sk)->pmtudisc == IP_PMTUDISC_DONT || !mtu)
		return;
	mss = tcp_current_mss(sk);
	tcp_sync_mss(sk, mtu);
	if (tcp_current_mss(sk) >= mss)
		return;
	/* tcp_simple_retransmit: every segment now too big is lost. */
	mss = tcp_current_mss(sk);
	for (skb = tcp_rtx_queue_head(sk); skb && skb != tp->send_head;
	     skb = skb_next_in(&sk->sk_write_queue, skb)) {
		if (skb->len > mss && !(TCP_SKB_CB(skb)->sacked & TCPCB_LOST))
			tcp_mark_skb_lost(sk, skb);
	}
	tp->retransmit_hint = NULL;
	tcp_xmit_retransmit_queue(sk);
}

static void tcp_req_err(struct tcp_request_sock *req, uint32_t seq, bool abort)
{
	struct usn_net *net = req->net;

	if (seq != req->snt_isn) {
		NET_INC_STATS(net, OutOfWindowIcmps);
	} else if (abort) {
		inet_csk_reqsk_queue_drop(req);
		NET_INC_STATS(net, ListenDrops);
	}
}

int tcp_v4_err(struct sk_buff *skb, uint32_t info)
{
	struct usn_net *net = dev_net(skb->dev);
	struct tcp_hashinfo *h = tcp_hashinfo(net);
	int type = (int)icmp_info_type(info), code = (int)icmp_info_code(info);
	const uint8_t *iph = skb->data, *th;
	struct tcp_ehash_node *e;
	struct tcp_sock *tp;
	struct sock *sk;
	bool harderr = false;
	unsigned int ihl;
	uint32_t seq;
	int err;

	if (!h || skb->len < IPV4_HLEN_MIN)
		return -EINVAL;
	ihl = ipv4_hlen(iph);
	if (ihl < IPV4_HLEN_MIN || skb->len < ihl + 8)
		return -EINVAL;
	th = iph + ihl;
	e = __inet_lookup_established(h, ipv4_daddr(iph), tcp_dest(th),
				      ipv4_saddr(iph), tcp_source(th),
				      IPCB(skb)->iif);
	if (!e) {
		ICMP_INC_STATS(net, InErrors);
		return -ENOENT;
	}
	seq = load_be32(th + 4);
	if (e->kind == TCP_ENT_TW)
		return 0;
	if (e->kind == TCP_ENT_REQ) {
		/* Linux ends a request only for these (tcp_v4_err). */
		bool abort = type == ICMP_PARAMETERPROB ||
			     type == ICMP_TIME_EXCEEDED ||
			     (type == ICMP_DEST_UNREACH &&
			      (code == ICMP_NET_UNREACH ||
			       code == ICMP_HOST_UNREACH));

		tcp_req_err(container_of(e, struct tcp_request_sock, e), seq,
			    abort);
		return 0;
	}
	tp = container_of(e, struct tcp_sock, e);
	sk = tp_sk(tp);
	if (sk->sk_state != TCP_LISTEN &&
	    !between(seq, tp->snd_una, tp->snd_nxt)) {
		NET_INC_STATS(net, OutOfWindowIcmps);
		return 0;
	}

	switch (type) {
	case ICMP_REDIRECT:
	case ICMP_SOURCE_QUENCH:
		return 0;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		harderr = true;
		break;
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			return 0;
		if (code == ICMP_FRAG_NEEDED) {
			sock_hold(sk);
			tcp_v4_mtu_reduced(sk, icmp_info_mtu(info));
			sock_put(sk);
			return 0;
		}
		err = icmp_err_errno(type, code, &harderr);
		if (!err)
			return 0;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	default:
		return 0;
	}

	sock_hold(sk);
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		if (inet_sk(sk)->recverr)
			ip_icmp_error(sk, skb, err, tcp_dest(th), info, th + 8);
		if (!harderr)
			break;
		sk->sk_err = err;
		sk->sk_error_report(sk);
		tcp_done(sk);
		break;
	default:
		if (inet_sk(sk)->recverr) {
			sk->sk_err = err;
			sk->sk_error_report(sk);
		} else {
			sk->sk_err_soft = err;
		}
		break;
	}
	sock_put(sk);
	return 0;
}

/* ---- per-namespace tables ------------------------------------------------------ */

static int tcp_net_init(struct usn_net *net)
{
	struct tcp_hashinfo *h;

	if (!net->ipv4)
		return -ENOENT;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (int i = 0; i < 2; i++) {
		h->hash_key[i] = (uint64_t)net_random_u32(net) << 32 | net_random_u32(net);
		h->isn_key[i] = (uint64_t)net_random_u32(net) << 32 | net_random_u32(net);
		h->ts_key[i] = (uint64_t)net_random_u32(net) << 32 | net_random_u32(net);
		h->port_key[i] = (uint64_t)net_random_u32(net) << 32 | net_random_u32(net);
		for (int c = 0; c < 2; c++)
			h->cookie_key[c][i] = (uint64_t)net_random_u32(net) << 32 |
					      net_random_u32(net);
	}
	for (unsigned int i = 0; i < INET_TABLE_PERTURB_SIZE; i++)
		h->table_perturb[i] = net_random_u32(net);
	tcp_mem_net_init(net, h);
	net->ipv4->tcp = h;
	return 0;
}

/* Drops a socket the namespace takes with it: no segment leaves. */
static void tcp_net_kill_sock(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool owned = sk->sk_socket != NULL;

	tcp_clear_xmit_timers(sk);
	tcp_write_queue_purge(sk);
	skb_queue_purge(&tp->out_of_order_queue);
	tp->ofo_bytes = 0;
	tcp_unhash(sk);
	tcp_put_port(sk);
	sk->sk_state = TCP_CLOSE;
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (tp->parent) {
		list_del_init(&tp->accept_node);
		tp->parent->ack_backlog--;
		tp->parent = NULL;
	}
	if (owned) {
		sk->sk_err = ENETDOWN;
		sk->sk_state_change(sk);
	} else {
		sock_put(sk);
	}
}

static void tcp_net_exit(struct usn_net *net)
{
	struct tcp_hashinfo *h = tcp_hashinfo(net);

	if (!h)
		return;
	/* Listeners first: their request socks and unaccepted children go. */
	for (unsigned int i = 0; i < TCP_LHASH_SIZE; i++) {
		while (h->lhash[i].first) {
			struct tcp_sock *tp = hlist_entry(h->lhash[i].first,
							  struct tcp_sock, lnode);
			struct sock *sk = tp_sk(tp);

			while (!list_empty(&tp->req_list))
				inet_csk_reqsk_queue_drop(list_first_entry(
					&tp->req_list, struct tcp_request_sock,
					list));
			while (!list_empty(&tp->accept_queue))
				tcp_net_kill_sock(tp_sk(list_first_entry(
					&tp->accept_queue, struct tcp_sock,
					accept_node)));
			hlist_del_init(&tp->lnode);
			tcp_put_port(sk);
			sk->sk_state = TCP_CLOSE;
		}
	}
	for (unsigned int i = 0; i < TCP_EHASH_SIZE; i++) {
		while (h->ehash[i].first) {
			struct tcp_ehash_node *e = hlist_entry(h->ehash[i].first,
							       struct tcp_ehash_node,
							       node);

			if (e->kind == TCP_ENT_SOCK)
				tcp_net_kill_sock(tp_sk(container_of(e,
							struct tcp_sock, e)));
			else if (e->kind == TCP_ENT_TW)
				inet_twsk_kill(container_of(e,
						struct tcp_timewait_sock, e), true);
			else
				inet_csk_reqsk_queue_drop(container_of(e,
						struct tcp_request_sock, e));
		}
	}
	/* Bound but unconnected sockets keep their memory; they lose the port. */
	for (unsigned int i = 0; i < TCP_BHASH_SIZE; i++) {
		while (h->bhash[i].first) {
			struct tcp_bind_node *b = hlist_entry(h->bhash[i].first,
							      struct tcp_bind_node,
							      node);

			tcp_bind_del(b);
			if (b->kind == TCP_ENT_SOCK) {
				struct tcp_sock *tp = container_of(b, struct tcp_sock, b);

				tp->inet.inet_num = 0;
			}
		}
	}
	free(h);
	net->ipv4->tcp = NULL;
}

static struct pernet_operations tcp_net_ops = {
	.name	= "tcp",
	.init	= tcp_net_init,
	.exit	= tcp_net_exit,
};

static const struct net_protocol tcp_protocol = {
	.handler	= tcp_v4_rcv,
	.err_handler	= tcp_v4_err,
};

static struct inet_protosw tcp_protosw = {
	.type		= SOCK_STREAM,
	.protocol	= IPPROTO_TCP,
	.prot		= &tcp_prot,
	.ops		= &inet_stream_ops,
	.flags		= INET_PROTOSW_PERMANENT | INET_PROTOSW_ICSK,
};

int tcp_init(void)
{
	int err;

	err = register_pernet_subsys(&tcp_net_ops);
	if (err)
		return err;
	err = inet_add_protocol(&tcp_protocol, IPPROTO_TCP);
	if (err) {
		unregister_pernet_subsys(&tcp_net_ops);
		return err;
	}
	inet_register_protosw(&tcp_protosw);
	return 0;
}
