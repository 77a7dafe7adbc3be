/* The environment the next program runs with: the client's addresses from
 * the header in tcpserver's variables, and TLS variables that only the
 * header may set. */
#ifndef PROXYENV_H
#define PROXYENV_H

#include "proxyheader.h"

/* Removes every SSL_* variable but SSL_UID and SSL_GID (ucspitlsd's
 * settings, under sslserver's names): those a TLS server sets for a
 * connection must not come from anywhere but the header. */
void proxyenv_clean_tls(void);

/* When the header gives addresses: TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP
 * and TCPLOCALPORT from it, TCPREMOTEHOST and TCPREMOTEINFO (which name
 * the balancer) removed, and SSL_PROTOCOL and SSL_CIPHER when it gives
 * them. 0, or -1 (errno ENOMEM). */
int proxyenv_set(const struct proxyheader *h);

#endif
