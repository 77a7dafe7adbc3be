#include <string.h>

#include "textlines.h"

size_t textlines_next(const char *text, size_t len, size_t *at,
                      const char **line)
{
    *line = text + *at;
    const char *lf = memchr(*line, '\n', len - *at);
    size_t n = lf ? (size_t)(lf - *line) : len - *at;
    *at += n + 1;
    return n;
}
