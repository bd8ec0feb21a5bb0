/* SPDX-License-Identifier: MIT */
/*
 * syncookies_test.c - SYN cookies under a SYN flood: thousands of SYNs
 * from spoofed sources (an IP_HDRINCL raw socket) fill a listener's SYN
 * queue; with tcp_syncookies 1 a real client still connects (window
 * scaling and SACK kept through the TSval) and moves data, with 0 it
 * times out; forged ACKs are refused with a RST; tcp_syncookies 2, no
 * timestamps, and a full accept queue at the final ACK.
 */
#include "tcp_test_util.h"
#include "wire/checksum.h"

#define RUN_SEED	0xc00cULL
#define PORT		7100

/* A raw IP_HDRINCL socket in @net. */
static int hdrincl_sock(struct usn_net *net)
{
	int fd = sock_in(net, SOCK_RAW, IPPROTO_RAW), one = 1;

	EXPECT_TRUE(fd >= 0);
	EXPECT_OK(usn_setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)));
	return fd;
}

/* Sends one TCP segment without options from @saddr:@sport to 10.0.0.2:@dport. */
static void send_seg(int fd, uint32_t saddr, uint16_t sport, uint16_t dport,
		     uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0);
	uint32_t daddr = A("10.0.0.2");
	uint8_t pkt[40], *th = pkt + 20;

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	pkt[8] = 64;
	pkt[9] = IPPROTO_TCP;
	memcpy(pkt + 12, &saddr, 4);
	memcpy(pkt + 16, &daddr, 4);
	store_be16(th, sport);
	store_be16(th + 2, dport);
	store_be32(th + 4, seq);
	store_be32(th + 8, ack);
	th[12] = 5 << 4;
	th[13] = flags;
	store_be16(th + 14, 29200);
	store_be16(th + 16, csum_tcpudp_magic(saddr, daddr, 20, IPPROTO_TCP,
					      csum_partial(th, 20, 0)));
	EXPECT_EQ(usn_sendto(fd, pkt, sizeof(pkt), 0, SA(&to), sizeof(to)), 40);
}

/*
 * @n SYNs from made-up hosts in 198.18.0.0/16, which b routes through a:
 * a, no router, drops b's answers without a word, so the requests stay
 * for their whole SYN-ACK schedule (a spoofed source on b's own link would
 * fail ARP and its "host unreachable" would end them, as on Linux).
 */
static void syn_flood(struct rig *g, unsigned int n, uint32_t salt)
{
	uint32_t dst = A("198.18.0.0"), gw = A("10.0.0.1");
	int fd;

	usn_route_add(g->b, AF_INET, &dst, 16, &gw, 0, 0);
	fd = hdrincl_sock(g->a);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t src = htonl(0xc6120000u + (i / 250 << 8) + i % 250 + 1);

		send_seg(fd, src, (uint16_t)(20000 + salt), PORT,
			 i * 7919u + salt, 0, TH_SYN);
		if (i % 50 == 49)
			usn_sim_run(MS);
	}
	usn_close(fd);
	usn_sim_run(10 * MS);
}

static void set_cookies(struct usn_net *net, const char *v)
{
	EXPECT_OK(usn_sysctl(net, "net.ipv4.tcp_syncookies", NULL, NULL, v));
}

TEST(syn_flood_cookies_let_a_client_connect)
{
	struct sockaddr_in to = SIN("10.0.0.2", PORT);
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	uint64_t hash;
	struct rig g;
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	l = tcp_listener(g.b, "0.0.0.0", PORT, 8);
	ASSERT_TRUE(l >= 0);
	syn_flood(&g, 3000, 0);
	/* Eight requests fill the SYN queue; every other SYN gets a cookie. */
	EXPECT_EQ(snmp(g.b, "TcpExt.TCPReqQFullDoCookies"), 3000 - 8);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesSent"), 3000 - 8);
	EXPECT_EQ(snmp(g.b, "TcpExt.ListenDrops"), 0);

	c = sock_in(g.a, SOCK_STREAM, 0);
	usn_fcntl(c, F_SETFL, O_NONBLOCK);
	EXPECT_ERRNO(usn_connect(c, SA(&to), sizeof(to)), EINPROGRESS);
	usn_sim_run(10 * MS);
	EXPECT_EQ(tcp_state(c), TCP_ESTABLISHED);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesSent"), 3000 - 8 + 1);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesRecv"), 1);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesFailed"), 0);
	EXPECT_EQ(snmp(g.b, "Tcp.PassiveOpens"), 1);
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	ASSERT_TRUE(s >= 0);
	/* Timestamps carried window scaling and SACK through the cookie. */
	memset(&ti, 0, sizeof(ti));
	EXPECT_OK(usn_getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK |
				     TCPI_OPT_WSCALE),
		  TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE);
	EXPECT_EQ(ti.tcpi_snd_wscale, 7);
	/* The MSS is the table's 1460 (a 1500-byte link). */
	EXPECT_EQ(ti.tcpi_snd_mss, 1448);
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 1 << 20, &hash), 1 << 20);
	EXPECT_EQ(bulk_transfer(g.b, s, g.a, c, 1 << 18, &hash), 1 << 18);
	usn_setns(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(61 * SEC);
	rig_close(&g);
}

