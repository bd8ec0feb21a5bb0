/* SPDX-License-Identifier: MIT */
/*
 * udp_test.c - UDP end to end between two namespaces on a memlink, through
 * the public API: echo, many datagrams, a 60000-byte datagram in
 * fragments, the size limits, bind rules (SO_REUSEADDR, SO_REUSEPORT,
 * the ephemeral range), connect and disconnect, ICMP errors (ECONNREFUSED,
 * IP_RECVERR and MSG_ERRQUEUE), SO_BROADCAST, MSG_TRUNC / MSG_PEEK /
 * empty datagrams, a full receive buffer, control messages, bad
 * checksums and lengths, and the receive trace.
 */
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/udp.h>
#include <poll.h>
#include "family/inet/inet_test.h"
#include "wire/checksum.h"

#define RUN_SEED	0x0d9ULL

static int udp_bound(struct usn_net *net, const char *addr, uint16_t port)
{
	struct sockaddr_in sin = SIN(addr, port);
	int fd = sock_in(net, SOCK_DGRAM, 0);

	if (fd < 0 || usn_bind(fd, SA(&sin), sizeof(sin))) {
		TEST_FAIL_AT("udp socket on %s:%u: %s", addr, port, strerror(errno));
		return -1;
	}
	set_rcvtimeo(fd, 2000);
	return fd;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (usn_getsockname(fd, SA(&sin), &len))
		return 0;
	return ntohs(sin.sin_port);
}

TEST(echo_between_namespaces)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7000), from;
	socklen_t len = sizeof(from);
	struct rig g;
	char buf[64];
	int fa, fb;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fb = udp_bound(g.b, "0.0.0.0", 7000);
	fa = udp_bound(g.a, "0.0.0.0", 0);
	ASSERT_TRUE(fa >= 0 && fb >= 0);

	EXPECT_EQ(usn_sendto(fa, "ping", 4, 0, SA(&to), sizeof(to)), 4);
	EXPECT_EQ(usn_recvfrom(fb, buf, sizeof(buf), 0, SA(&from), &len), 4);
	EXPECT_TRUE(!memcmp(buf, "ping", 4));
	EXPECT_EQ(len, sizeof(from));
	EXPECT_EQ(from.sin_family, AF_INET);
	EXPECT_EQ(from.sin_addr.s_addr, A("10.0.0.1"));
	EXPECT_EQ(ntohs(from.sin_port), local_port(fa));

	EXPECT_EQ(usn_sendto(fb, "pong", 4, 0, SA(&from), len), 4);
	len = sizeof(from);
	EXPECT_EQ(usn_recvfrom(fa, buf, sizeof(buf), 0, SA(&from), &len), 4);
	EXPECT_TRUE(!memcmp(buf, "pong", 4));
	EXPECT_EQ(from.sin_addr.s_addr, A("10.0.0.2"));
	EXPECT_EQ(ntohs(from.sin_port), 7000);

	EXPECT_EQ(snmp(g.a, "Udp.OutDatagrams"), 1);
	EXPECT_EQ(snmp(g.a, "Udp.InDatagrams"), 1);
	EXPECT_EQ(snmp(g.b, "Udp.InDatagrams"), 1);
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fb));
	rig_close(&g);
}

TEST(many_datagrams_in_order_with_iovecs)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7001);
	struct rig g;
	int fa, fb, n = 300;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fb = udp_bound(g.b, "10.0.0.2", 7001);
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fa >= 0 && fb >= 0);
	EXPECT_OK(usn_connect(fa, SA(&to), sizeof(to)));
	for (int i = 0; i < n; i++) {
		uint32_t seq = (uint32_t)i;
		char pad[100];
		struct iovec iov[2] = { { &seq, sizeof(seq) }, { pad, sizeof(pad) } };

		memset(pad, i & 0xff, sizeof(pad));
		EXPECT_EQ(usn_writev(fa, iov, 2), (ssize_t)(sizeof(seq) + sizeof(pad)));
		if (i % 50 == 49)
			usn_sim_run(1 * MS);	/* within the receive buffer */
	}
	for (int i = 0; i < n; i++) {
		unsigned char buf[200];
		uint32_t seq;

		ASSERT_TRUE(usn_recv(fb, buf, sizeof(buf), 0) == 104);
		memcpy(&seq, buf, sizeof(seq));
		EXPECT_EQ(seq, (uint32_t)i);
		EXPECT_EQ(buf[103], i & 0xff);
	}
	EXPECT_EQ(snmp(g.b, "Udp.InDatagrams"), (uint64_t)n);
	EXPECT_EQ(snmp(g.b, "Udp.InErrors"), 0);
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fb));
	rig_close(&g);
}

