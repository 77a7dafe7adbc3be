/* The UCSPI-TLS variable block parser (lib/ucspitls.h): any bytes, never a
 * read outside them, every entry handed out lies inside the block (but the
 * name SSL_TLS_SNI, given for s6's SSL_TLS_SNI_SERVERNAME), and a block
 * that fails to parse hands out nothing. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ucspitls.h"

struct span {
    const char *lo, *hi;
    size_t entries;
};

static int inside(void *ctx, const char *name, size_t namelen,
                  const char *value, size_t valuelen)
{
    struct span *s = ctx;
    int renamed = namelen == 11 && memcmp(name, "SSL_TLS_SNI", 11) == 0;
    if (!renamed && (name < s->lo || name + namelen > s->hi))
        abort();
    if (namelen == 0)
        abort();
    if (value && (value < s->lo || value + valuelen > s->hi))
        abort();
    s->entries++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *b = (const char *)data;
    struct span s = {b, b + size, 0};
    size_t count = 0;
    enum ucspitls_status st = ucspitls_parse(b, size, inside, &s, &count);
    if (st == UCSPITLS_OK && count != s.entries)
        abort();
    if (st != UCSPITLS_OK && s.entries != 0)
        abort();
    return 0;
}
