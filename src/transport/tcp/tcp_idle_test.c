/* SPDX-License-Identifier: MIT */
/*
 * tcp_idle_test.c - what an idle connection and an accepted one take from
 * Linux (simulated time, two namespaces): the restart after idle leaves
 * lsndtime alone (tcpi_last_data_sent, CUBIC's epoch shift on TX_START),
 * and a child gets the namespace's congestion control unless the
 * listener chose one with TCP_CONGESTION.
 */
#include "../../family/inet/inet_test.h"
#include "socket/socket.h"
#include "transport/tcp/tcp_cubic.h"
#include "transport/tcp/tcp_var.h"

/* <netinet/tcp.h> clashes with tcp_var.h: the option numbers by hand. */
#define TCP_CORK_OPT		3
#define TCP_CONGESTION_OPT	13
#define SEC			1000000000ULL
#define RUN_SEED		0x1d1eULL

static int tcp_listener(struct usn_net *net, uint16_t port)
{
	struct sockaddr_in sin = SIN("0.0.0.0", port);
	int fd = sock_in(net, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	usn_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (usn_bind(fd, SA(&sin), sizeof(sin)) || usn_listen(fd, 4)) {
		usn_close(fd);
		return -1;
	}
	return fd;
}

/* a -> b:port; *@srv gets the accepted end. */
static int tcp_pair(struct rig *g, uint16_t port, int *lfd, int *srv)
{
	struct sockaddr_in to = SIN("10.0.0.2", port);
	int c;

	*lfd = tcp_listener(g->b, port);
	if (*lfd < 0)
		return -1;
	c = sock_in(g->a, SOCK_STREAM, 0);
	if (c < 0 || usn_connect(c, SA(&to), sizeof(to)))
		return -1;
	usn_setns(g->b);
	*srv = usn_accept(*lfd, NULL, NULL);
	return *srv < 0 ? -1 : c;
}

/* The TCP socket behind @fd (the caller holds nothing: tests only). */
static struct tcp_sock *tp_of(int fd)
{
	struct file *f = NULL;
	int err = 0;
	struct socket *sock = sockfd_lookup_light(fd, &err, &f);
	struct tcp_sock *tp = sock ? tcp_sk(sock->sk) : NULL;

	if (f)
		fput(f);
	return tp;
}

static void ca_of(int fd, char name[32])
{
	socklen_t len = 32;

	memset(name, 0, 32);
	EXPECT_OK(usn_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION_OPT, name, &len));
}

static void set_ca(struct usn_net *net, const char *name)
{
	EXPECT_OK(usn_sysctl(net, "net.ipv4.tcp_congestion_control", NULL, NULL,
			     name));
}

TEST(child_takes_namespace_default_unless_listener_chose)
{
	struct sockaddr_in to = SIN("10.0.0.2", 6101);
	char name[32];
	struct rig g;
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	/* The listener is made under "cubic"; the default changes after. */
	l = tcp_listener(g.b, 6101);
	ASSERT_TRUE(l >= 0);
	ca_of(l, name);
	EXPECT_STREQ(name, "cubic");
	set_ca(g.b, "reno");
	c = sock_in(g.a, SOCK_STREAM, 0);
	ASSERT_TRUE(c >= 0);
	EXPECT_OK(usn_connect(c, SA(&to), sizeof(to)));
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	ASSERT_TRUE(s >= 0);
	ca_of(s, name);
	EXPECT_STREQ(name, "reno");
	usn_close(s);
	usn_setns(g.a);
	usn_close(c);

	/* TCP_CONGESTION on the listener, even to what it had: inherited. */
	usn_setns(g.b);
	EXPECT_OK(usn_setsockopt(l, IPPROTO_TCP, TCP_CONGESTION_OPT, "cubic", 5));
	set_ca(g.b, "reno");
	c = sock_in(g.a, SOCK_STREAM, 0);
	ASSERT_TRUE(c >= 0);
	EXPECT_OK(usn_connect(c, SA(&to), sizeof(to)));
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	ASSERT_TRUE(s >= 0);
	ca_of(s, name);
	EXPECT_STREQ(name, "cubic");
	usn_close(s);
	usn_close(l);
	usn_setns(g.a);
	usn_close(c);
	set_ca(g.b, "cubic");
	usn_sim_run(SEC);
	rig_close(&g);
}

TEST(idle_restart_keeps_last_data_sent)
{
	char buf[4096] = { 0 };
	struct tcp_sock *tp;
	struct rig g;
	uint32_t sent_at;
	int l, c, s, one = 1;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 6102, &l, &s);
	ASSERT_TRUE(c >= 0);
	usn_setns(g.a);
	tp = tp_of(c);
	ASSERT_TRUE(tp != NULL);
	EXPECT_EQ(usn_send(c, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	usn_sim_run(100 * MS);
	net_lock(g.a);
	sent_at = tp->lsndtime;
	/* Pretend the window had grown, so the restart has work to do. */
	tp->snd_cwnd = 40;
	tp->snd_ssthresh = 20;
	net_unlock(g.a);
	/* Idle for 3 s, far past the RTO, then queue data that stays corked. */
	usn_sim_run(3 * SEC);
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_CORK_OPT, &one, sizeof(one)));
	EXPECT_EQ(usn_send(c, buf, 10, 0), 10);
	net_lock(g.a);
	EXPECT_EQ(tp->packets_out, 0);
	/* The restart ran: back to the initial window ... */
	EXPECT_EQ(tp->snd_cwnd, TCP_INIT_CWND);
	EXPECT_EQ(tp->snd_ssthresh, 30);
	/* ... and lsndtime (tcpi_last_data_sent) still says 3 s ago. */
	EXPECT_EQ(tp->lsndtime, sent_at);
	net_unlock(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(SEC);
	rig_close(&g);
}

TEST(cubic_epoch_moves_by_the_idle_time)
{
	char buf[1000] = { 0 };
	struct tcp_sock *tp;
	struct bictcp *ca;
	struct rig g;
	uint32_t now, epoch, idle;
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 6103, &l, &s);
	ASSERT_TRUE(c >= 0);
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	usn_sim_run(100 * MS);
	tp = tp_of(c);
	ASSERT_TRUE(tp != NULL);
	ASSERT_TRUE(tp->ca_ops && !strcmp(tp->ca_ops->name, "cubic"));
	usn_sim_run(5 * SEC);
	/* An epoch under way (as in congestion avoidance), begun 6 s ago. */
	net_lock(g.a);
	ca = (struct bictcp *)(void *)tp->ca_priv;
	now = tcp_jiffies32(g.a);
	epoch = now - 6000;
	ca->epoch_start = epoch;
	idle = now - tp->lsndtime;
	net_unlock(g.a);
	EXPECT_TRUE(idle >= 5000 && idle < 6000);
	/* Sending after the idle time: TX_START shifts the epoch by it. */
	EXPECT_EQ(usn_send(c, buf, 10, 0), 10);
	net_lock(g.a);
	EXPECT_EQ(ca->epoch_start - epoch, idle);
	EXPECT_EQ(tp->lsndtime, now);
	net_unlock(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(SEC);
	rig_close(&g);
}
