/* SPDX-License-Identifier: MIT */
/*
 * tcp_state_test.c - closing and resetting TCP connections, and the
 * timers and options around them: RST on close with unread data,
 * SO_LINGER 0, half-close, EPIPE and SIGPIPE, RFC 5961 challenge ACKs,
 * listen backlog overflow, TIME_WAIT reuse, keepalive, zero-window
 * probes, Nagle and TCP_CORK, queue ioctls, loopback.
 */
#include "tcp_test_util.h"
#include "wire/checksum.h"

#define RUN_SEED	0x51ceULL

static volatile int sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

TEST(close_with_unread_data_sends_rst)
{
	struct rig g;
	char buf[16];
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 6000, &l, &s);
	ASSERT_TRUE(c >= 0);
	EXPECT_EQ(usn_send(s, "unread", 6, 0), 6);
	usn_sim_run(10 * MS);
	usn_setns(g.a);
	EXPECT_OK(usn_close(c));
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPAbortOnClose"), 1);
	EXPECT_EQ(snmp(g.a, "Tcp.OutRsts"), 1);
	usn_setns(g.b);
	usn_sim_run(10 * MS);
	EXPECT_ERRNO(usn_recv(s, buf, sizeof(buf), 0), ECONNRESET);
	EXPECT_EQ(snmp(g.b, "Tcp.EstabResets"), 1);
	/* Then EPIPE, with SIGPIPE unless MSG_NOSIGNAL. */
	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	EXPECT_ERRNO(usn_send(s, "x", 1, 0), EPIPE);
	EXPECT_EQ(sigpipes, 1);
	EXPECT_ERRNO(usn_send(s, "x", 1, MSG_NOSIGNAL), EPIPE);
	EXPECT_EQ(sigpipes, 1);
	signal(SIGPIPE, SIG_DFL);
	usn_close(s);
	usn_close(l);
	rig_close(&g);
}

TEST(so_linger_zero_aborts_with_rst)
{
	struct linger lg = { 1, 0 };
	struct rig g;
	char buf[16];
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 6001, &l, &s);
	ASSERT_TRUE(c >= 0);
	usn_setns(g.a);
	EXPECT_OK(usn_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	EXPECT_OK(usn_close(c));
	EXPECT_EQ(snmp(g.a, "Tcp.OutRsts"), 1);
	usn_setns(g.b);
	usn_sim_run(10 * MS);
	EXPECT_ERRNO(usn_recv(s, buf, sizeof(buf), 0), ECONNRESET);
	usn_close(s);
	usn_close(l);
	/* No TIME_WAIT after an abort. */
	usn_sim_run(61 * SEC);
	EXPECT_EQ(snmp(g.a, "TcpExt.TW"), 0);
	rig_close(&g);
}

TEST(shutdown_write_half_close)
{
	struct pollfd pfd;
	struct rig g;
	char buf[16];
	int l, c, s, n = -1;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 6002, &l, &s);
	ASSERT_TRUE(c >= 0);
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, "abc", 3, 0), 3);
	EXPECT_OK(usn_shutdown(c, SHUT_WR));
	EXPECT_EQ(tcp_state(c), TCP_FIN_WAIT1);
	usn_setns(g.b);
	usn_sim_run(10 * MS);
	/* SIOCINQ counts the data, not the FIN. */
	EXPECT_OK(usn_ioctl(s, FIONREAD, &n));
	EXPECT_EQ(n, 3);
	pfd.fd = s;
	pfd.events = POLLIN | POLLRDHUP | POLLOUT;
	EXPECT_EQ(usn_poll(&pfd, 1, 0), 1);
	EXPECT_EQ(pfd.revents, POLLIN | POLLRDHUP | POLLOUT);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 3);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 0);
	EXPECT_EQ(tcp_state(s), TCP_CLOSE_WAIT);
	/* The other direction still works. */
	EXPECT_EQ(usn_send(s, "back", 4, 0), 4);
	usn_setns(g.a);
	EXPECT_EQ(usn_recv(c, buf, sizeof(buf), 0), 4);
	EXPECT_EQ(tcp_state(c), TCP_FIN_WAIT2);
	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	EXPECT_ERRNO(usn_send(c, "x", 1, 0), EPIPE);
	EXPECT_EQ(sigpipes, 1);
	signal(SIGPIPE, SIG_DFL);
	usn_setns(g.b);
	EXPECT_OK(usn_close(s));
	usn_sim_run(10 * MS);
	usn_setns(g.a);
	EXPECT_EQ(tcp_state(c), TCP_CLOSE);	/* a TIME_WAIT sock took over */
	EXPECT_EQ(usn_recv(c, buf, sizeof(buf), 0), 0);
	EXPECT_OK(usn_close(c));
	usn_setns(g.b);
	usn_close(l);
	usn_sim_run(61 * SEC);
	rig_close(&g);
}

