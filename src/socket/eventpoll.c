/* SPDX-License-Identifier: MIT */
/*
 * eventpoll.c - epoll instances, after the kernel's fs/eventpoll.c.
 *
 * An epoll instance (struct eventpoll) is the private data of a file of its
 * own, installed at a real kernel descriptor like a socket. Each watched
 * (file, fd) pair is an epitem, found by a hash; when it is added, the
 * target's poll is called with a poll table whose queue proc hooks an
 * eppoll_entry with a callback (ep_poll_callback) on every wait queue the
 * target sleeps on. A wake-up on that queue, under the target's own lock,
 * then moves the item to the instance's ready list and wakes the threads in
 * epoll_wait: epoll_wait only re-polls the items on the ready list, never
 * the whole set. Level-triggered items go back on the list after they are
 * reported; edge-triggered ones wait for the next wake-up; one-shot ones are
 * disabled until EPOLL_CTL_MOD.
 *
 * An epoll file is pollable itself (readable while an item is ready), so
 * it can sit in poll() or in another epoll instance, up to EP_MAX_NESTS
 * levels and never in a loop (ELOOP).
 *
 * Locks, outermost first:
 *   epmutex      changes to the graph of nested instances, and releasing a
 *                watched file (so an item is never freed twice)
 *   ep->mtx      the instance's item set (ctl, collecting events); an
 *                instance inside another is locked after its parent
 *   namespace    the lock of a watched socket, taken to poll it or to take
 *                an entry off its wait queue
 *   ep->lock     the ready list and the instance's own two wait queues;
 *                taken by the callback, under the lock of the queue woken
 *                (a socket's namespace, or the ep->lock of an instance
 *                inside this one)
 *   ep_flist_lock  every file's chain of items watching it (f_ep)
 *
 * Items hold no reference to their file: the file's last fput() takes its
 * items out of every set first (eventpoll_release), as in Linux, so an item
 * of a dup()ed descriptor keeps reporting after the fd it was added by is
 * closed, and only the last close removes it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/sysinfo.h>
#include "net/exec.h"
#include "net/net.h"
#include "net/usnet.h"
#include "socket/eventpoll.h"
#include "socket/file.h"
#include "socket/poll.h"
#include "socket/security.h"
#include "socket/sys.h"

/* Flags that are not events: a disabled one-shot item keeps only these. */
#define EP_PRIVATE_BITS	(EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EPOLLINOUT_BITS	(EPOLLIN | EPOLLOUT)
#define EPOLLEXCLUSIVE_OK_BITS	(EPOLLINOUT_BITS | EPOLLERR | EPOLLHUP | \
				 EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define EP_MAX_EVENTS	(INT_MAX / (int)sizeof(struct epoll_event))
#define EP_HASH_MIN	16
#define CAP_BLOCK_SUSPEND	36
/* What an item costs the kernel, for its default fs.epoll.max_user_watches. */
#define EP_ITEM_COST	200

/* One wait queue an item is hooked on. */
struct eppoll_entry {
	struct eppoll_entry	*next;
	struct epitem		*base;
	struct wait_queue_entry	wait;
	struct wait_queue_head	*whead;
	struct usn_net		*net;	/* guards @whead when it has no lock */
};

struct epitem {
	struct hlist_node	hnode;		/* ep->hash */
	struct list_head	link;		/* ep->items */
	struct list_head	rdllink;	/* ep->rdllist while ready */
	struct epitem		*fl_next;	/* file->f_ep */
	struct epitem		**fl_pprev;
	struct eventpoll	*ep;
	struct file		*file;
	int			fd;
	int			nwait;		/* queues hooked; -1: out of memory */
	struct eppoll_entry	*pwqlist;
	struct epoll_event	event;
};

