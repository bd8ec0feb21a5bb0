/* SPDX-License-Identifier: MIT */
/*
 * ping_test.c - ICMP echo sockets through the public API: refused by
 * default (net.ipv4.ping_group_range "1 0"), allowed once the range holds
 * the caller's group; echo with the socket's identifier and a checksum the
 * stack computes; identifiers bound and autobound; the errors of sendmsg;
 * ICMP errors about a request (a connected socket's EHOSTUNREACH, the
 * error queue with IP_RECVERR).
 */
#include <time.h>
#include <linux/errqueue.h>
#include "family/inet/inet_test.h"
#include "wire/checksum.h"

#define RUN_SEED	0x9149ULL

static void ping_allow(struct usn_net *net, bool on)
{
	EXPECT_OK(usn_sysctl(net, "net.ipv4.ping_group_range", NULL, NULL,
			     on ? "0 2147483647" : "1 0"));
}

static uint16_t local_ident(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (usn_getsockname(fd, SA(&sin), &len))
		return 0;
	return ntohs(sin.sin_port);
}

TEST(refused_by_default_allowed_by_the_group_range)
{
	struct rig g;
	int fd;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	usn_setns(g.a);
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EACCES);
	ping_allow(g.a, true);
	fd = usn_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	EXPECT_TRUE(fd >= 0);
	EXPECT_OK(usn_close(fd));
	/* A range without the caller's groups: refused again. */
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.ping_group_range", NULL, NULL,
			     "2147483600 2147483647"));
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EACCES);
	rig_close(&g);
}

TEST(echo_with_the_sockets_identifier)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0), from;
	socklen_t len = sizeof(from);
	uint8_t req[16] = { 8, 0, 0, 0, 0xaa, 0xbb, 0, 7, 'p', 'i', 'n', 'g', '!', '!', '!', '!' };
	uint8_t buf[64];
	int fd;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	ping_allow(g.a, true);
	fd = sock_in(g.a, SOCK_DGRAM, IPPROTO_ICMP);
	ASSERT_TRUE(fd >= 0);
	set_rcvtimeo(fd, 1000);
	EXPECT_EQ(local_ident(fd), 0);
	/* The checksum and identifier given are replaced. */
	EXPECT_EQ(usn_sendto(fd, req, sizeof(req), 0, SA(&to), sizeof(to)), 16);
	EXPECT_NE(local_ident(fd), 0);		/* autobound */
	EXPECT_EQ(usn_recvfrom(fd, buf, sizeof(buf), 0, SA(&from), &len), 16);
	EXPECT_EQ(buf[0], 0);			/* echo reply, no IP header */
	EXPECT_EQ(buf[4] << 8 | buf[5], local_ident(fd));
	EXPECT_EQ(buf[6] << 8 | buf[7], 7);
	EXPECT_TRUE(!memcmp(buf + 8, "ping!!!!", 8));
	EXPECT_EQ(csum_fold(csum_partial(buf, 16, 0)), 0);
	EXPECT_EQ(from.sin_family, AF_INET);
	EXPECT_EQ(from.sin_addr.s_addr, A("10.0.0.2"));
	EXPECT_EQ(from.sin_port, 0);
	EXPECT_EQ(snmp(g.a, "Icmp.OutEchos"), 1);
	EXPECT_EQ(snmp(g.a, "Icmp.InEchoReps"), 1);
	EXPECT_OK(usn_close(fd));
	rig_close(&g);
}

TEST(identifiers_bind_and_share_as_linux)
{
	struct sockaddr_in any = SIN("0.0.0.0", 4242), other = SIN("10.0.0.9", 0);
	int f1, f2, f3;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	ping_allow(g.a, true);
	f1 = sock_in(g.a, SOCK_DGRAM, IPPROTO_ICMP);
	f2 = sock_in(g.a, SOCK_DGRAM, IPPROTO_ICMP);
	f3 = sock_in(g.a, SOCK_DGRAM, IPPROTO_ICMP);
	EXPECT_OK(usn_bind(f1, SA(&any), sizeof(any)));
	EXPECT_EQ(local_ident(f1), 4242);
	/* Ping sockets start with SO_REUSEADDR: the same identifier is allowed. */
	EXPECT_OK(usn_bind(f2, SA(&any), sizeof(any)));
	EXPECT_ERRNO(usn_bind(f2, SA(&any), sizeof(any)), EINVAL);
	EXPECT_ERRNO(usn_bind(f3, SA(&other), sizeof(other)), EADDRNOTAVAIL);
	EXPECT_ERRNO(usn_bind(f3, SA(&any), sizeof(any) - 1), EINVAL);
	any.sin_family = AF_INET6;
	EXPECT_ERRNO(usn_bind(f3, SA(&any), sizeof(any)), EAFNOSUPPORT);
	EXPECT_OK(usn_close(f1));
	EXPECT_OK(usn_close(f2));
	EXPECT_OK(usn_close(f3));
	rig_close(&g);
}

