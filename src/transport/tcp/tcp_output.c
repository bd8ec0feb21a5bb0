/* SPDX-License-Identifier: MIT */
/*
 * tcp_output.c - building and sending segments, after net/ipv4/tcp_output.c:
 * the MSS and the initial window (tcp_sync_mss, tcp_select_initial_window),
 * the receive window we advertise (__tcp_select_window: never shrinking,
 * silly-window avoidance), options in Linux's layout, the send loop
 * (tcp_write_xmit: congestion window, send window, Nagle and TCP_CORK),
 * retransmissions, ACKs (immediate and delayed), FIN, RST, SYN and
 * SYN-ACK, and window probes.
 *
 * A queued segment is cloned for transmission (copied when an earlier
 * clone still shares its headroom), so the write queue keeps the original.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include "transport/tcp/tcp_var.h"
#include "network/ipv4/route.h"
#include "wire/checksum.h"

/* Options of one segment (struct tcp_out_options) */
#define OPTION_SACK_ADVERTISE	0x01
#define OPTION_TS		0x02
#define OPTION_MSS		0x04
#define OPTION_WSCALE		0x08

struct tcp_out_options {
	uint16_t	options;
	uint16_t	mss;
	uint8_t		ws;
	uint8_t		num_sack_blocks;	/* D-SACK first, then the others */
	uint32_t	tsval;
	uint32_t	tsecr;
	struct tcp_sack_block sacks[TCP_NUM_SACKS];
};

void tcp_mstamp_refresh(struct tcp_sock *tp)
{
	tp->tcp_mstamp = tcp_clock_us(tp->inet.sk.sk_net);
}

/*
 * Writes the options in tcp_options_write()'s order and layout:
 * MSS; SACK-permitted and timestamps sharing a word (else NOP NOP before
 * the timestamps); NOP NOP SACK-permitted without timestamps; NOP and
 * window scale. Returns the bytes written (a multiple of 4).
 */
static unsigned int tcp_options_write(uint8_t *p, const struct tcp_out_options *o)
{
	uint8_t *start = p;
	uint16_t options = o->options;

	if (options & OPTION_MSS) {
		p[0] = TCPOPT_MSS;
		p[1] = TCPOLEN_MSS;
		store_be16(p + 2, o->mss);
		p += 4;
	}
	if (options & OPTION_TS) {
		if (options & OPTION_SACK_ADVERTISE) {
			p[0] = TCPOPT_SACK_PERM;
			p[1] = TCPOLEN_SACK_PERM;
			options &= (uint16_t)~OPTION_SACK_ADVERTISE;
		} else {
			p[0] = TCPOPT_NOP;
			p[1] = TCPOPT_NOP;
		}
		p[2] = TCPOPT_TIMESTAMP;
		p[3] = TCPOLEN_TIMESTAMP;
		store_be32(p + 4, o->tsval);
		store_be32(p + 8, o->tsecr);
		p += 12;
	}
	if (options & OPTION_SACK_ADVERTISE) {
		p[0] = TCPOPT_NOP;
		p[1] = TCPOPT_NOP;
		p[2] = TCPOPT_SACK_PERM;
		p[3] = TCPOLEN_SACK_PERM;
		p += 4;
	}
	if (options & OPTION_WSCALE) {
		p[0] = TCPOPT_NOP;
		p[1] = TCPOPT_WINDOW;
		p[2] = TCPOLEN_WINDOW;
		p[3] = o->ws;
		p += 4;
	}
	if (o->num_sack_blocks) {
		p[0] = TCPOPT_NOP;
		p[1] = TCPOPT_NOP;
		p[2] = TCPOPT_SACK;
		p[3] = (uint8_t)(TCPOLEN_SACK_BASE +
				 o->num_sack_blocks * TCPOLEN_SACK_PERBLOCK);
		p += 4;
		for (unsigned int i = 0; i < o->num_sack_blocks; i++) {
			store_be32(p, o->sacks[i].start_seq);
			store_be32(p + 4, o->sacks[i].end_seq);
			p += 8;
		}
	}
	return (unsigned int)(p - start);
}

static unsigned int tcp_options_size(const struct tcp_out_options *o)
{
	unsigned int size = 0;

	if (o->options & OPTION_MSS)
		size += 4;
	if (o->options & OPTION_TS)
		size += 12;
	else if (o->options & OPTION_SACK_ADVERTISE)
		size += 4;
	if (o->options & OPTION_WSCALE)
		size += 4;
	if (o->num_sack_blocks)
		size += 4 + o->num_sack_blocks * TCPOLEN_SACK_PERBLOCK;
	return size;
}

/* ---- MSS and windows ------------------------------------------------------- */

/* The MSS we announce for a path MTU (dst_metric_advmss, tcp_mss_clamp). */
uint16_t tcp_advmss_for(unsigned int mtu, uint16_t user_mss)
{
	unsigned int mss = mtu > 40 + 256 ? mtu - 40 : 256;

	if (mss > 65535 - 40)
		mss = 65535 - 40;
	if (user_mss && user_mss < mss)
		mss = user_mss;
	return (uint16_t)mss;
}

/* Caps a segment at half the largest window the peer offered (tcp_bound_to_half_wnd). */
static unsigned int tcp_bound_to_half_wnd(const struct tcp_sock *tp,
					  unsigned int pktsize)
{
	unsigned int cutoff = tp->max_window > TCP_MSS_DEFAULT ?
			      tp->max_window >> 1 : tp->max_window;

	if (cutoff && pktsize > cutoff)
		return max_t(unsigned int, cutoff, 68u - tp->tcp_header_len);
	return pktsize;
}

