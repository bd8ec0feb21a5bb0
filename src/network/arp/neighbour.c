/* SPDX-License-Identifier: MIT */
/*
 * neighbour.c - the neighbour table of a namespace, after
 * net/core/neighbour.c: one entry per (device, IPv4 address), the NUD
 * state machine with the kernel's transitions and timers, the queue of
 * datagrams waiting for resolution, garbage collection, and
 * neigh_output(), where IPv4 hands each datagram to the link.
 *
 *   NONE/FAILED --use--> INCOMPLETE --reply--> REACHABLE --timeout--> STALE
 *   INCOMPLETE --mcast_solicit probes unanswered--> FAILED (queue reported)
 *   STALE --use--> DELAY --delay_first_probe_time--> PROBE (unicast)
 *   PROBE --reply--> REACHABLE;  PROBE --ucast_solicit unanswered--> FAILED
 *
 * Times are jiffies (ms) on the namespace's timer wheel; the tunables are
 * read from net->sysctl at each use, so a change applies at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "net/net.h"
#include "network/arp/neigh_priv.h"
#include "network/ipv4/ip.h"
#include <linux/rtnetlink.h>

/* Jiffies compared across wrap-around, as the kernel's time_after(). */
static bool time_after64(uint64_t a, uint64_t b)
{
	return (int64_t)(b - a) < 0;
}

static bool time_before_eq64(uint64_t a, uint64_t b)
{
	return !time_after64(a, b);
}

struct neigh_table *neigh_tbl(struct usn_net *net)
{
	return net->ipv4 ? net->ipv4->arp_tbl : NULL;
}

/* ---- parameters -------------------------------------------------------------- */

static const struct netns_sysctl *neigh_parms(const struct neigh_table *tbl)
{
	return &tbl->net->sysctl;
}

static uint64_t neigh_retrans_time(const struct neigh_table *tbl)
{
	uint64_t t = (uint64_t)neigh_parms(tbl)->neigh_retrans_time_ms;

	return t < HZ / 100 ? HZ / 100 : t;
}

static uint64_t neigh_delay_probe_time(const struct neigh_table *tbl)
{
	return (uint64_t)neigh_parms(tbl)->neigh_delay_first_probe_time * HZ;
}

static uint64_t neigh_base_reachable_time(const struct neigh_table *tbl)
{
	return (uint64_t)neigh_parms(tbl)->neigh_base_reachable_time_ms;
}

/* Uniform in [base/2, 3*base/2), as neigh_rand_reach_time(). */
static uint64_t neigh_rand_reach_time(struct neigh_table *tbl)
{
	uint64_t base = neigh_base_reachable_time(tbl);

	return base ? base / 2 + net_random_u32(tbl->net) % base : 0;
}

/* Probes before FAILED: INCOMPLETE starts counting at ucast_solicit. */
static unsigned int neigh_max_probes(const struct neighbour *n)
{
	const struct netns_sysctl *p = neigh_parms(n->tbl);

	return (unsigned int)p->neigh_ucast_solicit +
	       ((n->nud_state & NUD_PROBE) ? 0 : (unsigned int)p->neigh_mcast_solicit);
}

/* ---- the table ------------------------------------------------------------------ */

static unsigned int neigh_hash(const struct net_device *dev, uint32_t key,
			       unsigned int mask)
{
	uint32_t h = (ntohl(key) ^ ((uint32_t)dev->ifindex * 0x85ebca6bu)) *
		     0x9e3779b1u;

	return (h ^ (h >> 16)) & mask;
}

struct neighbour *neigh_lookup(struct neigh_table *tbl,
			       const struct net_device *dev, uint32_t key)
{
	struct neighbour *n;

	hlist_for_each_entry(n, &tbl->hash[neigh_hash(dev, key, tbl->hash_mask)],
			     node)
		if (n->key == key && n->dev == dev)
			return n;
	return NULL;
}

static void neigh_hash_grow(struct neigh_table *tbl)
{
	unsigned int size = (tbl->hash_mask + 1) * 2;
	struct hlist_head *nh = calloc(size, sizeof(*nh));
	struct neighbour *n;

	if (!nh)
		return;		/* longer chains, still correct */
	for (unsigned int b = 0; b <= tbl->hash_mask; b++) {
		while (tbl->hash[b].first) {
			n = hlist_entry(tbl->hash[b].first, struct neighbour, node);
			hlist_del_init(&n->node);
			hlist_add_head(&n->node,
				       &nh[neigh_hash(n->dev, n->key, size - 1)]);
		}
	}
	free(tbl->hash);
	tbl->hash = nh;
	tbl->hash_mask = size - 1;
}

