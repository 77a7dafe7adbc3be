#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <unistd.h>

#include "become.h"

static int already(uid_t uid, gid_t gid)
{
    return geteuid() != 0 && getuid() == uid && geteuid() == uid &&
           getgid() == gid && getegid() == gid;
}

/* The ids are the record's, and root's cannot come back. */
static int check(uid_t uid, gid_t gid, int groups_set)
{
    gid_t list[2];
    if (getuid() != uid || geteuid() != uid || getgid() != gid ||
        getegid() != gid)
        return -1;
    if (groups_set && (getgroups(2, list) != 1 || list[0] != gid))
        return -1;
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
        return -1;
    return 0;
}

enum become_step become(const char *name, uid_t uid, gid_t gid,
                        const char *home)
{
    if (setenv("USER", name, 1) < 0 || setenv("HOME", home, 1) < 0 ||
        setenv("SHELL", BECOME_SHELL, 1) < 0)
        return BECOME_ENV;
    int set = !already(uid, gid);
    if (set) {
        if (setgroups(1, &gid) < 0)
            return BECOME_GROUPS;
        if (setgid(gid) < 0)
            return BECOME_GID;
        if (setuid(uid) < 0)
            return BECOME_UID;
    }
    if (check(uid, gid, set) < 0) {
        errno = EPERM;
        return BECOME_CHECK;
    }
    if (chdir(home) < 0)
        return BECOME_CHDIR;
    return BECOME_OK;
}

const char *become_verb(enum become_step step)
{
    switch (step) {
    case BECOME_OK:
        return "do nothing with";
    case BECOME_ENV:
        return "set USER, HOME and SHELL for";
    case BECOME_GROUPS:
        return "set the groups of";
    case BECOME_GID:
        return "set the gid of";
    case BECOME_UID:
        return "set the uid of";
    case BECOME_CHECK:
        return "drop the other ids of";
    case BECOME_CHDIR:
        return "change directory to";
    }
    return "become";
}
