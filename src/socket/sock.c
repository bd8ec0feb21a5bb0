/* SPDX-License-Identifier: MIT */
/*
 * sock.c - the generic struct sock, after net/core/sock.c: allocation and
 * initial state, the default wakeup callbacks, buffer ownership, sleeping
 * for an event, and the options of level SOL_SOCKET with the kernel's
 * rules (buffer sizes doubled and clamped, timeouts in jiffies, ...).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "net/exec.h"
#include "net/net.h"
#include "net/usnet.h"
#include "core/filter.h"
#include "socket/sock.h"
#include "socket/sock_mem.h"

#define TCP_CLOSE	7
#define USEC_PER_SEC	1000000L

/* ---- life cycle ------------------------------------------------------------ */

struct sock *sk_alloc(struct usn_net *net, int family,
		      const struct proto *prot, int kern)
{
	size_t size = prot->obj_size > sizeof(struct sock) ? prot->obj_size :
							     sizeof(struct sock);
	struct sock *sk = calloc(1, size);

	(void)kern;
	if (!sk)
		return NULL;
	sk->sk_family = (unsigned short)family;
	sk->sk_prot = prot;
	sk->sk_net = get_net(net);
	atomic_init(&sk->sk_refcnt, 1);
	return sk;
}
EXPORT_SYMBOL(sk_alloc);

void sk_free(struct sock *sk)
{
	struct usn_net *net = sk->sk_net;

	if (sk->sk_destruct)
		sk->sk_destruct(sk);
	skb_queue_purge_reason(&sk->sk_receive_queue, SKB_DROP_REASON_SOCKET_CLOSE);
	skb_queue_purge_reason(&sk->sk_error_queue, SKB_DROP_REASON_SOCKET_CLOSE);
	skb_queue_purge_reason(&sk->sk_write_queue, SKB_DROP_REASON_SOCKET_CLOSE);
	sk_filter_release(sk->sk_filter);
	sk_mem_reclaim_final(sk);
	free(sk);
	put_net(net);
}
EXPORT_SYMBOL(sk_free);

void sock_def_wakeup(struct sock *sk)
{
	if (sk->sk_wq)
		wake_up(sk->sk_wq);
}

void sock_def_error_report(struct sock *sk)
{
	if (sk->sk_wq)
		wake_up_poll(sk->sk_wq, POLLERR);
}

void sock_def_readable(struct sock *sk)
{
	if (sk->sk_wq)
		wake_up_poll(sk->sk_wq, POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND);
}
EXPORT_SYMBOL(sock_def_readable);

void sock_def_write_space(struct sock *sk)
{
	/* Wake writers only once half the buffer is free, as the kernel does. */
	if (sk->sk_wq && atomic_load(&sk->sk_wmem_alloc) << 1 <= sk->sk_sndbuf)
		wake_up_poll(sk->sk_wq, POLLOUT | POLLWRNORM | POLLWRBAND);
}

void sock_init_data(struct socket *sock, struct sock *sk)
{
	struct usn_net *net = sock_net(sk);

	skb_queue_head_init(&sk->sk_receive_queue);
	skb_queue_head_init(&sk->sk_write_queue);
	skb_queue_head_init(&sk->sk_error_queue);
	/* READ_ONCE: a unix embryo is made under another namespace's lock. */
	sk->sk_rcvbuf = READ_ONCE(net->sysctl.rmem_default);
	sk->sk_sndbuf = READ_ONCE(net->sysctl.wmem_default);
	sk->sk_state = TCP_CLOSE;
	sk->sk_rcvlowat = 1;
	sk->sk_peek_off = -1;
	sk->sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT;
	sk->sk_sndtimeo = MAX_SCHEDULE_TIMEOUT;
	sk->sk_state_change = sock_def_wakeup;
	sk->sk_data_ready = sock_def_readable;
	sk->sk_write_space = sock_def_write_space;
	sk->sk_error_report = sock_def_error_report;
	if (sock) {
		sk->sk_type = (unsigned short)sock->type;
		sock_graft(sk, sock);
	}
}
EXPORT_SYMBOL(sock_init_data);

void sock_graft(struct sock *sk, struct socket *sock)
{
	sk->sk_wq = &sock->wq;
	sk->sk_socket = sock;
	sock->sk = sk;
}

