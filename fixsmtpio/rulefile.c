#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytes.h"
#include "cdbfile.h"
#include "control.h"
#include "rulefile.h"

/* The compiled form: the checked rules as canonical text, and a format. */
#define KEY_FORMAT "format"
#define KEY_RULES "rules"
#define FORMAT "fixsmtpio-rules 1"

struct report_ctx {
    rulefile_report_fn *fn;
    void *ctx;
    const char *path;
};

static void relay_report(void *c, int warning, unsigned line, unsigned column,
                         const char *message)
{
    struct report_ctx *r = c;
    if (r->fn)
        r->fn(r->ctx, r->path, warning, line, column, message);
}

static int parse(const char *path, const char *text, size_t len,
                 struct ruleset *set, rulefile_report_fn *report, void *ctx)
{
    struct report_ctx r = {report, ctx, path};
    int n = rules_parse(text, len, set, relay_report, &r);
    if (n < 0)
        errno = ENOMEM;
    return n;
}

static int parse_file(const char *path, struct ruleset *set,
                      rulefile_report_fn *report, void *ctx)
{
    struct bytes text = BYTES_INIT(0);
    int r = file_read(path, &text, RULES_MAX_FILE);
    if (r < 0 && errno == E2BIG) {
        bytes_free(&text);
        if (report)
            report(ctx, path, 0, 1, 1, "rule file is longer than 16 MiB");
        return 1;
    }
    if (r <= 0) {
        bytes_free(&text);
        if (r == 0)
            memset(set, 0, sizeof *set);
        return r;
    }
    int n = parse(path, text.s, text.len, set, report, ctx);
    bytes_free(&text);
    return n;
}

static int parse_cdb(const char *path, struct ruleset *set,
                     rulefile_report_fn *report, void *ctx)
{
    struct cdb c;
    int r = cdbfile_open(&c, path);
    if (r <= 0)
        return r;
    int n = -1;
    if (cdb_find(&c, KEY_FORMAT, sizeof KEY_FORMAT - 1) <= 0 ||
        cdb_datalen(&c) != sizeof FORMAT - 1 ||
        memcmp(cdb_getdata(&c), FORMAT, sizeof FORMAT - 1) != 0 ||
        cdb_find(&c, KEY_RULES, sizeof KEY_RULES - 1) <= 0) {
        if (report)
            report(ctx, path, 0, 1, 1,
                   "not a compiled rule file of this version: run "
                   "fixsmtpio-rules compile again");
        n = 1;
    } else {
        n = parse(path, cdb_getdata(&c), cdb_datalen(&c), set, report, ctx);
    }
    cdbfile_close(&c);
    return n;
}

static int newer_or_same(const struct stat *a, const struct stat *b)
{
    if (a->st_mtim.tv_sec != b->st_mtim.tv_sec)
        return a->st_mtim.tv_sec > b->st_mtim.tv_sec;
    return a->st_mtim.tv_nsec >= b->st_mtim.tv_nsec;
}

int rulefile_load(const char *text_path, struct ruleset *set,
                  struct rulefile_info *info, rulefile_report_fn *report,
                  void *ctx)
{
    memset(set, 0, sizeof *set);
    info->used = NULL;
    info->stale = 0;
    snprintf(info->cdb_path, sizeof info->cdb_path, "%s.cdb", text_path);
    struct stat text_st, cdb_st;
    int have_text = stat(text_path, &text_st) == 0;
    if (!have_text && errno != ENOENT) {
        info->used = text_path;
        return -1;
    }
    int have_cdb = stat(info->cdb_path, &cdb_st) == 0;
    if (!have_cdb && errno != ENOENT) {
        info->used = info->cdb_path;
        return -1;
    }
    if (have_cdb && (!have_text || newer_or_same(&cdb_st, &text_st))) {
        info->used = info->cdb_path;
        int r = parse_cdb(info->cdb_path, set, report, ctx);
        if (r != 0 || set->arena || !have_text)
            return r;
        /* The compiled file vanished in between: fall back to the text. */
    }
    if (!have_text)
        return 0;
    info->stale = have_cdb;
    info->used = text_path;
    return parse_file(text_path, set, report, ctx);
}

int rulefile_read(const char *text_path, struct ruleset *set,
                  rulefile_report_fn *report, void *ctx)
{
    memset(set, 0, sizeof *set);
    int r = parse_file(text_path, set, report, ctx);
    if (r == 0 && !set->arena) {
        errno = ENOENT;
        return -1;
    }
    return r;
}

int rulefile_check(const char *text_path, rulefile_report_fn *report, void *ctx)
{
    struct ruleset set;
    int r = rulefile_read(text_path, &set, report, ctx);
    rules_free(&set);
    return r;
}

int rulefile_compile(const char *text_path, rulefile_report_fn *report,
                     void *ctx)
{
    struct ruleset set;
    int r = parse_file(text_path, &set, report, ctx);
    if (r == 0 && !set.arena) {
        errno = ENOENT;
        return -1;
    }
    if (r != 0)
        return r;
    size_t len;
    char *text = rules_canonical(&set, &len);
    rules_free(&set);
    if (!text) {
        errno = ENOMEM;
        return -1;
    }
    char cdb_path[4096 + 8];
    snprintf(cdb_path, sizeof cdb_path, "%s.cdb", text_path);
    struct cdbfile w;
    if (cdbfile_start(&w, cdb_path, 0644) < 0) {
        free(text);
        return -1;
    }
    if (cdbfile_add(&w, KEY_FORMAT, sizeof KEY_FORMAT - 1, FORMAT,
                    sizeof FORMAT - 1) < 0 ||
        cdbfile_add(&w, KEY_RULES, sizeof KEY_RULES - 1, text, len) < 0) {
        int saved = errno;
        cdbfile_abort(&w);
        free(text);
        errno = saved;
        return -1;
    }
    free(text);
    return cdbfile_finish(&w);
}