TEST(big_datagram_in_fragments_arrives_intact)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7002);
	static unsigned char out[65507], in[65600];
	int fa, fb, v = 1;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open_mtu(&g, 1500));
	fb = udp_bound(g.b, "0.0.0.0", 7002);
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fa >= 0 && fb >= 0);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + (i >> 8));
	EXPECT_EQ(usn_sendto(fa, out, 60000, 0, SA(&to), sizeof(to)), 60000);
	EXPECT_EQ(usn_recv(fb, in, sizeof(in), 0), 60000);
	EXPECT_TRUE(!memcmp(in, out, 60000));
	EXPECT_TRUE(snmp(g.a, "Ip.FragCreates") >= 41);
	EXPECT_EQ(snmp(g.b, "Ip.ReasmOKs"), 1);

	/* The IPv4 limit: 65535 - 20 - 8. */
	EXPECT_EQ(usn_sendto(fa, out, 65507, 0, SA(&to), sizeof(to)), 65507);
	EXPECT_EQ(usn_recv(fb, in, sizeof(in), 0), 65507);
	EXPECT_ERRNO(usn_sendto(fa, out, 65508, 0, SA(&to), sizeof(to)), EMSGSIZE);
	EXPECT_ERRNO(usn_sendto(fa, in, 65536, 0, SA(&to), sizeof(to)), EMSGSIZE);

	/* IP_PMTUDISC_DO: DF on every datagram, nothing above the path MTU. */
	v = IP_PMTUDISC_DO;
	EXPECT_OK(usn_setsockopt(fa, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)));
	EXPECT_ERRNO(usn_sendto(fa, out, 1473, 0, SA(&to), sizeof(to)), EMSGSIZE);
	EXPECT_EQ(usn_sendto(fa, out, 1472, 0, SA(&to), sizeof(to)), 1472);
	EXPECT_EQ(usn_recv(fb, in, sizeof(in), 0), 1472);
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fb));
	rig_close(&g);
}

TEST(emsgsize_goes_to_the_error_queue_with_recverr)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7003), name;
	struct sock_extended_err ee;
	static unsigned char out[2000];
	char cbuf[256], buf[16];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { 0 };
	struct cmsghdr *cm;
	int fa, v;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fa >= 0);
	v = IP_PMTUDISC_DO;
	EXPECT_OK(usn_setsockopt(fa, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)));
	v = 1;
	EXPECT_OK(usn_setsockopt(fa, IPPROTO_IP, IP_RECVERR, &v, sizeof(v)));
	EXPECT_ERRNO(usn_sendto(fa, out, sizeof(out), 0, SA(&to), sizeof(to)), EMSGSIZE);
	m.msg_name = &name;
	m.msg_namelen = sizeof(name);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	EXPECT_EQ(usn_recvmsg(fa, &m, MSG_ERRQUEUE), 0);
	EXPECT_TRUE(m.msg_flags & MSG_ERRQUEUE);
	EXPECT_EQ(name.sin_addr.s_addr, A("10.0.0.2"));
	cm = CMSG_FIRSTHDR(&m);
	ASSERT_TRUE(cm != NULL);
	EXPECT_EQ(cm->cmsg_level, SOL_IP);
	EXPECT_EQ(cm->cmsg_type, IP_RECVERR);
	memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
	EXPECT_EQ(ee.ee_errno, EMSGSIZE);
	EXPECT_EQ(ee.ee_origin, SO_EE_ORIGIN_LOCAL);
	EXPECT_EQ(ee.ee_info, 1500);
	EXPECT_OK(usn_close(fa));
	rig_close(&g);
}

