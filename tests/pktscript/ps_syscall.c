/* SPDX-License-Identifier: MIT */
/*
 * ps_syscall.c - the system calls a script makes, through the public usn_*
 * API, with their results checked.
 *
 * Blocking calls. The simulator is single-threaded and a usnet call that
 * blocks runs the virtual clock itself, where the harness could not inject
 * anything. So a call that may block (connect, accept, send*, recv*, read,
 * write, poll with a timeout) on a socket without O_NONBLOCK is made
 * without blocking (MSG_DONTWAIT, or O_NONBLOCK set around the call); if
 * it would block it stays pending, as if on a thread of its own, and is
 * retried each time the namespace has run, until it completes or its
 * timeout (SO_RCVTIMEO, SO_SNDTIMEO, poll's) passes. A blocking send
 * completes once all its bytes are queued; MSG_WAITALL receives until the
 * length is reached. Script fds are names: "socket(...) = 3" binds script
 * fd 3 to whatever descriptor usnet returned.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <usnet/usnet.h>
#include "pktscript.h"

#define PS_BADFD_BASE	(1 << 20)	/* script fds never opened: EBADF */

typedef int (*ps_call_fn)(struct ps_engine *E, struct ps_call *c);

struct ps_syscall {
	const char	*name;
	int		minargs, maxargs;
	ps_call_fn	fn;	/* 1 done, 0 would block, -1 failed */
	bool		new_fd;	/* the result is a descriptor */
};

/* ---- arguments ----------------------------------------------------------- */

static const struct ps_expr *arg(const struct ps_call *c, int i)
{
	return &c->ev->call->args[i];
}

static int nargs(const struct ps_call *c)
{
	return c->ev->call->nargs;
}

static int bad_arg(struct ps_engine *E, struct ps_call *c, int i,
		   const char *what)
{
	return ps_fail(E, c->ev->line, "%s: argument %d must be %s",
		       c->ev->call->name, i + 1, what);
}

/* An integer, or [integer]. */
static int arg_int(struct ps_engine *E, struct ps_call *c, int i, int64_t *v)
{
	const struct ps_expr *e = arg(c, i);

	if (e->kind == PS_E_LIST && e->n == 1)
		e = &e->elems[0];
	if (e->kind != PS_E_INT)
		return bad_arg(E, c, i, "an integer");
	*v = e->v;
	return 0;
}

static int real_fd(struct ps_engine *E, int64_t sfd)
{
	if (sfd < 0)
		return (int)sfd;
	for (int i = 0; i < E->nfd; i++)
		if (E->fdmap[i][0] == sfd)
			return E->fdmap[i][1];
	return PS_BADFD_BASE + (int)(sfd & 0xffff);
}

static int arg_fd(struct ps_engine *E, struct ps_call *c, int i, int *fd)
{
	int64_t v;

	if (arg_int(E, c, i, &v))
		return -1;
	*fd = real_fd(E, v);
	return 0;
}

static void fd_unmap(struct ps_engine *E, int64_t sfd)
{
	for (int i = 0; i < E->nfd; i++)
		if (E->fdmap[i][0] == sfd) {
			E->fdmap[i][0] = E->fdmap[E->nfd - 1][0];
			E->fdmap[i][1] = E->fdmap[E->nfd - 1][1];
			E->nfd--;
			return;
		}
}

/*
 * A socket address: a.b.c.d:port, "..." for the script's default (@local:
 * local address and port; else the remote's), or AF_UNSPEC.
 */
static int arg_addr(struct ps_engine *E, struct ps_call *c, int i, bool local,
		    struct sockaddr_in *sin)
{
	const struct ps_expr *e = arg(c, i);
	const struct ps_options *o = &E->s->opt;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	switch (e->kind) {
	case PS_E_ADDR:
		sin->sin_addr.s_addr = e->ip;
		sin->sin_port = htons((uint16_t)e->port);
		return 0;
	case PS_E_ANY:
		sin->sin_addr.s_addr = local ? o->local_ip : o->remote_ip;
		sin->sin_port = htons((uint16_t)(local ? o->local_port :
							 o->remote_port));
		return 0;
	case PS_E_INT:
		if (e->v == AF_UNSPEC) {
			sin->sin_family = AF_UNSPEC;
			return 0;
		}
		break;
	default:
		break;
	}
	return bad_arg(E, c, i, "an address a.b.c.d:port, '...' or AF_UNSPEC");
}

