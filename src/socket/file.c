/* SPDX-License-Identifier: MIT */
/*
 * file.c - the process's table of usnet descriptors.
 *
 * Every usnet fd is a real kernel descriptor, an eventfd opened for the
 * socket: the kernel picks the number, so it never collides with the
 * program's own files, and poll/epoll can later watch it with kernel fds.
 * The table maps that number to a struct file (shared by dup()ed fds),
 * remembering the eventfd's inode so a stray libc close() followed by the
 * kernel reusing the number for a file of another kind is detected instead
 * of closing a stranger's file. All anonymous-inode files (eventfd, epoll,
 * timerfd) share one inode, so a number reused by one of those cannot be
 * told apart without a per-close read of /proc/self/fdinfo (too slow for a
 * close path) or a second descriptor per socket for kcmp() (halves the fd
 * limit); callers that know the number went (the packetdrill back end)
 * use fd_forget(). FD_CLOEXEC is per fd and mirrored on the kernel descriptor;
 * O_NONBLOCK is per struct file.
 *
 * Lookups (fget) take no lock, as the kernel's RCU fd lookup: the table's
 * directory of chunks, the chunk pointers and the entries' file pointers
 * are atomics; a directory replaced when the table grows is kept (chunks
 * never move), and struct file memory is type-stable (files are recycled
 * through a free list of their own, never handed back to malloc, as the
 * kernel's SLAB_TYPESAFE_BY_RCU file cache), so a reader holding a stale
 * pointer still reads a file's f_count. fget takes its reference with a
 * compare-and-swap that never raises a zero count, then checks that the
 * entry still holds that file; if not, the reference goes back (and if it
 * was the last one, the file is released at the system call's exit like a
 * stale file, since the caller may hold a namespace lock). Writers
 * (install, close, dup, cloexec) still serialise on the table's mutex.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "net/net.h"
#include "socket/eventpoll.h"
#include "socket/file.h"
#include "socket/socket.h"
#include "socket/sys.h"

#define FDT_CHUNK	1024

struct fd_entry {
	struct file * _Atomic file;
	ino_t		ino;	/* the eventfd's inode: is the number still ours? */
	bool		cloexec;
};

/* The chunks: chunk[fd / FDT_CHUNK][fd % FDT_CHUNK]. */
struct fd_dir {
	unsigned int		n;
	struct fd_dir		*older;		/* replaced directories, kept */
	struct fd_entry * _Atomic chunk[];
};

static struct {
	pthread_mutex_t		lock;		/* writers */
	struct fd_dir * _Atomic	dir;
	struct file		*stale;		/* see fd_release_stale() */
	struct file		*free_files;	/* type-stable: see file_free() */
} fdt = { .lock = PTHREAD_MUTEX_INITIALIZER };

atomic_bool fd_stale_pending;

void fd_release_stale(void)
{
	struct file *file;

	pthread_mutex_lock(&fdt.lock);
	file = fdt.stale;
	fdt.stale = NULL;
	atomic_store(&fd_stale_pending, false);
	pthread_mutex_unlock(&fdt.lock);
	while (file) {
		struct file *next = file->f_stale_next;

		fput(file);
		file = next;
	}
}

/* Queues a reference to @file for release at the system call's exit. Locked. */
static void fdt_stale_add(struct file *file)
{
	file->f_stale_next = fdt.stale;
	fdt.stale = file;
	atomic_store(&fd_stale_pending, true);
}

/* A larger directory with @dir's chunks; @dir stays readable. Locked. */
static struct fd_dir *fdt_grow(struct fd_dir *dir, unsigned int need)
{
	unsigned int n = dir ? dir->n : 0, nn = n ? n : 1;
	struct fd_dir *nd;

	while (nn < need)
		nn *= 2;
	nd = calloc(1, sizeof(*nd) + nn * sizeof(nd->chunk[0]));
	if (!nd)
		return NULL;
	nd->n = nn;
	nd->older = dir;
	for (unsigned int i = 0; i < n; i++)
		atomic_init(&nd->chunk[i], atomic_load_explicit(&dir->chunk[i],
							memory_order_relaxed));
	atomic_store_explicit(&fdt.dir, nd, memory_order_release);
	return nd;
}

/* The entry for @fd, growing the table if @grow (locked then); NULL if absent. */
static struct fd_entry *fdt_entry(int fd, bool grow)
{
	unsigned int c = (unsigned int)fd / FDT_CHUNK;
	struct fd_dir *dir = atomic_load_explicit(&fdt.dir, memory_order_acquire);
	struct fd_entry *chunk;

