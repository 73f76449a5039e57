/* SPDX-License-Identifier: MIT */
/* The Code: line of an oops decoded with objdump (see code.h).  The bytes
 * go to a private temporary file; objdump runs with a time limit and its
 * output is read through a pipe, bounded. */
#define _GNU_SOURCE
#include "cli/code.h"
#include "common/bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/** Most objdump output read (64 bytes of code make a few KB). */
#define OUT_MAX (256 * 1024)

bool code_rip_addr(struct report_ctx *c, const struct vmr_oops_line *rip, uint64_t *addr)
{
	if (rip->sym.has_addr) {
		*addr = rip->sym.addr;
		return true;
	}
	if (!rip->sym.has_function || (rip->has_cs && (rip->cs & 3) == 3))
		return false;
	struct vmr_code_location loc;
	vmr_annotate_location(c->a, &rip->sym, false, &loc);
	*addr = loc.addr;
	return loc.has_addr;
}

/*
 * The bytes of a Code: line: two-digit hex tokens, exactly one of them
 * marked as the faulting byte by <..> (x86) or (..) / ((..)) (the form
 * scripts/decodecode also reads).  Anything else: not a byte dump.
 */
static bool parse_bytes(const char *s, size_t n, unsigned char *bytes, unsigned *nbytes,
			unsigned *mark)
{
	const char *code = memmem(s, n, "Code: ", 6);
	if (!code)
		return false;
	size_t i = (size_t)(code - s) + 6;
	unsigned nb = 0, nmark = 0;
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	while (i < n) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && s[j] != ' ')
			j++;
		/* s[i, j): one token */
		size_t open = 0, close = 0;
		while (i + open < j && (s[i + open] == '<' || s[i + open] == '('))
			open++;
		while (j - close > i + open && (s[j - close - 1] == '>' || s[j - close - 1] == ')'))
			close++;
		if (j - i - open - close != 2 || open != close || open > 2 || nb == CODE_MAX_BYTES)
			return false;
		int hi = vmr_hex_digit(s[i + open]), lo = vmr_hex_digit(s[i + open + 1]);
		if (hi < 0 || lo < 0)
			return false;
		if (open) {
			nmark++;
			*mark = nb;
		}
		bytes[nb++] = (unsigned char)(hi << 4 | lo);
		i = j;
	}
	*nbytes = nb;
	return nb > 0 && nmark == 1;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * objdump -D -b binary -m i386:x86-64 on @p file, its first byte at
 * address @p vma, from @p vma + @p start on.  @return its output
 * (NUL-terminated, malloc'd) or NULL if it could not run, failed, or ran
 * out of time.
 */
static char *run_objdump(const char *file, uint64_t vma, unsigned start,
			 const struct timespec *t0)
{
	char vma_arg[40], start_arg[40];
	snprintf(vma_arg, sizeof(vma_arg), "--adjust-vma=0x%" PRIx64, vma);
	snprintf(start_arg, sizeof(start_arg), "--start-address=0x%" PRIx64, vma + start);
	char *argv[] = { "objdump", "-D", "-b", "binary", "-m", "i386:x86-64",
			 "--insn-width=16", vma_arg, start_arg, (char *)file, NULL };
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC))
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return NULL;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		dup2(pfd[1], 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	size_t len = 0;
	char *buf = malloc(OUT_MAX + 1);
	bool ok = buf != NULL;
	while (ok) {
		long left = CODE_TIMEOUT_MS - ms_since(t0);
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ok = false; /* out of time */
			break;
		}
		ssize_t got = read(pfd[0], buf + len, OUT_MAX - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
		if (len == OUT_MAX)
			ok = false;
	}
	close(pfd[0]);
	if (!ok)
		kill(pid, SIGKILL);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!ok || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

/*
 * objdump lines "ffffffffc032c07c:\tc7 00 5a 5a 00 00   \tmovl   $0x5a5a,(%rax)"
 * into d->insn (offsets relative to the byte @p mark of the file loaded at
 * @p vma), up to but not including the byte @p stop.
 */
static void parse_objdump(char *outp, uint64_t vma, unsigned mark, unsigned stop,
			  struct code_decoded *d)
{
	for (char *line = strtok(outp, "\n"); line; line = strtok(NULL, "\n")) {
		char *end;
		while (*line == ' ')
			line++;
		uint64_t off = strtoull(line, &end, 16) - vma;
		if (end == line || end[0] != ':' || end[1] != '\t' || off >= stop)
			continue;
		char *bytes = end + 2, *tab = strchr(bytes, '\t');
		if (!tab || d->n == CODE_MAX_BYTES)
			continue;
		*tab = 0;
		struct code_insn *in = &d->insn[d->n++];
		size_t bl = strlen(bytes);
		while (bl && bytes[bl - 1] == ' ')
			bl--;
		snprintf(in->bytes, sizeof(in->bytes), "%.*s", (int)bl, bytes);
		snprintf(in->text, sizeof(in->text), "%s", tab + 1);
		in->offset = (int64_t)off - (int64_t)mark;
		in->faulting = off == mark;
	}
}

bool code_decode(const char *line, size_t len, bool has_rip, uint64_t rip,
		 struct code_decoded *d)
{
	unsigned char bytes[CODE_MAX_BYTES];
	unsigned nbytes = 0, mark = 0;
	if (!parse_bytes(line, len, bytes, &nbytes, &mark))
		return false;
	d->has_rip = has_rip;
	d->rip = rip;
	d->resynced = false;
	d->n = 0;

	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/vmregion-code-XXXXXX",
		     tmpdir && *tmpdir ? tmpdir : "/tmp") >= (int)sizeof(path))
		return false;
	int fd = mkstemp(path); /* mode 0600 */
	if (fd < 0)
		return false;
	bool ok = write(fd, bytes, nbytes) == (ssize_t)nbytes;
	close(fd);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Without the address, offsets: call targets are then relative too. */
	uint64_t vma = has_rip ? rip - mark : 0;
	char *o = ok ? run_objdump(path, vma, 0, &t0) : NULL;
	if (o) {
		parse_objdump(o, vma, mark, nbytes, d);
		free(o);
		/* The bytes before RIP may not decode up to it (a prologue cut in
		 * the middle of an instruction): decode again from RIP. */
		bool aligned = false;
		for (unsigned i = 0; i < d->n; i++)
			aligned |= d->insn[i].faulting;
		if (!aligned) {
			unsigned keep = 0;
			while (keep < d->n && d->insn[keep].offset < 0)
				keep++;
			/* the last one before RIP runs into it: drop it */
			if (keep)
				keep--;
			d->n = keep;
			d->resynced = true;
			o = run_objdump(path, vma, mark, &t0);
			if (o) {
				parse_objdump(o, vma, mark, nbytes, d);
				free(o);
			} else {
				ok = false;
			}
		}
	} else {
		ok = false;
	}
	unlink(path);
	return ok && d->n > 0;
}

