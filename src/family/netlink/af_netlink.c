/* SPDX-License-Identifier: MIT */
/*
 * af_netlink.c - PF_NETLINK sockets, after net/netlink/af_netlink.c: port
 * ids (chosen by bind or, on first use, autobind: the process id first,
 * then negative numbers), multicast groups (bind's nl_groups and
 * NETLINK_ADD_MEMBERSHIP), unicast and broadcast delivery, acks, and dumps
 * that go on across recvmsg calls.
 *
 * Each namespace has its own sockets (struct netns_netlink), so a program
 * talks to the namespace its socket was made in. The kernel side of a
 * protocol is its input function (netlink_kernel_register): it runs in the
 * sender's thread, under the namespace lock the socket layer already
 * holds, and answers with netlink_unicast() to the sender's port id.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/log.h"
#include "family/netlink/af_netlink.h"
#include "net/net.h"
#include "net/usnet.h"
#include "socket/security.h"
#include "socket/socket.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif

/*
 * The kernel's NLMSG_GOODSIZE: a page less the shared info of an sk_buff,
 * the size of a dump's buffer unless the reader's recvmsg asks for more.
 */
#define NLMSG_GOODSIZE		(4096 - 320)
#define NLMSG_MAX_RECVMSG	(32768 - 320)	/* SKB_WITH_OVERHEAD(32768) */

/* netlink_sock.flags */
#define NETLINK_F_KERNEL_SOCKET		0x01	/* usnet's own: every capability */
#define NETLINK_F_RECV_PKTINFO		0x02
#define NETLINK_F_BROADCAST_SEND_ERROR	0x04
#define NETLINK_F_RECV_NO_ENOBUFS	0x08
#define NETLINK_F_CAP_ACK		0x10
#define NETLINK_F_EXT_ACK		0x20

#define NETLINK_UNCONNECTED	0	/* sk_state, as the kernel's netlink */
#define NETLINK_CONNECTED	1

struct netlink_sock {
	struct sock		sk;	/* first: a struct sock * is a netlink_sock * */
	struct list_head	node;	/* the namespace's sockets of this protocol */
	uint32_t		portid;
	uint32_t		dst_portid;
	uint32_t		dst_group;
	uint64_t		groups;	/* bit n - 1: member of group n */
	unsigned int		ngroups;
	unsigned int		flags;	/* NETLINK_F_* */
	bool			bound;
	bool			cb_running;
	int			dump_done_errno;
	size_t			max_recvmsg_len;
	struct netlink_callback	cb;
};

struct netns_netlink {
	struct list_head	socks[NL_MAX_LINKS];
};

static struct netlink_kernel_cfg nl_kernel[NL_MAX_LINKS];
static bool nl_registered[NL_MAX_LINKS];

/* Autobind's port ids after the process id, as the kernel's rover. */
static int32_t nl_rover = -4096;
static pthread_mutex_t nl_rover_lock = PTHREAD_MUTEX_INITIALIZER;

static struct netlink_sock *nlk_sk(const struct sock *sk)
{
	return (struct netlink_sock *)(void *)sk;
}

int netlink_kernel_register(int unit, const struct netlink_kernel_cfg *cfg)
{
	if (unit < 0 || unit >= NL_MAX_LINKS || !cfg->input)
		return -EINVAL;
	if (nl_registered[unit])
		return -EBUSY;
	nl_kernel[unit] = *cfg;
	nl_registered[unit] = true;
	return 0;
}

static struct list_head *nl_socks(struct usn_net *net, int unit)
{
	return net->netlink ? &net->netlink->socks[unit] : NULL;
}

static struct netlink_sock *netlink_lookup(struct usn_net *net, int unit,
					   uint32_t portid)
{
	struct list_head *head = nl_socks(net, unit);
	struct netlink_sock *nlk;

	if (!head)
		return NULL;
	list_for_each_entry(nlk, head, node)
		if (nlk->bound && nlk->portid == portid)
			return nlk;
	return NULL;
}

