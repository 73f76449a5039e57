/* SPDX-License-Identifier: MIT */
/*
 * struct vmr_kernel: a dump plus its symbols and layout, and kernel virtual
 * reads.  Direct-map and kernel-image addresses are linear (§2.3) and need no
 * walk; everything else goes through the kernel page tables and a small TLB.
 */
#include "region/kernel-priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "dwarf/btf.h"
#include "dwarf/kallsyms.h"
#include "dwarf/vmlcache.h"
#include "dwarf/vmlinux.h"

#define PAGE_SIZE 4096ULL

struct vmr_error *vmr_dump_read_cb(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return vmr_dump_read_phys(ctx, addr, buf, len);
}

struct vmr_error *vmr_kernel_read_cb(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return vmr_kernel_read(ctx, addr, buf, len);
}

/* Copy a printable identifier from VMCOREINFO into @dst. */
static void copy_value(char *dst, size_t size, const char *src)
{
	size_t i = 0;
	if (src)
		for (; src[i] && i + 1 < size; i++)
			dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = 0;
}

/* The linux_banner text of the vmlinux file and of the dump agree. */
static bool banners_match(struct vmr_kernel *k)
{
	uint64_t link, sec_addr, sec_size;
	const void *data;
	if (!vmr_vmlinux_symbol(k->vmlinux, "linux_banner", &link, NULL))
		return false;
	struct vmr_error *err = vmr_vmlinux_section(k->vmlinux, ".rodata", &sec_addr, &sec_size,
						    &data);
	if (err || !data || link < sec_addr || link - sec_addr >= sec_size) {
		vmr_error_free(err);
		return false;
	}
	/* The dump's copy, through the kernel's own slide and phys_base
	 * (the layout is not rebuilt yet: a wrong vmlinux would mislead it). */
	uint64_t slide;
	int64_t phys_base;
	if (!k->vmcoreinfo || !vmr_vmcoreinfo_kerneloffset(k->vmcoreinfo, &slide) ||
	    !vmr_vmcoreinfo_number(k->vmcoreinfo, "phys_base", &phys_base))
		return false;
	char mine[128] = { 0 }, theirs[128] = { 0 };
	size_t n = sec_size - (link - sec_addr) < sizeof(mine) - 1 ? sec_size - (link - sec_addr)
								 : sizeof(mine) - 1;
	memcpy(mine, (const char *)data + (link - sec_addr), n);
	err = vmr_dump_read_phys(k->dump, link + slide - VMR_START_KERNEL_MAP + (uint64_t)phys_base,
				 theirs, n);
	if (err) {
		vmr_error_free(err);
		return false;
	}
	return strncmp(mine, "Linux version", 13) == 0 && memcmp(mine, theirs, n) == 0;
}

/*
 * The vmlinux must be the dump's kernel.  BUILD-ID in VMCOREINFO is the
 * first witness; some stable kernels wrote a wrong one (a lib/buildid bug,
 * x86_64-layout.md §3.5), so when it differs but the whole linux_banner
 * (version, build host, date) is the same, the vmlinux is kept with a warning.
 */
static struct vmr_error *check_build_id(struct vmr_kernel *k)
{
	const char *want = vmr_vmlinux_build_id(k->vmlinux);
	if (!k->build_id[0] || !want || !strcmp(k->build_id, want))
		return NULL;
	if (banners_match(k)) {
		vmr_layout_warn(&k->layout, "VMCOREINFO BUILD-ID %s differs from %s's %s, but "
				"their linux_banner is the same: keeping the vmlinux",
				k->build_id, k->vmlinux_path, want);
		return NULL;
	}
	return vmr_error_new(VMR_ERR_MISMATCH,
			     "%s: build-id %s does not match the dump's %s (%s)",
			     k->vmlinux_path, want, k->build_id,
			     k->release[0] ? k->release : "unknown release");
}

/* OSRELEASE and BUILD-ID from the VMCOREINFO in use. */
static void take_identity(struct vmr_kernel *k)
{
	copy_value(k->release, sizeof(k->release), vmr_vmcoreinfo_get(k->vmcoreinfo, "OSRELEASE"));
	copy_value(k->build_id, sizeof(k->build_id), vmr_vmcoreinfo_get(k->vmcoreinfo, "BUILD-ID"));
}

