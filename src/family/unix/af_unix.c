/* SPDX-License-Identifier: MIT */
/*
 * af_unix.c - the AF_UNIX family, after net/unix/af_unix.c: socket
 * creation and release, bind, connect (stream and datagram), listen and
 * accept, socketpair, names, shutdown, ioctl and poll. Sending and
 * receiving are in unix_msg.c, names in unix_addr.c, control messages in
 * scm.c, in-flight sockets in garbage.c. Locking: af_unix.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "family/unix/af_unix.h"
#include "net/exec.h"
#include "net/net.h"

#define POLLRDHUP_	0x2000
#define UNIX_WAKE_ALL	(POLLIN | POLLOUT | POLLHUP | POLLERR | POLLRDNORM | \
			 POLLWRNORM | POLLWRBAND | POLLRDHUP_)
#define UNIX_WAKE_OUT	(POLLOUT | POLLWRNORM | POLLWRBAND)

void unix_state_double_lock(struct sock *a, struct sock *b)
{
	if (!b || a == b) {
		unix_state_lock(a);
		return;
	}
	if (a < b) {
		unix_state_lock(a);
		unix_state_lock(b);
	} else {
		unix_state_lock(b);
		unix_state_lock(a);
	}
}

void unix_state_double_unlock(struct sock *a, struct sock *b)
{
	unix_state_unlock(a);
	if (b && a != b)
		unix_state_unlock(b);
}

/* The calling process's credentials as @sk's SO_PEERCRED (init_peercred). */
void unix_peer_cred_self(struct sock *sk)
{
	sk->sk_peer_pid = getpid();
	sk->sk_peer_uid = geteuid();
	sk->sk_peer_gid = getegid();
}

static void unix_copy_peercred(struct sock *to, const struct sock *from)
{
	to->sk_peer_pid = from->sk_peer_pid;
	to->sk_peer_uid = from->sk_peer_uid;
	to->sk_peer_gid = from->sk_peer_gid;
}

/* ---- sleeping on a peer -------------------------------------------------- */

/* Sleeps with the namespace unlocked; the time left in jiffies. */
static long unix_wait_sleep(struct sock *sk, struct usn_waiter *w, long timeo,
			    int *err)
{
	struct usn_net *net = sock_net(sk);
	uint64_t now = net_now(net), deadline = NET_DEADLINE_NONE;
	int r;

	if (timeo <= 0)
		return 0;
	if (timeo != MAX_SCHEDULE_TIMEOUT)
		deadline = now + jiffies_to_ns((uint64_t)timeo);
	r = net_wait(net, w, deadline);
	if (r == -EDEADLK) {
		*err = r;
		return 0;
	}
	if (r)
		return 0;
	if (deadline == NET_DEADLINE_NONE)
		return MAX_SCHEDULE_TIMEOUT;
	now = net_now(net);
	return now >= deadline ? 0 : (long)ns_to_jiffies_up(deadline - now);
}

/*
 * A sender waits for room in @other's queue (a datagram receiver or a
 * listener) on @other's peer_wait, which its u->lock guards: the reader
 * that makes room wakes us from any namespace.
 */
long unix_wait_for_peer(struct sock *sk, struct sock *other, long timeo,
			int *err)
{
	struct unix_sock *uo = unix_sk(other);
	struct usn_waiter *w = waiter_current();
	struct wait_queue_entry e;
	bool sched;

	init_wait_entry(&e, w, ~0u);
	unix_state_lock(other);
	add_wait_queue(&uo->peer_wait, &e);
	waiter_reset(w);
	sched = !sock_flag(other, SOCK_DEAD) &&
		!(other->sk_shutdown & RCV_SHUTDOWN) && unix_recvq_full(other);
	unix_state_unlock(other);
	if (sched)
		timeo = unix_wait_sleep(sk, w, timeo, err);
	unix_state_lock(other);
	remove_wait_queue(&e);
	unix_state_unlock(other);
	return timeo;
}

/*
 * Poll relay (unix_dgram_peer_wake_*): a datagram socket whose peer's
 * queue is full asks to be woken when it drains. Both u->locks held, or
 * @other's alone; u->peer_wake_target is only read under its target's lock.
 */
bool unix_dgram_peer_wake_me(struct sock *sk, struct sock *other)
{
	struct unix_sock *u = unix_sk(sk), *uo = unix_sk(other);

	if (!u->peer_wake_target) {
		u->peer_wake_target = other;
		list_add_tail(&u->peer_wake_link, &uo->peer_wake_list);
	}
	if (unix_recvq_full(other))
		return true;
	unix_dgram_peer_wake_disconnect(sk, other);
	return false;
}

