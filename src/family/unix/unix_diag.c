/* SPDX-License-Identifier: MIT */
/*
 * unix_diag.c - the AF_UNIX handler of NETLINK_SOCK_DIAG, after
 * net/unix/diag.c: SOCK_DIAG_BY_FAMILY with a struct unix_diag_req lists
 * the unix sockets of the requester's namespace (`ss -xa`), or answers
 * about one socket named by its inode. Each answer is a struct
 * unix_diag_msg and the attributes udiag_show asks for, in the kernel's
 * order and layout.
 *
 * Embryos (connections not accepted yet) and closed sockets own no inode
 * and are never listed, as on Linux; a listener's waiting connections are
 * named, in its UNIX_DIAG_ICONS, by the inodes of the connecting sockets.
 */
#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <linux/inet_diag.h>
#include <linux/unix_diag.h>
#include "family/netlink/sock_diag.h"
#include "family/unix/af_unix.h"
#include "net/net.h"

#define UNIX_NLA_SPACE(len)	NLA_ALIGN(NLA_HDRLEN + (len))

/* ---- one answer ---------------------------------------------------------- */

static int unix_diag_put_name(struct sk_buff *skb,
			      const struct unix_diag_info *info)
{
	/* sun_path as bound: a path with its NUL, an abstract name's bytes. */
	if (!info->name_len)
		return 0;
	return nla_put(skb, UNIX_DIAG_NAME, info->name_len, info->name);
}

static int unix_diag_put_peer(struct sk_buff *skb,
			      const struct unix_diag_info *info)
{
	if (!info->peer)
		return 0;
	return nla_put_u32(skb, UNIX_DIAG_PEER, (uint32_t)info->peer_ino);
}

/* Listeners only, even with no connection waiting (an empty array). */
static int unix_diag_put_icons(struct sk_buff *skb,
			       const struct unix_diag_info *info)
{
	size_t len = info->nicons * sizeof(uint32_t);
	struct nlattr *nla;

	if (info->state != TCP_LISTEN)
		return 0;
	if (NLA_HDRLEN + len > UINT16_MAX ||
	    skb_tailroom(skb) < UNIX_NLA_SPACE(len))
		return -EMSGSIZE;
	nla = (struct nlattr *)(void *)skb_tail_pointer(skb);
	if (nla_put(skb, UNIX_DIAG_ICONS, 0, NULL))
		return -EMSGSIZE;
	for (unsigned int i = 0; i < info->nicons; i++) {
		uint32_t ino = (uint32_t)info->icons[i];

		memcpy(skb_put(skb, sizeof(ino)), &ino, sizeof(ino));
	}
	nla->nla_len = (uint16_t)(NLA_HDRLEN + len);
	return 0;
}

static int unix_diag_put_rqlen(struct sk_buff *skb,
			       const struct unix_diag_info *info)
{
	struct unix_diag_rqlen rql = {
		.udiag_rqueue	= info->rqueue,
		.udiag_wqueue	= info->wqueue,
	};

	return nla_put(skb, UNIX_DIAG_RQLEN, sizeof(rql), &rql);
}

/* sock_diag_put_meminfo(): what a unix socket does not use stays 0. */
static int unix_diag_put_meminfo(struct sk_buff *skb,
				 const struct unix_diag_info *info)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };

	mem[SK_MEMINFO_RMEM_ALLOC] = info->rmem_alloc;
	mem[SK_MEMINFO_RCVBUF] = info->rcvbuf;
	mem[SK_MEMINFO_WMEM_ALLOC] = info->wmem_alloc;
	mem[SK_MEMINFO_SNDBUF] = info->sndbuf;
	mem[SK_MEMINFO_DROPS] = info->drops;
	return nla_put(skb, UNIX_DIAG_MEMINFO, sizeof(mem), mem);
}

static int unix_diag_put_shutdown(struct sk_buff *skb,
				  const struct unix_diag_info *info)
{
	return nla_put_u8(skb, UNIX_DIAG_SHUTDOWN, info->shutdown);
}

