#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "netio.h"

static int peer_closed;

/* Read-ahead: GnuTLS reads a record's header and then its body, two reads
 * a record; after the handshake one read takes up to NETIO_AHEAD bytes and
 * GnuTLS's reads are served from them. Not during the handshake: were
 * GnuTLS to move the session into the kernel (kTLS), records read ahead
 * here would be lost to it. */
#define NETIO_AHEAD 65536

static int reading_ahead;
static char ahead[NETIO_AHEAD];
static size_t ahead_start, ahead_end;

static ssize_t pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
    int fd = (int)(intptr_t)p;
    if (ahead_start == ahead_end && reading_ahead && len < NETIO_AHEAD) {
        ssize_t n = read(fd, ahead, sizeof ahead);
        if (n <= 0) {
            if (n == 0)
                goto eof;
            return n;
        }
        ahead_start = 0;
        ahead_end = (size_t)n;
    }
    if (ahead_start < ahead_end) {
        size_t n =
            ahead_end - ahead_start < len ? ahead_end - ahead_start : len;
        memcpy(buf, ahead + ahead_start, n);
        ahead_start += n;
        return (ssize_t)n;
    }
    ssize_t n = read(fd, buf, len);
    if (n != 0 || len == 0)
        return n;
eof:
    peer_closed = 1;
    errno = EAGAIN;
    return -1;
}

static ssize_t push(gnutls_transport_ptr_t p, const void *buf, size_t len)
{
    return write((int)(intptr_t)p, buf, len);
}

static int is_socket(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

void netio_attach(gnutls_session_t s, int rfd, int wfd)
{
    gnutls_transport_set_int2(s, rfd, wfd);
    gnutls_transport_set_pull_function(s, pull);
    /* GnuTLS's own writes (sendmsg, MSG_NOSIGNAL) need a socket. */
    if (!is_socket(wfd))
        gnutls_transport_set_push_function(s, push);
}

/* Reads until ahead holds want bytes: 1, or 0. */
static int fill(int fd, size_t want, int64_t deadline)
{
    while (ahead_end < want) {
        ssize_t n = read(fd, ahead + ahead_end, want - ahead_end);
        if (n > 0) {
            ahead_end += (size_t)n;
            continue;
        }
        if (n == 0) {
            peer_closed = 1;
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return 0;
        if (clock_wait_fd(fd, POLLIN, deadline) <= 0)
            return 0;
    }
    return 1;
}

int netio_first_record(int rfd, int64_t deadline, const unsigned char **rec,
                       size_t *len)
{
    ahead_start = ahead_end = 0;
    if (!fill(rfd, 5, deadline))
        return 0;
    size_t total =
        5 + ((size_t)(unsigned char)ahead[3] << 8 | (unsigned char)ahead[4]);
    if ((unsigned char)ahead[0] != 22 || total > sizeof ahead ||
        !fill(rfd, total, deadline))
        return 0;
    *rec = (const unsigned char *)ahead;
    *len = total;
    return 1;
}

void netio_read_ahead(void)
{
    reading_ahead = 1;
}

int netio_peer_closed(void)
{
    return peer_closed;
}
