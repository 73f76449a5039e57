/* SPDX-License-Identifier: MIT */
/**
 * @file owner-priv.h  The owner layer's lazily built indexes and the
 * per-region lookups that owner.c dispatches to.
 *
 * Each index is built once per struct vmr_kernel, on the first address of
 * its region.  Walks over dump data take a read callback and plain offsets so
 * that they can be tested on synthetic memory; the glue resolving offsets
 * (region/types.h) is kept apart from the walk.
 */
#ifndef VMR_OWNER_PRIV_H
#define VMR_OWNER_PRIV_H

#include <vmregion/owner.h>

#include "region/types.h"

/* Upper bounds of walks over dump data (a corrupt list must end). */
#define VMR_MAX_MODULES 8192
#define VMR_MAX_TASKS (1u << 22)
#define VMR_MAX_VMAP_AREAS (1u << 22)

struct vmr_modules;   /* owner/modules.c */
struct vmr_vmap;      /* owner/vmalloc.c */
struct vmr_tasks;     /* owner/tasks.c */
struct vmr_percpu;    /* owner/percpu.c */
struct vmr_slab_info; /* owner/slab.c */

/** All owner indexes of one kernel (hung off struct vmr_kernel). */
struct vmr_owners {
	struct vmr_modules *modules;
	bool modules_tried;
	struct vmr_vmap *vmap;
	bool vmap_tried;
	struct vmr_tasks *tasks;
	bool tasks_tried;
	struct vmr_percpu *percpu;
	bool percpu_tried;
	struct vmr_slab_info *slab;
	bool slab_tried;
};

/* Each file frees its own index (and tolerates a NULL one). */
void vmr_owners_free_modules(struct vmr_owners *o);
void vmr_owners_free_vmap(struct vmr_owners *o);
void vmr_owners_free_tasks(struct vmr_owners *o);
void vmr_owners_free_percpu(struct vmr_owners *o);
void vmr_owners_free_slab(struct vmr_owners *o);

/** The owner indexes of @p k (allocated on first call; NULL on OOM). */
struct vmr_owners *vmr_owners_get(struct vmr_kernel *k);

/** Offset of @p type.@p name in @p k's types, or VMR_NO_OFFSET when absent. */
uint64_t vmr_owner_member(struct vmr_kernel *k, const char *type, const char *name);

/** Fill @p out as "nobody known" with a printf reason. */
void vmr_owner_none(struct vmr_owner *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Per-region lookups.  Each returns NULL with @p out filled (kind NONE and
 * a reason when nothing owns the address), or an error for OOM only.
 */
struct vmr_error *vmr_owner_kernel_image(struct vmr_kernel *k, const struct vmr_addrinfo *info,
					 struct vmr_owner *out);      /* symbol.c */
struct vmr_error *vmr_owner_module(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				   struct vmr_owner *out);            /* modules.c */
struct vmr_error *vmr_owner_vmalloc(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				    struct vmr_owner *out);           /* vmalloc.c */
struct vmr_error *vmr_owner_direct_map(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				       struct vmr_owner *out);        /* owner.c: percpu, stack, slab, page */
struct vmr_error *vmr_owner_vmemmap(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				    struct vmr_owner *out);           /* page.c */
struct vmr_error *vmr_owner_cpu_entry_area(struct vmr_kernel *k, const struct vmr_addrinfo *info,
					   struct vmr_owner *out);    /* cea.c */
struct vmr_error *vmr_owner_fixmap(struct vmr_kernel *k, const struct vmr_addrinfo *info,
				   struct vmr_owner *out);            /* fixmap.c */

/*
 * Pieces the lookups share.  Each returns true when it filled @p out.
 */
/** A task, IRQ or exception stack containing @p addr (tasks.c). */
bool vmr_owner_find_stack(struct vmr_kernel *k, uint64_t addr, struct vmr_owner *out);
/** A CPU's per-cpu area containing @p addr, with its variable (percpu.c). */
bool vmr_owner_find_percpu(struct vmr_kernel *k, uint64_t addr, struct vmr_owner *out);
/** The slab object containing the direct-map @p addr (slab.c). */
bool vmr_owner_find_slab(struct vmr_kernel *k, const struct vmr_addrinfo *info,
			 struct vmr_owner *out);
/** The page of a direct-map address: pfn, struct page, RAM or not (page.c). */
void vmr_owner_page(struct vmr_kernel *k, const struct vmr_addrinfo *info,
		    struct vmr_owner *out);
/**
 * Name a code or data address anywhere (kernel image or module) the way the
 * kernel's %pS does: "func+0x2d/0x40" or "func+0x2d/0x40 [module]".
 * Used for vmalloc callers.  @return false if no symbol is known.
 */
bool vmr_owner_format_symbol(struct vmr_kernel *k, uint64_t addr, char *buf, size_t size);
/** Module symbol lookup (modules.c): nearest module symbol at or below @p addr. */
bool vmr_module_symbolize(struct vmr_kernel *k, uint64_t addr, const char **module,
			  const char **name, uint64_t *start, uint64_t *size);

#endif
