/* SPDX-License-Identifier: MIT */
/*
 * tcp_cc_test.c - congestion control on the wire (simulated time): CUBIC
 * is the namespace default, TCP_CONGESTION and the sysctls select it,
 * HyStart leaves slow start before the first loss on a long, slow path
 * where Reno overflows the queue, and CUBIC moves bulk data byte-exact
 * over lossy links. The algorithm's arithmetic: tcp_cubic_test.c.
 */
#include "tcp_test_util.h"

#define RUN_SEED	0xc0b1cULL
#define TCP_CA_NAME_MAX	16

/* ---- selection ------------------------------------------------------------ */

static void ca_name(int fd, char *name, socklen_t *len)
{
	memset(name, 0x55, *len);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, len));
}

TEST(default_is_cubic_and_tcp_congestion_switches)
{
	char name[32];
	socklen_t len = sizeof(name);
	int fd;

	inet_test_start(RUN_SEED);
	fd = sock_in(usn_net_default(), SOCK_STREAM, 0);
	ASSERT_TRUE(fd >= 0);
	ca_name(fd, name, &len);
	EXPECT_EQ(len, TCP_CA_NAME_MAX);
	EXPECT_STREQ(name, "cubic");
	/* The name is padded with NULs to TCP_CA_NAME_MAX. */
	for (int i = 5; i < TCP_CA_NAME_MAX; i++)
		EXPECT_EQ(name[i], 0);
	EXPECT_EQ((unsigned char)name[TCP_CA_NAME_MAX], 0x55);

	EXPECT_OK(usn_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	len = sizeof(name);
	ca_name(fd, name, &len);
	EXPECT_STREQ(name, "reno");
	/* A NUL ends the name; the length counts no further. */
	EXPECT_OK(usn_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "cubic\0xyz", 9));
	len = sizeof(name);
	ca_name(fd, name, &len);
	EXPECT_STREQ(name, "cubic");
	/* Short buffers get a prefix, as Linux. */
	memset(name, 0x55, sizeof(name));
	len = 3;
	ca_name(fd, name, &len);
	EXPECT_EQ(len, 3);
	EXPECT_TRUE(!memcmp(name, "cub", 3));
	EXPECT_EQ((unsigned char)name[3], 0x55);
	len = 0;
	ca_name(fd, name, &len);
	EXPECT_EQ(len, 0);

	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "vegas", 5), ENOENT);
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "", 0), EINVAL);
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "cubicc", 6),
		     ENOENT);
	/* Only the first 15 bytes count: "cubic" padded past them is not it. */
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION,
				    "cubic           x", 17), ENOENT);
	len = sizeof(name);
	ca_name(fd, name, &len);
	EXPECT_STREQ(name, "cubic");
	usn_close(fd);
}

static const char *sysctl_get(struct usn_net *net, const char *name)
{
	static char buf[64];
	size_t len = sizeof(buf);

	if (usn_sysctl(net, name, buf, &len, NULL) < 0)
		return NULL;
	return buf;
}

TEST(namespace_default_follows_the_sysctl)
{
	struct usn_net *net;
	char name[TCP_CA_NAME_MAX];
	socklen_t len = sizeof(name);
	int a, b;

	inet_test_start(RUN_SEED);
	net = usn_net_create("cc", 0);
	ASSERT_TRUE(net);
	EXPECT_STREQ(sysctl_get(net, "net.ipv4.tcp_congestion_control"), "cubic\n");
	EXPECT_STREQ(sysctl_get(net, "net.ipv4.tcp_available_congestion_control"),
		     "reno cubic\n");
	a = sock_in(net, SOCK_STREAM, 0);
	EXPECT_OK(usn_sysctl(net, "net.ipv4.tcp_congestion_control", NULL, NULL,
			     "reno\n"));
	EXPECT_STREQ(sysctl_get(net, "net.ipv4.tcp_congestion_control"), "reno\n");
	b = sock_in(net, SOCK_STREAM, 0);
	ASSERT_TRUE(a >= 0 && b >= 0);
	/* Sockets made before keep theirs. */
	ca_name(a, name, &len);
	EXPECT_STREQ(name, "cubic");
	len = sizeof(name);
	ca_name(b, name, &len);
	EXPECT_STREQ(name, "reno");
	/* Other namespaces are not affected. */
	EXPECT_STREQ(sysctl_get(usn_net_default(), "net.ipv4.tcp_congestion_control"),
		     "cubic\n");
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.tcp_congestion_control", NULL, NULL,
				"bbr"), ENOENT);
	EXPECT_STREQ(sysctl_get(net, "net.ipv4.tcp_congestion_control"), "reno\n");
	usn_setns(net);
	usn_close(a);
	usn_close(b);
	usn_setns(NULL);
	EXPECT_OK(usn_net_destroy(net));
}

