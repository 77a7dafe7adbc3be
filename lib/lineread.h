/* The bounded line reader: every byte from the network comes in through it.
 *
 * A reader owns one buffer of max bytes. lr_fill() does one read(2) into it;
 * lr_line() hands out complete lines (ending in LF, which is included) without
 * copying. A line that does not end within max bytes is reported once as
 * LR_TOOLONG and the rest of it, up to and including its LF, is dropped: the
 * buffer never grows. lr_raw() hands out buffered bytes without framing, for
 * message data. lr_getline() is the blocking form with a deadline. */
#ifndef LINEREAD_H
#define LINEREAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

enum lr_status {
    LR_LINE,    /* a complete line */
    LR_TOOLONG, /* a line passed max: its first max bytes are handed out,
                   the rest of it up to its LF will be dropped */
    LR_MORE,    /* no complete line buffered: fill and try again */
    LR_EOF,     /* lr_getline: the peer closed (a partial line is dropped) */
    LR_TIMEOUT, /* lr_getline: the deadline passed */
    LR_ERROR    /* lr_getline: read or poll failed; errno says why */
};

struct lineread {
    char *buf;
    size_t max;     /* buffer size, and the longest line accepted */
    size_t start;   /* first unconsumed byte */
    size_t end;     /* one past the last buffered byte */
    size_t scanned; /* bytes after start known to hold no LF */
    int discarding; /* dropping the rest of an over-long line */
    /* Where the next NUL is, found once for all the lines of a read (see
     * lr_holds_nul()): buf[nul_from] up to buf[nul] (or up to end, when nul
     * is LR_NONE) holds no NUL, and buf[nul] is one. nul_from LR_NONE: not
     * known. */
    size_t nul_from, nul;
};
#define LR_NONE SIZE_MAX

/* 0, or -1 with errno ENOMEM. */
int lr_init(struct lineread *lr, size_t max);
void lr_free(struct lineread *lr);
/* Wipes what is buffered (it may hold a password) and frees it. */
void lr_wipe_free(struct lineread *lr);

/* One read(2). Returns the byte count, 0 at end of file, -1 on error (errno;
 * EAGAIN for a non-blocking fd with nothing to read). Never called with a
 * full buffer by a caller that consumes lines: the reader makes room. */
ssize_t lr_fill(struct lineread *lr, int fd);

/* Appends bytes as if read: for tests and fuzzers. Returns how many fit. */
size_t lr_feed(struct lineread *lr, const void *p, size_t len);

/* The next complete line, handed out in place (it stays readable until the
 * next fill, discard or feed). Inline for the common case, a whole line
 * already buffered; lr_line_rest() answers the others (no line yet, an
 * over-long line, the rest of one being dropped). */
enum lr_status lr_line_rest(struct lineread *lr, const char **line,
                            size_t *len);
static inline enum lr_status lr_line(struct lineread *lr, const char **line,
                                     size_t *len)
{
    if (lr->discarding)
        return lr_line_rest(lr, line, len);
    char *from = lr->buf + lr->start;
    size_t have = lr->end - lr->start;
    char *lf = memchr(from + lr->scanned, '\n', have - lr->scanned);
    if (!lf) {
        lr->scanned = have; /* searched to the end: not again */
        return lr_line_rest(lr, line, len);
    }
    size_t n = (size_t)(lf - from) + 1;
    lr->start += n;
    lr->scanned = 0;
    *line = from;
    *len = n;
    return LR_LINE;
}
/* Whether the len bytes at p, part of a line lr_line() handed out as
 * LR_LINE since the last fill, hold a NUL. Asked about the lines in the
 * order they came, the reader searches the bytes of a read for NUL once,
 * not once for each line. */
void lr_find_nul(struct lineread *lr, size_t from);
static inline int lr_holds_nul(struct lineread *lr, const char *p, size_t len)
{
    size_t at = (size_t)(p - lr->buf);
    if (at < lr->nul_from || lr->nul < at)
        lr_find_nul(lr, at);
    return lr->nul - at < len;
}
/* Up to want bytes of what is buffered, consumed; returns the count. */
size_t lr_raw(struct lineread *lr, const char **p, size_t want);
/* Gives back the last n bytes lr_raw() handed out, when no other call came
 * in between. */
void lr_unread(struct lineread *lr, size_t n);
/* Bytes buffered and not yet consumed. */
size_t lr_pending(const struct lineread *lr);
/* Drops everything buffered, wiping it. */
void lr_discard(struct lineread *lr);
/* Wipes the bytes already handed out (a password may be among them) and
 * the stale copies compaction leaves behind, keeping what is still
 * buffered. lr_unread() cannot give back bytes across it. */
void lr_wipe_taken(struct lineread *lr);

/* Waits with poll(2) until a line is complete, the deadline (clock_ms())
 * passes or the peer closes. DEADLINE_NONE waits forever. */
enum lr_status lr_getline(struct lineread *lr, int fd, int64_t deadline,
                          const char **line, size_t *len);

#endif
