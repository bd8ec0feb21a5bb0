/* SPDX-License-Identifier: MIT */
/*
 * tcp_mem_test.c - TCP memory pressure (net.ipv4.tcp_mem, per namespace),
 * in simulated time over a memlink: connections whose readers sleep push
 * a namespace with a tiny tcp_mem into pressure (TCPMemoryPressures,
 * rcv_ssthresh clamped, the advertised window shut) and never past its
 * hard limit; out-of-order data is pruned (OfoPruned) while the stream
 * still arrives byte for byte; a writer the pool refuses waits (EAGAIN,
 * SO_SNDTIMEO) and goes on once memory frees; the pages held return to 0
 * once every socket is closed (/proc/net/sockstat's "TCP: alloc, mem").
 */
#include "tcp_test_util.h"
#include "transport/tcp/tcp_seq.h"

#define RUN_SEED	0x7c9ULL
#define NCONN		8
#define PORT		6100

struct conns {
	struct rig	g;
	int		l;
	int		c[NCONN], s[NCONN];
	uint64_t	sent[NCONN], got[NCONN];
	uint64_t	hs[NCONN], hr[NCONN];	/* FNV of what went, what came */
};

static uint64_t mem_of(struct usn_net *net)
{
	return snmp(net, "Sockstat.TCP.mem");
}

static void set_sysctl(struct usn_net *net, const char *name, const char *v)
{
	EXPECT_OK(usn_sysctl(net, name, NULL, NULL, v));
}

/* NCONN connections a -> b, every end non-blocking. */
static void conns_open(struct conns *k, const struct usn_memlink_params *p,
		       const char *tcp_mem_a, const char *tcp_mem_b)
{
	struct sockaddr_in to = SIN("10.0.0.2", PORT);

	memset(k, 0, sizeof(*k));
	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&k->g));
	if (p) {
		EXPECT_OK(usn_memlink_set_params(k->g.a, k->g.ifa, p));
	}
	if (tcp_mem_a)
		set_sysctl(k->g.a, "net.ipv4.tcp_mem", tcp_mem_a);
	if (tcp_mem_b)
		set_sysctl(k->g.b, "net.ipv4.tcp_mem", tcp_mem_b);
	k->l = tcp_listener(k->g.b, "0.0.0.0", PORT, NCONN);
	ASSERT_TRUE(k->l >= 0);
	for (int i = 0; i < NCONN; i++) {
		k->c[i] = sock_in(k->g.a, SOCK_STREAM, 0);
		ASSERT_TRUE(k->c[i] >= 0);
		EXPECT_OK(usn_connect(k->c[i], SA(&to), sizeof(to)));
		EXPECT_OK(usn_fcntl(k->c[i], F_SETFL, O_NONBLOCK));
		usn_setns(k->g.b);
		k->s[i] = usn_accept(k->l, NULL, NULL);
		ASSERT_TRUE(k->s[i] >= 0);
		EXPECT_OK(usn_fcntl(k->s[i], F_SETFL, O_NONBLOCK));
		k->hs[i] = k->hr[i] = FNV_INIT;
	}
}

/* Writes what connection @i takes of its first @total bytes. */
static void conn_send(struct conns *k, int i, uint64_t total)
{
	static uint8_t buf[16384];

	usn_setns(k->g.a);
	while (k->sent[i] < total) {
		size_t n = (size_t)min_t(uint64_t, sizeof(buf), total - k->sent[i]);
		ssize_t w;

		for (size_t j = 0; j < n; j++)
			buf[j] = stream_byte(k->sent[i] + j);
		w = usn_send(k->c[i], buf, n, MSG_NOSIGNAL);
		if (w <= 0) {
			EXPECT_TRUE(w < 0 && errno == EAGAIN);
			break;
		}
		k->hs[i] = fnv1a(k->hs[i], buf, (size_t)w);
		k->sent[i] += (uint64_t)w;
	}
}

