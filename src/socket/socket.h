/* SPDX-License-Identifier: MIT */
/*
 * socket.h - the BSD face of a socket and the tables the socket layer
 * dispatches through, after include/linux/net.h:
 *
 *   net_families[family]->create()   makes a socket of a family (socket.c)
 *   sock->ops->bind/connect/...      every verb of a socket (struct proto_ops)
 *
 * A verb a family lacks is a sock_no_*() stub with the kernel's errno, never
 * a NULL slot. Internal functions return 0, a count, or -errno; only the
 * usn_* boundary sets errno.
 *
 * Ops are called with the namespace lock held (the socket layer takes it),
 * so a family needs no locking of its own; a blocking op drops the lock
 * while it sleeps (sk_wait_event()).
 */
#ifndef USN_SOCKET_SOCKET_H
#define USN_SOCKET_SOCKET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "core/compiler.h"
#include "core/wait.h"

struct usn_net;
struct sock;
struct socket;
struct file;
struct vm_region;

#define NPROTO			AF_MAX	/* families the table can hold */
#define SOCK_MAX		(SOCK_PACKET + 1)
#define SOCK_TYPE_MASK		0xf
#ifndef UIO_MAXIOV
#define UIO_MAXIOV		1024
#endif
#define MAX_RW_COUNT		(INT32_MAX & ~4095)	/* what one call moves at most */
#define ENOIOCTLCMD		515	/* kernel-internal: "no such ioctl here" */

typedef enum {
	SS_FREE = 0,
	SS_UNCONNECTED,
	SS_CONNECTING,
	SS_CONNECTED,
	SS_DISCONNECTING,
} socket_state;

/* An iterator over the caller's iovec, as the kernel's iov_iter. */
struct iov_iter {
	const struct iovec	*iov;
	unsigned long		nr_segs;
	size_t			iov_offset;	/* into iov[0] */
	size_t			count;		/* bytes left */
};

/* The kernel's struct msghdr: the socket layer's copy of the caller's. */
struct kmsghdr {
	void			*msg_name;	/* a sockaddr_storage of ours */
	int			msg_namelen;
	struct iov_iter		msg_iter;
	void			*msg_control;	/* the caller's buffer */
	size_t			msg_controllen;
	unsigned int		msg_flags;
};

static inline size_t msg_data_left(const struct kmsghdr *msg)
{
	return msg->msg_iter.count;
}

/* Copies out of / into the caller's iovec; -EFAULT on a NULL base. */
int memcpy_from_msg(void *data, struct kmsghdr *msg, size_t len);
int memcpy_to_msg(struct kmsghdr *msg, const void *data, size_t len);
void iov_iter_init(struct iov_iter *i, const struct iovec *iov,
		   unsigned long nr_segs, size_t count);
/* Appends a control message, as put_cmsg(); sets MSG_CTRUNC when it does not fit. */
int put_cmsg(struct kmsghdr *msg, int level, int type, size_t len,
	     const void *data);

struct poll_table_struct;

/*
 * How poll_wait() hooks a caller on a queue: NULL for poll()/select() (the
 * waiter entries below); epoll installs its own (ep_ptable_queue_proc).
 */
typedef void (*poll_queue_proc)(struct file *file, struct wait_queue_head *wq,
				struct poll_table_struct *pt);

/* The poll_table of one poll() call: registers its waiter on socket queues. */
struct poll_table_struct {
	poll_queue_proc		qproc;		/* NULL: the fields below */
	struct usn_waiter	*waiter;
	struct wait_queue_entry	*entries;
	struct usn_net		**entry_net;	/* whose lock guards entries[i] */
	struct wait_queue_head	**entry_wq;	/* ... unless its queue has a lock */
	struct usn_net		*cur_net;	/* of the socket being polled */
	unsigned int		nr;
	unsigned int		max;
	unsigned int		events;
};

void poll_wait(struct file *file, struct wait_queue_head *wq,
	       struct poll_table_struct *pt);

struct proto_ops {
	int		family;
	int		(*release)(struct socket *sock);
	int		(*bind)(struct socket *sock, struct sockaddr *addr,
				int addrlen);
	int		(*connect)(struct socket *sock, struct sockaddr *addr,
				   int addrlen, int flags);
	int		(*socketpair)(struct socket *a, struct socket *b);
	int		(*accept)(struct socket *sock, struct socket *newsock,
				  int flags, bool kern);
	int		(*getname)(struct socket *sock, struct sockaddr *addr,
				   int peer);
	unsigned int	(*poll)(struct file *file, struct socket *sock,
				struct poll_table_struct *wait);
	int		(*ioctl)(struct socket *sock, unsigned int cmd,
				 unsigned long arg);
	int		(*listen)(struct socket *sock, int backlog);
	int		(*shutdown)(struct socket *sock, int how);
	int		(*setsockopt)(struct socket *sock, int level,
				      int optname, const void *optval,
				      unsigned int optlen);
	int		(*getsockopt)(struct socket *sock, int level,
				      int optname, void *optval, int *optlen);
	int		(*sendmsg)(struct socket *sock, struct kmsghdr *m,
				   size_t total_len);
	int		(*recvmsg)(struct socket *sock, struct kmsghdr *m,
				   size_t total_len, int flags);
	/*
	 * Optional (NULL: ENODEV, as sock_no_mmap): hands out, with a
	 * mapping reference taken, the region usn_mmap() maps (socket/mmap.h).
	 */
	int		(*mmap)(struct socket *sock, size_t len, long offset,
				struct vm_region **region);
	/* Optional (NULL: SO_PEEK_OFF is EOPNOTSUPP): sets sk_peek_off. */
	int		(*set_peek_off)(struct sock *sk, int val);
};

