/* SPDX-License-Identifier: MIT */
/**
 * @file describe.h  One address, fully described (region + owner), as text
 * or JSON: shared by `addr` and the commands that annotate memory.
 */
#ifndef VMR_CLI_DESCRIBE_H
#define VMR_CLI_DESCRIBE_H

#include <vmregion/vmregion.h>

#include "cli/json.h"

/** Everything known about one address. */
struct description {
	struct vmr_addrinfo info;
	struct vmr_owner owner;
	bool has_owner;
};

/** Classify @p addr and look up its owner. */
void describe(struct vmr_kernel *k, uint64_t addr, struct description *d);
/** @return true if the answer is incomplete (a kernel address not in the dump). */
bool description_incomplete(const struct description *d);
/** One line of text (no newline) after the address: region, then owner. */
void describe_text(const struct description *d, char *buf, size_t size);
/** One JSON object with the keys of DESIGN.md §4. */
void describe_json(struct json *j, const struct description *d);

#endif
