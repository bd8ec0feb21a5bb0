/* SPDX-License-Identifier: MIT */
/*
 * route.c - routing decisions, after net/ipv4/route.c: the output route of
 * a datagram this namespace sends (device, next hop, source address, MTU),
 * the input route of one it received (local, broadcast, multicast, forward
 * or martian), the type of an address, and source address selection.
 *
 * Results are filled by value into a struct rtable: there is no route
 * cache, a lookup is a few hash probes (fib.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "link/netdevice.h"
#include "net/net.h"
#include "network/ipv4/devinet.h"
#include "network/ipv4/fib.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"

#ifndef IPPROTO_IGMP
#define IPPROTO_IGMP	2
#endif

struct fib_table *net_fib(struct usn_net *net)
{
	return net->ipv4 ? net->ipv4->fib : NULL;
}

/* 224.0.0.0/24: never routed, always sent on the link (RFC 5771). */
static bool ipv4_is_local_multicast(uint32_t a)
{
	return (ntohl(a) & 0xffffff00u) == 0xe0000000u;
}

static bool inet_ifa_match(uint32_t addr, const struct in_ifaddr *ifa)
{
	return !((addr ^ ifa->ifa_address) & ifa->ifa_mask);
}

/* The local table's answer for @addr, or -ENETUNREACH. */
static int fib_local_lookup(struct fib_table *fib, uint32_t addr,
			    struct fib_alias **res)
{
	struct flowi4 fl4 = { .daddr = addr };

	if (!fib)
		return -ENETUNREACH;
	return fib_table_lookup(fib, FIB_TABLE_LOCAL, &fl4, res);
}

/*
 * The device that has @addr: by the local table first (which also makes
 * 127.0.0.0/8 local, as the kernel's fallback does), else by the address
 * lists, which still hold the addresses of devices that are down.
 */
struct net_device *__ip_dev_find(struct usn_net *net, uint32_t addr)
{
	struct fib_alias *fa;
	struct net_device *dev;
	struct in_ifaddr *ifa;

	if (!fib_local_lookup(net_fib(net), addr, &fa) &&
	    fa->fa_type == RTN_LOCAL && fa->fa_dev)
		return fa->fa_dev;
	list_for_each_entry(dev, &net->dev_base_head, dev_list) {
		if (!dev->ip_ptr)
			continue;
		list_for_each_entry(ifa, &dev->ip_ptr->ifa_list, ifa_list)
			if (ifa->ifa_local == addr)
				return dev;
	}
	return NULL;
}

unsigned int inet_addr_type(struct usn_net *net, uint32_t addr)
{
	struct fib_alias *fa;

	if (ipv4_is_zeronet(addr) || ipv4_is_lbcast(addr))
		return RTN_BROADCAST;
	if (ipv4_is_multicast(addr))
		return RTN_MULTICAST;
	if (!fib_local_lookup(net_fib(net), addr, &fa))
		return fa->fa_type;
	return RTN_UNICAST;
}

/*
 * A primary source for @dst on @dev within @scope: an address of @dev whose
 * subnet holds @dst, else its first address in scope, else the first
 * address in scope (not link scope) of any device of the namespace.
 */
uint32_t inet_select_addr(const struct net_device *dev, uint32_t dst, int scope)
{
	const struct net_device *d;
	struct in_ifaddr *ifa;
	uint32_t addr = 0;

	if (!dev)
		return 0;
	if (dev->ip_ptr) {
		list_for_each_entry(ifa, &dev->ip_ptr->ifa_list, ifa_list) {
			if (ifa->ifa_scope > scope)
				continue;
			if (!dst || inet_ifa_match(dst, ifa))
				return ifa->ifa_local;
			if (!addr)
				addr = ifa->ifa_local;
		}
		if (addr)
			return addr;
	}
	list_for_each_entry(d, &dev_net(dev)->dev_base_head, dev_list) {
		if (!d->ip_ptr)
			continue;
		list_for_each_entry(ifa, &d->ip_ptr->ifa_list, ifa_list)
			if (ifa->ifa_scope != RT_SCOPE_LINK &&
			    ifa->ifa_scope <= scope)
				return ifa->ifa_local;
	}
	return 0;
}

/* Completes an output route, as __mkroute_output(). */
static int mkroute_output(struct flowi4 *fl4, struct net_device *dev_out,
			  uint8_t type, const struct fib_alias *fa,
			  struct rtable *rt)
{
	if (!dev_out)
		return -ENODEV;
	if (ipv4_is_loopback(fl4->saddr) && !(dev_out->flags & IFF_LOOPBACK))
		return -EINVAL;
	if (ipv4_is_lbcast(fl4->daddr))
		type = RTN_BROADCAST;
	else if (ipv4_is_multicast(fl4->daddr))
		type = RTN_MULTICAST;
	else if (ipv4_is_zeronet(fl4->daddr))
		return -EINVAL;

