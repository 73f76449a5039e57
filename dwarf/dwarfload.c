/* SPDX-License-Identifier: MIT */
/**
 * @file dwarfload.c  Compressed debug sections inflated on demand into one
 * anonymous mapping laid out as an ELF file, given to libdw through
 * elf_memory() (see dwarfload.h for why).
 *
 * The image: ELF header, section headers, .shstrtab, then each section at a
 * page-aligned offset with room for its full inflated size.  Pages never
 * written are never committed.  Bytes, once written, never change or move,
 * so a Dwarf handle made earlier (over shorter sections) stays valid: every
 * handle is kept until close, because the strings a lookup returned (file
 * names built by libdw) live in the handle that answered.  A new handle is
 * made only when .debug_info has to grow; it grows in steps of at least
 * VMR_DWLOAD_STEP, so a run makes at most size/STEP handles.
 */
#define _GNU_SOURCE
#include "dwarf/dwarfload.h"

#include <elf.h>
#include <gelf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/error.h"
#include "dwarf/secstream.h"
#include "common/sort.h"

/** .debug_info grows by at least this much (a new Dwarf handle each time). */
#define VMR_DWLOAD_STEP (1u << 20)
/** What a background thread inflates between two looks at the stop flag. */
#define VMR_DWLOAD_BG_STEP (256u << 10)
/** Largest inflated section we accept (the image lives in memory). */
#define VMR_DWLOAD_MAX_SECTION (4ull << 30)
/** Most Dwarf handles one loader makes (growth steps, plus the last). */
#define VMR_DWLOAD_MAX_HANDLES 4200

/*
 * The sections a line, unit or scope lookup reads (DWARF 4 and 5).  Not
 * .debug_loclists/.debug_loc (variable locations) nor .debug_frame.
 * S_ARANGES and S_INFO are inflated by the caller's thread; the small
 * sections by a helper thread, and by the caller's once .debug_info is far
 * enough (each thread claims the next section not yet claimed).
 */
enum { S_INFO, S_ARANGES, S_LINE, S_ABBREV, S_STR, S_RNGLISTS, S_LINE_STR,
       S_STR_OFFSETS, S_RANGES, S_ADDR, S_N };
static const char *const sec_names[S_N] = {
	".debug_info", ".debug_aranges", ".debug_line", ".debug_abbrev", ".debug_str",
	".debug_rnglists", ".debug_line_str", ".debug_str_offsets", ".debug_ranges",
	".debug_addr",
};
/** The small sections, largest first (claimed in this order by both threads). */
#define S_SMALL S_LINE

struct lsec {
	bool present;
	uint32_t ctype;     /**< 0 (stored plain), ELFCOMPRESS_ZLIB or _ZSTD */
	uint64_t flags;     /**< sh_flags without SHF_COMPRESSED */
	const uint8_t *in;  /**< compressed stream (after the Chdr) or plain bytes */
	size_t in_size;
	uint64_t size;      /**< inflated size */
	uint64_t off;       /**< its place in the image */
	uint64_t avail;     /**< bytes ready at image + off */
	struct vmr_secstream st; /**< the decoder, while st_live */
	bool st_live;
	struct vmr_error *err; /**< sticky */
};

struct vmr_dwload {
	char *path;
	uint8_t *image;
	size_t image_size;
	struct lsec sec[S_N];
	size_t shnum;
	uint16_t shndx[S_N]; /**< section header index of each present section */

	bool ar_done;        /**< .debug_aranges inflated and indexed */
	bool started;        /**< small sections inflated (helper joined) */
	int next_small;      /**< next small section to claim (atomic) */
	bool one_thread;     /**< no helper thread (benches compare) */
	struct vmr_arange *ar; /**< sorted by lo, as libdw sorts them */
	size_t nar;

	Elf **elfs;
	Dwarf **dbgs;
	size_t nhandles;
	uint64_t handle_info; /**< .debug_info bytes the last handle sees */
	uint64_t need;        /**< .debug_info bytes the question being answered needs */

	/*
	 * Read-ahead (vmr_dwload_prefetch): a thread inflates .debug_info from
	 * the start while the caller does other work, and the small sections
	 * on another.  While `ahead` runs it alone touches sec[S_INFO] and
	 * publishes its progress in info_ready / info_done under `mu`.
	 */
	pthread_t ahead, small;
	bool ahead_live, small_live;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;           /**< close asked the read-ahead to end */
	uint64_t info_ready; /**< .debug_info bytes inflated (under mu) */
	bool info_done;      /**< the read-ahead ended: whole, error, or stopped */
};

