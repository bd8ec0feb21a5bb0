/* SPDX-License-Identifier: MIT */
/*
 * fuzz_packet_test.c - AF_PACKET under bad input.
 *
 * - sockaddr_ll on send: lengths, sll_halen, interface and protocol, on
 *   SOCK_RAW and SOCK_DGRAM, frames from empty to past the MTU: each
 *   answer is the errno Linux's packet_snd gives for that mistake,
 *   computed here from its rules.
 * - SOCK_RAW frames (ARP, IPv4 with UDP, TCP, ICMP, options, fragments)
 *   mutated, their checksums made right half of the time so they get
 *   past the first checks, sent over a memlink into a second namespace
 *   and over lo back into the sender's: every frame reaches the far
 *   side's ETH_P_ALL socket byte for byte, and afterwards both stacks
 *   still carry UDP and TCP and hold no stray TCP socket.
 * - PACKET_RX_RING under TPACKET_V3 with tpacket_req3 fields mutated: the
 *   errno of the kernel's packet_set_ring rules; a ring accepted is
 *   filled, and every block and frame header it shows lies inside it.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "fuzz.h"
#include "sim.h"
#include "test.h"

#define MTU		1500
#define FRAME_MAX	(MTU + 14 + 64)

static struct usn_net *na, *nb;
static int ifa, ifb, ifdown;
static unsigned char maca[6], macb[6];

static bool setup(void)
{
	uint32_t a = inet_addr("10.0.0.1"), b = inet_addr("10.0.0.2");
	struct usn_net *nc;
	int ifx[2];

	if (na)
		return true;
	test_sim_start(5);
	na = usn_net_create("fzpa", 0);
	nb = usn_net_create("fzpb", 0);
	nc = usn_net_create("fzpc", 0);
	if (!na || !nb || !nc ||
	    usn_memlink_create(na, "ml0", nb, "ml0", NULL, ifx) < 0)
		return false;
	ifa = ifx[0];
	ifb = ifx[1];
	/* A device that stays down, for ENETDOWN. */
	if (usn_memlink_create(na, "dn0", nc, "dn0", NULL, ifx) < 0)
		return false;
	ifdown = ifx[0];
	usn_addr_add(na, ifa, AF_INET, &a, 24);
	usn_addr_add(nb, ifb, AF_INET, &b, 24);
	usn_link_set_up(na, ifa, 1);
	usn_link_set_up(nb, ifb, 1);
	usn_link_hwaddr(na, ifa, maca);
	usn_link_hwaddr(nb, ifb, macb);
	usn_sim_run(50000000);
	return true;
}

static int psock(struct usn_net *net, int type, int proto, int ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons((uint16_t)proto),
				   .sll_ifindex = ifindex };
	int fd;

	usn_setns(net);
	fd = usn_socket(AF_PACKET, type, htons((uint16_t)proto));
	if (fd >= 0 && ifindex && usn_bind(fd, (void *)&sll, sizeof(sll))) {
		usn_close(fd);
		fd = -1;
	}
	return fd;
}

/* ---- sockaddr_ll ------------------------------------------------------ */

/* What packet_snd answers: 0 (sent) or the errno. */
static int snd_model(int type, int namelen, const struct sockaddr_ll *sll,
		     size_t len)
{
	const int addr_off = (int)offsetof(struct sockaddr_ll, sll_addr);
	bool dgram = type == SOCK_DGRAM;
	int ifindex = sll->sll_ifindex;
	unsigned int mtu = 0, hh = 14;

	if (namelen < (int)sizeof(*sll) || namelen < sll->sll_halen + addr_off)
		return EINVAL;
	if (ifindex == 1)
		mtu = 65536;
	else if (ifindex == ifa || ifindex == ifdown)
		mtu = MTU;
	if (mtu && dgram && namelen < 6 + addr_off)
		return EINVAL;
	if (!mtu)
		return ENXIO;
	if (ifindex == ifdown)
		return ENETDOWN;
	if (len > mtu + (dgram ? 0 : hh))
		return EMSGSIZE;
	if (!dgram && len < hh)
		return EINVAL;
	return 0;
}

