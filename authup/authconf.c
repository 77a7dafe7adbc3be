#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ascii.h"
#include "authconf.h"
#include "control.h"
#include "die.h"
#include "sessionid.h"
#include "exitcodes.h"
#include "number.h"
#include "throttle.h"
#include "textlines.h"

static const char usage[] =
    "[-t tries] smtp|pop3 checkpassword prog [arg ...] | -C smtp|pop3 "
    "[checkpassword ...]";

#define TRIES_MAX 1000

/* A setting authup cannot serve with. Checking (-C): one line says it, and
 * the check goes on. Serving: the client hears that the controls cannot be
 * read, as from qmail-smtpd (not a bare close), the log says why, and authup
 * exits 111. */
__attribute__((format(printf, 2, 3))) static void problem(struct config *cfg,
                                                          const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (cfg->checking) {
        cfg->problems++;
        error_msg("%s", text);
        return;
    }
    static const char smtp[] = "421 4.3.0 unable to read controls\r\n";
    static const char pop3[] = "-ERR [SYS/TEMP] unable to read controls\r\n";
    int is_pop3 = cfg->proto == PROTO_POP3;
    ssize_t w = write(1, is_pop3 ? pop3 : smtp,
                      is_pop3 ? sizeof pop3 - 1 : sizeof smtp - 1);
    (void)w;
    die_msg(EXIT_TEMP, "%s", text);
}

static void read_greeting(struct config *cfg)
{
    char why[512];
    if (control_greeting(
            cfg->proto == PROTO_SMTP ? "smtpgreeting" : "pop3greeting",
            cfg->greeting, sizeof cfg->greeting, why, sizeof why) <= 0)
        problem(cfg, "%s", why);
}

/* Whether a capability line names something authup advertises itself. */
static int own_cap(enum protocol proto, const char *line, size_t len)
{
    static const char *const smtp[] = {"AUTH", "STARTTLS", NULL};
    static const char *const pop3[] = {"STLS", "USER", "SASL", "PIPELINING",
                                       NULL};
    size_t word = 0;
    while (word < len && line[word] != ' ' && line[word] != '=')
        word++;
    for (const char *const *n = proto == PROTO_SMTP ? smtp : pop3; *n; n++)
        if (strlen(*n) == word && ascii_caseeq(line, *n, word))
            return 1;
    return 0;
}

size_t authconf_parse_caps(struct config *cfg, const char *text, size_t len)
{
    size_t lineno = 0;
    cfg->ncaps = 0;
    for (size_t at = 0; at < len;) {
        const char *line;
        size_t n = textlines_next(text, len, &at, &line);
        lineno++;
        while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' ||
                     line[n - 1] == '\r'))
            n--;
        int bad = n > CAP_LINE_MAX;
        for (size_t i = 0; i < n && !bad; i++)
            bad = (unsigned char)line[i] < 0x20 || line[i] == 0x7f;
        if (!bad && (n == 0 || own_cap(cfg->proto, line, n)))
            continue; /* blank, or what authup says itself: not counted */
        if (bad || cfg->ncaps == CAPS_MAX) {
            authconf_free(cfg);
            return lineno;
        }
        char *cap = strndup(line, n);
        if (!cap)
            die_nomem();
        cfg->caps[cfg->ncaps++] = cap;
    }
    return 0;
}

static void read_caps(struct config *cfg)
{
    const char *name =
        cfg->proto == PROTO_SMTP ? "smtpcapabilities" : "pop3capabilities";
    struct bytes text = BYTES_INIT(0);
    int r = control_readfile(name, &text, 1 << 16);
    if (r < 0) {
        problem(cfg, "unable to read %s/%s: %s", control_dir(), name,
                strerror(errno));
        return;
    }
    if (r == 0) {
        problem(cfg,
                "%s/%s does not exist: list the server's capabilities there, "
                "one a line (an empty file is fine)",
                control_dir(), name);
        return;
    }
    size_t bad = authconf_parse_caps(cfg, text.s ? text.s : "", text.len);
    bytes_free(&text);
    if (bad)
        problem(cfg,
                "%s/%s:%zu: a capability line must be printable text of at "
                "most %d characters, and at most %d lines are taken",
                control_dir(), name, bad, CAP_LINE_MAX, CAPS_MAX);
}

/* Before AUTH the client gets authup's own idle timeout, not the server's
 * (timeoutsmtpd is 1200 s): an idle client that has not logged in should
 * not hold a connection slot for long. */
static void read_timeout(struct config *cfg)
{
    const char *s = getenv("AUTHUP_TIMEOUT");
    unsigned long seconds = 60;
    if (s && (number_scan(s, 86400, &seconds) < 0 || seconds == 0)) {
        problem(cfg,
                "AUTHUP_TIMEOUT=%.20s is not a number of seconds from 1 to "
                "86400",
                s);
        seconds = 60;
    }
    cfg->timeout_ms = (int64_t)seconds * 1000;
}

