/* SPDX-License-Identifier: MIT */
/*
 * tcp_sack_test.c - SACK, D-SACK, RACK-TLP, F-RTO and undo between two
 * namespaces on a memlink (simulated time): the blocks on the wire,
 * transfers with loss that recover by SACK rather than by timeouts, a
 * D-SACK for duplicated segments, a tail loss probe, reordering that RACK
 * learns, and determinism of the whole run.
 */
#include <sys/wait.h>
#include <unistd.h>
#include "tcp_test_util.h"

#define RUN_SEED	0x5ac4ULL

static uint64_t wire_losses(struct usn_net *net, int ifindex)
{
	struct usn_link_stats st;

	memset(&st, 0, sizeof(st));
	usn_link_stats(net, ifindex, &st);
	return st.drops[SKB_DROP_REASON_WIRE_LOSS];
}

static void set_link(struct rig *g, double loss, double dup, double reorder)
{
	struct usn_memlink_params p;

	memset(&p, 0, sizeof(p));
	p.loss = loss;
	p.duplicate = dup;
	p.reorder = reorder;
	p.delay_ns = 1 * MS;
	EXPECT_OK(usn_memlink_set_params(g->a, g->ifa, &p));
	p.loss = 0;	/* the ACK path is clean: losses are the data's */
	p.duplicate = 0;
	EXPECT_OK(usn_memlink_set_params(g->b, g->ifb, &p));
}

static void close_pair(struct rig *g, int c, int s, int l)
{
	struct usn_memlink_params p;

	memset(&p, 0, sizeof(p));
	usn_memlink_set_params(g->a, g->ifa, &p);
	usn_memlink_set_params(g->b, g->ifb, &p);
	usn_setns(g->a);
	usn_close(c);
	usn_setns(g->b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(2 * SEC);
	rig_close(g);
}

/* Every SACK option @c saw from b: layout and blocks valid for the stream. */
static unsigned int check_sack_blocks(const struct capture *c)
{
	unsigned int n = 0;

	for (unsigned int k = 0; k < c->n; k++) {
		const struct seg *s = &c->s[k];
		unsigned int off = 0, len, nb;

		if (!s->out || s->doff <= 32)
			continue;
		/* NOP NOP timestamps, then NOP NOP SACK. */
		if (s->opt[0] != 1 || s->opt[1] != 1 || s->opt[2] != 8)
			continue;
		off = 12;
		EXPECT_EQ(s->opt[off], 1);
		EXPECT_EQ(s->opt[off + 1], 1);
		EXPECT_EQ(s->opt[off + 2], 5);
		len = s->opt[off + 3];
		nb = (len - 2) / 8;
		EXPECT_TRUE(nb >= 1 && nb <= 3);	/* 3 with timestamps */
		EXPECT_EQ(s->doff, 20 + 12 + 4 + nb * 8);
		for (unsigned int i = 0; i < nb; i++) {
			uint32_t st = load_be32(s->opt + off + 4 + 8 * i);
			uint32_t en = load_be32(s->opt + off + 8 + 8 * i);

			EXPECT_TRUE((int32_t)(en - st) > 0);
			/* A block below the ACK is a D-SACK: only the first. */
			if (i > 0)
				EXPECT_TRUE((int32_t)(st - s->ack) > 0);
		}
		n++;
	}
	return n;
}

static void sack_transfer(double loss, uint64_t bytes, uint16_t port)
{
	static struct capture cap;
	uint64_t rto, retrans, lost;
	struct rig g;
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	set_link(&g, 0, 0, 0);	/* the handshake measures the real RTT */
	c = tcp_pair(&g, port, &l, &s);
	ASSERT_TRUE(c >= 0);
	cap_start(&cap, g.b);
	set_link(&g, loss, 0, 0);
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, bytes, NULL), (int64_t)bytes);
	cap_stop(&cap);
	EXPECT_TRUE(check_sack_blocks(&cap) > 0);
	rto = snmp(g.a, "TcpExt.TCPTimeouts");
	retrans = snmp(g.a, "Tcp.RetransSegs");
	lost = wire_losses(g.a, g.ifa);
	EXPECT_TRUE(snmp(g.a, "TcpExt.TCPSackRecovery") > 0);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPRenoRecovery"), 0);
	EXPECT_TRUE(lost > 0);
	/* Retransmissions close to the losses, few timeouts. */
	EXPECT_TRUE(retrans >= lost / 2);
	EXPECT_TRUE(retrans <= 2 * lost + 10);
	EXPECT_TRUE(rto * 10 <= lost + 10);
	fprintf(stderr, "  loss %.0f%%: %llu lost, %llu retransmitted, %llu RTOs, "
		"%llu SACK recoveries, %llu probes, %llu lost retransmits\n",
		loss * 100, (unsigned long long)lost,
		(unsigned long long)retrans, (unsigned long long)rto,
		(unsigned long long)snmp(g.a, "TcpExt.TCPSackRecovery"),
		(unsigned long long)snmp(g.a, "TcpExt.TCPLossProbes"),
		(unsigned long long)snmp(g.a, "TcpExt.TCPLostRetransmit"));
	close_pair(&g, c, s, l);
}