static int check_addr(struct ps_engine *E, struct ps_call *c, int i,
		      const struct sockaddr_in *got, socklen_t len)
{
	const struct ps_expr *e = arg(c, i);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (e->kind != PS_E_ADDR)
		return 0;
	if (len < sizeof(*got) || got->sin_family != AF_INET ||
	    got->sin_addr.s_addr != e->ip || ntohs(got->sin_port) != e->port)
		return ps_fail(E, c->ev->line, "%s: address: expected %s:%d, got %s:%u (family %d, length %u)",
			       c->ev->call->name,
			       inet_ntop(AF_INET, &e->ip, a, sizeof(a)), e->port,
			       inet_ntop(AF_INET, &got->sin_addr, b, sizeof(b)),
			       ntohs(got->sin_port), got->sin_family, len);
	return 0;
}

/* The bytes to send: "..." is the alphabet, "text" is itself. */
static int arg_sendbuf(struct ps_engine *E, struct ps_call *c, int bi, int li)
{
	const struct ps_expr *b = arg(c, bi);
	int64_t len;

	if (arg_int(E, c, li, &len))
		return -1;
	if (len < 0 || len > (1 << 24))
		return bad_arg(E, c, li, "a length from 0 to 16 MiB");
	if (b->kind == PS_E_STR && (size_t)len > b->slen)
		return bad_arg(E, c, li, "at most the string's length");
	if (b->kind != PS_E_STR && b->kind != PS_E_ANY)
		return bad_arg(E, c, bi, "'...' or a string");
	c->want = (size_t)len;
	c->buf = calloc(1, c->want + 1);
	if (!c->buf)
		return ps_fail(E, c->ev->line, "out of memory");
	for (size_t k = 0; k < c->want; k++)
		c->buf[k] = b->kind == PS_E_STR ? (uint8_t)b->s[k] :
						  (uint8_t)('a' + k % 26);
	return 0;
}

static int arg_recvbuf(struct ps_engine *E, struct ps_call *c, int bi, int li)
{
	const struct ps_expr *b = arg(c, bi);
	int64_t len;

	if (arg_int(E, c, li, &len))
		return -1;
	if (len < 0 || len > (1 << 24))
		return bad_arg(E, c, li, "a length from 0 to 16 MiB");
	if (b->kind != PS_E_STR && b->kind != PS_E_ANY)
		return bad_arg(E, c, bi, "'...' or the expected data as a string");
	c->want = (size_t)len;
	c->buf = calloc(1, c->want + 1);
	return c->buf ? 0 : ps_fail(E, c->ev->line, "out of memory");
}

/* A received buffer against "expected data", when the script gave it. */
static int check_data(struct ps_engine *E, struct ps_call *c, int bi)
{
	const struct ps_expr *b = arg(c, bi);
	size_t n = c->ret > 0 ? (size_t)c->ret : 0;

	if (b->kind != PS_E_STR || c->ret < 0)
		return 0;
	if (n != b->slen || memcmp(c->buf, b->s, n))
		return ps_fail(E, c->ev->line, "%s: data: expected \"%.*s\" (%zu bytes), got \"%.*s\" (%zu bytes)",
			       c->ev->call->name, (int)b->slen, b->s, b->slen,
			       (int)n, (char *)c->buf, n);
	return 0;
}

/* ---- blocking ------------------------------------------------------------ */

static bool fd_blocking(int fd)
{
	int fl = usn_fcntl(fd, F_GETFL);

	return fl >= 0 && !(fl & O_NONBLOCK);
}

static uint64_t sock_timeout(int fd, int opt)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);

	if (usn_getsockopt(fd, SOL_SOCKET, opt, &tv, &len) || (!tv.tv_sec && !tv.tv_usec))
		return UINT64_MAX;
	return (uint64_t)tv.tv_sec * PS_NS_PER_SEC + (uint64_t)tv.tv_usec * 1000;
}