TEST(simultaneous_close_goes_through_closing)
{
	struct rig g;
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 6003, &l, &s);
	ASSERT_TRUE(c >= 0);
	usn_setns(g.a);
	EXPECT_OK(usn_shutdown(c, SHUT_WR));
	usn_setns(g.b);
	EXPECT_OK(usn_shutdown(s, SHUT_WR));
	EXPECT_EQ(tcp_state(s), TCP_FIN_WAIT1);
	usn_sim_run(100 * MS);
	/* Both FINs crossed: both sides end in TIME_WAIT, the sockets closed. */
	EXPECT_EQ(tcp_state(s), TCP_CLOSE);
	usn_setns(g.a);
	EXPECT_EQ(tcp_state(c), TCP_CLOSE);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(61 * SEC);
	EXPECT_EQ(snmp(g.a, "TcpExt.TW"), 1);
	EXPECT_EQ(snmp(g.b, "TcpExt.TW"), 1);
	rig_close(&g);
}

TEST(listen_backlog_overflow_drops_syns)
{
	struct sockaddr_in to = SIN("10.0.0.2", 6004);
	struct rig g;
	int l, c[4], s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	l = tcp_listener(g.b, "0.0.0.0", 6004, 1);
	ASSERT_TRUE(l >= 0);
	for (int i = 0; i < 4; i++) {
		c[i] = sock_in(g.a, SOCK_STREAM, 0);
		usn_fcntl(c[i], F_SETFL, O_NONBLOCK);
		EXPECT_ERRNO(usn_connect(c[i], SA(&to), sizeof(to)), EINPROGRESS);
		usn_sim_run(5 * MS);
	}
	/* backlog 1: the accept queue holds two (Linux's ">" test). */
	EXPECT_EQ(snmp(g.b, "Tcp.PassiveOpens"), 2);
	EXPECT_TRUE(snmp(g.b, "TcpExt.ListenOverflows") >= 2);
	EXPECT_TRUE(snmp(g.b, "TcpExt.ListenDrops") >= 2);
	usn_setns(g.b);
	for (int i = 0; i < 2; i++) {
		s = usn_accept(l, NULL, NULL);
		EXPECT_TRUE(s >= 0);
		usn_close(s);
	}
	/* The dropped SYNs are retransmitted and get in now. */
	usn_sim_run(4 * SEC);
	EXPECT_EQ(snmp(g.b, "Tcp.PassiveOpens"), 4);
	usn_setns(g.b);
	usn_close(l);
	usn_setns(g.a);
	for (int i = 0; i < 4; i++)
		usn_close(c[i]);
	usn_sim_run(61 * SEC);
	rig_close(&g);
}

