/* SPDX-License-Identifier: MIT */
/*
 * sock.h - struct sock, the network-layer half of a socket, and struct
 * proto, the interface from a socket to its transport, after
 * include/net/sock.h. Also the generic helpers every family builds on:
 * socket-level options (sock.c), receive-queue accounting and datagram
 * receive (datagram.c), and sleeping until an event (sk_wait_event()).
 *
 * Buffer accounting follows the kernel: sk_rcvbuf and sk_sndbuf bound the
 * truesize of queued buffers (sk_rmem_alloc, sk_wmem_alloc); a full
 * receive queue drops and counts (sk_drops), a full send buffer blocks or
 * returns EAGAIN, never loses data.
 */
#ifndef USN_SOCKET_SOCK_H
#define USN_SOCKET_SOCK_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/skbuff.h"
#include "core/wait.h"
#include "socket/socket.h"

struct usn_net;
struct sk_filter;
struct proto_mem;

/* Newer than some C libraries' headers (Linux 6.5). */
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD		76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD		77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD		0x04
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif

/* sk_shutdown */
#define RCV_SHUTDOWN		1
#define SEND_SHUTDOWN		2
#define SHUTDOWN_MASK		3

/* sk_reuse */
#define SK_NO_REUSE		0
#define SK_CAN_REUSE		1
#define SK_FORCE_REUSE		2

/* sk_userlocks */
#define SOCK_SNDBUF_LOCK	1
#define SOCK_RCVBUF_LOCK	2
#define SOCK_BINDADDR_LOCK	4
#define SOCK_BINDPORT_LOCK	8

/* Minimum buffers, as on x86_64 Linux (2048 bytes + a struct sk_buff). */
#define SKB_TRUESIZE_MIN	2304
#define SOCK_MIN_SNDBUF		(SKB_TRUESIZE_MIN * 2)
#define SOCK_MIN_RCVBUF		SKB_TRUESIZE_MIN

#define MAX_SCHEDULE_TIMEOUT	LONG_MAX	/* sk_rcvtimeo/sk_sndtimeo: forever */

/* A socket listening in the kernel's sense (struct sock_common's states). */
#define TCP_LISTEN		10

enum sock_flags {
	SOCK_DEAD,
	SOCK_DONE,
	SOCK_URGINLINE,
	SOCK_KEEPOPEN,
	SOCK_LINGER,
	SOCK_BROADCAST,
	SOCK_TIMESTAMP,
	SOCK_RCVTSTAMP,
	SOCK_RCVTSTAMPNS,
	SOCK_ZAPPED,
	SOCK_FILTER_LOCKED,	/* SO_LOCK_FILTER: the filter cannot change */
	SOCK_PASSCRED,		/* SO_PASSCRED (Linux keeps it in socket->flags) */
	SOCK_PASSPIDFD,		/* SO_PASSPIDFD: SCM_PIDFD (unix) */
	SOCK_PASSSEC,		/* SO_PASSSEC: asks for SCM_SECURITY (none without an LSM) */
};

struct proto {
	const char	*name;
	size_t		obj_size;	/* the protocol's struct embedding struct sock */
	int		(*init)(struct sock *sk);
	void		(*destroy)(struct sock *sk);
	void		(*close)(struct sock *sk, long timeout);
	int		(*connect)(struct sock *sk, struct sockaddr *uaddr,
				   int addr_len);
	int		(*disconnect)(struct sock *sk, int flags);
	int		(*ioctl)(struct sock *sk, int cmd, int *karg);
	int		(*setsockopt)(struct sock *sk, int level, int optname,
				      const void *optval, unsigned int optlen);
	int		(*getsockopt)(struct sock *sk, int level, int optname,
				      void *optval, int *optlen);
	void		(*keepalive)(struct sock *sk, int valbool);
	int		(*sendmsg)(struct sock *sk, struct kmsghdr *msg,
				   size_t len);
	int		(*recvmsg)(struct sock *sk, struct kmsghdr *msg,
				   size_t len, int flags, int *addr_len);
	int		(*bind)(struct sock *sk, struct sockaddr *addr,
				int addr_len);
	int		(*backlog_rcv)(struct sock *sk, struct sk_buff *skb);
	int		(*hash)(struct sock *sk);
	void		(*unhash)(struct sock *sk);
	int		(*get_port)(struct sock *sk, unsigned short snum);
	/* Memory accounting (sock_mem.h): NULL for a protocol without it. */
	struct proto_mem *(*memory_pool)(const struct sock *sk);
	void		(*enter_memory_pressure)(struct sock *sk);
	void		(*leave_memory_pressure)(struct sock *sk);
};

