/* SPDX-License-Identifier: MIT */
/*
 * tcp_cubic_test.c - CUBIC's arithmetic and state: the cube root and K,
 * the window following W(t) = C (t - K)^3 + W_max after a loss, fast
 * convergence, the Reno-friendly region, the epoch shift after idle.
 * On the wire (HyStart, selection, lossy transfers): tcp_cc_test.c.
 */
#include <stdlib.h>
#include <string.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"
#include "transport/tcp/tcp_cubic.h"
#include "transport/tcp/tcp_var.h"

#define SEC	1000000000ULL

#define RUN_SEED	0xc0b1cULL

/* A socket outside any table, enough for the algorithm's hooks. */
static struct tcp_sock *fake_sock(void)
{
	struct tcp_sock *tp = calloc(1, sizeof(*tp));

	if (!tp)
		abort();
	tp->inet.sk.sk_net = usn_net_default();
	tp->snd_cwnd_clamp = ~0u;
	tp->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	tp->ca_ops = &tcp_cubic;
	return tp;
}

/* Floating point without libm: the cube root by Newton, |x|. */
static double cbrt_d(double x)
{
	double r = x > 1 ? x / 3 : 1;

	for (int i = 0; i < 200; i++)
		r = (2 * r + x / (r * r)) / 3;
	return r;
}

static double abs_d(double x)
{
	return x < 0 ? -x : x;
}

/* W(t) of RFC 9438 with Linux's C (410 / 1024) and K in seconds. */
static double w_cubic(double t, double k, double wmax)
{
	return 410.0 / 1024.0 * (t - k) * (t - k) * (t - k) + wmax;
}

TEST(cube_root_is_exact)
{
	static const uint64_t v[] = {
		0, 1, 7, 8, 9, 26, 27, 28, 63, 64, 999, 1000, 1001,
		1ull << 40, (1ull << 40) - 1, 12345678901234ull,
		2097151ull * 2097151ull * 2097151ull,
		2097151ull * 2097151ull * 2097151ull - 1, UINT64_MAX,
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t r = cubic_root(v[i]);

		EXPECT_TRUE(r * r * r <= v[i]);
		/* (r + 1)^3 would pass 2^64 only beyond 2642245. */
		EXPECT_TRUE(r + 1 > 2642245 || (r + 1) * (r + 1) * (r + 1) > v[i]);
	}
	EXPECT_EQ(cubic_root(27), 3);
	EXPECT_EQ(cubic_root(26), 2);
	EXPECT_EQ(cubic_root(UINT64_MAX), 2642245);
}

/* K = cbrt(W_max (1 - beta) / C): from 70 back to 100 takes 4.216 s. */
TEST(k_is_the_time_back_to_w_max)
{
	struct bictcp ca;
	double k;

	memset(&ca, 0, sizeof(ca));
	ca.last_max_cwnd = 100;
	bictcp_update(&ca, 70, 1, 5000);
	k = cbrt_d(30.0 / (410.0 / 1024.0)) * 1024.0;
	EXPECT_TRUE(abs_d((double)ca.bic_K - k) <= 1.0);
	EXPECT_EQ(ca.bic_origin_point, 100);
	EXPECT_EQ(ca.epoch_start, 5000);
	EXPECT_EQ(ca.tcp_cwnd, 70);

	/* Above the old maximum the curve starts convex at once (K = 0). */
	memset(&ca, 0, sizeof(ca));
	ca.last_max_cwnd = 50;
	bictcp_update(&ca, 70, 1, 5000);
	EXPECT_EQ(ca.bic_K, 0);
	EXPECT_EQ(ca.bic_origin_point, 70);
}

/*
 * Congestion avoidance from @tp->snd_cwnd: every segment of a window is
 * acked, evenly over one RTT of @rtt_ms, for @ms; the window is sampled
 * at each whole second in @at.
 */
