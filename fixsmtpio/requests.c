/* The client's side of a session: command lines, SASL responses, message
 * data and BDAT chunks, bounded, checked and passed on to the server, or
 * answered by fixsmtpio itself in their turn. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ascii.h"
#include "bdat.h"
#include "command.h"
#include "pending.h"
#include "session.h"
#include "verbs.h"

/* Sends prepend and line to the server through run (raw: see
 * pass_line()); the debug log shows the first shown bytes of line. */
static inline void forward(struct session *s, struct passrun *run,
                           const char *prepend, size_t plen, const char *line,
                           size_t len, size_t raw, size_t shown)
{
    pass_line(run, prepend, plen, line, len, raw);
    /* An AUTH line may carry a password: only its first words are shown. */
    if (shown || !len)
        debug2(s, '2', prepend, plen, line, shown);
    else
        debug(s, '2', "[SASL response]", 15);
}

/* How much of an AUTH line may be logged: "AUTH mechanism". */
static size_t auth_shown(const char *line, size_t len)
{
    size_t n = 5;
    while (n < len && line[n] != ' ')
        n++;
    return n < len ? n : len;
}

/* "BDAT size [LAST]": 1 with the size, 0 when malformed. */
static int parse_bdat(const char *line, size_t len, uint64_t *size)
{
    return len > 5 && line[4] == ' ' && bdat_arg(line + 5, len - 5, size);
}

/* A chunk of size bytes follows; skipped (never forwarded) with discard.
 * Either way its bytes are data, never read as commands. */
static void bdat_chunk(struct session *s, uint64_t size, int discard)
{
    s->bdat_left = size;
    s->state = size ? CLIENT_BDAT : CLIENT_COMMAND;
    s->bdat_discard = discard;
}

/* Whether MAIL's parameters say BODY=BINARYMIME (RFC 3030): its BDAT
 * chunks may hold any byte. */
static int says_binarymime(const char *line, size_t len)
{
    static const char param[] = " BODY=BINARYMIME";
    size_t n = sizeof param - 1;
    for (size_t i = 0; i + n <= len; i++)
        if (ascii_caseeq(line + i, param, n) &&
            (i + n == len || line[i + n] == ' '))
            return 1;
    return 0;
}

/* Commands that TLS-required mode lets through before STARTTLS. */
static int allowed_before_tls(enum verb v)
{
    return v == VERB_EHLO || v == VERB_HELO || v == VERB_NOOP ||
           v == VERB_RSET || v == VERB_QUIT || v == VERB_STARTTLS;
}

