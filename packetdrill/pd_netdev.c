/* SPDX-License-Identifier: MIT */
/*
 * pd_netdev.c - packetdrill's side of the wire, and its clock.
 *
 * The wire is a script device (src/dev/scriptdev.c): point-to-point, no
 * link header, IP in and out. netdev_send() injects a datagram, which goes
 * up the receive path at once in packetdrill's thread, as a write to a tun
 * device does. netdev_receive() takes the oldest datagram the stack sent;
 * packetdrill calls it in a loop until one comes, so when none waits it
 * sleeps on a condition variable, woken by the device's transmit, for at
 * most PD_RX_WAIT_MS, instead of letting that loop spin.
 *
 * The clock is the namespace's (CLOCK_MONOTONIC) moved to the wall clock
 * by an offset measured once at set-up: gettimeofday() and the transmit
 * times netdev_receive() reports are on that one clock, in microseconds.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <usnet/usnet.h>
#include "dev/scriptdev.h"
#include "packetdrill.h"
#include "pd.h"

#define PD_RX_WAIT_MS	10

static uint64_t pd_wall_ns(const struct pd_state *st, uint64_t ns)
{
	return ns + (uint64_t)st->wall_offset;
}

/* The script device queued a datagram (namespace lock held: leaf lock only). */
void pd_netdev_tx_notify(void *arg)
{
	struct pd_state *st = arg;

	pthread_mutex_lock(&st->tx_lock);
	st->tx_seq++;
	pthread_cond_broadcast(&st->tx_cond);
	pthread_mutex_unlock(&st->tx_lock);
}

static int pd_netdev_send(void *ud, const void *buf, size_t count)
{
	struct pd_state *st = ud;
	int err;

	if (st->err) {
		errno = st->err;
		return -1;
	}
	err = scriptdev_inject(st->net, st->ifindex, buf, count);
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}

static int pd_take(struct pd_state *st, void *buf, size_t *count,
		   long long *time_usecs)
{
	uint64_t ts;
	ssize_t n;

	n = scriptdev_take(st->net, st->ifindex, buf, *count, &ts);
	if (n <= 0)
		return n < 0 ? (int)n : -EAGAIN;
	/* A datagram longer than packetdrill's buffer arrives cut, as from a
	 * packet socket: its own parser reports the short IP length. */
	*count = (size_t)n < *count ? (size_t)n : *count;
	*time_usecs = (long long)(pd_wall_ns(st, ts) / 1000u);
	return 0;
}

static int pd_netdev_receive(void *ud, void *buf, size_t *count,
			     long long *time_usecs)
{
	struct pd_state *st = ud;
	struct timespec until;
	uint64_t seq;
	int err;

	if (st->err) {
		errno = st->err;
		return -1;
	}
	pthread_mutex_lock(&st->tx_lock);
	seq = st->tx_seq;
	pthread_mutex_unlock(&st->tx_lock);
	err = pd_take(st, buf, count, time_usecs);
	if (err != -EAGAIN)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += PD_RX_WAIT_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&st->tx_lock);
	while (st->tx_seq == seq &&
	       pthread_cond_timedwait(&st->tx_cond, &st->tx_lock, &until) == 0)
		;
	pthread_mutex_unlock(&st->tx_lock);
	err = pd_take(st, buf, count, time_usecs);
out:
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}

static int pd_usleep(void *ud, useconds_t usec)
{
	struct timespec ts = { usec / 1000000u, (long)(usec % 1000000u) * 1000 };

	(void)ud;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	return 0;
}

static int pd_gettimeofday(void *ud, struct timeval *tv, struct timezone *tz)
{
	struct pd_state *st = ud;
	uint64_t ns;

	if (st->err) {
		errno = st->err;
		return -1;
	}
	ns = pd_wall_ns(st, usn_net_now(st->net));
	if (tv) {
		tv->tv_sec = (time_t)(ns / 1000000000u);
		tv->tv_usec = (suseconds_t)(ns % 1000000000u / 1000u);
	}
	if (tz)
		memset(tz, 0, sizeof(*tz));	/* UTC, no DST, as the kernel's sys_tz */
	return 0;
}

void pd_netdev_init(struct packetdrill_interface *ifc)
{
	ifc->netdev_send = pd_netdev_send;
	ifc->netdev_receive = pd_netdev_receive;
	ifc->usleep = pd_usleep;
	ifc->gettimeofday = pd_gettimeofday;
}
