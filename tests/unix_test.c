/* SPDX-License-Identifier: MIT */
/*
 * unix_test.c - AF_UNIX through the public API, in threaded mode.
 *
 * Most scenarios are written once against a table of calls and run twice:
 * on the kernel's AF_UNIX sockets and on usnet's. Each records every
 * result (value or errno) in a log; the two logs must be equal. The rest
 * (cross-namespace connections, SCM_RIGHTS of usnet descriptors, the
 * garbage collector) use usnet alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <usnet/usnet.h>
#include "unix_compare.h"

/* ---- names -------------------------------------------------------------------------------- */

static void names_steps(struct run *r)
{
	const struct api *a = r->a;
	struct sockaddr_un sun, got, other;
	socklen_t len, plen;
	int s1 = a->socket(AF_UNIX, SOCK_STREAM, 0);
	int s2 = a->socket(AF_UNIX, SOCK_STREAM, 0);
	int d = a->socket(AF_UNIX, SOCK_DGRAM, 0);
	int c = a->socket(AF_UNIX, SOCK_STREAM, 0);
	char buf[200];

	plen = path_addr(r, &sun, "names");
	note(r, "bind short", a->bind(s1, (struct sockaddr *)&sun, 1));
	note(r, "bind long", a->bind(s1, (struct sockaddr *)buf, 111));
	sun.sun_family = AF_INET;
	note(r, "bind family", a->bind(s1, (struct sockaddr *)&sun, plen));
	sun.sun_family = AF_UNIX;
	len = sizeof(got);
	note(r, "unbound name", a->getsockname(s1, (struct sockaddr *)&got, &len));
	note(r, "unbound len", len);
	note(r, "bind path", a->bind(s1, (struct sockaddr *)&sun, plen));
	note(r, "bind again", a->bind(s1, (struct sockaddr *)&sun, plen));
	note(r, "bind in use", a->bind(s2, (struct sockaddr *)&sun, plen));
	len = sizeof(got);
	note(r, "path name", a->getsockname(s1, (struct sockaddr *)&got, &len));
	note(r, "path len", len);
	note(r, "path same", !strcmp(got.sun_path, sun.sun_path));
	/* The length given may run past the NUL: the name ends there. */
	note(r, "bind path+junk", a->bind(d, (struct sockaddr *)&sun, sizeof(sun)));
	note(r, "connect no listener", a->connect(c, (struct sockaddr *)&sun, plen));
	note(r, "connect wrong type", a->connect(d, (struct sockaddr *)&sun, plen));
	note(r, "connect unspec", a->connect(c, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNSPEC }, 2));
	path_addr(r, &other, "nowhere");
	note(r, "connect no file", a->connect(c, (struct sockaddr *)&other, plen));
	/* A closed socket leaves its name: refused until unlinked. */
	note(r, "close", a->close(s1));
	note(r, "connect closed", a->connect(c, (struct sockaddr *)&sun, plen));
	note(r, "bind leftover", a->bind(s2, (struct sockaddr *)&sun, plen));
	note(r, "unlink", a->unlink(sun.sun_path));
	note(r, "bind after unlink", a->bind(s2, (struct sockaddr *)&sun, plen));

	/* Abstract names. */
	len = abstract_addr(r, &sun, "abs");
	note(r, "bind abstract on bound", a->bind(s2, (struct sockaddr *)&sun, len));
	a->close(s2);
	s2 = a->socket(AF_UNIX, SOCK_SEQPACKET, 0);
	note(r, "bind abstract", a->bind(s2, (struct sockaddr *)&sun, len));
	s1 = a->socket(AF_UNIX, SOCK_SEQPACKET, 0);
	note(r, "abstract in use", a->bind(s1, (struct sockaddr *)&sun, len));
	plen = sizeof(got);
	note(r, "abstract name", a->getsockname(s2, (struct sockaddr *)&got, &plen));
	note(r, "abstract len", plen);
	note(r, "abstract same", plen == len && !memcmp(&got, &sun, len));
	note(r, "listen", a->listen(s2, 5));
	note(r, "connect abstract", a->connect(s1, (struct sockaddr *)&sun, len));
	sun.sun_path[len - offsetof(struct sockaddr_un, sun_path) - 1] ^= 1;
	a->close(c);
	c = a->socket(AF_UNIX, SOCK_SEQPACKET, 0);
	note(r, "connect abstract none", a->connect(c, (struct sockaddr *)&sun, len));
	a->close(s1);
	a->close(s2);

	/* Autobind: a five-hex-digit abstract name. */
	s1 = a->socket(AF_UNIX, SOCK_DGRAM, 0);
	note(r, "autobind", a->bind(s1, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNIX }, 2));
	len = sizeof(got);
	memset(&got, 0x55, sizeof(got));
	note(r, "auto name", a->getsockname(s1, (struct sockaddr *)&got, &len));
	note(r, "auto len", len);
	note(r, "auto nul", got.sun_path[0]);
	note(r, "auto hex", strspn(got.sun_path + 1, "0123456789abcdef") >= 5);
	note(r, "autobind again", a->bind(s1, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNIX }, 2));
	a->close(s1);
	a->close(c);
	a->close(d);
}

TEST(names_as_the_kernel)
{
	SAME_AS_KERNEL(names_steps);
}

/* A 108-byte path without a terminating NUL is accepted, as Linux does. */
static void long_path_steps(struct run *r)
{
	const struct api *a = r->a;
	struct sockaddr_un sun, got;
	socklen_t len = sizeof(got);
	int s = a->socket(AF_UNIX, SOCK_DGRAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/usnet-ux%c-%d-", a->tag,
		 (int)getpid());
	memset(sun.sun_path + strlen(sun.sun_path), 'x',
	       sizeof(sun.sun_path) - strlen(sun.sun_path));
	note(r, "bind 108", a->bind(s, (struct sockaddr *)&sun, sizeof(sun)));
	note(r, "name", a->getsockname(s, (struct sockaddr *)&got, &len));
	note(r, "len", len);
	a->close(s);
	{
		char p[sizeof(sun.sun_path) + 1];

		memcpy(p, sun.sun_path, sizeof(sun.sun_path));
		p[sizeof(sun.sun_path)] = 0;
		note(r, "unlink", a->unlink(p));
	}
}

TEST(long_path_as_the_kernel)
{
	SAME_AS_KERNEL(long_path_steps);
}

/* ---- stream ------------------------------------------------------------------------------ */

