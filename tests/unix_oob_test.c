/* SPDX-License-Identifier: MIT */
/*
 * unix_oob_test.c - what Linux added to AF_UNIX late, run on the kernel's
 * sockets and on usnet's with the same steps (unix_compare.h): MSG_OOB on
 * streams (CONFIG_AF_UNIX_OOB), SO_PEEK_OFF, SO_PASSPIDFD / SO_PEERPIDFD /
 * SCM_PIDFD, SO_PASSSEC / SO_PEERSEC without a security module, and the
 * limit on descriptors in flight (ETOOMANYREFS).
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <linux/sockios.h>
#include "unix_compare.h"

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD	76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD	0x04
#endif

static int api_fcntl(const struct api *a, int fd, int cmd, long arg)
{
	return a == &uapi ? usn_fcntl(fd, cmd, arg) : fcntl(fd, cmd, arg);
}

/* ---- MSG_OOB --------------------------------------------------------------------- */

/* SIOCATMARK, SIOCINQ and POLLIN/POLLPRI of @s. */
static void oob_state(struct run *r, int s, const char *what, bool inq)
{
	struct pollfd p = { .fd = s, .events = POLLIN | POLLPRI };
	int v = -7;

	notef(r, r->a->ioctl(s, SIOCATMARK, &v), "%s atmark", what);
	notef(r, v, "%s mark", what);
	/*
	 * Linux 6.18 leaves a dropped out-of-band byte in SIOCINQ's count
	 * (u->inq_len); usnet counts what is queued. Asked only before a drop.
	 */
	if (inq) {
		v = -7;
		notef(r, r->a->ioctl(s, SIOCINQ, &v), "%s inq", what);
		notef(r, v, "%s inq value", what);
	}
	notef(r, r->a->poll(&p, 1, 0), "%s poll", what);
	notef(r, p.revents, "%s revents", what);
}

/* One non-blocking recv: its result, the bytes and msg_flags. */
static void oob_read(struct run *r, int s, size_t len, int flags, const char *what)
{
	char buf[32] = { 0 };
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = r->a->recvmsg(s, &mh, flags | MSG_DONTWAIT);

	notef(r, n, "%s", what);
	if (n > 0) {
		notef(r, buf[0], "%s first", what);
		notef(r, buf[n - 1], "%s last", what);
		notef(r, mh.msg_flags, "%s flags", what);
	}
}

