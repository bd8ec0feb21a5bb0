/* SPDX-License-Identifier: MIT */
/*
 * security.h - the socket hooks of the kernel's LSM, at the same points:
 * the socket layer asks the installed policy before it creates, binds,
 * connects, listens, accepts, sends, receives or sets an option. With no
 * policy each hook is one load and one branch.
 */
#ifndef USN_SOCKET_SECURITY_H
#define USN_SOCKET_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <usnet/usnet.h>

struct socket;
struct usn_net;

int security_socket_create(struct usn_net *net, int family, int type,
			   int protocol, int kern);
int security_socket_post_create(struct socket *sock, int family, int type,
				int protocol, int kern);
int security_socket_bind(struct socket *sock, const struct sockaddr *addr,
			 int addrlen);
int security_socket_connect(struct socket *sock, const struct sockaddr *addr,
			    int addrlen);
int security_socket_listen(struct socket *sock, int backlog);
int security_socket_accept(struct socket *sock, struct socket *newsock);
int security_socket_sendmsg(struct socket *sock, const struct sockaddr *to,
			    int tolen, size_t size, int flags);
int security_socket_recvmsg(struct socket *sock, size_t size, int flags);
int security_socket_setsockopt(struct socket *sock, int level, int optname);
/*
 * The namespace's capability @cap (linux/capability.h numbers): the program
 * has every capability in its namespaces unless a policy says otherwise.
 */
bool ns_capable(struct usn_net *net, int cap);

#define CAP_NET_BIND_SERVICE	10
#define CAP_NET_ADMIN		12
#define CAP_NET_RAW		13

#endif
