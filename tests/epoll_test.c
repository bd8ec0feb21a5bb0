/* SPDX-License-Identifier: MIT */
/*
 * epoll_test.c - epoll, select and ppoll in threaded mode (real clock):
 * the cases shared with epoll_sim_test.c, plus what needs a second
 * thread: a thread blocked in epoll_wait wakes when another makes an fd
 * ready or adds a ready fd, and EPOLLEXCLUSIVE wakes one waiter, not all.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static void epoll_mode_start(void)
{
}

#include "epoll_cases.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct waiter_arg {
	int ep;
	int timeout;
	int n;
	uint64_t data;
	atomic_int done;
};

static void *epoll_waiter(void *p)
{
	struct waiter_arg *w = p;
	struct epoll_event ev;

	w->n = usn_epoll_wait(w->ep, &ev, 1, w->timeout);
	if (w->n == 1)
		w->data = ev.data.u64;
	atomic_store(&w->done, 1);
	return NULL;
}

TEST(another_thread_makes_an_fd_ready)
{
	int ep = usn_epoll_create1(0), a = udp_bound(0), b = udp_bound(7130);
	struct waiter_arg w = { .ep = ep, .timeout = -1 };
	pthread_t t;

	ASSERT_TRUE(ep >= 0 && a >= 0 && b >= 0);
	EXPECT_OK(ep_add(ep, b, EPOLLIN, 77));
	pthread_create(&t, NULL, epoll_waiter, &w);
	sleep_ms(50);
	EXPECT_EQ(atomic_load(&w.done), 0);	/* blocked */
	EXPECT_EQ(udp_send(a, 7130), 1);
	pthread_join(t, NULL);
	EXPECT_EQ(w.n, 1);
	EXPECT_EQ(w.data, 77);
	usn_close(a);
	usn_close(b);
	usn_close(ep);
}

TEST(another_thread_adds_a_ready_fd)
{
	int ep = usn_epoll_create1(0), a = udp_bound(0);
	struct waiter_arg w = { .ep = ep, .timeout = 5000 };
	pthread_t t;

	ASSERT_TRUE(ep >= 0 && a >= 0);
	pthread_create(&t, NULL, epoll_waiter, &w);
	sleep_ms(50);
	EXPECT_EQ(atomic_load(&w.done), 0);
	EXPECT_OK(ep_add(ep, a, EPOLLOUT, 78));	/* writable already */
	pthread_join(t, NULL);
	EXPECT_EQ(w.n, 1);
	EXPECT_EQ(w.data, 78);
	usn_close(a);
	usn_close(ep);
}

TEST(a_nested_wait_wakes_across_threads)
{
	int outer = usn_epoll_create1(0), inner = usn_epoll_create1(0);
	int a = udp_bound(0), b = udp_bound(7131);
	struct waiter_arg w = { .ep = outer, .timeout = 5000 };
	pthread_t t;

	ASSERT_TRUE(outer >= 0 && inner >= 0 && a >= 0 && b >= 0);
	EXPECT_OK(ep_add(inner, b, EPOLLIN, 1));
	EXPECT_OK(ep_add(outer, inner, EPOLLIN, 2));
	pthread_create(&t, NULL, epoll_waiter, &w);
	sleep_ms(50);
	EXPECT_EQ(udp_send(a, 7131), 1);
	pthread_join(t, NULL);
	EXPECT_EQ(w.n, 1);
	EXPECT_EQ(w.data, 2);
	usn_close(a);
	usn_close(b);
	usn_close(inner);
	usn_close(outer);
}

/* Two instances watch one socket, a thread blocked in each: who wakes? */
static int waiters_woken(uint32_t flags)
{
	int ep1 = usn_epoll_create1(0), ep2 = usn_epoll_create1(0);
	int a = udp_bound(0), b = udp_bound(7132);
	struct waiter_arg w1 = { .ep = ep1, .timeout = 400 };
	struct waiter_arg w2 = { .ep = ep2, .timeout = 400 };
	pthread_t t1, t2;
	int woken;

	ep_add(ep1, b, EPOLLIN | flags, 1);
	ep_add(ep2, b, EPOLLIN | flags, 2);
	pthread_create(&t1, NULL, epoll_waiter, &w1);
	pthread_create(&t2, NULL, epoll_waiter, &w2);
	sleep_ms(100);
	udp_send(a, 7132);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	woken = (w1.n == 1) + (w2.n == 1);
	usn_close(a);
	usn_close(b);
	usn_close(ep1);
	usn_close(ep2);
	return woken;
}

TEST(exclusive_wakes_one_waiter)
{
	EXPECT_EQ(waiters_woken(0), 2);
	EXPECT_EQ(waiters_woken(EPOLLEXCLUSIVE), 1);
}

TEST(close_while_another_thread_waits)
{
	int ep = usn_epoll_create1(0), b = udp_bound(0);
	struct waiter_arg w = { .ep = ep, .timeout = 200 };
	pthread_t t;

	ASSERT_TRUE(ep >= 0 && b >= 0);
	EXPECT_OK(ep_add(ep, b, EPOLLIN, 1));
	pthread_create(&t, NULL, epoll_waiter, &w);
	sleep_ms(50);
	/* The waiter keeps its reference, as on Linux: it times out. */
	EXPECT_OK(usn_close(b));
	EXPECT_OK(usn_close(ep));
	pthread_join(t, NULL);
	EXPECT_EQ(w.n, 0);
}
