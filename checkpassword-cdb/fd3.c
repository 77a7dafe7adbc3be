#include <string.h>

#include "fd3.h"

/* The field starting at *pos: its length, and *pos moved past its NUL.
 * -1 when no NUL ends it within len. */
static int field(const char *buf, size_t len, size_t *pos, const char **start,
                 size_t *flen)
{
    if (*pos >= len)
        return -1;
    const char *nul = memchr(buf + *pos, '\0', len - *pos);
    if (!nul)
        return -1;
    *start = buf + *pos;
    *flen = (size_t)(nul - *start);
    *pos += *flen + 1;
    return 0;
}

enum fd3_status fd3_parse(const char *buf, size_t len, struct fd3 *out)
{
    static const struct fd3 none;
    struct fd3 f;
    size_t pos = 0;
    *out = none;
    if (len > FD3_MAX)
        return FD3_TOOLONG;
    if (field(buf, len, &pos, &f.name, &f.name_len) < 0)
        return FD3_NO_NAME;
    if (f.name_len == 0)
        return FD3_EMPTY_NAME;
    if (field(buf, len, &pos, &f.password, &f.password_len) < 0)
        return FD3_NO_PASSWORD;
    if (field(buf, len, &pos, &f.timestamp, &f.timestamp_len) < 0)
        return FD3_NO_TIMESTAMP;
    *out = f;
    return FD3_OK;
}

const char *fd3_strerror(enum fd3_status status)
{
    switch (status) {
    case FD3_OK:
        return "no error";
    case FD3_TOOLONG:
        return "more than 512 bytes";
    case FD3_NO_NAME:
        return "no NUL after the name";
    case FD3_EMPTY_NAME:
        return "the name is empty";
    case FD3_NO_PASSWORD:
        return "no NUL after the password";
    case FD3_NO_TIMESTAMP:
        return "no NUL after the timestamp";
    }
    return "unknown error";
}
