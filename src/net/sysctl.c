/* SPDX-License-Identifier: MIT */
/*
 * sysctl.c - the table of a namespace's tunables: each row names a
 * field of struct netns_sysctl, how many integers it holds, its default
 * and its range, as the kernel's ctl_table rows do (proc_dointvec_minmax).
 * Values are read and written as text, as /proc/sys/<name with / for .>.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <usnet/usnet.h>
#include "net/net.h"
#include "net/usnet.h"
#include "socket/sock.h"

struct sysctl_entry {
	const char	*name;
	size_t		offset;		/* into struct netns_sysctl */
	int		count;		/* integers: 1, 2 for a range, 3 for tcp_rmem */
	int		def[3];
	int		min, max;	/* each integer's bounds */
	int		(*check)(const int *v);	/* extra rule, or NULL */
};

/* A port range must be ordered: low <= high (ipv4_local_port_range). */
static int check_ordered(const int *v)
{
	return v[0] <= v[1] ? 0 : -EINVAL;
}

#define NS(field)	offsetof(struct netns_sysctl, field)

static const struct sysctl_entry sysctl_table[] = {
	{ "net.core.somaxconn", NS(somaxconn), 1, { 4096 }, 0, INT_MAX, NULL },
	{ "net.core.rmem_default", NS(rmem_default), 1, { 212992 },
	  SOCK_MIN_RCVBUF, INT_MAX, NULL },
	{ "net.core.rmem_max", NS(rmem_max), 1, { 212992 },
	  SOCK_MIN_RCVBUF, INT_MAX, NULL },
	{ "net.core.wmem_default", NS(wmem_default), 1, { 212992 },
	  SOCK_MIN_SNDBUF, INT_MAX, NULL },
	{ "net.core.wmem_max", NS(wmem_max), 1, { 212992 },
	  SOCK_MIN_SNDBUF, INT_MAX, NULL },
	{ "net.core.optmem_max", NS(optmem_max), 1, { 131072 }, 0, INT_MAX, NULL },
	{ "net.core.netdev_max_backlog", NS(netdev_max_backlog), 1, { 1000 },
	  0, INT_MAX, NULL },
	{ "net.ipv4.ip_local_port_range", NS(ip_local_port_range), 2,
	  { 32768, 60999 }, 1, 65535, check_ordered },
	{ "net.ipv4.ip_forward", NS(ip_forward), 1, { 0 }, 0, 1, NULL },
	{ "net.ipv4.ip_default_ttl", NS(ip_default_ttl), 1, { 64 }, 1, 255, NULL },
	{ "net.ipv4.ip_no_pmtu_disc", NS(ip_no_pmtu_disc), 1, { 0 }, 0, 3, NULL },
	/* An inverted range ("1 0", the default) lets no group open ping sockets. */
	{ "net.ipv4.ping_group_range", NS(ping_group_range), 2, { 1, 0 },
	  0, INT_MAX, NULL },
	{ "net.ipv4.ip_nonlocal_bind", NS(ip_nonlocal_bind), 1, { 0 }, 0, 1, NULL },
	{ "net.ipv4.ipfrag_high_thresh", NS(ipfrag_high_thresh), 1, { 4194304 },
	  0, INT_MAX, NULL },
	{ "net.ipv4.ipfrag_low_thresh", NS(ipfrag_low_thresh), 1, { 3145728 },
	  0, INT_MAX, NULL },
	{ "net.ipv4.ipfrag_time", NS(ipfrag_time), 1, { 30 }, 1, INT_MAX, NULL },
	{ "net.ipv4.icmp_ratelimit", NS(icmp_ratelimit), 1, { 1000 }, 0, INT_MAX, NULL },
	/* Dest unreachable, source quench, time exceeded, parameter problem. */
	{ "net.ipv4.icmp_ratemask", NS(icmp_ratemask), 1, { 6168 }, 0, INT_MAX, NULL },
	{ "net.ipv4.icmp_msgs_per_sec", NS(icmp_msgs_per_sec), 1, { 1000 },
	  0, INT_MAX, NULL },
	{ "net.ipv4.icmp_msgs_burst", NS(icmp_msgs_burst), 1, { 50 }, 0, INT_MAX, NULL },
	{ "net.ipv4.icmp_echo_ignore_all", NS(icmp_echo_ignore_all), 1, { 0 }, 0, 1, NULL },
	{ "net.ipv4.icmp_echo_ignore_broadcasts", NS(icmp_echo_ignore_broadcasts), 1,
	  { 1 }, 0, 1, NULL },
	{ "net.ipv4.neigh.default.base_reachable_time_ms",
	  NS(neigh_base_reachable_time_ms), 1, { 30000 }, 1, INT_MAX, NULL },
	{ "net.ipv4.neigh.default.retrans_time_ms", NS(neigh_retrans_time_ms), 1,
	  { 1000 }, 1, INT_MAX, NULL },
	{ "net.ipv4.neigh.default.gc_stale_time", NS(neigh_gc_stale_time), 1, { 60 },
	  1, INT_MAX, NULL },
	{ "net.ipv4.neigh.default.delay_first_probe_time",
	  NS(neigh_delay_first_probe_time), 1, { 5 }, 1, INT_MAX, NULL },
	{ "net.ipv4.neigh.default.ucast_solicit", NS(neigh_ucast_solicit), 1, { 3 },
	  0, 255, NULL },
	{ "net.ipv4.neigh.default.mcast_solicit", NS(neigh_mcast_solicit), 1, { 3 },
	  0, 255, NULL },
	{ "net.ipv4.neigh.default.unres_qlen", NS(neigh_unres_qlen), 1, { 101 },
	  0, INT_MAX, NULL },
	/* tcp_rmem/tcp_wmem: min, default, max (Linux 6.x defaults; unordered accepted, as Linux) */
	{ "net.ipv4.tcp_rmem", NS(tcp_rmem), 3, { 4096, 131072, 6291456 },
	  1, INT_MAX, NULL },
	{ "net.ipv4.tcp_wmem", NS(tcp_wmem), 3, { 4096, 16384, 4194304 },
	  1, INT_MAX, NULL },
	{ "net.ipv4.tcp_syn_retries", NS(tcp_syn_retries), 1, { 6 }, 1, 127, NULL },
	{ "net.ipv4.tcp_synack_retries", NS(tcp_synack_retries), 1, { 5 },
	  0, 255, NULL },
	{ "net.ipv4.tcp_retries1", NS(tcp_retries1), 1, { 3 }, 0, 255, NULL },
	{ "net.ipv4.tcp_retries2", NS(tcp_retries2), 1, { 15 }, 0, 255, NULL },
	{ "net.ipv4.tcp_orphan_retries", NS(tcp_orphan_retries), 1, { 0 },
	  0, 255, NULL },
	{ "net.ipv4.tcp_fin_timeout", NS(tcp_fin_timeout), 1, { 60 },
	  1, INT_MAX / 1000, NULL },
	{ "net.ipv4.tcp_keepalive_time", NS(tcp_keepalive_time), 1, { 7200 },
	  1, INT_MAX / 1000, NULL },
	{ "net.ipv4.tcp_keepalive_intvl", NS(tcp_keepalive_intvl), 1, { 75 },
	  1, INT_MAX / 1000, NULL },
	{ "net.ipv4.tcp_keepalive_probes", NS(tcp_keepalive_probes), 1, { 9 },
	  1, 127, NULL },
	{ "net.ipv4.tcp_sack", NS(tcp_sack), 1, { 1 }, 0, 1, NULL },
	{ "net.ipv4.tcp_timestamps", NS(tcp_timestamps), 1, { 1 }, 0, 2, NULL },
	{ "net.ipv4.tcp_window_scaling", NS(tcp_window_scaling), 1, { 1 },
	  0, 1, NULL },
	/* Linux scales it with memory, never below 128. */
	{ "net.ipv4.tcp_max_syn_backlog", NS(tcp_max_syn_backlog), 1, { 128 },
	  0, INT_MAX, NULL },
	{ "net.ipv4.tcp_abort_on_overflow", NS(tcp_abort_on_overflow), 1, { 0 },
	  0, 1, NULL },
	{ "net.ipv4.tcp_tw_reuse", NS(tcp_tw_reuse), 1, { 2 }, 0, 2, NULL },
	{ "net.ipv4.tcp_rfc1337", NS(tcp_rfc1337), 1, { 0 }, 0, 1, NULL },
	{ "net.ipv4.tcp_challenge_ack_limit", NS(tcp_challenge_ack_limit), 1,
	  { INT_MAX }, 0, INT_MAX, NULL },
	{ "net.ipv4.tcp_invalid_ratelimit", NS(tcp_invalid_ratelimit), 1,
	  { 500 }, 0, INT_MAX, NULL },
	{ "net.ipv4.tcp_reordering", NS(tcp_reordering), 1, { 3 }, 1, INT_MAX, NULL },
	{ "net.ipv4.tcp_base_mss", NS(tcp_base_mss), 1, { 1024 }, 1, INT_MAX, NULL },
	{ "net.ipv4.tcp_min_snd_mss", NS(tcp_min_snd_mss), 1, { 48 },
	  48, 65535, NULL },
	{ "net.ipv4.tcp_moderate_rcvbuf", NS(tcp_moderate_rcvbuf), 1, { 1 },
	  0, 1, NULL },
	{ "net.ipv4.tcp_slow_start_after_idle", NS(tcp_slow_start_after_idle),
	  1, { 1 }, 0, 1, NULL },
	{ "net.ipv4.tcp_no_metrics_save", NS(tcp_no_metrics_save), 1, { 0 },
	  0, 1, NULL },
	{ "net.ipv4.tcp_workaround_signed_windows",
	  NS(tcp_workaround_signed_windows), 1, { 0 }, 0, 1, NULL },
	/* Linux's TCP_DELACK_MIN (HZ/25) as a tunable for experiments. */
	{ "net.usnet.tcp_delack_min_ms", NS(tcp_delack_min_ms), 1, { 40 },
	  1, 200, NULL },
	{ "net.usnet.socket_max", NS(socket_max), 1, { 1048576 }, 1, INT_MAX, NULL },
};