/* A TCP segment from a raw socket in @net to b's connection. */
static void inject(struct usn_net *net, uint16_t sport, uint16_t dport,
		   uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0);
	uint8_t th[20];
	int r = sock_in(net, SOCK_RAW, IPPROTO_TCP);

	memset(th, 0, sizeof(th));
	store_be16(th, sport);
	store_be16(th + 2, dport);
	store_be32(th + 4, seq);
	store_be32(th + 8, ack);
	th[12] = 5 << 4;
	th[13] = flags;
	store_be16(th + 14, 1000);
	store_be16(th + 16, csum_tcpudp_magic(A("10.0.0.1"), A("10.0.0.2"), 20,
					      IPPROTO_TCP, csum_partial(th, 20, 0)));
	EXPECT_EQ(usn_sendto(r, th, sizeof(th), 0, SA(&to), sizeof(to)), 20);
	usn_close(r);
}

TEST(rfc5961_rst_in_window_gets_challenge_ack_exact_resets)
{
	static struct capture cap;
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	const struct seg *last;
	struct rig g;
	char buf[8];
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 6005, &l, &s);
	ASSERT_TRUE(c >= 0);
	cap_start(&cap, g.a);
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, "x", 1, 0), 1);
	usn_sim_run(100 * MS);
	usn_setns(g.b);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 1);
	usn_setns(g.a);
	EXPECT_OK(usn_getsockname(c, SA(&me), &len));
	last = cap_find(&cap, true, TH_ACK, 0);
	ASSERT_TRUE(last);
	/* In the window, not exact: a challenge ACK, the connection stays. */
	inject(g.a, ntohs(me.sin_port), 6005, last->seq + 1 + 1000, 0, TH_RST);
	usn_sim_run(10 * MS);
	EXPECT_EQ(snmp(g.b, "TcpExt.TCPChallengeACK"), 1);
	EXPECT_EQ(tcp_state(s), TCP_ESTABLISHED);
	/* A second one within tcp_invalid_ratelimit is not answered. */
	inject(g.a, ntohs(me.sin_port), 6005, last->seq + 1 + 2000, 0, TH_RST);
	usn_sim_run(10 * MS);
	EXPECT_EQ(snmp(g.b, "TcpExt.TCPChallengeACK"), 1);
	EXPECT_EQ(snmp(g.b, "TcpExt.TCPACKSkippedChallenge"), 1);
	/* A SYN in the window: a challenge too (RFC 5961 4). */
	usn_sim_run(SEC);
	inject(g.a, ntohs(me.sin_port), 6005, last->seq + 1, 0, TH_SYN);
	usn_sim_run(10 * MS);
	EXPECT_EQ(snmp(g.b, "TcpExt.TCPSYNChallenge"), 1);
	EXPECT_EQ(snmp(g.b, "TcpExt.TCPChallengeACK"), 2);
	/* The exact sequence number resets. */
	inject(g.a, ntohs(me.sin_port), 6005, last->seq + 1, 0, TH_RST);
	usn_sim_run(10 * MS);
	usn_setns(g.b);
	EXPECT_ERRNO(usn_recv(s, buf, sizeof(buf), 0), ECONNRESET);
	cap_stop(&cap);
	usn_close(s);
	usn_close(l);
	usn_setns(g.a);
	usn_close(c);
	usn_sim_run(SEC);
	rig_close(&g);
}

