/* SPDX-License-Identifier: MIT */
/*
 * skbuff.h - struct sk_buff, the packet buffer of every layer.
 *
 * One linear data area per packet, taken from a size-class pool:
 *
 *     head          data              tail           end
 *      |  headroom   |   packet bytes   |   tailroom   | skb_shared_info |
 *
 * skb->len == tail - data. Headers are built by skb_push() into headroom that
 * the allocator reserved (USN_MAX_HEADER covers the deepest header stack);
 * parsers advance with skb_pull(), which refuses to run past the data.
 * Every mutator is checked: skb_put/push/pull return NULL instead of
 * overrunning, so a malformed packet can never become an overread.
 *
 * A clone shares the data area (dataref in skb_shared_info) and has its own
 * sk_buff head; the data is freed with its last reference. Writers that
 * change bytes another clone may see call skb_unshare() first.
 *
 * Offsets of the link, network and transport headers are kept relative to
 * head. On receive: mac_header is the Ethernet header, data points past it
 * once eth_type_trans() ran. On transmit: data points at the outermost
 * header built so far.
 */
#ifndef USN_CORE_SKBUFF_H
#define USN_CORE_SKBUFF_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "core/compiler.h"
#include "core/dropreason.h"

struct sock;
struct net_device;

/* Link (16) + IPv4 with options (60) + TCP with options (60), rounded up. */
#define USN_MAX_HEADER		160
#define SKB_CB_SIZE		48
#define SKB_HDR_UNSET		0xffff

/* skb->pkt_type, as in <linux/if_packet.h> */
#define PACKET_HOST		0
#define PACKET_BROADCAST	1
#define PACKET_MULTICAST	2
#define PACKET_OTHERHOST	3
#define PACKET_OUTGOING		4
#define PACKET_LOOPBACK		5

struct skb_shared_info {
	atomic_uint dataref;	/* sk_buffs pointing at this data area */
	uint8_t size_class;	/* pool class the area came from */
};

/*
 * The queue links, first in both struct sk_buff and struct sk_buff_head: a
 * queue's head is linked into the ring as if it were a buffer, and every
 * write through a link goes through this 16-byte view, never through the
 * whole struct sk_buff (which the head is not).
 */
struct skb_link {
	struct sk_buff	*next;
	struct sk_buff	*prev;
};

#define SKB_LINKS				\
	union {					\
		struct {			\
			struct sk_buff	*next;	\
			struct sk_buff	*prev;	\
		};				\
		struct skb_link	link;		\
	}

struct sk_buff {
	SKB_LINKS;
	struct sock		*sk;
	struct net_device	*dev;
	uint64_t		tstamp;		/* ns, namespace clock */
	char			cb[SKB_CB_SIZE] __attribute__((aligned(8)));
	void			(*destructor)(struct sk_buff *skb);
	unsigned int		len;
	unsigned int		truesize;	/* memory charged to a socket */
	uint16_t		mac_header;
	uint16_t		network_header;
	uint16_t		transport_header;
	uint16_t		protocol;	/* ethertype, network order */
	uint8_t			pkt_type;
	uint8_t			cloned : 1;
	int			skb_iif;	/* ifindex it arrived on */
	atomic_uint		users;
	unsigned char		*head;
	unsigned char		*data;
	uint32_t		tail;		/* offset from head */
	uint32_t		end;		/* offset from head */
};

struct sk_buff_head {
	SKB_LINKS;
	uint32_t	qlen;
};

static inline struct skb_link *skb_link(struct sk_buff *p)
{
	return (struct skb_link *)(void *)p;
}

/* Pool statistics, for leak checks and the memory benchmarks. */
struct skb_pool_stats {
	uint64_t heads_in_use;
	uint64_t data_in_use;
	uint64_t heads_cached;
	uint64_t data_cached;
	uint64_t mallocs;	/* times the pool had to ask malloc */
	uint64_t bytes_reserved;	/* bytes the pool holds, in use or cached */
};

