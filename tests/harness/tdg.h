/* SPDX-License-Identifier: MIT */
/* tdg.h - helpers for end-to-end tests on the test family (tests/modules). */
#ifndef USN_TEST_TDG_H
#define USN_TEST_TDG_H

#include <string.h>
#include <time.h>
#include <usnet/usnet.h>
#include "tdgram.h"

static inline struct sockaddr_tdgram tdg_addr(uint32_t port)
{
	struct sockaddr_tdgram a;

	memset(&a, 0, sizeof(a));
	a.std_family = AF_TDGRAM;
	a.std_port = port;
	return a;
}

/* A test-family socket bound to @port (0: any), or -1. */
static inline int tdg_socket(uint32_t port, int flags)
{
	struct sockaddr_tdgram a = tdg_addr(port);
	int fd = usn_socket(AF_TDGRAM, SOCK_DGRAM | flags, 0);

	if (fd >= 0 && usn_bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		usn_close(fd);
		return -1;
	}
	return fd;
}

static inline uint32_t tdg_port(int fd)
{
	struct sockaddr_tdgram a;
	socklen_t len = sizeof(a);

	if (usn_getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return 0;
	return a.std_port;
}

static inline ssize_t tdg_sendto(int fd, uint32_t port, const void *buf, size_t len)
{
	struct sockaddr_tdgram a = tdg_addr(port);

	return usn_sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a));
}

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif
