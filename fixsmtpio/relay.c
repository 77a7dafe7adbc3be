#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "die.h"
#include "exitcodes.h"
#include "relay.h"

/* How long a server that was told to stop gets before it is killed. */
#define STOP_GRACE_MS 5000
/* How long the last replies get to reach the client. */
#define FLUSH_MS 10000

static const char timed_out[] = "421 4.4.2 Timeout, closing connection";
static const char server_broken[] =
    "421 4.3.0 Server protocol error, closing connection";

static void set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int relay_start_server(struct relay *r)
{
    if (child_start(&r->child, r->argv) < 0)
        return -1;
    set_nonblocking(r->child.in);
    set_nonblocking(r->child.out);
    r->server_eof = 0;
    session_server_started(r->s);
    return 0;
}

int relay_stop_server(struct relay *r, int grace_ms)
{
    return child_stop(&r->child, grace_ms);
}

/* The exit code: a rule's, else the server's; a server killed by a signal
 * is a temporary failure. */
static int outcome(struct relay *r, int status, int stopped_by_us)
{
    if (session_exit_code(r->s) >= 0)
        return session_exit_code(r->s);
    int code = status_exit_code(status);
    if (code >= 0)
        return code;
    if (!stopped_by_us && !r->killed)
        warn_msg("%s was killed by signal %d", r->argv[0],
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return EXIT_TEMP;
}

/* Bytes to the client: what left the buffer (a failed write leaves the
 * rest, which is then dropped). */
static void sent(struct relay *r, size_t before)
{
    r->bytes_out += before - ob_pending(&r->s->to_client);
}

static void flush_client(struct relay *r)
{
    size_t before = ob_pending(&r->s->to_client);
    if (!r->client_gone && ob_flush_all(&r->s->to_client, r->client_out,
                                        clock_ms() + FLUSH_MS) < 0)
        r->client_gone = 1;
    sent(r, before);
}

/* Ends the session: what is queued for the client goes out, the server
 * stops. */
static int finish(struct relay *r, int stopped_by_us)
{
    flush_client(r);
    int status = relay_stop_server(r, STOP_GRACE_MS);
    return outcome(r, status, stopped_by_us);
}

static int say_and_finish(struct relay *r, const char *line, int code)
{
    if (line && !r->client_eof)
        session_say(r->s, line);
    flush_client(r);
    relay_stop_server(r, STOP_GRACE_MS);
    return code;
}

static void read_client(struct relay *r)
{
    ssize_t n = lr_fill(&r->s->from_client, r->client_in);
    if (n > 0) {
        r->bytes_in += (uint64_t)n;
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    /* End of file, or an error that means the same: the client is gone. */
    r->client_eof = 1;
    session_client_eof(r->s);
}

static void read_server(struct relay *r)
{
    ssize_t n = lr_fill(&r->s->from_server, r->child.out);
    if (n > 0)
        return;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    r->server_eof = 1;
}

static void write_client(struct relay *r)
{
    size_t before = ob_pending(&r->s->to_client);
    int failed = ob_flush(&r->s->to_client, r->client_out) < 0;
    sent(r, before);
    if (failed) {
        r->client_gone = 1;
        ob_clear(&r->s->to_client);
        if (!r->client_eof) {
            r->client_eof = 1;
            session_client_eof(r->s);
        }
    }
}

static void write_server(struct relay *r)
{
    if (ob_flush(&r->s->to_server, r->child.in) < 0) {
        /* The server closed its stdin: it is on its way out. */
        ob_clear(&r->s->to_server);
        child_close_in(&r->child);
    }
}

enum { P_CLIENT_IN, P_CLIENT_OUT, P_SERVER_IN, P_SERVER_OUT, P_COUNT };

/* Builds the poll set: read only where there is room to read into. */
static void want(struct relay *r, struct pollfd p[P_COUNT])
{
    struct session *s = r->s;
    memset(p, 0, sizeof(struct pollfd) * P_COUNT);
    for (int i = 0; i < P_COUNT; i++)
        p[i].fd = -1;
    if (!r->client_eof && session_reads_client(s) &&
        lr_pending(&s->from_client) < s->from_client.max) {
        p[P_CLIENT_IN].fd = r->client_in;
        p[P_CLIENT_IN].events = POLLIN;
    }
    if (!r->client_gone && ob_pending(&s->to_client)) {
        p[P_CLIENT_OUT].fd = r->client_out;
        p[P_CLIENT_OUT].events = POLLOUT;
    }
    if (!r->server_eof && lr_pending(&s->from_server) < s->from_server.max) {
        p[P_SERVER_IN].fd = r->child.out;
        p[P_SERVER_IN].events = POLLIN;
    }
    if (r->child.in >= 0 && ob_pending(&s->to_server)) {
        p[P_SERVER_OUT].fd = r->child.in;
        p[P_SERVER_OUT].events = POLLOUT;
    }
}

/* A message refused for a NUL or a bare CR: the server holding part of it
 * goes at once, by a signal, so that none of it is delivered (end of file
 * could look like the end of the message to a server that streams it to
 * its delivery as it reads). */
static void stop_refused(struct relay *r)
{
    if (r->child.pid > 0) {
        kill(r->child.pid, SIGTERM);
        r->last_status = relay_stop_server(r, STOP_GRACE_MS);
    }
    r->server_eof = 0;
    session_server_stopped(r->s);
}

/* The refused message is over and the client has heard so: a fresh
 * server, greeted as the old one was. 0, or -1 when the session ends. */
static int restart_refused(struct relay *r)
{
    stop_refused(r);
    if (relay_start_server(r) == 0)
        return 0;
    warn_sys("run again", r->argv[0]);
    session_server_lost(r->s);
    return -1;
}

/* STARTTLS: the 220 is on its way; nothing else the client sent in
 * plaintext may reach the server or be answered. */
static int handle_starttls(struct relay *r)
{
    struct session *s = r->s;
    flush_client(r);
    if (r->client_gone)
        return -1;
    lr_discard(&s->from_client);
    return r->starttls ? r->starttls(r) : -1;
}

int relay_run(struct relay *r)
{
    struct session *s = r->s;
    set_nonblocking(r->client_in);
    set_nonblocking(r->client_out);
    int64_t deadline = clock_ms() + r->timeout_ms;
    for (;;) {
        int moved;
        enum client_stop cs;
        enum session_step step = session_run(s, &moved, &cs);
        if (moved)
            deadline = clock_ms() + r->timeout_ms;
        switch (step) {
        case STEP_BROKEN:
            warn_msg("%s sent a line that is not an SMTP reply", r->argv[0]);
            return say_and_finish(r, server_broken, EXIT_TEMP);
        case STEP_FINISH:
            if (session_lost(s))
                warn_msg("%s did not start again after a refused message: "
                         "closing the session",
                         r->argv[0]);
            return finish(r, 1);
        case STEP_STARTTLS:
            /* After the 220 the client speaks TLS: a plaintext reply
             * would only reach it as garbage among TLS records. */
            if (handle_starttls(r) < 0)
                return say_and_finish(r, NULL, EXIT_TEMP);
            set_nonblocking(r->client_in);
            set_nonblocking(r->client_out);
            deadline = clock_ms() + r->timeout_ms;
            continue;
        case STEP_STOP_SERVER:
            stop_refused(r);
            continue;
        case STEP_NEW_SERVER:
            if (restart_refused(r) < 0)
                return say_and_finish(r, NULL, EXIT_TEMP);
            continue;
        case STEP_GO_ON:
            break;
        }
        /* The client is done and everything whole it sent went on: the
         * server gets end of file (in the middle of a message, it drops the
         * message) and finishes in its own time. */
        if (r->client_eof && cs == CLIENT_NEEDS_INPUT && r->child.in >= 0 &&
            !ob_pending(&s->to_server)) {
            /* Gone in the middle of a message: a server that streams the
             * message to its delivery as it reads it (msmtpd does) must not
             * be left to deliver half of it, so it is stopped outright. */
            if (session_in_message(s) && r->child.pid > 0) {
                warn_msg("client went away in the middle of a message: "
                         "stopping %s",
                         r->argv[0]);
                kill(r->child.pid, SIGTERM);
                r->killed = 1;
            }
            session_client_done(s);
            child_close_in(&r->child);
        }
        /* Gone while no server ran (it was stopped for a refused message
         * and the message was not over yet). */
        if (r->client_eof && r->child.pid <= 0 && cs == CLIENT_NEEDS_INPUT) {
            flush_client(r);
            return outcome(r, r->last_status, 1);
        }
        /* A fresh server that ended before it could go on. */
        if (r->server_eof && session_restarting(s)) {
            warn_msg("%s did not start again after a refused message: "
                     "closing the session",
                     r->argv[0]);
            session_server_lost(s);
            return finish(r, 0);
        }
        /* The server is done: once every whole line it sent has been
         * taken (a partial last line, or a reply cut short, is dropped). */
        if (r->server_eof && (!lr_pending(&s->from_server) ||
                              ob_room(&s->to_client) >= REPLY_ROOM))
            return finish(r, 0);
        struct pollfd p[P_COUNT];
        want(r, p);
        int n = poll(p, P_COUNT, clock_poll_timeout(deadline));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die_sys(EXIT_TEMP, "poll", "");
        }
        if (n == 0) {
            if (r->client_eof)
                return finish(r, 1);
            warn_msg("timed out after %lld seconds with no progress",
                     (long long)(r->timeout_ms / 1000));
            return say_and_finish(r, timed_out, EXIT_SERVER_TIMEOUT);
        }
        if (p[P_CLIENT_OUT].revents)
            write_client(r);
        if (p[P_SERVER_OUT].revents)
            write_server(r);
        if (p[P_CLIENT_IN].revents)
            read_client(r);
        if (p[P_SERVER_IN].revents)
            read_server(r);
    }
}