TEST(time_wait_reuse_with_reuseaddr)
{
	struct sockaddr_in me = SIN("10.0.0.1", 7000), to = SIN("10.0.0.2", 6006);
	struct rig g;
	int l, c, s, one = 1;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	l = tcp_listener(g.b, "0.0.0.0", 6006, 8);
	c = sock_in(g.a, SOCK_STREAM, 0);
	EXPECT_OK(usn_setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_OK(usn_bind(c, SA(&me), sizeof(me)));
	EXPECT_OK(usn_connect(c, SA(&to), sizeof(to)));
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	EXPECT_TRUE(s >= 0);
	/* a closes first: TIME_WAIT on a holds 10.0.0.1:7000. */
	usn_setns(g.a);
	EXPECT_OK(usn_close(c));
	usn_setns(g.b);
	usn_sim_run(10 * MS);
	EXPECT_OK(usn_close(s));
	usn_sim_run(1500 * MS);
	/* Without SO_REUSEADDR the port is taken. */
	c = sock_in(g.a, SOCK_STREAM, 0);
	EXPECT_ERRNO(usn_bind(c, SA(&me), sizeof(me)), EADDRINUSE);
	usn_close(c);
	/* With it, bind works and connect reuses the TIME_WAIT 4-tuple. */
	c = sock_in(g.a, SOCK_STREAM, 0);
	EXPECT_OK(usn_setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_OK(usn_bind(c, SA(&me), sizeof(me)));
	EXPECT_OK(usn_connect(c, SA(&to), sizeof(to)));
	EXPECT_EQ(snmp(g.a, "TcpExt.TWKilled"), 1);
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	EXPECT_TRUE(s >= 0);
	usn_close(s);
	usn_close(l);
	usn_setns(g.a);
	usn_close(c);
	usn_sim_run(61 * SEC);
	rig_close(&g);
}

TEST(keepalive_probes_then_timeout)
{
	static struct capture cap;
	struct usn_memlink_params p;
	struct rig g;
	char buf[4];
	int l, c, s, one = 1, v;
	uint64_t t0;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.neigh.default.base_reachable_time_ms",
			     NULL, NULL, "1000000000"));
	c = tcp_pair(&g, 6007, &l, &s);
	ASSERT_TRUE(c >= 0);
	usn_setns(g.a);
	EXPECT_OK(usn_setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	v = 10;
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)));
	v = 5;
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)));
	v = 3;
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)));
	/* While b answers, probes go every 10 s and the connection lives. */
	cap_start(&cap, g.a);
	t0 = usn_net_now(g.a);
	usn_sim_run(25 * SEC);
	EXPECT_EQ(cap_count(&cap, true, TH_ACK), 2);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPKeepAlive"), 2);
	ASSERT_TRUE(cap_find(&cap, true, TH_ACK, 0));
	EXPECT_EQ((cap_find(&cap, true, TH_ACK, 0)->t - t0 + MS / 2) / SEC, 10);
	/* Now b goes silent: probes at +5 s intervals, then the end. */
	memset(&p, 0, sizeof(p));
	p.loss = 1.0;
	EXPECT_OK(usn_memlink_set_params(g.b, g.ifb, &p));
	set_rcvtimeo(c, 60000);
	EXPECT_ERRNO(usn_recv(c, buf, sizeof(buf), 0), ETIMEDOUT);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPKeepAlive"), 5);
	cap_stop(&cap);
	memset(&p, 0, sizeof(p));
	usn_memlink_set_params(g.b, g.ifb, &p);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(SEC);
	rig_close(&g);
}

