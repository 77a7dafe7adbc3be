/* End-of-data detection: any bytes, split at a position the input picks.
 * The split must not change the result; the server must receive nothing a
 * loose reader (C-string lines, bare CR or bare LF as a line end) could
 * take for an end of data but the one fixsmtpio found, which is where the
 * reference below says the client's end is; a message with a NUL or a bare
 * CR before that end is refused at its first one. */
#include <stdint.h>

#include "fuzz.h"
#include <stdlib.h>
#include <string.h>

#include "dataend.h"

struct result {
    size_t used, outlen;
    int done;
    struct dataend d;
};

static void scan(const uint8_t *in, size_t len, size_t split, char *out,
                 struct result *r)
{
    dataend_start(&r->d);
    size_t o1;
    r->used = dataend_scan(&r->d, (const char *)in, split, out, &o1, &r->done);
    r->outlen = o1;
    if (r->done || r->used != split)
        return;
    size_t o2;
    r->used += dataend_scan(&r->d, (const char *)in + split, len - split,
                            out + o1, &o2, &r->done);
    r->outlen += o2;
}

/* The client's end of data: past the first ".\r\n" at the start or right
 * after a CR LF; 0 when there is none. */
static size_t reference_end(const uint8_t *in, size_t len)
{
    for (size_t p = 0; p + 3 <= len; p++)
        if (memcmp(in + p, ".\r\n", 3) == 0 &&
            (p == 0 || (p >= 2 && in[p - 2] == '\r' && in[p - 1] == '\n')))
            return p + 3;
    return 0;
}

/* The first NUL or bare CR in in[0..len): its offset, or -1. A CR at the
 * very end waits for the byte after it. */
static long reference_refusal(const uint8_t *in, size_t len, int *nul)
{
    for (size_t i = 0; i < len; i++) {
        if (in[i] == 0 || (in[i] == '\r' && i + 1 < len && in[i + 1] != '\n')) {
            *nul = in[i] == 0;
            return (long)i;
        }
    }
    return -1;
}

static void check_loose_safe(const char *a, size_t alen, int ended)
{
    for (size_t i = 0; i < alen; i++) {
        if (a[i] == 0)
            abort();
        if (a[i] == '\r' && (i + 1 >= alen || a[i + 1] != '\n'))
            abort();
        if (a[i] == '\n' && (i == 0 || a[i - 1] != '\r'))
            abort();
        /* A "." line (a loose reader's end) only as the last line. */
        if (a[i] == '.' && (i == 0 || a[i - 1] == '\n') && i + 3 <= alen &&
            memcmp(a + i, ".\r\n", 3) == 0 && !(ended && i + 3 == alen))
            abort();
    }
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
    struct result ra, rb;
    scan(data, size, size, a, &ra);
    scan(data, size, split, b, &rb);
    if (ra.used != rb.used || ra.done != rb.done || ra.outlen != rb.outlen ||
        memcmp(a, b, ra.outlen) != 0 || ra.d.refused != rb.d.refused ||
        ra.d.refused_at != rb.d.refused_at)
        abort();
    size_t end = reference_end(data, size);
    if (ra.done != (end != 0) || (end && ra.used != end) ||
        (!end && ra.used != size))
        abort();
    int nul = 0;
    long bad = reference_refusal(data, end ? end : size, &nul);
    if (bad >= 0 ? (ra.d.refused != (nul ? DATAEND_NUL : DATAEND_BARE_CR) ||
                    ra.d.refused_at != (uint64_t)bad)
                 : ra.d.refused != DATAEND_CLEAN)
        abort();
    /* What went out: a clean stream that a loose reader splits into the
     * lines fixsmtpio saw; its end line, and only it, when the message
     * ended clean. Without an end yet, a CR may wait, held back. */
    check_loose_safe(a, ra.outlen, ra.done && !ra.d.refused);
    if (ra.done && !ra.d.refused &&
        (ra.outlen < 3 || memcmp(a + ra.outlen - 3, ".\r\n", 3) != 0))
        abort();
    free(a);
    free(b);
    return 0;
}
