/* SPDX-License-Identifier: MIT */
/*
 * inet_sock.h - the inet family's socket (struct inet_sock, the IPv4
 * addresses and options of a struct sock) and its table of socket types,
 * after include/net/inet_sock.h and include/net/protocol.h (inetsw):
 *
 *   inet_create(type, protocol) -> the inet_protosw entry for (type,
 *   protocol), protocol 0 picking the type's first entry and IPPROTO_IP
 *   entries (raw) matching any protocol -> its struct proto and proto_ops.
 */
#ifndef USN_FAMILY_INET_INET_SOCK_H
#define USN_FAMILY_INET_INET_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "core/list.h"
#include "socket/sock.h"

#define IPPROTO_WILDCARD	IPPROTO_IP	/* a raw entry: any protocol */

/* inet_protosw.flags */
#define INET_PROTOSW_REUSE	0x01	/* sockets start with SO_REUSEADDR */
#define INET_PROTOSW_PERMANENT	0x02	/* cannot be unregistered */
#define INET_PROTOSW_ICSK	0x04	/* connection-oriented */

struct inet_protosw {
	struct list_head	list;
	unsigned short		type;		/* SOCK_* */
	unsigned short		protocol;	/* IPPROTO_*, IPPROTO_IP for any */
	const struct proto	*prot;
	const struct proto_ops	*ops;
	unsigned char		flags;
};

void inet_register_protosw(struct inet_protosw *p);
void inet_unregister_protosw(struct inet_protosw *p);

/* inet_sock.cmsg_flags: which control messages recvmsg adds */
#define IP_CMSG_PKTINFO		0x01
#define IP_CMSG_TTL		0x02
#define IP_CMSG_TOS		0x04
#define IP_CMSG_RECVOPTS	0x08
#define IP_CMSG_RETOPTS		0x10

struct inet_sock {
	struct sock	sk;		/* first: a struct sock * is an inet_sock * */
	uint32_t	inet_saddr;	/* source for sending (0: route's choice) */
	uint32_t	inet_rcv_saddr;	/* bound address (0: any) */
	uint32_t	inet_daddr;	/* connected peer (0: none) */
	uint16_t	inet_num;	/* local port, host order (0: unbound) */
	uint16_t	inet_sport;	/* local port, network order */
	uint16_t	inet_dport;	/* peer port, network order */
	uint16_t	inet_id;
	int		uc_ttl;		/* IP_TTL; -1: net.ipv4.ip_default_ttl */
	uint8_t		tos;		/* IP_TOS */
	uint8_t		cmsg_flags;	/* IP_CMSG_* */
	uint8_t		pmtudisc;	/* IP_PMTUDISC_* */
	uint8_t		hdrincl : 1;	/* IP_HDRINCL */
	uint8_t		recverr : 1;	/* IP_RECVERR */
	uint8_t		freebind : 1;	/* IP_FREEBIND */
	uint8_t		is_icsk : 1;
	int		bound_dev_if_cache;
};

static inline struct inet_sock *inet_sk(const struct sock *sk)
{
	return (struct inet_sock *)(void *)sk;
}

/* af_inet.c: the verbs shared by inet socket types */
int inet_release(struct socket *sock);
int inet_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len);
int inet_dgram_connect(struct socket *sock, struct sockaddr *uaddr,
		       int addr_len, int flags);
int inet_getname(struct socket *sock, struct sockaddr *uaddr, int peer);
int inet_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg);
int inet_shutdown(struct socket *sock, int how);
int inet_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t size);
int inet_recvmsg(struct socket *sock, struct kmsghdr *msg, size_t size,
		 int flags);
unsigned int udp_poll(struct file *file, struct socket *sock,
		      struct poll_table_struct *wait);
/* The TTL a datagram of @sk gets: IP_TTL, else the namespace default. */
int ip_sk_ttl(const struct sock *sk);
/* May the caller open SOCK_RAW sockets in @net (CAP_NET_RAW)? */
bool inet_capable_raw(struct usn_net *net);

/* ip_sockglue.c: level IPPROTO_IP options and control messages */
int ip_setsockopt(struct sock *sk, int level, int optname,
		  const void *optval, unsigned int optlen);
int ip_getsockopt(struct sock *sk, int level, int optname, void *optval,
		  int *optlen);
/* Adds the control messages @sk asked for (IP_PKTINFO, IP_TTL, IP_TOS) about @skb. */
void ip_cmsg_recv(struct kmsghdr *msg, struct sk_buff *skb);
/* Parses IP_PKTINFO / IP_TTL / IP_TOS given to sendmsg. */
struct ipcm_cookie {
	uint32_t	addr;		/* IP_PKTINFO ipi_spec_dst: source to use */
	int		oif;		/* IP_PKTINFO ipi_ifindex */
	int		ttl;		/* -1: not given */
	int		tos;		/* -1: not given */
};
int ip_cmsg_send(struct sock *sk, struct kmsghdr *msg, struct ipcm_cookie *ipc);
/*
 * Queues an ICMP error on @sk's error queue for MSG_ERRQUEUE (IP_RECVERR):
 * @skb is the ICMP message (its quoted datagram follows the ICMP header).
 */
void ip_icmp_error(struct sock *sk, struct sk_buff *skb, int err,
		   uint16_t port, uint32_t info, const uint8_t *payload);
/* Reads one queued error (recvmsg with MSG_ERRQUEUE). */
int ip_recv_error(struct sock *sk, struct kmsghdr *msg, size_t len);

#endif