static int unix_diag_put_uid(struct sk_buff *skb,
			     const struct unix_diag_info *info)
{
	uid_t uid = (uid_t)info->uid;

	return nla_put(skb, UNIX_DIAG_UID, sizeof(uid), &uid);
}

/*
 * The attributes in sk_diag_fill()'s order; show 0: always sent.
 * UNIX_DIAG_VFS (UDIAG_SHOW_VFS) is never sent: a path name is an entry of
 * usnet's name table, not a file, so there is no inode and device to give;
 * Linux sends none either for a socket that has no file (abstract names).
 */
static const struct {
	uint32_t	show;
	int		(*put)(struct sk_buff *skb,
			       const struct unix_diag_info *info);
} unix_diag_attrs[] = {
	{ UDIAG_SHOW_NAME,	unix_diag_put_name },
	{ UDIAG_SHOW_PEER,	unix_diag_put_peer },
	{ UDIAG_SHOW_ICONS,	unix_diag_put_icons },
	{ UDIAG_SHOW_RQLEN,	unix_diag_put_rqlen },
	{ UDIAG_SHOW_MEMINFO,	unix_diag_put_meminfo },
	{ 0,			unix_diag_put_shutdown },
	{ UDIAG_SHOW_UID,	unix_diag_put_uid },
};

/* Room for the largest answer about @info. */
static size_t unix_diag_msg_size(const struct unix_diag_info *info)
{
	return NLMSG_ALIGN(sizeof(struct unix_diag_msg)) +
	       UNIX_NLA_SPACE(sizeof(info->name)) +
	       UNIX_NLA_SPACE(sizeof(uint32_t)) +
	       UNIX_NLA_SPACE(info->nicons * sizeof(uint32_t)) +
	       UNIX_NLA_SPACE(sizeof(struct unix_diag_rqlen)) +
	       UNIX_NLA_SPACE(SK_MEMINFO_VARS * sizeof(uint32_t)) +
	       UNIX_NLA_SPACE(sizeof(uint8_t)) +
	       UNIX_NLA_SPACE(sizeof(uid_t));
}

static int unix_diag_fill(struct sk_buff *skb,
			  const struct unix_diag_info *info,
			  const struct unix_diag_req *req, uint32_t portid,
			  uint32_t seq, int flags)
{
	uint64_t cookie = sock_diag_cookie(info->sk);
	struct unix_diag_msg *m;
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, portid, seq, SOCK_DIAG_BY_FAMILY, sizeof(*m),
			flags);
	if (!nlh)
		return -EMSGSIZE;
	m = nlmsg_data(nlh);
	m->udiag_family = AF_UNIX;
	m->udiag_type = (uint8_t)info->type;
	m->udiag_state = (uint8_t)info->state;
	m->udiag_ino = (uint32_t)info->ino;
	m->udiag_cookie[0] = (uint32_t)cookie;
	m->udiag_cookie[1] = (uint32_t)(cookie >> 32);
	for (size_t i = 0; i < ARRAY_SIZE(unix_diag_attrs); i++) {
		if (unix_diag_attrs[i].show &&
		    !(req->udiag_show & unix_diag_attrs[i].show))
			continue;
		if (unix_diag_attrs[i].put(skb, info)) {
			nlmsg_cancel(skb, nlh);
			return -EMSGSIZE;
		}
	}
	nlmsg_end(skb, nlh);
	return 0;
}

/* ---- dumps --------------------------------------------------------------- */

struct unix_diag_dump_ctx {
	struct sk_buff			*skb;
	struct netlink_callback		*cb;
	const struct unix_diag_req	*req;
	long				pos;	/* sockets seen */
	int				err;
};

/*
 * cb->args[0]: how many of the namespace's sockets (in the walk's order,
 * embryos and filtered ones included) earlier rounds have dealt with.
 */
