/* SPDX-License-Identifier: MIT */
/*
 * poll.h - what poll.c shares with select.c and eventpoll.c: the poll loop
 * with an absolute deadline, unhooking from a queue under the right lock,
 * the namespaces a wait must drive in external mode, and the signal mask
 * of ppoll/pselect/epoll_pwait.
 */
#ifndef USN_SOCKET_POLL_H
#define USN_SOCKET_POLL_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "core/wait.h"

struct file;
struct usn_net;

/* Most external-mode namespaces one wait drives (exec.c polls that many). */
#define POLL_DRIVE_MAX	8

/*
 * poll() over @fds until @deadline (process clock, ns; NET_DEADLINE_NONE
 * for none), or one pass only when @nowait. Returns the count or -errno.
 * @exact (select): only the events asked count, not POLLERR/POLLHUP too.
 */
long do_sys_poll(struct pollfd *fds, nfds_t nfds, uint64_t deadline,
		 bool nowait, bool exact);

/* Takes @e off @wq under the queue's lock: its own, or @net's. */
void wq_unhook(struct wait_queue_head *wq, struct wait_queue_entry *e,
	       struct usn_net *net);

/* Adds the external-mode namespaces @file's readiness depends on. */
void file_drive_nets(struct file *file, struct usn_net **drive,
		     unsigned int *n, unsigned int max);

/*
 * A relative timeout as an absolute deadline; -EINVAL when it is not a
 * valid timespec. NULL: none. Zero: @nowait.
 */
int poll_deadline(const struct timespec *ts, uint64_t *deadline, bool *nowait);
/* The same for poll/epoll_wait's milliseconds (negative: none). */
uint64_t poll_deadline_ms(int timeout);

/*
 * The signal mask of ppoll/pselect/epoll_pwait: installed for the wait,
 * the old one put back after. A signal already pending that @mask unblocks
 * is delivered at once and the call ends with -EINTR, as Linux does.
 */
int poll_sigmask_enter(const sigset_t *mask, sigset_t *old);
void poll_sigmask_leave(const sigset_t *mask, const sigset_t *old);

/*
 * The start of ppoll, pselect and epoll_pwait2: poll_deadline() of @ts,
 * then poll_sigmask_enter() of @mask. poll_sigmask_leave() ends the wait.
 */
int poll_wait_enter(const struct timespec *ts, const sigset_t *mask,
		    uint64_t *deadline, bool *nowait, sigset_t *old);

#endif