unsigned int tcp_sync_mss(struct sock *sk, unsigned int pmtu)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int mss_now = (int)pmtu - IPV4_HLEN_MIN - TCP_HLEN;

	if (mss_now > tp->rx_opt.mss_clamp)
		mss_now = tp->rx_opt.mss_clamp;
	if (mss_now < sk->sk_net->sysctl.tcp_min_snd_mss)
		mss_now = sk->sk_net->sysctl.tcp_min_snd_mss;
	mss_now -= tp->tcp_header_len - TCP_HLEN;
	mss_now = (int)tcp_bound_to_half_wnd(tp, (unsigned int)mss_now);
	tp->pmtu_cookie = pmtu;
	tp->mss_cache = (uint32_t)mss_now;
	return (unsigned int)mss_now;
}

static unsigned int tcp_established_opts_len(const struct tcp_sock *tp);

/* The MSS with the options this segment will carry: SACK blocks take room. */
unsigned int tcp_current_mss(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int mss = tp->mss_cache, hdr, ts;

	if (sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_LISTEN)
		return mss;
	ts = tp->rx_opt.tstamp_ok ? 12 : 0;
	hdr = tcp_established_opts_len(tp);
	return hdr > ts && mss > hdr - ts + TCP_MIN_MSS / 2 ? mss - (hdr - ts) : mss;
}

void tcp_select_initial_window(const struct sock *sk, int space_in,
			       uint32_t mss, uint32_t *rcv_wnd,
			       uint32_t *window_clamp_p, bool wscale_ok,
			       uint8_t *rcv_wscale, uint32_t init_rcv_wnd)
{
	const struct usn_net *net = sock_net(sk);
	uint32_t space = space_in < 0 ? 0 : (uint32_t)space_in;
	uint32_t window_clamp = *window_clamp_p;
	int ws;

	if (!window_clamp)
		window_clamp = 65535u << TCP_MAX_WSCALE;
	space = min_t(uint32_t, window_clamp, space);
	if (space > mss)
		space = space / mss * mss;
	if (net->sysctl.tcp_workaround_signed_windows)
		*rcv_wnd = min_t(uint32_t, space, 32767);
	else
		*rcv_wnd = min_t(uint32_t, space, 65535);
	if (init_rcv_wnd)
		*rcv_wnd = min_t(uint32_t, *rcv_wnd, init_rcv_wnd * mss);
	*rcv_wscale = 0;
	if (wscale_ok) {
		space = max_t(uint32_t, space, (uint32_t)net->sysctl.tcp_rmem[2]);
		space = max_t(uint32_t, space, (uint32_t)net->sysctl.rmem_max);
		space = min_t(uint32_t, space, window_clamp);
		ws = 31 - __builtin_clz(space | 1) - 15;
		*rcv_wscale = (uint8_t)(ws < 0 ? 0 : ws > TCP_MAX_WSCALE ?
					TCP_MAX_WSCALE : ws);
	}
	*window_clamp_p = min_t(uint32_t, 65535u << *rcv_wscale, window_clamp);
}

uint32_t __tcp_select_window(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int mss = tp->ack.rcv_mss;
	int free_space = tcp_space(sk);
	int allowed_space = tcp_full_space(sk);
	int full_space = min_t(int, (int)tp->window_clamp, allowed_space);
	unsigned int ws = tp->rx_opt.rcv_wscale;
	int window;

	if (mss > full_space) {
		mss = full_space;
		if (mss <= 0)
			return 0;
	}
	if (free_space < (full_space >> 1)) {
		tp->ack.quick = 0;
		if (tcp_under_memory_pressure(sk))
			tcp_adjust_rcv_ssthresh(sk);
		free_space = free_space & ~((1 << ws) - 1);
		if (free_space < (allowed_space >> 4) || free_space < mss)
			return 0;
	}
	if (free_space > (int)tp->rcv_ssthresh)
		free_space = (int)tp->rcv_ssthresh;
	if (ws) {
		window = (free_space + (1 << ws) - 1) & ~((1 << ws) - 1);
	} else {
		window = (int)tp->rcv_wnd;
		if (window <= free_space - mss || window > free_space)
			window = free_space / mss * mss;
		else if (mss == full_space && free_space > window + (full_space >> 1))
			window = free_space;
	}
	return (uint32_t)window;
}

/* The window field of an outgoing segment; never shrinks the offered window. */
static uint16_t tcp_select_window(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct usn_net *net = sock_net(sk);
	uint32_t old_win = tp->rcv_wnd, cur_win, new_win;
	unsigned int ws = tp->rx_opt.rcv_wscale;

	cur_win = tcp_receive_window(tp);
	new_win = __tcp_select_window(sk);
	if (new_win < cur_win) {
		if (!new_win)
			NET_INC_STATS(net, TCPWantZeroWindowAdv);
		new_win = (cur_win + (1u << ws) - 1) & ~((1u << ws) - 1);
	}
	tp->rcv_wnd = new_win;
	tp->rcv_wup = tp->rcv_nxt;
	if (!ws && net->sysctl.tcp_workaround_signed_windows)
		new_win = min_t(uint32_t, new_win, 32767);
	else
		new_win = min_t(uint32_t, new_win, 65535u << ws);
	new_win >>= ws;
	if (!new_win) {
		if (old_win)
			NET_INC_STATS(net, TCPToZeroWindowAdv);
	} else if (!old_win) {
		NET_INC_STATS(net, TCPFromZeroWindowAdv);
	}
	return (uint16_t)new_win;
}

/* ---- transmitting one segment ----------------------------------------------- */

