/* SPDX-License-Identifier: MIT */
/*
 * tcp_lossopt_test.c - the loss-recovery tunables and details: the
 * sysctls tcp_dsack, tcp_recovery, tcp_frto and tcp_min_rtt_wlen (their
 * Linux defaults, and each changing behaviour) and the windowed min-RTT
 * filter behind tcpi_min_rtt. Two namespaces on a memlink, simulated
 * time.
 */
#include "tcp_test_util.h"

#define LOSSOPT_SEED	0x1055ULL

static void set_link(struct rig *g, uint64_t delay_ns, double loss,
		     double dup)
{
	struct usn_memlink_params p;

	memset(&p, 0, sizeof(p));
	p.delay_ns = delay_ns;
	p.loss = loss;
	p.duplicate = dup;
	EXPECT_OK(usn_memlink_set_params(g->a, g->ifa, &p));
	p.loss = 0;
	p.duplicate = 0;
	EXPECT_OK(usn_memlink_set_params(g->b, g->ifb, &p));
}

static void close_pair(struct rig *g, int c, int s, int l)
{
	set_link(g, 1 * MS, 0, 0);
	usn_setns(g->a);
	usn_close(c);
	usn_setns(g->b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(2 * SEC);
	rig_close(g);
}

static long sysctl_int(struct usn_net *net, const char *name)
{
	char buf[64];
	size_t len = sizeof(buf);

	if (usn_sysctl(net, name, buf, &len, NULL))
		return -1;
	return strtol(buf, NULL, 10);
}

TEST(loss_sysctls_have_linux_defaults)
{
	struct rig g;

	inet_test_start(LOSSOPT_SEED);
	ASSERT_TRUE(rig_open(&g));
	EXPECT_EQ(sysctl_int(g.a, "net.ipv4.tcp_dsack"), 1);
	EXPECT_EQ(sysctl_int(g.a, "net.ipv4.tcp_recovery"), 1);
	EXPECT_EQ(sysctl_int(g.a, "net.ipv4.tcp_frto"), 2);
	EXPECT_EQ(sysctl_int(g.a, "net.ipv4.tcp_min_rtt_wlen"), 300);
	/* Linux's bounds: a day at most for the window. */
	EXPECT_EQ(usn_sysctl(g.a, "net.ipv4.tcp_min_rtt_wlen", NULL, NULL,
			     "86401"), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_recovery", NULL, NULL, "5"));
	EXPECT_EQ(sysctl_int(g.a, "net.ipv4.tcp_recovery"), 5);
	rig_close(&g);
}

/* Duplicated segments: D-SACKs from the receiver only with tcp_dsack. */
static uint64_t dsacks_sent(const char *dsack)
{
	uint64_t n;
	struct rig g;
	int l, c, s;

	inet_test_start(LOSSOPT_SEED);
	if (!rig_open(&g))
		return UINT64_MAX;
	EXPECT_OK(usn_sysctl(g.b, "net.ipv4.tcp_dsack", NULL, NULL, dsack));
	set_link(&g, 1 * MS, 0, 0);
	c = tcp_pair(&g, 6201, &l, &s);
	EXPECT_TRUE(c >= 0);
	set_link(&g, 1 * MS, 0, 0.05);
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 1u << 20, NULL), 1 << 20);
	n = snmp(g.b, "TcpExt.TCPDSACKOldSent") +
	    snmp(g.b, "TcpExt.TCPDSACKOfoSent");
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPDSACKRecv") > 0, n > 0);
	close_pair(&g, c, s, l);
	return n;
}

TEST(tcp_dsack_sysctl)
{
	EXPECT_TRUE(dsacks_sent("1") > 0);
	EXPECT_EQ(dsacks_sent("0"), 0);
}

/*
 * A delay spike on the ACK path makes the RTO fire spuriously (see
 * tcp_sack_test's spurious_rto_is_undone). Timestamps are off, so only
 * F-RTO can tell: with tcp_frto it detects the spurious timeout.
 */
