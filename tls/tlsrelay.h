/* The relay after the handshake: TLS records from the peer, decrypted, to
 * the application's pipe, and the application's plaintext, encrypted, to
 * the peer, with one buffer of TLSRELAY_BUFFER bytes each way (reading stops
 * while a buffer is full, so memory stays flat whatever either side does)
 * and poll(2) for every wait.
 *
 * Each direction ends on its own. When the application closes its pipe,
 * what it wrote is sent, then a TLS close_notify and a TCP FIN; when the
 * peer sends close_notify or closes, the application reads end of file
 * once it has everything. The relay returns when both have ended; if the
 * application went away completely first, it waits up to TLSRELAY_LINGER_MS
 * for the peer to close, reading and dropping what it sends, so that the
 * kernel does not answer unread data with a reset that could destroy the
 * last bytes in flight. Nothing here prints or exits. */
#ifndef TLSRELAY_H
#define TLSRELAY_H

#include <gnutls/gnutls.h>
#include <stdint.h>

#define TLSRELAY_BUFFER (64 * 1024)
#define TLSRELAY_LINGER_MS 2000

enum tlsrelay_end {
    TLSRELAY_CLOSED, /* both directions ended */
    TLSRELAY_IDLE,   /* nothing moved for idle_ms */
    TLSRELAY_FAILED  /* error (GnuTLS) or sys_error (errno) says why */
};

struct tlsrelay {
    gnutls_session_t s;
    int net_in, net_out; /* the network connection, non-blocking */
    int app_in, app_out; /* from and to the application, non-blocking;
                            closed by the relay when their direction ends */
    int64_t idle_ms;
    int bye_sent;  /* out: close_notify was sent */
    uint64_t in;   /* out: plaintext bytes from the peer */
    uint64_t out;  /* out: plaintext bytes sent to the peer */
    int error;     /* the GnuTLS error the TLS connection failed with */
    int sys_error; /* or the errno of a failing poll, or ENOMEM */
};

/* Runs until the end. The plaintext buffers are wiped before they are
 * freed (they may hold a password). */
enum tlsrelay_end tlsrelay_run(struct tlsrelay *r);

#endif
