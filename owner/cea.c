/* SPDX-License-Identifier: MIT */
/*
 * cpu_entry_area: which CPU and which part (read-only IDT, GDT, entry stack,
 * TSS, IST exception stacks, debug store).
 *
 * Layout (x86_64-layout.md §1.4, §7.6): page 0 of CPU_ENTRY_AREA_BASE is the
 * read-only IDT; the per-CPU areas follow at CPU_ENTRY_AREA_PER_CPU (+4096).
 * Up to 6.1 CPU n's area is the n-th (sequential); since 6.2 (commit
 * 97e3d26b5e5f "x86/mm: Randomize per-cpu entry area") it is slot
 * per_cpu(_cea_offset, n) — chosen by the presence of the _cea_offset symbol.
 * The parts come from the types of struct cpu_entry_area and struct
 * cea_exception_stacks; the §7.6 offsets (4 KiB pages, no KASAN) are only the
 * fallback when no types are known.  The per-CPU addresses are cross-checked
 * with per_cpu(cea_exception_stacks) and the GDTR bases of the dump's CPU
 * notes (the GDT in use is the cea's).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "owner/tasks.h"
#include "common/sort.h"

#define CEA_BASE_DEFAULT 0xfffffe0000000000ULL /* CPU_ENTRY_AREA_BASE */
#define CEA_PAGE 4096u

/* A part of struct cpu_entry_area or of struct cea_exception_stacks. */
struct cea_part {
	uint64_t off, end;         /* [off, end) inside the containing struct */
	const char *member;        /* the kernel's member name */
	const char *part;          /* our name ("gdt", "exception stack NMI", ...) */
	const char *which;         /* a stack: "entry", "exception:NMI"; else NULL */
};

struct cpu_slot {
	uint64_t base;
	int32_t cpu;
};

struct vmr_cea {
	uint64_t base;             /* CPU_ENTRY_AREA_BASE (RO IDT page) */
	uint64_t size;             /* sizeof(struct cpu_entry_area) */
	struct cea_part parts[8];
	unsigned int nparts;
	uint64_t estacks_off;      /* offsetof(struct cpu_entry_area, estacks) */
	struct cea_part stacks[16];
	unsigned int nstacks;
	struct cpu_slot *cpus;     /* sorted by base */
	unsigned int ncpus;
	char method[64];           /* how the per-CPU addresses were found */
	bool from_types;
};

void vmr_cea_free(struct vmr_cea *c)
{
	if (!c)
		return;
	free(c->cpus);
	free(c);
}

static const struct cea_part area_members[] = {
	{0x0, 0, "gdt", "gdt", NULL},
	{0x1000, 0, "entry_stack_page", "entry_stack", "entry"},
	{0x2000, 0, "tss", "tss", NULL},
	{0x7000, 0, "estacks", "estacks", NULL},
	{0x1a000, 0, "cpu_debug_store", "debug_store", NULL},
	{0x1b000, 0, "cpu_debug_buffers", "debug_buffers", NULL},
};
#define AREA_SIZE_DEFAULT 0x3b000

static const struct cea_part estack_members[] = {
	{0x0, 0, "DF_stack_guard", "exception stack guard DF", NULL},
	{0x1000, 0, "DF_stack", "exception stack DF", "exception:DF"},
	{0x3000, 0, "NMI_stack_guard", "exception stack guard NMI", NULL},
	{0x4000, 0, "NMI_stack", "exception stack NMI", "exception:NMI"},
	{0x6000, 0, "DB_stack_guard", "exception stack guard DB", NULL},
	{0x7000, 0, "DB_stack", "exception stack DB", "exception:DB"},
	{0x9000, 0, "MCE_stack_guard", "exception stack guard MCE", NULL},
	{0xa000, 0, "MCE_stack", "exception stack MCE", "exception:MCE"},
	{0xc000, 0, "VC_stack_guard", "exception stack guard VC", NULL},
	{0xd000, 0, "VC_stack", "exception stack VC", "exception:VC"},
	{0xf000, 0, "VC2_stack_guard", "exception stack guard VC2", NULL},
	{0x10000, 0, "VC2_stack", "exception stack VC2", "exception:VC2"},
	{0x12000, 0, "IST_top_guard", "exception stacks top guard", NULL},
};
#define ESTACKS_SIZE_DEFAULT 0x13000

static int cmp_part(const void *pa, const void *pb)
{
	const struct cea_part *a = pa, *b = pb;
	return a->off < b->off ? -1 : a->off > b->off;
}

static int cmp_slot(const void *pa, const void *pb)
{
	const struct cpu_slot *a = pa, *b = pb;
	return a->base < b->base ? -1 : a->base > b->base;
}

