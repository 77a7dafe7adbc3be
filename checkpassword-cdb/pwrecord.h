/* One record of control/passwd, and of the cdb built from it:
 *   name:hash:uid:gid:home
 * name    1 to 255 bytes of printable ASCII (0x21-0x7e) other than ':';
 * hash    a crypt(3) hash of a kind hashtext.h accepts;
 * uid     a decimal number from 0 to 4294967294 (the policy on 0 is the
 *         caller's);
 * gid     the same;
 * home    an absolute path of 1 to 4095 bytes of printable ASCII or space
 *         (0x20-0x7e) other than ':'.
 * A pure function: bytes in, status out; the fields point into the line. */
#ifndef PWRECORD_H
#define PWRECORD_H

#include <stddef.h>
#include <sys/types.h>

#include "hashtext.h"

#define PWRECORD_NAME_MAX 255
#define PWRECORD_HOME_MAX 4095
/* The longest well-formed record. */
#define PWRECORD_MAX                                                           \
    (PWRECORD_NAME_MAX + 1 + HASHTEXT_MAX + 1 + 10 + 1 + 10 + 1 +              \
     PWRECORD_HOME_MAX)

enum pwrecord_status {
    PWRECORD_OK = 0,
    PWRECORD_FIELDS,        /* not five fields */
    PWRECORD_NAME_EMPTY,    /* an empty name */
    PWRECORD_NAME_LONG,     /* a name longer than PWRECORD_NAME_MAX */
    PWRECORD_NAME_COLON,    /* a ':' in a name */
    PWRECORD_NAME_BYTE,     /* a name byte that is not printable ASCII */
    PWRECORD_HASH,          /* the hash is refused (hash_status says why) */
    PWRECORD_UID,           /* the uid is not a number in range */
    PWRECORD_GID,           /* the gid is not a number in range */
    PWRECORD_HOME_EMPTY,    /* an empty home */
    PWRECORD_HOME_RELATIVE, /* a home not starting with '/' */
    PWRECORD_HOME_LONG,     /* a home longer than PWRECORD_HOME_MAX */
    PWRECORD_HOME_COLON,    /* a ':' in a home */
    PWRECORD_HOME_BYTE /* a home byte that is neither printable nor space */
};

struct pwrecord {
    const char *name;
    size_t name_len;
    const char *hash;
    size_t hash_len;
    uid_t uid;
    gid_t gid;
    const char *home;
    size_t home_len;
    enum hashtext_status hash_status; /* why the hash was refused */
};

/* Splits and checks line[0..len), which holds no line end. */
enum pwrecord_status pwrecord_parse(const char *line, size_t len,
                                    struct pwrecord *r);
/* The checks of single fields, for values given on a command line:
 * PWRECORD_OK or the status pwrecord_parse() would give. */
enum pwrecord_status pwrecord_check_name(const char *name, size_t len);
enum pwrecord_status pwrecord_check_home(const char *home, size_t len);
/* A uid or gid: 1 to 10 digits, at most 4294967294. 0, or -1. */
int pwrecord_id(const char *s, size_t len, unsigned long *id);
/* A short English text for a status (for PWRECORD_HASH: the hash's). */
const char *pwrecord_strerror(enum pwrecord_status status,
                              enum hashtext_status hash_status);

#endif
