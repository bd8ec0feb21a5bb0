/* SPDX-License-Identifier: MIT */
/*
 * packet_thread_test.c - packet sockets in threaded mode (the real stack
 * threads, the real clock): two namespaces joined by a memlink, frames
 * sent in one are received by the other's stack thread. A blocking
 * recvfrom, poll and epoll_wait in a second thread wake when a frame
 * comes; a TPACKET_V3 ring is readable (POLLIN, EPOLLIN) when a block is
 * handed over, because it filled or because its retire timeout passed,
 * and not before; fanout groups in CPU, RND and QM modes deliver each
 * frame to exactly one member.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <usnet/usnet.h>
#include "test.h"

#define ETH_P_TEST	0x88b5
#define NFRAMES		60

static struct usn_net *na, *nb;
static int ifa, ifb;
static unsigned char macb[6];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void setup(void)
{
	static int n;
	struct usn_memlink_params p = { .delay_ns = 100000 };
	char name[2][16];
	int ifx[2];

	snprintf(name[0], sizeof(name[0]), "ta%d", n);
	snprintf(name[1], sizeof(name[1]), "tb%d", n++);
	na = usn_net_create(name[0], 0);
	nb = usn_net_create(name[1], 0);
	ASSERT_TRUE(na && nb);
	ASSERT_TRUE(!usn_memlink_create(na, "ml0", nb, "ml0", &p, ifx));
	ifa = ifx[0];
	ifb = ifx[1];
	usn_link_set_up(na, ifa, 1);
	usn_link_set_up(nb, ifb, 1);
	usn_link_hwaddr(nb, ifb, macb);
}

static void teardown(void)
{
	usn_setns(NULL);
	usn_net_destroy(na);
	usn_net_destroy(nb);
}

/* A packet socket in @net for ETH_P_TEST, bound to its memlink end. */
static int psock(struct usn_net *net, int type, int ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_TEST),
				   .sll_ifindex = ifindex };
	int fd;

	usn_setns(net);
	fd = usn_socket(AF_PACKET, type, htons(ETH_P_TEST));
	if (fd >= 0 && usn_bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		usn_close(fd);
		return -1;
	}
	return fd;
}

/* Sends @len bytes (the first four: @seq) from a to b, as SOCK_DGRAM. */
static int send_frame(int fd, uint32_t seq, size_t len)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_TEST),
				  .sll_ifindex = ifa, .sll_halen = 6 };
	unsigned char buf[1500];

	memset(buf, 0x5a, sizeof(buf));
	memcpy(buf, &seq, sizeof(seq));
	memcpy(to.sll_addr, macb, 6);
	return (int)usn_sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
}

/* ---- a second thread blocks; a frame from a wakes it --------------------- */

enum wait_kind { WAIT_RECV, WAIT_POLL, WAIT_EPOLL };

struct waiter {
	enum wait_kind	kind;
	int		fd;
	int		ret;
	unsigned int	events;
	uint32_t	seq;
	struct sockaddr_ll from;
	atomic_int	done;
};

static void *waiter_main(void *p)
{
	struct waiter *w = p;
	unsigned char buf[2048];
	socklen_t alen = sizeof(w->from);
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 };
	int ep;

	switch (w->kind) {
	case WAIT_RECV:
		w->ret = (int)usn_recvfrom(w->fd, buf, sizeof(buf), 0,
					   (struct sockaddr *)&w->from, &alen);
		if (w->ret >= 4)
			memcpy(&w->seq, buf, 4);
		break;
	case WAIT_POLL:
		w->ret = usn_poll(&pfd, 1, 5000);
		w->events = pfd.revents;
		break;
	case WAIT_EPOLL:
		ep = usn_epoll_create1(0);
		usn_epoll_ctl(ep, EPOLL_CTL_ADD, w->fd, &ev);
		memset(&ev, 0, sizeof(ev));
		w->ret = usn_epoll_wait(ep, &ev, 1, 5000);
		w->events = ev.events;
		w->seq = ev.data.u32;
		usn_close(ep);
		break;
	}
	atomic_store(&w->done, 1);
	return NULL;
}

