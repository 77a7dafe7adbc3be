/* Bytes from strangers, made fit for a log line: printable ASCII is kept,
 * everything else (and backslash) becomes \xHH, and the result is cut at a
 * bound with "..." so that a log line stays one short line. */
#ifndef SAFETEXT_H
#define SAFETEXT_H

#include <stddef.h>

/* Writes a NUL-terminated rendering of in[0..len) into out[0..size). */
void safetext(char *out, size_t size, const char *in, size_t len);
/* The same for the inside of a quoted value: '"' becomes \x22 too. */
void safequoted(char *out, size_t size, const char *in, size_t len);
/* The same for a word in a log line, such as a user name: only letters,
 * digits and "@._+-" are kept, every other byte becomes \xHH, so that the
 * word can hold no space or quote to confuse a log reader. */
void safeword(char *out, size_t size, const char *in, size_t len);

#endif
