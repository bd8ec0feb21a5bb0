/* SPDX-License-Identifier: MIT */
/*
 * unix_addr.c - the names of unix sockets, after unix_bind(),
 * unix_autobind() and unix_find_other() in net/unix/af_unix.c.
 *
 * Two kinds of name, one process-wide table:
 *   path names     (sun_path[0] != 0): shared by every namespace, as a file
 *                  is. The filesystem is never touched: the table entry is
 *                  the "socket file". It outlives the socket, as the inode
 *                  does: binding the name again fails with EADDRINUSE and a
 *                  connect gets ECONNREFUSED until usn_unlink() removes it.
 *                  Paths are compared after making them absolute against
 *                  the current directory and removing "." and ".." (no
 *                  symbolic links are followed).
 *   abstract names (sun_path[0] == 0): bytes of the given length, one set
 *                  per network namespace, gone when the socket closes.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "family/unix/af_unix.h"
#include "net/net.h"

#define UNIX_HASH_SIZE	256

struct unix_name {
	struct list_head	link;
	struct usn_net		*net;		/* abstract: its namespace; NULL: a path */
	struct sock		*sk;		/* NULL: a path left after close */
	size_t			keylen;
	char			key[];		/* canonical path, or abstract bytes */
};

static pthread_mutex_t unix_table_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct list_head unix_names[UNIX_HASH_SIZE];
static bool unix_names_ready;
LIST_HEAD(unix_all_socks);

void unix_table_lock(void)
{
	pthread_mutex_lock(&unix_table_mutex);
	if (unlikely(!unix_names_ready)) {
		for (int i = 0; i < UNIX_HASH_SIZE; i++)
			INIT_LIST_HEAD(&unix_names[i]);
		unix_names_ready = true;
	}
}

void unix_table_unlock(void)
{
	pthread_mutex_unlock(&unix_table_mutex);
}

void unix_address_put(struct unix_address *addr)
{
	if (addr && atomic_fetch_sub(&addr->refcnt, 1) == 1)
		free(addr);
}

static unsigned int unix_hash(const struct usn_net *net, const char *key,
			      size_t len)
{
	uint32_t h = 2166136261u ^ (uint32_t)(uintptr_t)net;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return h % UNIX_HASH_SIZE;
}

/* Table locked. */
static struct unix_name *unix_name_lookup(const struct usn_net *net,
					  const char *key, size_t len)
{
	struct unix_name *n;

	list_for_each_entry(n, &unix_names[unix_hash(net, key, len)], link)
		if (n->net == net && n->keylen == len && !memcmp(n->key, key, len))
			return n;
	return NULL;
}

/*
 * The lookup key of a path: absolute, without "//", "." or "..", as the
 * kernel's path walk would reach the same inode (symbolic links aside).
 */
static int unix_path_key(const char *path, char *out, size_t outsz,
			 size_t *outlen)
{
	char buf[PATH_MAX + 110];
	size_t o = 0;
	char *p, *save = NULL;

	if (path[0] == '/') {
		snprintf(buf, sizeof(buf), "%s", path);
	} else {
		if (!getcwd(buf, PATH_MAX))
			return -errno;
		strcat(buf, "/");
		strncat(buf, path, sizeof(buf) - strlen(buf) - 1);
	}
	for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		size_t l = strlen(p);

		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			while (o && out[o - 1] != '/')
				o--;
			if (o)
				o--;
			continue;
		}
		if (o + l + 2 > outsz)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, p, l);
		o += l;
	}
	if (!o)
		out[o++] = '/';
	*outlen = o;
	return 0;
}

int unix_validate_addr(const struct sockaddr *addr, int addr_len)
{
	if (addr_len <= UNIX_PATH_OFF || addr->sa_family != AF_UNIX)
		return -EINVAL;
	if (addr_len > (int)sizeof(struct sockaddr_un))
		return -EINVAL;
	return 0;
}

/*
 * The name a caller gave, as the kernel keeps it: a path ends at its first
 * NUL (the length then counts that NUL), an abstract name is every byte.
 * @uaddr is a sockaddr_storage, so the byte after sun_path exists.
 */
static struct unix_address *unix_mkname(struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)uaddr;
	struct unix_address *a;

	if (sun->sun_path[0]) {
		((char *)uaddr)[addr_len] = 0;
		addr_len = (int)strlen(sun->sun_path) + 1 + UNIX_PATH_OFF;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	atomic_init(&a->refcnt, 1);
	a->len = addr_len;
	memcpy(&a->name, uaddr, (size_t)addr_len);
	return a;
}

/* Table locked: enters @key for @sk and publishes @addr as its name. */
static int unix_name_insert(struct sock *sk, struct usn_net *net,
			    const char *key, size_t len,
			    struct unix_address *addr)
{
	struct unix_sock *u = unix_sk(sk);
	struct unix_name *n = malloc(sizeof(*n) + len);

	if (!n)
		return -ENOMEM;
	n->net = net;
	n->sk = sk;
	n->keylen = len;
	memcpy(n->key, key, len);
	list_add_tail(&n->link, &unix_names[unix_hash(net, key, len)]);
	u->bound = n;
	__atomic_store_n(&u->addr, addr, __ATOMIC_RELEASE);
	return 0;
}

