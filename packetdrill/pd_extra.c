/* SPDX-License-Identifier: MIT */
/*
 * pd_extra.c - the members beyond the socket calls: pipe and splice.
 *
 * pipe() is the kernel's: a pipe is no socket, and usn_read/usn_write/
 * usn_close hand a kernel descriptor to the kernel.
 *
 * splice() between two kernel descriptors is the kernel's. With a usnet
 * socket at one end the kernel cannot move the bytes, so it is done here
 * with Linux's rules: the other end must be a pipe (EINVAL otherwise, and
 * for two sockets), an offset with a pipe or a socket is ESPIPE,
 * SPLICE_F_NONBLOCK makes the pipe side non-blocking and the socket side
 * follows its own O_NONBLOCK, as tcp_splice_read() does. socket -> pipe
 * reads no more than the pipe has room for; pipe -> socket looks at the
 * pipe's bytes with tee() first and consumes only what the socket took, so
 * no byte is lost either way. At most PD_SPLICE_MAX bytes a call.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "packetdrill.h"
#include "pd.h"

#define PD_SPLICE_MAX	65536

static int pd_pipe(void *ud, int pipefd[2])
{
	(void)ud;
	return pipe(pipefd);
}

/* 1 pipe, 0 another kernel file, -errno if @fd is not open. */
static int is_pipe(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	return S_ISFIFO(st.st_mode);
}

/* Waits until @fd is ready for @events, unless @nonblock: then EAGAIN. */
static int pipe_wait(int fd, short events, bool nonblock)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (nonblock || (fcntl(fd, F_GETFL) & O_NONBLOCK))
		return -EAGAIN;
	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static ssize_t splice_sock_to_pipe(int sock, int pfd, size_t len,
				   unsigned int flags, char *buf)
{
	int size, queued;
	ssize_t n, w;
	int err;

	for (;;) {
		size = fcntl(pfd, F_GETPIPE_SZ);
		if (size < 0 || ioctl(pfd, FIONREAD, &queued))
			return -errno;
		if (size > queued)
			break;
		err = pipe_wait(pfd, POLLOUT, flags & SPLICE_F_NONBLOCK);
		if (err)
			return err;
	}
	if (len > (size_t)(size - queued))
		len = (size_t)(size - queued);
	n = usn_recv(sock, buf, len, 0);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	w = write(pfd, buf, (size_t)n);	/* fits: we are its only writer here */
	return w < 0 ? -errno : w;
}

static ssize_t splice_pipe_to_sock(int pfd, int sock, size_t len,
				   unsigned int flags, char *buf)
{
	int scratch[2];
	ssize_t n, s;

	if (pipe2(scratch, O_CLOEXEC))
		return -errno;
	for (;;) {
		n = tee(pfd, scratch[1], len, SPLICE_F_NONBLOCK);
		if (n >= 0 || errno != EAGAIN)
			break;
		/* Empty: EAGAIN, or wait for a writer's bytes or its close. */
		n = pipe_wait(pfd, POLLIN, flags & SPLICE_F_NONBLOCK);
		if (n)
			goto out;
	}
	if (n <= 0) {
		n = n < 0 ? -errno : 0;	/* 0: no writer left */
		goto out;
	}
	if (read(scratch[0], buf, (size_t)n) != n) {
		n = -EIO;
		goto out;
	}
	s = usn_send(sock, buf, (size_t)n, MSG_NOSIGNAL);
	if (s < 0) {
		n = -errno;
		goto out;
	}
	/* Consume from the pipe exactly what the socket took. */
	n = read(pfd, buf, (size_t)s);
	if (n >= 0 && n != s)
		n = -EIO;
out:
	close(scratch[0]);
	close(scratch[1]);
	return n;
}

static int pd_splice(void *ud, int fd_in, loff_t *off_in, int fd_out,
		     loff_t *off_out, size_t len, unsigned int flags)
{
	bool sin = usn_fd_owned(fd_in), sout = usn_fd_owned(fd_out);
	int pin, pout;
	ssize_t r;
	char *buf;

	(void)ud;
	if (!sin && !sout)
		return (int)splice(fd_in, off_in, fd_out, off_out, len, flags);
	pin = sin ? 0 : is_pipe(fd_in);
	pout = sout ? 0 : is_pipe(fd_out);
	if (pin < 0 || pout < 0) {
		errno = EBADF;
		return -1;
	}
	if (!pin && !pout) {
		errno = EINVAL;		/* one end must be a pipe */
		return -1;
	}
	if (off_in || off_out) {
		errno = ESPIPE;		/* pipes and sockets have no offset */
		return -1;
	}
	if (!len)
		return 0;
	if (len > PD_SPLICE_MAX)
		len = PD_SPLICE_MAX;
	buf = malloc(len);
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	r = sin ? splice_sock_to_pipe(fd_in, fd_out, len, flags, buf) :
		  splice_pipe_to_sock(fd_in, fd_out, len, flags, buf);
	free(buf);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return (int)r;
}

void pd_extra_init(struct packetdrill_interface *ifc)
{
	ifc->pipe = pd_pipe;
	ifc->splice = pd_splice;
}
