/* SPDX-License-Identifier: MIT */
/*
 * tcp_cong.c - the congestion-control table, after net/ipv4/tcp_cong.c:
 * a socket's tcp_congestion_ops decides its slow-start threshold after a
 * loss and how the window grows. The table is found by name (the sysctls
 * net.ipv4.tcp_congestion_control and tcp_available_congestion_control,
 * the TCP_CONGESTION option). Reno/NewReno (RFC 5681, RFC 6582) is here,
 * CUBIC in tcp_cubic.c; the recovery itself (fast retransmit, PRR) lives
 * in tcp_input.c.
 */
#include <errno.h>
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

uint32_t tcp_reno_ssthresh(struct sock *sk)
{
	return max_t(uint32_t, tcp_sk(sk)->snd_cwnd >> 1, 2u);
}

uint32_t tcp_reno_undo_cwnd(struct sock *sk)
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

/* In the order Linux lists them: reno is built in, cubic registers after. */
static const struct tcp_congestion_ops *const tcp_cong_list[] = {
	&tcp_reno,
	&tcp_cubic,
};

const struct tcp_congestion_ops *tcp_ca_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(tcp_cong_list); i++)
		if (!strcmp(tcp_cong_list[i]->name, name))
			return tcp_cong_list[i];
	return NULL;
}

int tcp_ca_name_check(const char *name)
{
	return tcp_ca_find(name) ? 0 : -ENOENT;
}

/* "reno cubic", as tcp_get_available_congestion_control; -ENAMETOOLONG if short. */
int tcp_get_available_congestion_control(char *buf, size_t maxlen)
{
	size_t off = 0;

	for (size_t i = 0; i < ARRAY_SIZE(tcp_cong_list); i++) {
		const char *name = tcp_cong_list[i]->name;
		size_t n = strlen(name);

		if (off + (i ? 1 : 0) + n + 1 > maxlen)
			return -ENAMETOOLONG;
		if (i)
			buf[off++] = ' ';
		memcpy(buf + off, name, n + 1);
		off += n;
	}
	return 0;
}

/* New sockets take the namespace's default (tcp_assign_congestion_control). */
void tcp_assign_congestion_control(struct sock *sk)
{
	const struct tcp_congestion_ops *ca;

	ca = tcp_ca_find(sock_net(sk)->sysctl.tcp_congestion_control);
	tcp_sk(sk)->ca_ops = ca ? ca : &tcp_reno;
}

void tcp_init_congestion_control(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->ca_ops)
		tp->ca_ops = &tcp_reno;
	tp->prior_ssthresh = 0;
	if (tp->ca_ops->init)
		tp->ca_ops->init(sk);
}

/*
 * TCP_CONGESTION (tcp_set_congestion_control): the same algorithm again
 * changes nothing; another starts from fresh state, initialised at once
 * on a connection, at the handshake's end otherwise.
 */
int tcp_set_congestion_control(struct sock *sk, const char *name)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_congestion_ops *ca = tcp_ca_find(name);

	if (!ca)
		return -ENOENT;
	/* Chosen, even if unchanged: accepted children keep it. */
	tp->ca_setsockopt = true;
	if (ca == tp->ca_ops)
		return 0;
	tp->ca_ops = ca;
	memset(tp->ca_priv, 0, sizeof(tp->ca_priv));
	if (!((1u << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		tcp_init_congestion_control(sk);
	return 0;
}

/* Every ACK that reaches the retransmit queue (tcp_clean_rtx_queue's call). */
void tcp_ca_pkts_acked(struct sock *sk, uint32_t pkts_acked, long rtt_us)
{
	const struct tcp_congestion_ops *ca = tcp_sk(sk)->ca_ops;
	struct tcp_sock *tp = tcp_sk(sk);
	struct ack_sample sample = {
		.pkts_acked	= pkts_acked,
		.rtt_us		= rtt_us < 0 || rtt_us > INT32_MAX ?
				  -1 : (int32_t)rtt_us,
		.in_flight	= tcp_packets_in_flight(tp),
	};

	if (ca->pkts_acked)
		ca->pkts_acked(sk, &sample);
}