static bool expired(const struct ps_call *c)
{
	return c->deadline != UINT64_MAX && usn_sim_now() >= c->deadline;
}

static int result(struct ps_call *c, int64_t ret)
{
	c->ret = ret;
	c->err = ret < 0 ? errno : 0;
	return 1;
}

static bool would_block(int64_t ret)
{
	return ret < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* ---- the calls ----------------------------------------------------------- */

static int sc_socket(struct ps_engine *E, struct ps_call *c)
{
	int64_t d = 0, t = 0, p = 0;

	if (arg_int(E, c, 0, &d) || arg_int(E, c, 1, &t) || arg_int(E, c, 2, &p))
		return -1;
	return result(c, usn_socket((int)d, (int)t, (int)p));
}

static int sc_bind(struct ps_engine *E, struct ps_call *c)
{
	struct sockaddr_in sin;

	if (arg_fd(E, c, 0, &c->fd) || arg_addr(E, c, 1, true, &sin))
		return -1;
	return result(c, usn_bind(c->fd, (struct sockaddr *)&sin, sizeof(sin)));
}

static int sc_listen(struct ps_engine *E, struct ps_call *c)
{
	int64_t backlog;

	if (arg_fd(E, c, 0, &c->fd) || arg_int(E, c, 1, &backlog))
		return -1;
	return result(c, usn_listen(c->fd, (int)backlog));
}

/* Connect: a blocking one waits for POLLOUT, then reads SO_ERROR. */
static int sc_connect(struct ps_engine *E, struct ps_call *c)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	socklen_t len;
	int fl, ret, soerr;

	if (c->want) {		/* a retry */
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (usn_poll(&pfd, 1, 0) <= 0) {
			if (!expired(c))
				return 0;
			errno = EINPROGRESS;
			return result(c, -1);
		}
		len = sizeof(soerr);
		if (usn_getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
			return result(c, -1);
		errno = soerr;
		return result(c, soerr ? -1 : 0);
	}
	if (arg_fd(E, c, 0, &c->fd) || arg_addr(E, c, 1, false, &sin))
		return -1;
	fl = usn_fcntl(c->fd, F_GETFL);
	if (fl < 0 || (fl & O_NONBLOCK))
		return result(c, usn_connect(c->fd, (struct sockaddr *)&sin,
					     sizeof(sin)));
	usn_fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
	ret = usn_connect(c->fd, (struct sockaddr *)&sin, sizeof(sin));
	soerr = errno;
	usn_fcntl(c->fd, F_SETFL, fl);
	errno = soerr;
	if (ret < 0 && errno == EINPROGRESS) {
		c->want = 1;
		c->deadline = sock_timeout(c->fd, SO_SNDTIMEO);
		if (c->deadline != UINT64_MAX)
			c->deadline += c->start;
		return 0;
	}
	return result(c, ret);
}

static int sc_accept(struct ps_engine *E, struct ps_call *c)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int64_t flags = 0;
	int fl, ret, err;

	if (!c->want) {
		if (arg_fd(E, c, 0, &c->fd))
			return -1;
		if (nargs(c) == 4 && arg_int(E, c, 3, &flags))
			return -1;
		c->want = 1;
		if (fd_blocking(c->fd)) {
			c->deadline = sock_timeout(c->fd, SO_RCVTIMEO);
			if (c->deadline != UINT64_MAX)
				c->deadline += c->start;
		}
	}
	if (nargs(c) == 4)
		flags = arg(c, 3)->v;
	fl = usn_fcntl(c->fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		usn_fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
	ret = usn_accept4(c->fd, (struct sockaddr *)&sin, &len, (int)flags);
	err = errno;
	if (fl >= 0 && !(fl & O_NONBLOCK))
		usn_fcntl(c->fd, F_SETFL, fl);
	errno = err;
	if (would_block(ret) && fl >= 0 && !(fl & O_NONBLOCK) && !expired(c))
		return 0;
	result(c, ret);
	if (ret >= 0 && nargs(c) >= 2 && check_addr(E, c, 1, &sin, len))
		return -1;
	return 1;
}

/* send, sendto, write: the bytes queued so far are c->done. */
static int send_common(struct ps_engine *E, struct ps_call *c, int flags,
		       const struct sockaddr_in *to)
{
	bool block = fd_blocking(c->fd);
	ssize_t n;

	if (block)
		flags |= MSG_DONTWAIT;
	n = usn_sendto(c->fd, c->buf + c->done, c->want - c->done, flags,
		       (const struct sockaddr *)to, to ? sizeof(*to) : 0);
	if (n >= 0)
		c->done += (size_t)n;
	if (!block)
		return result(c, n);
	if (n < 0 && !would_block(n))	/* an error: what was queued counts */
		return result(c, c->done ? (int64_t)c->done : -1);
	if (c->done == c->want)
		return result(c, (int64_t)c->done);
	if (expired(c)) {
		errno = EAGAIN;
		return result(c, c->done ? (int64_t)c->done : -1);
	}
	return 0;
}

static int send_setup(struct ps_engine *E, struct ps_call *c, int bi, int li)
{
	if (c->buf)
		return 0;
	if (arg_fd(E, c, 0, &c->fd) || arg_sendbuf(E, c, bi, li))
		return -1;
	c->deadline = sock_timeout(c->fd, SO_SNDTIMEO);
	if (c->deadline != UINT64_MAX)
		c->deadline += c->start;
	return 0;
}

static int sc_write(struct ps_engine *E, struct ps_call *c)
{
	if (send_setup(E, c, 1, 2))
		return -1;
	return send_common(E, c, 0, NULL);
}

static int sc_send(struct ps_engine *E, struct ps_call *c)
{
	int64_t flags;

	if (send_setup(E, c, 1, 2) || arg_int(E, c, 3, &flags))
		return -1;
	return send_common(E, c, (int)flags, NULL);
}

static int sc_sendto(struct ps_engine *E, struct ps_call *c)
{
	struct sockaddr_in to;
	int64_t flags;

	if (send_setup(E, c, 1, 2) || arg_int(E, c, 3, &flags) ||
	    arg_addr(E, c, 4, false, &to))
		return -1;
	return send_common(E, c, (int)flags, &to);
}

/* recv, recvfrom, read. */
static int recv_common(struct ps_engine *E, struct ps_call *c, int flags,
		       int bi, int ai)
{
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	bool block = fd_blocking(c->fd) && !(flags & MSG_DONTWAIT);
	bool waitall = block && (flags & MSG_WAITALL);
	ssize_t n;

	if (block)
		flags |= MSG_DONTWAIT;
	memset(&from, 0, sizeof(from));
	n = usn_recvfrom(c->fd, c->buf + c->done, c->want - c->done, flags,
			 ai >= 0 ? (struct sockaddr *)&from : NULL,
			 ai >= 0 ? &len : NULL);
	if (block && would_block(n) && !expired(c))
		return 0;
	if (waitall && n > 0) {
		c->done += (size_t)n;
		if (c->done < c->want && !expired(c))
			return 0;
		n = (ssize_t)c->done;
	} else if (waitall && c->done) {
		n = (ssize_t)c->done;	/* an error or EOF after some data */
	}
	result(c, n);
	if (check_data(E, c, bi))
		return -1;
	if (n >= 0 && ai >= 0 && check_addr(E, c, ai, &from, len))
		return -1;
	return 1;
}

static int recv_setup(struct ps_engine *E, struct ps_call *c, int bi, int li)
{
	if (c->buf)
		return 0;
	if (arg_fd(E, c, 0, &c->fd) || arg_recvbuf(E, c, bi, li))
		return -1;
	c->deadline = sock_timeout(c->fd, SO_RCVTIMEO);
	if (c->deadline != UINT64_MAX)
		c->deadline += c->start;
	return 0;
}

static int sc_read(struct ps_engine *E, struct ps_call *c)
{
	if (recv_setup(E, c, 1, 2))
		return -1;
	return recv_common(E, c, 0, 1, -1);
}

static int sc_recv(struct ps_engine *E, struct ps_call *c)
{
	int64_t flags;

	if (recv_setup(E, c, 1, 2) || arg_int(E, c, 3, &flags))
		return -1;
	return recv_common(E, c, (int)flags, 1, -1);
}

static int sc_recvfrom(struct ps_engine *E, struct ps_call *c)
{
	int64_t flags;

	if (recv_setup(E, c, 1, 2) || arg_int(E, c, 3, &flags))
		return -1;
	return recv_common(E, c, (int)flags, 1, nargs(c) >= 5 ? 4 : -1);
}

static int sc_close(struct ps_engine *E, struct ps_call *c)
{
	int64_t sfd;

	if (arg_int(E, c, 0, &sfd))
		return -1;
	result(c, usn_close(real_fd(E, sfd)));
	if (c->ret == 0)
		fd_unmap(E, sfd);
	return 1;
}

static int sc_shutdown(struct ps_engine *E, struct ps_call *c)
{
	int64_t how;

	if (arg_fd(E, c, 0, &c->fd) || arg_int(E, c, 1, &how))
		return -1;
	return result(c, usn_shutdown(c->fd, (int)how));
}

/* ---- options ---- */

union optval {
	int		i;
	struct linger	l;
	struct timeval	tv;
	char		s[64];
};

static const char *struct_field(const struct ps_expr *e, const char *name,
				int64_t *v)
{
	for (int i = 0; i < e->n; i++)
		if (!strcmp(e->keys[i], name) && e->elems[i].kind == PS_E_INT) {
			*v = e->elems[i].v;
			return name;
		}
	return NULL;
}

/* An option value: integer, [integer], {onoff=,linger=}, {tv_sec=,tv_usec=}, "text". */
static int optval_from(struct ps_engine *E, struct ps_call *c, int i,
		       union optval *v, socklen_t *len)
{
	const struct ps_expr *e = arg(c, i);
	int64_t a, b;

	memset(v, 0, sizeof(*v));
	if (e->kind == PS_E_LIST && e->n == 1)
		e = &e->elems[0];
	switch (e->kind) {
	case PS_E_INT:
		v->i = (int)e->v;
		*len = sizeof(v->i);
		return 0;
	case PS_E_STR:
		if (e->slen >= sizeof(v->s))
			break;
		memcpy(v->s, e->s, e->slen);
		*len = (socklen_t)e->slen;
		return 0;
	case PS_E_STRUCT:
		if (struct_field(e, "onoff", &a) && struct_field(e, "linger", &b)) {
			v->l.l_onoff = (int)a;
			v->l.l_linger = (int)b;
			*len = sizeof(v->l);
			return 0;
		}
		if (struct_field(e, "tv_sec", &a) && struct_field(e, "tv_usec", &b)) {
			v->tv.tv_sec = a;
			v->tv.tv_usec = b;
			*len = sizeof(v->tv);
			return 0;
		}
		break;
	default:
		break;
	}
	return bad_arg(E, c, i, "an integer, [integer], {onoff=N, linger=N}, {tv_sec=N, tv_usec=N} or a string");
}

static int sc_setsockopt(struct ps_engine *E, struct ps_call *c)
{
	int64_t level, name, len64;
	union optval v;
	socklen_t len;

	if (arg_fd(E, c, 0, &c->fd) || arg_int(E, c, 1, &level) ||
	    arg_int(E, c, 2, &name) || optval_from(E, c, 3, &v, &len))
		return -1;
	if (nargs(c) == 5 && arg(c, 4)->kind != PS_E_ANY) {
		if (arg_int(E, c, 4, &len64))
			return -1;
		len = (socklen_t)len64;
		if (len > sizeof(v))
			return bad_arg(E, c, 4, "at most the value's size");
	}
	return result(c, usn_setsockopt(c->fd, (int)level, (int)name, &v, len));
}

static int sc_getsockopt(struct ps_engine *E, struct ps_call *c)
{
	int64_t level, name, elen;
	union optval want, got;
	socklen_t wlen = sizeof(got.i), len;

	if (arg_fd(E, c, 0, &c->fd) || arg_int(E, c, 1, &level) ||
	    arg_int(E, c, 2, &name))
		return -1;
	if (arg(c, 3)->kind != PS_E_ANY && optval_from(E, c, 3, &want, &wlen))
		return -1;
	len = arg(c, 3)->kind == PS_E_STR ? sizeof(got.s) : wlen;
	if (nargs(c) == 5 && arg(c, 4)->kind != PS_E_ANY && arg(c, 3)->kind != PS_E_STR) {
		if (arg_int(E, c, 4, &elen))
			return -1;
		len = (socklen_t)elen;
		if (len > sizeof(got))
			return bad_arg(E, c, 4, "at most the value's size");
	}
	memset(&got, 0, sizeof(got));
	result(c, usn_getsockopt(c->fd, (int)level, (int)name, &got, &len));
	if (c->ret)
		return 1;
	if (arg(c, 3)->kind != PS_E_ANY &&
	    (len != wlen || memcmp(&got, &want, wlen))) {
		if (wlen == sizeof(int))
			return ps_fail(E, c->ev->line, "getsockopt: value: expected %d (length %u), got %d (length %u)",
				       want.i, wlen, got.i, len);
		return ps_fail(E, c->ev->line, "getsockopt: value differs (length expected %u, got %u)",
			       wlen, len);
	}
	return 1;
}

static int sc_fcntl(struct ps_engine *E, struct ps_call *c)
{
	int64_t cmd, a = 0;

	if (arg_fd(E, c, 0, &c->fd) || arg_int(E, c, 1, &cmd))
		return -1;
	if (nargs(c) == 3 && arg_int(E, c, 2, &a))
		return -1;
	if (cmd != F_GETFL && cmd != F_SETFL && cmd != F_GETFD && cmd != F_SETFD)
		return bad_arg(E, c, 1, "F_GETFL, F_SETFL, F_GETFD or F_SETFD");
	return result(c, usn_fcntl(c->fd, (int)cmd, (int)a));
}

static int sc_ioctl(struct ps_engine *E, struct ps_call *c)
{
	int64_t req, want = PS_ANY;
	int v = 0;

	if (arg_fd(E, c, 0, &c->fd) || arg_int(E, c, 1, &req))
		return -1;
	if (nargs(c) == 3 && arg(c, 2)->kind != PS_E_ANY &&
	    arg_int(E, c, 2, &want))
		return -1;
	if (req == FIONBIO)
		v = (int)want;
	result(c, usn_ioctl(c->fd, (unsigned long)req, &v));
	if (!c->ret && req != FIONBIO && want != PS_ANY && v != want)
		return ps_fail(E, c->ev->line, "ioctl: value: expected %" PRId64 ", got %d",
			       want, v);
	return 1;
}

static int sc_sockname(struct ps_engine *E, struct ps_call *c, bool peer)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (arg_fd(E, c, 0, &c->fd))
		return -1;
	memset(&sin, 0, sizeof(sin));
	result(c, peer ? usn_getpeername(c->fd, (struct sockaddr *)&sin, &len) :
			 usn_getsockname(c->fd, (struct sockaddr *)&sin, &len));
	if (!c->ret && check_addr(E, c, 1, &sin, len))
		return -1;
	return 1;
}

