/* SPDX-License-Identifier: MIT */
/*
 * icmp.h - ICMP for IPv4 (RFC 792, RFC 1122), after net/ipv4/icmp.c:
 * echo replies, errors sent with the kernel's rate limits, and errors
 * received handed to the protocol (and the socket) they are about.
 */
#ifndef USN_NETWORK_IPV4_ICMP_H
#define USN_NETWORK_IPV4_ICMP_H

#include <stdbool.h>
#include <stdint.h>

struct sk_buff;

#define ICMP_ECHOREPLY		0
#define ICMP_DEST_UNREACH	3
#define ICMP_SOURCE_QUENCH	4
#define ICMP_REDIRECT		5
#define ICMP_ECHO		8
#define ICMP_TIME_EXCEEDED	11
#define ICMP_PARAMETERPROB	12
#define ICMP_TIMESTAMP		13
#define ICMP_TIMESTAMPREPLY	14

/* codes of ICMP_DEST_UNREACH */
#define ICMP_NET_UNREACH	0
#define ICMP_HOST_UNREACH	1
#define ICMP_PROT_UNREACH	2
#define ICMP_PORT_UNREACH	3
#define ICMP_FRAG_NEEDED	4
#define ICMP_SR_FAILED		5
/* codes of ICMP_TIME_EXCEEDED */
#define ICMP_EXC_TTL		0
#define ICMP_EXC_FRAGTIME	1

#define ICMP_HLEN		8

/*
 * Sends an ICMP error about @skb_in (network header set, the offending
 * datagram) to its source, unless the rules of RFC 1122 3.2.2 forbid it (an
 * error about an error, a fragment other than the first, a broadcast) or
 * the rate limit says no. Does not consume @skb_in.
 */
void icmp_send(struct sk_buff *skb_in, int type, int code, uint32_t info);
int icmp_rcv(struct sk_buff *skb);
/* The errno an ICMP error means for a socket, and whether it is fatal (icmp_err_convert). */
int icmp_err_errno(int type, int code, bool *fatal);

#endif
