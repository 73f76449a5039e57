/* SPDX-License-Identifier: MIT */
/**
 * @file vmlinux.c  Opening a vmlinux: ELF checks, build-id, the symbol index
 * (by name and by address) and section lookup.  No DWARF is read here.
 */
#include "dwarf/vmlinux-priv.h"

#include <elf.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/file.h"
#include "dwarf/btf.h"

/** Most symbols a .symtab may hold (the largest kernels have ~300k). */
#define VMR_MAX_SYMS (8u << 20)
/** A gap to the next symbol beyond this means "no next symbol" (%pS size). */
#define VMR_MAX_SYM_GAP (32ull << 20)

/**
 * kallsyms' "may be provided by the linker script" test, from
 * scripts/kallsyms.c may_be_linker_script_provide_symbol() [k6.12].
 */
static bool linker_provided(const char *s)
{
	if (s[0] != '_' || s[1] != '_')
		return false; /* most names: no strlen() */
	size_t len = strlen(s);
	if (len < 8)
		return false;
	return !memcmp(s + 2, "start_", 6) || !memcmp(s + 2, "stop_", 5) ||
	       !memcmp(s + 2, "end_", 4) || !memcmp(s + len - 6, "_start", 6) ||
	       !memcmp(s + len - 4, "_end", 4);
}

/**
 * Names scripts/mksysmap drops before kallsyms sees them [k6.12]: "$",
 * ".L", "__crc_", "__kstrtab_", "__kstrtabns_", "__kcfi_typeid_",
 * "__efistub_" prefixes; by first letters, since every name is asked.
 */
static bool kallsyms_ignored(const char *s)
{
	if (s[0] == '$')
		return true;
	if (s[0] == '.')
		return s[1] == 'L';
	if (s[0] != '_' || s[1] != '_')
		return false;
	s += 2;
	switch (s[0]) {
	case 'c':
		return !strncmp(s, "crc_", 4);
	case 'k':
		return !strncmp(s, "kstrtab_", 8) || !strncmp(s, "kstrtabns_", 10) ||
		       !strncmp(s, "kcfi_typeid_", 12);
	case 'e':
		return !strncmp(s, "efistub_", 8);
	default:
		return false;
	}
}

/** nm's letter for a symbol in section @p shdr (NULL: absolute). */
static char nm_letter(const GElf_Sym *sym, const GElf_Shdr *shdr)
{
	int bind = GELF_ST_BIND(sym->st_info);
	char c;
	if (bind == STB_WEAK)
		return GELF_ST_TYPE(sym->st_info) == STT_OBJECT ? 'V' : 'W';
	if (!shdr)
		c = 'a';
	else if (shdr->sh_flags & SHF_EXECINSTR)
		c = 't';
	else if (shdr->sh_type == SHT_NOBITS)
		c = 'b';
	else if (shdr->sh_flags & SHF_WRITE)
		c = 'd';
	else if (shdr->sh_flags & SHF_ALLOC)
		c = 'r';
	else
		c = 'n';
	return bind == STB_LOCAL ? c : (char)(c - 'a' + 'A');
}

/* symindex callbacks; ctx is the handle. */
static bool sym_same(void *ctx, uint32_t a, uint32_t b)
{
	const struct vmr_vmlinux *v = ctx;
	return !strcmp(v->syms[a].name, v->syms[b].name);
}

static bool sym_wins(void *ctx, uint32_t a, uint32_t b)
{
	const struct vmr_vmlinux *v = ctx;
	return v->syms[a].rank < v->syms[b].rank;
}

static bool sym_is(void *ctx, uint32_t i, const char *name)
{
	const struct vmr_vmlinux *v = ctx;
	return !strcmp(v->syms[i].name, name);
}

