/* SPDX-License-Identifier: MIT */
/*
 * tcp.h - TCP for IPv4 as the inet family sees it, after include/net/tcp.h
 * and include/net/inet_connection_sock.h: the states, the start-up step,
 * and what the SOCK_STREAM verbs of af_inet.c call (listen, accept,
 * shutdown, poll). The protocol's own state lives in tcp_var.h.
 *
 * Does not include <netinet/tcp.h>: its enum of states would clash with
 * the macros of sock.h and inet_sock.h.
 */
#ifndef USN_TRANSPORT_TCP_TCP_H
#define USN_TRANSPORT_TCP_TCP_H

#include <stdbool.h>
#include "socket/sock.h"

/* sk_state, the kernel's values (include/net/tcp_states.h) */
#ifndef TCP_ESTABLISHED
#define TCP_ESTABLISHED		1
#endif
#define TCP_SYN_SENT		2
#define TCP_SYN_RECV		3
#define TCP_FIN_WAIT1		4
#define TCP_FIN_WAIT2		5
#define TCP_TIME_WAIT		6
#ifndef TCP_CLOSE
#define TCP_CLOSE		7
#endif
#define TCP_CLOSE_WAIT		8
#define TCP_LAST_ACK		9
#ifndef TCP_LISTEN
#define TCP_LISTEN		10
#endif
#define TCP_CLOSING		11
#define TCP_NEW_SYN_RECV	12
#define TCP_MAX_STATES		13

#define TCPF_STATE(s)		(1u << (s))
#define TCPF_ESTABLISHED	TCPF_STATE(TCP_ESTABLISHED)
#define TCPF_SYN_SENT		TCPF_STATE(TCP_SYN_SENT)
#define TCPF_SYN_RECV		TCPF_STATE(TCP_SYN_RECV)
#define TCPF_FIN_WAIT1		TCPF_STATE(TCP_FIN_WAIT1)
#define TCPF_FIN_WAIT2		TCPF_STATE(TCP_FIN_WAIT2)
#define TCPF_TIME_WAIT		TCPF_STATE(TCP_TIME_WAIT)
#define TCPF_CLOSE		TCPF_STATE(TCP_CLOSE)
#define TCPF_CLOSE_WAIT		TCPF_STATE(TCP_CLOSE_WAIT)
#define TCPF_LAST_ACK		TCPF_STATE(TCP_LAST_ACK)
#define TCPF_LISTEN		TCPF_STATE(TCP_LISTEN)
#define TCPF_CLOSING		TCPF_STATE(TCP_CLOSING)

struct socket;
struct file;
struct poll_table_struct;

/* The inet_init() step: protocol 6, the SOCK_STREAM entry, per-namespace tables. */
int tcp_init(void);

extern const struct proto tcp_prot;

/* inet_connection_sock.c's share, in tcp_minisocks.c / tcp_ipv4.c */
int inet_csk_listen_start(struct sock *sk);
/* listen(2) on a closed or listening socket (__inet_listen_sk). */
int __inet_listen_sk(struct sock *sk, int backlog);
struct sock *inet_csk_accept(struct sock *sk, int flags, int *err);
/* shutdown(2) of a connected stream socket (SHUT_WR sends the FIN). */
void tcp_shutdown(struct sock *sk, int how);
unsigned int tcp_poll(struct file *file, struct socket *sock,
		      struct poll_table_struct *wait);

/* The congestion-control table, for the sysctls (tcp_cong.c). */
int tcp_ca_name_check(const char *name);	/* 0 or -ENOENT */
int tcp_get_available_congestion_control(char *buf, size_t maxlen);

#endif
