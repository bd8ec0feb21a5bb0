/* SPDX-License-Identifier: MIT */
/*
 * filter_test.c - classic BPF: each rule of the checker (a program it
 * must refuse with EINVAL, next to the smallest change that passes), the
 * interpreter's instructions, packet bounds, negative offsets and
 * ancillary loads, and the socket side (attach, detach, lock, get).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "core/filter.h"
#include "link/netdevice.h"
#include "socket/sock.h"
#include "test.h"

#define S(c, k)		BPF_STMT(c, k)
#define J(c, k, t, f)	BPF_JUMP(c, k, t, f)
#define CHECK(prog)	bpf_check_classic(prog, ARRAY_LEN(prog))

TEST(checker_accepts_a_minimal_program)
{
	struct sock_filter ok[] = { S(BPF_RET | BPF_K, 0xffff) };

	EXPECT_EQ(CHECK(ok), 0);
}

TEST(checker_refuses_empty_too_long_and_null)
{
	static struct sock_filter big[BPF_MAXINSNS + 1];

	for (unsigned int i = 0; i < ARRAY_LEN(big); i++)
		big[i] = (struct sock_filter)S(BPF_RET | BPF_K, 0);
	EXPECT_EQ(bpf_check_classic(big, 0), -EINVAL);
	EXPECT_EQ(bpf_check_classic(NULL, 1), -EINVAL);
	EXPECT_EQ(bpf_check_classic(big, BPF_MAXINSNS + 1), -EINVAL);
	EXPECT_EQ(bpf_check_classic(big, BPF_MAXINSNS), 0);
}

TEST(checker_refuses_unknown_opcodes)
{
	struct sock_filter bad1[] = { { 0xff, 0, 0, 0 }, S(BPF_RET | BPF_K, 0) };
	struct sock_filter bad2[] = { S(BPF_RET | BPF_X, 0) };	/* RET X is not classic */
	struct sock_filter bad3[] = { S(BPF_LD | BPF_B | BPF_LEN, 0), S(BPF_RET | BPF_K, 0) };

	EXPECT_EQ(CHECK(bad1), -EINVAL);
	EXPECT_EQ(CHECK(bad2), -EINVAL);
	EXPECT_EQ(CHECK(bad3), -EINVAL);
}

TEST(checker_refuses_division_by_constant_zero)
{
	struct sock_filter div0[] = { S(BPF_ALU | BPF_DIV | BPF_K, 0), S(BPF_RET | BPF_A, 0) };
	struct sock_filter mod0[] = { S(BPF_ALU | BPF_MOD | BPF_K, 0), S(BPF_RET | BPF_A, 0) };
	struct sock_filter divx[] = { S(BPF_ALU | BPF_DIV | BPF_X, 0), S(BPF_RET | BPF_A, 0) };
	struct sock_filter div2[] = { S(BPF_ALU | BPF_DIV | BPF_K, 2), S(BPF_RET | BPF_A, 0) };

	EXPECT_EQ(CHECK(div0), -EINVAL);
	EXPECT_EQ(CHECK(mod0), -EINVAL);
	EXPECT_EQ(CHECK(divx), 0);	/* by X: checked when it runs */
	EXPECT_EQ(CHECK(div2), 0);
}

TEST(checker_refuses_shifts_of_32_or_more)
{
	struct sock_filter lsh[] = { S(BPF_ALU | BPF_LSH | BPF_K, 32), S(BPF_RET | BPF_A, 0) };
	struct sock_filter rsh[] = { S(BPF_ALU | BPF_RSH | BPF_K, 31), S(BPF_RET | BPF_A, 0) };

	EXPECT_EQ(CHECK(lsh), -EINVAL);
	EXPECT_EQ(CHECK(rsh), 0);
}

