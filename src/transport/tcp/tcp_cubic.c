/* SPDX-License-Identifier: MIT */
/*
 * tcp_cubic.c - CUBIC congestion control (RFC 9438) as Linux runs it
 * (net/ipv4/tcp_cubic.c, the default algorithm), with HyStart.
 *
 * After a congestion event at window W_max the window follows
 *	W(t) = C * (t - K)^3 + W_max,	K = cbrt(W_max * (1 - beta) / C)
 * with C = 0.4 and beta = 717/1024: concave up to the old maximum, flat
 * around it, convex beyond. Fast convergence lowers W_max when a loss
 * comes before the old maximum was reached (another flow took the room).
 * A Reno estimate W_est grown from the same ACKs keeps CUBIC at least as
 * fast as Reno on short-RTT paths (the Reno-friendly region).
 *
 * The window is not set directly: each ACK sets ca->cnt, the ACKs per
 * segment of growth, and tcp_cong_avoid_ai() does the counting, so the
 * curve is followed at most once per jiffy and at most 1.5x per RTT.
 *
 * HyStart leaves slow start before the first loss: at the end of an ACK
 * train stretching past half the minimum RTT (the pipe is full), or when
 * the round's smallest RTT rose by an eighth of the minimum (clamped to
 * 4..16 ms: a queue is building). ssthresh becomes the current window.
 */
#include "transport/tcp/tcp_cubic.h"
#include "transport/tcp/tcp_var.h"

/* HZ (core/timer.h) is 1000: jiffies are ms. */
#define USEC_PER_SEC		1000000u
#define USEC_PER_MSEC		1000u

/* C/RTT scaled: cube_rtt_scale * t^3 >> (10 + 3 * BICTCP_HZ) is 0.4 t^3. */
#define CUBE_RTT_SCALE		(CUBIC_BIC_SCALE * 10u)
/* K = cbrt(CUBE_FACTOR * (W_max - cwnd)), in 2^-BICTCP_HZ s */
#define CUBE_FACTOR		((1ull << (10 + 3 * BICTCP_HZ)) / CUBE_RTT_SCALE)
/*
 * Reno's additive increase matched to CUBIC's decrease (RFC 9438 4.3,
 * alpha_cubic = 3 (1 - beta) / (1 + beta)): W_est grows by one for every
 * (beta_scale / 8) * cwnd segments acked.
 */
#define BETA_SCALE							\
	(8u * (BICTCP_BETA_SCALE + CUBIC_BETA) / 3u /			\
	 (BICTCP_BETA_SCALE - CUBIC_BETA))
/* What Linux reckons a TSO burst (sk_gso_max_size), for hystart_ack_delay. */
#define CUBIC_GSO_MAX_SIZE	65536u

_Static_assert(sizeof(struct bictcp) <= sizeof(((struct tcp_sock *)0)->ca_priv),
	       "CUBIC's state fits in ca_priv");

static struct bictcp *cubic_ca(const struct sock *sk)
{
	return tcp_ca_priv(sk);
}

static uint32_t bictcp_clock_us(const struct sock *sk)
{
	return (uint32_t)tcp_sk(sk)->tcp_mstamp;
}

/* Forgets the curve; the HyStart fields survive (bictcp_reset). */
static void bictcp_reset(struct bictcp *ca)
{
	ca->cnt = 0;
	ca->last_max_cwnd = 0;
	ca->last_cwnd = 0;
	ca->last_time = 0;
	ca->bic_origin_point = 0;
	ca->bic_K = 0;
	ca->delay_min = 0;
	ca->epoch_start = 0;
	ca->ack_cnt = 0;
	ca->tcp_cwnd = 0;
	ca->found = 0;
}

