/* The variable block of ucspi-tls(2) as the TLS engine writes it:
 * NAME=value entries, each ending in a NUL, then one more NUL (a block with
 * no entry is a lone NUL). The values come from the peer (its certificate,
 * the server name it asked for) and are made safe for an environment and
 * a log line: a NUL, another control character or DEL becomes '?', and a
 * value longer than VARBLOCK_VALUE_MAX is left out whole rather than cut,
 * so that no truncated name can match a rule. Names must be
 * [A-Z_][A-Z0-9_]*. Nothing here prints or exits. */
#ifndef VARBLOCK_H
#define VARBLOCK_H

#include <stddef.h>

#include "bytes.h"

#define VARBLOCK_VALUE_MAX 1024

/* Appends name=value[0..len) and its NUL. 1 added, 0 left out (too long),
 * -1 with errno: EINVAL (a bad name), ENOMEM, or E2BIG (past b->max). */
int varblock_add(struct bytes *b, const char *name, const char *value,
                 size_t len);
/* The same for a C string value. */
int varblock_adds(struct bytes *b, const char *name, const char *value);
/* Ends the block. 0, or -1 with errno. */
int varblock_end(struct bytes *b);

#endif