	rt->rt_type = type;
	rt->dev = dev_out;
	rt->rt_src = fl4->saddr;
	rt->rt_mtu = dev_out->mtu;
	rt->rt_scope = RT_SCOPE_LINK;
	if (type == RTN_LOCAL)
		rt->rt_scope = RT_SCOPE_HOST;
	/* Broadcast and multicast go to the link, whatever route matched. */
	if (fa && type != RTN_BROADCAST && type != RTN_MULTICAST) {
		rt->rt_scope = fa->fa_scope;
		rt->rt_gateway = fa->fa_gw;
		if (fa->fa_mtu)
			rt->rt_mtu = fa->fa_mtu;
	}
	return 0;
}

int ip_route_output_key(struct usn_net *net, struct flowi4 *fl4,
			struct rtable *rt)
{
	struct fib_table *fib = net_fib(net);
	struct net_device *dev_out = NULL;
	struct fib_alias *fa = NULL;
	int err;

	memset(rt, 0, sizeof(*rt));
	if (!fib)
		return -ENETUNREACH;

	if (fl4->saddr) {
		if (ipv4_is_multicast(fl4->saddr) || ipv4_is_lbcast(fl4->saddr) ||
		    ipv4_is_zeronet(fl4->saddr))
			return -EINVAL;
		/*
		 * Broadcast or multicast from a bound source without a device:
		 * out of the device that has the source (the kernel's hack
		 * for applications that cannot bind to a device).
		 */
		if (!fl4->flowi4_oif && (ipv4_is_multicast(fl4->daddr) ||
					 ipv4_is_lbcast(fl4->daddr))) {
			dev_out = __ip_dev_find(net, fl4->saddr);
			if (!dev_out)
				return -EINVAL;
			fl4->flowi4_oif = dev_out->ifindex;
			return mkroute_output(fl4, dev_out, RTN_UNICAST, NULL, rt);
		}
		if (!__ip_dev_find(net, fl4->saddr) && !net->sysctl.ip_nonlocal_bind)
			return -EINVAL;
	}

	if (fl4->flowi4_oif) {
		dev_out = dev_get_by_index(net, fl4->flowi4_oif);
		if (!dev_out)
			return -ENODEV;
		if (!(dev_out->flags & IFF_UP) || !dev_out->ip_ptr)
			return -ENETUNREACH;
		if (ipv4_is_local_multicast(fl4->daddr) ||
		    ipv4_is_lbcast(fl4->daddr) || fl4->flowi4_proto == IPPROTO_IGMP) {
			if (!fl4->saddr)
				fl4->saddr = inet_select_addr(dev_out, 0, RT_SCOPE_LINK);
			return mkroute_output(fl4, dev_out, RTN_UNICAST, NULL, rt);
		}
		if (!fl4->saddr) {
			if (ipv4_is_multicast(fl4->daddr))
				fl4->saddr = inet_select_addr(dev_out, 0,
							      fl4->flowi4_scope);
			else if (!fl4->daddr)
				fl4->saddr = inet_select_addr(dev_out, 0,
							      RT_SCOPE_HOST);
		}
	}

	/* No destination: to ourselves, as connect(0.0.0.0) does. */
	if (!fl4->daddr) {
		fl4->daddr = fl4->saddr;
		if (!fl4->daddr)
			fl4->daddr = fl4->saddr = htonl(INADDR_LOOPBACK);
		dev_out = net->loopback_dev;
		if (dev_out)
			fl4->flowi4_oif = dev_out->ifindex;
		return mkroute_output(fl4, dev_out, RTN_LOCAL, NULL, rt);
	}

	err = fib_lookup(fib, fl4, &fa);
	if (err) {
		/*
		 * With a device named and no route, the kernel assumes the
		 * destination is on that link.
		 */
		if (fl4->flowi4_oif) {
			if (!fl4->saddr)
				fl4->saddr = inet_select_addr(dev_out, 0,
							      RT_SCOPE_LINK);
			return mkroute_output(fl4, dev_out, RTN_UNICAST, NULL, rt);
		}
		return err;
	}

	if (fa->fa_type == RTN_LOCAL) {
		if (!fl4->saddr)
			fl4->saddr = fa->fa_prefsrc ? fa->fa_prefsrc : fl4->daddr;
		dev_out = net->loopback_dev;
		if (dev_out)
			fl4->flowi4_oif = dev_out->ifindex;
		return mkroute_output(fl4, dev_out, RTN_LOCAL, fa, rt);
	}
	if (!fl4->saddr)
		fl4->saddr = fa->fa_prefsrc ? fa->fa_prefsrc :
			     inet_select_addr(fa->fa_dev, fa->fa_gw, fa->fa_scope);
	return mkroute_output(fl4, fa->fa_dev, fa->fa_type, fa, rt);
}