static void stream_steps(struct run *r)
{
	const struct api *a = r->a;
	struct sockaddr_un sun, got;
	socklen_t len, alen;
	int l = a->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int c = a->socket(AF_UNIX, SOCK_STREAM, 0);
	int d = a->socket(AF_UNIX, SOCK_DGRAM, 0);
	int s, v, n;
	char buf[64];

	alen = path_addr(r, &sun, "stream");
	note(r, "listen unbound", a->listen(l, 5));
	note(r, "listen dgram", a->listen(d, 5));
	note(r, "send unconnected", a->send(c, "x", 1, MSG_NOSIGNAL));
	note(r, "recv unconnected", a->recv(c, buf, 1, MSG_DONTWAIT));
	n = a->socket(AF_UNIX, SOCK_STREAM, 0);
	note(r, "shutdown unconnected", a->shutdown(n, SHUT_RDWR));
	a->close(n);
	note(r, "getpeername unconnected", a->getpeername(c, (struct sockaddr *)&got, &len));
	note(r, "bind", a->bind(l, (struct sockaddr *)&sun, alen));
	note(r, "listen", a->listen(l, 5));
	note(r, "listen again", a->listen(l, 7));
	note(r, "accept none", a->accept4(l, NULL, NULL, 0));
	v = -1;
	note(r, "SIOCINQ listener", a->ioctl(l, SIOCINQ, &v));
	note(r, "connect", a->connect(c, (struct sockaddr *)&sun, alen));
	note(r, "connect again", a->connect(c, (struct sockaddr *)&sun, alen));
	note(r, "connect listener", a->connect(l, (struct sockaddr *)&sun, alen));
	note(r, "send before accept", a->send(c, "hello", 5, 0));
	len = sizeof(got);
	s = a->accept4(l, (struct sockaddr *)&got, &len, 0);
	note(r, "accept", s >= 0);
	note(r, "accept addrlen", len);
	len = sizeof(got);
	note(r, "peer of client", a->getpeername(c, (struct sockaddr *)&got, &len));
	note(r, "peer of client len", len);
	note(r, "peer of client path", !strcmp(got.sun_path, sun.sun_path));
	len = sizeof(got);
	note(r, "name of accepted", a->getsockname(s, (struct sockaddr *)&got, &len));
	note(r, "name of accepted len", len);
	len = sizeof(got);
	note(r, "peer of accepted", a->getpeername(s, (struct sockaddr *)&got, &len));
	note(r, "peer of accepted len", len);
	note(r, "send more", a->send(c, " world", 6, 0));
	v = -1;
	note(r, "SIOCINQ", a->ioctl(s, SIOCINQ, &v));
	note(r, "SIOCINQ value", v);
	v = -1;
	note(r, "SIOCOUTQ", a->ioctl(c, SIOCOUTQ, &v));
	note(r, "SIOCOUTQ nonzero", v > 0);
	/* A stream has no boundaries: one read takes both sends. */
	n = (int)a->recv(s, buf, 3, MSG_PEEK);
	note(r, "peek", n);
	n = (int)a->recv(s, buf, sizeof(buf), MSG_TRUNC);
	note(r, "recv", n);
	note(r, "recv data", n == 11 && !memcmp(buf, "hello world", 11));
	note(r, "recv empty", a->recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	note(r, "recv zero len", a->recv(s, buf, 0, MSG_DONTWAIT));
	note(r, "sendto on connected", a->sendto(c, "x", 1, 0, (struct sockaddr *)&sun, alen));
	/* shutdown(SHUT_WR): the peer reads end of file, we get EPIPE. */
	note(r, "shutdown wr", a->shutdown(c, SHUT_WR));
	note(r, "shutdown bad", a->shutdown(c, 3));
	note(r, "recv eof", a->recv(s, buf, sizeof(buf), 0));
	note(r, "send after shutdown", a->send(c, "x", 1, MSG_NOSIGNAL));
	note(r, "reverse still works", a->send(s, "back", 4, 0));
	note(r, "reverse recv", a->recv(c, buf, sizeof(buf), 0));
	a->close(s);
	a->close(c);
	a->close(l);
	a->close(d);
	a->unlink(sun.sun_path);
}

TEST(stream_as_the_kernel)
{
	SAME_AS_KERNEL(stream_steps);
}

/* Closing with unread data resets the peer; writing to a closed peer is EPIPE. */
static void reset_steps(struct run *r)
{
	const struct api *a = r->a;
	int sv[2], type;
	char buf[16];

	for (type = SOCK_STREAM; type <= SOCK_SEQPACKET; type += SOCK_SEQPACKET - SOCK_STREAM) {
		notef(r, a->socketpair(AF_UNIX, type, 0, sv), "pair %d", type);
		note(r, "send", a->send(sv[0], "abc", 3, 0));
		note(r, "send back", a->send(sv[1], "zz", 2, 0));
		note(r, "close with unread", a->close(sv[0]));
		note(r, "recv reset", a->recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
		note(r, "recv eof", a->recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
		note(r, "send closed", a->send(sv[1], "x", 1, MSG_NOSIGNAL));
		a->close(sv[1]);

		a->socketpair(AF_UNIX, type, 0, sv);
		note(r, "close clean", a->close(sv[0]));
		note(r, "recv clean eof", a->recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
		note(r, "send clean closed", a->send(sv[1], "x", 1, MSG_NOSIGNAL));
		a->close(sv[1]);
	}
}

TEST(reset_and_epipe_as_the_kernel)
{
	SAME_AS_KERNEL(reset_steps);
}

static void sigpipe_steps(struct run *r)
{
	const struct api *a = r->a;
	sigset_t set, old;
	struct timespec ts = { 0 };
	int sv[2];

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	a->close(sv[1]);
	note(r, "send", a->send(sv[0], "x", 1, 0));
	note(r, "sigpipe", sigtimedwait(&set, NULL, &ts) == SIGPIPE);
	note(r, "send nosignal", a->send(sv[0], "x", 1, MSG_NOSIGNAL));
	note(r, "no sigpipe", sigtimedwait(&set, NULL, &ts));
	a->close(sv[0]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

TEST(sigpipe_as_the_kernel)
{
	SAME_AS_KERNEL(sigpipe_steps);
}

static void waitall_steps(struct run *r)
{
	const struct api *a = r->a;
	char buf[32];
	int sv[2];

	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	a->send(sv[0], "abc", 3, 0);
	a->send(sv[0], "defg", 4, 0);
	note(r, "waitall short", a->recv(sv[1], buf, 5, MSG_WAITALL));
	note(r, "rest", a->recv(sv[1], buf, sizeof(buf), 0));
	a->send(sv[0], "xy", 2, 0);
	a->shutdown(sv[0], SHUT_WR);
	/* The peer's end of file ends a MSG_WAITALL read early. */
	note(r, "waitall eof", a->recv(sv[1], buf, sizeof(buf), MSG_WAITALL));
	note(r, "eof", a->recv(sv[1], buf, sizeof(buf), MSG_WAITALL));
	note(r, "shut rd", a->shutdown(sv[1], SHUT_RD));
	note(r, "send to shut rd", a->send(sv[0], "z", 1, MSG_NOSIGNAL));
	note(r, "send from shut rd", a->send(sv[1], "z", 1, MSG_NOSIGNAL));
	note(r, "recv peer shut wr", a->recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT));
	a->close(sv[0]);
	a->close(sv[1]);
}

TEST(waitall_and_half_close_as_the_kernel)
{
	SAME_AS_KERNEL(waitall_steps);
}

/* The backlog: a full listener refuses a non-blocking connect with EAGAIN. */
static void backlog_steps(struct run *r)
{
	const struct api *a = r->a;
	struct sockaddr_un sun;
	socklen_t alen = path_addr(r, &sun, "backlog");
	int l = a->socket(AF_UNIX, SOCK_STREAM, 0), c[6], i;

	a->bind(l, (struct sockaddr *)&sun, alen);
	note(r, "listen", a->listen(l, 2));
	for (i = 0; i < 6; i++) {
		c[i] = a->socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		notef(r, a->connect(c[i], (struct sockaddr *)&sun, alen), "connect %d", i);
	}
	i = a->accept4(l, NULL, NULL, 0);
	note(r, "accept", i >= 0);
	a->close(i);
	note(r, "connect after accept", a->connect(c[5], (struct sockaddr *)&sun, alen));
	/* Closing the listener resets connections never accepted. */
	a->close(l);
	{
		char b;

		note(r, "recv after listener close", a->recv(c[1], &b, 1, 0));
		note(r, "recv again", a->recv(c[1], &b, 1, 0));
	}
	for (i = 0; i < 6; i++)
		a->close(c[i]);
	a->unlink(sun.sun_path);
}

TEST(backlog_as_the_kernel)
{
	SAME_AS_KERNEL(backlog_steps);
}

/* ---- datagrams and sequenced packets -------------------------------------------------------- */

static void boundaries_steps(struct run *r)
{
	const struct api *a = r->a;
	struct msghdr mh;
	struct iovec iov;
	struct sockaddr_un from;
	int sv[2], type, v;
	char buf[64];

	for (type = SOCK_DGRAM; type <= SOCK_SEQPACKET; type += SOCK_SEQPACKET - SOCK_DGRAM) {
		notef(r, a->socketpair(AF_UNIX, type, 0, sv), "pair %d", type);
		note(r, "send 1", a->send(sv[0], "first", 5, 0));
		note(r, "send 2", a->send(sv[0], "second!", 7, 0));
		note(r, "send 0", a->send(sv[0], "", 0, 0));
		v = -1;
		note(r, "SIOCINQ", a->ioctl(sv[1], SIOCINQ, &v));
		note(r, "SIOCINQ value", v);
		note(r, "peek", a->recv(sv[1], buf, 3, MSG_PEEK));
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf;
		iov.iov_len = 3;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		note(r, "recvmsg short", a->recvmsg(sv[1], &mh, 0));
		note(r, "flags", mh.msg_flags);
		note(r, "namelen", mh.msg_namelen);
		note(r, "recv MSG_TRUNC", a->recv(sv[1], buf, 2, MSG_TRUNC));
		note(r, "recv empty message", a->recv(sv[1], buf, sizeof(buf), 0));
		note(r, "recv none", a->recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
		note(r, "shutdown rd", a->shutdown(sv[1], SHUT_RD));
		note(r, "recv after shut rd", a->recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
		note(r, "send to shut rd", a->send(sv[0], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
		note(r, "close", a->close(sv[1]));
		note(r, "send to closed", a->send(sv[0], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
		note(r, "send to closed again", a->send(sv[0], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
		a->close(sv[0]);
	}
}

TEST(boundaries_and_truncation_as_the_kernel)
{
	SAME_AS_KERNEL(boundaries_steps);
}

static void dgram_steps(struct run *r)
{
	const struct api *a = r->a;
	struct sockaddr_un sun, sun2, from;
	socklen_t alen = path_addr(r, &sun, "dgram"), alen2, flen;
	int rx = a->socket(AF_UNIX, SOCK_DGRAM, 0);
	int tx = a->socket(AF_UNIX, SOCK_DGRAM, 0);
	int tx2 = a->socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[16], *big;

	alen2 = path_addr(r, &sun2, "dgram2");
	note(r, "send unconnected", a->send(tx, "x", 1, 0));
	note(r, "sendto nobody", a->sendto(tx, "x", 1, 0, (struct sockaddr *)&sun, alen));
	note(r, "bind", a->bind(rx, (struct sockaddr *)&sun, alen));
	note(r, "sendto", a->sendto(tx, "abc", 3, 0, (struct sockaddr *)&sun, alen));
	flen = sizeof(from);
	note(r, "recvfrom unbound sender", a->recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
	note(r, "from len", flen);
	note(r, "bind tx", a->bind(tx, (struct sockaddr *)&sun2, alen2));
	note(r, "sendto named", a->sendto(tx, "abc", 3, 0, (struct sockaddr *)&sun, alen));
	flen = sizeof(from);
	note(r, "recvfrom named", a->recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
	note(r, "from len named", flen);
	note(r, "from path", !strcmp(from.sun_path, sun2.sun_path));
	/* rx connected to tx: only tx may send to it. */
	note(r, "rx connect", a->connect(rx, (struct sockaddr *)&sun2, alen2));
	note(r, "tx2 sendto", a->sendto(tx2, "x", 1, 0, (struct sockaddr *)&sun, alen));
	note(r, "tx2 connect", a->connect(tx2, (struct sockaddr *)&sun, alen));
	note(r, "tx sendto", a->sendto(tx, "y", 1, 0, (struct sockaddr *)&sun, alen));
	note(r, "rx disconnect", a->connect(rx, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNSPEC }, sizeof(sa_family_t)));
	note(r, "rx disconnect short", a->connect(rx, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNSPEC }, 1));
	note(r, "tx2 connect now", a->connect(tx2, (struct sockaddr *)&sun, alen));
	note(r, "tx2 send", a->send(tx2, "z", 1, 0));
	note(r, "recv y", a->recv(rx, buf, sizeof(buf), MSG_DONTWAIT));
	note(r, "recv z", a->recv(rx, buf, sizeof(buf), MSG_DONTWAIT));
	/*
	 * From a buffer that really has the bytes: the kernel says EFAULT,
	 * not EMSGSIZE, when the range runs past the top of the address
	 * space, as a 16-byte stack buffer's does without ASLR (setarch -R).
	 */
	big = calloc(1, 300000);
	note(r, "too big", big ? a->send(tx2, big, 300000, 0) : -2);
	free(big);
	/* The receiver closes: its connected sender is refused, once. */
	a->close(rx);
	note(r, "send to closed peer", a->send(tx2, "z", 1, 0));
	note(r, "send after refusal", a->send(tx2, "z", 1, 0));
	a->close(tx);
	a->close(tx2);
	a->unlink(sun.sun_path);
	a->unlink(sun2.sun_path);
}

TEST(dgram_as_the_kernel)
{
	SAME_AS_KERNEL(dgram_steps);
}

static int kernel_qlen(void)
{
	FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* net.unix.max_dgram_qlen: a receiver not connected back takes qlen + 1. */
static void qlen_steps(struct run *r)
{
	const struct api *a = r->a;
	struct sockaddr_un sun;
	socklen_t alen = path_addr(r, &sun, "qlen");
	int rx = a->socket(AF_UNIX, SOCK_DGRAM, 0);
	int tx = a->socket(AF_UNIX, SOCK_DGRAM, 0);
	struct pollfd p = { .fd = tx, .events = POLLOUT };
	int n = 0;
	char b;

	a->bind(rx, (struct sockaddr *)&sun, alen);
	note(r, "connect", a->connect(tx, (struct sockaddr *)&sun, alen));
	while (a->send(tx, "q", 1, MSG_DONTWAIT) == 1 && n < 1000)
		n++;
	note(r, "queued", n);
	note(r, "errno", errno == EAGAIN);
	note(r, "poll full", a->poll(&p, 1, 0));
	note(r, "revents full", p.revents);
	note(r, "recv", a->recv(rx, &b, 1, 0));
	note(r, "poll drained", a->poll(&p, 1, 0));
	note(r, "revents drained", p.revents);
	note(r, "send again", a->send(tx, "q", 1, MSG_DONTWAIT));
	note(r, "full again", a->send(tx, "q", 1, MSG_DONTWAIT));
	a->close(rx);
	a->close(tx);
	a->unlink(sun.sun_path);
}

TEST(max_dgram_qlen_as_the_kernel)
{
	char v[16];
	int q = kernel_qlen();

	ASSERT_TRUE(q >= 0);
	snprintf(v, sizeof(v), "%d", q);
	EXPECT_OK(usn_sysctl(usn_net_current(), "net.unix.max_dgram_qlen", NULL, NULL, v));
	SAME_AS_KERNEL(qlen_steps);
}

TEST(max_dgram_qlen_sysctl_default_and_effect)
{
	char v[16];
	size_t len = sizeof(v);
	struct usn_net *net = usn_net_create("qlen", 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "\0qlen-test" };
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 10;
	int rx, tx, n = 0;

	ASSERT_TRUE(net);
	EXPECT_OK(usn_sysctl(net, "net.unix.max_dgram_qlen", v, &len, NULL));
	EXPECT_EQ(atoi(v), 10);
	EXPECT_OK(usn_sysctl(net, "net.unix.max_dgram_qlen", NULL, NULL, "3"));
	EXPECT_OK(usn_setns(net));
	rx = usn_socket(AF_UNIX, SOCK_DGRAM, 0);
	tx = usn_socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	EXPECT_OK(usn_bind(rx, (struct sockaddr *)&sun, alen));
	while (usn_sendto(tx, "q", 1, 0, (struct sockaddr *)&sun, alen) == 1 && n < 100)
		n++;
	EXPECT_EQ(n, 4);
	EXPECT_EQ(errno, EAGAIN);
	usn_close(rx);
	usn_close(tx);
	EXPECT_OK(usn_setns(NULL));
	usn_net_destroy(net);
}

/* ---- poll ---------------------------------------------------------------------------------- */

static void poll_steps(struct run *r)
{
	const struct api *a = r->a;
	struct pollfd p[2];
	int sv[2], type, s;
	char b;

	for (type = SOCK_STREAM; type <= SOCK_SEQPACKET; type++) {
		if (type == SOCK_RAW || type == SOCK_RDM)
			continue;
		s = a->socket(AF_UNIX, type, 0);
		p[0] = (struct pollfd){ .fd = s, .events = POLLIN | POLLOUT | POLLRDHUP };
		a->poll(p, 1, 0);
		notef(r, p[0].revents, "%d unconnected", type);
		a->close(s);
		a->socketpair(AF_UNIX, type, 0, sv);
		p[0] = (struct pollfd){ .fd = sv[0], .events = POLLIN | POLLOUT | POLLRDHUP };
		p[1] = (struct pollfd){ .fd = sv[1], .events = POLLIN | POLLOUT | POLLRDHUP };
		a->poll(p, 2, 0);
		notef(r, p[0].revents, "%d idle", type);
		a->send(sv[0], "x", 1, 0);
		a->poll(p, 2, 0);
		notef(r, p[1].revents, "%d readable", type);
		a->shutdown(sv[0], SHUT_WR);
		a->poll(p, 2, 0);
		notef(r, p[0].revents, "%d shut wr self", type);
		notef(r, p[1].revents, "%d shut wr peer", type);
		a->shutdown(sv[0], SHUT_RD);
		a->poll(p, 2, 0);
		notef(r, p[0].revents, "%d shut rdwr self", type);
		notef(r, p[1].revents, "%d shut rdwr peer", type);
		a->recv(sv[1], &b, 1, 0);
		a->close(sv[0]);
		a->poll(&p[1], 1, 0);
		notef(r, p[1].revents, "%d peer closed", type);
		a->close(sv[1]);
		/* A stream pair closed with unread data: POLLERR for the peer. */
		a->socketpair(AF_UNIX, type, 0, sv);
		a->send(sv[1], "x", 1, 0);
		a->close(sv[0]);
		p[1] = (struct pollfd){ .fd = sv[1], .events = POLLIN };
		a->poll(&p[1], 1, 0);
		notef(r, p[1].revents, "%d reset", type);
		a->close(sv[1]);
	}
}

TEST(poll_as_the_kernel)
{
	SAME_AS_KERNEL(poll_steps);
}

/* ---- socket options ------------------------------------------------------------------------------ */

static void options_steps(struct run *r)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW };
	static const int opts[] = { SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN,
				    SO_SNDBUF, SO_RCVBUF, SO_PASSCRED, SO_ERROR };
	const struct api *a = r->a;

	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		int s = a->socket(AF_UNIX, types[i], 0), v;
		socklen_t len;

		notef(r, s >= 0, "socket %d", types[i]);
		if (s < 0)
			continue;
		for (size_t j = 0; j < ARRAY_LEN(opts); j++) {
			len = sizeof(v);
			v = -7;
			notef(r, a->getsockopt(s, SOL_SOCKET, opts[j], &v, &len), "get %d/%d", types[i], opts[j]);
			notef(r, v, "value %d/%d", types[i], opts[j]);
		}
		notef(r, a->setsockopt(s, SOL_SOCKET, SO_PEERCRED, &v, sizeof(v)), "set peercred %d", types[i]);
		a->close(s);
	}
}

TEST(options_as_the_kernel)
{
	SAME_AS_KERNEL(options_steps);
}

/* ---- credentials ------------------------------------------------------------------------------- */

static void creds_steps(struct run *r)
{
	const struct api *a = r->a;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	int sv[2], s, one = 1, v;
	char b[8];

	s = a->socket(AF_UNIX, SOCK_STREAM, 0);
	note(r, "peercred unconnected", a->getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len));
	notef(r, cr.pid, "pid");
	note(r, "uid unset", cr.uid == (uid_t)-1 && cr.gid == (gid_t)-1);
	a->close(s);
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	len = sizeof(cr);
	note(r, "peercred", a->getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len));
	note(r, "len", len);
	note(r, "pid", cr.pid == getpid());
	note(r, "uid", cr.uid == geteuid());
	note(r, "gid", cr.gid == getegid());
	len = sizeof(v);
	note(r, "passcred off", a->getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &len));
	note(r, "passcred value", v);
	note(r, "set passcred", a->setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
	len = sizeof(v);
	a->getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &len);
	note(r, "passcred on", v);
	note(r, "send", a->send(sv[0], "hi", 2, 0));
	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	iov = (struct iovec){ b, sizeof(b) };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	note(r, "recvmsg", a->recvmsg(sv[1], &mh, 0));
	cm = CMSG_FIRSTHDR(&mh);
	note(r, "cmsg", cm != NULL);
	if (cm) {
		memcpy(&cr, CMSG_DATA(cm), sizeof(cr));
		note(r, "type", cm->cmsg_type);
		note(r, "cmsg len", cm->cmsg_len);
		note(r, "pid", cr.pid == getpid());
		note(r, "uid", cr.uid == getuid());
	}
	/* Explicit credentials: a foreign pid needs CAP_SYS_ADMIN. */
	cm = (struct cmsghdr *)u.buf;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(cr));
	cr = (struct ucred){ getpid(), getuid(), getgid() };
	memcpy(CMSG_DATA(cm), &cr, sizeof(cr));
	mh.msg_controllen = sizeof(u.buf);
	iov.iov_len = 1;
	note(r, "sendmsg creds", a->sendmsg(sv[0], &mh, 0));
	cr.uid = (uid_t)-1;
	memcpy(CMSG_DATA(cm), &cr, sizeof(cr));
	note(r, "sendmsg bad uid", a->sendmsg(sv[0], &mh, 0));
	cm->cmsg_len = CMSG_LEN(sizeof(cr)) - 1;
	note(r, "sendmsg short creds", a->sendmsg(sv[0], &mh, 0));
	cm->cmsg_len = CMSG_LEN(sizeof(cr));
	cm->cmsg_type = 77;
	note(r, "sendmsg bad type", a->sendmsg(sv[0], &mh, 0));
	cm->cmsg_level = IPPROTO_IP;
	note(r, "sendmsg other level", a->sendmsg(sv[0], &mh, 0));
	/* No control buffer: the credentials are cut (MSG_CTRUNC). */
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	iov.iov_len = sizeof(b);
	note(r, "recvmsg no control", a->recvmsg(sv[1], &mh, 0));
	note(r, "flags", mh.msg_flags);
	a->close(sv[0]);
	a->close(sv[1]);
}

TEST(credentials_as_the_kernel)
{
	SAME_AS_KERNEL(creds_steps);
}

/* ---- SCM_RIGHTS -------------------------------------------------------------------------------- */

static int send_fds(const struct api *a, int s, const int *fds, int n)
{
	union {		/* on the stack: threads send at once (churn) */
		char buf[CMSG_SPACE(sizeof(int) * 300)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { "F", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	return (int)a->sendmsg(s, &mh, 0);
}

/* Receives with room for @room descriptors; returns how many came, -1 on error. */
/*
 * Receives one message on @s with room for @room descriptors, @rflags
 * added to MSG_DONTWAIT: the descriptors it carried, stored in @fds, or -1;
 * *@flags is its msg_flags.
 */
static int recv_fds_flags(const struct api *a, int s, int *fds, int room,
			  int rflags, int *flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 300)];
		struct cmsghdr align;
	} u;
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = room ? u.buf : NULL,
			     .msg_controllen = room ? CMSG_SPACE(sizeof(int) * (size_t)room) : 0 };
	struct cmsghdr *cm;
	int n = 0;

	if (a->recvmsg(s, &mh, MSG_DONTWAIT | rflags) < 0)
		return -1;
	*flags = mh.msg_flags;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)n);
	}
	return n;
}

static int recv_fds(const struct api *a, int s, int *fds, int room, int *flags)
{
	return recv_fds_flags(a, s, fds, room, 0, flags);
}

static void rights_steps(struct run *r)
{
	const struct api *a = r->a;
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof(sin);
	int sv[2], pair[2], udp, rx, got[300], fds[300], flags = 0, n;
	char buf[8];

	a->socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
	udp = a->socket(AF_INET, SOCK_DGRAM, 0);
	a->bind(udp, (struct sockaddr *)&sin, sizeof(sin));
	a->getsockname(udp, (struct sockaddr *)&sin, &slen);
	fds[0] = udp;
	fds[1] = pair[0];
	note(r, "send udp+unix", send_fds(a, sv[0], fds, 2));
	note(r, "close originals", a->close(udp) + a->close(pair[0]));
	n = recv_fds(a, sv[1], got, 2, &flags);
	note(r, "received", n);
	note(r, "flags", flags);
	if (n == 2) {
		/* The UDP socket still has its port; the unix end still its peer. */
		rx = a->socket(AF_INET, SOCK_DGRAM, 0);
		note(r, "udp send", a->sendto(rx, "u", 1, 0, (struct sockaddr *)&sin, sizeof(sin)));
		note(r, "udp recv", a->recv(got[0], buf, sizeof(buf), 0));
		note(r, "unix send", a->send(got[1], "p", 1, 0));
		note(r, "unix recv", a->recv(pair[1], buf, sizeof(buf), 0));
		a->close(rx);
		a->close(got[0]);
		a->close(got[1]);
	}
	/* Too many descriptors, a bad one, a short buffer. */
	for (int i = 0; i < 254; i++)
		fds[i] = pair[1];
	note(r, "SCM_MAX_FD", send_fds(a, sv[0], fds, 253));
	n = recv_fds(a, sv[1], got, 253, &flags);
	note(r, "received max", n);
	for (int i = 0; i < n; i++)
		a->close(got[i]);
	note(r, "over SCM_MAX_FD", send_fds(a, sv[0], fds, 254));
	fds[0] = 987654;
	note(r, "bad fd", send_fds(a, sv[0], fds, 1));
	fds[0] = pair[1];
	note(r, "send 3", send_fds(a, sv[0], fds, 3));
	n = recv_fds(a, sv[1], got, 1, &flags);
	note(r, "received in short buffer", n);
	note(r, "ctrunc", flags & MSG_CTRUNC);
	a->close(got[0]);
	note(r, "send 2", send_fds(a, sv[0], fds, 2));
	n = recv_fds(a, sv[1], got, 0, &flags);
	note(r, "received without buffer", n);
	note(r, "ctrunc", flags & MSG_CTRUNC);
	/* Peeked descriptors are new descriptors too. */
	note(r, "send 1", send_fds(a, sv[0], fds, 1));
	note(r, "peek", recv_fds_flags(a, sv[1], &got[0], 1, MSG_PEEK, &flags));
	n = recv_fds(a, sv[1], &got[1], 1, &flags);
	note(r, "after peek", n);
	note(r, "two fds", got[0] != got[1]);
	a->close(got[0]);
	a->close(got[1]);
	/* In flight, a descriptor keeps its socket open. */
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
	note(r, "send in flight", send_fds(a, sv[0], &pair[0], 1));
	a->close(pair[0]);
	note(r, "peer alive", a->send(pair[1], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
	a->close(sv[1]);	/* drops the message, and the last reference */
	note(r, "peer closed", a->send(pair[1], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
	a->close(pair[1]);
	a->close(sv[0]);
}

TEST(scm_rights_as_the_kernel)
{
	SAME_AS_KERNEL(rights_steps);
}

TEST(received_descriptors_and_cloexec)
{
	int sv[2], pair[2], fd, fl, flags;

	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0);
	for (int cloexec = 0; cloexec < 2; cloexec++) {
		EXPECT_EQ(send_fds(&uapi, sv[0], &pair[0], 1), 1);
		fd = -1;
		EXPECT_EQ(recv_fds_flags(&uapi, sv[1], &fd, 1,
					 cloexec ? MSG_CMSG_CLOEXEC : 0, &flags), 1);
		EXPECT_TRUE(usn_fd_owned(fd));
		EXPECT_EQ(usn_fcntl(fd, F_GETFD), cloexec ? FD_CLOEXEC : 0);
		/* The same open file: O_NONBLOCK came along. */
		fl = usn_fcntl(fd, F_GETFL);
		EXPECT_TRUE(fl >= 0 && (fl & O_NONBLOCK));
		usn_close(fd);
	}
	usn_close(pair[0]);
	usn_close(pair[1]);
	usn_close(sv[0]);
	usn_close(sv[1]);
}

/*
 * A usnet fd closed with libc behind usnet's back, its number then handed
 * to a descriptor received with SCM_RIGHTS: the stale socket is released
 * (its UDP port is free again) when the receive returns, without the
 * receive deadlocking on the namespace lock it holds while installing.
 */
TEST(stale_number_reused_by_a_received_descriptor)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(47113),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int sv[2], pass, stale, got = -1, flags = 0, again;

	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	pass = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(pass >= 0);
	EXPECT_EQ(send_fds(&uapi, sv[0], &pass, 1), 1);
	stale = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(stale >= 0);
	ASSERT_TRUE(usn_bind(stale, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	close(stale);				/* libc: usnet does not see it */
	EXPECT_EQ(recv_fds(&uapi, sv[1], &got, 1, &flags), 1);
	EXPECT_EQ(got, stale);			/* the kernel reused the number */
	again = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(again >= 0);
	EXPECT_EQ(usn_bind(again, (struct sockaddr *)&sin, sizeof(sin)), 0);
	usn_close(again);
	usn_close(got);
	usn_close(pass);
	usn_close(sv[0]);
	usn_close(sv[1]);
}

/* A socket that holds itself in its own queue is collected once closed. */
TEST(self_sent_socket_is_collected)
{
	int sv[2], dummy[2];
	struct pollfd p;

	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	EXPECT_EQ(send_fds(&uapi, sv[0], &sv[1], 1), 1);	/* sv[1] now holds itself */
	EXPECT_OK(usn_close(sv[1]));
	/* Any unix close runs the collector. */
	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, dummy) == 0);
	usn_close(dummy[0]);
	usn_close(dummy[1]);
	p = (struct pollfd){ .fd = sv[0], .events = POLLIN };
	EXPECT_EQ(usn_poll(&p, 1, 0), 1);
	EXPECT_TRUE(p.revents & POLLHUP);
	usn_close(sv[0]);

	/* Two sockets holding each other. */
	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	EXPECT_EQ(send_fds(&uapi, sv[0], &sv[0], 1), 1);
	EXPECT_EQ(send_fds(&uapi, sv[1], &sv[1], 1), 1);
	usn_close(sv[0]);
	usn_close(sv[1]);
	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, dummy) == 0);
	usn_close(dummy[0]);
	usn_close(dummy[1]);
}

/* ---- flow control and blocking --------------------------------------------------------------------- */

struct reader {
	int fd;
	size_t want, got;
};

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	char buf[4096];

	while (rd->got < rd->want) {
		ssize_t n = usn_recv(rd->fd, buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		rd->got += (size_t)n;
	}
	return NULL;
}

TEST(sndbuf_backpressure_on_stream)
{
	int sv[2], v = 4096, total = 0;
	char buf[1024] = { 0 };
	struct pollfd p;
	struct reader rd;
	pthread_t t;

	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	EXPECT_OK(usn_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	for (;;) {
		ssize_t n = usn_send(sv[0], buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0)
			break;
		total += (int)n;
		if (total > 1 << 20)
			break;
	}
	EXPECT_EQ(errno, EAGAIN);
	EXPECT_TRUE(total > 0 && total < 16384);
	p = (struct pollfd){ .fd = sv[0], .events = POLLOUT };
	EXPECT_EQ(usn_poll(&p, 1, 0), 0);
	/* A blocking writer proceeds as a reader in another thread drains. */
	rd = (struct reader){ sv[1], (size_t)total + 200000, 0 };
	ASSERT_TRUE(pthread_create(&t, NULL, reader_main, &rd) == 0);
	for (int i = 0; i < 200; i++)
		EXPECT_EQ(usn_send(sv[0], buf, 1000, 0), 1000);
	pthread_join(t, NULL);
	EXPECT_EQ(rd.got, rd.want);
	usn_close(sv[0]);
	usn_close(sv[1]);
}

struct connector {
	struct sockaddr_un sun;
	socklen_t len;
	int fd, ret;
};

static void *connector_main(void *arg)
{
	struct connector *c = arg;

	c->ret = usn_connect(c->fd, (struct sockaddr *)&c->sun, c->len);
	return NULL;
}

TEST(blocking_connect_waits_for_the_backlog)
{
	struct connector c = { .sun = { .sun_family = AF_UNIX, .sun_path = "\0blk" } };
	int l = usn_socket(AF_UNIX, SOCK_STREAM, 0), first, s;
	pthread_t t;

	c.len = offsetof(struct sockaddr_un, sun_path) + 4;
	ASSERT_TRUE(usn_bind(l, (struct sockaddr *)&c.sun, c.len) == 0);
	EXPECT_OK(usn_listen(l, 0));
	first = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT_OK(usn_connect(first, (struct sockaddr *)&c.sun, c.len));
	c.fd = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	c.ret = 99;
	ASSERT_TRUE(pthread_create(&t, NULL, connector_main, &c) == 0);
	usleep(50000);
	EXPECT_EQ(__atomic_load_n(&c.ret, __ATOMIC_ACQUIRE), 99);	/* still waiting */
	s = usn_accept(l, NULL, NULL);
	EXPECT_TRUE(s >= 0);
	pthread_join(t, NULL);
	EXPECT_EQ(c.ret, 0);
	usn_close(s);
	s = usn_accept(l, NULL, NULL);
	EXPECT_TRUE(s >= 0);
	usn_close(s);
	usn_close(first);
	usn_close(c.fd);
	usn_close(l);
}

/* ---- namespaces ------------------------------------------------------------------------------------- */

struct ns_reader {
	struct usn_net *net;
	int fd;
	char buf[32];
	ssize_t n;
};

static void *ns_reader_main(void *arg)
{
	struct ns_reader *r = arg;

	usn_setns(r->net);
	r->n = usn_recv(r->fd, r->buf, sizeof(r->buf), 0);
	return NULL;
}

TEST(path_names_cross_namespaces_abstract_names_do_not)
{
	struct usn_net *b = usn_net_create("unix-b", 0);
	struct sockaddr_un path = { .sun_family = AF_UNIX };
	struct sockaddr_un abs = { .sun_family = AF_UNIX, .sun_path = "\0cross" };
	socklen_t plen, alen = offsetof(struct sockaddr_un, sun_path) + 6;
	struct ns_reader rd;
	int l, c, s, d;
	pthread_t t;
	char buf[32];

	ASSERT_TRUE(b);
	snprintf(path.sun_path, sizeof(path.sun_path), "/tmp/usnet-cross-%d", (int)getpid());
	plen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path.sun_path) + 1);
	l = usn_socket(AF_UNIX, SOCK_STREAM, 0);	/* default namespace */
	ASSERT_TRUE(usn_bind(l, (struct sockaddr *)&path, plen) == 0);
	EXPECT_OK(usn_listen(l, 4));
	d = usn_socket(AF_UNIX, SOCK_DGRAM, 0);
	EXPECT_OK(usn_bind(d, (struct sockaddr *)&abs, alen));

	EXPECT_OK(usn_setns(b));
	c = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT_OK(usn_connect(c, (struct sockaddr *)&path, plen));
	s = usn_socket(AF_UNIX, SOCK_DGRAM, 0);
	EXPECT_ERRNO(usn_sendto(s, "x", 1, 0, (struct sockaddr *)&abs, alen), ECONNREFUSED);
	/* The same abstract name is free in namespace b. */
	EXPECT_OK(usn_bind(s, (struct sockaddr *)&abs, alen));
	usn_close(s);
	EXPECT_OK(usn_setns(NULL));

	s = usn_accept(l, NULL, NULL);
	ASSERT_TRUE(s >= 0);
	/* A reader in namespace b sleeps; a write from the default namespace wakes it. */
	rd = (struct ns_reader){ .net = b, .fd = c };
	ASSERT_TRUE(pthread_create(&t, NULL, ns_reader_main, &rd) == 0);
	usleep(20000);
	EXPECT_EQ(usn_send(s, "across", 6, 0), 6);
	pthread_join(t, NULL);
	EXPECT_EQ(rd.n, 6);
	EXPECT_TRUE(!memcmp(rd.buf, "across", 6));
	EXPECT_EQ(usn_send(c, "back", 4, 0), 4);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 4);
	/* Poll in one namespace sees the other's close. */
	usn_close(c);
	{
		struct pollfd p = { .fd = s, .events = POLLIN };

		EXPECT_EQ(usn_poll(&p, 1, 1000), 1);
		EXPECT_TRUE(p.revents & POLLHUP);
	}
	usn_close(s);
	usn_close(l);
	usn_close(d);
	usn_unlink(path.sun_path);
	usn_net_destroy(b);
}

TEST(bad_arguments)
{
	int sv[2];

	EXPECT_ERRNO(usn_socket(AF_UNIX, SOCK_PACKET, 0), ESOCKTNOSUPPORT);
	EXPECT_ERRNO(usn_socket(AF_UNIX, SOCK_STREAM, 6), EPROTONOSUPPORT);
	EXPECT_OK(usn_close(usn_socket(AF_UNIX, SOCK_STREAM, PF_UNIX)));
	EXPECT_ERRNO(usn_socketpair(AF_UNIX, SOCK_STREAM, 0, NULL), EFAULT);
	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	EXPECT_ERRNO(usn_listen(sv[0], 1), EOPNOTSUPP);
	EXPECT_ERRNO(usn_accept(sv[0], NULL, NULL), EOPNOTSUPP);
	EXPECT_ERRNO(usn_setsockopt(sv[0], SOL_IP, 1, &sv[1], sizeof(int)), EOPNOTSUPP);
	EXPECT_ERRNO(usn_unlink("/tmp/usnet-never-bound-here"), ENOENT);
	/* No out-of-band data: Linux without CONFIG_AF_UNIX_OOB. */
	EXPECT_ERRNO(usn_send(sv[0], "x", 1, MSG_OOB), EOPNOTSUPP);
	usn_close(sv[0]);
	usn_close(sv[1]);
}

/* ---- threads in two namespaces hammering one connection ------------------------------------------ */

struct pump {
	struct usn_net *net;
	int fd, type;
	size_t bytes;
	uint32_t sum;
	bool poll_first;
};

static void *pump_writer(void *arg)
{
	struct pump *p = arg;
	unsigned char buf[3000];
	size_t left = p->bytes;

	usn_setns(p->net);
	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)(p->bytes - left + i);
		if (p->poll_first) {
			struct pollfd pf = { .fd = p->fd, .events = POLLOUT };

			usn_poll(&pf, 1, -1);
			w = usn_send(p->fd, buf, n, MSG_DONTWAIT);
			if (w < 0 && errno == EAGAIN)
				continue;
		} else {
			w = usn_send(p->fd, buf, n, 0);
		}
		if (w <= 0)
			break;
		left -= (size_t)w;
	}
	p->bytes -= left;
	return NULL;
}

