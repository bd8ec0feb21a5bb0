/* SPDX-License-Identifier: MIT */
/*
 * tcp_input.c - receiving segments, after net/ipv4/tcp_input.c: options,
 * the SYN_SENT answer, validation of synchronized-state segments (PAWS,
 * RFC 5961 RST and SYN handling with challenge ACKs), ACK processing
 * (window updates, the retransmit queue, RTT samples with RFC 6298's
 * estimator, loss recovery with PRR: RACK on the SACK scoreboard of
 * tcp_sack.c and tcp_recovery.c, NewReno for connections without SACK;
 * F-RTO after a timeout; undo by D-SACK and timestamps; the tail loss
 * probe's ACK), the receive queue (D-SACKs for duplicates, SACK blocks
 * for the out-of-order queue), the out-of-order
 * queue, FIN processing in every state, and the ACK policy (quick ACKs
 * at the start, delayed ACKs, an ACK for every second full segment).
 */
#include <errno.h>
#include <string.h>
#include "transport/tcp/tcp_var.h"

/* tcp_ack() flags */
#define FLAG_DATA		0x01
#define FLAG_WIN_UPDATE		0x02
#define FLAG_DATA_ACKED		0x04
#define FLAG_RETRANS_DATA_ACKED	0x08
#define FLAG_SYN_ACKED		0x10
#define FLAG_DATA_SACKED	TCP_SACK_FLAG_DATA_SACKED	/* 0x20 */
#define FLAG_LOST_RETRANS	0x80
#define FLAG_ORIG_SACK_ACKED	TCP_SACK_FLAG_ORIG_SACK_ACKED	/* 0x200 */
#define FLAG_SND_UNA_ADVANCED	0x400
#define FLAG_DSACKING_ACK	TCP_SACK_FLAG_DSACKING_ACK	/* 0x800 */
#define FLAG_SACK_RENEGING	0x2000	/* snd_una stopped on a SACKed one */
#define FLAG_UPDATE_TS_RECENT	0x4000
#define FLAG_NO_CHALLENGE_ACK	0x8000
#define FLAG_ACKED		(FLAG_DATA_ACKED | FLAG_SYN_ACKED)
#define FLAG_NOT_DUP		(FLAG_DATA | FLAG_WIN_UPDATE | FLAG_ACKED)
#define FLAG_FORWARD_PROGRESS	(FLAG_ACKED | FLAG_DATA_SACKED)
#define FLAG_CA_ALERT		(FLAG_DATA_SACKED | FLAG_DSACKING_ACK)

#define TCP_PINGPONG_THRESH	1

/* ---- options ------------------------------------------------------------------ */

/*
 * Parses the options of header @th (tcp_parse_options). SYN-only options
 * count before the connection is established (@estab false); timestamps
 * after it only if both sides agreed on them. A malformed option ends
 * parsing, as in Linux: what came before it stands.
 */
int tcp_parse_options(struct usn_net *net, const uint8_t *th,
		      unsigned int doff, struct tcp_options_received *opt,
		      bool estab)
{
	bool syn = tcp_flags(th) & TCPHDR_SYN;
	struct tcp_opt_iter it;
	struct tcp_opt o;
	int r;

	opt->saw_tstamp = 0;
	opt->rcv_sacks = 0;
	tcp_opt_iter_init(&it, th, doff);
	while ((r = tcp_opt_next(&it, &o)) > 0) {
		switch (o.kind) {
		case TCPOPT_MSS:
			if (o.len == TCPOLEN_MSS && syn && !estab) {
				uint16_t in_mss = load_be16(o.data);

				if (in_mss) {
					if (opt->user_mss && opt->user_mss < in_mss)
						in_mss = opt->user_mss;
					opt->mss_clamp = in_mss;
				}
			}
			break;
		case TCPOPT_WINDOW:
			if (o.len == TCPOLEN_WINDOW && syn && !estab &&
			    net->sysctl.tcp_window_scaling) {
				uint8_t ws = o.data[0];

				opt->wscale_ok = 1;
				opt->snd_wscale = ws > TCP_MAX_WSCALE ?
						  TCP_MAX_WSCALE : ws;
			}
			break;
		case TCPOPT_TIMESTAMP:
			if (o.len == TCPOLEN_TIMESTAMP &&
			    ((estab && opt->tstamp_ok) ||
			     (!estab && net->sysctl.tcp_timestamps))) {
				opt->saw_tstamp = 1;
				opt->rcv_tsval = load_be32(o.data);
				opt->rcv_tsecr = load_be32(o.data + 4);
			}
			break;
		case TCPOPT_SACK_PERM:
			if (o.len == TCPOLEN_SACK_PERM && syn && !estab &&
			    net->sysctl.tcp_sack)
				opt->sack_ok = 1;
			break;
		case TCPOPT_SACK:
			if (o.len >= TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK &&
			    !((o.len - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK) &&
			    opt->sack_ok && estab) {
				opt->rcv_sacks = (uint8_t)((o.len - TCPOLEN_SACK_BASE) /
							   TCPOLEN_SACK_PERBLOCK);
				opt->rcv_sack_off = (uint8_t)(o.data - 2 - th);
			}
			break;
		default:
			break;
		}
	}
	return r;
}

bool tcp_paws_check(const struct tcp_options_received *rx_opt, int paws_win,
		    uint32_t now_s)
{
	if ((int32_t)(rx_opt->ts_recent - rx_opt->rcv_tsval) <= paws_win)
		return true;
	if ((int32_t)(now_s - (rx_opt->ts_recent_stamp + TCP_PAWS_24DAYS)) >= 0)
		return true;
	/* Some stacks send SYNs with TSval 0: never let 0 forbid later segments. */
	return !rx_opt->ts_recent;
}

static void tcp_store_ts_recent(struct tcp_sock *tp)
{
	tp->rx_opt.ts_recent = tp->rx_opt.rcv_tsval;
	tp->rx_opt.ts_recent_stamp = get_seconds32(tp->inet.sk.sk_net);
}

static void tcp_replace_ts_recent(struct tcp_sock *tp, uint32_t seq)
{
	if (tp->rx_opt.saw_tstamp && !after(seq, tp->rcv_wup) &&
	    tcp_paws_check(&tp->rx_opt, 0, get_seconds32(tp->inet.sk.sk_net)))
		tcp_store_ts_recent(tp);
}

/* ---- rate limits for answers to invalid segments -------------------------------- */

bool __tcp_oow_rate_limited(struct usn_net *net, int mib,
			    uint32_t *last_oow_ack_time)
{
	uint32_t now = tcp_jiffies32(net);

	if (*last_oow_ack_time) {
		int32_t elapsed = (int32_t)(now - *last_oow_ack_time);

		if (elapsed >= 0 && elapsed < net->sysctl.tcp_invalid_ratelimit) {
			net->ipv4->mib.linux_mib[mib]++;
			return true;
		}
	}
	*last_oow_ack_time = now;
	return false;
}

/* Only pure ACKs (no data, no SYN) are rate limited (tcp_oow_rate_limited). */
bool tcp_oow_rate_limited(struct usn_net *net, const struct sk_buff *skb,
			  int mib, uint32_t *last_oow_ack_time)
{
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);

	if (cb->seq != cb->end_seq && !(cb->tcp_flags & TCPHDR_SYN))
		return false;
	return __tcp_oow_rate_limited(net, mib, last_oow_ack_time);
}

/*
 * RFC 5961 7: a challenge ACK, limited per socket (tcp_invalid_ratelimit)
 * and per namespace (tcp_challenge_ack_limit a second, off by default).
 */
void tcp_send_challenge_ack(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct usn_net *net = sock_net(sk);
	struct tcp_hashinfo *h = tcp_hashinfo(net);
	int limit = net->sysctl.tcp_challenge_ack_limit;
	uint32_t now;

	if (__tcp_oow_rate_limited(net, LINUX_MIB_TCPACKSkippedChallenge,
				   &tp->last_oow_ack_time))
		return;
	if (limit != INT_MAX) {
		now = get_seconds32(net);
		if (now != h->challenge_timestamp) {
			uint32_t half = ((uint32_t)limit + 1) >> 1;

			h->challenge_timestamp = now;
			h->challenge_count = half + net_random_u32(net) %
						    (uint32_t)(limit > 0 ? limit : 1);
		}
		if (!h->challenge_count)
			return;
		h->challenge_count--;
	}
	NET_INC_STATS(net, TCPChallengeACK);
	tcp_send_ack(sk);
}

/* ---- ACK scheduling -------------------------------------------------------------- */

static void tcp_incr_quickack(struct sock *sk, unsigned int max_quickacks)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int quickacks = tp->rcv_wnd / (2 * tp->ack.rcv_mss);

	if (!quickacks)
		quickacks = 2;
	quickacks = min_t(unsigned int, quickacks, max_quickacks);
	if (quickacks > tp->ack.quick)
		tp->ack.quick = (uint8_t)quickacks;
}

void tcp_enter_quickack_mode(struct sock *sk, unsigned int max_quickacks)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tcp_incr_quickack(sk, max_quickacks);
	tp->ack.pingpong = 0;
	tp->ack.ato = TCP_ATO_MIN;
}

static bool tcp_in_quickack_mode(const struct tcp_sock *tp)
{
	return tp->ack.quick && tp->ack.pingpong < TCP_PINGPONG_THRESH;
}

static void inet_csk_schedule_ack(struct tcp_sock *tp)
{
	tp->ack.pending |= ICSK_ACK_SCHED;
}

