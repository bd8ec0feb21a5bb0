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

int inet_addr_add(struct net_device *dev, uint32_t addr, int prefixlen);
int inet_addr_del(struct net_device *dev, uint32_t addr, int prefixlen);
void inet_dev_destroy(struct net_device *dev);

#endif
