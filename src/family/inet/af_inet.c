/* SPDX-License-Identifier: MIT */
/*
 * af_inet.c - the PF_INET family, after net/ipv4/af_inet.c: the table of
 * socket types (inetsw[type], filled by each transport's init),
 * inet_create() with the kernel's lookup rules, the verbs every inet
 * socket shares (bind, connect for datagrams, getname, ioctl, shutdown,
 * send and receive handed to the transport) and the proto_ops tables of
 * datagram and raw sockets.
 *
 * Every verb runs with the namespace lock held (the socket layer takes it).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include "family/inet/inet_sock.h"
#include "net/net.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"
#include "socket/security.h"
#include "transport/tcp/tcp.h"

#define PROT_SOCK	1024	/* ports below need CAP_NET_BIND_SERVICE */
#define INET_PROTO_MAX	263	/* IPPROTO_MAX: IPPROTO_MPTCP + 1 */

/* ---- the table of socket types ------------------------------------------- */

/*
 * inetsw[type]: the entries of one socket type, permanent ones first, a
 * wildcard (IPPROTO_IP) entry matching any protocol. Written only at
 * start-up (inet_init, under the process lock), read by inet_create().
 */
static struct list_head inetsw[SOCK_MAX];
static bool inetsw_ready;

static void inetsw_init(void)
{
	if (inetsw_ready)
		return;
	for (int i = 0; i < SOCK_MAX; i++)
		INIT_LIST_HEAD(&inetsw[i]);
	inetsw_ready = true;
}

void inet_register_protosw(struct inet_protosw *p)
{
	struct list_head *lh, *last_perm;

	inetsw_init();
	if (p->type >= SOCK_MAX)
		return;
	/*
	 * A new entry goes after the permanent ones, so a wildcard protocol
	 * (0) still finds the permanent entry first; it may shadow other
	 * non-permanent ones, which come back when it is unregistered.
	 */
	last_perm = &inetsw[p->type];
	for (lh = inetsw[p->type].next; lh != &inetsw[p->type]; lh = lh->next) {
		struct inet_protosw *answer =
			list_entry(lh, struct inet_protosw, list);

		if (!(answer->flags & INET_PROTOSW_PERMANENT))
			break;
		if (answer->protocol == p->protocol)
			return;		/* cannot override a permanent entry */
		last_perm = lh;
	}
	list_add(&p->list, last_perm);
}

void inet_unregister_protosw(struct inet_protosw *p)
{
	if (p->flags & INET_PROTOSW_PERMANENT)
		return;
	list_del_init(&p->list);
}

/*
 * The entry for (@type, *@protocol): protocol 0 takes the type's first
 * entry (and its protocol), a wildcard entry takes any protocol but 0.
 * -ESOCKTNOSUPPORT when the type has no entries, -EPROTONOSUPPORT when
 * none matches.
 */
static int inetsw_lookup(int type, int *protocol,
			 const struct inet_protosw **res)
{
	const struct inet_protosw *answer;
	int err = -ESOCKTNOSUPPORT;

	if (!inetsw_ready || type < 0 || type >= SOCK_MAX)
		return err;
	list_for_each_entry(answer, &inetsw[type], list) {
		err = 0;
		if (*protocol == answer->protocol) {
			if (*protocol != IPPROTO_IP)
				break;
		} else {
			if (*protocol == IPPROTO_IP) {
				*protocol = answer->protocol;
				break;
			}
			if (answer->protocol == IPPROTO_WILDCARD)
				break;
		}
		err = -EPROTONOSUPPORT;
	}
	if (!err)
		*res = answer;
	return err;
}

bool inet_capable_raw(struct usn_net *net)
{
	return ns_capable(net, CAP_NET_RAW);
}

