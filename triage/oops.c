/* SPDX-License-Identifier: MIT */
/*
 * The oops/console text parser: lines -> structured reports.
 *
 * Formats are the kernel's own (arch/x86/kernel/dumpstack.c show_regs,
 * __show_regs, show_trace_log_lvl, printk_stack_address; kernel/panic.c
 * __warn and panic; arch/x86/mm/fault.c show_fault_oops; kernel/watchdog.c,
 * kernel/hung_task.c, kernel/rcu/tree_stall.h), as printed by 4.x to 6.12:
 * "CPU: N UID: N PID:" is 6.12 (commit 8b8e6c4 "dump_stack: add UID"),
 * "Oops: Oops: 0002" is 6.12's die() prefix, "[<addr>] func" entries and
 * "RIP: 0010:[<addr>]" are pre-4.x.
 *
 * Every function here is pure and bounded: a line is looked at up to
 * VMR_OOPS_LINE_MAX bytes, scans are linear, names are copied with bounds,
 * and numbers stop at 16 hex digits.
 */
#include "triage/oops.h"
#include "common/bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* ------------------------------------------------------------------ */
/* Small bounded scanners                                               */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* @return true if s[0..n) starts with the literal @p lit. */
static bool starts(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && memcmp(s, lit, l) == 0;
}

/* Position of @p lit in s[0..n), or n.  Linear in n (the literals are short). */
static size_t find(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	if (!l || l > n)
		return n;
	size_t i = 0;
	while (i + l <= n) {
		const char *p = memchr(s + i, lit[0], n - l + 1 - i);
		if (!p)
			return n;
		i = (size_t)(p - s);
		if (!memcmp(p, lit, l))
			return i;
		i++;
	}
	return n;
}

/* Hex digits at s (at most 16 taken, more digits make it fail).
 * @return the number of digits (0: none or too many). */
static size_t scan_hex(const char *s, size_t n, uint64_t *v)
{
	size_t i = 0;
	uint64_t x = 0;
	while (i < n && vmr_hex_digit(s[i]) >= 0) {
		if (i == 16)
			return 0;
		x = x << 4 | (uint64_t)vmr_hex_digit(s[i]);
		i++;
	}
	*v = x;
	return i;
}

/* Decimal digits (at most 9) at s. @return digits used, 0 if none. */
static size_t scan_dec(const char *s, size_t n, int *v)
{
	size_t i = 0;
	int x = 0;
	while (i < n && is_digit(s[i]) && i < 9) {
		x = x * 10 + (s[i] - '0');
		i++;
	}
	*v = x;
	return i;
}

static size_t skip_blanks(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* Copy s[0..n) into buf, bytes outside printable ASCII as '?'. */
static void copy_text(char *buf, size_t size, const char *s, size_t n)
{
	if (!size)
		return;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > size - 1)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[n] = 0;
}

/* ------------------------------------------------------------------ */
/* Prefixes: "<4>", "[   11.387174] ", "[  T162] ", syslog "... kernel: " */

static size_t skip_level(const char *s, size_t n)
{
	if (n < 3 || s[0] != '<')
		return 0;
	size_t i = 1;
	while (i < n && i < 5 && is_digit(s[i]))
		i++;
	if (i == 1 || i >= n || s[i] != '>')
		return 0;
	return i + 1;
}

static size_t skip_time(const char *s, size_t n, uint64_t *usec)
{
	if (n < 4 || s[0] != '[')
		return 0;
	size_t i = 1 + skip_blanks(s + 1, n - 1);
	uint64_t sec = 0, us = 0;
	size_t d = 0;
	while (i < n && is_digit(s[i]) && d < 12)
		sec = sec * 10 + (uint64_t)(s[i++] - '0'), d++;
	if (!d || i >= n || s[i] != '.')
		return 0;
	i++;
	d = 0;
	while (i < n && is_digit(s[i]) && d < 9)
		us = us * 10 + (uint64_t)(s[i++] - '0'), d++;
	if (!d || i >= n || s[i] != ']')
		return 0;
	while (d < 6)
		us *= 10, d++;
	while (d > 6)
		us /= 10, d--;
	*usec = sec * 1000000 + us;
	i++;
	if (i < n && s[i] == ' ')
		i++;
	return i;
}

/* "[  T162] " / "[    C1] ": printk caller id (CONFIG_PRINTK_CALLER). */
static size_t skip_caller(const char *s, size_t n)
{
	if (n < 4 || s[0] != '[')
		return 0;
	size_t i = 1 + skip_blanks(s + 1, n - 1);
	if (i >= n || (s[i] != 'T' && s[i] != 'C'))
		return 0;
	size_t j = i + 1;
	while (j < n && is_digit(s[j]) && j - i < 12)
		j++;
	if (j == i + 1 || j >= n || s[j] != ']')
		return 0;
	j++;
	if (j < n && s[j] == ' ')
		j++;
	return j;
}

/* "Nov 24 07:25:45 host kernel: " and "2024-11-24T07:25:45.1+00:00 host kernel: ". */
static size_t skip_syslog(const char *s, size_t n)
{
	bool month = n > 4 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z' &&
		     s[2] >= 'a' && s[2] <= 'z' && s[3] == ' ';
	bool iso = n > 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) &&
		   is_digit(s[3]) && s[4] == '-';
	if (!month && !iso)
		return 0;
	size_t lim = n < 160 ? n : 160;
	size_t k = find(s, lim, " kernel: ");
	if (k == lim) {
		if (lim >= 8 && n == lim && starts(s + n - 8, 8, " kernel:"))
			return n;
		return 0;
	}
	return k + strlen(" kernel: ");
}

/* ------------------------------------------------------------------ */
/* Code locations                                                       */

