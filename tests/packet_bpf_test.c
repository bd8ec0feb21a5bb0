/* SPDX-License-Identifier: MIT */
/*
 * packet_bpf_test.c - tcpdump's way of capturing, through the public API:
 * libpcap compiles an expression ("tcp port 80") for Ethernet, the program
 * is attached to a packet socket with SO_ATTACH_FILTER, and during a TCP
 * and a UDP exchange over loopback the socket receives exactly the frames
 * libpcap's own matcher (pcap_offline_filter) accepts, and no other.
 */
#if __has_include(<pcap/pcap.h>)
#include <pcap/pcap.h>
#define HAVE_PCAP 1
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"

#ifdef HAVE_PCAP

#define ETH_P_ALL	0x0003

struct capture {
	int fd;
	struct bpf_program prog;
};

/* A SOCK_RAW ETH_P_ALL socket on lo with @expr compiled by libpcap ("" = all). */
static int capture_open(struct capture *c, const char *expr)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	struct sock_fprog fp;
	int big = 8 << 20;

	if (!p || pcap_compile(p, &c->prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return -1;
	pcap_close(p);
	c->fd = usn_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sll.sll_ifindex = usn_link_index(usn_net_current(), "lo");
	if (c->fd < 0 || usn_bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -1;
	/* Room for the whole exchange: every frame is checked, none dropped. */
	usn_sysctl(usn_net_current(), "net.core.rmem_max", NULL, NULL, "16777216");
	usn_setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (!*expr)
		return 0;
	/* struct bpf_insn and struct sock_filter have the same layout. */
	fp.len = (unsigned short)c->prog.bf_len;
	fp.filter = (struct sock_filter *)c->prog.bf_insns;
	return usn_setsockopt(c->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
}

/* A TCP request/response on port 80 and a UDP exchange on port 53, over lo. */
static void exchange(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in u = a;
	char buf[256];
	int l, c, s, us, uc;

	l = usn_socket(AF_INET, SOCK_STREAM, 0);
	usn_bind(l, (struct sockaddr *)&a, sizeof(a));
	usn_listen(l, 4);
	c = usn_socket(AF_INET, SOCK_STREAM, 0);
	EXPECT_OK(usn_connect(c, (struct sockaddr *)&a, sizeof(a)));
	s = usn_accept(l, NULL, NULL);
	usn_send(c, "GET / HTTP/1.0\r\n\r\n", 18, 0);
	EXPECT_EQ(usn_recv(s, buf, sizeof(buf), 0), 18);
	usn_send(s, "HTTP/1.0 200 OK\r\n\r\n", 19, 0);
	EXPECT_EQ(usn_recv(c, buf, sizeof(buf), 0), 19);
	usn_close(s);
	usn_close(c);
	usn_close(l);

	u.sin_port = htons(53);
	us = usn_socket(AF_INET, SOCK_DGRAM, 0);
	usn_bind(us, (struct sockaddr *)&u, sizeof(u));
	uc = usn_socket(AF_INET, SOCK_DGRAM, 0);
	usn_sendto(uc, "query", 5, 0, (struct sockaddr *)&u, sizeof(u));
	EXPECT_EQ(usn_recv(us, buf, sizeof(buf), 0), 5);
	usn_close(us);
	usn_close(uc);
	usn_sim_run(100000000);		/* TIME_WAIT and FINs settle */
}

/* Frames on @c, and how many of them @prog (libpcap's matcher) accepts. */
static int drain(struct capture *c, const struct bpf_program *prog, int *accepted)
{
	unsigned char buf[65536];
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	struct pcap_pkthdr h;
	ssize_t n;
	int frames = 0;

	EXPECT_OK(usn_getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len));
	EXPECT_EQ(st.tp_drops, 0);
	*accepted = 0;
	while ((n = usn_recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		memset(&h, 0, sizeof(h));
		h.caplen = h.len = (bpf_u_int32)n;
		frames++;
		if (pcap_offline_filter(prog, &h, buf))
			(*accepted)++;
	}
	return frames;
}

static void check_expression(const char *expr, bool expect_some)
{
	struct usn_net *net = usn_net_create("bpf", 0);
	struct capture all, f;
	int frames_all, acc_all, frames_f, acc_f;

	ASSERT_TRUE(net);
	usn_setns(net);
	ASSERT_TRUE(capture_open(&all, "") == 0);
	ASSERT_TRUE(capture_open(&f, expr) == 0);
	exchange();
	frames_all = drain(&all, &f.prog, &acc_all);
	frames_f = drain(&f, &f.prog, &acc_f);
	printf("  %-28s %d of %d frames\n", expr, frames_f, frames_all);
	EXPECT_TRUE(frames_all > 10);
	/* Exactly the frames libpcap says match, and only them. */
	EXPECT_EQ(frames_f, acc_all);
	EXPECT_EQ(acc_f, frames_f);
	if (expect_some)
		EXPECT_TRUE(frames_f > 0 && frames_f < frames_all);
	else
		EXPECT_EQ(frames_f, 0);
	usn_close(all.fd);
	usn_close(f.fd);
	pcap_freecode(&all.prog);
	pcap_freecode(&f.prog);
	usn_setns(NULL);
	usn_net_destroy(net);
}

TEST(tcpdump_expressions_select_exactly_their_frames)
{
	test_sim_start(11);
	check_expression("tcp port 80", true);
	check_expression("udp port 53", true);
	check_expression("tcp[tcpflags] & tcp-syn != 0", true);
	check_expression("ip and not tcp", true);
	check_expression("greater 80", true);
	check_expression("tcp port 81", false);
	check_expression("arp", false);
}

TEST(outgoing_and_incoming_by_pkttype_ancillary_load)
{
	/* libpcap's "outbound" is a load of SKF_AD_PKTTYPE on Linux. */
	struct sock_filter out[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog fp = { 4, out };
	struct usn_net *net;
	struct capture all, f;
	struct sockaddr_ll sll;
	socklen_t len;
	unsigned char buf[2048];
	int n = 0;

	test_sim_start(11);
	net = usn_net_create("bpf-out", 0);
	usn_setns(net);
	ASSERT_TRUE(capture_open(&all, "") == 0);
	ASSERT_TRUE(capture_open(&f, "") == 0);
	EXPECT_OK(usn_setsockopt(f.fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)));
	exchange();
	for (;;) {
		len = sizeof(sll);
		if (usn_recvfrom(f.fd, buf, sizeof(buf), MSG_DONTWAIT,
				 (struct sockaddr *)&sll, &len) < 0)
			break;
		EXPECT_EQ(sll.sll_pkttype, PACKET_OUTGOING);
		n++;
	}
	/* On lo each frame is seen leaving and arriving: half are outgoing. */
	EXPECT_TRUE(n > 0);
	EXPECT_EQ(2 * n, drain(&all, &all.prog, &(int){ 0 }));
	usn_close(all.fd);
	usn_close(f.fd);
	pcap_freecode(&all.prog);
	pcap_freecode(&f.prog);
	usn_setns(NULL);
	usn_net_destroy(net);
}

#else

TEST(libpcap_missing)
{
	TEST_SKIP_ALL("libpcap-dev is not installed");
}

#endif