void unix_dgram_peer_wake_disconnect(struct sock *sk, struct sock *other)
{
	struct unix_sock *u = unix_sk(sk);

	if (u->peer_wake_target == other) {
		list_del_init(&u->peer_wake_link);
		u->peer_wake_target = NULL;
	}
}

/* Room in @sk's queue: wake blocked senders and poll relays. u->lock held. */
void unix_peer_wait_wake(struct sock *sk, struct unix_defer *d)
{
	struct unix_sock *u = unix_sk(sk), *r, *n;

	wake_up(&u->peer_wait);
	list_for_each_entry_safe(r, n, &u->peer_wake_list, peer_wake_link) {
		list_del_init(&r->peer_wake_link);
		r->peer_wake_target = NULL;
		unix_defer_wake(d, &r->sk, UNIX_WAKE_OUT);
	}
}

/* ---- creation and release ------------------------------------------------ */

/*
 * Writers are woken explicitly by the reader (unix_defer), never from a
 * buffer's destructor, which may run under another namespace's lock.
 */
static void unix_write_space(struct sock *sk)
{
	(void)sk;
}

static void unix_sock_destructor(struct sock *sk)
{
	struct unix_sock *u = unix_sk(sk);

	skb_queue_purge_reason(&sk->sk_receive_queue,
			       SKB_DROP_REASON_SOCKET_CLOSE);
	unix_address_put(u->addr);
	u->addr = NULL;
	unix_table_lock();
	list_del_init(&u->all_link);
	unix_table_unlock();
	pthread_mutex_destroy(&u->lock);
}

static const struct proto unix_proto = {
	.name		= "UNIX",
	.obj_size	= sizeof(struct unix_sock),
};

struct sock *unix_create1(struct usn_net *net, struct socket *sock, int type)
{
	struct unix_sock *u;
	struct sock *sk;

	sk = sk_alloc(net, PF_UNIX, &unix_proto, 0);
	if (!sk)
		return NULL;
	sock_init_data(sock, sk);
	u = unix_sk(sk);
	sk->sk_type = (unsigned short)type;
	sk->sk_write_space = unix_write_space;
	sk->sk_destruct = unix_sock_destructor;
	pthread_mutex_init(&u->lock, NULL);
	init_waitqueue_head(&u->peer_wait);
	INIT_LIST_HEAD(&u->peer_wake_list);
	INIT_LIST_HEAD(&u->peer_wake_link);
	INIT_LIST_HEAD(&u->gc_link);
	/* @net may be a listener's, not locked here (unix_stream_connect). */
	u->max_ack_backlog = READ_ONCE(net->sysctl.unix_max_dgram_qlen);
	unix_table_lock();
	list_add_tail(&u->all_link, &unix_all_socks);
	unix_table_unlock();
	return sk;
}

static int unix_create(struct usn_net *net, struct socket *sock, int protocol,
		       int kern)
{
	(void)kern;
	if (protocol && protocol != PF_UNIX)
		return -EPROTONOSUPPORT;
	switch (sock->type) {
	case SOCK_STREAM:
		sock->ops = &unix_stream_ops;
		break;
	case SOCK_RAW:
		/* BSD has AF_UNIX SOCK_RAW; Linux makes it a datagram socket. */
		sock->type = SOCK_DGRAM;
		/* fall through */
	case SOCK_DGRAM:
		sock->ops = &unix_dgram_ops;
		break;
	case SOCK_SEQPACKET:
		sock->ops = &unix_seqpacket_ops;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	return unix_create1(net, sock, sock->type) ? 0 : -ENOMEM;
}

/*
 * Closes @sk (a socket, or an embryo never accepted): its name goes, its
 * peer sees the end (ECONNRESET when it leaves data unread or was never
 * accepted), queued buffers are dropped, embryos released in turn.
 */
static void unix_release_sock(struct sock *sk, bool embrion,
			      struct unix_defer *d)
{
	struct unix_sock *u = unix_sk(sk);
	struct sk_buff_head q;
	struct sk_buff *skb;
	struct sock *skpair;
	bool unread;

	skb_queue_head_init(&q);
	unix_unbind(sk);
	unix_state_lock(sk);
	sock_orphan(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	skpair = u->peer;
	u->peer = NULL;
	sk->sk_state = TCP_CLOSE;
	unread = !skb_queue_empty(&sk->sk_receive_queue);
	u->oob_skb = NULL;
	while ((skb = __skb_dequeue(&sk->sk_receive_queue)))
		__skb_queue_tail(&q, skb);
	unix_peer_wait_wake(sk, d);
	unix_state_unlock(sk);

	if (skpair) {
		if (sk->sk_type == SOCK_STREAM || sk->sk_type == SOCK_SEQPACKET) {
			unix_state_lock(skpair);
			WRITE_ONCE(skpair->sk_shutdown, SHUTDOWN_MASK);
			if (unread || embrion)
				WRITE_ONCE(skpair->sk_err, ECONNRESET);
			unix_state_unlock(skpair);
			unix_defer_wake(d, skpair, UNIX_WAKE_ALL);
		}
		unix_state_lock(skpair);
		unix_dgram_peer_wake_disconnect(sk, skpair);
		unix_state_unlock(skpair);
		sock_put(skpair);
	}
	while ((skb = __skb_dequeue(&q))) {
		struct sock *embryo = UNIXCB(skb).embryo;

		if (embryo) {
			UNIXCB(skb).embryo = NULL;
			unix_release_sock(embryo, true, d);
			sock_put(embryo);
		}
		if (UNIXCB(skb).fp)
			__skb_queue_tail(&d->free_q, skb);
		else
			kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_CLOSE);
	}
}

static int unix_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct unix_defer d;

	if (!sk)
		return 0;
	unix_defer_init(&d);
	unix_release_sock(sk, false, &d);
	sock->sk = NULL;
	unix_defer_run(sock->net, &d);
	sock_put(sk);
	/* Cycles of in-flight sockets may have lost their last outside reference. */
	if (unix_gc_pending()) {
		net_unlock(sock->net);
		unix_gc();
		net_lock(sock->net);
	}
	return 0;
}

