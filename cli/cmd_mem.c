/* SPDX-License-Identifier: MIT */
/*
 * vmregion mem: kernel memory word by word, each value that points into a
 * kernel region annotated the way `vmregion addr` describes it; whole kernel
 * stacks (--stack); counts per region and owner over big ranges (--summary).
 */
#include "cli/backtrace.h"
#include "cli/cli.h"
#include "cli/describe.h"
#include "cli/json.h"
#include "cli/mem.h"
#include "cli/monitor.h"
#include "owner/stacks_api.h"
#include "common/sort.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char cmd_mem_usage[] =
	"usage: vmregion mem [--json] DUMP ADDR [LEN] [--summary[=regions]] [-k VMLINUX]\n"
	"       vmregion mem [--json] DUMP --stack cpu:N|pid:N|task:ADDR [-k VMLINUX]\n"
	"\n"
	"Print kernel memory as 8-byte words, one a line: address, value, and when the\n"
	"value points into a kernel region (direct map, vmalloc, vmemmap, kernel image,\n"
	"modules, cpu_entry_area, fixmap, ...) what `vmregion addr` says of it: region,\n"
	"section, symbol or owner.  Zero, small integers, user addresses, non-canonical\n"
	"values and holes stay plain.  Words pointing into kernel or module text are\n"
	"marked \"ret\" when the code before them is a call (a return address), else \"text\".\n"
	"Pages the dump does not hold are one line each run (\"... 0xSTART-0xEND: not in\n"
	"the dump\") and the sweep goes on.\n"
	"\n"
	"ADDR    hex (0x optional), 0dDECIMAL, symbol[+offset], or cpuN:REG[+offset]\n"
	"        (a register of CPU N as the dump saved it: cpu1:rsp, cpu0:rbp+0x10).\n"
	"        ADDR is rounded down to 8 bytes.\n"
	"LEN     bytes, decimal or 0xHEX, with an optional K, M or G suffix (KiB...);\n"
	"        rounded up to whole words.  Default 64 (8 words, one cache line;\n"
	"        crash's rd shows 1 word by default).\n"
	"\n"
	"  --stack cpu:N     the kernel stack the dump's CPU N was on, from its RSP to\n"
	"                    the top; from an IRQ or exception stack on through the\n"
	"                    stack pointer saved at its top to the interrupted stack\n"
	"  --stack pid:N     the kernel stack of the task with pid N, from its saved\n"
	"                    stack pointer (thread.sp) to the top, or from its CPU's\n"
	"                    RSP when it is running\n"
	"  --stack task:ADDR the same for the task_struct at ADDR\n"
	"                    The frames the ORC unwinder walks (from the CPU's registers,\n"
	"                    or the task's saved frame) are marked: their return-address\n"
	"                    slots get the mark \"frame\" and \"<- frame N: func+off/size\",\n"
	"                    pt_regs get \"(pt_regs start)\" and \"(pt_regs ip)\", the first\n"
	"                    frame's stack pointer \"(its sp)\"\n"
	"  --summary         counts instead of words: words read, pointers per region and\n"
	"                    the 10 most frequent owners (for whole pages and regions)\n"
	"  --summary=regions counts per region only (no owner lookups: fastest)\n"
	"  --json            one JSON object on stdout: {\"start\", \"end\", \"words\": [{\"addr\",\n"
	"                    \"value\", \"mark\", \"annotation\": {the keys of `addr --json`}}],\n"
	"                    \"gaps\": [{\"start\", \"end\", \"size\", \"reason\"}]}; --stack gives\n"
	"                    {\"unwind\": {\"from\", \"frames\", \"end\", \"end_clean\"}, \"stacks\":\n"
	"                    [{\"which\", \"pid\", \"comm\", \"cpu\", \"start\", \"end\", \"sp\",\n"
	"                    \"sp_source\", \"words\", \"gaps\"}]}, words on a frame's slot with\n"
	"                    \"frames\": [{\"frame\", \"slot\", \"kind\", \"ip\", \"function\",\n"
	"                    \"offset\", \"module\"}]; --summary gives\n"
	"                    {\"start\", \"end\", \"summary\": {...}, \"gaps\"}\n"
	"  -k, --vmlinux     the matching vmlinux (optional; build-id must match)\n"
	"\n"
	"Exit status: 0 all read, 1 some pages are not in the dump, 2 error.\n";

/* Gap lines printed in a text summary before "... and N more". */
#define MEM_SUMMARY_GAP_LINES 10
/* Stacks followed from an IRQ or exception stack to the interrupted one. */
#define MEM_MAX_STACK_HOPS 4

struct mem_run {
	struct cli_session *s;
	FILE *f; /* text output */
	struct mem_annot a;
	bool json;
	struct json j;
	int status;
	/* --summary */
	bool summary, regions_only;
	/* text output: lines are gathered here, texts of recent values kept */
	char out[1 << 16];
	size_t outlen;
	struct text_slot *texts;
};

/* ---------------------------------------------------------------------- */
/* Arguments                                                               */

static const char *const reg_names[VMR_NR_GREGS] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
	"r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs",
	"eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

