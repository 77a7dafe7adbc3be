/* The password database checkpassword-cdb reads: a tinycdb file, written
 * by cdbpasswd from control/passwd. Its keys:
 *   NAME      the record of NAME, the whole line name:hash:uid:gid:home
 *   :format   "cdbpasswd 1"
 *   :dummy    a hash of a random password with the cost of the records'
 *             most common kind, checked for names that are not there
 * No name holds a ':', so the two keys of the file's own never meet a name.
 *
 * Paths: the cdb is $PASSWDCDB, else control/passwd.cdb; the text is
 * $PASSWDFILE, else control/passwd (control.h says where control/ is).
 * Nothing here prints or exits. */
#ifndef PWDB_H
#define PWDB_H

#include <stddef.h>

#include "hashtext.h"
#include "pwrecord.h"

#define PWDB_FORMAT "cdbpasswd 1"

/* The cdb's path, and the text's, into out. 0, or -1 (ENAMETOOLONG). */
int pwdb_cdb_path(char *out, size_t size);
int pwdb_text_path(char *out, size_t size);

enum pwdb_status {
    PWDB_FOUND = 0,  /* rec, name, hash and home describe the name */
    PWDB_UNKNOWN,    /* no such name (or a name no record can have) */
    PWDB_MISSING,    /* the database does not exist */
    PWDB_FORMAT_BAD, /* not a database of this format, or a bad record */
    PWDB_ERROR       /* a system error: errno says which */
};

struct pwdb_entry {
    struct pwrecord rec; /* points into line */
    char line[PWRECORD_MAX + 1];
    char name[PWRECORD_NAME_MAX + 1]; /* rec's fields as C strings */
    char hash[HASHTEXT_MAX + 1];
    char home[PWRECORD_HOME_MAX + 1];
    char dummy[HASHTEXT_MAX + 1]; /* set whatever the answer */
};

/* Looks name[0..len) up in the cdb at path. Every answer but PWDB_MISSING
 * and PWDB_ERROR costs the same lookups, found or not. */
enum pwdb_status pwdb_lookup(const char *path, const char *name, size_t len,
                             struct pwdb_entry *e);

/* checkpassword-cdb -C: every record of the cdb at path parses, and its
 * name is its key; the format and the dummy hash are there. report gets
 * each problem; returns the number found, or -1 with errno when the file
 * cannot be read (ENOENT when it does not exist). */
typedef void pwdb_report_fn(void *ctx, const char *message);
int pwdb_check(const char *path, pwdb_report_fn *report, void *ctx);

#endif
