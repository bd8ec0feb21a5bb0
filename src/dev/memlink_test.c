/* SPDX-License-Identifier: MIT */
/*
 * memlink_test.c - the in-memory wire: frames cross intact and in order,
 * each impairment does what it says at the rate it is asked for, the
 * in-flight queue is bounded, runs are deterministic down to the pcap
 * bytes, and no frame leaks whichever end goes first.
 *
 * Everything runs in simulated mode (one usn_init per process, so the
 * virtual clock keeps running from test to test: times are compared
 * relative to the test's start). Frames are raw Ethernet frames of an
 * experimental ethertype, sent with dev_queue_xmit() and caught by a
 * ptype_all tap on the receiving device. Tests that need a fresh process
 * (byte-identical pcap files, threaded mode) run this binary again with
 * USNET_MEMLINK_CHILD set; a constructor then plays the child's part.
 */
#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"
#include "link/netdevice.h"
#include "net/net.h"

#define ETH_P_TEST	0x88B5		/* IEEE 802 local experimental */
#define RUN_SEED	0x5eedULL
#define MS		1000000ULL
#define US		1000ULL
#define CHILD_ENV	"USNET_MEMLINK_CHILD"
#define REORDER_DEFAULT_NS	(1 * MS)

static const unsigned char bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- set-up ---------------------------------------------------------------- */

static void sim_start(void)
{
	test_sim_start(RUN_SEED);
}

static uint64_t heads_in_use(void)
{
	struct skb_pool_stats st;

	skb_pool_get_stats(&st);
	return st.heads_in_use;
}

static struct usn_link_stats link_stats(struct usn_net *net, int ifindex)
{
	struct usn_link_stats st;

	memset(&st, 0, sizeof(st));
	EXPECT_OK(usn_link_stats(net, ifindex, &st));
	return st;
}

/* ---- frames ------------------------------------------------------------------ */

/* A payload that starts with @seq and is different for every @seq. */
static void fill_payload(unsigned char *p, uint32_t seq, unsigned int plen)
{
	for (unsigned int i = 0; i < plen; i++)
		p[i] = (unsigned char)(seq * 31 + i);
	if (plen >= 4) {
		uint32_t be = htonl(seq);

		memcpy(p, &be, 4);
	}
}

/* The frame of @len bytes that send_frame() puts on the wire. */
static void expected_frame(unsigned char *f, const unsigned char *src,
			   uint32_t seq, unsigned int len)
{
	memcpy(f, bcast, ETH_ALEN);
	memcpy(f + 6, src, ETH_ALEN);
	f[12] = ETH_P_TEST >> 8;
	f[13] = ETH_P_TEST & 0xff;
	fill_payload(f + ETH_HLEN, seq, len - ETH_HLEN);
}

/* Sends a broadcast frame of @len bytes (header included); dev_queue_xmit's result. */
static int send_frame(struct usn_net *net, int ifindex, uint32_t seq,
		      unsigned int len)
{
	unsigned int plen = len - ETH_HLEN;
	struct net_device *dev;
	struct sk_buff *skb;
	unsigned char *p;
	int err;

	net_lock(net);
	dev = dev_get_by_index(net, ifindex);
	err = -ENODEV;
	if (!dev)
		goto out;
	err = -ENOMEM;
	skb = alloc_skb_headroom(plen, USN_MAX_HEADER);
	if (!skb)
		goto out;
	p = skb_put(skb, plen);
	fill_payload(p, seq, plen);
	dev_hard_header(skb, dev, ETH_P_TEST, bcast, NULL, plen);
	skb->dev = dev;
	err = dev_queue_xmit(skb);
out:
	net_unlock(net);
	return err;
}

static unsigned int bits_differ(const unsigned char *a, const unsigned char *b,
				unsigned int len)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < len; i++)
		n += (unsigned int)__builtin_popcount(a[i] ^ b[i]);
	return n;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- capture: a ptype_all tap on one device ------------------------------------ */

struct rx_frame {
	uint64_t	t;		/* skb->tstamp: when it was received */
	uint32_t	seq;
	unsigned int	len;
	unsigned char	*data;		/* the frame from its Ethernet header, if kept */
};

struct capture {
	struct packet_type	pt;
	struct rx_frame		*f;
	unsigned int		cap;	/* frames recorded at most */
	unsigned int		n;	/* frames received, even past @cap */
	bool			keep;
};

static int capture_rcv(struct sk_buff *skb, struct net_device *dev,
		       struct packet_type *pt, struct net_device *orig_dev)
{
	struct capture *c = container_of(pt, struct capture, pt);
	const unsigned char *mac = skb_mac_header(skb);
	struct rx_frame *f;
	uint32_t be = 0;

	if (skb->pkt_type == PACKET_OUTGOING)
		goto out;
	if (c->n < c->cap) {
		f = &c->f[c->n];
		f->t = skb->tstamp;
		f->len = skb_mac_len_total(skb);
		if (f->len >= ETH_HLEN + 4)
			memcpy(&be, mac + ETH_HLEN, 4);
		f->seq = ntohl(be);
		if (c->keep) {
			f->data = malloc(f->len);
			if (f->data)
				memcpy(f->data, mac, f->len);
		}
	}
	c->n++;
out:
	consume_skb(skb);
	return 0;
}

static void capture_attach(struct capture *c, struct usn_net *net, int ifindex,
			   unsigned int cap, bool keep)
{
	c->f = calloc(cap ? cap : 1, sizeof(*c->f));
	c->cap = c->f ? cap : 0;
	c->keep = keep;
	c->pt.type = htons(ETH_P_ALL);
	c->pt.func = capture_rcv;
	c->pt.name = "memlink_test";
	net_lock(net);
	c->pt.dev = dev_get_by_index(net, ifindex);
	dev_add_pack(net, &c->pt);
	net_unlock(net);
}

/* The tap leaves with its device; this frees what it recorded. */
static void capture_free(struct capture *c)
{
	for (unsigned int i = 0; i < min_t(unsigned int, c->n, c->cap); i++)
		free(c->f[i].data);
	free(c->f);
	memset(c, 0, sizeof(*c));
}

/* ---- a pair of namespaces joined by a memlink ------------------------------------- */

struct pair {
	struct usn_net		*net[2];
	int			ifindex[2];
	unsigned char		mac[2][ETH_ALEN];
	struct capture		rx[2];		/* what each end received */
	uint64_t		heads0;		/* sk_buffs in use before */
};