static void oob_steps(struct run *r)
{
	const struct api *a = r->a;
	int sv[2], one = 1, zero = 0, s, d[2];
	char c;

	s = a->socket(AF_UNIX, SOCK_STREAM, 0);
	oob_state(r, s, "unconnected", true);
	note(r, "recv oob unconnected", a->recv(s, &c, 1, MSG_OOB | MSG_DONTWAIT));
	note(r, "send oob unconnected", a->send(s, "a", 1, MSG_OOB | MSG_NOSIGNAL));
	a->close(s);

	/* The last byte is the out-of-band one; a read stops in front of it. */
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	note(r, "send empty oob", a->send(sv[0], "", 0, MSG_OOB));
	note(r, "send oob", a->send(sv[0], "abc", 3, MSG_OOB));
	oob_state(r, sv[1], "queued", true);
	oob_read(r, sv[1], 32, 0, "read to mark");
	oob_state(r, sv[1], "at mark", true);
	oob_read(r, sv[1], 32, MSG_OOB | MSG_PEEK, "peek oob");
	oob_read(r, sv[1], 32, MSG_OOB, "recv oob");
	oob_state(r, sv[1], "oob taken", true);
	oob_read(r, sv[1], 32, MSG_OOB, "recv oob again");
	oob_read(r, sv[1], 32, 0, "read empty");
	oob_state(r, sv[1], "drained", true);
	a->close(sv[0]);
	a->close(sv[1]);

	/* A second mark before the first was read: the first byte is data. */
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	a->send(sv[0], "ab", 2, MSG_OOB);
	a->send(sv[0], "cd", 2, MSG_OOB);
	oob_state(r, sv[1], "two marks", true);
	oob_read(r, sv[1], 32, 0, "read two marks");
	oob_state(r, sv[1], "at second mark", true);
	oob_read(r, sv[1], 32, MSG_OOB, "recv second oob");
	oob_read(r, sv[1], 32, 0, "read after second");
	a->close(sv[0]);
	a->close(sv[1]);

	/* Not taken with MSG_OOB: a read from the mark drops the byte. */
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	a->send(sv[0], "ab", 2, MSG_OOB);
	a->send(sv[0], "cd", 2, 0);
	oob_read(r, sv[1], 32, MSG_PEEK, "peek to mark");
	oob_read(r, sv[1], 32, 0, "read to mark");
	oob_read(r, sv[1], 32, MSG_PEEK, "peek past mark");
	oob_state(r, sv[1], "peeked past", true);
	oob_read(r, sv[1], 32, 0, "read drops oob");
	oob_state(r, sv[1], "dropped", false);
	oob_read(r, sv[1], 32, 0, "read after drop");
	a->close(sv[0]);
	a->close(sv[1]);

	/* Taken first: the used-up buffer still ends the read before it. */
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	a->send(sv[0], "ab", 2, MSG_OOB);
	a->send(sv[0], "cd", 2, 0);
	oob_read(r, sv[1], 32, MSG_OOB, "recv oob first");
	oob_state(r, sv[1], "taken early", true);
	oob_read(r, sv[1], 32, MSG_WAITALL, "read waitall to mark");
	oob_state(r, sv[1], "at used mark", true);
	oob_read(r, sv[1], 32, 0, "read rest");
	/* A zero-length MSG_OOB read takes the byte all the same. */
	a->send(sv[0], "x", 1, MSG_OOB);
	oob_read(r, sv[1], 0, MSG_OOB, "recv oob into nothing");
	oob_read(r, sv[1], 32, MSG_OOB, "recv oob after");
	oob_state(r, sv[1], "after nothing", true);
	a->close(sv[0]);
	a->close(sv[1]);

	/* SO_OOBINLINE: no MSG_OOB read; the byte is data, after the mark. */
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	note(r, "oobinline", a->setsockopt(sv[1], SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)));
	a->send(sv[0], "ab", 2, MSG_OOB);
	a->send(sv[0], "cd", 2, 0);
	oob_state(r, sv[1], "inline", true);
	oob_read(r, sv[1], 32, MSG_OOB, "inline recv oob");
	oob_read(r, sv[1], 32, MSG_PEEK, "inline peek");
	oob_read(r, sv[1], 32, 0, "inline read to mark");
	oob_state(r, sv[1], "inline at mark", true);
	oob_read(r, sv[1], 32, MSG_PEEK, "inline peek at mark");
	oob_read(r, sv[1], 32, 0, "inline read from mark");
	oob_state(r, sv[1], "inline drained", true);
	/* Turned off again with a mark pending. */
	a->send(sv[0], "ef", 2, MSG_OOB);
	a->setsockopt(sv[1], SOL_SOCKET, SO_OOBINLINE, &zero, sizeof(zero));
	oob_read(r, sv[1], 32, MSG_OOB, "inline off recv oob");
	oob_read(r, sv[1], 32, 0, "inline off read");
	a->close(sv[0]);
	a->close(sv[1]);

	/* Descriptors and credentials ride with an out-of-band byte too. */
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	note(r, "passcred", a->setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
	a->send(sv[0], "gh", 2, MSG_OOB);
	oob_read(r, sv[1], 32, 0, "passcred read");
	oob_read(r, sv[1], 32, MSG_OOB, "passcred oob");
	/* A peer shut for reading: EPIPE, without SIGPIPE for the byte. */
	a->shutdown(sv[1], SHUT_RD);
	note(r, "oob to shut peer", a->send(sv[0], "z", 1, MSG_OOB | MSG_NOSIGNAL));
	note(r, "oob+data to shut peer", a->send(sv[0], "zz", 2, MSG_OOB | MSG_NOSIGNAL));
	a->close(sv[0]);
	a->close(sv[1]);

	/* Datagram and sequenced-packet sockets have no out-of-band data. */
	for (int type = SOCK_DGRAM; type <= SOCK_SEQPACKET; type += SOCK_SEQPACKET - SOCK_DGRAM) {
		int v;

		a->socketpair(AF_UNIX, type, 0, d);
		notef(r, a->send(d[0], "a", 1, MSG_OOB), "%d send oob", type);
		notef(r, a->recv(d[1], &c, 1, MSG_OOB | MSG_DONTWAIT), "%d recv oob", type);
		notef(r, a->ioctl(d[1], SIOCATMARK, &v), "%d atmark", type);
		a->close(d[0]);
		a->close(d[1]);
	}
}

