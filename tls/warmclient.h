/* A connection's side of the warm engine daemon (TLSENGINE, tls/warmd.h):
 * instead of forking an engine, ucspitlsd hands the daemon the network,
 * its stderr and the engine's ends of the channels, and then waits for
 * the engine's report as it would for its own child's. Nothing here
 * loads GnuTLS, prints or exits. */
#ifndef WARMCLIENT_H
#define WARMCLIENT_H

#include "channels.h"
#include "config.h"

/* Opens the channels and sends them with the request for cfg's mode and
 * timeouts, TCPREMOTEIP and the session ID. Returns 0 with the
 * application's ends open (as channels_keep_app() leaves them), or -1
 * with errno and nothing open: the daemon is not there or does not take
 * connections. */
int warmclient_start(const char *socket, const struct config *cfg,
                     struct channels *ch);

#endif
