/* SPDX-License-Identifier: MIT */
/*
 * ip_fragment.c - reassembly of IPv4 fragments (RFC 791, RFC 815), after
 * net/ipv4/ip_fragment.c and inet_fragment.c.
 *
 * Fragments wait in a queue per (source, destination, ID, protocol),
 * found through a hash table keyed with a per-namespace secret (so nobody
 * can aim fragments at one chain). Each queue lives at most ipfrag_time
 * seconds from its first fragment; when it expires the datagram is lost
 * (ReasmTimeout) and, if its first fragment came, the sender is told
 * (ICMP time exceeded, fragment reassembly time exceeded).
 *
 * What the namespace holds is bounded by net.ipv4.ipfrag_high_thresh:
 * every queue and every fragment is charged by its true size, and a
 * fragment that would pass the limit is dropped (ReasmFails), as the
 * kernel does since it stopped evicting queues.
 *
 * Overlaps follow RFC 5722 as the kernel applies it to IPv4 since 2018: a
 * fragment that covers part of what is already there discards the whole
 * datagram (ReasmOverlaps); one that lies entirely inside what is already
 * there is a duplicate and is dropped alone. Coverage is kept as a bitmap
 * of 8-byte blocks (at most 8192 of them), so each fragment costs time in
 * proportion to its own length whatever order the fragments come in, and
 * fragments sit in arrival order: reassembly copies each to its offset.
 */
#include <errno.h>
#include <stdlib.h>
#include "link/netdevice.h"
#include "net/net.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/ip_private.h"
#include "wire/checksum.h"

#define IPQ_HASHSZ		1024
#define IPQ_BLOCK		8	/* fragment offsets count 8-byte blocks */

/* qp->flags */
#define INET_FRAG_FIRST_IN	0x01
#define INET_FRAG_LAST_IN	0x02

/* ECN codepoints seen among the fragments (RFC 3168 5.3) */
#define IPFRAG_ECN_NOT_ECT	0x01
#define IPFRAG_ECN_CE		0x08
#define INET_ECN_MASK		0x03

struct ipq {
	struct hlist_node	list;		/* hash chain */
	struct usn_net		*net;
	struct timer_list	timer;		/* ipfrag_time after the first fragment */
	uint32_t		saddr;
	uint32_t		daddr;
	uint16_t		id;
	uint8_t			protocol;
	uint8_t			flags;		/* INET_FRAG_* */
	uint8_t			ecn;		/* IPFRAG_ECN_* seen */
	int			iif;		/* where the first fragment came in */
	unsigned int		len;		/* payload length known so far */
	unsigned int		meat;		/* payload bytes received */
	unsigned int		max_size;	/* largest fragment, header included */
	unsigned int		max_df_size;	/* largest fragment with DF set */
	unsigned long		mem;		/* bytes charged to the table */
	struct sk_buff_head	frags;		/* in arrival order */
	struct sk_buff		*head;		/* the fragment at offset 0 */
	uint64_t		*map;		/* 8-byte blocks covered */
	unsigned int		map_words;
};

struct ipq_table {
	struct hlist_head	hash[IPQ_HASHSZ];
	uint32_t		key[4];
	unsigned long		mem;		/* truesize of everything queued */
	unsigned int		nqueues;
};

/* What a queued fragment keeps in skb->cb, behind IP's own. */
struct ipfrag_skb_cb {
	struct inet_skb_parm	h;
	uint16_t		offset;		/* of its payload in the datagram */
};

#define FRAG_CB(skb)	((struct ipfrag_skb_cb *)((skb)->cb))

_Static_assert(sizeof(struct ipfrag_skb_cb) <= SKB_CB_SIZE,
	       "the fragment's control block fits in skb->cb");

enum { IPFRAG_OK, IPFRAG_DUP, IPFRAG_OVERLAP };

static struct ipq_table *ipq_table(const struct usn_net *net)
{
	return net->ipv4->frags;
}

unsigned long ipfrag_mem(const struct usn_net *net)
{
	return net->ipv4 && ipq_table(net) ? ipq_table(net)->mem : 0;
}

unsigned int ipfrag_queues(const struct usn_net *net)
{
	return net->ipv4 && ipq_table(net) ? ipq_table(net)->nqueues : 0;
}

static void ipq_charge(struct ipq *qp, unsigned long bytes)
{
	qp->mem += bytes;
	ipq_table(qp->net)->mem += bytes;
}

/* Takes the queue away with everything in it (inet_frag_kill + destroy). */
static void ipq_kill(struct ipq *qp, enum skb_drop_reason reason)
{
	struct ipq_table *tbl = ipq_table(qp->net);

	del_timer(&qp->timer);
	hlist_del_init(&qp->list);
	skb_queue_purge_reason(&qp->frags, reason);
	tbl->mem -= qp->mem;
	tbl->nqueues--;
	free(qp->map);
	free(qp);
}

