/* SPDX-License-Identifier: MIT */
/*
 * protocol.c - inet_protos[], the transport protocols IPv4 delivers to by
 * protocol number, after net/ipv4/protocol.c. Registration happens at
 * start-up, lookups on every received datagram of every namespace, so the
 * slots are atomic pointers and a slot is claimed with a compare-and-swap.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include "network/ipv4/protocol.h"

static _Atomic(const struct net_protocol *) inet_protos[256];

int inet_add_protocol(const struct net_protocol *prot, unsigned char protocol)
{
	const struct net_protocol *expected = NULL;

	if (!prot)
		return -EINVAL;
	if (!atomic_compare_exchange_strong(&inet_protos[protocol], &expected,
					    prot))
		return -EEXIST;
	return 0;
}

int inet_del_protocol(const struct net_protocol *prot, unsigned char protocol)
{
	const struct net_protocol *expected = prot;

	if (!prot)
		return -EINVAL;
	if (!atomic_compare_exchange_strong(&inet_protos[protocol], &expected,
					    NULL))
		return -ENOENT;
	return 0;
}

const struct net_protocol *inet_protocol(unsigned char protocol)
{
	return atomic_load_explicit(&inet_protos[protocol],
				    memory_order_acquire);
}