TEST(zero_window_probes_then_transfer_completes)
{
	struct rig g;
	int l, c, s, small = 4096;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	l = tcp_listener(g.b, "0.0.0.0", 6008, 4);
	EXPECT_OK(usn_setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	{
		struct sockaddr_in to = SIN("10.0.0.2", 6008);

		c = sock_in(g.a, SOCK_STREAM, 0);
		EXPECT_OK(usn_connect(c, SA(&to), sizeof(to)));
		usn_setns(g.b);
		s = usn_accept(l, NULL, NULL);
		ASSERT_TRUE(s >= 0);
	}
	usn_setns(g.a);
	usn_fcntl(c, F_SETFL, O_NONBLOCK);
	{
		static char data[200000];
		ssize_t w = usn_send(c, data, sizeof(data), 0);

		EXPECT_TRUE(w > 0);
	}
	/* b does not read: its window closes and a probes with backoff. */
	usn_sim_run(10 * SEC);
	EXPECT_TRUE(snmp(g.a, "TcpExt.TCPWinProbe") >= 3);
	EXPECT_TRUE(snmp(g.b, "TcpExt.TCPToZeroWindowAdv") >= 1);
	EXPECT_EQ(tcp_state(c), TCP_ESTABLISHED);
	{
		static char buf[65536];
		ssize_t r;
		size_t got = 0;

		usn_setns(g.b);
		usn_fcntl(s, F_SETFL, O_NONBLOCK);
		for (int i = 0; i < 100000 && got < 8192; i++) {
			r = usn_recv(s, buf, sizeof(buf), 0);
			if (r > 0)
				got += (size_t)r;
			else
				usn_sim_run(MS);
		}
		EXPECT_TRUE(got >= 8192);
	}
	usn_setns(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(SEC);
	rig_close(&g);
}

TEST(nagle_cork_and_nodelay)
{
	static struct capture cap;
	struct rig g;
	int l, c, s, one = 1, zero = 0;
	unsigned int before;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 6009, &l, &s);
	ASSERT_TRUE(c >= 0);
	usn_sim_run(10 * MS);
	cap_start(&cap, g.a);
	usn_setns(g.a);
	/* Nagle: a second small segment waits while the first is unacknowledged. */
	EXPECT_EQ(usn_send(c, "a", 1, 0), 1);
	EXPECT_EQ(usn_send(c, "b", 1, 0), 1);
	EXPECT_EQ(cap_count(&cap, true, TH_PUSH), 1);
	usn_sim_run(100 * MS);
	EXPECT_EQ(cap_count(&cap, true, TH_PUSH), 2);
	/* TCP_NODELAY: both at once. */
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	before = cap_count(&cap, true, TH_PUSH);
	EXPECT_EQ(usn_send(c, "c", 1, 0), 1);
	EXPECT_EQ(usn_send(c, "d", 1, 0), 1);
	EXPECT_EQ(cap_count(&cap, true, TH_PUSH), before + 2);
	usn_sim_run(100 * MS);
	/* TCP_CORK holds partial segments until uncorked. */
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)));
	before = cap_count(&cap, true, 0);
	EXPECT_EQ(usn_send(c, "eee", 3, 0), 3);
	EXPECT_EQ(usn_send(c, "fff", 3, 0), 3);
	EXPECT_EQ(cap_count(&cap, true, 0), before);
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero)));
	EXPECT_EQ(cap_count(&cap, true, 0), before + 1);
	/* MSG_MORE corks one call. */
	usn_sim_run(100 * MS);
	before = cap_count(&cap, true, 0);
	EXPECT_EQ(usn_send(c, "g", 1, MSG_MORE), 1);
	EXPECT_EQ(cap_count(&cap, true, 0), before);
	EXPECT_EQ(usn_send(c, "h", 1, 0), 1);
	EXPECT_EQ(cap_count(&cap, true, 0), before + 1);
	cap_stop(&cap);
	{
		char buf[64];
		int n = 0;

		usn_sim_run(100 * MS);
		usn_setns(g.b);
		EXPECT_OK(usn_ioctl(s, SIOCINQ, &n));
		EXPECT_EQ(n, 12);
		EXPECT_EQ(usn_recv(s, buf, 4, MSG_PEEK), 4);
		EXPECT_TRUE(!memcmp(buf, "abcd", 4));
		EXPECT_EQ(usn_recv(s, buf, 12, MSG_WAITALL), 12);
		EXPECT_TRUE(!memcmp(buf, "abcdeeefffgh", 12));
	}
	usn_setns(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(61 * SEC);
	rig_close(&g);
}

