/* checkpassword-cdb: a checkpassword program (the interface of qmail-popup
 * and authup) that needs no system accounts. Reads name, password and
 * timestamp on fd 3, checks the password against the record of the name in
 * control/passwd.cdb ($PASSWDCDB), and runs prog as that user. Exit codes
 * are the interface's: 1 rejected, 2 misused, 111 temporary failure. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "become.h"
#include "die.h"
#include "sessionid.h"
#include "exitcodes.h"
#include "fd3.h"
#include "passhash.h"
#include "pwdb.h"
#include "safetext.h"
#include "wipe.h"

/* The caller's bytes, and the record: the password, and the hashes, are
 * wiped as soon as the check is done. */
static char up[FD3_MAX + 1];
static struct pwdb_entry entry;

static void wipe_all(void)
{
    wipe(up, sizeof up);
    wipe(entry.line, sizeof entry.line);
    wipe(entry.hash, sizeof entry.hash);
    wipe(entry.dummy, sizeof entry.dummy);
    wipe(&entry.rec, sizeof entry.rec);
}

/* Reads fd 3 to its end, or to one byte past the limit. */
static size_t read_fd3(void)
{
    size_t len = 0;
    while (len < sizeof up) {
        ssize_t r = read(3, up + len, sizeof up - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            wipe_all();
            die_sys(errno == EBADF ? EXIT_MISUSE : EXIT_TEMP, "read", "fd 3");
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(3);
    return len;
}

static void die_db(enum pwdb_status s, const char *path)
{
    wipe_all();
    if (s == PWDB_MISSING)
        die_msg(EXIT_TEMP,
                "unable to open %s: it does not exist (build it "
                "with cdbpasswd make)",
                path);
    if (s == PWDB_FORMAT_BAD)
        die_msg(EXIT_TEMP,
                "unable to read %s: not a database of format %s "
                "(rebuild it with cdbpasswd make)",
                path, PWDB_FORMAT);
    die_sys(EXIT_TEMP, "read", path);
}

/* 1 when the password is the record's; always the cost of one hash. */
static int check(const struct fd3 *in, const char *path)
{
    enum pwdb_status s = pwdb_lookup(path, in->name, in->name_len, &entry);
    if (s != PWDB_FOUND && s != PWDB_UNKNOWN)
        die_db(s, path);
    enum passhash_result r = passhash_verify(
        in->password, s == PWDB_FOUND ? entry.hash : NULL, entry.dummy);
    if (r == PASSHASH_UNUSABLE) {
        char name[64];
        safeword(name, sizeof name, in->name, in->name_len);
        warn_msg("crypt(3) cannot use the hash of %s in %s", name, path);
    }
    return r == PASSHASH_MATCH;
}

static void report(void *ctx, const char *message)
{
    (void)ctx;
    error_msg("%s", message);
}

/* -C: the database a login would read, readable by root alone, with every
 * record well formed. */
static int check_db(const char *path)
{
    int problems = 0;
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_uid != 0 || (st.st_mode & 077))) {
        error_msg("%s may be read by others than root (owner %ld, mode %04o): "
                  "chown root %s; chmod 600 %s",
                  path, (long)st.st_uid, (unsigned)(st.st_mode & 07777), path,
                  path);
        problems++;
    }
    int r = pwdb_check(path, report, NULL);
    if (r < 0 && errno == ENOENT) {
        error_msg("%s does not exist: build it with cdbpasswd make", path);
        r = 1;
    } else if (r < 0) {
        error_msg("unable to read %s: %s", path, strerror(errno));
        r = 1;
    }
    problems += r;
    info_msg("%s: %d error%s: %s", path, problems, problems == 1 ? "" : "s",
             problems ? "fix them before serving" : "it would serve");
    return problems ? EXIT_PERM : EXIT_OK;
}

int main(int argc, char **argv)
{
    progname = "checkpassword-cdb";
    die_if_version(argc, argv);
    if (argc < 2)
        die_msg(EXIT_MISUSE,
                "unable to run: no program given; usage: %s "
                "prog [arg...]",
                progname);
    char path[4096];
    if (pwdb_cdb_path(path, sizeof path) < 0)
        die_sys(EXIT_TEMP, "find", "the password database");
    if (argc == 2 && strcmp(argv[1], "-C") == 0)
        return check_db(path);
    sessionid_start();

    struct fd3 in;
    enum fd3_status st = fd3_parse(up, read_fd3(), &in);
    if (st != FD3_OK) {
        wipe_all();
        die_msg(EXIT_MISUSE, "unable to read fd 3: %s", fd3_strerror(st));
    }
    int match = check(&in, path);
    uid_t uid = entry.rec.uid;
    gid_t gid = entry.rec.gid;
    wipe_all();
    if (!match)
        return EXIT_REJECTED;

    enum become_step b = become(entry.name, uid, gid, entry.home);
    if (b != BECOME_OK)
        die_sys(EXIT_TEMP, become_verb(b),
                b == BECOME_CHDIR ? entry.home : entry.name);
    execvp(argv[1], argv + 1);
    die_sys(EXIT_TEMP, "run", argv[1]);
}
