/* SPDX-License-Identifier: MIT */
/*
 * syncookies.c - SYN cookies, after net/ipv4/syncookies.c: when a
 * listener's SYN queue is full (net.ipv4.tcp_syncookies 1) or always (2),
 * the SYN-ACK keeps no state; its ISN carries what the final ACK needs to
 * rebuild the connection:
 *
 *   ISN = H0(4-tuple) + peer ISN + (minute << 24)
 *         + ((H1(4-tuple, minute) + MSS index) mod 2^24)
 *
 * H0 and H1 are keyed hashes (SipHash, two keys per namespace), the minute
 * counts 60 s periods and the MSS index points into Linux's table of
 * common MSS values. A cookie is good for two minutes. With timestamps,
 * the low 6 bits of the SYN-ACK's TSval carry the window scale and
 * SACK-permitted (cookie_init_timestamp) and come back in TSecr; without
 * them those options are not offered, as Linux does.
 */
#include <stdlib.h>
#include <string.h>
#include "transport/tcp/tcp_var.h"

#define COOKIEBITS		24
#define COOKIEMASK		((1u << COOKIEBITS) - 1)
#define MAX_SYNCOOKIE_AGE	2	/* minutes */
#define TCP_SYNCOOKIE_PERIOD	60000u	/* ms */
#define TCP_SYNCOOKIE_VALID	(MAX_SYNCOOKIE_AGE * TCP_SYNCOOKIE_PERIOD)

/* TSval low bits: window scale (15: none), SACK, ECN (never offered here). */
#define TSBITS			6
#define TSMASK			((1u << TSBITS) - 1)
#define TS_OPT_WSCALE_MASK	0xfu
#define TS_OPT_SACK		(1u << 4)

/* The MSS a cookie can say: Linux's table (ipv4 msstab). */
static const uint16_t msstab[] = { 536, 1300, 1440, 1460 };

static uint32_t tcp_cookie_time(struct usn_net *net)
{
	return (uint32_t)(net_now(net) / (TCP_SYNCOOKIE_PERIOD * 1000000ull));
}

static uint32_t cookie_hash(struct usn_net *net, uint32_t saddr,
			    uint32_t daddr, uint16_t sport, uint16_t dport,
			    uint32_t count, int c)
{
	return (uint32_t)tcp_keyed_hash(tcp_hashinfo(net)->cookie_key[c],
					saddr, daddr,
					(uint32_t)sport << 16 | dport, count);
}

static uint32_t secure_tcp_syn_cookie(struct usn_net *net, uint32_t saddr,
				      uint32_t daddr, uint16_t sport,
				      uint16_t dport, uint32_t sseq,
				      uint32_t data)
{
	uint32_t count = tcp_cookie_time(net);

	return cookie_hash(net, saddr, daddr, sport, dport, 0, 0) + sseq +
	       (count << COOKIEBITS) +
	       ((cookie_hash(net, saddr, daddr, sport, dport, count, 1) + data) &
		COOKIEMASK);
}

/* The data (MSS index) of a cookie, or (uint32_t)-1 if it is not ours or too old. */
static uint32_t check_tcp_syn_cookie(struct usn_net *net, uint32_t cookie,
				     uint32_t saddr, uint32_t daddr,
				     uint16_t sport, uint16_t dport,
				     uint32_t sseq)
{
	uint32_t count = tcp_cookie_time(net), diff;

	cookie -= cookie_hash(net, saddr, daddr, sport, dport, 0, 0) + sseq;
	/* The minute it was made, modulo 2^8. */
	diff = (count - (cookie >> COOKIEBITS)) & (0xffffffffu >> COOKIEBITS);
	if (diff >= MAX_SYNCOOKIE_AGE)
		return (uint32_t)-1;
	return (cookie - cookie_hash(net, saddr, daddr, sport, dport,
				     count - diff, 1)) & COOKIEMASK;
}

/* Remembers that cookies went out, for cookie_v4_check (tcp_synq_overflow). */
static void tcp_synq_overflow(struct tcp_sock *lp)
{
	lp->synq_overflow = net_jiffies(tp_sk(lp)->sk_net) + 1;
}

static bool tcp_synq_no_recent_overflow(const struct tcp_sock *lp)
{
	uint64_t now = net_jiffies(lp->inet.sk.sk_net);

	return !lp->synq_overflow ||
	       now > lp->synq_overflow - 1 + TCP_SYNCOOKIE_VALID;
}

uint32_t cookie_v4_init_sequence(struct tcp_sock *lp, const struct sk_buff *skb,
				 uint16_t *mssp)
{
	struct usn_net *net = sock_net(tp_sk(lp));
	const uint8_t *iph = ip_hdr(skb), *th = skb->data;
	uint16_t mss = *mssp;
	uint32_t mssind;

	for (mssind = ARRAY_SIZE(msstab) - 1; mssind; mssind--)
		if (mss >= msstab[mssind])
			break;
	*mssp = msstab[mssind];
	tcp_synq_overflow(lp);
	NET_INC_STATS(net, SyncookiesSent);
	return secure_tcp_syn_cookie(net, ipv4_saddr(iph), ipv4_daddr(iph),
				     tcp_source(th), tcp_dest(th), tcp_seq(th),
				     mssind);
}

