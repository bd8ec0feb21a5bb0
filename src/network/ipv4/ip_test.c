/* SPDX-License-Identifier: MIT */
/*
 * ip_test.c - the IPv4 core: header checks and their counters, local
 * delivery and protocol unreachable, fragmentation and reassembly (whole,
 * duplicated, overlapping, lost, oversized, a fragment bomb), DF, the TTL
 * and MTU checks of forwarding, ICMP echo and errors with their rate
 * limits, the receive trace, and the counters by name.
 *
 * Simulated mode throughout. Two (or three) namespaces joined by memlinks
 * with addresses and routes; datagrams are sent with ip_build_and_send()
 * or handed straight to ip_rcv() as a driver would (malformed ones), and a
 * test protocol (253, "experimental") registered in inet_protos[] records
 * what is delivered and the ICMP errors its err_handler is told about.
 * Every test checks that every sk_buff came back to the pool.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "net/trace.h"
#include "net/usnet.h"
#include "network/arp/neighbour.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/ip_private.h"
#include "network/ipv4/protocol.h"
#include "network/ipv4/route.h"
#include "wire/checksum.h"
#include "wire/icmp.h"

#define RUN_SEED	0x1b4eULL
#define MS		1000000ULL
#define SEC		1000000000ULL
#define PROTO_TEST	253		/* RFC 3692 experimentation */
#define PROTO_NONE	200		/* nobody's */

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static uint64_t heads_in_use(void)
{
	struct skb_pool_stats st;

	skb_pool_get_stats(&st);
	return st.heads_in_use;
}

static uint64_t snmp(struct usn_net *net, const char *name)
{
	uint64_t v = 0;

	if (usn_snmp(net, name, &v))
		TEST_FAIL_AT("usn_snmp(%s): %s", name, strerror(errno));
	return v;
}

/* ---- the test protocol: what IPv4 delivered, and the errors it heard of ---- */

#define SINK_MAX	8

struct sink_dgram {
	struct usn_net	*net;
	unsigned int	len;		/* payload */
	uint8_t		*data;
	uint8_t		ttl;
	uint16_t	flags;		/* IPCB */
	uint32_t	saddr;
};

static struct {
	struct sink_dgram	d[SINK_MAX];
	unsigned int		n;
	/* errors */
	unsigned int		nerr;
	uint32_t		err_info;
	uint32_t		err_quoted_daddr;
	uint8_t			err_quoted_proto;
	bool			err_nh_is_data;
	struct usn_net		*err_net;
} sink;

static void sink_reset(void)
{
	for (unsigned int i = 0; i < sink.n && i < SINK_MAX; i++)
		free(sink.d[i].data);
	memset(&sink, 0, sizeof(sink));
}

static int test_rcv(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);

	TRACE_FUNC(net);
	if (sink.n < SINK_MAX) {
		struct sink_dgram *d = &sink.d[sink.n];

		d->net = net;
		d->len = skb->len;
		d->data = malloc(skb->len ? skb->len : 1);
		if (d->data)
			memcpy(d->data, skb->data, skb->len);
		d->ttl = IPCB(skb)->ttl;
		d->flags = IPCB(skb)->flags;
		d->saddr = ipv4_saddr(ip_hdr(skb));
	}
	sink.n++;
	consume_skb(skb);
	return 0;
}

static int test_err(struct sk_buff *skb, uint32_t info)
{
	sink.nerr++;
	sink.err_net = dev_net(skb->dev);
	sink.err_info = info;
	sink.err_nh_is_data = skb_network_header(skb) == skb->data;
	sink.err_quoted_daddr = ipv4_daddr(skb->data);
	sink.err_quoted_proto = ipv4_protocol(skb->data);
	return 0;
}

static const struct net_protocol test_protocol = {
	.handler	= test_rcv,
	.err_handler	= test_err,
};

/* ---- set-up ----------------------------------------------------------------- */

/*
 * Simulated mode, and IPv4 registered once: by the start-up steps when
 * inet_init() is among them, else here, in the order inet_init() uses.
 */
static void ipv4_start(void)
{
	static bool done;
	struct usn_net *probe;

	test_sim_start(RUN_SEED);
	if (done)
		return;
	done = true;
	probe = usn_net_create("probe", 0);
	if (!probe)
		TEST_SKIP_ALL("usn_net_create: %s", strerror(errno));
	if (!probe->ipv4) {
		pthread_mutex_lock(&usn_g.lock);
		if (ip_init() || fib_init() || arp_init() || icmp_init())
			TEST_SKIP_ALL("IPv4 start-up failed");
		pthread_mutex_unlock(&usn_g.lock);
	}
	usn_net_destroy(probe);
	if (inet_add_protocol(&test_protocol, PROTO_TEST))
		TEST_SKIP_ALL("protocol %d taken", PROTO_TEST);
}

/* A frame capture on one device (ptype_all), IPv4 frames only, kept whole. */
#define CAP_MAX		256

struct capture {
	struct packet_type	pt;
	unsigned int		n;
	unsigned int		len[CAP_MAX];
	uint8_t			*ip[CAP_MAX];	/* from the IP header */
	bool			outgoing;	/* keep sent frames, not received */
};

static int capture_rcv(struct sk_buff *skb, struct net_device *dev,
		       struct packet_type *pt, struct net_device *orig_dev)
{
	struct capture *c = container_of(pt, struct capture, pt);
	bool out = skb->pkt_type == PACKET_OUTGOING;

	if (skb->protocol == htons(ETH_P_IP) && out == c->outgoing &&
	    c->n < CAP_MAX) {
		c->len[c->n] = skb->len;
		c->ip[c->n] = malloc(skb->len ? skb->len : 1);
		if (c->ip[c->n])
			memcpy(c->ip[c->n], skb->data, skb->len);
		c->n++;
	}
	consume_skb(skb);
	return 0;
}

static void capture_attach(struct capture *c, struct usn_net *net, int ifindex,
			   bool outgoing)
{
	memset(c, 0, sizeof(*c));
	c->outgoing = outgoing;
	c->pt.type = htons(ETH_P_ALL);
	c->pt.func = capture_rcv;
	c->pt.name = "ip_test";
	net_lock(net);
	c->pt.dev = dev_get_by_index(net, ifindex);
	dev_add_pack(net, &c->pt);
	net_unlock(net);
}

/* The tap goes with its device; this frees what it kept. */
static void capture_free(struct capture *c)
{
	for (unsigned int i = 0; i < c->n; i++)
		free(c->ip[i]);
	c->n = 0;
}

/* Two namespaces on a 1500-byte memlink: a 10.0.0.1/24, b 10.0.0.2/24. */
struct pair {
	struct usn_net	*a, *b;
	int		ifa, ifb;
	uint64_t	heads0;
	struct capture	cap_a;		/* IPv4 frames a receives */
};

static bool pair_open(struct pair *p)
{
	struct usn_memlink_params prm = { .mtu = 1500 };
	uint32_t aa = ip4("10.0.0.1"), ab = ip4("10.0.0.2");
	int idx[2];

	memset(p, 0, sizeof(*p));
	ipv4_start();
	sink_reset();
	p->heads0 = heads_in_use();
	p->a = usn_net_create("a", 0);
	p->b = usn_net_create("b", 0);
	if (!p->a || !p->b || !p->a->ipv4 || !p->b->ipv4)
		return false;
	if (usn_memlink_create(p->a, NULL, p->b, NULL, &prm, idx))
		return false;
	p->ifa = idx[0];
	p->ifb = idx[1];
	if (usn_link_set_up(p->a, p->ifa, 1) || usn_link_set_up(p->b, p->ifb, 1) ||
	    usn_addr_add(p->a, p->ifa, AF_INET, &aa, 24) ||
	    usn_addr_add(p->b, p->ifb, AF_INET, &ab, 24))
		return false;
	capture_attach(&p->cap_a, p->a, p->ifa, false);
	return true;
}

