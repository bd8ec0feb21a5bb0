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

/* /proc/net/snmp "Tcp:" counters (RFC 4022) */
#define TCP_MIB(X)							\
	X(ActiveOpens) X(PassiveOpens) X(AttemptFails) X(EstabResets)	\
	X(CurrEstab) X(InSegs) X(OutSegs) X(RetransSegs) X(InErrs)	\
	X(OutRsts) X(InCsumErrors)

/* /proc/net/netstat "TcpExt:" counters TCP keeps, under the kernel's names */
#define LINUX_MIB(X)							\
	X(EmbryonicRsts) X(PruneCalled) X(OfoPruned) X(OutOfWindowIcmps) \
	X(TW) X(TWRecycled) X(TWKilled) X(PAWSEstab) X(DelayedACKs)	\
	X(DelayedACKLost) X(ListenOverflows) X(ListenDrops)		\
	X(TCPHystartTrainDetect) X(TCPHystartTrainCwnd)			\
	X(TCPHystartDelayDetect) X(TCPHystartDelayCwnd)			\
	X(TCPPureAcks) X(TCPHPAcks) X(TCPRenoRecovery) X(TCPFullUndo)	\
	X(TCPPartialUndo) X(TCPLossUndo) X(TCPRenoFailures)		\
	X(TCPLossFailures) X(TCPFastRetrans) X(TCPSlowStartRetrans)	\
	X(TCPTimeouts) X(TCPAbortOnData) X(TCPAbortOnClose)		\
	X(TCPAbortOnMemory) X(TCPAbortOnTimeout) X(TCPAbortOnLinger)	\
	X(TCPAbortFailed) X(TCPOFOQueue) X(TCPOFODrop) X(TCPOFOMerge)	\
	X(TCPChallengeACK) X(TCPSYNChallenge) X(TCPRcvQDrop)		\
	X(TCPZeroWindowDrop) X(TCPToZeroWindowAdv)			\
	X(TCPFromZeroWindowAdv) X(TCPWantZeroWindowAdv) X(TCPSynRetrans) \
	X(TCPOrigDataSent) X(TCPKeepAlive) X(TCPACKSkippedSynRecv)	\
	X(TCPACKSkippedPAWS) X(TCPACKSkippedSeq) X(TCPACKSkippedFinWait2) \
	X(TCPACKSkippedTimeWait) X(TCPACKSkippedChallenge) X(TCPWinProbe) \
	X(TCPDelivered) X(TCPRetransFail) X(TCPDSACKOldSent)		\
	X(TCPSackRecovery) X(TCPSACKReorder) X(TCPLostRetransmit)	\
	X(TCPLossProbes) X(TCPLossProbeRecovery) X(TCPDSACKRecv)	\
	X(TCPDSACKOfoRecv) X(TCPDSACKOfoSent) X(TCPDSACKUndo)		\
	X(TCPDSACKIgnoredOld) X(TCPDSACKIgnoredNoUndo) X(TCPSACKDiscard) \
	X(TCPSACKReneging)						\
	X(TCPSpuriousRTOs) X(SyncookiesSent) X(SyncookiesRecv)		\
	X(SyncookiesFailed) X(TCPReqQFullDoCookies) X(TCPReqQFullDrop)	\
	X(RcvPruned) X(TCPRcvCollapsed) X(TCPMemoryPressures)		\
	X(TCPMemoryPressuresChrono)

#define IP_MIB_ENUM(name)	IPSTATS_MIB_##name,
#define ICMP_MIB_ENUM(name)	ICMP_MIB_##name,
#define UDP_MIB_ENUM(name)	UDP_MIB_##name,
#define ARP_MIB_ENUM(name)	ARP_MIB_##name,
#define TCP_MIB_ENUM(name)	TCP_MIB_##name,
#define LINUX_MIB_ENUM(name)	LINUX_MIB_##name,
enum ip_mib { IP_MIB(IP_MIB_ENUM) IPSTATS_MIB_MAX };
enum icmp_mib { ICMP_MIB(ICMP_MIB_ENUM) ICMP_MIB_MAX };
enum udp_mib { UDP_MIB(UDP_MIB_ENUM) UDP_MIB_MAX };
enum arp_mib { ARP_MIB(ARP_MIB_ENUM) ARP_MIB_MAX };
enum tcp_mib { TCP_MIB(TCP_MIB_ENUM) TCP_MIB_MAX };
enum linux_mib { LINUX_MIB(LINUX_MIB_ENUM) LINUX_MIB_MAX };

struct ipv4_mibs {
	uint64_t ip[IPSTATS_MIB_MAX];
	uint64_t icmp[ICMP_MIB_MAX];
	uint64_t icmp_in_type[256];	/* IcmpMsg InTypeN */
	uint64_t icmp_out_type[256];	/* IcmpMsg OutTypeN */
	uint64_t udp[UDP_MIB_MAX];
	uint64_t arp[ARP_MIB_MAX];
	uint64_t tcp[TCP_MIB_MAX];
	uint64_t linux_mib[LINUX_MIB_MAX];	/* TcpExt */
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
#define TCP_INC_STATS(net, field)	((net)->ipv4->mib.tcp[TCP_MIB_##field]++)
#define TCP_DEC_STATS(net, field)	((net)->ipv4->mib.tcp[TCP_MIB_##field]--)
#define TCP_ADD_STATS(net, field, n)	((net)->ipv4->mib.tcp[TCP_MIB_##field] += (n))
#define NET_INC_STATS(net, field)	((net)->ipv4->mib.linux_mib[LINUX_MIB_##field]++)
#define NET_ADD_STATS(net, field, n)	((net)->ipv4->mib.linux_mib[LINUX_MIB_##field] += (n))

#endif
