/* SPDX-License-Identifier: MIT */
/*
 * udp.h - UDP (RFC 768) for IPv4, after net/ipv4/udp.c: the socket type
 * (SOCK_DGRAM, IPPROTO_UDP), its port tables, udp_rcv and udp_err.
 */
#ifndef USN_TRANSPORT_UDP_UDP_H
#define USN_TRANSPORT_UDP_UDP_H

#include <stdint.h>

struct sk_buff;

#define UDP_HLEN	8

int udp_init(void);		/* protocol, socket type, pernet tables */
int udp_rcv(struct sk_buff *skb);
int udp_err(struct sk_buff *skb, uint32_t info);

struct sock;
/* connect(AF_UNSPEC) of datagram sockets (UDP, raw, ping): forget the peer. */
int __udp_disconnect(struct sock *sk, int flags);

/*
 * For sock_diag (udp_diag.c): the hash slots of the port table, and the
 * @idx-th socket of slot @slot in @net (NULL past the slot's last).
 */
struct usn_net;
unsigned int udp_table_slots(void);
struct sock *udp_table_sk(struct usn_net *net, unsigned int slot,
			  unsigned int idx);

#endif
