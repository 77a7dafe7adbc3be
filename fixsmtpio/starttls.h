/* STARTTLS for fixsmtpio through UCSPI-TLS (ucspi-tls(2)): which level the
 * environment asks for, and the switch to TLS with a fresh server. */
#ifndef STARTTLS_H
#define STARTTLS_H

#include "relay.h"
#include "rules.h"
#include "tlsenv.h"

struct starttls {
    struct tlsenv env;
    const struct ruleset *set;
    struct ruleview *view;
};

/* The TLS level (lib/tlsenv.h), with a warning when it is odd or when TLS
 * may start but the UCSPI-TLS descriptors are missing. */
enum tls_level starttls_setup(struct starttls *t);
/* The relay's STARTTLS step: handshake, variables into the environment
 * with FIXSMTPIOTLS=1, the client now on the TLS pipes (as fds 0 and 1),
 * rules chosen again, server restarted. 0, or -1 (nothing more may be said
 * to the client). t is r->ctx. */
int starttls_switch(struct relay *r);

#endif
