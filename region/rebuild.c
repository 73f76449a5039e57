/* SPDX-License-Identifier: MIT */
/*
 * Rebuild the layout of one boot from a dump: paging levels, KASLR slide,
 * phys_base, the three randomized bases and the bounds of every region, each
 * with its source.  Sources are tried best-first in the order of
 * x86_64-layout.md §2.4; the first one found wins, every later one that
 * disagrees leaves a warning naming both values and both sources.  A later
 * source that agrees is named in the detail ("; confirmed by idt, _text").
 *
 * /proc/kcore: KCORE_TEXT is the kernel-text PT_LOAD (slide, phys_base),
 * KCORE_RAM a direct-map PT_LOAD (page_offset_base); KCORE_VMALLOC and
 * KCORE_VMEMMAP (p_paddr -1) are not RAM and are ignored.  Virtual reads of
 * vmalloc and module addresses go through the kernel page tables
 * (init_top_pgt from VMCOREINFO, 4.19+, or the vmlinux), read physically via
 * KCORE_RAM, as for every other dump; a kcore without either has no page
 * tables and reads only the direct map and the image.
 */
#include "region/kernel-priv.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "dwarf/kallsyms.h"
#include "dwarf/vmlinux.h"
#include "region/idt.h"

#define TIB (1ULL << 40)
#define GIB (1ULL << 30)
#define PAGE_SIZE 4096ULL

/* Un-randomized bases (x86_64-layout.md §1.1, §1.2). */
#define PAGE_OFFSET_BASE_L4 0xffff888000000000ULL
#define PAGE_OFFSET_BASE_L5 0xff11000000000000ULL
#define VMALLOC_BASE_L4 0xffffc90000000000ULL
#define VMALLOC_BASE_L5 0xffa0000000000000ULL
#define VMEMMAP_BASE_L4 0xffffea0000000000ULL
#define VMEMMAP_BASE_L5 0xffd4000000000000ULL
#define CPU_ENTRY_AREA_BASE 0xfffffe0000000000ULL
#define FIXADDR_TOP 0xffffffffff7ff000ULL
#define MODULES_END 0xffffffffff000000ULL
/* Without DWARF the fixmap is bounded by the two PMDs the kernel reserves
 * for it (FIXMAP_PMD_TOP 507, FIXMAP_PMD_NUM 2: level2_fixmap_pgt). */
#define FIXMAP_PMDS_START 0xffffffffff400000ULL

/* The largest bound we accept for a scan or a count read from the dump. */
#define MAX_SCAN_PAGES (64ULL << 20) /* 256 GiB of RAM */
/* Where ZONE_NORMAL starts on x86_64 (ZONE_DMA32 ends at 4 GiB). */
#define ZONE_NORMAL_START (4ULL << 30)
/* Bytes of _text compared with the vmlinux (§2.4(b)6). */
#define TEXT_CHECK_BYTES 64

/*
 * What each method of finding the kernel said when it found nothing, for
 * the one error that ends a rebuild in which every method failed.
 */
struct attempts {
	char text[640];
};

static void tried(struct attempts *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tried(struct attempts *a, const char *fmt, ...)
{
	size_t n = strlen(a->text);
	if (n && n + 2 < sizeof(a->text)) {
		memcpy(a->text + n, "; ", 3);
		n += 2;
	}
	if (n + 1 >= sizeof(a->text))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->text + n, sizeof(a->text) - n, fmt, ap);
	va_end(ap);
}

