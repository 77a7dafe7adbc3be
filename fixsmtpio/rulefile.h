/* control/fixsmtpio on disk: the text file, and its compiled form FILE.cdb,
 * written atomically by `fixsmtpio-rules compile` and preferred when it is
 * not older than the text. */
#ifndef RULEFILE_H
#define RULEFILE_H

#include "rules.h"

/* Receives every problem: the file it is in, and rules_parse's details. */
typedef void rulefile_report_fn(void *ctx, const char *path, int warning,
                                unsigned line, unsigned column,
                                const char *message);

struct rulefile_info {
    const char *used; /* the path the rules came from, or NULL: none */
    int stale;        /* a cdb exists but is older than the text */
    char cdb_path[4096 + 8];
};

/* Loads the rules from text_path or text_path.cdb. Returns 0 (set may be
 * empty when neither file exists), the number of errors found (each
 * reported), or -1 with errno when a file could not be read; info->used then
 * names it. */
int rulefile_load(const char *text_path, struct ruleset *set,
                  struct rulefile_info *info, rulefile_report_fn *report,
                  void *ctx);
/* Parses text_path; with no error writes text_path.cdb atomically. Returns
 * 0, the number of errors, or -1 with errno (the old cdb stays). Warnings
 * do not stop it. */
int rulefile_compile(const char *text_path, rulefile_report_fn *report,
                     void *ctx);
/* Parses text_path into set, reporting every problem. Returns 0 (set holds
 * the rules; empty when the file is), the number of errors, or -1 with
 * errno (ENOENT when it does not exist). */
int rulefile_read(const char *text_path, struct ruleset *set,
                  rulefile_report_fn *report, void *ctx);
/* Parses text_path and reports every problem. Returns 0, the number of
 * errors, or -1 with errno. */
int rulefile_check(const char *text_path, rulefile_report_fn *report,
                   void *ctx);

#endif
