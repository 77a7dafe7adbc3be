#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    (void)pid;
    return -1;
#endif
}

static void closefd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Forks and execs argv[0] with in and out (when not -1) as its stdin and
 * stdout. A failed exec is reported back through a close-on-exec pipe, so
 * that it is the caller's error, not an exit code of the child's. */
static pid_t launch(char *const argv[], int in, int out)
{
    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0) {
        int err;
        signal(SIGPIPE, SIG_DFL);
        if ((in >= 0 && dup2(in, 0) < 0) || (out >= 0 && dup2(out, 1) < 0)) {
            err = errno;
        } else {
            execvp(argv[0], argv);
            err = errno;
        }
        ssize_t w = write(report[1], &err, sizeof err);
        (void)w;
        _exit(127);
    }
    close(report[1]);
    int err = 0;
    ssize_t n;
    do
        n = read(report[0], &err, sizeof err);
    while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof err) {
        int status;
        waitpid(pid, &status, 0);
        errno = err;
        return -1;
    }
    return pid;
}

int child_start(struct child *c, char *const argv[])
{
    int in[2], out[2];
    c->pid = -1;
    c->in = c->out = c->pidfd = -1;
    if (pipe2(in, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    pid_t pid = launch(argv, in[0], out[1]);
    int saved = errno;
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        errno = saved;
        return -1;
    }
    c->pid = pid;
    c->in = in[1];
    c->out = out[0];
    c->pidfd = open_pidfd(pid);
    return 0;
}

pid_t child_run(char *const argv[])
{
    return launch(argv, -1, -1);
}

void child_close_in(struct child *c)
{
    closefd(&c->in);
}

void child_release(struct child *c)
{
    closefd(&c->in);
    closefd(&c->out);
    closefd(&c->pidfd);
}

int child_wait(struct child *c, int64_t deadline, int *status)
{
    if (c->pid <= 0) {
        errno = ECHILD;
        return -1;
    }
    for (;;) {
        pid_t r = waitpid(c->pid, status, WNOHANG);
        if (r == c->pid) {
            c->pid = -1;
            closefd(&c->pidfd);
            return 1;
        }
        if (r < 0 && errno != EINTR)
            return -1;
        int timeout = clock_poll_timeout(deadline);
        if (timeout == 0)
            return 0;
        if (c->pidfd >= 0) {
            struct pollfd pfd = {.fd = c->pidfd, .events = POLLIN};
            if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
                return -1;
        } else {
            /* No pidfd (kernel before 5.3): look again in a little while. */
            poll(NULL, 0, timeout < 0 || timeout > 20 ? 20 : timeout);
        }
    }
}

int child_stop(struct child *c, int grace_ms)
{
    int status = 0;
    closefd(&c->in);
    closefd(&c->out);
    if (c->pid > 0 && child_wait(c, clock_ms() + grace_ms, &status) == 0) {
        kill(c->pid, SIGTERM);
        if (child_wait(c, clock_ms() + 1000, &status) == 0) {
            kill(c->pid, SIGKILL);
            child_wait(c, DEADLINE_NONE, &status);
        }
    }
    closefd(&c->pidfd);
    return status;
}

int status_exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return -1;
}