TEST(msg_oob_as_the_kernel)
{
	SAME_AS_KERNEL(oob_steps);
}

/* SIGURG to the receiving file's owner (F_SETOWN); SIGPIPE rules. */
static void oob_signal_steps(struct run *r)
{
	const struct api *a = r->a;
	struct timespec ts = { 0 };
	sigset_t set, old;
	int sv[2];

	sigemptyset(&set);
	sigaddset(&set, SIGURG);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	note(r, "send oob, no owner", a->send(sv[0], "a", 1, MSG_OOB));
	note(r, "no signal", sigtimedwait(&set, NULL, &ts));
	note(r, "setown", api_fcntl(a, sv[1], F_SETOWN, getpid()));
	note(r, "send oob", a->send(sv[0], "b", 1, MSG_OOB));
	note(r, "sigurg", sigtimedwait(&set, NULL, &ts));
	note(r, "send plain", a->send(sv[0], "c", 1, 0));
	note(r, "no sigurg", sigtimedwait(&set, NULL, &ts));
	a->shutdown(sv[1], SHUT_RD);
	note(r, "oob to shut peer", a->send(sv[0], "d", 1, MSG_OOB));
	note(r, "no sigpipe", sigtimedwait(&set, NULL, &ts));
	note(r, "data+oob to shut peer", a->send(sv[0], "de", 2, MSG_OOB));
	note(r, "sigpipe", sigtimedwait(&set, NULL, &ts));
	a->close(sv[0]);
	a->close(sv[1]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

TEST(msg_oob_signals_as_the_kernel)
{
	SAME_AS_KERNEL(oob_signal_steps);
}

struct oob_waiter {
	int fd;
	ssize_t n;
	char c;
};

static void *oob_reader(void *arg)
{
	struct oob_waiter *w = arg;

	w->n = usn_recv(w->fd, &w->c, 1, 0);
	return NULL;
}

/* A blocking read woken by an out-of-band byte drops it and keeps waiting. */
TEST(blocking_read_past_a_dropped_oob_byte)
{
	struct oob_waiter w = { 0 };
	struct pollfd p;
	pthread_t t;
	int sv[2];

	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	w.fd = sv[1];
	ASSERT_TRUE(pthread_create(&t, NULL, oob_reader, &w) == 0);
	usleep(20000);
	EXPECT_EQ(usn_send(sv[0], "!", 1, MSG_OOB), 1);
	usleep(20000);
	p = (struct pollfd){ .fd = sv[1], .events = POLLPRI };
	EXPECT_EQ(usn_poll(&p, 1, 0), 0);	/* the reader took the mark */
	EXPECT_EQ(usn_send(sv[0], "x", 1, 0), 1);
	pthread_join(t, NULL);
	EXPECT_EQ(w.n, 1);
	EXPECT_EQ(w.c, 'x');
	usn_close(sv[0]);
	usn_close(sv[1]);
}

/* ---- SO_PEEK_OFF ------------------------------------------------------------------- */

static void peek_off_value(struct run *r, int s, const char *what)
{
	socklen_t len = sizeof(int);
	int v = -7;

	notef(r, r->a->getsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, &len), "%s get", what);
	notef(r, v + 100, "%s offset + 100", what);	/* -1 is not an error */
}

static void peek_off_steps(struct run *r)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	const struct api *a = r->a;
	int sv[2], v, s;
	socklen_t len;

	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		char what[32];

		a->socketpair(AF_UNIX, types[i], 0, sv);
		snprintf(what, sizeof(what), "%d default", types[i]);
		peek_off_value(r, sv[1], what);
		v = -5;
		notef(r, a->setsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v)), "%d set -5", types[i]);
		peek_off_value(r, sv[1], "negative");
		notef(r, a->setsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, 2), "%d set short", types[i]);
		v = 0;
		notef(r, a->setsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v)), "%d set 0", types[i]);
		a->send(sv[0], "abc", 3, 0);
		a->send(sv[0], "", 0, 0);
		a->send(sv[0], "defgh", 5, 0);
		oob_read(r, sv[1], 2, MSG_PEEK, "peek 1");
		oob_read(r, sv[1], 2, MSG_PEEK, "peek 2");
		oob_read(r, sv[1], 2, MSG_PEEK, "peek 3");
		oob_read(r, sv[1], 2, MSG_PEEK | MSG_TRUNC, "peek trunc");
		peek_off_value(r, sv[1], "after peeks");
		oob_read(r, sv[1], 2, 0, "read 2");
		peek_off_value(r, sv[1], "after read");
		oob_read(r, sv[1], 10, MSG_PEEK, "peek rest");
		peek_off_value(r, sv[1], "after peek rest");
		oob_read(r, sv[1], 10, MSG_PEEK, "peek past end");
		oob_read(r, sv[1], 10, 0, "read 10");
		peek_off_value(r, sv[1], "after read 10");
		oob_read(r, sv[1], 10, 0, "read 10 again");
		oob_read(r, sv[1], 10, 0, "read 10 last");
		peek_off_value(r, sv[1], "drained");
		len = 2;
		notef(r, a->getsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, &len), "%d get short", types[i]);
		notef(r, len, "%d short len", types[i]);
		/* Off again: every peek starts at the head. */
		v = -1;
		a->setsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v));
		a->send(sv[0], "ij", 2, 0);
		oob_read(r, sv[1], 1, MSG_PEEK, "off peek");
		oob_read(r, sv[1], 1, MSG_PEEK, "off peek again");
		a->close(sv[0]);
		a->close(sv[1]);
	}
	/* A stream offset passes over an out-of-band byte it is not at. */
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	v = 1;
	a->setsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v));
	a->send(sv[0], "abc", 3, MSG_OOB);
	a->send(sv[0], "de", 2, 0);
	oob_read(r, sv[1], 10, MSG_PEEK, "oob peek at 1");
	peek_off_value(r, sv[1], "oob offset");
	oob_read(r, sv[1], 10, 0, "oob read");
	peek_off_value(r, sv[1], "oob offset after read");
	a->close(sv[0]);
	a->close(sv[1]);
	/* Other families: UDP has it on Linux, packet sockets do not. */
	s = a->socket(AF_INET, SOCK_DGRAM, 0);
	v = 0;
	len = sizeof(v);
	notef(r, a->getsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, &len) == 0 ? 0 : errno != EOPNOTSUPP,
	      "udp get (0 or EOPNOTSUPP)");
	a->close(s);
	s = a->socket(AF_UNIX, SOCK_STREAM, 0);
	v = 3;
	note(r, "unconnected set", a->setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v)));
	peek_off_value(r, s, "unconnected");
	a->close(s);
}

