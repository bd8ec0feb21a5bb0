/* SPDX-License-Identifier: MIT */
/*
 * route.h - IPv4 routing (route.c, fib.c): a table per namespace with the
 * kernel's two tables in one (local: the namespace's own and broadcast
 * addresses; main: prefixes and gateways), longest prefix match, metrics,
 * and source address selection, after net/ipv4/route.c and fib_*.c.
 *
 * A lookup fills a struct rtable by value: no references, valid while the
 * namespace lock is held (the device pointer above all).
 */
#ifndef USN_NETWORK_IPV4_ROUTE_H
#define USN_NETWORK_IPV4_ROUTE_H

#include <stdint.h>

struct usn_net;
struct net_device;
struct sk_buff;

/*
 * Route types (RTN_*), scopes (RT_SCOPE_*), tables (RT_TABLE_*) and
 * protocols (RTPROT_*): the kernel's values, from its header.
 */
#include <linux/rtnetlink.h>

/* What to route: after the kernel's struct flowi4. */
struct flowi4 {
	int		flowi4_oif;	/* 0: any device */
	uint8_t		flowi4_tos;
	uint8_t		flowi4_proto;
	uint8_t		flowi4_scope;
	uint32_t	daddr;
	uint32_t	saddr;		/* 0: the lookup picks one */
	uint16_t	fl4_sport;	/* network order */
	uint16_t	fl4_dport;
};

struct rtable {
	uint8_t			rt_type;	/* RTN_* */
	uint8_t			rt_scope;
	struct net_device	*dev;		/* output device (lo for local) */
	uint32_t		rt_gateway;	/* next hop; 0 when on-link (next hop = daddr) */
	uint32_t		rt_src;		/* preferred source */
	unsigned int		rt_mtu;		/* path MTU: route metric, else device MTU */
	int			rt_iif;		/* input routes: the arrival ifindex */
};

static inline uint32_t rt_nexthop(const struct rtable *rt, uint32_t daddr)
{
	return rt->rt_gateway ? rt->rt_gateway : daddr;
}

/*
 * Output route for @fl4. Fills fl4->saddr when it was 0 (the preferred
 * source of the route, else inet_select_addr()). -ENETUNREACH when no route
 * matches, -EINVAL for a source address that is not ours.
 */
int ip_route_output_key(struct usn_net *net, struct flowi4 *fl4,
			struct rtable *rt);
/*
 * Input route of a received datagram: RTN_LOCAL, RTN_BROADCAST,
 * RTN_MULTICAST, or RTN_UNICAST (forward, when ip_forward is on);
 * -EINVAL for martians (a source that is multicast, broadcast or
 * 0.0.0.0 for a unicast destination), -EHOSTUNREACH when it cannot be
 * forwarded.
 */
int ip_route_input(struct sk_buff *skb, uint32_t daddr, uint32_t saddr,
		   uint8_t tos, struct net_device *dev, struct rtable *rt);
/* RTN_LOCAL, RTN_BROADCAST, RTN_MULTICAST or RTN_UNICAST for an address. */
unsigned int inet_addr_type(struct usn_net *net, uint32_t addr);
/* A source address of @dev (or of any device) for @dst, within @scope. */
uint32_t inet_select_addr(const struct net_device *dev, uint32_t dst, int scope);

/* Routes of the main table. */
struct fib_config {
	uint32_t	dst;
	int		dst_len;	/* prefix length, 0 for the default route */
	uint32_t	gateway;	/* 0: on-link */
	int		oif;		/* 0: the device that reaches the gateway */
	uint32_t	priority;	/* metric: lower wins among equal prefixes */
	uint32_t	prefsrc;	/* preferred source, 0 for none */
	unsigned int	mtu;		/* 0: the device's */
	uint8_t		type;		/* RTN_UNICAST, RTN_UNREACHABLE, RTN_BLACKHOLE, ... */
	uint8_t		scope;
	uint8_t		protocol;	/* RTPROT_*, 0: RTPROT_BOOT */
	uint32_t	table;		/* RT_TABLE_MAIN/LOCAL, 0: by type */
	/*
	 * NLM_F_CREATE/EXCL/REPLACE/APPEND of an RTM_NEWROUTE; 0 is
	 * CREATE|EXCL, as `ip route add`.
	 */
	uint16_t	nlflags;
};

int fib_init(void);
int fib_route_add(struct usn_net *net, const struct fib_config *cfg);
int fib_route_del(struct usn_net *net, const struct fib_config *cfg);

#endif