TEST(sack_recovery_with_1_percent_loss)
{
	sack_transfer(0.01, 8u << 20, 6001);
}

TEST(sack_recovery_with_5_percent_loss)
{
	sack_transfer(0.05, 4u << 20, 6002);
}

TEST(sack_recovery_with_20_percent_loss)
{
	struct rig g;
	int l, c, s;

	/* 20%: too many holes for few timeouts; it must stay byte-exact. */
	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	set_link(&g, 0, 0, 0);
	c = tcp_pair(&g, 6003, &l, &s);
	ASSERT_TRUE(c >= 0);
	set_link(&g, 0.20, 0, 0);
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 1u << 20, NULL), 1 << 20);
	EXPECT_TRUE(snmp(g.a, "TcpExt.TCPSackRecovery") > 0);
	close_pair(&g, c, s, l);
}

TEST(dsack_for_duplicated_segments)
{
	struct rig g;
	int l, c, s;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	set_link(&g, 0, 0, 0);
	c = tcp_pair(&g, 6004, &l, &s);
	ASSERT_TRUE(c >= 0);
	set_link(&g, 0, 0.05, 0);
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 2u << 20, NULL), 2 << 20);
	EXPECT_TRUE(snmp(g.b, "TcpExt.TCPDSACKOldSent") > 0);
	EXPECT_TRUE(snmp(g.a, "TcpExt.TCPDSACKRecv") > 0);
	/* Duplicates are no loss. */
	EXPECT_EQ(snmp(g.a, "Tcp.RetransSegs"), 0);
	close_pair(&g, c, s, l);
}

TEST(tail_loss_probe_repairs_a_lost_tail)
{
	static char buf[20000];
	struct usn_memlink_params p;
	struct rig g;
	int l, c, s, one = 1;
	ssize_t got = 0, r;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	set_link(&g, 0, 0, 0);
	c = tcp_pair(&g, 6005, &l, &s);
	ASSERT_TRUE(c >= 0);
	set_link(&g, 0, 0, 0);
	/* An RTT sample first. */
	usn_setns(g.a);
	usn_setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	EXPECT_EQ(usn_send(c, buf, 100, 0), 100);
	usn_sim_run(50 * MS);
	usn_setns(g.b);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 100);
	/* Six segments; the last two are lost. */
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, buf, 4 * 1448, 0), 4 * 1448);
	memset(&p, 0, sizeof(p));
	p.delay_ns = 1 * MS;
	p.loss = 1.0;
	EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
	EXPECT_EQ(usn_send(c, buf, 1448 + 1000, 0), 1448 + 1000);
	p.loss = 0;
	EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
	/* The probe goes out after 2 SRTT (+2 ms), long before the RTO (200 ms+). */
	usn_sim_run(60 * MS);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPLossProbes"), 1);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPTimeouts"), 0);
	usn_setns(g.b);
	while ((r = usn_recv(s, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		got += r;
	EXPECT_EQ(got, 5 * 1448 + 1000);
	/* The probe (the last segment), then the hole RACK finds before it. */
	EXPECT_EQ(snmp(g.a, "Tcp.RetransSegs"), 2);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPSackRecovery"), 1);
	/* Recovery ended the probe's episode: no probe recovery counted. */
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPLossProbeRecovery"), 0);

	/* One segment out and lost: the PTO (2 SRTT + 200 ms, capped by the RTO) fires, not the RTO. */
	usn_sim_run(50 * MS);
	usn_setns(g.a);
	p.loss = 1.0;
	EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
	EXPECT_EQ(usn_send(c, buf, 500, 0), 500);
	p.loss = 0;
	EXPECT_OK(usn_memlink_set_params(g.a, g.ifa, &p));
	usn_sim_run(400 * MS);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPLossProbes"), 2);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPTimeouts"), 0);
	usn_setns(g.b);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), MSG_DONTWAIT), 500);
	/* The next ACK above the probe closes the episode: the probe repaired a loss. */
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, buf, 100, 0), 100);
	usn_sim_run(50 * MS);
	EXPECT_EQ(snmp(g.a, "TcpExt.TCPLossProbeRecovery"), 1);
	close_pair(&g, c, s, l);
}

