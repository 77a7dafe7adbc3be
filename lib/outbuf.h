/* A fixed-size output queue for non-blocking writes. Callers check ob_room()
 * before ob_put() and stop reading their input while the queue is full, so
 * memory stays flat whatever the peer does. */
#ifndef OUTBUF_H
#define OUTBUF_H

#include <stddef.h>
#include <stdint.h>

struct outbuf {
    char *buf;
    size_t size;
    size_t start;
    size_t end;
};

int ob_init(struct outbuf *ob, size_t size);
void ob_free(struct outbuf *ob);
size_t ob_room(const struct outbuf *ob);
size_t ob_pending(const struct outbuf *ob);
/* Appends len bytes; the caller has checked ob_room(). Returns 0, or -1
 * (errno ENOBUFS) when they do not fit, appending nothing. */
int ob_put(struct outbuf *ob, const void *p, size_t len);
/* Contiguous space for len bytes at the end of the queue, to be written in
 * place and then added with ob_commit(); NULL (errno ENOBUFS) when there is
 * not that much room. */
char *ob_reserve(struct outbuf *ob, size_t len);
void ob_commit(struct outbuf *ob, size_t len);
/* Writes what it can to fd. Returns 0 (some or all written, or EAGAIN) or
 * -1 on a write error (errno). */
int ob_flush(struct outbuf *ob, int fd);
/* Writes everything, waiting with poll(2) on a non-blocking fd, until the
 * deadline (clock_ms()). Returns 0, or -1 with errno (ETIMEDOUT). */
int ob_flush_all(struct outbuf *ob, int fd, int64_t deadline);
/* Drops everything queued. */
void ob_clear(struct outbuf *ob);

#endif