static bool pair_open(struct pair *p, const struct usn_memlink_params *prm,
		      unsigned int cap, bool keep)
{
	memset(p, 0, sizeof(*p));
	sim_start();
	p->heads0 = heads_in_use();
	p->net[0] = usn_net_create("a", 0);
	p->net[1] = usn_net_create("b", 0);
	if (!p->net[0] || !p->net[1])
		return false;
	if (usn_memlink_create(p->net[0], NULL, p->net[1], NULL, prm, p->ifindex))
		return false;
	for (int i = 0; i < 2; i++) {
		if (usn_link_set_up(p->net[i], p->ifindex[i], 1) ||
		    usn_link_hwaddr(p->net[i], p->ifindex[i], p->mac[i]))
			return false;
		capture_attach(&p->rx[i], p->net[i], p->ifindex[i], cap, keep);
	}
	return true;
}

/* Destroys both namespaces (@first first) and checks that no frame leaked. */
static void pair_close_order(struct pair *p, int first)
{
	for (int k = 0; k < 2; k++) {
		int i = k ? !first : first;

		if (p->net[i])
			EXPECT_OK(usn_net_destroy(p->net[i]));
		p->net[i] = NULL;
	}
	capture_free(&p->rx[0]);
	capture_free(&p->rx[1]);
	EXPECT_EQ(heads_in_use(), p->heads0);
}

static void pair_close(struct pair *p)
{
	pair_close_order(p, 0);
}

/* Sends @n frames of @len from end @from, letting due frames through now and then. */
static void send_burst(struct pair *p, int from, uint32_t seq0, unsigned int n,
		       unsigned int len)
{
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ(send_frame(p->net[from], p->ifindex[from], seq0 + i, len), 0);
		if (i % 256 == 255)
			usn_sim_run(0);
	}
}

/* ---- creation, names, errors ----------------------------------------------------- */

TEST(create_names_and_errors)
{
	struct usn_memlink_params bad;
	struct pair p;
	int idx[2], lo;

	ASSERT_TRUE(pair_open(&p, NULL, 0, false));
	EXPECT_EQ(usn_link_index(p.net[0], "ml0"), p.ifindex[0]);
	EXPECT_EQ(usn_link_index(p.net[1], "ml0"), p.ifindex[1]);
	EXPECT_TRUE(memcmp(p.mac[0], p.mac[1], ETH_ALEN));
	for (int i = 0; i < 2; i++)
		EXPECT_EQ(p.mac[i][0] & 3, 2);	/* unicast, locally administered */

	/* "%d" takes the next number; explicit names are kept. */
	EXPECT_OK(usn_memlink_create(p.net[0], "ml%d", p.net[1], "peer", NULL, idx));
	EXPECT_EQ(usn_link_index(p.net[0], "ml1"), idx[0]);
	EXPECT_EQ(usn_link_index(p.net[1], "peer"), idx[1]);

	/* A failure at the second end takes the first one away again. */
	EXPECT_ERRNO(usn_memlink_create(p.net[0], "first", p.net[1], "peer", NULL, idx),
		     EEXIST);
	EXPECT_ERRNO(usn_link_index(p.net[0], "first"), ENODEV);
	EXPECT_ERRNO(usn_memlink_create(p.net[0], "ml0", p.net[1], "x", NULL, idx),
		     EEXIST);
	EXPECT_ERRNO(usn_link_index(p.net[1], "x"), ENODEV);
	EXPECT_ERRNO(usn_memlink_create(p.net[0], "a-name-far-too-long", p.net[1],
					NULL, NULL, idx), EINVAL);
	EXPECT_ERRNO(usn_memlink_create(NULL, NULL, p.net[1], NULL, NULL, idx), EINVAL);
	EXPECT_ERRNO(usn_memlink_create(p.net[0], NULL, NULL, NULL, NULL, idx), EINVAL);

	memset(&bad, 0, sizeof(bad));
	bad.loss = 1.5;
	EXPECT_ERRNO(usn_memlink_create(p.net[0], NULL, p.net[1], NULL, &bad, idx), EINVAL);
	bad.loss = -0.1;
	EXPECT_ERRNO(usn_memlink_set_params(p.net[0], p.ifindex[0], &bad), EINVAL);
	bad.loss = 0;
	bad.reorder = NAN;
	EXPECT_ERRNO(usn_memlink_set_params(p.net[0], p.ifindex[0], &bad), EINVAL);
	bad.reorder = 0;
	bad.corrupt = 1.0000001;
	EXPECT_ERRNO(usn_memlink_set_params(p.net[0], p.ifindex[0], &bad), EINVAL);
	bad.corrupt = 0;
	bad.duplicate = -INFINITY;
	EXPECT_ERRNO(usn_memlink_set_params(p.net[0], p.ifindex[0], &bad), EINVAL);
	bad.duplicate = 0;
	bad.mtu = 67;
	EXPECT_ERRNO(usn_memlink_create(p.net[0], NULL, p.net[1], NULL, &bad, idx), EINVAL);
	bad.mtu = 65536;
	EXPECT_ERRNO(usn_memlink_set_params(p.net[0], p.ifindex[0], &bad), EINVAL);

	lo = usn_link_index(p.net[0], "lo");
	EXPECT_TRUE(lo > 0);
	EXPECT_ERRNO(usn_memlink_set_params(p.net[0], lo, NULL), ENODEV);
	EXPECT_ERRNO(usn_memlink_set_params(p.net[0], 999, NULL), ENODEV);
	EXPECT_ERRNO(usn_memlink_set_params(NULL, 1, NULL), EINVAL);
	EXPECT_OK(usn_memlink_set_params(p.net[0], p.ifindex[0], NULL));
	pair_close(&p);
}

TEST(created_down)
{
	struct usn_net *a, *b;
	struct usn_link_stats st;
	uint64_t heads0;
	int idx[2];

	sim_start();
	heads0 = heads_in_use();
	a = usn_net_create("a", 0);
	b = usn_net_create("b", 0);
	ASSERT_TRUE(a && b);
	EXPECT_OK(usn_memlink_create(a, NULL, b, NULL, NULL, idx));
	/* Like "ip link add": down until the user brings it up. */
	EXPECT_EQ(send_frame(a, idx[0], 1, 60), -ENETDOWN);
	st = link_stats(a, idx[0]);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_DEV_DOWN], 1);
	EXPECT_EQ(st.tx_packets, 0);
	EXPECT_OK(usn_net_destroy(a));
	EXPECT_OK(usn_net_destroy(b));
	EXPECT_EQ(heads_in_use(), heads0);
}

