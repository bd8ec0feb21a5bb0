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

/* Credentials, and descriptors unless @send_fds is false: 0 or -ETOOMANYREFS. */
static int unix_scm_to_skb(struct unix_scm *scm, struct sk_buff *skb,
			   bool send_fds)
{
	memset(&UNIXCB(skb), 0, sizeof(UNIXCB(skb)));
	UNIXCB(skb).pid = scm->pid;
	UNIXCB(skb).uid = scm->uid;
	UNIXCB(skb).gid = scm->gid;
	return send_fds && scm->fp ? unix_attach_fds(sock_net(skb->sk), scm, skb) : 0;
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

/*
 * MSG_OOB (queue_oob()): the last byte goes alone in a buffer that becomes
 * the peer's mark (u->oob_skb), replacing an earlier mark not read yet,
 * whose byte is then ordinary data. The owner of the peer's file
 * (F_SETOWN) gets SIGURG, as sk_send_sigurg().
 */
static int unix_queue_oob(struct socket *sock, struct kmsghdr *msg,
			  struct sock *other, struct unix_scm *scm,
			  bool fds_sent, struct unix_defer *d)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	struct file *file;
	pid_t owner = 0;
	int err;

	skb = sock_alloc_send_skb(sk, 1, msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	err = unix_scm_to_skb(scm, skb, !fds_sent);
	if (!err)
		err = memcpy_from_msg(skb_put(skb, 1), msg, 1);
	if (err) {
		unix_free_deferred(skb, d);
		return err;
	}
	unix_state_lock(other);
	if (sock_flag(other, SOCK_DEAD) ||
	    (other->sk_shutdown & RCV_SHUTDOWN)) {
		unix_state_unlock(other);
		unix_free_deferred(skb, d);
		return -EPIPE;
	}
	unix_sk(other)->oob_skb = skb;
	__skb_queue_tail(&other->sk_receive_queue, skb);
	file = other->sk_socket ? other->sk_socket->file : NULL;
	if (file)
		owner = __atomic_load_n(&file->f_owner, __ATOMIC_RELAXED);
	unix_state_unlock(other);
	/* A negative owner is a process group, as kill(2) reads it. */
	if (owner)
		kill(owner, SIGURG);
	unix_defer_wake(d, other, UNIX_WAKE_DATA);
	return 0;
}

int unix_stream_sendmsg(struct socket *sock, struct kmsghdr *msg, size_t len)
{
	struct sock *sk = sock->sk, *other = NULL;
	bool oob = msg->msg_flags & MSG_OOB;
	struct sk_buff *skb;
	struct unix_scm scm;
	struct unix_defer d;
	size_t sent = 0, size;
	int err;

	err = unix_scm_send(sock, msg, &scm);
	if (err)
		return err;
	unix_defer_init(&d);
	/* The last byte of an MSG_OOB send is the out-of-band one. */
	err = -EOPNOTSUPP;
	if (oob && !len--)
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
		err = unix_scm_to_skb(&scm, skb, !sent);
		if (!err)
			err = memcpy_from_msg(skb_put(skb, (unsigned int)size),
					      msg, size);
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
		unix_defer_wake(&d, other, UNIX_WAKE_DATA);
		unix_defer_run(sock->net, &d);
	}
	/* As Linux, a refused out-of-band byte is an error without SIGPIPE. */
	if (oob) {
		err = unix_queue_oob(sock, msg, other, &scm, sent, &d);
		if (err)
			goto out_err;
		sent++;
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

/*
 * Ready to read, or the queue's tail moved since @last (@last_len long):
 * a peek past everything queued waits for more (unix_stream_data_wait()).
 */
static bool unix_rcv_ready_after(struct sock *sk, const struct sk_buff *last,
				 unsigned int last_len)
{
	struct sk_buff *tail;
	bool r;

	unix_state_lock(sk);
	tail = skb_peek_tail(&sk->sk_receive_queue);
	r = tail != last || (tail && tail->len != last_len) || sk->sk_err ||
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

/* Control messages in Linux's order: credentials, descriptors, pidfd. */
static void unix_recv_scm(struct socket *sock, struct kmsghdr *msg, int flags,
			  const struct unix_skb_parms *cred,
			  struct scm_fp_list *fpl, struct unix_defer *d)
{
	struct sock *sk = sock->sk;

	if (!msg->msg_control) {
		if (unix_may_passcred(sk) || sock_flag(sk, SOCK_PASSSEC) || fpl)
			msg->msg_flags |= MSG_CTRUNC;
		unix_scm_recv_fds(msg, flags, fpl, d);
		return;
	}
	if (sock_flag(sk, SOCK_PASSCRED) && cred)
		unix_scm_recv_creds(msg, cred);
	unix_scm_recv_fds(msg, flags, fpl, d);
	if (sock_flag(sk, SOCK_PASSPIDFD) && cred)
		unix_scm_recv_pidfd(msg, cred->pid);
}

static struct sk_buff *unix_skb_next(struct sock *sk, struct sk_buff *skb)
{
	return skb->next == (struct sk_buff *)&sk->sk_receive_queue ?
	       NULL : skb->next;
}

/* Buffers a read took off the queue under u->lock, freed after it. */
struct unix_read_done {
	struct sk_buff_head	used;		/* read to the end */
	struct sk_buff_head	skipped;	/* an out-of-band byte passed by */
};

/*
 * The out-of-band mark, as manage_oob(): what a read finds at @skb, the
 * next buffer it would copy from. The mark ends a read that copied
 * something, and so does a used-up buffer (an out-of-band byte that
 * recv(MSG_OOB) took: it stays queued, a zero-length buffer, to keep the
 * mark) when no other mark is pending. Otherwise a used-up buffer goes,
 * and the out-of-band byte is read in line (SO_OOBINLINE), passed over by
 * a peek, or dropped by a read. Returns the buffer to read, or NULL.
 */
static struct sk_buff *unix_manage_oob(struct sock *sk, struct sk_buff *skb,
				       int flags, size_t copied,
				       struct unix_read_done *done)
{
	struct unix_sock *u = unix_sk(sk);
	bool inline_oob = sock_flag(sk, SOCK_URGINLINE);
	struct sk_buff *next;

	if (likely(unix_skb_len(skb) && skb != u->oob_skb))
		return skb;
	if (!unix_skb_len(skb)) {
		if (copied && (!u->oob_skb || skb == u->oob_skb))
			return NULL;
		next = unix_skb_next(sk, skb);
		if (!(flags & MSG_PEEK)) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			__skb_queue_tail(&done->used, skb);
		}
		skb = next;
		if (!skb)
			return NULL;
	}
	if (skb != u->oob_skb)
		return skb;
	if (copied)
		return NULL;
	if (flags & MSG_PEEK)
		return inline_oob ? skb : unix_skb_next(sk, skb);
	u->oob_skb = NULL;
	if (inline_oob)
		return skb;
	__skb_unlink(skb, &sk->sk_receive_queue);
	__skb_queue_tail(&done->skipped, skb);
	return skb_peek(&sk->sk_receive_queue);
}

/* Frees what a read took off the queue; no u->lock held. */
static void unix_read_done_free(struct unix_read_done *done,
				struct unix_defer *d)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&done->used))) {
		if (UNIXCB(skb).fp)
			__skb_queue_tail(&d->free_q, skb);
		else
			unix_consume(skb, d);
	}
	while ((skb = __skb_dequeue(&done->skipped))) {
		if (UNIXCB(skb).fp)
			__skb_queue_tail(&d->free_q, skb);
		else
			kfree_skb_reason(skb, SKB_DROP_REASON_UNIX_SKIP_OOB);
	}
}

