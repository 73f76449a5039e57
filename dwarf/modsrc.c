/* SPDX-License-Identifier: MIT */
/* Source lines of module code from the modules' .ko files (modsrc.h). */
#define _GNU_SOURCE
#include "dwarf/modsrc.h"

#include <dirent.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "dwarf/vmlinux-priv.h"

/* Directory levels searched for MODULE.ko (/lib/modules/R/kernel/drivers/x/y). */
#define MODSRC_MAX_DEPTH 6
/* Most bytes of alignment between a function and the next symbol. */
#define MODSRC_MAX_PADDING 64
/* Modules kept open (a trace names a handful). */
#define MODSRC_MAX_OPEN 64

struct opened {
	char name[64];           /* module name as the kernel prints it */
	Dwfl *dwfl;              /* NULL: not found or unreadable (why) */
	Dwfl_Module *mod;
	char why[160];
};

struct vmr_modsrc {
	char **paths;
	size_t npaths;
	struct opened open[MODSRC_MAX_OPEN];
	size_t nopen;
};

/* The kernel's module names use '_' where file names may use '-'. */
static bool same_module(const char *file, size_t len, const char *module)
{
	size_t n = strlen(module);
	if (len != n + 3 || strcmp(file + n, ".ko"))
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = file[i] == '-' ? '_' : file[i], b = module[i] == '-' ? '_' : module[i];
		if (a != b)
			return false;
	}
	return true;
}

/* @p dir/.../MODULE.ko, depth-first; @return a new path or NULL. */
static char *search(const char *dir, const char *module, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char *found = NULL;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			break;
		struct stat st;
		if (stat(p, &st)) {
			free(p);
			continue;
		}
		if (S_ISREG(st.st_mode) && same_module(e->d_name, strlen(e->d_name), module)) {
			found = p;
			break;
		}
		if (S_ISDIR(st.st_mode) && depth < MODSRC_MAX_DEPTH)
			found = search(p, module, depth + 1);
		free(p);
	}
	closedir(d);
	return found;
}

static char *find_ko(const struct vmr_modsrc *m, const char *module)
{
	for (size_t i = 0; i < m->npaths; i++) {
		const char *p = m->paths[i], *base = strrchr(p, '/');
		base = base ? base + 1 : p;
		struct stat st;
		if (stat(p, &st))
			continue;
		if (S_ISREG(st.st_mode) && same_module(base, strlen(base), module))
			return strdup(p);
		if (S_ISDIR(st.st_mode)) {
			char *f = search(p, module, 0);
			if (f)
				return f;
		}
	}
	return NULL;
}

/* The .ko carries its DWARF: no separate debuginfo file is looked for. */
static int no_separate_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
				 Dwarf_Addr base, const char *file, const char *debuglink,
				 GElf_Word crc, char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file, (void)debuglink;
	(void)crc, (void)debuginfo_file_name;
	return -1;
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = no_separate_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static struct opened *open_module(struct vmr_modsrc *m, const char *module)
{
	for (size_t i = 0; i < m->nopen; i++)
		if (!strcmp(m->open[i].name, module))
			return &m->open[i];
	if (m->nopen == MODSRC_MAX_OPEN || strlen(module) >= sizeof(m->open[0].name))
		return NULL;
	struct opened *o = &m->open[m->nopen++];
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", module);
	char *path = find_ko(m, module);
	if (!path) {
		snprintf(o->why, sizeof(o->why), "no %.60s.ko in the module paths", module);
		return o;
	}
	o->dwfl = dwfl_begin(&offline_callbacks);
	o->mod = o->dwfl ? dwfl_report_offline(o->dwfl, module, path, -1) : NULL;
	if (o->dwfl)
		dwfl_report_end(o->dwfl, NULL, NULL);
	Dwarf_Addr bias;
	if (!o->mod || !dwfl_module_getdwarf(o->mod, &bias)) {
		snprintf(o->why, sizeof(o->why), "%.100s: no DWARF (%.40s)", path,
			 dwfl_errmsg(-1) ? dwfl_errmsg(-1) : "?");
		if (o->dwfl)
			dwfl_end(o->dwfl);
		o->dwfl = NULL;
		o->mod = NULL;
	}
	free(path);
	return o;
}

