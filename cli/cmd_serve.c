/* SPDX-License-Identifier: MIT */
/* vmregion serve: the dump as a read-only GDB remote target on stdin/stdout,
 * for `target remote | vmregion serve DUMP`; monitor commands answer with
 * the text of the subcommands. */
#include "cli/cli.h"
#include "cli/describe.h"
#include "cli/monitor.h"
#include "cli/remote.h"
#include "plugin/server.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char cmd_serve_usage[] =
	"usage: vmregion serve DUMP [-k VMLINUX]\n"
	"       vmregion serve --remote HOST:PORT [-k VMLINUX]   (see serve --remote --help)\n"
	"\n"
	"Serve DUMP to gdb as a read-only remote target on stdin/stdout:\n"
	"    (gdb) target remote | vmregion serve DUMP [-k VMLINUX]\n"
	"One thread per CPU with the registers saved in the dump, any kernel\n"
	"virtual address read through the page tables (a page not in the dump is\n"
	"an error, never zeros), and monitor commands:\n"
	"    monitor vmregion ADDR...   what `vmregion addr` prints\n"
	"    monitor mem ADDR [LEN] [--frames]\n"
	"                               what `vmregion mem` prints (LEN at most 64K);\n"
	"                               --frames marks the unwound frames of every CPU\n"
	"    monitor info               what `vmregion info` prints\n"
	"    monitor dmesg [--caller]   what `vmregion dmesg` prints\n"
	"    monitor triage             what `vmregion triage` prints\n"
	"    monitor help\n"
	"`vmregion gdb DUMP [VMLINUX]` starts gdb with all of this wired up.\n"
	"\n"
	"  -k, --vmlinux   the matching vmlinux (optional; build-id must match)\n";

static const char monitor_help[] =
	"vmregion monitor commands:\n"
	"  monitor vmregion ADDR...   region and owner of each address, as `vmregion addr`\n"
	"                             (ADDR: hex, 0dDECIMAL, symbol[+offset])\n"
	"  monitor mem ADDR [LEN] [--frames]\n"
	"                             LEN bytes (default 64, at most 64K) as annotated\n"
	"                             8-byte words, as `vmregion mem`; --frames marks\n"
	"                             the frames the unwinder finds from every CPU's\n"
	"                             registers\n"
	"  monitor info               layout of this boot, as `vmregion info`\n"
	"  monitor dmesg [--caller]   the kernel log, as `vmregion dmesg`\n"
	"  monitor triage             panic reason, task, annotated report, signature,\n"
	"                             as `vmregion triage`\n"
	"  monitor help               this text\n"
	"gdb commands (vmregion.gdb):\n"
	"  info vmregion EXPR         monitor vmregion on the value of a gdb expression\n"
	"  info vmregion-mem EXPR [COUNT]\n"
	"                             monitor mem --frames on COUNT words (default 32)\n"
	"                             at EXPR\n";

/* Largest monitor mem range: 8192 words, about 1 MB of text, sent in 1 KiB
 * 'O' packets; larger sweeps are for `vmregion mem`. */
#define MONITOR_MEM_MAX 0x10000u

