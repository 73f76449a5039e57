/* SPDX-License-Identifier: MIT */
/*
 * Annotation of the code locations and addresses of an oops text (with a
 * dump, or with only a vmlinux), and the triage of a dump: the crash report
 * of its kernel log, the crashing CPU and task, the crash signature.
 */
#include "triage/oops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmregion/dump.h>
#include <vmregion/printk.h>

#include "common/error.h"
#include "dwarf/modsrc.h"
#include "dwarf/vmlinux.h"
#include "owner/modules.h"
#include "region/kernel-priv.h"

/* ------------------------------------------------------------------ */
/* Annotator                                                            */

struct vmr_annotator {
	struct vmr_kernel *k;       /* borrowed, or NULL */
	struct vmr_modsrc *mods;    /* module .ko files for source lines, or NULL */
	struct vmr_vmlinux *own;    /* opened here when there is no dump */
	struct vmr_vmlinux *v;      /* in use: own or k->vmlinux, or NULL */
	bool has_slide;
	uint64_t slide;
	char how[128];
	bool la57;
};

struct vmr_error *vmr_annotator_create(struct vmr_kernel *k, const char *vmlinux,
				       struct vmr_annotator **out)
{
	struct vmr_annotator *a = calloc(1, sizeof(*a));
	if (!a)
		return &vmr_enomem;
	a->k = k;
	if (k) {
		a->v = k->vmlinux;
		const struct vmr_layout *l = vmr_kernel_layout(k);
		if (l->kaslr_offset.source != VMR_SRC_NONE) {
			a->has_slide = true;
			a->slide = l->kaslr_offset.value;
			snprintf(a->how, sizeof(a->how), "dump: %s %s",
				 vmr_source_name(l->kaslr_offset.source), l->kaslr_offset.detail);
		}
		a->la57 = l->paging_levels.value == 5;
	} else if (vmlinux) {
		struct vmr_error *err = vmr_vmlinux_open(vmlinux, &a->own);
		if (err) {
			free(a);
			return err;
		}
		a->v = a->own;
	}
	*out = a;
	return NULL;
}

void vmr_annotator_destroy(struct vmr_annotator *a)
{
	if (!a)
		return;
	vmr_vmlinux_close(a->own);
	vmr_modsrc_destroy(a->mods);
	free(a);
}

struct vmr_error *vmr_annotator_set_modules(struct vmr_annotator *a, const char *const *paths,
					    size_t n)
{
	vmr_modsrc_destroy(a->mods);
	a->mods = NULL;
	return n ? vmr_modsrc_create(paths, n, &a->mods) : NULL;
}

bool vmr_annotator_has_vmlinux(const struct vmr_annotator *a)
{
	return a->v != NULL;
}

bool vmr_annotator_slide(const struct vmr_annotator *a, uint64_t *slide, const char **how)
{
	if (a->has_slide) {
		*slide = a->slide;
		*how = a->how;
	}
	return a->has_slide;
}

void vmr_annotator_set_la57(struct vmr_annotator *a, bool la57)
{
	if (!a->k)
		a->la57 = la57;
}

/* The image is linked at 0xffffffff81000000 and slid by a multiple of 2 MiB
 * (CONFIG_PHYSICAL_ALIGN) inside the 1 GiB window. */
static bool plausible_slide(uint64_t slide)
{
	return !(slide & 0x1fffff) && slide < (1ull << 30);
}

bool vmr_annotator_learn(struct vmr_annotator *a, const struct vmr_oops_line *l)
{
	if (a->k)
		return false;
	if (l->type == VMR_OOPS_LINE_KERNEL_OFFSET) {
		bool had = a->has_slide;
		a->has_slide = true;
		a->slide = l->kernel_offset;
		snprintf(a->how, sizeof(a->how), "the text's \"Kernel Offset:\" line");
		return !had;
	}
	if (a->has_slide || !a->v)
		return false;
	if ((l->type != VMR_OOPS_LINE_FRAME && l->type != VMR_OOPS_LINE_RIP) ||
	    !l->sym.has_addr || !l->sym.has_function || l->sym.module[0])
		return false;
	uint64_t link;
	if (!vmr_vmlinux_symbol(a->v, l->sym.function, &link, NULL))
		return false;
	uint64_t slide = l->sym.addr - l->sym.offset - link;
	if (!plausible_slide(slide))
		return false;
	a->has_slide = true;
	a->slide = slide;
	snprintf(a->how, sizeof(a->how), "%.48s+0x%" PRIx64 " at 0x%016" PRIx64 " (text) and the vmlinux",
		 l->sym.function, l->sym.offset, l->sym.addr);
	return true;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* A source line (strings borrowed) into the owner form (strings copied). */
static void owner_line(const struct vmr_source_line *src, struct vmr_owner_line *out)
{
	copy(out->file, sizeof(out->file), src->file);
	out->line = src->line;
	size_t n = src->n_inlined;
	size_t max = sizeof(out->inlined) / sizeof(out->inlined[0]);
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++) {
		copy(out->inlined[i].function, sizeof(out->inlined[i].function),
		     src->inlined[i].function);
		copy(out->inlined[i].file, sizeof(out->inlined[i].file), src->inlined[i].file);
		out->inlined[i].line = src->inlined[i].line;
	}
	out->n_inlined = (unsigned)n;
}