void tcp_measure_rcv_mss(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int lss = tp->ack.last_seg_size, len = skb->len;

	tp->ack.last_seg_size = 0;
	if (len >= tp->ack.rcv_mss) {
		if (len != tp->ack.rcv_mss && skb->truesize) {
			uint64_t val = ((uint64_t)skb->len << TCP_RMEM_TO_WIN_SCALE) /
				       skb->truesize;

			tp->scaling_ratio = (uint8_t)(val ? (val > 255 ? 255 : val) : 1);
		}
		tp->ack.rcv_mss = (uint16_t)min_t(unsigned int, len, tp->advmss);
		if (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_PSH)
			tp->ack.pending |= ICSK_ACK_PUSHED;
	} else {
		/* The segment with its header: a full one if large or not pushed. */
		len += tp->tcp_header_len;
		if (len >= TCP_MSS_DEFAULT + TCP_HLEN ||
		    (len >= TCP_MIN_MSS + TCP_HLEN &&
		     !(TCP_SKB_CB(skb)->tcp_flags & (TCPHDR_URG | TCPHDR_PSH |
						     TCPHDR_FIN | TCPHDR_SYN |
						     TCPHDR_RST)))) {
			len -= tp->tcp_header_len;
			tp->ack.last_seg_size = (uint16_t)len;
			if (len == lss) {
				tp->ack.rcv_mss = (uint16_t)len;
				return;
			}
		}
		if (tp->ack.pending & ICSK_ACK_PUSHED)
			tp->ack.pending |= ICSK_ACK_PUSHED2;
		tp->ack.pending |= ICSK_ACK_PUSHED;
	}
}

void tcp_initialize_rcv_mss(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int hint = min_t(unsigned int, tp->advmss, tp->mss_cache);

	hint = min_t(unsigned int, hint, tp->rcv_wnd / 2);
	hint = min_t(unsigned int, hint, TCP_MSS_DEFAULT);
	hint = max_t(unsigned int, hint, TCP_MIN_MSS);
	tp->ack.rcv_mss = (uint16_t)hint;
}

/* Opens rcv_ssthresh toward the full window as data comes in (tcp_grow_window). */
static void tcp_grow_window(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int room = min_t(int, (int)tp->window_clamp, tcp_space(sk)) -
		   (int)tp->rcv_ssthresh;
	int incr = 0;

	if (room <= 0 || tcp_under_memory_pressure(sk))
		return;
	if (tcp_win_from_space(tp, (int)skb->truesize) <= (int)skb->len) {
		incr = 2 * tp->advmss;
	} else {
		int truesize = tcp_win_from_space(tp, (int)skb->truesize) >> 1;
		int window = tcp_win_from_space(tp, sock_net(sk)->sysctl.tcp_rmem[2]) >> 1;

		while ((int)tp->rcv_ssthresh <= window) {
			if (truesize <= (int)skb->len) {
				incr = 2 * tp->ack.rcv_mss;
				break;
			}
			truesize >>= 1;
			window >>= 1;
		}
	}
	if (incr) {
		incr = max_t(int, incr, 2 * (int)skb->len);
		tp->rcv_ssthresh += (uint32_t)min_t(int, room, incr);
		tp->ack.quick |= 1;
	}
}

/* ---- receive-buffer auto-tuning ("dynamic right-sizing") -------------------------------- */

/*
 * The receiver's own RTT estimate, << 3 like srtt_us (tcp_rcv_rtt_update).
 * A per-window sample (win_dep) is an upper bound of the RTT, since the
 * sender may not have been window limited: only the minimum is kept.
 * Timestamp samples are smoothed with gain 1/8.
 */
static void tcp_rcv_rtt_update(struct tcp_sock *tp, uint32_t sample,
			       bool win_dep)
{
	uint32_t rtt = tp->rcv_rtt_est.rtt_us;
	int64_t m;

	sample = min_t(uint32_t, sample, UINT32_MAX >> 3);
	m = sample;

	if (!rtt) {
		rtt = sample << 3;
	} else if (!win_dep) {
		m -= rtt >> 3;
		rtt = (uint32_t)((int64_t)rtt + m);
	} else if ((m << 3) < rtt) {
		rtt = (uint32_t)(m << 3);
	}
	tp->rcv_rtt_est.rtt_us = rtt ? rtt : 1;
}

/* Without timestamps: the time one window's worth of data took to arrive. */
static void tcp_rcv_rtt_measure(struct tcp_sock *tp)
{
	uint32_t delta_us;

	if (tp->rcv_rtt_est.time) {
		if (before(tp->rcv_nxt, tp->rcv_rtt_est.seq))
			return;
		delta_us = (uint32_t)(tp->tcp_mstamp - tp->rcv_rtt_est.time);
		tcp_rcv_rtt_update(tp, delta_us ? delta_us : 1, true);
	}
	tp->rcv_rtt_est.seq = tp->rcv_nxt + tp->rcv_wnd;
	tp->rcv_rtt_est.time = tp->tcp_mstamp;
}

/* With timestamps: the echo of a full-sized segment (tcp_rcv_rtt_measure_ts). */
static void tcp_rcv_rtt_measure_ts(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint32_t delta;

	if (!tp->rx_opt.saw_tstamp || !tp->rx_opt.rcv_tsecr ||
	    tp->rx_opt.rcv_tsecr == tp->rcv_rtt_last_tsecr)
		return;
	tp->rcv_rtt_last_tsecr = tp->rx_opt.rcv_tsecr;
	if (cb->end_seq - cb->seq < tp->ack.rcv_mss)
		return;
	delta = tcp_time_stamp_ts(tp) - tp->rx_opt.rcv_tsecr;
	/*
	 * The TSval clock ticks in ms: an echo of this very tick says nothing,
	 * a wrapped or absurd one is no sample either.
	 */
	if (!delta || delta >= INT_MAX / 1000)
		return;
	tcp_rcv_rtt_update(tp, delta * 1000, false);
}

/*
 * Called as the reader copies data: once per receiver RTT, compare what the
 * application took in that RTT with the last one; if it grew, the sender
 * may be window limited, so make room for twice the copy rate plus the
 * growth and raise window_clamp with it (tcp_rcv_space_adjust). Bounded by
 * tcp_rmem[2]; off when the user fixed SO_RCVBUF or tcp_moderate_rcvbuf=0.
 */
void tcp_rcv_space_adjust(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct usn_net *net = sock_net(sk);
	uint32_t copied;
	uint64_t time;

	tcp_mstamp_refresh(tp);
	time = tp->tcp_mstamp - tp->rcvq_space.time;
	if (!tp->rcv_rtt_est.rtt_us || time < (tp->rcv_rtt_est.rtt_us >> 3))
		return;
	copied = tp->copied_seq - tp->rcvq_space.seq;
	if (copied <= tp->rcvq_space.space)
		goto new_measure;
	/* Under memory pressure the buffer does not grow (tcp_mem.c). */
	if (net->sysctl.tcp_moderate_rcvbuf &&
	    !(sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    !tcp_under_memory_pressure(sk)) {
		uint64_t rcvwin, grow;
		int rcvbuf;

		rcvwin = ((uint64_t)copied << 1) + 16 * (uint64_t)tp->advmss;
		grow = rcvwin * (copied - tp->rcvq_space.space) /
		       (tp->rcvq_space.space ? tp->rcvq_space.space : 1);
		rcvwin += grow << 1;
		rcvwin = min_t(uint64_t, rcvwin, INT32_MAX);
		rcvbuf = min_t(int, tcp_space_from_win(tp, (int)rcvwin),
			       net->sysctl.tcp_rmem[2]);
		if (rcvbuf > sk->sk_rcvbuf) {
			sk->sk_rcvbuf = rcvbuf;
			/* The window may open as far as the new buffer. */
			tp->window_clamp = (uint32_t)tcp_win_from_space(tp, rcvbuf);
		}
	}
	tp->rcvq_space.space = copied;
new_measure:
	tp->rcvq_space.seq = tp->copied_seq;
	tp->rcvq_space.time = tp->tcp_mstamp;
}

/* New data arrived: the delayed-ACK engine learns its pace (tcp_event_data_recv). */
static void tcp_event_data_recv(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t now = tcp_jiffies32(sock_net(sk));

	inet_csk_schedule_ack(tp);
	tcp_measure_rcv_mss(sk, skb);
	tcp_rcv_rtt_measure(tp);
	if (!tp->ack.ato) {
		tcp_incr_quickack(sk, TCP_MAX_QUICKACKS);
		tp->ack.ato = TCP_ATO_MIN;
	} else {
		uint32_t m = now - tp->ack.lrcvtime;

		if (m <= TCP_ATO_MIN / 2) {
			tp->ack.ato = (tp->ack.ato >> 1) + TCP_ATO_MIN / 2;
		} else if (m < tp->ack.ato) {
			tp->ack.ato = (tp->ack.ato >> 1) + m;
			if (tp->ack.ato > tp->rto)
				tp->ack.ato = tp->rto;
		} else if (m > tp->rto) {
			tcp_incr_quickack(sk, TCP_MAX_QUICKACKS);
		}
	}
	tp->ack.lrcvtime = now;
	if (skb->len >= 128)
		tcp_grow_window(sk, skb);
}

static void __tcp_ack_snd_check(struct sock *sk, bool ofo_possible)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!(tp->ack.pending & ICSK_ACK_SCHED))
		return;
	if ((tp->rcv_nxt - tp->rcv_wup > tp->ack.rcv_mss &&
	     __tcp_select_window(sk) >= tp->rcv_wnd) ||
	    tcp_in_quickack_mode(tp) || (tp->ack.pending & ICSK_ACK_NOW)) {
		tcp_send_ack(sk);
		return;
	}
	if (!ofo_possible || skb_queue_empty(&tp->out_of_order_queue)) {
		tcp_send_delayed_ack(sk);
		return;
	}
	tcp_send_ack(sk);
}

static void tcp_ack_snd_check(struct sock *sk)
{
	__tcp_ack_snd_check(sk, true);
}

static void tcp_send_dupack(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);

	if (cb->end_seq != cb->seq && before(cb->seq, tp->rcv_nxt)) {
		NET_INC_STATS(sock_net(sk), DelayedACKLost);
		tcp_enter_quickack_mode(sk, TCP_MAX_QUICKACKS);
		/* RFC 2883: tell the sender what it sent twice. */
		tcp_dsack_set(sk, cb->seq, after(cb->end_seq, tp->rcv_nxt) ?
			      tp->rcv_nxt : cb->end_seq);
	}
	tcp_send_ack(sk);
}

/* ---- RTT and RTO (RFC 6298) ------------------------------------------------------- */

