/* SPDX-License-Identifier: MIT */
/*
 * ip_sockglue.c - what an inet socket says to IP and IP says back, after
 * net/ipv4/ip_sockglue.c: the options of level IPPROTO_IP, the control
 * messages of sendmsg (IP_PKTINFO, IP_TTL, IP_TOS) and recvmsg, and the
 * error queue of IP_RECVERR read with MSG_ERRQUEUE.
 */
#include <errno.h>
#include <time.h>		/* struct timespec, for linux/errqueue.h */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include "family/inet/inet_sock.h"
#include "net/net.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"
#include "wire/checksum.h"

/*
 * What an error-queue skb carries in its control block, after the kernel's
 * struct sock_exterr_skb: IPCB stays first (IP_PKTINFO of the ICMP
 * message), then the extended error and where it was going.
 */
struct sock_exterr_skb {
	struct inet_skb_parm	h4;
	struct sock_extended_err ee;
	uint32_t		addr;		/* destination of the failed datagram */
	uint32_t		offender;	/* who sent the ICMP error */
	uint16_t		port;		/* its destination port (network order) */
};

_Static_assert(sizeof(struct sock_exterr_skb) <= SKB_CB_SIZE,
	       "the extended error fits in skb->cb");

#define SKB_EXT_ERR(skb)	((struct sock_exterr_skb *)(void *)((skb)->cb))

/* ---- options ------------------------------------------------------------- */

static void inet_assign_cmsg(struct inet_sock *inet, uint8_t flag, int val)
{
	if (val)
		inet->cmsg_flags |= flag;
	else
		inet->cmsg_flags &= (uint8_t)~flag;
}