/* A new HyStart round: it ends once everything sent so far is acked. */
static void bictcp_hystart_reset(struct sock *sk)
{
	struct bictcp *ca = cubic_ca(sk);

	ca->round_start = ca->last_ack = bictcp_clock_us(sk);
	ca->end_seq = tcp_sk(sk)->snd_nxt;
	ca->curr_rtt = ~0u;
	ca->sample_cnt = 0;
}

static void cubictcp_init(struct sock *sk)
{
	bictcp_reset(cubic_ca(sk));
	if (CUBIC_HYSTART)
		bictcp_hystart_reset(sk);
}

/*
 * The first transmission after the application left the connection idle:
 * move the epoch on by the idle time, so the curve resumes where it was
 * rather than jumping ahead by what it would have grown meanwhile.
 */
static void cubictcp_cwnd_event(struct sock *sk, enum tcp_ca_event event)
{
	struct bictcp *ca = cubic_ca(sk);
	uint32_t now;
	int32_t delta;

	if (event != CA_EVENT_TX_START)
		return;
	now = tcp_jiffies32(sock_net(sk));
	delta = (int32_t)(now - tcp_sk(sk)->lsndtime);
	if (ca->epoch_start && delta > 0) {
		ca->epoch_start += (uint32_t)delta;
		if (after(ca->epoch_start, now))
			ca->epoch_start = now;
	}
}

uint32_t cubic_root(uint64_t a)
{
	unsigned int bits;
	uint64_t x, y;

	if (!a)
		return 0;
	/* Start above the root: 2^ceil(bits / 3) > cbrt(a). */
	bits = 64u - (unsigned int)__builtin_clzll(a);
	x = 1ull << ((bits + 2) / 3);
	/* Newton's step from above decreases until it reaches the floor. */
	for (;;) {
		y = (2 * x + a / (x * x)) / 3;
		if (y >= x)
			break;
		x = y;
	}
	return (uint32_t)x;
}

/* C * offs^3 in segments, offs in 2^-BICTCP_HZ s; saturates. */
static uint64_t cubic_delta(uint64_t offs)
{
	uint64_t c3;

	if (offs >= 1ull << 21)
		return UINT32_MAX;
	c3 = offs * offs * offs;
	if (c3 > UINT64_MAX / CUBE_RTT_SCALE)
		return UINT32_MAX;
	return min_t(uint64_t, (CUBE_RTT_SCALE * c3) >> (10 + 3 * BICTCP_HZ),
		     UINT32_MAX);
}

void bictcp_update(struct bictcp *ca, uint32_t cwnd, uint32_t acked,
		   uint32_t now)
{
	uint64_t t, offs, delta, target;
	uint32_t max_cnt, step;

	ca->ack_cnt += acked;
	if (ca->last_cwnd == cwnd && (int32_t)(now - ca->last_time) <= (int32_t)(HZ / 32))
		return;
	/* The curve is evaluated at most once per jiffy. */
	if (ca->epoch_start && now == ca->last_time)
		goto tcp_friendliness;
	ca->last_cwnd = cwnd;
	ca->last_time = now;

	if (!ca->epoch_start) {
		ca->epoch_start = now;
		ca->ack_cnt = acked;
		ca->tcp_cwnd = cwnd;
		if (ca->last_max_cwnd <= cwnd) {
			ca->bic_K = 0;
			ca->bic_origin_point = cwnd;
		} else {
			ca->bic_K = cubic_root(CUBE_FACTOR *
					       (ca->last_max_cwnd - cwnd));
			ca->bic_origin_point = ca->last_max_cwnd;
		}
	}

	/* t: time since the epoch plus one minimum RTT (W(t + RTT), RFC 9438 4.2). */
	t = (uint64_t)(int64_t)(int32_t)(now - ca->epoch_start);
	t += (ca->delay_min + USEC_PER_MSEC - 1) / USEC_PER_MSEC;
	t = (t << BICTCP_HZ) / HZ;
	offs = t < ca->bic_K ? ca->bic_K - t : t - ca->bic_K;
	delta = cubic_delta(offs);
	if (t < ca->bic_K)
		target = ca->bic_origin_point > delta ?
			 ca->bic_origin_point - delta : 0;
	else
		target = min_t(uint64_t, ca->bic_origin_point + delta,
			       UINT32_MAX);

	if (target > cwnd)
		ca->cnt = (uint32_t)(cwnd / (target - cwnd));
	else
		ca->cnt = 100 * cwnd;	/* at the plateau: barely grow */
	/* With no maximum known yet, grow at least 5% per RTT. */
	if (!ca->last_max_cwnd && ca->cnt > 20)
		ca->cnt = 20;

tcp_friendliness:
	if (CUBIC_TCP_FRIENDLINESS) {
		step = (cwnd * BETA_SCALE) >> 3;
		while (step && ca->ack_cnt > step) {
			ca->ack_cnt -= step;
			ca->tcp_cwnd++;
		}
		/* Slower than Reno would be: go at Reno's pace. */
		if (ca->tcp_cwnd > cwnd) {
			max_cnt = cwnd / (ca->tcp_cwnd - cwnd);
			if (ca->cnt > max_cnt)
				ca->cnt = max_cnt;
		}
	}
	/* At most one segment per two acked: 1.5x per RTT. */
	ca->cnt = max_t(uint32_t, ca->cnt, 2u);
}

