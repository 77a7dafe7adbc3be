/* Renormalising a multi-line reply's continuation markers as it streams. */
#ifndef RENORM_H
#define RENORM_H

#include <stddef.h>

#include "rules.h"

#define RENORM_LINE_MAX REPLY_LINE_MAX

/* Receives each finished line without its CR LF. Returns 0, or -1 to report
 * a failure back to the caller. */
typedef int renorm_sink(void *ctx, const char *line, size_t len);

struct renorm {
    char held[RENORM_LINE_MAX + 1];
    size_t len;
    int have;
};

void renorm_start(struct renorm *rn);
/* Takes one line of the reply (a reply code first, or any text, which keeps
 * its bytes); sends the one held before it as a continuation. */
int renorm_line(struct renorm *rn, const char *line, size_t len,
                renorm_sink *sink, void *ctx);
/* The last line of the reply: sends the held one as a continuation and this
 * one as the last, without holding it. */
int renorm_last(struct renorm *rn, const char *line, size_t len,
                renorm_sink *sink, void *ctx);
/* The reply is over: sends the held line as the last one. A reply whose
 * every line was removed sends nothing. */
int renorm_end(struct renorm *rn, renorm_sink *sink, void *ctx);

#endif
