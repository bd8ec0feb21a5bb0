/* SPDX-License-Identifier: MIT */
/*
 * raw_test.c - raw IPv4 sockets end to end between two namespaces, through
 * the public API: ICMP sockets see echo requests and replies with the IP
 * header, IP_HDRINCL sends with the length, checksum, ID and source filled
 * in, ICMP_FILTER, bound and connected sockets, the size checks, ICMP
 * errors with IP_RECVERR, "protocol unreachable" only without a raw
 * socket, and the receive trace.
 */
#include <time.h>
#include <linux/errqueue.h>
#include <sys/ioctl.h>
#include "family/inet/inet_test.h"
#include "wire/checksum.h"

#define RUN_SEED	0x4a3ULL
#define PROTO_EXP	253	/* RFC 3692 experimental */

#ifndef ICMP_FILTER
#define ICMP_FILTER	1
#endif

static int raw_in(struct usn_net *net, int protocol)
{
	int fd = sock_in(net, SOCK_RAW, protocol);

	if (fd < 0)
		TEST_FAIL_AT("raw socket %d: %s", protocol, strerror(errno));
	else
		set_rcvtimeo(fd, 500);
	return fd;
}

/* An echo request: type 8, @id, @seq, @data, checksummed. */
static size_t make_echo(uint8_t *p, uint16_t id, uint16_t seq, const char *data)
{
	size_t len = 8 + strlen(data);
	uint16_t c;

	p[0] = 8;
	p[1] = 0;
	p[2] = p[3] = 0;
	p[4] = (uint8_t)(id >> 8);
	p[5] = (uint8_t)id;
	p[6] = (uint8_t)(seq >> 8);
	p[7] = (uint8_t)seq;
	memcpy(p + 8, data, strlen(data));
	c = csum_fold(csum_partial(p, len, 0));
	p[2] = (uint8_t)(c >> 8);
	p[3] = (uint8_t)c;
	return len;
}

/* Reads datagrams until one of ICMP type @type; returns its length or -1. */
static ssize_t recv_icmp_type(int fd, uint8_t *buf, size_t len, int type,
			      struct sockaddr_in *from)
{
	for (int i = 0; i < 8; i++) {
		socklen_t alen = sizeof(*from);
		ssize_t n = usn_recvfrom(fd, buf, len, 0, SA(from), &alen);

		if (n < 0)
			return -1;
		if (n >= 28 && buf[20] == type)
			return n;
	}
	return -1;
}

TEST(icmp_sockets_see_requests_and_replies_with_the_ip_header)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0), from;
	uint8_t pkt[64], buf[128];
	int ra, rb;
	size_t n;
	ssize_t r;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	ra = raw_in(g.a, IPPROTO_ICMP);
	rb = raw_in(g.b, IPPROTO_ICMP);
	ASSERT_TRUE(ra >= 0 && rb >= 0);
	n = make_echo(pkt, 0x1234, 1, "raw!");
	EXPECT_EQ(usn_sendto(ra, pkt, n, 0, SA(&to), sizeof(to)), (ssize_t)n);

	/* b's raw socket sees the request, IP header first. */
	r = recv_icmp_type(rb, buf, sizeof(buf), 8, &from);
	EXPECT_EQ(r, 20 + (ssize_t)n);
	EXPECT_EQ(buf[0], 0x45);
	EXPECT_EQ(buf[9], IPPROTO_ICMP);
	EXPECT_EQ(from.sin_addr.s_addr, A("10.0.0.1"));
	EXPECT_EQ(from.sin_port, 0);
	EXPECT_TRUE(!memcmp(buf + 28, "raw!", 4));

	/* a's sees the reply b's stack sent. */
	r = recv_icmp_type(ra, buf, sizeof(buf), 0, &from);
	EXPECT_EQ(r, 20 + (ssize_t)n);
	EXPECT_EQ(from.sin_addr.s_addr, A("10.0.0.2"));
	EXPECT_EQ(buf[24], 0x12);
	EXPECT_EQ(buf[25], 0x34);
	EXPECT_TRUE(!memcmp(buf + 28, "raw!", 4));
	EXPECT_EQ(ip_fast_csum(buf, 5), 0);
	EXPECT_EQ(snmp(g.a, "Icmp.OutEchos"), 1);
	EXPECT_EQ(snmp(g.b, "Icmp.InEchos"), 1);
	EXPECT_OK(usn_close(ra));
	EXPECT_OK(usn_close(rb));
	rig_close(&g);
}