void tcp_free_skb(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->retransmit_hint == skb)
		tp->retransmit_hint = NULL;
	tcp_tsorted_del(skb);
	tcp_rtx_index_unlink(sk, skb);
	__skb_unlink(skb, &sk->sk_write_queue);
	tcp_wmem_uncharge(sk, skb);
	consume_skb(skb);
}

static void tcp_syn_options(struct sock *sk, struct tcp_out_options *o)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct netns_sysctl *s = &sock_net(sk)->sysctl;

	o->options = OPTION_MSS;
	o->mss = tp->advmss;
	if (s->tcp_timestamps) {
		o->options |= OPTION_TS;
		o->tsval = tcp_time_stamp_ts(tp) + tp->tsoffset;
		o->tsecr = tp->rx_opt.ts_recent;
	}
	if (s->tcp_window_scaling) {
		o->ws = tp->rx_opt.rcv_wscale;
		o->options |= OPTION_WSCALE;
	}
	if (s->tcp_sack)
		o->options |= OPTION_SACK_ADVERTISE;
}

static void tcp_established_options(struct tcp_sock *tp,
				    struct tcp_out_options *o)
{
	unsigned int n, k = 0;

	o->options = 0;
	if (tp->rx_opt.tstamp_ok) {
		o->options = OPTION_TS;
		o->tsval = tcp_time_stamp_ts(tp) + tp->tsoffset;
		o->tsecr = tp->rx_opt.ts_recent;
	}
	/* SACK blocks (RFC 2018), a D-SACK first (RFC 2883): as many as fit. */
	if (!tcp_is_sack(tp))
		return;
	n = tcp_sack_blocks_to_send(tp, tp->rx_opt.tstamp_ok ? 12 : 0);
	if (n && tp->rx_opt.dsack)
		o->sacks[k++] = tp->duplicate_sack[0];
	for (unsigned int i = 0; k < n && i < tp->rx_opt.num_sacks; i++)
		o->sacks[k++] = tp->selective_acks[i];
	o->num_sack_blocks = (uint8_t)k;
}

/* Option bytes a data segment carries now (tcp_established_options' size). */
static unsigned int tcp_established_opts_len(const struct tcp_sock *tp)
{
	unsigned int len = tp->rx_opt.tstamp_ok ? 12 : 0, n;

	if (!tcp_is_sack(tp))
		return len;
	n = tcp_sack_blocks_to_send(tp, len);
	return n ? len + 4 + n * TCPOLEN_SACK_PERBLOCK : len;
}

/* Leaving quick-ACK mode once it has acknowledged its share (tcp_dec_quickack_mode). */
static void tcp_event_ack_sent(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->ack.quick) {
		unsigned int pkts = (tp->ack.pending & ICSK_ACK_SCHED) ? 1 : 0;

		if (pkts >= tp->ack.quick) {
			tp->ack.quick = 0;
			tp->ack.ato = TCP_ATO_MIN;
		} else {
			tp->ack.quick = (uint8_t)(tp->ack.quick - pkts);
		}
	}
	tp->ack.pending = 0;
	del_timer(&tp->delack_timer);
}

static void tcp_event_data_sent(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t now = tcp_jiffies32(sock_net(sk));

	if (!tcp_packets_in_flight(tp))
		tcp_ca_event(sk, CA_EVENT_TX_START);
	tp->lsndtime = now;
	/* A reply within ato of the last data received: interactive. */
	if (now - tp->ack.lrcvtime < tp->ack.ato && tp->ack.pingpong < 255)
		tp->ack.pingpong++;
}

int tcp_transmit_skb(struct sock *sk, struct sk_buff *skb, bool clone_it)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_sock *inet = &tp->inet;
	struct usn_net *net = sock_net(sk);
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	struct tcp_out_options opts;
	struct ip_hdr_params p;
	struct rtable rt;
	unsigned int optlen, hlen, len;
	uint8_t *th;
	int err;

	if (!tp->tcp_mstamp)
		tcp_mstamp_refresh(tp);
	tcb->tx_us = (uint32_t)tp->tcp_mstamp;
	tcb->tx_ts = tcp_time_stamp_ts(tp);
	tcb->tx_order = ++tp->tx_order;
	if (clone_it) {
		struct sk_buff *oskb = skb;

		skb = skb_cloned(oskb) ? skb_copy(oskb) : skb_clone(oskb);
		if (!skb)
			return -ENOBUFS;
	}
	err = tcp_route(sk, &rt, &p);
	if (err) {
		kfree_skb_reason(skb, SKB_DROP_REASON_IP_INNOROUTES);
		return err;
	}

	memset(&opts, 0, sizeof(opts));
	if (tcb->tcp_flags & TCPHDR_SYN)
		tcp_syn_options(sk, &opts);
	else
		tcp_established_options(tp, &opts);
	optlen = tcp_options_size(&opts);
	hlen = TCP_HLEN + optlen;
	len = skb->len;
	th = skb_push(skb, hlen);
	if (!th) {
		kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
		return -ENOBUFS;
	}
	skb_reset_transport_header(skb);
	tcp_set_source(th, inet->inet_sport);
	tcp_set_dest(th, inet->inet_dport);
	tcp_set_seq(th, tcb->seq);
	tcp_set_ack_seq(th, tp->rcv_nxt);
	tcp_set_doff_flags(th, hlen, tcb->tcp_flags);
	if (tcb->tcp_flags & TCPHDR_SYN)
		tcp_set_window(th, (uint16_t)min_t(uint32_t, tp->rcv_wnd, 65535));
	else
		tcp_set_window(th, tcp_select_window(sk));
	tcp_set_check(th, 0);
	tcp_set_urg_ptr(th, 0);
	/*
	 * Every segment before the urgent pointer carries it; one too far
	 * from it for 16 bits says 0xffff while that still points into
	 * data not yet sent, so the peer knows urgent data is coming.
	 */
	if (tcp_urg_mode(tp) && before(tcb->seq, tp->snd_up)) {
		uint16_t up = 0;

		if (before(tp->snd_up, tcb->seq + 0x10000))
			up = (uint16_t)(tp->snd_up - tcb->seq);
		else if (after(tcb->seq + 0xffff, tp->snd_nxt))
			up = 0xffff;
		if (up) {
			tcp_set_urg_ptr(th, up);
			tcp_set_doff_flags(th, hlen, tcb->tcp_flags | TCPHDR_URG);
		}
	}
	tcp_options_write(th + TCP_HLEN, &opts);
	/* A D-SACK is reported once. */
	if (opts.num_sack_blocks && tp->rx_opt.dsack)
		tp->rx_opt.dsack = 0;
	tcp_set_check(th, csum_tcpudp_magic(p.saddr, p.daddr, skb->len,
					    IPPROTO_TCP,
					    csum_partial(th, skb->len, 0)));

	if (tcb->tcp_flags & TCPHDR_ACK)
		tcp_event_ack_sent(sk);
	if (len) {
		tcp_event_data_sent(sk);
		tp->data_segs_out++;
	}
	tp->segs_out++;
	TCP_INC_STATS(net, OutSegs);
	skb_set_owner_w(skb, sk);
	err = ip_build_and_send(net, skb, &rt, &p);
	/* A full device queue is a loss for the timers to repair, not an error. */
	return err == -ENOBUFS ? 0 : err;
}

