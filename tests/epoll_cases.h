/* SPDX-License-Identifier: MIT */
/*
 * epoll_cases.h - the readiness tests both execution modes run: included
 * by epoll_test.c (threaded, real clock) and epoll_sim_test.c (simulated,
 * virtual clock), each of which defines epoll_mode_start() first. UDP and
 * TCP sockets over the default namespace's loopback.
 */
#ifndef USN_TEST_EPOLL_CASES_H
#define USN_TEST_EPOLL_CASES_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "test.h"

static void epoll_mode_start(void);

static uint64_t now_ns(void)
{
	return usn_net_now(usn_net_default());
}

static struct sockaddr_in lo_addr(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	return a;
}

/* A UDP socket bound to 127.0.0.1:@port, or -1. */
static int udp_bound(uint16_t port)
{
	struct sockaddr_in a = lo_addr(port);
	int fd = usn_socket(AF_INET, SOCK_DGRAM, 0);

	if (fd >= 0 && usn_bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		usn_close(fd);
		return -1;
	}
	return fd;
}

static ssize_t udp_send(int fd, uint16_t port)
{
	struct sockaddr_in a = lo_addr(port);

	return usn_sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a));
}

static ssize_t drain(int fd)
{
	char buf[64];

	return usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
}

/* A connected TCP pair over loopback: @c the client, @s the accepted end. */
static int tcp_pair(uint16_t port, int *c, int *s)
{
	struct sockaddr_in a = lo_addr(port);
	int l = usn_socket(AF_INET, SOCK_STREAM, 0), one = 1;

	*c = *s = -1;
	if (l < 0)
		return -1;
	usn_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (usn_bind(l, (struct sockaddr *)&a, sizeof(a)) || usn_listen(l, 4))
		goto out;
	*c = usn_socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0 || usn_connect(*c, (struct sockaddr *)&a, sizeof(a)))
		goto out;
	*s = usn_accept(l, NULL, NULL);
out:
	usn_close(l);
	return *s >= 0 ? 0 : -1;
}

static int ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return usn_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int ep_mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return usn_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