TEST(so_peek_off_as_the_kernel)
{
	SAME_AS_KERNEL(peek_off_steps);
}

/* ---- pidfds, security labels ------------------------------------------------------- */

/* A pidfd of this process? (fdinfo's Pid line), closed afterwards. */
static int is_my_pidfd(int fd)
{
	char path[64], line[128];
	int pid = -1;
	FILE *f;

	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Pid: %d", &pid) == 1)
				break;
		fclose(f);
	}
	close(fd);
	return pid == getpid();
}

/* Receives one byte; logs its control messages. */
static void pidfd_recv(struct run *r, int s, size_t room, int flags, const char *what)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} u;
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = room ? u.buf : NULL, .msg_controllen = room };
	struct cmsghdr *cm;
	int i = 0;

	notef(r, r->a->recvmsg(s, &mh, flags | MSG_DONTWAIT), "%s", what);
	notef(r, mh.msg_flags, "%s flags", what);
	notef(r, (long long)mh.msg_controllen, "%s controllen", what);
	for (cm = room ? CMSG_FIRSTHDR(&mh) : NULL; cm; cm = CMSG_NXTHDR(&mh, cm), i++) {
		int fd;

		notef(r, cm->cmsg_type, "%s cmsg %d type", what, i);
		notef(r, (long long)cm->cmsg_len, "%s cmsg %d len", what, i);
		if (cm->cmsg_type == SCM_PIDFD) {
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
			notef(r, fcntl(fd, F_GETFD), "%s pidfd cloexec", what);
			notef(r, is_my_pidfd(fd), "%s pidfd mine", what);
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
			r->a->close(fd);
		}
	}
}