TEST(outq_counts_unacknowledged_bytes)
{
	struct usn_memlink_params p;
	struct rig g;
	int l, c, s, n = -1;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 6010, &l, &s);
	ASSERT_TRUE(c >= 0);
	memset(&p, 0, sizeof(p));
	p.delay_ns = 50 * MS;
	EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, "0123456789", 10, 0), 10);
	EXPECT_OK(usn_ioctl(c, SIOCOUTQ, &n));
	EXPECT_EQ(n, 10);
	usn_sim_run(200 * MS);
	EXPECT_OK(usn_ioctl(c, SIOCOUTQ, &n));
	EXPECT_EQ(n, 0);
	memset(&p, 0, sizeof(p));
	usn_memlink_set_params(g.a, g.ifa, &p);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(61 * SEC);
	rig_close(&g);
}

TEST(socket_options_defaults_and_errors)
{
	int fd, v;
	socklen_t len = sizeof(v);
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fd = sock_in(g.a, SOCK_STREAM, 0);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len));
	EXPECT_EQ(v, 7200);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, &len));
	EXPECT_EQ(v, 75);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, &len));
	EXPECT_EQ(v, 9);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &v, &len));
	EXPECT_EQ(v, 6);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len));
	EXPECT_EQ(v, 536);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_LINGER2, &v, &len));
	EXPECT_EQ(v, 60);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len));
	EXPECT_EQ(v, 16384);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len));
	EXPECT_EQ(v, 131072);
	v = 0;
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)), EINVAL);
	v = 40;
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), EINVAL);
	v = 1000;
	EXPECT_OK(usn_setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)));
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len));
	EXPECT_EQ(v, 1000);
	v = 2500;
	EXPECT_OK(usn_setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v)));
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, &len));
	EXPECT_EQ(v, 2500);
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "nosuch", 6), ENOENT);
	EXPECT_OK(usn_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	{
		char name[16];
		socklen_t nl = sizeof(name);

		EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &nl));
		EXPECT_STREQ(name, "reno");
	}
	EXPECT_ERRNO(usn_getsockopt(fd, IPPROTO_TCP, 9999, &v, &len), ENOPROTOOPT);
	/* Never connected: send is EPIPE, recv ENOTCONN, listen after connect EINVAL. */
	signal(SIGPIPE, SIG_IGN);
	EXPECT_ERRNO(usn_send(fd, "x", 1, 0), EPIPE);
	signal(SIGPIPE, SIG_DFL);
	{
		char b;

		EXPECT_ERRNO(usn_recv(fd, &b, 1, 0), ENOTCONN);
	}
	{
		struct sockaddr_in peer;
		socklen_t pl = sizeof(peer);

		EXPECT_ERRNO(usn_getpeername(fd, SA(&peer), &pl), ENOTCONN);
	}
	usn_close(fd);
	rig_close(&g);
}

TEST(loopback_connection_in_one_namespace)
{
	struct sockaddr_in to = SIN("127.0.0.1", 6011);
	struct usn_net *net;
	uint64_t heads0 = heads_in_use();
	int l, c, s, v;
	socklen_t len = sizeof(v);

	inet_test_start(RUN_SEED);
	net = usn_net_create("lo1", 0);
	ASSERT_TRUE(net);
	l = tcp_listener(net, "127.0.0.1", 6011, 4);
	ASSERT_TRUE(l >= 0);
	c = sock_in(net, SOCK_STREAM, 0);
	EXPECT_OK(usn_connect(c, SA(&to), sizeof(to)));
	s = usn_accept(l, NULL, NULL);
	ASSERT_TRUE(s >= 0);
	EXPECT_OK(usn_getsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &v, &len));
	/* 65536 - 40 - 12, bounded by half the peer's largest window as Linux. */
	EXPECT_TRUE(v >= 32741 && v <= 65483);
	EXPECT_EQ(bulk_transfer(net, c, net, s, 8u << 20, NULL), 8 << 20);
	usn_close(c);
	usn_close(s);
	usn_close(l);
	usn_sim_run(61 * SEC);
	usn_setns(NULL);
	EXPECT_OK(usn_net_destroy(net));
	usn_sim_run(100 * MS);
	EXPECT_EQ(heads_in_use(), heads0);
}
