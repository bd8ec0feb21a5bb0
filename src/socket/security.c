/* SPDX-License-Identifier: MIT */
/*
 * security.c - calling the installed policy's hooks. The policy is
 * process-wide, like an LSM: usn_security_register() swaps it atomically.
 * A hook's answer is returned as is (0 or -errno); a positive answer, which
 * no errno is, becomes -EPERM.
 */
#include <errno.h>
#include "socket/security.h"
#include "socket/sock.h"
#include "socket/socket.h"

static const struct usn_security_ops *_Atomic security_ops;

__public int usn_security_register(const struct usn_security_ops *ops)
{
	atomic_store(&security_ops, ops);
	return 0;
}

static int verdict(int r)
{
	return r > 0 ? -EPERM : r;
}

static void sock_desc(const struct socket *sock, struct usn_sock_desc *d)
{
	d->net = sock->net;
	d->type = sock->type;
	d->family = sock->sk ? sock->sk->sk_family : (sock->ops ? sock->ops->family : 0);
	d->protocol = sock->sk ? sock->sk->sk_protocol : 0;
}

/* Calls @hook of the policy with a description of @sock, if both exist. */
#define CALL_SOCK_HOOK(hook, sock, ...)					\
	({								\
		const struct usn_security_ops *__ops = atomic_load(&security_ops); \
		struct usn_sock_desc __d;				\
		int __r = 0;						\
		if (__ops && __ops->hook) {				\
			sock_desc(sock, &__d);				\
			__r = verdict(__ops->hook(&__d, ##__VA_ARGS__)); \
		}							\
		__r;							\
	})

int security_socket_create(struct usn_net *net, int family, int type,
			   int protocol, int kern)
{
	const struct usn_security_ops *ops = atomic_load(&security_ops);

	if (!ops || !ops->socket_create)
		return 0;
	return verdict(ops->socket_create(net, family, type, protocol, kern));
}

int security_socket_post_create(struct socket *sock, int family, int type,
				int protocol, int kern)
{
	const struct usn_security_ops *ops = atomic_load(&security_ops);
	struct usn_sock_desc d = { sock->net, family, type, protocol };

	if (!ops || !ops->socket_post_create)
		return 0;
	return verdict(ops->socket_post_create(&d, kern));
}

int security_socket_bind(struct socket *sock, const struct sockaddr *addr,
			 int addrlen)
{
	return CALL_SOCK_HOOK(socket_bind, sock, addr, (socklen_t)addrlen);
}

int security_socket_connect(struct socket *sock, const struct sockaddr *addr,
			    int addrlen)
{
	return CALL_SOCK_HOOK(socket_connect, sock, addr, (socklen_t)addrlen);
}

int security_socket_listen(struct socket *sock, int backlog)
{
	return CALL_SOCK_HOOK(socket_listen, sock, backlog);
}

int security_socket_accept(struct socket *sock, struct socket *newsock)
{
	(void)newsock;
	return CALL_SOCK_HOOK(socket_accept, sock);
}

int security_socket_sendmsg(struct socket *sock, const struct sockaddr *to,
			    int tolen, size_t size, int flags)
{
	return CALL_SOCK_HOOK(socket_sendmsg, sock, to, (socklen_t)tolen, size,
			      flags);
}

int security_socket_recvmsg(struct socket *sock, size_t size, int flags)
{
	return CALL_SOCK_HOOK(socket_recvmsg, sock, size, flags);
}

int security_socket_setsockopt(struct socket *sock, int level, int optname)
{
	return CALL_SOCK_HOOK(socket_setsockopt, sock, level, optname);
}

bool ns_capable(struct usn_net *net, int cap)
{
	const struct usn_security_ops *ops = atomic_load(&security_ops);

	return !ops || !ops->capable || verdict(ops->capable(net, cap)) == 0;
}
