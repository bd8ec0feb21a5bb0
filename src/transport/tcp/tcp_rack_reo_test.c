/* SPDX-License-Identifier: MIT */
/*
 * tcp_rack_reo_test.c - RACK's reordering window against
 * net.ipv4.tcp_recovery's TCP_RACK_STATIC_REO_WND bit: on a path that
 * reorders, spurious retransmissions come back as D-SACKs and widen the
 * window step by step (RFC 8985 6.2); with the bit set it stays at one
 * step. The sender's state is sampled every millisecond (simulated time).
 */
#include <fcntl.h>
#include "../../family/inet/inet_test.h"
#include "socket/file.h"
#include "socket/socket.h"
#include "transport/tcp/tcp_var.h"

#define REO_SEED	0x3e0ULL

static struct sock *fd_sk(int fd)
{
	struct file *f = fget(fd);
	struct sock *sk;

	if (!f)
		return NULL;
	sk = f->sock->sk;
	fput(f);
	return sk;
}

/* Moves @total bytes a -> b; returns the largest reo_wnd_steps seen. */
static unsigned int reo_steps_max(const char *recovery, uint64_t *dsacks)
{
	static char buf[65536];
	struct sockaddr_in to = SIN("10.0.0.2", 6301), any = SIN("0.0.0.0", 6301);
	const uint64_t total = 8u << 20;
	struct usn_memlink_params p;
	unsigned int steps = 0;
	uint64_t sent = 0, got = 0;
	bool indexed = false;
	struct sock *sk;
	struct rig g;
	int l, c, s;

	inet_test_start(REO_SEED);
	if (!rig_open(&g))
		return 0;
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_recovery", NULL, NULL,
			     recovery));
	l = sock_in(g.b, SOCK_STREAM, 0);
	EXPECT_TRUE(l >= 0 && !usn_bind(l, SA(&any), sizeof(any)) &&
		    !usn_listen(l, 4));
	c = sock_in(g.a, SOCK_STREAM, 0);
	EXPECT_TRUE(c >= 0 && !usn_connect(c, SA(&to), sizeof(to)));
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	EXPECT_TRUE(s >= 0);
	usn_fcntl(s, F_SETFL, O_NONBLOCK);
	usn_setns(g.a);
	usn_fcntl(c, F_SETFL, O_NONBLOCK);
	sk = fd_sk(c);
	if (!sk)
		return 0;
	memset(&p, 0, sizeof(p));
	p.delay_ns = 1 * MS;
	p.reorder = 0.05;
	p.reorder_delay_ns = 3 * MS;
	EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
	for (int step = 0; got < total && step < 200000; step++) {
		ssize_t n;

		usn_setns(g.a);
		while (sent < total &&
		       (n = usn_send(c, buf, (size_t)min_t(uint64_t, sizeof(buf),
							 total - sent), 0)) > 0)
			sent += (uint64_t)n;
		net_lock(g.a);
		if (tcp_sk(sk)->rack.reo_wnd_steps > steps)
			steps = tcp_sk(sk)->rack.reo_wnd_steps;
		indexed |= tcp_sk(sk)->rtx_index.v != NULL;
		net_unlock(g.a);
		usn_setns(g.b);
		while ((n = usn_recv(s, buf, sizeof(buf), 0)) > 0)
			got += (uint64_t)n;
		usn_sim_run(1 * MS);
	}
	EXPECT_EQ(got, total);
	*dsacks = 0;
	usn_snmp(g.a, "TcpExt.TCPDSACKRecv", dsacks);
	memset(&p, 0, sizeof(p));
	EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
	/*
	 * SACKs built the retransmit queue's index; with everything
	 * acknowledged its array is freed (an idle socket holds none).
	 */
	usn_sim_run(500 * MS);
	EXPECT_TRUE(indexed);
	net_lock(g.a);
	EXPECT_EQ(tcp_sk(sk)->packets_out, 0);
	EXPECT_TRUE(tcp_sk(sk)->rtx_index.v == NULL);
	net_unlock(g.a);
	usn_close(s);
	usn_close(l);
	usn_setns(g.a);
	usn_close(c);
	usn_sim_run(2 * 1000 * MS);
	rig_close(&g);
	return steps;
}

TEST(dsacks_widen_the_reordering_window)
{
	uint64_t dsacks;

	EXPECT_TRUE(reo_steps_max("1", &dsacks) > 1);
	EXPECT_TRUE(dsacks > 0);
}

TEST(static_reo_wnd_keeps_it)
{
	uint64_t dsacks;

	EXPECT_TRUE(reo_steps_max("3", &dsacks) <= 1);
	EXPECT_TRUE(dsacks > 0);	/* there were D-SACKs to ignore */
}
