/* SPDX-License-Identifier: MIT */
/*
 * inet_diag.c - the AF_INET handler of sock_diag, after
 * net/ipv4/inet_diag.c: dumps and single-socket requests for TCP and UDP,
 * each message a struct inet_diag_msg followed by the attributes
 * idiag_ext asks for, in the kernel's order.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "family/inet/inet_sock.h"
#include "family/netlink/inet_diag.h"
#include "net/net.h"

#define INET_DIAG_MSG_SIZE	512	/* message, tcp_info and the rest */
#define IDIAG_EXT(attr)		(1u << ((attr) - 1))

/* By sdiag_protocol, a byte. */
static const struct inet_diag_handler *inet_diag_table[UINT8_MAX + 1];

int inet_diag_register(const struct inet_diag_handler *h)
{
	if (inet_diag_table[h->idiag_type])
		return -EEXIST;
	inet_diag_table[h->idiag_type] = h;
	return 0;
}

bool inet_diag_match(const struct inet_diag_entry *e,
		     const struct inet_diag_req_v2 *r)
{
	if (!(r->idiag_states & (1u << e->filter_state)))
		return false;
	if (r->id.idiag_sport && r->id.idiag_sport != e->sport)
		return false;
	if (r->id.idiag_dport && r->id.idiag_dport != e->dport)
		return false;
	return true;
}

bool inet_diag_match_exact(const struct inet_diag_entry *e,
			   const struct inet_diag_req_v2 *r)
{
	uint64_t cookie = (uint64_t)r->id.idiag_cookie[1] << 32 |
			  r->id.idiag_cookie[0];

	if (r->id.idiag_sport != e->sport || r->id.idiag_dport != e->dport ||
	    r->id.idiag_src[0] != e->saddr || r->id.idiag_dst[0] != e->daddr)
		return false;
	if (r->id.idiag_if && (int)r->id.idiag_if != e->bound_dev_if)
		return false;
	/* INET_DIAG_NOCOOKIE: any */
	return (r->id.idiag_cookie[0] == INET_DIAG_NOCOOKIE &&
		r->id.idiag_cookie[1] == INET_DIAG_NOCOOKIE) ||
	       cookie == e->cookie;
}

/* The attributes of a full socket, in inet_sk_diag_fill()'s order. */
static int inet_diag_put_attrs(struct sk_buff *skb,
			       const struct inet_diag_entry *e, uint8_t ext)
{
	struct sock *sk = e->sk;
	struct inet_diag_meminfo mi;
	uint32_t mem[SK_MEMINFO_VARS];

	if (nla_put_u8(skb, INET_DIAG_SHUTDOWN, sk->sk_shutdown))
		return -EMSGSIZE;
	if ((ext & IDIAG_EXT(INET_DIAG_TOS)) &&
	    nla_put_u8(skb, INET_DIAG_TOS, inet_sk(sk)->tos))
		return -EMSGSIZE;
	if (ext & IDIAG_EXT(INET_DIAG_MEMINFO)) {
		memset(&mi, 0, sizeof(mi));
		mi.idiag_rmem = (uint32_t)atomic_load(&sk->sk_rmem_alloc);
		mi.idiag_wmem = (uint32_t)atomic_load(&sk->sk_wmem_alloc);
		mi.idiag_tmem = (uint32_t)atomic_load(&sk->sk_wmem_alloc);
		if (nla_put(skb, INET_DIAG_MEMINFO, sizeof(mi), &mi))
			return -EMSGSIZE;
	}
	if (ext & IDIAG_EXT(INET_DIAG_SKMEMINFO)) {
		memset(mem, 0, sizeof(mem));
		mem[SK_MEMINFO_RMEM_ALLOC] = (uint32_t)atomic_load(&sk->sk_rmem_alloc);
		mem[SK_MEMINFO_RCVBUF] = (uint32_t)sk->sk_rcvbuf;
		mem[SK_MEMINFO_WMEM_ALLOC] = (uint32_t)atomic_load(&sk->sk_wmem_alloc);
		mem[SK_MEMINFO_SNDBUF] = (uint32_t)sk->sk_sndbuf;
		mem[SK_MEMINFO_DROPS] = atomic_load(&sk->sk_drops);
		if (nla_put(skb, INET_DIAG_SKMEMINFO, sizeof(mem), mem))
			return -EMSGSIZE;
	}
	if ((ext & IDIAG_EXT(INET_DIAG_INFO)) && e->info &&
	    nla_put(skb, INET_DIAG_INFO, (int)e->info_len, e->info))
		return -EMSGSIZE;
	if ((ext & IDIAG_EXT(INET_DIAG_CONG)) && e->cong &&
	    nla_put_string(skb, INET_DIAG_CONG, e->cong))
		return -EMSGSIZE;
	return 0;
}