static int sc_getsockname(struct ps_engine *E, struct ps_call *c)
{
	return sc_sockname(E, c, false);
}

static int sc_getpeername(struct ps_engine *E, struct ps_call *c)
{
	return sc_sockname(E, c, true);
}

/* poll([{fd=N, events=E, revents=R}, ...], n, timeout) */
static int sc_poll(struct ps_engine *E, struct ps_call *c)
{
	const struct ps_expr *l = arg(c, 0);
	struct pollfd pfd[16];
	int64_t n, timeout, fd, ev, rev;
	int ret;

	if (l->kind != PS_E_LIST || l->n > 16)
		return bad_arg(E, c, 0, "a list of {fd=N, events=E, revents=R}");
	if (arg_int(E, c, 1, &n) || arg_int(E, c, 2, &timeout))
		return -1;
	if (n != l->n)
		return bad_arg(E, c, 1, "the number of entries in the list");
	for (int i = 0; i < l->n; i++) {
		const struct ps_expr *e = &l->elems[i];

		if (e->kind != PS_E_STRUCT || !struct_field(e, "fd", &fd) ||
		    !struct_field(e, "events", &ev))
			return bad_arg(E, c, 0, "a list of {fd=N, events=E, revents=R}");
		pfd[i].fd = real_fd(E, fd);
		pfd[i].events = (short)ev;
		pfd[i].revents = 0;
	}
	if (!c->want) {
		c->want = 1;
		c->deadline = timeout < 0 ? UINT64_MAX :
			      c->start + (uint64_t)timeout * 1000000ULL;
	}
	ret = usn_poll(pfd, (nfds_t)n, 0);
	if (ret == 0 && !expired(c))
		return 0;
	result(c, ret);
	if (ret < 0)
		return 1;
	for (int i = 0; i < l->n; i++) {
		if (!struct_field(&l->elems[i], "revents", &rev))
			continue;
		if (pfd[i].revents != rev)
			return ps_fail(E, c->ev->line, "poll: revents of entry %d: expected 0x%" PRIx64 ", got 0x%x",
				       i + 1, rev, (unsigned int)pfd[i].revents);
	}
	return 1;
}

