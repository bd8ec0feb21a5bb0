/* SPDX-License-Identifier: MIT */
/*
 * af_unix.h - the AF_UNIX family, after include/net/af_unix.h: struct
 * unix_sock, the control block of its buffers, and what the rest of usnet
 * (sock_diag) may ask of it.
 *
 * LOCKING. The house rule is that protocol code runs under the socket's
 * namespace lock and never takes another namespace's lock while holding
 * one. A unix socket may be connected to a socket of another namespace (a
 * path name is process-wide), so the state two sockets share cannot live
 * under either namespace lock. It lives under per-socket state locks, as
 * Linux's unix_state_lock():
 *
 *   u->lock guards u->peer, sk_state, sk_shutdown, sk_err, the receive
 *   queue (data, or embryos of a listener), u->peer_wait and the poll
 *   relays (peer_wake_list). A sender queues into its peer's receive queue
 *   under the peer's u->lock only. sk_shutdown and sk_err are written
 *   with WRITE_ONCE: the socket layer's own paths (sock_alloc_send_skb,
 *   sock_error) read them under the namespace lock alone.
 *
 *   Order: namespace lock -> unix_table_lock (names, socket list) ->
 *   unix_gc_lock -> u->lock; two u->locks are taken in address order
 *   (unix_state_double_lock). No u->lock is held while a namespace lock is
 *   taken, so the lock graph has no cycle.
 *
 * Wake-ups. A socket's wait queue (sock->wq, where poll() and blocking
 * calls of its own namespace sleep) is guarded by its namespace lock, so a
 * thread of another namespace cannot wake it directly. An operation
 * collects the sockets to wake in a struct unix_defer and, at its end,
 * wakes those of its own namespace at once and, for the others, drops its
 * own namespace lock, takes each peer's namespace lock alone to wake it,
 * and takes its own back (unix_defer_run(), as a blocking call drops its
 * lock while it sleeps). A sender blocked on a full peer (datagram queue,
 * listen backlog) sleeps on the peer's peer_wait, which is guarded by the
 * peer's u->lock: a waiter_wake() needs no namespace lock at all.
 *
 * In-flight files (SCM_RIGHTS) are released with no lock held: fput() of
 * a last reference releases a socket, which takes its namespace lock.
 */
#ifndef USN_FAMILY_UNIX_AF_UNIX_H
#define USN_FAMILY_UNIX_AF_UNIX_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>
#include "core/list.h"
#include "socket/sock.h"

#ifndef TCP_ESTABLISHED
#define TCP_ESTABLISHED		1
#endif
#ifndef TCP_SYN_SENT
#define TCP_SYN_SENT		2
#endif
#ifndef TCP_CLOSE
#define TCP_CLOSE		7
#endif

#define UNIX_PATH_OFF		((int)offsetof(struct sockaddr_un, sun_path))
#define UNIX_AUTOBIND_LEN	(UNIX_PATH_OFF + 1 + 5)	/* "\0" + 5 hex digits */
#define SCM_MAX_FD		253
#define UNIX_DGRAM_QLEN_DEFAULT	10	/* net.unix.max_dgram_qlen */

/* A bound name, shared by a listener and the sockets accepted from it. */
struct unix_address {
	atomic_int		refcnt;
	int			len;		/* sockaddr length, family included */
	struct sockaddr_un	name;
};

/* One passed descriptor: a usnet file, or a kernel fd we duplicated. */
struct scm_fp_entry {
	struct file		*file;		/* NULL for a kernel fd */
	int			kfd;
};

/* The descriptors of one SCM_RIGHTS message (struct scm_fp_list). */
struct scm_fp_list {
	int			count;
	struct scm_fp_list	*next;		/* on a unix_defer's put list */
	struct scm_fp_entry	fp[SCM_MAX_FD];
};

/* The control block of a unix sk_buff (UNIXCB). */
struct unix_skb_parms {
	pid_t			pid;		/* credentials (SCM_CREDENTIALS) */
	uid_t			uid;
	gid_t			gid;
	unsigned int		consumed;	/* stream: bytes already read */
	struct scm_fp_list	*fp;		/* SCM_RIGHTS, NULL if none */
	struct sock		*embryo;	/* a listener's queue: the new socket */
	bool			peeked;		/* an empty datagram seen by MSG_PEEK */
};

#define UNIXCB(skb)	(*(struct unix_skb_parms *)&((skb)->cb[0]))

struct unix_name;

