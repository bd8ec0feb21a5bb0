/* SPDX-License-Identifier: MIT */
/*
 * neighbour.h - the IPv4 neighbour table and ARP (RFC 826), after
 * include/net/neighbour.h and net/ipv4/arp.c: one entry per (device, IPv4
 * address) with the kernel's states and timers, a bounded queue of
 * datagrams waiting for resolution, requests, replies and gratuitous ARP.
 *
 * States (NUD_*, the kernel's values): INCOMPLETE (resolving), REACHABLE
 * (confirmed within base_reachable_time), STALE (usable, unconfirmed),
 * DELAY (used while stale: wait delay_first_probe_time for a confirmation),
 * PROBE (unicast probes), FAILED (resolution failed: queued datagrams are
 * dropped and their senders told EHOSTUNREACH), NOARP (loopback), PERMANENT.
 */
#ifndef USN_NETWORK_ARP_NEIGHBOUR_H
#define USN_NETWORK_ARP_NEIGHBOUR_H

#include <stdint.h>

struct usn_net;
struct net_device;
struct sk_buff;

#define NUD_INCOMPLETE	0x01
#define NUD_REACHABLE	0x02
#define NUD_STALE	0x04
#define NUD_DELAY	0x08
#define NUD_PROBE	0x10
#define NUD_FAILED	0x20
#define NUD_NOARP	0x40
#define NUD_PERMANENT	0x80

/*
 * Sends the IPv4 datagram in @skb (data at the IP header) to @nexthop on
 * @dev: adds the link header with the neighbour's address, resolving it
 * with ARP first (the datagram waits in the entry's queue meanwhile).
 * Devices with IFF_NOARP or IFF_LOOPBACK need no resolution; broadcast and
 * multicast next hops map to their link addresses. Consumes @skb.
 */
int neigh_output(struct usn_net *net, struct net_device *dev,
		 uint32_t nexthop, struct sk_buff *skb);

/* Announces @addr on @dev: a gratuitous ARP request (an address was added). */
void arp_send_gratuitous(struct net_device *dev, uint32_t addr);

/* A neighbour's state and address, for tests and `ip neigh`-style listings. */
struct neigh_info {
	int		ifindex;
	uint32_t	addr;
	uint8_t		state;		/* NUD_* */
	unsigned char	lladdr[6];
};

int neigh_lookup_info(struct usn_net *net, int ifindex, uint32_t addr,
		      struct neigh_info *info);
int arp_init(void);

#endif
