/* authup's POP3 side: greets with a timestamp, answers CAPA, STLS (RFC
 * 2595) and QUIT, takes USER and PASS and AUTH PLAIN (RFC 5034), and
 * refuses everything else until a checkpassword run has let the client
 * in. */
#ifndef POP3_H
#define POP3_H

#include "authconf.h"
#include "conn.h"

/* Runs the session; returns authup's exit code. */
int pop3_serve(const struct config *cfg, struct conn *c);

#endif