	if (fd < 0)
		return NULL;
	if (!dir || c >= dir->n) {
		if (!grow)
			return NULL;
		dir = fdt_grow(dir, c + 1);
		if (!dir)
			return NULL;
	}
	chunk = atomic_load_explicit(&dir->chunk[c], memory_order_acquire);
	if (!chunk) {
		if (!grow)
			return NULL;
		chunk = calloc(FDT_CHUNK, sizeof(struct fd_entry));
		if (!chunk)
			return NULL;
		atomic_store_explicit(&dir->chunk[c], chunk, memory_order_release);
	}
	return &chunk[(unsigned int)fd % FDT_CHUNK];
}

static struct file *fdt_file(struct fd_entry *e)
{
	return atomic_load_explicit(&e->file, memory_order_acquire);
}

static ino_t fd_inode(int kfd)
{
	struct stat st;

	return fstat(kfd, &st) ? 0 : st.st_ino;
}

/* A socket's readiness: its family's poll under the namespace lock. */
static unsigned int sock_poll(struct file *file, struct poll_table_struct *pt)
{
	struct socket *sock = file->sock;

	if (pt)
		pt->cur_net = sock->net;
	return SOCK_LOCKED(sock, sock->ops->poll(file, sock, pt));
}

static void sock_close(struct file *file)
{
	sock_release(file->sock);
}

const struct file_operations socket_file_ops = {
	.poll		= sock_poll,
	.release	= sock_close,
};

/*
 * A file that is not a socket (an epoll instance), as anon_inode_getfile().
 * A recycled file may still be looked at by an fget() that loaded its
 * pointer before it was freed: its count is zero until it is set here,
 * last, and that fget() fails to raise it or finds another file in the entry.
 */
struct file *file_alloc_anon(const struct file_operations *fops, void *priv,
			     unsigned int f_flags)
{
	struct file *file;

	pthread_mutex_lock(&fdt.lock);
	file = fdt.free_files;
	if (file)
		fdt.free_files = file->f_stale_next;
	pthread_mutex_unlock(&fdt.lock);
	if (!file) {
		file = calloc(1, sizeof(*file));
		if (!file)
			return NULL;
		atomic_init(&file->f_count, 0);
	}
	file->f_flags = f_flags;
	file->f_owner = 0;
	file->sock = NULL;
	file->f_op = fops;
	file->private_data = priv;
	file->f_ep = NULL;
	file->f_stale_next = NULL;
	atomic_store_explicit(&file->f_count, 1, memory_order_release);
	return file;
}

/*
 * Gives back a file whose count is zero (or that was never installed). Its
 * memory stays a struct file: see fget().
 */
void file_free(struct file *file)
{
	atomic_store_explicit(&file->f_count, 0, memory_order_relaxed);
	pthread_mutex_lock(&fdt.lock);
	file->f_stale_next = fdt.free_files;
	fdt.free_files = file;
	pthread_mutex_unlock(&fdt.lock);
}

struct file *file_alloc(struct socket *sock, unsigned int f_flags)
{
	struct file *file = file_alloc_anon(&socket_file_ops, NULL, f_flags);

	if (!file)
		return NULL;
	file->sock = sock;
	sock->file = file;
	return file;
}

void fput(struct file *file)
{
	if (atomic_fetch_sub(&file->f_count, 1) != 1)
		return;
	/* Out of every epoll set first, as the kernel's __fput() does. */
	eventpoll_release(file);
	file->f_op->release(file);
	file_free(file);
}

/*
 * Installs @file at a new kernel descriptor (at least @minfd when >= 0,
 * duplicating @dupfrom when it is a valid fd). Takes the caller's reference
 * to @file on success.
 */
int fd_install_new(struct file *file, bool cloexec, int dupfrom, int minfd)
{
	struct file *old_file;
	struct fd_entry *e;
	int kfd;

	if (minfd >= 0)
		kfd = fcntl(dupfrom, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, minfd);
	else
		kfd = eventfd(0, EFD_NONBLOCK | (cloexec ? EFD_CLOEXEC : 0));
	if (kfd < 0)
		return -errno;
	pthread_mutex_lock(&fdt.lock);
	e = fdt_entry(kfd, true);
	if (!e) {
		pthread_mutex_unlock(&fdt.lock);
		close(kfd);
		return -ENOMEM;
	}
	/*
	 * A leftover entry: its kernel fd was closed behind our back. The
	 * caller may hold a namespace lock (SCM_RIGHTS receive), so the old
	 * file is released at the system call's exit, not here.
	 */
	old_file = fdt_file(e);
	e->ino = fd_inode(kfd);
	e->cloexec = cloexec;
	atomic_store_explicit(&e->file, file, memory_order_release);
	if (old_file)
		fdt_stale_add(old_file);
	pthread_mutex_unlock(&fdt.lock);
	return kfd;
}