/* Both ends in one namespace: a cable from one port to another. */
TEST(same_namespace)
{
	struct capture c = { 0 };
	struct usn_net *a;
	uint64_t heads0;
	int idx[2];

	sim_start();
	heads0 = heads_in_use();
	a = usn_net_create("a", 0);
	ASSERT_TRUE(a);
	EXPECT_OK(usn_memlink_create(a, NULL, a, NULL, NULL, idx));
	EXPECT_EQ(usn_link_index(a, "ml0"), idx[0]);
	EXPECT_EQ(usn_link_index(a, "ml1"), idx[1]);
	EXPECT_OK(usn_link_set_up(a, idx[0], 1));
	EXPECT_OK(usn_link_set_up(a, idx[1], 1));
	capture_attach(&c, a, idx[1], 4, false);
	EXPECT_EQ(send_frame(a, idx[0], 7, 100), 0);
	usn_sim_run(0);
	EXPECT_EQ(c.n, 1);
	EXPECT_EQ(c.f[0].seq, 7);
	EXPECT_OK(usn_net_destroy(a));
	capture_free(&c);
	EXPECT_EQ(heads_in_use(), heads0);
}

/* ---- a clean wire ---------------------------------------------------------------- */

TEST(intact_in_order)
{
	unsigned char want[ETH_FRAME_LEN];
	struct usn_link_stats st;
	unsigned int n = 300, len, bytes = 0;
	struct pair p;
	uint64_t t0;

	ASSERT_TRUE(pair_open(&p, NULL, 2 * n, true));
	t0 = usn_sim_now();
	for (unsigned int i = 0; i < n; i++) {
		len = 60 + (i * 97) % (ETH_FRAME_LEN - 59);
		bytes += len;
		EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], i, len), 0);
		EXPECT_EQ(send_frame(p.net[1], p.ifindex[1], i, len), 0);
	}
	usn_sim_run(0);
	for (int end = 0; end < 2; end++) {
		struct capture *c = &p.rx[!end];

		EXPECT_EQ(c->n, n);
		for (unsigned int i = 0; i < min_t(unsigned int, c->n, n); i++) {
			len = 60 + (i * 97) % (ETH_FRAME_LEN - 59);
			expected_frame(want, p.mac[end], i, len);
			EXPECT_EQ(c->f[i].seq, i);
			EXPECT_EQ(c->f[i].len, len);
			EXPECT_TRUE(c->f[i].data && !memcmp(c->f[i].data, want, len));
			EXPECT_EQ(c->f[i].t, t0);	/* no delay, no rate */
		}
		st = link_stats(p.net[end], p.ifindex[end]);
		EXPECT_EQ(st.tx_packets, n);
		EXPECT_EQ(st.tx_bytes, bytes);
		EXPECT_EQ(st.tx_dropped, 0);
		st = link_stats(p.net[!end], p.ifindex[!end]);
		EXPECT_EQ(st.rx_packets, n);
		EXPECT_EQ(st.rx_bytes, bytes);
		EXPECT_EQ(st.rx_dropped, 0);
	}
	pair_close(&p);
}

TEST(delay)
{
	struct usn_memlink_params prm = { .delay_ns = 5 * MS };
	struct pair p;
	uint64_t t0;

	ASSERT_TRUE(pair_open(&p, &prm, 16, false));
	t0 = usn_sim_now();
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 0, 100), 0);
	usn_sim_run(1 * MS);
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 1, 100), 0);
	usn_sim_run(4 * MS - 1);
	EXPECT_EQ(p.rx[1].n, 0);
	usn_sim_run(1);
	EXPECT_EQ(p.rx[1].n, 1);
	usn_sim_run(1 * MS);
	ASSERT_TRUE(p.rx[1].n == 2);
	EXPECT_EQ(p.rx[1].f[0].t - t0, 5 * MS);
	EXPECT_EQ(p.rx[1].f[1].t - t0, 6 * MS);
	EXPECT_EQ(p.rx[0].n, 0);
	pair_close(&p);
}

TEST(rate)
{
	struct usn_memlink_params prm = { .rate_bps = 10000000, .delay_ns = 2 * MS };
	const unsigned int n = 100, size = 1000;
	uint64_t t0, frame_ns = size * 8ULL * 1000000000ULL / prm.rate_bps;
	uint64_t total = n * frame_ns, took;
	struct pair p;

	ASSERT_TRUE(pair_open(&p, &prm, n + 1, false));
	t0 = usn_sim_now();
	send_burst(&p, 0, 0, n, size);
	usn_sim_run(total + prm.delay_ns + MS);
	ASSERT_TRUE(p.rx[1].n == n);
	/* Each frame leaves when the one before it has, then flies 2 ms. */
	for (unsigned int i = 0; i < n; i++)
		EXPECT_EQ(p.rx[1].f[i].t - t0, (i + 1) * frame_ns + prm.delay_ns);
	took = p.rx[1].f[n - 1].t - t0 - prm.delay_ns;
	EXPECT_TRUE(took + frame_ns >= total && took <= total + frame_ns);

	/* An idle wire starts again from now, not from the last departure. */
	usn_sim_run(50 * MS);
	t0 = usn_sim_now();
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], n, size), 0);
	usn_sim_run(frame_ns + prm.delay_ns);
	ASSERT_TRUE(p.rx[1].n == n + 1);
	EXPECT_EQ(p.rx[1].f[n].t - t0, frame_ns + prm.delay_ns);
	pair_close(&p);
}

