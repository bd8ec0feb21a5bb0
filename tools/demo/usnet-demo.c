/* SPDX-License-Identifier: MIT */
/*
 * usnet-demo - shows, in a few lines, what the stack does so far: two
 * namespaces joined by an in-memory Ethernet wire, frames crossing it on a
 * simulated clock, the receive trace of each frame, the wire's impairments
 * and the counters that account for every frame, a pcap capture, and the
 * socket layer's answers.
 *
 * Frames are sent and tapped with the link layer's internal calls
 * (dev_queue_xmit, a ptype_all packet_type): the families that would let a
 * program do that through sockets (AF_PACKET, AF_INET) come in later
 * issues, which extend this demo row by row.
 */
#include <arpa/inet.h>
#include <errno.h>
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

static void print_trace(struct usn_net *net)
{
	char buf[4096], *line, *save;
	ssize_t n = usn_trace_read(net, buf, sizeof(buf) - 1);
	unsigned int count = 0;
	char first[256] = "";

	if (n <= 0)
		return;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!count++)
			snprintf(first, sizeof(first), "%s", line);
	}
	printf("  trace        %s   (x%u, one line per frame)\n", first, count);
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

int main(int argc, char **argv)
{
	struct usn_memlink_params p = { .mtu = 1500, .delay_ns = 1000000,
					.rate_bps = 100000000 };
	const char *pcap = argc > 1 ? argv[1] : "usnet-demo.pcap";
	struct usn_config cfg;
	struct usn_net *left, *right;
	uint64_t t0;
	int ifx[2], fd;

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
	usn_link_set_up(left, ifx[0], 1);
	usn_link_set_up(right, ifx[1], 1);
	printf("  namespaces   left, right; each has lo 127.0.0.1/8 up (ifindex %d)\n",
	       usn_link_index(left, "lo"));
	printf("  wire         left:ml0 %s <-> right:ml0 %s\n", mac(left, ifx[0]),
	       mac(right, ifx[1]));
	printf("               memlink, mtu 1500, 100 Mbit/s, 1 ms one way\n");
	if (usn_link_pcap(right, ifx[1], pcap) < 0)
		die("usn_link_pcap");

	/* 1. Frames cross the wire and reach a ptype_all tap. */
	net_lock(right);
	dev_add_pack(right, &demo_tap);
	net_unlock(right);
	usn_trace_start(right, 0);
	t0 = usn_sim_now();
	send_frames(left, ifx[0], 5, 1000);
	usn_sim_run(10000000);
	printf("\n  sent         5 frames of 1014 bytes, left -> right (ethertype 0x%04x)\n",
	       ETH_P_DEMO);
	printf("  received     %u; the first after %.1f us (81.1 us on the wire + 1 ms)\n",
	       frames_seen, (double)(first_arrival - t0) / 1000.0);
	print_trace(right);

	/* 2. Impairments: seeded, so this run always loses the same frames. */
	p.loss = 0.2;
	p.duplicate = 0.01;
	p.reorder = 0.05;
	usn_memlink_set_params(left, ifx[0], &p);
	frames_seen = 0;
	send_frames(left, ifx[0], 1000, 100);
	usn_sim_run(100000000);
	printf("\n  impaired     20%% loss, 1%% duplication, 5%% reordering: 1000 sent, %u received\n",
	       frames_seen);
	print_counters(left, "left:ml0", ifx[0]);
	print_counters(right, "right:ml0", ifx[1]);
	usn_trace_stop(right);
	usn_link_pcap(right, ifx[1], NULL);
	printf("  capture      %s (tshark -r %s)\n", pcap, pcap);

	/* 3. The socket layer, with no family for AF_INET yet. */
	errno = 0;
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	printf("\n  socket(AF_INET, SOCK_DGRAM, 0) = %d (%s): the inet family comes next\n",
	       fd, strerrorname_np(errno));
	errno = 0;
	fd = usn_socket(AF_INET, SOCK_DGRAM | 0x100000, 0);
	printf("  socket(AF_INET, SOCK_DGRAM | 0x100000, 0) = %d (%s): unknown flag bits\n",
	       fd, strerrorname_np(errno));
	errno = 0;
	fd = usn_socket(AF_MAX, SOCK_DGRAM, 0);
	printf("  socket(AF_MAX, SOCK_DGRAM, 0) = %d (%s): no such family\n",
	       fd, strerrorname_np(errno));

	usn_net_destroy(left);
	usn_net_destroy(right);
	return 0;
}
