/* SPDX-License-Identifier: MIT */
/*
 * ping.h - ICMP echo sockets (SOCK_DGRAM, IPPROTO_ICMP), after
 * net/ipv4/ping.c: an unprivileged ping, allowed for the groups in
 * net.ipv4.ping_group_range. The socket sends echo requests whose
 * identifier is its "port", and receives the matching echo replies.
 */
#ifndef USN_TRANSPORT_PING_PING_H
#define USN_TRANSPORT_PING_PING_H

#include <stdbool.h>
#include <stdint.h>

struct sk_buff;

int ping_init(void);
/* An echo reply (@skb data at the ICMP header): true if a ping socket took it. Consumes it then. */
bool ping_rcv(struct sk_buff *skb);
/* An ICMP error about an echo request a ping socket sent. */
void ping_err(struct sk_buff *skb, uint32_t info);

#endif