TEST(mtu)
{
	struct usn_memlink_params prm = { .mtu = 9000 };
	struct usn_link_stats st;
	struct pair p;

	/*
	 * The receiving end takes its MTU + header + a VLAN tag, as veth's
	 * peer; dev_queue_xmit() leaves the MTU to the senders.
	 */
	ASSERT_TRUE(pair_open(&p, NULL, 8, false));
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 0, ETH_FRAME_LEN), 0);
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 1, ETH_FRAME_LEN + 4), 0);
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 2, ETH_FRAME_LEN + 5), 0);
	usn_sim_run(0);
	EXPECT_EQ(p.rx[1].n, 2);
	EXPECT_EQ(p.rx[1].f[1].len, ETH_FRAME_LEN + 4);
	st = link_stats(p.net[0], p.ifindex[0]);
	EXPECT_EQ(st.tx_dropped, 0);
	EXPECT_EQ(st.tx_packets, 3);
	st = link_stats(p.net[1], p.ifindex[1]);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_MTU_EXCEEDED], 1);
	EXPECT_EQ(st.rx_dropped, 1);
	EXPECT_EQ(st.rx_packets, 2);

	/* The device's limits: 68 to 65535. */
	EXPECT_ERRNO(usn_link_set_mtu(p.net[0], p.ifindex[0], 67), EINVAL);
	EXPECT_ERRNO(usn_link_set_mtu(p.net[0], p.ifindex[0], 65536), EINVAL);
	EXPECT_OK(usn_link_set_mtu(p.net[1], p.ifindex[1], 65535));
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 3, 65535 + ETH_HLEN), 0);
	usn_sim_run(0);
	EXPECT_EQ(p.rx[1].n, 3);
	EXPECT_EQ(p.rx[1].f[2].len, 65535 + ETH_HLEN);

	/* The params' MTU sets the sending end's: the receiver's counts. */
	EXPECT_OK(usn_memlink_set_params(p.net[1], p.ifindex[1], &prm));
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 4, 9004 + ETH_HLEN), 0);
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 5, 9005 + ETH_HLEN), 0);
	usn_sim_run(0);
	EXPECT_EQ(p.rx[1].n, 4);
	pair_close(&p);

	/* ... as it sets both ends' at creation. */
	ASSERT_TRUE(pair_open(&p, &prm, 8, false));
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(send_frame(p.net[i], p.ifindex[i], 0, 9004 + ETH_HLEN), 0);
		EXPECT_EQ(send_frame(p.net[i], p.ifindex[i], 1, 9005 + ETH_HLEN), 0);
	}
	usn_sim_run(0);
	EXPECT_EQ(p.rx[0].n, 1);
	EXPECT_EQ(p.rx[1].n, 1);
	pair_close(&p);
}

/* ---- impairments ------------------------------------------------------------------ */

#define STAT_FRAMES	20000
#define STAT_TOL	0.015

static bool near(double measured, double want)
{
	printf("  measured %.4f, want %.4f +- %.3f\n", measured, want, STAT_TOL);
	return fabs(measured - want) <= STAT_TOL;
}

TEST(loss)
{
	struct usn_memlink_params prm = { .loss = 0.1 };
	const unsigned int n = STAT_FRAMES;
	unsigned int lost, last = 0;
	struct usn_link_stats st;
	struct pair p;

	ASSERT_TRUE(pair_open(&p, &prm, n, false));
	send_burst(&p, 0, 0, n, 64);
	usn_sim_run(0);
	lost = n - p.rx[1].n;
	EXPECT_TRUE(near((double)lost / n, prm.loss));
	for (unsigned int i = 0; i < p.rx[1].n; i++) {
		EXPECT_TRUE(i == 0 || p.rx[1].f[i].seq > last);
		last = p.rx[1].f[i].seq;
	}
	/* A frame lost on the wire was sent. */
	st = link_stats(p.net[0], p.ifindex[0]);
	EXPECT_EQ(st.tx_packets, n);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_WIRE_LOSS], lost);
	EXPECT_EQ(st.tx_dropped, lost);
	EXPECT_EQ(link_stats(p.net[1], p.ifindex[1]).rx_packets, n - lost);
	pair_close(&p);
}

TEST(duplicate)
{
	struct usn_memlink_params prm = { .duplicate = 0.1 };
	const unsigned int n = STAT_FRAMES;
	unsigned int dups, *seen;
	struct pair p;
	bool ok = true;

	ASSERT_TRUE(pair_open(&p, &prm, 2 * n, false));
	send_burst(&p, 0, 0, n, 64);
	usn_sim_run(0);
	ASSERT_TRUE(p.rx[1].n >= n);
	dups = p.rx[1].n - n;
	EXPECT_TRUE(near((double)dups / n, prm.duplicate));
	seen = calloc(n, sizeof(*seen));
	ASSERT_TRUE(seen);
	for (unsigned int i = 0; i < p.rx[1].n; i++) {
		uint32_t s = p.rx[1].f[i].seq;

		/* Every frame once or twice, a copy right behind its original. */
		if (s >= n || (i && s < p.rx[1].f[i - 1].seq) || ++seen[s] > 2)
			ok = false;
	}
	for (unsigned int s = 0; s < n; s++)
		ok = ok && seen[s] >= 1;
	EXPECT_TRUE(ok);
	free(seen);
	/* Each copy went onto the wire. */
	EXPECT_EQ(link_stats(p.net[0], p.ifindex[0]).tx_packets, n + dups);
	pair_close(&p);
}

/* A tap on the sending device that holds the clones it is given. */
struct holder {
	struct packet_type	pt;
	struct sk_buff		*skb[1000];
	unsigned int		n;
};

static int holder_rcv(struct sk_buff *skb, struct net_device *dev,
		      struct packet_type *pt, struct net_device *orig_dev)
{
	struct holder *h = container_of(pt, struct holder, pt);

	if (skb->pkt_type == PACKET_OUTGOING && h->n < ARRAY_SIZE(h->skb)) {
		h->skb[h->n++] = skb;
		return 0;
	}
	consume_skb(skb);
	return 0;
}

TEST(corrupt)
{
	struct usn_memlink_params prm = { .corrupt = 0.1 };
	const unsigned int n = STAT_FRAMES, len = 64;
	unsigned char want[64];
	unsigned int flipped = 0, bad = 0, held_bad = 0;
	struct holder *h = calloc(1, sizeof(*h));
	struct pair p;

	ASSERT_TRUE(h && pair_open(&p, &prm, n, true));
	h->pt.type = htons(ETH_P_ALL);
	h->pt.func = holder_rcv;
	net_lock(p.net[0]);
	h->pt.dev = dev_get_by_index(p.net[0], p.ifindex[0]);
	dev_add_pack(p.net[0], &h->pt);
	net_unlock(p.net[0]);

	send_burst(&p, 0, 0, n, len);
	usn_sim_run(0);
	/* No loss, no reordering: the i-th frame received is the i-th sent. */
	ASSERT_TRUE(p.rx[1].n == n);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int d;

		expected_frame(want, p.mac[0], i, len);
		d = p.rx[1].f[i].len == len ? bits_differ(p.rx[1].f[i].data, want, len) : 99;
		flipped += d == 1;
		bad += d > 1;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_TRUE(near((double)flipped / n, prm.corrupt));

	/* The taps' clones of the sent frames saw none of it. */
	net_lock(p.net[0]);
	dev_remove_pack(p.net[0], &h->pt);
	net_unlock(p.net[0]);
	EXPECT_EQ(h->n, ARRAY_SIZE(h->skb));
	for (unsigned int i = 0; i < h->n; i++) {
		struct sk_buff *skb = h->skb[i];

		expected_frame(want, p.mac[0], i, len);
		if (skb_mac_len_total(skb) != len ||
		    memcmp(skb_mac_header(skb), want, len))
			held_bad++;
		consume_skb(skb);
	}
	EXPECT_EQ(held_bad, 0);
	free(h);
	pair_close(&p);
}

