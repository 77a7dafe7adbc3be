/* Walking the lines of a control file's bytes, for the parsers that work on
 * buffers: each line without its LF (a CR, if any, stays for the caller to
 * trim); the last line need not end in LF. */
#ifndef TEXTLINES_H
#define TEXTLINES_H

#include <stddef.h>

/* The line that starts at *at (which must be below len): *line points at
 * it, its length is returned, and *at moves past its LF. */
size_t textlines_next(const char *text, size_t len, size_t *at,
                      const char **line);

#endif
