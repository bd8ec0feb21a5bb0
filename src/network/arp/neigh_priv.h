/* SPDX-License-Identifier: MIT */
/*
 * neigh_priv.h - the neighbour table inside (neighbour.c) and the ARP
 * protocol that resolves its entries (arp.c), after include/net/neighbour.h
 * and include/net/arp.h. Everything here runs under the namespace lock.
 */
#ifndef USN_NETWORK_ARP_NEIGH_PRIV_H
#define USN_NETWORK_ARP_NEIGH_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "core/list.h"
#include "core/skbuff.h"
#include "core/timer.h"
#include "link/netdevice.h"
#include "network/arp/neighbour.h"

#define NUD_IN_TIMER	(NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE)
#define NUD_VALID	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | \
			 NUD_STALE | NUD_DELAY)
#define NUD_CONNECTED	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE)

/* The kernel's arp_tbl constants (not tunables here). */
#define NEIGH_GC_THRESH1	128	/* no collection below */
#define NEIGH_GC_THRESH3	1024	/* hard limit on entries */
#define NEIGH_LOCKTIME_MS	1000	/* first reply wins for this long */
#define NEIGH_GC_FORCED_AGE_MS	5000	/* forced collection spares newer entries */
#define NEIGH_RAND_PERIOD_MS	300000	/* reachable_time is drawn again this often */
#define NEIGH_HASH_MIN		16

/* neigh_update() flags */
#define NEIGH_UPDATE_F_OVERRIDE	0x01
#define NEIGH_UPDATE_F_ADMIN	0x80	/* a user's change: NOARP/PERMANENT too */

struct neigh_table;

struct neighbour {
	struct hlist_node	node;
	struct neigh_table	*tbl;
	struct net_device	*dev;
	uint32_t		key;		/* IPv4 address, network order */
	uint8_t			nud_state;
	bool			busy;		/* its queue is being reported */
	unsigned char		ha[ETH_ALEN];
	uint64_t		confirmed;	/* jiffies */
	uint64_t		updated;
	uint64_t		used;
	unsigned int		probes;
	struct timer_list	timer;
	struct sk_buff_head	arp_queue;	/* datagrams waiting for @ha */
};

struct neigh_table {
	struct usn_net		*net;
	struct hlist_head	*hash;
	unsigned int		hash_mask;
	unsigned int		entries;
	uint64_t		reachable_time;	/* ms, drawn from base_reachable_time */
	uint64_t		last_rand;	/* jiffies it was drawn */
	struct timer_list	gc_timer;
	struct packet_type	arp_pt;		/* ETH_P_ARP in this namespace */
};

/* neighbour.c */
struct neigh_table *neigh_table_alloc(struct usn_net *net);
void neigh_table_free(struct neigh_table *tbl);
struct neighbour *neigh_lookup(struct neigh_table *tbl,
			       const struct net_device *dev, uint32_t key);
/* Looks up or creates the entry (NONE state); NULL past gc_thresh3 or without memory. */
struct neighbour *neigh_lookup_create(struct neigh_table *tbl,
				      struct net_device *dev, uint32_t key);
int neigh_update(struct neighbour *n, const unsigned char *lladdr,
		 uint8_t new_state, unsigned int flags);
/* A request from the neighbour: it is there (STALE), at @lladdr. */
struct neighbour *neigh_event_ns(struct neigh_table *tbl,
				 const unsigned char *lladdr, uint32_t key,
				 struct net_device *dev);
/* Drops every entry of @dev (their queued datagrams too). */
void neigh_ifdown(struct neigh_table *tbl, struct net_device *dev);
/* Removes @n (RTM_DELNEIGH); its queued datagrams are dropped. */
void neigh_remove(struct neighbour *n);
struct neigh_table *neigh_tbl(struct usn_net *net);

/* neigh_nl.c: RTM_NEWNEIGH / RTM_DELNEIGH about @n to RTNLGRP_NEIGH. */
void neigh_notify(struct neighbour *n, int type);

/* arp.c */
void arp_solicit(struct neighbour *n, struct sk_buff *skb);
void arp_error_report(struct neighbour *n, struct sk_buff *skb);
void arp_mc_map(uint32_t addr, unsigned char *haddr);
bool arp_is_broadcast(const struct net_device *dev, uint32_t addr);

#endif