TEST(syn_flood_without_cookies_drops_the_client)
{
	struct sockaddr_in to = SIN("10.0.0.2", PORT);
	int l, c, err = 0, syncnt = 2;
	socklen_t len = sizeof(err);
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	set_cookies(g.b, "0");
	l = tcp_listener(g.b, "0.0.0.0", PORT, 8);
	ASSERT_TRUE(l >= 0);
	syn_flood(&g, 2000, 0);
	EXPECT_EQ(snmp(g.b, "TcpExt.TCPReqQFullDrop"), 2000 - 8);
	EXPECT_EQ(snmp(g.b, "TcpExt.ListenDrops"), 2000 - 8);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesSent"), 0);
	EXPECT_EQ(snmp(g.b, "TcpExt.TCPReqQFullDoCookies"), 0);

	/* The flood's requests hold the queue for their 63 s of SYN-ACKs. */
	c = sock_in(g.a, SOCK_STREAM, 0);
	usn_fcntl(c, F_SETFL, O_NONBLOCK);
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_SYNCNT, &syncnt,
				 sizeof(syncnt)));
	EXPECT_ERRNO(usn_connect(c, SA(&to), sizeof(to)), EINPROGRESS);
	usn_sim_run(8 * SEC);
	usn_setns(g.a);
	EXPECT_OK(usn_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(err, ETIMEDOUT);
	EXPECT_EQ(snmp(g.b, "TcpExt.ListenDrops"), 2000 - 8 + 3);
	EXPECT_EQ(snmp(g.b, "Tcp.PassiveOpens"), 0);
	usn_close(c);
	usn_setns(g.b);
	usn_close(l);
	rig_close(&g);
}

TEST(forged_cookie_ack_is_refused_with_rst)
{
	static struct capture cap;
	const struct seg *rst;
	struct rig g;
	int l, fd;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	l = tcp_listener(g.b, "0.0.0.0", PORT, 8);
	ASSERT_TRUE(l >= 0);
	/* Before any cookie went out, an ACK is just a stray: RST, no check. */
	fd = hdrincl_sock(g.a);
	cap_start(&cap, g.b);
	send_seg(fd, A("10.0.0.1"), 40000, PORT, 1000, 0x12345678, TH_ACK);
	usn_sim_run(10 * MS);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesFailed"), 0);
	EXPECT_EQ(snmp(g.b, "Tcp.OutRsts"), 1);
	syn_flood(&g, 100, 0);
	usn_setns(g.a);
	send_seg(fd, A("10.0.0.1"), 40001, PORT, 5000, 0x12345678, TH_ACK);
	usn_sim_run(10 * MS);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesFailed"), 1);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesRecv"), 0);
	EXPECT_EQ(snmp(g.b, "Tcp.OutRsts"), 2);
	EXPECT_EQ(snmp(g.b, "Tcp.PassiveOpens"), 0);
	/* The RST takes its sequence number from the ACK (RFC 9293 3.10.7.1). */
	rst = cap_find(&cap, true, TH_RST, 1);
	ASSERT_TRUE(rst);
	EXPECT_EQ(rst->seq, 0x12345678u);
	EXPECT_EQ(rst->dport, 40001);
	cap_stop(&cap);
	usn_close(fd);
	usn_setns(g.b);
	usn_close(l);
	rig_close(&g);
}