static void neigh_destroy(struct neighbour *n, enum skb_drop_reason reason)
{
	struct neigh_table *tbl = n->tbl;

	neigh_notify(n, RTM_DELNEIGH);
	del_timer(&n->timer);
	skb_queue_purge_reason(&n->arp_queue, reason);
	hlist_del_init(&n->node);
	tbl->entries--;
	free(n);
}

/* Entries the table may drop: not in a timer state, not being reported. */
static bool neigh_collectable(const struct neighbour *n)
{
	return !(n->nud_state & (NUD_PERMANENT | NUD_IN_TIMER)) && !n->busy;
}

/* Makes room past gc_thresh3, as neigh_forced_gc(); returns how many went. */
static unsigned int neigh_forced_gc(struct neigh_table *tbl)
{
	uint64_t tref = net_jiffies(tbl->net) - NEIGH_GC_FORCED_AGE_MS;
	struct hlist_node *p, *next;
	struct neighbour *n;
	unsigned int removed = 0;

	for (unsigned int b = 0; b <= tbl->hash_mask; b++) {
		for (p = tbl->hash[b].first; p; p = next) {
			next = p->next;
			n = hlist_entry(p, struct neighbour, node);
			if (neigh_collectable(n) &&
			    (n->nud_state == NUD_FAILED ||
			     time_after64(tref, n->updated))) {
				neigh_destroy(n, SKB_DROP_REASON_NEIGH_DEAD);
				removed++;
			}
		}
	}
	return removed;
}

static void neigh_timer_handler(struct timer_list *t);

struct neighbour *neigh_lookup_create(struct neigh_table *tbl,
				      struct net_device *dev, uint32_t key)
{
	uint64_t now = net_jiffies(tbl->net);
	struct neighbour *n = neigh_lookup(tbl, dev, key);

	if (n)
		return n;
	if (tbl->entries >= NEIGH_GC_THRESH3 && !neigh_forced_gc(tbl))
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->tbl = tbl;
	n->dev = dev;
	n->key = key;
	n->updated = n->used = now;
	n->confirmed = now - 2 * neigh_base_reachable_time(tbl);
	INIT_HLIST_NODE(&n->node);
	timer_setup(&n->timer, &tbl->net->timers, neigh_timer_handler);
	skb_queue_head_init(&n->arp_queue);
	if (tbl->entries >= tbl->hash_mask + 1)
		neigh_hash_grow(tbl);
	hlist_add_head(&n->node, &tbl->hash[neigh_hash(dev, key, tbl->hash_mask)]);
	tbl->entries++;
	return n;
}

/* ---- sending ------------------------------------------------------------------------ */

/* Puts the link header for @ha on a datagram and transmits it. */
static int neigh_xmit(struct net_device *dev, struct sk_buff *skb,
		      const unsigned char *ha)
{
	skb->dev = dev;
	skb->protocol = htons(ETH_P_IP);
	if (dev_hard_header(skb, dev, ETH_P_IP, ha, NULL, skb->len) < 0) {
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_NOMEM, false);
		return -ENOBUFS;
	}
	return dev_queue_xmit(skb);
}

static void neigh_probe(struct neighbour *n)
{
	arp_solicit(n, skb_peek_tail(&n->arp_queue));
	n->probes++;
}

/*
 * Resolution failed: each waiting datagram is reported to its sender
 * (ICMP host unreachable) and dropped, as neigh_invalidate(). A report
 * may send through this same entry again (and restart it): stop then.
 */
static void neigh_invalidate(struct neighbour *n)
{
	struct usn_net *net = n->tbl->net;
	struct sk_buff *skb;

	ARP_INC_STATS(net, ResolutionFailed);
	n->updated = net_jiffies(net);
	n->busy = true;
	while (n->nud_state == NUD_FAILED &&
	       (skb = __skb_dequeue(&n->arp_queue)) != NULL)
		arp_error_report(n, skb);
	n->busy = false;
	if (n->nud_state == NUD_FAILED)
		skb_queue_purge_reason(&n->arp_queue, SKB_DROP_REASON_NEIGH_FAILED);
}

