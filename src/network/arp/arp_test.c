/* SPDX-License-Identifier: MIT */
/*
 * arp_test.c - ARP and the neighbour table between two namespaces on a
 * memlink (a: 10.0.0.1/24, b: 10.0.0.2/24): resolution of a hand-built
 * IPv4 datagram handed to neigh_output(), every NUD transition on virtual
 * time, failure (the queue dropped and reported with ICMP host
 * unreachable), the queue bound, gratuitous ARP, malformed frames, the
 * table bound and its garbage collection, and a pcap tshark finds clean.
 *
 * Each end has a ptype_all tap on its device that records every frame,
 * sent and received, from its Ethernet header.
 */
#include <arpa/inet.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "net/usnet.h"
#include "network/arp/neigh_priv.h"
#include "network/arp/neighbour.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"
#include "wire/arp.h"
#include "wire/checksum.h"

#define RUN_SEED	0xa4bULL
#define MS		1000000ULL
#define SEC		(1000 * MS)
#define FRAMES_MAX	4096
#define IPPROTO_TEST	253		/* RFC 3692 experimental */

static const unsigned char bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const unsigned char zero_mac[ETH_ALEN];

static uint32_t A(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

static uint64_t heads_in_use(void)
{
	struct skb_pool_stats st;

	skb_pool_get_stats(&st);
	return st.heads_in_use;
}

/* IPv4 is an initcall once inet_init() is registered; until then, start it here. */
static void ipv4_start(void)
{
	struct usn_net *net;

	test_sim_start(RUN_SEED);
	net = usn_net_default();
	if (net->ipv4)
		return;
	pthread_mutex_lock(&usn_g.lock);
	if (ip_init() || fib_init() || arp_init() || icmp_init())
		abort();
	pthread_mutex_unlock(&usn_g.lock);
}

/* ---- capture -------------------------------------------------------------------- */

struct frame {
	bool		out;		/* sent by this end */
	unsigned int	len;
	unsigned char	data[128];	/* from the Ethernet header */
};

struct capture {
	struct packet_type	pt;
	struct frame		*f;
	unsigned int		n;
};

static int capture_rcv(struct sk_buff *skb, struct net_device *dev,
		       struct packet_type *pt, struct net_device *orig_dev)
{
	struct capture *c = container_of(pt, struct capture, pt);
	struct frame *f;

	if (c->n < FRAMES_MAX) {
		f = &c->f[c->n++];
		f->out = skb->pkt_type == PACKET_OUTGOING;
		f->len = skb_mac_len_total(skb);
		memcpy(f->data, skb_mac_header(skb),
		       min_t(unsigned int, f->len, sizeof(f->data)));
	}
	consume_skb(skb);
	return 0;
}

static uint16_t frame_type(const struct frame *f)
{
	return (uint16_t)(f->data[12] << 8 | f->data[13]);
}

static const uint8_t *frame_arp(const struct frame *f)
{
	return frame_type(f) == ETH_P_ARP && f->len >= ETH_HLEN + ARP_ETH_IP_LEN ?
	       f->data + ETH_HLEN : NULL;
}

/* ARP frames since @from going @out with @op, to @dst (NULL: any), asking for @tip (0: any). */
static unsigned int count_arp(const struct capture *c, unsigned int from, bool out,
			      uint16_t op, const unsigned char *dst, uint32_t tip)
{
	unsigned int n = 0;

	for (unsigned int i = from; i < c->n; i++) {
		const struct frame *f = &c->f[i];
		const uint8_t *h = frame_arp(f);

		if (!h || f->out != out || arp_op(h) != op)
			continue;
		if (dst && memcmp(f->data, dst, ETH_ALEN))
			continue;
		if (tip && arp_tip(h) != tip)
			continue;
		n++;
	}
	return n;
}

/* The received IPv4 frame carrying test datagram @seq, or NULL. */
static const struct frame *find_dgram(const struct capture *c, uint32_t seq)
{
	for (unsigned int i = 0; i < c->n; i++) {
		const struct frame *f = &c->f[i];

		if (!f->out && frame_type(f) == ETH_P_IP && f->len >= ETH_HLEN + 28 &&
		    f->data[ETH_HLEN + 9] == IPPROTO_TEST &&
		    load_be32(f->data + ETH_HLEN + 20) == seq)
			return f;
	}
	return NULL;
}

/* ---- two namespaces on a wire ------------------------------------------------------- */

struct pair {
	struct usn_net		*net[2];
	int			ifindex[2];
	unsigned char		mac[2][ETH_ALEN];
	uint32_t		addr[2];
	struct capture		cap[2];
	uint64_t		heads0;
};

static bool pair_open(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	ipv4_start();
	p->heads0 = heads_in_use();
	p->net[0] = usn_net_create("a", 0);
	p->net[1] = usn_net_create("b", 0);
	if (!p->net[0] || !p->net[1] ||
	    usn_memlink_create(p->net[0], NULL, p->net[1], NULL, NULL, p->ifindex))
		return false;
	p->addr[0] = A("10.0.0.1");
	p->addr[1] = A("10.0.0.2");
	for (int i = 0; i < 2; i++) {
		struct capture *c = &p->cap[i];

		c->f = calloc(FRAMES_MAX, sizeof(*c->f));
		if (!c->f)
			return false;
		c->pt.type = htons(ETH_P_ALL);
		c->pt.func = capture_rcv;
		c->pt.name = "arp_test";
		net_lock(p->net[i]);
		c->pt.dev = dev_get_by_index(p->net[i], p->ifindex[i]);
		dev_add_pack(p->net[i], &c->pt);
		net_unlock(p->net[i]);
		if (usn_link_set_up(p->net[i], p->ifindex[i], 1) ||
		    usn_link_hwaddr(p->net[i], p->ifindex[i], p->mac[i]) ||
		    usn_addr_add(p->net[i], p->ifindex[i], AF_INET, &p->addr[i], 24))
			return false;
	}
	usn_sim_run(MS);
	return true;
}

static void pair_close(struct pair *p)
{
	for (int i = 0; i < 2; i++) {
		if (p->net[i])
			EXPECT_OK(usn_net_destroy(p->net[i]));
		p->net[i] = NULL;
	}
	usn_sim_run(MS);
	for (int i = 0; i < 2; i++)
		free(p->cap[i].f);
	EXPECT_EQ(heads_in_use(), p->heads0);
}

/* A 28-byte IPv4 datagram from a to @daddr, its payload @seq. */
static struct sk_buff *build_dgram(uint32_t saddr, uint32_t daddr, uint32_t seq)
{
	struct sk_buff *skb = alloc_skb_headroom(28, USN_MAX_HEADER);
	uint8_t *h;

	if (!skb)
		return NULL;
	h = skb_put(skb, 28);
	if (!h) {
		kfree_skb(skb);
		return NULL;
	}
	memset(h, 0, 28);
	h[0] = 0x45;
	ipv4_set_tot_len(h, 28);
	ipv4_set_id(h, (uint16_t)seq);
	ipv4_set_ttl(h, 64);
	h[9] = IPPROTO_TEST;
	ipv4_set_saddr(h, saddr);
	ipv4_set_daddr(h, daddr);
	ipv4_set_check(h, ip_fast_csum(h, 5));
	store_be32(h + 20, seq);
	store_be32(h + 24, ~seq);
	return skb;
}

/* neigh_output() of a datagram from end @i to @nexthop (also its destination). */
static int send_dgram(struct pair *p, int i, uint32_t nexthop, uint32_t seq)
{
	struct usn_net *net = p->net[i];
	struct net_device *dev;
	struct sk_buff *skb;
	int err = -ENODEV;

	net_lock(net);
	dev = dev_get_by_index(net, p->ifindex[i]);
	skb = build_dgram(p->addr[i], nexthop, seq);
	if (dev && skb)
		err = neigh_output(net, dev, nexthop, skb);
	else if (skb)
		kfree_skb(skb);
	net_unlock(net);
	return err;
}

/* The state of end @i's entry for @addr; 0 when there is none. */
static int nud(struct pair *p, int i, uint32_t addr, unsigned char *lladdr)
{
	struct neigh_info info;
	int err;

	net_lock(p->net[i]);
	err = neigh_lookup_info(p->net[i], p->ifindex[i], addr, &info);
	net_unlock(p->net[i]);
	if (err)
		return 0;
	if (lladdr)
		memcpy(lladdr, info.lladdr, ETH_ALEN);
	return info.state;
}

static uint64_t arp_stat(struct usn_net *net, enum arp_mib m)
{
	uint64_t v;

	net_lock(net);
	v = net->ipv4->mib.arp[m];
	net_unlock(net);
	return v;
}

static uint64_t icmp_stat(struct usn_net *net, enum icmp_mib m)
{
	uint64_t v;

	net_lock(net);
	v = net->ipv4->mib.icmp[m];
	net_unlock(net);
	return v;
}

/* Sends a raw frame of @len payload bytes with ethertype @type from end @i. */
static int send_raw(struct pair *p, int i, uint16_t type, const void *payload,
		    unsigned int len)
{
	struct usn_net *net = p->net[i];
	struct net_device *dev;
	struct sk_buff *skb;
	int err = -ENODEV;

	net_lock(net);
	dev = dev_get_by_index(net, p->ifindex[i]);
	skb = alloc_skb_headroom(len, USN_MAX_HEADER);
	if (dev && skb) {
		skb_put_data(skb, payload, len);
		dev_hard_header(skb, dev, type, bcast, NULL, len);
		skb->dev = dev;
		err = dev_queue_xmit(skb);
	} else if (skb) {
		kfree_skb(skb);
	}
	net_unlock(net);
	return err;
}

/* ---- resolution ---------------------------------------------------------------------- */

TEST(resolve_and_deliver)
{
	unsigned char ha[ETH_ALEN];
	const struct frame *f;
	const uint8_t *h;
	struct pair p;
	uint64_t req0, rep0;

	ASSERT_TRUE(pair_open(&p));
	unsigned int from = p.cap[0].n;

	req0 = arp_stat(p.net[0], ARP_MIB_OutRequests);
	rep0 = arp_stat(p.net[1], ARP_MIB_OutReplies);
	EXPECT_EQ(send_dgram(&p, 0, p.addr[1], 1), 0);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_INCOMPLETE);
	/* One broadcast request, at once, from our address. */
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, bcast, p.addr[1]), 1);
	for (unsigned int i = from; i < p.cap[0].n; i++) {
		h = frame_arp(&p.cap[0].f[i]);
		if (!h || !p.cap[0].f[i].out)
			continue;
		EXPECT_EQ(arp_hrd(h), ARPHRD_ETHER);
		EXPECT_EQ(arp_pro(h), ETH_P_IP);
		EXPECT_EQ(arp_hln(h), 6);
		EXPECT_EQ(arp_pln(h), 4);
		EXPECT_TRUE(!memcmp(arp_sha(h), p.mac[0], ETH_ALEN));
		EXPECT_TRUE(!memcmp(p.cap[0].f[i].data + 6, p.mac[0], ETH_ALEN));
		EXPECT_EQ(arp_sip(h), p.addr[0]);
		EXPECT_TRUE(!memcmp(arp_tha(h), zero_mac, ETH_ALEN));
	}
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_OutRequests), req0 + 1);
	EXPECT_TRUE(find_dgram(&p.cap[1], 1) == NULL);

	usn_sim_run(10 * MS);
	/*
	 * b answered from its MAC, to ours, and learnt us: STALE, or DELAY
	 * once its answer to the datagram (ICMP protocol unreachable) used it.
	 */
	EXPECT_EQ(arp_stat(p.net[1], ARP_MIB_OutReplies), rep0 + 1);
	EXPECT_EQ(count_arp(&p.cap[0], from, false, ARPOP_REPLY, p.mac[0], p.addr[0]), 1);
	EXPECT_TRUE(nud(&p, 1, p.addr[0], ha) & (NUD_STALE | NUD_DELAY));
	EXPECT_TRUE(!memcmp(ha, p.mac[0], ETH_ALEN));
	EXPECT_EQ(nud(&p, 0, p.addr[1], ha), NUD_REACHABLE);
	EXPECT_TRUE(!memcmp(ha, p.mac[1], ETH_ALEN));
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_InReplies), 1);

	/* The datagram waited and went with the right link addresses. */
	f = find_dgram(&p.cap[1], 1);
	ASSERT_TRUE(f != NULL);
	EXPECT_TRUE(!memcmp(f->data, p.mac[1], ETH_ALEN));
	EXPECT_TRUE(!memcmp(f->data + 6, p.mac[0], ETH_ALEN));
	EXPECT_EQ(f->len, ETH_HLEN + 28);
	EXPECT_EQ(load_net32(f->data + ETH_HLEN + 16), p.addr[1]);

	/* While REACHABLE: straight out, no more asking. */
	from = p.cap[0].n;
	EXPECT_EQ(send_dgram(&p, 0, p.addr[1], 2), 0);
	usn_sim_run(MS);
	EXPECT_TRUE(find_dgram(&p.cap[1], 2) != NULL);
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, NULL, 0), 0);
	pair_close(&p);
}

