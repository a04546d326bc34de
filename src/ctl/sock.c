// SPDX-License-Identifier: MIT
/*
 * The Unix socket file: creating it with mode 0600, replacing a stale one the way
 * kvmtool does (bind fails with EADDRINUSE -> try to connect -> ECONNREFUSED means
 * nobody listens: unlink and bind again), refusing a live one, and connecting to it.
 */
#include "ctl/ctl_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/errbuf.h"
#include "util/log.h"

static int make_addr(const char *path, struct sockaddr_un *sa)
{
	size_t len;

	if (!path || !path[0])
		return -EINVAL;
	len = strlen(path);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

/* 1: something accepts connections at sa; 0: nobody does (stale); -errno: cannot tell. */
static int probe_live(const struct sockaddr_un *sa)
{
	/* Non-blocking: a live server with a full backlog answers EAGAIN, not a hang. */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int r;

	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (r == 0 || errno == EAGAIN || errno == EINPROGRESS)
		r = 1;
	else
		r = errno == ECONNREFUSED ? 0 : -errno;
	close(fd);
	return r;
}

int ctl_sock_listen(const char *path, int *fd_out, dev_t *dev, ino_t *ino, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, r;

	r = make_addr(path, &sa);
	if (r == -ENAMETOOLONG)
		errbuf_set(err, errlen, "the socket path is too long (%zu bytes, at most %zu)",
			   strlen(path), sizeof(sa.sun_path) - 1);
	else if (r)
		errbuf_set(err, errlen, "the socket path is empty");
	if (r)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		errbuf_set(err, errlen, "socket: %s", strerror(-r));
		return r;
	}
	for (int attempt = 0;; attempt++) {
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		r = -errno;
		if (r != -EADDRINUSE || attempt > 0)
			goto fail_msg;
		/* Never unlink something that is not a socket (a typo must not eat a file). */
		if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			errbuf_set(err, errlen, "%s exists and is not a socket", path);
			r = -EEXIST;
			goto fail;
		}
		r = probe_live(&sa);
		if (r == 1) {
			errbuf_set(err, errlen, "another hvemu is listening on %s", path);
			r = -EADDRINUSE;
			goto fail;
		}
		if (r < 0 && r != -ENOENT)
			goto fail_msg;
		pr_info("ctl: replacing stale socket %s", path);
		if (unlink(path) && errno != ENOENT) {
			r = -errno;
			goto fail_msg;
		}
	}
	/*
	 * fchmod on a socket fd changes the socket inode, not the file, and umask is
	 * process-wide; chmod the file between bind and listen, when nobody can connect yet.
	 */
	if (chmod(path, 0600) || lstat(path, &st)) {
		r = -errno;
		goto fail_unlink;
	}
	if (!S_ISSOCK(st.st_mode) || (st.st_mode & 0777) != 0600) {
		r = -EPERM;
		goto fail_unlink;
	}
	if (listen(fd, 16)) {
		r = -errno;
		goto fail_unlink;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	*fd_out = fd;
	return 0;

fail_unlink:
	unlink(path);
fail_msg:
	errbuf_set(err, errlen, "cannot listen on %s: %s", path, strerror(-r));
fail:
	close(fd);
	return r;
}

int ctl_sock_connect(const char *path, int *fd_out)
{
	struct sockaddr_un sa;
	int fd, r;

	r = make_addr(path, &sa);
	if (r)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		r = -errno;
		close(fd);
		return r;
	}
	*fd_out = fd;
	return 0;
}