static uint64_t spurious_rtos(const char *frto)
{
	static char buf[20000];
	struct usn_memlink_params p;
	uint64_t n;
	struct rig g;
	int l, c, s, one = 1;

	inet_test_start(LOSSOPT_SEED);
	if (!rig_open(&g))
		return UINT64_MAX;
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_frto", NULL, NULL, frto));
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_timestamps", NULL, NULL, "0"));
	set_link(&g, 1 * MS, 0, 0);
	c = tcp_pair(&g, 6202, &l, &s);
	EXPECT_TRUE(c >= 0);
	usn_setns(g.a);
	usn_setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	EXPECT_EQ(usn_send(c, buf, 100, 0), 100);
	usn_sim_run(50 * MS);
	usn_setns(g.b);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 100);
	/* The ACKs of the next flight are held up past the RTO. */
	memset(&p, 0, sizeof(p));
	p.delay_ns = 300 * MS;
	EXPECT_OK(usn_memlink_set_params(g.b, g.ifb, &p));
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, buf, 8 * 1448, 0), 8 * 1448);
	usn_sim_run(280 * MS);
	p.delay_ns = 1 * MS;
	EXPECT_OK(usn_memlink_set_params(g.b, g.ifb, &p));
	/* New data for F-RTO's step 2. */
	EXPECT_EQ(usn_send(c, buf, 8 * 1448, 0), 8 * 1448);
	usn_sim_run(2 * SEC);
	usn_setns(g.b);
	while (usn_recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	usn_sim_run(1 * SEC);
	EXPECT_TRUE(snmp(g.a, "TcpExt.TCPTimeouts") >= 1);
	n = snmp(g.a, "TcpExt.TCPSpuriousRTOs");
	close_pair(&g, c, s, l);
	return n;
}

TEST(tcp_frto_sysctl)
{
	EXPECT_TRUE(spurious_rtos("2") >= 1);
	EXPECT_EQ(spurious_rtos("0"), 0);
}

/*
 * tcpi_min_rtt of @fd, us: at byte 148 of linux/tcp.h's struct tcp_info
 * (this libc's <netinet/tcp.h> stops before it).
 */
#define TCPI_MIN_RTT_OFF	148

static uint32_t min_rtt(struct usn_net *net, int fd)
{
	uint8_t ti[256];
	socklen_t len = sizeof(ti);
	uint32_t v;

	usn_setns(net);
	memset(ti, 0, sizeof(ti));
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len));
	EXPECT_TRUE(len >= TCPI_MIN_RTT_OFF + 4);
	memcpy(&v, ti + TCPI_MIN_RTT_OFF, sizeof(v));
	return v;
}

/*
 * The path gets longer (2 ms -> 40 ms RTT): with a 1 s window the
 * filter forgets the old minimum; with Linux's 300 s it keeps it.
 */
static uint32_t min_rtt_after_change(const char *wlen)
{
	struct rig g;
	uint32_t m;
	int l, c, s;

	inet_test_start(LOSSOPT_SEED);
	if (!rig_open(&g))
		return 0;
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_min_rtt_wlen", NULL, NULL,
			     wlen));
	set_link(&g, 1 * MS, 0, 0);
	c = tcp_pair(&g, 6203, &l, &s);
	EXPECT_TRUE(c >= 0);
	EXPECT_EQ(min_rtt(g.b, l), ~0u);	/* a listener: no sample, ~0 */
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 64u << 10, NULL), 64 << 10);
	m = min_rtt(g.a, c);
	EXPECT_TRUE(m >= 2000 && m < 4000);
	set_link(&g, 20 * MS, 0, 0);
	for (int i = 0; i < 30; i++) {
		EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 16u << 10, NULL),
			  16 << 10);
		usn_sim_run(100 * MS);
	}
	m = min_rtt(g.a, c);
	close_pair(&g, c, s, l);
	return m;
}

TEST(min_rtt_filter_is_windowed)
{
	uint32_t m = min_rtt_after_change("1");

	EXPECT_TRUE(m >= 40000 && m < 45000);
	m = min_rtt_after_change("300");
	EXPECT_TRUE(m >= 2000 && m < 4000);
}