void tcp_rtt_estimator(struct sock *sk, long mrtt_us)
{
	struct tcp_sock *tp = tcp_sk(sk);
	long m = mrtt_us;
	uint32_t srtt = tp->srtt_us;
	uint32_t rto_min_us = tcp_rto_min() * 1000u;

	if (srtt) {
		m -= (long)(srtt >> 3);
		srtt = (uint32_t)((long)srtt + m);
		if (m < 0) {
			m = -m;
			m -= (long)(tp->mdev_us >> 2);
			if (m > 0)
				m >>= 3;
		} else {
			m -= (long)(tp->mdev_us >> 2);
		}
		tp->mdev_us = (uint32_t)((long)tp->mdev_us + m);
		if (tp->mdev_us > tp->mdev_max_us) {
			tp->mdev_max_us = tp->mdev_us;
			if (tp->mdev_max_us > tp->rttvar_us)
				tp->rttvar_us = tp->mdev_max_us;
		}
		if (after(tp->snd_una, tp->rtt_seq)) {
			if (tp->mdev_max_us < tp->rttvar_us)
				tp->rttvar_us -= (tp->rttvar_us - tp->mdev_max_us) >> 2;
			tp->rtt_seq = tp->snd_nxt;
			tp->mdev_max_us = rto_min_us;
		}
	} else {
		srtt = (uint32_t)m << 3;
		tp->mdev_us = (uint32_t)m << 1;
		tp->rttvar_us = max_t(uint32_t, tp->mdev_us, rto_min_us);
		tp->mdev_max_us = tp->rttvar_us;
		tp->rtt_seq = tp->snd_nxt;
	}
	tp->srtt_us = max_t(uint32_t, 1, srtt);
}

void tcp_set_rto(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint64_t rto_us = (tp->srtt_us >> 3) + tp->rttvar_us;
	uint64_t rto = (rto_us + 999) / 1000;

	tp->rto = (uint32_t)min_t(uint64_t, rto, TCP_RTO_MAX);
}

static void tcp_ack_update_rtt(struct sock *sk, int flag, long seq_rtt_us)
{
	struct tcp_sock *tp = tcp_sk(sk);

	/* Karn: no sample from retransmitted data, except through TS echoes. */
	if (seq_rtt_us < 0 && tp->rx_opt.saw_tstamp && tp->rx_opt.rcv_tsecr &&
	    (flag & FLAG_ACKED)) {
		uint32_t delta = tcp_time_stamp_ts(tp) - tp->rx_opt.rcv_tsecr;

		if (delta < INT32_MAX / 1000) {
			if (!delta)
				delta = 1;
			seq_rtt_us = (long)delta * 1000;
		}
	}
	if (seq_rtt_us < 0)
		return;
	tcp_update_rtt_min(sk, (uint32_t)seq_rtt_us);
	tcp_rtt_estimator(sk, seq_rtt_us);
	tcp_set_rto(sk);
	tp->backoff = 0;
}

static void tcp_rearm_rto(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->packets_out)
		inet_csk_clear_xmit_timer(sk, ICSK_TIME_RETRANS);
	else
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, tp->rto,
					  TCP_RTO_MAX);
}

/* ---- congestion state --------------------------------------------------------------- */

static void tcp_set_ca_state(struct sock *sk, uint8_t state)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->ca_ops->set_state)
		tp->ca_ops->set_state(sk, state);
	tp->ca_state = state;
}

static bool tcp_any_retrans_done(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	if (tp->retrans_out)
		return true;
	skb = tcp_rtx_queue_head(sk);
	return skb && (TCP_SKB_CB(skb)->sacked & TCPCB_EVER_RETRANS);
}

void tcp_mark_skb_lost(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);

	/*
	 * The retransmission walk resumes at its hint: a loss below it moves
	 * it back; with none left to resend it starts here
	 * (tcp_verify_retransmit_hint).
	 */
	if ((!tp->retransmit_hint && tp->retrans_out >= tp->lost_out) ||
	    (tp->retransmit_hint &&
	     before(cb->seq, TCP_SKB_CB(tp->retransmit_hint)->seq)))
		tp->retransmit_hint = skb;
	if (cb->sacked & TCPCB_SACKED_RETRANS) {
		cb->sacked &= (uint8_t)~TCPCB_SACKED_RETRANS;
		tp->retrans_out--;
	}
	if (!(cb->sacked & TCPCB_LOST)) {
		cb->sacked |= TCPCB_LOST;
		tp->lost_out++;
		tp->lost++;
	}
}

/* RTO: everything outstanding is lost; slow start from one segment (tcp_enter_loss). */
void tcp_enter_loss(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool new_recovery = tp->ca_state < TCP_CA_Recovery, is_reneg;
	struct sk_buff *skb;

	if (tp->ca_state <= TCP_CA_Disorder || !before(tp->snd_una, tp->high_seq) ||
	    (tp->ca_state == TCP_CA_Loss && !tp->retransmits)) {
		tp->prior_ssthresh = tp->snd_ssthresh;
		tp->prior_cwnd = tp->snd_cwnd;
		tp->snd_ssthresh = tp->ca_ops->ssthresh(sk);
		tp->undo_marker = tp->snd_una;
		tp->undo_retrans = tp->retrans_out ? (int32_t)tp->retrans_out : -1;
	}
	/* RFC 5682: F-RTO on a new episode or a repeated timeout. */
	tp->frto = sock_net(sk)->sysctl.tcp_frto && tcp_is_sack(tp) &&
		   (new_recovery || tp->retransmits);
	/*
	 * The head SACKed yet not acknowledged: the peer discarded what it
	 * SACKed (reneging), so nothing SACKed counts as delivered any more
	 * (tcp_timeout_mark_lost).
	 */
	skb = tcp_rtx_queue_head(sk);
	is_reneg = skb && (TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED);
	if (is_reneg) {
		NET_INC_STATS(sock_net(sk), TCPSACKReneging);
		tp->sacked_out = 0;
	} else if (tcp_is_reno(tp)) {
		tp->sacked_out = 0;
	}
	for (; skb && skb != tp->send_head;
	     skb = skb_next_in(&sk->sk_write_queue, skb)) {
		if (TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED) {
			if (!is_reneg)
				continue;	/* stays delivered */
			TCP_SKB_CB(skb)->sacked &= (uint8_t)~TCPCB_SACKED_ACKED;
		}
		tcp_mark_skb_lost(sk, skb);
	}
	tp->snd_cwnd = tcp_packets_in_flight(tp) + 1;
	tp->snd_cwnd_cnt = 0;
	tcp_set_ca_state(sk, TCP_CA_Loss);
	tp->high_seq = tp->snd_nxt;
	tp->tlp_high_seq = 0;
	tp->retransmit_hint = NULL;
}

static void tcp_check_reno_reordering(struct tcp_sock *tp)
{
	uint32_t holes = max_t(uint32_t, tp->lost_out, 1);

	holes = min_t(uint32_t, holes, tp->packets_out);
	if (tp->sacked_out + holes > tp->packets_out)
		tp->sacked_out = tp->packets_out - holes;
}

/* Reno counts duplicate ACKs as SACKed segments (tcp_add_reno_sack). */
static void tcp_add_reno_sack(struct tcp_sock *tp, int num_dupack)
{
	uint32_t prior = tp->sacked_out;

	if (!num_dupack)
		return;
	tp->sacked_out += (uint32_t)num_dupack;
	tcp_check_reno_reordering(tp);
	if (tp->sacked_out > prior)
		tp->delivered += tp->sacked_out - prior;
}

static void tcp_remove_reno_sacks(struct tcp_sock *tp, uint32_t acked)
{
	if (acked > 0) {
		tp->delivered += max_t(int32_t, (int32_t)(acked - tp->sacked_out), 1);
		if (acked - 1 >= tp->sacked_out)
			tp->sacked_out = 0;
		else
			tp->sacked_out -= acked - 1;
	}
	tcp_check_reno_reordering(tp);
}

static void tcp_init_cwnd_reduction(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->high_seq = tp->snd_nxt;
	tp->tlp_high_seq = 0;
	tp->snd_cwnd_cnt = 0;
	tp->prior_cwnd = tp->snd_cwnd;
	tp->prr_delivered = 0;
	tp->prr_out = 0;
	tp->snd_ssthresh = tp->ca_ops->ssthresh(sk);
}

/*
 * RFC 6937 Proportional Rate Reduction (tcp_cwnd_reduction): while the
 * pipe is above ssthresh, send ssthresh/prior_cwnd of what is delivered
 * (prr_out counts what went out since the reduction began, new data and
 * retransmissions alike: tcp_write_xmit and tcp_xmit_retransmit_queue);
 * below it, slow-start back up to ssthresh, at most one more than was
 * delivered, none more if this ACK revealed a new loss.
 */
void tcp_cwnd_reduction(struct sock *sk, int newly_acked_sacked,
			int newly_lost, int flag)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int delta = (int)tp->snd_ssthresh - (int)tcp_packets_in_flight(tp);
	int sndcnt;

	if (newly_acked_sacked <= 0 || !tp->prior_cwnd)
		return;
	tp->prr_delivered += (uint32_t)newly_acked_sacked;
	if (delta < 0) {
		uint64_t dividend = (uint64_t)tp->snd_ssthresh * tp->prr_delivered +
				    tp->prior_cwnd - 1;

		sndcnt = (int)(dividend / tp->prior_cwnd) - (int)tp->prr_out;
	} else {
		sndcnt = max_t(int, (int)(tp->prr_delivered - tp->prr_out),
			       newly_acked_sacked);
		if ((flag & FLAG_SND_UNA_ADVANCED) && !newly_lost)
			sndcnt++;
		sndcnt = min_t(int, delta, sndcnt);
	}
	/* The fast retransmit goes out on entering recovery, whatever the count. */
	sndcnt = max_t(int, sndcnt, tp->prr_out ? 0 : 1);
	tp->snd_cwnd = tcp_packets_in_flight(tp) + (uint32_t)sndcnt;
}

static void tcp_end_cwnd_reduction(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->snd_ssthresh < TCP_INFINITE_SSTHRESH &&
	    (tp->ca_state == TCP_CA_CWR || tp->undo_marker))
		tp->snd_cwnd = tp->snd_ssthresh;
}