TEST(reordering_is_learned)
{
	struct rig g;
	int l, c, s;
	uint64_t retrans;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	set_link(&g, 0, 0, 0);
	c = tcp_pair(&g, 6006, &l, &s);
	ASSERT_TRUE(c >= 0);
	set_link(&g, 0, 0, 0.02);
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 8u << 20, NULL), 8 << 20);
	retrans = snmp(g.a, "Tcp.RetransSegs");
	EXPECT_TRUE(snmp(g.a, "TcpExt.TCPSACKReorder") > 0);
	/* No loss at all: spurious retransmissions stay rare once RACK adapts. */
	EXPECT_TRUE(retrans * 100 <= (8u << 20) / 1448);
	fprintf(stderr, "  reorder 2%%: %llu retransmitted, %llu reorderings, "
		"%llu D-SACKs, %llu undos\n", (unsigned long long)retrans,
		(unsigned long long)snmp(g.a, "TcpExt.TCPSACKReorder"),
		(unsigned long long)snmp(g.a, "TcpExt.TCPDSACKRecv"),
		(unsigned long long)snmp(g.a, "TcpExt.TCPDSACKUndo"));
	close_pair(&g, c, s, l);
}

TEST(spurious_rto_is_undone)
{
	static char buf[20000];
	struct usn_memlink_params p;
	struct rig g;
	int l, c, s, one = 1;
	ssize_t got = 0, r;

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	set_link(&g, 0, 0, 0);
	c = tcp_pair(&g, 6007, &l, &s);
	ASSERT_TRUE(c >= 0);
	set_link(&g, 0, 0, 0);
	usn_setns(g.a);
	usn_setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	EXPECT_EQ(usn_send(c, buf, 100, 0), 100);
	usn_sim_run(50 * MS);
	usn_setns(g.b);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 100);
	/*
	 * The ACKs of the next flight are held up past several RTOs (a delay
	 * spike): the first that arrives echoes the original's timestamp
	 * (Eifel, RFC 3522): the timeouts were spurious and are undone.
	 */
	memset(&p, 0, sizeof(p));
	p.delay_ns = 1500 * MS;
	EXPECT_OK(usn_memlink_set_params(g.b, g.ifb, &p));
	usn_setns(g.a);
	EXPECT_EQ(usn_send(c, buf, 8 * 1448, 0), 8 * 1448);
	/* Until the retransmissions' ACKs queue behind the originals' too. */
	usn_sim_run(1450 * MS);
	p.delay_ns = 1 * MS;
	EXPECT_OK(usn_memlink_set_params(g.b, g.ifb, &p));
	usn_sim_run(3 * SEC);
	EXPECT_TRUE(snmp(g.a, "TcpExt.TCPTimeouts") >= 1);
	EXPECT_TRUE(snmp(g.a, "TcpExt.TCPLossUndo") +
		    snmp(g.a, "TcpExt.TCPSpuriousRTOs") >= 1);
	{
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		/* The window before the timeout is back, the state open. */
		usn_setns(g.a);
		EXPECT_OK(usn_getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
		EXPECT_TRUE(ti.tcpi_snd_cwnd >= 10);
		EXPECT_EQ(ti.tcpi_ca_state, 0);
	}
	usn_setns(g.b);
	while ((r = usn_recv(s, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		got += r;
	EXPECT_EQ(got, 8 * 1448);
	fprintf(stderr, "  spurious RTO: %llu timeouts, %llu loss undos, "
		"%llu spurious RTOs, %llu D-SACKs\n",
		(unsigned long long)snmp(g.a, "TcpExt.TCPTimeouts"),
		(unsigned long long)snmp(g.a, "TcpExt.TCPLossUndo"),
		(unsigned long long)snmp(g.a, "TcpExt.TCPSpuriousRTOs"),
		(unsigned long long)snmp(g.a, "TcpExt.TCPDSACKRecv"));
	close_pair(&g, c, s, l);
}

/* One lossy transfer written to @path as a pcap, in a child process. */
static int pcap_run(const char *path)
{
	pid_t pid = fork();
	int status = 0;

	if (pid < 0)
		return -1;
	if (!pid) {
		struct rig g;
		int l, c, s;
		int64_t n;

		inet_test_start(RUN_SEED);
		if (!rig_open(&g))
			_exit(2);
		set_link(&g, 0, 0, 0);
		c = tcp_pair(&g, 6008, &l, &s);
		if (c < 0)
			_exit(3);
		set_link(&g, 0.03, 0.01, 0.01);
		usn_link_pcap(g.b, g.ifb, path);
		n = bulk_transfer(g.a, c, g.b, s, 1u << 20, NULL);
		usn_link_pcap(g.b, g.ifb, NULL);
		_exit(n == (1 << 20) ? 0 : 4);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long file_compare(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	long n = 0;
	int ca, cb;

	if (!fa || !fb) {
		if (fa)
			fclose(fa);
		if (fb)
			fclose(fb);
		return -1;
	}
	do {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb) {
			n = -2;
			break;
		}
		n++;
	} while (ca != EOF);
	fclose(fa);
	fclose(fb);
	return n;
}

TEST(same_seed_same_pcap)
{
	char p1[64], p2[64];

	snprintf(p1, sizeof(p1), "/tmp/usnet-sack-%d-1.pcap", (int)getpid());
	snprintf(p2, sizeof(p2), "/tmp/usnet-sack-%d-2.pcap", (int)getpid());
	EXPECT_EQ(pcap_run(p1), 0);
	EXPECT_EQ(pcap_run(p2), 0);
	EXPECT_TRUE(file_compare(p1, p2) > 100000);
	unlink(p1);
	unlink(p2);
}

/* One 5% loss transfer; returns its virtual duration, *@rto the timeouts. */
static uint64_t timed_transfer(bool sack, bool ts, uint64_t *rto,
			       uint64_t *recoveries)
{
	static struct capture cap;
	uint64_t t0, t;
	struct rig g;
	int l, c, s;

	inet_test_start(RUN_SEED);
	if (!rig_open(&g))
		return 0;
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_sack", NULL, NULL, sack ? "1" : "0"));
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_timestamps", NULL, NULL, ts ? "1" : "0"));
	EXPECT_OK(usn_sysctl(g.b, "net.ipv4.tcp_timestamps", NULL, NULL, ts ? "1" : "0"));
	set_link(&g, 0, 0, 0);
	c = tcp_pair(&g, 6009, &l, &s);
	if (c < 0)
		return 0;
	cap_start(&cap, g.b);
	set_link(&g, 0.05, 0, 0);
	t0 = usn_sim_now();
	EXPECT_EQ(bulk_transfer(g.a, c, g.b, s, 4u << 20, NULL), 4 << 20);
	t = usn_sim_now() - t0;
	cap_stop(&cap);
	/* Without timestamps: NOP NOP SACK, up to four blocks. */
	for (unsigned int k = 0; sack && !ts && k < cap.n; k++) {
		const struct seg *sg = &cap.s[k];

		if (!sg->out || sg->doff == 20)
			continue;
		EXPECT_EQ(sg->opt[0], 1);
		EXPECT_EQ(sg->opt[1], 1);
		EXPECT_EQ(sg->opt[2], 5);
		EXPECT_EQ(sg->doff, 20 + 2u + sg->opt[3]);
		EXPECT_TRUE(sg->opt[3] >= 10 && sg->opt[3] <= 34);
	}
	*rto = snmp(g.a, "TcpExt.TCPTimeouts");
	*recoveries = snmp(g.a, sack ? "TcpExt.TCPSackRecovery" :
			   "TcpExt.TCPRenoRecovery");
	close_pair(&g, c, s, l);
	return t;
}

TEST(sack_recovers_faster_than_newreno)
{
	uint64_t rto_sack, rto_reno, rto_nots, rec_sack, rec_reno, rec_nots;
	uint64_t t_sack = timed_transfer(true, true, &rto_sack, &rec_sack);
	uint64_t t_reno = timed_transfer(false, true, &rto_reno, &rec_reno);
	uint64_t t_nots = timed_transfer(true, false, &rto_nots, &rec_nots);

	fprintf(stderr, "  5%% loss, 4 MiB: SACK %.3f s (%llu RTOs), NewReno "
		"%.3f s (%llu RTOs), SACK without timestamps %.3f s (%llu RTOs)\n",
		t_sack / 1e9, (unsigned long long)rto_sack, t_reno / 1e9,
		(unsigned long long)rto_reno, t_nots / 1e9,
		(unsigned long long)rto_nots);
	EXPECT_TRUE(t_sack > 0 && t_reno > 0 && t_nots > 0);
	EXPECT_TRUE(rec_sack > 0 && rec_reno > 0 && rec_nots > 0);
	EXPECT_TRUE(rto_sack < rto_reno);
	EXPECT_TRUE(t_sack < t_reno);
}
