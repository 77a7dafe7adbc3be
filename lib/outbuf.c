#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "outbuf.h"

int ob_init(struct outbuf *ob, size_t size)
{
    memset(ob, 0, sizeof *ob);
    ob->buf = malloc(size);
    if (!ob->buf) {
        errno = ENOMEM;
        return -1;
    }
    ob->size = size;
    return 0;
}

void ob_free(struct outbuf *ob)
{
    free(ob->buf);
    ob->buf = NULL;
}

size_t ob_pending(const struct outbuf *ob)
{
    return ob->end - ob->start;
}

size_t ob_room(const struct outbuf *ob)
{
    return ob->size - (ob->end - ob->start);
}

void ob_clear(struct outbuf *ob)
{
    ob->start = ob->end = 0;
}

char *ob_reserve(struct outbuf *ob, size_t len)
{
    if (len > ob_room(ob)) {
        errno = ENOBUFS;
        return NULL;
    }
    /* The bytes still to go move to the front when they do not leave room
     * for len after them, or when they are no more than those already
     * written (each byte is moved at most once on average): the end of the
     * queue stays within twice what it holds, and so do the pages of the
     * buffer that a long session touches. */
    size_t left = ob->end - ob->start;
    if (ob->size - ob->end < len || (ob->start && left <= ob->start)) {
        memmove(ob->buf, ob->buf + ob->start, left);
        ob->end = left;
        ob->start = 0;
    }
    return ob->buf + ob->end;
}

void ob_commit(struct outbuf *ob, size_t len)
{
    ob->end += len;
}

int ob_put(struct outbuf *ob, const void *p, size_t len)
{
    if (len == 0)
        return 0;
    char *to = ob_reserve(ob, len);
    if (!to)
        return -1;
    memcpy(to, p, len);
    ob->end += len;
    return 0;
}

int ob_flush(struct outbuf *ob, int fd)
{
    while (ob->start < ob->end) {
        ssize_t n = write(fd, ob->buf + ob->start, ob->end - ob->start);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return 0;
            return -1;
        }
        ob->start += (size_t)n;
    }
    ob->start = ob->end = 0;
    return 0;
}

int ob_flush_all(struct outbuf *ob, int fd, int64_t deadline)
{
    for (;;) {
        if (ob_flush(ob, fd) < 0)
            return -1;
        if (!ob_pending(ob))
            return 0;
        int r = clock_wait_fd(fd, POLLOUT, deadline);
        if (r < 0)
            return -1;
        if (r == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
    }
}
