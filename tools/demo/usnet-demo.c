/* SPDX-License-Identifier: MIT */
/*
 * usnet-demo - shows, in a few lines, what the stack does so far: two
 * namespaces joined by an in-memory Ethernet wire on a simulated clock;
 * raw frames crossing it and the counters that account for each; then
 * IPv4: ARP, ping from a raw ICMP socket and a ping socket, a UDP echo, a
 * 60000-byte datagram in fragments, a TCP connection, and the receive
 * trace of each row of the seed's table built so far; a pcap of it all; the socket layer's
 * answers to bad calls.
 *
 * The link-layer part sends and taps frames with internal calls
 * (dev_queue_xmit, a ptype_all packet_type); the table section then shows
 * every row of the seed's table of receive paths live, one socket of the
 * row's kind at a time, AF_PACKET rows included.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <usnet/usnet.h>
#include "link/netdevice.h"
#include "net/net.h"

#define ETH_P_DEMO	0x88b5	/* IEEE 802 local experimental */

static unsigned int frames_seen;
static uint64_t first_arrival;

static int demo_tap_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig)
{
	if (skb->pkt_type != PACKET_OUTGOING) {
		if (!frames_seen++)
			first_arrival = skb->tstamp;
	}
	consume_skb(skb);
	return 0;
}

static struct packet_type demo_tap = {
	.type = 0x0300,			/* htons(ETH_P_ALL) */
	.func = demo_tap_rcv,
	.name = "demo_tap_rcv",
};

static void die(const char *what)
{
	fprintf(stderr, "usnet-demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static const char *mac(struct usn_net *net, int ifindex)
{
	static char buf[2][18];
	static int i;
	unsigned char a[6];

	i ^= 1;
	if (usn_link_hwaddr(net, ifindex, a) < 0)
		die("usn_link_hwaddr");
	snprintf(buf[i], sizeof(buf[i]), "%02x:%02x:%02x:%02x:%02x:%02x",
		 a[0], a[1], a[2], a[3], a[4], a[5]);
	return buf[i];
}

/* Sends @n frames of @len bytes from @net's device @ifindex to broadcast. */
static void send_frames(struct usn_net *net, int ifindex, int n, unsigned int len)
{
	static const unsigned char bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct net_device *dev;

	net_lock(net);
	dev = dev_get_by_index(net, ifindex);
	for (int i = 0; i < n; i++) {
		struct sk_buff *skb = alloc_skb_headroom(len, USN_MAX_HEADER);

		if (!skb)
			break;
		memset(skb_put(skb, len), i & 0xff, len);
		dev_hard_header(skb, dev, ETH_P_DEMO, bcast, NULL, len);
		skb->dev = dev;
		dev_queue_xmit(skb);
	}
	net_unlock(net);
}

static void print_counters(struct usn_net *net, const char *who, int ifindex)
{
	struct usn_link_stats st;

	if (usn_link_stats(net, ifindex, &st) < 0)
		die("usn_link_stats");
	printf("  %-12s tx %llu packets %llu bytes, rx %llu packets %llu bytes",
	       who, (unsigned long long)st.tx_packets, (unsigned long long)st.tx_bytes,
	       (unsigned long long)st.rx_packets, (unsigned long long)st.rx_bytes);
	for (int r = 0; r < USN_DROP_REASON_MAX; r++)
		if (st.drops[r])
			printf(", dropped %llu (%s)", (unsigned long long)st.drops[r],
			       usn_drop_reason_name(r));
	printf("\n");
}

static void addr_up(struct usn_net *net, int ifindex, const char *addr)
{
	struct in_addr a;

	inet_pton(AF_INET, addr, &a);
	if (usn_addr_add(net, ifindex, AF_INET, &a, 24) < 0 ||
	    usn_link_set_up(net, ifindex, 1) < 0)
		die("usn_addr_add");
}

static struct sockaddr_in sin_of(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	inet_pton(AF_INET, addr, &a.sin_addr);
	return a;
}

static uint16_t csum16(const uint8_t *b, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* One echo request from a raw ICMP socket in @net; returns the round trip in us. */
static double raw_ping(struct usn_net *net, const char *dst, int seq)
{
	struct sockaddr_in to = sin_of(dst, 0);
	struct timeval tv = { 2, 0 };
	uint8_t req[64] = { 8, 0, 0, 0, 0x42, 0x42, 0, 0 }, buf[256];
	uint64_t t0;
	double rtt = -1;
	int fd;

	usn_setns(net);
	fd = usn_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	req[7] = (uint8_t)seq;
	memset(req + 8, '.', sizeof(req) - 8);
	memcpy(req + 8, "usnet ping over a memlink", 25);
	uint16_t c = csum16(req, sizeof(req));
	memcpy(req + 2, &c, 2);
	t0 = usn_sim_now();
	usn_sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to));
	for (;;) {
		ssize_t n = usn_recv(fd, buf, sizeof(buf), 0);
		size_t hl;

		if (n < 0)
			break;
		hl = (size_t)(buf[0] & 0xf) * 4;
		if ((size_t)n >= hl + 8 && buf[hl] == 0 && buf[hl + 7] == seq) {
			rtt = (double)(usn_sim_now() - t0) / 1000.0;
			break;
		}
	}
	usn_close(fd);
	usn_setns(NULL);
	return rtt;
}

/* One echo from a ping socket (SOCK_DGRAM, IPPROTO_ICMP). */
static bool dgram_ping(struct usn_net *net, const char *dst)
{
	struct sockaddr_in to = sin_of(dst, 0);
	struct timeval tv = { 2, 0 };
	uint8_t req[16] = { 8, 0, 0, 0, 0, 0, 0, 1, 'u', 's', 'n', 'e', 't' }, buf[64];
	ssize_t n;
	int fd;

	usn_setns(net);
	usn_sysctl(net, "net.ipv4.ping_group_range", NULL, NULL, "0 2147483647");
	fd = usn_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	usn_sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to));
	n = usn_recv(fd, buf, sizeof(buf), 0);
	usn_close(fd);
	usn_setns(NULL);
	return n == sizeof(req) && buf[0] == 0 && !memcmp(buf + 8, "usnet", 5);
}

