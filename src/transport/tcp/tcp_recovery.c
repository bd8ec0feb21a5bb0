/* SPDX-License-Identifier: MIT */
/*
 * tcp_recovery.c - RACK loss detection (RFC 8985), after
 * net/ipv4/tcp_recovery.c: a segment is lost when a segment sent after it
 * was delivered more than an RTT plus a reordering window ago. The window
 * is a quarter of the minimum RTT once reordering was seen (0 before,
 * during recovery or with enough SACKed segments to pass the duplicate
 * threshold), grows by a step per recovery that a D-SACK proved
 * spurious, and is bounded by SRTT. Segments not yet overdue arm the
 * reordering timer.
 *
 * Times are the tcp clock in microseconds modulo 2^32 (tx_us in the
 * control block), compared by signed difference.
 */
#include "transport/tcp/tcp_var.h"

#define TCP_RACK_RECOVERY_THRESH	16	/* recoveries a widened window lasts */

/*
 * The minimum RTT over the last tcp_min_rtt_wlen seconds
 * (tcp_update_rtt_min): a path that got longer is learnt once the window
 * has passed, where an all-time minimum would keep the old one.
 */
void tcp_update_rtt_min(struct sock *sk, uint32_t rtt_us)
{
	struct usn_net *net = sock_net(sk);
	uint32_t wlen = (uint32_t)net->sysctl.tcp_min_rtt_wlen * HZ;

	minmax_running_min(&tcp_sk(sk)->rtt_min, wlen, tcp_jiffies32(net),
			   rtt_us ? rtt_us : 1000000u / HZ);
}

/*
 * A segment (sent at @xmit_us) was delivered: it becomes RACK's reference
 * if it went out later than the current one (tcp_rack_advance). An RTT
 * shorter than the minimum on a retransmitted segment means the original
 * was delivered: it is no sample.
 */
void tcp_rack_advance(struct tcp_sock *tp, const struct tcp_skb_cb *cb)
{
	uint32_t xmit_us = cb->tx_us, rtt_us = (uint32_t)tp->tcp_mstamp - xmit_us;

	if ((cb->sacked & TCPCB_EVER_RETRANS) && tcp_min_rtt(tp) &&
	    rtt_us < tcp_min_rtt(tp))
		return;
	tp->rack.advanced = 1;
	tp->rack.rtt_us = rtt_us;
	if (tcp_skb_sent_after(xmit_us, tp->rack.mstamp, cb->tx_order,
			       tp->rack.tx_order)) {
		tp->rack.mstamp = xmit_us;
		tp->rack.end_seq = cb->end_seq;
		tp->rack.tx_order = cb->tx_order;
	}
}

static uint32_t tcp_rack_reo_wnd(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint32_t wnd;

	if (!tp->reord_seen) {
		/* No reordering seen: the duplicate threshold decides at once. */
		if (tp->ca_state >= TCP_CA_Recovery)
			return 0;
		if (tp->sacked_out >= tp->reordering &&
		    !(sock_net(sk)->sysctl.tcp_recovery & TCP_RACK_NO_DUPTHRESH))
			return 0;
	}
	wnd = (tcp_min_rtt(tp) >> 2) * (tp->rack.reo_wnd_steps ?
				       tp->rack.reo_wnd_steps : 1);
	return wnd < (tp->srtt_us >> 3) ? wnd : tp->srtt_us >> 3;
}

/*
 * Marks lost what RACK says is lost; *@reo_timeout gets the longest
 * time (us) still to wait for a segment not yet overdue
 * (tcp_rack_detect_loss). The walk follows tsorted_sent_queue, the
 * segments in flight in the order they were last sent, and stops at the
 * first one sent after the most recently delivered: per ACK it costs the
 * segments it judges, not the window.
 */
static void tcp_rack_detect_loss(struct sock *sk, uint32_t *reo_timeout)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t reo_wnd = tcp_rack_reo_wnd(sk), now = (uint32_t)tp->tcp_mstamp;
	struct list_head *pos, *n, *head = &tp->tsorted_sent_queue;

	*reo_timeout = 0;
	if (!head->next)
		return;
	for (pos = head->next, n = pos->next; pos != head;
	     pos = n, n = pos->next) {
		struct tcp_skb_cb *cb = container_of(pos, struct tcp_skb_cb,
						     tsorted_anchor);
		struct sk_buff *skb = container_of((void *)cb, struct sk_buff,
						   cb);
		int32_t remaining;

		/* Lost (by an RTO) and waiting for its retransmission. */
		if ((cb->sacked & TCPCB_LOST) &&
		    !(cb->sacked & TCPCB_SACKED_RETRANS))
			continue;
		if (!tcp_skb_sent_after(tp->rack.mstamp, cb->tx_us,
					tp->rack.tx_order, cb->tx_order))
			break;
		remaining = (int32_t)(tp->rack.rtt_us + reo_wnd -
				      (now - cb->tx_us));
		if (remaining <= 0) {
			if (cb->sacked & TCPCB_SACKED_RETRANS)
				NET_INC_STATS(sock_net(sk), TCPLostRetransmit);
			tcp_mark_skb_lost(sk, skb);
			tcp_tsorted_del(skb);	/* back when retransmitted */
		} else if ((uint32_t)remaining > *reo_timeout) {
			*reo_timeout = (uint32_t)remaining;
		}
	}
}

/* us to jiffies, up, plus Linux's TCP_TIMEOUT_MIN of slack (2 jiffies). */
static uint32_t tcp_rack_timeout_jiffies(uint32_t us)
{
	return (us + 1000000u / HZ - 1) / (1000000u / HZ) + 2;
}