/* kallsyms' order at equal addresses (vmlinux.h). */
static int sym_tie(void *ctx, uint32_t a, uint32_t b)
{
	const struct vmr_vmlinux *v = ctx;
	const struct vmr_vsym *x = &v->syms[a], *y = &v->syms[b];
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

static struct vmr_error *find_symtab(struct vmr_vmlinux *v, Elf_Scn **symscn,
				     GElf_Shdr *symshdr)
{
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr shdr, dynshdr;
	while ((scn = elf_nextscn(v->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr))
			return vmr_error_new(VMR_ERR_FORMAT, "%s: bad section header: %s",
					     v->path, elf_errmsg(-1));
		if (shdr.sh_type == SHT_SYMTAB) {
			*symscn = scn;
			*symshdr = shdr;
			return NULL;
		}
		if (shdr.sh_type == SHT_DYNSYM && !dyn) {
			dyn = scn;
			dynshdr = shdr;
		}
	}
	*symscn = dyn;
	if (dyn)
		*symshdr = dynshdr;
	return NULL;
}

/** Section headers by index, for the symbol letters (NULL if unusable). */
static GElf_Shdr *load_shdrs(struct vmr_vmlinux *v, size_t *n)
{
	if (elf_getshdrnum(v->elf, n) || *n == 0 || *n > 65536)
		return NULL;
	GElf_Shdr *sh = calloc(*n, sizeof(*sh));
	if (!sh)
		return NULL;
	for (size_t i = 1; i < *n; i++) {
		Elf_Scn *scn = elf_getscn(v->elf, i);
		if (!scn || !gelf_getshdr(scn, &sh[i]))
			memset(&sh[i], 0, sizeof(sh[i]));
	}
	return sh;
}

static struct vmr_error *index_symbols(struct vmr_vmlinux *v)
{
	Elf_Scn *symscn = NULL;
	GElf_Shdr symshdr;
	struct vmr_error *err = find_symtab(v, &symscn, &symshdr);
	if (err || !symscn)
		return err; /* no symbols: an empty index */

	Elf_Data *data = elf_getdata(symscn, NULL);
	Elf_Scn *strscn = elf_getscn(v->elf, symshdr.sh_link);
	Elf_Data *strdata = strscn ? elf_getdata(strscn, NULL) : NULL;
	/* (A SHT_NOBITS section has a size but no bytes: d_buf NULL.) */
	if (!data || !strdata || data->d_type != ELF_T_SYM || (data->d_size && !data->d_buf) ||
	    !strdata->d_size || !strdata->d_buf ||
	    ((const char *)strdata->d_buf)[strdata->d_size - 1] != '\0')
		return vmr_error_new(VMR_ERR_FORMAT, "%s: unreadable symbol table: %s",
				     v->path, elf_errmsg(-1));
	size_t count = data->d_size / sizeof(Elf64_Sym);
	if (count > VMR_MAX_SYMS)
		return vmr_error_new(VMR_ERR_LIMIT, "%s: %zu symbols (at most %u)",
				     v->path, count, VMR_MAX_SYMS);
	const Elf64_Sym *esyms = data->d_buf;
	const char *strtab = strdata->d_buf;

	size_t nshdrs = 0;
	GElf_Shdr *shdrs = load_shdrs(v, &nshdrs);
	v->syms = malloc((count ? count : 1) * sizeof(*v->syms));
	uint32_t *hash = malloc((count ? count : 1) * sizeof(*hash));
	uint64_t *addr = malloc((count ? count : 1) * sizeof(*addr));
	uint32_t *symbolizable = malloc((count ? count : 1) * sizeof(*symbolizable));
	if (!shdrs || !v->syms || !hash || !addr || !symbolizable) {
		err = &vmr_enomem;
		goto out;
	}

	size_t n = 0, na = 0;
	for (size_t i = 1; i < count; i++) {
		GElf_Sym s = esyms[i];
		int type = GELF_ST_TYPE(s.st_info);
		if (s.st_shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE ||
		    s.st_name == 0 || s.st_name >= strdata->d_size)
			continue;
		const char *name = strtab + s.st_name;
		bool abs = s.st_shndx == SHN_ABS;
		const GElf_Shdr *sh = NULL;
		if (!abs) {
			if (s.st_shndx >= nshdrs)
				continue; /* SHN_COMMON, SHN_XINDEX: not in a kernel */
			sh = &shdrs[s.st_shndx];
		}
		int bind = GELF_ST_BIND(s.st_info);
		struct vmr_vsym *vs = &v->syms[n];
		vs->name = name;
		vs->addr = s.st_value;
		vs->size = s.st_size;
		vs->type = nm_letter(&s, sh);
		vs->rank = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
		size_t under = 0; /* strspn(name, "_"), without its per-call set-up */
		while (name[under] == '_')
			under++;
		vs->order = (uint8_t)((vs->type == 'W') << 7 | linker_provided(name) << 6 |
				      (under > 63 ? 63 : under));
		hash[n] = vmr_symhash(name);
		addr[n] = s.st_value;
		/* The address index keeps what kallsyms keeps: no absolute
		 * values (they are not addresses), no assembler-local labels. */
		if (!abs && !kallsyms_ignored(name) && (sh->sh_flags & SHF_ALLOC))
			symbolizable[na++] = (uint32_t)n;
		n++;
	}
	v->nsyms = n;
	err = vmr_symaddrs_build(&v->addrs, addr, symbolizable, na, sym_tie, v);
	if (!err)
		err = vmr_symnames_build(&v->names, n, hash, sym_same, sym_wins, v);
out:
	free(shdrs);
	free(hash);
	free(addr);
	free(symbolizable);
	return err;
}

/** Find the NT_GNU_BUILD_ID note in any SHT_NOTE section. */
static void read_build_id(struct vmr_vmlinux *v)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	while ((scn = elf_nextscn(v->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off, next;
		while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			off = next;
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + name_off, "GNU", 4) ||
			    nh.n_descsz == 0 || nh.n_descsz > 64)
				continue;
			const uint8_t *id = (const uint8_t *)d->d_buf + desc_off;
			for (size_t i = 0; i < nh.n_descsz; i++) {
				static const char hex[] = "0123456789abcdef";
				v->build_id[2 * i] = hex[id[i] >> 4];
				v->build_id[2 * i + 1] = hex[id[i] & 15];
			}
			v->build_id[2 * nh.n_descsz] = '\0';
			v->has_build_id = true;
			return;
		}
	}
}

