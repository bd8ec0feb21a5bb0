/* SPDX-License-Identifier: MIT */
/*
 * unix_diag_test.c - NETLINK_SOCK_DIAG for AF_UNIX through the public API,
 * as `ss -xa` asks: one namespace holding a listener with a connection
 * accepted and two waiting, a stream and a datagram socketpair, a
 * seqpacket socket, a datagram socket bound to a path and one autobound;
 * the dump lists each with its type, state, inode, peer and name, the
 * listener's waiting connections (UNIX_DIAG_ICONS), queue lengths
 * (UNIX_DIAG_RQLEN), memory, shutdown and uid; the state filter; a
 * request for one socket by inode and cookie (ENOENT, ESTALE, EINVAL as
 * Linux); the namespace scope; a dump that takes many recvmsg calls; a
 * listener whose waiting connections overflow a dump part. The
 * same sockets are made on this machine's kernel and its answers compared
 * with ours: message and attribute layout, and the values that do not
 * depend on the implementation (inodes and buffer sizes do).
 */
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"

#ifndef TCP_ESTABLISHED
#define TCP_ESTABLISHED	1
#define TCP_CLOSE	7
#define TCP_LISTEN	10
#endif

#define RCV_SHUTDOWN_	1	/* sk_shutdown bits */
#define SEND_SHUTDOWN_	2

#define SHOW_ALL	(UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER | \
			 UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN | \
			 UDIAG_SHOW_MEMINFO | UDIAG_SHOW_UID)
/* What both can answer alike: Linux adds UNIX_DIAG_VFS for path names. */
#define SHOW_CMP	(SHOW_ALL & ~UDIAG_SHOW_VFS)
#define MAX_ATTRS	10
#define MAX_MSGS	512
#define MAX_ICONS	8

/* The system calls of one side: usnet's or the kernel's. */
struct sys {
	const char	*name;
	int		(*socket)(int, int, int);
	int		(*socketpair)(int, int, int, int[2]);
	int		(*bind)(int, const struct sockaddr *, socklen_t);
	int		(*connect)(int, const struct sockaddr *, socklen_t);
	int		(*listen)(int, int);
	int		(*accept)(int, struct sockaddr *, socklen_t *);
	ssize_t		(*send)(int, const void *, size_t, int);
	ssize_t		(*recv)(int, void *, size_t, int);
	int		(*shutdown)(int, int);
	int		(*close)(int);
	int		(*getsockname)(int, struct sockaddr *, socklen_t *);
	int		(*unlink)(const char *);
};

static const struct sys usn = {
	"usnet", usn_socket, usn_socketpair, usn_bind, usn_connect, usn_listen,
	usn_accept, usn_send, usn_recv, usn_shutdown, usn_close,
	usn_getsockname, usn_unlink,
};

static const struct sys kern = {
	"kernel", socket, socketpair, bind, connect, listen, accept, send,
	recv, shutdown, close, getsockname, unlink,
};

/* One SOCK_DIAG_BY_FAMILY answer, parsed. */
struct udmsg {
	uint16_t		nlmsg_len, nlmsg_flags;
	struct unix_diag_msg	m;
	int			nattrs;
	uint16_t		atype[MAX_ATTRS], alen[MAX_ATTRS];
	int			name_len;	/* -1: no UNIX_DIAG_NAME */
	char			name[108];
	bool			has_peer, has_vfs;
	uint32_t		peer;
	int			nicons;		/* -1: no UNIX_DIAG_ICONS */
	uint32_t		icons[MAX_ICONS];
	bool			has_rqlen;
	struct unix_diag_rqlen	rqlen;
	int			nmem;
	uint32_t		mem[SK_MEMINFO_VARS];
	int			shutdown;	/* -1: none */
	bool			has_uid;
	uint32_t		uid;
};

struct udump {
	int		n;
	int		rounds;		/* recvmsg calls */
	int		done;		/* NLMSG_DONE seen */
	struct udmsg	e[MAX_MSGS];
};

static char buf[32768];
static unsigned int seq;

static void parse_attr(struct udmsg *u, const struct nlattr *a)
{
	const void *p = mnl_attr_get_payload(a);
	uint16_t len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case UNIX_DIAG_NAME:
		u->name_len = len <= sizeof(u->name) ? len : -2;
		if (u->name_len > 0)
			memcpy(u->name, p, len);
		break;
	case UNIX_DIAG_VFS:
		u->has_vfs = true;
		break;
	case UNIX_DIAG_PEER:
		u->has_peer = len == 4;
		memcpy(&u->peer, p, 4 <= len ? 4 : 0);
		break;
	case UNIX_DIAG_ICONS:
		u->nicons = len / 4;
		memcpy(u->icons, p, u->nicons <= MAX_ICONS ? len : 0);
		break;
	case UNIX_DIAG_RQLEN:
		u->has_rqlen = len == sizeof(u->rqlen);
		memcpy(&u->rqlen, p, u->has_rqlen ? len : 0);
		break;
	case UNIX_DIAG_MEMINFO:
		u->nmem = len / 4;
		memcpy(u->mem, p, len <= sizeof(u->mem) ? len : 0);
		break;
	case UNIX_DIAG_SHUTDOWN:
		u->shutdown = len == 1 ? *(const uint8_t *)p : -2;
		break;
	case UNIX_DIAG_UID:
		u->has_uid = len == 4;
		memcpy(&u->uid, p, u->has_uid ? len : 0);
		break;
	}
}

