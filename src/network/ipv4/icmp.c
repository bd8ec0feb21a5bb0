/* SPDX-License-Identifier: MIT */
/*
 * icmp.c - ICMP for IPv4 (RFC 792, RFC 1122 3.2.2, RFC 1812 4.3), after
 * net/ipv4/icmp.c.
 *
 * Receive: icmp_rcv checks the checksum, counts, and dispatches by type
 * through icmp_pointers[]: echo requests are answered, echo replies go to
 * ping sockets, errors are handed to the protocol they are about (its
 * err_handler in inet_protos[]) and to raw sockets.
 *
 * Send: icmp_send() builds an error about a datagram, unless RFC 1122
 * forbids it or a rate limit says no. Two limits, as in the kernel: a
 * token bucket per namespace (icmp_msgs_per_sec, icmp_msgs_burst) and one
 * per destination (icmp_ratelimit ms per message, bursts of 6), both only
 * for the types in icmp_ratemask and never on loopback.
 *
 * What an err_handler sees (protocol.h): skb->data and the network header
 * at the quoted IP header, whose header and first 8 payload bytes are
 * there; the transport header at the ICMP header of the error; IPCB(skb)
 * still the error's own (iif, ttl, spec_dst: the address it came to);
 * @info = ICMP_INFO(type, code, next-hop MTU or pointer) (icmp.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <time.h>
#include "link/netdevice.h"
#include "net/net.h"
#include "net/trace.h"
#include "net/usnet.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/ip_private.h"
#include "network/ipv4/protocol.h"
#include "network/ipv4/route.h"
#include "transport/ping/ping.h"
#include "transport/raw/raw.h"
#include "wire/checksum.h"
#include "wire/icmp.h"

#define IPTOS_TOS_MASK			0x1e
#define IPTOS_RT_MASK			0x1c
#define IPTOS_PREC_INTERNETCONTROL	0xc0
#define ICMP_QUOTE_MAX			576	/* RFC 1812 4.3.2.3 */
#define XRLIM_BURST_FACTOR		6
#define ICMP_PEERS			64	/* destinations rate limited at once */

/* ---- rate limits ------------------------------------------------------------ */

struct icmp_peer {
	uint32_t	daddr;
	bool		used;
	uint64_t	rate_last;	/* jiffies */
	uint64_t	rate_tokens;	/* jiffies of credit */
	uint64_t	lru;
};

struct icmp_rate {
	uint32_t		credit;		/* the namespace's bucket */
	uint64_t		stamp;		/* jiffies of its last refill */
	uint64_t		lru_clock;
	struct icmp_peer	peers[ICMP_PEERS];
};

/* Types outside the mask, and "fragmentation needed", are never limited. */
static bool icmpv4_mask_allow(struct usn_net *net, int type, int code)
{
	if (type > NR_ICMP_TYPES)
		return true;
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED)
		return true;
	return !((1u << type) & (unsigned int)net->sysctl.icmp_ratemask);
}

/* Refills the namespace's bucket; true while it has a token. */
static bool icmp_global_allow(struct usn_net *net)
{
	struct icmp_rate *r = net->ipv4->icmp;
	uint64_t now = net_jiffies(net);
	uint64_t delta = min_t(uint64_t, now - r->stamp, HZ);
	uint64_t incr;

	if (delta >= HZ / 50) {
		incr = (uint64_t)net->sysctl.icmp_msgs_per_sec * delta / HZ;
		if (incr) {
			r->credit = (uint32_t)min_t(uint64_t, r->credit + incr,
						    (uint64_t)net->sysctl.icmp_msgs_burst);
			r->stamp = now;
		}
	}
	return r->credit > 0;
}

static void icmp_global_consume(struct usn_net *net)
{
	struct icmp_rate *r = net->ipv4->icmp;

	if (r->credit)
		r->credit--;
}