TEST(bind_conflicts_and_reuseaddr)
{
	int f1, f2, f3, one = 1;
	struct sockaddr_in any = SIN("0.0.0.0", 7100), lo = SIN("127.0.0.1", 7100);

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	f1 = usn_socket(AF_INET, SOCK_DGRAM, 0);
	f2 = usn_socket(AF_INET, SOCK_DGRAM, 0);
	f3 = usn_socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT_OK(usn_bind(f1, SA(&any), sizeof(any)));
	/* A wildcard conflicts with a specific address, either way round. */
	EXPECT_ERRNO(usn_bind(f2, SA(&lo), sizeof(lo)), EADDRINUSE);
	EXPECT_ERRNO(usn_bind(f2, SA(&any), sizeof(any)), EADDRINUSE);
	/* A failed bind leaves the socket unbound. */
	EXPECT_EQ(local_port(f2), 0);
	/* SO_REUSEADDR on one side only is not enough. */
	EXPECT_OK(usn_setsockopt(f2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_ERRNO(usn_bind(f2, SA(&lo), sizeof(lo)), EADDRINUSE);
	EXPECT_OK(usn_close(f1));
	f1 = usn_socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT_OK(usn_setsockopt(f1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_OK(usn_bind(f1, SA(&any), sizeof(any)));
	EXPECT_OK(usn_bind(f2, SA(&lo), sizeof(lo)));
	/* Different specific addresses never conflict. */
	lo = SIN("127.0.0.2", 7100);
	EXPECT_ERRNO(usn_bind(f3, SA(&lo), sizeof(lo)), EADDRINUSE);	/* f1 is *:7100 */
	EXPECT_OK(usn_close(f1));
	EXPECT_OK(usn_bind(f3, SA(&lo), sizeof(lo)));
	EXPECT_OK(usn_close(f2));
	EXPECT_OK(usn_close(f3));
}

TEST(reuseport_group_shares_by_flow)
{
	struct sockaddr_in any = SIN("0.0.0.0", 7200);
	int fd[4], tx[16], one = 1, got[4] = { 0 }, groups = 0;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	for (int i = 0; i < 4; i++) {
		fd[i] = sock_in(g.b, SOCK_DGRAM, 0);
		if (i < 3)
			EXPECT_OK(usn_setsockopt(fd[i], SOL_SOCKET, SO_REUSEPORT,
						 &one, sizeof(one)));
	}
	EXPECT_OK(usn_bind(fd[0], SA(&any), sizeof(any)));
	EXPECT_OK(usn_bind(fd[1], SA(&any), sizeof(any)));
	EXPECT_OK(usn_bind(fd[2], SA(&any), sizeof(any)));
	/* Not in the group: refused. */
	EXPECT_ERRNO(usn_bind(fd[3], SA(&any), sizeof(any)), EADDRINUSE);

	any = SIN("10.0.0.2", 7200);
	for (int i = 0; i < 16; i++) {
		tx[i] = sock_in(g.a, SOCK_DGRAM, 0);
		/* Each flow twice: one flow always reaches one member. */
		EXPECT_EQ(usn_sendto(tx[i], "a", 1, 0, SA(&any), sizeof(any)), 1);
		EXPECT_EQ(usn_sendto(tx[i], "b", 1, 0, SA(&any), sizeof(any)), 1);
	}
	usn_sim_run(20 * MS);
	for (int i = 0; i < 3; i++) {
		char buf[4];

		while (usn_recv(fd[i], buf, sizeof(buf), MSG_DONTWAIT) == 1)
			got[i]++;
		EXPECT_EQ(got[i] % 2, 0);
		groups += got[i] > 0;
	}
	EXPECT_EQ(got[0] + got[1] + got[2], 32);
	EXPECT_TRUE(groups >= 2);
	for (int i = 0; i < 16; i++)
		EXPECT_OK(usn_close(tx[i]));
	for (int i = 0; i < 4; i++)
		EXPECT_OK(usn_close(fd[i]));
	rig_close(&g);
}

TEST(ephemeral_ports_from_the_sysctl_range)
{
	struct sockaddr_in any = SIN("0.0.0.0", 0);
	char old[32];
	size_t oldlen = sizeof(old);
	int fd[5];
	bool seen[4] = { false };

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	EXPECT_OK(usn_sysctl(usn_net_default(), "net.ipv4.ip_local_port_range",
			     old, &oldlen, "40000 40003"));
	for (int i = 0; i < 4; i++) {
		uint16_t p;

		fd[i] = usn_socket(AF_INET, SOCK_DGRAM, 0);
		EXPECT_OK(usn_bind(fd[i], SA(&any), sizeof(any)));
		p = local_port(fd[i]);
		EXPECT_TRUE(p >= 40000 && p <= 40003);
		if (p >= 40000 && p <= 40003) {
			EXPECT_TRUE(!seen[p - 40000]);
			seen[p - 40000] = true;
		}
	}
	fd[4] = usn_socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT_ERRNO(usn_bind(fd[4], SA(&any), sizeof(any)), EADDRINUSE);
	/* An unbound socket that sends cannot autobind either. */
	any = SIN("127.0.0.1", 9);
	EXPECT_ERRNO(usn_sendto(fd[4], "x", 1, 0, SA(&any), sizeof(any)), EAGAIN);
	EXPECT_ERRNO(usn_connect(fd[4], SA(&any), sizeof(any)), EAGAIN);
	for (int i = 0; i < 5; i++)
		EXPECT_OK(usn_close(fd[i]));
	EXPECT_OK(usn_sysctl(usn_net_default(), "net.ipv4.ip_local_port_range",
			     NULL, NULL, old));
}

TEST(connect_filters_and_disconnect_forgets)
{
	struct sockaddr_in peer = SIN("10.0.0.1", 7301), me = SIN("10.0.0.2", 7300);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int fb, fa1, fa2;
	char buf[8];
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fb = udp_bound(g.b, "0.0.0.0", 7300);
	fa1 = udp_bound(g.a, "0.0.0.0", 7301);
	fa2 = udp_bound(g.a, "0.0.0.0", 7302);
	ASSERT_TRUE(fb >= 0 && fa1 >= 0 && fa2 >= 0);
	EXPECT_OK(usn_connect(fb, SA(&peer), sizeof(peer)));
	EXPECT_EQ(usn_sendto(fa2, "2", 1, 0, SA(&me), sizeof(me)), 1);
	EXPECT_EQ(usn_sendto(fa1, "1", 1, 0, SA(&me), sizeof(me)), 1);
	/* Only the connected peer's datagram is taken; the other gets "port unreachable". */
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 1);
	EXPECT_EQ(buf[0], '1');
	EXPECT_ERRNO(usn_recv(fb, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_EQ(snmp(g.b, "Udp.NoPorts"), 1);
	/* send() without an address goes to the peer; sendto() is allowed too. */
	EXPECT_EQ(usn_send(fb, "c", 1, 0), 1);
	EXPECT_EQ(usn_sendto(fb, "d", 1, 0, SA(&peer), sizeof(peer)), 1);
	EXPECT_EQ(usn_recv(fa1, buf, sizeof(buf), 0), 1);
	EXPECT_EQ(usn_recv(fa1, buf, sizeof(buf), 0), 1);

	EXPECT_OK(usn_connect(fb, &unspec, sizeof(unspec)));
	EXPECT_ERRNO(usn_send(fb, "e", 1, 0), EDESTADDRREQ);
	EXPECT_EQ(local_port(fb), 7300);	/* a bound port stays */
	EXPECT_EQ(usn_sendto(fa2, "3", 1, 0, SA(&me), sizeof(me)), 1);
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 1);
	EXPECT_EQ(buf[0], '3');
	EXPECT_OK(usn_close(fa1));
	EXPECT_OK(usn_close(fa2));
	EXPECT_OK(usn_close(fb));
	rig_close(&g);
}

TEST(send_errors)
{
	struct sockaddr_in to = SIN("127.0.0.1", 9);
	int fd;

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT_ERRNO(usn_send(fd, "x", 1, 0), EDESTADDRREQ);
	EXPECT_ERRNO(usn_sendto(fd, "x", 1, 0, SA(&to), sizeof(to) - 1), EINVAL);
	to.sin_port = 0;
	EXPECT_ERRNO(usn_sendto(fd, "x", 1, 0, SA(&to), sizeof(to)), EINVAL);
	to = SIN("127.0.0.1", 9);
	to.sin_family = AF_INET6;
	EXPECT_ERRNO(usn_sendto(fd, "x", 1, 0, SA(&to), sizeof(to)), EAFNOSUPPORT);
	to = SIN("192.0.2.1", 9);	/* no route in the default namespace */
	EXPECT_ERRNO(usn_sendto(fd, "x", 1, 0, SA(&to), sizeof(to)), ENETUNREACH);
	EXPECT_ERRNO(usn_sendto(fd, "x", 1, MSG_OOB, SA(&to), sizeof(to)), EOPNOTSUPP);
	EXPECT_OK(usn_close(fd));
}

TEST(connected_socket_gets_econnrefused)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7400);
	struct rig g;
	char buf[4];
	int fa, fu, err;
	socklen_t len = sizeof(err);

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	fu = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fa >= 0 && fu >= 0);
	set_rcvtimeo(fa, 1000);
	EXPECT_OK(usn_connect(fa, SA(&to), sizeof(to)));
	EXPECT_EQ(usn_send(fa, "x", 1, 0), 1);
	EXPECT_ERRNO(usn_recv(fa, buf, sizeof(buf), 0), ECONNREFUSED);
	/* Reported once. */
	EXPECT_ERRNO(usn_recv(fa, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_EQ(snmp(g.b, "Udp.NoPorts"), 1);
	EXPECT_TRUE(snmp(g.b, "Icmp.OutDestUnreachs") >= 1);

	/* An unconnected socket hears nothing of it (no IP_RECVERR). */
	EXPECT_EQ(usn_sendto(fu, "x", 1, 0, SA(&to), sizeof(to)), 1);
	usn_sim_run(2000 * MS);		/* past the ICMP rate limit */
	EXPECT_OK(usn_getsockopt(fu, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(err, 0);

	/* The error also ends a send and shows in SO_ERROR / poll. */
	EXPECT_EQ(usn_send(fa, "y", 1, 0), 1);
	usn_sim_run(10 * MS);
	{
		struct pollfd p = { fa, POLLIN, 0 };

		EXPECT_EQ(usn_poll(&p, 1, 0), 1);
		EXPECT_TRUE(p.revents & POLLERR);
	}
	EXPECT_OK(usn_getsockopt(fa, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(err, ECONNREFUSED);
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fu));
	rig_close(&g);
}

TEST(recverr_queues_icmp_errors)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7500), name;
	struct sock_extended_err ee;
	struct sockaddr_in off;
	char cbuf[256], buf[16];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { 0 };
	struct cmsghdr *cm;
	struct rig g;
	int fa, one = 1;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fa >= 0);
	EXPECT_OK(usn_setsockopt(fa, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)));
	EXPECT_EQ(usn_sendto(fa, "hello", 5, 0, SA(&to), sizeof(to)), 5);
	usn_sim_run(20 * MS);

	m.msg_name = &name;
	m.msg_namelen = sizeof(name);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	EXPECT_EQ(usn_recvmsg(fa, &m, MSG_ERRQUEUE), 5);
	EXPECT_TRUE(!memcmp(buf, "hello", 5));
	EXPECT_TRUE(m.msg_flags & MSG_ERRQUEUE);
	EXPECT_EQ(name.sin_addr.s_addr, A("10.0.0.2"));
	EXPECT_EQ(ntohs(name.sin_port), 7500);
	cm = CMSG_FIRSTHDR(&m);
	ASSERT_TRUE(cm != NULL);
	EXPECT_EQ(cm->cmsg_level, SOL_IP);
	EXPECT_EQ(cm->cmsg_type, IP_RECVERR);
	memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
	EXPECT_EQ(ee.ee_errno, ECONNREFUSED);
	EXPECT_EQ(ee.ee_origin, SO_EE_ORIGIN_ICMP);
	EXPECT_EQ(ee.ee_type, 3);
	EXPECT_EQ(ee.ee_code, 3);
	memcpy(&off, CMSG_DATA(cm) + sizeof(ee), sizeof(off));
	EXPECT_EQ(off.sin_family, AF_INET);
	EXPECT_EQ(off.sin_addr.s_addr, A("10.0.0.2"));
	/* The queue is empty now, and the pending error went with it. */
	EXPECT_ERRNO(usn_recvmsg(fa, &m, MSG_ERRQUEUE), EAGAIN);
	EXPECT_ERRNO(usn_recv(fa, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_OK(usn_close(fa));
	rig_close(&g);
}

TEST(broadcast_needs_so_broadcast)
{
	struct sockaddr_in bc = SIN("10.0.0.255", 7600), lb = SIN("255.255.255.255", 7600);
	int fa, fb, fb2, one = 1;
	char buf[8];
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fb = udp_bound(g.b, "0.0.0.0", 7600);
	fb2 = sock_in(g.b, SOCK_DGRAM, 0);
	EXPECT_OK(usn_setsockopt(fb, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_OK(usn_setsockopt(fb2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fa >= 0 && fb >= 0 && fb2 >= 0);
	EXPECT_ERRNO(usn_sendto(fa, "b", 1, 0, SA(&bc), sizeof(bc)), EACCES);
	/* As Linux: no route to 255.255.255.255 without a default route or device. */
	EXPECT_ERRNO(usn_sendto(fa, "b", 1, 0, SA(&lb), sizeof(lb)), ENETUNREACH);
	EXPECT_ERRNO(usn_connect(fa, SA(&bc), sizeof(bc)), EACCES);
	EXPECT_OK(usn_setsockopt(fa, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)));
	EXPECT_EQ(usn_sendto(fa, "b", 1, 0, SA(&bc), sizeof(bc)), 1);
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 1);
	/* A broadcast to a port nobody has: no ICMP, counted as ignored. */
	bc.sin_port = htons(7601);
	EXPECT_EQ(usn_sendto(fa, "b", 1, 0, SA(&bc), sizeof(bc)), 1);
	usn_sim_run(10 * MS);
	EXPECT_EQ(snmp(g.b, "Udp.NoPorts"), 0);
	EXPECT_EQ(snmp(g.b, "Udp.IgnoredMulti"), 1);
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fb));
	EXPECT_OK(usn_close(fb2));
	rig_close(&g);
}

TEST(broadcast_reaches_every_socket_of_the_port)
{
	struct sockaddr_in bc = SIN("10.0.0.255", 7610), any = SIN("0.0.0.0", 7610);
	int fa, fb[2], one = 1;
	char buf[8];
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	for (int i = 0; i < 2; i++) {
		fb[i] = sock_in(g.b, SOCK_DGRAM, 0);
		EXPECT_OK(usn_setsockopt(fb[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
		EXPECT_OK(usn_bind(fb[i], SA(&any), sizeof(any)));
		set_rcvtimeo(fb[i], 1000);
	}
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	EXPECT_OK(usn_setsockopt(fa, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)));
	EXPECT_EQ(usn_sendto(fa, "all", 3, 0, SA(&bc), sizeof(bc)), 3);
	EXPECT_EQ(usn_recv(fb[0], buf, sizeof(buf), 0), 3);
	EXPECT_EQ(usn_recv(fb[1], buf, sizeof(buf), 0), 3);
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fb[0]));
	EXPECT_OK(usn_close(fb[1]));
	rig_close(&g);
}

TEST(trunc_peek_and_empty_datagrams)
{
	struct sockaddr_in sin = SIN("127.0.0.1", 0);
	socklen_t len = sizeof(sin);
	char buf[16];
	struct iovec iov = { buf, 4 };
	struct msghdr m = { 0 };
	int fd, tx;

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	tx = usn_socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT_OK(usn_bind(fd, SA(&sin), sizeof(sin)));
	EXPECT_OK(usn_getsockname(fd, SA(&sin), &len));
	set_rcvtimeo(fd, 1000);

	EXPECT_EQ(usn_sendto(tx, "0123456789", 10, 0, SA(&sin), sizeof(sin)), 10);
	EXPECT_EQ(usn_sendto(tx, "", 0, 0, SA(&sin), sizeof(sin)), 0);
	EXPECT_EQ(usn_sendto(tx, "abcdef", 6, 0, SA(&sin), sizeof(sin)), 6);
	/* MSG_PEEK leaves it; MSG_TRUNC as input returns the real length. */
	EXPECT_EQ(usn_recv(fd, buf, 4, MSG_PEEK), 4);
	EXPECT_EQ(usn_recv(fd, buf, 4, MSG_PEEK | MSG_TRUNC), 10);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	EXPECT_EQ(usn_recvmsg(fd, &m, 0), 4);
	EXPECT_TRUE(m.msg_flags & MSG_TRUNC);
	EXPECT_TRUE(!memcmp(buf, "0123", 4));
	/* The rest of a truncated datagram is gone: next is the empty one. */
	EXPECT_EQ(usn_recv(fd, buf, sizeof(buf), 0), 0);
	m.msg_flags = 0;
	iov.iov_len = sizeof(buf);
	EXPECT_EQ(usn_recvmsg(fd, &m, 0), 6);
	EXPECT_EQ(m.msg_flags & MSG_TRUNC, 0);
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_OK(usn_close(fd));
	EXPECT_OK(usn_close(tx));
}

TEST(full_receive_buffer_drops_and_counts)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7700);
	static char payload[1000];
	int fa, fb, small = 4096, got = 0;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fb = udp_bound(g.b, "0.0.0.0", 7700);
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fa >= 0 && fb >= 0);
	EXPECT_OK(usn_setsockopt(fb, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(usn_sendto(fa, payload, sizeof(payload), 0, SA(&to), sizeof(to)),
			  (ssize_t)sizeof(payload));
	usn_sim_run(50 * MS);
	while (usn_recv(fb, payload, sizeof(payload), MSG_DONTWAIT) > 0)
		got++;
	EXPECT_TRUE(got > 0 && got < 20);
	EXPECT_EQ(snmp(g.b, "Udp.RcvbufErrors"), (uint64_t)(100 - got));
	EXPECT_EQ(snmp(g.b, "Udp.InErrors"), (uint64_t)(100 - got));
	EXPECT_EQ(snmp(g.b, "Udp.InDatagrams"), (uint64_t)got);
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fb));
	rig_close(&g);
}

