#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "wipe.h"

static int reserve(struct bytes *b, size_t need)
{
    if (need <= b->cap)
        return 0;
    if (b->max && need > b->max + 1) {
        errno = E2BIG;
        return -1;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > ((size_t)-1) / 2) {
            errno = ENOMEM;
            return -1;
        }
        cap *= 2;
    }
    if (b->max && cap > b->max + 1)
        cap = b->max + 1;
    char *s = realloc(b->s, cap);
    if (!s) {
        errno = ENOMEM;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

int bytes_append(struct bytes *b, const void *p, size_t len)
{
    if (b->max && (len > b->max || b->len > b->max - len)) {
        errno = E2BIG;
        return -1;
    }
    if (len > ((size_t)-1) - b->len - 1) {
        errno = ENOMEM;
        return -1;
    }
    if (reserve(b, b->len + len + 1) < 0)
        return -1;
    if (len)
        memcpy(b->s + b->len, p, len);
    b->len += len;
    return 0;
}

int bytes_appends(struct bytes *b, const char *s)
{
    return bytes_append(b, s, strlen(s));
}

int bytes_appendc(struct bytes *b, char c)
{
    return bytes_append(b, &c, 1);
}

int bytes_terminate(struct bytes *b)
{
    if (reserve(b, b->len + 1) < 0)
        return -1;
    b->s[b->len] = 0;
    return 0;
}

void bytes_free(struct bytes *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void bytes_wipe_free(struct bytes *b)
{
    wipe(b->s, b->cap);
    bytes_free(b);
}