/* A command line; raw is its length with its line end. */
static void command(struct session *s, struct passrun *run, const char *line,
                    size_t len, size_t raw)
{
    struct command cmd;
    int nul = command_split(line, len, &cmd) < 0;
    size_t wlen = cmd.verblen;
    enum verb verb = verb_of(line, wlen);
    int auth = verb == VERB_AUTH;
    size_t shown = auth ? auth_shown(line, len) : len;
    debug(s, '1', line, shown);
    if (nul) {
        queue_local(s, LOCAL_NUL);
        return;
    }
    if (memchr(line, '\r', len)) {
        /* A server that takes a bare CR for a line end would see two
         * commands where this is one. */
        queue_local(s, LOCAL_CR);
        return;
    }
    if (s->greeting_answered) {
        /* The server restarted after STARTTLS refused the session in its
         * greeting, which the client has already read as the answer to
         * this command: the command goes no further. */
        s->greeting_answered = 0;
        return;
    }
    if (verb == VERB_STARTTLS) {
        if (s->tls == TLS_NONE)
            queue_local(s, LOCAL_TLS_UNOFFERED);
        else if (s->tls == TLS_ACTIVE)
            queue_local(s, LOCAL_TLS_TWICE);
        else if (!s->tls_available)
            queue_local(s, LOCAL_TLS_UNAVAILABLE);
        else {
            queue_local(s, LOCAL_TLS_READY);
            s->state = CLIENT_STARTTLS;
        }
        return;
    }
    uint64_t size;
    if (s->tls == TLS_REQUIRED && !allowed_before_tls(verb)) {
        /* A refused BDAT's chunk comes all the same. */
        if (verb == VERB_BDAT && parse_bdat(line, len, &size))
            bdat_chunk(s, size, 1);
        queue_local(s, LOCAL_TLS_FIRST);
        return;
    }
    enum request_kind kind = REQ_COMMAND;
    if (verb == VERB_BDAT) {
        if (!parse_bdat(line, len, &size)) {
            queue_local(s, LOCAL_BDAT_SYNTAX);
            return;
        }
        bdat_chunk(s, size, !s->chunking);
        if (s->bdat_discard) {
            /* A server that did not offer CHUNKING would read the chunk as
             * commands: it never gets to see it. */
            queue_local(s, LOCAL_BDAT_UNOFFERED);
            return;
        }
        kind = REQ_BDAT;
    } else if (verb == VERB_MAIL || verb == VERB_RSET) {
        s->binarymime = verb == VERB_MAIL && says_binarymime(line, len);
    } else if (verb == VERB_DATA) {
        kind = REQ_DATA;
        s->state = CLIENT_WAIT;
    } else if (auth) {
        kind = REQ_AUTH;
        s->state = CLIENT_WAIT;
    } else if (verb == VERB_EHLO) {
        kind = REQ_EHLO;
    }
    struct request *r = queue_server(s, kind, line, wlen);
    /* A chunk's size alone, or the size and LAST (lib/bdat.h). */
    r->last = kind == REQ_BDAT && memchr(line + 5, ' ', len - 5) != NULL;
    if (verb == VERB_OTHER && rules_event_reserved(line, wlen)) {
        r->event = 0; /* "TIMEOUT" from a client is no timeout */
        r->plain = plain_replies(NULL);
    }
    const struct rules_event *ev = request_event(s, r);
    const char *pre = ev ? ev->prepend : NULL;
    size_t plen = ev ? ev->prepend_len : 0;
    forward(s, run, pre, plen, line, len, raw, shown);
    if (verb == VERB_EHLO || verb == VERB_HELO) {
        if (session_keep_helo(s, pre, plen, line, len) < 0)
            s->helo_len = 0;
        s->binarymime = 0;
    }
}

/* The common command in one step: its verb is the one last looked up
 * (s->last_verb), a verb fixsmtpio does nothing with (VERB_OTHER, not
 * named like an event fixsmtpio raises), and the line holds no NUL and no
 * CR, is not taken as answered by a refusing greeting, and may go before
 * TLS (TLS is not required). command() would do no more: command_split()
 * finds the same verb (the cached word holds no space, and a space or the
 * line's end follows it here), every test before queue_server() passes,
 * queue_server() finds the word in the cache and leaves it, and the
 * request is a plain command forwarded with its event's prepend. 0 when
 * the line is not such a command, and nothing was done. */
static int plain_command(struct session *s, struct passrun *run,
                         const char *line, size_t len, size_t raw)
{
    const struct verb_cache *c = &s->last_verb;
    size_t n = c->len;
    if (n == 0 || len < n || (len > n && line[n] != ' ') ||
        !starts_with_verb(c, line, len) || c->verb != VERB_OTHER ||
        c->reserved || s->greeting_answered || s->tls == TLS_REQUIRED ||
        lr_holds_nul(&s->from_client, line, len) || memchr(line, '\r', len))
        return 0;
    debug(s, '1', line, len);
    struct request *r = queue_push(s);
    r->kind = REQ_COMMAND;
    r->event = c->event_ref;
    r->fixup = c->fixup;
    r->plain = c->plain;
    const char *pre = c->event ? c->event->prepend : NULL;
    size_t plen = c->event ? c->event->prepend_len : 0;
    forward(s, run, pre, plen, line, len, raw, len);
    return 1;
}

static void sasl_response(struct session *s, struct passrun *run,
                          const char *line, size_t len, size_t raw)
{
    char note[64];
    int n = snprintf(note, sizeof note, "[SASL response, %zu bytes]", len);
    debug(s, '1', note, (size_t)n);
    queue_server(s, REQ_AUTH, "auth", 4);
    forward(s, run, NULL, 0, line, len, raw, 0);
    s->state = CLIENT_WAIT;
}

