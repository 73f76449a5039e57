/* SPDX-License-Identifier: MIT */
/**
 * @file modsrc.h  Source lines of module code from the modules' own .ko
 * files (their DWARF, through libdwfl, which applies an ET_REL file's
 * relocations), as scripts/decode_stacktrace.sh finds them in a module
 * directory.  A location is asked as the kernel prints it, func+off in a
 * module, so no load address is needed.
 */
#ifndef VMR_DWARF_MODSRC_H
#define VMR_DWARF_MODSRC_H

#include <stddef.h>
#include <stdint.h>

#include "dwarf/vmlinux.h"

struct vmr_modsrc;

/**
 * Look for modules in @p paths: .ko files, or directories searched (a few
 * levels deep, as /lib/modules/RELEASE is) for MODULE.ko.  Nothing is
 * opened before a module is asked for.  @return NULL or out-of-memory.
 */
struct vmr_error *vmr_modsrc_create(const char *const *paths, size_t n,
				    struct vmr_modsrc **out);
void vmr_modsrc_destroy(struct vmr_modsrc *m);

/**
 * File and line of @p function + @p offset in module @p module (minus one
 * byte for a return address, as the kernel's own decoders do).  @p size,
 * when not 0, is the symbol size the kernel printed (up to the next
 * symbol): a .ko whose function does not fit it is not the loaded module
 * and gives no line.
 * @return true with @p out filled (strings live as long as @p m), or false
 * with a reason in @p why.
 */
bool vmr_modsrc_line(struct vmr_modsrc *m, const char *module, const char *function,
		     uint64_t offset, uint64_t size, bool return_address,
		     struct vmr_source_line *out, char *why, size_t whylen);

#endif