static void *pump_reader(void *arg)
{
	struct pump *p = arg;
	unsigned char buf[5000];
	size_t got = 0;
	ssize_t n;

	usn_setns(p->net);
	while (got < p->bytes) {
		if (p->poll_first) {
			struct pollfd pf = { .fd = p->fd, .events = POLLIN };

			usn_poll(&pf, 1, -1);
			n = usn_recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0 && errno == EAGAIN)
				continue;
		} else {
			n = usn_recv(p->fd, buf, sizeof(buf), 0);
		}
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			p->sum += buf[i] == (unsigned char)(got + (size_t)i) ? 0 : 1;
		got += (size_t)n;
	}
	p->bytes = got;
	return NULL;
}

/* Small buffers, so writers sleep on full buffers and readers on empty ones. */
TEST(two_namespaces_stream_under_load)
{
	struct usn_net *nb = usn_net_create("unix-load", 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/usnet-load" };
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 12);
	int l, c, s, v = 8192;

	ASSERT_TRUE(nb);
	usn_unlink(sun.sun_path);
	l = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_TRUE(usn_bind(l, (struct sockaddr *)&sun, len) == 0);
	usn_listen(l, 1);
	for (int round = 0; round < 2; round++) {
		struct pump w, r;
		pthread_t tw, tr;

		usn_setns(nb);
		c = usn_socket(AF_UNIX, SOCK_STREAM, 0);
		EXPECT_OK(usn_connect(c, (struct sockaddr *)&sun, len));
		usn_setsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		usn_setns(NULL);
		s = usn_accept(l, NULL, NULL);
		ASSERT_TRUE(s >= 0);
		usn_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		/* Round 0: b writes, the default namespace reads; round 1 the reverse, with poll. */
		w = (struct pump){ .net = round ? NULL : nb, .fd = round ? s : c,
				   .bytes = 3 << 20, .poll_first = round };
		r = (struct pump){ .net = round ? nb : NULL, .fd = round ? c : s,
				   .bytes = 3 << 20, .poll_first = round };
		ASSERT_TRUE(pthread_create(&tr, NULL, pump_reader, &r) == 0);
		ASSERT_TRUE(pthread_create(&tw, NULL, pump_writer, &w) == 0);
		pthread_join(tw, NULL);
		pthread_join(tr, NULL);
		EXPECT_EQ(w.bytes, 3 << 20);
		EXPECT_EQ(r.bytes, 3 << 20);
		EXPECT_EQ(r.sum, 0);
		usn_close(s);
		usn_setns(nb);
		usn_close(c);
		usn_setns(NULL);
	}
	usn_close(l);
	usn_unlink(sun.sun_path);
	usn_net_destroy(nb);
}