/* ---- the write queue ----------------------------------------------------------- */

void tcp_entail(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);

	__skb_queue_tail(&sk->sk_write_queue, skb);
	tcp_wmem_charge(sk, skb);
	if (!tp->send_head)
		tp->send_head = skb;
}

/* Splits @skb after @len bytes; the tail becomes a new segment behind it. */
int tcp_fragment(struct sock *sk, struct sk_buff *skb, unsigned int len)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb), *ncb;
	unsigned int nsize = skb->len - len;
	struct sk_buff *buff;
	uint8_t flags;

	if (len >= skb->len)
		return 0;
	buff = alloc_skb_headroom(nsize, USN_MAX_HEADER);
	if (!buff)
		return -ENOMEM;
	memcpy(skb_put(buff, nsize), skb->data + len, nsize);
	skb_trim(skb, len);
	ncb = TCP_SKB_CB(buff);
	*ncb = *cb;
	/* Sent together: the tail follows the head in RACK's order too. */
	ncb->tsorted_anchor.next = ncb->tsorted_anchor.prev = NULL;
	if (cb->tsorted_anchor.next)
		list_add(&ncb->tsorted_anchor, &cb->tsorted_anchor);
	ncb->seq = cb->seq + len;
	cb->end_seq = ncb->seq;
	flags = cb->tcp_flags;
	cb->tcp_flags = flags & (uint8_t)~(TCPHDR_FIN | TCPHDR_PSH);
	ncb->tcp_flags = flags & (uint8_t)~TCPHDR_SYN;
	__skb_insert(buff, skb, skb->next, &sk->sk_write_queue);
	tcp_wmem_charge(sk, buff);
	/* A segment already sent becomes two in flight. */
	if (skb != tp->send_head && before(cb->seq, tp->snd_nxt)) {
		tp->packets_out++;
		if (cb->sacked & TCPCB_LOST)
			tp->lost_out++;
		if (cb->sacked & TCPCB_SACKED_RETRANS)
			tp->retrans_out++;
		if (cb->sacked & TCPCB_SACKED_ACKED)
			tp->sacked_out++;
		tcp_rtx_index_split(sk, skb, buff);
	}
	return 0;
}

/* Nagle and TCP_CORK (tcp_nagle_test with tcp_nagle_check and Minshall's rule). */
static bool tcp_nagle_test(const struct tcp_sock *tp, const struct sk_buff *skb,
			   unsigned int cur_mss, int nonagle)
{
	bool partial = skb->len < cur_mss;

	if (nonagle & TCP_NAGLE_PUSH)
		return true;
	/* Urgent data is not held back. */
	if (tcp_urg_mode(tp) || (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN))
		return true;
	if (!partial)
		return true;
	if (nonagle & TCP_NAGLE_CORK)
		return false;
	if (!nonagle && tp->packets_out && after(tp->snd_sml, tp->snd_una) &&
	    !after(tp->snd_sml, tp->snd_nxt))
		return false;
	return true;
}

static bool tcp_snd_wnd_test(const struct tcp_sock *tp, const struct sk_buff *skb,
			     unsigned int cur_mss)
{
	uint32_t end_seq = TCP_SKB_CB(skb)->end_seq;

	if (skb->len > cur_mss)
		end_seq = TCP_SKB_CB(skb)->seq + cur_mss;
	return !after(end_seq, tcp_wnd_end(tp));
}

static unsigned int tcp_cwnd_test(const struct tcp_sock *tp,
				  const struct sk_buff *skb)
{
	uint32_t in_flight;

	/* Not strict about the congestion window for a lone FIN. */
	if (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN && skb->len <= tp->mss_cache)
		return 1;
	in_flight = tcp_packets_in_flight(tp);
	return in_flight < tp->snd_cwnd ? tp->snd_cwnd - in_flight : 0;
}

