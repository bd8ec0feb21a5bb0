/* SPDX-License-Identifier: MIT */
/*
 * usnet.h - the process: its execution mode, its clock, its namespaces,
 * and the built-in subsystems started once (the initcalls).
 */
#ifndef USN_NET_USNET_H
#define USN_NET_USNET_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <usnet/usnet.h>
#include "core/list.h"

struct usn_global {
	pthread_mutex_t		lock;		/* nets, started */
	bool			started;
	enum usn_mode		mode;
	uint64_t		seed;
	struct list_head	nets;
	unsigned int		next_net_id;
	struct usn_net		*init_net;	/* the default namespace */
};

extern struct usn_global usn_g;

/* Starts usnet with the environment's settings if usn_init() was not called. */
void usn_start(void);

static inline bool usn_simulated(void)
{
	return usn_g.mode == USN_MODE_SIMULATED;
}

/* The process clock in ns: the simulator's, or CLOCK_MONOTONIC. */
uint64_t usn_clock_now(void);

/* The simulator (sim.c) */
uint64_t sim_now(void);
/* Steps every namespace; advances virtual time toward @limit when idle. */
int sim_run_once(uint64_t limit);

#endif