struct eventpoll {
	pthread_mutex_t		mtx;
	pthread_mutex_t		lock;
	struct wait_queue_head	wq;		/* threads in epoll_wait */
	struct wait_queue_head	poll_wait;	/* poll() or a parent on this file */
	struct list_head	rdllist;
	struct list_head	items;
	struct hlist_head	*hash;
	unsigned int		hash_size;
	unsigned int		nitems;
	struct file		*file;
	/* loop checks (under epmutex) */
	uint64_t		gen;
	int			down_depth;
	uint64_t		up_gen;
	int			up_depth;
};

/* The poll table of an item being added: its queue proc knows the item. */
struct ep_pqueue {
	struct poll_table_struct pt;
	struct epitem		*epi;
};

static pthread_mutex_t epmutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ep_flist_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t loop_check_gen;			/* under epmutex */
static struct eventpoll *inserting_into;	/* under epmutex */
static atomic_long ep_user_watches;
static long ep_max_user_watches;
static pthread_once_t ep_once = PTHREAD_ONCE_INIT;

static unsigned int ep_eventpoll_poll(struct file *file,
				      struct poll_table_struct *pt);
static void ep_eventpoll_release(struct file *file);

static const struct file_operations eventpoll_fops = {
	.poll		= ep_eventpoll_poll,
	.release	= ep_eventpoll_release,
};

bool is_file_epoll(const struct file *file)
{
	return file->f_op == &eventpoll_fops;
}

/*
 * The limit on watches is the kernel's: this machine's
 * fs.epoll.max_user_watches, or the kernel's default formula (4% of memory
 * at the cost of an item) where /proc does not tell.
 */
static void ep_limits_init(void)
{
	FILE *f = fopen("/proc/sys/fs/epoll/max_user_watches", "re");
	struct sysinfo si;
	long v = 0;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	if (v <= 0 && sysinfo(&si) == 0)
		v = (long)(((uint64_t)si.totalram * si.mem_unit / 25) / EP_ITEM_COST);
	ep_max_user_watches = v > 0 ? v : LONG_MAX;
}

/* ---- the item set ---------------------------------------------------------- */

static unsigned int ep_hash(const struct eventpoll *ep, const struct file *file,
			    int fd)
{
	uint64_t h = ((uintptr_t)file >> 4) * 0x9e3779b97f4a7c15ULL ^ (uint32_t)fd;

	return (unsigned int)(h ^ (h >> 29)) & (ep->hash_size - 1);
}

static struct epitem *ep_find(struct eventpoll *ep, struct file *file, int fd)
{
	struct epitem *epi;

	hlist_for_each_entry(epi, &ep->hash[ep_hash(ep, file, fd)], hnode)
		if (epi->file == file && epi->fd == fd)
			return epi;
	return NULL;
}

/* Doubles the hash when it is full; the set works on if memory is short. */
static void ep_hash_grow(struct eventpoll *ep)
{
	struct hlist_head *nh;
	struct epitem *epi;
	unsigned int size = ep->hash_size * 2;

	if (ep->nitems < ep->hash_size)
		return;
	nh = calloc(size, sizeof(*nh));
	if (!nh)
		return;
	free(ep->hash);
	ep->hash = nh;
	ep->hash_size = size;
	list_for_each_entry(epi, &ep->items, link) {
		INIT_HLIST_NODE(&epi->hnode);
		hlist_add_head(&epi->hnode, &ep->hash[ep_hash(ep, epi->file, epi->fd)]);
	}
}

static void ep_flist_add(struct epitem *epi)
{
	struct file *file = epi->file;

	pthread_mutex_lock(&ep_flist_lock);
	epi->fl_next = file->f_ep;
	if (file->f_ep)
		file->f_ep->fl_pprev = &epi->fl_next;
	epi->fl_pprev = &file->f_ep;
	__atomic_store_n(&file->f_ep, epi, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ep_flist_lock);
}

static void ep_flist_del(struct epitem *epi)
{
	pthread_mutex_lock(&ep_flist_lock);
	if (epi->fl_next)
		epi->fl_next->fl_pprev = epi->fl_pprev;
	__atomic_store_n(epi->fl_pprev, epi->fl_next, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ep_flist_lock);
}

