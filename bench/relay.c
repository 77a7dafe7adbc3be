/* relay prog [arg...]: the physical limit for any SMTP proxy. Runs prog on
 * pipes and copies bytes both ways with poll(2) and 64 KiB buffers, looking
 * at nothing. Writes are non-blocking: a blocking write of a whole buffer
 * into a full pipe, while the server waits for its replies to be read,
 * would hang both. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

struct pipe_ {
    int from, to;
    char buf[1 << 16];
    size_t len, off;
    int eof;
};

static int step(struct pipe_ *p, short rev_from, short rev_to)
{
    if (p->len == 0 && (rev_from & (POLLIN | POLLHUP))) {
        ssize_t n = read(p->from, p->buf, sizeof p->buf);
        if (n <= 0)
            p->eof = 1;
        else
            p->len = (size_t)n, p->off = 0;
    }
    if (p->len && (rev_to & POLLOUT)) {
        ssize_t n = write(p->to, p->buf + p->off, p->len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        if (n <= 0)
            return -1;
        p->off += (size_t)n;
        p->len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct child c;
    if (argc < 2 || child_start(&c, argv + 1) < 0)
        return 111;
    signal(SIGPIPE, SIG_IGN);
    fcntl(c.in, F_SETFL, fcntl(c.in, F_GETFL) | O_NONBLOCK);
    fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
    static struct pipe_ up, down;
    up.from = 0, up.to = c.in;
    down.from = c.out, down.to = 1;
    while (!down.eof || down.len) {
        struct pollfd p[4] = {{up.len || up.eof ? -1 : 0, POLLIN, 0},
                              {up.len ? c.in : -1, POLLOUT, 0},
                              {down.len || down.eof ? -1 : c.out, POLLIN, 0},
                              {down.len ? 1 : -1, POLLOUT, 0}};
        if (poll(p, 4, -1) < 0)
            return 111;
        if (step(&up, p[0].revents, p[1].revents) < 0)
            up.eof = 1, up.len = 0;
        if (up.eof && !up.len && c.in >= 0)
            child_close_in(&c);
        if (step(&down, p[2].revents, p[3].revents) < 0)
            break;
    }
    int status = child_stop(&c, 5000);
    return status_exit_code(status) < 0 ? 111 : status_exit_code(status);
}
