#include <arpa/inet.h>
#include <string.h>

#include "balancers.h"
#include "textlines.h"

#define TEXT_MAX 46 /* INET6_ADDRSTRLEN */

/* An address's text into family and raw bytes, an IPv4-mapped one as
 * IPv4. 0, 1 when it was IPv4-mapped, -1 when it is not an address. */
static int address(const char *text, struct balancer *e)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};
    memset(e->addr, 0, sizeof e->addr);
    if (inet_pton(AF_INET, text, e->addr) == 1) {
        e->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, text, e->addr) != 1)
        return -1;
    e->family = AF_INET6;
    if (memcmp(e->addr, mapped, sizeof mapped) == 0) {
        memmove(e->addr, e->addr + sizeof mapped, 4);
        memset(e->addr + 4, 0, sizeof e->addr - 4);
        e->family = AF_INET;
        return 1;
    }
    return 0;
}

static unsigned width(int family)
{
    return family == AF_INET ? 32 : 128;
}

/* 1 when a and b agree in their first bits bits. */
static int same_prefix(const unsigned char *a, const unsigned char *b,
                       unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole) != 0)
        return 0;
    if (!rest)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

/* 1 when no bit of a after its first bits bits is set. */
static int host_bits_clear(const unsigned char *a, unsigned bits,
                           unsigned total)
{
    for (unsigned i = bits; i < total; i++)
        if (a[i / 8] & (0x80 >> (i % 8)))
            return 0;
    return 1;
}

/* "/N": a prefix length without leading zeros, at most max. */
static int prefix(const char *s, size_t len, unsigned max, unsigned *bits)
{
    if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *bits = v;
    return 0;
}

static const char *entry(const char *s, size_t len, struct balancer *e)
{
    const char *slash = memchr(s, '/', len);
    size_t n = slash ? (size_t)(slash - s) : len;
    char text[TEXT_MAX];
    if (n >= sizeof text)
        return "not an IPv4 or IPv6 address";
    memcpy(text, s, n);
    text[n] = 0;
    int mapped = address(text, e);
    if (mapped < 0)
        return "not an IPv4 or IPv6 address";
    /* ::ffff:192.0.2.0/120 is 192.0.2.0/24. */
    unsigned written = mapped ? 128 : width(e->family);
    e->bits = written;
    if (slash && prefix(slash + 1, len - n - 1, written, &e->bits) < 0)
        return "a prefix length that is not a number from 0 to 32 (IPv4) "
               "or 128 (IPv6)";
    if (mapped && e->bits < 96)
        return "an IPv4-mapped block shorter than /96";
    if (mapped)
        e->bits -= 96;
    if (!host_bits_clear(e->addr, e->bits, width(e->family)))
        return "an address with bits set past its prefix length";
    return NULL;
}

static size_t trim(const char **s, size_t n)
{
    while (n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        n--;
    }
    while (n &&
           ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t' || (*s)[n - 1] == '\r'))
        n--;
    return n;
}

size_t balancers_parse(struct balancers *b, const char *text, size_t len,
                       const char **why)
{
    size_t lineno = 0;
    b->count = 0;
    for (size_t at = 0; at < len;) {
        const char *line;
        size_t n = textlines_next(text, len, &at, &line);
        lineno++;
        n = trim(&line, n);
        if (n == 0 || line[0] == '#')
            continue;
        *why = b->count == BALANCERS_MAX ? "more than 1024 entries"
                                         : entry(line, n, &b->list[b->count]);
        if (*why) {
            b->count = 0;
            return lineno;
        }
        b->count++;
    }
    return 0;
}

int balancers_match(const struct balancers *b, const char *ip)
{
    struct balancer peer;
    if (!ip || address(ip, &peer) < 0)
        return 0;
    for (size_t i = 0; i < b->count; i++)
        if (b->list[i].family == peer.family &&
            same_prefix(b->list[i].addr, peer.addr, b->list[i].bits))
            return 1;
    return 0;
}
