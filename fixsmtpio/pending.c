#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "exitcodes.h"
#include "pending.h"
#include "safetext.h"
#include "verbs.h"

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

const char *const local_text[] = {too_long,    nul_in_command, cr_in_command,
                                  bdat_syntax, bdat_unoffered, tls_unoffered,
                                  tls_twice,   tls_ready,      tls_unavailable,
                                  tls_first};

__attribute__((noinline)) void
debug_print(char step, const char *p1, size_t len1, const char *p2, size_t len2)
{
    char text1[300], text2[600];
    safetext(text1, sizeof text1, p1, len1);
    safetext(text2, sizeof text2, p2, len2);
    /* fixsmtpio: debug: ID: pid N: 1 EHLO client.example */
    char line[1100];
    size_t k = log_prefix(line, sizeof line, "debug");
    int n = snprintf(line + k, sizeof line - k, "pid %ld: %c %s%s\n",
                     (long)getpid(), step, text1, text2);
    if (n > 0) {
        size_t len = k + (size_t)n;
        if (len >= sizeof line) { /* cut, and still one line */
            len = sizeof line - 1;
            line[len - 1] = '\n';
        }
        ssize_t w = write(2, line, len);
        (void)w;
    }
}

void put_line(struct outbuf *ob, const char *a, size_t alen, const char *b,
              size_t blen)
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

void to_client(struct session *s, const char *line, size_t len)
{
    debug(s, '4', line, len);
    put_line(&s->to_client, NULL, 0, line, len);
}

void queue_local(struct session *s, enum local_reply which)
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
void flush_local_now(struct session *s)
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

struct request *queue_server(struct session *s, enum request_kind kind,
                             const char *verb, size_t len)
{
    struct request *r = queue_push(s);
    r->kind = (unsigned char)kind;
    /* Pipelined commands come in runs of the same verb (RCPT): the last
     * lookup is kept. */
    struct verb_cache *c = &s->last_verb;
    if (!c->valid || c->len != len || memcmp(c->word, verb, len) != 0) {
        c->event = ruleview_event(s->view, verb, len);
        c->event_ref = event_ref(s, c->event);
        c->plain = (unsigned char)plain_replies(c->event);
        c->fixup = (unsigned char)fixup_kind_of(verb, len);
        c->verb = (unsigned char)verb_of(verb, len);
        c->reserved = (unsigned char)rules_event_reserved(verb, len);
        /* A word too long to keep is looked up again every time. */
        c->valid = len <= sizeof c->word;
        c->len = c->valid ? len : 0;
        memcpy(c->word, verb, c->len);
        /* What head holds past the word is masked off. */
        unsigned char mask[8] = {0};
        memset(mask, 0xff, c->len < 8 ? c->len : 8);
        memcpy(&c->head, c->word, 8);
        memcpy(&c->head_mask, mask, 8);
    }
    r->event = c->event_ref;
    r->fixup = c->fixup;
    r->plain = c->plain;
    return r;
}