void tcp_enter_recovery(struct sock *sk, bool ece_ack)
{
	struct tcp_sock *tp = tcp_sk(sk);

	(void)ece_ack;
	if (tcp_is_reno(tp))
		NET_INC_STATS(sock_net(sk), TCPRenoRecovery);
	else
		NET_INC_STATS(sock_net(sk), TCPSackRecovery);
	if (tp->rack.reo_wnd_persist)
		tp->rack.reo_wnd_persist--;
	tp->prior_ssthresh = 0;
	tp->undo_marker = tp->snd_una;
	tp->undo_retrans = tp->retrans_out ? (int32_t)tp->retrans_out : -1;
	if (!tcp_in_cwnd_reduction(tp)) {
		tp->prior_ssthresh = tp->snd_ssthresh;
		tcp_init_cwnd_reduction(sk);
	}
	tcp_set_ca_state(sk, TCP_CA_Recovery);
}

static void tcp_try_keep_open(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint8_t state = TCP_CA_Open;

	if (tp->sacked_out + tp->lost_out || tcp_any_retrans_done(sk))
		state = TCP_CA_Disorder;
	if (tp->ca_state != state) {
		tcp_set_ca_state(sk, state);
		tp->high_seq = tp->snd_nxt;
	}
}

static void tcp_try_to_open(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tcp_any_retrans_done(sk))
		tp->retrans_stamp = 0;
	if (tp->ca_state != TCP_CA_CWR)
		tcp_try_keep_open(sk);
}

/* ---- undo (Eifel, RFC 3522 / 4015; D-SACK, RFC 3708) ------------------------------- */

/* The peer echoes a timestamp older than our first retransmission: the original arrived. */
static bool tcp_packet_delayed(const struct tcp_sock *tp)
{
	return tp->retrans_stamp && tp->rx_opt.saw_tstamp &&
	       tp->rx_opt.rcv_tsecr &&
	       before(tp->rx_opt.rcv_tsecr, tp->retrans_stamp);
}

/* Every retransmission D-SACKed, or the timestamps say none was needed. */
static bool tcp_may_undo(const struct tcp_sock *tp)
{
	return tp->undo_marker && (!tp->undo_retrans || tcp_packet_delayed(tp));
}

/* Back to the window before the reduction (tcp_undo_cwnd_reduction). */
static void tcp_undo_cwnd_reduction(struct sock *sk, bool unmark_loss)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (unmark_loss) {
		struct sk_buff *skb;

		for (skb = tcp_rtx_queue_head(sk); skb && skb != tp->send_head;
		     skb = skb_next_in(&sk->sk_write_queue, skb))
			TCP_SKB_CB(skb)->sacked &= (uint8_t)~TCPCB_LOST;
		tp->lost_out = 0;
		tp->retransmit_hint = NULL;
	}
	if (tp->prior_ssthresh) {
		tp->snd_cwnd = tp->ca_ops->undo_cwnd(sk);
		if (tp->prior_ssthresh > tp->snd_ssthresh)
			tp->snd_ssthresh = tp->prior_ssthresh;
	}
	tp->undo_marker = 0;
	tp->rack.advanced = 1;	/* re-check what RACK thinks with the marks gone */
}

/* Leaving recovery or loss once high_seq is acknowledged (tcp_try_undo_recovery). */
static bool tcp_try_undo_recovery(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tcp_may_undo(tp)) {
		tcp_undo_cwnd_reduction(sk, false);
		if (tp->ca_state == TCP_CA_Loss)
			NET_INC_STATS(sock_net(sk), TCPLossUndo);
		else
			NET_INC_STATS(sock_net(sk), TCPFullUndo);
	}
	/* Reno holds the state until data above high_seq is acknowledged. */
	if (tcp_is_reno(tp) && tp->snd_una == tp->high_seq) {
		if (!tcp_any_retrans_done(sk))
			tp->retrans_stamp = 0;
		return true;
	}
	/*
	 * undo_marker stays: it tells tcp_end_cwnd_reduction() that the
	 * reduction was not undone (cwnd drops to ssthresh), and a D-SACK
	 * arriving late may still undo it from Disorder.
	 */
	tcp_set_ca_state(sk, TCP_CA_Open);
	return false;
}

/* Every retransmission of this recovery was D-SACKed (tcp_try_undo_dsack). */
static bool tcp_try_undo_dsack(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->undo_marker && !tp->undo_retrans) {
		tcp_undo_cwnd_reduction(sk, false);
		NET_INC_STATS(sock_net(sk), TCPDSACKUndo);
		return true;
	}
	return false;
}

/* After an RTO: undo when F-RTO or the timestamps prove it spurious (tcp_try_undo_loss). */
static bool tcp_try_undo_loss(struct sock *sk, bool frto_undo)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!frto_undo && !tcp_may_undo(tp))
		return false;
	tcp_undo_cwnd_reduction(sk, true);
	NET_INC_STATS(sock_net(sk), TCPLossUndo);
	tp->retransmits = 0;
	if (frto_undo)
		NET_INC_STATS(sock_net(sk), TCPSpuriousRTOs);
	if (frto_undo || tcp_is_sack(tp)) {
		tcp_set_ca_state(sk, TCP_CA_Open);
		tp->frto = 0;
	}
	return true;
}

/* A partial ACK whose timestamps show the retransmission was not needed (tcp_try_undo_partial). */
static bool tcp_try_undo_partial(struct sock *sk, uint32_t prior_snd_una)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->undo_marker && tcp_packet_delayed(tp)) {
		/*
		 * The original filled the hole, late: that is reordering, and
		 * RACK's window must learn it (reord_seen), or every delay of
		 * this kind is retransmitted again.
		 */
		tcp_check_sack_reordering(sk, prior_snd_una, true);
		/* Whatever was retransmitted keeps us in recovery until it is acked. */
		if (tp->retrans_out)
			return true;
		if (!tcp_any_retrans_done(sk))
			tp->retrans_stamp = 0;
		tcp_undo_cwnd_reduction(sk, true);
		NET_INC_STATS(sock_net(sk), TCPPartialUndo);
		tcp_try_keep_open(sk);
		return true;
	}
	return false;
}

/* ---- loss marking ------------------------------------------------------------------ */

/* NewReno (RFC 6582): the head is lost after dupthresh duplicates, or a partial ACK. */
static void tcp_newreno_mark_lost(struct sock *sk, bool snd_una_advanced)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint8_t state = tp->ca_state;
	struct sk_buff *skb;

	if ((state < TCP_CA_Recovery && tp->sacked_out >= tp->reordering) ||
	    (state == TCP_CA_Recovery && snd_una_advanced)) {
		skb = tcp_rtx_queue_head(sk);
		if (!skb || (TCP_SKB_CB(skb)->sacked & TCPCB_LOST))
			return;
		if (skb->len > tp->mss_cache)
			tcp_fragment(sk, skb, tp->mss_cache);
		tcp_mark_skb_lost(sk, skb);
	}
}

/* RACK for SACK connections, the NewReno rule without (tcp_identify_packet_loss). */
static void tcp_identify_packet_loss(struct sock *sk, int *flag)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tcp_is_reno(tp)) {
		tcp_newreno_mark_lost(sk, *flag & FLAG_SND_UNA_ADVANCED);
		return;
	}
	if (!tcp_is_rack(sk)) {
		/* tcp_recovery without RACK: RFC 6675's duplicate threshold. */
		tcp_sack_mark_lost(sk);
		return;
	}
	if (tcp_rack_mark_lost(sk))
		*flag |= FLAG_LOST_RETRANS;
}

/*
 * The RTO state (tcp_process_loss), with F-RTO (RFC 5682, SACK variant):
 * the first ACK after the RTO that advances snd_una lets new data out
 * instead of retransmissions; if the next ACK acknowledges data never
 * retransmitted without a SACK hole, the timeout was spurious and undone.
 */
static void tcp_process_loss(struct sock *sk, int flag, int num_dupack,
			     bool *rexmit)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool recovered = !before(tp->snd_una, tp->high_seq);

	if ((flag & FLAG_SND_UNA_ADVANCED || tp->frto) &&
	    tcp_try_undo_loss(sk, false))
		return;
	if (tp->frto) {
		if (after(tp->snd_nxt, tp->high_seq)) {
			/* Step 3: new data went out after the RTO. */
			if ((flag & FLAG_DATA_SACKED) || num_dupack)
				tp->frto = 0;	/* a hole: the loss was real */
			else if ((flag & FLAG_ORIG_SACK_ACKED) &&
				 tcp_try_undo_loss(sk, true))
				return;
		} else if ((flag & FLAG_SND_UNA_ADVANCED) && !recovered) {
			/* Step 2: send new data, not retransmissions. */
			tp->high_seq = tp->snd_nxt;
			if (tp->snd_cwnd < 2)
				tp->snd_cwnd = 2;
			__tcp_push_pending_frames(sk, tcp_current_mss(sk),
						  TCP_NAGLE_OFF);
			if (after(tp->snd_nxt, tp->high_seq))
				return;
			tp->frto = 0;	/* nothing new to send: F-RTO ends */
		}
	}
	if (recovered) {
		tcp_try_undo_recovery(sk);
		return;
	}
	if (tcp_is_reno(tp)) {
		if (after(tp->snd_nxt, tp->high_seq) && num_dupack)
			tcp_add_reno_sack(tp, num_dupack);
		else if (flag & FLAG_SND_UNA_ADVANCED)
			tp->sacked_out = 0;
	} else {
		tcp_identify_packet_loss(sk, &flag);
	}
	*rexmit = true;
}

static bool tcp_time_to_recover(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (tp->lost_out)
		return true;
	/* Without SACK or RACK the duplicate ACKs count (RFC 5681 3.2). */
	return (tcp_is_reno(tp) || !tcp_is_rack(sk)) &&
	       tp->sacked_out + 1 > tp->reordering;
}

/*
 * The cumulative ACK stopped on a segment the peer had SACKed: it threw
 * away out-of-order data (RFC 2018 8 allows it). Wait a little (half an
 * RTT, at least 10 ms) for the ACK that moves on; else the RTO treats
 * everything as lost (tcp_check_sack_reneging).
 */
