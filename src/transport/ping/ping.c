/* SPDX-License-Identifier: MIT */
/*
 * ping.c - ICMP echo sockets (SOCK_DGRAM, IPPROTO_ICMP), after
 * net/ipv4/ping.c: ping without CAP_NET_RAW for the groups in
 * net.ipv4.ping_group_range (none by default: "1 0").
 *
 * The socket's "port" is an echo identifier from a per-namespace table
 * (bind, or the next free one after a rover). The caller writes the ICMP
 * header and payload; the stack puts its identifier in and computes the
 * checksum. Echo replies carrying that identifier come back (ping_rcv,
 * from icmp.c) as the ICMP message without its IP header.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "family/inet/inet_sock.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"
#include "transport/ping/ping.h"
#include "transport/udp/udp.h"
#include "wire/checksum.h"
#include "wire/icmp.h"

#define PING_HTABLE_SIZE	64
#define PING_HTABLE_MASK	(PING_HTABLE_SIZE - 1)

struct ping_table {
	struct hlist_head	hash[PING_HTABLE_SIZE];
	uint16_t		rover;		/* the last identifier handed out */
};

struct ping_sock {
	struct inet_sock	inet;	/* first: a struct sock * is a ping_sock * */
	struct hlist_node	ping_node;
};

static inline struct ping_sock *ping_sk(const struct sock *sk)
{
	return (struct ping_sock *)(void *)sk;
}

static struct ping_table *ping_table_of(struct usn_net *net)
{
	return net->ipv4 ? net->ipv4->ping : NULL;
}

static struct hlist_head *ping_hashslot(struct ping_table *t, uint16_t ident)
{
	return &t->hash[ident & PING_HTABLE_MASK];
}

/* ---- creation: who may ping ---------------------------------------------- */

static bool gid_in_range(gid_t gid, const int range[2])
{
	return (long long)range[0] <= (long long)gid &&
	       (long long)gid <= (long long)range[1];
}

/* The effective group or a supplementary group in net.ipv4.ping_group_range. */
static int ping_init_sock(struct sock *sk)
{
	const int *range = sock_net(sk)->sysctl.ping_group_range;
	gid_t groups[256];
	int n;

	if (gid_in_range(getegid(), range))
		return 0;
	n = getgroups((int)ARRAY_SIZE(groups), groups);
	for (int i = 0; i < n; i++)
		if (gid_in_range(groups[i], range))
			return 0;
	return -EACCES;
}

/* ---- identifiers --------------------------------------------------------- */

static bool ping_ident_taken(struct hlist_head *hslot, uint16_t ident)
{
	struct ping_sock *ps;

	hlist_for_each_entry(ps, hslot, ping_node)
		if (ps->inet.inet_num == ident)
			return true;
	return false;
}

static int ping_get_port(struct sock *sk, unsigned short ident)
{
	struct ping_table *t = ping_table_of(sock_net(sk));
	struct inet_sock *isk = inet_sk(sk);
	struct hlist_head *hslot;
	struct ping_sock *ps;

	if (!t)
		return -EADDRINUSE;
	if (!ident) {
		uint16_t result = (uint16_t)(t->rover + 1);
		long i;

		for (i = 0; i < 65536; i++, result++) {
			if (!result)
				result++;	/* 0 is "unbound" */
			if (!ping_ident_taken(ping_hashslot(t, result), result))
				break;
		}
		if (i >= 65536)
			return -EADDRINUSE;
		t->rover = ident = result;
	} else {
		/* Sockets start with SO_REUSEADDR (as Linux): those share. */
		hlist_for_each_entry(ps, ping_hashslot(t, ident), ping_node) {
			struct sock *sk2 = &ps->inet.sk;

			if (ps->inet.inet_num == ident && sk2 != sk &&
			    (!sk2->sk_reuse || !sk->sk_reuse))
				return -EADDRINUSE;
		}
	}
	isk->inet_num = ident;
	hslot = ping_hashslot(t, ident);
	if (hlist_unhashed(&ping_sk(sk)->ping_node))
		hlist_add_head(&ping_sk(sk)->ping_node, hslot);
	return 0;
}