static void set_value(struct vmr_value *v, uint64_t value, enum vmr_source src,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set_value(struct vmr_value *v, uint64_t value, enum vmr_source src,
		      const char *fmt, ...)
{
	va_list ap;
	v->value = value;
	v->source = src;
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
}

/*
 * Offer @value from a source for @v: taken if @v is still unknown, else
 * compared, and a disagreement leaves a warning that names both.
 */
static void offer(struct vmr_layout *l, const char *what, struct vmr_value *v,
		  uint64_t value, enum vmr_source src, const char *detail)
{
	if (v->source == VMR_SRC_NONE) {
		set_value(v, value, src, "%s", detail);
		return;
	}
	/* Values first: a warning is cut at 160 characters. */
	if (v->value != value)
		vmr_layout_warn(l, "%s: %s says 0x%" PRIx64 ", %s says 0x%" PRIx64
				   "; using the first (%s; %s)", what, vmr_source_name(v->source),
				v->value, vmr_source_name(src), value, v->detail, detail);
}

static bool known(const struct vmr_value *v)
{
	return v->source != VMR_SRC_NONE;
}

/*
 * Name @method in the detail of @v as a method that found the same value:
 * "lowest mapped kernel text; confirmed by idt, linux_banner".  Names that
 * no longer fit in the detail are left out.
 */
static void confirm(struct vmr_value *v, const char *method)
{
	static const char head[] = "; confirmed by ";
	size_t n = strlen(v->detail), m = strlen(method);
	bool first = strstr(v->detail, head) == NULL;
	size_t need = (first ? sizeof(head) - 1 : 2) + m;
	if (n + need >= sizeof(v->detail))
		return;
	snprintf(v->detail + n, sizeof(v->detail) - n, "%s%s", first ? head : ", ", method);
}

/* A cross-check (§2.4 ✔): offer(), and name @method when it agrees. */
static void offer_check(struct vmr_layout *l, const char *what, struct vmr_value *v,
			uint64_t value, enum vmr_source src, const char *detail,
			const char *method)
{
	if (known(v) && v->value == value)
		confirm(v, method);
	else
		offer(l, what, v, value, src, detail);
}

/* Read a u64 of the kernel image through its linear mapping (§2.3). */
static struct vmr_error *read_image_u64(struct vmr_kernel *k, uint64_t va, uint64_t *out)
{
	return vmr_kernel_read(k, va, out, sizeof(*out));
}

static bool vi_symbol(struct vmr_kernel *k, const char *name, uint64_t *out)
{
	return k->vmcoreinfo && vmr_vmcoreinfo_symbol(k->vmcoreinfo, name, out);
}

static bool vi_number(struct vmr_kernel *k, const char *name, int64_t *out)
{
	return k->vmcoreinfo && vmr_vmcoreinfo_number(k->vmcoreinfo, name, out);
}

/* The detail of a VMCOREINFO value: the key, and for a copy found in
 * memory where it was ("KERNELOFFSET @phys 0x238000"). */
static const char *vi_detail(struct vmr_kernel *k, const char *key, char *buf, size_t size)
{
	if (k->vmcoreinfo_source != VMR_SRC_VMCOREINFO_MEM)
		return key;
	/* vmcoreinfo_where reads "memory copy at phys 0x..." */
	const char *pa = strrchr(k->vmcoreinfo_where, ' ');
	snprintf(buf, size, "%s @phys %s", key, pa ? pa + 1 : "?");
	return buf;
}

/* A CPU whose registers look like kernel mode (elf2dmp's test: GS base in the
 * kernel half), with CR3 and CR4 from a QEMU note; else any with CR3. */
static const struct vmr_cpu_state *pick_sysregs_cpu(struct vmr_kernel *k)
{
	const struct vmr_dump_info *di = vmr_dump_get_info(k->dump);
	const struct vmr_cpu_state *any = NULL;
	for (unsigned i = 0; i < di->ncpus; i++) {
		const struct vmr_cpu_state *c = vmr_dump_cpu(k->dump, i);
		if (!c || !c->has_sysregs || !(c->cr[0] & (1ULL << 31)) || !c->cr[3])
			continue;
		if (c->gs_base >> 63)
			return c;
		if (!any)
			any = c;
	}
	return any;
}

static void rebuild_paging_levels(struct vmr_kernel *k)
{
	struct vmr_layout *l = &k->layout;
	int64_t n;
	char d0[80];
	if (vi_number(k, "pgtable_l5_enabled", &n)) {
		set_value(&l->paging_levels, n ? 5 : 4, k->vmcoreinfo_source, "%s",
			  vi_detail(k, "NUMBER(pgtable_l5_enabled)", d0, sizeof(d0)));
	}
	const struct vmr_cpu_state *c = pick_sysregs_cpu(k);
	if (c) {
		char d[48];
		snprintf(d, sizeof(d), "CR4.LA57 of CPU %u", c->index);
		offer_check(l, "paging levels", &l->paging_levels,
			    (c->cr[4] >> 12) & 1 ? 5 : 4, VMR_SRC_CPU_STATE, d, "CR4");
	}
	if (!known(&l->paging_levels))
		set_value(&l->paging_levels, 4, VMR_SRC_GUESS,
			  "no VMCOREINFO or CR4: assuming 4-level");
}

/* Link-time address of a vmlinux symbol. */
static bool vmlinux_link(struct vmr_kernel *k, const char *name, uint64_t *out)
{
	return k->vmlinux && vmr_vmlinux_symbol(k->vmlinux, name, out, NULL);
}

/* The kernel-text PT_LOAD of a kdump/kcore ELF: vaddr = _text, §2.4(b)3. */
static const struct vmr_load_segment *text_segment(struct vmr_kernel *k)
{
	const struct vmr_load_segment *segs;
	size_t n = vmr_dump_segments(k->dump, &segs);
	for (size_t i = 0; i < n; i++)
		if (segs[i].vaddr >= VMR_START_KERNEL_MAP &&
		    segs[i].vaddr < VMR_START_KERNEL_MAP + VMR_KERNEL_WINDOW &&
		    segs[i].paddr != UINT64_MAX)
			return &segs[i];
	return NULL;
}

static void rebuild_slide_and_phys_base(struct vmr_kernel *k, struct attempts *a)
{
	struct vmr_layout *l = &k->layout;
	uint64_t v, link;
	int64_t n;
	enum vmr_source vsrc = k->vmcoreinfo_source;
	char d[80];

	/* The slid image stays inside the 1 GiB kernel-image window. */
	if (k->vmcoreinfo && vmr_vmcoreinfo_kerneloffset(k->vmcoreinfo, &v)) {
		if (v < VMR_KERNEL_WINDOW)
			set_value(&l->kaslr_offset, v, vsrc, "%s",
				  vi_detail(k, "KERNELOFFSET", d, sizeof(d)));
		else
			vmr_layout_warn(l, "VMCOREINFO KERNELOFFSET 0x%" PRIx64 " ignored: "
					   "past the 1 GiB kernel image window", v);
	}
	if (vi_symbol(k, "_stext", &v) && vmlinux_link(k, "_stext", &link) &&
	    !((v - link) & 0xfff))
		offer_check(l, "kaslr slide", &l->kaslr_offset, v - link, vsrc,
			    "SYMBOL(_stext) - vmlinux _stext", "_stext");
	if (vi_number(k, "phys_base", &n))
		set_value(&l->phys_base, (uint64_t)n, vsrc, "%s",
			  vi_detail(k, "NUMBER(phys_base)", d, sizeof(d)));

	/* kdump's kernel-text PT_LOAD, kcore's KCORE_TEXT (§2.4(b)3). */
	const struct vmr_load_segment *ts = text_segment(k);
	if (ts) {
		uint64_t text_link = VMR_DEFAULT_TEXT;
		bool have_link = vmlinux_link(k, "_text", &text_link);
		/* Without a vmlinux the slide is a guess: it assumes the
		 * default link address of _text, 0xffffffff81000000. */
		offer_check(l, "kaslr slide", &l->kaslr_offset, ts->vaddr - text_link,
			    have_link ? VMR_SRC_ELF_HEADERS : VMR_SRC_GUESS,
			    have_link ? "kernel-text PT_LOAD - vmlinux _text"
				      : "kernel-text PT_LOAD - assumed _text 0xffffffff81000000",
			    "PT_LOAD");
		offer_check(l, "phys_base", &l->phys_base,
			    ts->paddr - (ts->vaddr - VMR_START_KERNEL_MAP),
			    VMR_SRC_ELF_HEADERS, "kernel-text PT_LOAD", "PT_LOAD");
	} else {
		tried(a, "no kernel-text PT_LOAD");
	}
	const struct vmr_dump_info *di = vmr_dump_get_info(k->dump);
	/* QEMU parses NUMBER(phys_base) as hex into this field (§3.5): only a
	 * file without VMCOREINFO or QEMU notes gets to use it. */
	if (di->has_phys_base_header && !known(&l->phys_base) &&
	    (!di->producer || strcmp(di->producer, "qemu") != 0))
		set_value(&l->phys_base, di->phys_base_header, VMR_SRC_DUMP_HEADER,
			  "kdump sub-header phys_base");
}

/* The kernel page tables: init_top_pgt when known, else a CPU's CR3. */
static void rebuild_pgd(struct vmr_kernel *k, struct attempts *a)
{
	struct vmr_layout *l = &k->layout;
	uint64_t v;
	if (known(&l->phys_base) && known(&l->kaslr_offset)) {
		if (vi_symbol(k, "init_top_pgt", &v) || vi_symbol(k, "swapper_pg_dir", &v))
			set_value(&l->pgd_phys, v - VMR_START_KERNEL_MAP + l->phys_base.value,
				  k->vmcoreinfo_source, "SYMBOL(init_top_pgt)");
		else if (vmlinux_link(k, "init_top_pgt", &v) ||
			 vmlinux_link(k, "init_level4_pgt", &v))
			set_value(&l->pgd_phys, v + l->kaslr_offset.value -
				  VMR_START_KERNEL_MAP + l->phys_base.value,
				  VMR_SRC_VMLINUX, "init_top_pgt");
	}
	const struct vmr_cpu_state *c = pick_sysregs_cpu(k);
	if (!known(&l->pgd_phys) && c) {
		char d[48];
		snprintf(d, sizeof(d), "CR3 of CPU %u", c->index);
		set_value(&l->pgd_phys, vmr_pgt_root_from_cr3(c->cr[3], l->sme_mask.value),
			  VMR_SRC_CPU_STATE, "%s", d);
	}
	if (!known(&l->pgd_phys)) {
		tried(a, "page tables: CR3 not in any CPU note");
		return;
	}
	k->pgt.root = l->pgd_phys.value;
	k->pgt.levels = (unsigned)l->paging_levels.value;
	k->pgt.sme_mask = l->sme_mask.value;
	k->pgt.read_phys = vmr_dump_read_cb;
	k->pgt.ctx = k->dump;
	k->pgt_ready = true;
	vmr_tlb_clear(&k->tlb);
}

/*
 * The lowest mapped page of the kernel-text window is _text
 * (cleanup_highmap() unmaps what lies below it; §2.4(b)4), which gives
 * phys_base exactly and the slide against the link address of _text.
 * Without a vmlinux that link address is assumed to be the default
 * 0xffffffff81000000, and the slide is marked a guess.  When the slide and
 * phys_base are already known this is a cross-check.
 */
static void slide_from_page_tables(struct vmr_kernel *k, struct attempts *a)
{
	struct vmr_layout *l = &k->layout;
	if (!k->pgt_ready)
		return;
	bool check = known(&l->kaslr_offset) && known(&l->phys_base);
	uint64_t va, pa;
	struct vmr_error *err = vmr_pgt_lowest_mapped(&k->pgt, VMR_START_KERNEL_MAP,
						      VMR_START_KERNEL_MAP + VMR_KERNEL_WINDOW - 1,
						      &va, &pa, NULL);
	if (err) {
		const char *m = vmr_error_message(err);
		if (!strncmp(m, "page tables: ", 13))
			m += 13;
		tried(a, "page tables (root 0x%" PRIx64 "): %s", k->pgt.root, m);
		if (!check)
			vmr_layout_warn(l, "kernel text not found in the page tables: %s",
					vmr_error_message(err));
		vmr_error_free(err);
		return;
	}
	uint64_t text_link = VMR_DEFAULT_TEXT;
	if (vmlinux_link(k, "_text", &text_link))
		offer_check(l, "kaslr slide", &l->kaslr_offset, va - text_link,
			    VMR_SRC_PAGE_TABLES, "lowest mapped text - vmlinux _text",
			    "page-tables");
	else if (!known(&l->kaslr_offset))
		set_value(&l->kaslr_offset, va - text_link, VMR_SRC_GUESS,
			  "lowest mapped text - assumed _text 0xffffffff81000000");
	offer_check(l, "phys_base", &l->phys_base, pa - (va - VMR_START_KERNEL_MAP),
		    VMR_SRC_PAGE_TABLES, "lowest mapped text", "page-tables");
}

/*
 * The IDT method (§2.4(b)5): gate 0 of a CPU's IDT against the vmlinux's
 * divide-error entry gives the slide, the IDT's physical page against
 * idt_table gives phys_base.  A source of its own when the page-table walk
 * found nothing, a cross-check otherwise.
 */
static void slide_from_idt(struct vmr_kernel *k, struct attempts *a)
{
	struct vmr_layout *l = &k->layout;
	if (!k->vmlinux)
		return; /* "no vmlinux" is said once */
	const struct vmr_cpu_state *c = pick_sysregs_cpu(k);
	if (!c || !c->idt_base) {
		tried(a, "idt: no IDTR in any CPU note");
		return;
	}
	if (!k->pgt_ready) {
		tried(a, "idt: no page tables to translate IDTR 0x%" PRIx64, c->idt_base);
		return;
	}
	const char *entry = "asm_exc_divide_error"; /* 5.8+; divide_error before */
	uint64_t entry_link, idt_link;
	if (!vmlinux_link(k, entry, &entry_link) &&
	    !vmlinux_link(k, (entry = "divide_error"), &entry_link)) {
		tried(a, "idt: vmlinux has neither asm_exc_divide_error nor divide_error");
		return;
	}
	if (!vmlinux_link(k, "idt_table", &idt_link)) {
		tried(a, "idt: vmlinux has no idt_table");
		return;
	}
	struct vmr_idt_gate0 g;
	struct vmr_error *err = vmr_idt_read_gate0(&k->pgt, c->idt_base, c->idt_limit, &g);
	if (err) {
		tried(a, "idt: CPU %u: %s", c->index, vmr_error_message(err));
		vmr_error_free(err);
		return;
	}
	uint64_t slide, phys_base;
	if (!vmr_idt_solve(&g, entry_link, idt_link, &slide, &phys_base)) {
		tried(a, "idt: gate 0 of CPU %u points at 0x%" PRIx64 ", not %s + a slide",
		      c->index, g.handler, entry);
		vmr_layout_warn(l, "IDT gate 0 of CPU %u points at 0x%" PRIx64
				   ", not at %s + a page-aligned slide", c->index, g.handler, entry);
		return;
	}
	char d[80];
	snprintf(d, sizeof(d), "IDT gate 0 of CPU %u - %s", c->index, entry);
	offer_check(l, "kaslr slide", &l->kaslr_offset, slide, VMR_SRC_IDT, d, "idt");
	snprintf(d, sizeof(d), "IDT page of CPU %u - idt_table", c->index);
	offer_check(l, "phys_base", &l->phys_base, phys_base, VMR_SRC_IDT, d, "idt");
}

/*
 * The vmlinux's own bytes at link address @addr (in .text or .rodata).
 * @return a pointer valid until the vmlinux is closed, or NULL.
 */
static const unsigned char *vmlinux_bytes(struct vmr_kernel *k, uint64_t addr, size_t len)
{
	static const char *const sections[] = { ".text", ".rodata" };
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		uint64_t saddr, ssize;
		const void *data;
		struct vmr_error *err = vmr_vmlinux_section(k->vmlinux, sections[i], &saddr,
							    &ssize, &data);
		if (err) {
			vmr_error_free(err);
			continue;
		}
		if (data && addr >= saddr && addr - saddr <= ssize && len <= ssize - (addr - saddr))
			return (const unsigned char *)data + (addr - saddr);
	}
	return NULL;
}

