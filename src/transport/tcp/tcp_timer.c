/* SPDX-License-Identifier: MIT */
/*
 * tcp_timer.c - TCP's timers on the namespace wheel, after
 * net/ipv4/tcp_timer.c: one timer per purpose and socket, as Linux has
 * them - retransmission (also the zero-window probe, icsk_pending says
 * which), delayed ACK, and keepalive (also the FIN_WAIT2 timeout of an
 * orphan). Each callback holds a reference while it runs: what it does
 * may end the connection.
 */
#include <errno.h>
#include "transport/tcp/tcp_var.h"

void inet_csk_reset_xmit_timer(struct sock *sk, int what, uint32_t when,
			       uint32_t max_when)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (when > max_when)
		when = max_when;
	tp->pending = (uint8_t)what;
	mod_timer(&tp->retransmit_timer, net_jiffies(sock_net(sk)) + when);
}

void inet_csk_clear_xmit_timer(struct sock *sk, int what)
{
	struct tcp_sock *tp = tcp_sk(sk);

	(void)what;
	tp->pending = 0;
	del_timer(&tp->retransmit_timer);
}

void inet_csk_reset_keepalive_timer(struct sock *sk, uint32_t len)
{
	mod_timer(&tcp_sk(sk)->keepalive_timer, net_jiffies(sock_net(sk)) + len);
}

void inet_csk_delete_keepalive_timer(struct sock *sk)
{
	del_timer(&tcp_sk(sk)->keepalive_timer);
}

void tcp_clear_xmit_timers(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->pending = 0;
	tp->ack.pending = 0;
	del_timer(&tp->retransmit_timer);
	del_timer(&tp->delack_timer);
	del_timer(&tp->keepalive_timer);
}

/* The connection timed out: report it and close (tcp_write_err). */
void tcp_write_err(struct sock *sk)
{
	sk->sk_err = sk->sk_err_soft ? sk->sk_err_soft : ETIMEDOUT;
	sk->sk_error_report(sk);
	tcp_write_queue_purge(sk);
	tcp_done(sk);
	NET_INC_STATS(sock_net(sk), TCPAbortOnTimeout);
}

/*
 * How long @boundary retransmissions take with exponential backoff from
 * TCP_RTO_MIN, capped at TCP_RTO_MAX (tcp_model_timeout), unless the user
 * gave @timeout; has that long passed since the first retransmission?
 */
bool retransmits_timed_out(struct sock *sk, unsigned int boundary,
			   unsigned int timeout)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int linear_backoff_thresh;

	if (!tp->retransmits || !tp->retrans_stamp)
		return false;
	if (!timeout) {
		linear_backoff_thresh = 9;	/* ilog2(TCP_RTO_MAX / TCP_RTO_MIN) */
		if (boundary <= linear_backoff_thresh)
			timeout = ((2u << boundary) - 1) * TCP_RTO_MIN;
		else
			timeout = ((2u << linear_backoff_thresh) - 1) * TCP_RTO_MIN +
				  (boundary - linear_backoff_thresh) * TCP_RTO_MAX;
	}
	return (int32_t)(tcp_time_stamp_ts(tp) - tp->retrans_stamp - timeout) >= 0;
}

/* tcp_orphan_retries: 0 means 8 while the RTO is alive. */
static unsigned int tcp_orphan_retries(struct sock *sk, bool alive)
{
	int retries = sock_net(sk)->sysctl.tcp_orphan_retries;

	if (sk->sk_err_soft && !alive)
		retries = 0;
	if (retries == 0 && alive)
		retries = 8;
	return (unsigned int)retries;
}

