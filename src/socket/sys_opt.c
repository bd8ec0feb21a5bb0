/* SPDX-License-Identifier: MIT */
/*
 * sys_opt.c - setsockopt and getsockopt: SOL_SOCKET options are the socket
 * layer's own (sock.c), every other level goes to the family's ops.
 */
#include <errno.h>
#include "net/net.h"
#include "socket/security.h"
#include "socket/sock.h"
#include "socket/sys.h"

static long sys_setsockopt(int fd, int level, int optname, const void *optval,
			   int optlen)
{
	struct socket *sock;
	struct file *file;
	int err;

	if (optlen < 0)
		return -EINVAL;
	sock = sockfd_lookup_light(fd, &err, &file);
	if (!sock)
		return err;
	err = security_socket_setsockopt(sock, level, optname);
	if (err)
		goto out_put;
	net_lock(sock->net);
	if (level == SOL_SOCKET)
		err = sock_setsockopt(sock, level, optname, optval,
				      (unsigned int)optlen);
	else
		err = sock->ops->setsockopt(sock, level, optname, optval,
					    (unsigned int)optlen);
	net_unlock(sock->net);
out_put:
	fput(file);
	return err;
}

__public int usn_setsockopt(int fd, int level, int optname, const void *optval,
			    socklen_t optlen)
{
	return (int)syscall_ret(sys_setsockopt(fd, level, optname, optval,
					       (int)optlen));
}

static long sys_getsockopt(int fd, int level, int optname, void *optval,
			   socklen_t *optlen)
{
	struct socket *sock;
	struct file *file;
	int err, len;

	sock = sockfd_lookup_light(fd, &err, &file);
	if (!sock)
		return err;
	err = -EFAULT;
	if (!optlen)
		goto out_put;
	len = (int)*optlen;
	net_lock(sock->net);
	if (level == SOL_SOCKET)
		err = sock_getsockopt(sock, level, optname, optval, &len);
	else
		err = sock->ops->getsockopt(sock, level, optname, optval, &len);
	net_unlock(sock->net);
	if (!err)
		*optlen = (socklen_t)len;
out_put:
	fput(file);
	return err;
}

__public int usn_getsockopt(int fd, int level, int optname, void *optval,
			    socklen_t *optlen)
{
	return (int)syscall_ret(sys_getsockopt(fd, level, optname, optval, optlen));
}