/* Sends @len bytes from left to right's UDP port 7 and reads them back. */
static bool udp_echo(struct usn_net *left, struct usn_net *right, size_t len)
{
	static char out[60000], in[65536];
	struct sockaddr_in srv = sin_of("0.0.0.0", 7), dst = sin_of("10.0.0.2", 7);
	struct sockaddr_in from;
	struct timeval tv = { 2, 0 };
	socklen_t flen = sizeof(from);
	ssize_t n;
	int s, c;

	for (size_t i = 0; i < len; i++)
		out[i] = (char)('a' + i % 26);
	usn_setns(right);
	s = usn_socket(AF_INET, SOCK_DGRAM, 0);
	usn_bind(s, (struct sockaddr *)&srv, sizeof(srv));
	usn_setns(left);
	c = usn_socket(AF_INET, SOCK_DGRAM, 0);
	usn_setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	usn_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	usn_sendto(c, out, len, 0, (struct sockaddr *)&dst, sizeof(dst));
	n = usn_recvfrom(s, in, sizeof(in), 0, (struct sockaddr *)&from, &flen);
	if (n > 0)
		usn_sendto(s, in, (size_t)n, 0, (struct sockaddr *)&from, flen);
	n = usn_recv(c, in, sizeof(in), 0);
	usn_close(c);
	usn_close(s);
	usn_setns(NULL);
	return n == (ssize_t)len && !memcmp(in, out, len);
}

/* Reads @net's trace into @buf as one string; false when there is none. */
static bool trace_snapshot(struct usn_net *net, char *buf, size_t size)
{
	ssize_t n = usn_trace_read(net, buf, size - 1);

	if (n <= 0)
		return false;
	buf[n] = 0;
	return true;
}

/* Does trace @line end in "->@func"? */
static bool line_ends_in(const char *line, const char *func)
{
	const char *end = strrchr(line, '>');

	return end && !strcmp(end + 1, func);
}

