/* SPDX-License-Identifier: MIT */
/*
 * net-pf-19.c - a loadable family module for the tests: "tdgram", a
 * datagram family in family slot 19 (AF_ECONET, which Linux removed), loaded
 * on demand by socket(19, ...) through request_module("net-pf-19").
 *
 * A socket binds to a 32-bit port; a datagram sent to a port is queued on
 * the socket bound to it in the same namespace. It is small but real: it
 * exercises every verb of the socket layer (bind, connect, socketpair,
 * listen, getname, poll, ioctl, shutdown, sendmsg/recvmsg with names,
 * MSG_TRUNC/MSG_PEEK, blocking and timeouts) through the module ABI only.
 */
#include "socket/module.h"	/* first: maps kernel names to exported ones */

#include <errno.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "socket/sock.h"
#include "socket/socket.h"
#include "tdgram.h"

__attribute__((visibility("default"))) const unsigned int usn_module_abi = USN_MODULE_ABI;

struct tdgram_sock {
	struct sock		sk;	/* first: a struct sock * is a tdgram_sock * */
	struct tdgram_sock	*next_bound;
	uint32_t		port;	/* 0: unbound */
	uint32_t		peer;	/* 0: not connected */
	int			backlog;	/* what listen() was given */
	bool			listening;
};

/*
 * Every bound socket of every namespace. Namespaces run on different
 * threads, so the list has its own (leaf) lock.
 */
static pthread_mutex_t bound_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tdgram_sock *bound;
static uint32_t next_autoport = 0x10000;

static struct tdgram_sock *tdg_sk(struct sock *sk)
{
	return (struct tdgram_sock *)sk;
}

/* Sockets of one namespace are only looked up under that namespace's lock. */
static struct tdgram_sock *__tdgram_lookup(struct usn_net *net, uint32_t port)
{
	for (struct tdgram_sock *t = bound; t; t = t->next_bound)
		if (t->port == port && sock_net(&t->sk) == net)
			return t;
	return NULL;
}

static struct tdgram_sock *tdgram_lookup(struct usn_net *net, uint32_t port)
{
	struct tdgram_sock *t;

	pthread_mutex_lock(&bound_lock);
	t = __tdgram_lookup(net, port);
	pthread_mutex_unlock(&bound_lock);
	return t;
}

static void tdgram_unhash(struct tdgram_sock *t)
{
	pthread_mutex_lock(&bound_lock);
	for (struct tdgram_sock **p = &bound; *p; p = &(*p)->next_bound) {
		if (*p == t) {
			*p = t->next_bound;
			break;
		}
	}
	pthread_mutex_unlock(&bound_lock);
	t->port = 0;
}

static int tdgram_hash(struct tdgram_sock *t, uint32_t port)
{
	int err = -EADDRINUSE;

	pthread_mutex_lock(&bound_lock);
	if (!port)
		port = next_autoport++;
	if (!__tdgram_lookup(sock_net(&t->sk), port)) {
		t->port = port;
		t->next_bound = bound;
		bound = t;
		err = 0;
	}
	pthread_mutex_unlock(&bound_lock);
	return err;
}

static int tdgram_addr(const struct sockaddr *addr, int len, uint32_t *port)
{
	const struct sockaddr_tdgram *a = (const struct sockaddr_tdgram *)addr;

	if (len < (int)sizeof(*a))
		return -EINVAL;
	if (a->std_family != AF_TDGRAM)
		return -EAFNOSUPPORT;
	*port = a->std_port;
	return 0;
}

static int tdgram_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	if (tdg_sk(sk)->port)
		tdgram_unhash(tdg_sk(sk));
	sock_orphan(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int tdgram_bind(struct socket *sock, struct sockaddr *addr, int len)
{
	struct tdgram_sock *t = tdg_sk(sock->sk);
	uint32_t port;
	int err;

	err = tdgram_addr(addr, len, &port);
	if (err)
		return err;
	if (t->port)
		return -EINVAL;
	return tdgram_hash(t, port);	/* port 0: pick one */
}

static int tdgram_connect(struct socket *sock, struct sockaddr *addr, int len,
			  int flags)
{
	struct tdgram_sock *t = tdg_sk(sock->sk);
	uint32_t port;
	int err;

	(void)flags;
	if (len >= (int)sizeof(sa_family_t) && addr->sa_family == AF_UNSPEC) {
		t->peer = 0;		/* disconnect, as for UDP */
		sock->state = SS_UNCONNECTED;
		return 0;
	}
	err = tdgram_addr(addr, len, &port);
	if (err)
		return err;
	if (!t->port) {
		err = tdgram_hash(t, 0);
		if (err)
			return err;
	}
	t->peer = port;
	sock->state = SS_CONNECTED;
	return 0;
}

static int tdgram_socketpair(struct socket *a, struct socket *b)
{
	struct tdgram_sock *ta = tdg_sk(a->sk), *tb = tdg_sk(b->sk);
	int err;

	err = tdgram_hash(ta, 0);
	if (!err)
		err = tdgram_hash(tb, 0);
	if (err)
		return err;
	ta->peer = tb->port;
	tb->peer = ta->port;
	a->state = b->state = SS_CONNECTED;
	return 0;
}

static int tdgram_getname(struct socket *sock, struct sockaddr *addr, int peer)
{
	struct tdgram_sock *t = tdg_sk(sock->sk);
	struct sockaddr_tdgram a = { .std_family = AF_TDGRAM };

	if (peer) {
		if (!t->peer)
			return -ENOTCONN;
		a.std_port = t->peer;
	} else {
		a.std_port = t->port;
	}
	memcpy(addr, &a, sizeof(a));
	return sizeof(a);
}

static int tdgram_listen(struct socket *sock, int backlog)
{
	struct tdgram_sock *t = tdg_sk(sock->sk);

	/* Not a connection family: record the backlog the socket layer passed. */
	t->backlog = backlog;
	t->listening = true;
	return 0;
}

static int tdgram_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sk_buff *skb;

	switch (cmd) {
	case SIOCINQ:
		skb = skb_peek(&sock->sk->sk_receive_queue);
		if (!arg)
			return -EFAULT;
		*(int *)arg = skb ? (int)skb->len : 0;
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}

static int tdgram_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;

	how++;	/* SHUT_RD (0) .. SHUT_RDWR (2) become RCV_SHUTDOWN bits */
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;
	sk->sk_shutdown |= (unsigned char)how;
	sk->sk_state_change(sk);
	return 0;
}

