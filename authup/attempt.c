#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attempt.h"
#include "die.h"
#include "exitcodes.h"
#include "handoff.h"
#include "safetext.h"
#include "wipe.h"

void attempt_stamp(char *out, size_t size, const char *greeting)
{
    snprintf(out, size, "<%ld.%lld@%s>", (long)getpid(), (long long)time(NULL),
             greeting);
}

void attempt_pause(const struct config *cfg)
{
    struct timespec ts = {cfg->pause_ms / 1000,
                          (long)(cfg->pause_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* The fd-3 data goes into a pipe before checkpassword starts: it is at
 * most 255 + 255 + a timestamp, far less than a pipe holds. */
static int fd3_pipe(const struct sasl_creds *cr, const char *stamp)
{
    char buf[2 * SASL_FIELD_MAX + GREETING_MAX + 64];
    size_t slen = strlen(stamp);
    if (cr->userlen + cr->passlen + slen + 3 > sizeof buf) {
        errno = E2BIG;
        return -1;
    }
    size_t n = 0;
    memcpy(buf + n, cr->user, cr->userlen + 1);
    n += cr->userlen + 1;
    memcpy(buf + n, cr->pass, cr->passlen + 1);
    n += cr->passlen + 1;
    memcpy(buf + n, stamp, slen + 1);
    n += slen + 1;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        wipe(buf, sizeof buf);
        return -1;
    }
    ssize_t w;
    do
        w = write(p[1], buf, n);
    while (w < 0 && errno == EINTR);
    int saved = errno;
    wipe(buf, sizeof buf);
    close(p[1]);
    if (w != (ssize_t)n) {
        close(p[0]);
        errno = w < 0 ? saved : EIO;
        return -1;
    }
    return p[0];
}

__attribute__((noreturn)) static void
run_child(char **argv, int fd3, int mark, const char *user, const char *helo)
{
    signal(SIGPIPE, SIG_DFL);
    if (fd3 == 3) {
        if (fcntl(3, F_SETFD, 0) < 0)
            _exit(EXIT_TEMP);
    } else if (dup2(fd3, 3) < 0) {
        _exit(EXIT_TEMP);
    }
    if (setenv(HANDOFF_USER, user, 1) < 0 ||
        (helo && setenv(HANDOFF_HELO, helo, 1) < 0) ||
        (mark >= 0 && handoff_pass_mark(mark) < 0))
        _exit(EXIT_TEMP);
    execvp(argv[0], argv);
    warn_sys("run", argv[0]);
    _exit(EXIT_TEMP);
}

static void log_attempt(const struct config *cfg, struct conn *c,
                        const char *user, size_t ulen, const struct outcome *o)
{
    char name[200], result[160];
    safeword(name, sizeof name, user, ulen);
    memcpy(c->user, user, ulen + 1);
    c->attempts++;
    c->result = o->session || o->verdict == VERDICT_EXITED ? "accepted"
                : o->verdict == VERDICT_REJECTED           ? "rejected"
                : o->verdict == VERDICT_THROTTLED          ? "throttled"
                                                           : "tempfail";
    const char *ip = getenv("TCPREMOTEIP");
    switch (o->session ? VERDICT_EXITED : o->verdict) {
    case VERDICT_REJECTED:
        /* The failure that brings a count to its limit says so, on the line
         * fail2ban's filter reads. */
        snprintf(result, sizeof result, "rejected%s%s%s",
                 c->throttle.limit[0] ? ", limit reached (" : "",
                 c->throttle.limit, c->throttle.limit[0] ? ")" : "");
        break;
    case VERDICT_THROTTLED:
        snprintf(result, sizeof result, "throttled (%s)",
                 o->code == 1 ? "address" : "account");
        break;
    case VERDICT_TEMPFAIL:
        snprintf(result, sizeof result, "tempfail");
        break;
    case VERDICT_CRASHED:
        snprintf(result, sizeof result, "tempfail (killed by signal %d)",
                 o->code);
        break;
    case VERDICT_EXITED:
        snprintf(result, sizeof result, "accepted (session %s %d)",
                 o->verdict == VERDICT_CRASHED ? "killed by signal" : "exit",
                 o->code);
        break;
    }
    info_msg("pid %ld: %s: user %s from %s: %s", (long)getpid(), cfg->name,
             name, ip && *ip ? ip : "unknown", result);
}

struct outcome attempt_run(const struct config *cfg, struct conn *c,
                           struct sasl_creds *creds, const char *mech,
                           const char *stamp, const char *helo)
{
    c->mech = mech;
    struct outcome o = {VERDICT_TEMPFAIL, EXIT_TEMP, 0};
    char user[SASL_FIELD_MAX + 1];
    size_t ulen = creds->userlen;
    memcpy(user, creds->user, ulen + 1);
    enum throttle_answer limit =
        throttle_check(&c->throttle, user, ulen, time(NULL));
    if (limit != THROTTLE_GO) {
        sasl_wipe(creds);
        o.verdict = VERDICT_THROTTLED;
        o.code = limit == THROTTLE_ADDRESS ? 1 : 2;
        log_attempt(cfg, c, user, ulen, &o);
        wipe(user, sizeof user);
        return o;
    }
    int fd3 = fd3_pipe(creds, stamp);
    sasl_wipe(creds);
    if (fd3 < 0) {
        warn_sys("pass the password to", cfg->checkpassword[0]);
        log_attempt(cfg, c, user, ulen, &o);
        return o;
    }
    if (conn_handoff(c) < 0) {
        close(fd3);
        o.verdict = VERDICT_EXITED;
        o.code = 0; /* the client is gone */
        return o;
    }
    int mark[2] = {-1, -1};
    if (cfg->proto == PROTO_SMTP && handoff_mark_pipe(mark) < 0)
        mark[0] = mark[1] = -1;
    pid_t pid = fork();
    if (pid == 0)
        run_child(cfg->checkpassword, fd3, mark[1], user, helo);
    close(fd3);
    if (mark[1] >= 0)
        close(mark[1]);
    int status = 0;
    if (pid < 0) {
        warn_sys("fork for", cfg->checkpassword[0]);
    } else {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (WIFSIGNALED(status)) {
            o.verdict = VERDICT_CRASHED;
            o.code = WTERMSIG(status);
        } else {
            o.code = WEXITSTATUS(status);
            o.verdict = o.code == EXIT_REJECTED || o.code == EXIT_MISUSE
                            ? VERDICT_REJECTED
                        : o.code == EXIT_TEMP ? VERDICT_TEMPFAIL
                                              : VERDICT_EXITED;
        }
    }
    if (mark[0] >= 0)
        o.session = handoff_marked(mark[0]);
    conn_resume(c);
    throttle_end(&c->throttle, user, ulen,
                 o.session || o.verdict == VERDICT_EXITED ? THROTTLE_ACCEPTED
                 : o.verdict == VERDICT_REJECTED          ? THROTTLE_REJECTED
                                                          : THROTTLE_UNKNOWN,
                 time(NULL));
    log_attempt(cfg, c, user, ulen, &o);
    wipe(user, sizeof user);
    return o;
}
