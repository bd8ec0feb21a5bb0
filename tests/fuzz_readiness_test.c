/* SPDX-License-Identifier: MIT */
/*
 * fuzz_readiness_test.c - epoll, poll and select under random calls,
 * compared with the kernel's.
 *
 * Two worlds in the same state: kernel sockets (a unix stream pair, a
 * unix datagram pair, a connected UDP pair on loopback, an unbound UDP
 * socket, epoll instances) and usnet's of the same kinds. A slot names one
 * object in both worlds; each random call (epoll_create1, epoll_ctl with
 * any op and event bits, epoll_wait, poll, ppoll, select, pselect, a byte
 * sent or read, an instance closed) is made on the kernel's fds and on
 * usnet's, and must give the same return value, errno and reported events.
 * Every wait has timeout 0, so nothing can hang. Every few hundred calls
 * both worlds are torn down and the open descriptors counted.
 *
 * Not compared (the worlds cannot be made equal there; the call is still
 * made on both sides and must not fail in a way Linux never does):
 * - which items an epoll_wait returns when maxevents is smaller than the
 *   ready list (the order of the ready list is the order of wake-ups); the
 *   fuzzer uses a short array only for the errno paths;
 * - EPOLLET items: whether one is reported again depends on which
 *   wake-ups each stack issues (a unix skb freed wakes its writer in
 *   Linux); their events are masked out of the comparison.
 * - an epoll instance as a file (in poll, select, or an item of another
 *   instance) when an EPOLLET item lies below it, for the same reason
 *   (af_unix's data-ready wake-up has no EPOLLPRI in usnet, so an ET item
 *   asking EPOLLOUT | EPOLLPRI is re-armed by a send in Linux only).
 *
 * Found by this fuzzer and fixed (tests at the end): an item added to an
 * epoll set on a writable unix datagram or seqpacket socket was never
 * reported writable; epoll_wait on a number not open with a bad
 * maxevents was EINVAL where Linux 6.x says EBADF; an instance woke the
 * files polling it with EPOLLIN | EPOLLRDNORM where Linux's key is EPOLLIN
 * alone, so an outer instance whose item asks only EPOLLRDNORM saw it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "fuzz.h"
#include "sim.h"
#include "test.h"

enum {
	S_USTREAM0, S_USTREAM1,	/* unix stream pair */
	S_UDGRAM0, S_UDGRAM1,	/* unix datagram pair */
	S_UDP0, S_UDP1,		/* connected UDP pair on 127.0.0.1 */
	S_UDPLONE,		/* unbound UDP socket */
	S_EP0, S_EP1, S_EP2,	/* epoll instances (may be closed) */
	S_CLOSED,		/* a number open in neither world */
	S_NEG,			/* -1 */
	S_MAX
};

#define CLOSED_FD	1000	/* below FD_SETSIZE, for select */
#define QMAX		4	/* datagrams queued at most per socket */

struct world {
	int	fd[S_MAX];
	bool	usn;		/* usnet's calls, or the kernel's */
};

static struct world kw = { .usn = false }, uw = { .usn = true };
static int queued[S_MAX];	/* what each socket has to read */
static bool et[3][S_MAX];	/* EPOLLET items of each instance */
static bool item[3][S_MAX];	/* every item of each instance */
static int failures;
static unsigned long calls, errs;

/* ---- the two worlds, call by call ------------------------------------- */

static int w_close(struct world *w, int fd)
{
	return w->usn ? usn_close(fd) : close(fd);
}

static int w_epoll_create1(struct world *w, int flags)
{
	return w->usn ? usn_epoll_create1(flags) : epoll_create1(flags);
}

static int w_epoll_ctl(struct world *w, int ep, int op, int fd,
		       struct epoll_event *ev)
{
	return w->usn ? usn_epoll_ctl(ep, op, fd, ev) :
			epoll_ctl(ep, op, fd, ev);
}

static int w_poll(struct world *w, struct pollfd *p, nfds_t n)
{
	return w->usn ? usn_poll(p, n, 0) : poll(p, n, 0);
}

