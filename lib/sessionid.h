/* The session ID: one per connection, on every log line of every program
 * of the suite that serves it, so that one grep finds the whole story of
 * a connection across ucspitlsd, authup, checkpassword-cdb, fixsmtpio and
 * the filters the server runs. The first program of the chain makes it
 * (16 hex digits from getrandom(2)) and hands it down in the environment
 * as SESSIONID; every later one takes it from there. A value that is not
 * 1 to SESSIONID_MAX letters, digits, '.', '_' or '-' is not taken: it
 * could break the log line it would go into. */
#ifndef SESSIONID_H
#define SESSIONID_H

#define SESSIONID_MAX 64
#define SESSIONID_VAR "SESSIONID"

/* For a program that may be the first on a connection: takes SESSIONID
 * when it holds a valid one, else makes one and puts it into the
 * environment, for the programs run later. Returns it (it may be NULL
 * only when memory ran out). */
const char *sessionid_start(void);

/* The session ID the log lines carry: SESSIONID, when valid, as it was
 * when first asked for, or what sessionid_start() made; NULL when there is
 * none (a program run by hand, a check mode). */
const char *sessionid(void);

/* Whether s is a session ID this file would take: 1 or 0. */
int sessionid_valid(const char *s);

/* For a process forked by a long-running one to serve a connection that
 * another process started (ucspitlsd's warm engines): s becomes the
 * session ID, in the environment too, whatever was looked at before; NULL
 * or an invalid s leaves none. 0, or -1 when memory ran out. */
int sessionid_adopt(const char *s);

#endif