/* ---- on the wire ---------------------------------------------------------- */

/* A 4 Mbit/s path with 50 ms each way and a queue of ~100 frames. */
static void slow_long_path(struct rig *g, struct usn_memlink_params *p)
{
	memset(p, 0, sizeof(*p));
	p->rate_bps = 4000000;
	p->delay_ns = 50 * MS;
	p->queue_len = 100;
	EXPECT_OK(usn_memlink_set_params(g->a, g->ifa, p));
	EXPECT_OK(usn_memlink_set_params(g->b, g->ifb, p));
}

/*
 * Slow start over the path with @cc: the sender's retransmissions and the
 * window HyStart left slow start at (0: it did not).
 */
static void slow_start_over_long_path(const char *cc, uint16_t port,
				      uint64_t *retrans, uint64_t *hystart_cwnd)
{
	struct usn_memlink_params p;
	struct rig g;
	int l, c, s;

	ASSERT_TRUE(rig_open(&g));
	/* A receive window well above the path's 34-segment BDP. */
	EXPECT_OK(usn_sysctl(g.b, "net.ipv4.tcp_rmem", NULL, NULL,
			     "4096 4194304 6291456"));
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_congestion_control", NULL, NULL, cc));
	slow_long_path(&g, &p);
	c = tcp_pair(&g, port, &l, &s);
	ASSERT_TRUE(c >= 0);
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 600u << 10, NULL), 600 << 10);
	*retrans = snmp(g.a, "Tcp.RetransSegs");
	*hystart_cwnd = snmp(g.a, "TcpExt.TCPHystartDelayCwnd") +
			snmp(g.a, "TcpExt.TCPHystartTrainCwnd");
	memset(&p, 0, sizeof(p));
	usn_memlink_set_params(g.a, g.ifa, &p);
	usn_memlink_set_params(g.b, g.ifb, &p);
	usn_setns(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(2 * SEC);
	rig_close(&g);
}

TEST(hystart_leaves_slow_start_before_loss)
{
	uint64_t retrans = 0, cwnd = 0;

	inet_test_start(RUN_SEED);
	/* Reno's slow start overflows the queue... */
	slow_start_over_long_path("reno", 5100, &retrans, &cwnd);
	EXPECT_TRUE(retrans > 0);
	EXPECT_EQ(cwnd, 0);
	/* ...CUBIC's stops when the RTT grows, with nothing lost. */
	slow_start_over_long_path("cubic", 5101, &retrans, &cwnd);
	EXPECT_EQ(retrans, 0);
	/* Between the path's BDP (34) and what the queue can hold (~118). */
	if (cwnd < 34 || cwnd > 118)
		TEST_FAIL_AT("HyStart left slow start at cwnd %llu",
			     (unsigned long long)cwnd);
}

static void cubic_lossy_transfer(double loss, uint64_t bytes, uint16_t port)
{
	struct usn_memlink_params p;
	char name[TCP_CA_NAME_MAX];
	socklen_t len = sizeof(name);
	struct rig g;
	int l, c, s;

	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, port, &l, &s);
	ASSERT_TRUE(c >= 0);
	usn_setns(g.a);
	ca_name(c, name, &len);
	EXPECT_STREQ(name, "cubic");
	memset(&p, 0, sizeof(p));
	p.loss = loss;
	p.delay_ns = 5 * MS;
	p.rate_bps = 100000000;
	EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
	EXPECT_OK(usn_memlink_set_params(g.b, g.ifb, &p));
	/* Every byte checked, and the hashes of both ends compared. */
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, bytes, NULL), (int64_t)bytes);
	EXPECT_TRUE(snmp(g.a, "Tcp.RetransSegs") > 0);
	memset(&p, 0, sizeof(p));
	usn_memlink_set_params(g.a, g.ifa, &p);
	usn_memlink_set_params(g.b, g.ifb, &p);
	usn_setns(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(2 * SEC);
	rig_close(&g);
}

TEST(cubic_transfer_with_1_percent_loss)
{
	inet_test_start(RUN_SEED);
	cubic_lossy_transfer(0.01, 4u << 20, 5110);
}

TEST(cubic_transfer_with_5_percent_loss)
{
	inet_test_start(RUN_SEED);
	cubic_lossy_transfer(0.05, 2u << 20, 5111);
}

/* Switching the algorithm of a connection in the middle of a transfer. */
TEST(switch_algorithm_mid_transfer)
{
	struct rig g;
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 5112, &l, &s);
	ASSERT_TRUE(c >= 0);
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 1u << 20, NULL), 1 << 20);
	usn_setns(g.a);
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 1u << 20, NULL), 1 << 20);
	usn_setns(g.a);
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5));
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 1u << 20, NULL), 1 << 20);
	usn_setns(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(2 * SEC);
	rig_close(&g);
}