/*
 * recv(MSG_OOB), as unix_stream_recv_urg(): the out-of-band byte, unless
 * SO_OOBINLINE keeps it in line or there is none (EINVAL). Its buffer
 * stays queued, used up, so that a read still stops at the mark.
 */
static int unix_stream_recv_urg(struct socket *sock, struct kmsghdr *msg,
				size_t size, int flags)
{
	struct sock *sk = sock->sk;
	struct unix_sock *u = unix_sk(sk);
	struct sk_buff *oob;
	int err;

	unix_state_lock(sk);
	oob = u->oob_skb;
	if (sock_flag(sk, SOCK_URGINLINE) || !oob) {
		unix_state_unlock(sk);
		return -EINVAL;
	}
	/* As Linux, a zero-length read takes the byte all the same. */
	err = memcpy_to_msg(msg, oob->data + UNIXCB(oob).consumed,
			    min_t(size_t, size, 1));
	if (!(flags & MSG_PEEK)) {
		u->oob_skb = NULL;
		UNIXCB(oob).consumed++;
	}
	unix_state_unlock(sk);
	if (err)
		return -EFAULT;
	msg->msg_flags |= MSG_OOB;
	return 1;
}

int unix_stream_recvmsg(struct socket *sock, struct kmsghdr *msg, size_t size,
			int flags)
{
	struct sock *sk = sock->sk;
	struct scm_fp_list *fpl = NULL;
	struct unix_skb_parms cred = { 0 };
	struct sk_buff *skb, *last;
	bool check_creds = false, named = false;
	struct unix_read_done done;
	struct unix_defer d;
	size_t copied = 0, skip, peek_start;
	unsigned int last_len;
	int target, err = 0;
	long timeo;

	if (sk->sk_state != TCP_ESTABLISHED)
		return -EINVAL;
	if (flags & MSG_OOB)
		return unix_stream_recv_urg(sock, msg, size, flags);
	unix_defer_init(&d);
	skb_queue_head_init(&done.used);
	skb_queue_head_init(&done.skipped);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, (int)min_t(size_t, size, INT_MAX));
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	peek_start = (size_t)max_t(int, sk_peek_offset(sk, flags), 0);

	do {
		size_t chunk;

		/* Each pass starts at the queue's head: past what was peeked. */
		skip = (flags & MSG_PEEK) ? peek_start + copied : 0;
		unix_state_lock(sk);
		last = skb = skb_peek(&sk->sk_receive_queue);
		last_len = last ? last->len : 0;
again:
		if (skb) {
			skb = unix_manage_oob(sk, skb, flags, copied, &done);
			if (!skb && copied) {
				unix_state_unlock(sk);
				break;
			}
		}
		if (!skb) {
			unix_state_unlock(sk);
			unix_read_done_free(&done, &d);
			if ((int)copied >= target)
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
			sk_wait_event(sk, &timeo,
				      unix_rcv_ready_after(sk, last, last_len));
			continue;
		}
		/* A peek offset passes over what was peeked already. */
		while (skip >= unix_skb_len(skb)) {
			skip -= unix_skb_len(skb);
			last = skb;
			last_len = skb->len;
			skb = unix_skb_next(sk, skb);
			if (!skb)
				goto again;
		}
		/* Data from senders with other credentials is not merged. */
		if (check_creds) {
			if (UNIXCB(skb).pid != cred.pid ||
			    UNIXCB(skb).uid != cred.uid ||
			    UNIXCB(skb).gid != cred.gid) {
				unix_state_unlock(sk);
				break;
			}
		} else if (unix_may_passcred(sk)) {
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
			sk_peek_offset_bwd(sk, (int)chunk);
			fpl = UNIXCB(skb).fp;
			UNIXCB(skb).fp = NULL;
			if (unix_skb_len(skb)) {
				/* A partly read buffer ends the read. */
				unix_state_unlock(sk);
				if (fpl)
					unix_notinflight(fpl);
				break;
			}
			__skb_unlink(skb, &sk->sk_receive_queue);
			__skb_queue_tail(&done.used, skb);
			unix_state_unlock(sk);
			unix_read_done_free(&done, &d);
			/* So do descriptors. */
			if (fpl) {
				unix_notinflight(fpl);
				break;
			}
			continue;
		}
		sk_peek_offset_fwd(sk, (int)chunk);
		if (UNIXCB(skb).fp) {
			skb_get(skb);
			unix_state_unlock(sk);
			fpl = unix_peek_fds(skb);
			kfree_skb(skb);
			break;
		}
		/* A peek goes on from the next buffer, the lock still held. */
		skip = 0;
		last = skb;
		last_len = skb->len;
		skb = unix_skb_next(sk, skb);
		if (skb && size)
			goto again;
		unix_state_unlock(sk);
		break;
	} while (size);

	unix_read_done_free(&done, &d);
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
	err = unix_scm_to_skb(&scm, skb, true);
	if (!err)
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
	unix_defer_wake(&d, other, UNIX_WAKE_DATA);
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

