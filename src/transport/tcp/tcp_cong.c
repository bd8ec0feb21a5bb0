/* SPDX-License-Identifier: MIT */
/*
 * tcp_cong.c - the congestion-control table, after net/ipv4/tcp_cong.c:
 * a socket's tcp_congestion_ops decides its slow-start threshold after a
 * loss and how the window grows. Reno/NewReno (RFC 5681, RFC 6582) is
 * here; the recovery itself (fast retransmit, PRR) lives in tcp_input.c.
 */
#include <string.h>
#include "transport/tcp/tcp_var.h"

/* Slow start: one segment per segment acknowledged, up to ssthresh (RFC 5681 3.1). */
uint32_t tcp_slow_start(struct tcp_sock *tp, uint32_t acked)
{
	uint32_t cwnd = min_t(uint32_t, tp->snd_cwnd + acked, tp->snd_ssthresh);

	acked -= cwnd - tp->snd_cwnd;
	tp->snd_cwnd = min_t(uint32_t, cwnd, tp->snd_cwnd_clamp);
	return acked;
}

/* Congestion avoidance: one segment per window of @w acknowledged. */
void tcp_cong_avoid_ai(struct tcp_sock *tp, uint32_t w, uint32_t acked)
{
	if (tp->snd_cwnd_cnt >= w) {
		tp->snd_cwnd_cnt = 0;
		tp->snd_cwnd++;
	}
	tp->snd_cwnd_cnt += acked;
	if (tp->snd_cwnd_cnt >= w) {
		uint32_t delta = tp->snd_cwnd_cnt / w;

		tp->snd_cwnd_cnt -= delta * w;
		tp->snd_cwnd += delta;
	}
	tp->snd_cwnd = min_t(uint32_t, tp->snd_cwnd, tp->snd_cwnd_clamp);
}

static void tcp_reno_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	(void)ack;
	if (tcp_in_slow_start(tp)) {
		acked = tcp_slow_start(tp, acked);
		if (!acked)
			return;
	}
	tcp_cong_avoid_ai(tp, tp->snd_cwnd, acked);
}

static uint32_t tcp_reno_ssthresh(struct sock *sk)
{
	return max_t(uint32_t, tcp_sk(sk)->snd_cwnd >> 1, 2u);
}

static uint32_t tcp_reno_undo_cwnd(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return max_t(uint32_t, tp->snd_cwnd, tp->prior_cwnd);
}

const struct tcp_congestion_ops tcp_reno = {
	.name		= "reno",
	.ssthresh	= tcp_reno_ssthresh,
	.cong_avoid	= tcp_reno_cong_avoid,
	.undo_cwnd	= tcp_reno_undo_cwnd,
};

static const struct tcp_congestion_ops *const tcp_cong_list[] = {
	&tcp_reno,
};

const struct tcp_congestion_ops *tcp_ca_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(tcp_cong_list); i++)
		if (!strcmp(tcp_cong_list[i]->name, name))
			return tcp_cong_list[i];
	return NULL;
}

void tcp_init_congestion_control(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->ca_ops)
		tp->ca_ops = &tcp_reno;
	if (tp->ca_ops->init)
		tp->ca_ops->init(sk);
}