/* Source line of the link address @p link into @p out. */
static void fill_line(struct vmr_vmlinux *v, uint64_t link, struct vmr_owner_line *out,
		      bool *has)
{
	struct vmr_source_line sl;
	struct vmr_error *err = vmr_vmlinux_source_line(v, link, &sl);
	if (err) {
		vmr_error_free(err);
		return;
	}
	*has = true;
	owner_line(&sl, out);
}

/* Runtime address of @p name in module @p module of the dump. */
static bool module_symbol_address(struct vmr_kernel *k, const char *module, const char *name,
				  uint64_t *addr, char *note, size_t notesize)
{
	const struct vmr_modules *m = vmr_modules_get(k);
	if (!m || m->unusable) {
		snprintf(note, notesize, "module list not readable%s%.100s", m ? ": " : "",
			 m ? m->why : "");
		return false;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct vmr_module *mod = &m->mods[i];
		if (strcmp(mod->name, module))
			continue;
		for (size_t s = 0; s < mod->nsyms; s++) {
			uint32_t off = mod->syms[s].name;
			if (off >= mod->strtab_len)
				continue;
			const char *sn = mod->strtab + off;
			size_t max = mod->strtab_len - off;
			size_t len = strnlen(sn, max);
			if (len < max && !strcmp(sn, name) && mod->syms[s].value) {
				*addr = mod->syms[s].value;
				return true;
			}
		}
		snprintf(note, notesize, "no symbol %.80s in module %.56s", name, module);
		return false;
	}
	snprintf(note, notesize, "module %s is not loaded in the dump", module);
	return false;
}

void vmr_annotate_location(struct vmr_annotator *a, const struct vmr_oops_symref *s,
			   bool return_address, struct vmr_code_location *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t back = return_address ? 1 : 0;
	if (s->has_function && s->module[0]) {
		if (a->k) {
			uint64_t base;
			if (module_symbol_address(a->k, s->module, s->function, &base, out->note,
						  sizeof(out->note))) {
				out->has_addr = true;
				out->addr = base + s->offset;
				out->note[0] = 0;
			}
		} else {
			snprintf(out->note, sizeof(out->note),
				 "module %.56s: load address unknown without a dump", s->module);
		}
		/* The line comes from the module's own .ko, address or not. */
		struct vmr_source_line sl;
		char why[160] = "no line information without its .ko (-m)";
		if (a->mods && vmr_modsrc_line(a->mods, s->module, s->function, s->offset,
					       s->size, return_address, &sl, why, sizeof(why))) {
			out->has_line = true;
			owner_line(&sl, &out->line);
		} else if (!out->note[0] || out->has_addr) {
			snprintf(out->note, sizeof(out->note), "%s", why);
		} else {
			size_t l = strlen(out->note);
			snprintf(out->note + l, sizeof(out->note) - l, "; %s", why);
		}
		return;
	}
	if (s->has_function) {
		uint64_t link;
		if (a->v && vmr_vmlinux_symbol(a->v, s->function, &link, NULL)) {
			out->has_link = true;
			out->link = link + s->offset;
			if (a->has_slide) {
				out->has_addr = true;
				out->addr = out->link + a->slide;
			}
			fill_line(a->v, out->link - (s->offset ? back : 0), &out->line,
				  &out->has_line);
		} else if (a->k) {
			uint64_t addr;
			struct vmr_error *err = vmr_kernel_symbol_address(a->k, s->function, &addr);
			if (err) {
				vmr_error_free(err);
				snprintf(out->note, sizeof(out->note), "%.100s: no such symbol in the dump",
					 s->function);
				return;
			}
			out->has_addr = true;
			out->addr = addr + s->offset;
		} else if (a->v) {
			snprintf(out->note, sizeof(out->note), "%.100s: not in the vmlinux", s->function);
			return;
		} else {
			return; /* no vmlinux and no dump: nothing to say */
		}
		if (a->k && out->has_addr) {
			struct vmr_symbol sym;
			if (vmr_kernel_symbolize(a->k, out->addr, &sym) && strcmp(sym.name, s->function))
				snprintf(out->note, sizeof(out->note),
					 "the dump names 0x%016" PRIx64 " %.40s+0x%" PRIx64
					 " (another symbol called %.40s?)",
					 out->addr, sym.name, out->addr - sym.addr, s->function);
		}
		return;
	}
	if (s->has_addr) {
		out->has_addr = true;
		out->addr = s->addr;
		if (a->v && a->has_slide && s->addr >= 0xffffffff80000000ull &&
		    s->addr < 0xffffffffc0000000ull) {
			out->has_link = true;
			out->link = s->addr - a->slide;
			fill_line(a->v, out->link - back, &out->line, &out->has_line);
		}
	}
}