TEST(hdrincl_fills_length_checksum_id_and_source)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0), from;
	socklen_t alen = sizeof(from);
	uint8_t pkt[40], buf[128];
	int tx, rb, one = 1;
	ssize_t r;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	tx = raw_in(g.a, PROTO_EXP);
	rb = raw_in(g.b, PROTO_EXP);
	ASSERT_TRUE(tx >= 0 && rb >= 0);
	EXPECT_OK(usn_setsockopt(tx, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)));
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	pkt[8] = 33;
	pkt[9] = PROTO_EXP;
	memcpy(pkt + 16, &to.sin_addr.s_addr, 4);	/* saddr, tot_len, id, check: 0 */
	memcpy(pkt + 20, "payload-of-twenty!!!", 20);
	EXPECT_EQ(usn_sendto(tx, pkt, sizeof(pkt), 0, SA(&to), sizeof(to)),
		  (ssize_t)sizeof(pkt));
	r = usn_recvfrom(rb, buf, sizeof(buf), 0, SA(&from), &alen);
	ASSERT_TRUE(r == (ssize_t)sizeof(pkt));
	EXPECT_EQ(buf[2] << 8 | buf[3], 40);		/* tot_len */
	EXPECT_NE(buf[4] << 8 | buf[5], 0);		/* id */
	EXPECT_EQ(ip_fast_csum(buf, 5), 0);		/* checksum */
	EXPECT_EQ(buf[8], 33);				/* the caller's TTL */
	EXPECT_EQ(from.sin_addr.s_addr, A("10.0.0.1"));	/* source filled */
	EXPECT_TRUE(!memcmp(buf + 20, "payload-of-twenty!!!", 20));

	/* Too short for a header; longer than the device MTU. */
	EXPECT_ERRNO(usn_sendto(tx, pkt, 19, 0, SA(&to), sizeof(to)), EINVAL);
	{
		static uint8_t big[1501];

		memcpy(big, pkt, 20);
		EXPECT_ERRNO(usn_sendto(tx, big, sizeof(big), 0, SA(&to), sizeof(to)),
			     EMSGSIZE);
	}
	EXPECT_OK(usn_close(tx));
	EXPECT_OK(usn_close(rb));
	rig_close(&g);
}

TEST(raw_without_hdrincl_builds_the_header)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0);
	static uint8_t big[3000], buf[3100];
	int tx, rb, ttl = 17;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	tx = raw_in(g.a, PROTO_EXP);
	rb = raw_in(g.b, PROTO_EXP);
	EXPECT_OK(usn_setsockopt(tx, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)));
	EXPECT_EQ(usn_sendto(tx, "abc", 3, 0, SA(&to), sizeof(to)), 3);
	EXPECT_EQ(usn_recv(rb, buf, sizeof(buf), 0), 23);
	EXPECT_EQ(buf[8], 17);
	EXPECT_EQ(buf[9], PROTO_EXP);
	EXPECT_TRUE(!memcmp(buf + 20, "abc", 3));
	/* Larger than the MTU: fragmented and reassembled. */
	memset(big, 0x5a, sizeof(big));
	EXPECT_EQ(usn_sendto(tx, big, sizeof(big), 0, SA(&to), sizeof(to)), 3000);
	EXPECT_EQ(usn_recv(rb, buf, sizeof(buf), 0), 3020);
	EXPECT_EQ(buf[3019], 0x5a);
	/* MSG_TRUNC in and out. */
	EXPECT_EQ(usn_sendto(tx, "abcdef", 6, 0, SA(&to), sizeof(to)), 6);
	EXPECT_EQ(usn_recv(rb, buf, 10, MSG_TRUNC), 26);
	EXPECT_OK(usn_close(tx));
	EXPECT_OK(usn_close(rb));
	rig_close(&g);
}