/*
 * One byte repeated: what makedumpfile's filter leaves of erased memory
 * ('X' by default, zero with "nullify"; makedumpfile.conf(5)).  _text and
 * linux_banner never look like that.
 */
static bool one_byte_fill(const unsigned char *p, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (p[i] != p[0])
			return false;
	return true;
}

static int64_t s32_at(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

/*
 * @got (the dump) equals @want (the vmlinux) once the decompressor's KASLR
 * relocations are allowed for: a 32-bit sign-extended kernel-image address
 * in the code (e.g. 6.1's `movq $_text, %rdx` in startup_64) is moved by
 * the slide (arch/x86/boot/compressed/misc.c handle_relocations() [k6.1]).
 */
static bool same_but_relocated(const unsigned char *got, const unsigned char *want,
			       size_t len, uint64_t slide)
{
	for (size_t i = 0; i < len;) {
		if (got[i] == want[i]) {
			i++;
			continue;
		}
		size_t j = i >= 3 ? i - 3 : 0;
		for (; j <= i && j + 4 <= len; j++) {
			uint64_t w = (uint64_t)s32_at(want + j), g = (uint64_t)s32_at(got + j);
			if (w >= VMR_START_KERNEL_MAP && w + slide == g)
				break;
		}
		if (j > i || j + 4 > len)
			return false;
		i = j + 4;
	}
	return true;
}

/*
 * ✔ §2.4(b)6: the dump's bytes at a symbol + slide (read through phys_base)
 * equal the vmlinux's.  @return 1 equal, 0 not checked (no symbol, bytes
 * unreadable or erased), -1 different (a warning says so).
 */
static int check_symbol_bytes(struct vmr_kernel *k, const char *name, size_t len)
{
	struct vmr_layout *l = &k->layout;
	uint64_t link, size;
	if (!vmr_vmlinux_symbol(k->vmlinux, name, &link, &size))
		return 0;
	if (size && size < len)
		len = (size_t)size;
	const unsigned char *want = vmlinux_bytes(k, link, len);
	unsigned char got[256];
	if (!want || len > sizeof(got))
		return 0;
	if (!strcmp(name, "linux_banner"))
		len = strnlen((const char *)want, len);
	uint64_t va = link + l->kaslr_offset.value;
	struct vmr_error *err = vmr_kernel_read(k, va, got, len);
	if (err) {
		vmr_error_free(err);
		return 0;
	}
	/* Kernel text erased by makedumpfile's filter (corpus README). */
	if (one_byte_fill(got, len))
		return 0;
	if (same_but_relocated(got, want, len, l->kaslr_offset.value))
		return 1;
	vmr_layout_warn(l, "%s at 0x%" PRIx64 " differs from the vmlinux: slide 0x%" PRIx64
			" (%s) or phys_base 0x%" PRIx64 " (%s) is wrong", name, va,
			l->kaslr_offset.value, vmr_source_name(l->kaslr_offset.source),
			l->phys_base.value, vmr_source_name(l->phys_base.source));
	return -1;
}

/* ✔ The first bytes of _text and linux_banner against the vmlinux. */
static void check_image_bytes(struct vmr_kernel *k)
{
	struct vmr_layout *l = &k->layout;
	if (!k->vmlinux || !known(&l->kaslr_offset) || !known(&l->phys_base))
		return;
	static const struct {
		const char *symbol, *method;
		size_t len;
	} checks[] = {
		{ "_text", "_text", TEXT_CHECK_BYTES },
		{ "linux_banner", "linux_banner", 255 },
	};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (check_symbol_bytes(k, checks[i].symbol, checks[i].len) == 1) {
			confirm(&l->kaslr_offset, checks[i].method);
			confirm(&l->phys_base, checks[i].method);
		}
	}
}