/* Reads what connection @i has; false at the first wrong byte. */
static bool conn_recv(struct conns *k, int i)
{
	static uint8_t buf[16384];
	ssize_t r;

	usn_setns(k->g.b);
	while ((r = usn_recv(k->s[i], buf, sizeof(buf), 0)) > 0) {
		for (ssize_t j = 0; j < r; j++)
			if (buf[j] != stream_byte(k->got[i] + (uint64_t)j))
				return false;
		k->hr[i] = fnv1a(k->hr[i], buf, (size_t)r);
		k->got[i] += (uint64_t)r;
	}
	return r < 0 && errno == EAGAIN;
}

/* Sends and reads everything left, @total bytes a connection; byte-exact. */
static void conns_drain(struct conns *k, uint64_t total)
{
	for (int round = 0; round < 200000; round++) {
		bool done = true;

		for (int i = 0; i < NCONN; i++) {
			conn_send(k, i, total);
			ASSERT_TRUE(conn_recv(k, i));
			done &= k->got[i] == total;
		}
		if (done)
			break;
		usn_sim_run(MS);
	}
	for (int i = 0; i < NCONN; i++) {
		EXPECT_EQ(k->got[i], total);
		EXPECT_EQ(k->hr[i], k->hs[i]);
	}
}

/* Closes everything; no TCP page and no TCP socket is left in either namespace. */
static void conns_close(struct conns *k)
{
	for (int i = 0; i < NCONN; i++) {
		usn_setns(k->g.a);
		usn_close(k->c[i]);
		usn_setns(k->g.b);
		usn_close(k->s[i]);
	}
	usn_close(k->l);
	usn_sim_run(5 * SEC);
	EXPECT_EQ(mem_of(k->g.a), 0);
	EXPECT_EQ(mem_of(k->g.b), 0);
	EXPECT_EQ(snmp(k->g.a, "Sockstat.TCP.alloc"), 0);
	EXPECT_EQ(snmp(k->g.b, "Sockstat.TCP.alloc"), 0);
	rig_close(&k->g);
}

static int fionread(struct usn_net *net, int fd)
{
	int n = -1;

	usn_setns(net);
	EXPECT_OK(usn_ioctl(fd, FIONREAD, &n));
	return n;
}

struct fill {
	uint64_t	pressures;
	uint64_t	max_mem;	/* pages, the most b held */
	uint64_t	queued;		/* bytes b took, unread */
	uint32_t	max_ssthresh;	/* the largest rcv_ssthresh of b's ends */
	uint32_t	advmss;
	/*
	 * The largest window b opened (moving the right edge) from 50 ms
	 * into pressure on, or over the whole run without pressure.
	 */
	uint32_t	open_win;
};

/* Every sender writes @per bytes while the readers sleep for 2 s. */
static void fill_unread(struct conns *k, uint64_t per, struct fill *f)
{
	static struct capture cap;
	unsigned int from = 0;
	uint64_t t_pressure = 0;
	uint16_t cport[NCONN];
	struct tcp_info ti;
	socklen_t len;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < NCONN; i++) {
		struct sockaddr_in me;

		len = sizeof(me);
		usn_setns(k->g.a);
		EXPECT_OK(usn_getsockname(k->c[i], SA(&me), &len));
		cport[i] = ntohs(me.sin_port);
	}
	cap_start(&cap, k->g.b);
	for (int t = 0; t < 2000; t++) {
		uint64_t m;

		for (int i = 0; i < NCONN; i++)
			conn_send(k, i, per);
		usn_sim_run(MS);
		m = mem_of(k->g.b);
		if (m > f->max_mem)
			f->max_mem = m;
		if (!t_pressure && snmp(k->g.b, "Sockstat.TCP.pressure"))
			t_pressure = usn_net_now(k->g.b);
		if (t_pressure && !from &&
		    usn_net_now(k->g.b) - t_pressure >= 50 * MS)
			from = cap.n;
	}
	cap_stop(&cap);
	f->pressures = snmp(k->g.b, "TcpExt.TCPMemoryPressures");
	for (int i = 0; i < NCONN; i++) {
		unsigned int ws;

		f->queued += (uint64_t)fionread(k->g.b, k->s[i]);
		len = sizeof(ti);
		memset(&ti, 0, sizeof(ti));
		EXPECT_OK(usn_getsockopt(k->s[i], IPPROTO_TCP, TCP_INFO, &ti, &len));
		if (ti.tcpi_rcv_ssthresh > f->max_ssthresh)
			f->max_ssthresh = ti.tcpi_rcv_ssthresh;
		f->advmss = ti.tcpi_advmss;
		ws = ti.tcpi_rcv_wscale;
		for (unsigned int j = 0, edge = 0, seen = 0; j < cap.n; j++) {
			const struct seg *s = &cap.s[j];
			uint32_t win = (uint32_t)s->win << ws;

			if (!s->out || s->dport != cport[i])
				continue;
			if (seen && after(s->ack + win, edge) && j >= from &&
			    win > f->open_win)
				f->open_win = win;
			if (!seen || after(s->ack + win, edge))
				edge = s->ack + win;
			seen = 1;
		}
	}
}

