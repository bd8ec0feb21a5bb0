/* SPDX-License-Identifier: MIT */
/*
 * sysctl.c - the table of a namespace's tunables: each row names a
 * field of struct netns_sysctl, its type, its default and its rules, as
 * the kernel's ctl_table rows do. Two types, after the kernel's handlers:
 *   SYSCTL_INTVEC  @count integers within [min, max] (proc_dointvec_minmax)
 *   SYSCTL_STRING  a string of at most maxlen - 1 bytes (proc_dostring),
 *                  checked by a validator (tcp_congestion_control: ENOENT
 *                  for an unknown algorithm), or computed by @show for a
 *                  read-only row (tcp_available_congestion_control).
 * Values are read and written as text, as /proc/sys/<name with / for .>.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <usnet/usnet.h>
#include "net/net.h"
#include "net/usnet.h"
#include "socket/sock.h"
#include "transport/tcp/tcp.h"

enum sysctl_type {
	SYSCTL_INTVEC,		/* the zero value: rows without a type */
	SYSCTL_STRING,
	SYSCTL_NTYPES,
};

#define SYSCTL_STR_MAX	64	/* the longest string value, with its NUL */

struct sysctl_entry {
	const char	*name;
	size_t		offset;		/* into struct netns_sysctl */
	/* SYSCTL_INTVEC */
	int		count;		/* integers: 1, 2 for a range, 3 for tcp_rmem */
	int		def[3];
	int		min, max;	/* each integer's bounds */
	int		(*check)(const int *v);	/* extra rule, or NULL */
	/* SYSCTL_STRING */
	uint8_t		type;		/* enum sysctl_type */
	bool		readonly;	/* mode 0444: a write is EACCES */
	size_t		maxlen;		/* the field's size, NUL included */
	const char	*def_str;
	int		(*check_str)(const char *v);	/* 0 or -errno, or NULL */
	int		(*show)(char *buf, size_t maxlen);	/* computed value */
};

/* A value on its way in or out, whatever its type. */
union sysctl_val {
	int	ints[3];
	char	str[SYSCTL_STR_MAX];
};

/* A port range must be ordered: low <= high (ipv4_local_port_range). */
static int check_ordered(const int *v)
{
	return v[0] <= v[1] ? 0 : -EINVAL;
}

#define NS(field)	offsetof(struct netns_sysctl, field)
/* @cnt integers in [@mn, @mx], defaults last. */
#define INTVEC(n, f, cnt, mn, mx, chk, ...)				\
	{ .name = (n), .offset = NS(f), .type = SYSCTL_INTVEC,		\
	  .count = (cnt), .def = { __VA_ARGS__ }, .min = (mn),		\
	  .max = (mx), .check = (chk) }

