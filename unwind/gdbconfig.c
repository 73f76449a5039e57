/* SPDX-License-Identifier: MIT */
/**
 * @file gdbconfig.c  The configuration of the gdb JIT reader
 * (plugin/jit/config.h; format in plugin/jit/README.md): the ORC tables of
 * the vmlinux and of every module, decoded, and the stack ranges that rank
 * frame ids across stack switches.
 */
#include "plugin/jit/config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "owner/modules.h"
#include "owner/tasks.h"
#include "region/kernel-priv.h"
#include "region/types.h"
#include "unwind/unwind-priv.h"

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const void *data, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct buf *b, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Per-CPU IRQ stacks: hardirq_stack_ptr (k6.1) or pcpu_hot.hardirq_stack_ptr. */
static void irq_stacks(struct vmr_kernel *k, struct buf *b)
{
	const uint64_t *pcpu;
	unsigned int ncpus = vmr_tasks_percpu_offsets(k, &pcpu);
	uint64_t off, m, size = vmr_tasks_thread_size(k);
	if (!vmr_tasks_percpu_symbol(k, "hardirq_stack_ptr", &off)) {
		struct vmr_error *err = NULL;
		if (!vmr_tasks_percpu_symbol(k, "pcpu_hot", &off) ||
		    (err = vmr_kernel_member_offset(k, "pcpu_hot", "hardirq_stack_ptr", &m))) {
			vmr_error_free(err);
			return;
		}
		off += m;
	}
	for (unsigned int cpu = 0; cpu < ncpus; cpu++) {
		uint64_t p;
		struct vmr_error *err = vmr_kernel_read_u64(k, pcpu[cpu] + off, &p);
		if (err) {
			vmr_error_free(err);
			continue;
		}
		uint64_t top = vmr_irq_stack_top(p);
		if (top >= size + 8)
			putf(b, "irq_stack %u 0x%llx 0x%llx\n", cpu,
			     (unsigned long long)(top - size), (unsigned long long)top);
	}
}

struct vmr_error *vmr_gdb_config_build(struct vmr_kernel *k, char **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	struct vmr_unwinder *uw;
	struct vmr_error *err = vmr_unwinder_open(k, &uw);
	if (err)
		return err;
	/* every module's table, loaded now */
	const struct vmr_modules *m = vmr_modules_get(k);
	for (size_t i = 0; m && !m->unusable && i < m->n; i++) {
		struct vmr_module_orc mo;
		err = vmr_module_orc_of(k, &m->mods[i], &mo);
		if (err) {
			vmr_error_free(err);
			continue;
		}
		vmr_unwinder_add_module(uw, &mo);
	}
	const struct vmr_layout *l = vmr_kernel_layout(k);
	struct buf b = {0};
	putf(&b, "vmregion-gdb-config 1\n");
	putf(&b, "kaslr_offset 0x%llx\n", (unsigned long long)l->kaslr_offset.value);
	putf(&b, "orc_format %d %s\n", (int)uw->fmt, uw->fmt_how);
	if (uw->fp) {
		/* No ORC: the reader walks frame pointers over kernel text;
		 * task stacks are THREAD_SIZE-aligned, which gives their tops. */
		uint64_t lo = 0, hi = 0;
		if (vmr_kernel_find_symbol(k, "_stext", &lo, NULL) &&
		    vmr_kernel_find_symbol(k, "_etext", &hi, NULL) && lo < hi)
			putf(&b, "frame_pointers 0x%llx 0x%llx 0x%llx\n", (unsigned long long)lo,
			     (unsigned long long)hi,
			     (unsigned long long)vmr_tasks_thread_size(k));
	}
	for (unsigned int i = 0; i < l->nregions; i++)
		if (l->regions[i].id == VMR_REGION_CPU_ENTRY_AREA)
			putf(&b, "exception_area 0x%llx 0x%llx\n",
			     (unsigned long long)l->regions[i].start,
			     (unsigned long long)l->regions[i].end + 1);
	irq_stacks(k, &b);
	/* tables: vmlinux first, then the modules that loaded */
	const struct vmr_orc_table *tabs[1 + 4096];
	size_t nt = 0, off = 0;
	if (uw->vmlinux.n) /* (none without ORC) */
		tabs[nt++] = &uw->vmlinux;
	for (size_t i = 0; i < uw->nmods && nt < sizeof(tabs) / sizeof(tabs[0]); i++)
		if (uw->mods[i].ok)
			tabs[nt++] = &uw->mods[i].t;
	for (size_t i = 0; i < nt; i++) {
		const struct vmr_orc_table *t = tabs[i];
		putf(&b, "table %s 0x%llx 0x%llx %zu %zu\n", t->name[0] ? t->name : "-",
		     (unsigned long long)t->lo, (unsigned long long)t->hi, t->n, off);
		off += t->n * (sizeof(*t->ip) + sizeof(*t->e));
	}
	putf(&b, "data %zu\nend\n", off);
	for (size_t i = 0; i < nt; i++) {
		put(&b, tabs[i]->ip, tabs[i]->n * sizeof(*tabs[i]->ip));
		put(&b, tabs[i]->e, tabs[i]->n * sizeof(*tabs[i]->e));
	}
	vmr_unwinder_close(uw);
	if (b.oom) {
		free(b.p);
		return &vmr_enomem;
	}
	*out = b.p;
	*outlen = b.len;
	return NULL;
}

struct vmr_error *vmr_gdb_config_write(struct vmr_kernel *k, const char *path)
{
	char *buf;
	size_t len;
	struct vmr_error *err = vmr_gdb_config_build(k, &buf, &len);
	if (err)
		return err;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(buf);
		return vmr_error_new(VMR_ERR_IO, "%s: cannot create", path);
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	free(buf);
	if (close(fd) || done < len)
		return vmr_error_new(VMR_ERR_IO, "%s: write failed", path);
	return NULL;
}