static bool looks_like_vmcoreinfo(const char *page, size_t len)
{
	static const char key[] = "OSRELEASE=";
	return len >= sizeof(key) && memcmp(page, key, sizeof(key) - 1) == 0;
}

/* Adopt VMCOREINFO text found in memory if it agrees with what we know. */
static bool adopt_memory_vmcoreinfo(struct vmr_kernel *k, const char *text, size_t len,
				    uint64_t where)
{
	struct vmr_vmcoreinfo *vi;
	struct vmr_error *err = vmr_vmcoreinfo_parse(text, len, &vi);
	if (err) {
		vmr_error_free(err);
		return false;
	}
	struct vmr_layout *l = &k->layout;
	/* A stale copy (another boot, the capture kernel) must not win. */
	uint64_t off;
	if (known(&l->kaslr_offset) && l->kaslr_offset.source != VMR_SRC_GUESS &&
	    vmr_vmcoreinfo_kerneloffset(vi, &off) && off != l->kaslr_offset.value) {
		vmr_layout_warn(l, "VMCOREINFO copy at phys 0x%" PRIx64 " says KERNELOFFSET %"
				PRIx64 ", %s says 0x%" PRIx64 ": ignored", where, off,
				vmr_source_name(l->kaslr_offset.source), l->kaslr_offset.value);
		vmr_vmcoreinfo_free(vi);
		return false;
	}
	k->vmcoreinfo = vi;
	k->vmcoreinfo_source = VMR_SRC_VMCOREINFO_MEM;
	snprintf(k->vmcoreinfo_where, sizeof(k->vmcoreinfo_where),
		 "memory copy at phys 0x%" PRIx64, where);
	return true;
}