/*
 * The vmlinux, or its cache file (dwarf/vmlcache.h) when this very file was
 * seen before with the dump's build-id.  A compressed vmlinux of the dump's
 * build-id gets its cache file written in the background: this run answers
 * from the compressed file, the next ones from the cache.
 */
static struct vmr_error *open_vmlinux(struct vmr_kernel *k, const char *path)
{
	const char *off = getenv("VMREGION_NO_CACHE");
	char *dir = NULL;
	if (!(off && *off) && vmr_vmlcache_valid_id(k->build_id))
		dir = vmr_vmlcache_dir();
	char *cached = dir ? vmr_vmlcache_lookup(dir, k->build_id, path) : NULL;
	if (cached) {
		struct vmr_vmlinux *v = NULL;
		struct vmr_error *err = vmr_vmlinux_open(cached, &v);
		const char *id = err ? NULL : vmr_vmlinux_build_id(v);
		free(cached);
		if (id && !strcmp(id, k->build_id)) {
			if (vmr_vmlinux_compressed(v))
				vmr_vmlcache_write_background(vmr_vmlinux_path(v), dir, id, true);
			k->vmlinux = v;
			free(dir);
			return NULL;
		}
		vmr_error_free(err);
		vmr_vmlinux_close(v);
	}
	struct vmr_error *err = vmr_vmlinux_open(path, &k->vmlinux);
	if (!err && dir && vmr_vmlinux_compressed(k->vmlinux)) {
		const char *id = vmr_vmlinux_build_id(k->vmlinux);
		if (id && !strcmp(id, k->build_id)) {
			vmr_vmlcache_note_source(dir, id, path);
			vmr_vmlcache_write_background(path, dir, id, false);
		}
	}
	free(dir);
	return err;
}

struct vmr_error *vmr_kernel_open(struct vmr_dump *dump, const char *vmlinux,
				  struct vmr_kernel **out)
{
	struct vmr_error *err = NULL;
	struct vmr_kernel *k = calloc(1, sizeof(*k));
	if (!k)
		return &vmr_enomem;
	k->dump = dump;

	const char *text;
	size_t len;
	if (vmr_dump_vmcoreinfo(dump, &text, &len)) {
		err = vmr_vmcoreinfo_parse(text, len, &k->vmcoreinfo);
		if (err) {
			/* A broken note is not fatal: other sources remain. */
			vmr_layout_warn(&k->layout, "VMCOREINFO note unusable: %s",
					vmr_error_message(err));
			vmr_error_free(err);
			err = NULL;
			k->vmcoreinfo = NULL;
		}
		k->vmcoreinfo_source = VMR_SRC_VMCOREINFO;
	}
	if (k->vmcoreinfo)
		take_identity(k);
	if (vmlinux) {
		k->vmlinux_path = strdup(vmlinux);
		if (!k->vmlinux_path) {
			err = &vmr_enomem;
			goto fail;
		}
		err = open_vmlinux(k, vmlinux);
		if (err)
			goto fail;
	}
	if (k->vmlinux && (err = check_build_id(k)))
		goto fail;
	if (k->vmlinux)
		vmr_vmlinux_prefetch_lines(k->vmlinux); /* meanwhile: the layout */
	if (vmr_dump_get_info(dump)->truncated)
		vmr_layout_warn(&k->layout, "%s is truncated: the end of its memory is missing",
				vmr_dump_path(dump));
	if (vmr_dump_get_info(dump)->overlapping_loads)
		vmr_layout_warn(&k->layout, "%s: PT_LOAD segments overlap in physical memory "
				"(a corrupt header?): where they do, the one found first is read",
				vmr_dump_path(dump));
	err = vmr_rebuild_layout(k);
	/*
	 * A VMCOREINFO found in memory brings the release and build-id late;
	 * a vmlinux of another kernel is the reason to give even when the
	 * layout failed (its symbols led the methods astray).
	 */
	if (k->vmcoreinfo && !k->release[0]) {
		take_identity(k);
		struct vmr_error *id = k->vmlinux ? check_build_id(k) : NULL;
		if (id) {
			vmr_error_free(err);
			err = id;
		}
	}
	if (err)
		goto fail;
	*out = k;
	return NULL;
fail:
	vmr_kernel_close(k);
	return err;
}

