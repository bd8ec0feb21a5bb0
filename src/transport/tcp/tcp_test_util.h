/* SPDX-License-Identifier: MIT */
/*
 * tcp_test_util.h - what the TCP tests share: the two-namespace rig of
 * inet_test.h, connected socket pairs, a capture of the TCP segments a
 * namespace sends and receives (a ptype_all tap), and a byte-exact bulk
 * transfer with a hash of the stream.
 */
#ifndef USN_TRANSPORT_TCP_TCP_TEST_UTIL_H
#define USN_TRANSPORT_TCP_TCP_TEST_UTIL_H

#include <netinet/tcp.h>	/* before the stack's headers: its enum of states */
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include "../../family/inet/inet_test.h"
#include "link/netdevice.h"
#include "wire/ipv4.h"

#define SEC	1000000000ULL

/* ---- capture ----------------------------------------------------------------- */

struct seg {
	uint64_t	t;		/* ns */
	bool		out;		/* sent by the namespace */
	uint8_t		flags;
	uint32_t	seq, ack;
	uint16_t	win;
	uint16_t	sport, dport;	/* host order */
	unsigned int	doff, len;	/* header bytes, payload bytes */
	uint8_t		opt[40];
	uint16_t	ip_id;
	uint8_t		ttl;
	bool		df;
};

#define CAP_MAX	4096

struct capture {
	struct packet_type	pt;
	struct usn_net		*net;
	unsigned int		n;
	struct seg		s[CAP_MAX];
};

static struct capture *cap_cur;

static int cap_rcv(struct sk_buff *skb, struct net_device *dev,
		   struct packet_type *pt, struct net_device *orig)
{
	struct capture *c = container_of(pt, struct capture, pt);
	const uint8_t *ip = skb->data, *th;
	unsigned int ihl;

	(void)dev;
	(void)orig;
	if (skb->protocol == htons(0x0800) && skb->len >= 40 && ip[9] == 6 &&
	    c->n < CAP_MAX) {
		struct seg *s = &c->s[c->n++];

		ihl = (ip[0] & 0xf) * 4u;
		th = ip + ihl;
		memset(s, 0, sizeof(*s));
		s->t = usn_net_now(c->net);
		s->out = skb->pkt_type == PACKET_OUTGOING;
		s->sport = load_be16(th);
		s->dport = load_be16(th + 2);
		s->seq = load_be32(th + 4);
		s->ack = load_be32(th + 8);
		s->doff = (th[12] >> 4) * 4u;
		s->flags = th[13];
		s->win = load_be16(th + 14);
		s->len = load_be16(ip + 2) - ihl - s->doff;
		s->ip_id = load_be16(ip + 4);
		s->ttl = ip[8];
		s->df = ip[6] & 0x40;
		if (s->doff > 20 && s->doff <= 60)
			memcpy(s->opt, th + 20, s->doff - 20);
	}
	consume_skb(skb);
	return 0;
}

static inline void cap_start(struct capture *c, struct usn_net *net)
{
	memset(c, 0, sizeof(*c));
	c->net = net;
	c->pt.type = htons(0x0003);	/* ETH_P_ALL */
	c->pt.func = cap_rcv;
	c->pt.name = "tcp_test_cap";
	net_lock(net);
	dev_add_pack(net, &c->pt);
	net_unlock(net);
	cap_cur = c;
}

static inline void cap_stop(struct capture *c)
{
	net_lock(c->net);
	dev_remove_pack(c->net, &c->pt);
	net_unlock(c->net);
}

/* The @i-th segment matching @out and @flags (all of them set), or NULL. */
static inline const struct seg *cap_find(const struct capture *c, bool out,
					 uint8_t flags, unsigned int i)
{
	for (unsigned int k = 0; k < c->n; k++) {
		if (c->s[k].out == out && (c->s[k].flags & flags) == flags) {
			if (!i--)
				return &c->s[k];
		}
	}
	return NULL;
}