int inet_create(struct usn_net *net, struct socket *sock, int protocol,
		int kern)
{
	const struct inet_protosw *answer = NULL;
	struct inet_sock *inet;
	struct sock *sk;
	int err;

	if (protocol < 0 || protocol >= INET_PROTO_MAX)
		return -EINVAL;
	sock->state = SS_UNCONNECTED;

	err = inetsw_lookup(sock->type, &protocol, &answer);
	if (err)
		return err;
	if (sock->type == SOCK_RAW && !kern && !inet_capable_raw(net))
		return -EPERM;
	if (!net->ipv4)
		return -EAFNOSUPPORT;	/* IPv4 not set up in this namespace */

	sock->ops = answer->ops;
	sk = sk_alloc(net, PF_INET, answer->prot, kern);
	if (!sk)
		return -ENOBUFS;
	if (answer->flags & INET_PROTOSW_REUSE)
		sk->sk_reuse = SK_CAN_REUSE;

	inet = inet_sk(sk);
	inet->is_icsk = !!(answer->flags & INET_PROTOSW_ICSK);
	if (sock->type == SOCK_RAW) {
		inet->inet_num = (uint16_t)protocol;
		if (protocol == IPPROTO_RAW)
			inet->hdrincl = 1;
	}
	inet->pmtudisc = net->sysctl.ip_no_pmtu_disc ? IP_PMTUDISC_DONT :
						       IP_PMTUDISC_WANT;
	sock_init_data(sock, sk);
	sk->sk_protocol = (unsigned short)protocol;
	inet->uc_ttl = -1;

	if (inet->inet_num) {
		/* Raw sockets are hashed now: they receive from creation on. */
		inet->inet_sport = htons(inet->inet_num);
		if (sk->sk_prot->hash) {
			err = sk->sk_prot->hash(sk);
			if (err)
				goto out_release;
		}
	}
	if (sk->sk_prot->init) {
		err = sk->sk_prot->init(sk);
		if (err)
			goto out_release;
	}
	return 0;

out_release:
	sk_common_release(sk);
	sock->sk = NULL;
	return err;
}

/* ---- life cycle ---------------------------------------------------------- */

void sk_common_release(struct sock *sk)
{
	if (sk->sk_prot->destroy)
		sk->sk_prot->destroy(sk);
	if (sk->sk_prot->unhash)
		sk->sk_prot->unhash(sk);
	sock_orphan(sk);
	sock_put(sk);
}

void inet_datagram_close(struct sock *sk, long timeout)
{
	(void)timeout;
	sk_common_release(sk);
}

int inet_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	long timeout = 0;

	if (!sk)
		return 0;
	if (sock_flag(sk, SOCK_LINGER))
		timeout = (long)sk->sk_lingertime;
	sk->sk_prot->close(sk, timeout);
	sock->sk = NULL;
	return 0;
}

/* ---- bind and connect ---------------------------------------------------- */

bool inet_addr_valid_or_nonlocal(struct usn_net *net,
				 const struct inet_sock *inet, uint32_t addr,
				 unsigned int addr_type)
{
	return net->sysctl.ip_nonlocal_bind || inet->freebind ||
	       addr == htonl(INADDR_ANY) || addr_type == RTN_LOCAL ||
	       addr_type == RTN_MULTICAST || addr_type == RTN_BROADCAST;
}

static int __inet_bind(struct sock *sk, const struct sockaddr_in *addr)
{
	struct inet_sock *inet = inet_sk(sk);
	struct usn_net *net = sock_net(sk);
	unsigned int chk_addr_ret;
	unsigned short snum;
	int err;

	if (addr->sin_family != AF_INET) {
		/* Compatibility: AF_UNSPEC is taken for AF_INET with INADDR_ANY. */
		if (addr->sin_family != AF_UNSPEC ||
		    addr->sin_addr.s_addr != htonl(INADDR_ANY))
			return -EAFNOSUPPORT;
	}
	chk_addr_ret = inet_addr_type(net, addr->sin_addr.s_addr);
	if (!inet_addr_valid_or_nonlocal(net, inet, addr->sin_addr.s_addr,
					 chk_addr_ret))
		return -EADDRNOTAVAIL;

	snum = ntohs(addr->sin_port);
	if (snum && snum < PROT_SOCK &&
	    !ns_capable(net, CAP_NET_BIND_SERVICE))
		return -EACCES;

	/* An active socket or a second bind. */
	if (sk->sk_state != TCP_CLOSE || inet->inet_num)
		return -EINVAL;

	inet->inet_rcv_saddr = inet->inet_saddr = addr->sin_addr.s_addr;
	if (chk_addr_ret == RTN_MULTICAST || chk_addr_ret == RTN_BROADCAST)
		inet->inet_saddr = 0;	/* the device's address when sending */

	err = sk->sk_prot->get_port(sk, snum);
	if (err) {
		inet->inet_saddr = inet->inet_rcv_saddr = 0;
		return err;
	}
	if (inet->inet_rcv_saddr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (snum)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	inet->inet_sport = htons(inet->inet_num);
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	return 0;
}

int inet_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sock *sk = sock->sk;

	/* Raw and ping sockets bind their own way. */
	if (sk->sk_prot->bind)
		return sk->sk_prot->bind(sk, uaddr, addr_len);
	if (addr_len < (int)sizeof(struct sockaddr_in))
		return -EINVAL;
	if (!sk->sk_prot->get_port)
		return -EOPNOTSUPP;
	return __inet_bind(sk, (const struct sockaddr_in *)(void *)uaddr);
}