static int tdgram_setsockopt(struct socket *sock, int level, int optname,
			     const void *optval, unsigned int optlen)
{
	return -ENOPROTOOPT;
}

static int tdgram_getsockopt(struct socket *sock, int level, int optname,
			     void *optval, int *optlen)
{
	struct tdgram_sock *t = tdg_sk(sock->sk);

	if (level != SOL_TDGRAM || optname != TDGRAM_BACKLOG)
		return -ENOPROTOOPT;
	if (*optlen < (int)sizeof(int))
		return -EINVAL;
	memcpy(optval, &t->backlog, sizeof(int));
	*optlen = sizeof(int);
	return 0;
}

static int tdgram_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct tdgram_sock *t = tdg_sk(sk), *dst;
	struct sk_buff *skb;
	uint32_t port;
	int err;

	if (msg->msg_name) {
		err = tdgram_addr(msg->msg_name, msg->msg_namelen, &port);
		if (err)
			return err;
	} else {
		if (!t->peer)
			return -EDESTADDRREQ;
		port = t->peer;
	}
	if (sk->sk_shutdown & SEND_SHUTDOWN)
		return -EPIPE;
	if (len > TDGRAM_MAX)
		return -EMSGSIZE;
	if (!t->port) {
		err = tdgram_hash(t, 0);
		if (err)
			return err;
	}
	skb = sock_alloc_send_skb(sk, len, msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	err = memcpy_from_msg(skb_put(skb, (unsigned int)len), msg, len);
	if (err)
		goto out_free;
	memcpy(skb->cb, &t->port, sizeof(t->port));	/* the source port */
	/* Look the receiver up after any sleep above: it may have closed. */
	dst = tdgram_lookup(sock_net(sk), port);
	err = -ECONNREFUSED;
	if (!dst || (dst->sk.sk_shutdown & RCV_SHUTDOWN))
		goto out_free;
	if (sock_queue_rcv_skb(&dst->sk, skb) < 0)
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
	return (int)len;	/* a full receiver drops, as UDP does */

out_free:
	kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
	return err;
}

static int tdgram_recvmsg(struct socket *sock, struct kmsghdr *msg,
			  size_t size, int flags)
{
	struct sock *sk = sock->sk;
	struct sockaddr_tdgram a = { .std_family = AF_TDGRAM };
	struct sk_buff *skb;
	size_t copied;
	int err;

	skb = skb_recv_datagram(sk, (unsigned int)flags, &err);
	if (!skb)
		return err;
	copied = skb->len;
	if (copied > size) {
		copied = size;
		msg->msg_flags |= MSG_TRUNC;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, (int)copied);
	if (err)
		goto out_free;
	if (msg->msg_name) {
		memcpy(&a.std_port, skb->cb, sizeof(a.std_port));
		memcpy(msg->msg_name, &a, sizeof(a));
		msg->msg_namelen = sizeof(a);
	}
	err = (flags & MSG_TRUNC) ? (int)skb->len : (int)copied;
out_free:
	skb_free_datagram(sk, skb);
	return err;
}

static const struct proto tdgram_prot = {
	.name		= "TDGRAM",
	.obj_size	= sizeof(struct tdgram_sock),
};

static const struct proto_ops tdgram_ops = {
	.family		= AF_TDGRAM,
	.release	= tdgram_release,
	.bind		= tdgram_bind,
	.connect	= tdgram_connect,
	.socketpair	= tdgram_socketpair,
	.accept		= sock_no_accept,
	.getname	= tdgram_getname,
	.poll		= datagram_poll,
	.ioctl		= tdgram_ioctl,
	.listen		= tdgram_listen,
	.shutdown	= tdgram_shutdown,
	.setsockopt	= tdgram_setsockopt,
	.getsockopt	= tdgram_getsockopt,
	.sendmsg	= tdgram_sendmsg,
	.recvmsg	= tdgram_recvmsg,
};

static int tdgram_create(struct usn_net *net, struct socket *sock,
			 int protocol, int kern)
{
	struct sock *sk;

	if (sock->type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != 0)
		return -EPROTONOSUPPORT;
	sk = sk_alloc(net, AF_TDGRAM, &tdgram_prot, kern);
	if (!sk)
		return -ENOBUFS;
	sock->ops = &tdgram_ops;
	sock_init_data(sock, sk);
	sk->sk_protocol = 0;
	return 0;
}

static const struct net_proto_family tdgram_family = {
	.family	= AF_TDGRAM,
	.create	= tdgram_create,
};

__attribute__((visibility("default"))) int usn_module_init(void)
{
	return sock_register(&tdgram_family);
}
