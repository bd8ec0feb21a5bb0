/* SPDX-License-Identifier: MIT */
/*
 * socket_create_test.c - socket() as the kernel's __sys_socket and
 * __sock_create: every check with its errno, in the kernel's order; the
 * family module loaded on demand; the namespace socket limit; the fd
 * flags; the security hooks. Public API only (libusnet.so).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <unistd.h>
#include "tdg.h"
#include "test.h"

TEST(unknown_flag_bits_are_einval_before_anything_else)
{
	EXPECT_ERRNO(usn_socket(AF_TDGRAM, SOCK_DGRAM | 0x100000, 0), EINVAL);
	/* Flags are checked before the family: a bad family still gets EINVAL. */
	EXPECT_ERRNO(usn_socket(-1, SOCK_DGRAM | 0x100000, 0), EINVAL);
	EXPECT_ERRNO(usn_socket(-1, 99, 0), EINVAL);	/* 99 = type 3 + flag bits */
}

TEST(family_out_of_range_is_eafnosupport)
{
	EXPECT_ERRNO(usn_socket(-1, SOCK_DGRAM, 0), EAFNOSUPPORT);
	EXPECT_ERRNO(usn_socket(AF_MAX, SOCK_DGRAM, 0), EAFNOSUPPORT);
	EXPECT_ERRNO(usn_socket(200, SOCK_DGRAM, 0), EAFNOSUPPORT);
	/* The family is checked before the type. */
	EXPECT_ERRNO(usn_socket(-1, 11, 0), EAFNOSUPPORT);
}

TEST(type_out_of_range_is_einval)
{
	for (int type = SOCK_PACKET + 1; type <= 15; type++)
		EXPECT_ERRNO(usn_socket(AF_TDGRAM, type, 0), EINVAL);
}

TEST(unregistered_family_without_module_is_eafnosupport)
{
	/* AF_IPX (4): no net-pf-4.so on the module path. */
	EXPECT_ERRNO(usn_socket(4, SOCK_DGRAM, 0), EAFNOSUPPORT);
}

TEST(module_registers_its_family_on_first_use)
{
	int fd, v;
	socklen_t len = sizeof(v);

	fd = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len));
	EXPECT_EQ(v, AF_TDGRAM);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	EXPECT_EQ(v, SOCK_DGRAM);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	EXPECT_EQ(v, 0);
	EXPECT_OK(usn_close(fd));
	/* The family's own checks come after the socket layer's. */
	EXPECT_ERRNO(usn_socket(AF_TDGRAM, SOCK_STREAM, 0), ESOCKTNOSUPPORT);
	EXPECT_ERRNO(usn_socket(AF_TDGRAM, SOCK_DGRAM, 6), EPROTONOSUPPORT);
}

TEST(module_search_path_is_configurable)
{
	const char *path = getenv("USNET_MODULE_PATH");

	EXPECT_OK(usn_set_module_path("/nonexistent/usnet-modules"));
	/* Family 20 has no module anywhere; the wrong path finds none either. */
	EXPECT_ERRNO(usn_socket(20, SOCK_DGRAM, 0), EAFNOSUPPORT);
	EXPECT_OK(usn_set_module_path(path));
}

/* A policy that records what socket_create saw and refuses low ports. */
static _Atomic int seen_family = -1;
static atomic_int hook_calls[9];

static int pol_create(struct usn_net *net, int family, int type, int protocol,
		      int kern)
{
	atomic_fetch_add(&hook_calls[0], 1);
	seen_family = family;
	return family == 21 ? -EACCES : 0;	/* before any module is looked for */
}

static int pol_post_create(const struct usn_sock_desc *s, int kern)
{
	atomic_fetch_add(&hook_calls[1], 1);
	return s->family == AF_TDGRAM && s->type == SOCK_DGRAM ? 0 : -EPERM;
}

static int pol_bind(const struct usn_sock_desc *s, const struct sockaddr *a,
		    socklen_t len)
{
	const struct sockaddr_tdgram *t = (const void *)a;

	atomic_fetch_add(&hook_calls[2], 1);
	if (s->family == AF_TDGRAM && len >= sizeof(*t) && t->std_port &&
	    t->std_port < 1024)
		return -EACCES;
	return 0;
}

static int pol_connect(const struct usn_sock_desc *s, const struct sockaddr *a,
		       socklen_t len)
{
	atomic_fetch_add(&hook_calls[3], 1);
	return 0;
}