static void wait_for_a_frame(enum wait_kind kind)
{
	struct waiter w = { .kind = kind };
	pthread_t t;
	int tx;

	setup();
	tx = psock(na, SOCK_DGRAM, ifa);
	w.fd = psock(nb, SOCK_DGRAM, ifb);
	ASSERT_TRUE(tx >= 0 && w.fd >= 0);
	pthread_create(&t, NULL, waiter_main, &w);
	sleep_ms(50);
	EXPECT_EQ(atomic_load(&w.done), 0);	/* blocked */
	EXPECT_EQ(send_frame(tx, 4242, 100), 100);
	pthread_join(t, NULL);
	switch (kind) {
	case WAIT_RECV:
		EXPECT_EQ(w.ret, 100);
		EXPECT_EQ(w.seq, 4242);
		EXPECT_EQ(w.from.sll_family, AF_PACKET);
		EXPECT_EQ(w.from.sll_ifindex, ifb);
		EXPECT_EQ(w.from.sll_protocol, htons(ETH_P_TEST));
		EXPECT_EQ(w.from.sll_pkttype, PACKET_HOST);
		break;
	case WAIT_POLL:
		EXPECT_EQ(w.ret, 1);
		EXPECT_TRUE(w.events & POLLIN);
		break;
	case WAIT_EPOLL:
		EXPECT_EQ(w.ret, 1);
		EXPECT_TRUE(w.events & EPOLLIN);
		EXPECT_EQ(w.seq, 7);
		break;
	}
	usn_close(tx);
	usn_close(w.fd);
	teardown();
}

TEST(blocking_recvfrom_is_woken_by_a_frame)
{
	wait_for_a_frame(WAIT_RECV);
}

TEST(poll_is_woken_by_a_frame)
{
	wait_for_a_frame(WAIT_POLL);
}

TEST(epoll_wait_is_woken_by_a_frame)
{
	wait_for_a_frame(WAIT_EPOLL);
}

/* ---- the TPACKET_V3 ring ------------------------------------------------- */

#define BLOCK_SIZE	4096
#define BLOCK_NR	4

struct ring {
	int	fd;
	void	*map;
};

static bool ring_open(struct ring *r, unsigned int tov_ms)
{
	struct tpacket_req3 req = { .tp_block_size = BLOCK_SIZE,
				    .tp_block_nr = BLOCK_NR,
				    .tp_frame_size = 2048,
				    .tp_frame_nr = BLOCK_SIZE / 2048 * BLOCK_NR,
				    .tp_retire_blk_tov = tov_ms };
	int v = TPACKET_V3;

	r->fd = psock(nb, SOCK_RAW, ifb);
	if (r->fd < 0 ||
	    usn_setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    usn_setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		return false;
	r->map = usn_mmap(NULL, BLOCK_SIZE * BLOCK_NR, PROT_READ | PROT_WRITE,
			  MAP_SHARED, r->fd, 0);
	return r->map != MAP_FAILED;
}

static void ring_close(struct ring *r)
{
	usn_munmap(r->map, BLOCK_SIZE * BLOCK_NR);
	usn_close(r->fd);
}

static struct tpacket_hdr_v1 *block(struct ring *r, int i)
{
	struct tpacket_block_desc *bd =
		(void *)((char *)r->map + (size_t)i * BLOCK_SIZE);

	return &bd->hdr.bh1;
}

static int poll_in(int fd, int timeout)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = usn_poll(&pfd, 1, timeout);

	return n == 1 ? (pfd.revents & POLLIN) : n;
}

/*
 * One frame opens a block; the block is handed over when its retire
 * timeout passes (TP_STATUS_BLK_TMO), not before, and poll says so.
 */
TEST(ring_block_retires_after_its_timeout)
{
	struct ring r;
	uint64_t t0, waited;
	int tx, plain;
	unsigned char buf[256];

	setup();
	tx = psock(na, SOCK_DGRAM, ifa);
	plain = psock(nb, SOCK_DGRAM, ifb);	/* tells when the frame came */
	ASSERT_TRUE(ring_open(&r, 300));
	EXPECT_EQ(poll_in(r.fd, 0), 0);
	EXPECT_EQ(send_frame(tx, 1, 100), 100);
	EXPECT_EQ(usn_recv(plain, buf, sizeof(buf), 0), 100);
	t0 = now_ms();
	EXPECT_EQ(poll_in(r.fd, 0), 0);		/* the block is still open */
	EXPECT_EQ(block(&r, 0)->block_status, TP_STATUS_KERNEL);
	EXPECT_TRUE(poll_in(r.fd, 5000) > 0);
	waited = now_ms() - t0;
	EXPECT_TRUE(waited >= 200);		/* 300 ms from the first frame */
	EXPECT_TRUE(waited < 3000);
	EXPECT_EQ(block(&r, 0)->block_status, TP_STATUS_USER | TP_STATUS_BLK_TMO);
	EXPECT_EQ(block(&r, 0)->num_pkts, 1);
	/* Given back: nothing more to read. */
	block(&r, 0)->block_status = TP_STATUS_KERNEL;
	EXPECT_EQ(poll_in(r.fd, 0), 0);
	ring_close(&r);
	usn_close(plain);
	usn_close(tx);
	teardown();
}

