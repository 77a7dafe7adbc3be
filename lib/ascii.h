/* ASCII case-insensitive comparison, for protocol words: no locale, and
 * cheap enough for every command of a long pipeline. */
#ifndef ASCII_H
#define ASCII_H

#include <stddef.h>

static inline char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/* 1 when a[0..n) and b[0..n) are equal ignoring ASCII case. */
static inline int ascii_caseeq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return 0;
    return 1;
}

#endif
