/* SPDX-License-Identifier: MIT */
/*
 * sock_diag.c - the kernel side of NETLINK_SOCK_DIAG, after
 * net/core/sock_diag.c: a handler per address family, registered at its
 * start-up, gets the SOCK_DIAG_BY_FAMILY and SOCK_DESTROY requests of its
 * family.
 */
#include <errno.h>
#include <stdatomic.h>
#include <linux/inet_diag.h>
#include "family/netlink/sock_diag.h"
#include "net/net.h"
#include "socket/socket.h"

static const struct sock_diag_handler *_Atomic sock_diag_handlers[AF_MAX];

int sock_diag_register(const struct sock_diag_handler *h)
{
	const struct sock_diag_handler *none = NULL;

	if (h->family < 0 || h->family >= AF_MAX || !h->dump)
		return -EINVAL;
	if (!atomic_compare_exchange_strong(&sock_diag_handlers[h->family],
					    &none, h))
		return -EBUSY;
	return 0;
}

void sock_diag_unregister(const struct sock_diag_handler *h)
{
	const struct sock_diag_handler *expected = h;

	if (h->family >= 0 && h->family < AF_MAX)
		atomic_compare_exchange_strong(&sock_diag_handlers[h->family],
					       &expected, NULL);
}

unsigned long sock_diag_ino(const struct sock *sk)
{
	return sk->sk_socket ? sk->sk_socket->ino : 0;
}

uint32_t sock_diag_uid(const struct sock *sk)
{
	return sk->sk_socket ? (uint32_t)sk->sk_socket->uid : 0;
}

uint64_t sock_gen_cookie(_Atomic uint64_t *slot)
{
	static _Atomic uint64_t cookie_gen;
	uint64_t res = atomic_load(slot), fresh;

	if (res)
		return res;
	fresh = atomic_fetch_add(&cookie_gen, 1) + 1;
	/* Another reader may have set it meanwhile: its cookie wins. */
	return atomic_compare_exchange_strong(slot, &res, fresh) ? fresh : res;
}

static int __sock_diag_cmd(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	const struct sock_diag_handler *h;
	struct sock_diag_req req;

	if (nlmsg_len(nlh) < (int)sizeof(req))
		return -EINVAL;
	memcpy(&req, nlmsg_data(nlh), sizeof(req));
	if (req.sdiag_family >= AF_MAX)
		return -EINVAL;
	h = atomic_load(&sock_diag_handlers[req.sdiag_family]);
	if (!h)
		return -ENOENT;
	if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY)
		return h->dump(skb, nlh);
	return h->destroy ? h->destroy(skb, nlh) : -EOPNOTSUPP;
}

static int sock_diag_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	switch (nlh->nlmsg_type) {
	case TCPDIAG_GETSOCK:
	case DCCPDIAG_GETSOCK:
		/* The old inet_diag_req requests: no compat handler here. */
		return -EOPNOTSUPP;
	case SOCK_DIAG_BY_FAMILY:
	case SOCK_DESTROY:
		return __sock_diag_cmd(skb, nlh);
	default:
		return -EINVAL;
	}
}

static void sock_diag_rcv(struct sk_buff *skb)
{
	netlink_rcv_skb(skb, sock_diag_rcv_msg);
}

static const struct netlink_kernel_cfg sock_diag_cfg = {
	.groups	= SKNLGRP_MAX,
	.input	= sock_diag_rcv,
};

int sock_diag_init(void);

int sock_diag_init(void)
{
	int err = netlink_kernel_register(NETLINK_SOCK_DIAG, &sock_diag_cfg);

	return err ? err : inet_diag_init();
}
