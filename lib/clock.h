/* Monotonic milliseconds, for deadlines that wall-clock jumps cannot move. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

#define DEADLINE_NONE INT64_MAX

int64_t clock_ms(void);
/* Milliseconds from now until deadline, as poll(2) wants them: 0 when it has
 * passed, -1 (wait forever) for DEADLINE_NONE. */
int clock_poll_timeout(int64_t deadline);

#endif