TEST(sockaddr_ll_mistakes_get_the_kernels_errno)
{
	static const size_t lens[] = { 0, 1, 13, 14, 60, MTU, MTU + 14,
				       MTU + 15 };
	static uint8_t frame[MTU + 16];
	unsigned long iters = fuzz_iters(20000), failures = 0;
	struct fuzz_rng rng;
	int fd[2];

	ASSERT_TRUE(setup());
	fd[0] = psock(na, SOCK_RAW, 0, 0);
	fd[1] = psock(na, SOCK_DGRAM, 0, 0);
	ASSERT_TRUE(fd[0] >= 0 && fd[1] >= 0);
	memcpy(frame, macb, 6);
	memcpy(frame + 6, maca, 6);
	frame[12] = 0x88;	/* a local experimental type: nobody parses it */
	frame[13] = 0xb5;
	fuzz_seed(&rng, 0x11);
	for (unsigned long it = 0; it < iters; it++) {
		static const int ifs[] = { 0, 1, 2, 3, 4, 999, -1 };
		struct {
			struct sockaddr_ll sll;
			uint8_t more[16];
		} a = { 0 };
		int t = (int)fuzz_below(&rng, 2), namelen, want, got;
		size_t len = lens[fuzz_below(&rng, ARRAY_LEN(lens))];

		a.sll.sll_family = AF_PACKET;
		a.sll.sll_protocol = htons(fuzz_below(&rng, 2) ? 0x88b5 : 0);
		a.sll.sll_ifindex = ifs[fuzz_below(&rng, ARRAY_LEN(ifs))];
		if (a.sll.sll_ifindex == 2)
			a.sll.sll_ifindex = ifa;
		else if (a.sll.sll_ifindex == 3)
			a.sll.sll_ifindex = ifdown;
		a.sll.sll_halen = (uint8_t)(fuzz_below(&rng, 3) ?
					    fuzz_below(&rng, 12) :
					    fuzz_value(&rng));
		memcpy(a.sll.sll_addr, macb, 6);
		namelen = (int)fuzz_below(&rng, sizeof(a) + 1);
		if (fuzz_below(&rng, 2))
			namelen = (int)sizeof(a.sll);
		want = snd_model(t ? SOCK_DGRAM : SOCK_RAW, namelen, &a.sll,
				 len);
		errno = 0;
		got = (int)usn_sendto(fd[t], frame, len, MSG_DONTWAIT,
				      (void *)&a, (socklen_t)namelen);
		if (got >= 0 && (size_t)got != len)
			want = -1;
		if (got < 0 ? errno != want : want != 0) {
			if (failures++ < 5)
				TEST_FAIL_AT("%s len %zu namelen %d halen %u "
					     "ifindex %d: %s, Linux %s",
					     t ? "DGRAM" : "RAW", len, namelen,
					     a.sll.sll_halen, a.sll.sll_ifindex,
					     got < 0 ? strerrorname_np(errno) :
						       "sent",
					     want ? strerrorname_np(want) :
						    "sends");
		}
		if (!(it % 64))
			usn_sim_run(100000);
	}
	EXPECT_EQ(failures, 0);
	usn_close(fd[0]);
	usn_close(fd[1]);
	usn_sim_run(10000000);
}

/* ---- frames into the receive path ------------------------------------- */

