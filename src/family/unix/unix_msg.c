/* SPDX-License-Identifier: MIT */
/*
 * unix_msg.c - sending and receiving on unix sockets, after
 * unix_stream_sendmsg(), unix_stream_read_generic(), unix_dgram_sendmsg()
 * and unix_dgram_recvmsg() in net/unix/af_unix.c.
 *
 * A buffer is charged to its sender's send buffer (sk_wmem_alloc) until
 * the receiver consumes it: that is the stream's flow control (SO_SNDBUF).
 * A datagram receiver not connected back to its sender also limits its
 * queue to net.unix.max_dgram_qlen messages. Senders queue into the
 * receiver's queue under the receiver's u->lock; receivers wake writers
 * through the op's unix_defer.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include "family/unix/af_unix.h"
#include "net/net.h"

#define UNIX_SKB_MAX	65536	/* the largest pool class: bigger messages take several */

static unsigned int unix_skb_len(const struct sk_buff *skb)
{
	return skb->len - UNIXCB(skb).consumed;
}

static void unix_raise_sigpipe(void)
{
	pthread_kill(pthread_self(), SIGPIPE);
}

static void unix_scm_to_skb(struct unix_scm *scm, struct sk_buff *skb,
			    bool send_fds)
{
	memset(&UNIXCB(skb), 0, sizeof(UNIXCB(skb)));
	UNIXCB(skb).pid = scm->pid;
	UNIXCB(skb).uid = scm->uid;
	UNIXCB(skb).gid = scm->gid;
	if (send_fds)
		unix_attach_fds(scm, skb);
}

/* The sender's name as the source address (unix_copy_addr). */
static void unix_copy_addr(struct kmsghdr *msg, struct sock *sk)
{
	struct unix_address *addr;

	if (!sk)
		return;
	addr = __atomic_load_n(&unix_sk(sk)->addr, __ATOMIC_ACQUIRE);
	if (addr) {
		msg->msg_namelen = addr->len;
		memcpy(msg->msg_name, &addr->name, (size_t)addr->len);
	}
}

/*
 * Frees a consumed buffer and wakes its writer if it has room again (the
 * writer may live in another namespace: see unix_defer_write_space()).
 */
static void unix_consume(struct sk_buff *skb, struct unix_defer *d)
{
	struct sock *writer = skb->sk;

	if (writer)
		unix_defer_write_space(d, writer);
	consume_skb(skb);
}

/* A buffer that may hold descriptors is freed at the op's end, unlocked. */
static void unix_free_deferred(struct sk_buff *skb, struct unix_defer *d)
{
	if (UNIXCB(skb).fp)
		__skb_queue_tail(&d->free_q, skb);
	else
		kfree_skb(skb);
}

/* Descriptors an op took but could not send go back with no lock held. */
static void unix_scm_defer(struct unix_scm *scm, struct unix_defer *d)
{
	if (scm->fp) {
		scm->fp->next = d->put;
		d->put = scm->fp;
		scm->fp = NULL;
	}
}

static struct sock *unix_peer_get(struct sock *sk)
{
	struct sock *peer;

	unix_state_lock(sk);
	peer = unix_sk(sk)->peer;
	if (peer)
		sock_hold(peer);
	unix_state_unlock(sk);
	return peer;
}

/* ---- stream -------------------------------------------------------------- */

int unix_stream_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t len)
{
	struct sock *sk = sock->sk, *other = NULL;
	struct sk_buff *skb;
	struct unix_scm scm;
	struct unix_defer d;
	size_t sent = 0, size;
	int err;

	err = unix_scm_send(sock, msg, &scm);
	if (err)
		return err;
	unix_defer_init(&d);
	err = -EOPNOTSUPP;
	if (msg->msg_flags & MSG_OOB)
		goto out_err;
	if (msg->msg_namelen) {
		err = sk->sk_state == TCP_ESTABLISHED ? -EISCONN : -EOPNOTSUPP;
		goto out_err;
	}
	err = -ENOTCONN;
	other = unix_peer_get(sk);
	if (!other)
		goto out_err;
	if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)
		goto pipe_err;

	while (sent < len) {
		size = len - sent;
		/* Half the send buffer at most, so that two buffers fit. */
		size = min_t(size_t, size, (size_t)(sk->sk_sndbuf >> 1) - 64);
		size = min_t(size_t, size, UNIX_SKB_MAX);
		skb = sock_alloc_send_skb(sk, size, msg->msg_flags & MSG_DONTWAIT,
					  &err);
		if (!skb)
			goto out_err;
		/* Descriptors travel with the first buffer only. */
		unix_scm_to_skb(&scm, skb, !sent);
		err = memcpy_from_msg(skb_put(skb, (unsigned int)size), msg, size);
		if (err) {
			unix_free_deferred(skb, &d);
			goto out_err;
		}
		unix_state_lock(other);
		if (sock_flag(other, SOCK_DEAD) ||
		    (other->sk_shutdown & RCV_SHUTDOWN)) {
			unix_state_unlock(other);
			unix_free_deferred(skb, &d);
			goto pipe_err;
		}
		__skb_queue_tail(&other->sk_receive_queue, skb);
		unix_state_unlock(other);
		sent += size;
		/* Wake the reader now: the next buffer may wait for it. */
		unix_defer_wake(&d, other, POLLIN | POLLRDNORM);
		unix_defer_run(sock->net, &d);
	}
	sock_put(other);
	unix_scm_defer(&scm, &d);
	unix_defer_run(sock->net, &d);
	return (int)sent;

