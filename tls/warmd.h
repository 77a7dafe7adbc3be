/* ucspitlsd -S: the warm engine daemon. One process, started as root,
 * makes the socket (tls/warmsock.h) and stays root only to start a
 * server: a child that loads the credentials (tls/creds.h), drops its
 * privileges as an engine does and then, for each connection on the
 * socket, forks an engine with the credentials already loaded. The
 * connection's ucspitlsd (TLSENGINE) sends the network descriptors, its
 * stderr and the engine's ends of the channels with a request
 * (tls/warmreq.h); the engine reads it, takes the descriptors and runs
 * as a per-connection engine would (tls/engine.h), logging on the
 * connection's stderr. Nothing of a request is read by the server
 * itself, so a bad one ends only the engine that took it.
 *
 * SIGHUP loads the credentials and ticket keys again: a new server is
 * started, and only once it has loaded them is the old one told to stop
 * (its engines finish their connections); when they cannot be loaded,
 * the old server goes on. SIGTERM stops the server and removes the
 * socket. */
#ifndef WARMD_H
#define WARMD_H

#include "config.h"

__attribute__((noreturn)) void warmd_run(const struct config *cfg);

#endif