static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Makes the IPv4 header and, if whole, the transport checksums right. */
static void fix_checksums(uint8_t *f, size_t len)
{
	size_t ihl, tot, l4;
	uint32_t ph;
	uint16_t c;
	int sumoff;

	if (len < 34 || f[12] != 0x08 || f[13] != 0x00)
		return;
	ihl = (size_t)(f[14] & 15) * 4;
	if (ihl < 20 || 14 + ihl > len)
		return;
	f[24] = f[25] = 0;
	c = csum(f + 14, ihl, 0);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	tot = (size_t)(f[16] << 8 | f[17]);
	if (tot < ihl || 14 + tot > len || (f[20] & 0x3f) || f[21])
		return;
	l4 = tot - ihl;
	switch (f[23]) {
	case IPPROTO_ICMP:
		sumoff = 2;
		break;
	case IPPROTO_TCP:
		sumoff = 16;
		break;
	case IPPROTO_UDP:
		sumoff = 6;
		break;
	default:
		return;
	}
	if (l4 < (size_t)sumoff + 2)
		return;
	f[14 + ihl + sumoff] = f[14 + ihl + sumoff + 1] = 0;
	ph = 0;
	if (f[23] != IPPROTO_ICMP) {
		for (int i = 26; i < 34; i += 2)
			ph += (uint32_t)(f[i] << 8 | f[i + 1]);
		ph += f[23] + (uint32_t)l4;
	}
	c = csum(f + 14 + ihl, l4, ph);
	f[14 + ihl + sumoff] = (uint8_t)(c >> 8);
	f[14 + ihl + sumoff + 1] = (uint8_t)c;
}