TEST(create_errors_and_flags)
{
	int ep;

	epoll_mode_start();
	EXPECT_ERRNO(usn_epoll_create(0), EINVAL);
	EXPECT_ERRNO(usn_epoll_create(-1), EINVAL);
	EXPECT_ERRNO(usn_epoll_create1(1), EINVAL);
	EXPECT_ERRNO(usn_epoll_create1(O_NONBLOCK), EINVAL);
	ep = usn_epoll_create1(EPOLL_CLOEXEC);
	ASSERT_TRUE(ep >= 0);
	EXPECT_EQ(usn_fcntl(ep, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ(fcntl(ep, F_GETFD), FD_CLOEXEC);	/* the kernel fd behind it */
	EXPECT_EQ(usn_fcntl(ep, F_GETFL), O_RDWR);
	EXPECT_EQ(usn_fd_owned(ep), 1);
	EXPECT_OK(usn_close(ep));
	ep = usn_epoll_create(1);
	ASSERT_TRUE(ep >= 0);
	EXPECT_EQ(usn_fcntl(ep, F_GETFD), 0);
	EXPECT_OK(usn_close(ep));
	EXPECT_ERRNO(usn_close(ep), EBADF);
}

TEST(epoll_fd_is_not_a_socket)
{
	int ep = usn_epoll_create1(0), one = 1;
	char b;

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0);
	EXPECT_ERRNO(usn_read(ep, &b, 1), EINVAL);
	EXPECT_ERRNO(usn_write(ep, &b, 1), EINVAL);
	EXPECT_ERRNO(usn_setsockopt(ep, SOL_SOCKET, SO_REUSEADDR, &one,
				    sizeof(one)), ENOTSOCK);
	EXPECT_ERRNO(usn_send(ep, &b, 1, 0), ENOTSOCK);
	EXPECT_ERRNO(usn_listen(ep, 1), ENOTSOCK);
	EXPECT_ERRNO(usn_ioctl(ep, FIONREAD, &one), ENOTTY);
	EXPECT_OK(usn_ioctl(ep, FIONBIO, &one));
	EXPECT_EQ(usn_fcntl(ep, F_GETFL), O_RDWR | O_NONBLOCK);
	usn_close(ep);
}

TEST(ctl_errors)
{
	int ep = usn_epoll_create1(0), ep2 = usn_epoll_create1(0);
	int a = udp_bound(0), b = udp_bound(0), p[2], dead;
	struct epoll_event ev = { .events = EPOLLIN };

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && ep2 >= 0 && a >= 0 && b >= 0 && !pipe(p));
	dead = usn_socket(AF_INET, SOCK_DGRAM, 0);
	usn_close(dead);	/* a number that is no longer open */
	EXPECT_ERRNO(usn_epoll_ctl(ep, EPOLL_CTL_ADD, a, NULL), EFAULT);
	EXPECT_ERRNO(usn_epoll_ctl(ep, 7, a, NULL), EFAULT);
	EXPECT_ERRNO(usn_epoll_ctl(ep, 7, a, &ev), EINVAL);
	EXPECT_ERRNO(usn_epoll_ctl(dead, EPOLL_CTL_ADD, a, &ev), EBADF);
	EXPECT_ERRNO(usn_epoll_ctl(ep, EPOLL_CTL_ADD, dead, &ev), EBADF);
	EXPECT_ERRNO(usn_epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	EXPECT_ERRNO(usn_epoll_ctl(a, EPOLL_CTL_ADD, b, &ev), EINVAL);
	/* A kernel descriptor: a file usnet cannot poll. */
	EXPECT_ERRNO(usn_epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EPERM);
	EXPECT_ERRNO(usn_epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EPERM);
	EXPECT_ERRNO(usn_epoll_ctl(p[1], EPOLL_CTL_ADD, a, &ev), EINVAL);
	EXPECT_ERRNO(usn_epoll_ctl(ep, EPOLL_CTL_DEL, a, NULL), ENOENT);
	EXPECT_ERRNO(usn_epoll_ctl(ep, EPOLL_CTL_MOD, a, &ev), ENOENT);
	EXPECT_OK(usn_epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev));
	EXPECT_ERRNO(usn_epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev), EEXIST);
	EXPECT_OK(usn_epoll_ctl(ep, EPOLL_CTL_MOD, a, &ev));
	EXPECT_OK(usn_epoll_ctl(ep, EPOLL_CTL_DEL, a, NULL));	/* NULL is fine for DEL */
	EXPECT_ERRNO(usn_epoll_ctl(ep, EPOLL_CTL_DEL, a, &ev), ENOENT);
	/* EPOLLWAKEUP is taken (or dropped) without complaint. */
	ev.events = EPOLLIN | EPOLLWAKEUP;
	EXPECT_OK(usn_epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev));
	close(p[0]);
	close(p[1]);
	usn_close(a);
	usn_close(b);
	usn_close(ep2);
	usn_close(ep);
}

TEST(wait_errors)
{
	int ep = usn_epoll_create1(0), a = udp_bound(0), p[2], dead;
	struct epoll_event out[2];

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && a >= 0 && !pipe(p));
	dead = usn_socket(AF_INET, SOCK_DGRAM, 0);
	usn_close(dead);
	EXPECT_ERRNO(usn_epoll_wait(ep, out, 0, 0), EINVAL);
	EXPECT_ERRNO(usn_epoll_wait(ep, out, -1, 0), EINVAL);
	EXPECT_ERRNO(usn_epoll_wait(a, out, 1, 0), EINVAL);
	EXPECT_ERRNO(usn_epoll_wait(p[0], out, 1, 0), EINVAL);
	EXPECT_ERRNO(usn_epoll_wait(dead, out, 1, 0), EBADF);
	/* NULL is only a fault once there is an event to copy, as in Linux. */
	EXPECT_EQ(usn_epoll_wait(ep, NULL, 1, 0), 0);
	EXPECT_OK(ep_add(ep, a, EPOLLOUT, 1));
	EXPECT_ERRNO(usn_epoll_wait(ep, NULL, 1, 0), EFAULT);
	EXPECT_EQ(usn_epoll_wait(ep, out, 2, 0), 1);	/* still ready */
	close(p[0]);
	close(p[1]);
	usn_close(a);
	usn_close(ep);
}