/* A block that fills is handed over at once, long before its timeout. */
TEST(ring_full_block_wakes_epoll)
{
	struct waiter w = { .kind = WAIT_EPOLL };
	struct ring r;
	pthread_t t;
	uint64_t t0;
	int tx;

	setup();
	tx = psock(na, SOCK_DGRAM, ifa);
	ASSERT_TRUE(ring_open(&r, 60000));
	w.fd = r.fd;
	pthread_create(&t, NULL, waiter_main, &w);
	sleep_ms(50);
	EXPECT_EQ(atomic_load(&w.done), 0);
	t0 = now_ms();
	/* Four frames of ~1 KB fill a 4 KB block; the fifth opens the next. */
	for (uint32_t i = 0; i < 5; i++)
		EXPECT_EQ(send_frame(tx, i, 1000), 1000);
	pthread_join(t, NULL);
	EXPECT_TRUE(now_ms() - t0 < 5000);
	EXPECT_EQ(w.ret, 1);
	EXPECT_TRUE(w.events & EPOLLIN);
	EXPECT_EQ(block(&r, 0)->block_status, TP_STATUS_USER);
	EXPECT_TRUE(block(&r, 0)->num_pkts >= 1 && block(&r, 0)->num_pkts < 5);
	EXPECT_EQ(block(&r, 1)->block_status, TP_STATUS_KERNEL);
	ring_close(&r);
	usn_close(tx);
	teardown();
}

/* ---- fanout -------------------------------------------------------------- */

#define MEMBERS	3

static void fanout_delivers_each_frame_once(int mode)
{
	int fds[MEMBERS], tx, got = 0, per[MEMBERS] = { 0 };
	int group = (int)(0x4242 | (unsigned int)mode << 16);
	unsigned char seen[NFRAMES] = { 0 }, buf[256];
	uint64_t deadline;

	setup();
	tx = psock(na, SOCK_DGRAM, ifa);
	for (int i = 0; i < MEMBERS; i++) {
		fds[i] = psock(nb, SOCK_DGRAM, ifb);
		ASSERT_TRUE(fds[i] >= 0);
		EXPECT_OK(usn_setsockopt(fds[i], SOL_PACKET, PACKET_FANOUT,
					 &group, sizeof(group)));
	}
	for (uint32_t s = 0; s < NFRAMES; s++)
		EXPECT_EQ(send_frame(tx, s, 64), 64);
	deadline = now_ms() + 5000;
	while (got < NFRAMES && now_ms() < deadline) {
		struct pollfd pfd[MEMBERS];

		for (int i = 0; i < MEMBERS; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (usn_poll(pfd, MEMBERS, 1000) <= 0)
			continue;
		for (int i = 0; i < MEMBERS; i++) {
			uint32_t s;

			if (!(pfd[i].revents & POLLIN))
				continue;
			while (usn_recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT) == 64) {
				memcpy(&s, buf, 4);
				if (s < NFRAMES)
					seen[s]++;
				per[i]++;
				got++;
			}
		}
	}
	sleep_ms(50);	/* anything delivered twice would be here by now */
	for (int i = 0; i < MEMBERS; i++)
		while (usn_recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
			got++;
	EXPECT_EQ(got, NFRAMES);
	for (int s = 0; s < NFRAMES; s++)
		EXPECT_EQ(seen[s], 1);
	if (mode == PACKET_FANOUT_QM)	/* one receive queue: one member */
		EXPECT_TRUE(per[0] == NFRAMES || per[1] == NFRAMES ||
			    per[2] == NFRAMES);
	for (int i = 0; i < MEMBERS; i++)
		usn_close(fds[i]);
	usn_close(tx);
	teardown();
}

TEST(fanout_cpu_delivers_each_frame_once)
{
	fanout_delivers_each_frame_once(PACKET_FANOUT_CPU);
}

TEST(fanout_rnd_delivers_each_frame_once)
{
	fanout_delivers_each_frame_once(PACKET_FANOUT_RND);
}

TEST(fanout_qm_delivers_each_frame_once)
{
	fanout_delivers_each_frame_once(PACKET_FANOUT_QM);
}
