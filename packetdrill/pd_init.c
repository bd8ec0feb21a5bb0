/* SPDX-License-Identifier: MIT */
/*
 * pd_init.c - libusnet-packetdrill.so's one exported symbol,
 * packetdrill_interface_init(), and the instance it makes.
 *
 * Each call makes an instance of its own: a threaded usnet namespace (real
 * clock, a stack thread that runs the timers) with one script device as
 * its only link, configured from --so_flags, with the TCP settings
 * packetdrill's scripts assume (the values of its tcp/common/defaults.sh).
 * free() closes what the script left open that is still ours and destroys
 * the namespace; a later call to the init function starts afresh.
 *
 * The table's members live in pd_calls.c, pd_netdev.c and pd_extra.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <usnet/usnet.h>
#include "dev/scriptdev.h"
#include "packetdrill.h"
#include "pd.h"

#define PD_DEV_NAME	"tun0"		/* packetdrill's own device name */

/*
 * packetdrill's tcp/common/defaults.sh, applied to the namespace. A name
 * usnet does not have is a behaviour it has fixed at that value (RACK-TLP,
 * F-RTO, D-SACK, no ECN, no pacing, no not-sent limit): skipped. See
 * docs/packetdrill.md.
 */
static const char *const pd_defaults[][2] = {
	{ "net.ipv4.tcp_rmem",			"4096 540000 15728640" },
	{ "net.ipv4.tcp_wmem",			"4096 262144 4194304" },
	{ "net.ipv4.tcp_timestamps",		"1" },
	{ "net.ipv4.tcp_syn_retries",		"5" },
	{ "net.ipv4.tcp_synack_retries",	"5" },
	{ "net.ipv4.tcp_frto",			"2" },
	{ "net.ipv4.tcp_sack",			"1" },
	{ "net.ipv4.tcp_dsack",			"1" },
	{ "net.ipv4.tcp_reordering",		"3" },
	{ "net.ipv4.tcp_congestion_control",	"cubic" },
	{ "net.ipv4.tcp_slow_start_after_idle",	"0" },
	{ "net.ipv4.tcp_early_retrans",		"4" },
	{ "net.ipv4.tcp_recovery",		"1" },
	{ "net.ipv4.tcp_ecn",			"0" },
	{ "net.ipv4.tcp_notsent_lowat",		"4294967295" },
	{ "net.ipv4.tcp_syncookies",		"1" },
};

