/* SPDX-License-Identifier: MIT */
/*
 * sys.h - shared by the usn_* entry points (the system calls of usnet):
 * the one place a -errno becomes errno and -1, as musl's __syscall_ret().
 */
#ifndef USN_SOCKET_SYS_H
#define USN_SOCKET_SYS_H

#include <errno.h>
#include "socket/file.h"
#include "socket/socket.h"

static inline long syscall_ret(long r)
{
	if (atomic_load_explicit(&fd_stale_pending, memory_order_relaxed))
		fd_release_stale();
	if (r < 0) {
		/* Kernel-internal codes never leave the kernel. */
		errno = r == -ENOIOCTLCMD ? ENOTTY : (int)-r;
		return -1;
	}
	return r;
}

/* The namespace lock around one verb of @sock. */
#define SOCK_LOCKED(sock, expr)						\
	({								\
		__typeof__(expr) __r;					\
		net_lock((sock)->net);					\
		__r = (expr);						\
		net_unlock((sock)->net);				\
		__r;							\
	})

long __sys_sendmsg_k(struct socket *sock, struct file *file,
		     struct kmsghdr *msg, int flags);
long __sys_recvmsg_k(struct socket *sock, struct file *file,
		     struct kmsghdr *msg, int flags);
int dev_ioctl(struct usn_net *net, unsigned int cmd, void *arg);

#endif
