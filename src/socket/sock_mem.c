/* SPDX-License-Identifier: MIT */
/*
 * sock_mem.c - a protocol's memory pool in a namespace and the sockets'
 * reservations from it (__sk_mem_schedule, __sk_mem_raise_allocated,
 * __sk_mem_reduce_allocated, __sk_mem_reclaim), with the kernel's rules
 * for the three limits; see sock_mem.h.
 */
#include "socket/sock_mem.h"

static int sk_wmem_queued(const struct sock *sk, const struct proto_mem *m)
{
	return m->wmem_queued ? m->wmem_queued(sk) : 0;
}

void sk_stream_moderate_sndbuf(struct sock *sk)
{
	struct proto_mem *m = sk_proto_mem(sk);
	int val;

	if (!m || (sk->sk_userlocks & SOCK_SNDBUF_LOCK))
		return;
	val = min_t(int, sk->sk_sndbuf, sk_wmem_queued(sk, m) >> 1);
	sk->sk_sndbuf = max_t(int, val, SOCK_MIN_SNDBUF);
}

/*
 * Whether @sk may add @amt pages (already counted in the pool) for a
 * buffer of @size bytes; on refusal the pages are taken back out.
 */
int __sk_mem_raise_allocated(struct sock *sk, int size, int amt, int kind)
{
	struct proto_mem *m = sk_proto_mem(sk);
	long allocated;

	if (!m)
		return 1;
	allocated = atomic_fetch_add(&m->allocated, amt) + amt;

	if (allocated <= m->sysctl_mem[0]) {
		sk_leave_memory_pressure(sk);
		return 1;
	}
	if (allocated > m->sysctl_mem[1])
		sk_enter_memory_pressure(sk);
	if (allocated > m->sysctl_mem[2])
		goto suppress_allocation;

	/* Every socket keeps its protocol's minimum buffer. */
	if (kind == SK_MEM_RECV) {
		if (atomic_load(&sk->sk_rmem_alloc) < m->sysctl_rmem[0])
			return 1;
	} else if (sk->sk_type == SOCK_STREAM) {
		if (sk_wmem_queued(sk, m) < m->sysctl_wmem[0])
			return 1;
	} else if (atomic_load(&sk->sk_wmem_alloc) < m->sysctl_wmem[0]) {
		return 1;
	}

	/* Under pressure, a socket under its fair share of max gets it. */
	if (!m->pressure)
		return 1;
	if ((long)m->sysctl_mem[2] >
	    (long)max_t(int, m->sockets_allocated, 1) *
	    sk_mem_pages(sk_wmem_queued(sk, m) +
			 atomic_load(&sk->sk_rmem_alloc) +
			 sk->sk_forward_alloc))
		return 1;

suppress_allocation:
	if (kind == SK_MEM_SEND && sk->sk_type == SOCK_STREAM) {
		sk_stream_moderate_sndbuf(sk);
		/*
		 * A writer over its (now smaller) send buffer will wait for
		 * it to drain anyway: let this buffer through rather than
		 * fail a caller that cannot block on the pool.
		 */
		if (sk_wmem_queued(sk, m) + size >= sk->sk_sndbuf)
			return 1;
	}
	atomic_fetch_sub(&m->allocated, amt);
	return 0;
}

int __sk_mem_schedule(struct sock *sk, int size, int kind)
{
	int amt = sk_mem_pages(size);
	int ret;

	sk->sk_forward_alloc += amt << SK_MEM_QUANTUM_SHIFT;
	ret = __sk_mem_raise_allocated(sk, size, amt, kind);
	if (!ret)
		sk->sk_forward_alloc -= amt << SK_MEM_QUANTUM_SHIFT;
	return ret;
}

void sk_forced_mem_schedule(struct sock *sk, int size)
{
	struct proto_mem *m = sk_proto_mem(sk);
	int delta, amt;

	if (!m || size <= sk->sk_forward_alloc)
		return;
	delta = size - sk->sk_forward_alloc;
	amt = sk_mem_pages(delta);
	sk->sk_forward_alloc += amt << SK_MEM_QUANTUM_SHIFT;
	atomic_fetch_add(&m->allocated, amt);
}

void __sk_mem_reduce_allocated(struct sock *sk, int amount)
{
	struct proto_mem *m = sk_proto_mem(sk);

	if (!m)
		return;
	atomic_fetch_sub(&m->allocated, amount);
	if (m->pressure && atomic_load(&m->allocated) < m->sysctl_mem[0])
		sk_leave_memory_pressure(sk);
}

void __sk_mem_reclaim(struct sock *sk, int amount)
{
	amount >>= SK_MEM_QUANTUM_SHIFT;
	sk->sk_forward_alloc -= amount << SK_MEM_QUANTUM_SHIFT;
	__sk_mem_reduce_allocated(sk, amount);
}
