/* SPDX-License-Identifier: MIT */
/*
 * sys_socket.c - the calls that make, name and connect sockets, after
 * net/socket.c: each looks up the fd, copies the address in, asks the
 * security policy, and calls the family's verb through sock->ops.
 */
#include <errno.h>
#include <fcntl.h>
#include "net/net.h"
#include "net/usnet.h"
#include "socket/file.h"
#include "socket/security.h"
#include "socket/sock.h"
#include "socket/sys.h"

_Static_assert(SOCK_CLOEXEC == O_CLOEXEC, "SOCK_CLOEXEC is O_CLOEXEC");
_Static_assert(SOCK_NONBLOCK == O_NONBLOCK, "SOCK_NONBLOCK is O_NONBLOCK");
_Static_assert(((SOCK_MAX - 1) | SOCK_TYPE_MASK) == SOCK_TYPE_MASK,
	       "socket types fit the type mask");

static long sys_socket(int family, int type, int protocol)
{
	struct socket *sock;
	int flags, err, fd;

	flags = type & ~SOCK_TYPE_MASK;
	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	type &= SOCK_TYPE_MASK;

	err = __sock_create(net_current(), family, type, protocol, &sock, 0);
	if (err)
		return err;
	fd = sock_map_fd(sock, (unsigned int)flags & (O_CLOEXEC | O_NONBLOCK));
	if (fd < 0)
		sock_release(sock);
	return fd;
}

__public int usn_socket(int domain, int type, int protocol)
{
	return (int)syscall_ret(sys_socket(domain, type, protocol));
}

static long sys_socketpair(int family, int type, int protocol, int sv[2])
{
	struct socket *sock1, *sock2;
	struct usn_net *net;
	int flags, err, fd1, fd2;

	flags = type & ~SOCK_TYPE_MASK;
	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	type &= SOCK_TYPE_MASK;
	if (!sv)
		return -EFAULT;

	net = net_current();
	err = __sock_create(net, family, type, protocol, &sock1, 0);
	if (err)
		return err;
	err = __sock_create(net, family, type, protocol, &sock2, 0);
	if (err)
		goto out_release_1;
	err = SOCK_LOCKED(sock1, sock1->ops->socketpair(sock1, sock2));
	if (err < 0)
		goto out_release_both;

	fd1 = sock_map_fd(sock1, (unsigned int)flags & (O_CLOEXEC | O_NONBLOCK));
	if (fd1 < 0) {
		err = fd1;
		goto out_release_both;
	}
	fd2 = sock_map_fd(sock2, (unsigned int)flags & (O_CLOEXEC | O_NONBLOCK));
	if (fd2 < 0) {
		fd_close(fd1);
		sock_release(sock2);
		return fd2;
	}
	sv[0] = fd1;
	sv[1] = fd2;
	return 0;

out_release_both:
	sock_release(sock2);
out_release_1:
	sock_release(sock1);
	return err;
}

__public int usn_socketpair(int domain, int type, int protocol, int sv[2])
{
	return (int)syscall_ret(sys_socketpair(domain, type, protocol, sv));
}

static long sys_bind(int fd, const struct sockaddr *umyaddr, int addrlen)
{
	struct sockaddr_storage address;
	struct socket *sock;
	struct file *file;
	int err;

	sock = sockfd_lookup_light(fd, &err, &file);
	if (!sock)
		return err;
	err = move_addr_to_kernel(umyaddr, addrlen, &address);
	if (!err)
		err = security_socket_bind(sock, (struct sockaddr *)&address, addrlen);
	if (!err)
		err = SOCK_LOCKED(sock, sock->ops->bind(sock,
				  (struct sockaddr *)&address, addrlen));
	fput(file);
	return err;
}

__public int usn_bind(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	return (int)syscall_ret(sys_bind(fd, addr, (int)addrlen));
}

static long sys_listen(int fd, int backlog)
{
	struct socket *sock;
	struct file *file;
	int err, somaxconn;

	sock = sockfd_lookup_light(fd, &err, &file);
	if (!sock)
		return err;
	somaxconn = READ_ONCE(sock->net->sysctl.somaxconn);	/* unlocked */
	if ((unsigned int)backlog > (unsigned int)somaxconn)
		backlog = somaxconn;
	err = security_socket_listen(sock, backlog);
	if (!err)
		err = SOCK_LOCKED(sock, sock->ops->listen(sock, backlog));
	fput(file);
	return err;
}

