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
