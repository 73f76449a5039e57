/* SPDX-License-Identifier: MIT */
/* vmregion addr: one line (or JSON object) per address: its region, whether
 * the dump holds it, and the most precise owner known. */
#include "cli/cli.h"
#include "cli/describe.h"
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
	struct description d;
	describe(run->s->kernel, addr, &d);
	if (description_incomplete(&d) && run->status == EXIT_OK)
		run->status = EXIT_INCOMPLETE;
	if (run->json) {
		describe_json(&run->j, &d);
	} else {
		char line[1024];
		describe_text(&d, line, sizeof(line));
		printf("%016" PRIx64 "  %s\n", addr, line);
	}
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
	/* What the answers found wrong on the way (a walk stopped early ...). */
	fflush(stdout);
	cli_print_warnings(&s);
	cli_close(&s);
	return run.status;
}