static void read_pause(struct config *cfg)
{
    const char *s = getenv("AUTHUP_PAUSE");
    cfg->pause_ms = 1000;
    if (!s)
        return;
    unsigned long v = 1;
    if (number_scan(s, 60, &v) < 0)
        problem(cfg,
                "AUTHUP_PAUSE=%.20s is not a number of seconds from 0 to 60",
                s);
    cfg->pause_ms = (int)v * 1000;
}

/* control/authuplimits (limits.h); with -C, the state directory too: when
 * it cannot be used, sessions are served, without the limits. */
static void read_limits(struct config *cfg)
{
    struct bytes text = BYTES_INIT(4096);
    cfg->state_dir = throttle_dir();
    limits_default(&cfg->limits);
    int st = control_readfile(LIMITS_FILE, &text, 4096);
    if (st < 0) {
        problem(cfg, "unable to read %s/%s: %s", control_dir(), LIMITS_FILE,
                strerror(errno));
    } else if (st > 0) {
        size_t col = 0;
        const char *why = NULL;
        size_t line = limits_parse(&cfg->limits, text.s, text.len, &col, &why);
        if (line)
            problem(cfg, "%s/%s:%zu:%zu: %s", control_dir(), LIMITS_FILE, line,
                    col, why);
    }
    bytes_free(&text);
    if (!cfg->checking)
        return;
    struct throttle t;
    const char *what;
    throttle_init(&t, &cfg->limits, cfg->state_dir, NULL);
    if (throttle_open(&t, &what) < 0) {
        char why[600];
        throttle_why(&t, what, why, sizeof why);
        warn_msg("%s; failed logins would not be counted across connections "
                 "(AUTHUP_STATE)",
                 why);
    }
    throttle_close(&t);
}

/* Under reup (acceptutils' run scripts say reup -t 5 authup ...), reup's
 * tries are authup's: authup makes them all itself on the one connection,
 * with one greeting, and then tells reup not to run it again (exit 12). So
 * the tries do not multiply, and the client is never greeted twice. */
static void reup_tries(struct config *cfg, unsigned long tries)
{
    const char *n = getenv("REUP");
    if (!n || number_scan(n, ULONG_MAX, &cfg->reup_try) < 0)
        return;
    cfg->under_reup = 1;
    unsigned long limit;
    const char *t = getenv("REUP_TRIES");
    if (!t || number_scan(t, ULONG_MAX, &limit) < 0 || limit == 0)
        return; /* no limit from reup: authup's own */
    if (limit > TRIES_MAX)
        limit = TRIES_MAX;
    if (!tries || limit < tries)
        cfg->tries = (unsigned)limit;
}

/* -C: the checkpassword program can be run (found in PATH, executable). */
static void check_runnable(struct config *cfg, const char *prog)
{
    if (strchr(prog, '/')) {
        if (access(prog, X_OK) < 0)
            problem(cfg, "unable to run %s: %s", prog, strerror(errno));
        return;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        char file[4096];
        snprintf(file, sizeof file, "%.*s/%s", (int)n, n ? p : ".", prog);
        if (access(file, X_OK) == 0)
            return;
        p += n + (p[n] == ':');
    }
    problem(cfg, "unable to run %s: not found in PATH %s", prog, path);
}

void authconf_load(struct config *cfg, int argc, char **argv)
{
    memset(cfg, 0, sizeof *cfg);
    int i = 1;
    if (i < argc && strcmp(argv[i], "-C") == 0) {
        cfg->checking = 1;
        i++;
    } else {
        sessionid_start(); /* for every line of the connection */
    }
    unsigned long tries = 0; /* 0: the protocol's default, as acceptutils */
    if (i < argc && strncmp(argv[i], "-t", 2) == 0) {
        const char *v = argv[i][2] ? argv[i] + 2 : argv[++i];
        if (number_scan(v, TRIES_MAX, &tries) < 0)
            die_usage(usage);
        i++;
    }
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (argc - i < (cfg->checking ? 1 : 3))
        die_usage(usage);
    if (strcmp(argv[i], "smtp") == 0)
        cfg->proto = PROTO_SMTP;
    else if (strcmp(argv[i], "pop3") == 0)
        cfg->proto = PROTO_POP3;
    else
        die_usage(usage);
    cfg->name = argv[i];
    cfg->checkpassword = argv + i + 1;
    cfg->tries = tries ? (unsigned)tries : cfg->proto == PROTO_SMTP ? 5 : 1;
    reup_tries(cfg, tries);
    cfg->broken_clients = getenv("AUTHUP_SASL_BROKEN_CLIENTS") != NULL;
    read_greeting(cfg);
    read_caps(cfg);
    read_timeout(cfg);
    read_pause(cfg);
    read_limits(cfg);
    if (cfg->checking && cfg->checkpassword[0])
        check_runnable(cfg, cfg->checkpassword[0]);
}

void authconf_free(struct config *cfg)
{
    for (size_t i = 0; i < cfg->ncaps; i++)
        free(cfg->caps[i]);
    cfg->ncaps = 0;
}
