/* SPDX-License-Identifier: MIT */
/**
 * @file dwarfload.h  The debug sections of a vmlinux with compressed DWARF,
 * decompressed only as far as a question needs and handed to libdw as an
 * in-memory ELF (internal to dwarf/).
 *
 * libdw (elfutils 0.188) inflates every SHF_COMPRESSED debug section when a
 * Dwarf handle is created: ~330 ms for a 6.12 vmlinux whose .debug_info is
 * 28 MB of zlib (49 MB inflated).  A source line needs one unit: this loader
 * inflates .debug_info as a stream only up to the end of the unit that
 * .debug_aranges names for the address (and further, from where the stream
 * stopped, when a later unit is asked for), the small sections needed for
 * lines and scopes on a second thread meanwhile, and never .debug_loclists
 * or .debug_frame.  libdw sees a .debug_info cut after the units that are
 * ready, so it can never read bytes that are not there.
 */
#ifndef VMR_DWARF_DWARFLOAD_H
#define VMR_DWARF_DWARFLOAD_H

#include <elfutils/libdw.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>

#include <vmregion/error.h>

struct vmr_dwload;

/**
 * Look at the debug sections of @p elf (nothing is decompressed yet).
 * @param[in] elf the vmlinux; it must outlive the loader and its sections
 *            must not be decompressed in place meanwhile (raw bytes are read).
 * @param[in] path for error messages.
 * @param[out] out the loader, or NULL when it would not help (no compressed
 *             .debug_* section, or a layout it does not handle): then use
 *             dwarf_begin_elf() on @p elf.
 * @return NULL, or &vmr_enomem.
 */
struct vmr_error *vmr_dwload_open(Elf *elf, const char *path, struct vmr_dwload **out);

/**
 * A Dwarf handle in which the unit holding the link address @p addr (found
 * through .debug_aranges, as dwarf_addrdie() finds it) is complete.
 * @param[out] dbg the handle (owned by the loader, valid until close).
 * @param[out] cudie the unit's DIE.
 * @return NULL, VMR_ERR_NOT_FOUND (no unit covers @p addr), VMR_ERR_FORMAT
 *         (corrupt compressed data or unit header), or &vmr_enomem.
 */
struct vmr_error *vmr_dwload_unit(struct vmr_dwload *l, uint64_t addr, Dwarf **dbg,
				  Dwarf_Die *cudie);

/**
 * A Dwarf handle over the whole of the sections (every unit).
 * @return NULL, VMR_ERR_FORMAT, or &vmr_enomem.
 */
struct vmr_error *vmr_dwload_all(struct vmr_dwload *l, Dwarf **dbg);

/**
 * Start inflating now, ahead of any question: .debug_info from its start on
 * one thread (every unit needs the stream up to its end, so nothing is
 * guessed) and the small sections on another, while the caller does other
 * work (opening the dump, rebuilding the layout).  Later questions wait
 * only for what they need; close stops the threads within one step.
 * Nothing happens with one thread (vmr_dwload_set_threads()) or once a
 * question was asked.
 */
void vmr_dwload_prefetch(struct vmr_dwload *l);

/** Inflate the small sections on a second thread (@p two, the default) or not. */
void vmr_dwload_set_threads(struct vmr_dwload *l, bool two);

/** Bytes of .debug_info inflated so far, and its full size (for benches). */
void vmr_dwload_progress(struct vmr_dwload *l, uint64_t *done, uint64_t *total);

/** One address range of .debug_aranges and the unit it belongs to. */
struct vmr_arange {
	uint64_t lo, len, cu;
};

/**
 * Index .debug_aranges (version 2 sets of 8-byte address pairs, ending in a
 * zero pair): the table dwarf_getaranges() builds, without its check of
 * every unit header (which reads all of .debug_info, or what of it is
 * inflated yet).
 * @param[out] out sorted by lo (free() it).  @return NULL, VMR_ERR_FORMAT,
 *         &vmr_enomem.
 */
struct vmr_error *vmr_aranges_index(const uint8_t *p, size_t size, const char *path,
				    struct vmr_arange **out, size_t *count);

/** The unit holding @p addr: the search of dwarf_getarange_addr(). */
bool vmr_aranges_find(const struct vmr_arange *ar, size_t nar, uint64_t addr, uint64_t *cu);

/** Free @p l (NULL is ignored) and every handle it gave out. */
void vmr_dwload_close(struct vmr_dwload *l);

#endif
