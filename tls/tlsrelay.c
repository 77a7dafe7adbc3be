#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channels.h"
#include "clock.h"
#include "netio.h"
#include "tlsrelay.h"
#include "wipe.h"

/* One direction's bytes: buf[start..end) waits to go out; buf[0..touched)
 * has held data (only that much is wiped: the rest of the buffer was never
 * written, and wiping it would only fault its pages in). */
struct flow {
    char *buf;
    size_t start, end, touched;
};

static size_t pending(const struct flow *f)
{
    return f->end - f->start;
}

/* Room at the end. A buffer is filled again once it has drained: bulk
 * data goes through in whole buffers without being moved, and what is left
 * is moved down only when it is a few bytes at the end of a full buffer. */
#define TLSRELAY_MOVE_MAX 4096

static size_t room(struct flow *f)
{
    if (f->start == f->end)
        f->start = f->end = 0;
    if (f->end == TLSRELAY_BUFFER && f->start > 0 &&
        pending(f) <= TLSRELAY_MOVE_MAX) {
        memmove(f->buf, f->buf + f->start, pending(f));
        f->end -= f->start;
        f->start = 0;
    }
    return TLSRELAY_BUFFER - f->end;
}

/* The relay's state: what each descriptor is ready for (cleared by
 * EAGAIN, set by poll), and how far each direction has got. */
struct state {
    struct tlsrelay *r;
    struct flow down, up; /* peer to application, application to peer */
    size_t inflight;      /* a send GnuTLS must be given again as it was */
    int net_readable, net_writable, app_readable, app_writable;
    int recv_wants_out; /* the last receive stopped on writing */
    int net_eof;        /* nothing more comes from the peer */
    int app_eof;        /* nothing more comes from the application */
    int down_closed;    /* the application's pipe is closed */
    int app_gone;       /* ... because the application stopped reading */
    int bye_done;       /* close_notify sent, or the peer cannot get it */
};

static void fail(struct state *st, int error)
{
    if (!st->r->error)
        st->r->error = error;
}

/* A peer that closes or resets its connection is no failure. */
static int peer_closed(int r)
{
    return r == GNUTLS_E_PREMATURE_TERMINATION ||
           ((r == GNUTLS_E_PULL_ERROR || r == GNUTLS_E_PUSH_ERROR) &&
            (errno == ECONNRESET || errno == EPIPE));
}

/* The network can no longer be written: drop what waits for it, and have
 * the application see that its writes go nowhere. */
static void net_dead(struct state *st)
{
    st->bye_done = 1;
    st->inflight = 0;
    st->up.start = st->up.end = 0;
    st->app_eof = 1;
    channels_close(&st->r->app_in);
}

static int receive(struct state *st)
{
    struct tlsrelay *r = st->r;
    if (st->net_eof || !(st->net_readable || gnutls_record_check_pending(r->s)))
        return 0;
    size_t n = room(&st->down);
    if (n == 0)
        return 0;
    ssize_t got = gnutls_record_recv(r->s, st->down.buf + st->down.end, n);
    if (got > 0) {
        r->in += (uint64_t)got;
        st->down.end += (size_t)got;
        if (st->down.end > st->down.touched)
            st->down.touched = st->down.end;
        return 1;
    }
    if (got == 0) { /* close_notify */
        st->net_eof = 1;
        return 1;
    }
    if (got == GNUTLS_E_AGAIN && netio_peer_closed()) {
        st->net_eof = 1; /* a TCP FIN without close_notify */
        return 1;
    }
    if (got == GNUTLS_E_AGAIN) {
        st->net_readable = 0;
        st->recv_wants_out = gnutls_record_get_direction(r->s) == 1;
        return 0;
    }
    if (got == GNUTLS_E_INTERRUPTED)
        return 1;
    if (got == GNUTLS_E_REHANDSHAKE) { /* TLS 1.2 renegotiation: refused */
        (void)gnutls_alert_send(r->s, GNUTLS_AL_WARNING,
                                GNUTLS_A_NO_RENEGOTIATION);
        return 1;
    }
    if (!gnutls_error_is_fatal((int)got))
        return 1;
    st->net_eof = 1;
    if (!peer_closed((int)got)) {
        fail(st, (int)got);
        net_dead(st);
    }
    return 1;
}

static void close_down(struct state *st)
{
    st->down_closed = 1;
    st->down.start = st->down.end = 0;
    channels_close(&st->r->app_out);
}

static int deliver(struct state *st)
{
    if (st->down_closed) {
        st->down.start = st->down.end = 0; /* the application is gone */
        return 0;
    }
    if (pending(&st->down) && st->app_writable) {
        ssize_t n = write(st->r->app_out, st->down.buf + st->down.start,
                          pending(&st->down));
        if (n > 0) {
            st->down.start += (size_t)n;
            return 1;
        }
        if (n < 0 && errno == EAGAIN) {
            st->app_writable = 0;
            return 0;
        }
        if (n < 0 && errno == EINTR)
            return 1;
        st->app_gone = 1;
        close_down(st);
        return 1;
    }
    if (st->net_eof && !pending(&st->down)) {
        close_down(st);
        return 1;
    }
    return 0;
}

static int take(struct state *st)
{
    if (st->app_eof || !st->app_readable)
        return 0;
    size_t n = room(&st->up);
    if (n == 0)
        return 0;
    ssize_t got = read(st->r->app_in, st->up.buf + st->up.end, n);
    if (got > 0) {
        st->up.end += (size_t)got;
        if (st->up.end > st->up.touched)
            st->up.touched = st->up.end;
        return 1;
    }
    if (got < 0 && errno == EAGAIN) {
        st->app_readable = 0;
        return 0;
    }
    if (got < 0 && errno == EINTR)
        return 1;
    st->app_eof = 1;
    channels_close(&st->r->app_in);
    return 1;
}