struct sk_buff *alloc_skb(unsigned int size);
struct sk_buff *alloc_skb_headroom(unsigned int size, unsigned int headroom);
void kfree_skb_reason(struct sk_buff *skb, enum skb_drop_reason reason);
void consume_skb(struct sk_buff *skb);
struct sk_buff *skb_clone(struct sk_buff *skb);
struct sk_buff *skb_copy(const struct sk_buff *skb);
struct sk_buff *skb_unshare(struct sk_buff *skb);
void skb_orphan(struct sk_buff *skb);
void skb_pool_get_stats(struct skb_pool_stats *st);
void skb_pool_trim(void);
uint64_t skb_drop_count(enum skb_drop_reason reason);

static inline void kfree_skb(struct sk_buff *skb)
{
	kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
}

static inline struct sk_buff *skb_get(struct sk_buff *skb)
{
	atomic_fetch_add_explicit(&skb->users, 1, memory_order_relaxed);
	return skb;
}

static inline unsigned char *skb_tail_pointer(const struct sk_buff *skb)
{
	return skb->head + skb->tail;
}

static inline unsigned char *skb_end_pointer(const struct sk_buff *skb)
{
	return skb->head + skb->end;
}

static inline struct skb_shared_info *skb_shinfo(const struct sk_buff *skb)
{
	return (struct skb_shared_info *)skb_end_pointer(skb);
}

static inline unsigned int skb_headroom(const struct sk_buff *skb)
{
	return (unsigned int)(skb->data - skb->head);
}

static inline unsigned int skb_tailroom(const struct sk_buff *skb)
{
	return skb->end - skb->tail;
}

/* True when another sk_buff shares the data area: write only after unshare. */
static inline bool skb_cloned(const struct sk_buff *skb)
{
	return skb->cloned &&
	       atomic_load_explicit(&skb_shinfo(skb)->dataref,
				    memory_order_acquire) != 1;
}

static inline bool skb_shared(const struct sk_buff *skb)
{
	return atomic_load_explicit(&skb->users, memory_order_relaxed) != 1;
}

/* Moves an empty buffer's data and tail forward to leave @len of headroom. */
static inline int skb_reserve(struct sk_buff *skb, unsigned int len)
{
	if (skb->len || len > skb_tailroom(skb))
		return -EINVAL;
	skb->data += len;
	skb->tail += len;
	return 0;
}

/* Appends @len bytes; NULL if the tailroom is too small. */
static inline void *skb_put(struct sk_buff *skb, unsigned int len)
{
	unsigned char *p = skb_tail_pointer(skb);

	if (unlikely(len > skb_tailroom(skb)))
		return NULL;
	skb->tail += len;
	skb->len += len;
	return p;
}

static inline void *skb_put_data(struct sk_buff *skb, const void *src,
				 unsigned int len)
{
	void *p = skb_put(skb, len);

	if (p && len)
		memcpy(p, src, len);
	return p;
}

/* Prepends @len bytes; NULL if the headroom is too small. */
static inline void *skb_push(struct sk_buff *skb, unsigned int len)
{
	if (unlikely(len > skb_headroom(skb)))
		return NULL;
	skb->data -= len;
	skb->len += len;
	return skb->data;
}

/* Consumes @len bytes from the front; NULL if fewer remain. */
static inline void *skb_pull(struct sk_buff *skb, unsigned int len)
{
	if (unlikely(len > skb->len))
		return NULL;
	skb->len -= len;
	skb->data += len;
	return skb->data;
}

/* True when the first @len bytes are present (linear buffers: a length test). */
static inline bool pskb_may_pull(const struct sk_buff *skb, unsigned int len)
{
	return len <= skb->len;
}

