/* SPDX-License-Identifier: MIT */
/*
 * usnet.h - the public API of usnet, a user-space Linux network stack.
 *
 * The socket calls have the POSIX signatures and the Linux errno behaviour:
 * they return -1 and set errno on failure. A program that calls only these
 * works on the default namespace, which has a loopback device with
 * 127.0.0.1/8, as a process in Linux's initial namespace does.
 *
 * Every usnet socket fd is a real kernel descriptor reserved for the socket,
 * so usnet fds never collide with the program's own files.
 */
#ifndef USNET_USNET_H
#define USNET_USNET_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define USNET_VERSION_MAJOR	0
#define USNET_VERSION_MINOR	1

/* ---------------------------------------------------------------------------
 * Sockets (POSIX signatures, Linux errno)
 */
int usn_socket(int domain, int type, int protocol);
int usn_socketpair(int domain, int type, int protocol, int sv[2]);
int usn_bind(int fd, const struct sockaddr *addr, socklen_t addrlen);
int usn_listen(int fd, int backlog);
int usn_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);
int usn_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
int usn_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
ssize_t usn_send(int fd, const void *buf, size_t len, int flags);
ssize_t usn_sendto(int fd, const void *buf, size_t len, int flags,
		   const struct sockaddr *dest, socklen_t addrlen);
ssize_t usn_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t usn_recv(int fd, void *buf, size_t len, int flags);
ssize_t usn_recvfrom(int fd, void *buf, size_t len, int flags,
		     struct sockaddr *src, socklen_t *addrlen);
ssize_t usn_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t usn_read(int fd, void *buf, size_t len);
ssize_t usn_write(int fd, const void *buf, size_t len);
ssize_t usn_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t usn_writev(int fd, const struct iovec *iov, int iovcnt);
int usn_close(int fd);
int usn_shutdown(int fd, int how);
int usn_setsockopt(int fd, int level, int optname, const void *optval,
		   socklen_t optlen);
int usn_getsockopt(int fd, int level, int optname, void *optval,
		   socklen_t *optlen);
int usn_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);
int usn_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen);
int usn_fcntl(int fd, int cmd, ...);
int usn_ioctl(int fd, unsigned long request, ...);
int usn_poll(struct pollfd *fds, nfds_t nfds, int timeout);

/*
 * mmap(2) and munmap(2) for usnet descriptors: maps a packet socket's
 * PACKET_RX_RING (offset 0, the ring's whole size). Other descriptors and
 * addresses go to the kernel's mmap/munmap.
 */
void *usn_mmap(void *addr, size_t len, int prot, int flags, int fd,
	       off_t offset);
int usn_munmap(void *addr, size_t len);

/*
 * Readiness over usnet descriptors (docs/readiness.md). An epoll fd is a
 * usnet descriptor too: usn_close() it, put it in usn_poll() or in another
 * epoll set. A kernel descriptor in these calls: usn_poll/ppoll report
 * POLLNVAL, usn_select/pselect fail with EBADF, usn_epoll_ctl with EPERM.
 */
int usn_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo_p,
	      const sigset_t *sigmask);
int usn_select(int nfds, fd_set *readfds, fd_set *writefds,
	       fd_set *exceptfds, struct timeval *timeout);
int usn_pselect(int nfds, fd_set *readfds, fd_set *writefds,
		fd_set *exceptfds, const struct timespec *timeout,
		const sigset_t *sigmask);
int usn_epoll_create(int size);
int usn_epoll_create1(int flags);
int usn_epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);
int usn_epoll_wait(int epfd, struct epoll_event *events, int maxevents,
		   int timeout);
int usn_epoll_pwait(int epfd, struct epoll_event *events, int maxevents,
		    int timeout, const sigset_t *sigmask);
int usn_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
		     const struct timespec *timeout, const sigset_t *sigmask);

/* 1 if @fd is a usnet descriptor (a socket or an epoll fd), 0 if not. */
int usn_fd_owned(int fd);

/*
 * Removes an AF_UNIX path name from usnet's name table, as unlink(2)
 * removes a socket file (docs/unix.md); a path usnet does not hold is
 * passed to unlink(2).
 */
int usn_unlink(const char *path);

