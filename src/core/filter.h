/* SPDX-License-Identifier: MIT */
/*
 * filter.h - classic BPF socket filters, after net/core/filter.c: the
 * checker a program must pass before it is attached (bpf_check_classic,
 * with the kernel's rules), the interpreter that runs it over a packet, and
 * the socket side (SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_LOCK_FILTER,
 * SO_GET_FILTER, sk_filter on receive).
 *
 * A program sees the packet from skb->data (the link header for packet
 * sockets of type SOCK_RAW, the network header for SOCK_DGRAM, the
 * transport header for UDP...), plus the kernel's negative offsets
 * (SKF_NET_OFF, SKF_LL_OFF) and ancillary loads (SKF_AD_OFF + SKF_AD_*).
 * It returns how many bytes of the packet to keep: 0 drops it.
 */
#ifndef USN_CORE_FILTER_H
#define USN_CORE_FILTER_H

#include <linux/filter.h>
#include <stdatomic.h>
#include <stdint.h>

struct sock;
struct sk_buff;

/* An attached program: shared (refcounted) so a running filter outlives a detach. */
struct sk_filter {
	atomic_int		refcnt;
	unsigned int		len;		/* instructions */
	struct sock_filter	insns[];
};

/* 0 when @filter (@flen instructions) may run, -EINVAL otherwise. */
int bpf_check_classic(const struct sock_filter *filter, unsigned int flen);
/* Runs a checked program over @skb's data; the value it returns. */
uint32_t bpf_prog_run_classic(const struct sock_filter *insns,
			      const struct sk_buff *skb);

int sk_attach_filter(const struct sock_fprog *fprog, struct sock *sk);
int sk_detach_filter(struct sock *sk);
/* SO_GET_FILTER: the count of instructions, copied out when @len allows. */
int sk_get_filter(struct sock *sk, struct sock_filter *ubuf, unsigned int len);
void sk_filter_release(struct sk_filter *fp);
/* @sk shares @fp (a listener's filter, on a child it clones); may be NULL. */
void sk_filter_charge(struct sock *sk, struct sk_filter *fp);

/*
 * Runs @sk's filter on @skb: 0 to keep it (trimmed to what the program
 * returned, never below @cap bytes), -EPERM when the program drops it.
 */
int sk_filter_trim_cap(struct sock *sk, struct sk_buff *skb, unsigned int cap);

static inline int sk_filter(struct sock *sk, struct sk_buff *skb)
{
	return sk_filter_trim_cap(sk, skb, 1);
}

/*
 * Runs @sk's filter and returns what it returned, without trimming:
 * UINT32_MAX (keep all) when there is none. Packet sockets cut the
 * snapshot themselves.
 */
uint32_t sk_run_filter(struct sock *sk, const struct sk_buff *skb);

/* flow_dissector.c: a hash of the packet's flow, the same both ways. */
uint32_t skb_get_hash(const struct sk_buff *skb);
/* Offset of the payload past the transport header, as __skb_get_poff(); 0 if unknown. */
uint32_t skb_get_poff(const struct sk_buff *skb);

#endif
