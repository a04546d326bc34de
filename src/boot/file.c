// SPDX-License-Identifier: MIT
/* Reading kernel and initrd files for boot_load. */
#include "boot/load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/bootutil.h"

static int read_all(int fd, uint8_t *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		done += (size_t)n;
	}
	return 0;
}

static const char *file_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	return "a special file";
}

int boot_read_file(const char *path, struct boot_image *out, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	int fd, ret;

	if (!path || !out) {
		boot_errf(err, errlen, "boot_read_file: missing argument");
		return -EINVAL;
	}
	*out = (struct boot_image){ .path = path };
	/*
	 * O_NONBLOCK: opening a FIFO for reading would wait for a writer (forever, with the
	 * termination signals already routed to the signalfd); it is refused below instead,
	 * as every file that is not a regular one. Reads of a regular file ignore the flag.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		boot_errf(err, errlen, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		boot_errf(err, errlen, "cannot stat %s: %s", path, strerror(-ret));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		boot_errf(err, errlen, "%s is not a regular file (%s)", path,
			  file_kind(st.st_mode));
		goto out_close;
	}
	if ((uint64_t)st.st_size > BOOT_LOW_RAM_MAX) {
		ret = -EFBIG;
		boot_errf(err, errlen, "%s is larger than guest low RAM can hold (%lld bytes)",
			  path, (long long)st.st_size);
		goto out_close;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = -ENOMEM;
		boot_errf(err, errlen, "out of memory reading %s (%lld bytes)", path,
			  (long long)st.st_size);
		goto out_close;
	}
	ret = read_all(fd, buf, (size_t)st.st_size);
	if (ret) {
		boot_errf(err, errlen, "cannot read %s: %s", path, strerror(-ret));
		free(buf);
		goto out_close;
	}
	out->data = buf;
	out->size = (size_t)st.st_size;
out_close:
	close(fd);
	return ret;
}

void boot_image_free(struct boot_image *img)
{
	if (!img)
		return;
	free((void *)img->data);
	img->data = NULL;
	img->size = 0;
}