TEST(reorder)
{
	struct usn_memlink_params prm = { .reorder = 0.2 };
	const unsigned int n = 5000;
	unsigned int held = 0, late = 0, once = 0, max_seq = 0, *seen;
	uint64_t *sent_at;
	struct pair p;
	bool times_ok = true;

	ASSERT_TRUE(pair_open(&p, &prm, 2 * n, false));
	sent_at = calloc(n, sizeof(*sent_at));
	seen = calloc(n, sizeof(*seen));
	ASSERT_TRUE(sent_at && seen);
	for (unsigned int i = 0; i < n; i++) {
		sent_at[i] = usn_sim_now();
		EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], i, 100), 0);
		usn_sim_run(100 * US);
	}
	usn_sim_run(2 * MS);
	EXPECT_EQ(p.rx[1].n, n);
	for (unsigned int i = 0; i < min_t(unsigned int, p.rx[1].n, 2 * n); i++) {
		const struct rx_frame *f = &p.rx[1].f[i];
		uint64_t flew;

		if (f->seq >= n)
			continue;
		once += ++seen[f->seq] == 1;
		flew = f->t - sent_at[f->seq];
		held += flew == REORDER_DEFAULT_NS;
		times_ok = times_ok && (flew == 0 || flew == REORDER_DEFAULT_NS) &&
			   (i == 0 || f->t >= p.rx[1].f[i - 1].t);
		late += i && f->seq < max_seq;
		max_seq = max_t(unsigned int, max_seq, f->seq);
	}
	EXPECT_EQ(once, n);		/* all arrive, once */
	EXPECT_TRUE(late > 0);		/* and some out of order */
	/* Each held frame is overtaken, but for the last few sent. */
	EXPECT_TRUE(late <= held && late + 10 >= held);
	EXPECT_TRUE(times_ok);
	printf("  held back %.4f, overtaken %.4f, want %.2f\n", (double)held / n,
	       (double)late / n, prm.reorder);
	EXPECT_TRUE(fabs((double)held / n - prm.reorder) < 0.03);
	free(sent_at);
	free(seen);
	pair_close(&p);
}

TEST(reorder_delay)
{
	struct usn_memlink_params prm = { .reorder = 1, .reorder_delay_ns = 3 * MS,
					  .delay_ns = 1 * MS };
	struct pair p;
	uint64_t t0;

	ASSERT_TRUE(pair_open(&p, &prm, 4, false));
	t0 = usn_sim_now();
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 0, 100), 0);
	usn_sim_run(10 * MS);
	ASSERT_TRUE(p.rx[1].n == 1);
	EXPECT_EQ(p.rx[1].f[0].t - t0, 4 * MS);
	pair_close(&p);
}

TEST(queue_limit)
{
	struct usn_memlink_params prm = { .rate_bps = 1000000, .queue_len = 50 };
	const unsigned int n = 200, size = 1000;
	uint64_t frame_ns = size * 8ULL * 1000000000ULL / prm.rate_bps, t0;
	struct usn_link_stats st;
	struct pair p;

	ASSERT_TRUE(pair_open(&p, &prm, n, false));
	t0 = usn_sim_now();
	for (unsigned int i = 0; i < n; i++)
		EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], i, size), 0);
	st = link_stats(p.net[0], p.ifindex[0]);
	EXPECT_EQ(st.tx_packets, prm.queue_len);
	EXPECT_EQ(st.tx_dropped, n - prm.queue_len);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_TXQUEUE_FULL], n - prm.queue_len);
	usn_sim_run(prm.queue_len * frame_ns);
	ASSERT_TRUE(p.rx[1].n == prm.queue_len);
	/* A dropped frame did not hold the wire. */
	EXPECT_EQ(p.rx[1].f[prm.queue_len - 1].t - t0, prm.queue_len * frame_ns);
	EXPECT_EQ(p.rx[1].f[prm.queue_len - 1].seq, prm.queue_len - 1);
	/* Drained, it takes frames again; a queue left full goes with the wire. */
	for (unsigned int i = 0; i < n; i++)
		send_frame(p.net[0], p.ifindex[0], n + i, size);
	usn_sim_run(frame_ns);
	EXPECT_EQ(p.rx[1].n, prm.queue_len + 1);
	pair_close(&p);
}

/* ---- carrier and parameters ---------------------------------------------------------- */

TEST(carrier)
{
	struct usn_memlink_params prm = { .delay_ns = 10 * MS };
	struct usn_link_stats st;
	struct pair p;

	ASSERT_TRUE(pair_open(&p, &prm, 8, false));
	/* The peer down: sent to nobody. */
	EXPECT_OK(usn_link_set_up(p.net[1], p.ifindex[1], 0));
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 0, 100), 0);
	st = link_stats(p.net[0], p.ifindex[0]);
	EXPECT_EQ(st.tx_packets, 1);
	EXPECT_EQ(st.tx_dropped, 1);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_NO_CARRIER], 1);

	/* Going down loses what is on its way in, counted on the receiver. */
	EXPECT_OK(usn_link_set_up(p.net[1], p.ifindex[1], 1));
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 1, 100), 0);
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 2, 100), 0);
	usn_sim_run(5 * MS);
	EXPECT_OK(usn_link_set_up(p.net[1], p.ifindex[1], 0));
	st = link_stats(p.net[1], p.ifindex[1]);
	EXPECT_EQ(st.rx_dropped, 2);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_DEV_DOWN], 2);
	EXPECT_OK(usn_link_set_up(p.net[1], p.ifindex[1], 1));
	usn_sim_run(20 * MS);
	EXPECT_EQ(p.rx[1].n, 0);

	/* Up again, the wire works. */
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 3, 100), 0);
	usn_sim_run(10 * MS);
	ASSERT_TRUE(p.rx[1].n == 1);
	EXPECT_EQ(p.rx[1].f[0].seq, 3);
	pair_close(&p);
}