/* ---------------------------------------------------------------------------
 * The process: execution mode, seed, module search path.
 *
 * Optional. Call before anything else; without it usnet starts in threaded
 * mode on first use. The environment can set the same (USNET_MODE=threaded|
 * simulated, USNET_SEED, USNET_MODULE_PATH, USNET_LOG=0..3).
 */
enum usn_mode {
	USN_MODE_THREADED = 0,	/* real clock, a stack thread per namespace */
	USN_MODE_SIMULATED = 1,	/* one thread, virtual clock, seeded */
};

struct usn_config {
	enum usn_mode mode;
	uint64_t seed;			/* simulated mode: the run's seed */
	const char *module_path;	/* ':'-separated dirs with net-pf-N.so */
	int log_level;			/* 0 errors .. 3 debug */
};

void usn_config_init(struct usn_config *cfg);	/* fills the defaults */
int usn_init(const struct usn_config *cfg);	/* EBUSY once started */
int usn_set_module_path(const char *path);

/* ---------------------------------------------------------------------------
 * Namespaces. A call acts in the calling thread's current namespace (the
 * default one until usn_setns()), as Linux's calls act in
 * current->nsproxy->net_ns. A socket stays in the namespace it was made in.
 */
struct usn_net;

#define USN_NET_EXTERNAL	0x1	/* driven by the program: usn_net_fd/step */

struct usn_net *usn_net_create(const char *name, unsigned int flags);
int usn_net_destroy(struct usn_net *net);
int usn_setns(struct usn_net *net);		/* NULL: the default namespace */
struct usn_net *usn_net_current(void);
struct usn_net *usn_net_default(void);
const char *usn_net_name(const struct usn_net *net);
uint64_t usn_net_now(const struct usn_net *net);	/* ns, namespace clock */

/*
 * Driving a USN_NET_EXTERNAL namespace from the program's own event loop:
 * wait until usn_net_fd() is readable or usn_net_timeout() ms pass, then
 * call usn_net_step(). The fd is an epoll descriptor: it can sit in the
 * program's own poll/epoll set.
 */
int usn_net_fd(struct usn_net *net);
int usn_net_step(struct usn_net *net);		/* units of work done */
int usn_net_timeout(struct usn_net *net);	/* ms to the next event, -1 none */

/* Simulated mode: run every namespace for @ns of virtual time. */
int usn_sim_run(uint64_t ns);
uint64_t usn_sim_now(void);

/* ---------------------------------------------------------------------------
 * Tunables, by their kernel names ("net.core.somaxconn"), as text exactly
 * as /proc/sys shows and takes them. Either @oldval or @newval may be NULL.
 */
int usn_sysctl(struct usn_net *net, const char *name, char *oldval,
	       size_t *oldlen, const char *newval);

/* ---------------------------------------------------------------------------
 * Links and addresses. Functions that name a device take its ifindex in
 * @net. Those that change a device, an address or a route send the
 * rtnetlink request `ip` would send to @net (AF_NETLINK, docs/netlink.md),
 * so their changes are announced to netlink listeners.
 */
struct usn_memlink_params {
	unsigned int mtu;		/* 0: 1500 */
	uint64_t rate_bps;		/* 0: no limit */
	uint64_t delay_ns;		/* one-way propagation delay */
	double loss;			/* probability a frame is lost */
	double duplicate;		/* probability a frame is sent twice */
	double reorder;			/* probability a frame is held back */
	uint64_t reorder_delay_ns;	/* how long it is held (0: 1 ms) */
	double corrupt;			/* probability one bit is flipped */
	uint64_t seed;			/* 0: derived from the run's seed */
	unsigned int queue_len;		/* frames in flight each way, 0: 1000 */
};

/* Joins @a and @b with a wire; ifindex[0] is in @a, ifindex[1] in @b. */
int usn_memlink_create(struct usn_net *a, const char *name_a,
		       struct usn_net *b, const char *name_b,
		       const struct usn_memlink_params *params, int ifindex[2]);
/* Sets the impairments of frames that leave @net's end. */
int usn_memlink_set_params(struct usn_net *net, int ifindex,
			   const struct usn_memlink_params *params);
/* Attaches @net to the TAP device @tap (created if missing); returns ifindex. */
int usn_tap_attach(struct usn_net *net, const char *tap, const char *name);

