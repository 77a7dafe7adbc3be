/* Becoming the user a record names, as a checkpassword program does before
 * it execs: USER, HOME and SHELL set; the groups, the gid and the uid set
 * to the record's (in that order) and checked; the working directory made
 * HOME, as the user. Run by a user who already has exactly the record's
 * uid and gid (and is not root), the ids are left as they are, groups
 * included. Nothing here prints or exits. */
#ifndef BECOME_H
#define BECOME_H

#include <sys/types.h>

/* The SHELL set: the records have no shell field, and these users are
 * mail users, not login accounts. */
#define BECOME_SHELL "/bin/sh"

enum become_step {
    BECOME_OK = 0,
    BECOME_ENV,    /* setenv failed (errno) */
    BECOME_GROUPS, /* setgroups failed (errno) */
    BECOME_GID,    /* setgid failed (errno) */
    BECOME_UID,    /* setuid failed (errno) */
    BECOME_CHECK,  /* the ids are not the record's after all (errno EPERM) */
    BECOME_CHDIR   /* chdir to home failed (errno) */
};

enum become_step become(const char *name, uid_t uid, gid_t gid,
                        const char *home);
/* The verb of a failed step for "unable to <verb> <object>", where the
 * object is the home for BECOME_CHDIR and the name for every other step:
 * "set the uid of", "change directory to". */
const char *become_verb(enum become_step step);

#endif