static bool is_name_char(char c)
{
	return is_alnum(c) || c == '.' || c == '$';
}

bool vmr_oops_parse_symref(const char *s, size_t n, struct vmr_oops_symref *out)
{
	struct vmr_oops_symref r;
	memset(&r, 0, sizeof(r));
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	size_t i = 0;
	while (i < n && is_name_char(s[i]))
		i++;
	if (!i || i >= VMR_OOPS_NAME_LEN || i + 3 > n || s[i] != '+' || s[i + 1] != '0' ||
	    s[i + 2] != 'x')
		return false;
	memcpy(r.function, s, i);
	r.function[i] = 0;
	r.has_function = true;
	i += 3;
	size_t d = scan_hex(s + i, n - i, &r.offset);
	if (!d)
		return false;
	i += d;
	if (i + 3 <= n && s[i] == '/' && s[i + 1] == '0' && s[i + 2] == 'x') {
		i += 3;
		d = scan_hex(s + i, n - i, &r.size);
		if (!d)
			return false;
		i += d;
	}
	if (i < n) {
		if (i + 3 > n || s[i] != ' ' || s[i + 1] != '[' || s[n - 1] != ']')
			return false;
		i += 2;
		size_t m = i;
		while (m < n - 1 && (is_alnum(s[m]) || s[m] == '-'))
			m++;
		if (m == i || m - i >= VMR_OOPS_MODULE_LEN)
			return false;
		memcpy(r.module, s + i, m - i);
		r.module[m - i] = 0;
		if (m < n - 1) {
			if (s[m] != ' ')
				return false;
			m++;
			size_t b = m;
			while (m < n - 1 && vmr_hex_digit(s[m]) >= 0)
				m++;
			if (m != n - 1 || m == b || m - b > 40)
				return false;
			memcpy(r.build_id, s + b, m - b);
			r.build_id[m - b] = 0;
		}
	}
	*out = r;
	return true;
}

/* "0x47b7a0" alone. */
static bool parse_bare_address(const char *s, size_t n, struct vmr_oops_symref *out)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n < 3 || s[0] != '0' || s[1] != 'x')
		return false;
	uint64_t v;
	size_t d = scan_hex(s + 2, n - 2, &v);
	if (!d || d + 2 != n)
		return false;
	memset(out, 0, sizeof(*out));
	out->has_addr = true;
	out->addr = v;
	return true;
}

/* "[<ffffffff8106a3c5>]" at s. @return bytes used (0: not one). */
static size_t parse_bracket_address(const char *s, size_t n, uint64_t *v)
{
	if (n < 5 || s[0] != '[' || s[1] != '<')
		return 0;
	size_t d = scan_hex(s + 2, n - 2, v);
	if (!d || 2 + d + 2 > n || s[2 + d] != '>' || s[3 + d] != ']')
		return 0;
	return 4 + d;
}

void vmr_oops_base_name(const char *name, char *buf, size_t size)
{
	if (!size)
		return;
	size_t n = strcspn(name, ".");
	if (n == 0)
		n = strlen(name); /* a name starting with '.' is kept */
	if (n > size - 1)
		n = size - 1;
	memcpy(buf, name, n);
	buf[n] = 0;
}

/* ------------------------------------------------------------------ */
/* Line classification                                                  */

static const char *const reg_names[VMR_OOPS_NREGS] = {
	"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP", "R08", "R09",
	"R10", "R11", "R12", "R13", "R14", "R15", "ORIG_RAX", "EFLAGS", "FS",
	"GS", "knlGS", "CS", "DS", "ES", "CR0", "CR2", "CR3", "CR4", "DR0",
	"DR1", "DR2", "DR3", "DR6", "DR7", "PKRU",
};

const char *vmr_oops_reg_name(enum vmr_oops_reg r)
{
	return (unsigned)r < VMR_OOPS_NREGS ? reg_names[r] : NULL;
}

bool vmr_oops_reg_is_pointer(enum vmr_oops_reg r)
{
	return r <= VMR_OOPS_R15 || r == VMR_OOPS_FS || r == VMR_OOPS_GS || r == VMR_OOPS_KNLGS ||
	       r == VMR_OOPS_CR2 || (r >= VMR_OOPS_DR0 && r <= VMR_OOPS_DR3);
}

static int reg_lookup(const char *s, size_t n)
{
	for (int r = 0; r < VMR_OOPS_NREGS; r++) {
		size_t l = strlen(reg_names[r]);
		if (l != n)
			continue;
		size_t i = 0;
		while (i < l && (s[i] | 0x20) == (reg_names[r][i] | 0x20))
			i++;
		if (i == l)
			return r;
	}
	return -1;
}

/* A register line: "NAME: [SSSS:]HEX[(HEX)]" repeated.  Fills words[]. */
static bool parse_regs(const char *line, size_t m0, size_t n, struct vmr_oops_line *out)
{
	const char *s = line + m0;
	size_t len = n - m0, i = 0;
	unsigned nw = 0;
	while (i < len && nw < VMR_OOPS_MAX_WORDS) {
		size_t b = i;
		while (i < len && is_alnum(s[i]))
			i++;
		if (i == b || i >= len || s[i] != ':')
			break;
		int r = reg_lookup(s + b, i - b);
		if (r < 0)
			break;
		i++;
		i += skip_blanks(s + i, len - i);
		uint64_t v;
		size_t d = scan_hex(s + i, len - i, &v);
		if (!d)
			break;
		if (d == 4 && i + d < len && s[i + d] == ':') { /* RSP: 0018:ffff... */
			uint64_t v2;
			size_t d2 = scan_hex(s + i + 5, len - i - 5, &v2);
			if (d2) {
				i += 5;
				d = d2;
				v = v2;
			}
		}
		struct vmr_oops_word *w = &out->words[nw++];
		w->pos = m0 + i;
		w->len = d;
		w->value = v;
		snprintf(w->reg, sizeof(w->reg), "%s", reg_names[r]);
		i += d;
		if (i < len && s[i] == '(') { /* FS:  000000(0000) */
			size_t e = i + 1;
			while (e < len && e < i + 8 && vmr_hex_digit(s[e]) >= 0)
				e++;
			if (e < len && s[e] == ')')
				i = e + 1;
		}
		if (i < len && s[i] != ' ' && s[i] != '\t')
			break;
		i += skip_blanks(s + i, len - i);
	}
	if (!nw)
		return false;
	out->n_words = nw;
	return true;
}

