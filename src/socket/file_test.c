/* SPDX-License-Identifier: MIT */
/*
 * file_test.c - the fd table's lock-free lookup: fget() racing with
 * sockets being opened and closed on the same numbers never returns a file
 * whose socket is gone, never keeps a reference, and leaks nothing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <usnet/usnet.h>
#include "net/net.h"
#include "socket/file.h"
#include "socket/socket.h"
#include "test.h"

#define ROUNDS		20000
#define NFDS		4

static atomic_bool stop;
static atomic_int lo_fd;
static atomic_long found, mismatched;

/* Opens and closes sockets: the kernel hands out the same few numbers. */
static void *churn(void *arg)
{
	int fd[NFDS];

	(void)arg;
	for (int r = 0; r < ROUNDS / NFDS; r++) {
		for (int i = 0; i < NFDS; i++)
			fd[i] = usn_socket(AF_INET, SOCK_DGRAM, 0);
		for (int i = 0; i < NFDS; i++)
			if (fd[i] >= 0)
				usn_close(fd[i]);
	}
	atomic_store(&stop, true);
	return NULL;
}

/* Looks the numbers up; a file it gets must be a live socket's own. */
static void *lookup(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		int lo = atomic_load(&lo_fd);

		for (int fd = lo; fd < lo + NFDS + 2; fd++) {
			struct file *file = fget(fd);
			struct socket *sock;

			if (!file)
				continue;
			sock = sock_from_file(file);
			if (!sock || sock->file != file)
				atomic_fetch_add(&mismatched, 1);
			atomic_fetch_add(&found, 1);
			fput(file);
		}
		if (atomic_load_explicit(&fd_stale_pending, memory_order_relaxed))
			fd_release_stale();
	}
	return NULL;
}

TEST(lookup_races_open_and_close)
{
	struct usn_net *net = usn_net_create("filetest", 0);
	pthread_t c, l[2];
	int fd, sockets0;

	ASSERT_TRUE(net);
	usn_setns(net);
	sockets0 = atomic_load(&net->sockets);
	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_TRUE(fd >= 0);
	atomic_store(&lo_fd, fd);
	usn_close(fd);
	ASSERT_TRUE(!pthread_create(&l[0], NULL, lookup, NULL));
	ASSERT_TRUE(!pthread_create(&l[1], NULL, lookup, NULL));
	ASSERT_TRUE(!pthread_create(&c, NULL, churn, NULL));
	pthread_join(c, NULL);
	pthread_join(l[0], NULL);
	pthread_join(l[1], NULL);
	fd_release_stale();
	EXPECT_EQ(atomic_load(&mismatched), 0);
	EXPECT_TRUE(atomic_load(&found) > 0);
	/* Every socket was released: no reference was kept by a lookup. */
	EXPECT_EQ(atomic_load(&net->sockets), sockets0);
	for (fd = atomic_load(&lo_fd); fd < atomic_load(&lo_fd) + NFDS; fd++)
		EXPECT_EQ(usn_fd_owned(fd), 0);
	usn_setns(NULL);
	EXPECT_EQ(usn_net_destroy(net), 0);
}