static int w_ppoll(struct world *w, struct pollfd *p, nfds_t n,
		   const struct timespec *ts)
{
	return w->usn ? usn_ppoll(p, n, ts, NULL) : ppoll(p, n, ts, NULL);
}

static int w_select(struct world *w, int n, fd_set *r, fd_set *wr,
		    fd_set *e, struct timeval *tv)
{
	return w->usn ? usn_select(n, r, wr, e, tv) : select(n, r, wr, e, tv);
}

static int w_pselect(struct world *w, int n, fd_set *r, fd_set *wr,
		     fd_set *e, const struct timespec *ts)
{
	return w->usn ? usn_pselect(n, r, wr, e, ts, NULL) :
			pselect(n, r, wr, e, ts, NULL);
}

static ssize_t w_send(struct world *w, int fd)
{
	return w->usn ? usn_send(fd, "x", 1, MSG_DONTWAIT) :
			send(fd, "x", 1, MSG_DONTWAIT);
}

static ssize_t w_recv(struct world *w, int fd)
{
	char c;

	return w->usn ? usn_recv(fd, &c, 1, MSG_DONTWAIT) :
			recv(fd, &c, 1, MSG_DONTWAIT);
}

/* Open descriptors, usnet's and the kernel's. */
static int count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 4096; fd++)
		if (usn_fd_owned(fd) || fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* ---- building and tearing down ---------------------------------------- */

static int udp_pair(struct world *w, int *a, int *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_in sb = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int (*sock)(int, int, int) = w->usn ? usn_socket : socket;
	int (*bnd)(int, const struct sockaddr *, socklen_t) =
		w->usn ? usn_bind : bind;
	int (*con)(int, const struct sockaddr *, socklen_t) =
		w->usn ? usn_connect : connect;
	int (*name)(int, struct sockaddr *, socklen_t *) =
		w->usn ? usn_getsockname : getsockname;

	*a = sock(AF_INET, SOCK_DGRAM, 0);
	*b = sock(AF_INET, SOCK_DGRAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sb.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (*a < 0 || *b < 0 || bnd(*a, (void *)&sa, sizeof(sa)) ||
	    bnd(*b, (void *)&sb, sizeof(sb)) ||
	    name(*a, (void *)&sa, &len) || name(*b, (void *)&sb, &len) ||
	    con(*a, (void *)&sb, sizeof(sb)) ||
	    con(*b, (void *)&sa, sizeof(sa)))
		return -1;
	return 0;
}

static void build(struct world *w)
{
	int (*pair)(int, int, int, int *) =
		w->usn ? usn_socketpair : socketpair;

	ASSERT_TRUE(pair(AF_UNIX, SOCK_STREAM, 0, &w->fd[S_USTREAM0]) == 0);
	ASSERT_TRUE(pair(AF_UNIX, SOCK_DGRAM, 0, &w->fd[S_UDGRAM0]) == 0);
	ASSERT_TRUE(udp_pair(w, &w->fd[S_UDP0], &w->fd[S_UDP1]) == 0);
	w->fd[S_UDPLONE] = w->usn ? usn_socket(AF_INET, SOCK_DGRAM, 0) :
				    socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(w->fd[S_UDPLONE] >= 0);
	for (int s = S_EP0; s <= S_EP2; s++) {
		w->fd[s] = w_epoll_create1(w, 0);
		ASSERT_TRUE(w->fd[s] >= 0);
	}
	w->fd[S_CLOSED] = CLOSED_FD;
	w->fd[S_NEG] = -1;
}

static void teardown(struct world *w)
{
	for (int s = 0; s < S_CLOSED; s++) {
		if (w->fd[s] >= 0)
			w_close(w, w->fd[s]);
		w->fd[s] = -1;
	}
}

/* ---- comparing -------------------------------------------------------- */

static void fail(unsigned long it, const char *what, long kret, int kerr,
		 long uret, int uerr)
{
	if (failures++ < 10)
		TEST_FAIL_AT("iteration %lu: %s: kernel %ld (%s), usnet %ld (%s)",
			     it, what, kret, kret < 0 ? strerrorname_np(kerr) :
			     "-", uret, uret < 0 ? strerrorname_np(uerr) : "-");
}

/* Same success or same errno; @exact: the same value on success too. */
static bool same(unsigned long it, const char *what, long kret, int kerr,
		 long uret, int uerr, bool exact)
{
	calls++;
	if (getenv("USNET_FUZZ_TRACE"))
		fprintf(stderr, "%lu %s: %ld %s | %ld %s\n", it, what, kret,
			kret < 0 ? strerrorname_np(kerr) : "", uret,
			uret < 0 ? strerrorname_np(uerr) : "");
	if (kret < 0)
		errs++;
	if ((kret < 0) != (uret < 0) || (kret < 0 && kerr != uerr) ||
	    (exact && kret != uret)) {
		fail(it, what, kret, kerr, uret, uerr);
		return false;
	}
	return true;
}

#define BOTH(it, what, exact, call)					\
	({								\
		long __k, __u;						\
		int __ke, __ue;						\
		struct world *w;					\
		w = &kw;						\
		errno = 0;						\
		__k = (call);						\
		__ke = errno;						\
		w = &uw;						\
		errno = 0;						\
		__u = (call);						\
		__ue = errno;						\
		same(it, what, __k, __ke, __u, __ue, exact) ? __k : LONG_MIN; \
	})

/* ---- the random calls ------------------------------------------------- */

static int pick_slot(struct fuzz_rng *r)
{
	return (int)fuzz_below(r, S_MAX);
}

static int pick_ep(struct fuzz_rng *r)
{
	/* Mostly an epoll instance; sometimes anything. */
	return fuzz_below(r, 6) ? S_EP0 + (int)fuzz_below(r, 3) : pick_slot(r);
}

static uint32_t pick_events(struct fuzz_rng *r)
{
	static const uint32_t bits[] = {
		EPOLLIN, EPOLLOUT, EPOLLPRI, EPOLLERR, EPOLLHUP, EPOLLRDHUP,
		EPOLLRDNORM, EPOLLWRNORM, EPOLLET, EPOLLONESHOT,
		EPOLLEXCLUSIVE, EPOLLWAKEUP, 1u << 20, 1u << 26,
	};
	uint32_t ev = 0;

	if (fuzz_below(r, 16) == 0)
		return fuzz_value(r);
	for (int k = (int)fuzz_below(r, 4); k >= 0; k--)
		ev |= bits[fuzz_below(r, ARRAY_LEN(bits))];
	return ev;
}

static int ep_index(int slot)
{
	return slot >= S_EP0 && slot <= S_EP2 ? slot - S_EP0 : -1;
}

static void do_epoll_ctl(struct fuzz_rng *r, unsigned long it)
{
	static const int ops[] = { EPOLL_CTL_ADD, EPOLL_CTL_ADD, EPOLL_CTL_MOD,
				   EPOLL_CTL_DEL, 0, 4, -1 };
	int eps = pick_ep(r), fds = pick_slot(r);
	int op = ops[fuzz_below(r, ARRAY_LEN(ops))];
	struct epoll_event ev = { .events = pick_events(r), .data.u64 = fds };
	struct epoll_event *evp = fuzz_below(r, 20) ? &ev : NULL;
	char what[96];
	long ret;

	snprintf(what, sizeof(what), "epoll_ctl(slot %d, op %d, slot %d, %s%#x)",
		 eps, op, fds, evp ? "" : "NULL ", ev.events);
	ret = BOTH(it, what, true, w_epoll_ctl(w, w->fd[eps], op, w->fd[fds],
					       evp));
	if (ret == 0 && ep_index(eps) >= 0 && fds < S_MAX) {
		if (op == EPOLL_CTL_DEL)
			et[ep_index(eps)][fds] = false;
		else
			et[ep_index(eps)][fds] = ev.events & EPOLLET;
		item[ep_index(eps)][fds] = op != EPOLL_CTL_DEL;
	}
}

/*
 * Whether epoll instance @slot, or one nested in it, has an EPOLLET item:
 * the instance as a file is then readable when that item's last wake-up
 * made it so, which the two stacks need not agree on (see the header).
 */
static bool ep_feeds_on_et(int slot, int depth)
{
	int e = ep_index(slot);

	if (e < 0 || depth > 3)	/* no loops: ELOOP keeps the graph a tree */
		return false;
	for (int s = 0; s < S_MAX; s++)
		if (et[e][s] || (item[e][s] && ep_feeds_on_et(s, depth + 1)))
			return true;
	return false;
}

/*
 * Whether the readiness of @slot as a file (in poll, select or another
 * instance) is compared: always for a socket, for an epoll instance unless
 * an edge-triggered item lies below it.
 */
static bool nested_compared(int slot)
{
	return !ep_feeds_on_et(slot, 0);
}

static bool ep_has_et(int slot)
{
	int e = ep_index(slot);

	for (int s = 0; e >= 0 && s < S_MAX; s++)
		if (et[e][s] || (item[e][s] && !nested_compared(s)))
			return true;
	return false;
}

/* The events of @n reported, without those of EPOLLET items: how many. */
static int drop_et(int slot, struct epoll_event *ev, int n)
{
	int e = ep_index(slot), k = 0;

	for (int i = 0; i < n; i++)
		if (ev[i].data.u64 >= S_MAX ||
		    (!et[e][ev[i].data.u64] &&
		     nested_compared((int)ev[i].data.u64)))
			ev[k++] = ev[i];
	return k;
}

static int cmp_event(const void *a, const void *b)
{
	const struct epoll_event *x = a, *y = b;

	return x->data.u64 < y->data.u64 ? -1 : x->data.u64 > y->data.u64;
}

static void do_epoll_wait(struct fuzz_rng *r, unsigned long it)
{
	static const int bad[] = { 0, -1, INT_MAX / 12 + 1, INT_MAX, INT_MIN };
	struct epoll_event kev[S_MAX + 1], uev[S_MAX + 1];
	int eps = pick_ep(r), max = (int)ARRAY_LEN(kev), k, kn, un, ke, ue;
	bool null = fuzz_below(r, 30) == 0;
	char what[64];

	if (fuzz_below(r, 10) == 0)
		max = bad[fuzz_below(r, ARRAY_LEN(bad))];
	snprintf(what, sizeof(what), "epoll_wait(slot %d, %s, %d, 0)", eps,
		 null ? "NULL" : "events", max);
	memset(kev, 0, sizeof(kev));
	memset(uev, 0, sizeof(uev));
	errno = 0;
	kn = epoll_wait(kw.fd[eps], null ? NULL : kev, max, 0);
	ke = errno;
	errno = 0;
	un = usn_epoll_wait(uw.fd[eps], null ? NULL : uev, max, 0);
	ue = errno;
	if (!same(it, what, kn, ke, un, ue, !ep_has_et(eps))) {
		for (int i = 0; getenv("USNET_FUZZ_VERBOSE") && i < S_MAX; i++)
			fprintf(stderr, "    %llu %#x | %llu %#x\n",
				(unsigned long long)kev[i].data.u64,
				kev[i].events,
				(unsigned long long)uev[i].data.u64,
				uev[i].events);
		return;
	}
	if (kn <= 0 || null || ep_index(eps) < 0)
		return;
	kn = drop_et(eps, kev, kn);
	un = drop_et(eps, uev, un);
	qsort(kev, (size_t)kn, sizeof(kev[0]), cmp_event);
	qsort(uev, (size_t)un, sizeof(uev[0]), cmp_event);
	for (k = 0; k < kn || k < un; k++) {
		if (k < kn && k < un && kev[k].data.u64 == uev[k].data.u64 &&
		    kev[k].events == uev[k].events)
			continue;
		for (int i = 0; getenv("USNET_FUZZ_VERBOSE") && i < S_MAX; i++)
			fprintf(stderr, "    %llu %#x | %llu %#x\n",
				(unsigned long long)kev[i].data.u64,
				kev[i].events,
				(unsigned long long)uev[i].data.u64,
				uev[i].events);
		fail(it, what, kn, 0, un, 0);
		return;
	}
}

static void do_poll(struct fuzz_rng *r, unsigned long it)
{
	struct pollfd kp[6], up[6];
	int slot[6], n = (int)fuzz_below(r, 6) + 1;
	struct timespec ts = { 0, 0 };
	bool pp = fuzz_below(r, 2), null = fuzz_below(r, 40) == 0, exact = true;
	char what[64];
	long ret;

	for (int i = 0; i < n; i++) {
		short ev = fuzz_below(r, 4) ? POLLIN | POLLOUT : 0;

		if (fuzz_below(r, 3) == 0)
			ev = (short)fuzz_value(r);
		slot[i] = pick_slot(r);
		kp[i] = (struct pollfd){ kw.fd[slot[i]], ev, 0x5a5a };
		up[i] = (struct pollfd){ uw.fd[slot[i]], ev, 0x5a5a };
	}
	if (pp && fuzz_below(r, 6) == 0) {
		static const struct timespec bad[] = {
			{ -1, 0 }, { 0, -1 }, { 0, 1000000000 },
			{ 1, LONG_MAX },
		};

		ts = bad[fuzz_below(r, ARRAY_LEN(bad))];
	}
	snprintf(what, sizeof(what), "%s(%d fds%s, {%ld, %ld})",
		 pp ? "ppoll" : "poll", n, null ? " NULL" : "",
		 (long)ts.tv_sec, ts.tv_nsec);
	for (int i = 0; i < n; i++)
		exact &= nested_compared(slot[i]);
	ret = BOTH(it, what, exact,
		   pp ? w_ppoll(w, null ? NULL : w->usn ? up : kp,
				(nfds_t)n, &ts) :
			w_poll(w, null ? NULL : w->usn ? up : kp, (nfds_t)n));
	if (ret == LONG_MIN && getenv("USNET_FUZZ_VERBOSE"))
		for (int i = 0; i < n; i++)
			fprintf(stderr, "    slot %d events %#hx: %#hx | %#hx\n",
				slot[i], kp[i].events, kp[i].revents,
				up[i].revents);
	if (ret < 0 || null)
		return;
	for (int i = 0; i < n; i++) {
		if (kp[i].revents != up[i].revents &&
		    nested_compared(slot[i])) {
			char item[200];

			snprintf(item, sizeof(item),
				 "%s: slot %d events %#hx: revents %#hx, usnet %#hx",
				 what, slot[i], kp[i].events, kp[i].revents,
				 up[i].revents);
			fail(it, item, 0, 0, 0, 0);
			return;
		}
	}
}

static void do_select(struct fuzz_rng *r, unsigned long it)
{
	fd_set ks[3], us[3];
	int picked[S_MAX] = { 0 }, kn = 0, un = 0;
	struct timeval tv = { 0, 0 };
	struct timespec ts = { 0, 0 };
	bool ps = fuzz_below(r, 2), bad = fuzz_below(r, 8) == 0, exact = true;
	char what[64];
	long ret;

	for (int i = 0; i < 3; i++) {
		FD_ZERO(&ks[i]);
		FD_ZERO(&us[i]);
	}
	for (int k = (int)fuzz_below(r, 5); k >= 0; k--) {
		int s = pick_slot(r), set = (int)fuzz_below(r, 3);

		if (kw.fd[s] < 0 || uw.fd[s] < 0)
			continue;	/* -1 cannot be in a set */
		FD_SET(kw.fd[s], &ks[set]);
		FD_SET(uw.fd[s], &us[set]);
		picked[s] |= 1 << set;
		if (kw.fd[s] >= kn)
			kn = kw.fd[s] + 1;
		if (uw.fd[s] >= un)
			un = uw.fd[s] + 1;
	}
	if (bad) {
		/* A negative count, or a negative timeout. */
		if (fuzz_below(r, 2))
			kn = un = -(int)fuzz_below(r, 3) - 1;
		else if (ps)
			ts.tv_nsec = fuzz_below(r, 2) ? -1 : 1000000000;
		else
			tv.tv_sec = -1;
	}
	snprintf(what, sizeof(what), "%s(%d/%d, {%ld, %ld})",
		 ps ? "pselect" : "select", kn, un,
		 ps ? (long)ts.tv_sec : (long)tv.tv_sec,
		 ps ? ts.tv_nsec : (long)tv.tv_usec);
	for (int i = 0; i < S_MAX; i++)
		exact &= !picked[i] || nested_compared(i);
	ret = BOTH(it, what, exact,
		   ps ? w_pselect(w, w->usn ? un : kn,
				  w->usn ? &us[0] : &ks[0],
				  w->usn ? &us[1] : &ks[1],
				  w->usn ? &us[2] : &ks[2], &ts) :
			w_select(w, w->usn ? un : kn,
				 w->usn ? &us[0] : &ks[0],
				 w->usn ? &us[1] : &ks[1],
				 w->usn ? &us[2] : &ks[2], &tv));
	if (ret < 0)
		return;
	for (int s = 0; s < S_MAX; s++) {
		for (int set = 0; set < 3; set++) {
			bool kb, ub;

			if (!(picked[s] & (1 << set)) || !nested_compared(s))
				continue;
			kb = FD_ISSET(kw.fd[s], &ks[set]);
			ub = FD_ISSET(uw.fd[s], &us[set]);
			if (kb != ub) {
				char item[160];

				snprintf(item, sizeof(item),
					 "%s: slot %d set %d: kernel %d usnet %d",
					 what, s, set, kb, ub);
				fail(it, item, 0, 0, 0, 0);
				return;
			}
		}
	}
}

static int peer_of(int s)
{
	switch (s) {
	case S_USTREAM0: case S_UDGRAM0: case S_UDP0:
		return s + 1;
	case S_USTREAM1: case S_UDGRAM1: case S_UDP1:
		return s - 1;
	default:
		return -1;
	}
}

/* Let a UDP datagram cross loopback in both worlds. */
static void udp_arrive(int s)
{
	struct pollfd p = { kw.fd[s], POLLIN, 0 };

	poll(&p, 1, 200);
	p.fd = uw.fd[s];
	usn_poll(&p, 1, 200);
}

static void do_data(struct fuzz_rng *r, unsigned long it)
{
	int s = (int)fuzz_below(r, S_UDP1 + 1), p = peer_of(s);
	char what[48];
	long ret;

	if (fuzz_below(r, 2) && queued[p] < QMAX) {
		snprintf(what, sizeof(what), "send(slot %d)", s);
		ret = BOTH(it, what, true, w_send(w, w->fd[s]));
		if (ret == 1) {
			queued[p]++;
			if (s == S_UDP0 || s == S_UDP1)
				udp_arrive(p);
		}
	} else {
		snprintf(what, sizeof(what), "recv(slot %d)", s);
		ret = BOTH(it, what, true, w_recv(w, w->fd[s]));
		if (ret == 1)
			queued[s]--;
	}
}

static void forget_ep(int s)
{
	for (int i = 0; i < 3; i++)
		et[i][s] = item[i][s] = false;
	memset(et[s - S_EP0], 0, sizeof(et[0]));
	memset(item[s - S_EP0], 0, sizeof(item[0]));
}

/* A new instance in slot @s (the old one closed), or the slot closed. */
static void do_epoll_new(struct fuzz_rng *r, unsigned long it)
{
	static const int flags[] = { 0, EPOLL_CLOEXEC, O_NONBLOCK, 1, -1 };
	int s = S_EP0 + (int)fuzz_below(r, 3), flag, size, kfd, ufd, ke, ue;
	bool old = fuzz_below(r, 4) == 0;
	char what[64];

	flag = fuzz_below(r, 4) ? flags[fuzz_below(r, 2)] :
				  flags[fuzz_below(r, ARRAY_LEN(flags))];
	size = fuzz_below(r, 3) ? 1 : (int)fuzz_value(r);
	snprintf(what, sizeof(what), "epoll_create%s(%d) into slot %d",
		 old ? "" : "1", old ? size : flag, s);
	errno = 0;
	kfd = old ? epoll_create(size) : epoll_create1(flag);
	ke = errno;
	errno = 0;
	ufd = old ? usn_epoll_create(size) : usn_epoll_create1(flag);
	ue = errno;
	if (!same(it, what, kfd, ke, ufd, ue, false)) {
		if (kfd >= 0)
			close(kfd);
		if (ufd >= 0)
			usn_close(ufd);
		return;
	}
	if (kfd < 0 && fuzz_below(r, 2))
		return;
	if (kw.fd[s] >= 0) {
		close(kw.fd[s]);
		usn_close(uw.fd[s]);
	}
	/* -1 when the call failed: the slot closed. */
	kw.fd[s] = kfd;
	uw.fd[s] = ufd;
	forget_ep(s);
}

static void round_of_calls(struct fuzz_rng *r, unsigned long first,
			   unsigned long n)
{
	for (unsigned long it = first; it < first + n; it++) {
		switch (fuzz_below(r, 16)) {
		case 0 ... 5:
			do_epoll_ctl(r, it);
			break;
		case 6 ... 8:
			do_epoll_wait(r, it);
			break;
		case 9 ... 10:
			do_poll(r, it);
			break;
		case 11 ... 12:
			do_select(r, it);
			break;
		case 13 ... 14:
			do_data(r, it);
			break;
		default:
			do_epoll_new(r, it);
			break;
		}
		if (failures > 10)
			return;
	}
}

TEST(readiness_calls_answer_as_the_kernel)
{
	unsigned long iters = fuzz_iters(20000), it;
	struct fuzz_rng rng;
	int before;

	test_sim_start(11);
	ASSERT_TRUE(fcntl(CLOSED_FD, F_GETFD) < 0 && !usn_fd_owned(CLOSED_FD));
	/*
	 * Linux's select() ignores bits past the fd table, which grows with
	 * the highest fd open: one open above CLOSED_FD makes the closed
	 * number EBADF there too (usnet clamps to RLIMIT_NOFILE).
	 */
	ASSERT_TRUE(dup2(0, CLOSED_FD + 10) == CLOSED_FD + 10);
	before = count_fds();
	fuzz_seed(&rng, 0x7ead1);
	for (it = 0; it < iters && failures <= 10; it += 400) {
		build(&kw);
		build(&uw);
		memset(queued, 0, sizeof(queued));
		memset(et, 0, sizeof(et));
		memset(item, 0, sizeof(item));
		round_of_calls(&rng, it, 400);
		teardown(&kw);
		teardown(&uw);
		EXPECT_EQ(count_fds(), before);
	}
	printf("# %lu calls compared, %lu of them errors\n", calls, errs);
	EXPECT_EQ(failures, 0);
	EXPECT_EQ(count_fds(), before);
	close(CLOSED_FD + 10);
}

/*
 * Found by the fuzzing: the poll table epoll passes did not carry the
 * events asked for, so unix_dgram_poll skipped writability and an item
 * added on a writable datagram or seqpacket socket was never reported.
 */
TEST(epoll_reports_a_writable_unix_datagram_socket)
{
	static const int types[] = { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM };

	test_sim_start(11);
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = 7 };
		struct epoll_event out[2];
		int sv[2], ep;

		ASSERT_TRUE(usn_socketpair(AF_UNIX, types[i], 0, sv) == 0);
		ep = usn_epoll_create1(0);
		ASSERT_TRUE(ep >= 0);
		EXPECT_EQ(usn_epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev), 0);
		EXPECT_EQ(usn_epoll_wait(ep, out, 2, 0), 1);
		EXPECT_EQ(out[0].events, (uint32_t)EPOLLOUT);
		EXPECT_EQ(out[0].data.u64, 7);
		usn_close(ep);
		usn_close(sv[0]);
		usn_close(sv[1]);
	}
}