void vmr_dwload_set_threads(struct vmr_dwload *l, bool two)
{
	l->one_thread = !two;
}

/** .debug_info bytes ready: the read-ahead's published count while it runs. */
static uint64_t info_avail(struct vmr_dwload *l)
{
	if (!l->ahead_live)
		return l->sec[S_INFO].avail;
	pthread_mutex_lock(&l->mu);
	uint64_t n = l->info_ready;
	pthread_mutex_unlock(&l->mu);
	return n;
}

void vmr_dwload_progress(struct vmr_dwload *l, uint64_t *done, uint64_t *total)
{
	*done = info_avail(l);
	*total = l->sec[S_INFO].size;
}

/** Find the section headers worth loading; false if this loader does not apply. */
static bool scan_sections(struct vmr_dwload *l, Elf *elf)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	bool any_compressed = false;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return false;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (!strncmp(name, ".zdebug", 7))
			return false; /* legacy GNU compression: leave it to libdw */
		int i;
		for (i = 0; i < S_N && strcmp(name, sec_names[i]); i++)
			;
		if (i == S_N || sh.sh_type == SHT_NOBITS || l->sec[i].present)
			continue;
		Elf_Data *d = elf_rawdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size != sh.sh_size)
			return false;
		struct lsec *s = &l->sec[i];
		s->present = true;
		s->flags = sh.sh_flags & ~(uint64_t)SHF_COMPRESSED;
		s->in = d->d_buf;
		s->in_size = d->d_size;
		s->size = d->d_size;
		if (sh.sh_flags & SHF_COMPRESSED) {
			Elf64_Chdr ch;
			if (d->d_size < sizeof(ch))
				return false;
			memcpy(&ch, d->d_buf, sizeof(ch));
			if ((ch.ch_type != ELFCOMPRESS_ZLIB && ch.ch_type != ELFCOMPRESS_ZSTD) ||
			    ch.ch_size == 0 || ch.ch_size > VMR_DWLOAD_MAX_SECTION ||
			    d->d_size - sizeof(ch) > UINT32_MAX)
				return false; /* libdw gives the error, if any */
			s->ctype = ch.ch_type;
			s->in += sizeof(ch);
			s->in_size -= sizeof(ch);
			s->size = ch.ch_size;
			any_compressed = true;
		}
	}
	return any_compressed && l->sec[S_INFO].present;
}