int inet_diag_fill(struct sk_buff *skb, const struct inet_diag_entry *e,
		   const struct inet_diag_req_v2 *r, uint32_t portid,
		   uint32_t seq, int nlmsg_flags)
{
	struct inet_diag_msg *m;
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, portid, seq, SOCK_DIAG_BY_FAMILY, sizeof(*m),
			nlmsg_flags);
	if (!nlh)
		return -EMSGSIZE;
	m = nlmsg_data(nlh);
	m->idiag_family = AF_INET;
	m->idiag_state = e->state;
	m->idiag_timer = e->timer;
	m->idiag_retrans = e->retrans;
	m->id.idiag_sport = e->sport;
	m->id.idiag_dport = e->dport;
	m->id.idiag_src[0] = e->saddr;
	m->id.idiag_dst[0] = e->daddr;
	m->id.idiag_if = (uint32_t)e->bound_dev_if;
	m->id.idiag_cookie[0] = (uint32_t)e->cookie;
	m->id.idiag_cookie[1] = (uint32_t)(e->cookie >> 32);
	m->idiag_expires = e->expires;
	m->idiag_rqueue = e->rqueue;
	m->idiag_wqueue = e->wqueue;
	m->idiag_uid = e->uid;
	m->idiag_inode = (uint32_t)e->ino;
	/* Request and TIME_WAIT socks carry no attributes, as the kernel's. */
	if (e->sk && inet_diag_put_attrs(skb, e, r->idiag_ext)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

int inet_diag_dump_entry(struct sk_buff *skb, struct netlink_callback *cb,
			 const struct inet_diag_req_v2 *r,
			 const struct inet_diag_entry *e)
{
	if (!inet_diag_match(e, r))
		return 0;
	return inet_diag_fill(skb, e, r, cb->portid, cb->seq, NLM_F_MULTI);
}

static int inet_diag_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct inet_diag_req_v2 *r = inet_diag_cb_req(cb);
	const struct inet_diag_handler *h = inet_diag_table[r->sdiag_protocol];

	return h ? h->dump(skb, cb, r) : -ENOENT;
}

static int inet_diag_dump_one(struct sk_buff *in_skb, struct nlmsghdr *nlh,
			      const struct inet_diag_req_v2 *r,
			      const struct inet_diag_handler *h)
{
	struct usn_net *net = netlink_skb_net(in_skb);
	struct inet_diag_entry e;
	uint64_t info[64];
	struct sk_buff *skb;
	int err;

	err = h->lookup(net, r, &e, info, sizeof(info));
	if (err)
		return err;
	skb = nlmsg_new(INET_DIAG_MSG_SIZE);
	if (!skb)
		return -ENOMEM;
	err = inet_diag_fill(skb, &e, r, NETLINK_CB(in_skb).portid,
			     nlh->nlmsg_seq, 0);
	if (err) {
		kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
		return err;
	}
	err = sock_diag_unicast(skb, net, NETLINK_CB(in_skb).portid);
	return err < 0 ? err : 0;
}

static int inet_diag_handler_cmd(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	const struct inet_diag_handler *h;
	struct netlink_dump_control c = {
		.dump		= inet_diag_dump,
		.min_dump_alloc	= INET_DIAG_MSG_SIZE,
	};
	struct nlattr *tb[INET_DIAG_REQ_MAX + 1];
	struct inet_diag_req_v2 r;
	int err;

	if (nlmsg_len(nlh) < (int)sizeof(r))
		return -EINVAL;
	memcpy(&r, nlmsg_data(nlh), sizeof(r));
	h = inet_diag_table[r.sdiag_protocol];
	if (!h)
		return -ENOENT;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		return inet_diag_dump_one(skb, nlh, &r, h);
	err = nlmsg_parse(nlh, sizeof(r), tb, INET_DIAG_REQ_MAX, NULL);
	if (err)
		return err;
	/* ss's filter programs (INET_DIAG_REQ_BYTECODE) are not run here. */
	if (tb[INET_DIAG_REQ_BYTECODE])
		return -EOPNOTSUPP;
	return netlink_dump_start(skb, nlh, &c);
}

static const struct sock_diag_handler inet_diag_handler = {
	.family	= AF_INET,
	.dump	= inet_diag_handler_cmd,
};

int tcp_diag_init(void);
int udp_diag_init(void);

int inet_diag_init(void)
{
	int err = sock_diag_register(&inet_diag_handler);

	if (!err)
		err = tcp_diag_init();
	if (!err)
		err = udp_diag_init();
	return err;
}