/*
 * The queue's time is up: the datagram is lost. Only an end host tells the
 * sender (RFC 792), and only when the first fragment came, since that is
 * the one an ICMP error can quote.
 */
static void ip_expire(struct timer_list *t)
{
	struct ipq *qp = container_of(t, struct ipq, timer);
	struct usn_net *net = qp->net;
	struct sk_buff *head = NULL;
	struct net_device *dev;

	IP_INC_STATS(net, ReasmFails);
	IP_INC_STATS(net, ReasmTimeout);
	if ((qp->flags & INET_FRAG_FIRST_IN) && qp->head) {
		head = qp->head;
		__skb_unlink(head, &qp->frags);
		qp->head = NULL;
	}
	ipq_kill(qp, SKB_DROP_REASON_FRAG_REASM_TIMEOUT);
	if (!head)
		return;
	/* The device may have gone while the fragments waited. */
	dev = dev_get_by_index(net, FRAG_CB(head)->h.iif);
	if (dev) {
		head->dev = dev;
		icmp_send(head, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0);
	}
	kfree_skb_reason(head, SKB_DROP_REASON_FRAG_REASM_TIMEOUT);
}

static unsigned int ipq_hashfn(const struct ipq_table *tbl, uint32_t saddr,
			       uint32_t daddr, uint16_t id, uint8_t protocol)
{
	return ip_hash_3u32(tbl->key, saddr, daddr,
			    (uint32_t)id << 16 | protocol) & (IPQ_HASHSZ - 1);
}

/* The queue of this datagram, created if it is the first fragment seen. */
static struct ipq *ip_find(struct usn_net *net, const uint8_t *iph,
			   unsigned int truesize)
{
	struct ipq_table *tbl = ipq_table(net);
	uint32_t saddr = ipv4_saddr(iph), daddr = ipv4_daddr(iph);
	uint16_t id = ipv4_id(iph);
	uint8_t protocol = ipv4_protocol(iph);
	unsigned int h = ipq_hashfn(tbl, saddr, daddr, id, protocol);
	struct ipq *qp;

	hlist_for_each_entry(qp, &tbl->hash[h], list) {
		if (qp->saddr == saddr && qp->daddr == daddr &&
		    qp->id == id && qp->protocol == protocol)
			return qp;
	}
	if (tbl->mem + sizeof(*qp) + truesize >
	    (unsigned long)net->sysctl.ipfrag_high_thresh)
		return NULL;
	qp = calloc(1, sizeof(*qp));
	if (!qp)
		return NULL;
	qp->net = net;
	qp->saddr = saddr;
	qp->daddr = daddr;
	qp->id = id;
	qp->protocol = protocol;
	skb_queue_head_init(&qp->frags);
	INIT_HLIST_NODE(&qp->list);
	hlist_add_head(&qp->list, &tbl->hash[h]);
	tbl->nqueues++;
	ipq_charge(qp, sizeof(*qp));
	timer_setup(&qp->timer, &net->timers, ip_expire);
	mod_timer(&qp->timer, net_jiffies(net) +
		  (uint64_t)net->sysctl.ipfrag_time * HZ);
	return qp;
}

/* Bits [b0, b1) of @map set: how many. */
static unsigned int map_count(const uint64_t *map, unsigned int b0,
			      unsigned int b1)
{
	unsigned int n = 0;

	while (b0 < b1) {
		unsigned int w = b0 / 64, lo = b0 % 64;
		unsigned int hi = min_t(unsigned int, 64, lo + (b1 - b0));
		uint64_t mask = (hi - lo == 64) ? ~0ULL :
				((1ULL << (hi - lo)) - 1) << lo;

		n += (unsigned int)__builtin_popcountll(map[w] & mask);
		b0 += hi - lo;
	}
	return n;
}

static void map_set(uint64_t *map, unsigned int b0, unsigned int b1)
{
	while (b0 < b1) {
		unsigned int w = b0 / 64, lo = b0 % 64;
		unsigned int hi = min_t(unsigned int, 64, lo + (b1 - b0));
		uint64_t mask = (hi - lo == 64) ? ~0ULL :
				((1ULL << (hi - lo)) - 1) << lo;

		map[w] |= mask;
		b0 += hi - lo;
	}
}