static void ca_run(struct bictcp *ca, struct tcp_sock *tp, uint32_t start,
		   uint32_t rtt_ms, uint32_t ms, uint32_t *at)
{
	uint64_t t_us = 0;

	while (t_us < (uint64_t)ms * 1000) {
		uint32_t now = start + (uint32_t)(t_us / 1000);

		if (at && t_us / 1000000 != (t_us + (uint64_t)rtt_ms * 1000 /
					     tp->snd_cwnd) / 1000000)
			at[(t_us / 1000000) + 1] = tp->snd_cwnd;
		bictcp_update(ca, tp->snd_cwnd, 1, now);
		tcp_cong_avoid_ai(tp, ca->cnt, 1);
		t_us += (uint64_t)rtt_ms * 1000 / tp->snd_cwnd;
	}
}

/* After a loss at W_max = 100 (RTT 100 ms), the window follows the curve. */
TEST(window_follows_the_cubic_curve)
{
	struct tcp_sock *tp;
	struct bictcp ca;
	uint32_t at[16] = { 0 };
	double k = cbrt_d(30.0 / (410.0 / 1024.0));

	test_sim_start(RUN_SEED);
	tp = fake_sock();
	memset(&ca, 0, sizeof(ca));
	ca.last_max_cwnd = 100;
	ca.delay_min = 100000;
	tp->snd_cwnd = 70;
	tp->snd_ssthresh = 70;
	ca_run(&ca, tp, 100000, 100, 9000, at);
	/* Concave up to W_max, a plateau around K, convex beyond. */
	for (int s = 1; s <= 8; s++) {
		double w = w_cubic(s, k, 100);

		if (abs_d(at[s] - w) > 2.5)
			TEST_FAIL_AT("t=%d s: cwnd %u, W(t) %.1f", s, at[s], w);
	}
	EXPECT_TRUE(at[1] > 80 && at[2] > 90);
	EXPECT_TRUE(at[4] >= 99 && at[4] <= 101);
	EXPECT_TRUE(at[5] - at[3] <= 2);
	EXPECT_TRUE(at[8] > 118);
	free(tp);
}

/* A loss below the last maximum: W_max is lowered to cwnd (1 + beta) / 2. */
TEST(fast_convergence_lowers_w_max)
{
	struct tcp_sock *tp;
	struct bictcp *ca;

	test_sim_start(RUN_SEED);
	tp = fake_sock();
	ca = tcp_ca_priv(tp_sk(tp));
	tcp_cubic.init(tp_sk(tp));
	tp->snd_cwnd = 100;
	EXPECT_EQ(tcp_cubic.ssthresh(tp_sk(tp)), 100 * 717 / 1024);
	EXPECT_EQ(ca->last_max_cwnd, 100);
	EXPECT_EQ(ca->epoch_start, 0);
	/* The next loss comes at 80, before 100 was reached again. */
	tp->snd_cwnd = 80;
	EXPECT_EQ(tcp_cubic.ssthresh(tp_sk(tp)), 80 * 717 / 1024);
	EXPECT_EQ(ca->last_max_cwnd, 80 * (1024 + 717) / 2048);
	/* Beyond it, W_max is the window itself; never below 2. */
	tp->snd_cwnd = 90;
	tcp_cubic.ssthresh(tp_sk(tp));
	EXPECT_EQ(ca->last_max_cwnd, 90);
	tp->snd_cwnd = 2;
	EXPECT_EQ(tcp_cubic.ssthresh(tp_sk(tp)), 2);
	free(tp);
}

/*
 * RTT 1 ms: the cubic curve would take seconds to move, Reno gains about
 * 0.53 segments per RTT (alpha = 3 (1 - beta) / (1 + beta)); CUBIC goes
 * at least as fast as the Reno estimate.
 */
