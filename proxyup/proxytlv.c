/* Version 2's TLVs: a type byte, a 2-byte length, the value. Only
 * PP2_TYPE_SSL is read; the others are skipped, and so is its
 * PP2_TYPE_CRC32C (the balancer is trusted as a whole or not at all). A
 * TLV that runs past the header, or an SSL TLV that is not well formed, is
 * a broken header. */
#include <string.h>

#include "proxyheader.h"
#include "proxyparts.h"

#define PP2_TYPE_SSL 0x20
#define PP2_SUBTYPE_SSL_VERSION 0x21
#define PP2_SUBTYPE_SSL_CIPHER 0x23
#define PP2_CLIENT_SSL 0x01
#define SSL_FIXED 5 /* the client bits and the 4-byte verify result */

struct tlv {
    unsigned type;
    const unsigned char *value;
    size_t len;
};

static enum proxyheader_status bad(struct proxyheader *h, const char *why)
{
    h->why = why;
    return PROXYHEADER_BAD;
}

/* The TLV at p[*at..len) into t: 1, 0 at the end, -1 when it runs past. */
static int next(const unsigned char *p, size_t len, size_t *at, struct tlv *t)
{
    if (*at == len)
        return 0;
    if (len - *at < 3)
        return -1;
    t->type = p[*at];
    t->len = (size_t)p[*at + 1] << 8 | p[*at + 2];
    if (t->len > len - *at - 3)
        return -1;
    t->value = p + *at + 3;
    *at += 3 + t->len;
    return 1;
}

/* A protocol or cipher name: 1 to PROXYHEADER_TLS_MAX bytes from '!' to
 * '~', given once. */
static int tls_name(const struct tlv *t, char out[PROXYHEADER_TLS_MAX + 1])
{
    if (out[0] || t->len == 0 || t->len > PROXYHEADER_TLS_MAX)
        return -1;
    for (size_t i = 0; i < t->len; i++)
        if (t->value[i] < 0x21 || t->value[i] > 0x7e)
            return -1;
    memcpy(out, t->value, t->len);
    out[t->len] = 0;
    return 0;
}

static enum proxyheader_status ssl(const struct tlv *t, struct proxyheader *h)
{
    if (t->len < SSL_FIXED)
        return bad(h, "an SSL TLV shorter than 5 bytes");
    char version[PROXYHEADER_TLS_MAX + 1] = "";
    char cipher[PROXYHEADER_TLS_MAX + 1] = "";
    size_t at = SSL_FIXED;
    struct tlv sub;
    int r;
    while ((r = next(t->value, t->len, &at, &sub)) > 0) {
        char *out = sub.type == PP2_SUBTYPE_SSL_VERSION  ? version
                    : sub.type == PP2_SUBTYPE_SSL_CIPHER ? cipher
                                                         : NULL;
        if (out && tls_name(&sub, out) < 0)
            return bad(h, "an SSL version or cipher that is not 1 to 64 "
                          "printable characters, or comes twice");
    }
    if (r < 0)
        return bad(h, "an SSL sub-TLV that runs past its TLV");
    if (t->value[0] & PP2_CLIENT_SSL) {
        memcpy(h->tls_protocol, version, sizeof version);
        memcpy(h->tls_cipher, cipher, sizeof cipher);
    }
    return PROXYHEADER_OK;
}

enum proxyheader_status proxytlv_parse(const unsigned char *p, size_t len,
                                       struct proxyheader *h)
{
    size_t at = 0;
    struct tlv t;
    int r, seen = 0;
    while ((r = next(p, len, &at, &t)) > 0) {
        if (t.type != PP2_TYPE_SSL)
            continue;
        if (seen++)
            return bad(h, "two SSL TLVs");
        enum proxyheader_status st = ssl(&t, h);
        if (st != PROXYHEADER_OK)
            return st;
    }
    if (r < 0)
        return bad(h, "a TLV that runs past the header");
    return PROXYHEADER_OK;
}
