/* Deadlines: clock_poll_timeout() and clock_wait_fd(), which goes on
 * waiting after a signal and counts a hang-up as ready. */
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "../tap.h"
#include "clock.h"

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

int main(void)
{
    is_int(clock_poll_timeout(DEADLINE_NONE), -1, "no deadline: wait forever");
    is_int(clock_poll_timeout(clock_ms() - 5), 0, "a deadline passed: 0");
    int left = clock_poll_timeout(clock_ms() + 10000);
    ok(left > 9000 && left <= 10000, "10 s ahead: %d ms", left);

    int fds[2];
    if (!ok(pipe(fds) == 0, "a pipe"))
        return done_testing();
    is_int(clock_wait_fd(fds[1], POLLOUT, clock_ms() + 1000), 1,
           "an empty pipe is ready for writing");

    /* A signal (no SA_RESTART, so poll(2) fails with EINTR) 50 ms into a
     * 300 ms wait: the wait goes on to its deadline. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {.it_value = {.tv_usec = 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    int64_t t0 = clock_ms();
    is_int(clock_wait_fd(fds[0], POLLIN, t0 + 300), 0,
           "nothing to read: the deadline passes");
    int64_t took = clock_ms() - t0;
    ok(alarms == 1, "a signal came during the wait");
    ok(took >= 290, "the wait lasted to its deadline (%lld ms)",
       (long long)took);

    ok(write(fds[1], "x", 1) == 1, "a byte written");
    is_int(clock_wait_fd(fds[0], POLLIN, t0 + 300), 1,
           "ready at once, even after the deadline");
    char c;
    ok(read(fds[0], &c, 1) == 1, "the byte read");
    close(fds[1]);
    is_int(clock_wait_fd(fds[0], POLLIN, clock_ms() + 1000), 1,
           "the writer gone: ready, for read(2) to say end of file");
    close(fds[0]);
    is_int(clock_wait_fd(fds[0], POLLIN, clock_ms() + 1000), 1,
           "a closed descriptor: ready, for read(2) to say EBADF");
    return done_testing();
}