/* Detaches @sk from its socket (close): it lives on only for the protocol. */
void sock_orphan(struct sock *sk)
{
	sock_set_flag(sk, SOCK_DEAD);
	sk->sk_socket = NULL;
	sk->sk_wq = NULL;
}
EXPORT_SYMBOL(sock_orphan);

/* ---- buffer ownership -------------------------------------------------------- */

static void sock_rfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;

	atomic_fetch_sub(&sk->sk_rmem_alloc, (int)skb->truesize);
	sk_mem_uncharge(sk, (int)skb->truesize);
}

void skb_set_owner_r(struct sk_buff *skb, struct sock *sk)
{
	skb_orphan(skb);
	skb->sk = sk;
	skb->destructor = sock_rfree;
	atomic_fetch_add(&sk->sk_rmem_alloc, (int)skb->truesize);
	sk_mem_charge(sk, (int)skb->truesize);
}

/* Charged to @sk's receive side already (moving between its queues). */
bool skb_owned_r(const struct sk_buff *skb, const struct sock *sk)
{
	return skb->sk == sk && skb->destructor == sock_rfree;
}

static void sock_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;

	atomic_fetch_sub(&sk->sk_wmem_alloc, (int)skb->truesize);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_write_space(sk);
	sock_put(sk);
}

/* A buffer being sent holds a reference: the socket outlives its frames. */
void skb_set_owner_w(struct sk_buff *skb, struct sock *sk)
{
	skb_orphan(skb);
	sock_hold(sk);
	skb->sk = sk;
	skb->destructor = sock_wfree;
	atomic_fetch_add(&sk->sk_wmem_alloc, (int)skb->truesize);
}

int __sock_queue_rcv_skb(struct sock *sk, struct sk_buff *skb)
{
	if (atomic_load(&sk->sk_rmem_alloc) >= sk->sk_rcvbuf) {
		atomic_fetch_add(&sk->sk_drops, 1);
		return -ENOMEM;
	}
	/* Queued buffers outlive devices: only the ifindex stays (skb_iif). */
	skb->dev = NULL;
	skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	return 0;
}

int sock_queue_rcv_skb_reason(struct sock *sk, struct sk_buff *skb,
			      enum skb_drop_reason *reason)
{
	int err;

	if (sk_filter(sk, skb)) {
		*reason = SKB_DROP_REASON_SOCKET_FILTER;
		return -EPERM;
	}
	err = __sock_queue_rcv_skb(sk, skb);
	if (err)
		*reason = SKB_DROP_REASON_SOCKET_RCVBUFF;
	return err;
}

int sock_queue_rcv_skb(struct sock *sk, struct sk_buff *skb)
{
	enum skb_drop_reason reason;

	return sock_queue_rcv_skb_reason(sk, skb, &reason);
}
EXPORT_SYMBOL(sock_queue_rcv_skb);

/* ---- sleeping ---------------------------------------------------------------- */

static __thread struct wait_queue_entry sk_wait_entry;
static __thread bool wait_stuck;

void sk_wait_begin(struct sock *sk)
{
	struct usn_waiter *w = waiter_current();

	init_wait_entry(&sk_wait_entry, w, ~0u);
	if (sk->sk_wq)
		add_wait_queue(sk->sk_wq, &sk_wait_entry);
	waiter_reset(w);
}

long sk_wait_sleep(struct sock *sk, long timeo)
{
	struct usn_net *net = sock_net(sk);
	uint64_t now = net_now(net), deadline = NET_DEADLINE_NONE;
	int err;

	if (timeo <= 0)
		return 0;
	if (timeo != MAX_SCHEDULE_TIMEOUT)
		deadline = now + jiffies_to_ns((uint64_t)timeo);
	err = net_wait(net, sk_wait_entry.waiter, deadline);
	if (err == -EDEADLK)
		wait_stuck = true;
	if (err)
		return 0;
	if (deadline == NET_DEADLINE_NONE)
		return MAX_SCHEDULE_TIMEOUT;
	now = net_now(net);
	return now >= deadline ? 0 : (long)ns_to_jiffies_up(deadline - now);
}

void sk_wait_end(struct sock *sk)
{
	(void)sk;
	remove_wait_queue(&sk_wait_entry);
}

int sock_intr_errno(long timeo)
{
	(void)timeo;
	if (wait_stuck) {
		wait_stuck = false;
		return -EDEADLK;
	}
	return -EAGAIN;
}

