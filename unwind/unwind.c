/* SPDX-License-Identifier: MIT */
/**
 * @file unwind.c  The library's unwinder (include/vmregion/unwind.h): the
 * ORC core (orc.c) over a struct vmr_kernel — tables from the vmlinux or
 * the dump's memory, module tables on first use, stacks from the owner
 * layer for the same-stack and visited-once checks.
 */
#include <vmregion/unwind.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/grow.h"
#include "dwarf/vmlinux.h"
#include "owner/modules_orc.h"
#include "owner/owner-priv.h"
#include "region/kernel-priv.h"
#include "region/types.h"
#include "unwind/orc-priv.h"
#include "unwind/unwind-priv.h"

#define MAX_MODULE_ORCS (1u << 20)

void vmr_unwinder_close(struct vmr_unwinder *uw)
{
	if (!uw)
		return;
	vmr_orc_table_fini(&uw->vmlinux);
	for (size_t i = 0; i < uw->nmods; i++)
		vmr_orc_table_fini(&uw->mods[i].t);
	free(uw->mods);
	free(uw);
}

int vmr_unwinder_format(const struct vmr_unwinder *uw, const char **how)
{
	if (how)
		*how = uw->fmt_how;
	return (int)uw->fmt;
}

const char *vmr_unwinder_method(const struct vmr_unwinder *uw)
{
	return uw->fp ? "frame pointers" : "ORC";
}

size_t vmr_unwinder_entries(const struct vmr_unwinder *uw)
{
	return uw->vmlinux.n;
}

static bool sym(struct vmr_kernel *k, const char *name, uint64_t *addr)
{
	return vmr_kernel_find_symbol(k, name, addr, NULL);
}

/* The raw vmlinux arrays, from the file or from memory (malloc'd copies). */
static struct vmr_error *raw_tables(struct vmr_kernel *k, uint64_t *ip_addr, uint8_t **ips,
				    uint8_t **ents, size_t *n, uint8_t hash[20], bool *has_hash)
{
	uint64_t a, s1, s2;
	const void *d1, *d2, *dh;
	*has_hash = false;
	if (k->vmlinux &&
	    !vmr_vmlinux_section(k->vmlinux, ".orc_unwind_ip", &a, &s1, &d1) &&
	    !vmr_vmlinux_section(k->vmlinux, ".orc_unwind", NULL, &s2, &d2) && d1 && d2) {
		if (s1 % 4 || s2 % 6 || s1 / 4 != s2 / 6)
			return vmr_error_new(VMR_ERR_FORMAT,
					     "vmlinux: ORC sections disagree (%llu ip bytes, %llu entry bytes)",
					     (unsigned long long)s1, (unsigned long long)s2);
		*n = s1 / 4;
		*ip_addr = a + k->layout.kaslr_offset.value;
		*ips = malloc(s1 ? s1 : 1);
		*ents = malloc(s2 ? s2 : 1);
		if (!*ips || !*ents)
			return &vmr_enomem;
		memcpy(*ips, d1, s1);
		memcpy(*ents, d2, s2);
		uint64_t hs;
		/* .orc_header (6.4+) is optional: older kernels have none. */
		struct vmr_error *herr = vmr_vmlinux_section(k->vmlinux, ".orc_header", NULL, &hs,
							     &dh);
		if (!herr && dh && hs == 20) {
			memcpy(hash, dh, 20);
			*has_hash = true;
		}
		vmr_error_free(herr);
		return NULL;
	}
	uint64_t ip0, ip1, e0, e1;
	if (!sym(k, "__start_orc_unwind_ip", &ip0) || !sym(k, "__stop_orc_unwind_ip", &ip1) ||
	    !sym(k, "__start_orc_unwind", &e0) || !sym(k, "__stop_orc_unwind", &e1))
		return vmr_error_new(VMR_ERR_NOT_FOUND,
				     "no ORC tables (no __start_orc_unwind_ip symbol)");
	if (ip1 < ip0 || e1 < e0 || (ip1 - ip0) % 4 || (e1 - e0) % 6 ||
	    (ip1 - ip0) / 4 != (e1 - e0) / 6 || (ip1 - ip0) / 4 > VMR_ORC_MAX_ENTRIES)
		return vmr_error_new(VMR_ERR_FORMAT,
				     "ORC tables in memory disagree (ip %#llx-%#llx, entries %#llx-%#llx)",
				     (unsigned long long)ip0, (unsigned long long)ip1,
				     (unsigned long long)e0, (unsigned long long)e1);
	*n = (ip1 - ip0) / 4;
	*ip_addr = ip0;
	*ips = malloc(ip1 - ip0 + 1);
	*ents = malloc(e1 - e0 + 1);
	if (!*ips || !*ents)
		return &vmr_enomem;
	struct vmr_error *err = vmr_kernel_read(k, ip0, *ips, ip1 - ip0);
	if (!err)
		err = vmr_kernel_read(k, e0, *ents, e1 - e0);
	if (err)
		return vmr_error_prefix(err, "ORC tables");
	uint64_t h0, h1;
	if (sym(k, "__start_orc_header", &h0) && sym(k, "__stop_orc_header", &h1) &&
	    h1 - h0 == 20) {
		struct vmr_error *e = vmr_kernel_read(k, h0, hash, 20);
		*has_hash = !e;
		vmr_error_free(e);
	}
	return NULL;
}