static int netlink_insert(struct sock *sk, uint32_t portid)
{
	struct netlink_sock *nlk = nlk_sk(sk);
	struct usn_net *net = sock_net(sk);

	if (!net->netlink)
		return -ENOENT;
	if (nlk->bound)
		return nlk->portid == portid ? 0 : -EBUSY;
	if (netlink_lookup(net, sk->sk_protocol, portid))
		return -EADDRINUSE;
	nlk->portid = portid;
	nlk->bound = true;
	return 0;
}

static int netlink_autobind(struct sock *sk)
{
	uint32_t portid = (uint32_t)getpid();
	int err;

	for (int tries = 0; tries < 65536; tries++) {
		err = netlink_insert(sk, portid);
		if (err != -EADDRINUSE)
			return err;
		pthread_mutex_lock(&nl_rover_lock);
		portid = (uint32_t)nl_rover--;
		if (nl_rover > -4096)		/* wrapped */
			nl_rover = -4097;
		pthread_mutex_unlock(&nl_rover_lock);
	}
	return -EADDRINUSE;
}

static bool netlink_allowed(const struct sock *sk, unsigned int flag)
{
	return (nl_kernel[sk->sk_protocol].flags & flag) ||
	       (nlk_sk(sk)->flags & NETLINK_F_KERNEL_SOCKET) ||
	       ns_capable(sock_net(sk), CAP_NET_ADMIN);
}

bool netlink_net_capable(const struct sk_buff *skb, int cap)
{
	return NETLINK_CB(skb).kern_cap ||
	       ns_capable(sock_net(NETLINK_CB(skb).sk), cap);
}

static uint32_t netlink_group_mask(uint32_t group)
{
	return group && group <= 32 ? 1u << (group - 1) : 0;
}

/* ---- delivery ------------------------------------------------------------- */

static void netlink_overrun(struct sock *sk)
{
	struct netlink_sock *nlk = nlk_sk(sk);

	if (!(nlk->flags & NETLINK_F_RECV_NO_ENOBUFS)) {
		sk->sk_err = ENOBUFS;
		sk->sk_error_report(sk);
	}
	atomic_fetch_add(&sk->sk_drops, 1);
}

static void __netlink_sendskb(struct sock *sk, struct sk_buff *skb)
{
	skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
}

/* Queues @skb on @sk unless its buffer is full (then -EAGAIN, as MSG_DONTWAIT). */
static int netlink_sendskb_nowait(struct sock *sk, struct sk_buff *skb)
{
	unsigned int len = skb->len;

	if (atomic_load(&sk->sk_rmem_alloc) > sk->sk_rcvbuf) {
		netlink_overrun(sk);
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
		return -EAGAIN;
	}
	__netlink_sendskb(sk, skb);
	return (int)len;
}

int netlink_unicast(struct usn_net *net, int unit, struct sk_buff *skb,
		    uint32_t portid)
{
	struct netlink_sock *nlk;
	unsigned int len = skb->len;

	if (!portid) {
		/* To the kernel side: it reads the messages, then they go. */
		if (!nl_registered[unit]) {
			kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
			return -ECONNREFUSED;
		}
		nl_kernel[unit].input(skb);
		consume_skb(skb);
		return (int)len;
	}
	nlk = netlink_lookup(net, unit, portid);
	if (!nlk) {
		kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return -ECONNREFUSED;
	}
	return netlink_sendskb_nowait(&nlk->sk, skb);
}

int netlink_broadcast(struct usn_net *net, int unit, struct sk_buff *skb,
		      uint32_t exclude, unsigned int group)
{
	struct list_head *head = nl_socks(net, unit);
	struct netlink_sock *nlk;
	struct sk_buff *clone;
	int delivered = 0;

	if (!head || !group || group > NL_MAX_GROUPS)
		goto out;
	list_for_each_entry(nlk, head, node) {
		if (!nlk->bound || (exclude && nlk->portid == exclude))
			continue;
		if (!(nlk->groups & (1ULL << (group - 1))))
			continue;
		if (atomic_load(&nlk->sk.sk_rmem_alloc) > nlk->sk.sk_rcvbuf) {
			netlink_overrun(&nlk->sk);
			continue;
		}
		clone = skb_clone(skb);
		if (!clone) {
			netlink_overrun(&nlk->sk);
			continue;
		}
		NETLINK_CB(clone).portid = 0;
		NETLINK_CB(clone).dst_group = group;
		__netlink_sendskb(&nlk->sk, clone);
		delivered++;
	}
out:
	consume_skb(skb);
	return delivered ? 0 : -ESRCH;
}

