#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ascii.h"
#include "bdat.h"
#include "exitcodes.h"
#include "safetext.h"
#include "session.h"

/* fixsmtpio's own replies. */
static const char too_long[] = "500 5.5.2 line too long";
static const char nul_in_command[] = "500 5.5.2 NUL character in command";
static const char cr_in_command[] = "500 5.5.2 bare CR in command";
static const char bdat_syntax[] = "501 5.5.4 Syntax: BDAT size [LAST]";
static const char bdat_unoffered[] = "502 5.5.1 BDAT without CHUNKING offered";
static const char tls_unoffered[] = "502 5.5.1 STARTTLS not offered";
static const char tls_twice[] = "503 5.5.1 TLS already active";
static const char tls_ready[] = "220 2.0.0 Ready to start TLS";
static const char tls_unavailable[] = "454 4.7.0 TLS not available";
static const char tls_first[] = "530 5.7.0 Must issue a STARTTLS command first";
static const char data_nul[] =
    "554 5.6.0 Message refused: NUL character in message data";
static const char data_bare_cr[] =
    "554 5.6.0 Message refused: bare CR in message data";
static const char server_lost[] =
    "421 4.3.0 Server unavailable, closing connection";

/* A queued reply of fixsmtpio's own is an index into this table. */
enum local_reply {
    LOCAL_TOO_LONG,
    LOCAL_NUL,
    LOCAL_CR,
    LOCAL_BDAT_SYNTAX,
    LOCAL_BDAT_UNOFFERED,
    LOCAL_TLS_UNOFFERED,
    LOCAL_TLS_TWICE,
    LOCAL_TLS_READY,
    LOCAL_TLS_UNAVAILABLE,
    LOCAL_TLS_FIRST
};

static const char *const local_text[] = {
    too_long,        nul_in_command, cr_in_command, bdat_syntax,
    bdat_unoffered,  tls_unoffered,  tls_twice,     tls_ready,
    tls_unavailable, tls_first};