/* The cookie SYN-ACK answering a raw SYN from 10.0.0.1:@sport. */
static const struct seg *cookie_synack(struct capture *cap, int fd,
				       uint16_t sport, uint32_t seq)
{
	unsigned int n = cap_count(cap, true, TH_SYN | TH_ACK);

	send_seg(fd, A("10.0.0.1"), sport, PORT, seq, 0, TH_SYN);
	usn_sim_run(MS);
	return cap_find(cap, true, TH_SYN | TH_ACK, n);
}

TEST(cookies_always_without_timestamps_and_full_accept_queue)
{
	static struct capture cap;
	struct sockaddr_in to = SIN("10.0.0.2", PORT);
	const struct seg *sa;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	uint32_t cookie;
	struct rig g;
	int l, fd, c[1], s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	set_cookies(g.b, "2");
	l = tcp_listener(g.b, "0.0.0.0", PORT, 0);
	ASSERT_TRUE(l >= 0);
	cap_start(&cap, g.b);
	fd = hdrincl_sock(g.a);
	/* No timestamps in the SYN: the SYN-ACK offers nothing but its MSS. */
	sa = cookie_synack(&cap, fd, 41000, 777);
	ASSERT_TRUE(sa);
	EXPECT_EQ(sa->doff, 24);
	EXPECT_EQ(sa->opt[0], TCPOPT_MAXSEG);
	EXPECT_EQ(sa->ack, 778u);
	cookie = sa->seq;
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesSent"), 1);
	EXPECT_EQ(snmp(g.b, "TcpExt.TCPReqQFullDoCookies"), 1);
	/* Mode 2 keeps no request: one more real connection fills the queue. */
	c[0] = sock_in(g.a, SOCK_STREAM, 0);
	usn_fcntl(c[0], F_SETFL, O_NONBLOCK);
	EXPECT_ERRNO(usn_connect(c[0], SA(&to), sizeof(to)), EINPROGRESS);
	usn_sim_run(10 * MS);
	EXPECT_EQ(tcp_state(c[0]), TCP_ESTABLISHED);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesRecv"), 1);
	/* backlog 0 holds one child: the cookie's ACK finds no room. */
	usn_setns(g.a);
	send_seg(fd, A("10.0.0.1"), 41000, PORT, 778, cookie + 1, TH_ACK);
	usn_sim_run(MS);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesRecv"), 2);
	EXPECT_EQ(snmp(g.b, "TcpExt.ListenOverflows"), 1);
	EXPECT_EQ(snmp(g.b, "TcpExt.ListenDrops"), 1);
	EXPECT_EQ(snmp(g.b, "Tcp.PassiveOpens"), 1);
	EXPECT_EQ(cap_count(&cap, true, TH_RST), 0);
	/* Once accept() makes room, the same ACK (retransmitted) gets in. */
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	ASSERT_TRUE(s >= 0);
	usn_close(s);
	usn_setns(g.a);
	send_seg(fd, A("10.0.0.1"), 41000, PORT, 778, cookie + 1, TH_ACK);
	usn_sim_run(MS);
	EXPECT_EQ(snmp(g.b, "Tcp.PassiveOpens"), 2);
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	ASSERT_TRUE(s >= 0);
	memset(&ti, 0, sizeof(ti));
	EXPECT_OK(usn_getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(ti.tcpi_options, 0);
	EXPECT_EQ(ti.tcpi_state, TCP_ESTABLISHED);
	/* No MSS option in the SYN: the table's smallest, 536. */
	EXPECT_EQ(ti.tcpi_snd_mss, 536);
	usn_close(s);
	/* A cookie two minutes old is refused. */
	sa = cookie_synack(&cap, fd, 41001, 9000);
	ASSERT_TRUE(sa);
	cookie = sa->seq;
	usn_sim_run(121 * SEC);
	/* (A fresh cookie keeps the listener checking them.) */
	ASSERT_TRUE(cookie_synack(&cap, fd, 41002, 4242));
	send_seg(fd, A("10.0.0.1"), 41001, PORT, 9001, cookie + 1, TH_ACK);
	usn_sim_run(MS);
	EXPECT_EQ(snmp(g.b, "TcpExt.SyncookiesFailed"), 1);
	EXPECT_EQ(snmp(g.b, "Tcp.PassiveOpens"), 2);
	cap_stop(&cap);
	usn_close(fd);
	usn_setns(g.a);
	usn_close(c[0]);
	usn_setns(g.b);
	usn_close(l);
	usn_sim_run(61 * SEC);
	rig_close(&g);
}
