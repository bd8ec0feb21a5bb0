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
#define ICMP_INFO_REQUEST	15
#define ICMP_INFO_REPLY		16
#define ICMP_ADDRESS		17
#define ICMP_ADDRESSREPLY	18
#define NR_ICMP_TYPES		18

/* codes of ICMP_DEST_UNREACH */
#define ICMP_NET_UNREACH	0
#define ICMP_HOST_UNREACH	1
#define ICMP_PROT_UNREACH	2
#define ICMP_PORT_UNREACH	3
#define ICMP_FRAG_NEEDED	4
#define ICMP_SR_FAILED		5
#define ICMP_NET_UNKNOWN	6
#define ICMP_HOST_UNKNOWN	7
#define ICMP_HOST_ISOLATED	8
#define ICMP_NET_ANO		9
#define ICMP_HOST_ANO		10
#define ICMP_NET_UNR_TOS	11
#define ICMP_HOST_UNR_TOS	12
#define ICMP_PKT_FILTERED	13
#define ICMP_PREC_VIOLATION	14
#define ICMP_PREC_CUTOFF	15
#define NR_ICMP_UNREACH		15
/* codes of ICMP_TIME_EXCEEDED */
#define ICMP_EXC_TTL		0
#define ICMP_EXC_FRAGTIME	1

#define ICMP_HLEN		8

/*
 * The @info of an err_handler (protocol.h) and of raw_icmp_error(): the
 * ICMP type << 8 | code in the low 16 bits; above them the next-hop MTU of
 * a "fragmentation needed" (0 when the sender gave none or
 * ip_no_pmtu_disc is 1), the pointer of a "parameter problem", else 0.
 */
#define ICMP_INFO(type, code, data) \
	((uint32_t)(data) << 16 | (uint32_t)(type) << 8 | (uint32_t)(code))

static inline unsigned int icmp_info_type(uint32_t info) { return (info >> 8) & 0xff; }
static inline unsigned int icmp_info_code(uint32_t info) { return info & 0xff; }
static inline unsigned int icmp_info_data(uint32_t info) { return info >> 16; }
static inline unsigned int icmp_info_mtu(uint32_t info) { return info >> 16; }

/*
 * Sends an ICMP error about @skb_in (network header set, the offending
 * datagram) to its source, unless the rules of RFC 1122 3.2.2 forbid it (an
 * error about an error, a fragment other than the first, a broadcast) or
 * the rate limit says no. Does not consume @skb_in, whose ->dev must be set
 * (the device it came in on, or the route's for a datagram sent here).
 * @info is the rest of the ICMP header in host order: the next-hop MTU for
 * ICMP_FRAG_NEEDED, pointer << 24 for ICMP_PARAMETERPROB, else 0.
 */
int icmp_init(void);
void icmp_send(struct sk_buff *skb_in, int type, int code, uint32_t info);
int icmp_rcv(struct sk_buff *skb);
/*
 * The errno an ICMP error means for a socket, and whether it is fatal
 * (icmp_err_convert); 0 for messages a socket ignores (source quench,
 * redirect, types that are not errors).
 */
int icmp_err_errno(int type, int code, bool *fatal);

#endif
