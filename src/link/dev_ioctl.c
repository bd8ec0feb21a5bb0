/* SPDX-License-Identifier: MIT */
/*
 * dev_ioctl.c - the interface ioctls any socket answers (struct ifreq),
 * after net/core/dev_ioctl.c: names, indexes, flags, MTU and hardware
 * address of the devices of the socket's namespace.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "link/netdevice.h"
#include "net/net.h"
#include "socket/socket.h"
#include "socket/sys.h"

static int dev_ifname(struct usn_net *net, struct ifreq *ifr)
{
	struct net_device *dev = dev_get_by_index(net, ifr->ifr_ifindex);

	if (!dev)
		return -ENODEV;
	memcpy(ifr->ifr_name, dev->name, IFNAMSIZ);
	return 0;
}

static int dev_ifsioc(struct net_device *dev, unsigned int cmd,
		      struct ifreq *ifr)
{
	switch (cmd) {
	case SIOCGIFINDEX:
		ifr->ifr_ifindex = dev->ifindex;
		return 0;
	case SIOCGIFFLAGS:
		ifr->ifr_flags = (short)dev_get_flags(dev);
		return 0;
	case SIOCSIFFLAGS:
		return dev_change_flags(dev, (unsigned short)ifr->ifr_flags);
	case SIOCGIFMTU:
		ifr->ifr_mtu = (int)dev->mtu;
		return 0;
	case SIOCSIFMTU:
		if (ifr->ifr_mtu < 0)
			return -EINVAL;
		return dev_set_mtu(dev, (unsigned int)ifr->ifr_mtu);
	case SIOCGIFHWADDR:
		memset(&ifr->ifr_hwaddr, 0, sizeof(ifr->ifr_hwaddr));
		memcpy(ifr->ifr_hwaddr.sa_data, dev->dev_addr,
		       min_t(size_t, dev->addr_len, sizeof(ifr->ifr_hwaddr.sa_data)));
		ifr->ifr_hwaddr.sa_family = dev->type;
		return 0;
	default:
		return -ENOTTY;
	}
}

int dev_ioctl(struct usn_net *net, unsigned int cmd, void *arg)
{
	struct ifreq *ifr = arg;
	struct net_device *dev;
	int err;

	/*
	 * sock_do_ioctl: only socket ioctl numbers reach the devices, and
	 * their ifreq is read before the number is looked at.
	 */
	if (_IOC_TYPE(cmd) != 0x89)
		return -ENOTTY;
	if (!ifr)
		return -EFAULT;
	switch (cmd) {
	case SIOCGIFNAME:
	case SIOCGIFINDEX:
	case SIOCGIFFLAGS:
	case SIOCSIFFLAGS:
	case SIOCGIFMTU:
	case SIOCSIFMTU:
	case SIOCGIFHWADDR:
		break;
	default:
		return -ENOTTY;
	}
	net_lock(net);
	if (cmd == SIOCGIFNAME) {
		err = dev_ifname(net, ifr);
	} else {
		ifr->ifr_name[IFNAMSIZ - 1] = 0;
		dev = dev_get_by_name(net, ifr->ifr_name);
		err = dev ? dev_ifsioc(dev, cmd, ifr) : -ENODEV;
	}
	net_unlock(net);
	return err;
}
