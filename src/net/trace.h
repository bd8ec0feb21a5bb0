/* SPDX-License-Identifier: MIT */
/*
 * trace.h - the receive trace: for each packet a namespace receives, the
 * functions it passed through, recorded as a tree while the softirq hands
 * it up (processing is synchronous under the namespace lock, so a stack is
 * enough). Each leaf becomes one line: its path from the root, printed with
 * "->", from the last function that entered a protocol layer
 * (__netif_receive_skb_core, ip_rcv, ...) unless USN_TRACE_FULL is set.
 *
 * Costs one predictable branch per hop while tracing is off.
 */
#ifndef USN_NET_TRACE_H
#define USN_NET_TRACE_H

#include <stdbool.h>
#include "net/net.h"

void __trace_push(struct usn_net *net, const char *name, bool layer_entry);
void __trace_pop(struct usn_net *net);
void trace_free(struct usn_net *net);

static inline void trace_push(struct usn_net *net, const char *name,
			      bool layer_entry)
{
	if (unlikely(net->trace))
		__trace_push(net, name, layer_entry);
}

static inline void trace_pop(struct usn_net *net)
{
	if (unlikely(net->trace))
		__trace_pop(net);
}

static inline void trace_scope_end(struct usn_net **netp)
{
	trace_pop(*netp);
}

/* Records the enclosing function as one hop until it returns. */
#define TRACE_FUNC(net)							\
	struct usn_net *__trace_net __attribute__((cleanup(trace_scope_end))) = (net); \
	trace_push(__trace_net, __func__, false)

/* Same, for a function that enters a protocol layer (ip_rcv). */
#define TRACE_LAYER_ENTRY(net)						\
	struct usn_net *__trace_net __attribute__((cleanup(trace_scope_end))) = (net); \
	trace_push(__trace_net, __func__, true)

#endif