/* Follow the vmlinux symbol vmcoreinfo_data (a pointer to the text). */
static bool vmcoreinfo_by_symbol(struct vmr_kernel *k, char *page, struct attempts *a)
{
	uint64_t va, ptr, pa;
	if (!k->vmlinux || !known(&k->layout.kaslr_offset) ||
	    k->layout.kaslr_offset.source == VMR_SRC_GUESS ||
	    !vmlinux_link(k, "vmcoreinfo_data", &va))
		return false;
	va += k->layout.kaslr_offset.value;
	struct vmr_error *err = read_image_u64(k, va, &ptr);
	if (!err)
		err = vmr_kernel_translate(k, ptr, &pa, NULL);
	if (!err)
		err = vmr_dump_read_phys(k->dump, pa, page, PAGE_SIZE);
	if (err) {
		tried(a, "vmcoreinfo_data: %s", vmr_error_message(err));
		vmr_error_free(err);
		return false;
	}
	if (!looks_like_vmcoreinfo(page, PAGE_SIZE)) {
		tried(a, "vmcoreinfo_data: page at phys 0x%" PRIx64 " holds no VMCOREINFO", pa);
		return false;
	}
	return adopt_memory_vmcoreinfo(k, page, strnlen(page, PAGE_SIZE), pa);
}

/*
 * Scan physical pages [@lo, @hi) upward for one that starts with
 * "OSRELEASE=" and holds a VMCOREINFO we can adopt.  Pages the dump does
 * not hold (kdump bitmap, PT_LOAD gaps) are skipped without a read.
 */
static bool scan_range(struct vmr_kernel *k, char *page, uint64_t lo, uint64_t hi,
		       uint64_t *budget, uint64_t *nread)
{
	for (uint64_t pa = lo; pa < hi && *budget; pa += PAGE_SIZE) {
		--*budget;
		if (!vmr_dump_has_phys(k->dump, pa))
			continue;
		char head[16];
		++*nread;
		struct vmr_error *err = vmr_dump_read_phys(k->dump, pa, head, sizeof(head));
		if (err) {
			vmr_error_free(err);
			continue;
		}
		if (!looks_like_vmcoreinfo(head, sizeof(head)))
			continue;
		err = vmr_dump_read_phys(k->dump, pa, page, PAGE_SIZE);
		if (err) {
			vmr_error_free(err);
			continue;
		}
		if (adopt_memory_vmcoreinfo(k, page, strnlen(page, PAGE_SIZE), pa))
			return true;
	}
	return false;
}

/*
 * The kernel keeps its VMCOREINFO text in a zeroed page (vmcoreinfo_data,
 * §2.4(f)).  With a vmlinux, follow the pointer; without, scan physical
 * memory for a page that starts with "OSRELEASE=" — the last resort, and
 * the costly step of opening a dump without VMCOREINFO (each page of a
 * compressed dump is decompressed to read 16 bytes).
 *
 * The scan goes where the page is likely: vmcoreinfo_data is allocated by
 * an initcall (crash_save_vmcoreinfo_init()), early, with GFP_KERNEL, and
 * memblock_free_all() hands boot memory to the buddy allocator in ascending
 * order, each block to the tail of its free list (FPI_TO_TAIL in
 * __free_pages_core() [k6.1, k6.12 mm/page_alloc.c]), so early allocations
 * come from the low end of the highest zone: ZONE_NORMAL from 4 GiB when
 * there is RAM above it, else ZONE_DMA32/DMA from 0.  Upward from 4 GiB,
 * then upward from 0.  On the corpus dumps the page is at 0x238000 and
 * 0x19ab000: a few hundred to a few thousand pages in.
 */
static void find_memory_vmcoreinfo(struct vmr_kernel *k, struct attempts *a)
{
	if (k->vmcoreinfo)
		return;
	char *page = malloc(PAGE_SIZE + 1);
	if (!page)
		return;
	if (vmcoreinfo_by_symbol(k, page, a)) {
		free(page);
		return;
	}
	const struct vmr_dump_info *di = vmr_dump_get_info(k->dump);
	uint64_t top = di->max_paddr & ~(PAGE_SIZE - 1);
	uint64_t budget = MAX_SCAN_PAGES, nread = 0;
	bool found = false;
	if (top > ZONE_NORMAL_START)
		found = scan_range(k, page, ZONE_NORMAL_START, top, &budget, &nread);
	if (!found)
		found = scan_range(k, page, 0, top < ZONE_NORMAL_START ? top : ZONE_NORMAL_START,
				   &budget, &nread);
	if (!found)
		tried(a, "memory scan: no page starts with OSRELEASE= (%" PRIu64 " pages read%s)",
		      nread, budget ? "" : ", stopped at the limit");
	free(page);
}