int sock_map_fd(struct socket *sock, unsigned int flags)
{
	struct file *file = file_alloc(sock, flags & O_NONBLOCK);
	int fd;

	if (!file)
		return -ENOMEM;
	fd = fd_install_new(file, flags & O_CLOEXEC, -1, -1);
	if (fd < 0) {
		sock->file = NULL;
		file_free(file);
	}
	return fd;
}

/* A reference to @file unless its count is already zero (being freed). */
static bool file_get_not_zero(struct file *file)
{
	int c = atomic_load_explicit(&file->f_count, memory_order_relaxed);

	do {
		if (!c)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&file->f_count, &c, c + 1,
							memory_order_acquire,
							memory_order_relaxed));
	return true;
}

/*
 * Gives back a reference fget() took on a file the entry no longer holds:
 * if it is the last, the file is released at the system call's exit.
 */
static void fget_undo(struct file *file)
{
	int c = atomic_load_explicit(&file->f_count, memory_order_relaxed);

	do {
		if (c == 1) {
			pthread_mutex_lock(&fdt.lock);
			fdt_stale_add(file);
			pthread_mutex_unlock(&fdt.lock);
			return;
		}
	} while (!atomic_compare_exchange_weak_explicit(&file->f_count, &c, c - 1,
							memory_order_release,
							memory_order_relaxed));
}

struct file *fget(int fd)
{
	struct fd_entry *e = fdt_entry(fd, false);
	struct file *file;

	if (!e)
		return NULL;
	for (;;) {
		file = fdt_file(e);
		if (!file)
			return NULL;
		if (file_get_not_zero(file)) {
			if (fdt_file(e) == file)
				return file;
			fget_undo(file);
		}
		/* Closed or replaced meanwhile: look again. */
	}
}

/* EBADF for a number that is not open at all, ENOTSOCK for a kernel file. */
int fd_not_ours_errno(int fd)
{
	return fcntl(fd, F_GETFD) < 0 ? -EBADF : -ENOTSOCK;
}

struct socket *sockfd_lookup_light(int fd, int *err, struct file **filep)
{
	struct file *file = fget(fd);

	if (!file) {
		*err = fd_not_ours_errno(fd);
		return NULL;
	}
	if (!sock_from_file(file)) {
		fput(file);
		*err = -ENOTSOCK;
		return NULL;
	}
	*filep = file;
	return file->sock;
}

/*
 * Takes @fd's file out of the table, with its reference, and the inode
 * the number had then (@ino may be NULL); NULL when @fd is not ours.
 */
static struct file *fdt_take(int fd, ino_t *ino)
{
	struct fd_entry *e;
	struct file *file = NULL;

	pthread_mutex_lock(&fdt.lock);
	e = fdt_entry(fd, false);
	if (e && (file = fdt_file(e))) {
		if (ino)
			*ino = e->ino;
		atomic_store_explicit(&e->file, NULL, memory_order_release);
	}
	pthread_mutex_unlock(&fdt.lock);
	return file;
}

int fd_close(int fd)
{
	ino_t ino = 0;
	struct file *file = fdt_take(fd, &ino);

	if (!file)
		return -EBADF;
	/*
	 * The entry goes first, the kernel fd after: the number cannot be
	 * handed to someone else while the table still maps it. If the
	 * program closed it with libc already, leave the new owner alone.
	 */
	if (fd_inode(fd) == ino)
		close(fd);
	fput(file);
	return 0;
}

/*
 * Drops @fd from the table and releases its socket without touching the
 * kernel descriptor: for a caller that knows the number was closed with
 * libc and may belong to someone else now (the inode check of fd_close()
 * cannot tell two anon-inode files, eventfd, epoll or timerfd, apart).
 */
int fd_forget(int fd)
{
	struct file *file = fdt_take(fd, NULL);

	if (!file)
		return -EBADF;
	fput(file);
	return 0;
}

int fd_get_cloexec(int fd)
{
	struct fd_entry *e;
	int r = -EBADF;

	pthread_mutex_lock(&fdt.lock);
	e = fdt_entry(fd, false);
	if (e && fdt_file(e))
		r = e->cloexec;
	pthread_mutex_unlock(&fdt.lock);
	return r;
}

int fd_set_cloexec(int fd, bool on)
{
	struct fd_entry *e;
	int r = -EBADF;

	pthread_mutex_lock(&fdt.lock);
	e = fdt_entry(fd, false);
	if (e && fdt_file(e)) {
		e->cloexec = on;
		fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0);
		r = 0;
	}
	pthread_mutex_unlock(&fdt.lock);
	return r;
}

/* 1 if @fd is a usnet descriptor (a socket or an epoll instance). */
__public int usn_fd_owned(int fd)
{
	struct file *file = fget(fd);

	if (!file)
		return 0;
	fput(file);
	return 1;
}