bool code_follow(struct report_ctx *c, const char *s, size_t n, const struct vmr_oops_line *l,
		 struct code_rip *rip, struct code_decoded *code)
{
	switch (l->type) {
	case VMR_OOPS_LINE_HEADER:
	case VMR_OOPS_LINE_END_TRACE:
		rip->seen = rip->known = false;
		return false;
	case VMR_OOPS_LINE_RIP:
		rip->seen = true;
		rip->known = code_rip_addr(c, l, &rip->addr);
		return false;
	case VMR_OOPS_LINE_CODE:
		if (rip->decodes >= CODE_MAX_DECODES)
			return false;
		rip->decodes++;
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		bool ok = code_decode(s, n, rip->seen && rip->known, rip->addr, code);
		/* An objdump that hangs once is not run again. */
		if (!ok && ms_since(&t0) >= CODE_TIMEOUT_MS)
			rip->decodes = CODE_MAX_DECODES;
		return ok;
	default:
		return false;
	}
}

static void label(char *buf, size_t size, const struct code_decoded *d, int64_t off)
{
	if (d->has_rip)
		snprintf(buf, size, "%016" PRIx64, d->rip + (uint64_t)off);
	else if (off == 0)
		snprintf(buf, size, "RIP");
	else
		snprintf(buf, size, "RIP%c0x%" PRIx64, off < 0 ? '-' : '+',
			 (uint64_t)(off < 0 ? -off : off));
}

void code_text(FILE *out, const struct code_decoded *d, size_t indent)
{
	if (indent > 40)
		indent = 40;
	int width = 0;
	for (unsigned i = 0; i < d->n; i++) {
		char at[32];
		label(at, sizeof(at), d, d->insn[i].offset);
		if ((int)strlen(at) > width)
			width = (int)strlen(at);
	}
	for (unsigned i = 0; i < d->n; i++) {
		const struct code_insn *in = &d->insn[i];
		char at[32];
		label(at, sizeof(at), d, in->offset);
		strcat(at, ":");
		if (d->resynced && in->faulting)
			fprintf(out, "%*s  %s\n", (int)indent, "",
				"(the bytes before RIP do not decode up to it: decoded again from RIP)");
		fprintf(out, "%*s  %-*s  %-29s %s%s\n", (int)indent, "", width + 1, at, in->bytes,
			in->text, in->faulting ? "   <-- trapping instruction" : "");
	}
}

void code_json(struct json *j, const struct code_decoded *d)
{
	json_begin_object(j);
	if (d->has_rip)
		json_kv_hex(j, "rip", d->rip);
	json_key(j, "instructions");
	json_begin_array(j);
	for (unsigned i = 0; i < d->n; i++) {
		const struct code_insn *in = &d->insn[i];
		json_begin_object(j);
		if (d->has_rip)
			json_kv_hex(j, "addr", d->rip + (uint64_t)in->offset);
		json_key(j, "offset");
		json_int(j, in->offset);
		json_kv_string(j, "bytes", in->bytes);
		json_kv_string(j, "insn", in->text);
		json_kv_bool(j, "faulting", in->faulting);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}