/* ---- names and connections ----------------------------------------------- */

static int unix_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	return unix_bind_name(sock->sk, uaddr, addr_len);
}

static void unix_dgram_disconnected(struct sock *sk, struct sock *other,
				    struct unix_defer *d)
{
	struct sk_buff_head q;
	struct sk_buff *skb;
	bool purged;

	skb_queue_head_init(&q);
	unix_state_lock(sk);
	purged = !skb_queue_empty(&sk->sk_receive_queue);
	while ((skb = __skb_dequeue(&sk->sk_receive_queue)))
		__skb_queue_tail(&q, skb);
	if (purged)
		unix_peer_wait_wake(sk, d);
	unix_state_unlock(sk);
	if (!purged)
		return;
	/* Freed unlocked: a buffer's sender may go with it (unix_table_lock). */
	while ((skb = __skb_dequeue(&q))) {
		if (UNIXCB(skb).fp)
			__skb_queue_tail(&d->free_q, skb);
		else
			kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_CLOSE);
	}
	/* One side of a two-way datagram pipe went: the other hears of it. */
	unix_state_lock(other);
	if (!sock_flag(other, SOCK_DEAD) && unix_sk(other)->peer == sk) {
		WRITE_ONCE(other->sk_err, ECONNRESET);
		unix_defer_wake(d, other, POLLERR);
	}
	unix_state_unlock(other);
}

static int unix_dgram_connect(struct socket *sock, struct sockaddr *addr,
			      int alen, int flags)
{
	struct sock *sk = sock->sk, *other = NULL, *old;
	struct unix_sock *u = unix_sk(sk);
	struct unix_defer d;
	int err;

	(void)flags;
	if (alen < (int)sizeof(sa_family_t))
		return -EINVAL;
	unix_defer_init(&d);
	if (addr->sa_family != AF_UNSPEC) {
		err = unix_validate_addr(addr, alen);
		if (err)
			return err;
		if (unix_may_passcred(sk)) {
			err = unix_autobind(sk);
			if (err)
				return err;
		}
restart:
		other = unix_find_other(sock_net(sk), addr, alen, sk->sk_type, &err);
		if (!other)
			return err;
		unix_state_double_lock(sk, other);
		if (sock_flag(other, SOCK_DEAD)) {
			unix_state_double_unlock(sk, other);
			sock_put(other);
			goto restart;
		}
		err = -EPERM;
		if (unix_sk(other)->peer && unix_sk(other)->peer != sk) {
			unix_state_double_unlock(sk, other);
			sock_put(other);
			return err;
		}
	} else {
		unix_state_lock(sk);
	}
	old = u->peer;
	u->peer = other;
	sk->sk_state = other ? TCP_ESTABLISHED : TCP_CLOSE;
	unix_state_double_unlock(sk, other);
	if (old) {
		unix_state_lock(old);
		unix_dgram_peer_wake_disconnect(sk, old);
		unix_state_unlock(old);
		if (old != other)
			unix_dgram_disconnected(sk, old, &d);
		sock_put(old);
	}
	unix_defer_run(sock->net, &d);
	return 0;
}

