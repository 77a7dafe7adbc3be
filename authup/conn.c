#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "command.h"
#include "conn.h"
#include "die.h"
#include "exitcodes.h"

static void set_blocking(int fd, int blocking)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return;
    flags = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
    fcntl(fd, F_SETFL, flags);
}

static int64_t deadline(const struct conn *c)
{
    return clock_ms() + c->timeout_ms;
}

int conn_init(struct conn *c, int64_t timeout_ms)
{
    memset(c, 0, sizeof *c);
    c->timeout_ms = timeout_ms;
    c->throttle.fd = -1;
    c->throttle.off = 1; /* until throttle_init() */
    tlsenv_setup(&c->tls);
    if (lr_init(&c->in, CONN_LINE_MAX) < 0)
        return -1;
    if (ob_init(&c->out, 8192) < 0) {
        lr_free(&c->in);
        return -1;
    }
    conn_resume(c);
    return 0;
}

void conn_free(struct conn *c)
{
    lr_wipe_free(&c->in);
    ob_free(&c->out);
    throttle_close(&c->throttle);
}

int conn_flush(struct conn *c)
{
    if (c->broken)
        return -1;
    if (ob_flush_all(&c->out, 1, deadline(c)) < 0) {
        c->broken = 1;
        ob_clear(&c->out);
        return -1;
    }
    return 0;
}

void conn_say(struct conn *c, const char *line)
{
    if (conn_reply(c, line) < 0) {
        c->done = 1;
        c->code = 0;
    }
}

void conn_end(struct conn *c, const char *line, int code)
{
    if (line)
        conn_say(c, line);
    conn_flush(c);
    c->done = 1;
    c->code = code;
}

void conn_lost(struct conn *c, enum lr_status st, const char *timeout_line)
{
    if (st == LR_TIMEOUT)
        conn_end(c, timeout_line, EXIT_SERVER_TIMEOUT);
    else
        conn_end(c, NULL, st == LR_EOF || c->broken ? 0 : EXIT_TEMP);
}

int conn_reply(struct conn *c, const char *line)
{
    size_t len = strlen(line);
    if (ob_room(&c->out) < len + 2 && conn_flush(c) < 0)
        return -1;
    if (ob_put(&c->out, line, len) < 0 || ob_put(&c->out, "\r\n", 2) < 0)
        return -1;
    return 0;
}

enum lr_status conn_getline(struct conn *c, const char **line, size_t *len)
{
    /* Replies go out only when no further command is already here, so
     * that a pipelined group is answered in one write. */
    const char *l;
    size_t n;
    enum lr_status st = lr_line(&c->in, &l, &n);
    if (st == LR_MORE) {
        if (ob_pending(&c->out) && conn_flush(c) < 0)
            return LR_ERROR;
        st = lr_getline(&c->in, 0, deadline(c), &l, &n);
        /* A client that closes with our replies unread resets the
         * connection: it is gone all the same. */
        if (st == LR_ERROR && errno == ECONNRESET)
            st = LR_EOF;
    }
    if (st == LR_LINE)
        n = command_chomp(l, n);
    *line = l;
    *len = n;
    return st;
}

size_t conn_pending(const struct conn *c)
{
    return lr_pending(&c->in);
}

enum lr_status conn_skip(struct conn *c, uint64_t n)
{
    for (;;) {
        const char *p;
        n -= lr_raw(&c->in, &p, n < SIZE_MAX ? (size_t)n : SIZE_MAX);
        if (n == 0)
            return LR_LINE;
        if (ob_pending(&c->out) && conn_flush(c) < 0)
            return LR_ERROR;
        int r = clock_wait_fd(0, POLLIN, deadline(c));
        if (r <= 0)
            return r == 0 ? LR_TIMEOUT : LR_ERROR;
        ssize_t got = lr_fill(&c->in, 0);
        if (got == 0 || (got < 0 && errno == ECONNRESET))
            return LR_EOF;
        if (got < 0 && errno != EAGAIN && errno != EINTR)
            return LR_ERROR;
    }
}

int conn_handoff(struct conn *c)
{
    /* The lines with the password stay behind for the whole session
     * otherwise. */
    lr_wipe_taken(&c->in);
    if (conn_flush(c) < 0)
        return -1;
    set_blocking(0, 1);
    set_blocking(1, 1);
    return 0;
}

void conn_resume(struct conn *c)
{
    (void)c;
    set_blocking(0, 0);
    set_blocking(1, 0);
}

int conn_tls_offered(const struct conn *c)
{
    enum tls_level l = c->tls.level;
    return (l == TLS_OFFERED || l == TLS_REQUIRED) && c->tls.available;
}

int conn_tls_required(const struct conn *c)
{
    return c->tls.level == TLS_REQUIRED;
}

int conn_starttls(struct conn *c, const char *const replies[4])
{
    if (c->tls.level == TLS_ACTIVE || c->tls.level == TLS_NONE) {
        conn_say(c, replies[c->tls.level == TLS_ACTIVE ? 0 : 1]);
        return 0;
    }
    if (!c->tls.available) {
        conn_end(c, replies[2], EXIT_TEMP);
        return 0;
    }
    conn_say(c, replies[3]);
    if (c->done || conn_flush(c) < 0) {
        conn_end(c, NULL, 0);
        return 0;
    }
    lr_discard(&c->in);
    enum ucspitls_status st = tlsenv_start(&c->tls, deadline(c));
    if (st != UCSPITLS_OK) {
        warn_msg("unable to start TLS: %s", ucspitls_strerror(st));
        conn_end(c, NULL, EXIT_TEMP);
        return 0;
    }
    conn_resume(c);
    return 1;
}
