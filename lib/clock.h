/* Monotonic milliseconds, for deadlines that wall-clock jumps cannot move. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

#define DEADLINE_NONE INT64_MAX

int64_t clock_ms(void);
/* Milliseconds from now until deadline, as poll(2) wants them: 0 when it has
 * passed, -1 (wait forever) for DEADLINE_NONE. */
int clock_poll_timeout(int64_t deadline);
/* Waits until fd is ready for events (POLLIN, POLLOUT; a hang-up or an
 * error counts as ready, for the read or write that follows to report) or
 * the deadline passes, going on after a signal. 1 ready, 0 deadline
 * passed, -1 error (errno). */
int clock_wait_fd(int fd, short events, int64_t deadline);

#endif
