/* SPDX-License-Identifier: MIT */
/**
 * @file live.c  A running kernel as a dump (live.h): physical reads through
 * the caller's callback, cached per page while the target is stopped, and
 * the CPUs' registers as if they came from QEMU's CPU-state notes, so that
 * the layout is rebuilt by the methods for dumps without VMCOREINFO.
 *
 * Each callback read is a round trip to the stub (QEMU answers at most 2 KiB
 * per packet), so missing pages next to each other are fetched in one call
 * and a page once read is kept until vmr_dump_live_invalidate().  A small
 * read of a page not seen before is read alone (one packet, not two): the
 * memory scan for VMCOREINFO reads 16 bytes of thousands of pages once
 * each; a page read a second time (page tables, structures) is then
 * fetched whole and kept.
 */
#include "vmcore/dump-priv.h"

#include <vmregion/live.h>

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define PAGE 4096ULL
/* Cache slots (a power of two); at 3/4 full the cache starts over. */
#define SLOTS 16384u
/* The largest CPU count asked of read_cpus. */
#define MAX_LIVE_CPUS 512u
#define DEFAULT_MAX_READ (64u << 10)
#define DEFAULT_MAX_PADDR (4ULL << 30)
/* Reads up to this size of a page seen for the first time are not cached. */
#define SMALL_READ 64u
/* A fault marks its 2 MiB block absent for vmr_dump_has_phys() (the
 * memory scan then skips the block): a stub whose reads fail costs one
 * round trip per block, not per page. */
#define BLOCK_SHIFT 21
#define MAX_BLOCKS (1u << 20)
/* Pages remembered as seen once (a power of two). */
#define SEEN_SLOTS 8192u

struct slot {
	uint64_t pfn; /* UINT64_MAX: empty */
	unsigned char *data;
};

struct vmr_live {
	struct vmr_live_ops ops;
	void *ctx;
	struct slot *slots;
	unsigned int used;
	unsigned char *run;   /* buffer of one fetch */
	size_t run_size;
	uint64_t *seen;       /* pfns read once with a small read; UINT64_MAX empty */
	unsigned int nseen;
	unsigned char *absent;/* bitmap of 2 MiB blocks where a read faulted */
	uint64_t nblocks;
};

/* A read at @paddr faulted: its block is absent until the target runs. */
static struct vmr_error *note_fault(struct vmr_live *l, uint64_t paddr, struct vmr_error *err)
{
	uint64_t b = paddr >> BLOCK_SHIFT;
	if (err && vmr_error_code(err) == VMR_ERR_FAULT && b < l->nblocks)
		l->absent[b / 8] |= (unsigned char)(1u << (b % 8));
	return err;
}

static void seen_clear(struct vmr_live *l)
{
	for (unsigned int i = 0; i < SEEN_SLOTS; i++)
		l->seen[i] = UINT64_MAX;
	l->nseen = 0;
}

/* @return whether @pfn was seen before; remember it if not. */
static bool seen_before(struct vmr_live *l, uint64_t pfn)
{
	unsigned int i = (unsigned int)(pfn * 0x9e3779b97f4a7c15ULL >> 48) & (SEEN_SLOTS - 1);
	for (;; i = (i + 1) & (SEEN_SLOTS - 1)) {
		if (l->seen[i] == pfn)
			return true;
		if (l->seen[i] == UINT64_MAX)
			break;
	}
	if (l->nseen >= SEEN_SLOTS / 4 * 3) {
		seen_clear(l);
		return seen_before(l, pfn);
	}
	l->seen[i] = pfn;
	l->nseen++;
	return false;
}

static void cache_clear(struct vmr_live *l)
{
	for (unsigned int i = 0; i < SLOTS; i++) {
		free(l->slots[i].data);
		l->slots[i].data = NULL;
		l->slots[i].pfn = UINT64_MAX;
	}
	l->used = 0;
}