static bool parse_number(const char *t, uint64_t *out)
{
	char *end;
	if (!*t || *t == '-' || *t == '+' || isspace((unsigned char)*t))
		return false;
	errno = 0;
	unsigned long long v = strtoull(t, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* cpuN:REG[+off] */
static bool parse_cpu_register(struct cli_session *s, const char *text, uint64_t *out,
			       int *cpu_out)
{
	char *end;
	errno = 0;
	unsigned long cpu = strtoul(text + 3, &end, 10);
	if (errno || end == text + 3 || *end != ':') {
		cli_error("%s: expected cpuN:REGISTER (cpu1:rsp)", text);
		return false;
	}
	const char *reg = end + 1, *plus = strchr(reg, '+');
	size_t n = plus ? (size_t)(plus - reg) : strlen(reg);
	uint64_t off = 0;
	if (plus && !parse_number(plus + 1, &off)) {
		cli_error("%s: bad offset after +", text);
		return false;
	}
	const struct vmr_cpu_state *c = vmr_dump_cpu(s->dump, (unsigned)cpu);
	if (!c || cpu > UINT32_MAX) {
		cli_error("%s: the dump has no CPU %lu (%u CPUs)", text, cpu,
			  vmr_dump_get_info(s->dump)->ncpus);
		return false;
	}
	for (int r = 0; r < VMR_NR_GREGS; r++)
		if (strlen(reg_names[r]) == n && !strncasecmp(reg, reg_names[r], n)) {
			*out = c->gpr[r] + off;
			*cpu_out = (int)cpu;
			return true;
		}
	cli_error("%s: unknown register (rsp, rbp, rip, rax, ...)", text);
	return false;
}

/* @p cpu: the CPU of a cpuN:REG address, else left alone. */
static bool parse_addr(struct cli_session *s, const char *text, uint64_t *out, int *cpu)
{
	if (!strncmp(text, "cpu", 3) && isdigit((unsigned char)text[3]))
		return parse_cpu_register(s, text, out, cpu);
	return cli_parse_address(s->kernel, text, out);
}

static bool parse_len(const char *text, uint64_t *out)
{
	char num[64];
	size_t n = strlen(text);
	uint64_t mul = 1;
	if (n >= sizeof(num))
		goto bad;
	memcpy(num, text, n + 1);
	/* K/M/G, KB/KiB/... (binary) */
	if (n >= 3 && !strcasecmp(num + n - 3, "ib")) {
		/* "KiB": drop "iB" */
		num[n - 2] = 0;
		n -= 2;
	} else if (n >= 2 && (num[n - 1] == 'B' || num[n - 1] == 'b') &&
		   strchr("kKmMgG", num[n - 2])) {
		num[--n] = 0;
	}
	if (n && !(num[0] == '0' && (num[1] == 'x' || num[1] == 'X'))) {
		switch (num[n - 1]) {
		case 'k': case 'K': mul = 1ULL << 10; break;
		case 'm': case 'M': mul = 1ULL << 20; break;
		case 'g': case 'G': mul = 1ULL << 30; break;
		default: mul = 1;
		}
		if (mul > 1)
			num[--n] = 0;
	}
	uint64_t v;
	if (!parse_number(num, &v) || (num[0] == '0' && isdigit((unsigned char)num[1])))
		goto bad;
	if (v > UINT64_MAX / mul)
		goto bad;
	*out = v * mul;
	return true;
bad:
	cli_error("%s: not a length (bytes: 256, 0x100, 4K, 256M)", text);
	return false;
}

/* ---------------------------------------------------------------------- */
/* Words                                                                   */

static char *put_hex16(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--) {
		p[i] = digits[v & 15];
		v >>= 4;
	}
	return p + 16;
}

/* What the unwinder says of one stack slot. */
enum slot_what {
	SLOT_SP,       /* the starting frame's stack pointer */
	SLOT_RET,      /* the return address of a frame (ORC CALL) */
	SLOT_REGS,     /* the start of a pt_regs (REGS, REGS_PARTIAL: its IRET frame - 128) */
	SLOT_REGS_IP,  /* pt_regs->ip: the interrupted frame's exact ip */
};

struct slot_mark {
	uint64_t addr;
	enum slot_what what;
	unsigned int frame;           /* index in the backtrace */
	const struct bt_frame *f;
};

/* The stack slots of the frames the unwinder walked, sorted by address. */
struct frame_slots {
	struct slot_mark *m;
	size_t n;
};

/* The first mark at @p addr, or NULL; the others follow it. */
static const struct slot_mark *slot_marks(const struct frame_slots *f, uint64_t addr)
{
	size_t lo = 0, hi = f ? f->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->m[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return f && lo < f->n && f->m[lo].addr == addr ? &f->m[lo] : NULL;
}

static bool is_ret_slot(const struct frame_slots *f, uint64_t addr)
{
	for (const struct slot_mark *m = slot_marks(f, addr); m && m < f->m + f->n &&
	     m->addr == addr; m++)
		if (m->what == SLOT_RET || m->what == SLOT_REGS_IP)
			return true;
	return false;
}

static const char *slot_what_name(enum slot_what w)
{
	switch (w) {
	case SLOT_SP:
		return "sp";
	case SLOT_RET:
		return "return_address";
	case SLOT_REGS:
		return "pt_regs";
	default:
		return "pt_regs_ip";
	}
}

/* "  <- frame 3: vfs_write+0xbe/0x390" for each mark at @p addr. */
static size_t slot_text(const struct frame_slots *f, uint64_t addr, char *p, size_t size)
{
	size_t n = 0;
	for (const struct slot_mark *m = slot_marks(f, addr); m && m < f->m + f->n &&
	     m->addr == addr && n + 1 < size; m++) {
		char sym[256];
		bt_frame_text(m->f, sym, sizeof(sym));
		static const char *const what[] = {
			[SLOT_SP] = " (its sp)", [SLOT_RET] = "",
			[SLOT_REGS] = " (pt_regs start)", [SLOT_REGS_IP] = " (pt_regs ip)",
		};
		int k = snprintf(p + n, size - n, "%s frame %u: %s%s", n ? ";" : "  <-", m->frame,
				 m->f->f.user ? "user mode" : sym, what[m->what]);
		if (k < 0)
			break;
		n += (size_t)k < size - n ? (size_t)k : size - n - 1;
	}
	return n;
}

/*
 * The text after the value depends on the value only (mark and annotation):
 * values repeat in memory (list heads, parents, caches), so the last text of
 * each slot is kept.  Lines longer than a slot are not kept.
 */
#define TEXT_CACHE_BITS 12
struct text_slot {
	uint64_t v;
	uint16_t len;  /* 0: empty */
	char text[302];
};

/* Mark and annotation of @p v ("  ret    kernel-image ..."), at @p p. */
static size_t annotation_text(struct mem_run *run, uint64_t v, bool marks, char *p, size_t size)
{
	const struct description *d = mem_describe(&run->a, v);
	size_t n = 0;
	if (marks) {
		/* "  ret  ": the mark in a column of 5 */
		enum mem_mark mark = mem_mark_of(&run->a, v, d);
		if (mark == MEM_MARK_RET)
			d = mem_describe_return(&run->a, v, d);
		const char *m = mem_mark_name(mark);
		size_t ml = strlen(m);
		memcpy(p, "  ", 2);
		memcpy(p + 2, m, ml);
		memset(p + 2 + ml, ' ', 5 - ml);
		n = 7;
	}
	p[n++] = ' ';
	p[n++] = ' ';
	describe_text(d, p + n, size - n);
	return n + strlen(p + n);
}

static void out_flush(struct mem_run *run)
{
	fwrite(run->out, 1, run->outlen, run->f);
	run->outlen = 0;
}

/* One word as a text line. */
static void word_text(struct mem_run *run, uint64_t addr, uint64_t v, bool marks,
		      const struct frame_slots *frames)
{
	if (run->outlen + 1900 > sizeof(run->out))
		out_flush(run);
	char *line = run->out + run->outlen, *p = line;
	p = put_hex16(p, addr);
	*p++ = ' ';
	*p++ = ' ';
	p = put_hex16(p, v);
	enum vmr_region_id id;
	if (mem_pointer_region(&run->a, v, &id)) {
		struct text_slot *t = NULL;
		if (run->texts && marks) {
			t = &run->texts[(v * 0x9e3779b97f4a7c15ULL) >> (64 - TEXT_CACHE_BITS)];
			if (t->len && t->v != v)
				t->len = 0;
		}
		if (t && t->len) {
			memcpy(p, t->text, t->len);
			p += t->len;
		} else {
			size_t n = annotation_text(run, v, marks, p, 1200);
			if (t && n <= sizeof(t->text)) {
				t->v = v;
				t->len = (uint16_t)n;
				memcpy(t->text, p, n);
			}
			p += n;
		}
		/* The unwinder's frames are a property of the slot, not the value. */
		if (marks && frames && frames->n && is_ret_slot(frames, addr))
			memcpy(line + 36, "frame", 5); /* the mark column */
	}
	if (frames && frames->n)
		p += slot_text(frames, addr, p, 400);
	*p++ = '\n';
	run->outlen += (size_t)(p - line);
}

/* One word: text line or JSON object. */
static void word_out(struct mem_run *run, uint64_t addr, uint64_t v, bool marks,
		     const struct frame_slots *frames)
{
	if (!run->json) {
		word_text(run, addr, v, marks, frames);
		return;
	}
	enum vmr_region_id id;
	const struct description *d = NULL;
	enum mem_mark mark = MEM_MARK_NONE;
	if (mem_pointer_region(&run->a, v, &id)) {
		d = mem_describe(&run->a, v);
		if (marks) {
			mark = mem_mark_of(&run->a, v, d);
			if (is_ret_slot(frames, addr))
				mark = MEM_MARK_FRAME;
			if (mark == MEM_MARK_RET || mark == MEM_MARK_FRAME)
				d = mem_describe_return(&run->a, v, d);
		}
	}
	json_begin_object(&run->j);
	json_kv_hex(&run->j, "addr", addr);
	json_kv_hex(&run->j, "value", v);
	if (mark != MEM_MARK_NONE)
		json_kv_string(&run->j, "mark", mem_mark_name(mark));
	if (d) {
		json_key(&run->j, "annotation");
		describe_json(&run->j, d);
	}
	const struct slot_mark *m = slot_marks(frames, addr);
	if (m) {
		json_key(&run->j, "frames");
		json_begin_array(&run->j);
		for (; m < frames->m + frames->n && m->addr == addr; m++) {
			json_begin_object(&run->j);
			json_kv_uint(&run->j, "frame", m->frame);
			json_kv_string(&run->j, "slot", slot_what_name(m->what));
			json_kv_string(&run->j, "kind", bt_kind_name(m->f->f.kind));
			json_kv_hex(&run->j, "ip", m->f->f.ip);
			if (m->f->has_sym) {
				json_kv_string(&run->j, "function", m->f->function);
				json_kv_hex(&run->j, "offset", m->f->offset);
			}
			if (m->f->module[0])
				json_kv_string(&run->j, "module", m->f->module);
			if (m->f->f.user)
				json_kv_bool(&run->j, "user", true);
			json_end_object(&run->j);
		}
		json_end_array(&run->j);
	}
	json_end_object(&run->j);
}

static void gap_out(struct mem_run *run, const struct mem_piece *g)
{
	if (run->status == EXIT_OK)
		run->status = EXIT_INCOMPLETE;
	if (run->json) {
		json_begin_object(&run->j);
		json_kv_hex(&run->j, "start", g->addr);
		json_kv_hex(&run->j, "end", g->addr + g->len);
		json_kv_uint(&run->j, "size", g->len);
		json_kv_string(&run->j, "reason", mem_gap_text(g->gap));
		json_end_object(&run->j);
		return;
	}
	char size[32];
	out_flush(run);
	fprintf(run->f, "... 0x%016" PRIx64 "-0x%016" PRIx64 ": %s (%s)\n", g->addr,
		g->addr + g->len, mem_gap_text(g->gap), cli_size(g->len, size));
}

/*
 * Words of [start, end): text lines with gap lines in place, or for JSON the
 * members "words" and "gaps" of the current object.
 */
static int words_out(struct mem_run *run, uint64_t start, uint64_t end, bool marks,
		     const struct frame_slots *frames)
{
	struct mem_sweep sw;
	if (!mem_sweep_init(&sw, run->s->kernel, start, end)) {
		cli_error("mem: out of memory");
		return EXIT_BAD;
	}
	struct mem_piece p;
	struct mem_piece *gaps = NULL;
	size_t ngaps = 0;
	if (run->json) {
		json_key(&run->j, "words");
		json_begin_array(&run->j);
	}
	while (mem_sweep_next(&sw, &p)) {
		if (p.gap != MEM_GAP_NONE) {
			if (!run->json) {
				gap_out(run, &p);
				continue;
			}
			struct mem_piece *ng = realloc(gaps, (ngaps + 1) * sizeof(*ng));
			if (!ng)
				continue;
			gaps = ng;
			gaps[ngaps++] = p;
			continue;
		}
		for (uint64_t off = 0; off + 8 <= p.len; off += 8) {
			uint64_t v;
			memcpy(&v, p.data + off, 8);
			word_out(run, p.addr + off, v, marks, frames);
		}
	}
	if (run->json) {
		json_end_array(&run->j);
		json_key(&run->j, "gaps");
		json_begin_array(&run->j);
		for (size_t i = 0; i < ngaps; i++)
			gap_out(run, &gaps[i]);
		json_end_array(&run->j);
	} else {
		out_flush(run);
	}
	free(gaps);
	mem_sweep_free(&sw);
	return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* Summary                                                                 */

static void summary_text(const struct mem_summary *sum, uint64_t start, uint64_t end)
{
	char s1[32], s2[32], s3[32];
	printf("range        0x%016" PRIx64 "-0x%016" PRIx64 "  %s, %s in the dump", start, end,
	       cli_size(end - start, s1), cli_size(sum->bytes, s2));
	if (sum->gaps)
		printf(", %" PRIu64 " gap%s (%s)", sum->gaps, sum->gaps == 1 ? "" : "s",
		       cli_size(sum->gap_bytes, s3));
	printf("\nwords        %" PRIu64 ": %" PRIu64 " zero, %" PRIu64 " kernel pointers, %" PRIu64
	       " other values\n\n",
	       sum->words, sum->zero, sum->pointers, sum->other);
	printf("%-16s %12s  %6s\n", "region", "pointers", "share");
	for (int r = 0; r < VMR_REGION__COUNT; r++)
		if (sum->region[r])
			printf("%-16s %12" PRIu64 "  %5.1f%%\n", vmr_region_name((enum vmr_region_id)r),
			       sum->region[r], 100.0 * (double)sum->region[r] / (double)sum->pointers);
	if (!sum->owners)
		return;
	const char *label[10];
	uint64_t count[10];
	size_t n = mem_summary_top(sum, 10, label, count);
	int w = 16;
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(label[i]) > w)
			w = (int)strlen(label[i]);
	printf("\n%-*s %12s  %6s\n", w, "top owners", "pointers", "share");
	for (size_t i = 0; i < n; i++)
		printf("%-*s %12" PRIu64 "  %5.1f%%\n", w, label[i], count[i],
		       100.0 * (double)count[i] / (double)sum->pointers);
	if (sum->nlabels > n)
		printf("(%zu owners in all)\n", sum->nlabels);
}

static void summary_json(struct json *j, const struct mem_summary *sum)
{
	json_key(j, "summary");
	json_begin_object(j);
	json_kv_uint(j, "bytes_read", sum->bytes);
	json_kv_uint(j, "gap_bytes", sum->gap_bytes);
	json_kv_uint(j, "words", sum->words);
	json_kv_uint(j, "zero", sum->zero);
	json_kv_uint(j, "pointers", sum->pointers);
	json_kv_uint(j, "other", sum->other);
	json_key(j, "regions");
	json_begin_object(j);
	for (int r = 0; r < VMR_REGION__COUNT; r++)
		if (sum->region[r])
			json_kv_uint(j, vmr_region_name((enum vmr_region_id)r), sum->region[r]);
	json_end_object(j);
	if (sum->owners) {
		const char *label[10];
		uint64_t count[10];
		size_t n = mem_summary_top(sum, 10, label, count);
		json_key(j, "top_owners");
		json_begin_array(j);
		for (size_t i = 0; i < n; i++) {
			json_begin_object(j);
			json_kv_string(j, "owner", label[i]);
			json_kv_uint(j, "pointers", count[i]);
			json_end_object(j);
		}
		json_end_array(j);
		json_kv_uint(j, "owners", sum->nlabels);
	}
	json_end_object(j);
}

static int summary_out(struct mem_run *run, uint64_t start, uint64_t end)
{
	struct mem_summary sum;
	struct mem_sweep sw;
	if (!mem_summary_init(&sum, !run->regions_only) ||
	    !mem_sweep_init(&sw, run->s->kernel, start, end)) {
		mem_summary_free(&sum);
		cli_error("mem: out of memory");
		return EXIT_BAD;
	}
	if (run->json) {
		json_kv_hex(&run->j, "start", start);
		json_kv_hex(&run->j, "end", end);
		json_key(&run->j, "gaps");
		json_begin_array(&run->j);
	}
	struct mem_piece p;
	while (mem_sweep_next(&sw, &p)) {
		if (p.gap == MEM_GAP_NONE) {
			mem_summary_add(&sum, &run->a, p.data, p.len);
			continue;
		}
		if (run->json || sum.gaps < MEM_SUMMARY_GAP_LINES)
			gap_out(run, &p);
		else
			run->status = EXIT_INCOMPLETE;
		sum.gaps++;
		sum.gap_bytes += p.len;
	}
	if (run->json) {
		json_end_array(&run->j);
		summary_json(&run->j, &sum);
	} else {
		if (sum.gaps > MEM_SUMMARY_GAP_LINES)
			printf("... and %" PRIu64 " more gaps\n", sum.gaps - MEM_SUMMARY_GAP_LINES);
		if (sum.gaps)
			putchar('\n');
		summary_text(&sum, start, end);
	}
	mem_sweep_free(&sw);
	mem_summary_free(&sum);
	return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* Stacks                                                                  */

/* One stack to print: [sp, end) of the stack described by owner. */
struct stack_seg {
	uint64_t sp;
	char sp_source[96];
	struct vmr_owner owner; /* kind STACK: start, end, which, pid, ... */
};

/* Where the unwinder starts: a CPU's registers, or a sleeping task's frame. */
struct walk_origin {
	int cpu;        /* >= 0: that CPU's registers */
	uint64_t task;  /* else this task's saved frame (thread.sp) */
};

static void walk_from(const struct walk_origin *o, char *buf, size_t size)
{
	if (o->cpu >= 0)
		snprintf(buf, size, "the registers of cpu %d", o->cpu);
	else
		snprintf(buf, size, "the saved frame of task 0x%" PRIx64, o->task);
}

/* "unwind": {"from", "frames", "end", "end_clean"} */
static void unwind_json(struct json *j, const struct backtrace *bt, const struct walk_origin *o,
			const char *why)
{
	char from[64];
	walk_from(o, from, sizeof(from));
	json_key(j, "unwind");
	json_begin_object(j);
	json_kv_string(j, "from", from);
	json_key(j, "frames");
	bt_frames_json(j, bt, false);
	json_kv_string(j, "end", why);
	json_kv_bool(j, "end_clean", bt->clean);
	json_end_object(j);
}

static int cmp_mark(const void *a, const void *b)
{
	const struct slot_mark *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/*
 * The stack slots of the frames the ORC unwinder walked from @p o, sorted:
 * return-address slots (their words are marked "frame"), pt_regs starts
 * and ips, the first frame's sp.  @p bt keeps the frames the marks point to.
 */
static void unwound_slots(struct mem_run *run, const struct walk_origin *o,
			  struct backtrace *bt, struct frame_slots *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	memset(bt, 0, sizeof(*bt));
	struct vmr_unwinder *uw;
	struct vmr_error *err = vmr_unwinder_open(run->s->kernel, &uw);
	if (!err) {
		err = bt_unwind(run->s->kernel, uw, o->cpu, o->cpu >= 0 ? 0 : o->task, bt);
		vmr_unwinder_close(uw);
	}
	if (err) {
		snprintf(why, whylen, "%s", vmr_error_message(err));
		vmr_error_free(err);
		return;
	}
	snprintf(why, whylen, "%s", bt->end);
	out->m = calloc(2 * (size_t)bt->n + 1, sizeof(*out->m));
	if (!out->m)
		return;
	for (unsigned int i = 0; i < bt->n; i++) {
		const struct bt_frame *f = &bt->frames[i];
		struct slot_mark *m = &out->m[out->n];
		m->frame = i;
		m->f = f;
		if (f->f.kind == VMR_FRAME_START) {
			m->addr = f->f.sp;
			m->what = SLOT_SP;
			out->n++;
		} else if (f->f.kind == VMR_FRAME_CALL) {
			m->addr = f->slot;
			m->what = SLOT_RET;
			out->n++;
		} else {
			m->addr = f->f.regs_addr;
			m->what = SLOT_REGS;
			m[1] = m[0];
			m[1].addr = f->slot;
			m[1].what = SLOT_REGS_IP;
			out->n += 2;
		}
	}
	vmr_sort(out->m, out->n, sizeof(*out->m), cmp_mark);
}

/* The segment of a task stack from @p ts, starting at @p sp. */
static void task_seg(const struct vmr_task_stack *ts, uint64_t sp, const char *source,
		     struct stack_seg *seg)
{
	memset(seg, 0, sizeof(*seg));
	seg->sp = sp;
	snprintf(seg->sp_source, sizeof(seg->sp_source), "%s", source);
	struct vmr_owner *w = &seg->owner;
	w->kind = VMR_OWNER_STACK;
	w->start = ts->start;
	w->end = ts->end;
	w->cpu = ts->cpu;
	w->task = ts->task;
	w->has_pid = true;
	w->pid = ts->pid;
	memcpy(w->comm, ts->comm, sizeof(w->comm));
	snprintf(w->which, sizeof(w->which), "task");
}

/* Where a task that is not running resumes: thread.sp if on its stack. */
static uint64_t saved_sp(const struct vmr_task_stack *ts, const char **source)
{
	if (ts->has_sp && ts->sp >= ts->start && ts->sp < ts->end) {
		*source = "thread.sp";
		return ts->sp;
	}
	*source = "bottom of the stack (thread.sp not on it)";
	return ts->start;
}

/*
 * The stacks CPU @p cpu was on, from its saved RSP: the stack holding RSP,
 * and from an IRQ or exception stack the one it interrupted.
 */
static int cpu_segs(struct mem_run *run, unsigned int cpu, struct stack_seg *segs, size_t *nseg,
		    struct walk_origin *o)
{
	const struct vmr_cpu_state *c = vmr_dump_cpu(run->s->dump, cpu);
	if (!c) {
		cli_error("--stack cpu:%u: the dump has no CPU %u (%u CPUs)", cpu, cpu,
			  vmr_dump_get_info(run->s->dump)->ncpus);
		return EXIT_BAD;
	}
	uint64_t sp = c->gpr[VMR_REG_RSP];
	char source[96];
	snprintf(source, sizeof(source), "rsp of cpu %u in the dump", cpu);
	*nseg = 0;
	struct vmr_task_stack ts;
	struct vmr_error *err = vmr_task_stack_of_cpu(run->s->kernel, cpu, &ts);
	for (int hop = 0; hop < MEM_MAX_STACK_HOPS; hop++) {
		struct description d;
		describe(run->s->kernel, sp, &d);
		struct stack_seg *seg = &segs[*nseg];
		if (d.owner.kind == VMR_OWNER_STACK && sp >= d.owner.start && sp < d.owner.end) {
			seg->sp = sp;
			seg->owner = d.owner;
			snprintf(seg->sp_source, sizeof(seg->sp_source), "%s", source);
		} else if (!err && sp >= ts.start && sp < ts.end) {
			/* The current task's stack, where no owner says "stack":
			 * init_stack of CPU 0's idle task is in the kernel image. */
			task_seg(&ts, sp, source, seg);
		} else {
			break;
		}
		(*nseg)++;
		uint64_t prev;
		if (!vmr_stack_previous_sp(run->s->kernel, &seg->owner, &prev) ||
		    (prev >= seg->owner.start && prev < seg->owner.end))
			break;
		snprintf(source, sizeof(source), "saved at the top of the %s stack",
			 seg->owner.which);
		sp = prev;
	}
	if (*nseg) {
		vmr_error_free(err);
		o->cpu = (int)cpu;
		return EXIT_OK;
	}
	/* RSP is on no kernel stack (user mode, or no task index): the current
	 * task's stack from where it last switched. */
	if (err) {
		cli_error("--stack cpu:%u: rsp 0x%016" PRIx64 " is on no known kernel stack, and "
			  "the current task: %s", cpu, sp, vmr_error_message(err));
		vmr_error_free(err);
		return EXIT_BAD;
	}
	const char *what;
	uint64_t from = saved_sp(&ts, &what);
	snprintf(source, sizeof(source), "%s (rsp 0x%" PRIx64 " of cpu %u is on no kernel stack)",
		 what, sp, cpu);
	task_seg(&ts, from, source, &segs[(*nseg)++]);
	o->cpu = -1;
	o->task = ts.task;
	return EXIT_OK;
}

static int stack_segs(struct mem_run *run, const char *spec, struct stack_seg *segs,
		      size_t *nseg, struct walk_origin *o)
{
	uint64_t n;
	struct vmr_task_stack ts;
	struct vmr_error *err;
	*nseg = 0;
	if (!strncmp(spec, "cpu:", 4) && parse_number(spec + 4, &n) && n <= UINT32_MAX)
		return cpu_segs(run, (unsigned)n, segs, nseg, o);
	if (!strncmp(spec, "pid:", 4) && parse_number(spec + 4, &n) && n <= INT32_MAX)
		err = vmr_task_stack_by_pid(run->s->kernel, (int32_t)n, &ts);
	else if (!strncmp(spec, "task:", 5) && cli_parse_address(run->s->kernel, spec + 5, &n))
		err = vmr_task_stack_of_task(run->s->kernel, n, &ts);
	else {
		cli_error("--stack %s: expected cpu:N, pid:N or task:ADDR", spec);
		return EXIT_BAD;
	}
	if (err) {
		cli_error("--stack %s: %s", spec, vmr_error_message(err));
		vmr_error_free(err);
		return EXIT_BAD;
	}
	if (ts.cpu >= 0 && vmr_dump_cpu(run->s->dump, (unsigned)ts.cpu)) {
		/* Running: its CPU's registers say where it is, if they lead to
		 * its stack. */
		int rc = cpu_segs(run, (unsigned)ts.cpu, segs, nseg, o);
		for (size_t i = 0; rc == EXIT_OK && i < *nseg; i++)
			if (segs[i].owner.start == ts.start)
				return EXIT_OK;
		*nseg = 0;
	}
	const char *what;
	uint64_t from = saved_sp(&ts, &what);
	task_seg(&ts, from, what, &segs[(*nseg)++]);
	o->cpu = -1;
	o->task = ts.task;
	return EXIT_OK;
}

static void seg_header_text(const struct stack_seg *seg)
{
	const struct vmr_owner *w = &seg->owner;
	if (w->has_pid)
		printf("%s stack of pid %d (%s)", !strcmp(w->which, "task") ? "kernel" : w->which,
		       w->pid, w->comm);
	else
		printf("%s stack", w->which);
	if (w->cpu >= 0)
		printf(" cpu %d", w->cpu);
	printf("  0x%016" PRIx64 "-0x%016" PRIx64 "  from 0x%016" PRIx64 " (%s)\n", w->start, w->end,
	       seg->sp, seg->sp_source);
}

static int stack_out(struct mem_run *run, const char *spec)
{
	struct stack_seg segs[MEM_MAX_STACK_HOPS + 1];
	size_t nseg;
	struct walk_origin o = { .cpu = -1 };
	int rc = stack_segs(run, spec, segs, &nseg, &o);
	if (rc)
		return rc;
	struct backtrace bt;
	struct frame_slots frames;
	char why[200];
	unwound_slots(run, &o, &bt, &frames, why, sizeof(why));
	char from[64];
	walk_from(&o, from, sizeof(from));
	if (run->json) {
		unwind_json(&run->j, &bt, &o, why);
		json_key(&run->j, "stacks");
		json_begin_array(&run->j);
	} else {
		printf("unwinder     %u frames from %s (%s%s); \"<- frame N\" marks their slots\n\n",
		       bt.n, from, bt.clean || !bt.n ? "" : "stopped: ", why);
	}
	for (size_t i = 0; i < nseg && rc == EXIT_OK; i++) {
		const struct stack_seg *seg = &segs[i];
		const struct vmr_owner *w = &seg->owner;
		if (run->json) {
			json_begin_object(&run->j);
			json_kv_string(&run->j, "which", w->which);
			if (w->has_pid) {
				json_kv_uint(&run->j, "pid", (uint64_t)w->pid);
				json_kv_string(&run->j, "comm", w->comm);
				json_kv_hex(&run->j, "task", w->task);
			}
			if (w->cpu >= 0)
				json_kv_uint(&run->j, "cpu", (uint64_t)w->cpu);
			json_kv_hex(&run->j, "start", w->start);
			json_kv_hex(&run->j, "end", w->end);
			json_kv_hex(&run->j, "sp", seg->sp);
			json_kv_string(&run->j, "sp_source", seg->sp_source);
		} else {
			if (i)
				putchar('\n');
			seg_header_text(seg);
		}
		rc = words_out(run, seg->sp & ~7ULL, w->end, true, &frames);
		if (run->json)
			json_end_object(&run->j);
	}
	if (run->json)
		json_end_array(&run->j);
	free(frames.m);
	bt_free(&bt);
	return rc;
}

/* ---------------------------------------------------------------------- */

/* Take --stack and --summary out of argv; the rest goes to cli_parse_common. */
static int own_options(int argc, char **argv, char **keep, int *nkeep, const char **stack,
		       struct mem_run *run)
{
	*nkeep = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (i && !strcmp(a, "--")) {
			while (i < argc)
				keep[(*nkeep)++] = argv[i++];
			break;
		}
		if (i && !strcmp(a, "--stack")) {
			if (i + 1 >= argc) {
				cli_error("mem: missing cpu:N, pid:N or task:ADDR after --stack");
				return EXIT_BAD;
			}
			*stack = argv[++i];
		} else if (i && !strncmp(a, "--stack=", 8)) {
			*stack = a + 8;
		} else if (i && !strcmp(a, "--summary")) {
			run->summary = true;
		} else if (i && !strcmp(a, "--summary=regions")) {
			run->summary = run->regions_only = true;
		} else {
			keep[(*nkeep)++] = argv[i];
		}
	}
	return -1;
}

/* [*start, end) in whole words: ADDR rounded down, LEN up (at least one
 * word), the end clamped to the top of the address space. */
static uint64_t word_range(uint64_t *start, uint64_t len)
{
	*start &= ~7ULL;
	len = (len + 7) & ~7ULL;
	if (!len)
		len = 8;
	uint64_t end = *start + len;
	return end < *start || !end ? UINT64_MAX & ~7ULL : end;
}

/*
 * The frame slots of every CPU's stacks (each CPU unwound from its
 * registers), sorted: a slot belongs to one stack, so the marks of all
 * CPUs together are as right as those of one.  @p bts (ncpus entries,
 * freed by the caller) keeps the frames the marks point to.
 */
static void all_cpus_slots(struct mem_run *run, struct backtrace *bts, unsigned int ncpus,
			   struct frame_slots *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int cpu = 0; cpu < ncpus; cpu++) {
		struct walk_origin o = { .cpu = (int)cpu };
		struct frame_slots one;
		char why[200];
		unwound_slots(run, &o, &bts[cpu], &one, why, sizeof(why));
		struct slot_mark *m = one.n ? realloc(out->m, (out->n + one.n) * sizeof(*m)) : NULL;
		if (m) {
			memcpy(m + out->n, one.m, one.n * sizeof(*m));
			out->m = m;
			out->n += one.n;
		}
		free(one.m);
	}
	if (out->n)
		vmr_sort(out->m, out->n, sizeof(*out->m), cmp_mark);
}

int mem_print_text(struct cli_session *s, uint64_t start, uint64_t len, bool mark_frames,
		   FILE *out)
{
	struct mem_run *run = calloc(1, sizeof(*run));
	if (!run || !mem_annot_init(&run->a, s->kernel)) {
		free(run);
		fputs("vmregion: mem: out of memory\n", out);
		return EXIT_BAD;
	}
	run->s = s;
	run->f = out;
	run->status = EXIT_OK;
	run->texts = calloc(1u << TEXT_CACHE_BITS, sizeof(*run->texts));
	uint64_t end = word_range(&start, len);
	unsigned int ncpus = mark_frames ? vmr_dump_get_info(s->dump)->ncpus : 0;
	struct backtrace *bts = ncpus ? calloc(ncpus, sizeof(*bts)) : NULL;
	struct frame_slots frames = { 0 };
	if (bts)
		all_cpus_slots(run, bts, ncpus, &frames);
	int rc = words_out(run, start, end, true, &frames);
	rc = rc ? rc : run->status;
	free(frames.m);
	for (unsigned int i = 0; bts && i < ncpus; i++)
		bt_free(&bts[i]);
	free(bts);
	free(run->texts);
	mem_annot_free(&run->a);
	free(run);
	return rc;
}

int cmd_mem(int argc, char **argv)
{
	static struct mem_run run;
	run.status = EXIT_OK;
	run.f = stdout;
	struct cli_common opt = { 0 };
	const char *stack = NULL;
	char *keep[argc > 0 ? argc : 1], *rest[argc > 0 ? argc : 1];
	int nkeep, nrest, rc = own_options(argc, argv, keep, &nkeep, &stack, &run);
	if (rc >= 0)
		return rc;
	rc = cli_parse_common(nkeep, keep, cmd_mem_usage, &opt, rest, &nrest);
	if (rc >= 0)
		return rc;
	if (stack ? nrest != 1 : (nrest < 2 || nrest > 3)) {
		cli_error(stack ? "mem: expected DUMP and --stack only (see vmregion mem --help)"
				: "mem: expected DUMP ADDR [LEN] (see vmregion mem --help)");
		return EXIT_BAD;
	}
	if (stack && run.summary) {
		cli_error("mem: --stack and --summary exclude each other");
		return EXIT_BAD;
	}
	uint64_t len = 64, start = 0;
	if (!stack && nrest == 3 && !parse_len(rest[2], &len))
		return EXIT_BAD;
	opt.dump_path = rest[0];
	struct cli_session s;
	if ((rc = cli_open(&opt, &s)))
		return rc;
	run.s = &s;
	run.json = opt.json;
	if (!mem_annot_init(&run.a, s.kernel)) {
		cli_close(&s);
		cli_error("mem: out of memory");
		return EXIT_BAD;
	}
	run.texts = calloc(1u << TEXT_CACHE_BITS, sizeof(*run.texts)); /* NULL: no reuse */
	int reg_cpu = -1; /* ADDR given as cpuN:REG: that CPU's frames are marked */
	if (!stack && !parse_addr(&s, rest[1], &start, &reg_cpu)) {
		rc = EXIT_BAD;
		goto out;
	}
	uint64_t end = word_range(&start, len);
	static char obuf[1 << 20];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (run.json) {
		json_init(&run.j, stdout);
		json_begin_object(&run.j);
	}
	if (stack)
		rc = stack_out(&run, stack);
	else if (run.summary)
		rc = summary_out(&run, start, end);
	else {
		if (run.json) {
			json_kv_hex(&run.j, "start", start);
			json_kv_hex(&run.j, "end", end);
		}
		struct walk_origin o = { .cpu = reg_cpu };
		struct backtrace bt = { 0 };
		struct frame_slots frames = { 0 };
		char why[200];
		if (reg_cpu >= 0) {
			unwound_slots(&run, &o, &bt, &frames, why, sizeof(why));
			if (run.json)
				unwind_json(&run.j, &bt, &o, why);
		}
		rc = words_out(&run, start, end, true, &frames);
		free(frames.m);
		bt_free(&bt);
	}
	if (run.json) {
		json_end_object(&run.j);
		json_finish(&run.j);
	}
	if (!run.json)
		cli_print_warnings(&s);
out:
	fflush(stdout);
	free(run.texts);
	mem_annot_free(&run.a);
	cli_close(&s);
	return rc ? rc : run.status;
}
