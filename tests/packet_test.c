/* SPDX-License-Identifier: MIT */
/*
 * packet_test.c - AF_PACKET through the public API, on two simulated
 * namespaces joined by a memlink: each row of the table of receive paths
 * (socket type x ETH_P_ALL / one protocol, and PF_INET + SOCK_PACKET)
 * with its exact trace; the sockaddr_ll of received and outgoing frames;
 * sending with SOCK_RAW, SOCK_DGRAM and SOCK_PACKET and their errors;
 * protocol 0; statistics; promiscuous membership counting; aux data;
 * socket filters (also on UDP sockets); fanout; the TPACKET_V3 ring
 * mapped with usn_mmap; EPERM without CAP_NET_RAW.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"

#define ETH_P_ALL	0x0003
#define ETH_P_IP	0x0800
#define ETH_P_TEST	0x88b5
#define ARPHRD_ETHER	1

static struct usn_net *na, *nb;
static int ifa, ifb;
static unsigned char maca[6], macb[6];

static void setup(void)
{
	static int n;
	struct usn_memlink_params p = { .delay_ns = 100000 };
	char name[2][16];
	uint32_t a = inet_addr("10.0.0.1"), b = inet_addr("10.0.0.2");
	int ifx[2];

	test_sim_start(7);
	snprintf(name[0], sizeof(name[0]), "pa%d", n);
	snprintf(name[1], sizeof(name[1]), "pb%d", n++);
	na = usn_net_create(name[0], 0);
	nb = usn_net_create(name[1], 0);
	usn_memlink_create(na, "ml0", nb, "ml0", &p, ifx);
	ifa = ifx[0];
	ifb = ifx[1];
	usn_addr_add(na, ifa, AF_INET, &a, 24);
	usn_addr_add(nb, ifb, AF_INET, &b, 24);
	usn_link_set_up(na, ifa, 1);
	usn_link_set_up(nb, ifb, 1);
	usn_link_hwaddr(na, ifa, maca);
	usn_link_hwaddr(nb, ifb, macb);
	usn_sim_run(50000000);		/* gratuitous ARP settles */
}

static void teardown(void)
{
	usn_setns(NULL);
	usn_net_destroy(na);
	usn_net_destroy(nb);
}

/* One UDP datagram of @len bytes from a to b's port @port (ARP resolved first). */
static void udp_a_to_b(int port, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = inet_addr("10.0.0.2") };
	char buf[1500] = { 0 };
	struct usn_net *cur = usn_net_current();
	int fd;

	usn_setns(na);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	usn_sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
	usn_close(fd);
	usn_sim_run(10000000);
	usn_setns(cur);
}

static int psock(struct usn_net *net, int type, int proto)
{
	usn_setns(net);
	return usn_socket(AF_PACKET, type, htons((uint16_t)proto));
}

static int count_lines(struct usn_net *net, const char *want)
{
	char buf[16384], *save, *line;
	ssize_t n = usn_trace_read(net, buf, sizeof(buf) - 1);
	int hits = 0;

	if (n < 0)
		return -1;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strcmp(line, want))
			hits++;
	return hits;
}