int usn_link_index(struct usn_net *net, const char *name);
int usn_link_set_up(struct usn_net *net, int ifindex, int up);
int usn_link_set_mtu(struct usn_net *net, int ifindex, unsigned int mtu);
int usn_link_hwaddr(struct usn_net *net, int ifindex, unsigned char addr[6]);
/* Mirrors every frame the device sends and receives to a pcap file; NULL stops. */
int usn_link_pcap(struct usn_net *net, int ifindex, const char *path);

#define USN_DROP_REASON_MAX	64

struct usn_link_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_errors, tx_errors;
	uint64_t rx_dropped, tx_dropped;
	uint64_t rx_nohandler;
	uint64_t drops[USN_DROP_REASON_MAX];	/* by reason, see below */
};

int usn_link_stats(struct usn_net *net, int ifindex, struct usn_link_stats *st);
/* The name of drop reason @reason ("socket receive buffer full"), NULL past the last. */
const char *usn_drop_reason_name(int reason);

int usn_addr_add(struct usn_net *net, int ifindex, int family,
		 const void *addr, int prefixlen);
int usn_addr_del(struct usn_net *net, int ifindex, int family,
		 const void *addr, int prefixlen);

/*
 * Routes of the main table: @dst/@prefixlen via @gateway (NULL: on-link)
 * out of @ifindex (0: the device that reaches the gateway), with @metric.
 * AF_INET only for now.
 */
int usn_route_add(struct usn_net *net, int family, const void *dst,
		  int prefixlen, const void *gateway, int ifindex,
		  unsigned int metric);
int usn_route_del(struct usn_net *net, int family, const void *dst,
		  int prefixlen, const void *gateway, int ifindex,
		  unsigned int metric);

/*
 * A protocol counter by its /proc/net/snmp name: "Ip.InHdrErrors",
 * "Udp.NoPorts"; also /proc/net/sockstat's TCP figures: "Sockstat.TCP.mem".
 */
int usn_snmp(struct usn_net *net, const char *name, uint64_t *value);

/* ---------------------------------------------------------------------------
 * Receive trace: for each packet the namespace receives, the functions it
 * passed through, one path per line ("__netif_receive_skb_core->ptype_all->
 * packet_rcv"). Paths start where the last protocol layer was entered, as in
 * the table of receive paths; USN_TRACE_FULL keeps the whole path.
 */
#define USN_TRACE_FULL		0x1

int usn_trace_start(struct usn_net *net, unsigned int flags);
int usn_trace_stop(struct usn_net *net);
/* Moves recorded paths into @buf, '\n'-terminated lines; returns bytes. */
ssize_t usn_trace_read(struct usn_net *net, char *buf, size_t len);

/* ---------------------------------------------------------------------------
 * Security hooks, at the points of the kernel's LSM socket hooks. A hook
 * returns 0 to allow or a negative errno to refuse (-EACCES, -EPERM). Hooks
 * run in the calling thread before usnet takes its locks.
 */
struct usn_sock_desc {
	struct usn_net *net;
	int family;
	int type;
	int protocol;
};

struct usn_security_ops {
	int (*socket_create)(struct usn_net *net, int family, int type,
			     int protocol, int kern);
	int (*socket_post_create)(const struct usn_sock_desc *sock, int kern);
	int (*socket_bind)(const struct usn_sock_desc *sock,
			   const struct sockaddr *addr, socklen_t addrlen);
	int (*socket_connect)(const struct usn_sock_desc *sock,
			      const struct sockaddr *addr, socklen_t addrlen);
	int (*socket_listen)(const struct usn_sock_desc *sock, int backlog);
	int (*socket_accept)(const struct usn_sock_desc *sock);
	int (*socket_sendmsg)(const struct usn_sock_desc *sock,
			      const struct sockaddr *to, socklen_t tolen,
			      size_t size, int flags);
	int (*socket_recvmsg)(const struct usn_sock_desc *sock, size_t size,
			      int flags);
	int (*socket_setsockopt)(const struct usn_sock_desc *sock, int level,
				 int optname);
	/* A capability in @net (CAP_NET_RAW for SOCK_RAW, CAP_NET_ADMIN, ...). */
	int (*capable)(struct usn_net *net, int cap);
};

/* Installs @ops process-wide (NULL removes the policy). */
int usn_security_register(const struct usn_security_ops *ops);

#ifdef __cplusplus
}
#endif

#endif