/* FIXSMTPIODEBUG: one line per step, printable, cut short when long. */
__attribute__((noinline)) static void
debug_print(char step, const char *p1, size_t len1, const char *p2, size_t len2)
{
    char text1[300], text2[600];
    safetext(text1, sizeof text1, p1, len1);
    safetext(text2, sizeof text2, p2, len2);
    char line[920];
    int n = snprintf(line, sizeof line, "%c %s%s\n", step, text1, text2);
    if (n > 0) {
        ssize_t w = write(
            2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        (void)w;
    }
}

static inline void debug2(struct session *s, char step, const char *p1,
                          size_t len1, const char *p2, size_t len2)
{
    if (s->debug)
        debug_print(step, p1, len1, p2, len2);
}

static inline void debug(struct session *s, char step, const char *p,
                         size_t len)
{
    if (s->debug)
        debug_print(step, "", 0, p, len);
}

int session_init(struct session *s, const struct ruleview *view,
                 const char *greeting)
{
    memset(s, 0, sizeof *s);
    s->view = view;
    s->greeting = greeting;
    s->exit_code = -1;
    s->line_out = malloc(sizeof *s->line_out);
    if (!s->line_out || lr_init(&s->from_client, LINE_LIMIT) < 0 ||
        lr_init(&s->from_server, LINE_LIMIT) < 0 ||
        ob_init(&s->to_client, CLIENT_OUT_SIZE) < 0 ||
        ob_init(&s->to_server, SERVER_OUT_SIZE) < 0) {
        session_free(s);
        return -1;
    }
    return 0;
}

void session_reset(struct session *s)
{
    struct session keep = *s;
    memset(s, 0, sizeof *s);
    s->view = keep.view;
    s->greeting = keep.greeting;
    s->exit_code = -1;
    s->line_out = keep.line_out;
    s->from_client = keep.from_client;
    s->from_server = keep.from_server;
    s->to_client = keep.to_client;
    s->to_server = keep.to_server;
    lr_discard(&s->from_client);
    s->from_client.discarding = 0;
    lr_discard(&s->from_server);
    s->from_server.discarding = 0;
    ob_clear(&s->to_client);
    ob_clear(&s->to_server);
}

void session_free(struct session *s)
{
    lr_wipe_free(&s->from_client);
    lr_free(&s->from_server);
    ob_free(&s->to_client);
    ob_free(&s->to_server);
    free(s->line_out);
    s->line_out = NULL;
}

static struct request *queue_push(struct session *s)
{
    if (s->qlen == QUEUE_LIMIT)
        return NULL;
    struct request *r = &s->queue[(s->qhead + s->qlen++) % QUEUE_LIMIT];
    memset(r, 0, sizeof *r);
    return r;
}

static struct request queue_pop(struct session *s)
{
    struct request r = s->queue[s->qhead];
    s->qhead = (s->qhead + 1) % QUEUE_LIMIT;
    s->qlen--;
    return r;
}

/* Appends a and b and CR LF to ob in one go; the caller made room. */
static void put_line(struct outbuf *ob, const char *a, size_t alen,
                     const char *b, size_t blen)
{
    char *to = ob_reserve(ob, alen + blen + 2);
    if (!to)
        return;
    if (alen)
        memcpy(to, a, alen);
    if (blen)
        memcpy(to + alen, b, blen);
    to[alen + blen] = '\r';
    to[alen + blen + 1] = '\n';
    ob_commit(ob, alen + blen + 2);
}

static void to_client(struct session *s, const char *line, size_t len)
{
    debug(s, '4', line, len);
    put_line(&s->to_client, NULL, 0, line, len);
}

void session_say(struct session *s, const char *line)
{
    to_client(s, line, strlen(line));
}

static void queue_local(struct session *s, enum local_reply which)
{
    struct request *r = queue_push(s);
    r->kind = REQ_LOCAL;
    r->local = (unsigned char)which;
}

/* A refused message's turn has come: the server holding it owes nothing
 * else, so it is stopped; once the client's message is over, the client
 * hears why, and a fresh server is started. */
static void answer_refused(struct session *s)
{
    if (!s->server_stopped)
        s->stop_server = 1;
    if (s->state != CLIENT_RESTART)
        return;
    queue_pop(s);
    session_say(s, s->refused == DATAEND_NUL ? data_nul : data_bare_cr);
    s->restart_server = 1;
}

/* fixsmtpio's own replies go out as soon as every reply before them has. */
static void flush_local_now(struct session *s)
{
    while (!s->in_reply && s->qlen && ob_room(&s->to_client) >= 1024) {
        if (s->queue[s->qhead].kind == REQ_REFUSED) {
            answer_refused(s);
            return;
        }
        if (s->queue[s->qhead].kind != REQ_LOCAL)
            return;
        struct request r = queue_pop(s);
        session_say(s, local_text[r.local]);
        if (r.local == LOCAL_TLS_READY)
            s->starttls = 1;
        if (r.local == LOCAL_TLS_UNAVAILABLE) {
            /* Offered, but the UCSPI-TLS server is not there. */
            s->exit_code = EXIT_TEMP;
            s->finished = 1;
            return;
        }
    }
}

static inline void flush_local(struct session *s)
{
    if (s->qlen && s->queue[s->qhead].kind >= REQ_LOCAL)
        flush_local_now(s);
}

void session_server_lost(struct session *s)
{
    session_say(s, server_lost);
    s->exit_code = EXIT_TEMP;
    s->finished = 1;
    s->lost = 1;
}

static struct request *queue_server(struct session *s, enum request_kind kind,
                                    const char *verb, size_t len)
{
    struct request *r = queue_push(s);
    r->kind = (unsigned char)kind;
    /* Pipelined commands come in runs of the same verb (RCPT): the last
     * lookup is kept. */
    struct verb_cache *c = &s->last_verb;
    if (c->len != len || len > sizeof c->word ||
        memcmp(c->word, verb, len) != 0) {
        c->event = ruleview_event(s->view, verb, len);
        c->fixup = (unsigned char)fixup_kind_of(verb, len);
        c->len = len <= sizeof c->word ? len : 0;
        memcpy(c->word, verb, c->len);
    }
    r->event = c->event;
    r->fixup = c->fixup;
    return r;
}

/* Sends a request of fixsmtpio's own whose reply is not shown. The
 * caller made sure of room (a fresh server: empty queue and buffer). */
static struct request *inject(struct session *s, const char *line, size_t len)
{
    size_t verb = 0;
    while (verb < len && line[verb] != ' ')
        verb++;
    int ehlo = verb == 4 && ascii_caseeq(line, "EHLO", 4);
    struct request *r =
        queue_server(s, ehlo ? REQ_EHLO : REQ_COMMAND, line, verb);
    r->hide = 1;
    debug(s, '2', line, len);
    put_line(&s->to_server, NULL, 0, line, len);
    return r;
}

void session_server_started(struct session *s)
{
    int after_refusal = s->refused != DATAEND_CLEAN;
    s->last_verb.len = 0; /* the rules may have changed */
    s->qhead = s->qlen = 0;
    s->in_reply = 0;
    s->server_stopped = 0;
    s->restarting = 0;
    /* After a refusal the fresh server is the same program, greeted with
     * the same line: what it offers stays known. */
    if (!after_refusal)
        s->chunking = 0;
    lr_discard(&s->from_server);
    ob_clear(&s->to_server);
    struct request *g =
        queue_server(s, REQ_GREETING, EVENT_GREETING, strlen(EVENT_GREETING));
    if (after_refusal) {
        g->hide = g->vital = 1;
        s->restarting++;
        s->refused = DATAEND_CLEAN;
        s->binarymime = 0;
        s->state = CLIENT_COMMAND;
    }
    if (s->helo_len) {
        struct request *r = inject(s, s->helo, s->helo_len);
        if (after_refusal) {
            r->vital = 1;
            s->restarting++;
        }
    }
}

void session_server_stopped(struct session *s)
{
    s->server_stopped = 1;
    s->stop_server = 0;
    s->in_reply = 0;
    lr_discard(&s->from_server);
    ob_clear(&s->to_server);
}

void session_tls_started(struct session *s)
{
    s->tls = TLS_ACTIVE;
    s->offer_starttls = 0;
    s->state = CLIENT_COMMAND;
    s->hide_greeting_2xx = 1;
    s->helo_len = 0;
    s->binarymime = 0;
}

/* The HELO or EHLO line as the server got it, prepend and all. */
static int keep_helo(struct session *s, const char *pre, size_t plen,
                     const char *line, size_t len)
{
    if (plen + len > sizeof s->helo)
        return -1;
    if (plen)
        memcpy(s->helo, pre, plen);
    memcpy(s->helo + plen, line, len);
    s->helo_len = plen + len;
    return 0;
}

int session_keep_helo(struct session *s, const char *line, size_t len)
{
    return keep_helo(s, NULL, 0, line, len);
}

int session_waiting_for_server(const struct session *s)
{
    return s->in_reply || s->qlen > 0;
}

/* Sends prepend and line to the server; the debug log shows the first
 * shown bytes of line. */
static void forward(struct session *s, const char *prepend, size_t plen,
                    const char *line, size_t len, size_t shown)
{
    put_line(&s->to_server, prepend, plen, line, len);
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

/* The commands fixsmtpio itself looks at. */
enum verb {
    VERB_OTHER,
    VERB_AUTH,
    VERB_BDAT,
    VERB_DATA,
    VERB_EHLO,
    VERB_HELO,
    VERB_MAIL,
    VERB_NOOP,
    VERB_QUIT,
    VERB_RSET,
    VERB_STARTTLS
};

static enum verb classify(const char *w, size_t len)
{
    static const struct {
        char name[9];
        enum verb verb;
    } verbs[] = {{"auth", VERB_AUTH}, {"bdat", VERB_BDAT}, {"data", VERB_DATA},
                 {"ehlo", VERB_EHLO}, {"helo", VERB_HELO}, {"mail", VERB_MAIL},
                 {"noop", VERB_NOOP}, {"quit", VERB_QUIT}, {"rset", VERB_RSET}};
    if (len == 8 && ascii_caseeq(w, "starttls", 8))
        return VERB_STARTTLS;
    if (len != 4)
        return VERB_OTHER;
    char low[4];
    for (int i = 0; i < 4; i++)
        low[i] = ascii_lower(w[i]);
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (memcmp(low, verbs[i].name, 4) == 0)
            return verbs[i].verb;
    return VERB_OTHER;
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

static void command(struct session *s, const char *line, size_t len)
{
    size_t wlen = 0;
    while (wlen < len && line[wlen] != ' ')
        wlen++;
    enum verb verb = classify(line, wlen);
    int auth = verb == VERB_AUTH;
    size_t shown = auth ? auth_shown(line, len) : len;
    debug(s, '1', line, shown);
    if (memchr(line, 0, len)) {
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
    if (verb == VERB_OTHER && rules_event_reserved(line, wlen))
        r->event = NULL; /* "TIMEOUT" from a client is no timeout */
    const char *pre = r->event ? r->event->prepend : NULL;
    size_t plen = r->event ? r->event->prepend_len : 0;
    forward(s, pre, plen, line, len, shown);
    if (verb == VERB_EHLO || verb == VERB_HELO) {
        if (keep_helo(s, pre, plen, line, len) < 0)
            s->helo_len = 0;
        s->binarymime = 0;
    }
}

static void sasl_response(struct session *s, const char *line, size_t len)
{
    char note[64];
    int n = snprintf(note, sizeof note, "[SASL response, %zu bytes]", len);
    debug(s, '1', note, (size_t)n);
    queue_server(s, REQ_AUTH, "auth", 4);
    forward(s, NULL, 0, line, len, 0);
    s->state = CLIENT_WAIT;
}

enum { TOOK = -1 };

/* A line that may not reach the server; a SASL exchange it was part of is
 * cancelled, so that the server does not wait for it. */
static void refuse_line(struct session *s, enum local_reply why)
{
    if (s->state == CLIENT_SASL) {
        struct request *r = queue_server(s, REQ_COMMAND, "auth", 4);
        r->hide = 1;
        forward(s, NULL, 0, "*", 1, 1);
        s->state = CLIENT_COMMAND;
    }
    queue_local(s, why);
}

/* One line from the client, in command or SASL state. */
static int client_line(struct session *s)
{
    if (s->qlen >= QUEUE_LIMIT - 2 || ob_room(&s->to_server) < REQUEST_ROOM)
        return CLIENT_BLOCKED;
    const char *line;
    size_t len;
    enum lr_status st = lr_line(&s->from_client, &line, &len);
    if (st == LR_MORE)
        return CLIENT_NEEDS_INPUT;
    s->progress = 1;
    if (st == LR_TOOLONG) {
        debug(s, '1', "[line too long]", 15);
        refuse_line(s, LOCAL_TOO_LONG);
        return TOOK;
    }
    len--; /* the LF */
    if (len && line[len - 1] == '\r')
        len--;
    if (s->state == CLIENT_SASL &&
        (memchr(line, 0, len) || memchr(line, '\r', len))) {
        debug(s, '1', "[SASL response with a NUL or bare CR]", 38);
        refuse_line(s, memchr(line, 0, len) ? LOCAL_NUL : LOCAL_CR);
        return TOOK;
    }
    if (s->state == CLIENT_SASL)
        sasl_response(s, line, len);
    else
        command(s, line, len);
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

enum client_stop session_client(struct session *s)
{
    for (;;) {
        flush_local(s);
        if (s->finished || s->server_broken)
            return CLIENT_BLOCKED;
        int r = CLIENT_NEEDS_INPUT;
        switch (s->state) {
        case CLIENT_COMMAND:
        case CLIENT_SASL:
            r = client_line(s);
            break;
        case CLIENT_DATA:
            r = client_data(s);
            break;
        case CLIENT_BDAT:
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

/* The server's side: replies. */

static int sink(void *ctx, const char *line, size_t len)
{
    to_client(ctx, line, len);
    return 0;
}

static int valid_reply_line(const char *p, size_t len)
{
    if (len < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
        p[2] < '0' || p[2] > '9')
        return 0;
    if (len > 3 && p[3] != ' ' && p[3] != '-')
        return 0;
    return memchr(p, 0, len) == NULL;
}

static void reply_start(struct session *s)
{
    if (s->qlen) {
        s->answering = queue_pop(s);
    } else {
        /* A reply no request asked for: the server gave up waiting. */
        memset(&s->answering, 0, sizeof s->answering);
        s->answering.kind = REQ_TIMEOUT;
        s->answering.event =
            ruleview_event(s->view, EVENT_TIMEOUT, strlen(EVENT_TIMEOUT));
    }
    s->in_reply = 1;
    s->saw_chunking = 0;
    reply_rules_start(&s->rr, s->answering.event, s->answering.fixup,
                      s->greeting);
    renorm_start(&s->rn);
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
            renorm_line(&s->rn, "250 STARTTLS", 12, sink, s);
    }
    if (!a->hide)
        renorm_end(&s->rn, sink, s);
    s->in_reply = 0;
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
            renorm_line(&s->rn, out->before, out->before_len, sink, s);
        if (out->removed)
            ;
        else if (last && a->kind != REQ_EHLO)
            renorm_last(&s->rn, out->text, out->len, sink, s);
        else
            renorm_line(&s->rn, out->text, out->len, sink, s);
    }
    if (last)
        reply_end(s);
}

void session_server(struct session *s)
{
    while (!s->finished && !s->server_broken) {
        flush_local(s);
        /* A server holding a refused message owes nothing more: what it
         * says now is not a reply. */
        if (s->server_stopped ||
            (!s->in_reply && s->qlen && s->queue[s->qhead].kind == REQ_REFUSED))
            return;
        /* Room for the worst case, and no more than a little queued in
         * the common case, so that the pages the buffer touches stay few. */
        if (ob_room(&s->to_client) < REPLY_ROOM ||
            ob_pending(&s->to_client) > CLIENT_OUT_SOFT)
            return;
        const char *p;
        size_t len;
        enum lr_status st = lr_line(&s->from_server, &p, &len);
        if (st == LR_MORE)
            return;
        s->progress = 1;
        char *line = (char *)p;
        char repl[sizeof too_long];
        if (st == LR_TOOLONG) {
            /* Keep the line's place in the reply, say it was too long. */
            memcpy(repl, too_long, sizeof repl);
            repl[3] = len > 3 && p[3] == '-' ? '-' : ' ';
            line = repl;
            len = sizeof repl - 1;
            debug(s, '3', "[line too long]", 15);
        } else {
            len--;
            if (len && line[len - 1] == '\r')
                len--;
            debug(s, '3', line, len);
        }
        if (!valid_reply_line(line, len)) {
            s->server_broken = 1;
            return;
        }
        reply_line(s, line, len);
    }
}
