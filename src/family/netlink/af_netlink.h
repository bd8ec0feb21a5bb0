/* SPDX-License-Identifier: MIT */
/*
 * af_netlink.h - the netlink family (PF_NETLINK), after
 * include/linux/netlink.h and net/netlink/af_netlink.c: user sockets of a
 * namespace addressed by port id, multicast groups, and the kernel side of
 * each protocol (NETLINK_ROUTE, NETLINK_SOCK_DIAG), which is an input
 * function that runs, under the namespace lock, in the sending thread.
 *
 *   user sendmsg to port 0  -> netlink_kernel_cfg.input(skb) (rtnetlink_rcv,
 *                              sock_diag_rcv): each message to a handler,
 *                              NLMSG_ERROR acks
 *   replies                 -> netlink_unicast() to the sender's port id
 *   events                  -> netlink_broadcast() to a group's members
 *   dumps                   -> netlink_dump_start(): one sk_buff of
 *                              answers per round, the next round when the
 *                              reader has drained half its buffer
 */
#ifndef USN_FAMILY_NETLINK_AF_NETLINK_H
#define USN_FAMILY_NETLINK_AF_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>
#include "core/list.h"
#include "family/netlink/nlattr.h"
#include "socket/sock.h"

struct usn_net;

#define NL_MAX_LINKS		32	/* protocols, as MAX_LINKS */
#define NL_MAX_GROUPS		64	/* groups a socket can join */

/* What netlink keeps in skb->cb: who sent it, to which group. */
struct netlink_skb_parms {
	uint32_t	portid;
	uint32_t	dst_group;
	struct sock	*sk;		/* the sender */
	bool		kern_cap;	/* sent by usnet itself: every capability */
};

#define NETLINK_CB(skb)	(*(struct netlink_skb_parms *)(void *)(skb)->cb)

/* A dump in progress (struct netlink_callback). */
struct netlink_callback {
	struct sk_buff		*skb;		/* the request */
	const struct nlmsghdr	*nlh;		/* its message, in @skb */
	int			(*dump)(struct sk_buff *skb,
					struct netlink_callback *cb);
	int			(*done)(struct netlink_callback *cb);
	struct usn_net		*net;
	uint32_t		portid;		/* the requester */
	uint32_t		seq;
	unsigned int		min_dump_alloc;
	long			args[6];	/* where the dump stopped */
	void			*data;		/* the dumper's own state */
};

struct netlink_dump_control {
	int	(*dump)(struct sk_buff *skb, struct netlink_callback *cb);
	int	(*done)(struct netlink_callback *cb);
	void	*data;
	unsigned int min_dump_alloc;
};

/* The kernel side of a protocol, registered once at start-up. */
struct netlink_kernel_cfg {
	unsigned int	groups;		/* multicast groups it has */
	unsigned int	flags;		/* NL_CFG_F_* */
	void		(*input)(struct sk_buff *skb);
};

/* Any process may join the groups (they are not only for CAP_NET_ADMIN). */
#define NL_CFG_F_NONROOT_RECV	0x1
#define NL_CFG_F_NONROOT_SEND	0x2

int netlink_kernel_register(int unit, const struct netlink_kernel_cfg *cfg);

/* The namespace a request came from. */
static inline struct usn_net *netlink_skb_net(const struct sk_buff *skb)
{
	return sock_net(NETLINK_CB(skb).sk);
}

/* May the sender of @skb do what @cap allows (CAP_NET_ADMIN)? */
bool netlink_net_capable(const struct sk_buff *skb, int cap);

/*
 * Sends @skb to the @unit socket bound to @portid in @net (0: the kernel
 * side); consumes it. A full receiver loses it (-EAGAIN, and ENOBUFS is
 * reported to it), as for the kernel's MSG_DONTWAIT sends.
 */
int netlink_unicast(struct usn_net *net, int unit, struct sk_buff *skb,
		    uint32_t portid);
/*
 * Sends a copy of @skb to every member of @group in @net but @exclude
 * (0: nobody); consumes it. Members whose buffer is full miss it and are
 * told ENOBUFS, as the kernel's netlink_overrun().
 */
int netlink_broadcast(struct usn_net *net, int unit, struct sk_buff *skb,
		      uint32_t exclude, unsigned int group);
/* Has @group of protocol @unit any member in @net? */
bool netlink_has_listeners(struct usn_net *net, int unit, unsigned int group);

/* Answers @nlh (received in @in_skb) with NLMSG_ERROR carrying @err. */
void netlink_ack(struct sk_buff *in_skb, const struct nlmsghdr *nlh, int err);

/*
 * Runs each message of @skb through @cb, acking as the kernel does: an
 * error, or success when NLM_F_ACK asked for it; -EINTR (a dump started)
 * sends nothing.
 */
int netlink_rcv_skb(struct sk_buff *skb,
		    int (*cb)(struct sk_buff *skb, struct nlmsghdr *nlh));

/* Starts a dump of @nlh for its sender; returns -EINTR (no ack) or an error. */
int netlink_dump_start(struct sk_buff *skb, const struct nlmsghdr *nlh,
		       const struct netlink_dump_control *control);

/*
 * What a dump function returns once a round stops, on @err or at the end:
 * the bytes it put in @skb, which the next round goes on from, or @err
 * when not even one answer fitted the empty buffer (the dump cannot go on).
 */
static inline int netlink_dump_ret(const struct sk_buff *skb, int err)
{
	if (err && !skb->len)
		return err;
	return (int)skb->len;
}

/*
 * usnet's own requests (the usn_* configuration calls): sends @req (with
 * NLM_F_ACK) to protocol @unit's kernel side in @net from a socket with
 * every capability, and returns the error of its NLMSG_ERROR answer.
 * Takes the namespace lock.
 */
int netlink_kern_request(struct usn_net *net, int unit, struct nlmsghdr *req);

/* A request being built for netlink_kern_request(), on the caller's stack. */
struct nl_kreq {
	union {
		struct nlmsghdr	nlh;
		uint8_t		buf[512];
	};
};

/* Starts @r as a @type message with a zeroed @hdrlen-byte header; returns it. */
void *nl_kreq_init(struct nl_kreq *r, int type, int flags, size_t hdrlen);
/* Appends an attribute; -EMSGSIZE when the request is full. */
int nl_kreq_put(struct nl_kreq *r, int attrtype, const void *data, size_t len);

/* The start-up step: PF_NETLINK, its per-namespace tables, rtnetlink, sock_diag. */
int netlink_proto_init(void);

#endif