bool netlink_has_listeners(struct usn_net *net, int unit, unsigned int group)
{
	struct list_head *head = nl_socks(net, unit);
	struct netlink_sock *nlk;

	if (!head || !group || group > NL_MAX_GROUPS)
		return false;
	list_for_each_entry(nlk, head, node)
		if (nlk->bound && (nlk->groups & (1ULL << (group - 1))))
			return true;
	return false;
}

/* ---- acks and the receive loop of the kernel side ----------------------- */

void netlink_ack(struct sk_buff *in_skb, const struct nlmsghdr *nlh, int err)
{
	struct sock *ssk = NETLINK_CB(in_skb).sk;
	struct nlmsgerr errmsg;
	struct nlmsghdr *rep;
	struct sk_buff *skb;
	size_t copy = sizeof(*nlh);
	int payload = (int)sizeof(errmsg), flags = 0;

	/* A failed request is echoed whole, unless NETLINK_CAP_ACK. */
	if (err && !(nlk_sk(ssk)->flags & NETLINK_F_CAP_ACK)) {
		payload += nlmsg_len(nlh);
		copy = nlh->nlmsg_len;
	} else {
		flags |= NLM_F_CAPPED;
	}
	skb = nlmsg_new((unsigned int)payload);
	if (!skb)
		goto out_overrun;
	rep = nlmsg_put(skb, NETLINK_CB(in_skb).portid, nlh->nlmsg_seq,
			NLMSG_ERROR, payload, flags);
	if (!rep) {
		kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
		goto out_overrun;
	}
	memset(&errmsg, 0, sizeof(errmsg));
	errmsg.error = err;
	memcpy(nlmsg_data(rep), &errmsg, sizeof(errmsg));
	memcpy((unsigned char *)nlmsg_data(rep) + offsetof(struct nlmsgerr, msg),
	       nlh, copy);
	netlink_unicast(sock_net(ssk), ssk->sk_protocol, skb,
			NETLINK_CB(in_skb).portid);
	return;

out_overrun:
	netlink_overrun(ssk);
}

int netlink_rcv_skb(struct sk_buff *skb,
		    int (*cb)(struct sk_buff *skb, struct nlmsghdr *nlh))
{
	struct nlmsghdr *nlh;
	unsigned int msglen;
	int err;

	while (skb->len >= NLMSG_HDRLEN) {
		nlh = (struct nlmsghdr *)(void *)skb->data;
		/* A message that says it is longer than what came ends the batch. */
		if (nlh->nlmsg_len < NLMSG_HDRLEN || skb->len < nlh->nlmsg_len)
			return 0;
		err = 0;
		/* Only requests are acted on; anything else is acked if asked. */
		if (!(nlh->nlmsg_flags & NLM_F_REQUEST) ||
		    nlh->nlmsg_type < NLMSG_MIN_TYPE)
			goto ack;
		err = cb(skb, nlh);
		if (err == -EINTR)
			goto skip;
ack:
		if ((nlh->nlmsg_flags & NLM_F_ACK) || err)
			netlink_ack(skb, nlh, err);
skip:
		msglen = NLMSG_ALIGN(nlh->nlmsg_len);
		if (msglen > skb->len)
			msglen = skb->len;
		skb_pull(skb, msglen);
	}
	return 0;
}

/* ---- dumps ------------------------------------------------------------------- */

static void netlink_dump_end(struct netlink_sock *nlk)
{
	struct netlink_callback *cb = &nlk->cb;

	if (cb->done)
		cb->done(cb);
	nlk->cb_running = false;
	consume_skb(cb->skb);
	cb->skb = NULL;
}

/*
 * One round of the dump: as many answers as fit one buffer, or, once the
 * dumper has nothing left, NLMSG_DONE carrying its result (0 or -errno).
 */
