/* SPDX-License-Identifier: MIT */
/*
 * pktscript_test.c - the harness's TCP encoder and checker, before any TCP
 * stack can answer: segments built from script lines are compared with
 * bytes assembled by hand here, and hand-made segments "from the stack"
 * are checked against lines that must match or must fail with the right
 * message. No namespace is needed: the packet code runs on its own.
 */
#include <arpa/inet.h>
#include "pktscript.h"
#include "test.h"

struct fx {
	struct ps_script	s;
	struct ps_engine	E;
	char			err[PS_ERRLEN];
	uint8_t			buf[2048];
};

static struct fx *fx_load(const char *text)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if (ps_parse_text("t.pkt", text, &f->s, f->err, sizeof(f->err))) {
		fprintf(stderr, "  parse: %s\n", f->err);
		ps_script_free(&f->s);
		free(f);
		return NULL;
	}
	f->E.s = &f->s;
	f->E.next_ip_id = 1;
	return f;
}

static void fx_free(struct fx *f)
{
	ps_script_free(&f->s);
	free(f);
}

static int fx_build(struct fx *f, int i)
{
	int n;

	f->E.building = f->s.ev[i].pkt;
	n = ps_pkt_build(&f->E, f->s.ev[i].pkt, f->buf, sizeof(f->buf));
	f->E.building = NULL;
	return n;
}

/* Checks @len bytes against line @i; returns 0 or -1 with f->E.err set. */
static int fx_check(struct fx *f, int i, const uint8_t *b, size_t len)
{
	f->E.failed = false;
	f->E.err[0] = '\0';
	return ps_pkt_check(&f->E, f->s.ev[i].pkt, b, len);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)(p[i] << 8) | (i + 1 < n ? p[i + 1] : 0);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A segment as the stack would send it, assembled byte by byte. */
static size_t seg(uint8_t *b, const char *src, int sport, const char *dst,
		  int dport, uint32_t seq, uint32_t ack, uint8_t flags,
		  uint16_t win, const uint8_t *opt, size_t optlen, size_t data)
{
	size_t th = 20 + optlen, n = 20 + th + data;
	uint8_t *t = b + 20;
	uint32_t s;

	memset(b, 0, n);
	b[0] = 0x45;
	b[2] = (uint8_t)(n >> 8), b[3] = (uint8_t)n;
	b[6] = 0x40;		/* DF */
	b[8] = 64;
	b[9] = 6;
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	s = fold(sum16(0, b, 20));
	b[10] = (uint8_t)(s >> 8), b[11] = (uint8_t)s;
	t[0] = (uint8_t)(sport >> 8), t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8), t[3] = (uint8_t)dport;
	for (int i = 0; i < 4; i++) {
		t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	t[12] = (uint8_t)((th / 4) << 4);
	t[13] = flags;
	t[14] = (uint8_t)(win >> 8), t[15] = (uint8_t)win;
	if (optlen)
		memcpy(t + 20, opt, optlen);
	s = sum16(0, b + 12, 8) + 6 + (uint32_t)(th + data);
	s = fold(sum16(s, t, th + data));
	t[16] = (uint8_t)(s >> 8), t[17] = (uint8_t)s;
	return n;
}

static const uint8_t syn_opts[] = {
	2, 4, 0x05, 0xb4,		/* mss 1460 */
	4, 2,				/* sackOK */
	8, 10, 0, 0, 0, 100, 0, 0, 0, 0,	/* TS val 100 ecr 0 */
	1,				/* nop */
	3, 3, 7,			/* wscale 7 */
};

TEST(syn_is_built_byte_for_byte)
{
	struct fx *f = fx_load(
		"0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>\n");
	uint8_t want[128];
	size_t n;

	ASSERT_TRUE(f);
	EXPECT_EQ(fx_build(f, 0), 60);
	n = seg(want, "192.0.2.1", 40000, "10.0.0.1", 8080, 1000000, 0, 0x02,
		65535, syn_opts, sizeof(syn_opts), 0);
	want[6] = 0;					/* no DF inbound */
	want[4] = 0, want[5] = 1;			/* IP ID 1 */
	want[10] = want[11] = 0;
	{
		uint16_t s = fold(sum16(0, want, 20));

		want[10] = (uint8_t)(s >> 8), want[11] = (uint8_t)s;
	}
	EXPECT_EQ(n, 60);
	EXPECT_TRUE(!memcmp(f->buf, want, n));
	fx_free(f);
}