static void tcp_event_new_data_sent(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t prior_packets = tp->packets_out;

	tp->send_head = skb_next_in(&sk->sk_write_queue, skb);
	tp->snd_nxt = TCP_SKB_CB(skb)->end_seq;
	tp->packets_out++;
	tcp_tsorted_sent(sk, skb);
	if (!prior_packets || tp->pending == ICSK_TIME_PROBE0)
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, tp->rto,
					  TCP_RTO_MAX);
	NET_INC_STATS(sock_net(sk), TCPOrigDataSent);
}

static void tcp_cwnd_validate(struct tcp_sock *tp, bool is_cwnd_limited)
{
	if (!before(tp->snd_una, tp->cwnd_usage_seq) || is_cwnd_limited ||
	    (!tp->is_cwnd_limited && tp->packets_out > tp->max_packets_out)) {
		tp->is_cwnd_limited = is_cwnd_limited;
		tp->max_packets_out = tp->packets_out;
		tp->cwnd_usage_seq = tp->snd_nxt;
	}
}

/*
 * After an idle period longer than the RTO, restart from the initial
 * window (RFC 5681 4.1, tcp_cwnd_restart). lsndtime is left alone: it is
 * when data last went out, which CUBIC's TX_START event and
 * tcpi_last_data_sent read once the next segment goes.
 */
static void tcp_cwnd_restart(struct sock *sk, int32_t delta)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t restart_cwnd = min_t(uint32_t, TCP_INIT_CWND, tp->snd_cwnd);
	uint32_t cwnd = tp->snd_cwnd;

	tcp_ca_event(sk, CA_EVENT_CWND_RESTART);
	tp->snd_ssthresh = max_t(uint32_t, tp->snd_ssthresh,
				 (tp->snd_cwnd >> 1) + (tp->snd_cwnd >> 2));
	while ((delta -= (int32_t)tp->rto) > 0 && cwnd > restart_cwnd)
		cwnd >>= 1;
	tp->snd_cwnd = max_t(uint32_t, cwnd, restart_cwnd);
}

/* New data queued on an idle connection (tcp_slow_start_after_idle_check). */
void tcp_slow_start_after_idle_check(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int32_t delta;

	if (!sock_net(sk)->sysctl.tcp_slow_start_after_idle || tp->packets_out)
		return;
	delta = (int32_t)(tcp_jiffies32(sock_net(sk)) - tp->lsndtime);
	if (delta > (int32_t)tp->rto)
		tcp_cwnd_restart(sk, delta);
}

/*
 * Sends what the congestion and send windows and Nagle allow. True when
 * nothing is in flight yet data waits (the caller arms the probe timer).
 */
bool tcp_write_xmit(struct sock *sk, unsigned int mss_now, int nonagle)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool is_cwnd_limited = false;
	unsigned int sent_pkts = 0;
	struct sk_buff *skb;

	tcp_mstamp_refresh(tp);
	while ((skb = tp->send_head)) {
		if (!tcp_cwnd_test(tp, skb)) {
			is_cwnd_limited = true;
			break;
		}
		if (!tcp_snd_wnd_test(tp, skb, mss_now))
			break;
		if (skb->len > mss_now && tcp_fragment(sk, skb, mss_now))
			break;
		if (!tcp_nagle_test(tp, skb, mss_now,
				    skb_next_in(&sk->sk_write_queue, skb) ?
				    TCP_NAGLE_PUSH : nonagle))
			break;
		if (tcp_transmit_skb(sk, skb, true))
			break;
		tcp_event_new_data_sent(sk, skb);
		if (skb->len < mss_now)
			tp->snd_sml = TCP_SKB_CB(skb)->end_seq;
		sent_pkts++;
	}
	if (sent_pkts) {
		if (tcp_in_cwnd_reduction(tp))
			tp->prr_out += sent_pkts;
		tcp_cwnd_validate(tp, is_cwnd_limited);
		tcp_schedule_loss_probe(sk, false);
		return false;
	}
	return !tp->packets_out && tp->send_head;
}

uint32_t tcp_probe0_base(const struct sock *sk)
{
	return max_t(uint32_t, tcp_sk(sk)->rto, TCP_RTO_MIN);
}

void tcp_check_probe_timer(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->packets_out && !tp->pending)
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_PROBE0,
					  tcp_probe0_base(sk), TCP_RTO_MAX);
}

void __tcp_push_pending_frames(struct sock *sk, unsigned int cur_mss,
			       int nonagle)
{
	if (sk->sk_state == TCP_CLOSE)
		return;
	if (tcp_write_xmit(sk, cur_mss, nonagle))
		tcp_check_probe_timer(sk);
}

/*
 * Pushes what is queued with the socket's Nagle mode. TCP_NAGLE_PUSH (set
 * by TCP_NODELAY and by uncorking) is a one-shot: TCP_NODELAY is weaker
 * than TCP_CORK for what is queued afterwards.
 */
void tcp_push_pending_frames(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->send_head)
		__tcp_push_pending_frames(sk, tcp_current_mss(sk), tp->nonagle);
	tp->nonagle &= (uint8_t)~TCP_NAGLE_PUSH;
}

void tcp_push_one(struct sock *sk, unsigned int mss_now)
{
	tcp_write_xmit(sk, mss_now, TCP_NAGLE_PUSH);
}

/* Grows the send buffer to twice the congestion window's worth (tcp_sndbuf_expand). */
void tcp_sndbuf_expand(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t per_mss, nr_segs;
	uint64_t sndmem;

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return;
	per_mss = max_t(uint32_t, tp->rx_opt.mss_clamp, tp->mss_cache) +
		  MAX_TCP_HEADER + TCP_SHINFO_OVERHEAD;
	per_mss = 1u << (32 - __builtin_clz(per_mss - 1));
	per_mss += TCP_SKB_OVERHEAD;
	nr_segs = max_t(uint32_t, TCP_INIT_CWND, tp->snd_cwnd);
	nr_segs = max_t(uint32_t, nr_segs, tp->reordering + 1);
	sndmem = 2ull * nr_segs * per_mss;
	if ((uint64_t)sk->sk_sndbuf < sndmem)
		sk->sk_sndbuf = (int)min_t(uint64_t, sndmem,
					   (uint64_t)sock_net(sk)->sysctl.tcp_wmem[2]);
}

