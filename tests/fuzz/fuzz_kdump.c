/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the kdump-compressed path.  The input always starts with a
 * kdump signature ("KDUMP   " written over the first 8 bytes unless they
 * say "DISKDUMP"), so that every run passes
 * detection and goes through vmcore/kdump.c's header, sub-header, bitmap and
 * note checks before libkdumpfile sees the file.  Seeds: cut-down kdump
 * files (headers, bitmaps, descriptors and the first pages) of the corpus.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "dumpinput.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 9)
		return 0;
	uint8_t *copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (memcmp(copy, "DISKDUMP", 8))
		memcpy(copy, "KDUMP   ", 8);
	fuzz_dump_input(copy, size);
	free(copy);
	return 0;
}
