/* The client certificate's variables, with mod_ssl's names:
 * SSL_CLIENT_VERIFY always (NONE, SUCCESS or FAILED:reason), and the
 * certificate's names, serial number and dates (SSL_CLIENT_S_DN,
 * SSL_CLIENT_S_DN_CN, SSL_CLIENT_S_DN_Email, SSL_CLIENT_I_DN,
 * SSL_CLIENT_M_SERIAL, SSL_CLIENT_V_START, SSL_CLIENT_V_END) only when it
 * was verified against the CAs for TLS client use, so that no rule can
 * match a name the client made up. Nothing here prints or exits. */
#ifndef CLIENTCERT_H
#define CLIENTCERT_H

#include <gnutls/gnutls.h>

#include "bytes.h"

/* Appends them to block; client_certs says whether a certificate was asked
 * for (NONE when not). 0, or -1 with errno. */
int clientcert_vars(gnutls_session_t s, int client_certs, struct bytes *block);

#endif
