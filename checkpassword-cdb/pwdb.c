#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdbfile.h"
#include "control.h"
#include "passhash.h"
#include "pwdb.h"
#include "safetext.h"

static int env_path(char *out, size_t size, const char *var, const char *name)
{
    const char *p = getenv(var);
    if (!p || !*p)
        return control_path(out, size, name);
    int n = snprintf(out, size, "%s", p);
    if (n < 0 || (size_t)n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int pwdb_cdb_path(char *out, size_t size)
{
    return env_path(out, size, "PASSWDCDB", "passwd.cdb");
}

int pwdb_text_path(char *out, size_t size)
{
    return env_path(out, size, "PASSWDFILE", "passwd");
}

/* The value of key into out[0..size) as a C string. 1 found, 0 not, -1 a
 * read error, -2 longer than size - 1. */
static int get(struct cdb *c, const char *key, size_t klen, char *out,
               size_t size)
{
    int r = cdb_find(c, key, (unsigned)klen);
    if (r <= 0)
        return r < 0 ? -1 : 0;
    unsigned len = cdb_datalen(c);
    if (len >= size)
        return -2;
    if (cdb_read(c, out, len, cdb_datapos(c)) < 0)
        return -1;
    out[len] = '\0';
    return 1;
}

static void copy_field(char *out, const char *p, size_t len)
{
    memcpy(out, p, len);
    out[len] = '\0';
}

/* The record of name, checked to be well formed and to be name's. */
static enum pwdb_status record(struct cdb *c, const char *name, size_t len,
                               struct pwdb_entry *e)
{
    int r = get(c, name, len, e->line, sizeof e->line);
    if (r == 0)
        return PWDB_UNKNOWN;
    if (r == -1)
        return PWDB_ERROR;
    if (r == -2 ||
        pwrecord_parse(e->line, strlen(e->line), &e->rec) != PWRECORD_OK ||
        e->rec.name_len != len || memcmp(e->rec.name, name, len) != 0)
        return PWDB_FORMAT_BAD;
    copy_field(e->name, e->rec.name, e->rec.name_len);
    copy_field(e->hash, e->rec.hash, e->rec.hash_len);
    copy_field(e->home, e->rec.home, e->rec.home_len);
    return PWDB_FOUND;
}

static enum pwdb_status search(struct cdb *c, const char *name, size_t len,
                               struct pwdb_entry *e)
{
    char format[sizeof PWDB_FORMAT];
    int r = get(c, ":format", 7, format, sizeof format);
    if (r == -1)
        return PWDB_ERROR;
    if (r != 1 || strcmp(format, PWDB_FORMAT) != 0)
        return PWDB_FORMAT_BAD;
    r = get(c, ":dummy", 6, e->dummy, sizeof e->dummy);
    if (r == -1)
        return PWDB_ERROR;
    if (r != 1 || hashtext_check(e->dummy, strlen(e->dummy)) != HASHTEXT_OK)
        snprintf(e->dummy, sizeof e->dummy, "%s", PASSHASH_DEFAULT_DUMMY);
    /* A name no record can have is not looked for: ":format" would be. */
    if (pwrecord_check_name(name, len) != PWRECORD_OK)
        return PWDB_UNKNOWN;
    return record(c, name, len, e);
}

enum pwdb_status pwdb_lookup(const char *path, const char *name, size_t len,
                             struct pwdb_entry *e)
{
    memset(&e->rec, 0, sizeof e->rec);
    snprintf(e->dummy, sizeof e->dummy, "%s", PASSHASH_DEFAULT_DUMMY);
    struct cdb c;
    int r = cdbfile_open(&c, path);
    if (r <= 0)
        return r == 0 ? PWDB_MISSING : PWDB_ERROR;
    enum pwdb_status s = search(&c, name, len, e);
    int saved = errno;
    cdbfile_close(&c);
    errno = saved;
    return s;
}

int pwdb_check(const char *path, pwdb_report_fn *report, void *ctx)
{
    struct cdb c;
    int r = cdbfile_open(&c, path);
    if (r <= 0) {
        if (r == 0)
            errno = ENOENT;
        return -1;
    }
    int problems = 0, format = 0, dummy = 0;
    unsigned long records = 0;
    char msg[512];
    unsigned pos;
    cdb_seqinit(&pos, &c);
    while (cdb_seqnext(&pos, &c) > 0) {
        const char *key = cdb_getkey(&c);
        unsigned klen = cdb_keylen(&c);
        const char *val = cdb_getdata(&c);
        unsigned vlen = cdb_datalen(&c);
        char name[64];
        safeword(name, sizeof name, key, klen);
        if (klen == 7 && memcmp(key, ":format", 7) == 0) {
            format = vlen == sizeof PWDB_FORMAT - 1 &&
                     memcmp(val, PWDB_FORMAT, vlen) == 0;
            continue;
        }
        if (klen == 6 && memcmp(key, ":dummy", 6) == 0) {
            dummy = hashtext_check(val, vlen) == HASHTEXT_OK;
            continue;
        }
        records++;
        struct pwrecord rec;
        enum pwrecord_status st = pwrecord_parse(val, vlen, &rec);
        if (st != PWRECORD_OK) {
            snprintf(msg, sizeof msg, "%s: the record of %s: %s", path, name,
                     pwrecord_strerror(st, rec.hash_status));
            report(ctx, msg);
            problems++;
        } else if (rec.name_len != klen || memcmp(rec.name, key, klen) != 0) {
            snprintf(msg, sizeof msg,
                     "%s: the record under %s names another "
                     "user",
                     path, name);
            report(ctx, msg);
            problems++;
        }
    }
    if (!format) {
        snprintf(msg, sizeof msg,
                 "%s: not a database of format %s (rebuild it with cdbpasswd "
                 "make)",
                 path, PWDB_FORMAT);
        report(ctx, msg);
        problems++;
    }
    if (!dummy) {
        snprintf(msg, sizeof msg,
                 "%s: no usable dummy hash, so unknown names answer faster "
                 "than known ones (rebuild it with cdbpasswd make)",
                 path);
        report(ctx, msg);
        problems++;
    }
    if (records == 0) {
        snprintf(msg, sizeof msg, "%s: no users (add one with cdbpasswd add)",
                 path);
        report(ctx, msg);
        problems++;
    }
    cdbfile_close(&c);
    return problems;
}