/*
 * Offsets of the members of @p type present in this kernel (from types), or
 * the table's defaults when the type is unknown.  Ends are the next member's
 * offset, the last one's is @p total.  @return the number kept.
 */
static unsigned int load_parts(struct vmr_kernel *k, const char *type,
			       const struct cea_part *table, size_t n, uint64_t total,
			       struct cea_part *out, bool *from_types)
{
	unsigned int kept = 0;
	uint64_t size;
	struct vmr_error *err = vmr_kernel_type_size(k, type, &size);
	*from_types = !err;
	vmr_error_free(err);
	if (*from_types) {
		total = size;
		for (size_t i = 0; i < n; i++) {
			uint64_t off;
			err = vmr_kernel_member_offset(k, type, table[i].member, &off);
			vmr_error_free(err);
			if (err || off >= total)
				continue; /* not configured in this kernel (VC without SEV, ...) */
			out[kept] = table[i];
			out[kept++].off = off;
		}
	} else {
		for (size_t i = 0; i < n; i++)
			out[kept++] = table[i];
	}
	vmr_sort(out, kept, sizeof(*out), cmp_part);
	for (unsigned int i = 0; i < kept; i++)
		out[i].end = i + 1 < kept ? out[i + 1].off : total;
	return kept;
}

/* Per-CPU area addresses: _cea_offset slots, else sequential; cross-checks. */
static void load_cpus(struct vmr_kernel *k, struct vmr_cea *c)
{
	const uint64_t *pcpu;
	unsigned int n = vmr_tasks_percpu_offsets(k, &pcpu);
	const struct vmr_dump_info *di = vmr_dump_get_info(k->dump);
	uint64_t per_cpu = c->base + CEA_PAGE, slot_off, es_off;
	if (!n) {
		/* No per-cpu data: the GDTR of each CPU in the dump is its area. */
		c->cpus = calloc(di->ncpus ? di->ncpus : 1, sizeof(*c->cpus));
		for (unsigned int i = 0; c->cpus && i < di->ncpus; i++) {
			const struct vmr_cpu_state *cs = vmr_dump_cpu(k->dump, i);
			if (!cs || !cs->has_sysregs || cs->gdt_base < per_cpu)
				continue;
			c->cpus[c->ncpus].base = cs->gdt_base;
			c->cpus[c->ncpus++].cpu = (int32_t)i;
		}
		snprintf(c->method, sizeof(c->method), "GDTR of the dump's CPUs");
		goto sort;
	}
	c->cpus = calloc(n, sizeof(*c->cpus));
	if (!c->cpus)
		return;
	bool randomized = vmr_tasks_percpu_symbol(k, "_cea_offset", &slot_off);
	bool has_es = vmr_tasks_percpu_symbol(k, "cea_exception_stacks", &es_off);
	snprintf(c->method, sizeof(c->method), "%s",
		 randomized ? "per_cpu(_cea_offset)" : "sequential (no _cea_offset)");
	unsigned int mismatches = 0;
	for (unsigned int cpu = 0; cpu < n; cpu++) {
		uint64_t base = per_cpu + (uint64_t)cpu * c->size;
		if (randomized) {
			uint64_t slot;
			struct vmr_error *err = vmr_kernel_read_u64(k, pcpu[cpu] + slot_off, &slot);
			if (err || slot > (1ULL << 40) / c->size) {
				vmr_error_free(err);
				continue;
			}
			base = per_cpu + slot * c->size;
		}
		uint64_t es;
		if (has_es && c->estacks_off != UINT64_MAX) {
			struct vmr_error *err = vmr_kernel_read_u64(k, pcpu[cpu] + es_off, &es);
			if (!err && es && es - c->estacks_off != base)
				mismatches++;
			vmr_error_free(err);
		}
		c->cpus[c->ncpus].base = base;
		c->cpus[c->ncpus++].cpu = (int32_t)cpu;
	}
	if (mismatches)
		vmr_layout_warn(&k->layout, "cpu_entry_area: %u CPUs' cea_exception_stacks disagree "
				"with %s", mismatches, c->method);
	/* The GDT a CPU runs on is its cea gdt (QEMU CPU notes). */
	for (unsigned int i = 0; i < di->ncpus && i < c->ncpus; i++) {
		const struct vmr_cpu_state *cs = vmr_dump_cpu(k->dump, i);
		if (cs && cs->has_sysregs && cs->gdt_base >= per_cpu &&
		    cs->gdt_base != c->cpus[i].base)
			vmr_layout_warn(&k->layout, "cpu_entry_area of CPU %u: 0x%" PRIx64
					" by %s, GDTR says 0x%" PRIx64, i, c->cpus[i].base,
					c->method, cs->gdt_base);
	}
sort:
	if (c->ncpus)
		vmr_sort(c->cpus, c->ncpus, sizeof(*c->cpus), cmp_slot);
}

