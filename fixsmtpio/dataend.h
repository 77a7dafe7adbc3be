/* Message data after 354: copied to the server until the end-of-data line,
 * found however the bytes are split across reads.
 *
 * Only CR LF . CR LF ends the data, as RFC 5321 says. The server must see
 * exactly the lines, and the one end of data, seen here, even if it reads
 * lines the loosest way: as C strings, or with a bare CR or a bare LF as a
 * line end ("SMTP smuggling"). So:
 *  - every bare LF is sent as CR LF, and a line that this creates is
 *    dot-stuffed when it starts with '.'; a '.' that starts a real line and
 *    is followed by a bare LF is the client's stuffing dot of a line that
 *    holds nothing before that LF, and is dropped, as a strict server drops
 *    it;
 *  - a NUL or a bare CR (RFC 5321 2.3.8) cannot be made harmless without
 *    changing the message: the message is refused. What came before the
 *    offending byte has been written out; nothing after it is, but the end
 *    of data is still looked for, so that the rest is never read as
 *    commands.
 * Every other byte passes untouched. A CR is held back until the byte after
 * it is known, so the output never depends on how the input was split. */
#ifndef DATAEND_H
#define DATAEND_H

#include <stddef.h>
#include <stdint.h>

enum dataend_refusal {
    DATAEND_CLEAN,
    DATAEND_NUL,    /* a NUL byte in the message */
    DATAEND_BARE_CR /* a CR not followed by LF */
};

struct dataend {
    int state;
    enum dataend_refusal refused;
    uint64_t seen;       /* message bytes scanned so far */
    uint64_t refused_at; /* the offset of the offending byte */
};

void dataend_start(struct dataend *d);
/* Scans in[0..len), writing what the server must get to out, which has room
 * for 2 * len + 2 bytes. Stops after the end-of-data line. Returns the input
 * bytes consumed; *outlen is set to the bytes written and *done to 1 when the
 * end-of-data line has been passed. Once d->refused is set, nothing more is
 * written, and the end of data (the client's) is still found. */
size_t dataend_scan(struct dataend *d, const char *in, size_t len, char *out,
                    size_t *outlen, int *done);

#endif