/*
 * The vmlinux table's fast lookup: the kernel's .orc_lookup, which
 * unwind_init() fills at boot (so it is read from the dump's memory, the
 * vmlinux file holds zeros), checked by vmr_orc_table_set_lookup(); else
 * the same table built from the entries.  Lookups outside [_stext, _etext)
 * (init text) stay binary searches, as in the kernel.
 */
static void fast_lookup(struct vmr_unwinder *uw)
{
	struct vmr_kernel *k = uw->k;
	struct vmr_orc_table *t = &uw->vmlinux;
	uint64_t stext, etext, l0, l1;
	char why[200] = "";
	if (!sym(k, "_stext", &stext) || !sym(k, "_etext", &etext) || etext <= stext) {
		snprintf(uw->lookup_how, sizeof(uw->lookup_how), "none (no _stext/_etext)");
		return;
	}
	if (sym(k, "orc_lookup", &l0) && sym(k, "orc_lookup_end", &l1) && l1 > l0 &&
	    (l1 - l0) % 4 == 0 && (l1 - l0) / 4 <= VMR_ORC_MAX_LOOKUP) {
		size_t nblocks = (size_t)((l1 - l0) / 4);
		uint8_t *raw = malloc(l1 - l0);
		struct vmr_error *err = raw ? vmr_kernel_read(k, l0, raw, l1 - l0) : NULL;
		if (raw && !err && !vmr_orc_table_set_lookup(t, stext, raw, nblocks, why,
							      sizeof(why))) {
			snprintf(uw->lookup_how, sizeof(uw->lookup_how),
				 ".orc_lookup from memory (%zu slots)", nblocks);
			free(raw);
			return;
		}
		if (err)
			snprintf(why, sizeof(why), "%s", vmr_error_message(err));
		vmr_error_free(err);
		free(raw);
	} else {
		snprintf(why, sizeof(why), "no orc_lookup symbols");
	}
	if (!vmr_orc_table_build_lookup(t, stext, etext))
		snprintf(uw->lookup_how, sizeof(uw->lookup_how), "built from the entries (%.120s)",
			 why);
	else
		snprintf(uw->lookup_how, sizeof(uw->lookup_how), "none (%.140s)", why);
}

/*
 * A kernel whose unwinder is the frame-pointer one: it has that unwinder's
 * functions (unwind_frame.c) and not unwind_orc.c's.  Without symbols at
 * all nothing is known: no unwinder then.
 */
static bool frame_pointer_kernel(struct vmr_kernel *k)
{
	uint64_t a;
	return !sym(k, "unwind_init", &a) && !sym(k, "orc_init", &a) &&
	       (sym(k, "unwind_next_frame", &a) || sym(k, "__unwind_start", &a));
}

