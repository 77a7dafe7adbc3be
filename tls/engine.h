/* The TLS engine: the child process that keeps the network connection.
 * It loads the certificates and keys, drops its privileges, tells the
 * application's process that it may run, and then, in STARTTLS mode,
 * waits on the control socket (never reading the network) for "y" or "Y";
 * in implicit mode it starts at once. It does the handshake, hands out the
 * variables (on the control socket after "Y", on the report pipe in
 * implicit mode), relays until both directions end, and exits: 0 after a
 * clean end, 111 after a failure, which it reports in one line on fd 2
 * naming the peer ($TCPREMOTEIP). */
#ifndef ENGINE_H
#define ENGINE_H

#include "channels.h"
#include "config.h"
#include "creds.h"

__attribute__((noreturn)) void engine_run(const struct config *cfg,
                                          struct channels *ch);

/* The engine from the point where its credentials are loaded and its
 * privileges dropped (by engine_run(), or by the warm daemon before it
 * forked this process, tls/warmd.h): the connection on fds 0 and 1, the
 * channels' engine ends kept (channels_keep_engine()). */
__attribute__((noreturn)) void
engine_serve(const struct config *cfg, struct creds *cr, struct channels *ch);

#endif
