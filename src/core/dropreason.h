/* SPDX-License-Identifier: MIT */
/*
 * dropreason.h - why a packet was dropped, one name per reason, after the
 * kernel's enum skb_drop_reason. Every drop in usnet names its reason;
 * devices count drops per reason (struct net_device_stats.drops[]).
 */
#ifndef USN_CORE_DROPREASON_H
#define USN_CORE_DROPREASON_H

#define USN_DROP_REASONS(X)						\
	X(NOT_SPECIFIED,	"not specified")			\
	X(NO_SOCKET,		"no socket")				\
	X(PKT_TOO_SMALL,	"packet too small")			\
	X(UNHANDLED_PROTO,	"no handler for the protocol")		\
	X(OTHERHOST,		"frame for another host")		\
	X(DEV_DOWN,		"device down")				\
	X(DEV_GONE,		"device unregistered")			\
	X(BACKLOG,		"receive backlog full")			\
	X(TXQUEUE_FULL,		"transmit queue full")			\
	X(MTU_EXCEEDED,		"frame longer than the MTU")		\
	X(NOMEM,		"out of memory")			\
	X(SOCKET_RCVBUFF,	"socket receive buffer full")		\
	X(SOCKET_FILTER,	"socket filter")			\
	X(SOCKET_CLOSE,		"socket closed")			\
	X(WIRE_LOSS,		"lost on the wire")		\
	X(NO_CARRIER,		"link has no carrier")			\
	X(DEV_ERROR,		"device I/O error")			\
	X(IP_INHDR,		"bad IP header")			\
	X(IP_CSUM,		"bad IP header checksum")		\
	X(IP_INADDRERRORS,	"IP destination not for this host")	\
	X(IP_INNOROUTES,	"no route for the IP destination")	\
	X(FRAG_REASM_TIMEOUT,	"fragment reassembly timeout")		\
	X(DUP_FRAG,		"duplicate fragment")			\
	X(ICMP_CSUM,		"bad ICMP checksum")			\
	X(UDP_CSUM,		"bad UDP checksum")			\
	X(NEIGH_CREATEFAIL,	"neighbour entry not created")		\
	X(NEIGH_FAILED,		"neighbour resolution failed")		\
	X(NEIGH_QUEUEFULL,	"neighbour queue full")			\
	X(NEIGH_DEAD,		"neighbour entry gone")			\
	X(TCP_CSUM,		"bad TCP checksum")			\
	X(TCP_INVALID_SEQUENCE,	"TCP segment outside the window")	\
	X(TCP_FLAGS,		"TCP flags not valid in the state")	\
	X(PROTO_MEM,		"protocol memory limit")		\
	X(TCP_OFO_QUEUE_PRUNE,	"TCP out-of-order queue pruned")	\
	X(UNIX_SKIP_OOB,	"unix out-of-band byte read past")

enum skb_drop_reason {
#define USN_DROP_ENUM(name, text) SKB_DROP_REASON_##name,
	USN_DROP_REASONS(USN_DROP_ENUM)
#undef USN_DROP_ENUM
	SKB_DROP_REASON_MAX
};

const char *drop_reason_name(enum skb_drop_reason reason);

#endif
