/* SPDX-License-Identifier: MIT */
/*
 * sockopt_test.c - the SOL_SOCKET options: values, clamps, doubling and
 * errno, against fixed expectations and, where the answer does not depend
 * on the kernel's HZ or build, against this machine's kernel itself: the
 * same sequence of calls on a kernel AF_UNIX datagram socket and on a
 * usnet socket must give the same results.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>
#include "tdg.h"
#include "test.h"

static int sock(void)
{
	return usn_socket(AF_TDGRAM, SOCK_DGRAM, 0);
}

static int geti(int fd, int opt)
{
	int v = -12345;
	socklen_t len = sizeof(v);

	if (usn_getsockopt(fd, SOL_SOCKET, opt, &v, &len) < 0)
		return -12345;
	return v;
}

static int seti(int fd, int opt, int v)
{
	return usn_setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
}

TEST(defaults_are_the_kernels)
{
	int fd = sock();
	struct timeval tv = { 9, 9 };
	struct linger l = { 9, 9 };
	socklen_t len = sizeof(tv);

	ASSERT_TRUE(fd >= 0);
	EXPECT_EQ(geti(fd, SO_RCVBUF), 212992);
	EXPECT_EQ(geti(fd, SO_SNDBUF), 212992);
	EXPECT_EQ(geti(fd, SO_RCVLOWAT), 1);
	EXPECT_EQ(geti(fd, SO_SNDLOWAT), 1);	/* fixed: it cannot be set */
	EXPECT_ERRNO(seti(fd, SO_SNDLOWAT, 5), ENOPROTOOPT);
	EXPECT_EQ(geti(fd, SO_REUSEADDR), 0);
	EXPECT_EQ(geti(fd, SO_REUSEPORT), 0);
	EXPECT_EQ(geti(fd, SO_KEEPALIVE), 0);
	EXPECT_EQ(geti(fd, SO_BROADCAST), 0);
	EXPECT_EQ(geti(fd, SO_ACCEPTCONN), 0);
	EXPECT_EQ(geti(fd, SO_ERROR), 0);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
	EXPECT_EQ(len, sizeof(tv));
	EXPECT_EQ(tv.tv_sec, 0);
	EXPECT_EQ(tv.tv_usec, 0);
	len = sizeof(l);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len));
	EXPECT_EQ(l.l_onoff, 0);
	EXPECT_EQ(l.l_linger, 0);
	usn_close(fd);
}

TEST(buffer_sizes_are_doubled_and_clamped)
{
	int fd = sock();

	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(seti(fd, SO_RCVBUF, 0));
	EXPECT_EQ(geti(fd, SO_RCVBUF), 2304);		/* SOCK_MIN_RCVBUF */
	EXPECT_OK(seti(fd, SO_SNDBUF, 1000));
	EXPECT_EQ(geti(fd, SO_SNDBUF), 4608);		/* SOCK_MIN_SNDBUF */
	EXPECT_OK(seti(fd, SO_RCVBUF, 100000));
	EXPECT_EQ(geti(fd, SO_RCVBUF), 200000);
	EXPECT_OK(seti(fd, SO_SNDBUF, 100000));
	EXPECT_EQ(geti(fd, SO_SNDBUF), 200000);
	/* Clamped to net.core.[rw]mem_max (212992) before doubling; -1 is huge. */
	EXPECT_OK(seti(fd, SO_RCVBUF, -1));
	EXPECT_EQ(geti(fd, SO_RCVBUF), 425984);
	EXPECT_OK(seti(fd, SO_SNDBUF, INT_MAX));
	EXPECT_EQ(geti(fd, SO_SNDBUF), 425984);
	EXPECT_OK(usn_sysctl(usn_net_current(), "net.core.rmem_max", NULL, NULL, "1000000"));
	EXPECT_OK(seti(fd, SO_RCVBUF, 1 << 30));
	EXPECT_EQ(geti(fd, SO_RCVBUF), 2000000);
	EXPECT_OK(usn_sysctl(usn_net_current(), "net.core.rmem_max", NULL, NULL, "212992"));
	usn_close(fd);
}

