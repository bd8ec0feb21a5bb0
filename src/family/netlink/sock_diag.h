/* SPDX-License-Identifier: MIT */
/*
 * sock_diag.h - NETLINK_SOCK_DIAG, after include/linux/sock_diag.h: the
 * kernel side reads SOCK_DIAG_BY_FAMILY requests (struct sock_diag_req
 * first: family and protocol) and hands each to the handler its family
 * registered. inet_diag (AF_INET: TCP, UDP) is one such handler.
 *
 * Adding a family (AF_UNIX's unix_diag, AF_PACKET's packet_diag):
 *
 *	static int unix_diag_handler_dump(struct sk_buff *skb,
 *					  struct nlmsghdr *nlh)
 *	{
 *		check nlmsg_len(nlh) >= sizeof(struct unix_diag_req) (-EINVAL);
 *		NLM_F_DUMP: return netlink_dump_start(skb, nlh, &control);
 *		otherwise: find the one socket, answer with netlink_unicast().
 *	}
 *	static const struct sock_diag_handler unix_diag_handler = {
 *		.family	= AF_UNIX,
 *		.dump	= unix_diag_handler_dump,
 *	};
 *	sock_diag_register(&unix_diag_handler);	   (at the family's start-up)
 *
 * The dump callback walks the family's sockets of cb->net, skips the
 * first cb->args[0] it already sent, and returns skb->len (or a -errno if
 * not even one fits an empty buffer); sock_diag_ino()/sock_diag_uid()
 * give the udiag_ino/idiag_inode and uid fields.
 */
#ifndef USN_FAMILY_NETLINK_SOCK_DIAG_H
#define USN_FAMILY_NETLINK_SOCK_DIAG_H

#include <stdint.h>
#include <linux/sock_diag.h>
#include <stdatomic.h>
#include "family/netlink/af_netlink.h"
#include "socket/sock.h"

struct sock_diag_handler {
	int	family;
	/* SOCK_DIAG_BY_FAMILY: a dump (NLM_F_DUMP) or one socket. */
	int	(*dump)(struct sk_buff *skb, struct nlmsghdr *nlh);
	/* SOCK_DESTROY, NULL if the family has none (EOPNOTSUPP). */
	int	(*destroy)(struct sk_buff *skb, struct nlmsghdr *nlh);
};

/* -EBUSY if the family has one already, -EINVAL past AF_MAX. */
int sock_diag_register(const struct sock_diag_handler *h);
void sock_diag_unregister(const struct sock_diag_handler *h);

/* The inode number and owner of @sk's socket (0 once it is orphaned). */
unsigned long sock_diag_ino(const struct sock *sk);
uint32_t sock_diag_uid(const struct sock *sk);
/*
 * The cookie naming a socket (idiag_cookie / udiag_cookie), as the kernel's
 * sock_gen_cookie(): taken from a process-wide 64-bit counter the first
 * time it is asked for and kept in @slot, so a cookie never names a later
 * socket that reuses the memory, and no address leaks to the reader.
 */
uint64_t sock_gen_cookie(_Atomic uint64_t *slot);

/* The cookie is a cache set once: a const socket may still get it. */
static inline uint64_t sock_diag_cookie(const struct sock *sk)
{
	return sock_gen_cookie((_Atomic uint64_t *)&sk->sk_cookie);
}

/* Replies to a SOCK_DIAG request; consumes @skb. */
static inline int sock_diag_unicast(struct sk_buff *skb, struct usn_net *net,
				    uint32_t portid)
{
	return netlink_unicast(net, NETLINK_SOCK_DIAG, skb, portid);
}

int inet_diag_init(void);

#endif
