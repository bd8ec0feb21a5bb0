/* SPDX-License-Identifier: MIT */
/*
 * tcp_fuzz_test.c - TCP segments under bad input, through the script
 * device (dev/scriptdev.h) in simulated mode: a peer played here opens
 * real connections to a listener, then sends segments mutated from valid
 * ones: options of every kind with lying lengths, SACK blocks anywhere in
 * sequence space, timestamps, urgent pointers, flag combinations, data
 * offsets below 5 and past the segment, sequence and ack numbers around
 * and far from the window, cut segments, wrong checksums.
 *
 * Invariants: a wrong checksum is counted once in Tcp.InCsumErrors and a
 * data offset below 5 once in Tcp.InErrs, as Linux counts them; every
 * segment the stack sends back is well formed (IPv4 header, lengths, TCP
 * checksum, options that parse); after the fuzzing a fresh connection
 * still carries data both ways; and once every connection is closed and
 * its timers have run no TCP socket is left allocated.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <usnet/usnet.h>
#include "dev/scriptdev.h"
#include "fuzz.h"
#include "sim.h"
#include "test.h"

#define LOCAL_IP	"192.168.0.1"
#define PEER_IP		"192.0.2.1"
#define PORT		8080
#define SEG_MAX		1600

static struct usn_net *net;
static int ifindex, lfd;
static uint64_t tcp_alloc_start;

static uint64_t mib(const char *name)
{
	uint64_t v = 0;

	usn_snmp(net, name, &v);
	return v;
}

static bool setup(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(PORT) };
	uint32_t local = inet_addr(LOCAL_IP), any = 0;

	if (net)
		return true;
	test_sim_start(11);
	net = usn_net_create("tcpfuzz", 0);
	if (!net)
		return false;
	ifindex = scriptdev_create(net, NULL, 1500);
	if (ifindex < 0 || usn_addr_add(net, ifindex, AF_INET, &local, 24) ||
	    usn_link_set_up(net, ifindex, 1) ||
	    usn_route_add(net, AF_INET, &any, 0, NULL, ifindex, 0) ||
	    usn_setns(net))
		return false;
	tcp_alloc_start = mib("Sockstat.TCP.alloc");
	lfd = usn_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	return lfd >= 0 && !usn_bind(lfd, (void *)&sin, sizeof(sin)) &&
	       !usn_listen(lfd, 128);
}

/* ---- segments --------------------------------------------------------- */

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t tcp_csum(const uint8_t *ip, size_t tcplen)
{
	uint32_t sum = csum_add(ip + 12, 8, 0) + IPPROTO_TCP + (uint32_t)tcplen;

	return csum_fold(csum_add(ip + 20, tcplen, sum));
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* A connection as the peer sees it. */
struct conn {
	uint16_t	port;		/* the peer's */
	uint32_t	snd_nxt;	/* the peer's next sequence number */
	uint32_t	rcv_nxt;	/* what the peer acknowledges */
	uint32_t	tsval, tsecr;
	int		fd;		/* the accepted socket, or -1 */
};

struct seg {
	uint8_t		b[SEG_MAX];
	size_t		len;
};

/* An IPv4/TCP segment of @c with @flags, options @opt, @dlen bytes. */
static void seg_build(struct seg *s, const struct conn *c, int flags,
		      const uint8_t *opt, size_t optlen, size_t dlen)
{
	size_t thl = 20 + ((optlen + 3) & ~(size_t)3);

	memset(s->b, 0, 20 + thl);
	s->b[0] = 0x45;
	put16(s->b + 2, (uint32_t)(20 + thl + dlen));
	s->b[8] = 64;
	s->b[9] = IPPROTO_TCP;
	put32(s->b + 12, ntohl(inet_addr(PEER_IP)));
	put32(s->b + 16, ntohl(inet_addr(LOCAL_IP)));
	put16(s->b + 20, c->port);
	put16(s->b + 22, PORT);
	put32(s->b + 24, c->snd_nxt);
	put32(s->b + 28, c->rcv_nxt);
	s->b[32] = (uint8_t)((thl / 4) << 4);
	s->b[33] = (uint8_t)flags;
	put16(s->b + 34, 65535);
	memcpy(s->b + 40, opt, optlen);
	for (size_t i = 0; i < dlen; i++)
		s->b[20 + thl + i] = (uint8_t)('a' + i % 26);
	s->len = 20 + thl + dlen;
}

/* The IPv4 header checksum and the TCP checksum, over what is there. */
static void seg_fix(struct seg *s)
{
	size_t tcplen;

	if (s->len < 20)
		return;
	put16(s->b + 2, (uint32_t)s->len);
	put16(s->b + 10, 0);
	put16(s->b + 10, csum_fold(csum_add(s->b, 20, 0)));
	tcplen = s->len - 20;
	if (tcplen < 18)
		return;
	put16(s->b + 36, 0);
	put16(s->b + 36, tcp_csum(s->b, tcplen));
}

/* ---- the stack's answers ---------------------------------------------- */

static unsigned long sent_checked;

/* Every segment sent is well formed; the last one to @c's port updates @c. */
static int take_all(struct conn *c, uint8_t *flags_seen)
{
	static uint8_t b[SEG_MAX];
	uint64_t ts;
	ssize_t n;
	int bad = 0;

	while ((n = scriptdev_take(net, ifindex, b, sizeof(b), &ts)) > 0) {
		size_t ihl = (size_t)(b[0] & 15) * 4, tot, thl, o;

		sent_checked++;
		tot = (size_t)(b[2] << 8 | b[3]);
		if ((b[0] >> 4) != 4 || ihl < 20 || tot != (size_t)n ||
		    csum_fold(csum_add(b, ihl, 0)) != 0) {
			bad++;
			continue;
		}
		if (b[9] != IPPROTO_TCP)
			continue;
		thl = (size_t)(b[ihl + 12] >> 4) * 4;
		if (ihl != 20 || thl < 20 || ihl + thl > tot ||
		    tcp_csum(b, tot - 20) != 0) {
			bad++;
			continue;
		}
		/* Options: each kind's length within the header. */
		for (o = 40; o < 20 + thl;) {
			if (b[o] == TCPOPT_EOL)
				break;
			if (b[o] == TCPOPT_NOP) {
				o++;
				continue;
			}
			if (o + 1 >= 20 + thl || b[o + 1] < 2 ||
			    o + b[o + 1] > 20 + thl) {
				bad++;
				break;
			}
			if (b[o] == TCPOPT_TIMESTAMP && b[o + 1] == 10 && c)
				c->tsecr = get32(b + o + 2);
			o += b[o + 1];
		}
		if (c && (uint16_t)(b[22] << 8 | b[23]) == c->port) {
			uint32_t seq = get32(b + 24);
			size_t dlen = tot - 20 - thl;

			if (flags_seen)
				*flags_seen |= b[33];
			/* What the peer acknowledges: all it was sent. */
			seq += (uint32_t)dlen + ((b[33] & (TH_SYN | TH_FIN)) ?
						 1 : 0);
			if ((int32_t)(seq - c->rcv_nxt) > 0 ||
			    (b[33] & TH_SYN))
				c->rcv_nxt = seq;
		}
	}
	return bad;
}

/* ---- connections ------------------------------------------------------ */

static const uint8_t syn_opts[] = {
	TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_SACK_PERMITTED, 2,
	TCPOPT_TIMESTAMP, 10, 0, 0, 0, 1, 0, 0, 0, 0,
	TCPOPT_NOP, TCPOPT_WINDOW, 3, 7,
};

static int stray[4096];
static size_t nstray;

static int inject(const struct seg *s)
{
	return scriptdev_inject(net, ifindex, s->b, s->len);
}

/* A new connection from the peer, accepted: 0, or -1. */
static int conn_open(struct conn *c, uint16_t port, int *bad)
{
	uint8_t opts[sizeof(syn_opts)], flags = 0;
	struct seg s;

	memset(c, 0, sizeof(*c));
	c->port = port;
	c->snd_nxt = 1000u * port;
	c->tsval = 1;
	c->fd = -1;
	memcpy(opts, syn_opts, sizeof(opts));
	seg_build(&s, c, TH_SYN, opts, sizeof(opts), 0);
	seg_fix(&s);
	inject(&s);
	usn_sim_run(1000000);
	*bad += take_all(c, &flags);
	if (!(flags & TH_SYN))
		return -1;
	c->snd_nxt++;
	{
		uint8_t ts[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP,
				   10 };

		put32(ts + 4, ++c->tsval);
		put32(ts + 8, c->tsecr);
		seg_build(&s, c, TH_ACK, ts, sizeof(ts), 0);
	}
	seg_fix(&s);
	inject(&s);
	usn_sim_run(1000000);
	*bad += take_all(c, NULL);
	/*
	 * The fuzzing may have completed other handshakes (a mutated SYN
	 * and a lucky ACK): those wait in the queue too, to be closed.
	 */
	for (;;) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int fd = usn_accept(lfd, (void *)&peer, &plen);

		if (fd < 0)
			break;
		usn_fcntl(fd, F_SETFL, O_NONBLOCK);
		if (ntohs(peer.sin_port) == port && c->fd < 0)
			c->fd = fd;
		else if (nstray < ARRAY_LEN(stray))
			stray[nstray++] = fd;
		else
			usn_close(fd);
	}
	return c->fd >= 0 ? 0 : -1;
}