pipe_err:
	if (!sent && !(msg->msg_flags & MSG_NOSIGNAL))
		unix_raise_sigpipe();
	err = -EPIPE;
out_err:
	if (other)
		sock_put(other);
	unix_scm_defer(&scm, &d);
	unix_defer_run(sock->net, &d);
	return sent ? (int)sent : err;
}

static bool unix_rcv_ready(struct sock *sk)
{
	bool r;

	unix_state_lock(sk);
	r = !skb_queue_empty(&sk->sk_receive_queue) || sk->sk_err ||
	    (sk->sk_shutdown & RCV_SHUTDOWN) || sock_flag(sk, SOCK_DEAD);
	unix_state_unlock(sk);
	return r;
}

static int unix_sock_error(struct sock *sk)
{
	int err;

	unix_state_lock(sk);
	err = sock_error(sk);
	unix_state_unlock(sk);
	return err;
}

/* A copy of @skb's descriptors for MSG_PEEK, in step with the collector. */
static struct scm_fp_list *unix_peek_fds(struct sk_buff *skb)
{
	struct scm_fp_list *fpl = NULL;

	unix_gc_lock();
	if (UNIXCB(skb).fp)
		fpl = scm_fp_dup(UNIXCB(skb).fp);
	unix_gc_unlock();
	return fpl;
}

static void unix_recv_scm(struct socket *sock, struct kmsghdr *msg, int flags,
			  const struct unix_skb_parms *cred,
			  struct scm_fp_list *fpl, struct unix_defer *d)
{
	struct sock *sk = sock->sk;

	if (!msg->msg_control) {
		if (sock_flag(sk, SOCK_PASSCRED) || fpl)
			msg->msg_flags |= MSG_CTRUNC;
	} else if (sock_flag(sk, SOCK_PASSCRED) && cred) {
		unix_scm_recv_creds(msg, cred);
	}
	unix_scm_recv_fds(msg, flags, fpl, d);
}

int unix_stream_recvmsg(struct socket *sock, struct kmsghdr *msg, size_t size,
			int flags)
{
	struct sock *sk = sock->sk;
	struct scm_fp_list *fpl = NULL;
	struct unix_skb_parms cred = { 0 };
	struct sk_buff *skb;
	bool check_creds = false, named = false, partial;
	struct unix_defer d;
	size_t copied = 0, skip = 0;
	int target, err = 0;
	long timeo;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (sk->sk_state != TCP_ESTABLISHED)
		return -EINVAL;
	unix_defer_init(&d);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, (int)min_t(size_t, size, INT_MAX));
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);

	do {
		size_t chunk;

		unix_state_lock(sk);
		skb = skb_peek(&sk->sk_receive_queue);
		while (skb && skip >= unix_skb_len(skb)) {
			skip -= unix_skb_len(skb);
			skb = skb->next == (struct sk_buff *)&sk->sk_receive_queue ?
			      NULL : skb->next;
		}
		if (!skb) {
			unix_state_unlock(sk);
			if ((int)copied >= target || (flags & MSG_PEEK && copied))
				break;
			err = unix_sock_error(sk);
			if (err)
				break;
			if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
				break;
			if (!timeo) {
				err = sock_intr_errno(timeo);
				break;
			}
			unix_defer_run(sock->net, &d);
			sk_wait_event(sk, &timeo, unix_rcv_ready(sk));
			continue;
		}
		/* Data from senders with other credentials is not merged. */
		if (check_creds) {
			if (UNIXCB(skb).pid != cred.pid ||
			    UNIXCB(skb).uid != cred.uid ||
			    UNIXCB(skb).gid != cred.gid) {
				unix_state_unlock(sk);
				break;
			}
		} else if (sock_flag(sk, SOCK_PASSCRED)) {
			cred = UNIXCB(skb);
			check_creds = true;
		}
		if (msg->msg_name && !named) {
			unix_copy_addr(msg, skb->sk);
			named = true;
		}
		chunk = min_t(size_t, unix_skb_len(skb) - skip, size);
		err = memcpy_to_msg(msg, skb->data + UNIXCB(skb).consumed + skip,
				    chunk);
		if (err) {
			unix_state_unlock(sk);
			break;
		}
		copied += chunk;
		size -= chunk;
		if (!(flags & MSG_PEEK)) {
			UNIXCB(skb).consumed += (unsigned int)chunk;
			fpl = UNIXCB(skb).fp;
			UNIXCB(skb).fp = NULL;
			partial = unix_skb_len(skb);
			if (partial) {
				unix_state_unlock(sk);
			} else {
				__skb_unlink(skb, &sk->sk_receive_queue);
				unix_state_unlock(sk);
				unix_consume(skb, &d);
			}
			if (fpl)
				unix_notinflight(fpl);
			/* A partly read buffer, or descriptors, end the read. */
			if (fpl || partial)
				break;
		} else {
			skb_get(skb);
			unix_state_unlock(sk);
			if (UNIXCB(skb).fp) {
				fpl = unix_peek_fds(skb);
				kfree_skb(skb);
				break;
			}
			kfree_skb(skb);
			skip += chunk;
		}
	} while (size);

	if (copied)
		unix_recv_scm(sock, msg, flags, check_creds ? &cred : NULL, fpl,
			      &d);
	else if (fpl)
		unix_scm_recv_fds(msg, flags, fpl, &d);
	unix_defer_run(sock->net, &d);
	return copied ? (int)copied : err;
}

