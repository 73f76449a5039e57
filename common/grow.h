/* SPDX-License-Identifier: MIT */
/**
 * @file grow.h  Room for one more element in a growable array: the
 * doubling realloc every index and list builder needs.
 */
#ifndef VMR_COMMON_GROW_H
#define VMR_COMMON_GROW_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/**
 * @p v (an array of @p n elements of @p elem bytes, room for *@p cap)
 * itself while there is room for one more, else reallocated to twice the
 * room (@p first when empty) with *@p cap updated.
 * @return the array, or NULL when out of memory (then @p v is untouched
 *         and still the caller's).
 */
static inline void *vmr_grow(void *v, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return v;
	size_t c = *cap ? 2 * *cap : first;
	if (c <= *cap || c > SIZE_MAX / elem)
		return NULL;
	void *p = realloc(v, c * elem);
	if (p)
		*cap = c;
	return p;
}

#endif