static bool icmpv4_global_allow(struct usn_net *net, int type, int code,
				bool *apply_ratelimit)
{
	if (icmpv4_mask_allow(net, type, code))
		return true;
	if (icmp_global_allow(net)) {
		*apply_ratelimit = true;
		return true;
	}
	ICMP_INC_STATS(net, OutRateLimitGlobal);
	return false;
}

/* The destination's bucket, the least recently used one recycled. */
static struct icmp_peer *icmp_peer_get(struct usn_net *net, uint32_t daddr)
{
	struct icmp_rate *r = net->ipv4->icmp;
	struct icmp_peer *p, *victim = &r->peers[0];

	for (p = r->peers; p < r->peers + ICMP_PEERS; p++) {
		if (p->used && p->daddr == daddr)
			goto found;
		if (!p->used || (victim->used && p->lru < victim->lru))
			victim = p;
	}
	p = victim;
	p->used = true;
	p->daddr = daddr;
	p->rate_tokens = 0;
	/* A new peer may send a full burst at once (inet_getpeer()). */
	p->rate_last = net_jiffies(net) - 60 * HZ;
found:
	p->lru = ++r->lru_clock;
	return p;
}

/* inet_peer_xrlim_allow(): @timeout jiffies of credit per message. */
static bool icmp_peer_allow(struct usn_net *net, struct icmp_peer *p,
			    uint64_t timeout)
{
	uint64_t now = net_jiffies(net);
	uint64_t token = p->rate_tokens + (now - p->rate_last);
	bool rc = false;

	p->rate_last = now;
	if (token > XRLIM_BURST_FACTOR * timeout)
		token = XRLIM_BURST_FACTOR * timeout;
	if (token >= timeout) {
		token -= timeout;
		rc = true;
	}
	p->rate_tokens = token;
	return rc;
}

static bool icmpv4_xrlim_allow(struct usn_net *net, const struct rtable *rt,
			       uint32_t daddr, int type, int code,
			       bool apply_ratelimit)
{
	if (!apply_ratelimit)
		return true;
	/* No limit for what stays in this host. */
	if (rt->dev && (rt->dev->flags & IFF_LOOPBACK))
		return true;
	if (!icmp_peer_allow(net, icmp_peer_get(net, daddr),
			     (uint64_t)net->sysctl.icmp_ratelimit)) {
		ICMP_INC_STATS(net, OutRateLimitHost);
		return false;
	}
	icmp_global_consume(net);
	return true;
}

/* ---- counters --------------------------------------------------------------- */

/* The Icmp.In/OutX counters that name a type, after icmpmibmap[] (index + 1). */
static const struct {
	uint8_t in;
	uint8_t out;
} icmp_type_mib[NR_ICMP_TYPES + 1] = {
	[ICMP_ECHOREPLY]	= { ICMP_MIB_InEchoReps + 1, ICMP_MIB_OutEchoReps + 1 },
	[ICMP_DEST_UNREACH]	= { ICMP_MIB_InDestUnreachs + 1, ICMP_MIB_OutDestUnreachs + 1 },
	[ICMP_ECHO]		= { ICMP_MIB_InEchos + 1, ICMP_MIB_OutEchos + 1 },
	[ICMP_TIME_EXCEEDED]	= { ICMP_MIB_InTimeExcds + 1, ICMP_MIB_OutTimeExcds + 1 },
	[ICMP_PARAMETERPROB]	= { ICMP_MIB_InParmProbs + 1, ICMP_MIB_OutParmProbs + 1 },
};

void icmp_out_count(struct usn_net *net, uint8_t type)
{
	struct ipv4_mibs *mib = &net->ipv4->mib;

	mib->icmp_out_type[type]++;
	mib->icmp[ICMP_MIB_OutMsgs]++;
	if (type <= NR_ICMP_TYPES && icmp_type_mib[type].out)
		mib->icmp[icmp_type_mib[type].out - 1]++;
}

static void icmp_in_count(struct usn_net *net, uint8_t type)
{
	struct ipv4_mibs *mib = &net->ipv4->mib;

	mib->icmp_in_type[type]++;
	if (type <= NR_ICMP_TYPES && icmp_type_mib[type].in)
		mib->icmp[icmp_type_mib[type].in - 1]++;
}

