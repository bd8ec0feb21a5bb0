/* SPDX-License-Identifier: MIT */
/*
 * eventpoll.h - epoll instances (eventpoll.c), as the kernel's
 * fs/eventpoll.c: what the rest of the file layer needs to know.
 */
#ifndef USN_SOCKET_EVENTPOLL_H
#define USN_SOCKET_EVENTPOLL_H

#include <stdbool.h>

struct file;
struct usn_net;

/* Most epoll instances in one chain of nesting, less one (Linux's 4). */
#define EP_MAX_NESTS	4

bool is_file_epoll(const struct file *file);
/* Takes a file whose last reference went out of every epoll set. */
void eventpoll_release(struct file *file);
/* The external-mode namespaces the items of an epoll file live in. */
void ep_drive_nets(struct file *file, struct usn_net **drive,
		   unsigned int *n, unsigned int max);

#endif