TEST(nud_transitions)
{
	struct usn_memlink_params lossy;
	unsigned int from;
	struct pair p;
	uint64_t failed0;

	ASSERT_TRUE(pair_open(&p));
	EXPECT_EQ(send_dgram(&p, 0, p.addr[1], 1), 0);
	usn_sim_run(10 * MS);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_REACHABLE);
	/* Still REACHABLE within base_reachable_time / 2 ... */
	usn_sim_run(14 * SEC);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_REACHABLE);
	/* ... STALE after 1.5 * base_reachable_time at the latest, unused. */
	usn_sim_run(32 * SEC);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_STALE);

	/* Used while STALE: goes at once, DELAY ... */
	from = p.cap[0].n;
	EXPECT_EQ(send_dgram(&p, 0, p.addr[1], 2), 0);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_DELAY);
	usn_sim_run(MS);
	EXPECT_TRUE(find_dgram(&p.cap[1], 2) != NULL);
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, NULL, 0), 0);
	usn_sim_run(4 * SEC);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_DELAY);
	/* ... then PROBE with a unicast request, answered: REACHABLE. */
	usn_sim_run(SEC + 10 * MS);
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, p.mac[1], p.addr[1]), 1);
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, bcast, 0), 0);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_REACHABLE);

	/* Again, with b silent: PROBE, ucast_solicit probes, FAILED. */
	usn_sim_run(46 * SEC);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_STALE);
	memset(&lossy, 0, sizeof(lossy));
	lossy.loss = 1.0;
	EXPECT_OK(usn_memlink_set_params(p.net[1], p.ifindex[1], &lossy));
	failed0 = arp_stat(p.net[0], ARP_MIB_ResolutionFailed);
	from = p.cap[0].n;
	EXPECT_EQ(send_dgram(&p, 0, p.addr[1], 3), 0);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_DELAY);
	usn_sim_run(5 * SEC + 10 * MS);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_PROBE);
	usn_sim_run(2 * SEC);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_PROBE);
	usn_sim_run(SEC);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_FAILED);
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, p.mac[1], p.addr[1]), 3);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_ResolutionFailed), failed0 + 1);

	/* Used again when FAILED: resolution starts over, broadcast. */
	EXPECT_OK(usn_memlink_set_params(p.net[1], p.ifindex[1], NULL));
	from = p.cap[0].n;
	EXPECT_EQ(send_dgram(&p, 0, p.addr[1], 4), 0);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_INCOMPLETE);
	usn_sim_run(10 * MS);
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, bcast, p.addr[1]), 1);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_REACHABLE);
	EXPECT_TRUE(find_dgram(&p.cap[1], 4) != NULL);
	pair_close(&p);
}