TEST(reno_friendly_region)
{
	struct tcp_sock *tp;
	struct bictcp ca;

	test_sim_start(RUN_SEED);
	tp = fake_sock();
	memset(&ca, 0, sizeof(ca));
	ca.last_max_cwnd = 20;
	ca.delay_min = 1000;
	tp->snd_cwnd = 14;
	ca_run(&ca, tp, 100000, 1, 100, NULL);
	/*
	 * W(0.1 s) is about 14.8: the window follows the Reno estimate
	 * instead, W_est grown by one every 15/8 windows acked.
	 */
	EXPECT_TRUE(tp->snd_cwnd > 40 && tp->snd_cwnd < 70);
	EXPECT_TRUE(ca.tcp_cwnd > 40);
	EXPECT_TRUE(abs_d((double)ca.tcp_cwnd - tp->snd_cwnd) <= 8);

	/* With no maximum known, growth is at least 5% per RTT (cnt <= 20). */
	memset(&ca, 0, sizeof(ca));
	ca.delay_min = 100000;
	tp->snd_cwnd = 100;
	tp->snd_cwnd_cnt = 0;
	bictcp_update(&ca, 100, 1, 100000);
	EXPECT_TRUE(ca.cnt <= 20 && ca.cnt >= 2);
	free(tp);
}

/* The first send after idle moves the epoch on by the idle time. */
TEST(idle_restart_shifts_the_epoch)
{
	struct tcp_sock *tp;
	struct bictcp *ca;
	uint32_t now;

	test_sim_start(RUN_SEED);
	usn_sim_run(10 * SEC);
	tp = fake_sock();
	ca = tcp_ca_priv(tp_sk(tp));
	tcp_cubic.init(tp_sk(tp));
	now = tcp_jiffies32(usn_net_default());
	ca->epoch_start = now - 1000;
	tp->lsndtime = now - 300;
	tcp_ca_event(tp_sk(tp), CA_EVENT_TX_START);
	EXPECT_EQ(ca->epoch_start, now - 700);
	/* Never into the future. */
	ca->epoch_start = now - 100;
	tcp_ca_event(tp_sk(tp), CA_EVENT_TX_START);
	EXPECT_EQ(ca->epoch_start, now);
	/* No epoch, nothing to move; other events leave it alone. */
	ca->epoch_start = 0;
	tcp_ca_event(tp_sk(tp), CA_EVENT_TX_START);
	EXPECT_EQ(ca->epoch_start, 0);
	ca->epoch_start = now - 1000;
	tcp_ca_event(tp_sk(tp), CA_EVENT_CWND_RESTART);
	EXPECT_EQ(ca->epoch_start, now - 1000);
	/* An RTO forgets the curve. */
	ca->last_max_cwnd = 50;
	tcp_cubic.set_state(tp_sk(tp), TCP_CA_Loss);
	EXPECT_EQ(ca->epoch_start, 0);
	EXPECT_EQ(ca->last_max_cwnd, 0);
	free(tp);
}


/* One ACK of @tp's HyStart round, @rtt_us after its segment left, at @t_us. */
static void hystart_ack(struct tcp_sock *tp, uint64_t t_us, int32_t rtt_us)
{
	struct ack_sample sample = { .pkts_acked = 1, .rtt_us = rtt_us };

	tp->tcp_mstamp = t_us;
	tcp_cubic.pkts_acked(tp_sk(tp), &sample);
}

static uint64_t mib(const char *name)
{
	uint64_t v = 0;

	EXPECT_OK(usn_snmp(usn_net_default(), name, &v));
	return v;
}

