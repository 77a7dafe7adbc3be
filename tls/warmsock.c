#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "warmsock.h"

static int address(const char *path, struct sockaddr_un *a)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(a->sun_path, path, strlen(path) + 1);
    return 0;
}

int warmsock_listen(const char *path, uid_t uid, gid_t gid)
{
    struct sockaddr_un a;
    struct stat st;
    if (address(path, &a) < 0)
        return -1;
    /* Only a socket is replaced: a typo must not remove a file. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        (void)unlink(path);
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    /* Made with no permissions at all, so that nobody connects before
     * the owner and the mode are right. */
    mode_t old = umask(0777);
    int r = bind(s, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (r < 0 || chown(path, uid, gid) < 0 || chmod(path, 0600) < 0 ||
        listen(s, 256) < 0) {
        int saved = errno;
        close(s);
        errno = saved;
        return -1;
    }
    return s;
}

int warmsock_connect(const char *path)
{
    struct sockaddr_un a;
    if (address(path, &a) < 0)
        return -1;
    /* Non-blocking: a daemon whose queue is full (all its engines busy
     * and the backlog taken) fails the connect at once with EAGAIN,
     * rather than holding the connection up. */
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0)
        return -1;
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        int saved = errno;
        close(s);
        errno = saved;
        return -1;
    }
    return s;
}

union control {
    struct cmsghdr h;
    char b[CMSG_SPACE(WARMSOCK_FDS * sizeof(int))];
};

int warmsock_send(int s, const char *p, size_t len, const int *fds, size_t n)
{
    union control u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {(void *)p, len};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = u.b,
                       .msg_controllen = CMSG_SPACE(n * sizeof(int))};
    if (n == 0 || n > WARMSOCK_FDS) {
        errno = EINVAL;
        return -1;
    }
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(h), fds, n * sizeof(int));
    for (;;) {
        ssize_t r = sendmsg(s, &m, MSG_NOSIGNAL);
        if (r == (ssize_t)len)
            return 0;
        if (r >= 0)
            errno = EMSGSIZE;
        if (r >= 0 || errno != EINTR)
            return -1;
    }
}

/* Every descriptor the message brought, in fds (*n, up to WARMSOCK_FDS;
 * any beyond are closed). 1 when there were more, or when anything but
 * SCM_RIGHTS came; else 0. */
static int collect(struct msghdr *m, int *fds, size_t *count)
{
    size_t n = 0, extra = 0;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h; h = CMSG_NXTHDR(m, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) {
            extra = 1;
            continue;
        }
        size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
            if (n < WARMSOCK_FDS)
                fds[n++] = fd;
            else {
                close(fd);
                extra = 1;
            }
        }
    }
    *count = n;
    return extra;
}

static void close_fds(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
}

enum warmsock_status warmsock_recv(int s, char *buf, size_t size, size_t *len,
                                   int *fds, size_t *n, int64_t deadline)
{
    /* Room for one more byte and more descriptors than allowed, so that
     * too much is seen as such. */
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE((WARMSOCK_FDS + 1) * sizeof(int))];
    } u;
    *len = *n = 0;
    for (;;) {
        int r = clock_wait_fd(s, POLLIN, deadline);
        if (r == 0)
            return WARMSOCK_TIMEOUT;
        if (r < 0)
            return WARMSOCK_SYSTEM;
        struct iovec iov = {buf, size};
        struct msghdr m = {.msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = u.b,
                           .msg_controllen = sizeof u.b};
        ssize_t got = recvmsg(s, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got < 0)
            return WARMSOCK_SYSTEM;
        size_t k;
        int extra = collect(&m, fds, &k);
        if (got == 0 && k == 0 && !extra)
            return WARMSOCK_CLOSED;
        if (extra || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
            close_fds(fds, k);
            return WARMSOCK_TOOBIG;
        }
        if (k == 0)
            return WARMSOCK_NOFDS;
        *len = (size_t)got;
        *n = k;
        return WARMSOCK_OK;
    }
}

const char *warmsock_strerror(enum warmsock_status st)
{
    switch (st) {
    case WARMSOCK_OK:
        return "no error";
    case WARMSOCK_TIMEOUT:
        return "no request in time";
    case WARMSOCK_CLOSED:
        return "closed without a request";
    case WARMSOCK_TOOBIG:
        return "too many bytes or descriptors";
    case WARMSOCK_NOFDS:
        return "no descriptors";
    case WARMSOCK_SYSTEM:
        break;
    }
    return strerror(errno);
}

int warmsock_peer_uid(int s, uid_t *uid)
{
    struct ucred c;
    socklen_t len = sizeof c;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &c, &len) < 0)
        return -1;
    *uid = c.uid;
    return 0;
}
