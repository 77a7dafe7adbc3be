/* fixsmtpio: runs an SMTP server on pipes and relays between it and the
 * client on fds 0 and 1, rewriting requests, replies and the exit code as
 * control/fixsmtpio says. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "die.h"
#include "exitcodes.h"
#include "handoff.h"
#include "relay.h"
#include "rulefile.h"
#include "sessionid.h"
#include "starttls.h"
#include "summary.h"

#define GREETING_MAX 1000

/* TLS is required and cannot start: no server runs, and the client hears
 * that the refusal is temporary (the warning above said why). */
__attribute__((noreturn)) static void die_refused(const char *reply)
{
    char line[256];
    int n = snprintf(line, sizeof line, "%s\r\n", reply);
    ssize_t w = write(1, line, (size_t)n);
    (void)w;
    exit(EXIT_TEMP);
}

/* Setup failed before the server ran. Standing alone, fixsmtpio tells the
 * client as qmail-smtpd would; under authup it stays silent, for authup
 * answers according to the exit code. */
__attribute__((noreturn, format(printf, 2, 3))) static void
die_setup(int code, const char *fmt, ...)
{
    if (!getenv(HANDOFF_USER)) {
        static const char msg[] = "421 4.3.0 unable to read controls\r\n";
        ssize_t w = write(1, msg, sizeof msg - 1);
        (void)w;
    }
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    die_msg(code, "%s", text);
}

static void read_greeting(char *greeting, size_t size)
{
    char why[512];
    if (control_greeting("smtpgreeting", greeting, size, why, sizeof why) <= 0)
        die_setup(EXIT_TEMP, "%s", why);
}

/* The server usually reads the same control/timeoutsmtpd and says its own
 * timeout reply, which the rules may rewrite (the example rules make it exit
 * 16 under authup): that reply must win every time. fixsmtpio's own timer
 * is a backstop, later by a twentieth and at least two seconds, for a
 * server that never times out and for a client that never ends a line. */
static long long backstop(long long timeout_ms)
{
    long long margin = timeout_ms / 20;
    return timeout_ms + (margin < 2000 ? 2000 : margin);
}

static long long read_timeout(void)
{
    unsigned long seconds;
    if (control_readulong("timeoutsmtpd", &seconds, 1200) < 0)
        die_setup(EXIT_TEMP, "unable to read %s/timeoutsmtpd: %s",
                  control_dir(),
                  errno == EINVAL ? "not a number" : strerror(errno));
    if (seconds == 0 || seconds > 86400)
        seconds = 1200;
    return backstop((long long)seconds * 1000);
}

/* Errors stop the session; warnings (fixsmtpio-rules check lists them)
 * are shown only with FIXSMTPIODEBUG, not once a connection. */
static void rule_problem(void *ctx, const char *path, int warning,
                         unsigned line, unsigned column, const char *message)
{
    (void)ctx;
    if (!warning || getenv("FIXSMTPIODEBUG"))
        warn_msg("%s:%u:%u: %s", path, line, column, message);
}

static void read_rules(struct ruleset *set)
{
    char path[4096];
    struct rulefile_info info;
    if (control_path(path, sizeof path, "fixsmtpio") < 0)
        die_setup(EXIT_TEMP, "control directory name is too long");
    int r = rulefile_load(path, set, &info, rule_problem, NULL);
    if (r < 0)
        die_setup(EXIT_TEMP, "unable to read %s: %s", info.used,
                  strerror(errno));
    if (r > 0)
        die_setup(EXIT_RULES, "unable to parse %s: %d error%s, see above",
                  info.used, r, r == 1 ? "" : "s");
    if (info.stale)
        warn_msg("%s is older than %s: using the text; run fixsmtpio-rules "
                 "compile %s",
                 info.cdb_path, path, path);
    /* No file is no rules, as in acceptutils; so is a wrong CONTROLDIR,
     * which the debug output should not hide. */
    if (!info.used && getenv("FIXSMTPIODEBUG"))
        warn_msg("%s does not exist: no rules (is CONTROLDIR right?)", path);
}