static int unix_diag_dump_one(const struct unix_diag_info *info, void *arg)
{
	struct unix_diag_dump_ctx *c = arg;
	struct netlink_callback *cb = c->cb;
	long pos = c->pos++;

	if (pos < cb->args[0])
		return 0;
	if (info->ino && info->state >= 0 && info->state < 32 &&
	    (c->req->udiag_states & (1u << info->state))) {
		c->err = unix_diag_fill(c->skb, info, c->req, cb->portid,
					cb->seq, NLM_F_MULTI);
		if (c->err)
			return 1;	/* the next round starts with it */
	}
	cb->args[0] = pos + 1;
	return 0;
}

static int unix_diag_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct unix_diag_dump_ctx c = {
		.skb	= skb,
		.cb	= cb,
		.req	= nlmsg_data(cb->nlh),
	};
	int r = unix_diag_walk(cb->net, unix_diag_dump_one, &c);

	return netlink_dump_ret(skb, r < 0 ? r : c.err);
}

/* ---- one socket ---------------------------------------------------------- */

struct unix_diag_get_ctx {
	const struct unix_diag_req	*req;
	uint32_t			portid, seq;
	struct sk_buff			*skb;	/* the answer */
	int				err;
};

static int unix_diag_get_one(const struct unix_diag_info *info, void *arg)
{
	struct unix_diag_get_ctx *c = arg;
	const struct unix_diag_req *req = c->req;
	uint64_t cookie = sock_diag_cookie(info->sk);

	if (info->ino != req->udiag_ino)
		return 0;
	/* sock_diag_check_cookie(): INET_DIAG_NOCOOKIE twice matches any. */
	if ((req->udiag_cookie[0] != INET_DIAG_NOCOOKIE ||
	     req->udiag_cookie[1] != INET_DIAG_NOCOOKIE) &&
	    (req->udiag_cookie[0] != (uint32_t)cookie ||
	     req->udiag_cookie[1] != (uint32_t)(cookie >> 32))) {
		c->err = -ESTALE;
		return 1;
	}
	c->skb = nlmsg_new((unsigned int)unix_diag_msg_size(info));
	if (!c->skb) {
		c->err = -ENOMEM;
		return 1;
	}
	c->err = unix_diag_fill(c->skb, info, req, c->portid, c->seq, 0);
	return 1;
}

static int unix_diag_get_exact(struct sk_buff *in_skb,
			       const struct nlmsghdr *nlh,
			       const struct unix_diag_req *req)
{
	struct usn_net *net = netlink_skb_net(in_skb);
	struct unix_diag_get_ctx c = {
		.req	= req,
		.portid	= NETLINK_CB(in_skb).portid,
		.seq	= nlh->nlmsg_seq,
		.err	= -ENOENT,
	};
	int r;

	/* Inode 0 names no socket (it is what embryos have). */
	if (!req->udiag_ino)
		return -EINVAL;
	r = unix_diag_walk(net, unix_diag_get_one, &c);
	if (r < 0)
		c.err = r;
	if (c.err) {
		if (c.skb)
			kfree_skb_reason(c.skb, SKB_DROP_REASON_NOMEM);
		return c.err;
	}
	r = sock_diag_unicast(c.skb, net, c.portid);
	return r < 0 ? r : 0;
}

/* ---- the handler --------------------------------------------------------- */

static int unix_diag_handler_dump(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct netlink_dump_control ctl = {
		.dump	= unix_diag_dump,
	};
	struct unix_diag_req req;

	if (nlmsg_len(nlh) < (int)sizeof(req))
		return -EINVAL;
	if (nlh->nlmsg_flags & NLM_F_DUMP)
		return netlink_dump_start(skb, nlh, &ctl);
	memcpy(&req, nlmsg_data(nlh), sizeof(req));
	return unix_diag_get_exact(skb, nlh, &req);
}

static const struct sock_diag_handler unix_diag_handler = {
	.family	= AF_UNIX,
	.dump	= unix_diag_handler_dump,
};

int unix_diag_init(void)
{
	return sock_diag_register(&unix_diag_handler);
}