static void pair_close(struct pair *p)
{
	if (p->a)
		EXPECT_OK(usn_net_destroy(p->a));
	if (p->b)
		EXPECT_OK(usn_net_destroy(p->b));
	capture_free(&p->cap_a);
	sink_reset();
	EXPECT_EQ(heads_in_use(), p->heads0);
}

/* Sends @len bytes of @payload as a datagram of @proto, as a transport does. */
static int send_ip(struct usn_net *net, uint32_t daddr, uint8_t proto,
		   const void *payload, unsigned int len, uint8_t ttl, bool df,
		   const uint8_t *opt, unsigned int optlen)
{
	struct flowi4 fl4 = { .daddr = daddr, .flowi4_proto = proto };
	struct ip_hdr_params prm;
	struct sk_buff *skb;
	struct rtable rt;
	int err;

	net_lock(net);
	err = ip_route_output_key(net, &fl4, &rt);
	if (err)
		goto out;
	err = -ENOMEM;
	skb = alloc_skb_headroom(len, USN_MAX_HEADER);
	if (!skb)
		goto out;
	skb_put_data(skb, payload, len);
	prm = (struct ip_hdr_params){
		.saddr = fl4.saddr, .daddr = daddr, .protocol = proto,
		.ttl = ttl, .df = df, .opt = opt, .optlen = optlen,
	};
	err = ip_build_and_send(net, skb, &rt, &prm);
out:
	net_unlock(net);
	return err;
}

/* Writes a 20-byte header (checksum included) at @h. */
static void build_iph(uint8_t *h, unsigned int tot_len, uint16_t id,
		      uint16_t frag_off, uint8_t ttl, uint8_t proto,
		      uint32_t saddr, uint32_t daddr)
{
	memset(h, 0, IPV4_HLEN_MIN);
	h[0] = 0x45;
	ipv4_set_tot_len(h, (uint16_t)tot_len);
	ipv4_set_id(h, id);
	ipv4_set_frag_off(h, frag_off);
	ipv4_set_ttl(h, ttl);
	h[9] = proto;
	ipv4_set_saddr(h, saddr);
	ipv4_set_daddr(h, daddr);
	ipv4_set_check(h, ip_fast_csum(h, 5));
}

/* Hands @len bytes to ip_rcv() as if @ifindex of @net had received them. */
static int inject(struct usn_net *net, int ifindex, const void *bytes,
		  unsigned int len, uint8_t pkt_type)
{
	struct net_device *dev;
	struct sk_buff *skb;
	int err = -ENODEV;

	net_lock(net);
	dev = dev_get_by_index(net, ifindex);
	if (!dev)
		goto out;
	err = -ENOMEM;
	skb = alloc_skb_headroom(len, USN_MAX_HEADER);
	if (!skb)
		goto out;
	skb_put_data(skb, bytes, len);
	skb->dev = dev;
	skb->skb_iif = dev->ifindex;
	skb->pkt_type = pkt_type;
	skb->protocol = htons(ETH_P_IP);
	skb_reset_network_header(skb);
	err = ip_rcv(skb, dev, NULL, dev);
out:
	net_unlock(net);
	return err;
}

/* A fragment of datagram @id: @plen bytes of payload at @offset. */
static int inject_frag(struct usn_net *net, int ifindex, uint32_t saddr,
		       uint32_t daddr, uint16_t id, unsigned int offset,
		       const uint8_t *payload, unsigned int plen, bool more)
{
	uint8_t buf[IPV4_HLEN_MIN + 2048];

	if (plen > sizeof(buf) - IPV4_HLEN_MIN)
		return -EINVAL;
	build_iph(buf, IPV4_HLEN_MIN + plen, id,
		  (uint16_t)((offset >> 3) | (more ? IP_MF : 0)), 64, PROTO_TEST,
		  saddr, daddr);
	memcpy(buf + IPV4_HLEN_MIN, payload, plen);
	return inject(net, ifindex, buf, IPV4_HLEN_MIN + plen, PACKET_HOST);
}

static void fill(uint8_t *p, unsigned int len, unsigned int seed)
{
	for (unsigned int i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 8));
}

/* ---- tables ----------------------------------------------------------------- */

TEST(protocol_table)
{
	static const struct net_protocol other = { .handler = test_rcv };

	ipv4_start();
	EXPECT_EQ(inet_add_protocol(&other, PROTO_TEST), -EEXIST);
	EXPECT_TRUE(inet_protocol(PROTO_TEST) == &test_protocol);
	EXPECT_TRUE(inet_protocol(IPPROTO_ICMP) != NULL);
	EXPECT_TRUE(inet_protocol(PROTO_NONE) == NULL);
	EXPECT_EQ(inet_del_protocol(&other, PROTO_TEST), -ENOENT);
	EXPECT_EQ(inet_add_protocol(&other, PROTO_NONE), 0);
	EXPECT_EQ(inet_del_protocol(&other, PROTO_NONE), 0);
	EXPECT_TRUE(inet_protocol(PROTO_NONE) == NULL);
}

TEST(icmp_errno_table)
{
	bool fatal;

	EXPECT_EQ(icmp_err_errno(ICMP_DEST_UNREACH, ICMP_NET_UNREACH, &fatal), ENETUNREACH);
	EXPECT_EQ(fatal, false);
	EXPECT_EQ(icmp_err_errno(ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, &fatal), EHOSTUNREACH);
	EXPECT_EQ(fatal, false);
	EXPECT_EQ(icmp_err_errno(ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, &fatal), ENOPROTOOPT);
	EXPECT_EQ(fatal, true);
	EXPECT_EQ(icmp_err_errno(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, &fatal), ECONNREFUSED);
	EXPECT_EQ(fatal, true);
	EXPECT_EQ(icmp_err_errno(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, &fatal), EMSGSIZE);
	EXPECT_EQ(fatal, false);
	EXPECT_EQ(icmp_err_errno(ICMP_DEST_UNREACH, ICMP_SR_FAILED, &fatal), EOPNOTSUPP);
	EXPECT_EQ(icmp_err_errno(ICMP_DEST_UNREACH, ICMP_HOST_UNKNOWN, &fatal), EHOSTDOWN);
	EXPECT_EQ(fatal, true);
	EXPECT_EQ(icmp_err_errno(ICMP_DEST_UNREACH, ICMP_PKT_FILTERED, &fatal), EHOSTUNREACH);
	EXPECT_EQ(fatal, true);
	EXPECT_EQ(icmp_err_errno(ICMP_DEST_UNREACH, 99, &fatal), EHOSTUNREACH);
	EXPECT_EQ(fatal, false);
	EXPECT_EQ(icmp_err_errno(ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, &fatal), EHOSTUNREACH);
	EXPECT_EQ(fatal, false);
	EXPECT_EQ(icmp_err_errno(ICMP_PARAMETERPROB, 0, &fatal), EPROTO);
	EXPECT_EQ(fatal, true);
	EXPECT_EQ(icmp_err_errno(ICMP_SOURCE_QUENCH, 0, &fatal), 0);
	EXPECT_EQ(icmp_err_errno(ICMP_REDIRECT, 0, NULL), 0);
	EXPECT_EQ(ICMP_INFO(3, 4, 1400), (1400u << 16) | 0x0304);
	EXPECT_EQ(icmp_info_mtu(ICMP_INFO(3, 4, 1400)), 1400);
	EXPECT_EQ(icmp_info_type(ICMP_INFO(3, 4, 1400)), 3);
	EXPECT_EQ(icmp_info_code(ICMP_INFO(3, 4, 1400)), 4);
}

