#include <string.h>

#include "loginlimits.h"
#include "textlines.h"

void limits_default(struct limits *l)
{
    l->address_failures = 10;
    l->address_window = 600;
    l->account_failures = 30;
    l->account_window = 600;
    l->known = 30UL * 24 * 3600;
}

struct cursor {
    const char *s;
    size_t len, at;
};

static void blanks(struct cursor *c)
{
    while (c->at < c->len &&
           (c->s[c->at] == ' ' || c->s[c->at] == '\t' || c->s[c->at] == '\r'))
        c->at++;
}

/* A decimal number of at most max after blanks: 0, or -1. */
static int number(struct cursor *c, unsigned long max, unsigned long *out)
{
    blanks(c);
    unsigned long v = 0;
    size_t start = c->at;
    while (c->at < c->len && c->s[c->at] >= '0' && c->s[c->at] <= '9') {
        v = v * 10 + (unsigned long)(c->s[c->at++] - '0');
        if (v > max) {
            c->at = start; /* the column names the number */
            return -1;
        }
    }
    if (c->at == start)
        return -1;
    *out = v;
    return 0;
}

static int word(struct cursor *c, const char *w)
{
    size_t n = strlen(w);
    if (c->len - c->at < n || memcmp(c->s + c->at, w, n) != 0)
        return 0;
    if (c->at + n < c->len && c->s[c->at + n] != ' ' && c->s[c->at + n] != '\t')
        return 0;
    c->at += n;
    return 1;
}

/* One line's setting: NULL, or what is wrong at c->at. */
static const char *setting(struct limits *l, struct cursor *c)
{
    unsigned long *count = NULL, *seconds;
    if (word(c, "address")) {
        count = &l->address_failures;
        seconds = &l->address_window;
    } else if (word(c, "account")) {
        count = &l->account_failures;
        seconds = &l->account_window;
    } else if (word(c, "known")) {
        seconds = &l->known;
    } else {
        return "expected address, account or known";
    }
    if (count && number(c, LIMIT_COUNT_MAX, count) < 0)
        return "expected a number of failures (at most 100000)";
    blanks(c);
    size_t at = c->at;
    if (number(c, LIMIT_SECONDS_MAX, seconds) < 0 || *seconds == 0) {
        c->at = at;
        return "expected a number of seconds (1 to 31622400)";
    }
    blanks(c);
    return c->at < c->len ? "expected the end of the line" : NULL;
}

size_t limits_parse(struct limits *l, const char *text, size_t len, size_t *col,
                    const char **why)
{
    limits_default(l);
    size_t line = 0;
    for (size_t at = 0; at < len; line++) {
        const char *p;
        size_t n = textlines_next(text, len, &at, &p);
        struct cursor c = {p, n, 0};
        blanks(&c);
        if (c.at < n && p[c.at] != '#') {
            *why = setting(l, &c);
            if (*why) {
                *col = c.at + 1;
                return line + 1;
            }
        }
    }
    return 0;
}
