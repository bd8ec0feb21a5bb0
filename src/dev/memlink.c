/* SPDX-License-Identifier: MIT */
/*
 * memlink.c - an in-memory Ethernet wire between two namespaces of one
 * process, like a veth pair whose cable has netem's impairments: seeded
 * loss, corruption, duplication, reordering, a serialisation rate and a
 * propagation delay, in each direction separately.
 *
 * A wire (struct memlink) has two ends, one device in each namespace, and
 * two directions: dir[i] carries the frames that leave end i. Each
 * direction is a queue of frames in flight, ordered by arrival time (kept
 * in skb->tstamp until the frame is received):
 *
 *   end 0 (ns a)  --memlink_xmit-->  dir[0]  --memlink_poll-->  end 1 (ns b)
 *   end 0 (ns a)  <--memlink_poll--  dir[1]  <--memlink_xmit--  end 1 (ns b)
 *
 * The sender decides a frame's fate when it is sent, in this order: loss,
 * corruption, duplication, then for each copy reordering, rate and delay.
 * The receiver's softirq asks ndo_next_rx() when the head of its queue
 * arrives and ndo_poll() hands up what is due.
 *
 * Locking. The two ends run in different threads in threaded mode. What
 * only the sender touches (params, rnd, busy_until) is guarded by the
 * sender's namespace lock. The queue and what the sender must know of the
 * receiver (rx_up, rx_net) are guarded by the direction's own mutex, a leaf:
 * no namespace lock is ever taken while it is held, and frames are handed
 * up only after it is dropped. The wire is freed with its last end.
 *
 * Counting, on the device that sent or received the frame:
 *   sent on the wire          tx_packets (each copy of a duplicate too)
 *   lost on the wire          tx_packets and tx_dropped, WIRE_LOSS
 *   peer down or gone         tx_packets and tx_dropped, NO_CARRIER: the
 *                             frame was put on a cable nobody listens to
 *   in-flight queue full      tx_dropped, TXQUEUE_FULL (never sent)
 *   queued when the receiver  rx_dropped, DEV_DOWN on the receiver
 *   went down
 *   too long for the receiver rx_dropped, MTU_EXCEEDED on the receiver:
 *                             over its MTU + 14 + 4 (a VLAN tag), as veth
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <usnet/usnet.h>
#include "link/netdevice.h"
#include "net/exec.h"
#include "net/net.h"
#include "net/usnet.h"

#define MEMLINK_MIN_MTU		68
#define MEMLINK_MAX_MTU		65535
#define MEMLINK_QUEUE_LEN	1000
#define MEMLINK_REORDER_NS	1000000ULL	/* 1 ms */
#define MEMLINK_NAME		"ml%d"

/* Frames that leave one end toward the other. */
struct ml_dir {
	/* The sender's namespace lock guards these. */
	struct usn_memlink_params params;	/* defaults filled in */
	struct usn_rnd		rnd;
	uint64_t		busy_until;	/* ns: serialising until then */

	/* @lock guards the rest. */
	pthread_mutex_t		lock;
	struct sk_buff_head	q;		/* by arrival (skb->tstamp) */
	struct usn_net		*rx_net;	/* NULL once the receiver is gone */
	bool			rx_up;		/* the receiving end is up */
};

struct memlink {
	struct ml_dir		dir[2];		/* dir[i]: frames leaving end i */
	atomic_int		refs;		/* ends not yet uninitialised */
};

struct ml_priv {
	struct memlink		*wire;
	int			side;
};

static const struct net_device_ops memlink_ops;

static struct ml_dir *ml_tx_dir(const struct net_device *dev)
{
	const struct ml_priv *p = netdev_priv(dev);

	return &p->wire->dir[p->side];
}

static struct ml_dir *ml_rx_dir(const struct net_device *dev)
{
	const struct ml_priv *p = netdev_priv(dev);