static void cubictcp_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);

	(void)ack;
	if (!tcp_is_cwnd_limited(tp))
		return;
	if (tcp_in_slow_start(tp)) {
		acked = tcp_slow_start(tp, acked);
		if (!acked)
			return;
	}
	bictcp_update(ca, tp->snd_cwnd, acked, tcp_jiffies32(sock_net(sk)));
	tcp_cong_avoid_ai(tp, ca->cnt, acked);
}

/* Multiplicative decrease by beta; W_max, lowered by fast convergence. */
static uint32_t cubictcp_recalc_ssthresh(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);

	ca->epoch_start = 0;
	if (tp->snd_cwnd < ca->last_max_cwnd && CUBIC_FAST_CONVERGENCE)
		ca->last_max_cwnd = (uint32_t)(((uint64_t)tp->snd_cwnd *
						(BICTCP_BETA_SCALE + CUBIC_BETA)) /
					       (2 * BICTCP_BETA_SCALE));
	else
		ca->last_max_cwnd = tp->snd_cwnd;
	return max_t(uint32_t, (uint32_t)(((uint64_t)tp->snd_cwnd * CUBIC_BETA) /
					  BICTCP_BETA_SCALE), 2u);
}

/* An RTO forgets the curve and starts HyStart again. */
static void cubictcp_state(struct sock *sk, uint8_t new_state)
{
	if (new_state == TCP_CA_Loss) {
		bictcp_reset(cubic_ca(sk));
		bictcp_hystart_reset(sk);
	}
}

/*
 * Linux's pacing rate (tcp_update_pacing_rate: 200% of cwnd per srtt in
 * the first half of slow start, 120% after), which hystart_ack_delay reads.
 */
static uint64_t cubic_pacing_rate(const struct tcp_sock *tp)
{
	uint64_t rate = (uint64_t)tp->mss_cache * ((USEC_PER_SEC / 100) << 3);

	rate *= tp->snd_cwnd < tp->snd_ssthresh / 2 ? 200u : 120u;
	rate *= max_t(uint32_t, tp->snd_cwnd, tp->packets_out);
	if (tp->srtt_us)
		rate /= tp->srtt_us;
	return rate;
}

/*
 * How late an ACK may come for the train to count as one: a TSO burst's
 * worth at the pacing rate, at most 1 ms (hystart_ack_delay).
 */
static uint32_t hystart_ack_delay(const struct sock *sk)
{
	uint64_t rate = cubic_pacing_rate(tcp_sk(sk));

	if (!rate)
		return 0;
	return (uint32_t)min_t(uint64_t, USEC_PER_MSEC,
			       (uint64_t)CUBIC_GSO_MAX_SIZE * 4 * USEC_PER_SEC /
			       rate);
}

