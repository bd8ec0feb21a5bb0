/* SPDX-License-Identifier: MIT */
/*
 * tcp_split_test.c - a segment of several MSS that a SACK block covers in
 * part is split at an MSS boundary and the part the peer holds is tagged
 * (tcp_match_skb_to_sack). The blocks are fed to the scoreboard directly
 * on a real connection whose segments never arrive (simulated time). The
 * sequence index of the retransmit queue is checked against the queue
 * through a lossy transfer.
 */
#include <fcntl.h>
#include "../../family/inet/inet_test.h"
#include "socket/file.h"
#include "socket/socket.h"
#include "transport/tcp/tcp_var.h"

#define SPLIT_SEED	0x5917ULL
#define SEC		1000000000ULL

static void set_loss(struct rig *g, double loss)
{
	struct usn_memlink_params p;

	memset(&p, 0, sizeof(p));
	p.delay_ns = 1 * MS;
	p.loss = loss;
	EXPECT_OK(usn_memlink_set_params(g->a, g->ifa, &p));
}

/* The tcp_sock behind the fd @fd. */
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

/* Feeds @sk the SACK block [@start, @end) as if an ACK carried it. */
static void sack_block(struct sock *sk, uint32_t start, uint32_t end)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_sacktag_state st;
	uint8_t th[32];

	memset(th, 0, sizeof(th));
	th[20] = 1;	/* NOP NOP SACK(10) */
	th[21] = 1;
	th[22] = 5;
	th[23] = 10;
	store_be32(th + 24, start);
	store_be32(th + 28, end);
	tp->rx_opt.rcv_sacks = 1;
	tp->rx_opt.rcv_sack_off = 22;
	memset(&st, 0, sizeof(st));
	tcp_sacktag_write_queue(sk, th, tp->snd_una, tp->snd_una, &st);
	tp->rx_opt.rcv_sacks = 0;
}

/*
 * Two segments of 1448 in flight, then the MSS halves (as after a PMTU
 * drop): a block over the second half of the first one splits it there
 * and tags the half the peer holds; a block that starts inside the
 * second segment, off an MSS boundary, splits it at the next boundary
 * up and tags only what lies wholly inside.
 */
TEST(partly_sacked_segment_is_split)
{
	static char buf[4096];
	struct sockaddr_in to = SIN("10.0.0.2", 6204), any = SIN("0.0.0.0", 6204);
	struct tcp_sock *tp;
	struct sk_buff *skb;
	struct sock *sk;
	struct rig g;
	uint32_t una;
	int l, c, s;

	inet_test_start(SPLIT_SEED);
	ASSERT_TRUE(rig_open(&g));
	set_loss(&g, 0);
	l = sock_in(g.b, SOCK_STREAM, 0);
	ASSERT_TRUE(l >= 0);
	ASSERT_TRUE(!usn_bind(l, SA(&any), sizeof(any)));
	ASSERT_TRUE(!usn_listen(l, 4));
	c = sock_in(g.a, SOCK_STREAM, 0);
	ASSERT_TRUE(c >= 0);
	ASSERT_TRUE(!usn_connect(c, SA(&to), sizeof(to)));
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	ASSERT_TRUE(s >= 0);
	set_loss(&g, 1.0);	/* nothing arrives: all stays queued */
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, buf, 2 * 1448, 0), 2 * 1448);
	sk = fd_sk(c);
	ASSERT_TRUE(sk != NULL);
	tp = tcp_sk(sk);
	net_lock(g.a);
	EXPECT_EQ(tp->packets_out, 2);
	una = tp->snd_una;
	tp->mss_cache = 724;
	sack_block(sk, una + 724, una + 1448);
	EXPECT_EQ(tp->packets_out, 3);
	EXPECT_EQ(tp->sacked_out, 1);
	skb = tcp_rtx_queue_head(sk);
	EXPECT_EQ(skb->len, 724);
	EXPECT_EQ(TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED, 0);
	skb = skb_next_in(&sk->sk_write_queue, skb);
	EXPECT_EQ(TCP_SKB_CB(skb)->seq, una + 724);
	EXPECT_TRUE(TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED);
	/* Off a boundary: [1448 + 100, 2896) splits at 1448 + 724. */
	sack_block(sk, una + 1448 + 100, una + 2896);
	EXPECT_EQ(tp->packets_out, 4);
	EXPECT_EQ(tp->sacked_out, 2);
	skb = skb_next_in(&sk->sk_write_queue, skb);
	EXPECT_EQ(TCP_SKB_CB(skb)->seq, una + 1448);
	EXPECT_EQ(skb->len, 724);
	EXPECT_EQ(TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED, 0);
	skb = skb_next_in(&sk->sk_write_queue, skb);
	EXPECT_EQ(TCP_SKB_CB(skb)->seq, una + 2172);
	EXPECT_TRUE(TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED);
	/* The sequence index followed both splits: every segment is found. */
	for (skb = tcp_rtx_queue_head(sk); skb && skb != tp->send_head;
	     skb = skb_next_in(&sk->sk_write_queue, skb)) {
		EXPECT_TRUE(tcp_rtx_index_find(sk, TCP_SKB_CB(skb)->seq) == skb);
		EXPECT_TRUE(tcp_rtx_index_find(sk, TCP_SKB_CB(skb)->end_seq - 1) ==
			    skb);
	}
	EXPECT_TRUE(tcp_rtx_index_find(sk, una + 2896) == NULL);
	/* A block inside one MSS splits nothing. */
	sack_block(sk, una + 100, una + 600);
	EXPECT_EQ(tp->packets_out, 4);
	EXPECT_EQ(tp->sacked_out, 2);
	net_unlock(g.a);
	/* The link heals: the holes are repaired, the stream is intact. */
	set_loss(&g, 0);
	usn_sim_run(3 * SEC);
	usn_setns(g.b);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), MSG_DONTWAIT), 2 * 1448);
	usn_close(s);
	usn_close(l);
	usn_setns(g.a);
	usn_close(c);
	usn_sim_run(2 * SEC);
	rig_close(&g);
}

