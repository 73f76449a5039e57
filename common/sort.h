/* SPDX-License-Identifier: MIT */
/**
 * @file sort.h  qsort() of an array that may be empty: arrays built from
 * dump data are often empty, and then NULL, which qsort() must not be
 * given (its pointer is declared nonnull, whatever the count; UBSan
 * reports it).
 */
#ifndef VMR_COMMON_SORT_H
#define VMR_COMMON_SORT_H

#include <stdlib.h>

static inline void vmr_sort(void *base, size_t n, size_t size,
			    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

#endif