/* Has the connection given up? Then it is closed (tcp_write_timeout). */
static bool tcp_write_timeout(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct usn_net *net = sock_net(sk);
	unsigned int retry_until;
	bool expired;

	if ((1u << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		retry_until = tp->syn_retries ? tp->syn_retries :
			      (unsigned int)net->sysctl.tcp_syn_retries;
		expired = tp->retransmits >= retry_until;
	} else {
		retry_until = (unsigned int)net->sysctl.tcp_retries2;
		if (sock_flag(sk, SOCK_DEAD)) {
			bool alive = inet_csk_rto_backoff(tp, TCP_RTO_MAX) < TCP_RTO_MAX;

			retry_until = tcp_orphan_retries(sk, alive);
		}
		expired = retransmits_timed_out(sk, retry_until, tp->user_timeout);
	}
	if (expired) {
		tcp_write_err(sk);
		return true;
	}
	return false;
}

/* The retransmission timeout (tcp_retransmit_timer). */
static void tcp_retransmit_timer(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct usn_net *net = sock_net(sk);
	struct sk_buff *skb = tcp_rtx_queue_head(sk);

	if (!tp->packets_out || !skb)
		return;
	if (!tp->snd_wnd && !sock_flag(sk, SOCK_DEAD) &&
	    !((1u << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))) {
		/*
		 * The receiver shrank its window to zero under our data: keep
		 * probing with the head while it answers, for TCP_RTO_MAX.
		 */
		if ((int32_t)(tcp_jiffies32(net) - tp->rcv_tstamp) > (int32_t)TCP_RTO_MAX) {
			tcp_write_err(sk);
			return;
		}
		tcp_enter_loss(sk);
		tcp_retransmit_skb(sk, skb);
		goto out_reset_timer;
	}
	NET_INC_STATS(net, TCPTimeouts);
	if (tcp_write_timeout(sk))
		return;
	if (!tp->retransmits) {
		if (tp->ca_state == TCP_CA_Recovery)
			NET_INC_STATS(net, TCPRenoFailures);
		else if (tp->ca_state == TCP_CA_Loss)
			NET_INC_STATS(net, TCPLossFailures);
	}
	tcp_enter_loss(sk);
	tp->retransmits++;
	if (tcp_retransmit_skb(sk, tcp_rtx_queue_head(sk)) > 0) {
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
					  TCP_RESOURCE_PROBE_INTERVAL, TCP_RTO_MAX);
		return;
	}
	tp->backoff++;
out_reset_timer:
	tp->rto = min_t(uint32_t, tp->rto << 1, TCP_RTO_MAX);
	{
		uint32_t when = tp->rto;

		/* TCP_USER_TIMEOUT: never wait past the deadline. */
		if (tp->user_timeout && tp->retrans_stamp) {
			int32_t left = (int32_t)(tp->retrans_stamp + tp->user_timeout -
						 tcp_time_stamp_ts(tp));

			if (left <= 0)
				left = 1;
			if ((uint32_t)left < when)
				when = (uint32_t)left;
		}
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, when, TCP_RTO_MAX);
	}
}

/* The zero-window probe (tcp_probe_timer). */
static void tcp_probe_timer(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int max_probes;

	if (tp->packets_out || !tp->send_head) {
		tp->probes_out = 0;
		tp->probes_tstamp = 0;
		return;
	}
	if (!tp->probes_tstamp) {
		tp->probes_tstamp = tcp_jiffies32(sock_net(sk));
	} else if (tp->user_timeout &&
		   (int32_t)(tcp_jiffies32(sock_net(sk)) - tp->probes_tstamp) >=
		   (int32_t)tp->user_timeout) {
		goto abort;
	}
	max_probes = (unsigned int)sock_net(sk)->sysctl.tcp_retries2;
	if (sock_flag(sk, SOCK_DEAD)) {
		bool alive = inet_csk_rto_backoff(tp, TCP_RTO_MAX) < TCP_RTO_MAX;

		max_probes = tcp_orphan_retries(sk, alive);
		if (!alive && tp->backoff >= max_probes)
			goto abort;
	}
	if (tp->probes_out >= max_probes) {
abort:
		tcp_write_err(sk);
		return;
	}
	tcp_send_probe0(sk);
}

static void tcp_write_timer(struct timer_list *t)
{
	struct tcp_sock *tp = container_of(t, struct tcp_sock, retransmit_timer);
	struct sock *sk = tp_sk(tp);
	int event = tp->pending;

	if (sk->sk_state == TCP_CLOSE || !event)
		return;
	sock_hold(sk);
	tcp_mstamp_refresh(tp);
	tp->pending = 0;
	switch (event) {
	case ICSK_TIME_PROBE0:
		tcp_probe_timer(sk);
		break;
	case ICSK_TIME_LOSS_PROBE:
		tcp_send_loss_probe(sk);
		break;
	case ICSK_TIME_REO_TIMEOUT:
		tcp_rack_reo_timeout(sk);
		break;
	default:
		tcp_retransmit_timer(sk);
		break;
	}
	sock_put(sk);
}