static int pol_listen(const struct usn_sock_desc *s, int backlog)
{
	atomic_fetch_add(&hook_calls[4], 1);
	return backlog == 7 ? -EPERM : 0;
}

static int pol_sendmsg(const struct usn_sock_desc *s, const struct sockaddr *to,
		       socklen_t tolen, size_t size, int flags)
{
	atomic_fetch_add(&hook_calls[5], 1);
	return size == 13 ? -EACCES : 0;
}

static int pol_recvmsg(const struct usn_sock_desc *s, size_t size, int flags)
{
	atomic_fetch_add(&hook_calls[6], 1);
	return 0;
}

static int pol_setsockopt(const struct usn_sock_desc *s, int level, int optname)
{
	atomic_fetch_add(&hook_calls[7], 1);
	return optname == SO_BROADCAST ? -EPERM : 0;
}

static int pol_accept(const struct usn_sock_desc *s)
{
	atomic_fetch_add(&hook_calls[8], 1);
	return 0;
}

static const struct usn_security_ops policy = {
	.socket_create = pol_create,
	.socket_post_create = pol_post_create,
	.socket_bind = pol_bind,
	.socket_connect = pol_connect,
	.socket_listen = pol_listen,
	.socket_accept = pol_accept,
	.socket_sendmsg = pol_sendmsg,
	.socket_recvmsg = pol_recvmsg,
	.socket_setsockopt = pol_setsockopt,
};

TEST(security_policy_refuses_bind_below_1024)
{
	struct sockaddr_tdgram low = tdg_addr(80), high = tdg_addr(5000);
	char buf[16] = "hello";
	int fd, one = 1;

	EXPECT_OK(usn_security_register(&policy));
	fd = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(usn_bind(fd, (struct sockaddr *)&low, sizeof(low)), EACCES);
	EXPECT_OK(usn_bind(fd, (struct sockaddr *)&high, sizeof(high)));
	EXPECT_ERRNO(usn_listen(fd, 7), EPERM);
	EXPECT_OK(usn_listen(fd, 8));
	EXPECT_OK(usn_connect(fd, (struct sockaddr *)&high, sizeof(high)));
	EXPECT_ERRNO(usn_send(fd, buf, 13, 0), EACCES);
	EXPECT_EQ(usn_send(fd, buf, 5, 0), 5);
	EXPECT_EQ(usn_recv(fd, buf, sizeof(buf), 0), 5);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)), EPERM);
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	EXPECT_ERRNO(usn_accept(fd, NULL, NULL), EOPNOTSUPP);
	EXPECT_ERRNO(usn_socket(21, SOCK_DGRAM, 0), EACCES);
	/* post_create refuses what it does not know: the socket is released. */
	EXPECT_ERRNO(usn_socket(AF_TDGRAM, SOCK_STREAM, 0), ESOCKTNOSUPPORT);
	for (size_t i = 0; i < 9; i++)
		EXPECT_TRUE(atomic_load(&hook_calls[i]) > 0);
	EXPECT_OK(usn_close(fd));
	EXPECT_OK(usn_security_register(NULL));
}

TEST(pf_inet_sock_packet_becomes_pf_packet)
{
	int fd, v = 0;
	socklen_t len = sizeof(v);

	EXPECT_OK(usn_security_register(&policy));
	/* The hooks see PF_PACKET; this policy's post_create refuses it. */
	EXPECT_ERRNO(usn_socket(PF_INET, SOCK_PACKET, 0), EPERM);
	EXPECT_EQ(seen_family, PF_PACKET);
	EXPECT_OK(usn_security_register(NULL));
	fd = usn_socket(PF_INET, SOCK_PACKET, 0);
	EXPECT_TRUE(fd >= 0);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len));
	EXPECT_EQ(v, AF_PACKET);
	EXPECT_OK(usn_close(fd));
}

TEST(namespace_socket_limit_is_enfile)
{
	struct usn_net *net = usn_net_create("limit", 0);
	int fd[4];

	ASSERT_TRUE(net);
	EXPECT_OK(usn_sysctl(net, "net.usnet.socket_max", NULL, NULL, "3"));
	EXPECT_OK(usn_setns(net));
	for (int i = 0; i < 3; i++) {
		fd[i] = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0);
		EXPECT_TRUE(fd[i] >= 0);
	}
	EXPECT_ERRNO(usn_socket(AF_TDGRAM, SOCK_DGRAM, 0), ENFILE);
	/* The kernel allocates the socket before it looks the family up. */
	EXPECT_ERRNO(usn_socket(4, SOCK_DGRAM, 0), ENFILE);
	EXPECT_OK(usn_close(fd[0]));
	fd[3] = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0);
	EXPECT_TRUE(fd[3] >= 0);
	for (int i = 1; i < 4; i++)
		EXPECT_OK(usn_close(fd[i]));
	EXPECT_OK(usn_setns(NULL));
	EXPECT_OK(usn_net_destroy(net));
}

