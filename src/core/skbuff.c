/* SPDX-License-Identifier: MIT */
/*
 * skbuff.c - sk_buff allocation from a pool, clones, copies, frees.
 *
 * Heads (struct sk_buff) and data areas come from free lists, so the hot
 * path never calls malloc once the pool is warm. Data areas come in a few
 * size classes; a request larger than the largest class is the one case
 * that goes to malloc each time (a 64 KiB+ datagram). Each free list keeps
 * at most POOL_CACHE_MAX objects; beyond that a freed object goes back to
 * the C library, so the pool never holds more than it needs at its peak.
 *
 * The pool is process-wide: a frame allocated by one namespace's thread is
 * freed by its peer's on the other side of a memlink. A mutex guards it.
 * In front of it each thread keeps a small cache of every list, as the
 * kernel's per-CPU slab caches: a get or put touches only the thread's own
 * cache, and moves a batch (half a cache) to or from the shared lists under
 * one lock when the cache runs empty or full. A thread's cache goes back to
 * the shared lists when the thread exits.
 */
#include <pthread.h>
#include <stdlib.h>
#include "core/skbuff.h"
#include "link/netdevice.h"

#define POOL_CACHE_MAX	4096
#define SIZE_CLASS_HUGE	0xff

/* Total area sizes (headroom + data + tailroom, without skb_shared_info). */
static const unsigned int size_classes[] = {
	512, 2048 + USN_MAX_HEADER, 9216 + USN_MAX_HEADER,
	65536 + USN_MAX_HEADER,
};

struct free_obj {
	struct free_obj *next;
};

struct free_list {
	struct free_obj	*head;
	unsigned int	count;
};

/* The shared lists: [0] heads, [1 + i] data areas of size_classes[i]. */
#define POOL_LISTS	(1 + ARRAY_SIZE(size_classes))
#define POOL_HEADS	0

static struct {
	pthread_mutex_t		lock;
	struct free_list	list[POOL_LISTS];
	struct skb_pool_stats	st;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* A thread's cache holds at most this many objects or bytes of a list. */
#define TCACHE_OBJS	64
#define TCACHE_BYTES	(256 * 1024)

static __thread struct {
	struct free_list	list[POOL_LISTS];
	bool			registered;	/* the exit destructor is set */
	bool			dead;		/* flushed at exit: bypass */
} tcache;

static pthread_key_t tcache_key;
static pthread_once_t tcache_once = PTHREAD_ONCE_INIT;

static _Atomic uint64_t drop_counts[SKB_DROP_REASON_MAX];
static _Atomic uint64_t heads_in_use, data_in_use;

static size_t data_area_size(unsigned int cls);

static size_t pool_obj_size(unsigned int l)
{
	return l == POOL_HEADS ? sizeof(struct sk_buff) : data_area_size(l - 1);
}

static unsigned int tcache_cap(unsigned int l)
{
	size_t n = TCACHE_BYTES / pool_obj_size(l);

	return n >= TCACHE_OBJS ? TCACHE_OBJS : n ? (unsigned int)n : 1;
}

static struct free_obj *free_list_pop(struct free_list *fl)
{
	struct free_obj *o = fl->head;

	if (o) {
		fl->head = o->next;
		fl->count--;
	}
	return o;
}

static void free_list_push(struct free_list *fl, struct free_obj *o)
{
	o->next = fl->head;
	fl->head = o;
	fl->count++;
}

/*
 * Moves up to @n objects of list @l from this thread's cache to the shared
 * list, freeing those past POOL_CACHE_MAX. Pool locked.
 */
static struct free_obj *tcache_spill(unsigned int l, unsigned int n)
{
	struct free_list *fl = &pool.list[l];
	struct free_obj *o, *excess = NULL;