TEST(tcp_mem_default_and_per_namespace)
{
	struct rig g;
	char v[64];
	size_t len = sizeof(v);

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_mem", v, &len, NULL));
	EXPECT_STREQ(v, "49152\t65536\t98304\n");
	set_sysctl(g.b, "net.ipv4.tcp_mem", "10 20 30");
	len = sizeof(v);
	EXPECT_OK(usn_sysctl(g.b, "net.ipv4.tcp_mem", v, &len, NULL));
	EXPECT_STREQ(v, "10\t20\t30\n");
	len = sizeof(v);
	EXPECT_OK(usn_sysctl(g.a, "net.ipv4.tcp_mem", v, &len, NULL));
	EXPECT_STREQ(v, "49152\t65536\t98304\n");
	EXPECT_ERRNO(usn_sysctl(g.a, "net.ipv4.tcp_mem", NULL, NULL, "-1 2 3"),
		     EINVAL);
	EXPECT_EQ(mem_of(g.a), 0);
	EXPECT_EQ(snmp(g.a, "Sockstat.TCP.pressure"), 0);
	rig_close(&g);
}

/* The same load without pressure: everything fits, nothing is clamped. */
TEST(unread_data_without_pressure)
{
	struct conns k;
	struct fill f;

	conns_open(&k, NULL, NULL, NULL);
	fill_unread(&k, 64 * 1024, &f);
	EXPECT_EQ(f.pressures, 0);
	EXPECT_EQ(f.queued, (uint64_t)NCONN * 64 * 1024);
	EXPECT_TRUE(f.max_ssthresh > 4 * f.advmss);
	EXPECT_TRUE(f.open_win > 4 * f.advmss);
	EXPECT_TRUE(f.max_mem > 32);
	conns_drain(&k, 64 * 1024);
	conns_close(&k);
}

/*
 * tcp_mem "16 24 32" (64, 96, 128 KiB) in b: eight readers asleep with
 * 64 KiB each on the way push b into pressure; its windows shut down to a
 * few segments and it never holds more than max, but for the first buffer
 * of each empty queue that is always taken.
 */
TEST(unread_data_pushes_namespace_into_pressure)
{
	struct conns k;
	struct fill f;
	uint64_t chrono;

	conns_open(&k, NULL, NULL, "16 24 32");
	fill_unread(&k, 64 * 1024, &f);
	EXPECT_EQ(f.pressures, 1);
	EXPECT_EQ(snmp(k.g.b, "Sockstat.TCP.pressure"), 1);
	EXPECT_TRUE(f.max_mem <= 32 + NCONN);
	EXPECT_TRUE(f.max_mem >= 24);
	EXPECT_TRUE(f.queued < (uint64_t)NCONN * 64 * 1024 / 2);
	EXPECT_TRUE(f.max_ssthresh <= 4 * f.advmss);
	EXPECT_TRUE(f.open_win <= 4 * f.advmss + 128);
	EXPECT_TRUE(snmp(k.g.b, "TcpExt.PruneCalled") > 0);
	EXPECT_TRUE(snmp(k.g.b, "TcpExt.TCPRcvQDrop") > 0);
	EXPECT_EQ(snmp(k.g.a, "TcpExt.TCPMemoryPressures"), 0);
	/* The readers wake: every byte arrives, in order, and pressure ends. */
	conns_drain(&k, 64 * 1024);
	EXPECT_EQ(snmp(k.g.b, "Sockstat.TCP.pressure"), 0);
	chrono = snmp(k.g.b, "TcpExt.TCPMemoryPressuresChrono");
	EXPECT_TRUE(chrono >= 1000);
	conns_close(&k);
}