/* Words of 16 hex digits (or 0x + 8..16) that may be addresses. */
static void collect_words(const char *line, size_t m0, size_t n, struct vmr_oops_line *out)
{
	size_t i = m0;
	while (i < n && out->n_words < VMR_OOPS_MAX_WORDS) {
		if (vmr_hex_digit(line[i]) < 0 || (i > 0 && is_alnum(line[i - 1]))) {
			i++;
			continue;
		}
		bool px = false;
		size_t b = i;
		if (line[i] == '0' && i + 1 < n && line[i + 1] == 'x') {
			px = true;
			b = i + 2;
		}
		size_t e = b;
		while (e < n && vmr_hex_digit(line[e]) >= 0)
			e++;
		size_t d = e - b;
		bool end_ok = e >= n || !is_alnum(line[e]);
		if (end_ok && (d == 16 || (px && d >= 8 && d <= 16))) {
			uint64_t v;
			scan_hex(line + b, d, &v);
			struct vmr_oops_word *w = &out->words[out->n_words++];
			w->pos = b;
			w->len = d;
			w->value = v;
			w->reg[0] = 0;
		}
		i = e > i ? e : i + 1;
	}
}

/* Subsystem prefixes in front of report headers. */
static size_t skip_subsystem(const char *s, size_t n)
{
	static const char *const pfx[] = { "watchdog: ", "NMI watchdog: ", "rcu: ", "INFO: rcu: " };
	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
		if (starts(s, n, pfx[i]))
			return strlen(pfx[i]);
	return 0;
}

/* "comm:pid" ending at s[n-1]: the last ':' separates. */
static void parse_comm_pid(const char *s, size_t n, struct vmr_oops_line *out)
{
	size_t c = n;
	while (c > 0 && s[c - 1] != ':')
		c--;
	if (!c)
		return;
	int pid;
	if (scan_dec(s + c, n - c, &pid) != n - c || c - 1 == 0)
		return;
	out->has_pid = true;
	out->pid = pid;
	copy_text(out->comm, sizeof(out->comm), s, c - 1);
}

/* Extra facts of header lines: WARNING's CPU/PID/location, lockup CPU/comm. */
static void header_details(const char *m, size_t mn, struct vmr_oops_line *out)
{
	size_t k;
	switch (out->kind) {
	case VMR_OOPS_WARNING:
		if (starts(m, mn, "WARNING: CPU: ")) {
			size_t i = strlen("WARNING: CPU: ");
			size_t d = scan_dec(m + i, mn - i, &out->cpu);
			out->has_cpu = d > 0;
			i += d;
			if (starts(m + i, mn - i, " PID: ")) {
				i += 6;
				d = scan_dec(m + i, mn - i, &out->pid);
				out->has_pid = d > 0;
			}
		}
		k = find(m, mn, " at ");
		if (k < mn) {
			size_t i = k + 4;
			size_t sp = i + find(m + i, mn - i, " ");
			if (sp < mn)
				vmr_oops_parse_symref(m + sp + 1, mn - sp - 1, &out->sym);
			else
				vmr_oops_parse_symref(m + i, mn - i, &out->sym);
		}
		break;
	case VMR_OOPS_SOFT_LOCKUP:
		k = find(m, mn, "CPU#");
		if (k < mn)
			out->has_cpu = scan_dec(m + k + 4, mn - k - 4, &out->cpu) > 0;
		if (mn && m[mn - 1] == ']') {
			size_t b = mn - 1;
			while (b > 0 && m[b - 1] != '[')
				b--;
			if (b > 0)
				parse_comm_pid(m + b, mn - 1 - b, out);
		}
		break;
	case VMR_OOPS_HARD_LOCKUP:
		k = find(m, mn, " on cpu ");
		if (k < mn)
			out->has_cpu = scan_dec(m + k + 8, mn - k - 8, &out->cpu) > 0;
		break;
	case VMR_OOPS_HUNG_TASK:
		k = find(m, mn, " blocked for more than");
		if (k < mn && k > strlen("INFO: task "))
			parse_comm_pid(m + strlen("INFO: task "), k - strlen("INFO: task "), out);
		break;
	default:
		break;
	}
}

/* "NNNN [#" after an "Oops: " text or an old oops line ("invalid opcode: 0000 [#1]"). */
static bool has_die_counter(const char *m, size_t mn)
{
	size_t lim = mn < 200 ? mn : 200;
	size_t k = find(m, lim, " [#");
	return k < lim && k >= 6 && m[k - 5] == ' ' && vmr_hex_digit(m[k - 4]) >= 0 &&
	       vmr_hex_digit(m[k - 1]) >= 0;
}

