/* SPDX-License-Identifier: MIT */
/* The init of the /proc/kcore test guest (tests/live/check_kcore.py).
 * Prints the guest's own answers between markers on the serial console:
 * /proc/kallsyms lines (_text, jiffies, the three region-base variables),
 * the values of those variables read from /proc/kcore with a minimal ELF
 * walk of its own, /proc/vmallocinfo and /proc/iomem lines, /proc/modules,
 * /sys/kernel/vmcoreinfo (after loading the module of guest-module.h
 * when the initramfs has it); then runs the vmregion binary named by VMR_BIN
 * (from the kernel command line) on /proc/kcore, printing every
 * output line, the exit status and the wall time of each run, and powers
 * the guest off.  Static, so it needs nothing from the initramfs. */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest-module.h"

#define VMR_BIN_DEFAULT "/vmregion"
#define TAIL_LINES 12

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return;
	if (write(fd, s, strlen(s)) < 0)
		perror(path);
	close(fd);
}

/* Lines of @path containing one of @want (at most @max), printed with a
 * prefix; the address of the last kallsyms match of @sym, if asked. */
static void grep_file(const char *path, const char *const *want, int max)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;
	if (!f) {
		printf("VMRKCORE error %s\n", path);
		return;
	}
	while (fgets(line, sizeof(line), f) && n < max) {
		for (int i = 0; want[i]; i++) {
			if (strstr(line, want[i])) {
				printf("VMRKCORE %s %s%s", path, line,
				       strchr(line, '\n') ? "" : "\n");
				n++;
				break;
			}
		}
	}
	fclose(f);
}

/* The address of kallsyms symbol @name, 0 when absent. */
static uint64_t kallsyms(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], sym[256], type;
	unsigned long long a;
	uint64_t found = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name)) {
			found = a;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Read 8 bytes at kernel virtual address @va through /proc/kcore's PT_LOADs. */
static int kcore_read64(uint64_t va, uint64_t *val)
{
	int fd = open("/proc/kcore", O_RDONLY);
	Elf64_Ehdr eh;
	int ret = -1;
	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || eh.e_phentsize != sizeof(Elf64_Phdr))
		goto out;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) != sizeof(ph))
			goto out;
		if (ph.p_type != PT_LOAD || va < ph.p_vaddr || va - ph.p_vaddr + 8 > ph.p_filesz)
			continue;
		if (pread(fd, val, 8, ph.p_offset + (va - ph.p_vaddr)) == 8)
			ret = 0;
		break;
	}
out:
	close(fd);
	return ret;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run @argv, print its output lines as "VMRKCORE out TAG line" (only the
 * last TAIL_LINES when @tail), then "VMRKCORE status TAG CODE MS". */
static void run(const char *tag, char *const argv[], int tail)
{
	static char ring[TAIL_LINES][1024];
	int pfd[2], nring = 0;
	if (pipe(pfd)) {
		perror("pipe");
		return;
	}
	double t0 = now();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	close(pfd[1]);
	FILE *f = fdopen(pfd[0], "r");
	char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) >= 0) {
		line[strcspn(line, "\n")] = 0;
		if (tail)
			snprintf(ring[nring++ % TAIL_LINES], sizeof(ring[0]), "%s", line);
		else
			printf("VMRKCORE out %s %s\n", tag, line);
	}
	free(line);
	if (f)
		fclose(f);
	int st = 0;
	waitpid(pid, &st, 0);
	double ms = (now() - t0) * 1000;
	for (int i = nring > TAIL_LINES ? nring - TAIL_LINES : 0; i < nring; i++)
		printf("VMRKCORE out %s %s\n", tag, ring[i % TAIL_LINES]);
	printf("VMRKCORE status %s %d %.0f\n", tag,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), ms);
	fflush(stdout);
}