	while (n-- && (o = free_list_pop(&tcache.list[l]))) {
		if (fl->count < POOL_CACHE_MAX) {
			free_list_push(fl, o);
		} else {
			pool.st.bytes_reserved -= pool_obj_size(l);
			o->next = excess;
			excess = o;
		}
	}
	return excess;
}

static void free_chain(struct free_obj *o)
{
	struct free_obj *next;

	for (; o; o = next) {
		next = o->next;
		free(o);
	}
}

/* Thread exit: the cache goes back to the shared lists. */
static void tcache_release(void *arg)
{
	struct free_obj *excess;

	(void)arg;
	tcache.dead = true;	/* later frees of this thread skip the cache */
	for (unsigned int l = 0; l < POOL_LISTS; l++) {
		pthread_mutex_lock(&pool.lock);
		excess = tcache_spill(l, UINT32_MAX);
		pthread_mutex_unlock(&pool.lock);
		free_chain(excess);
	}
}

static void tcache_key_init(void)
{
	pthread_key_create(&tcache_key, tcache_release);
}

/* Whether this thread may cache: once registered for its exit, until then. */
static bool tcache_usable(void)
{
	if (tcache.registered)
		return !tcache.dead;
	if (tcache.dead)
		return false;
	pthread_once(&tcache_once, tcache_key_init);
	if (pthread_setspecific(tcache_key, &tcache))
		return false;
	tcache.registered = true;
	return true;
}

static void *pool_get(unsigned int l)
{
	struct free_list *tc = &tcache.list[l];
	size_t size = pool_obj_size(l);
	struct free_obj *o;
	bool cache = tcache_usable();

	if (cache && (o = free_list_pop(tc)))
		return o;
	pthread_mutex_lock(&pool.lock);
	o = free_list_pop(&pool.list[l]);
	if (o && cache) {
		/* Refill half the cache in the same hold of the lock. */
		struct free_obj *more;

		for (unsigned int n = tcache_cap(l) / 2;
		     n && (more = free_list_pop(&pool.list[l])); n--)
			free_list_push(tc, more);
	}
	if (!o) {
		pool.st.mallocs++;
		pool.st.bytes_reserved += size;
	}
	pthread_mutex_unlock(&pool.lock);
	if (!o) {
		o = aligned_alloc(64, ALIGN_UP(size, 64));
		if (!o) {
			pthread_mutex_lock(&pool.lock);
			pool.st.bytes_reserved -= size;
			pthread_mutex_unlock(&pool.lock);
		}
	}
	return o;
}

static void pool_put(unsigned int l, void *p)
{
	struct free_list *tc = &tcache.list[l];
	struct free_obj *o = p, *excess;

	if (tcache_usable()) {
		if (tc->count < tcache_cap(l)) {
			free_list_push(tc, o);
			return;
		}
		/* Full: half of it goes to the shared list, then this one stays. */
		pthread_mutex_lock(&pool.lock);
		excess = tcache_spill(l, tcache_cap(l) / 2);
		pthread_mutex_unlock(&pool.lock);
		free_chain(excess);
		free_list_push(tc, o);
		return;
	}
	pthread_mutex_lock(&pool.lock);
	if (pool.list[l].count < POOL_CACHE_MAX) {
		free_list_push(&pool.list[l], o);
		o = NULL;
	} else {
		pool.st.bytes_reserved -= pool_obj_size(l);
	}
	pthread_mutex_unlock(&pool.lock);
	free(o);
}

static size_t data_area_size(unsigned int cls)
{
	return size_classes[cls] + sizeof(struct skb_shared_info);
}

static struct sk_buff *skb_head_alloc(void)
{
	struct sk_buff *skb = pool_get(POOL_HEADS);

