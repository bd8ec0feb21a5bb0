/* SPDX-License-Identifier: MIT */
/*
 * filter_fuzz_test.c - classic BPF programs, generated and mutated: real
 * filters (what tcpdump compiles, scratch memory, negative offsets,
 * ancillary loads) with opcodes, constants and jump offsets changed,
 * instructions inserted, dropped and cut, and programs made from nothing.
 *
 * Invariants: the checker's answer equals that of a second checker written
 * here from the kernel's rules (bpf_check_classic: -EINVAL or 0), and
 * through the socket (SO_ATTACH_FILTER) the same errno; a program that
 * passed runs over packets of every length without reading outside
 * [head, tail) (its result is the same whatever lies past the tail; the
 * program array is allocated to its exact size, so ASan sees any step
 * past it); no sk_buff is left behind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <string.h>
#include "core/filter.h"
#include "core/skbuff.h"
#include "link/netdevice.h"
#include "fuzz.h"
#include "test.h"

#define S(c, k)		BPF_STMT(c, k)
#define J(c, k, t, f)	BPF_JUMP(c, k, t, f)
#define MAX_PROG	64

/* ---- a second checker, from the kernel's rules ------------------------ */

static bool ref_code_ok(uint16_t code)
{
	if (code > 0xff)
		return false;
	switch (BPF_CLASS(code)) {
	case BPF_ALU:
		if (BPF_OP(code) == BPF_NEG)
			return code == (BPF_ALU | BPF_NEG);
		return BPF_OP(code) <= BPF_XOR;
	case BPF_LD:
		switch (BPF_MODE(code)) {
		case BPF_ABS:
		case BPF_IND:
			return BPF_SIZE(code) != 0x18;
		case BPF_LEN:
			return BPF_SIZE(code) == BPF_W;
		case BPF_IMM:
		case BPF_MEM:
			return BPF_SIZE(code) == 0;
		default:
			return false;
		}
	case BPF_LDX:
		return code == (BPF_LDX | BPF_W | BPF_LEN) ||
		       code == (BPF_LDX | BPF_B | BPF_MSH) ||
		       code == (BPF_LDX | BPF_IMM) ||
		       code == (BPF_LDX | BPF_MEM);
	case BPF_ST:
		return code == BPF_ST;
	case BPF_STX:
		return code == BPF_STX;
	case BPF_MISC:
		return code == (BPF_MISC | BPF_TAX) ||
		       code == (BPF_MISC | BPF_TXA);
	case BPF_RET:
		return code == (BPF_RET | BPF_K) || code == (BPF_RET | BPF_A);
	default:	/* BPF_JMP */
		if (BPF_OP(code) == BPF_JA)
			return code == (BPF_JMP | BPF_JA);
		return (BPF_OP(code) == BPF_JEQ || BPF_OP(code) == BPF_JGT ||
			BPF_OP(code) == BPF_JGE || BPF_OP(code) == BPF_JSET) &&
		       (code & ~0xf8) == BPF_JMP;
	}
}

