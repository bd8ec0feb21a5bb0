/* SPDX-License-Identifier: MIT */
/*
 * scm.c - control messages of unix sockets, after net/core/scm.c:
 * SCM_RIGHTS (descriptors) and SCM_CREDENTIALS (pid, uid, gid).
 *
 * A descriptor in flight is a reference: a usnet fd passes its struct file
 * (the receiver gets a new fd for the same file, sharing O_NONBLOCK and
 * the socket), a kernel fd passes a duplicate made at send time. In-flight
 * unix sockets are counted for the garbage collector (garbage.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "family/unix/af_unix.h"
#include "socket/file.h"
#include "socket/security.h"

#define CAP_SETGID	6
#define CAP_SETUID	7
#define CAP_SYS_ADMIN	21
#define CAP_SYS_RESOURCE	24

/* The calling process's effective capability @cap (scm_check_creds). */
static bool proc_capable(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

/*
 * capable(): the process holds @cap and the policy (usn_security_ops
 * .capable) does not deny it in @net.
 */
static bool unix_capable(struct usn_net *net, int cap)
{
	return proc_capable(cap) && ns_capable(net, cap);
}

/* May the caller claim @cr? As scm_check_creds(). */
static int scm_check_creds(const struct ucred *cr)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (cr->uid == (uid_t)-1 || cr->gid == (gid_t)-1)
		return -EINVAL;
	getresuid(&ruid, &euid, &suid);
	getresgid(&rgid, &egid, &sgid);
	if (cr->pid != getpid() && !proc_capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (cr->uid != ruid && cr->uid != euid && cr->uid != suid &&
	    !proc_capable(CAP_SETUID))
		return -EPERM;
	if (cr->gid != rgid && cr->gid != egid && cr->gid != sgid &&
	    !proc_capable(CAP_SETGID))
		return -EPERM;
	return 0;
}

static struct file *get_file(struct file *f)
{
	atomic_fetch_add(&f->f_count, 1);
	return f;
}

/* Whether @fd is a duplicate this send made of a kernel fd. */
static bool scm_fp_opened(const struct scm_fp_list *fpl, int fd)
{
	for (int i = 0; fpl && i < fpl->count; i++)
		if (fpl->fp[i].kfd == fd)
			return true;
	return false;
}

/* Adds the descriptors of one SCM_RIGHTS message, as scm_fp_copy(). */
static int scm_fp_copy(const struct cmsghdr *cm, const unsigned char *data,
		       struct unix_scm *scm)
{
	struct scm_fp_list *fpl = scm->fp;
	int num = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

	if (num <= 0)
		return 0;
	if (num > SCM_MAX_FD)
		return -EINVAL;
	if (!fpl) {
		fpl = calloc(1, sizeof(*fpl));
		if (!fpl)
			return -ENOMEM;
		scm->fp = fpl;
	}
	if (fpl->count + num > SCM_MAX_FD)
		return -EINVAL;
	for (int i = 0; i < num; i++) {
		struct scm_fp_entry *e = &fpl->fp[fpl->count];
		int fd;

		memcpy(&fd, data + (size_t)i * sizeof(int), sizeof(fd));
		/*
		 * A number this send opened (a duplicate, below) was not the
		 * caller's: Linux opens none here, so it is EBADF there.
		 */
		if (scm_fp_opened(scm->fp, fd))
			return -EBADF;
		e->file = fget(fd);
		e->kfd = -1;
		if (!e->file) {
			if (fd < 0 || fcntl(fd, F_GETFD) < 0)
				return -EBADF;
			e->kfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
			if (e->kfd < 0)
				return -errno;
		}
		fpl->count++;
	}
	return 0;
}

int unix_scm_send(struct socket *sock, struct kmsghdr *msg,
		  struct unix_scm *scm)
{
	const unsigned char *p = msg->msg_control;
	size_t left = msg->msg_controllen;
	struct cmsghdr cm;
	struct ucred cr;
	int err;

	(void)sock;
	scm->pid = getpid();
	scm->uid = getuid();
	scm->gid = getgid();
	scm->fp = NULL;
	if (!p)
		return 0;
	while (left >= sizeof(cm)) {
		size_t step;

		memcpy(&cm, p, sizeof(cm));
		err = -EINVAL;
		if (cm.cmsg_len < sizeof(cm) || cm.cmsg_len > left)
			goto error;
		if (cm.cmsg_level == SOL_SOCKET) {
			switch (cm.cmsg_type) {
			case SCM_RIGHTS:
				err = scm_fp_copy(&cm, p + CMSG_LEN(0), scm);
				if (err)
					goto error;
				break;
			case SCM_CREDENTIALS:
				if (cm.cmsg_len != CMSG_LEN(sizeof(cr)))
					goto error;
				memcpy(&cr, p + CMSG_LEN(0), sizeof(cr));
				err = scm_check_creds(&cr);
				if (err)
					goto error;
				/* Another pid must exist (find_get_pid()). */
				err = -ESRCH;
				if (cr.pid != scm->pid &&
				    (cr.pid <= 0 ||
				     (kill(cr.pid, 0) && errno == ESRCH)))
					goto error;
				scm->pid = cr.pid;
				scm->uid = cr.uid;
				scm->gid = cr.gid;
				break;
			default:
				goto error;
			}
		}
		step = CMSG_ALIGN(cm.cmsg_len);
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	return 0;
error:
	unix_scm_destroy(scm);
	return err;
}

void scm_fp_free(struct scm_fp_list *fpl)
{
	while (fpl) {
		struct scm_fp_list *next = fpl->next;

		for (int i = 0; i < fpl->count; i++) {
			if (fpl->fp[i].file)
				fput(fpl->fp[i].file);
			else if (fpl->fp[i].kfd >= 0)
				close(fpl->fp[i].kfd);
		}
		free(fpl);
		fpl = next;
	}
}

void unix_scm_destroy(struct unix_scm *scm)
{
	scm_fp_free(scm->fp);
	scm->fp = NULL;
}

/*
 * too_many_unix_fds(): more descriptors in flight than RLIMIT_NOFILE lets
 * the process open is refused, unless CAP_SYS_RESOURCE or CAP_SYS_ADMIN.
 * Linux counts per user across processes; usnet counts its own process.
 */
static bool too_many_unix_fds(struct usn_net *net)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) ||
	    (rlim_t)unix_inflight_fds() <= rl.rlim_cur)
		return false;
	return !unix_capable(net, CAP_SYS_RESOURCE) &&
	       !unix_capable(net, CAP_SYS_ADMIN);
}

