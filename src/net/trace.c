/* SPDX-License-Identifier: MIT */
/*
 * trace.c - recording receive paths and reading them back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <usnet/usnet.h>
#include "net/trace.h"

#define TRACE_DEPTH	24
#define TRACE_BUF_MAX	(256 * 1024)

struct net_trace {
	unsigned int	flags;
	unsigned int	depth;
	unsigned int	overflow;	/* pushes past TRACE_DEPTH, popped silently */
	const char	*stack[TRACE_DEPTH];
	bool		entry[TRACE_DEPTH];
	bool		has_child[TRACE_DEPTH];
	char		*buf;		/* finished lines, oldest first */
	size_t		len;
	size_t		cap;
	unsigned long	lost;		/* lines dropped because the buffer was full */
};

void __trace_push(struct usn_net *net, const char *name, bool layer_entry)
{
	struct net_trace *t = net->trace;

	if (t->depth >= TRACE_DEPTH) {
		t->overflow++;
		return;
	}
	if (t->depth)
		t->has_child[t->depth - 1] = true;
	t->stack[t->depth] = name;
	t->entry[t->depth] = layer_entry;
	t->has_child[t->depth] = false;
	t->depth++;
}

static void trace_emit(struct net_trace *t)
{
	unsigned int from = 0;
	size_t need = 1;

	if (!(t->flags & USN_TRACE_FULL))
		for (unsigned int i = 0; i < t->depth; i++)
			if (t->entry[i])
				from = i;
	for (unsigned int i = from; i < t->depth; i++)
		need += strlen(t->stack[i]) + 2;
	if (t->len + need > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		char *nb;

		while (cap < t->len + need)
			cap *= 2;
		if (cap > TRACE_BUF_MAX || !(nb = realloc(t->buf, cap))) {
			t->lost++;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
	for (unsigned int i = from; i < t->depth; i++) {
		size_t n = strlen(t->stack[i]);

		if (i > from) {
			memcpy(t->buf + t->len, "->", 2);
			t->len += 2;
		}
		memcpy(t->buf + t->len, t->stack[i], n);
		t->len += n;
	}
	t->buf[t->len++] = '\n';
}

void __trace_pop(struct usn_net *net)
{
	struct net_trace *t = net->trace;

	if (t->overflow) {
		t->overflow--;
		return;
	}
	if (!t->depth)
		return;
	if (!t->has_child[t->depth - 1])
		trace_emit(t);
	t->depth--;
}

void trace_free(struct usn_net *net)
{
	if (net->trace) {
		free(net->trace->buf);
		free(net->trace);
		net->trace = NULL;
	}
}

__public int usn_trace_start(struct usn_net *net, unsigned int flags)
{
	struct net_trace *t;

	if (!net || (flags & ~USN_TRACE_FULL)) {
		errno = EINVAL;
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		errno = ENOMEM;
		return -1;
	}
	t->flags = flags;
	net_lock(net);
	trace_free(net);
	net->trace = t;
	net_unlock(net);
	return 0;
}

__public int usn_trace_stop(struct usn_net *net)
{
	if (!net) {
		errno = EINVAL;
		return -1;
	}
	net_lock(net);
	trace_free(net);
	net_unlock(net);
	return 0;
}

__public ssize_t usn_trace_read(struct usn_net *net, char *buf, size_t len)
{
	struct net_trace *t;
	size_t n = 0;

	if (!net || (!buf && len)) {
		errno = !net ? EINVAL : EFAULT;
		return -1;
	}
	net_lock(net);
	t = net->trace;
	if (!t) {
		net_unlock(net);
		errno = EINVAL;
		return -1;
	}
	/* Whole lines only, so a reader never sees half a path. */
	while (n < t->len) {
		char *nl = memchr(t->buf + n, '\n', t->len - n);
		size_t line = (size_t)(nl - (t->buf + n)) + 1;

		if (n + line > len)
			break;
		n += line;
	}
	if (n)
		memcpy(buf, t->buf, n);
	memmove(t->buf, t->buf + n, t->len - n);
	t->len -= n;
	net_unlock(net);
	return (ssize_t)n;
}