/* Report headers. @return the kind (NONE if the line is not one). */
static enum vmr_oops_kind header_kind(const char *m, size_t mn, enum vmr_oops_line_type *type)
{
	*type = VMR_OOPS_LINE_HEADER;
	if (starts(m, mn, "Oops: ")) {
		size_t i = 6;
		if (starts(m + i, mn - i, "Oops: "))
			i += 6;
		*type = VMR_OOPS_LINE_OOPS;
		return starts(m + i, mn - i, "general protection fault") ? VMR_OOPS_GPF : VMR_OOPS_OOPS;
	}
	if (starts(m, mn, "Kernel panic - not syncing: "))
		return VMR_OOPS_PANIC;
	size_t sub = skip_subsystem(m, mn);
	const char *s = m + sub;
	size_t n = mn - sub;
	if (starts(s, n, "BUG: kernel NULL pointer dereference") ||
	    starts(s, n, "BUG: unable to handle kernel NULL pointer dereference"))
		return VMR_OOPS_NULL_DEREF;
	if (starts(s, n, "BUG: unable to handle page fault") ||
	    starts(s, n, "BUG: unable to handle kernel paging request") ||
	    starts(s, n, "BUG: unable to handle kernel"))
		return VMR_OOPS_PAGE_FAULT;
	if (starts(s, n, "BUG: soft lockup"))
		return VMR_OOPS_SOFT_LOCKUP;
	if (starts(s, n, "BUG: "))
		return VMR_OOPS_BUG;
	if (starts(s, n, "kernel BUG at "))
		return VMR_OOPS_BUG_AT;
	if (starts(s, n, "WARNING: CPU: ") || starts(s, n, "WARNING: at "))
		return VMR_OOPS_WARNING;
	if (starts(s, n, "Watchdog detected hard LOCKUP"))
		return VMR_OOPS_HARD_LOCKUP;
	if (starts(s, n, "INFO: task ") && find(s, n, " blocked for more than ") < n)
		return VMR_OOPS_HUNG_TASK;
	if ((starts(s, n, "INFO: rcu") || sub) &&
	    (find(s, n, "detected stall") < n || find(s, n, "detected stalls") < n))
		return VMR_OOPS_RCU_STALL;
	if (starts(s, n, "general protection fault")) {
		if (has_die_counter(s, n))
			*type = VMR_OOPS_LINE_OOPS;
		return VMR_OOPS_GPF;
	}
	if (has_die_counter(s, n) && find(s, n < 40 ? n : 40, ": ") < (n < 40 ? n : 40)) {
		*type = VMR_OOPS_LINE_OOPS;
		return VMR_OOPS_OOPS;
	}
	return VMR_OOPS_NONE;
}

/* " <IRQ>", " </TASK>", " <#DF>", " <EOI>". */
static bool parse_marker(const char *m, size_t mn, struct vmr_oops_line *out)
{
	size_t i = skip_blanks(m, mn);
	size_t n = mn;
	while (n > i && (m[n - 1] == ' ' || m[n - 1] == '\t'))
		n--;
	if (n - i < 3 || m[i] != '<' || m[n - 1] != '>')
		return false;
	i++;
	bool end = false;
	if (m[i] == '/') {
		end = true;
		i++;
	}
	const char *t = m + i;
	size_t tl = n - 1 - i;
	static const struct {
		const char *name;
		enum vmr_oops_context ctx;
		bool end;
	} tab[] = {
		{ "IRQ", VMR_OOPS_CTX_IRQ, false },     { "TASK", VMR_OOPS_CTX_TASK, false },
		{ "NMI", VMR_OOPS_CTX_NMI, false },     { "SOFTIRQ", VMR_OOPS_CTX_SOFTIRQ, false },
		{ "EOI", VMR_OOPS_CTX_IRQ, true },      { "EOE", VMR_OOPS_CTX_EXCEPTION, true },
	};
	for (size_t k = 0; k < sizeof(tab) / sizeof(tab[0]); k++) {
		if (tl == strlen(tab[k].name) && !memcmp(t, tab[k].name, tl)) {
			out->ctx = tab[k].ctx;
			out->ctx_end = end || tab[k].end;
			return true;
		}
	}
	if (tl >= 2 && tl <= 4 && t[0] == '#') {
		for (size_t k = 1; k < tl; k++)
			if (t[k] < 'A' || t[k] > 'Z')
				return false;
		out->ctx = VMR_OOPS_CTX_EXCEPTION;
		out->ctx_end = end;
		return true;
	}
	return false;
}

/* A call-trace entry: [ [<addr>] ] [? ] func+0x1/0x2 [mod] | 0xaddr. */
static bool parse_frame(const char *m, size_t mn, struct vmr_oops_line *out)
{
	size_t i = skip_blanks(m, mn);
	uint64_t addr = 0;
	size_t b = parse_bracket_address(m + i, mn - i, &addr);
	bool has_addr = b > 0;
	i += b;
	i += skip_blanks(m + i, mn - i);
	bool unreliable = false;
	if (i + 1 < mn && m[i] == '?' && m[i + 1] == ' ') {
		unreliable = true;
		i += 2;
		i += skip_blanks(m + i, mn - i);
	}
	struct vmr_oops_symref r;
	if (!vmr_oops_parse_symref(m + i, mn - i, &r) && !parse_bare_address(m + i, mn - i, &r))
		return false;
	if (has_addr && !r.has_addr) {
		r.has_addr = true;
		r.addr = addr;
	}
	out->sym = r;
	out->unreliable = unreliable;
	return true;
}

/* "RIP: 0010:func+0x16/0x20 [mod]", "RIP: 0033:0x47b7a0",
 * "RIP: 0010:[<ffffffff8106a3c5>]  [<ffffffff8106a3c5>] func+0x16/0x20". */
