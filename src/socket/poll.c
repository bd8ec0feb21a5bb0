/* SPDX-License-Identifier: MIT */
/*
 * poll.c - usn_poll(), after fs/select.c: ask each socket's ops->poll for
 * its readiness, registering this thread's waiter on every socket's wait
 * queue on the first pass; if nothing is ready, sleep until a wake-up or
 * the timeout, then ask again. Sockets may be in different namespaces.
 *
 * Only usnet descriptors can be polled here for now: any other fd reports
 * POLLNVAL (mixing kernel fds comes with epoll).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "net/exec.h"
#include "net/net.h"
#include "net/usnet.h"
#include "socket/file.h"
#include "socket/sock.h"
#include "socket/sys.h"

#define POLL_ENTRIES_PER_FD	2

void poll_wait(struct file *file, struct wait_queue_head *wq,
	       struct poll_table_struct *pt)
{
	struct wait_queue_entry *e;

	(void)file;
	if (!pt || !wq || pt->nr >= pt->max)
		return;
	pt->entry_net[pt->nr] = pt->cur_net;
	e = &pt->entries[pt->nr++];
	init_wait_entry(e, pt->waiter, pt->events | POLLERR | POLLHUP);
	add_wait_queue(wq, e);
}

struct poll_ctx {
	struct pollfd		*fds;
	nfds_t			nfds;
	struct file		**files;
	struct usn_net		**drive;	/* external namespaces to run */
	unsigned int		ndrive;
	struct poll_table_struct pt;
};

/* One pass over every fd; registers the waiter when @pt is given. */
static int do_pollfd_pass(struct poll_ctx *c, struct poll_table_struct *pt)
{
	int count = 0;

	for (nfds_t i = 0; i < c->nfds; i++) {
		struct pollfd *p = &c->fds[i];
		struct file *file = c->files[i];
		struct socket *sock;
		unsigned int mask;

		p->revents = 0;
		if (p->fd < 0)
			continue;
		if (!file) {
			p->revents = POLLNVAL;
			count++;
			continue;
		}
		sock = file->sock;
		if (pt) {
			pt->events = (unsigned int)(unsigned short)p->events;
			pt->cur_net = sock->net;
		}
		mask = SOCK_LOCKED(sock, sock->ops->poll(file, sock, pt));
		p->revents = (short)(mask & ((unsigned int)(unsigned short)p->events |
					     POLLERR | POLLHUP | POLLNVAL));
		if (p->revents)
			count++;
	}
	return count;
}

/* Unhooks the waiter from every queue, each under its namespace's lock. */
static void poll_unregister(struct poll_ctx *c)
{
	for (unsigned int i = 0; i < c->pt.nr; i++) {
		struct usn_net *net = c->pt.entry_net[i];

		net_lock(net);
		remove_wait_queue(&c->pt.entries[i]);
		net_unlock(net);
	}
}

static void collect_drive(struct poll_ctx *c)
{
	for (nfds_t i = 0; i < c->nfds; i++) {
		struct usn_net *net;
		unsigned int j;

		if (!c->files[i])
			continue;
		net = c->files[i]->sock->net;
		if (net->mode != NET_MODE_EXTERNAL)
			continue;
		for (j = 0; j < c->ndrive && c->drive[j] != net; j++)
			;
		if (j == c->ndrive)
			c->drive[c->ndrive++] = net;
	}
}

static long do_poll(struct poll_ctx *c, int timeout)
{
	uint64_t deadline = NET_DEADLINE_NONE;
	bool timed_out = timeout == 0;
	int count, err;

	if (timeout > 0)
		deadline = usn_clock_now() + (uint64_t)timeout * 1000000ULL;
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

static long sys_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct poll_ctx c = { .fds = fds, .nfds = nfds };
	struct rlimit rl;
	long r = -ENOMEM;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && nfds > rl.rlim_cur)
		return -EINVAL;
	if (nfds && !fds)
		return -EFAULT;
	c.files = calloc(nfds ? nfds : 1, sizeof(*c.files));
	c.drive = calloc(nfds ? nfds : 1, sizeof(*c.drive));
	c.pt.max = (unsigned int)nfds * POLL_ENTRIES_PER_FD;
	c.pt.entries = calloc(c.pt.max ? c.pt.max : 1, sizeof(*c.pt.entries));
	c.pt.entry_net = calloc(c.pt.max ? c.pt.max : 1, sizeof(*c.pt.entry_net));
	if (!c.files || !c.drive || !c.pt.entries || !c.pt.entry_net)
		goto out;
	for (nfds_t i = 0; i < nfds; i++)
		c.files[i] = fds[i].fd >= 0 ? fget(fds[i].fd) : NULL;
	collect_drive(&c);
	r = do_poll(&c, timeout);
	poll_unregister(&c);
	for (nfds_t i = 0; i < nfds; i++)
		if (c.files[i])
			fput(c.files[i]);
out:
	free(c.pt.entry_net);
	free(c.pt.entries);
	free(c.drive);
	free(c.files);
	return r;
}

__public int usn_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	return (int)syscall_ret(sys_poll(fds, nfds, timeout));
}