struct vmr_error *vmr_unwinder_open(struct vmr_kernel *k, struct vmr_unwinder **out)
{
	*out = NULL;
	struct vmr_unwinder *uw = calloc(1, sizeof(*uw));
	if (!uw)
		return &vmr_enomem;
	uw->k = k;
	uint8_t *ips = NULL, *ents = NULL, hash[20];
	uint64_t ip_addr = 0;
	size_t n = 0;
	bool has_hash;
	struct vmr_error *err = raw_tables(k, &ip_addr, &ips, &ents, &n, hash, &has_hash);
	if (err && vmr_error_code(err) == VMR_ERR_NOT_FOUND && frame_pointer_kernel(k)) {
		/* CONFIG_UNWINDER_FRAME_POINTER: walk the bp chain as it does. */
		vmr_error_free(err);
		uw->fp = true;
		snprintf(uw->fmt_how, sizeof(uw->fmt_how), "no ORC in this kernel: frame pointers");
		snprintf(uw->lookup_how, sizeof(uw->lookup_how), "none (frame pointers)");
		if (!sym(k, "ret_from_fork_asm", &uw->ret_from_fork))
			sym(k, "ret_from_fork", &uw->ret_from_fork);
		*out = uw;
		return NULL;
	}
	if (err)
		goto fail;
	/* The format: .orc_header when present, else the layout of the entries
	 * (a 6.1 or early 6.3 kernel has no header). */
	enum vmr_orc_format guess = vmr_orc_format_guess(ents, n);
	uw->fmt = has_hash ? vmr_orc_format_from_hash(hash) : VMR_ORC_FMT_UNKNOWN;
	snprintf(uw->fmt_how, sizeof(uw->fmt_how), "orc_header");
	if (uw->fmt == VMR_ORC_FMT_UNKNOWN) {
		uw->fmt = guess;
		snprintf(uw->fmt_how, sizeof(uw->fmt_how), "%s",
			 has_hash ? "layout evidence (unknown orc_header hash)" : "layout evidence");
	} else if (guess != uw->fmt) {
		vmr_layout_warn(&k->layout, "ORC: orc_header says format %d, entries look like %d",
				uw->fmt, guess);
	}
	uint64_t lo = 0, hi = 0, t;
	if (n) {
		/* [first IP, max(last IP + 1, _etext, _einittext)) */
		int32_t first, last;
		memcpy(&first, ips, 4);
		memcpy(&last, ips + 4 * (n - 1), 4);
		lo = ip_addr + (uint64_t)(int64_t)first;
		hi = ip_addr + 4 * (n - 1) + (uint64_t)(int64_t)last + 1;
		if (sym(k, "_etext", &t) && t > hi && t - hi < (1ULL << 30))
			hi = t;
		if (sym(k, "_einittext", &t) && t > hi && t - hi < (1ULL << 30))
			hi = t;
	}
	char why[200];
	if (vmr_orc_table_init(&uw->vmlinux, "vmlinux", ip_addr, ips, ents, n, uw->fmt, lo, hi,
			       why, sizeof(why))) {
		err = strcmp(why, "out of memory") ? vmr_error_new(VMR_ERR_FORMAT, "%s", why)
						   : &vmr_enomem;
		goto fail;
	}
	fast_lookup(uw);
	if (!sym(k, "ret_from_fork_asm", &uw->ret_from_fork))
		sym(k, "ret_from_fork", &uw->ret_from_fork);
	free(ips);
	free(ents);
	*out = uw;
	return NULL;
fail:
	free(ips);
	free(ents);
	vmr_unwinder_close(uw);
	return err;
}

/* Load the table of the module whose text holds @p ip (cached, also failures). */
static struct vmr_orc_table *module_table(struct vmr_unwinder *uw, uint64_t ip)
{
	for (size_t i = 0; i < uw->nmods; i++)
		if (ip >= uw->mods[i].lo && ip < uw->mods[i].hi)
			return uw->mods[i].ok ? &uw->mods[i].t : NULL;
	struct vmr_module_orc mo;
	struct vmr_error *err = vmr_module_orc_find(uw->k, ip, &mo);
	if (err) {
		vmr_error_free(err);
		return NULL;
	}
	return vmr_unwinder_add_module(uw, &mo);
}