/* ---- readiness reaching the ready list -------------------------------------- */

/* Queues @epi as ready and wakes whoever waits on @ep (ep->lock held). */
static void ep_make_ready(struct eventpoll *ep, struct epitem *epi)
{
	if (list_empty(&epi->rdllink))
		list_add_tail(&epi->rdllink, &ep->rdllist);
	if (wq_has_sleeper(&ep->wq))
		wake_up(&ep->wq);
	/*
	 * The key is EPOLLIN alone, as Linux's: a parent instance whose item
	 * on this file asks only EPOLLRDNORM (or poll() asking only
	 * POLLRDNORM) is not woken, though polling the file would say
	 * EPOLLIN | EPOLLRDNORM.
	 */
	if (wq_has_sleeper(&ep->poll_wait))
		wake_up_poll(&ep->poll_wait, EPOLLIN);
}

/*
 * The wake-up callback of every queue an item is hooked on; runs under
 * that queue's lock. Returns whether it counts as having woken someone,
 * which for an EPOLLEXCLUSIVE item ends the walk over the queue.
 */
static int ep_poll_callback(struct wait_queue_entry *wait, unsigned int events)
{
	struct eppoll_entry *pwq = container_of(wait, struct eppoll_entry, wait);
	struct epitem *epi = pwq->base;
	struct eventpoll *ep = epi->ep;
	int ewake = 0;

	pthread_mutex_lock(&ep->lock);
	/* A one-shot item that fired is disabled until EPOLL_CTL_MOD. */
	if (!(epi->event.events & ~EP_PRIVATE_BITS))
		goto out;
	if (events && !(events & epi->event.events))
		goto out;
	if (wq_has_sleeper(&ep->wq) && (epi->event.events & EPOLLEXCLUSIVE)) {
		switch (events & EPOLLINOUT_BITS) {
		case EPOLLIN:
			ewake = !!(epi->event.events & EPOLLIN);
			break;
		case EPOLLOUT:
			ewake = !!(epi->event.events & EPOLLOUT);
			break;
		case 0:
			ewake = 1;
			break;
		}
	}
	ep_make_ready(ep, epi);
out:
	if (!(epi->event.events & EPOLLEXCLUSIVE))
		ewake = 1;
	pthread_mutex_unlock(&ep->lock);
	return ewake;
}

/* The queue proc of an item being added: hooks it on @whead. */
static void ep_ptable_queue_proc(struct file *file, struct wait_queue_head *whead,
				 struct poll_table_struct *pt)
{
	struct ep_pqueue *epq = container_of(pt, struct ep_pqueue, pt);
	struct epitem *epi = epq->epi;
	struct eppoll_entry *pwq;

	(void)file;
	if (epi->nwait < 0)
		return;
	pwq = calloc(1, sizeof(*pwq));
	if (!pwq) {
		epi->nwait = -1;
		return;
	}
	init_waitqueue_func_entry(&pwq->wait, ep_poll_callback);
	pwq->whead = whead;
	pwq->base = epi;
	pwq->net = pt->cur_net;
	if (epi->event.events & EPOLLEXCLUSIVE)
		add_wait_queue_exclusive(whead, &pwq->wait);
	else
		add_wait_queue(whead, &pwq->wait);
	pwq->next = epi->pwqlist;
	epi->pwqlist = pwq;
	epi->nwait++;
}

/*
 * The item's events now; hooks it on the target's queues when @pt is set.
 * ep->mtx held, which every change of epi->event holds too.
 */
static unsigned int ep_item_poll(struct epitem *epi, struct poll_table_struct *pt)
{
	/*
	 * The events asked for, as the kernel's pt->_key: a poll that skips
	 * costly work nobody asked for (unix_dgram_poll's writability) must
	 * see EPOLLOUT here, or an item added writable is never reported.
	 */
	if (pt)
		pt->events = epi->event.events;
	return vfs_poll(epi->file, pt) & epi->event.events;
}

