#include <errno.h>
#include <string.h>

#include "varblock.h"

static int name_ok(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

int varblock_add(struct bytes *b, const char *name, const char *value,
                 size_t len)
{
    if (!name_ok(name)) {
        errno = EINVAL;
        return -1;
    }
    if (len > VARBLOCK_VALUE_MAX)
        return 0;
    size_t start = b->len;
    if (bytes_appends(b, name) < 0 || bytes_appendc(b, '=') < 0)
        goto fail;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (bytes_appendc(b, c < 0x20 || c == 0x7f ? '?' : (char)c) < 0)
            goto fail;
    }
    if (bytes_appendc(b, 0) < 0)
        goto fail;
    return 1;
fail:
    b->len = start;
    return -1;
}

int varblock_adds(struct bytes *b, const char *name, const char *value)
{
    return varblock_add(b, name, value, strlen(value));
}

int varblock_end(struct bytes *b)
{
    return bytes_appendc(b, 0);
}
