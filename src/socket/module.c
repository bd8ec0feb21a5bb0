/* SPDX-License-Identifier: MIT */
/*
 * module.c - loading a family on demand, as request_module("net-pf-%d").
 *
 * A module is a shared object named net-pf-<family>.so in one of the
 * directories of the search path (usn_set_module_path, USNET_MODULE_PATH,
 * or the installed default). It is built against usnet's internal headers
 * with -DUSN_MODULE (include/usnet's module notes in docs/modules.md), and
 * exports usn_module_init(), which registers its family through the
 * exported usn_sock_register(), and usn_module_abi, which must equal
 * USN_MODULE_ABI: the layout of the structures it shares with usnet.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "socket/module.h"
#include "socket/socket.h"

#ifndef USNET_DEFAULT_MODULE_PATH
#define USNET_DEFAULT_MODULE_PATH "/usr/local/lib/usnet/modules"
#endif

static pthread_mutex_t module_lock = PTHREAD_MUTEX_INITIALIZER;
static char *module_path;

int module_set_path(const char *path)
{
	char *copy = NULL;

	if (path) {
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
	}
	pthread_mutex_lock(&module_lock);
	free(module_path);
	module_path = copy;
	pthread_mutex_unlock(&module_lock);
	return 0;
}

__public int usn_set_module_path(const char *path)
{
	int err = module_set_path(path);

	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}

/* Opens @file and runs its init; 0, or -errno if it is not a usable module. */
static int module_load(const char *file)
{
	const unsigned int *abi;
	int (*init)(void);
	void *h;
	int err;

	h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -ENOENT;
	abi = dlsym(h, "usn_module_abi");
	init = (int (*)(void))dlsym(h, "usn_module_init");
	if (!abi || !init || *abi != USN_MODULE_ABI) {
		pr_warn("%s: not a usnet module of ABI %u", file, USN_MODULE_ABI);
		dlclose(h);
		return -ENOEXEC;
	}
	err = init();
	if (err) {
		pr_warn("%s: usn_module_init failed: %s", file, strerror(-err));
		dlclose(h);
		return err;
	}
	/* A loaded module stays for the life of the process, as its family may. */
	return 0;
}

/* Tries each directory of the search path in order; 0 when one loaded. */
int request_module(const char *name)
{
	char file[PATH_MAX];
	const char *dir, *end;
	int err = -ENOENT;

	pthread_mutex_lock(&module_lock);
	dir = module_path ? module_path : USNET_DEFAULT_MODULE_PATH;
	while (*dir && err) {
		end = strchr(dir, ':');
		if (!end)
			end = dir + strlen(dir);
		if (end > dir && snprintf(file, sizeof(file), "%.*s/%s.so",
					  (int)(end - dir), dir, name) < (int)sizeof(file))
			err = module_load(file) ? -ENOENT : 0;
		dir = *end ? end + 1 : end;
	}
	pthread_mutex_unlock(&module_lock);
	return err;
}
