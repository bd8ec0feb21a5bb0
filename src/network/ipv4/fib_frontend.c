/* SPDX-License-Identifier: MIT */
/*
 * fib_frontend.c - what fills the routing tables, after
 * net/ipv4/fib_frontend.c: the routes an address brings (its local and
 * broadcast routes in the local table, its prefix route in main), kept in
 * step with the device going up and down, and the routes users add and
 * delete, checked as the kernel checks them (fib_create_info,
 * fib_check_nh, fib_table_delete).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <usnet/usnet.h>
#include "core/notifier.h"
#include "family/netlink/af_netlink.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "net/usnet.h"
#include "network/ipv4/devinet.h"
#include "network/ipv4/fib.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"

/*
 * The narrowest scope each route type may have, and whether it is a
 * reject route (no next hop), after fib_props[].
 */
static const struct {
	uint8_t	scope;
	bool	reject;
	bool	valid;		/* users may add it */
} fib_props[RTN_XRESOLVE + 1] = {
	[RTN_UNICAST]		= { RT_SCOPE_UNIVERSE, false, true },
	[RTN_LOCAL]		= { RT_SCOPE_HOST, false, true },
	[RTN_BROADCAST]		= { RT_SCOPE_LINK, false, true },
	[RTN_ANYCAST]		= { RT_SCOPE_LINK, false, true },
	[RTN_MULTICAST]		= { RT_SCOPE_UNIVERSE, false, true },
	[RTN_BLACKHOLE]		= { RT_SCOPE_UNIVERSE, true, true },
	[RTN_UNREACHABLE]	= { RT_SCOPE_UNIVERSE, true, true },
	[RTN_PROHIBIT]		= { RT_SCOPE_UNIVERSE, true, true },
	[RTN_THROW]		= { RT_SCOPE_UNIVERSE, true, true },
	[RTN_NAT]		= { RT_SCOPE_NOWHERE, true, false },
	[RTN_XRESOLVE]		= { RT_SCOPE_NOWHERE, true, false },
};

/* The table a type goes to when none is named, as iproute2 chooses. */
static enum fib_table_id fib_type_table(uint8_t type)
{
	switch (type) {
	case RTN_LOCAL:
	case RTN_BROADCAST:
	case RTN_ANYCAST:
		return FIB_TABLE_LOCAL;
	default:
		return FIB_TABLE_MAIN;
	}
}

/* The table a request names (RT_TABLE_MAIN/LOCAL), else the type's. */
static int fib_config_table(const struct fib_config *cfg, uint8_t type,
			    enum fib_table_id *id)
{
	switch (cfg->table) {
	case RT_TABLE_UNSPEC:
		*id = fib_type_table(type);
		return 0;
	case RT_TABLE_MAIN:
		*id = FIB_TABLE_MAIN;
		return 0;
	case RT_TABLE_LOCAL:
		*id = FIB_TABLE_LOCAL;
		return 0;
	default:
		/* Only the two tables of the default rules exist. */
		return -EOPNOTSUPP;
	}
}

/* ---- the routes of an address ----------------------------------------------- */

/* Adds a kernel route, as fib_magic(RTM_NEWROUTE): a duplicate is no error. */
static void fib_magic_add(struct fib_table *fib, uint8_t type, uint32_t dst,
			  int dst_len, const struct in_ifaddr *ifa)
{
	struct fib_alias fa = {
		.fa_dst		= dst,
		.fa_dst_len	= (uint8_t)dst_len,
		.fa_type	= type,
		.fa_scope	= type == RTN_UNICAST ? RT_SCOPE_LINK :
				  type == RTN_LOCAL ? RT_SCOPE_HOST : RT_SCOPE_LINK,
		.fa_protocol	= RTPROT_KERNEL,
		.fa_prefsrc	= ifa->ifa_local,
		.fa_dev		= ifa->ifa_dev->dev,
	};

	fib_table_insert(fib, fib_type_table(type), &fa, false);
}

