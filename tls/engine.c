#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/socket.h>

#include "clock.h"
#include "creds.h"
#include "die.h"
#include "engine.h"
#include "exitcodes.h"
#include "handshake.h"
#include "netio.h"
#include "privs.h"
#include "tickets.h"
#include "tlsrelay.h"
#include "tlssummary.h"
#include "ucspitls.h"
#include "vars.h"

/* The summary line: logged once, at the end, whichever way the engine
 * ends (an exit after a fatal line too, through atexit). */
static struct tlssummary summary;
static int summary_on;

static void log_summary(void)
{
    if (summary_on) {
        summary_on = 0;
        tlssummary_log(&summary);
    }
}

static const char *peer(void)
{
    const char *ip = getenv("TCPREMOTEIP");
    return ip && *ip ? ip : "unknown";
}

/* Writes all of p (a block, or the report), waiting with poll. SIGPIPE is
 * ignored in the engine. 0, or -1. */
static int send_all(int fd, const char *p, size_t len, int64_t deadline)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN)
            return -1;
        if (clock_wait_fd(fd, POLLOUT, deadline) <= 0)
            return -1;
    }
    return 0;
}

/* STARTTLS mode: the application's command, or 0 when it closed the
 * socket (or went away) without one. The wait has no deadline: it lasts
 * as long as prog, which holds the other end, and nothing from the
 * network is read meanwhile. */
static char wait_command(int ctl)
{
    for (;;) {
        char c;
        ssize_t n = read(ctl, &c, 1);
        if (n == 1 && (c == 'y' || c == 'Y'))
            return c;
        if (n == 1) {
            warn_msg("unknown UCSPI-TLS command 0x%02x: no TLS",
                     (unsigned char)c);
            return 0;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return 0;
    }
}

static void set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        die_sys(EXIT_TEMP, "set up", "a descriptor");
}

/* The ticket key for the session: the one that opens the ticket the
 * client's first record carries (tls/tickets.h), else the first; NULL
 * without ticket keys. */
static const gnutls_datum_t *ticket_key(const struct creds *cr,
                                        int64_t deadline, int *issue)
{
    const unsigned char *rec;
    size_t len, k = 0;
    if (cr->tickets.count > 1 && netio_first_record(0, deadline, &rec, &len))
        k = tickets_choose(&cr->tickets, rec, len, handshake_prepare, cr);
    *issue = k == 0;
    return cr->tickets.count ? &cr->tickets.key[k] : NULL;
}

