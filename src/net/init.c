/* SPDX-License-Identifier: MIT */
/*
 * init.c - starting usnet: the process settings (usn_init or the
 * environment) and the built-in subsystems, each registered once, in the
 * order of initcalls[] (as the kernel's initcall levels order them).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/log.h"
#include "net/net.h"
#include "net/usnet.h"
#include "socket/module.h"

struct usn_global usn_g = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.nets = LIST_HEAD_INIT(usn_g.nets),
};

/* The initcalls of built-in subsystems (each in its own file). */
int loopback_init(void);
int inet_init(void);
int packet_init(void);
int netlink_proto_init(void);
int unix_init(void);

/* Built-in subsystems, in start-up order. */
static int (*const initcalls[])(void) = {
	loopback_init,
	inet_init,
	packet_init,
	netlink_proto_init,
	unix_init,
};

__public void usn_config_init(struct usn_config *cfg)
{
	const char *s;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = USN_MODE_THREADED;
	cfg->log_level = LOG_LVL_WARN;
	s = getenv("USNET_MODE");
	if (s && (!strcmp(s, "simulated") || !strcmp(s, "sim")))
		cfg->mode = USN_MODE_SIMULATED;
	s = getenv("USNET_SEED");
	if (s)
		cfg->seed = strtoull(s, NULL, 0);
	cfg->module_path = getenv("USNET_MODULE_PATH");
	s = getenv("USNET_LOG");
	if (s)
		cfg->log_level = atoi(s);
}

/* Called with usn_g.lock held. */
static int start_locked(const struct usn_config *cfg)
{
	int err;

	if (usn_g.started)
		return -EBUSY;
	if (cfg->mode != USN_MODE_THREADED && cfg->mode != USN_MODE_SIMULATED)
		return -EINVAL;
	usn_g.mode = cfg->mode;
	usn_g.seed = cfg->seed;
	usn_log_level = cfg->log_level;
	if (cfg->module_path) {
		err = module_set_path(cfg->module_path);
		if (err)
			return err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(initcalls); i++) {
		err = initcalls[i]();
		if (err) {
			pr_err("start-up step %zu failed: %s", i, strerror(-err));
			return err;
		}
	}
	usn_g.started = true;
	return 0;
}

__public int usn_init(const struct usn_config *cfg)
{
	int err;

	if (!cfg) {
		errno = EFAULT;
		return -1;
	}
	pthread_mutex_lock(&usn_g.lock);
	err = start_locked(cfg);
	pthread_mutex_unlock(&usn_g.lock);
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}

void usn_start(void)
{
	struct usn_config cfg;

	if (likely(__atomic_load_n(&usn_g.started, __ATOMIC_ACQUIRE)))
		return;
	usn_config_init(&cfg);
	pthread_mutex_lock(&usn_g.lock);
	if (!usn_g.started && start_locked(&cfg))
		abort();	/* built-in start-up cannot fail but for memory */
	pthread_mutex_unlock(&usn_g.lock);
}

uint64_t usn_clock_now(void)
{
	struct timespec ts;

	if (usn_simulated())
		return sim_now();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

__thread struct net_clock net_clock_held;

uint64_t net_now(const struct usn_net *net)
{
	if (net && net_clock_held.net == net)
		return net_clock_held.now;
	return usn_clock_now();
}
