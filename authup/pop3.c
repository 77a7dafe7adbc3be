#include <stdio.h>
#include <string.h>

#include "attempt.h"
#include "command.h"
#include "exitcodes.h"
#include "pop3.h"

struct pop3 {
    const struct config *cfg;
    struct conn *c;
    char stamp[GREETING_MAX + 64];
    struct sasl_creds cr; /* the name from USER, then the password */
    int have_user;
    unsigned failures;
};

static const char tls_first[] = "-ERR Must issue a STLS command first";
static const char too_long[] = "-ERR line too long";
static const char timed_out[] = "-ERR timeout, closing connection";

static void forget_user(struct pop3 *p)
{
    sasl_wipe(&p->cr);
    p->have_user = 0;
}

static void pop3_capa(struct pop3 *p)
{
    conn_say(p->c, "+OK Capability list follows");
    if (conn_tls_offered(p->c))
        conn_say(p->c, "STLS");
    if (!conn_tls_required(p->c)) {
        conn_say(p->c, "USER");
        conn_say(p->c, "SASL PLAIN");
    }
    for (size_t i = 0; i < p->cfg->ncaps; i++) {
        /* A line of "." alone would end the list early: it is stuffed. */
        char line[CAP_LINE_MAX + 2];
        snprintf(line, sizeof line, "%s%s",
                 p->cfg->caps[i][0] == '.' ? "." : "", p->cfg->caps[i]);
        conn_say(p->c, line);
    }
    conn_say(p->c, ".");
}

static void pop3_stls(struct pop3 *p)
{
    static const char *const replies[] = {
        "-ERR TLS already active", "-ERR STLS not offered",
        "-ERR TLS not available", "+OK Begin TLS negotiation"};
    conn_starttls(p->c, replies); /* command() forgot the user already */
}

static void check(struct pop3 *p, const char *mech)
{
    p->have_user = 0;
    /* RFC 2449 pipelining is not offered before authentication: what
     * follows the command that completes it could neither reach prog nor
     * be taken back from it. */
    if (conn_pending(p->c)) {
        sasl_wipe(&p->cr);
        conn_say(p->c, "-ERR nothing may follow the password before its reply");
        return;
    }
    struct outcome o = attempt_run(p->cfg, p->c, &p->cr, mech, p->stamp, NULL);
    if (o.verdict == VERDICT_EXITED) {
        conn_end(p->c, NULL, o.code);
        return;
    }
    if (o.verdict == VERDICT_CRASHED) {
        conn_end(p->c, "-ERR temporary authentication failure", EXIT_TEMP);
        return;
    }
    attempt_pause(p->cfg);
    const char *text =
        o.verdict == VERDICT_REJECTED ? "-ERR authorization failed"
        : o.verdict == VERDICT_THROTTLED
            ? "-ERR [SYS/TEMP] too many failed logins: try again later"
            : "-ERR temporary authentication failure";
    if (++p->failures >= p->cfg->tries)
        conn_end(p->c, text, EXIT_REJECTED);
    else
        conn_say(p->c, text);
}

static void pop3_user(struct pop3 *p, const struct command *cmd)
{
    forget_user(p);
    if (sasl_clear(cmd->arg, cmd->arglen, &p->cr, 0) != SASL_OK) {
        sasl_wipe(&p->cr);
        conn_say(p->c, "-ERR Syntax: USER name");
        return;
    }
    p->have_user = 1;
    conn_say(p->c, "+OK");
}

static void pop3_pass(struct pop3 *p, const struct command *cmd)
{
    if (!p->have_user) {
        conn_say(p->c, "-ERR USER first");
        return;
    }
    if (sasl_clear(cmd->arg, cmd->arglen, &p->cr, 1) != SASL_OK) {
        forget_user(p);
        conn_say(p->c, "-ERR Syntax: PASS password");
        return;
    }
    check(p, "USER");
}

static void pop3_auth(struct pop3 *p, const struct command *cmd)
{
    struct command mech;
    command_split(cmd->arg, cmd->arglen, &mech);
    static const char *const mechs[] = {"PLAIN", NULL};
    if (!mech.verblen || command_find(&mech, mechs) < 0) {
        conn_say(p->c, "-ERR unsupported authentication mechanism");
        return;
    }
    const char *line = mech.arg;
    size_t len = mech.arglen;
    if (!mech.has_arg) {
        conn_say(p->c, "+ ");
        enum lr_status st = conn_getline(p->c, &line, &len);
        if (st == LR_TOOLONG) {
            conn_say(p->c, too_long);
            return;
        }
        if (st != LR_LINE) {
            conn_lost(p->c, st, timed_out);
            return;
        }
    }
    switch (sasl_plain(line, len, &p->cr)) {
    case SASL_OK:
        check(p, "PLAIN");
        return;
    case SASL_CANCELLED:
        conn_say(p->c, "-ERR authentication cancelled");
        break;
    case SASL_AUTHZ:
        conn_say(p->c, "-ERR authorization identity must be the user name");
        break;
    default:
        conn_say(p->c, "-ERR invalid base64 or SASL message");
        break;
    }
    forget_user(p);
}

enum verb { V_CAPA, V_STLS, V_QUIT, V_USER, V_PASS, V_AUTH, V_APOP };
static const char *const verbs[] = {"CAPA", "STLS", "QUIT", "USER",
                                    "PASS", "AUTH", "APOP", NULL};

static void command(struct pop3 *p, const char *line, size_t len)
{
    struct command cmd;
    if (command_split(line, len, &cmd) < 0) {
        conn_say(p->c, "-ERR NUL character in command");
        return;
    }
    int v = command_find(&cmd, verbs);
    if (conn_tls_required(p->c) &&
        (v == V_USER || v == V_PASS || v == V_AUTH)) {
        conn_say(p->c, tls_first);
        return;
    }
    if (v != V_PASS && v != V_USER)
        forget_user(p); /* RFC 1939: PASS right after USER */
    switch (v) {
    case V_CAPA:
        pop3_capa(p);
        return;
    case V_STLS:
        pop3_stls(p);
        return;
    case V_QUIT:
        conn_end(p->c, "+OK", 0);
        return;
    case V_USER:
        pop3_user(p, &cmd);
        return;
    case V_PASS:
        pop3_pass(p, &cmd);
        return;
    case V_AUTH:
        pop3_auth(p, &cmd);
        return;
    case V_APOP:
        conn_say(p->c, "-ERR APOP not supported");
        return;
    default:
        conn_say(p->c, "-ERR authorization first");
        return;
    }
}

int pop3_serve(const struct config *cfg, struct conn *c)
{
    struct pop3 p = {.cfg = cfg, .c = c};
    attempt_stamp(p.stamp, sizeof p.stamp, cfg->greeting);
    char greeting[sizeof p.stamp + 8];
    snprintf(greeting, sizeof greeting, "+OK %s", p.stamp);
    conn_say(c, greeting);
    while (!c->done) {
        const char *line;
        size_t len;
        enum lr_status st = conn_getline(c, &line, &len);
        if (st == LR_LINE)
            command(&p, line, len);
        else if (st == LR_TOOLONG)
            conn_say(c, too_long);
        else
            conn_lost(c, st, timed_out);
    }
    forget_user(&p);
    return c->code;
}
