/* SPDX-License-Identifier: MIT */
/*
 * tcp_filter_test.c - socket filters on TCP sockets (tcp_filter() in
 * tcp_v4_rcv): a segment the program drops is counted (socket filter) and
 * never acknowledged, so the peer retransmits it and the data arrives once
 * the filter is detached; a program sees the segment from its TCP header
 * and may cut the payload; a listener's filter speaks for its SYNs and
 * handshakes and is inherited by the sockets it accepts.
 */
#include <linux/filter.h>
#include "transport/tcp/tcp_test_util.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* Drops segments whose IP total length is over 100 bytes: data, not ACKs. */
static struct sock_filter drop_long[] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, SKF_NET_OFF + 2),
	BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 100, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0),
	BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
};

/* Drops segments whose payload starts with 'X' (offsets from the TCP header). */
static struct sock_filter drop_x[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 12),		/* data offset */
	BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 2),
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x3c),
	BPF_STMT(BPF_MISC | BPF_TAX, 0),
	BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
	BPF_JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 3),	/* no payload: keep */
	BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 'X', 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0),
	BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
};

/* Keeps the TCP header and the first 10 bytes of payload. */
static struct sock_filter keep_10[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 12),
	BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 2),
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x3c),
	BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 10),
	BPF_STMT(BPF_RET | BPF_A, 0),
};

static struct sock_filter drop_all[] = {
	BPF_STMT(BPF_RET | BPF_K, 0),
};

static int attach(int fd, struct sock_filter *prog, unsigned short len)
{
	struct sock_fprog fp = { len, prog };

	return usn_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
}

static int detach(int fd)
{
	int one = 1;

	return usn_setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &one, sizeof(one));
}

static unsigned int filter_len(int fd)
{
	socklen_t len = 0;

	if (usn_getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &len))
		return ~0u;
	return len;
}

static uint32_t total_retrans(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	usn_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	return ti.tcpi_total_retrans;
}

static uint64_t filtered(void)
{
	return skb_drop_count(SKB_DROP_REASON_SOCKET_FILTER);
}

