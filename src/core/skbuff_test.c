/* SPDX-License-Identifier: MIT */
/*
 * skbuff_test.c - the packet buffer: checked pull/push/put, clones that
 * share data, copies that do not, and a pool that neither leaks nor grows
 * over a million allocations.
 */
#include <pthread.h>
#include <stdint.h>
#include "core/skbuff.h"
#include "test.h"

static struct skb_pool_stats stats(void)
{
	struct skb_pool_stats st;

	skb_pool_get_stats(&st);
	return st;
}

TEST(pull_push_put_are_checked)
{
	struct sk_buff *skb = alloc_skb_headroom(100, USN_MAX_HEADER);
	unsigned char *p;

	ASSERT_TRUE(skb);
	EXPECT_EQ(skb_headroom(skb), USN_MAX_HEADER);
	EXPECT_EQ(skb->len, 0);
	p = skb_put(skb, 100);
	ASSERT_TRUE(p);
	memset(p, 0xab, 100);
	EXPECT_EQ(skb->len, 100);
	/* Past the tailroom: refused, nothing changes. */
	EXPECT_TRUE(skb_put(skb, skb_tailroom(skb) + 1) == NULL);
	EXPECT_EQ(skb->len, 100);
	EXPECT_TRUE(skb_push(skb, USN_MAX_HEADER + 1) == NULL);
	p = skb_push(skb, 14);
	EXPECT_TRUE(p == skb->data);
	EXPECT_EQ(skb->len, 114);
	EXPECT_TRUE(skb_pull(skb, 115) == NULL);
	EXPECT_EQ(skb->len, 114);
	EXPECT_TRUE(skb_pull(skb, 14) != NULL);
	EXPECT_EQ(skb->data[0], 0xab);
	EXPECT_TRUE(pskb_may_pull(skb, 100));
	EXPECT_TRUE(!pskb_may_pull(skb, 101));
	skb_trim(skb, 60);
	EXPECT_EQ(skb->len, 60);
	skb_trim(skb, 80);			/* longer: no-op */
	EXPECT_EQ(skb->len, 60);
	EXPECT_EQ(skb_reserve(skb, 4), -EINVAL);	/* only on an empty buffer */
	kfree_skb(skb);
}

TEST(clones_share_data_copies_do_not)
{
	struct sk_buff *skb = alloc_skb_headroom(64, USN_MAX_HEADER), *c, *d;

	ASSERT_TRUE(skb);
	memset(skb_put(skb, 64), 1, 64);
	skb_reset_network_header(skb);
	c = skb_clone(skb);
	ASSERT_TRUE(c);
	EXPECT_TRUE(c->data == skb->data);
	EXPECT_TRUE(skb_cloned(skb) && skb_cloned(c));
	EXPECT_EQ(atomic_load(&skb_shinfo(skb)->dataref), 2);
	EXPECT_EQ(c->network_header, skb->network_header);
	/* Pulling a clone moves only its own view. */
	skb_pull(c, 10);
	EXPECT_EQ(skb->len, 64);
	EXPECT_EQ(c->len, 54);
	d = skb_copy(skb);
	ASSERT_TRUE(d);
	EXPECT_TRUE(d->data != skb->data);
	EXPECT_EQ(memcmp(d->data, skb->data, 64), 0);
	EXPECT_TRUE(!skb_cloned(d));
	/* skb_unshare on a clone gives a private copy. */
	c = skb_unshare(c);
	ASSERT_TRUE(c);
	EXPECT_TRUE(!skb_cloned(c));
	EXPECT_TRUE(!skb_cloned(skb));		/* the last sharer is alone again */
	c->data[0] = 9;
	EXPECT_EQ(skb->data[10], 1);
	kfree_skb(c);
	kfree_skb(d);
	kfree_skb(skb);
}

TEST(references_keep_a_buffer_alive)
{
	struct skb_pool_stats before = stats();
	struct sk_buff *skb = alloc_skb(10);

	ASSERT_TRUE(skb);
	skb_get(skb);
	EXPECT_TRUE(skb_shared(skb));
	kfree_skb(skb);
	EXPECT_EQ(stats().heads_in_use, before.heads_in_use + 1);
	consume_skb(skb);
	EXPECT_EQ(stats().heads_in_use, before.heads_in_use);
}