/* ---- building messages ----------------------------------------------------- */

/* One ICMP message to build: header fields and up to two pieces of body. */
struct icmp_bxm {
	uint8_t		type;
	uint8_t		code;
	uint32_t	rest;		/* bytes 4-7 of the header, host order */
	const void	*data[2];
	unsigned int	data_len[2];
};

static int icmp_push_reply(struct usn_net *net, const struct icmp_bxm *m,
			   uint32_t saddr, uint32_t daddr, uint8_t tos,
			   const struct rtable *rt)
{
	unsigned int len = ICMP_HLEN + m->data_len[0] + m->data_len[1];
	struct ip_hdr_params p = {
		.saddr		= saddr,
		.daddr		= daddr,
		.protocol	= IPPROTO_ICMP,
		.ttl		= (uint8_t)net->sysctl.ip_default_ttl,
		.tos		= tos,
	};
	struct sk_buff *skb;
	uint8_t *h;

	skb = alloc_skb_headroom(len, USN_MAX_HEADER);
	if (!skb) {
		ICMP_INC_STATS(net, OutErrors);
		return -ENOBUFS;
	}
	h = skb_put(skb, len);
	icmp_set_type(h, m->type);
	icmp_set_code(h, m->code);
	icmp_set_check(h, 0);
	icmp_set_rest(h, m->rest);
	if (m->data_len[0])
		memcpy(h + ICMP_HLEN, m->data[0], m->data_len[0]);
	if (m->data_len[1])
		memcpy(h + ICMP_HLEN + m->data_len[0], m->data[1], m->data_len[1]);
	icmp_set_check(h, csum_fold(csum_partial(h, len, 0)));
	skb_reset_transport_header(skb);
	/* OutMsgs and OutTypeN are counted by the IP layer as it leaves. */
	return ip_build_and_send(net, skb, rt, &p);
}

/* An answer to a query (echo, timestamp), from the address it was sent to. */
static void icmp_reply(struct sk_buff *skb, const struct icmp_bxm *m)
{
	struct usn_net *net = dev_net(skb->dev);
	const uint8_t *iph = ip_hdr(skb);
	bool apply_ratelimit = false;
	struct flowi4 fl4;
	struct rtable rt;

	if (!icmpv4_global_allow(net, m->type, m->code, &apply_ratelimit))
		return;
	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = ipv4_saddr(iph);
	fl4.saddr = IPCB(skb)->spec_dst;
	fl4.flowi4_tos = ipv4_tos(iph) & IPTOS_RT_MASK;
	fl4.flowi4_proto = IPPROTO_ICMP;
	if (ip_route_output_key(net, &fl4, &rt))
		return;
	if (!icmpv4_xrlim_allow(net, &rt, fl4.daddr, m->type, m->code,
				apply_ratelimit))
		return;
	icmp_push_reply(net, m, fl4.saddr, fl4.daddr, ipv4_tos(iph), &rt);
}

/* True for the types that report an error (icmp_pointers[].error). */
static bool icmp_is_error(unsigned int type);

/*
 * RFC 1122 3.2.2: no error about an ICMP error, about a fragment other
 * than the first, about a datagram sent to a broadcast or multicast
 * address, or from an address that does not name one host. The header
 * must be there whole.
 */
