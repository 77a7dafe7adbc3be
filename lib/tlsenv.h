/* The TLS level a program runs at, read from the environment the way
 * acceptutils reads it, and the switch of the client connection to TLS
 * through UCSPI-TLS:
 *   UCSPITLS unset or '-'   no TLS
 *   UCSPITLS=''             STARTTLS offered
 *   UCSPITLS='!'            STARTTLS required before anything else
 *   DISABLETLS set          no TLS, whatever UCSPITLS says
 *   SSL_PROTOCOL set        TLS already runs (implicit TLS, or a program
 *                           started after STARTTLS)
 * Nothing here prints or exits. */
#ifndef TLSENV_H
#define TLSENV_H

#include <stdint.h>

#include "ucspitls.h"

enum tls_level {
    TLS_NONE,     /* UCSPITLS unset or '-', or DISABLETLS set */
    TLS_OFFERED,  /* UCSPITLS='' */
    TLS_REQUIRED, /* UCSPITLS='!' */
    TLS_ACTIVE    /* after STARTTLS, or started under implicit TLS */
};

struct tlsenv {
    enum tls_level level;
    int available; /* the three UCSPI-TLS descriptors are there */
    int odd_value; /* UCSPITLS held something other than '', '!' or '-'
                      (taken as ''); the caller may warn */
    struct ucspitls u;
};

/* Reads the level. UCSPITLS and DISABLETLS are removed from the
 * environment, so that programs run later never see them. At every level
 * the descriptors are looked up and made close-on-exec, and SSLCTLFD,
 * SSLREADFD and SSLWRITEFD are removed from the environment too: no
 * program run later can use them, whether or not TLS may start. When it
 * may not (level TLS_NONE or TLS_ACTIVE), they are closed, so that the
 * UCSPI-TLS server's TLS process ends. */
void tlsenv_setup(struct tlsenv *t);

/* What is odd about the setup, for the program to warn about: at most two
 * messages into msg (each up to TLSENV_MSG bytes), for prog (its name) and
 * what fails when TLS is required but cannot start. Returns how many. */
#define TLSENV_MSG 300
int tlsenv_complaints(const struct tlsenv *t, const char *prog,
                      const char *required_fails, char msg[2][TLSENV_MSG]);

/* Starts TLS on the client connection: writes "Y", reads the variables
 * (until deadline, clock_ms()), closes the control socket and puts the
 * variables into the environment; then descriptors 0 and 1, the plaintext
 * connection, are replaced by the TLS pipes, so that the caller and the
 * programs it runs go on reading fd 0 and writing fd 1. The level becomes
 * TLS_ACTIVE. Returns UCSPITLS_OK or the status that stopped it (the
 * client can then no longer be told anything). */
enum ucspitls_status tlsenv_start(struct tlsenv *t, int64_t deadline);

#endif
