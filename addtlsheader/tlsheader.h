/* The Received: field that qmail-qfilter-addtlsheader puts on top of a
 * message received over TLS, built from strings alone (no environment, no
 * file descriptor, no clock), so that it is tested and fuzzed on its own:
 *
 *   Received: (authup user alice@example.org, fixsmtpio TLSv1.3 cipher
 *    TLS_AES_256_GCM_SHA384); Mon, 23 Nov 2026 10:04:05 +0000
 *
 * Everything before ";" is one comment. RFC 5322 section 3.6.7 (with its
 * verified erratum 3979) lets a received field hold a comment alone, as
 * qmail's own "Received: (qmail 4711 invoked from network); ..." does; RFC
 * 5321 section 4.4's FROM and BY clauses are written by the SMTP server, not
 * by a filter that knows neither host.
 *
 * The comment says, in this order and each only when known:
 *   "authup user " USER ","   TLS and authentication were done by authup
 *   "fixsmtpio"               TLS was started by fixsmtpio's STARTTLS
 *   PROTOCOL " cipher " CIPHER
 * Lines end in LF alone (qmail's queue holds no CR) and are folded at the
 * spaces between words so that none is longer than TLSHEADER_LINE_MAX; a
 * word is never split.
 *
 * Values come from the environment, so from other programs: they are never
 * copied raw. A byte outside a value's character set becomes '?', and a
 * value longer than TLSHEADER_VALUE_MAX bytes keeps its first
 * TLSHEADER_VALUE_MAX - 3 bytes followed by "...". Protocol and cipher may
 * hold A-Z a-z 0-9 . _ + -, the user also the other characters of an RFC
 * 5322 atom and "@" (an address), never a space, a control character, an
 * 8-bit byte or one of ( ) \ " , : ; < > [ ]. So no value can end the comment,
 * the line or the header. */
#ifndef TLSHEADER_H
#define TLSHEADER_H

#include <time.h>

#define TLSHEADER_LINE_MAX 78  /* characters on a line, LF not counted */
#define TLSHEADER_VALUE_MAX 64 /* bytes of each value, after truncation */
#define TLSHEADER_MAX 512      /* room for the longest header */

struct tlsheader_info {
    const char *protocol; /* SSL_PROTOCOL: NULL or "" means no TLS */
    const char *cipher;   /* SSL_CIPHER: NULL or "" means no TLS */
    const char *user;     /* AUTHUP_USER: NULL or "" when nobody logged in */
    int fixsmtpio;        /* FIXSMTPIOTLS is set */
};

/* Writes the header, with its last LF, into out[TLSHEADER_MAX] and returns
 * its length (no NUL is added). Returns 0, writing nothing, when protocol or
 * cipher is NULL or empty: no header is due. Returns -1 when *when cannot be
 * written as an RFC 5322 date (see rfcdate.h). */
int tlsheader_build(char *out, const struct tlsheader_info *info,
                    const struct tm *when);

#endif
