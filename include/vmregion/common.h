/* SPDX-License-Identifier: MIT */
/** @file common.h  Export macro and version of libvmregion. */
#ifndef VMREGION_COMMON_H
#define VMREGION_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define VMR_EXTERN_C extern "C"
#else
#define VMR_EXTERN_C
#endif

/** Marks a symbol as part of the exported API (the library is built hidden). */
#define VMR_API VMR_EXTERN_C __attribute__((visibility("default")))

#define VMR_VERSION_STRING "0.1.0"

/** @return the library version, e.g. "0.1.0". */
VMR_API const char *vmr_version(void);

#endif
