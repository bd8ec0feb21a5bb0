/* SPDX-License-Identifier: MIT */
/*
 * route_test.c - IPv4 routing against what Linux answers: the routes an
 * address brings and takes away, longest prefix match and metrics, the
 * default gateway, source address selection, local, broadcast and
 * loopback destinations, devices going down and up, reject routes,
 * the errors of adding and deleting routes, and input martians.
 *
 * A namespace "r" is joined by memlinks to two others, so it has two
 * Ethernet devices: ml0 (10.0.0.1/24) and ml1 (192.168.1.1/24).
 */
#include <arpa/inet.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "net/usnet.h"
#include "network/arp/neighbour.h"
#include "network/ipv4/fib.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"

#define RUN_SEED	0x7017eULL

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

struct rig {
	struct usn_net	*r, *peer[2];
	int		ml[2];		/* ml0, ml1 in r */
	int		lo;
	uint64_t	heads0;
};

static bool rig_open(struct rig *g)
{
	int idx[2];

	memset(g, 0, sizeof(*g));
	ipv4_start();
	g->heads0 = heads_in_use();
	g->r = usn_net_create("r", 0);
	g->peer[0] = usn_net_create("p0", 0);
	g->peer[1] = usn_net_create("p1", 0);
	if (!g->r || !g->peer[0] || !g->peer[1])
		return false;
	for (int i = 0; i < 2; i++) {
		if (usn_memlink_create(g->r, NULL, g->peer[i], NULL, NULL, idx))
			return false;
		g->ml[i] = idx[0];
		if (usn_link_set_up(g->r, idx[0], 1) ||
		    usn_link_set_up(g->peer[i], idx[1], 1))
			return false;
	}
	g->lo = usn_link_index(g->r, "lo");
	uint32_t a0 = A("10.0.0.1"), a1 = A("192.168.1.1");

	return !usn_addr_add(g->r, g->ml[0], AF_INET, &a0, 24) &&
	       !usn_addr_add(g->r, g->ml[1], AF_INET, &a1, 24);
}

static void rig_close(struct rig *g)
{
	for (int i = 0; i < 2; i++)
		if (g->peer[i])
			EXPECT_OK(usn_net_destroy(g->peer[i]));
	if (g->r)
		EXPECT_OK(usn_net_destroy(g->r));
	usn_sim_run(1000000);
	EXPECT_EQ(heads_in_use(), g->heads0);
}

/* An output route from @saddr (may be "0.0.0.0") to @daddr out of @oif. */
static int route_out(struct usn_net *net, const char *daddr, const char *saddr,
		     int oif, struct rtable *rt, uint32_t *src)
{
	struct flowi4 fl4;
	int err;

	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = A(daddr);
	fl4.saddr = A(saddr);
	fl4.flowi4_oif = oif;
	net_lock(net);
	err = ip_route_output_key(net, &fl4, rt);
	net_unlock(net);
	if (src)
		*src = fl4.saddr;
	return err;
}

static int route_in(struct usn_net *net, const char *daddr, const char *saddr,
		    int iif, struct rtable *rt)
{
	struct net_device *dev;
	int err = -ENODEV;

	net_lock(net);
	dev = dev_get_by_index(net, iif);
	if (dev)
		err = ip_route_input(NULL, A(daddr), A(saddr), 0, dev, rt);
	net_unlock(net);
	return err;
}

static unsigned int addr_type(struct usn_net *net, const char *addr)
{
	unsigned int t;

	net_lock(net);
	t = inet_addr_type(net, A(addr));
	net_unlock(net);
	return t;
}

static int add_route(struct usn_net *net, const char *dst, int len,
		     const char *gw, int oif, unsigned int metric)
{
	uint32_t d = A(dst), g = gw ? A(gw) : 0;

	return usn_route_add(net, AF_INET, &d, len, gw ? &g : NULL, oif, metric);
}

static int del_route(struct usn_net *net, const char *dst, int len,
		     const char *gw, int oif, unsigned int metric)
{
	uint32_t d = A(dst), g = gw ? A(gw) : 0;

	return usn_route_del(net, AF_INET, &d, len, gw ? &g : NULL, oif, metric);
}

static int add_typed(struct usn_net *net, const char *dst, int len, uint8_t type)
{
	struct fib_config cfg = {
		.dst = A(dst), .dst_len = len, .type = type,
	};
	int err;

	net_lock(net);
	err = fib_route_add(net, &cfg);
	net_unlock(net);
	return err;
}