/** Lay the image out and write the headers that do not change. */
static struct vmr_error *make_image(struct vmr_dwload *l)
{
	size_t shnum = 2; /* null section, .shstrtab */
	size_t strsz = 1 + sizeof(".shstrtab");
	for (int i = 0; i < S_N; i++)
		if (l->sec[i].present) {
			shnum++;
			strsz += strlen(sec_names[i]) + 1;
		}
	uint64_t shoff = sizeof(Elf64_Ehdr);
	uint64_t stroff = shoff + shnum * sizeof(Elf64_Shdr);
	uint64_t pos = (stroff + strsz + 4095) & ~4095ull;
	for (int i = 0; i < S_N; i++) {
		if (!l->sec[i].present)
			continue;
		l->sec[i].off = pos;
		pos = (pos + l->sec[i].size + 4095) & ~4095ull;
	}
	l->image_size = pos;
	void *img = mmap(NULL, pos, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (img == MAP_FAILED)
		return vmr_error_new(VMR_ERR_NOMEM, "%s: no room for %llu bytes of DWARF",
				     l->path, (unsigned long long)pos);
	/* Inflated sections fill tens of MB at once: huge pages take 512x
	 * fewer faults (a hint; ignored where THP is off). */
	madvise(img, pos, MADV_HUGEPAGE);
	l->image = img;
	l->shnum = shnum;

	Elf64_Ehdr eh = { 0 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_shoff = shoff;
	eh.e_ehsize = sizeof(eh);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = (uint16_t)shnum;
	eh.e_shstrndx = (uint16_t)(shnum - 1);
	memcpy(l->image, &eh, sizeof(eh));

	Elf64_Shdr *sh = (Elf64_Shdr *)(l->image + shoff);
	char *str = (char *)l->image + stroff;
	size_t si = 1, k = 1;
	for (int i = 0; i < S_N; i++) {
		if (!l->sec[i].present)
			continue;
		sh[k] = (Elf64_Shdr){ .sh_name = (uint32_t)si, .sh_type = SHT_PROGBITS,
				      .sh_flags = l->sec[i].flags, .sh_offset = l->sec[i].off,
				      .sh_addralign = 1 };
		l->shndx[i] = (uint16_t)k++;
		strcpy(str + si, sec_names[i]);
		si += strlen(sec_names[i]) + 1;
	}
	sh[k] = (Elf64_Shdr){ .sh_name = (uint32_t)si, .sh_type = SHT_STRTAB,
			      .sh_offset = stroff, .sh_size = strsz, .sh_addralign = 1 };
	strcpy(str + si, ".shstrtab");
	return NULL;
}

/**
 * Inflate section @p s until at least @p want bytes are ready (the stream
 * resumes where it stopped).  On error the section keeps what it had.
 */
static struct vmr_error *grow(struct vmr_dwload *l, struct lsec *s, uint64_t want,
			      const char *name)
{
	if (s->err)
		return vmr_error_new(vmr_error_code(s->err), "%s", vmr_error_message(s->err));
	if (want > s->size)
		want = s->size;
	if (s->avail >= want)
		return NULL;
	uint8_t *dst = l->image + s->off;
	if (!s->ctype) {
		memcpy(dst, s->in, s->size); /* all at once: it is cheap */
		s->avail = s->size;
		return NULL;
	}
	if (!s->st_live) {
		struct vmr_error *err = vmr_secstream_init(&s->st, s->ctype, s->in, s->in_size,
							    s->size);
		if (err) {
			vmr_secstream_end(&s->st);
			return err;
		}
		s->st_live = true;
	}
	uint64_t got;
	const char *why = vmr_secstream_read(&s->st, dst + s->avail, want - s->avail, &got);
	s->avail += got;
	if (why || s->avail == s->size) {
		vmr_secstream_end(&s->st);
		s->st_live = false;
	}
	/* Grown in place by the stream, never past s->size. */
	if (why) {
		s->err = vmr_error_new(VMR_ERR_FORMAT, "%s: section %s: %s at %llu of %llu bytes",
				       l->path, name, why, (unsigned long long)s->avail,
				       (unsigned long long)s->size);
		return s->err ? vmr_error_new(VMR_ERR_FORMAT, "%s", vmr_error_message(s->err))
			      : &vmr_enomem;
	}
	return NULL;
}

/** Inflate whole small sections, each not yet claimed by the other thread. */
static void *grow_small(void *arg)
{
	struct vmr_dwload *l = arg;
	for (;;) {
		int i = S_SMALL + __atomic_fetch_add(&l->next_small, 1, __ATOMIC_RELAXED);
		if (i >= S_N)
			return NULL;
		struct lsec *s = &l->sec[i];
		/* In steps, so that close need not wait for a whole section. */
		while (s->present && s->avail < s->size && !s->err &&
		       !__atomic_load_n(&l->stop, __ATOMIC_RELAXED)) {
			/* The error stays sticky in the section; read back later. */
			struct vmr_error *e = grow(l, s, s->avail + VMR_DWLOAD_BG_STEP, sec_names[i]);
			if (e != &vmr_enomem)
				vmr_error_free(e);
			else
				break;
		}
	}
}

static int cmp_arange(const void *a, const void *b)
{
	const struct vmr_arange *x = a, *y = b;
	return x->lo != y->lo ? (x->lo < y->lo ? -1 : 1) : 0;
}

struct vmr_error *vmr_aranges_index(const uint8_t *p, size_t size, const char *path,
				    struct vmr_arange **out, size_t *count)
{
	const uint8_t *start = p, *end = p + size;
	struct vmr_arange *ar = NULL;
	size_t nar = 0, cap = 0;
	while (p < end) {
		const uint8_t *set = p;
		uint64_t len;
		uint32_t len32;
		unsigned offsz = 4;
		if (end - p < 4)
			goto bad;
		memcpy(&len32, p, 4);
		p += 4;
		len = len32;
		if (len32 == 0xffffffffu) {
			if (end - p < 8)
				goto bad;
			memcpy(&len, p, 8);
			p += 8;
			offsz = 8;
		} else if (len32 >= 0xfffffff0u) {
			goto bad;
		}
		if (len > (uint64_t)(end - p))
			goto bad;
		const uint8_t *set_end = p + len;
		uint16_t version;
		uint64_t cu = 0;
		if (set_end - p < 2 + offsz + 2)
			goto bad;
		memcpy(&version, p, 2);
		p += 2;
		memcpy(&cu, p, offsz);
		p += offsz;
		uint8_t addrsz = *p++;
		p++; /* segment selector size */
		if (version != 2 || addrsz != 8)
			goto bad;
		p = set + ((p - set + 15) & ~(ptrdiff_t)15);
		for (; set_end - p >= 16; p += 16) {
			uint64_t lo, n;
			memcpy(&lo, p, 8);
			memcpy(&n, p + 8, 8);
			if (!lo && !n)
				break;
			if (nar == cap) {
				cap = cap ? 2 * cap : 1024;
				if (cap > (1u << 24))
					goto bad;
				struct vmr_arange *na = realloc(ar, cap * sizeof(*na));
				if (!na) {
					free(ar);
					return &vmr_enomem;
				}
				ar = na;
			}
			ar[nar++] = (struct vmr_arange){ lo, n, cu };
		}
		p = set_end;
	}
	vmr_sort(ar, nar, sizeof(*ar), cmp_arange);
	*out = ar;
	*count = nar;
	return NULL;
bad:
	free(ar);
	return vmr_error_new(VMR_ERR_FORMAT, "%s: corrupt .debug_aranges at offset %llu",
			     path, (unsigned long long)(p - start));
}

bool vmr_aranges_find(const struct vmr_arange *ar, size_t nar, uint64_t addr, uint64_t *cu)
{
	size_t lo = 0, hi = nar;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct vmr_arange *a = &ar[mid];
		if (addr < a->lo)
			hi = mid;
		else if (addr > a->lo && addr - a->lo >= a->len)
			lo = mid + 1;
		else {
			*cu = a->cu;
			return true;
		}
	}
	return false;
}

/** Inflate and index .debug_aranges, once (it is small). */
static struct vmr_error *aranges_ready(struct vmr_dwload *l)
{
	if (l->ar_done)
		return NULL;
	struct vmr_error *err = grow(l, &l->sec[S_ARANGES], l->sec[S_ARANGES].size,
				     sec_names[S_ARANGES]);
	if (!err)
		err = vmr_aranges_index(l->image + l->sec[S_ARANGES].off,
					l->sec[S_ARANGES].avail, l->path, &l->ar, &l->nar);
	if (!err)
		l->ar_done = true;
	return err;
}

/** Work of the caller's thread: make .debug_info hold what is asked for. */
typedef struct vmr_error *(*info_job)(struct vmr_dwload *l, uint64_t arg);

/**
 * Run @p job (on .debug_info) while a helper thread inflates the small
 * sections; the first time only, then @p job alone.
 */
static struct vmr_error *run(struct vmr_dwload *l, info_job job, uint64_t arg)
{
	if (l->started)
		return job(l, arg);
	if (!l->small_live && !l->one_thread)
		l->small_live = pthread_create(&l->small, NULL, grow_small, l) == 0;
	struct vmr_error *err = job(l, arg);
	grow_small(l); /* what the helper has not claimed yet */
	if (l->small_live) {
		pthread_join(l->small, NULL);
		l->small_live = false;
	}
	if (err)
		return err;
	for (int i = S_SMALL; i < S_N; i++) {
		if (l->sec[i].err)
			return vmr_error_new(vmr_error_code(l->sec[i].err), "%s",
					     vmr_error_message(l->sec[i].err));
		if (l->sec[i].avail != l->sec[i].size)
			return &vmr_enomem;
	}
	l->started = true;
	return NULL;
}

/**
 * The newest handle, made anew only if it does not hold the l->need bytes
 * of .debug_info the question needs (the read-ahead grows the section all
 * the time: a handle per step would be thousands).
 */
static struct vmr_error *handle(struct vmr_dwload *l, Dwarf **out)
{
	uint64_t info = info_avail(l);
	if (l->nhandles && (l->handle_info == info || l->handle_info >= l->need)) {
		*out = l->dbgs[l->nhandles - 1];
		return NULL;
	}
	if (l->nhandles >= VMR_DWLOAD_MAX_HANDLES)
		return vmr_error_new(VMR_ERR_LIMIT, "%s: too many DWARF views", l->path);
	if (!(l->nhandles & (l->nhandles + 1))) { /* 0, 1, 3, 7, ...: grow */
		size_t cap = 2 * l->nhandles + 1;
		Elf **e = realloc(l->elfs, cap * sizeof(*e));
		if (!e)
			return &vmr_enomem;
		l->elfs = e;
		Dwarf **d = realloc(l->dbgs, cap * sizeof(*d));
		if (!d)
			return &vmr_enomem;
		l->dbgs = d;
	}
	/* Every section but .debug_info is whole once started; the headers
	 * only ever grow, so views made earlier stay consistent. */
	Elf64_Shdr *sh = (Elf64_Shdr *)(l->image + sizeof(Elf64_Ehdr));
	for (int i = 0; i < S_N; i++)
		if (l->sec[i].present)
			sh[l->shndx[i]].sh_size = i == S_INFO ? info : l->sec[i].avail;
	/* (sh_size of .debug_aranges too: libdw reads it only when asked.) */
	Elf *elf = elf_memory((char *)l->image, l->image_size);
	if (!elf)
		return vmr_error_new(VMR_ERR_FORMAT, "%s: DWARF image: %s", l->path,
				     elf_errmsg(-1));
	Dwarf *dbg = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!dbg) {
		elf_end(elf);
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: no usable DWARF: %s", l->path,
				     dwarf_errmsg(-1));
	}
	l->elfs[l->nhandles] = elf;
	l->dbgs[l->nhandles++] = dbg;
	l->handle_info = info;
	*out = dbg;
	return NULL;
}

