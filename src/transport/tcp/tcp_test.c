/* SPDX-License-Identifier: MIT */
/*
 * tcp_test.c - TCP between two namespaces on a memlink (simulated time):
 * the handshake and its options on the wire, data both ways, close and
 * shutdown, resets, connect errors, listen backlog, RFC 5961, TIME_WAIT,
 * timers, socket options, counters and the receive trace.
 */
#include "tcp_test_util.h"

#define RUN_SEED	0x7c9ULL

TEST(handshake_data_and_close)
{
	struct rig g;
	char buf[64];
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 5000, &l, &s);
	ASSERT_TRUE(c >= 0);
	EXPECT_EQ(tcp_state(s), TCP_ESTABLISHED);
	usn_setns(g.a);
	EXPECT_EQ(tcp_state(c), TCP_ESTABLISHED);
	EXPECT_EQ(usn_send(c, "hello", 5, 0), 5);
	usn_setns(g.b);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 5);
	EXPECT_TRUE(!memcmp(buf, "hello", 5));
	EXPECT_EQ(usn_send(s, "world!", 6, 0), 6);
	usn_setns(g.a);
	EXPECT_EQ(usn_recv(c, buf, sizeof(buf), 0), 6);
	EXPECT_TRUE(!memcmp(buf, "world!", 6));
	EXPECT_EQ(snmp(g.a, "Tcp.ActiveOpens"), 1);
	EXPECT_EQ(snmp(g.b, "Tcp.PassiveOpens"), 1);
	EXPECT_EQ(snmp(g.a, "Tcp.CurrEstab"), 1);
	EXPECT_EQ(snmp(g.b, "Tcp.CurrEstab"), 1);

	/* Active close from a: a ends in TIME_WAIT, b sees EOF. */
	EXPECT_OK(usn_close(c));
	usn_setns(g.b);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 0);
	EXPECT_EQ(tcp_state(s), TCP_CLOSE_WAIT);
	EXPECT_OK(usn_close(s));
	EXPECT_OK(usn_close(l));
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(g.a, "Tcp.CurrEstab"), 0);
	EXPECT_EQ(snmp(g.b, "Tcp.CurrEstab"), 0);
	EXPECT_EQ(snmp(g.a, "Tcp.EstabResets"), 0);
	/* TIME_WAIT lasts 60 s. */
	usn_sim_run(61 * SEC);
	EXPECT_EQ(snmp(g.a, "TcpExt.TW"), 1);
	rig_close(&g);
}