struct dgram_blaster {
	struct usn_net *net;
	struct sockaddr_un sun;
	socklen_t len;
	int n, sent;
};

static void *dgram_blast(void *arg)
{
	struct dgram_blaster *b = arg;
	int fd;

	usn_setns(b->net);
	fd = usn_socket(AF_UNIX, SOCK_DGRAM, 0);
	for (int i = 0; i < b->n; i++)
		if (usn_sendto(fd, &i, sizeof(i), 0, (struct sockaddr *)&b->sun, b->len) == sizeof(i))
			b->sent++;
	usn_close(fd);
	return NULL;
}

/* Senders of another namespace block on a full queue and wake as it drains. */
TEST(dgram_senders_block_across_namespaces)
{
	struct usn_net *nb = usn_net_create("unix-dgload", 0);
	struct dgram_blaster b[3];
	pthread_t t[3];
	int rx, got = 0, x;

	ASSERT_TRUE(nb);
	rx = usn_socket(AF_UNIX, SOCK_DGRAM, 0);
	for (int i = 0; i < 3; i++) {
		b[i] = (struct dgram_blaster){ .net = nb, .n = 3000,
			.sun = { .sun_family = AF_UNIX, .sun_path = "/usnet-dgload" } };
		b[i].len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 14);
	}
	usn_unlink(b[0].sun.sun_path);
	ASSERT_TRUE(usn_bind(rx, (struct sockaddr *)&b[0].sun, b[0].len) == 0);
	for (int i = 0; i < 3; i++)
		ASSERT_TRUE(pthread_create(&t[i], NULL, dgram_blast, &b[i]) == 0);
	while (got < 9000 && usn_recv(rx, &x, sizeof(x), 0) == sizeof(x))
		got++;
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(b[i].sent, 3000);
	}
	EXPECT_EQ(got, 9000);
	usn_close(rx);
	usn_unlink(b[0].sun.sun_path);
	usn_net_destroy(nb);
}

