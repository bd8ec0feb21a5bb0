/* SPDX-License-Identifier: MIT */
/*
 * tcp_prr_test.c - Proportional Rate Reduction (RFC 6937) under heavy
 * loss, on a memlink in simulated time with a fixed seed: a 20% lossy
 * path with a receive window far above the path's BDP. The sender's
 * TCP_INFO is sampled every millisecond of virtual time.
 *
 * PRR only ever lets the window shrink towards ssthresh while in
 * Recovery: it is the pipe plus what the ACK's deliveries allow, and the
 * pipe was at most the window before the reduction. With CUBIC's beta
 * (0.7) or Reno's (0.5), cwnd in Recovery therefore never exceeds twice
 * ssthresh (plus the one forced fast retransmit). And leaving Recovery
 * puts cwnd at ssthresh (tcp_end_cwnd_reduction), so goodput stays in
 * the range the loss rate allows (Mathis et al.: MSS/RTT * 1.22/sqrt(p),
 * ~3.2 Mbit/s at 20% and a 10 ms RTT), not a hundred times above it.
 */
#include "tcp_test_util.h"

#define PRR_SEED	0x9a1eULL

struct prr_trace {
	unsigned int	samples, in_recovery, above;
	uint32_t	worst_cwnd, worst_ssthresh;
};

static void prr_sample(int fd, struct prr_trace *t)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (usn_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return;
	t->samples++;
	if (ti.tcpi_ca_state != 3)	/* TCP_CA_Recovery */
		return;
	t->in_recovery++;
	if (ti.tcpi_snd_cwnd > 2 * ti.tcpi_snd_ssthresh + 1) {
		if (!t->above++ || ti.tcpi_snd_cwnd > t->worst_cwnd) {
			t->worst_cwnd = ti.tcpi_snd_cwnd;
			t->worst_ssthresh = ti.tcpi_snd_ssthresh;
		}
	}
}

/*
 * Like bulk_transfer(), without the per-byte pattern check (the hash
 * still covers every byte), sampling @tx's TCP_INFO once per step.
 */
static int64_t traced_transfer(struct usn_net *txnet, int tx,
			       struct usn_net *rxnet, int rx, uint64_t total,
			       struct prr_trace *t)
{
	static uint8_t buf[65536];
	uint64_t sent = 0, got = 0, h = FNV_INIT, hs = FNV_INIT;
	int idle = 0;

	usn_setns(txnet);
	usn_fcntl(tx, F_SETFL, O_NONBLOCK);
	usn_setns(rxnet);
	usn_fcntl(rx, F_SETFL, O_NONBLOCK);
	while (got < total) {
		bool progress = false;

		usn_setns(txnet);
		while (sent < total) {
			size_t n = (size_t)min_t(uint64_t, sizeof(buf), total - sent);
			ssize_t w;

			for (size_t i = 0; i < n; i++)
				buf[i] = stream_byte(sent + i);
			w = usn_send(tx, buf, n, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			hs = fnv1a(hs, buf, (size_t)w);
			sent += (uint64_t)w;
			progress = true;
		}
		prr_sample(tx, t);
		usn_setns(rxnet);
		for (;;) {
			ssize_t r = usn_recv(rx, buf, sizeof(buf), 0);

			if (r <= 0)
				break;
			h = fnv1a(h, buf, (size_t)r);
			got += (uint64_t)r;
			progress = true;
		}
		if (!progress && ++idle > 600000)
			return -1;
		if (progress)
			idle = 0;
		usn_sim_run(1000000);	/* 1 ms of virtual time */
	}
	return h == hs ? (int64_t)got : -1;
}

static void set_path(struct rig *g, double loss)
{
	struct usn_memlink_params p;

	memset(&p, 0, sizeof(p));
	p.delay_ns = 5 * MS;
	p.rate_bps = 1000000000ULL;
	p.queue_len = 4096;
	p.loss = loss;
	EXPECT_OK(usn_memlink_set_params(g->a, g->ifa, &p));
	p.loss = 0;	/* the ACKs come back intact */
	EXPECT_OK(usn_memlink_set_params(g->b, g->ifb, &p));
}

static void close_pair_prr(struct rig *g, int c, int s, int l)
{
	set_path(g, 0);
	usn_setns(g->a);
	usn_close(c);
	usn_setns(g->b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(2 * SEC);
	rig_close(g);
}

TEST(prr_holds_cwnd_down_at_20_percent_loss)
{
	const uint64_t bytes = 2u << 20;
	struct prr_trace t;
	uint64_t t0, dt, mbps_x100;
	struct rig g;
	int l, c, s;

	inet_test_start(PRR_SEED);
	ASSERT_TRUE(rig_open(&g));
	/* A 6 MiB receive buffer: the window is never what limits. */
	ASSERT_TRUE(!usn_sysctl(g.b, "net.ipv4.tcp_rmem", NULL, NULL,
			     "4096 6291456 6291456"));
	set_path(&g, 0);
	c = tcp_pair(&g, 6101, &l, &s);
	ASSERT_TRUE(c >= 0);
	set_path(&g, 0.20);
	memset(&t, 0, sizeof(t));
	t0 = usn_net_now(g.a);
	EXPECT_EQ(traced_transfer(g.a, c, g.b, s, bytes, &t), (int64_t)bytes);
	dt = usn_net_now(g.a) - t0;
	mbps_x100 = bytes * 8 * 100 * 1000 / (dt ? dt : 1);
	fprintf(stderr, "  %u samples, %u in Recovery, %u with cwnd > 2 ssthresh "
		"+ 1 (worst %u/%u); %llu.%02llu Mbit/s, %llu RTOs, "
		"%llu recoveries\n", t.samples, t.in_recovery, t.above,
		t.worst_cwnd, t.worst_ssthresh,
		(unsigned long long)(mbps_x100 / 100),
		(unsigned long long)(mbps_x100 % 100),
		(unsigned long long)snmp(g.a, "TcpExt.TCPTimeouts"),
		(unsigned long long)snmp(g.a, "TcpExt.TCPSackRecovery"));
	EXPECT_TRUE(t.in_recovery > 0);
	EXPECT_EQ(t.above, 0);
	/* Within a few times the Mathis estimate (~3.2 Mbit/s), not 100x. */
	EXPECT_TRUE(mbps_x100 < 15 * 100);
	/* ...and no stall: the Padhye model (with timeouts) says ~0.15. */
	EXPECT_TRUE(mbps_x100 > 5);
	close_pair_prr(&g, c, s, l);
}