static void pidfd_steps(struct run *r)
{
	const struct api *a = r->a;
	int sv[2], s, v, one = 1;
	socklen_t len;
	char label[64];

	a->socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	len = sizeof(v);
	v = -7;
	note(r, "peerpidfd", a->getsockopt(sv[0], SOL_SOCKET, SO_PEERPIDFD, &v, &len));
	note(r, "peerpidfd len", len);
	note(r, "peerpidfd cloexec", fcntl(v, F_GETFD));
	note(r, "peerpidfd mine", is_my_pidfd(v));
	note(r, "set peerpidfd", a->setsockopt(sv[0], SOL_SOCKET, SO_PEERPIDFD, &one, sizeof(one)));
	len = sizeof(label);
	note(r, "peersec", a->getsockopt(sv[0], SOL_SOCKET, SO_PEERSEC, label, &len));
	note(r, "peersec len", len);
	note(r, "passsec", a->setsockopt(sv[0], SOL_SOCKET, SO_PASSSEC, &one, sizeof(one)));
	len = sizeof(v);
	note(r, "get passsec", a->getsockopt(sv[0], SOL_SOCKET, SO_PASSSEC, &v, &len));
	note(r, "passsec value", v);
	/* SO_PASSSEC alone: no label to give, only MSG_CTRUNC without room. */
	a->send(sv[1], "s", 1, 0);
	pidfd_recv(r, sv[0], 0, 0, "passsec no room");
	a->send(sv[1], "s", 1, 0);
	pidfd_recv(r, sv[0], 256, 0, "passsec");

	note(r, "passpidfd", a->setsockopt(sv[1], SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one)));
	len = sizeof(v);
	note(r, "get passpidfd", a->getsockopt(sv[1], SOL_SOCKET, SO_PASSPIDFD, &v, &len));
	note(r, "passpidfd value", v);
	a->send(sv[0], "p", 1, 0);
	pidfd_recv(r, sv[1], 256, 0, "pidfd");
	a->send(sv[0], "p", 1, 0);
	pidfd_recv(r, sv[1], 256, MSG_CMSG_CLOEXEC, "pidfd cloexec");
	a->send(sv[0], "p", 1, 0);
	pidfd_recv(r, sv[1], CMSG_LEN(2), 0, "pidfd short");
	a->send(sv[0], "p", 1, 0);
	pidfd_recv(r, sv[1], 0, 0, "pidfd no room");
	note(r, "passcred", a->setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
	note(r, "send fd", 0);
	{
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = { "f", 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &sv[0], sizeof(int));
		note(r, "sendmsg rights", a->sendmsg(sv[0], &mh, 0));
		/* SCM_PIDFD is received, never sent. */
		cm->cmsg_type = SCM_PIDFD;
		note(r, "sendmsg pidfd", a->sendmsg(sv[0], &mh, 0));
	}
	pidfd_recv(r, sv[1], 256, 0, "creds, rights, pidfd");
	a->close(sv[0]);
	a->close(sv[1]);

	s = a->socket(AF_UNIX, SOCK_DGRAM, 0);
	len = sizeof(v);
	note(r, "unconnected peerpidfd", a->getsockopt(s, SOL_SOCKET, SO_PEERPIDFD, &v, &len));
	a->close(s);
	/* Only unix (and netlink) sockets take these (Linux 6.16+). */
	s = a->socket(AF_INET, SOCK_DGRAM, 0);
	note(r, "udp passcred", a->setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
	len = sizeof(v);
	note(r, "udp get passcred", a->getsockopt(s, SOL_SOCKET, SO_PASSCRED, &v, &len));
	note(r, "udp passpidfd", a->setsockopt(s, SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one)));
	note(r, "udp passsec", a->setsockopt(s, SOL_SOCKET, SO_PASSSEC, &one, sizeof(one)));
	len = sizeof(v);
	note(r, "udp peerpidfd", a->getsockopt(s, SOL_SOCKET, SO_PEERPIDFD, &v, &len));
	len = sizeof(label);
	note(r, "udp peersec", a->getsockopt(s, SOL_SOCKET, SO_PEERSEC, label, &len));
	a->close(s);
}