TEST(set_params_per_direction)
{
	struct usn_memlink_params pa = { .delay_ns = 3 * MS };
	struct usn_memlink_params pb = { .delay_ns = 7 * MS };
	struct pair p;
	uint64_t t0;

	ASSERT_TRUE(pair_open(&p, NULL, 8, false));
	EXPECT_OK(usn_memlink_set_params(p.net[0], p.ifindex[0], &pa));
	EXPECT_OK(usn_memlink_set_params(p.net[1], p.ifindex[1], &pb));
	t0 = usn_sim_now();
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 0, 100), 0);
	EXPECT_EQ(send_frame(p.net[1], p.ifindex[1], 0, 100), 0);
	usn_sim_run(10 * MS);
	ASSERT_TRUE(p.rx[0].n == 1 && p.rx[1].n == 1);
	EXPECT_EQ(p.rx[1].f[0].t - t0, 3 * MS);
	EXPECT_EQ(p.rx[0].f[0].t - t0, 7 * MS);

	/* NULL: back to a clean wire. */
	EXPECT_OK(usn_memlink_set_params(p.net[0], p.ifindex[0], NULL));
	t0 = usn_sim_now();
	EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], 1, 100), 0);
	usn_sim_run(0);
	ASSERT_TRUE(p.rx[1].n == 2);
	EXPECT_EQ(p.rx[1].f[1].t, t0);
	pair_close(&p);
}

/* A user seed restarts the same decisions. */
TEST(seed_restarts_sequence)
{
	struct usn_memlink_params prm = { .loss = 0.5, .seed = 1234 };
	const unsigned int n = 200;
	struct pair p;
	bool same = true;

	ASSERT_TRUE(pair_open(&p, &prm, 2 * n, false));
	send_burst(&p, 0, 0, n, 60);
	usn_sim_run(0);
	EXPECT_OK(usn_memlink_set_params(p.net[0], p.ifindex[0], &prm));
	send_burst(&p, 0, n, n, 60);
	usn_sim_run(0);
	ASSERT_TRUE(p.rx[1].n % 2 == 0 && p.rx[1].n > 0 && p.rx[1].n < 2 * n);
	for (unsigned int i = 0, half = p.rx[1].n / 2; i < half; i++)
		same = same && p.rx[1].f[i].seq + n == p.rx[1].f[half + i].seq;
	EXPECT_TRUE(same);
	pair_close(&p);
}

/* ---- determinism ---------------------------------------------------------------------- */

static const struct usn_memlink_params impaired = {
	.rate_bps = 100000000, .delay_ns = 2 * MS, .loss = 0.05, .duplicate = 0.05,
	.reorder = 0.1, .corrupt = 0.05, .queue_len = 1000,
};

/*
 * Hashes what both ends received: times relative to the start, lengths,
 * bytes. The addresses differ from namespace to namespace in one process,
 * so the source address is hashed as its difference from the sender's,
 * which is what corruption made of it.
 */
static uint64_t capture_hash(uint64_t h, const struct capture *c,
			     const unsigned char *src, uint64_t t0)
{
	for (unsigned int i = 0; i < min_t(unsigned int, c->n, c->cap); i++) {
		const struct rx_frame *f = &c->f[i];
		unsigned char mac[ETH_ALEN];
		uint64_t rel = f->t - t0;

		h = fnv1a(h, &rel, sizeof(rel));
		h = fnv1a(h, &f->len, sizeof(f->len));
		if (!f->data || f->len < ETH_HLEN)
			continue;
		for (int k = 0; k < ETH_ALEN; k++)
			mac[k] = f->data[6 + k] ^ src[k];
		h = fnv1a(h, f->data, 6);
		h = fnv1a(h, mac, sizeof(mac));
		h = fnv1a(h, f->data + 12, f->len - 12);
	}
	return h;
}

static uint64_t impaired_run(uint64_t seed, unsigned int *received)
{
	struct usn_memlink_params prm = impaired;
	const unsigned int n = 2000;
	uint64_t h = 0xcbf29ce484222325ULL, t0;
	struct pair p;

	prm.seed = seed;
	if (!pair_open(&p, &prm, 2 * n, true))
		return 0;
	t0 = usn_sim_now();
	for (unsigned int i = 0; i < n; i++) {
		send_frame(p.net[0], p.ifindex[0], i, 60 + (i * 37) % 1455);
		send_frame(p.net[1], p.ifindex[1], i, 60 + (i * 53) % 1455);
		usn_sim_run(50 * US);
	}
	usn_sim_run(100 * MS);
	h = capture_hash(h, &p.rx[1], p.mac[0], t0);
	h = capture_hash(h, &p.rx[0], p.mac[1], t0);
	*received = p.rx[0].n + p.rx[1].n;
	pair_close(&p);
	return h;
}

TEST(deterministic)
{
	unsigned int r1, r2, r3;
	uint64_t h1 = impaired_run(77, &r1);
	uint64_t h2 = impaired_run(77, &r2);
	uint64_t h3 = impaired_run(78, &r3);

	EXPECT_TRUE(r1 > 3000 && r1 < 4400);
	EXPECT_EQ(r1, r2);
	EXPECT_TRUE(h1 == h2);
	EXPECT_TRUE(h1 != h3);
}

/* ---- destruction ---------------------------------------------------------------------- */

/* Frames in flight both ways, then the ends go in @order; nothing leaks. */
static void destroy_in_flight(int first)
{
	struct usn_memlink_params prm = { .delay_ns = 10 * MS, .duplicate = 0.3 };
	int second = !first;
	struct usn_link_stats st;
	struct pair p;

	ASSERT_TRUE(pair_open(&p, &prm, 400, false));
	send_burst(&p, 0, 0, 100, 200);
	send_burst(&p, 1, 0, 100, 200);
	usn_sim_run(5 * MS);
	EXPECT_EQ(p.rx[0].n + p.rx[1].n, 0);
	EXPECT_OK(usn_net_destroy(p.net[first]));
	p.net[first] = NULL;

	/* What the gone end sent is on the wire and still arrives... */
	usn_sim_run(10 * MS);
	EXPECT_TRUE(p.rx[second].n >= 100);
	/* ... but nobody hears the end that is left. */
	EXPECT_EQ(send_frame(p.net[second], p.ifindex[second], 0, 100), 0);
	st = link_stats(p.net[second], p.ifindex[second]);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_NO_CARRIER], 1);
	pair_close(&p);
}

TEST(destroy_first_end_in_flight)
{
	destroy_in_flight(0);
}

TEST(destroy_second_end_in_flight)
{
	destroy_in_flight(1);
}