/*
 * The routes Linux's fib_add_ifaddr() makes, and only while the device is
 * up: local and subnet broadcast in the local table, the prefix route in
 * main (on a loopback device the whole prefix is local: 127.0.0.0/8).
 */
static void fib_add_ifaddr(struct fib_table *fib, const struct in_ifaddr *ifa)
{
	struct net_device *dev = ifa->ifa_dev->dev;
	uint32_t prefix = ifa->ifa_local & ifa->ifa_mask;

	if (!netif_running(dev))
		return;
	fib_magic_add(fib, RTN_LOCAL, ifa->ifa_local, 32, ifa);
	if (ifa->ifa_broadcast && !ipv4_is_lbcast(ifa->ifa_broadcast))
		fib_magic_add(fib, RTN_BROADCAST, ifa->ifa_broadcast, 32, ifa);
	if (ipv4_is_zeronet(prefix) ||
	    (prefix == ifa->ifa_local && ifa->ifa_prefixlen == 32))
		return;
	fib_magic_add(fib, (dev->flags & IFF_LOOPBACK) ? RTN_LOCAL : RTN_UNICAST,
		      prefix, ifa->ifa_prefixlen, ifa);
	if (ifa->ifa_prefixlen < 31)
		fib_magic_add(fib, RTN_BROADCAST, prefix | ~ifa->ifa_mask, 32, ifa);
}

static void fib_add_dev_addrs(struct fib_table *fib, struct net_device *dev,
			      const struct in_ifaddr *skip)
{
	struct in_ifaddr *ifa;

	if (!dev->ip_ptr)
		return;
	list_for_each_entry(ifa, &dev->ip_ptr->ifa_list, ifa_list)
		if (ifa != skip)
			fib_add_ifaddr(fib, ifa);
}

struct ifaddr_match {
	const struct net_device	*dev;
	uint32_t		addr;
};

static bool match_ifaddr_routes(const struct fib_alias *fa, const void *arg)
{
	const struct ifaddr_match *m = arg;

	return fa->fa_protocol == RTPROT_KERNEL && fa->fa_dev == m->dev &&
	       fa->fa_prefsrc == m->addr;
}

static bool match_prefsrc(const struct fib_alias *fa, const void *arg)
{
	const struct ifaddr_match *m = arg;

	return fa->fa_prefsrc == m->addr;
}

static bool match_dev(const struct fib_alias *fa, const void *arg)
{
	return fa->fa_dev == arg;
}

/* Is @addr still an address of the namespace, @ifa (going away) aside? */
static bool inet_addr_still_used(struct usn_net *net, uint32_t addr,
				 const struct in_ifaddr *skip)
{
	struct net_device *dev;
	struct in_ifaddr *ifa;

	list_for_each_entry(dev, &net->dev_base_head, dev_list) {
		if (!dev->ip_ptr)
			continue;
		list_for_each_entry(ifa, &dev->ip_ptr->ifa_list, ifa_list)
			if (ifa != skip && ifa->ifa_local == addr)
				return true;
	}
	return false;
}

/*
 * An address goes: its routes go, and with them any route that prefers it
 * as a source once no device has it (fib_sync_down_addr). Routes another
 * address of the device shares are put back.
 */
static void fib_del_ifaddr(struct fib_table *fib, const struct in_ifaddr *ifa)
{
	struct net_device *dev = ifa->ifa_dev->dev;
	struct ifaddr_match m = { .dev = dev, .addr = ifa->ifa_local };

	fib_flush(fib, match_ifaddr_routes, &m);
	if (!inet_addr_still_used(dev_net(dev), ifa->ifa_local, ifa))
		fib_flush(fib, match_prefsrc, &m);
	fib_add_dev_addrs(fib, dev, ifa);
}

static int fib_inetaddr_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct in_ifaddr *ifa = ptr;
	struct fib_table *fib = net_fib(dev_net(ifa->ifa_dev->dev));

	if (!fib)
		return 0;
	switch (event) {
	case NETDEV_UP:
		fib_add_ifaddr(fib, ifa);
		break;
	case NETDEV_DOWN:
		fib_del_ifaddr(fib, ifa);
		break;
	}
	return 0;
}