/* Every sent segment found through the index, at its first and last byte. */
static unsigned int index_mismatches(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int bad = 0;
	struct sk_buff *skb;

	for (skb = tcp_rtx_queue_head(sk); skb && skb != tp->send_head;
	     skb = skb_next_in(&sk->sk_write_queue, skb)) {
		const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);

		if (tcp_rtx_index_find(sk, cb->seq) != skb ||
		    tcp_rtx_index_find(sk, cb->end_seq - 1) != skb)
			bad++;
	}
	return bad;
}

/*
 * A lossy transfer (SACK recoveries, RTOs, TLPs, frees from the head):
 * checked every millisecond, the index always matches the queue.
 */
TEST(sequence_index_follows_the_queue)
{
	static char buf[65536];
	struct sockaddr_in to = SIN("10.0.0.2", 6205), any = SIN("0.0.0.0", 6205);
	const uint64_t total = 2u << 20;
	uint64_t sent = 0, got = 0;
	unsigned int bad = 0, checks = 0;
	struct sock *sk;
	struct rig g;
	int l, c, s;

	inet_test_start(SPLIT_SEED);
	ASSERT_TRUE(rig_open(&g));
	set_loss(&g, 0);
	l = sock_in(g.b, SOCK_STREAM, 0);
	ASSERT_TRUE(l >= 0);
	ASSERT_TRUE(!usn_bind(l, SA(&any), sizeof(any)));
	ASSERT_TRUE(!usn_listen(l, 4));
	c = sock_in(g.a, SOCK_STREAM, 0);
	ASSERT_TRUE(c >= 0);
	ASSERT_TRUE(!usn_connect(c, SA(&to), sizeof(to)));
	usn_setns(g.b);
	s = usn_accept(l, NULL, NULL);
	ASSERT_TRUE(s >= 0);
	usn_fcntl(s, F_SETFL, O_NONBLOCK);
	usn_setns(g.a);
	usn_fcntl(c, F_SETFL, O_NONBLOCK);
	sk = fd_sk(c);
	ASSERT_TRUE(sk != NULL);
	set_loss(&g, 0.05);
	for (int step = 0; got < total && step < 600000; step++) {
		ssize_t n;

		usn_setns(g.a);
		while (sent < total &&
		       (n = usn_send(c, buf, (size_t)min_t(uint64_t, sizeof(buf),
							 total - sent), 0)) > 0)
			sent += (uint64_t)n;
		net_lock(g.a);
		bad += index_mismatches(sk);
		checks++;
		net_unlock(g.a);
		usn_setns(g.b);
		while ((n = usn_recv(s, buf, sizeof(buf), 0)) > 0)
			got += (uint64_t)n;
		usn_sim_run(1 * MS);
	}
	EXPECT_EQ(got, total);
	EXPECT_EQ(bad, 0);
	EXPECT_TRUE(checks > 100);
	EXPECT_TRUE(snmp(g.a, "TcpExt.TCPSackRecovery") > 0);
	set_loss(&g, 0);
	usn_close(s);
	usn_close(l);
	usn_setns(g.a);
	usn_close(c);
	usn_sim_run(2 * SEC);
	rig_close(&g);
}
