#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "lineread.h"
#include "wipe.h"

/* Buffered bytes always worth moving to the front before a read (an eighth
 * of a smaller buffer). */
#define LR_FEW 512

/* An empty buffer: no NUL in it. */
static void empty(struct lineread *lr)
{
    lr->start = lr->end = lr->scanned = 0;
    lr->nul_from = 0;
    lr->nul = LR_NONE;
}

/* len new bytes at lr->end: searched only while no NUL is known of. */
static void added(struct lineread *lr, size_t len)
{
    if (lr->nul == LR_NONE && lr->nul_from != LR_NONE) {
        const char *z = memchr(lr->buf + lr->end, 0, len);
        if (z)
            lr->nul = (size_t)(z - lr->buf);
    }
    lr->end += len;
}

void lr_find_nul(struct lineread *lr, size_t from)
{
    const char *z = memchr(lr->buf + from, 0, lr->end - from);
    lr->nul_from = from;
    lr->nul = z ? (size_t)(z - lr->buf) : LR_NONE;
}

int lr_init(struct lineread *lr, size_t max)
{
    memset(lr, 0, sizeof *lr);
    empty(lr);
    lr->buf = malloc(max);
    if (!lr->buf) {
        errno = ENOMEM;
        return -1;
    }
    lr->max = max;
    return 0;
}

void lr_free(struct lineread *lr)
{
    free(lr->buf);
    lr->buf = NULL;
}

void lr_wipe_free(struct lineread *lr)
{
    if (lr->buf)
        wipe(lr->buf, lr->max);
    lr_free(lr);
}

void lr_unread(struct lineread *lr, size_t n)
{
    lr->start -= n;
    lr->scanned = 0;
}

size_t lr_pending(const struct lineread *lr)
{
    return lr->end - lr->start;
}

void lr_discard(struct lineread *lr)
{
    wipe(lr->buf + lr->start, lr->end - lr->start);
    empty(lr);
}

void lr_wipe_taken(struct lineread *lr)
{
    wipe(lr->buf, lr->start);
    wipe(lr->buf + lr->end, lr->max - lr->end);
}

/* Moves buffered bytes to the front when the free tail is short, or when
 * they are few (the part of a line a read ended in), so that reads start
 * near the front and the pages of the buffer touched stay those one read
 * needs; but not a long run of them every time a line is taken off the
 * front. */
static void make_room(struct lineread *lr)
{
    if (lr->start == lr->end) {
        empty(lr);
        return;
    }
    size_t few = lr->max / 8 < LR_FEW ? lr->max / 8 : LR_FEW;
    if (lr->start == 0 ||
        (lr->max - lr->end >= lr->max / 4 && lr->end - lr->start > few))
        return;
    memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
    if (lr->nul_from == LR_NONE || (lr->nul != LR_NONE && lr->nul < lr->start))
        lr->nul_from = LR_NONE; /* the NUL known of is gone */
    else {
        lr->nul_from = lr->nul_from > lr->start ? lr->nul_from - lr->start : 0;
        if (lr->nul != LR_NONE)
            lr->nul -= lr->start;
    }
    lr->end -= lr->start;
    lr->start = 0;
}

ssize_t lr_fill(struct lineread *lr, int fd)
{
    make_room(lr);
    if (lr->end == lr->max) {
        errno = ENOBUFS;
        return -1;
    }
    ssize_t n;
    do
        n = read(fd, lr->buf + lr->end, lr->max - lr->end);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        added(lr, (size_t)n);
    return n;
}

enum lr_status lr_line_rest(struct lineread *lr, const char **line, size_t *len)
{
    for (;;) {
        size_t have = lr->end - lr->start;
        char *from = lr->buf + lr->start;
        char *lf = memchr(from + lr->scanned, '\n', have - lr->scanned);
        if (lf) {
            size_t n = (size_t)(lf - from) + 1;
            lr->start += n;
            lr->scanned = 0;
            if (lr->discarding) {
                lr->discarding = 0;
                continue;
            }
            *line = from;
            *len = n;
            return LR_LINE;
        }
        if (lr->discarding) {
            empty(lr);
            return LR_MORE;
        }
        if (have >= lr->max) {
            /* The first max bytes stay readable until the next call. */
            *line = from;
            *len = have;
            empty(lr);
            lr->discarding = 1;
            return LR_TOOLONG;
        }
        lr->scanned = have;
        return LR_MORE;
    }
}

size_t lr_feed(struct lineread *lr, const void *p, size_t len)
{
    make_room(lr);
    size_t room = lr->max - lr->end;
    if (len > room)
        len = room;
    memcpy(lr->buf + lr->end, p, len);
    added(lr, len);
    return len;
}

size_t lr_raw(struct lineread *lr, const char **p, size_t want)
{
    size_t have = lr->end - lr->start;
    if (want > have)
        want = have;
    *p = lr->buf + lr->start;
    lr->start += want;
    lr->scanned = 0;
    return want;
}

enum lr_status lr_getline(struct lineread *lr, int fd, int64_t deadline,
                          const char **line, size_t *len)
{
    for (;;) {
        enum lr_status st = lr_line(lr, line, len);
        if (st != LR_MORE)
            return st;
        int r = clock_wait_fd(fd, POLLIN, deadline);
        if (r <= 0)
            return r == 0 ? LR_TIMEOUT : LR_ERROR;
        ssize_t n = lr_fill(lr, fd);
        if (n == 0)
            return LR_EOF;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return LR_ERROR;
    }
}