static int netlink_dump(struct sock *sk)
{
	struct netlink_sock *nlk = nlk_sk(sk);
	struct netlink_callback *cb = &nlk->cb;
	unsigned int alloc = NLMSG_GOODSIZE;
	struct nlmsghdr *nlh;
	struct sk_buff *skb;

	if (!nlk->cb_running)
		return -EINVAL;
	if (atomic_load(&sk->sk_rmem_alloc) >= sk->sk_rcvbuf)
		return -ENOBUFS;
	if (cb->min_dump_alloc > alloc)
		alloc = cb->min_dump_alloc;
	if (nlk->max_recvmsg_len > alloc)
		alloc = (unsigned int)nlk->max_recvmsg_len;
	skb = alloc_skb(alloc);
	if (!skb)
		return -ENOBUFS;
	skb_reserve(skb, skb_tailroom(skb) - alloc);
	NETLINK_CB(skb).portid = 0;
	NETLINK_CB(skb).dst_group = 0;

	if (nlk->dump_done_errno > 0)
		nlk->dump_done_errno = cb->dump(skb, cb);
	if (nlk->dump_done_errno > 0 ||
	    skb_tailroom(skb) < NLMSG_SPACE(sizeof(int))) {
		__netlink_sendskb(sk, skb);
		return 0;
	}
	nlh = nlmsg_put(skb, cb->portid, cb->seq, NLMSG_DONE, sizeof(int),
			NLM_F_MULTI);
	memcpy(nlmsg_data(nlh), &nlk->dump_done_errno, sizeof(int));
	__netlink_sendskb(sk, skb);
	netlink_dump_end(nlk);
	return 0;
}

int netlink_dump_start(struct sk_buff *skb, const struct nlmsghdr *nlh,
		       const struct netlink_dump_control *control)
{
	struct sock *sk = NETLINK_CB(skb).sk;
	struct netlink_sock *nlk = nlk_sk(sk);
	struct netlink_callback *cb = &nlk->cb;
	int err;

	if (nlk->cb_running)
		return -EBUSY;
	memset(cb, 0, sizeof(*cb));
	cb->skb = skb_get(skb);
	cb->nlh = nlh;
	cb->dump = control->dump;
	cb->done = control->done;
	cb->data = control->data;
	cb->min_dump_alloc = control->min_dump_alloc;
	cb->net = sock_net(sk);
	cb->portid = NETLINK_CB(skb).portid;
	cb->seq = nlh->nlmsg_seq;
	nlk->cb_running = true;
	nlk->dump_done_errno = INT_MAX;
	err = netlink_dump(sk);
	if (err)
		return err;
	/* The answers are the reply: no ack follows. */
	return -EINTR;
}

/* ---- the socket ----------------------------------------------------------------- */

static void netlink_unhash(struct sock *sk)
{
	struct netlink_sock *nlk = nlk_sk(sk);

	list_del_init(&nlk->node);
	nlk->bound = false;
}

