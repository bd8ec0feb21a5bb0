/* SPDX-License-Identifier: MIT */
/*
 * filter.c - classic BPF: the checker, the interpreter and socket filters.
 *
 * The checker refuses, with -EINVAL as Linux does, any program that is
 * empty or longer than BPF_MAXINSNS, holds an opcode outside the classic
 * set, divides by a constant zero, shifts by a constant of 32 or more,
 * names a scratch cell past BPF_MEMWORDS, jumps past its end, loads an
 * unknown ancillary field, reads a scratch cell on some path before any
 * store to it, or does not end in a return. A program that passed cannot
 * leave its array, so the interpreter only guards packet bounds (a load
 * past the data ends the program with 0, as in the kernel).
 */
#include <errno.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "core/filter.h"
#include "core/random.h"
#include "link/netdevice.h"
#include "net/net.h"
#include "socket/sock.h"

/* ---- checker ----------------------------------------------------------------- */

/* The opcodes a classic program may use. */
static const uint16_t bpf_classic_codes[] = {
	BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_ADD | BPF_X,
	BPF_ALU | BPF_SUB | BPF_K, BPF_ALU | BPF_SUB | BPF_X,
	BPF_ALU | BPF_MUL | BPF_K, BPF_ALU | BPF_MUL | BPF_X,
	BPF_ALU | BPF_DIV | BPF_K, BPF_ALU | BPF_DIV | BPF_X,
	BPF_ALU | BPF_MOD | BPF_K, BPF_ALU | BPF_MOD | BPF_X,
	BPF_ALU | BPF_AND | BPF_K, BPF_ALU | BPF_AND | BPF_X,
	BPF_ALU | BPF_OR | BPF_K, BPF_ALU | BPF_OR | BPF_X,
	BPF_ALU | BPF_XOR | BPF_K, BPF_ALU | BPF_XOR | BPF_X,
	BPF_ALU | BPF_LSH | BPF_K, BPF_ALU | BPF_LSH | BPF_X,
	BPF_ALU | BPF_RSH | BPF_K, BPF_ALU | BPF_RSH | BPF_X,
	BPF_ALU | BPF_NEG,
	BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
	BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
	BPF_LD | BPF_W | BPF_LEN, BPF_LD | BPF_IMM, BPF_LD | BPF_MEM,
	BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_B | BPF_MSH,
	BPF_LDX | BPF_IMM, BPF_LDX | BPF_MEM,
	BPF_ST, BPF_STX,
	BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
	BPF_RET | BPF_K, BPF_RET | BPF_A,
	BPF_JMP | BPF_JA,
	BPF_JMP | BPF_JEQ | BPF_K, BPF_JMP | BPF_JEQ | BPF_X,
	BPF_JMP | BPF_JGE | BPF_K, BPF_JMP | BPF_JGE | BPF_X,
	BPF_JMP | BPF_JGT | BPF_K, BPF_JMP | BPF_JGT | BPF_X,
	BPF_JMP | BPF_JSET | BPF_K, BPF_JMP | BPF_JSET | BPF_X,
};

static bool bpf_code_allowed(uint16_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(bpf_classic_codes); i++)
		if (bpf_classic_codes[i] == code)
			return true;
	return false;
}

/* The ancillary fields this interpreter provides (SKF_AD_OFF + ...). */
static bool bpf_anc_known(uint32_t k)
{
	uint32_t off = k - (uint32_t)SKF_AD_OFF;

	return off < SKF_AD_MAX && !(off & 3);
}