static inline unsigned int cap_count(const struct capture *c, bool out,
				     uint8_t flags)
{
	unsigned int n = 0;

	for (unsigned int k = 0; k < c->n; k++)
		if (c->s[k].out == out && (c->s[k].flags & flags) == flags)
			n++;
	return n;
}

/* ---- sockets -------------------------------------------------------------------- */

static inline int tcp_listener(struct usn_net *net, const char *addr,
			       uint16_t port, int backlog)
{
	struct sockaddr_in sin = SIN(addr, port);
	int fd = sock_in(net, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	usn_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (usn_bind(fd, SA(&sin), sizeof(sin)) || usn_listen(fd, backlog)) {
		usn_close(fd);
		return -1;
	}
	return fd;
}

/* A connection a (client) -> b:port (server); *@srv gets the accepted fd. */
static inline int tcp_pair(struct rig *g, uint16_t port, int *lfd, int *srv)
{
	struct sockaddr_in to = SIN("10.0.0.2", port);
	int c;

	*lfd = tcp_listener(g->b, "0.0.0.0", port, 16);
	if (*lfd < 0)
		return -1;
	c = sock_in(g->a, SOCK_STREAM, 0);
	if (c < 0 || usn_connect(c, SA(&to), sizeof(to)))
		return -1;
	usn_setns(g->b);
	*srv = usn_accept(*lfd, NULL, NULL);
	return *srv < 0 ? -1 : c;
}

static inline int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (usn_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_state;
}

/* ---- streams ------------------------------------------------------------------------- */

/* The stream's byte @i: a pattern that detects reordering and loss. */
static inline uint8_t stream_byte(uint64_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL;

	return (uint8_t)(x >> 56 ^ i);
}

/* FNV-1a, over the bytes as they arrive. */
static inline uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT	0xcbf29ce484222325ULL

/*
 * Sends @total bytes from @tx to @rx, interleaving non-blocking writes and
 * reads in simulated time; checks every byte. Returns the bytes received
 * intact, or -1 at the first wrong byte or error.
 */
static inline int64_t bulk_transfer(struct usn_net *txnet, int tx,
				    struct usn_net *rxnet, int rx,
				    uint64_t total, uint64_t *hash_out)
{
	static uint8_t buf[65536];
	uint64_t sent = 0, got = 0, h = FNV_INIT, hs = FNV_INIT;
	int idle = 0;

	usn_setns(txnet);
	usn_fcntl(tx, F_SETFL, O_NONBLOCK);
	usn_setns(rxnet);
	usn_fcntl(rx, F_SETFL, O_NONBLOCK);
	while (got < total) {
		bool progress = false;

		usn_setns(txnet);
		while (sent < total) {
			size_t n = (size_t)min_t(uint64_t, sizeof(buf), total - sent);
			ssize_t w;

			for (size_t i = 0; i < n; i++)
				buf[i] = stream_byte(sent + i);
			w = usn_send(tx, buf, n, MSG_NOSIGNAL);
			if (w <= 0) {
				if (w < 0 && errno != EAGAIN)
					return -1;
				break;
			}
			hs = fnv1a(hs, buf, (size_t)w);
			sent += (uint64_t)w;
			progress = true;
		}
		usn_setns(rxnet);
		for (;;) {
			ssize_t r = usn_recv(rx, buf, sizeof(buf), 0);

			if (r <= 0) {
				if (r < 0 && errno != EAGAIN)
					return -1;
				if (r == 0)
					return (int64_t)got;
				break;
			}
			for (ssize_t i = 0; i < r; i++)
				if (buf[i] != stream_byte(got + (uint64_t)i))
					return -1;
			h = fnv1a(h, buf, (size_t)r);
			got += (uint64_t)r;
			progress = true;
		}
		if (!progress) {
			if (++idle > 200000)
				return -1;
			usn_sim_run(1000000);	/* 1 ms of virtual time */
		} else {
			idle = 0;
		}
	}
	if (hash_out)
		*hash_out = h;
	return h == hs ? (int64_t)got : -1;
}

#endif