	return &p->wire->dir[!p->side];
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* ---- parameters ---------------------------------------------------------- */

static bool prob_valid(double p)
{
	return p >= 0.0 && p <= 1.0;	/* false for NaN too */
}

static int ml_params_check(const struct usn_memlink_params *prm)
{
	if (!prm)
		return 0;
	if (prm->mtu && (prm->mtu < MEMLINK_MIN_MTU || prm->mtu > MEMLINK_MAX_MTU))
		return -EINVAL;
	if (!prob_valid(prm->loss) || !prob_valid(prm->duplicate) ||
	    !prob_valid(prm->reorder) || !prob_valid(prm->corrupt))
		return -EINVAL;
	return 0;
}

/*
 * The two directions of one wire must not draw the same numbers when the
 * user gives one seed: end 1 mixes in a constant, so that set_params() on
 * end 0 with seed S restarts exactly the sequence create() with S began.
 */
static uint64_t ml_side_seed(uint64_t seed, int side)
{
	return side ? seed ^ 0x9e3779b97f4a7c15ULL : seed;
}

/*
 * Installs @prm (NULL: no impairment) on the frames leaving end @side.
 * A non-zero seed restarts the direction's random sequence; 0 keeps the
 * one drawn at creation. Sender's namespace locked (or not yet visible).
 */
static void ml_dir_set_params(struct ml_dir *d, int side,
			      const struct usn_memlink_params *prm)
{
	if (prm)
		d->params = *prm;
	else
		memset(&d->params, 0, sizeof(d->params));
	if (!d->params.mtu)
		d->params.mtu = ETH_DATA_LEN;
	if (!d->params.reorder_delay_ns)
		d->params.reorder_delay_ns = MEMLINK_REORDER_NS;
	if (!d->params.queue_len)
		d->params.queue_len = MEMLINK_QUEUE_LEN;
	if (d->params.seed)
		usn_rnd_seed(&d->rnd, ml_side_seed(d->params.seed, side));
}

/* ---- the wire ---------------------------------------------------------------- */

static struct memlink *ml_wire_alloc(struct usn_net *a, struct usn_net *b,
				     const struct usn_memlink_params *prm)
{
	struct memlink *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	for (int i = 0; i < 2; i++) {
		struct ml_dir *d = &w->dir[i];

		pthread_mutex_init(&d->lock, NULL);
		skb_queue_head_init(&d->q);
		d->rx_net = i ? a : b;
		ml_dir_set_params(d, i, prm);
	}
	atomic_init(&w->refs, 2);
	return w;
}

/*
 * Unlinks up to @budget frames that arrive by @until from the head of the
 * queue and returns them as a chain through skb->next, for the caller to
 * hand up or free once the lock is dropped. @d locked.
 */
static struct sk_buff *ml_dir_take(struct ml_dir *d, uint64_t until, int budget)
{
	struct sk_buff *first = NULL, **tail = &first, *skb;

	while (budget-- > 0 && (skb = skb_peek(&d->q)) && skb->tstamp <= until) {
		__skb_unlink(skb, &d->q);
		*tail = skb;
		tail = &skb->next;
	}
	return first;
}

static struct sk_buff *chain_pop(struct sk_buff **chain)
{
	struct sk_buff *skb = *chain;

	if (skb) {
		*chain = skb->next;
		skb->next = NULL;
	}
	return skb;
}

/* Drops one end's reference; the last frees the wire and its frames. */
static void ml_wire_put(struct memlink *w)
{
	if (atomic_fetch_sub(&w->refs, 1) != 1)
		return;
	for (int i = 0; i < 2; i++) {
		skb_queue_purge_reason(&w->dir[i].q, SKB_DROP_REASON_DEV_GONE);
		pthread_mutex_destroy(&w->dir[i].lock);
	}
	free(w);
}

/*
 * Queues @skb (its arrival in skb->tstamp) after every frame that arrives
 * no later, so equal times keep their sending order. Scanning from the
 * tail: the frame is nearly always the last so far. Then, under the lock
 * because the receiving namespace may go away as soon as it is dropped: a
 * frame due now is taken up by this thread once it leaves the sender's
 * namespace (@from, as veth's peer receives on the sending CPU), a later
 * one wakes the receiver's stack thread if it sleeps past the arrival.
 * Returns 0, -ENOLINK (receiver down or gone) or -ENOBUFS (queue full).
 */
static int ml_enqueue(struct ml_dir *d, struct sk_buff *skb,
		      unsigned int queue_len, struct usn_net *from, uint64_t now)
{
	struct sk_buff *pos;
	int err = 0;

	pthread_mutex_lock(&d->lock);
	if (!d->rx_up) {
		err = -ENOLINK;
	} else if (skb_queue_len(&d->q) >= queue_len) {
		err = -ENOBUFS;
	} else {
		pos = d->q.prev;
		while (pos != (struct sk_buff *)&d->q && pos->tstamp > skb->tstamp)
			pos = pos->prev;
		__skb_insert(skb, pos, pos->next, &d->q);
		if (skb->tstamp <= now)
			net_rx_schedule(from, d->rx_net);
		else
			net_kick(d->rx_net, skb->tstamp);
	}
	pthread_mutex_unlock(&d->lock);
	return err;
}

static bool ml_carrier(struct ml_dir *d)
{
	bool up;

	pthread_mutex_lock(&d->lock);
	up = d->rx_up;
	pthread_mutex_unlock(&d->lock);
	return up;
}

/* ---- transmit ------------------------------------------------------------------ */

/* One Bernoulli trial; no number is drawn for an impairment that is off. */
static bool ml_chance(struct ml_dir *d, double p)
{
	if (p <= 0.0)
		return false;
	return p >= 1.0 || usn_rnd_unit(&d->rnd) < p;
}

/*
 * Flips one random bit of the frame. Clones (a packet tap's, TCP's
 * retransmit copy) share the bytes, so they are copied first, as
 * skb_unshare() does, but with the failure counted on @dev.
 */
static struct sk_buff *ml_corrupt(struct ml_dir *d, struct net_device *dev,
				  struct sk_buff *skb)
{
	struct sk_buff *n;
	uint32_t bit;

