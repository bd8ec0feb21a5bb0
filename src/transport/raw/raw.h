/* SPDX-License-Identifier: MIT */
/*
 * raw.h - raw IPv4 sockets (SOCK_RAW), after net/ipv4/raw.c: every raw
 * socket of a protocol gets a copy of each datagram of that protocol
 * delivered locally, IP header included, before the protocol's handler.
 */
#ifndef USN_TRANSPORT_RAW_RAW_H
#define USN_TRANSPORT_RAW_RAW_H

#include <stdbool.h>
#include <stdint.h>

struct sk_buff;

int raw_init(void);
/*
 * Gives a clone of @skb (data at the transport header, network header set)
 * to each raw socket bound to @protocol that accepts it. Returns true when
 * at least one raw socket of that protocol exists (then no "protocol
 * unreachable" is sent for a protocol without a handler). Traced as
 * raw_local_deliver->raw_v4_input->raw_rcv, only when a raw socket exists.
 */
bool raw_local_deliver(struct sk_buff *skb, uint8_t protocol);
/* An ICMP error about a datagram of @protocol: raw sockets with IP_RECVERR see it. */
void raw_icmp_error(struct sk_buff *skb, uint8_t protocol, uint32_t info);

#endif
