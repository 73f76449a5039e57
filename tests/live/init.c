/* SPDX-License-Identifier: MIT */
/* The init of the live-kernel test guest: loads the module when the
 * initramfs has it (guest-module.h), prints the guest's own answers (kallsyms lines of
 * _text, jiffies and the module's crc_itu_t, a few vmallocinfo lines,
 * uptime) on the serial console between markers, then sleeps forever.
 * Static, no libc beyond what -static links in. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-module.h"

static void grep_file(const char *path, const char *const *want, int max_lines)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;
	if (!f) {
		printf("VMRLIVE error %s\n", path);
		return;
	}
	while (fgets(line, sizeof(line), f) && n < max_lines) {
		for (int i = 0; want[i]; i++) {
			if (strstr(line, want[i])) {
				printf("VMRLIVE %s %s", path, line);
				n++;
				break;
			}
		}
	}
	fclose(f);
}

int main(void)
{
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	/* kallsyms shows real addresses to root only with kptr_restrict 0. */
	int fd = open("/proc/sys/kernel/kptr_restrict", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "0\n", 2) < 0)
			perror("kptr_restrict");
		close(fd);
	}
	guest_load_module("VMRLIVE", GUEST_MODULE);
	static const char *const syms[] = { " T _text\n", " D jiffies\n",
					    " T crc_itu_t\t[crc_itu_t]", NULL };
	static const char *const areas[] = { "vmalloc", NULL };
	static const char *const up[] = { "", NULL };
	printf("VMRLIVE begin\n");
	grep_file("/proc/kallsyms", syms, 3);
	grep_file("/proc/vmallocinfo", areas, 8);
	grep_file("/proc/uptime", up, 1);
	printf("VMRLIVE end\n");
	fflush(stdout);
	for (;;)
		pause();
}