TEST(destroy_both_in_flight)
{
	struct usn_memlink_params prm = { .delay_ns = 10 * MS, .rate_bps = 1000000 };

	for (int first = 0; first < 2; first++) {
		struct pair p;

		ASSERT_TRUE(pair_open(&p, &prm, 0, false));
		send_burst(&p, 0, 0, 300, 1000);
		send_burst(&p, 1, 0, 300, 1000);
		usn_sim_run(30 * MS);
		EXPECT_TRUE(p.rx[0].n > 0 && p.rx[0].n < 300);
		pair_close_order(&p, first);
	}
}

/* ---- pcap ------------------------------------------------------------------------------- */

/* Counts the records of a pcap file; -1 if unreadable or a length is not @want's. */
static int pcap_lengths(const char *path, const unsigned int *want, int n)
{
	FILE *f = fopen(path, "rb");
	uint32_t rec[4];	/* seconds, nanoseconds, captured, original length */
	int count = 0;

	if (!f)
		return -1;
	if (fseek(f, 24, SEEK_SET))	/* the file header */
		count = -1;
	while (count >= 0 && fread(rec, sizeof(rec), 1, f) == 1) {
		if (count >= n || rec[2] != want[count] || rec[3] != want[count] ||
		    fseek(f, rec[2], SEEK_CUR))
			count = -1;
		else
			count++;
	}
	fclose(f);
	return count;
}

TEST(pcap_tshark)
{
	char path[64], cmd[160], line[64];
	unsigned int want[20];
	struct pair p;
	FILE *t;
	int i;

	snprintf(path, sizeof(path), "/tmp/usnet-memlink-%d.pcap", (int)getpid());
	ASSERT_TRUE(pair_open(&p, NULL, 32, false));
	EXPECT_OK(usn_link_pcap(p.net[1], p.ifindex[1], path));
	for (i = 0; i < 20; i++) {
		want[i] = 60 + (unsigned int)i * 70;
		EXPECT_EQ(send_frame(p.net[0], p.ifindex[0], (uint32_t)i, want[i]), 0);
	}
	usn_sim_run(MS);
	EXPECT_OK(usn_link_pcap(p.net[1], p.ifindex[1], NULL));
	EXPECT_EQ(p.rx[1].n, 20);
	EXPECT_EQ(pcap_lengths(path, want, 20), 20);

	if (system("command -v tshark >/dev/null 2>&1")) {
		printf("  note: tshark not installed, its check skipped\n");
	} else {
		snprintf(cmd, sizeof(cmd), "tshark -r %s -T fields -e frame.len 2>/dev/null",
			 path);
		t = popen(cmd, "r");
		ASSERT_TRUE(t);
		for (i = 0; fgets(line, sizeof(line), t); i++)
			if (i < 20)
				EXPECT_EQ(strtoul(line, NULL, 10), want[i]);
		EXPECT_EQ(pclose(t), 0);
		EXPECT_EQ(i, 20);
	}
	unlink(path);
	pair_close(&p);
}

/* Runs this binary again as a child playing @role; its exit status. */
static int run_child(const char *role)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv(CHILD_ENV, role, 1);
		execl("/proc/self/exe", "memlink_test", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "  child %s: signal %d\n", role, WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

static long file_read(const char *path, unsigned char **buf)
{
	FILE *f = fopen(path, "rb");
	long n = -1;

	*buf = NULL;
	if (!f)
		return -1;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		*buf = malloc((size_t)n + 1);
		if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n)
			n = -1;
	}
	fclose(f);
	return n;
}

/* 1 if the files are identical, 0 if not, -1 if one is unreadable or empty of frames. */
static int files_equal(const char *x, const char *y)
{
	unsigned char *a, *b;
	long na = file_read(x, &a), nb = file_read(y, &b);
	int eq = na > 24 && nb > 24 ? na == nb && !memcmp(a, b, (size_t)na) : -1;

	free(a);
	free(b);
	return eq;
}

TEST(pcap_deterministic)
{
	char role[128], pa[3][96], pb[3][96];
	const uint64_t seeds[3] = { RUN_SEED, RUN_SEED, RUN_SEED + 1 };

	for (int i = 0; i < 3; i++) {
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "/tmp/usnet-memlink-%d-%d",
			 (int)getpid(), i);
		snprintf(pa[i], sizeof(pa[i]), "%s-a.pcap", prefix);
		snprintf(pb[i], sizeof(pb[i]), "%s-b.pcap", prefix);
		snprintf(role, sizeof(role), "pcap:%llu:%s",
			 (unsigned long long)seeds[i], prefix);
		EXPECT_EQ(run_child(role), 0);
	}
	/* The same run seed: the same bytes, timestamps included. */
	EXPECT_EQ(files_equal(pa[0], pa[1]), 1);
	EXPECT_EQ(files_equal(pb[0], pb[1]), 1);
	/* Params seed 0 follows the run's seed. */
	EXPECT_EQ(files_equal(pb[0], pb[2]), 0);
	for (int i = 0; i < 3; i++) {
		unlink(pa[i]);
		unlink(pb[i]);
	}
}

TEST(threaded)
{
	EXPECT_EQ(run_child("threaded"), 0);
}

TEST(threaded_due_at_once)
{
	EXPECT_EQ(run_child("threaded_now"), 0);
}

/* ---- the children ------------------------------------------------------------------------ */

/* A fresh process: an impaired run in both directions captured at both ends. */
static int child_pcap(const char *arg)
{
	struct usn_memlink_params prm = impaired;
	char path[2][128];
	struct usn_config cfg;
	struct usn_net *net[2];
	int idx[2], err = 0;
	char *prefix;
	uint64_t seed = strtoull(arg, &prefix, 10);

	if (*prefix++ != ':')
		return 2;
	usn_config_init(&cfg);
	cfg.mode = USN_MODE_SIMULATED;
	cfg.seed = seed;
	if (usn_init(&cfg))
		return 3;
	net[0] = usn_net_create("a", 0);
	net[1] = usn_net_create("b", 0);
	prm.seed = 0;	/* derived from the run's seed */
	if (!net[0] || !net[1] || usn_memlink_create(net[0], NULL, net[1], NULL, &prm, idx))
		return 4;
	for (int i = 0; i < 2; i++) {
		snprintf(path[i], sizeof(path[i]), "%s-%c.pcap", prefix, 'a' + i);
		if (usn_link_set_up(net[i], idx[i], 1) || usn_link_pcap(net[i], idx[i], path[i]))
			return 5;
	}
	for (unsigned int i = 0; i < 500; i++) {
		err |= send_frame(net[0], idx[0], i, 60 + (i * 37) % 1455);
		err |= send_frame(net[1], idx[1], i, 60 + (i * 53) % 1455);
		usn_sim_run(50 * US);
	}
	usn_sim_run(100 * MS);
	for (int i = 0; i < 2; i++)
		err |= usn_link_pcap(net[i], idx[i], NULL);
	err |= usn_net_destroy(net[0]) | usn_net_destroy(net[1]);
	return err ? 6 : 0;
}