/* Picks a local port for a socket that sends or connects unbound. */
static int inet_autobind(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);

	if (!inet->inet_num) {
		if (sk->sk_prot->get_port(sk, 0))
			return -EAGAIN;
		inet->inet_sport = htons(inet->inet_num);
	}
	return 0;
}

int inet_dgram_connect(struct socket *sock, struct sockaddr *uaddr,
		       int addr_len, int flags)
{
	struct sock *sk = sock->sk;
	const struct proto *prot = sk->sk_prot;

	if (addr_len < (int)sizeof(uaddr->sa_family))
		return -EINVAL;
	if (uaddr->sa_family == AF_UNSPEC)
		return prot->disconnect(sk, flags);
	if (!inet_sk(sk)->inet_num && prot->get_port && inet_autobind(sk))
		return -EAGAIN;
	return prot->connect(sk, uaddr, addr_len);
}

/* ---- names, ioctl, shutdown ---------------------------------------------- */

int inet_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)uaddr;
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (peer) {
		if (!inet->inet_dport ||
		    ((sk->sk_state == TCP_CLOSE ||
		      sk->sk_state == TCP_SYN_SENT) && peer == 1))
			return -ENOTCONN;
		sin->sin_port = inet->inet_dport;
		sin->sin_addr.s_addr = inet->inet_daddr;
	} else {
		uint32_t addr = inet->inet_rcv_saddr;

		if (!addr)
			addr = inet->inet_saddr;
		sin->sin_port = inet->inet_sport;
		sin->sin_addr.s_addr = addr;
	}
	return sizeof(*sin);
}

int inet_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	int karg, err;

	if (!sk->sk_prot->ioctl)
		return -ENOIOCTLCMD;
	err = sk->sk_prot->ioctl(sk, (int)cmd, &karg);
	if (err)
		return err;
	if (!arg)
		return -EFAULT;
	memcpy((void *)arg, &karg, sizeof(karg));
	return 0;
}

int inet_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	/*
	 * 0 -> RCV_SHUTDOWN, 1 -> SEND_SHUTDOWN, 2 -> both. The range is
	 * checked before the increment: INT_MAX + 1 would overflow.
	 */
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	how++;
	if (sock->state == SS_CONNECTING)
		sock->state = sk->sk_state == TCP_CLOSE ? SS_DISCONNECTING :
							  SS_CONNECTED;
	switch (sk->sk_state) {
	case TCP_CLOSE:
		/*
		 * Not connected: ENOTCONN, but the shutdown still takes
		 * effect, so other threads polling wake up (as Linux).
		 */
		err = -ENOTCONN;
		/* fallthrough */
	default:
		sk->sk_shutdown |= (unsigned char)how;
		break;
	}
	sk->sk_state_change(sk);
	return err;
}

/* ---- data ---------------------------------------------------------------- */

int inet_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;

	/* Raw sockets have no ports (no get_port): no autobind for them. */
	if (!inet_sk(sk)->inet_num && sk->sk_prot->get_port &&
	    inet_autobind(sk))
		return -EAGAIN;
	return sk->sk_prot->sendmsg(sk, msg, size);
}

int inet_recvmsg(struct socket *sock, struct kmsghdr *msg, size_t size,
		 int flags)
{
	struct sock *sk = sock->sk;
	int addr_len = 0;
	int err;

	err = sk->sk_prot->recvmsg(sk, msg, size, flags, &addr_len);
	if (err >= 0)
		msg->msg_namelen = addr_len;
	return err;
}

/* ---- stream sockets (TCP) --------------------------------------------------- */

