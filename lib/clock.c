#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>

#include "clock.h"

int64_t clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clock_poll_timeout(int64_t deadline)
{
    if (deadline == DEADLINE_NONE)
        return -1;
    int64_t left = deadline - clock_ms();
    if (left <= 0)
        return 0;
    if (left > INT_MAX)
        return INT_MAX;
    return (int)left;
}

int clock_wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, clock_poll_timeout(deadline));
        if (n >= 0)
            return n > 0;
        if (errno != EINTR)
            return -1;
    }
}