static int netlink_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct netlink_sock *nlk;

	if (!sk)
		return 0;
	nlk = nlk_sk(sk);
	netlink_unhash(sk);
	if (nlk->cb_running)
		netlink_dump_end(nlk);
	sock_orphan(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int netlink_bind(struct socket *sock, struct sockaddr *addr, int alen)
{
	struct sock *sk = sock->sk;
	struct netlink_sock *nlk = nlk_sk(sk);
	struct sockaddr_nl nladdr;
	uint32_t groups;
	int err;

	if (alen < (int)sizeof(nladdr))
		return -EINVAL;
	memcpy(&nladdr, addr, sizeof(nladdr));
	if (nladdr.nl_family != AF_NETLINK)
		return -EINVAL;
	groups = nladdr.nl_groups;
	if (groups && !netlink_allowed(sk, NL_CFG_F_NONROOT_RECV))
		return -EPERM;
	if (nlk->ngroups < 32)
		groups &= (1u << nlk->ngroups) - 1;
	if (nlk->bound) {
		if (nladdr.nl_pid != nlk->portid)
			return -EINVAL;
	} else {
		err = nladdr.nl_pid ? netlink_insert(sk, nladdr.nl_pid) :
				      netlink_autobind(sk);
		if (err)
			return err;
	}
	/* bind() sets the first 32 groups; membership options the rest. */
	nlk->groups = (nlk->groups & ~0xffffffffULL) | groups;
	return 0;
}

static int netlink_connect(struct socket *sock, struct sockaddr *addr,
			   int alen, int flags)
{
	struct sock *sk = sock->sk;
	struct netlink_sock *nlk = nlk_sk(sk);
	struct sockaddr_nl nladdr;
	int err = 0;

	if (alen < (int)sizeof(addr->sa_family))
		return -EINVAL;
	if (addr->sa_family == AF_UNSPEC) {
		sk->sk_state = NETLINK_UNCONNECTED;
		nlk->dst_portid = 0;
		nlk->dst_group = 0;
		return 0;
	}
	if (addr->sa_family != AF_NETLINK)
		return -EINVAL;
	if (alen < (int)sizeof(nladdr))
		return -EINVAL;
	memcpy(&nladdr, addr, sizeof(nladdr));
	if ((nladdr.nl_groups || nladdr.nl_pid) &&
	    !netlink_allowed(sk, NL_CFG_F_NONROOT_SEND))
		return -EPERM;
	if (!nlk->bound)
		err = netlink_autobind(sk);
	if (!err) {
		sk->sk_state = NETLINK_CONNECTED;
		nlk->dst_portid = nladdr.nl_pid;
		nlk->dst_group = (uint32_t)__builtin_ffs((int)nladdr.nl_groups);
	}
	return err;
}

static int netlink_getname(struct socket *sock, struct sockaddr *addr, int peer)
{
	struct netlink_sock *nlk = nlk_sk(sock->sk);
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };

	if (peer) {
		nladdr.nl_pid = nlk->dst_portid;
		nladdr.nl_groups = netlink_group_mask(nlk->dst_group);
	} else {
		nladdr.nl_pid = nlk->portid;
		nladdr.nl_groups = (uint32_t)nlk->groups;
	}
	memcpy(addr, &nladdr, sizeof(nladdr));
	return sizeof(nladdr);
}

/* The socket options that are one bit of nlk->flags. */
static const struct {
	int		optname;
	unsigned int	flag;
} netlink_flag_opts[] = {
	{ NETLINK_PKTINFO,		NETLINK_F_RECV_PKTINFO },
	{ NETLINK_BROADCAST_ERROR,	NETLINK_F_BROADCAST_SEND_ERROR },
	{ NETLINK_NO_ENOBUFS,		NETLINK_F_RECV_NO_ENOBUFS },
	{ NETLINK_CAP_ACK,		NETLINK_F_CAP_ACK },
	{ NETLINK_EXT_ACK,		NETLINK_F_EXT_ACK },
};

static int netlink_flag_opt(int optname)
{
	for (size_t i = 0; i < ARRAY_SIZE(netlink_flag_opts); i++)
		if (netlink_flag_opts[i].optname == optname)
			return (int)netlink_flag_opts[i].flag;
	return 0;
}

static int netlink_setsockopt(struct socket *sock, int level, int optname,
			      const void *optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct netlink_sock *nlk = nlk_sk(sk);
	unsigned int val = 0;
	int flag;

	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (optlen >= sizeof(int)) {
		if (!optval)
			return -EFAULT;
		memcpy(&val, optval, sizeof(val));
	}
	switch (optname) {
	case NETLINK_ADD_MEMBERSHIP:
	case NETLINK_DROP_MEMBERSHIP:
		if (!netlink_allowed(sk, NL_CFG_F_NONROOT_RECV))
			return -EPERM;
		if (!val || val - 1 >= nlk->ngroups)
			return -EINVAL;
		if (optname == NETLINK_ADD_MEMBERSHIP) {
			if (!nlk->bound) {
				int err = netlink_autobind(sk);

				if (err)
					return err;
			}
			nlk->groups |= 1ULL << (val - 1);
		} else {
			nlk->groups &= ~(1ULL << (val - 1));
		}
		return 0;
	}
	flag = netlink_flag_opt(optname);
	if (!flag)
		return -ENOPROTOOPT;
	if (val)
		nlk->flags |= (unsigned int)flag;
	else
		nlk->flags &= ~(unsigned int)flag;
	return 0;
}

