/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("vmregion: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	fputs("vmregion: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_fail(struct vmr_error *err)
{
	cli_error("%s", vmr_error_message(err));
	vmr_error_free(err);
	return EXIT_BAD;
}

int cli_open(const struct cli_common *opt, struct cli_session *s)
{
	struct vmr_error *err;
	s->dump = NULL;
	s->kernel = NULL;
	s->warned = 0;
	err = vmr_dump_open(opt->dump_path, &s->dump);
	if (err)
		return cli_fail(err);
	err = vmr_kernel_open(s->dump, opt->vmlinux, &s->kernel);
	if (err) {
		vmr_dump_close(s->dump);
		s->dump = NULL;
		return cli_fail(err);
	}
	return EXIT_OK;
}

void cli_close(struct cli_session *s)
{
	vmr_kernel_close(s->kernel);
	vmr_dump_close(s->dump);
}

void cli_print_warnings(struct cli_session *s)
{
	const struct vmr_layout *l = vmr_kernel_layout(s->kernel);
	for (; s->warned < l->nwarnings; s->warned++)
		cli_warn("%s", l->warnings[s->warned]);
}

static bool parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;
	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool cli_parse_address(struct vmr_kernel *k, const char *text, uint64_t *out)
{
	if (!strncmp(text, "0x", 2) || !strncmp(text, "0X", 2)) {
		if (parse_u64(text + 2, 16, out))
			return true;
	} else if (!strncmp(text, "0d", 2)) {
		if (parse_u64(text + 2, 10, out))
			return true;
	} else if (text[0] && strspn(text, "0123456789abcdefABCDEF") == strlen(text)) {
		/* Bare digits: kernel addresses are written in hex everywhere
		 * (oopses, /proc/kallsyms), so a string of hex digits is hex. */
		if (parse_u64(text, 16, out))
			return true;
	} else if (k && (isalpha((unsigned char)text[0]) || text[0] == '_')) {
		char name[256];
		const char *plus = strchr(text, '+');
		size_t n = plus ? (size_t)(plus - text) : strlen(text);
		uint64_t off = 0, addr;
		if (n < sizeof(name)) {
			memcpy(name, text, n);
			name[n] = 0;
			if (plus && !(strncmp(plus + 1, "0x", 2) ? parse_u64(plus + 1, 10, &off)
							   : parse_u64(plus + 3, 16, &off)))
				goto bad;
			struct vmr_error *err = vmr_kernel_symbol_address(k, name, &addr);
			if (err) {
				cli_error("%s: %s", text, vmr_error_message(err));
				vmr_error_free(err);
				return false;
			}
			*out = addr + off;
			return true;
		}
	}
bad:
	cli_error("%s: not an address (hex, 0dDECIMAL, or symbol[+offset])", text);
	return false;
}

const char *cli_size(uint64_t bytes, char buf[32])
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB" };
	int u = 0;
	while (u < 4 && bytes >> (10 * (u + 1)))
		u++;
	uint64_t scale = 1ULL << (10 * u);
	uint64_t whole = bytes / scale, rounded = (bytes + scale / 2) / scale;
	bool exact = whole * scale == bytes;
	/* Beyond a million TB, say "~16M TB" as mm.rst does for the
	 * non-canonical hole. */
	if (u == 4 && whole >= (1ULL << 20)) {
		snprintf(buf, 32, "~%" PRIu64 "M TB", (uint64_t)((rounded + (1ULL << 19)) >> 20));
		return buf;
	}
	snprintf(buf, 32, "%s%" PRIu64 " %s", exact ? "" : "~", exact ? whole : rounded, unit[u]);
	return buf;
}

int cli_parse_common(int argc, char **argv, const char *usage, struct cli_common *opt,
		     char **rest, int *nrest)
{
	*nrest = 0;
	bool dashdash = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (dashdash || a[0] != '-' || !strcmp(a, "-")) {
			rest[(*nrest)++] = argv[i];
		} else if (!strcmp(a, "--")) {
			dashdash = true;
		} else if (!strcmp(a, "--json")) {
			opt->json = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "-k") || !strcmp(a, "--vmlinux")) {
			if (i + 1 >= argc) {
				cli_error("%s: missing VMLINUX after %s", argv[0], a);
				return EXIT_BAD;
			}
			opt->vmlinux = argv[++i];
		} else if (!strncmp(a, "--vmlinux=", 10)) {
			opt->vmlinux = a + 10;
		} else if (a[1] == '0' && a[2] == 'x') {
			rest[(*nrest)++] = argv[i]; /* never an option: -0x.. */
		} else {
			cli_error("%s: unknown option %s (see vmregion %s --help)", argv[0], a,
				  argv[0]);
			return EXIT_BAD;
		}
	}
	return -1;
}

int cli_take_modules(int argc, char **argv, char **keep, int *nkeep, const char **mods,
		     size_t *nmods)
{
	*nkeep = 0;
	*nmods = 0;
	for (int i = 0; i < argc; i++) {
		if (i > 0 && (!strcmp(argv[i], "-m") || !strcmp(argv[i], "--modules"))) {
			if (i + 1 >= argc) {
				cli_error("missing PATH after %s", argv[i]);
				return EXIT_BAD;
			}
			mods[(*nmods)++] = argv[++i];
		} else {
			keep[(*nkeep)++] = argv[i];
		}
	}
	return -1;
}
