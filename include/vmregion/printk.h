/* SPDX-License-Identifier: MIT */
/**
 * @file printk.h  The kernel log (printk buffer) read from a dump.
 *
 * Two formats (x86_64-layout.md §3.4, §7.3): the lockless ring buffer of
 * 5.10+ (`prb` -> struct printk_ringbuffer) and the older `log_buf` of
 * struct printk_log records (<= 5.9).  Records come out in log order through
 * a callback.  Records that cannot be read (reserved by a writer at crash
 * time, failed reservations, inconsistent descriptors or data blocks, pages
 * missing from the dump) are skipped and counted, never guessed.
 */
#ifndef VMREGION_PRINTK_H
#define VMREGION_PRINTK_H

#include <vmregion/error.h>

struct vmr_kernel;

/** Record flags (kernel/printk/internal.h). */
#define VMR_PRINTK_LOG_NEWLINE 2
#define VMR_PRINTK_LOG_CONT 8

/** Bit 31 of a caller id: the record was made outside task context (CPU). */
#define VMR_PRINTK_CALLER_CPU 0x80000000u

/** One log record; pointers are valid during the callback only. */
struct vmr_printk_record {
	uint64_t seq;        /**< sequence number (log_buf era: counted from log_first_seq) */
	uint64_t ts_nsec;    /**< local clock at printk time */
	uint32_t caller_id;  /**< pid, or VMR_PRINTK_CALLER_CPU | cpu; see has_caller */
	bool has_caller;     /**< false for log_buf kernels without PRINTK_CALLER */
	uint8_t level;       /**< 0 (emerg) .. 7 (debug) */
	uint8_t facility;    /**< 0 = kernel */
	uint8_t flags;       /**< VMR_PRINTK_LOG_* */
	const char *text;    /**< not NUL-terminated; may hold '\n' (multi-line record) */
	size_t text_len;
	const char *subsystem; /**< dev_printk SUBSYSTEM= ("" if none), NUL-terminated */
	const char *device;    /**< dev_printk DEVICE= ("" if none), NUL-terminated */
};

/** Which buffer format the kernel has. */
enum vmr_printk_format {
	VMR_PRINTK_NONE = 0,
	VMR_PRINTK_LOCKLESS, /**< 5.10+ printk_ringbuffer */
	VMR_PRINTK_LOG_BUF,  /**< <= 5.9 log_buf of struct printk_log */
};

/** What a read saw.  skipped = reserved + failed + corrupt + missing. */
struct vmr_printk_stats {
	enum vmr_printk_format format;
	uint64_t records;    /**< records handed to the callback */
	uint64_t skipped;    /**< records lost: the sum of the four below */
	uint64_t reserved;   /**< being written at crash time (state reserved) */
	uint64_t failed;     /**< failed reservations (FAILED_LPOS: text lost) */
	uint64_t corrupt;    /**< descriptor, sequence or data block inconsistent */
	uint64_t missing;    /**< descriptor, info or text in pages not in the dump */
	uint64_t reusable;   /**< already recycled by the kernel (not counted as lost) */
	uint64_t truncated;  /**< text_len larger than the data block: cut to the block */
	uint64_t missing_pages; /**< pages of the log structures absent from the dump */
	bool stopped;        /**< the walk could not go on (log_buf: a corrupt record length) */
	uint64_t buffer_size; /**< bytes of the text ring / log_buf */
	uint64_t ring_records; /**< descriptor slots (lockless) */
};

/**
 * Called for each record in log order.
 * @return 0 to go on, anything else to stop the walk (returned by vmr_printk_read).
 */
typedef int (*vmr_printk_fn)(void *ctx, const struct vmr_printk_record *rec);

/**
 * Walk the kernel log of @p k.
 * @param fn called once per readable record, oldest first.
 * @param[out] stats counts (may be NULL).
 * @param[out] stopped_by if not NULL, the nonzero value @p fn returned (else 0).
 * @return NULL (possibly with skipped records, see @p stats), or an error:
 *   VMR_ERR_NOT_FOUND when the kernel has no printk buffer symbols or types,
 *   VMR_ERR_FAULT when the ring header or its arrays are not in the dump,
 *   VMR_ERR_FORMAT / VMR_ERR_LIMIT for absurd ring geometry.
 */
VMR_API struct vmr_error *vmr_printk_read(struct vmr_kernel *k, vmr_printk_fn fn, void *ctx,
					  struct vmr_printk_stats *stats, int *stopped_by);

/**
 * Format the time stamp prefix "[%5lu.%06lu] " of @p ts_nsec into @p buf
 * (at least 32 bytes), as the kernel and crash print it.
 * @return the length written.
 */
VMR_API size_t vmr_printk_format_time(uint64_t ts_nsec, char *buf, size_t size);

#endif
