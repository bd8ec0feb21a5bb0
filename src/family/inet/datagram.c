/* SPDX-License-Identifier: MIT */
/*
 * datagram.c - what datagram sockets (UDP, raw, ping) share on the way
 * out, after net/ipv4/datagram.c and the checks of ip_append_data():
 * connect() (route once, remember the peer), the route of one sendmsg,
 * and the IP header fields and size limits of one datagram.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include "family/inet/inet_sock.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"

int ip4_datagram_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_in *usin = (const struct sockaddr_in *)(void *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	struct usn_net *net = sock_net(sk);
	struct flowi4 fl4;
	struct rtable rt;
	int err;

	if (addr_len < (int)sizeof(*usin))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;

	memset(&fl4, 0, sizeof(fl4));
	fl4.flowi4_oif = sk->sk_bound_dev_if;
	fl4.flowi4_tos = inet->tos;
	fl4.flowi4_proto = (uint8_t)sk->sk_protocol;
	fl4.daddr = usin->sin_addr.s_addr;
	fl4.saddr = inet->inet_saddr;
	fl4.fl4_sport = inet->inet_sport;
	fl4.fl4_dport = usin->sin_port;
	err = ip_route_output_key(net, &fl4, &rt);
	if (err) {
		if (err == -ENETUNREACH)
			IP_INC_STATS(net, OutNoRoutes);
		return err;
	}
	if (rt.rt_type == RTN_BROADCAST && !sock_flag(sk, SOCK_BROADCAST))
		return -EACCES;

	if (!inet->inet_saddr)
		inet->inet_saddr = fl4.saddr;
	if (!inet->inet_rcv_saddr)
		inet->inet_rcv_saddr = fl4.saddr;
	inet->inet_daddr = fl4.daddr;
	inet->inet_dport = usin->sin_port;
	sk->sk_state = TCP_ESTABLISHED;
	inet->inet_id = (uint16_t)net_random_u32(net);
	return 0;
}

int ip_datagram_route(struct sock *sk, const struct ipcm_cookie *ipc,
		      uint32_t daddr, uint16_t dport, unsigned int msg_flags,
		      struct flowi4 *fl4, struct rtable *rt)
{
	struct inet_sock *inet = inet_sk(sk);
	struct usn_net *net = sock_net(sk);
	int err;

	memset(fl4, 0, sizeof(*fl4));
	fl4->flowi4_oif = ipc->oif;
	fl4->flowi4_tos = (uint8_t)(ipc->tos >= 0 ? ipc->tos : inet->tos);
	fl4->flowi4_proto = (uint8_t)sk->sk_protocol;
	/* MSG_DONTROUTE: only destinations on a link of ours. */
	fl4->flowi4_scope = (msg_flags & MSG_DONTROUTE) ? RT_SCOPE_LINK :
							  RT_SCOPE_UNIVERSE;
	fl4->daddr = daddr;
	fl4->saddr = ipc->addr;
	fl4->fl4_sport = inet->inet_sport;
	fl4->fl4_dport = dport;
	err = ip_route_output_key(net, fl4, rt);
	if (err) {
		if (err == -ENETUNREACH)
			IP_INC_STATS(net, OutNoRoutes);
		return err;
	}
	if (rt->rt_type == RTN_BROADCAST && !sock_flag(sk, SOCK_BROADCAST))
		return -EACCES;
	return 0;
}

int ip_datagram_prepare(struct sock *sk, const struct ipcm_cookie *ipc,
			const struct flowi4 *fl4, const struct rtable *rt,
			size_t length, struct ip_hdr_params *p)
{
	struct inet_sock *inet = inet_sk(sk);
	unsigned int mtu, maxnonfragsize;
	bool ignore_df;

	/* IP_PMTUDISC_PROBE and above use the device's MTU, not the path's. */
	mtu = rt->rt_mtu;
	if (inet->pmtudisc >= IP_PMTUDISC_PROBE && rt->dev)
		mtu = rt->dev->mtu;
	/* DONT and WANT may fragment: only the IPv4 length limits them. */
	ignore_df = inet->pmtudisc < IP_PMTUDISC_DO ||
		    inet->pmtudisc == IP_PMTUDISC_OMIT;
	maxnonfragsize = ignore_df ? IPV4_MAX_LEN : mtu;
	if (length > maxnonfragsize - IPV4_HLEN_MIN) {
		ip_local_error(sk, EMSGSIZE, fl4->daddr, inet->inet_dport, mtu);
		return -EMSGSIZE;
	}

	memset(p, 0, sizeof(*p));
	p->saddr = fl4->saddr;
	p->daddr = fl4->daddr;
	p->protocol = (uint8_t)sk->sk_protocol;
	if (ipc->ttl > 0)
		p->ttl = (uint8_t)ipc->ttl;
	else if (ipv4_is_multicast(fl4->daddr))
		p->ttl = 1;	/* IP_MULTICAST_TTL's default */
	else
		p->ttl = (uint8_t)ip_sk_ttl(sk);
	p->tos = (uint8_t)(ipc->tos >= 0 ? ipc->tos : inet->tos);
	/*
	 * DO and PROBE always set DF; WANT sets it when the datagram fits the
	 * path (path MTU discovery) and lets a larger one be fragmented.
	 */
	p->df = inet->pmtudisc == IP_PMTUDISC_DO ||
		inet->pmtudisc == IP_PMTUDISC_PROBE ||
		(inet->pmtudisc == IP_PMTUDISC_WANT &&
		 length + IPV4_HLEN_MIN <= mtu);
	return 0;
}