/* Is [offset, end) new, a duplicate, or an overlap of what the queue holds? */
static int ipq_range_check(const struct ipq *qp, unsigned int offset,
			   unsigned int end)
{
	unsigned int b0 = offset / IPQ_BLOCK;
	unsigned int b1 = (end + IPQ_BLOCK - 1) / IPQ_BLOCK;
	unsigned int covered;

	b1 = min_t(unsigned int, b1, qp->map_words * 64);
	covered = b0 < b1 ? map_count(qp->map, b0, b1) : 0;
	if (!covered)
		return IPFRAG_OK;
	if (covered == (end + IPQ_BLOCK - 1) / IPQ_BLOCK - b0)
		return IPFRAG_DUP;
	return IPFRAG_OVERLAP;
}

static unsigned int ipq_map_words(unsigned int end)
{
	return (end + IPQ_BLOCK * 64 - 1) / (IPQ_BLOCK * 64);
}

/* The bytes the bitmap must grow by to cover @end bytes. */
static unsigned long ipq_map_growth(const struct ipq *qp, unsigned int end)
{
	unsigned int words = ipq_map_words(end);

	return words > qp->map_words ?
	       (words - qp->map_words) * sizeof(*qp->map) : 0;
}

/* Makes the bitmap cover @end bytes; the bytes it grew by, or -ENOMEM. */
static long ipq_map_grow(struct ipq *qp, unsigned int end)
{
	unsigned int words = ipq_map_words(end);
	uint64_t *map;

	if (words <= qp->map_words)
		return 0;
	map = realloc(qp->map, words * sizeof(*map));
	if (!map)
		return -ENOMEM;
	memset(map + qp->map_words, 0,
	       (words - qp->map_words) * sizeof(*map));
	qp->map = map;
	words -= qp->map_words;
	qp->map_words += words;
	return (long)(words * sizeof(*map));
}

/* Which ECN combinations are legal (RFC 3168 5.3): not-ECT with ECT is not. */
static bool ipq_ecn_valid(uint8_t ecn)
{
	return !(ecn & IPFRAG_ECN_NOT_ECT) || ecn == IPFRAG_ECN_NOT_ECT;
}

/* Builds the whole datagram in a new linear sk_buff; the queue goes. */
static int ip_frag_reasm(struct ipq *qp, struct sk_buff **pskb)
{
	struct usn_net *net = qp->net;
	struct sk_buff *last = *pskb, *skb, *frag;
	const uint8_t *hiph = skb_network_header(qp->head);
	unsigned int hlen = ipv4_hlen(hiph);
	unsigned int total = hlen + qp->len;
	uint8_t *iph;
	int err = -EINVAL;

	if (!ipq_ecn_valid(qp->ecn))
		goto out_fail;
	err = -ENOMEM;
	skb = alloc_skb_headroom(total, USN_MAX_HEADER);
	if (!skb)
		goto out_fail;
	iph = skb_put(skb, total);
	memcpy(iph, hiph, hlen);
	for (frag = qp->frags.next; frag != (struct sk_buff *)&qp->frags;
	     frag = frag->next)
		memcpy(iph + hlen + FRAG_CB(frag)->offset, frag->data, frag->len);

	ipv4_set_tot_len(iph, (uint16_t)total);
	/* DF stays if every fragment as large as the largest had it. */
	ipv4_set_frag_off(iph, qp->max_df_size == qp->max_size ? IP_DF : 0);
	if (qp->ecn & IPFRAG_ECN_CE)
		iph[1] |= INET_ECN_MASK;
	ipv4_set_check(iph, 0);
	ipv4_set_check(iph, ip_fast_csum(iph, hlen / 4));

	skb->dev = last->dev;
	skb->skb_iif = last->skb_iif;
	skb->pkt_type = last->pkt_type;
	skb->protocol = last->protocol;
	skb->tstamp = last->tstamp;
	memcpy(skb->cb, last->cb, sizeof(struct inet_skb_parm));
	skb_reset_network_header(skb);
	skb->transport_header = (uint16_t)(skb->network_header + hlen);
	IPCB(skb)->flags |= IPSKB_FRAG_COMPLETE;
	IPCB(skb)->frag_max_size = (uint16_t)qp->max_size;
	IPCB(skb)->tos = iph[1];

	*pskb = skb;
	ipq_kill(qp, SKB_DROP_REASON_NOT_SPECIFIED);	/* the pieces are copied */
	IP_INC_STATS(net, ReasmOKs);
	return 0;

out_fail:
	*pskb = NULL;
	ipq_kill(qp, SKB_DROP_REASON_NOT_SPECIFIED);
	IP_INC_STATS(net, ReasmFails);
	return err;
}