static bool bpf_is_cond_jump(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

/*
 * Every scratch cell read must have been written on every path that
 * reaches the read: a forward pass carrying the set of written cells, each
 * jump target keeping the intersection of what its jumps bring.
 */
static int bpf_check_mem(const struct sock_filter *f, unsigned int flen)
{
	uint16_t *masks = malloc(flen * sizeof(*masks)), valid = 0;
	int err = 0;

	if (!masks)
		return -ENOMEM;
	memset(masks, 0xff, flen * sizeof(*masks));
	for (unsigned int pc = 0; pc < flen; pc++) {
		uint16_t code = f[pc].code;

		valid &= masks[pc];
		if (code == BPF_ST || code == BPF_STX) {
			valid |= (uint16_t)(1u << f[pc].k);
		} else if (code == (BPF_LD | BPF_MEM) || code == (BPF_LDX | BPF_MEM)) {
			if (!(valid & (1u << f[pc].k))) {
				err = -EINVAL;
				break;
			}
		} else if (code == (BPF_JMP | BPF_JA)) {
			masks[pc + 1 + f[pc].k] &= valid;
			valid = 0xffff;	/* the next one is reached by jumps only */
		} else if (bpf_is_cond_jump(code)) {
			masks[pc + 1 + f[pc].jt] &= valid;
			masks[pc + 1 + f[pc].jf] &= valid;
			valid = 0xffff;
		}
	}
	free(masks);
	return err;
}

int bpf_check_classic(const struct sock_filter *filter, unsigned int flen)
{
	if (!filter || flen == 0 || flen > BPF_MAXINSNS)
		return -EINVAL;
	for (unsigned int pc = 0; pc < flen; pc++) {
		const struct sock_filter *f = &filter[pc];

		if (!bpf_code_allowed(f->code))
			return -EINVAL;
		switch (f->code) {
		case BPF_ALU | BPF_DIV | BPF_K:
		case BPF_ALU | BPF_MOD | BPF_K:
			if (!f->k)
				return -EINVAL;
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			if (f->k >= 32)
				return -EINVAL;
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				return -EINVAL;
			break;
		case BPF_JMP | BPF_JA:
			if (f->k >= flen - pc - 1)
				return -EINVAL;
			break;
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			if (f->k >= (uint32_t)SKF_AD_OFF && !bpf_anc_known(f->k))
				return -EINVAL;
			break;
		default:
			if (bpf_is_cond_jump(f->code) &&
			    (pc + f->jt + 1 >= flen || pc + f->jf + 1 >= flen))
				return -EINVAL;
			break;
		}
	}
	switch (filter[flen - 1].code) {
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
		return bpf_check_mem(filter, flen);
	default:
		return -EINVAL;
	}
}

/* ---- interpreter -------------------------------------------------------------- */

/*
 * Where @size bytes at offset @k (a signed 32-bit offset, as the kernel
 * reads it) lie: from skb->data, or from the network or link header for
 * the SKF_NET_OFF / SKF_LL_OFF ranges. NULL when outside the data.
 */
static const uint8_t *bpf_load_pointer(const struct sk_buff *skb, int32_t k,
				       unsigned int size)
{
	const uint8_t *p, *end = skb_tail_pointer(skb);

	if (k >= 0) {
		if ((uint32_t)k > skb->len || size > skb->len - (uint32_t)k)
			return NULL;
		return skb->data + k;
	}
	if (k >= SKF_NET_OFF)
		p = skb_network_header(skb) + (k - SKF_NET_OFF);
	else if (k >= SKF_LL_OFF && skb_mac_header_was_set(skb))
		p = skb_mac_header(skb) + (k - SKF_LL_OFF);
	else
		return NULL;
	if (p < skb->head || p > end || (size_t)(end - p) < size)
		return NULL;
	return p;
}

static bool bpf_load(const struct sk_buff *skb, int32_t k, unsigned int size,
		     uint32_t *val)
{
	const uint8_t *p = bpf_load_pointer(skb, k, size);

	if (!p)
		return false;
	switch (size) {
	case 4:
		*val = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];
		break;
	case 2:
		*val = (uint32_t)p[0] << 8 | p[1];
		break;
	default:
		*val = p[0];
		break;
	}
	return true;
}

static int bpf_skb_ifindex(const struct sk_buff *skb)
{
	return skb->dev ? skb->dev->ifindex : skb->skb_iif;
}

/* SKF_AD_NLATTR: the offset of the first attribute of type @x from @a, or 0. */
static uint32_t bpf_nla_find(const struct sk_buff *skb, uint32_t a, uint32_t x,
			     bool nested)
{
	const uint8_t *p;
	uint32_t len, off;

	if (a > skb->len || skb->len - a < 4)
		return 0;
	p = skb->data + a;
	len = skb->len - a;
	if (nested) {
		/* Look inside the attribute at @a. */
		uint32_t alen = (uint32_t)(p[0] | p[1] << 8);

		if (alen < 4 || alen > len)
			return 0;
		p += 4;
		len = alen - 4;
	}
	for (off = 0; len - off >= 4;) {
		uint32_t alen = (uint32_t)(p[off] | p[off + 1] << 8);
		uint32_t type = (uint32_t)(p[off + 2] | p[off + 3] << 8) & 0x3fff;

		if (alen < 4 || alen > len - off)
			return 0;
		if (type == x)
			return (uint32_t)(p + off - skb->data);
		off += (alen + 3) & ~3u;
		if (off > len)
			return 0;
	}
	return 0;
}


