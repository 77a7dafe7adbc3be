/* Running the wrapped program as a child on pipes, and waiting for it with a
 * deadline (through a pidfd, so that the wait is one more fd to poll). */
#ifndef CHILD_H
#define CHILD_H

#include <stdint.h>
#include <sys/types.h>

struct child {
    pid_t pid;
    int in;    /* write end of the pipe on the child's stdin, or -1 */
    int out;   /* read end of the pipe on the child's stdout, or -1 */
    int pidfd; /* readable once the child has exited, or -1 */
};

/* Starts argv[0] (found through PATH) with stdin and stdout on pipes and
 * stderr inherited; SIGPIPE is set back to default in the child. Our ends
 * are close-on-exec. Returns 0, or -1 with errno, including the errno of a
 * failed exec in the child. */
int child_start(struct child *c, char *const argv[]);
/* Starts argv[0] (found through PATH) with every descriptor inherited, for
 * a caller that waits for it. Returns its pid, or -1 with errno, including
 * the errno of a failed exec in the child. */
pid_t child_run(char *const argv[]);
/* Closes our end of the child's stdin (it sees end of file). */
void child_close_in(struct child *c);
/* Waits for the child to exit until the deadline. 1: exited, *status is the
 * wait status; 0: still running; -1: error. */
int child_wait(struct child *c, int64_t deadline, int *status);
/* Closes our ends of its pipes and gives it grace_ms to exit; then SIGTERM,
 * one more second, SIGKILL. Reaps it and returns the wait status. */
int child_stop(struct child *c, int grace_ms);
/* Closes our fds without touching the process. */
void child_release(struct child *c);

/* The exit code a wait status stands for in qmail's terms: the exit code, or
 * -1 when the process was killed by a signal. */
int status_exit_code(int status);

#endif
