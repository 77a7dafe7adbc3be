/* The request a connection's ucspitlsd sends to the warm engine daemon
 * (ucspitlsd -S, tls/warmd.h) with the descriptors: what the engine needs
 * to know of the connection that the daemon's own configuration does not
 * say. Text, one field a line, in this order and each once:
 *   ucspitlsd-engine 1
 *   mode implicit|starttls
 *   handshake MS     (1 to TIMEOUT_SECONDS_MAX seconds, in ms)
 *   idle MS
 *   ip TCPREMOTEIP   (empty: unset)
 *   session SESSIONID (empty: none)
 * at most WARMREQ_MAX bytes. The daemon trusts nothing in it: anything
 * else is refused, so that a request decoded is the very one encoding
 * its fields makes. Nothing here prints or exits. */
#ifndef WARMREQ_H
#define WARMREQ_H

#include <stddef.h>
#include <stdint.h>

#include "sessionid.h"

#define WARMREQ_MAX 512
#define WARMREQ_IP_MAX 64

struct warmreq {
    int implicit;
    int64_t handshake_ms, idle_ms;
    char ip[WARMREQ_IP_MAX + 1];     /* empty: TCPREMOTEIP unset */
    char session[SESSIONID_MAX + 1]; /* empty: no session ID */
};

/* Fills r from the options and the environment: an ip or session ID
 * that could not be sent as it is (too long, a byte outside '!' to '~',
 * an invalid session ID) is left empty. */
void warmreq_from(struct warmreq *r, int implicit, int64_t handshake_ms,
                  int64_t idle_ms, const char *ip, const char *session);

/* The request's bytes in out (WARMREQ_MAX bytes are enough): its length,
 * or 0 when r holds what the format cannot carry. */
size_t warmreq_encode(const struct warmreq *r, char *out, size_t size);

/* 0, or -1 when the len bytes at in are not one well-formed request
 * (nothing in r is to be used then). */
int warmreq_decode(struct warmreq *r, const char *in, size_t len);

#endif
