/* proxyup's settings: control/proxyfrom and PROXYUP_TIMEOUT. */
#ifndef PROXYCONF_H
#define PROXYCONF_H

#include <stdint.h>

#include "balancers.h"

#define PROXYUP_TIMEOUT_DEFAULT 5 /* seconds */
#define PROXYUP_TIMEOUT_MAX 3600

struct proxyconf {
    struct balancers balancers;
    int64_t timeout_ms; /* for the whole header, from the connection's start */
};

/* Fills c. A missing control/proxyfrom lists no balancer, and says so in a
 * warning; a file that cannot be read or holds a line that is not an
 * address, or a PROXYUP_TIMEOUT that is not a number of seconds, ends
 * proxyup with 111 and a message. */
void proxyconf_load(struct proxyconf *c);

#endif
