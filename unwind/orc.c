/* SPDX-License-Identifier: MIT */
/**
 * @file orc.c  The ORC unwinder core: formats, tables, lookup, one step.
 *
 * Follows arch/x86/kernel/unwind_orc.c (k6.12 unwind_next_frame(), k6.1 for
 * the <= 6.2 format); see orc-priv.h.  Compiled into the library and, from
 * the same file, into the gdb JIT reader: it uses nothing but libc.
 */
#include "unwind/orc-priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vmr_orc_say(char *why, size_t len, const char *fmt, ...)
{
	if (!why || !len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

void vmr_orc_decode(const uint8_t raw[6], enum vmr_orc_format fmt,
		    struct vmr_orc_entry *out)
{
	uint16_t b = le16(raw + 4);
	unsigned int t;
	bool end;

	out->sp_offset = (int16_t)le16(raw);
	out->bp_offset = (int16_t)le16(raw + 2);
	out->sp_reg = b & 15;
	out->bp_reg = (b >> 4) & 15;
	out->signal = 0;
	switch (fmt) {
	case VMR_ORC_FMT_V1: /* k6.1: type:2 end:1; REGS and REGS_PARTIAL imply signal */
	case VMR_ORC_FMT_V2: /* 6.3 (ffb1b4a41016): type:2 signal:1 end:1 */
		t = (b >> 8) & 3;
		end = fmt == VMR_ORC_FMT_V1 ? (b >> 10) & 1 : (b >> 11) & 1;
		if (out->sp_reg == VMR_ORC_REG_UNDEFINED) {
			out->type = end ? VMR_ORC_TYPE_END_OF_STACK : VMR_ORC_TYPE_UNDEFINED;
			return;
		}
		out->type = t == 0 ? VMR_ORC_TYPE_CALL : t == 1 ? VMR_ORC_TYPE_REGS :
			    t == 2 ? VMR_ORC_TYPE_REGS_PARTIAL : VMR_ORC_TYPE_UNDEFINED;
		if (fmt == VMR_ORC_FMT_V1)
			out->signal = t == 1 || t == 2;
		else
			out->signal = (b >> 10) & 1;
		return;
	case VMR_ORC_FMT_V3: /* 6.4+ (fb799447ae29): type:3 signal:1 */
		t = (b >> 8) & 7;
		out->type = t <= VMR_ORC_TYPE_REGS_PARTIAL ? t : VMR_ORC_TYPE_UNDEFINED;
		out->signal = (b >> 11) & 1;
		return;
	default:
		out->type = VMR_ORC_TYPE_UNDEFINED;
		return;
	}
}

enum vmr_orc_format vmr_orc_format_from_hash(const uint8_t hash[20])
{
	/* ORC_HASH values (drgn orc_info.c; 6.4 = k6.12, checked with orc_hash.sh) */
	static const struct {
		uint8_t h[20];
		enum vmr_orc_format fmt;
	} known[] = {
		{ { 0xdb, 0x84, 0xae, 0xd4, 0x10, 0x3b, 0x31, 0xdd, 0x51, 0xe0,
		    0x17, 0xf8, 0xf7, 0x97, 0x83, 0xca, 0x98, 0x5c, 0x2c, 0x51 },
		  VMR_ORC_FMT_V2 },
		{ { 0xfe, 0x5d, 0x32, 0xbf, 0x58, 0x1b, 0xd6, 0x3b, 0x2c, 0xa9,
		    0xa5, 0xc6, 0x5b, 0xa5, 0xa6, 0x25, 0xea, 0xb3, 0xfe, 0x24 },
		  VMR_ORC_FMT_V3 },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!memcmp(hash, known[i].h, 20))
			return known[i].fmt;
	return VMR_ORC_FMT_UNKNOWN;
}

enum vmr_orc_format vmr_orc_format_guess(const uint8_t *raw, size_t n)
{
	size_t c0 = 0, c2 = 0, high = 0, sig = 0, v3bad = 0;
	for (size_t i = 0; i < n; i++) {
		uint16_t b = le16(raw + 6 * i + 4);
		unsigned int t3 = (b >> 8) & 7;
		c0 += t3 == 0;
		c2 += t3 == 2;
		high += (b >> 11) != 0;
		v3bad += (b >> 12) != 0 || t3 > 4;
		/* bit 10 with a defined sp_reg: V2's signal (V1's end needs UNDEFINED) */
		sig += ((b >> 10) & 1) && (b & 15) != VMR_ORC_REG_UNDEFINED;
	}
	if (!n)
		return VMR_ORC_FMT_UNKNOWN;
	if (c2 > c0)
		return v3bad ? VMR_ORC_FMT_UNKNOWN : VMR_ORC_FMT_V3;
	if (high || sig)
		return VMR_ORC_FMT_V2;
	return VMR_ORC_FMT_V1;
}

int vmr_orc_table_init(struct vmr_orc_table *t, const char *name, uint64_t ip_addr,
		       const uint8_t *ip_bytes, const uint8_t *raw, size_t n,
		       enum vmr_orc_format fmt, uint64_t lo, uint64_t hi,
		       char *why, size_t whylen)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name ? name : "");
	if (!n || n > VMR_ORC_MAX_ENTRIES) {
		vmr_orc_say(why, whylen, "%s: ORC table of %zu entries", t->name, n);
		return -1;
	}
	if (fmt == VMR_ORC_FMT_UNKNOWN) {
		vmr_orc_say(why, whylen, "%s: unknown ORC entry format", t->name);
		return -1;
	}
	t->ip = malloc(n * sizeof(*t->ip));
	t->e = malloc(n * sizeof(*t->e));
	if (!t->ip || !t->e) {
		vmr_orc_table_fini(t);
		vmr_orc_say(why, whylen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int32_t off = (int32_t)le32(ip_bytes + 4 * i);
		t->ip[i] = ip_addr + 4 * i + (uint64_t)(int64_t)off;
		if (i && t->ip[i] < t->ip[i - 1]) {
			vmr_orc_say(why, whylen, "%s: ORC table not sorted at entry %zu (%#llx < %#llx)",
			    t->name, i, (unsigned long long)t->ip[i],
			    (unsigned long long)t->ip[i - 1]);
			vmr_orc_table_fini(t);
			return -1;
		}
		vmr_orc_decode(raw + 6 * i, fmt, &t->e[i]);
	}
	t->n = n;
	t->lo = lo || hi ? lo : t->ip[0];
	t->hi = lo || hi ? hi : t->ip[n - 1] + 1;
	return 0;
}

void vmr_orc_table_fini(struct vmr_orc_table *t)
{
	free(t->ip);
	free(t->e);
	free(t->lookup);
	t->ip = NULL;
	t->e = NULL;
	t->lookup = NULL;
	t->n = 0;
	t->nlookup = 0;
}

int vmr_orc_table_set_lookup(struct vmr_orc_table *t, uint64_t start, const uint8_t *raw,
			     size_t nblocks, char *why, size_t whylen)
{
	if (nblocks < 2 || nblocks > VMR_ORC_MAX_LOOKUP || !t->n) {
		vmr_orc_say(why, whylen, "%s: .orc_lookup of %zu slots", t->name, nblocks);
		return -1;
	}
	uint32_t *l = malloc(nblocks * sizeof(*l));
	if (!l) {
		vmr_orc_say(why, whylen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < nblocks; i++) {
		l[i] = le32(raw + 4 * i);
		if (l[i] >= t->n || (i && l[i] < l[i - 1])) {
			vmr_orc_say(why, whylen, "%s: .orc_lookup slot %zu: index %u (previous %u, %zu entries)",
			    t->name, i, l[i], i ? l[i - 1] : 0, t->n);
			free(l);
			return -1;
		}
	}
	if (!l[nblocks - 1] && t->n > 1) {
		vmr_orc_say(why, whylen, "%s: .orc_lookup is all zeros (not filled: a vmlinux file's copy?)",
		    t->name);
		free(l);
		return -1;
	}
	free(t->lookup);
	t->lookup = l;
	t->nlookup = nblocks;
	t->lookup_start = start;
	return 0;
}

/* Index of the rightmost IP <= @p ip in [lo, hi) (ip[lo] <= @p ip). */
static size_t rightmost(const uint64_t *ips, size_t lo, size_t hi, uint64_t ip)
{
	while (lo < hi) { /* first index with ips[i] > ip */
		size_t mid = lo + (hi - lo) / 2;
		if (ips[mid] <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

int vmr_orc_table_build_lookup(struct vmr_orc_table *t, uint64_t start, uint64_t stop)
{
	if (!t->n || stop <= start ||
	    (stop - start) / VMR_ORC_LOOKUP_BLOCK + 2 > VMR_ORC_MAX_LOOKUP)
		return -1;
	size_t nblocks = (size_t)((stop - start) / VMR_ORC_LOOKUP_BLOCK) + 2;
	uint32_t *l = malloc(nblocks * sizeof(*l));
	if (!l)
		return -1;
	size_t i = 0;
	for (size_t b = 0; b < nblocks; b++) {
		uint64_t at = start + (uint64_t)b * VMR_ORC_LOOKUP_BLOCK;
		while (i + 1 < t->n && t->ip[i + 1] <= at)
			i++;
		l[b] = (uint32_t)i;
	}
	free(t->lookup);
	t->lookup = l;
	t->nlookup = nblocks;
	t->lookup_start = start;
	return 0;
}

const struct vmr_orc_entry *vmr_orc_table_find(const struct vmr_orc_table *t, uint64_t ip)
{
	if (!t->n || ip < t->lo || ip >= t->hi || ip < t->ip[0])
		return NULL;
	if (t->lookup && ip >= t->lookup_start) {
		uint64_t idx = (ip - t->lookup_start) / VMR_ORC_LOOKUP_BLOCK;
		if (idx + 1 < t->nlookup) {
			/* unwind_orc.c orc_find(): entries lookup[idx] .. lookup[idx + 1] */
			size_t lo = t->lookup[idx], hi = (size_t)t->lookup[idx + 1] + 1;
			if (lo < hi && hi <= t->n && t->ip[lo] <= ip && (hi == t->n || t->ip[hi] > ip))
				return &t->e[rightmost(t->ip, lo, hi, ip)];
		}
	}
	return &t->e[rightmost(t->ip, 0, t->n, ip)];
}

void vmr_orc_state_from_regs(struct vmr_orc_state *s, const uint64_t regs[VMR_ORC_NREGS])
{
	memset(s, 0, sizeof(*s));
	memcpy(s->regs, regs, sizeof(s->regs));
	s->regs_mask = VMR_PT_ALL_MASK;
	s->ip = regs[VMR_PT_IP];
	s->sp = regs[VMR_PT_SP];
	s->bp = regs[VMR_PT_BP];
	s->signal = true; /* __unwind_start() with regs */
	s->reliable = true;
	s->user = (regs[VMR_PT_CS] & 3) == 3;
	s->kind = VMR_ORC_KIND_START;
}

static bool get_reg(const struct vmr_orc_state *s, unsigned int i, uint64_t *val)
{
	if (!(s->regs_mask & (1u << i)))
		return false;
	*val = s->regs[i];
	return true;
}

static bool rd64(const struct vmr_orc_ops *ops, uint64_t addr, uint64_t *val)
{
	uint8_t b[8];
	if (!ops->read(ops->ctx, addr, b, 8))
		return false;
	*val = (uint64_t)le32(b) | (uint64_t)le32(b + 4) << 32;
	return true;
}

/* null_orc_entry and orc_fp_entry of unwind_orc.c */
static const struct vmr_orc_entry null_entry = {
	.sp_offset = 8, .sp_reg = VMR_ORC_REG_SP, .bp_reg = VMR_ORC_REG_UNDEFINED,
	.type = VMR_ORC_TYPE_CALL,
};
static const struct vmr_orc_entry fp_entry = {
	.sp_offset = 16, .sp_reg = VMR_ORC_REG_BP, .bp_offset = -16,
	.bp_reg = VMR_ORC_REG_PREV_SP, .type = VMR_ORC_TYPE_CALL,
};

static const char *reg_name(unsigned int r)
{
	static const char *const names[] = { "undefined", "prev_sp", "dx", "di", "bp", "sp",
					     "r10", "r13", "bp_indirect", "sp_indirect" };
	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

/* The CFA (previous frame's sp) by the entry's sp rule. */
static bool find_cfa(const struct vmr_orc_ops *ops, const struct vmr_orc_state *s,
		     const struct vmr_orc_entry *orc, uint64_t *cfa, char *why, size_t whylen)
{
	static const unsigned int reg_of[16] = {
		[VMR_ORC_REG_DX] = VMR_PT_DX, [VMR_ORC_REG_DI] = VMR_PT_DI,
		[VMR_ORC_REG_R10] = VMR_PT_R10, [VMR_ORC_REG_R13] = VMR_PT_R13,
	};
	uint64_t sp;
	switch (orc->sp_reg) {
	case VMR_ORC_REG_SP:
		*cfa = s->sp + (uint64_t)(int64_t)orc->sp_offset;
		return true;
	case VMR_ORC_REG_BP:
		*cfa = s->bp + (uint64_t)(int64_t)orc->sp_offset;
		return true;
	case VMR_ORC_REG_SP_INDIRECT: /* call_on_stack: *(sp) + offset (since 87ccc826bf1c) */
		if (!rd64(ops, s->sp, &sp)) {
			vmr_orc_say(why, whylen, "cannot read the saved stack pointer at %#llx",
			    (unsigned long long)s->sp);
			return false;
		}
		*cfa = sp + (uint64_t)(int64_t)orc->sp_offset;
		return true;
	case VMR_ORC_REG_BP_INDIRECT:
		if (!rd64(ops, s->bp + (uint64_t)(int64_t)orc->sp_offset, cfa)) {
			vmr_orc_say(why, whylen, "cannot read the saved stack pointer at bp%+d",
			    orc->sp_offset);
			return false;
		}
		return true;
	case VMR_ORC_REG_R10:
	case VMR_ORC_REG_R13:
	case VMR_ORC_REG_DI:
	case VMR_ORC_REG_DX:
		if (!get_reg(s, reg_of[orc->sp_reg], cfa)) {
			vmr_orc_say(why, whylen, "missing %s value at %#llx", reg_name(orc->sp_reg),
			    (unsigned long long)s->ip);
			return false;
		}
		return true;
	default:
		vmr_orc_say(why, whylen, "unknown sp base register %u at %#llx", orc->sp_reg,
		    (unsigned long long)s->ip);
		return false;
	}
}

enum vmr_orc_status vmr_orc_step(const struct vmr_orc_ops *ops, struct vmr_orc_state *s,
				 char *why, size_t whylen)
{
	if (s->user) {
		vmr_orc_say(why, whylen, "user mode");
		return VMR_ORC_END;
	}
	if (!vmr_orc_kernel_addr(s->ip) && s->ip) {
		vmr_orc_say(why, whylen, "ip %#llx is not a kernel address", (unsigned long long)s->ip);
		return VMR_ORC_ERROR;
	}
	/* A return address may follow a call to a noreturn function: look up
	 * the call instruction itself, unless the ip is exact. */
	const struct vmr_orc_entry *orc;
	if (!s->ip)
		orc = &null_entry;
	else
		orc = ops->find(ops->ctx, s->signal ? s->ip : s->ip - 1);
	if (!orc) {
		orc = &fp_entry; /* generated code (BPF, trampolines): guess */
		s->reliable = false;
	} else if (orc->type == VMR_ORC_TYPE_UNDEFINED) {
		vmr_orc_say(why, whylen, "undefined ORC entry at %#llx", (unsigned long long)s->ip);
		return VMR_ORC_ERROR;
	} else if (orc->type == VMR_ORC_TYPE_END_OF_STACK) {
		vmr_orc_say(why, whylen, "end of stack");
		return VMR_ORC_END;
	}

	uint64_t cfa, ip, sp, bp = s->bp;
	if (!find_cfa(ops, s, orc, &cfa, why, whylen))
		return VMR_ORC_ERROR;

	struct vmr_orc_state n = *s;
	n.signal = orc->signal;
	n.cfa = cfa;
	switch (orc->type) {
	case VMR_ORC_TYPE_CALL:
		if (!rd64(ops, cfa - 8, &ip)) {
			vmr_orc_say(why, whylen, "cannot read the return address at %#llx",
			    (unsigned long long)(cfa - 8));
			return VMR_ORC_ERROR;
		}
		sp = cfa;
		n.regs_mask = 0;
		n.kind = VMR_ORC_KIND_CALL;
		n.regs_addr = 0;
		break;
	case VMR_ORC_TYPE_REGS: {
		uint8_t b[VMR_ORC_NREGS * 8];
		if (!ops->read(ops->ctx, cfa, b, sizeof(b))) {
			vmr_orc_say(why, whylen, "cannot read the pt_regs at %#llx",
			    (unsigned long long)cfa);
			return VMR_ORC_ERROR;
		}
		for (unsigned int i = 0; i < VMR_ORC_NREGS; i++)
			n.regs[i] = (uint64_t)le32(b + 8 * i) | (uint64_t)le32(b + 8 * i + 4) << 32;
		n.regs_mask = VMR_PT_ALL_MASK;
		ip = n.regs[VMR_PT_IP];
		sp = n.regs[VMR_PT_SP];
		n.kind = VMR_ORC_KIND_REGS;
		n.regs_addr = cfa;
		break;
	}
	case VMR_ORC_TYPE_REGS_PARTIAL: {
		uint8_t b[5 * 8];
		if (!ops->read(ops->ctx, cfa, b, sizeof(b))) {
			vmr_orc_say(why, whylen, "cannot read the iret frame at %#llx",
			    (unsigned long long)cfa);
			return VMR_ORC_ERROR;
		}
		/* the other registers: prev_regs, i.e. whatever this frame knew */
		for (unsigned int i = 0; i < 5; i++)
			n.regs[VMR_PT_IP + i] =
				(uint64_t)le32(b + 8 * i) | (uint64_t)le32(b + 8 * i + 4) << 32;
		n.regs_mask = (s->regs_mask & ~VMR_PT_IRET_MASK) | VMR_PT_IRET_MASK;
		ip = n.regs[VMR_PT_IP];
		sp = n.regs[VMR_PT_SP];
		n.kind = VMR_ORC_KIND_PARTIAL;
		n.regs_addr = cfa - VMR_PT_IRET_OFFSET;
		break;
	}
	default:
		vmr_orc_say(why, whylen, "unknown ORC entry type %u at %#llx", orc->type,
		    (unsigned long long)s->ip);
		return VMR_ORC_ERROR;
	}

	switch (orc->bp_reg) {
	case VMR_ORC_REG_UNDEFINED:
		if (orc->type != VMR_ORC_TYPE_CALL && (n.regs_mask & (1u << VMR_PT_BP)))
			bp = n.regs[VMR_PT_BP];
		break;
	case VMR_ORC_REG_PREV_SP:
		if (!rd64(ops, cfa + (uint64_t)(int64_t)orc->bp_offset, &bp)) {
			vmr_orc_say(why, whylen, "cannot read the saved bp at %#llx",
			    (unsigned long long)(cfa + (uint64_t)(int64_t)orc->bp_offset));
			return VMR_ORC_ERROR;
		}
		break;
	case VMR_ORC_REG_BP:
		if (!rd64(ops, s->bp + (uint64_t)(int64_t)orc->bp_offset, &bp)) {
			vmr_orc_say(why, whylen, "cannot read the saved bp at %#llx",
			    (unsigned long long)(s->bp + (uint64_t)(int64_t)orc->bp_offset));
			return VMR_ORC_ERROR;
		}
		break;
	default:
		vmr_orc_say(why, whylen, "unknown bp base register %u at %#llx", orc->bp_reg,
		    (unsigned long long)s->ip);
		return VMR_ORC_ERROR;
	}

	n.ip = ip;
	n.sp = sp;
	n.bp = bp;
	if (orc->type != VMR_ORC_TYPE_CALL)
		n.user = (n.regs[VMR_PT_CS] & 3) == 3;
	else
		n.user = false;
	*s = n;
	return VMR_ORC_OK;
}

bool vmr_orc_check_stack(struct vmr_orc_stacks *w, vmr_orc_stack_fn stack_of, void *ctx,
			 uint64_t prev_sp, uint64_t sp, bool first, bool *switched,
			 char *why, size_t whylen)
{
	*switched = false;
	if (w->known && sp >= w->lo && sp < w->hi) {
		if (!first && sp <= prev_sp) {
			vmr_orc_say(why, whylen, "stack going in the wrong direction (sp %#llx after %#llx)",
			    (unsigned long long)sp, (unsigned long long)prev_sp);
			return false;
		}
		return true;
	}
	uint64_t lo, hi;
	if (!stack_of(ctx, sp, &lo, &hi) || hi <= lo) {
		if (!first && !w->known && sp <= prev_sp) {
			vmr_orc_say(why, whylen, "stack going in the wrong direction (sp %#llx after %#llx)",
			    (unsigned long long)sp, (unsigned long long)prev_sp);
			return false;
		}
		*switched = w->known || first;
		w->known = false;
		return true;
	}
	for (unsigned int i = 0; i < w->nvisited; i++)
		if (w->visited[i] == lo) {
			vmr_orc_say(why, whylen, "stack %#llx entered twice", (unsigned long long)lo);
			return false;
		}
	if (w->known) {
		if (w->nvisited == sizeof(w->visited) / sizeof(w->visited[0])) {
			vmr_orc_say(why, whylen, "too many stack switches");
			return false;
		}
		w->visited[w->nvisited++] = w->lo;
	}
	w->known = true;
	w->lo = lo;
	w->hi = hi;
	*switched = true;
	return true;
}
