/* The text form of the password database, control/passwd: one record a
 * line (pwrecord.h), every line a record: no comments, no empty lines, no
 * name twice. The last line may lack its LF. The entries are kept in file
 * order and written back as they were read, so that cdbpasswd's edits
 * change only the lines they are about.
 *
 * Nothing here reads files, prints or exits: the text comes in as bytes
 * and errors go to a callback. */
#ifndef PWFILE_H
#define PWFILE_H

#include <stddef.h>

#include "bytes.h"
#include "pwrecord.h"

struct pwentry {
    struct pwrecord rec; /* points into line */
    const char *line;    /* the record, without its LF */
    size_t len;
    unsigned lineno; /* where it was read; 0 for an entry made here */
    char *own;       /* line, when the entry owns it (else NULL) */
};

struct pwfile {
    struct pwentry *v;
    size_t n;
    size_t cap;
};

#define PWFILE_INIT                                                            \
    {                                                                          \
        0, 0, 0                                                                \
    }

/* Receives every error: the line it is on, and a message. */
typedef void pwfile_error_fn(void *ctx, unsigned lineno, const char *message);

/* Reads every record of text[0..len) into f (which must be empty), whose
 * lines then point into text. Returns the number of errors (each reported;
 * f then holds the good lines), or -1 with errno ENOMEM. */
int pwfile_parse(const char *text, size_t len, struct pwfile *f,
                 pwfile_error_fn *on_error, void *ctx);
/* The index of the entry for name, or -1. */
long pwfile_find(const struct pwfile *f, const char *name, size_t len);
/* A new record name:hash:uid:gid:home, checked as if read; owned by the
 * entry. PWRECORD_OK, a refusal (e->own is then NULL), or -1 with errno
 * ENOMEM. */
int pwentry_make(struct pwentry *e, const char *name, const char *hash,
                 unsigned long uid, unsigned long gid, const char *home);
/* Adds e at the end (f takes over what it owns). 0, or -1 (ENOMEM). */
int pwfile_append(struct pwfile *f, struct pwentry *e);
/* Puts e in the place of entry i, freeing what that one owned. */
void pwfile_replace(struct pwfile *f, size_t i, struct pwentry *e);
void pwfile_remove(struct pwfile *f, size_t i);
/* The file's text, one LF-ended line per entry, into out. 0, or -1. */
int pwfile_text(const struct pwfile *f, struct bytes *out);
void pwfile_free(struct pwfile *f);

#endif