static struct vmr_error *check_elf(struct vmr_vmlinux *v)
{
	if (elf_kind(v->elf) != ELF_K_ELF)
		return vmr_error_new(VMR_ERR_FORMAT, "%s: not an ELF file", v->path);
	const char *ident = elf_getident(v->elf, NULL);
	GElf_Ehdr eh;
	if (!ident || !gelf_getehdr(v->elf, &eh))
		return vmr_error_new(VMR_ERR_FORMAT, "%s: bad ELF header: %s", v->path,
				     elf_errmsg(-1));
	if (ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: not an x86_64 ELF64 little-endian file", v->path);
	if (eh.e_type != ET_EXEC)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: ELF type %u, not an executable (ET_EXEC) vmlinux",
				     v->path, (unsigned)eh.e_type);
	size_t n, shstrndx;
	if (elf_getshdrnum(v->elf, &n) || elf_getshdrstrndx(v->elf, &shstrndx))
		return vmr_error_new(VMR_ERR_FORMAT, "%s: bad section headers: %s",
				     v->path, elf_errmsg(-1));
	if (n == 0 || eh.e_shoff == 0)
		return vmr_error_new(VMR_ERR_FORMAT, "%s: no section headers", v->path);
	if (eh.e_shoff > v->file_size ||
	    (uint64_t)n * sizeof(Elf64_Shdr) > v->file_size - eh.e_shoff)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "%s: truncated: section headers at %#llx, file size %#llx",
				     v->path, (unsigned long long)eh.e_shoff,
				     (unsigned long long)v->file_size);
	/* libelf checks data against the file size only when it is read;
	 * reject a truncated file now, naming the first section it cuts. */
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(v->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return vmr_error_new(VMR_ERR_FORMAT, "%s: bad section header: %s",
					     v->path, elf_errmsg(-1));
		if (sh.sh_flags & SHF_COMPRESSED)
			v->compressed = true;
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > v->file_size || sh.sh_size > v->file_size - sh.sh_offset))
			return vmr_error_new(VMR_ERR_FORMAT,
					     "%s: truncated: section %zu ends at %#llx, file size %#llx",
					     v->path, elf_ndxscn(scn),
					     (unsigned long long)(sh.sh_offset + sh.sh_size),
					     (unsigned long long)v->file_size);
	}
	return NULL;
}

