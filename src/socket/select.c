/* SPDX-License-Identifier: MIT */
/*
 * select.c - usn_select() and usn_pselect(), after fs/select.c: the bits
 * set in the three sets become one poll() over those descriptors, and
 * poll's answer goes back into the sets with the kernel's masks
 * (POLLIN_SET, POLLOUT_SET, POLLEX_SET). Every descriptor named must be an
 * open usnet descriptor (EBADF otherwise, checked before any wait, as the
 * kernel's max_select_fd() does). select() writes the time left back into
 * its timeval, as Linux does; pselect() leaves its timespec alone, as
 * glibc's wrapper does.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include "net/exec.h"
#include "net/net.h"
#include "net/usnet.h"
#include "socket/file.h"
#include "socket/poll.h"
#include "socket/sys.h"

#define POLLIN_SET	(POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET	(POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET	(POLLPRI)
#define BITS_PER_LONG	((int)(sizeof(unsigned long) * CHAR_BIT))

/* The caller's sets as the kernel sees them: arrays of longs, @n bits. */
static bool fds_isset(const fd_set *set, int fd)
{
	const unsigned long *w = (const unsigned long *)(const void *)set;

	return set && (w[fd / BITS_PER_LONG] >> (fd % BITS_PER_LONG)) & 1;
}

static void fds_set(fd_set *set, int fd)
{
	unsigned long *w = (unsigned long *)(void *)set;

	w[fd / BITS_PER_LONG] |= 1UL << (fd % BITS_PER_LONG);
}

static void fds_zero(fd_set *set, int n)
{
	if (set)
		memset(set, 0, (size_t)(n + BITS_PER_LONG - 1) / BITS_PER_LONG *
				sizeof(unsigned long));
}

/* Linux clamps @n to the size of the process's fd table. */
static int select_max_fds(int n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n)
		return (int)rl.rlim_cur;
	return n;
}

static long core_sys_select(int n, fd_set *inp, fd_set *outp, fd_set *exp,
			    uint64_t deadline, bool nowait)
{
	struct pollfd *pfd;
	int nfds = 0, count = 0;
	long r;

	if (n < 0)
		return -EINVAL;
	n = select_max_fds(n);
	for (int fd = 0; fd < n; fd++) {
		if (!fds_isset(inp, fd) && !fds_isset(outp, fd) &&
		    !fds_isset(exp, fd))
			continue;
		if (!usn_fd_owned(fd))
			return -EBADF;
		nfds++;
	}
	pfd = calloc(nfds ? (size_t)nfds : 1, sizeof(*pfd));
	if (!pfd)
		return -ENOMEM;
	nfds = 0;
	for (int fd = 0; fd < n; fd++) {
		/* Exactly what counts for the sets asked: a bare POLLHUP does
		 * not end a wait for writability, as in the kernel. */
		short ev = (short)((fds_isset(inp, fd) ? POLLIN_SET : 0) |
				   (fds_isset(outp, fd) ? POLLOUT_SET : 0) |
				   (fds_isset(exp, fd) ? POLLEX_SET : 0));

		if (ev)
			pfd[nfds++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	r = do_sys_poll(pfd, (nfds_t)nfds, deadline, nowait, true);
	if (r < 0)
		goto out;
	/* Only now are the caller's sets overwritten: an error leaves them. */
	fds_zero(inp, n);
	fds_zero(outp, n);
	fds_zero(exp, n);
	for (int i = 0; i < nfds; i++) {
		unsigned int m = (unsigned short)pfd[i].revents;
		unsigned int asked = (unsigned short)pfd[i].events;

		if ((m & POLLIN_SET) && (asked & POLLIN)) {
			fds_set(inp, pfd[i].fd);
			count++;
		}
		if ((m & POLLOUT_SET) && (asked & POLLOUT)) {
			fds_set(outp, pfd[i].fd);
			count++;
		}
		if ((m & POLLEX_SET) && (asked & POLLPRI)) {
			fds_set(exp, pfd[i].fd);
			count++;
		}
	}
	r = count;
out:
	free(pfd);
	return r;
}

static long sys_select(int n, fd_set *inp, fd_set *outp, fd_set *exp,
		       struct timeval *tvp)
{
	struct timespec ts, *tsp = NULL;
	uint64_t deadline, now;
	bool nowait;
	long r;

	if (tvp) {
		if (tvp->tv_sec < 0 || tvp->tv_usec < 0)
			return -EINVAL;
		/* Linux takes tv_usec past a second as more seconds. */
		ts.tv_sec = tvp->tv_sec + tvp->tv_usec / 1000000;
		ts.tv_nsec = (long)(tvp->tv_usec % 1000000) * 1000;
		tsp = &ts;
	}
	r = poll_deadline(tsp, &deadline, &nowait);
	if (r)
		return r;
	r = core_sys_select(n, inp, outp, exp, deadline, nowait);
	/* The time left goes back to the caller, as Linux writes it. */
	if (tvp && !nowait && deadline != NET_DEADLINE_NONE) {
		now = usn_clock_now();
		now = deadline > now ? deadline - now : 0;
		tvp->tv_sec = (time_t)(now / NSEC_PER_SEC);
		tvp->tv_usec = (suseconds_t)(now % NSEC_PER_SEC / 1000);
	}
	return r;
}

static long sys_pselect(int n, fd_set *inp, fd_set *outp, fd_set *exp,
			const struct timespec *tsp, const sigset_t *sigmask)
{
	uint64_t deadline;
	sigset_t old;
	bool nowait;
	long r;

	r = poll_wait_enter(tsp, sigmask, &deadline, &nowait, &old);
	if (r)
		return r;
	r = core_sys_select(n, inp, outp, exp, deadline, nowait);
	poll_sigmask_leave(sigmask, &old);
	return r;
}

__public int usn_select(int nfds, fd_set *readfds, fd_set *writefds,
			fd_set *exceptfds, struct timeval *timeout)
{
	return (int)syscall_ret(sys_select(nfds, readfds, writefds, exceptfds,
					   timeout));
}

__public int usn_pselect(int nfds, fd_set *readfds, fd_set *writefds,
			 fd_set *exceptfds, const struct timespec *timeout,
			 const sigset_t *sigmask)
{
	return (int)syscall_ret(sys_pselect(nfds, readfds, writefds, exceptfds,
					    timeout, sigmask));
}