struct vmr_orc_table *vmr_unwinder_add_module(struct vmr_unwinder *uw,
					      const struct vmr_module_orc *mo)
{
	struct vmr_unwinder_mod *grown = vmr_grow(uw->mods, uw->nmods, &uw->cap,
						  sizeof(*grown), 8);
	if (!grown)
		return NULL;
	uw->mods = grown;
	struct vmr_unwinder_mod *m = &uw->mods[uw->nmods++];
	memset(m, 0, sizeof(*m));
	m->lo = mo->text_lo;
	m->hi = mo->text_hi;
	uint8_t *ips = NULL, *ents = NULL;
	if (!mo->num || mo->num > MAX_MODULE_ORCS)
		return NULL;
	ips = malloc(4 * mo->num);
	ents = malloc(6 * mo->num);
	if (ips && ents) {
		struct vmr_error *err = vmr_kernel_read(uw->k, mo->ip_addr, ips, 4 * mo->num);
		if (!err)
			err = vmr_kernel_read(uw->k, mo->entry_addr, ents, 6 * mo->num);
		if (!err)
			m->ok = !vmr_orc_table_init(&m->t, mo->mod->name, mo->ip_addr, ips, ents,
						    mo->num, uw->fmt, m->lo, m->hi, NULL, 0);
		vmr_error_free(err);
	}
	free(ips);
	free(ents);
	return m->ok ? &m->t : NULL;
}

const struct vmr_orc_entry *vmr_unwinder_find(void *ctx, uint64_t ip)
{
	struct vmr_unwinder *uw = ctx;
	const struct vmr_orc_entry *e = vmr_orc_table_find(&uw->vmlinux, ip);
	if (e || (ip >= uw->vmlinux.lo && ip < uw->vmlinux.hi))
		return e;
	struct vmr_orc_table *t = module_table(uw, ip);
	return t ? vmr_orc_table_find(t, ip) : NULL;
}

bool vmr_unwinder_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct vmr_unwinder *uw = ctx;
	struct vmr_error *err = vmr_kernel_read(uw->k, addr, buf, len);
	vmr_error_free(err);
	return !err;
}

struct vmr_unwind {
	struct vmr_unwinder *uw;
	struct vmr_orc_ops ops;
	struct vmr_orc_state s;
	unsigned int n, max;
	bool done, clean;
	char why[200];
	struct vmr_orc_stacks stacks;
	char which[24];
	int32_t cpu;
};

static struct vmr_error *new_walk(struct vmr_unwinder *uw, struct vmr_unwind **out)
{
	struct vmr_unwind *u = calloc(1, sizeof(*u));
	if (!u)
		return &vmr_enomem;
	u->uw = uw;
	u->ops.read = vmr_unwinder_read;
	u->ops.find = vmr_unwinder_find;
	u->ops.ctx = uw;
	u->max = VMR_UNWIND_MAX_FRAMES;
	u->cpu = -1;
	*out = u;
	return NULL;
}

struct vmr_error *vmr_unwind_start_regs(struct vmr_unwinder *uw,
					const uint64_t regs[VMR_NR_GREGS],
					struct vmr_unwind **out)
{
	struct vmr_error *err = new_walk(uw, out);
	if (err)
		return err;
	vmr_orc_state_from_regs(&(*out)->s, regs);
	return NULL;
}

struct vmr_error *vmr_unwind_start_cpu(struct vmr_unwinder *uw, unsigned int cpu,
				       struct vmr_unwind **out)
{
	*out = NULL;
	const struct vmr_cpu_state *c = vmr_dump_cpu(vmr_kernel_dump(uw->k), cpu);
	if (!c)
		return vmr_error_new(VMR_ERR_INVALID, "no CPU %u in the dump", cpu);
	return vmr_unwind_start_regs(uw, c->gpr, out);
}

