/* Continuation markers made right again after rules removed or added lines:
 * every line but the last says NNN-, the last NNN . One line is held back
 * until the next arrives or the reply ends, so memory stays one line. A
 * line without a reply code (a rule's response may be any text) goes as it
 * is: it has no marker to set. */
#include <string.h>

#include "renorm.h"

static int coded(const char *s, size_t len)
{
    if (len < 3 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
        s[2] < '0' || s[2] > '9')
        return 0;
    return len == 3 || s[3] == ' ' || s[3] == '-';
}

void renorm_start(struct renorm *rn)
{
    rn->len = 0;
    rn->have = 0;
}

static int emit(struct renorm *rn, char marker, renorm_sink *sink, void *ctx)
{
    rn->have = 0;
    char *s = rn->held;
    size_t len = rn->len;
    if (!coded(s, len))
        return sink(ctx, s, len);
    if (len == 3) {
        /* A bare code: a continuation line needs its marker. */
        if (marker == ' ')
            return sink(ctx, s, 3);
        s[3] = marker;
        return sink(ctx, s, 4);
    }
    s[3] = marker;
    return sink(ctx, s, len);
}

int renorm_line(struct renorm *rn, const char *line, size_t len,
                renorm_sink *sink, void *ctx)
{
    int r = 0;
    if (rn->have)
        r = emit(rn, '-', sink, ctx);
    if (len > RENORM_LINE_MAX)
        len = RENORM_LINE_MAX;
    memcpy(rn->held, line, len);
    rn->len = len;
    rn->have = 1;
    return r;
}

int renorm_last(struct renorm *rn, const char *line, size_t len,
                renorm_sink *sink, void *ctx)
{
    if (rn->have && emit(rn, '-', sink, ctx) < 0)
        return -1;
    if (!coded(line, len) || len == 3 || line[3] == ' ')
        return sink(ctx, line, len); /* already right: no copy */
    renorm_line(rn, line, len, sink, ctx);
    return emit(rn, ' ', sink, ctx);
}

int renorm_end(struct renorm *rn, renorm_sink *sink, void *ctx)
{
    if (!rn->have)
        return 0;
    return emit(rn, ' ', sink, ctx);
}