/* ---- SYN, ACK, FIN, RST --------------------------------------------------------- */

static struct sk_buff *tcp_nondata_skb(uint32_t seq, uint8_t flags)
{
	struct sk_buff *skb = alloc_skb_headroom(0, USN_MAX_HEADER);
	struct tcp_skb_cb *cb;

	if (!skb)
		return NULL;
	cb = TCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = seq;
	cb->end_seq = seq + !!(flags & (TCPHDR_SYN | TCPHDR_FIN));
	cb->tcp_flags = flags;
	return skb;
}

static void tcp_connect_init(struct sock *sk, unsigned int mtu)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct usn_net *net = sock_net(sk);
	uint8_t rcv_wscale;

	tp->tcp_header_len = TCP_HLEN +
			     (net->sysctl.tcp_timestamps ? TCPOLEN_TSTAMP_ALIGNED : 0);
	if (tp->rx_opt.user_mss)
		tp->rx_opt.mss_clamp = tp->rx_opt.user_mss;
	tp->max_window = 0;
	tcp_sync_mss(sk, mtu);
	tp->advmss = tcp_advmss_for(mtu, tp->rx_opt.user_mss);
	tcp_initialize_rcv_mss(sk);
	/* A locked SO_RCVBUF bounds the window, and so its scale. */
	if ((sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    (!tp->window_clamp || tp->window_clamp > (uint32_t)tcp_full_space(sk)))
		tp->window_clamp = (uint32_t)tcp_full_space(sk);
	tcp_select_initial_window(sk, tcp_full_space(sk),
				  tp->advmss - (tp->rx_opt.ts_recent_stamp ?
						tp->tcp_header_len - TCP_HLEN : 0),
				  &tp->rcv_wnd, &tp->window_clamp,
				  net->sysctl.tcp_window_scaling, &rcv_wscale, 0);
	tp->rx_opt.rcv_wscale = rcv_wscale & 0xf;
	tp->rcv_ssthresh = tp->rcv_wnd;
	sk->sk_err = 0;
	sock_reset_flag(sk, SOCK_DONE);
	tp->snd_wnd = 0;
	tp->snd_wl1 = 0;
	tcp_write_queue_purge(sk);
	tp->snd_una = tp->write_seq;
	tp->snd_sml = tp->write_seq;
	tp->snd_up = tp->write_seq;
	tp->snd_nxt = tp->write_seq;
	tp->rcv_nxt = 0;
	tp->rcv_wup = 0;
	tp->copied_seq = 0;
	tp->rto = TCP_TIMEOUT_INIT;
	tp->retransmits = 0;
	tp->retrans_out = tp->lost_out = tp->sacked_out = tp->packets_out = 0;
}

int tcp_connect(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ip_hdr_params p;
	struct rtable rt;
	struct sk_buff *buff;
	int err;

	err = tcp_route(sk, &rt, &p);
	if (err)
		return err;
	tcp_connect_init(sk, rt.rt_mtu);
	buff = tcp_nondata_skb(tp->write_seq++, TCPHDR_SYN);
	if (!buff)
		return -ENOBUFS;
	tcp_mstamp_refresh(tp);
	tp->retrans_stamp = tcp_time_stamp_ts(tp);
	/* The SYN is in flight at once: queued, never the send head. */
	__skb_queue_tail(&sk->sk_write_queue, buff);
	tcp_wmem_charge(sk, buff);
	tp->packets_out++;
	tcp_transmit_skb(sk, buff, true);
	tcp_tsorted_sent(sk, buff);
	tp->snd_nxt = tp->write_seq;
	tp->pushed_seq = tp->write_seq;
	TCP_INC_STATS(sock_net(sk), ActiveOpens);
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, tp->rto, TCP_RTO_MAX);
	return 0;
}

/* The sequence number of a segment without data (tcp_acceptable_seq). */
static uint32_t tcp_acceptable_seq(const struct tcp_sock *tp)
{
	if (!before(tcp_wnd_end(tp), tp->snd_nxt))
		return tp->snd_nxt;
	return tcp_wnd_end(tp);
}

void tcp_send_ack(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *buff;

	if (sk->sk_state == TCP_CLOSE)
		return;
	buff = tcp_nondata_skb(tcp_acceptable_seq(tp), TCPHDR_ACK);
	if (!buff) {
		/* No memory: try again from the delayed-ACK timer. */
		tp->ack.pending |= ICSK_ACK_TIMER;
		mod_timer(&tp->delack_timer, net_jiffies(sock_net(sk)) + TCP_ATO_MIN);
		return;
	}
	tcp_mstamp_refresh(tp);
	tcp_transmit_skb(sk, buff, false);
}

