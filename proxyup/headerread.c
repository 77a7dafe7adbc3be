#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "headerread.h"

enum headerread_status headerread(int fd, int64_t deadline,
                                  unsigned char buf[PROXYHEADER_MAX],
                                  size_t *len)
{
    *len = 0;
    for (;;) {
        size_t want = proxyheader_want(buf, *len);
        if (want == 0 || want > PROXYHEADER_MAX - *len)
            return HEADERREAD_DONE;
        int r = clock_wait_fd(fd, POLLIN, deadline);
        if (r < 0)
            return HEADERREAD_ERROR;
        if (r == 0)
            return HEADERREAD_TIMEOUT;
        ssize_t n = read(fd, buf + *len, want);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return HEADERREAD_ERROR;
        if (n == 0)
            return *len ? HEADERREAD_CLOSED : HEADERREAD_NOTHING;
        *len += (size_t)n;
    }
}

size_t headerread_peek(int fd, unsigned char *buf, size_t size)
{
    ssize_t n;
    do
        n = recv(fd, buf, size, MSG_PEEK | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return n > 0 ? (size_t)n : 0;
}