static bool parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;
	if (!*s || !isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* The address syntax of `vmregion addr` (cli_parse_address), with the error
 * written to @p out instead of stderr. */
static bool monitor_address(struct vmr_kernel *k, const char *text, uint64_t *addr, FILE *out)
{
	if (!strncmp(text, "0x", 2) || !strncmp(text, "0X", 2)) {
		if (parse_u64(text + 2, 16, addr))
			return true;
	} else if (!strncmp(text, "0d", 2)) {
		if (parse_u64(text + 2, 10, addr) && strspn(text + 2, "0123456789") == strlen(text + 2))
			return true;
	} else if (strspn(text, "0123456789abcdefABCDEF") == strlen(text)) {
		if (parse_u64(text, 16, addr))
			return true;
	} else if (isalpha((unsigned char)text[0]) || text[0] == '_') {
		char name[256];
		const char *plus = strchr(text, '+');
		size_t n = plus ? (size_t)(plus - text) : strlen(text);
		uint64_t off = 0, base;
		if (n < sizeof(name) &&
		    (!plus || (!strncmp(plus + 1, "0x", 2) ? parse_u64(plus + 3, 16, &off)
							     : parse_u64(plus + 1, 10, &off)))) {
			memcpy(name, text, n);
			name[n] = 0;
			struct vmr_error *err = vmr_kernel_symbol_address(k, name, &base);
			if (err) {
				fprintf(out, "vmregion: %s: %s\n", text, vmr_error_message(err));
				vmr_error_free(err);
				return false;
			}
			*addr = base + off;
			return true;
		}
	}
	fprintf(out, "vmregion: %s: not an address (hex, 0dDECIMAL, or symbol[+offset])\n", text);
	return false;
}

int monitor_command(void *ctx, struct vmr_kernel *k, const char *command, FILE *out)
{
	struct monitor_ctx *m = ctx;
	char *words[64];
	int n = 0;
	char *copy = strdup(command);
	if (!copy) {
		fputs("vmregion: out of memory\n", out);
		return 1;
	}
	for (char *save, *w = strtok_r(copy, " \t\r\n", &save); w && n < 64;
	     w = strtok_r(NULL, " \t\r\n", &save))
		words[n++] = w;
	int rc = 0;
	if (!n || !strcmp(words[0], "help")) {
		fputs(monitor_help, out);
	} else if (!strcmp(words[0], "vmregion") || !strcmp(words[0], "addr")) {
		if (n < 2) {
			fputs("usage: monitor vmregion ADDR...\n", out);
			rc = 1;
		}
		for (int i = 1; i < n; i++) {
			uint64_t addr;
			if (!monitor_address(k, words[i], &addr, out)) {
				rc = 1;
				continue;
			}
			struct description d;
			char line[1024];
			describe(k, addr, &d);
			describe_text(&d, line, sizeof(line));
			fprintf(out, "%016" PRIx64 "  %s\n", addr, line);
		}
	} else if (!strcmp(words[0], "mem") && n >= 2 && n <= 4) {
		uint64_t addr, len = 64;
		bool frames = n >= 3 && !strcmp(words[n - 1], "--frames");
		if (frames)
			n--;
		if (n == 4) {
			fprintf(out, "vmregion: monitor mem: %s: unknown command or arguments "
				"(monitor help lists them)\n", command);
			rc = 1;
		} else if (!monitor_address(k, words[1], &addr, out)) {
			rc = 1;
		} else if (n == 3 && (!(strncmp(words[2], "0x", 2) ? parse_u64(words[2], 10, &len)
								    : parse_u64(words[2] + 2, 16, &len)) ||
				      !len || len > MONITOR_MEM_MAX)) {
			fprintf(out, "vmregion: monitor mem: %s: not a length in bytes from 1 to %u "
				"(decimal or 0xHEX)\n", words[2], MONITOR_MEM_MAX);
			rc = 1;
		} else {
			rc = mem_print_text(m->s, addr, len, frames, out) == EXIT_BAD;
		}
	} else if (!strcmp(words[0], "info") && n == 1) {
		const struct vmr_layout *l = vmr_kernel_layout(k);
		for (unsigned i = 0; i < l->nwarnings; i++)
			fprintf(out, "vmregion: warning: %s\n", l->warnings[i]);
		info_print_text(out, &m->opt, m->s);
	} else if (!strcmp(words[0], "dmesg") &&
		   (n == 1 || (n == 2 && !strcmp(words[1], "--caller")))) {
		rc = dmesg_print_text(k, n == 2, out, out) == EXIT_BAD;
	} else if (!strcmp(words[0], "triage") && n == 1) {
		rc = triage_print_text(m->s, out) == EXIT_BAD;
	} else {
		fprintf(out, "vmregion: monitor %s: unknown command or arguments "
			"(monitor help lists them)\n", command);
		rc = 1;
	}
	free(copy);
	return rc;
}

int cmd_serve(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) /* a live kernel: cmd_remote.c */
		if (!strncmp(argv[i], "--remote", 8))
			return cmd_serve_remote(argc, argv);
	struct cli_common opt = { 0 };
	char *rest[argc > 0 ? argc : 1];
	int nrest, rc = cli_parse_common(argc, argv, cmd_serve_usage, &opt, rest, &nrest);
	if (rc >= 0)
		return rc;
	if (nrest != 1 || opt.json) {
		cli_error("serve: expected one DUMP (see vmregion serve --help)");
		return EXIT_BAD;
	}
	opt.dump_path = rest[0];
	struct cli_session s;
	if ((rc = cli_open(&opt, &s)))
		return rc;
	cli_print_warnings(&s);

	struct monitor_ctx mctx = { .opt = opt, .s = &s };
	struct vmr_server_options so = { .monitor = monitor_command, .monitor_ctx = &mctx };
	struct vmr_server *srv;
	struct vmr_error *err = vmr_server_create(s.kernel, &so, &srv);
	if (!err) {
		err = vmr_server_run(srv, STDIN_FILENO, STDOUT_FILENO);
		vmr_server_destroy(srv);
	}
	cli_close(&s);
	return err ? cli_fail(err) : EXIT_OK;
}
