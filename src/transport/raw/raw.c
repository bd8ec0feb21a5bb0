/* SPDX-License-Identifier: MIT */
/*
 * raw.c - raw IPv4 sockets (SOCK_RAW), after net/ipv4/raw.c.
 *
 * A raw socket is hashed at creation under its protocol (inet_num) in a
 * per-namespace table with one chain per protocol number. Every datagram
 * delivered locally passes raw_local_deliver() before its protocol's
 * handler: each raw socket of that protocol whose bound address, peer and
 * device match gets a clone, with the IP header pushed back in front
 * (ICMP sockets may drop types with ICMP_FILTER).
 *
 * Sending builds the IP header (protocol = the socket's), or, with
 * IP_HDRINCL (always for IPPROTO_RAW), sends the caller's header after
 * filling what Linux fills: the source when 0, the total length, an ID
 * when 0 and the header checksum.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "family/inet/inet_sock.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "net/trace.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"
#include "transport/raw/raw.h"
#include "transport/udp/udp.h"
#include "wire/checksum.h"
#include "wire/icmp.h"

#define RAW_HTABLE_SIZE		256	/* one chain per protocol number */

#ifndef ICMP_FILTER
#define ICMP_FILTER		1	/* SOL_RAW option of IPPROTO_ICMP sockets */
#endif

struct raw_hashinfo {
	struct hlist_head	ht[RAW_HTABLE_SIZE];
};

struct raw_sock {
	struct inet_sock	inet;	/* first: a struct sock * is a raw_sock * */
	struct hlist_node	raw_node;
	uint32_t		filter;	/* ICMP_FILTER: bit n drops ICMP type n */
};

static inline struct raw_sock *raw_sk(const struct sock *sk)
{
	return (struct raw_sock *)(void *)sk;
}

static struct raw_hashinfo *raw_table_of(struct usn_net *net)
{
	return net->ipv4 ? net->ipv4->raw : NULL;
}

static int raw_hash_sk(struct sock *sk)
{
	struct raw_hashinfo *h = raw_table_of(sock_net(sk));
	struct raw_sock *rp = raw_sk(sk);

	if (!h)
		return -EAFNOSUPPORT;
	if (hlist_unhashed(&rp->raw_node))
		hlist_add_head(&rp->raw_node,
			       &h->ht[inet_sk(sk)->inet_num & (RAW_HTABLE_SIZE - 1)]);
	return 0;
}

static void raw_unhash_sk(struct sock *sk)
{
	hlist_del_init(&raw_sk(sk)->raw_node);
}

static bool raw_v4_match(const struct sock *sk, uint16_t num, uint32_t raddr,
			 uint32_t laddr, int dif)
{
	const struct inet_sock *inet = inet_sk(sk);

	return inet->inet_num == num &&
	       !(inet->inet_daddr && inet->inet_daddr != raddr) &&
	       !(inet->inet_rcv_saddr && inet->inet_rcv_saddr != laddr) &&
	       !(sk->sk_bound_dev_if && sk->sk_bound_dev_if != dif);
}

/* ---- receive ------------------------------------------------------------- */

/* True when @sk's ICMP_FILTER drops @skb (data at the ICMP header). */
static bool icmp_filter(const struct sock *sk, const struct sk_buff *skb)
{
	uint8_t type;

	if (skb->len < ICMP_HLEN)
		return true;
	type = icmp_type(skb->data);
	/* Types above 31 have no bit: never filtered. */
	return type < 32 && (raw_sk(sk)->filter & (1u << type));
}

static int raw_rcv(struct sock *sk, struct sk_buff *skb)
{
	TRACE_FUNC(sock_net(sk));
	enum skb_drop_reason reason;

	/* The reader (and the socket filter) gets the IP header too. */
	skb_push(skb, (unsigned int)(skb->data - skb_network_header(skb)));
	if (sock_queue_rcv_skb_reason(sk, skb, &reason)) {
		kfree_skb_reason(skb, reason);
		return -1;
	}
	return 0;
}

