/* SPDX-License-Identifier: MIT */
/*
 * mmap.h - memory a socket shares with the program (a packet socket's
 * ring), mapped with usn_mmap() as mmap(2) maps it from the kernel.
 *
 * usnet runs in the program's own address space, so "mapping" a region
 * hands out the address of memory the socket already owns. A region is
 * reference counted: the socket holds one reference, each live mapping
 * another, so a ring stays readable after close() until usn_munmap(), as
 * a kernel mapping keeps its pages.
 */
#ifndef USN_SOCKET_MMAP_H
#define USN_SOCKET_MMAP_H

#include <stdatomic.h>
#include <stddef.h>

struct vm_region {
	void		*addr;		/* page aligned, zero filled */
	size_t		len;
	atomic_int	refcnt;
	atomic_int	mapcount;	/* live usn_mmap() mappings */
};

struct vm_region *vm_region_alloc(size_t len);
void vm_region_put(struct vm_region *r);

static inline struct vm_region *vm_region_get(struct vm_region *r)
{
	atomic_fetch_add(&r->refcnt, 1);
	return r;
}

/* A mapping was made (proto_ops.mmap) or undone (usn_munmap). */
static inline void vm_region_map(struct vm_region *r)
{
	vm_region_get(r);
	atomic_fetch_add(&r->mapcount, 1);
}

static inline void vm_region_unmap(struct vm_region *r)
{
	atomic_fetch_sub(&r->mapcount, 1);
	vm_region_put(r);
}

static inline int vm_region_mapped(const struct vm_region *r)
{
	return atomic_load(&r->mapcount);
}

#endif
