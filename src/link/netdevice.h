/* SPDX-License-Identifier: MIT */
/*
 * netdevice.h - network devices, packet types and the link layer's entry
 * points, after include/linux/netdevice.h.
 *
 * A device belongs to one namespace and is driven by it: the namespace's
 * softirq step calls ndo_poll() to receive and the transmit path calls
 * ndo_start_xmit() with the namespace lock held. Devices whose frames arrive
 * from another thread (a memlink peer) or a kernel fd (tap) say when they
 * have work: ndo_next_rx() for frames due at a given time, rx_fd for a kernel
 * descriptor the stack thread waits on.
 *
 * Receive: driver -> netif_receive_skb() -> every ptype_all tap of the
 * namespace and of the device -> the ptype_base handler of the frame's
 * ethertype. netif_rx() queues to the namespace backlog instead (loopback),
 * which the softirq drains.
 * Transmit: dev_queue_xmit() -> ptype_all taps see the frame (PACKET_OUTGOING)
 * -> ndo_start_xmit(). There is no qdisc: a device that cannot take a frame
 * drops it and counts the drop.
 */
#ifndef USN_LINK_NETDEVICE_H
#define USN_LINK_NETDEVICE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/list.h"
#include "core/skbuff.h"

struct usn_net;
struct in_device;
struct pcap_writer;
struct sock;

#define MAX_ADDR_LEN		32
#define ETH_ALEN		6
#define ETH_HLEN		14
#define ETH_ZLEN		60
#define ETH_DATA_LEN		1500
#define ETH_FRAME_LEN		1514
#define VLAN_HLEN		4	/* an 802.1Q tag */
#define ETH_P_ALL		0x0003
#define ETH_P_IP		0x0800
#define ETH_P_ARP		0x0806
#define ETH_P_IPV6		0x86DD
#define ETH_P_8021Q		0x8100
#define ETH_P_802_3_MIN		0x0600

/* From <linux/if.h>, which <net/if.h> cannot be included with. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP		0x10000
#endif
#ifndef IFF_DORMANT
#define IFF_DORMANT		0x20000
#endif

#define ARPHRD_ETHER		1
#define ARPHRD_LOOPBACK		772

#define NETDEV_TX_OK		0
#define NAPI_POLL_WEIGHT	64
#define DEFAULT_TX_QUEUE_LEN	1000

/* Per-device counters, after struct rtnl_link_stats64, plus drops by reason. */
struct net_device_stats {
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint64_t rx_errors;
	uint64_t tx_errors;
	uint64_t rx_dropped;
	uint64_t tx_dropped;
	uint64_t rx_nohandler;
	uint64_t drops[SKB_DROP_REASON_MAX];
};

struct net_device;

/*
 * The kind of a device users may delete (RTM_DELLINK), after struct
 * rtnl_link_ops: a device without one (the loopback) cannot be deleted.
 */
struct rtnl_link_ops {
	const char	*kind;		/* IFLA_INFO_KIND */
	void		(*dellink)(struct net_device *dev);
};

struct net_device_ops {
	int	(*ndo_open)(struct net_device *dev);
	int	(*ndo_stop)(struct net_device *dev);
	/* Consumes @skb (sent or dropped and counted); returns NETDEV_TX_OK or -errno. */
	int	(*ndo_start_xmit)(struct sk_buff *skb, struct net_device *dev);
	/* Hands up to @budget received frames to netif_receive_skb(); returns how many. */
	int	(*ndo_poll)(struct net_device *dev, int budget);
	/* Namespace time (ns) at which ndo_poll() next has a frame; UINT64_MAX if none. */
	uint64_t (*ndo_next_rx)(struct net_device *dev);
	int	(*ndo_change_mtu)(struct net_device *dev, unsigned int new_mtu);
	/* Releases the driver's resources; the device is already unlinked. */
	void	(*ndo_uninit)(struct net_device *dev);
};

/* Builds and parses the link header (Ethernet for every usnet device). */
struct header_ops {
	int	(*create)(struct sk_buff *skb, struct net_device *dev,
			  uint16_t type, const void *daddr, const void *saddr,
			  unsigned int len);
	int	(*parse)(const struct sk_buff *skb, unsigned char *haddr);
};

struct net_device {
	struct list_head	dev_list;
	struct list_head	poll_list;	/* on net->poll_list when rx work is due */
	char			name[IFNAMSIZ];
	int			ifindex;
	struct usn_net		*net;
	unsigned int		flags;		/* IFF_* */
	unsigned int		mtu;
	unsigned int		min_mtu;
	unsigned int		max_mtu;
	unsigned short		type;		/* ARPHRD_* */
	unsigned short		hard_header_len;
	unsigned char		addr_len;
	unsigned char		dev_addr[MAX_ADDR_LEN];
	unsigned char		broadcast[MAX_ADDR_LEN];
	unsigned int		tx_queue_len;
	const struct net_device_ops *netdev_ops;
	const struct header_ops	*header_ops;
	const struct rtnl_link_ops *rtnl_link_ops;	/* NULL: not deletable */
	struct net_device_stats	stats;
	struct list_head	ptype_all;	/* taps bound to this device */
	unsigned int		promiscuity;	/* dev_set_promiscuity() users */
	unsigned int		allmulti;	/* dev_set_allmulti() users */
	unsigned int		gflags;		/* the user's PROMISC, ALLMULTI */
	int			rx_fd;		/* kernel fd that signals rx, or -1 */
	bool			rx_ready;	/* rx_fd was readable */
	bool			registered;
	struct pcap_writer	*pcap;
	struct in_device	*ip_ptr;
	void			*priv;
};