/** Make .debug_info hold at least @p want bytes, in steps of VMR_DWLOAD_STEP. */
static struct vmr_error *grow_info(struct vmr_dwload *l, uint64_t want)
{
	struct lsec *s = &l->sec[S_INFO];
	if (l->ahead_live) {
		if (want > s->size)
			want = s->size;
		pthread_mutex_lock(&l->mu);
		while (l->info_ready < want && !l->info_done)
			pthread_cond_wait(&l->cv, &l->mu);
		bool ready = l->info_ready >= want;
		pthread_mutex_unlock(&l->mu);
		if (ready)
			return NULL;
		/* The read-ahead ended short: an error, sticky in the section. */
		pthread_join(l->ahead, NULL);
		l->ahead_live = false;
	}
	if (s->avail >= want)
		return NULL;
	uint64_t step = s->avail + VMR_DWLOAD_STEP;
	return grow(l, s, want > step ? want : step, sec_names[S_INFO]);
}

/** info_job: .debug_info through the end of the unit at offset @p cu. */
static struct vmr_error *unit_job(struct vmr_dwload *l, uint64_t cu)
{
	struct lsec *s = &l->sec[S_INFO];
	struct vmr_error *err;
	/* The unit header: a 4-byte length, or 0xffffffff and 8 bytes. */
	if (cu > s->size || s->size - cu < 12)
		goto bad;
	if ((err = grow_info(l, cu + 12)))
		return err;
	const uint8_t *hdr = l->image + s->off + cu;
	uint32_t len32;
	uint64_t unit_end;
	memcpy(&len32, hdr, 4);
	if (len32 == 0xffffffffu) {
		uint64_t len;
		memcpy(&len, hdr + 4, 8);
		if (len > s->size - cu - 12)
			goto bad;
		unit_end = cu + 12 + len;
	} else {
		if (len32 >= 0xfffffff0u || len32 > s->size - cu - 4)
			goto bad;
		unit_end = cu + 4 + len32;
	}
	l->need = unit_end;
	return grow_info(l, unit_end);
bad:
	return vmr_error_new(VMR_ERR_FORMAT, "%s: .debug_aranges names a bad unit at %#llx",
			     l->path, (unsigned long long)cu);
}