static int unix_stream_connect(struct socket *sock, struct sockaddr *uaddr,
			       int addr_len, int flags)
{
	struct sock *sk = sock->sk, *other, *newsk = NULL;
	struct unix_address *addr;
	struct sk_buff *skb = NULL;
	struct unix_defer d;
	long timeo;
	int err;

	err = unix_validate_addr(uaddr, addr_len);
	if (err)
		return err;
	if (unix_may_passcred(sk)) {
		err = unix_autobind(sk);
		if (err)
			return err;
	}
	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	unix_defer_init(&d);
restart:
	other = unix_find_other(sock_net(sk), uaddr, addr_len, sk->sk_type, &err);
	if (!other)
		goto out;
	/* The new socket lives where it will be accepted: the listener's namespace. */
	if (newsk && sock_net(newsk) != sock_net(other)) {
		sock_put(newsk);
		newsk = NULL;
	}
	err = -ENOMEM;
	if (!newsk && !(newsk = unix_create1(sock_net(other), NULL, sk->sk_type)))
		goto out_put;
	if (!skb && !(skb = alloc_skb(1)))
		goto out_put;
	unix_state_double_lock(sk, other);
	if (sock_flag(other, SOCK_DEAD)) {
		unix_state_double_unlock(sk, other);
		sock_put(other);
		goto restart;
	}
	err = -ECONNREFUSED;
	if (other->sk_state != TCP_LISTEN || (other->sk_shutdown & RCV_SHUTDOWN))
		goto out_unlock;
	if (unix_recvq_full(other)) {
		err = -EAGAIN;
		if (!timeo)
			goto out_unlock;
		unix_state_double_unlock(sk, other);
		err = 0;
		timeo = unix_wait_for_peer(sk, other, timeo, &err);
		sock_put(other);
		if (err)
			goto out;
		goto restart;
	}
	switch (sk->sk_state) {
	case TCP_CLOSE:
		break;
	case TCP_ESTABLISHED:
		err = -EISCONN;
		goto out_unlock;
	default:
		err = -EINVAL;
		goto out_unlock;
	}
	/* The embryo: our peer, named as the listener, queued for accept(). */
	sock_hold(sk);
	unix_sk(newsk)->peer = sk;
	newsk->sk_state = TCP_ESTABLISHED;
	unix_peer_cred_self(newsk);
	addr = __atomic_load_n(&unix_sk(other)->addr, __ATOMIC_ACQUIRE);
	if (addr) {
		atomic_fetch_add(&addr->refcnt, 1);
		unix_sk(newsk)->addr = addr;
	}
	sock_hold(newsk);
	unix_sk(sk)->peer = newsk;
	sk->sk_state = TCP_ESTABLISHED;
	sock->state = SS_CONNECTED;
	unix_copy_peercred(sk, other);
	UNIXCB(skb).embryo = newsk;	/* takes newsk's first reference */
	newsk = NULL;
	__skb_queue_tail(&other->sk_receive_queue, skb);
	skb = NULL;
	unix_state_double_unlock(sk, other);
	unix_defer_wake(&d, other, UNIX_WAKE_DATA);
	sock_put(other);
	err = 0;
	goto out;

out_unlock:
	unix_state_double_unlock(sk, other);
out_put:
	sock_put(other);
out:
	if (skb)
		kfree_skb(skb);
	if (newsk) {
		unix_release_sock(newsk, false, &d);
		sock_put(newsk);
	}
	unix_defer_run(sock->net, &d);
	return err;
}

static int unix_socketpair(struct socket *socka, struct socket *sockb)
{
	struct sock *ska = socka->sk, *skb = sockb->sk;

	sock_hold(ska);
	sock_hold(skb);
	unix_sk(ska)->peer = skb;
	unix_sk(skb)->peer = ska;
	unix_peer_cred_self(ska);
	unix_peer_cred_self(skb);
	ska->sk_state = TCP_ESTABLISHED;
	skb->sk_state = TCP_ESTABLISHED;
	if (ska->sk_type != SOCK_DGRAM) {
		socka->state = SS_CONNECTED;
		sockb->state = SS_CONNECTED;
	}
	return 0;
}

