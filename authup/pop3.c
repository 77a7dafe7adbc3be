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
    int done;
    int code;
};

static const char tls_first[] = "-ERR Must issue a STLS command first";

static void reply(struct pop3 *p, const char *line)
{
    if (conn_reply(p->c, line) < 0) {
        p->done = 1;
        p->code = 0;
    }
}

static void finish(struct pop3 *p, const char *line, int code)
{
    if (line)
        reply(p, line);
    conn_flush(p->c);
    p->done = 1;
    p->code = code;
}

static int tls_blocks(const struct pop3 *p)
{
    return p->c->tls.level == TLS_REQUIRED;
}

static int tls_offered(const struct pop3 *p)
{
    enum tls_level l = p->c->tls.level;
    return (l == TLS_OFFERED || l == TLS_REQUIRED) && p->c->tls.available;
}

static void forget_user(struct pop3 *p)
{
    sasl_wipe(&p->cr);
    p->have_user = 0;
}

static void pop3_capa(struct pop3 *p)
{
    reply(p, "+OK Capability list follows");
    if (tls_offered(p))
        reply(p, "STLS");
    if (!tls_blocks(p)) {
        reply(p, "USER");
        reply(p, "SASL PLAIN");
    }
    for (size_t i = 0; i < p->cfg->ncaps; i++) {
        /* A line of "." alone would end the list early: it is stuffed. */
        char line[CAP_LINE_MAX + 2];
        snprintf(line, sizeof line, "%s%s",
                 p->cfg->caps[i][0] == '.' ? "." : "", p->cfg->caps[i]);
        reply(p, line);
    }
    reply(p, ".");
}

static void pop3_stls(struct pop3 *p)
{
    if (p->c->tls.level == TLS_ACTIVE) {
        reply(p, "-ERR TLS already active");
        return;
    }
    if (p->c->tls.level == TLS_NONE) {
        reply(p, "-ERR STLS not offered");
        return;
    }
    if (!p->c->tls.available) {
        finish(p, "-ERR TLS not available", EXIT_TEMP);
        return;
    }
    reply(p, "+OK Begin TLS negotiation");
    if (conn_starttls(p->c) < 0) {
        p->done = 1;
        p->code = EXIT_TEMP;
        return;
    }
    forget_user(p);
}

static void check(struct pop3 *p)
{
    p->have_user = 0;
    /* RFC 2449 pipelining is not offered before authentication: what
     * follows the command that completes it could neither reach prog nor
     * be taken back from it. */
    if (conn_pending(p->c)) {
        sasl_wipe(&p->cr);
        reply(p, "-ERR nothing may follow the password before its reply");
        return;
    }
    struct outcome o = attempt_run(p->cfg, p->c, &p->cr, p->stamp, NULL);
    if (o.verdict == VERDICT_EXITED) {
        finish(p, NULL, o.code);
        return;
    }
    if (o.verdict == VERDICT_CRASHED) {
        finish(p, "-ERR temporary authentication failure", EXIT_TEMP);
        return;
    }
    attempt_pause(p->cfg);
    const char *text = o.verdict == VERDICT_REJECTED
                           ? "-ERR authorization failed"
                           : "-ERR temporary authentication failure";
    if (++p->failures >= p->cfg->tries)
        finish(p, text, EXIT_REJECTED);
    else
        reply(p, text);
}

static void pop3_user(struct pop3 *p, const struct command *cmd)
{
    forget_user(p);
    if (sasl_clear(cmd->arg, cmd->arglen, &p->cr, 0) != SASL_OK) {
        sasl_wipe(&p->cr);
        reply(p, "-ERR Syntax: USER name");
        return;
    }
    p->have_user = 1;
    reply(p, "+OK");
}

static void pop3_pass(struct pop3 *p, const struct command *cmd)
{
    if (!p->have_user) {
        reply(p, "-ERR USER first");
        return;
    }
    if (sasl_clear(cmd->arg, cmd->arglen, &p->cr, 1) != SASL_OK) {
        forget_user(p);
        reply(p, "-ERR Syntax: PASS password");
        return;
    }
    check(p);
}

static void pop3_auth(struct pop3 *p, const struct command *cmd)
{
    forget_user(p);
    struct command mech;
    command_split(cmd->arg, cmd->arglen, &mech);
    static const char *const mechs[] = {"PLAIN", NULL};
    if (!mech.verblen || command_find(&mech, mechs) < 0) {
        reply(p, "-ERR unsupported authentication mechanism");
        return;
    }
    const char *line = mech.arg;
    size_t len = mech.arglen;
    if (!mech.has_arg) {
        reply(p, "+ ");
        enum lr_status st = conn_getline(p->c, &line, &len);
        if (st == LR_TOOLONG) {
            reply(p, "-ERR line too long");
            return;
        }
        if (st != LR_LINE) {
            finish(p, NULL, st == LR_TIMEOUT ? EXIT_SERVER_TIMEOUT : 0);
            return;
        }
    }
    switch (sasl_plain(line, len, &p->cr)) {
    case SASL_OK:
        check(p);
        return;
    case SASL_CANCELLED:
        reply(p, "-ERR authentication cancelled");
        break;
    case SASL_AUTHZ:
        reply(p, "-ERR authorization identity must be the user name");
        break;
    default:
        reply(p, "-ERR invalid base64 or SASL message");
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
        reply(p, "-ERR NUL character in command");
        return;
    }
    int v = command_find(&cmd, verbs);
    if (tls_blocks(p) && (v == V_USER || v == V_PASS || v == V_AUTH)) {
        reply(p, tls_first);
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
        finish(p, "+OK", 0);
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
        reply(p, "-ERR APOP not supported");
        return;
    default:
        reply(p, "-ERR authorization first");
        return;
    }
}

int pop3_serve(const struct config *cfg, struct conn *c)
{
    struct pop3 p = {.cfg = cfg, .c = c};
    attempt_stamp(p.stamp, sizeof p.stamp, cfg->greeting);
    char greeting[sizeof p.stamp + 8];
    snprintf(greeting, sizeof greeting, "+OK %s", p.stamp);
    reply(&p, greeting);
    while (!p.done) {
        const char *line;
        size_t len;
        switch (conn_getline(c, &line, &len)) {
        case LR_LINE:
            command(&p, line, len);
            break;
        case LR_TOOLONG:
            reply(&p, "-ERR line too long");
            break;
        case LR_TIMEOUT:
            finish(&p, "-ERR timeout, closing connection", EXIT_SERVER_TIMEOUT);
            break;
        case LR_EOF:
            finish(&p, NULL, 0);
            break;
        default:
            finish(&p, NULL, c->broken ? 0 : EXIT_TEMP);
            break;
        }
    }
    forget_user(&p);
    return p.code;
}