struct poller {
	struct usn_net *net;
	int fd;
	short events;
	int ret;
	short revents;
};

static void *poller_main(void *arg)
{
	struct poller *p = arg;
	struct pollfd pf = { .fd = p->fd, .events = p->events };

	usn_setns(p->net);
	p->ret = usn_poll(&pf, 1, 5000);
	p->revents = pf.revents;
	return NULL;
}

/* poll(POLLOUT) on a sender whose receiver, in another namespace, is full. */
TEST(dgram_poll_wakes_when_a_foreign_queue_drains)
{
	struct usn_net *nb = usn_net_create("unix-pollout", 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "\0pollout" };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 8;
	struct poller p;
	pthread_t t;
	int rx, tx;
	char b;

	ASSERT_TRUE(nb);
	usn_setns(nb);
	tx = usn_socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	usn_setns(NULL);
	rx = usn_socket(AF_UNIX, SOCK_DGRAM, 0);
	/* A path reaches across namespaces; rx's abstract-free namespace b refuses. */
	{
		struct sockaddr_un path = { .sun_family = AF_UNIX };
		socklen_t plen;

		snprintf(path.sun_path, sizeof(path.sun_path), "/tmp/usnet-pollout-%d", (int)getpid());
		plen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path.sun_path) + 1);
		ASSERT_TRUE(usn_bind(rx, (struct sockaddr *)&path, plen) == 0);
		usn_setns(nb);
		EXPECT_OK(usn_connect(tx, (struct sockaddr *)&path, plen));
		EXPECT_ERRNO(usn_connect(tx, (struct sockaddr *)&sun, len), ECONNREFUSED);
		usn_setns(NULL);
		usn_unlink(path.sun_path);
	}
	while (usn_send(tx, "x", 1, 0) == 1)
		;
	EXPECT_EQ(errno, EAGAIN);
	p = (struct poller){ .net = nb, .fd = tx, .events = POLLOUT };
	ASSERT_TRUE(pthread_create(&t, NULL, poller_main, &p) == 0);
	usleep(30000);
	EXPECT_EQ(usn_recv(rx, &b, 1, 0), 1);
	pthread_join(t, NULL);
	EXPECT_EQ(p.ret, 1);
	EXPECT_EQ(p.revents, POLLOUT);
	usn_close(rx);
	usn_setns(nb);
	usn_close(tx);
	usn_setns(NULL);
	usn_net_destroy(nb);
}