static const struct ps_syscall syscalls[] = {
	{ "socket",	 3, 3, sc_socket, true },
	{ "bind",	 2, 3, sc_bind, false },
	{ "listen",	 2, 2, sc_listen, false },
	{ "connect",	 2, 3, sc_connect, false },
	{ "accept",	 1, 3, sc_accept, true },
	{ "accept4",	 4, 4, sc_accept, true },
	{ "write",	 3, 3, sc_write, false },
	{ "send",	 4, 4, sc_send, false },
	{ "sendto",	 5, 6, sc_sendto, false },
	{ "read",	 3, 3, sc_read, false },
	{ "recv",	 4, 4, sc_recv, false },
	{ "recvfrom",	 4, 6, sc_recvfrom, false },
	{ "close",	 1, 1, sc_close, false },
	{ "shutdown",	 2, 2, sc_shutdown, false },
	{ "setsockopt",	 4, 5, sc_setsockopt, false },
	{ "getsockopt",	 4, 5, sc_getsockopt, false },
	{ "fcntl",	 2, 3, sc_fcntl, false },
	{ "ioctl",	 2, 3, sc_ioctl, false },
	{ "getsockname", 2, 3, sc_getsockname, false },
	{ "getpeername", 2, 3, sc_getpeername, false },
	{ "poll",	 3, 3, sc_poll, false },
};

