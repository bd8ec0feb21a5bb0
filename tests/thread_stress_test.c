/* SPDX-License-Identifier: MIT */
/*
 * thread_stress_test.c - threaded mode with many threads at once, written
 * for ThreadSanitizer (a USNET_TSAN build, docs/testing.md) as much as for
 * the answers it checks: every case makes threads meet on the paths that
 * cross locks, so that a missing lock or a lock-order inversion shows.
 *
 *   - TCP between two namespaces joined by a lossy memlink: application
 *     threads send and receive while both stack threads receive frames and
 *     run the retransmit and delayed-ACK timers;
 *   - the O_NONBLOCK flag of a file flipped (fcntl, FIONBIO) while other
 *     threads send and receive on it;
 *   - the descriptor table churned by threads creating, duplicating and
 *     closing sockets and epoll instances;
 *   - an epoll set changed (ADD, MOD, DEL) while sockets of two namespaces
 *     fire and a poll() and a select() wait on the same sockets;
 *   - an AF_UNIX stream across two namespaces, both directions at once,
 *     with small send buffers so that both writers block;
 *   - unix connects across namespaces while the listener's namespace has
 *     its sysctls written;
 *   - a sender in an external-mode namespace blocked on a full socket of a
 *     threaded one, woken by the reader's thread.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "test.h"

static struct usn_net *na, *nb;

static size_t min_len(size_t a, size_t b)
{
	return a < b ? a : b;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Two threaded namespaces joined by a memlink: 10.77.0.1 and 10.77.0.2. */
static void pair_setup(const char *tag, double loss)
{
	struct usn_memlink_params p = { .delay_ns = 50000, .loss = loss,
					.seed = 7 };
	struct in_addr a = { htonl(0x0a4d0001) }, b = { htonl(0x0a4d0002) };
	char name[2][16];
	int ifx[2];

	snprintf(name[0], sizeof(name[0]), "%s-a", tag);
	snprintf(name[1], sizeof(name[1]), "%s-b", tag);
	na = usn_net_create(name[0], 0);
	nb = usn_net_create(name[1], 0);
	ASSERT_TRUE(na && nb);
	ASSERT_TRUE(!usn_memlink_create(na, "ml0", nb, "ml0", &p, ifx));
	EXPECT_OK(usn_link_set_up(na, ifx[0], 1));
	EXPECT_OK(usn_link_set_up(nb, ifx[1], 1));
	EXPECT_OK(usn_addr_add(na, ifx[0], AF_INET, &a, 24));
	EXPECT_OK(usn_addr_add(nb, ifx[1], AF_INET, &b, 24));
}

static void pair_teardown(void)
{
	usn_setns(NULL);
	EXPECT_OK(usn_net_destroy(na));
	EXPECT_OK(usn_net_destroy(nb));
}

static struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET,
				     .sin_port = htons(port),
				     .sin_addr.s_addr = htonl(addr) };
}

/* The byte at @off of the stream number @id sends. */
static unsigned char pattern(int id, size_t off)
{
	return (unsigned char)(off * 7 + (size_t)id + off / 251);
}

/* ---- TCP across a lossy memlink ------------------------------------------ */

#define TCP_CONNS	2
#define TCP_BYTES	(96 * 1024)

struct tcp_conn {
	int		id;
	int		fd;
	size_t		got;		/* server: bytes read, all in order */
	bool		ok;
};

/* Server side of one connection: reads to EOF, checks, answers the count. */
static void *tcp_reader(void *p)
{
	struct tcp_conn *c = p;
	unsigned char buf[3000];
	uint32_t n32;
	ssize_t n;
	int id = -1;

	c->ok = true;
	while ((n = usn_recv(c->fd, buf, sizeof(buf), 0)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (id < 0)
				id = buf[0];	/* names the stream */
			if (buf[i] != pattern(id, c->got + (size_t)i))
				c->ok = false;
		}
		c->got += (size_t)n;
	}
	if (n < 0)
		c->ok = false;
	n32 = htonl((uint32_t)c->got);
	if (usn_send(c->fd, &n32, sizeof(n32), 0) != sizeof(n32))
		c->ok = false;
	usn_close(c->fd);
	return NULL;
}