static bool raw_v4_input(struct usn_net *net, struct sk_buff *skb,
			 struct hlist_head *head)
{
	TRACE_FUNC(net);
	const uint8_t *iph = ip_hdr(skb);
	uint8_t protocol = ipv4_protocol(iph);
	int dif = IPCB(skb)->iif ? IPCB(skb)->iif : skb->skb_iif;
	bool delivered = false;
	struct raw_sock *rp;

	hlist_for_each_entry(rp, head, raw_node) {
		struct sock *sk = &rp->inet.sk;
		struct sk_buff *clone;

		if (!raw_v4_match(sk, protocol, ipv4_saddr(iph),
				  ipv4_daddr(iph), dif))
			continue;
		delivered = true;
		if (protocol == IPPROTO_ICMP && icmp_filter(sk, skb))
			continue;
		clone = skb_clone(skb);
		if (!clone) {
			atomic_fetch_add(&sk->sk_drops, 1);
			continue;
		}
		raw_rcv(sk, clone);
	}
	return delivered;
}

bool raw_local_deliver(struct sk_buff *skb, uint8_t protocol)
{
	struct usn_net *net = dev_net(skb->dev);
	struct raw_hashinfo *h = raw_table_of(net);
	struct hlist_head *head;

	if (!h)
		return false;
	head = &h->ht[protocol & (RAW_HTABLE_SIZE - 1)];
	/* Traced only when a raw socket of the protocol exists. */
	if (!head->first)
		return false;
	{
		TRACE_FUNC(net);
		return raw_v4_input(net, skb, head);
	}
}

/*
 * An ICMP error about a datagram a raw socket may have sent: with
 * IP_RECVERR it is queued; a connected socket learns hard errors.
 */
static void raw_err(struct sock *sk, struct sk_buff *skb, uint32_t info)
{
	struct inet_sock *inet = inet_sk(sk);
	int type = icmp_info_type(info), code = icmp_info_code(info);
	bool harderr = false;
	int err;

	if (type == ICMP_REDIRECT)
		return;
	if (!inet->recverr && sk->sk_state != TCP_ESTABLISHED)
		return;
	switch (type) {
	case ICMP_SOURCE_QUENCH:
		return;
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		harderr = true;
		break;
	case ICMP_DEST_UNREACH:
		err = EHOSTUNREACH;
		if (code > NR_ICMP_UNREACH)
			break;
		if (code == ICMP_FRAG_NEEDED) {
			harderr = inet->pmtudisc != IP_PMTUDISC_DONT;
			err = EMSGSIZE;
		} else {
			err = icmp_err_errno(type, code, &harderr);
		}
		break;
	case ICMP_TIME_EXCEEDED:
	default:
		err = EHOSTUNREACH;
		break;
	}
	if (inet->recverr) {
		const uint8_t *payload = skb->data + ipv4_hlen(skb->data);

		/* With IP_HDRINCL the caller wrote the IP header: it gets it back. */
		if (inet->hdrincl)
			payload = skb->data;
		ip_icmp_error(sk, skb, err, 0, info, payload);
	}
	if (inet->recverr || harderr) {
		sk->sk_err = err;
		sk->sk_error_report(sk);
	}
}

void raw_icmp_error(struct sk_buff *skb, uint8_t protocol, uint32_t info)
{
	struct raw_hashinfo *h = raw_table_of(dev_net(skb->dev));
	const uint8_t *iph = skb->data;
	struct raw_sock *rp;
	int dif;

	if (!h || skb->len < IPV4_HLEN_MIN)
		return;
	dif = IPCB(skb)->iif;
	hlist_for_each_entry(rp, &h->ht[protocol & (RAW_HTABLE_SIZE - 1)],
			     raw_node) {
		/* The quoted datagram went out: its destination is the peer. */
		if (raw_v4_match(&rp->inet.sk, ipv4_protocol(iph),
				 ipv4_daddr(iph), ipv4_saddr(iph), dif))
			raw_err(&rp->inet.sk, skb, info);
	}
}

/* ---- send ---------------------------------------------------------------- */

