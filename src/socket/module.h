/* SPDX-License-Identifier: MIT */
/*
 * module.h - what a loadable family module and usnet agree on.
 *
 * A module is compiled against usnet's source tree (-I src -DUSN_MODULE), as
 * a kernel module is compiled against the kernel's, and reaches usnet only
 * through exported functions: with USN_MODULE defined, this header renames
 * each kernel-style call the module makes (sock_register, sk_alloc, ...) to
 * its exported usn_* alias. It defines:
 *
 *     const unsigned int usn_module_abi = USN_MODULE_ABI;
 *     int usn_module_init(void);   // registers the family: 0 or -errno
 *
 * USN_MODULE_ABI changes whenever a structure a module sees changes layout.
 */
#ifndef USN_SOCKET_MODULE_H
#define USN_SOCKET_MODULE_H

#define USN_MODULE_ABI		2

int request_module(const char *name);
int module_set_path(const char *path);

#ifdef USN_MODULE
#define sock_register		usn_sock_register
#define sock_unregister		usn_sock_unregister
#define sk_alloc		usn_sk_alloc
#define sk_free			usn_sk_free
#define sock_init_data		usn_sock_init_data
#define sock_orphan		usn_sock_orphan
#define sock_queue_rcv_skb	usn_sock_queue_rcv_skb
#define sock_alloc_send_skb	usn_sock_alloc_send_skb
#define sock_common_setsockopt	usn_sock_common_setsockopt
#define sock_common_getsockopt	usn_sock_common_getsockopt
#define skb_recv_datagram	usn_skb_recv_datagram
#define skb_free_datagram	usn_skb_free_datagram
#define skb_copy_datagram_msg	usn_skb_copy_datagram_msg
#define datagram_poll		usn_datagram_poll
#define memcpy_from_msg		usn_memcpy_from_msg
#define memcpy_to_msg		usn_memcpy_to_msg
#define kfree_skb_reason	usn_kfree_skb_reason
#define consume_skb		usn_consume_skb
#define alloc_skb		usn_alloc_skb
#define sock_def_readable	usn_sock_def_readable
#define sock_no_bind		usn_sock_no_bind
#define sock_no_connect		usn_sock_no_connect
#define sock_no_socketpair	usn_sock_no_socketpair
#define sock_no_accept		usn_sock_no_accept
#define sock_no_getname		usn_sock_no_getname
#define sock_no_poll		usn_sock_no_poll
#define sock_no_ioctl		usn_sock_no_ioctl
#define sock_no_listen		usn_sock_no_listen
#define sock_no_shutdown	usn_sock_no_shutdown
#define sock_no_setsockopt	usn_sock_no_setsockopt
#define sock_no_getsockopt	usn_sock_no_getsockopt
#define sock_no_sendmsg		usn_sock_no_sendmsg
#define sock_no_recvmsg		usn_sock_no_recvmsg
#endif

#endif
