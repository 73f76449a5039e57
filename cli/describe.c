/* SPDX-License-Identifier: MIT */
#include "cli/describe.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void describe(struct vmr_kernel *k, uint64_t addr, struct description *d)
{
	memset(d, 0, sizeof(*d));
	vmr_kernel_describe(k, addr, &d->info);
	struct vmr_error *err = vmr_owner_lookup(k, &d->info, &d->owner);
	if (err) {
		d->owner.kind = VMR_OWNER_NONE;
		snprintf(d->owner.reason, sizeof(d->owner.reason), "%s", vmr_error_message(err));
		vmr_error_free(err);
	}
	d->has_owner = true;
}

bool description_incomplete(const struct description *d)
{
	return d->info.mapped_known && !d->info.mapped;
}

/* Appends printf output to a fixed buffer, never past its end. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	if (o->len + 1 >= o->size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->size - o->len ? (size_t)n : o->size - o->len - 1;
}

/* The ELF section name of a module part, as users know it from the .ko. */
static const char *module_section(const char *part)
{
	static const struct {
		const char *part, *section;
	} names[] = {
		{ "text", ".text" },           { "data", ".data" },
		{ "rodata", ".rodata" },       { "ro_after_init", ".data..ro_after_init" },
		{ "init_text", ".init.text" }, { "init_data", ".init.data" },
		{ "init_rodata", ".init.rodata" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(part, names[i].part))
			return names[i].section;
	return part;
}

static void put_symbol(struct out *o, const struct vmr_owner *w)
{
	put(o, "  %s+0x%" PRIx64, w->symbol, w->offset);
	if (w->symbol_size)
		put(o, "/0x%" PRIx64, w->symbol_size);
}

static void put_line(struct out *o, const struct vmr_owner *w)
{
	if (!w->has_line)
		return;
	put(o, "  %s:%d", w->line.file, w->line.line);
	for (unsigned i = 0; i < w->line.n_inlined; i++)
		put(o, " (inlined in %s %s:%d)", w->line.inlined[i].function, w->line.inlined[i].file,
		    w->line.inlined[i].line);
}

static void put_owner(struct out *o, const struct description *d)
{
	const struct vmr_owner *w = &d->owner;
	switch (w->kind) {
	case VMR_OWNER_SYMBOL:
		put_symbol(o, w);
		put_line(o, w);
		break;
	case VMR_OWNER_MODULE:
		put(o, "  %s %s", w->module, module_section(w->module_part));
		if (w->has_symbol)
			put_symbol(o, w);
		put_line(o, w);
		break;
	case VMR_OWNER_VMALLOC:
		put(o, "  %s 0x%" PRIx64 "-0x%" PRIx64 " %" PRIu64 " bytes",
		    w->flags_text[0] ? w->flags_text : "vmalloc", w->start, w->end, w->end - w->start);
		if (w->has_phys_addr)
			put(o, " phys 0x%" PRIx64, w->phys_addr);
		if (w->has_caller)
			put(o, "  by %s", w->caller);
		break;
	case VMR_OWNER_STACK:
		if (w->has_pid)
			put(o, "  %s stack of pid %d (%s)", !strcmp(w->which, "task") ? "kernel" : w->which,
			    w->pid, w->comm);
		else
			put(o, "  %s stack", w->which);
		if (w->cpu >= 0)
			put(o, " cpu %d", w->cpu);
		put(o, ", 0x%" PRIx64 " below the top", w->offset_from_top);
		if (w->area_end)
			put(o, "  (vmalloc 0x%" PRIx64 "-0x%" PRIx64 "%s%s)", w->area_start,
			    w->area_end, w->has_caller ? " by " : "", w->has_caller ? w->caller : "");
		break;
	case VMR_OWNER_PERCPU:
		put(o, "  per-cpu of cpu %d", w->cpu);
		if (w->has_symbol)
			put(o, "  %s+0x%" PRIx64, w->symbol, w->offset);
		if (w->module[0])
			put(o, " [%s]", w->module);
		break;
	case VMR_OWNER_SLAB:
		put(o, "  slab %s object 0x%" PRIx64 "+0x%" PRIx64, w->cache, w->object, w->offset);
		if (w->allocated == 0)
			put(o, " (free)");
		break;
	case VMR_OWNER_PAGE:
		if (d->info.region == VMR_REGION_VMEMMAP)
			put(o, "  struct page of pfn 0x%" PRIx64 "%s%s", w->pfn, w->field[0] ? " ." : "",
			    w->field);
		else
			put(o, "  page pfn 0x%" PRIx64 " +0x%" PRIx64, w->pfn, w->offset);
		break;
	case VMR_OWNER_CPU_ENTRY_AREA:
		if (w->cpu >= 0)
			put(o, "  cpu %d %s +0x%" PRIx64, w->cpu, w->part, w->offset);
		else
			put(o, "  %s +0x%" PRIx64, w->part, w->offset);
		break;
	case VMR_OWNER_FIXMAP:
		put(o, "  fixmap slot %s", w->slot);
		break;
	case VMR_OWNER_NONE:
	case VMR_OWNER__COUNT:
		/* Say why only where an owner could have been expected. */
		if (d->info.region != VMR_REGION_USER && d->info.region != VMR_REGION_NON_CANONICAL &&
		    d->info.region != VMR_REGION_HOLE && w->reason[0])
			put(o, "  (%s)", w->reason);
		break;
	}
}

void describe_text(const struct description *d, char *buf, size_t size)
{
	const struct vmr_addrinfo *in = &d->info;
	struct out o = { buf, size, 0 };
	buf[0] = 0;
	put(&o, "%-14s", vmr_region_name(in->region));
	if (in->section != VMR_SECTION_NONE)
		put(&o, "  %-7s", vmr_section_name(in->section));
	if (in->region == VMR_REGION_DIRECT_MAP && in->has_phys)
		put(&o, "  phys 0x%" PRIx64 " pfn 0x%" PRIx64, in->phys, in->phys >> 12);
	put_owner(&o, d);
	if (description_incomplete(d))
		put(&o, "  (not in the dump)");
	/* Trailing padding of the region column is noise at the end of a line. */
	while (o.len && buf[o.len - 1] == ' ')
		buf[--o.len] = 0;
}

static void json_line(struct json *j, const struct vmr_owner *w)
{
	json_key(j, "source_line");
	json_begin_object(j);
	json_kv_string(j, "file", w->line.file);
	json_kv_uint(j, "line", (uint64_t)w->line.line);
	if (w->line.n_inlined) {
		json_key(j, "inlined");
		json_begin_array(j);
		for (unsigned i = 0; i < w->line.n_inlined; i++) {
			json_begin_object(j);
			json_kv_string(j, "function", w->line.inlined[i].function);
			json_kv_string(j, "file", w->line.inlined[i].file);
			json_kv_uint(j, "line", (uint64_t)w->line.inlined[i].line);
			json_end_object(j);
		}
		json_end_array(j);
	}
	json_end_object(j);
}

static void json_owner(struct json *j, const struct description *d)
{
	const struct vmr_owner *w = &d->owner;
	json_key(j, "owner");
	json_begin_object(j);
	json_kv_string(j, "kind", vmr_owner_kind_name(w->kind));
	switch (w->kind) {
	case VMR_OWNER_NONE:
	case VMR_OWNER__COUNT:
		json_kv_string(j, "reason", w->reason);
		break;
	case VMR_OWNER_SYMBOL:
	case VMR_OWNER_MODULE:
		if (w->has_symbol) {
			json_kv_string(j, "symbol", w->symbol);
			json_kv_hex(j, "offset", w->offset);
			if (w->symbol_size)
				json_kv_hex(j, "symbol_size", w->symbol_size);
		}
		if (w->kind == VMR_OWNER_MODULE) {
			json_kv_string(j, "module", w->module);
			json_kv_string(j, "part", w->module_part);
			json_kv_hex(j, "part_start", w->module_base);
		}
		break;
	case VMR_OWNER_VMALLOC:
		json_kv_hex(j, "start", w->start);
		json_kv_hex(j, "end", w->end);
		json_kv_uint(j, "size", w->end - w->start);
		json_kv_hex(j, "offset", w->offset);
		json_kv_hex(j, "flags", w->flags);
		if (w->flags_text[0])
			json_kv_string(j, "flags_text", w->flags_text);
		if (w->has_caller)
			json_kv_string(j, "caller", w->caller);
		if (w->requested_size)
			json_kv_uint(j, "requested_size", w->requested_size);
		if (w->nr_pages)
			json_kv_uint(j, "pages", w->nr_pages);
		if (w->has_phys_addr)
			json_kv_hex(j, "phys", w->phys_addr);
		break;
	case VMR_OWNER_STACK:
		if (w->has_pid) {
			json_kv_uint(j, "pid", (uint64_t)w->pid);
			json_kv_string(j, "comm", w->comm);
			json_kv_hex(j, "task", w->task);
		}
		if (w->cpu >= 0)
			json_kv_uint(j, "cpu", (uint64_t)w->cpu);
		json_kv_string(j, "which", w->which);
		json_kv_hex(j, "start", w->start);
		json_kv_hex(j, "end", w->end);
		json_kv_hex(j, "offset", w->offset);
		json_kv_hex(j, "offset_from_top", w->offset_from_top);
		if (w->area_end) {
			json_key(j, "vmalloc");
			json_begin_object(j);
			json_kv_hex(j, "start", w->area_start);
			json_kv_hex(j, "end", w->area_end);
			if (w->has_caller)
				json_kv_string(j, "caller", w->caller);
			json_end_object(j);
		}
		break;
	case VMR_OWNER_PERCPU:
		json_kv_uint(j, "cpu", (uint64_t)w->cpu);
		if (w->has_symbol)
			json_kv_string(j, "symbol", w->symbol);
		json_kv_hex(j, "offset", w->offset);
		if (w->module[0])
			json_kv_string(j, "module", w->module);
		break;
	case VMR_OWNER_SLAB:
		json_kv_string(j, "cache", w->cache);
		json_kv_hex(j, "object", w->object);
		json_kv_hex(j, "offset", w->offset);
		if (w->object_size)
			json_kv_uint(j, "object_size", w->object_size);
		if (w->allocated >= 0)
			json_kv_bool(j, "allocated", w->allocated);
		break;
	case VMR_OWNER_PAGE:
		json_kv_hex(j, "pfn", w->pfn);
		json_kv_hex(j, "struct_page", w->struct_page);
		if (w->page_addr)
			json_kv_hex(j, "page", w->page_addr);
		json_kv_hex(j, "offset", w->offset);
		if (w->field[0])
			json_kv_string(j, "field", w->field);
		break;
	case VMR_OWNER_CPU_ENTRY_AREA:
		if (w->cpu >= 0)
			json_kv_uint(j, "cpu", (uint64_t)w->cpu);
		json_kv_string(j, "part", w->part);
		json_kv_hex(j, "offset", w->offset);
		break;
	case VMR_OWNER_FIXMAP:
		json_kv_string(j, "slot", w->slot);
		json_kv_hex(j, "offset", w->offset);
		break;
	}
	json_end_object(j);
}

void describe_json(struct json *j, const struct description *d)
{
	const struct vmr_addrinfo *in = &d->info;
	const struct vmr_owner *w = &d->owner;
	json_begin_object(j);
	json_kv_hex(j, "addr", in->addr);
	json_kv_string(j, "region", vmr_region_name(in->region));
	if (in->mapped_known)
		json_kv_bool(j, "mapped", in->mapped);
	if (in->section != VMR_SECTION_NONE)
		json_kv_string(j, "section", vmr_section_name(in->section));
	if (w->has_symbol && (w->kind == VMR_OWNER_SYMBOL || w->kind == VMR_OWNER_MODULE)) {
		json_kv_string(j, "symbol", w->symbol);
		json_kv_hex(j, "offset", w->offset);
		if (w->symbol_size)
			json_kv_hex(j, "symbol_size", w->symbol_size);
	}
	if (w->has_line)
		json_line(j, w);
	if (w->module[0])
		json_kv_string(j, "module", w->module);
	if (in->has_phys) {
		json_kv_hex(j, "phys", in->phys);
		json_kv_hex(j, "pfn", in->phys >> 12);
	} else if (in->has_pfn) {
		json_kv_hex(j, "pfn", in->pfn);
	}
	if (d->has_owner)
		json_owner(j, d);
	json_end_object(j);
}