/* Sleeps while the handshake runs; returns the time left (inet_wait_for_connect). */
static long inet_wait_for_connect(struct sock *sk, long timeo)
{
	while ((1u << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		sk_wait_event(sk, &timeo, !((1u << sk->sk_state) &
					    (TCPF_SYN_SENT | TCPF_SYN_RECV)));
		if (!timeo)
			break;
	}
	return timeo;
}

int inet_stream_connect(struct socket *sock, struct sockaddr *uaddr,
			int addr_len, int flags)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (addr_len < (int)sizeof(uaddr->sa_family))
		return -EINVAL;
	if (uaddr->sa_family == AF_UNSPEC) {
		err = sk->sk_prot->disconnect(sk, flags);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		return err;
	}
	switch (sock->state) {
	default:
		return -EINVAL;
	case SS_CONNECTED:
		return -EISCONN;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		if (sk->sk_state != TCP_CLOSE)
			return -EISCONN;
		err = sk->sk_prot->connect(sk, uaddr, addr_len);
		if (err < 0)
			return err;
		sock->state = SS_CONNECTING;
		/* Non-blocking: EINPROGRESS now, EALREADY on a second call. */
		err = -EINPROGRESS;
		break;
	}
	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1u << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (!timeo)
			return err;
		timeo = inet_wait_for_connect(sk, timeo);
		if ((1u << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			return err;
	}
	/* Closed by a RST, a timeout or an ICMP error. */
	if (sk->sk_state == TCP_CLOSE) {
		err = sock_error(sk);
		if (!err)
			err = -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		if (sk->sk_prot->disconnect(sk, flags))
			sock->state = SS_DISCONNECTING;
		return err;
	}
	sock->state = SS_CONNECTED;
	return 0;
}

int inet_accept(struct socket *sock, struct socket *newsock, int flags,
		bool kern)
{
	struct sock *sk2;
	int err = -EINVAL;

	(void)kern;
	sk2 = inet_csk_accept(sock->sk, flags, &err);
	if (!sk2)
		return err;
	sock_graft(sk2, newsock);
	newsock->state = SS_CONNECTED;
	return 0;
}

int inet_listen(struct socket *sock, int backlog)
{
	if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM)
		return -EINVAL;
	return __inet_listen_sk(sock->sk, backlog);
}

/* shutdown(2) of stream sockets: SHUT_WR sends the FIN; a SYN_SENT socket aborts. */
int inet_stream_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)	/* before ++: INT_MAX */
		return -EINVAL;
	how++;
	if (sock->state == SS_CONNECTING) {
		if ((1u << sk->sk_state) &
		    (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}
	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		/* fallthrough */
	default:
		sk->sk_shutdown |= (unsigned char)how;
		tcp_shutdown(sk, how);
		break;
	case TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		/* fallthrough */
	case TCP_SYN_SENT:
		err = sk->sk_prot->disconnect(sk, O_NONBLOCK);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		break;
	}
	sk->sk_state_change(sk);
	return err;
}

/* TCP never binds on send (no_autobind). */
int inet_stream_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;

	return sk->sk_prot->sendmsg(sk, msg, size);
}

/* ---- the operation tables ------------------------------------------------ */

const struct proto_ops inet_stream_ops = {
	.family		= PF_INET,
	.release	= inet_release,
	.bind		= inet_bind,
	.connect	= inet_stream_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= inet_accept,
	.getname	= inet_getname,
	.poll		= tcp_poll,
	.ioctl		= inet_ioctl,
	.listen		= inet_listen,
	.shutdown	= inet_stream_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_stream_sendmsg,
	.recvmsg	= inet_recvmsg,
};


const struct proto_ops inet_dgram_ops = {
	.family		= PF_INET,
	.release	= inet_release,
	.bind		= inet_bind,
	.connect	= inet_dgram_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= inet_getname,
	.poll		= udp_poll,
	.ioctl		= inet_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= inet_recvmsg,
};

/* Raw (and ping) sockets: datagram_poll, no checksum false positives to hide. */
const struct proto_ops inet_sockraw_ops = {
	.family		= PF_INET,
	.release	= inet_release,
	.bind		= inet_bind,
	.connect	= inet_dgram_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= inet_getname,
	.poll		= datagram_poll,
	.ioctl		= inet_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= inet_recvmsg,
};

int ip_sk_ttl(const struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	return inet->uc_ttl >= 0 ? inet->uc_ttl :
				   sock_net(sk)->sysctl.ip_default_ttl;
}