/* Under authup the server starts after the client's EHLO, which went to
 * authup: the server is greeted with the same line (AUTHUP_HELO, e.g.
 * "EHLO client.example") and its reply is not shown, so that the client's
 * next command (MAIL, after the 235) finds a server that has seen EHLO. */
static void keep_authup_helo(struct session *s)
{
    int bad;
    const char *helo = handoff_helo(&bad);
    if (bad)
        warn_msg(HANDOFF_HELO " is not an EHLO or HELO line: ignored");
    if (helo)
        session_keep_helo(s, NULL, 0, helo, strlen(helo));
}

/* The session's summary line: TLS (SSL_PROTOCOL, set once STARTTLS ran or
 * under implicit TLS), the user under authup, the counts, the bytes from
 * and to the client, and the exit code. */
static void log_summary(const struct relay *r, int code, int64_t start)
{
    const struct session_counts *n = &r->s->counts;
    struct summary sm;
    summary_init(&sm);
    summary_add(&sm, "tls", getenv("SSL_PROTOCOL"));
    summary_add(&sm, "user", getenv(HANDOFF_USER));
    summary_addu(&sm, "commands", n->commands);
    summary_addu(&sm, "messages", n->messages);
    summary_addu(&sm, "refused", n->refused);
    summary_addu(&sm, "in", r->bytes_in);
    summary_addu(&sm, "out", r->bytes_out);
    summary_addu(&sm, "exit", (uint64_t)code);
    summary_addms(&sm, "seconds", clock_ms() - start);
    summary_log(&sm);
}

int main(int argc, char **argv)
{
    int64_t start = clock_ms();
    progname = "fixsmtpio";
    die_if_version(argc, argv);
    if (argc < 2)
        die_usage("prog [arg ...]");
    sessionid_start();
    int mark = handoff_mark_fd();
    if (getenv(HANDOFF_NOFIXSMTPIO)) {
        /* Under authup, the session is the server's now, unless it cannot
         * be run: then authup answers the client. */
        handoff_mark(mark);
        execvp(argv[1], argv + 1);
        int saved = errno;
        handoff_unmark(mark);
        errno = saved;
        die_sys(EXIT_TEMP, "run", argv[1]);
    }
    signal(SIGPIPE, SIG_IGN);

    char greeting[GREETING_MAX + 1];
    read_greeting(greeting, sizeof greeting);
    long long timeout_ms = read_timeout();
    struct ruleset set;
    read_rules(&set);
    struct ruleview view;
    struct starttls tls = {.set = &set, .view = &view};
    enum tls_level level = starttls_setup(&tls);
    if (level == TLS_REQUIRED && !tls.env.available)
        die_refused("421 4.7.0 TLS is required and not available: try again "
                    "later");
    if (ruleview_init(&view, &set, NULL) < 0)
        die_nomem();
    struct session_config cfg = {.view = &view,
                                 .greeting = greeting,
                                 .tls = level,
                                 .tls_available = tls.env.available,
                                 .offer_starttls = tls.env.available &&
                                                   level != TLS_ACTIVE &&
                                                   !getenv(HANDOFF_USER),
                                 .debug = getenv("FIXSMTPIODEBUG") != NULL};
    struct session s;
    if (session_init(&s, &cfg) < 0)
        die_nomem();

    keep_authup_helo(&s);

    struct relay r = {.s = &s,
                      .client_in = 0,
                      .client_out = 1,
                      .argv = argv + 1,
                      .timeout_ms = timeout_ms,
                      .starttls = starttls_switch,
                      .ctx = &tls};
    if (relay_start_server(&r) < 0)
        die_setup(EXIT_TEMP, "unable to run %s: %s", argv[1], strerror(errno));
    /* Under authup: the session has started, so the exit code that follows
     * is its own (1 is then not "wrong password"). Not before: when the
     * server cannot start, authup is to answer the client. */
    handoff_mark(mark);
    if (mark >= 0)
        close(mark);
    int code = relay_run(&r);
    log_summary(&r, code, start);

    session_free(&s);
    ruleview_free(&view);
    rules_free(&set);
    return code;
}