static struct slot *cache_find(struct vmr_live *l, uint64_t pfn)
{
	unsigned int i = (unsigned int)(pfn * 0x9e3779b97f4a7c15ULL >> 50) & (SLOTS - 1);
	for (;; i = (i + 1) & (SLOTS - 1))
		if (l->slots[i].pfn == pfn || l->slots[i].pfn == UINT64_MAX)
			return &l->slots[i];
}

/* Keep a copy of page @pfn; out of memory only loses the copy. */
static void cache_put(struct vmr_live *l, uint64_t pfn, const unsigned char *data)
{
	if (l->used >= SLOTS / 4 * 3)
		cache_clear(l);
	struct slot *s = cache_find(l, pfn);
	if (s->pfn == pfn)
		return;
	s->data = malloc(PAGE);
	if (!s->data)
		return;
	memcpy(s->data, data, PAGE);
	s->pfn = pfn;
	l->used++;
}

/* Fetch @npages pages from @pfn on into the cache, in reads of max_read. */
static struct vmr_error *fetch(struct vmr_live *l, uint64_t pfn, uint64_t npages)
{
	while (npages) {
		uint64_t n = npages < l->run_size / PAGE ? npages : l->run_size / PAGE;
		for (uint64_t off = 0; off < n * PAGE;) {
			size_t chunk = n * PAGE - off < l->ops.max_read ? (size_t)(n * PAGE - off)
									 : l->ops.max_read;
			struct vmr_error *err = l->ops.read_phys(l->ctx, pfn * PAGE + off,
								 l->run + off, chunk);
			if (err)
				return note_fault(l, pfn * PAGE + off, err);
			off += chunk;
		}
		for (uint64_t i = 0; i < n; i++)
			cache_put(l, pfn + i, l->run + i * PAGE);
		pfn += n;
		npages -= n;
	}
	return NULL;
}

struct vmr_error *vmr_live_read_phys(struct vmr_dump *d, uint64_t paddr, void *buf,
				     size_t len)
{
	struct vmr_live *l = d->live;
	unsigned char *out = buf;
	while (len) {
		uint64_t pfn = paddr / PAGE, off = paddr % PAGE;
		size_t n = PAGE - off < len ? (size_t)(PAGE - off) : len;
		struct slot *s = cache_find(l, pfn);
		if (s->pfn != pfn && len <= SMALL_READ && n == len && !seen_before(l, pfn)) {
			struct vmr_error *err = l->ops.read_phys(l->ctx, paddr, out, n);
			if (err)
				return note_fault(l, paddr, err);
			goto next;
		}
		if (s->pfn != pfn) {
			/* This page and the missing ones after it up to the end
			 * of the request: one fetch. */
			uint64_t last = (paddr + len - 1) / PAGE, missing = 1;
			while (pfn + missing <= last && cache_find(l, pfn + missing)->pfn != pfn + missing)
				missing++;
			struct vmr_error *err = fetch(l, pfn, missing);
			if (err)
				return err;
			s = cache_find(l, pfn);
			if (s->pfn != pfn) { /* not kept (out of memory): read it alone */
				err = l->ops.read_phys(l->ctx, paddr, out, n);
				if (err)
					return err;
				goto next;
			}
		}
		memcpy(out, s->data + off, n);
next:
		out += n;
		paddr += n;
		len -= n;
	}
	return NULL;
}

bool vmr_live_has_phys(struct vmr_dump *d, uint64_t paddr)
{
	struct vmr_live *l = d->live;
	uint64_t b = paddr >> BLOCK_SHIFT;
	if (paddr >= d->info.max_paddr)
		return false;
	return b >= l->nblocks || !(l->absent[b / 8] & (1u << (b % 8)));
}

void vmr_live_close(struct vmr_dump *d)
{
	struct vmr_live *l = d->live;
	if (!l)
		return;
	cache_clear(l);
	free(l->slots);
	free(l->seen);
	free(l->absent);
	free(l->run);
	free(l);
	d->live = NULL;
}