__public int usn_listen(int fd, int backlog)
{
	return (int)syscall_ret(sys_listen(fd, backlog));
}

/* Accepts on @sock; the new socket comes back mapped to a new fd. */
static long do_accept(struct socket *sock, struct file *file,
		      struct sockaddr *upeer, socklen_t *upeer_len, int flags)
{
	struct sockaddr_storage address;
	struct socket *newsock;
	int err, len, newfd;

	err = sock_create_lite(sock->net, sock->type, sock->ops, &newsock);
	if (err)
		return err;
	err = security_socket_accept(sock, newsock);
	if (err)
		goto out_release;
	err = SOCK_LOCKED(sock, sock->ops->accept(sock, newsock,
			  (int)file_flags(file) | flags, false));
	if (err < 0)
		goto out_release;

	if (upeer) {
		len = SOCK_LOCKED(sock, newsock->ops->getname(newsock,
				  (struct sockaddr *)&address, 2));
		if (len < 0) {
			err = -ECONNABORTED;
			goto out_release_connected;
		}
		err = move_addr_to_user(&address, len, upeer, upeer_len);
		if (err < 0)
			goto out_release_connected;
	}
	newfd = sock_map_fd(newsock, (unsigned int)flags & (O_CLOEXEC | O_NONBLOCK));
	if (newfd < 0) {
		err = newfd;
		goto out_release_connected;
	}
	return newfd;

out_release:
	newsock->ops = NULL;	/* nothing of the protocol's to release */
out_release_connected:
	sock_release(newsock);
	return err;
}

static long sys_accept4(int fd, struct sockaddr *upeer, socklen_t *upeer_len,
			int flags)
{
	struct socket *sock;
	struct file *file;
	long err;
	int e;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	sock = sockfd_lookup_light(fd, &e, &file);
	if (!sock)
		return e;
	err = do_accept(sock, file, upeer, upeer_len, flags);
	fput(file);
	return err;
}

__public int usn_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen,
			 int flags)
{
	return (int)syscall_ret(sys_accept4(fd, addr, addrlen, flags));
}

__public int usn_accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	return (int)syscall_ret(sys_accept4(fd, addr, addrlen, 0));
}

static long sys_connect(int fd, const struct sockaddr *uservaddr, int addrlen)
{
	struct sockaddr_storage address;
	struct socket *sock;
	struct file *file;
	int err;

	sock = sockfd_lookup_light(fd, &err, &file);
	if (!sock)
		return err;
	err = move_addr_to_kernel(uservaddr, addrlen, &address);
	if (!err)
		err = security_socket_connect(sock, (struct sockaddr *)&address,
					      addrlen);
	if (!err)
		err = SOCK_LOCKED(sock, sock->ops->connect(sock,
				  (struct sockaddr *)&address, addrlen,
				  (int)file_flags(file)));
	fput(file);
	return err;
}

__public int usn_connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	return (int)syscall_ret(sys_connect(fd, addr, (int)addrlen));
}

static long sys_getname(int fd, struct sockaddr *usockaddr,
			socklen_t *usockaddr_len, int peer)
{
	struct sockaddr_storage address;
	struct socket *sock;
	struct file *file;
	int err, len;

	sock = sockfd_lookup_light(fd, &err, &file);
	if (!sock)
		return err;
	len = SOCK_LOCKED(sock, sock->ops->getname(sock,
			  (struct sockaddr *)&address, peer));
	err = len < 0 ? len :
	      move_addr_to_user(&address, len, usockaddr, usockaddr_len);
	fput(file);
	return err;
}

__public int usn_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	return (int)syscall_ret(sys_getname(fd, addr, addrlen, 0));
}

__public int usn_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	return (int)syscall_ret(sys_getname(fd, addr, addrlen, 1));
}

static long sys_shutdown(int fd, int how)
{
	struct socket *sock;
	struct file *file;
	int err;

	sock = sockfd_lookup_light(fd, &err, &file);
	if (!sock)
		return err;
	err = SOCK_LOCKED(sock, sock->ops->shutdown(sock, how));
	fput(file);
	return err;
}

__public int usn_shutdown(int fd, int how)
{
	return (int)syscall_ret(sys_shutdown(fd, how));
}