/* Returns true if it marked anything lost; arms the reordering timer. */
bool tcp_rack_mark_lost(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t prior_lost = tp->lost_out, timeout;

	if (!tp->rack.advanced)
		return false;
	tp->rack.advanced = 0;
	tcp_rack_detect_loss(sk, &timeout);
	if (timeout)
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_REO_TIMEOUT,
					  tcp_rack_timeout_jiffies(timeout),
					  tp->rto);
	return tp->lost_out > prior_lost;
}

/*
 * The reordering timer: what was waiting is overdue now
 * (tcp_rack_reo_timeout). Recovery starts if it had not, with PRR's
 * first step taken at once (one delivery's worth: the retransmission);
 * the RTO is armed again.
 */
void tcp_rack_reo_timeout(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t prior_inflight = tcp_packets_in_flight(tp), timeout;
	uint32_t lost = tp->lost;

	tcp_rack_detect_loss(sk, &timeout);
	if (prior_inflight != tcp_packets_in_flight(tp)) {
		if (tp->ca_state != TCP_CA_Recovery) {
			tcp_enter_recovery(sk, false);
			tcp_cwnd_reduction(sk, 1, (int)(tp->lost - lost), 0);
		}
		tcp_xmit_retransmit_queue(sk);
	}
	if (tp->pending != ICSK_TIME_RETRANS && tp->packets_out)
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, tp->rto,
					  TCP_RTO_MAX);
}

/*
 * RFC 8985 7.2: a D-SACK since the last change widens the window by a
 * step (at most once a round trip); it falls back after 16 recoveries
 * (tcp_rack_update_reo_wnd).
 */
void tcp_rack_update_reo_wnd(struct sock *sk, uint32_t prior_delivered)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (sock_net(sk)->sysctl.tcp_recovery & TCP_RACK_STATIC_REO_WND)
		return;
	/* A D-SACK within a round trip of the last change counts once. */
	if ((int32_t)(prior_delivered - tp->rack.last_delivered) < 0)
		tp->rack.dsack_seen = 0;
	if (tp->rack.dsack_seen) {
		tp->rack.dsack_seen = 0;
		if (!tp->rack.reo_wnd_steps)
			tp->rack.reo_wnd_steps = 1;
		if (tp->rack.reo_wnd_steps < 255)
			tp->rack.reo_wnd_steps++;
		tp->rack.last_delivered = tp->delivered;
		tp->rack.reo_wnd_persist = TCP_RACK_RECOVERY_THRESH;
	} else if (!tp->rack.reo_wnd_persist) {
		tp->rack.reo_wnd_steps = 1;
	}
}

/* ---- tail loss probe (RFC 8985 7) ---------------------------------------------- */

/*
 * Arms the probe timeout (PTO) instead of the RTO when the connection is
 * open and has data out: two SRTTs, plus the peer's delayed-ACK time when
 * a single segment is out, never later than the RTO
 * (tcp_schedule_loss_probe).
 */
bool tcp_schedule_loss_probe(struct sock *sk, bool advancing_rto)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t timeout;

	(void)advancing_rto;
	if (tp->tlp_high_seq || !tp->packets_out || !tcp_is_sack(tp) ||
	    (tp->ca_state != TCP_CA_Open && tp->ca_state != TCP_CA_CWR) ||
	    !((1u << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		return false;
	if (tp->srtt_us) {
		timeout = ((tp->srtt_us >> 2) + 999) / 1000u;
		timeout += tp->packets_out == 1 ? TCP_RTO_MIN : 2u;
	} else {
		timeout = TCP_TIMEOUT_INIT;
	}
	if (timeout > tp->rto)
		timeout = tp->rto;
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_LOSS_PROBE, timeout, TCP_RTO_MAX);
	return true;
}

/*
 * The PTO fired: send one new segment if the window allows, else
 * retransmit the last one, so the peer's ACK (with SACK) reveals a tail
 * loss without waiting for the RTO (tcp_send_loss_probe).
 */
void tcp_send_loss_probe(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int mss = tcp_current_mss(sk);
	struct sk_buff *skb, *head = tp->send_head;

	if (head && !after(TCP_SKB_CB(head)->end_seq, tcp_wnd_end(tp))) {
		uint32_t cwnd = tp->snd_cwnd, nxt = tp->snd_nxt;

		/* The probe goes out whatever cwnd says: just this one. */
		tp->snd_cwnd = tcp_packets_in_flight(tp) + 1;
		tcp_write_xmit(sk, mss, TCP_NAGLE_OFF);
		tp->snd_cwnd = cwnd;
		if (after(tp->snd_nxt, nxt)) {
			tp->tlp_retrans = 0;
			goto probe_sent;
		}
	}
	if (tp->tlp_high_seq)
		goto rearm_timer;
	skb = head ? head->prev : skb_peek_tail(&sk->sk_write_queue);
	if (!skb || skb == (struct sk_buff *)&sk->sk_write_queue ||
	    !before(TCP_SKB_CB(skb)->seq, tp->snd_nxt))
		goto rearm_timer;
	if (TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED)
		goto rearm_timer;
	if (skb->len > mss && tcp_fragment(sk, skb, skb->len - mss) == 0)
		skb = skb->next;
	if (tcp_retransmit_skb(sk, skb))
		goto rearm_timer;
	tp->tlp_retrans = 1;
probe_sent:
	NET_INC_STATS(sock_net(sk), TCPLossProbes);
	tp->tlp_high_seq = tp->snd_nxt;
rearm_timer:
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, tp->rto, TCP_RTO_MAX);
}