TEST(icmp_filter)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0), from;
	uint32_t filter = 1u << 0, out = 0;	/* drop echo replies */
	socklen_t len = sizeof(out);
	uint8_t pkt[64], buf[128];
	int ra, ru;
	size_t n;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	ra = raw_in(g.a, IPPROTO_ICMP);
	ru = raw_in(g.a, IPPROTO_UDP);
	EXPECT_OK(usn_setsockopt(ra, SOL_RAW, ICMP_FILTER, &filter, sizeof(filter)));
	EXPECT_OK(usn_getsockopt(ra, SOL_RAW, ICMP_FILTER, &out, &len));
	EXPECT_EQ(out, filter);
	EXPECT_EQ(len, sizeof(out));
	EXPECT_ERRNO(usn_setsockopt(ru, SOL_RAW, ICMP_FILTER, &filter, sizeof(filter)),
		     EOPNOTSUPP);
	EXPECT_ERRNO(usn_setsockopt(ra, SOL_RAW, 2, &filter, sizeof(filter)), ENOPROTOOPT);

	n = make_echo(pkt, 7, 1, "f");
	EXPECT_EQ(usn_sendto(ra, pkt, n, 0, SA(&to), sizeof(to)), (ssize_t)n);
	usn_sim_run(20 * MS);
	EXPECT_ERRNO(usn_recv(ra, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* Filter off: the reply comes through. */
	filter = 0;
	EXPECT_OK(usn_setsockopt(ra, SOL_RAW, ICMP_FILTER, &filter, sizeof(filter)));
	EXPECT_EQ(usn_sendto(ra, pkt, n, 0, SA(&to), sizeof(to)), (ssize_t)n);
	EXPECT_TRUE(recv_icmp_type(ra, buf, sizeof(buf), 0, &from) > 0);
	EXPECT_OK(usn_close(ra));
	EXPECT_OK(usn_close(ru));
	rig_close(&g);
}

TEST(bound_and_connected_raw_sockets_filter)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0), other = SIN("10.0.0.7", 0),
			   peer = SIN("10.0.0.1", 0), bad_peer = SIN("10.0.0.3", 0);
	uint32_t extra = A("10.0.0.7");
	int tx, r_bound, r_other, r_conn, r_badconn;
	char buf[64];
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	EXPECT_OK(usn_addr_add(g.b, g.ifb, AF_INET, &extra, 24));
	tx = raw_in(g.a, PROTO_EXP);
	r_bound = raw_in(g.b, PROTO_EXP);
	r_other = raw_in(g.b, PROTO_EXP);
	r_conn = raw_in(g.b, PROTO_EXP);
	r_badconn = raw_in(g.b, PROTO_EXP);
	EXPECT_OK(usn_bind(r_bound, SA(&to), sizeof(to)));
	EXPECT_OK(usn_bind(r_other, SA(&other), sizeof(other)));
	EXPECT_OK(usn_connect(r_conn, SA(&peer), sizeof(peer)));
	EXPECT_OK(usn_connect(r_badconn, SA(&bad_peer), sizeof(bad_peer)));
	EXPECT_ERRNO(usn_bind(r_bound, SA(&bad_peer), sizeof(bad_peer)), EADDRNOTAVAIL);

	EXPECT_EQ(usn_sendto(tx, "x", 1, 0, SA(&to), sizeof(to)), 1);
	usn_sim_run(20 * MS);
	EXPECT_EQ(usn_recv(r_bound, buf, sizeof(buf), MSG_DONTWAIT), 21);
	EXPECT_EQ(usn_recv(r_conn, buf, sizeof(buf), MSG_DONTWAIT), 21);
	EXPECT_ERRNO(usn_recv(r_other, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_ERRNO(usn_recv(r_badconn, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* A connected raw socket sends without an address. */
	EXPECT_EQ(usn_send(r_conn, "y", 1, 0), 1);
	EXPECT_EQ(usn_recv(tx, buf, sizeof(buf), 0), 21);
	EXPECT_ERRNO(usn_send(r_bound, "z", 1, 0), EDESTADDRREQ);
	EXPECT_OK(usn_close(tx));
	EXPECT_OK(usn_close(r_bound));
	EXPECT_OK(usn_close(r_other));
	EXPECT_OK(usn_close(r_conn));
	EXPECT_OK(usn_close(r_badconn));
	rig_close(&g);
}

TEST(protocol_unreachable_only_without_a_raw_socket)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0);
	int tx, rb;
	char buf[64];
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	tx = raw_in(g.a, PROTO_EXP);
	EXPECT_EQ(usn_sendto(tx, "x", 1, 0, SA(&to), sizeof(to)), 1);
	usn_sim_run(20 * MS);
	EXPECT_EQ(snmp(g.b, "Ip.InUnknownProtos"), 1);
	rb = raw_in(g.b, PROTO_EXP);
	usn_sim_run(2000 * MS);		/* past the ICMP rate limit */
	EXPECT_EQ(usn_sendto(tx, "x", 1, 0, SA(&to), sizeof(to)), 1);
	EXPECT_EQ(usn_recv(rb, buf, sizeof(buf), 0), 21);
	EXPECT_EQ(snmp(g.b, "Ip.InUnknownProtos"), 1);
	EXPECT_EQ(snmp(g.b, "Icmp.OutDestUnreachs"), 1);
	EXPECT_OK(usn_close(tx));
	EXPECT_OK(usn_close(rb));
	rig_close(&g);
}

TEST(raw_recverr_gets_icmp_errors)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0), name;
	struct sock_extended_err ee;
	uint8_t udp[12] = { 0x13, 0x88, 0x1f, 0x41, 0, 12, 0, 0, 'd', 'a', 't', 'a' };
	char cbuf[256], buf[64];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { 0 };
	struct cmsghdr *cm;
	int ru, one = 1;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	ru = raw_in(g.a, IPPROTO_UDP);
	EXPECT_OK(usn_setsockopt(ru, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)));
	/* A UDP datagram 5000 -> 8001 (checksum 0: none) to a closed port. */
	EXPECT_EQ(usn_sendto(ru, udp, sizeof(udp), 0, SA(&to), sizeof(to)), 12);
	usn_sim_run(20 * MS);
	m.msg_name = &name;
	m.msg_namelen = sizeof(name);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	/* The payload past the IP header: here the UDP header and data. */
	EXPECT_EQ(usn_recvmsg(ru, &m, MSG_ERRQUEUE), 12);
	EXPECT_TRUE(!memcmp(buf, udp, 12));
	EXPECT_EQ(name.sin_addr.s_addr, A("10.0.0.2"));
	cm = CMSG_FIRSTHDR(&m);
	ASSERT_TRUE(cm != NULL);
	memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
	EXPECT_EQ(ee.ee_errno, ECONNREFUSED);
	EXPECT_EQ(ee.ee_origin, SO_EE_ORIGIN_ICMP);
	EXPECT_EQ(ee.ee_type, 3);
	EXPECT_EQ(ee.ee_code, 3);
	EXPECT_OK(usn_close(ru));
	rig_close(&g);
}