/* Is @p addr canonical for the paging mode? */
static bool canonical(uint64_t addr, bool la57)
{
	unsigned bits = la57 ? 57 : 48;
	uint64_t top = addr >> (bits - 1);
	return top == 0 || top == (UINT64_MAX >> (bits - 1));
}

bool vmr_annotate_nodump(struct vmr_annotator *a, uint64_t addr, char *buf, size_t size)
{
	bool la57 = a->la57;
	if (!canonical(addr, la57)) {
		if (!la57 && canonical(addr, true) && (addr >> 63))
			snprintf(buf, size, "non-canonical under 4-level paging "
				 "(a kernel address if the kernel uses 5-level paging)");
		else
			snprintf(buf, size, "non-canonical");
		return true;
	}
	if (!(addr >> 63)) {
		if (addr < 0x10000)
			return false;
		snprintf(buf, size, "user");
		return true;
	}
	static const struct {
		uint64_t start, end; /* inclusive */
		const char *text;
	} fixed[] = {
		{ 0xffffffffff600000ull, 0xffffffffff600fffull, "vsyscall" },
		{ 0xffffffffff000000ull, 0xffffffffff7fffffull, "fixmap" },
		{ 0xffffffffc0000000ull, 0xfffffffffeffffffull,
		  "modules (which module: unknown without a dump)" },
		{ 0xffffffef00000000ull, 0xfffffffeffffffffull, "efi" },
		{ 0xffffff0000000000ull, 0xffffff7fffffffffull, "esp-fixup" },
		{ 0xfffffe0000000000ull, 0xfffffe7fffffffffull, "cpu-entry-area" },
	};
	if (addr >= 0xffffffff80000000ull && addr <= 0xffffffffbfffffffull) {
		if (!a->v) {
			snprintf(buf, size, "kernel-image (no vmlinux: symbol unknown)");
			return true;
		}
		if (!a->has_slide) {
			snprintf(buf, size, "kernel-image (KASLR slide unknown: symbol unknown)");
			return true;
		}
		const char *name;
		uint64_t start, ssize;
		if (!vmr_vmlinux_symbolize(a->v, addr - a->slide, &name, &start, &ssize, NULL)) {
			snprintf(buf, size, "kernel-image (no symbol)");
			return true;
		}
		int n = snprintf(buf, size, "kernel-image  %s+0x%" PRIx64, name,
				 addr - a->slide - start);
		if (ssize && n > 0 && (size_t)n < size)
			snprintf(buf + n, size - (size_t)n, "/0x%" PRIx64, ssize);
		return true;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (addr >= fixed[i].start && addr <= fixed[i].end) {
			snprintf(buf, size, "%s", fixed[i].text);
			return true;
		}
	}
	uint64_t guard_end = la57 ? 0xff0fffffffffffffull : 0xffff87ffffffffffull;
	uint64_t ldt_end = la57 ? 0xff10ffffffffffffull : 0xffff887fffffffffull;
	if (addr <= guard_end)
		snprintf(buf, size, "guard-hole");
	else if (addr <= ldt_end)
		snprintf(buf, size, "ldt-remap");
	else if (addr < 0xfffffc0000000000ull)
		snprintf(buf, size, "kernel: direct-map, vmalloc or vmemmap "
			 "(their bases are randomized: unknown without a dump)");
	else
		snprintf(buf, size, "kernel (region unknown without a dump)");
	return true;
}

/* ------------------------------------------------------------------ */
/* Triage                                                               */

struct log_walk {
	struct vmr_triage *t;
	unsigned next; /* ring position of the next line */
	uint64_t lines;
};

static void keep_line(struct log_walk *w, uint64_t ts, const char *s, size_t n)
{
	char prefix[40];
	size_t pl = vmr_printk_format_time(ts, prefix, sizeof(prefix));
	char *dst = w->t->last_lines[w->next];
	size_t size = sizeof(w->t->last_lines[0]);
	size_t k = pl < size - 1 ? pl : size - 1;
	memcpy(dst, prefix, k);
	for (size_t i = 0; i < n && k < size - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[k++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? (char)c : '.';
	}
	dst[k] = 0;
	w->next = (w->next + 1) % VMR_TRIAGE_LAST_LINES;
	w->lines++;
}

static int log_record(void *ctx, const struct vmr_printk_record *rec)
{
	struct log_walk *w = ctx;
	const char *p = rec->text, *end = rec->text + rec->text_len;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		vmr_oops_parser_feed(w->t->parser, p, (size_t)(stop - p), NULL);
		keep_line(w, rec->ts_nsec, p, (size_t)(stop - p));
		if (!nl || nl + 1 == end)
			break;
		p = nl + 1;
	}
	w->t->has_uptime = true;
	w->t->uptime_ns = rec->ts_nsec;
	return 0;
}

