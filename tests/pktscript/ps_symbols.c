/* SPDX-License-Identifier: MIT */
/*
 * ps_symbols.c - the constants a script may name, with Linux's values
 * (taken from the C library's headers, so they are the kernel's ABI), and
 * the errno names.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include "pktscript.h"

#ifndef SOL_UDP
#define SOL_UDP	17
#endif

struct sym {
	const char	*name;
	int64_t		value;
};

#define S(x)	{ #x, x }

static const struct sym symbols[] = {
	S(AF_UNSPEC), S(AF_INET), S(AF_INET6), S(AF_UNIX), S(AF_PACKET),
	S(PF_INET), S(PF_UNSPEC),
	S(SOCK_STREAM), S(SOCK_DGRAM), S(SOCK_RAW), S(SOCK_SEQPACKET),
	S(SOCK_NONBLOCK), S(SOCK_CLOEXEC),
	S(IPPROTO_IP), S(IPPROTO_ICMP), S(IPPROTO_TCP), S(IPPROTO_UDP),
	S(IPPROTO_RAW),
	S(INADDR_ANY),
	S(SOL_SOCKET), S(SOL_IP), S(SOL_TCP), S(SOL_UDP),
	S(SO_DEBUG), S(SO_REUSEADDR), S(SO_TYPE), S(SO_ERROR),
	S(SO_DONTROUTE), S(SO_BROADCAST), S(SO_SNDBUF), S(SO_RCVBUF),
	S(SO_SNDBUFFORCE), S(SO_RCVBUFFORCE), S(SO_KEEPALIVE),
	S(SO_OOBINLINE), S(SO_NO_CHECK), S(SO_PRIORITY), S(SO_LINGER),
	S(SO_REUSEPORT), S(SO_RCVLOWAT), S(SO_SNDLOWAT), S(SO_RCVTIMEO),
	S(SO_SNDTIMEO), S(SO_ACCEPTCONN), S(SO_PROTOCOL), S(SO_DOMAIN),
	S(SO_TIMESTAMP), S(SO_TIMESTAMPNS), S(SO_MARK), S(SO_BINDTODEVICE),
	S(TCP_NODELAY), S(TCP_MAXSEG), S(TCP_CORK), S(TCP_KEEPIDLE),
	S(TCP_KEEPINTVL), S(TCP_KEEPCNT), S(TCP_SYNCNT), S(TCP_LINGER2),
	S(TCP_DEFER_ACCEPT), S(TCP_WINDOW_CLAMP), S(TCP_INFO),
	S(TCP_QUICKACK), S(TCP_CONGESTION), S(TCP_USER_TIMEOUT),
	S(TCP_NOTSENT_LOWAT), S(TCP_FASTOPEN),
	S(IP_TOS), S(IP_TTL), S(IP_HDRINCL), S(IP_OPTIONS), S(IP_RECVERR),
	S(IP_MTU_DISCOVER), S(IP_MTU), S(IP_PKTINFO), S(IP_RECVTTL),
	S(IP_RECVTOS), S(IP_PMTUDISC_DONT), S(IP_PMTUDISC_WANT),
	S(IP_PMTUDISC_DO), S(IP_PMTUDISC_PROBE),
	S(MSG_OOB), S(MSG_PEEK), S(MSG_DONTROUTE), S(MSG_TRUNC),
	S(MSG_DONTWAIT), S(MSG_EOR), S(MSG_WAITALL), S(MSG_NOSIGNAL),
	S(MSG_MORE), S(MSG_ERRQUEUE), S(MSG_CTRUNC),
	S(SHUT_RD), S(SHUT_WR), S(SHUT_RDWR),
	S(F_GETFL), S(F_SETFL), S(F_GETFD), S(F_SETFD),
	S(O_RDONLY), S(O_WRONLY), S(O_RDWR), S(O_NONBLOCK), S(FD_CLOEXEC),
	S(POLLIN), S(POLLPRI), S(POLLOUT), S(POLLERR), S(POLLHUP),
	S(POLLNVAL), S(POLLRDNORM), S(POLLRDBAND), S(POLLWRNORM),
	S(POLLWRBAND), S(POLLRDHUP),
	S(FIONREAD), S(FIONBIO), S(SIOCINQ), S(SIOCOUTQ), S(SIOCATMARK),
	S(SIOCOUTQNSD),
};

#undef S

bool ps_symbol(const char *name, size_t len, int64_t *v)
{
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
		if (strlen(symbols[i].name) == len &&
		    !strncmp(symbols[i].name, name, len)) {
			*v = symbols[i].value;
			return true;
		}
	return false;
}

#define E(x)	{ #x, x }

static const struct sym errnos[] = {
	E(EPERM), E(ENOENT), E(EINTR), E(EIO), E(EBADF), E(EAGAIN),
	E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(ENODEV),
	E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(EFBIG), E(ENOSPC),
	E(EPIPE), E(ERANGE), E(EDEADLK), E(ENOSYS), E(ENOTSOCK),
	E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP),
	E(EPFNOSUPPORT), E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL),
	E(ENETDOWN), E(ENETUNREACH), E(ENETRESET), E(ECONNABORTED),
	E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ESHUTDOWN),
	E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH),
	E(EALREADY), E(EINPROGRESS), E(ENOLINK), E(EPROTO), E(ENONET),
};

#undef E

int ps_errno_by_name(const char *name, size_t len)
{
	if (len == 11 && !strncmp(name, "EWOULDBLOCK", len))
		return EAGAIN;
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strlen(errnos[i].name) == len &&
		    !strncmp(errnos[i].name, name, len))
			return (int)errnos[i].value;
	return 0;
}

const char *ps_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].value == err)
			return errnos[i].name;
	return NULL;
}