static void ep_unregister_pollwait(struct epitem *epi)
{
	struct eppoll_entry *pwq;

	while ((pwq = epi->pwqlist)) {
		epi->pwqlist = pwq->next;
		wq_unhook(pwq->whead, &pwq->wait, pwq->net);
		free(pwq);
	}
}

/* ---- insert, modify, remove (ep->mtx held) ---------------------------------- */

static void ep_remove(struct eventpoll *ep, struct epitem *epi)
{
	/* Off every queue first: no callback can run on it after this. */
	ep_unregister_pollwait(epi);
	ep_flist_del(epi);
	hlist_del_init(&epi->hnode);
	list_del(&epi->link);
	ep->nitems--;
	pthread_mutex_lock(&ep->lock);
	if (!list_empty(&epi->rdllink))
		list_del_init(&epi->rdllink);
	pthread_mutex_unlock(&ep->lock);
	free(epi);
	atomic_fetch_sub(&ep_user_watches, 1);
}

static int ep_insert(struct eventpoll *ep, const struct epoll_event *event,
		     struct file *tfile, int fd)
{
	struct ep_pqueue epq = { .pt.qproc = ep_ptable_queue_proc };
	struct epitem *epi;
	unsigned int revents;

	if (atomic_fetch_add(&ep_user_watches, 1) >= ep_max_user_watches) {
		atomic_fetch_sub(&ep_user_watches, 1);
		return -ENOSPC;
	}
	epi = calloc(1, sizeof(*epi));
	if (!epi) {
		atomic_fetch_sub(&ep_user_watches, 1);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&epi->rdllink);
	INIT_HLIST_NODE(&epi->hnode);
	epi->ep = ep;
	epi->file = tfile;
	epi->fd = fd;
	epi->event = *event;
	ep_flist_add(epi);
	ep_hash_grow(ep);
	hlist_add_head(&epi->hnode, &ep->hash[ep_hash(ep, tfile, fd)]);
	list_add_tail(&epi->link, &ep->items);
	ep->nitems++;

	epq.epi = epi;
	revents = ep_item_poll(epi, &epq.pt);
	if (epi->nwait < 0) {
		ep_remove(ep, epi);
		return -ENOMEM;
	}
	if (revents) {
		pthread_mutex_lock(&ep->lock);
		ep_make_ready(ep, epi);
		pthread_mutex_unlock(&ep->lock);
	}
	return 0;
}

static void ep_modify(struct eventpoll *ep, struct epitem *epi,
		      const struct epoll_event *event)
{
	pthread_mutex_lock(&ep->lock);
	epi->event = *event;
	pthread_mutex_unlock(&ep->lock);
	/*
	 * Ready now: queue it, since no wake-up may come (a one-shot item
	 * re-armed on a socket that has been readable all along).
	 */
	if (ep_item_poll(epi, NULL)) {
		pthread_mutex_lock(&ep->lock);
		ep_make_ready(ep, epi);
		pthread_mutex_unlock(&ep->lock);
	}
}

/* ---- collecting events (ep->mtx held) --------------------------------------- */