struct ext_reader {
	struct usn_net *net;
	int fd;
	ssize_t n;
};

static void *ext_reader_main(void *arg)
{
	struct ext_reader *r = arg;
	char buf[16];

	usn_setns(r->net);
	r->n = usn_recv(r->fd, buf, sizeof(buf), 0);
	return NULL;
}

/* External mode: a blocked reader runs its own namespace and is woken from another. */
TEST(blocking_in_an_external_namespace)
{
	struct usn_net *ext = usn_net_create("unix-ext", USN_NET_EXTERNAL);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	struct ext_reader r;
	pthread_t t;
	int rx, tx;

	ASSERT_TRUE(ext);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/usnet-ext-%d", (int)getpid());
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sun.sun_path) + 1);
	usn_setns(ext);
	rx = usn_socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_TRUE(usn_bind(rx, (struct sockaddr *)&sun, len) == 0);
	usn_setns(NULL);
	tx = usn_socket(AF_UNIX, SOCK_DGRAM, 0);
	r = (struct ext_reader){ .net = ext, .fd = rx, .n = -2 };
	ASSERT_TRUE(pthread_create(&t, NULL, ext_reader_main, &r) == 0);
	usleep(30000);
	EXPECT_EQ(usn_sendto(tx, "ext", 3, 0, (struct sockaddr *)&sun, len), 3);
	pthread_join(t, NULL);
	EXPECT_EQ(r.n, 3);
	usn_close(tx);
	usn_setns(ext);
	usn_close(rx);
	usn_setns(NULL);
	usn_unlink(sun.sun_path);
	usn_net_destroy(ext);
}

