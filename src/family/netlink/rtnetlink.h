/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink.h - NETLINK_ROUTE, after include/net/rtnetlink.h: a table of
 * (family, message type) -> doit (one request) and dumpit (NLM_F_DUMP)
 * filled at start-up by the code each message exposes (links in
 * src/link/rtnl_link.c, addresses in src/network/ipv4/devinet_nl.c, routes
 * in src/network/ipv4/fib_nl.c, neighbours in src/network/arp/neigh_nl.c),
 * and the notifications of every change to the RTNLGRP_* groups.
 *
 * A change made by a request is announced with the request's port id and
 * sequence number (and echoed to the requester with NLM_F_ECHO); a change
 * made any other way (a device event, ARP) with 0 and 0, as the kernel's.
 */
#ifndef USN_FAMILY_NETLINK_RTNETLINK_H
#define USN_FAMILY_NETLINK_RTNETLINK_H

#include <stdint.h>
#include <linux/rtnetlink.h>
#include "family/netlink/af_netlink.h"

struct usn_net;

typedef int (*rtnl_doit_func)(struct sk_buff *skb, struct nlmsghdr *nlh);
typedef int (*rtnl_dumpit_func)(struct sk_buff *skb,
				struct netlink_callback *cb);

/* Registers the handlers of @msgtype for @family (PF_UNSPEC: any family). */
int rtnl_register(int family, int msgtype, rtnl_doit_func doit,
		  rtnl_dumpit_func dumpit);

/* Sends a reply to @portid in @net; consumes @skb. */
int rtnl_unicast(struct sk_buff *skb, struct usn_net *net, uint32_t portid);

/*
 * The port id and sequence number a notification about a change in @net
 * carries: the request being handled, or 0 and 0.
 */
void rtnl_notify_info(struct usn_net *net, uint32_t *portid, uint32_t *seq);

/* Announces @skb to @group in @net (and echoes it when asked); consumes it. */
void rtnl_notify(struct sk_buff *skb, struct usn_net *net, unsigned int group);

/*
 * The two halves of every notification around its fill function:
 * rtnl_notify_new() is a @size-byte buffer and the *@portid and *@seq the
 * message is to carry (rtnl_notify_info()), or NULL when nobody listens
 * to @group or there is no memory; rtnl_notify_send() announces it, or
 * drops it when filling it failed (@err).
 */
struct sk_buff *rtnl_notify_new(struct usn_net *net, unsigned int group,
				unsigned int size, uint32_t *portid,
				uint32_t *seq);
void rtnl_notify_send(struct sk_buff *skb, struct usn_net *net,
		      unsigned int group, int err);

/*
 * Answers the request in @in_skb with @skb, which its fill function
 * returned @err for; consumes @skb. 0, @err, or -ENOBUFS when the reply
 * could not be queued.
 */
int rtnl_reply(struct sk_buff *skb, struct sk_buff *in_skb, int err);

/* Nobody is listening to @group: a notification need not be built. */
static inline bool rtnl_has_listeners(struct usn_net *net, unsigned int group)
{
	return netlink_has_listeners(net, NETLINK_ROUTE, group);
}

/* The start-up steps of each part (called by rtnetlink_init). */
int rtnl_link_init(void);
int devinet_nl_init(void);
int fib_nl_init(void);
int neigh_nl_init(void);

#endif
