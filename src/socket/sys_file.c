/* SPDX-License-Identifier: MIT */
/*
 * sys_file.c - the file calls on a usnet descriptor: close, fcntl and
 * ioctl. On a descriptor usnet does not own they go to the kernel, so a
 * program may call usn_close/usn_fcntl/usn_ioctl on any fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "net/net.h"
#include "socket/file.h"
#include "socket/sock.h"
#include "socket/sys.h"

__public int usn_close(int fd)
{
	int err = fd_close(fd);

	if (err == -EBADF)
		return close(fd);	/* not ours: the kernel's to close or refuse */
	return (int)syscall_ret(err);
}

/*
 * File status flags a socket keeps (F_SETFL): the rest are ignored, as
 * Linux does. O_DIRECT is refused: a socket cannot do direct I/O.
 */
#define SETFL_MASK	(O_APPEND | O_NONBLOCK | O_NOATIME)

/*
 * F_SETOWN's check (f_setown): INT_MIN has no group to negate to, and a
 * number no process, group or session uses is ESRCH.
 */
static int setown_check(long arg)
{
	pid_t who = (pid_t)arg;

	if (who == INT_MIN)
		return -EINVAL;
	if (who < 0)
		who = -who;
	if (!who || kill(who, 0) == 0 || errno != ESRCH)
		return 0;
	if (who > 1 && (kill(-who, 0) == 0 || errno != ESRCH))
		return 0;
	return -ESRCH;
}

static long sock_fcntl(int fd, struct file *file, int cmd, long arg)
{
	int r;

	switch (cmd) {
	case F_GETFL:
		return O_RDWR | (long)file_flags(file);
	case F_SETFL:
		if (arg & (O_ASYNC | O_DIRECT))
			return -EINVAL;	/* SIGIO delivery is not supported yet */
		file_set_flags(file, SETFL_MASK, (unsigned int)arg);
		return 0;
	case F_GETFD:
		r = fd_get_cloexec(fd);
		return r < 0 ? r : (r ? FD_CLOEXEC : 0);
	case F_SETFD:
		return fd_set_cloexec(fd, arg & FD_CLOEXEC);
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg < 0 || arg > INT32_MAX)
			return -EINVAL;
		atomic_fetch_add(&file->f_count, 1);
		r = fd_install_new(file, cmd == F_DUPFD_CLOEXEC, fd, (int)arg);
		if (r < 0)
			atomic_fetch_sub(&file->f_count, 1);
		return r;
	case F_GETOWN:
		return __atomic_load_n(&file->f_owner, __ATOMIC_RELAXED);
	case F_SETOWN:
		r = setown_check(arg);
		if (r)
			return r;
		__atomic_store_n(&file->f_owner, (pid_t)arg, __ATOMIC_RELAXED);
		return 0;
	default:
		return -EINVAL;
	}
}

__public int usn_fcntl(int fd, int cmd, ...)
{
	struct file *file;
	va_list ap;
	long arg, r;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	file = fget(fd);
	if (!file)
		return fcntl(fd, cmd, arg);
	r = sock_fcntl(fd, file, cmd, arg);
	fput(file);
	/* A process group owner is negative, and no error (glibc's F_GETOWN). */
	if (cmd == F_GETOWN)
		return (int)r;
	return (int)syscall_ret(r);
}

static long sock_ioctl(int fd, struct file *file, unsigned long cmd, void *argp)
{
	struct socket *sock = file->sock;
	int on;
	long err;

	switch (cmd) {
	case FIONBIO:
		if (!argp)
			return -EFAULT;
		on = *(int *)argp;
		file_set_flags(file, O_NONBLOCK, on ? O_NONBLOCK : 0);
		return 0;
	case FIOASYNC:
		return -EINVAL;		/* SIGIO delivery is not supported yet */
	case FIOCLEX:
	case FIONCLEX:
		return fd_set_cloexec(fd, cmd == FIOCLEX);
	}
	if (!sock_from_file(file))
		return -ENOTTY;		/* an epoll fd has no ioctls of its own */
	err = SOCK_LOCKED(sock, sock->ops->ioctl(sock, (unsigned int)cmd,
						 (unsigned long)argp));
	if (err == -ENOIOCTLCMD)
		err = dev_ioctl(sock->net, (unsigned int)cmd, argp);
	return err;
}

__public int usn_ioctl(int fd, unsigned long request, ...)
{
	struct file *file;
	va_list ap;
	void *argp;
	long r;

	va_start(ap, request);
	argp = va_arg(ap, void *);
	va_end(ap);
	file = fget(fd);
	if (!file)
		return ioctl(fd, request, argp);
	r = sock_ioctl(fd, file, request, argp);
	fput(file);
	return (int)syscall_ret(r);
}