static const struct sysctl_entry sysctl_table[] = {
	INTVEC("net.core.somaxconn", somaxconn, 1, 0, INT_MAX, NULL, 4096),
	INTVEC("net.core.rmem_default", rmem_default, 1,
	       SOCK_MIN_RCVBUF, INT_MAX, NULL, 212992),
	INTVEC("net.core.rmem_max", rmem_max, 1,
	       SOCK_MIN_RCVBUF, INT_MAX, NULL, 212992),
	INTVEC("net.core.wmem_default", wmem_default, 1,
	       SOCK_MIN_SNDBUF, INT_MAX, NULL, 212992),
	INTVEC("net.core.wmem_max", wmem_max, 1,
	       SOCK_MIN_SNDBUF, INT_MAX, NULL, 212992),
	INTVEC("net.core.optmem_max", optmem_max, 1, 0, INT_MAX, NULL, 131072),
	INTVEC("net.core.netdev_max_backlog", netdev_max_backlog, 1,
	       0, INT_MAX, NULL, 1000),
	INTVEC("net.unix.max_dgram_qlen", unix_max_dgram_qlen, 1,
	       INT_MIN, INT_MAX, NULL, 10),
	INTVEC("net.ipv4.ip_local_port_range", ip_local_port_range, 2,
	       1, 65535, check_ordered, 32768, 60999),
	INTVEC("net.ipv4.ip_forward", ip_forward, 1, 0, 1, NULL, 0),
	INTVEC("net.ipv4.ip_default_ttl", ip_default_ttl, 1, 1, 255, NULL, 64),
	INTVEC("net.ipv4.ip_no_pmtu_disc", ip_no_pmtu_disc, 1, 0, 3, NULL, 0),
	/* An inverted range ("1 0", the default) lets no group open ping sockets. */
	INTVEC("net.ipv4.ping_group_range", ping_group_range, 2,
	       0, INT_MAX, NULL, 1, 0),
	INTVEC("net.ipv4.ip_nonlocal_bind", ip_nonlocal_bind, 1, 0, 1, NULL, 0),
	INTVEC("net.ipv4.ipfrag_high_thresh", ipfrag_high_thresh, 1,
	       0, INT_MAX, NULL, 4194304),
	INTVEC("net.ipv4.ipfrag_low_thresh", ipfrag_low_thresh, 1,
	       0, INT_MAX, NULL, 3145728),
	INTVEC("net.ipv4.ipfrag_time", ipfrag_time, 1, 1, INT_MAX, NULL, 30),
	INTVEC("net.ipv4.icmp_ratelimit", icmp_ratelimit, 1,
	       0, INT_MAX, NULL, 1000),
	/* Dest unreachable, source quench, time exceeded, parameter problem. */
	INTVEC("net.ipv4.icmp_ratemask", icmp_ratemask, 1,
	       0, INT_MAX, NULL, 6168),
	INTVEC("net.ipv4.icmp_msgs_per_sec", icmp_msgs_per_sec, 1,
	       0, INT_MAX, NULL, 1000),
	INTVEC("net.ipv4.icmp_msgs_burst", icmp_msgs_burst, 1,
	       0, INT_MAX, NULL, 50),
	INTVEC("net.ipv4.icmp_echo_ignore_all", icmp_echo_ignore_all, 1,
	       0, 1, NULL, 0),
	INTVEC("net.ipv4.icmp_echo_ignore_broadcasts",
	       icmp_echo_ignore_broadcasts, 1, 0, 1, NULL, 1),
	INTVEC("net.ipv4.neigh.default.base_reachable_time_ms",
	       neigh_base_reachable_time_ms, 1, 1, INT_MAX, NULL, 30000),
	INTVEC("net.ipv4.neigh.default.retrans_time_ms",
	       neigh_retrans_time_ms, 1, 1, INT_MAX, NULL, 1000),
	INTVEC("net.ipv4.neigh.default.gc_stale_time", neigh_gc_stale_time, 1,
	       1, INT_MAX, NULL, 60),
	INTVEC("net.ipv4.neigh.default.delay_first_probe_time",
	       neigh_delay_first_probe_time, 1, 1, INT_MAX, NULL, 5),
	INTVEC("net.ipv4.neigh.default.ucast_solicit", neigh_ucast_solicit, 1,
	       0, 255, NULL, 3),
	INTVEC("net.ipv4.neigh.default.mcast_solicit", neigh_mcast_solicit, 1,
	       0, 255, NULL, 3),
	INTVEC("net.ipv4.neigh.default.unres_qlen", neigh_unres_qlen, 1,
	       0, INT_MAX, NULL, 101),
	/*
	 * tcp_mem, in 4 KiB pages: below min no pressure, above pressure the
	 * namespace is under memory pressure, above max no TCP buffer is
	 * granted. Linux has one for the machine, computed from its RAM;
	 * here each namespace has its own, by default what Linux computes
	 * for 4 GiB (192 MiB, 256 MiB, 384 MiB).
	 */
	INTVEC("net.ipv4.tcp_mem", tcp_mem, 3,
	       0, INT_MAX, NULL, 49152, 65536, 98304),
	/* tcp_rmem/tcp_wmem: min, default, max (Linux 6.x defaults; unordered accepted, as Linux) */
	INTVEC("net.ipv4.tcp_rmem", tcp_rmem, 3,
	       1, INT_MAX, NULL, 4096, 131072, 6291456),
	INTVEC("net.ipv4.tcp_wmem", tcp_wmem, 3,
	       1, INT_MAX, NULL, 4096, 16384, 4194304),
	INTVEC("net.ipv4.tcp_syn_retries", tcp_syn_retries, 1, 1, 127, NULL, 6),
	INTVEC("net.ipv4.tcp_synack_retries", tcp_synack_retries, 1,
	       0, 255, NULL, 5),
	INTVEC("net.ipv4.tcp_retries1", tcp_retries1, 1, 0, 255, NULL, 3),
	INTVEC("net.ipv4.tcp_retries2", tcp_retries2, 1, 0, 255, NULL, 15),
	INTVEC("net.ipv4.tcp_orphan_retries", tcp_orphan_retries, 1,
	       0, 255, NULL, 0),
	INTVEC("net.ipv4.tcp_fin_timeout", tcp_fin_timeout, 1,
	       1, INT_MAX / 1000, NULL, 60),
	INTVEC("net.ipv4.tcp_keepalive_time", tcp_keepalive_time, 1,
	       1, INT_MAX / 1000, NULL, 7200),
	INTVEC("net.ipv4.tcp_keepalive_intvl", tcp_keepalive_intvl, 1,
	       1, INT_MAX / 1000, NULL, 75),
	INTVEC("net.ipv4.tcp_keepalive_probes", tcp_keepalive_probes, 1,
	       1, 127, NULL, 9),
	INTVEC("net.ipv4.tcp_sack", tcp_sack, 1, 0, 1, NULL, 1),
	INTVEC("net.ipv4.tcp_timestamps", tcp_timestamps, 1, 0, 2, NULL, 1),
	INTVEC("net.ipv4.tcp_window_scaling", tcp_window_scaling, 1,
	       0, 1, NULL, 1),
	/* Linux scales it with memory, never below 128. */
	INTVEC("net.ipv4.tcp_max_syn_backlog", tcp_max_syn_backlog, 1,
	       0, INT_MAX, NULL, 128),
	INTVEC("net.ipv4.tcp_syncookies", tcp_syncookies, 1, 0, 2, NULL, 1),
	INTVEC("net.ipv4.tcp_abort_on_overflow", tcp_abort_on_overflow, 1,
	       0, 1, NULL, 0),
	INTVEC("net.ipv4.tcp_tw_reuse", tcp_tw_reuse, 1, 0, 2, NULL, 2),
	INTVEC("net.ipv4.tcp_rfc1337", tcp_rfc1337, 1, 0, 1, NULL, 0),
	INTVEC("net.ipv4.tcp_challenge_ack_limit", tcp_challenge_ack_limit, 1,
	       0, INT_MAX, NULL, INT_MAX),
	INTVEC("net.ipv4.tcp_invalid_ratelimit", tcp_invalid_ratelimit, 1,
	       0, INT_MAX, NULL, 500),
	INTVEC("net.ipv4.tcp_reordering", tcp_reordering, 1,
	       1, INT_MAX, NULL, 3),
	/* u8 in Linux (proc_dou8vec_minmax): 0..255, nonzero is on. */
	INTVEC("net.ipv4.tcp_dsack", tcp_dsack, 1, 0, 255, NULL, 1),
	/* Bits: 1 RACK, 2 static reordering window, 4 no dupthresh. */
	INTVEC("net.ipv4.tcp_recovery", tcp_recovery, 1,
	       INT_MIN, INT_MAX, NULL, 1),
	INTVEC("net.ipv4.tcp_frto", tcp_frto, 1, 0, 255, NULL, 2),
	INTVEC("net.ipv4.tcp_min_rtt_wlen", tcp_min_rtt_wlen, 1,
	       0, 86400, NULL, 300),
	INTVEC("net.ipv4.tcp_base_mss", tcp_base_mss, 1,
	       1, INT_MAX, NULL, 1024),
	INTVEC("net.ipv4.tcp_min_snd_mss", tcp_min_snd_mss, 1,
	       48, 65535, NULL, 48),
	INTVEC("net.ipv4.tcp_moderate_rcvbuf", tcp_moderate_rcvbuf, 1,
	       0, 1, NULL, 1),
	INTVEC("net.ipv4.tcp_slow_start_after_idle",
	       tcp_slow_start_after_idle, 1, 0, 1, NULL, 1),
	INTVEC("net.ipv4.tcp_no_metrics_save", tcp_no_metrics_save, 1,
	       0, 1, NULL, 0),
	INTVEC("net.ipv4.tcp_workaround_signed_windows",
	       tcp_workaround_signed_windows, 1, 0, 1, NULL, 0),
	/* Linux's TCP_DELACK_MIN (HZ/25) as a tunable for experiments. */
	INTVEC("net.usnet.tcp_delack_min_ms", tcp_delack_min_ms, 1,
	       1, 200, NULL, 40),
	INTVEC("net.usnet.socket_max", socket_max, 1,
	       1, INT_MAX, NULL, 1048576),
	/* The algorithm new sockets get; Linux's default is CUBIC. */
	{ .name = "net.ipv4.tcp_congestion_control",
	  .offset = NS(tcp_congestion_control), .type = SYSCTL_STRING,
	  .maxlen = sizeof(((struct netns_sysctl *)0)->tcp_congestion_control),
	  .def_str = "cubic", .check_str = tcp_ca_name_check },
	{ .name = "net.ipv4.tcp_available_congestion_control",
	  .type = SYSCTL_STRING, .readonly = true, .maxlen = SYSCTL_STR_MAX,
	  .show = tcp_get_available_congestion_control },
};

