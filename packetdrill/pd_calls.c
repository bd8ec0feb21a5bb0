/* SPDX-License-Identifier: MIT */
/*
 * pd_calls.c - the socket calls of the table: each is the usn_* call of
 * the same name, which returns what Linux returns and sets errno. A call
 * on a descriptor usnet does not own (a pipe from the pipe member) goes to
 * the kernel, as usn_read/usn_write/usn_close/usn_fcntl/usn_ioctl do.
 *
 * The epoll members are usn_epoll_*: an epoll instance is a usnet
 * descriptor (a real kernel fd too) over usnet sockets; epoll_wait sleeps
 * like any blocking call.
 *
 * socket() makes the socket in this instance's namespace whichever thread
 * calls; every other call acts on the namespace of the socket it names.
 * Blocking calls sleep on the caller's condition variable, so packetdrill's
 * syscall thread is asleep (state S) while its call blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <usnet/usnet.h>
#include "packetdrill.h"
#include "pd.h"

/* An instance whose set-up failed answers every call with its error. */
#define PD_CHECK(st)					\
	do {						\
		if ((st)->err) {			\
			errno = (st)->err;		\
			return -1;			\
		}					\
	} while (0)

/* Keeps a new descriptor on record; a failure to record it is ENOMEM. */
static int pd_new_fd(struct pd_state *st, int fd)
{
	int err;

	if (fd < 0)
		return fd;
	err = pd_fd_track(st, fd);
	if (err) {
		usn_close(fd);
		errno = -err;
		return -1;
	}
	return fd;
}

static int pd_socket(void *ud, int domain, int type, int protocol)
{
	struct pd_state *st = ud;

	PD_CHECK(st);
	if (usn_setns(st->net))
		return -1;
	return pd_new_fd(st, usn_socket(domain, type, protocol));
}

static int pd_bind(void *ud, int fd, const struct sockaddr *addr,
		   socklen_t addrlen)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_bind(fd, addr, addrlen);
}

static int pd_listen(void *ud, int fd, int backlog)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_listen(fd, backlog);
}

static int pd_accept(void *ud, int fd, struct sockaddr *addr,
		     socklen_t *addrlen)
{
	struct pd_state *st = ud;

	PD_CHECK(st);
	return pd_new_fd(st, usn_accept(fd, addr, addrlen));
}

static int pd_connect(void *ud, int fd, const struct sockaddr *addr,
		      socklen_t addrlen)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_connect(fd, addr, addrlen);
}

static ssize_t pd_read(void *ud, int fd, void *buf, size_t count)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_read(fd, buf, count);
}

static ssize_t pd_readv(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_readv(fd, iov, iovcnt);
}

static ssize_t pd_recv(void *ud, int fd, void *buf, size_t len, int flags)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_recv(fd, buf, len, flags);
}

static ssize_t pd_recvfrom(void *ud, int fd, void *buf, size_t len, int flags,
			   struct sockaddr *src, socklen_t *addrlen)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_recvfrom(fd, buf, len, flags, src, addrlen);
}

static ssize_t pd_recvmsg(void *ud, int fd, struct msghdr *msg, int flags)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_recvmsg(fd, msg, flags);
}

static ssize_t pd_write(void *ud, int fd, const void *buf, size_t count)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_write(fd, buf, count);
}

static ssize_t pd_writev(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_writev(fd, iov, iovcnt);
}

static ssize_t pd_send(void *ud, int fd, const void *buf, size_t len, int flags)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_send(fd, buf, len, flags);
}

static ssize_t pd_sendto(void *ud, int fd, const void *buf, size_t len,
			 int flags, const struct sockaddr *dest,
			 socklen_t addrlen)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_sendto(fd, buf, len, flags, dest, addrlen);
}

static ssize_t pd_sendmsg(void *ud, int fd, const struct msghdr *msg, int flags)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_sendmsg(fd, msg, flags);
}

/*
 * fcntl's third argument is an int or a pointer: passed on as a long, as
 * the kernel takes it. A descriptor it duplicates is recorded too.
 */
static int pd_fcntl(void *ud, int fd, int cmd, ...)
{
	struct pd_state *st = ud;
	va_list ap;
	long arg;
	int r;

	PD_CHECK(st);
	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	r = usn_fcntl(fd, cmd, arg);
	if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && r >= 0 &&
	    usn_fd_owned(r))
		return pd_new_fd(st, r);
	return r;
}

static int pd_ioctl(void *ud, int fd, unsigned long request, ...)
{
	va_list ap;
	void *argp;

	PD_CHECK((struct pd_state *)ud);
	va_start(ap, request);
	argp = va_arg(ap, void *);
	va_end(ap);
	return usn_ioctl(fd, request, argp);
}

static int pd_close(void *ud, int fd)
{
	struct pd_state *st = ud;

	PD_CHECK(st);
	pd_fd_untrack(st, fd);
	return usn_close(fd);
}

static int pd_shutdown(void *ud, int fd, int how)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_shutdown(fd, how);
}

static int pd_getsockopt(void *ud, int fd, int level, int optname,
			 void *optval, socklen_t *optlen)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_getsockopt(fd, level, optname, optval, optlen);
}

static int pd_setsockopt(void *ud, int fd, int level, int optname,
			 const void *optval, socklen_t optlen)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_setsockopt(fd, level, optname, optval, optlen);
}

static int pd_poll(void *ud, struct pollfd *fds, nfds_t nfds, int timeout)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_poll(fds, nfds, timeout);
}

static int pd_epoll_create(void *ud, int size)
{
	struct pd_state *st = ud;

	PD_CHECK(st);
	return pd_new_fd(st, usn_epoll_create(size));
}

static int pd_epoll_ctl(void *ud, int epfd, int op, int fd,
			struct epoll_event *event)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_epoll_ctl(epfd, op, fd, event);
}

static int pd_epoll_wait(void *ud, int epfd, struct epoll_event *events,
			 int maxevents, int timeout)
{
	PD_CHECK((struct pd_state *)ud);
	return usn_epoll_wait(epfd, events, maxevents, timeout);
}

void pd_calls_init(struct packetdrill_interface *ifc)
{
	ifc->socket = pd_socket;
	ifc->bind = pd_bind;
	ifc->listen = pd_listen;
	ifc->accept = pd_accept;
	ifc->connect = pd_connect;
	ifc->read = pd_read;
	ifc->readv = pd_readv;
	ifc->recv = pd_recv;
	ifc->recvfrom = pd_recvfrom;
	ifc->recvmsg = pd_recvmsg;
	ifc->write = pd_write;
	ifc->writev = pd_writev;
	ifc->send = pd_send;
	ifc->sendto = pd_sendto;
	ifc->sendmsg = pd_sendmsg;
	ifc->fcntl = pd_fcntl;
	ifc->ioctl = pd_ioctl;
	ifc->close = pd_close;
	ifc->shutdown = pd_shutdown;
	ifc->getsockopt = pd_getsockopt;
	ifc->setsockopt = pd_setsockopt;
	ifc->poll = pd_poll;
	ifc->epoll_create = pd_epoll_create;
	ifc->epoll_ctl = pd_epoll_ctl;
	ifc->epoll_wait = pd_epoll_wait;
}