static bool icmp_may_send(struct usn_net *net, const struct sk_buff *skb_in,
			  int type)
{
	const uint8_t *iph = skb_network_header(skb_in);
	const uint8_t *tail = skb_tail_pointer(skb_in);
	uint32_t saddr, daddr;
	unsigned int hlen, dtype;

	if (skb_in->network_header == SKB_HDR_UNSET || iph < skb_in->head ||
	    tail - iph < IPV4_HLEN_MIN)
		return false;
	hlen = ipv4_hlen(iph);
	if (ipv4_version(iph) != 4 || hlen < IPV4_HLEN_MIN ||
	    (unsigned int)(tail - iph) < hlen)
		return false;
	if (skb_in->pkt_type != PACKET_HOST)
		return false;

	daddr = ipv4_daddr(iph);
	saddr = ipv4_saddr(iph);
	if (ipv4_is_multicast(daddr) || ipv4_is_lbcast(daddr))
		return false;
	dtype = inet_addr_type(net, daddr);
	if (dtype == RTN_BROADCAST || dtype == RTN_MULTICAST)
		return false;
	if (ipv4_is_zeronet(saddr) || ipv4_is_multicast(saddr) ||
	    ipv4_is_lbcast(saddr) || (ntohl(saddr) >> 28) == 0xf)
		return false;
	/* 127/8 is ours only when it came from ourselves. */
	if (ipv4_is_loopback(saddr) && !(skb_in->dev->flags & IFF_LOOPBACK))
		return false;
	if (inet_addr_type(net, saddr) == RTN_BROADCAST)
		return false;

	if (ipv4_frag_off(iph) & IP_OFFSET)
		return false;
	if (icmp_is_error((unsigned int)type) &&
	    ipv4_protocol(iph) == IPPROTO_ICMP) {
		/* The inner type must be there to tell; a query is fine. */
		if ((unsigned int)(tail - iph) <= hlen)
			return false;
		if (iph[hlen] > NR_ICMP_TYPES || icmp_is_error(iph[hlen]))
			return false;
	}
	return true;
}

void icmp_send(struct sk_buff *skb_in, int type, int code, uint32_t info)
{
	struct usn_net *net;
	const uint8_t *iph;
	bool apply_ratelimit = false;
	struct icmp_bxm m;
	struct flowi4 fl4;
	struct rtable rt;
	unsigned int room, len;

	if (!skb_in || !skb_in->dev)
		return;
	net = dev_net(skb_in->dev);
	if (!net->ipv4 || !net->ipv4->icmp || !icmp_may_send(net, skb_in, type))
		return;
	iph = skb_network_header(skb_in);

	/* Errors about what came in on loopback are never limited. */
	if (!(skb_in->dev->flags & IFF_LOOPBACK) &&
	    !icmpv4_global_allow(net, type, code, &apply_ratelimit))
		return;

	/*
	 * From the address the datagram was sent to when it is ours, else
	 * the one routing picks toward its source.
	 */
	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = ipv4_saddr(iph);
	if (inet_addr_type(net, ipv4_daddr(iph)) == RTN_LOCAL)
		fl4.saddr = ipv4_daddr(iph);
	fl4.flowi4_tos = (ipv4_tos(iph) & IPTOS_RT_MASK);
	fl4.flowi4_proto = IPPROTO_ICMP;
	if (ip_route_output_key(net, &fl4, &rt))
		return;
	if (!icmpv4_xrlim_allow(net, &rt, fl4.daddr, type, code,
				apply_ratelimit))
		return;

	/* Quote as much as fits in 576 bytes (RFC 1812 4.3.2.3). */
	room = min_t(unsigned int, rt.rt_mtu, ICMP_QUOTE_MAX);
	room -= IPV4_HLEN_MIN + ICMP_HLEN;
	len = min_t(unsigned int, room,
		    (unsigned int)(skb_tail_pointer(skb_in) - iph));

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	m.code = (uint8_t)code;
	m.rest = info;
	m.data[0] = iph;
	m.data_len[0] = len;
	icmp_push_reply(net, &m, fl4.saddr, fl4.daddr,
			(ipv4_tos(iph) & IPTOS_TOS_MASK) |
			IPTOS_PREC_INTERNETCONTROL, &rt);
}

/* ---- receiving ------------------------------------------------------------- */

/* Hands an error to the raw sockets and the protocol it is about. */
static void icmp_socket_deliver(struct sk_buff *skb, uint32_t info)
{
	const struct net_protocol *ipprot;
	uint8_t protocol = ipv4_protocol(skb->data);

	skb_reset_network_header(skb);
	raw_icmp_error(skb, protocol, info);
	ipprot = inet_protocol(protocol);
	if (ipprot && ipprot->err_handler)
		ipprot->err_handler(skb, info);
}