struct sock {
	_Atomic uint64_t	sk_cookie;	/* sock_gen_cookie(): 0 until asked */
	unsigned short		sk_family;
	unsigned short		sk_type;
	unsigned short		sk_protocol;
	unsigned char		sk_state;
	unsigned char		sk_shutdown;
	unsigned char		sk_reuse;
	unsigned char		sk_reuseport;
	unsigned char		sk_userlocks;
	unsigned char		sk_no_check_tx;
	atomic_int		sk_refcnt;
	struct usn_net		*sk_net;
	struct socket		*sk_socket;
	struct wait_queue_head	*sk_wq;		/* the socket's, NULL when orphaned */
	const struct proto	*sk_prot;
	unsigned long		sk_flags;	/* sock_flag(): atomic bits */
	int			sk_err;		/* positive errno, reported once */
	int			sk_err_soft;
	int			sk_rcvbuf;
	int			sk_sndbuf;
	atomic_int		sk_rmem_alloc;
	atomic_int		sk_wmem_alloc;
	int			sk_forward_alloc;	/* bytes reserved, not yet charged */
	int			sk_rcvlowat;
	int			sk_peek_off;	/* SO_PEEK_OFF: -1 off (sk_peek_offset()) */
	int			sk_bound_dev_if;
	long			sk_rcvtimeo;	/* jiffies */
	long			sk_sndtimeo;	/* jiffies */
	unsigned long		sk_lingertime;	/* jiffies */
	uint32_t		sk_mark;
	uint32_t		sk_priority;
	atomic_uint		sk_drops;
	/* SO_PEERCRED: set by families that know their peer (unix); pid 0 = none */
	pid_t			sk_peer_pid;
	uid_t			sk_peer_uid;
	gid_t			sk_peer_gid;
	struct sk_buff_head	sk_receive_queue;
	struct sk_buff_head	sk_write_queue;
	struct sk_buff_head	sk_error_queue;
	void			(*sk_state_change)(struct sock *sk);
	void			(*sk_data_ready)(struct sock *sk);
	void			(*sk_write_space)(struct sock *sk);
	void			(*sk_error_report)(struct sock *sk);
	void			(*sk_destruct)(struct sock *sk);
	struct sk_filter	*sk_filter;	/* SO_ATTACH_FILTER (core/filter.c) */
};

static inline struct usn_net *sock_net(const struct sock *sk)
{
	return sk->sk_net;
}

/*
 * The flags are atomic bits, as the kernel's set_bit(): a buffer's
 * destructor (sock_wfree) reads SOCK_DEAD of its writer from whatever
 * thread frees it, possibly one holding another namespace's lock (an
 * AF_UNIX peer), while the owner sets bits under its own. Relaxed order:
 * a flag publishes nothing else.
 */
static inline bool sock_flag(const struct sock *sk, enum sock_flags flag)
{
	return __atomic_load_n(&sk->sk_flags, __ATOMIC_RELAXED) & (1UL << flag);
}

static inline void sock_set_flag(struct sock *sk, enum sock_flags flag)
{
	__atomic_fetch_or(&sk->sk_flags, 1UL << flag, __ATOMIC_RELAXED);
}

static inline void sock_reset_flag(struct sock *sk, enum sock_flags flag)
{
	__atomic_fetch_and(&sk->sk_flags, ~(1UL << flag), __ATOMIC_RELAXED);
}

static inline void sock_valbool_flag(struct sock *sk, enum sock_flags bit,
				     int valbool)
{
	if (valbool)
		sock_set_flag(sk, bit);
	else
		sock_reset_flag(sk, bit);
}

static inline void sock_hold(struct sock *sk)
{
	atomic_fetch_add(&sk->sk_refcnt, 1);
}

void sk_free(struct sock *sk);

static inline void sock_put(struct sock *sk)
{
	if (atomic_fetch_sub(&sk->sk_refcnt, 1) == 1)
		sk_free(sk);
}

static inline long sock_rcvtimeo(const struct sock *sk, bool noblock)
{
	return noblock ? 0 : sk->sk_rcvtimeo;
}

static inline long sock_sndtimeo(const struct sock *sk, bool noblock)
{
	return noblock ? 0 : sk->sk_sndtimeo;
}

static inline int sock_rcvlowat(const struct sock *sk, int waitall, int len)
{
	int v = waitall ? len : min_t(int, sk->sk_rcvlowat, len);

	return v ? v : 1;
}

/*
 * SO_PEEK_OFF (sk_peek_offset*()): where a MSG_PEEK read starts, moved
 * forward by what it peeks and back by what a normal read takes; a
 * negative offset is off. Touched only by the socket's own calls.
 */
static inline int sk_peek_offset(const struct sock *sk, int flags)
{
	return (flags & MSG_PEEK) ? sk->sk_peek_off : 0;
}

static inline void sk_peek_offset_bwd(struct sock *sk, int val)
{
	if (sk->sk_peek_off >= 0)
		sk->sk_peek_off = max_t(int, sk->sk_peek_off - val, 0);
}