static void *tcp_server(void *p)
{
	int lfd = *(int *)p;
	struct tcp_conn conn[TCP_CONNS];
	pthread_t t[TCP_CONNS];
	int ok = 1;

	usn_setns(nb);
	for (int i = 0; i < TCP_CONNS; i++) {
		conn[i] = (struct tcp_conn){ .id = i };
		conn[i].fd = usn_accept(lfd, NULL, NULL);
		if (conn[i].fd < 0)
			return NULL;
		pthread_create(&t[i], NULL, tcp_reader, &conn[i]);
	}
	for (int i = 0; i < TCP_CONNS; i++) {
		pthread_join(t[i], NULL);
		if (!conn[i].ok || conn[i].got != TCP_BYTES)
			ok = 0;
	}
	*(int *)p = ok;
	return NULL;
}

/* Client side: sends the stream in uneven pieces, then reads the count. */
static void *tcp_client(void *p)
{
	struct tcp_conn *c = p;
	struct sockaddr_in to = sin_of(0x0a4d0002, 5000);
	unsigned char buf[5000];
	size_t off = 0, len;
	uint32_t n32 = 0;

	usn_setns(na);
	c->fd = usn_socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0 || usn_connect(c->fd, (struct sockaddr *)&to, sizeof(to)))
		return NULL;
	while (off < TCP_BYTES) {
		len = min_len(TCP_BYTES - off, 700 + (off % 4300));
		for (size_t i = 0; i < len; i++)
			buf[i] = pattern(c->id, off + i);
		if (usn_send(c->fd, buf, len, 0) != (ssize_t)len)
			break;
		off += len;
	}
	usn_shutdown(c->fd, SHUT_WR);
	if (usn_recv(c->fd, &n32, sizeof(n32), MSG_WAITALL) == sizeof(n32))
		c->got = ntohl(n32);
	c->ok = off == TCP_BYTES;
	usn_close(c->fd);
	return NULL;
}

TEST(tcp_between_namespaces_over_a_lossy_memlink)
{
	struct sockaddr_in at = sin_of(0x0a4d0002, 5000);
	struct tcp_conn cl[TCP_CONNS];
	pthread_t srv, t[TCP_CONNS];
	int lfd, result;

	pair_setup("tcp", 0.01);
	usn_setns(nb);
	lfd = usn_socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_TRUE(lfd >= 0);
	EXPECT_OK(usn_bind(lfd, (struct sockaddr *)&at, sizeof(at)));
	EXPECT_OK(usn_listen(lfd, 8));
	result = lfd;
	pthread_create(&srv, NULL, tcp_server, &result);
	for (int i = 0; i < TCP_CONNS; i++) {
		cl[i] = (struct tcp_conn){ .id = i };
		pthread_create(&t[i], NULL, tcp_client, &cl[i]);
	}
	for (int i = 0; i < TCP_CONNS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_TRUE(cl[i].ok);
		EXPECT_EQ(cl[i].got, TCP_BYTES);
	}
	pthread_join(srv, NULL);
	EXPECT_EQ(result, 1);
	usn_close(lfd);
	pair_teardown();
}

/* ---- O_NONBLOCK flipped during I/O --------------------------------------- */

#define FLIPS		400
#define DATAGRAMS	400

struct flip_arg {
	int		fd;		/* the receiver, shared */
	int		port;
	atomic_int	stop;
	atomic_int	got;
};

static void *flipper(void *p)
{
	struct flip_arg *f = p;
	int on;

	for (int i = 0; i < FLIPS; i++) {
		if (i & 1) {
			on = i & 2;
			usn_ioctl(f->fd, FIONBIO, &on);
		} else {
			usn_fcntl(f->fd, F_SETFL, (i & 2) ? O_NONBLOCK : 0);
		}
	}
	return NULL;
}

