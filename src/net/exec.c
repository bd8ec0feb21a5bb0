/* SPDX-License-Identifier: MIT */
/*
 * exec.c - running a namespace.
 *
 * The softirq step (net_step) is the same in every mode: run the timers
 * that are due, let each device with frames due hand them up, drain the
 * backlog. What differs is who calls it and how a blocked call sleeps:
 *
 *   threaded   the stack thread loops: step, then epoll_wait on the wake
 *              eventfd and the devices' fds until the next event. API calls
 *              run the backlog they raised themselves when they unlock
 *              (net_unlock, as local_bh_enable runs pending softirqs).
 *   external   the program waits on usn_net_fd() (the same epoll set plus a
 *              timerfd armed for the next event) and calls usn_net_step().
 *   simulated  sim.c steps every namespace and moves the virtual clock.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "core/log.h"
#include "link/netdevice.h"
#include "net/exec.h"
#include "net/net.h"
#include "net/usnet.h"

#define NET_STEP_BUDGET		256
/* epoll data: a device's ifindex (looked up under the lock), or one of these. */
#define EPOLL_TAG_WAKE		UINT64_MAX
#define EPOLL_TAG_TIMER		(UINT64_MAX - 1)

/* ---- the step ---------------------------------------------------------- */

int net_step(struct usn_net *net)
{
	int work;

	net->in_softirq = true;
	work = (int)run_timers(&net->timers, net_jiffies(net));
	run_timers(&net->timers_deferrable, net_jiffies(net));
	work += net_rx_action(net, NET_STEP_BUDGET);
	net->in_softirq = false;
	return work;
}

uint64_t net_next_event(struct usn_net *net)
{
	uint64_t t = timer_next_expiry(&net->timers);
	uint64_t next = t == TIMER_NEVER ? NET_DEADLINE_NONE : jiffies_to_ns(t);
	uint64_t rx = net_next_rx(net);

	return rx < next ? rx : next;
}

static void net_rx_direct_run(void);

void net_unlock(struct usn_net *net)
{
	/* Frames this thread queued to the backlog (loopback) go up now. */
	if (!net->in_softirq && !skb_queue_empty(&net->backlog)) {
		net->in_softirq = true;
		net_rx_action(net, NET_STEP_BUDGET);
		net->in_softirq = false;
	}
	net_clock_drop();
	pthread_mutex_unlock(&net->lock);
	net_rx_direct_run();
}

/* ---- waking the stack thread -------------------------------------------- */