void vmr_kernel_close(struct vmr_kernel *k)
{
	if (!k)
		return;
	if (k->owners_free)
		k->owners_free(k->owners);
	vmr_btf_free(k->mem_btf);
	free(k->mem_btf_data);
	vmr_kallsyms_free(k->kallsyms);
	vmr_vmlinux_close(k->vmlinux);
	vmr_vmcoreinfo_free(k->vmcoreinfo);
	free(k->vmlinux_path);
	free(k);
}

struct vmr_dump *vmr_kernel_dump(const struct vmr_kernel *k)
{
	return k->dump;
}

const struct vmr_layout *vmr_kernel_layout(const struct vmr_kernel *k)
{
	return &k->layout;
}

const struct vmr_vmcoreinfo *vmr_kernel_vmcoreinfo(const struct vmr_kernel *k)
{
	return k->vmcoreinfo;
}

const char *vmr_kernel_vmcoreinfo_origin(const struct vmr_kernel *k)
{
	if (!k->vmcoreinfo)
		return NULL;
	return k->vmcoreinfo_source == VMR_SRC_VMCOREINFO_MEM ? k->vmcoreinfo_where : "note";
}

const char *vmr_kernel_symbols_origin(struct vmr_kernel *k)
{
	if (k->vmlinux)
		return "vmlinux";
	uint64_t addr;
	(void)vmr_kernel_find_symbol(k, "_stext", &addr, NULL); /* loads kallsyms */
	if (!k->kallsyms)
		return NULL;
	snprintf(k->symbols_origin, sizeof(k->symbols_origin),
		 "kallsyms in the dump, %zu symbols (tables %s)", vmr_kallsyms_count(k->kallsyms),
		 k->kallsyms_scanned ? "found by their shape" : "named by VMCOREINFO");
	return k->symbols_origin;
}

const char *vmr_kernel_release(const struct vmr_kernel *k)
{
	return k->release[0] ? k->release : NULL;
}

const char *vmr_kernel_build_id(const struct vmr_kernel *k)
{
	return k->build_id[0] ? k->build_id : NULL;
}

const char *vmr_kernel_vmlinux(const struct vmr_kernel *k)
{
	return k->vmlinux_path;
}

/*
 * Linear translations that need no walk: the kernel image [_text, _end)
 * through phys_base, and the direct map through page_offset_base.  Before
 * _end is known (early in the rebuild) the whole image window counts.
 */
static bool translate_linear(const struct vmr_kernel *k, uint64_t va, uint64_t *pa)
{
	const struct vmr_layout *l = &k->layout;
	if (l->phys_base.source != VMR_SRC_NONE && va >= VMR_START_KERNEL_MAP) {
		uint64_t lo = l->image_start.source ? l->image_start.value : VMR_START_KERNEL_MAP;
		uint64_t hi = l->image_end.source ? l->image_end.value
						  : VMR_START_KERNEL_MAP + VMR_KERNEL_WINDOW;
		if (va >= lo && va < hi) {
			*pa = va - VMR_START_KERNEL_MAP + l->phys_base.value;
			return true;
		}
	}
	if (l->page_offset_base.source != VMR_SRC_NONE &&
	    l->page_offset_base.source != VMR_SRC_DEFAULT && l->max_pfn.source &&
	    va >= l->page_offset_base.value &&
	    va - l->page_offset_base.value < l->max_pfn.value * PAGE_SIZE) {
		*pa = va - l->page_offset_base.value;
		return true;
	}
	return false;
}

struct vmr_error *vmr_kernel_translate(struct vmr_kernel *k, uint64_t vaddr,
				       uint64_t *paddr, uint64_t *page_size)
{
	if (translate_linear(k, vaddr, paddr)) {
		if (page_size)
			*page_size = PAGE_SIZE;
		return NULL;
	}
	if (!k->pgt_ready)
		return vmr_error_fault(vaddr, "0x%016" PRIx64 ": no kernel page tables to "
				       "translate it", vaddr);
	if (vmr_tlb_lookup(&k->tlb, vaddr, paddr, page_size))
		return NULL;
	uint64_t ps;
	struct vmr_error *err = vmr_pgt_translate(&k->pgt, vaddr, paddr, &ps);
	if (err)
		return err;
	vmr_tlb_insert(&k->tlb, vaddr, *paddr, ps);
	if (page_size)
		*page_size = ps;
	return NULL;
}

