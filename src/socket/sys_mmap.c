/* SPDX-License-Identifier: MIT */
/*
 * sys_mmap.c - usn_mmap and usn_munmap: mmap(2) of a usnet socket (a
 * packet socket's PACKET_RX_RING) through sock->ops->mmap, and munmap of
 * such a mapping; any other descriptor or address goes to the kernel.
 *
 * A family without shared memory answers ENODEV, as sock_no_mmap().
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <usnet/usnet.h>
#include "core/list.h"
#include "net/net.h"
#include "socket/mmap.h"
#include "socket/sock.h"
#include "socket/sys.h"

/* The live mappings, so that usn_munmap() knows which addresses are ours. */
struct vm_mapping {
	struct list_head	list;
	void			*addr;
	struct vm_region	*region;
};

static pthread_mutex_t mappings_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(mappings);

struct vm_region *vm_region_alloc(size_t len)
{
	struct vm_region *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->addr = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->addr == MAP_FAILED) {
		free(r);
		return NULL;
	}
	r->len = len;
	atomic_init(&r->refcnt, 1);
	atomic_init(&r->mapcount, 0);
	return r;
}

void vm_region_put(struct vm_region *r)
{
	if (r && atomic_fetch_sub(&r->refcnt, 1) == 1) {
		munmap(r->addr, r->len);
		free(r);
	}
}

static long sys_mmap_sock(void *addr, size_t len, int prot, int flags, int fd,
			  off_t offset, void **res)
{
	struct vm_mapping *m = NULL;
	struct vm_region *r = NULL;
	struct socket *sock;
	struct file *file;
	int err;

	sock = sockfd_lookup_light(fd, &err, &file);
	if (!sock)
		return err;
	err = -EINVAL;
	if (offset < 0 || !len)
		goto out_put;
	err = -ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		goto out_put;
	net_lock(sock->net);
	/* proto_ops.mmap is optional: a family without it is sock_no_mmap(). */
	err = sock->ops->mmap ? sock->ops->mmap(sock, len, offset, &r) : -ENODEV;
	net_unlock(sock->net);
	if (err)
		goto out_free;
	/* The memory exists already: it cannot move to where MAP_FIXED asks. */
	if ((flags & MAP_FIXED) && addr != r->addr) {
		vm_region_unmap(r);
		err = -EINVAL;
		goto out_free;
	}
	(void)prot;
	m->addr = r->addr;
	m->region = r;
	pthread_mutex_lock(&mappings_lock);
	list_add(&m->list, &mappings);
	pthread_mutex_unlock(&mappings_lock);
	*res = r->addr;
	fput(file);
	return 0;

out_free:
	free(m);
out_put:
	fput(file);
	return err;
}

__public void *usn_mmap(void *addr, size_t len, int prot, int flags, int fd,
			off_t offset)
{
	void *res = MAP_FAILED;
	long err;

	if (!usn_fd_owned(fd))
		return mmap(addr, len, prot, flags, fd, offset);
	err = sys_mmap_sock(addr, len, prot, flags, fd, offset, &res);
	if (err) {
		errno = (int)-err;
		return MAP_FAILED;
	}
	return res;
}

__public int usn_munmap(void *addr, size_t len)
{
	struct vm_mapping *m, *found = NULL;

	pthread_mutex_lock(&mappings_lock);
	list_for_each_entry(m, &mappings, list) {
		if (m->addr == addr) {
			found = m;
			list_del(&m->list);
			break;
		}
	}
	pthread_mutex_unlock(&mappings_lock);
	if (!found)
		return munmap(addr, len);
	/* A ring is unmapped whole: its length is not checked, as one region. */
	vm_region_unmap(found->region);
	free(found);
	return 0;
}