/* ---- mutations -------------------------------------------------------- */

/* Options as they may come: good ones, lying lengths, SACK blocks anywhere. */
static size_t fuzz_opts(struct fuzz_rng *r, const struct conn *c, uint8_t *o)
{
	size_t n = 0;

	while (n < 36 && fuzz_below(r, 3)) {
		uint32_t edge;

		switch (fuzz_below(r, 6)) {
		case 0:		/* timestamps */
			if (n + 12 > 40)
				return n;
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_TIMESTAMP;
			o[n++] = fuzz_below(r, 8) ? 10 : (uint8_t)fuzz_value(r);
			put32(o + n, c->tsval + fuzz_below(r, 3) - 1);
			put32(o + n + 4, fuzz_below(r, 4) ? c->tsecr :
							    fuzz_value(r));
			n += 8;
			break;
		case 1:		/* SACK blocks, near the stack's sequence or not */
		{
			int blocks = (int)fuzz_below(r, 5);

			if (n + 4 + 8 * (size_t)blocks > 40)
				return n;
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_SACK;
			o[n++] = (uint8_t)(fuzz_below(r, 6) ? (uint32_t)(2 + 8 * blocks) :
						      fuzz_value(r));
			for (int i = 0; i < blocks; i++) {
				edge = fuzz_below(r, 2) ? c->rcv_nxt -
					fuzz_below(r, 3000) : fuzz_value(r);
				put32(o + n, edge);
				put32(o + n + 4, edge + (fuzz_below(r, 4) ?
					fuzz_below(r, 2000) : fuzz_value(r)));
				n += 8;
			}
			break;
		}
		case 2:		/* a kind with a length that lies */
			o[n++] = (uint8_t)fuzz_below(r, 40);
			o[n++] = (uint8_t)fuzz_value(r);
			break;
		case 3:		/* SYN-only options on a later segment */
			if (n + 4 > 40)
				return n;
			o[n++] = fuzz_below(r, 2) ? TCPOPT_MAXSEG : TCPOPT_WINDOW;
			o[n++] = (uint8_t)(fuzz_below(r, 2) ? 4 : 3);
			o[n++] = (uint8_t)fuzz_value(r);
			o[n++] = (uint8_t)fuzz_value(r);
			break;
		case 4:
			o[n++] = TCPOPT_EOL;
			break;
		default:
			o[n++] = TCPOPT_NOP;
			break;
		}
	}
	return n;
}

