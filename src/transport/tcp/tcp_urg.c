// SPDX-License-Identifier: MIT
/*
 * tcp_urg.c - urgent data as Linux handles it (RFC 9293 3.8.5 with the
 * BSD reading of the pointer, Linux's tcp_stdurg = 0).
 *
 * The urgent pointer of a segment points one past the urgent byte. Only
 * the last urgent byte announced is kept: urg_seq is its sequence number,
 * urg_data says whether it arrived (TCP_URG_VALID, with the byte), is
 * still to come (TCP_URG_NOTYET) or was taken by recv(MSG_OOB)
 * (TCP_URG_READ). Without SO_OOBINLINE the byte stays in the receive
 * queue but the reader skips it (tcp_recvmsg); a read stops at the mark.
 * Linux also sends SIGURG to the owner (sk_send_sigurg): usnet has no
 * processes to signal, so the announcement is POLLPRI only.
 *
 * The send side is small enough to live in tcp.c (tcp_push sets snd_up)
 * and tcp_output.c (tcp_transmit_skb writes the pointer).
 */
#include <errno.h>
#include <sys/socket.h>

#include "transport/tcp/tcp_var.h"

/* A segment with URG: remember the pointer if it is new (tcp_check_urg). */
static void tcp_check_urg(struct sock *sk, const uint8_t *th)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t ptr = tcp_urg_ptr(th);

	/* BSD: the pointer is one past the urgent byte. */
	if (ptr)
		ptr--;
	ptr += tcp_seq(th);

	/* Already read past it, or a pointer into what we hold: old news. */
	if (after(tp->copied_seq, ptr))
		return;
	if (before(ptr, tp->rcv_nxt))
		return;
	/* The same pointer again, or an older one. */
	if (tp->urg_data && !after(ptr, tp->urg_seq))
		return;

	/*
	 * A new mark while the reader sits on the old urgent byte: that byte
	 * is no longer special, so step over it now (it would otherwise be
	 * delivered in band once urg_seq moves).
	 */
	if (tp->urg_seq == tp->copied_seq && tp->urg_data &&
	    !sock_flag(sk, SOCK_URGINLINE) && tp->copied_seq != tp->rcv_nxt) {
		struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);

		tp->copied_seq++;
		if (skb && !before(tp->copied_seq, TCP_SKB_CB(skb)->end_seq)) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			consume_skb(skb);
		}
	}
	tp->urg_data = TCP_URG_NOTYET;
	tp->urg_seq = ptr;
}

void tcp_urg(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const uint8_t *th = skb->data;
	uint32_t ptr;

	if (tcp_flags(th) & TCPHDR_URG)
		tcp_check_urg(sk, th);
	if (tp->urg_data != TCP_URG_NOTYET)
		return;
	/* Does this segment carry the announced byte? Offset in skb->data. */
	ptr = tp->urg_seq - tcp_seq(th) + tcp_doff(th) -
	      !!(tcp_flags(th) & TCPHDR_SYN);
	if (ptr < skb->len && ptr >= tcp_doff(th)) {
		tp->urg_data = (uint16_t)(TCP_URG_VALID | skb->data[ptr]);
		if (!sock_flag(sk, SOCK_DEAD))
			sk->sk_data_ready(sk);
	}
}

/*
 * recv(MSG_OOB) (tcp_recv_urg): never blocks. EINVAL when there is no
 * urgent byte to give (none, already read, or delivered in band with
 * SO_OOBINLINE); EAGAIN when it is announced but has not arrived.
 */
int tcp_recv_urg(struct sock *sk, struct kmsghdr *msg, size_t len, int flags)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (sock_flag(sk, SOCK_URGINLINE) || !tp->urg_data ||
	    tp->urg_data == TCP_URG_READ)
		return -EINVAL;
	if (sk->sk_state == TCP_CLOSE && !sock_flag(sk, SOCK_DONE))
		return -ENOTCONN;
	if (tp->urg_data & TCP_URG_VALID) {
		uint8_t c = (uint8_t)tp->urg_data;
		int err = 0;

		if (!(flags & MSG_PEEK))
			tp->urg_data = TCP_URG_READ;
		msg->msg_flags |= MSG_OOB;
		if (!len) {
			msg->msg_flags |= MSG_TRUNC;
			return 0;
		}
		if (!(flags & MSG_TRUNC))
			err = memcpy_to_msg(msg, &c, 1);
		return err ? -EFAULT : 1;
	}
	if (sk->sk_state == TCP_CLOSE || (sk->sk_shutdown & RCV_SHUTDOWN))
		return 0;
	return -EAGAIN;
}
