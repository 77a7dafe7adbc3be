/* The server's side of a session: reply lines, checked at the edge, paired
 * with the requests in order, rewritten by the rules and renormalised on
 * their way to the client. */
#include <stdio.h>
#include <string.h>

#include "ascii.h"
#include "pending.h"
#include "session.h"

static int sink(void *ctx, const char *line, size_t len)
{
    to_client(ctx, line, len);
    return 0;
}

/* A reply line: a code and a space, a hyphen or nothing after it. Whether
 * it holds a NUL is asked of the reader. */
static int valid_reply_line(const char *p, size_t len)
{
    if (len < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
        p[2] < '0' || p[2] > '9')
        return 0;
    return len == 3 || p[3] == ' ' || p[3] == '-';
}

static void reply_start(struct session *s)
{
    if (s->qlen) {
        s->answering = queue_pop(s);
    } else {
        /* A reply no request asked for: the server gave up waiting. */
        memset(&s->answering, 0, sizeof s->answering);
        s->answering.kind = REQ_TIMEOUT;
        s->answering.event = event_ref(
            s, ruleview_event(s->view, EVENT_TIMEOUT, strlen(EVENT_TIMEOUT)));
    }
    s->in_reply = 1;
    s->saw_chunking = 0;
    reply_rules_start(&s->rr, request_event(s, &s->answering),
                      s->answering.fixup, s->greeting);
    renorm_start(s->rn);
}

static int is_keyword(const char *line, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len < 4 + n || !ascii_caseeq(line + 4, word, n))
        return 0;
    return len == 4 + n || line[4 + n] == ' ';
}

static void reply_end(struct session *s)
{
    struct request *a = &s->answering;
    int code = s->reply_code;
    if (a->vital) {
        s->in_reply = 0;
        if (code / 100 != 2)
            session_server_lost(s);
        else
            s->restarting--;
        if (a->kind == REQ_EHLO)
            s->chunking = s->saw_chunking;
        return;
    }
    if (a->kind == REQ_EHLO) {
        s->chunking = s->saw_chunking;
        if (!a->hide && code / 100 == 2 && s->offer_starttls)
            renorm_line(s->rn, "250 STARTTLS", 12, sink, s);
    }
    if (!a->hide)
        renorm_end(s->rn, sink, s);
    s->in_reply = 0;
    if (code / 100 == 2 &&
        (a->kind == REQ_DATAEND || (a->kind == REQ_BDAT && a->last)))
        s->counts.messages++;
    if (a->kind == REQ_DATA && code == 354) {
        s->state = CLIENT_DATA;
        s->data_bytes = s->data_out = 0;
        dataend_start(&s->data);
    } else if (a->kind == REQ_AUTH && code == 334) {
        s->state = CLIENT_SASL;
    } else if (s->state == CLIENT_WAIT &&
               (a->kind == REQ_DATA || a->kind == REQ_AUTH)) {
        s->state = CLIENT_COMMAND;
    }
    if (s->rr.exitcode >= 0) {
        s->exit_code = s->rr.exitcode;
        s->finished = 1;
    }
}

/* The refusing greeting of a server restarted after STARTTLS stands for the
 * reply to the client's next command: one already queued gets no reply of
 * its own, one still to come goes no further. */
static void greeting_answers_next(struct session *s)
{
    if (s->qlen == 0) {
        s->greeting_answered = 1;
    } else if (s->queue[s->qhead].kind == REQ_LOCAL) {
        queue_pop(s);
    } else {
        s->queue[s->qhead].hide = 1;
    }
}