struct sk_buff *sock_alloc_send_skb(struct sock *sk, unsigned long size,
				    bool noblock, int *errcode)
{
	long timeo = sock_sndtimeo(sk, noblock);
	struct sk_buff *skb;
	int err;

	for (;;) {
		err = sock_error(sk);
		if (err)
			goto fail;
		err = -EPIPE;
		/* READ_ONCE: a unix peer may shut us down (af_unix.h). */
		if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)
			goto fail;
		if (atomic_load(&sk->sk_wmem_alloc) < sk->sk_sndbuf)
			break;
		err = -EAGAIN;
		if (!timeo)
			goto fail;
		sk_wait_event(sk, &timeo,
			      atomic_load(&sk->sk_wmem_alloc) < sk->sk_sndbuf ||
			      READ_ONCE(sk->sk_err) ||
			      (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN));
		if (!timeo && atomic_load(&sk->sk_wmem_alloc) >= sk->sk_sndbuf) {
			err = sock_intr_errno(timeo);
			goto fail;
		}
	}
	err = -EMSGSIZE;
	if (size > (1u << 30))
		goto fail;
	skb = alloc_skb_headroom((unsigned int)size, USN_MAX_HEADER);
	err = -ENOBUFS;
	if (!skb)
		goto fail;
	skb_set_owner_w(skb, sk);
	return skb;

fail:
	*errcode = err;
	return NULL;
}
EXPORT_SYMBOL(sock_alloc_send_skb);

/* ---- receive timestamps --------------------------------------------------------- */

/*
 * skb->tstamp is on the process clock (CLOCK_MONOTONIC, or the simulator's
 * virtual clock). SO_TIMESTAMP reports wall-clock time as Linux does: real
 * clocks add the offset of CLOCK_REALTIME measured once; simulated runs
 * report the virtual clock itself, so they stay reproducible.
 */
static uint64_t tstamp_to_wall(uint64_t ns)
{
	static _Atomic int64_t offset;
	static atomic_bool measured;
	struct timespec rt, mono;

	if (usn_simulated())
		return ns;
	if (!atomic_load(&measured)) {
		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		atomic_store(&offset, ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000000LL +
				      (rt.tv_nsec - mono.tv_nsec));
		atomic_store(&measured, true);
	}
	return ns + (uint64_t)atomic_load(&offset);
}

void sock_recv_timestamp(struct kmsghdr *msg, struct sock *sk,
			 const struct sk_buff *skb)
{
	uint64_t ns;

	if (!sock_flag(sk, SOCK_RCVTSTAMP))
		return;
	ns = tstamp_to_wall(skb->tstamp);
	if (sock_flag(sk, SOCK_RCVTSTAMPNS)) {
		struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

		put_cmsg(msg, SOL_SOCKET, SCM_TIMESTAMPNS, sizeof(ts), &ts);
	} else {
		struct timeval tv = { (time_t)(ns / 1000000000u),
				      (suseconds_t)(ns % 1000000000u / 1000u) };

		put_cmsg(msg, SOL_SOCKET, SCM_TIMESTAMP, sizeof(tv), &tv);
	}
}

/* ---- SOL_SOCKET options ------------------------------------------------------- */

static int sock_set_timeout(long *timeo_p, const void *optval,
			    unsigned int optlen)
{
	struct timeval tv;

	if (optlen < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, optval, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= USEC_PER_SEC)
		return -EDOM;
	if (tv.tv_sec < 0) {
		/* Linux quirk, kept: a negative time means "don't wait". */
		*timeo_p = 0;
		return 0;
	}
	*timeo_p = MAX_SCHEDULE_TIMEOUT;
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		return 0;
	if (tv.tv_sec < (MAX_SCHEDULE_TIMEOUT / HZ - 1))
		*timeo_p = tv.tv_sec * HZ +
			   (tv.tv_usec + (USEC_PER_SEC / HZ) - 1) / (USEC_PER_SEC / HZ);
	return 0;
}

static void sock_get_timeout(long timeo, struct timeval *tv)
{
	if (timeo == MAX_SCHEDULE_TIMEOUT) {
		tv->tv_sec = 0;
		tv->tv_usec = 0;
		return;
	}
	tv->tv_sec = timeo / HZ;
	tv->tv_usec = ((timeo % HZ) * USEC_PER_SEC) / HZ;
}