/* ---- churn: passing, closing and collecting from several threads ---------- */

static void *churn_main(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < 300; i++) {
		int d[2], s[2], got[2], flags;

		if (usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, d) ||
		    usn_socketpair(AF_UNIX, SOCK_STREAM, 0, s))
			return (void *)1;
		send_fds(&uapi, d[0], s, 2);
		if ((i + id) % 3 == 0) {
			/* A cycle: d[1] holds itself and the stream pair. */
			send_fds(&uapi, d[0], &d[1], 1);
		} else if (recv_fds(&uapi, d[1], got, 2, &flags) == 2) {
			usn_send(got[0], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			usn_close(got[0]);
			usn_close(got[1]);
		}
		usn_close(s[0]);
		usn_close(s[1]);
		usn_close(d[0]);
		usn_close(d[1]);
	}
	return NULL;
}

TEST(descriptor_passing_churn)
{
	pthread_t t[4];
	void *ret;

	for (long i = 0; i < 4; i++)
		ASSERT_TRUE(pthread_create(&t[i], NULL, churn_main, (void *)i) == 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		EXPECT_TRUE(ret == NULL);
	}
	/* Whatever cycles are left go at the next close. */
	{
		int d[2];

		ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, d) == 0);
		usn_close(d[0]);
		usn_close(d[1]);
	}
}