static int unix_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct unix_sock *u = unix_sk(sk);
	struct unix_defer d;
	int err;

	if (sock->type != SOCK_STREAM && sock->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	if (!__atomic_load_n(&u->addr, __ATOMIC_ACQUIRE))
		return -EINVAL;		/* no listening on an unbound socket */
	unix_defer_init(&d);
	unix_state_lock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN)
		goto out_unlock;
	if (backlog > u->max_ack_backlog)
		unix_peer_wait_wake(sk, &d);	/* room for waiting connectors */
	u->max_ack_backlog = backlog;
	sk->sk_state = TCP_LISTEN;
	unix_peer_cred_self(sk);
	err = 0;
out_unlock:
	unix_state_unlock(sk);
	unix_defer_run(sock->net, &d);
	return err;
}

static bool unix_accept_ready(struct sock *sk)
{
	bool r;

	unix_state_lock(sk);
	r = !skb_queue_empty(&sk->sk_receive_queue) ||
	    sk->sk_state != TCP_LISTEN;
	unix_state_unlock(sk);
	return r;
}

static int unix_accept(struct socket *sock, struct socket *newsock, int flags,
		       bool kern)
{
	struct sock *sk = sock->sk, *tsk;
	struct sk_buff *skb;
	struct unix_defer d;
	long timeo;
	int err;

	(void)kern;
	if (sock->type != SOCK_STREAM && sock->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	if (sk->sk_state != TCP_LISTEN)
		return -EINVAL;
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	unix_defer_init(&d);
	for (;;) {
		unix_state_lock(sk);
		skb = __skb_dequeue(&sk->sk_receive_queue);
		if (skb)
			unix_peer_wait_wake(sk, &d);	/* a backlog slot freed */
		unix_state_unlock(sk);
		if (skb)
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			goto out;
		err = -EAGAIN;
		if (!timeo)
			goto out;
		sk_wait_event(sk, &timeo, unix_accept_ready(sk));
		if (!timeo && !unix_accept_ready(sk)) {
			err = sock_intr_errno(timeo);
			goto out;
		}
	}
	tsk = UNIXCB(skb).embryo;
	UNIXCB(skb).embryo = NULL;
	consume_skb(skb);
	unix_state_lock(tsk);
	sock_graft(tsk, newsock);
	newsock->state = SS_CONNECTED;
	unix_state_unlock(tsk);
	err = 0;
out:
	unix_defer_run(sock->net, &d);
	return err;
}

static int unix_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sock *sk = sock->sk, *s = sk;
	struct unix_address *addr;
	int len;

	if (peer) {
		unix_state_lock(sk);
		s = unix_sk(sk)->peer;
		if (s)
			sock_hold(s);
		unix_state_unlock(sk);
		if (!s)
			return -ENOTCONN;
	} else {
		sock_hold(s);
	}
	addr = __atomic_load_n(&unix_sk(s)->addr, __ATOMIC_ACQUIRE);
	if (!addr) {
		memset(uaddr, 0, sizeof(struct sockaddr_un));
		uaddr->sa_family = AF_UNIX;
		len = UNIX_PATH_OFF;
	} else {
		memcpy(uaddr, &addr->name, (size_t)addr->len);
		len = addr->len;
	}
	sock_put(s);
	return len;
}

static int unix_shutdown(struct socket *sock, int mode)
{
	struct sock *sk = sock->sk, *other;
	struct unix_defer d;
	int peer_mode = 0;

	if (mode < SHUT_RD || mode > SHUT_RDWR)
		return -EINVAL;
	/* SHUT_RD 0 -> RCV_SHUTDOWN 1, SHUT_WR 1 -> SEND_SHUTDOWN 2, SHUT_RDWR 2 -> 3 */
	mode = (mode + 1) & SHUTDOWN_MASK;
	unix_defer_init(&d);
	unix_state_lock(sk);
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | (unsigned char)mode);
	other = unix_sk(sk)->peer;
	if (other)
		sock_hold(other);
	unix_state_unlock(sk);
	unix_defer_wake(&d, sk, UNIX_WAKE_ALL);
	if (other && (sk->sk_type == SOCK_STREAM || sk->sk_type == SOCK_SEQPACKET)) {
		if (mode & RCV_SHUTDOWN)
			peer_mode |= SEND_SHUTDOWN;
		if (mode & SEND_SHUTDOWN)
			peer_mode |= RCV_SHUTDOWN;
		unix_state_lock(other);
		WRITE_ONCE(other->sk_shutdown,
			   other->sk_shutdown | (unsigned char)peer_mode);
		unix_state_unlock(other);
		unix_defer_wake(&d, other, UNIX_WAKE_ALL);
	}
	if (other)
		sock_put(other);
	unix_defer_run(sock->net, &d);
	return 0;
}

/* ---- ioctl and poll ------------------------------------------------------ */