static inline void sk_peek_offset_fwd(struct sock *sk, int val)
{
	sk_peek_offset_bwd(sk, -val);
}

/*
 * Reports and clears the pending error, as sock_error(): -errno or 0. An
 * exchange, for a unix socket's error is set by its peer's thread under
 * the state lock only (af_unix.h), not under our namespace lock.
 */
static inline int sock_error(struct sock *sk)
{
	if (!READ_ONCE(sk->sk_err))
		return 0;
	return -__atomic_exchange_n(&sk->sk_err, 0, __ATOMIC_RELAXED);
}

static inline int sock_wspace(const struct sock *sk)
{
	return sk->sk_sndbuf - atomic_load(&sk->sk_wmem_alloc);
}

static inline bool sock_writeable(const struct sock *sk)
{
	return atomic_load(&sk->sk_wmem_alloc) < (sk->sk_sndbuf >> 1);
}

/* sock.c */
struct sock *sk_alloc(struct usn_net *net, int family,
		      const struct proto *prot, int kern);
void sock_init_data(struct socket *sock, struct sock *sk);
void sock_graft(struct sock *sk, struct socket *sock);
void sock_orphan(struct sock *sk);
void sock_def_readable(struct sock *sk);
void sock_def_write_space(struct sock *sk);
void sock_def_wakeup(struct sock *sk);
void sock_def_error_report(struct sock *sk);
int sock_setsockopt(struct socket *sock, int level, int optname,
		    const void *optval, unsigned int optlen);
int sock_getsockopt(struct socket *sock, int level, int optname,
		    void *optval, int *optlen);
int sock_common_setsockopt(struct socket *sock, int level, int optname,
			   const void *optval, unsigned int optlen);
int sock_common_getsockopt(struct socket *sock, int level, int optname,
			   void *optval, int *optlen);

/*
 * The tail every getsockopt shares: copies the first min(*@optlen, @size)
 * bytes of @val out to @optval and leaves that count in *@optlen.  -EFAULT
 * when there is something to copy and no @optval.  *@optlen must already
 * have been checked not to be negative.
 */
int sockopt_put(void *optval, int *optlen, const void *val, int size);

/*
 * Runs @sk's filter on @skb, charges it to the receive buffer and queues
 * it: 0, -EPERM when the filter drops it, -ENOMEM when the buffer is full
 * (*@reason says which, for the caller's kfree_skb_reason()).
 */
int sock_queue_rcv_skb_reason(struct sock *sk, struct sk_buff *skb,
			      enum skb_drop_reason *reason);
int sock_queue_rcv_skb(struct sock *sk, struct sk_buff *skb);
/* The same without the filter, for protocols that ran it already (UDP). */
int __sock_queue_rcv_skb(struct sock *sk, struct sk_buff *skb);
void skb_set_owner_r(struct sk_buff *skb, struct sock *sk);
bool skb_owned_r(const struct sk_buff *skb, const struct sock *sk);
void skb_set_owner_w(struct sk_buff *skb, struct sock *sk);
struct sk_buff *sock_alloc_send_skb(struct sock *sk, unsigned long size,
				    bool noblock, int *errcode);

/*
 * Sleeps until @cond holds, the deadline of *@timeo (jiffies) passes, or the
 * thread is woken without it (the caller re-checks). Call with the namespace
 * lock held; *@timeo is updated with the time left. Returns the condition.
 */
#define sk_wait_event(sk, timeo, cond)					\
	({								\
		bool __ok = (cond);					\
		if (!__ok) {						\
			sk_wait_begin(sk);				\
			__ok = (cond);					\
			if (!__ok) {					\
				*(timeo) = sk_wait_sleep(sk, *(timeo));	\
				__ok = (cond);				\
			}						\
			sk_wait_end(sk);				\
		}							\
		__ok;							\
	})

void sk_wait_begin(struct sock *sk);
long sk_wait_sleep(struct sock *sk, long timeo);
void sk_wait_end(struct sock *sk);

/* The errno of a wait that ended: -EAGAIN after a timeout of 0, -EDEADLK in a stuck simulation. */
int sock_intr_errno(long timeo);

/* datagram.c */
struct sk_buff *skb_recv_datagram(struct sock *sk, unsigned int flags,
				  int *err);
void skb_free_datagram(struct sock *sk, struct sk_buff *skb);
int skb_copy_datagram_msg(const struct sk_buff *from, int offset,
			  struct kmsghdr *msg, int size);
unsigned int datagram_poll(struct file *file, struct socket *sock,
			   struct poll_table_struct *wait);
/* Adds SCM_TIMESTAMP / SCM_TIMESTAMPNS about @skb when @sk asked for it. */
void sock_recv_timestamp(struct kmsghdr *msg, struct sock *sk,
			 const struct sk_buff *skb);

#endif
