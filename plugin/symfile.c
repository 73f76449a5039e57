/* SPDX-License-Identifier: MIT */
/* ELF symbol files for gdb from the dump's kallsyms and modules' kallsyms
 * (symfile.h), written with libelf. */
#define _GNU_SOURCE
#include "plugin/symfile.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmregion/owner.h>

#include "common/error.h"
#include "common/grow.h"
#include "common/file.h"
#include "common/sort.h"

#define KERNEL_HALF 0xffff800000000000ULL
#define MAX_SECTIONS 16384  /* more runs than this: a corrupt table */
#define FORMAT_VERSION 3    /* part of the cache key: bump when the files change */

static bool is_text(char type)
{
	return type == 'T' || type == 't' || type == 'W' || type == 'w';
}

static unsigned char bind_of(char type)
{
	if (type == 'W' || type == 'V')
		return STB_WEAK;
	return type >= 'A' && type <= 'Z' ? STB_GLOBAL : STB_LOCAL;
}

/* A growing byte buffer (string tables). */
struct buf {
	char *p;
	size_t n, cap;
};

static bool buf_add(struct buf *b, const void *s, size_t len)
{
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 4096;
		while (cap < b->n + len)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return false;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	return true;
}

/* A section: a run of symbols of one kind and module, [start, end). */
struct run {
	uint64_t start, end;
	bool text;
	const char *module;
	uint32_t name; /* in .shstrtab */
};

