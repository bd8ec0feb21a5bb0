/* SPDX-License-Identifier: MIT */
/*
 * devinet.c - adding and removing the IPv4 addresses of a device.
 * A loopback address gets host scope, others universe scope; the
 * broadcast address is derived from the prefix, as iproute2's "brd +"
 * (but for a loopback device, as the kernel's lo). RTM_NEWADDR gives
 * every field itself (inet_ifa_add).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/notifier.h"
#include "link/netdevice.h"
#include "network/ipv4/devinet.h"
#include "net/net.h"

#define RT_SCOPE_UNIVERSE	0
#define RT_SCOPE_HOST		254
#define IFA_F_PERMANENT		0x80	/* linux/if_addr.h */

static struct notifier_head inetaddr_chain = NOTIFIER_HEAD_INIT(inetaddr_chain);

void register_inetaddr_notifier(struct notifier_block *nb)
{
	notifier_chain_register(&inetaddr_chain, nb);
}

void unregister_inetaddr_notifier(struct notifier_block *nb)
{
	notifier_chain_unregister(nb);
}

static struct in_device *in_dev_get_or_create(struct net_device *dev)
{
	struct in_device *in_dev = dev->ip_ptr;

	if (in_dev)
		return in_dev;
	in_dev = calloc(1, sizeof(*in_dev));
	if (!in_dev)
		return NULL;
	in_dev->dev = dev;
	INIT_LIST_HEAD(&in_dev->ifa_list);
	dev->ip_ptr = in_dev;
	return in_dev;
}

struct in_ifaddr *inet_ifa_find(struct in_device *in_dev, uint32_t addr,
				int prefixlen)
{
	struct in_ifaddr *ifa;

	list_for_each_entry(ifa, &in_dev->ifa_list, ifa_list)
		if (ifa->ifa_local == addr && ifa->ifa_prefixlen == prefixlen)
			return ifa;
	return NULL;
}

int inet_ifa_add(struct net_device *dev, const struct in_ifaddr *tmpl)
{
	struct in_device *in_dev;
	struct in_ifaddr *ifa;

	if (tmpl->ifa_prefixlen > 32)
		return -EINVAL;
	in_dev = in_dev_get_or_create(dev);
	if (!in_dev)
		return -ENOMEM;
	if (inet_ifa_find(in_dev, tmpl->ifa_local, tmpl->ifa_prefixlen))
		return -EEXIST;
	ifa = calloc(1, sizeof(*ifa));
	if (!ifa)
		return -ENOMEM;
	*ifa = *tmpl;
	ifa->ifa_mask = inet_make_mask(ifa->ifa_prefixlen);
	if (!ifa->ifa_label[0])
		memcpy(ifa->ifa_label, dev->name, sizeof(ifa->ifa_label));
	ifa->ifa_cstamp = ifa->ifa_tstamp = net_now(dev_net(dev));
	ifa->ifa_dev = in_dev;
	list_add_tail(&ifa->ifa_list, &in_dev->ifa_list);
	notifier_call_chain(&inetaddr_chain, NETDEV_UP, ifa);
	return 0;
}

int inet_addr_add(struct net_device *dev, uint32_t addr, int prefixlen)
{
	struct in_ifaddr tmpl;

	if (prefixlen < 0 || prefixlen > 32)
		return -EINVAL;
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.ifa_local = addr;
	tmpl.ifa_address = addr;
	tmpl.ifa_prefixlen = (unsigned char)prefixlen;
	if (prefixlen < 31 && !(dev->flags & IFF_LOOPBACK))
		tmpl.ifa_broadcast = addr | ~inet_make_mask(prefixlen);
	tmpl.ifa_scope = (dev->flags & IFF_LOOPBACK) ? RT_SCOPE_HOST :
						       RT_SCOPE_UNIVERSE;
	tmpl.ifa_flags = IFA_F_PERMANENT;
	return inet_ifa_add(dev, &tmpl);
}

void inet_ifa_del(struct in_ifaddr *ifa)
{
	notifier_call_chain(&inetaddr_chain, NETDEV_DOWN, ifa);
	list_del(&ifa->ifa_list);
	free(ifa);
}

void inet_ifa_changed(struct in_ifaddr *ifa)
{
	ifa->ifa_tstamp = net_now(dev_net(ifa->ifa_dev->dev));
	notifier_call_chain(&inetaddr_chain, NETDEV_CHANGEADDR, ifa);
}

int inet_addr_del(struct net_device *dev, uint32_t addr, int prefixlen)
{
	struct in_ifaddr *ifa;

	if (!dev->ip_ptr)
		return -EADDRNOTAVAIL;
	ifa = inet_ifa_find(dev->ip_ptr, addr, prefixlen);
	if (!ifa)
		return -EADDRNOTAVAIL;
	inet_ifa_del(ifa);
	return 0;
}

void inet_dev_destroy(struct net_device *dev)
{
	struct in_device *in_dev = dev->ip_ptr;
	struct in_ifaddr *ifa, *tmp;

	if (!in_dev)
		return;
	list_for_each_entry_safe(ifa, tmp, &in_dev->ifa_list, ifa_list) {
		notifier_call_chain(&inetaddr_chain, NETDEV_DOWN, ifa);
		list_del(&ifa->ifa_list);
		free(ifa);
	}
	free(in_dev);
	dev->ip_ptr = NULL;
}
