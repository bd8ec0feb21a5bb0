/* SPDX-License-Identifier: MIT */
/*
 * sockaddr.c - copying socket addresses across the API boundary, as
 * move_addr_to_kernel() and move_addr_to_user() do.
 */
#include <errno.h>
#include <string.h>
#include "socket/socket.h"

/* A length outside [0, sizeof(sockaddr_storage)] is EINVAL; NULL with a length, EFAULT. */
int move_addr_to_kernel(const void *uaddr, int ulen,
			struct sockaddr_storage *kaddr)
{
	if (ulen < 0 || ulen > (int)sizeof(struct sockaddr_storage))
		return -EINVAL;
	if (ulen == 0)
		return 0;
	if (!uaddr)
		return -EFAULT;
	memcpy(kaddr, uaddr, (size_t)ulen);
	return 0;
}

/*
 * Copies at most *@ulen bytes of the address out and stores the address's
 * full length in *@ulen, so the caller can tell it was truncated.
 */
int move_addr_to_user(const struct sockaddr_storage *kaddr, int klen,
		      void *uaddr, socklen_t *ulen)
{
	int len;

	if (!ulen)
		return -EFAULT;
	len = (int)*ulen;
	if (len > klen)
		len = klen;
	if (len < 0)
		return -EINVAL;
	if (len) {
		if (!uaddr)
			return -EFAULT;
		memcpy(uaddr, kaddr, (size_t)len);
	}
	*ulen = (socklen_t)klen;
	return 0;
}
