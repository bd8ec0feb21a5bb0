/* SPDX-License-Identifier: MIT */
/*
 * devinet.h - the IPv4 addresses of a device (struct in_device and its
 * list of struct in_ifaddr), after include/linux/inetdevice.h. Addresses
 * are in network byte order.
 */
#ifndef USN_NETWORK_IPV4_DEVINET_H
#define USN_NETWORK_IPV4_DEVINET_H

#include <stdint.h>
#include "core/list.h"

struct net_device;

struct in_ifaddr {
	struct list_head	ifa_list;
	uint32_t		ifa_local;
	uint32_t		ifa_address;
	uint32_t		ifa_mask;
	uint32_t		ifa_broadcast;
	unsigned char		ifa_prefixlen;
	unsigned char		ifa_scope;	/* RT_SCOPE_* */
	uint32_t		ifa_flags;	/* IFA_F_* */
	uint64_t		ifa_cstamp;	/* ns, namespace clock: created */
	uint64_t		ifa_tstamp;	/* ns: last changed */
	char			ifa_label[16];
	struct in_device	*ifa_dev;
};

struct in_device {
	struct net_device	*dev;
	struct list_head	ifa_list;
};

static inline uint32_t inet_make_mask(int prefixlen)
{
	return prefixlen ? __builtin_bswap32(~0u << (32 - prefixlen)) : 0;
}

/*
 * Address events: NETDEV_UP when an address is added, NETDEV_DOWN before
 * one is removed; ptr is the struct in_ifaddr, ifa_dev its in_device.
 */
struct notifier_block;
void register_inetaddr_notifier(struct notifier_block *nb);
void unregister_inetaddr_notifier(struct notifier_block *nb);

/*
 * Adds @addr/@prefixlen with the broadcast address of its prefix (none on
 * a loopback device, as the kernel's lo) and the device's scope.
 */
int inet_addr_add(struct net_device *dev, uint32_t addr, int prefixlen);
int inet_addr_del(struct net_device *dev, uint32_t addr, int prefixlen);
/*
 * Adds a copy of @tmpl (local, address, prefixlen, broadcast, scope,
 * flags, label) to @dev, as RTM_NEWADDR; -EEXIST if the local address
 * and prefix are there already.
 */
int inet_ifa_add(struct net_device *dev, const struct in_ifaddr *tmpl);
/* Removes @ifa from its device, announcing it first. */
void inet_ifa_del(struct in_ifaddr *ifa);
struct in_ifaddr *inet_ifa_find(struct in_device *in_dev, uint32_t addr,
				int prefixlen);
/* Announces a changed @ifa (RTM_NEWADDR) without the routes reacting. */
void inet_ifa_changed(struct in_ifaddr *ifa);
void inet_dev_destroy(struct net_device *dev);

#endif
