/* Version 1: one line of text, every field separated by exactly one space,
 * addresses in the family's canonical form (no leading zeros in IPv4, as
 * inet_pton(3) takes them), ports from 0 to 65535 without leading zeros,
 * CR LF at the end and nowhere else. */
#include <arpa/inet.h>
#include <string.h>

#include "proxyheader.h"
#include "proxyparts.h"

#define FIELDS 4

struct field {
    const char *s;
    size_t len;
};

static enum proxyheader_status bad(struct proxyheader *h, const char *why)
{
    h->why = why;
    return PROXYHEADER_BAD;
}

/* 1 when s[0..len) starts with word. */
static int starts(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && memcmp(s, word, n) == 0;
}

/* text[0..len) as exactly FIELDS non-empty fields between single spaces. */
static int split(const char *text, size_t len, struct field f[FIELDS])
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != ' ')
            continue;
        if (i == start || n == FIELDS)
            return -1;
        f[n].s = text + start;
        f[n++].len = i - start;
        start = i + 1;
    }
    return n == FIELDS ? 0 : -1;
}

static int address(const struct field *f, int family,
                   char out[PROXYHEADER_IP_MAX])
{
    char text[PROXYHEADER_IP_MAX];
    unsigned char raw[16];
    if (f->len >= sizeof text)
        return -1;
    memcpy(text, f->s, f->len);
    text[f->len] = 0;
    if (inet_pton(family, text, raw) != 1)
        return -1;
    proxyaddr_text(family, raw, out);
    return 0;
}

static int port(const struct field *f, unsigned *out)
{
    if (f->len > 5 || (f->len > 1 && f->s[0] == '0'))
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->s[i] < '0' || f->s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(f->s[i] - '0');
    }
    if (v > 65535)
        return -1;
    *out = v;
    return 0;
}

/* "TCP4 src dst sport dport" or "TCP6 ...", after "PROXY ". */
static enum proxyheader_status tcp(const char *text, size_t len,
                                   struct proxyheader *h)
{
    int family = text[3] == '4' ? AF_INET : AF_INET6;
    struct field f[FIELDS];
    if (split(text + 5, len - 5, f) < 0)
        return bad(h, "not four fields after TCP4 or TCP6, one space apart");
    if (address(&f[0], family, h->remoteip) < 0 ||
        address(&f[1], family, h->localip) < 0)
        return bad(h, "an address that is not one of the protocol's family");
    if (port(&f[2], &h->remoteport) < 0 || port(&f[3], &h->localport) < 0)
        return bad(h, "a port that is not a number from 0 to 65535");
    h->addresses = 1;
    return PROXYHEADER_OK;
}

enum proxyheader_status proxyv1_parse(const unsigned char *buf, size_t len,
                                      struct proxyheader *h)
{
    h->version = 1;
    size_t max = len < PROXYHEADER_V1_MAX ? len : PROXYHEADER_V1_MAX;
    const unsigned char *lf = memchr(buf, '\n', max);
    if (!lf)
        return len >= PROXYHEADER_V1_MAX
                   ? bad(h, "no line end within 107 bytes")
                   : PROXYHEADER_MORE;
    size_t end = (size_t)(lf - buf);
    if (end == 0 || buf[end - 1] != '\r')
        return bad(h, "a line that ends in a bare LF");
    h->len = end + 1;
    const char *text = (const char *)buf;
    len = end - 1;
    for (size_t i = 0; i < len; i++)
        if (buf[i] < 0x20 || buf[i] > 0x7e)
            return bad(h, "a byte that is not printable ASCII");
    if (len < 6 || text[5] != ' ')
        return bad(h, "no space after PROXY");
    text += 6;
    len -= 6;
    if (starts(text, len, "UNKNOWN ") ||
        (len == 7 && starts(text, 7, "UNKNOWN")))
        return PROXYHEADER_OK;
    if (starts(text, len, "TCP4 ") || starts(text, len, "TCP6 "))
        return tcp(text, len, h);
    return bad(h, "a protocol other than TCP4, TCP6 and UNKNOWN");
}