TEST(syn_options_as_linux_lays_them_out)
{
	static struct capture cap;
	const struct seg *syn, *synack, *ack;
	struct rig g;
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	cap_start(&cap, g.a);
	c = tcp_pair(&g, 5001, &l, &s);
	ASSERT_TRUE(c >= 0);
	syn = cap_find(&cap, true, TH_SYN, 0);
	synack = cap_find(&cap, false, TH_SYN | TH_ACK, 0);
	ack = cap_find(&cap, true, TH_ACK, 0);
	ASSERT_TRUE(syn && synack && ack);
	/* MSS 1460, SACK-permitted with the timestamps, NOP, window scale 7. */
	EXPECT_EQ(syn->doff, 40);
	EXPECT_EQ(syn->flags, TH_SYN);
	EXPECT_EQ(syn->win, 64240);
	EXPECT_TRUE(!memcmp(syn->opt, "\x02\x04\x05\xb4\x04\x02\x08\x0a", 8));
	EXPECT_TRUE(!memcmp(syn->opt + 16, "\x01\x03\x03\x07", 4));
	EXPECT_TRUE(syn->df);
	EXPECT_EQ(syn->ttl, 64);
	EXPECT_EQ(load_be32(syn->opt + 12), 0);	/* TSecr */
	/* The SYN-ACK echoes the timestamp and offers the same options. */
	EXPECT_EQ(synack->doff, 40);
	EXPECT_EQ(synack->win, 65160);
	EXPECT_TRUE(!memcmp(synack->opt, "\x02\x04\x05\xb4\x04\x02\x08\x0a", 8));
	EXPECT_EQ(load_be32(synack->opt + 12), load_be32(syn->opt + 8));
	EXPECT_TRUE(!memcmp(synack->opt + 16, "\x01\x03\x03\x07", 4));
	EXPECT_EQ(synack->ack, syn->seq + 1);
	EXPECT_EQ(synack->ip_id, 0);
	/* The third segment: NOP NOP timestamps, window scaled by 7. */
	EXPECT_EQ(ack->seq, syn->seq + 1);
	EXPECT_EQ(ack->ack, synack->seq + 1);
	EXPECT_EQ(ack->doff, 32);
	EXPECT_TRUE(!memcmp(ack->opt, "\x01\x01\x08\x0a", 4));
	EXPECT_EQ(ack->win, 502);	/* 64240 rounded up to 128, >> 7 */
	{
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		usn_setns(g.a);
		EXPECT_OK(usn_getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
		EXPECT_EQ(ti.tcpi_snd_mss, 1448);
		EXPECT_EQ(ti.tcpi_snd_cwnd, 10);
		EXPECT_EQ(ti.tcpi_options & 7, 7);
		EXPECT_EQ(ti.tcpi_snd_wscale, 7);
		EXPECT_EQ(ti.tcpi_rcv_wscale, 7);
		EXPECT_TRUE(ti.tcpi_rto >= 200000);
	}
	cap_stop(&cap);
	usn_setns(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	rig_close(&g);
}

TEST(connect_without_listener_is_refused)
{
	struct sockaddr_in to = SIN("10.0.0.2", 5002);
	struct rig g;
	int c;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = sock_in(g.a, SOCK_STREAM, 0);
	EXPECT_ERRNO(usn_connect(c, SA(&to), sizeof(to)), ECONNREFUSED);
	EXPECT_EQ(snmp(g.b, "Tcp.OutRsts"), 1);
	EXPECT_EQ(snmp(g.a, "Tcp.AttemptFails"), 1);
	/* The socket may connect again. */
	EXPECT_ERRNO(usn_connect(c, SA(&to), sizeof(to)), ECONNREFUSED);
	EXPECT_OK(usn_close(c));
	rig_close(&g);
}

TEST(nonblocking_connect_einprogress_ealready_eisconn)
{
	struct sockaddr_in to = SIN("10.0.0.2", 5003);
	struct pollfd pfd;
	struct rig g;
	socklen_t len = sizeof(int);
	int l, c, s, err = -1;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	l = tcp_listener(g.b, "0.0.0.0", 5003, 4);
	ASSERT_TRUE(l >= 0);
	c = sock_in(g.a, SOCK_STREAM, 0);
	EXPECT_OK(usn_fcntl(c, F_SETFL, O_NONBLOCK));
	EXPECT_ERRNO(usn_connect(c, SA(&to), sizeof(to)), EINPROGRESS);
	EXPECT_ERRNO(usn_connect(c, SA(&to), sizeof(to)), EALREADY);
	pfd.fd = c;
	pfd.events = POLLOUT;
	EXPECT_EQ(usn_poll(&pfd, 1, 1000), 1);
	EXPECT_EQ(pfd.revents, POLLOUT);
	EXPECT_OK(usn_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(err, 0);
	EXPECT_OK(usn_connect(c, SA(&to), sizeof(to)));
	EXPECT_ERRNO(usn_connect(c, SA(&to), sizeof(to)), EISCONN);
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	EXPECT_TRUE(s >= 0);
	/* Non-blocking accept with nothing queued. */
	EXPECT_OK(usn_fcntl(l, F_SETFL, O_NONBLOCK));
	EXPECT_ERRNO(usn_accept(l, NULL, NULL), EAGAIN);
	usn_close(s);
	usn_close(l);
	usn_setns(g.a);
	usn_close(c);
	rig_close(&g);
}

TEST(nonblocking_connect_refused_reports_so_error)
{
	struct sockaddr_in to = SIN("10.0.0.2", 5004);
	struct pollfd pfd;
	struct rig g;
	socklen_t len = sizeof(int);
	int c, err = 0;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = sock_in(g.a, SOCK_STREAM, 0);
	EXPECT_OK(usn_fcntl(c, F_SETFL, O_NONBLOCK));
	EXPECT_ERRNO(usn_connect(c, SA(&to), sizeof(to)), EINPROGRESS);
	pfd.fd = c;
	pfd.events = POLLOUT | POLLIN;
	EXPECT_EQ(usn_poll(&pfd, 1, 1000), 1);
	EXPECT_TRUE(pfd.revents & POLLERR);
	EXPECT_TRUE(pfd.revents & POLLHUP);
	EXPECT_OK(usn_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(err, ECONNREFUSED);
	usn_close(c);
	rig_close(&g);
}

TEST(connect_times_out_after_syn_retries)
{
	struct sockaddr_in to = SIN("10.0.0.2", 5005);
	struct usn_memlink_params p;
	struct rig g;
	uint64_t t0;
	char buf[4];
	int c;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	/* Keep the neighbour entry reachable for the whole test. */
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.neigh.default.base_reachable_time_ms",
			     NULL, NULL, "1000000000"));
	{
		struct sockaddr_in u = SIN("10.0.0.2", 9);
		int f = sock_in(g.a, SOCK_DGRAM, 0);

		usn_sendto(f, "x", 1, 0, SA(&u), sizeof(u));
		usn_sim_run(10 * MS);
		usn_close(f);
	}
	memset(&p, 0, sizeof(p));
	p.loss = 1.0;
	EXPECT_OK(usn_memlink_set_params(g.b, g.ifb, &p));
	c = sock_in(g.a, SOCK_STREAM, 0);
	t0 = usn_net_now(g.a);
	EXPECT_ERRNO(usn_connect(c, SA(&to), sizeof(to)), ETIMEDOUT);
	/* SYNs at 0, 1, 3, 7, 15, 31, 63 s; the end at 127 s. */
	EXPECT_EQ((usn_net_now(g.a) - t0) / MS, 127000);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPTimeouts"), 7);
	EXPECT_EQ(snmp(g.a, "Tcp.RetransSegs"), 6);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPSynRetrans"), 6);
	EXPECT_EQ(snmp(g.a, "Tcp.AttemptFails"), 1);
	EXPECT_ERRNO(usn_recv(c, buf, sizeof(buf), 0), ENOTCONN);
	usn_close(c);
	rig_close(&g);
}

TEST(bulk_transfer_both_ways_clean)
{
	struct rig g;
	uint64_t h1 = 0, h2 = 0;
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	/*
	 * The receive buffer auto-tunes toward tcp_rmem[2] (a window of some
	 * MiB), more than the memlink's default 1000 frames in flight: give
	 * the link room, so that clean means no loss at all.
	 */
	{
		struct usn_memlink_params p;

		memset(&p, 0, sizeof(p));
		p.queue_len = 8192;
		EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
		EXPECT_OK(usn_memlink_set_params(g.b, g.ifb, &p));
	}
	c = tcp_pair(&g, 5006, &l, &s);
	ASSERT_TRUE(c >= 0);
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 10u << 20, &h1), 10 << 20);
	EXPECT_EQ(bulk_transfer(g.b, s, g.a, c, 3u << 20, &h2), 3 << 20);
	EXPECT_NE(h1, 0);
	EXPECT_EQ(snmp(g.a, "Tcp.RetransSegs"), 0);
	usn_setns(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(100 * MS);
	rig_close(&g);
}

static void lossy_transfer(double loss, double reorder, uint64_t bytes,
			   uint16_t port)
{
	struct usn_memlink_params p;
	struct rig g;
	int l, c, s;

	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, port, &l, &s);
	ASSERT_TRUE(c >= 0);
	memset(&p, 0, sizeof(p));
	p.loss = loss;
	p.reorder = reorder;
	p.delay_ns = 1 * MS;
	EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
	EXPECT_OK(usn_memlink_set_params(g.b, g.ifb, &p));
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, bytes, NULL), (int64_t)bytes);
	if (loss > 0)
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