TEST(fd_flags_nonblock_and_cloexec)
{
	int fd = usn_socket(AF_TDGRAM, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int plain = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0);
	char buf[8];

	ASSERT_TRUE(fd >= 0 && plain >= 0);
	EXPECT_EQ(usn_fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	EXPECT_EQ(usn_fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	EXPECT_EQ(usn_fcntl(fd, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);	/* mirrored on the kernel fd */
	EXPECT_EQ(usn_fcntl(plain, F_GETFL) & O_NONBLOCK, 0);
	EXPECT_EQ(usn_fcntl(plain, F_GETFD), 0);
	EXPECT_EQ(fcntl(plain, F_GETFD), 0);
	/* O_NONBLOCK turns every receive into MSG_DONTWAIT. */
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), 0), EAGAIN);
	EXPECT_ERRNO(usn_read(fd, buf, sizeof(buf)), EAGAIN);
	EXPECT_ERRNO(usn_recv(plain, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_OK(usn_fcntl(fd, F_SETFL, 0));
	EXPECT_EQ(usn_fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	EXPECT_OK(usn_fcntl(fd, F_SETFD, 0));
	EXPECT_EQ(fcntl(fd, F_GETFD), 0);
	EXPECT_OK(usn_close(fd));
	EXPECT_OK(usn_close(plain));
}

TEST(usnet_fds_are_kernel_fds)
{
	int fd = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0);
	int file = open("/dev/null", O_RDONLY);

	ASSERT_TRUE(fd >= 0 && file >= 0);
	EXPECT_NE(fd, file);
	EXPECT_TRUE(fcntl(fd, F_GETFD) >= 0);
	EXPECT_EQ(usn_fd_owned(fd), 1);
	EXPECT_EQ(usn_fd_owned(file), 0);
	close(file);
	EXPECT_OK(usn_close(fd));
	EXPECT_EQ(usn_fd_owned(fd), 0);
	EXPECT_ERRNO(fcntl(fd, F_GETFD), EBADF);
}

TEST(stray_libc_close_is_harmless)
{
	int fd = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0), file;

	ASSERT_TRUE(fd >= 0);
	close(fd);			/* the program's mistake */
	file = open("/dev/null", O_RDONLY);	/* the kernel reuses the number */
	EXPECT_EQ(file, fd);
	EXPECT_OK(usn_close(fd));	/* ends the socket... */
	EXPECT_TRUE(fcntl(file, F_GETFD) >= 0);	/* ...not the program's file */
	close(file);
}

TEST(new_socket_replaces_a_stale_entry)
{
	int fd = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0), fd2;

	ASSERT_TRUE(fd >= 0);
	close(fd);
	fd2 = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0);	/* gets the same number */
	EXPECT_EQ(fd2, fd);
	EXPECT_EQ(usn_fd_owned(fd2), 1);
	EXPECT_OK(usn_close(fd2));
}

TEST(socketpair_makes_two_connected_sockets)
{
	int sv[2];
	char buf[8];

	EXPECT_ERRNO(usn_socketpair(AF_TDGRAM, SOCK_DGRAM | 0x40000000, 0, sv), EINVAL);
	EXPECT_ERRNO(usn_socketpair(AF_TDGRAM, SOCK_DGRAM, 0, NULL), EFAULT);
	EXPECT_ERRNO(usn_socketpair(4, SOCK_DGRAM, 0, sv), EAFNOSUPPORT);
	ASSERT_TRUE(usn_socketpair(AF_TDGRAM, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0);
	EXPECT_EQ(usn_write(sv[0], "ping", 4), 4);
	EXPECT_EQ(usn_read(sv[1], buf, sizeof(buf)), 4);
	EXPECT_EQ(usn_write(sv[1], "pong!", 5), 5);
	EXPECT_EQ(usn_read(sv[0], buf, sizeof(buf)), 5);
	EXPECT_ERRNO(usn_read(sv[0], buf, sizeof(buf)), EAGAIN);
	EXPECT_OK(usn_close(sv[0]));
	EXPECT_OK(usn_close(sv[1]));
}