TEST(snmp_names)
{
	struct usn_net *net;
	uint64_t v;

	ipv4_start();
	net = usn_net_create("snmp", 0);
	ASSERT_TRUE(net);
	EXPECT_OK(usn_snmp(net, "Ip.InReceives", &v));
	EXPECT_EQ(v, 0);
	EXPECT_OK(usn_snmp(net, "Ip.ReasmOverlaps", &v));
	EXPECT_OK(usn_snmp(net, "Icmp.OutRateLimitHost", &v));
	EXPECT_OK(usn_snmp(net, "Udp.NoPorts", &v));
	EXPECT_OK(usn_snmp(net, "Arp.ResolutionFailed", &v));
	EXPECT_OK(usn_snmp(net, "IcmpMsg.InType8", &v));
	EXPECT_OK(usn_snmp(net, "IcmpMsg.OutType255", &v));
	EXPECT_OK(usn_snmp(net, "Ip.DefaultTTL", &v));
	EXPECT_EQ(v, 64);
	EXPECT_OK(usn_snmp(net, "Ip.Forwarding", &v));
	EXPECT_EQ(v, 2);
	EXPECT_ERRNO(usn_snmp(net, "Ip.Bogus", &v), ENOENT);
	EXPECT_ERRNO(usn_snmp(net, "Ip.", &v), ENOENT);
	EXPECT_OK(usn_snmp(net, "Tcp.InSegs", &v));
	EXPECT_ERRNO(usn_snmp(net, "Tcp.Bogus", &v), ENOENT);
	EXPECT_ERRNO(usn_snmp(net, "IcmpMsg.InType256", &v), ENOENT);
	EXPECT_ERRNO(usn_snmp(net, "IcmpMsg.InType08", &v), ENOENT);
	EXPECT_ERRNO(usn_snmp(net, "IcmpMsg.InType8x", &v), ENOENT);
	EXPECT_ERRNO(usn_snmp(net, "IcmpMsg.InType", &v), ENOENT);
	EXPECT_ERRNO(usn_snmp(NULL, "Ip.InReceives", &v), EINVAL);
	EXPECT_ERRNO(usn_snmp(net, NULL, &v), EINVAL);
	EXPECT_ERRNO(usn_snmp(net, "Ip.InReceives", NULL), EFAULT);
	EXPECT_OK(usn_net_destroy(net));
}

TEST(ip_ident_counts_per_flow)
{
	struct usn_net *net;
	uint16_t id0, id1, id2;

	ipv4_start();
	net = usn_net_create("ident", 0);
	ASSERT_TRUE(net);
	net_lock(net);
	id0 = ip_select_ident(net, ip4("10.0.0.1"), ip4("10.0.0.2"), 17);
	id1 = ip_select_ident(net, ip4("10.0.0.1"), ip4("10.0.0.2"), 17);
	id2 = ip_select_ident(net, ip4("10.0.0.1"), ip4("10.0.0.2"), 17);
	net_unlock(net);
	EXPECT_EQ((uint16_t)(id1 - id0), 1);
	EXPECT_EQ((uint16_t)(id2 - id1), 1);
	EXPECT_OK(usn_net_destroy(net));
}

/* ---- receive: header checks ------------------------------------------------------ */