static int ifindex_of(const struct rtable *rt)
{
	return rt->dev ? rt->dev->ifindex : 0;
}

/* ---- the routes of an address --------------------------------------------------- */

TEST(address_routes_and_types)
{
	struct rtable rt;
	uint32_t src;
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	EXPECT_EQ(addr_type(g.r, "10.0.0.1"), RTN_LOCAL);
	EXPECT_EQ(addr_type(g.r, "10.0.0.255"), RTN_BROADCAST);
	EXPECT_EQ(addr_type(g.r, "10.0.0.0"), RTN_UNICAST);	/* modern Linux */
	EXPECT_EQ(addr_type(g.r, "10.0.0.2"), RTN_UNICAST);
	EXPECT_EQ(addr_type(g.r, "0.0.0.0"), RTN_BROADCAST);
	EXPECT_EQ(addr_type(g.r, "255.255.255.255"), RTN_BROADCAST);
	EXPECT_EQ(addr_type(g.r, "224.0.0.1"), RTN_MULTICAST);
	EXPECT_EQ(addr_type(g.r, "127.0.0.1"), RTN_LOCAL);
	EXPECT_EQ(addr_type(g.r, "127.0.0.2"), RTN_LOCAL);
	EXPECT_EQ(addr_type(g.r, "127.255.255.255"), RTN_BROADCAST);

	/* Our own address: local, through lo, from itself. */
	EXPECT_EQ(route_out(g.r, "10.0.0.1", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_LOCAL);
	EXPECT_EQ(ifindex_of(&rt), g.lo);
	EXPECT_EQ(src, A("10.0.0.1"));
	EXPECT_EQ(rt.rt_src, A("10.0.0.1"));

	/* All of 127/8 is local, from 127.0.0.1. */
	EXPECT_EQ(route_out(g.r, "127.0.0.2", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_LOCAL);
	EXPECT_EQ(ifindex_of(&rt), g.lo);
	EXPECT_EQ(src, A("127.0.0.1"));
	EXPECT_EQ(route_out(g.r, "127.0.0.2", "127.0.0.2", 0, &rt, &src), 0);
	EXPECT_EQ(src, A("127.0.0.2"));

	/* On-link neighbour: the prefix route, no gateway, device MTU. */
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_UNICAST);
	EXPECT_EQ(rt.rt_scope, RT_SCOPE_LINK);
	EXPECT_EQ(ifindex_of(&rt), g.ml[0]);
	EXPECT_EQ(rt.rt_gateway, 0);
	EXPECT_EQ(rt_nexthop(&rt, A("10.0.0.2")), A("10.0.0.2"));
	EXPECT_EQ(rt.rt_mtu, 1500);
	EXPECT_EQ(src, A("10.0.0.1"));

	/* Subnet broadcast: a broadcast route on the device. */
	EXPECT_EQ(route_out(g.r, "10.0.0.255", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_BROADCAST);
	EXPECT_EQ(ifindex_of(&rt), g.ml[0]);
	EXPECT_EQ(src, A("10.0.0.1"));

	/* A second device picks its own address. */
	EXPECT_EQ(route_out(g.r, "192.168.1.77", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(ifindex_of(&rt), g.ml[1]);
	EXPECT_EQ(src, A("192.168.1.1"));

	/* No route: as Linux, ENETUNREACH; 0.0.0.0 means ourselves. */
	EXPECT_EQ(route_out(g.r, "8.8.8.8", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);
	EXPECT_EQ(route_out(g.r, "0.0.0.0", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_LOCAL);
	EXPECT_EQ(src, A("127.0.0.1"));
	rig_close(&g);
}

TEST(address_removal_takes_its_routes)
{
	uint32_t a = A("10.0.0.9"), h = A("172.16.5.5"), p = A("172.17.0.0");
	struct rtable rt;
	uint32_t src;
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	/* A second address in the same subnet: the first stays preferred. */
	EXPECT_OK(usn_addr_add(g.r, g.ml[0], AF_INET, &a, 24));
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(src, A("10.0.0.1"));
	EXPECT_EQ(addr_type(g.r, "10.0.0.9"), RTN_LOCAL);
	a = A("10.0.0.1");
	EXPECT_OK(usn_addr_del(g.r, g.ml[0], AF_INET, &a, 24));
	EXPECT_EQ(addr_type(g.r, "10.0.0.1"), RTN_UNICAST);
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(src, A("10.0.0.9"));
	EXPECT_EQ(addr_type(g.r, "10.0.0.255"), RTN_BROADCAST);
	a = A("10.0.0.9");
	EXPECT_OK(usn_addr_del(g.r, g.ml[0], AF_INET, &a, 24));
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);
	EXPECT_EQ(addr_type(g.r, "10.0.0.255"), RTN_UNICAST);

	/* /32: a local route and nothing else. */
	EXPECT_OK(usn_addr_add(g.r, g.ml[0], AF_INET, &h, 32));
	EXPECT_EQ(addr_type(g.r, "172.16.5.5"), RTN_LOCAL);
	EXPECT_EQ(route_out(g.r, "172.16.5.6", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);

	/* /31 (RFC 3021): a prefix route, no broadcast. */
	p = A("172.17.0.0");
	EXPECT_OK(usn_addr_add(g.r, g.ml[1], AF_INET, &p, 31));
	EXPECT_EQ(route_out(g.r, "172.17.0.1", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_UNICAST);
	EXPECT_EQ(src, A("172.17.0.0"));
	EXPECT_EQ(addr_type(g.r, "172.17.0.1"), RTN_UNICAST);
	rig_close(&g);
}

/* ---- lookups ------------------------------------------------------------------ */

TEST(longest_prefix_and_metric)
{
	struct rtable rt;
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	EXPECT_OK(add_route(g.r, "10.1.0.0", 16, "10.0.0.254", 0, 0));
	EXPECT_OK(add_route(g.r, "10.1.2.0", 24, "10.0.0.253", 0, 0));
	EXPECT_OK(add_route(g.r, "10.1.2.3", 32, "192.168.1.3", 0, 0));
	EXPECT_EQ(route_out(g.r, "10.1.2.4", "0.0.0.0", 0, &rt, NULL), 0);
	EXPECT_EQ(rt.rt_gateway, A("10.0.0.253"));
	EXPECT_EQ(rt.rt_scope, RT_SCOPE_UNIVERSE);
	EXPECT_EQ(rt_nexthop(&rt, A("10.1.2.4")), A("10.0.0.253"));
	EXPECT_EQ(route_out(g.r, "10.1.3.3", "0.0.0.0", 0, &rt, NULL), 0);
	EXPECT_EQ(rt.rt_gateway, A("10.0.0.254"));
	EXPECT_EQ(ifindex_of(&rt), g.ml[0]);
	EXPECT_EQ(route_out(g.r, "10.1.2.3", "0.0.0.0", 0, &rt, NULL), 0);
	EXPECT_EQ(rt.rt_gateway, A("192.168.1.3"));
	EXPECT_EQ(ifindex_of(&rt), g.ml[1]);

	/* Equal prefixes: the lowest metric wins, whatever the order added. */
	EXPECT_OK(add_route(g.r, "10.5.0.0", 16, "10.0.0.250", 0, 20));
	EXPECT_OK(add_route(g.r, "10.5.0.0", 16, "192.168.1.250", 0, 10));
	EXPECT_OK(add_route(g.r, "10.5.0.0", 16, "10.0.0.251", 0, 30));
	EXPECT_EQ(route_out(g.r, "10.5.1.1", "0.0.0.0", 0, &rt, NULL), 0);
	EXPECT_EQ(rt.rt_gateway, A("192.168.1.250"));
	/* ... unless a device is named: then the best through it. */
	EXPECT_EQ(route_out(g.r, "10.5.1.1", "0.0.0.0", g.ml[0], &rt, NULL), 0);
	EXPECT_EQ(rt.rt_gateway, A("10.0.0.250"));
	EXPECT_OK(del_route(g.r, "10.5.0.0", 16, NULL, 0, 10));
	EXPECT_EQ(route_out(g.r, "10.5.1.1", "0.0.0.0", 0, &rt, NULL), 0);
	EXPECT_EQ(rt.rt_gateway, A("10.0.0.250"));
	/* Deleting without a metric takes the first (best) one. */
	EXPECT_OK(del_route(g.r, "10.5.0.0", 16, NULL, 0, 0));
	EXPECT_EQ(route_out(g.r, "10.5.1.1", "0.0.0.0", 0, &rt, NULL), 0);
	EXPECT_EQ(rt.rt_gateway, A("10.0.0.251"));
	rig_close(&g);
}

TEST(default_gateway)
{
	struct rtable rt;
	uint32_t src;
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	EXPECT_EQ(route_out(g.r, "8.8.8.8", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);
	EXPECT_OK(add_route(g.r, "0.0.0.0", 0, "10.0.0.254", 0, 0));
	EXPECT_EQ(route_out(g.r, "8.8.8.8", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_UNICAST);
	EXPECT_EQ(rt.rt_gateway, A("10.0.0.254"));
	EXPECT_EQ(ifindex_of(&rt), g.ml[0]);
	EXPECT_EQ(src, A("10.0.0.1"));
	/* The limited broadcast follows the default route when no device is named. */
	EXPECT_EQ(route_out(g.r, "255.255.255.255", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_BROADCAST);
	EXPECT_EQ(rt.rt_gateway, 0);
	EXPECT_EQ(ifindex_of(&rt), g.ml[0]);
	/* A more specific route still wins over the default. */
	EXPECT_EQ(route_out(g.r, "192.168.1.5", "0.0.0.0", 0, &rt, NULL), 0);
	EXPECT_EQ(ifindex_of(&rt), g.ml[1]);
	EXPECT_EQ(rt.rt_gateway, 0);
	EXPECT_OK(del_route(g.r, "0.0.0.0", 0, "10.0.0.254", 0, 0));
	EXPECT_EQ(route_out(g.r, "8.8.8.8", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);
	rig_close(&g);
}

TEST(source_selection)
{
	struct fib_config cfg;
	struct rtable rt;
	uint32_t src;
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	/* A bound source is kept, and must be ours. */
	EXPECT_EQ(route_out(g.r, "192.168.1.5", "10.0.0.1", 0, &rt, &src), 0);
	EXPECT_EQ(src, A("10.0.0.1"));
	EXPECT_EQ(rt.rt_src, A("10.0.0.1"));
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "10.9.9.9", 0, &rt, NULL), -EINVAL);
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "224.0.0.5", 0, &rt, NULL), -EINVAL);
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "255.255.255.255", 0, &rt, NULL), -EINVAL);
	/* A loopback source cannot leave on a real device. */
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "127.0.0.1", 0, &rt, NULL), -EINVAL);
	/* ip_nonlocal_bind lets a foreign source through. */
	EXPECT_OK(usn_sysctl(g.r, "net.ipv4.ip_nonlocal_bind", NULL, NULL, "1"));
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "10.9.9.9", 0, &rt, &src), 0);
	EXPECT_EQ(src, A("10.9.9.9"));
	EXPECT_OK(usn_sysctl(g.r, "net.ipv4.ip_nonlocal_bind", NULL, NULL, "0"));

	/* Through a gateway: the device's address whose subnet has the gateway. */
	EXPECT_OK(add_route(g.r, "10.7.0.0", 16, "192.168.1.254", 0, 0));
	EXPECT_EQ(route_out(g.r, "10.7.0.1", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(src, A("192.168.1.1"));

	/* A preferred source on the route wins. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.dst = A("10.8.0.0");
	cfg.dst_len = 16;
	cfg.gateway = A("10.0.0.254");
	cfg.prefsrc = A("192.168.1.1");
	cfg.type = RTN_UNICAST;
	net_lock(g.r);
	EXPECT_EQ(fib_route_add(g.r, &cfg), 0);
	cfg.dst = A("10.9.0.0");
	cfg.prefsrc = A("10.0.0.77");		/* not ours */
	EXPECT_EQ(fib_route_add(g.r, &cfg), -EINVAL);
	net_unlock(g.r);
	EXPECT_EQ(route_out(g.r, "10.8.1.1", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(ifindex_of(&rt), g.ml[0]);
	EXPECT_EQ(src, A("192.168.1.1"));

	/* A device named with no route to the destination: assumed on-link. */
	EXPECT_EQ(route_out(g.r, "8.8.8.8", "0.0.0.0", g.ml[1], &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_UNICAST);
	EXPECT_EQ(ifindex_of(&rt), g.ml[1]);
	EXPECT_EQ(rt.rt_gateway, 0);
	EXPECT_EQ(src, A("192.168.1.1"));
	/* Limited broadcast on a named device, from its address. */
	EXPECT_EQ(route_out(g.r, "255.255.255.255", "0.0.0.0", g.ml[0], &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_BROADCAST);
	EXPECT_EQ(ifindex_of(&rt), g.ml[0]);
	EXPECT_EQ(src, A("10.0.0.1"));
	/* ... or from a bound source, out of the device that has it. */
	EXPECT_EQ(route_out(g.r, "255.255.255.255", "192.168.1.1", 0, &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_BROADCAST);
	EXPECT_EQ(ifindex_of(&rt), g.ml[1]);
	/* Multicast on a named device. */
	EXPECT_EQ(route_out(g.r, "224.0.0.251", "0.0.0.0", g.ml[1], &rt, &src), 0);
	EXPECT_EQ(rt.rt_type, RTN_MULTICAST);
	EXPECT_EQ(src, A("192.168.1.1"));
	/* Named devices that do not exist or are down. */
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "0.0.0.0", 999, &rt, NULL), -ENODEV);
	EXPECT_OK(usn_link_set_up(g.r, g.ml[1], 0));
	EXPECT_EQ(route_out(g.r, "192.168.1.5", "0.0.0.0", g.ml[1], &rt, NULL),
		  -ENETUNREACH);
	rig_close(&g);
}

TEST(down_device_routes_vanish_and_return)
{
	struct rtable rt;
	uint32_t src;
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	EXPECT_OK(add_route(g.r, "10.3.0.0", 16, "10.0.0.254", 0, 0));
	EXPECT_OK(usn_link_set_up(g.r, g.ml[0], 0));
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);
	EXPECT_EQ(route_out(g.r, "10.3.0.1", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);
	EXPECT_EQ(addr_type(g.r, "10.0.0.1"), RTN_UNICAST);
	EXPECT_EQ(addr_type(g.r, "10.0.0.255"), RTN_UNICAST);
	/* Routes through a down device cannot be added. */
	EXPECT_ERRNO(add_route(g.r, "10.4.0.0", 16, NULL, g.ml[0], 0), ENETDOWN);
	EXPECT_ERRNO(add_route(g.r, "10.4.0.0", 16, "10.0.0.254", 0, 0), ENETUNREACH);
	/* An address added while down waits for the device. */
	uint32_t a = A("10.0.1.1");

	EXPECT_OK(usn_addr_add(g.r, g.ml[0], AF_INET, &a, 24));
	EXPECT_EQ(addr_type(g.r, "10.0.1.1"), RTN_UNICAST);
	/* The other device is not concerned. */
	EXPECT_EQ(route_out(g.r, "192.168.1.5", "0.0.0.0", 0, &rt, NULL), 0);

	EXPECT_OK(usn_link_set_up(g.r, g.ml[0], 1));
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "0.0.0.0", 0, &rt, &src), 0);
	EXPECT_EQ(ifindex_of(&rt), g.ml[0]);
	EXPECT_EQ(src, A("10.0.0.1"));
	EXPECT_EQ(addr_type(g.r, "10.0.0.1"), RTN_LOCAL);
	EXPECT_EQ(addr_type(g.r, "10.0.1.1"), RTN_LOCAL);
	EXPECT_EQ(addr_type(g.r, "10.0.1.255"), RTN_BROADCAST);
	/* A user's route does not come back, as on Linux. */
	EXPECT_EQ(route_out(g.r, "10.3.0.1", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);
	rig_close(&g);
}

TEST(reject_routes)
{
	struct rtable rt;
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	EXPECT_OK(add_route(g.r, "0.0.0.0", 0, "10.0.0.254", 0, 0));
	EXPECT_EQ(add_typed(g.r, "10.20.0.0", 16, RTN_UNREACHABLE), 0);
	EXPECT_EQ(add_typed(g.r, "10.21.0.0", 16, RTN_BLACKHOLE), 0);
	EXPECT_EQ(add_typed(g.r, "10.22.0.0", 16, RTN_PROHIBIT), 0);
	EXPECT_EQ(add_typed(g.r, "10.22.0.0", 16, RTN_PROHIBIT), -EEXIST);
	EXPECT_EQ(route_out(g.r, "10.20.1.1", "0.0.0.0", 0, &rt, NULL), -EHOSTUNREACH);
	EXPECT_EQ(route_out(g.r, "10.21.1.1", "0.0.0.0", 0, &rt, NULL), -EINVAL);
	EXPECT_EQ(route_out(g.r, "10.22.1.1", "0.0.0.0", 0, &rt, NULL), -EACCES);
	/* Longer prefixes still win over a reject route. */
	EXPECT_OK(add_route(g.r, "10.20.5.0", 24, "10.0.0.253", 0, 0));
	EXPECT_EQ(route_out(g.r, "10.20.5.1", "0.0.0.0", 0, &rt, NULL), 0);
	EXPECT_EQ(rt.rt_gateway, A("10.0.0.253"));
	/* A throw route sends the lookup on: here, nowhere. */
	EXPECT_EQ(add_typed(g.r, "10.23.0.0", 16, RTN_THROW), 0);
	EXPECT_EQ(route_out(g.r, "10.23.1.1", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);

	/* Forwarding meets the same routes. */
	EXPECT_OK(usn_sysctl(g.r, "net.ipv4.ip_forward", NULL, NULL, "1"));
	EXPECT_EQ(route_in(g.r, "10.20.1.1", "10.0.0.2", g.ml[0], &rt), -EHOSTUNREACH);
	EXPECT_EQ(route_in(g.r, "10.22.1.1", "10.0.0.2", g.ml[0], &rt), -EACCES);

	/* Reject routes take no gateway or device. */
	struct fib_config cfg = {
		.dst = A("10.24.0.0"), .dst_len = 16, .type = RTN_BLACKHOLE,
		.oif = g.ml[0],
	};
	net_lock(g.r);
	EXPECT_EQ(fib_route_add(g.r, &cfg), -EINVAL);
	cfg.oif = 0;
	cfg.type = RTN_NAT;
	EXPECT_EQ(fib_route_add(g.r, &cfg), -EINVAL);
	cfg.type = 200;
	EXPECT_EQ(fib_route_add(g.r, &cfg), -EINVAL);
	net_unlock(g.r);
	rig_close(&g);
}

TEST(route_add_del_errors)
{
	uint32_t d = A("10.6.0.0"), gw = A("10.0.0.254");
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	EXPECT_ERRNO(usn_route_add(NULL, AF_INET, &d, 16, &gw, 0, 0), EINVAL);
	EXPECT_ERRNO(usn_route_add(g.r, AF_INET6, &d, 16, &gw, 0, 0), EAFNOSUPPORT);
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 33, "10.0.0.254", 0, 0), EINVAL);
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", -1, "10.0.0.254", 0, 0), EINVAL);
	/* "Invalid prefix for given prefix length" */
	EXPECT_ERRNO(add_route(g.r, "10.6.0.1", 16, "10.0.0.254", 0, 0), EINVAL);
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 16, NULL, 999, 0), ENODEV);
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 16, "10.0.0.254", 999, 0), ENODEV);
	/* No gateway and no device: the kernel wants a device. */
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 16, NULL, 0, 0), ENODEV);
	/* "Nexthop has invalid gateway": not on any link. */
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 16, "172.30.0.1", 0, 0), ENETUNREACH);
	/* ... nor on the device named. */
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 16, "10.0.0.254", g.ml[1], 0),
		     ENETUNREACH);
	/* ... nor reachable only through another gateway. */
	EXPECT_OK(add_route(g.r, "172.31.0.0", 16, "10.0.0.254", 0, 0));
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 16, "172.31.0.1", 0, 0), ENETUNREACH);
	/* A broadcast gateway is not a next hop. */
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 16, "10.0.0.255", 0, 0), EINVAL);

	EXPECT_OK(add_route(g.r, "10.6.0.0", 16, "10.0.0.254", g.ml[0], 5));
	/* Same prefix and metric: "File exists", whatever the gateway. */
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 16, "10.0.0.254", 0, 5), EEXIST);
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 16, "10.0.0.253", 0, 5), EEXIST);
	EXPECT_OK(add_route(g.r, "10.6.0.0", 16, "10.0.0.253", 0, 6));

	/* Deleting what is not there: ESRCH, as Linux. */
	EXPECT_ERRNO(del_route(g.r, "10.66.0.0", 16, NULL, 0, 0), ESRCH);
	EXPECT_ERRNO(del_route(g.r, "10.6.0.0", 16, "10.0.0.99", 0, 0), ESRCH);
	EXPECT_ERRNO(del_route(g.r, "10.6.0.0", 16, NULL, 0, 7), ESRCH);
	EXPECT_ERRNO(del_route(g.r, "10.6.0.0", 16, NULL, g.ml[1], 0), ESRCH);
	EXPECT_ERRNO(del_route(g.r, "10.6.0.0", 16, NULL, 999, 0), ENODEV);
	EXPECT_ERRNO(del_route(g.r, "10.6.0.1", 16, NULL, 0, 0), EINVAL);
	EXPECT_ERRNO(usn_route_del(g.r, AF_INET6, &d, 16, NULL, 0, 0), EAFNOSUPPORT);
	EXPECT_OK(del_route(g.r, "10.6.0.0", 16, "10.0.0.253", 0, 0));
	EXPECT_OK(del_route(g.r, "10.6.0.0", 16, NULL, g.ml[0], 5));
	EXPECT_ERRNO(del_route(g.r, "10.6.0.0", 16, NULL, 0, 0), ESRCH);
	/* The prefix route of an address is in main and can be deleted. */
	EXPECT_OK(del_route(g.r, "10.0.0.0", 24, NULL, g.ml[0], 0));
	EXPECT_ERRNO(add_route(g.r, "10.6.0.0", 16, "10.0.0.254", 0, 0), ENETUNREACH);
	rig_close(&g);
}

