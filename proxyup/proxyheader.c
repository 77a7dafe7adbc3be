#include <string.h>

#include "proxyheader.h"
#include "proxyparts.h"

const unsigned char proxyv2_signature[PROXYV2_SIGNATURE_LEN] = {
    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

enum start { START_V1, START_V2, START_PARTIAL, START_NONE };

/* What the first bytes say: five are enough to tell the versions apart. */
static enum start start_of(const unsigned char *buf, size_t len)
{
    if (len == 0)
        return START_PARTIAL;
    size_t n = len < 5 ? len : 5;
    int v1 = memcmp(buf, PROXYV1_PREFIX, n) == 0;
    int v2 = memcmp(buf, proxyv2_signature, n) == 0;
    if (!v1 && !v2)
        return START_NONE;
    if (n < 5)
        return START_PARTIAL;
    return v1 ? START_V1 : START_V2;
}

/* A version 1 line is read up to its LF, a byte at a time: the line's
 * length is known only once it is there. */
static size_t want_v1(const unsigned char *buf, size_t len)
{
    if (len >= PROXYHEADER_V1_MAX || memchr(buf, '\n', len))
        return 0;
    return 1;
}

/* The fixed 16 bytes (while they still match the signature), then the
 * length they give. */
static size_t want_v2(const unsigned char *buf, size_t len)
{
    if (len < PROXYHEADER_V2_MIN) {
        size_t n = len < PROXYV2_SIGNATURE_LEN ? len : PROXYV2_SIGNATURE_LEN;
        if (memcmp(buf, proxyv2_signature, n) != 0)
            return 0;
        return PROXYHEADER_V2_MIN - len;
    }
    /* Not version 2, not LOCAL or PROXY: nothing more to read. */
    if (buf[12] >> 4 != 2 || (buf[12] & 0x0f) > 1)
        return 0;
    size_t body = (size_t)buf[14] << 8 | buf[15];
    if (body > PROXYHEADER_V2_LEN_MAX)
        return 0;
    size_t total = PROXYHEADER_V2_MIN + body;
    return total > len ? total - len : 0;
}

size_t proxyheader_want(const unsigned char *buf, size_t len)
{
    switch (start_of(buf, len)) {
    case START_PARTIAL:
        return 5 - len;
    case START_V1:
        return want_v1(buf, len);
    case START_V2:
        return want_v2(buf, len);
    default:
        return 0;
    }
}

enum proxyheader_status proxyheader_parse(const unsigned char *buf, size_t len,
                                          struct proxyheader *h)
{
    memset(h, 0, sizeof *h);
    switch (start_of(buf, len)) {
    case START_PARTIAL:
        return PROXYHEADER_MORE;
    case START_V1:
        return proxyv1_parse(buf, len, h);
    case START_V2:
        return proxyv2_parse(buf, len, h);
    default:
        h->why = "neither a version 1 nor a version 2 header";
        return PROXYHEADER_BAD;
    }
}

int proxyheader_looks_like(const unsigned char *buf, size_t len)
{
    static const char v1[] = PROXYV1_PREFIX " ";
    if (len >= sizeof v1 - 1 && memcmp(buf, v1, sizeof v1 - 1) == 0)
        return 1;
    return len >= PROXYV2_SIGNATURE_LEN &&
           memcmp(buf, proxyv2_signature, PROXYV2_SIGNATURE_LEN) == 0;
}