TEST(malformed_headers_counted_and_dropped)
{
	uint32_t sa = ip4("10.0.0.1"), da = ip4("10.0.0.2");
	uint8_t f[128];
	struct pair p;

	ASSERT_TRUE(pair_open(&p));

	/* Truncated: ten bytes. */
	build_iph(f, 28, 1, 0, 64, PROTO_TEST, sa, da);
	EXPECT_EQ(inject(p.b, p.ifb, f, 10, PACKET_HOST), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.InHdrErrors"), 1);

	/* Version 6. */
	build_iph(f, 28, 1, 0, 64, PROTO_TEST, sa, da);
	f[0] = 0x65;
	EXPECT_EQ(inject(p.b, p.ifb, f, 28, PACKET_HOST), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.InHdrErrors"), 2);

	/* IHL 4. */
	build_iph(f, 28, 1, 0, 64, PROTO_TEST, sa, da);
	f[0] = 0x44;
	EXPECT_EQ(inject(p.b, p.ifb, f, 28, PACKET_HOST), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.InHdrErrors"), 3);

	/* IHL 15 (60 bytes of header) in 40 bytes. */
	build_iph(f, 40, 1, 0, 64, PROTO_TEST, sa, da);
	f[0] = 0x4f;
	EXPECT_EQ(inject(p.b, p.ifb, f, 40, PACKET_HOST), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.InHdrErrors"), 4);

	/* Total length past what arrived. */
	build_iph(f, 100, 1, 0, 64, PROTO_TEST, sa, da);
	EXPECT_EQ(inject(p.b, p.ifb, f, 40, PACKET_HOST), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.InTruncatedPkts"), 1);
	EXPECT_EQ(snmp(p.b, "Ip.InHdrErrors"), 4);

	/* Total length shorter than the header. */
	build_iph(f, 12, 1, 0, 64, PROTO_TEST, sa, da);
	EXPECT_EQ(inject(p.b, p.ifb, f, 40, PACKET_HOST), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.InHdrErrors"), 5);

	/* Bad checksum: both counters. */
	build_iph(f, 28, 1, 0, 64, PROTO_TEST, sa, da);
	f[10] ^= 0x40;
	EXPECT_EQ(inject(p.b, p.ifb, f, 28, PACKET_HOST), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.InCsumErrors"), 1);
	EXPECT_EQ(snmp(p.b, "Ip.InHdrErrors"), 6);

	/* For another host: not even received. */
	build_iph(f, 28, 1, 0, 64, PROTO_TEST, sa, da);
	EXPECT_EQ(inject(p.b, p.ifb, f, 28, PACKET_OTHERHOST), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.InReceives"), 7);

	/* Ethernet padding: 8 bytes of payload in a 46-byte frame payload. */
	build_iph(f, 28, 1, 0, 64, PROTO_TEST, sa, da);
	fill(f + 20, 8, 3);
	memset(f + 28, 0xee, 18);
	EXPECT_EQ(inject(p.b, p.ifb, f, 46, PACKET_HOST), 0);
	EXPECT_EQ(snmp(p.b, "Ip.InReceives"), 8);
	EXPECT_EQ(snmp(p.b, "Ip.InDelivers"), 1);
	ASSERT_TRUE(sink.n == 1);
	EXPECT_EQ(sink.d[0].len, 8);
	EXPECT_TRUE(!memcmp(sink.d[0].data, f + 20, 8));
	EXPECT_EQ(sink.d[0].ttl, 64);

	/* A martian source (one of b's own addresses from outside). */
	build_iph(f, 28, 1, 0, 64, PROTO_TEST, da, da);
	EXPECT_NE(inject(p.b, p.ifb, f, 28, PACKET_HOST), 0);
	EXPECT_EQ(snmp(p.b, "Ip.InAddrErrors"), 1);
	/* Not for us, and b does not forward. */
	build_iph(f, 28, 1, 0, 64, PROTO_TEST, sa, ip4("192.0.2.1"));
	EXPECT_NE(inject(p.b, p.ifb, f, 28, PACKET_HOST), 0);
	EXPECT_EQ(snmp(p.b, "Ip.InAddrErrors"), 2);
	EXPECT_EQ(snmp(p.b, "Icmp.OutMsgs"), 0);
	EXPECT_EQ(sink.n, 1);
	pair_close(&p);
}

TEST(unknown_protocol_gets_protocol_unreachable)
{
	uint8_t payload[32];
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	fill(payload, sizeof(payload), 1);
	EXPECT_EQ(send_ip(p.a, ip4("10.0.0.2"), PROTO_NONE, payload,
			  sizeof(payload), 0, false, NULL, 0), 0);
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(p.b, "Ip.InUnknownProtos"), 1);
	EXPECT_EQ(snmp(p.b, "Ip.InDelivers"), 0);
	EXPECT_EQ(snmp(p.b, "Icmp.OutDestUnreachs"), 1);
	EXPECT_EQ(snmp(p.b, "IcmpMsg.OutType3"), 1);
	EXPECT_EQ(snmp(p.a, "Icmp.InDestUnreachs"), 1);
	EXPECT_EQ(snmp(p.a, "IcmpMsg.InType3"), 1);
	EXPECT_EQ(snmp(p.a, "Icmp.InErrors"), 0);
	EXPECT_EQ(snmp(p.a, "Ip.OutRequests"), 1);
	pair_close(&p);
}

/* ---- fragmentation and reassembly -------------------------------------------------- */

TEST(fragment_and_reassemble_60000_bytes)
{
	static uint8_t big[60000];
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	fill(big, sizeof(big), 11);
	EXPECT_EQ(send_ip(p.a, ip4("10.0.0.2"), PROTO_TEST, big, sizeof(big),
			  0, false, NULL, 0), 0);
	usn_sim_run(200 * MS);
	/* 1480 bytes of payload per fragment: 41 of them. */
	EXPECT_EQ(snmp(p.a, "Ip.FragOKs"), 1);
	EXPECT_EQ(snmp(p.a, "Ip.FragCreates"), 41);
	EXPECT_EQ(snmp(p.a, "Ip.FragFails"), 0);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmReqds"), 41);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmOKs"), 1);
	EXPECT_EQ(snmp(p.b, "Ip.InDelivers"), 1);
	ASSERT_TRUE(sink.n == 1);
	EXPECT_EQ(sink.d[0].len, sizeof(big));
	EXPECT_TRUE(sink.d[0].data && !memcmp(sink.d[0].data, big, sizeof(big)));
	EXPECT_TRUE(sink.d[0].flags & IPSKB_FRAG_COMPLETE);
	net_lock(p.b);
	EXPECT_EQ(ipfrag_mem(p.b), 0);
	EXPECT_EQ(ipfrag_queues(p.b), 0);
	net_unlock(p.b);
	pair_close(&p);
}

TEST(df_too_big_is_emsgsize)
{
	uint8_t payload[2000];
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	fill(payload, sizeof(payload), 2);
	EXPECT_EQ(send_ip(p.a, ip4("10.0.0.2"), PROTO_TEST, payload,
			  sizeof(payload), 0, true, NULL, 0), -EMSGSIZE);
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(p.a, "Ip.FragFails"), 1);
	EXPECT_EQ(snmp(p.a, "Ip.FragCreates"), 0);
	EXPECT_EQ(snmp(p.b, "Ip.InReceives"), 0);
	/* The sender heard of the MTU through its own ICMP error, on loopback. */
	EXPECT_EQ(snmp(p.a, "Icmp.OutDestUnreachs"), 1);
	EXPECT_EQ(snmp(p.a, "Icmp.InDestUnreachs"), 1);
	EXPECT_EQ(sink.nerr, 1);
	EXPECT_TRUE(sink.err_nh_is_data);
	EXPECT_EQ(icmp_info_type(sink.err_info), ICMP_DEST_UNREACH);
	EXPECT_EQ(icmp_info_code(sink.err_info), ICMP_FRAG_NEEDED);
	EXPECT_EQ(icmp_info_mtu(sink.err_info), 1500);
	EXPECT_EQ(sink.err_quoted_daddr, ip4("10.0.0.2"));
	EXPECT_EQ(sink.err_quoted_proto, PROTO_TEST);
	pair_close(&p);
}

TEST(options_copied_only_when_marked)
{
	/* Record route (not copied), then a copied option (0x94, router alert). */
	static const uint8_t opt[12] = { 7, 7, 4, 0, 0, 0, 0, 0x94, 4, 0, 0, 0 };
	struct capture out;
	uint8_t payload[3000];
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	capture_attach(&out, p.a, p.ifa, true);
	fill(payload, sizeof(payload), 5);
	EXPECT_EQ(send_ip(p.a, ip4("10.0.0.2"), PROTO_TEST, payload,
			  sizeof(payload), 0, false, opt, sizeof(opt)), 0);
	usn_sim_run(100 * MS);
	ASSERT_TRUE(out.n == 3);
	for (unsigned int i = 0; i < out.n; i++) {
		const uint8_t *h = out.ip[i];

		EXPECT_EQ(ipv4_hlen(h), 32);
		EXPECT_EQ(ip_fast_csum(h, 8), 0);
		EXPECT_EQ(ipv4_tot_len(h), out.len[i]);
		EXPECT_TRUE(!memcmp(h + 27, opt + 7, 5));	/* copied */
		if (i == 0)
			EXPECT_TRUE(!memcmp(h + 20, opt, 7));
		else
			EXPECT_TRUE(!memcmp(h + 20, "\1\1\1\1\1\1\1", 7));
	}
	/* 1500 - 32 = 1468, down to 1464 (8-byte blocks) */
	EXPECT_EQ(ipv4_frag_off(out.ip[0]), IP_MF);
	EXPECT_EQ(ipv4_frag_off(out.ip[1]), IP_MF | 1464 / 8);
	EXPECT_EQ(ipv4_frag_off(out.ip[2]), 2928 / 8);
	EXPECT_EQ(ipv4_id(out.ip[0]), ipv4_id(out.ip[2]));
	ASSERT_TRUE(sink.n == 1);
	EXPECT_EQ(sink.d[0].len, sizeof(payload));
	EXPECT_TRUE(!memcmp(sink.d[0].data, payload, sizeof(payload)));
	capture_free(&out);
	pair_close(&p);
}

TEST(duplicate_and_overlapping_fragments)
{
	uint32_t sa = ip4("10.0.0.1"), da = ip4("10.0.0.2");
	uint8_t d[64];
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	fill(d, sizeof(d), 9);

	/* A duplicate is dropped alone; the datagram still completes. */
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 7, 0, d, 16, true), 0);
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 7, 0, d, 16, true), -EINVAL);
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 7, 16, d + 16, 8, false), 0);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmOKs"), 1);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmOverlaps"), 0);
	ASSERT_TRUE(sink.n == 1);
	EXPECT_EQ(sink.d[0].len, 24);
	EXPECT_TRUE(!memcmp(sink.d[0].data, d, 24));

	/* An overlap takes the whole datagram with it (RFC 5722). */
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 8, 0, d, 16, true), 0);
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 8, 8, d, 16, true), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmOverlaps"), 1);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmFails"), 1);
	net_lock(p.b);
	EXPECT_EQ(ipfrag_queues(p.b), 0);
	EXPECT_EQ(ipfrag_mem(p.b), 0);
	net_unlock(p.b);
	/* What comes after starts a new queue that never completes here. */
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 8, 16, d, 8, false), 0);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmOKs"), 1);

	/* A last fragment that disagrees with an earlier end. */
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 9, 16, d, 8, false), 0);
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 9, 16, d, 16, false), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmFails"), 2);

	/* Out of order, back to front, completes. */
	for (int off = 56; off >= 0; off -= 8)
		inject_frag(p.b, p.ifb, sa, da, 10, (unsigned int)off, d + off, 8,
			    off != 56);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmOKs"), 2);
	ASSERT_TRUE(sink.n == 2);
	EXPECT_EQ(sink.d[1].len, 64);
	EXPECT_TRUE(!memcmp(sink.d[1].data, d, 64));
	pair_close(&p);
}

