/* STARTTLS for fixsmtpio through UCSPI-TLS (ucspi-tls(2)): which level the
 * environment asks for, and the switch to TLS with a fresh server. */
#ifndef STARTTLS_H
#define STARTTLS_H

#include "relay.h"
#include "rules.h"
#include "ucspitls.h"

struct starttls {
    struct ucspitls u;
    const struct ruleset *set;
    struct ruleview *view;
    int available; /* the three UCSPI-TLS descriptors are there */
};

/* The TLS level from UCSPITLS, DISABLETLS and SSL_PROTOCOL (already set:
 * started under implicit TLS), with the descriptors looked up (and made
 * close-on-exec) when TLS may start. UCSPITLS and DISABLETLS are removed
 * from the environment, so the server never sees them. */
enum tls_level starttls_setup(struct starttls *t);
/* The relay's STARTTLS step: handshake, variables into the environment
 * with FIXSMTPIOTLS=1, client moved to the TLS descriptors, rules chosen
 * again, server restarted. 0, or -1 (nothing more may be said to the
 * client). t is r->ctx. */
int starttls_switch(struct relay *r);

#endif