struct vmr_error *vmr_modsrc_create(const char *const *paths, size_t n,
				    struct vmr_modsrc **out)
{
	struct vmr_modsrc *m = calloc(1, sizeof(*m));
	if (!m || (n && !(m->paths = calloc(n, sizeof(*m->paths))))) {
		free(m);
		return &vmr_enomem;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(m->paths[i] = strdup(paths[i]))) {
			m->npaths = i;
			vmr_modsrc_destroy(m);
			return &vmr_enomem;
		}
	}
	m->npaths = n;
	*out = m;
	return NULL;
}

void vmr_modsrc_destroy(struct vmr_modsrc *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nopen; i++)
		if (m->open[i].dwfl)
			dwfl_end(m->open[i].dwfl);
	for (size_t i = 0; i < m->npaths; i++)
		free(m->paths[i]);
	free(m->paths);
	free(m);
}

bool vmr_modsrc_line(struct vmr_modsrc *m, const char *module, const char *function,
		     uint64_t offset, uint64_t size, bool return_address,
		     struct vmr_source_line *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	struct opened *o = m ? open_module(m, module) : NULL;
	if (!o) {
		snprintf(why, whylen, "module %.60s: too many modules asked for", module);
		return false;
	}
	if (!o->mod) {
		snprintf(why, whylen, "%s", o->why);
		return false;
	}
	int nsyms = dwfl_module_getsymtab(o->mod);
	GElf_Addr addr = 0;
	bool found = false;
	for (int i = 0; i < nsyms && !found; i++) {
		GElf_Sym sym;
		GElf_Addr a;
		const char *name = dwfl_module_getsym_info(o->mod, i, &sym, &a, NULL, NULL, NULL);
		if (!name || GELF_ST_TYPE(sym.st_info) != STT_FUNC || strcmp(name, function))
			continue;
		/* The kernel prints the distance to the next symbol: the
		 * function plus its alignment padding. */
		if (size && (sym.st_size > size || size - sym.st_size > MODSRC_MAX_PADDING)) {
			snprintf(why, whylen, "%.60s.ko is not the loaded module: %.60s is 0x%llx "
				 "bytes there, 0x%llx in the trace", module, function,
				 (unsigned long long)sym.st_size, (unsigned long long)size);
			return false;
		}
		/* A return address may be the function's end: the return of
		 * a noreturn call made last (it is looked up one byte back). */
		if (sym.st_size && (offset > sym.st_size ||
				    (offset == sym.st_size && !return_address))) {
			snprintf(why, whylen, "offset 0x%llx is past %.60s", (unsigned long long)offset,
				 function);
			return false;
		}
		addr = a;
		found = true;
	}
	if (!found) {
		snprintf(why, whylen, "no function %.60s in %.60s.ko", function, module);
		return false;
	}
	GElf_Addr at = addr + offset - (return_address && offset);
	/* The unit's DIEs give the line and the chain of inlined calls, as
	 * for vmlinux frames; dwfl's line table alone is the fallback. */
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = dwfl_module_addrdie(o->mod, at, &bias);
	bool has_line = false;
	if (cu && vmr_dwarf_line_in_unit(cu, at - bias, NULL, out, &has_line) && has_line && out->file &&
	    out->line > 0)
		return true;
	memset(out, 0, sizeof(*out));
	Dwfl_Line *line = dwfl_module_getsrc(o->mod, at);
	int lineno = 0, col = 0;
	const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, &col, NULL, NULL) : NULL;
	if (!file || lineno <= 0) {
		snprintf(why, whylen, "%.60s.ko has no line for %.60s+0x%llx", module, function,
			 (unsigned long long)offset);
		return false;
	}
	out->file = file;
	out->line = lineno;
	out->column = col;
	return true;
}