/*
 * A tcp_rmem[0] of 64 KiB guarantees every socket that much even under
 * pressure, but not past max: the hard limit holds.
 */
TEST(hard_limit_holds_over_the_rmem_guarantee)
{
	struct conns k;
	struct fill f;

	conns_open(&k, NULL, NULL, "16 24 32");
	set_sysctl(k.g.b, "net.ipv4.tcp_rmem", "65536 131072 6291456");
	fill_unread(&k, 64 * 1024, &f);
	EXPECT_EQ(f.pressures, 1);
	EXPECT_TRUE(f.max_mem <= 32 + NCONN);
	EXPECT_TRUE(f.queued < (uint64_t)NCONN * 64 * 1024 / 2);
	conns_drain(&k, 64 * 1024);
	conns_close(&k);
}

/*
 * Loss on the way to b makes holes, so b holds out-of-order data while it
 * runs short: that goes first (OfoPruned); what was acknowledged stays,
 * and the streams arrive whole once the readers wake.
 */
TEST(ofo_queue_pruned_in_order_data_intact)
{
	struct usn_memlink_params p;
	struct conns k;
	struct fill f;

	memset(&p, 0, sizeof(p));
	p.loss = 0.05;
	p.delay_ns = 2 * MS;
	conns_open(&k, &p, NULL, "16 24 32");
	fill_unread(&k, 256 * 1024, &f);
	EXPECT_TRUE(f.pressures >= 1);
	EXPECT_TRUE(snmp(k.g.b, "TcpExt.OfoPruned") > 0);
	EXPECT_TRUE(f.max_mem <= 32 + NCONN);
	conns_drain(&k, 256 * 1024);
	conns_close(&k);
}

/*
 * Small segments into a small receive buffer: each costs far more than
 * its bytes, the buffer overflows, and tcp_prune_queue collapses the
 * queue into compact buffers (TCPRcvCollapsed) instead of dropping; the
 * stream arrives whole.
 */