/* Receives one datagram on @fd with its control messages into @cbuf. */
static ssize_t recv_cmsg(int fd, char *cbuf, size_t clen, struct msghdr *m)
{
	static char buf[64];
	static struct iovec iov = { buf, sizeof(buf) };

	memset(m, 0, sizeof(*m));
	m->msg_iov = &iov;
	m->msg_iovlen = 1;
	m->msg_control = cbuf;
	m->msg_controllen = clen;
	return usn_recvmsg(fd, m, 0);
}

TEST(control_messages_in_and_out)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7800);
	int fa, fb, one = 1, ttl = 0, tos = -1;
	char cbuf[256], sbuf[CMSG_SPACE(sizeof(int))];
	struct in_pktinfo pi;
	struct msghdr m;
	struct cmsghdr *cm;
	struct iovec iov = { "t", 1 };
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fb = udp_bound(g.b, "0.0.0.0", 7800);
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fa >= 0 && fb >= 0);
	EXPECT_OK(usn_setsockopt(fb, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)));
	EXPECT_OK(usn_setsockopt(fb, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)));
	EXPECT_OK(usn_setsockopt(fb, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)));
	tos = 0x20;
	EXPECT_OK(usn_setsockopt(fa, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)));

	/* IP_TTL given to sendmsg. */
	memset(&m, 0, sizeof(m));
	m.msg_name = &to;
	m.msg_namelen = sizeof(to);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = sbuf;
	m.msg_controllen = sizeof(sbuf);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_IP;
	cm->cmsg_type = IP_TTL;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	ttl = 9;
	memcpy(CMSG_DATA(cm), &ttl, sizeof(ttl));
	EXPECT_EQ(usn_sendmsg(fa, &m, 0), 1);

	EXPECT_EQ(recv_cmsg(fb, cbuf, sizeof(cbuf), &m), 1);
	ttl = tos = -1;
	memset(&pi, 0, sizeof(pi));
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		EXPECT_EQ(cm->cmsg_level, SOL_IP);
		if (cm->cmsg_type == IP_PKTINFO)
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
		else if (cm->cmsg_type == IP_TTL)
			memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
		else if (cm->cmsg_type == IP_TOS) {
			EXPECT_EQ(cm->cmsg_len, CMSG_LEN(1));
			tos = *CMSG_DATA(cm);
		}
	}
	EXPECT_EQ(ttl, 9);
	EXPECT_EQ(tos, 0x20);
	EXPECT_EQ(pi.ipi_ifindex, g.ifb);
	EXPECT_EQ(pi.ipi_addr.s_addr, A("10.0.0.2"));
	EXPECT_EQ(pi.ipi_spec_dst.s_addr, A("10.0.0.2"));

	/* Bad control messages. */
	ttl = 0;
	memset(&m, 0, sizeof(m));
	m.msg_name = &to;
	m.msg_namelen = sizeof(to);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = sbuf;
	m.msg_controllen = sizeof(sbuf);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_IP;
	cm->cmsg_type = IP_TTL;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &ttl, sizeof(ttl));
	EXPECT_ERRNO(usn_sendmsg(fa, &m, 0), EINVAL);
	cm->cmsg_type = 77;
	EXPECT_ERRNO(usn_sendmsg(fa, &m, 0), EINVAL);

	/* A control buffer too small for everything: MSG_CTRUNC. */
	EXPECT_EQ(usn_sendto(fa, "u", 1, 0, SA(&to), sizeof(to)), 1);
	EXPECT_EQ(recv_cmsg(fb, cbuf, CMSG_SPACE(sizeof(struct in_pktinfo)), &m), 1);
	EXPECT_TRUE(m.msg_flags & MSG_CTRUNC);
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fb));
	rig_close(&g);
}