/*
 * Threaded mode: frames are counted by whichever thread runs the receiving
 * namespace's receive (its stack thread, or a sender that takes up a frame
 * due at once), always under that namespace's lock.
 */
struct mt_tap {
	struct packet_type	pt;
	atomic_uint		n;
	atomic_uint		misordered;
	uint32_t		last;	/* under the receiver's namespace lock */
};

static int mt_rcv(struct sk_buff *skb, struct net_device *dev,
		  struct packet_type *pt, struct net_device *orig_dev)
{
	struct mt_tap *t = container_of(pt, struct mt_tap, pt);
	uint32_t be;

	if (skb->pkt_type != PACKET_OUTGOING && skb->len >= 4) {
		memcpy(&be, skb->data, 4);
		if (atomic_load(&t->n) && ntohl(be) <= t->last)
			atomic_fetch_add(&t->misordered, 1);
		t->last = ntohl(be);
		atomic_fetch_add(&t->n, 1);
	}
	consume_skb(skb);
	return 0;
}

struct mt_sender {
	struct usn_net	*net;
	int		ifindex;
	unsigned int	n;
	int		err;
};

static void *mt_send(void *arg)
{
	struct mt_sender *s = arg;

	for (unsigned int i = 0; i < s->n; i++) {
		int err = send_frame(s->net, s->ifindex, i, 60 + i % 1000);

		if (err && !s->err)
			s->err = err;
	}
	return NULL;
}

/* Waits for @n0 frames at end 0 and @n1 at end 1. */
static bool mt_wait(struct mt_tap *tap, unsigned int n0, unsigned int n1)
{
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 20000; i++) {
		if (atomic_load(&tap[0].n) >= n0 && atomic_load(&tap[1].n) >= n1)
			return true;
		nanosleep(&ms, NULL);
	}
	fprintf(stderr, "  threaded: %u of %u and %u of %u frames arrived\n",
		atomic_load(&tap[0].n), n0, atomic_load(&tap[1].n), n1);
	return false;
}

/*
 * @n frames from end @net in one hold of its lock, more than one softirq
 * budget: what the sending thread does not take up must still arrive.
 */
static int mt_send_locked(struct usn_net *net, int ifindex, uint32_t seq0,
			  unsigned int n)
{
	struct net_device *dev;
	struct sk_buff *skb;
	int err = 0;

	net_lock(net);
	dev = dev_get_by_index(net, ifindex);
	for (unsigned int i = 0; dev && i < n && !err; i++) {
		skb = alloc_skb_headroom(64, USN_MAX_HEADER);
		if (!skb) {
			err = -ENOMEM;
			break;
		}
		fill_payload(skb_put(skb, 64), seq0 + i, 64);
		dev_hard_header(skb, dev, ETH_P_TEST, bcast, NULL, 64);
		skb->dev = dev;
		err = dev_queue_xmit(skb);
	}
	net_unlock(net);
	return dev ? err : -ENODEV;
}

/*
 * @delay_ns 0: every frame is due at once and the sending thread takes it
 * up the other namespace itself when it can (veth-like); otherwise each
 * frame waits for the receiver's stack thread.
 */
static int child_threaded(uint64_t delay_ns)
{
	struct usn_memlink_params prm = { .delay_ns = delay_ns, .queue_len = 1u << 20 };
	struct mt_sender snd[2];
	struct mt_tap tap[2];
	struct usn_config cfg;
	struct usn_net *net[2];
	pthread_t th[2];
	uint64_t heads0;
	int idx[2];
	const unsigned int n = 3000;

	usn_config_init(&cfg);
	cfg.mode = USN_MODE_THREADED;
	if (usn_init(&cfg))
		return 3;
	heads0 = heads_in_use();
	net[0] = usn_net_create("a", 0);
	net[1] = usn_net_create("b", 0);
	if (!net[0] || !net[1] || usn_memlink_create(net[0], NULL, net[1], NULL, &prm, idx))
		return 4;
	memset(tap, 0, sizeof(tap));
	for (int i = 0; i < 2; i++) {
		if (usn_link_set_up(net[i], idx[i], 1))
			return 5;
		tap[i].pt.type = htons(ETH_P_ALL);
		tap[i].pt.func = mt_rcv;
		net_lock(net[i]);
		tap[i].pt.dev = dev_get_by_index(net[i], idx[i]);
		dev_add_pack(net[i], &tap[i].pt);
		net_unlock(net[i]);
	}
	/* Both ends send at once, each from its own thread. */
	for (int i = 0; i < 2; i++) {
		snd[i] = (struct mt_sender){ net[i], idx[i], n, 0 };
		pthread_create(&th[i], NULL, mt_send, &snd[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	if (snd[0].err || snd[1].err || !mt_wait(tap, n, n))
		return 6;
	if (atomic_load(&tap[0].misordered) || atomic_load(&tap[1].misordered))
		return 7;
	/* A burst larger than a receive budget, in order. */
	if (mt_send_locked(net[0], idx[0], n, 1000) || !mt_wait(tap, n, n + 1000) ||
	    atomic_load(&tap[1].n) != n + 1000 || atomic_load(&tap[1].misordered))
		return 11;
	/* One end goes while the other keeps sending into the wire. */
	snd[0] = (struct mt_sender){ net[0], idx[0], 20000, 0 };
	pthread_create(&th[0], NULL, mt_send, &snd[0]);
	while (atomic_load(&tap[1].n) < n + 1100)
		sched_yield();
	if (usn_net_destroy(net[1]))
		return 8;
	pthread_join(th[0], NULL);
	if (snd[0].err || usn_net_destroy(net[0]))
		return 9;
	return heads_in_use() == heads0 ? 0 : 10;
}

/* Plays a child's part before the harness's main() when asked to. */
__attribute__((constructor)) static void memlink_child(void)
{
	const char *role = getenv(CHILD_ENV);

	if (!role)
		return;
	alarm(120);
	if (!strncmp(role, "pcap:", 5))
		exit(child_pcap(role + 5));
	if (!strcmp(role, "threaded"))
		exit(child_threaded(200 * US));
	if (!strcmp(role, "threaded_now"))
		exit(child_threaded(0));
	exit(2);
}
