/* The argument of RFC 3030's BDAT command: "size" or "size LAST", size in
 * decimal digits. Its chunk of size bytes follows the command whatever the
 * reply, so whoever refuses a BDAT still has to know how much to skip. */
#ifndef BDAT_H
#define BDAT_H

#include <stddef.h>
#include <stdint.h>

/* 1 with *size set, or 0 when arg[0..len) is not "size [LAST]" (LAST in
 * any case) or the size does not fit in 64 bits. */
int bdat_arg(const char *arg, size_t len, uint64_t *size);

#endif