TEST(pktinfo_chooses_the_source)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7810), from;
	socklen_t len = sizeof(from);
	char sbuf[CMSG_SPACE(sizeof(struct in_pktinfo))], buf[4];
	struct iovec iov = { "s", 1 };
	struct in_pktinfo pi;
	struct msghdr m;
	struct cmsghdr *cm;
	uint32_t extra = A("10.0.0.9");
	int fa, fb;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	EXPECT_OK(usn_addr_add(g.a, g.ifa, AF_INET, &extra, 24));
	fb = udp_bound(g.b, "0.0.0.0", 7810);
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	memset(&m, 0, sizeof(m));
	memset(&pi, 0, sizeof(pi));
	pi.ipi_spec_dst.s_addr = extra;
	m.msg_name = &to;
	m.msg_namelen = sizeof(to);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = sbuf;
	m.msg_controllen = sizeof(sbuf);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	EXPECT_EQ(usn_sendmsg(fa, &m, 0), 1);
	EXPECT_EQ(usn_recvfrom(fb, buf, sizeof(buf), 0, SA(&from), &len), 1);
	EXPECT_EQ(from.sin_addr.s_addr, extra);
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fb));
	rig_close(&g);
}

/* Builds an IPv4+UDP datagram 10.0.0.1:5000 -> 10.0.0.2:@dport by hand. */
static size_t craft_udp(uint8_t *p, uint16_t dport, const char *data,
			uint16_t ulen_field, bool good_csum, bool zero_csum)
{
	size_t dlen = strlen(data), ulen = 8 + dlen;
	uint32_t s = A("10.0.0.1"), d = A("10.0.0.2");
	uint16_t c;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, &s, 4);
	memcpy(p + 16, &d, 4);
	p[20] = 5000 >> 8;
	p[21] = 5000 & 0xff;
	p[22] = (uint8_t)(dport >> 8);
	p[23] = (uint8_t)dport;
	p[24] = (uint8_t)(ulen_field >> 8);
	p[25] = (uint8_t)ulen_field;
	p[26] = p[27] = 0;
	memcpy(p + 28, data, dlen);
	c = csum_tcpudp_magic(s, d, (uint32_t)ulen, IPPROTO_UDP,
			      csum_partial(p + 20, ulen, 0));
	if (!c)
		c = 0xffff;
	if (!good_csum)
		c ^= 0x1234;
	if (!zero_csum) {
		p[26] = (uint8_t)(c >> 8);
		p[27] = (uint8_t)c;
	}
	return 20 + ulen;
}