static void reply_line(struct session *s, char *line, size_t len)
{
    if (!s->in_reply)
        reply_start(s);
    struct request *a = &s->answering;
    s->reply_code =
        (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    int last = len == 3 || line[3] == ' ';
    if (a->kind == REQ_GREETING && s->hide_greeting_2xx) {
        /* A server restarted after STARTTLS: the client saw a greeting
         * already. A refusal is shown, and answers its next command. */
        a->hide = line[0] == '2';
        if (last) {
            s->hide_greeting_2xx = 0;
            if (!a->hide)
                greeting_answers_next(s);
        }
    }
    if (a->kind == REQ_EHLO && is_keyword(line, len, "STARTTLS")) {
        /* Only fixsmtpio can offer TLS in front of this server. */
        if (last)
            reply_end(s);
        return;
    }
    line[len] = 0;
    struct reply_line_out *out = s->line_out;
    reply_rules_line(&s->rr, line, len, out);
    if (a->kind == REQ_EHLO && !out->removed &&
        is_keyword(out->text, out->len, "CHUNKING"))
        s->saw_chunking = 1;
    if (!a->hide) {
        if (out->before_len)
            renorm_line(s->rn, out->before, out->before_len, sink, s);
        if (out->removed)
            ;
        else if (last && a->kind != REQ_EHLO)
            renorm_last(s->rn, out->text, out->len, sink, s);
        else
            renorm_line(s->rn, out->text, out->len, sink, s);
    }
    if (last)
        reply_end(s);
}

/* The common reply in one step: a single line, answering a command whose
 * reply fixsmtpio does nothing else with (no greeting, EHLO, DATA, AUTH or
 * end of data; shown; not vital), that no rule of the command's event can
 * match. reply_line() would do no more: reply_rules_line() leaves such a
 * line as it is, sets no exit code and runs no fixup; renorm_last() sends
 * a reply's only line as it is when it already says "NNN " (or is a bare
 * code); and reply_end() only ends the reply. (What reply_start() and
 * reply_line() keep of a reply, answering, reply_code and the rest, is set
 * anew before it is read again.) The line goes out as to_client() sends
 * it, through the run (pass_line()). 0 when the line is not such a reply,
 * and nothing was done. */
static int plain_reply(struct session *s, struct passrun *run, const char *line,
                       size_t len, size_t raw)
{
    if (s->in_reply || s->qlen == 0 || (len > 3 && line[3] != ' '))
        return 0;
    const struct request *r = &s->queue[s->qhead];
    /* The line's first byte is a digit from '2' to '5' here. */
    if (r->kind != REQ_COMMAND || r->hide || r->vital ||
        !((r->plain >> (line[0] - '2')) & 1))
        return 0;
    queue_pop(s);
    debug(s, '4', line, len);
    pass_line(run, NULL, 0, line, len, raw);
    return 1;
}

/* Takes server lines while it can. Replies that go on as they came gather
 * in run, which is written out before anything else goes to the client. */
static void take_replies(struct session *s, struct passrun *run)
{
    while (!s->finished && !s->server_broken) {
        if (local_turn(s)) {
            passrun_flush(run);
            flush_local_now(s);
        }
        /* A server holding a refused message owes nothing more: what it
         * says now is not a reply. */
        if (s->server_stopped ||
            (!s->in_reply && s->qlen && s->queue[s->qhead].kind == REQ_REFUSED))
            return;
        /* Room for the worst case, and no more than a little queued in
         * the common case, so that the pages the buffer touches stay few. */
        if (passrun_room(run) < REPLY_ROOM ||
            passrun_pending(run) > CLIENT_OUT_SOFT)
            return;
        const char *p;
        size_t len;
        enum lr_status st = lr_line(&s->from_server, &p, &len);
        if (st == LR_MORE)
            return;
        s->progress = 1;
        char *line = (char *)p;
        size_t raw = 0; /* the line as it came, with its line end */
        char repl[64];
        if (st == LR_TOOLONG) {
            /* Keep the line's place in the reply, say it was too long. */
            int n =
                snprintf(repl, sizeof repl, "%s", local_text[LOCAL_TOO_LONG]);
            repl[3] = len > 3 && p[3] == '-' ? '-' : ' ';
            line = repl;
            len = (size_t)n;
            debug(s, '3', "[line too long]", 15);
        } else {
            raw = len;
            len--;
            if (len && line[len - 1] == '\r')
                len--;
            debug(s, '3', line, len);
        }
        if (!valid_reply_line(line, len) ||
            (raw && lr_holds_nul(&s->from_server, line, len))) {
            s->server_broken = 1;
            return;
        }
        if (plain_reply(s, run, line, len, raw))
            continue;
        passrun_flush(run);
        reply_line(s, line, len);
    }
}

void session_server(struct session *s)
{
    struct passrun run;
    passrun_start(&run, &s->to_client);
    take_replies(s, &run);
    passrun_flush(&run);
}