/* Pulls the ICMP header: data at the quoted IP header, which must be sane. */
static int icmp_quoted_header(struct sk_buff *skb)
{
	if (!skb_pull(skb, ICMP_HLEN) || !pskb_may_pull(skb, IPV4_HLEN_MIN) ||
	    ipv4_ihl(skb->data) < 5)
		return -EINVAL;
	return 0;
}

/* Destination unreachable, source quench, time exceeded, parameter problem. */
static int icmp_unreach(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);
	const uint8_t *ih = skb->data;
	uint8_t type = icmp_type(ih), code = icmp_code(ih);
	unsigned int data = 0;

	switch (type) {
	case ICMP_DEST_UNREACH:
		if ((code & 15) == ICMP_FRAG_NEEDED) {
			/* Documentation/networking/ip-sysctl: ip_no_pmtu_disc */
			switch (net->sysctl.ip_no_pmtu_disc) {
			case 0:
				data = icmp_frag_mtu(ih);
				break;
			case 2:
			case 3:
				goto out;
			default:
				break;
			}
		}
		if (code > NR_ICMP_UNREACH)
			goto out;
		break;
	case ICMP_PARAMETERPROB:
		data = icmp_rest(ih) >> 24;
		break;
	case ICMP_TIME_EXCEEDED:
		/* Reassembly timed out at the peer: nothing a socket can do. */
		if (code == ICMP_EXC_FRAGTIME)
			goto out;
		break;
	}
	if (icmp_quoted_header(skb))
		goto out_err;
	/* The whole quoted header and 8 bytes of its payload, for the handlers. */
	if (!pskb_may_pull(skb, ipv4_hlen(skb->data) + 8))
		goto out;
	icmp_socket_deliver(skb, ICMP_INFO(type, code, data));
out:
	consume_skb(skb);
	return 0;
out_err:
	ICMP_INC_STATS(net, InErrors);
	kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
	return -EINVAL;
}

static int icmp_redirect(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);
	uint32_t info = ICMP_INFO(ICMP_REDIRECT, icmp_code(skb->data), 0);

	if (icmp_quoted_header(skb)) {
		ICMP_INC_STATS(net, InErrors);
		kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
		return -EINVAL;
	}
	if (pskb_may_pull(skb, ipv4_hlen(skb->data) + 8))
		icmp_socket_deliver(skb, info);
	consume_skb(skb);
	return 0;
}

/* RFC 1122 3.2.2.6: every host answers echo requests with the same data. */
static int icmp_echo(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);
	struct icmp_bxm m;

	if (!net->sysctl.icmp_echo_ignore_all) {
		memset(&m, 0, sizeof(m));
		m.type = ICMP_ECHOREPLY;
		m.rest = icmp_rest(skb->data);		/* identifier, sequence */
		m.data[0] = skb->data + ICMP_HLEN;
		m.data_len[0] = skb->len - ICMP_HLEN;
		icmp_reply(skb, &m);
	}
	consume_skb(skb);
	return 0;
}

/* Milliseconds since midnight UT (RFC 792), the virtual clock's in simulation. */
static uint32_t inet_current_timestamp(struct usn_net *net)
{
	struct timespec ts;
	uint64_t ms;

	if (usn_simulated()) {
		ms = net_now(net) / 1000000;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	return (uint32_t)(ms % (24ULL * 60 * 60 * 1000));
}

/* RFC 1122 3.2.2.8: timestamp requests, answered as the kernel does. */
static int icmp_timestamp(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);
	uint8_t times[12];
	struct icmp_bxm m;
	uint32_t now;

	if (skb->len < ICMP_HLEN + 4) {
		ICMP_INC_STATS(net, InErrors);
		kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
		return -EINVAL;
	}
	now = inet_current_timestamp(net);
	memcpy(times, skb->data + ICMP_HLEN, 4);	/* originate */
	store_be32(times + 4, now);			/* receive */
	store_be32(times + 8, now);			/* transmit */
	memset(&m, 0, sizeof(m));
	m.type = ICMP_TIMESTAMPREPLY;
	m.rest = icmp_rest(skb->data);
	m.data[0] = times;
	m.data_len[0] = sizeof(times);
	icmp_reply(skb, &m);
	consume_skb(skb);
	return 0;
}