static void ping_unhash(struct sock *sk)
{
	struct inet_sock *isk = inet_sk(sk);

	if (hlist_unhashed(&ping_sk(sk)->ping_node))
		return;
	hlist_del_init(&ping_sk(sk)->ping_node);
	isk->inet_num = 0;
	isk->inet_sport = 0;
}

static int ping_hash(struct sock *sk)
{
	return 0;	/* hashed by ping_get_port() */
}

/* The socket for echo identifier @ident sent from (or to) @laddr. */
static struct sock *ping_lookup(struct usn_net *net, uint16_t ident,
				uint32_t laddr, int dif)
{
	struct ping_table *t = ping_table_of(net);
	struct ping_sock *ps;

	if (!t)
		return NULL;
	hlist_for_each_entry(ps, ping_hashslot(t, ident), ping_node) {
		struct inet_sock *isk = &ps->inet;

		if (isk->inet_num != ident)
			continue;
		if (isk->inet_rcv_saddr && isk->inet_rcv_saddr != laddr)
			continue;
		if (isk->sk.sk_bound_dev_if && isk->sk.sk_bound_dev_if != dif)
			continue;
		return &isk->sk;
	}
	return NULL;
}

static int ping_bind(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_in *addr = (const struct sockaddr_in *)(void *)uaddr;
	struct inet_sock *isk = inet_sk(sk);
	struct usn_net *net = sock_net(sk);
	unsigned short snum;

	if (addr_len < (int)sizeof(*addr))
		return -EINVAL;
	if (addr->sin_family != AF_INET &&
	    !(addr->sin_family == AF_UNSPEC &&
	      addr->sin_addr.s_addr == htonl(INADDR_ANY)))
		return -EAFNOSUPPORT;
	if (addr->sin_addr.s_addr != htonl(INADDR_ANY)) {
		unsigned int type = inet_addr_type(net, addr->sin_addr.s_addr);

		/* Only a unicast address: echo replies come to one host. */
		if (type == RTN_MULTICAST || type == RTN_BROADCAST ||
		    (type != RTN_LOCAL && !net->sysctl.ip_nonlocal_bind &&
		     !isk->freebind))
			return -EADDRNOTAVAIL;
	}
	if (isk->inet_num)
		return -EINVAL;
	snum = ntohs(addr->sin_port);
	if (ping_get_port(sk, snum))
		return -EADDRINUSE;

	isk->inet_rcv_saddr = isk->inet_saddr = addr->sin_addr.s_addr;
	if (isk->inet_rcv_saddr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (snum)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	isk->inet_sport = htons(isk->inet_num);
	isk->inet_daddr = 0;
	isk->inet_dport = 0;
	return 0;
}

/* ---- receive ------------------------------------------------------------- */

bool ping_rcv(struct sk_buff *skb)
{
	struct usn_net *net = dev_net(skb->dev);
	const uint8_t *iph = ip_hdr(skb);
	enum skb_drop_reason reason;
	struct sock *sk;
	int dif;

	if (skb->len < ICMP_HLEN)
		return false;
	dif = IPCB(skb)->iif ? IPCB(skb)->iif : skb->skb_iif;
	sk = ping_lookup(net, icmp_echo_id(skb->data), ipv4_daddr(iph), dif);
	if (!sk)
		return false;
	skb_reset_transport_header(skb);
	if (sock_queue_rcv_skb_reason(sk, skb, &reason))
		kfree_skb_reason(skb, reason);
	return true;
}

/*
 * An ICMP error about an echo request (@skb data at the quoted IP
 * header). Source quench and redirects are reported too (EREMOTEIO), as
 * ping wants to see them.
 */
void ping_err(struct sk_buff *skb, uint32_t info)
{
	struct usn_net *net = dev_net(skb->dev);
	int type = icmp_info_type(info), code = icmp_info_code(info);
	const uint8_t *iph = skb->data, *icmph;
	struct inet_sock *inet;
	bool harderr = false;
	struct sock *sk;
	unsigned int ihl;
	int err;

	if (skb->len < IPV4_HLEN_MIN)
		return;
	ihl = ipv4_hlen(iph);
	if (ihl < IPV4_HLEN_MIN || skb->len < ihl + ICMP_HLEN)
		return;
	icmph = iph + ihl;
	if (icmp_type(icmph) != ICMP_ECHO || icmp_code(icmph) != 0)
		return;
	/* The request went out from us: its source is our address. */
	sk = ping_lookup(net, icmp_echo_id(icmph), ipv4_saddr(iph),
			 IPCB(skb)->iif);
	if (!sk)
		return;
	inet = inet_sk(sk);

	switch (type) {
	case ICMP_SOURCE_QUENCH:
		err = EREMOTEIO;
		break;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		harderr = true;
		break;
	case ICMP_DEST_UNREACH:
		if (code == ICMP_FRAG_NEEDED) {
			if (inet->pmtudisc == IP_PMTUDISC_DONT)
				return;
			err = EMSGSIZE;
			harderr = true;
			break;
		}
		err = EHOSTUNREACH;
		if (code <= NR_ICMP_UNREACH)
			err = icmp_err_errno(type, code, &harderr);
		break;
	case ICMP_REDIRECT:
		err = EREMOTEIO;
		break;
	case ICMP_TIME_EXCEEDED:
	default:
		err = EHOSTUNREACH;
		break;
	}

	if (!inet->recverr) {
		if (!harderr || sk->sk_state != TCP_ESTABLISHED)
			return;
	} else {
		ip_icmp_error(sk, skb, err, 0, info, icmph);
	}
	sk->sk_err = err;
	sk->sk_error_report(sk);
}

/* ---- send ---------------------------------------------------------------- */

static int ping_sendmsg(struct sock *sk, struct kmsghdr *msg, size_t len)
{
	const struct sockaddr_in *usin = msg->msg_name;
	struct inet_sock *inet = inet_sk(sk);
	struct usn_net *net = sock_net(sk);
	uint8_t user_icmph[ICMP_HLEN], *icmph;
	struct ip_hdr_params iph;
	struct ipcm_cookie ipc;
	struct sk_buff *skb;
	struct flowi4 fl4;
	struct rtable rt;
	uint32_t daddr;
	int err;

	if (len > IPV4_MAX_LEN)
		return -EMSGSIZE;
	if (len < ICMP_HLEN)
		return -EINVAL;		/* at least a whole ICMP header */
	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (msg->msg_flags & MSG_MORE)
		return -EOPNOTSUPP;	/* corking is not supported yet */
	/* The caller's header comes first; only echo requests are allowed. */
	if (memcpy_from_msg(user_icmph, msg, ICMP_HLEN))
		return -EFAULT;
	if (icmp_type(user_icmph) != ICMP_ECHO || icmp_code(user_icmph) != 0)
		return -EINVAL;

	if (usin) {
		if (msg->msg_namelen < (int)sizeof(*usin))
			return -EINVAL;
		if (usin->sin_family != AF_INET)
			return -EAFNOSUPPORT;
		daddr = usin->sin_addr.s_addr;
	} else {
		if (sk->sk_state != TCP_ESTABLISHED)
			return -EDESTADDRREQ;
		daddr = inet->inet_daddr;
	}

	ipcm_init_sk(&ipc, inet);
	if (msg->msg_controllen) {
		err = ip_cmsg_send(sk, msg, &ipc);
		if (err)
			return err;
	}
	err = ip_datagram_route(sk, &ipc, daddr, 0, msg->msg_flags, &fl4, &rt);
	if (err)
		return err;
	err = ip_datagram_prepare(sk, &ipc, &fl4, &rt, len, &iph);
	if (err)
		return err;

	skb = sock_alloc_send_skb(sk, len, msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	icmph = skb_put(skb, (unsigned int)len);
	err = memcpy_from_msg(icmph + ICMP_HLEN, msg, len - ICMP_HLEN);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	/* Our identifier replaces the caller's; the sequence stays. */
	icmp_set_type(icmph, ICMP_ECHO);
	icmp_set_code(icmph, 0);
	icmp_set_check(icmph, 0);
	icmp_set_rest(icmph, (uint32_t)inet->inet_num << 16 |
			     icmp_echo_seq(user_icmph));
	icmp_set_check(icmph, csum_fold(csum_partial(icmph, len, 0)));
	skb_reset_transport_header(skb);

	err = ip_build_and_send(net, skb, &rt, &iph);
	if (err == -ENOBUFS && !inet->recverr)
		err = 0;
	return err < 0 ? err : (int)len;
}

/* ---- receive to the caller ----------------------------------------------- */

static int ping_recvmsg(struct sock *sk, struct kmsghdr *msg, size_t len,
			int flags, int *addr_len)
{
	struct sockaddr_in *sin = msg->msg_name;
	struct sk_buff *skb;
	size_t copied;
	int err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE) {
		err = ip_recv_error(sk, msg, len);
		*addr_len = msg->msg_namelen;
		return err;
	}
	skb = skb_recv_datagram(sk, (unsigned int)flags, &err);
	if (!skb)
		return err;
	copied = skb->len;
	if (copied > len) {
		msg->msg_flags |= MSG_TRUNC;
		copied = len;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, (int)copied);
	if (err)
		goto done;
	if (sin) {
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = ipv4_saddr(ip_hdr(skb));
		*addr_len = sizeof(*sin);
	}
	sock_recv_timestamp(msg, sk, skb);
	if (inet_sk(sk)->cmsg_flags)
		ip_cmsg_recv(msg, skb);
	err = (int)copied;
done:
	skb_free_datagram(sk, skb);
	return err;
}


static const struct proto ping_prot = {
	.name		= "PING",
	.obj_size	= sizeof(struct ping_sock),
	.init		= ping_init_sock,
	.close		= inet_datagram_close,
	.connect	= ip4_datagram_connect,
	.disconnect	= __udp_disconnect,
	.setsockopt	= ip_setsockopt,
	.getsockopt	= ip_getsockopt,
	.sendmsg	= ping_sendmsg,
	.recvmsg	= ping_recvmsg,
	.bind		= ping_bind,
	.hash		= ping_hash,
	.unhash		= ping_unhash,
	.get_port	= ping_get_port,
};

/* As Linux: the raw sockets' operations, and SO_REUSEADDR from the start. */
static struct inet_protosw ping_protosw = {
	.type		= SOCK_DGRAM,
	.protocol	= IPPROTO_ICMP,
	.prot		= &ping_prot,
	.ops		= &inet_sockraw_ops,
	.flags		= INET_PROTOSW_REUSE,
};

static int ping_net_init(struct usn_net *net)
{
	struct ping_table *t;

	if (!net->ipv4)
		return -ENOENT;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	net->ipv4->ping = t;
	return 0;
}

static void ping_net_exit(struct usn_net *net)
{
	struct ping_table *t = ping_table_of(net);

	if (!t)
		return;
	for (unsigned int i = 0; i < PING_HTABLE_SIZE; i++) {
		while (t->hash[i].first) {
			struct ping_sock *ps = hlist_entry(t->hash[i].first,
							   struct ping_sock,
							   ping_node);

			hlist_del_init(&ps->ping_node);
			ps->inet.inet_num = 0;
		}
	}
	net->ipv4->ping = NULL;
	free(t);
}

static struct pernet_operations ping_net_ops = {
	.name	= "ping",
	.init	= ping_net_init,
	.exit	= ping_net_exit,
};

int ping_init(void)
{
	int err = register_pernet_subsys(&ping_net_ops);

	if (err)
		return err;
	inet_register_protosw(&ping_protosw);
	return 0;
}
