/* proxyup's parsers. The input is the bytes a balancer or a stranger sends:
 * read as proxyheader_want() tells the reader, they never take a byte past
 * the header, the header parses the same with or without what follows it,
 * a parsed header holds valid addresses and printable TLS names, and
 * what it says survives being written again as version 1 and version 2.
 * An input starting with 'F' is instead a control/proxyfrom file, whose
 * every entry must hold its own address. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balancers.h"
#include "fuzz.h"
#include "proxyheader.h"

/* A copy of exactly len bytes, so that ASan sees any read past them. */
static unsigned char *exact(const uint8_t *data, size_t len)
{
    unsigned char *p = malloc(len ? len : 1);
    if (!p)
        abort();
    if (len)
        memcpy(p, data, len);
    return p;
}

static enum proxyheader_status parse(const uint8_t *data, size_t len,
                                     struct proxyheader *h)
{
    unsigned char *p = exact(data, len);
    enum proxyheader_status st = proxyheader_parse(p, len, h);
    free(p);
    return st;
}

/* Where a reader that reads as told stops: at most size bytes. */
static size_t read_as_told(const uint8_t *data, size_t size, int *whole)
{
    size_t at = 0;
    for (;;) {
        unsigned char *p = exact(data, at);
        size_t want = proxyheader_want(p, at);
        free(p);
        if (want > PROXYHEADER_MAX - at)
            abort();
        *whole = want == 0;
        if (want == 0 || at + want > size)
            return at;
        at += want;
    }
}

static int family_of(const char *ip)
{
    unsigned char raw[16];
    if (inet_pton(AF_INET, ip, raw) == 1)
        return AF_INET;
    if (inet_pton(AF_INET6, ip, raw) == 1)
        return AF_INET6;
    abort();
}

static void check_name(const char *s)
{
    size_t n = strlen(s);
    if (n > PROXYHEADER_TLS_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            abort();
}

static void check_header(const struct proxyheader *h, size_t len)
{
    if (h->len != len || (h->version != 1 && h->version != 2))
        abort();
    check_name(h->tls_protocol);
    check_name(h->tls_cipher);
    if (!h->addresses) {
        if (h->tls_protocol[0] || h->tls_cipher[0] || h->remoteip[0])
            abort();
        return;
    }
    family_of(h->remoteip);
    family_of(h->localip);
    if (h->remoteport > 65535 || h->localport > 65535)
        abort();
}

static void same_addresses(const struct proxyheader *a,
                           const struct proxyheader *b)
{
    if (!b->addresses || strcmp(a->remoteip, b->remoteip) != 0 ||
        strcmp(a->localip, b->localip) != 0 || a->remoteport != b->remoteport ||
        a->localport != b->localport)
        abort();
}

/* The addresses written again as a version 1 line. */
static void round_trip_v1(const struct proxyheader *h)
{
    int family = family_of(h->remoteip);
    if (family != family_of(h->localip))
        return; /* an IPv4-mapped address beside an IPv6 one */
    char line[PROXYHEADER_V1_MAX + 1];
    int n = snprintf(line, sizeof line, "PROXY TCP%c %s %s %u %u\r\n",
                     family == AF_INET ? '4' : '6', h->remoteip, h->localip,
                     h->remoteport, h->localport);
    if (n < 0 || (size_t)n >= sizeof line)
        abort();
    struct proxyheader again;
    if (parse((const uint8_t *)line, (size_t)n, &again) != PROXYHEADER_OK)
        abort();
    same_addresses(h, &again);
}

static size_t put_tlv(unsigned char *out, unsigned type, const char *value)
{
    size_t n = strlen(value);
    out[0] = (unsigned char)type;
    out[1] = 0;
    out[2] = (unsigned char)n;
    memcpy(out + 3, value, n);
    return 3 + n;
}

/* An address as 16 bytes of IPv6, IPv4 as IPv4-mapped. */
static void raw6(const char *ip, unsigned char out[16])
{
    memset(out, 0, 16);
    if (inet_pton(AF_INET, ip, out + 12) == 1)
        out[10] = out[11] = 0xff;
    else if (inet_pton(AF_INET6, ip, out) != 1)
        abort();
}

/* The addresses and TLS names written again as a version 2 TCP6 header. */
static void round_trip_v2(const struct proxyheader *h)
{
    static const unsigned char sig[16] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                          0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
                                          0x21, 0x21, 0,    0};
    unsigned char b[256];
    memcpy(b, sig, sizeof sig);
    size_t n = sizeof sig;
    raw6(h->remoteip, b + n);
    raw6(h->localip, b + n + 16);
    n += 32;
    b[n++] = (unsigned char)(h->remoteport >> 8);
    b[n++] = (unsigned char)h->remoteport;
    b[n++] = (unsigned char)(h->localport >> 8);
    b[n++] = (unsigned char)h->localport;
    size_t ssl = n;
    static const unsigned char client[8] = {0x20, 0, 0, 1, 0, 0, 0, 0};
    memcpy(b + n, client, sizeof client);
    n += sizeof client;
    if (h->tls_protocol[0])
        n += put_tlv(b + n, 0x21, h->tls_protocol);
    if (h->tls_cipher[0])
        n += put_tlv(b + n, 0x23, h->tls_cipher);
    b[ssl + 2] = (unsigned char)(n - ssl - 3);
    b[15] = (unsigned char)(n - 16);
    struct proxyheader again;
    if (parse(b, n, &again) != PROXYHEADER_OK)
        abort();
    same_addresses(h, &again);
    if (strcmp(h->tls_protocol, again.tls_protocol) != 0 ||
        strcmp(h->tls_cipher, again.tls_cipher) != 0)
        abort();
}

static void header(const uint8_t *data, size_t size)
{
    int whole;
    size_t at = read_as_told(data, size, &whole);
    struct proxyheader h, all;
    enum proxyheader_status st = parse(data, at, &h);
    if (!whole) {
        if (st == PROXYHEADER_OK)
            abort(); /* the reader would have stopped */
        return;
    }
    if (st == PROXYHEADER_MORE)
        abort();
    /* What follows the header changes nothing. */
    if (parse(data, size, &all) != st)
        abort();
    if (st != PROXYHEADER_OK) {
        if (!h.why || !all.why)
            abort();
        return;
    }
    check_header(&h, at);
    check_header(&all, at);
    if (!h.addresses)
        return;
    same_addresses(&h, &all);
    round_trip_v1(&h);
    round_trip_v2(&h);
}

static void proxyfrom(const uint8_t *data, size_t size)
{
    static struct balancers b;
    const char *why = NULL;
    char *text = (char *)exact(data, size);
    size_t line = balancers_parse(&b, text, size, &why);
    free(text);
    if (line && (!why || b.count))
        abort();
    for (size_t i = 0; i < b.count; i++) {
        const struct balancer *e = &b.list[i];
        char ip[INET6_ADDRSTRLEN];
        if (e->bits > (e->family == AF_INET ? 32u : 128u) ||
            !inet_ntop(e->family, e->addr, ip, sizeof ip) ||
            !balancers_match(&b, ip))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * PROXYHEADER_MAX)
        return 0;
    if (size > 0 && data[0] == 'F')
        proxyfrom(data + 1, size - 1);
    else
        header(data, size);
    return 0;
}