TEST(many_routes)
{
	struct rtable rt;
	uint32_t d, gw = A("10.0.0.254");
	char s[32];
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	for (int i = 0; i < 2000; i++) {
		d = htonl(0x0b000000u | (uint32_t)i << 8);	/* 11.0.i.0/24 */
		EXPECT_OK(usn_route_add(g.r, AF_INET, &d, 24, &gw, 0, 0));
	}
	EXPECT_OK(add_route(g.r, "11.0.0.0", 8, "192.168.1.254", 0, 0));
	for (int i = 0; i < 2000; i += 97) {
		snprintf(s, sizeof(s), "11.%d.%d.9", i >> 8, i & 255);
		EXPECT_EQ(route_out(g.r, s, "0.0.0.0", 0, &rt, NULL), 0);
		EXPECT_EQ(rt.rt_gateway, A("10.0.0.254"));
	}
	EXPECT_EQ(route_out(g.r, "11.200.0.1", "0.0.0.0", 0, &rt, NULL), 0);
	EXPECT_EQ(rt.rt_gateway, A("192.168.1.254"));
	for (int i = 0; i < 2000; i++) {
		d = htonl(0x0b000000u | (uint32_t)i << 8);
		EXPECT_OK(usn_route_del(g.r, AF_INET, &d, 24, NULL, 0, 0));
	}
	EXPECT_EQ(route_out(g.r, "11.0.5.9", "0.0.0.0", 0, &rt, NULL), 0);
	EXPECT_EQ(rt.rt_gateway, A("192.168.1.254"));
	rig_close(&g);
}