	if (skb) {
		memset(skb, 0, sizeof(*skb));
		atomic_fetch_add_explicit(&heads_in_use, 1,
					  memory_order_relaxed);
	}
	return skb;
}

static void skb_head_free(struct sk_buff *skb)
{
	atomic_fetch_sub_explicit(&heads_in_use, 1, memory_order_relaxed);
	pool_put(POOL_HEADS, skb);
}

/* Allocates a data area of at least @size bytes; returns its class in @cls. */
static unsigned char *data_alloc(unsigned int size, uint8_t *cls,
				 unsigned int *area)
{
	unsigned char *p;

	for (unsigned int i = 0; i < ARRAY_SIZE(size_classes); i++) {
		if (size <= size_classes[i]) {
			p = pool_get(1 + i);
			*cls = (uint8_t)i;
			*area = size_classes[i];
			goto out;
		}
	}
	*area = (unsigned int)ALIGN_UP((size_t)size, 64);
	p = aligned_alloc(64, ALIGN_UP(*area + sizeof(struct skb_shared_info), 64));
	*cls = SIZE_CLASS_HUGE;
out:
	if (p)
		atomic_fetch_add_explicit(&data_in_use, 1,
					  memory_order_relaxed);
	return p;
}

static void data_free(unsigned char *head, uint8_t cls)
{
	atomic_fetch_sub_explicit(&data_in_use, 1, memory_order_relaxed);
	if (cls == SIZE_CLASS_HUGE)
		free(head);
	else
		pool_put(1 + cls, head);
}

struct sk_buff *alloc_skb(unsigned int size)
{
	struct skb_shared_info *shinfo;
	struct sk_buff *skb;
	unsigned int area;
	uint8_t cls;

	if (size > (1u << 30))
		return NULL;
	skb = skb_head_alloc();
	if (!skb)
		return NULL;
	skb->head = data_alloc(size, &cls, &area);
	if (!skb->head) {
		skb_head_free(skb);
		return NULL;
	}
	skb->data = skb->head;
	skb->tail = 0;
	skb->end = area;
	skb->truesize = area + (unsigned int)sizeof(*skb);
	skb->mac_header = SKB_HDR_UNSET;
	skb->network_header = SKB_HDR_UNSET;
	skb->transport_header = SKB_HDR_UNSET;
	atomic_init(&skb->users, 1);
	shinfo = skb_shinfo(skb);
	atomic_init(&shinfo->dataref, 1);
	shinfo->size_class = cls;
	return skb;
}

EXPORT_SYMBOL(alloc_skb);

struct sk_buff *alloc_skb_headroom(unsigned int size, unsigned int headroom)
{
	struct sk_buff *skb = alloc_skb(size + headroom);

	if (skb)
		skb_reserve(skb, headroom);
	return skb;
}

static void skb_release_data(struct sk_buff *skb)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);

	if (atomic_fetch_sub_explicit(&shinfo->dataref, 1,
				      memory_order_acq_rel) == 1)
		data_free(skb->head, shinfo->size_class);
}

/* Drops one reference; the last one runs the destructor and frees. */
static bool skb_unref(struct sk_buff *skb)
{
	if (atomic_load_explicit(&skb->users, memory_order_relaxed) == 1)
		return true;
	return atomic_fetch_sub_explicit(&skb->users, 1,
					 memory_order_acq_rel) == 1;
}

static void __kfree_skb(struct sk_buff *skb)
{
	if (skb->destructor)
		skb->destructor(skb);
	skb_release_data(skb);
	skb_head_free(skb);
}

void kfree_skb_reason(struct sk_buff *skb, enum skb_drop_reason reason)
{
	if (!skb || !skb_unref(skb))
		return;
	if (reason >= SKB_DROP_REASON_MAX)
		reason = SKB_DROP_REASON_NOT_SPECIFIED;
	atomic_fetch_add_explicit(&drop_counts[reason], 1, memory_order_relaxed);
	__kfree_skb(skb);
}
EXPORT_SYMBOL(kfree_skb_reason);

void consume_skb(struct sk_buff *skb)
{
	if (skb && skb_unref(skb))
		__kfree_skb(skb);
}
EXPORT_SYMBOL(consume_skb);

uint64_t skb_drop_count(enum skb_drop_reason reason)
{
	return reason < SKB_DROP_REASON_MAX ? atomic_load(&drop_counts[reason]) : 0;
}