/*
 * A device going down takes every route through it with it, users' routes
 * included, as fib_disable_ip(); coming up brings its addresses' routes
 * back (users' routes do not come back, as on Linux).
 */
static int fib_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = ptr;
	struct fib_table *fib = net_fib(dev_net(dev));

	if (!fib)
		return 0;
	switch (event) {
	case NETDEV_UP:
		fib_add_dev_addrs(fib, dev, NULL);
		break;
	case NETDEV_DOWN:
	case NETDEV_UNREGISTER:
		/* Routes die with their device unannounced, as on Linux. */
		fib->quiet = true;
		fib_flush(fib, match_dev, dev);
		fib->quiet = false;
		break;
	}
	return 0;
}

static struct notifier_block fib_inetaddr_notifier = {
	.notifier_call = fib_inetaddr_event,
};

static struct notifier_block fib_netdev_notifier = {
	.notifier_call = fib_netdev_event,
};

/* ---- routes users add ------------------------------------------------------- */

static int fib_check_prefix(const struct fib_config *cfg)
{
	if (cfg->dst_len < 0 || cfg->dst_len > 32)
		return -EINVAL;
	/* "Invalid prefix for given prefix length" */
	if (cfg->dst & ~inet_make_mask(cfg->dst_len))
		return -EINVAL;
	return 0;
}

/*
 * The next hop of a unicast route, as fib_check_nh(): a gateway must be
 * reachable on a link (through a link or host scope route, on @dev when
 * one is named); a device must exist and be up.
 */
static int fib_check_nh(struct usn_net *net, const struct fib_config *cfg,
			struct net_device **devp)
{
	struct net_device *dev = NULL;
	struct fib_alias *res;
	struct flowi4 fl4;
	int err;

	if (cfg->oif) {
		dev = dev_get_by_index(net, cfg->oif);
		if (!dev)
			return -ENODEV;
	}
	if (!cfg->gateway) {
		if (!dev)
			return -ENODEV;
		if (!netif_running(dev))
			return -ENETDOWN;
		*devp = dev;
		return 0;
	}
	/* "Route with host scope can not have a gateway" */
	if (cfg->scope >= RT_SCOPE_HOST)
		return -EINVAL;
	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = cfg->gateway;
	fl4.flowi4_oif = cfg->oif;
	fl4.flowi4_scope = cfg->scope + 1 < RT_SCOPE_LINK ? RT_SCOPE_LINK :
			   (uint8_t)(cfg->scope + 1);
	/* "Nexthop has invalid gateway" */
	err = fib_lookup(net_fib(net), &fl4, &res);
	if (err)
		return err;
	if (res->fa_type != RTN_UNICAST && res->fa_type != RTN_LOCAL)
		return -EINVAL;
	if (!res->fa_dev)
		return -ENODEV;
	if (!netif_running(res->fa_dev))
		return -ENETDOWN;
	*devp = res->fa_dev;
	return 0;
}

/*
 * Inserts @fa as fib_table_insert() decides with the request's flags:
 * a route of the same prefix and priority is EEXIST under NLM_F_EXCL,
 * replaced under NLM_F_REPLACE, else joined by the new one (unless they
 * are the same); none there and no NLM_F_CREATE is ENOENT.
 */
static int fib_insert_nlflags(struct fib_table *fib, enum fib_table_id id,
			      const struct fib_alias *fa, unsigned int nlflags)
{
	struct fib_alias *old;

	for (old = fib_table_first(fib, id, fa->fa_dst, fa->fa_dst_len); old;
	     old = fib_table_next(old))
		if (old->fa_priority == fa->fa_priority)
			break;
	if (old) {
		if (nlflags & NLM_F_EXCL)
			return -EEXIST;
		if (nlflags & NLM_F_REPLACE) {
			fib_alias_remove(fib, id, old);
			return fib_table_insert(fib, id, fa, false);
		}
	} else if (!(nlflags & NLM_F_CREATE)) {
		return -ENOENT;
	}
	return fib_table_insert(fib, id, fa, false);
}