/* ACKs 1 ms apart for longer than half the minimum RTT: the pipe is full. */
TEST(hystart_ack_train)
{
	uint64_t t = 1000000, n0;
	struct tcp_sock *tp;
	int i;

	test_sim_start(RUN_SEED);
	if (!usn_net_default()->ipv4)
		TEST_SKIP_ALL("IPv4 is not started");
	n0 = mib("TcpExt.TCPHystartTrainDetect");
	tp = fake_sock();
	tp->snd_cwnd = 40;
	tp->mss_cache = 1448;
	tp->snd_nxt = 100000;
	tp->tcp_mstamp = t;
	tcp_cubic.init(tp_sk(tp));
	for (i = 1; i <= 50 && tp->snd_ssthresh == TCP_INFINITE_SSTHRESH; i++)
		hystart_ack(tp, t + (uint64_t)i * 1000, 100000);
	/* Not yet: the train must outlast half the 100 ms minimum RTT. */
	EXPECT_EQ(tp->snd_ssthresh, TCP_INFINITE_SSTHRESH);
	for (; i <= 60 && tp->snd_ssthresh == TCP_INFINITE_SSTHRESH; i++)
		hystart_ack(tp, t + (uint64_t)i * 1000, 100000);
	EXPECT_EQ(i, 52);
	EXPECT_EQ(tp->snd_ssthresh, 40);
	EXPECT_EQ(mib("TcpExt.TCPHystartTrainDetect"), n0 + 1);
	/* Found once: no more exits until an RTO resets HyStart. */
	tp->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	hystart_ack(tp, t + 70000, 100000);
	EXPECT_EQ(tp->snd_ssthresh, TCP_INFINITE_SSTHRESH);
	free(tp);
}

/* A round whose smallest RTT is an eighth above the minimum (4..16 ms). */
TEST(hystart_delay_increase)
{
	uint64_t t = 1000000, n0;
	struct tcp_sock *tp;
	int i;

	test_sim_start(RUN_SEED);
	if (!usn_net_default()->ipv4)
		TEST_SKIP_ALL("IPv4 is not started");
	n0 = mib("TcpExt.TCPHystartDelayDetect");
	tp = fake_sock();
	tp->snd_cwnd = 30;
	tp->snd_nxt = 1000;
	tp->tcp_mstamp = t;
	tcp_cubic.init(tp_sk(tp));
	/* First round, ACKs 3 ms apart (no train): delay_min 100 ms. */
	for (i = 1; i <= 10; i++)
		hystart_ack(tp, t + (uint64_t)i * 3000, 100000);
	EXPECT_EQ(tp->snd_ssthresh, TCP_INFINITE_SSTHRESH);
	/* Next round (snd_una past the round's end): 12 ms more is not enough. */
	tp->snd_una = 1001;
	tp->snd_nxt = 2000;
	t += 100000;
	for (i = 1; i <= 10; i++)
		hystart_ack(tp, t + (uint64_t)i * 3000, 112000);
	EXPECT_EQ(tp->snd_ssthresh, TCP_INFINITE_SSTHRESH);
	/* 13 ms more, after the 8 samples a round needs: slow start ends. */
	tp->snd_una = 2001;
	tp->snd_nxt = 3000;
	t += 100000;
	for (i = 1; i <= 8; i++)
		hystart_ack(tp, t + (uint64_t)i * 3000, 113000);
	EXPECT_EQ(tp->snd_ssthresh, TCP_INFINITE_SSTHRESH);
	hystart_ack(tp, t + 9 * 3000, 113000);
	EXPECT_EQ(tp->snd_ssthresh, 30);
	EXPECT_EQ(mib("TcpExt.TCPHystartDelayDetect"), n0 + 1);
	EXPECT_EQ(mib("TcpExt.TCPHystartDelayCwnd") > 0, 1);
	free(tp);
}

/* Below hystart_low_window (16) HyStart does not look. */
TEST(hystart_waits_for_low_window)
{
	uint64_t t = 1000000;
	struct tcp_sock *tp;

	test_sim_start(RUN_SEED);
	if (!usn_net_default()->ipv4)
		TEST_SKIP_ALL("IPv4 is not started");
	tp = fake_sock();
	tp->snd_cwnd = 15;
	tp->snd_nxt = 1000;
	tp->tcp_mstamp = t;
	tcp_cubic.init(tp_sk(tp));
	for (int i = 1; i <= 80; i++)
		hystart_ack(tp, t + (uint64_t)i * 1000, 100000 + i * 1000);
	EXPECT_EQ(tp->snd_ssthresh, TCP_INFINITE_SSTHRESH);
	EXPECT_EQ(((struct bictcp *)tcp_ca_priv(tp_sk(tp)))->delay_min, 101000);
	free(tp);
}