static void wake_fd_write(struct usn_net *net)
{
	uint64_t one = 1;

	if (net->exec.wake_fd >= 0 && write(net->exec.wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, the thread will wake */
	}
}

void net_kick(struct usn_net *net, uint64_t when)
{
	switch (net->mode) {
	case NET_MODE_THREADED:
		/*
		 * sleep_until is the jiffy of the thread's deadline (NEVER while
		 * it is deciding): anything due in or before that jiffy wakes it.
		 */
		if (ns_to_jiffies(when) <= atomic_load(&net->timers.sleep_until))
			wake_fd_write(net);
		break;
	case NET_MODE_EXTERNAL:
		wake_fd_write(net);	/* makes usn_net_fd() readable */
		break;
	case NET_MODE_SIMULATED:
		break;			/* the scheduler asks every namespace */
	}
}

/*
 * ---- receiving on the sending thread ---------------------------------------
 *
 * veth hands a frame to its peer's backlog on the sending CPU, and that
 * CPU's softirq takes it up the peer's stack: no other thread is involved.
 * A memlink frame that is due at once (no delay, rate or reordering) is
 * treated the same way: the peer namespace goes on this thread's list, and
 * once this thread has dropped the sender's lock (two namespace locks are
 * never held together) it takes the peer's lock if it is free and runs its
 * receive. If the lock is busy, the list is full, or this thread already
 * went round NET_DIRECT_ROUNDS times (a reply may queue work back to the
 * first namespace, as a loopback ping-pong in one softirq), the peer's
 * stack thread is kicked as before.
 */
#define NET_DIRECT_MAX		4
#define NET_DIRECT_ROUNDS	8

static __thread struct {
	struct usn_net	*net[NET_DIRECT_MAX];	/* each holds a reference */
	unsigned int	n;
	bool		running;
} rx_direct;

void net_rx_schedule(struct usn_net *from, struct usn_net *net)
{
	unsigned int i;

	if (from == net || from->mode != NET_MODE_THREADED ||
	    net->mode != NET_MODE_THREADED)
		goto out_kick;
	for (i = 0; i < rx_direct.n; i++)
		if (rx_direct.net[i] == net)
			return;
	if (rx_direct.n == NET_DIRECT_MAX)
		goto out_kick;
	rx_direct.net[rx_direct.n++] = get_net(net);
	return;
out_kick:
	net_kick(net, 0);
}

/* Receive only: the peer's stack thread still runs its timers. Locked. */
static void net_rx_direct_one(struct usn_net *net)
{
	net->in_softirq = true;
	net_rx_action(net, NET_STEP_BUDGET);
	net->in_softirq = false;
	/* More than a budget's worth: what is left is the stack thread's. */
	if (net_next_rx(net) <= usn_clock_now())
		net_kick(net, 0);
}

static void net_rx_direct_run(void)
{
	unsigned int rounds = 0;
	struct usn_net *net;

	if (rx_direct.running)
		return;		/* the outer call goes on with the list */
	rx_direct.running = true;
	while (rx_direct.n) {
		net = rx_direct.net[0];
		memmove(rx_direct.net, rx_direct.net + 1,
			--rx_direct.n * sizeof(rx_direct.net[0]));
		if (rounds++ < NET_DIRECT_ROUNDS &&
		    !pthread_mutex_trylock(&net->lock)) {
			net_clock_take(net);
			if (!net->dead)
				net_rx_direct_one(net);
			net_unlock(net);
		} else {
			net_kick(net, 0);
		}
		put_net(net);
	}
	rx_direct.running = false;
}

/* mod_timer() armed a timer due before the stack thread means to wake. */
static void timer_kick(struct timer_base *base)
{
	wake_fd_write(container_of(base, struct usn_net, timers));
}

/* ---- set-up -------------------------------------------------------------- */

int exec_init(struct usn_net *net)
{
	struct epoll_event ev = { .events = EPOLLIN };

	net->exec.epfd = -1;
	net->exec.wake_fd = -1;
	net->exec.timer_fd = -1;
	atomic_store(&net->timers.sleep_until, 0);
	if (net->mode == NET_MODE_SIMULATED)
		return 0;
	net->timers.kick = timer_kick;
	net->exec.epfd = epoll_create1(EPOLL_CLOEXEC);
	net->exec.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (net->exec.epfd < 0 || net->exec.wake_fd < 0)
		return -errno;
	ev.data.u64 = EPOLL_TAG_WAKE;
	if (epoll_ctl(net->exec.epfd, EPOLL_CTL_ADD, net->exec.wake_fd, &ev))
		return -errno;
	if (net->mode == NET_MODE_EXTERNAL) {
		net->exec.timer_fd = timerfd_create(CLOCK_MONOTONIC,
						    TFD_NONBLOCK | TFD_CLOEXEC);
		if (net->exec.timer_fd < 0)
			return -errno;
		ev.data.u64 = EPOLL_TAG_TIMER;
		if (epoll_ctl(net->exec.epfd, EPOLL_CTL_ADD, net->exec.timer_fd, &ev))
			return -errno;
	}
	return 0;
}

int exec_watch_fd(struct usn_net *net, struct net_device *dev, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN,
				  .data.u64 = (uint64_t)dev->ifindex };

	if (net->exec.epfd < 0)
		return -EOPNOTSUPP;	/* simulated: no kernel fds on a virtual clock */
	if (epoll_ctl(net->exec.epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		      dev->rx_fd, &ev))
		return -errno;
	if (on)
		wake_fd_write(net);
	return 0;
}

/*
 * Reads the epoll set (namespace locked): marks readable devices, clears the
 * wake counters. Devices are found by ifindex, since one may have been
 * unregistered between the wait and the lock.
 */
static void exec_collect(struct usn_net *net, struct epoll_event *ev, int n)
{
	struct net_device *dev;
	uint64_t v;

	for (int i = 0; i < n; i++) {
		uint64_t tag = ev[i].data.u64;

		if (tag == EPOLL_TAG_WAKE) {
			if (read(net->exec.wake_fd, &v, sizeof(v)) < 0) {
				/* EAGAIN: already drained */
			}
		} else if (tag == EPOLL_TAG_TIMER) {
			if (read(net->exec.timer_fd, &v, sizeof(v)) < 0) {
				/* EAGAIN: already drained */
			}
		} else {
			dev = dev_get_by_index(net, (int)tag);
			if (dev && dev->rx_fd >= 0)
				dev->rx_ready = true;
		}
	}
}

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
}

