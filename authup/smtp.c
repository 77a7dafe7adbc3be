#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ascii.h"
#include "attempt.h"
#include "bdat.h"
#include "command.h"
#include "exitcodes.h"
#include "smtp.h"

#define HELO_MAX 510

struct smtp {
    const struct config *cfg;
    struct conn *c;
    char helo[HELO_MAX + 1]; /* the client's EHLO or HELO line, or "" */
    unsigned failures;
};

static const char too_long[] = "500 5.5.2 line too long";
static const char nul_in_command[] = "500 5.5.2 NUL character in command";
static const char timed_out[] = "421 4.4.2 Timeout, closing connection";
static const char tls_first[] = "530 5.7.0 Must issue a STARTTLS command first";
static const char auth_first[] = "530 5.7.0 Authentication required";
static const char bad_b64[] = "501 5.5.2 Invalid base64 or SASL message";
static const char cancelled[] = "501 5.0.0 Authentication cancelled";
static const char rejected[] = "535 5.7.8 Authentication credentials invalid";
static const char tempfail[] = "454 4.7.0 Temporary authentication failure";
static const char throttled[] =
    "454 4.7.0 Too many failed logins: try again later";

static void say_greeting(struct smtp *s, const char *code, const char *tail)
{
    char line[GREETING_MAX + 32];
    snprintf(line, sizeof line, "%s%s%s", code, s->cfg->greeting, tail);
    conn_say(s->c, line);
}

static void smtp_ehlo(struct smtp *s)
{
    const char *extra[4];
    size_t nextra = 0;
    if (!conn_tls_required(s->c)) {
        extra[nextra++] = "AUTH PLAIN LOGIN";
        if (s->cfg->broken_clients)
            extra[nextra++] = "AUTH=PLAIN LOGIN";
    }
    if (conn_tls_offered(s->c))
        extra[nextra++] = "STARTTLS";
    size_t total = s->cfg->ncaps + nextra;
    say_greeting(s, total ? "250-" : "250 ", "");
    for (size_t i = 0; i < total; i++) {
        const char *cap =
            i < s->cfg->ncaps ? s->cfg->caps[i] : extra[i - s->cfg->ncaps];
        char line[CAP_LINE_MAX + 8];
        snprintf(line, sizeof line, "250%c%s", i + 1 < total ? '-' : ' ', cap);
        conn_say(s->c, line);
    }
}

/* EHLO and HELO: the line is kept for AUTHUP_HELO, so that fixsmtpio can
 * greet the server behind with it once the client is in. */
static void smtp_hello(struct smtp *s, const struct command *cmd, int ehlo)
{
    size_t len = cmd->verblen + 1 + cmd->arglen;
    int ok = cmd->has_arg && cmd->arglen && len <= HELO_MAX;
    for (size_t i = 0; ok && i < cmd->arglen; i++)
        ok = (unsigned char)cmd->arg[i] >= 0x20 && cmd->arg[i] != 0x7f;
    if (!ok) {
        conn_say(s->c, ehlo ? "501 5.5.4 Syntax: EHLO hostname"
                            : "501 5.5.4 Syntax: HELO hostname");
        return;
    }
    snprintf(s->helo, sizeof s->helo, "%s %.*s", ehlo ? "EHLO" : "HELO",
             (int)cmd->arglen, cmd->arg);
    if (ehlo)
        smtp_ehlo(s);
    else
        say_greeting(s, "250 ", "");
}

static void smtp_starttls(struct smtp *s)
{
    static const char *const replies[] = {
        "503 5.5.1 TLS already active", "502 5.5.1 STARTTLS not offered",
        "454 4.7.0 TLS not available", "220 2.0.0 Ready to start TLS"};
    if (conn_starttls(s->c, replies))
        s->helo[0] = 0; /* RFC 3207 4.2: the client starts over with EHLO */
}

/* Reads one SASL response line after a 334 challenge. 1 with the line, 0
 * when the session ended or the exchange was abandoned (replied to). */
