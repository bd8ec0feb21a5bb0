/* SPDX-License-Identifier: MIT */
/*
 * notifier.h - notifier chains, after include/linux/notifier.h: a layer
 * announces an event (a device went up, an address was added) and the
 * layers built on it (routing, ARP) react, without the lower layer calling
 * up into them by name. Chains are process-wide and filled at start-up;
 * calls run under the namespace lock of the object concerned.
 */
#ifndef USN_CORE_NOTIFIER_H
#define USN_CORE_NOTIFIER_H

#include "core/list.h"

struct notifier_block {
	/* @event: the chain's NETDEV_* code; @ptr: the object (device, address). */
	int			(*notifier_call)(struct notifier_block *nb,
						 unsigned long event, void *ptr);
	int			priority;	/* higher runs first */
	struct list_head	list;
};

struct notifier_head {
	struct list_head	head;
};

#define NOTIFIER_HEAD_INIT(name)	{ LIST_HEAD_INIT((name).head) }

static inline void notifier_chain_register(struct notifier_head *nh,
					   struct notifier_block *nb)
{
	struct notifier_block *pos;

	list_for_each_entry(pos, &nh->head, list)
		if (nb->priority > pos->priority)
			break;
	list_add_tail(&nb->list, &pos->list);
}

static inline void notifier_chain_unregister(struct notifier_block *nb)
{
	list_del_init(&nb->list);
}

static inline void notifier_call_chain(struct notifier_head *nh,
				       unsigned long event, void *ptr)
{
	struct notifier_block *nb, *tmp;

	list_for_each_entry_safe(nb, tmp, &nh->head, list)
		nb->notifier_call(nb, event, ptr);
}

/* Events of the netdev and inetaddr chains (the kernel's values). */
#define NETDEV_UP		0x0001	/* device up; address added */
#define NETDEV_DOWN		0x0002	/* device down; address removed */
#define NETDEV_CHANGE		0x0004	/* flags (other than up) changed */
#define NETDEV_REGISTER		0x0005
#define NETDEV_CHANGEMTU	0x0007
#define NETDEV_UNREGISTER	0x0006
#define NETDEV_CHANGEADDR	0x0008
#define NETDEV_CHANGENAME	0x000B
#define NETDEV_CHANGE_TX_QUEUE_LEN 0x001F

#endif
