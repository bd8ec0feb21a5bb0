/* SPDX-License-Identifier: MIT */
/*
 * tap_probe.c - the usnet end of tests/scripts/tap_test.sh, run inside the
 * test's own network namespace.
 *
 *   tap_probe run DIR   attaches the TAP device utap0 to the default
 *                       namespace (threaded mode), brings it up and taps
 *                       every frame with a ptype_all handler; prints READY;
 *                       waits for the kernel's ARP request for 10.77.0.2
 *                       and checks the receive trace; sends one frame of
 *                       ethertype 0x88b5 (broadcast, "usnet-tap-hello");
 *                       prints SENT and waits for DIR/quit; the script
 *                       deletes the kernel's utap0 first, and the probe
 *                       checks that the device notices without spinning.
 *                       Before all that: usn_tap_attach()'s error paths, a
 *                       tap released by usn_net_destroy(), and a tap in an
 *                       external-mode namespace (driven by usn_net_fd/step)
 *                       receiving a frame the probe sends from the kernel
 *                       side through AF_PACKET.
 *   tap_probe eperm     expects usn_tap_attach() to fail with EPERM (the
 *                       script runs it without CAP_NET_ADMIN).
 *
 * Every check prints "PASS: ..." or "FAIL: ..." on stdout, where the script
 * counts them. Exit code 0 only if every check passed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <usnet/usnet.h>
#include "link/netdevice.h"
#include "net/net.h"

#define TAP_NAME	"utap0"
#define ETH_P_EXPERIMENTAL	0x88b5	/* IEEE 802 local experimental */
#define HELLO		"usnet-tap-hello"
#define ARP_LEN		28
#define WAIT_ARP_MS	20000
#define WAIT_QUIT_MS	30000

static int failures;

static void check(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		failures++;
}