	if (!skb->len)
		return skb;
	if (skb_cloned(skb)) {
		n = skb_copy(skb);
		if (!n) {
			dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_NOMEM, false);
			return NULL;
		}
		consume_skb(skb);
		skb = n;
	}
	bit = usn_rnd_below(&d->rnd, skb->len * 8);
	skb->data[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	return skb;
}

/*
 * Puts one copy of a frame on the wire: held back or not, serialised at
 * the rate after what is already on the wire, then delayed. A frame that
 * is dropped does not occupy the wire.
 */
static void ml_send(struct ml_dir *d, struct net_device *dev,
		    struct sk_buff *skb)
{
	const struct usn_memlink_params *prm = &d->params;
	uint64_t now = net_now(dev_net(dev)), depart = now;
	unsigned int len = skb->len;
	bool held = ml_chance(d, prm->reorder);
	int err;

	if (prm->rate_bps)
		depart = max_t(uint64_t, now, d->busy_until) +
			 (uint64_t)len * NSEC_PER_SEC * 8 / prm->rate_bps;
	skb->tstamp = add_sat(depart, prm->delay_ns);
	if (held)
		skb->tstamp = add_sat(skb->tstamp, prm->reorder_delay_ns);

	/* Once queued, @skb is the receiver's thread's to free: only @len is used. */
	err = ml_enqueue(d, skb, prm->queue_len, dev_net(dev), now);
	if (err == -ENOBUFS) {
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_TXQUEUE_FULL, false);
		return;
	}
	dev_tx_count(dev, len);
	if (err) {
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_NO_CARRIER, false);
		return;
	}
	d->busy_until = depart;
}

/* What a frame from another namespace must not carry across. */
static void ml_scrub(struct sk_buff *skb)
{
	skb_orphan(skb);
	skb->dev = NULL;	/* the sending device may be freed in flight */
	skb->skb_iif = 0;
	memset(skb->cb, 0, sizeof(skb->cb));
}

/* ndo_start_xmit: sender's namespace locked; consumes @skb. */
static int memlink_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ml_dir *d = ml_tx_dir(dev);
	struct sk_buff *dup = NULL;

	ml_scrub(skb);
	if (!ml_carrier(d)) {
		dev_tx_count(dev, skb->len);
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_NO_CARRIER, false);
		return NETDEV_TX_OK;
	}
	if (ml_chance(d, d->params.loss)) {
		dev_tx_count(dev, skb->len);
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_WIRE_LOSS, false);
		return NETDEV_TX_OK;
	}
	if (ml_chance(d, d->params.corrupt)) {
		skb = ml_corrupt(d, dev, skb);
		if (!skb)
			return NETDEV_TX_OK;
	}
	/* Out of memory for the copy: the frame simply is not duplicated. */
	if (ml_chance(d, d->params.duplicate))
		dup = skb_clone(skb);
	ml_send(d, dev, skb);
	if (dup)
		ml_send(d, dev, dup);
	return NETDEV_TX_OK;
}

/* ---- receive ---------------------------------------------------------------------- */