/* kallsyms from the dump's memory, by the VMCOREINFO keys (6.0+, §3.2). */
static void load_kallsyms(struct vmr_kernel *k)
{
	if (k->kallsyms_tried)
		return;
	k->kallsyms_tried = true;
	struct vmr_kallsyms_addrs a = { 0 };
	if (!vi_symbol(k, "kallsyms_names", &a.names) ||
	    !vi_symbol(k, "kallsyms_num_syms", &a.num_syms) ||
	    !vi_symbol(k, "kallsyms_token_table", &a.token_table) ||
	    !vi_symbol(k, "kallsyms_token_index", &a.token_index)) {
		/* VMCOREINFO names the tables since 6.0 (§3.2): before, they
		 * are looked for in the image.  Without them an address gets no
		 * symbol, which on 6.x is worth saying once. */
		char why[120];
		if (k->vmlinux)
			return;
		if (vmr_kernel_scan_kallsyms(k, &k->kallsyms, why, sizeof(why))) {
			k->kallsyms_scanned = true;
			return;
		}
		vmr_layout_warn(&k->layout, "no kallsyms tables (VMCOREINFO names none; in the "
				"image: %.60s): no symbols without -k", why);
		return;
	}
	if (!(vi_symbol(k, "kallsyms_offsets", &a.offsets) &&
	      vi_symbol(k, "kallsyms_relative_base", &a.relative_base)) &&
	    !vi_symbol(k, "kallsyms_addresses", &a.addresses))
		return;
	struct vmr_error *err = vmr_kallsyms_load(&a, vmr_kernel_read_cb, k, &k->kallsyms);
	if (err) {
		vmr_layout_warn(&k->layout, "kallsyms in the dump unreadable: %s",
				vmr_error_message(err));
		vmr_error_free(err);
		k->kallsyms = NULL;
	}
}

bool vmr_kernel_find_symbol(struct vmr_kernel *k, const char *name, uint64_t *addr,
			    enum vmr_source *src)
{
	uint64_t v;
	if (k->vmlinux && known(&k->layout.kaslr_offset)) {
		if (vmlinux_link(k, name, &v)) {
			*addr = v + k->layout.kaslr_offset.value;
			if (src)
				*src = VMR_SRC_VMLINUX;
			return true;
		}
		/* kallsyms is made from this .symtab: a name it lacks (a variable
		 * of another kernel version) is not worth decoding kallsyms for. */
		if (vmr_vmlinux_symbol_count(k->vmlinux))
			return false;
	}
	load_kallsyms(k);
	if (k->kallsyms && vmr_kallsyms_lookup(k->kallsyms, name, &v, NULL)) {
		*addr = v;
		if (src)
			*src = VMR_SRC_KALLSYMS;
		return true;
	}
	return false;
}

/* Read the u64 variable @name (a base) and offer it for @v. */
static void offer_variable(struct vmr_kernel *k, const char *what, struct vmr_value *v,
			   const char *name)
{
	uint64_t addr, value;
	enum vmr_source src;
	if (!vmr_kernel_find_symbol(k, name, &addr, &src))
		return;
	struct vmr_error *err = read_image_u64(k, addr, &value);
	if (err) {
		vmr_layout_warn(&k->layout, "%s: %s", name, vmr_error_message(err));
		vmr_error_free(err);
		return;
	}
	char d[80];
	snprintf(d, sizeof(d), "%s (read)", name);
	offer(&k->layout, what, v, value, src, d);
}

/* The direct map from a direct-map address whose physical address we know. */
static void offer_direct_map_from_va(struct vmr_kernel *k, uint64_t va, const char *detail)
{
	uint64_t pa, base;
	struct vmr_error *err = vmr_kernel_translate(k, va, &pa, NULL);
	if (err) {
		vmr_error_free(err);
		return;
	}
	base = va - pa;
	/* Randomized bases are 1 GiB aligned (§2.2); anything else is noise. */
	if (base & (GIB - 1))
		return;
	offer(&k->layout, "page_offset_base", &k->layout.page_offset_base, base,
	      VMR_SRC_PAGE_TABLES, detail);
}

static void rebuild_bases(struct vmr_kernel *k)
{
	struct vmr_layout *l = &k->layout;
	bool l5 = l->paging_levels.value == 5;
	uint64_t v;
	int64_t n;

	if (vi_number(k, "VMALLOC_START", &n))
		set_value(&l->vmalloc_base, (uint64_t)n, k->vmcoreinfo_source,
			  "NUMBER(VMALLOC_START)");
	if (vi_symbol(k, "vmemmap", &v))
		set_value(&l->vmemmap_base, v, k->vmcoreinfo_source, "SYMBOL(vmemmap)");

	offer_variable(k, "page_offset_base", &l->page_offset_base, "page_offset_base");
	offer_variable(k, "vmalloc_base", &l->vmalloc_base, "vmalloc_base");
	offer_variable(k, "vmemmap_base", &l->vmemmap_base, "vmemmap_base");
	/* §2.4(d)3, exact: a check of the above, or the base without symbols. */
	if (vmr_vmemmap_from_mem_section(k, &v))
		offer_check(l, "vmemmap_base", &l->vmemmap_base, v, VMR_SRC_MEM_SECTION,
			    "section_mem_map of mem_section", "mem_section");
	/* A guess, only when nothing else names the base. */
	if (!known(&l->vmalloc_base) && vmr_vmalloc_from_vmap_list(k, &v))
		set_value(&l->vmalloc_base, v, VMR_SRC_GUESS, "lowest vmap area, 1 GiB down");

	/* kdump's direct-map PT_LOADs: vaddr - paddr (§2.4(d)2). */
	const struct vmr_load_segment *segs;
	size_t nseg = vmr_dump_segments(k->dump, &segs);
	for (size_t i = 0; i < nseg; i++) {
		uint64_t lo = l5 ? PAGE_OFFSET_BASE_L5 : PAGE_OFFSET_BASE_L4;
		/* kcore's KCORE_VMALLOC/VMEMMAP have p_paddr -1: not RAM. */
		if (segs[i].paddr != UINT64_MAX && segs[i].vaddr >= lo && segs[i].vaddr < CPU_ENTRY_AREA_BASE &&
		    segs[i].vaddr - segs[i].paddr >= lo) {
			offer(l, "page_offset_base", &l->page_offset_base,
			      segs[i].vaddr - segs[i].paddr, VMR_SRC_ELF_HEADERS,
			      "direct-map PT_LOAD");
			break;
		}
	}
	/* mem_section lives in the direct map: its translation gives the base. */
	if (!known(&l->page_offset_base) && vi_symbol(k, "mem_section", &v))
		offer_direct_map_from_va(k, v, "SYMBOL(mem_section) translated");

	if (!known(&l->page_offset_base))
		set_value(&l->page_offset_base, l5 ? PAGE_OFFSET_BASE_L5 : PAGE_OFFSET_BASE_L4,
			  VMR_SRC_DEFAULT, "un-randomized base (memory KASLR off?)");
	if (!known(&l->vmalloc_base))
		set_value(&l->vmalloc_base, l5 ? VMALLOC_BASE_L5 : VMALLOC_BASE_L4,
			  VMR_SRC_DEFAULT, "un-randomized base (memory KASLR off?)");
	if (!known(&l->vmemmap_base))
		set_value(&l->vmemmap_base, l5 ? VMEMMAP_BASE_L5 : VMEMMAP_BASE_L4,
			  VMR_SRC_DEFAULT, "un-randomized base (memory KASLR off?)");

	/* The defaults hold only with memory KASLR off (§2.4(d)5): a slid
	 * image or a randomized direct map says it is probably on. */
	uint64_t pob_default = l5 ? PAGE_OFFSET_BASE_L5 : PAGE_OFFSET_BASE_L4;
	const char *why = l->kaslr_offset.value ? "the kernel image is slid"
			: l->page_offset_base.source != VMR_SRC_DEFAULT &&
			  l->page_offset_base.value != pob_default ? "the direct map is randomized"
			: NULL;
	char names[64] = "";
	const struct { const char *name; const struct vmr_value *v; } bases[] = {
		{ "page_offset_base", &l->page_offset_base },
		{ "vmalloc_base", &l->vmalloc_base },
		{ "vmemmap_base", &l->vmemmap_base },
	};
	for (size_t i = 0; why && i < sizeof(bases) / sizeof(bases[0]); i++)
		if (bases[i].v->source == VMR_SRC_DEFAULT)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 names[0] ? ", " : "", bases[i].name);
	if (names[0])
		vmr_layout_warn(l, "%s: un-randomized default assumed although %s (memory "
				   "KASLR is probably on: no symbol gives the base)", names, why);
}

