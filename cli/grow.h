/* SPDX-License-Identifier: GPL-2.0 */
/*
 * grow.h — the CLI's one way to grow an array by appending.
 */
#ifndef SNAPFIRE_GROW_H
#define SNAPFIRE_GROW_H

#include <stdint.h>
#include <stdlib.h>

/*
 * Room for element @n of the array @v, which has room for *@cap elements
 * of @elem bytes: @v itself while @n < *@cap, else @v reallocated to
 * twice the room (@first elements the first time) and *@cap raised. NULL
 * when memory or the size's arithmetic runs out; @v and *@cap are then
 * as they were.
 */
static inline void *array_room(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t c;
	void *p;

	if (n < *cap)
		return v;
	if (*cap > SIZE_MAX / 2)
		return NULL;
	c = *cap ? *cap * 2 : first;
	p = reallocarray(v, c, elem);	/* NULL if c * elem overflows */
	if (p)
		*cap = c;
	return p;
}

#endif