static bool tcp_check_sack_reneging(struct sock *sk, int flag)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t delay;

	if (!(flag & FLAG_SACK_RENEGING) || !(flag & FLAG_SND_UNA_ADVANCED))
		return false;
	/* srtt_us is 8 times the RTT: >> 4 is half of it, in us; whole ms up. */
	delay = max_t(uint32_t, ((tp->srtt_us >> 4) + 999) / 1000, 10);
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, delay, TCP_RTO_MAX);
	return true;
}

/* The state machine of loss recovery (tcp_fastretrans_alert). */
static void tcp_fastretrans_alert(struct sock *sk, uint32_t prior_snd_una,
				  int num_dupack, int flag, bool *rexmit)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->packets_out && tp->sacked_out)
		tp->sacked_out = 0;
	if (tcp_check_sack_reneging(sk, flag))
		return;
	/* D-SACKs proved every retransmission of this episode spurious. */
	if ((flag & FLAG_DSACKING_ACK) && tp->ca_state == TCP_CA_Recovery &&
	    tcp_try_undo_dsack(sk))
		tcp_try_keep_open(sk);
	if (tp->ca_state != TCP_CA_Open && !before(tp->snd_una, tp->high_seq)) {
		switch (tp->ca_state) {
		case TCP_CA_CWR:
			if (tp->snd_una != tp->high_seq) {
				tcp_end_cwnd_reduction(sk);
				tcp_set_ca_state(sk, TCP_CA_Open);
			}
			break;
		case TCP_CA_Recovery:
			if (tcp_is_reno(tp))
				tp->sacked_out = 0;
			if (tcp_try_undo_recovery(sk))
				return;
			tcp_end_cwnd_reduction(sk);
			break;
		}
	}

	switch (tp->ca_state) {
	case TCP_CA_Recovery:
		if (!(flag & FLAG_SND_UNA_ADVANCED)) {
			if (tcp_is_reno(tp))
				tcp_add_reno_sack(tp, num_dupack);
		} else if (tcp_try_undo_partial(sk, prior_snd_una)) {
			return;
		}
		tcp_identify_packet_loss(sk, &flag);
		break;
	case TCP_CA_Loss:
		tcp_process_loss(sk, flag, num_dupack, rexmit);
		if (tp->ca_state != TCP_CA_Open)
			return;
		/* fallthrough */
	default:
		if (tcp_is_reno(tp)) {
			if (flag & FLAG_SND_UNA_ADVANCED)
				tp->sacked_out = 0;
			tcp_add_reno_sack(tp, num_dupack);
		}
		if (tp->ca_state == TCP_CA_Disorder)
			tcp_try_undo_dsack(sk);
		tcp_identify_packet_loss(sk, &flag);
		if (!tcp_time_to_recover(sk)) {
			tcp_try_to_open(sk);
			return;
		}
		tcp_enter_recovery(sk, false);
	}
	*rexmit = true;
}
/*
 * RFC 8985 7.4: the ACK of a tail loss probe. A D-SACK for it or a
 * duplicate ACK says the original arrived; an ACK above it without one
 * says the probe repaired a loss: reduce the window as for recovery
 * (tcp_process_tlp_ack).
 */
static void tcp_process_tlp_ack(struct sock *sk, uint32_t ack, int flag)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (before(ack, tp->tlp_high_seq))
		return;
	if (!tp->tlp_retrans) {
		tp->tlp_high_seq = 0;
	} else if (flag & FLAG_DSACKING_ACK) {
		tp->tlp_high_seq = 0;
	} else if (after(ack, tp->tlp_high_seq)) {
		tp->tlp_high_seq = 0;
		if (tp->ca_state < TCP_CA_CWR) {
			tcp_init_cwnd_reduction(sk);
			tcp_set_ca_state(sk, TCP_CA_CWR);
			tcp_end_cwnd_reduction(sk);
			tcp_try_keep_open(sk);
		}
		NET_INC_STATS(sock_net(sk), TCPLossProbeRecovery);
	} else if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP |
			     FLAG_DATA_SACKED))) {
		tp->tlp_high_seq = 0;
	}
}

/* ---- ACK processing ------------------------------------------------------------------ */

static bool tcp_may_update_window(const struct tcp_sock *tp, uint32_t ack,
				  uint32_t ack_seq, uint32_t nwin)
{
	return after(ack, tp->snd_una) || after(ack_seq, tp->snd_wl1) ||
	       (ack_seq == tp->snd_wl1 && (nwin > tp->snd_wnd || !nwin));
}

static int tcp_ack_update_window(struct sock *sk, const struct sk_buff *skb,
				 uint32_t ack, uint32_t ack_seq)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint32_t nwin = cb->window;
	int flag = 0;

	if (!(cb->tcp_flags & TCPHDR_SYN))
		nwin <<= tp->rx_opt.snd_wscale;
	if (tcp_may_update_window(tp, ack, ack_seq, nwin)) {
		flag |= FLAG_WIN_UPDATE;
		tp->snd_wl1 = ack_seq;
		if (tp->snd_wnd != nwin) {
			tp->snd_wnd = nwin;
			if (nwin > tp->max_window) {
				tp->max_window = nwin;
				tcp_sync_mss(sk, tp->pmtu_cookie);
			}
		}
	}
	tp->snd_una = ack;
	return flag;
}

/* Frees what the ACK covers; takes an RTT sample (tcp_clean_rtx_queue). */
static int tcp_clean_rtx_queue(struct sock *sk, uint32_t prior_snd_una,
			       long *seq_rtt_us, uint32_t prior_sacked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t first_ackt = 0, last_ackt = 0, reord = tp->snd_nxt;
	bool have_ackt = false;
	uint32_t pkts_acked = 0;
	struct sk_buff *skb;
	int flag = 0;

	while ((skb = tcp_rtx_queue_head(sk))) {
		struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		uint8_t sacked = cb->sacked;

		if (after(cb->end_seq, tp->snd_una))
			break;
		if (sacked & TCPCB_SACKED_RETRANS) {
			tp->retrans_out--;
			flag |= FLAG_RETRANS_DATA_ACKED;
		} else if (!(sacked & TCPCB_EVER_RETRANS)) {
			if (!have_ackt) {
				first_ackt = cb->tx_us;
				have_ackt = true;
			}
			last_ackt = cb->tx_us;
			flag |= FLAG_ORIG_SACK_ACKED;
			/* Cumulatively acked below a SACKed one, never resent: reordering. */
			if (!(sacked & TCPCB_SACKED_ACKED) && prior_sacked &&
			    before(cb->seq, reord))
				reord = cb->seq;
		}
		if (sacked & TCPCB_SACKED_ACKED) {
			tp->sacked_out--;
		} else if (tcp_is_sack(tp)) {
			tp->delivered++;
			tcp_rack_advance(tp, cb);
		}
		if (sacked & TCPCB_LOST)
			tp->lost_out--;
		tp->packets_out--;
		pkts_acked++;
		tp->bytes_acked += cb->end_seq - cb->seq;
		if (cb->tcp_flags & TCPHDR_SYN)
			flag |= FLAG_SYN_ACKED;
		else
			flag |= FLAG_DATA_ACKED;
		tcp_free_skb(sk, skb);
	}
	if (between(tp->snd_up, prior_snd_una, tp->snd_una))
		tp->snd_up = tp->snd_una;
	if (skb && (TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED))
		flag |= FLAG_SACK_RENEGING;
	if (have_ackt)
		*seq_rtt_us = (long)(uint32_t)((uint32_t)tp->tcp_mstamp - first_ackt);
	if (flag & FLAG_ACKED) {
		tcp_ack_update_rtt(sk, flag, *seq_rtt_us);
		tcp_rearm_rto(sk);
		if (tcp_is_reno(tp))
			tcp_remove_reno_sacks(tp, pkts_acked);
		else if (reord != tp->snd_nxt && prior_sacked)
			tcp_check_sack_reordering(sk, reord, false);
	} else if (pkts_acked) {
		tcp_rearm_rto(sk);
	}
	/* The congestion control's RTT: the newest segment acked (ca_rtt_us). */
	tcp_ca_pkts_acked(sk, pkts_acked,
			  have_ackt && !(flag & FLAG_RETRANS_DATA_ACKED) ?
			  (long)(uint32_t)((uint32_t)tp->tcp_mstamp - last_ackt) : -1);
	return flag;
}

/* A window opened for the probed segment: stop probing (tcp_ack_probe). */
static void tcp_ack_probe(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *head = tp->send_head;

	if (!head)
		return;
	if (!after(TCP_SKB_CB(head)->end_seq, tcp_wnd_end(tp))) {
		tp->backoff = 0;
		tp->probes_tstamp = 0;
		inet_csk_clear_xmit_timer(sk, ICSK_TIME_PROBE0);
	} else {
		uint32_t when = (uint32_t)min_t(uint64_t,
						(uint64_t)tcp_probe0_base(sk) << tp->backoff,
						TCP_RTO_MAX);

		inet_csk_reset_xmit_timer(sk, ICSK_TIME_PROBE0, when, TCP_RTO_MAX);
	}
}

static void tcp_cong_control(struct sock *sk, uint32_t ack,
			     uint32_t acked_sacked, uint32_t newly_lost,
			     int flag)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tcp_in_cwnd_reduction(tp)) {
		tcp_cwnd_reduction(sk, (int)acked_sacked, (int)newly_lost,
				   flag);
	} else if (flag & FLAG_DATA_ACKED) {
		if (tcp_is_cwnd_limited(tp))
			tp->ca_ops->cong_avoid(sk, ack, acked_sacked);
	}
}

/*
 * Wakes writers once there is room; grows the send buffer with cwnd
 * unless memory is short (tcp_new_space). Only for a writer that ran out
 * of space (SOCK_NOSPACE: tcp_check_space).
 */
static void tcp_new_space(struct sock *sk)
{
	if (!sk->sk_socket || !(sk->sk_socket->flags & SOCK_NOSPACE_BIT))
		return;
	if (tcp_should_expand_sndbuf(sk))
		tcp_sndbuf_expand(sk);
	sk->sk_write_space(sk);
}