/*
 * The datagram a read takes (u->lock held), as __skb_try_recv_from_queue():
 * the head, or for a peek at offset *@off the datagram that holds it, *@off
 * becoming the offset inside. An empty datagram is peeked once, then
 * passed over like the bytes before the offset.
 */
static struct sk_buff *unix_dgram_pick(struct sock *sk, int flags, int *off)
{
	struct sk_buff *skb;

	if (!(flags & MSG_PEEK))
		return skb_peek(&sk->sk_receive_queue);
	for (skb = skb_peek(&sk->sk_receive_queue); skb;
	     skb = unix_skb_next(sk, skb)) {
		if (*off >= 0 && *off >= (int)skb->len &&
		    (*off || UNIXCB(skb).peeked)) {
			*off -= (int)skb->len;
			continue;
		}
		if (!skb->len)
			UNIXCB(skb).peeked = true;
		break;
	}
	if (*off < 0)
		*off = 0;
	return skb;
}

int unix_dgram_recvmsg(struct socket *sock, struct kmsghdr *msg, size_t size,
		       int flags)
{
	struct sock *sk = sock->sk;
	struct scm_fp_list *fpl = NULL;
	struct sk_buff *skb, *last;
	struct unix_defer d;
	unsigned char shutdown;
	unsigned int last_len;
	int err, skip;
	long timeo;

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
		skip = sk_peek_offset(sk, flags);
		skb = unix_dgram_pick(sk, flags, &skip);
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
		/* A peek past the last datagram waits for a new one. */
		last = skb_peek_tail(&sk->sk_receive_queue);
		last_len = last ? last->len : 0;
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
		sk_wait_event(sk, &timeo, unix_rcv_ready_after(sk, last, last_len));
	}
	if (msg->msg_name)
		unix_copy_addr(msg, skb->sk);
	if (size > skb->len - (unsigned int)skip)
		size = skb->len - (unsigned int)skip;
	else if (size < skb->len - (unsigned int)skip)
		msg->msg_flags |= MSG_TRUNC;
	err = memcpy_to_msg(msg, skb->data + skip, size);
	if (!err) {
		if (flags & MSG_PEEK) {
			sk_peek_offset_fwd(sk, (int)size);
			fpl = unix_peek_fds(skb);
		} else {
			sk_peek_offset_bwd(sk, (int)skb->len);
			if (fpl)
				unix_notinflight(fpl);
		}
		unix_recv_scm(sock, msg, flags, &UNIXCB(skb), fpl, &d);
		fpl = NULL;
		err = (flags & MSG_TRUNC) ? (int)skb->len - skip : (int)size;
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
