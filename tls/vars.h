/* The variables of a connection after its handshake, with the names of
 * Apache's mod_ssl that ucspi-tls(2) asks for, as a variable block
 * (ucspitls_block_add() in lib/ucspitls.h). tls/appenv.c lists every name,
 * to keep them from leaking in from outside. Nothing here prints or exits. */
#ifndef VARS_H
#define VARS_H

#include <gnutls/gnutls.h>

#include "bytes.h"

/* Appends the connection's variables and ends the block. client_certs
 * says whether a certificate was asked for. 0, or -1 with errno. */
int vars_build(gnutls_session_t s, int client_certs, struct bytes *block);

#endif