static int drain(int fd)
{
	char buf[2048];
	int n = 0;

	while (usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

/* A socket of @family/@type/@proto in b receives a's datagram by @path. */
static void check_row(int family, int type, int proto, const char *path)
{
	char buf[2048];
	int fd;

	setup();
	usn_setns(nb);
	fd = usn_socket(family, type, htons((uint16_t)proto));
	ASSERT_TRUE(fd >= 0);
	udp_a_to_b(9, 10);		/* ARP resolved: one frame next time */
	while (usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	usn_trace_start(nb, 0);
	udp_a_to_b(9, 10);
	EXPECT_EQ(count_lines(nb, path), 1);
	EXPECT_TRUE(usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0);
	usn_trace_stop(nb);
	usn_close(fd);
	teardown();
}

TEST(rows_of_the_table_of_receive_paths)
{
	check_row(AF_PACKET, SOCK_RAW, ETH_P_ALL, "__netif_receive_skb_core->ptype_all->packet_rcv");
	check_row(AF_PACKET, SOCK_DGRAM, ETH_P_ALL, "__netif_receive_skb_core->ptype_all->packet_rcv");
	check_row(AF_PACKET, SOCK_RAW, ETH_P_IP, "__netif_receive_skb_core->ptype_base->packet_rcv");
	check_row(AF_PACKET, SOCK_DGRAM, ETH_P_IP, "__netif_receive_skb_core->ptype_base->packet_rcv");
	check_row(AF_PACKET, SOCK_PACKET, ETH_P_ALL,
		  "__netif_receive_skb_core->ptype_all->packet_rcv_spkt");
	check_row(AF_PACKET, SOCK_PACKET, ETH_P_IP,
		  "__netif_receive_skb_core->ptype_base->packet_rcv_spkt");
	check_row(AF_INET, SOCK_PACKET, ETH_P_ALL,
		  "__netif_receive_skb_core->ptype_all->packet_rcv_spkt");
	check_row(AF_INET, SOCK_PACKET, ETH_P_IP,
		  "__netif_receive_skb_core->ptype_base->packet_rcv_spkt");
}

TEST(create_checks_type_and_pf_inet_sock_packet_is_packet)
{
	int fd, v;
	socklen_t len = sizeof(v);

	test_sim_start(7);
	usn_setns(NULL);
	EXPECT_ERRNO(usn_socket(AF_PACKET, SOCK_STREAM, 0), ESOCKTNOSUPPORT);
	EXPECT_ERRNO(usn_socket(AF_PACKET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	fd = usn_socket(AF_INET, SOCK_PACKET, htons(ETH_P_ALL));
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len));
	EXPECT_EQ(v, AF_PACKET);
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	EXPECT_EQ(v, 0);	/* as Linux: a packet socket's sk_protocol is unset */
	/* SOCK_PACKET has no SOL_PACKET options. */
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &v, sizeof(v)), EOPNOTSUPP);
	usn_close(fd);
}

static int deny_raw(struct usn_net *net, int cap)
{
	(void)net;
	return cap == 13 ? -EPERM : 0;		/* CAP_NET_RAW */
}

TEST(eperm_without_cap_net_raw)
{
	static const struct usn_security_ops ops = { .capable = deny_raw };

	test_sim_start(7);
	usn_setns(NULL);
	usn_security_register(&ops);
	EXPECT_ERRNO(usn_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), EPERM);
	EXPECT_ERRNO(usn_socket(AF_PACKET, SOCK_DGRAM, 0), EPERM);
	EXPECT_ERRNO(usn_socket(AF_PACKET, SOCK_PACKET, 0), EPERM);
	/* Capability first, type second, as packet_create(). */
	EXPECT_ERRNO(usn_socket(AF_PACKET, SOCK_STREAM, 0), EPERM);
	EXPECT_ERRNO(usn_socket(AF_INET, SOCK_PACKET, 0), EPERM);
	usn_security_register(NULL);
}

TEST(sockaddr_ll_of_received_and_outgoing_frames)
{
	struct sockaddr_ll sll;
	socklen_t len = sizeof(sll);
	unsigned char buf[2048];
	int raw, dgram, out;
	ssize_t n;

	setup();
	raw = psock(nb, SOCK_RAW, ETH_P_IP);
	dgram = psock(nb, SOCK_DGRAM, ETH_P_IP);
	udp_a_to_b(9, 10);		/* ARP resolved first */
	drain(raw);
	drain(dgram);
	/* Outgoing frames are shown to ptype_all taps only, as in Linux. */
	out = psock(na, SOCK_DGRAM, ETH_P_ALL);
	udp_a_to_b(9, 10);
	usn_setns(nb);
	n = usn_recvfrom(raw, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sll, &len);
	EXPECT_EQ(n, 14 + 20 + 8 + 10);
	EXPECT_EQ(len, sizeof(struct sockaddr_ll));
	EXPECT_TRUE(!memcmp(buf, macb, 6) && !memcmp(buf + 6, maca, 6));
	EXPECT_EQ(sll.sll_family, AF_PACKET);
	EXPECT_EQ(sll.sll_protocol, htons(ETH_P_IP));
	EXPECT_EQ(sll.sll_ifindex, ifb);
	EXPECT_EQ(sll.sll_hatype, ARPHRD_ETHER);
	EXPECT_EQ(sll.sll_pkttype, PACKET_HOST);
	EXPECT_EQ(sll.sll_halen, 6);
	EXPECT_TRUE(!memcmp(sll.sll_addr, maca, 6));
	n = usn_recv(dgram, buf, sizeof(buf), MSG_DONTWAIT);
	EXPECT_EQ(n, 20 + 8 + 10);
	EXPECT_EQ(buf[0], 0x45);	/* from the IP header */
	/* a's own socket sees the datagram leave. */
	usn_setns(na);
	len = sizeof(sll);
	n = usn_recvfrom(out, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sll, &len);
	EXPECT_EQ(n, 20 + 8 + 10);
	EXPECT_EQ(sll.sll_pkttype, PACKET_OUTGOING);
	EXPECT_EQ(sll.sll_ifindex, ifa);
	EXPECT_TRUE(!memcmp(sll.sll_addr, maca, 6));
	len = sizeof(sll);
	EXPECT_OK(usn_getsockname(out, (struct sockaddr *)&sll, &len));
	EXPECT_EQ(len, 12);	/* not bound to a device: no address */
	EXPECT_EQ(sll.sll_protocol, htons(ETH_P_ALL));
	usn_close(out);
	usn_setns(nb);
	usn_close(raw);
	usn_close(dgram);
	teardown();
}