static uint32_t bpf_ancillary(const struct sk_buff *skb, uint32_t k,
			      uint32_t a, uint32_t x)
{
	switch (k - (uint32_t)SKF_AD_OFF) {
	case SKF_AD_PROTOCOL:
		return ntohs(skb->protocol);
	case SKF_AD_PKTTYPE:
		return skb->pkt_type;
	case SKF_AD_IFINDEX:
		return (uint32_t)bpf_skb_ifindex(skb);
	case SKF_AD_HATYPE:
		return skb->dev ? skb->dev->type : 0;
	case SKF_AD_RXHASH:
		return skb_get_hash(skb);
	case SKF_AD_ALU_XOR_X:
		return a ^ x;
	case SKF_AD_NLATTR:
		return bpf_nla_find(skb, a, x, false);
	case SKF_AD_NLATTR_NEST:
		return bpf_nla_find(skb, a, x, true);
	case SKF_AD_PAY_OFFSET:
		return skb_get_poff(skb);
	case SKF_AD_RANDOM:
		/* The namespace's source: seeded, so simulations repeat. */
		return skb->dev ? net_random_u32(dev_net(skb->dev)) :
				  (uint32_t)random();
	case SKF_AD_CPU:
		return (uint32_t)max_t(int, sched_getcpu(), 0);
	/*
	 * usnet has one receive queue per device, no VLAN acceleration and
	 * no packet marks: these read what the kernel reads on such a device.
	 */
	case SKF_AD_MARK:
	case SKF_AD_QUEUE:
	case SKF_AD_VLAN_TAG:
	case SKF_AD_VLAN_TAG_PRESENT:
	case SKF_AD_VLAN_TPID:
	default:
		return 0;
	}
}

uint32_t bpf_prog_run_classic(const struct sock_filter *insns,
			      const struct sk_buff *skb)
{
	static const unsigned char size_of[4] = { 4, 2, 1, 0 };	/* BPF_W/H/B */
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = { 0 }, v;
	const struct sock_filter *f;

	for (f = insns;; f++) {
		uint32_t k = f->k;

		switch (f->code) {
		case BPF_ALU | BPF_ADD | BPF_K: A += k; break;
		case BPF_ALU | BPF_ADD | BPF_X: A += X; break;
		case BPF_ALU | BPF_SUB | BPF_K: A -= k; break;
		case BPF_ALU | BPF_SUB | BPF_X: A -= X; break;
		case BPF_ALU | BPF_MUL | BPF_K: A *= k; break;
		case BPF_ALU | BPF_MUL | BPF_X: A *= X; break;
		case BPF_ALU | BPF_DIV | BPF_K: A /= k; break;
		case BPF_ALU | BPF_DIV | BPF_X:
			if (!X)
				return 0;
			A /= X;
			break;
		case BPF_ALU | BPF_MOD | BPF_K: A %= k; break;
		case BPF_ALU | BPF_MOD | BPF_X:
			if (!X)
				return 0;
			A %= X;
			break;
		case BPF_ALU | BPF_AND | BPF_K: A &= k; break;
		case BPF_ALU | BPF_AND | BPF_X: A &= X; break;
		case BPF_ALU | BPF_OR | BPF_K: A |= k; break;
		case BPF_ALU | BPF_OR | BPF_X: A |= X; break;
		case BPF_ALU | BPF_XOR | BPF_K: A ^= k; break;
		case BPF_ALU | BPF_XOR | BPF_X: A ^= X; break;
		case BPF_ALU | BPF_LSH | BPF_K: A <<= k; break;
		case BPF_ALU | BPF_LSH | BPF_X: A <<= (X & 31); break;
		case BPF_ALU | BPF_RSH | BPF_K: A >>= k; break;
		case BPF_ALU | BPF_RSH | BPF_X: A >>= (X & 31); break;
		case BPF_ALU | BPF_NEG: A = -A; break;
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			if (k >= (uint32_t)SKF_AD_OFF) {
				A = bpf_ancillary(skb, k, A, X);
				break;
			}
			if (!bpf_load(skb, (int32_t)k, size_of[BPF_SIZE(f->code) >> 3], &A))
				return 0;
			break;
		case BPF_LD | BPF_W | BPF_IND:
		case BPF_LD | BPF_H | BPF_IND:
		case BPF_LD | BPF_B | BPF_IND:
			if (!bpf_load(skb, (int32_t)(X + k),
				      size_of[BPF_SIZE(f->code) >> 3], &A))
				return 0;
			break;
		case BPF_LD | BPF_W | BPF_LEN: A = skb->len; break;
		case BPF_LDX | BPF_W | BPF_LEN: X = skb->len; break;
		case BPF_LD | BPF_IMM: A = k; break;
		case BPF_LDX | BPF_IMM: X = k; break;
		case BPF_LD | BPF_MEM: A = M[k]; break;
		case BPF_LDX | BPF_MEM: X = M[k]; break;
		case BPF_LDX | BPF_B | BPF_MSH:
			if (!bpf_load(skb, (int32_t)k, 1, &v))
				return 0;
			X = (v & 0xf) << 2;
			break;
		case BPF_ST: M[k] = A; break;
		case BPF_STX: M[k] = X; break;
		case BPF_MISC | BPF_TAX: X = A; break;
		case BPF_MISC | BPF_TXA: A = X; break;
		case BPF_RET | BPF_K: return k;
		case BPF_RET | BPF_A: return A;
		case BPF_JMP | BPF_JA: f += k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: f += A == k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JEQ | BPF_X: f += A == X ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: f += A >= k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGE | BPF_X: f += A >= X ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: f += A > k ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JGT | BPF_X: f += A > X ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: f += (A & k) ? f->jt : f->jf; break;
		case BPF_JMP | BPF_JSET | BPF_X: f += (A & X) ? f->jt : f->jf; break;
		default:
			return 0;	/* unreachable for a checked program */
		}
	}
}