/* The delayed ACK is due (tcp_delack_timer_handler). */
static void tcp_delack_timer(struct timer_list *t)
{
	struct tcp_sock *tp = container_of(t, struct tcp_sock, delack_timer);
	struct sock *sk = tp_sk(tp);

	if ((1u << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (!(tp->ack.pending & ICSK_ACK_TIMER))
		return;
	sock_hold(sk);
	tp->ack.pending &= (uint8_t)~ICSK_ACK_TIMER;
	if (tp->ack.pending & ICSK_ACK_SCHED) {
		if (tp->ack.pingpong < 1) {
			/* Missed a delayed ACK: inflate ato. */
			tp->ack.ato = min_t(uint32_t, tp->ack.ato << 1, tp->rto);
		} else {
			/* Missed it in interactive mode: leave that mode. */
			tp->ack.pingpong = 0;
			tp->ack.ato = TCP_ATO_MIN;
		}
		tcp_mstamp_refresh(tp);
		tcp_send_ack(sk);
		NET_INC_STATS(sock_net(sk), DelayedACKs);
	}
	sock_put(sk);
}

static uint32_t keepalive_time_elapsed(const struct tcp_sock *tp)
{
	uint32_t now = tcp_jiffies32(tp->inet.sk.sk_net);

	return min_t(uint32_t, now - tp->ack.lrcvtime, now - tp->rcv_tstamp);
}

/* Keepalive probes, and the end of an orphan's FIN_WAIT2 (tcp_keepalive_timer). */
static void tcp_keepalive_timer(struct timer_list *t)
{
	struct tcp_sock *tp = container_of(t, struct tcp_sock, keepalive_timer);
	struct sock *sk = tp_sk(tp);
	uint32_t elapsed;

	if (sk->sk_state == TCP_LISTEN || sk->sk_state == TCP_CLOSE)
		return;
	sock_hold(sk);
	tcp_mstamp_refresh(tp);
	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)) {
		if (tp->linger2 >= 0) {
			int32_t tmo = (int32_t)tcp_fin_time(sk) - (int32_t)TCP_TIMEWAIT_LEN;

			if (tmo > 0) {
				tcp_time_wait(sk, TCP_FIN_WAIT2, (uint32_t)tmo);
				goto out;
			}
		}
		tcp_send_active_reset(sk);
		tcp_done(sk);
		goto out;
	}
	if (!sock_flag(sk, SOCK_KEEPOPEN) || sk->sk_state == TCP_SYN_SENT)
		goto out;
	elapsed = keepalive_time_when(tp);
	/* Data in flight: the retransmit timer watches the connection. */
	if (tp->packets_out || tp->send_head)
		goto resched;
	elapsed = keepalive_time_elapsed(tp);
	if (elapsed >= keepalive_time_when(tp)) {
		if ((tp->user_timeout && elapsed >= tp->user_timeout &&
		     tp->probes_out > 0) ||
		    (!tp->user_timeout && tp->probes_out >= keepalive_probes(tp))) {
			tcp_send_active_reset(sk);
			tcp_write_err(sk);
			goto out;
		}
		if (tcp_write_wakeup(sk, true) <= 0) {
			tp->probes_out++;
			elapsed = keepalive_intvl_when(tp);
		} else {
			elapsed = TCP_RESOURCE_PROBE_INTERVAL;
		}
	} else {
		elapsed = keepalive_time_when(tp) - elapsed;
	}
resched:
	inet_csk_reset_keepalive_timer(sk, elapsed);
out:
	sock_put(sk);
}

void tcp_set_keepalive(struct sock *sk, int val)
{
	if ((1u << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (val && !sock_flag(sk, SOCK_KEEPOPEN))
		inet_csk_reset_keepalive_timer(sk, keepalive_time_when(tcp_sk(sk)));
	else if (!val)
		inet_csk_delete_keepalive_timer(sk);
}

void tcp_init_xmit_timers(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct timer_base *base = &sock_net(sk)->timers;

	timer_setup(&tp->retransmit_timer, base, tcp_write_timer);
	timer_setup(&tp->delack_timer, base, tcp_delack_timer);
	timer_setup(&tp->keepalive_timer, base, tcp_keepalive_timer);
}
