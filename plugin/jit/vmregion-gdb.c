/* SPDX-License-Identifier: MIT */
/**
 * @file vmregion-gdb.c  gdb JIT reader: the kernel's ORC unwinder in gdb.
 *
 * Loaded with `jit-reader-load /ABSOLUTE/PATH/vmregion-gdb.so` (vmregion
 * gdb does it).  gdb calls unwind() for every frame before its own
 * unwinders; the reader claims frames whose pc is in the kernel's or a
 * module's ORC range (or in kernel text without ORC: frame-pointer guess;
 * any kernel address in a kernel built without ORC, whose frame pointers
 * are walked as its own unwinder does) and declines the rest (GDB_FAIL).
 * The unwind step is unwind/orc.c or unwind/fp.c, the library's; stack memory comes through gdb (target_read), ORC tables from
 * the configuration (plugin/jit/README.md): the file named by
 * VMR_GDB_CONFIG, else built here from VMREGION_DUMP and VMREGION_VMLINUX
 * (set by `vmregion gdb`) with libvmregion.
 *
 * gdb facts (../shared/reference/gdb-integration, C1-C4): DWARF register
 * numbers, values from reg_get are ours to free, reg_set values are freed
 * by gdb inside reg_set, a stack ends with rip = 0, and frame ids carry a
 * stack rank in bits 60-63 (exception < irq < task < user) so that a switch
 * to a lower-addressed outer stack is not "inner to this frame".
 * VMR_GDB_LOG=1 logs each frame on stderr.
 */
#include <gdb/jit-reader.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmregion/vmregion.h>

#include "plugin/jit/config.h"
#include "unwind/orc-priv.h"

GDB_DECLARE_GPL_COMPATIBLE_READER

enum { DW_RAX = 0, DW_RDX = 1, DW_RCX = 2, DW_RBX = 3, DW_RSI = 4, DW_RDI = 5, DW_RBP = 6,
       DW_RSP = 7, DW_R8 = 8, DW_RIP = 16, DW_EFLAGS = 49, DW_CS = 51, DW_SS = 52 };

/* pt_regs word -> DWARF number (-1: none) and size in gdb */
static const struct { int dw, size; } pt_dw[VMR_ORC_NREGS] = {
	[VMR_PT_R15] = { 15, 8 }, [VMR_PT_R14] = { 14, 8 }, [VMR_PT_R13] = { 13, 8 },
	[VMR_PT_R12] = { 12, 8 }, [VMR_PT_BP] = { DW_RBP, 8 }, [VMR_PT_BX] = { DW_RBX, 8 },
	[VMR_PT_R11] = { 11, 8 }, [VMR_PT_R10] = { 10, 8 }, [VMR_PT_R9] = { 9, 8 },
	[VMR_PT_R8] = { DW_R8, 8 }, [VMR_PT_AX] = { DW_RAX, 8 }, [VMR_PT_CX] = { DW_RCX, 8 },
	[VMR_PT_DX] = { DW_RDX, 8 }, [VMR_PT_SI] = { DW_RSI, 8 }, [VMR_PT_DI] = { DW_RDI, 8 },
	[VMR_PT_ORIG_AX] = { -1, 0 }, [VMR_PT_IP] = { DW_RIP, 8 }, [VMR_PT_CS] = { DW_CS, 4 },
	[VMR_PT_FLAGS] = { DW_EFLAGS, 4 }, [VMR_PT_SP] = { DW_RSP, 8 }, [VMR_PT_SS] = { DW_SS, 4 },
};

#define CACHE_SIZE 4096
#define MAX_IRQ_STACKS 8192
#define RANK_MASK ((1ULL << 60) - 1)

/* What we know about a frame we produced (or looked at): key (pc, sp). */
struct frame_note {
	uint64_t pc, sp;
	uint64_t cfa;
	uint8_t used, signal, user, has_cfa;
};

struct reader {
	bool ok;
	int log;
	struct vmr_orc_table *tabs;
	size_t ntabs;
	uint64_t exc_lo, exc_hi;
	struct { uint64_t lo, hi; } *irq;
	size_t nirq;
	bool fp;                 /* no ORC in this kernel: frame pointers */
	uint64_t text_lo, text_hi, thread_size;
	struct frame_note notes[CACHE_SIZE];
	struct gdb_unwind_callbacks *cb; /* during one callback */
};

static struct reader R;

static struct frame_note *note(uint64_t pc, uint64_t sp, bool create)
{
	uint64_t h = (pc * 0x9e3779b97f4a7c15ULL) ^ (sp * 0xc2b2ae3d27d4eb4fULL);
	struct frame_note *n = &R.notes[(h >> 32) % CACHE_SIZE];
	if (n->used && n->pc == pc && n->sp == sp)
		return n;
	if (!create)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->used = 1;
	n->pc = pc;
	n->sp = sp;
	return n;
}