static void neigh_timer_handler(struct timer_list *t)
{
	struct neighbour *n = container_of(t, struct neighbour, timer);
	struct neigh_table *tbl = n->tbl;
	uint64_t now = net_jiffies(tbl->net);
	uint64_t next = now + HZ;
	uint8_t state = n->nud_state;

	if (!(state & NUD_IN_TIMER))
		return;
	if (state & NUD_REACHABLE) {
		if (time_before_eq64(now, n->confirmed + tbl->reachable_time)) {
			next = n->confirmed + tbl->reachable_time;
		} else if (time_before_eq64(now, n->used +
					    neigh_delay_probe_time(tbl))) {
			n->nud_state = NUD_DELAY;
			n->updated = now;
			next = now + neigh_delay_probe_time(tbl);
		} else {
			n->nud_state = NUD_STALE;
			n->updated = now;
		}
	} else if (state & NUD_DELAY) {
		if (time_before_eq64(now, n->confirmed +
				     neigh_delay_probe_time(tbl))) {
			/* Confirmed meanwhile (by a reply or an upper layer). */
			n->nud_state = NUD_REACHABLE;
			n->updated = now;
			next = n->confirmed + tbl->reachable_time;
		} else {
			n->nud_state = NUD_PROBE;
			n->updated = now;
			n->probes = 0;
			next = now + neigh_retrans_time(tbl);
		}
	} else {
		/* INCOMPLETE or PROBE: another solicitation is due. */
		next = now + neigh_retrans_time(tbl);
	}

	if ((n->nud_state & (NUD_INCOMPLETE | NUD_PROBE)) &&
	    n->probes >= neigh_max_probes(n)) {
		n->nud_state = NUD_FAILED;
		neigh_notify(n, RTM_NEWNEIGH);
		neigh_invalidate(n);
		return;
	}
	/* The kernel announces these timer transitions (not DELAY, PROBE). */
	if (n->nud_state != state && (n->nud_state & (NUD_STALE | NUD_REACHABLE)))
		neigh_notify(n, RTM_NEWNEIGH);
	if (n->nud_state & NUD_IN_TIMER) {
		if (time_after64(now + HZ / 100, next))
			next = now + HZ / 100;
		mod_timer(&n->timer, next);
	}
	if (n->nud_state & (NUD_INCOMPLETE | NUD_PROBE))
		neigh_probe(n);
}

/*
 * A datagram is about to use @n: 0 if it can go now, 1 if it waits in the
 * queue (or was dropped), after __neigh_event_send(). Starts resolution,
 * or the delay before probing a stale entry.
 */
static int neigh_event_send(struct neighbour *n, struct sk_buff *skb)
{
	struct neigh_table *tbl = n->tbl;
	struct usn_net *net = tbl->net;
	const struct netns_sysctl *p = neigh_parms(tbl);
	uint64_t now = net_jiffies(net);
	bool immediate_probe = false;

	n->used = now;
	if (n->nud_state & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE))
		return 0;
	if (!(n->nud_state & (NUD_STALE | NUD_INCOMPLETE))) {
		if (!p->neigh_mcast_solicit) {
			n->nud_state = NUD_FAILED;
			n->updated = now;
			kfree_skb_reason(skb, SKB_DROP_REASON_NEIGH_FAILED);
			return 1;
		}
		n->probes = (unsigned int)p->neigh_ucast_solicit;
		n->nud_state = NUD_INCOMPLETE;
		n->updated = now;
		mod_timer(&n->timer, now + neigh_retrans_time(tbl));
		immediate_probe = true;
	} else if (n->nud_state & NUD_STALE) {
		n->nud_state = NUD_DELAY;
		n->updated = now;
		mod_timer(&n->timer, now + neigh_delay_probe_time(tbl));
		return 0;
	}

	/* INCOMPLETE: wait, the oldest making room (unres_qlen). */
	while (skb_queue_len(&n->arp_queue) &&
	       skb_queue_len(&n->arp_queue) >= (uint32_t)p->neigh_unres_qlen) {
		kfree_skb_reason(__skb_dequeue(&n->arp_queue),
				 SKB_DROP_REASON_NEIGH_QUEUEFULL);
		ARP_INC_STATS(net, UnresDiscards);
	}
	__skb_queue_tail(&n->arp_queue, skb);
	if (immediate_probe)
		neigh_probe(n);
	return 1;
}

/*
 * What the neighbour told us, as neigh_update(): @new_state with @lladdr
 * (NULL: the address we have). A different address replaces a valid one
 * only with NEIGH_UPDATE_F_OVERRIDE; becoming valid sends the queue.
 */
