/* SPDX-License-Identifier: MIT */
/*
 * protocol.h - the table of transport protocols IPv4 delivers to, by IP
 * protocol number, after include/net/protocol.h: inet_protos[].
 */
#ifndef USN_NETWORK_IPV4_PROTOCOL_H
#define USN_NETWORK_IPV4_PROTOCOL_H

#include <stdint.h>

struct sk_buff;

struct net_protocol {
	/* Consumes @skb: data at the transport header, network header set. */
	int	(*handler)(struct sk_buff *skb);
	/*
	 * An ICMP error about a datagram of this protocol: @skb's data is the
	 * quoted IP header (network header set), at least 8 bytes of its
	 * payload follow; @info is the ICMP type << 8 | code in the low 16
	 * bits and the next-hop MTU (frag needed) above. Does not consume.
	 */
	int	(*err_handler)(struct sk_buff *skb, uint32_t info);
};

int inet_add_protocol(const struct net_protocol *prot, unsigned char protocol);
int inet_del_protocol(const struct net_protocol *prot, unsigned char protocol);
const struct net_protocol *inet_protocol(unsigned char protocol);

#endif