struct vmr_error *vmr_unwind_start_task(struct vmr_unwinder *uw, uint64_t task,
					struct vmr_unwind **out)
{
	*out = NULL;
	uint64_t off, tsp, frame[7];
	struct vmr_error *err = vmr_kernel_member_offset(uw->k, "task_struct", "thread.sp", &off);
	if (!err)
		err = vmr_kernel_read_u64(uw->k, task + off, &tsp);
	/* struct inactive_task_frame {r15, r14, r13, r12, bx, bp, ret_addr} */
	if (!err)
		err = vmr_kernel_read(uw->k, tsp, frame, sizeof(frame));
	if (err)
		return vmr_error_prefix(err, "task %#llx: saved frame", (unsigned long long)task);
	err = new_walk(uw, out);
	if (err)
		return err;
	struct vmr_orc_state *s = &(*out)->s;
	memset(s, 0, sizeof(*s));
	s->sp = tsp + sizeof(frame);
	s->bp = frame[5];
	s->ip = frame[6];
	s->signal = uw->ret_from_fork && s->ip == uw->ret_from_fork;
	s->reliable = true;
	s->kind = VMR_ORC_KIND_START;
	return NULL;
}

void vmr_unwind_set_max(struct vmr_unwind *u, unsigned int max)
{
	u->max = max < VMR_UNWIND_MAX_FRAMES ? max : VMR_UNWIND_MAX_FRAMES;
}

struct stack_ctx {
	struct vmr_kernel *k;
	struct vmr_owner o;
};

static bool stack_of(void *ctx, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	struct stack_ctx *c = ctx;
	memset(&c->o, 0, sizeof(c->o));
	c->o.cpu = -1;
	if (!vmr_owner_find_stack(c->k, addr, &c->o))
		return false;
	*lo = c->o.start;
	*hi = c->o.end;
	return true;
}

/* Same stack: sp must grow; a new stack: never one seen before. */
static bool check_stack(struct vmr_unwind *u, uint64_t prev_sp, bool first)
{
	if (u->s.user)
		return true;
	struct stack_ctx c = { .k = u->uw->k };
	bool switched;
	if (!vmr_orc_check_stack(&u->stacks, stack_of, &c, prev_sp, u->s.sp, first, &switched,
				 u->why, sizeof(u->why)))
		return false;
	if (switched) {
		snprintf(u->which, sizeof(u->which), "%s", u->stacks.known ? c.o.which : "");
		u->cpu = u->stacks.known ? c.o.cpu : -1;
	}
	return true;
}

bool vmr_unwind_next(struct vmr_unwind *u, struct vmr_frame *out)
{
	if (u->done)
		return false;
	if (u->n >= u->max) {
		u->done = true;
		snprintf(u->why, sizeof(u->why), "more than %u frames", u->max);
		return false;
	}
	uint64_t prev_sp = u->s.sp;
	if (u->n) {
		enum vmr_orc_status st = vmr_kernel_unwind_step(
			&u->ops, &u->s, u->uw->fp, u->stacks.known ? u->stacks.hi : 0, u->why,
			sizeof(u->why));
		if (st != VMR_ORC_OK) {
			u->done = true;
			u->clean = st == VMR_ORC_END;
			return false;
		}
	}
	if (!check_stack(u, prev_sp, u->n == 0)) {
		u->done = true;
		return false;
	}
	u->n++;
	memset(out, 0, sizeof(*out));
	out->ip = u->s.ip;
	out->sp = u->s.sp;
	out->bp = u->s.bp;
	static const enum vmr_frame_kind kinds[] = {
		[VMR_ORC_KIND_START] = VMR_FRAME_START, [VMR_ORC_KIND_CALL] = VMR_FRAME_CALL,
		[VMR_ORC_KIND_REGS] = VMR_FRAME_REGS, [VMR_ORC_KIND_PARTIAL] = VMR_FRAME_REGS_PARTIAL,
	};
	out->kind = kinds[u->s.kind];
	out->signal = u->s.signal;
	out->reliable = u->s.reliable;
	out->user = u->s.user;
	out->regs_addr = u->s.regs_addr;
	if (u->s.kind == VMR_ORC_KIND_REGS)
		memcpy(out->regs, u->s.regs, sizeof(u->s.regs));
	snprintf(out->stack, sizeof(out->stack), "%s", u->s.user ? "user" : u->which);
	out->cpu = u->s.user ? -1 : u->cpu;
	return true;
}

bool vmr_unwind_end(const struct vmr_unwind *u, const char **why)
{
	if (why)
		*why = u->done ? u->why : "";
	return u->done && u->clean;
}

void vmr_unwind_free(struct vmr_unwind *u)
{
	free(u);
}