/* ---- running them -------------------------------------------------------- */

static const char *err_str(int err, char *buf, size_t n)
{
	const char *name = ps_errno_name(err);

	snprintf(buf, n, "%s (%s)", name ? name : "?", strerror(err));
	return buf;
}

/* Checks a finished call's result and timing. */
static int call_finish(struct ps_engine *E, struct ps_call *c)
{
	const struct ps_call_spec *cs = c->ev->call;
	uint64_t now = usn_sim_now(), due;
	char a[96], b[96];

	if (cs->ret != PS_ANY) {
		if (c->ret == -1 && cs->ret == -1 && c->err != cs->err)
			return ps_fail(E, c->ev->line, "%s: expected -1 %s, got -1 %s",
				       cs->name, err_str(cs->err, a, sizeof(a)),
				       err_str(c->err, b, sizeof(b)));
		if (c->ret == -1 && cs->ret != -1)
			return ps_fail(E, c->ev->line, "%s: expected %" PRId64 ", got -1 %s",
				       cs->name, cs->ret, err_str(c->err, b, sizeof(b)));
		if (c->ret != -1 && cs->ret == -1)
			return ps_fail(E, c->ev->line, "%s: expected -1 %s, got %" PRId64,
				       cs->name, err_str(cs->err, a, sizeof(a)), c->ret);
		if (c->ret != cs->ret && !(c->sc->new_fd && c->ret >= 0 && cs->ret >= 0))
			return ps_fail(E, c->ev->line, "%s: expected %" PRId64 ", got %" PRId64,
				       cs->name, cs->ret, c->ret);
	}
	if (c->sc->new_fd && c->ret >= 0) {
		if (cs->ret == PS_ANY)
			return ps_fail(E, c->ev->line, "%s returns a descriptor: name it ('= 4')",
				       cs->name);
		if (real_fd(E, cs->ret) < PS_BADFD_BASE)
			return ps_fail(E, c->ev->line, "script fd %" PRId64 " is already open",
				       cs->ret);
		if (E->nfd == (int)(sizeof(E->fdmap) / sizeof(E->fdmap[0])))
			return ps_fail(E, c->ev->line, "too many descriptors");
		E->fdmap[E->nfd][0] = (int)cs->ret;
		E->fdmap[E->nfd][1] = (int)c->ret;
		E->nfd++;
	}
	if (c->ev->end != PS_UNSET) {
		due = E->t0 + (uint64_t)c->ev->end;
		if (now + (uint64_t)E->s->opt.tolerance < due ||
		    now > due + (uint64_t)E->s->opt.tolerance)
			return ps_fail(E, c->ev->line, "%s returned at %.6f, expected at %.6f (tolerance %.3f ms)",
				       cs->name, ps_script_time(E, now),
				       ps_script_time(E, due),
				       (double)E->s->opt.tolerance / 1e6);
	}
	if (c->ret == -1)
		ps_log(E, "%s = -1 %s", cs->name, err_str(c->err, a, sizeof(a)));
	else
		ps_log(E, "%s = %" PRId64, cs->name, c->ret);
	return 0;
}