/* Adds the fragment to its queue; reassembles when the last piece is in. */
static int ip_frag_queue(struct ipq *qp, struct sk_buff **pskb)
{
	struct usn_net *net = qp->net;
	struct sk_buff *skb = *pskb;
	const uint8_t *iph = ip_hdr(skb);
	unsigned int frag_off = ipv4_frag_off(iph);
	unsigned int offset = (frag_off & IP_OFFSET) << 3;
	unsigned int ihl = ipv4_hlen(iph);
	unsigned int end = offset + skb->len - ihl;
	unsigned int fragsize = skb->len;
	long grown;
	int err = -EINVAL;

	/* A datagram cannot grow past 64 KiB: the "ping of death". */
	if (ihl + end > IPV4_MAX_LEN)
		goto discard_qp;
	if (!(frag_off & IP_MF)) {
		/* The last fragment: nothing may lie beyond it, nor another end. */
		if (end < qp->len ||
		    ((qp->flags & INET_FRAG_LAST_IN) && end != qp->len))
			goto discard_qp;
		qp->flags |= INET_FRAG_LAST_IN;
		qp->len = end;
	} else {
		/* Others carry whole 8-byte blocks: a ragged end is cut. */
		end &= ~7u;
		if (end > qp->len) {
			if (qp->flags & INET_FRAG_LAST_IN)
				goto discard_qp;
			qp->len = end;
		}
	}
	if (end == offset)
		goto discard_qp;

	switch (ipq_range_check(qp, offset, end)) {
	case IPFRAG_DUP:
		kfree_skb_reason(skb, SKB_DROP_REASON_DUP_FRAG);
		return -EINVAL;
	case IPFRAG_OVERLAP:
		IP_INC_STATS(net, ReasmOverlaps);
		goto discard_qp;
	}

	/* Room for it within the namespace's limit, else it alone goes. */
	err = -ENOMEM;
	if (ipq_table(net)->mem + skb->truesize + ipq_map_growth(qp, end) >
	    (unsigned long)net->sysctl.ipfrag_high_thresh) {
		IP_INC_STATS(net, ReasmFails);
		kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
		*pskb = NULL;
		return err;
	}
	grown = ipq_map_grow(qp, end);
	if (grown < 0)
		goto discard_qp;
	ipq_charge(qp, (unsigned long)grown);
	map_set(qp->map, offset / IPQ_BLOCK, (end + IPQ_BLOCK - 1) / IPQ_BLOCK);

	skb_pull(skb, ihl);
	skb_trim(skb, end - offset);
	FRAG_CB(skb)->offset = (uint16_t)offset;
	__skb_queue_tail(&qp->frags, skb);
	ipq_charge(qp, skb->truesize);
	qp->meat += end - offset;
	qp->ecn |= (uint8_t)(1u << (ipv4_tos(iph) & INET_ECN_MASK));
	if (fragsize > qp->max_size)
		qp->max_size = fragsize;
	if ((frag_off & IP_DF) && fragsize > qp->max_df_size)
		qp->max_df_size = fragsize;
	if (offset == 0) {
		qp->flags |= INET_FRAG_FIRST_IN;
		qp->head = skb;
		qp->iif = IPCB(skb)->iif;
	}

	if (qp->flags == (INET_FRAG_FIRST_IN | INET_FRAG_LAST_IN) &&
	    qp->meat == qp->len)
		return ip_frag_reasm(qp, pskb);
	*pskb = NULL;
	return -EINPROGRESS;

discard_qp:
	ipq_kill(qp, SKB_DROP_REASON_NOT_SPECIFIED);
	IP_INC_STATS(net, ReasmFails);
	kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
	*pskb = NULL;
	return err;
}

int ip_defrag(struct usn_net *net, struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct ipq *qp;

	IP_INC_STATS(net, ReasmReqds);
	qp = ip_find(net, ip_hdr(skb), skb->truesize);
	if (!qp) {
		IP_INC_STATS(net, ReasmFails);
		kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
		*pskb = NULL;
		return -ENOMEM;
	}
	return ip_frag_queue(qp, pskb);
}

int ipfrag_net_init(struct usn_net *net)
{
	struct ipq_table *tbl = calloc(1, sizeof(*tbl));

	if (!tbl)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(tbl->key); i++)
		tbl->key[i] = net_random_u32(net);
	net->ipv4->frags = tbl;
	return 0;
}

void ipfrag_net_exit(struct usn_net *net)
{
	struct ipq_table *tbl = ipq_table(net);

	if (!tbl)
		return;
	for (unsigned int h = 0; h < IPQ_HASHSZ; h++) {
		while (tbl->hash[h].first)
			ipq_kill(hlist_entry(tbl->hash[h].first, struct ipq, list),
				 SKB_DROP_REASON_NOT_SPECIFIED);
	}
	free(tbl);
	net->ipv4->frags = NULL;
}
