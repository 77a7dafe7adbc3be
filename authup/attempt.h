/* One authentication attempt. checkpassword runs with the client
 * connection on fds 0 and 1 and, on fd 3, the standard interface's
 * name NUL password NUL timestamp NUL; AUTHUP_USER (and for SMTP
 * AUTHUP_HELO) in its environment. When it accepts, it runs prog, which
 * takes over the session; authup waits for the end either way and reads
 * the outcome from the exit status.
 *
 * An exit status alone cannot tell a rejection (1) from a session that ran
 * and ended with 1, so for SMTP the child also gets AUTHUP_SESSIONFD, the
 * write end of a pipe: fixsmtpio writes one byte there before it starts
 * the server. With that byte, every exit is the session's own, and authup
 * says nothing more to the client. */
#ifndef ATTEMPT_H
#define ATTEMPT_H

#include "authconf.h"
#include "conn.h"
#include "sasl.h"

enum verdict {
    VERDICT_REJECTED, /* exit 1 or 2: wrong name or password, or malformed */
    VERDICT_TEMPFAIL, /* exit 111 */
    VERDICT_CRASHED,  /* killed by a signal */
    VERDICT_EXITED,   /* any other exit: the session ran and is over */
    VERDICT_THROTTLED /* not run: too many failures (throttle.h) */
};

struct outcome {
    enum verdict verdict;
    int code;    /* the exit code, or the signal for VERDICT_CRASHED */
    int session; /* fixsmtpio said that the session started */
};

/* Runs checkpassword (cfg->checkpassword) for the credentials, which are
 * wiped from creds once written to the pipe; mech is how they came (PLAIN,
 * LOGIN, USER). helo is the client's EHLO or HELO line for SMTP, or NULL.
 * Logs the attempt's line and notes it in c for the summary. Returns the
 * outcome; a failure to start counts as VERDICT_TEMPFAIL. When a limit on
 * failures across connections applies, checkpassword is not run
 * (VERDICT_THROTTLED, code 1 for the address's limit, 2 the account's). */
struct outcome attempt_run(const struct config *cfg, struct conn *c,
                           struct sasl_creds *creds, const char *mech,
                           const char *stamp, const char *helo);

/* The timestamp for fd 3, also POP3's greeting: <pid.seconds@greeting>. */
void attempt_stamp(char *out, size_t size, const char *greeting);

/* Waits pause_ms after a failed attempt (nothing is read meanwhile). */
void attempt_pause(const struct config *cfg);

#endif
