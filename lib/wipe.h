/* Wiping secrets: the compiler may not optimise these writes away. */
#ifndef WIPE_H
#define WIPE_H

#include <stddef.h>

void wipe(void *p, size_t len);

#endif