/*
 * Pages that are contiguous in physical memory are read with one call: large
 * reads (kallsyms, BTF, log rings) then reach the dump reader in one piece,
 * which matters for compressed dumps.
 */
struct vmr_error *vmr_kernel_read(struct vmr_kernel *k, uint64_t vaddr, void *buf,
				  size_t len)
{
	uint8_t *p = buf;
	while (len) {
		uint64_t pa, next_pa;
		struct vmr_error *err = vmr_kernel_translate(k, vaddr, &pa, NULL);
		if (err)
			return err;
		size_t run = PAGE_SIZE - (vaddr & (PAGE_SIZE - 1));
		if (run > len)
			run = len;
		/* Extend the run while the next page follows in physical memory. */
		while (run < len) {
			struct vmr_error *e2 = vmr_kernel_translate(k, vaddr + run, &next_pa, NULL);
			if (e2) {
				vmr_error_free(e2);
				break;
			}
			if (next_pa != pa + run)
				break;
			run = len - run > PAGE_SIZE ? run + PAGE_SIZE : len;
		}
		err = vmr_dump_read_phys(k->dump, pa, p, run);
		if (err) {
			uint64_t bad = pa;
			vmr_error_address(err, &bad);
			uint64_t bad_va = vaddr + (bad >= pa && bad - pa < run ? bad - pa : 0);
			vmr_error_free(err);
			return vmr_error_fault(bad_va, "0x%016" PRIx64 " (phys 0x%" PRIx64
					       "): not in the dump", bad_va, bad);
		}
		p += run;
		vaddr += run;
		len -= run;
	}
	return NULL;
}

struct vmr_error *vmr_kernel_symbol_address(struct vmr_kernel *k, const char *name,
					    uint64_t *addr)
{
	if (vmr_kernel_find_symbol(k, name, addr, NULL))
		return NULL;
	if (k->vmcoreinfo && vmr_vmcoreinfo_symbol(k->vmcoreinfo, name, addr))
		return NULL;
	return vmr_error_new(VMR_ERR_NOT_FOUND, "symbol %s not found", name);
}

bool vmr_kernel_symbolize(struct vmr_kernel *k, uint64_t addr, struct vmr_symbol *out)
{
	const struct vmr_layout *l = &k->layout;
	const char *name;
	uint64_t start, size;
	char type = 0;
	memset(out, 0, sizeof(*out));
	if (k->vmlinux) {
		uint64_t slide = l->kaslr_offset.value;
		if (!vmr_vmlinux_symbolize(k->vmlinux, addr - slide, &name, &start, &size, &type))
			return false;
		start += slide;
	} else {
		if (!k->kallsyms_tried) {
			uint64_t dummy;
			vmr_kernel_find_symbol(k, "_text", &dummy, NULL);
		}
		if (!k->kallsyms ||
		    !vmr_kallsyms_symbolize(k->kallsyms, addr, &name, &start, &size, &type))
			return false;
	}
	out->name = name;
	out->addr = start;
	out->size = size;
	out->type = type;
	return true;
}

void vmr_kernel_describe(struct vmr_kernel *k, uint64_t addr, struct vmr_addrinfo *out)
{
	vmr_classify(&k->layout, addr, out);
	if (!out->canonical || out->region == VMR_REGION_USER ||
	    out->region == VMR_REGION_NON_CANONICAL)
		return;
	uint64_t pa;
	struct vmr_error *err = vmr_kernel_translate(k, addr, &pa, NULL);
	out->mapped_known = true;
	if (err) {
		/* Not mapped, or its page tables are not in the dump. */
		out->mapped = false;
		vmr_error_free(err);
		return;
	}
	out->mapped = vmr_dump_has_phys(k->dump, pa);
	if (!out->has_phys) {
		out->has_phys = true;
		out->phys = pa;
	}
}