/* Copies the header fields a clone or copy shares with its original. */
static void copy_skb_header(struct sk_buff *n, const struct sk_buff *old)
{
	n->dev = old->dev;
	n->tstamp = old->tstamp;
	memcpy(n->cb, old->cb, sizeof(n->cb));
	n->protocol = old->protocol;
	n->pkt_type = old->pkt_type;
	n->skb_iif = old->skb_iif;
}

struct sk_buff *skb_clone(struct sk_buff *skb)
{
	struct sk_buff *n = skb_head_alloc();

	if (!n)
		return NULL;
	copy_skb_header(n, skb);
	n->head = skb->head;
	n->data = skb->data;
	n->tail = skb->tail;
	n->end = skb->end;
	n->len = skb->len;
	n->truesize = (unsigned int)sizeof(*n) + skb->end;
	n->mac_header = skb->mac_header;
	n->network_header = skb->network_header;
	n->transport_header = skb->transport_header;
	n->cloned = 1;
	skb->cloned = 1;
	atomic_init(&n->users, 1);
	atomic_fetch_add_explicit(&skb_shinfo(skb)->dataref, 1,
				  memory_order_relaxed);
	return n;
}

struct sk_buff *skb_copy(const struct sk_buff *skb)
{
	unsigned int headroom = skb_headroom(skb);
	struct sk_buff *n = alloc_skb(skb->end);

	if (!n)
		return NULL;
	/* Same layout: the header offsets stay valid in the copy. */
	memcpy(n->head, skb->head, skb->tail);
	n->data = n->head + headroom;
	n->tail = skb->tail;
	n->len = skb->len;
	n->mac_header = skb->mac_header;
	n->network_header = skb->network_header;
	n->transport_header = skb->transport_header;
	copy_skb_header(n, skb);
	return n;
}

struct sk_buff *skb_unshare(struct sk_buff *skb)
{
	struct sk_buff *n;

	if (!skb_cloned(skb))
		return skb;
	n = skb_copy(skb);
	if (n)
		consume_skb(skb);
	else
		kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
	return n;
}

void skb_orphan(struct sk_buff *skb)
{
	if (skb->destructor) {
		skb->destructor(skb);
		skb->destructor = NULL;
	}
	skb->sk = NULL;
}

void skb_queue_purge_reason(struct sk_buff_head *list,
			    enum skb_drop_reason reason)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(list)))
		kfree_skb_reason(skb, reason);
}

void skb_pool_get_stats(struct skb_pool_stats *st)
{
	pthread_mutex_lock(&pool.lock);
	*st = pool.st;
	st->heads_in_use = atomic_load(&heads_in_use);
	st->data_in_use = atomic_load(&data_in_use);
	/* The shared lists and this thread's cache (other threads' are not seen). */
	st->heads_cached = pool.list[POOL_HEADS].count +
			   tcache.list[POOL_HEADS].count;
	st->data_cached = 0;
	for (unsigned int l = 1; l < POOL_LISTS; l++)
		st->data_cached += pool.list[l].count + tcache.list[l].count;
	pthread_mutex_unlock(&pool.lock);
}

static void free_list_drain(struct free_list *fl, size_t size)
{
	struct free_obj *o;

	while ((o = fl->head)) {
		fl->head = o->next;
		fl->count--;
		pool.st.bytes_reserved -= size;
		free(o);
	}
}

/*
 * Returns every cached object of the shared lists and of this thread's
 * cache to the C library (tests, memory pressure).
 */
void skb_pool_trim(void)
{
	pthread_mutex_lock(&pool.lock);
	for (unsigned int l = 0; l < POOL_LISTS; l++) {
		free_list_drain(&tcache.list[l], pool_obj_size(l));
		free_list_drain(&pool.list[l], pool_obj_size(l));
	}
	pthread_mutex_unlock(&pool.lock);
}