TEST(sendmsg_errors)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0);
	uint8_t reply[8] = { 0, 0, 0, 0, 0, 1, 0, 1 }, coded[8] = { 8, 1 };
	int fd;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	ping_allow(g.a, true);
	fd = sock_in(g.a, SOCK_DGRAM, IPPROTO_ICMP);
	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(usn_sendto(fd, reply, 7, 0, SA(&to), sizeof(to)), EINVAL);
	EXPECT_ERRNO(usn_sendto(fd, reply, 8, 0, SA(&to), sizeof(to)), EINVAL);
	EXPECT_ERRNO(usn_sendto(fd, coded, 8, 0, SA(&to), sizeof(to)), EINVAL);
	coded[1] = 0;
	EXPECT_ERRNO(usn_send(fd, coded, 8, 0), EDESTADDRREQ);
	to.sin_family = AF_UNSPEC;
	EXPECT_ERRNO(usn_sendto(fd, coded, 8, 0, SA(&to), sizeof(to)), EAFNOSUPPORT);
	EXPECT_OK(usn_close(fd));
	rig_close(&g);
}

/*
 * b answers a's echo request with a "host unreachable" it builds on a raw
 * socket, quoting the request as a router would.
 */
static void send_unreach_about(struct usn_net *b, int rb, uint8_t code)
{
	struct sockaddr_in to = SIN("10.0.0.1", 0), from;
	socklen_t len = sizeof(from);
	uint8_t req[128], err[8 + 28];
	int rs;
	ssize_t n;
	uint16_t c;

	n = usn_recvfrom(rb, req, sizeof(req), 0, SA(&from), &len);
	if (n < 28 || req[20] != 8) {
		TEST_FAIL_AT("no echo request seen (%zd)", n);
		return;
	}
	memset(err, 0, sizeof(err));
	err[0] = 3;
	err[1] = code;
	memcpy(err + 8, req, 28);
	c = csum_fold(csum_partial(err, sizeof(err), 0));
	err[2] = (uint8_t)(c >> 8);
	err[3] = (uint8_t)c;
	rs = sock_in(b, SOCK_RAW, IPPROTO_ICMP);
	EXPECT_EQ(usn_sendto(rs, err, sizeof(err), 0, SA(&to), sizeof(to)),
		  (ssize_t)sizeof(err));
	EXPECT_OK(usn_close(rs));
}

TEST(icmp_errors_about_a_request)
{
	struct sockaddr_in to = SIN("10.0.0.2", 0), name, off;
	uint8_t req[12] = { 8, 0, 0, 0, 0, 0, 0, 1, 'e', 'r', 'r', '?' };
	struct sock_extended_err ee;
	char cbuf[256], buf[64];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { 0 };
	struct cmsghdr *cm;
	int fc, fe, rb, one = 1;
	struct rig g;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	ping_allow(g.a, true);
	rb = sock_in(g.b, SOCK_RAW, IPPROTO_ICMP);
	set_rcvtimeo(rb, 1000);
	/* b must not answer the requests itself: only the raw socket sees them. */
	EXPECT_OK(usn_sysctl(g.b, "net.ipv4.icmp_echo_ignore_all", NULL, NULL, "1"));

	/* A connected socket: only a hard error becomes its pending error. */
	fc = sock_in(g.a, SOCK_DGRAM, IPPROTO_ICMP);
	set_rcvtimeo(fc, 1000);
	EXPECT_OK(usn_connect(fc, SA(&to), sizeof(to)));
	EXPECT_EQ(usn_send(fc, req, sizeof(req), 0), 12);
	send_unreach_about(g.b, rb, 1);		/* host unreachable: a soft error */
	usn_sim_run(20 * MS);
	EXPECT_ERRNO(usn_recv(fc, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_EQ(usn_send(fc, req, sizeof(req), 0), 12);
	send_unreach_about(g.b, rb, 10);	/* administratively prohibited: hard */
	EXPECT_ERRNO(usn_recv(fc, buf, sizeof(buf), 0), EHOSTUNREACH);

	/* IP_RECVERR: the error queue, with the request's payload. */
	fe = sock_in(g.a, SOCK_DGRAM, IPPROTO_ICMP);
	EXPECT_OK(usn_setsockopt(fe, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)));
	EXPECT_EQ(usn_sendto(fe, req, sizeof(req), 0, SA(&to), sizeof(to)), 12);
	send_unreach_about(g.b, rb, 1);
	usn_sim_run(20 * MS);
	m.msg_name = &name;
	m.msg_namelen = sizeof(name);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	/* The quoted request: 8 bytes of ICMP header, as Linux hands it. */
	EXPECT_EQ(usn_recvmsg(fe, &m, MSG_ERRQUEUE), 8);
	EXPECT_EQ((uint8_t)buf[0], 8);
	EXPECT_EQ(name.sin_addr.s_addr, A("10.0.0.2"));
	cm = CMSG_FIRSTHDR(&m);
	ASSERT_TRUE(cm != NULL);
	memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
	memcpy(&off, CMSG_DATA(cm) + sizeof(ee), sizeof(off));
	EXPECT_EQ(ee.ee_errno, EHOSTUNREACH);
	EXPECT_EQ(ee.ee_origin, SO_EE_ORIGIN_ICMP);
	EXPECT_EQ(ee.ee_type, 3);
	EXPECT_EQ(ee.ee_code, 1);
	EXPECT_EQ(off.sin_addr.s_addr, A("10.0.0.2"));
	EXPECT_OK(usn_close(fc));
	EXPECT_OK(usn_close(fe));
	EXPECT_OK(usn_close(rb));
	rig_close(&g);
}
