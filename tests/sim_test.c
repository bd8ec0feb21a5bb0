/* SPDX-License-Identifier: MIT */
/*
 * sim_test.c - simulated mode: one thread, a virtual clock. Blocking calls
 * run the scheduler until they can return, timeouts are exact in virtual
 * time, and a call that could never return fails with EDEADLK instead of
 * hanging.
 */
#include <errno.h>
#include <sys/time.h>
#include "sim.h"
#include "tdg.h"
#include "test.h"

static void sim_start(void)
{
	test_sim_start(42);
}

TEST(init_only_once)
{
	struct usn_config cfg;

	sim_start();
	usn_config_init(&cfg);
	EXPECT_ERRNO(usn_init(&cfg), EBUSY);
	EXPECT_ERRNO(usn_init(NULL), EFAULT);
}

TEST(virtual_time_moves_only_when_run)
{
	uint64_t t0;

	sim_start();
	t0 = usn_sim_now();
	EXPECT_EQ(usn_sim_now(), t0);
	EXPECT_OK(usn_sim_run(1500000000ULL));
	EXPECT_EQ(usn_sim_now(), t0 + 1500000000ULL);
	EXPECT_EQ(usn_net_now(usn_net_default()), usn_sim_now());
}

TEST(receive_timeout_is_exact_in_virtual_time)
{
	int fd;
	struct timeval tv = { 2, 500000 };
	uint64_t t0;
	char buf[4];

	sim_start();
	fd = tdg_socket(0, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = usn_sim_now();
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), 0), EAGAIN);
	EXPECT_EQ(usn_sim_now() - t0, 2500000000ULL);
	usn_close(fd);
}

TEST(blocking_forever_on_nothing_is_edeadlk)
{
	int fd;
	struct pollfd p;
	char buf[4];

	sim_start();
	fd = tdg_socket(0, 0);
	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), 0), EDEADLK);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_ERRNO(usn_poll(&p, 1, -1), EDEADLK);
	usn_close(fd);
}

TEST(poll_timeout_is_exact_in_virtual_time)
{
	int fd;
	struct pollfd p;
	uint64_t t0;

	sim_start();
	fd = tdg_socket(0, 0);
	ASSERT_TRUE(fd >= 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	t0 = usn_sim_now();
	EXPECT_EQ(usn_poll(&p, 1, 750), 0);
	EXPECT_EQ(usn_sim_now() - t0, 750000000ULL);
	/* Ready at once: no time passes. */
	EXPECT_EQ(tdg_sendto(fd, tdg_port(fd), "x", 1), 1);
	t0 = usn_sim_now();
	EXPECT_EQ(usn_poll(&p, 1, 750), 1);
	EXPECT_EQ(usn_sim_now(), t0);
	usn_close(fd);
}

TEST(namespaces_share_the_virtual_clock)
{
	struct usn_net *a, *b;

	sim_start();
	a = usn_net_create("a", 0);
	b = usn_net_create("b", 0);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(usn_net_now(a), usn_net_now(b));
	EXPECT_OK(usn_sim_run(1000000));
	EXPECT_EQ(usn_net_now(a), usn_sim_now());
	/* Simulated namespaces are stepped by the simulator, not the program. */
	EXPECT_ERRNO(usn_net_fd(a), EINVAL);
	EXPECT_ERRNO(usn_net_step(a), EINVAL);
	EXPECT_OK(usn_net_destroy(a));
	EXPECT_OK(usn_net_destroy(b));
}