/* ---- configuration ---- */

static int parse_config(const char *buf, size_t len)
{
	const char *end = NULL;
	for (size_t i = 0; i + 4 <= len; i++)
		if ((i == 0 || buf[i - 1] == '\n') && !memcmp(buf + i, "end\n", 4)) {
			end = buf + i + 4;
			break;
		}
	if (!end || len < 22 || memcmp(buf, "vmregion-gdb-config 1\n", 22))
		return -1;
	const char *blob = end;
	size_t blob_len = len - (size_t)(end - buf), data = 0;
	char line[512];
	for (const char *p = buf; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p) < sizeof(line) - 1 ? (size_t)(nl - p) : sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = 0;
		p = nl + 1;
		char name[64];
		unsigned long long lo, hi;
		size_t cnt, off;
		unsigned int cpu;
		unsigned long long ts;
		if (sscanf(line, "frame_pointers %llx %llx %llx", &lo, &hi, &ts) == 3) {
			if (lo >= hi || !ts || ts & (ts - 1))
				return -1;
			R.fp = true;
			R.text_lo = lo;
			R.text_hi = hi;
			R.thread_size = ts;
		} else if (sscanf(line, "exception_area %llx %llx", &lo, &hi) == 2) {
			R.exc_lo = lo;
			R.exc_hi = hi;
		} else if (sscanf(line, "irq_stack %u %llx %llx", &cpu, &lo, &hi) == 3) {
			if (R.nirq >= MAX_IRQ_STACKS)
				continue;
			void *q = realloc(R.irq, (R.nirq + 1) * sizeof(*R.irq));
			if (!q)
				return -1;
			R.irq = q;
			R.irq[R.nirq].lo = lo;
			R.irq[R.nirq++].hi = hi;
		} else if (sscanf(line, "table %63s %llx %llx %zu %zu", name, &lo, &hi, &cnt, &off) == 5) {
			size_t bytes = cnt * (sizeof(uint64_t) + sizeof(struct vmr_orc_entry));
			if (!cnt || cnt > VMR_ORC_MAX_ENTRIES || off > blob_len || bytes > blob_len - off)
				return -1;
			void *q = realloc(R.tabs, (R.ntabs + 1) * sizeof(*R.tabs));
			if (!q)
				return -1;
			R.tabs = q;
			struct vmr_orc_table *t = &R.tabs[R.ntabs];
			memset(t, 0, sizeof(*t));
			snprintf(t->name, sizeof(t->name), "%s", name);
			t->lo = lo;
			t->hi = hi;
			t->ip = malloc(cnt * sizeof(*t->ip));
			t->e = malloc(cnt * sizeof(*t->e));
			if (!t->ip || !t->e) {
				vmr_orc_table_fini(t);
				return -1;
			}
			memcpy(t->ip, blob + off, cnt * sizeof(*t->ip));
			memcpy(t->e, blob + off + cnt * sizeof(*t->ip), cnt * sizeof(*t->e));
			t->n = cnt;
			for (size_t i = 1; i < cnt; i++)
				if (t->ip[i] < t->ip[i - 1]) {
					vmr_orc_table_fini(t);
					return -1;
				}
			/* the vmlinux table: 256-byte slots as the kernel's .orc_lookup
			 * (a failure leaves the binary search over the whole table) */
			if (!R.ntabs)
				vmr_orc_table_build_lookup(t, t->lo, t->hi);
			R.ntabs++;
		} else if (sscanf(line, "data %zu", &data) == 1 && data > blob_len) {
			return -1; /* truncated */
		}
	}
	return R.ntabs || R.fp ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 1 << 20;
			char *q = realloc(buf, cap);
			if (!q) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = q;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	*len = n;
	return buf;
}

static void load(void)
{
	const char *cfg = getenv("VMR_GDB_CONFIG"), *dump = getenv("VMREGION_DUMP");
	char *buf = NULL;
	size_t len = 0;
	if (cfg) {
		buf = slurp(cfg, &len);
		if (!buf) {
			fprintf(stderr, "vmregion-gdb: %s: cannot read; kernel frames left to gdb\n", cfg);
			return;
		}
	} else if (dump) {
		struct vmr_dump *d = NULL;
		struct vmr_kernel *k = NULL;
		const char *vml = getenv("VMREGION_VMLINUX");
		struct vmr_error *err = vmr_dump_open(dump, &d);
		if (!err)
			err = vmr_kernel_open(d, vml && *vml ? vml : NULL, &k);
		if (!err)
			err = vmr_gdb_config_build(k, &buf, &len);
		if (err) {
			fprintf(stderr, "vmregion-gdb: %s; kernel frames left to gdb\n",
				vmr_error_message(err));
			vmr_error_free(err);
		}
		vmr_kernel_close(k);
		vmr_dump_close(d);
		if (!buf)
			return;
	} else {
		fprintf(stderr, "vmregion-gdb: neither VMR_GDB_CONFIG nor VMREGION_DUMP is set; "
				"kernel frames left to gdb\n");
		return;
	}
	if (parse_config(buf, len))
		fprintf(stderr, "vmregion-gdb: %s: corrupt configuration; kernel frames left to gdb\n",
			cfg ? cfg : "built");
	else
		R.ok = true;
	free(buf);
}