/* Returns 1 for an acceptable ACK, 0 for an old one, -1 to drop the segment. */
static int tcp_ack(struct sock *sk, const struct sk_buff *skb, int flag)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint32_t prior_snd_una = tp->snd_una;
	uint32_t ack = cb->ack_seq, prior_packets = tp->packets_out;
	uint32_t prior_delivered = tp->delivered, prior_lost = tp->lost;
	uint32_t prior_sacked = tp->sacked_out;
	struct tcp_sacktag_state sack_state;
	long seq_rtt_us = -1;
	bool rexmit = false;
	int num_dupack = 0;

	if (before(ack, prior_snd_una)) {
		/* RFC 5961 5.2: an ACK far below the window gets a challenge. */
		if (before(ack, prior_snd_una - tp->max_window)) {
			if (!(flag & FLAG_NO_CHALLENGE_ACK))
				tcp_send_challenge_ack(sk);
			return -1;
		}
		return 0;
	}
	if (after(ack, tp->snd_nxt))
		return -1;
	if (after(ack, prior_snd_una)) {
		flag |= FLAG_SND_UNA_ADVANCED;
		tp->retransmits = 0;
	}
	if (flag & FLAG_UPDATE_TS_RECENT)
		tcp_replace_ts_recent(tp, cb->seq);
	if (cb->seq != cb->end_seq)
		flag |= FLAG_DATA;
	flag |= tcp_ack_update_window(sk, skb, ack, cb->seq);

	sk->sk_err_soft = 0;
	tp->probes_out = 0;
	tp->rcv_tstamp = tcp_jiffies32(sock_net(sk));
	/* The reordering timer and the probe are rearmed from what this ACK says. */
	if (tp->pending == ICSK_TIME_REO_TIMEOUT ||
	    tp->pending == ICSK_TIME_LOSS_PROBE)
		tcp_rearm_rto(sk);
	memset(&sack_state, 0, sizeof(sack_state));
	if (tp->rx_opt.rcv_sacks && tcp_is_sack(tp))
		flag |= tcp_sacktag_write_queue(sk, skb->data, ack, prior_snd_una,
						&sack_state);
	if (!prior_packets)
		goto no_queue;

	flag |= tcp_clean_rtx_queue(sk, prior_snd_una, &seq_rtt_us,
				    prior_sacked);
	if (tcp_is_sack(tp))
		tcp_rack_update_reo_wnd(sk, prior_delivered);
	if (tp->tlp_high_seq)
		tcp_process_tlp_ack(sk, ack, flag);
	if (!(flag & FLAG_NOT_DUP) || (flag & FLAG_CA_ALERT) ||
	    tp->ca_state != TCP_CA_Open) {
		if ((flag & FLAG_DATA_SACKED) ||
		    !(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP)))
			num_dupack = 1;
		tcp_fastretrans_alert(sk, prior_snd_una, num_dupack, flag,
				      &rexmit);
	}
	if (!tcp_any_retrans_done(sk) && tp->ca_state == TCP_CA_Open)
		tp->retrans_stamp = 0;
	tcp_cong_control(sk, ack, tp->delivered - prior_delivered,
			 tp->lost - prior_lost, flag);
	if (rexmit)
		tcp_xmit_retransmit_queue(sk);
	if (flag & FLAG_ACKED)
		tcp_new_space(sk);
	if ((flag & FLAG_SND_UNA_ADVANCED) && tp->pending == ICSK_TIME_RETRANS)
		tcp_schedule_loss_probe(sk, true);
	return 1;

no_queue:
	tcp_ack_probe(sk);
	return 1;
}

/* ---- resets and FIN --------------------------------------------------------------------- */

void tcp_reset(struct sock *sk)
{
	int err;

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		err = ECONNREFUSED;
		break;
	case TCP_CLOSE_WAIT:
		err = EPIPE;
		break;
	case TCP_CLOSE:
		return;
	default:
		err = ECONNRESET;
		break;
	}
	sk->sk_err = err;
	sk->sk_error_report(sk);
	tcp_write_queue_purge(sk);
	tcp_done(sk);
}

static void tcp_fin(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	inet_csk_schedule_ack(tp);
	sk->sk_shutdown |= RCV_SHUTDOWN;
	sock_set_flag(sk, SOCK_DONE);
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		tcp_set_state(sk, TCP_CLOSE_WAIT);
		tp->ack.pingpong = TCP_PINGPONG_THRESH;
		break;
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		break;
	case TCP_FIN_WAIT1:
		/* Simultaneous close. */
		tcp_send_ack(sk);
		tcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		tcp_send_ack(sk);
		tcp_time_wait(sk, TCP_TIME_WAIT, 0);
		break;
	default:
		break;
	}
	/* Out-of-order data after a FIN is dropped. */
	skb_queue_purge(&tp->out_of_order_queue);
	tp->ofo_bytes = 0;
	tp->rx_opt.num_sacks = 0;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
}

/* ---- the receive queues ---------------------------------------------------------------------- */

static bool tcp_epollin_ready(const struct sock *sk, int target)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	int avail = (int)(tp->rcv_nxt - tp->copied_seq);

	if (avail <= 0)
		return false;
	return avail >= target ||
	       tcp_receive_window(tp) <= tp->ack.rcv_mss;
}

static void tcp_data_ready(struct sock *sk)
{
	if (tcp_epollin_ready(sk, sk->sk_rcvlowat) || sock_flag(sk, SOCK_DONE))
		sk->sk_data_ready(sk);
}

/* Appends in-order data; small segments go into the tail's room (tcp_try_coalesce). */
static void tcp_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_receive_queue);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);

	tp->rcv_nxt = cb->end_seq;
	if (tail && skb->len && skb->len <= skb_tailroom(tail) &&
	    !skb_cloned(tail) && TCP_SKB_CB(tail)->end_seq == cb->seq &&
	    !(TCP_SKB_CB(tail)->tcp_flags & TCPHDR_FIN)) {
		skb_put_data(tail, skb->data, skb->len);
		TCP_SKB_CB(tail)->end_seq = cb->end_seq;
		TCP_SKB_CB(tail)->tcp_flags |= cb->tcp_flags;
		consume_skb(skb);
		return;
	}
	skb->dev = NULL;
	/* From the out-of-order queue it is charged already. */
	if (!skb_owned_r(skb, sk))
		skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
}

/* Moves what became in order from the out-of-order queue (tcp_ofo_queue). */
static void tcp_ofo_queue(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_peek(&tp->out_of_order_queue))) {
		struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
		bool fin;

		if (after(cb->seq, tp->rcv_nxt))
			break;
		__skb_unlink(skb, &tp->out_of_order_queue);
		tp->ofo_bytes -= skb->truesize;
		if (!after(cb->end_seq, tp->rcv_nxt)) {
			kfree_skb_reason(skb, SKB_DROP_REASON_TCP_INVALID_SEQUENCE);
			continue;
		}
		if (before(cb->seq, tp->rcv_nxt)) {
			skb_pull(skb, tp->rcv_nxt - cb->seq);
			cb->seq = tp->rcv_nxt;
		}
		fin = cb->tcp_flags & TCPHDR_FIN;
		tcp_queue_rcv(sk, skb);
		if (fin) {
			tcp_fin(sk);
			break;
		}
	}
}

/* Keeps the out-of-order queue sorted and free of overlaps (tcp_data_queue_ofo). */
static void tcp_data_queue_ofo(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff_head *q = &tp->out_of_order_queue;
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	struct sk_buff *prev, *next;
	int drop = tcp_try_rmem_schedule(sk, skb, skb->truesize);

	if (drop) {
		NET_INC_STATS(sock_net(sk), TCPOFODrop);
		sk->sk_data_ready(sk);
		kfree_skb_reason(skb, (enum skb_drop_reason)drop);
		return;
	}
	NET_INC_STATS(sock_net(sk), TCPOFOQueue);
	inet_csk_schedule_ack(tp);
	/* From the tail: segments usually arrive in order after a hole. */
	for (prev = skb_peek_tail(q); prev; prev = prev->prev == (struct sk_buff *)q ?
					    NULL : prev->prev) {
		if (!after(TCP_SKB_CB(prev)->seq, cb->seq))
			break;
	}
	if (prev) {
		struct tcp_skb_cb *pcb = TCP_SKB_CB(prev);

		if (!after(cb->end_seq, pcb->end_seq)) {
			/* All of it is queued already. */
			tcp_dsack_set(sk, cb->seq, cb->end_seq);
			NET_INC_STATS(sock_net(sk), TCPOFOMerge);
			kfree_skb_reason(skb, SKB_DROP_REASON_TCP_INVALID_SEQUENCE);
			return;
		}
		if (before(cb->seq, pcb->end_seq)) {
			tcp_dsack_set(sk, cb->seq, pcb->end_seq);
			skb_pull(skb, pcb->end_seq - cb->seq);
			cb->seq = pcb->end_seq;
		}
	}
	/* Later segments the new one covers go. */
	for (;;) {
		next = prev ? skb_next_in(q, prev) : skb_peek(q);
		if (!next || !after(cb->end_seq, TCP_SKB_CB(next)->seq))
			break;
		if (before(cb->end_seq, TCP_SKB_CB(next)->end_seq)) {
			/* Partial overlap: keep the queued one, cut ours. */
			tcp_dsack_extend(sk, TCP_SKB_CB(next)->seq, cb->end_seq);
			if (!(cb->tcp_flags & TCPHDR_FIN)) {
				skb_trim(skb, skb->len - (cb->end_seq -
						TCP_SKB_CB(next)->seq));
				cb->end_seq = TCP_SKB_CB(next)->seq;
			}
			break;
		}
		__skb_unlink(next, q);
		tp->ofo_bytes -= next->truesize;
		tcp_dsack_extend(sk, TCP_SKB_CB(next)->seq, TCP_SKB_CB(next)->end_seq);
		NET_INC_STATS(sock_net(sk), TCPOFOMerge);
		kfree_skb_reason(next, SKB_DROP_REASON_TCP_INVALID_SEQUENCE);
	}
	skb->dev = NULL;
	skb_set_owner_r(skb, sk);
	tp->ofo_bytes += skb->truesize;
	tcp_sack_new_ofo_skb(sk, cb->seq, cb->end_seq);
	if (prev)
		__skb_insert(skb, prev, prev->next, q);
	else
		__skb_queue_head(q, skb);
}