TEST(pidfd_and_security_options_as_the_kernel)
{
	SAME_AS_KERNEL(pidfd_steps);
}

/* Claimed credentials: another pid must exist (ESRCH). */
static void claim_steps(struct run *r)
{
	const struct api *a = r->a;
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { "c", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	struct ucred cr = { getpid(), getuid(), getgid() };
	static const pid_t pids[] = { 1, 0, -3, 0x3ffffff0 };
	int sv[2];

	a->socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(cr));
	for (size_t i = 0; i < ARRAY_LEN(pids); i++) {
		cr.pid = pids[i];
		memcpy(CMSG_DATA(cm), &cr, sizeof(cr));
		notef(r, a->sendmsg(sv[0], &mh, 0), "claim pid %d", pids[i]);
	}
	a->close(sv[0]);
	a->close(sv[1]);
}

TEST(claimed_pid_must_exist_as_the_kernel)
{
	if (geteuid() != 0) {
		printf("SKIPPED: claiming another pid needs CAP_SYS_ADMIN\n");
		return;
	}
	SAME_AS_KERNEL(claim_steps);
}

/* ---- descriptors in flight ------------------------------------------------------------ */

#define INFLIGHT_LIMIT	100

static int send_n(const struct api *a, int s, int fd, int n)
{
	static union {
		char buf[CMSG_SPACE(sizeof(int) * 64)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { "F", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	for (int i = 0; i < n; i++)
		memcpy(CMSG_DATA(cm) + sizeof(int) * (size_t)i, &fd, sizeof(fd));
	return (int)a->sendmsg(s, &mh, MSG_DONTWAIT);
}

/*
 * More descriptors in flight than RLIMIT_NOFILE, without CAP_SYS_RESOURCE
 * or CAP_SYS_ADMIN: ETOOMANYREFS, checked before each message is queued.
 */
static void inflight_steps(struct run *r)
{
	const struct api *a = r->a;
	int d[2], st[2];
	char c;

	a->socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
	a->socketpair(AF_UNIX, SOCK_STREAM, 0, st);
	note(r, "send 40", send_n(a, d[0], st[0], 40));
	note(r, "send 40 more", send_n(a, d[0], st[0], 40));
	note(r, "send 40 to 120", send_n(a, d[0], st[0], 40));
	note(r, "send 1 past the limit", send_n(a, d[0], st[0], 1));
	note(r, "stream past the limit", send_n(a, st[0], st[1], 1));
	note(r, "plain send", a->send(d[0], "x", 1, 0));
	/* Received without room for them: they are closed, out of flight. */
	note(r, "recv", a->recv(d[1], &c, 1, 0));
	note(r, "send after recv", send_n(a, d[0], st[0], 1));
	note(r, "recv 2", a->recv(d[1], &c, 1, 0));
	note(r, "send 40 again", send_n(a, d[0], st[0], 40));
	a->close(d[0]);
	a->close(d[1]);
	note(r, "after close", send_n(a, st[0], st[1], 10));
	a->close(st[0]);
	a->close(st[1]);
}

/* The kernel's run, in a child that is "nobody" (its own count, no capabilities). */
static void inflight_kernel(struct run *r)
{
	struct run *shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	ASSERT_TRUE(shared != MAP_FAILED);
	memset(shared, 0, sizeof(*shared));
	shared->a = r->a;
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { INFLIGHT_LIMIT, INFLIGHT_LIMIT };

		if (setgid(65534) || setuid(65534) || setrlimit(RLIMIT_NOFILE, &rl))
			_exit(1);
		inflight_steps(shared);
		_exit(0);
	}
	ASSERT_TRUE(pid > 0);
	waitpid(pid, NULL, 0);
	*r = *shared;
	munmap(shared, sizeof(*shared));
}

static int deny_resource_caps(struct usn_net *net, int cap)
{
	(void)net;
	return cap == 21 /* CAP_SYS_ADMIN */ || cap == 24 /* CAP_SYS_RESOURCE */ ?
	       -EPERM : 0;
}

static const struct usn_security_ops deny_ops = { .capable = deny_resource_caps };

/* usnet's run: the same limit, the capabilities denied by a policy. */
static void inflight_usnet(struct run *r)
{
	struct rlimit old, rl;

	ASSERT_TRUE(getrlimit(RLIMIT_NOFILE, &old) == 0);
	rl = old;
	rl.rlim_cur = INFLIGHT_LIMIT;
	ASSERT_TRUE(usn_security_register(&deny_ops) == 0);
	ASSERT_TRUE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	inflight_steps(r);
	setrlimit(RLIMIT_NOFILE, &old);
	usn_security_register(NULL);
}

static void inflight_both(struct run *r)
{
	if (r->a == &kapi)
		inflight_kernel(r);
	else
		inflight_usnet(r);
}

TEST(descriptors_in_flight_limit_as_the_kernel)
{
	if (geteuid() != 0) {
		printf("SKIPPED: the kernel's run becomes another user\n");
		return;
	}
	SAME_AS_KERNEL(inflight_both);
}

/* With the capability (root here, no policy), the limit does not apply. */
TEST(descriptors_in_flight_limit_spares_the_capable)
{
	struct rlimit old, rl;
	int d[2], st[2];

	if (geteuid() != 0) {
		printf("SKIPPED: needs CAP_SYS_RESOURCE\n");
		return;
	}
	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, d) == 0);
	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_STREAM, 0, st) == 0);
	ASSERT_TRUE(getrlimit(RLIMIT_NOFILE, &old) == 0);
	rl = old;
	rl.rlim_cur = INFLIGHT_LIMIT;
	ASSERT_TRUE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(send_n(&uapi, d[0], st[0], 40), 1);
	setrlimit(RLIMIT_NOFILE, &old);
	usn_close(d[0]);
	usn_close(d[1]);
	usn_close(st[0]);
	usn_close(st[1]);
}

/* Linux no longer limits how deep sockets carrying descriptors nest. */
static void nesting_steps(struct run *r)
{
	const struct api *a = r->a;
	int pairs[12][2], fd;

	for (int i = 0; i < 12; i++) {
		a->socketpair(AF_UNIX, SOCK_DGRAM, 0, pairs[i]);
		fd = i ? pairs[i - 1][1] : pairs[0][0];
		notef(r, send_n(a, pairs[i][0], fd, 1), "depth %d", i);
	}
	for (int i = 11; i >= 0; i--) {
		a->close(pairs[i][0]);
		a->close(pairs[i][1]);
	}
}

TEST(nesting_in_flight_as_the_kernel)
{
	SAME_AS_KERNEL(nesting_steps);
}