TEST(small_segments_collapsed_not_dropped)
{
	struct rig g;
	int l, c, s, one = 1, rcvbuf = 4096;
	uint64_t sent = 0, got = 0;
	uint8_t buf[4096];

	inet_test_start(RUN_SEED);
	ASSERT_TRUE(rig_open(&g));
	usn_setns(g.b);
	c = tcp_pair(&g, PORT, &l, &s);
	ASSERT_TRUE(c >= 0);
	EXPECT_OK(usn_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf)));
	EXPECT_OK(usn_fcntl(s, F_SETFL, O_NONBLOCK));
	usn_setns(g.a);
	EXPECT_OK(usn_setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	EXPECT_OK(usn_fcntl(c, F_SETFL, O_NONBLOCK));
	for (int t = 0; t < 20000 && got < 200000; t++) {
		ssize_t r, w;

		usn_setns(g.a);
		for (int j = 0; j < 100; j++)
			buf[j] = stream_byte(sent + (uint64_t)j);
		w = sent < 200000 ? usn_send(c, buf, 100, 0) : 0;
		if (w > 0)
			sent += (uint64_t)w;
		usn_sim_run(MS / 10);
		/* The reader wakes once every 200 ms. */
		if (t % 2000 != 1999)
			continue;
		usn_setns(g.b);
		while ((r = usn_recv(s, buf, sizeof(buf), 0)) > 0) {
			for (ssize_t j = 0; j < r; j++)
				ASSERT_TRUE(buf[j] == stream_byte(got + (uint64_t)j));
			got += (uint64_t)r;
		}
	}
	for (int t = 0; t < 1000 && got < sent; t++) {
		ssize_t r;

		usn_sim_run(10 * MS);
		usn_setns(g.b);
		while ((r = usn_recv(s, buf, sizeof(buf), 0)) > 0) {
			for (ssize_t j = 0; j < r; j++)
				ASSERT_TRUE(buf[j] == stream_byte(got + (uint64_t)j));
			got += (uint64_t)r;
		}
	}
	EXPECT_TRUE(sent > 0);
	EXPECT_EQ(got, sent);
	EXPECT_TRUE(snmp(g.b, "TcpExt.TCPRcvCollapsed") > 0);
	EXPECT_TRUE(snmp(g.b, "TcpExt.PruneCalled") > 0);
	usn_setns(g.a);
	usn_close(c);
	usn_setns(g.b);
	usn_close(s);
	usn_close(l);
	usn_sim_run(5 * SEC);
	EXPECT_EQ(mem_of(g.a), 0);
	EXPECT_EQ(mem_of(g.b), 0);
	rig_close(&g);
}

/*
 * tcp_mem "4 6 8" in a: senders whose peers sleep fill a's pool; a new
 * writer is refused (EAGAIN, or its SO_SNDTIMEO), loses nothing, and
 * goes on once the readers free the memory.
 */
TEST(writer_waits_for_memory_then_resumes)
{
	struct conns k;
	struct timeval tv = { 0, 300000 };
	uint8_t buf[4096];
	uint64_t t0, slept;
	int last = NCONN - 1, err;
	ssize_t w;

	conns_open(&k, NULL, "4 6 8", NULL);
	/* Every receive buffer of b full: the data waits in a's write queues. */
	for (int t = 0; t < 1000; t++) {
		for (int i = 0; i < last; i++)
			conn_send(&k, i, 1 << 20);
		usn_sim_run(MS);
	}
	EXPECT_TRUE(snmp(k.g.a, "TcpExt.TCPMemoryPressures") >= 1);
	EXPECT_TRUE(mem_of(k.g.a) <= 8 + 2 * NCONN);
	/* The last connection has sent nothing: the pool refuses it. */
	conn_send(&k, last, 1 << 20);
	EXPECT_TRUE(k.sent[last] < 3 * 4096);
	/* Blocking with a timeout: it waits the timeout, then gives up cleanly. */
	usn_setns(k.g.a);
	EXPECT_OK(usn_fcntl(k.c[last], F_SETFL, 0));
	EXPECT_OK(usn_setsockopt(k.c[last], SOL_SOCKET, SO_SNDTIMEO, &tv,
				 sizeof(tv)));
	for (size_t j = 0; j < sizeof(buf); j++)
		buf[j] = stream_byte(k.sent[last] + j);
	t0 = usn_net_now(k.g.a);
	w = usn_send(k.c[last], buf, sizeof(buf), MSG_NOSIGNAL);
	err = errno;
	slept = usn_net_now(k.g.a) - t0;
	if (w > 0) {
		k.hs[last] = fnv1a(k.hs[last], buf, (size_t)w);
		k.sent[last] += (uint64_t)w;
	} else {
		EXPECT_EQ(w, -1);
		EXPECT_EQ(err, EAGAIN);
	}
	EXPECT_TRUE(slept >= 290 * MS && slept <= 400 * MS);
	EXPECT_OK(usn_fcntl(k.c[last], F_SETFL, O_NONBLOCK));
	/* The readers wake: the writers, the refused one too, finish. */
	conns_drain(&k, 1 << 20);
	EXPECT_TRUE(snmp(k.g.a, "Sockstat.TCP.pressure") == 0);
	conns_close(&k);
}
