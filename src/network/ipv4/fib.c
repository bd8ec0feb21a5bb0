/* SPDX-License-Identifier: MIT */
/*
 * fib.c - the routing tables of a namespace: insertion in metric order,
 * removal, and longest prefix match, after net/ipv4/fib_trie.c's
 * fib_table_insert/fib_table_lookup, on hash tables instead of a trie.
 *
 * A lookup tests at most one hash chain per prefix length in use (a
 * namespace typically has three or four: /32, /24, /8, /0), never every
 * route. Chains double when they grow past two routes a bucket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include "network/ipv4/devinet.h"
#include "network/ipv4/fib.h"
#include "network/ipv4/route.h"
#include "link/netdevice.h"

#define FIB_HASH_MIN	8

/* What a route type means for a lookup: its error, after fib_props[]. */
static const int fib_type_error[RTN_XRESOLVE + 1] = {
	[RTN_BLACKHOLE]		= -EINVAL,
	[RTN_UNREACHABLE]	= -EHOSTUNREACH,
	[RTN_PROHIBIT]		= -EACCES,
	[RTN_THROW]		= -EAGAIN,	/* leave this table */
	[RTN_NAT]		= -EINVAL,
	[RTN_XRESOLVE]		= -EINVAL,
};

static unsigned int fib_hash(uint32_t dst, unsigned int mask)
{
	uint32_t h = ntohl(dst) * 0x9e3779b1u;

	return (h ^ (h >> 15)) & mask;
}

struct fib_table *fib_table_alloc(void)
{
	return calloc(1, sizeof(struct fib_table));
}

void fib_table_free(struct fib_table *fib)
{
	struct fib_alias *fa;

	if (!fib)
		return;
	for (int id = 0; id < FIB_TABLES; id++) {
		for (int len = 0; len <= 32; len++) {
			struct fib_plen *pl = &fib->tb[id].plen[len];

			if (!pl->buckets)
				continue;
			for (unsigned int b = 0; b <= pl->mask; b++) {
				while (pl->buckets[b].first) {
					fa = hlist_entry(pl->buckets[b].first,
							 struct fib_alias, fa_node);
					hlist_del_init(&fa->fa_node);
					free(fa);
				}
			}
			free(pl->buckets);
		}
	}
	free(fib);
}

/* Links @fa after the last route of its chain with a priority <= its own. */
static void fib_chain_add(struct hlist_head *head, struct fib_alias *fa)
{
	struct hlist_node **pp = &head->first;
	struct fib_alias *pos;

	while (*pp) {
		pos = hlist_entry(*pp, struct fib_alias, fa_node);
		if (pos->fa_priority > fa->fa_priority)
			break;
		pp = &(*pp)->next;
	}
	fa->fa_node.next = *pp;
	if (*pp)
		(*pp)->pprev = &fa->fa_node.next;
	*pp = &fa->fa_node;
	fa->fa_node.pprev = pp;
}

/* Doubles the buckets of @pl (or makes the first ones); false without memory. */
static bool fib_plen_grow(struct fib_plen *pl)
{
	unsigned int n = pl->buckets ? (pl->mask + 1) * 2 : FIB_HASH_MIN;
	struct hlist_head *nb = calloc(n, sizeof(*nb));
	struct fib_alias *fa;

	if (!nb)
		return false;
	if (pl->buckets) {
		for (unsigned int b = 0; b <= pl->mask; b++) {
			/* Taken from the front, appended in order: order is kept. */
			while (pl->buckets[b].first) {
				fa = hlist_entry(pl->buckets[b].first,
						 struct fib_alias, fa_node);
				hlist_del_init(&fa->fa_node);
				fib_chain_add(&nb[fib_hash(fa->fa_dst, n - 1)], fa);
			}
		}
		free(pl->buckets);
	}
	pl->buckets = nb;
	pl->mask = n - 1;
	return true;
}

static bool fib_alias_same(const struct fib_alias *a, const struct fib_alias *b)
{
	return a->fa_type == b->fa_type && a->fa_scope == b->fa_scope &&
	       a->fa_priority == b->fa_priority && a->fa_prefsrc == b->fa_prefsrc &&
	       a->fa_gw == b->fa_gw && a->fa_dev == b->fa_dev &&
	       a->fa_mtu == b->fa_mtu;
}

struct fib_alias *fib_table_first(struct fib_table *fib, enum fib_table_id id,
				  uint32_t dst, int dst_len)
{
	struct fib_plen *pl = &fib->tb[id].plen[dst_len];
	struct fib_alias *fa;

	if (!pl->count)
		return NULL;
	hlist_for_each_entry(fa, &pl->buckets[fib_hash(dst, pl->mask)], fa_node)
		if (fa->fa_dst == dst)
			return fa;
	return NULL;
}

struct fib_alias *fib_table_next(struct fib_alias *fa)
{
	struct hlist_node *n;
	struct fib_alias *next;