/* Runs one attempt; the clock must not move inside the stack. */
static int call_attempt(struct ps_engine *E, struct ps_call *c)
{
	uint64_t before = usn_sim_now();
	int ret = c->sc->fn(E, c);

	if (usn_sim_now() != before)
		return ps_fail(E, c->ev->line, "%s blocked inside the stack (virtual time moved from %.6f to %.6f): the harness cannot run it",
			       c->ev->call->name, ps_script_time(E, before),
			       ps_script_time(E, usn_sim_now()));
	return ret;
}

static void call_free(struct ps_call *c)
{
	free(c->buf);
	free(c);
}

int ps_call_start(struct ps_engine *E, const struct ps_event *ev)
{
	const struct ps_call_spec *cs = ev->call;
	const struct ps_syscall *sc = NULL;
	struct ps_call *c;
	int ret;

	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
		if (!strcmp(syscalls[i].name, cs->name))
			sc = &syscalls[i];
	if (!sc)
		return ps_fail(E, ev->line, "unknown system call %s", cs->name);
	if (cs->nargs < sc->minargs || cs->nargs > sc->maxargs)
		return ps_fail(E, ev->line, "%s takes %d to %d arguments, not %d",
			       cs->name, sc->minargs, sc->maxargs, cs->nargs);
	c = calloc(1, sizeof(*c));
	if (!c)
		return ps_fail(E, ev->line, "out of memory");
	c->ev = ev;
	c->sc = sc;
	c->start = usn_sim_now();
	c->deadline = UINT64_MAX;
	c->fd = -1;
	ret = call_attempt(E, c);
	if (ret == 0) {
		ps_log(E, "%s blocks", cs->name);
		c->next = E->pending;
		E->pending = c;
		return 0;
	}
	if (ret > 0)
		ret = call_finish(E, c) ? -1 : 1;
	call_free(c);
	return ret;
}

int ps_calls_retry(struct ps_engine *E)
{
	struct ps_call **pp = &E->pending, *c;
	int done = 0, ret;

	while ((c = *pp)) {
		ret = call_attempt(E, c);
		if (ret == 0) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		if (ret > 0 && call_finish(E, c))
			ret = -1;
		call_free(c);
		if (ret < 0)
			return -1;
		done++;
	}
	return done;
}

void ps_calls_free(struct ps_engine *E)
{
	struct ps_call *c;

	while ((c = E->pending)) {
		E->pending = c->next;
		call_free(c);
	}
}

/* The earliest timeout of a blocked call, or UINT64_MAX. */
uint64_t ps_calls_deadline(const struct ps_engine *E)
{
	uint64_t t = UINT64_MAX;

	for (const struct ps_call *c = E->pending; c; c = c->next)
		if (c->deadline < t)
			t = c->deadline;
	return t;
}