/* Sizes, image sections, module and fixmap bounds. */
static void rebuild_bounds(struct vmr_kernel *k)
{
	struct vmr_layout *l = &k->layout;
	uint64_t v, addr;
	int64_t n;
	enum vmr_source src;

	if (vi_number(k, "sme_mask", &n) && !known(&l->sme_mask))
		set_value(&l->sme_mask, (uint64_t)n, k->vmcoreinfo_source, "NUMBER(sme_mask)");
	struct vmr_error *page_err = NULL;
	if (k->vmcoreinfo && vmr_vmcoreinfo_size(k->vmcoreinfo, "page", &v))
		set_value(&l->struct_page_size, v, k->vmcoreinfo_source, "SIZE(page)");
	else if (k->vmlinux && !(page_err = vmr_vmlinux_type_size(k->vmlinux, "page", &v)))
		set_value(&l->struct_page_size, v, VMR_SRC_DWARF, "sizeof(struct page)");
	else
		set_value(&l->struct_page_size, 64, VMR_SRC_DEFAULT, "typical x86_64 config");
	vmr_error_free(page_err);

	if (vmr_kernel_find_symbol(k, "max_pfn", &addr, &src) &&
	    !read_image_u64(k, addr, &v) && v && v < (1ULL << 40))
		set_value(&l->max_pfn, v, src, "max_pfn (read)");
	else
		set_value(&l->max_pfn, vmr_dump_get_info(k->dump)->max_paddr / PAGE_SIZE,
			  VMR_SRC_DUMP_HEADER, "highest physical address in the dump");

	if (vi_number(k, "KERNEL_IMAGE_SIZE", &n))
		set_value(&l->kernel_image_size, (uint64_t)n, k->vmcoreinfo_source,
			  "NUMBER(KERNEL_IMAGE_SIZE)");
	else if (known(&l->kaslr_offset) && l->kaslr_offset.value)
		set_value(&l->kernel_image_size, GIB, VMR_SRC_DERIVED,
			  "KASLR on: CONFIG_RANDOMIZE_BASE=y");
	else
		set_value(&l->kernel_image_size, GIB, VMR_SRC_DEFAULT,
			  "CONFIG_RANDOMIZE_BASE=y (Kconfig default)");
	set_value(&l->modules_vaddr, VMR_START_KERNEL_MAP + l->kernel_image_size.value,
		  VMR_SRC_DERIVED, "__START_KERNEL_map + KERNEL_IMAGE_SIZE");
	set_value(&l->modules_end, MODULES_END, VMR_SRC_DEFAULT, "MODULES_END");

	/* Fixmap from the enum (§1.4): FIXADDR_TOP - (enumerator << PAGE_SHIFT). */
	set_value(&l->fixaddr_top, FIXADDR_TOP, VMR_SRC_DEFAULT, "FIXADDR_TOP");
	int64_t perm = 0, tot = 0;
	bool have_enum = false;
	if (k->vmlinux) {
		struct vmr_error *e1 = vmr_vmlinux_enumerator(
			k->vmlinux, "__end_of_permanent_fixed_addresses", &perm);
		struct vmr_error *e2 = e1 ? NULL : vmr_vmlinux_enumerator(
			k->vmlinux, "__end_of_fixed_addresses", &tot);
		have_enum = !e1 && !e2;
		vmr_error_free(e1);
		vmr_error_free(e2);
	}
	if (have_enum && perm > 0 && tot >= perm && tot < (1 << 20)) {
		set_value(&l->fixaddr_start, FIXADDR_TOP - ((uint64_t)perm << 12), VMR_SRC_DWARF,
			  "__end_of_permanent_fixed_addresses");
		set_value(&l->fixaddr_tot_start, FIXADDR_TOP - ((uint64_t)tot << 12),
			  VMR_SRC_DWARF, "__end_of_fixed_addresses");
	} else {
		set_value(&l->fixaddr_start, FIXMAP_PMDS_START, VMR_SRC_DEFAULT,
			  "fixmap PMDs 506-507 (no DWARF)");
		set_value(&l->fixaddr_tot_start, FIXMAP_PMDS_START, VMR_SRC_DEFAULT,
			  "fixmap PMDs 506-507 (no DWARF)");
	}

	/* The image and its sections, from vmlinux or kallsyms symbols. */
	static const struct {
		enum vmr_image_section s;
		const char *start, *end;
	} sections[] = {
		{ VMR_SECTION_TEXT, "_text", "_etext" },
		{ VMR_SECTION_RODATA, "__start_rodata", "__end_rodata" },
		{ VMR_SECTION_DATA, "_sdata", "_edata" },
		{ VMR_SECTION_INIT, "__init_begin", "__init_end" },
		{ VMR_SECTION_BSS, "__bss_start", "__bss_stop" },
		{ VMR_SECTION_BRK, "__brk_base", "_end" },
	};
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		uint64_t s, e;
		if (vmr_kernel_find_symbol(k, sections[i].start, &s, NULL) &&
		    vmr_kernel_find_symbol(k, sections[i].end, &e, NULL) && s <= e) {
			l->section_start[sections[i].s] = s;
			l->section_end[sections[i].s] = e;
		}
	}
	if (vmr_kernel_find_symbol(k, "_text", &v, &src))
		set_value(&l->image_start, v, src, "_text");
	else if (vi_symbol(k, "_stext", &v))
		set_value(&l->image_start, v, k->vmcoreinfo_source, "SYMBOL(_stext)");
	else if (known(&l->kaslr_offset))
		set_value(&l->image_start, VMR_DEFAULT_TEXT + l->kaslr_offset.value,
			  VMR_SRC_DERIVED, "default _text + slide");
	if (vmr_kernel_find_symbol(k, "_end", &v, &src))
		set_value(&l->image_end, v, src, "_end");
}