static inline void *netdev_priv(const struct net_device *dev)
{
	return dev->priv;
}

static inline struct usn_net *dev_net(const struct net_device *dev)
{
	return dev->net;
}

static inline bool netif_running(const struct net_device *dev)
{
	return dev->flags & IFF_UP;
}

/* A handler of frames of one ethertype (or all of them), after the kernel's. */
struct packet_type {
	uint16_t		type;	/* network order; htons(ETH_P_ALL) for taps */
	struct net_device	*dev;	/* NULL: every device of the namespace */
	/* Consumes @skb. */
	int			(*func)(struct sk_buff *skb, struct net_device *dev,
					struct packet_type *pt,
					struct net_device *orig_dev);
	const char		*name;	/* the handler's name, for the receive trace */
	bool			trace_entry;	/* the handler enters a protocol layer */
	void			*af_packet_priv;
	/* Optional: true when @sk sent the frame (a packet fanout group's member). */
	bool			(*id_match)(struct packet_type *pt,
					    struct sock *sk);
	struct list_head	list;
};

/*
 * Device registry (dev.c). @name_fmt must be shorter than IFNAMSIZ, as in
 * the kernel: callers check names that come from users.
 */
struct net_device *alloc_netdev(size_t priv_size, const char *name_fmt,
				void (*setup)(struct net_device *dev));
void free_netdev(struct net_device *dev);
int register_netdevice(struct usn_net *net, struct net_device *dev);
void unregister_netdevice(struct net_device *dev);
struct net_device *dev_get_by_index(struct usn_net *net, int ifindex);
struct net_device *dev_get_by_name(struct usn_net *net, const char *name);
int dev_open(struct net_device *dev);
int dev_close(struct net_device *dev);
int dev_change_flags(struct net_device *dev, unsigned int flags);
/* One RTM_NEWLINK (ifi_change @gchanges), then NETDEV_UP/_DOWN/_CHANGE. */
void __dev_notify_flags(struct net_device *dev, unsigned int old_flags,
			unsigned int gchanges);
int dev_set_mtu(struct net_device *dev, unsigned int mtu);
/* Renames a device that is down (-EBUSY if up), as dev_change_name(). */
int dev_change_name(struct net_device *dev, const char *newname);
/* A new unicast link address (-EADDRNOTAVAIL for multicast or zero). */
int dev_set_mac_address(struct net_device *dev, const unsigned char *addr,
			unsigned int len);
int dev_change_tx_queue_len(struct net_device *dev, unsigned int len);
void dev_kfree_skb_reason(struct net_device *dev, struct sk_buff *skb,
			  enum skb_drop_reason reason, bool rx);

/* Packet types (ptype.c) */
void dev_add_pack(struct usn_net *net, struct packet_type *pt);
void dev_remove_pack(struct usn_net *net, struct packet_type *pt);

void devices_unregister_all(struct usn_net *net);

/*
 * Reference-counted IFF_PROMISC / IFF_ALLMULTI (dev_addr_lists.c). The
 * __ forms leave the announcing to their caller (dev_change_flags).
 */
int dev_set_promiscuity(struct net_device *dev, int inc);
int dev_set_allmulti(struct net_device *dev, int inc);
int __dev_set_promiscuity(struct net_device *dev, int inc);
int __dev_set_allmulti(struct net_device *dev, int inc);
/*
 * The flags a user reads (SIOCGIFFLAGS, ifi_flags): IFF_PROMISC and
 * IFF_ALLMULTI only as the user set them, not as packet sockets hold them.
 */
unsigned int dev_get_flags(const struct net_device *dev);
/* An RTM_NEWLINK/DELLINK about @dev to RTNLGRP_LINK (rtnl_link.c). */
void rtmsg_ifinfo(int type, struct net_device *dev, unsigned int change);

/*
 * Device events (NETDEV_REGISTER, _UP, _DOWN, _CHANGE, _CHANGEMTU,
 * _CHANGEADDR, _CHANGENAME, _CHANGE_TX_QUEUE_LEN, _UNREGISTER); ptr is
 * the device.
 */
struct notifier_block;
void register_netdevice_notifier(struct notifier_block *nb);
void unregister_netdevice_notifier(struct notifier_block *nb);
void dev_tx_count(struct net_device *dev, unsigned int bytes);

/* Receive and transmit (dev.c) */
int netif_receive_skb(struct sk_buff *skb);
/* A driver's receive entry: @skb holds one frame from its link header. Consumes it. */
int netif_receive_frame(struct net_device *dev, struct sk_buff *skb);
int netif_rx(struct sk_buff *skb);
int dev_queue_xmit(struct sk_buff *skb);
void netif_schedule_rx(struct net_device *dev);
int net_rx_action(struct usn_net *net, int budget);
uint64_t net_next_rx(struct usn_net *net);

/* Ethernet (ether.c) */
void ether_setup(struct net_device *dev);
uint16_t eth_type_trans(struct sk_buff *skb, struct net_device *dev);
void eth_random_addr(struct usn_net *net, unsigned char *addr);
extern const struct header_ops eth_header_ops;

static inline int dev_hard_header(struct sk_buff *skb, struct net_device *dev,
				  uint16_t type, const void *daddr,
				  const void *saddr, unsigned int len)
{
	if (!dev->header_ops || !dev->header_ops->create)
		return 0;
	return dev->header_ops->create(skb, dev, type, daddr, saddr, len);
}

#endif
