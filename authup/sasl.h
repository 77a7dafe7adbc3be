/* The client's side of SASL PLAIN (RFC 4616) and LOGIN, decoded: base64
 * through Nettle, then the name and password taken out. Pure functions on
 * buffers, so that they are unit-tested and fuzzed on their own; every
 * buffer that held a password is wiped before it is freed.
 *
 * The base64 decoder is Nettle's, the library under GnuTLS: GnuTLS itself
 * would cost every connection some 3 ms of dynamic linking (ten shared
 * libraries, bound at start) for a few bytes of base64. */
#ifndef SASL_H
#define SASL_H

#include <stddef.h>

/* RFC 4616 allows 255 octets for each of the three fields. */
#define SASL_FIELD_MAX 255
/* The longest base64 line taken: a PLAIN message of three full fields. */
#define SASL_B64_MAX 1024

enum sasl_status {
    SASL_OK,
    SASL_CANCELLED, /* the client sent "*" */
    SASL_BADB64,    /* not base64: 501 5.5.2 */
    SASL_MALFORMED, /* base64, but not a PLAIN message or a usable name or
                       password: 501 5.5.2 */
    SASL_AUTHZ      /* PLAIN with an authorization identity other than the
                       name: 535 */
};

struct sasl_creds {
    char user[SASL_FIELD_MAX + 1]; /* NUL-terminated, no NUL inside */
    size_t userlen;
    char pass[SASL_FIELD_MAX + 1]; /* NUL-terminated, no NUL inside */
    size_t passlen;
};

/* Decodes one client response (the line without its end) into out, at
 * most max bytes. "*" is SASL_CANCELLED; "=" is an empty response; the
 * text must be base64 with its padding and nothing else (no spaces). */
enum sasl_status sasl_decode(const char *text, size_t len, char *out,
                             size_t max, size_t *outlen);
/* A PLAIN response: authzid NUL authcid NUL passwd, decoded from base64.
 * The authorization identity may be empty or the name itself. */
enum sasl_status sasl_plain(const char *text, size_t len, struct sasl_creds *c);
/* A LOGIN response, the name (which=0) or the password (which=1), decoded
 * from base64 into c. */
enum sasl_status sasl_login(const char *text, size_t len, struct sasl_creds *c,
                            int which);
/* A name or password given in clear (POP3 USER and PASS) into c. */
enum sasl_status sasl_clear(const char *text, size_t len, struct sasl_creds *c,
                            int which);
void sasl_wipe(struct sasl_creds *c);

#endif
