#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netio.h"

static int peer_closed;

static ssize_t pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
    ssize_t n = read((int)(intptr_t)p, buf, len);
    if (n == 0 && len > 0) {
        peer_closed = 1;
        errno = EAGAIN;
        return -1;
    }
    return n;
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

int netio_peer_closed(void)
{
    return peer_closed;
}