int fib_route_add(struct usn_net *net, const struct fib_config *cfg)
{
	struct fib_table *fib = net_fib(net);
	uint8_t type = cfg->type ? cfg->type : RTN_UNICAST;
	enum fib_table_id id;
	struct fib_alias fa;
	int err;

	if (!fib)
		return -EAFNOSUPPORT;
	err = fib_check_prefix(cfg);
	if (err)
		return err;
	if (type > RTN_XRESOLVE || !fib_props[type].valid)
		return -EINVAL;
	err = fib_config_table(cfg, type, &id);
	if (err)
		return err;
	/* "Invalid scope" */
	if (cfg->scope > RT_SCOPE_HOST || fib_props[type].scope > cfg->scope)
		return -EINVAL;

	memset(&fa, 0, sizeof(fa));
	if (fib_props[type].reject) {
		/* "Gateway, device and multipath can not be specified for this route type" */
		if (cfg->gateway || cfg->oif)
			return -EINVAL;
	} else {
		err = fib_check_nh(net, cfg, &fa.fa_dev);
		if (err)
			return err;
	}
	/* "Invalid prefsrc address": it must be ours. */
	if (cfg->prefsrc &&
	    !(type == RTN_LOCAL && cfg->dst_len == 32 && cfg->prefsrc == cfg->dst) &&
	    inet_addr_type(net, cfg->prefsrc) != RTN_LOCAL)
		return -EINVAL;

	fa.fa_dst = cfg->dst;
	fa.fa_dst_len = (uint8_t)cfg->dst_len;
	fa.fa_type = type;
	fa.fa_scope = cfg->scope;
	fa.fa_protocol = cfg->protocol ? cfg->protocol : RTPROT_BOOT;
	fa.fa_priority = cfg->priority;
	fa.fa_prefsrc = cfg->prefsrc;
	fa.fa_gw = cfg->gateway;
	fa.fa_mtu = cfg->mtu;
	return fib_insert_nlflags(fib, id, &fa, cfg->nlflags ? cfg->nlflags :
				  NLM_F_CREATE | NLM_F_EXCL);
}

/*
 * Deletes the first route of the prefix that matches every field given:
 * a zero type, scope (or RT_SCOPE_NOWHERE), priority, prefsrc, gateway or
 * device matches any, as fib_table_delete() and fib_nh_match().
 */
int fib_route_del(struct usn_net *net, const struct fib_config *cfg)
{
	struct fib_table *fib = net_fib(net);
	enum fib_table_id id;
	struct fib_alias *fa;
	int err;

	if (!fib)
		return -EAFNOSUPPORT;
	err = fib_check_prefix(cfg);
	if (err)
		return err;
	if (cfg->type > RTN_XRESOLVE)
		return -EINVAL;
	err = fib_config_table(cfg, cfg->type, &id);
	if (err)
		return err;
	for (fa = fib_table_first(fib, id, cfg->dst, cfg->dst_len); fa;
	     fa = fib_table_next(fa)) {
		if (cfg->type && fa->fa_type != cfg->type)
			continue;
		if (cfg->scope && cfg->scope != RT_SCOPE_NOWHERE &&
		    fa->fa_scope != cfg->scope)
			continue;
		if (cfg->prefsrc && fa->fa_prefsrc != cfg->prefsrc)
			continue;
		if (cfg->priority && fa->fa_priority != cfg->priority)
			continue;
		if (cfg->oif && (!fa->fa_dev || fa->fa_dev->ifindex != cfg->oif))
			continue;
		if (cfg->gateway && fa->fa_gw != cfg->gateway)
			continue;
		fib_alias_remove(fib, id, fa);
		return 0;
	}
	return -ESRCH;
}

/* ---- per namespace ------------------------------------------------------------ */