TEST(fragment_past_64k_is_refused)
{
	uint32_t sa = ip4("10.0.0.1"), da = ip4("10.0.0.2");
	uint8_t d[64] = { 0 };
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 1, 0, d, 64, true), 0);
	/* 65528 + 16 bytes + the header: past 65535. */
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 1, 65528, d, 16, false), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmFails"), 1);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmOKs"), 0);
	/* Alone, too. */
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 2, 65528, d, 8, false), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmFails"), 2);
	net_lock(p.b);
	EXPECT_EQ(ipfrag_queues(p.b), 0);
	EXPECT_EQ(ipfrag_mem(p.b), 0);
	net_unlock(p.b);
	pair_close(&p);
}

TEST(fragment_bomb_stays_under_the_limit)
{
	uint32_t sa = ip4("10.0.0.1"), da = ip4("10.0.0.2");
	unsigned long thresh, peak = 0, mem;
	uint8_t d[24] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	thresh = (unsigned long)p.b->sysctl.ipfrag_high_thresh;
	/* A storm of overlapping fragments: each overlap ends its queue. */
	for (unsigned int i = 0; i < 5000; i++)
		inject_frag(p.b, p.ifb, sa, da, 7, 8 + (i % 4) * 8, d,
			    8 + (i % 3) * 8, true);
	EXPECT_TRUE(snmp(p.b, "Ip.ReasmOverlaps") > 1000);
	/*
	 * 20000 tiny fragments that never complete, spread over 50 queues in
	 * a scattered order.
	 */
	for (unsigned int i = 0; i < 20000; i++) {
		unsigned int q = i % 50, k = (i / 50) * 7919 % 8000;

		inject_frag(p.b, p.ifb, sa, da, (uint16_t)(100 + q), 8 + k * 8, d,
			    8, true);
		net_lock(p.b);
		mem = ipfrag_mem(p.b);
		net_unlock(p.b);
		if (mem > peak)
			peak = mem;
	}
	EXPECT_TRUE(peak <= thresh);
	EXPECT_TRUE(peak > thresh / 2);
	EXPECT_TRUE(snmp(p.b, "Ip.ReasmFails") > 1000);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmReqds"), 25000);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmOKs"), 0);
	EXPECT_EQ(sink.n, 0);

	/* Time takes them all away, and nobody is told: no first fragments. */
	usn_sim_run(31 * SEC);
	net_lock(p.b);
	EXPECT_EQ(ipfrag_mem(p.b), 0);
	EXPECT_EQ(ipfrag_queues(p.b), 0);
	net_unlock(p.b);
	EXPECT_TRUE(snmp(p.b, "Ip.ReasmTimeout") >= 50);
	EXPECT_EQ(snmp(p.b, "Icmp.OutTimeExcds"), 0);
	pair_close(&p);
}

TEST(lost_fragment_times_out)
{
	uint32_t sa = ip4("10.0.0.1"), da = ip4("10.0.0.2");
	uint8_t d[1480];
	uint64_t t0;
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	fill(d, sizeof(d), 4);
	t0 = usn_sim_now();
	/* First and last of three: the middle one is lost. */
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 42, 0, d, 1480, true), 0);
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 42, 2960, d, 100, false), 0);
	/* And a datagram whose first fragment never came. */
	EXPECT_EQ(inject_frag(p.b, p.ifb, sa, da, 43, 1480, d, 100, false), 0);
	net_lock(p.b);
	EXPECT_TRUE(ipfrag_mem(p.b) > 0);
	EXPECT_EQ(ipfrag_queues(p.b), 2);
	net_unlock(p.b);

	usn_sim_run(29 * SEC);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmTimeout"), 0);
	usn_sim_run(2 * SEC);
	EXPECT_TRUE(usn_sim_now() - t0 >= 30 * SEC);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmTimeout"), 2);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmFails"), 2);
	EXPECT_EQ(snmp(p.b, "Ip.ReasmOKs"), 0);
	net_lock(p.b);
	EXPECT_EQ(ipfrag_mem(p.b), 0);
	EXPECT_EQ(ipfrag_queues(p.b), 0);
	net_unlock(p.b);
	/* One time exceeded (reassembly), for the datagram whose head came. */
	EXPECT_EQ(snmp(p.b, "Icmp.OutTimeExcds"), 1);
	EXPECT_EQ(snmp(p.a, "Icmp.InTimeExcds"), 1);
	ASSERT_TRUE(p.cap_a.n >= 1);
	{
		const uint8_t *h = p.cap_a.ip[p.cap_a.n - 1];
		const uint8_t *ic = h + ipv4_hlen(h);

		EXPECT_EQ(ipv4_protocol(h), IPPROTO_ICMP);
		EXPECT_EQ(icmp_type(ic), ICMP_TIME_EXCEEDED);
		EXPECT_EQ(icmp_code(ic), ICMP_EXC_FRAGTIME);
		EXPECT_EQ(ipv4_tos(h), 0xc0);
		/* The quote: the first fragment's header, then its payload. */
		EXPECT_EQ(ipv4_id(ic + ICMP_HLEN), 42);
		EXPECT_EQ(ipv4_tot_len(h), 576);
		EXPECT_TRUE(!memcmp(ic + ICMP_HLEN + 20, d, 576 - 48));
	}
	/* The error about the reassembly is not for any socket. */
	EXPECT_EQ(sink.nerr, 0);
	pair_close(&p);
}

/* ---- ICMP ---------------------------------------------------------------------- */

static int send_echo(struct usn_net *net, uint32_t daddr, uint16_t id,
		     uint16_t seq, const uint8_t *data, unsigned int len)
{
	uint8_t msg[256];

	memset(msg, 0, sizeof(msg));
	icmp_set_type(msg, ICMP_ECHO);
	icmp_set_rest(msg, (uint32_t)id << 16 | seq);
	memcpy(msg + ICMP_HLEN, data, len);
	icmp_set_check(msg, csum_fold(csum_partial(msg, ICMP_HLEN + len, 0)));
	return send_ip(net, daddr, IPPROTO_ICMP, msg, ICMP_HLEN + len, 0,
		       false, NULL, 0);
}