/* ---- datagram and seqpacket ---------------------------------------------- */

int unix_dgram_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t len)
{
	struct sock *sk = sock->sk, *other = NULL;
	struct sockaddr *sunaddr = msg->msg_name;
	int namelen = msg->msg_namelen;
	struct sk_buff *skb = NULL;
	struct unix_scm scm;
	struct unix_defer d;
	long timeo;
	int err;

	err = unix_scm_send(sock, msg, &scm);
	if (err)
		return err;
	unix_defer_init(&d);
	err = -EOPNOTSUPP;
	if (msg->msg_flags & MSG_OOB)
		goto out;
	if (namelen) {
		err = unix_validate_addr(sunaddr, namelen);
		if (err)
			goto out;
	} else {
		sunaddr = NULL;
		err = -ENOTCONN;
		other = unix_peer_get(sk);
		if (!other)
			goto out;
	}
	if (sock_flag(sk, SOCK_PASSCRED)) {
		err = unix_autobind(sk);
		if (err)
			goto out;
	}
	err = -EMSGSIZE;
	if (len > (size_t)sk->sk_sndbuf - 32)
		goto out;
	skb = sock_alloc_send_skb(sk, len, msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		goto out;
	unix_scm_to_skb(&scm, skb, true);
	err = memcpy_from_msg(skb_put(skb, (unsigned int)len), msg, len);
	if (err)
		goto out_free;
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);

restart:
	if (!other) {
		err = -ECONNRESET;
		if (!sunaddr)
			goto out_free;
		other = unix_find_other(sock_net(sk), sunaddr, namelen,
					sk->sk_type, &err);
		if (!other)
			goto out_free;
	}
	unix_state_lock(other);
	err = -EPERM;
	if (unix_sk(other)->peer && unix_sk(other)->peer != sk)
		goto out_unlock;
	if (sock_flag(other, SOCK_DEAD)) {
		/* Our peer closed: forget it (ECONNREFUSED), or look the name up again. */
		unix_state_unlock(other);
		unix_state_lock(sk);
		err = 0;
		if (sk->sk_type == SOCK_SEQPACKET) {
			err = -EPIPE;
			unix_state_unlock(sk);
		} else if (unix_sk(sk)->peer == other) {
			unix_sk(sk)->peer = NULL;
			sk->sk_state = TCP_CLOSE;
			unix_state_unlock(sk);
			unix_state_lock(other);
			unix_dgram_peer_wake_disconnect(sk, other);
			unix_state_unlock(other);
			sock_put(other);	/* the peer's reference */
			err = -ECONNREFUSED;
		} else {
			unix_state_unlock(sk);
		}
		sock_put(other);
		other = NULL;
		if (err)
			goto out_free;
		goto restart;
	}
	err = -EPIPE;
	if (other->sk_shutdown & RCV_SHUTDOWN)
		goto out_unlock;
	if (unix_sk(other)->peer != sk && unix_recvq_full(other)) {
		if (timeo) {
			unix_state_unlock(other);
			err = 0;
			timeo = unix_wait_for_peer(sk, other, timeo, &err);
			if (err)
				goto out_free;
			goto restart;
		}
		/*
		 * Only our own peer gets a relay (its u->peer_wake_target is
		 * read under the target's lock, so it must be one socket).
		 * Our ops alone change u->peer, and we run one of them.
		 */
		if (unix_sk(sk)->peer != other ||
		    unix_dgram_peer_wake_me(sk, other)) {
			err = -EAGAIN;
			goto out_unlock;
		}
	}
	__skb_queue_tail(&other->sk_receive_queue, skb);
	unix_state_unlock(other);
	unix_defer_wake(&d, other, POLLIN | POLLRDNORM);
	sock_put(other);
	unix_defer_run(sock->net, &d);
	return (int)len;

out_unlock:
	unix_state_unlock(other);
out_free:
	unix_free_deferred(skb, &d);
out:
	if (other)
		sock_put(other);
	unix_scm_defer(&scm, &d);
	unix_defer_run(sock->net, &d);
	return err;
}

