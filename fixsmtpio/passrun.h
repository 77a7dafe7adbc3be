/* Lines that go on exactly as they came, CR LF and all (a pipelined
 * client's RCPTs, the server's "250 ok" to each): while they lie one after
 * another in the reader's buffer they are gathered, and copied to the
 * output in one go rather than one by one. What is gathered counts as
 * queued output (passrun_room(), passrun_pending()); the caller writes it
 * out (passrun_flush()) before anything else goes to the same output, and
 * before the reader's buffer can change (its next fill or discard). */
#ifndef PASSRUN_H
#define PASSRUN_H

#include <stddef.h>

#include "outbuf.h"

struct passrun {
    struct outbuf *ob;
    const char *p; /* the first byte gathered */
    size_t len;    /* bytes gathered from p on */
    /* ob_room() and ob_pending() when the run began: the output does not
     * change while the run holds bytes. */
    size_t room, queued;
};

static inline void passrun_start(struct passrun *r, struct outbuf *ob)
{
    r->ob = ob;
    r->p = NULL;
    r->len = r->room = r->queued = 0;
}

/* Appends what is gathered to the output; the caller made room. */
void passrun_flush(struct passrun *r);

/* Gathers len bytes at p, to go out after those gathered before: at once
 * when they do not follow them in memory. */
static inline void passrun_add(struct passrun *r, const char *p, size_t len)
{
    if (r->len && p != r->p + r->len)
        passrun_flush(r);
    if (r->len == 0) {
        r->p = p;
        r->room = ob_room(r->ob);
        r->queued = ob_pending(r->ob);
    }
    r->len += len;
}

static inline size_t passrun_room(const struct passrun *r)
{
    return r->len ? r->room - r->len : ob_room(r->ob);
}

static inline size_t passrun_pending(const struct passrun *r)
{
    return r->len ? r->queued + r->len : ob_pending(r->ob);
}

#endif