/* An attach that must fail with @err; @what names it in the report. */
static void check_attach_fails(struct usn_net *net, const char *tap,
			       const char *name, int err, const char *what)
{
	int ret;

	errno = 0;
	ret = usn_tap_attach(net, tap, name);
	check(ret == -1 && errno == err, "usn_tap_attach %s -> %s (got %d/%s)",
	      what, strerrorname_np(err), ret,
	      strerrorname_np(errno) ? strerrorname_np(errno) : "0");
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void format_mac(char *buf, size_t len, const unsigned char *mac)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* ---- the ptype_all tap: what the probe saw, under the namespace lock -------- */

static struct {
	struct net_device *dev;		/* the tap device under test */
	unsigned int rx_frames;		/* frames received on it */
	unsigned int rx_other_dev;	/* frames from any other device */
	bool arp_seen;
	unsigned char arp_sha[ETH_ALEN];
	uint8_t arp_pkt_type;
	unsigned int tx_seen;		/* our own frame, as PACKET_OUTGOING */
} seen;

static uint16_t get_be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* An ARP request (RFC 826) for 10.77.0.2 from 10.77.0.1; data past the link header. */
static bool is_arp_request(const struct sk_buff *skb)
{
	const unsigned char *a = skb->data;
	const unsigned char spa[4] = { 10, 77, 0, 1 }, tpa[4] = { 10, 77, 0, 2 };

	if (skb->protocol != htons(ETH_P_ARP) || skb->len < ARP_LEN)
		return false;
	return get_be16(a) == ARPHRD_ETHER && get_be16(a + 2) == ETH_P_IP &&
	       a[4] == ETH_ALEN && a[5] == 4 && get_be16(a + 6) == 1 &&
	       !memcmp(a + 14, spa, 4) && !memcmp(a + 24, tpa, 4);
}

static int tap_probe_rcv(struct sk_buff *skb, struct net_device *dev,
			 struct packet_type *pt, struct net_device *orig_dev)
{
	const unsigned char *eth = skb_mac_header(skb);

	if (dev != seen.dev) {
		seen.rx_other_dev++;
	} else if (skb->pkt_type == PACKET_OUTGOING) {
		if (get_be16(eth + 12) == ETH_P_EXPERIMENTAL)
			seen.tx_seen++;
	} else {
		seen.rx_frames++;
		if (!seen.arp_seen && is_arp_request(skb)) {
			seen.arp_seen = true;
			seen.arp_pkt_type = skb->pkt_type;
			memcpy(seen.arp_sha, skb->data + 8, ETH_ALEN);
		}
	}
	consume_skb(skb);
	return 0;
}

static struct packet_type probe_pt = {
	.func = tap_probe_rcv,
	.name = "tap_probe_rcv",
};

/* ---- the steps ---------------------------------------------------------------- */

static void test_error_paths(struct usn_net *net)
{
	check_attach_fails(NULL, TAP_NAME, NULL, EINVAL, "(NULL net)");
	check_attach_fails(net, NULL, NULL, EINVAL, "(NULL tap)");
	check_attach_fails(net, "", NULL, EINVAL, "(empty tap name)");
	check_attach_fails(net, "utap-name-too-long", NULL, EINVAL,
			   "(tap name of 18 > IFNAMSIZ-1)");
	check_attach_fails(net, "utap1", "usnet-name-too-long", EINVAL,
			   "(usnet name of 19 > IFNAMSIZ-1)");
	check_attach_fails(net, "utap1", "lo", EEXIST,
			   "(usnet name taken by lo)");
	/* The failed attach must not leave the kernel tap behind. */
	check(if_nametoindex("utap1") == 0,
	      "no kernel utap1 left after the failed attaches");
}

/* Waits for the kernel's ARP request; true if seen within WAIT_ARP_MS. */
static bool wait_arp(struct usn_net *net)
{
	bool arp = false;

	for (unsigned int ms = 0; ms < WAIT_ARP_MS && !arp; ms += 10) {
		net_lock(net);
		arp = seen.arp_seen;
		net_unlock(net);
		if (!arp)
			sleep_ms(10);
	}
	return arp;
}

/*
 * Every frame reaches our tap once: one tap path per frame. The other lines
 * are the paths of the protocol layers the frames went on to (an ARP
 * request also reaches arp_rcv), each starting at that layer's entry.
 */
static void check_trace(struct usn_net *net)
{
	static const char want[] = "__netif_receive_skb_core->ptype_all->tap_probe_rcv";
	static char buf[256 * 1024];
	unsigned int lines = 0, good = 0, layer = 0, frames;
	ssize_t n;

	n = usn_trace_read(net, buf, sizeof(buf) - 1);
	check(n > 0, "usn_trace_read returned %zd bytes", n);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		lines++;
		if (!strcmp(line, want))
			good++;
		else if (!strncmp(line, "arp_rcv->", 9) || !strncmp(line, "ip_rcv->", 8))
			layer++;
		else
			printf("INFO: unexpected trace line '%s'\n", line);
	}
	/* Read after the trace: a line is only written once its frame was delivered. */
	net_lock(net);
	frames = seen.rx_frames + seen.rx_other_dev;
	net_unlock(net);
	check(good >= 1, "trace shows %s (%u of %u lines)", want, good, lines);
	check(good + layer == lines && good <= frames,
	      "every trace line is the tap's or a protocol layer's, one tap line per frame"
	      " at most (%u tap lines, %u layer lines, %u frames)", good, layer, frames);
}

static struct sk_buff *build_hello(struct net_device *dev)
{
	struct sk_buff *skb = alloc_skb_headroom(ETH_ZLEN - ETH_HLEN, ETH_HLEN);
	unsigned char *p;

	if (!skb)
		return NULL;
	p = skb_put(skb, ETH_ZLEN - ETH_HLEN);
	memset(p, 0, ETH_ZLEN - ETH_HLEN);
	memcpy(p, HELLO, strlen(HELLO));
	skb->dev = dev;
	if (dev_hard_header(skb, dev, ETH_P_EXPERIMENTAL, dev->broadcast, NULL,
			    skb->len) < 0) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

static int xmit_hello(struct usn_net *net, int ifindex)
{
	struct net_device *dev;
	struct sk_buff *skb;
	int err = -ENODEV;

	net_lock(net);
	dev = dev_get_by_index(net, ifindex);
	if (dev) {
		skb = build_hello(dev);
		err = skb ? dev_queue_xmit(skb) : -ENOMEM;
	}
	net_unlock(net);
	return err;
}

static struct usn_link_stats link_stats(struct usn_net *net, int ifindex)
{
	struct usn_link_stats st;