static int sasl_line(struct smtp *s, const char *challenge, const char **line,
                     size_t *len)
{
    conn_say(s->c, challenge);
    if (s->c->done)
        return 0;
    enum lr_status st = conn_getline(s->c, line, len);
    if (st == LR_LINE)
        return 1;
    if (st == LR_TOOLONG)
        conn_say(s->c, too_long);
    else
        conn_lost(s->c, st, timed_out);
    return 0;
}

/* Collects the credentials of AUTH PLAIN or AUTH LOGIN. SASL_OK, another
 * status (to be answered), or -1 when already answered. */
static int collect(struct smtp *s, int login, const char *initial, size_t ilen,
                   struct sasl_creds *cr)
{
    const char *line = initial;
    size_t len = ilen;
    int have = initial != NULL;
    if (!login) {
        if (!have && !sasl_line(s, "334 ", &line, &len))
            return -1;
        return (int)sasl_plain(line, len, cr);
    }
    if (!have && !sasl_line(s, "334 VXNlcm5hbWU6", &line, &len))
        return -1;
    enum sasl_status st = sasl_login(line, len, cr, 0);
    if (st != SASL_OK)
        return (int)st;
    if (!sasl_line(s, "334 UGFzc3dvcmQ6", &line, &len))
        return -1;
    return (int)sasl_login(line, len, cr, 1);
}

/* The line for an exit code by which fixsmtpio says that the server behind
 * it gave up, or NULL. 18 (the rules do not parse) comes before the session
 * starts, so after that it is the session's own code. */
static const char *server_gave_up(int code, int session)
{
    switch (code) {
    case EXIT_GREETING_TEMP:
        return "421 4.3.0 Server unavailable, closing connection";
    case EXIT_GREETING_PERM:
        return "554 5.3.0 Server refused the session";
    case EXIT_SERVER_TIMEOUT:
        return "421 4.4.2 Server timed out, closing connection";
    case EXIT_RULES:
        return session ? NULL
                       : "421 4.3.5 Server configuration error, closing "
                         "connection";
    }
    return NULL;
}

static void answer_outcome(struct smtp *s, const struct outcome *o)
{
    if (o->session || o->verdict == VERDICT_EXITED) {
        /* The session ran (or checkpassword exited with a code of its own):
         * what it said stands; a session killed by a signal is 111, never
         * read as one of the codes above. */
        if (o->verdict == VERDICT_CRASHED)
            conn_end(s->c, NULL, EXIT_TEMP);
        else
            conn_end(s->c, server_gave_up(o->code, o->session), o->code);
        return;
    }
    if (o->verdict == VERDICT_CRASHED) {
        conn_end(s->c, tempfail, EXIT_TEMP);
        return;
    }
    attempt_pause(s->cfg);
    if (++s->failures >= s->cfg->tries)
        conn_end(s->c,
                 "421 4.7.0 Too many failed authentication attempts, "
                 "closing connection",
                 EXIT_REJECTED);
    else
        conn_say(s->c, o->verdict == VERDICT_REJECTED    ? rejected
                       : o->verdict == VERDICT_THROTTLED ? throttled
                                                         : tempfail);
}

static void smtp_auth(struct smtp *s, const struct command *cmd)
{
    if (!s->helo[0]) {
        conn_say(s->c, "503 5.5.1 Send EHLO first");
        return;
    }
    struct command mech;
    command_split(cmd->arg, cmd->arglen, &mech);
    static const char *const mechs[] = {"PLAIN", "LOGIN", NULL};
    int m = mech.verblen ? command_find(&mech, mechs) : -1;
    if (m < 0) {
        conn_say(s->c, mech.verblen
                           ? "504 5.5.4 Unrecognized authentication type"
                           : "501 5.5.4 Syntax: AUTH mechanism");
        return;
    }
    struct sasl_creds cr;
    memset(&cr, 0, sizeof cr);
    int st =
        collect(s, m == 1, mech.has_arg ? mech.arg : NULL, mech.arglen, &cr);
    if (st != SASL_OK) {
        sasl_wipe(&cr);
        if (st == SASL_CANCELLED)
            conn_say(s->c, cancelled);
        else if (st == SASL_AUTHZ)
            conn_say(s->c,
                     "535 5.7.8 Authorization identity must be the user name");
        else if (st >= 0)
            conn_say(s->c, bad_b64);
        return;
    }
    /* RFC 2920 3.1: AUTH ends a pipelined group. What follows it cannot
     * go to checkpassword's prog, nor be taken back from it: the attempt
     * is refused and the commands are answered here. */
    if (conn_pending(s->c)) {
        sasl_wipe(&cr);
        conn_say(s->c, "503 5.5.0 AUTH must be the last command of a group: "
                       "wait for its reply");
        return;
    }
    char stamp[GREETING_MAX + 64];
    attempt_stamp(stamp, sizeof stamp, s->cfg->greeting);
    struct outcome o = attempt_run(s->cfg, s->c, &cr, mechs[m], stamp, s->helo);
    answer_outcome(s, &o);
}

