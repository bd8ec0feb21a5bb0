/* SPDX-License-Identifier: MIT */
/*
 * af_inet_test.c - socket(AF_INET, ...) with the kernel's inetsw rules and
 * errno, the shared verbs (bind rules, getname, shutdown, ioctl) and the
 * IPPROTO_IP options, through the public API.
 */
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include "family/inet/inet_test.h"
#include "socket/security.h"

#define RUN_SEED	0x1ae7ULL

static int refuse_raw(struct usn_net *net, int cap)
{
	return cap == CAP_NET_RAW || cap == CAP_NET_BIND_SERVICE ? -EPERM : 0;
}

static const struct usn_security_ops no_raw_ops = {
	.capable = refuse_raw,
};

static void check_proto(int fd, int type, int protocol)
{
	int v;
	socklen_t len = sizeof(v);

	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	EXPECT_EQ(v, type);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	EXPECT_EQ(v, protocol);
}

TEST(create_picks_the_types_entries)
{
	int fd;

	inet_test_start(RUN_SEED);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	check_proto(fd, SOCK_DGRAM, IPPROTO_UDP);	/* the first entry */
	EXPECT_OK(usn_close(fd));
	fd = usn_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_close(fd));
	/* Raw: the wildcard entry takes any protocol but 0. */
	fd = usn_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	ASSERT_TRUE(fd >= 0);
	check_proto(fd, SOCK_RAW, IPPROTO_ICMP);
	EXPECT_OK(usn_close(fd));
	fd = usn_socket(AF_INET, SOCK_RAW, 200);
	ASSERT_TRUE(fd >= 0);
	check_proto(fd, SOCK_RAW, 200);
	EXPECT_OK(usn_close(fd));
}

TEST(create_errors_as_linux)
{
	inet_test_start(RUN_SEED);
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE), EPROTONOSUPPORT);
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_RDM, 0), ESOCKTNOSUPPORT);
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_DGRAM, -1), EINVAL);
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_DGRAM, 263), EINVAL);
	/* Ping sockets: nobody is in net.ipv4.ping_group_range by default. */
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EACCES);
}

TEST(raw_needs_cap_net_raw)
{
	inet_test_start(RUN_SEED);
	EXPECT_OK(usn_security_register(&no_raw_ops));
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), EPERM);
	/* The protocol is looked up first: raw with protocol 0 is not EPERM. */
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
	EXPECT_OK(usn_security_register(NULL));
}

TEST(ipproto_raw_is_hdrincl)
{
	int fd, v;
	socklen_t len = sizeof(v);

	inet_test_start(RUN_SEED);
	fd = usn_socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_IP, IP_HDRINCL, &v, &len));
	EXPECT_EQ(v, 1);
	EXPECT_OK(usn_close(fd));
	fd = usn_socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_IP, IP_HDRINCL, &v, &len));
	EXPECT_EQ(v, 0);
	EXPECT_OK(usn_close(fd));
}

TEST(bind_errors)
{
	struct sockaddr_in sin = SIN("127.0.0.1", 0);
	int fd;

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(usn_bind(fd, SA(&sin), sizeof(sin) - 1), EINVAL);
	sin.sin_family = AF_INET6;
	EXPECT_ERRNO(usn_bind(fd, SA(&sin), sizeof(sin)), EAFNOSUPPORT);
	/* AF_UNSPEC is taken for AF_INET, but only with INADDR_ANY. */
	sin.sin_family = AF_UNSPEC;
	EXPECT_ERRNO(usn_bind(fd, SA(&sin), sizeof(sin)), EAFNOSUPPORT);
	sin = SIN("10.9.9.9", 0);
	EXPECT_ERRNO(usn_bind(fd, SA(&sin), sizeof(sin)), EADDRNOTAVAIL);
	sin = SIN("0.0.0.0", 0);
	sin.sin_family = AF_UNSPEC;
	EXPECT_OK(usn_bind(fd, SA(&sin), sizeof(sin)));
	/* A second bind. */
	sin = SIN("127.0.0.1", 0);
	EXPECT_ERRNO(usn_bind(fd, SA(&sin), sizeof(sin)), EINVAL);
	EXPECT_OK(usn_close(fd));
}

TEST(bind_nonlocal_with_freebind_or_sysctl)
{
	struct sockaddr_in sin = SIN("10.9.9.9", 4000);
	int fd, one = 1;

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)));
	EXPECT_OK(usn_bind(fd, SA(&sin), sizeof(sin)));
	EXPECT_OK(usn_close(fd));

	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT_OK(usn_sysctl(usn_net_default(), "net.ipv4.ip_nonlocal_bind", NULL, NULL, "1"));
	EXPECT_OK(usn_bind(fd, SA(&sin), sizeof(sin)));
	EXPECT_OK(usn_sysctl(usn_net_default(), "net.ipv4.ip_nonlocal_bind", NULL, NULL, "0"));
	EXPECT_OK(usn_close(fd));
}

TEST(low_ports_need_cap_net_bind_service)
{
	struct sockaddr_in sin = SIN("127.0.0.1", 53);
	int fd;

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_security_register(&no_raw_ops));
	EXPECT_ERRNO(usn_bind(fd, SA(&sin), sizeof(sin)), EACCES);
	sin.sin_port = htons(1024);
	EXPECT_OK(usn_bind(fd, SA(&sin), sizeof(sin)));
	EXPECT_OK(usn_security_register(NULL));
	EXPECT_OK(usn_close(fd));
}

