/* SPDX-License-Identifier: MIT */
/*
 * tcp_urgent_test.c - TCP urgent data over loopback through the public
 * API, in threaded mode: send(MSG_OOB), recv(MSG_OOB) out of line and
 * SO_OOBINLINE, SIOCATMARK before and after the mark, POLLPRI, and the
 * errors Linux gives (checked against Linux 6.18 over its own loopback).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <usnet/usnet.h>
#include "test.h"

/* A connected pair on 127.0.0.1:@port; *@srv gets the accepted end. */
static int tcp_pair(unsigned short port, int *lfd, int *srv, bool inline_oob)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, l, c;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = usn_socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		return -1;
	usn_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (inline_oob &&
	    usn_setsockopt(l, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)))
		return -1;
	if (usn_bind(l, (struct sockaddr *)&a, sizeof(a)) || usn_listen(l, 4))
		return -1;
	c = usn_socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || usn_connect(c, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	*srv = usn_accept(l, NULL, NULL);
	*lfd = l;
	return *srv < 0 ? -1 : c;
}

static int atmark(int fd)
{
	int v = -1;

	if (usn_ioctl(fd, SIOCATMARK, &v))
		return -1;
	return v;
}

/* Waits up to 2 s for @events on @fd; the events seen. */
static short wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (usn_poll(&p, 1, 2000) != 1)
		return 0;
	return p.revents;
}

TEST(oob_byte_out_of_line)
{
	char buf[32], c;
	int l, s, cl;

	cl = tcp_pair(7301, &l, &s, false);
	ASSERT_TRUE(cl >= 0);
	/* Nothing urgent yet: EINVAL, even on a blocking socket. */
	EXPECT_ERRNO(usn_recv(s, &c, 1, MSG_OOB), EINVAL);
	EXPECT_EQ(atmark(s), 0);

	EXPECT_EQ(usn_send(cl, "abc", 3, 0), 3);
	EXPECT_EQ(usn_send(cl, "!", 1, MSG_OOB), 1);
	EXPECT_TRUE(wait_for(s, POLLPRI) & POLLPRI);
	EXPECT_EQ(atmark(s), 0);
	/* 4 bytes came, the reader sees 3 in band. */
	{
		struct msghdr mh = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };

		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		EXPECT_EQ(usn_recvmsg(s, &mh, MSG_OOB | MSG_PEEK), 1);
		EXPECT_TRUE(mh.msg_flags & MSG_OOB);
		EXPECT_EQ(buf[0], '!');
	}
	EXPECT_EQ(usn_recv(s, &c, 1, MSG_OOB), 1);
	EXPECT_EQ(c, '!');
	/* Read once: gone. */
	EXPECT_ERRNO(usn_recv(s, &c, 1, MSG_OOB), EINVAL);
	EXPECT_EQ(wait_for(s, POLLPRI | POLLIN), POLLIN);

	/* A read stops at the mark. */
	EXPECT_EQ(usn_send(cl, "xyz", 3, 0), 3);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 3);
	EXPECT_TRUE(!memcmp(buf, "abc", 3));
	EXPECT_EQ(atmark(s), 1);
	/* The next one steps over the urgent byte. */
	EXPECT_TRUE(wait_for(s, POLLIN) & POLLIN);
	EXPECT_EQ(usn_recv(s, buf, 3, MSG_WAITALL), 3);
	EXPECT_TRUE(!memcmp(buf, "xyz", 3));
	EXPECT_EQ(atmark(s), 0);
	EXPECT_ERRNO(usn_recv(s, &c, 1, MSG_OOB), EINVAL);

	/* A listener has nothing to read. */
	EXPECT_ERRNO(usn_recv(l, &c, 1, MSG_OOB), ENOTCONN);
	usn_close(cl);
	usn_close(s);
	usn_close(l);
}

TEST(oob_zero_length_read_says_truncated)
{
	struct msghdr mh = { 0 };
	struct iovec iov = { .iov_base = NULL, .iov_len = 0 };
	char c;
	int l, s, cl;

	cl = tcp_pair(7302, &l, &s, false);
	ASSERT_TRUE(cl >= 0);
	EXPECT_EQ(usn_send(cl, "U", 1, MSG_OOB), 1);
	EXPECT_TRUE(wait_for(s, POLLPRI) & POLLPRI);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	EXPECT_EQ(usn_recvmsg(s, &mh, MSG_OOB), 0);
	EXPECT_EQ(mh.msg_flags & (MSG_OOB | MSG_TRUNC), MSG_OOB | MSG_TRUNC);
	EXPECT_ERRNO(usn_recv(s, &c, 1, MSG_OOB), EINVAL);
	/* The only byte was urgent: at the mark, nothing in band. */
	EXPECT_EQ(atmark(s), 1);
	EXPECT_ERRNO(usn_recv(s, &c, 1, MSG_DONTWAIT), EAGAIN);
	EXPECT_EQ(atmark(s), 0);
	usn_close(cl);
	usn_close(s);
	usn_close(l);
}

TEST(oob_inline_keeps_the_byte_in_the_stream)
{
	char buf[32], c;
	int l, s, cl, v = 0;
	socklen_t len = sizeof(v);

	cl = tcp_pair(7303, &l, &s, true);
	ASSERT_TRUE(cl >= 0);
	EXPECT_OK(usn_getsockopt(s, SOL_SOCKET, SO_OOBINLINE, &v, &len));
	EXPECT_EQ(v, 1);
	EXPECT_EQ(usn_send(cl, "abc", 3, 0), 3);
	EXPECT_EQ(usn_send(cl, "!", 1, MSG_OOB), 1);
	EXPECT_TRUE(wait_for(s, POLLPRI) & POLLPRI);
	EXPECT_ERRNO(usn_recv(s, &c, 1, MSG_OOB), EINVAL);
	EXPECT_EQ(atmark(s), 0);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 3);
	EXPECT_TRUE(!memcmp(buf, "abc", 3));
	EXPECT_EQ(atmark(s), 1);
	EXPECT_TRUE(wait_for(s, POLLPRI) & POLLPRI);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 1);
	EXPECT_EQ(buf[0], '!');
	EXPECT_EQ(atmark(s), 0);
	{
		struct pollfd p = { .fd = s, .events = POLLIN | POLLPRI };

		EXPECT_EQ(usn_poll(&p, 1, 0), 0);
	}
	usn_close(cl);
	usn_close(s);
	usn_close(l);
}

TEST(a_second_mark_moves_the_first_byte_in_band)
{
	char buf[32], c;
	int l, s, cl;

	cl = tcp_pair(7304, &l, &s, false);
	ASSERT_TRUE(cl >= 0);
	EXPECT_EQ(usn_send(cl, "ab", 2, MSG_OOB), 2);
	EXPECT_TRUE(wait_for(s, POLLPRI) & POLLPRI);
	EXPECT_EQ(usn_send(cl, "cd", 2, MSG_OOB), 2);
	/* Only the last urgent byte is kept: 'b' is ordinary data now. */
	for (int i = 0; i < 200; i++) {
		if (usn_recv(s, &c, 1, MSG_OOB | MSG_PEEK) == 1 && c == 'd')
			break;
		wait_for(s, POLLIN);
	}
	EXPECT_EQ(usn_recv(s, &c, 1, MSG_OOB), 1);
	EXPECT_EQ(c, 'd');
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 3);
	EXPECT_TRUE(!memcmp(buf, "abc", 3));
	EXPECT_EQ(atmark(s), 1);
	usn_close(cl);
	usn_close(s);
	usn_close(l);
}