static void sock_set_linger(struct sock *sk, const struct linger *ling)
{
	if (!ling->l_onoff) {
		sock_reset_flag(sk, SOCK_LINGER);
		return;
	}
	/* Sign-extended, as the kernel's unsigned long t_sec: negative = forever. */
	unsigned long t_sec = (unsigned long)(long)ling->l_linger;

	if (t_sec >= MAX_SCHEDULE_TIMEOUT / HZ)
		sk->sk_lingertime = MAX_SCHEDULE_TIMEOUT;
	else
		sk->sk_lingertime = t_sec * HZ;
	sock_set_flag(sk, SOCK_LINGER);
}

/*
 * sk_may_scm_recv(): only the families that attach credentials to what
 * they deliver take SO_PASSCRED and SO_PASSSEC (Linux 6.16 and later; an
 * older kernel accepted them everywhere). SO_PASSPIDFD is unix only.
 */
static bool sk_may_scm_recv(const struct sock *sk)
{
	return sk->sk_family == AF_UNIX || sk->sk_family == AF_NETLINK;
}

/*
 * SO_PEERPIDFD: a pidfd (always close-on-exec) of the peer's process, as
 * pidfd_open(2) gives; ENODATA without a peer. usnet's peers are
 * threads of this process, or the pid a sender proved it may claim.
 */
static int sock_peer_pidfd(const struct sock *sk)
{
	long fd;

	if (!sk->sk_peer_pid)
		return -ENODATA;
	fd = syscall(SYS_pidfd_open, sk->sk_peer_pid, 0);
	return fd < 0 ? -errno : (int)fd;
}

/* sk_is_inet(): only inet sockets have SO_REUSEPORT groups. */
static bool sk_is_inet(const struct sock *sk)
{
	return sk->sk_family == AF_INET || sk->sk_family == AF_INET6;
}

int sock_setsockopt(struct socket *sock, int level, int optname,
		    const void *optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct linger ling;
	int val, valbool;

	(void)level;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (!optval)
		return -EFAULT;
	memcpy(&val, optval, sizeof(val));
	valbool = val ? 1 : 0;

	switch (optname) {
	case SO_REUSEADDR:
		sk->sk_reuse = valbool ? SK_CAN_REUSE : SK_NO_REUSE;
		return 0;
	case SO_REUSEPORT:
		if (valbool && !sk_is_inet(sk))
			return -EOPNOTSUPP;
		sk->sk_reuseport = (unsigned char)valbool;
		return 0;
	case SO_TYPE:
	case SO_PROTOCOL:
	case SO_DOMAIN:
	case SO_ERROR:
	case SO_ACCEPTCONN:
		return -ENOPROTOOPT;
	case SO_BROADCAST:
		sock_valbool_flag(sk, SOCK_BROADCAST, valbool);
		return 0;
	case SO_SNDBUF:
		/* Clamp as u32 (a negative value is huge), then double for overhead. */
		val = (int)min_t(uint32_t, (uint32_t)val,
				 (uint32_t)sock_net(sk)->sysctl.wmem_max);
		val = min_t(int, val, INT_MAX / 2);
		sk->sk_userlocks |= SOCK_SNDBUF_LOCK;
		sk->sk_sndbuf = max_t(int, val * 2, SOCK_MIN_SNDBUF);
		sk->sk_write_space(sk);
		return 0;
	case SO_RCVBUF:
		val = (int)min_t(uint32_t, (uint32_t)val,
				 (uint32_t)sock_net(sk)->sysctl.rmem_max);
		val = min_t(int, val, INT_MAX / 2);
		sk->sk_userlocks |= SOCK_RCVBUF_LOCK;
		sk->sk_rcvbuf = max_t(int, val * 2, SOCK_MIN_RCVBUF);
		return 0;
	case SO_KEEPALIVE:
		if (sk->sk_prot && sk->sk_prot->keepalive)
			sk->sk_prot->keepalive(sk, valbool);
		sock_valbool_flag(sk, SOCK_KEEPOPEN, valbool);
		return 0;
	case SO_OOBINLINE:
		sock_valbool_flag(sk, SOCK_URGINLINE, valbool);
		return 0;
	case SO_LINGER:
		if (optlen < sizeof(ling))
			return -EINVAL;
		memcpy(&ling, optval, sizeof(ling));
		sock_set_linger(sk, &ling);
		return 0;
	case SO_RCVLOWAT:
		if (val < 0)
			val = INT_MAX;
		sk->sk_rcvlowat = val ? val : 1;
		return 0;
	case SO_TIMESTAMP:
	case SO_TIMESTAMPNS:
		/* SO_TIMESTAMPNS is SO_TIMESTAMP with a timespec: one flag says which. */
		if (valbool) {
			sock_valbool_flag(sk, SOCK_RCVTSTAMPNS, optname == SO_TIMESTAMPNS);
			sock_set_flag(sk, SOCK_RCVTSTAMP);
		} else {
			sock_reset_flag(sk, SOCK_RCVTSTAMP);
			sock_reset_flag(sk, SOCK_RCVTSTAMPNS);
		}
		return 0;
	case SO_ATTACH_FILTER: {
		struct sock_fprog fprog;

		if (optlen != sizeof(fprog))
			return -EINVAL;
		memcpy(&fprog, optval, sizeof(fprog));
		return sk_attach_filter(&fprog, sk);
	}
	case SO_DETACH_FILTER:
		return sk_detach_filter(sk);
	case SO_LOCK_FILTER:
		if (sock_flag(sk, SOCK_FILTER_LOCKED) && !valbool)
			return -EPERM;
		sock_valbool_flag(sk, SOCK_FILTER_LOCKED, valbool);
		return 0;
	case SO_PASSCRED:
		if (!sk_may_scm_recv(sk))
			return -EOPNOTSUPP;
		sock_valbool_flag(sk, SOCK_PASSCRED, valbool);
		return 0;
	case SO_PASSPIDFD:
		if (sk->sk_family != AF_UNIX)
			return -EOPNOTSUPP;
		sock_valbool_flag(sk, SOCK_PASSPIDFD, valbool);
		return 0;
	case SO_PASSSEC:
		if (!sk_may_scm_recv(sk))
			return -EOPNOTSUPP;
		sock_valbool_flag(sk, SOCK_PASSSEC, valbool);
		return 0;
	case SO_PEEK_OFF:
		if (!sock->ops->set_peek_off)
			return -EOPNOTSUPP;
		return sock->ops->set_peek_off(sk, val);
	case SO_PEERCRED:
	case SO_PEERPIDFD:
		return -ENOPROTOOPT;
	case SO_RCVTIMEO:
		return sock_set_timeout(&sk->sk_rcvtimeo, optval, optlen);
	case SO_SNDTIMEO:
		return sock_set_timeout(&sk->sk_sndtimeo, optval, optlen);
	default:
		return -ENOPROTOOPT;
	}
}