TEST(echo_request_gets_echo_reply)
{
	uint8_t data[56];
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	fill(data, sizeof(data), 8);
	EXPECT_EQ(send_echo(p.a, ip4("10.0.0.2"), 0x1234, 7, data, sizeof(data)), 0);
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(p.a, "Icmp.OutEchos"), 1);
	EXPECT_EQ(snmp(p.a, "IcmpMsg.OutType8"), 1);
	EXPECT_EQ(snmp(p.b, "Icmp.InMsgs"), 1);
	EXPECT_EQ(snmp(p.b, "Icmp.InEchos"), 1);
	EXPECT_EQ(snmp(p.b, "IcmpMsg.InType8"), 1);
	EXPECT_EQ(snmp(p.b, "Icmp.OutEchoReps"), 1);
	EXPECT_EQ(snmp(p.b, "Icmp.OutMsgs"), 1);
	EXPECT_EQ(snmp(p.a, "Icmp.InEchoReps"), 1);
	ASSERT_TRUE(p.cap_a.n == 1);
	{
		const uint8_t *h = p.cap_a.ip[0];
		const uint8_t *ic = h + 20;

		EXPECT_EQ(p.cap_a.len[0], 20 + ICMP_HLEN + sizeof(data));
		EXPECT_EQ(h[0], 0x45);
		EXPECT_EQ(ipv4_tot_len(h), 20 + ICMP_HLEN + sizeof(data));
		EXPECT_EQ(ipv4_protocol(h), IPPROTO_ICMP);
		EXPECT_EQ(ipv4_ttl(h), 64);
		EXPECT_EQ(ipv4_frag_off(h), 0);
		EXPECT_EQ(ipv4_saddr(h), ip4("10.0.0.2"));
		EXPECT_EQ(ipv4_daddr(h), ip4("10.0.0.1"));
		EXPECT_EQ(ip_fast_csum(h, 5), 0);
		EXPECT_EQ(icmp_type(ic), ICMP_ECHOREPLY);
		EXPECT_EQ(icmp_code(ic), 0);
		EXPECT_EQ(icmp_echo_id(ic), 0x1234);
		EXPECT_EQ(icmp_echo_seq(ic), 7);
		EXPECT_EQ(csum_fold(csum_partial(ic, ICMP_HLEN + sizeof(data), 0)), 0);
		EXPECT_TRUE(!memcmp(ic + ICMP_HLEN, data, sizeof(data)));
	}

	/* echo_ignore_all: silence. */
	EXPECT_OK(usn_sysctl(p.b, "net.ipv4.icmp_echo_ignore_all", NULL, NULL, "1"));
	EXPECT_EQ(send_echo(p.a, ip4("10.0.0.2"), 0x1234, 8, data, sizeof(data)), 0);
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(p.b, "Icmp.InEchos"), 2);
	EXPECT_EQ(snmp(p.b, "Icmp.OutEchoReps"), 1);

	/* A bad checksum: counted, not answered. */
	EXPECT_OK(usn_sysctl(p.b, "net.ipv4.icmp_echo_ignore_all", NULL, NULL, "0"));
	{
		uint8_t f[20 + ICMP_HLEN + 8];

		build_iph(f, sizeof(f), 9, 0, 64, IPPROTO_ICMP, ip4("10.0.0.1"),
			  ip4("10.0.0.2"));
		memset(f + 20, 0, ICMP_HLEN + 8);
		f[20] = ICMP_ECHO;
		f[22] = 0x12;	/* wrong */
		inject(p.b, p.ifb, f, sizeof(f), PACKET_HOST);
	}
	EXPECT_EQ(snmp(p.b, "Icmp.InCsumErrors"), 1);
	EXPECT_EQ(snmp(p.b, "Icmp.InErrors"), 1);
	EXPECT_EQ(snmp(p.b, "Icmp.OutEchoReps"), 1);
	pair_close(&p);
}

TEST(timestamp_request_gets_reply)
{
	uint8_t msg[ICMP_HLEN + 12];
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	memset(msg, 0, sizeof(msg));
	icmp_set_type(msg, ICMP_TIMESTAMP);
	icmp_set_rest(msg, 0x00090001);
	store_be32(msg + ICMP_HLEN, 0x01020304);	/* originate */
	icmp_set_check(msg, csum_fold(csum_partial(msg, sizeof(msg), 0)));
	EXPECT_EQ(send_ip(p.a, ip4("10.0.0.2"), IPPROTO_ICMP, msg, sizeof(msg),
			  0, false, NULL, 0), 0);
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(p.b, "IcmpMsg.InType13"), 1);
	EXPECT_EQ(snmp(p.b, "IcmpMsg.OutType14"), 1);
	ASSERT_TRUE(p.cap_a.n == 1);
	{
		const uint8_t *ic = p.cap_a.ip[0] + 20;

		EXPECT_EQ(p.cap_a.len[0], 20 + ICMP_HLEN + 12);
		EXPECT_EQ(icmp_type(ic), ICMP_TIMESTAMPREPLY);
		EXPECT_EQ(icmp_rest(ic), 0x00090001);
		EXPECT_EQ(load_be32(ic + ICMP_HLEN), 0x01020304);
		EXPECT_EQ(load_be32(ic + ICMP_HLEN + 4), load_be32(ic + ICMP_HLEN + 8));
		EXPECT_TRUE(load_be32(ic + ICMP_HLEN + 4) < 86400000u);
		EXPECT_EQ(csum_fold(csum_partial(ic, ICMP_HLEN + 12, 0)), 0);
	}
	pair_close(&p);
}

/* ARP fails for the next hop: the sender learns it through its own ICMP error. */
TEST(unresolved_neighbour_reports_host_unreachable)
{
	uint8_t payload[16] = { 0 };
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	EXPECT_EQ(send_ip(p.a, ip4("10.0.0.77"), PROTO_TEST, payload,
			  sizeof(payload), 0, false, NULL, 0), 0);
	usn_sim_run(10 * SEC);
	EXPECT_EQ(snmp(p.a, "Icmp.OutDestUnreachs"), 1);
	EXPECT_EQ(snmp(p.a, "Icmp.InDestUnreachs"), 1);
	EXPECT_EQ(sink.nerr, 1);
	EXPECT_TRUE(sink.err_net == p.a);
	EXPECT_EQ(sink.err_info, ICMP_INFO(ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0));
	EXPECT_EQ(sink.err_quoted_daddr, ip4("10.0.0.77"));
	pair_close(&p);
}

TEST(echo_on_loopback)
{
	uint8_t data[16];
	struct usn_net *net;
	uint64_t heads0;

	ipv4_start();
	heads0 = heads_in_use();
	net = usn_net_create("lo-echo", 0);
	ASSERT_TRUE(net);
	fill(data, sizeof(data), 1);
	EXPECT_EQ(send_echo(net, ip4("127.0.0.1"), 1, 1, data, sizeof(data)), 0);
	usn_sim_run(10 * MS);
	EXPECT_EQ(snmp(net, "Icmp.InEchos"), 1);
	EXPECT_EQ(snmp(net, "Icmp.OutEchoReps"), 1);
	EXPECT_EQ(snmp(net, "Icmp.InEchoReps"), 1);
	EXPECT_OK(usn_net_destroy(net));
	EXPECT_EQ(heads_in_use(), heads0);
}

TEST(error_rate_limits)
{
	uint8_t f[28];
	struct pair p;
	uint64_t sent;

	ASSERT_TRUE(pair_open(&p));
	/* 100 datagrams of an unknown protocol from one host, at once. */
	for (int i = 0; i < 100; i++) {
		build_iph(f, sizeof(f), (uint16_t)i, 0, 64, PROTO_NONE,
			  ip4("10.0.0.1"), ip4("10.0.0.2"));
		inject(p.b, p.ifb, f, sizeof(f), PACKET_HOST);
	}
	EXPECT_EQ(snmp(p.b, "Ip.InUnknownProtos"), 100);
	/* A burst of six per host, then one per icmp_ratelimit ms. */
	EXPECT_EQ(snmp(p.b, "Icmp.OutDestUnreachs"), 6);
	EXPECT_EQ(snmp(p.b, "Icmp.OutRateLimitHost"), 94);
	EXPECT_EQ(snmp(p.b, "Icmp.OutRateLimitGlobal"), 0);
	usn_sim_run(1000 * MS);
	build_iph(f, sizeof(f), 500, 0, 64, PROTO_NONE, ip4("10.0.0.1"),
		  ip4("10.0.0.2"));
	inject(p.b, p.ifb, f, sizeof(f), PACKET_HOST);
	EXPECT_EQ(snmp(p.b, "Icmp.OutDestUnreachs"), 7);

	/* From 100 hosts: the namespace's bucket (burst 50) runs dry. */
	usn_sim_run(2000 * MS);
	sent = snmp(p.b, "Icmp.OutDestUnreachs");
	for (int i = 0; i < 100; i++) {
		char a[32];

		snprintf(a, sizeof(a), "10.0.0.%d", 100 + i);
		build_iph(f, sizeof(f), (uint16_t)i, 0, 64, PROTO_NONE, ip4(a),
			  ip4("10.0.0.2"));
		inject(p.b, p.ifb, f, sizeof(f), PACKET_HOST);
	}
	EXPECT_EQ(snmp(p.b, "Icmp.OutDestUnreachs") - sent, 50);
	EXPECT_EQ(snmp(p.b, "Icmp.OutRateLimitGlobal"), 50);

	/* Echo replies are not limited. */
	for (int i = 0; i < 60; i++)
		send_echo(p.a, ip4("10.0.0.2"), 2, (uint16_t)i, f, 8);
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(p.b, "Icmp.OutEchoReps"), 60);
	pair_close(&p);
}