/*
 * The TSval clock, rounded down to a multiple of 64 with the options in
 * the low bits; never ahead of the clock, so the peer's PAWS sees no jump.
 */
uint32_t cookie_init_timestamp(const struct tcp_request_sock *req,
			       uint32_t now_ms)
{
	uint32_t options, ts;

	options = req->wscale_ok ? req->snd_wscale : TS_OPT_WSCALE_MASK;
	if (req->sack_ok)
		options |= TS_OPT_SACK;
	ts = (now_ms & ~TSMASK) | options;
	if ((int32_t)(ts - now_ms) > 0)
		ts -= TSMASK + 1;
	return ts;
}

/* The options a cookie's TSecr brings back (cookie_timestamp_decode). */
static bool cookie_timestamp_decode(struct usn_net *net,
				    struct tcp_options_received *opt)
{
	uint32_t options = opt->rcv_tsecr;

	if (!opt->saw_tstamp) {
		opt->tstamp_ok = 0;
		opt->wscale_ok = 0;
		opt->snd_wscale = 0;
		opt->sack_ok = 0;
		return true;
	}
	if (!net->sysctl.tcp_timestamps)
		return false;
	opt->sack_ok = !!(options & TS_OPT_SACK);
	if (opt->sack_ok && !net->sysctl.tcp_sack)
		return false;
	if ((options & TS_OPT_WSCALE_MASK) == TS_OPT_WSCALE_MASK)
		return true;
	opt->wscale_ok = 1;
	opt->snd_wscale = options & TS_OPT_WSCALE_MASK;
	return net->sysctl.tcp_window_scaling != 0;
}

struct sock *cookie_v4_check(struct tcp_sock *lp, struct sk_buff *skb)
{
	struct sock *lsk = tp_sk(lp), *child;
	struct usn_net *net = sock_net(lsk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	const uint8_t *iph = ip_hdr(skb), *th = skb->data;
	struct tcp_options_received opt;
	struct tcp_request_sock req;
	uint32_t cookie = cb->ack_seq - 1, seq = cb->seq - 1, mssind;

	if (!net->sysctl.tcp_syncookies || !(cb->tcp_flags & TCPHDR_ACK) ||
	    (cb->tcp_flags & TCPHDR_RST))
		return lsk;
	if (tcp_synq_no_recent_overflow(lp))
		return lsk;
	mssind = check_tcp_syn_cookie(net, cookie, ipv4_saddr(iph),
				      ipv4_daddr(iph), tcp_source(th),
				      tcp_dest(th), seq);
	if (mssind >= ARRAY_SIZE(msstab)) {
		NET_INC_STATS(net, SyncookiesFailed);
		return lsk;
	}
	NET_INC_STATS(net, SyncookiesRecv);

	memset(&opt, 0, sizeof(opt));
	tcp_parse_options(net, th, tcp_doff(th), &opt, false);
	if (opt.saw_tstamp) {
		opt.rcv_tsecr -= secure_tcp_ts_off(net, ipv4_daddr(iph),
						   ipv4_saddr(iph));
		opt.tstamp_ok = 1;
	}
	if (!cookie_timestamp_decode(net, &opt))
		return lsk;

	/* The request the SYN-ACK stood for, rebuilt (cookie_tcp_reqsk_alloc). */
	memset(&req, 0, sizeof(req));
	req.rcv_isn = seq;
	req.snt_isn = cookie;
	req.mss = msstab[mssind];
	if (lp->rx_opt.user_mss && lp->rx_opt.user_mss < req.mss)
		req.mss = lp->rx_opt.user_mss;
	req.tstamp_ok = opt.saw_tstamp;
	req.ts_recent = opt.saw_tstamp ? opt.rcv_tsval : 0;
	req.sack_ok = opt.sack_ok;
	req.wscale_ok = opt.wscale_ok;
	req.snd_wscale = opt.snd_wscale;
	req.cookie = 1;
	if (tcp_openreq_init(lp, &req, iph, th))
		goto drop;
	req.net = net;
	/* tcp_v4_syn_recv_sock: no room on the accept queue, no child. */
	if (sk_acceptq_is_full(lp)) {
		NET_INC_STATS(net, ListenOverflows);
		goto drop;
	}
	child = tcp_v4_syn_recv_sock(lp, &req, skb);
	if (!child)
		goto drop;
	inet_csk_reqsk_queue_add(lp, child);
	return child;

drop:
	NET_INC_STATS(net, ListenDrops);
	return NULL;
}
