/* SPDX-License-Identifier: MIT */
/*
 * fuzz_unix_cmsg_test.c - AF_UNIX control messages and names under bad
 * input.
 *
 * Sending: control buffers of SCM_RIGHTS (usnet sockets, kernel fds, bad
 * numbers), SCM_CREDENTIALS (ours, another pid, invalid ids), unknown
 * types and other levels, with cmsg_len and msg_controllen lying, on
 * stream, datagram and seqpacket pairs. The answer is the errno Linux's
 * __scm_send gives, from its rules written here (EINVAL, EBADF, EPERM,
 * ESRCH), and a refused message leaves nothing queued.
 *
 * Receiving: control buffers of every size from 0 (allocated to their
 * exact size, so ASan sees a write past them), MSG_PEEK and
 * MSG_CMSG_CLOEXEC, SO_PASSCRED and SO_PASSPIDFD: every cmsg lies inside
 * the buffer, MSG_CTRUNC is set when descriptors did not fit, each
 * descriptor received is open and is closed here. At the end no
 * descriptor, usnet's or the kernel's, has been left open.
 *
 * Names: sockaddr_un lengths from 0 to past the structure on bind and
 * connect get Linux's EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "fuzz.h"
#include "sim.h"
#include "test.h"

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD	76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD	0x04
#endif
#define SCM_MAX_FD	253
#define CTL_MAX		1200

static int pool_usn[2], pool_kfd[2];
static unsigned long by_errno[134], fds_passed;
static bool cap_admin, cap_setuid, cap_setgid;

static bool has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* Open descriptors, usnet's and the kernel's. */
static int count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 4096; fd++)
		if (usn_fd_owned(fd) || fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void close_any(int fd)
{
	if (usn_fd_owned(fd))
		usn_close(fd);
	else
		close(fd);
}

static void setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	test_sim_start(3);
	cap_admin = has_cap(21);	/* CAP_SYS_ADMIN */
	cap_setuid = has_cap(7);
	cap_setgid = has_cap(6);
	pool_usn[0] = usn_socket(AF_INET, SOCK_DGRAM, 0);
	pool_usn[1] = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	if (pipe(pool_kfd))
		pool_kfd[0] = pool_kfd[1] = -1;
}

/* ---- building control buffers ----------------------------------------- */

struct ctl {
	uint8_t		b[CTL_MAX];
	size_t		len;
};

static void ctl_put(struct ctl *c, int level, int type, const void *data,
		    size_t dlen)
{
	struct cmsghdr cm = { .cmsg_len = CMSG_LEN(dlen), .cmsg_level = level,
			      .cmsg_type = type };

	if (c->len + CMSG_SPACE(dlen) > CTL_MAX)
		return;
	memset(c->b + c->len, 0, CMSG_SPACE(dlen));
	memcpy(c->b + c->len, &cm, sizeof(cm));
	memcpy(c->b + c->len + CMSG_LEN(0), data, dlen);
	c->len += CMSG_SPACE(dlen);
}

static int pick_fd(struct fuzz_rng *r)
{
	switch (fuzz_below(r, 8)) {
	case 0:
		return pool_kfd[fuzz_below(r, 2)];
	case 1:
		return -1;
	case 2:
		return 4000;	/* not open */
	case 3:
		return (int)fuzz_value(r);
	default:
		return pool_usn[fuzz_below(r, 2)];
	}
}

static void build_ctl(struct fuzz_rng *r, struct ctl *c)
{
	c->len = 0;
	for (int k = (int)fuzz_below(r, 3); k >= 0; k--) {
		switch (fuzz_below(r, 5)) {
		case 0:
		case 1: {
			int fds[8], n = (int)fuzz_below(r, 4) + 1;

			if (!fuzz_below(r, 16))
				n = 0;
			for (int i = 0; i < n; i++)
				fds[i] = fuzz_below(r, 4) ? pool_usn[i & 1] :
							    pick_fd(r);
			ctl_put(c, SOL_SOCKET, SCM_RIGHTS, fds,
				(size_t)n * sizeof(int));
			break;
		}
		case 2: {
			struct ucred cr = { getpid(), getuid(), getgid() };

			switch (fuzz_below(r, 6)) {
			case 0:
				cr.pid = (pid_t)fuzz_value(r);
				break;
			case 1:
				cr.uid = fuzz_below(r, 2) ? (uid_t)-1 :
							    fuzz_value(r);
				break;
			case 2:
				cr.gid = fuzz_below(r, 2) ? (gid_t)-1 :
							    fuzz_value(r);
				break;
			case 3:
				cr.pid = 1;
				break;
			}
			ctl_put(c, SOL_SOCKET, SCM_CREDENTIALS, &cr, sizeof(cr));
			break;
		}
		case 3: {
			int v = 1;

			ctl_put(c, fuzz_below(r, 2) ? SOL_IP : SOL_SOCKET,
				fuzz_below(r, 2) ? SCM_PIDFD : (int)fuzz_value(r),
				&v, sizeof(v));
			break;
		}
		default: {	/* the largest SCM_RIGHTS, and one past it */
			static int many[SCM_MAX_FD + 1];
			size_t n = SCM_MAX_FD - 1 + fuzz_below(r, 3);

			for (size_t i = 0; i < n; i++)
				many[i] = pool_usn[0];
			ctl_put(c, SOL_SOCKET, SCM_RIGHTS, many,
				n * sizeof(int));
			break;
		}
		}
	}
}

