/* SPDX-License-Identifier: MIT */
/**
 * @file printk-priv.h  The printk buffer walkers, on a read callback and a
 * table of offsets, so that they run on synthetic memory in the unit tests.
 */
#ifndef VMR_TRIAGE_PRINTK_PRIV_H
#define VMR_TRIAGE_PRINTK_PRIV_H

#include <vmregion/printk.h>

#include "common/memory.h"

/* Bounds on values read from the dump (the kernel's own limits are far lower:
 * CONFIG_LOG_BUF_SHIFT <= 25, log_buf_len= is an int). */
#define VMR_PRB_MAX_COUNT_BITS 30      /* descriptors: 1 << 30 at most */
#define VMR_PRB_MAX_DATA_BITS 30       /* text ring: 1 GiB at most */
#define VMR_PRB_MAX_ARRAY (1ull << 30) /* bytes of the descs or infos array */
#define VMR_PRB_MAX_STRUCT 4096        /* sizes of the ring's structures */

/**
 * Layout of the 5.10+ lockless ring (kernel/printk/printk_ringbuffer.h,
 * printk.c log_buf_vmcoreinfo_setup; identical keys in k6.1 and k6.12).
 * Every field is a byte offset or size as VMCOREINFO names it.
 */
struct vmr_prb_offsets {
	uint64_t ringbuffer_size;       /* SIZE(printk_ringbuffer) */
	uint64_t rb_desc_ring;          /* OFFSET(printk_ringbuffer.desc_ring) */
	uint64_t rb_text_data_ring;     /* OFFSET(printk_ringbuffer.text_data_ring) */
	uint64_t dr_count_bits;         /* OFFSET(prb_desc_ring.count_bits), unsigned int */
	uint64_t dr_descs;              /* OFFSET(prb_desc_ring.descs), pointer */
	uint64_t dr_infos;              /* OFFSET(prb_desc_ring.infos), pointer */
	uint64_t dr_head_id;            /* OFFSET(prb_desc_ring.head_id), atomic_long_t */
	uint64_t dr_tail_id;            /* OFFSET(prb_desc_ring.tail_id), atomic_long_t */
	uint64_t desc_size;             /* SIZE(prb_desc) */
	uint64_t desc_state_var;        /* OFFSET(prb_desc.state_var), atomic_long_t */
	uint64_t desc_text_blk_lpos;    /* OFFSET(prb_desc.text_blk_lpos) */
	uint64_t lpos_begin;            /* OFFSET(prb_data_blk_lpos.begin) */
	uint64_t lpos_next;             /* OFFSET(prb_data_blk_lpos.next) */
	uint64_t info_size;             /* SIZE(printk_info) */
	uint64_t info_seq;              /* OFFSET(printk_info.seq), u64 */
	uint64_t info_ts_nsec;          /* OFFSET(printk_info.ts_nsec), u64 */
	uint64_t info_text_len;         /* OFFSET(printk_info.text_len), u16; then u8 facility,
	                                   u8 flags:5 level:3 (no VMCOREINFO key: bitfields) */
	uint64_t info_caller_id;        /* OFFSET(printk_info.caller_id), u32 */
	bool has_dev_info;
	uint64_t info_subsystem;        /* dev_info + dev_printk_info.subsystem */
	uint64_t subsystem_len;         /* LENGTH(printk_info_subsystem) */
	uint64_t info_device;           /* dev_info + dev_printk_info.device */
	uint64_t device_len;            /* LENGTH(printk_info_device) */
	uint64_t data_size_bits;        /* OFFSET(prb_data_ring.size_bits), unsigned int */
	uint64_t data_data;             /* OFFSET(prb_data_ring.data), pointer */
	uint64_t atomic_counter;        /* OFFSET(atomic_long_t.counter) */
	uint64_t mem_bytes;             /* RAM of the dump: no ring is larger (0: unknown) */
};

/** The offsets of k6.1 and k6.12 x86_64 (what VMCOREINFO says there). */
void vmr_prb_offsets_default(struct vmr_prb_offsets *off);

/**
 * Walk the lockless ring at @p prb_addr (the struct printk_ringbuffer, i.e.
 * the value of the `prb` pointer) through @p read.
 * @return NULL or an error (ring header or arrays unreadable, absurd sizes);
 *         records that cannot be read are counted in @p stats.
 */
struct vmr_error *vmr_prb_walk(vmr_read_fn read, void *rctx, const struct vmr_prb_offsets *off,
			       uint64_t prb_addr, vmr_printk_fn fn, void *ctx,
			       struct vmr_printk_stats *stats, int *stopped_by);

/**
 * Layout of the <= 5.9 log_buf (struct printk_log {u64 ts_nsec; u16 len;
 * u16 text_len; u16 dict_len; u8 facility; u8 flags:5, level:3;
 * [u32 caller_id]}; 5.x printk.c).
 */
struct vmr_logbuf_offsets {
	uint64_t log_size;      /* SIZE(printk_log) */
	uint64_t log_ts_nsec;   /* OFFSET(printk_log.ts_nsec) */
	uint64_t log_len;       /* OFFSET(printk_log.len) */
	uint64_t log_text_len;  /* OFFSET(printk_log.text_len) */
	uint64_t log_dict_len;  /* OFFSET(printk_log.dict_len); facility, flags/level follow */
	bool has_caller_id;
	uint64_t log_caller_id; /* OFFSET(printk_log.caller_id) (PRINTK_CALLER, 5.1+) */
	uint64_t mem_bytes;     /* RAM of the dump: no log_buf is larger (0: unknown) */
};

/** Where the log_buf variables are (runtime addresses of the symbols). */
struct vmr_logbuf_symbols {
	uint64_t log_buf;       /* char *log_buf */
	uint64_t log_buf_len;   /* u32 */
	uint64_t log_first_idx; /* u32 */
	uint64_t log_next_idx;  /* u32 */
	uint64_t log_first_seq; /* u64, 0 if unknown (then seqs count from 0) */
};

/** Walk a log_buf.  Same contract as vmr_prb_walk(). */
struct vmr_error *vmr_logbuf_walk(vmr_read_fn read, void *rctx,
				  const struct vmr_logbuf_offsets *off,
				  const struct vmr_logbuf_symbols *sym, vmr_printk_fn fn, void *ctx,
				  struct vmr_printk_stats *stats, int *stopped_by);

#endif
