/* SPDX-License-Identifier: MIT */
/**
 * @file config.h  The configuration of the gdb JIT reader vmregion-gdb.so
 * (implemented in unwind/gdbconfig.c; format in plugin/jit/README.md).
 *
 * `vmregion gdb` needs nothing of this: the reader builds the same
 * configuration itself from VMREGION_DUMP (+ VMREGION_VMLINUX) when
 * VMR_GDB_CONFIG is not set.  Writing a file is for setups where gdb must
 * not open the dump (e.g. --remote): write it, then start gdb with
 * VMR_GDB_CONFIG=PATH in its environment.
 */
#ifndef VMR_PLUGIN_JIT_CONFIG_H
#define VMR_PLUGIN_JIT_CONFIG_H

#include <vmregion/kernel.h>

/**
 * The configuration of @p k: text header, then the ORC tables (vmlinux and
 * every module) already decoded, then per-CPU stack ranges.
 * @param[out] buf malloc'd bytes (the caller frees them); @param[out] len.
 * @return NULL, or the error of vmr_unwinder_open() / VMR_ERR_NOMEM.
 */
VMR_API struct vmr_error *vmr_gdb_config_build(struct vmr_kernel *k, char **buf, size_t *len);
/** vmr_gdb_config_build() written to @p path (created mode 0600). */
VMR_API struct vmr_error *vmr_gdb_config_write(struct vmr_kernel *k, const char *path);

#endif