int unix_attach_fds(struct usn_net *net, struct unix_scm *scm,
		    struct sk_buff *skb)
{
	if (too_many_unix_fds(net))
		return -ETOOMANYREFS;
	UNIXCB(skb).fp = scm->fp;
	unix_inflight(scm->fp);
	scm->fp = NULL;
	return 0;
}

/* A copy holding its own references, for MSG_PEEK (scm_fp_dup). */
struct scm_fp_list *scm_fp_dup(const struct scm_fp_list *fpl)
{
	struct scm_fp_list *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	for (int i = 0; i < fpl->count; i++) {
		const struct scm_fp_entry *e = &fpl->fp[i];

		n->fp[i].kfd = -1;
		if (e->file)
			n->fp[i].file = get_file(e->file);
		else
			n->fp[i].kfd = fcntl(e->kfd, F_DUPFD_CLOEXEC, 0);
		n->count++;
	}
	return n;
}

/* Installs one passed descriptor in the fd table; the entry's reference goes with it. */
static int scm_install(struct scm_fp_entry *e, bool cloexec)
{
	int fd;

	if (e->file) {
		fd = fd_install_new(e->file, cloexec, -1, -1);
		if (fd >= 0)
			e->file = NULL;
		return fd;
	}
	if (e->kfd < 0)
		return -EBADF;
	if (!cloexec && fcntl(e->kfd, F_SETFD, 0) < 0)
		return -errno;
	fd = e->kfd;
	e->kfd = -1;
	return fd;
}

/*
 * As scm_detach_fds(): as many descriptors as the buffer holds, MSG_CTRUNC
 * when some did not fit; the rest are released at the op's end.
 */
void unix_scm_recv_fds(struct kmsghdr *msg, int flags,
		       struct scm_fp_list *fpl, struct unix_defer *d)
{
	bool cloexec = flags & MSG_CMSG_CLOEXEC;
	int fdmax = 0, i, fds[SCM_MAX_FD];
	size_t cmlen;

	if (!fpl)
		return;
	if (msg->msg_control && msg->msg_controllen > sizeof(struct cmsghdr))
		fdmax = (int)((msg->msg_controllen - sizeof(struct cmsghdr)) /
			      sizeof(int));
	for (i = 0; i < fdmax && i < fpl->count; i++) {
		int fd = scm_install(&fpl->fp[i], cloexec);

		if (fd < 0)
			break;
		fds[i] = fd;
	}
	if (i > 0) {
		struct cmsghdr cm = {
			.cmsg_len = CMSG_LEN((size_t)i * sizeof(int)),
			.cmsg_level = SOL_SOCKET,
			.cmsg_type = SCM_RIGHTS,
		};

		memcpy(msg->msg_control, &cm, sizeof(cm));
		memcpy((char *)msg->msg_control + CMSG_LEN(0), fds,
		       (size_t)i * sizeof(int));
		cmlen = CMSG_SPACE((size_t)i * sizeof(int));
		if (cmlen > msg->msg_controllen)
			cmlen = msg->msg_controllen;
		msg->msg_control = (char *)msg->msg_control + cmlen;
		msg->msg_controllen -= cmlen;
	}
	if (i < fpl->count)
		msg->msg_flags |= MSG_CTRUNC;
	/* What was not installed is released with no lock held. */
	fpl->next = d->put;
	d->put = fpl;
}

/*
 * SCM_PIDFD (scm_pidfd_recv()): a pidfd of the sender's process, always
 * close-on-exec; the negative errno in its place when there is none, as
 * Linux puts it. Nothing is opened when the control buffer has no room.
 */
void unix_scm_recv_pidfd(struct kmsghdr *msg, pid_t pid)
{
	int fd;

	if (msg->msg_controllen < CMSG_LEN(sizeof(int))) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	if (!pid)
		return;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		fd = -errno;
	put_cmsg(msg, SOL_SOCKET, SCM_PIDFD, sizeof(fd), &fd);
}

void unix_scm_recv_creds(struct kmsghdr *msg, const struct unix_skb_parms *cb)
{
	struct ucred cr = {
		.pid = cb->pid,
		.uid = cb->uid,
		.gid = cb->gid,
	};

	put_cmsg(msg, SOL_SOCKET, SCM_CREDENTIALS, sizeof(cr), &cr);
}