int main(void)
{
	/* Not argv: the kernel hands init the command line's unknown words. */
	const char *bin = getenv("VMR_BIN");
	if (!bin)
		bin = VMR_BIN_DEFAULT;
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	setenv("HOME", "/tmp", 1);
	setenv("PATH", "/usr/bin:/bin", 1);
	/* kallsyms shows real addresses to root only with kptr_restrict 0. */
	write_file("/proc/sys/kernel/kptr_restrict", "0\n");
	guest_load_module("VMRKCORE", GUEST_MODULE);

	static const char *const syms[] = { " _text\n", " jiffies\n", " page_offset_base\n",
					    " vmalloc_base\n", " vmemmap_base\n",
					    " __pgtable_l5_enabled\n", NULL };
	static const char *const areas[] = { "vmalloc", NULL };
	static const char *const iomem[] = { "Kernel ", "System RAM", NULL };
	static const char *const any[] = { "", NULL };
	printf("VMRKCORE begin\n");
	grep_file("/proc/kallsyms", syms, 12);
	grep_file("/proc/vmallocinfo", areas, 16);
	grep_file("/proc/iomem", iomem, 16);
	grep_file("/proc/modules", any, 4);
	grep_file("/sys/kernel/vmcoreinfo", any, 1);
	static const char *const bases[] = { "page_offset_base", "vmalloc_base", "vmemmap_base",
					     "__pgtable_l5_enabled" };
	for (int i = 0; i < 4; i++) {
		uint64_t a = kallsyms(bases[i]), v;
		/* __pgtable_l5_enabled is an unsigned int. */
		if (a && !kcore_read64(a, &v))
			printf("VMRKCORE base %s 0x%016llx\n", bases[i],
			       (unsigned long long)(i == 3 ? v & 0xffffffff : v));
	}
	printf("VMRKCORE facts-end\n");
	fflush(stdout);

	/* Addresses to ask about: _text, jiffies, a vmalloc area (not a task
	 * stack: those come and go), a module's first address if any. */
	char a_text[32], a_jif[32], a_vm[32] = "", a_mod[32] = "";
	snprintf(a_text, sizeof(a_text), "0x%llx", (unsigned long long)kallsyms("_text"));
	snprintf(a_jif, sizeof(a_jif), "0x%llx", (unsigned long long)kallsyms("jiffies"));
	FILE *f = fopen("/proc/vmallocinfo", "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long s;
		if (strstr(line, "vmalloc") && !strstr(line, "kernel_clone") &&
		    sscanf(line, "0x%llx-", &s) == 1) {
			snprintf(a_vm, sizeof(a_vm), "0x%llx", s + 0x10);
			printf("VMRKCORE pick vmalloc %s", line);
			break;
		}
	}
	if (f)
		fclose(f);
	f = fopen("/proc/modules", "r");
	if (f && fgets(line, sizeof(line), f)) {
		unsigned long long m;
		char *p = strstr(line, " 0x");
		if (p && sscanf(p + 1, "0x%llx", &m) == 1 && m) {
			snprintf(a_mod, sizeof(a_mod), "0x%llx", m);
			printf("VMRKCORE pick module %s", line);
		}
	}
	if (f)
		fclose(f);

	char *info[] = { (char *)bin, "info", "/proc/kcore", NULL };
	char *info_json[] = { (char *)bin, "info", "--json", "/proc/kcore", NULL };
	char *addr[8] = { (char *)bin, "addr", "/proc/kcore", a_text, a_jif };
	int n = 5;
	if (*a_vm)
		addr[n++] = a_vm;
	if (*a_mod)
		addr[n++] = a_mod;
	addr[n] = NULL;
	char *dmesg[] = { (char *)bin, "dmesg", "/proc/kcore", NULL };
	run("info", info, 0);
	run("info-json", info_json, 0);
	run("addr", addr, 0);
	/* A last record that is sure to be on the console. */
	write_file("/dev/kmsg", "<5>vmrkcore: before dmesg\n");
	run("dmesg", dmesg, 1);
	printf("VMRKCORE end\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