static int icmp_echoreply(struct sk_buff *skb)
{
	if (!ping_rcv(skb))
		kfree_skb_reason(skb, SKB_DROP_REASON_NO_SOCKET);
	return 0;
}

static int icmp_discard(struct sk_buff *skb)
{
	consume_skb(skb);
	return 0;
}

/* What to do with each type, and whether it reports an error. */
static const struct icmp_control {
	int	(*handler)(struct sk_buff *skb);	/* consumes; data at the ICMP header */
	bool	error;
} icmp_pointers[NR_ICMP_TYPES + 1] = {
	[ICMP_ECHOREPLY]	= { icmp_echoreply, false },
	[1]			= { icmp_discard, true },
	[2]			= { icmp_discard, true },
	[ICMP_DEST_UNREACH]	= { icmp_unreach, true },
	[ICMP_SOURCE_QUENCH]	= { icmp_unreach, true },
	[ICMP_REDIRECT]		= { icmp_redirect, true },
	[6]			= { icmp_discard, true },
	[7]			= { icmp_discard, true },
	[ICMP_ECHO]		= { icmp_echo, false },
	[9]			= { icmp_discard, true },
	[10]			= { icmp_discard, true },
	[ICMP_TIME_EXCEEDED]	= { icmp_unreach, true },
	[ICMP_PARAMETERPROB]	= { icmp_unreach, true },
	[ICMP_TIMESTAMP]	= { icmp_timestamp, false },
	[ICMP_TIMESTAMPREPLY]	= { icmp_discard, false },
	[ICMP_INFO_REQUEST]	= { icmp_discard, false },
	[ICMP_INFO_REPLY]	= { icmp_discard, false },
	[ICMP_ADDRESS]		= { icmp_discard, false },
	[ICMP_ADDRESSREPLY]	= { icmp_discard, false },
};

static bool icmp_is_error(unsigned int type)
{
	return type <= NR_ICMP_TYPES && icmp_pointers[type].error;
}

int icmp_rcv(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);
	enum skb_drop_reason reason = SKB_DROP_REASON_NOT_SPECIFIED;
	uint8_t rt_type = IPCB(skb)->rt_type;
	uint8_t type;

	TRACE_FUNC(net);
	ICMP_INC_STATS(net, InMsgs);
	if (csum_fold(csum_partial(skb->data, skb->len, 0))) {
		ICMP_INC_STATS(net, InCsumErrors);
		reason = SKB_DROP_REASON_ICMP_CSUM;
		goto error;
	}
	if (!pskb_may_pull(skb, ICMP_HLEN)) {
		reason = SKB_DROP_REASON_PKT_TOO_SMALL;
		goto error;
	}
	skb_reset_transport_header(skb);
	type = icmp_type(skb->data);
	icmp_in_count(net, type);
	if (type > NR_ICMP_TYPES) {
		reason = SKB_DROP_REASON_UNHANDLED_PROTO;
		goto error;
	}

	if (rt_type == RTN_BROADCAST || rt_type == RTN_MULTICAST) {
		/*
		 * RFC 1122 3.2.2.6 and 3.2.2.8: echo and timestamp requests to
		 * a broadcast may be ignored (the sysctl says); nothing else
		 * sent to one is acted on.
		 */
		if ((type == ICMP_ECHO || type == ICMP_TIMESTAMP) &&
		    net->sysctl.icmp_echo_ignore_broadcasts)
			goto error;
		if (type != ICMP_ECHO && type != ICMP_TIMESTAMP &&
		    type != ICMP_ADDRESS && type != ICMP_ADDRESSREPLY)
			goto error;
	}
	return icmp_pointers[type].handler(skb);

