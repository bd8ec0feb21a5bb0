/* SPDX-License-Identifier: MIT */
/*
 * net.c - network namespaces: creation, per-namespace subsystem set-up
 * (pernet operations), reference counting, and the calling thread's
 * current namespace.
 *
 * A namespace lives while anything holds a reference: its creator until
 * usn_net_destroy(), each socket made in it, each thread whose current
 * namespace it is. usn_net_destroy() takes its devices down at once and
 * stops its stack thread; the memory goes with the last reference.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "core/log.h"
#include "link/netdevice.h"
#include "net/exec.h"
#include "net/net.h"
#include "net/trace.h"
#include "net/usnet.h"

static LIST_HEAD(pernet_list);
static __thread struct usn_net *current_net;
static pthread_key_t current_key;
static pthread_once_t current_once = PTHREAD_ONCE_INIT;

/* Called with usn_g.lock held, so namespaces are not created meanwhile. */
int register_pernet_subsys(struct pernet_operations *ops)
{
	struct usn_net *net;
	int err;

	list_for_each_entry(net, &usn_g.nets, all_list) {
		if (!ops->init)
			break;
		net_lock(net);
		err = ops->init(net);
		net_unlock(net);
		if (err)
			return err;
	}
	list_add_tail(&ops->list, &pernet_list);
	return 0;
}

void unregister_pernet_subsys(struct pernet_operations *ops)
{
	struct usn_net *net;

	list_del_init(&ops->list);
	list_for_each_entry(net, &usn_g.nets, all_list) {
		if (ops->exit) {
			net_lock(net);
			ops->exit(net);
			net_unlock(net);
		}
	}
}

static int pernet_init_all(struct usn_net *net)
{
	struct pernet_operations *ops;
	int err;

	list_for_each_entry(ops, &pernet_list, list) {
		if (!ops->init)
			continue;
		err = ops->init(net);
		if (err) {
			pr_err("%s: set-up of %s failed", net->name, ops->name);
			return err;
		}
	}
	return 0;
}

static void pernet_exit_all(struct usn_net *net)
{
	struct pernet_operations *ops;

	/* In reverse, so a subsystem goes before those it was built on. */
	for (struct list_head *p = pernet_list.prev; p != &pernet_list; p = p->prev) {
		ops = list_entry(p, struct pernet_operations, list);
		if (ops->exit)
			ops->exit(net);
	}
}

static void net_seed(struct usn_net *net)
{
	uint64_t seed;

	if (usn_simulated()) {
		/* Each namespace draws from the run's seed and its creation order. */
		seed = usn_g.seed ^ ((uint64_t)net->id * 0x9e3779b97f4a7c15ULL);
	} else if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) {
		seed = usn_clock_now() ^ (uintptr_t)net;
	}
	usn_rnd_seed(&net->rnd, seed);
}

static void net_free(struct usn_net *net)
{
	exec_free(net);
	trace_free(net);
	pthread_mutex_destroy(&net->lock);
	free(net);
}

struct usn_net *get_net(struct usn_net *net)
{
	atomic_fetch_add(&net->refcnt, 1);
	return net;
}

void put_net(struct usn_net *net)
{
	if (atomic_fetch_sub(&net->refcnt, 1) == 1)
		net_free(net);
}

static int net_setup(struct usn_net *net, const char *name, unsigned int flags)
{
	int err;

	pthread_mutex_init(&net->lock, NULL);
	atomic_init(&net->refcnt, 1);
	snprintf(net->name, sizeof(net->name), "%s", name);
	net->mode = usn_simulated() ? NET_MODE_SIMULATED :
		    (flags & USN_NET_EXTERNAL) ? NET_MODE_EXTERNAL :
						 NET_MODE_THREADED;
	net->ifindex_next = 1;
	INIT_LIST_HEAD(&net->dev_base_head);
	INIT_LIST_HEAD(&net->ptype_all);
	for (int i = 0; i < PTYPE_HASH_SIZE; i++)
		INIT_LIST_HEAD(&net->ptype_base[i]);
	INIT_LIST_HEAD(&net->poll_list);
	skb_queue_head_init(&net->backlog);
	sysctl_init_defaults(&net->sysctl);
	timer_base_init(&net->timers, ns_to_jiffies(usn_clock_now()));
	timer_base_init(&net->timers_deferrable, ns_to_jiffies(usn_clock_now()));
	err = exec_init(net);
	if (err)
		return err;
	net_seed(net);
	net_lock(net);
	err = pernet_init_all(net);
	net_unlock(net);
	return err;
}

