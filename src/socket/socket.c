/* SPDX-License-Identifier: MIT */
/*
 * socket.c - the family table and the life of a struct socket, after
 * net/socket.c: sock_register() fills net_families[], __sock_create() makes
 * a socket with the kernel's checks in the kernel's order, sock_release()
 * ends it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "core/log.h"
#include "net/net.h"
#include "socket/module.h"
#include "socket/security.h"
#include "socket/sock.h"
#include "socket/socket.h"

static const struct net_proto_family *_Atomic net_families[NPROTO];

int sock_register(const struct net_proto_family *ops)
{
	const struct net_proto_family *expected = NULL;

	if (!ops || ops->family < 0 || ops->family >= NPROTO)
		return -ENOBUFS;
	if (!atomic_compare_exchange_strong(&net_families[ops->family],
					    &expected, ops))
		return -EEXIST;
	pr_info("NET: Registered PF_%d protocol family", ops->family);
	return 0;
}
EXPORT_SYMBOL(sock_register);

void sock_unregister(int family)
{
	if (family < 0 || family >= NPROTO)
		return;
	atomic_store(&net_families[family], NULL);
	pr_info("NET: Unregistered PF_%d protocol family", family);
}
EXPORT_SYMBOL(sock_unregister);

/* Socket inode numbers, as get_next_ino() hands them out. */
static atomic_ulong sock_next_ino;

/* Allocates a bare socket in @net, charging the namespace's socket limit. */
static struct socket *sock_alloc(struct usn_net *net)
{
	struct socket *sock;

	/* READ_ONCE: no namespace lock yet; usn_sysctl() may write it. */
	if (atomic_fetch_add(&net->sockets, 1) >=
	    READ_ONCE(net->sysctl.socket_max)) {
		atomic_fetch_sub(&net->sockets, 1);
		return NULL;
	}
	sock = calloc(1, sizeof(*sock));
	if (!sock) {
		atomic_fetch_sub(&net->sockets, 1);
		return NULL;
	}
	sock->state = SS_UNCONNECTED;
	sock->net = get_net(net);
	sock->ino = atomic_fetch_add(&sock_next_ino, 1) + 1;
	sock->uid = geteuid();
	init_waitqueue_head(&sock->wq);
	return sock;
}

/* Releases the protocol's side (ops->release), then the socket itself. */
void sock_release(struct socket *sock)
{
	struct usn_net *net = sock->net;

	if (sock->ops) {
		net_lock(net);
		sock->ops->release(sock);
		sock->ops = NULL;
		net_unlock(net);
	}
	atomic_fetch_sub(&net->sockets, 1);
	free(sock);
	put_net(net);
}

int sock_create_lite(struct usn_net *net, int type,
		     const struct proto_ops *ops, struct socket **res)
{
	struct socket *sock = sock_alloc(net);

	if (!sock)
		return -ENFILE;
	sock->type = (short)type;
	sock->ops = ops;
	*res = sock;
	return 0;
}

static const struct net_proto_family *family_get(int family)
{
	return atomic_load(&net_families[family]);
}

int __sock_create(struct usn_net *net, int family, int type, int protocol,
		  struct socket **res, int kern)
{
	const struct net_proto_family *pf;
	struct socket *sock;
	char modname[32];
	int err;

	if (family < 0 || family >= NPROTO)
		return -EAFNOSUPPORT;
	if (type < 0 || type >= SOCK_MAX)
		return -EINVAL;

	/* The old (PF_INET, SOCK_PACKET) spelling of a packet socket. */
	if (family == PF_INET && type == SOCK_PACKET) {
		static atomic_flag warned = ATOMIC_FLAG_INIT;

		if (!atomic_flag_test_and_set(&warned))
			pr_warn("%s uses obsolete (PF_INET,SOCK_PACKET)",
				program_invocation_short_name);
		family = PF_PACKET;
	}

	err = security_socket_create(net, family, type, protocol, kern);
	if (err)
		return err;

	sock = sock_alloc(net);
	if (!sock) {
		pr_debug("socket: no more sockets in %s", net->name);
		return -ENFILE;	/* not exactly a match, but the closest POSIX thing */
	}
	sock->type = (short)type;

	if (!family_get(family)) {
		snprintf(modname, sizeof(modname), "net-pf-%d", family);
		request_module(modname);
	}
	err = -EAFNOSUPPORT;
	pf = family_get(family);
	if (!pf)
		goto out_release;

	net_lock(net);
	err = pf->create(net, sock, protocol, kern);
	net_unlock(net);
	if (err < 0) {
		sock->ops = NULL;	/* the family undid its part */
		goto out_release;
	}

	err = security_socket_post_create(sock, family, type, protocol, kern);
	if (err)
		goto out_release;
	*res = sock;
	return 0;

out_release:
	sock_release(sock);
	return err;
}