/* ✔ checks that need the finished layout (§2.4 (b)6, (c)). */
static void cross_check(struct vmr_kernel *k)
{
	struct vmr_layout *l = &k->layout;
	uint64_t link, va;
	/* Without the vmlinux's own banner (check_image_bytes()), its prefix. */
	if (k->vmlinux && known(&l->kaslr_offset) &&
	    vmlinux_link(k, "linux_banner", &link) && !vmlinux_bytes(k, link, 13)) {
		char banner[14] = { 0 };
		va = link + l->kaslr_offset.value;
		struct vmr_error *err = vmr_kernel_read(k, va, banner, sizeof(banner) - 1);
		if (err)
			vmr_error_free(err);
		else if (strncmp(banner, "Linux version", 13) != 0)
			vmr_layout_warn(l, "linux_banner at 0x%" PRIx64
					" does not read \"Linux version\": slide or phys_base wrong?", va);
	}
	if (k->pgt_ready && known(&l->image_start) && known(&l->phys_base)) {
		uint64_t pa;
		struct vmr_error *err = vmr_pgt_translate(&k->pgt, l->image_start.value, &pa, NULL);
		uint64_t want = l->image_start.value - VMR_START_KERNEL_MAP + l->phys_base.value;
		if (err) {
			vmr_layout_warn(l, "page tables do not map _text: %s", vmr_error_message(err));
			vmr_error_free(err);
		} else if (pa != want) {
			vmr_layout_warn(l, "page tables map _text to 0x%" PRIx64 ", phys_base says 0x%"
					PRIx64, pa, want);
		}
	}
}

/*
 * Paging levels, sme_mask, slide and phys_base, the kernel page tables:
 * every method of §2.4(a)-(c) that works without the memory copy of
 * VMCOREINFO, best first; later ones cross-check the earlier.
 */
static void find_kernel(struct vmr_kernel *k, struct attempts *a)
{
	struct vmr_layout *l = &k->layout;
	rebuild_paging_levels(k);
	if (!known(&l->sme_mask)) {
		int64_t n;
		if (vi_number(k, "sme_mask", &n))
			set_value(&l->sme_mask, (uint64_t)n, k->vmcoreinfo_source,
				  "NUMBER(sme_mask)");
		else
			set_value(&l->sme_mask, 0, VMR_SRC_DEFAULT, "no memory encryption");
	}
	rebuild_slide_and_phys_base(k, a);
	rebuild_pgd(k, a);
	slide_from_page_tables(k, a);
	slide_from_idt(k, a);
	/* The slide may have come late: the kernel's own root then. */
	if (l->pgd_phys.source == VMR_SRC_CPU_STATE && known(&l->kaslr_offset) &&
	    l->kaslr_offset.source != VMR_SRC_GUESS && known(&l->phys_base)) {
		struct vmr_value cr3 = l->pgd_phys;
		memset(&l->pgd_phys, 0, sizeof(l->pgd_phys));
		rebuild_pgd(k, a);
		if (!known(&l->pgd_phys))
			l->pgd_phys = cr3;
	}
}

struct vmr_error *vmr_rebuild_layout(struct vmr_kernel *k)
{
	struct vmr_layout *l = &k->layout;
	struct attempts a = { "" };

	if (!k->vmcoreinfo)
		tried(&a, k->vmcoreinfo_source == VMR_SRC_VMCOREINFO ? "VMCOREINFO note unusable"
								     : "no VMCOREINFO note");
	if (!k->vmlinux)
		tried(&a, "no vmlinux");
	find_kernel(k, &a);

	if (!k->vmcoreinfo) {
		find_memory_vmcoreinfo(k, &a);
		if (k->vmcoreinfo) {
			/* Start again with the kernel's own numbers; the methods
			 * above run again as cross-checks of them. */
			struct attempts again = { "" };
			struct vmr_layout before = *l;
			memset(l, 0, sizeof(*l));
			memcpy(l->warnings, before.warnings, sizeof(l->warnings));
			l->nwarnings = before.nwarnings;
			k->pgt_ready = false;
			find_kernel(k, &again);
		}
	}
	if (!known(&l->kaslr_offset) || !known(&l->phys_base))
		return vmr_error_new(VMR_ERR_FORMAT, "%s: cannot find the kernel: %s",
				     vmr_dump_path(k->dump), a.text);
	if (!k->pgt_ready)
		vmr_layout_warn(l, "no kernel page tables: only direct-map and kernel-image "
				   "addresses can be read");

	check_image_bytes(k);
	rebuild_bases(k);
	rebuild_bounds(k);
	cross_check(k);
	struct vmr_error *err = vmr_layout_build_regions(l);
	if (err)
		return vmr_error_prefix(err, "%s", vmr_dump_path(k->dump));
	return NULL;
}