static uint32_t hystart_delay_thresh(uint32_t x)
{
	return min_t(uint32_t, max_t(uint32_t, x, HYSTART_DELAY_MIN),
		     HYSTART_DELAY_MAX);
}

static void hystart_exit(struct sock *sk, bool train)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct usn_net *net = sock_net(sk);

	cubic_ca(sk)->found = 1;
	if (train) {
		NET_INC_STATS(net, TCPHystartTrainDetect);
		NET_ADD_STATS(net, TCPHystartTrainCwnd, tp->snd_cwnd);
	} else {
		NET_INC_STATS(net, TCPHystartDelayDetect);
		NET_ADD_STATS(net, TCPHystartDelayCwnd, tp->snd_cwnd);
	}
	tp->snd_ssthresh = tp->snd_cwnd;
}

static void hystart_update(struct sock *sk, uint32_t delay)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);
	uint32_t now, threshold;

	if (after(tp->snd_una, ca->end_seq))
		bictcp_hystart_reset(sk);

	if (CUBIC_HYSTART_DETECT & HYSTART_ACK_TRAIN) {
		now = bictcp_clock_us(sk);
		/* ACKs closely spaced since the round began: one train. */
		if ((int32_t)(now - ca->last_ack) <=
		    (int32_t)CUBIC_HYSTART_ACK_DELTA_US) {
			ca->last_ack = now;
			threshold = ca->delay_min + hystart_ack_delay(sk);
			/* Unpaced, the train takes half an RTT to fill the pipe. */
			threshold >>= 1;
			if ((int32_t)(now - ca->round_start) > (int32_t)threshold)
				hystart_exit(sk, true);
		}
	}
	if (CUBIC_HYSTART_DETECT & HYSTART_DELAY) {
		if (ca->curr_rtt > delay)
			ca->curr_rtt = delay;
		if (ca->sample_cnt < HYSTART_MIN_SAMPLES)
			ca->sample_cnt++;
		else if (ca->curr_rtt > ca->delay_min +
			 hystart_delay_thresh(ca->delay_min >> 3))
			hystart_exit(sk, false);
	}
}

static void cubictcp_acked(struct sock *sk, const struct ack_sample *sample)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);
	uint32_t delay;

	if (sample->rtt_us < 0)
		return;
	/* Samples right after a reduction still see the old queue. */
	if (ca->epoch_start &&
	    (int32_t)(tcp_jiffies32(sock_net(sk)) - ca->epoch_start) < (int32_t)HZ)
		return;
	delay = sample->rtt_us ? (uint32_t)sample->rtt_us : 1u;
	if (!ca->delay_min || ca->delay_min > delay)
		ca->delay_min = delay;
	if (!ca->found && tcp_in_slow_start(tp) && CUBIC_HYSTART &&
	    tp->snd_cwnd >= CUBIC_HYSTART_LOW_WINDOW)
		hystart_update(sk, delay);
}

/*
 * Undo after a spurious reduction restores the window as Reno does
 * (max(cwnd, prior_cwnd)); like Linux, W_max stays where the reduction
 * put it.
 */
static uint32_t cubictcp_undo_cwnd(struct sock *sk)
{
	return tcp_reno_undo_cwnd(sk);
}

const struct tcp_congestion_ops tcp_cubic = {
	.name		= "cubic",
	.init		= cubictcp_init,
	.ssthresh	= cubictcp_recalc_ssthresh,
	.cong_avoid	= cubictcp_cong_avoid,
	.set_state	= cubictcp_state,
	.undo_cwnd	= cubictcp_undo_cwnd,
	.cwnd_event	= cubictcp_cwnd_event,
	.pkts_acked	= cubictcp_acked,
};