/* Sets @name; a name the stack lacks is skipped when @optional. */
static int pd_sysctl(struct pd_state *st, const char *name, const char *val,
		     bool optional, char *err, size_t errlen)
{
	char old[256];
	size_t oldlen = sizeof(old);

	if (usn_sysctl(st->net, name, old, &oldlen, NULL)) {
		if (errno == ENOENT && optional)
			return 0;
		snprintf(err, errlen, "sysctl %s: %s", name, strerror(errno));
		return -errno;
	}
	if (usn_sysctl(st->net, name, NULL, NULL, val)) {
		snprintf(err, errlen, "sysctl %s=%s: %s", name, val,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static int parse_ip(const char *val, struct in_addr *a)
{
	return inet_pton(AF_INET, val, a) == 1 ? 0 : -EINVAL;
}

static int parse_uint(const char *val, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(val, &end, 10);
	return errno || end == val || *end || *out > max ? -EINVAL : 0;
}

/*
 * One key=value of --so_flags. Keys starting "net." are sysctls, set
 * after the defaults (commas separate pairs, so a value has none).
 */
static int parse_pair(struct pd_state *st, char *key, char *val, bool apply,
		      char *err, size_t errlen)
{
	unsigned long n;
	int r = 0;

	if (!strncmp(key, "net.", 4))
		return apply ? pd_sysctl(st, key, val, false, err, errlen) : 0;
	if (apply)
		return 0;
	if (!strcmp(key, "local_ip"))
		r = parse_ip(val, &st->local_ip);
	else if (!strcmp(key, "gateway_ip"))
		r = parse_ip(val, &st->gateway_ip);
	else if (!strcmp(key, "remote_ip"))
		r = parse_ip(val, &st->remote_ip);
	else if (!strcmp(key, "prefix") || !strcmp(key, "prefixlen")) {
		r = parse_uint(val, 32, &n);
		st->prefix = (int)n;
	} else if (!strcmp(key, "mtu")) {
		r = parse_uint(val, SCRIPTDEV_MAX_MTU, &n);
		st->mtu = (unsigned int)n;
	} else {
		snprintf(err, errlen, "unknown key \"%s\"", key);
		return -EINVAL;
	}
	if (r)
		snprintf(err, errlen, "bad value \"%s\" for %s", val, key);
	return r;
}

/*
 * Walks --so_flags: with !@apply it reads the device settings, with
 * @apply it sets the sysctls (the namespace exists by then).
 */
static int walk_flags(struct pd_state *st, const char *flags, bool apply,
		      char *err, size_t errlen)
{
	char *copy, *save = NULL, *tok, *eq;
	int r = 0;

	if (!flags || !*flags)
		return 0;
	copy = strdup(flags);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !r;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		eq = strchr(tok, '=');
		if (!eq) {
			snprintf(err, errlen, "\"%s\" is not key=value", tok);
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		r = parse_pair(st, tok, eq + 1, apply, err, errlen);
	}
	free(copy);
	return r;
}

int pd_parse_flags(struct pd_state *st, const char *flags, char *err,
		   size_t errlen)
{
	/* packetdrill's own defaults for --local_ip and friends */
	inet_pton(AF_INET, "192.168.0.1", &st->local_ip);
	inet_pton(AF_INET, "192.168.0.1", &st->gateway_ip);
	inet_pton(AF_INET, "192.0.2.1", &st->remote_ip);
	st->prefix = 16;
	st->mtu = 1500;
	return walk_flags(st, flags, false, err, errlen);
}

/*
 * The default route: through the gateway when it is another host of the
 * local prefix; on-link otherwise (packetdrill's default gateway is the
 * local address itself, meaningless on a point-to-point link).
 */
static int pd_route(struct pd_state *st)
{
	uint32_t any = 0;
	const void *gw = NULL;

	if (st->gateway_ip.s_addr && st->gateway_ip.s_addr != st->local_ip.s_addr)
		gw = &st->gateway_ip;
	return usn_route_add(st->net, AF_INET, &any, 0, gw, gw ? 0 : st->ifindex, 0);
}

static int pd_setup(struct pd_state *st, const char *flags, char *err,
		    size_t errlen)
{
	static atomic_uint instances;
	struct usn_config cfg;
	struct timespec rt;
	char name[32];
	int r;

	r = pd_parse_flags(st, flags, err, errlen);
	if (r)
		return r;
	/* A real clock whatever USNET_MODE says: packetdrill lives on one. */
	usn_config_init(&cfg);
	cfg.mode = USN_MODE_THREADED;
	if (usn_init(&cfg) && errno != EBUSY) {
		snprintf(err, errlen, "usn_init: %s", strerror(errno));
		return -errno;
	}
	snprintf(name, sizeof(name), "packetdrill%u",
		 atomic_fetch_add(&instances, 1));
	st->net = usn_net_create(name, 0);
	if (!st->net) {
		snprintf(err, errlen, "usn_net_create: %s", strerror(errno));
		return -errno;
	}
	st->ifindex = scriptdev_create(st->net, PD_DEV_NAME, st->mtu);
	if (st->ifindex < 0) {
		snprintf(err, errlen, "script device: %s", strerror(-st->ifindex));
		return st->ifindex;
	}
	if (usn_addr_add(st->net, st->ifindex, AF_INET, &st->local_ip,
			 st->prefix) ||
	    usn_link_set_up(st->net, st->ifindex, 1) || pd_route(st)) {
		snprintf(err, errlen, "configuring %s: %s", PD_DEV_NAME,
			 strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < sizeof(pd_defaults) / sizeof(pd_defaults[0]); i++) {
		r = pd_sysctl(st, pd_defaults[i][0], pd_defaults[i][1], true,
			      err, errlen);
		if (r)
			return r;
	}
	r = walk_flags(st, flags, true, err, errlen);
	if (r)
		return r;
	r = scriptdev_set_tx_notify(st->net, st->ifindex, pd_netdev_tx_notify, st);
	if (r) {
		snprintf(err, errlen, "script device: %s", strerror(-r));
		return r;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	st->wall_offset = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec -
			  (int64_t)usn_net_now(st->net);
	return 0;
}

/* What an instance is when even its memory could not be had. */
static struct pd_state pd_nomem = {
	.err		= ENOMEM,
	.fds_lock	= PTHREAD_MUTEX_INITIALIZER,
};

static void pd_free(void *ud)
{
	struct pd_state *st = ud;

	if (!st || st == &pd_nomem)
		return;
	pd_fd_release_all(st);
	if (st->net) {
		if (st->ifindex > 0)
			scriptdev_set_tx_notify(st->net, st->ifindex, NULL, NULL);
		usn_setns(NULL);
		usn_net_destroy(st->net);
	}
	pthread_cond_destroy(&st->tx_cond);
	pthread_mutex_destroy(&st->tx_lock);
	pthread_mutex_destroy(&st->fds_lock);
	free(st);
}

static struct pd_state *pd_state_alloc(void)
{
	struct pd_state *st = calloc(1, sizeof(*st));
	pthread_condattr_t ca;

	if (!st)
		return NULL;
	pthread_mutex_init(&st->fds_lock, NULL);
	pthread_mutex_init(&st->tx_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st->tx_cond, &ca);
	pthread_condattr_destroy(&ca);
	return st;
}

/*
 * packetdrill's entry point. It cannot report failure: a set-up that fails
 * says why on stderr and leaves an instance whose every call fails with
 * the error (the script then fails at its first line).
 */
__attribute__((visibility("default")))
void packetdrill_interface_init(const char *flags,
				struct packetdrill_interface *ifc)
{
	struct pd_state *st = pd_state_alloc();
	char err[256] = "";
	int r;

	memset(ifc, 0, sizeof(*ifc));
	pd_calls_init(ifc);
	pd_netdev_init(ifc);
	pd_extra_init(ifc);
	ifc->free = pd_free;
	if (!st) {
		fprintf(stderr, "usnet-packetdrill: out of memory\n");
		ifc->userdata = &pd_nomem;
		return;
	}
	ifc->userdata = st;
	r = pd_setup(st, flags, err, sizeof(err));
	if (r) {
		fprintf(stderr, "usnet-packetdrill: --so_flags=\"%s\": %s\n",
			flags ? flags : "", err[0] ? err : strerror(-r));
		st->err = -r;
	}
}