TEST(resolution_failure_reports_and_drops)
{
	uint32_t ghost = A("10.0.0.99");
	uint64_t failed0, unreach0, unres0, heads;
	unsigned int from;
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	heads = heads_in_use();
	failed0 = arp_stat(p.net[0], ARP_MIB_ResolutionFailed);
	unres0 = arp_stat(p.net[0], ARP_MIB_UnresDiscards);
	unreach0 = icmp_stat(p.net[0], ICMP_MIB_InDestUnreachs);
	from = p.cap[0].n;
	for (uint32_t s = 1; s <= 3; s++)
		EXPECT_EQ(send_dgram(&p, 0, ghost, s), 0);
	usn_sim_run(MS);	/* the request off the wire */
	EXPECT_EQ(heads_in_use(), heads + 3);
	/* mcast_solicit broadcast requests, retrans_time apart, then FAILED. */
	usn_sim_run(2 * SEC + 500 * MS);
	EXPECT_EQ(nud(&p, 0, ghost, NULL), NUD_INCOMPLETE);
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, bcast, ghost), 3);
	usn_sim_run(SEC);
	EXPECT_EQ(nud(&p, 0, ghost, NULL), NUD_FAILED);
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, bcast, ghost), 3);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_ResolutionFailed), failed0 + 1);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_UnresDiscards), unres0);
	/* Each waiting datagram came back to us as ICMP host unreachable. */
	EXPECT_EQ(icmp_stat(p.net[0], ICMP_MIB_InDestUnreachs), unreach0 + 3);
	EXPECT_EQ(heads_in_use(), heads);
	EXPECT_EQ(skb_drop_count(SKB_DROP_REASON_NEIGH_FAILED) > 0, 1);
	pair_close(&p);
}