/* Bytes a read would find: every buffer for a stream, the next one for datagrams. */
static long unix_inq_len(struct sock *sk)
{
	struct sk_buff *skb;
	long amount = 0;

	unix_state_lock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		amount = -EINVAL;
	} else if (sk->sk_type == SOCK_STREAM || sk->sk_type == SOCK_SEQPACKET) {
		for (skb = sk->sk_receive_queue.next;
		     skb != (struct sk_buff *)&sk->sk_receive_queue; skb = skb->next)
			amount += skb->len - UNIXCB(skb).consumed;
	} else {
		skb = skb_peek(&sk->sk_receive_queue);
		if (skb)
			amount = skb->len;
	}
	unix_state_unlock(sk);
	return amount;
}

/*
 * SIOCATMARK on a stream: the next byte is the out-of-band one, or the
 * next buffer is one recv(MSG_OOB) used up, in front of no other mark
 * or right in front of the next one.
 */
static long unix_at_mark(struct sock *sk)
{
	struct unix_sock *u = unix_sk(sk);
	struct sk_buff *skb, *next;
	long answ = 0;

	if (sk->sk_type != SOCK_STREAM)
		return -EOPNOTSUPP;
	unix_state_lock(sk);
	skb = skb_peek(&sk->sk_receive_queue);
	if (skb) {
		next = skb->next == (struct sk_buff *)&sk->sk_receive_queue ?
		       NULL : skb->next;
		answ = skb == u->oob_skb ||
		       (skb->len == UNIXCB(skb).consumed &&
			(!u->oob_skb || next == u->oob_skb));
	}
	unix_state_unlock(sk);
	return answ;
}

static int unix_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	long amount;

	switch (cmd) {
	case SIOCATMARK:
		amount = unix_at_mark(sk);
		if (amount < 0)
			return (int)amount;
		break;
	case SIOCOUTQ:
		/* Memory of what the peer has not read yet, as unix_outq_len(). */
		amount = atomic_load(&sk->sk_wmem_alloc);
		break;
	case SIOCINQ:
		amount = unix_inq_len(sk);
		if (amount < 0)
			return (int)amount;
		break;
	default:
		return -ENOIOCTLCMD;
	}
	if (!arg)
		return -EFAULT;
	*(int *)arg = (int)amount;
	return 0;
}

static unsigned int unix_poll(struct file *file, struct socket *sock,
			      struct poll_table_struct *wait)
{
	struct sock *sk = sock->sk;
	unsigned int mask = 0;

	poll_wait(file, sk->sk_wq, wait);
	unix_state_lock(sk);
	if (sk->sk_err)
		mask |= POLLERR;
	if (sk->sk_shutdown == SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		mask |= POLLRDHUP_ | POLLIN | POLLRDNORM;
	if (!skb_queue_empty(&sk->sk_receive_queue))
		mask |= POLLIN | POLLRDNORM;
	if (unix_sk(sk)->oob_skb)
		mask |= POLLPRI;
	/* A connection-based socket that is not connected has hung up. */
	if ((sk->sk_type == SOCK_STREAM || sk->sk_type == SOCK_SEQPACKET) &&
	    sk->sk_state == TCP_CLOSE)
		mask |= POLLHUP;
	if (unix_writable(sk))
		mask |= UNIX_WAKE_OUT;
	unix_state_unlock(sk);
	return mask;
}

static unsigned int unix_dgram_poll(struct file *file, struct socket *sock,
				    struct poll_table_struct *wait)
{
	struct sock *sk = sock->sk, *other;
	unsigned int mask = 0;
	bool writable;