enum { EXPECT_NONE, EXPECT_CSUM, EXPECT_INERR };

/* A mutated segment for @c; what Linux counts for it. */
static int mutate(struct fuzz_rng *r, struct conn *c, struct seg *s)
{
	static const uint8_t flag_sets[] = {
		TH_ACK, TH_ACK | TH_PUSH, TH_ACK | TH_URG, TH_ACK | TH_FIN,
		TH_RST, TH_RST | TH_ACK, TH_SYN, TH_SYN | TH_ACK,
		TH_SYN | TH_FIN, TH_ACK | TH_URG | TH_PUSH, 0, 0xff,
	};
	uint8_t opts[40];
	size_t optlen = fuzz_opts(r, c, opts), dlen;
	int flags, expect = EXPECT_NONE;
	struct conn v = *c;

	flags = fuzz_below(r, 3) ? TH_ACK | TH_PUSH :
		flag_sets[fuzz_below(r, ARRAY_LEN(flag_sets))];
	/* RST and SYN end the connection: rarer. */
	if ((flags & (TH_RST | TH_SYN)) && fuzz_below(r, 4))
		flags = TH_ACK;
	dlen = fuzz_below(r, 4) ? fuzz_below(r, 200) :
	       fuzz_below(r, SEG_MAX - 100);
	switch (fuzz_below(r, 6)) {
	case 0:
		v.snd_nxt += fuzz_below(r, 2) ? fuzz_below(r, 70000) :
						fuzz_value(r);
		break;
	case 1:
		v.rcv_nxt += fuzz_below(r, 2) ? fuzz_below(r, 70000) - 35000 :
						fuzz_value(r);
		break;
	default:
		break;
	}
	seg_build(s, &v, flags, opts, optlen, dlen);
	if (flags & TH_URG)
		put16(s->b + 38, fuzz_below(r, 2) ? fuzz_below(r, (uint32_t)dlen + 2) :
						    fuzz_value(r));
	switch (fuzz_below(r, 10)) {
	case 0:		/* a data offset that lies */
		s->b[32] = (uint8_t)(fuzz_below(r, 16) << 4);
		break;
	case 1:		/* cut short, then lengths made to agree */
		s->len = 20 + fuzz_below(r, (uint32_t)s->len - 20 + 1);
		break;
	case 2:		/* bytes of the header or options changed */
	{
		size_t l = s->len - 32;

		fuzz_mutate(r, s->b + 32, &l, SEG_MAX - 32, 3);
		s->len = 32 + l;
	}
		break;
	default:
		break;
	}
	seg_fix(s);
	if (!fuzz_below(r, 10) && s->len >= 40)
		s->b[36] ^= 0x5a;	/* a wrong checksum */
	/*
	 * What Linux counts (tcp_v4_rcv): nothing for a segment shorter than
	 * a TCP header or than its data offset says; InErrs for an offset
	 * below 5, whatever its checksum; then InCsumErrors (and InErrs).
	 */
	if (s->len < 40)
		expect = EXPECT_NONE;
	else if (s->b[32] < 0x50)
		expect = EXPECT_INERR;
	else if ((size_t)(s->b[32] >> 4) * 4 > s->len - 20)
		expect = EXPECT_NONE;
	else if (tcp_csum(s->b, s->len - 20))
		expect = EXPECT_CSUM;
	/* Data on the right sequence moves the peer's side on. */
	if (expect == EXPECT_NONE && v.snd_nxt == c->snd_nxt &&
	    !(flags & (TH_SYN | TH_RST)) && s->b[32] >= 0x50) {
		size_t thl = (size_t)(s->b[32] >> 4) * 4;

		if (20 + thl <= s->len)
			c->snd_nxt += (uint32_t)(s->len - 20 - thl) +
				      ((flags & TH_FIN) ? 1 : 0);
	}
	c->tsval++;
	return expect;
}

