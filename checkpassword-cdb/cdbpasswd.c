/* cdbpasswd: manages the password database of checkpassword-cdb. The text
 * control/passwd ($PASSWDFILE) is the source, one name:hash:uid:gid:home a
 * line; every change rewrites it and rebuilds control/passwd.cdb
 * ($PASSWDCDB) from it, both atomically and mode 0600. Passwords come on
 * stdin, one line, and are hashed with yescrypt. Exit codes: 0, 100 bad
 * input or usage, 111 system errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bytes.h"
#include "control.h"
#include "die.h"
#include "exitcodes.h"
#include "hashtext.h"
#include "passhash.h"
#include "pwdb.h"
#include "pwdbmake.h"
#include "pwfile.h"
#include "safetext.h"
#include "wipe.h"

#define USAGE                                                                  \
    "[--allow-root] add USER UID GID HOME | passwd USER | del USER | list | "  \
    "make"
#define TEXT_MAX (64UL << 20)
#define PASSWORD_MAX 256

struct db {
    int allow_root;
    int missing; /* the text does not exist (yet) */
    char text[4096];
    char cdb[4096];
    struct bytes raw;
    struct pwfile file;
};

static void report(void *ctx, unsigned lineno, const char *message)
{
    const struct db *db = ctx;
    fprintf(stderr, "%s: %s:%u: %s\n", progname, db->text, lineno, message);
}

static void die_errors(const struct db *db, int errors)
{
    die_msg(EXIT_PERM, "unable to use %s: %d bad line%s; nothing changed",
            db->text, errors, errors == 1 ? "" : "s");
}

/* Serialises the commands that write: held until exit. Under it, what a
 * killed cdbpasswd left beside the files (temporary copies, up to the size
 * of the cdb) is no one's: it goes. */
static void lock(const struct db *db)
{
    char path[sizeof db->text + 8];
    snprintf(path, sizeof path, "%s.lock", db->text);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        die_sys(EXIT_TEMP, "create", path);
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR)
            die_sys(EXIT_TEMP, "lock", path);
    atomicfile_sweep(db->text);
    atomicfile_sweep(db->cdb);
}

static void load(struct db *db)
{
    int r = file_read(db->text, &db->raw, TEXT_MAX);
    if (r < 0 && errno == E2BIG)
        die_msg(EXIT_PERM, "unable to read %s: longer than 64 MiB", db->text);
    if (r < 0)
        die_sys(EXIT_TEMP, "read", db->text);
    db->missing = r == 0;
    int errors = pwfile_parse(db->raw.s, db->raw.len, &db->file, report, db);
    if (errors < 0)
        die_nomem();
    if (errors > 0)
        die_errors(db, errors);
}

/* Every record going into the cdb passes the root policy. */
static void check_root(struct db *db)
{
    int errors = 0;
    for (size_t i = 0; i < db->file.n && !db->allow_root; i++) {
        const struct pwentry *e = &db->file.v[i];
        if (e->rec.uid != 0 && e->rec.gid != 0)
            continue;
        report(db, e->lineno, "uid 0 or gid 0 (root) needs --allow-root");
        errors++;
    }
    if (errors)
        die_errors(db, errors);
}

static void make_dummy(struct db *db, char *dummy, size_t size)
{
    long m = pwdb_dummy_model(&db->file);
    if (m < 0)
        return;
    const struct pwentry *e = &db->file.v[m];
    char like[HASHTEXT_MAX + 1];
    snprintf(like, sizeof like, "%.*s", (int)e->rec.hash_len, e->rec.hash);
    if (passhash_dummy(like, dummy, size) == 0)
        return;
    if (errno == EINVAL) {
        report(db, e->lineno, "crypt(3) refuses the hash");
        die_errors(db, 1);
    }
    die_sys(EXIT_TEMP, "hash", "a dummy password");
}

/* Writes the cdb, and first the text when it changed: when either fails,
 * neither file changes. */
static void save(struct db *db, int text_changed)
{
    check_root(db);
    char dummy[HASHTEXT_MAX + 1] = "";
    make_dummy(db, dummy, sizeof dummy);
    struct atomicfile text;
    struct bytes out = BYTES_INIT(0);
    if (text_changed && pwfile_text(&db->file, &out) < 0)
        die_nomem();
    if (text_changed &&
        atomicfile_stage(&text, db->text, out.s, out.len, 0600) < 0)
        die_sys(EXIT_TEMP, "write", db->text);
    bytes_free(&out);
    if (pwdb_write(db->cdb, &db->file, *dummy ? dummy : NULL) < 0) {
        if (text_changed)
            atomicfile_abort(&text);
        die_sys(EXIT_TEMP, "write", db->cdb);
    }
    if (text_changed && atomicfile_commit(&text) < 0)
        die_msg(EXIT_TEMP,
                "unable to replace %s: %s; %s has the change: "
                "repeat the command, or undo it with cdbpasswd "
                "make",
                db->text, strerror(errno), db->cdb);
}

/* The password: the first line of stdin, without its end; wiped by the
 * caller. */
static void read_password(char *pw, size_t size)
{
    size_t len = 0;
    for (;;) {
        ssize_t r = read(0, pw + len, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            wipe(pw, size);
            die_sys(EXIT_TEMP, "read", "the password");
        }
        if (r == 0 || pw[len] == '\n')
            break;
        if (++len == size - 1) {
            wipe(pw, size);
            die_msg(EXIT_PERM,
                    "unable to use the password: longer than %d "
                    "bytes",
                    PASSWORD_MAX);
        }
    }
    if (len > 0 && pw[len - 1] == '\r')
        len--;
    pw[len] = '\0';
    const char *why = len == 0                ? "it is empty"
                      : memchr(pw, '\0', len) ? "it holds a NUL byte"
                                              : NULL;
    if (why) {
        wipe(pw, size);
        die_msg(EXIT_PERM, "unable to use the password: %s", why);
    }
}