static int ep_send_events(struct eventpoll *ep, struct epoll_event *events,
			  int maxevents)
{
	LIST_HEAD(txlist);
	struct epitem *epi;
	unsigned int revents;
	int res = 0;

	pthread_mutex_lock(&ep->lock);
	list_splice_init(&ep->rdllist, &txlist);
	pthread_mutex_unlock(&ep->lock);

	while (!list_empty(&txlist) && res < maxevents) {
		epi = list_first_entry(&txlist, struct epitem, rdllink);
		/* Off the list before the poll: a wake-up from now on re-queues it. */
		pthread_mutex_lock(&ep->lock);
		list_del_init(&epi->rdllink);
		pthread_mutex_unlock(&ep->lock);
		revents = ep_item_poll(epi, NULL);
		if (!revents)
			continue;
		if (!events) {
			/* Nowhere to copy it (Linux's EFAULT): it stays ready. */
			pthread_mutex_lock(&ep->lock);
			if (list_empty(&epi->rdllink))
				list_add(&epi->rdllink, &txlist);
			pthread_mutex_unlock(&ep->lock);
			res = -EFAULT;
			break;
		}
		events[res].events = revents;
		events[res].data = epi->event.data;
		res++;
		pthread_mutex_lock(&ep->lock);
		if (epi->event.events & EPOLLONESHOT)
			epi->event.events &= EP_PRIVATE_BITS;
		else if (!(epi->event.events & EPOLLET) && list_empty(&epi->rdllink))
			/* Level-triggered: asked again by the next epoll_wait. */
			list_add_tail(&epi->rdllink, &ep->rdllist);
		pthread_mutex_unlock(&ep->lock);
	}

	pthread_mutex_lock(&ep->lock);
	/* Not reached for want of room: first in line next time. */
	list_splice(&txlist, &ep->rdllist);
	if (!list_empty(&ep->rdllist) && wq_has_sleeper(&ep->wq))
		wake_up(&ep->wq);	/* another exclusive waiter takes the rest */
	pthread_mutex_unlock(&ep->lock);
	return res;
}

static bool ep_events_available(struct eventpoll *ep)
{
	bool avail;

	pthread_mutex_lock(&ep->lock);
	avail = !list_empty(&ep->rdllist);
	pthread_mutex_unlock(&ep->lock);
	return avail;
}

/* An epoll file is readable while one of its ready items really is. */
static unsigned int ep_eventpoll_poll(struct file *file,
				      struct poll_table_struct *pt)
{
	struct eventpoll *ep = file->private_data;
	struct epitem *epi, *tmp;
	unsigned int res = 0;
	LIST_HEAD(txlist);

	if (pt) {
		pthread_mutex_lock(&ep->lock);
		poll_wait(file, &ep->poll_wait, pt);
		pthread_mutex_unlock(&ep->lock);
	}
	pthread_mutex_lock(&ep->mtx);
	pthread_mutex_lock(&ep->lock);
	list_splice_init(&ep->rdllist, &txlist);
	pthread_mutex_unlock(&ep->lock);
	list_for_each_entry_safe(epi, tmp, &txlist, rdllink) {
		if (ep_item_poll(epi, NULL)) {
			res = EPOLLIN | EPOLLRDNORM;
			break;
		}
		/* Stale (an edge already reported): it needs a new wake-up. */
		pthread_mutex_lock(&ep->lock);
		list_del_init(&epi->rdllink);
		pthread_mutex_unlock(&ep->lock);
	}
	pthread_mutex_lock(&ep->lock);
	list_splice(&txlist, &ep->rdllist);
	pthread_mutex_unlock(&ep->lock);
	pthread_mutex_unlock(&ep->mtx);
	return res;
}

void ep_drive_nets(struct file *file, struct usn_net **drive, unsigned int *n,
		   unsigned int max)
{
	struct eventpoll *ep = file->private_data;
	struct epitem *epi;

	pthread_mutex_lock(&ep->mtx);
	list_for_each_entry(epi, &ep->items, link)
		file_drive_nets(epi->file, drive, n, max);
	pthread_mutex_unlock(&ep->mtx);
}

/* ---- nesting: loops and depth (epmutex held) ------------------------------- */

/*
 * How many levels of instances lie below @ep, or EP_MAX_NESTS + 1 when the
 * instance being inserted into is among them (a loop).
 */
static int ep_loop_check_down(struct eventpoll *ep, int depth)
{
	struct epitem *epi;
	int result = 0;

	if (ep->gen == loop_check_gen)
		return ep->down_depth;
	pthread_mutex_lock(&ep->mtx);
	ep->gen = loop_check_gen;
	list_for_each_entry(epi, &ep->items, link) {
		struct eventpoll *child;

		if (!is_file_epoll(epi->file))
			continue;
		child = epi->file->private_data;
		if (child == inserting_into || depth > EP_MAX_NESTS)
			result = EP_MAX_NESTS + 1;
		else
			result = max_t(int, result,
				       ep_loop_check_down(child, depth + 1) + 1);
		if (result > EP_MAX_NESTS)
			break;
	}
	ep->down_depth = result;
	pthread_mutex_unlock(&ep->mtx);
	return result;
}

