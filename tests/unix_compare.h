/* SPDX-License-Identifier: MIT */
/*
 * unix_compare.h - the kernel and usnet behind one table of calls, for
 * the AF_UNIX tests that run the same steps on both (unix_test.c,
 * unix_oob_test.c): each run logs every result, SAME_AS_KERNEL compares.
 */
#ifndef USN_TESTS_UNIX_COMPARE_H
#define USN_TESTS_UNIX_COMPARE_H

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "test.h"

/* ---- the two implementations behind one table ----------------------------------- */

struct api {
	const char *name;
	char tag;	/* in path names, so both runs use names of one length */
	int (*socket)(int, int, int);
	int (*socketpair)(int, int, int, int[2]);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*close)(int);
	int (*shutdown)(int, int);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*ioctl)(int, unsigned long, void *);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*unlink)(const char *);
};

static inline int k_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static inline int u_ioctl(int fd, unsigned long req, void *arg)
{
	return usn_ioctl(fd, req, arg);
}

static const struct api kapi = {
	"kernel", 'k', socket, socketpair, bind, connect, listen, accept4,
	send, sendto, recv, recvfrom, sendmsg, recvmsg, close, shutdown,
	getsockname, getpeername, setsockopt, getsockopt, k_ioctl, poll, unlink,
};

static const struct api uapi = {
	"usnet", 'u', usn_socket, usn_socketpair, usn_bind, usn_connect,
	usn_listen, usn_accept4, usn_send, usn_sendto, usn_recv, usn_recvfrom,
	usn_sendmsg, usn_recvmsg, usn_close, usn_shutdown, usn_getsockname,
	usn_getpeername, usn_setsockopt, usn_getsockopt, u_ioctl, usn_poll,
	usn_unlink,
};

/* The log of one run: "what=value" or "what=-1:ERRNO", one per step. */
struct run {
	const struct api *a;
	char log[8192];
	size_t len;
};

static inline void note(struct run *r, const char *what, long long v)
{
	int e = errno;

	if (v == -1)
		r->len += (size_t)snprintf(r->log + r->len, sizeof(r->log) - r->len,
					   "%s=-1:%s\n", what, strerrorname_np(e));
	else
		r->len += (size_t)snprintf(r->log + r->len, sizeof(r->log) - r->len,
					   "%s=%lld\n", what, v);
	if (r->len >= sizeof(r->log))
		r->len = sizeof(r->log) - 1;
}

static inline void notef(struct run *r, long long v, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	note(r, what, v);
}

/* Runs @fn on the kernel and on usnet and compares the logs. */
#define SAME_AS_KERNEL(fn)						\
	do {								\
		static struct run k, u;					\
		memset(&k, 0, sizeof(k));				\
		memset(&u, 0, sizeof(u));				\
		k.a = &kapi;						\
		u.a = &uapi;						\
		fn(&k);							\
		fn(&u);							\
		if (strcmp(k.log, u.log)) {				\
			printf("kernel:\n%s\nusnet:\n%s\n", k.log, u.log); \
			TEST_FAIL_AT("usnet and the kernel disagree");	\
		}							\
	} while (0)

static inline socklen_t path_addr(struct run *r, struct sockaddr_un *sun, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "/tmp/usnet-ux%c-%d-%s",
		 r->a->tag, (int)getpid(), name);
	r->a->unlink(sun->sun_path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			   strlen(sun->sun_path) + 1);
}

static inline socklen_t abstract_addr(struct run *r, struct sockaddr_un *sun, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "usnet-ux%c-%d-%s",
		 r->a->tag, (int)getpid(), name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(sun->sun_path + 1));
}

#endif