void tcp_send_delayed_ack(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t delack_min = (uint32_t)sock_net(sk)->sysctl.tcp_delack_min_ms;
	uint32_t ato = tp->ack.ato;
	uint64_t now = net_jiffies(sock_net(sk)), timeout;

	if (ato > delack_min) {
		uint32_t max_ato = HZ / 2;

		if (tp->ack.pingpong || (tp->ack.pending & ICSK_ACK_PUSHED))
			max_ato = TCP_DELACK_MAX;
		if (tp->srtt_us) {
			uint32_t rtt = max_t(uint32_t, (tp->srtt_us >> 3) / 1000,
					     delack_min);

			if (rtt < max_ato)
				max_ato = rtt;
		}
		ato = min_t(uint32_t, ato, max_ato);
	}
	ato = min_t(uint32_t, ato, TCP_DELACK_MAX);
	timeout = now + ato;
	if (tp->ack.pending & ICSK_ACK_TIMER) {
		/* Due within a quarter of ato anyway: send it now. */
		if (tp->ack.timeout <= now + (ato >> 2)) {
			tcp_send_ack(sk);
			return;
		}
		if (timeout >= tp->ack.timeout)
			timeout = tp->ack.timeout;
	}
	tp->ack.pending |= ICSK_ACK_SCHED | ICSK_ACK_TIMER;
	tp->ack.timeout = timeout;
	mod_timer(&tp->delack_timer, timeout);
}

void tcp_send_fin(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *tskb = skb_peek_tail(&sk->sk_write_queue);

	if (tskb && tp->send_head) {
		/* Unsent data at the tail: the FIN rides on it. */
		TCP_SKB_CB(tskb)->tcp_flags |= TCPHDR_FIN;
		TCP_SKB_CB(tskb)->end_seq++;
		tp->write_seq++;
	} else {
		struct sk_buff *skb = tcp_nondata_skb(tp->write_seq,
						      TCPHDR_ACK | TCPHDR_FIN);

		if (!skb) {
			/* Linux retries forever; we leave it to the probe timer. */
			tp->fin_pending = true;
			tcp_check_probe_timer(sk);
			return;
		}
		tcp_entail(sk, skb);
		tp->write_seq++;
	}
	__tcp_push_pending_frames(sk, tcp_current_mss(sk), TCP_NAGLE_OFF);
}

void tcp_send_active_reset(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	TCP_INC_STATS(sock_net(sk), OutRsts);
	skb = tcp_nondata_skb(tcp_acceptable_seq(tp), TCPHDR_ACK | TCPHDR_RST);
	if (!skb) {
		NET_INC_STATS(sock_net(sk), TCPAbortFailed);
		return;
	}
	tcp_mstamp_refresh(tp);
	if (tcp_transmit_skb(sk, skb, false))
		NET_INC_STATS(sock_net(sk), TCPAbortFailed);
}

/* A SYN-ACK for a request sock (tcp_make_synack + tcp_v4_send_synack). */
int tcp_send_synack_req(struct tcp_sock *lp, struct tcp_request_sock *req)
{
	struct sock *lsk = tp_sk(lp);
	struct usn_net *net = sock_net(lsk);
	struct tcp_out_options opts;
	struct sk_buff *skb;
	unsigned int optlen, hlen;
	uint32_t now_ms = tcp_clock_ms(net);
	uint8_t *th;

	memset(&opts, 0, sizeof(opts));
	opts.options = OPTION_MSS;
	opts.mss = req->advmss;
	if (req->wscale_ok) {
		opts.options |= OPTION_WSCALE;
		opts.ws = req->rcv_wscale;
	}
	if (req->tstamp_ok) {
		opts.options |= OPTION_TS;
		opts.tsval = (req->cookie ? cookie_init_timestamp(req, now_ms) :
			      now_ms) + req->ts_off;
		opts.tsecr = req->ts_recent;
	}
	if (req->sack_ok)
		opts.options |= OPTION_SACK_ADVERTISE;
	optlen = tcp_options_size(&opts);
	hlen = TCP_HLEN + optlen;
	skb = alloc_skb_headroom(hlen, USN_MAX_HEADER);
	if (!skb)
		return -ENOBUFS;
	th = skb_put(skb, hlen);
	memset(th, 0, TCP_HLEN);
	tcp_set_source(th, req->e.lport);
	tcp_set_dest(th, req->e.rport);
	tcp_set_seq(th, req->snt_isn);
	tcp_set_ack_seq(th, req->rcv_isn + 1);
	tcp_set_doff_flags(th, hlen, TCPHDR_SYN | TCPHDR_ACK);
	tcp_set_window(th, (uint16_t)min_t(uint32_t, req->rcv_wnd, 65535));
	tcp_options_write(th + TCP_HLEN, &opts);
	tcp_set_check(th, csum_tcpudp_magic(req->e.laddr, req->e.raddr, hlen,
					    IPPROTO_TCP, csum_partial(th, hlen, 0)));
	if (!req->snt_synack) {
		req->snt_synack = now_ms;
		req->snt_synack_us = tcp_clock_us(net);
	}
	TCP_INC_STATS(net, OutSegs);
	return tcp_v4_send_skb(net, skb, req->e.laddr, req->e.raddr,
			       lp->inet.tos, (uint8_t)ip_sk_ttl(lsk), NULL);
}

/* ---- retransmission ------------------------------------------------------------- */

/* Drops the first @len bytes of a partly acknowledged segment (tcp_trim_head). */
static void tcp_trim_head(struct sk_buff *skb, uint32_t len)
{
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);

	if (cb->tcp_flags & TCPHDR_SYN) {
		cb->tcp_flags &= (uint8_t)~TCPHDR_SYN;
		cb->seq++;
		len--;
	}
	if (len > skb->len)
		len = skb->len;
	skb_pull(skb, len);
	cb->seq += len;
}