TEST(handshake_numbers_are_relative)
{
	struct fx *f = fx_load(
		"0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>\n"
		"+0 > S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val ... ecr 100,nop,wscale 7>\n"
		"+0 < . 1:1(0) ack 1 win 502 <nop,nop,TS val 110 ecr 0>\n"
		"+0 > P. 1:11(10) ack 1 win 510 <nop,nop,TS val 5 ecr 110>\n"
		"+0 > P. 1:11(10) ack 1 win 510 <nop,nop,TS val 6 ecr 110>\n");
	static const uint8_t synack_opts[] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x00, 0x0b, 0xde, 0x31,
		0, 0, 0, 100, 1, 3, 3, 7,
	};
	static const uint8_t data_opts[] = {
		1, 1, 8, 10, 0x00, 0x0b, 0xde, 0x36, 0, 0, 0, 110,
	};
	uint8_t b[256];
	size_t n;

	ASSERT_TRUE(f);
	ASSERT_TRUE(fx_build(f, 0) > 0);
	/* The stack's ISN 5000 and TS clock 777777 become 0 and the script's. */
	n = seg(b, "10.0.0.1", 8080, "192.0.2.1", 40000, 5000, 1000001, 0x12,
		65160, synack_opts, sizeof(synack_opts), 0);
	EXPECT_EQ(fx_check(f, 1, b, n), 0);
	if (f->E.failed)
		fprintf(stderr, "  %s\n", f->E.err);
	/* The ACK acknowledges 5001, and echoes the TS value sent: 777777. */
	ASSERT_TRUE(fx_build(f, 2) == 52);
	EXPECT_EQ(rd32(f->buf + 24), 1000001);
	EXPECT_EQ(rd32(f->buf + 28), 5001);
	EXPECT_EQ(rd32(f->buf + 48), 777777);
	/* Data: 5 ms of TS clock later, "val 5" relative to the first (0). */
	n = seg(b, "10.0.0.1", 8080, "192.0.2.1", 40000, 5001, 1000001, 0x18,
		510, data_opts, sizeof(data_opts), 10);
	EXPECT_EQ(fx_check(f, 3, b, n), 0);
	if (f->E.failed)
		fprintf(stderr, "  %s\n", f->E.err);
	EXPECT_EQ(fx_check(f, 4, b, n), -1);
	EXPECT_TRUE(strstr(f->E.err, "TS val (relative to the first): expected 6, got 5"));
	fx_free(f);
}

