/* SPDX-License-Identifier: MIT */
/**
 * @file relay.h  `vmregion serve --remote`: gdb on one side (stdin/stdout),
 * a live stub on the other; every packet of gdb goes to the stub and every
 * reply back, except the monitor commands vmregion answers itself.
 *
 * Each side keeps its own ack mode: gdb's QStartNoAckMode is answered here
 * (and offered in the stub's qSupported reply), the stub keeps acking when
 * it cannot stop.  While the target runs after c/s/vCont, gdb's 0x03 goes
 * through and the stop reply that comes later is passed on.
 */
#ifndef VMR_PLUGIN_RELAY_H
#define VMR_PLUGIN_RELAY_H

#include <stdio.h>

#include "plugin/remote.h"

struct vmr_relay_options {
	/**
	 * Answer the monitor command @p command on @p out.
	 * @return -1 if it is not vmregion's (it goes to the stub), else 0 for
	 *         success or 1 for a failed command (E01 after the text).
	 */
	int (*monitor)(void *ctx, const char *command, FILE *out);
	/** The target was resumed: memory read before is stale. */
	void (*resumed)(void *ctx);
	void *ctx;
};

/**
 * Relay between gdb on @p in_fd / @p out_fd and the stub @p r until gdb
 * closes its side or the stub closes the connection (*@p stub_closed).
 * @return NULL, or an error naming the failed read or write.
 */
VMR_API struct vmr_error *vmr_relay_run(struct vmr_remote *r, int in_fd, int out_fd,
					const struct vmr_relay_options *opt, bool *stub_closed);

#endif
