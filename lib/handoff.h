/* What authup hands the programs it runs, and fixsmtpio the server it
 * starts: the names, once, and the session mark.
 *
 *   AUTHUP_USER       the name the client logged in with (set by authup)
 *   AUTHUP_HELO       the client's EHLO or HELO line, which fixsmtpio sends
 *                     the server it starts (authup, SMTP)
 *   AUTHUP_SESSIONFD  a pipe on which fixsmtpio writes one byte when the
 *                     session starts, so that authup takes the exit code
 *                     that follows for the session's own, not for a
 *                     checkpassword verdict (authup, SMTP)
 *   FIXSMTPIOTLS      1 for a server fixsmtpio starts after STARTTLS
 *   NOFIXSMTPIO       set by the administrator: fixsmtpio only runs prog
 */
#ifndef HANDOFF_H
#define HANDOFF_H

#define HANDOFF_USER "AUTHUP_USER"
#define HANDOFF_HELO "AUTHUP_HELO"
#define HANDOFF_SESSIONFD "AUTHUP_SESSIONFD"
#define HANDOFF_TLS "FIXSMTPIOTLS"
#define HANDOFF_NOFIXSMTPIO "NOFIXSMTPIO"

/* authup: a pipe for the mark, both ends close-on-exec and the read end
 * non-blocking. 0, or -1 with errno. */
int handoff_mark_pipe(int fds[2]);
/* authup, in the child about to run checkpassword: AUTHUP_SESSIONFD names
 * a copy of the write end above fd 3, which every exec keeps. 0, or -1. */
int handoff_pass_mark(int write_end);
/* authup, once the child is gone: whether the session said it started
 * (and did not take it back). Closes read_end. */
int handoff_marked(int read_end);
/* fixsmtpio: the descriptor authup asked it to mark the session's start
 * on, close-on-exec so that the server never holds it, or -1; the variable
 * goes from the environment. */
int handoff_mark_fd(void);
/* fixsmtpio, once the server has started (fd from handoff_mark_fd; -1 does
 * nothing): marks the session's start. */
void handoff_mark(int fd);
/* fixsmtpio, when the exec it marked for failed after all: takes the mark
 * back, so that authup answers the client. */
void handoff_unmark(int fd);

/* fixsmtpio: AUTHUP_HELO, when AUTHUP_USER is set too and it is an EHLO or
 * HELO line of printable characters (at most 510); NULL otherwise, with
 * *bad set when there is one that is not such a line. */
const char *handoff_helo(int *bad);

#endif