static struct vmr_cea *get_cea(struct vmr_kernel *k)
{
	struct vmr_cea **slot = vmr_tasks_cea_slot(k);
	if (!slot)
		return NULL;
	if (*slot)
		return *slot;
	struct vmr_cea *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->base = CEA_BASE_DEFAULT;
	const struct vmr_layout *l = vmr_kernel_layout(k);
	for (unsigned int i = 0; i < l->nregions; i++)
		if (l->regions[i].id == VMR_REGION_CPU_ENTRY_AREA) {
			c->base = l->regions[i].start;
			break;
		}
	bool types;
	c->nparts = load_parts(k, "cpu_entry_area", area_members,
			       sizeof(area_members) / sizeof(area_members[0]), AREA_SIZE_DEFAULT,
			       c->parts, &types);
	c->from_types = types;
	c->size = c->nparts ? c->parts[c->nparts - 1].end : AREA_SIZE_DEFAULT;
	if (!c->size || c->size % CEA_PAGE || c->size > (64u << 20)) {
		vmr_layout_warn(&k->layout, "sizeof(struct cpu_entry_area) = 0x%" PRIx64
				" is absurd; using 0x%x", c->size, AREA_SIZE_DEFAULT);
		c->size = AREA_SIZE_DEFAULT;
	}
	c->estacks_off = UINT64_MAX;
	for (unsigned int i = 0; i < c->nparts; i++)
		if (!strcmp(c->parts[i].member, "estacks"))
			c->estacks_off = c->parts[i].off;
	c->nstacks = load_parts(k, "cea_exception_stacks", estack_members,
				sizeof(estack_members) / sizeof(estack_members[0]),
				ESTACKS_SIZE_DEFAULT, c->stacks, &types);
	load_cpus(k, c);
	*slot = c;
	return c;
}

/* The part of [parts, parts + n) holding offset @p off, or NULL. */
static const struct cea_part *find_part(const struct cea_part *parts, unsigned int n,
					uint64_t off)
{
	for (unsigned int i = 0; i < n; i++)
		if (off >= parts[i].off && off < parts[i].end)
			return &parts[i];
	return NULL;
}

bool vmr_cea_identify(struct vmr_kernel *k, uint64_t addr, struct vmr_owner *out)
{
	struct vmr_cea *c = get_cea(k);
	if (!c || addr < c->base)
		return false;
	if (addr - c->base < CEA_PAGE) {
		out->kind = VMR_OWNER_CPU_ENTRY_AREA;
		snprintf(out->part, sizeof(out->part), "idt");
		out->offset = addr - c->base;
		out->cpu = -1;
		return true;
	}
	size_t lo = 0, hi = c->ncpus;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->cpus[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr - c->cpus[lo - 1].base >= c->size)
		return false;
	const struct cpu_slot *s = &c->cpus[lo - 1];
	uint64_t off = addr - s->base;
	const struct cea_part *p = find_part(c->parts, c->nparts, off);
	if (!p)
		return false;
	out->kind = VMR_OWNER_CPU_ENTRY_AREA;
	out->cpu = s->cpu;
	uint64_t part_start = s->base + p->off, part_end = s->base + p->end;
	if (!strcmp(p->member, "estacks")) {
		const struct cea_part *e = find_part(c->stacks, c->nstacks, off - p->off);
		if (e) {
			part_start = s->base + p->off + e->off;
			part_end = s->base + p->off + e->end;
			p = e;
		}
	}
	snprintf(out->part, sizeof(out->part), "%s", p->part);
	out->offset = addr - part_start;
	if (p->which) {
		snprintf(out->which, sizeof(out->which), "%s", p->which);
		out->start = part_start;
		out->end = part_end;
		out->offset_from_top = part_end - addr;
	}
	return true;
}

struct vmr_error *vmr_owner_cpu_entry_area(struct vmr_kernel *k, const struct vmr_addrinfo *info,
					   struct vmr_owner *out)
{
	if (vmr_cea_identify(k, info->addr, out))
		return NULL;
	struct vmr_cea *c = get_cea(k);
	if (!c)
		return vmr_error_new(VMR_ERR_NOMEM, "cpu_entry_area: out of memory");
	vmr_owner_none(out, "cpu_entry_area: in no CPU's area (%u CPUs, %s)", c->ncpus, c->method);
	return NULL;
}