TEST(booleans_and_lowat)
{
	int fd = sock();

	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(seti(fd, SO_REUSEADDR, 5));
	EXPECT_EQ(geti(fd, SO_REUSEADDR), 1);
	EXPECT_OK(seti(fd, SO_KEEPALIVE, 5));
	EXPECT_EQ(geti(fd, SO_KEEPALIVE), 1);
	EXPECT_OK(seti(fd, SO_BROADCAST, -1));
	EXPECT_EQ(geti(fd, SO_BROADCAST), 1);
	EXPECT_OK(seti(fd, SO_BROADCAST, 0));
	EXPECT_EQ(geti(fd, SO_BROADCAST), 0);
	EXPECT_OK(seti(fd, SO_RCVLOWAT, 0));
	EXPECT_EQ(geti(fd, SO_RCVLOWAT), 1);
	EXPECT_OK(seti(fd, SO_RCVLOWAT, -1));
	EXPECT_EQ(geti(fd, SO_RCVLOWAT), INT_MAX);
	EXPECT_OK(seti(fd, SO_RCVLOWAT, 5));
	EXPECT_EQ(geti(fd, SO_RCVLOWAT), 5);
	/* SO_REUSEPORT groups are an inet notion: others may only clear it. */
	EXPECT_ERRNO(seti(fd, SO_REUSEPORT, 1), EOPNOTSUPP);
	EXPECT_OK(seti(fd, SO_REUSEPORT, 0));
	usn_close(fd);
}

TEST(read_only_and_unknown_options)
{
	int fd = sock(), v = 1;
	socklen_t len = sizeof(v);

	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(seti(fd, SO_TYPE, 1), ENOPROTOOPT);
	EXPECT_ERRNO(seti(fd, SO_DOMAIN, 1), ENOPROTOOPT);
	EXPECT_ERRNO(seti(fd, SO_PROTOCOL, 1), ENOPROTOOPT);
	EXPECT_ERRNO(seti(fd, SO_ERROR, 1), ENOPROTOOPT);
	EXPECT_ERRNO(seti(fd, SO_ACCEPTCONN, 1), ENOPROTOOPT);
	EXPECT_ERRNO(seti(fd, 9999, 1), ENOPROTOOPT);
	EXPECT_ERRNO(usn_getsockopt(fd, SOL_SOCKET, 9999, &v, &len), ENOPROTOOPT);
	/* Other levels go to the family, which knows none of these. */
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_TDGRAM, 5, &v, sizeof(v)), ENOPROTOOPT);
	usn_close(fd);
}

TEST(lengths_and_pointers)
{
	int fd = sock(), v = 0x55555555;
	socklen_t len;
	char c = 1;

	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, 3), EINVAL);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &c, 1), EINVAL);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, (socklen_t)-1), EINVAL);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, NULL, 4), EFAULT);
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, 1u << 30));	/* reads 4 */
	len = 2;
	v = 0x55555555;
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));	/* truncated */
	EXPECT_EQ(len, 2);
	EXPECT_EQ(v, 0x55550002);
	len = 0;
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_TYPE, NULL, &len));
	EXPECT_EQ(len, 0);
	len = (socklen_t)-1;
	EXPECT_ERRNO(usn_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len), EINVAL);
	len = 8;
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	EXPECT_EQ(len, 4);
	len = 4;
	EXPECT_ERRNO(usn_getsockopt(fd, SOL_SOCKET, SO_TYPE, NULL, &len), EFAULT);
	EXPECT_ERRNO(usn_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, NULL), EFAULT);
	usn_close(fd);
}

static struct timeval get_tv(int fd, int opt)
{
	struct timeval tv = { -1, -1 };
	socklen_t len = sizeof(tv);

	usn_getsockopt(fd, SOL_SOCKET, opt, &tv, &len);
	return tv;
}

TEST(timeouts_in_jiffies)
{
	int fd = sock();
	struct timeval tv;

	ASSERT_TRUE(fd >= 0);
	tv = (struct timeval){ 1, 1000000 };
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), EDOM);
	tv = (struct timeval){ 1, -1 };
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), EDOM);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, 8), EINVAL);
	/* usnet runs at HZ=1000: 2.000003 s rounds up to 2.001 s. */
	tv = (struct timeval){ 2, 3 };
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	tv = get_tv(fd, SO_RCVTIMEO);
	EXPECT_EQ(tv.tv_sec, 2);
	EXPECT_EQ(tv.tv_usec, 1000);
	tv = (struct timeval){ 0, 250000 };
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv) + 4));
	tv = get_tv(fd, SO_SNDTIMEO);
	EXPECT_EQ(tv.tv_sec, 0);
	EXPECT_EQ(tv.tv_usec, 250000);
	/* A negative time is accepted and means "do not wait", as on Linux. */
	tv = (struct timeval){ -5, 0 };
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	tv = get_tv(fd, SO_RCVTIMEO);
	EXPECT_EQ(tv.tv_sec, 0);
	EXPECT_EQ(tv.tv_usec, 0);
	usn_close(fd);
}