TEST(level_triggered)
{
	int ep = usn_epoll_create1(0), a = udp_bound(0), b = udp_bound(7101);
	struct epoll_event out[4];

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && a >= 0 && b >= 0);
	EXPECT_OK(ep_add(ep, b, EPOLLIN, 42));
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	EXPECT_EQ(udp_send(a, 7101), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	EXPECT_EQ(out[0].events, EPOLLIN);
	EXPECT_EQ(out[0].data.u64, 42);
	/* Still readable: reported again, and again. */
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 100), 1);
	EXPECT_EQ(drain(b), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	/* Writable is reported for the events asked, with the new data. */
	EXPECT_OK(ep_mod(ep, b, EPOLLIN | EPOLLOUT, 43));
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	EXPECT_EQ(out[0].events, EPOLLOUT);
	EXPECT_EQ(out[0].data.u64, 43);
	usn_close(a);
	usn_close(b);
	usn_close(ep);
}

TEST(edge_triggered_reports_each_new_event_once)
{
	int ep = usn_epoll_create1(0), a = udp_bound(0), b = udp_bound(7102);
	struct epoll_event out[4];

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && a >= 0 && b >= 0);
	EXPECT_OK(ep_add(ep, b, EPOLLIN | EPOLLET, 7));
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	EXPECT_EQ(udp_send(a, 7102), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	EXPECT_EQ(out[0].events, EPOLLIN);
	/* Still readable, but no new edge: nothing. */
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 50), 0);
	/* A second datagram is a new event: reported once more. */
	EXPECT_EQ(udp_send(a, 7102), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	EXPECT_EQ(drain(b), 1);
	EXPECT_EQ(drain(b), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	/* EPOLLOUT edge-triggered: once when added (writable from the start). */
	EXPECT_OK(ep_mod(ep, b, EPOLLOUT | EPOLLET, 8));
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	EXPECT_EQ(out[0].events, EPOLLOUT);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	usn_close(a);
	usn_close(b);
	usn_close(ep);
}

TEST(oneshot_then_mod_rearms)
{
	int ep = usn_epoll_create1(0), a = udp_bound(0), b = udp_bound(7103);
	struct epoll_event out[4];

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && a >= 0 && b >= 0);
	EXPECT_OK(ep_add(ep, b, EPOLLIN | EPOLLONESHOT, 1));
	EXPECT_EQ(udp_send(a, 7103), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	/* Disabled: neither the old readiness nor a new datagram shows. */
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	EXPECT_EQ(udp_send(a, 7103), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	/* Still in the set: ADD again is EEXIST; MOD re-arms. */
	EXPECT_ERRNO(ep_add(ep, b, EPOLLIN, 1), EEXIST);
	EXPECT_OK(ep_mod(ep, b, EPOLLIN | EPOLLONESHOT, 2));
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	EXPECT_EQ(out[0].data.u64, 2);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	usn_close(a);
	usn_close(b);
	usn_close(ep);
}

TEST(exclusive_rules)
{
	int ep = usn_epoll_create1(0), ep2 = usn_epoll_create1(0);
	int a = udp_bound(0), b = udp_bound(7104);
	struct epoll_event out[4];

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && ep2 >= 0 && a >= 0 && b >= 0);
	EXPECT_ERRNO(ep_add(ep, b, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL);
	EXPECT_ERRNO(ep_add(ep, b, EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP, 0), EINVAL);
	EXPECT_ERRNO(ep_add(ep, b, EPOLLIN | EPOLLEXCLUSIVE | EPOLLPRI, 0), EINVAL);
	EXPECT_ERRNO(ep_add(ep, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	EXPECT_OK(ep_add(ep, a, EPOLLIN, 0));
	EXPECT_ERRNO(ep_mod(ep, a, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	EXPECT_OK(ep_add(ep, b, EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP |
			 EPOLLET | EPOLLWAKEUP | EPOLLEXCLUSIVE, 5));
	/* An exclusive item cannot be modified at all, but can be deleted. */
	EXPECT_ERRNO(ep_mod(ep, b, EPOLLIN, 5), EINVAL);
	EXPECT_ERRNO(ep_mod(ep, b, EPOLLIN | EPOLLEXCLUSIVE, 5), EINVAL);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);	/* writable */
	EXPECT_EQ(out[0].data.u64, 5);
	EXPECT_OK(usn_epoll_ctl(ep, EPOLL_CTL_DEL, b, NULL));
	/* With nobody waiting, every exclusive set still hears of it. */
	EXPECT_OK(ep_add(ep, b, EPOLLIN | EPOLLEXCLUSIVE, 6));
	EXPECT_OK(ep_add(ep2, b, EPOLLIN | EPOLLEXCLUSIVE, 7));
	EXPECT_EQ(udp_send(a, 7104), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	EXPECT_EQ(usn_epoll_wait(ep2, out, 4, 0), 1);
	usn_close(a);
	usn_close(b);
	usn_close(ep2);
	usn_close(ep);
}

TEST(rdhup_on_peer_shutdown)
{
	int ep = usn_epoll_create1(0), c, s;
	struct epoll_event out[4];

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0);
	ASSERT_TRUE(tcp_pair(7105, &c, &s) == 0);
	EXPECT_OK(ep_add(ep, s, EPOLLIN | EPOLLRDHUP | EPOLLET, 9));
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	EXPECT_EQ(usn_send(c, "hi", 2, 0), 2);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 1000), 1);
	EXPECT_EQ(out[0].events, EPOLLIN);
	EXPECT_OK(usn_shutdown(c, SHUT_WR));
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 1000), 1);
	EXPECT_EQ(out[0].events, EPOLLIN | EPOLLRDHUP);
	/* Without EPOLLRDHUP asked, the half-close is only readable. */
	EXPECT_OK(ep_mod(ep, s, EPOLLIN, 9));
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	EXPECT_EQ(out[0].events, EPOLLIN);
	usn_close(c);
	usn_close(s);
	usn_close(ep);
}

TEST(nested_epoll_and_loops)
{
	int outer = usn_epoll_create1(0), inner = usn_epoll_create1(0);
	int a = udp_bound(0), b = udp_bound(7106), e[6], f[6];
	struct epoll_event out[4];
	struct pollfd pfd;

	epoll_mode_start();
	ASSERT_TRUE(outer >= 0 && inner >= 0 && a >= 0 && b >= 0);
	EXPECT_OK(ep_add(inner, b, EPOLLIN, 1));
	EXPECT_OK(ep_add(outer, inner, EPOLLIN, 2));
	EXPECT_EQ(usn_epoll_wait(outer, out, 4, 0), 0);
	pfd = (struct pollfd){ .fd = inner, .events = POLLIN };
	EXPECT_EQ(usn_poll(&pfd, 1, 0), 0);
	EXPECT_EQ(udp_send(a, 7106), 1);
	EXPECT_EQ(usn_epoll_wait(outer, out, 4, 100), 1);
	EXPECT_EQ(out[0].events, EPOLLIN);
	EXPECT_EQ(out[0].data.u64, 2);
	EXPECT_EQ(usn_poll(&pfd, 1, 0), 1);
	EXPECT_EQ(pfd.revents, POLLIN);
	EXPECT_EQ(usn_epoll_wait(inner, out, 4, 0), 1);
	EXPECT_EQ(out[0].data.u64, 1);
	EXPECT_EQ(drain(b), 1);
	EXPECT_EQ(usn_epoll_wait(outer, out, 4, 0), 0);
	EXPECT_EQ(usn_poll(&pfd, 1, 0), 0);
	/* A loop, directly or through another instance. */
	EXPECT_ERRNO(ep_add(inner, outer, EPOLLIN, 0), ELOOP);
	EXPECT_ERRNO(ep_add(outer, outer, EPOLLIN, 0), EINVAL);
	/* Five instances in a chain are the most, built down or up. */
	for (int i = 0; i < 6; i++) {
		e[i] = usn_epoll_create1(0);
		f[i] = usn_epoll_create1(0);
	}
	for (int i = 0; i < 4; i++)
		EXPECT_OK(ep_add(e[i], e[i + 1], EPOLLIN, 0));
	EXPECT_ERRNO(ep_add(e[4], e[5], EPOLLIN, 0), ELOOP);
	for (int i = 4; i > 0; i--)
		EXPECT_OK(ep_add(f[i], f[i + 1], EPOLLIN, 0));
	EXPECT_ERRNO(ep_add(f[0], f[1], EPOLLIN, 0), ELOOP);
	/* A wake-up climbs the whole chain. */
	EXPECT_OK(ep_add(e[4], b, EPOLLIN, 0));
	EXPECT_EQ(udp_send(a, 7106), 1);
	EXPECT_EQ(usn_epoll_wait(e[0], out, 4, 100), 1);
	for (int i = 0; i < 6; i++) {
		usn_close(e[i]);
		usn_close(f[i]);
	}
	/* Closing the inner instance takes it out of the outer one. */
	usn_close(inner);
	EXPECT_EQ(usn_epoll_wait(outer, out, 4, 0), 0);
	usn_close(a);
	usn_close(b);
	usn_close(outer);
}

TEST(close_removes_from_every_set)
{
	int ep = usn_epoll_create1(0), ep2 = usn_epoll_create1(0);
	int a = udp_bound(0), b = udp_bound(7107), b2;
	struct epoll_event out[4];

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && ep2 >= 0 && a >= 0 && b >= 0);
	EXPECT_OK(ep_add(ep, b, EPOLLIN, 1));
	EXPECT_OK(ep_add(ep2, b, EPOLLIN, 2));
	EXPECT_EQ(udp_send(a, 7107), 1);
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	/* Another fd on the same file keeps the item (the key is the file). */
	b2 = usn_fcntl(b, F_DUPFD_CLOEXEC, 0);
	ASSERT_TRUE(b2 >= 0);
	EXPECT_OK(usn_close(b));
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 1);
	EXPECT_EQ(out[0].data.u64, 1);
	EXPECT_ERRNO(usn_epoll_ctl(ep, EPOLL_CTL_DEL, b2, NULL), ENOENT);
	/* The last close: out of both sets. */
	EXPECT_OK(usn_close(b2));
	EXPECT_EQ(usn_epoll_wait(ep, out, 4, 0), 0);
	EXPECT_EQ(usn_epoll_wait(ep2, out, 4, 0), 0);
	/* Closing the epoll fd with items in it. */
	b = udp_bound(7107);
	EXPECT_OK(ep_add(ep, b, EPOLLIN, 1));
	EXPECT_OK(ep_add(ep, a, EPOLLOUT, 1));
	EXPECT_OK(usn_close(ep));
	EXPECT_EQ(udp_send(a, 7107), 1);
	EXPECT_EQ(drain(b), 1);
	usn_close(a);
	usn_close(b);
	usn_close(ep2);
}