struct unix_sock {
	struct sock		sk;
	pthread_mutex_t		lock;		/* unix_state_lock */
	struct unix_address	*addr;		/* NULL until bound; then fixed */
	struct unix_name	*bound;		/* our table entry (unix_table_lock) */
	struct sock		*peer;		/* holds a reference */
	/*
	 * Stream: the buffer holding the out-of-band byte, still in the
	 * receive queue (u->lock); NULL when there is none or it was read.
	 */
	struct sk_buff		*oob_skb;
	int			max_ack_backlog;	/* listen / dgram queue limit */
	struct list_head	all_link;	/* unix_all_socks, unix_table_lock */
	/* Senders blocked on our full queue (u->lock). */
	struct wait_queue_head	peer_wait;
	/* Poll relays: sockets to wake when our queue drains (u->lock). */
	struct list_head	peer_wake_list;
	struct list_head	peer_wake_link;	/* in the target's list */
	struct sock		*peer_wake_target;	/* held while linked */
	/* Garbage collection of in-flight sockets (unix_gc_lock). */
	long			inflight;	/* times our file is in flight */
	struct list_head	gc_link;
	long			gc_refs;
	bool			gc_candidate;
	bool			gc_alive;
};

static inline struct unix_sock *unix_sk(const struct sock *sk)
{
	return (struct unix_sock *)(void *)sk;
}

static inline void unix_state_lock(struct sock *sk)
{
	pthread_mutex_lock(&unix_sk(sk)->lock);
}

static inline void unix_state_unlock(struct sock *sk)
{
	pthread_mutex_unlock(&unix_sk(sk)->lock);
}

void unix_state_double_lock(struct sock *a, struct sock *b);
void unix_state_double_unlock(struct sock *a, struct sock *b);

/* SO_PASSCRED or SO_PASSPIDFD: credentials travel (unix_may_passcred). */
static inline bool unix_may_passcred(const struct sock *sk)
{
	return sock_flag(sk, SOCK_PASSCRED) || sock_flag(sk, SOCK_PASSPIDFD);
}

static inline bool unix_recvq_full(const struct sock *sk)
{
	return (int)skb_queue_len(&sk->sk_receive_queue) >
	       unix_sk(sk)->max_ack_backlog;
}

static inline bool unix_writable(const struct sock *sk)
{
	return sk->sk_state != TCP_LISTEN &&
	       (atomic_load(&sk->sk_wmem_alloc) << 2) <= sk->sk_sndbuf;
}

/*
 * Work an operation leaves for its end (see LOCKING): sockets to wake,
 * buffers holding descriptors to free, descriptors to fput.
 */
struct unix_defer {
	struct {
		struct sock	*sk;		/* held */
		unsigned int	events;
		bool		write_space;	/* + POLLOUT if writable */
	}			*wake;
	unsigned int		nwake, maxwake;
	struct sk_buff_head	free_q;
	struct scm_fp_list	*put;		/* descriptors to release */
};

/* The key of a data-ready wake-up, as sock_def_readable()'s. */
#define UNIX_WAKE_DATA	(POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND)

void unix_defer_init(struct unix_defer *d);
void unix_defer_wake(struct unix_defer *d, struct sock *sk,
		     unsigned int events);
/*
 * A buffer @writer sent was consumed: wake its writers if it is writable.
 * That is decided under @writer's namespace lock when the wake runs, for
 * its state and sndbuf belong to that lock, not to the consumer's.
 */
void unix_defer_write_space(struct unix_defer *d, struct sock *writer);
/* Runs @d at the end of an op; @own is locked on entry and on return. */
void unix_defer_run(struct usn_net *own, struct unix_defer *d);

/* af_unix.c */
struct sock *unix_create1(struct usn_net *net, struct socket *sock, int type);
void unix_peer_cred_self(struct sock *sk);
/* Sleeps on @other's peer_wait while it is full; returns the time left. */
long unix_wait_for_peer(struct sock *sk, struct sock *other, long timeo,
			int *err);
/* Poll relay: wake @sk when @other's queue drains. u->locks held. */
bool unix_dgram_peer_wake_me(struct sock *sk, struct sock *other);
void unix_dgram_peer_wake_disconnect(struct sock *sk, struct sock *other);
void unix_peer_wait_wake(struct sock *sk, struct unix_defer *d);
extern const struct proto_ops unix_stream_ops;
extern const struct proto_ops unix_dgram_ops;
extern const struct proto_ops unix_seqpacket_ops;

/* unix_addr.c: the name table */
void unix_address_put(struct unix_address *addr);
int unix_validate_addr(const struct sockaddr *addr, int addr_len);
int unix_bind_name(struct sock *sk, struct sockaddr *uaddr, int addr_len);
int unix_autobind(struct sock *sk);
/* The bound socket for a name, held; -ENOENT, -ECONNREFUSED, -EPROTOTYPE. */
struct sock *unix_find_other(struct usn_net *net, struct sockaddr *uaddr,
			     int addr_len, int type, int *err);