TEST(queue_bounded)
{
	uint32_t ghost = A("10.0.0.98");
	uint64_t unres0, heads;
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	EXPECT_OK(usn_sysctl(p.net[0], "net.ipv4.neigh.default.unres_qlen",
			     NULL, NULL, "3"));
	heads = heads_in_use();
	unres0 = arp_stat(p.net[0], ARP_MIB_UnresDiscards);
	for (uint32_t s = 1; s <= 5; s++)
		EXPECT_EQ(send_dgram(&p, 0, ghost, s), 0);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_UnresDiscards), unres0 + 2);
	usn_sim_run(MS);
	EXPECT_EQ(heads_in_use(), heads + 3);
	net_lock(p.net[0]);
	struct net_device *dev = dev_get_by_index(p.net[0], p.ifindex[0]);
	struct neighbour *n = neigh_lookup(p.net[0]->ipv4->arp_tbl, dev, ghost);

	EXPECT_TRUE(n != NULL);
	if (n) {
		/* The oldest went: 3, 4 and 5 wait. */
		struct sk_buff *first = skb_peek(&n->arp_queue);

		EXPECT_EQ(skb_queue_len(&n->arp_queue), 3);
		EXPECT_EQ(first ? load_be32(first->data + 20) : 0, 3);
	}
	net_unlock(p.net[0]);
	usn_sim_run(4 * SEC);
	EXPECT_EQ(nud(&p, 0, ghost, NULL), NUD_FAILED);
	EXPECT_EQ(heads_in_use(), heads);
	pair_close(&p);
}

