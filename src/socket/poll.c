/* SPDX-License-Identifier: MIT */
/*
 * poll.c - usn_poll() and usn_ppoll(), after fs/select.c: ask each file's
 * poll for its readiness, registering this thread's waiter on every
 * queue on the first pass; if nothing is ready, sleep until a wake-up or
 * the timeout, then ask again. Files may be sockets in different
 * namespaces or epoll instances.
 *
 * Only usnet descriptors can be polled here for now: any other fd reports
 * POLLNVAL (docs/readiness.md tells how kernel fds would join).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "net/exec.h"
#include "net/net.h"
#include "net/usnet.h"
#include "socket/eventpoll.h"
#include "socket/file.h"
#include "socket/poll.h"
#include "socket/sock.h"
#include "socket/sys.h"

#define POLL_ENTRIES_PER_FD	2

void poll_wait(struct file *file, struct wait_queue_head *wq,
	       struct poll_table_struct *pt)
{
	struct wait_queue_entry *e;

	if (!pt || !wq)
		return;
	if (pt->qproc) {
		pt->qproc(file, wq, pt);
		return;
	}
	if (pt->nr >= pt->max)
		return;
	pt->entry_net[pt->nr] = pt->cur_net;
	pt->entry_wq[pt->nr] = wq;
	e = &pt->entries[pt->nr++];
	init_wait_entry(e, pt->waiter, pt->events | POLLERR | POLLHUP);
	add_wait_queue(wq, e);
}

void wq_unhook(struct wait_queue_head *wq, struct wait_queue_entry *e,
	       struct usn_net *net)
{
	if (wq->lock) {
		pthread_mutex_lock(wq->lock);
		remove_wait_queue(e);
		pthread_mutex_unlock(wq->lock);
		return;
	}
	net_lock(net);
	remove_wait_queue(e);
	net_unlock(net);
}

void file_drive_nets(struct file *file, struct usn_net **drive,
		     unsigned int *n, unsigned int max)
{
	struct socket *sock = sock_from_file(file);
	unsigned int j;

	if (!sock) {
		if (is_file_epoll(file))
			ep_drive_nets(file, drive, n, max);
		return;
	}
	if (sock->net->mode != NET_MODE_EXTERNAL)
		return;
	for (j = 0; j < *n && drive[j] != sock->net; j++)
		;
	if (j == *n && *n < max)
		drive[(*n)++] = sock->net;
}

struct poll_ctx {
	struct pollfd		*fds;
	nfds_t			nfds;
	struct file		**files;
	struct usn_net		*drive[POLL_DRIVE_MAX];	/* external namespaces to run */
	unsigned int		ndrive;
	unsigned int		always;	/* reported unasked: POLLERR|POLLHUP, or none */
	struct poll_table_struct pt;
};

/* One pass over every fd; registers the waiter when @pt is given. */
static int do_pollfd_pass(struct poll_ctx *c, struct poll_table_struct *pt)
{
	int count = 0;

	for (nfds_t i = 0; i < c->nfds; i++) {
		struct pollfd *p = &c->fds[i];
		struct file *file = c->files[i];
		unsigned int mask;

		p->revents = 0;
		if (p->fd < 0)
			continue;
		if (!file) {
			p->revents = POLLNVAL;
			count++;
			continue;
		}
		if (pt)
			pt->events = (unsigned int)(unsigned short)p->events;
		mask = vfs_poll(file, pt);
		p->revents = (short)(mask & ((unsigned int)(unsigned short)p->events |
					     c->always));
		if (p->revents)
			count++;
	}
	return count;
}

/* Unhooks the waiter from every queue, each under its own lock. */
static void poll_unregister(struct poll_ctx *c)
{
	for (unsigned int i = 0; i < c->pt.nr; i++)
		wq_unhook(c->pt.entry_wq[i], &c->pt.entries[i],
			  c->pt.entry_net[i]);
}

static long do_poll(struct poll_ctx *c, uint64_t deadline, bool timed_out)
{
	int count, err;

	c->pt.waiter = waiter_current();
	waiter_reset(c->pt.waiter);
	count = do_pollfd_pass(c, timed_out ? NULL : &c->pt);
	while (!count && !timed_out) {
		err = waiter_sleep(c->pt.waiter, c->drive, c->ndrive, deadline);
		if (err == -EDEADLK) {
			count = err;
			break;
		}
		timed_out = err == -ETIMEDOUT;
		waiter_reset(c->pt.waiter);
		count = do_pollfd_pass(c, NULL);
	}
	return count;
}