	for (n = fa->fa_node.next; n; n = n->next) {
		next = hlist_entry(n, struct fib_alias, fa_node);
		if (next->fa_dst == fa->fa_dst)
			return next;
	}
	return NULL;
}

int fib_table_insert(struct fib_table *fib, enum fib_table_id id,
		     const struct fib_alias *tmpl, bool excl)
{
	struct fib_tb *tb = &fib->tb[id];
	struct fib_plen *pl = &tb->plen[tmpl->fa_dst_len];
	struct fib_alias *fa;

	for (fa = fib_table_first(fib, id, tmpl->fa_dst, tmpl->fa_dst_len); fa;
	     fa = fib_table_next(fa)) {
		if (excl ? fa->fa_priority == tmpl->fa_priority :
			   fib_alias_same(fa, tmpl))
			return -EEXIST;
	}
	if ((!pl->buckets || pl->count >= 2 * (pl->mask + 1)) &&
	    !fib_plen_grow(pl) && !pl->buckets)
		return -ENOMEM;
	fa = malloc(sizeof(*fa));
	if (!fa)
		return -ENOMEM;
	*fa = *tmpl;
	INIT_HLIST_NODE(&fa->fa_node);
	fib_chain_add(&pl->buckets[fib_hash(fa->fa_dst, pl->mask)], fa);
	pl->count++;
	tb->plen_map |= 1ULL << fa->fa_dst_len;
	fib->routes++;
	if (fib->net)
		rtmsg_fib(fib->net, RTM_NEWROUTE, id, fa,
			  NLM_F_CREATE | (excl ? NLM_F_EXCL : NLM_F_APPEND));
	return 0;
}

void fib_alias_remove(struct fib_table *fib, enum fib_table_id id,
		      struct fib_alias *fa)
{
	struct fib_tb *tb = &fib->tb[id];
	struct fib_plen *pl = &tb->plen[fa->fa_dst_len];

	if (fib->net && !fib->quiet)
		rtmsg_fib(fib->net, RTM_DELROUTE, id, fa, 0);
	hlist_del_init(&fa->fa_node);
	if (!--pl->count)
		tb->plen_map &= ~(1ULL << fa->fa_dst_len);
	fib->routes--;
	free(fa);
}

/* The routes of one prefix length that match @daddr, best first. */
static int fib_plen_lookup(struct fib_plen *pl, uint32_t key,
			   const struct flowi4 *fl4, struct fib_alias **res)
{
	struct fib_alias *fa;
	int err;

	hlist_for_each_entry(fa, &pl->buckets[fib_hash(key, pl->mask)], fa_node) {
		if (fa->fa_dst != key)
			continue;
		if (fa->fa_scope < fl4->flowi4_scope)
			continue;
		/* A reject route answers before any next hop is looked at. */
		err = fib_type_error[fa->fa_type];
		if (err)
			return err;
		if (fl4->flowi4_oif && fa->fa_dev &&
		    fa->fa_dev->ifindex != fl4->flowi4_oif)
			continue;
		*res = fa;
		return 0;
	}
	return -ENETUNREACH;
}

int fib_table_lookup(struct fib_table *fib, enum fib_table_id id,
		     const struct flowi4 *fl4, struct fib_alias **res)
{
	uint64_t map = fib->tb[id].plen_map;
	int len, err;

	while (map) {
		len = 63 - __builtin_clzll(map);
		map &= ~(1ULL << len);
		err = fib_plen_lookup(&fib->tb[id].plen[len],
				      fl4->daddr & inet_make_mask(len), fl4, res);
		if (err != -ENETUNREACH)
			return err == -EAGAIN ? -ENETUNREACH : err;
	}
	return -ENETUNREACH;
}

int fib_lookup(struct fib_table *fib, const struct flowi4 *fl4,
	       struct fib_alias **res)
{
	int err = fib_table_lookup(fib, FIB_TABLE_LOCAL, fl4, res);

	if (err != -ENETUNREACH)
		return err;
	return fib_table_lookup(fib, FIB_TABLE_MAIN, fl4, res);
}

unsigned int fib_flush(struct fib_table *fib,
		       bool (*match)(const struct fib_alias *fa, const void *arg),
		       const void *arg)
{
	struct hlist_node *n, *next;
	struct fib_alias *fa;
	unsigned int removed = 0;

	for (int id = 0; id < FIB_TABLES; id++) {
		for (int len = 0; len <= 32; len++) {
			struct fib_plen *pl = &fib->tb[id].plen[len];

			if (!pl->count)
				continue;
			for (unsigned int b = 0; b <= pl->mask; b++) {
				for (n = pl->buckets[b].first; n; n = next) {
					next = n->next;
					fa = hlist_entry(n, struct fib_alias, fa_node);
					if (!match(fa, arg))
						continue;
					fib_alias_remove(fib, id, fa);
					removed++;
				}
			}
		}
	}
	return removed;
}
