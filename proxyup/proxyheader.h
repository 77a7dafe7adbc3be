/* The PROXY protocol header a load balancer sends before the client's first
 * byte (HAProxy's proxy-protocol.txt, versions 1 and 2), read from a
 * buffer: no descriptor, no environment, nothing printed, so that it is
 * tested and fuzzed on its own.
 *
 * Version 1 is one line of text, at most 107 bytes with its CR LF:
 *   PROXY TCP4 192.0.2.7 198.51.100.1 4711 25\r\n
 *   PROXY UNKNOWN\r\n                       (anything may follow UNKNOWN)
 * Version 2 is binary: a 12-byte signature, version and command, family
 * and transport, a 2-byte length, then that many bytes of addresses and
 * TLVs. A length above PROXYHEADER_V2_LEN_MAX is refused, so that a whole
 * header always fits PROXYHEADER_MAX bytes.
 *
 * A header either gives the client's addresses (TCP4 or TCP6, the command
 * PROXY with TCP over IPv4 or IPv6) or says to keep the connection's own
 * (v1 UNKNOWN; v2 LOCAL, as health checks send; v2 PROXY with a family or
 * transport the protocol lets a receiver fall back from: unspecified, UDP,
 * UNIX). Anything else that does not match the protocol exactly is
 * refused. From version 2, the PP2_TYPE_SSL TLV gives the TLS protocol and
 * cipher of a client whose TLS the balancer ended, when its PP2_CLIENT_SSL
 * bit says so. */
#ifndef PROXYHEADER_H
#define PROXYHEADER_H

#include <stddef.h>

#define PROXYHEADER_V1_MAX 107
#define PROXYHEADER_V2_MIN 16 /* signature, command, family, length */
#define PROXYHEADER_MAX 4096
#define PROXYHEADER_V2_LEN_MAX (PROXYHEADER_MAX - PROXYHEADER_V2_MIN)
#define PROXYHEADER_IP_MAX 46  /* INET6_ADDRSTRLEN, with the NUL */
#define PROXYHEADER_TLS_MAX 64 /* bytes of a TLS protocol or cipher name */

enum proxyheader_status {
    PROXYHEADER_OK,   /* a whole, valid header */
    PROXYHEADER_MORE, /* a valid start: more bytes are needed */
    PROXYHEADER_BAD   /* not a valid header: why says what is wrong */
};

struct proxyheader {
    size_t len;    /* the header's length in bytes, CR LF or TLVs included */
    int version;   /* 1 or 2 */
    int addresses; /* 1: the fields below are the client's connection; 0:
                      keep the connection's own addresses */
    char remoteip[PROXYHEADER_IP_MAX]; /* the client's (source) address */
    char localip[PROXYHEADER_IP_MAX];  /* the address it connected to */
    unsigned remoteport, localport;
    /* From a version 2 PP2_TYPE_SSL TLV with PP2_CLIENT_SSL set: the
     * protocol (PP2_SUBTYPE_SSL_VERSION) and cipher (PP2_SUBTYPE_SSL_CIPHER)
     * as 1 to PROXYHEADER_TLS_MAX bytes from '!' to '~'; "" when not sent. */
    char tls_protocol[PROXYHEADER_TLS_MAX + 1];
    char tls_cipher[PROXYHEADER_TLS_MAX + 1];
    const char *why; /* PROXYHEADER_BAD: what is wrong, a fixed text */
};

/* How many more bytes a reader may take after buf[0..len) without taking
 * one that follows the header: 0 when buf holds a whole header, or enough
 * to tell that it does not start with one. Reading that many at a time, as
 * often as it says, never reads past the header; a version 1 line is then
 * read a byte at a time. Never more than PROXYHEADER_MAX - len. */
size_t proxyheader_want(const unsigned char *buf, size_t len);

/* Parses the header at the start of buf[0..len) into h (bytes after it are
 * not looked at). */
enum proxyheader_status proxyheader_parse(const unsigned char *buf, size_t len,
                                          struct proxyheader *h);

/* 1 when buf[0..len) starts as a header does: "PROXY " or the whole
 * version 2 signature. */
int proxyheader_looks_like(const unsigned char *buf, size_t len);

#endif