static void tcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	unsigned int doff = tcp_doff(skb->data);
	enum skb_drop_reason reason = SKB_DROP_REASON_TCP_INVALID_SEQUENCE;

	if (cb->seq == cb->end_seq) {
		consume_skb(skb);
		return;
	}
	skb_pull(skb, doff);
	/* The SYN's sequence number is not data. */
	if (cb->tcp_flags & TCPHDR_SYN) {
		cb->tcp_flags &= (uint8_t)~TCPHDR_SYN;
		cb->seq++;
	}
	tp->data_segs_in++;

	if (cb->seq == tp->rcv_nxt) {
		if (!tcp_receive_window(tp)) {
			if (!skb->len && (cb->tcp_flags & TCPHDR_FIN))
				goto queue_and_out;
			NET_INC_STATS(sock_net(sk), TCPZeroWindowDrop);
			goto out_of_window;
		}
queue_and_out:
		/* The first buffer of an empty queue always goes in. */
		if (!skb_queue_len(&sk->sk_receive_queue) || !skb->len) {
			sk_forced_mem_schedule(sk, (int)skb->truesize);
		} else {
			int drop = tcp_try_rmem_schedule(sk, skb, skb->truesize);

			if (drop) {
				tp->ack.pending |= ICSK_ACK_NOW;
				inet_csk_schedule_ack(tp);
				sk->sk_data_ready(sk);
				NET_INC_STATS(sock_net(sk), TCPRcvQDrop);
				reason = (enum skb_drop_reason)drop;
				goto drop;
			}
		}
		{
			bool fin = cb->tcp_flags & TCPHDR_FIN;

			tp->bytes_received += skb->len;
			if (skb->len)
				tcp_event_data_recv(sk, skb);
			tcp_queue_rcv(sk, skb);
			if (fin)
				tcp_fin(sk);
		}
		if (!skb_queue_empty(&tp->out_of_order_queue)) {
			tcp_ofo_queue(sk);
			/* RFC 5681 4.2: an immediate ACK when a hole fills. */
			if (skb_queue_empty(&tp->out_of_order_queue))
				tp->ack.pending |= ICSK_ACK_NOW;
		}
		if (tp->rx_opt.num_sacks)
			tcp_sack_remove(tp);
		if (!sock_flag(sk, SOCK_DEAD))
			tcp_data_ready(sk);
		return;
	}

	if (!after(cb->end_seq, tp->rcv_nxt)) {
		/* A retransmission of what we have: acknowledge at once, D-SACK it. */
		NET_INC_STATS(sock_net(sk), DelayedACKLost);
		tcp_dsack_set(sk, cb->seq, cb->end_seq);
out_of_window:
		tcp_enter_quickack_mode(sk, TCP_MAX_QUICKACKS);
		inet_csk_schedule_ack(tp);
drop:
		kfree_skb_reason(skb, reason);
		return;
	}
	/* Beyond the window (a zero-window probe, say). */
	if (!before(cb->seq, tp->rcv_nxt + tcp_receive_window(tp)))
		goto out_of_window;
	if (before(cb->seq, tp->rcv_nxt)) {
		/* Partly old: keep the new part. */
		if (!tcp_receive_window(tp)) {
			NET_INC_STATS(sock_net(sk), TCPZeroWindowDrop);
			goto out_of_window;
		}
		tcp_dsack_set(sk, cb->seq, tp->rcv_nxt);
		skb_pull(skb, tp->rcv_nxt - cb->seq);
		cb->seq = tp->rcv_nxt;
		goto queue_and_out;
	}
	tcp_data_queue_ofo(sk, skb);
}

/* ---- SYN_SENT ------------------------------------------------------------------------------- */

void tcp_init_transfer(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int maxwin;

	/*
	 * tcp_init_metrics without a metrics cache: no RTT sample from the
	 * handshake (its SYN or SYN-ACK was retransmitted, no timestamps)
	 * means the 1 s initial RTO may be too short: start from 3 s.
	 */
	if (!tp->srtt_us) {
		tp->rttvar_us = TCP_TIMEOUT_FALLBACK * 1000u;
		tp->mdev_us = tp->mdev_max_us = tp->rttvar_us;
		tp->rto = TCP_TIMEOUT_FALLBACK;
	}
	if (tp->total_retrans > 1 && tp->undo_marker)
		tp->snd_cwnd = 1;
	else
		tp->snd_cwnd = TCP_INIT_CWND;
	tcp_init_congestion_control(sk);
	tcp_sack_reset(tp);
	tcp_sndbuf_expand(sk);
	/* tcp_init_buffer_space */
	maxwin = tcp_full_space(sk);
	if (tp->window_clamp >= (uint32_t)maxwin)
		tp->window_clamp = (uint32_t)maxwin;
	tp->rcv_ssthresh = min_t(uint32_t, tp->rcv_ssthresh, tp->window_clamp);
	tcp_mstamp_refresh(tp);
	tp->rcvq_space.space = min_t(uint32_t, tp->rcv_ssthresh, tp->rcv_wnd);
	tp->rcvq_space.space = min_t(uint32_t, tp->rcvq_space.space,
				     TCP_INIT_CWND * (uint32_t)tp->advmss);
	tp->rcvq_space.seq = tp->copied_seq;
	tp->rcvq_space.time = tp->tcp_mstamp;
}

static void tcp_finish_connect(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tcp_set_state(sk, TCP_ESTABLISHED);
	tp->ack.lrcvtime = tcp_jiffies32(sock_net(sk));
	tcp_init_transfer(sk);
	tp->lsndtime = tcp_jiffies32(sock_net(sk));
	if (sock_flag(sk, SOCK_KEEPOPEN))
		inet_csk_reset_keepalive_timer(sk, keepalive_time_when(tp));
}

/* Our SYN is out: a SYN-ACK, a crossing SYN, or a RST (tcp_rcv_synsent_state_process). */
static int tcp_rcv_synsent_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	const uint8_t *th = skb->data;
	uint8_t flags = cb->tcp_flags;
	uint16_t saved_clamp = tp->rx_opt.mss_clamp;

	tcp_parse_options(sock_net(sk), th, tcp_doff(th), &tp->rx_opt, false);
	if (tp->rx_opt.saw_tstamp && tp->rx_opt.rcv_tsecr)
		tp->rx_opt.rcv_tsecr -= tp->tsoffset;

	if (flags & TCPHDR_ACK) {
		/* RFC 9293 3.10.7.3: an ACK of nothing we sent gets a RST. */
		if (!after(cb->ack_seq, tp->snd_una) ||
		    after(cb->ack_seq, tp->snd_nxt)) {
			/*
			 * Our SYN may have met an old FIN or RST of the
			 * previous connection and been ignored: unless it
			 * was already retransmitted, send it again shortly.
			 */
			if (!tp->retransmits)
				inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
							  TCP_TIMEOUT_MIN,
							  TCP_RTO_MAX);
			goto reset_and_undo;
		}
		if (tp->rx_opt.saw_tstamp && tp->rx_opt.rcv_tsecr &&
		    !between(tp->rx_opt.rcv_tsecr, tp->retrans_stamp,
			     tcp_time_stamp_ts(tp)))
			goto reset_and_undo;
		if (flags & TCPHDR_RST) {
			tcp_reset(sk);
			consume_skb(skb);
			return 0;
		}
		if (!(flags & TCPHDR_SYN))
			goto discard_and_undo;

		tp->snd_wl1 = cb->seq;
		tcp_ack(sk, skb, 0);
		tp->rcv_nxt = cb->seq + 1;
		tp->rcv_wup = cb->seq + 1;
		/* RFC 7323: the window of a SYN is never scaled. */
		tp->snd_wnd = cb->window;
		if (!tp->rx_opt.wscale_ok) {
			tp->rx_opt.snd_wscale = 0;
			tp->rx_opt.rcv_wscale = 0;
			tp->window_clamp = min_t(uint32_t, tp->window_clamp, 65535);
		}
		if (tp->rx_opt.saw_tstamp) {
			tp->rx_opt.tstamp_ok = 1;
			tp->tcp_header_len = TCP_HLEN + TCPOLEN_TSTAMP_ALIGNED;
			tp->advmss -= TCPOLEN_TSTAMP_ALIGNED;
			tcp_store_ts_recent(tp);
		} else {
			tp->tcp_header_len = TCP_HLEN;
		}
		tcp_sync_mss(sk, tp->pmtu_cookie);
		tcp_initialize_rcv_mss(sk);
		tp->copied_seq = tp->rcv_nxt;
		tcp_finish_connect(sk);
		if (!sock_flag(sk, SOCK_DEAD))
			sk->sk_state_change(sk);
		tcp_send_ack(sk);
		consume_skb(skb);
		tcp_push_pending_frames(sk);
		return 0;
	}

	if (flags & TCPHDR_RST)
		goto discard_and_undo;
	if (tp->rx_opt.ts_recent_stamp && tp->rx_opt.saw_tstamp &&
	    !tcp_paws_check(&tp->rx_opt, 0, get_seconds32(sock_net(sk))))
		goto discard_and_undo;
	if (flags & TCPHDR_SYN) {
		/* Crossed SYNs: simultaneous open (or a connect to ourselves). */
		struct sk_buff *syn = tcp_rtx_queue_head(sk);

		tcp_set_state(sk, TCP_SYN_RECV);
		if (tp->rx_opt.saw_tstamp) {
			tp->rx_opt.tstamp_ok = 1;
			tcp_store_ts_recent(tp);
			tp->tcp_header_len = TCP_HLEN + TCPOLEN_TSTAMP_ALIGNED;
		} else {
			tp->tcp_header_len = TCP_HLEN;
		}
		if (!tp->rx_opt.wscale_ok) {
			tp->rx_opt.snd_wscale = 0;
			tp->rx_opt.rcv_wscale = 0;
		}
		tp->rcv_nxt = cb->seq + 1;
		tp->copied_seq = tp->rcv_nxt;
		tp->rcv_wup = cb->seq + 1;
		tp->snd_wnd = cb->window;
		tp->snd_wl1 = cb->seq;
		tp->max_window = tp->snd_wnd;
		tcp_sync_mss(sk, tp->pmtu_cookie);
		tcp_initialize_rcv_mss(sk);
		/* The queued SYN becomes a SYN-ACK (tcp_send_synack). */
		if (syn) {
			TCP_SKB_CB(syn)->tcp_flags |= TCPHDR_ACK;
			tcp_mstamp_refresh(tp);
			tcp_transmit_skb(sk, syn, true);
		}
	}