/* A new yescrypt hash of the password on stdin. */
static void new_hash(char *hash, size_t size)
{
    char pw[PASSWORD_MAX + 2];
    read_password(pw, sizeof pw);
    int r = passhash_new(pw, hash, size);
    int saved = errno;
    wipe(pw, sizeof pw);
    errno = saved;
    if (r < 0)
        die_sys(EXIT_TEMP, "hash", "the password");
}

static void die_arg(const char *verb, const char *name, const char *why)
{
    char safe[80];
    safetext(safe, sizeof safe, name, strlen(name));
    die_msg(EXIT_PERM, "unable to %s %s: %s", verb, safe, why);
}

static size_t find(struct db *db, const char *verb, const char *name)
{
    long i = pwfile_find(&db->file, name, strlen(name));
    if (i < 0)
        die_arg(verb, name,
                db->missing ? "no such user (no file yet)" : "no such user");
    return (size_t)i;
}

static unsigned long id_arg(const char *name, const char *s, const char *what)
{
    unsigned long id;
    if (pwrecord_id(s, strlen(s), &id) < 0)
        die_arg("add", name, what);
    return id;
}

static void cmd_add(struct db *db, char **args)
{
    const char *name = args[0], *home = args[3];
    enum pwrecord_status s = pwrecord_check_name(name, strlen(name));
    if (s == PWRECORD_OK)
        s = pwrecord_check_home(home, strlen(home));
    if (s != PWRECORD_OK)
        die_arg("add", name, pwrecord_strerror(s, HASHTEXT_OK));
    unsigned long uid =
        id_arg(name, args[1], pwrecord_strerror(PWRECORD_UID, HASHTEXT_OK));
    unsigned long gid =
        id_arg(name, args[2], pwrecord_strerror(PWRECORD_GID, HASHTEXT_OK));
    if ((uid == 0 || gid == 0) && !db->allow_root)
        die_arg("add", name, "uid 0 or gid 0 (root) needs --allow-root");
    long i = pwfile_find(&db->file, name, strlen(name));
    if (i >= 0) {
        char why[64];
        snprintf(why, sizeof why, "already on line %u", db->file.v[i].lineno);
        die_arg("add", name, why);
    }
    char hash[HASHTEXT_MAX + 1];
    new_hash(hash, sizeof hash);
    struct pwentry e;
    int r = pwentry_make(&e, name, hash, uid, gid, home);
    if (r < 0)
        die_nomem();
    if (r != PWRECORD_OK)
        die_arg("add", name, pwrecord_strerror(r, e.rec.hash_status));
    e.lineno = (unsigned)db->file.n + 1;
    if (pwfile_append(&db->file, &e) < 0)
        die_nomem();
    save(db, 1);
}

static void cmd_passwd(struct db *db, char **args)
{
    size_t i = find(db, "change the password of", args[0]);
    const struct pwrecord *old = &db->file.v[i].rec;
    char home[PWRECORD_HOME_MAX + 1];
    snprintf(home, sizeof home, "%.*s", (int)old->home_len, old->home);
    char hash[HASHTEXT_MAX + 1];
    new_hash(hash, sizeof hash);
    struct pwentry e;
    int r = pwentry_make(&e, args[0], hash, old->uid, old->gid, home);
    if (r != PWRECORD_OK)
        die_nomem(); /* the parts were checked: only memory can fail */
    pwfile_replace(&db->file, i, &e);
    save(db, 1);
}

static void cmd_del(struct db *db, char **args)
{
    pwfile_remove(&db->file, find(db, "delete", args[0]));
    save(db, 1);
}

static void cmd_list(struct db *db, char **args)
{
    (void)args;
    for (size_t i = 0; i < db->file.n; i++) {
        const struct pwrecord *r = &db->file.v[i].rec;
        printf("%.*s:%lu:%lu:%.*s\n", (int)r->name_len, r->name,
               (unsigned long)r->uid, (unsigned long)r->gid, (int)r->home_len,
               r->home);
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        die_sys(EXIT_TEMP, "write", "the list");
}

static void cmd_make(struct db *db, char **args)
{
    (void)args;
    if (db->missing) {
        errno = ENOENT;
        die_sys(EXIT_TEMP, "read", db->text);
    }
    save(db, 0);
}

static const struct command {
    const char *name;
    int args;
    int writes; /* takes the lock and rebuilds */
    void (*run)(struct db *db, char **args);
} commands[] = {
    {"add", 4, 1, cmd_add},   {"passwd", 1, 1, cmd_passwd},
    {"del", 1, 1, cmd_del},   {"list", 0, 0, cmd_list},
    {"make", 0, 1, cmd_make},
};

static const struct command *command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    progname = "cdbpasswd";
    die_if_version(argc, argv);
    static struct db db = {.raw = BYTES_INIT(TEXT_MAX), .file = PWFILE_INIT};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--allow-root") != 0)
            die_usage(USAGE);
        db.allow_root = 1;
    }
    const struct command *cmd = i < argc ? command(argv[i]) : NULL;
    if (!cmd || argc - i - 1 != cmd->args)
        die_usage(USAGE);
    if (pwdb_text_path(db.text, sizeof db.text) < 0 ||
        pwdb_cdb_path(db.cdb, sizeof db.cdb) < 0)
        die_sys(EXIT_TEMP, "find", "the password files");
    if (cmd->writes)
        lock(&db);
    load(&db);
    cmd->run(&db, argv + i + 1);
    pwfile_free(&db.file);
    bytes_free(&db.raw);
    return EXIT_OK;
}