static int fib_net_init(struct usn_net *net)
{
	struct net_device *dev;

	if (!net->ipv4)
		return -EAFNOSUPPORT;
	net->ipv4->fib = fib_table_alloc();
	if (!net->ipv4->fib)
		return -ENOMEM;
	net->ipv4->fib->net = net;
	/* Devices set up before this namespace had a table (the loopback). */
	list_for_each_entry(dev, &net->dev_base_head, dev_list)
		fib_add_dev_addrs(net->ipv4->fib, dev, NULL);
	return 0;
}

static void fib_net_exit(struct usn_net *net)
{
	if (!net->ipv4)
		return;
	fib_table_free(net->ipv4->fib);
	net->ipv4->fib = NULL;
}

static struct pernet_operations fib_net_ops = {
	.name	= "fib",
	.init	= fib_net_init,
	.exit	= fib_net_exit,
};

int fib_init(void)
{
	int err = register_pernet_subsys(&fib_net_ops);

	if (err)
		return err;
	register_inetaddr_notifier(&fib_inetaddr_notifier);
	register_netdevice_notifier(&fib_netdev_notifier);
	return 0;
}

/* ---- the public calls ------------------------------------------------------------ */

/*
 * Thin wrappers: the RTM_NEWROUTE / RTM_DELROUTE `ip route add|del` sends
 * for the main table, to the namespace's rtnetlink (one configuration
 * path; every change announced to RTNLGRP_IPV4_ROUTE).
 */
static int ret_errno(int err)
{
	if (err < 0) {
		errno = -err;
		return -1;
	}
	return err;
}

static int route_request(struct usn_net *net, int family, const void *dst,
			 int prefixlen, const void *gateway, int ifindex,
			 unsigned int metric, bool add)
{
	uint32_t d = 0, gw = 0;
	struct nl_kreq req;
	struct rtmsg *rtm;
	int err;

	if (!net)
		return -EINVAL;
	if (family != AF_INET)
		return -EAFNOSUPPORT;
	if (prefixlen < 0 || prefixlen > 32)
		return -EINVAL;
	usn_start();
	if (dst)
		memcpy(&d, dst, sizeof(d));
	if (gateway)
		memcpy(&gw, gateway, sizeof(gw));
	/* A device that does not exist is named as such, as iproute2 does. */
	if (!add && ifindex) {
		struct ifinfomsg *ifm;

		ifm = nl_kreq_init(&req, RTM_GETLINK, 0, sizeof(*ifm));
		ifm->ifi_index = ifindex;
		err = ifindex > 0 ? netlink_kern_request(net, NETLINK_ROUTE,
							 &req.nlh) : -ENODEV;
		if (err)
			return err;
	}
	rtm = nl_kreq_init(&req, add ? RTM_NEWROUTE : RTM_DELROUTE,
			   add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = (uint8_t)prefixlen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = !add ? RT_SCOPE_NOWHERE :
			 gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	nl_kreq_put(&req, RTA_DST, &d, sizeof(d));
	if (gw)
		nl_kreq_put(&req, RTA_GATEWAY, &gw, sizeof(gw));
	if (ifindex)
		nl_kreq_put(&req, RTA_OIF, &ifindex, sizeof(ifindex));
	if (metric)
		nl_kreq_put(&req, RTA_PRIORITY, &metric, sizeof(metric));
	return netlink_kern_request(net, NETLINK_ROUTE, &req.nlh);
}

__public int usn_route_add(struct usn_net *net, int family, const void *dst,
			   int prefixlen, const void *gateway, int ifindex,
			   unsigned int metric)
{
	return ret_errno(route_request(net, family, dst, prefixlen, gateway,
				       ifindex, metric, true));
}

__public int usn_route_del(struct usn_net *net, int family, const void *dst,
			   int prefixlen, const void *gateway, int ifindex,
			   unsigned int metric)
{
	return ret_errno(route_request(net, family, dst, prefixlen, gateway,
				       ifindex, metric, false));
}