_Static_assert(sizeof(((struct netns_sysctl *)0)->tcp_congestion_control) <=
	       SYSCTL_STR_MAX, "string rows fit a sysctl_val");

static void *field(struct netns_sysctl *s, const struct sysctl_entry *e)
{
	return (char *)s + e->offset;
}

/* ---- SYSCTL_INTVEC ------------------------------------------------------ */

static void intvec_init(const struct sysctl_entry *e, void *f)
{
	memcpy(f, e->def, sizeof(int) * (size_t)e->count);
}

/* Parses @count integers separated by blanks, with optional trailing blanks. */
static int intvec_parse(const struct sysctl_entry *e, const char *text,
			union sysctl_val *val)
{
	const char *p = text;
	int *v = val->ints;
	char *end;
	long x;

	for (int i = 0; i < e->count; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		errno = 0;
		x = strtol(p, &end, 10);
		if (end == p || errno || x < e->min || x > e->max)
			return -EINVAL;
		v[i] = (int)x;
		p = end;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	return e->check ? e->check(v) : 0;
}

static int intvec_format(const struct sysctl_entry *e, const void *f,
			 char *text, size_t size)
{
	const int *v = f;

	/* /proc/sys separates a range with a tab and ends with a newline. */
	if (e->count == 3)
		return snprintf(text, size, "%d\t%d\t%d\n", v[0], v[1], v[2]);
	if (e->count == 2)
		return snprintf(text, size, "%d\t%d\n", v[0], v[1]);
	return snprintf(text, size, "%d\n", v[0]);
}

static void intvec_store(const struct sysctl_entry *e, void *f,
			 const union sysctl_val *v)
{
	int *ints = f;

	/*
	 * Whole stores: a few readers hold another namespace's lock, not
	 * ours, and read with READ_ONCE (a unix connect across namespaces).
	 */
	for (int i = 0; i < e->count; i++)
		WRITE_ONCE(ints[i], v->ints[i]);
}

/* ---- SYSCTL_STRING ------------------------------------------------------ */

static void string_init(const struct sysctl_entry *e, void *f)
{
	if (e->show)
		return;
	memset(f, 0, e->maxlen);
	strncpy(f, e->def_str, e->maxlen - 1);
}

/*
 * As proc_dostring: the value ends at a newline or NUL, and what does not
 * fit in maxlen - 1 bytes is cut off; then the row's validator.
 */
static int string_parse(const struct sysctl_entry *e, const char *text,
			union sysctl_val *val)
{
	size_t n = strcspn(text, "\n");

