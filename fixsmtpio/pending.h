/* Between the two sides of a session (requests.c, the client's; replies.c,
 * the server's): the queue of requests waiting for their replies, in which
 * fixsmtpio's own replies wait for their turn too, and the output and the
 * debug log both sides write to. Internal to the session's files. */
#ifndef PENDING_H
#define PENDING_H

#include <stddef.h>
#include <string.h>

#include "passrun.h"
#include "session.h"

/* A queued reply of fixsmtpio's own is an index into local_text. */
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
extern const char *const local_text[];

/* What struct request's bit fields must hold. */
_Static_assert(REQ_REFUSED < 16 && FIXUP_HELP < 8 && LOCAL_TLS_FIRST < 16,
               "struct request's fields are too narrow");
_Static_assert(sizeof(struct request) == 8, "struct request grew");

/* struct request's plain: which first digits of a reply line no rule of
 * ev can match. */
static inline unsigned plain_replies(const struct rules_event *ev)
{
    unsigned bits = 0;
    for (unsigned d = 0; d < 4; d++)
        if (!rules_event_may_match(ev, (unsigned char)('2' + d)))
            bits |= 1u << d;
    return bits;
}

/* Whether line (len bytes) starts with the last verb looked up, c. */
static inline int starts_with_verb(const struct verb_cache *c, const char *line,
                                   size_t len)
{
    if (c->len <= 8 && len >= 8) {
        uint64_t x;
        memcpy(&x, line, 8);
        return ((x ^ c->head) & c->head_mask) == 0;
    }
    return len >= c->len && memcmp(line, c->word, c->len) == 0;
}

/* A request's event, kept as an index in the session's rules. */
static inline const struct rules_event *request_event(const struct session *s,
                                                      const struct request *r)
{
    return r->event ? &s->view->events[r->event - 1] : NULL;
}
static inline uint32_t event_ref(const struct session *s,
                                 const struct rules_event *ev)
{
    return ev ? (uint32_t)(ev - s->view->events) + 1 : 0;
}

/* A free slot at the end of the queue, zeroed; NULL when it is full. */
static inline struct request *queue_push(struct session *s)
{
    if (s->qlen == QUEUE_LIMIT)
        return NULL;
    struct request *r = &s->queue[(s->qhead + s->qlen++) % QUEUE_LIMIT];
    memset(r, 0, sizeof *r);
    return r;
}
static inline struct request queue_pop(struct session *s)
{
    struct request r = s->queue[s->qhead];
    s->qhead = (s->qhead + 1) % QUEUE_LIMIT;
    s->qlen--;
    return r;
}
/* A request that goes to the server, with the rules of its verb. */
struct request *queue_server(struct session *s, enum request_kind kind,
                             const char *verb, size_t len);
/* A reply of fixsmtpio's own, to go out in its turn. */
void queue_local(struct session *s, enum local_reply which);
/* Whether one of fixsmtpio's own replies (or a refused message's) has its
 * turn: flush_local_now() then sends it. */
static inline int local_turn(const struct session *s)
{
    return s->qlen && s->queue[s->qhead].kind >= REQ_LOCAL;
}
/* Sends fixsmtpio's own replies whose turn has come. */
void flush_local_now(struct session *s);
static inline void flush_local(struct session *s)
{
    if (local_turn(s))
        flush_local_now(s);
}

/* Appends a and b and CR LF to ob in one go; the caller made room. */
void put_line(struct outbuf *ob, const char *a, size_t alen, const char *b,
              size_t blen);
/* Sends prepend, line and CR LF to the run's output. raw is the length
 * the line had in the reader's buffer with its line end (0 when it does
 * not come from there): with no prepend, raw == len + 2 says its bytes are
 * line and CR LF as they are to go out, and they join the run; any other
 * line is copied, after what the run gathered. */
static inline void pass_line(struct passrun *run, const char *prepend,
                             size_t plen, const char *line, size_t len,
                             size_t raw)
{
    if (plen == 0 && raw == len + 2) {
        passrun_add(run, line, raw);
        return;
    }
    passrun_flush(run);
    put_line(run->ob, prepend, plen, line, len);
}
/* A line to the client, logged. */
void to_client(struct session *s, const char *line, size_t len);

/* FIXSMTPIODEBUG: one line per step, printable, cut short when long. */
void debug_print(char step, const char *p1, size_t len1, const char *p2,
                 size_t len2);
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

#endif