static void mutate_ctl(struct fuzz_rng *r, struct ctl *c)
{
	size_t at;

	switch (fuzz_below(r, 4)) {
	case 0:		/* a cmsg_len lies */
		if (c->len >= sizeof(struct cmsghdr)) {
			size_t v = fuzz_below(r, 2) ? fuzz_value(r) :
						      fuzz_below(r, 40);

			at = 8 * fuzz_below(r, (uint32_t)(c->len / 8));
			memcpy(c->b + at, &v, sizeof(v));
		}
		break;
	case 1:		/* msg_controllen lies (within the buffer) */
		c->len = fuzz_below(r, (uint32_t)c->len + 1);
		break;
	default:
		fuzz_mutate(r, c->b, &c->len, CTL_MAX, 2);
		break;
	}
}

/* ---- Linux's answer --------------------------------------------------- */

static bool fd_open(int fd)
{
	return fd >= 0 && (usn_fd_owned(fd) || fcntl(fd, F_GETFD) >= 0);
}

static bool pid_exists(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

/* __scm_send() on @c: 0 or the errno; *@nfds the descriptors it carries. */
static int scm_model(const struct ctl *c, int *nfds)
{
	size_t at = 0;

	*nfds = 0;
	while (c->len - at >= sizeof(struct cmsghdr)) {
		struct cmsghdr cm;
		struct ucred cr;
		size_t n;

		memcpy(&cm, c->b + at, sizeof(cm));
		if (cm.cmsg_len < sizeof(cm) || cm.cmsg_len > c->len - at)
			return EINVAL;
		if (cm.cmsg_level == SOL_SOCKET) {
			switch (cm.cmsg_type) {
			case SCM_RIGHTS:
				n = (cm.cmsg_len - CMSG_LEN(0)) / sizeof(int);
				if (!n)
					break;
				if (n > SCM_MAX_FD ||
				    (size_t)*nfds + n > SCM_MAX_FD)
					return EINVAL;
				for (size_t i = 0; i < n; i++) {
					int fd;

					memcpy(&fd, c->b + at + CMSG_LEN(0) +
					       i * sizeof(int), sizeof(fd));
					if (!fd_open(fd))
						return EBADF;
					(*nfds)++;
				}
				break;
			case SCM_CREDENTIALS:
				if (cm.cmsg_len != CMSG_LEN(sizeof(cr)))
					return EINVAL;
				memcpy(&cr, c->b + at + CMSG_LEN(0), sizeof(cr));
				if (cr.uid == (uid_t)-1 || cr.gid == (gid_t)-1)
					return EINVAL;
				if ((cr.pid != getpid() && !cap_admin) ||
				    (cr.uid != getuid() && cr.uid != geteuid() &&
				     !cap_setuid) ||
				    (cr.gid != getgid() && cr.gid != getegid() &&
				     !cap_setgid))
					return EPERM;
				if (cr.pid != getpid() && !pid_exists(cr.pid))
					return ESRCH;
				break;
			default:
				return EINVAL;
			}
		}
		if (CMSG_ALIGN(cm.cmsg_len) >= c->len - at)
			break;
		at += CMSG_ALIGN(cm.cmsg_len);
	}
	return 0;
}

/* ---- the target ------------------------------------------------------- */

struct pair {
	int	fd[2];
	int	type;
};

/*
 * Reads what @p's receiving end holds with a control buffer of @clen
 * bytes; checks the cmsgs and closes the descriptors. Bad count.
 */
static int drain(struct pair *p, size_t clen, int flags, int sent_fds)
{
	char data[64];
	int bad = 0, got_fds = 0;

	for (;;) {
		struct iovec iov = { data, sizeof(data) };
		uint8_t *ctl = clen ? malloc(clen) : NULL;
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = ctl,
				    .msg_controllen = clen };
		ssize_t n = usn_recvmsg(p->fd[1], &m, flags | MSG_DONTWAIT);
		struct cmsghdr *cm;

		if (n < 0) {
			free(ctl);
			if (errno != EAGAIN)
				bad++;
			break;
		}
		if (m.msg_controllen > clen)
			bad++;
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
			size_t off = (size_t)((uint8_t *)cm - ctl);

			if (cm->cmsg_len < sizeof(*cm) ||
			    off + cm->cmsg_len > m.msg_controllen) {
				bad++;
				break;
			}
			if (cm->cmsg_level != SOL_SOCKET)
				continue;
			if (cm->cmsg_type == SCM_RIGHTS) {
				size_t k = (cm->cmsg_len - CMSG_LEN(0)) /
					   sizeof(int);

				for (size_t i = 0; i < k; i++) {
					int fd;

					memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
					       sizeof(fd));
					if (!fd_open(fd))
						bad++;
					else
						close_any(fd);
					got_fds++;
					fds_passed++;
				}
			} else if (cm->cmsg_type == SCM_PIDFD &&
				   cm->cmsg_len == CMSG_LEN(sizeof(int))) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
				if (fd >= 0)
					close(fd);
			}
		}
		free(ctl);
		if (flags & MSG_PEEK) {
			flags &= ~MSG_PEEK;
			continue;
		}
		/* Descriptors that did not fit are reported, not dropped silently. */
		if (sent_fds > got_fds && !(m.msg_flags & MSG_CTRUNC) &&
		    p->type != SOCK_STREAM)
			bad++;
		got_fds = 0;
	}
	return bad;
}

