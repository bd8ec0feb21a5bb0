/* SPDX-License-Identifier: MIT */
/*
 * tap.c - a usnet device over a kernel TAP interface (/dev/net/tun with
 * IFF_TAP | IFF_NO_PI): each read() of the fd is one Ethernet frame the
 * kernel sent out of its side of the tap, each write() one frame usnet
 * sends into it. The two ends are two hosts on one wire: the kernel side
 * has its own MAC, addresses and MTU; the usnet side gets a random MAC.
 *
 * The fd is the device's rx_fd: the namespace's stack thread (threaded
 * mode) or the program's event loop (external mode) waits on it and calls
 * ndo_poll() when it is readable. A simulated namespace has no place for a
 * kernel fd on its virtual clock, so it cannot attach a tap.
 *
 * The kernel creates the tap, if missing, in the network namespace of the
 * thread that calls usn_tap_attach(), and deletes it when the fd is closed
 * unless it was made persistent (ip tuntap add).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/if_tun.h>
#include <usnet/usnet.h>
#include "core/log.h"
#include "link/netdevice.h"
#include "net/exec.h"
#include "net/net.h"

#define TAP_CLONE_DEV	"/dev/net/tun"
#define TAP_VLAN_HLEN	4
/* The largest frame a tap read can return: an IP packet of 64 KiB - 1 and its link header. */
#define TAP_MAX_FRAME	(65535 + ETH_HLEN)
/* As the kernel's tun: the MTU plus the link header fits in 16 bits. */
#define TAP_MIN_MTU	68
#define TAP_MAX_MTU	(65535 - ETH_HLEN)

struct tap_priv {
	int		fd;
	/*
	 * Receive buffers are sized for the MTU, so a socket is charged the
	 * truesize of a 2 KiB buffer, not 64 KiB, for each ordinary frame.
	 * A longer frame (the kernel side's MTU is larger than ours) spills
	 * into this buffer through the second iovec and is copied out.
	 */
	unsigned char	*spill;
};

/* ---- transmit ------------------------------------------------------------------- */

/* Drops a frame the kernel did not take; returns what tap_xmit() returns. */
static int tap_xmit_error(struct net_device *dev, struct sk_buff *skb, int err)
{
	switch (err) {
	case EAGAIN:
	case ENOBUFS:
		/* The kernel's queue is the only queue a tap has: a qdisc drop. */
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_TXQUEUE_FULL, false);
		return -ENOBUFS;
	case EIO:
		/* The kernel side is down: a link without carrier drops quietly. */
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_NO_CARRIER, false);
		return NETDEV_TX_OK;
	default:
		dev->stats.tx_errors++;
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_DEV_ERROR, false);
		return NETDEV_TX_OK;
	}
}

static int tap_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct tap_priv *tp = netdev_priv(dev);
	unsigned int len = skb->len;
	ssize_t n;

	do {
		n = write(tp->fd, skb->data, len);	/* one frame per write */
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len)
		return tap_xmit_error(dev, skb, n < 0 ? errno : EIO);
	dev_tx_count(dev, len);
	consume_skb(skb);
	return NETDEV_TX_OK;
}

/* ---- receive -------------------------------------------------------------------- */

/* A read failed for good (the kernel interface was deleted): stop waiting on it. */
static void tap_carrier_lost(struct net_device *dev, int err)
{
	pr_warn("%s: tap read failed: %s; link down", dev->name, strerror(err));
	/*
	 * The fd stays in error, so a level-triggered wait would wake the
	 * stack thread forever. dev_close() will try to remove it again and
	 * ignore the failure.
	 */
	exec_watch_fd(dev_net(dev), dev, false);
	dev->flags &= ~(IFF_RUNNING | IFF_LOWER_UP);
}

/* Reads and drops one frame when no buffer can be had, so the fd drains. */
static int tap_rx_nomem(struct net_device *dev, struct tap_priv *tp)
{
	ssize_t n = read(tp->fd, tp->spill, TAP_MAX_FRAME);

	if (n < 0)
		return -errno;
	dev->stats.rx_dropped++;
	dev->stats.drops[SKB_DROP_REASON_NOMEM]++;
	return 1;
}

/* Copies a frame that spilled past @skb's buffer into one that holds it all. */
static struct sk_buff *tap_rx_linearize(struct tap_priv *tp, struct sk_buff *skb,
					size_t len)
{
	unsigned int head = skb_tailroom(skb);
	struct sk_buff *big = alloc_skb((unsigned int)len);

	if (big) {
		skb_put_data(big, skb->data, head);
		skb_put_data(big, tp->spill, (unsigned int)len - head);
	}
	consume_skb(skb);
	return big;
}

