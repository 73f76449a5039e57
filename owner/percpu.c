/* SPDX-License-Identifier: MIT */
/*
 * Per-cpu areas: __per_cpu_offset[] and the per-cpu symbols
 * (x86_64-layout.md §7.5).  The address of a per-cpu variable on a CPU is
 * its per-cpu pointer (&var: on x86_64 SMP a small zero-based value, the
 * kernel's symbols are absolute in kallsyms) plus __per_cpu_offset[cpu]; a
 * CPU's unit spans [__per_cpu_start, + pcpu_unit_size) in pointer terms:
 * the kernel's static variables, then the reserved part where modules'
 * DEFINE_PER_CPU live (mod->percpu, mod->percpu_size), then dynamic ones,
 * of which only the part the first chunk uses is per-cpu memory
 * (first_chunk_used()).
 */
#include "owner/percpu.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "dwarf/kallsyms.h"
#include "dwarf/vmlinux.h"
#include "owner/modules.h"
#include "common/sort.h"

#define MAX_UNIT_SIZE (1ULL << 30)

struct vmr_error *vmr_percpu_read_offsets(vmr_read_fn read, void *ctx, uint64_t array,
					  unsigned int n, uint64_t boot, bool stop_at_unused,
					  struct vmr_percpu *pc)
{
	if (n == 0 || n > VMR_MAX_CPUS)
		return vmr_error_new(VMR_ERR_INVALID, "__per_cpu_offset: %u CPUs is implausible", n);
	uint64_t *v = malloc((size_t)n * sizeof(*v));
	if (!v)
		return &vmr_enomem;
	struct vmr_error *err = read(ctx, array, v, (size_t)n * sizeof(*v));
	if (err) {
		free(v);
		return vmr_error_prefix(err, "__per_cpu_offset[%u] at 0x%" PRIx64, n, array);
	}
	unsigned int possible = 0, count = n;
	for (unsigned int i = 0; i < n; i++) {
		bool unused = v[i] == 0 || (boot && v[i] == boot) || (i && v[i] == v[0]) ||
			      v[i] == VMR_PERCPU_NONE;
		if (unused && stop_at_unused) {
			count = i;
			break;
		}
		if (unused)
			v[i] = VMR_PERCPU_NONE;
		else
			possible++;
	}
	if (!possible) {
		uint64_t first = v[0];
		free(v);
		return vmr_error_new(VMR_ERR_INVALID, "__per_cpu_offset at 0x%" PRIx64 ": no CPU "
				     "has a per-cpu area (first entry 0x%" PRIx64 ")", array, first);
	}
	pc->offsets = v;
	pc->ncpus = count;
	pc->npossible = possible;
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t vmr_percpu_guess_unit_size(const struct vmr_percpu *pc)
{
	if (pc->npossible < 2)
		return 0;
	uint64_t *s = malloc(pc->npossible * sizeof(*s));
	if (!s)
		return 0;
	unsigned int n = 0;
	for (unsigned int i = 0; i < pc->ncpus; i++)
		if (pc->offsets[i] != VMR_PERCPU_NONE)
			s[n++] = pc->offsets[i];
	vmr_sort(s, n, sizeof(*s), cmp_u64);
	uint64_t best = 0;
	for (unsigned int i = 1; i < n; i++) {
		uint64_t d = s[i] - s[i - 1];
		if (d && (!best || d < best))
			best = d;
	}
	free(s);
	return best <= MAX_UNIT_SIZE ? best : 0;
}

int vmr_percpu_find_cpu(const struct vmr_percpu *pc, uint64_t addr, uint64_t *ptr)
{
	if (pc->unusable || !pc->unit_size)
		return -1;
	for (unsigned int c = 0; c < pc->ncpus; c++) {
		if (pc->offsets[c] == VMR_PERCPU_NONE)
			continue;
		uint64_t p = addr - pc->offsets[c];
		if (p - pc->start < pc->unit_size) {
			*ptr = p;
			return (int)c;
		}
	}
	return -1;
}

/* ---- glue: symbols of this kernel, the lazily built index ---- */

/** Per-cpu pointer value of the kernel symbol @p name (not slid when zero-based). */
static bool percpu_symbol(struct vmr_kernel *k, const char *name, uint64_t *val)
{
	if (k->vmlinux) {
		uint64_t link;
		if (!vmr_vmlinux_symbol(k->vmlinux, name, &link, NULL))
			return false;
		/* Zero-based per-cpu symbols (x86_64 SMP up to 6.14) are not
		 * relocated; otherwise they move with the image. */
		*val = link < VMR_START_KERNEL_MAP ? link : link + k->layout.kaslr_offset.value;
		return true;
	}
	return vmr_kernel_find_symbol(k, name, val, NULL);
}

/** How many entries __per_cpu_offset[] has: nr_cpu_ids, else a bounded guess. */
static unsigned int cpu_count(struct vmr_kernel *k, uint64_t array, bool *guess)
{
	uint64_t a;
	uint32_t n;
	*guess = false;
	if (vmr_kernel_find_symbol(k, "nr_cpu_ids", &a, NULL) && !vmr_kernel_read_u32(k, a, &n) &&
	    n >= 1 && n <= VMR_MAX_CPUS)
		return n;
	*guess = true;
	/* The array's own size: st_size, or the distance to the next symbol. */
	uint64_t size = 0;
	struct vmr_symbol sym;
	if (k->vmlinux)
		vmr_vmlinux_symbol(k->vmlinux, "__per_cpu_offset", NULL, &size);
	else if (vmr_kernel_symbolize(k, array, &sym) && sym.addr == array)
		size = sym.size;
	if (size >= 8 && size / 8 <= VMR_MAX_CPUS)
		return (unsigned int)(size / 8);
	return 64;
}

/*
 * Bytes of each unit the first chunk uses: static, reserved and dynamic
 * parts, up to the end of pcpu_first_chunk's pages.  pcpu_embed_first_chunk()
 * gives the rest of every unit, up to pcpu_unit_size, back to the page
 * allocator ("Embedded N pages/cpu"; mm/percpu.c [k6.1]): slab objects and
 * pages live there, not per-cpu variables.  0 when unknown.
 */
static uint64_t first_chunk_used(struct vmr_kernel *k)
{
	uint64_t sym_chunk, sym_base, chunk = 0, base = 0, cbase = 0, off_base, off_nr;
	uint32_t nr = 0;
	struct vmr_error *err = NULL;
	if (!vmr_kernel_find_symbol(k, "pcpu_first_chunk", &sym_chunk, NULL) ||
	    !vmr_kernel_find_symbol(k, "pcpu_base_addr", &sym_base, NULL))
		return 0;
	if ((err = vmr_kernel_read_u64(k, sym_chunk, &chunk)) ||
	    (err = vmr_kernel_read_u64(k, sym_base, &base)) ||
	    (err = vmr_kernel_member_offset(k, "pcpu_chunk", "base_addr", &off_base)) ||
	    (err = vmr_kernel_member_offset(k, "pcpu_chunk", "nr_pages", &off_nr)) ||
	    (err = vmr_kernel_read_u64(k, chunk + off_base, &cbase)) ||
	    (err = vmr_kernel_read_u32(k, chunk + off_nr, &nr))) {
		vmr_error_free(err);
		return 0;
	}
	/* nr_pages is an int; a unit is at most MAX_UNIT_SIZE */
	if (cbase < base || cbase - base > MAX_UNIT_SIZE || !nr || nr > MAX_UNIT_SIZE / 4096)
		return 0;
	return cbase - base + (uint64_t)nr * 4096;
}

static void build(struct vmr_kernel *k, struct vmr_percpu *pc)
{
	uint64_t array, boot = 0, a;
	if (!vmr_kernel_find_symbol(k, "__per_cpu_offset", &array, NULL)) {
		snprintf(pc->why, sizeof(pc->why), "no symbol __per_cpu_offset");
		pc->unusable = true;
		return;
	}
	bool guess;
	unsigned int n = cpu_count(k, array, &guess);
	vmr_kernel_find_symbol(k, "__per_cpu_load", &boot, NULL);
	struct vmr_error *err = vmr_percpu_read_offsets(vmr_kernel_read_cb, k, array, n, boot,
							guess, pc);
	if (err) {
		snprintf(pc->why, sizeof(pc->why), "%s", vmr_error_message(err));
		vmr_error_free(err);
		pc->unusable = true;
		return;
	}
	if (!percpu_symbol(k, "__per_cpu_start", &pc->start))
		pc->start = 0;
	if (!percpu_symbol(k, "__per_cpu_end", &pc->end) || pc->end < pc->start)
		pc->end = pc->start;
	uint32_t unit;
	if (vmr_kernel_find_symbol(k, "pcpu_unit_size", &a, NULL) &&
	    !vmr_kernel_read_u32(k, a, &unit) && unit && unit <= MAX_UNIT_SIZE)
		pc->unit_size = unit;
	else
		pc->unit_size = vmr_percpu_guess_unit_size(pc);
	uint64_t used = first_chunk_used(k);
	if (used && used >= pc->end - pc->start && used < pc->unit_size)
		pc->unit_size = used;
	if (!pc->unit_size)
		pc->unit_size = pc->end - pc->start; /* one CPU: the static part at least */
	if (!pc->unit_size) {
		snprintf(pc->why, sizeof(pc->why), "per-cpu unit size unknown");
		pc->unusable = true;
	}
}

void vmr_owners_free_percpu(struct vmr_owners *o)
{
	if (!o || !o->percpu)
		return;
	free(o->percpu->offsets);
	free(o->percpu);
	o->percpu = NULL;
}

static const struct vmr_percpu *percpu_get(struct vmr_kernel *k)
{
	struct vmr_owners *o = vmr_owners_get(k);
	if (!o)
		return NULL;
	if (!o->percpu_tried) {
		o->percpu_tried = true;
		o->percpu = calloc(1, sizeof(*o->percpu));
		if (o->percpu)
			build(k, o->percpu);
	}
	return o->percpu;
}

/**
 * The kernel's own per-cpu variable at pointer @p p.  A linker alias
 * "const_X" of X (x86 `PROVIDE(const_pcpu_hot = pcpu_hot)`, commit
 * ed2f752e0e0a "x86/percpu: Introduce const-qualified const_pcpu_hot", v6.8)
 * sorts first in kallsyms; the variable the source declares is X.
 */
static bool kernel_percpu_symbol(struct vmr_kernel *k, uint64_t p, const char **name,
				 uint64_t *start, uint64_t *size)
{
	uint64_t alias;
	if (k->vmlinux) {
		uint64_t slide = p < VMR_START_KERNEL_MAP ? 0 : k->layout.kaslr_offset.value;
		if (!vmr_vmlinux_symbolize(k->vmlinux, p - slide, name, start, size, NULL))
			return false;
		if (!strncmp(*name, "const_", 6) &&
		    vmr_vmlinux_symbol(k->vmlinux, *name + 6, &alias, NULL) && alias == *start)
			*name += 6;
		*start += slide;
		return true;
	}
	if (!k->kallsyms || !vmr_kallsyms_symbolize(k->kallsyms, p, name, start, size, NULL))
		return false;
	if (!strncmp(*name, "const_", 6) &&
	    vmr_kallsyms_lookup(k->kallsyms, *name + 6, &alias, NULL) && alias == *start)
		*name += 6;
	return true;
}

bool vmr_owner_find_percpu(struct vmr_kernel *k, uint64_t addr, struct vmr_owner *out)
{
	const struct vmr_percpu *pc = percpu_get(k);
	uint64_t p;
	int cpu = pc ? vmr_percpu_find_cpu(pc, addr, &p) : -1;
	if (cpu < 0)
		return false;
	out->kind = VMR_OWNER_PERCPU;
	out->cpu = cpu;
	out->offset = p - pc->start; /* into the unit, until a variable is known */
	const char *name = NULL, *module = NULL;
	uint64_t start = 0, size = 0;
	bool found = false;
	if (p < pc->end) {
		found = kernel_percpu_symbol(k, p, &name, &start, &size);
	} else {
		const struct vmr_modules *m = vmr_modules_get(k);
		for (size_t i = 0; m && i < m->n && !found; i++)
			if (vmr_module_percpu_symbol(&m->mods[i], p, &name, &start, &size))
				module = m->mods[i].name;
		found = module != NULL;
	}
	if (!found)
		return true;
	out->has_symbol = true;
	snprintf(out->symbol, sizeof(out->symbol), "%s", name);
	if (module)
		snprintf(out->module, sizeof(out->module), "%s", module);
	out->offset = p - start;
	out->symbol_addr = addr - out->offset;
	out->symbol_size = size;
	return true;
}