	if (e->readonly)
		return -EACCES;
	n = min_t(size_t, n, e->maxlen - 1);
	memcpy(val->str, text, n);
	val->str[n] = 0;
	return e->check_str ? e->check_str(val->str) : 0;
}

static int string_format(const struct sysctl_entry *e, const void *f,
			 char *text, size_t size)
{
	char buf[SYSCTL_STR_MAX];
	int err;

	if (e->show) {
		err = e->show(buf, sizeof(buf));
		if (err)
			return err;
		f = buf;
	}
	return snprintf(text, size, "%s\n", (const char *)f);
}

static void string_store(const struct sysctl_entry *e, void *f,
			 const union sysctl_val *v)
{
	memset(f, 0, e->maxlen);
	memcpy(f, v->str, strlen(v->str));
}

/* ---- the types ---------------------------------------------------------- */

static const struct sysctl_type_ops {
	void	(*init)(const struct sysctl_entry *e, void *f);
	int	(*parse)(const struct sysctl_entry *e, const char *text,
			 union sysctl_val *v);
	/* snprintf's result, or -errno */
	int	(*format)(const struct sysctl_entry *e, const void *f,
			  char *text, size_t size);
	void	(*store)(const struct sysctl_entry *e, void *f,
			 const union sysctl_val *v);
} sysctl_types[SYSCTL_NTYPES] = {
	[SYSCTL_INTVEC] = { intvec_init, intvec_parse, intvec_format,
			    intvec_store },
	[SYSCTL_STRING] = { string_init, string_parse, string_format,
			    string_store },
};

void sysctl_init_defaults(struct netns_sysctl *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysctl_table); i++) {
		const struct sysctl_entry *e = &sysctl_table[i];

		sysctl_types[e->type].init(e, field(s, e));
	}
}

