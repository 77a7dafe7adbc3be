/* The process that becomes the application, in ucspitlsd and
 * ucspitlsd-warm alike: it waits for the engine's report (from its own
 * child, or from an engine the warm daemon forked), cleans its
 * environment of ucspitlsd's settings, sets up the descriptors or the
 * variables of its mode, and execs prog. Nothing here loads GnuTLS, so
 * that ucspitlsd-warm starts without it. */
#ifndef APPSIDE_H
#define APPSIDE_H

#include <sys/types.h>

#include "channels.h"
#include "config.h"

/* fds 0 and 1 are the network; 2 must be taken, so that no pipe lands on
 * it. Exits 111 when 0 or 1 is not open. */
void appside_check_stdio(void);

/* No engine for this connection (why is in err): with implicit TLS the
 * connection ends (exit 111); with STARTTLS prog runs without TLS. */
__attribute__((noreturn)) void appside_no_engine(struct config *cfg,
                                                 const char *err);

/* Hands the connection to the warm daemon at socket (TLSENGINE,
 * tls/warmclient.h), or, when it is not set or not there, goes on as
 * appside_no_engine() does. */
void appside_warm(struct config *cfg, struct channels *ch, const char *socket);

/* ch as channels_keep_app() leaves it; pid the engine when it is this
 * process's child, else 0. */
__attribute__((noreturn)) void appside_run(struct config *cfg,
                                           struct channels *ch, pid_t pid);

#endif
