/* SPDX-License-Identifier: MIT */
/* vmregion info: the layout of this boot, each value with its source, and
 * the region table with this dump's values. */
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/monitor.h"

#include <inttypes.h>
#include <string.h>

const char cmd_info_usage[] =
	"usage: vmregion info [--json] DUMP [-k VMLINUX]\n"
	"\n"
	"Rebuild the kernel's x86_64 address-space layout of the boot that DUMP\n"
	"comes from: where VMCOREINFO and the symbols came from, paging levels,\n"
	"KASLR slide, phys_base, page_offset_base, vmalloc_base, vmemmap_base\n"
	"(each with where it came from) and every region of the kernel's memory\n"
	"map with this dump's bounds.\n"
	"\n"
	"  --json          one JSON document on stdout\n"
	"  -k, --vmlinux   the matching vmlinux (optional; build-id must match)\n";

/* The rebuilt values shown and exported, in display order. */
struct shown_value {
	const char *key;   /* JSON key (truth.json names) */
	const char *label; /* text label */
	size_t offset;     /* of the struct vmr_value in struct vmr_layout */
};

#define V(key, label, member) { key, label, offsetof(struct vmr_layout, member) }
static const struct shown_value main_values[] = {
	V("paging_levels", "paging", paging_levels),
	V("kaslr_offset", "kaslr slide", kaslr_offset),
	V("phys_base", "phys_base", phys_base),
	V("page_offset_base", "page_offset", page_offset_base),
	V("vmalloc_base", "vmalloc", vmalloc_base),
	V("vmemmap_base", "vmemmap", vmemmap_base),
};
static const struct shown_value more_values[] = {
	V("kernel_image_size", "image size", kernel_image_size),
	V("modules_vaddr", "modules", modules_vaddr),
	V("fixaddr_start", "fixmap", fixaddr_start),
	V("fixaddr_tot_start", "fixmap (boot)", fixaddr_tot_start),
	V("max_pfn", "max_pfn", max_pfn),
	V("struct_page_size", "struct page", struct_page_size),
	V("sme_mask", "sme_mask", sme_mask),
	V("pgd_phys", "kernel PGD", pgd_phys),
	V("image_start", "_text", image_start),
	V("image_end", "_end", image_end),
};
#undef V

static const struct vmr_value *value_at(const struct vmr_layout *l, size_t off)
{
	return (const struct vmr_value *)((const char *)l + off);
}

static void source_text(const struct vmr_value *v, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", vmr_source_name(v->source), v->detail[0] ? " " : "",
		 v->detail);
}

static void print_dump_line(FILE *out, const char *path, const struct vmr_dump_info *di)
{
	char size[32];
	fprintf(out, "%-12s %s   %s", "dump", path, di->format_name);
	if (di->flattened || di->compression)
		fprintf(out, " (%s%s%s)", di->flattened ? "flattened" : "",
		       di->flattened && di->compression ? ", " : "",
		       di->compression ? di->compression : "");
	if (di->zstd_wrapped)
		fprintf(out, ", zstd-wrapped");
	fprintf(out, ", %u CPU%s, %s RAM\n", di->ncpus, di->ncpus == 1 ? "" : "s",
	       cli_size(di->memory_bytes, size));
}

void info_print_text(FILE *out, const struct cli_common *opt, struct cli_session *s)
{
	const struct vmr_layout *l = vmr_kernel_layout(s->kernel);
	const struct vmr_dump_info *di = vmr_dump_get_info(s->dump);
	const char *bid = vmr_kernel_build_id(s->kernel);
	char src[128], size[32], val[64];

	print_dump_line(out, opt->dump_path, di);
	fprintf(out, "%-12s %s   build-id %s   vmlinux: %s\n", "kernel",
	       vmr_kernel_release(s->kernel) ? vmr_kernel_release(s->kernel) : "unknown",
	       bid ? bid : "unknown", opt->vmlinux ? opt->vmlinux : "none");
	const char *vio = vmr_kernel_vmcoreinfo_origin(s->kernel);
	fprintf(out, "%-12s %s\n", "vmcoreinfo", vio ? vio : "none (layout from registers and page tables)");
	const char *syms = vmr_kernel_symbols_origin(s->kernel);
	fprintf(out, "%-12s %s\n", "symbols", syms ? syms : "none (no vmlinux, no kallsyms found)");
	for (size_t i = 0; i < sizeof(main_values) / sizeof(main_values[0]); i++) {
		const struct vmr_value *v = value_at(l, main_values[i].offset);
		source_text(v, src, sizeof(src));
		if (i == 0)
			snprintf(val, sizeof(val), "%" PRIu64 "-level (%d-bit virtual addresses)",
				 v->value, v->value == 5 ? 56 : 47);
		else
			snprintf(val, sizeof(val), "0x%016" PRIx64, v->value);
		fprintf(out, "%-12s %-40s %s\n", main_values[i].label, val, src);
	}
	fputc('\n', out);
	fprintf(out, "%-18s %-18s %-10s %s\n", "start", "end", "size", "region");
	for (unsigned i = 0; i < l->nregions; i++) {
		const struct vmr_region *r = &l->regions[i];
		fprintf(out, "%016" PRIx64 "   %016" PRIx64 "   %-10s %s\n", r->start, r->end,
		       cli_size(r->end - r->start + 1, size), r->description);
	}
}