TEST(checker_refuses_jumps_out_of_the_program)
{
	struct sock_filter ja[] = { S(BPF_JMP | BPF_JA, 1), S(BPF_RET | BPF_K, 0) };
	struct sock_filter ja_ok[] = { S(BPF_JMP | BPF_JA, 0), S(BPF_RET | BPF_K, 0) };
	struct sock_filter jt[] = { J(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0), S(BPF_RET | BPF_K, 0) };
	struct sock_filter jf[] = { J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), S(BPF_RET | BPF_K, 0) };
	struct sock_filter jok[] = { J(BPF_JMP | BPF_JGT | BPF_K, 1, 0, 1),
				     S(BPF_RET | BPF_K, 1), S(BPF_RET | BPF_K, 0) };

	EXPECT_EQ(CHECK(ja), -EINVAL);
	EXPECT_EQ(CHECK(ja_ok), 0);
	EXPECT_EQ(CHECK(jt), -EINVAL);
	EXPECT_EQ(CHECK(jf), -EINVAL);
	EXPECT_EQ(CHECK(jok), 0);
}

TEST(checker_refuses_scratch_cells_out_of_range)
{
	struct sock_filter st[] = { S(BPF_ST, BPF_MEMWORDS), S(BPF_RET | BPF_K, 0) };
	struct sock_filter ld[] = { S(BPF_ST, 0), S(BPF_LD | BPF_MEM, BPF_MEMWORDS),
				    S(BPF_RET | BPF_K, 0) };

	EXPECT_EQ(CHECK(st), -EINVAL);
	EXPECT_EQ(CHECK(ld), -EINVAL);
}

