/* SPDX-License-Identifier: MIT */
/*
 * pd_fds.c - the descriptors this instance handed to packetdrill.
 *
 * At teardown packetdrill closes the sockets a script left open with libc's
 * close(), behind usnet's back, and only then calls free(). By then each
 * number may be free, or the kernel may have given it to a new file, even
 * another eventfd (all eventfds share one anon inode, so an inode check
 * cannot tell). So for every descriptor we hand out we keep a private
 * duplicate: it keeps the eventfd alive, and "is number N still ours?" is
 * "does N refer to the same open file as our duplicate?" (kcmp, or where
 * kcmp is not allowed, the eventfd-id of /proc/self/fdinfo, unique among
 * live eventfds). free() closes what is still ours and only forgets the
 * rest: it never closes a number that belongs to someone else now.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "socket/file.h"
#include "pd.h"

#define PD_REF_MINFD	512	/* duplicates out of the script's way */
#define KCMP_FILE	0	/* <linux/kcmp.h> */

static int dup_ref(int fd)
{
	int ref = fcntl(fd, F_DUPFD_CLOEXEC, PD_REF_MINFD);

	return ref >= 0 ? ref : fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

/* The "eventfd-id:" of @fd's fdinfo, or -1 (closed, not an eventfd, old kernel). */
static long long eventfd_id(int fd)
{
	char path[64], line[128];
	long long id = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "eventfd-id: %lld", &id) == 1)
			break;
	fclose(f);
	return id;
}

/* 1 if @fd refers to the open file @ref refers to, 0 if not or unknown. */
static int same_file(int fd, int ref)
{
	pid_t pid = getpid();
	long long a, b;
	long r;

	if (fcntl(fd, F_GETFD) < 0)
		return 0;			/* closed */
	r = syscall(SYS_kcmp, pid, pid, KCMP_FILE, fd, ref);
	if (r >= 0)
		return r == 0;
	a = eventfd_id(fd);
	b = eventfd_id(ref);
	return a >= 0 && a == b;
}

static struct pd_fd *find(struct pd_state *st, int fd)
{
	for (unsigned int i = 0; i < st->nfds; i++)
		if (st->fds[i].fd == fd)
			return &st->fds[i];
	return NULL;
}

static void drop(struct pd_state *st, struct pd_fd *e)
{
	close(e->ref);
	*e = st->fds[--st->nfds];
}

/*
 * Records @fd, just returned by a usnet call. A record left for the same
 * number is stale: its socket was closed with libc and usnet reused the
 * number, so only our duplicate of the old file goes.
 */
int pd_fd_track(struct pd_state *st, int fd)
{
	struct pd_fd *e;
	int ref, err = 0;

	ref = dup_ref(fd);
	if (ref < 0)
		return -errno;
	pthread_mutex_lock(&st->fds_lock);
	e = find(st, fd);
	if (e) {
		close(e->ref);
		e->ref = ref;
		goto out_unlock;
	}
	if (st->nfds == st->fds_cap) {
		unsigned int cap = st->fds_cap ? st->fds_cap * 2 : 16;
		struct pd_fd *n = realloc(st->fds, cap * sizeof(*n));

		if (!n) {
			close(ref);
			err = -ENOMEM;
			goto out_unlock;
		}
		st->fds = n;
		st->fds_cap = cap;
	}
	st->fds[st->nfds++] = (struct pd_fd){ .fd = fd, .ref = ref };
out_unlock:
	pthread_mutex_unlock(&st->fds_lock);
	return err;
}

void pd_fd_untrack(struct pd_state *st, int fd)
{
	struct pd_fd *e;

	pthread_mutex_lock(&st->fds_lock);
	e = find(st, fd);
	if (e)
		drop(st, e);
	pthread_mutex_unlock(&st->fds_lock);
}

void pd_fd_release_all(struct pd_state *st)
{
	pthread_mutex_lock(&st->fds_lock);
	while (st->nfds) {
		struct pd_fd *e = &st->fds[st->nfds - 1];

		if (same_file(e->fd, e->ref))
			usn_close(e->fd);
		else
			fd_forget(e->fd);
		drop(st, e);
	}
	free(st->fds);
	st->fds = NULL;
	st->fds_cap = 0;
	pthread_mutex_unlock(&st->fds_lock);
}