int ip_setsockopt(struct sock *sk, int level, int optname,
		  const void *optval, unsigned int optlen)
{
	struct inet_sock *inet = inet_sk(sk);
	int val = 0;

	if (level != SOL_IP)
		return -ENOPROTOOPT;
	/* An option usnet lacks is ENOPROTOOPT before optval is read. */
	switch (optname) {
	case IP_PKTINFO:
	case IP_RECVTTL:
	case IP_RECVTOS:
	case IP_RECVERR:
	case IP_FREEBIND:
	case IP_HDRINCL:
	case IP_TOS:
	case IP_TTL:
	case IP_MTU_DISCOVER:
		break;
	default:
		return -ENOPROTOOPT;
	}
	/* An int, or a single byte for the options that take either. */
	if (optlen >= sizeof(int)) {
		if (!optval)
			return -EFAULT;
		memcpy(&val, optval, sizeof(val));
	} else if (optlen >= 1) {
		if (!optval)
			return -EFAULT;
		val = *(const unsigned char *)optval;
	}

	switch (optname) {
	case IP_PKTINFO:
		inet_assign_cmsg(inet, IP_CMSG_PKTINFO, val);
		return 0;
	case IP_RECVTTL:
		inet_assign_cmsg(inet, IP_CMSG_TTL, val);
		return 0;
	case IP_RECVTOS:
		inet_assign_cmsg(inet, IP_CMSG_TOS, val);
		return 0;
	case IP_RECVERR:
		inet->recverr = !!val;
		if (!val)
			skb_queue_purge(&sk->sk_error_queue);
		return 0;
	case IP_FREEBIND:
		if (optlen < 1)
			return -EINVAL;
		inet->freebind = !!val;
		return 0;
	case IP_HDRINCL:
		if (sk->sk_type != SOCK_RAW)
			return -ENOPROTOOPT;
		inet->hdrincl = !!val;
		return 0;
	case IP_TOS:
		inet->tos = (uint8_t)val;
		return 0;
	case IP_TTL:
		if (optlen < 1)
			return -EINVAL;
		if (val != -1 && (val < 1 || val > 255))
			return -EINVAL;
		inet->uc_ttl = val;
		return 0;
	case IP_MTU_DISCOVER:
		if (val < IP_PMTUDISC_DONT || val > IP_PMTUDISC_OMIT)
			return -EINVAL;
		inet->pmtudisc = (uint8_t)val;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/* IP_MTU: the path MTU of a connected socket's route. */
static int ip_sk_route_mtu(struct sock *sk, int *val)
{
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 fl4;
	struct rtable rt;

	if (sk->sk_state != TCP_ESTABLISHED || !inet->inet_daddr)
		return -ENOTCONN;
	memset(&fl4, 0, sizeof(fl4));
	fl4.flowi4_oif = sk->sk_bound_dev_if;
	fl4.flowi4_tos = inet->tos;
	fl4.flowi4_proto = (uint8_t)sk->sk_protocol;
	fl4.daddr = inet->inet_daddr;
	fl4.saddr = inet->inet_saddr;
	fl4.fl4_sport = inet->inet_sport;
	fl4.fl4_dport = inet->inet_dport;
	if (ip_route_output_key(sock_net(sk), &fl4, &rt) || !rt.rt_mtu)
		return -ENOTCONN;
	*val = (int)rt.rt_mtu;
	return 0;
}

int ip_getsockopt(struct sock *sk, int level, int optname, void *optval,
		  int *optlen)
{
	struct inet_sock *inet = inet_sk(sk);
	int val, len, err;

	if (level != SOL_IP)
		return -EOPNOTSUPP;
	if (!optlen)
		return -EFAULT;
	len = *optlen;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case IP_PKTINFO:
		val = !!(inet->cmsg_flags & IP_CMSG_PKTINFO);
		break;
	case IP_RECVTTL:
		val = !!(inet->cmsg_flags & IP_CMSG_TTL);
		break;
	case IP_RECVTOS:
		val = !!(inet->cmsg_flags & IP_CMSG_TOS);
		break;
	case IP_TOS:
		val = inet->tos;
		break;
	case IP_TTL:
		val = ip_sk_ttl(sk);
		break;
	case IP_HDRINCL:
		val = inet->hdrincl;
		break;
	case IP_MTU_DISCOVER:
		val = inet->pmtudisc;
		break;
	case IP_MTU:
		err = ip_sk_route_mtu(sk, &val);
		if (err)
			return err;
		break;
	case IP_RECVERR:
		val = inet->recverr;
		break;
	case IP_FREEBIND:
		val = inet->freebind;
		break;
	default:
		return -ENOPROTOOPT;
	}

	/* A short buffer gets one byte when the value fits, as Linux. */
	if (len < (int)sizeof(int) && len > 0 && val >= 0 && val <= 255) {
		unsigned char ucval = (unsigned char)val;

		return sockopt_put(optval, optlen, &ucval, 1);
	}
	return sockopt_put(optval, optlen, &val, sizeof(int));
}

/* ---- control messages ---------------------------------------------------- */

void ip_cmsg_recv(struct kmsghdr *msg, struct sk_buff *skb)
{
	const struct inet_sock *inet;
	const uint8_t *iph = ip_hdr(skb);
	uint8_t flags;

	if (!skb->sk)
		return;
	inet = inet_sk(skb->sk);
	flags = inet->cmsg_flags;

	if (flags & IP_CMSG_PKTINFO) {
		struct in_pktinfo info;

		memset(&info, 0, sizeof(info));
		info.ipi_ifindex = IPCB(skb)->iif ? IPCB(skb)->iif :
						    skb->skb_iif;
		info.ipi_spec_dst.s_addr = IPCB(skb)->spec_dst ?
					   IPCB(skb)->spec_dst :
					   ipv4_daddr(iph);
		info.ipi_addr.s_addr = ipv4_daddr(iph);
		put_cmsg(msg, SOL_IP, IP_PKTINFO, sizeof(info), &info);
	}
	if (flags & IP_CMSG_TTL) {
		int ttl = ipv4_ttl(iph);

		put_cmsg(msg, SOL_IP, IP_TTL, sizeof(ttl), &ttl);
	}
	if (flags & IP_CMSG_TOS) {
		uint8_t tos = ipv4_tos(iph);

		/* One byte, as Linux sends it. */
		put_cmsg(msg, SOL_IP, IP_TOS, sizeof(tos), &tos);
	}
}

int ip_cmsg_send(struct sock *sk, struct kmsghdr *msg, struct ipcm_cookie *ipc)
{
	const char *p = msg->msg_control;
	size_t left = msg->msg_controllen;
	struct cmsghdr cm;

	if (!p)
		return left ? -EFAULT : 0;
	while (left >= sizeof(cm)) {
		const unsigned char *data = (const unsigned char *)p + CMSG_LEN(0);
		size_t dlen, step;

		memcpy(&cm, p, sizeof(cm));
		/* CMSG_OK: the header fits and the message stays in the buffer. */
		if (cm.cmsg_len < sizeof(cm) || cm.cmsg_len > left)
			return -EINVAL;
		dlen = cm.cmsg_len - CMSG_LEN(0);

		if (cm.cmsg_level == SOL_IP) {
			switch (cm.cmsg_type) {
			case IP_PKTINFO: {
				struct in_pktinfo info;

				if (cm.cmsg_len != CMSG_LEN(sizeof(info)))
					return -EINVAL;
				memcpy(&info, data, sizeof(info));
				if (info.ipi_ifindex)
					ipc->oif = info.ipi_ifindex;
				ipc->addr = info.ipi_spec_dst.s_addr;
				break;
			}
			case IP_TTL: {
				int val;

				if (cm.cmsg_len != CMSG_LEN(sizeof(int)))
					return -EINVAL;
				memcpy(&val, data, sizeof(val));
				if (val < 1 || val > 255)
					return -EINVAL;
				ipc->ttl = val;
				break;
			}
			case IP_TOS: {
				int val;

				if (dlen == sizeof(int))
					memcpy(&val, data, sizeof(val));
				else if (dlen == 1)
					val = data[0];
				else
					return -EINVAL;
				if (val < 0 || val > 255)
					return -EINVAL;
				ipc->tos = val;
				break;
			}
			default:
				return -EINVAL;
			}
		} else if (cm.cmsg_level == SOL_SOCKET) {
			/*
			 * Descriptors and credentials mean nothing to IP and
			 * are ignored, as Linux does; SO_MARK, SO_TIMESTAMPING
			 * and SCM_TXTIME are not supported yet.
			 */
			if (cm.cmsg_type != SCM_RIGHTS &&
			    cm.cmsg_type != SCM_CREDENTIALS)
				return -EINVAL;
		}
		step = CMSG_ALIGN(cm.cmsg_len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	(void)sk;
	return 0;
}

/* ---- the error queue ----------------------------------------------------- */

static void sock_rmem_free(struct sk_buff *skb)
{
	atomic_fetch_sub(&skb->sk->sk_rmem_alloc, (int)skb->truesize);
}

/* Charges @skb to @sk's receive buffer and queues it as an error. */
static int sock_queue_err_skb(struct sock *sk, struct sk_buff *skb)
{
	if (atomic_load(&sk->sk_rmem_alloc) + (int)skb->truesize >=
	    sk->sk_rcvbuf)
		return -ENOMEM;
	skb_orphan(skb);
	skb->sk = sk;
	skb->destructor = sock_rmem_free;
	skb->dev = NULL;
	atomic_fetch_add(&sk->sk_rmem_alloc, (int)skb->truesize);
	__skb_queue_tail(&sk->sk_error_queue, skb);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_error_report(sk);
	return 0;
}

static bool is_icmp_err_skb(const struct sk_buff *skb)
{
	return skb && SKB_EXT_ERR(skb)->ee.ee_origin == SO_EE_ORIGIN_ICMP;
}

/*
 * Takes the oldest error; the socket's pending error becomes the next
 * ICMP one's, or clears once the last ICMP error was read.
 */
static struct sk_buff *sock_dequeue_err_skb(struct sock *sk)
{
	struct sk_buff *skb, *skb_next;
	bool icmp_next = false;

	skb = __skb_dequeue(&sk->sk_error_queue);
	skb_next = skb_peek(&sk->sk_error_queue);
	if (skb && skb_next) {
		icmp_next = is_icmp_err_skb(skb_next);
		if (icmp_next)
			sk->sk_err = (int)SKB_EXT_ERR(skb_next)->ee.ee_errno;
	}
	if (is_icmp_err_skb(skb) && !icmp_next)
		sk->sk_err = 0;
	if (skb_next)
		sk->sk_error_report(sk);
	return skb;
}

/*
 * The ICMP message's own IP header (its source is SO_EE_OFFENDER; IP_TTL
 * and IP_PKTINFO describe it). An err_handler's skb has its network header
 * at the quoted datagram and its transport header at the ICMP header, and
 * the message's IP header ends where the ICMP header starts. Its length is
 * not recorded, so each possible length is tried: the right one has the
 * matching IHL nibble and a valid header checksum (ip_rcv checked it),
 * which no other candidate has in practice. NULL if none is found.
 */
static const uint8_t *icmp_outer_header(const struct sk_buff *skb)
{
	const uint8_t *icmph = skb_transport_header(skb);

	if (skb->transport_header == SKB_HDR_UNSET)
		return NULL;
	for (unsigned int hlen = IPV4_HLEN_MIN; hlen <= IPV4_HLEN_MAX;
	     hlen += 4) {
		const uint8_t *iph = icmph - hlen;

		if (iph < skb->head)
			break;
		if (ipv4_version(iph) == 4 && ipv4_hlen(iph) == hlen &&
		    ipv4_protocol(iph) == IPPROTO_ICMP &&
		    ip_fast_csum(iph, hlen / 4) == 0)
			return iph;
	}
	return NULL;
}

void ip_icmp_error(struct sock *sk, struct sk_buff *skb, int err,
		   uint16_t port, uint32_t info, const uint8_t *payload)
{
	struct sock_exterr_skb *serr;
	const uint8_t *quoted = skb->data, *outer;

	if (payload < skb->data || payload > skb->data + skb->len)
		return;
	outer = icmp_outer_header(skb);

	skb = skb_clone(skb);
	if (!skb)
		return;
	/* As in Linux, the queued error's network header is the ICMP message's. */
	if (outer)
		skb->network_header = skb_offset(skb, outer);
	serr = SKB_EXT_ERR(skb);
	memset(&serr->ee, 0, sizeof(serr->ee));
	serr->ee.ee_errno = (uint32_t)err;
	serr->ee.ee_origin = SO_EE_ORIGIN_ICMP;
	serr->ee.ee_type = (uint8_t)(info >> 8);
	serr->ee.ee_code = (uint8_t)info;
	serr->ee.ee_info = info >> 16;
	serr->addr = ipv4_daddr(quoted);
	serr->offender = outer ? ipv4_saddr(outer) : 0;
	serr->port = port;

	/* The queue holds what the datagram carried, past its headers. */
	skb_pull(skb, (unsigned int)(payload - skb->data));
	skb_reset_transport_header(skb);
	if (sock_queue_err_skb(sk, skb))
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
}

void ip_local_error(struct sock *sk, int err, uint32_t daddr, uint16_t port,
		    uint32_t info)
{
	struct sock_exterr_skb *serr;
	struct sk_buff *skb;

	if (!inet_sk(sk)->recverr)
		return;
	skb = alloc_skb(IPV4_HLEN_MIN);
	if (!skb)
		return;
	skb_reset_network_header(skb);
	serr = SKB_EXT_ERR(skb);
	memset(serr, 0, sizeof(*serr));
	serr->ee.ee_errno = (uint32_t)err;
	serr->ee.ee_origin = SO_EE_ORIGIN_LOCAL;
	serr->ee.ee_info = info;
	serr->addr = daddr;
	serr->port = port;
	skb_reset_transport_header(skb);
	if (sock_queue_err_skb(sk, skb))
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
}

int ip_recv_error(struct sock *sk, struct kmsghdr *msg, size_t len)
{
	struct sockaddr_in *sin = msg->msg_name;
	struct sock_exterr_skb *serr;
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in	 offender;
	} errhdr;
	struct sk_buff *skb;
	size_t copied;
	int err;

	skb = sock_dequeue_err_skb(sk);
	if (!skb)
		return -EAGAIN;
	copied = skb->len;
	if (copied > len) {
		msg->msg_flags |= MSG_TRUNC;
		copied = len;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, (int)copied);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	serr = SKB_EXT_ERR(skb);
	if (sin) {
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = serr->addr;
		sin->sin_port = serr->port;
		msg->msg_namelen = sizeof(*sin);
	}

	memset(&errhdr, 0, sizeof(errhdr));
	memcpy(&errhdr.ee, &serr->ee, sizeof(errhdr.ee));
	if (serr->ee.ee_origin == SO_EE_ORIGIN_ICMP) {
		/* SO_EE_OFFENDER: the host that sent the ICMP message. */
		errhdr.offender.sin_family = AF_INET;
		errhdr.offender.sin_addr.s_addr = serr->offender;
		if (inet_sk(sk)->cmsg_flags)
			ip_cmsg_recv(msg, skb);
	}
	put_cmsg(msg, SOL_IP, IP_RECVERR, sizeof(errhdr), &errhdr);
	msg->msg_flags |= MSG_ERRQUEUE;
	consume_skb(skb);
	return (int)copied;
}