enum { TOOK = -1 };

/* A line that may not reach the server; a SASL exchange it was part of is
 * cancelled, so that the server does not wait for it. */
static void refuse_line(struct session *s, struct passrun *run,
                        enum local_reply why)
{
    if (s->state == CLIENT_SASL) {
        struct request *r = queue_server(s, REQ_COMMAND, "auth", 4);
        r->hide = 1;
        forward(s, run, NULL, 0, "*", 1, 0, 1);
        s->state = CLIENT_COMMAND;
    }
    queue_local(s, why);
}

/* One line from the client, in command or SASL state. */
static int client_line(struct session *s, struct passrun *run)
{
    if (s->qlen >= QUEUE_LIMIT - 2 || passrun_room(run) < REQUEST_ROOM)
        return CLIENT_BLOCKED;
    const char *line;
    size_t len;
    enum lr_status st = lr_line(&s->from_client, &line, &len);
    if (st == LR_MORE)
        return CLIENT_NEEDS_INPUT;
    s->progress = 1;
    if (st == LR_TOOLONG) {
        debug(s, '1', "[line too long]", 15);
        refuse_line(s, run, LOCAL_TOO_LONG);
        return TOOK;
    }
    size_t raw = len;
    len--; /* the LF */
    if (len && line[len - 1] == '\r')
        len--;
    if (s->state == CLIENT_SASL) {
        int nul = lr_holds_nul(&s->from_client, line, len);
        if (nul || memchr(line, '\r', len)) {
            debug(s, '1', "[SASL response with a NUL or bare CR]", 38);
            refuse_line(s, run, nul ? LOCAL_NUL : LOCAL_CR);
        } else {
            sasl_response(s, run, line, len, raw);
        }
    } else {
        s->counts.commands++;
        if (!plain_command(s, run, line, len, raw))
            command(s, run, line, len, raw);
    }
    return TOOK;
}

/* FIXSMTPIODEBUG: what became of a message (its size, never its bytes). */
static void debug_data(struct session *s)
{
    if (!s->debug)
        return;
    char note[128];
    int len;
    if (s->refused)
        len = snprintf(note, sizeof note,
                       "%llu bytes from the client, refused: %s at byte %llu",
                       (unsigned long long)s->data_bytes,
                       s->refused == DATAEND_NUL ? "NUL" : "bare CR",
                       (unsigned long long)s->refused_at);
    else
        len = snprintf(
            note, sizeof note, "%llu bytes from the client, %llu to the server",
            (unsigned long long)s->data_bytes, (unsigned long long)s->data_out);
    debug(s, 'D', note, (size_t)len);
}

static void refuse(struct session *s, enum dataend_refusal why, uint64_t at)
{
    s->counts.refused++;
    s->refused = why;
    s->refused_at = at;
}

static int client_data(struct session *s)
{
    size_t room = ob_room(&s->to_server);
    if (room < 4096)
        return CLIENT_BLOCKED;
    const char *p;
    /* At most DATA_STEP at a time: at most twice that goes out (bare LFs
     * become CR LF), and the output buffer's pages touched stay few. */
    size_t want = (room - 2) / 2 < DATA_STEP ? (room - 2) / 2 : DATA_STEP;
    size_t n = lr_raw(&s->from_client, &p, want);
    if (n == 0)
        return CLIENT_NEEDS_INPUT;
    char *out = ob_reserve(&s->to_server, 2 * n + 2);
    size_t outlen;
    int done;
    size_t used = dataend_scan(&s->data, p, n, out, &outlen, &done);
    ob_commit(&s->to_server, outlen);
    lr_unread(&s->from_client, n - used);
    s->data_bytes += used;
    s->data_out += outlen;
    s->progress = 1;
    if (s->data.refused && !s->refused) {
        /* Nothing is owed by the server during DATA: it can go now. */
        refuse(s, s->data.refused, s->data.refused_at);
        queue_push(s)->kind = REQ_REFUSED;
    }
    if (done) {
        debug_data(s);
        if (s->refused) {
            s->state = CLIENT_RESTART;
        } else {
            queue_server(s, REQ_DATAEND, EVENT_IN_DATA, strlen(EVENT_IN_DATA));
            s->state = CLIENT_COMMAND;
        }
    }
    return TOOK;
}

