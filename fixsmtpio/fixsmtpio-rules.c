/* fixsmtpio-rules: checks a rule file, compiles it to FILE.cdb, or shows
 * what it does to a reply. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "control.h"
#include "die.h"
#include "exitcodes.h"
#include "lineread.h"
#include "renorm.h"
#include "rulefile.h"

#define USAGE "check|compile [-s] [FILE] | test [-e NAME[=VALUE]]... FILE EVENT"
#define NAMES_MAX 64

static unsigned warnings;

static void print_problem(void *ctx, const char *path, int warning,
                          unsigned line, unsigned column, const char *message)
{
    (void)ctx;
    warnings += warning != 0;
    fprintf(stderr, "%s: %s%s:%u:%u: %s\n", progname,
            warning ? "warning: " : "", path, line, column, message);
}

/* check and compile: FILE, or the rules fixsmtpio reads. A missing
 * control/fixsmtpio means no rules to fixsmtpio, which a wrong CONTROLDIR
 * also gives: said as a warning. */
static int check_or_compile(int compile, int argc, char **argv)
{
    int strict = argc > 0 && strcmp(argv[0], "-s") == 0;
    argc -= strict;
    argv += strict;
    if (argc > 1)
        die_usage(USAGE);
    char path[4096];
    int named = argc == 1;
    if (named)
        snprintf(path, sizeof path, "%s", argv[0]);
    else if (control_path(path, sizeof path, "fixsmtpio") < 0)
        die_msg(EXIT_TEMP, "control directory name is too long");
    int r = rulefile_check(path, print_problem, NULL);
    if (r < 0 && errno == ENOENT && !named && !compile) {
        warn_msg("%s does not exist: fixsmtpio runs with no rules (is "
                 "CONTROLDIR right?)",
                 path);
        return strict ? EXIT_PERM : EXIT_OK;
    }
    if (r < 0)
        die_sys(EXIT_TEMP, "read", path);
    if (r > 0 || (strict && warnings))
        die_msg(EXIT_PERM, "%s: %d error%s, %u warning%s%s", path, r,
                r == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
                compile ? ", compiled file left as it was" : "");
    if (compile && rulefile_compile(path, NULL, NULL) != 0)
        die_sys(EXIT_TEMP, "compile", path);
    return EXIT_OK;
}

/* test: the environment is the -e names alone, so that what a rule with an
 * env field does depends on nothing but the command line. */
static const char *names[NAMES_MAX];
static size_t nnames;

static const char *test_getenv(const char *name)
{
    for (size_t i = 0; i < nnames; i++) {
        size_t len = strcspn(names[i], "=");
        if (strlen(name) == len && strncmp(names[i], name, len) == 0)
            return names[i][len] ? names[i] + len + 1 : "";
    }
    return NULL;
}

static void fired(void *ctx, const struct rule *r)
{
    fprintf(stderr, "%s:%u\n", (const char *)ctx, r->line);
}

static int sink(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    return fwrite(line, 1, len, stdout) == len && putchar('\n') != EOF ? 0 : -1;
}

/* One reply, from stdin, through the rules of one event. */
static void run_reply(struct reply_rules *rr)
{
    static struct reply_line_out out;
    static struct renorm rn;
    struct lineread in;
    if (lr_init(&in, REPLY_LINE_MAX) < 0)
        die_nomem();
    renorm_start(&rn);
    for (;;) {
        const char *p;
        size_t len;
        enum lr_status st = lr_line(&in, &p, &len);
        if (st == LR_MORE) {
            ssize_t n = lr_fill(&in, 0);
            if (n < 0)
                die_sys(EXIT_TEMP, "read", "the reply");
            if (n == 0)
                break;
            continue;
        }
        if (st == LR_TOOLONG)
            die_msg(EXIT_PERM, "a reply line longer than %d bytes",
                    REPLY_LINE_MAX);
        char line[REPLY_LINE_MAX + 1];
        len = command_chomp(p, len);
        memcpy(line, p, len);
        line[len] = 0;
        if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
            line[1] > '9' || line[2] < '0' || line[2] > '9')
            die_msg(EXIT_PERM, "not a reply line: %.60s", line);
        reply_rules_line(rr, line, len, &out);
        if (out.before_len)
            renorm_line(&rn, out.before, out.before_len, sink, NULL);
        if (!out.removed)
            renorm_line(&rn, out.text, out.len, sink, NULL);
    }
    renorm_end(&rn, sink, NULL);
    lr_free(&in);
}

static int test(int argc, char **argv)
{
    int i = 0;
    for (; i + 1 < argc && strcmp(argv[i], "-e") == 0; i += 2) {
        if (nnames == NAMES_MAX)
            die_msg(EXIT_PERM, "at most %d -e", NAMES_MAX);
        names[nnames++] = argv[i + 1];
    }
    if (argc - i != 2)
        die_usage(USAGE);
    const char *path = argv[i], *event = argv[i + 1];
    struct ruleset set;
    int r = rulefile_read(path, &set, print_problem, NULL);
    if (r < 0)
        die_sys(EXIT_TEMP, "read", path);
    if (r > 0)
        die_msg(EXIT_PERM, "%s: %d error%s", path, r, r == 1 ? "" : "s");
    size_t elen = strlen(event);
    char greeting[1001] = "localhost", why[512];
    if (fixup_kind_of(event, elen) != FIXUP_NONE &&
        control_greeting("smtpgreeting", greeting, sizeof greeting, why,
                         sizeof why) <= 0) {
        warn_msg("%s: the fixups say localhost", why);
        strcpy(greeting, "localhost");
    }
    struct ruleview view;
    if (ruleview_init(&view, &set, test_getenv) < 0)
        die_nomem();
    struct reply_rules rr;
    reply_rules_start(&rr, ruleview_event(&view, event, elen),
                      fixup_kind_of(event, elen), greeting);
    rr.fired = fired;
    rr.fired_ctx = (void *)path;
    if (rr.event && rr.event->prepend_len)
        fprintf(stderr, "request prefix: %.*s\n", (int)rr.event->prepend_len,
                rr.event->prepend);
    if (strcasecmp(event, EVENT_CLIENTEOF) == 0) {
        static struct reply_line_out out;
        reply_rules_line(&rr, "", 0, &out); /* no reply: the exit code */
    } else {
        run_reply(&rr);
    }
    if (fflush(stdout) != 0)
        die_sys(EXIT_TEMP, "write", "the reply");
    if (rr.exitcode >= 0)
        fprintf(stderr, "exit code %d\n", rr.exitcode);
    ruleview_free(&view);
    rules_free(&set);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    progname = "fixsmtpio-rules";
    die_if_version(argc, argv);
    if (argc < 2)
        die_usage(USAGE);
    if (strcmp(argv[1], "check") == 0 || strcmp(argv[1], "compile") == 0)
        return check_or_compile(argv[1][1] == 'o', argc - 2, argv + 2);
    if (strcmp(argv[1], "test") == 0)
        return test(argc - 2, argv + 2);
    die_usage(USAGE);
}