TEST(maxevents_and_many_fds)
{
	enum { N = 64 };
	int ep = usn_epoll_create1(0), a = udp_bound(0), fd[N], seen[N] = { 0 };
	struct epoll_event out[N];
	int n;

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && a >= 0);
	for (int i = 0; i < N; i++) {
		fd[i] = udp_bound((uint16_t)(7200 + i));
		ASSERT_TRUE(fd[i] >= 0);
		EXPECT_OK(ep_add(ep, fd[i], EPOLLIN, (uint64_t)i));
	}
	for (int i = 3; i < N; i += 20)
		EXPECT_EQ(udp_send(a, (uint16_t)(7200 + i)), 1);
	/* Ready 3, 23, 43, 63: two at a time, the rest next time. */
	n = usn_epoll_wait(ep, out, 2, 0);
	EXPECT_EQ(n, 2);
	for (int i = 0; i < n; i++)
		seen[out[i].data.u64]++;
	n = usn_epoll_wait(ep, out, 2, 0);
	EXPECT_EQ(n, 2);
	for (int i = 0; i < n; i++)
		seen[out[i].data.u64]++;
	for (int i = 0; i < N; i++)
		EXPECT_EQ(seen[i], i % 20 == 3 ? 1 : 0);
	EXPECT_EQ(usn_epoll_wait(ep, out, N, 0), 4);
	for (int i = 0; i < N; i++)
		usn_close(fd[i]);
	EXPECT_EQ(usn_epoll_wait(ep, out, N, 0), 0);
	usn_close(a);
	usn_close(ep);
}