/* ---- socket filters ------------------------------------------------------------ */

void sk_filter_release(struct sk_filter *fp)
{
	if (fp && atomic_fetch_sub(&fp->refcnt, 1) == 1)
		free(fp);
}

void sk_filter_charge(struct sock *sk, struct sk_filter *fp)
{
	if (fp)
		atomic_fetch_add(&fp->refcnt, 1);
	sk->sk_filter = fp;
}

int sk_attach_filter(const struct sock_fprog *fprog, struct sock *sk)
{
	struct sk_filter *fp, *old;
	int err;

	if (sock_flag(sk, SOCK_FILTER_LOCKED))
		return -EPERM;
	if (!fprog->filter || fprog->len == 0 || fprog->len > BPF_MAXINSNS)
		return -EINVAL;
	fp = malloc(sizeof(*fp) + fprog->len * sizeof(struct sock_filter));
	if (!fp)
		return -ENOMEM;
	memcpy(fp->insns, fprog->filter, fprog->len * sizeof(struct sock_filter));
	fp->len = fprog->len;
	atomic_init(&fp->refcnt, 1);
	err = bpf_check_classic(fp->insns, fp->len);
	if (err) {
		free(fp);
		return err;
	}
	old = sk->sk_filter;
	sk->sk_filter = fp;
	sk_filter_release(old);
	return 0;
}

int sk_detach_filter(struct sock *sk)
{
	if (sock_flag(sk, SOCK_FILTER_LOCKED))
		return -EPERM;
	if (!sk->sk_filter)
		return -ENOENT;
	sk_filter_release(sk->sk_filter);
	sk->sk_filter = NULL;
	return 0;
}

int sk_get_filter(struct sock *sk, struct sock_filter *ubuf, unsigned int len)
{
	const struct sk_filter *fp = sk->sk_filter;

	if (!fp)
		return 0;
	if (!len)
		return (int)fp->len;
	if (len < fp->len)
		return -EINVAL;
	if (!ubuf)
		return -EFAULT;
	memcpy(ubuf, fp->insns, fp->len * sizeof(*ubuf));
	return (int)fp->len;
}

uint32_t sk_run_filter(struct sock *sk, const struct sk_buff *skb)
{
	if (!sk->sk_filter)
		return UINT32_MAX;
	return bpf_prog_run_classic(sk->sk_filter->insns, skb);
}

int sk_filter_trim_cap(struct sock *sk, struct sk_buff *skb, unsigned int cap)
{
	uint32_t res;

	if (!sk->sk_filter)
		return 0;
	res = bpf_prog_run_classic(sk->sk_filter->insns, skb);
	if (!res)
		return -EPERM;
	skb_trim(skb, res > cap ? res : cap);
	return 0;
}