int sockopt_put(void *optval, int *optlen, const void *val, int size)
{
	int len = min_t(int, *optlen, size);

	if (len) {
		if (!optval)
			return -EFAULT;
		memcpy(optval, val, (size_t)len);
	}
	*optlen = len;
	return 0;
}

int sock_getsockopt(struct socket *sock, int level, int optname,
		    void *optval, int *optlen)
{
	struct sock *sk = sock->sk;
	union {
		int val;
		struct linger ling;
		struct timeval tm;
		struct ucred peercred;
	} v;
	int lv = sizeof(int), len;

	(void)level;
	if (!optlen)
		return -EFAULT;
	len = *optlen;
	if (len < 0)
		return -EINVAL;
	memset(&v, 0, sizeof(v));

	switch (optname) {
	case SO_REUSEADDR:
		v.val = sk->sk_reuse;
		break;
	case SO_REUSEPORT:
		v.val = sk->sk_reuseport;
		break;
	case SO_KEEPALIVE:
		v.val = sock_flag(sk, SOCK_KEEPOPEN);
		break;
	case SO_TYPE:
		v.val = sk->sk_type;
		break;
	case SO_PROTOCOL:
		v.val = sk->sk_protocol;
		break;
	case SO_DOMAIN:
		v.val = sk->sk_family;
		break;
	case SO_ERROR:
		v.val = -sock_error(sk);
		if (!v.val) {
			v.val = sk->sk_err_soft;
			sk->sk_err_soft = 0;
		}
		break;
	case SO_BROADCAST:
		v.val = sock_flag(sk, SOCK_BROADCAST);
		break;
	case SO_SNDBUF:
		v.val = sk->sk_sndbuf;
		break;
	case SO_RCVBUF:
		v.val = sk->sk_rcvbuf;
		break;
	case SO_OOBINLINE:
		v.val = sock_flag(sk, SOCK_URGINLINE);
		break;
	case SO_LINGER:
		lv = sizeof(v.ling);
		v.ling.l_onoff = sock_flag(sk, SOCK_LINGER);
		/* As the kernel: MAX_SCHEDULE_TIMEOUT / HZ, truncated to int. */
		v.ling.l_linger = (int)(sk->sk_lingertime / HZ);
		break;
	case SO_RCVTIMEO:
		lv = sizeof(v.tm);
		sock_get_timeout(sk->sk_rcvtimeo, &v.tm);
		break;
	case SO_SNDTIMEO:
		lv = sizeof(v.tm);
		sock_get_timeout(sk->sk_sndtimeo, &v.tm);
		break;
	case SO_RCVLOWAT:
		v.val = sk->sk_rcvlowat;
		break;
	case SO_SNDLOWAT:
		/* Fixed, as in Linux: it reads 1 and cannot be set. */
		v.val = 1;
		break;
	case SO_TIMESTAMP:
		v.val = sock_flag(sk, SOCK_RCVTSTAMP) && !sock_flag(sk, SOCK_RCVTSTAMPNS);
		break;
	case SO_TIMESTAMPNS:
		v.val = sock_flag(sk, SOCK_RCVTSTAMPNS);
		break;
	case SO_ACCEPTCONN:
		v.val = sk->sk_state == TCP_LISTEN;
		break;
	case SO_LOCK_FILTER:
		v.val = sock_flag(sk, SOCK_FILTER_LOCKED);
		break;
	case SO_GET_FILTER:
		/* As Linux: @len and the answer count instructions, not bytes. */
		len = sk_get_filter(sk, optval, (unsigned int)len);
		if (len < 0)
			return len;
		*optlen = len;
		return 0;
	case SO_PASSCRED:
		if (!sk_may_scm_recv(sk))
			return -EOPNOTSUPP;
		v.val = sock_flag(sk, SOCK_PASSCRED);
		break;
	case SO_PASSPIDFD:
		if (sk->sk_family != AF_UNIX)
			return -EOPNOTSUPP;
		v.val = sock_flag(sk, SOCK_PASSPIDFD);
		break;
	case SO_PASSSEC:
		if (!sk_may_scm_recv(sk))
			return -EOPNOTSUPP;
		v.val = sock_flag(sk, SOCK_PASSSEC);
		break;
	case SO_PEEK_OFF:
		if (!sock->ops->set_peek_off)
			return -EOPNOTSUPP;
		v.val = sk->sk_peek_off;
		break;
	case SO_PEERPIDFD:
		/* The new descriptor is the caller's even if @len cuts it, as Linux. */
		v.val = sock_peer_pidfd(sk);
		if (v.val < 0)
			return v.val;
		len = sockopt_put(optval, optlen, &v, lv);
		if (len)
			close(v.val);
		return len;
	case SO_PEERSEC:
		/* No security module labels the peer: as Linux without an LSM. */
		return -ENOPROTOOPT;
	case SO_PEERCRED:
		/* No peer credentials: pid 0, uid and gid -1, as cred_to_ucred(). */
		lv = sizeof(v.peercred);
		v.peercred.pid = sk->sk_peer_pid;
		v.peercred.uid = sk->sk_peer_pid ? sk->sk_peer_uid : (uid_t)-1;
		v.peercred.gid = sk->sk_peer_pid ? sk->sk_peer_gid : (gid_t)-1;
		break;
	default:
		return -ENOPROTOOPT;
	}
	return sockopt_put(optval, optlen, &v, lv);
}

int sock_common_setsockopt(struct socket *sock, int level, int optname,
			   const void *optval, unsigned int optlen)
{
	const struct proto *prot = sock->sk->sk_prot;

	if (!prot->setsockopt)
		return -ENOPROTOOPT;
	return prot->setsockopt(sock->sk, level, optname, optval, optlen);
}
EXPORT_SYMBOL(sock_common_setsockopt);

int sock_common_getsockopt(struct socket *sock, int level, int optname,
			   void *optval, int *optlen)
{
	const struct proto *prot = sock->sk->sk_prot;

	if (!prot->getsockopt)
		return -ENOPROTOOPT;
	return prot->getsockopt(sock->sk, level, optname, optval, optlen);
}
EXPORT_SYMBOL(sock_common_getsockopt);