/* A NUL in a chunk (without BODY=BINARYMIME): the rest of the chunk is
 * dropped, and the reply to its BDAT, which the server can no longer give,
 * becomes fixsmtpio's refusal once the replies before it are in. */
static void refuse_chunk(struct session *s, uint64_t at)
{
    refuse(s, DATAEND_NUL, at);
    s->bdat_discard = 1;
    struct request *tail =
        s->qlen ? &s->queue[(s->qhead + s->qlen - 1) % QUEUE_LIMIT] : NULL;
    if (tail && tail->kind == REQ_BDAT)
        tail->kind = REQ_REFUSED;
    else
        queue_push(s)->kind = REQ_REFUSED;
}

static int client_bdat(struct session *s)
{
    size_t room = ob_room(&s->to_server);
    if (room == 0)
        return CLIENT_BLOCKED;
    size_t want = s->bdat_left < room ? (size_t)s->bdat_left : room;
    const char *p;
    size_t n = lr_raw(&s->from_client, &p, want);
    if (n == 0)
        return CLIENT_NEEDS_INPUT;
    const char *nul = s->bdat_discard || s->binarymime ? NULL : memchr(p, 0, n);
    if (nul)
        refuse_chunk(s, s->data_bytes + (uint64_t)(nul - p));
    if (!s->bdat_discard) {
        ob_put(&s->to_server, p, n);
        s->data_out += n;
    }
    s->bdat_left -= n;
    s->data_bytes += n;
    s->progress = 1;
    if (s->bdat_left == 0) {
        debug_data(s);
        s->data_bytes = s->data_out = 0;
        s->state = s->refused ? CLIENT_RESTART : CLIENT_COMMAND;
    }
    return TOOK;
}

/* Takes client input while it can. Lines that go to the server as they
 * came gather in run, which is written out before anything else goes to
 * the server. */
static enum client_stop take_client(struct session *s, struct passrun *run)
{
    for (;;) {
        flush_local(s);
        if (s->finished || s->server_broken)
            return CLIENT_BLOCKED;
        int r = CLIENT_NEEDS_INPUT;
        switch (s->state) {
        case CLIENT_COMMAND:
        case CLIENT_SASL:
            r = client_line(s, run);
            break;
        case CLIENT_DATA:
            passrun_flush(run);
            r = client_data(s);
            break;
        case CLIENT_BDAT:
            passrun_flush(run);
            r = client_bdat(s);
            break;
        case CLIENT_STARTTLS:
            /* Nothing pipelined after STARTTLS may reach the server. */
            lr_discard(&s->from_client);
            return CLIENT_BLOCKED;
        case CLIENT_RESTART:
            return CLIENT_BLOCKED;
        case CLIENT_WAIT:
            return CLIENT_WAITS_FOR_SERVER;
        case CLIENT_EOF:
            return CLIENT_NEEDS_INPUT;
        }
        if (r != TOOK)
            return (enum client_stop)r;
    }
}

enum client_stop session_client(struct session *s)
{
    struct passrun run;
    passrun_start(&run, &s->to_server);
    enum client_stop stop = take_client(s, &run);
    passrun_flush(&run);
    return stop;
}

void session_client_eof(struct session *s)
{
    const struct rules_event *ev =
        ruleview_event(s->view, EVENT_CLIENTEOF, strlen(EVENT_CLIENTEOF));
    if (!ev)
        return;
    struct reply_rules rr;
    reply_rules_start(&rr, ev, FIXUP_NONE, s->greeting);
    reply_rules_line(&rr, "", 0, s->line_out);
    if (rr.exitcode >= 0)
        s->exit_code = rr.exitcode;
}
