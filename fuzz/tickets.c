/* ucspitlsd's session ticket code on any bytes: the input is read both as
 * a ticket key file, whose parse gives keys of 64 bytes or nothing, and as
 * the client's first record, whose ClientHello may or may not offer a
 * ticket but is never read past its end. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tickets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tickets t;
    char err[256];
    if (tickets_parse(&t, data, size, err, sizeof err) == 0) {
        if (t.count == 0 || t.count > TICKETS_MAX)
            abort();
        for (size_t i = 0; i < t.count; i++)
            if (t.key[i].size != TICKETS_KEY_SIZE)
                abort();
        tickets_free(&t);
    } else if (t.count != 0 || !err[0]) {
        abort();
    }
    /* A copy of exactly size bytes, so that ASan sees any read past it. */
    unsigned char *rec = malloc(size ? size : 1);
    if (!rec)
        return 0;
    memcpy(rec, data, size);
    int offered = tickets_offered(rec, size);
    if (offered != 0 && offered != 1)
        abort();
    free(rec);
    return 0;
}