TEST(transfer_with_1_percent_loss)
{
	inet_test_start(RUN_SEED);
	lossy_transfer(0.01, 0, 4u << 20, 5010);
}

TEST(transfer_with_5_percent_loss)
{
	inet_test_start(RUN_SEED);
	lossy_transfer(0.05, 0, 2u << 20, 5011);
}

TEST(transfer_with_reordering)
{
	inet_test_start(RUN_SEED);
	lossy_transfer(0, 0.05, 4u << 20, 5012);
}

TEST(receive_trace_reads_as_the_seed)
{
	struct rig g;
	char buf[512];
	ssize_t n;
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 5013, &l, &s);
	ASSERT_TRUE(c >= 0);
	usn_sim_run(500 * MS);
	EXPECT_OK(usn_trace_start(g.b, 0));
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, "t", 1, 0), 1);
	usn_setns(g.b);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 1);
	n = usn_trace_read(g.b, buf, sizeof(buf) - 1);
	ASSERT_TRUE(n > 0);
	buf[n] = 0;
	EXPECT_STREQ(buf, "ip_rcv->ip_rcv_finish->ip_local_deliver->tcp_v4_rcv\n");
	EXPECT_OK(usn_trace_stop(g.b));
	usn_close(s);
	usn_close(l);
	usn_setns(g.a);
	usn_close(c);
	rig_close(&g);
}
