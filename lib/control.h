/* qmail control files. They live in $CONTROLDIR when that is set, else in
 * QMAILHOME/control (QMAILHOME is fixed at build time, default /var/qmail).
 * As in qmail: a missing file means the documented default, an unreadable
 * one is a temporary failure; control_readline() and control_readulong()
 * drop trailing spaces, tabs and CRs from the line they read, while
 * control_readfile() gives the bytes as they are, for callers that split
 * and trim lines their own way. */
#ifndef CONTROL_H
#define CONTROL_H

#include <stddef.h>

#include "bytes.h"

#ifndef QMAILHOME
#define QMAILHOME "/var/qmail"
#endif

const char *control_dir(void);
/* dir/name into out. 0, or -1 (errno ENAMETOOLONG). */
int control_path(char *out, size_t size, const char *name);

/* The first line of the file, without its end, into out (NUL-terminated).
 * Returns 1 when read, 0 when the file does not exist, -1 on error (errno;
 * E2BIG when the line does not fit). An empty first line counts as read. */
int control_readline(const char *name, char *out, size_t size);
/* The name a greeting says, as qmail-smtpd and qmail-popup find it: the
 * first line of name (smtpgreeting, pop3greeting), else of me. 1 read; 0
 * when neither exists and -1 on error (errno), with a message naming the
 * files and what to do in why, for the caller to die with. */
int control_greeting(const char *name, char *out, size_t size, char *why,
                     size_t whysize);
/* A non-negative decimal number from the first line. 1 read, 0 missing
 * (value set to def), -1 on error (errno EINVAL when it is not a number). */
int control_readulong(const char *name, unsigned long *value,
                      unsigned long def);
/* The whole file into out (at most max bytes). 1, 0 (missing) or -1 (errno;
 * E2BIG when longer than max). */
int control_readfile(const char *name, struct bytes *out, size_t max);
/* A path's whole file, the same way. */
int file_read(const char *path, struct bytes *out, size_t max);

#endif