static struct vmr_error *read_cpus(struct vmr_dump *d)
{
	struct vmr_live *l = d->live;
	unsigned int n = 0;
	memset(d->notes.cpus, 0, MAX_LIVE_CPUS * sizeof(*d->notes.cpus));
	struct vmr_error *err = l->ops.read_cpus(l->ctx, d->notes.cpus, MAX_LIVE_CPUS, &n);
	if (err)
		return vmr_error_prefix(err, "%s", d->path);
	if (n > MAX_LIVE_CPUS)
		n = MAX_LIVE_CPUS;
	for (unsigned int i = 0; i < n; i++)
		d->notes.cpus[i].index = i;
	d->notes.ncpus = n;
	d->info.ncpus = n;
	return NULL;
}

struct vmr_error *vmr_dump_live_invalidate(struct vmr_dump *d)
{
	if (!d || !d->live)
		return vmr_error_new(VMR_ERR_INVALID, "vmr_dump_live_invalidate: not a live dump");
	cache_clear(d->live);
	seen_clear(d->live);
	memset(d->live->absent, 0, (size_t)(d->live->nblocks + 7) / 8);
	return read_cpus(d);
}

struct vmr_error *vmr_dump_open_live(const char *name, const struct vmr_live_ops *ops,
				     void *ctx, struct vmr_dump **out)
{
	if (!name || !ops || !ops->read_phys || !ops->read_cpus || !out)
		return vmr_error_new(VMR_ERR_INVALID, "vmr_dump_open_live: NULL argument");
	*out = NULL;
	struct vmr_dump *d = calloc(1, sizeof(*d));
	if (!d)
		return &vmr_enomem;
	d->fd = -1;
	d->fd2 = -1;
	d->path = strdup(name);
	d->live = calloc(1, sizeof(*d->live));
	d->notes.cpus = calloc(MAX_LIVE_CPUS, sizeof(*d->notes.cpus));
	struct vmr_live *l = d->live;
	if (!d->path || !l || !d->notes.cpus || !(l->slots = calloc(SLOTS, sizeof(*l->slots)))) {
		vmr_dump_close(d);
		return &vmr_enomem;
	}
	l->ops = *ops;
	l->ctx = ctx;
	if (!l->ops.max_read)
		l->ops.max_read = DEFAULT_MAX_READ;
	/* One fetch covers up to 16 reads of max_read, whole pages. */
	l->run_size = (l->ops.max_read * 16 + PAGE - 1) / PAGE * PAGE;
	if (l->run_size > (1u << 20))
		l->run_size = 1u << 20;
	l->run = malloc(l->run_size);
	l->seen = malloc(SEEN_SLOTS * sizeof(*l->seen));
	if (!l->run || !l->seen) {
		vmr_dump_close(d);
		return &vmr_enomem;
	}
	for (unsigned int i = 0; i < SLOTS; i++)
		l->slots[i].pfn = UINT64_MAX;
	seen_clear(l);
	d->info.format = VMR_DUMP_LIVE;
	d->info.format_name = ops->format_name ? ops->format_name : "live target";
	d->info.max_paddr = ops->max_paddr ? ops->max_paddr : DEFAULT_MAX_PADDR;
	d->info.memory_bytes = d->info.max_paddr;
	l->nblocks = (d->info.max_paddr + (1ULL << BLOCK_SHIFT) - 1) >> BLOCK_SHIFT;
	if (l->nblocks > MAX_BLOCKS)
		l->nblocks = MAX_BLOCKS;
	l->absent = calloc((size_t)(l->nblocks + 7) / 8 + 1, 1);
	if (!l->absent) {
		vmr_dump_close(d);
		return &vmr_enomem;
	}
	struct vmr_error *err = read_cpus(d);
	if (err) {
		vmr_dump_close(d);
		return err;
	}
	*out = d;
	return NULL;
}
