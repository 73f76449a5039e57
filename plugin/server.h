/* SPDX-License-Identifier: MIT */
/**
 * @file server.h  A read-only GDB remote target over a struct vmr_kernel:
 * one thread per CPU with the registers of the dump's notes, kernel virtual
 * memory through the page tables, the amd64 target description, and monitor
 * commands handed to a callback (the `vmregion` command answers them with
 * the same text as its subcommands).
 *
 * The server is a state machine fed with received bytes; it appends framed
 * replies to an output buffer.  vmr_server_run() drives it over two file
 * descriptors (stdin/stdout for `target remote | vmregion serve DUMP`).
 * These functions are exported for the command line only; they are not part
 * of the installed API.
 */
#ifndef VMR_PLUGIN_SERVER_H
#define VMR_PLUGIN_SERVER_H

#include <stdio.h>

#include <vmregion/kernel.h>

struct vmr_server;

/**
 * Answer the monitor command @p command (the text after "monitor ").
 * Write the answer to @p out.
 * @return 0 if the command succeeded, non-zero if it failed (the text is
 *         still shown, then gdb reports an error that stops scripts).
 */
typedef int (*vmr_server_monitor_fn)(void *ctx, struct vmr_kernel *k, const char *command,
				     FILE *out);

struct vmr_server_options {
	vmr_server_monitor_fn monitor; /**< NULL: every monitor command fails */
	void *monitor_ctx;
};

/** Largest memory read answered in one reply (bytes); gdb asks again for the rest. */
#define VMR_SERVER_MAX_READ 0x4000u

/**
 * Create a server over @p k (borrowed: close it after the server).
 * @param opt may be NULL.
 * @return NULL, or an out-of-memory error.
 */
VMR_API struct vmr_error *vmr_server_create(struct vmr_kernel *k,
					    const struct vmr_server_options *opt,
					    struct vmr_server **out);
/** Free @p s (NULL is ignored). */
VMR_API void vmr_server_destroy(struct vmr_server *s);

/**
 * Feed @p len received bytes; complete packets are answered at once.
 * @return true once the session has ended (detach or kill).
 */
VMR_API bool vmr_server_input(struct vmr_server *s, const void *data, size_t len);
/** Bytes to send, in order; *@p len gets their number (valid until the next call). */
VMR_API const char *vmr_server_output(const struct vmr_server *s, size_t *len);
/** Drop the first @p n bytes of the output (they were sent). */
VMR_API void vmr_server_consume(struct vmr_server *s, size_t n);

/**
 * Serve on @p in_fd / @p out_fd until the session ends or @p in_fd reaches
 * end of file.
 * @return NULL, or an error naming the failed read or write.
 */
VMR_API struct vmr_error *vmr_server_run(struct vmr_server *s, int in_fd, int out_fd);

/** The target description served as target.xml (amd64 core + segments). */
VMR_API const char *vmr_server_target_xml(void);

#endif
