/* The PROXY header from the connection: exactly its bytes, as
 * proxyheader_want() asks for them, and never one after it, since what
 * follows is the client's and belongs to the program run next. So not
 * through lib/lineread.h, which takes whatever has arrived; the bound is
 * PROXYHEADER_MAX bytes and a deadline all the same. */
#ifndef HEADERREAD_H
#define HEADERREAD_H

#include <stddef.h>
#include <stdint.h>

#include "proxyheader.h"

enum headerread_status {
    HEADERREAD_DONE,    /* buf holds a whole header, or enough of what is
                           not one to tell */
    HEADERREAD_NOTHING, /* the peer closed before sending a byte */
    HEADERREAD_CLOSED,  /* the peer closed within the header */
    HEADERREAD_TIMEOUT, /* the deadline (clock_ms()) passed */
    HEADERREAD_ERROR    /* poll or read failed: errno says why */
};

/* Reads from fd into buf until proxyheader_want() asks for nothing more,
 * waiting with poll(2) until deadline; *len is what was read. */
enum headerread_status headerread(int fd, int64_t deadline,
                                  unsigned char buf[PROXYHEADER_MAX],
                                  size_t *len);

/* What has arrived on the socket fd so far, up to size bytes, left there
 * for whoever reads it next: never waits. 0 when nothing has, or fd is
 * not a socket. */
size_t headerread_peek(int fd, unsigned char *buf, size_t size);

#endif