TEST(send_raw_dgram_and_sock_packet_frames)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_TEST),
				  .sll_halen = 6 };
	struct sockaddr_pkt spkt = { .spkt_family = AF_PACKET, .spkt_protocol = htons(ETH_P_TEST) };
	unsigned char frame[64] = { 0 }, buf[2048] = { 0 };
	int rx, raw, dgram, pkt;

	setup();
	rx = psock(nb, SOCK_DGRAM, ETH_P_TEST);
	raw = psock(na, SOCK_RAW, 0);
	dgram = psock(na, SOCK_DGRAM, 0);
	pkt = psock(na, SOCK_PACKET, 0);
	to.sll_ifindex = ifa;
	memcpy(to.sll_addr, macb, 6);
	/* SOCK_DGRAM: the device builds the header. */
	EXPECT_EQ(usn_sendto(dgram, "dgram", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	/* SOCK_RAW: the caller's whole frame. */
	memcpy(frame, macb, 6);
	memcpy(frame + 6, maca, 6);
	frame[12] = ETH_P_TEST >> 8;
	frame[13] = ETH_P_TEST & 0xff;
	memcpy(frame + 14, "raw", 3);
	EXPECT_EQ(usn_sendto(raw, frame, 17, 0, (struct sockaddr *)&to, sizeof(to)), 17);
	/* SOCK_PACKET: to a device by name. */
	memcpy(spkt.spkt_device, "ml0", 4);
	memcpy(frame + 14, "spkt", 4);
	EXPECT_EQ(usn_sendto(pkt, frame, 18, 0, (struct sockaddr *)&spkt, sizeof(spkt)), 18);
	usn_sim_run(10000000);
	usn_setns(nb);
	EXPECT_EQ(usn_recv(rx, buf, sizeof(buf), MSG_DONTWAIT), 5);
	EXPECT_TRUE(!memcmp(buf, "dgram", 5));
	EXPECT_TRUE(usn_recv(rx, buf, sizeof(buf), MSG_DONTWAIT) >= 3);
	EXPECT_TRUE(!memcmp(buf, "raw", 3));
	EXPECT_TRUE(usn_recv(rx, buf, sizeof(buf), MSG_DONTWAIT) >= 4);
	EXPECT_TRUE(!memcmp(buf, "spkt", 4));
	/* The errors of packet_snd and packet_sendmsg_spkt. */
	usn_setns(na);
	EXPECT_ERRNO(usn_send(dgram, "x", 1, 0), ENXIO);
	EXPECT_ERRNO(usn_sendto(dgram, "x", 1, 0, (struct sockaddr *)&to, 8), EINVAL);
	EXPECT_ERRNO(usn_sendto(raw, frame, 10, 0, (struct sockaddr *)&to, sizeof(to)), EINVAL);
	EXPECT_ERRNO(usn_sendto(raw, buf, 1515, 0, (struct sockaddr *)&to, sizeof(to)), EMSGSIZE);
	EXPECT_ERRNO(usn_sendto(dgram, buf, 1501, 0, (struct sockaddr *)&to, sizeof(to)), EMSGSIZE);
	to.sll_ifindex = 999;
	EXPECT_ERRNO(usn_sendto(dgram, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), ENXIO);
	EXPECT_ERRNO(usn_send(pkt, frame, 18, 0), ENOTCONN);
	memcpy(spkt.spkt_device, "nope", 5);
	EXPECT_ERRNO(usn_sendto(pkt, frame, 18, 0, (struct sockaddr *)&spkt, sizeof(spkt)), ENODEV);
	/*
	 * Bound, with no address to send to: Ethernet cannot build the
	 * header (eth_header() fails), loopback writes zeros.
	 */
	{
		struct sockaddr_ll me = { .sll_family = AF_PACKET,
					  .sll_protocol = htons(ETH_P_TEST),
					  .sll_ifindex = ifa };
		int lo = psock(na, SOCK_DGRAM, 0);

		EXPECT_OK(usn_bind(dgram, (struct sockaddr *)&me, sizeof(me)));
		EXPECT_ERRNO(usn_send(dgram, "x", 1, 0), EINVAL);
		me.sll_ifindex = 1;
		EXPECT_OK(usn_bind(lo, (struct sockaddr *)&me, sizeof(me)));
		EXPECT_EQ(usn_send(lo, "x", 1, 0), 1);
		usn_close(lo);
	}
	usn_link_set_up(na, ifa, 0);
	to.sll_ifindex = ifa;
	EXPECT_ERRNO(usn_sendto(dgram, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), ENETDOWN);
	usn_close(raw);
	usn_close(dgram);
	usn_close(pkt);
	usn_setns(nb);
	usn_close(rx);
	teardown();
}

/* An Ethernet frame of @len bytes from a to b, 802.1Q-tagged or not. */
static void make_frame(unsigned char *f, size_t len, bool tagged)
{
	size_t off = 12;

	memset(f, 0x5a, len);
	memcpy(f, macb, 6);
	memcpy(f + 6, maca, 6);
	if (tagged) {
		f[off++] = 0x81;
		f[off++] = 0x00;
		f[off++] = 0x00;	/* TCI: priority 0, VLAN 5 */
		f[off++] = 0x05;
	}
	f[off++] = ETH_P_TEST >> 8;
	f[off] = ETH_P_TEST & 0xff;
}

/*
 * packet_snd() and packet_sendmsg_spkt(): a frame that carries an 802.1Q
 * tag may be 4 bytes over MTU + link header (packet_extra_vlan_len_allowed),
 * and the far end of the memlink takes it, as veth does. Untagged, one
 * byte over is still EMSGSIZE; SOCK_DGRAM counts only its payload, and
 * only a header it builds with ETH_P_8021Q earns the 4 bytes.
 */
TEST(a_vlan_tag_may_exceed_the_mtu)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_TEST),
				  .sll_halen = 6 };
	struct sockaddr_pkt spkt = { .spkt_family = AF_PACKET, .spkt_protocol = htons(ETH_P_TEST) };
	static unsigned char frame[1600], buf[2048];
	static const size_t want[] = { 1518, 1514, 1518, 1514, 1518 };
	struct usn_link_stats st;
	int rx, raw, dgram, pkt;

	setup();
	rx = psock(nb, SOCK_RAW, ETH_P_ALL);
	raw = psock(na, SOCK_RAW, 0);
	dgram = psock(na, SOCK_DGRAM, 0);
	pkt = psock(na, SOCK_PACKET, 0);
	to.sll_ifindex = ifa;
	memcpy(to.sll_addr, macb, 6);
	memcpy(spkt.spkt_device, "ml0", 4);

	/* SOCK_RAW: MTU + 14 + 4 tagged, MTU + 14 untagged. */
	make_frame(frame, 1519, true);
	EXPECT_ERRNO(usn_sendto(raw, frame, 1519, 0, (struct sockaddr *)&to, sizeof(to)), EMSGSIZE);
	EXPECT_EQ(usn_sendto(raw, frame, 1518, 0, (struct sockaddr *)&to, sizeof(to)), 1518);
	make_frame(frame, 1515, false);
	EXPECT_ERRNO(usn_sendto(raw, frame, 1515, 0, (struct sockaddr *)&to, sizeof(to)), EMSGSIZE);
	EXPECT_ERRNO(usn_sendto(raw, frame, 1518, 0, (struct sockaddr *)&to, sizeof(to)), EMSGSIZE);
	EXPECT_EQ(usn_sendto(raw, frame, 1514, 0, (struct sockaddr *)&to, sizeof(to)), 1514);

	/* SOCK_PACKET: the same rule. */
	make_frame(frame, 1519, true);
	EXPECT_ERRNO(usn_sendto(pkt, frame, 1519, 0, (struct sockaddr *)&spkt, sizeof(spkt)), EMSGSIZE);
	EXPECT_EQ(usn_sendto(pkt, frame, 1518, 0, (struct sockaddr *)&spkt, sizeof(spkt)), 1518);
	make_frame(frame, 1515, false);
	EXPECT_ERRNO(usn_sendto(pkt, frame, 1515, 0, (struct sockaddr *)&spkt, sizeof(spkt)), EMSGSIZE);

	/* SOCK_DGRAM: the MTU for the payload, unless the header is a tag. */
	EXPECT_ERRNO(usn_sendto(dgram, buf, 1501, 0, (struct sockaddr *)&to, sizeof(to)), EMSGSIZE);
	EXPECT_EQ(usn_sendto(dgram, buf, 1500, 0, (struct sockaddr *)&to, sizeof(to)), 1500);
	to.sll_protocol = htons(0x8100);
	EXPECT_ERRNO(usn_sendto(dgram, buf, 1505, 0, (struct sockaddr *)&to, sizeof(to)), EMSGSIZE);
	EXPECT_EQ(usn_sendto(dgram, buf, 1504, 0, (struct sockaddr *)&to, sizeof(to)), 1504);

	/* Every frame sent arrives whole at b's ETH_P_ALL socket. */
	usn_sim_run(10000000);
	usn_setns(nb);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		EXPECT_EQ(usn_recv(rx, buf, sizeof(buf), MSG_DONTWAIT), (ssize_t)want[i]);
		EXPECT_EQ(buf[12], i == 1 || i == 3 ? ETH_P_TEST >> 8 : 0x81);
	}
	EXPECT_ERRNO(usn_recv(rx, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_OK(usn_link_stats(nb, ifb, &st));
	EXPECT_EQ(st.rx_dropped, 0);
	usn_close(rx);
	usn_setns(na);
	usn_close(raw);
	usn_close(dgram);
	usn_close(pkt);
	teardown();
}

TEST(protocol_zero_receives_nothing_until_bound)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	char buf[2048];
	int fd;

	setup();
	fd = psock(nb, SOCK_DGRAM, 0);
	udp_a_to_b(9, 10);
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_WAITALL), EINVAL);
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_CMSG_CLOEXEC), EINVAL);
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), MSG_ERRQUEUE), EAGAIN);
	EXPECT_ERRNO(usn_bind(fd, (struct sockaddr *)&sll, sizeof(sll) - 1), EINVAL);
	sll.sll_ifindex = 999;
	EXPECT_ERRNO(usn_bind(fd, (struct sockaddr *)&sll, sizeof(sll)), ENODEV);
	sll.sll_ifindex = ifb;
	EXPECT_OK(usn_bind(fd, (struct sockaddr *)&sll, sizeof(sll)));
	udp_a_to_b(9, 10);
	EXPECT_EQ(usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 38);
	usn_close(fd);
	teardown();
}

