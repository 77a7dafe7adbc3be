/* The network side of the engine's TLS session: GnuTLS reads with read(2)
 * (so fds 0 and 1 need not be sockets), and an end of file from the peer is
 * kept from GnuTLS. GnuTLS takes an end of file without close_notify for a
 * fatal error and invalidates the session, which would lose whatever prog
 * still has to say to a client that only half-closed its connection; here
 * the read reports EAGAIN instead and netio_peer_closed() says it happened.
 * One session per process: the engine serves one connection. Nothing here
 * prints or exits. */
#ifndef NETIO_H
#define NETIO_H

#include <gnutls/gnutls.h>
#include <stddef.h>
#include <stdint.h>

/* Sets the session's transport to rfd (from the peer) and wfd (to it). */
void netio_attach(gnutls_session_t s, int rfd, int wfd);

/* From now on, read ahead: up to 64 KiB a read, not a record header and
 * then its body. For after the handshake. Bytes read ahead are always
 * handed to GnuTLS before the next read, so the descriptor's readiness
 * still says whether GnuTLS can make progress once it has consumed them:
 * it returns EAGAIN only when they are used up. */
void netio_read_ahead(void);

/* Reads the peer's first record ahead, until the deadline (clock_ms()); its
 * bytes stay for GnuTLS to read, and no byte past the record is read. 1
 * with *rec and *len set when a whole record came, else 0 (the deadline,
 * the peer's end, an error, or not a TLS record: GnuTLS finds out). rfd
 * must be non-blocking. */
int netio_first_record(int rfd, int64_t deadline, const unsigned char **rec,
                       size_t *len);

/* 1 once a read found the peer's end of file. */
int netio_peer_closed(void);

#endif