static uint64_t memlink_next_rx(struct net_device *dev)
{
	struct ml_dir *d = ml_rx_dir(dev);
	struct sk_buff *skb;
	uint64_t t;

	pthread_mutex_lock(&d->lock);
	skb = skb_peek(&d->q);
	t = skb ? skb->tstamp : UINT64_MAX;
	pthread_mutex_unlock(&d->lock);
	return t;
}

/* ndo_poll: takes up to @budget frames that are due, then hands them up unlocked. */
static int memlink_poll(struct net_device *dev, int budget)
{
	struct ml_dir *d = ml_rx_dir(dev);
	struct sk_buff *due, *skb;
	int n = 0;

	pthread_mutex_lock(&d->lock);
	due = ml_dir_take(d, net_now(dev_net(dev)), budget);
	pthread_mutex_unlock(&d->lock);
	while ((skb = chain_pop(&due))) {
		n++;
		/*
		 * As veth's peer (is_skb_forwardable()): this end's MTU and
		 * header, plus room for an 802.1Q tag. The sender's stack
		 * no longer checks (dev_queue_xmit()).
		 */
		if (skb->len > dev->mtu + ETH_HLEN + VLAN_HLEN) {
			dev_kfree_skb_reason(dev, skb,
					     SKB_DROP_REASON_MTU_EXCEEDED, true);
			continue;
		}
		netif_receive_frame(dev, skb);
	}
	return n;
}

/* ---- device operations --------------------------------------------------------------- */

static int memlink_open(struct net_device *dev)
{
	struct ml_dir *d = ml_rx_dir(dev);

	pthread_mutex_lock(&d->lock);
	d->rx_up = true;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* Going down loses the frames still on their way in, counted on this end. */
static int memlink_stop(struct net_device *dev)
{
	struct ml_dir *d = ml_rx_dir(dev);
	struct sk_buff *lost, *skb;

	pthread_mutex_lock(&d->lock);
	d->rx_up = false;
	lost = ml_dir_take(d, UINT64_MAX, INT_MAX);
	pthread_mutex_unlock(&d->lock);
	while ((skb = chain_pop(&lost)))
		dev_kfree_skb_reason(dev, skb, SKB_DROP_REASON_DEV_DOWN, true);
	return 0;
}

/*
 * Detaches this end: the peer loses its carrier. Frames this end sent
 * stay on the wire and still reach the peer; the last end frees the wire.
 */
static void memlink_uninit(struct net_device *dev)
{
	struct ml_priv *p = netdev_priv(dev);
	struct ml_dir *d = ml_rx_dir(dev);
	struct sk_buff *gone, *skb;

	pthread_mutex_lock(&d->lock);
	d->rx_up = false;
	d->rx_net = NULL;
	gone = ml_dir_take(d, UINT64_MAX, INT_MAX);
	pthread_mutex_unlock(&d->lock);
	while ((skb = chain_pop(&gone)))
		kfree_skb_reason(skb, SKB_DROP_REASON_DEV_GONE);
	ml_wire_put(p->wire);
	p->wire = NULL;
}

static const struct net_device_ops memlink_ops = {
	.ndo_open	= memlink_open,
	.ndo_stop	= memlink_stop,
	.ndo_start_xmit	= memlink_xmit,
	.ndo_poll	= memlink_poll,
	.ndo_next_rx	= memlink_next_rx,
	.ndo_uninit	= memlink_uninit,
};

/* `ip link del` of this end (RTM_DELLINK): it is unregistered alone. */
static const struct rtnl_link_ops memlink_link_ops = {
	.kind		= "memlink",
	.dellink	= unregister_netdevice,
};

static void memlink_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->min_mtu = MEMLINK_MIN_MTU;
	dev->max_mtu = MEMLINK_MAX_MTU;
	dev->netdev_ops = &memlink_ops;
	dev->rtnl_link_ops = &memlink_link_ops;
}

/* ---- creation ------------------------------------------------------------------------ */

static struct net_device *ml_dev_alloc(struct memlink *w, int side,
				       const char *name)
{
	struct net_device *dev;
	struct ml_priv *p;

	dev = alloc_netdev(sizeof(*p), name ? name : MEMLINK_NAME, memlink_setup);
	if (!dev)
		return NULL;
	p = netdev_priv(dev);
	p->wire = w;
	p->side = side;
	dev->mtu = w->dir[side].params.mtu;
	dev->tx_queue_len = w->dir[side].params.queue_len;
	return dev;
}

