/* SPDX-License-Identifier: MIT */
/*
 * fib.h - the forwarding information base of a namespace (fib.c), shared
 * by route.c only: the kernel's local and main tables, each a set of 33
 * hash tables, one per prefix length, searched from /32 down to /0 and
 * skipping empty lengths with a bitmap. Within a hash chain the routes are
 * kept in order of priority (metric), so the first match is the best.
 */
#ifndef USN_NETWORK_IPV4_FIB_H
#define USN_NETWORK_IPV4_FIB_H

#include <stdbool.h>
#include <stdint.h>
#include "core/list.h"

struct net_device;
struct flowi4;

/* The kernel's two tables, in the order the default rules consult them. */
enum fib_table_id {
	FIB_TABLE_LOCAL,
	FIB_TABLE_MAIN,
	FIB_TABLES,
};

/* Who made a route (rtm_protocol): RTPROT_KERNEL for an address's, RTPROT_BOOT... */
#include <linux/rtnetlink.h>

/* One route: the kernel's fib_alias and fib_info with one next hop. */
struct fib_alias {
	struct hlist_node	fa_node;	/* in its prefix length's chain */
	uint32_t		fa_dst;		/* network order, host bits clear */
	uint8_t			fa_dst_len;
	uint8_t			fa_type;	/* RTN_* */
	uint8_t			fa_scope;	/* RT_SCOPE_* */
	uint8_t			fa_protocol;	/* RTPROT_* */
	uint32_t		fa_priority;	/* metric: lower wins */
	uint32_t		fa_prefsrc;
	uint32_t		fa_gw;		/* 0: on-link */
	struct net_device	*fa_dev;	/* NULL for reject routes */
	unsigned int		fa_mtu;		/* 0: the device's */
};

struct fib_plen {
	struct hlist_head	*buckets;
	unsigned int		mask;		/* buckets - 1 (a power of two) */
	unsigned int		count;
};

struct fib_tb {
	uint64_t		plen_map;	/* bit n: routes of length n exist */
	struct fib_plen		plen[33];
};

struct fib_table {
	struct fib_tb		tb[FIB_TABLES];
	unsigned int		routes;
	struct usn_net		*net;	/* whose changes are announced (fib_nl.c) */
	bool			quiet;	/* a flush the kernel does not announce */
};

/* RT_TABLE_LOCAL / RT_TABLE_MAIN of a table. */
static inline uint32_t fib_table_rt_id(enum fib_table_id id)
{
	return id == FIB_TABLE_LOCAL ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
}

/*
 * fib_nl.c: announces a route added (RTM_NEWROUTE) or removed
 * (RTM_DELROUTE) to RTNLGRP_IPV4_ROUTE; @nlflags as the request's.
 */
struct usn_net;
void rtmsg_fib(struct usn_net *net, int event, enum fib_table_id id,
	       const struct fib_alias *fa, unsigned int nlflags);

struct fib_table *fib_table_alloc(void);
void fib_table_free(struct fib_table *fib);

/*
 * Adds a copy of @tmpl to table @id. With @excl, a route of the same prefix
 * and priority is a duplicate (-EEXIST), as `ip route add` (NLM_F_EXCL);
 * without, only an identical route is (the kernel's own routes).
 */
int fib_table_insert(struct fib_table *fib, enum fib_table_id id,
		     const struct fib_alias *tmpl, bool excl);
void fib_alias_remove(struct fib_table *fib, enum fib_table_id id,
		      struct fib_alias *fa);

/* Routes of one prefix in table @id, best first (NULL-terminated walk). */
struct fib_alias *fib_table_first(struct fib_table *fib, enum fib_table_id id,
				  uint32_t dst, int dst_len);
struct fib_alias *fib_table_next(struct fib_alias *fa);

/*
 * Longest prefix match in table @id for @fl4 (daddr, oif, scope): 0 with
 * *res, -ENETUNREACH when nothing matches, or the error of a reject route
 * (-EHOSTUNREACH unreachable, -EINVAL blackhole, -EACCES prohibit).
 */
int fib_table_lookup(struct fib_table *fib, enum fib_table_id id,
		     const struct flowi4 *fl4, struct fib_alias **res);
/* The default rules: the local table, then main. */
int fib_lookup(struct fib_table *fib, const struct flowi4 *fl4,
	       struct fib_alias **res);

/* Removes every route @match accepts; returns how many. */
unsigned int fib_flush(struct fib_table *fib,
		       bool (*match)(const struct fib_alias *fa, const void *arg),
		       const void *arg);

/* route.c: the device that owns local address @addr, NULL if none. */
struct usn_net;
struct net_device *__ip_dev_find(struct usn_net *net, uint32_t addr);
struct fib_table *net_fib(struct usn_net *net);

#endif