static const struct sysctl_entry *sysctl_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysctl_table); i++)
		if (!strcmp(sysctl_table[i].name, name))
			return &sysctl_table[i];
	return NULL;
}

static int sysctl_format(const struct sysctl_entry *e, const void *f,
			 char *old, size_t *oldlen)
{
	char text[SYSCTL_STR_MAX + 2];
	int n;

	n = sysctl_types[e->type].format(e, f, text, sizeof(text));
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(text))
		return -EOVERFLOW;
	if (old && *oldlen < (size_t)n + 1) {
		*oldlen = (size_t)n + 1;
		return -ENOMEM;
	}
	if (old)
		memcpy(old, text, (size_t)n + 1);
	*oldlen = (size_t)n + 1;
	return 0;
}

int net_sysctl(struct usn_net *net, const char *name, char *old,
	       size_t *oldlen, const char *new)
{
	const struct sysctl_entry *e;
	const struct sysctl_type_ops *ops;
	union sysctl_val v;
	int err = 0;

	if (!name)
		return -EFAULT;
	e = sysctl_find(name);
	if (!e)
		return -ENOENT;
	ops = &sysctl_types[e->type];
	if (new) {
		err = ops->parse(e, new, &v);
		if (err)
			return err;
	}
	net_lock(net);
	if (old || oldlen)
		err = oldlen ? sysctl_format(e, field(&net->sysctl, e), old, oldlen)
			     : -EFAULT;
	if (!err && new)
		ops->store(e, field(&net->sysctl, e), &v);
	net_unlock(net);
	return err;
}

__public int usn_sysctl(struct usn_net *net, const char *name, char *oldval,
			size_t *oldlen, const char *newval)
{
	int err;

	if (!net) {
		errno = EINVAL;
		return -1;
	}
	usn_start();
	err = net_sysctl(net, name, oldval, oldlen, newval);
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}
