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

/* af_inet.c: net_families[PF_INET]->create, with the kernel's inetsw rules */
int inet_create(struct usn_net *net, struct socket *sock, int protocol,
		int kern);
/* inet_init.c: the initcall that starts IPv4 and registers PF_INET */
int inet_init(void);

/*
 * The datagram sockets' share of the kernel's TCP states (sk_state):
 * connected (ESTABLISHED) or not (CLOSE), as net/ipv4/datagram.c uses them.
 */
#ifndef TCP_ESTABLISHED
#define TCP_ESTABLISHED		1
#endif
#ifndef TCP_CLOSE
#define TCP_CLOSE		7
#endif

/* af_inet.c: the socket types' operations */
extern const struct proto_ops inet_dgram_ops;
extern const struct proto_ops inet_sockraw_ops;
extern const struct proto_ops inet_stream_ops;	/* TCP */

/*
 * May @inet bind @addr, of type @addr_type (inet_addr_type)? Local,
 * broadcast, multicast and INADDR_ANY always; others with
 * net.ipv4.ip_nonlocal_bind or IP_FREEBIND.
 */
bool inet_addr_valid_or_nonlocal(struct usn_net *net,
				 const struct inet_sock *inet, uint32_t addr,
				 unsigned int addr_type);
/* The close of datagram protocols: destroy, unhash, orphan, drop the reference. */
void sk_common_release(struct sock *sk);
/* proto.close of the datagram sockets (UDP, raw, ping): nothing to flush first. */
void inet_datagram_close(struct sock *sk, long timeout);

/* datagram.c: what UDP, raw and ping sockets share on the way out */
struct flowi4;
struct rtable;
struct ip_hdr_params;
struct ipcm_cookie;
/* connect() of datagram sockets (UDP, raw, ping): route, then remember the peer. */
int ip4_datagram_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len);
/*
 * Routes a datagram of @sk to @daddr:@dport (network order) for sendmsg,
 * with the source and device of @ipc; -EACCES for a broadcast route
 * without SO_BROADCAST. Counts Ip.OutNoRoutes.
 */
int ip_datagram_route(struct sock *sk, const struct ipcm_cookie *ipc,
		      uint32_t daddr, uint16_t dport, unsigned int msg_flags,
		      struct flowi4 *fl4, struct rtable *rt);
/*
 * The IP header of a datagram of @length bytes (transport header and
 * payload) along @rt: TTL, TOS and DF from the socket and @ipc, as
 * ip_append_data decides them; -EMSGSIZE (and a local error for
 * IP_RECVERR) when it cannot be sent, even in fragments.
 */
int ip_datagram_prepare(struct sock *sk, const struct ipcm_cookie *ipc,
			const struct flowi4 *fl4, const struct rtable *rt,
			size_t length, struct ip_hdr_params *p);

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
/* SOCK_STREAM verbs (af_inet.c) */
int inet_stream_connect(struct socket *sock, struct sockaddr *uaddr,
			int addr_len, int flags);
int inet_accept(struct socket *sock, struct socket *newsock, int flags,
		bool kern);
int inet_listen(struct socket *sock, int backlog);
int inet_stream_shutdown(struct socket *sock, int how);
int inet_stream_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t size);
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

/* The socket's defaults, before ip_cmsg_send() overrides them (ipcm_init_sk). */
static inline void ipcm_init_sk(struct ipcm_cookie *ipc,
				const struct inet_sock *inet)
{
	ipc->addr = inet->inet_saddr;
	ipc->oif = inet->sk.sk_bound_dev_if;
	ipc->ttl = -1;
	ipc->tos = -1;
}
/*
 * Queues an ICMP error on @sk's error queue for MSG_ERRQUEUE (IP_RECVERR):
 * @skb is the ICMP message (its quoted datagram follows the ICMP header).
 */
void ip_icmp_error(struct sock *sk, struct sk_buff *skb, int err,
		   uint16_t port, uint32_t info, const uint8_t *payload);
/* Reads one queued error (recvmsg with MSG_ERRQUEUE). */
int ip_recv_error(struct sock *sk, struct kmsghdr *msg, size_t len);
/*
 * Queues a locally detected error (EMSGSIZE before sending) for
 * MSG_ERRQUEUE, if @sk has IP_RECVERR: origin SO_EE_ORIGIN_LOCAL, @info
 * the MTU, @daddr and @port (network order) the destination.
 */
void ip_local_error(struct sock *sk, int err, uint32_t daddr, uint16_t port,
		    uint32_t info);

#endif