/** The read-ahead thread: .debug_info from where it is, step by step. */
static void *inflate_ahead(void *arg)
{
	struct vmr_dwload *l = arg;
	struct lsec *s = &l->sec[S_INFO];
	for (;;) {
		pthread_mutex_lock(&l->mu);
		bool stop = l->stop;
		pthread_mutex_unlock(&l->mu);
		struct vmr_error *err = stop ? NULL : grow(l, s, s->avail + VMR_DWLOAD_BG_STEP,
							   sec_names[S_INFO]);
		if (err != &vmr_enomem)
			vmr_error_free(err); /* sticky in the section */
		pthread_mutex_lock(&l->mu);
		l->info_ready = s->avail;
		bool done = stop || err || s->avail == s->size;
		l->info_done = done;
		pthread_cond_broadcast(&l->cv);
		pthread_mutex_unlock(&l->mu);
		if (done)
			return NULL;
	}
}

void vmr_dwload_prefetch(struct vmr_dwload *l)
{
	if (l->ahead_live || l->started || l->one_thread)
		return;
	l->info_ready = l->sec[S_INFO].avail;
	l->ahead_live = pthread_create(&l->ahead, NULL, inflate_ahead, l) == 0;
}

/** info_job: all of .debug_info. */
static struct vmr_error *all_job(struct vmr_dwload *l, uint64_t unused)
{
	(void)unused;
	l->need = l->sec[S_INFO].size;
	return grow_info(l, l->sec[S_INFO].size);
}