/* Data segments @srv's filter drops: retransmitted, never acked, then delivered. */
static void held_until_detached(struct sock_filter *prog, unsigned short len,
				const char *data)
{
	static struct capture cap;
	struct rig g;
	int lfd, srv, c;
	uint64_t drops0;
	size_t n = strlen(data);
	char buf[256];

	inet_test_start(11);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 80, &lfd, &srv);
	ASSERT_TRUE(c >= 0);
	usn_setns(g.b);
	EXPECT_OK(attach(srv, prog, len));
	cap_start(&cap, g.b);
	drops0 = filtered();
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, data, n, 0), (ssize_t)n);
	usn_sim_run(3000 * MS);
	usn_setns(g.b);
	EXPECT_ERRNO(usn_recv(srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	usn_setns(g.a);
	EXPECT_TRUE(total_retrans(c) >= 2);
	/* Each copy was dropped by the filter; none drew an ACK. */
	EXPECT_EQ(filtered() - drops0, (uint64_t)total_retrans(c) + 1);
	EXPECT_EQ(cap_count(&cap, false, 0), total_retrans(c) + 1);
	EXPECT_EQ(cap_count(&cap, true, 0), 0);
	usn_setns(g.b);
	EXPECT_OK(detach(srv));
	EXPECT_ERRNO(detach(srv), ENOENT);
	set_rcvtimeo(srv, 10000);
	EXPECT_EQ(usn_recv(srv, buf, sizeof(buf), 0), (ssize_t)n);
	EXPECT_EQ(memcmp(buf, data, n), 0);
	EXPECT_TRUE(cap_count(&cap, true, TH_ACK) >= 1);
	cap_stop(&cap);
	usn_close(srv);
	usn_close(lfd);
	usn_setns(g.a);
	usn_close(c);
	rig_close(&g);
}

TEST(ip_length_filter_holds_data_until_detached)
{
	held_until_detached(drop_long, ARRAY_LEN(drop_long),
			    "a segment long enough to be dropped: over one "
			    "hundred bytes of IP datagram, header included, "
			    "so the filter refuses it");
}

TEST(payload_byte_filter_sees_the_tcp_header)
{
	held_until_detached(drop_x, ARRAY_LEN(drop_x), "Xylophone");
}

/* A program that returns less than the segment cuts its payload. */
TEST(filter_trims_the_payload)
{
	struct rig g;
	int lfd, srv, c;
	char data[100], buf[128];
	ssize_t got = 0, n;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)stream_byte(i);
	inet_test_start(11);
	ASSERT_TRUE(rig_open(&g));
	c = tcp_pair(&g, 81, &lfd, &srv);
	ASSERT_TRUE(c >= 0);
	usn_setns(g.b);
	EXPECT_OK(attach(srv, keep_10, ARRAY_LEN(keep_10)));
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	usn_sim_run(100 * MS);
	usn_setns(g.b);
	/* The first 10 bytes only: the rest was cut, the ACK says so. */
	EXPECT_EQ(usn_recv(srv, buf, sizeof(buf), MSG_DONTWAIT), 10);
	EXPECT_EQ(memcmp(buf, data, 10), 0);
	EXPECT_ERRNO(usn_recv(srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_OK(detach(srv));
	set_rcvtimeo(srv, 10000);
	got = 10;
	while (got < (ssize_t)sizeof(data)) {
		n = usn_recv(srv, buf + got, sizeof(buf) - (size_t)got, 0);
		if (n <= 0)
			break;
		got += n;
	}
	EXPECT_EQ(got, (ssize_t)sizeof(data));
	EXPECT_EQ(memcmp(buf + 10, data + 10, sizeof(data) - 10), 0);
	usn_close(srv);
	usn_close(lfd);
	usn_setns(g.a);
	usn_close(c);
	rig_close(&g);
}

/*
 * A listener's filter: dropping everything, SYNs go unanswered (the client
 * retransmits); a data filter lets the handshake through, and the accepted
 * socket inherits it until it detaches its own copy.
 */
TEST(listener_filter_and_inheritance)
{
	static struct capture cap;
	struct sockaddr_in to = SIN("10.0.0.2", 82);
	const char data[] = "Xerxes sends a greeting of more than a hundred "
			    "bytes of IP datagram so that the inherited filter "
			    "drops it";
	uint64_t drops0;
	struct rig g;
	int lfd, srv, c;
	char buf[256];

	inet_test_start(11);
	ASSERT_TRUE(rig_open(&g));
	lfd = tcp_listener(g.b, "0.0.0.0", 82, 4);
	ASSERT_TRUE(lfd >= 0);
	EXPECT_OK(attach(lfd, drop_all, ARRAY_LEN(drop_all)));
	cap_start(&cap, g.b);
	drops0 = filtered();
	c = sock_in(g.a, SOCK_STREAM, 0);
	usn_fcntl(c, F_SETFL, O_NONBLOCK);
	EXPECT_ERRNO(usn_connect(c, SA(&to), sizeof(to)), EINPROGRESS);
	usn_sim_run(1500 * MS);		/* the SYN and its first retransmission */
	EXPECT_EQ(tcp_state(c), TCP_SYN_SENT);
	EXPECT_EQ(filtered() - drops0, 2);
	EXPECT_EQ(cap_count(&cap, false, TH_SYN), 2);
	EXPECT_EQ(cap_count(&cap, true, 0), 0);	/* no SYN-ACK, no RST */

	/* SO_ATTACH_FILTER replaces the program. */
	usn_setns(g.b);
	EXPECT_OK(attach(lfd, drop_long, ARRAY_LEN(drop_long)));
	EXPECT_EQ(filter_len(lfd), ARRAY_LEN(drop_long));
	usn_sim_run(2000 * MS);		/* the next SYN gets through */
	EXPECT_EQ(tcp_state(c), TCP_ESTABLISHED);
	usn_setns(g.b);
	srv = usn_accept(lfd, NULL, NULL);
	ASSERT_TRUE(srv >= 0);
	EXPECT_EQ(filter_len(srv), ARRAY_LEN(drop_long));
	drops0 = filtered();
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	usn_sim_run(1000 * MS);
	EXPECT_TRUE(filtered() - drops0 >= 2);
	usn_setns(g.b);
	EXPECT_ERRNO(usn_recv(srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* The child's copy goes; the listener keeps its own. */
	EXPECT_OK(detach(srv));
	EXPECT_EQ(filter_len(lfd), ARRAY_LEN(drop_long));
	set_rcvtimeo(srv, 10000);
	EXPECT_EQ(usn_recv(srv, buf, sizeof(buf), 0), (ssize_t)sizeof(data));
	EXPECT_EQ(memcmp(buf, data, sizeof(data)), 0);
	cap_stop(&cap);
	usn_close(srv);
	usn_close(lfd);
	usn_setns(g.a);
	usn_close(c);
	rig_close(&g);
}