TEST(checksums_and_lengths_on_receive)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0);
	uint8_t pkt[128];
	char buf[32];
	int raw, fb;
	size_t n;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fb = udp_bound(g.b, "0.0.0.0", 7900);
	raw = sock_in(g.a, SOCK_RAW, IPPROTO_RAW);
	ASSERT_TRUE(raw >= 0 && fb >= 0);
	set_rcvtimeo(fb, 200);

	n = craft_udp(pkt, 7900, "good", 12, true, false);
	EXPECT_EQ(usn_sendto(raw, pkt, n, 0, SA(&to), sizeof(to)), (ssize_t)n);
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 4);
	n = craft_udp(pkt, 7900, "none", 12, true, true);	/* checksum 0: none */
	EXPECT_EQ(usn_sendto(raw, pkt, n, 0, SA(&to), sizeof(to)), (ssize_t)n);
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 4);
	n = craft_udp(pkt, 7900, "bad!", 12, false, false);
	EXPECT_EQ(usn_sendto(raw, pkt, n, 0, SA(&to), sizeof(to)), (ssize_t)n);
	EXPECT_ERRNO(usn_recv(fb, buf, sizeof(buf), 0), EAGAIN);
	EXPECT_EQ(snmp(g.b, "Udp.InCsumErrors"), 1);
	EXPECT_EQ(snmp(g.b, "Udp.InErrors"), 1);
	/* A length field beyond the datagram, or below the header. */
	n = craft_udp(pkt, 7900, "long", 13, true, true);
	EXPECT_EQ(usn_sendto(raw, pkt, n, 0, SA(&to), sizeof(to)), (ssize_t)n);
	n = craft_udp(pkt, 7900, "shrt", 7, true, true);
	EXPECT_EQ(usn_sendto(raw, pkt, n, 0, SA(&to), sizeof(to)), (ssize_t)n);
	EXPECT_ERRNO(usn_recv(fb, buf, sizeof(buf), 0), EAGAIN);
	EXPECT_EQ(snmp(g.b, "Udp.InErrors"), 3);
	/* A length field shorter than the datagram: the rest is padding. */
	n = craft_udp(pkt, 7900, "trimmed", 10, true, true);
	EXPECT_EQ(usn_sendto(raw, pkt, n, 0, SA(&to), sizeof(to)), (ssize_t)n);
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 2);
	EXPECT_TRUE(!memcmp(buf, "tr", 2));
	EXPECT_OK(usn_close(raw));
	EXPECT_OK(usn_close(fb));
	rig_close(&g);
}

