/* The parts of the header parser behind proxyheader.h, for its files
 * alone: each version's parser, the version 2 TLVs, and the text of an
 * address. */
#ifndef PROXYPARTS_H
#define PROXYPARTS_H

#include <stddef.h>

#include "proxyheader.h"

#define PROXYV1_PREFIX "PROXY"
#define PROXYV2_SIGNATURE_LEN 12
extern const unsigned char proxyv2_signature[PROXYV2_SIGNATURE_LEN];

/* Each parses a header known to start with its version's first five
 * bytes; h is cleared by the caller. */
enum proxyheader_status proxyv1_parse(const unsigned char *buf, size_t len,
                                      struct proxyheader *h);
enum proxyheader_status proxyv2_parse(const unsigned char *buf, size_t len,
                                      struct proxyheader *h);

/* The TLVs after a version 2 header's addresses, p[0..len). */
enum proxyheader_status proxytlv_parse(const unsigned char *p, size_t len,
                                       struct proxyheader *h);

/* The text of an address (4 bytes for AF_INET, 16 for AF_INET6) as
 * inet_ntop(3) writes it; an IPv4-mapped IPv6 address as IPv4, as
 * tcpserver with IPv6 gives an IPv4 client. */
void proxyaddr_text(int family, const unsigned char *raw,
                    char out[PROXYHEADER_IP_MAX]);

#endif