static struct pair pairs[3];

/*
 * One input: byte 0 picks the pair and the receive options, bytes 1-2 the
 * receive buffer size, the rest is the control buffer. Bad count.
 */
static int fuzz_unix_cmsg_one(const uint8_t *data, size_t size)
{
	struct ctl c;
	struct pair *p;
	int want, nfds, bad = 0, flags = 0, on;
	size_t clen;
	uint8_t *ctl;
	ssize_t n;

	if (size < 3)
		return 0;
	p = &pairs[data[0] % 3];
	clen = (size_t)(data[1] | data[2] << 8) % 300;
	c.len = size - 3 > CTL_MAX ? CTL_MAX : size - 3;
	memcpy(c.b, data + 3, c.len);
	want = scm_model(&c, &nfds);
	on = !!(data[0] & 8);
	usn_setsockopt(p->fd[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	on = !!(data[0] & 16);
	usn_setsockopt(p->fd[1], SOL_SOCKET, SO_PASSPIDFD, &on, sizeof(on));
	if (data[0] & 32)
		flags |= MSG_PEEK;
	if (data[0] & 64)
		flags |= MSG_CMSG_CLOEXEC;
	/* Exactly the control buffer's size: ASan sees a read past it. */
	ctl = malloc(c.len ? c.len : 1);
	memcpy(ctl, c.b, c.len);
	{
		struct iovec iov = { "fuzz", 4 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = c.len ? ctl : NULL,
				    .msg_controllen = c.len };

		errno = 0;
		n = usn_sendmsg(p->fd[0], &m, MSG_DONTWAIT);
	}
	free(ctl);
	if (n >= 0 || errno < 134)
		by_errno[n < 0 ? errno : 0]++;
	if (n < 0 ? errno != want : want != 0) {
		fprintf(stderr, "  sendmsg: %s, Linux %s\n",
			n < 0 ? strerrorname_np(errno) : "sent",
			want ? strerrorname_np(want) : "sends");
		bad++;
	}
	if (n < 0 && want && usn_recv(p->fd[1], &on, sizeof(on),
				      MSG_DONTWAIT | MSG_PEEK) >= 0) {
		fprintf(stderr, "  a refused message was queued\n");
		bad++;
	}
	bad += drain(p, clen, flags, n < 0 ? 0 : nfds);
	return bad;
}

/* ---- the tests -------------------------------------------------------- */

TEST(mutated_control_messages_get_linux_errnos_and_leak_nothing)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	unsigned long iters = fuzz_iters(20000), failures = 0;
	static uint8_t in[CTL_MAX + 3];
	struct fuzz_rng rng;
	int before;

	setup();
	before = count_fds();
	for (int i = 0; i < 3; i++) {
		pairs[i].type = types[i];
		ASSERT_TRUE(usn_socketpair(AF_UNIX, types[i], 0,
					   pairs[i].fd) == 0);
	}
	fuzz_seed(&rng, 0x5c3);
	for (unsigned long it = 0; it < iters; it++) {
		struct ctl c;
		int bad;

		build_ctl(&rng, &c);
		if (fuzz_below(&rng, 3))
			mutate_ctl(&rng, &c);
		in[0] = (uint8_t)fuzz_next(&rng);
		in[1] = (uint8_t)fuzz_below(&rng, 256);
		in[2] = (uint8_t)fuzz_below(&rng, 2);
		memcpy(in + 3, c.b, c.len);
		bad = fuzz_unix_cmsg_one(in, c.len + 3);
		if (bad && failures++ < 5) {
			TEST_FAIL_AT("iteration %lu broke %d invariants", it, bad);
			fuzz_hexdump(in, c.len + 3);
		}
	}
	EXPECT_EQ(failures, 0);
	printf("  sends by errno:");
	for (int e = 0; e < 134; e++)
		if (by_errno[e])
			printf(" %s %lu", e ? strerrorname_np(e) : "0",
			       by_errno[e]);
	printf("; %lu descriptors received\n", fds_passed);
	EXPECT_TRUE(by_errno[0] > iters / 10 && fds_passed > iters / 10);
	for (int i = 0; i < 3; i++) {
		usn_close(pairs[i].fd[0]);
		usn_close(pairs[i].fd[1]);
	}
	usn_sim_run(1000000);
	EXPECT_EQ(count_fds(), before);
}

TEST(sockaddr_un_lengths_get_einval_as_in_linux)
{
	struct {
		struct sockaddr_un sun;
		char more[8];
	} a;
	struct fuzz_rng rng;
	int before, failures = 0;

	setup();
	before = count_fds();
	fuzz_seed(&rng, 0x50c);
	for (int it = 0; it < 5000; it++) {
		int fd = usn_socket(AF_UNIX, SOCK_DGRAM, 0), want, got;
		int len = (int)fuzz_below(&rng, sizeof(a) + 1);
		bool do_bind = fuzz_below(&rng, 2);

		memset(&a, 0, sizeof(a));
		a.sun.sun_family = fuzz_below(&rng, 8) ? AF_UNIX : AF_INET;
		/* Abstract names only: nothing may reach the file names. */
		for (size_t i = 1; i < sizeof(a.sun.sun_path); i++)
			a.sun.sun_path[i] = (char)('a' + fuzz_below(&rng, 3));
		/* Linux: the family alone autobinds; connect needs a name. */
		if (len < (int)sizeof(sa_family_t) + (do_bind ? 0 : 1) ||
		    len > (int)sizeof(a.sun) ||
		    (a.sun.sun_family != AF_UNIX &&
		     len >= (int)sizeof(sa_family_t)))
			want = EINVAL;
		else
			want = do_bind ? 0 : -1;	/* connect: any answer */
		if (do_bind && len == (int)sizeof(sa_family_t) &&
		    a.sun.sun_family != AF_UNIX)
			want = EINVAL;
		errno = 0;
		got = do_bind ? usn_bind(fd, (void *)&a, (socklen_t)len) :
				usn_connect(fd, (void *)&a, (socklen_t)len);
		if (want >= 0 && (got ? errno != want && !(do_bind &&
					errno == EADDRINUSE) : want != 0) &&
		    failures++ < 5)
			TEST_FAIL_AT("%s len %d family %d: %s, Linux %s",
				     do_bind ? "bind" : "connect", len,
				     a.sun.sun_family,
				     got ? strerrorname_np(errno) : "0",
				     want ? strerrorname_np(want) : "0");
		usn_close(fd);
	}
	EXPECT_EQ(failures, 0);
	EXPECT_EQ(count_fds(), before);
}

/*
 * Found by the fuzzing: a kernel fd passed is taken as a duplicate, and
 * the duplicate's number, named later in the same message, used to pass
 * as open. Linux opens nothing while it takes the list: EBADF.
 */
TEST(a_number_only_the_send_itself_opened_is_ebadf)
{
	int sv[2], pfd[2], next, fds[2];
	union {
		struct cmsghdr cm;
		char b[CMSG_SPACE(sizeof(fds))];
	} u;
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.b, .msg_controllen = sizeof(u.b) };

	setup();
	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	ASSERT_TRUE(pipe(pfd) == 0);
	/* The number the next kernel fd gets: what a duplicate would get. */
	next = dup(pfd[0]);
	ASSERT_TRUE(next >= 0);
	close(next);
	fds[0] = pfd[0];
	fds[1] = next;
	u.cm.cmsg_len = CMSG_LEN(sizeof(fds));
	u.cm.cmsg_level = SOL_SOCKET;
	u.cm.cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(&u.cm), fds, sizeof(fds));
	EXPECT_ERRNO(usn_sendmsg(sv[0], &m, 0), EBADF);
	EXPECT_TRUE(fcntl(next, F_GETFD) < 0);	/* nothing left open */
	/* Both open: passes. */
	fds[1] = pfd[1];
	memcpy(CMSG_DATA(&u.cm), fds, sizeof(fds));
	EXPECT_EQ(usn_sendmsg(sv[0], &m, 0), 1);
	close(pfd[0]);
	close(pfd[1]);
	usn_close(sv[0]);
	usn_close(sv[1]);
}