TEST(receive_trace_reads_as_the_seed)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7950);
	char buf[512];
	ssize_t n;
	int fa, fb;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fb = udp_bound(g.b, "0.0.0.0", 7950);
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	/* Resolve the neighbour first, so only the datagram is traced. */
	EXPECT_EQ(usn_sendto(fa, "w", 1, 0, SA(&to), sizeof(to)), 1);
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 1);
	EXPECT_OK(usn_trace_start(g.b, 0));
	EXPECT_EQ(usn_sendto(fa, "t", 1, 0, SA(&to), sizeof(to)), 1);
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 1);
	n = usn_trace_read(g.b, buf, sizeof(buf) - 1);
	ASSERT_TRUE(n > 0);
	buf[n] = 0;
	EXPECT_STREQ(buf, "ip_rcv->ip_rcv_finish->ip_local_deliver->udp_rcv\n");
	EXPECT_OK(usn_trace_stop(g.b));
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fb));
	rig_close(&g);
}

TEST(corked_datagrams_msg_more_and_udp_cork)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7960), elsewhere = SIN("10.0.0.2", 7961);
	static char big[65507];
	char buf[128];
	int fa, fb, one = 1, zero = 0, v;
	socklen_t len = sizeof(v);
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fb = udp_bound(g.b, "0.0.0.0", 7960);
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fa >= 0 && fb >= 0);

	/* MSG_MORE: pieces wait; the first call's address is the datagram's. */
	EXPECT_EQ(usn_sendto(fa, "abc", 3, MSG_MORE, SA(&to), sizeof(to)), 3);
	EXPECT_EQ(usn_sendto(fa, "def", 3, MSG_MORE, SA(&elsewhere), sizeof(elsewhere)), 3);
	usn_sim_run(10 * MS);
	EXPECT_ERRNO(usn_recv(fb, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_EQ(usn_sendto(fa, "gh", 2, 0, SA(&elsewhere), sizeof(elsewhere)), 2);
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 8);
	EXPECT_TRUE(!memcmp(buf, "abcdefgh", 8));

	/* UDP_CORK: everything waits until the cork is pulled. */
	EXPECT_OK(usn_setsockopt(fa, SOL_UDP, UDP_CORK, &one, sizeof(one)));
	EXPECT_OK(usn_getsockopt(fa, SOL_UDP, UDP_CORK, &v, &len));
	EXPECT_EQ(v, 1);
	EXPECT_EQ(usn_sendto(fa, "12", 2, 0, SA(&to), sizeof(to)), 2);
	EXPECT_EQ(usn_sendto(fa, "34", 2, 0, SA(&to), sizeof(to)), 2);
	usn_sim_run(10 * MS);
	EXPECT_ERRNO(usn_recv(fb, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_OK(usn_setsockopt(fa, SOL_UDP, UDP_CORK, &zero, sizeof(zero)));
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 4);
	EXPECT_TRUE(!memcmp(buf, "1234", 4));
	EXPECT_EQ(snmp(g.a, "Udp.OutDatagrams"), 2);

	/* The IPv4 limit holds for the whole: too much drops it all. */
	EXPECT_EQ(usn_sendto(fa, big, 65000, MSG_MORE, SA(&to), sizeof(to)), 65000);
	EXPECT_ERRNO(usn_sendto(fa, big, 508, MSG_MORE, SA(&to), sizeof(to)), EMSGSIZE);
	EXPECT_EQ(usn_sendto(fa, "new", 3, 0, SA(&to), sizeof(to)), 3);
	EXPECT_EQ(usn_recv(fb, buf, sizeof(buf), 0), 3);
	EXPECT_ERRNO(usn_setsockopt(fa, SOL_UDP, UDP_CORK, &one, 2), EINVAL);
	EXPECT_ERRNO(usn_setsockopt(fa, SOL_UDP, 200, &one, sizeof(one)), ENOPROTOOPT);

	/* Closing with a corked datagram frees it. */
	EXPECT_EQ(usn_sendto(fa, "lost", 4, MSG_MORE, SA(&to), sizeof(to)), 4);
	EXPECT_OK(usn_close(fa));
	EXPECT_OK(usn_close(fb));
	rig_close(&g);
}

TEST(error_queue_control_messages_describe_the_icmp_message)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7970);
	char cbuf[512], buf[16];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { 0 };
	struct cmsghdr *cm;
	int fa, one = 1, ttl = 5, got_ttl = -1;
	struct in_pktinfo pi;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	EXPECT_OK(usn_setsockopt(fa, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)));
	EXPECT_OK(usn_setsockopt(fa, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)));
	EXPECT_OK(usn_setsockopt(fa, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)));
	EXPECT_OK(usn_setsockopt(fa, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)));
	EXPECT_EQ(usn_sendto(fa, "q", 1, 0, SA(&to), sizeof(to)), 1);
	usn_sim_run(20 * MS);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	EXPECT_EQ(usn_recvmsg(fa, &m, MSG_ERRQUEUE), 1);
	memset(&pi, 0, sizeof(pi));
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_type == IP_TTL)
			memcpy(&got_ttl, CMSG_DATA(cm), sizeof(got_ttl));
		if (cm->cmsg_type == IP_PKTINFO)
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
	}
	/* The ICMP message's TTL and addresses, not the quoted datagram's. */
	EXPECT_EQ(got_ttl, 64);
	EXPECT_EQ(pi.ipi_addr.s_addr, A("10.0.0.1"));
	EXPECT_OK(usn_close(fa));
	rig_close(&g);
}

