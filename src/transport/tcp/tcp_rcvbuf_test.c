/* SPDX-License-Identifier: MIT */
/*
 * tcp_rcvbuf_test.c - receive-buffer auto-tuning (tcp_rcv_space_adjust):
 * a bulk transfer over a 1 Gbit/s memlink with 10 ms one-way delay grows
 * the receiver's sk_rcvbuf toward tcp_rmem[2] and its window far past
 * 64 KiB, with timestamps (the receiver's RTT from their echoes) and
 * without (one window's worth of arrivals); SO_RCVBUF set by the user and
 * net.ipv4.tcp_moderate_rcvbuf=0 each keep the buffer where it was.
 */
#include "tcp_test_util.h"

#define RUN_SEED	0x5d1ULL
#define BULK		(32u << 20)

struct run {
	double		mbps;		/* goodput in virtual time */
	int		rcvbuf;		/* the receiver's SO_RCVBUF after */
	struct tcp_info	ti;		/* the receiver's TCP_INFO after */
	uint64_t	retrans;
};

/*
 * One BULK transfer a -> b on a 1 Gbit/s link, 10 ms each way; @lock_rcvbuf
 * sets SO_RCVBUF on the receiver first (0: leave it), @sysctl_b is one
 * "name=value" for b (or NULL), @no_ts turns timestamps off in a.
 */
static void bulk_run(struct run *r, int lock_rcvbuf, const char *sysctl_b,
		     bool no_ts)
{
	struct usn_memlink_params p;
	struct rig g;
	uint64_t h = 0, t0;
	socklen_t len;
	int l, c, s;

	memset(r, 0, sizeof(*r));
	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	memset(&p, 0, sizeof(p));
	p.rate_bps = 1000000000ULL;
	p.delay_ns = 10 * MS;
	p.queue_len = 8192;
	EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
	EXPECT_OK(usn_memlink_set_params(g.b, g.ifb, &p));
	if (sysctl_b) {
		char name[64];
		const char *eq = strchr(sysctl_b, '=');

		ASSERT_TRUE(eq && (size_t)(eq - sysctl_b) < sizeof(name));
		memcpy(name, sysctl_b, (size_t)(eq - sysctl_b));
		name[eq - sysctl_b] = 0;
		EXPECT_OK(usn_sysctl(g.b, name, NULL, NULL, eq + 1));
	}
	if (no_ts)
		EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_timestamps", NULL, NULL,
				     "0"));
	c = tcp_pair(&g, 5100, &l, &s);
	ASSERT_TRUE(c >= 0);
	usn_setns(g.b);
	if (lock_rcvbuf)
		EXPECT_OK(usn_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &lock_rcvbuf,
					 sizeof(lock_rcvbuf)));
	t0 = usn_net_now(g.a);
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, BULK, &h), (int64_t)BULK);
	r->mbps = (double)BULK * 8 * 1000 / (double)(usn_net_now(g.a) - t0);
	usn_setns(g.b);
	len = sizeof(r->rcvbuf);
	EXPECT_OK(usn_getsockopt(s, SOL_SOCKET, SO_RCVBUF, &r->rcvbuf, &len));
	len = sizeof(r->ti);
	EXPECT_OK(usn_getsockopt(s, IPPROTO_TCP, TCP_INFO, &r->ti, &len));
	r->retrans = snmp(g.a, "Tcp.RetransSegs");
	usn_setns(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(100 * MS);
	rig_close(&g);
}

TEST(rcvbuf_grows_on_a_long_fat_path)
{
	struct run r;

	bulk_run(&r, 0, NULL, false);
	/* 64 KiB per 20 ms would be 26 Mbit/s. */
	EXPECT_TRUE(r.mbps > 500.0);
	EXPECT_TRUE(r.rcvbuf > 131072);
	EXPECT_TRUE(r.rcvbuf <= 6291456);	/* tcp_rmem[2] */
	EXPECT_TRUE(r.ti.tcpi_rcv_ssthresh > 1u << 20);
	EXPECT_TRUE(r.ti.tcpi_rcv_space > 65536);
	/* The receiver's RTT estimate, from the timestamps: about 20 ms. */
	EXPECT_TRUE(r.ti.tcpi_rcv_rtt >= 20000 && r.ti.tcpi_rcv_rtt < 40000);
	EXPECT_EQ(r.retrans, 0);
}

TEST(rcvbuf_grows_without_timestamps)
{
	struct run r;

	bulk_run(&r, 0, NULL, true);
	EXPECT_EQ(r.ti.tcpi_options & TCPI_OPT_TIMESTAMPS, 0);
	EXPECT_TRUE(r.mbps > 500.0);
	EXPECT_TRUE(r.rcvbuf > 131072);
	EXPECT_TRUE(r.ti.tcpi_rcv_ssthresh > 1u << 20);
	EXPECT_TRUE(r.ti.tcpi_rcv_rtt >= 20000);
}

TEST(rcvbuf_ceiling_is_tcp_rmem_max)
{
	struct run r;

	bulk_run(&r, 0, "net.ipv4.tcp_rmem=4096 131072 524288", false);
	EXPECT_EQ(r.rcvbuf, 524288);
	EXPECT_TRUE(r.ti.tcpi_rcv_ssthresh <= 524288);
	EXPECT_TRUE(r.ti.tcpi_rcv_ssthresh > 65536);
}

TEST(so_rcvbuf_turns_auto_tuning_off)
{
	struct run r;

	bulk_run(&r, 65536, NULL, false);
	EXPECT_EQ(r.rcvbuf, 131072);		/* twice what was asked */
	EXPECT_TRUE(r.ti.tcpi_rcv_ssthresh <= 65536);
	EXPECT_TRUE(r.mbps < 100.0);
}

TEST(moderate_rcvbuf_0_turns_auto_tuning_off)
{
	struct run r;

	bulk_run(&r, 0, "net.ipv4.tcp_moderate_rcvbuf=0", false);
	EXPECT_EQ(r.rcvbuf, 131072);		/* tcp_rmem[1] */
	EXPECT_TRUE(r.ti.tcpi_rcv_ssthresh <= 65536);
	/* Still measured, for TCP_INFO. */
	EXPECT_TRUE(r.ti.tcpi_rcv_space > 0);
	EXPECT_TRUE(r.mbps < 100.0);
}