static bool parse_rip(const char *m, size_t mn, struct vmr_oops_line *out)
{
	size_t i = 5;
	i += skip_blanks(m + i, mn - i);
	uint64_t cs;
	size_t d = scan_hex(m + i, mn - i, &cs);
	if (d == 4 && i + 4 < mn && m[i + 4] == ':') {
		out->has_cs = true;
		out->cs = (unsigned)cs;
		i += 5;
	}
	uint64_t addr = 0;
	bool has_addr = false;
	for (int k = 0; k < 2; k++) {
		size_t b = parse_bracket_address(m + i, mn - i, &addr);
		if (!b)
			break;
		has_addr = true;
		i += b;
		i += skip_blanks(m + i, mn - i);
	}
	struct vmr_oops_symref r;
	if (vmr_oops_parse_symref(m + i, mn - i, &r) || parse_bare_address(m + i, mn - i, &r)) {
		out->sym = r;
	} else if (!has_addr) {
		return false;
	}
	if (has_addr && !out->sym.has_addr) {
		out->sym.has_addr = true;
		out->sym.addr = addr;
	}
	return true;
}

/* "CPU: 1 PID: 162 Comm: sh ..." and 6.12's "CPU: 1 UID: 0 PID: 162 Comm: sh ...". */
static bool parse_cpu_line(const char *m, size_t mn, struct vmr_oops_line *out)
{
	size_t i = 5, d;
	int v;
	if (!(d = scan_dec(m + i, mn - i, &v)))
		return false;
	i += d;
	int cpu = v;
	if (starts(m + i, mn - i, " UID: ")) {
		i += 6;
		if (!(d = scan_dec(m + i, mn - i, &v)))
			return false;
		i += d;
	}
	if (!starts(m + i, mn - i, " PID: "))
		return false;
	i += 6;
	int pid;
	if (!(d = scan_dec(m + i, mn - i, &pid)))
		return false;
	i += d;
	out->has_cpu = out->has_pid = true;
	out->cpu = cpu;
	out->pid = pid;
	if (starts(m + i, mn - i, " Comm: ")) {
		i += 7;
		size_t rest = mn - i, lim = rest < 40 ? rest : 40, e = lim;
		static const char *const after[] = { " Not tainted", " Tainted:", " Kdump:", " #" };
		for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++) {
			size_t f = find(m + i, lim, after[k]);
			if (f < e)
				e = f;
		}
		if (e == lim) {
			e = 0;
			while (e < rest && m[i + e] != ' ')
				e++;
		}
		copy_text(out->comm, sizeof(out->comm), m + i, e > 16 ? 16 : e);
	}
	return true;
}

void vmr_oops_parse_line(const char *line, size_t len, struct vmr_oops_line *out)
{
	memset(out, 0, sizeof(*out));
	if (len > VMR_OOPS_LINE_MAX)
		len = VMR_OOPS_LINE_MAX;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	out->len = len;
	size_t i = 0;
	for (int round = 0; round < 6 && i < len; round++) {
		size_t j;
		if ((j = skip_level(line + i, len - i)) ||
		    (!out->has_time && (j = skip_time(line + i, len - i, &out->time_usec)) &&
		     (out->has_time = true)) ||
		    (j = skip_caller(line + i, len - i)) || (j = skip_syslog(line + i, len - i))) {
			i += j;
			continue;
		}
		break;
	}
	out->msg = i;
	const char *m = line + i;
	size_t mn = len - i;

	enum vmr_oops_line_type type;
	enum vmr_oops_kind kind = header_kind(m, mn, &type);
	if (kind != VMR_OOPS_NONE) {
		out->type = type;
		out->kind = kind;
		header_details(m, mn, out);
		collect_words(line, i, len, out);
		return;
	}
	if (starts(m, mn, "CPU: ") && parse_cpu_line(m, mn, out)) {
		out->type = VMR_OOPS_LINE_CPU;
		return;
	}
	if (starts(m, mn, "RIP: ") && parse_rip(m, mn, out)) {
		out->type = VMR_OOPS_LINE_RIP;
		return;
	}
	if (starts(m, mn, "Call Trace:")) {
		out->type = VMR_OOPS_LINE_CALL_TRACE;
		return;
	}
	if (starts(m, mn, "Code: ")) {
		out->type = VMR_OOPS_LINE_CODE;
		return;
	}
	if (starts(m, mn, "Modules linked in:")) {
		out->type = VMR_OOPS_LINE_MODULES;
		return;
	}
	if (starts(m, mn, "---[ end trace")) {
		out->type = VMR_OOPS_LINE_END_TRACE;
		return;
	}
	if (starts(m, mn, "Kernel Offset: ")) {
		size_t k = strlen("Kernel Offset: ");
		uint64_t v;
		if (starts(m + k, mn - k, "disabled")) {
			out->type = VMR_OOPS_LINE_KERNEL_OFFSET;
			return;
		}
		if (starts(m + k, mn - k, "0x") && scan_hex(m + k + 2, mn - k - 2, &v)) {
			out->type = VMR_OOPS_LINE_KERNEL_OFFSET;
			out->kernel_offset = v;
			return;
		}
	}
	if (parse_marker(m, mn, out)) {
		out->type = VMR_OOPS_LINE_MARKER;
		return;
	}
	if (parse_frame(m, mn, out)) {
		out->type = VMR_OOPS_LINE_FRAME;
		return;
	}
	if (parse_regs(line, i, len, out)) {
		out->type = VMR_OOPS_LINE_REGS;
		return;
	}
	memset(out->words, 0, sizeof(out->words));
	out->n_words = 0;
	/* page-table entries (show_pte / dump_pagetable) are not addresses */
	if (starts(m, mn, "PGD ") || starts(m, mn, "*pde = ") || starts(m, mn, "*pdpt = "))
		return;
	collect_words(line, i, len, out);
}

