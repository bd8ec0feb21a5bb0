/* SPDX-License-Identifier: MIT */
/*
 * pd.h - the state of one packetdrill back-end instance (one call to
 * packetdrill_interface_init) and what its files share.
 *
 *   pd_init.c    the entry point, --so_flags, the namespace, free()
 *   pd_fds.c     the descriptors handed out, and telling whether a number
 *                is still ours after packetdrill closed it with libc
 *   pd_calls.c   the socket and epoll calls (POSIX signatures after userdata)
 *   pd_netdev.c  netdev_send/receive, usleep, gettimeofday
 *   pd_extra.c   pipe, splice
 */
#ifndef USN_PACKETDRILL_PD_H
#define USN_PACKETDRILL_PD_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct usn_net;
struct packetdrill_interface;

/* A descriptor handed to packetdrill, and a private duplicate of it. */
struct pd_fd {
	int	fd;	/* the number packetdrill knows */
	int	ref;	/* our dup: keeps the file alive to compare against */
};

struct pd_state {
	struct usn_net	*net;
	int		ifindex;
	int		err;		/* set-up failed: every call fails with it */
	int64_t		wall_offset;	/* ns: CLOCK_REALTIME - namespace clock */

	/* --so_flags */
	struct in_addr	local_ip;
	struct in_addr	gateway_ip;
	struct in_addr	remote_ip;
	int		prefix;
	unsigned int	mtu;

	/* descriptors, under fds_lock */
	pthread_mutex_t	fds_lock;
	struct pd_fd	*fds;
	unsigned int	nfds, fds_cap;

	/* datagrams sent, signalled by the script device */
	pthread_mutex_t	tx_lock;
	pthread_cond_t	tx_cond;
	uint64_t	tx_seq;
};

#define PD_MAX_DGRAM	65535

/* pd_init.c */
int pd_parse_flags(struct pd_state *st, const char *flags, char *err,
		   size_t errlen);

/* pd_fds.c */
int pd_fd_track(struct pd_state *st, int fd);
void pd_fd_untrack(struct pd_state *st, int fd);
void pd_fd_release_all(struct pd_state *st);

/* pd_calls.c, pd_netdev.c, pd_extra.c: fill their members of the table. */
void pd_calls_init(struct packetdrill_interface *ifc);
void pd_netdev_init(struct packetdrill_interface *ifc);
void pd_extra_init(struct packetdrill_interface *ifc);
void pd_netdev_tx_notify(void *arg);

#endif
