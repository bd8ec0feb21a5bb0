/* SPDX-License-Identifier: MIT */
/*
 * sys_msg.c - sending and receiving: send/sendto/sendmsg/write/writev and
 * recv/recvfrom/recvmsg/read/readv all build a struct kmsghdr and meet in
 * sock_sendmsg() and sock_recvmsg(), after net/socket.c. A socket whose
 * file has O_NONBLOCK gets MSG_DONTWAIT on every call. read, write, readv
 * and writev on a descriptor usnet does not own go to the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "net/net.h"
#include "socket/file.h"
#include "socket/security.h"
#include "socket/sock.h"
#include "socket/sys.h"

/* Clamps the caller's iovec total as import_iovec() does; -EINVAL if a length overflows. */
static long iov_total(const struct iovec *iov, unsigned long nr_segs)
{
	size_t total = 0;

	for (unsigned long i = 0; i < nr_segs; i++) {
		size_t len = iov[i].iov_len;

		if ((ssize_t)len < 0)
			return -EINVAL;
		if (len > MAX_RW_COUNT - total)
			len = MAX_RW_COUNT - total;
		total += len;
	}
	return (long)total;
}

static long sock_sendmsg(struct socket *sock, struct kmsghdr *msg)
{
	long err = security_socket_sendmsg(sock, msg->msg_name,
					   msg->msg_namelen,
					   msg_data_left(msg),
					   (int)msg->msg_flags);

	if (err)
		return err;
	return SOCK_LOCKED(sock, sock->ops->sendmsg(sock, msg, msg_data_left(msg)));
}

static long sock_recvmsg(struct socket *sock, struct kmsghdr *msg, int flags)
{
	size_t size = msg_data_left(msg);
	long err = security_socket_recvmsg(sock, size, flags);

	if (err)
		return err;
	return SOCK_LOCKED(sock, sock->ops->recvmsg(sock, msg, size, flags));
}

long __sys_sendmsg_k(struct socket *sock, struct file *file,
		     struct kmsghdr *msg, int flags)
{
	if (file_flags(file) & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	msg->msg_flags = (unsigned int)flags;
	return sock_sendmsg(sock, msg);
}

long __sys_recvmsg_k(struct socket *sock, struct file *file,
		     struct kmsghdr *msg, int flags)
{
	if (file_flags(file) & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	return sock_recvmsg(sock, msg, flags);
}

/* One buffer as a kmsghdr, as import_single_range(). */
static void single_range(struct kmsghdr *msg, struct iovec *iov, void *buf,
			 size_t len)
{
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	iov->iov_base = buf;
	iov->iov_len = len;
	memset(msg, 0, sizeof(*msg));
	iov_iter_init(&msg->msg_iter, iov, 1, len);
}

static long sys_sendto(int fd, const void *buff, size_t len, int flags,
		       const struct sockaddr *addr, int addr_len)
{
	struct sockaddr_storage address;
	struct kmsghdr msg;
	struct iovec iov;
	struct socket *sock;
	struct file *file;
	int err;

	single_range(&msg, &iov, (void *)buff, len);
	sock = sockfd_lookup_light(fd, &err, &file);
	if (!sock)
		return err;
	if (addr) {
		err = move_addr_to_kernel(addr, addr_len, &address);
		if (err < 0)
			goto out_put;
		msg.msg_name = &address;
		msg.msg_namelen = addr_len;
	}
	err = (int)__sys_sendmsg_k(sock, file, &msg, flags);
out_put:
	fput(file);
	return err;
}

__public ssize_t usn_sendto(int fd, const void *buf, size_t len, int flags,
			    const struct sockaddr *dest, socklen_t addrlen)
{
	return syscall_ret(sys_sendto(fd, buf, len, flags, dest, (int)addrlen));
}

__public ssize_t usn_send(int fd, const void *buf, size_t len, int flags)
{
	return syscall_ret(sys_sendto(fd, buf, len, flags, NULL, 0));
}

static long sys_recvfrom(int fd, void *ubuf, size_t size, int flags,
			 struct sockaddr *addr, socklen_t *addr_len)
{
	struct sockaddr_storage address;
	struct kmsghdr msg;
	struct iovec iov;
	struct socket *sock;
	struct file *file;
	long err, err2;
	int e;

	single_range(&msg, &iov, ubuf, size);
	sock = sockfd_lookup_light(fd, &e, &file);
	if (!sock)
		return e;
	msg.msg_name = addr ? &address : NULL;
	err = __sys_recvmsg_k(sock, file, &msg, flags);
	if (err >= 0 && addr) {
		err2 = move_addr_to_user(&address, msg.msg_namelen, addr, addr_len);
		if (err2 < 0)
			err = err2;
	}
	fput(file);
	return err;
}

__public ssize_t usn_recvfrom(int fd, void *buf, size_t len, int flags,
			      struct sockaddr *src, socklen_t *addrlen)
{
	return syscall_ret(sys_recvfrom(fd, buf, len, flags, src, addrlen));
}

__public ssize_t usn_recv(int fd, void *buf, size_t len, int flags)
{
	return syscall_ret(sys_recvfrom(fd, buf, len, flags, NULL, NULL));
}

/* Checks and copies the caller's msghdr, as copy_msghdr_from_user(). */
static long copy_msghdr(struct kmsghdr *kmsg, const struct msghdr *umsg,
			struct sockaddr_storage *addr, bool for_send)
{
	long total;
	int namelen;

