/* One command line of SMTP or POP3, split into its verb and argument, and
 * the verb found in a protocol's table: authup's and fixsmtpio's. Pure, for
 * tests and fuzzing. */
#ifndef COMMAND_H
#define COMMAND_H

#include <stddef.h>

struct command {
    const char *verb; /* the first word */
    size_t verblen;
    const char *arg; /* after the first space; "" when there is none */
    size_t arglen;
    int has_arg; /* a space followed the verb */
};

/* Splits line[0..len) (its CR LF or LF already removed). Returns -1 when
 * the line holds a NUL (which no command may), else 0; cmd is filled
 * either way. */
int command_split(const char *line, size_t len, struct command *cmd);

/* The index of cmd's verb in names (a NULL-terminated list of upper-case
 * words, compared ignoring ASCII case), or -1. */
int command_find(const struct command *cmd, const char *const names[]);

/* The line without its line end: LF, or CR LF. */
size_t command_chomp(const char *line, size_t len);

#endif
