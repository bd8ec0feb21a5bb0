/* SPDX-License-Identifier: MIT */
/*
 * af_unix_test.c - AF_UNIX in simulated mode: blocking calls and timeouts
 * on the virtual clock, a stuck wait reported as EDEADLK, connections
 * across namespaces, and the socket walk sock_diag will use.
 */
#include <errno.h>
#include <poll.h>
#include <sys/un.h>
#include <usnet/usnet.h>
#include "family/unix/af_unix.h"
#include "net/net.h"
#include "sim.h"
#include "test.h"

static socklen_t abstract(struct sockaddr_un *sun, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

TEST(receive_timeout_on_the_virtual_clock)
{
	struct timeval tv = { 1, 500000 };
	uint64_t t0;
	int sv[2];
	char b;

	test_sim_start(7);
	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	EXPECT_OK(usn_setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = usn_sim_now();
	EXPECT_ERRNO(usn_recv(sv[1], &b, 1, 0), EAGAIN);
	EXPECT_EQ(usn_sim_now() - t0, 1500000000ULL);
	usn_close(sv[0]);
	usn_close(sv[1]);
}

TEST(a_wait_nothing_can_end_is_edeadlk)
{
	char buf[4096] = { 0 };
	int sv[2], v = 4096;
	struct pollfd p;

	test_sim_start(7);
	ASSERT_TRUE(usn_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	EXPECT_ERRNO(usn_recv(sv[0], buf, 1, 0), EDEADLK);
	/* A writer with a full send buffer and no reader. */
	EXPECT_OK(usn_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	while (usn_send(sv[0], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	EXPECT_ERRNO(usn_send(sv[0], buf, sizeof(buf), 0), EDEADLK);
	p = (struct pollfd){ .fd = sv[0], .events = POLLOUT };
	EXPECT_EQ(usn_poll(&p, 1, 0), 0);
	usn_close(sv[0]);
	usn_close(sv[1]);
}

TEST(cross_namespace_path_connection)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/ux-sim-path" };
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 13);
	struct usn_net *a, *b;
	int l, c, s;
	char buf[8];

	test_sim_start(7);
	a = usn_net_create("ux-a", 0);
	b = usn_net_create("ux-b", 0);
	ASSERT_TRUE(a && b);
	usn_setns(a);
	l = usn_socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ASSERT_TRUE(usn_bind(l, (struct sockaddr *)&sun, len) == 0);
	EXPECT_OK(usn_listen(l, 1));
	usn_setns(b);
	c = usn_socket(AF_UNIX, SOCK_SEQPACKET, 0);
	EXPECT_OK(usn_connect(c, (struct sockaddr *)&sun, len));
	EXPECT_EQ(usn_send(c, "from-b", 6, 0), 6);
	usn_setns(a);
	s = usn_accept(l, NULL, NULL);
	ASSERT_TRUE(s >= 0);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 6);
	EXPECT_EQ(usn_send(s, "to-b", 4, 0), 4);
	usn_close(s);
	usn_setns(b);
	EXPECT_EQ(usn_recv(c, buf, sizeof(buf), 0), 4);
	EXPECT_EQ(usn_recv(c, buf, sizeof(buf), 0), 0);	/* closed */
	usn_close(c);
	usn_setns(NULL);
	usn_close(l);
	EXPECT_OK(usn_unlink(sun.sun_path));
	usn_net_destroy(a);
	usn_net_destroy(b);
}

struct walk {
	int n, listeners, connected, named, icons;
	unsigned long icon;
	unsigned long ino[8], peer[8];
	uint32_t rqueue[8];
};

static int walk_one(const struct unix_diag_info *info, void *arg)
{
	struct walk *w = arg;

	if (w->n < 8) {
		w->ino[w->n] = info->ino;
		w->peer[w->n] = info->peer_ino;
		w->rqueue[w->n] = info->rqueue;
	}
	w->n++;
	w->listeners += info->state == TCP_LISTEN;
	w->connected += info->state == TCP_ESTABLISHED;
	w->named += info->name_len > 0;
	if (info->nicons) {
		w->icons += (int)info->nicons;
		w->icon = info->icons[0];
	}
	return 0;
}

TEST(diag_walk_sees_the_namespace_sockets)
{
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "diag");
	struct walk w = { 0 };
	struct usn_net *net;
	int l, c, sv[2];

	test_sim_start(7);
	net = usn_net_create("ux-diag", 0);
	ASSERT_TRUE(net);
	usn_setns(net);
	l = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	usn_bind(l, (struct sockaddr *)&sun, len);
	usn_listen(l, 3);
	c = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT_OK(usn_connect(c, (struct sockaddr *)&sun, len));
	usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	usn_send(sv[0], "12345", 5, 0);
	usn_setns(NULL);
	unix_diag_walk(net, walk_one, &w);
	/* listener, client, embryo, and the pair */
	EXPECT_EQ(w.n, 5);
	EXPECT_EQ(w.listeners, 1);
	EXPECT_EQ(w.connected, 4);
	EXPECT_EQ(w.named, 2);	/* the listener and its embryo */
	for (int i = 0; i < w.n && i < 8; i++) {
		bool mutual = false;

		for (int j = 0; j < w.n && j < 8; j++)
			mutual |= w.peer[i] == w.ino[j] && w.peer[j] == w.ino[i];
		EXPECT_TRUE(w.peer[i] == 0 || mutual);
	}
	EXPECT_EQ(w.rqueue[0], 1);	/* the listener: one connection waiting */
	EXPECT_EQ(w.icons, 1);
	EXPECT_EQ(w.icon, w.ino[1]);	/* named by the connecting client */
	EXPECT_EQ(w.rqueue[4], 5);
	usn_setns(net);
	usn_close(l);
	usn_close(c);
	usn_close(sv[0]);
	usn_close(sv[1]);
	usn_setns(NULL);
	memset(&w, 0, sizeof(w));
	unix_diag_walk(net, walk_one, &w);
	EXPECT_EQ(w.n, 0);
	usn_net_destroy(net);
}

static int pass_fd(int via, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { "F", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return (int)usn_sendmsg(via, &mh, 0);
}

/* Cycles of in-flight sockets: every socket is freed once they are closed. */
TEST(collector_frees_every_cycle)
{
	struct usn_net *net;
	int base, a[2], b[2], l, c;
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "gc-listener");

	test_sim_start(7);
	net = usn_net_create("ux-gc", 0);
	ASSERT_TRUE(net);
	usn_setns(net);
	base = atomic_load(&net->sockets);
	/* a[1] holds itself; b[0] and b[1] hold each other. */
	usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, a);
	EXPECT_EQ(pass_fd(a[0], a[1]), 1);
	usn_socketpair(AF_UNIX, SOCK_STREAM, 0, b);
	EXPECT_EQ(pass_fd(b[0], b[1]), 1);
	EXPECT_EQ(pass_fd(b[1], b[0]), 1);
	/* A listener whose waiting connection holds the listener. */
	l = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	usn_bind(l, (struct sockaddr *)&sun, len);
	usn_listen(l, 1);
	c = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	usn_connect(c, (struct sockaddr *)&sun, len);
	EXPECT_EQ(pass_fd(c, l), 1);	/* into the embryo's queue */
	usn_close(c);
	usn_close(l);
	usn_close(b[0]);
	usn_close(b[1]);
	usn_close(a[1]);
	EXPECT_TRUE(unix_gc_pending());
	usn_close(a[0]);	/* a close runs the collector */
	EXPECT_TRUE(!unix_gc_pending());
	EXPECT_EQ(atomic_load(&net->sockets), base);
	usn_setns(NULL);
	usn_net_destroy(net);
}
