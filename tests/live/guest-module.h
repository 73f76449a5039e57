/* SPDX-License-Identifier: MIT */
/* What both live-test guests do with a kernel module the initramfs may
 * carry (scripts/install-deps.sh --live fetches one from the guest's own
 * kernel package): load it, so that module symbols exist to be checked. */
#ifndef VMR_LIVE_GUEST_MODULE_H
#define VMR_LIVE_GUEST_MODULE_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

/** The module the tests pack at the initramfs root, when it was fetched. */
#define GUEST_MODULE "/crc-itu-t.ko"

/* Load @p path; a missing file is not an error (not packed: the test then
 * checks no module), a refused one is said on the console with @p tag. */
static void guest_load_module(const char *tag, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (syscall(SYS_finit_module, fd, "", 0) != 0)
		printf("%s error finit_module %s: %m\n", tag, path);
	close(fd);
}

#endif
