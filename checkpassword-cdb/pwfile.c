#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pwfile.h"

static int grow(struct pwfile *f)
{
    if (f->n < f->cap)
        return 0;
    size_t cap = f->cap ? f->cap * 2 : 64;
    struct pwentry *v = realloc(f->v, cap * sizeof *v);
    if (!v) {
        errno = ENOMEM;
        return -1;
    }
    f->v = v;
    f->cap = cap;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    const struct pwentry *x = *(const struct pwentry *const *)a;
    const struct pwentry *y = *(const struct pwentry *const *)b;
    size_t n =
        x->rec.name_len < y->rec.name_len ? x->rec.name_len : y->rec.name_len;
    int c = memcmp(x->rec.name, y->rec.name, n);
    if (c)
        return c;
    if (x->rec.name_len != y->rec.name_len)
        return x->rec.name_len < y->rec.name_len ? -1 : 1;
    return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

static int same_name(const struct pwentry *a, const struct pwentry *b)
{
    return a->rec.name_len == b->rec.name_len &&
           memcmp(a->rec.name, b->rec.name, a->rec.name_len) == 0;
}

/* first[i]: the line where the name of entry i is first seen, when that is
 * an earlier line; else 0. */
static unsigned *earlier_lines(const struct pwfile *f)
{
    const struct pwentry **s = malloc(f->n * sizeof *s);
    unsigned *first = calloc(f->n, sizeof *first);
    if (!s || !first) {
        free(s);
        free(first);
        return NULL;
    }
    for (size_t i = 0; i < f->n; i++)
        s[i] = &f->v[i];
    qsort(s, f->n, sizeof *s, by_name);
    for (size_t i = 1, g = 0; i < f->n; i++) {
        if (!same_name(s[g], s[i]))
            g = i;
        else
            first[s[i] - f->v] = s[g]->lineno;
    }
    free(s);
    return first;
}

/* Reports every name seen on an earlier line, and drops its later lines. */
static int drop_duplicates(struct pwfile *f, pwfile_error_fn *on_error,
                           void *ctx)
{
    if (f->n < 2)
        return 0;
    unsigned *first = earlier_lines(f);
    if (!first) {
        errno = ENOMEM;
        return -1;
    }
    int errors = 0;
    size_t kept = 0;
    for (size_t i = 0; i < f->n; i++) {
        struct pwentry *e = &f->v[i];
        if (!first[i]) {
            f->v[kept++] = *e;
            continue;
        }
        char msg[PWRECORD_NAME_MAX + 64];
        snprintf(msg, sizeof msg, "the name %.*s is already on line %u",
                 (int)e->rec.name_len, e->rec.name, first[i]);
        if (on_error)
            on_error(ctx, e->lineno, msg);
        free(e->own);
        errors++;
    }
    f->n = kept;
    free(first);
    return errors;
}

int pwfile_parse(const char *text, size_t len, struct pwfile *f,
                 pwfile_error_fn *on_error, void *ctx)
{
    int errors = 0;
    unsigned lineno = 0;
    for (size_t pos = 0; pos < len;) {
        const char *line = text + pos;
        const char *lf = memchr(line, '\n', len - pos);
        size_t n = lf ? (size_t)(lf - line) : len - pos;
        pos += n + (lf != NULL);
        lineno++;
        struct pwentry e = {.line = line, .len = n, .lineno = lineno};
        enum pwrecord_status s = pwrecord_parse(line, n, &e.rec);
        if (s != PWRECORD_OK) {
            if (on_error)
                on_error(ctx, lineno,
                         n == 0 ? "an empty line"
                                : pwrecord_strerror(s, e.rec.hash_status));
            errors++;
            continue;
        }
        if (grow(f) < 0)
            return -1;
        f->v[f->n++] = e;
    }
    int dups = drop_duplicates(f, on_error, ctx);
    return dups < 0 ? -1 : errors + dups;
}

long pwfile_find(const struct pwfile *f, const char *name, size_t len)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].rec.name_len == len &&
            memcmp(f->v[i].rec.name, name, len) == 0)
            return (long)i;
    return -1;
}

int pwentry_make(struct pwentry *e, const char *name, const char *hash,
                 unsigned long uid, unsigned long gid, const char *home)
{
    memset(e, 0, sizeof *e);
    int n = snprintf(NULL, 0, "%s:%s:%lu:%lu:%s", name, hash, uid, gid, home);
    char *line = n < 0 ? NULL : malloc((size_t)n + 1);
    if (!line) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(line, (size_t)n + 1, "%s:%s:%lu:%lu:%s", name, hash, uid, gid,
             home);
    enum pwrecord_status s = pwrecord_parse(line, (size_t)n, &e->rec);
    if (s != PWRECORD_OK) {
        free(line);
        e->rec.name = e->rec.hash = e->rec.home = NULL;
        return s;
    }
    e->line = e->own = line;
    e->len = (size_t)n;
    return PWRECORD_OK;
}

int pwfile_append(struct pwfile *f, struct pwentry *e)
{
    if (grow(f) < 0)
        return -1;
    f->v[f->n++] = *e;
    e->own = NULL;
    return 0;
}

void pwfile_replace(struct pwfile *f, size_t i, struct pwentry *e)
{
    free(f->v[i].own);
    unsigned lineno = f->v[i].lineno;
    f->v[i] = *e;
    f->v[i].lineno = lineno;
    e->own = NULL;
}

void pwfile_remove(struct pwfile *f, size_t i)
{
    free(f->v[i].own);
    memmove(&f->v[i], &f->v[i + 1], (f->n - i - 1) * sizeof f->v[0]);
    f->n--;
}

int pwfile_text(const struct pwfile *f, struct bytes *out)
{
    for (size_t i = 0; i < f->n; i++)
        if (bytes_append(out, f->v[i].line, f->v[i].len) < 0 ||
            bytes_appendc(out, '\n') < 0)
            return -1;
    return 0;
}

void pwfile_free(struct pwfile *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].own);
    free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}