/* ---- callbacks for the ORC core ---- */

static bool rd(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct gdb_unwind_callbacks *cb = ctx;
	return len <= 4096 && cb->target_read(addr, buf, (int)len) == GDB_SUCCESS;
}

static const struct vmr_orc_table *table_of(uint64_t ip)
{
	for (size_t i = 0; i < R.ntabs; i++)
		if (ip >= R.tabs[i].lo && ip < R.tabs[i].hi)
			return &R.tabs[i];
	return NULL;
}

static const struct vmr_orc_entry *find(void *ctx, uint64_t ip)
{
	(void)ctx;
	const struct vmr_orc_table *t = table_of(ip);
	return t ? vmr_orc_table_find(t, ip) : NULL;
}

/* ---- gdb registers ---- */

static bool get(struct gdb_unwind_callbacks *cb, int dw, uint64_t *out)
{
	struct gdb_reg_value *v = cb->reg_get(cb, dw);
	if (!v)
		return false;
	bool ok = v->defined && v->size > 0 && v->size <= 8;
	if (ok) {
		*out = 0;
		memcpy(out, v->value, (size_t)v->size);
	}
	if (v->free)
		v->free(v);
	return ok;
}

static void free_value(struct gdb_reg_value *v)
{
	free(v);
}

static void set(struct gdb_unwind_callbacks *cb, int dw, uint64_t val, int size)
{
	struct gdb_reg_value *v = malloc(sizeof(*v) + 8);
	if (!v)
		return;
	v->size = size;
	v->defined = 1;
	v->free = free_value;
	memcpy(v->value, &val, 8);
	cb->reg_set(cb, dw, v); /* gdb copies and frees it right here */
}

/* The state of the frame gdb asks about. */
static bool this_frame(struct gdb_unwind_callbacks *cb, struct vmr_orc_state *s)
{
	memset(s, 0, sizeof(*s));
	if (!get(cb, DW_RIP, &s->ip) || !get(cb, DW_RSP, &s->sp) || !get(cb, DW_RBP, &s->bp))
		return false;
	for (unsigned int i = 0; i < VMR_ORC_NREGS; i++)
		if (pt_dw[i].dw >= 0 && get(cb, pt_dw[i].dw, &s->regs[i]))
			s->regs_mask |= 1u << i;
	struct frame_note *n = note(s->ip, s->sp, false);
	s->signal = n ? n->signal : true; /* a frame we did not make: the CPU's registers */
	s->user = n ? n->user : false;
	s->reliable = true;
	return true;
}

static bool claimed(uint64_t pc)
{
	if (R.fp)
		return pc && vmr_orc_kernel_addr(pc);
	return pc && vmr_orc_kernel_addr(pc) && (table_of(pc) || (R.ntabs && pc >= R.tabs[0].lo &&
								   pc < R.tabs[0].hi));
}

/* The top of sp's stack for the frame-pointer step: an IRQ stack's, else
 * a task stack's (THREAD_SIZE-aligned); 0 on exception stacks. */
static uint64_t stack_top(uint64_t sp)
{
	if (sp >= R.exc_lo && sp < R.exc_hi)
		return 0;
	for (size_t i = 0; i < R.nirq; i++)
		if (sp >= R.irq[i].lo && sp < R.irq[i].hi)
			return R.irq[i].hi;
	return (sp | (R.thread_size - 1)) + 1;
}

static enum vmr_orc_status step(const struct vmr_orc_ops *ops, struct vmr_orc_state *s,
				char *why, size_t whylen)
{
	return vmr_kernel_unwind_step(ops, s, R.fp, R.fp ? stack_top(s->sp) : 0, why, whylen);
}

