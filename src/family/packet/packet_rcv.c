/* SPDX-License-Identifier: MIT */
/*
 * packet_rcv.c - what a packet socket does with a frame its hook is
 * handed, after packet_rcv() and packet_rcv_spkt() in
 * net/packet/af_packet.c.
 *
 * The frame arrives with data past the link header (on receive, after
 * eth_type_trans; outgoing copies from dev_queue_xmit_nit likewise).
 * SOCK_RAW and SOCK_PACKET read from the link header, SOCK_DGRAM from the
 * network header. The socket filter sees what the reader will see and
 * decides how much of it to keep. Several hooks may share one sk_buff
 * (deliver_skb takes a reference, not a copy): a hook that moves data
 * clones first, and restores the shared buffer for the next hook.
 */
#include <string.h>
#include "core/filter.h"
#include "family/packet/internal.h"
#include "net/net.h"

bool packet_rcv_prepare(struct sock *sk, struct sk_buff *skb,
			struct net_device *dev)
{
	/* Frames a device sends to itself are seen once, as PACKET_OUTGOING. */
	if (skb->pkt_type == PACKET_LOOPBACK)
		return false;
	if (dev_net(dev) != sock_net(sk))
		return false;
	if (dev->header_ops) {
		if (sk->sk_type != SOCK_DGRAM)
			skb_push(skb, (unsigned int)(skb->data - skb_mac_header(skb)));
		else if (skb->pkt_type == PACKET_OUTGOING)
			skb_pull(skb, (unsigned int)(skb_network_header(skb) -
						     skb->data));
	}
	return true;
}

void packet_fill_sll(struct sock *sk, struct sk_buff *skb,
		     struct net_device *dev, struct net_device *orig_dev,
		     struct sockaddr_ll *sll)
{
	unsigned char addr[MAX_ADDR_LEN];
	int n = 0;

	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_hatype = dev->type;
	sll->sll_protocol = skb->protocol;
	sll->sll_pkttype = skb->pkt_type;
	sll->sll_ifindex = pkt_sk(sk)->origdev && orig_dev ? orig_dev->ifindex :
							    dev->ifindex;
	if (dev->header_ops && dev->header_ops->parse &&
	    skb_mac_header_was_set(skb))
		n = dev->header_ops->parse(skb, addr);
	n = min_t(int, n, (int)sizeof(sll->sll_addr));
	sll->sll_halen = (unsigned char)n;
	memcpy(sll->sll_addr, addr, (size_t)n);
}

/* Gives back a shared buffer with the data where the previous hook left it. */
static void packet_restore(struct sk_buff *skb, unsigned char *head,
			   unsigned int len)
{
	if (skb->data != head) {
		skb->data = head;
		skb->len = len;
	}
}

int packet_rcv(struct sk_buff *skb, struct net_device *dev,
	       struct packet_type *pt, struct net_device *orig_dev)
{
	struct sock *sk = pt->af_packet_priv;
	struct packet_sock *po = pkt_sk(sk);
	unsigned char *skb_head = skb->data;
	unsigned int skb_len = skb->len, snaplen, origlen;
	enum skb_drop_reason reason = SKB_DROP_REASON_SOCKET_RCVBUFF;
	struct sk_buff *nskb;
	uint32_t res;

	if (!packet_rcv_prepare(sk, skb, dev))
		goto drop;
	snaplen = skb->len;
	res = sk_run_filter(sk, skb);
	if (!res)
		goto drop_n_restore;		/* not a drop: not wanted */
	if (snaplen > res)
		snaplen = res;
	if (atomic_load(&sk->sk_rmem_alloc) >= sk->sk_rcvbuf)
		goto drop_n_acct;
	if (skb_shared(skb)) {
		nskb = skb_clone(skb);
		if (!nskb) {
			reason = SKB_DROP_REASON_NOMEM;
			goto drop_n_acct;
		}
		packet_restore(skb, skb_head, skb_len);
		consume_skb(skb);
		skb = nskb;
	}
	origlen = skb->len;
	packet_fill_sll(sk, skb, dev, orig_dev, &PACKET_SKB_CB(skb)->sa.ll);
	PACKET_SKB_CB(skb)->origlen = origlen;
	skb_trim(skb, snaplen);
	skb_set_owner_r(skb, sk);
	skb->dev = NULL;
	skb->skb_iif = dev->ifindex;
	po->stats.tp_packets++;
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	return 0;

drop_n_acct:
	po->stats.tp_drops++;
	atomic_fetch_add(&sk->sk_drops, 1);
	packet_restore(skb, skb_head, skb_len);
	kfree_skb_reason(skb, reason);
	return 0;
drop_n_restore:
	packet_restore(skb, skb_head, skb_len);
drop:
	consume_skb(skb);
	return 0;
}

/* SOCK_PACKET: the whole frame, named by device, through sock_queue_rcv_skb. */
int packet_rcv_spkt(struct sk_buff *skb, struct net_device *dev,
		    struct packet_type *pt, struct net_device *orig_dev)
{
	struct sock *sk = pt->af_packet_priv;
	unsigned char *skb_head = skb->data;
	unsigned int skb_len = skb->len;
	enum skb_drop_reason reason;
	struct sockaddr_pkt *spkt;
	struct sk_buff *nskb;

	(void)orig_dev;
	if (skb->pkt_type == PACKET_LOOPBACK || dev_net(dev) != sock_net(sk))
		goto drop;
	skb_push(skb, (unsigned int)(skb->data - skb_mac_header(skb)));
	if (skb_shared(skb)) {
		nskb = skb_clone(skb);
		packet_restore(skb, skb_head, skb_len);
		if (!nskb)
			goto drop;
		consume_skb(skb);
		skb = nskb;
	}
	spkt = &PACKET_SKB_CB(skb)->sa.pkt;
	memset(spkt, 0, sizeof(*spkt));
	/* The old API names the hardware type where a family would be. */
	spkt->spkt_family = dev->type;
	memcpy(spkt->spkt_device, dev->name,
	       min_t(size_t, strlen(dev->name), sizeof(spkt->spkt_device)));
	spkt->spkt_protocol = skb->protocol;
	skb->skb_iif = dev->ifindex;
	if (sock_queue_rcv_skb_reason(sk, skb, &reason) == 0)
		return 0;
	if (reason == SKB_DROP_REASON_SOCKET_FILTER) {
		consume_skb(skb);
		return 0;
	}
	kfree_skb_reason(skb, reason);
	return 0;

drop:
	consume_skb(skb);
	return 0;
}