TEST(statistics_count_drops_and_reset_on_read)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	int fd, small = 1;
	char buf[2048];

	setup();
	fd = psock(nb, SOCK_DGRAM, ETH_P_IP);
	usn_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	for (int i = 0; i < 5; i++)
		udp_a_to_b(9, 1000);
	EXPECT_OK(usn_getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len));
	EXPECT_EQ(len, sizeof(st));
	EXPECT_EQ(st.tp_packets, 5);	/* received + dropped, as Linux */
	EXPECT_TRUE(st.tp_drops >= 1 && st.tp_drops < 5);
	len = sizeof(st);
	EXPECT_OK(usn_getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len));
	EXPECT_EQ(st.tp_packets, 0);
	EXPECT_EQ(st.tp_drops, 0);
	while (usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, sizeof(st)), ENOPROTOOPT);
	EXPECT_ERRNO(usn_getsockopt(fd, SOL_IP, 1, &st, &len), ENOPROTOOPT);
	usn_close(fd);
	teardown();
}

static unsigned int link_flags(int fd, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (usn_ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return 0;
	return (unsigned short)ifr.ifr_flags;
}

/*
 * Memberships are references on the device's promiscuity count; as on
 * Linux, SIOCGIFFLAGS shows IFF_PROMISC only as the user set it (the
 * count is IFLA_PROMISCUITY: tests/netlink_test.c follows it).
 */
TEST(promiscuous_membership_is_counted)
{
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	struct ifreq ifr;
	int a, b;

	setup();
	a = psock(nb, SOCK_RAW, ETH_P_ALL);
	b = psock(nb, SOCK_RAW, ETH_P_ALL);
	mr.mr_ifindex = 999;
	EXPECT_ERRNO(usn_setsockopt(a, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)), ENODEV);
	EXPECT_ERRNO(usn_setsockopt(a, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, 4), EINVAL);
	mr.mr_ifindex = ifb;
	EXPECT_OK(usn_setsockopt(a, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)));
	EXPECT_OK(usn_setsockopt(a, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)));
	EXPECT_OK(usn_setsockopt(b, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)));
	EXPECT_EQ(link_flags(a, "ml0") & IFF_PROMISC, 0);
	/* The user's own IFF_PROMISC comes and goes with the user. */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "ml0");
	ifr.ifr_flags = (short)(link_flags(a, "ml0") | IFF_PROMISC);
	EXPECT_OK(usn_ioctl(a, SIOCSIFFLAGS, &ifr));
	EXPECT_TRUE(link_flags(a, "ml0") & IFF_PROMISC);
	ifr.ifr_flags = (short)(link_flags(a, "ml0") & ~IFF_PROMISC);
	EXPECT_OK(usn_ioctl(a, SIOCSIFFLAGS, &ifr));
	EXPECT_EQ(link_flags(a, "ml0") & IFF_PROMISC, 0);
	EXPECT_OK(usn_setsockopt(a, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof(mr)));
	EXPECT_OK(usn_setsockopt(a, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof(mr)));
	/* Dropping again is not an error, as Linux. */
	EXPECT_OK(usn_setsockopt(a, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof(mr)));
	usn_close(b);		/* closing drops its memberships */
	usn_close(a);
	teardown();
}