static enum gdb_status do_unwind(struct gdb_reader_funcs *self, struct gdb_unwind_callbacks *cb)
{
	(void)self;
	struct vmr_orc_state s;
	if (!R.ok || !this_frame(cb, &s) || !s.ip)
		return GDB_FAIL;
	uint64_t pc = s.ip, sp = s.sp;
	struct frame_note *mine = note(pc, sp, false);
	if (!(mine && mine->user) && !claimed(pc))
		return GDB_FAIL;
	struct vmr_orc_ops ops = { .read = rd, .find = find, .ctx = cb };
	char why[160] = "";
	enum vmr_orc_status st = step(&ops, &s, why, sizeof(why));
	struct frame_note *me = note(pc, sp, true);
	if (st != VMR_ORC_OK) {
		/* end of the stack (or an error): one "0x0 in ??" frame, no error;
		 * its sp and bp point at kernel text (readable, and above every
		 * ranked id) so that gdb's own id for it is outer to this one */
		if (R.log)
			fprintf(stderr, "vmregion-gdb: pc %#llx sp %#llx: %s\n", (unsigned long long)pc,
				(unsigned long long)sp, why);
		me->cfa = sp;
		me->has_cfa = 1;
		uint64_t text = R.fp ? R.text_lo : R.tabs[0].lo;
		set(cb, DW_RIP, 0, 8);
		set(cb, DW_RSP, text, 8);
		set(cb, DW_RBP, text, 8);
		return GDB_SUCCESS;
	}
	me->cfa = s.cfa;
	me->has_cfa = 1;
	if (s.kind == VMR_ORC_KIND_REGS || s.kind == VMR_ORC_KIND_PARTIAL)
		for (unsigned int i = 0; i < VMR_ORC_NREGS; i++)
			if (pt_dw[i].dw >= 0 && i != VMR_PT_IP && i != VMR_PT_SP && i != VMR_PT_BP &&
			    (s.regs_mask & (1u << i)))
				set(cb, pt_dw[i].dw, s.regs[i], pt_dw[i].size);
	set(cb, DW_RIP, s.ip, 8);
	set(cb, DW_RSP, s.sp, 8);
	set(cb, DW_RBP, s.bp, 8);
	struct frame_note *caller = note(s.ip, s.sp, true);
	caller->signal = s.signal;
	caller->user = s.user;
	if (R.log)
		fprintf(stderr, "vmregion-gdb: pc %#llx sp %#llx -> %s pc %#llx sp %#llx%s\n",
			(unsigned long long)pc, (unsigned long long)sp,
			s.kind == VMR_ORC_KIND_CALL ? "call" : s.kind == VMR_ORC_KIND_REGS ? "regs" : "iret",
			(unsigned long long)s.ip, (unsigned long long)s.sp, s.user ? " (user)" : "");
	return GDB_SUCCESS;
}

static uint64_t rank(uint64_t addr)
{
	if (!vmr_orc_kernel_addr(addr))
		return 4; /* user */
	if (addr >= R.exc_lo && addr < R.exc_hi)
		return 1;
	for (size_t i = 0; i < R.nirq; i++)
		if (addr >= R.irq[i].lo && addr < R.irq[i].hi)
			return 2;
	return 3;
}

static struct gdb_frame_id do_frame_id(struct gdb_reader_funcs *self,
				       struct gdb_unwind_callbacks *cb)
{
	(void)self;
	struct gdb_frame_id id = { 0, 0 };
	uint64_t pc = 0, sp = 0;
	get(cb, DW_RIP, &pc);
	get(cb, DW_RSP, &sp);
	uint64_t cfa = sp;
	struct frame_note *n = note(pc, sp, false);
	if (n && n->has_cfa) {
		cfa = n->cfa;
	} else {
		struct vmr_orc_state s;
		struct vmr_orc_ops ops = { .read = rd, .find = find, .ctx = cb };
		if (this_frame(cb, &s) && step(&ops, &s, NULL, 0) == VMR_ORC_OK)
			cfa = s.cfa;
	}
	id.code_address = pc;
	id.stack_address = rank(cfa) << 60 | (cfa & RANK_MASK);
	return id;
}

static enum gdb_status do_read(struct gdb_reader_funcs *self, struct gdb_symbol_callbacks *cb,
			       void *memory, long memory_sz)
{
	(void)self;
	(void)cb;
	(void)memory;
	(void)memory_sz;
	return GDB_FAIL; /* no JIT symbol files */
}

static void do_destroy(struct gdb_reader_funcs *self)
{
	(void)self;
	for (size_t i = 0; i < R.ntabs; i++)
		vmr_orc_table_fini(&R.tabs[i]);
	free(R.tabs);
	free(R.irq);
	memset(&R, 0, sizeof(R));
}

static struct gdb_reader_funcs funcs = {
	.reader_version = GDB_READER_INTERFACE_VERSION,
	.read = do_read,
	.unwind = do_unwind,
	.get_frame_id = do_frame_id,
	.destroy = do_destroy,
};

struct gdb_reader_funcs *gdb_init_reader(void)
{
	const char *l = getenv("VMR_GDB_LOG");
	memset(&R, 0, sizeof(R));
	R.log = l ? atoi(l) : 0;
	load();
	return &funcs;
}