TEST(receive_trace_of_a_raw_icmp_packet)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0), from;
	uint8_t pkt[64], buf[1024];
	const char *want =
		"ip_rcv->ip_rcv_finish->ip_local_deliver->raw_local_deliver->raw_v4_input->raw_rcv\n";
	int ra, rb;
	ssize_t n;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	ra = raw_in(g.a, IPPROTO_ICMP);
	rb = raw_in(g.b, IPPROTO_ICMP);
	n = (ssize_t)make_echo(pkt, 1, 1, "warm");
	/* Resolve the neighbours first. */
	EXPECT_EQ(usn_sendto(ra, pkt, (size_t)n, 0, SA(&to), sizeof(to)), n);
	EXPECT_TRUE(recv_icmp_type(ra, buf, sizeof(buf), 0, &from) > 0);
	usn_sim_run(5 * MS);
	while (usn_recv(rb, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	EXPECT_OK(usn_trace_start(g.b, 0));
	EXPECT_EQ(usn_sendto(ra, pkt, (size_t)n, 0, SA(&to), sizeof(to)), n);
	EXPECT_TRUE(recv_icmp_type(rb, buf, sizeof(buf), 8, &from) > 0);
	n = usn_trace_read(g.b, (char *)buf, sizeof(buf) - 1);
	ASSERT_TRUE(n > 0);
	buf[n] = 0;
	/* The raw socket's row; ICMP's own handling may add its row. */
	EXPECT_TRUE(!strncmp((char *)buf, want, strlen(want)));
	if (getenv("INET_TEST_SHOW_TRACE") || strncmp((char *)buf, want, strlen(want)))
		fprintf(stderr, "trace: %s", (char *)buf);
	EXPECT_OK(usn_trace_stop(g.b));
	EXPECT_OK(usn_close(ra));
	EXPECT_OK(usn_close(rb));
	rig_close(&g);
}

TEST(raw_ioctl_and_getname)
{
	struct sockaddr_in to = SIN("127.0.0.1", 0), name;
	socklen_t len = sizeof(name);
	int r, n = -1;

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	r = usn_socket(AF_INET, SOCK_RAW, PROTO_EXP);
	ASSERT_TRUE(r >= 0);
	EXPECT_EQ(usn_sendto(r, "abcd", 4, 0, SA(&to), sizeof(to)), 4);
	usn_sim_run(1 * MS);
	EXPECT_OK(usn_ioctl(r, FIONREAD, &n));
	EXPECT_EQ(n, 24);	/* raw: the IP header counts */
	EXPECT_OK(usn_getsockname(r, SA(&name), &len));
	EXPECT_EQ(ntohs(name.sin_port), PROTO_EXP);
	/* Connected with port 0: getpeername still says ENOTCONN, as Linux. */
	EXPECT_OK(usn_connect(r, SA(&to), sizeof(to)));
	len = sizeof(name);
	EXPECT_ERRNO(usn_getpeername(r, SA(&name), &len), ENOTCONN);
	EXPECT_OK(usn_close(r));
}
