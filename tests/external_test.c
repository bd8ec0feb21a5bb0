/* SPDX-License-Identifier: MIT */
/*
 * external_test.c - a namespace driven by the program's own event loop on
 * the real clock: usn_net_fd() to wait on, usn_net_step() to run, no stack
 * thread; and blocking calls in it, which drive it themselves.
 */
#include <errno.h>
#include <poll.h>
#include <sys/time.h>
#include "tdg.h"
#include "test.h"

TEST(external_namespace_has_an_fd_and_a_step)
{
	struct usn_net *net = usn_net_create("ext", USN_NET_EXTERNAL);
	struct pollfd p;
	int fd;

	ASSERT_TRUE(net);
	fd = usn_net_fd(net);
	EXPECT_TRUE(fd >= 0);
	EXPECT_TRUE(usn_net_step(net) >= 0);
	EXPECT_EQ(usn_net_timeout(net), -1);	/* nothing scheduled */
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_EQ(poll(&p, 1, 0), 0);		/* idle: nothing to do */
	EXPECT_ERRNO(usn_net_fd(usn_net_default()), EINVAL);	/* threaded */
	errno = 0;
	EXPECT_TRUE(usn_net_create("bad", 0x80) == NULL);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_OK(usn_net_destroy(net));
}

TEST(sockets_in_an_external_namespace)
{
	struct usn_net *net = usn_net_create("ext2", USN_NET_EXTERNAL);
	struct timeval tv = { 0, 50000 };
	uint64_t t0;
	char buf[8];
	int fd;

	ASSERT_TRUE(net);
	EXPECT_OK(usn_setns(net));
	fd = tdg_socket(0, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_EQ(tdg_sendto(fd, tdg_port(fd), "abc", 3), 3);
	EXPECT_EQ(usn_recv(fd, buf, sizeof(buf), 0), 3);
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = mono_ns();
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), 0), EAGAIN);
	EXPECT_TRUE(mono_ns() - t0 >= 50000000ULL);
	usn_close(fd);
	EXPECT_OK(usn_setns(NULL));
	EXPECT_OK(usn_net_destroy(net));
}

TEST(namespace_calls_check_their_arguments)
{
	EXPECT_ERRNO(usn_net_destroy(NULL), EINVAL);
	EXPECT_ERRNO(usn_net_destroy(usn_net_default()), EINVAL);
	EXPECT_ERRNO(usn_net_step(NULL), EINVAL);
	EXPECT_ERRNO(usn_sysctl(NULL, "net.core.somaxconn", NULL, NULL, "1"), EINVAL);
	EXPECT_ERRNO(usn_link_set_up(usn_net_default(), 999, 1), ENODEV);
	EXPECT_ERRNO(usn_link_index(usn_net_default(), "nosuch"), ENODEV);
	EXPECT_EQ(usn_link_index(usn_net_default(), "lo"), 1);
	EXPECT_STREQ(usn_net_name(usn_net_default()), "default");
	EXPECT_ERRNO(usn_sim_run(1000), EINVAL);	/* not a simulation */
}

TEST(a_socket_stays_in_its_namespace)
{
	struct usn_net *a = usn_net_create("a", 0), *b = usn_net_create("b", 0);
	int fa, fb, n;
	char buf[8];

	ASSERT_TRUE(a && b);
	EXPECT_OK(usn_setns(a));
	EXPECT_TRUE(usn_net_current() == a);
	fa = tdg_socket(9000, SOCK_NONBLOCK);
	EXPECT_OK(usn_setns(b));
	/* The same port is free in another namespace. */
	fb = tdg_socket(9000, SOCK_NONBLOCK);
	ASSERT_TRUE(fa >= 0 && fb >= 0);
	/* fa still sends inside a, to a's port 9000: itself. */
	EXPECT_EQ(tdg_sendto(fa, 9000, "to-a", 4), 4);
	EXPECT_ERRNO(usn_recv(fb, buf, sizeof(buf), 0), EAGAIN);
	n = (int)usn_recv(fa, buf, sizeof(buf), 0);
	EXPECT_EQ(n, 4);
	/* A namespace outlives its destruction while a socket holds it. */
	EXPECT_OK(usn_setns(NULL));
	EXPECT_OK(usn_net_destroy(a));
	EXPECT_EQ(tdg_sendto(fa, 9000, "late", 4), 4);
	EXPECT_EQ(usn_recv(fa, buf, sizeof(buf), 0), 4);
	usn_close(fa);
	usn_close(fb);
	EXPECT_OK(usn_net_destroy(b));
}
