/* SPDX-License-Identifier: MIT */
/* sim.h - putting a test program in simulated mode, once, with a seed. */
#ifndef USN_TEST_SIM_H
#define USN_TEST_SIM_H

#include <errno.h>
#include <stdbool.h>
#include <usnet/usnet.h>
#include "test.h"

static inline void test_sim_start(uint64_t seed)
{
	static bool started;
	struct usn_config cfg;

	if (started)
		return;
	usn_config_init(&cfg);
	cfg.mode = USN_MODE_SIMULATED;
	cfg.seed = seed;
	if (usn_init(&cfg) < 0)
		TEST_SKIP_ALL("usn_init: %s", strerror(errno));
	started = true;
}

#endif
