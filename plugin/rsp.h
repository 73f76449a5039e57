/* SPDX-License-Identifier: MIT */
/**
 * @file rsp.h  The GDB remote serial protocol as pure functions on buffers:
 * hex, checksums, framing with escapes, a byte-at-a-time packet decoder with
 * a size bound, and the parser of the requests `vmregion serve` answers.
 *
 * Nothing here does I/O or allocates, so that every function can be fuzzed
 * and unit-tested on its own.  Protocol facts for gdb 13.1:
 * ../shared/reference/gdb-integration/README.md, part A.
 */
#ifndef VMR_PLUGIN_RSP_H
#define VMR_PLUGIN_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Largest request payload accepted; a longer one is answered E01 and skipped. */
#define VMR_RSP_MAX_PACKET (64u * 1024u)

/**
 * Write @p len bytes as 2 * @p len lowercase hex digits (no NUL).
 * @return the number of characters written.
 */
size_t vmr_rsp_hex_encode(const void *data, size_t len, char *out);
/**
 * Decode @p hexlen hex digits into at most @p size bytes.
 * @return the number of bytes, or -1 if @p hexlen is odd, a character is not
 *         a hex digit, or the result does not fit.
 */
long vmr_rsp_hex_decode(const char *hex, size_t hexlen, void *out, size_t size);
/**
 * Parse 1 to 16 hex digits at *@p p (before @p end) and advance *@p p.
 * @return false if there is no digit or more than 16.
 */
bool vmr_rsp_parse_hex(const char **p, const char *end, uint64_t *out);
/** Modulo-256 sum of @p len bytes, the packet checksum. */
uint8_t vmr_rsp_checksum(const void *data, size_t len);

/** Bytes vmr_rsp_frame() writes at most for a payload of @p len bytes. */
#define VMR_RSP_FRAME_MAX(len) (2 * (size_t)(len) + 4)
/**
 * Frame @p payload as "$payload#cc": '$', '#', '}' and '*' are escaped as
 * '}' followed by the byte XOR 0x20 (no run-length encoding is ever sent).
 * @p out must hold VMR_RSP_FRAME_MAX(len) bytes.
 * @return the length of the frame.
 */
size_t vmr_rsp_frame(const void *payload, size_t len, char *out);

/** What one byte fed to the decoder completed. */
enum vmr_rsp_event {
	VMR_RSP_EV_NONE,         /**< nothing yet */
	VMR_RSP_EV_PACKET,       /**< a packet with a correct checksum: buf/len */
	VMR_RSP_EV_BAD_CHECKSUM, /**< a packet whose checksum is wrong or not hex */
	VMR_RSP_EV_OVERSIZED,    /**< a packet longer than VMR_RSP_MAX_PACKET */
	VMR_RSP_EV_ACK,          /**< '+' between packets */
	VMR_RSP_EV_NACK,         /**< '-' between packets */
	VMR_RSP_EV_INTERRUPT,    /**< 0x03 between packets */
};

/** Packet decoder state; the payload of the last packet is buf[0..len), NUL-terminated. */
struct vmr_rsp_decoder {
	int state;
	bool escape;
	uint8_t sum;
	int csum_hi;
	size_t len;
	bool overflow;
	char buf[VMR_RSP_MAX_PACKET + 1];
};

void vmr_rsp_decoder_init(struct vmr_rsp_decoder *d);
/**
 * Feed one byte.  Bytes outside a packet other than '+', '-' and 0x03 are
 * skipped; a '$' inside a packet starts a new one (a lost '#' resynchronizes
 * on the next packet).  Escaped bytes ('}' x) are unescaped; the checksum is
 * over the bytes as sent.
 */
enum vmr_rsp_event vmr_rsp_feed(struct vmr_rsp_decoder *d, uint8_t byte);

/** The requests the server tells apart. */
enum vmr_rsp_kind {
	VMR_RSP_UNKNOWN,          /**< anything else: answered with the empty packet */
	VMR_RSP_MALFORMED,        /**< a known request with bad arguments: E01 */
	VMR_RSP_Q_SUPPORTED,      /**< qSupported[:features] */
	VMR_RSP_Q_START_NOACK,    /**< QStartNoAckMode */
	VMR_RSP_STOP_REASON,      /**< ? */
	VMR_RSP_SET_THREAD,       /**< Hg<id> / Hc<id>: op, thread */
	VMR_RSP_THREAD_ALIVE,     /**< T<id>: thread */
	VMR_RSP_THREAD_FIRST,     /**< qfThreadInfo */
	VMR_RSP_THREAD_NEXT,      /**< qsThreadInfo */
	VMR_RSP_CURRENT_THREAD,   /**< qC */
	VMR_RSP_THREAD_EXTRA,     /**< qThreadExtraInfo,<id>: thread */
	VMR_RSP_ATTACHED,         /**< qAttached[:pid] */
	VMR_RSP_OFFSETS,          /**< qOffsets */
	VMR_RSP_SYMBOL,           /**< qSymbol:... */
	VMR_RSP_XFER_READ,        /**< qXfer:OBJECT:read:ANNEX:off,len: object, annex, addr, len */
	VMR_RSP_READ_REGS,        /**< g */
	VMR_RSP_READ_REG,         /**< p<n>: reg */
	VMR_RSP_READ_MEM,         /**< m<addr>,<len>: addr, len */
	VMR_RSP_READ_MEM_BINARY,  /**< x<addr>,<len>: addr, len */
	VMR_RSP_WRITE,            /**< M X P G Z z: refused */
	VMR_RSP_RESUME,           /**< c C s S vCont;...: refused (a dump does not run) */
	VMR_RSP_VCONT_QUERY,      /**< vCont? */
	VMR_RSP_MONITOR,          /**< qRcmd,<hex>: arg/arglen (still hex) */
	VMR_RSP_DETACH,           /**< D[;pid] */
	VMR_RSP_KILL,             /**< k */
	VMR_RSP_VKILL,            /**< vKill;pid */
};

/** Special thread ids of H and T requests. */
#define VMR_RSP_THREAD_ANY 0   /**< "0": any thread */
#define VMR_RSP_THREAD_ALL (-1) /**< "-1": all threads */

/** A parsed request; pointers point into the packet. */
struct vmr_rsp_request {
	enum vmr_rsp_kind kind;
	char op;              /**< SET_THREAD: 'g' or 'c'; WRITE/RESUME: the letter */
	int64_t thread;       /**< thread id (VMR_RSP_THREAD_ANY/ALL or > 0) */
	uint64_t reg;         /**< READ_REG */
	uint64_t addr, len;   /**< READ_MEM*, XFER_READ (offset, length) */
	const char *object;   /**< XFER_READ: "features", ... */
	size_t object_len;
	const char *annex;    /**< XFER_READ: "target.xml", ... */
	size_t annex_len;
	const char *arg;      /**< MONITOR: the hex text; Q_SUPPORTED: the feature list */
	size_t arg_len;
};

/**
 * Parse the request @p pkt of @p len bytes (not NUL-terminated necessarily).
 * @return the kind, also stored in @p req.
 */
enum vmr_rsp_kind vmr_rsp_parse(const char *pkt, size_t len, struct vmr_rsp_request *req);

#endif