/* ---- input ------------------------------------------------------------------------ */

TEST(input_routes_and_martians)
{
	struct rtable rt;
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	EXPECT_EQ(route_in(g.r, "10.0.0.1", "10.0.0.2", g.ml[0], &rt), 0);
	EXPECT_EQ(rt.rt_type, RTN_LOCAL);
	EXPECT_EQ(rt.rt_iif, g.ml[0]);
	/* Weak host: another device's address is ours too. */
	EXPECT_EQ(route_in(g.r, "192.168.1.1", "10.0.0.2", g.ml[0], &rt), 0);
	EXPECT_EQ(rt.rt_type, RTN_LOCAL);
	EXPECT_EQ(route_in(g.r, "10.0.0.255", "10.0.0.2", g.ml[0], &rt), 0);
	EXPECT_EQ(rt.rt_type, RTN_BROADCAST);
	EXPECT_EQ(route_in(g.r, "255.255.255.255", "10.0.0.2", g.ml[0], &rt), 0);
	EXPECT_EQ(rt.rt_type, RTN_BROADCAST);
	/* A zero source only to the limited broadcast (DHCP). */
	EXPECT_EQ(route_in(g.r, "255.255.255.255", "0.0.0.0", g.ml[0], &rt), 0);
	EXPECT_EQ(rt.rt_type, RTN_BROADCAST);
	EXPECT_EQ(route_in(g.r, "10.0.0.1", "0.0.0.0", g.ml[0], &rt), -EINVAL);
	EXPECT_EQ(route_in(g.r, "224.0.0.1", "10.0.0.2", g.ml[0], &rt), 0);
	EXPECT_EQ(rt.rt_type, RTN_MULTICAST);
	EXPECT_EQ(route_in(g.r, "224.0.0.1", "0.0.0.0", g.ml[0], &rt), 0);
	EXPECT_EQ(route_in(g.r, "239.1.1.1", "0.0.0.0", g.ml[0], &rt), -EINVAL);

	/* Martian sources and destinations. */
	EXPECT_EQ(route_in(g.r, "10.0.0.1", "224.0.0.9", g.ml[0], &rt), -EINVAL);
	EXPECT_EQ(route_in(g.r, "10.0.0.1", "255.255.255.255", g.ml[0], &rt), -EINVAL);
	EXPECT_EQ(route_in(g.r, "224.0.0.1", "224.0.0.2", g.ml[0], &rt), -EINVAL);
	EXPECT_EQ(route_in(g.r, "0.0.0.0", "10.0.0.2", g.ml[0], &rt), -EINVAL);
	EXPECT_EQ(route_in(g.r, "0.1.2.3", "10.0.0.2", g.ml[0], &rt), -EINVAL);
	EXPECT_EQ(route_in(g.r, "10.0.0.1", "0.1.2.3", g.ml[0], &rt), -EINVAL);
	EXPECT_EQ(route_in(g.r, "127.0.0.1", "10.0.0.2", g.ml[0], &rt), -EINVAL);
	EXPECT_EQ(route_in(g.r, "10.0.0.1", "127.0.0.1", g.ml[0], &rt), -EINVAL);
	/* Our own address as a source, from outside. */
	EXPECT_EQ(route_in(g.r, "10.0.0.1", "192.168.1.1", g.ml[0], &rt), -EINVAL);
	/* ... is fine on loopback, as are loopback addresses. */
	EXPECT_EQ(route_in(g.r, "127.0.0.1", "127.0.0.1", g.lo, &rt), 0);
	EXPECT_EQ(rt.rt_type, RTN_LOCAL);
	EXPECT_EQ(route_in(g.r, "10.0.0.1", "10.0.0.1", g.lo, &rt), 0);
	EXPECT_EQ(rt.rt_type, RTN_LOCAL);

	/* Not ours, forwarding off: host unreachable. */
	EXPECT_EQ(route_in(g.r, "192.168.1.5", "10.0.0.2", g.ml[0], &rt), -EHOSTUNREACH);
	EXPECT_OK(usn_sysctl(g.r, "net.ipv4.ip_forward", NULL, NULL, "1"));
	EXPECT_EQ(route_in(g.r, "192.168.1.5", "10.0.0.2", g.ml[0], &rt), 0);
	EXPECT_EQ(rt.rt_type, RTN_UNICAST);
	EXPECT_EQ(ifindex_of(&rt), g.ml[1]);
	EXPECT_EQ(rt.rt_gateway, 0);
	EXPECT_EQ(rt.rt_iif, g.ml[0]);
	EXPECT_EQ(rt.rt_mtu, 1500);
	EXPECT_EQ(route_in(g.r, "8.8.8.8", "10.0.0.2", g.ml[0], &rt), -ENETUNREACH);
	EXPECT_OK(add_route(g.r, "0.0.0.0", 0, "192.168.1.254", 0, 0));
	EXPECT_EQ(route_in(g.r, "8.8.8.8", "10.0.0.2", g.ml[0], &rt), 0);
	EXPECT_EQ(rt.rt_gateway, A("192.168.1.254"));
	EXPECT_EQ(ifindex_of(&rt), g.ml[1]);
	rig_close(&g);
}

TEST(unregister_takes_routes)
{
	struct rtable rt;
	struct rig g;

	ASSERT_TRUE(rig_open(&g));
	EXPECT_OK(add_route(g.r, "10.9.0.0", 16, "192.168.1.254", 0, 0));
	net_lock(g.r);
	struct net_device *dev = dev_get_by_index(g.r, g.ml[1]);

	if (dev)
		unregister_netdevice(dev);
	net_unlock(g.r);
	EXPECT_EQ(route_out(g.r, "10.9.0.1", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);
	EXPECT_EQ(route_out(g.r, "192.168.1.5", "0.0.0.0", 0, &rt, NULL), -ENETUNREACH);
	EXPECT_EQ(addr_type(g.r, "192.168.1.1"), RTN_UNICAST);
	EXPECT_EQ(route_out(g.r, "10.0.0.2", "0.0.0.0", 0, &rt, NULL), 0);
	rig_close(&g);
}