	poll_wait(file, sk->sk_wq, wait);
	unix_state_lock(sk);
	if (sk->sk_err || !skb_queue_empty(&sk->sk_error_queue))
		mask |= POLLERR;
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		mask |= POLLRDHUP_ | POLLIN | POLLRDNORM;
	if (sk->sk_shutdown == SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (!skb_queue_empty(&sk->sk_receive_queue))
		mask |= POLLIN | POLLRDNORM;
	if (sk->sk_type == SOCK_SEQPACKET) {
		if (sk->sk_state == TCP_CLOSE)
			mask |= POLLHUP;
		if (sk->sk_state == TCP_SYN_SENT)
			goto out_unlock;
	}
	/* Writability is costly: only when asked (the re-check asks for all). */
	if (wait && !(wait->events & UNIX_WAKE_OUT))
		goto out_unlock;
	writable = unix_writable(sk);
	other = unix_sk(sk)->peer;
	if (other)
		sock_hold(other);
	unix_state_unlock(sk);
	if (writable && other) {
		unix_state_lock(other);
		if (unix_sk(other)->peer != sk && unix_recvq_full(other) &&
		    unix_dgram_peer_wake_me(sk, other))
			writable = false;
		unix_state_unlock(other);
	}
	if (other)
		sock_put(other);
	if (writable)
		mask |= UNIX_WAKE_OUT;
	return mask;
out_unlock:
	unix_state_unlock(sk);
	return mask;
}

/* ---- the tables ---------------------------------------------------------- */

/* SO_PEEK_OFF: any value; a negative one turns the offset off. */
static int unix_set_peek_off(struct sock *sk, int val)
{
	sk->sk_peek_off = val;
	return 0;
}

/* Unix sockets have no options of their own level. */
static int unix_setsockopt(struct socket *sock, int level, int optname,
			   const void *optval, unsigned int optlen)
{
	return sock_no_setsockopt(sock, level, optname, optval, optlen);
}

static int unix_getsockopt(struct socket *sock, int level, int optname,
			   void *optval, int *optlen)
{
	return sock_no_getsockopt(sock, level, optname, optval, optlen);
}

const struct proto_ops unix_stream_ops = {
	.family		= PF_UNIX,
	.release	= unix_release,
	.bind		= unix_bind,
	.connect	= unix_stream_connect,
	.socketpair	= unix_socketpair,
	.accept		= unix_accept,
	.getname	= unix_getname,
	.poll		= unix_poll,
	.ioctl		= unix_ioctl,
	.listen		= unix_listen,
	.shutdown	= unix_shutdown,
	.setsockopt	= unix_setsockopt,
	.getsockopt	= unix_getsockopt,
	.sendmsg	= unix_stream_sendmsg,
	.recvmsg	= unix_stream_recvmsg,
	.set_peek_off	= unix_set_peek_off,
};

const struct proto_ops unix_dgram_ops = {
	.family		= PF_UNIX,
	.release	= unix_release,
	.bind		= unix_bind,
	.connect	= unix_dgram_connect,
	.socketpair	= unix_socketpair,
	.accept		= sock_no_accept,
	.getname	= unix_getname,
	.poll		= unix_dgram_poll,
	.ioctl		= unix_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= unix_shutdown,
	.setsockopt	= unix_setsockopt,
	.getsockopt	= unix_getsockopt,
	.sendmsg	= unix_dgram_sendmsg,
	.recvmsg	= unix_dgram_recvmsg,
	.set_peek_off	= unix_set_peek_off,
};

const struct proto_ops unix_seqpacket_ops = {
	.family		= PF_UNIX,
	.release	= unix_release,
	.bind		= unix_bind,
	.connect	= unix_stream_connect,
	.socketpair	= unix_socketpair,
	.accept		= unix_accept,
	.getname	= unix_getname,
	.poll		= unix_dgram_poll,
	.ioctl		= unix_ioctl,
	.listen		= unix_listen,
	.shutdown	= unix_shutdown,
	.setsockopt	= unix_setsockopt,
	.getsockopt	= unix_getsockopt,
	.sendmsg	= unix_seqpacket_sendmsg,
	.recvmsg	= unix_seqpacket_recvmsg,
	.set_peek_off	= unix_set_peek_off,
};

/* ---- sock_diag ----------------------------------------------------------- */

/*
 * The walk holds unix_table_lock throughout, and a unix sock leaves
 * unix_all_socks (its destructor takes that lock) before its memory and its
 * u->lock go: every unix sock the walk reaches through a pointer - a peer,
 * an embryo, an embryo's peer - stays valid memory while the walk runs,
 * even once its last reference is gone. So each socket is locked alone,
 * one after the other, as the lock order allows (no u->lock nested).
 */

/* @sk's socket inode, 0 for an embryo or a closed socket (sock_i_ino). */
static unsigned long unix_diag_ino(struct sock *sk)
{
	unsigned long ino;

	unix_state_lock(sk);
	ino = sk->sk_socket ? sk->sk_socket->ino : 0;
	unix_state_unlock(sk);
	return ino;
}

static struct sock *unix_diag_peer(struct sock *sk)
{
	struct sock *peer;