TEST(auxdata_and_a_filter_on_a_packet_socket)
{
	/* Keep UDP datagrams to port 9, cut to 30 bytes; drop everything else. */
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 22),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 9, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 30),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_filter bad[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
				     BPF_STMT(BPF_RET | BPF_A, 0) };
	struct sock_fprog fp = { ARRAY_LEN(prog), prog }, fb = { ARRAY_LEN(bad), bad };
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct tpacket_auxdata aux;
	char buf[2048];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd, one = 1, n;
	socklen_t len = sizeof(n);

	setup();
	fd = psock(nb, SOCK_DGRAM, ETH_P_IP);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fb, sizeof(fb)), EINVAL);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, 8), EINVAL);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &one, sizeof(one)), ENOENT);
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)));
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &(socklen_t){ 0 }));
	n = 0;
	len = 0;
	EXPECT_OK(usn_getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, &n, &len));
	EXPECT_EQ(len, ARRAY_LEN(prog));	/* instructions, as Linux */
	EXPECT_OK(usn_setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)));
	udp_a_to_b(10, 100);	/* filtered out */
	udp_a_to_b(9, 100);
	n = (int)usn_recvmsg(fd, &msg, MSG_DONTWAIT);
	EXPECT_EQ(n, 30);
	c = CMSG_FIRSTHDR(&msg);
	ASSERT_TRUE(c && c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA);
	memcpy(&aux, CMSG_DATA(c), sizeof(aux));
	EXPECT_EQ(aux.tp_len, 128);
	EXPECT_EQ(aux.tp_snaplen, 30);
	EXPECT_EQ(aux.tp_net, 0);
	EXPECT_TRUE(aux.tp_status & TP_STATUS_USER);
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)));
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &one, sizeof(one)), EPERM);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &(int){ 0 }, sizeof(int)), EPERM);
	usn_close(fd);
	teardown();
}