long do_sys_poll(struct pollfd *fds, nfds_t nfds, uint64_t deadline,
		 bool nowait, bool exact)
{
	struct poll_ctx c = { .fds = fds, .nfds = nfds,
			      .always = exact ? 0 : POLLERR | POLLHUP };
	struct rlimit rl;
	size_t n = nfds ? nfds : 1;
	long r = -ENOMEM;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && nfds > rl.rlim_cur)
		return -EINVAL;
	if (nfds && !fds)
		return -EFAULT;
	c.files = calloc(n, sizeof(*c.files));
	c.pt.max = (unsigned int)nfds * POLL_ENTRIES_PER_FD;
	c.pt.entries = calloc(n * POLL_ENTRIES_PER_FD, sizeof(*c.pt.entries));
	c.pt.entry_net = calloc(n * POLL_ENTRIES_PER_FD, sizeof(*c.pt.entry_net));
	c.pt.entry_wq = calloc(n * POLL_ENTRIES_PER_FD, sizeof(*c.pt.entry_wq));
	if (!c.files || !c.pt.entries || !c.pt.entry_net || !c.pt.entry_wq)
		goto out;
	for (nfds_t i = 0; i < nfds; i++) {
		c.files[i] = fds[i].fd >= 0 ? fget(fds[i].fd) : NULL;
		if (c.files[i])
			file_drive_nets(c.files[i], c.drive, &c.ndrive,
					POLL_DRIVE_MAX);
	}
	r = do_poll(&c, deadline, nowait);
	poll_unregister(&c);
	for (nfds_t i = 0; i < nfds; i++)
		if (c.files[i])
			fput(c.files[i]);
out:
	free(c.pt.entry_wq);
	free(c.pt.entry_net);
	free(c.pt.entries);
	free(c.files);
	return r;
}

int poll_deadline(const struct timespec *ts, uint64_t *deadline, bool *nowait)
{
	*deadline = NET_DEADLINE_NONE;
	*nowait = false;
	if (!ts)
		return 0;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
		return -EINVAL;
	if (!ts->tv_sec && !ts->tv_nsec) {
		*nowait = true;
		return 0;
	}
	/* Past ~292 years from now: no deadline at all. */
	if ((uint64_t)ts->tv_sec >= (NET_DEADLINE_NONE - usn_clock_now()) / NSEC_PER_SEC - 1)
		return 0;
	*deadline = usn_clock_now() + (uint64_t)ts->tv_sec * NSEC_PER_SEC +
		    (uint64_t)ts->tv_nsec;
	return 0;
}

uint64_t poll_deadline_ms(int timeout)
{
	if (timeout <= 0)
		return NET_DEADLINE_NONE;
	return usn_clock_now() + (uint64_t)timeout * 1000000ULL;
}

int poll_sigmask_enter(const sigset_t *mask, sigset_t *old)
{
	sigset_t pending;

	if (!mask)
		return 0;
	sigpending(&pending);
	pthread_sigmask(SIG_SETMASK, mask, old);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sigismember(&pending, sig) == 1 && !sigismember(mask, sig)) {
			/* Delivered when the mask went on: the wait is interrupted. */
			pthread_sigmask(SIG_SETMASK, old, NULL);
			return -EINTR;
		}
	}
	return 0;
}

void poll_sigmask_leave(const sigset_t *mask, const sigset_t *old)
{
	if (mask)
		pthread_sigmask(SIG_SETMASK, old, NULL);
}

int poll_wait_enter(const struct timespec *ts, const sigset_t *mask,
		    uint64_t *deadline, bool *nowait, sigset_t *old)
{
	int r = poll_deadline(ts, deadline, nowait);

	return r ? r : poll_sigmask_enter(mask, old);
}

static long sys_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	return do_sys_poll(fds, nfds, poll_deadline_ms(timeout), timeout == 0,
			   false);
}

static long sys_ppoll(struct pollfd *fds, nfds_t nfds,
		      const struct timespec *tsp, const sigset_t *sigmask)
{
	uint64_t deadline;
	sigset_t old;
	bool nowait;
	long r;

	r = poll_wait_enter(tsp, sigmask, &deadline, &nowait, &old);
	if (r)
		return r;
	r = do_sys_poll(fds, nfds, deadline, nowait, false);
	poll_sigmask_leave(sigmask, &old);
	return r;
}

__public int usn_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	return (int)syscall_ret(sys_poll(fds, nfds, timeout));
}

__public int usn_ppoll(struct pollfd *fds, nfds_t nfds,
		       const struct timespec *tmo_p, const sigset_t *sigmask)
{
	return (int)syscall_ret(sys_ppoll(fds, nfds, tmo_p, sigmask));
}