	memset(&st, 0, sizeof(st));
	usn_link_stats(net, ifindex, &st);
	return st;
}

/* Before the script brings the kernel side up: write() fails with EIO. */
static void send_no_carrier(struct usn_net *net, int ifindex)
{
	struct usn_link_stats st;
	int err = xmit_hello(net, ifindex);

	st = link_stats(net, ifindex);
	check(err == 0 && st.tx_packets == 0 && st.tx_dropped == 1 &&
	      st.drops[SKB_DROP_REASON_NO_CARRIER] == 1 && st.tx_errors == 0,
	      "frame sent while the kernel side is down dropped as no carrier (ret %d, tx %llu, dropped %llu, no-carrier %llu)",
	      err, (unsigned long long)st.tx_packets,
	      (unsigned long long)st.tx_dropped,
	      (unsigned long long)st.drops[SKB_DROP_REASON_NO_CARRIER]);
}

static void send_hello(struct usn_net *net, int ifindex)
{
	struct usn_link_stats st;
	int err = xmit_hello(net, ifindex);

	check(err == 0, "dev_queue_xmit of the 0x88b5 frame returned %d", err);
	st = link_stats(net, ifindex);
	check(st.tx_packets == 1 && st.tx_bytes == ETH_ZLEN && st.tx_errors == 0,
	      "device counted 1 frame of %d bytes sent, no error (tx %llu/%llu bytes, %llu errors)",
	      ETH_ZLEN, (unsigned long long)st.tx_packets,
	      (unsigned long long)st.tx_bytes, (unsigned long long)st.tx_errors);
	net_lock(net);
	check(seen.tx_seen == 2, "ptype_all tap saw both frames going out (%u)",
	      seen.tx_seen);
	net_unlock(net);
}

/* CPU time of the whole process, in ms. */
static long cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L;
}

/*
 * The script deleted the kernel's utap0: the fd reads EBADFD and polls
 * EPOLLERR for ever. The device must drop its carrier and stop waiting on
 * the fd, or the stack thread would spin.
 */
static void check_kernel_side_gone(struct usn_net *net, int ifindex)
{
	struct usn_link_stats st;
	bool lost = false;
	long cpu;
	int err;

	for (unsigned int ms = 0; ms < 2000 && !lost; ms += 10) {
		net_lock(net);
		lost = !(seen.dev->flags & IFF_RUNNING);
		net_unlock(net);
		if (!lost)
			sleep_ms(10);
	}
	check(lost, "device lost IFF_RUNNING once the kernel side was deleted");
	cpu = cpu_ms();
	sleep_ms(500);
	cpu = cpu_ms() - cpu;
	check(cpu < 100, "stack thread idle after that (%ld ms CPU in 500 ms)", cpu);
	err = xmit_hello(net, ifindex);
	st = link_stats(net, ifindex);
	check(err == 0 && st.tx_errors == 1 &&
	      st.drops[SKB_DROP_REASON_DEV_ERROR] == 1 && st.rx_errors == 1,
	      "a frame sent then is a device error (ret %d, tx_errors %llu, dev-error drops %llu, rx_errors %llu)",
	      err, (unsigned long long)st.tx_errors,
	      (unsigned long long)st.drops[SKB_DROP_REASON_DEV_ERROR],
	      (unsigned long long)st.rx_errors);
}

/* usn_net_destroy() unregisters the device: ndo_uninit closes the fd. */
static void test_uninit(void)
{
	struct usn_net *net2 = usn_net_create("tap-uninit", 0);
	int ifindex;

	check(net2 != NULL, "usn_net_create(tap-uninit)");
	if (!net2)
		return;
	ifindex = usn_tap_attach(net2, "utap2", NULL);
	check(ifindex > 0 && if_nametoindex("utap2") != 0,
	      "usn_tap_attach(utap2) in a second namespace = %d", ifindex);
	check(usn_link_set_up(net2, ifindex, 1) == 0, "utap2 up");
	check(usn_net_destroy(net2) == 0 && if_nametoindex("utap2") == 0,
	      "usn_net_destroy closed the fd: the kernel's utap2 is gone");
}