static int diag_cb(const struct nlmsghdr *nlh, void *data)
{
	struct udump *d = data;
	struct udmsg *u;
	const struct nlattr *a;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || d->n >= MAX_MSGS ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(u->m)))
		return MNL_CB_ERROR;
	u = &d->e[d->n++];
	memset(u, 0, sizeof(*u));
	u->nlmsg_len = (uint16_t)nlh->nlmsg_len;
	u->nlmsg_flags = nlh->nlmsg_flags;
	memcpy(&u->m, mnl_nlmsg_get_payload(nlh), sizeof(u->m));
	u->name_len = -1;
	u->nicons = -1;
	u->shutdown = -1;
	mnl_attr_for_each(a, nlh, sizeof(u->m)) {
		if (u->nattrs < MAX_ATTRS) {
			u->atype[u->nattrs] = mnl_attr_get_type(a);
			u->alen[u->nattrs] = a->nla_len;
		}
		u->nattrs++;
		parse_attr(u, a);
	}
	return MNL_CB_OK;
}

/* NLMSG_DONE: the end of a dump, with its result (0 or -errno). */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err = 0;

	((struct udump *)data)->done++;
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(err)))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err < 0) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* NLMSG_ERROR: errno set to the answer's error, as libmnl's own does. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	errno = e->error < 0 ? -e->error : e->error;
	return e->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

struct ureq {
	uint32_t	ino;
	uint32_t	states;
	uint32_t	show;
	uint32_t	cookie[2];
	int		flags;		/* NLM_F_DUMP or 0 */
	size_t		rcvlen;		/* recv buffer; 0: all of buf */
	size_t		reqlen;		/* 0: a whole struct unix_diag_req */
	uint16_t	type;		/* 0: SOCK_DIAG_BY_FAMILY */
};

/* Asks @s's NETLINK_SOCK_DIAG; 0 with @d filled, or -errno (an NLMSG_ERROR). */
static int diag_request(const struct sys *s, const struct ureq *q,
			struct udump *d)
{
	mnl_cb_t cbs[NLMSG_MIN_TYPE] = {
		[NLMSG_DONE] = done_cb,
		[NLMSG_ERROR] = error_cb,
	};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct unix_diag_req *r;
	struct sockaddr_nl sa;
	socklen_t len = sizeof(sa);
	size_t rcvlen = q->rcvlen ? q->rcvlen : sizeof(buf);
	int fd, ret;
	ssize_t n;

	nlh->nlmsg_type = q->type ? q->type : SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | q->flags);
	nlh->nlmsg_seq = ++seq;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = AF_UNIX;
	r->udiag_states = q->states;
	r->udiag_ino = q->ino;
	r->udiag_show = q->show;
	r->udiag_cookie[0] = q->cookie[0];
	r->udiag_cookie[1] = q->cookie[1];
	if (q->reqlen)
		nlh->nlmsg_len = (uint32_t)NLMSG_LENGTH(q->reqlen);
	memset(d, 0, sizeof(*d));
	fd = s->socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (s->send(fd, nlh, nlh->nlmsg_len, 0) < 0 ||
	    s->getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		ret = -errno;
		s->close(fd);
		return ret;
	}
	do {
		n = s->recv(fd, buf, rcvlen, 0);
		d->rounds++;
		errno = EIO;
		ret = n > 0 ? mnl_cb_run2(buf, (size_t)n, seq, sa.nl_pid,
					  diag_cb, d, cbs, NLMSG_MIN_TYPE) : -1;
	} while (ret > 0 && (q->flags & NLM_F_DUMP));
	ret = ret < 0 ? -errno : 0;
	s->close(fd);
	return ret;
}

static int diag_dump(const struct sys *s, uint32_t states, uint32_t show,
		     struct udump *d)
{
	struct ureq q = { .states = states, .show = show, .flags = NLM_F_DUMP };

	return diag_request(s, &q, d);
}

static int diag_get(const struct sys *s, uint32_t ino, const uint32_t cookie[2],
		    uint32_t show, struct udump *d)
{
	struct ureq q = { .ino = ino, .states = ~0u, .show = show,
			  .cookie = { cookie[0], cookie[1] } };

	return diag_request(s, &q, d);
}

static const uint32_t nocookie[2] = { ~0u, ~0u };

/* ---- the scene, on either side ------------------------------------------- */

enum role {
	R_LISTENER,	/* abstract name, backlog 4 */
	R_CLIENT,	/* connected, accepted, sent "hello" unread, SHUT_WR */
	R_ACCEPTED,
	R_PENDING1,	/* connected, not accepted */
	R_PENDING2,
	R_STREAM0,	/* a stream socketpair */
	R_STREAM1,
	R_DGRAM0,	/* a datagram socketpair; 0 sent "abc" and "defg" to 1 */
	R_DGRAM1,
	R_SEQPACKET,	/* unbound, unconnected */
	R_PATH,		/* datagram bound to a path name */
	R_AUTO,		/* datagram autobound */
	R_MAX,
};

static const char *const role_name[R_MAX] = {
	"listener", "client", "accepted", "pending1", "pending2", "stream0",
	"stream1", "dgram0", "dgram1", "seqpacket", "path", "autobound",
};