/* ------------------------------------------------------------------ */
/* Reports                                                              */

struct vmr_oops_parser {
	struct vmr_oops_report *ring; /* VMR_OOPS_MAX_REPORTS, allocated on first report */
	size_t start, n;
	struct vmr_oops_report *cur;  /* the report lines go to, or NULL */
	size_t line_no;
	enum vmr_oops_context ctx;
	bool in_trace;
	bool cur_cpu_line;            /* the current report had its CPU: line */
	bool has_panic;
	char panic[VMR_OOPS_TITLE_LEN];
	bool has_offset;
	uint64_t offset;
};

struct vmr_error *vmr_oops_parser_create(struct vmr_oops_parser **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? NULL : &vmr_enomem;
}

void vmr_oops_parser_destroy(struct vmr_oops_parser *p)
{
	if (!p)
		return;
	free(p->ring);
	free(p);
}

size_t vmr_oops_parser_count(const struct vmr_oops_parser *p)
{
	return p->n;
}

const struct vmr_oops_report *vmr_oops_parser_report(const struct vmr_oops_parser *p, size_t i)
{
	if (i >= p->n)
		return NULL;
	return &p->ring[(p->start + i) % VMR_OOPS_MAX_REPORTS];
}

const char *vmr_oops_parser_panic(const struct vmr_oops_parser *p)
{
	return p->has_panic ? p->panic : NULL;
}

bool vmr_oops_parser_kernel_offset(const struct vmr_oops_parser *p, uint64_t *off)
{
	if (p->has_offset)
		*off = p->offset;
	return p->has_offset;
}

/* A new report in the ring (the oldest is dropped when it is full). */
static struct vmr_oops_report *new_report(struct vmr_oops_parser *p)
{
	if (!p->ring) {
		p->ring = calloc(VMR_OOPS_MAX_REPORTS, sizeof(*p->ring));
		if (!p->ring)
			return NULL;
	}
	size_t idx;
	if (p->n < VMR_OOPS_MAX_REPORTS) {
		idx = (p->start + p->n) % VMR_OOPS_MAX_REPORTS;
		p->n++;
	} else {
		idx = p->start;
		p->start = (p->start + 1) % VMR_OOPS_MAX_REPORTS;
	}
	struct vmr_oops_report *r = &p->ring[idx];
	memset(r, 0, sizeof(*r));
	r->first_line = r->last_line = p->line_no;
	p->cur = r;
	p->cur_cpu_line = false;
	p->in_trace = false;
	p->ctx = VMR_OOPS_CTX_NONE;
	return r;
}

static void set_message(char *buf, size_t size, const char *line, const struct vmr_oops_line *l)
{
	copy_text(buf, size, line + l->msg, l->len - l->msg);
}

static void add_regs(struct vmr_oops_report *r, const struct vmr_oops_line *l)
{
	for (unsigned i = 0; i < l->n_words; i++) {
		int reg = reg_lookup(l->words[i].reg, strlen(l->words[i].reg));
		if (reg < 0 || (r->reg_mask >> reg & 1))
			continue;
		r->regs[reg] = l->words[i].value;
		r->reg_mask |= 1ull << reg;
	}
}

/* An "Oops:" line belongs to the header just before it (BUG: ... then Oops:). */
static bool oops_line_merges(const struct vmr_oops_parser *p)
{
	const struct vmr_oops_report *r = p->cur;
	return r && !r->has_cpu && !r->nframes && !r->oops_line[0] &&
	       p->line_no - r->first_line <= 12 && r->kind != VMR_OOPS_NONE &&
	       r->kind != VMR_OOPS_PANIC && r->kind != VMR_OOPS_OOPS;
}

void vmr_oops_parser_feed(struct vmr_oops_parser *p, const char *line, size_t len,
			  struct vmr_oops_line *parsed)
{
	struct vmr_oops_line local;
	struct vmr_oops_line *l = parsed ? parsed : &local;
	vmr_oops_parse_line(line, len, l);
	struct vmr_oops_report *r = p->cur;

