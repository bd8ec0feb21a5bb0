/* SPDX-License-Identifier: MIT */
/*
 * dev_addr_lists.c - promiscuous and all-multicast reference counts, after
 * dev_set_promiscuity()/dev_set_allmulti() in net/core/dev.c: each user
 * (a packet socket's membership) adds or removes one reference, and the
 * device flag follows whether any is left. usnet's devices hand every
 * frame up anyway (there is no hardware filter), so the flag is what a
 * user reads back, e.g. with SIOCGIFFLAGS.
 */
#include <errno.h>
#include <limits.h>
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

int dev_set_promiscuity(struct net_device *dev, int inc)
{
	unsigned int was = dev->flags & IFF_PROMISC;
	int err = dev_flag_count(dev, &dev->promiscuity, IFF_PROMISC, inc);

	if (!err && was != (dev->flags & IFF_PROMISC))
		pr_info("device %s %s promiscuous mode", dev->name,
			was ? "left" : "entered");
	return err;
}

int dev_set_allmulti(struct net_device *dev, int inc)
{
	return dev_flag_count(dev, &dev->allmulti, IFF_ALLMULTI, inc);
}
