/* SPDX-License-Identifier: MIT */
/*
 * snmp.h - the IPv4 counters of a namespace under the names of the kernel's
 * /proc/net/snmp (RFC 4293, RFC 4113). Every packet the IPv4 layers drop
 * or deliver is counted under exactly one of them; usn_snmp() reads them by
 * "Ip.InHdrErrors"-style names.
 */
#ifndef USN_NETWORK_IPV4_SNMP_H
#define USN_NETWORK_IPV4_SNMP_H

#include <stdint.h>

#define IP_MIB(X)							\
	X(InReceives) X(InHdrErrors) X(InTooBigErrors) X(InNoRoutes)	\
	X(InAddrErrors) X(InUnknownProtos) X(InTruncatedPkts)		\
	X(InDiscards) X(InDelivers) X(OutForwDatagrams) X(OutRequests)	\
	X(OutDiscards) X(OutNoRoutes) X(ReasmTimeout) X(ReasmReqds)	\
	X(ReasmOKs) X(ReasmFails) X(FragOKs) X(FragFails) X(FragCreates) \
	X(InCsumErrors) X(ReasmOverlaps)

#define ICMP_MIB(X)							\
	X(InMsgs) X(InErrors) X(InCsumErrors) X(InDestUnreachs)		\
	X(InTimeExcds) X(InParmProbs) X(InEchos) X(InEchoReps)		\
	X(OutMsgs) X(OutErrors) X(OutRateLimitGlobal) X(OutRateLimitHost) \
	X(OutDestUnreachs) X(OutTimeExcds) X(OutParmProbs) X(OutEchos)	\
	X(OutEchoReps)

#define UDP_MIB(X)							\
	X(InDatagrams) X(NoPorts) X(InErrors) X(OutDatagrams)		\
	X(RcvbufErrors) X(SndbufErrors) X(InCsumErrors) X(IgnoredMulti)

/* Neighbour (ARP) table statistics, after `ip -s ntable`. */
#define ARP_MIB(X)							\
	X(InRequests) X(InReplies) X(InErrors) X(OutRequests)		\
	X(OutReplies) X(ResolutionFailed) X(UnresDiscards)

#define IP_MIB_ENUM(name)	IPSTATS_MIB_##name,
#define ICMP_MIB_ENUM(name)	ICMP_MIB_##name,
#define UDP_MIB_ENUM(name)	UDP_MIB_##name,
#define ARP_MIB_ENUM(name)	ARP_MIB_##name,
enum ip_mib { IP_MIB(IP_MIB_ENUM) IPSTATS_MIB_MAX };
enum icmp_mib { ICMP_MIB(ICMP_MIB_ENUM) ICMP_MIB_MAX };
enum udp_mib { UDP_MIB(UDP_MIB_ENUM) UDP_MIB_MAX };
enum arp_mib { ARP_MIB(ARP_MIB_ENUM) ARP_MIB_MAX };

struct ipv4_mibs {
	uint64_t ip[IPSTATS_MIB_MAX];
	uint64_t icmp[ICMP_MIB_MAX];
	uint64_t icmp_in_type[256];	/* IcmpMsg InTypeN */
	uint64_t icmp_out_type[256];	/* IcmpMsg OutTypeN */
	uint64_t udp[UDP_MIB_MAX];
	uint64_t arp[ARP_MIB_MAX];
};

/*
 * Counting happens under the namespace lock: plain increments.
 * IP_INC_STATS(net, InHdrErrors) counts Ip.InHdrErrors.
 */
#define IP_INC_STATS(net, field)	((net)->ipv4->mib.ip[IPSTATS_MIB_##field]++)
#define IP_ADD_STATS(net, field, n)	((net)->ipv4->mib.ip[IPSTATS_MIB_##field] += (n))
#define ICMP_INC_STATS(net, field)	((net)->ipv4->mib.icmp[ICMP_MIB_##field]++)
#define UDP_INC_STATS(net, field)	((net)->ipv4->mib.udp[UDP_MIB_##field]++)
#define ARP_INC_STATS(net, field)	((net)->ipv4->mib.arp[ARP_MIB_##field]++)

#endif
