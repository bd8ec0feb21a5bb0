/* SPDX-License-Identifier: MIT */
/*
 * sysctl_test.c - the tunables table: kernel names and defaults, text in
 * and out as /proc/sys, range checks.
 */
#include <errno.h>
#include <usnet/usnet.h>
#include "net/net.h"
#include "test.h"

static const char *get(struct usn_net *net, const char *name)
{
	static char buf[64];
	size_t len = sizeof(buf);

	if (usn_sysctl(net, name, buf, &len, NULL) < 0)
		return NULL;
	return buf;
}

TEST(defaults_are_the_kernels)
{
	struct usn_net *net = usn_net_create("sysctl", 0);

	ASSERT_TRUE(net);
	EXPECT_STREQ(get(net, "net.core.somaxconn"), "4096\n");
	EXPECT_STREQ(get(net, "net.core.rmem_default"), "212992\n");
	EXPECT_STREQ(get(net, "net.core.rmem_max"), "212992\n");
	EXPECT_STREQ(get(net, "net.core.wmem_default"), "212992\n");
	EXPECT_STREQ(get(net, "net.core.wmem_max"), "212992\n");
	EXPECT_STREQ(get(net, "net.core.netdev_max_backlog"), "1000\n");
	EXPECT_STREQ(get(net, "net.ipv4.ip_local_port_range"), "32768\t60999\n");
	EXPECT_STREQ(get(net, "net.ipv4.ping_group_range"), "1\t0\n");
	EXPECT_STREQ(get(net, "net.ipv4.ip_default_ttl"), "64\n");
	EXPECT_STREQ(get(net, "net.ipv4.ip_forward"), "0\n");
	usn_net_destroy(net);
}

TEST(values_are_range_checked)
{
	struct usn_net *net = usn_net_create("sysctl2", 0);

	ASSERT_TRUE(net);
	EXPECT_OK(usn_sysctl(net, "net.core.somaxconn", NULL, NULL, "128\n"));
	EXPECT_STREQ(get(net, "net.core.somaxconn"), "128\n");
	EXPECT_ERRNO(usn_sysctl(net, "net.core.somaxconn", NULL, NULL, "-1"), EINVAL);
	EXPECT_ERRNO(usn_sysctl(net, "net.core.somaxconn", NULL, NULL, "12x"), EINVAL);
	EXPECT_ERRNO(usn_sysctl(net, "net.core.somaxconn", NULL, NULL, ""), EINVAL);
	EXPECT_ERRNO(usn_sysctl(net, "net.core.somaxconn", NULL, NULL, "99999999999"), EINVAL);
	EXPECT_ERRNO(usn_sysctl(net, "net.core.rmem_max", NULL, NULL, "100"), EINVAL);
	EXPECT_OK(usn_sysctl(net, "net.ipv4.ip_local_port_range", NULL, NULL, "1024 2048"));
	EXPECT_STREQ(get(net, "net.ipv4.ip_local_port_range"), "1024\t2048\n");
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.ip_local_port_range", NULL, NULL, "2048 1024"), EINVAL);
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.ip_local_port_range", NULL, NULL, "0 1024"), EINVAL);
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.ip_local_port_range", NULL, NULL, "1024"), EINVAL);
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.ip_default_ttl", NULL, NULL, "256"), EINVAL);
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.ip_forward", NULL, NULL, "2"), EINVAL);
	EXPECT_ERRNO(usn_sysctl(net, "net.core.nosuch", NULL, NULL, "1"), ENOENT);
	EXPECT_ERRNO(usn_sysctl(net, NULL, NULL, NULL, "1"), EFAULT);
	/* The value stays what it was after a refused write. */
	EXPECT_STREQ(get(net, "net.core.somaxconn"), "128\n");
	/* Namespaces are independent. */
	EXPECT_STREQ(get(usn_net_default(), "net.core.somaxconn"), "4096\n");
	usn_net_destroy(net);
}

TEST(reading_reports_the_length_needed)
{
	char small[3];
	size_t len = sizeof(small);

	EXPECT_ERRNO(usn_sysctl(usn_net_default(), "net.core.somaxconn", small, &len, NULL), ENOMEM);
	EXPECT_EQ(len, 6);
	len = 0;
	EXPECT_OK(usn_sysctl(usn_net_default(), "net.core.somaxconn", NULL, &len, NULL));
	EXPECT_EQ(len, 6);
}

/* String rows: net.ipv4.tcp_congestion_control and its list, as /proc/sys. */
TEST(string_tunables)
{
	struct usn_net *net = usn_net_create("sysctl3", 0);
	char small[4];
	size_t len;

	ASSERT_TRUE(net);
	EXPECT_STREQ(get(net, "net.ipv4.tcp_congestion_control"), "cubic\n");
	EXPECT_STREQ(get(net, "net.ipv4.tcp_available_congestion_control"),
		     "reno cubic\n");
	EXPECT_OK(usn_sysctl(net, "net.ipv4.tcp_congestion_control", NULL, NULL, "reno"));
	EXPECT_STREQ(get(net, "net.ipv4.tcp_congestion_control"), "reno\n");
	/* The value ends at a newline, as echo writes it. */
	EXPECT_OK(usn_sysctl(net, "net.ipv4.tcp_congestion_control", NULL, NULL,
			     "cubic\nreno"));
	EXPECT_STREQ(get(net, "net.ipv4.tcp_congestion_control"), "cubic\n");
	/* An unknown algorithm is ENOENT, as Linux; the old value stays. */
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.tcp_congestion_control", NULL, NULL,
				"vegas"), ENOENT);
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.tcp_congestion_control", NULL, NULL,
				""), ENOENT);
	/* Cut at 15 bytes: what is left is no algorithm's name either. */
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.tcp_congestion_control", NULL, NULL,
				"cubiccubiccubiccubic"), ENOENT);
	EXPECT_STREQ(get(net, "net.ipv4.tcp_congestion_control"), "cubic\n");
	/* The list is read-only (mode 0444). */
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.tcp_available_congestion_control",
				NULL, NULL, "reno"), EACCES);
	EXPECT_STREQ(get(net, "net.ipv4.tcp_available_congestion_control"),
		     "reno cubic\n");
	/* Reading reports the length needed, NUL included. */
	len = sizeof(small);
	EXPECT_ERRNO(usn_sysctl(net, "net.ipv4.tcp_congestion_control", small, &len,
				NULL), ENOMEM);
	EXPECT_EQ(len, 7);
	len = 0;
	EXPECT_OK(usn_sysctl(net, "net.ipv4.tcp_available_congestion_control",
			     NULL, &len, NULL));
	EXPECT_EQ(len, 12);
	/* Read the old value and write a new one in one call. */
	{
		char old[16];

		len = sizeof(old);
		EXPECT_OK(usn_sysctl(net, "net.ipv4.tcp_congestion_control", old,
				     &len, "reno"));
		EXPECT_STREQ(old, "cubic\n");
		EXPECT_STREQ(get(net, "net.ipv4.tcp_congestion_control"), "reno\n");
	}
	/* Integer rows are unchanged by the string ones. */
	EXPECT_STREQ(get(net, "net.ipv4.tcp_rmem"), "4096\t131072\t6291456\n");
	usn_net_destroy(net);
}