int tcp_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	struct usn_net *net = sock_net(sk);
	unsigned int cur_mss;
	int err;

	if (before(cb->seq, tp->snd_una)) {
		if (!before(tp->snd_una, cb->end_seq))
			return -EINVAL;	/* all of it acknowledged meanwhile */
		tcp_trim_head(skb, tp->snd_una - cb->seq);
	}
	cur_mss = tcp_current_mss(sk);
	if (!before(cb->seq, tcp_wnd_end(tp)) && cb->seq != tp->snd_una)
		return -EAGAIN;
	if (skb->len > cur_mss && tcp_fragment(sk, skb, cur_mss))
		return -ENOMEM;
	tcp_mstamp_refresh(tp);
	err = tcp_transmit_skb(sk, skb, true);
	if (err) {
		NET_INC_STATS(net, TCPRetransFail);
		return err;
	}
	TCP_INC_STATS(net, RetransSegs);
	tcp_tsorted_sent(sk, skb);
	if (cb->tcp_flags & TCPHDR_SYN)
		NET_INC_STATS(net, TCPSynRetrans);
	tp->total_retrans++;
	if (!(cb->sacked & TCPCB_SACKED_RETRANS)) {
		cb->sacked |= TCPCB_SACKED_RETRANS;
		tp->retrans_out++;
	}
	cb->sacked |= TCPCB_EVER_RETRANS;
	if (!tp->retrans_stamp)
		tp->retrans_stamp = cb->tx_ts;
	if (tp->undo_retrans < 0)
		tp->undo_retrans = 0;
	tp->undo_retrans++;
	return 0;
}

/* Resends segments marked lost, as the congestion window allows. */
void tcp_xmit_retransmit_queue(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb, *head = tcp_rtx_queue_head(sk);
	bool rearm = false;

	if (!tp->packets_out || !head)
		return;
	skb = tp->retransmit_hint ? tp->retransmit_hint : head;
	for (; skb && skb != tp->send_head;
	     skb = skb_next_in(&sk->sk_write_queue, skb)) {
		uint8_t sacked = TCP_SKB_CB(skb)->sacked;

		if (tcp_packets_in_flight(tp) >= tp->snd_cwnd)
			break;
		/* Every lost segment is out again: nothing further to find. */
		if (tp->retrans_out >= tp->lost_out)
			break;
		tp->retransmit_hint = skb;
		if (sacked & TCPCB_SACKED_RETRANS)
			continue;
		if (!(sacked & TCPCB_LOST))
			continue;
		if (tcp_retransmit_skb(sk, skb))
			break;
		if (tcp_in_cwnd_reduction(tp))
			tp->prr_out++;
		if (tp->ca_state == TCP_CA_Loss)
			NET_INC_STATS(sock_net(sk), TCPSlowStartRetrans);
		else
			NET_INC_STATS(sock_net(sk), TCPFastRetrans);
		if (skb == head)
			rearm = true;
	}
	if (rearm)
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, tp->rto,
					  TCP_RTO_MAX);
}

/* ---- window probes and keepalives -------------------------------------------------- */

/* A segment the peer must answer: one below snd_una, no data (tcp_xmit_probe_skb). */
static int tcp_xmit_probe_skb(struct sock *sk, bool keepalive)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb = tcp_nondata_skb(tp->snd_una - 1, TCPHDR_ACK);

	if (!skb)
		return -1;
	if (keepalive)
		NET_INC_STATS(sock_net(sk), TCPKeepAlive);
	else
		NET_INC_STATS(sock_net(sk), TCPWinProbe);
	tcp_mstamp_refresh(tp);
	return tcp_transmit_skb(sk, skb, false);
}

int tcp_write_wakeup(struct sock *sk, bool keepalive)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;
	int err;

	if (sk->sk_state == TCP_CLOSE)
		return -1;
	skb = tp->send_head;
	if (skb && before(TCP_SKB_CB(skb)->seq, tcp_wnd_end(tp))) {
		unsigned int mss = tcp_current_mss(sk);
		uint32_t seg_size = tcp_wnd_end(tp) - TCP_SKB_CB(skb)->seq;

		if (before(tp->pushed_seq, TCP_SKB_CB(skb)->end_seq))
			tp->pushed_seq = TCP_SKB_CB(skb)->end_seq;
		/* A window smaller than the segment: send what fits. */
		if (seg_size < TCP_SKB_CB(skb)->end_seq - TCP_SKB_CB(skb)->seq ||
		    skb->len > mss) {
			seg_size = min_t(uint32_t, seg_size, mss);
			TCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
			if (tcp_fragment(sk, skb, seg_size))
				return -1;
		}
		TCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
		tcp_mstamp_refresh(tp);
		err = tcp_transmit_skb(sk, skb, true);
		if (!err)
			tcp_event_new_data_sent(sk, skb);
		return err;
	}
	return tcp_xmit_probe_skb(sk, keepalive);
}

void tcp_send_probe0(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t timeout;
	int err;

	err = tcp_write_wakeup(sk, false);
	if (tp->packets_out || !tp->send_head) {
		tp->probes_out = 0;
		tp->backoff = 0;
		tp->probes_tstamp = 0;
		return;
	}
	tp->probes_out++;
	if (err <= 0) {
		if (tp->backoff < sock_net(sk)->sysctl.tcp_retries2)
			tp->backoff++;
		timeout = (uint32_t)min_t(uint64_t,
					  (uint64_t)tcp_probe0_base(sk) << tp->backoff,
					  TCP_RTO_MAX);
	} else {
		timeout = TCP_RESOURCE_PROBE_INTERVAL;
	}
	if (tp->user_timeout && tp->probes_tstamp) {
		int32_t left = (int32_t)(tp->probes_tstamp + tp->user_timeout -
					 tcp_jiffies32(sock_net(sk)));

		if (left <= 0)
			left = 1;
		if ((uint32_t)left < timeout)
			timeout = (uint32_t)left;
	}
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_PROBE0, timeout, TCP_RTO_MAX);
}