static int __neigh_update(struct neighbour *n, const unsigned char *lladdr,
			  uint8_t new_state, unsigned int flags)
{
	struct neigh_table *tbl = n->tbl;
	uint64_t now = net_jiffies(tbl->net);
	uint8_t old = n->nud_state;
	bool change_ha = false;
	struct sk_buff *skb;

	if ((old & (NUD_NOARP | NUD_PERMANENT)) &&
	    !(flags & NEIGH_UPDATE_F_ADMIN))
		return -EPERM;
	if (!(new_state & NUD_VALID)) {
		del_timer(&n->timer);
		n->nud_state = new_state;
		if ((old & (NUD_INCOMPLETE | NUD_PROBE)) && (new_state & NUD_FAILED))
			neigh_invalidate(n);
		return 0;
	}
	if (lladdr) {
		change_ha = !(old & NUD_VALID) || memcmp(lladdr, n->ha, ETH_ALEN);
	} else if (!(old & NUD_VALID)) {
		return -EINVAL;
	}
	if (new_state & NUD_CONNECTED)
		n->confirmed = now;

	if (old & NUD_VALID) {
		if (change_ha && !(flags & NEIGH_UPDATE_F_OVERRIDE))
			return 0;	/* the first answer holds */
		/* A stale hint about the address we have changes nothing. */
		if (!change_ha && new_state == NUD_STALE)
			new_state = old;
	}
	if (new_state != old || change_ha)
		n->updated = now;
	if (new_state != old) {
		del_timer(&n->timer);
		if (new_state & NUD_PROBE)
			n->probes = 0;
		if (new_state & NUD_IN_TIMER)
			mod_timer(&n->timer, now + ((new_state & NUD_REACHABLE) ?
						    tbl->reachable_time : 0));
		n->nud_state = new_state;
	}
	if (change_ha) {
		memcpy(n->ha, lladdr, ETH_ALEN);
		if (!(new_state & NUD_CONNECTED))
			n->confirmed = now - 2 * neigh_base_reachable_time(tbl);
	}
	if (new_state == old || (old & NUD_VALID))
		return 0;
	/* Resolved: what waited goes, for as long as the entry stays valid. */
	while ((n->nud_state & NUD_VALID) &&
	       (skb = __skb_dequeue(&n->arp_queue)) != NULL)
		neigh_xmit(n->dev, skb, n->ha);
	skb_queue_purge_reason(&n->arp_queue, SKB_DROP_REASON_NEIGH_DEAD);
	return 0;
}

/* Every change of state or address is announced (neigh_update_notify). */
int neigh_update(struct neighbour *n, const unsigned char *lladdr,
		 uint8_t new_state, unsigned int flags)
{
	uint8_t old = n->nud_state;
	unsigned char ha[ETH_ALEN];
	int err;

	memcpy(ha, n->ha, ETH_ALEN);
	err = __neigh_update(n, lladdr, new_state, flags);
	if (!err && (n->nud_state != old || memcmp(ha, n->ha, ETH_ALEN)))
		neigh_notify(n, RTM_NEWNEIGH);
	return err;
}

void neigh_remove(struct neighbour *n)
{
	neigh_destroy(n, SKB_DROP_REASON_NEIGH_DEAD);
}

struct neighbour *neigh_event_ns(struct neigh_table *tbl,
				 const unsigned char *lladdr, uint32_t key,
				 struct net_device *dev)
{
	struct neighbour *n = neigh_lookup_create(tbl, dev, key);

	if (n)
		neigh_update(n, lladdr, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE);
	return n;
}

void neigh_ifdown(struct neigh_table *tbl, struct net_device *dev)
{
	struct hlist_node *p, *next;
	struct neighbour *n;

	for (unsigned int b = 0; b <= tbl->hash_mask; b++) {
		for (p = tbl->hash[b].first; p; p = next) {
			next = p->next;
			n = hlist_entry(p, struct neighbour, node);
			if (!dev || n->dev == dev)
				neigh_destroy(n, SKB_DROP_REASON_NEIGH_DEAD);
		}
	}
}

/*
 * Periodic collection, as neigh_periodic_work(): above gc_thresh1 entries,
 * FAILED ones and those unused for gc_stale_time go. Also draws a new
 * reachable_time every 300 s.
 */