/* Seed frames, to b from a. */
static size_t seed_frame(int n, uint8_t *f)
{
	static const uint8_t ip_hdr[] = {
		0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 0, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
	};
	static const uint8_t tcp_syn[] = {
		0x30, 0x39, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0xff,
		0xff, 0, 0, 0, 0, 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0,
		0, 0, 1, 3, 3, 7,
	};
	static const uint8_t arp[] = {
		0, 1, 8, 0, 6, 4, 0, 1,
	};
	size_t len = 14, l4 = 0;

	memcpy(f, macb, 6);
	memcpy(f + 6, maca, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	if (n == 0) {			/* ARP request for 10.0.0.2 */
		f[13] = 0x06;
		memcpy(f + 14, arp, sizeof(arp));
		memcpy(f + 22, maca, 6);
		memcpy(f + 28, "\x0a\x00\x00\x01", 4);
		memset(f + 32, 0, 6);
		memcpy(f + 38, "\x0a\x00\x00\x02", 4);
		return 42;
	}
	memcpy(f + 14, ip_hdr, sizeof(ip_hdr));
	len += sizeof(ip_hdr);
	switch (n) {
	case 1:				/* UDP to port 9 */
		f[23] = IPPROTO_UDP;
		memcpy(f + len, "\x30\x39\x00\x09\x00\x10\x00\x00ping\x00\x00"
		       "\x00\x00", 16);
		l4 = 16;
		break;
	case 2:				/* TCP SYN with options */
		f[23] = IPPROTO_TCP;
		memcpy(f + len, tcp_syn, sizeof(tcp_syn));
		l4 = sizeof(tcp_syn);
		break;
	case 3:				/* ICMP echo */
		f[23] = IPPROTO_ICMP;
		memcpy(f + len, "\x08\x00\x00\x00\x00\x01\x00\x01" "abcdefgh", 16);
		l4 = 16;
		break;
	case 4:				/* options (RR), UDP */
		f[14] = 0x47;
		f[23] = IPPROTO_UDP;
		memcpy(f + len, "\x07\x07\x04\x00\x00\x00\x00\x01", 8);
		len += 8;
		memcpy(f + len, "\x30\x39\x00\x09\x00\x0c\x00\x00opts", 12);
		l4 = 12;
		break;
	default:			/* a first fragment */
		f[20] = 0x20;
		f[23] = IPPROTO_UDP;
		memcpy(f + len, "\x30\x39\x00\x09\x00\x30\x00\x00frag-one", 16);
		l4 = 16;
		break;
	}
	len += l4;
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	fix_checksums(f, len);
	return len;
}

static void mutate_frame(struct fuzz_rng *r, uint8_t *f, size_t *len)
{
	static const size_t ip_fields[] = { 14, 15, 16, 17, 20, 21, 22, 23, 30,
					    33, 34, 35, 36, 37, 46, 47, 48, 52,
					    53, 54, 55, 56, 57, 58, 59 };
	size_t at;

	if (fuzz_below(r, 2)) {
		size_t l3 = *len - 14;

		fuzz_mutate(r, f + 14, &l3, FRAME_MAX - 14, 4);
		*len = l3 + 14;
	} else {
		for (int k = (int)fuzz_below(r, 3); k >= 0; k--) {
			at = ip_fields[fuzz_below(r, ARRAY_LEN(ip_fields))];
			if (at < *len)
				f[at] = (uint8_t)fuzz_value(r);
		}
	}
	if (fuzz_below(r, 2))
		fix_checksums(f, *len);
}

struct sent_frame {
	uint8_t		b[FRAME_MAX];
	size_t		len;
};

/*
 * Reads @fd's queue and matches it to what was sent, in order; frames of
 * the stacks themselves (ARP, replies) go by. The frames missing.
 */
static int match_tap(int fd, const struct sent_frame *s, int n)
{
	static uint8_t got[FRAME_MAX + 16];
	int matched = 0, i = 0;
	ssize_t len;

	while ((len = usn_recv(fd, got, sizeof(got), MSG_DONTWAIT)) >= 0) {
		for (int j = i; j < n; j++) {
			if ((size_t)len == s[j].len &&
			    !memcmp(got, s[j].b, s[j].len)) {
				i = j + 1;
				matched++;
				break;
			}
		}
	}
	return n - matched;
}

TEST(mutated_frames_arrive_whole_and_leave_both_stacks_working)
{
	unsigned long iters = fuzz_iters(20000), failures = 0;
	static struct sent_frame batch[16];
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(9),
				   .sin_addr.s_addr = inet_addr("10.0.0.2") };
	int tx_ml, tx_lo, tap, udp, tcp_l, lo_tap;
	uint64_t inuse = 0;
	struct fuzz_rng rng;
	char buf[64];

	ASSERT_TRUE(setup());
	tap = psock(nb, SOCK_RAW, ETH_P_ALL, ifb);
	udp = usn_socket(AF_INET, SOCK_DGRAM, 0);
	tcp_l = usn_socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_TRUE(tap >= 0 && udp >= 0 && tcp_l >= 0);
	ASSERT_TRUE(usn_bind(udp, (void *)&sin, sizeof(sin)) == 0);
	sin.sin_port = htons(80);
	ASSERT_TRUE(usn_bind(tcp_l, (void *)&sin, sizeof(sin)) == 0);
	ASSERT_TRUE(usn_listen(tcp_l, 64) == 0);
	usn_fcntl(tcp_l, F_SETFL, O_NONBLOCK);
	tx_ml = psock(na, SOCK_RAW, 0, ifa);
	tx_lo = psock(na, SOCK_RAW, 0, 1);
	lo_tap = psock(na, SOCK_RAW, ETH_P_ALL, 1);
	ASSERT_TRUE(tx_ml >= 0 && tx_lo >= 0 && lo_tap >= 0);
	fuzz_seed(&rng, 0xf4a3e);
	for (unsigned long it = 0; it < iters; it += ARRAY_LEN(batch)) {
		int n = 0, lo_n = 0, bad, fd;

		for (size_t i = 0; i < ARRAY_LEN(batch); i++) {
			struct sent_frame *s = &batch[n];
			bool lo = fuzz_below(&rng, 4) == 0;

			s->len = seed_frame((int)fuzz_below(&rng, 6), s->b);
			mutate_frame(&rng, s->b, &s->len);
			if (s->len < 14 || s->len > MTU + 14)
				continue;
			if (lo) {
				/* To na itself: its own address, over lo. */
				if (s->len >= 34 && s->b[12] == 8 && !s->b[13])
					memcpy(s->b + 30, "\x0a\x00\x00\x01", 4);
				lo_n++;
			}
			if (usn_send(lo ? tx_lo : tx_ml, s->b, s->len,
				     MSG_DONTWAIT) != (ssize_t)s->len) {
				if (failures++ < 5)
					TEST_FAIL_AT("send %zu: %s", s->len,
						     strerror(errno));
				continue;
			}
			if (!lo)
				n++;
		}
		usn_sim_run(2000000);
		bad = match_tap(tap, batch, n);
		/* lo frames: counted in and out, not matched. */
		while (usn_recv(lo_tap, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			lo_n--;
		if (lo_n > 0)
			bad++;
		if (bad && failures++ < 5)
			TEST_FAIL_AT("iteration %lu: %d frames lost", it, bad);
		/* What got through: read it, accept and close it. */
		usn_setns(nb);
		while (usn_recv(udp, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			;
		while ((fd = usn_accept(tcp_l, NULL, NULL)) >= 0)
			usn_close(fd);
	}
	EXPECT_EQ(failures, 0);
	{
		static const char *const names[] = {
			"Ip.InReceives", "Ip.InHdrErrors", "Ip.InAddrErrors",
			"Ip.InDelivers", "Ip.ReasmFails", "Ip.InUnknownProtos",
			"Ip.InTruncatedPkts", "Ip.InCsumErrors",
			"Udp.InDatagrams", "Udp.InErrors", "Udp.InCsumErrors",
			"Udp.NoPorts", "Tcp.InSegs", "Tcp.InErrs",
			"Tcp.InCsumErrors", "Icmp.InMsgs", "Icmp.InErrors",
		};
		uint64_t v, drops = 0;

		printf("  b:");
		for (size_t i = 0; i < ARRAY_LEN(names); i++)
			if (!usn_snmp(nb, names[i], &v)) {
				printf(" %s %" PRIu64, names[i], v);
				if (strstr(names[i], "Err") ||
				    strstr(names[i], "Trunc"))
					drops += v;
			}
		printf("\n");
		/* The bad ones were seen and counted, not only sent. */
		EXPECT_TRUE(drops > iters / 100);
	}

	/* Both stacks still work: UDP and a TCP exchange, a to b. */
	usn_setns(na);
	{
		int u = usn_socket(AF_INET, SOCK_DGRAM, 0);
		int c = usn_socket(AF_INET, SOCK_STREAM, 0), s;

		sin.sin_port = htons(9);
		EXPECT_EQ(usn_sendto(u, "hello", 5, 0, (void *)&sin,
				     sizeof(sin)), 5);
		sin.sin_port = htons(80);
		usn_fcntl(c, F_SETFL, O_NONBLOCK);
		usn_connect(c, (void *)&sin, sizeof(sin));
		/*
		 * A mutated ARP frame may have taught b a wrong address for
		 * a, as it would Linux: the neighbour entry goes stale, its
		 * unicast probes fail and a broadcast one finds a again,
		 * within seconds; SYN-ACKs are resent meanwhile.
		 */
		usn_sim_run(30ULL * 1000000000);
		usn_setns(nb);
		EXPECT_EQ(usn_recv(udp, buf, sizeof(buf), MSG_DONTWAIT), 5);
		s = usn_accept(tcp_l, NULL, NULL);
		EXPECT_TRUE(s >= 0);
		usn_setns(na);
		if (usn_send(c, "data", 4, 0) != 4)
			TEST_FAIL_AT("send: %s", strerror(errno));
		usn_sim_run(100000000);
		usn_setns(nb);
		EXPECT_EQ(usn_recv(s, buf, sizeof(buf), MSG_DONTWAIT), 4);
		usn_close(s);
		usn_setns(na);
		usn_close(c);
		usn_close(u);
	}
	usn_setns(nb);
	usn_close(tcp_l);
	usn_close(udp);
	usn_close(tap);
	usn_setns(na);
	usn_close(tx_ml);
	usn_close(tx_lo);
	usn_close(lo_tap);
	/* Every socket the fuzzing created has gone, after TIME_WAIT too. */
	usn_sim_run(200ULL * 1000000000);
	EXPECT_EQ(usn_snmp(nb, "Sockstat.TCP.alloc", &inuse), 0);
	EXPECT_EQ(inuse, 0);
	EXPECT_EQ(usn_snmp(na, "Sockstat.TCP.alloc", &inuse), 0);
	EXPECT_EQ(inuse, 0);
}

/* ---- TPACKET_V3 setup ------------------------------------------------- */

#define V3_HDRLEN	(TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) + \
			 sizeof(struct sockaddr_ll))
#define ALIGN8(x)	(((x) + 7) & ~(uint64_t)7)
#define BLK_PRIV(p)	(ALIGN8(sizeof(struct tpacket_block_desc)) + ALIGN8(p))

/* What packet_set_ring answers for @q (with @reserve): 0 or the errno. */
static int ring_model(const struct tpacket_req3 *q, unsigned int reserve)
{
	uint64_t min_frame = V3_HDRLEN + reserve;
	unsigned int per_block;
	long page = sysconf(_SC_PAGESIZE);

	if (!q->tp_block_nr)
		return q->tp_frame_nr ? EINVAL : 0;
	if ((int)q->tp_block_size <= 0 || q->tp_block_size % page)
		return EINVAL;
	if (q->tp_block_size < BLK_PRIV((uint64_t)q->tp_sizeof_priv) + min_frame)
		return EINVAL;
	if (q->tp_frame_size < min_frame ||
	    (q->tp_frame_size & (TPACKET_ALIGNMENT - 1)))
		return EINVAL;
	per_block = q->tp_block_size / q->tp_frame_size;
	if (!per_block || per_block > UINT32_MAX / q->tp_block_nr ||
	    per_block * q->tp_block_nr != q->tp_frame_nr)
		return EINVAL;
	return 0;
}

static uint32_t ring_value(struct fuzz_rng *r, uint32_t good)
{
	switch (fuzz_below(r, 4)) {
	case 0:
		return fuzz_value(r);
	case 1:
		return good + fuzz_below(r, 9) - 4;
	default:
		return good;
	}
}

/* Every block the stack handed over lies within the ring: bad count. */
static int check_ring(const uint8_t *ring, const struct tpacket_req3 *q,
		      unsigned long *frames)
{
	int bad = 0;

	for (unsigned int b = 0; b < q->tp_block_nr; b++) {
		const uint8_t *blk = ring + (size_t)b * q->tp_block_size;
		struct tpacket_block_desc *pbd = (void *)(uintptr_t)blk;
		struct tpacket_hdr_v1 h1 = pbd->hdr.bh1;
		uint32_t off = h1.offset_to_first_pkt;

		if (!(h1.block_status & TP_STATUS_USER))
			continue;
		if (h1.blk_len > q->tp_block_size ||
		    (h1.num_pkts && (off < BLK_PRIV(q->tp_sizeof_priv) ||
				     off >= h1.blk_len)))
			bad++;
		for (unsigned int i = 0; i < h1.num_pkts && !bad; i++) {
			struct tpacket3_hdr h;

			if (off + sizeof(h) > h1.blk_len) {
				bad++;
				break;
			}
			memcpy(&h, blk + off, sizeof(h));
			if (h.tp_mac < V3_HDRLEN ||
			    off + h.tp_mac + h.tp_snaplen > h1.blk_len ||
			    h.tp_snaplen > h.tp_len)
				bad++;
			(*frames)++;
			if (!h.tp_next_offset)
				break;
			off += h.tp_next_offset;
		}
		__atomic_store_n(&pbd->hdr.bh1.block_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
	}
	return bad;
}

TEST(tpacket_v3_setup_answers_as_linux_and_fills_inside_the_ring)
{
	unsigned long iters = fuzz_iters(3000), failures = 0, rings = 0;
	unsigned long frames = 0;
	static uint8_t f[FRAME_MAX];
	struct fuzz_rng rng;
	int tx;

	ASSERT_TRUE(setup());
	tx = psock(na, SOCK_RAW, 0, ifa);
	ASSERT_TRUE(tx >= 0);
	fuzz_seed(&rng, 0x7ac3);
	for (unsigned long it = 0; it < iters; it++) {
		int v3 = TPACKET_V3, fd, want, got;
		unsigned int reserve = fuzz_below(&rng, 4) ? 0 :
				       fuzz_below(&rng, 300);
		uint32_t bs = 4096u << fuzz_below(&rng, 3);
		uint32_t fs = 256u << fuzz_below(&rng, 4);
		struct tpacket_req3 q;
		socklen_t qlen = sizeof(q);
		uint8_t *ring;
		size_t size;

		q.tp_block_size = ring_value(&rng, bs);
		q.tp_block_nr = ring_value(&rng, fuzz_below(&rng, 4) + 1);
		q.tp_frame_size = ring_value(&rng, fs);
		q.tp_frame_nr = ring_value(&rng, q.tp_block_nr *
					   (q.tp_frame_size ?
					    q.tp_block_size / q.tp_frame_size :
					    0));
		q.tp_retire_blk_tov = fuzz_below(&rng, 2) ? 1 : fuzz_value(&rng);
		q.tp_sizeof_priv = fuzz_below(&rng, 2) ? 0 : ring_value(&rng, 16);
		q.tp_feature_req_word = fuzz_below(&rng, 2) ? 0 :
					TP_FT_REQ_FILL_RXHASH;
		if (!fuzz_below(&rng, 8))
			qlen = fuzz_below(&rng, sizeof(q));
		/* Rings past 64 MiB: left out (memory), not their checks. */
		want = qlen < sizeof(q) ? EINVAL : ring_model(&q, reserve);
		if (!want && (uint64_t)q.tp_block_size * q.tp_block_nr >
			     (64u << 20))
			continue;
		fd = psock(nb, SOCK_RAW, ETH_P_ALL, ifb);
		ASSERT_TRUE(fd >= 0);
		usn_setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3));
		usn_setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &reserve,
			       sizeof(reserve));
		errno = 0;
		got = usn_setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, qlen);
		if (got ? errno != want : want != 0) {
			if (failures++ < 5)
				TEST_FAIL_AT("req3 bs %u bn %u fs %u fn %u "
					     "priv %u reserve %u len %u: %s, "
					     "Linux %s", q.tp_block_size,
					     q.tp_block_nr, q.tp_frame_size,
					     q.tp_frame_nr, q.tp_sizeof_priv,
					     reserve, qlen,
					     got ? strerrorname_np(errno) : "0",
					     want ? strerrorname_np(want) : "0");
		}
		if (got || !q.tp_block_nr) {
			usn_close(fd);
			continue;
		}
		rings++;
		size = (size_t)q.tp_block_size * q.tp_block_nr;
		ring = usn_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
				fd, 0);
		ASSERT_TRUE(ring != MAP_FAILED);
		for (int k = 0; k < 8; k++) {
			size_t len = seed_frame((int)fuzz_below(&rng, 6), f);

			len += fuzz_below(&rng, 2) ?
			       fuzz_below(&rng, MTU + 14 - (uint32_t)len) : 0;
			usn_send(tx, f, len, MSG_DONTWAIT);
		}
		/* Past the retire timeout: every block with frames is out. */
		usn_sim_run((uint64_t)(q.tp_retire_blk_tov > 1000 ? 1000 :
				       q.tp_retire_blk_tov) * 1000000 + 20000000);
		if (check_ring(ring, &q, &frames) && failures++ < 5)
			TEST_FAIL_AT("ring bs %u bn %u fs %u priv %u: a header "
				     "outside its block", q.tp_block_size,
				     q.tp_block_nr, q.tp_frame_size,
				     q.tp_sizeof_priv);
		EXPECT_EQ(usn_munmap(ring, size), 0);
		usn_close(fd);
	}
	EXPECT_EQ(failures, 0);
	printf("  %lu rings set up, %lu frames read\n", rings, frames);
	EXPECT_TRUE(rings > 0 && frames > 0);
	usn_close(tx);
}