struct scene {
	int			fd[R_MAX];
	struct sockaddr_un	lname, pname;
	socklen_t		llen, plen;
};

static void names(struct scene *sc)
{
	memset(&sc->lname, 0, sizeof(sc->lname));
	sc->lname.sun_family = AF_UNIX;
	snprintf(sc->lname.sun_path + 1, sizeof(sc->lname.sun_path) - 1,
		 "usnet-udiag-%d", (int)getpid());
	sc->llen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			       strlen(sc->lname.sun_path + 1));
	memset(&sc->pname, 0, sizeof(sc->pname));
	sc->pname.sun_family = AF_UNIX;
	snprintf(sc->pname.sun_path, sizeof(sc->pname.sun_path),
		 "/tmp/usnet-udiag-%d.sock", (int)getpid());
	sc->plen = sizeof(sc->pname);
}

static int scene_make(const struct sys *s, struct scene *sc)
{
	sa_family_t af = AF_UNIX;
	const struct sockaddr *la = (const struct sockaddr *)&sc->lname;
	int sv[2];
	char c[8];

	names(sc);
	s->unlink(sc->pname.sun_path);
	for (int i = 0; i < R_MAX; i++)
		sc->fd[i] = -1;
	sc->fd[R_LISTENER] = s->socket(AF_UNIX, SOCK_STREAM, 0);
	if (sc->fd[R_LISTENER] < 0 || s->bind(sc->fd[R_LISTENER], la, sc->llen) ||
	    s->listen(sc->fd[R_LISTENER], 4))
		return -1;
	sc->fd[R_CLIENT] = s->socket(AF_UNIX, SOCK_STREAM, 0);
	if (s->connect(sc->fd[R_CLIENT], la, sc->llen))
		return -1;
	sc->fd[R_ACCEPTED] = s->accept(sc->fd[R_LISTENER], NULL, NULL);
	if (sc->fd[R_ACCEPTED] < 0 || s->send(sc->fd[R_CLIENT], "hello", 5, 0) != 5 ||
	    s->shutdown(sc->fd[R_CLIENT], SHUT_WR))
		return -1;
	sc->fd[R_PENDING1] = s->socket(AF_UNIX, SOCK_STREAM, 0);
	sc->fd[R_PENDING2] = s->socket(AF_UNIX, SOCK_STREAM, 0);
	if (s->connect(sc->fd[R_PENDING1], la, sc->llen) ||
	    s->connect(sc->fd[R_PENDING2], la, sc->llen))
		return -1;
	if (s->socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	sc->fd[R_STREAM0] = sv[0];
	sc->fd[R_STREAM1] = sv[1];
	if (s->socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return -1;
	sc->fd[R_DGRAM0] = sv[0];
	sc->fd[R_DGRAM1] = sv[1];
	if (s->send(sv[0], "abc", 3, 0) != 3 || s->send(sv[0], "defg", 4, 0) != 4)
		return -1;
	sc->fd[R_SEQPACKET] = s->socket(AF_UNIX, SOCK_SEQPACKET, 0);
	sc->fd[R_PATH] = s->socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s->bind(sc->fd[R_PATH], (const struct sockaddr *)&sc->pname, sc->plen))
		return -1;
	sc->fd[R_AUTO] = s->socket(AF_UNIX, SOCK_DGRAM, 0);
	memcpy(c, &af, sizeof(af));
	if (s->bind(sc->fd[R_AUTO], (const struct sockaddr *)c, sizeof(af)))
		return -1;
	return 0;
}

static void scene_end(const struct sys *s, struct scene *sc)
{
	for (int i = 0; i < R_MAX; i++)
		if (sc->fd[i] >= 0)
			s->close(sc->fd[i]);
	s->unlink(sc->pname.sun_path);
}

/* The entry of a dump with inode @ino, NULL if none. */
static const struct udmsg *by_ino(const struct udump *d, uint32_t ino)
{
	for (int i = 0; i < d->n; i++)
		if (d->e[i].m.udiag_ino == ino)
			return &d->e[i];
	return NULL;
}

static bool named(const struct udmsg *u, const char *name, int len)
{
	return u->name_len == len && !memcmp(u->name, name, (size_t)len);
}

/*
 * Finds each role's entry in a usnet dump of the scene's namespace by what
 * the entries say of each other (usnet has no fstat for a socket's inode).
 */
static int scene_roles(const struct scene *sc, const struct udump *d,
		       const struct udmsg *r[R_MAX])
{
	int llen = (int)(sc->llen - offsetof(struct sockaddr_un, sun_path));
	int plen = (int)strlen(sc->pname.sun_path) + 1;
	const struct udmsg *stream[2] = { 0 }, *dgram[2] = { 0 };
	int ns = 0, nd = 0;

	memset(r, 0, sizeof(*r) * R_MAX);
	for (int i = 0; i < d->n; i++) {
		const struct udmsg *u = &d->e[i];

		if (u->m.udiag_state == TCP_LISTEN)
			r[R_LISTENER] = u;
		else if (named(u, sc->lname.sun_path, llen))
			r[R_ACCEPTED] = u;
		else if (named(u, sc->pname.sun_path, plen))
			r[R_PATH] = u;
		else if (u->m.udiag_type == SOCK_DGRAM && u->name_len == 6)
			r[R_AUTO] = u;
		else if (u->m.udiag_type == SOCK_SEQPACKET)
			r[R_SEQPACKET] = u;
	}
	if (!r[R_LISTENER] || !r[R_ACCEPTED] || r[R_LISTENER]->nicons != 2)
		return -1;
	r[R_CLIENT] = by_ino(d, r[R_ACCEPTED]->peer);
	r[R_PENDING1] = by_ino(d, r[R_LISTENER]->icons[0]);
	r[R_PENDING2] = by_ino(d, r[R_LISTENER]->icons[1]);
	for (int i = 0; i < d->n; i++) {
		const struct udmsg *u = &d->e[i];
		bool known = false;

		for (int j = 0; j < R_MAX; j++)
			known |= r[j] == u;
		if (known || u->m.udiag_state != TCP_ESTABLISHED)
			continue;
		if (u->m.udiag_type == SOCK_STREAM && ns < 2)
			stream[ns++] = u;
		else if (u->m.udiag_type == SOCK_DGRAM && nd < 2)
			dgram[nd++] = u;
	}
	r[R_STREAM0] = stream[0];
	r[R_STREAM1] = stream[1];
	/* The receiving end holds the two datagrams. */
	if (dgram[0] && dgram[1] && dgram[0]->has_rqlen &&
	    dgram[0]->rqlen.udiag_rqueue) {
		r[R_DGRAM1] = dgram[0];
		r[R_DGRAM0] = dgram[1];
	} else {
		r[R_DGRAM0] = dgram[0];
		r[R_DGRAM1] = dgram[1];
	}
	for (int j = 0; j < R_MAX; j++)
		if (!r[j])
			return -1;
	return 0;
}

/* What the scene's sockets must say, on usnet or on the kernel. */
static void scene_check(const struct sys *s, const struct scene *sc,
			const struct udmsg *const r[R_MAX])
{
	int llen = (int)(sc->llen - offsetof(struct sockaddr_un, sun_path));
	static const struct { uint8_t type, state; } want[R_MAX] = {
		[R_LISTENER]	= { SOCK_STREAM, TCP_LISTEN },
		[R_CLIENT]	= { SOCK_STREAM, TCP_ESTABLISHED },
		[R_ACCEPTED]	= { SOCK_STREAM, TCP_ESTABLISHED },
		[R_PENDING1]	= { SOCK_STREAM, TCP_ESTABLISHED },
		[R_PENDING2]	= { SOCK_STREAM, TCP_ESTABLISHED },
		[R_STREAM0]	= { SOCK_STREAM, TCP_ESTABLISHED },
		[R_STREAM1]	= { SOCK_STREAM, TCP_ESTABLISHED },
		[R_DGRAM0]	= { SOCK_DGRAM, TCP_ESTABLISHED },
		[R_DGRAM1]	= { SOCK_DGRAM, TCP_ESTABLISHED },
		[R_SEQPACKET]	= { SOCK_SEQPACKET, TCP_CLOSE },
		[R_PATH]	= { SOCK_DGRAM, TCP_CLOSE },
		[R_AUTO]	= { SOCK_DGRAM, TCP_CLOSE },
	};

	for (int i = 0; i < R_MAX; i++) {
		const struct udmsg *u = r[i];

		if (u->m.udiag_family != AF_UNIX ||
		    u->m.udiag_type != want[i].type ||
		    u->m.udiag_state != want[i].state || !u->m.udiag_ino ||
		    u->shutdown < 0 || !u->has_uid || u->uid != geteuid() ||
		    !u->has_rqlen || u->nmem != SK_MEMINFO_VARS)
			TEST_FAIL_AT("%s %s: family %u type %u state %u ino %u "
				     "shutdown %d uid %d/%u rqlen %d mem %d",
				     s->name, role_name[i], u->m.udiag_family,
				     u->m.udiag_type, u->m.udiag_state,
				     u->m.udiag_ino, u->shutdown, u->has_uid,
				     u->uid, u->has_rqlen, u->nmem);
		/* Only a listener has UNIX_DIAG_ICONS. */
		EXPECT_EQ(u->nicons >= 0, i == R_LISTENER);
	}
	/* The listener: its name, its backlog, its two waiting connections. */
	EXPECT_TRUE(named(r[R_LISTENER], sc->lname.sun_path, llen));
	EXPECT_TRUE(!r[R_LISTENER]->has_peer);
	EXPECT_EQ(r[R_LISTENER]->rqlen.udiag_rqueue, 2);
	EXPECT_EQ(r[R_LISTENER]->rqlen.udiag_wqueue, 4);
	EXPECT_EQ(r[R_LISTENER]->nicons, 2);
	EXPECT_EQ(r[R_LISTENER]->icons[0], r[R_PENDING1]->m.udiag_ino);
	EXPECT_EQ(r[R_LISTENER]->icons[1], r[R_PENDING2]->m.udiag_ino);
	/* An accepted connection: mutual peers, the listener's name. */
	EXPECT_TRUE(named(r[R_ACCEPTED], sc->lname.sun_path, llen));
	EXPECT_TRUE(r[R_CLIENT]->name_len < 0);
	EXPECT_TRUE(r[R_CLIENT]->has_peer && r[R_ACCEPTED]->has_peer);
	EXPECT_EQ(r[R_CLIENT]->peer, r[R_ACCEPTED]->m.udiag_ino);
	EXPECT_EQ(r[R_ACCEPTED]->peer, r[R_CLIENT]->m.udiag_ino);
	EXPECT_EQ(r[R_ACCEPTED]->rqlen.udiag_rqueue, 5);	/* "hello" */
	EXPECT_NE(r[R_CLIENT]->rqlen.udiag_wqueue, 0);	/* unread by the peer */
	EXPECT_EQ(r[R_CLIENT]->shutdown, SEND_SHUTDOWN_);
	EXPECT_EQ(r[R_ACCEPTED]->shutdown, RCV_SHUTDOWN_);
	/* Waiting connections: a peer with no inode yet. */
	EXPECT_TRUE(r[R_PENDING1]->has_peer && r[R_PENDING1]->peer == 0);
	EXPECT_TRUE(r[R_PENDING2]->has_peer && r[R_PENDING2]->peer == 0);
	/* Socketpairs. */
	EXPECT_EQ(r[R_STREAM0]->peer, r[R_STREAM1]->m.udiag_ino);
	EXPECT_EQ(r[R_STREAM1]->peer, r[R_STREAM0]->m.udiag_ino);
	EXPECT_EQ(r[R_DGRAM0]->peer, r[R_DGRAM1]->m.udiag_ino);
	EXPECT_EQ(r[R_DGRAM1]->peer, r[R_DGRAM0]->m.udiag_ino);
	EXPECT_EQ(r[R_DGRAM1]->rqlen.udiag_rqueue, 3);	/* the first datagram */
	EXPECT_EQ(r[R_DGRAM0]->rqlen.udiag_rqueue, 0);
	EXPECT_NE(r[R_DGRAM0]->rqlen.udiag_wqueue, 0);
	EXPECT_EQ(r[R_STREAM0]->shutdown, 0);
	/* Unconnected ones have no peer; names as bound. */
	EXPECT_TRUE(!r[R_SEQPACKET]->has_peer && r[R_SEQPACKET]->name_len < 0);
	EXPECT_TRUE(named(r[R_PATH], sc->pname.sun_path,
			  (int)strlen(sc->pname.sun_path) + 1));
	EXPECT_TRUE(!r[R_PATH]->has_peer);
	EXPECT_TRUE(r[R_AUTO]->name_len == 6 && r[R_AUTO]->name[0] == '\0');
	for (int i = 0; i < R_MAX; i++)
		for (int j = i + 1; j < R_MAX; j++)
			if (r[i]->m.udiag_ino == r[j]->m.udiag_ino ||
			    (r[i]->m.udiag_cookie[0] == r[j]->m.udiag_cookie[0] &&
			     r[i]->m.udiag_cookie[1] == r[j]->m.udiag_cookie[1]))
				TEST_FAIL_AT("%s: %s and %s share an inode or a cookie",
					     s->name, role_name[i], role_name[j]);
}

static struct usn_net *scene_net(const char *name)
{
	struct usn_net *net;

	test_sim_start(11);
	net = usn_net_create(name, 0);
	if (net)
		usn_setns(net);
	return net;
}

static void net_end(struct usn_net *net)
{
	usn_setns(NULL);
	usn_net_destroy(net);
}

static struct udump d, d2;

TEST(dump_lists_every_kind_of_unix_socket)
{
	const struct udmsg *r[R_MAX];
	struct usn_net *net = scene_net("ud-dump");
	struct scene sc;

	ASSERT_TRUE(net);
	ASSERT_TRUE(scene_make(&usn, &sc) == 0);
	EXPECT_OK(diag_dump(&usn, ~0u, SHOW_ALL, &d));
	EXPECT_EQ(d.done, 1);
	/* Every socket once, the embryos of the waiting connections not at all. */
	EXPECT_EQ(d.n, R_MAX);
	for (int i = 0; i < d.n; i++) {
		EXPECT_EQ(d.e[i].nlmsg_flags, NLM_F_MULTI);
		EXPECT_TRUE(!d.e[i].has_vfs);	/* no files: docs/unix.md */
	}
	ASSERT_TRUE(scene_roles(&sc, &d, r) == 0);
	scene_check(&usn, &sc, r);
	/* Without udiag_show only UNIX_DIAG_SHUTDOWN comes. */
	EXPECT_OK(diag_dump(&usn, ~0u, 0, &d2));
	EXPECT_EQ(d2.n, R_MAX);
	for (int i = 0; i < d2.n; i++)
		EXPECT_TRUE(d2.e[i].nattrs == 1 &&
			    d2.e[i].atype[0] == UNIX_DIAG_SHUTDOWN);
	/* Accepting a connection: it leaves ICONS, its peer gets an inode. */
	{
		uint32_t pending1 = r[R_PENDING1]->m.udiag_ino;
		int a = usn_accept(sc.fd[R_LISTENER], NULL, NULL);
		const struct udmsg *l = NULL, *p;

		ASSERT_TRUE(a >= 0);
		EXPECT_OK(diag_dump(&usn, ~0u, SHOW_ALL, &d));
		EXPECT_EQ(d.n, R_MAX + 1);
		for (int i = 0; i < d.n; i++)
			if (d.e[i].m.udiag_state == TCP_LISTEN)
				l = &d.e[i];
		ASSERT_TRUE(l != NULL);
		EXPECT_EQ(l->nicons, 1);
		EXPECT_EQ(l->rqlen.udiag_rqueue, 1);
		p = by_ino(&d, pending1);
		ASSERT_TRUE(p != NULL);
		EXPECT_TRUE(p->peer != 0 && by_ino(&d, p->peer) != NULL);
		usn_close(a);
	}
	scene_end(&usn, &sc);
	EXPECT_OK(diag_dump(&usn, ~0u, SHOW_ALL, &d));
	EXPECT_EQ(d.n, 0);
	net_end(net);
}

TEST(states_filter)
{
	struct usn_net *net = scene_net("ud-states");
	struct scene sc;

	ASSERT_TRUE(net);
	ASSERT_TRUE(scene_make(&usn, &sc) == 0);
	EXPECT_OK(diag_dump(&usn, 1u << TCP_LISTEN, 0, &d));
	EXPECT_EQ(d.n, 1);
	EXPECT_EQ(d.e[0].m.udiag_state, TCP_LISTEN);
	EXPECT_OK(diag_dump(&usn, 1u << TCP_ESTABLISHED, 0, &d));
	EXPECT_EQ(d.n, 8);	/* client, accepted, 2 waiting, 2 pairs */
	for (int i = 0; i < d.n; i++)
		EXPECT_EQ(d.e[i].m.udiag_state, TCP_ESTABLISHED);
	EXPECT_OK(diag_dump(&usn, 1u << TCP_CLOSE, 0, &d));
	EXPECT_EQ(d.n, 3);	/* seqpacket, path, autobound */
	EXPECT_OK(diag_dump(&usn, (1u << TCP_CLOSE) | (1u << TCP_LISTEN), 0, &d));
	EXPECT_EQ(d.n, 4);
	/* ss -x without -a: every state but LISTEN and CLOSE. */
	EXPECT_OK(diag_dump(&usn, ~((1u << TCP_LISTEN) | (1u << TCP_CLOSE)), 0, &d));
	EXPECT_EQ(d.n, 8);
	EXPECT_OK(diag_dump(&usn, 0, 0, &d));
	EXPECT_EQ(d.n, 0);
	EXPECT_EQ(d.done, 1);
	scene_end(&usn, &sc);
	net_end(net);
}

/* One socket by inode; the errors of unix_diag_get_exact(). */
static void get_one_checks(const struct sys *s, uint32_t ino,
			   const uint32_t cookie[2])
{
	uint32_t bad[2] = { cookie[0] + 1, cookie[1] };
	struct ureq q = { .ino = ino, .states = ~0u, .show = SHOW_CMP,
			  .cookie = { cookie[0], cookie[1] } };

	EXPECT_OK(diag_get(s, ino, cookie, SHOW_CMP, &d2));
	EXPECT_EQ(d2.n, 1);
	EXPECT_EQ(d2.e[0].m.udiag_ino, ino);
	EXPECT_EQ(d2.e[0].nlmsg_flags, 0);
	EXPECT_OK(diag_get(s, ino, nocookie, SHOW_CMP, &d2));
	EXPECT_EQ(d2.n, 1);
	EXPECT_EQ(diag_get(s, ino, bad, SHOW_CMP, &d2), -ESTALE);
	EXPECT_EQ(diag_get(s, 0, nocookie, SHOW_CMP, &d2), -EINVAL);
	EXPECT_EQ(diag_get(s, 0x7ffffff0u, nocookie, SHOW_CMP, &d2), -ENOENT);
	/* The states filter is for dumps only. */
	q.states = 0;
	EXPECT_OK(diag_request(s, &q, &d2));
	EXPECT_EQ(d2.n, 1);
	/* A request shorter than struct unix_diag_req. */
	q.reqlen = 8;
	EXPECT_EQ(diag_request(s, &q, &d2), -EINVAL);
	q.flags = NLM_F_DUMP;
	EXPECT_EQ(diag_request(s, &q, &d2), -EINVAL);
	/* Unix sockets cannot be destroyed through sock_diag. */
	q.reqlen = 0;
	q.flags = 0;
	q.type = SOCK_DESTROY;
	EXPECT_EQ(diag_request(s, &q, &d2), -EOPNOTSUPP);
}

TEST(get_one_socket_by_inode)
{
	const struct udmsg *r[R_MAX];
	struct usn_net *net = scene_net("ud-get"), *other;
	struct scene sc;
	uint32_t ino, cookie[2];

	ASSERT_TRUE(net);
	ASSERT_TRUE(scene_make(&usn, &sc) == 0);
	EXPECT_OK(diag_dump(&usn, ~0u, SHOW_CMP, &d));
	ASSERT_TRUE(scene_roles(&sc, &d, r) == 0);
	for (int i = 0; i < R_MAX; i++) {
		const struct udmsg *u = r[i];

		ino = u->m.udiag_ino;
		memcpy(cookie, u->m.udiag_cookie, sizeof(cookie));
		EXPECT_OK(diag_get(&usn, ino, cookie, SHOW_CMP, &d2));
		ASSERT_TRUE(d2.n == 1);
		/* The same answer as in the dump, but for NLM_F_MULTI. */
		EXPECT_EQ(d2.e[0].nlmsg_len, u->nlmsg_len);
		EXPECT_TRUE(!memcmp(&d2.e[0].m, &u->m, sizeof(u->m)));
		EXPECT_EQ(d2.e[0].nattrs, u->nattrs);
	}
	ino = r[R_LISTENER]->m.udiag_ino;
	memcpy(cookie, r[R_LISTENER]->m.udiag_cookie, sizeof(cookie));
	get_one_checks(&usn, ino, cookie);
	/* Another namespace sees none of them. */
	other = usn_net_create("ud-other", 0);
	ASSERT_TRUE(other);
	usn_setns(other);
	EXPECT_EQ(diag_get(&usn, ino, nocookie, 0, &d2), -ENOENT);
	EXPECT_OK(diag_dump(&usn, ~0u, 0, &d2));
	EXPECT_EQ(d2.n, 0);
	usn_setns(net);
	usn_net_destroy(other);
	/* A closed socket is gone. */
	usn_close(sc.fd[R_LISTENER]);
	sc.fd[R_LISTENER] = -1;
	EXPECT_EQ(diag_get(&usn, ino, nocookie, 0, &d2), -ENOENT);
	scene_end(&usn, &sc);
	net_end(net);
}

/* A dump larger than the reader's buffer comes in parts, none lost or doubled. */
TEST(dump_continues_across_recvmsg_calls)
{
	enum { PAIRS = 120, ALL = 3 * PAIRS };
	struct usn_net *net = scene_net("ud-many");
	struct ureq q = { .states = ~0u, .show = SHOW_ALL, .flags = NLM_F_DUMP,
			  .rcvlen = 4096 };
	static int sv[PAIRS][2], lone[PAIRS];
	static uint32_t seen[ALL];
	int n = 0;

	ASSERT_TRUE(net);
	/* Connected pairs, each followed by an unconnected socket (CLOSE). */
	for (int i = 0; i < PAIRS; i++) {
		ASSERT_TRUE(usn_socketpair(AF_UNIX, i & 1 ? SOCK_DGRAM : SOCK_STREAM,
					   0, sv[i]) == 0);
		lone[i] = usn_socket(AF_UNIX, SOCK_SEQPACKET, 0);
		ASSERT_TRUE(lone[i] >= 0);
	}
	EXPECT_OK(diag_request(&usn, &q, &d));
	EXPECT_EQ(d.done, 1);
	EXPECT_EQ(d.n, ALL);
	EXPECT_TRUE(d.rounds > 4);
	for (int i = 0; i < d.n && n < ALL; i++) {
		bool dup = false;

		for (int j = 0; j < n; j++)
			dup |= seen[j] == d.e[i].m.udiag_ino;
		EXPECT_TRUE(!dup);
		seen[n++] = d.e[i].m.udiag_ino;
		/* Every peer is in the dump too. */
		if (d.e[i].m.udiag_state == TCP_ESTABLISHED)
			EXPECT_TRUE(by_ino(&d, d.e[i].peer) != NULL);
	}
	/* A state filter skips a third of the sockets of every part. */
	q.states = 1u << TCP_ESTABLISHED;
	EXPECT_OK(diag_request(&usn, &q, &d));
	EXPECT_EQ(d.n, 2 * PAIRS);
	EXPECT_TRUE(d.rounds > 4);
	q.states = 1u << TCP_CLOSE;
	EXPECT_OK(diag_request(&usn, &q, &d));
	EXPECT_EQ(d.n, PAIRS);
	for (int i = 0; i < d.n; i++)
		EXPECT_EQ(d.e[i].m.udiag_type, SOCK_SEQPACKET);
	for (int i = 0; i < PAIRS; i++) {
		usn_close(sv[i][0]);
		usn_close(sv[i][1]);
		usn_close(lone[i]);
	}
	net_end(net);
}

/*
 * A listener whose waiting connections do not fit one dump part ends the
 * dump with -EMSGSIZE; asked alone, its answer is sized to fit.
 */
TEST(listener_with_more_waiting_connections_than_a_part_holds)
{
	enum { WAITING = 1000 };
	struct usn_net *net = scene_net("ud-icons");
	struct ureq q = { .states = ~0u, .show = UDIAG_SHOW_ICONS,
			  .flags = NLM_F_DUMP };
	static int c[WAITING];
	struct scene sc;
	int l;

	ASSERT_TRUE(net);
	names(&sc);
	l = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_TRUE(l >= 0);
	EXPECT_OK(usn_bind(l, (struct sockaddr *)&sc.lname, sc.llen));
	EXPECT_OK(usn_listen(l, WAITING));
	for (int i = 0; i < WAITING; i++) {
		c[i] = usn_socket(AF_UNIX, SOCK_STREAM, 0);
		ASSERT_TRUE(usn_connect(c[i], (struct sockaddr *)&sc.lname,
					sc.llen) == 0);
	}
	EXPECT_EQ(diag_request(&usn, &q, &d), -EMSGSIZE);
	EXPECT_EQ(d.n, 0);
	/* Without ICONS it fits; then alone, with them. */
	q.states = 1u << TCP_LISTEN;
	q.show = 0;
	EXPECT_OK(diag_request(&usn, &q, &d));
	ASSERT_TRUE(d.n == 1);
	EXPECT_OK(diag_get(&usn, d.e[0].m.udiag_ino, nocookie,
			   UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN, &d2));
	ASSERT_TRUE(d2.n == 1);
	EXPECT_EQ(d2.e[0].nicons, WAITING);
	EXPECT_EQ(d2.e[0].rqlen.udiag_rqueue, WAITING);
	for (int i = 0; i < WAITING; i++)
		usn_close(c[i]);
	usn_close(l);
	net_end(net);
}

/* ---- against this machine's kernel --------------------------------------- */

static int kernel_scene(struct scene *sc, const struct udmsg *r[R_MAX],
			struct udump *kd)
{
	struct stat st;

	if (scene_make(&kern, sc))
		return -errno;
	kd->n = 0;
	for (int i = 0; i < R_MAX; i++) {
		static struct udump one;
		int err;

		if (fstat(sc->fd[i], &st))
			return -errno;
		err = diag_get(&kern, (uint32_t)st.st_ino, nocookie, SHOW_CMP, &one);
		if (err)
			return err;
		if (one.n != 1)
			return -EPROTO;
		kd->e[kd->n] = one.e[0];
		r[i] = &kd->e[kd->n++];
	}
	return 0;
}

static void same_layout(int role, const struct udmsg *k, const struct udmsg *u)
{
	bool same = k->nlmsg_len == u->nlmsg_len && k->nattrs == u->nattrs;

	for (int i = 0; same && i < k->nattrs && i < MAX_ATTRS; i++)
		same = k->atype[i] == u->atype[i] && k->alen[i] == u->alen[i];
	if (!same) {
		TEST_FAIL_AT("%s: kernel and usnet answers differ in layout",
			     role_name[role]);
		for (int i = 0; i < k->nattrs && i < MAX_ATTRS; i++)
			fprintf(stderr, "    kernel attr %u len %u\n",
				k->atype[i], k->alen[i]);
		for (int i = 0; i < u->nattrs && i < MAX_ATTRS; i++)
			fprintf(stderr, "    usnet  attr %u len %u\n",
				u->atype[i], u->alen[i]);
	}
	EXPECT_EQ(k->m.udiag_family, u->m.udiag_family);
	EXPECT_EQ(k->m.udiag_type, u->m.udiag_type);
	EXPECT_EQ(k->m.udiag_state, u->m.udiag_state);
	EXPECT_EQ(k->m.pad, u->m.pad);
	EXPECT_EQ(k->nlmsg_flags, u->nlmsg_flags);
	EXPECT_EQ(k->shutdown, u->shutdown);
	EXPECT_EQ(k->has_peer, u->has_peer);
	EXPECT_EQ(k->name_len, u->name_len);
	EXPECT_EQ(k->nicons, u->nicons);
	EXPECT_EQ(k->uid, u->uid);
	EXPECT_EQ(k->rqlen.udiag_rqueue, u->rqlen.udiag_rqueue);
	if (role == R_LISTENER)
		EXPECT_EQ(k->rqlen.udiag_wqueue, u->rqlen.udiag_wqueue);
}

TEST(same_answers_as_the_kernel)
{
	static struct udump kd, ud;
	const struct udmsg *kr[R_MAX], *ur[R_MAX];
	struct usn_net *net = scene_net("ud-kernel");
	struct scene ks, us;
	struct stat st;
	int err;

	ASSERT_TRUE(net);
	err = kernel_scene(&ks, kr, &kd);
	if (err) {
		/* No unix_diag in this kernel (or no AF_NETLINK here). */
		printf("  kernel comparison not run: %s\n", strerror(-err));
		scene_end(&kern, &ks);
		net_end(net);
		return;
	}
	scene_check(&kern, &ks, kr);
	ASSERT_TRUE(scene_make(&usn, &us) == 0);
	EXPECT_OK(diag_dump(&usn, ~0u, SHOW_CMP, &d));
	ASSERT_TRUE(scene_roles(&us, &d, ur) == 0);
	/* The single-socket answers of usnet, as the kernel's were asked. */
	ud.n = 0;
	for (int i = 0; i < R_MAX; i++) {
		EXPECT_OK(diag_get(&usn, ur[i]->m.udiag_ino, nocookie, SHOW_CMP, &d2));
		ASSERT_TRUE(d2.n == 1);
		ud.e[ud.n] = d2.e[0];
		ur[i] = &ud.e[ud.n++];
	}
	for (int i = 0; i < R_MAX; i++)
		same_layout(i, kr[i], ur[i]);
	/* The same errors for the same mistakes. */
	ASSERT_TRUE(fstat(ks.fd[R_LISTENER], &st) == 0);
	get_one_checks(&kern, (uint32_t)st.st_ino, kr[R_LISTENER]->m.udiag_cookie);
	get_one_checks(&usn, ur[R_LISTENER]->m.udiag_ino,
		       ur[R_LISTENER]->m.udiag_cookie);
	/* A path name: the kernel adds the file's UNIX_DIAG_VFS, usnet has no file. */
	ASSERT_TRUE(fstat(ks.fd[R_PATH], &st) == 0);
	EXPECT_OK(diag_get(&kern, (uint32_t)st.st_ino, nocookie, SHOW_ALL, &d2));
	EXPECT_TRUE(d2.n == 1 && d2.e[0].has_vfs);
	EXPECT_OK(diag_get(&usn, ur[R_PATH]->m.udiag_ino, nocookie, SHOW_ALL, &d2));
	EXPECT_TRUE(d2.n == 1 && !d2.e[0].has_vfs);
	scene_end(&kern, &ks);
	scene_end(&usn, &us);
	net_end(net);
}