/*
 * Prints each distinct trace line once, in the order first seen; with
 * @only, just the lines that end in one of those functions (the rows of
 * the seed's table), the others only counted.
 */
static void print_rows(struct usn_net *net, const char *const *only)
{
	unsigned int others = 0;
	char buf[65536], seen[16][160];
	int nseen = 0;

	if (!trace_snapshot(net, buf, sizeof(buf)))
		return;
	for (char *save, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool wanted = !only;
		int i;

		for (i = 0; only && only[i]; i++)
			if (line_ends_in(line, only[i]))
				wanted = true;
		if (!wanted) {
			others++;
			continue;
		}
		for (i = 0; i < nseen && strcmp(seen[i], line); i++)
			;
		if (i < nseen || nseen == 16)
			continue;
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", line);
		printf("    %s\n", line);
	}
	if (others)
		printf("    (and %u paths ending elsewhere: icmp_rcv, arp_rcv, fragments queued)\n",
		       others);

}

/*
 * A TCP connection from left to right: handshake, a request, a 100 KiB
 * response, close. Returns the bytes the client received, or -1;
 * *@handshake_us is how long connect() took.
 */
static long tcp_exchange(struct usn_net *left, struct usn_net *right,
			 double *handshake_us)
{
	struct sockaddr_in srv = sin_of("0.0.0.0", 80), dst = sin_of("10.0.0.2", 80);
	struct timeval tv = { 5, 0 };
	static char buf[100 * 1024];
	long got = 0;
	uint64_t t0;
	ssize_t n;
	int l, c, s;

	usn_setns(right);
	l = usn_socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || usn_bind(l, (struct sockaddr *)&srv, sizeof(srv)) || usn_listen(l, 16))
		return -1;
	usn_setns(left);
	c = usn_socket(AF_INET, SOCK_STREAM, 0);
	usn_setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t0 = usn_sim_now();
	if (usn_connect(c, (struct sockaddr *)&dst, sizeof(dst)))
		return -1;
	*handshake_us = (double)(usn_sim_now() - t0) / 1000.0;
	s = usn_accept(l, NULL, NULL);	/* already in the accept queue */
	usn_send(c, "GET /\r\n", 7, 0);
	usn_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = usn_recv(s, buf, sizeof(buf), 0);
	if (n == 7) {
		memset(buf, 'x', sizeof(buf));
		for (size_t off = 0; off < sizeof(buf);) {
			ssize_t w = usn_send(s, buf + off, sizeof(buf) - off, 0);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	usn_close(s);
	while ((n = usn_recv(c, buf, sizeof(buf), 0)) > 0)
		got += n;
	usn_close(c);
	usn_close(l);
	usn_setns(NULL);
	return got;
}

/* The first trace line of @net that ends in "->@func"; "" if none. */
static void row_path(struct usn_net *net, const char *func, char *out, size_t len)
{
	char buf[65536];

	*out = 0;
	if (!trace_snapshot(net, buf, sizeof(buf)))
		return;
	for (char *save, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line_ends_in(line, func)) {
			snprintf(out, len, "%s", line);
			return;
		}
	}
}

/* One TCP connection from left to right's port 81, opened and closed. */
static void tcp_connect_once(struct usn_net *left, struct usn_net *right)
{
	struct sockaddr_in srv = sin_of("0.0.0.0", 81), dst = sin_of("10.0.0.2", 81);
	int l, c, s;

	usn_setns(right);
	l = usn_socket(AF_INET, SOCK_STREAM, 0);
	usn_bind(l, (struct sockaddr *)&srv, sizeof(srv));
	usn_listen(l, 4);
	usn_setns(left);
	c = usn_socket(AF_INET, SOCK_STREAM, 0);
	usn_connect(c, (struct sockaddr *)&dst, sizeof(dst));
	s = usn_accept(l, NULL, NULL);
	usn_close(c);
	usn_close(s);
	usn_close(l);
	usn_sim_run(10000000);
	usn_setns(NULL);
}