	switch (l->type) {
	case VMR_OOPS_LINE_OOPS:
		if (oops_line_merges(p)) {
			set_message(r->oops_line, sizeof(r->oops_line), line, l);
			break;
		}
		if (!(r = new_report(p)))
			break;
		r->kind = l->kind;
		set_message(r->title, sizeof(r->title), line, l);
		set_message(r->oops_line, sizeof(r->oops_line), line, l);
		break;
	case VMR_OOPS_LINE_HEADER:
		if (!(r = new_report(p)))
			break;
		r->kind = l->kind;
		set_message(r->title, sizeof(r->title), line, l);
		if (l->kind == VMR_OOPS_PANIC) {
			p->has_panic = true;
			set_message(p->panic, sizeof(p->panic), line, l);
		}
		if (l->has_cpu) {
			r->has_cpu = true;
			r->cpu = l->cpu;
		}
		if (l->has_pid) {
			r->has_pid = true;
			r->pid = l->pid;
			snprintf(r->comm, sizeof(r->comm), "%s", l->comm);
		}
		break;
	case VMR_OOPS_LINE_CPU:
		if (!r || p->cur_cpu_line || r->nframes) {
			if (!(r = new_report(p)))
				break;
			snprintf(r->title, sizeof(r->title), "stack dump");
		}
		p->cur_cpu_line = true;
		r->has_cpu = r->has_pid = true;
		r->cpu = l->cpu;
		r->pid = l->pid;
		snprintf(r->comm, sizeof(r->comm), "%s", l->comm);
		break;
	case VMR_OOPS_LINE_RIP:
		if (r && !r->has_rip) {
			r->has_rip = true;
			r->rip = l->sym;
			r->rip_cs = l->cs;
			r->rip_user = l->has_cs && (l->cs & 3) == 3;
		}
		break;
	case VMR_OOPS_LINE_REGS:
		if (r)
			add_regs(r, l);
		break;
	case VMR_OOPS_LINE_CALL_TRACE:
		if (r) {
			r->has_trace = true;
			p->in_trace = true;
			p->ctx = VMR_OOPS_CTX_NONE;
		}
		break;
	case VMR_OOPS_LINE_MARKER:
		if (r && p->in_trace)
			p->ctx = l->ctx_end ? VMR_OOPS_CTX_NONE : l->ctx;
		break;
	case VMR_OOPS_LINE_FRAME:
		if (r && p->in_trace) {
			if (r->nframes < VMR_OOPS_MAX_FRAMES) {
				struct vmr_oops_frame *f = &r->frames[r->nframes++];
				f->sym = l->sym;
				f->unreliable = l->unreliable;
				f->ctx = p->ctx;
				f->line_no = p->line_no;
			} else {
				r->frames_truncated = true;
			}
		}
		break;
	case VMR_OOPS_LINE_CODE:
		if (r && !r->has_code)
			set_message(r->code, sizeof(r->code), line, l);
		if (r)
			r->has_code = true;
		break;
	case VMR_OOPS_LINE_END_TRACE:
		if (r)
			r->ended = true;
		p->cur = NULL;
		r = NULL;
		p->in_trace = false;
		break;
	case VMR_OOPS_LINE_KERNEL_OFFSET:
		p->has_offset = true;
		p->offset = l->kernel_offset;
		break;
	default:
		break;
	}
	if (r)
		r->last_line = p->line_no;
	p->line_no++;
}

/* Panics that an earlier report caused (kernel/panic.c, oops_end, hung_task.c,
 * watchdog.c, rcu/tree_stall.h callers of panic()). */
static bool consequence_panic(const char *title)
{
	static const char *const what[] = {
		"Fatal exception", "hung_task: blocked tasks", "softlockup: hung tasks",
		"hardlockup: hung tasks", "RCU Stall", "panic_on_warn set", "Hard LOCKUP",
		"Fatal machine check",
	};
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
		if (strstr(title, what[i]))
			return true;
	return false;
}

