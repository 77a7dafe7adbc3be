#include <string.h>

#include "dataend.h"

enum {
    AT_LINE_START, /* after CR LF, or where the data begins */
    AT_MADE_START, /* after a bare LF, sent as CR LF */
    AFTER_DOT,     /* "." at a real line start, held back */
    AFTER_DOT_CR,  /* ".\r" at a real line start, held back */
    IN_LINE,       /* inside a line */
    AFTER_CR       /* inside a line, just after a CR, held back */
};

void dataend_start(struct dataend *d)
{
    d->state = AT_LINE_START;
    d->refused = DATAEND_CLEAN;
    d->seen = 0;
    d->refused_at = 0;
}

struct scan {
    struct dataend *d;
    const char *in;
    char *out;
    size_t o;
};

static void put(struct scan *s, const char *p, size_t n)
{
    if (s->d->refused || n == 0)
        return;
    memcpy(s->out + s->o, p, n);
    s->o += n;
}

/* The offending byte is at offset at of this scan's input; a CR held back
 * from the scan before is at -1. */
static void refuse(struct scan *s, enum dataend_refusal why, size_t at,
                   int before)
{
    if (s->d->refused)
        return;
    s->d->refused = why;
    s->d->refused_at = s->d->seen + at - (uint64_t)before;
}

/* Inside a line: everything up to the next LF in one go. Returns the bytes
 * taken; sets *state. */
static size_t in_line(struct scan *s, size_t i, size_t len, int *state)
{
    const char *seg = s->in + i;
    const char *lf = memchr(seg, '\n', len - i);
    size_t n = lf ? (size_t)(lf - seg) : len - i;
    /* A CR may stand only right before the LF; at the end of the input it
     * waits for the next byte. */
    int last_cr = n > 0 && seg[n - 1] == '\r';
    size_t body = n - (size_t)last_cr;
    if (!s->d->refused) {
        const char *nul = memchr(seg, 0, n);
        const char *cr = memchr(seg, '\r', body);
        const char *bad = nul && (!cr || nul < cr) ? nul : cr;
        if (bad) {
            put(s, seg, (size_t)(bad - seg));
            refuse(s, bad == nul ? DATAEND_NUL : DATAEND_BARE_CR,
                   i + (size_t)(bad - seg), 0);
        }
    }
    put(s, seg, body);
    if (!lf) {
        *state = last_cr ? AFTER_CR : IN_LINE;
        return n;
    }
    put(s, "\r\n", 2); /* a bare LF becomes CR LF */
    *state = last_cr ? AT_LINE_START : AT_MADE_START;
    return n + 1;
}

size_t dataend_scan(struct dataend *d, const char *in, size_t len, char *out,
                    size_t *outlen, int *done)
{
    struct scan s = {d, in, out, 0};
    size_t i = 0;
    int st = d->state;
    *done = 0;
    while (i < len) {
        char c = in[i];
        switch (st) {
        case AT_LINE_START:
        case AT_MADE_START:
            if (c != '.') {
                st = IN_LINE;
                continue;
            }
            i++;
            if (st == AT_LINE_START) {
                st = AFTER_DOT;
            } else {
                put(&s, "..", 2); /* a line made here: stuffed */
                st = IN_LINE;
            }
            continue;
        case AFTER_DOT:
            if (c == '\r') {
                i++;
                st = AFTER_DOT_CR;
            } else if (c == '\n') {
                /* ".\n": the stuffing dot of an empty line, then a bare LF. */
                i++;
                put(&s, "\r\n", 2);
                st = AT_MADE_START;
            } else {
                put(&s, ".", 1);
                st = IN_LINE;
            }
            continue;
        case AFTER_DOT_CR:
            if (c == '\n') {
                put(&s, ".\r\n", 3);
                i++;
                d->state = AT_LINE_START;
                d->seen += i;
                *outlen = s.o;
                *done = 1;
                return i;
            }
            put(&s, ".", 1);
            refuse(&s, DATAEND_BARE_CR, i, 1);
            st = IN_LINE; /* c is looked at again there */
            continue;
        case AFTER_CR:
            if (c == '\n') {
                put(&s, "\r\n", 2);
                i++;
                st = AT_LINE_START;
                continue;
            }
            refuse(&s, DATAEND_BARE_CR, i, 1);
            st = IN_LINE;
            continue;
        default:
            i += in_line(&s, i, len, &st);
        }
    }
    d->state = st;
    d->seen += i;
    *outlen = s.o;
    return i;
}
