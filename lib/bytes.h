/* Byte strings with a hard cap: they may hold NUL, and they never grow past
 * max, so a hostile peer cannot make them unbounded. */
#ifndef BYTES_H
#define BYTES_H

#include <stddef.h>

struct bytes {
    char *s;
    size_t len;
    size_t cap;
    size_t max; /* 0: no cap beyond available memory */
};

#define BYTES_INIT(maxlen)                                                     \
    {                                                                          \
        0, 0, 0, (maxlen)                                                      \
    }

/* 0 on success; -1 with errno ENOMEM, or E2BIG when max would be passed. */
int bytes_append(struct bytes *b, const void *p, size_t len);
int bytes_appends(struct bytes *b, const char *s);
int bytes_appendc(struct bytes *b, char c);
/* Makes s a C string (a NUL after len, not counted); 0 or -1 as above. */
int bytes_terminate(struct bytes *b);
void bytes_free(struct bytes *b);
/* Wipes the whole allocation before freeing it: for secrets. */
void bytes_wipe_free(struct bytes *b);

#endif