enum verb {
    V_EHLO,
    V_HELO,
    V_AUTH,
    V_STARTTLS,
    V_NOOP,
    V_RSET,
    V_HELP,
    V_QUIT,
    V_BDAT,
    V_MAIL /* and the other mail commands after it */
};
static const char *const verbs[] = {"EHLO", "HELO", "AUTH", "STARTTLS", "NOOP",
                                    "RSET", "HELP", "QUIT", "BDAT",     "MAIL",
                                    "RCPT", "DATA", "VRFY", "EXPN",     "ETRN",
                                    "TURN", "ATRN", "BURL", NULL};

/* A BDAT's chunk follows it whatever the reply (RFC 3030): refused, it is
 * dropped by its size, never read as commands. A BDAT whose argument is
 * not "size [LAST]" has no chunk to drop. */
static void skip_chunk(struct smtp *s, const struct command *cmd)
{
    uint64_t size;
    if (!bdat_arg(cmd->arg, cmd->arglen, &size))
        return;
    enum lr_status st = conn_skip(s->c, size);
    if (st != LR_LINE)
        conn_lost(s->c, st, timed_out);
}

static void command(struct smtp *s, const char *line, size_t len)
{
    struct command cmd;
    if (command_split(line, len, &cmd) < 0) {
        conn_say(s->c, nul_in_command);
        return;
    }
    int v = command_find(&cmd, (const char *const *)verbs);
    int before_tls = v >= V_EHLO && v <= V_QUIT && v != V_AUTH;
    if (conn_tls_required(s->c) && !before_tls && v >= 0) {
        conn_say(s->c, tls_first);
        if (v == V_BDAT)
            skip_chunk(s, &cmd);
        return;
    }
    switch (v) {
    case V_EHLO:
    case V_HELO:
        smtp_hello(s, &cmd, v == V_EHLO);
        return;
    case V_AUTH:
        smtp_auth(s, &cmd);
        return;
    case V_STARTTLS:
        smtp_starttls(s);
        return;
    case V_NOOP:
    case V_RSET:
        conn_say(s->c, "250 2.0.0 ok");
        return;
    case V_HELP:
        conn_say(s->c, "214 2.0.0 authup: send EHLO, then AUTH PLAIN or AUTH "
                       "LOGIN");
        return;
    case V_QUIT:
        say_greeting(s, "221 2.0.0 ", "");
        conn_end(s->c, NULL, 0);
        return;
    case -1:
        conn_say(s->c, "502 5.5.1 Unrecognized command");
        return;
    case V_BDAT:
        conn_say(s->c, auth_first);
        skip_chunk(s, &cmd);
        return;
    default: /* under UCSPITLS=! these were answered above */
        conn_say(s->c, auth_first);
        return;
    }
}

int smtp_serve(const struct config *cfg, struct conn *c)
{
    struct smtp s = {.cfg = cfg, .c = c};
    say_greeting(&s, "220 ", " ESMTP");
    while (!c->done) {
        const char *line;
        size_t len;
        enum lr_status st = conn_getline(c, &line, &len);
        if (st == LR_LINE)
            command(&s, line, len);
        else if (st == LR_TOOLONG)
            conn_say(c, too_long);
        else
            conn_lost(c, st, timed_out);
    }
    return c->code;
}