/*
 * epoll_wait with a nanosecond timeout (epoll_pwait2, Linux 5.11); where the
 * kernel or a tool such as valgrind lacks it, milliseconds rounded up.
 */
static int epoll_wait_ns(int epfd, struct epoll_event *ev, int n,
			 const struct timespec *ts)
{
	static atomic_bool no_pwait2;
	int timeout_ms;
	int r;

	if (!atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
		r = epoll_pwait2(epfd, ev, n, ts, NULL);
		if (r >= 0 || errno != ENOSYS)
			return r;
		atomic_store(&no_pwait2, true);
	}
	timeout_ms = !ts ? -1 :
		     (int)min_t(uint64_t, (uint64_t)ts->tv_sec * 1000 +
				((uint64_t)ts->tv_nsec + 999999) / 1000000, INT32_MAX);
	return epoll_wait(epfd, ev, n, timeout_ms);
}

static void *stack_thread(void *arg)
{
	struct usn_net *net = arg;
	struct epoll_event ev[16];
	struct timespec ts, *tsp;
	uint64_t next, now;
	int n;

	net_lock(net);
	while (!net->exec.stop) {
		net_clock_take(net);	/* each pass is a new tick */
		net_step(net);
		/*
		 * From here until the deadline is stored, any kick must wake us:
		 * a peer may queue a frame after net_next_event() looked.
		 */
		atomic_store(&net->timers.sleep_until, TIMER_NEVER);
		next = net_next_event(net);
		now = usn_clock_now();
		if (next <= now) {
			atomic_store(&net->timers.sleep_until, 0);
			continue;
		}
		atomic_store(&net->timers.sleep_until,
			     next == NET_DEADLINE_NONE ? TIMER_NEVER : ns_to_jiffies(next));
		net_clock_drop();
		pthread_mutex_unlock(&net->lock);
		net_rx_direct_run();
		tsp = NULL;
		if (next != NET_DEADLINE_NONE) {
			ns_to_timespec(next - now, &ts);
			tsp = &ts;
		}
		n = epoll_wait_ns(net->exec.epfd, ev, ARRAY_SIZE(ev), tsp);
		net_lock(net);
		atomic_store(&net->timers.sleep_until, 0);
		if (n > 0)
			exec_collect(net, ev, n);
	}
	net_clock_drop();
	pthread_mutex_unlock(&net->lock);
	net_rx_direct_run();
	return NULL;
}

