#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"

static int failed(char *err, size_t errsize, const char *what, unsigned long id)
{
    snprintf(err, errsize, "unable to %s %lu: %s", what, id, strerror(errno));
    return -1;
}

int privs_drop(const struct config *c, char *err, size_t errsize)
{
    if (c->chroot && (chroot(c->chroot) < 0 || chdir("/") < 0)) {
        snprintf(err, errsize, "unable to chroot to TLS_CHROOT %s: %s",
                 c->chroot, strerror(errno));
        return -1;
    }
    if (c->set_gid) {
        if (geteuid() == 0 && setgroups(1, &c->gid) < 0)
            return failed(err, errsize, "set the groups to TLS_GID", c->gid);
        if (setresgid(c->gid, c->gid, c->gid) < 0)
            return failed(err, errsize, "set TLS_GID", c->gid);
    }
    if (c->set_uid) {
        if (setresuid(c->uid, c->uid, c->uid) < 0)
            return failed(err, errsize, "set TLS_UID", c->uid);
        uid_t r, e, s;
        /* Once it is not root, the way back must be closed. */
        if (getresuid(&r, &e, &s) < 0 || r != c->uid || e != c->uid ||
            s != c->uid || (c->uid != 0 && setuid(0) == 0)) {
            errno = EPERM;
            return failed(err, errsize, "keep TLS_UID", c->uid);
        }
    }
    return 0;
}
