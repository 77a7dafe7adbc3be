#include <string.h>

#include "dataend.h"

enum {
    AT_LINE_START, /* after CR LF, or where the data begins */
    AT_MADE_START, /* after a bare LF, sent as CR LF */
    AFTER_DOT,     /* "." at a real line start, held back */
    AFTER_DOT_CR,  /* ".\r" at a real line start, held back */
    IN_LINE,       /* inside a line */
    AFTER_CR       /* inside a line, just after a CR */
};

void dataend_start(struct dataend *d)
{
    d->state = AT_LINE_START;
}

size_t dataend_scan(struct dataend *d, const char *in, size_t len, char *out,
                    size_t *outlen, int *done)
{
    size_t i = 0, o = 0;
    int st = d->state;
    *done = 0;
    while (i < len) {
        char c = in[i];
        switch (st) {
        case AT_LINE_START:
        case AT_MADE_START:
            if (c == '.') {
                i++;
                if (st == AT_LINE_START) {
                    st = AFTER_DOT;
                } else {
                    out[o++] = '.';
                    out[o++] = '.';
                    st = IN_LINE;
                }
                continue;
            }
            st = IN_LINE;
            continue;
        case AFTER_DOT:
            if (c == '\r') {
                i++;
                st = AFTER_DOT_CR;
                continue;
            }
            if (c == '\n') {
                /* ".\n": the stuffing dot of an empty line, then a bare LF. */
                i++;
                out[o++] = '\r';
                out[o++] = '\n';
                st = AT_MADE_START;
                continue;
            }
            out[o++] = '.';
            st = IN_LINE;
            continue;
        case AFTER_DOT_CR:
            out[o++] = '.';
            out[o++] = '\r';
            if (c == '\n') {
                out[o++] = '\n';
                i++;
                d->state = AT_LINE_START;
                *outlen = o;
                *done = 1;
                return i;
            }
            st = IN_LINE; /* c is looked at again there */
            continue;
        default: {
            /* Inside a line only an LF matters; copy up to it in one go. */
            const char *lf = memchr(in + i, '\n', len - i);
            size_t n = lf ? (size_t)(lf - (in + i)) : len - i;
            if (n) {
                memcpy(out + o, in + i, n);
                o += n;
                i += n;
                st = in[i - 1] == '\r' ? AFTER_CR : IN_LINE;
            }
            if (!lf)
                break;
            i++;
            if (st == AFTER_CR) {
                out[o++] = '\n';
                st = AT_LINE_START;
            } else {
                out[o++] = '\r';
                out[o++] = '\n';
                st = AT_MADE_START;
            }
        }
        }
    }
    d->state = st;
    *outlen = o;
    return i;
}