	unix_state_lock(sk);
	peer = unix_sk(sk)->peer;
	unix_state_unlock(sk);
	return peer;
}

/* Bytes a reader would find, as unix_inq_len(): the first datagram only. */
static uint32_t unix_diag_inq(struct sock *sk)
{
	const struct sk_buff_head *q = &sk->sk_receive_queue;
	struct sk_buff *skb;
	uint32_t n = 0;

	for (skb = q->next; skb != (const struct sk_buff *)q; skb = skb->next) {
		n += skb->len - UNIXCB(skb).consumed;
		if (sk->sk_type == SOCK_DGRAM)
			break;
	}
	return n;
}

/* A growable array of the embryos a listener's queue holds. */
struct unix_diag_buf {
	struct sock	**embryo;
	unsigned long	*icons;
	unsigned int	size;
};

static int unix_diag_buf_grow(struct unix_diag_buf *b, unsigned int n)
{
	struct sock **e;
	unsigned long *i;

	if (n <= b->size)
		return 0;
	e = realloc(b->embryo, n * sizeof(*e));
	if (!e)
		return -ENOMEM;
	b->embryo = e;
	i = realloc(b->icons, n * sizeof(*i));
	if (!i)
		return -ENOMEM;
	b->icons = i;
	b->size = n;
	return 0;
}

/* Fills @info about @sk; u->lock is taken here, unix_table_lock held. */
static int unix_diag_describe(struct sock *sk, struct unix_diag_info *info,
			      struct unix_diag_buf *b)
{
	struct unix_sock *u = unix_sk(sk);
	struct unix_address *addr;
	struct sk_buff *skb;
	struct sock *peer;
	unsigned int n = 0;
	int err = 0;

	memset(info, 0, sizeof(*info));
	unix_state_lock(sk);
	info->sk = sk;
	if (sk->sk_socket) {
		info->ino = sk->sk_socket->ino;
		info->uid = (int)sk->sk_socket->uid;
	}
	peer = u->peer;
	info->type = sk->sk_type;
	info->state = sk->sk_state;
	info->shutdown = sk->sk_shutdown;
	addr = u->addr;
	if (addr) {
		info->name_len = addr->len - UNIX_PATH_OFF;
		memcpy(info->name, addr->name.sun_path, (size_t)info->name_len);
	}
	if (sk->sk_state == TCP_LISTEN) {
		info->rqueue = skb_queue_len(&sk->sk_receive_queue);
		info->wqueue = (uint32_t)u->max_ack_backlog;
		err = unix_diag_buf_grow(b, info->rqueue);
		for (skb = sk->sk_receive_queue.next; !err &&
		     skb != (struct sk_buff *)&sk->sk_receive_queue;
		     skb = skb->next)
			if (UNIXCB(skb).embryo)
				b->embryo[n++] = UNIXCB(skb).embryo;
	} else {
		info->rqueue = unix_diag_inq(sk);
		/* unix_outq_len(): what the peer has not read yet. */
		info->wqueue = (uint32_t)atomic_load(&sk->sk_wmem_alloc);
	}
	info->rcvbuf = (uint32_t)sk->sk_rcvbuf;
	info->sndbuf = (uint32_t)sk->sk_sndbuf;
	info->rmem_alloc = (uint32_t)atomic_load(&sk->sk_rmem_alloc);
	info->wmem_alloc = (uint32_t)atomic_load(&sk->sk_wmem_alloc);
	info->drops = atomic_load(&sk->sk_drops);
	unix_state_unlock(sk);
	if (err)
		return err;

	/* Peers by their sockets' inodes: 0 for one not accepted yet. */
	info->peer = peer != NULL;
	info->peer_ino = peer ? unix_diag_ino(peer) : 0;
	/* A waiting connection is named by its connecting socket, as on Linux. */
	for (unsigned int i = 0; i < n; i++) {
		struct sock *c = unix_diag_peer(b->embryo[i]);

		b->icons[i] = c ? unix_diag_ino(c) : 0;
	}
	info->icons = b->icons;
	info->nicons = n;
	return 0;
}

int unix_diag_walk(struct usn_net *net,
		   int (*fn)(const struct unix_diag_info *info, void *arg),
		   void *arg)
{
	struct unix_diag_buf b = { 0 };
	struct unix_diag_info info;
	struct unix_sock *u;
	int r = 0;

	unix_table_lock();
	list_for_each_entry(u, &unix_all_socks, all_link) {
		if (sock_net(&u->sk) != net)
			continue;
		r = unix_diag_describe(&u->sk, &info, &b);
		if (!r)
			r = fn(&info, arg);
		if (r)
			break;
	}
	unix_table_unlock();
	free(b.embryo);
	free(b.icons);
	return r;
}

/* ---- start-up ------------------------------------------------------------ */

static const struct net_proto_family unix_family_ops = {
	.family	= PF_UNIX,
	.create	= unix_create,
};

int unix_init(void)
{
	int err = sock_register(&unix_family_ops);

	return err ? err : unix_diag_init();
}