static void wait_quit(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/quit", dir);
	for (unsigned int ms = 0; ms < WAIT_QUIT_MS; ms += 50) {
		if (!access(path, F_OK))
			return;
		sleep_ms(50);
	}
	printf("INFO: no quit file after %u ms\n", WAIT_QUIT_MS);
}

/* ---- a tap in an external-mode namespace ---------------------------------------- */

#define BIG_FRAME	6000	/* longer than usnet's MTU: spills past the rx buffer */

static bool ext_seen, ext_big_ok;

/* Byte @i of a test frame's payload: HELLO, then a pattern a lost byte breaks. */
static unsigned char payload_byte(unsigned int i)
{
	return i < strlen(HELLO) ? (unsigned char)HELLO[i] : (unsigned char)(i * 7);
}

static int tap_probe_ext_rcv(struct sk_buff *skb, struct net_device *dev,
			     struct packet_type *pt, struct net_device *orig_dev)
{
	bool ok = true;

	for (unsigned int i = 0; ok && i < skb->len; i++)
		ok = skb->data[i] == payload_byte(i);
	if (ok && skb->len == ETH_ZLEN - ETH_HLEN)
		ext_seen = true;
	if (ok && skb->len == BIG_FRAME - ETH_HLEN)
		ext_big_ok = true;
	consume_skb(skb);
	return 0;
}

static struct packet_type ext_pt = {
	.func = tap_probe_ext_rcv,
	.name = "tap_probe_ext_rcv",
};