int unix_dgram_recvmsg(struct socket *sock, struct kmsghdr *msg, size_t size,
		       int flags)
{
	struct sock *sk = sock->sk;
	struct scm_fp_list *fpl = NULL;
	struct sk_buff *skb;
	struct unix_defer d;
	unsigned char shutdown;
	long timeo;
	int err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	unix_defer_init(&d);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	for (;;) {
		unix_state_lock(sk);
		/* A pending error comes before queued data, as skb_recv_datagram(). */
		err = sock_error(sk);
		if (err) {
			unix_state_unlock(sk);
			goto out;
		}
		skb = skb_peek(&sk->sk_receive_queue);
		if (skb) {
			if (flags & MSG_PEEK) {
				skb_get(skb);
			} else {
				__skb_unlink(skb, &sk->sk_receive_queue);
				unix_peer_wait_wake(sk, &d);
				fpl = UNIXCB(skb).fp;
				UNIXCB(skb).fp = NULL;
			}
			unix_state_unlock(sk);
			break;
		}
		shutdown = sk->sk_shutdown;
		unix_state_unlock(sk);
		/*
		 * Shut for reading: a datagram socket says EAGAIN when it may
		 * not wait and end of file when it would; a sequenced-packet
		 * socket says end of file.
		 */
		if (!timeo) {
			err = sock_intr_errno(timeo);
			if (sk->sk_type == SOCK_SEQPACKET && err == -EAGAIN &&
			    (shutdown & RCV_SHUTDOWN))
				err = 0;
			goto out;
		}
		if (shutdown & RCV_SHUTDOWN)
			goto out;	/* err 0: end of file */
		sk_wait_event(sk, &timeo, unix_rcv_ready(sk));
	}
	if (msg->msg_name)
		unix_copy_addr(msg, skb->sk);
	if (size > skb->len)
		size = skb->len;
	else if (size < skb->len)
		msg->msg_flags |= MSG_TRUNC;
	err = memcpy_to_msg(msg, skb->data, size);
	if (!err) {
		if (flags & MSG_PEEK) {
			fpl = unix_peek_fds(skb);
		} else if (fpl) {
			unix_notinflight(fpl);
		}
		unix_recv_scm(sock, msg, flags, &UNIXCB(skb), fpl, &d);
		fpl = NULL;
		err = (flags & MSG_TRUNC) ? (int)skb->len : (int)size;
	} else if (fpl) {
		/* The message is gone with its descriptors, as on Linux. */
		unix_notinflight(fpl);
		fpl->next = d.put;
		d.put = fpl;
	}
	if (flags & MSG_PEEK)
		kfree_skb(skb);
	else
		unix_consume(skb, &d);
out:
	unix_defer_run(sock->net, &d);
	return err;
}

int unix_seqpacket_sendmsg(struct socket *sock, struct kmsghdr *msg,
			   size_t len)
{
	struct sock *sk = sock->sk;
	int err;

	err = unix_sock_error(sk);
	if (err)
		return err;
	if (sk->sk_state != TCP_ESTABLISHED)
		return -ENOTCONN;
	msg->msg_namelen = 0;
	msg->msg_name = NULL;
	return unix_dgram_sendmsg(sock, msg, len);
}

int unix_seqpacket_recvmsg(struct socket *sock, struct kmsghdr *msg,
			   size_t len, int flags)
{
	if (sock->sk->sk_state != TCP_ESTABLISHED)
		return -ENOTCONN;
	return unix_dgram_recvmsg(sock, msg, len, flags);
}