TEST(timeouts)
{
	int ep = usn_epoll_create1(0), b = udp_bound(0);
	struct epoll_event out[1];
	struct timespec ts = { 0, 30000000 };
	struct pollfd pfd = { .fd = b, .events = POLLIN };
	uint64_t t0;

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && b >= 0);
	EXPECT_OK(ep_add(ep, b, EPOLLIN, 0));
	t0 = now_ns();
	EXPECT_EQ(usn_epoll_wait(ep, out, 1, 60), 0);
	EXPECT_TRUE(now_ns() - t0 >= 60000000ULL);
	t0 = now_ns();
	EXPECT_EQ(usn_epoll_pwait2(ep, out, 1, &ts, NULL), 0);
	EXPECT_TRUE(now_ns() - t0 >= 30000000ULL);
	t0 = now_ns();
	EXPECT_EQ(usn_ppoll(&pfd, 1, &ts, NULL), 0);
	EXPECT_TRUE(now_ns() - t0 >= 30000000ULL);
	ts.tv_nsec = 1000000000L;
	EXPECT_ERRNO(usn_ppoll(&pfd, 1, &ts, NULL), EINVAL);
	EXPECT_ERRNO(usn_epoll_pwait2(ep, out, 1, &ts, NULL), EINVAL);
	ts = (struct timespec){ -1, 0 };
	EXPECT_ERRNO(usn_ppoll(&pfd, 1, &ts, NULL), EINVAL);
	ts = (struct timespec){ 0, 0 };
	EXPECT_EQ(usn_ppoll(&pfd, 1, &ts, NULL), 0);
	usn_close(b);
	usn_close(ep);
}

