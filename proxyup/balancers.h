/* The load balancers proxyup takes a PROXY header from: the lines of
 * control/proxyfrom, one address or CIDR block each, IPv4 or IPv6:
 *   10.0.0.5
 *   10.0.1.0/24
 *   2001:db8:5::/48
 * Lines that begin with # and lines of nothing but spaces and tabs are
 * skipped; spaces, tabs and a CR around an entry are dropped. An
 * IPv4-mapped IPv6 address (::ffff:10.0.0.5) is its IPv4 address, in the
 * file and in what is looked up (::ffff:10.0.0.0/104 is 10.0.0.0/8). Parsing
 * and lookup work on text alone. */
#ifndef BALANCERS_H
#define BALANCERS_H

#include <stddef.h>

#define BALANCERS_FILE "proxyfrom"
#define BALANCERS_MAX 1024 /* entries taken from the file */

struct balancer {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    unsigned bits; /* the prefix length */
};

struct balancers {
    struct balancer list[BALANCERS_MAX];
    size_t count;
};

/* Parses the file's bytes into b. 0, or the 1-based number of the first
 * line that is not an entry (b->count is then 0), with what is wrong in
 * *why. */
size_t balancers_parse(struct balancers *b, const char *text, size_t len,
                       const char **why);

/* 1 when ip, an address's text as TCPREMOTEIP holds it, is within one of
 * the entries; 0 when not, or when ip is not an address. */
int balancers_match(const struct balancers *b, const char *ip);

#endif