/* A row of the seed's table: the socket to open in right, and where its path ends. */
struct seed_row {
	const char	*family, *type, *proto;
	int		af, sock_type, protocol;
	const char	*func;
};

#define ETH_P_ALL_BE	0x0300	/* htons(ETH_P_ALL) */
#define ETH_P_IP_BE	0x0008	/* htons(ETH_P_IP) */

static const struct seed_row seed_table[] = {
	{ "PF_INET", "SOCK_STREAM", "IPPROTO_TCP", AF_INET, SOCK_STREAM, 0, "tcp_v4_rcv" },
	{ "PF_INET", "SOCK_DGRAM", "IPPROTO_UDP", AF_INET, SOCK_DGRAM, 0, "udp_rcv" },
	{ "PF_INET", "SOCK_RAW", "IPPROTO_ICMP", AF_INET, SOCK_RAW, IPPROTO_ICMP, "raw_rcv" },
	{ "PF_INET", "SOCK_PACKET", "ETH_P_ALL", AF_INET, SOCK_PACKET, ETH_P_ALL_BE, "packet_rcv_spkt" },
	{ "PF_PACKET", "SOCK_DGRAM", "ETH_P_ALL", AF_PACKET, SOCK_DGRAM, ETH_P_ALL_BE, "packet_rcv" },
	{ "PF_PACKET", "SOCK_DGRAM", "ETH_P_IP", AF_PACKET, SOCK_DGRAM, ETH_P_IP_BE, "packet_rcv" },
	{ "PF_PACKET", "SOCK_RAW", "ETH_P_ALL", AF_PACKET, SOCK_RAW, ETH_P_ALL_BE, "packet_rcv" },
	{ "PF_PACKET", "SOCK_RAW", "ETH_P_IP", AF_PACKET, SOCK_RAW, ETH_P_IP_BE, "packet_rcv" },
	{ "PF_PACKET", "SOCK_PACKET", "ETH_P_ALL", AF_PACKET, SOCK_PACKET, ETH_P_ALL_BE, "packet_rcv_spkt" },
	{ "PF_PACKET", "SOCK_PACKET", "ETH_P_IP", AF_PACKET, SOCK_PACKET, ETH_P_IP_BE, "packet_rcv_spkt" },
};

static const char *const pkttype_name[] = {
	"PACKET_HOST", "PACKET_BROADCAST", "PACKET_MULTICAST", "PACKET_OTHERHOST",
	"PACKET_OUTGOING",
};

/*
 * Each row of the seed's table, live: a socket of the row's kind in
 * right, traffic from left that reaches it, and the path the trace saw.
 */
static void print_seed_table(struct usn_net *left, struct usn_net *right)
{
	char path[256], buf[2048], what[96];

	printf("\n  the seed's table of receive paths, each row live in right:\n");
	for (size_t i = 0; i < sizeof(seed_table) / sizeof(seed_table[0]); i++) {
		const struct seed_row *r = &seed_table[i];
		struct timeval tv = { 2, 0 };
		int fd = -1;

		usn_setns(right);
		/* TCP and UDP rows: the exchange opens its own sockets. */
		if (r->af != AF_INET || r->sock_type == SOCK_RAW || r->sock_type == SOCK_PACKET) {
			fd = usn_socket(r->af, r->sock_type, r->protocol);
			usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
		usn_setns(NULL);
		usn_trace_start(right, 0);
		if (r->sock_type == SOCK_STREAM)
			tcp_connect_once(left, right);
		else if (r->sock_type == SOCK_RAW && r->af == AF_INET)
			raw_ping(left, "10.0.0.2", 10 + (int)i);
		else
			udp_echo(left, right, 5);
		row_path(right, r->func, path, sizeof(path));
		usn_trace_stop(right);
		*what = 0;
		if (fd >= 0 && r->af == AF_PACKET && r->sock_type != SOCK_PACKET) {
			struct sockaddr_ll sll;
			socklen_t len = sizeof(sll);
			ssize_t n;

			usn_setns(right);
			n = usn_recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
					 (struct sockaddr *)&sll, &len);
			if (n > 0)
				snprintf(what, sizeof(what), "  (%zd bytes, %s)", n,
					 sll.sll_pkttype < 5 ? pkttype_name[sll.sll_pkttype] : "?");
		} else if (fd >= 0 && r->sock_type == SOCK_PACKET) {
			struct sockaddr_pkt spkt;
			socklen_t len = sizeof(spkt);
			ssize_t n;

			usn_setns(right);
			n = usn_recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
					 (struct sockaddr *)&spkt, &len);
			if (n > 0)
				snprintf(what, sizeof(what), "  (%zd bytes from %.14s)", n,
					 (const char *)spkt.spkt_device);
		}
		usn_setns(right);
		if (fd >= 0)
			usn_close(fd);
		usn_setns(NULL);
		printf("    %-9s %-11s %-12s %s%s\n", r->family, r->type, r->proto,
		       *path ? path : "(not seen)", what);
	}
}