/* IP_HDRINCL: the caller's header and payload, as raw_send_hdrinc(). */
static int raw_send_hdrinc(struct sock *sk, struct flowi4 *fl4,
			   const struct rtable *rt, struct kmsghdr *msg,
			   size_t length)
{
	struct inet_sock *inet = inet_sk(sk);
	struct usn_net *net = sock_net(sk);
	unsigned int mtu = rt->dev ? rt->dev->mtu : rt->rt_mtu;
	struct sk_buff *skb;
	unsigned int iphlen;
	uint8_t *iph;
	int err;

	if (length > mtu) {
		ip_local_error(sk, EMSGSIZE, fl4->daddr, inet->inet_dport, mtu);
		return -EMSGSIZE;
	}
	if (length < IPV4_HLEN_MIN)
		return -EINVAL;
	skb = sock_alloc_send_skb(sk, length, msg->msg_flags & MSG_DONTWAIT,
				  &err);
	if (!skb)
		goto error;
	iph = skb_put(skb, (unsigned int)length);
	skb_reset_network_header(skb);
	err = memcpy_from_msg(iph, msg, length);
	if (err)
		goto error_free;
	/* The header must lie inside what was given. */
	iphlen = ipv4_hlen(iph);
	err = -EINVAL;
	if (iphlen > length)
		goto error_free;
	if (iphlen >= IPV4_HLEN_MIN && !ipv4_saddr(iph))
		ipv4_set_saddr(iph, fl4->saddr);
	/* ip_local_out() fills the length, an ID when 0, and the checksum. */
	err = ip_local_out(net, skb, rt);
	if (err)
		goto error;
	return 0;

error_free:
	kfree_skb(skb);
error:
	IP_INC_STATS(net, OutDiscards);
	if (err == -ENOBUFS && !inet->recverr)
		err = 0;
	return err;
}