/* ---- the tests -------------------------------------------------------- */

static void drain_fd(int fd)
{
	char buf[2048];

	while (usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

TEST(mutated_segments_are_counted_and_dropped_and_tcp_still_works)
{
	unsigned long iters = fuzz_iters(20000), failures = 0, conns = 0;
	static struct conn open_conns[4096];
	struct fuzz_rng rng;
	struct conn c;
	uint16_t port = 20000;
	int bad = 0, nopen = 0;

	ASSERT_TRUE(setup());
	fuzz_seed(&rng, 0x7c9);
	ASSERT_TRUE(conn_open(&c, port++, &bad) == 0);
	conns++;
	for (unsigned long it = 0; it < iters; it++) {
		uint64_t csum0 = mib("Tcp.InCsumErrors"), err0 = mib("Tcp.InErrs");
		struct seg s;
		int expect = mutate(&rng, &c, &s);

		if (expect < 0)
			continue;
		inject(&s);
		usn_sim_run(fuzz_below(&rng, 8) ? 200000 : 300000000);
		bad += take_all(&c, NULL);
		if (expect == EXPECT_CSUM &&
		    mib("Tcp.InCsumErrors") != csum0 + 1) {
			fprintf(stderr, "  a wrong checksum counted %" PRIu64
				" times\n", mib("Tcp.InCsumErrors") - csum0);
			bad++;
		}
		if (expect == EXPECT_INERR &&
		    (mib("Tcp.InErrs") != err0 + 1 ||
		     mib("Tcp.InCsumErrors") != csum0)) {
			fprintf(stderr, "  doff %u: InErrs +%" PRIu64 "\n",
				s.b[32] >> 4, mib("Tcp.InErrs") - err0);
			bad++;
		}
		if (bad && failures++ < 5) {
			TEST_FAIL_AT("iteration %lu: %d", it, bad);
			fuzz_hexdump(s.b, s.len);
		}
		bad = 0;
		if (c.fd >= 0)
			drain_fd(c.fd);
		/* Every 200 segments, or when it has died, a new connection. */
		if (!(it % 200) || (c.fd >= 0 && usn_recv(c.fd, &s.b, 1,
			MSG_DONTWAIT | MSG_PEEK) < 0 && errno != EAGAIN)) {
			if (nopen < (int)ARRAY_LEN(open_conns))
				open_conns[nopen++] = c;
			if (conn_open(&c, port++, &bad) == 0)
				conns++;
		}
	}
	EXPECT_EQ(failures, 0);
	printf("  %lu connections, %lu segments from the stack checked\n",
	       conns, sent_checked);
	EXPECT_TRUE(conns >= iters / 200);

	/* A fresh connection still carries data both ways. */
	{
		char buf[64];
		struct seg s;
		uint8_t ts[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, 10 };

		open_conns[nopen++ % ARRAY_LEN(open_conns)] = c;
		ASSERT_TRUE(conn_open(&c, port++, &bad) == 0);
		EXPECT_EQ(bad, 0);
		put32(ts + 4, ++c.tsval);
		put32(ts + 8, c.tsecr);
		seg_build(&s, &c, TH_ACK | TH_PUSH, ts, sizeof(ts), 10);
		seg_fix(&s);
		inject(&s);
		usn_sim_run(1000000);
		EXPECT_EQ(usn_recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT), 10);
		c.snd_nxt += 10;
		EXPECT_EQ(usn_send(c.fd, "reply", 5, 0), 5);
		usn_sim_run(1000000);
		{
			uint32_t before = c.rcv_nxt;

			EXPECT_EQ(take_all(&c, NULL), 0);
			EXPECT_EQ(c.rcv_nxt - before, 5);
		}
		open_conns[nopen++ % ARRAY_LEN(open_conns)] = c;
	}

	/* Closed, and once every timer has run, no TCP socket is left. */
	for (int i = 0; i < nopen; i++)
		if (open_conns[i].fd >= 0)
			usn_close(open_conns[i].fd);
	for (size_t i = 0; i < nstray; i++)
		usn_close(stray[i]);
	{
		int fd;

		while ((fd = usn_accept(lfd, NULL, NULL)) >= 0)
			usn_close(fd);
	}
	usn_close(lfd);
	usn_sim_run(3600ULL * 1000000000);
	take_all(NULL, NULL);
	EXPECT_EQ(mib("Sockstat.TCP.alloc"), tcp_alloc_start);
}