/* How many levels of instances hold @ep (ep_flist_lock held). */
static int ep_loop_check_up(struct eventpoll *ep)
{
	struct epitem *epi;
	int result = 0;

	if (ep->up_gen == loop_check_gen)
		return ep->up_depth;
	ep->up_gen = loop_check_gen;
	for (epi = ep->file->f_ep; epi; epi = epi->fl_next)
		result = max_t(int, result, ep_loop_check_up(epi->ep) + 1);
	ep->up_depth = result;
	return result;
}

/* 0 if @to may go into @ep: no loop, and no chain longer than allowed. */
static int ep_loop_check(struct eventpoll *ep, struct eventpoll *to)
{
	int down, up;

	loop_check_gen++;
	inserting_into = ep;
	down = ep_loop_check_down(to, 0);
	if (down > EP_MAX_NESTS)
		return -ELOOP;
	pthread_mutex_lock(&ep_flist_lock);
	up = ep_loop_check_up(ep);
	pthread_mutex_unlock(&ep_flist_lock);
	return down + 1 + up > EP_MAX_NESTS ? -ELOOP : 0;
}

/* ---- life cycle --------------------------------------------------------------- */

static struct eventpoll *ep_alloc(void)
{
	struct eventpoll *ep = calloc(1, sizeof(*ep));

	if (!ep)
		return NULL;
	ep->hash_size = EP_HASH_MIN;
	ep->hash = calloc(ep->hash_size, sizeof(*ep->hash));
	if (!ep->hash) {
		free(ep);
		return NULL;
	}
	pthread_mutex_init(&ep->mtx, NULL);
	pthread_mutex_init(&ep->lock, NULL);
	init_waitqueue_head(&ep->wq);
	init_waitqueue_head(&ep->poll_wait);
	ep->wq.lock = &ep->lock;
	ep->poll_wait.lock = &ep->lock;
	INIT_LIST_HEAD(&ep->rdllist);
	INIT_LIST_HEAD(&ep->items);
	return ep;
}

static void ep_free(struct eventpoll *ep)
{
	pthread_mutex_destroy(&ep->lock);
	pthread_mutex_destroy(&ep->mtx);
	free(ep->hash);
	free(ep);
}

/* The epoll file's last reference: every item goes, then the instance. */
static void ep_eventpoll_release(struct file *file)
{
	struct eventpoll *ep = file->private_data;

	pthread_mutex_lock(&epmutex);
	pthread_mutex_lock(&ep->mtx);
	while (!list_empty(&ep->items))
		ep_remove(ep, list_first_entry(&ep->items, struct epitem, link));
	pthread_mutex_unlock(&ep->mtx);
	pthread_mutex_unlock(&epmutex);
	ep_free(ep);
}