/* Brings the kernel's @ifname up with MTU @mtu; 0 or -errno. */
static int kernel_link_up(const char *ifname, int mtu)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_mtu = mtu;
	if (ioctl(fd, SIOCSIFMTU, &ifr) < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Sends a broadcast frame of @len bytes (ethertype 0x88b5) out of the kernel's @ifname. */
static int kernel_send(const char *ifname, unsigned int len)
{
	static unsigned char frame[BIG_FRAME];
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = (int)if_nametoindex(ifname),
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(frame, 0, ETH_HLEN);
	memset(frame, 0xff, ETH_ALEN);
	frame[6] = 0x02;			/* a locally administered source */
	frame[12] = ETH_P_EXPERIMENTAL >> 8;
	frame[13] = ETH_P_EXPERIMENTAL & 0xff;
	for (unsigned int i = 0; i < len - ETH_HLEN; i++)
		frame[ETH_HLEN + i] = payload_byte(i);
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll,
		   sizeof(sll)) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

/* The program drives the namespace: usn_net_fd() must wake it for the tap. */
static void test_external(void)
{
	struct usn_net *ext = usn_net_create("tap-external", USN_NET_EXTERNAL);
	struct pollfd pfd;
	int ifindex, err, wakeups = 0;

	check(ext != NULL, "usn_net_create(tap-external, USN_NET_EXTERNAL)");
	if (!ext)
		return;
	ifindex = usn_tap_attach(ext, "utap3", NULL);
	check(ifindex > 0, "usn_tap_attach(utap3) in the external namespace = %d",
	      ifindex);
	ext_pt.type = htons(ETH_P_EXPERIMENTAL);
	net_lock(ext);
	dev_add_pack(ext, &ext_pt);
	net_unlock(ext);
	check(usn_link_set_up(ext, ifindex, 1) == 0, "utap3 up");
	usn_net_step(ext);	/* consumes the wake of dev_open */
	err = kernel_link_up("utap3", 9000);
	if (!err)
		err = kernel_send("utap3", ETH_ZLEN);
	if (!err)
		err = kernel_send("utap3", BIG_FRAME);
	check(err == 0, "kernel side of utap3 up (MTU 9000), frames of %d and %d bytes sent through AF_PACKET (%d)",
	      ETH_ZLEN, BIG_FRAME, err);
	pfd = (struct pollfd){ .fd = usn_net_fd(ext), .events = POLLIN };
	for (unsigned int i = 0; i < 200 && !(ext_seen && ext_big_ok); i++) {
		if (poll(&pfd, 1, 10) > 0)
			wakeups++;
		usn_net_step(ext);
	}
	check(wakeups > 0 && ext_seen,
	      "usn_net_fd woke (%d times) and usn_net_step handed the frame to ptype_base",
	      wakeups);
	check(ext_big_ok, "the %d-byte frame, longer than usnet's MTU, arrived whole",
	      BIG_FRAME);
	check(usn_net_destroy(ext) == 0 && if_nametoindex("utap3") == 0,
	      "external namespace destroyed, utap3 gone");
}

/* Attaches utap0 and registers the tap; returns the ifindex or -1. */
static int attach(struct usn_net *net)
{
	unsigned char mac[ETH_ALEN];
	char macs[32];
	int ifindex;

	ifindex = usn_tap_attach(net, TAP_NAME, NULL);
	check(ifindex > 0, "usn_tap_attach(" TAP_NAME ") = %d (%s)", ifindex,
	      ifindex > 0 ? "ok" : strerror(errno));
	if (ifindex <= 0)
		return -1;
	check(usn_link_index(net, TAP_NAME) == ifindex,
	      "usnet device named after the tap");
	check_attach_fails(net, TAP_NAME, "utap0b", EBUSY,
			   "(tap already attached)");
	check(usn_link_index(net, "utap0b") == -1 && errno == ENODEV,
	      "no usnet device left after the EBUSY attach");
	check(usn_link_set_mtu(net, ifindex, 9000) == 0 &&
	      usn_link_set_mtu(net, ifindex, ETH_DATA_LEN) == 0,
	      "usn_link_set_mtu accepts 9000 and 1500");

	net_lock(net);
	seen.dev = dev_get_by_index(net, ifindex);
	probe_pt.type = htons(ETH_P_ALL);
	dev_add_pack(net, &probe_pt);
	net_unlock(net);
	check(usn_link_set_up(net, ifindex, 1) == 0, "usn_link_set_up");
	send_no_carrier(net, ifindex);
	usn_link_hwaddr(net, ifindex, mac);
	format_mac(macs, sizeof(macs), mac);
	printf("READY ifindex=%d mac=%s\n", ifindex, macs);
	return ifindex;
}

static int run(const char *dir)
{
	struct usn_net *net = usn_net_default();
	struct usn_link_stats st;
	char macs[32];
	int ifindex;
	bool arp;

	test_error_paths(net);
	test_uninit();
	test_external();
	check(usn_trace_start(net, 0) == 0, "usn_trace_start");
	ifindex = attach(net);
	if (ifindex < 0)
		return 1;

	arp = wait_arp(net);
	check(arp, "ARP request who-has 10.77.0.2 tell 10.77.0.1 arrived through the ptype_all tap");
	if (arp) {
		/* Written once, before wait_arp() saw arp_seen under the lock. */
		format_mac(macs, sizeof(macs), seen.arp_sha);
		printf("ARP sha=%s\n", macs);
		check(seen.arp_pkt_type == PACKET_BROADCAST,
		      "ARP request classified PACKET_BROADCAST (%u)",
		      seen.arp_pkt_type);
		check_trace(net);
	}
	memset(&st, 0, sizeof(st));
	usn_link_stats(net, ifindex, &st);
	check(st.rx_packets >= 1 && st.rx_errors == 0,
	      "device counted %llu frames received, %llu errors",
	      (unsigned long long)st.rx_packets, (unsigned long long)st.rx_errors);

	send_hello(net, ifindex);
	printf("SENT\n");
	wait_quit(dir);
	check_kernel_side_gone(net, ifindex);

	check(usn_link_set_up(net, ifindex, 0) == 0, "usn_link_set_up down");
	net_lock(net);
	dev_remove_pack(net, &probe_pt);
	net_unlock(net);
	usn_trace_stop(net);
	return failures ? 1 : 0;
}

static int eperm(void)
{
	check_attach_fails(usn_net_default(), "utap9", NULL, EPERM,
			   "(no CAP_NET_ADMIN)");
	return failures ? 1 : 0;
}

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s run DIR | eperm\n", prog);
	return 2;
}

int main(int argc, char **argv)
{
	struct usn_config cfg;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	usn_config_init(&cfg);
	cfg.mode = USN_MODE_THREADED;
	if (usn_init(&cfg)) {
		printf("FAIL: usn_init: %s\n", strerror(errno));
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "run"))
		rc = run(argv[2]);
	else if (argc == 2 && !strcmp(argv[1], "eperm"))
		rc = eperm();
	else
		rc = usage(argv[0]);
	printf("DONE rc=%d\n", rc);
	return rc;
}