static int ref_check(const struct sock_filter *f, unsigned int n)
{
	uint16_t mask[BPF_MAXINSNS], valid = 0;

	if (!n || n > BPF_MAXINSNS)
		return -EINVAL;
	for (unsigned int pc = 0; pc < n; pc++) {
		uint16_t c = f[pc].code;
		uint32_t k = f[pc].k;

		if (!ref_code_ok(c))
			return -EINVAL;
		if (BPF_CLASS(c) == BPF_ALU && BPF_SRC(c) == BPF_K &&
		    (BPF_OP(c) == BPF_DIV || BPF_OP(c) == BPF_MOD) && !k)
			return -EINVAL;
		if (BPF_CLASS(c) == BPF_ALU && BPF_SRC(c) == BPF_K &&
		    (BPF_OP(c) == BPF_LSH || BPF_OP(c) == BPF_RSH) && k >= 32)
			return -EINVAL;
		if ((BPF_MODE(c) == BPF_MEM && (BPF_CLASS(c) == BPF_LD ||
						BPF_CLASS(c) == BPF_LDX)) ||
		    c == BPF_ST || c == BPF_STX)
			if (k >= BPF_MEMWORDS)
				return -EINVAL;
		if (c == (BPF_JMP | BPF_JA) && (uint64_t)pc + k + 1 >= n)
			return -EINVAL;
		if (BPF_CLASS(c) == BPF_JMP && BPF_OP(c) != BPF_JA &&
		    (pc + f[pc].jt + 1 >= n || pc + f[pc].jf + 1 >= n))
			return -EINVAL;
		/* Ancillary: SKF_AD_OFF + a multiple of 4 below SKF_AD_MAX. */
		if (BPF_CLASS(c) == BPF_LD && BPF_MODE(c) == BPF_ABS &&
		    k >= (uint32_t)SKF_AD_OFF &&
		    (k - (uint32_t)SKF_AD_OFF >= SKF_AD_MAX || (k & 3)))
			return -EINVAL;
	}
	if (BPF_CLASS(f[n - 1].code) != BPF_RET)
		return -EINVAL;
	/* No scratch cell read before a store on some path to it. */
	for (unsigned int pc = 0; pc < n; pc++)
		mask[pc] = 0xffff;
	for (unsigned int pc = 0; pc < n; pc++) {
		uint16_t c = f[pc].code;

		valid &= mask[pc];
		if (c == BPF_ST || c == BPF_STX)
			valid |= (uint16_t)(1u << f[pc].k);
		else if ((c == (BPF_LD | BPF_MEM) || c == (BPF_LDX | BPF_MEM)) &&
			 !(valid & (1u << f[pc].k)))
			return -EINVAL;
		if (BPF_CLASS(c) != BPF_JMP)
			continue;
		if (BPF_OP(c) == BPF_JA) {
			mask[pc + 1 + f[pc].k] &= valid;
		} else {
			mask[pc + 1 + f[pc].jt] &= valid;
			mask[pc + 1 + f[pc].jf] &= valid;
		}
		valid = 0xffff;
	}
	return 0;
}

/* ---- seeds and mutations ---------------------------------------------- */