/* ---- what neighbours say ------------------------------------------------------------- */

TEST(request_from_neighbour_makes_it_stale)
{
	unsigned char ha[ETH_ALEN];
	uint8_t req[ARP_ETH_IP_LEN];
	struct pair p;
	uint64_t inreq0, outrep0;

	ASSERT_TRUE(pair_open(&p));
	inreq0 = arp_stat(p.net[0], ARP_MIB_InRequests);
	outrep0 = arp_stat(p.net[0], ARP_MIB_OutReplies);
	arp_build(req, ARPHRD_ETHER, ARPOP_REQUEST, p.mac[1], p.addr[1], NULL,
		  p.addr[0]);
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, req, sizeof(req)), 0);
	usn_sim_run(MS);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_InRequests), inreq0 + 1);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_OutReplies), outrep0 + 1);
	EXPECT_EQ(nud(&p, 0, p.addr[1], ha), NUD_STALE);
	EXPECT_TRUE(!memcmp(ha, p.mac[1], ETH_ALEN));
	/* The reply: unicast to the asker, our MAC, the asker as target. */
	EXPECT_EQ(count_arp(&p.cap[0], 0, true, ARPOP_REPLY, p.mac[1], p.addr[1]), 1);
	for (unsigned int i = 0; i < p.cap[0].n; i++) {
		const uint8_t *h = frame_arp(&p.cap[0].f[i]);

		if (!h || !p.cap[0].f[i].out || arp_op(h) != ARPOP_REPLY)
			continue;
		EXPECT_TRUE(!memcmp(arp_sha(h), p.mac[0], ETH_ALEN));
		EXPECT_EQ(arp_sip(h), p.addr[0]);
		EXPECT_TRUE(!memcmp(arp_tha(h), p.mac[1], ETH_ALEN));
	}

	/* A request for an address that is not ours: no answer, nothing learnt. */
	arp_build(req, ARPHRD_ETHER, ARPOP_REQUEST, p.mac[1], A("10.0.0.50"), NULL,
		  A("10.0.0.77"));
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, req, sizeof(req)), 0);
	usn_sim_run(MS);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_OutReplies), outrep0 + 1);
	EXPECT_EQ(nud(&p, 0, A("10.0.0.50"), NULL), 0);
	/* An unsolicited reply creates nothing either (arp_accept 0). */
	arp_build(req, ARPHRD_ETHER, ARPOP_REPLY, p.mac[1], A("10.0.0.51"), p.mac[0],
		  p.addr[0]);
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, req, sizeof(req)), 0);
	usn_sim_run(MS);
	EXPECT_EQ(nud(&p, 0, A("10.0.0.51"), NULL), 0);
	pair_close(&p);
}