error:
	ICMP_INC_STATS(net, InErrors);
	kfree_skb_reason(skb, reason);
	return -EINVAL;
}

/*
 * An error about an ICMP message we sent: the ping socket that sent the
 * echo request hears of it (icmp_err()).
 */
static int icmp_err(struct sk_buff *skb, uint32_t info)
{
	unsigned int ihl = ipv4_hlen(skb->data);

	if (skb->len < ihl + 1)
		return -EINVAL;
	if (skb->data[ihl] != ICMP_ECHOREPLY)
		ping_err(skb, info);
	return 0;
}

/* ---- the errno an error means ------------------------------------------------ */

/* icmp_err_convert[]: destination unreachable, by code. */
static const struct {
	int	errno_val;
	bool	fatal;
} icmp_err_convert[NR_ICMP_UNREACH + 1] = {
	[ICMP_NET_UNREACH]	= { ENETUNREACH, false },
	[ICMP_HOST_UNREACH]	= { EHOSTUNREACH, false },
	[ICMP_PROT_UNREACH]	= { ENOPROTOOPT, true },
	[ICMP_PORT_UNREACH]	= { ECONNREFUSED, true },
	[ICMP_FRAG_NEEDED]	= { EMSGSIZE, false },
	[ICMP_SR_FAILED]	= { EOPNOTSUPP, false },
	[ICMP_NET_UNKNOWN]	= { ENETUNREACH, true },
	[ICMP_HOST_UNKNOWN]	= { EHOSTDOWN, true },
	[ICMP_HOST_ISOLATED]	= { ENONET, true },
	[ICMP_NET_ANO]		= { ENETUNREACH, true },
	[ICMP_HOST_ANO]		= { EHOSTUNREACH, true },
	[ICMP_NET_UNR_TOS]	= { ENETUNREACH, false },
	[ICMP_HOST_UNR_TOS]	= { EHOSTUNREACH, false },
	[ICMP_PKT_FILTERED]	= { EHOSTUNREACH, true },
	[ICMP_PREC_VIOLATION]	= { EHOSTUNREACH, true },
	[ICMP_PREC_CUTOFF]	= { EHOSTUNREACH, true },
};

int icmp_err_errno(int type, int code, bool *fatal)
{
	bool f = false;
	int err = 0;

	switch (type) {
	case ICMP_DEST_UNREACH:
		err = EHOSTUNREACH;
		if (code >= 0 && code <= NR_ICMP_UNREACH) {
			err = icmp_err_convert[code].errno_val;
			f = icmp_err_convert[code].fatal;
		}
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		f = true;
		break;
	default:	/* source quench, redirect, queries: nothing to report */
		break;
	}
	if (fatal)
		*fatal = f;
	return err;
}

/* ---- set-up ------------------------------------------------------------------ */

static const struct net_protocol icmp_protocol = {
	.handler	= icmp_rcv,
	.err_handler	= icmp_err,
};

static int icmp_net_init(struct usn_net *net)
{
	struct icmp_rate *r;

	if (!net->ipv4)
		return -EAFNOSUPPORT;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	net->ipv4->icmp = r;
	return 0;
}

static void icmp_net_exit(struct usn_net *net)
{
	if (!net->ipv4)
		return;
	free(net->ipv4->icmp);
	net->ipv4->icmp = NULL;
}

static struct pernet_operations icmp_net_ops = {
	.name	= "icmp",
	.init	= icmp_net_init,
	.exit	= icmp_net_exit,
};

int icmp_init(void)
{
	int err = register_pernet_subsys(&icmp_net_ops);

	if (err)
		return err;
	err = inet_add_protocol(&icmp_protocol, IPPROTO_ICMP);
	if (err)
		unregister_pernet_subsys(&icmp_net_ops);
	return err;
}