static bool same_module(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

struct writer {
	const struct vmr_symbol *syms;
	size_t n;
	struct run *runs;
	size_t nruns;
	uint32_t *sec;  /* section index of each symbol, 0 = left out */
	struct buf shstr, str;
};

/* Split the address range into runs of text and data symbols of one
 * module: each symbol then lies in the section of its kind that covers it,
 * and names its module. */
static bool make_runs(struct writer *w)
{
	w->runs = calloc(MAX_SECTIONS, sizeof(*w->runs));
	w->sec = calloc(w->n ? w->n : 1, sizeof(*w->sec));
	if (!w->runs || !w->sec)
		return false;
	for (size_t i = 0; i < w->n; i++) {
		const struct vmr_symbol *s = &w->syms[i];
		if (s->addr < KERNEL_HALF || !s->name || !*s->name)
			continue;
		bool text = is_text(s->type);
		struct run *r = w->nruns ? &w->runs[w->nruns - 1] : NULL;
		if (r && s->addr < r->start)
			continue; /* not sorted: left out rather than overlapping */
		if (!r || ((r->text != text || !same_module(r->module, s->module)) &&
			   w->nruns < MAX_SECTIONS && s->addr > r->start)) {
			if (r && r->end > s->addr)
				r->end = s->addr;
			r = &w->runs[w->nruns++];
			r->start = s->addr;
			r->end = s->addr + 1;
			r->text = text;
			r->module = s->module;
		}
		uint64_t end = s->addr + (s->size ? s->size : 1);
		if (end < s->addr)
			end = UINT64_MAX;
		if (end > r->end)
			r->end = end;
		w->sec[i] = (uint32_t)w->nruns; /* section 0 is the null one */
	}
	return true;
}

static struct vmr_error *io_error(const char *path, const char *what)
{
	return vmr_error_new(VMR_ERR_IO, "%s: %s: %s", path, what, elf_errmsg(-1));
}

static Elf_Scn *new_section(Elf *e, uint32_t name, uint32_t type, uint64_t flags,
			    uint64_t addr, void *buf, size_t size, Elf_Type dtype, size_t align)
{
	Elf_Scn *scn = elf_newscn(e);
	if (!scn)
		return NULL;
	Elf_Data *d = elf_newdata(scn);
	if (!d)
		return NULL;
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = dtype;
	d->d_align = align;
	d->d_version = EV_CURRENT;
	GElf_Shdr sh;
	if (!gelf_getshdr(scn, &sh))
		return NULL;
	sh.sh_name = name;
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addr = addr;
	sh.sh_addralign = align;
	sh.sh_size = size;
	return gelf_update_shdr(scn, &sh) ? scn : NULL;
}

static struct vmr_error *write_elf(struct writer *w, const char *path, int fd)
{
	Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e)
		return io_error(path, "elf_begin");
	struct vmr_error *err = NULL;
	Elf64_Sym *tab = NULL;
	Elf64_Ehdr *eh = elf64_newehdr(e);
	if (!eh) {
		err = io_error(path, "elf64_newehdr");
		goto out;
	}
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;

	/* Sections: the runs, then .symtab, .strtab, .shstrtab. */
	static const char nul = 0;
	if (!buf_add(&w->shstr, &nul, 1) || !buf_add(&w->str, &nul, 1))
		goto nomem;
	for (size_t r = 0; r < w->nruns; r++) {
		/* ".text", ".data", ".text.1", ...; " [MODULE]" as the kernel
		 * prints a module's symbols (names read from the dump: printable
		 * ASCII kept). */
		const struct run *run = &w->runs[r];
		unsigned before = 0;
		for (size_t q = 0; q < r; q++)
			before += w->runs[q].text == run->text &&
				  same_module(w->runs[q].module, run->module);
		char name[96], mod[64] = "";
		int n = snprintf(name, sizeof(name), "%s", run->text ? ".text" : ".data");
		if (before)
			n += snprintf(name + n, sizeof(name) - (size_t)n, ".%u", before);
		if (run->module) {
			size_t m = 0;
			for (const char *p = run->module; *p && m + 1 < sizeof(mod); p++)
				mod[m++] = *p > ' ' && *p < 0x7f ? *p : '_';
			mod[m] = 0;
			snprintf(name + n, sizeof(name) - (size_t)n, " [%s]", mod);
		}
		w->runs[r].name = (uint32_t)w->shstr.n;
		if (!buf_add(&w->shstr, name, strlen(name) + 1))
			goto nomem;
	}
	uint32_t n_symtab = (uint32_t)w->shstr.n;
	uint32_t n_strtab = n_symtab + 8; /* ".symtab\0" then ".strtab\0" */
	uint32_t n_shstrtab = n_strtab + 8;
	if (!buf_add(&w->shstr, ".symtab\0.strtab\0.shstrtab\0", 26))
		goto nomem;

	/* Symbols: locals first (sh_info = the first global). */
	size_t nsyms = 1;
	for (size_t i = 0; i < w->n; i++)
		nsyms += w->sec[i] != 0;
	tab = calloc(nsyms, sizeof(*tab));
	if (!tab)
		goto nomem;
	size_t k = 1, first_global = 1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < w->n; i++) {
			const struct vmr_symbol *s = &w->syms[i];
			unsigned char bind = bind_of(s->type);
			if (!w->sec[i] || (bind == STB_LOCAL) != (pass == 0))
				continue;
			Elf64_Sym *t = &tab[k++];
			t->st_name = (uint32_t)w->str.n;
			if (!buf_add(&w->str, s->name, strlen(s->name) + 1))
				goto nomem;
			t->st_info = ELF64_ST_INFO(bind, is_text(s->type) ? STT_FUNC : STT_OBJECT);
			t->st_shndx = (uint16_t)w->sec[i];
			t->st_value = s->addr;
			/* Aliases (names sharing an address, such as 5.10's
			 * asm_call_*_on_stack labels): only the first, the one
			 * kallsyms and %pS give, keeps its size, so that gdb,
			 * which prefers a sized symbol among those at an address,
			 * names it too. */
			t->st_size = i && w->syms[i - 1].addr == s->addr ? 0 : s->size;
		}
		if (pass == 0)
			first_global = k;
	}

	for (size_t r = 0; r < w->nruns; r++) {
		const struct run *run = &w->runs[r];
		uint64_t flags = SHF_ALLOC | (run->text ? SHF_EXECINSTR : SHF_WRITE);
		if (!new_section(e, run->name, SHT_NOBITS, flags, run->start, NULL,
				 run->end - run->start, ELF_T_BYTE, 1)) {
			err = io_error(path, "section");
			goto out;
		}
	}
	size_t symtab_ndx = w->nruns + 1;
	Elf_Scn *st = new_section(e, n_symtab, SHT_SYMTAB, 0, 0, tab, nsyms * sizeof(*tab),
				  ELF_T_SYM, 8);
	Elf_Scn *ss = new_section(e, n_strtab, SHT_STRTAB, 0, 0, w->str.p, w->str.n,
				  ELF_T_BYTE, 1);
	Elf_Scn *sh = new_section(e, n_shstrtab, SHT_STRTAB, 0, 0, w->shstr.p, w->shstr.n,
				  ELF_T_BYTE, 1);
	GElf_Shdr shdr;
	if (!st || !ss || !sh || !gelf_getshdr(st, &shdr)) {
		err = io_error(path, "section");
		goto out;
	}
	shdr.sh_link = (uint32_t)symtab_ndx + 1;
	shdr.sh_info = (uint32_t)first_global;
	shdr.sh_entsize = sizeof(Elf64_Sym);
	if (!gelf_update_shdr(st, &shdr)) {
		err = io_error(path, "symtab");
		goto out;
	}
	eh->e_shstrndx = (uint16_t)(symtab_ndx + 2);
	if (elf_update(e, ELF_C_WRITE) < 0)
		err = io_error(path, "elf_update");
	goto out;