void eventpoll_release(struct file *file)
{
	struct epitem *epi;

	/* Nobody can add an item to a file that has no reference left. */
	if (!__atomic_load_n(&file->f_ep, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&epmutex);
	for (;;) {
		struct eventpoll *ep;

		pthread_mutex_lock(&ep_flist_lock);
		epi = file->f_ep;
		pthread_mutex_unlock(&ep_flist_lock);
		if (!epi)
			break;
		/* The instance lives: freeing it needs epmutex. */
		ep = epi->ep;
		pthread_mutex_lock(&ep->mtx);
		ep_remove(ep, epi);
		pthread_mutex_unlock(&ep->mtx);
	}
	pthread_mutex_unlock(&epmutex);
}

/* ---- the system calls ---------------------------------------------------------- */

static long do_epoll_create(int flags)
{
	struct eventpoll *ep;
	struct file *file;
	int fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	pthread_once(&ep_once, ep_limits_init);
	ep = ep_alloc();
	if (!ep)
		return -ENOMEM;
	file = file_alloc_anon(&eventpoll_fops, ep, 0);
	if (!file) {
		ep_free(ep);
		return -ENOMEM;
	}
	ep->file = file;
	fd = fd_install_new(file, flags & EPOLL_CLOEXEC, -1, -1);
	if (fd < 0) {
		file_free(file);
		ep_free(ep);
	}
	return fd;
}

/* EBADF for a number that is not open; other kernel files cannot be polled. */
static int ep_foreign_errno(int fd, int open_err)
{
	return fd_not_ours_errno(fd) == -EBADF ? -EBADF : open_err;
}

static long do_epoll_ctl(int epfd, int op, int fd, const struct epoll_event *event)
{
	struct file *file, *tf = NULL;
	struct epoll_event epds = { 0 };
	struct eventpoll *ep;
	struct epitem *epi;
	bool full_check = false;
	long err;

	if (op != EPOLL_CTL_DEL) {
		if (!event)
			return -EFAULT;
		epds = *event;
	}
	file = fget(epfd);
	if (!file && fd_not_ours_errno(epfd) == -EBADF)
		return -EBADF;
	tf = fget(fd);
	if (!tf) {
		err = ep_foreign_errno(fd, -EPERM);
		goto out_fput;
	}
	/* Without CAP_BLOCK_SUSPEND, EPOLLWAKEUP is dropped without a word. */
	if (op != EPOLL_CTL_DEL && (epds.events & EPOLLWAKEUP) &&
	    !ns_capable(net_current(), CAP_BLOCK_SUSPEND))
		epds.events &= ~(unsigned int)EPOLLWAKEUP;

	err = -EINVAL;
	if (!file || file == tf || !is_file_epoll(file))
		goto out_fput;
	if (op != EPOLL_CTL_DEL && (epds.events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			goto out_fput;
		if (op == EPOLL_CTL_ADD && (is_file_epoll(tf) ||
					    (epds.events & ~EPOLLEXCLUSIVE_OK_BITS)))
			goto out_fput;
	}
	ep = file->private_data;

	if (op == EPOLL_CTL_ADD && is_file_epoll(tf)) {
		pthread_mutex_lock(&epmutex);
		full_check = true;
		err = ep_loop_check(ep, tf->private_data);
		if (err)
			goto out_unlock;
	}
	pthread_mutex_lock(&ep->mtx);
	epi = ep_find(ep, tf, fd);
	err = -EINVAL;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (epi) {
			err = -EEXIST;
			break;
		}
		epds.events |= EPOLLERR | EPOLLHUP;
		err = ep_insert(ep, &epds, tf, fd);
		break;
	case EPOLL_CTL_DEL:
		if (!epi) {
			err = -ENOENT;
			break;
		}
		ep_remove(ep, epi);
		err = 0;
		break;
	case EPOLL_CTL_MOD:
		if (!epi) {
			err = -ENOENT;
			break;
		}
		/* An exclusive item cannot be modified (EINVAL), as in Linux. */
		if (!(epi->event.events & EPOLLEXCLUSIVE)) {
			epds.events |= EPOLLERR | EPOLLHUP;
			ep_modify(ep, epi, &epds);
			err = 0;
		}
		break;
	}
	pthread_mutex_unlock(&ep->mtx);
out_unlock:
	if (full_check)
		pthread_mutex_unlock(&epmutex);
out_fput:
	if (tf)
		fput(tf);
	if (file)
		fput(file);
	return err;
}

/*
 * Waits for events until @deadline (process clock, ns), or not at all when
 * @nowait; the number of events, or -errno.
 */
static long ep_poll(struct file *file, struct epoll_event *events,
		    int maxevents, uint64_t deadline, bool nowait)
{
	struct eventpoll *ep = file->private_data;
	struct usn_net *drive[POLL_DRIVE_MAX];
	unsigned int ndrive = 0;
	struct wait_queue_entry wait;
	struct usn_waiter *w;
	bool timed_out = nowait;
	int res, err;

	file_drive_nets(file, drive, &ndrive, POLL_DRIVE_MAX);
	w = waiter_current();
	init_wait_entry(&wait, w, ~0u);
	for (;;) {
		if (ep_events_available(ep)) {
			pthread_mutex_lock(&ep->mtx);
			res = ep_send_events(ep, events, maxevents);
			pthread_mutex_unlock(&ep->mtx);
			if (res)
				return res;
		}
		if (timed_out)
			return 0;
		/*
		 * Reset, hook, check, sleep: a wake-up after the reset is not
		 * lost, whichever thread or namespace it comes from.
		 */
		waiter_reset(w);
		pthread_mutex_lock(&ep->lock);
		add_wait_queue_exclusive(&ep->wq, &wait);
		err = list_empty(&ep->rdllist) ? 1 : 0;
		pthread_mutex_unlock(&ep->lock);
		if (err)
			err = waiter_sleep(w, drive, ndrive, deadline);
		pthread_mutex_lock(&ep->lock);
		remove_wait_queue(&wait);
		pthread_mutex_unlock(&ep->lock);
		if (err == -EDEADLK)
			return err;
		if (err == -ETIMEDOUT)
			timed_out = true;	/* one last look, then 0 */
	}
}

static long do_epoll_wait(int epfd, struct epoll_event *events, int maxevents,
			  uint64_t deadline, bool nowait)
{
	struct file *file;
	long r;

	/*
	 * Linux (6.x) looks the descriptor up first: a number not open is
	 * EBADF whatever @maxevents is. A NULL @events fails with EFAULT only
	 * once there is an event to copy.
	 */
	file = fget(epfd);
	if (!file)
		return ep_foreign_errno(epfd, -EINVAL);
	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		r = -EINVAL;
	else if (!is_file_epoll(file))
		r = -EINVAL;
	else
		r = ep_poll(file, events, maxevents, deadline, nowait);
	fput(file);
	return r;
}

static long epoll_wait_ms(int epfd, struct epoll_event *events, int maxevents,
			  int timeout, const sigset_t *sigmask)
{
	uint64_t deadline = poll_deadline_ms(timeout);
	sigset_t old;
	long r;

	r = poll_sigmask_enter(sigmask, &old);
	if (r)
		return r;
	r = do_epoll_wait(epfd, events, maxevents, deadline, timeout == 0);
	poll_sigmask_leave(sigmask, &old);
	return r;
}

__public int usn_epoll_create(int size)
{
	if (size <= 0)
		return (int)syscall_ret(-EINVAL);
	return (int)syscall_ret(do_epoll_create(0));
}

__public int usn_epoll_create1(int flags)
{
	return (int)syscall_ret(do_epoll_create(flags));
}

__public int usn_epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	return (int)syscall_ret(do_epoll_ctl(epfd, op, fd, event));
}

__public int usn_epoll_wait(int epfd, struct epoll_event *events,
			    int maxevents, int timeout)
{
	return (int)syscall_ret(epoll_wait_ms(epfd, events, maxevents, timeout,
					      NULL));
}

__public int usn_epoll_pwait(int epfd, struct epoll_event *events,
			     int maxevents, int timeout, const sigset_t *sigmask)
{
	return (int)syscall_ret(epoll_wait_ms(epfd, events, maxevents, timeout,
					      sigmask));
}

__public int usn_epoll_pwait2(int epfd, struct epoll_event *events,
			      int maxevents, const struct timespec *timeout,
			      const sigset_t *sigmask)
{
	uint64_t deadline;
	sigset_t old;
	bool nowait;
	long r;

	r = poll_wait_enter(timeout, sigmask, &deadline, &nowait, &old);
	if (r)
		return (int)syscall_ret(r);
	r = do_epoll_wait(epfd, events, maxevents, deadline, nowait);
	poll_sigmask_leave(sigmask, &old);
	return (int)syscall_ret(r);
}