TEST(a_filter_on_a_udp_socket_sees_the_udp_header)
{
	/* Keep datagrams whose UDP length field is 8 + 4. */
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 12, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog fp = { ARRAY_LEN(prog), prog };
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(9) };
	char buf[64];
	int fd;

	setup();
	usn_setns(nb);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	usn_bind(fd, (struct sockaddr *)&any, sizeof(any));
	EXPECT_OK(usn_setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)));
	udp_a_to_b(9, 5);
	udp_a_to_b(9, 4);
	EXPECT_EQ(usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 4);
	EXPECT_ERRNO(usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	usn_close(fd);
	teardown();
}

/* Sends one UDP datagram from a's port @sport to b's port @dport. */
static void flow(int sport, int dport)
{
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons((uint16_t)sport) };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)dport),
				  .sin_addr.s_addr = inet_addr("10.0.0.2") };
	int fd;

	usn_setns(na);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	usn_bind(fd, (struct sockaddr *)&src, sizeof(src));
	usn_sendto(fd, "f", 1, 0, (struct sockaddr *)&to, sizeof(to));
	usn_close(fd);
	usn_sim_run(5000000);
}


TEST(fanout_hash_keeps_each_flow_on_one_socket)
{
	int fds[3], v, got[3], spread = 0;
	socklen_t len = sizeof(v);
	int group = 42 | PACKET_FANOUT_HASH << 16;

	setup();
	for (int i = 0; i < 3; i++) {
		fds[i] = psock(nb, SOCK_DGRAM, ETH_P_IP);
		EXPECT_OK(usn_setsockopt(fds[i], SOL_PACKET, PACKET_FANOUT, &group, sizeof(group)));
	}
	EXPECT_ERRNO(usn_setsockopt(fds[0], SOL_PACKET, PACKET_FANOUT, &group, sizeof(group)),
		     EALREADY);
	EXPECT_OK(usn_getsockopt(fds[0], SOL_PACKET, PACKET_FANOUT, &v, &len));
	EXPECT_EQ(v, group);
	/* A socket of another protocol cannot join; nor an unbound one. */
	v = psock(nb, SOCK_DGRAM, ETH_P_TEST);
	EXPECT_ERRNO(usn_setsockopt(v, SOL_PACKET, PACKET_FANOUT, &group, sizeof(group)), EINVAL);
	usn_close(v);
	v = psock(nb, SOCK_DGRAM, 0);
	EXPECT_ERRNO(usn_setsockopt(v, SOL_PACKET, PACKET_FANOUT, &group, sizeof(group)), EINVAL);
	usn_close(v);
	for (int f = 0; f < 12; f++) {
		for (int rep = 0; rep < 3; rep++)
			flow(2000 + f, 9);
		usn_setns(nb);
		for (int i = 0; i < 3; i++)
			got[i] = drain(fds[i]);
		/* All three datagrams of the flow on one socket. */
		EXPECT_EQ(got[0] + got[1] + got[2], 3);
		EXPECT_TRUE(got[0] == 3 || got[1] == 3 || got[2] == 3);
		for (int i = 0; i < 3; i++)
			if (got[i] == 3)
				spread |= 1 << i;
	}
	EXPECT_TRUE(spread == 7 || spread == 3 || spread == 5 || spread == 6);
	EXPECT_NE(spread & (spread - 1), 0);	/* more than one socket used */
	for (int i = 0; i < 3; i++)
		usn_close(fds[i]);
	teardown();
}