/*
 * A source address of ours arriving from outside is a martian, as
 * fib_validate_source() decides without reverse path filtering.
 */
static int fib_validate_source(struct usn_net *net, uint32_t saddr,
			       const struct net_device *dev)
{
	struct fib_alias *fa;

	if (dev->flags & IFF_LOOPBACK)
		return 0;
	if (!fib_local_lookup(net_fib(net), saddr, &fa) &&
	    fa->fa_type == RTN_LOCAL)
		return -EINVAL;
	return 0;
}

static int route_input_mc(struct sk_buff *skb, uint32_t daddr, uint32_t saddr,
			  struct net_device *dev, struct rtable *rt)
{
	if (ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr))
		return -EINVAL;
	if (ipv4_is_loopback(saddr) && !(dev->flags & IFF_LOOPBACK))
		return -EINVAL;
	if (ipv4_is_zeronet(saddr) && !ipv4_is_local_multicast(daddr) &&
	    !(skb && ipv4_protocol(ip_hdr(skb)) == IPPROTO_IGMP))
		return -EINVAL;
	rt->rt_type = RTN_MULTICAST;
	rt->rt_scope = RT_SCOPE_LINK;
	rt->dev = dev_net(dev)->loopback_dev;
	rt->rt_src = inet_select_addr(dev, 0, RT_SCOPE_LINK);
	return 0;
}

static int route_input_brd(struct usn_net *net, uint32_t saddr,
			   struct net_device *dev, struct rtable *rt)
{
	if (!ipv4_is_zeronet(saddr) && fib_validate_source(net, saddr, dev))
		return -EINVAL;
	rt->rt_type = RTN_BROADCAST;
	rt->rt_scope = RT_SCOPE_LINK;
	rt->dev = net->loopback_dev;
	rt->rt_src = inet_select_addr(dev, saddr, RT_SCOPE_LINK);
	return 0;
}

int ip_route_input(struct sk_buff *skb, uint32_t daddr, uint32_t saddr,
		   uint8_t tos, struct net_device *dev, struct rtable *rt)
{
	struct usn_net *net = dev_net(dev);
	struct fib_table *fib = net_fib(net);
	struct flowi4 fl4 = { .daddr = daddr, .saddr = saddr, .flowi4_tos = tos };
	bool forward = net->sysctl.ip_forward;
	struct fib_alias *fa;
	int err;

	memset(rt, 0, sizeof(*rt));
	rt->rt_iif = dev->ifindex;
	/* IP is off on a device without an address configuration. */
	if (!fib || !dev->ip_ptr)
		return -EINVAL;
	if (ipv4_is_multicast(daddr))
		return route_input_mc(skb, daddr, saddr, dev, rt);

	/* Martians (RFC 1812 5.3.7); a zero source only to limited broadcast. */
	if (ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr))
		return -EINVAL;
	if (ipv4_is_lbcast(daddr) || (!saddr && !daddr))
		return route_input_brd(net, saddr, dev, rt);
	if (ipv4_is_zeronet(saddr) || ipv4_is_zeronet(daddr))
		return -EINVAL;
	if (!(dev->flags & IFF_LOOPBACK) &&
	    (ipv4_is_loopback(daddr) || ipv4_is_loopback(saddr)))
		return -EINVAL;

	err = fib_lookup(fib, &fl4, &fa);
	if (err)
		return forward ? err : -EHOSTUNREACH;
	switch (fa->fa_type) {
	case RTN_BROADCAST:
		return route_input_brd(net, saddr, dev, rt);
	case RTN_LOCAL:
		if (fib_validate_source(net, saddr, dev))
			return -EINVAL;
		rt->rt_type = RTN_LOCAL;
		rt->rt_scope = RT_SCOPE_HOST;
		rt->dev = net->loopback_dev;
		rt->rt_src = daddr;
		rt->rt_mtu = rt->dev ? rt->dev->mtu : 0;
		return 0;
	case RTN_UNICAST:
		break;
	default:
		return forward ? -EINVAL : -EHOSTUNREACH;
	}
	if (!forward)
		return -EHOSTUNREACH;
	if (fib_validate_source(net, saddr, dev))
		return -EINVAL;
	rt->rt_type = RTN_UNICAST;
	rt->rt_scope = fa->fa_scope;
	rt->dev = fa->fa_dev;
	rt->rt_gateway = fa->fa_gw;
	rt->rt_src = fa->fa_prefsrc ? fa->fa_prefsrc :
		     inet_select_addr(fa->fa_dev, fa->fa_gw, fa->fa_scope);
	rt->rt_mtu = fa->fa_mtu ? fa->fa_mtu : fa->fa_dev->mtu;
	return 0;
}