static int netlink_getsockopt(struct socket *sock, int level, int optname,
			      void *optval, int *optlen)
{
	struct netlink_sock *nlk = nlk_sk(sock->sk);
	int len = *optlen, flag, val;

	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (len < 0)
		return -EINVAL;
	if (optname == NETLINK_LIST_MEMBERSHIPS) {
		int need = (int)((nlk->ngroups + 31) / 32 * sizeof(uint32_t));
		uint32_t words[NL_MAX_GROUPS / 32] = {
			(uint32_t)nlk->groups, (uint32_t)(nlk->groups >> 32),
		};

		size_t copy = (size_t)(len < need ? len : need) &
			      ~(sizeof(uint32_t) - 1);

		if (copy) {
			if (!optval)
				return -EFAULT;
			memcpy(optval, words, copy);
		}
		*optlen = need;
		return 0;
	}
	flag = netlink_flag_opt(optname);
	if (!flag)
		return -ENOPROTOOPT;
	if (len < (int)sizeof(int))
		return -EINVAL;
	val = (nlk->flags & (unsigned int)flag) ? 1 : 0;
	return sockopt_put(optval, optlen, &val, sizeof(int));
}

static int netlink_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct netlink_sock *nlk = nlk_sk(sk);
	struct usn_net *net = sock_net(sk);
	uint32_t dst_portid, dst_group;
	struct sockaddr_nl addr;
	struct sk_buff *skb;
	int err;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (msg->msg_name) {
		if (msg->msg_namelen < (int)sizeof(addr))
			return -EINVAL;
		memcpy(&addr, msg->msg_name, sizeof(addr));
		if (addr.nl_family != AF_NETLINK)
			return -EINVAL;
		dst_portid = addr.nl_pid;
		dst_group = (uint32_t)__builtin_ffs((int)addr.nl_groups);
		if ((dst_group || dst_portid) &&
		    !netlink_allowed(sk, NL_CFG_F_NONROOT_SEND))
			return -EPERM;
	} else {
		dst_portid = nlk->dst_portid;
		dst_group = nlk->dst_group;
	}
	if (!nlk->bound) {
		err = netlink_autobind(sk);
		if (err)
			return err;
	}
	if (len > (size_t)sk->sk_sndbuf - 32)
		return -EMSGSIZE;
	skb = alloc_skb((unsigned int)len);
	if (!skb)
		return -ENOBUFS;
	err = memcpy_from_msg(skb_put(skb, (unsigned int)len), msg, len);
	if (err) {
		kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return err;
	}
	NETLINK_CB(skb).portid = nlk->portid;
	NETLINK_CB(skb).dst_group = dst_group;
	NETLINK_CB(skb).sk = sk;
	NETLINK_CB(skb).kern_cap = nlk->flags & NETLINK_F_KERNEL_SOCKET;
	if (dst_group)
		netlink_broadcast(net, sk->sk_protocol, skb_get(skb),
				  dst_portid, dst_group);
	err = netlink_unicast(net, sk->sk_protocol, skb, dst_portid);
	return err < 0 ? err : (int)len;
}

static int netlink_recvmsg(struct socket *sock, struct kmsghdr *msg,
			   size_t len, int flags)
{
	struct sock *sk = sock->sk;
	struct netlink_sock *nlk = nlk_sk(sk);
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	struct sk_buff *skb;
	size_t copied;
	int err, ret;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	skb = skb_recv_datagram(sk, (unsigned int)flags, &err);
	if (!skb)
		return err;
	/* Later dump rounds fill buffers as large as the reader offers. */
	if (len > nlk->max_recvmsg_len)
		nlk->max_recvmsg_len = len > NLMSG_MAX_RECVMSG ?
				       NLMSG_MAX_RECVMSG : len;
	copied = skb->len;
	if (len < copied) {
		msg->msg_flags |= MSG_TRUNC;
		copied = len;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, (int)copied);
	if (msg->msg_name) {
		addr.nl_pid = NETLINK_CB(skb).portid;
		addr.nl_groups = netlink_group_mask(NETLINK_CB(skb).dst_group);
		memcpy(msg->msg_name, &addr, sizeof(addr));
		msg->msg_namelen = sizeof(addr);
	}
	if (nlk->flags & NETLINK_F_RECV_PKTINFO) {
		struct nl_pktinfo info = { .group = NETLINK_CB(skb).dst_group };

		put_cmsg(msg, SOL_NETLINK, NETLINK_PKTINFO, sizeof(info), &info);
	}
	if (flags & MSG_TRUNC)
		copied = skb->len;
	skb_free_datagram(sk, skb);

	/* The reader made room: the next round of a dump. */
	if (nlk->cb_running &&
	    atomic_load(&sk->sk_rmem_alloc) <= sk->sk_rcvbuf / 2) {
		ret = netlink_dump(sk);
		if (ret) {
			sk->sk_err = -ret;
			sk->sk_error_report(sk);
		}
	}
	return err ? err : (int)copied;
}