TEST(every_size_class_and_beyond)
{
	static const unsigned int sizes[] = { 1, 500, 2000, 9000, 65000, 70000, 300000 };

	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		struct sk_buff *skb = alloc_skb(sizes[i]);

		ASSERT_TRUE(skb);
		EXPECT_TRUE(skb_tailroom(skb) >= sizes[i]);
		memset(skb_put(skb, sizes[i]), 0x5a, sizes[i]);
		EXPECT_TRUE(skb->truesize >= sizes[i]);
		kfree_skb(skb);
	}
	EXPECT_TRUE(alloc_skb(1u << 31) == NULL);
}

TEST(a_million_allocations_leak_nothing)
{
	struct skb_pool_stats before, after;
	struct sk_buff *held[64];

	skb_pool_trim();
	before = stats();
	for (int i = 0; i < 1000000; i++) {
		struct sk_buff *skb = alloc_skb(i % 3 ? 1500 : 100);
		struct sk_buff *c;

		ASSERT_TRUE(skb);
		skb_put(skb, 64);
		c = (i % 7) ? NULL : skb_clone(skb);
		if (i % 64 == 0 && i) {
			for (int j = 0; j < 64; j++)
				kfree_skb(held[j]);
		}
		held[i % 64] = skb;
		kfree_skb(c);
	}
	for (int j = 0; j < 64; j++)
		kfree_skb(held[j]);
	after = stats();
	EXPECT_EQ(after.heads_in_use, before.heads_in_use);
	EXPECT_EQ(after.data_in_use, before.data_in_use);
	/* Warm-up only: the pool reused its objects instead of growing. */
	EXPECT_TRUE(after.mallocs - before.mallocs < 300);
	skb_pool_trim();
	EXPECT_EQ(stats().bytes_reserved, 0);
}

/* Allocates (arg NULL) or frees (arg: the array) 1000 sk_buffs of each kind. */
#define XTHREAD_N	1000
static struct sk_buff *xthread_skbs[2 * XTHREAD_N];

static void *xthread_alloc(void *arg)
{
	(void)arg;
	for (int i = 0; i < XTHREAD_N; i++) {
		xthread_skbs[2 * i] = alloc_skb(100);
		xthread_skbs[2 * i + 1] = alloc_skb(1500);
	}
	/* Some churn, so this thread's cache is not empty when it exits. */
	for (int i = 0; i < 100; i++)
		kfree_skb(alloc_skb(i & 1 ? 9000 : 60000));
	return NULL;
}

static void *xthread_free(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2 * XTHREAD_N; i++)
		kfree_skb(xthread_skbs[i]);
	return NULL;
}

/*
 * Allocated on one thread, freed on another, both gone: the threads'
 * caches went back to the shared lists (a trim then frees every byte).
 */
TEST(thread_caches_return_at_exit)
{
	struct skb_pool_stats before;
	pthread_t t;

	skb_pool_trim();
	before = stats();
	ASSERT_TRUE(!pthread_create(&t, NULL, xthread_alloc, NULL));
	pthread_join(t, NULL);
	for (int i = 0; i < 2 * XTHREAD_N; i++)
		ASSERT_TRUE(xthread_skbs[i]);
	EXPECT_EQ(stats().heads_in_use, before.heads_in_use + 2 * XTHREAD_N);
	ASSERT_TRUE(!pthread_create(&t, NULL, xthread_free, NULL));
	pthread_join(t, NULL);
	EXPECT_EQ(stats().heads_in_use, before.heads_in_use);
	EXPECT_EQ(stats().data_in_use, before.data_in_use);
	EXPECT_TRUE(stats().heads_cached > 0);
	skb_pool_trim();
	EXPECT_EQ(stats().bytes_reserved, 0);
}

TEST(queues)
{
	struct sk_buff_head q;
	struct sk_buff *a = alloc_skb(1), *b = alloc_skb(1);

	skb_queue_head_init(&q);
	EXPECT_TRUE(skb_queue_empty(&q));
	EXPECT_TRUE(skb_peek(&q) == NULL);
	__skb_queue_tail(&q, a);
	__skb_queue_head(&q, b);
	EXPECT_EQ(skb_queue_len(&q), 2);
	EXPECT_TRUE(skb_peek(&q) == b);
	EXPECT_TRUE(skb_peek_tail(&q) == a);
	EXPECT_TRUE(__skb_dequeue(&q) == b);
	kfree_skb(b);
	skb_queue_purge(&q);
	EXPECT_TRUE(skb_queue_empty(&q));
	EXPECT_TRUE(__skb_dequeue(&q) == NULL);
}