static void *flip_receiver(void *p)
{
	struct flip_arg *f = p;
	char buf[64];

	while (!atomic_load(&f->stop)) {
		if (usn_recv(f->fd, buf, sizeof(buf), 0) > 0)
			atomic_fetch_add(&f->got, 1);
	}
	return NULL;
}

static void *flip_sender(void *p)
{
	struct flip_arg *f = p;
	struct sockaddr_in to = sin_of(INADDR_LOOPBACK, (uint16_t)f->port);
	int s = usn_socket(AF_INET, SOCK_DGRAM, 0);

	for (int i = 0; i < DATAGRAMS && s >= 0; i++) {
		usn_sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		if (i % 50 == 0)
			sleep_ms(1);
	}
	usn_close(s);
	return NULL;
}

TEST(nonblocking_flag_flips_during_io)
{
	struct flip_arg f = { .port = 7301 };
	struct sockaddr_in at = sin_of(INADDR_LOOPBACK, 7301);
	struct timeval tv = { 0, 20000 };
	pthread_t fl, rx, tx;
	int big = 1 << 20;

	f.fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(f.fd >= 0);
	EXPECT_OK(usn_bind(f.fd, (struct sockaddr *)&at, sizeof(at)));
	EXPECT_OK(usn_setsockopt(f.fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				 sizeof(tv)));
	EXPECT_OK(usn_setsockopt(f.fd, SOL_SOCKET, SO_RCVBUF, &big,
				 sizeof(big)));
	pthread_create(&rx, NULL, flip_receiver, &f);
	pthread_create(&fl, NULL, flipper, &f);
	pthread_create(&tx, NULL, flip_sender, &f);
	pthread_join(tx, NULL);
	pthread_join(fl, NULL);
	/* The last flip (i = FLIPS - 1, odd, bit 1 set) was FIONBIO on. */
	EXPECT_EQ(usn_fcntl(f.fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	for (int i = 0; i < 200 && atomic_load(&f.got) < DATAGRAMS; i++)
		sleep_ms(5);
	atomic_store(&f.stop, 1);
	pthread_join(rx, NULL);
	EXPECT_EQ(atomic_load(&f.got), DATAGRAMS);
	usn_close(f.fd);
}

/* ---- the descriptor table ------------------------------------------------ */

#define CHURN_THREADS	4
#define CHURN_ROUNDS	150

static void *fd_churner(void *p)
{
	int *last = p;
	int fd, dup, sv[2];

	for (int i = 0; i < CHURN_ROUNDS; i++) {
		switch (i % 3) {
		case 0:
			fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
			break;
		case 1:
			fd = usn_epoll_create1(EPOLL_CLOEXEC);
			break;
		default:
			fd = usn_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ?
			     -1 : sv[0];
			if (fd >= 0) {
				usn_send(sv[1], "y", 1, 0);
				usn_close(sv[1]);
			}
			break;
		}
		if (fd < 0)
			return NULL;
		dup = usn_fcntl(fd, F_DUPFD_CLOEXEC, 0);
		usn_fcntl(fd, F_SETFD, FD_CLOEXEC);
		/* A neighbour's number, perhaps being closed right now. */
		usn_fd_owned(fd ^ 1);
		usn_close(fd);
		if (dup >= 0)
			usn_close(dup);
		*last = fd;
	}
	return NULL;
}

TEST(descriptor_table_churn)
{
	pthread_t t[CHURN_THREADS];
	int last[CHURN_THREADS] = { 0 };

	for (int i = 0; i < CHURN_THREADS; i++)
		pthread_create(&t[i], NULL, fd_churner, &last[i]);
	for (int i = 0; i < CHURN_THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < CHURN_THREADS; i++) {
		EXPECT_TRUE(last[i] > 0);
		EXPECT_EQ(usn_fd_owned(last[i]), 0);
	}
}

/* ---- epoll, poll and select across two namespaces ------------------------ */

#define EP_SOCKS	4	/* per namespace */
#define EP_ROUNDS	150

struct ep_arg {
	int		ep;
	int		fd[2 * EP_SOCKS];	/* na's, then nb's */
	atomic_int	stop;
	atomic_int	epoll_events, poll_events, select_events;
};

struct ep_send_arg {
	struct usn_net	*net;
};

/* Sends to every socket of its namespace, round after round. */
static void *ep_send_main(void *p)
{
	struct ep_send_arg *a = p;
	int s;

	usn_setns(a->net);
	s = usn_socket(AF_INET, SOCK_DGRAM, 0);
	for (int r = 0; r < EP_ROUNDS && s >= 0; r++) {
		for (int i = 0; i < EP_SOCKS; i++) {
			struct sockaddr_in to = sin_of(INADDR_LOOPBACK,
						       (uint16_t)(7400 + i));

			usn_sendto(s, "e", 1, 0, (struct sockaddr *)&to,
				   sizeof(to));
		}
		if (r % 10 == 0)
			sleep_ms(1);
	}
	usn_close(s);
	return NULL;
}

/* Waits on the epoll set and drains what it reports. */
static void *ep_waiter(void *p)
{
	struct ep_arg *e = p;
	struct epoll_event ev[8];
	char buf[16];
	int n;

	while (!atomic_load(&e->stop)) {
		n = usn_epoll_wait(e->ep, ev, 8, 5);
		for (int i = 0; i < n; i++) {
			while (usn_recv(ev[i].data.fd, buf, sizeof(buf),
					MSG_DONTWAIT) > 0)
				;
			atomic_fetch_add(&e->epoll_events, 1);
		}
	}
	return NULL;
}

/* poll() and select() on the same sockets, only looking. */
static void *ep_poller(void *p)
{
	struct ep_arg *e = p;
	struct pollfd pfd[2 * EP_SOCKS];
	struct timeval tv;
	fd_set rd;
	int maxfd = 0, n;

	for (int i = 0; i < 2 * EP_SOCKS; i++) {
		pfd[i] = (struct pollfd){ .fd = e->fd[i], .events = POLLIN };
		if (e->fd[i] > maxfd)
			maxfd = e->fd[i];
	}
	while (!atomic_load(&e->stop)) {
		n = usn_poll(pfd, 2 * EP_SOCKS, 5);
		if (n > 0)
			atomic_fetch_add(&e->poll_events, n);
		FD_ZERO(&rd);
		for (int i = 0; i < 2 * EP_SOCKS; i++)
			FD_SET(e->fd[i], &rd);
		tv = (struct timeval){ 0, 5000 };
		n = usn_select(maxfd + 1, &rd, NULL, NULL, &tv);
		if (n > 0)
			atomic_fetch_add(&e->select_events, n);
		sleep_ms(1);
	}
	return NULL;
}

/* Changes the set: each socket goes out and back in, edge or level. */
static void *ep_changer(void *p)
{
	struct ep_arg *e = p;
	struct epoll_event ev;

	for (int r = 0; !atomic_load(&e->stop); r++) {
		int fd = e->fd[r % (2 * EP_SOCKS)];

		ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = fd };
		switch (r % 4) {
		case 0:
			usn_epoll_ctl(e->ep, EPOLL_CTL_DEL, fd, NULL);
			break;
		case 1:
			ev.events |= EPOLLET;
			usn_epoll_ctl(e->ep, EPOLL_CTL_ADD, fd, &ev);
			break;
		case 2:
			ev.events |= EPOLLONESHOT;
			usn_epoll_ctl(e->ep, EPOLL_CTL_MOD, fd, &ev);
			break;
		default:
			usn_epoll_ctl(e->ep, EPOLL_CTL_MOD, fd, &ev);
			break;
		}
		if (r % 8 == 0)
			sleep_ms(1);
	}
	return NULL;
}

TEST(epoll_set_changes_while_two_namespaces_fire)
{
	struct ep_arg e = { .ep = usn_epoll_create1(0) };
	struct ep_send_arg sa[2];
	struct epoll_event ev;
	pthread_t tx[2], wt, pt, ct;

	pair_setup("ep", 0);
	sa[0].net = na;
	sa[1].net = nb;
	ASSERT_TRUE(e.ep >= 0);
	for (int i = 0; i < 2 * EP_SOCKS; i++) {
		struct sockaddr_in at = sin_of(INADDR_LOOPBACK,
					       (uint16_t)(7400 + i % EP_SOCKS));

		usn_setns(i < EP_SOCKS ? na : nb);
		e.fd[i] = usn_socket(AF_INET, SOCK_DGRAM, 0);
		ASSERT_TRUE(e.fd[i] >= 0);
		EXPECT_OK(usn_bind(e.fd[i], (struct sockaddr *)&at,
				   sizeof(at)));
		ev = (struct epoll_event){ .events = EPOLLIN,
					   .data.fd = e.fd[i] };
		EXPECT_OK(usn_epoll_ctl(e.ep, EPOLL_CTL_ADD, e.fd[i], &ev));
	}
	usn_setns(NULL);
	pthread_create(&wt, NULL, ep_waiter, &e);
	pthread_create(&pt, NULL, ep_poller, &e);
	pthread_create(&ct, NULL, ep_changer, &e);
	for (int i = 0; i < 2; i++)
		pthread_create(&tx[i], NULL, ep_send_main, &sa[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(tx[i], NULL);
	atomic_store(&e.stop, 1);
	pthread_join(ct, NULL);
	pthread_join(pt, NULL);
	pthread_join(wt, NULL);
	EXPECT_TRUE(atomic_load(&e.epoll_events) > 0);
	EXPECT_TRUE(atomic_load(&e.poll_events) +
		    atomic_load(&e.select_events) > 0);

	/* Whatever the churn left, a level-triggered set still hears both. */
	for (int i = 0; i < 2 * EP_SOCKS; i++) {
		ev = (struct epoll_event){ .events = EPOLLIN,
					   .data.fd = e.fd[i] };
		if (usn_epoll_ctl(e.ep, EPOLL_CTL_MOD, e.fd[i], &ev))
			EXPECT_OK(usn_epoll_ctl(e.ep, EPOLL_CTL_ADD, e.fd[i],
						&ev));
	}
	atomic_store(&e.stop, 0);
	atomic_store(&e.epoll_events, 0);
	pthread_create(&wt, NULL, ep_waiter, &e);
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in to = sin_of(INADDR_LOOPBACK, 7400);
		int s;

		usn_setns(sa[i].net);
		s = usn_socket(AF_INET, SOCK_DGRAM, 0);
		usn_sendto(s, "z", 1, 0, (struct sockaddr *)&to, sizeof(to));
		usn_close(s);
	}
	usn_setns(NULL);
	for (int i = 0; i < 400 && atomic_load(&e.epoll_events) < 2; i++)
		sleep_ms(5);
	atomic_store(&e.stop, 1);
	pthread_join(wt, NULL);
	EXPECT_TRUE(atomic_load(&e.epoll_events) >= 2);
	for (int i = 0; i < 2 * EP_SOCKS; i++)
		usn_close(e.fd[i]);
	usn_close(e.ep);
	pair_teardown();
}

/* ---- AF_UNIX stream across namespaces, both ways ------------------------- */

#define UNIX_BYTES	(256 * 1024)

struct ux_arg {
	int		fd;
	int		id;		/* the stream this end sends */
	struct usn_net	*net;
	size_t		done;
	bool		ok;
};

static void *ux_writer(void *p)
{
	struct ux_arg *a = p;
	unsigned char buf[3000];
	size_t len;
	ssize_t n;

	usn_setns(a->net);
	while (a->done < UNIX_BYTES) {
		len = min_len(UNIX_BYTES - a->done, 100 + a->done % 2900);
		for (size_t i = 0; i < len; i++)
			buf[i] = pattern(a->id, a->done + i);
		n = usn_send(a->fd, buf, len, 0);
		if (n <= 0)
			break;
		a->done += (size_t)n;
	}
	usn_shutdown(a->fd, SHUT_WR);
	return NULL;
}

static void *ux_reader(void *p)
{
	struct ux_arg *a = p;
	unsigned char buf[2048];
	ssize_t n;

	usn_setns(a->net);
	a->ok = true;
	while ((n = usn_recv(a->fd, buf, sizeof(buf), 0)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(a->id, a->done + (size_t)i))
				a->ok = false;
		a->done += (size_t)n;
	}
	return NULL;
}

TEST(unix_stream_both_ways_across_namespaces)
{
	char path[64];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ux_arg w[2], r[2];
	pthread_t tw[2], tr[2];
	int lfd, cfd, afd, small = 4096;

	snprintf(path, sizeof(path), "/tmp/usnet-stress-%d", (int)getpid());
	memcpy(sun.sun_path, path, strlen(path) + 1);
	usn_unlink(path);
	pair_setup("ux", 0);
	usn_setns(nb);
	lfd = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_TRUE(lfd >= 0);
	EXPECT_OK(usn_bind(lfd, (struct sockaddr *)&sun, sizeof(sun)));
	EXPECT_OK(usn_listen(lfd, 4));
	usn_setns(na);
	cfd = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_TRUE(cfd >= 0);
	EXPECT_OK(usn_setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &small,
				 sizeof(small)));
	EXPECT_OK(usn_connect(cfd, (struct sockaddr *)&sun, sizeof(sun)));
	usn_setns(nb);
	afd = usn_accept(lfd, NULL, NULL);
	ASSERT_TRUE(afd >= 0);
	EXPECT_OK(usn_setsockopt(afd, SOL_SOCKET, SO_SNDBUF, &small,
				 sizeof(small)));
	/* Stream 0: client to server; stream 1: server to client. */
	w[0] = (struct ux_arg){ .fd = cfd, .id = 0, .net = na };
	r[0] = (struct ux_arg){ .fd = afd, .id = 0, .net = nb };
	w[1] = (struct ux_arg){ .fd = afd, .id = 1, .net = nb };
	r[1] = (struct ux_arg){ .fd = cfd, .id = 1, .net = na };
	for (int i = 0; i < 2; i++) {
		pthread_create(&tr[i], NULL, ux_reader, &r[i]);
		pthread_create(&tw[i], NULL, ux_writer, &w[i]);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(tw[i], NULL);
		pthread_join(tr[i], NULL);
		EXPECT_EQ(w[i].done, UNIX_BYTES);
		EXPECT_EQ(r[i].done, UNIX_BYTES);
		EXPECT_TRUE(r[i].ok);
	}
	usn_close(cfd);
	usn_close(afd);
	usn_close(lfd);
	usn_unlink(path);
	pair_teardown();
}

/* ---- connecting across namespaces while the listener's sysctls change ---- */

#define CONNECTS	60

static void *sysctl_writer(void *p)
{
	atomic_int *stop = p;
	char v[16];

	for (int i = 0; !atomic_load(stop); i++) {
		snprintf(v, sizeof(v), "%d", 10 + i % 20);
		usn_sysctl(nb, "net.unix.max_dgram_qlen", NULL, NULL, v);
		snprintf(v, sizeof(v), "%d", 65536 + (i % 4) * 4096);
		usn_sysctl(nb, "net.core.wmem_default", NULL, NULL, v);
		snprintf(v, sizeof(v), "%d", 4096 + i % 2);
		usn_sysctl(nb, "net.core.somaxconn", NULL, NULL, v);
		snprintf(v, sizeof(v), "%d", 65536 + i % 2);
		usn_sysctl(nb, "net.usnet.socket_max", NULL, NULL, v);
		sleep_ms(1);
	}
	return NULL;
}

/*
 * A connect makes the accepted socket in the listener's namespace, whose
 * lock the connecting thread does not hold: what it reads there (the
 * namespace's defaults) must not race with usn_sysctl() writing them; nor
 * may listen() and accept(), which read somaxconn and socket_max before
 * they take any namespace lock.
 */
TEST(unix_connects_across_namespaces_while_sysctls_change)
{
	char path[64];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	atomic_int stop = 0;
	pthread_t t;
	int lfd, cfd, afd, n = 0;

	snprintf(path, sizeof(path), "/tmp/usnet-stress-c-%d", (int)getpid());
	memcpy(sun.sun_path, path, strlen(path) + 1);
	usn_unlink(path);
	pair_setup("uc", 0);
	usn_setns(nb);
	lfd = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_TRUE(lfd >= 0);
	EXPECT_OK(usn_bind(lfd, (struct sockaddr *)&sun, sizeof(sun)));
	EXPECT_OK(usn_listen(lfd, CONNECTS));
	pthread_create(&t, NULL, sysctl_writer, &stop);
	usn_setns(na);
	for (int i = 0; i < CONNECTS; i++) {
		cfd = usn_socket(AF_UNIX, SOCK_STREAM, 0);
		if (cfd < 0)
			break;
		if (!usn_connect(cfd, (struct sockaddr *)&sun, sizeof(sun)))
			n++;
		afd = usn_accept(lfd, NULL, NULL);
		usn_close(afd);
		usn_listen(lfd, CONNECTS);
		usn_close(cfd);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	EXPECT_EQ(n, CONNECTS);
	usn_close(lfd);
	usn_unlink(path);
	pair_teardown();
}

/* ---- an external-mode sender blocked on a threaded namespace's socket ---- */

#define EXT_DGRAMS	200

struct ext_rx {
	int	fd;
	int	got;
};

static void *ext_drain(void *p)
{
	struct ext_rx *r = p;
	char buf[8];

	while (r->got < EXT_DGRAMS && usn_recv(r->fd, buf, sizeof(buf), 0) > 0)
		if (++r->got % 16 == 0)
			sleep_ms(1);
	return NULL;
}

/*
 * A sender in an external-mode namespace fills a datagram socket of a
 * threaded one and sleeps on its queue, driving its own namespace while
 * it waits; the reader wakes it from its own thread through the state
 * lock of the full socket, with no namespace lock in common.
 */
TEST(external_sender_woken_from_a_threaded_namespace)
{
	struct usn_net *ext = usn_net_create("stress-ext", USN_NET_EXTERNAL);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ext_rx r = { .got = 0 };
	socklen_t len;
	pthread_t t;
	int tx, sent = 0;

	ASSERT_TRUE(ext);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/usnet-stress-x-%d",
		 (int)getpid());
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			  strlen(sun.sun_path) + 1);
	usn_unlink(sun.sun_path);
	usn_setns(NULL);
	r.fd = usn_socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_TRUE(r.fd >= 0);
	EXPECT_OK(usn_bind(r.fd, (struct sockaddr *)&sun, len));
	usn_setns(ext);
	tx = usn_socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_TRUE(tx >= 0);
	pthread_create(&t, NULL, ext_drain, &r);
	for (int i = 0; i < EXT_DGRAMS; i++)
		if (usn_sendto(tx, "d", 1, 0, (struct sockaddr *)&sun,
			       len) == 1)
			sent++;
	pthread_join(t, NULL);
	EXPECT_EQ(sent, EXT_DGRAMS);
	EXPECT_EQ(r.got, EXT_DGRAMS);
	usn_close(tx);
	usn_setns(NULL);
	usn_close(r.fd);
	usn_unlink(sun.sun_path);
	EXPECT_OK(usn_net_destroy(ext));
}