static const struct proto netlink_proto = {
	.name		= "NETLINK",
	.obj_size	= sizeof(struct netlink_sock),
};

static const struct proto_ops netlink_ops = {
	.family		= PF_NETLINK,
	.release	= netlink_release,
	.bind		= netlink_bind,
	.connect	= netlink_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= netlink_getname,
	.poll		= datagram_poll,
	.ioctl		= sock_no_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.setsockopt	= netlink_setsockopt,
	.getsockopt	= netlink_getsockopt,
	.sendmsg	= netlink_sendmsg,
	.recvmsg	= netlink_recvmsg,
};

/* A netlink sock of protocol @unit in @net, on the namespace's list. */
static struct sock *netlink_sk_alloc(struct usn_net *net, struct socket *sock,
				     int unit, int kern)
{
	struct netlink_sock *nlk;
	struct sock *sk;

	sk = sk_alloc(net, PF_NETLINK, &netlink_proto, kern);
	if (!sk)
		return NULL;
	sock_init_data(sock, sk);
	sk->sk_protocol = (unsigned short)unit;
	sk->sk_state = NETLINK_UNCONNECTED;
	nlk = nlk_sk(sk);
	nlk->ngroups = nl_kernel[unit].groups < 32 ? 32 : nl_kernel[unit].groups;
	if (nlk->ngroups > NL_MAX_GROUPS)
		nlk->ngroups = NL_MAX_GROUPS;
	INIT_LIST_HEAD(&nlk->node);
	if (net->netlink)
		list_add_tail(&nlk->node, &net->netlink->socks[unit]);
	return sk;
}

static int netlink_create(struct usn_net *net, struct socket *sock,
			  int protocol, int kern)
{
	if (sock->type != SOCK_RAW && sock->type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol < 0 || protocol >= NL_MAX_LINKS || !nl_registered[protocol])
		return -EPROTONOSUPPORT;
	if (!net->netlink)
		return -EAFNOSUPPORT;
	sock->state = SS_UNCONNECTED;
	sock->ops = &netlink_ops;
	if (!netlink_sk_alloc(net, sock, protocol, kern))
		return -ENOMEM;
	return 0;
}

static const struct net_proto_family netlink_family_ops = {
	.family	= PF_NETLINK,
	.create	= netlink_create,
};

/* ---- usnet's own requests ---------------------------------------------------- */

/* The error of the NLMSG_ERROR answering @seq in @sk's queue; -EIO if none. */
static int netlink_find_ack(struct sock *sk, uint32_t seq)
{
	const struct nlmsghdr *nlh;
	struct nlmsgerr e;
	struct sk_buff *skb;
	unsigned int off;

	for (skb = skb_peek(&sk->sk_receive_queue); skb;
	     skb = skb->next == (struct sk_buff *)&sk->sk_receive_queue ?
		   NULL : skb->next) {
		for (off = 0; off + NLMSG_HDRLEN <= skb->len;
		     off += NLMSG_ALIGN(nlh->nlmsg_len)) {
			nlh = (const struct nlmsghdr *)(const void *)(skb->data + off);
			if (nlh->nlmsg_len < NLMSG_HDRLEN ||
			    nlh->nlmsg_len > skb->len - off)
				break;
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq != seq ||
			    nlmsg_len(nlh) < (int)sizeof(e))
				continue;
			memcpy(&e, nlmsg_data(nlh), sizeof(e));
			return e.error;
		}
	}
	return -EIO;
}