TEST(gratuitous_arp_on_address_add)
{
	uint32_t extra = A("10.0.0.7");
	unsigned int from;
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	/* Each end announced its address when it was added. */
	EXPECT_EQ(count_arp(&p.cap[0], 0, true, ARPOP_REQUEST, bcast, p.addr[0]), 1);
	EXPECT_EQ(count_arp(&p.cap[0], 0, false, ARPOP_REQUEST, bcast, p.addr[1]), 1);
	from = p.cap[0].n;
	EXPECT_OK(usn_addr_add(p.net[0], p.ifindex[0], AF_INET, &extra, 24));
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, bcast, extra), 1);
	for (unsigned int i = from; i < p.cap[0].n; i++) {
		const uint8_t *h = frame_arp(&p.cap[0].f[i]);

		if (!h)
			continue;
		EXPECT_EQ(arp_sip(h), extra);
		EXPECT_TRUE(!memcmp(arp_sha(h), p.mac[0], ETH_ALEN));
		EXPECT_TRUE(!memcmp(arp_tha(h), zero_mac, ETH_ALEN));
	}
	/* And again when the device comes up. */
	EXPECT_OK(usn_link_set_up(p.net[0], p.ifindex[0], 0));
	from = p.cap[0].n;
	EXPECT_OK(usn_link_set_up(p.net[0], p.ifindex[0], 1));
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, bcast, extra), 1);
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, bcast, p.addr[0]), 1);
	/* The peer learnt nothing from it (arp_accept 0) and did not answer. */
	usn_sim_run(MS);
	EXPECT_EQ(nud(&p, 1, extra, NULL), 0);
	EXPECT_EQ(count_arp(&p.cap[1], 0, true, ARPOP_REPLY, NULL, 0), 0);
	pair_close(&p);
}