void unix_unbind(struct sock *sk);
int unix_name_unlink(const char *path);
void unix_table_lock(void);
void unix_table_unlock(void);
extern struct list_head unix_all_socks;

/* unix_msg.c */
int unix_stream_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t len);
int unix_stream_recvmsg(struct socket *sock, struct kmsghdr *msg, size_t len,
			int flags);
int unix_dgram_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t len);
int unix_dgram_recvmsg(struct socket *sock, struct kmsghdr *msg, size_t len,
		       int flags);
int unix_seqpacket_sendmsg(struct socket *sock, struct kmsghdr *msg,
			   size_t len);
int unix_seqpacket_recvmsg(struct socket *sock, struct kmsghdr *msg,
			   size_t len, int flags);

/* scm.c: control messages */
struct unix_scm {
	pid_t			pid;
	uid_t			uid;
	gid_t			gid;
	struct scm_fp_list	*fp;
};

int unix_scm_send(struct socket *sock, struct kmsghdr *msg,
		  struct unix_scm *scm);
void unix_scm_destroy(struct unix_scm *scm);
/*
 * Moves scm's descriptors (there are some) to @skb, in flight from now on;
 * -ETOOMANYREFS past the process's limit (too_many_unix_fds()).
 */
int unix_attach_fds(struct usn_net *net, struct unix_scm *scm,
		    struct sk_buff *skb);
struct scm_fp_list *scm_fp_dup(const struct scm_fp_list *fpl);
/* Releases every descriptor of @fpl and frees it; no lock held. */
void scm_fp_free(struct scm_fp_list *fpl);
/* Installs @fpl's descriptors in the fd table as SCM_RIGHTS; frees @fpl. */
void unix_scm_recv_fds(struct kmsghdr *msg, int flags,
		       struct scm_fp_list *fpl, struct unix_defer *d);
void unix_scm_recv_creds(struct kmsghdr *msg, const struct unix_skb_parms *cb);
void unix_scm_recv_pidfd(struct kmsghdr *msg, pid_t pid);

/* garbage.c: in-flight sockets */
void unix_inflight(struct scm_fp_list *fpl);
void unix_notinflight(struct scm_fp_list *fpl);
void unix_gc(void);
bool unix_gc_pending(void);	/* any unix socket in flight? */
long unix_inflight_fds(void);	/* descriptors of any kind in flight */
void unix_gc_lock(void);
void unix_gc_unlock(void);
/* Takes @skb's descriptors out of flight, for freeing or installing. */
struct scm_fp_list *unix_detach_fds(struct sk_buff *skb);

/*
 * For sock_diag (unix_diag.c): the namespace's unix sockets, embryos
 * included, each described under its state lock. @fn returns non-zero to
 * stop the walk (unix_diag_walk returns it; -ENOMEM if a listener's
 * waiting connections could not be gathered). unix_table_lock is held
 * while @fn runs: it must not call into unix sockets.
 */
struct unix_diag_info {
	const struct sock	*sk;		/* identity only (the cookie): not to be read */
	unsigned long		ino;		/* the socket's inode; 0: an embryo, closed */
	bool			peer;		/* connected (UNIX_DIAG_PEER) */
	unsigned long		peer_ino;	/* the peer's inode, 0 until accepted */
	int			type;		/* SOCK_* */
	int			state;		/* TCP_ESTABLISHED, TCP_LISTEN, TCP_CLOSE */
	unsigned char		shutdown;
	int			name_len;	/* bytes of sun_path used, 0 unbound */
	char			name[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint32_t		rqueue;		/* listen: backlog length; else bytes to read */
	uint32_t		wqueue;		/* listen: max backlog; else bytes unread by the peer */
	uint32_t		rcvbuf, sndbuf;
	uint32_t		rmem_alloc, wmem_alloc;	/* SK_MEMINFO */
	uint32_t		drops;
	int			uid;		/* the socket's owner */
	/*
	 * A listener's waiting connections (UDIAG_SHOW_ICONS), valid during
	 * @fn: the inodes of the connecting sockets, as Linux names them.
	 */
	const unsigned long	*icons;
	unsigned int		nicons;
};

int unix_diag_walk(struct usn_net *net,
		   int (*fn)(const struct unix_diag_info *info, void *arg),
		   void *arg);

int unix_init(void);
/* unix_diag.c: the AF_UNIX handler of NETLINK_SOCK_DIAG. */
int unix_diag_init(void);

#endif