static void neigh_periodic_work(struct timer_list *t)
{
	struct neigh_table *tbl = container_of(t, struct neigh_table, gc_timer);
	uint64_t now = net_jiffies(tbl->net);
	uint64_t stale = (uint64_t)neigh_parms(tbl)->neigh_gc_stale_time * HZ;
	struct hlist_node *p, *next;
	struct neighbour *n;

	if (time_after64(now, tbl->last_rand + NEIGH_RAND_PERIOD_MS)) {
		tbl->last_rand = now;
		tbl->reachable_time = neigh_rand_reach_time(tbl);
	}
	if (tbl->entries < NEIGH_GC_THRESH1)
		goto out;
	for (unsigned int b = 0; b <= tbl->hash_mask; b++) {
		for (p = tbl->hash[b].first; p; p = next) {
			next = p->next;
			n = hlist_entry(p, struct neighbour, node);
			if (!neigh_collectable(n))
				continue;
			if (time_after64(n->confirmed, n->used))
				n->used = n->confirmed;
			if (n->nud_state == NUD_FAILED ||
			    time_after64(now, n->used + stale))
				neigh_destroy(n, SKB_DROP_REASON_NEIGH_DEAD);
		}
	}
out:
	mod_timer(&tbl->gc_timer, now + neigh_base_reachable_time(tbl) / 2 + 1);
}

struct neigh_table *neigh_table_alloc(struct usn_net *net)
{
	struct neigh_table *tbl = calloc(1, sizeof(*tbl));

	if (!tbl)
		return NULL;
	tbl->hash = calloc(NEIGH_HASH_MIN, sizeof(*tbl->hash));
	if (!tbl->hash) {
		free(tbl);
		return NULL;
	}
	tbl->hash_mask = NEIGH_HASH_MIN - 1;
	tbl->net = net;
	tbl->last_rand = net_jiffies(net);
	tbl->reachable_time = neigh_rand_reach_time(tbl);
	/* Deferrable: garbage collection never wakes an idle namespace. */
	timer_setup(&tbl->gc_timer, &net->timers_deferrable, neigh_periodic_work);
	mod_timer(&tbl->gc_timer, tbl->last_rand +
		  neigh_base_reachable_time(tbl) / 2 + 1);
	return tbl;
}

void neigh_table_free(struct neigh_table *tbl)
{
	if (!tbl)
		return;
	del_timer(&tbl->gc_timer);
	neigh_ifdown(tbl, NULL);
	free(tbl->hash);
	free(tbl);
}

/* ---- the contract (neighbour.h) ------------------------------------------------- */

int neigh_output(struct usn_net *net, struct net_device *dev,
		 uint32_t nexthop, struct sk_buff *skb)
{
	struct neigh_table *tbl = neigh_tbl(net);
	unsigned char ha[ETH_ALEN];
	struct neighbour *n;

	skb->dev = dev;
	skb_reset_network_header(skb);
	if (!netif_running(dev)) {
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_DEV_DOWN, false);
		return -ENETDOWN;
	}
	/* Link addresses that need no asking, as arp_constructor() decides. */
	if (ipv4_is_multicast(nexthop)) {
		if (dev->type == ARPHRD_ETHER) {
			arp_mc_map(nexthop, ha);
			return neigh_xmit(dev, skb, ha);
		}
		return neigh_xmit(dev, skb, dev->broadcast);
	}
	if (dev->flags & (IFF_LOOPBACK | IFF_NOARP))
		return neigh_xmit(dev, skb, dev->dev_addr);
	if (arp_is_broadcast(dev, nexthop))
		return neigh_xmit(dev, skb, dev->broadcast);

	n = tbl ? neigh_lookup_create(tbl, dev, nexthop) : NULL;
	if (!n) {
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_NEIGH_CREATEFAIL,
				     false);
		return -ENOBUFS;
	}
	if (neigh_event_send(n, skb))
		return 0;
	return neigh_xmit(dev, skb, n->ha);
}

int neigh_lookup_info(struct usn_net *net, int ifindex, uint32_t addr,
		      struct neigh_info *info)
{
	struct neigh_table *tbl = neigh_tbl(net);
	struct net_device *dev = dev_get_by_index(net, ifindex);
	struct neighbour *n;

	if (!dev)
		return -ENODEV;
	n = tbl ? neigh_lookup(tbl, dev, addr) : NULL;
	if (!n)
		return -ENOENT;
	memset(info, 0, sizeof(*info));
	info->ifindex = ifindex;
	info->addr = addr;
	info->state = n->nud_state;
	memcpy(info->lladdr, n->ha, ETH_ALEN);
	return 0;
}