static gnutls_session_t handshake(const struct config *cfg,
                                  const struct creds *cr)
{
    gnutls_session_t s;
    set_nonblocking(0);
    set_nonblocking(1);
    int64_t deadline = clock_ms() + cfg->handshake_ms;
    int issue;
    const gnutls_datum_t *key = ticket_key(cr, deadline, &issue);
    int r = handshake_session(&s, cr, 0, 1, key, issue);
    if (r < 0)
        die_msg(EXIT_TEMP, "unable to start a TLS session: %s",
                gnutls_strerror(r));
    /* Each send is a whole TLS record with all prog has written so far:
     * holding one back for Nagle's algorithm only waits for the peer's
     * delayed ACK. Not a socket: nothing to set. */
    int one = 1;
    (void)setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    r = handshake_run(s, 0, 1, deadline);
    if (r < 0) {
        const char *why = r == GNUTLS_E_TIMEDOUT ? "timed out"
                          : r == GNUTLS_E_PREMATURE_TERMINATION
                              ? "the client closed the connection"
                              : gnutls_strerror(r);
        summary.end = "handshake-failed";
        die_msg(EXIT_TEMP, "unable to complete the TLS handshake with %s: %s",
                peer(), why);
    }
    /* The client's Finished is the last of the handshake, and no session
     * ticket follows it: its ACK would wait for the delayed-ACK timer, and
     * a client that speaks at once (EHLO after STARTTLS) would wait with
     * Nagle's algorithm for that ACK. It goes out now. */
    (void)setsockopt(0, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    if (!(gnutls_transport_is_ktls_enabled(s) & GNUTLS_KTLS_RECV))
        netio_read_ahead();
    return s;
}

static void hand_out(int fd, const struct bytes *block)
{
    set_nonblocking(fd);
    /* The reader has all it needs; one that does not read is dropped. */
    if (send_all(fd, block->s, block->len, clock_ms() + 10000) < 0)
        die_msg(EXIT_TEMP, "unable to hand the TLS variables to the "
                           "application");
}

static int relay(const struct config *cfg, gnutls_session_t s,
                 struct channels *ch)
{
    struct tlsrelay r = {.s = s,
                         .net_in = 0,
                         .net_out = 1,
                         .app_in = ch->engine_in,
                         .app_out = ch->engine_out,
                         .idle_ms = cfg->idle_ms};
    enum tlsrelay_end end = tlsrelay_run(&r);
    ch->engine_in = r.app_in;
    ch->engine_out = r.app_out;
    summary.in = r.in;
    summary.out = r.out;
    summary.end = end == TLSRELAY_CLOSED ? "closed"
                  : end == TLSRELAY_IDLE ? "idle"
                                         : "failed";
    if (end == TLSRELAY_IDLE) {
        warn_msg("no data from or to %s for %lld seconds: closing", peer(),
                 (long long)(cfg->idle_ms / 1000));
        if (!r.bye_sent) /* one try: the peer may not be reading */
            (void)gnutls_bye(s, GNUTLS_SHUT_WR);
    }
    if (end == TLSRELAY_FAILED && r.error)
        warn_msg("unable to relay TLS with %s: %s", peer(),
                 gnutls_strerror(r.error));
    if (end == TLSRELAY_FAILED && !r.error)
        warn_msg("unable to relay TLS with %s: %s", peer(),
                 strerror(r.sys_error));
    return end == TLSRELAY_CLOSED ? EXIT_OK : EXIT_TEMP;
}

/* The end without a failure: the credentials freed (GnuTLS clears the
 * keys it holds), and no exit handlers, since nothing is buffered and the
 * libraries' handlers would only fault in pages to tear down what dies
 * anyway. */
__attribute__((noreturn)) static void finish(struct creds *cr, int code)
{
    log_summary();
    creds_free(cr);
    _exit(code);
}

/* The credentials or the ids cannot be had. With implicit TLS the
 * connection ends; with STARTTLS the session goes on without TLS (mail on
 * port 25 must not stop for a certificate), and this is the one line that
 * says so. */
__attribute__((noreturn)) static void cannot_start(const struct config *cfg,
                                                   const char *err)
{
    if (cfg->implicit)
        die_msg(EXIT_TEMP, "%s", err);
    warn_msg("%s: no TLS for %s, the session goes on without it", err, peer());
    _exit(EXIT_TEMP);
}

void engine_run(const struct config *cfg, struct channels *ch)
{
    /* Not dumpable: neither a core file nor a process of the same uid
     * (the application) may read the key out of this one. */
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
    if (channels_keep_engine(ch) < 0)
        die_sys(EXIT_TEMP, "set up", "the application's pipes");
    char err[1024];
    struct creds cr;
    if (creds_load(&cr, cfg, err, sizeof err) < 0 ||
        privs_drop(cfg, err, sizeof err) < 0)
        cannot_start(cfg, err);
    /* A change of ids resets the flag to fs.suid_dumpable: set it again
     * rather than trust that setting. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        die_sys(EXIT_TEMP, "make", "the TLS process undumpable");
    engine_serve(cfg, &cr, ch);
}

void engine_serve(const struct config *cfg, struct creds *cr,
                  struct channels *ch)
{
    tlssummary_start(&summary, cfg->implicit);
    summary_on = 1;
    atexit(log_summary);
    char command = 'Y';
    if (!cfg->implicit) {
        static const char ready[1] = {0}; /* an empty block */
        if (send_all(ch->report_out, ready, 1, clock_ms() + 10000) < 0)
            finish(cr, EXIT_TEMP); /* the application's process is gone */
        channels_close(&ch->report_out);
        command = wait_command(ch->engine_control);
        summary.end = "no-starttls";
        if (!command)
            finish(cr, EXIT_OK);
        summary.end = "failed";
    }
    gnutls_session_t s = handshake(cfg, cr);
    /* The variables, for the application (not after "y") and the summary. */
    struct bytes block = BYTES_INIT(UCSPITLS_BLOCK_MAX);
    if (vars_build(s, cr->client_certs, &block) < 0)
        die_sys(EXIT_TEMP, "collect", "the TLS variables");
    tlssummary_vars(&summary, block.s, block.len);
    if (cfg->implicit) {
        hand_out(ch->report_out, &block);
        channels_close(&ch->report_out);
    } else if (command == 'Y') {
        hand_out(ch->engine_control, &block);
    }
    bytes_free(&block);
    channels_close(&ch->engine_control);
    int code = relay(cfg, s, ch);
    gnutls_deinit(s);
    finish(cr, code);
}