TEST(malformed_frames_counted_and_dropped)
{
	uint8_t good[ARP_ETH_IP_LEN], bad[ARP_ETH_IP_LEN];
	uint64_t err0, inreq0, outrep0, heads;
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	heads = heads_in_use();
	err0 = arp_stat(p.net[0], ARP_MIB_InErrors);
	inreq0 = arp_stat(p.net[0], ARP_MIB_InRequests);
	outrep0 = arp_stat(p.net[0], ARP_MIB_OutReplies);
	arp_build(good, ARPHRD_ETHER, ARPOP_REQUEST, p.mac[1], p.addr[1], NULL,
		  p.addr[0]);

	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, good, 20), 0);		/* truncated */
	memcpy(bad, good, sizeof(bad));
	bad[4] = 8;							/* hln */
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, bad, sizeof(bad)), 0);
	memcpy(bad, good, sizeof(bad));
	bad[5] = 16;							/* pln */
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, bad, sizeof(bad)), 0);
	memcpy(bad, good, sizeof(bad));
	store_be16(bad + 2, ETH_P_IPV6);				/* pro */
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, bad, sizeof(bad)), 0);
	memcpy(bad, good, sizeof(bad));
	store_be16(bad, 5);						/* hrd */
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, bad, sizeof(bad)), 0);
	memcpy(bad, good, sizeof(bad));
	store_be16(bad + 6, 3);						/* RARP op */
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, bad, sizeof(bad)), 0);
	arp_build(bad, ARPHRD_ETHER, ARPOP_REQUEST, p.mac[1], p.addr[1], NULL,
		  A("224.0.0.1"));					/* multicast target */
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, bad, sizeof(bad)), 0);
	arp_build(bad, ARPHRD_ETHER, ARPOP_REQUEST, p.mac[1], p.addr[1], NULL,
		  A("127.0.0.1"));					/* loopback target */
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, bad, sizeof(bad)), 0);
	usn_sim_run(MS);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_InErrors), err0 + 8);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_InRequests), inreq0);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_OutReplies), outrep0);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), 0);

	/* Our own frame coming back is ignored, not an error. */
	arp_build(bad, ARPHRD_ETHER, ARPOP_REQUEST, p.mac[0], p.addr[1], NULL,
		  p.addr[0]);
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, bad, sizeof(bad)), 0);
	/* IEEE 802 hardware is Ethernet, and padding is fine. */
	uint8_t padded[46];

	memset(padded, 0, sizeof(padded));
	memcpy(padded, good, sizeof(good));
	store_be16(padded, ARPHRD_IEEE802);
	EXPECT_EQ(send_raw(&p, 1, ETH_P_ARP, padded, sizeof(padded)), 0);
	usn_sim_run(MS);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_InErrors), err0 + 8);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_InRequests), inreq0 + 1);
	EXPECT_EQ(arp_stat(p.net[0], ARP_MIB_OutReplies), outrep0 + 1);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_STALE);
	usn_sim_run(MS);
	EXPECT_EQ(heads_in_use(), heads);
	pair_close(&p);
}

/* ---- links that need no asking -------------------------------------------------------- */

TEST(broadcast_multicast_loopback_next_hops)
{
	static const unsigned char mc[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x7f, 0x00, 0xfb };
	unsigned int from;
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	from = p.cap[0].n;
	EXPECT_EQ(send_dgram(&p, 0, A("10.0.0.255"), 1), 0);
	EXPECT_EQ(send_dgram(&p, 0, A("255.255.255.255"), 2), 0);
	EXPECT_EQ(send_dgram(&p, 0, A("239.255.0.251"), 3), 0);
	usn_sim_run(MS);
	EXPECT_EQ(count_arp(&p.cap[0], from, true, ARPOP_REQUEST, NULL, 0), 0);
	for (uint32_t s = 1; s <= 3; s++) {
		const struct frame *f = find_dgram(&p.cap[1], s);

		ASSERT_TRUE(f != NULL);
		EXPECT_TRUE(!memcmp(f->data, s == 3 ? mc : bcast, ETH_ALEN));
	}
	EXPECT_EQ(nud(&p, 0, A("10.0.0.255"), NULL), 0);

	/* A device that is down takes nothing. */
	EXPECT_OK(usn_link_set_up(p.net[0], p.ifindex[0], 0));
	EXPECT_EQ(send_dgram(&p, 0, p.addr[1], 4), -ENETDOWN);
	pair_close(&p);
}

TEST(device_down_flushes_entries)
{
	uint32_t ghost = A("10.0.0.97");
	uint64_t heads;
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	EXPECT_EQ(send_dgram(&p, 0, p.addr[1], 1), 0);
	usn_sim_run(10 * MS);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_REACHABLE);
	heads = heads_in_use();
	EXPECT_EQ(send_dgram(&p, 0, ghost, 2), 0);
	usn_sim_run(MS);
	EXPECT_EQ(heads_in_use(), heads + 1);
	EXPECT_OK(usn_link_set_up(p.net[0], p.ifindex[0], 0));
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), 0);
	EXPECT_EQ(nud(&p, 0, ghost, NULL), 0);
	EXPECT_EQ(heads_in_use(), heads);
	/* A namespace that goes with datagrams waiting leaks nothing. */
	EXPECT_OK(usn_link_set_up(p.net[0], p.ifindex[0], 1));
	EXPECT_EQ(send_dgram(&p, 0, ghost, 3), 0);
	pair_close(&p);
}