/* The last lines in order, oldest first. */
static void order_last_lines(struct vmr_triage *t, const struct log_walk *w)
{
	unsigned n = w->lines < VMR_TRIAGE_LAST_LINES ? (unsigned)w->lines : VMR_TRIAGE_LAST_LINES;
	if (w->lines > VMR_TRIAGE_LAST_LINES && w->next) {
		static const size_t L = sizeof(t->last_lines[0]);
		char (*tmp)[sizeof(t->last_lines[0])] = malloc(sizeof(t->last_lines));
		if (tmp) {
			for (unsigned i = 0; i < VMR_TRIAGE_LAST_LINES; i++)
				memcpy(tmp[i], t->last_lines[(w->next + i) % VMR_TRIAGE_LAST_LINES], L);
			memcpy(t->last_lines, tmp, sizeof(t->last_lines));
			free(tmp);
		}
	}
	t->n_last = n;
}

/* CPU and task of the crash: the report's CPU: line, else the last report's. */
static void find_task(struct vmr_triage *t, struct vmr_kernel *k)
{
	const struct vmr_oops_report *r = t->crash;
	size_t n = vmr_oops_parser_count(t->parser);
	const struct vmr_oops_report *last = n ? vmr_oops_parser_report(t->parser, n - 1) : NULL;
	const char *from = "the CPU: line of the crash report";
	if ((!r || !r->has_cpu) && last && last->has_cpu) {
		r = last;
		from = "the CPU: line of the last report";
	}
	struct vmr_dump *d = vmr_kernel_dump(k);
	const struct vmr_dump_info *info = vmr_dump_get_info(d);
	t->qemu = info->producer && !strcmp(info->producer, "qemu");
	if (!t->qemu) {
		const struct vmr_cpu_state *c0 = vmr_dump_cpu(d, 0);
		t->qemu = c0 && c0->has_sysregs;
	}
	if (r && r->has_cpu) {
		t->has_cpu = true;
		t->cpu = r->cpu;
		if (r->has_pid) {
			t->has_pid = true;
			t->pid = r->pid;
			snprintf(t->comm, sizeof(t->comm), "%s", r->comm);
		}
		snprintf(t->cpu_source, sizeof(t->cpu_source), "log: %s", from);
	}
	if (t->qemu || !t->has_cpu || t->cpu < 0)
		return;
	const struct vmr_cpu_state *c = vmr_dump_cpu(d, (unsigned)t->cpu);
	if (c && c->has_prstatus) {
		t->has_note_pid = true;
		t->note_pid = (int)c->pr_pid;
	}
}

struct vmr_error *vmr_triage_run(struct vmr_kernel *k, struct vmr_triage **out)
{
	struct vmr_triage *t = calloc(1, sizeof(*t));
	if (!t)
		return &vmr_enomem;
	struct vmr_error *err = vmr_oops_parser_create(&t->parser);
	if (err) {
		free(t);
		return err;
	}
	copy(t->release, sizeof(t->release), vmr_kernel_release(k));
	copy(t->build_id, sizeof(t->build_id), vmr_kernel_build_id(k));

	struct log_walk w = { .t = t };
	struct vmr_printk_stats st;
	err = vmr_printk_read(k, log_record, &w, &st, NULL);
	if (err) {
		copy(t->log_error, sizeof(t->log_error), vmr_error_message(err));
		vmr_error_free(err);
	} else {
		t->log_records = st.records;
		t->log_skipped = st.skipped;
	}
	order_last_lines(t, &w);

	t->crash = vmr_oops_parser_crash(t->parser);
	const char *panic = vmr_oops_parser_panic(t->parser);
	if (panic) {
		t->has_reason = true;
		copy(t->reason, sizeof(t->reason), panic);
	} else if (t->crash && t->crash->kind != VMR_OOPS_NONE) {
		t->has_reason = true;
		copy(t->reason, sizeof(t->reason), t->crash->title);
	}
	if (t->crash) {
		vmr_oops_signature(t->crash, &t->signature);
		t->has_signature = true;
	}
	find_task(t, k);
	*out = t;
	return NULL;
}

void vmr_triage_free(struct vmr_triage *t)
{
	if (!t)
		return;
	vmr_oops_parser_destroy(t->parser);
	free(t);
}
