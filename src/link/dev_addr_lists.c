/* SPDX-License-Identifier: MIT */
/*
 * dev_addr_lists.c - promiscuous and all-multicast reference counts, after
 * dev_set_promiscuity()/dev_set_allmulti() in net/core/dev.c: each user
 * (a packet socket's membership, or the user's own IFF_PROMISC set with
 * SIOCSIFFLAGS or RTM_SETLINK) adds or removes one reference, and the
 * device flag follows whether any is left. usnet's devices hand every
 * frame up anyway (there is no hardware filter).
 *
 * As Linux announces them: every change of the promiscuity count is an
 * RTM_NEWLINK with ifi_change IFF_PROMISC (IFLA_PROMISCUITY carries the
 * count); the all-multicast count of packet sockets is announced to
 * no one. Neither is a NETDEV_CHANGE (__dev_notify_flags() leaves both
 * out of it).
 */
#include <errno.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include "core/log.h"
#include "link/netdevice.h"

static int dev_flag_count(struct net_device *dev, unsigned int *count,
			  unsigned int flag, int inc)
{
	unsigned int old = *count;

	if (inc < 0 && old < (unsigned int)-inc)
		return -EOVERFLOW;
	if (inc > 0 && old > UINT_MAX - (unsigned int)inc)
		return -EOVERFLOW;
	*count = (unsigned int)((int)old + inc);
	if (!old && *count)
		dev->flags |= flag;
	else if (old && !*count)
		dev->flags &= ~flag;
	return 0;
}

int __dev_set_promiscuity(struct net_device *dev, int inc)
{
	unsigned int was = dev->flags & IFF_PROMISC;
	int err = dev_flag_count(dev, &dev->promiscuity, IFF_PROMISC, inc);

	if (!err && was != (dev->flags & IFF_PROMISC))
		pr_info("device %s %s promiscuous mode", dev->name,
			was ? "left" : "entered");
	return err;
}

int dev_set_promiscuity(struct net_device *dev, int inc)
{
	unsigned int old_flags = dev->flags;
	int err = __dev_set_promiscuity(dev, inc);

	if (!err)
		__dev_notify_flags(dev, old_flags, IFF_PROMISC);
	return err;
}

int __dev_set_allmulti(struct net_device *dev, int inc)
{
	return dev_flag_count(dev, &dev->allmulti, IFF_ALLMULTI, inc);
}

/* Only the user's own IFF_ALLMULTI is announced, by dev_change_flags(). */
int dev_set_allmulti(struct net_device *dev, int inc)
{
	return __dev_set_allmulti(dev, inc);
}