/* ---- the table's bound ------------------------------------------------------------- */

TEST(table_bounded_and_collected)
{
	struct neigh_table *tbl;
	unsigned int refused = 0;
	uint64_t heads;
	struct pair p;
	int err;

	ASSERT_TRUE(pair_open(&p));
	heads = heads_in_use();
	for (uint32_t i = 0; i < NEIGH_GC_THRESH3 + 76; i++) {
		uint32_t a = htonl(0x0a010000u + i);	/* 10.1.x.y: on-link here */

		err = send_dgram(&p, 0, a, i);
		if (err == -ENOBUFS)
			refused++;
		else
			EXPECT_EQ(err, 0);
		if (i % 256 == 255)
			usn_sim_run(MS);
	}
	EXPECT_EQ(refused, 76);
	tbl = p.net[0]->ipv4->arp_tbl;
	EXPECT_EQ(tbl->entries, NEIGH_GC_THRESH3);
	EXPECT_EQ(skb_drop_count(SKB_DROP_REASON_NEIGH_CREATEFAIL) >= 76, 1);
	/* All fail; the collector then takes FAILED entries away. */
	usn_sim_run(4 * SEC);
	EXPECT_EQ(heads_in_use(), heads);
	EXPECT_EQ(nud(&p, 0, htonl(0x0a010005u), NULL), NUD_FAILED);
	usn_sim_run(20 * SEC);
	EXPECT_EQ(tbl->entries, 0);
	EXPECT_EQ(nud(&p, 0, htonl(0x0a010005u), NULL), 0);
	/* Room again. */
	EXPECT_EQ(send_dgram(&p, 0, p.addr[1], 9), 0);
	usn_sim_run(10 * MS);
	EXPECT_EQ(nud(&p, 0, p.addr[1], NULL), NUD_REACHABLE);
	pair_close(&p);
}

/* ---- the wire, read by tshark ----------------------------------------------------- */

TEST(pcap_is_clean_arp)
{
	char path[] = "/tmp/usnet-arp-XXXXXX.pcap";
	char cmd[512], line[256];
	unsigned int lines = 0, ops = 0;
	struct pair p;
	FILE *fp;
	int fd;

	if (system("command -v tshark >/dev/null 2>&1")) {
		printf("  (tshark not installed: skipped)\n");
		return;
	}
	fd = mkstemps(path, 5);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	ASSERT_TRUE(pair_open(&p));
	EXPECT_OK(usn_link_pcap(p.net[0], p.ifindex[0], path));
	uint32_t extra = A("10.0.0.8");

	EXPECT_OK(usn_addr_add(p.net[0], p.ifindex[0], AF_INET, &extra, 24));
	EXPECT_EQ(send_dgram(&p, 0, p.addr[1], 1), 0);
	usn_sim_run(10 * MS);
	EXPECT_EQ(send_dgram(&p, 0, A("10.0.0.96"), 2), 0);
	usn_sim_run(4 * SEC);
	EXPECT_OK(usn_link_pcap(p.net[0], p.ifindex[0], NULL));

	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null",
		 path);
	fp = popen(cmd, "r");
	ASSERT_TRUE(fp != NULL);
	while (fgets(line, sizeof(line), fp)) {
		printf("  tshark: %s", line);
		lines++;
	}
	EXPECT_EQ(pclose(fp), 0);
	EXPECT_EQ(lines, 0);

	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -Y arp -T fields -e arp.opcode 2>/dev/null", path);
	fp = popen(cmd, "r");
	ASSERT_TRUE(fp != NULL);
	while (fgets(line, sizeof(line), fp))
		ops |= 1u << atoi(line);
	pclose(fp);
	EXPECT_EQ(ops, (1u << ARPOP_REQUEST) | (1u << ARPOP_REPLY));
	unlink(path);
	pair_close(&p);
}
