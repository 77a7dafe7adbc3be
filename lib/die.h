/* Messages on stderr in one format, and the functions that exit.
 *   prog: fatal: unable to <verb> <object>: <reason>
 *   prog: warning: <text>
 * On a connection with a session ID (lib/sessionid.h), it follows the
 * kind: "prog: warning: 4f1c2a9e0b7d3e65: <text>". progname must be set by
 * main() before any of these is called. */
#ifndef DIE_H
#define DIE_H

#include <stdarg.h>
#include <stddef.h>

extern const char *progname;

__attribute__((noreturn)) void die_usage(const char *usage);
/* With "--version" as the only argument: prints "progname VERSION" on
 * stdout and exits 0. Otherwise returns. */
void die_if_version(int argc, char **argv);
__attribute__((noreturn)) void die_sys(int code, const char *verb,
                                       const char *object);
__attribute__((noreturn, format(printf, 2, 3))) void
die_msg(int code, const char *fmt, ...);
__attribute__((noreturn)) void die_nomem(void);
__attribute__((format(printf, 1, 2))) void warn_msg(const char *fmt, ...);
/* A problem a check mode (-C) found: "prog: error: <text>". */
__attribute__((format(printf, 1, 2))) void error_msg(const char *fmt, ...);
void warn_sys(const char *verb, const char *object);
__attribute__((format(printf, 1, 2))) void info_msg(const char *fmt, ...);
/* Writes "prog: kind: " and the session ID (if any) into out, for a line
 * formatted elsewhere; returns its length (0 if it does not fit). */
size_t log_prefix(char *out, size_t size, const char *kind);

#endif
