/* SPDX-License-Identifier: MIT */
/**
 * @file remote.h  A GDB remote-protocol client to a live stub (QEMU's
 * gdbstub `-s`, kgdb over a TCP bridge): the connection, synchronous
 * requests, physical memory and CPU registers for a live dump
 * (vmregion/live.h), and the raw packet stream for the relay.
 *
 * Stub facts, QEMU 7.2 (verified): PacketSize=1000 and at most 2 KiB per
 * `m` reply; no QStartNoAckMode; `Qqemu.PhyMemMode:1` turns `m`/`M` into
 * physical accesses for every later packet, gdb's included; the target
 * description (target.xml including i386-64bit.xml) puts fs_base, gs_base,
 * k_gs_base, cr0, cr2, cr3, cr4, cr8, efer right after gs in the `g`
 * packet; thread ids are "p01.02" once gdb asked for multiprocess.
 */
#ifndef VMR_PLUGIN_REMOTE_H
#define VMR_PLUGIN_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include <vmregion/live.h>

struct vmr_remote;

/**
 * Connect to HOST:PORT, learn the stub's packet size, physical-memory mode
 * and register layout.  @return NULL, or an error naming @p hostport.
 */
VMR_API struct vmr_error *vmr_remote_connect(const char *hostport, struct vmr_remote **out);
/** Close the connection and free @p r (NULL is ignored). */
VMR_API void vmr_remote_close(struct vmr_remote *r);
/** @return "HOST:PORT" as given. */
VMR_API const char *vmr_remote_name(const struct vmr_remote *r);
/** @return the socket (for poll). */
VMR_API int vmr_remote_fd(const struct vmr_remote *r);
/** @return the callbacks of a live dump over @p r (ctx = r). */
VMR_API const struct vmr_live_ops *vmr_remote_live_ops(const struct vmr_remote *r);
/** @return false when the stub cannot read physical memory (no qqemu.PhyMemMode). */
VMR_API bool vmr_remote_has_phys(const struct vmr_remote *r);

/**
 * For a stub without physical-memory mode (kgdb): find the running
 * kernel's slide (its linux_banner against @p vmlinux's, 2 MiB steps) and
 * page_offset_base, after which physical reads go through the direct map.
 * Nothing to do when the stub has PhyMemMode; an error when it has not and
 * @p vmlinux is NULL.
 */
VMR_API struct vmr_error *vmr_remote_direct_map(struct vmr_remote *r, const char *vmlinux);

/**
 * Send @p len bytes of payload and wait for the reply packet, skipping 'O'
 * console packets.  *@p reply (NUL-terminated) is valid until the next call.
 */
VMR_API struct vmr_error *vmr_remote_request(struct vmr_remote *r, const char *pkt, size_t len,
					     const char **reply, size_t *reply_len);
/** Send a packet without waiting for its reply. */
VMR_API struct vmr_error *vmr_remote_send(struct vmr_remote *r, const char *pkt, size_t len);
/** Send one raw byte (0x03, the interrupt). */
VMR_API struct vmr_error *vmr_remote_send_byte(struct vmr_remote *r, unsigned char byte);
/**
 * The next packet from the stub (acknowledged when acks are on).
 * @param block wait for one; else return 0 when no whole packet is buffered
 *        and the socket has nothing to read right now.
 * @return 1 with *@p pkt / *@p len set (valid until the next call), 0 for
 *         nothing, or -1 when the stub closed the connection or failed
 *         (*@p err set, may be NULL for a clean close).
 */
VMR_API int vmr_remote_next(struct vmr_remote *r, bool block, const char **pkt, size_t *len,
			    struct vmr_error **err);

/**
 * Make `m` packets virtual again (gdb's reads) if physical mode was turned
 * on for a live read.  Call before relaying a packet of gdb.
 */
VMR_API struct vmr_error *vmr_remote_virtual_mode(struct vmr_remote *r);
/**
 * The thread gdb last selected with Hg (payload after "Hg"), restored after
 * the registers of every CPU were read; NULL: the stop thread @p stop.
 */
VMR_API void vmr_remote_set_gdb_thread(struct vmr_remote *r, const char *hg, const char *stop);

#endif
