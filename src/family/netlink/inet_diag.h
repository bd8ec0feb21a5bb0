/* SPDX-License-Identifier: MIT */
/*
 * inet_diag.h - sock_diag for AF_INET, after include/linux/inet_diag.h:
 * SOCK_DIAG_BY_FAMILY with a struct inet_diag_req_v2 goes to the handler
 * of its protocol (tcp_diag.c, udp_diag.c), which walks its tables and
 * describes each socket as a struct inet_diag_entry; this file turns an
 * entry into the kernel's struct inet_diag_msg and attributes, and applies
 * the request's filters (idiag_states, ports; the whole 4-tuple and the
 * cookie for a single-socket request).
 */
#ifndef USN_FAMILY_NETLINK_INET_DIAG_H
#define USN_FAMILY_NETLINK_INET_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/inet_diag.h>
#include "family/netlink/sock_diag.h"

/* One socket, a request sock or a TIME_WAIT sock, as ss sees it. */
struct inet_diag_entry {
	uint8_t		state;		/* TCP_* (TIME_WAIT socks: their substate) */
	uint8_t		filter_state;	/* the state idiag_states is tested with */
	uint8_t		timer;		/* 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 probe */
	uint8_t		retrans;
	uint32_t	expires;	/* ms to the timer */
	uint32_t	saddr, daddr;	/* network order */
	uint16_t	sport, dport;	/* network order */
	int		bound_dev_if;
	uint32_t	rqueue, wqueue;
	uint32_t	uid;
	unsigned long	ino;
	uint64_t	cookie;
	struct sock	*sk;		/* a full socket: MEMINFO, TOS, SHUTDOWN... */
	const void	*info;		/* INET_DIAG_INFO (struct tcp_info) */
	size_t		info_len;
	const char	*cong;		/* INET_DIAG_CONG */
};

struct inet_diag_handler {
	uint8_t		idiag_type;	/* IPPROTO_TCP, IPPROTO_UDP */
	/*
	 * Fills @skb with the entries of cb->net that inet_diag_match()
	 * accepts, from where cb->args say; returns skb->len, or -errno if
	 * not one fits an empty buffer.
	 */
	int		(*dump)(struct sk_buff *skb, struct netlink_callback *cb,
				const struct inet_diag_req_v2 *r);
	/* Finds the socket @r names exactly: 0 with *e filled, or -ENOENT. */
	int		(*lookup)(struct usn_net *net,
				  const struct inet_diag_req_v2 *r,
				  struct inet_diag_entry *e, void *info_buf,
				  size_t info_size);
};

int inet_diag_register(const struct inet_diag_handler *h);

bool inet_diag_match(const struct inet_diag_entry *e,
		     const struct inet_diag_req_v2 *r);
/* The 4-tuple, device and cookie of a single-socket request. */
bool inet_diag_match_exact(const struct inet_diag_entry *e,
			   const struct inet_diag_req_v2 *r);
/* One SOCK_DIAG_BY_FAMILY answer about @e; -EMSGSIZE if it does not fit. */
int inet_diag_fill(struct sk_buff *skb, const struct inet_diag_entry *e,
		   const struct inet_diag_req_v2 *r, uint32_t portid,
		   uint32_t seq, int nlmsg_flags);
/* Adds @e to a dump when @r matches it: 0, or -EMSGSIZE if it does not fit. */
int inet_diag_dump_entry(struct sk_buff *skb, struct netlink_callback *cb,
			 const struct inet_diag_req_v2 *r,
			 const struct inet_diag_entry *e);

/* The request a dump was started with. */
static inline const struct inet_diag_req_v2 *
inet_diag_cb_req(const struct netlink_callback *cb)
{
	return nlmsg_data(cb->nlh);
}

#endif