discard_and_undo:
	tp->rx_opt.saw_tstamp = 0;
	tp->rx_opt.mss_clamp = saved_clamp;
	kfree_skb_reason(skb, SKB_DROP_REASON_TCP_FLAGS);
	return 0;
reset_and_undo:
	tp->rx_opt.saw_tstamp = 0;
	tp->rx_opt.mss_clamp = saved_clamp;
	return 1;
}

/* ---- synchronized states ---------------------------------------------------------------------- */

/* An old duplicate ACK PAWS should not reject (tcp_disordered_ack). */
static bool tcp_disordered_ack(const struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint32_t seq = cb->seq, ack = cb->ack_seq;

	return (cb->tcp_flags & TCPHDR_ACK) && seq == cb->end_seq &&
	       seq == tp->rcv_nxt && ack == tp->snd_una &&
	       !tcp_may_update_window(tp, ack, seq,
				      (uint32_t)cb->window << tp->rx_opt.snd_wscale) &&
	       (int32_t)(tp->rx_opt.ts_recent - tp->rx_opt.rcv_tsval) <=
	       (int32_t)(tp->rto * 1024 / HZ);
}

static bool tcp_paws_discard(const struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return !tcp_paws_check(&tp->rx_opt, TCP_PAWS_WINDOW,
			       get_seconds32(sock_net(sk))) &&
	       !tcp_disordered_ack(sk, skb);
}

static bool tcp_sequence(const struct tcp_sock *tp, uint32_t seq,
			 uint32_t end_seq)
{
	return !before(end_seq, tp->rcv_wup) &&
	       !after(seq, tp->rcv_nxt + tcp_receive_window(tp));
}

/* A RST one below rcv_nxt after the peer's FIN (tcp_reset_check). */
static bool tcp_reset_check(const struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return TCP_SKB_CB(skb)->seq == tp->rcv_nxt - 1 &&
	       ((1u << sk->sk_state) &
		(TCPF_CLOSE_WAIT | TCPF_LAST_ACK | TCPF_CLOSING));
}

/* PAWS, the sequence check, RST and SYN per RFC 5961; consumes what fails. */
static bool tcp_validate_incoming(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct usn_net *net = sock_net(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint8_t flags = cb->tcp_flags;

	if (tp->rx_opt.saw_tstamp && tcp_paws_discard(sk, skb)) {
		if (!(flags & TCPHDR_RST)) {
			if (flags & TCPHDR_SYN)
				goto syn_challenge;
			NET_INC_STATS(net, PAWSEstab);
			if (!tcp_oow_rate_limited(net, skb, LINUX_MIB_TCPACKSkippedPAWS,
						  &tp->last_oow_ack_time))
				tcp_send_dupack(sk, skb);
			goto discard;
		}
	}
	if (!tcp_sequence(tp, cb->seq, cb->end_seq)) {
		if (!(flags & TCPHDR_RST)) {
			if (flags & TCPHDR_SYN)
				goto syn_challenge;
			if (!tcp_oow_rate_limited(net, skb, LINUX_MIB_TCPACKSkippedSeq,
						  &tp->last_oow_ack_time))
				tcp_send_dupack(sk, skb);
		} else if (tcp_reset_check(sk, skb)) {
			goto reset;
		}
		goto discard;
	}
	if (flags & TCPHDR_RST) {
		/* RFC 5961 3.2: only the exact sequence number resets. */
		if (cb->seq == tp->rcv_nxt || tcp_reset_check(sk, skb))
			goto reset;
		tcp_send_challenge_ack(sk);
		goto discard;
	}
	if (flags & TCPHDR_SYN) {
		if (sk->sk_state == TCP_SYN_RECV && sk->sk_socket &&
		    (flags & TCPHDR_ACK) && cb->seq + 1 == cb->end_seq &&
		    cb->seq + 1 == tp->rcv_nxt && cb->ack_seq == tp->snd_nxt)
			return true;
syn_challenge:
		TCP_INC_STATS(net, InErrs);
		NET_INC_STATS(net, TCPSYNChallenge);
		tcp_send_challenge_ack(sk);
		goto discard;
	}
	return true;

discard:
	kfree_skb_reason(skb, SKB_DROP_REASON_TCP_INVALID_SEQUENCE);
	return false;
reset:
	tcp_reset(sk);
	consume_skb(skb);
	return false;
}

static void tcp_data_snd_check(struct sock *sk)
{
	tcp_push_pending_frames(sk);
}

int tcp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint8_t flags = cb->tcp_flags;
	const uint8_t *th = skb->data;
	int acceptable;

	tcp_mstamp_refresh(tp);
	tp->segs_in++;
	switch (sk->sk_state) {
	case TCP_CLOSE:
		kfree_skb_reason(skb, SKB_DROP_REASON_TCP_FLAGS);
		return 0;
	case TCP_SYN_SENT:
		return tcp_rcv_synsent_state_process(sk, skb);
	default:
		break;
	}

	tcp_parse_options(sock_net(sk), th, tcp_doff(th), &tp->rx_opt, true);
	if (tp->rx_opt.saw_tstamp && tp->rx_opt.rcv_tsecr)
		tp->rx_opt.rcv_tsecr -= tp->tsoffset;
	if (!tcp_validate_incoming(sk, skb))
		return 0;
	if (!(flags & TCPHDR_ACK)) {
		kfree_skb_reason(skb, SKB_DROP_REASON_TCP_FLAGS);
		return 0;
	}

	acceptable = tcp_ack(sk, skb, FLAG_UPDATE_TS_RECENT |
					 FLAG_NO_CHALLENGE_ACK) > 0;
	if (!acceptable) {
		if (sk->sk_state == TCP_SYN_RECV)
			return 1;
		tcp_send_challenge_ack(sk);
		kfree_skb_reason(skb, SKB_DROP_REASON_TCP_INVALID_SEQUENCE);
		return 0;
	}

	switch (sk->sk_state) {
	case TCP_SYN_RECV:
		tp->retrans_stamp = 0;
		tcp_set_state(sk, TCP_ESTABLISHED);
		sk->sk_state_change(sk);
		tp->snd_una = cb->ack_seq;
		tp->snd_wnd = (uint32_t)cb->window << tp->rx_opt.snd_wscale;
		tp->snd_wl1 = cb->seq;
		if (tp->rx_opt.tstamp_ok && !tp->parent)
			tp->advmss -= TCPOLEN_TSTAMP_ALIGNED;
		tp->lsndtime = tcp_jiffies32(sock_net(sk));
		tcp_initialize_rcv_mss(sk);
		tp->copied_seq = tp->rcv_nxt;
		if (!tp->parent)
			tcp_init_transfer(sk);
		if (sock_flag(sk, SOCK_KEEPOPEN))
			inet_csk_reset_keepalive_timer(sk, keepalive_time_when(tp));
		break;
	case TCP_FIN_WAIT1: {
		uint32_t tmo;

		if (tp->snd_una != tp->write_seq)
			break;
		tcp_set_state(sk, TCP_FIN_WAIT2);
		sk->sk_shutdown |= SEND_SHUTDOWN;
		if (!sock_flag(sk, SOCK_DEAD)) {
			sk->sk_state_change(sk);
			break;
		}
		if (tp->linger2 < 0) {
			tcp_done(sk);
			NET_INC_STATS(sock_net(sk), TCPAbortOnData);
			return 1;
		}
		if (cb->end_seq != cb->seq &&
		    after(cb->end_seq - !!(flags & TCPHDR_FIN), tp->rcv_nxt)) {
			/* Data after close(): the peer gets a RST. */
			tcp_done(sk);
			NET_INC_STATS(sock_net(sk), TCPAbortOnData);
			return 1;
		}
		tmo = tcp_fin_time(sk);
		if (tmo > TCP_TIMEWAIT_LEN) {
			inet_csk_reset_keepalive_timer(sk, tmo - TCP_TIMEWAIT_LEN);
		} else if (flags & TCPHDR_FIN) {
			inet_csk_reset_keepalive_timer(sk, tmo);
		} else {
			tcp_time_wait(sk, TCP_FIN_WAIT2, tmo);
			consume_skb(skb);
			return 0;
		}
		break;
	}
	case TCP_CLOSING:
		if (tp->snd_una == tp->write_seq) {
			tcp_time_wait(sk, TCP_TIME_WAIT, 0);
			consume_skb(skb);
			return 0;
		}
		break;
	case TCP_LAST_ACK:
		if (tp->snd_una == tp->write_seq) {
			tcp_done(sk);
			consume_skb(skb);
			return 0;
		}
		break;
	}

	/* RFC 9293 3.10.7.4, sixth: the URG bit. */
	tcp_urg(sk, skb);

	switch (sk->sk_state) {
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		if (!before(cb->seq, tp->rcv_nxt)) {
			consume_skb(skb);
			goto out;
		}
		/* fallthrough */
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
		/* RFC 1122 4.2.2.13: data after our receive side closed: reset. */
		if ((sk->sk_shutdown & RCV_SHUTDOWN) && cb->end_seq != cb->seq &&
		    after(cb->end_seq - !!(flags & TCPHDR_FIN), tp->rcv_nxt)) {
			NET_INC_STATS(sock_net(sk), TCPAbortOnData);
			tcp_reset(sk);
			return 1;
		}
		/* fallthrough */
	case TCP_ESTABLISHED:
		tcp_rcv_rtt_measure_ts(sk, skb);
		tcp_data_queue(sk, skb);
		break;
	default:
		consume_skb(skb);
		break;
	}
out:
	if (sk->sk_state != TCP_CLOSE) {
		tcp_data_snd_check(sk);
		tcp_ack_snd_check(sk);
	}
	return 0;
}
