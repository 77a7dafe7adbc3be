#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "creds.h"
#include "die.h"
#include "exitcodes.h"

struct tally {
    int errors, warnings;
};

static void report(void *ctx, int warning, const char *message)
{
    struct tally *t = ctx;
    if (warning) {
        t->warnings++;
        warn_msg("%s", message);
    } else {
        t->errors++;
        error_msg("%s", message);
    }
}

/* What the engine gives up its privileges to. */
static void check_privs(const struct config *cfg, struct tally *t)
{
    char msg[512];
    if (!cfg->set_uid) {
        report(t, 1,
               "TLS_UID and TLS_GID are not set: the TLS engine would "
               "keep root's ids");
    } else if (!getpwuid(cfg->uid)) {
        snprintf(msg, sizeof msg,
                 "TLS_UID %lu: no user has this uid (id -u of an account of "
                 "the engine's own was meant?)",
                 (unsigned long)cfg->uid);
        report(t, 1, msg);
    }
    if (cfg->set_gid && !getgrgid(cfg->gid)) {
        snprintf(msg, sizeof msg, "TLS_GID %lu: no group has this gid",
                 (unsigned long)cfg->gid);
        report(t, 1, msg);
    }
    if (cfg->set_uid && cfg->uid == 0)
        report(t, 1, "TLS_UID is 0: the TLS engine would run as root");
    if (cfg->set_gid && cfg->gid == 0)
        report(t, 1, "TLS_GID is 0: the TLS engine would keep root's group");
    struct stat st;
    if (cfg->chroot && (stat(cfg->chroot, &st) < 0 || !S_ISDIR(st.st_mode))) {
        snprintf(msg, sizeof msg,
                 "unable to use TLS_CHROOT %s: not a directory", cfg->chroot);
        report(t, 0, msg);
    } else if (cfg->chroot && (st.st_mode & 022)) {
        snprintf(msg, sizeof msg,
                 "TLS_CHROOT %s may be written by others than its owner: "
                 "an empty directory of root's, mode 0755, is meant",
                 cfg->chroot);
        report(t, 1, msg);
    }
}

int check_settings(struct config *cfg, char *const *envp)
{
    struct tally t = {0, 0};
    char err[1024];
    if (geteuid() != 0)
        report(&t, 1,
               "not run as root: files only root may read look "
               "unreadable here");
    if (config_env(cfg, envp, err, sizeof err) < 0) {
        report(&t, 0, err);
    } else {
        creds_check(cfg, time(NULL), report, &t);
        check_privs(cfg, &t);
    }
    config_free(cfg);
    info_msg("%d error%s, %d warning%s: %s", t.errors, t.errors == 1 ? "" : "s",
             t.warnings, t.warnings == 1 ? "" : "s",
             t.errors ? "connections would fail (with STARTTLS, they would "
                        "go on without TLS)"
                      : "it would serve");
    return t.errors ? EXIT_PERM : EXIT_OK;
}