TEST(linger)
{
	int fd = sock();
	struct linger l = { 1, 5 };
	socklen_t len = sizeof(l);

	ASSERT_TRUE(fd >= 0);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, 4), EINVAL);
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	l = (struct linger){ 0, 0 };
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len));
	EXPECT_EQ(l.l_onoff, 1);
	EXPECT_EQ(l.l_linger, 5);
	/* A negative time means forever: MAX_SCHEDULE_TIMEOUT / HZ as an int. */
	l = (struct linger){ 7, -3 };
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len));
	EXPECT_EQ(l.l_onoff, 1);
	EXPECT_EQ(l.l_linger, (int)(LONG_MAX / 1000));
	l = (struct linger){ 0, 9 };
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)));
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len));
	EXPECT_EQ(l.l_onoff, 0);
	usn_close(fd);
}

/*
 * The same calls on a kernel socket and a usnet socket. Each step is
 * (option, value, optlen); the result compared is the return, errno and the
 * value read back. The kernel's rmem_max/wmem_max are copied into usnet's
 * namespace first, since this machine may have tuned them.
 */
struct step {
	int opt;
	int val;
	socklen_t len;
};

static const struct step steps[] = {
	{ SO_RCVBUF, 0, 4 }, { SO_RCVBUF, 1, 4 }, { SO_RCVBUF, 1000, 4 },
	{ SO_RCVBUF, 4096, 4 }, { SO_RCVBUF, 100000, 4 }, { SO_RCVBUF, -1, 4 },
	{ SO_RCVBUF, INT_MAX, 4 }, { SO_RCVBUF, 1, 3 }, { SO_RCVBUF, 1, 8 },
	{ SO_SNDBUF, 0, 4 }, { SO_SNDBUF, 3000, 4 }, { SO_SNDBUF, 300000, 4 },
	{ SO_SNDBUF, -1, 4 }, { SO_REUSEADDR, 7, 4 }, { SO_REUSEADDR, 0, 4 },
	{ SO_KEEPALIVE, 2, 4 }, { SO_BROADCAST, 1, 4 }, { SO_RCVLOWAT, 0, 4 },
	{ SO_RCVLOWAT, -7, 4 }, { SO_RCVLOWAT, 100, 4 }, { SO_REUSEPORT, 1, 4 },
	{ SO_REUSEPORT, 0, 4 }, { SO_TYPE, 1, 4 }, { SO_ERROR, 1, 4 },
	{ SO_ACCEPTCONN, 1, 4 }, { 9999, 1, 4 }, { SO_KEEPALIVE, 1, 1 },
};

static void run_steps(int fd, bool usnet, char *out, size_t outlen)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
		int v = steps[i].val, r, e, got = 0;
		socklen_t len = sizeof(got);

		errno = 0;
		r = usnet ? usn_setsockopt(fd, SOL_SOCKET, steps[i].opt, &v, steps[i].len)
			  : setsockopt(fd, SOL_SOCKET, steps[i].opt, &v, steps[i].len);
		e = errno;
		if (usnet)
			usn_getsockopt(fd, SOL_SOCKET, steps[i].opt, &got, &len);
		else
			getsockopt(fd, SOL_SOCKET, steps[i].opt, &got, &len);
		n += (size_t)snprintf(out + n, outlen - n, "%d:%d/%d/%d->%d ",
				      steps[i].opt, steps[i].val, r, e, got);
	}
}

static int read_proc_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

TEST(same_answers_as_the_kernel)
{
	char kern[4096], usn[4096], val[32];
	int rmem = read_proc_int("/proc/sys/net/core/rmem_max");
	int wmem = read_proc_int("/proc/sys/net/core/wmem_max");
	int kfd = socket(AF_UNIX, SOCK_DGRAM, 0), fd = sock();

	ASSERT_TRUE(kfd >= 0 && fd >= 0 && rmem > 0 && wmem > 0);
	snprintf(val, sizeof(val), "%d", rmem);
	EXPECT_OK(usn_sysctl(usn_net_current(), "net.core.rmem_max", NULL, NULL, val));
	snprintf(val, sizeof(val), "%d", wmem);
	EXPECT_OK(usn_sysctl(usn_net_current(), "net.core.wmem_max", NULL, NULL, val));
	run_steps(kfd, false, kern, sizeof(kern));
	run_steps(fd, true, usn, sizeof(usn));
	if (strcmp(kern, usn)) {
		printf("kernel: %s\nusnet:  %s\n", kern, usn);
		TEST_FAIL_AT("usnet and the kernel disagree");
	}
	EXPECT_OK(usn_sysctl(usn_net_current(), "net.core.rmem_max", NULL, NULL, "212992"));
	EXPECT_OK(usn_sysctl(usn_net_current(), "net.core.wmem_max", NULL, NULL, "212992"));
	close(kfd);
	usn_close(fd);
}
