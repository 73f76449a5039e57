/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: any dump file (ELF vmcore headers, program headers, notes;
 * zstd and flattened wrappers; kdump headers), opened with vmr_dump_open()
 * and read.  Seeds: synthetic ELF vmcores (tests/fixtures/mkvmcore), their
 * flattened and zstd forms, cut-down headers of corpus dumps.
 */
#define _GNU_SOURCE
#include "dumpinput.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_dump_input(data, size);
}