/* One SYN-ACK from the stack against lines that must each fail, and how. */
TEST(mismatches_are_named)
{
	static const struct {
		const char *line;
		const char *msg;
	} cases[] = {
		{ "> S. 0:0(0) ack 1 win 65160 <sackOK,mss 1460,TS val ... ecr 100,nop,wscale 7>",
		  "TCP option 1: expected kind 4, got kind 2" },
		{ "> S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val ... ecr 100,nop,wscale 8>",
		  "wscale: expected 8, got 7" },
		{ "> S. 0:0(0) ack 1 win 65535 <...>",
		  "TCP window: expected 65535, got 65160" },
		{ "> S. 0:0(0) ack 2 win 65160 <...>", "TCP ack: expected 2, got 1" },
		{ "> S 0:0(0) win 65160 <...>", "TCP flags: expected S, got S." },
		{ "> S. 0:0(0) ack 1 win 65160",
		  "TCP options: expected none, got 20 bytes" },
		{ "> S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val ... ecr 100,nop>",
		  "TCP options: 3 more bytes than expected (kind 3)" },
		{ "> S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val ... ecr 99,nop,wscale 7>",
		  "TS ecr: expected 99, got 100" },
		{ "> S. 0:5(5) ack 1 win 65160 <...>", "TCP payload length: expected 5, got 0" },
		{ "> tcp 10.0.0.1:8080 > 192.0.2.1:40001 S. 0:0(0) ack 1 win 65160 <...>",
		  "TCP destination port: expected 40001, got 40000" },
		{ "> S. 0:0(0) ack 1 win 65160 <...> {ttl 63}", "IP TTL: expected 63, got 64" },
		{ "> S. 0:0(0) ack 1 win 65160 <...> {nodf}", "IP DF: expected 0, got 1" },
		{ "> udp 10.0.0.1:8080 > 192.0.2.1:40000 len 40", "IP protocol: expected 17, got 6" },
	};
	static const uint8_t synack_opts[] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 1, 0, 0, 0, 0, 100, 1, 3, 3, 7,
	};
	char text[512];
	uint8_t b[256];
	size_t n;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct fx *f;

		snprintf(text, sizeof(text), "0 < S 0:0(0) win 1000\n+0 %s\n",
			 cases[i].line);
		f = fx_load(text);
		ASSERT_TRUE(f);
		ASSERT_TRUE(fx_build(f, 0) > 0);
		n = seg(b, "10.0.0.1", 8080, "192.0.2.1", 40000, 5000, 1000001,
			0x12, 65160, synack_opts, sizeof(synack_opts), 0);
		EXPECT_EQ(fx_check(f, 1, b, n), -1);
		if (!strstr(f->E.err, cases[i].msg))
			TEST_FAIL_AT("case %zu: wanted \"%s\" in:\n%s", i,
				     cases[i].msg, f->E.err);
		fx_free(f);
	}
}

TEST(bad_checksums_are_malformed)
{
	struct fx *f = fx_load("0 < S 0:0(0) win 1000\n+0 > R. 0:0(0) ack 1 win 0\n");
	uint8_t b[64];
	size_t n;

	ASSERT_TRUE(f);
	ASSERT_TRUE(fx_build(f, 0) > 0);
	/* A RST to a SYN on a closed port: seq 0 absolute, ack = SYN + 1. */
	n = seg(b, "10.0.0.1", 8080, "192.0.2.1", 40000, 0, 1000001, 0x14, 0,
		NULL, 0, 0);
	EXPECT_EQ(fx_check(f, 1, b, n), 0);
	b[20 + 17] ^= 1;
	EXPECT_EQ(fx_check(f, 1, b, n), -1);
	EXPECT_TRUE(strstr(f->E.err, "malformed: bad TCP checksum"));
	b[20 + 17] ^= 1;
	b[10] ^= 1;
	EXPECT_EQ(fx_check(f, 1, b, n), -1);
	EXPECT_TRUE(strstr(f->E.err, "malformed: bad IP header checksum"));
	b[10] ^= 1;
	b[3] += 1;		/* total length past what was sent */
	EXPECT_EQ(fx_check(f, 1, b, n), -1);
	EXPECT_TRUE(strstr(f->E.err, "IP total length 41 but 40 bytes sent"));
	fx_free(f);
}

TEST(sack_blocks_and_data_pattern)
{
	struct fx *f = fx_load(
		"--remote_isn=4294967000\n"
		"0 < P. 1:301(300) ack 1 win 500 <nop,nop,sack 101:201>\n");
	int n;

	ASSERT_TRUE(f);
	n = fx_build(f, 0);
	ASSERT_TRUE(n == 20 + 32 + 300);
	/* Sequence numbers wrap: 4294967000 + 1. */
	EXPECT_EQ(rd32(f->buf + 24), 4294967001u);
	EXPECT_EQ(f->buf[20 + 20 + 2], 5);
	EXPECT_EQ(f->buf[20 + 20 + 3], 10);
	EXPECT_EQ(rd32(f->buf + 20 + 24), 101);	/* local ISN unknown: 0 */
	/* The payload is the alphabet from relative sequence number 1. */
	EXPECT_TRUE(!memcmp(f->buf + 52, "abcdefghijklmnopqrstuvwxyza", 27));
	EXPECT_EQ(fold(sum16(sum16(0, f->buf + 12, 8) + 6 + 332, f->buf + 20, 332)), 0);
	fx_free(f);
}