/* SO_TIMESTAMP / SO_TIMESTAMPNS: the arrival time, virtual in a simulation. */
TEST(receive_timestamps)
{
	struct sockaddr_in to = SIN("10.0.0.2", 7900);
	int fa, fb, one = 1, v = -1;
	socklen_t vlen = sizeof(v);
	char cbuf[256];
	struct cmsghdr *cm;
	struct msghdr m;
	struct timeval tv = { 0, 0 };
	struct timespec ts = { 0, 0 };
	uint64_t sent, got;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	fb = udp_bound(g.b, "0.0.0.0", 7900);
	fa = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fa >= 0 && fb >= 0);
	EXPECT_OK(usn_setsockopt(fb, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one)));
	EXPECT_OK(usn_getsockopt(fb, SOL_SOCKET, SO_TIMESTAMP, &v, &vlen));
	EXPECT_EQ(v, 1);
	sent = usn_sim_now();
	EXPECT_EQ(usn_sendto(fa, "t", 1, 0, SA(&to), sizeof(to)), 1);
	EXPECT_EQ(recv_cmsg(fb, cbuf, sizeof(cbuf), &m), 1);
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMP)
			memcpy(&tv, CMSG_DATA(cm), sizeof(tv));
	got = (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
	/* The rig's wire has no delay: it arrives in the instant it was sent. */
	EXPECT_TRUE(got >= sent / 1000 * 1000);
	EXPECT_TRUE(got <= usn_sim_now());

	/* SO_TIMESTAMPNS switches to a timespec; SO_TIMESTAMP then reads 0. */
	EXPECT_OK(usn_setsockopt(fb, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)));
	EXPECT_OK(usn_getsockopt(fb, SOL_SOCKET, SO_TIMESTAMP, &v, &vlen));
	EXPECT_EQ(v, 0);
	EXPECT_EQ(usn_sendto(fa, "t", 1, 0, SA(&to), sizeof(to)), 1);
	EXPECT_EQ(recv_cmsg(fb, cbuf, sizeof(cbuf), &m), 1);
	for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
	got = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	EXPECT_TRUE(got >= sent && got <= usn_sim_now());
	one = 0;
	EXPECT_OK(usn_setsockopt(fb, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)));
	EXPECT_EQ(usn_sendto(fa, "t", 1, 0, SA(&to), sizeof(to)), 1);
	EXPECT_EQ(recv_cmsg(fb, cbuf, sizeof(cbuf), &m), 1);
	EXPECT_EQ(m.msg_controllen, 0);
	usn_close(fa);
	usn_close(fb);
	rig_close(&g);
}
