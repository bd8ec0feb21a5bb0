/* SPDX-License-Identifier: MIT */
/* file.h - the fd table's internal interface (file.c). */
#ifndef USN_SOCKET_FILE_H
#define USN_SOCKET_FILE_H

#include <stdatomic.h>
#include <stdbool.h>

struct file;
struct socket;

struct file_operations;

struct file *file_alloc(struct socket *sock, unsigned int f_flags);
struct file *file_alloc_anon(const struct file_operations *fops, void *priv,
			     unsigned int f_flags);
/* Back to the file cache: a file that is unreferenced or was never installed. */
void file_free(struct file *file);
struct file *fget(int fd);
int fd_install_new(struct file *file, bool cloexec, int dupfrom, int minfd);
int fd_close(int fd);
int fd_forget(int fd);

/*
 * Files whose number was closed with libc behind usnet's back and then
 * handed out again: their release waits for a system call's exit, where
 * no namespace lock is held (the last fput() may take one).
 */
extern atomic_bool fd_stale_pending;
void fd_release_stale(void);
int fd_not_ours_errno(int fd);
int fd_get_cloexec(int fd);
int fd_set_cloexec(int fd, bool on);

#endif