struct vmr_error *vmr_dwload_all(struct vmr_dwload *l, Dwarf **dbg)
{
	struct vmr_error *err = NULL;
	if (l->sec[S_ARANGES].present)
		err = aranges_ready(l); /* for dwarf_addrdie() */
	if (!err)
		err = run(l, all_job, 0);
	if (!err)
		err = handle(l, dbg);
	return err;
}

struct vmr_error *vmr_dwload_unit(struct vmr_dwload *l, uint64_t addr, Dwarf **dbg,
				  Dwarf_Die *cudie)
{
	struct vmr_error *err;
	if (!l->sec[S_ARANGES].present) {
		/* No index of units: libdw's search over all of them. */
		if ((err = vmr_dwload_all(l, dbg)))
			return err;
		if (!dwarf_addrdie(*dbg, addr, cudie))
			goto none;
		return NULL;
	}
	if ((err = aranges_ready(l)))
		return err;
	uint64_t cu;
	if (!vmr_aranges_find(l->ar, l->nar, addr, &cu))
		goto none; /* before any inflating: data addresses cost nothing */
	if ((err = run(l, unit_job, cu)) || (err = handle(l, dbg)))
		return err;
	Dwarf_Off next;
	size_t hsize;
	if (dwarf_next_unit(*dbg, cu, &next, &hsize, NULL, NULL, NULL, NULL, NULL, NULL) ||
	    !dwarf_offdie(*dbg, cu + hsize, cudie))
		return vmr_error_new(VMR_ERR_FORMAT, "%s: bad unit at %#llx for %#llx: %s",
				     l->path, (unsigned long long)cu,
				     (unsigned long long)addr, dwarf_errmsg(-1));
	return NULL;
none:
	return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: no line information for %#llx",
			     l->path, (unsigned long long)addr);
}

struct vmr_error *vmr_dwload_open(Elf *elf, const char *path, struct vmr_dwload **out)
{
	*out = NULL;
	struct vmr_dwload *l = calloc(1, sizeof(*l));
	if (!l || !(l->path = strdup(path))) {
		free(l);
		return &vmr_enomem;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	if (!scan_sections(l, elf)) {
		vmr_dwload_close(l);
		return NULL;
	}
	struct vmr_error *err = make_image(l);
	if (err) {
		vmr_dwload_close(l);
		if (vmr_error_code(err) == VMR_ERR_NOMEM) {
			vmr_error_free(err);
			return NULL; /* let libdw try its way */
		}
		return err;
	}
	*out = l;
	return NULL;
}

void vmr_dwload_close(struct vmr_dwload *l)
{
	if (!l)
		return;
	if (l->ahead_live) {
		pthread_mutex_lock(&l->mu);
		__atomic_store_n(&l->stop, true, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->ahead, NULL);
	}
	__atomic_store_n(&l->stop, true, __ATOMIC_RELAXED);
	if (l->small_live)
		pthread_join(l->small, NULL); /* within one step */
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	for (size_t i = 0; i < l->nhandles; i++) {
		dwarf_end(l->dbgs[i]);
		elf_end(l->elfs[i]);
	}
	free(l->dbgs);
	free(l->elfs);
	for (int i = 0; i < S_N; i++) {
		struct lsec *s = &l->sec[i];
		if (s->st_live)
			vmr_secstream_end(&s->st);
		vmr_error_free(s->err);
	}
	free(l->ar);
	if (l->image)
		munmap(l->image, l->image_size);
	free(l->path);
	free(l);
}