/* icmp_send() about @len bytes as received on @ifindex: how many it sent. */
static int try_icmp_send(struct usn_net *net, int ifindex, const uint8_t *bytes,
			 unsigned int len, uint8_t pkt_type)
{
	struct net_device *dev;
	struct sk_buff *skb;
	uint64_t before;
	int sent = -1;

	net_lock(net);
	dev = dev_get_by_index(net, ifindex);
	skb = alloc_skb_headroom(len, USN_MAX_HEADER);
	if (dev && skb) {
		skb_put_data(skb, bytes, len);
		skb->dev = dev;
		skb->pkt_type = pkt_type;
		skb_reset_network_header(skb);
		before = net->ipv4->mib.icmp[ICMP_MIB_OutMsgs];
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
		sent = (int)(net->ipv4->mib.icmp[ICMP_MIB_OutMsgs] - before);
	}
	kfree_skb(skb);
	net_unlock(net);
	return sent;
}

TEST(no_error_about_errors_fragments_or_broadcasts)
{
	static const struct {
		const char	*what;
		const char	*src;
		const char	*dst;
		uint16_t	frag_off;
		uint8_t		proto;
		uint8_t		inner_type;	/* of an ICMP datagram */
		uint8_t		pkt_type;
		unsigned int	len;
		int		sent;
	} cases[] = {
		{ "unicast", "10.0.0.1", "10.0.0.2", 0, PROTO_NONE, 0, PACKET_HOST, 28, 1 },
		{ "first fragment", "10.0.0.3", "10.0.0.2", IP_MF, PROTO_NONE, 0, PACKET_HOST, 28, 1 },
		{ "later fragment", "10.0.0.4", "10.0.0.2", 1, PROTO_NONE, 0, PACKET_HOST, 28, 0 },
		{ "subnet broadcast", "10.0.0.5", "10.0.0.255", 0, PROTO_NONE, 0, PACKET_HOST, 28, 0 },
		{ "limited broadcast", "10.0.0.5", "255.255.255.255", 0, PROTO_NONE, 0, PACKET_HOST, 28, 0 },
		{ "multicast", "10.0.0.5", "224.0.0.1", 0, PROTO_NONE, 0, PACKET_HOST, 28, 0 },
		{ "link broadcast", "10.0.0.5", "10.0.0.2", 0, PROTO_NONE, 0, PACKET_BROADCAST, 28, 0 },
		{ "from 0.0.0.0", "0.0.0.0", "10.0.0.2", 0, PROTO_NONE, 0, PACKET_HOST, 28, 0 },
		{ "from loopback", "127.0.0.1", "10.0.0.2", 0, PROTO_NONE, 0, PACKET_HOST, 28, 0 },
		{ "from multicast", "224.0.0.9", "10.0.0.2", 0, PROTO_NONE, 0, PACKET_HOST, 28, 0 },
		{ "from class E", "240.0.0.1", "10.0.0.2", 0, PROTO_NONE, 0, PACKET_HOST, 28, 0 },
		{ "from broadcast", "10.0.0.255", "10.0.0.2", 0, PROTO_NONE, 0, PACKET_HOST, 28, 0 },
		{ "about an error", "10.0.0.6", "10.0.0.2", 0, IPPROTO_ICMP, ICMP_DEST_UNREACH, PACKET_HOST, 28, 0 },
		{ "about a query", "10.0.0.7", "10.0.0.2", 0, IPPROTO_ICMP, ICMP_ECHO, PACKET_HOST, 28, 1 },
		{ "truncated", "10.0.0.8", "10.0.0.2", 0, PROTO_NONE, 0, PACKET_HOST, 12, 0 },
	};
	uint8_t f[64];
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		memset(f, 0, sizeof(f));
		build_iph(f, cases[i].len, 1, cases[i].frag_off, 64,
			  cases[i].proto, ip4(cases[i].src), ip4(cases[i].dst));
		f[20] = cases[i].inner_type;
		if (try_icmp_send(p.b, p.ifb, f, cases[i].len,
				  cases[i].pkt_type) != cases[i].sent)
			TEST_FAIL_AT("%s: expected %d sent", cases[i].what,
				     cases[i].sent);
	}

	/* A destination unreachable with a code past the last is not acted on. */
	build_iph(f, 20 + ICMP_HLEN + 28, 1, 0, 64, IPPROTO_ICMP,
		  ip4("10.0.0.1"), ip4("10.0.0.2"));
	memset(f + 20, 0, ICMP_HLEN + 28);
	f[20] = ICMP_DEST_UNREACH;
	f[21] = 77;
	build_iph(f + 28, 28, 5, 0, 64, PROTO_TEST, ip4("10.0.0.2"), ip4("10.0.0.1"));
	icmp_set_check(f + 20, csum_fold(csum_partial(f + 20, ICMP_HLEN + 28, 0)));
	EXPECT_EQ(inject(p.b, p.ifb, f, 20 + ICMP_HLEN + 28, PACKET_HOST), 0);
	EXPECT_EQ(snmp(p.b, "Icmp.InDestUnreachs"), 1);
	EXPECT_EQ(snmp(p.b, "Icmp.InErrors"), 0);
	EXPECT_EQ(sink.nerr, 0);
	/* A port unreachable is, with the quoted header at skb->data. */
	f[21] = ICMP_PORT_UNREACH;
	icmp_set_check(f + 20, 0);
	icmp_set_check(f + 20, csum_fold(csum_partial(f + 20, ICMP_HLEN + 28, 0)));
	EXPECT_EQ(inject(p.b, p.ifb, f, 20 + ICMP_HLEN + 28, PACKET_HOST), 0);
	EXPECT_EQ(sink.nerr, 1);
	EXPECT_TRUE(sink.err_nh_is_data);
	EXPECT_EQ(sink.err_info, ICMP_INFO(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0));
	EXPECT_EQ(sink.err_quoted_daddr, ip4("10.0.0.1"));
	/* Without the 8 bytes after the quoted header: not delivered, not an error. */
	build_iph(f, 20 + ICMP_HLEN + 24, 1, 0, 64, IPPROTO_ICMP,
		  ip4("10.0.0.1"), ip4("10.0.0.2"));
	icmp_set_check(f + 20, 0);
	icmp_set_check(f + 20, csum_fold(csum_partial(f + 20, ICMP_HLEN + 24, 0)));
	EXPECT_EQ(inject(p.b, p.ifb, f, 20 + ICMP_HLEN + 24, PACKET_HOST), 0);
	EXPECT_EQ(sink.nerr, 1);
	/* Without a whole quoted header: an input error. */
	build_iph(f, 20 + ICMP_HLEN + 12, 1, 0, 64, IPPROTO_ICMP,
		  ip4("10.0.0.1"), ip4("10.0.0.2"));
	icmp_set_check(f + 20, 0);
	icmp_set_check(f + 20, csum_fold(csum_partial(f + 20, ICMP_HLEN + 12, 0)));
	EXPECT_EQ(inject(p.b, p.ifb, f, 20 + ICMP_HLEN + 12, PACKET_HOST), -EINVAL);
	EXPECT_EQ(snmp(p.b, "Icmp.InErrors"), 1);
	EXPECT_EQ(snmp(p.b, "Icmp.InDestUnreachs"), 4);

	/* An echo to the broadcast address is ignored by default. */
	build_iph(f, 20 + ICMP_HLEN, 4, 0, 64, IPPROTO_ICMP, ip4("10.0.0.1"),
		  ip4("10.0.0.255"));
	memset(f + 20, 0, ICMP_HLEN);
	f[20] = ICMP_ECHO;
	icmp_set_check(f + 20, csum_fold(csum_partial(f + 20, ICMP_HLEN, 0)));
	inject(p.b, p.ifb, f, 20 + ICMP_HLEN, PACKET_BROADCAST);
	EXPECT_EQ(snmp(p.b, "Icmp.InEchos"), 1);
	EXPECT_EQ(snmp(p.b, "Icmp.InErrors"), 2);
	EXPECT_EQ(snmp(p.b, "Icmp.OutEchoReps"), 0);
	pair_close(&p);
}