int exec_start(struct usn_net *net)
{
	sigset_t all, old;
	int err;

	if (net->mode != NET_MODE_THREADED)
		return 0;
	/*
	 * The stack thread blocks every signal (it inherits the mask it is
	 * created with): a signal sent to the process, such as the SIGURG of
	 * F_SETOWN or a program's SIGINT, must reach the program's threads,
	 * never be taken, and for SIGURG ignored, by a thread of the library.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&net->exec.thread, NULL, stack_thread, net);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	net->exec.thread_running = true;
	return 0;
}

void exec_stop(struct usn_net *net)
{
	if (!net->exec.thread_running)
		return;
	net_lock(net);
	net->exec.stop = true;
	net_clock_drop();
	pthread_mutex_unlock(&net->lock);
	wake_fd_write(net);
	pthread_join(net->exec.thread, NULL);
	net->exec.thread_running = false;
}

void exec_free(struct usn_net *net)
{
	exec_stop(net);
	if (net->exec.timer_fd >= 0)
		close(net->exec.timer_fd);
	if (net->exec.wake_fd >= 0)
		close(net->exec.wake_fd);
	if (net->exec.epfd >= 0)
		close(net->exec.epfd);
}

/* ---- external mode -------------------------------------------------------- */

/* Arms the timerfd for the namespace's next event (namespace locked). */
static void external_arm(struct usn_net *net)
{
	struct itimerspec its = { 0 };
	uint64_t next = net_next_event(net);

	if (next != NET_DEADLINE_NONE) {
		/* An absolute time of 0 would disarm: fire at once as 1 ns. */
		ns_to_timespec(next ? next : 1, &its.it_value);
	}
	timerfd_settime(net->exec.timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int external_step(struct usn_net *net)
{
	struct epoll_event ev[16];
	int n, work;

	n = epoll_wait(net->exec.epfd, ev, ARRAY_SIZE(ev), 0);
	net_lock(net);
	if (n > 0)
		exec_collect(net, ev, n);
	work = net_step(net);
	external_arm(net);
	net_unlock(net);
	return work;
}

__public int usn_net_fd(struct usn_net *net)
{
	if (!net || net->mode != NET_MODE_EXTERNAL) {
		errno = EINVAL;
		return -1;
	}
	return net->exec.epfd;
}

__public int usn_net_step(struct usn_net *net)
{
	if (!net || net->mode != NET_MODE_EXTERNAL) {
		errno = EINVAL;
		return -1;
	}
	return external_step(net);
}

__public int usn_net_timeout(struct usn_net *net)
{
	uint64_t next, now;

	if (!net) {
		errno = EINVAL;
		return -1;
	}
	net_lock(net);
	next = net_next_event(net);
	net_unlock(net);
	if (next == NET_DEADLINE_NONE)
		return -1;
	now = net_now(net);
	if (next <= now)
		return 0;
	return (int)min_t(uint64_t, (next - now + 999999) / 1000000, INT32_MAX);
}

/* ---- sleeping ---------------------------------------------------------------- */

static int sleep_threaded(struct usn_waiter *w, uint64_t deadline)
{
	struct timespec ts;
	int err = 0;

	pthread_mutex_lock(&w->lock);
	while (!w->woken && !err) {
		if (deadline == NET_DEADLINE_NONE) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		ns_to_timespec(deadline, &ts);
		err = pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	err = w->woken ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&w->lock);
	return err;
}

static int sleep_simulated(struct usn_waiter *w, uint64_t deadline)
{
	int err;

	while (!__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE)) {
		if (sim_now() >= deadline)
			return -ETIMEDOUT;
		err = sim_run_once(deadline);
		if (err < 0)
			return err;
	}
	return 0;
}

/* External mode: run the namespaces this thread drives until woken. */
static int sleep_external(struct usn_waiter *w, struct usn_net *const *drive,
			  unsigned int ndrive, uint64_t deadline)
{
	struct pollfd pfd[9];
	unsigned int n = min_t(unsigned int, ndrive, ARRAY_SIZE(pfd) - 1);
	uint64_t now, until;
	int timeout;

	pthread_mutex_lock(&w->lock);
	if (w->efd < 0)
		w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->use_efd = w->efd >= 0;
	pthread_mutex_unlock(&w->lock);
	if (w->efd < 0)
		return -errno;
	for (;;) {
		for (unsigned int i = 0; i < n; i++)
			external_step(drive[i]);
		if (__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE))
			break;
		now = usn_clock_now();
		if (now >= deadline)
			break;
		until = deadline;
		for (unsigned int i = 0; i < n; i++) {
			net_lock(drive[i]);
			until = min_t(uint64_t, until, net_next_event(drive[i]));
			net_unlock(drive[i]);
		}
		timeout = until == NET_DEADLINE_NONE ? -1 :
			  until <= now ? 0 :
			  (int)min_t(uint64_t, (until - now + 999999) / 1000000, INT32_MAX);
		pfd[0] = (struct pollfd){ .fd = w->efd, .events = POLLIN };
		for (unsigned int i = 0; i < n; i++)
			pfd[i + 1] = (struct pollfd){ .fd = drive[i]->exec.epfd,
						      .events = POLLIN };
		poll(pfd, n + 1, timeout);
	}
	pthread_mutex_lock(&w->lock);
	w->use_efd = false;
	pthread_mutex_unlock(&w->lock);
	return __atomic_load_n(&w->woken, __ATOMIC_ACQUIRE) ? 0 : -ETIMEDOUT;
}

int waiter_sleep(struct usn_waiter *w, struct usn_net *const *drive,
		 unsigned int ndrive, uint64_t deadline)
{
	if (usn_simulated())
		return sleep_simulated(w, deadline);
	if (ndrive)
		return sleep_external(w, drive, ndrive, deadline);
	return sleep_threaded(w, deadline);
}

int net_wait(struct usn_net *net, struct usn_waiter *w, uint64_t deadline)
{
	bool external = net->mode == NET_MODE_EXTERNAL;
	int err;

	net_unlock(net);
	err = waiter_sleep(w, &net, external ? 1 : 0, deadline);
	net_lock(net);
	return err;
}