static struct usn_net *net_create_locked(const char *name, unsigned int flags,
					 int *errp)
{
	struct usn_net *net;
	int err = -EINVAL;

	if (flags & ~USN_NET_EXTERNAL)
		goto out;
	err = -ENOMEM;
	net = calloc(1, sizeof(*net));
	if (!net)
		goto out;
	net->id = usn_g.next_net_id++;
	err = net_setup(net, name ? name : "net", flags);
	if (err)
		goto out_teardown;
	list_add_tail(&net->all_list, &usn_g.nets);
	err = exec_start(net);
	if (err)
		goto out_unlink;
	return net;

out_unlink:
	list_del_init(&net->all_list);
out_teardown:
	net_lock(net);
	devices_unregister_all(net);
	pernet_exit_all(net);
	net_unlock(net);
	net_free(net);
out:
	*errp = err;
	return NULL;
}

struct usn_net *net_default(void)
{
	struct usn_net *net;
	int err;

	usn_start();
	net = __atomic_load_n(&usn_g.init_net, __ATOMIC_ACQUIRE);
	if (likely(net))
		return net;
	pthread_mutex_lock(&usn_g.lock);
	if (!usn_g.init_net) {
		net = net_create_locked("default", 0, &err);
		if (!net) {
			pr_err("cannot create the default namespace: %s",
			       strerror(-err));
			abort();
		}
		__atomic_store_n(&usn_g.init_net, net, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&usn_g.lock);
	return usn_g.init_net;
}

struct usn_net *net_current(void)
{
	struct usn_net *net = current_net;

	return likely(net) ? net : net_default();
}

static void current_release(void *p)
{
	put_net(p);
}

static void current_key_init(void)
{
	pthread_key_create(&current_key, current_release);
}

__public struct usn_net *usn_net_create(const char *name, unsigned int flags)
{
	struct usn_net *net;
	int err;

	net_default();		/* the default namespace is always the first */
	pthread_mutex_lock(&usn_g.lock);
	net = net_create_locked(name, flags, &err);
	pthread_mutex_unlock(&usn_g.lock);
	if (!net)
		errno = -err;
	return net;
}

__public int usn_net_destroy(struct usn_net *net)
{
	if (!net || net == usn_g.init_net) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&usn_g.lock);
	if (net->dead) {
		pthread_mutex_unlock(&usn_g.lock);
		errno = EINVAL;
		return -1;
	}
	list_del_init(&net->all_list);
	pthread_mutex_unlock(&usn_g.lock);

	exec_stop(net);
	net_lock(net);
	net->dead = true;
	devices_unregister_all(net);
	pernet_exit_all(net);
	net_unlock(net);
	put_net(net);
	return 0;
}

__public int usn_setns(struct usn_net *net)
{
	struct usn_net *old = current_net;

	if (!net)
		net = net_default();
	if (net->dead) {
		errno = EINVAL;
		return -1;
	}
	pthread_once(&current_once, current_key_init);
	current_net = get_net(net);
	pthread_setspecific(current_key, current_net);
	if (old)
		put_net(old);
	return 0;
}

__public struct usn_net *usn_net_current(void)
{
	return net_current();
}

__public struct usn_net *usn_net_default(void)
{
	return net_default();
}

__public const char *usn_net_name(const struct usn_net *net)
{
	return net ? net->name : NULL;
}

__public uint64_t usn_net_now(const struct usn_net *net)
{
	usn_start();
	return net_now(net);
}