static int *field(struct netns_sysctl *s, const struct sysctl_entry *e)
{
	return (int *)((char *)s + e->offset);
}

void sysctl_init_defaults(struct netns_sysctl *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysctl_table); i++)
		memcpy(field(s, &sysctl_table[i]), sysctl_table[i].def,
		       sizeof(int) * (size_t)sysctl_table[i].count);
}

static const struct sysctl_entry *sysctl_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysctl_table); i++)
		if (!strcmp(sysctl_table[i].name, name))
			return &sysctl_table[i];
	return NULL;
}

/* Parses @count integers separated by blanks, with optional trailing blanks. */
static int sysctl_parse(const struct sysctl_entry *e, const char *text, int *v)
{
	const char *p = text;
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

static int sysctl_format(const struct sysctl_entry *e, const int *v,
			 char *old, size_t *oldlen)
{
	char text[64];
	int n;

	/* /proc/sys separates a range with a tab and ends with a newline. */
	if (e->count == 3)
		n = snprintf(text, sizeof(text), "%d\t%d\t%d\n", v[0], v[1], v[2]);
	else if (e->count == 2)
		n = snprintf(text, sizeof(text), "%d\t%d\n", v[0], v[1]);
	else
		n = snprintf(text, sizeof(text), "%d\n", v[0]);
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
	int v[3], err = 0;

	if (!name)
		return -EFAULT;
	e = sysctl_find(name);
	if (!e)
		return -ENOENT;
	if (new) {
		err = sysctl_parse(e, new, v);
		if (err)
			return err;
	}
	net_lock(net);
	if (old || oldlen)
		err = oldlen ? sysctl_format(e, field(&net->sysctl, e), old, oldlen)
			     : -EFAULT;
	if (!err && new)
		memcpy(field(&net->sysctl, e), v, sizeof(int) * (size_t)e->count);
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
