/* authup: SMTP AUTH and POP3 authentication in front of a server that has
 * none. It collects a name and password, hands them to a checkpassword
 * program on fd 3, and that program runs the real server as the user. */
#include <signal.h>
#include <stdlib.h>

#include "authconf.h"
#include "clock.h"
#include "conn.h"
#include "die.h"
#include "exitcodes.h"
#include "pop3.h"
#include "smtp.h"
#include "summary.h"

/* The connection's summary line: the last attempt's name, mechanism and
 * result ("none" when there was none), and authup's exit code. */
static void log_summary(const struct config *cfg, const struct conn *c,
                        int code, int64_t start)
{
    struct summary sm;
    summary_init(&sm);
    summary_add(&sm, "protocol", cfg->name);
    summary_add(&sm, "tls", getenv("SSL_PROTOCOL"));
    summary_add(&sm, "user", c->attempts ? c->user : NULL);
    summary_add(&sm, "mechanism", c->mech);
    summary_addu(&sm, "attempts", c->attempts);
    summary_add(&sm, "result", c->result ? c->result : "none");
    summary_addu(&sm, "exit", (uint64_t)code);
    summary_addms(&sm, "seconds", clock_ms() - start);
    summary_log(&sm);
}

int main(int argc, char **argv)
{
    int64_t start = clock_ms();
    progname = "authup";
    die_if_version(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    struct config cfg;
    authconf_load(&cfg, argc, argv);
    if (cfg.checking) {
        info_msg("%s: %d error%s: %s", cfg.name, cfg.problems,
                 cfg.problems == 1 ? "" : "s",
                 cfg.problems ? "it would refuse every session"
                              : "it would serve");
        authconf_free(&cfg);
        return cfg.problems ? EXIT_PERM : EXIT_OK;
    }
    if (cfg.under_reup && cfg.reup_try > 1) {
        /* authup told reup not to run it again, unless it died before it
         * could: the connection is over, whatever state it was left in. */
        warn_msg("run again by reup (try %lu) after it ended: the session "
                 "is over",
                 cfg.reup_try);
        return EXIT_NO_RETRY;
    }
    struct conn c;
    if (conn_init(&c, cfg.timeout_ms) < 0)
        die_nomem();
    throttle_init(&c.throttle, &cfg.limits, cfg.state_dir,
                  getenv("TCPREMOTEIP"));
    char msg[2][TLSENV_MSG];
    int n = tlsenv_complaints(&c.tls, "authup",
                              "the session is refused for now", msg);
    for (int i = 0; i < n; i++)
        warn_msg("%s", msg[i]);
    int code;
    if (c.tls.level == TLS_REQUIRED && !c.tls.available) {
        /* No one could log in: a temporary refusal, not a silent one. */
        conn_end(&c,
                 cfg.proto == PROTO_SMTP
                     ? "421 4.7.0 TLS is required and not available: try "
                       "again later"
                     : "-ERR [SYS/TEMP] TLS is required and not available: "
                       "try again later",
                 EXIT_TEMP);
        code = c.code;
    } else {
        code = cfg.proto == PROTO_SMTP ? smtp_serve(&cfg, &c)
                                       : pop3_serve(&cfg, &c);
    }
    log_summary(&cfg, &c, code, start);
    conn_free(&c);
    authconf_free(&cfg);
    /* Under reup: all the tries were made here; anything but 0 must not
     * make reup run authup again on a connection that is over. */
    return cfg.under_reup && code != EXIT_OK ? EXIT_NO_RETRY : code;
}
