/* End-of-data detection: any bytes, split at a position the input picks.
 * The split must not change the result, and no bare LF may reach the
 * server. */
#include <stdint.h>

#include "fuzz.h"
#include <stdlib.h>
#include <string.h>

#include "dataend.h"

static size_t scan(const uint8_t *in, size_t len, size_t split, char *out,
                   size_t *outlen, int *done)
{
    struct dataend d;
    dataend_start(&d);
    size_t o1, used = dataend_scan(&d, (const char *)in, split, out, &o1, done);
    *outlen = o1;
    if (*done || used != split)
        return used;
    size_t o2;
    used += dataend_scan(&d, (const char *)in + split, len - split, out + o1,
                         &o2, done);
    *outlen += o2;
    return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 65536)
        return 0;
    size_t split = data[0] % size;
    data++;
    size--;
    if (split > size)
        split = size;
    char *a = malloc(2 * size + 2), *b = malloc(2 * size + 2);
    size_t alen, blen;
    int adone, bdone;
    size_t aused = scan(data, size, size, a, &alen, &adone);
    size_t bused = scan(data, size, split, b, &blen, &bdone);
    if (aused != bused || adone != bdone || alen != blen ||
        memcmp(a, b, alen) != 0)
        abort();
    for (size_t i = 0; i < alen; i++)
        if (a[i] == '\n' && (i == 0 || a[i - 1] != '\r'))
            abort();
    /* Only the last line sent may be the end-of-data line. */
    for (size_t i = 0; i + 5 <= alen; i++)
        if (memcmp(a + i, "\r\n.\r\n", 5) == 0 && i + 5 != alen)
            abort();
    if (adone && (alen < 3 || memcmp(a + alen - 3, ".\r\n", 3) != 0))
        abort();
    free(a);
    free(b);
    return 0;
}
