/* authup's SMTP side: greets, answers EHLO, HELO, NOOP, RSET, HELP, QUIT
 * and STARTTLS, takes AUTH PLAIN and AUTH LOGIN (RFC 4954) and refuses
 * mail commands until a checkpassword run has let the client in. */
#ifndef SMTP_H
#define SMTP_H

#include "authconf.h"
#include "conn.h"

/* Runs the session; returns authup's exit code. */
int smtp_serve(const struct config *cfg, struct conn *c);

#endif