TEST(select_basics)
{
	int a = udp_bound(0), b = udp_bound(7108), dead, n;
	struct timeval tv = { 0, 0 };
	fd_set r, w;

	epoll_mode_start();
	ASSERT_TRUE(a >= 0 && b >= 0 && a < FD_SETSIZE && b < FD_SETSIZE);
	n = (a > b ? a : b) + 1;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(b, &r);
	FD_SET(a, &w);
	EXPECT_EQ(usn_select(n, &r, &w, NULL, &tv), 1);
	EXPECT_TRUE(!FD_ISSET(b, &r) && FD_ISSET(a, &w));
	EXPECT_EQ(udp_send(a, 7108), 1);
	FD_ZERO(&w);
	FD_SET(b, &r);
	FD_SET(b, &w);
	EXPECT_EQ(usn_select(n, &r, &w, NULL, NULL), 2);	/* one fd, two bits */
	EXPECT_TRUE(FD_ISSET(b, &r) && FD_ISSET(b, &w) && !FD_ISSET(a, &w));
	EXPECT_EQ(drain(b), 1);
	/* Nothing ready: the time left is written back, here all of it spent. */
	FD_ZERO(&r);
	FD_SET(b, &r);
	tv = (struct timeval){ 0, 40000 };
	EXPECT_EQ(usn_select(n, &r, NULL, NULL, &tv), 0);
	EXPECT_TRUE(!FD_ISSET(b, &r));
	EXPECT_EQ(tv.tv_sec, 0);
	EXPECT_EQ(tv.tv_usec, 0);
	/* Errors: a closed fd, a kernel fd, a bad count or timeout. */
	dead = usn_socket(AF_INET, SOCK_DGRAM, 0);
	usn_close(dead);
	FD_ZERO(&r);
	FD_SET(dead, &r);
	tv = (struct timeval){ 0, 0 };
	EXPECT_ERRNO(usn_select(dead + 1, &r, NULL, NULL, &tv), EBADF);
	EXPECT_TRUE(FD_ISSET(dead, &r));	/* left as it was */
	EXPECT_ERRNO(usn_select(-1, NULL, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){ 0, -1 };
	EXPECT_ERRNO(usn_select(n, NULL, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){ -1, 0 };
	EXPECT_ERRNO(usn_select(n, NULL, NULL, NULL, &tv), EINVAL);
	usn_close(a);
	usn_close(b);
}

TEST(pselect_basics)
{
	int a = udp_bound(0), b = udp_bound(7109);
	struct timespec ts = { 0, 20000000 };
	uint64_t t0;
	fd_set r;

	epoll_mode_start();
	ASSERT_TRUE(a >= 0 && b >= 0 && b < FD_SETSIZE);
	FD_ZERO(&r);
	FD_SET(b, &r);
	t0 = now_ns();
	EXPECT_EQ(usn_pselect(b + 1, &r, NULL, NULL, &ts, NULL), 0);
	EXPECT_TRUE(now_ns() - t0 >= 20000000ULL);
	EXPECT_EQ(ts.tv_nsec, 20000000);	/* pselect leaves it alone */
	EXPECT_EQ(udp_send(a, 7109), 1);
	FD_SET(b, &r);
	EXPECT_EQ(usn_pselect(b + 1, &r, NULL, NULL, &ts, NULL), 1);
	EXPECT_TRUE(FD_ISSET(b, &r));
	ts.tv_nsec = -1;
	EXPECT_ERRNO(usn_pselect(b + 1, &r, NULL, NULL, &ts, NULL), EINVAL);
	usn_close(a);
	usn_close(b);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1++;
}

/*
 * The race-free wait: SIGUSR1 is blocked, arrives (pending), and the call
 * that unblocks it for its wait returns EINTR after the handler ran; the
 * old mask is back afterwards.
 */
TEST(sigmask_unblocks_a_pending_signal)
{
	int ep = usn_epoll_create1(0), b = udp_bound(0);
	struct pollfd pfd = { .fd = b, .events = POLLIN };
	struct epoll_event out[1];
	struct timespec ts = { 0, 0 };
	sigset_t block, empty, now;
	fd_set r;

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && b >= 0 && b < FD_SETSIZE);
	signal(SIGUSR1, on_usr1);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	got_usr1 = 0;
	raise(SIGUSR1);
	EXPECT_EQ(got_usr1, 0);
	EXPECT_ERRNO(usn_ppoll(&pfd, 1, &ts, &empty), EINTR);
	EXPECT_EQ(got_usr1, 1);
	raise(SIGUSR1);
	FD_ZERO(&r);
	FD_SET(b, &r);
	EXPECT_ERRNO(usn_pselect(b + 1, &r, NULL, NULL, &ts, &empty), EINTR);
	EXPECT_EQ(got_usr1, 2);
	raise(SIGUSR1);
	EXPECT_ERRNO(usn_epoll_pwait(ep, out, 1, 0, &empty), EINTR);
	EXPECT_EQ(got_usr1, 3);
	/* A mask that keeps it blocked: no interruption, the signal waits. */
	raise(SIGUSR1);
	EXPECT_EQ(usn_epoll_pwait(ep, out, 1, 0, &block), 0);
	EXPECT_EQ(usn_ppoll(&pfd, 1, &ts, NULL), 0);
	EXPECT_EQ(got_usr1, 3);
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	EXPECT_EQ(sigismember(&now, SIGUSR1), 1);
	pthread_sigmask(SIG_UNBLOCK, &block, NULL);	/* delivers the 4th */
	EXPECT_EQ(got_usr1, 4);
	signal(SIGUSR1, SIG_DFL);
	usn_close(b);
	usn_close(ep);
}

TEST(poll_on_an_epoll_fd_and_ppoll)
{
	int ep = usn_epoll_create1(0), a = udp_bound(0), b = udp_bound(7110);
	struct pollfd pfd[2];

	epoll_mode_start();
	ASSERT_TRUE(ep >= 0 && a >= 0 && b >= 0);
	EXPECT_OK(ep_add(ep, b, EPOLLIN, 0));
	pfd[0] = (struct pollfd){ .fd = ep, .events = POLLIN | POLLOUT };
	pfd[1] = (struct pollfd){ .fd = b, .events = POLLIN };
	EXPECT_EQ(usn_poll(pfd, 2, 0), 0);
	EXPECT_EQ(udp_send(a, 7110), 1);
	EXPECT_EQ(usn_ppoll(pfd, 2, NULL, NULL), 2);
	EXPECT_EQ(pfd[0].revents, POLLIN);	/* an epoll fd is never writable */
	EXPECT_EQ(pfd[1].revents, POLLIN);
	usn_close(a);
	usn_close(b);
	usn_close(ep);
}

#endif