static int send_up(struct state *st)
{
    struct tlsrelay *r = st->r;
    if (st->bye_done || !st->net_writable)
        return 0;
    if (st->inflight || pending(&st->up)) {
        size_t n = st->inflight ? st->inflight : pending(&st->up);
        ssize_t sent = gnutls_record_send(r->s, st->up.buf + st->up.start, n);
        if (sent > 0) {
            r->out += (uint64_t)sent;
            st->up.start += (size_t)sent;
            st->inflight = 0;
            return 1;
        }
        if (sent == GNUTLS_E_AGAIN || sent == GNUTLS_E_INTERRUPTED) {
            st->inflight = n;
            st->net_writable = sent == GNUTLS_E_INTERRUPTED;
            return sent == GNUTLS_E_INTERRUPTED;
        }
        if (!peer_closed((int)sent))
            fail(st, (int)sent);
        net_dead(st);
        return 1;
    }
    if (!st->app_eof)
        return 0;
    int b = gnutls_bye(r->s, GNUTLS_SHUT_WR);
    if (b == GNUTLS_E_AGAIN) {
        st->net_writable = 0;
        return 0;
    }
    if (b == GNUTLS_E_INTERRUPTED)
        return 1;
    st->bye_done = 1;
    r->bye_sent = b == 0;
    (void)shutdown(r->net_out, SHUT_WR);
    return 1;
}

/* Waits for what the state waits on. 1 something is ready, 0 the deadline
 * passed, -1 poll failed (errno). */
static int wait_ready(struct state *st, int64_t deadline)
{
    struct tlsrelay *r = st->r;
    struct pollfd p[4];
    int n = 0, inet = -1, onet = -1, iapp = -1, oapp = -1;
    if (!st->net_eof && !st->net_readable && !st->recv_wants_out &&
        room(&st->down) > 0)
        p[inet = n++] = (struct pollfd){.fd = r->net_in, .events = POLLIN};
    if (!st->bye_done && !st->net_writable &&
        (st->inflight || pending(&st->up) || st->app_eof))
        p[onet = n++] = (struct pollfd){.fd = r->net_out, .events = POLLOUT};
    if (st->recv_wants_out && onet < 0)
        p[onet = n++] = (struct pollfd){.fd = r->net_out, .events = POLLOUT};
    if (!st->app_eof && !st->app_readable && room(&st->up) > 0)
        p[iapp = n++] = (struct pollfd){.fd = r->app_in, .events = POLLIN};
    /* With nothing to write, POLLERR still says the reader has gone. */
    if (!st->down_closed)
        p[oapp = n++] = (struct pollfd){
            .fd = r->app_out,
            .events = pending(&st->down) && !st->app_writable ? POLLOUT : 0};
    int k;
    do
        k = poll(p, (nfds_t)n, clock_poll_timeout(deadline));
    while (k < 0 && errno == EINTR);
    if (k <= 0)
        return k;
    if (inet >= 0 && p[inet].revents)
        st->net_readable = 1;
    if (onet >= 0 && p[onet].revents) {
        st->net_writable = 1;
        if (st->recv_wants_out) {
            st->recv_wants_out = 0;
            st->net_readable = 1;
        }
    }
    if (iapp >= 0 && p[iapp].revents)
        st->app_readable = 1;
    if (oapp >= 0 && p[oapp].revents & POLLOUT)
        st->app_writable = 1;
    if (oapp >= 0 && p[oapp].revents & (POLLERR | POLLHUP)) {
        st->app_gone = 1;
        close_down(st);
    }
    return 1;
}

static enum tlsrelay_end loop(struct state *st)
{
    int64_t idle_deadline = clock_ms() + st->r->idle_ms;
    int64_t linger = DEADLINE_NONE;
    for (;;) {
        int moved = receive(st);
        moved |= deliver(st);
        moved |= take(st);
        moved |= send_up(st);
        if (st->bye_done && st->down_closed) {
            if (st->net_eof || !st->app_gone)
                return st->r->error ? TLSRELAY_FAILED : TLSRELAY_CLOSED;
            if (linger == DEADLINE_NONE)
                linger = clock_ms() + TLSRELAY_LINGER_MS;
        }
        if (moved) {
            idle_deadline = clock_ms() + st->r->idle_ms;
            continue;
        }
        int64_t deadline = linger < idle_deadline ? linger : idle_deadline;
        int w = wait_ready(st, deadline);
        if (w < 0) {
            st->r->sys_error = errno;
            return TLSRELAY_FAILED;
        }
        if (w == 0 && deadline != linger)
            return TLSRELAY_IDLE;
        if (w == 0)
            return st->r->error ? TLSRELAY_FAILED : TLSRELAY_CLOSED;
    }
}

enum tlsrelay_end tlsrelay_run(struct tlsrelay *r)
{
    struct state st = {.r = r,
                       .net_readable = 1,
                       .net_writable = 1,
                       .app_readable = 1,
                       .app_writable = 1};
    r->error = r->sys_error = r->bye_sent = 0;
    st.down.buf = malloc(TLSRELAY_BUFFER);
    st.up.buf = malloc(TLSRELAY_BUFFER);
    enum tlsrelay_end end = TLSRELAY_FAILED;
    if (st.down.buf && st.up.buf)
        end = loop(&st);
    else
        r->sys_error = ENOMEM;
    wipe(st.down.buf, st.down.touched);
    wipe(st.up.buf, st.up.touched);
    free(st.down.buf);
    free(st.up.buf);
    return end;
}