/* Where the rows of the seed's table built so far end. */
static const char *const seed_rows[] = { "tcp_v4_rcv", "udp_rcv", "raw_rcv", NULL };

static uint64_t snmp(struct usn_net *net, const char *name)
{
	uint64_t v = 0;

	usn_snmp(net, name, &v);
	return v;
}

int main(int argc, char **argv)
{
	struct usn_memlink_params p = { .mtu = 1500, .delay_ns = 1000000,
					.rate_bps = 100000000 };
	const char *pcap = argc > 1 ? argv[1] : "usnet-demo.pcap";
	struct usn_config cfg;
	struct usn_net *left, *right;
	double rtt1, rtt2;
	uint64_t t0;
	int ifx[2], fd, raw;
	bool ok;

	usn_config_init(&cfg);
	cfg.mode = USN_MODE_SIMULATED;
	cfg.seed = 1;
	if (usn_init(&cfg) < 0)
		die("usn_init");

	printf("usnet-demo: two namespaces on an in-memory wire, simulated clock (seed %llu)\n\n",
	       (unsigned long long)cfg.seed);
	left = usn_net_create("left", 0);
	right = usn_net_create("right", 0);
	if (!left || !right)
		die("usn_net_create");
	if (usn_memlink_create(left, "ml0", right, "ml0", &p, ifx) < 0)
		die("usn_memlink_create");
	addr_up(left, ifx[0], "10.0.0.1");
	addr_up(right, ifx[1], "10.0.0.2");
	printf("  namespaces   left 10.0.0.1/24, right 10.0.0.2/24; each has lo 127.0.0.1/8\n");
	printf("  wire         left:ml0 %s <-> right:ml0 %s\n", mac(left, ifx[0]),
	       mac(right, ifx[1]));
	printf("               memlink, mtu 1500, 100 Mbit/s, 1 ms one way\n");
	if (usn_link_pcap(right, ifx[1], pcap) < 0)
		die("usn_link_pcap");
	usn_sim_run(10000000);		/* gratuitous ARP settles */

	/* 1. Frames cross the wire and reach a ptype_all tap. */
	net_lock(right);
	dev_add_pack(right, &demo_tap);
	net_unlock(right);
	usn_trace_start(right, 0);
	t0 = usn_sim_now();
	send_frames(left, ifx[0], 5, 1000);
	usn_sim_run(10000000);
	printf("\n  link layer   5 frames of 1014 bytes left -> right: %u received, the first after %.1f us\n",
	       frames_seen, (double)(first_arrival - t0) / 1000.0);
	printf("               (81.1 us on the wire + 1 ms); trace of each:\n");
	print_rows(right, NULL);
	net_lock(right);
	dev_remove_pack(right, &demo_tap);
	net_unlock(right);

	/* 2. IPv4: ARP, ping, UDP, fragments; a raw ICMP socket in right sees its copies. */
	usn_setns(right);
	raw = usn_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	usn_setns(NULL);
	rtt1 = raw_ping(left, "10.0.0.2", 1);
	rtt2 = raw_ping(left, "10.0.0.2", 2);
	printf("\n  ping         raw ICMP socket: 10.0.0.1 -> 10.0.0.2 rtt %.1f us (ARP first), then %.1f us\n",
	       rtt1, rtt2);
	printf("               ping socket (SOCK_DGRAM, IPPROTO_ICMP): %s\n",
	       dgram_ping(left, "10.0.0.2") ? "echo reply" : "no reply");
	printf("  udp          echo of 5 bytes: %s\n", udp_echo(left, right, 5) ? "ok" : "FAILED");
	t0 = snmp(right, "Ip.ReasmReqds");
	ok = udp_echo(left, right, 60000);
	printf("               echo of 60000 bytes: %s, %llu fragments each way\n",
	       ok ? "ok" : "FAILED",
	       (unsigned long long)(snmp(right, "Ip.ReasmReqds") - t0));
	{
		double hs = 0;
		long got = tcp_exchange(left, right, &hs);

		printf("  tcp          handshake %.1f us; a 7-byte request, a 100 KiB response: %ld bytes, then FIN\n",
		       hs, got);
	}
	printf("  receive trace in right, the rows of the seed's table:\n");
	print_rows(right, seed_rows);
	usn_close(raw);
	print_seed_table(left, right);
	printf("  counters     right: Ip.InReceives %llu, Ip.ReasmOKs %llu, Icmp.InEchos %llu,"
	       " Udp.InDatagrams %llu,\n               Tcp.PassiveOpens %llu, Tcp.InSegs %llu,"
	       " Tcp.OutSegs %llu, Arp.InRequests %llu\n",
	       (unsigned long long)snmp(right, "Ip.InReceives"),
	       (unsigned long long)snmp(right, "Ip.ReasmOKs"),
	       (unsigned long long)snmp(right, "Icmp.InEchos"),
	       (unsigned long long)snmp(right, "Udp.InDatagrams"),
	       (unsigned long long)snmp(right, "Tcp.PassiveOpens"),
	       (unsigned long long)snmp(right, "Tcp.InSegs"),
	       (unsigned long long)snmp(right, "Tcp.OutSegs"),
	       (unsigned long long)snmp(right, "Arp.InRequests"));

	/* 3. Impairments: seeded, so this run always loses the same frames. */
	p.loss = 0.2;
	p.duplicate = 0.01;
	p.reorder = 0.05;
	usn_memlink_set_params(left, ifx[0], &p);
	frames_seen = 0;
	net_lock(right);
	dev_add_pack(right, &demo_tap);
	net_unlock(right);
	send_frames(left, ifx[0], 1000, 100);
	usn_sim_run(100000000);
	printf("\n  impaired     20%% loss, 1%% duplication, 5%% reordering: 1000 frames sent, %u received\n",
	       frames_seen);
	print_counters(left, "left:ml0", ifx[0]);
	print_counters(right, "right:ml0", ifx[1]);
	usn_trace_stop(right);
	usn_link_pcap(right, ifx[1], NULL);
	printf("  capture      %s (tshark -r %s)\n", pcap, pcap);

	/* 4. The socket layer's checks. */
	errno = 0;
	fd = usn_socket(AF_INET, SOCK_DGRAM | 0x100000, 0);
	printf("\n  socket(AF_INET, SOCK_DGRAM | 0x100000, 0) = %d (%s): unknown flag bits\n",
	       fd, strerrorname_np(errno));
	errno = 0;
	fd = usn_socket(AF_INET, SOCK_RAW, 0);
	printf("  socket(AF_INET, SOCK_RAW, 0) = %d (%s): raw needs a protocol\n",
	       fd, strerrorname_np(errno));
	errno = 0;
	fd = usn_socket(AF_MAX, SOCK_DGRAM, 0);
	printf("  socket(AF_MAX, SOCK_DGRAM, 0) = %d (%s): no such family\n",
	       fd, strerrorname_np(errno));

	usn_net_destroy(left);
	usn_net_destroy(right);
	return 0;
}