static int raw_sendmsg(struct sock *sk, struct kmsghdr *msg, size_t len)
{
	const struct sockaddr_in *usin = msg->msg_name;
	struct inet_sock *inet = inet_sk(sk);
	struct usn_net *net = sock_net(sk);
	struct ip_hdr_params iph;
	struct ipcm_cookie ipc;
	struct sk_buff *skb;
	struct flowi4 fl4;
	struct rtable rt;
	uint32_t daddr;
	int err;

	if (len > IPV4_MAX_LEN)
		return -EMSGSIZE;
	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (msg->msg_flags & MSG_MORE)
		return -EOPNOTSUPP;	/* corking is not supported yet */

	if (usin) {
		if (msg->msg_namelen < (int)sizeof(*usin))
			return -EINVAL;
		/* Linux lets 0 (AF_UNSPEC) through for old programs. */
		if (usin->sin_family != AF_INET && usin->sin_family)
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
	if (inet->hdrincl) {
		err = raw_send_hdrinc(sk, &fl4, &rt, msg, len);
		return err < 0 ? err : (int)len;
	}

	err = ip_datagram_prepare(sk, &ipc, &fl4, &rt, len, &iph);
	if (err)
		return err;
	iph.protocol = (uint8_t)inet->inet_num;
	skb = sock_alloc_send_skb(sk, len, msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	err = memcpy_from_msg(skb_put(skb, (unsigned int)len), msg, len);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	skb_reset_transport_header(skb);
	err = ip_build_and_send(net, skb, &rt, &iph);
	if (err == -ENOBUFS && !inet->recverr)
		err = 0;
	return err < 0 ? err : (int)len;
}

/* ---- receive to the caller, options -------------------------------------- */

static int raw_recvmsg(struct sock *sk, struct kmsghdr *msg, size_t len,
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
	if (len < copied) {
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
	err = (int)((flags & MSG_TRUNC) ? skb->len : copied);
done:
	skb_free_datagram(sk, skb);
	return err;
}

static int raw_bind(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_in *addr = (const struct sockaddr_in *)(void *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	unsigned int chk_addr_ret;

	/* Linux does not look at sin_family here. */
	if (sk->sk_state != TCP_CLOSE || addr_len < (int)sizeof(*addr))
		return -EINVAL;
	chk_addr_ret = inet_addr_type(sock_net(sk), addr->sin_addr.s_addr);
	if (!inet_addr_valid_or_nonlocal(sock_net(sk), inet,
					 addr->sin_addr.s_addr, chk_addr_ret))
		return -EADDRNOTAVAIL;
	inet->inet_rcv_saddr = inet->inet_saddr = addr->sin_addr.s_addr;
	if (chk_addr_ret == RTN_MULTICAST || chk_addr_ret == RTN_BROADCAST)
		inet->inet_saddr = 0;
	return 0;
}

static int raw_setsockopt(struct sock *sk, int level, int optname,
			  const void *optval, unsigned int optlen)
{
	if (level != SOL_RAW)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (optname != ICMP_FILTER)
		return -ENOPROTOOPT;
	if (inet_sk(sk)->inet_num != IPPROTO_ICMP)
		return -EOPNOTSUPP;
	if (optlen > sizeof(uint32_t))
		optlen = sizeof(uint32_t);
	if (optlen) {
		if (!optval)
			return -EFAULT;
		/* A short value replaces only its first bytes, as Linux. */
		memcpy(&raw_sk(sk)->filter, optval, optlen);
	}
	return 0;
}

static int raw_getsockopt(struct sock *sk, int level, int optname,
			  void *optval, int *optlen)
{
	if (level != SOL_RAW)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (optname != ICMP_FILTER)
		return -ENOPROTOOPT;
	if (inet_sk(sk)->inet_num != IPPROTO_ICMP)
		return -EOPNOTSUPP;
	if (*optlen < 0)
		return -EINVAL;
	return sockopt_put(optval, optlen, &raw_sk(sk)->filter,
			   sizeof(uint32_t));
}

static int raw_ioctl(struct sock *sk, int cmd, int *karg)
{
	struct sk_buff *skb;

	switch (cmd) {
	case SIOCOUTQ:
		*karg = atomic_load(&sk->sk_wmem_alloc);
		return 0;
	case SIOCINQ:
		skb = skb_peek(&sk->sk_receive_queue);
		*karg = skb ? (int)skb->len : 0;
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}


/*
 * disconnect is __udp_disconnect, as in Linux: a raw socket never has a
 * bound "port", so connect(AF_UNSPEC) also unhashes it and it receives
 * nothing more.
 */
static const struct proto raw_prot = {
	.name		= "RAW",
	.obj_size	= sizeof(struct raw_sock),
	.close		= inet_datagram_close,
	.connect	= ip4_datagram_connect,
	.disconnect	= __udp_disconnect,
	.ioctl		= raw_ioctl,
	.setsockopt	= raw_setsockopt,
	.getsockopt	= raw_getsockopt,
	.sendmsg	= raw_sendmsg,
	.recvmsg	= raw_recvmsg,
	.bind		= raw_bind,
	.hash		= raw_hash_sk,
	.unhash		= raw_unhash_sk,
};

static struct inet_protosw raw_protosw = {
	.type		= SOCK_RAW,
	.protocol	= IPPROTO_WILDCARD,
	.prot		= &raw_prot,
	.ops		= &inet_sockraw_ops,
	.flags		= INET_PROTOSW_REUSE,
};

static int raw_net_init(struct usn_net *net)
{
	struct raw_hashinfo *h;

	if (!net->ipv4)
		return -ENOENT;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	net->ipv4->raw = h;
	return 0;
}

static void raw_net_exit(struct usn_net *net)
{
	struct raw_hashinfo *h = raw_table_of(net);

	if (!h)
		return;
	for (unsigned int i = 0; i < RAW_HTABLE_SIZE; i++)
		while (h->ht[i].first)
			hlist_del_init(h->ht[i].first);
	net->ipv4->raw = NULL;
	free(h);
}

static struct pernet_operations raw_net_ops = {
	.name	= "raw",
	.init	= raw_net_init,
	.exit	= raw_net_exit,
};

int raw_init(void)
{
	int err = register_pernet_subsys(&raw_net_ops);

	if (err)
		return err;
	inet_register_protosw(&raw_protosw);
	return 0;
}