/*
 * Registers one end in @net under its lock, drawing its address and,
 * without a user seed, the seed of the frames it sends from the
 * namespace's source (seeded from the run's seed in simulated mode).
 * Returns the ifindex.
 */
static int ml_register(struct usn_net *net, struct net_device *dev)
{
	struct ml_dir *d = ml_tx_dir(dev);
	uint64_t seed;
	int err;

	net_lock(net);
	if (net->dead) {
		err = -EINVAL;
		goto out_unlock;
	}
	eth_random_addr(net, dev->dev_addr);
	if (!d->params.seed) {
		/* Two statements: the order of the draws must not be the compiler's. */
		seed = (uint64_t)net_random_u32(net) << 32;
		seed |= net_random_u32(net);
		usn_rnd_seed(&d->rnd, seed);
	}
	err = register_netdevice(net, dev);
	if (!err)
		err = dev->ifindex;
out_unlock:
	net_unlock(net);
	return err;
}

static int memlink_create(struct usn_net *net[2], const char *name[2],
			  const struct usn_memlink_params *prm, int ifindex[2])
{
	struct net_device *dev[2] = { NULL, NULL };
	int idx[2], err, i, nreg = 0;
	struct memlink *w;

	if (!net[0] || !net[1])
		return -EINVAL;
	err = ml_params_check(prm);
	if (err)
		return err;
	for (i = 0; i < 2; i++)
		if (name[i] && strlen(name[i]) >= IFNAMSIZ)
			return -EINVAL;
	w = ml_wire_alloc(net[0], net[1], prm);
	if (!w)
		return -ENOMEM;

	err = -ENOMEM;
	for (i = 0; i < 2; i++) {
		dev[i] = ml_dev_alloc(w, i, name[i]);
		if (!dev[i])
			goto out_unwind;
	}
	/* One namespace lock at a time: never both. */
	for (nreg = 0; nreg < 2; nreg++) {
		err = ml_register(net[nreg], dev[nreg]);
		if (err < 0)
			goto out_unwind;
		idx[nreg] = err;
	}
	if (ifindex) {
		ifindex[0] = idx[0];
		ifindex[1] = idx[1];
	}
	return 0;

out_unwind:
	/* Registered ends drop their reference in ndo_uninit, the others here. */
	for (i = 0; i < 2; i++) {
		if (i < nreg) {
			net_lock(net[i]);
			unregister_netdevice(dev[i]);
			net_unlock(net[i]);
		} else {
			free_netdev(dev[i]);
			ml_wire_put(w);
		}
	}
	return err;
}

static int ret_errno(int err)
{
	if (err < 0) {
		errno = -err;
		return -1;
	}
	return err;
}

__public int usn_memlink_create(struct usn_net *a, const char *name_a,
				struct usn_net *b, const char *name_b,
				const struct usn_memlink_params *params,
				int ifindex[2])
{
	struct usn_net *net[2] = { a, b };
	const char *name[2] = { name_a, name_b };

	usn_start();
	return ret_errno(memlink_create(net, name, params, ifindex));
}

/* Namespace locked. A non-zero mtu also sets this end's MTU. */
static int memlink_set_params(struct net_device *dev,
			      const struct usn_memlink_params *prm)
{
	const struct ml_priv *p = netdev_priv(dev);
	struct ml_dir *d;
	int err;

	if (dev->netdev_ops != &memlink_ops)
		return -ENODEV;
	err = ml_params_check(prm);
	if (err)
		return err;
	if (prm && prm->mtu) {
		err = dev_set_mtu(dev, prm->mtu);
		if (err)
			return err;
	}
	d = ml_tx_dir(dev);
	ml_dir_set_params(d, p->side, prm);
	d->params.mtu = dev->mtu;
	dev->tx_queue_len = d->params.queue_len;
	return 0;
}

__public int usn_memlink_set_params(struct usn_net *net, int ifindex,
				    const struct usn_memlink_params *params)
{
	struct net_device *dev;
	int err;

	if (!net)
		return ret_errno(-EINVAL);
	usn_start();
	net_lock(net);
	dev = dev_get_by_index(net, ifindex);
	err = dev ? memlink_set_params(dev, params) : -ENODEV;
	net_unlock(net);
	return ret_errno(err);
}
