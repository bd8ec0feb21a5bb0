/* SPDX-License-Identifier: MIT */
/*
 * datagram.c - receiving from a queue of whole datagrams, after
 * net/core/datagram.c: wait for one (or an error, or shutdown), hand it
 * out (or a reference to it, with MSG_PEEK), copy it into the caller's
 * iovec, and report readiness for poll.
 */
#include <errno.h>
#include <poll.h>
#include "socket/sock.h"

static bool datagram_ready(const struct sock *sk)
{
	return !skb_queue_empty(&sk->sk_receive_queue) || sk->sk_err ||
	       (sk->sk_shutdown & RCV_SHUTDOWN);
}

/*
 * Returns the next datagram, or NULL with *err set: a pending socket error,
 * 0 at end of stream (shutdown), -EAGAIN when it would have to wait longer
 * than the socket allows.
 */
struct sk_buff *skb_recv_datagram(struct sock *sk, unsigned int flags,
				  int *err)
{
	long timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	struct sk_buff *skb;
	int error;

	for (;;) {
		error = sock_error(sk);
		if (error)
			goto no_packet;
		skb = skb_peek(&sk->sk_receive_queue);
		if (skb) {
			if (flags & MSG_PEEK)
				skb_get(skb);
			else
				__skb_unlink(skb, &sk->sk_receive_queue);
			return skb;
		}
		error = 0;
		if (sk->sk_shutdown & RCV_SHUTDOWN)
			goto no_packet;
		error = -EAGAIN;
		if (!timeo)
			goto no_packet;
		sk_wait_event(sk, &timeo, datagram_ready(sk));
		if (!timeo && !datagram_ready(sk)) {
			error = sock_intr_errno(timeo);
			goto no_packet;
		}
	}

no_packet:
	*err = error;
	return NULL;
}
EXPORT_SYMBOL(skb_recv_datagram);

void skb_free_datagram(struct sock *sk, struct sk_buff *skb)
{
	(void)sk;
	consume_skb(skb);
}
EXPORT_SYMBOL(skb_free_datagram);

int skb_copy_datagram_msg(const struct sk_buff *from, int offset,
			  struct kmsghdr *msg, int size)
{
	if (offset < 0 || size < 0 || (unsigned int)offset + (unsigned int)size > from->len)
		return -EFAULT;
	return memcpy_to_msg(msg, from->data + offset, (size_t)size);
}
EXPORT_SYMBOL(skb_copy_datagram_msg);

unsigned int datagram_poll(struct file *file, struct socket *sock,
			   struct poll_table_struct *wait)
{
	struct sock *sk = sock->sk;
	unsigned int mask = 0;

	poll_wait(file, &sock->wq, wait);
	if (sk->sk_err || !skb_queue_empty(&sk->sk_error_queue))
		mask |= POLLERR;
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (sk->sk_shutdown == SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (!skb_queue_empty(&sk->sk_receive_queue))
		mask |= POLLIN | POLLRDNORM;
	if (sock_writeable(sk))
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return mask;
}
EXPORT_SYMBOL(datagram_poll);