struct net_proto_family {
	int	family;
	int	(*create)(struct usn_net *net, struct socket *sock,
			  int protocol, int kern);
	void	*owner;		/* the module's dlopen handle, NULL if built in */
};

/* struct socket flags (include/linux/net.h) */
#define SOCK_NOSPACE		2	/* a writer found the send buffer full */
#define SOCK_NOSPACE_BIT	(1UL << SOCK_NOSPACE)

struct socket {
	socket_state		state;
	short			type;
	unsigned long		flags;
	struct file		*file;
	struct sock		*sk;
	const struct proto_ops	*ops;
	struct usn_net		*net;
	struct wait_queue_head	wq;
	unsigned long		ino;	/* its inode number, for sock_diag and ss */
	uid_t			uid;	/* who made it (the inode's owner) */
};

/*
 * What a file is: a socket (socket_file_ops) or an epoll instance
 * (eventpoll.c). poll() takes the locks the file needs itself; release()
 * runs when the last reference goes.
 */
struct file_operations {
	unsigned int	(*poll)(struct file *file, struct poll_table_struct *pt);
	void		(*release)(struct file *file);
};

struct epitem;

/*
 * An open file: shared by dup()ed fds, as the kernel's struct file.
 * f_flags and f_owner change (fcntl, FIONBIO) while other threads use the
 * file with no lock in common: they are read and written atomically, with
 * file_flags() and file_set_flags() for the flags.
 */
struct file {
	atomic_int		f_count;
	unsigned int		f_flags;	/* O_NONBLOCK, O_ASYNC */
	pid_t			f_owner;	/* F_SETOWN */
	struct socket		*sock;		/* NULL unless a socket */
	const struct file_operations *f_op;
	void			*private_data;	/* the epoll instance */
	struct epitem		*f_ep;		/* epoll items watching it */
	struct file		*f_stale_next;	/* fd_install_new(): to release */
};

extern const struct file_operations socket_file_ops;

static inline unsigned int file_flags(const struct file *file)
{
	return __atomic_load_n(&file->f_flags, __ATOMIC_RELAXED);
}

/* Sets the flags in @mask to their value in @val, the others unchanged. */
static inline void file_set_flags(struct file *file, unsigned int mask,
				  unsigned int val)
{
	unsigned int old = file_flags(file);

	while (!__atomic_compare_exchange_n(&file->f_flags, &old,
					    (old & ~mask) | (val & mask), false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* The socket behind @file, or NULL when it is not a socket (ENOTSOCK). */
static inline struct socket *sock_from_file(struct file *file)
{
	return file->f_op == &socket_file_ops ? file->sock : NULL;
}

/* The file's readiness, registering @pt's caller on its queues if given. */
static inline unsigned int vfs_poll(struct file *file,
				    struct poll_table_struct *pt)
{
	return file->f_op->poll(file, pt);
}

/* socket.c: the family registry and socket life cycle */
int sock_register(const struct net_proto_family *ops);
void sock_unregister(int family);
int __sock_create(struct usn_net *net, int family, int type, int protocol,
		  struct socket **res, int kern);
int sock_create_lite(struct usn_net *net, int type,
		     const struct proto_ops *ops, struct socket **res);
void sock_release(struct socket *sock);

/* file.c: the fd table */
int sock_map_fd(struct socket *sock, unsigned int flags);
struct socket *sockfd_lookup_light(int fd, int *err, struct file **filep);
void fput(struct file *file);

/* sockaddr.c */
int move_addr_to_kernel(const void *uaddr, int ulen,
			struct sockaddr_storage *kaddr);
int move_addr_to_user(const struct sockaddr_storage *kaddr, int klen,
		      void *uaddr, socklen_t *ulen);

/* sock_no.c: the stubs for verbs a family lacks */
int sock_no_bind(struct socket *sock, struct sockaddr *addr, int len);
int sock_no_connect(struct socket *sock, struct sockaddr *addr, int len,
		    int flags);
int sock_no_socketpair(struct socket *a, struct socket *b);
int sock_no_accept(struct socket *sock, struct socket *newsock, int flags,
		   bool kern);
int sock_no_getname(struct socket *sock, struct sockaddr *addr, int peer);
unsigned int sock_no_poll(struct file *file, struct socket *sock,
			  struct poll_table_struct *wait);
int sock_no_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg);
int sock_no_listen(struct socket *sock, int backlog);
int sock_no_shutdown(struct socket *sock, int how);
int sock_no_setsockopt(struct socket *sock, int level, int optname,
		       const void *optval, unsigned int optlen);
int sock_no_getsockopt(struct socket *sock, int level, int optname,
		       void *optval, int *optlen);
int sock_no_sendmsg(struct socket *sock, struct kmsghdr *m, size_t len);
int sock_no_recvmsg(struct socket *sock, struct kmsghdr *m, size_t len,
		    int flags);

#endif