/* Cuts the data to @len bytes (trailing padding); no-op if already shorter. */
static inline void skb_trim(struct sk_buff *skb, unsigned int len)
{
	if (len < skb->len) {
		skb->len = len;
		skb->tail = (uint32_t)(skb->data - skb->head) + len;
	}
}

static inline uint16_t skb_offset(const struct sk_buff *skb,
				  const unsigned char *p)
{
	return (uint16_t)(p - skb->head);
}

static inline void skb_reset_mac_header(struct sk_buff *skb)
{
	skb->mac_header = skb_offset(skb, skb->data);
}

static inline void skb_reset_network_header(struct sk_buff *skb)
{
	skb->network_header = skb_offset(skb, skb->data);
}

static inline void skb_reset_transport_header(struct sk_buff *skb)
{
	skb->transport_header = skb_offset(skb, skb->data);
}

static inline bool skb_mac_header_was_set(const struct sk_buff *skb)
{
	return skb->mac_header != SKB_HDR_UNSET;
}

static inline unsigned char *skb_mac_header(const struct sk_buff *skb)
{
	return skb->head + skb->mac_header;
}

static inline unsigned char *skb_network_header(const struct sk_buff *skb)
{
	return skb->head + skb->network_header;
}

static inline unsigned char *skb_transport_header(const struct sk_buff *skb)
{
	return skb->head + skb->transport_header;
}

/* Bytes from the link header to the end of the data (a frame's length). */
static inline unsigned int skb_mac_len_total(const struct sk_buff *skb)
{
	return skb->len + (unsigned int)(skb->data - skb_mac_header(skb));
}

/* Queues. The namespace lock protects socket and device queues. */
static inline void skb_queue_head_init(struct sk_buff_head *list)
{
	list->next = (struct sk_buff *)list;
	list->prev = (struct sk_buff *)list;
	list->qlen = 0;
}

static inline uint32_t skb_queue_len(const struct sk_buff_head *list)
{
	return list->qlen;
}

static inline bool skb_queue_empty(const struct sk_buff_head *list)
{
	return list->next == (const struct sk_buff *)list;
}

static inline struct sk_buff *skb_peek(const struct sk_buff_head *list)
{
	struct sk_buff *skb = list->next;

	return skb == (const struct sk_buff *)list ? NULL : skb;
}

static inline struct sk_buff *skb_peek_tail(const struct sk_buff_head *list)
{
	struct sk_buff *skb = list->prev;

	return skb == (const struct sk_buff *)list ? NULL : skb;
}

static inline void __skb_insert(struct sk_buff *n, struct sk_buff *prev,
				struct sk_buff *next, struct sk_buff_head *list)
{
	n->next = next;
	n->prev = prev;
	skb_link(next)->prev = n;
	skb_link(prev)->next = n;
	list->qlen++;
}

static inline void __skb_queue_tail(struct sk_buff_head *list,
				    struct sk_buff *n)
{
	__skb_insert(n, list->prev, (struct sk_buff *)list, list);
}

static inline void __skb_queue_head(struct sk_buff_head *list,
				    struct sk_buff *n)
{
	__skb_insert(n, (struct sk_buff *)list, list->next, list);
}

static inline void __skb_unlink(struct sk_buff *skb, struct sk_buff_head *list)
{
	list->qlen--;
	skb_link(skb->next)->prev = skb->prev;
	skb_link(skb->prev)->next = skb->next;
	skb->next = NULL;
	skb->prev = NULL;
}

static inline struct sk_buff *__skb_dequeue(struct sk_buff_head *list)
{
	struct sk_buff *skb = skb_peek(list);

	if (skb)
		__skb_unlink(skb, list);
	return skb;
}

void skb_queue_purge_reason(struct sk_buff_head *list,
			    enum skb_drop_reason reason);

static inline void skb_queue_purge(struct sk_buff_head *list)
{
	skb_queue_purge_reason(list, SKB_DROP_REASON_NOT_SPECIFIED);
}

#endif