/* Receives one frame: 1 when one was handed up or dropped, or -errno (-EAGAIN: none). */
static int tap_rx_one(struct net_device *dev, struct tap_priv *tp)
{
	struct sk_buff *skb = alloc_skb(dev->mtu + ETH_HLEN + TAP_VLAN_HLEN);
	struct iovec iov[2];
	ssize_t n;

	if (!skb)
		return tap_rx_nomem(dev, tp);
	iov[0] = (struct iovec){ skb->data, skb_tailroom(skb) };
	iov[1] = (struct iovec){ tp->spill, TAP_MAX_FRAME - min_t(size_t,
				 iov[0].iov_len, TAP_MAX_FRAME) };
	do {
		n = readv(tp->fd, iov, 2);
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		int err = n < 0 ? errno : EAGAIN;

		consume_skb(skb);
		return -err;
	}
	if ((size_t)n > iov[0].iov_len + iov[1].iov_len) {
		/* tun reports the whole length of a frame it had to cut. */
		dev->stats.rx_errors++;
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_MTU_EXCEEDED, true);
		return 1;
	}
	if ((size_t)n > iov[0].iov_len) {
		skb = tap_rx_linearize(tp, skb, (size_t)n);
		if (!skb) {
			dev->stats.rx_dropped++;
			dev->stats.drops[SKB_DROP_REASON_NOMEM]++;
			return 1;
		}
	} else {
		skb_put(skb, (unsigned int)n);
	}
	netif_receive_frame(dev, skb);
	return 1;
}

static int tap_poll(struct net_device *dev, int budget)
{
	struct tap_priv *tp = netdev_priv(dev);
	int done = 0, ret;

	while (done < budget) {
		ret = tap_rx_one(dev, tp);
		if (ret < 0) {
			if (ret != -EAGAIN) {
				dev->stats.rx_errors++;
				tap_carrier_lost(dev, -ret);
			}
			break;
		}
		done += ret;
	}
	return done;
}

/* ---- the device ----------------------------------------------------------------- */

/*
 * The kernel side's MTU is the kernel's business (ip link set utap0 mtu N):
 * this one only bounds what usnet sends. Frames the kernel sends longer
 * than this MTU are still received whole.
 */
static int tap_change_mtu(struct net_device *dev, unsigned int new_mtu)
{
	return 0;
}

static void tap_uninit(struct net_device *dev)
{
	struct tap_priv *tp = netdev_priv(dev);

	if (tp->fd >= 0)
		close(tp->fd);
	tp->fd = -1;
	dev->rx_fd = -1;
	free(tp->spill);
	tp->spill = NULL;
}

static const struct net_device_ops tap_netdev_ops = {
	.ndo_start_xmit	= tap_xmit,
	.ndo_poll	= tap_poll,
	.ndo_change_mtu	= tap_change_mtu,
	.ndo_uninit	= tap_uninit,
};

/* `ip link del` (RTM_DELLINK): usnet's end goes, the TAP device stays. */
static const struct rtnl_link_ops tap_link_ops = {
	.kind		= "tun",
	.dellink	= unregister_netdevice,
};

static void tap_setup(struct net_device *dev)
{
	struct tap_priv *tp = netdev_priv(dev);

	ether_setup(dev);
	dev->min_mtu = TAP_MIN_MTU;
	dev->max_mtu = TAP_MAX_MTU;
	dev->netdev_ops = &tap_netdev_ops;
	dev->rtnl_link_ops = &tap_link_ops;
	tp->fd = -1;
}

/* open(2) of the clone device: ENXIO/ENODEV mean no tun driver, as a missing node does. */
static int tap_open_errno(int err)
{
	return (err == ENXIO || err == ENODEV) ? -ENOENT : -err;
}

/*
 * Opens the kernel tap @tap (creating it if missing; "tap%d" lets the kernel
 * pick the number) and copies the name it got into @ifname. Returns the fd
 * or -errno: -EPERM without CAP_NET_ADMIN, -EBUSY if another fd has it.
 */
static int tap_open(const char *tap, char ifname[IFNAMSIZ])
{
	struct ifreq ifr;
	int fd, err;

	fd = open(TAP_CLONE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tap_open_errno(errno);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, tap, strlen(tap) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	return fd;
}

static void tap_free(struct net_device *dev)
{
	tap_uninit(dev);
	free_netdev(dev);
}

/* Registers a usnet device over the open tap @fd; returns its ifindex or -errno. */
static int tap_register(struct usn_net *net, int fd, const char *name)
{
	struct net_device *dev;
	struct tap_priv *tp;
	int err;

	dev = alloc_netdev(sizeof(*tp), name, tap_setup);
	if (!dev) {
		close(fd);
		return -ENOMEM;
	}
	tp = netdev_priv(dev);
	tp->fd = fd;
	dev->rx_fd = fd;
	tp->spill = malloc(TAP_MAX_FRAME);
	if (!tp->spill) {
		tap_free(dev);
		return -ENOMEM;
	}

	net_lock(net);
	if (net->dead) {
		err = -EINVAL;		/* usn_net_destroy() ran */
	} else {
		eth_random_addr(net, dev->dev_addr);
		err = register_netdevice(net, dev);
	}
	if (!err)
		err = dev->ifindex;
	net_unlock(net);
	if (err < 0)
		tap_free(dev);
	return err;
}

static int tap_attach(struct usn_net *net, const char *tap, const char *name)
{
	char ifname[IFNAMSIZ];
	int fd;

	if (!net || !tap || !*tap || strlen(tap) >= IFNAMSIZ)
		return -EINVAL;
	/* Checked here: alloc_netdev() would silently cut a long name. */
	if (name && strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	if (net->mode == NET_MODE_SIMULATED)
		return -EOPNOTSUPP;
	fd = tap_open(tap, ifname);
	if (fd < 0)
		return fd;
	return tap_register(net, fd, name ? name : ifname);
}

__public int usn_tap_attach(struct usn_net *net, const char *tap, const char *name)
{
	int ret = tap_attach(net, tap, name);

	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}