struct vmr_error *vmr_vmlinux_open(const char *path, struct vmr_vmlinux **out)
{
	*out = NULL;
	struct vmr_vmlinux *v = calloc(1, sizeof(*v));
	if (!v || !(v->path = strdup(path))) {
		free(v);
		return &vmr_enomem;
	}
	v->fd = -1;
	struct vmr_error *err = vmr_file_open_unwrapped(path, &v->fd, &v->file_size,
							&v->compressed);
	if (err)
		goto fail;
	elf_version(EV_CURRENT);
	v->elf = elf_begin(v->fd, ELF_C_READ_MMAP, NULL);
	if (!v->elf) {
		err = vmr_error_new(VMR_ERR_FORMAT, "%s: not an ELF file: %s", path,
				    elf_errmsg(-1));
		goto fail;
	}
	err = check_elf(v);
	if (!err)
		err = index_symbols(v);
	if (err)
		goto fail;
	read_build_id(v);
	*out = v;
	return NULL;
fail:
	vmr_vmlinux_close(v);
	return err;
}

void vmr_vmlinux_close(struct vmr_vmlinux *v)
{
	if (!v)
		return;
	vmr_vmlinux_dwarf_free(v);
	vmr_btf_free(v->btf);
	free(v->syms);
	vmr_symaddrs_free(&v->addrs);
	vmr_symnames_free(&v->names);
	if (v->elf)
		elf_end(v->elf);
	if (v->fd >= 0)
		close(v->fd);
	free(v->path);
	free(v);
}

const char *vmr_vmlinux_path(const struct vmr_vmlinux *v)
{
	return v->path;
}

const char *vmr_vmlinux_build_id(const struct vmr_vmlinux *v)
{
	return v->has_build_id ? v->build_id : NULL;
}

bool vmr_vmlinux_compressed(const struct vmr_vmlinux *v)
{
	return v->compressed;
}

size_t vmr_vmlinux_symbol_count(const struct vmr_vmlinux *v)
{
	return v->nsyms;
}

bool vmr_vmlinux_symbol(const struct vmr_vmlinux *v, const char *name,
			uint64_t *addr, uint64_t *size)
{
	uint32_t i;
	if (!vmr_symnames_find(&v->names, name, sym_is, (void *)v, &i))
		return false;
	if (addr)
		*addr = v->syms[i].addr;
	if (size)
		*size = v->syms[i].size;
	return true;
}

bool vmr_vmlinux_symbolize(const struct vmr_vmlinux *v, uint64_t addr,
			   const char **name, uint64_t *start, uint64_t *size,
			   char *type)
{
	size_t pos;
	uint64_t gap;
	if (!vmr_symaddrs_find(&v->addrs, addr, &pos, &gap))
		return false;
	const struct vmr_vsym *s = &v->syms[v->addrs.e[pos].sym];
	uint64_t sa = s->addr;
	uint64_t sz = gap <= VMR_MAX_SYM_GAP ? gap : s->size;
	if (addr - sa >= sz && !(sz == 0 && addr == sa))
		return false;
	if (name)
		*name = s->name;
	if (start)
		*start = sa;
	if (size)
		*size = sz;
	if (type)
		*type = s->type;
	return true;
}

struct vmr_error *vmr_vmlinux_section(struct vmr_vmlinux *v, const char *name,
				      uint64_t *addr, uint64_t *size,
				      const void **data)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(v->elf, &shstrndx))
		return vmr_error_new(VMR_ERR_FORMAT, "%s: no section names", v->path);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(v->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *sn = elf_strptr(v->elf, shstrndx, sh.sh_name);
		if (sn && !strcmp(sn, name))
			break;
	}
	if (!scn)
		return vmr_error_new(VMR_ERR_NOT_FOUND, "%s: no section %s", v->path, name);
	if (sh.sh_flags & SHF_COMPRESSED) {
		if (elf_compress(scn, 0, 0) < 0 || !gelf_getshdr(scn, &sh))
			return vmr_error_new(VMR_ERR_FORMAT, "%s: section %s: %s", v->path,
					     name, elf_errmsg(-1));
	}
	const void *bytes = NULL;
	if (sh.sh_type != SHT_NOBITS) {
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || d->d_size != sh.sh_size)
			return vmr_error_new(VMR_ERR_FORMAT, "%s: section %s: %s", v->path,
					     name, d ? "size mismatch" : elf_errmsg(-1));
		bytes = d->d_buf;
	}
	if (addr)
		*addr = sh.sh_addr;
	if (size)
		*size = sh.sh_size;
	if (data)
		*data = bytes;
	return NULL;
}

void vmr_vmlinux_set_type_source(struct vmr_vmlinux *v, enum vmr_type_source src)
{
	v->type_source = src;
}