/* ---- forwarding ------------------------------------------------------------------ */

/*
 * a 10.0.0.1 --- 10.0.0.2 b 10.1.0.1 --- 10.1.0.2 c, b forwarding; the
 * b-c link has an MTU of 1000.
 */
struct chain {
	struct pair	ab;
	struct usn_net	*c;
	int		ifbc, ifc;
};

static bool chain_open(struct chain *ch)
{
	struct usn_memlink_params prm = { .mtu = 1000 };
	uint32_t b2 = ip4("10.1.0.1"), c1 = ip4("10.1.0.2");
	uint32_t net10 = ip4("10.1.0.0"), any = 0;
	uint32_t gw_a = ip4("10.0.0.2"), gw_c = ip4("10.1.0.1");
	int idx[2];

	if (!pair_open(&ch->ab))
		return false;
	ch->c = usn_net_create("c", 0);
	if (!ch->c || usn_memlink_create(ch->ab.b, NULL, ch->c, NULL, &prm, idx))
		return false;
	ch->ifbc = idx[0];
	ch->ifc = idx[1];
	return !usn_link_set_up(ch->ab.b, ch->ifbc, 1) &&
	       !usn_link_set_up(ch->c, ch->ifc, 1) &&
	       !usn_addr_add(ch->ab.b, ch->ifbc, AF_INET, &b2, 24) &&
	       !usn_addr_add(ch->c, ch->ifc, AF_INET, &c1, 24) &&
	       !usn_route_add(ch->ab.a, AF_INET, &net10, 24, &gw_a, 0, 0) &&
	       !usn_route_add(ch->c, AF_INET, &any, 0, &gw_c, 0, 0) &&
	       !usn_sysctl(ch->ab.b, "net.ipv4.ip_forward", NULL, NULL, "1");
}

static void chain_close(struct chain *ch)
{
	if (ch->c)
		EXPECT_OK(usn_net_destroy(ch->c));
	pair_close(&ch->ab);
}

TEST(forwarding_ttl_and_mtu)
{
	uint8_t payload[1400];
	struct chain ch;
	struct pair *p = &ch.ab;

	memset(&ch, 0, sizeof(ch));
	ASSERT_TRUE(chain_open(&ch));
	fill(payload, sizeof(payload), 6);

	/* Through b: TTL one less. */
	EXPECT_EQ(send_ip(p->a, ip4("10.1.0.2"), PROTO_TEST, payload, 100, 64,
			  false, NULL, 0), 0);
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(p->b, "Ip.OutForwDatagrams"), 1);
	ASSERT_TRUE(sink.n == 1);
	EXPECT_TRUE(sink.d[0].net == ch.c);
	EXPECT_EQ(sink.d[0].ttl, 63);
	EXPECT_EQ(sink.d[0].saddr, ip4("10.0.0.1"));

	/* TTL 1 dies at b: time exceeded back to a. */
	EXPECT_EQ(send_ip(p->a, ip4("10.1.0.2"), PROTO_TEST, payload, 100, 1,
			  false, NULL, 0), 0);
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(p->b, "Ip.InHdrErrors"), 1);
	EXPECT_EQ(snmp(p->b, "Icmp.OutTimeExcds"), 1);
	EXPECT_EQ(snmp(p->a, "Icmp.InTimeExcds"), 1);
	EXPECT_EQ(sink.n, 1);
	EXPECT_EQ(sink.nerr, 1);
	EXPECT_TRUE(sink.err_net == p->a);
	EXPECT_EQ(icmp_info_type(sink.err_info), ICMP_TIME_EXCEEDED);
	EXPECT_EQ(icmp_info_code(sink.err_info), ICMP_EXC_TTL);
	EXPECT_EQ(sink.err_quoted_daddr, ip4("10.1.0.2"));

	/* Too big for the b-c link with DF: fragmentation needed, MTU 1000. */
	EXPECT_EQ(send_ip(p->a, ip4("10.1.0.2"), PROTO_TEST, payload, 1400, 64,
			  true, NULL, 0), 0);
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(p->b, "Ip.FragFails"), 1);
	EXPECT_EQ(sink.nerr, 2);
	EXPECT_EQ(icmp_info_type(sink.err_info), ICMP_DEST_UNREACH);
	EXPECT_EQ(icmp_info_code(sink.err_info), ICMP_FRAG_NEEDED);
	EXPECT_EQ(icmp_info_mtu(sink.err_info), 1000);
	EXPECT_EQ(sink.n, 1);

	/* Without DF, b fragments and c reassembles. */
	EXPECT_EQ(send_ip(p->a, ip4("10.1.0.2"), PROTO_TEST, payload, 1400, 64,
			  false, NULL, 0), 0);
	usn_sim_run(100 * MS);
	EXPECT_EQ(snmp(p->b, "Ip.FragOKs"), 1);
	EXPECT_EQ(snmp(p->b, "Ip.FragCreates"), 2);
	EXPECT_EQ(snmp(ch.c, "Ip.ReasmOKs"), 1);
	ASSERT_TRUE(sink.n == 2);
	EXPECT_EQ(sink.d[1].len, 1400);
	EXPECT_TRUE(!memcmp(sink.d[1].data, payload, 1400));
	EXPECT_EQ(sink.d[1].ttl, 63);
	chain_close(&ch);
}

/* ---- the trace ----------------------------------------------------------------- */

TEST(receive_trace_rows)
{
	uint8_t data[8] = { 0 };
	char buf[4096];
	ssize_t n;
	struct pair p;

	ASSERT_TRUE(pair_open(&p));
	/* Resolve ARP first, so the trace holds only the datagrams. */
	EXPECT_EQ(send_ip(p.a, ip4("10.0.0.2"), PROTO_TEST, data, 8, 0, false,
			  NULL, 0), 0);
	usn_sim_run(100 * MS);
	EXPECT_OK(usn_trace_start(p.b, 0));
	EXPECT_EQ(send_ip(p.a, ip4("10.0.0.2"), PROTO_TEST, data, 8, 0, false,
			  NULL, 0), 0);
	EXPECT_EQ(send_echo(p.a, ip4("10.0.0.2"), 1, 1, data, 8), 0);
	usn_sim_run(100 * MS);
	n = usn_trace_read(p.b, buf, sizeof(buf) - 1);
	ASSERT_TRUE(n > 0);
	buf[n] = 0;
	EXPECT_TRUE(strstr(buf, "ip_rcv->ip_rcv_finish->ip_local_deliver->test_rcv\n") != NULL);
	EXPECT_TRUE(strstr(buf, "ip_rcv->ip_rcv_finish->ip_local_deliver->icmp_rcv\n") != NULL);
	EXPECT_TRUE(strstr(buf, "ip_local_deliver_finish") == NULL);
	if (test_failures)
		fprintf(stderr, "trace:\n%s", buf);
	EXPECT_OK(usn_trace_stop(p.b));
	pair_close(&p);
}