/* Found by the fuzzing: Linux 6.x looks epfd up before maxevents. */
TEST(epoll_wait_on_a_closed_number_is_ebadf_whatever_maxevents)
{
	struct epoll_event ev;
	int ep;

	test_sim_start(11);
	ASSERT_TRUE(fcntl(CLOSED_FD, F_GETFD) < 0);
	EXPECT_ERRNO(usn_epoll_wait(CLOSED_FD, &ev, -1, 0), EBADF);
	EXPECT_ERRNO(usn_epoll_wait(-1, &ev, 0, 0), EBADF);
	ep = usn_epoll_create1(0);
	EXPECT_ERRNO(usn_epoll_wait(ep, &ev, -1, 0), EINVAL);
	EXPECT_ERRNO(usn_epoll_wait(ep, &ev, INT_MAX, 0), EINVAL);
	usn_close(ep);
}

/*
 * Found by the fuzzing: an instance becoming ready wakes the files polling
 * it with EPOLLIN alone, so an outer instance whose item on it asks only
 * EPOLLRDNORM is never told, though polling the inner file says
 * EPOLLIN | EPOLLRDNORM. usnet woke with both and reported it.
 */
static void nested_rdnorm_case(struct world *w, int res[4])
{
	struct epoll_event ev = { .events = EPOLLRDNORM }, out[2];
	struct pollfd p;
	int sv[2], outer, inner, outer_in;

	ASSERT_TRUE((w->usn ? usn_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) :
		     socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) == 0);
	outer = w->usn ? usn_epoll_create1(0) : epoll_create1(0);
	inner = w->usn ? usn_epoll_create1(0) : epoll_create1(0);
	outer_in = w->usn ? usn_epoll_create1(0) : epoll_create1(0);
	ASSERT_TRUE(outer >= 0 && inner >= 0 && outer_in >= 0);
	/* Added while the inner instance is empty: only a wake-up can tell. */
	EXPECT_EQ(w_epoll_ctl(w, outer, EPOLL_CTL_ADD, inner, &ev), 0);
	ev.events = EPOLLIN;
	EXPECT_EQ(w_epoll_ctl(w, outer_in, EPOLL_CTL_ADD, inner, &ev), 0);
	ev.events = EPOLLOUT;
	EXPECT_EQ(w_epoll_ctl(w, inner, EPOLL_CTL_ADD, sv[0], &ev), 0);
	res[0] = w->usn ? usn_epoll_wait(outer, out, 2, 0) :
			  epoll_wait(outer, out, 2, 0);
	res[1] = w->usn ? usn_epoll_wait(outer_in, out, 2, 0) :
			  epoll_wait(outer_in, out, 2, 0);
	res[2] = res[1] == 1 ? (int)out[0].events : -1;
	p = (struct pollfd){ .fd = inner, .events = POLLRDNORM };
	res[3] = w_poll(w, &p, 1) == 1 ? p.revents : -1;
	w_close(w, outer);
	w_close(w, outer_in);
	w_close(w, inner);
	w_close(w, sv[0]);
	w_close(w, sv[1]);
}

TEST(an_instance_wakes_its_parents_with_epollin_alone)
{
	int k[4], u[4];

	test_sim_start(11);
	nested_rdnorm_case(&kw, k);
	nested_rdnorm_case(&uw, u);
	EXPECT_EQ(k[0], 0);
	EXPECT_EQ(u[0], 0);
	EXPECT_EQ(k[1], 1);
	EXPECT_EQ(u[1], 1);
	EXPECT_EQ(u[2], k[2]);
	EXPECT_EQ(u[3], k[3]);
	EXPECT_EQ(u[3], POLLRDNORM);
}