nomem:
	err = &vmr_enomem;
out:
	elf_end(e);
	free(tab);
	return err;
}

struct vmr_error *vmr_symfile_write(const char *path, const struct vmr_symbol *syms, size_t n)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return vmr_error_new(VMR_ERR_IO, "libelf: %s", elf_errmsg(-1));
	struct writer w = { .syms = syms, .n = n };
	struct vmr_error *err = NULL;
	if (!make_runs(&w)) {
		err = &vmr_enomem;
		goto out;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = vmr_error_new(VMR_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	err = write_elf(&w, path, fd);
	if (close(fd) && !err)
		err = vmr_error_new(VMR_ERR_IO, "%s: %s", path, strerror(errno));
	if (err)
		unlink(path);
out:
	free(w.runs);
	free(w.sec);
	free(w.shstr.p);
	free(w.str.p);
	return err;
}

/* ---- the files of one dump, cached by the hash of their symbols ---- */

struct symlist {
	struct vmr_symbol *v;
	size_t n, cap;
};

static bool collect(const struct vmr_symbol *sym, void *ctx)
{
	struct symlist *l = ctx;
	struct vmr_symbol *grown = vmr_grow(l->v, l->n, &l->cap, sizeof(*grown), 1024);
	if (!grown)
		return false;
	l->v = grown;
	l->v[l->n++] = *sym;
	return true;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t hash_syms(uint64_t h, const struct symlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct vmr_symbol *s = &l->v[i];
		h = fnv(h, s->name, strlen(s->name) + 1);
		h = fnv(h, s->module ? s->module : "", strlen(s->module ? s->module : "") + 1);
		h = fnv(h, &s->addr, sizeof(s->addr));
		h = fnv(h, &s->size, sizeof(s->size));
		h = fnv(h, &s->type, 1);
	}
	return h;
}

/* @p s as one argument of a gdb command that splits like gdb_buildargv. */
static void put_gdb_arg(FILE *f, const char *s)
{
	if (!strpbrk(s, " \t\"'\\")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Module symbols in address order across modules (each module's come
 * sorted), the walk's order kept among equal addresses. */
struct ordered {
	struct vmr_symbol sym;
	size_t i;
};

static int by_addr(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;
	if (x->sym.addr != y->sym.addr)
		return x->sym.addr < y->sym.addr ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static bool sort_symbols(struct symlist *l)
{
	struct ordered *o = malloc((l->n ? l->n : 1) * sizeof(*o));
	if (!o)
		return false;
	for (size_t i = 0; i < l->n; i++)
		o[i] = (struct ordered){ l->v[i], i };
	vmr_sort(o, l->n, sizeof(*o), by_addr);
	for (size_t i = 0; i < l->n; i++)
		l->v[i] = o[i].sym;
	free(o);
	return true;
}

static void remove_dir(const char *dir)
{
	static const char *const files[] = { "kallsyms.sym", "modules.sym", "load.gdb" };
	char path[4096];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Write @p syms to @p dir/@p name and the command loading it from
 * @p final/@p name to @p script. */
static struct vmr_error *write_one(FILE *script, const char *cmd, const char *dir,
				   const char *final, const char *name,
				   const struct symlist *syms)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct vmr_error *err = vmr_symfile_write(path, syms->v, syms->n);
	snprintf(path, sizeof(path), "%s/%s", final, name);
	fprintf(script, "%s ", cmd);
	put_gdb_arg(script, path);
	fputc('\n', script);
	return err;
}

/* Write every file into the new directory @p dir; the script names them in
 * @p final, where @p dir is renamed to.  All modules go into one file (one
 * add-symbol-file: gdb prints a line for each), their sections named
 * after them. */
static struct vmr_error *write_all(const char *dir, const char *final, const struct symlist *ks,
				   const struct symlist *ms)
{
	char *script = NULL;
	struct vmr_error *err = NULL;
	if (asprintf(&script, "%s/load.gdb", dir) < 0)
		return &vmr_enomem;
	FILE *f = fopen(script, "we");
	if (!f) {
		err = vmr_error_new(VMR_ERR_IO, "%s: %s", script, strerror(errno));
		free(script);
		return err;
	}
	fprintf(f, "# Written by vmregion gdb: symbols from the dump's kallsyms.\n");
	if (ks->n)
		err = write_one(f, "symbol-file", dir, final, "kallsyms.sym", ks);
	if (!err && ms->n)
		err = write_one(f, "add-symbol-file", dir, final, "modules.sym", ms);
	bool bad = ferror(f);
	if ((fclose(f) || bad) && !err)
		err = vmr_error_new(VMR_ERR_IO, "%s: write error", script);
	free(script);
	return err;
}

struct vmr_error *vmr_gdb_symbol_files(struct vmr_kernel *k, const char *cache_dir,
				       bool kernel, struct vmr_gdb_symfiles *out)
{
	memset(out, 0, sizeof(*out));
	struct symlist ks = { 0 }, ms = { 0 };
	size_t nmods = 0;
	char *tmp = NULL;
	struct vmr_error *err = NULL;
	if (kernel) {
		err = vmr_kernel_symbols(k, collect, &ks);
		if (err) {
			snprintf(out->kernel_why, sizeof(out->kernel_why), "%s",
				 vmr_error_message(err));
			vmr_error_free(err);
			err = NULL;
		}
	}
	err = vmr_module_symbols(k, collect, &ms);
	if (err == &vmr_enomem)
		goto out;
	if (err) {
		snprintf(out->modules_why, sizeof(out->modules_why), "%s", vmr_error_message(err));
		vmr_error_free(err);
		err = NULL;
	}
	out->kernel_syms = ks.n;
	out->module_syms = ms.n;
	for (size_t i = 0; i < ms.n; i++)
		nmods += !i || ms.v[i].module != ms.v[i - 1].module;
	out->modules = nmods;
	if (!ks.n && !ms.n)
		goto out;
	if (!sort_symbols(&ms))
		goto nomem;

	uint64_t h = fnv(0xcbf29ce484222325ULL, "vmregion-symfile", 16);
	uint32_t version = FORMAT_VERSION;
	h = fnv(h, &version, sizeof(version));
	h = hash_syms(hash_syms(h, &ks), &ms);
	if (asprintf(&out->dir, "%s/symbols-%016" PRIx64, cache_dir, h) < 0 ||
	    asprintf(&out->script, "%s/load.gdb", out->dir) < 0)
		goto nomem;
	struct stat st;
	if (!stat(out->script, &st) && S_ISREG(st.st_mode))
		goto out; /* written before */
	int rc = vmr_make_dirs(cache_dir);
	if (rc) {
		err = vmr_error_new(VMR_ERR_IO, "%s: %s", cache_dir, strerror(rc));
		goto out;
	}
	if (asprintf(&tmp, "%s/.symbols-XXXXXX", cache_dir) < 0)
		goto nomem;
	if (!mkdtemp(tmp)) {
		err = vmr_error_new(VMR_ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	err = write_all(tmp, out->dir, &ks, &ms);
	if (!err && !chmod(tmp, 0755) && !rename(tmp, out->dir)) {
		out->created = true;
	} else {
		/* Failed, or another session renamed the same directory first. */
		remove_dir(tmp);
		if (!err && (stat(out->script, &st) || !S_ISREG(st.st_mode)))
			err = vmr_error_new(VMR_ERR_IO, "%s: %s", out->dir, strerror(errno));
	}
	goto out;
nomem:
	err = &vmr_enomem;
out:
	if (err || !out->script || (!ks.n && !ms.n)) {
		free(out->script);
		out->script = NULL;
	}
	free(tmp);
	free(ks.v);
	free(ms.v);
	return err;
}

void vmr_gdb_symfiles_free(struct vmr_gdb_symfiles *f)
{
	free(f->dir);
	free(f->script);
	f->dir = f->script = NULL;
}