static const struct sock_filter seed_udp53[] = {	/* ip and udp port 53 */
	S(BPF_LD | BPF_H | BPF_ABS, 12),
	J(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 8),
	S(BPF_LD | BPF_B | BPF_ABS, 23),
	J(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 6),
	S(BPF_LD | BPF_H | BPF_ABS, 20),
	J(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
	S(BPF_LDX | BPF_B | BPF_MSH, 14),
	S(BPF_LD | BPF_H | BPF_IND, 16),
	J(BPF_JMP | BPF_JEQ | BPF_K, 53, 0, 1),
	S(BPF_RET | BPF_K, 0x40000),
	S(BPF_RET | BPF_K, 0),
};

static const struct sock_filter seed_mem[] = {
	S(BPF_LD | BPF_W | BPF_LEN, 0),
	S(BPF_ST, 3),
	S(BPF_LDX | BPF_IMM, 2),
	S(BPF_STX, 15),
	S(BPF_LD | BPF_MEM, 3),
	S(BPF_ALU | BPF_DIV | BPF_X, 0),
	S(BPF_ALU | BPF_MOD | BPF_K, 7),
	S(BPF_ALU | BPF_LSH | BPF_K, 31),
	S(BPF_ALU | BPF_NEG, 0),
	S(BPF_LDX | BPF_MEM, 15),
	S(BPF_ALU | BPF_RSH | BPF_X, 0),
	S(BPF_MISC | BPF_TAX, 0),
	S(BPF_MISC | BPF_TXA, 0),
	J(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1),
	S(BPF_JMP | BPF_JA, 0),
	S(BPF_RET | BPF_A, 0),
};

static const struct sock_filter seed_neg[] = {
	S(BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_NET_OFF + 9),
	S(BPF_ST, 0),
	S(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_LL_OFF + 6),
	S(BPF_LDX | BPF_IMM, (uint32_t)SKF_NET_OFF),
	S(BPF_LD | BPF_H | BPF_IND, 2),
	S(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_PROTOCOL),
	S(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_IFINDEX),
	S(BPF_LD | BPF_H | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_PKTTYPE),
	S(BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_HATYPE),
	S(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_PAY_OFFSET),
	S(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_RXHASH),
	S(BPF_LDX | BPF_IMM, 1),
	S(BPF_LD | BPF_IMM, 14),
	S(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_NLATTR),
	S(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_NLATTR_NEST),
	S(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_ALU_XOR_X),
	S(BPF_LD | BPF_MEM, 0),
	S(BPF_RET | BPF_A, 0),
};

static const struct {
	const struct sock_filter *insns;
	unsigned int len;
} seeds[] = {
	{ seed_udp53, ARRAY_LEN(seed_udp53) },
	{ seed_mem, ARRAY_LEN(seed_mem) },
	{ seed_neg, ARRAY_LEN(seed_neg) },
};

/* Constants that sit on the edges the checker and the loads guard. */
static uint32_t prog_k(struct fuzz_rng *r)
{
	static const uint32_t edge[] = {
		(uint32_t)SKF_AD_OFF, (uint32_t)SKF_AD_OFF + SKF_AD_MAX,
		(uint32_t)SKF_NET_OFF, (uint32_t)SKF_LL_OFF,
		(uint32_t)SKF_NET_OFF - 1, (uint32_t)SKF_LL_OFF - 1,
		(uint32_t)SKF_AD_OFF - 1, BPF_MEMWORDS, BPF_MEMWORDS - 1,
		31, 32, 60, 1514, 65535,
	};

	switch (fuzz_below(r, 4)) {
	case 0:
		return edge[fuzz_below(r, ARRAY_LEN(edge))] +
		       fuzz_below(r, 5) * 4 - 8;
	case 1:
		return fuzz_below(r, 80);
	default:
		return fuzz_value(r);
	}
}

static uint16_t prog_code(struct fuzz_rng *r)
{
	/* Mostly codes that exist, to get past the first check. */
	static const uint16_t common[] = {
		BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS,
		BPF_LD | BPF_B | BPF_ABS, BPF_LD | BPF_W | BPF_IND,
		BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
		BPF_LDX | BPF_B | BPF_MSH, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM,
		BPF_ST, BPF_STX, BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM,
		BPF_JMP | BPF_JA, BPF_JMP | BPF_JEQ | BPF_K,
		BPF_JMP | BPF_JGT | BPF_X, BPF_JMP | BPF_JSET | BPF_K,
		BPF_ALU | BPF_DIV | BPF_K, BPF_ALU | BPF_MOD | BPF_X,
		BPF_ALU | BPF_LSH | BPF_K, BPF_ALU | BPF_RSH | BPF_X,
		BPF_RET | BPF_K, BPF_RET | BPF_A, BPF_MISC | BPF_TAX,
	};

	if (fuzz_below(r, 4))
		return common[fuzz_below(r, ARRAY_LEN(common))];
	return (uint16_t)fuzz_below(r, fuzz_below(r, 2) ? 0x100 : 0x10000);
}

static void prog_mutate(struct fuzz_rng *r, struct sock_filter *p,
			unsigned int *n)
{
	unsigned int pc = fuzz_below(r, *n ? *n : 1);

	switch (fuzz_below(r, 7)) {
	case 0:
		p[pc].code = prog_code(r);
		break;
	case 1:
		p[pc].k = prog_k(r);
		break;
	case 2:
		p[pc].jt = (uint8_t)fuzz_below(r, fuzz_below(r, 2) ? 8 : 256);
		break;
	case 3:
		p[pc].jf = (uint8_t)fuzz_below(r, fuzz_below(r, 2) ? 8 : 256);
		break;
	case 4:		/* an instruction inserted */
		if (*n < MAX_PROG) {
			memmove(p + pc + 1, p + pc, (*n - pc) * sizeof(*p));
			p[pc] = (struct sock_filter){ prog_code(r),
				(uint8_t)fuzz_below(r, 4),
				(uint8_t)fuzz_below(r, 4), prog_k(r) };
			(*n)++;
		}
		break;
	case 5:		/* one dropped */
		if (*n) {
			memmove(p + pc, p + pc + 1, (*n - pc - 1) * sizeof(*p));
			(*n)--;
		}
		break;
	default:	/* cut */
		*n = fuzz_below(r, *n + 1);
		break;
	}
}

/* ---- running ---------------------------------------------------------- */

/* The device a frame came in on: only its index (no namespace here). */
static const struct net_device fuzz_dev = { .ifindex = 3 };

/*
 * An Ethernet frame of @len bytes (an IPv4/UDP one cut to @len), data at
 * the link header, network header 14 bytes in, the tailroom filled with
 * @fill.
 */
static struct sk_buff *frame(unsigned int len, uint8_t fill)
{
	static const uint8_t f[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0,
		0x45, 0, 0, 36, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0,
		0, 2, 0x30, 0x39, 0, 53, 0, 16, 0, 0, 8, 0, 4, 0, 1, 0, 0, 0,
	};
	struct sk_buff *skb = alloc_skb_headroom(len + 64, 16);
	uint8_t *d;

	if (!skb)
		return NULL;
	memset(skb_tail_pointer(skb), fill, skb_tailroom(skb));
	d = skb_put(skb, len);
	for (unsigned int i = 0; i < len; i++)
		d[i] = i < sizeof(f) ? f[i] : (uint8_t)i;
	skb_reset_mac_header(skb);
	skb->network_header = (uint16_t)(skb->mac_header + (len >= 14 ? 14 : len));
	skb->transport_header = (uint16_t)(skb->network_header + 20);
	skb->protocol = htons(ETH_P_IP);
	skb->skb_iif = fuzz_dev.ifindex;
	return skb;
}

/* Whether @p reads something that changes from run to run. */
static bool prog_random(const struct sock_filter *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (BPF_CLASS(p[i].code) == BPF_LD &&
		    (p[i].k == (uint32_t)SKF_AD_OFF + SKF_AD_RANDOM ||
		     p[i].k == (uint32_t)SKF_AD_OFF + SKF_AD_CPU))
			return true;
	return false;
}

static unsigned long accepted, runs;

/*
 * One program (@size / 8 instructions of @data): the checker against the
 * reference, then runs. Returns the invariants broken.
 */
static int fuzz_filter_one(const uint8_t *data, size_t size)
{
	static const unsigned int lens[] = { 0, 1, 13, 14, 20, 34, 42, 50, 300 };
	unsigned int n = (unsigned int)(size / sizeof(struct sock_filter));
	struct sock_filter *p;
	int bad = 0, err, ref;

	if (n > BPF_MAXINSNS + 1)
		n = BPF_MAXINSNS + 1;
	/* Exactly the program's size: ASan sees a step past its end. */
	p = malloc(n ? n * sizeof(*p) : 1);
	if (!p)
		return 0;
	memcpy(p, data, n * sizeof(*p));
	err = bpf_check_classic(n ? p : NULL, n);
	ref = ref_check(p, n);
	if (err != ref) {
		fprintf(stderr, "  checker says %d, the kernel's rules %d\n",
			err, ref);
		bad++;
	}
	if (err || ref)
		goto out;
	accepted++;
	for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
		struct sk_buff *a = frame(lens[i], 0x00);
		struct sk_buff *b = frame(lens[i], 0xff);
		uint32_t ra, rb;

		if (!a || !b) {
			kfree_skb(a);
			kfree_skb(b);
			break;
		}
		ra = bpf_prog_run_classic(p, a);
		rb = bpf_prog_run_classic(p, b);
		runs++;
		if (ra != rb && !prog_random(p, n)) {
			fprintf(stderr, "  a %u-byte packet: %u, or %u with "
				"other bytes past its tail\n", lens[i], ra, rb);
			bad++;
		}
		kfree_skb(a);
		kfree_skb(b);
	}
out:
	free(p);
	return bad;
}

