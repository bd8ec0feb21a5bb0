/* SPDX-License-Identifier: MIT */
/*
 * sock_mem.h - protocol memory accounting, after the sk_mem_* helpers of
 * include/net/sock.h and net/core/sock.c.
 *
 * A protocol that accounts its memory (TCP) has one struct proto_mem per
 * namespace: the pages its sockets hold (memory_allocated), whether it is
 * under memory pressure, and the three limits of its sysctl (tcp_mem:
 * "min pressure max", in pages). A socket reserves whole pages from that
 * pool ahead of use (sk_forward_alloc, in bytes), then charges the
 * truesize of each buffer it queues against the reserve and gives it back
 * when the buffer is freed; whole pages no longer used go back to the pool.
 *
 *   allocated <= min          fine; pressure (if any) ends
 *   allocated >  pressure     the namespace enters memory pressure
 *   allocated >  max          every new reservation fails (hard limit)
 *
 * Between min and max a socket still gets memory while it holds less than
 * its protocol's minimum buffer (tcp_rmem[0] / tcp_wmem[0]), or, under
 * pressure, while it holds less than its fair share of max.
 *
 * Linux keeps one pool per protocol for the whole machine; here each
 * namespace has its own, so one namespace's load never squeezes another.
 * Everything runs under the namespace lock.
 */
#ifndef USN_SOCKET_SOCK_MEM_H
#define USN_SOCKET_SOCK_MEM_H

#include <stdatomic.h>
#include <stdbool.h>
#include "socket/sock.h"

#define SK_MEM_QUANTUM_SHIFT	12
#define SK_MEM_QUANTUM		(1 << SK_MEM_QUANTUM_SHIFT)	/* a page */

/* What a reservation is for (the kernel's SK_MEM_SEND / SK_MEM_RECV). */
enum { SK_MEM_SEND, SK_MEM_RECV };

struct proto_mem {
	atomic_long	allocated;	/* pages (memory_allocated) */
	unsigned long	pressure;	/* jiffies + 1 at entry, or 0 */
	int		sockets_allocated;
	const int	*sysctl_mem;	/* [3] pages: min, pressure, max */
	const int	*sysctl_rmem;	/* [3] bytes; [0]: guaranteed */
	const int	*sysctl_wmem;
	/* The send buffers a stream socket holds (sk_wmem_queued). */
	int		(*wmem_queued)(const struct sock *sk);
};

static inline struct proto_mem *sk_proto_mem(const struct sock *sk)
{
	return sk->sk_prot && sk->sk_prot->memory_pool ?
	       sk->sk_prot->memory_pool(sk) : NULL;
}

/* Whether @sk's protocol accounts memory at all (sk_has_account). */
static inline bool sk_has_account(const struct sock *sk)
{
	return sk->sk_prot && sk->sk_prot->memory_pool;
}

static inline int sk_mem_pages(int amt)
{
	return (amt + SK_MEM_QUANTUM - 1) >> SK_MEM_QUANTUM_SHIFT;
}

static inline long sk_memory_allocated(const struct sock *sk)
{
	struct proto_mem *m = sk_proto_mem(sk);

	return m ? atomic_load(&m->allocated) : 0;
}

static inline long sk_prot_mem_limits(const struct sock *sk, int index)
{
	struct proto_mem *m = sk_proto_mem(sk);

	return m ? m->sysctl_mem[index] : 0;
}

static inline bool sk_under_memory_pressure(const struct sock *sk)
{
	struct proto_mem *m = sk_proto_mem(sk);

	return m && m->pressure;
}

/* Uses @size bytes of the socket's reserve (sk_mem_charge). */
static inline void sk_mem_charge(struct sock *sk, int size)
{
	if (sk_has_account(sk))
		sk->sk_forward_alloc -= size;
}

void __sk_mem_reclaim(struct sock *sk, int amount);

/* Returns whole unused pages of the reserve to the pool (sk_mem_reclaim). */
static inline void sk_mem_reclaim(struct sock *sk)
{
	if (sk_has_account(sk) && sk->sk_forward_alloc >= SK_MEM_QUANTUM)
		__sk_mem_reclaim(sk, sk->sk_forward_alloc);
}

/* All of it, at the end of the socket's life (sk_mem_reclaim_final). */
static inline void sk_mem_reclaim_final(struct sock *sk)
{
	if (sk_has_account(sk) && sk->sk_forward_alloc > 0)
		__sk_mem_reclaim(sk, sk->sk_forward_alloc);
}

/* Gives @size bytes back to the reserve (sk_mem_uncharge). */
static inline void sk_mem_uncharge(struct sock *sk, int size)
{
	if (!sk_has_account(sk))
		return;
	sk->sk_forward_alloc += size;
	sk_mem_reclaim(sk);
}

int __sk_mem_raise_allocated(struct sock *sk, int size, int amt, int kind);
void __sk_mem_reduce_allocated(struct sock *sk, int amount);
/* Reserves pages for @size bytes; 1 when granted, 0 when refused. */
int __sk_mem_schedule(struct sock *sk, int size, int kind);
/* Reserves whatever @size needs, past every limit (sk_forced_mem_schedule). */
void sk_forced_mem_schedule(struct sock *sk, int size);

static inline bool sk_wmem_schedule(struct sock *sk, int size)
{
	if (!sk_has_account(sk) || size <= sk->sk_forward_alloc)
		return true;
	return __sk_mem_schedule(sk, size, SK_MEM_SEND);
}

static inline bool sk_rmem_schedule(struct sock *sk, int size)
{
	if (!sk_has_account(sk) || size <= sk->sk_forward_alloc)
		return true;
	return __sk_mem_schedule(sk, size, SK_MEM_RECV);
}

/* sk_sndbuf down to half of what is queued (sk_stream_moderate_sndbuf). */
void sk_stream_moderate_sndbuf(struct sock *sk);

static inline void sk_enter_memory_pressure(struct sock *sk)
{
	if (sk->sk_prot->enter_memory_pressure)
		sk->sk_prot->enter_memory_pressure(sk);
}

static inline void sk_leave_memory_pressure(struct sock *sk)
{
	if (sk->sk_prot->leave_memory_pressure)
		sk->sk_prot->leave_memory_pressure(sk);
}

#endif