static void print_json(const struct cli_common *opt, struct cli_session *s)
{
	const struct vmr_layout *l = vmr_kernel_layout(s->kernel);
	const struct vmr_dump_info *di = vmr_dump_get_info(s->dump);
	struct json j;
	char src[128];

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "dump");
	json_begin_object(&j);
	json_kv_string(&j, "path", opt->dump_path);
	json_kv_string(&j, "format", di->format == VMR_DUMP_KDUMP ? "kdump-compressed"
				     : di->format == VMR_DUMP_KCORE ? "kcore" : "elf");
	if (di->compression)
		json_kv_string(&j, "compression", di->compression);
	if (di->producer)
		json_kv_string(&j, "producer", di->producer);
	json_kv_bool(&j, "flattened", di->flattened);
	json_kv_bool(&j, "zstd_wrapped", di->zstd_wrapped);
	json_kv_uint(&j, "cpus", di->ncpus);
	json_kv_uint(&j, "memory_bytes", di->memory_bytes);
	json_end_object(&j);

	json_key(&j, "kernel");
	json_begin_object(&j);
	if (vmr_kernel_release(s->kernel))
		json_kv_string(&j, "release", vmr_kernel_release(s->kernel));
	if (vmr_kernel_build_id(s->kernel))
		json_kv_string(&j, "build_id", vmr_kernel_build_id(s->kernel));
	if (vmr_kernel_vmcoreinfo_origin(s->kernel))
		json_kv_string(&j, "vmcoreinfo", vmr_kernel_vmcoreinfo_origin(s->kernel));
	const char *syms = vmr_kernel_symbols_origin(s->kernel);
	if (syms)
		json_kv_string(&j, "symbols", syms);
	json_key(&j, "vmlinux");
	if (opt->vmlinux)
		json_string(&j, opt->vmlinux);
	else
		json_null(&j);
	json_end_object(&j);

	for (size_t i = 0; i < sizeof(main_values) / sizeof(main_values[0]); i++) {
		const struct vmr_value *v = value_at(l, main_values[i].offset);
		if (i == 0)
			json_kv_uint(&j, main_values[i].key, v->value);
		else
			json_kv_hex(&j, main_values[i].key, v->value);
	}
	json_key(&j, "sources");
	json_begin_object(&j);
	for (size_t i = 0; i < sizeof(main_values) / sizeof(main_values[0]); i++) {
		source_text(value_at(l, main_values[i].offset), src, sizeof(src));
		json_kv_string(&j, main_values[i].key, src);
	}
	json_end_object(&j);
	json_key(&j, "layout");
	json_begin_object(&j);
	for (size_t i = 0; i < sizeof(more_values) / sizeof(more_values[0]); i++) {
		const struct vmr_value *v = value_at(l, more_values[i].offset);
		if (!v->source)
			continue;
		json_key(&j, more_values[i].key);
		json_begin_object(&j);
		json_kv_hex(&j, "value", v->value);
		source_text(v, src, sizeof(src));
		json_kv_string(&j, "source", src);
		json_end_object(&j);
	}
	json_end_object(&j);
	json_key(&j, "warnings");
	json_begin_array(&j);
	for (unsigned i = 0; i < l->nwarnings; i++)
		json_string(&j, l->warnings[i]);
	json_end_array(&j);
	json_key(&j, "regions");
	json_begin_array(&j);
	for (unsigned i = 0; i < l->nregions; i++) {
		const struct vmr_region *r = &l->regions[i];
		json_begin_object(&j);
		json_kv_string(&j, "region", vmr_region_name(r->id));
		json_kv_hex(&j, "start", r->start);
		json_kv_hex(&j, "end", r->end);
		json_kv_uint(&j, "size", r->end - r->start + 1);
		json_kv_string(&j, "description", r->description);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
}

int cmd_info(int argc, char **argv)
{
	struct cli_common opt = { 0 };
	char *rest[argc > 0 ? argc : 1];
	int nrest, rc = cli_parse_common(argc, argv, cmd_info_usage, &opt, rest, &nrest);
	if (rc >= 0)
		return rc;
	if (nrest != 1) {
		cli_error("info: expected one DUMP (see vmregion info --help)");
		return EXIT_BAD;
	}
	opt.dump_path = rest[0];
	struct cli_session s;
	if ((rc = cli_open(&opt, &s)))
		return rc;
	if (opt.json) {
		print_json(&opt, &s);
	} else {
		cli_print_warnings(&s);
		info_print_text(stdout, &opt, &s);
	}
	cli_close(&s);
	return EXIT_OK;
}