TEST(getname_and_getpeername)
{
	struct sockaddr_in sin = SIN("127.0.0.1", 5555), out;
	socklen_t len = sizeof(out);
	int fd;

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_getsockname(fd, SA(&out), &len));
	EXPECT_EQ(len, sizeof(out));
	EXPECT_EQ(out.sin_family, AF_INET);
	EXPECT_EQ(out.sin_port, 0);
	EXPECT_EQ(out.sin_addr.s_addr, 0);
	EXPECT_ERRNO(usn_getpeername(fd, SA(&out), &len), ENOTCONN);
	EXPECT_OK(usn_connect(fd, SA(&sin), sizeof(sin)));
	len = sizeof(out);
	EXPECT_OK(usn_getpeername(fd, SA(&out), &len));
	EXPECT_EQ(out.sin_port, htons(5555));
	EXPECT_EQ(out.sin_addr.s_addr, A("127.0.0.1"));
	len = sizeof(out);
	EXPECT_OK(usn_getsockname(fd, SA(&out), &len));
	EXPECT_NE(out.sin_port, 0);		/* autobound by connect */
	EXPECT_EQ(out.sin_addr.s_addr, A("127.0.0.1"));
	EXPECT_OK(usn_close(fd));
}

TEST(shutdown_of_unconnected_udp_is_enotconn_but_applies)
{
	struct sockaddr_in sin = SIN("127.0.0.1", 5556);
	char buf[4];
	int fd;

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(usn_shutdown(fd, 3), EINVAL);
	EXPECT_ERRNO(usn_shutdown(fd, SHUT_RD), ENOTCONN);
	/* It took effect anyway: a read returns 0 at once. */
	EXPECT_EQ(usn_recv(fd, buf, sizeof(buf), 0), 0);
	EXPECT_OK(usn_connect(fd, SA(&sin), sizeof(sin)));
	EXPECT_OK(usn_shutdown(fd, SHUT_WR));
	EXPECT_ERRNO(usn_send(fd, "x", 1, 0), EPIPE);
	EXPECT_OK(usn_close(fd));
}

TEST(ip_options)
{
	int fd, v;
	unsigned char c;
	socklen_t len;

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	len = sizeof(v);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len));
	EXPECT_EQ(v, 64);
	v = 0;
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), EINVAL);
	v = 256;
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), EINVAL);
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, 0), EINVAL);
	v = 7;
	EXPECT_OK(usn_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)));
	/* A one-byte buffer gets one byte, as Linux. */
	len = 1;
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_IP, IP_TTL, &c, &len));
	EXPECT_EQ(len, 1);
	EXPECT_EQ(c, 7);
	v = -1;
	EXPECT_OK(usn_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)));
	len = sizeof(v);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len));
	EXPECT_EQ(v, 64);

	v = 0x10;
	EXPECT_OK(usn_setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)));
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_IP, IP_TOS, &v, &len));
	EXPECT_EQ(v, 0x10);

	EXPECT_OK(usn_getsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, &len));
	EXPECT_EQ(v, IP_PMTUDISC_WANT);
	v = 6;
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)), EINVAL);
	v = 1;
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &v, sizeof(v)), ENOPROTOOPT);
	EXPECT_ERRNO(usn_getsockopt(fd, IPPROTO_IP, IP_MTU, &v, &len), ENOTCONN);
	EXPECT_ERRNO(usn_setsockopt(fd, IPPROTO_IP, 9999, &v, sizeof(v)), ENOPROTOOPT);
	EXPECT_ERRNO(usn_getsockopt(fd, IPPROTO_IP, 9999, &v, &len), ENOPROTOOPT);
	EXPECT_OK(usn_close(fd));
}

TEST(ip_mtu_of_a_connected_socket)
{
	struct sockaddr_in sin = SIN("10.0.0.2", 7);
	struct rig g;
	int fd, v;
	socklen_t len = sizeof(v);

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open_mtu(&g, 1400));
	fd = sock_in(g.a, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_connect(fd, SA(&sin), sizeof(sin)));
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_IP, IP_MTU, &v, &len));
	EXPECT_EQ(v, 1400);
	EXPECT_OK(usn_close(fd));
	rig_close(&g);
}

TEST(siocinq_is_the_next_datagram)
{
	struct sockaddr_in sin = SIN("127.0.0.1", 0);
	socklen_t len = sizeof(sin);
	int fd, tx, n = -1;

	inet_test_start(RUN_SEED);
	usn_setns(NULL);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	tx = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0 && tx >= 0);
	EXPECT_OK(usn_bind(fd, SA(&sin), sizeof(sin)));
	EXPECT_OK(usn_getsockname(fd, SA(&sin), &len));
	EXPECT_OK(usn_ioctl(fd, FIONREAD, &n));
	EXPECT_EQ(n, 0);
	EXPECT_EQ(usn_sendto(tx, "12345", 5, 0, SA(&sin), sizeof(sin)), 5);
	EXPECT_EQ(usn_sendto(tx, "123", 3, 0, SA(&sin), sizeof(sin)), 3);
	usn_sim_run(1 * MS);
	EXPECT_OK(usn_ioctl(fd, FIONREAD, &n));
	EXPECT_EQ(n, 5);
	EXPECT_OK(usn_ioctl(fd, SIOCOUTQ, &n));
	EXPECT_EQ(n, 0);
	EXPECT_OK(usn_close(fd));
	EXPECT_OK(usn_close(tx));
}