static int unix_bind_bsd(struct sock *sk, struct unix_address *addr)
{
	char key[PATH_MAX];
	size_t len;
	int err;

	err = unix_path_key(addr->name.sun_path, key, sizeof(key), &len);
	if (err)
		return err;
	unix_table_lock();
	err = -EADDRINUSE;	/* the "file" exists, bound or left over */
	if (unix_name_lookup(NULL, key, len))
		goto out;
	err = -EINVAL;
	if (unix_sk(sk)->addr)
		goto out;
	err = unix_name_insert(sk, NULL, key, len, addr);
out:
	unix_table_unlock();
	return err;
}

static int unix_bind_abstract(struct sock *sk, struct unix_address *addr)
{
	struct usn_net *net = sock_net(sk);
	const char *key = addr->name.sun_path;
	size_t len = (size_t)(addr->len - UNIX_PATH_OFF);
	int err;

	unix_table_lock();
	err = -EINVAL;
	if (unix_sk(sk)->addr)
		goto out;
	err = -EADDRINUSE;
	if (unix_name_lookup(net, key, len))
		goto out;
	err = unix_name_insert(sk, net, key, len, addr);
out:
	unix_table_unlock();
	return err;
}

int unix_bind_name(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	struct unix_address *addr;
	int err;

	if (addr_len == UNIX_PATH_OFF && uaddr->sa_family == AF_UNIX)
		return unix_autobind(sk);
	err = unix_validate_addr(uaddr, addr_len);
	if (err)
		return err;
	addr = unix_mkname(uaddr, addr_len);
	if (!addr)
		return -ENOMEM;
	if (addr->name.sun_path[0])
		err = unix_bind_bsd(sk, addr);
	else
		err = unix_bind_abstract(sk, addr);
	if (err)
		unix_address_put(addr);
	return err;
}

/*
 * An abstract name "\0" + five hex digits, from a random start, as
 * unix_autobind(); already bound is no error.
 */
int unix_autobind(struct sock *sk)
{
	struct usn_net *net = sock_net(sk);
	struct unix_address *addr;
	uint32_t ordernum, tries;
	char name[8];
	int err = 0;

	if (__atomic_load_n(&unix_sk(sk)->addr, __ATOMIC_ACQUIRE))
		return 0;
	addr = calloc(1, sizeof(*addr));
	if (!addr)
		return -ENOMEM;
	atomic_init(&addr->refcnt, 1);
	addr->len = UNIX_AUTOBIND_LEN;
	addr->name.sun_family = AF_UNIX;
	ordernum = net_random_u32(net) & 0xfffff;
	unix_table_lock();
	if (unix_sk(sk)->addr)
		goto out_free;
	for (tries = 0; tries <= 0xfffff; tries++) {
		name[0] = 0;
		snprintf(name + 1, sizeof(name) - 1, "%05x", ordernum);
		if (!unix_name_lookup(net, name, 6)) {
			memcpy(addr->name.sun_path, name, 6);
			err = unix_name_insert(sk, net, name, 6, addr);
			if (err)
				goto out_free;
			unix_table_unlock();
			return 0;
		}
		ordernum = (ordernum + 1) & 0xfffff;
	}
	err = -ENOSPC;
out_free:
	unix_table_unlock();
	free(addr);
	return err;
}

struct sock *unix_find_other(struct usn_net *net, struct sockaddr *uaddr,
			     int addr_len, int type, int *err)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)uaddr;
	struct unix_name *n;
	struct sock *sk = NULL;
	char key[PATH_MAX];
	size_t len;

	if (sun->sun_path[0]) {
		((char *)uaddr)[addr_len] = 0;
		*err = unix_path_key(sun->sun_path, key, sizeof(key), &len);
		if (*err)
			return NULL;
		net = NULL;
	} else {
		len = (size_t)(addr_len - UNIX_PATH_OFF);
		memcpy(key, sun->sun_path, len);
	}
	unix_table_lock();
	n = unix_name_lookup(net, key, len);
	if (!n) {
		/* No such file for a path; nobody listening for a name. */
		*err = net ? -ECONNREFUSED : -ENOENT;
		goto out;
	}
	*err = -ECONNREFUSED;
	if (!n->sk || sock_flag(n->sk, SOCK_DEAD))
		goto out;
	*err = -EPROTOTYPE;
	if (n->sk->sk_type != type)
		goto out;
	*err = 0;
	sk = n->sk;
	sock_hold(sk);
out:
	unix_table_unlock();
	return sk;
}

/* At close: an abstract name goes, a path stays behind (without a socket). */
void unix_unbind(struct sock *sk)
{
	struct unix_sock *u = unix_sk(sk);
	struct unix_name *n;

	unix_table_lock();
	n = u->bound;
	u->bound = NULL;
	if (n) {
		if (n->net) {
			list_del(&n->link);
			free(n);
		} else {
			n->sk = NULL;
		}
	}
	unix_table_unlock();
}

int unix_name_unlink(const char *path)
{
	struct unix_name *n;
	char key[PATH_MAX];
	size_t len;
	int err;

	err = unix_path_key(path, key, sizeof(key), &len);
	if (err)
		return err;
	unix_table_lock();
	n = unix_name_lookup(NULL, key, len);
	if (n) {
		/* The socket keeps its name (getsockname), as after unlink(2). */
		if (n->sk)
			unix_sk(n->sk)->bound = NULL;
		list_del(&n->link);
		free(n);
	}
	unix_table_unlock();
	return n ? 0 : -ENOENT;
}

__public int usn_unlink(const char *path)
{
	int err;

	if (!path) {
		errno = EFAULT;
		return -1;
	}
	err = path[0] ? unix_name_unlink(path) : -ENOENT;
	if (err == -ENOENT)
		return unlink(path);	/* not a usnet name: the kernel's file */
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}
