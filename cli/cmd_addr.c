/* SPDX-License-Identifier: MIT */
/* vmregion addr: one line (or JSON object) per address: its region, whether
 * the dump holds it, and the most precise owner known. */
#include "cli/cli.h"
#include "cli/json.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

const char cmd_addr_usage[] =
	"usage: vmregion addr [--json] DUMP ADDR... [-k VMLINUX]\n"
	"\n"
	"Say what each kernel address is in the boot DUMP comes from: its region,\n"
	"whether the dump holds it, its section and symbol, its physical address.\n"
	"ADDR is hex (0x optional), 0dDECIMAL, symbol[+offset], or - to read\n"
	"whitespace-separated addresses from stdin.\n"
	"\n"
	"  --json          one JSON array on stdout\n"
	"  -k, --vmlinux   the matching vmlinux (optional; build-id must match)\n"
	"\n"
	"Exit status: 0 all answered, 1 some address is not in the dump, 2 error.\n";

/* Everything known about one address. */
struct answer {
	struct vmr_addrinfo info;
	bool has_symbol;
	struct vmr_symbol sym;
};

static void resolve(struct vmr_kernel *k, uint64_t addr, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	vmr_kernel_describe(k, addr, &a->info);
	if (a->info.region == VMR_REGION_KERNEL_IMAGE && a->info.section != VMR_SECTION_NONE)
		a->has_symbol = vmr_kernel_symbolize(k, addr, &a->sym);
}

/* A kernel address that should be backed but is not: the answer is partial. */
static bool incomplete(const struct answer *a)
{
	return a->info.mapped_known && !a->info.mapped;
}

static void print_text(const struct answer *a)
{
	const struct vmr_addrinfo *in = &a->info;
	printf("%016" PRIx64 "  %-14s", in->addr, vmr_region_name(in->region));
	if (in->section != VMR_SECTION_NONE)
		printf("  %-7s", vmr_section_name(in->section));
	if (a->has_symbol) {
		printf("  %s+0x%" PRIx64, a->sym.name, in->addr - a->sym.addr);
		if (a->sym.size)
			printf("/0x%" PRIx64, a->sym.size);
	}
	if (in->region == VMR_REGION_VMEMMAP && in->has_pfn)
		printf("  struct page of pfn 0x%" PRIx64, in->pfn);
	else if (in->has_phys && in->region == VMR_REGION_DIRECT_MAP)
		printf("  phys 0x%" PRIx64 " pfn 0x%" PRIx64, in->phys, in->phys >> 12);
	if (in->mapped_known && !in->mapped)
		printf("  (not in the dump)");
	putchar('\n');
}

static void print_json(struct json *j, const struct answer *a)
{
	const struct vmr_addrinfo *in = &a->info;
	json_begin_object(j);
	json_kv_hex(j, "addr", in->addr);
	json_kv_string(j, "region", vmr_region_name(in->region));
	if (in->mapped_known)
		json_kv_bool(j, "mapped", in->mapped);
	if (in->section != VMR_SECTION_NONE)
		json_kv_string(j, "section", vmr_section_name(in->section));
	if (a->has_symbol) {
		json_kv_string(j, "symbol", a->sym.name);
		json_kv_hex(j, "offset", in->addr - a->sym.addr);
		if (a->sym.size)
			json_kv_hex(j, "symbol_size", a->sym.size);
	}
	if (in->has_phys) {
		json_kv_hex(j, "phys", in->phys);
		json_kv_hex(j, "pfn", in->phys >> 12);
	} else if (in->has_pfn) {
		json_kv_hex(j, "pfn", in->pfn);
	}
	if (a->has_symbol) {
		json_key(j, "owner");
		json_begin_object(j);
		json_kv_string(j, "kind", "symbol");
		json_kv_string(j, "symbol", a->sym.name);
		json_kv_hex(j, "offset", in->addr - a->sym.addr);
		json_end_object(j);
	} else if (in->region == VMR_REGION_VMEMMAP && in->has_pfn) {
		json_key(j, "owner");
		json_begin_object(j);
		json_kv_string(j, "kind", "page");
		json_kv_hex(j, "pfn", in->pfn);
		json_end_object(j);
	}
	json_end_object(j);
}

struct addr_run {
	struct cli_session *s;
	bool json;
	struct json j;
	int status;
};

static void answer_one(struct addr_run *run, const char *text)
{
	uint64_t addr;
	if (!cli_parse_address(run->s->kernel, text, &addr)) {
		run->status = EXIT_BAD;
		return;
	}
	struct answer a;
	resolve(run->s->kernel, addr, &a);
	if (incomplete(&a) && run->status == EXIT_OK)
		run->status = EXIT_INCOMPLETE;
	if (run->json)
		print_json(&run->j, &a);
	else
		print_text(&a);
}

static void answer_stdin(struct addr_run *run)
{
	char word[512];
	size_t n = 0;
	int c;
	do {
		c = getchar();
		if (c == EOF || isspace(c)) {
			if (n) {
				word[n] = 0;
				answer_one(run, word);
				n = 0;
			}
		} else if (n + 1 < sizeof(word)) {
			word[n++] = (char)c;
		}
	} while (c != EOF);
}

int cmd_addr(int argc, char **argv)
{
	struct cli_common opt = { 0 };
	char *rest[argc > 0 ? argc : 1];
	int nrest, rc = cli_parse_common(argc, argv, cmd_addr_usage, &opt, rest, &nrest);
	if (rc >= 0)
		return rc;
	if (nrest < 2) {
		cli_error("addr: expected DUMP and at least one ADDR (see vmregion addr --help)");
		return EXIT_BAD;
	}
	opt.dump_path = rest[0];
	struct cli_session s;
	if ((rc = cli_open(&opt, &s)))
		return rc;
	if (!opt.json)
		cli_print_warnings(&s);

	struct addr_run run = { .s = &s, .json = opt.json, .status = EXIT_OK };
	if (run.json) {
		json_init(&run.j, stdout);
		json_begin_array(&run.j);
	}
	for (int i = 1; i < nrest; i++) {
		if (!strcmp(rest[i], "-"))
			answer_stdin(&run);
		else
			answer_one(&run, rest[i]);
	}
	if (run.json) {
		json_end_array(&run.j);
		json_finish(&run.j);
	}
	cli_close(&s);
	return run.status;
}
