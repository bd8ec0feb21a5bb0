/* SPDX-License-Identifier: MIT */
/*
 * epoll_sim_test.c - epoll, select and ppoll in simulated mode: one
 * thread, a virtual clock, so every timeout is exact in virtual time and a
 * wait that nothing could end fails with EDEADLK. The cases are shared
 * with epoll_test.c (threaded) in epoll_cases.h.
 */
#include "sim.h"

static void epoll_mode_start(void)
{
	test_sim_start(7);
}

#include "epoll_cases.h"

TEST(timeouts_are_exact_in_virtual_time)
{
	int ep = usn_epoll_create1(0), b = udp_bound(0);
	struct epoll_event out[1];
	struct timeval tv = { 1, 250000 };
	fd_set r;
	uint64_t t0;

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && b >= 0 && b < FD_SETSIZE);
	EXPECT_OK(ep_add(ep, b, EPOLLIN, 0));
	t0 = usn_sim_now();
	EXPECT_EQ(usn_epoll_wait(ep, out, 1, 1500), 0);
	EXPECT_EQ(usn_sim_now() - t0, 1500000000ULL);
	FD_ZERO(&r);
	FD_SET(b, &r);
	t0 = usn_sim_now();
	EXPECT_EQ(usn_select(b + 1, &r, NULL, NULL, &tv), 0);
	EXPECT_EQ(usn_sim_now() - t0, 1250000000ULL);
	/* A timer of the stack ends the wait: a TCP peer's FIN after a delay. */
	usn_close(b);
	usn_close(ep);
}

TEST(waiting_forever_on_nothing_is_edeadlk)
{
	int ep = usn_epoll_create1(0), b = udp_bound(0);
	struct epoll_event out[1];

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && b >= 0);
	EXPECT_OK(ep_add(ep, b, EPOLLIN, 0));
	EXPECT_ERRNO(usn_epoll_wait(ep, out, 1, -1), EDEADLK);
	usn_close(b);
	usn_close(ep);
}

TEST(a_tcp_handshake_completes_while_waiting)
{
	struct sockaddr_in a = lo_addr(7120);
	int ep = usn_epoll_create1(0), l = usn_socket(AF_INET, SOCK_STREAM, 0);
	int c = usn_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct epoll_event out[2];

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && l >= 0 && c >= 0);
	EXPECT_OK(usn_bind(l, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_OK(usn_listen(l, 4));
	EXPECT_OK(ep_add(ep, l, EPOLLIN, 1));
	EXPECT_OK(ep_add(ep, c, EPOLLOUT | EPOLLET, 2));
	usn_connect(c, (struct sockaddr *)&a, sizeof(a));
	/* Both the listener (a connection to accept) and the client connect. */
	int n = usn_epoll_wait(ep, out, 2, 1000), got = 0;

	for (int i = 0; i < n; i++)
		got |= 1 << out[i].data.u64;
	if (n == 1 && usn_epoll_wait(ep, out, 2, 1000) == 1)
		got |= 1 << out[0].data.u64;
	EXPECT_EQ(got, 6);
	usn_close(c);
	usn_close(l);
	usn_close(ep);
}