	if (!umsg)
		return -EFAULT;
	memset(kmsg, 0, sizeof(*kmsg));
	namelen = umsg->msg_name ? (int)umsg->msg_namelen : 0;
	if (namelen < 0)
		return -EINVAL;
	if (namelen > (int)sizeof(struct sockaddr_storage))
		namelen = sizeof(struct sockaddr_storage);
	if (umsg->msg_iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	if (umsg->msg_iovlen && !umsg->msg_iov)
		return -EFAULT;
	if (umsg->msg_controllen > INT_MAX)
		return -ENOBUFS;
	total = iov_total(umsg->msg_iov, umsg->msg_iovlen);
	if (total < 0)
		return total;
	if (for_send && namelen) {
		long err = move_addr_to_kernel(umsg->msg_name, namelen, addr);

		if (err)
			return err;
		kmsg->msg_name = addr;
		kmsg->msg_namelen = namelen;
	} else if (!for_send) {
		kmsg->msg_name = addr;
	}
	iov_iter_init(&kmsg->msg_iter, umsg->msg_iov, umsg->msg_iovlen,
		      (size_t)total);
	kmsg->msg_control = umsg->msg_control;
	kmsg->msg_controllen = umsg->msg_controllen;
	return 0;
}

static long sys_sendmsg(int fd, const struct msghdr *umsg, int flags)
{
	struct sockaddr_storage address;
	struct kmsghdr msg;
	struct socket *sock;
	struct file *file;
	long err;
	int e;

	sock = sockfd_lookup_light(fd, &e, &file);
	if (!sock)
		return e;
	err = copy_msghdr(&msg, umsg, &address, true);
	if (!err)
		err = __sys_sendmsg_k(sock, file, &msg, flags);
	fput(file);
	return err;
}

__public ssize_t usn_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return syscall_ret(sys_sendmsg(fd, msg, flags));
}

static long sys_recvmsg(int fd, struct msghdr *umsg, int flags)
{
	struct sockaddr_storage address;
	struct kmsghdr msg;
	struct socket *sock;
	struct file *file;
	void *uaddr;
	long err, len;
	int e;

	sock = sockfd_lookup_light(fd, &e, &file);
	if (!sock)
		return e;
	err = copy_msghdr(&msg, umsg, &address, false);
	if (err)
		goto out_put;
	uaddr = umsg->msg_name;
	msg.msg_flags = (unsigned int)flags & MSG_CMSG_CLOEXEC;
	msg.msg_namelen = 0;
	err = __sys_recvmsg_k(sock, file, &msg, flags);
	if (err < 0)
		goto out_put;
	len = err;
	if (uaddr) {
		err = move_addr_to_user(&address, msg.msg_namelen, uaddr,
					&umsg->msg_namelen);
		if (err < 0)
			goto out_put;
	}
	/* As Linux, MSG_CMSG_CLOEXEC asked for is reported back. */
	umsg->msg_flags = (int)msg.msg_flags;
	/* How much control data was written (0 when there was no buffer). */
	umsg->msg_controllen = umsg->msg_control ?
		(size_t)((char *)msg.msg_control - (char *)umsg->msg_control) : 0;
	err = len;
out_put:
	fput(file);
	return err;
}

__public ssize_t usn_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return syscall_ret(sys_recvmsg(fd, msg, flags));
}

/* read/write/readv/writev: a socket's file operations, the kernel's otherwise. */
static long sock_rw(struct socket *sock, struct file *file,
		    const struct iovec *iov, int iovcnt, bool write)
{
	struct kmsghdr msg;
	long total = iov_total(iov, (unsigned long)iovcnt);

	if (total < 0)
		return total;
	memset(&msg, 0, sizeof(msg));
	iov_iter_init(&msg.msg_iter, iov, (unsigned long)iovcnt, (size_t)total);
	if (!write) {
		if (!total)
			return 0;	/* a zero-length read never waits */
		return __sys_recvmsg_k(sock, file, &msg, 0);
	}
	return __sys_sendmsg_k(sock, file, &msg,
			       sock->type == SOCK_SEQPACKET ? MSG_EOR : 0);
}

static long file_rw(int fd, const struct iovec *iov, int iovcnt, bool write)
{
	struct file *file;
	long r;

	if (iovcnt < 0 || iovcnt > UIO_MAXIOV)
		return -EINVAL;
	if (iovcnt && !iov)
		return -EFAULT;
	file = fget(fd);
	if (!file) {
		r = write ? writev(fd, iov, iovcnt) : readv(fd, iov, iovcnt);
		return r < 0 ? -errno : r;
	}
	if (!sock_from_file(file))
		r = -EINVAL;	/* an epoll fd cannot be read or written */
	else
		r = sock_rw(file->sock, file, iov, iovcnt, write);
	fput(file);
	return r;
}

__public ssize_t usn_read(int fd, void *buf, size_t len)
{
	struct iovec iov = { buf, len > MAX_RW_COUNT ? MAX_RW_COUNT : len };

	return syscall_ret(file_rw(fd, &iov, 1, false));
}

__public ssize_t usn_write(int fd, const void *buf, size_t len)
{
	struct iovec iov = { (void *)buf, len > MAX_RW_COUNT ? MAX_RW_COUNT : len };

	return syscall_ret(file_rw(fd, &iov, 1, true));
}

__public ssize_t usn_readv(int fd, const struct iovec *iov, int iovcnt)
{
	return syscall_ret(file_rw(fd, iov, iovcnt, false));
}

__public ssize_t usn_writev(int fd, const struct iovec *iov, int iovcnt)
{
	return syscall_ret(file_rw(fd, iov, iovcnt, true));
}