TEST(fanout_lb_takes_turns)
{
	int fds[2], group = 7 | PACKET_FANOUT_LB << 16, bad = 7 | 0x77 << 16;

	setup();
	for (int i = 0; i < 2; i++) {
		fds[i] = psock(nb, SOCK_DGRAM, ETH_P_IP);
		EXPECT_OK(usn_setsockopt(fds[i], SOL_PACKET, PACKET_FANOUT, &group, sizeof(group)));
	}
	EXPECT_ERRNO(usn_setsockopt(psock(nb, SOCK_DGRAM, ETH_P_IP), SOL_PACKET, PACKET_FANOUT,
				    &bad, sizeof(bad)), EINVAL);
	for (int f = 0; f < 4; f++)
		flow(3000, 9);
	usn_setns(nb);
	EXPECT_EQ(drain(fds[0]), 2);
	EXPECT_EQ(drain(fds[1]), 2);
	usn_close(fds[0]);
	usn_close(fds[1]);
	teardown();
}

TEST(tpacket_v3_ring_receives_frames)
{
	struct tpacket_req3 req = { .tp_block_size = 4096, .tp_block_nr = 4,
				    .tp_frame_size = 2048, .tp_frame_nr = 8,
				    .tp_retire_blk_tov = 100 };
	int fd, v3 = TPACKET_V3, v2 = TPACKET_V2, frames = 0;
	size_t size = 4096 * 4;
	struct tpacket_block_desc *pbd;
	struct tpacket3_hdr *h;
	struct pollfd pfd;
	unsigned char *ring;

	setup();
	fd = psock(nb, SOCK_RAW, ETH_P_IP);
	EXPECT_ERRNO(usn_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EINVAL);
	EXPECT_OK(usn_setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3)));
	req.tp_frame_nr = 7;
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)), EINVAL);
	req.tp_frame_nr = 8;
	req.tp_block_size = 4000;
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)), EINVAL);
	req.tp_block_size = 4096;
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, 12), EINVAL);
	EXPECT_OK(usn_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)));
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)), EBUSY);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v2, sizeof(v2)), EBUSY);
	EXPECT_ERRNO(usn_mmap(NULL, size - 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EINVAL);
	ring = usn_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(ring != MAP_FAILED);
	usn_trace_start(nb, 0);
	udp_a_to_b(9, 10);
	udp_a_to_b(9, 20);
	EXPECT_EQ(count_lines(nb, "__netif_receive_skb_core->ptype_base->tpacket_rcv"), 2);
	usn_trace_stop(nb);
	usn_sim_run(200000000);		/* past the block's retire timeout */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_EQ(usn_poll(&pfd, 1, 0), 1);
	pbd = (struct tpacket_block_desc *)ring;
	EXPECT_TRUE(pbd->hdr.bh1.block_status & TP_STATUS_USER);
	EXPECT_TRUE(pbd->hdr.bh1.block_status & TP_STATUS_BLK_TMO);
	EXPECT_EQ(pbd->hdr.bh1.num_pkts, 2);
	EXPECT_EQ(pbd->hdr.bh1.seq_num, 1);
	h = (struct tpacket3_hdr *)(ring + pbd->hdr.bh1.offset_to_first_pkt);
	for (unsigned int i = 0; i < pbd->hdr.bh1.num_pkts; i++) {
		const struct sockaddr_ll *sll = (const void *)((unsigned char *)h +
						TPACKET_ALIGN(sizeof(*h)));
		const unsigned char *mac = (unsigned char *)h + h->tp_mac;

		EXPECT_EQ(h->tp_len, 14 + 28 + (i ? 20 : 10));
		EXPECT_EQ(h->tp_snaplen, h->tp_len);
		EXPECT_EQ(h->tp_net - h->tp_mac, 14);
		EXPECT_TRUE(!memcmp(mac, macb, 6));
		EXPECT_EQ(mac[14], 0x45);
		EXPECT_EQ(sll->sll_ifindex, ifb);
		EXPECT_EQ(sll->sll_protocol, htons(ETH_P_IP));
		frames++;
		if (!h->tp_next_offset)
			break;
		h = (struct tpacket3_hdr *)((unsigned char *)h + h->tp_next_offset);
	}
	EXPECT_EQ(frames, 2);
	/* Give the block back: nothing more to read. */
	__atomic_store_n(&pbd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	EXPECT_EQ(usn_poll(&pfd, 1, 0), 0);
	/* The ring cannot go while it is mapped. */
	memset(&req, 0, sizeof(req));
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)), EBUSY);
	EXPECT_OK(usn_munmap(ring, size));
	EXPECT_OK(usn_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)));
	usn_close(fd);
	teardown();
}

TEST(ring_stays_mapped_after_close)
{
	struct tpacket_req3 req = { .tp_block_size = 4096, .tp_block_nr = 2,
				    .tp_frame_size = 4096, .tp_frame_nr = 2 };
	int fd, v3 = TPACKET_V3, v1 = TPACKET_V1;
	unsigned char *ring;

	setup();
	fd = psock(nb, SOCK_RAW, ETH_P_IP);
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_PACKET, PACKET_VERSION, &(int){ 9 }, sizeof(int)), EINVAL);
	EXPECT_OK(usn_setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v1, sizeof(v1)));
	/* Frame rings (V1/V2) are not built. */
	EXPECT_ERRNO(usn_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(struct tpacket_req)),
		     EINVAL);
	EXPECT_OK(usn_setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3)));
	EXPECT_OK(usn_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)));
	ring = usn_mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_TRUE(ring != MAP_FAILED);
	usn_close(fd);
	EXPECT_EQ(((struct tpacket_block_desc *)ring)->version, TPACKET_V3);
	EXPECT_OK(usn_munmap(ring, 8192));
	teardown();
}
