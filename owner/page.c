/* SPDX-License-Identifier: MIT */
/*
 * Pages: a direct-map page and its struct page; a struct page (vmemmap)
 * and the page it describes (x86_64-layout.md §5 "vmemmap").
 */
#include "owner/page.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)

bool vmr_page_field_name(const struct vmr_page_field *fields, unsigned n, uint64_t off,
			 char *buf, size_t size)
{
	size_t len = 0;
	if (size)
		buf[0] = 0;
	for (unsigned i = 0; i < n && size; i++) {
		const struct vmr_page_field *f = &fields[i];
		if (off < f->off || off - f->off >= f->size)
			continue;
		int w = snprintf(buf + len, size - len, "%s%s", len ? "/" : "", f->name);
		if (w < 0 || (size_t)w >= size - len) {
			buf[len] = 0; /* keep whole names only */
			break;
		}
		len += (size_t)w;
	}
	return len != 0;
}

bool vmr_page_of_struct_page(const struct vmr_slab_layout *l, uint64_t addr, uint64_t *pfn,
			     uint64_t *offset)
{
	if (!l->page_size || addr < l->vmemmap_base)
		return false;
	uint64_t rel = addr - l->vmemmap_base;
	*pfn = rel / l->page_size;
	*offset = rel % l->page_size;
	return !l->max_pfn || *pfn < l->max_pfn;
}

bool vmr_page_layout(struct vmr_kernel *k, struct vmr_slab_info *si)
{
	if (si->page_tried)
		return si->page_ok;
	si->page_tried = true;
	const struct vmr_layout *lay = &k->layout;
	struct vmr_slab_layout *l = &si->pl;
	if (lay->vmemmap_base.source == VMR_SRC_NONE ||
	    lay->page_offset_base.source == VMR_SRC_NONE) {
		snprintf(si->page_why, sizeof(si->page_why), "vmemmap or direct-map base unknown");
		return false;
	}
	l->vmemmap_base = lay->vmemmap_base.value;
	l->page_offset_base = lay->page_offset_base.value;
	l->max_pfn = lay->max_pfn.source != VMR_SRC_NONE ? lay->max_pfn.value : 0;
	l->page_size = lay->struct_page_size.value;
	if (lay->struct_page_size.source == VMR_SRC_NONE) {
		struct vmr_error *err = vmr_kernel_type_size(k, "page", &l->page_size);
		if (err) {
			vmr_error_free(err);
			l->page_size = 0;
		}
	}
	if (l->page_size < 32 || l->page_size > VMR_MAX_STRUCT_PAGE) {
		snprintf(si->page_why, sizeof(si->page_why), "sizeof(struct page) unknown (%" PRIu64
			 ")", l->page_size);
		return false;
	}
	si->page_ok = true;
	return true;
}

/* struct page members worth naming, with their sizes (include/linux/mm_types.h). */
static const struct {
	const char *member, *name;
	uint64_t add, size;
} page_members[] = {
	{ "flags", "flags", 0, 8 },
	{ "lru", "lru.next", 0, 8 },
	{ "lru", "lru.prev", 8, 8 },
	{ "compound_head", "compound_head", 0, 8 },
	{ "mapping", "mapping", 0, 8 },
	{ "index", "index", 0, 8 },
	{ "private", "private", 0, 8 },
	{ "_mapcount", "_mapcount", 0, 4 },
	{ "page_type", "page_type", 0, 4 },
	{ "_refcount", "_refcount", 0, 4 },
	{ "memcg_data", "memcg_data", 0, 8 },
};

static void resolve_fields(struct vmr_kernel *k, struct vmr_slab_info *si)
{
	if (si->fields_tried)
		return;
	si->fields_tried = true;
	for (size_t i = 0; i < sizeof(page_members) / sizeof(page_members[0]); i++) {
		uint64_t off;
		struct vmr_error *err = vmr_kernel_member_offset(k, "page", page_members[i].member,
								 &off);
		if (err) {
			vmr_error_free(err);
			continue;
		}
		if (si->nfields >= VMR_PAGE_MAX_FIELDS || off + page_members[i].add +
		    page_members[i].size > si->pl.page_size)
			continue;
		si->fields[si->nfields++] = (struct vmr_page_field){
			page_members[i].name, off + page_members[i].add, page_members[i].size };
	}
}

void vmr_owner_page(struct vmr_kernel *k, const struct vmr_addrinfo *info,
		    struct vmr_owner *out)
{
	struct vmr_slab_info *si = vmr_slab_info_get(k);
	bool have = si && vmr_page_layout(k, si);
	uint64_t phys = info->has_phys ? info->phys : 0;
	if (!info->has_phys) {
		if (!have || info->addr < si->pl.page_offset_base) {
			vmr_owner_none(out, "physical address unknown");
			return;
		}
		phys = info->addr - si->pl.page_offset_base;
	}
	uint64_t pfn = phys >> PAGE_SHIFT;
	out->kind = VMR_OWNER_PAGE;
	out->pfn = pfn;
	out->page_addr = info->addr & ~(PAGE_SIZE - 1);
	out->offset = info->addr & (PAGE_SIZE - 1);
	if (have)
		out->struct_page = si->pl.vmemmap_base + pfn * si->pl.page_size;
	/* RAM: below max_pfn; in the dump: the dump holds the page. */
	bool in_dump = vmr_dump_has_phys(k->dump, phys & ~(PAGE_SIZE - 1));
	if (have && si->pl.max_pfn && pfn >= si->pl.max_pfn)
		snprintf(out->flags_text, sizeof(out->flags_text), "not RAM (beyond max_pfn)%s",
			 in_dump ? ", in the dump" : "");
	else
		snprintf(out->flags_text, sizeof(out->flags_text), "%s",
			 in_dump ? "in the dump" : "not in the dump");
}

struct vmr_error *vmr_owner_vmemmap(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				    struct vmr_owner *out)
{
	struct vmr_slab_info *si = vmr_slab_info_get(k);
	if (!si)
		return vmr_error_new(VMR_ERR_NOMEM, "page owners: out of memory");
	if (!vmr_page_layout(k, si)) {
		vmr_owner_none(out, "struct page: %s", si->page_why);
		return NULL;
	}
	const struct vmr_slab_layout *l = &si->pl;
	if (info->addr < l->vmemmap_base) {
		vmr_owner_none(out, "below vmemmap_base 0x%016" PRIx64, l->vmemmap_base);
		return NULL;
	}
	uint64_t pfn = 0, off = 0;
	if (!vmr_page_of_struct_page(l, info->addr, &pfn, &off)) {
		vmr_owner_none(out, "struct page of pfn 0x%" PRIx64 ", beyond max_pfn 0x%" PRIx64,
			       pfn, l->max_pfn);
		return NULL;
	}
	resolve_fields(k, si);
	out->kind = VMR_OWNER_PAGE;
	out->pfn = pfn;
	out->struct_page = l->vmemmap_base + pfn * l->page_size;
	out->offset = off;
	out->page_addr = l->page_offset_base + (pfn << PAGE_SHIFT);
	/* A slab's head page is a struct slab: name its members. */
	if (!vmr_slab_struct_field(k, pfn, off, out->field, sizeof(out->field)))
		vmr_page_field_name(si->fields, si->nfields, off, out->field, sizeof(out->field));
	return NULL;
}