const struct vmr_oops_report *vmr_oops_parser_crash(const struct vmr_oops_parser *p)
{
	if (!p->n)
		return NULL;
	size_t last = p->n;
	for (size_t i = p->n; i-- > 0;) {
		if (vmr_oops_parser_report(p, i)->kind != VMR_OOPS_NONE) {
			last = i;
			break;
		}
	}
	if (last == p->n) { /* only stack dumps: the last one with frames */
		for (size_t i = p->n; i-- > 0;)
			if (vmr_oops_parser_report(p, i)->nframes)
				return vmr_oops_parser_report(p, i);
		return vmr_oops_parser_report(p, p->n - 1);
	}
	const struct vmr_oops_report *r = vmr_oops_parser_report(p, last);
	if (r->kind == VMR_OOPS_PANIC && consequence_panic(r->title)) {
		for (size_t i = last; i-- > 0;) {
			const struct vmr_oops_report *e = vmr_oops_parser_report(p, i);
			if (e->kind != VMR_OOPS_NONE && e->kind != VMR_OOPS_PANIC)
				return e;
		}
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Signature                                                            */

const char *vmr_oops_kind_name(enum vmr_oops_kind kind)
{
	static const char *const names[VMR_OOPS__COUNT] = {
		"none",    "null-deref",  "page-fault",  "gpf",       "bug-at",
		"bug",     "warning",     "oops",        "soft-lockup", "hard-lockup",
		"hung-task", "rcu-stall", "panic",
	};
	return (unsigned)kind < VMR_OOPS__COUNT ? names[kind] : "none";
}

bool vmr_oops_is_report_frame(const char *name)
{
	/* The frames between the bug and the report: panic and its callers'
	 * machinery, the exception entry of the oops, the timer interrupt of
	 * the lockup detectors, the scheduler of a blocked task. */
	static const char *const skip[] = {
		"dump_stack", "dump_stack_lvl", "show_stack", "show_trace_log_lvl",
		"panic", "vpanic", "nmi_panic", "__warn", "warn_slowpath_fmt", "__warn_printk",
		"report_bug", "handle_bug", "exc_invalid_op", "asm_exc_invalid_op",
		"do_error_trap", "do_trap", "die", "__die", "__die_body", "oops_end",
		"page_fault_oops", "no_context", "kernelmode_fixup_or_oops",
		"__bad_area_nosemaphore", "bad_area_nosemaphore", "do_user_addr_fault",
		"exc_page_fault", "asm_exc_page_fault", "exc_general_protection",
		"asm_exc_general_protection", "die_addr", "check_panic_on_warn",
		"watchdog_timer_fn", "__hrtimer_run_queues", "hrtimer_interrupt",
		"__sysvec_apic_timer_interrupt", "sysvec_apic_timer_interrupt",
		"asm_sysvec_apic_timer_interrupt", "watchdog_overflow_callback",
		"rcu_sched_clock_irq", "update_process_times", "tick_sched_handle",
		"tick_sched_timer", "print_cpu_stall", "check_cpu_stall", "rcu_pending",
		"__schedule", "schedule", "schedule_timeout", "schedule_preempt_disabled",
		"io_schedule", "crash_kexec", "__crash_kexec", "machine_kexec",
	};
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strcmp(name, skip[i]))
			return true;
	return false;
}

/* Up to @p n bytes of @p s, stopping at the first of ", ", ": " (after
 * an all-capitals word like "KASAN: " the next part is kept too). */
static size_t bug_text_len(const char *s, size_t n)
{
	size_t i = 0, word = 0;
	while (i < n) {
		if (s[i] == ',')
			return i;
		if (s[i] == ':' && (i + 1 >= n || s[i + 1] == ' ')) {
			bool caps = i > word;
			for (size_t k = word; k < i; k++)
				if (!(s[k] >= 'A' && s[k] <= 'Z'))
					caps = false;
			if (!caps)
				return i;
		}
		if (s[i] == ' ')
			word = i + 1;
		if (i >= 4 && !memcmp(s + i - 3, " in ", 4) && i > 4)
			return i - 3;
		i++;
	}
	return n;
}

/* The kind of a report without addresses and numbers that change per boot. */
static void normalize_kind(const struct vmr_oops_report *r, char *buf, size_t size)
{
	const char *t = r->title;
	size_t n = strlen(t);
	size_t sub = skip_subsystem(t, n);
	switch (r->kind) {
	case VMR_OOPS_NULL_DEREF:
		snprintf(buf, size, "BUG: kernel NULL pointer dereference");
		return;
	case VMR_OOPS_PAGE_FAULT:
		snprintf(buf, size, "BUG: unable to handle page fault");
		return;
	case VMR_OOPS_GPF:
		snprintf(buf, size, "general protection fault");
		return;
	case VMR_OOPS_BUG_AT: {
		const char *f = t + sub + strlen("kernel BUG at ");
		snprintf(buf, size, "kernel BUG at %.*s", (int)strcspn(f, ":!"), f);
		return;
	}
	case VMR_OOPS_BUG: {
		const char *f = t + sub + strlen("BUG: ");
		snprintf(buf, size, "BUG: %.*s", (int)bug_text_len(f, strlen(f)), f);
		return;
	}
	case VMR_OOPS_WARNING:
		snprintf(buf, size, "WARNING");
		return;
	case VMR_OOPS_OOPS: {
		const char *f = t;
		while (!strncmp(f, "Oops: ", 6))
			f += 6;
		if (vmr_hex_digit(f[0]) >= 0 && vmr_hex_digit(f[1]) >= 0 && vmr_hex_digit(f[2]) >= 0 &&
		    vmr_hex_digit(f[3]) >= 0)
			snprintf(buf, size, "Oops");
		else
			snprintf(buf, size, "Oops: %.*s", (int)strcspn(f, ":["), f);
		return;
	}
	case VMR_OOPS_SOFT_LOCKUP:
		snprintf(buf, size, "BUG: soft lockup");
		return;
	case VMR_OOPS_HARD_LOCKUP:
		snprintf(buf, size, "hard LOCKUP");
		return;
	case VMR_OOPS_HUNG_TASK:
		snprintf(buf, size, "INFO: task hung");
		return;
	case VMR_OOPS_RCU_STALL:
		snprintf(buf, size, "INFO: rcu detected stall");
		return;
	case VMR_OOPS_PANIC: {
		/* the message with 0x... values masked */
		size_t w = 0;
		for (size_t i = 0; i < n && w + 4 < size;) {
			if (t[i] == '0' && i + 1 < n && t[i + 1] == 'x' &&
			    (i == 0 || !is_alnum(t[i - 1]))) {
				memcpy(buf + w, "0x?", 3);
				w += 3;
				i += 2;
				while (i < n && vmr_hex_digit(t[i]) >= 0)
					i++;
				continue;
			}
			buf[w++] = t[i++];
		}
		buf[w] = 0;
		return;
	}
	default:
		snprintf(buf, size, "stack dump");
		return;
	}
}

static void add_sig_frame(struct vmr_signature *s, const char *name)
{
	char base[VMR_OOPS_NAME_LEN];
	vmr_oops_base_name(name, base, sizeof(base));
	if (!base[0] || vmr_oops_is_report_frame(base))
		return;
	if (s->nframes && !strcmp(s->frames[s->nframes - 1], base))
		return;
	if (s->nframes < VMR_SIGNATURE_FRAMES)
		snprintf(s->frames[s->nframes++], sizeof(s->frames[0]), "%s", base);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	h ^= '\n';
	h *= 0x100000001b3ull;
	return h;
}

void vmr_oops_signature(const struct vmr_oops_report *r, struct vmr_signature *out)
{
	memset(out, 0, sizeof(*out));
	normalize_kind(r, out->kind, sizeof(out->kind));
	bool lockup = r->kind == VMR_OOPS_SOFT_LOCKUP || r->kind == VMR_OOPS_HARD_LOCKUP ||
		      r->kind == VMR_OOPS_RCU_STALL;
	if (r->has_rip && !r->rip_user && r->rip.has_function)
		add_sig_frame(out, r->rip.function);
	for (unsigned i = 0; i < r->nframes && out->nframes < VMR_SIGNATURE_FRAMES; i++) {
		const struct vmr_oops_frame *f = &r->frames[i];
		if (f->unreliable || !f->sym.has_function)
			continue;
		if (lockup && (f->ctx == VMR_OOPS_CTX_IRQ || f->ctx == VMR_OOPS_CTX_NMI ||
			       f->ctx == VMR_OOPS_CTX_SOFTIRQ))
			continue;
		add_sig_frame(out, f->sym.function);
	}
	uint64_t h = 0xcbf29ce484222325ull;
	h = fnv1a(h, out->kind);
	for (unsigned i = 0; i < out->nframes; i++)
		h = fnv1a(h, out->frames[i]);
	out->hash = h;
	if (out->nframes)
		snprintf(out->title, sizeof(out->title), "%s in %s", out->kind, out->frames[0]);
	else
		snprintf(out->title, sizeof(out->title), "%s", out->kind);
}
