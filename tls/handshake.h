/* The server side of a TLS handshake on the network connection: the
 * certificate chosen by the name the client asks for (SNI), a client
 * certificate requested (never required) when there are CAs, and a
 * deadline. The descriptors must be non-blocking; every wait is poll(2) in
 * the direction GnuTLS asks for. Nothing here prints or exits. */
#ifndef HANDSHAKE_H
#define HANDSHAKE_H

#include <gnutls/gnutls.h>
#include <stdint.h>

#include "creds.h"

/* Sets a new server session up for the handshake, without its transport:
 * the priority string, the credentials (creds is a struct creds), the
 * client certificate request and the SNI callback. 0, or a GnuTLS error
 * code. */
int handshake_prepare(gnutls_session_t s, const void *creds);

/* Makes a server session on rfd (from the peer) and wfd (to the peer).
 * ticket_key, when not NULL, opens session tickets, and with issue seals
 * new ones; without it there are none. 0, or a GnuTLS error code. */
int handshake_session(gnutls_session_t *s, const struct creds *c, int rfd,
                      int wfd, const gnutls_datum_t *ticket_key, int issue);

/* Runs the handshake until the deadline (clock_ms()). 0, or a GnuTLS error
 * code: GNUTLS_E_TIMEDOUT when the deadline passed, GNUTLS_E_PULL_ERROR or
 * GNUTLS_E_PUSH_ERROR when the connection failed (errno says why), or what
 * GnuTLS found wrong, which is then answered with the alert it calls
 * for. */
int handshake_run(gnutls_session_t s, int rfd, int wfd, int64_t deadline);

/* Waits until the network is ready in the direction the session's last
 * call was stopped in, or the deadline. 1 ready, 0 deadline, -1 error. */
int handshake_wait(gnutls_session_t s, int rfd, int wfd, int64_t deadline);

#endif
