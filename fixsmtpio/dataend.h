/* Message data after 354: copied to the server until the end-of-data line,
 * found however the bytes are split across reads.
 *
 * Only CR LF . CR LF ends the data, as RFC 5321 says. Servers that take a
 * bare LF as a line end (qmail-smtpd, ofmipd) would see an end of data where
 * the client's real peer saw none ("SMTP smuggling"), so every bare LF is sent
 * as CR LF, and a line that this creates is dot-stuffed when it starts with
 * '.': the server then sees exactly the lines, and the end, seen here. A '.'
 * that starts a real line and is followed by a bare LF is the client's
 * stuffing dot of a line that holds nothing before that LF; it is dropped, as
 * a strict server would drop it. Every other byte passes untouched. */
#ifndef DATAEND_H
#define DATAEND_H

#include <stddef.h>

struct dataend {
    int state;
};

void dataend_start(struct dataend *d);
/* Scans in[0..len), writing what the server must get to out, which has room
 * for 2 * len + 2 bytes. Stops after the end-of-data line. Returns the input
 * bytes consumed; *outlen is set to the bytes written and *done to 1 when the
 * end-of-data line has been passed. */
size_t dataend_scan(struct dataend *d, const char *in, size_t len, char *out,
                    size_t *outlen, int *done);

#endif