TEST(checker_refuses_reads_of_cells_never_written)
{
	struct sock_filter unset[] = { S(BPF_LD | BPF_MEM, 3), S(BPF_RET | BPF_A, 0) };
	struct sock_filter set[] = { S(BPF_ST, 3), S(BPF_LDX | BPF_MEM, 3), S(BPF_RET | BPF_A, 0) };
	/* Written on one branch only: the join point may read garbage. */
	struct sock_filter one_path[] = {
		J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		S(BPF_ST, 2),
		S(BPF_LD | BPF_MEM, 2),
		S(BPF_RET | BPF_A, 0),
	};
	struct sock_filter both_paths[] = {
		S(BPF_ST, 2),
		J(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		S(BPF_ST, 2),
		S(BPF_LD | BPF_MEM, 2),
		S(BPF_RET | BPF_A, 0),
	};

	EXPECT_EQ(CHECK(unset), -EINVAL);
	EXPECT_EQ(CHECK(set), 0);
	EXPECT_EQ(CHECK(one_path), -EINVAL);
	EXPECT_EQ(CHECK(both_paths), 0);
}

TEST(checker_refuses_a_program_not_ending_in_ret)
{
	struct sock_filter noret[] = { S(BPF_RET | BPF_K, 0), S(BPF_LD | BPF_IMM, 1) };

	EXPECT_EQ(CHECK(noret), -EINVAL);
}

TEST(checker_refuses_unknown_ancillary_loads)
{
	struct sock_filter anc[] = { S(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
				     S(BPF_RET | BPF_A, 0) };
	struct sock_filter bad[] = { S(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_MAX),
				     S(BPF_RET | BPF_A, 0) };
	struct sock_filter net[] = { S(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 9),
				     S(BPF_RET | BPF_A, 0) };

	EXPECT_EQ(CHECK(anc), 0);
	EXPECT_EQ(CHECK(bad), -EINVAL);
	EXPECT_EQ(CHECK(net), 0);
}

/* An Ethernet + IPv4 + UDP frame 10.0.0.1:1234 -> 10.0.0.2:53, data at the IP header. */
static struct sk_buff *test_frame(struct net_device *dev)
{
	static const uint8_t frame[] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0x04, 0xd2, 0, 53, 0, 12, 0, 0, 'a', 'b', 'c', 'd',
	};
	struct sk_buff *skb = alloc_skb_headroom(sizeof(frame), 64);

	skb_put_data(skb, frame, sizeof(frame));
	skb_reset_mac_header(skb);
	skb_pull(skb, ETH_HLEN);
	skb_reset_network_header(skb);
	skb->protocol = htons(ETH_P_IP);
	skb->pkt_type = PACKET_BROADCAST;
	skb->dev = dev;
	return skb;
}

static uint32_t run(const struct sock_filter *p, unsigned int n,
		    const struct sk_buff *skb)
{
	if (bpf_check_classic(p, n))
		return 0xdeadbeef;
	return bpf_prog_run_classic(p, skb);
}

#define RUN(prog, skb)	run(prog, ARRAY_LEN(prog), skb)

TEST(interpreter_loads_alu_and_jumps)
{
	struct net_device dev = { .ifindex = 7, .type = ARPHRD_ETHER };
	struct sk_buff *skb = test_frame(&dev);
	/* UDP to port 53? return the IP total length, else 0. */
	struct sock_filter udp53[] = {
		S(BPF_LD | BPF_B | BPF_ABS, 9),
		J(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 4),
		S(BPF_LDX | BPF_B | BPF_MSH, 0),
		S(BPF_LD | BPF_H | BPF_IND, 2),
		J(BPF_JMP | BPF_JEQ | BPF_K, 53, 0, 1),
		S(BPF_LD | BPF_H | BPF_ABS, 2),
		S(BPF_RET | BPF_A, 0),
	};
	struct sock_filter alu[] = {
		S(BPF_LD | BPF_IMM, 100),
		S(BPF_ALU | BPF_MUL | BPF_K, 3),	/* 300 */
		S(BPF_ALU | BPF_SUB | BPF_K, 20),	/* 280 */
		S(BPF_ALU | BPF_DIV | BPF_K, 7),	/* 40 */
		S(BPF_ALU | BPF_MOD | BPF_K, 16),	/* 8 */
		S(BPF_ALU | BPF_LSH | BPF_K, 4),	/* 128 */
		S(BPF_ALU | BPF_OR | BPF_K, 1),		/* 129 */
		S(BPF_ALU | BPF_XOR | BPF_K, 0x81),	/* 0 */
		S(BPF_ALU | BPF_ADD | BPF_K, 5),	/* 5 */
		S(BPF_ST, 0),
		S(BPF_LDX | BPF_MEM, 0),
		S(BPF_MISC | BPF_TXA, 0),
		S(BPF_ALU | BPF_ADD | BPF_X, 0),	/* 5 + 5 = 10 */
		S(BPF_ALU | BPF_NEG, 0),
		S(BPF_ALU | BPF_NEG, 0),
		J(BPF_JMP | BPF_JSET | BPF_K, 2, 0, 1),
		S(BPF_RET | BPF_A, 0),
		S(BPF_RET | BPF_K, 1),
	};
	struct sock_filter len[] = { S(BPF_LD | BPF_W | BPF_LEN, 0), S(BPF_RET | BPF_A, 0) };
	struct sock_filter divx0[] = { S(BPF_LDX | BPF_IMM, 0), S(BPF_LD | BPF_IMM, 5),
				       S(BPF_ALU | BPF_DIV | BPF_X, 0), S(BPF_RET | BPF_K, 9) };

	EXPECT_EQ(RUN(udp53, skb), 32);
	EXPECT_EQ(RUN(alu, skb), 10);
	EXPECT_EQ(RUN(len, skb), 32);
	EXPECT_EQ(RUN(divx0, skb), 0);	/* division by X = 0 ends with 0 */
	kfree_skb(skb);
}

TEST(interpreter_ends_with_zero_past_the_data)
{
	struct net_device dev = { .ifindex = 7 };
	struct sk_buff *skb = test_frame(&dev);
	struct sock_filter past[] = { S(BPF_LD | BPF_W | BPF_ABS, 30), S(BPF_RET | BPF_K, 1) };
	struct sock_filter last[] = { S(BPF_LD | BPF_W | BPF_ABS, 28), S(BPF_RET | BPF_K, 1) };
	struct sock_filter ind[] = { S(BPF_LDX | BPF_IMM, 0xffffffff),
				     S(BPF_LD | BPF_B | BPF_IND, 0), S(BPF_RET | BPF_K, 1) };

	EXPECT_EQ(RUN(past, skb), 0);
	EXPECT_EQ(RUN(last, skb), 1);
	EXPECT_EQ(RUN(ind, skb), 0);
	kfree_skb(skb);
}

TEST(interpreter_negative_offsets_and_ancillary_loads)
{
	struct net_device dev = { .ifindex = 7, .type = ARPHRD_ETHER };
	struct sk_buff *skb = test_frame(&dev);
	struct sock_filter ll[] = { S(BPF_LD | BPF_H | BPF_ABS, SKF_LL_OFF + 12), S(BPF_RET | BPF_A, 0) };
	struct sock_filter net[] = { S(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 9), S(BPF_RET | BPF_A, 0) };
	struct sock_filter proto[] = { S(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
				       S(BPF_RET | BPF_A, 0) };
	struct sock_filter type[] = { S(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
				      S(BPF_RET | BPF_A, 0) };
	struct sock_filter ifx[] = { S(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_IFINDEX),
				     S(BPF_RET | BPF_A, 0) };
	struct sock_filter hat[] = { S(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_HATYPE),
				     S(BPF_RET | BPF_A, 0) };
	struct sock_filter poff[] = { S(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PAY_OFFSET),
				      S(BPF_RET | BPF_A, 0) };
	struct sock_filter xorx[] = { S(BPF_LDX | BPF_IMM, 0xf0), S(BPF_LD | BPF_IMM, 0xff),
				      S(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_ALU_XOR_X),
				      S(BPF_RET | BPF_A, 0) };
	struct sock_filter hash[] = { S(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_RXHASH),
				      S(BPF_RET | BPF_A, 0) };

	EXPECT_EQ(RUN(ll, skb), ETH_P_IP);
	EXPECT_EQ(RUN(net, skb), 17);
	EXPECT_EQ(RUN(proto, skb), ETH_P_IP);
	EXPECT_EQ(RUN(type, skb), PACKET_BROADCAST);
	EXPECT_EQ(RUN(ifx, skb), 7);
	EXPECT_EQ(RUN(hat, skb), ARPHRD_ETHER);
	EXPECT_EQ(RUN(poff, skb), 28);	/* IP 20 + UDP 8 */
	EXPECT_EQ(RUN(xorx, skb), 0x0f);
	EXPECT_EQ(RUN(hash, skb), skb_get_hash(skb));
	EXPECT_NE(RUN(hash, skb), 0);
	kfree_skb(skb);
}

TEST(socket_filter_attach_detach_lock_and_get)
{
	struct sock sk = { 0 };
	struct sock_filter keep4[] = { S(BPF_RET | BPF_K, 4) };
	struct sock_filter drop[] = { S(BPF_RET | BPF_K, 0) };
	struct sock_filter bad[] = { S(BPF_LD | BPF_MEM, 0), S(BPF_RET | BPF_A, 0) };
	struct sock_fprog p4 = { 1, keep4 }, pd = { 1, drop }, pb = { 2, bad };
	struct sock_fprog empty = { 0, keep4 }, none = { 1, NULL };
	struct sock_filter out[4];
	struct net_device dev = { .ifindex = 1 };
	struct sk_buff *skb = test_frame(&dev);

	EXPECT_EQ(sk_detach_filter(&sk), -ENOENT);
	EXPECT_EQ(sk_attach_filter(&pb, &sk), -EINVAL);
	EXPECT_EQ(sk_attach_filter(&empty, &sk), -EINVAL);
	EXPECT_EQ(sk_attach_filter(&none, &sk), -EINVAL);
	EXPECT_EQ(sk_filter(&sk, skb), 0);	/* no filter: kept whole */
	EXPECT_EQ(skb->len, 32);
	EXPECT_EQ(sk_attach_filter(&p4, &sk), 0);
	EXPECT_EQ(sk_get_filter(&sk, NULL, 0), 1);
	EXPECT_EQ(sk_get_filter(&sk, out, 4), 1);
	EXPECT_EQ(out[0].k, 4);
	EXPECT_EQ(sk_filter(&sk, skb), 0);
	EXPECT_EQ(skb->len, 4);		/* trimmed to what the program said */
	EXPECT_EQ(sk_attach_filter(&pd, &sk), 0);	/* replaces */
	EXPECT_EQ(sk_filter(&sk, skb), -EPERM);
	sock_set_flag(&sk, SOCK_FILTER_LOCKED);
	EXPECT_EQ(sk_attach_filter(&p4, &sk), -EPERM);
	EXPECT_EQ(sk_detach_filter(&sk), -EPERM);
	sock_reset_flag(&sk, SOCK_FILTER_LOCKED);
	EXPECT_EQ(sk_detach_filter(&sk), 0);
	EXPECT_EQ(sk_get_filter(&sk, NULL, 0), 0);
	kfree_skb(skb);
}
