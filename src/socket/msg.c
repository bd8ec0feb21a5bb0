/* SPDX-License-Identifier: MIT */
/*
 * msg.c - moving data between the caller's iovec and the stack (the
 * kernel's iov_iter and its copy helpers), and control messages.
 */
#include <errno.h>
#include <string.h>
#include "socket/socket.h"

void iov_iter_init(struct iov_iter *i, const struct iovec *iov,
		   unsigned long nr_segs, size_t count)
{
	i->iov = iov;
	i->nr_segs = nr_segs;
	i->iov_offset = 0;
	i->count = count;
}

/* Copies @len bytes between @buf and the iterator; -EFAULT on a NULL base. */
static int iov_copy(struct iov_iter *i, void *buf, size_t len, bool to_iov)
{
	char *p = buf;

	if (len > i->count)
		return -EFAULT;
	while (len) {
		const struct iovec *v = i->iov;
		size_t n;

		if (!i->nr_segs)
			return -EFAULT;
		n = v->iov_len - i->iov_offset;
		if (n > len)
			n = len;
		if (n) {
			char *base = v->iov_base;

			if (!base)
				return -EFAULT;
			if (to_iov)
				memcpy(base + i->iov_offset, p, n);
			else
				memcpy(p, base + i->iov_offset, n);
			p += n;
			len -= n;
			i->count -= n;
			i->iov_offset += n;
		}
		if (i->iov_offset == v->iov_len) {
			i->iov++;
			i->nr_segs--;
			i->iov_offset = 0;
		}
	}
	return 0;
}

int memcpy_from_msg(void *data, struct kmsghdr *msg, size_t len)
{
	return iov_copy(&msg->msg_iter, data, len, false);
}
EXPORT_SYMBOL(memcpy_from_msg);

int memcpy_to_msg(struct kmsghdr *msg, const void *data, size_t len)
{
	return iov_copy(&msg->msg_iter, (void *)data, len, true);
}
EXPORT_SYMBOL(memcpy_to_msg);

int put_cmsg(struct kmsghdr *msg, int level, int type, size_t len,
	     const void *data)
{
	size_t cmlen = CMSG_LEN(len), space = CMSG_SPACE(len);
	struct cmsghdr cm;

	if (!msg->msg_control || msg->msg_controllen < sizeof(cm)) {
		if (msg->msg_control || msg->msg_controllen)
			msg->msg_flags |= MSG_CTRUNC;
		return 0;
	}
	if (msg->msg_controllen < cmlen) {
		msg->msg_flags |= MSG_CTRUNC;
		cmlen = msg->msg_controllen;
	}
	cm.cmsg_level = level;
	cm.cmsg_type = type;
	cm.cmsg_len = cmlen;
	memcpy(msg->msg_control, &cm, sizeof(cm));
	memcpy((char *)msg->msg_control + CMSG_LEN(0), data, cmlen - CMSG_LEN(0));
	if (space > msg->msg_controllen)
		space = msg->msg_controllen;
	msg->msg_control = (char *)msg->msg_control + space;
	msg->msg_controllen -= space;
	return 0;
}
