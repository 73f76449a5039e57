/* SPDX-License-Identifier: MIT */
/**
 * @file vmregion.h
 * The whole public API of libvmregion: what is this x86_64 kernel address?
 *
 * Open a dump (vmr_dump_open), build the kernel view on it (vmr_kernel_open,
 * vmlinux optional), then ask the layout (vmr_kernel_layout, vmr_classify)
 * and the kernel (vmr_kernel_describe, vmr_kernel_read) about addresses.
 * Functions that can fail return a struct vmr_error * (NULL on success) that
 * the caller frees with vmr_error_free().  The library never prints, never
 * exits and keeps no global mutable state.
 */
#ifndef VMREGION_H
#define VMREGION_H

#include <vmregion/common.h>
#include <vmregion/error.h>
#include <vmregion/dump.h>
#include <vmregion/live.h>
#include <vmregion/vmcoreinfo.h>
#include <vmregion/layout.h>
#include <vmregion/kernel.h>
#include <vmregion/owner.h>
#include <vmregion/printk.h>
#include <vmregion/triage.h>
#include <vmregion/unwind.h>

#endif
