/* SPDX-License-Identifier: MIT */
/*
 * socket_io_test.c - the verbs of a socket through the socket layer, in
 * threaded mode (the default): address copy-in and copy-out, recvmsg's
 * name/flags, read/write/readv/writev, listen's somaxconn clamp, shutdown,
 * fcntl, ioctl, poll, blocking and timeouts, many threads on one socket,
 * and bad arguments of every kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "tdg.h"
#include "test.h"

TEST(bind_and_connect_copy_the_address_as_the_kernel)
{
	int fd = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0);
	struct sockaddr_tdgram a = tdg_addr(7000);
	char big[200] = { 0 };

	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(usn_bind(fd, (struct sockaddr *)&a, (socklen_t)-1), EINVAL);
	EXPECT_ERRNO(usn_bind(fd, (struct sockaddr *)big, 129), EINVAL);
	EXPECT_ERRNO(usn_bind(fd, NULL, 16), EFAULT);
	EXPECT_ERRNO(usn_bind(fd, NULL, 0), EINVAL);	/* the family: too short */
	EXPECT_ERRNO(usn_connect(fd, (struct sockaddr *)&a, 129), EINVAL);
	EXPECT_ERRNO(usn_connect(fd, NULL, 8), EFAULT);
	EXPECT_OK(usn_bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(tdg_port(fd), 7000);
	EXPECT_ERRNO(usn_bind(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
	usn_close(fd);
}

TEST(getsockname_and_getpeername_report_full_length)
{
	int fd = tdg_socket(7100, 0);
	struct sockaddr_tdgram a, peer = tdg_addr(7101);
	socklen_t len = 4;

	ASSERT_TRUE(fd >= 0);
	memset(&a, 0xff, sizeof(a));
	/* Truncated to the caller's length; the full length comes back. */
	EXPECT_OK(usn_getsockname(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(len, sizeof(a));
	EXPECT_EQ(a.std_family, AF_TDGRAM);
	EXPECT_EQ(a.std_port, UINT32_MAX);	/* not copied: past the 4 bytes */
	EXPECT_ERRNO(usn_getsockname(fd, (struct sockaddr *)&a, NULL), EFAULT);
	len = sizeof(a);
	EXPECT_ERRNO(usn_getpeername(fd, (struct sockaddr *)&a, &len), ENOTCONN);
	EXPECT_OK(usn_connect(fd, (struct sockaddr *)&peer, sizeof(peer)));
	EXPECT_OK(usn_getpeername(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(a.std_port, 7101);
	usn_close(fd);
}

TEST(recvmsg_fills_name_namelen_and_flags)
{
	int rx = tdg_socket(7200, 0), tx = tdg_socket(7201, 0);
	struct sockaddr_storage name;
	char buf[4], ctl[64];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { 0 };

	ASSERT_TRUE(rx >= 0 && tx >= 0);
	EXPECT_EQ(tdg_sendto(tx, 7200, "0123456789", 10), 10);
	EXPECT_EQ(tdg_sendto(tx, 7200, "abcdefghij", 10), 10);
	m.msg_name = &name;
	m.msg_namelen = 200;		/* more than sockaddr_storage: clamped */
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	m.msg_flags = -1;
	EXPECT_EQ(usn_recvmsg(rx, &m, MSG_PEEK), 4);
	EXPECT_EQ(m.msg_flags, MSG_TRUNC);
	EXPECT_EQ(m.msg_namelen, sizeof(struct sockaddr_tdgram));
	EXPECT_EQ(((struct sockaddr_tdgram *)&name)->std_port, 7201);
	EXPECT_EQ(m.msg_controllen, 0);		/* no control data */
	/* MSG_TRUNC asks for the datagram's real length. */
	m.msg_namelen = sizeof(name);
	m.msg_controllen = 0;
	m.msg_control = NULL;
	EXPECT_EQ(usn_recvmsg(rx, &m, MSG_TRUNC), 10);
	EXPECT_EQ(memcmp(buf, "0123", 4), 0);
	/* A short name buffer: truncated copy, full length reported. */
	m.msg_namelen = 2;
	memset(&name, 0, sizeof(name));
	EXPECT_EQ(usn_recvmsg(rx, &m, 0), 4);
	EXPECT_EQ(m.msg_namelen, sizeof(struct sockaddr_tdgram));
	EXPECT_EQ(((struct sockaddr_tdgram *)&name)->std_port, 0);
	EXPECT_EQ(memcmp(buf, "abcd", 4), 0);
	usn_close(rx);
	usn_close(tx);
}

TEST(msghdr_checks)
{
	int fd = tdg_socket(7300, SOCK_NONBLOCK);
	struct iovec iov[2] = { { NULL, 4 }, { NULL, 0 } };
	struct msghdr m = { 0 };
	char buf[8];

	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(usn_sendmsg(fd, NULL, 0), EFAULT);
	EXPECT_ERRNO(usn_recvmsg(fd, NULL, 0), EFAULT);
	m.msg_iov = iov;
	m.msg_iovlen = 1025;
	EXPECT_ERRNO(usn_sendmsg(fd, &m, 0), EMSGSIZE);
	EXPECT_ERRNO(usn_recvmsg(fd, &m, 0), EMSGSIZE);
	m.msg_iov = NULL;
	m.msg_iovlen = 1;
	EXPECT_ERRNO(usn_recvmsg(fd, &m, 0), EFAULT);
	m.msg_iov = iov;
	m.msg_name = buf;
	m.msg_namelen = (socklen_t)-1;
	EXPECT_ERRNO(usn_recvmsg(fd, &m, 0), EINVAL);
	m.msg_name = NULL;
	m.msg_controllen = (size_t)INT_MAX + 1;
	EXPECT_ERRNO(usn_sendmsg(fd, &m, 0), ENOBUFS);
	m.msg_controllen = 0;
	/* No destination on an unconnected socket. */
	EXPECT_ERRNO(usn_sendmsg(fd, &m, 0), EDESTADDRREQ);
	/* A NULL buffer is EFAULT when data has to be copied. */
	EXPECT_ERRNO(tdg_sendto(fd, 7300, NULL, 4), EFAULT);
	iov[0].iov_len = (size_t)-1;	/* negative as ssize_t */
	EXPECT_ERRNO(usn_sendmsg(fd, &m, 0), EINVAL);
	usn_close(fd);
}

TEST(huge_lengths_are_clamped_not_trusted)
{
	int fd = tdg_socket(7400, SOCK_NONBLOCK);
	char buf[16];

	ASSERT_TRUE(fd >= 0);
	/* Clamped to MAX_RW_COUNT, then too big for a datagram. */
	EXPECT_ERRNO(tdg_sendto(fd, 7400, buf, SIZE_MAX), EMSGSIZE);
	EXPECT_EQ(tdg_sendto(fd, 7400, "abc", 3), 3);
	/* A huge receive length only bounds the copy. */
	EXPECT_EQ(usn_recv(fd, buf, SIZE_MAX, 0), 3);
	usn_close(fd);
}

TEST(recvfrom_copies_the_sender)
{
	int rx = tdg_socket(7500, 0), tx = tdg_socket(7501, 0);
	struct sockaddr_tdgram from;
	socklen_t len = sizeof(from);
	char buf[8];

	ASSERT_TRUE(rx >= 0 && tx >= 0);
	EXPECT_EQ(tdg_sendto(tx, 7500, "hi", 2), 2);
	EXPECT_EQ(usn_recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 2);
	EXPECT_EQ(len, sizeof(from));
	EXPECT_EQ(from.std_port, 7501);
	/* An address buffer without a length is EFAULT once data came in. */
	EXPECT_EQ(tdg_sendto(tx, 7500, "hi", 2), 2);
	EXPECT_ERRNO(usn_recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, NULL), EFAULT);
	usn_close(rx);
	usn_close(tx);
}

TEST(read_write_readv_writev)
{
	int sv[2], p[2];
	char a[3], b[5], out[16];
	struct iovec wv[2] = { { "abc", 3 }, { "defgh", 5 } };
	struct iovec rv[2] = { { a, sizeof(a) }, { b, sizeof(b) } };

	ASSERT_TRUE(usn_socketpair(AF_TDGRAM, SOCK_DGRAM, 0, sv) == 0);
	EXPECT_EQ(usn_writev(sv[0], wv, 2), 8);
	EXPECT_EQ(usn_readv(sv[1], rv, 2), 8);
	EXPECT_EQ(memcmp(a, "abc", 3), 0);
	EXPECT_EQ(memcmp(b, "defgh", 5), 0);
	EXPECT_EQ(usn_read(sv[1], out, 0), 0);		/* never waits */
	EXPECT_ERRNO(usn_readv(sv[1], rv, -1), EINVAL);
	EXPECT_ERRNO(usn_writev(sv[1], wv, 1025), EINVAL);
	EXPECT_ERRNO(usn_writev(sv[1], NULL, 1), EFAULT);
	/* Descriptors usnet does not own are the kernel's. */
	ASSERT_TRUE(pipe(p) == 0);
	EXPECT_EQ(usn_write(p[1], "pipe", 4), 4);
	EXPECT_EQ(usn_read(p[0], out, sizeof(out)), 4);
	EXPECT_OK(usn_close(p[0]));
	EXPECT_OK(usn_close(p[1]));
	EXPECT_ERRNO(usn_close(p[1]), EBADF);
	usn_close(sv[0]);
	usn_close(sv[1]);
}

TEST(listen_clamps_backlog_to_somaxconn)
{
	int fd = tdg_socket(0, 0), v;
	socklen_t len = sizeof(v);

	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_listen(fd, 5));
	EXPECT_OK(usn_getsockopt(fd, SOL_TDGRAM, TDGRAM_BACKLOG, &v, &len));
	EXPECT_EQ(v, 5);
	EXPECT_OK(usn_listen(fd, 100000));
	EXPECT_OK(usn_getsockopt(fd, SOL_TDGRAM, TDGRAM_BACKLOG, &v, &len));
	EXPECT_EQ(v, 4096);			/* net.core.somaxconn */
	EXPECT_OK(usn_sysctl(usn_net_current(), "net.core.somaxconn", NULL, NULL, "128"));
	EXPECT_OK(usn_listen(fd, 1000));
	EXPECT_OK(usn_getsockopt(fd, SOL_TDGRAM, TDGRAM_BACKLOG, &v, &len));
	EXPECT_EQ(v, 128);
	EXPECT_OK(usn_listen(fd, -1));		/* compared as unsigned: huge */
	EXPECT_OK(usn_getsockopt(fd, SOL_TDGRAM, TDGRAM_BACKLOG, &v, &len));
	EXPECT_EQ(v, 128);
	EXPECT_OK(usn_sysctl(usn_net_current(), "net.core.somaxconn", NULL, NULL, "4096"));
	usn_close(fd);
}

TEST(closed_and_foreign_fds)
{
	int file = open("/dev/null", O_RDONLY), fd = usn_socket(AF_TDGRAM, SOCK_DGRAM, 0);
	struct sockaddr_tdgram a = tdg_addr(1);
	socklen_t len = sizeof(a);
	int v = 0;
	char buf[4];
	struct pollfd pfd = { .fd = file, .events = POLLIN };

	ASSERT_TRUE(file >= 0 && fd >= 0);
	EXPECT_OK(usn_close(fd));
	/* fd is closed now: EBADF; file is the kernel's: ENOTSOCK. */
	for (int i = 0; i < 2; i++) {
		int f = i ? file : fd, e = i ? ENOTSOCK : EBADF;

		EXPECT_ERRNO(usn_bind(f, (struct sockaddr *)&a, sizeof(a)), e);
		EXPECT_ERRNO(usn_connect(f, (struct sockaddr *)&a, sizeof(a)), e);
		EXPECT_ERRNO(usn_listen(f, 1), e);
		EXPECT_ERRNO(usn_accept(f, NULL, NULL), e);
		EXPECT_ERRNO(usn_send(f, "x", 1, 0), e);
		EXPECT_ERRNO(usn_recv(f, buf, 1, 0), e);
		EXPECT_ERRNO(usn_sendmsg(f, NULL, 0), e);
		EXPECT_ERRNO(usn_recvmsg(f, NULL, 0), e);
		EXPECT_ERRNO(usn_shutdown(f, SHUT_RDWR), e);
		EXPECT_ERRNO(usn_getsockname(f, (struct sockaddr *)&a, &len), e);
		EXPECT_ERRNO(usn_getpeername(f, (struct sockaddr *)&a, &len), e);
		EXPECT_ERRNO(usn_setsockopt(f, SOL_SOCKET, SO_KEEPALIVE, &v, 4), e);
		EXPECT_ERRNO(usn_getsockopt(f, SOL_SOCKET, SO_TYPE, &v, &len), e);
	}
	EXPECT_ERRNO(usn_bind(-1, (struct sockaddr *)&a, sizeof(a)), EBADF);
	EXPECT_ERRNO(usn_send(INT_MAX, "x", 1, 0), EBADF);
	EXPECT_ERRNO(usn_read(fd, buf, 1), EBADF);
	EXPECT_ERRNO(usn_close(fd), EBADF);
	EXPECT_ERRNO(usn_fcntl(fd, F_GETFL), EBADF);
	/* poll: a descriptor that is not a usnet socket reports POLLNVAL. */
	EXPECT_EQ(usn_poll(&pfd, 1, 0), 1);
	EXPECT_EQ(pfd.revents, POLLNVAL);
	close(file);
}

TEST(shutdown)
{
	int fd = tdg_socket(7600, 0);
	char buf[4];

	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(usn_shutdown(fd, 7), EINVAL);
	EXPECT_ERRNO(usn_shutdown(fd, -1), EINVAL);
	EXPECT_OK(usn_shutdown(fd, SHUT_RD));
	EXPECT_EQ(usn_recv(fd, buf, sizeof(buf), 0), 0);	/* end of file, no wait */
	EXPECT_OK(usn_shutdown(fd, SHUT_WR));
	EXPECT_ERRNO(tdg_sendto(fd, 7600, "x", 1), EPIPE);
	usn_close(fd);
}

TEST(fcntl_dup_shares_the_file)
{
	int fd = tdg_socket(7700, 0), dup, dupc;
	char buf[4];

	ASSERT_TRUE(fd >= 0);
	dup = usn_fcntl(fd, F_DUPFD, 100);
	dupc = usn_fcntl(fd, F_DUPFD_CLOEXEC, 0);
	EXPECT_TRUE(dup >= 100);
	EXPECT_TRUE(dupc >= 0 && dupc != fd);
	EXPECT_EQ(usn_fcntl(dup, F_GETFD), 0);
	EXPECT_EQ(usn_fcntl(dupc, F_GETFD), FD_CLOEXEC);
	EXPECT_ERRNO(usn_fcntl(fd, F_DUPFD, -1), EINVAL);
	/* O_NONBLOCK lives in the shared file: set on one, seen by all. */
	EXPECT_OK(usn_fcntl(dup, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(usn_fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	EXPECT_ERRNO(usn_recv(fd, buf, 1, 0), EAGAIN);
	EXPECT_OK(usn_close(fd));
	/* The socket lives while a descriptor refers to it. */
	EXPECT_EQ(tdg_sendto(dup, 7700, "abc", 3), 3);
	EXPECT_EQ(usn_recv(dupc, buf, sizeof(buf), 0), 3);
	/* An owner must exist (f_setown: ESRCH): this process. */
	EXPECT_OK(usn_fcntl(dup, F_SETOWN, getpid()));
	EXPECT_EQ(usn_fcntl(dupc, F_GETOWN), getpid());
	EXPECT_ERRNO(usn_fcntl(dup, F_SETFL, O_ASYNC), EINVAL);
	EXPECT_ERRNO(usn_fcntl(dup, 9999), EINVAL);
	usn_close(dup);
	usn_close(dupc);
}

TEST(ioctl)
{
	int fd = tdg_socket(7800, 0), n = -1, on = 1;
	struct ifreq ifr;

	ASSERT_TRUE(fd >= 0);
	EXPECT_EQ(tdg_sendto(fd, 7800, "12345", 5), 5);
	EXPECT_OK(usn_ioctl(fd, FIONREAD, &n));
	EXPECT_EQ(n, 5);
	EXPECT_OK(usn_ioctl(fd, FIONBIO, &on));
	EXPECT_EQ(usn_fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	EXPECT_ERRNO(usn_ioctl(fd, FIONBIO, NULL), EFAULT);
	EXPECT_ERRNO(usn_ioctl(fd, 0x12345), ENOTTY);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	EXPECT_OK(usn_ioctl(fd, SIOCGIFINDEX, &ifr));
	EXPECT_EQ(ifr.ifr_ifindex, 1);
	EXPECT_OK(usn_ioctl(fd, SIOCGIFFLAGS, &ifr));
	EXPECT_EQ(ifr.ifr_flags & (IFF_UP | IFF_LOOPBACK), IFF_UP | IFF_LOOPBACK);
	EXPECT_OK(usn_ioctl(fd, SIOCGIFMTU, &ifr));
	EXPECT_EQ(ifr.ifr_mtu, 65536);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = 1;
	EXPECT_OK(usn_ioctl(fd, SIOCGIFNAME, &ifr));
	EXPECT_STREQ(ifr.ifr_name, "lo");
	strcpy(ifr.ifr_name, "nosuch0");
	EXPECT_ERRNO(usn_ioctl(fd, SIOCGIFINDEX, &ifr), ENODEV);
	EXPECT_ERRNO(usn_ioctl(fd, SIOCGIFINDEX, NULL), EFAULT);
	usn_close(fd);
}

TEST(rcvtimeo_bounds_a_blocking_receive)
{
	int fd = tdg_socket(0, 0);
	struct timeval tv = { 0, 80000 };
	uint64_t t0, dt;
	char buf[4];

	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = mono_ns();
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), 0), EAGAIN);
	dt = mono_ns() - t0;
	EXPECT_TRUE(dt >= 80000000ULL);
	EXPECT_TRUE(dt < 2000000000ULL);
	usn_close(fd);
}

struct sender_arg {
	uint32_t port;
	int count;
	int delay_ms;
};

static void *sender(void *p)
{
	struct sender_arg *a = p;
	int fd = tdg_socket(0, 0);

	if (a->delay_ms)
		usleep((useconds_t)a->delay_ms * 1000);
	for (int i = 0; i < a->count; i++)
		if (tdg_sendto(fd, a->port, &i, sizeof(i)) != sizeof(i))
			break;
	usn_close(fd);
	return NULL;
}

TEST(blocking_receive_wakes_on_another_threads_send)
{
	int fd = tdg_socket(7900, 0), v = -1;
	struct sender_arg a = { 7900, 1, 50 };
	pthread_t t;
	uint64_t t0;

	ASSERT_TRUE(fd >= 0);
	pthread_create(&t, NULL, sender, &a);
	t0 = mono_ns();
	EXPECT_EQ(usn_recv(fd, &v, sizeof(v), 0), sizeof(v));
	EXPECT_EQ(v, 0);
	EXPECT_TRUE(mono_ns() - t0 >= 40000000ULL);	/* it did wait */
	pthread_join(t, NULL);
	usn_close(fd);
}

TEST(poll_readiness_timeouts_and_wakeups)
{
	int fd = tdg_socket(8000, 0), other = tdg_socket(8001, 0);
	struct pollfd p[3] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = other, .events = POLLOUT },
		{ .fd = -1, .events = POLLIN },
	};
	struct sender_arg a = { 8000, 1, 50 };
	pthread_t t;
	uint64_t t0;

	ASSERT_TRUE(fd >= 0 && other >= 0);
	EXPECT_EQ(usn_poll(p, 1, 0), 0);
	EXPECT_EQ(p[0].revents, 0);
	t0 = mono_ns();
	EXPECT_EQ(usn_poll(p, 1, 60), 0);
	EXPECT_TRUE(mono_ns() - t0 >= 60000000ULL);
	EXPECT_EQ(usn_poll(p, 3, 0), 1);		/* writable, and -1 ignored */
	EXPECT_EQ(p[1].revents, POLLOUT);
	EXPECT_EQ(p[2].revents, 0);
	pthread_create(&t, NULL, sender, &a);
	EXPECT_EQ(usn_poll(p, 1, -1), 1);		/* woken by the sender */
	EXPECT_EQ(p[0].revents, POLLIN);
	pthread_join(t, NULL);
	EXPECT_OK(usn_shutdown(fd, SHUT_RDWR));
	p[0].events = 0;
	EXPECT_EQ(usn_poll(p, 1, 0), 1);	/* POLLHUP whether asked or not */
	EXPECT_TRUE(p[0].revents & POLLHUP);
	EXPECT_ERRNO(usn_poll(NULL, 1, 0), EFAULT);
	EXPECT_ERRNO(usn_poll(p, (nfds_t)1 << 40, 0), EINVAL);
	usn_close(fd);
	usn_close(other);
}

struct rx_arg {
	int fd;
	atomic_long sum;
	atomic_int got;
	int want;
};

static void *receiver(void *p)
{
	struct rx_arg *a = p;
	int v;

	while (atomic_load(&a->got) < a->want) {
		if (usn_recv(a->fd, &v, sizeof(v), 0) != sizeof(v))
			break;
		atomic_fetch_add(&a->sum, v);
		atomic_fetch_add(&a->got, 1);
	}
	return NULL;
}

TEST(many_threads_on_one_socket)
{
	enum { SENDERS = 4, RECEIVERS = 3, EACH = 3000 };
	struct sender_arg sa = { 8100, EACH, 0 };
	struct rx_arg ra = { .want = SENDERS * EACH };
	struct timeval tv = { 2, 0 };
	pthread_t st[SENDERS], rt[RECEIVERS];
	int big = 64 << 20;

	EXPECT_OK(usn_sysctl(usn_net_current(), "net.core.rmem_max", NULL, NULL, "67108864"));
	ra.fd = tdg_socket(8100, 0);
	ASSERT_TRUE(ra.fd >= 0);
	EXPECT_OK(usn_setsockopt(ra.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)));
	EXPECT_OK(usn_setsockopt(ra.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	for (int i = 0; i < RECEIVERS; i++)
		pthread_create(&rt[i], NULL, receiver, &ra);
	for (int i = 0; i < SENDERS; i++)
		pthread_create(&st[i], NULL, sender, &sa);
	for (int i = 0; i < SENDERS; i++)
		pthread_join(st[i], NULL);
	/* Receivers stop at the count, or when a 2 s timeout finds nothing left. */
	for (int i = 0; i < RECEIVERS; i++)
		pthread_join(rt[i], NULL);
	EXPECT_EQ(atomic_load(&ra.got), SENDERS * EACH);
	EXPECT_EQ(atomic_load(&ra.sum), (long)SENDERS * EACH * (EACH - 1) / 2);
	usn_close(ra.fd);
	EXPECT_OK(usn_sysctl(usn_net_current(), "net.core.rmem_max", NULL, NULL, "212992"));
}

static void *closer(void *p)
{
	usleep(30000);
	usn_close(*(int *)p);
	return NULL;
}

TEST(close_while_another_thread_blocks)
{
	int fd = tdg_socket(0, 0);
	struct timeval tv = { 0, 200000 };
	pthread_t t;
	char buf[4];

	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	pthread_create(&t, NULL, closer, &fd);
	/* As on Linux, the blocked call keeps its socket and ends on its own. */
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), 0), EAGAIN);
	pthread_join(t, NULL);
	EXPECT_EQ(usn_fd_owned(fd), 0);
}
