/* Version 2: the signature, version 2, the command (LOCAL or PROXY), the
 * family and transport, the length, then the addresses and the TLVs. */
#include <arpa/inet.h>
#include <string.h>

#include "proxyheader.h"
#include "proxyparts.h"

#define CMD_LOCAL 0x0
#define CMD_PROXY 0x1
#define TCP4 0x11 /* AF_INET, STREAM */
#define TCP6 0x21 /* AF_INET6, STREAM */

static enum proxyheader_status bad(struct proxyheader *h, const char *why)
{
    h->why = why;
    return PROXYHEADER_BAD;
}

/* The families and transports a receiver may fall back from to the
 * connection's own addresses: unspecified, UDP over IPv4 and IPv6, UNIX
 * stream and datagram. */
static int fallback(unsigned fam)
{
    return fam == 0x00 || fam == 0x12 || fam == 0x22 || fam == 0x31 ||
           fam == 0x32;
}

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* The addresses at body[0..len) of a TCP4 or TCP6 header, then its TLVs. */
static enum proxyheader_status addresses(const unsigned char *body, size_t len,
                                         int family, struct proxyheader *h)
{
    size_t n = family == AF_INET ? 4 : 16;
    size_t need = 2 * n + 4;
    if (len < need)
        return bad(h, "a length too short for the family's addresses");
    proxyaddr_text(family, body, h->remoteip);
    proxyaddr_text(family, body + n, h->localip);
    h->remoteport = be16(body + 2 * n);
    h->localport = be16(body + 2 * n + 2);
    h->addresses = 1;
    return proxytlv_parse(body + need, len - need, h);
}

enum proxyheader_status proxyv2_parse(const unsigned char *buf, size_t len,
                                      struct proxyheader *h)
{
    h->version = 2;
    size_t n = len < PROXYV2_SIGNATURE_LEN ? len : PROXYV2_SIGNATURE_LEN;
    if (memcmp(buf, proxyv2_signature, n) != 0)
        return bad(h, "a version 2 signature that is not whole");
    if (len < PROXYHEADER_V2_MIN)
        return PROXYHEADER_MORE;
    unsigned version = buf[12] >> 4, command = buf[12] & 0x0f;
    unsigned fam = buf[13];
    size_t body = be16(buf + 14);
    if (version != 2)
        return bad(h, "a version other than 2 after the signature");
    if (command != CMD_LOCAL && command != CMD_PROXY)
        return bad(h, "a command other than LOCAL and PROXY");
    if (body > PROXYHEADER_V2_LEN_MAX)
        return bad(h, "a length above 4080 bytes");
    if (len < PROXYHEADER_V2_MIN + body)
        return PROXYHEADER_MORE;
    h->len = PROXYHEADER_V2_MIN + body;
    /* LOCAL: the balancer's own connection; family, addresses and TLVs are
     * ignored, as the protocol says. */
    if (command == CMD_LOCAL || fallback(fam))
        return PROXYHEADER_OK;
    if (fam == TCP4 || fam == TCP6)
        return addresses(buf + PROXYHEADER_V2_MIN, body,
                         fam == TCP4 ? AF_INET : AF_INET6, h);
    return bad(h, "an unknown family or transport");
}