int netlink_kern_request(struct usn_net *net, int unit, struct nlmsghdr *req)
{
	struct netlink_sock *nlk;
	struct sk_buff *skb;
	struct sock *sk;
	int err;

	if (unit < 0 || unit >= NL_MAX_LINKS || !nl_registered[unit])
		return -EPROTONOSUPPORT;
	net_lock(net);
	err = -ENOMEM;
	sk = netlink_sk_alloc(net, NULL, unit, 1);
	if (!sk)
		goto out_unlock;
	nlk = nlk_sk(sk);
	nlk->flags |= NETLINK_F_KERNEL_SOCKET | NETLINK_F_CAP_ACK;
	err = netlink_autobind(sk);
	if (err)
		goto out_free;
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_pid = nlk->portid;
	err = -ENOBUFS;
	skb = alloc_skb(req->nlmsg_len);
	if (!skb)
		goto out_free;
	skb_put_data(skb, req, req->nlmsg_len);
	NETLINK_CB(skb).portid = nlk->portid;
	NETLINK_CB(skb).dst_group = 0;
	NETLINK_CB(skb).sk = sk;
	NETLINK_CB(skb).kern_cap = true;
	netlink_unicast(net, unit, skb, 0);
	err = netlink_find_ack(sk, req->nlmsg_seq);
out_free:
	netlink_unhash(sk);
	if (nlk->cb_running)
		netlink_dump_end(nlk);
	sock_orphan(sk);
	sock_put(sk);
out_unlock:
	net_unlock(net);
	return err;
}

void *nl_kreq_init(struct nl_kreq *r, int type, int flags, size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH((uint32_t)hdrlen);
	r->nlh.nlmsg_type = (uint16_t)type;
	r->nlh.nlmsg_flags = (uint16_t)(flags | NLM_F_REQUEST | NLM_F_ACK);
	r->nlh.nlmsg_seq = 1;
	return nlmsg_data(&r->nlh);
}

int nl_kreq_put(struct nl_kreq *r, int attrtype, const void *data, size_t len)
{
	uint32_t off = NLMSG_ALIGN(r->nlh.nlmsg_len);
	struct nlattr nla;

	if (off + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(r->buf))
		return -EMSGSIZE;
	nla.nla_len = (uint16_t)(NLA_HDRLEN + len);
	nla.nla_type = (uint16_t)attrtype;
	memcpy(r->buf + off, &nla, sizeof(nla));
	memcpy(r->buf + off + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = off + NLA_ALIGN(nla.nla_len);
	return 0;
}

/* ---- per namespace and start-up ---------------------------------------------- */

static int netlink_net_init(struct usn_net *net)
{
	struct netns_netlink *nn = calloc(1, sizeof(*nn));

	if (!nn)
		return -ENOMEM;
	for (int i = 0; i < NL_MAX_LINKS; i++)
		INIT_LIST_HEAD(&nn->socks[i]);
	net->netlink = nn;
	return 0;
}

/* Sockets may outlive their namespace: they are unhashed here. */
static void netlink_net_exit(struct usn_net *net)
{
	struct netns_netlink *nn = net->netlink;
	struct netlink_sock *nlk, *tmp;

	if (!nn)
		return;
	for (int i = 0; i < NL_MAX_LINKS; i++)
		list_for_each_entry_safe(nlk, tmp, &nn->socks[i], node)
			netlink_unhash(&nlk->sk);
	net->netlink = NULL;
	free(nn);
}

static struct pernet_operations netlink_net_ops = {
	.name	= "netlink",
	.init	= netlink_net_init,
	.exit	= netlink_net_exit,
};

int rtnetlink_init(void);
int sock_diag_init(void);

int netlink_proto_init(void)
{
	int err;

	err = register_pernet_subsys(&netlink_net_ops);
	if (err)
		return err;
	err = rtnetlink_init();
	if (err)
		return err;
	err = sock_diag_init();
	if (err)
		return err;
	return sock_register(&netlink_family_ops);
}