/* ---- the tests -------------------------------------------------------- */

TEST(seed_programs_pass_both_checkers)
{
	for (size_t i = 0; i < ARRAY_LEN(seeds); i++) {
		EXPECT_EQ(ref_check(seeds[i].insns, seeds[i].len), 0);
		EXPECT_EQ(fuzz_filter_one((const void *)seeds[i].insns,
					  seeds[i].len * sizeof(struct sock_filter)), 0);
	}
}

TEST(mutated_programs_are_refused_or_run_inside_the_packet)
{
	unsigned long iters = fuzz_iters(60000), failures = 0;
	struct skb_pool_stats before, after;
	struct sock_filter p[MAX_PROG + 1];
	struct fuzz_rng rng;
	unsigned int n;

	fuzz_seed(&rng, 0xb9f);
	skb_pool_get_stats(&before);
	for (unsigned long it = 0; it < iters; it++) {
		size_t s = fuzz_below(&rng, ARRAY_LEN(seeds) + 1);
		int bad;

		if (s < ARRAY_LEN(seeds)) {
			n = seeds[s].len;
			memcpy(p, seeds[s].insns, n * sizeof(*p));
			for (int k = (int)fuzz_below(&rng, 4); k >= 0; k--)
				prog_mutate(&rng, p, &n);
		} else {
			n = fuzz_below(&rng, 12) + 1;
			for (unsigned int i = 0; i < n; i++)
				p[i] = (struct sock_filter){ prog_code(&rng),
					(uint8_t)fuzz_below(&rng, 4),
					(uint8_t)fuzz_below(&rng, 4),
					prog_k(&rng) };
			if (fuzz_below(&rng, 2))
				p[n - 1] = (struct sock_filter)S(BPF_RET | BPF_A, 0);
		}
		bad = fuzz_filter_one((const void *)p, n * sizeof(*p));
		if (bad && failures++ < 5) {
			TEST_FAIL_AT("iteration %lu broke %d invariants", it, bad);
			fuzz_hexdump((const void *)p, n * sizeof(*p));
		}
	}
	skb_pool_get_stats(&after);
	EXPECT_EQ(failures, 0);
	EXPECT_EQ(after.heads_in_use, before.heads_in_use);
	EXPECT_EQ(after.data_in_use, before.data_in_use);
	printf("  %lu programs, %lu accepted, %lu runs\n", iters, accepted, runs);
	/* The mutations must reach the interpreter, not only the checker. */
	EXPECT_TRUE(accepted > iters / 10);
}

TEST(the_largest_programs_are_checked_whole)
{
	static struct sock_filter big[BPF_MAXINSNS + 1];

	/* A jump from the first to the last instruction of a full program. */
	for (unsigned int i = 0; i < ARRAY_LEN(big); i++)
		big[i] = (struct sock_filter)S(BPF_RET | BPF_K, 1);
	big[0] = (struct sock_filter)S(BPF_JMP | BPF_JA, BPF_MAXINSNS - 2);
	EXPECT_EQ(fuzz_filter_one((const void *)big,
				  BPF_MAXINSNS * sizeof(big[0])), 0);
	big[0].k = BPF_MAXINSNS - 1;
	EXPECT_EQ(bpf_check_classic(big, BPF_MAXINSNS), -EINVAL);
	EXPECT_EQ(fuzz_filter_one((const void *)big, sizeof(big)), 0);
}
