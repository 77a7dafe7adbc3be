/* fixsmtpio-rules: checks a rule file, or compiles it to FILE.cdb. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "die.h"
#include "exitcodes.h"
#include "rulefile.h"

static void print_problem(void *ctx, const char *path, int warning,
                          unsigned line, unsigned column, const char *message)
{
    unsigned *warnings = ctx;
    *warnings += warning != 0;
    fprintf(stderr, "%s: %s%s:%u:%u: %s\n", progname,
            warning ? "warning: " : "", path, line, column, message);
}

int main(int argc, char **argv)
{
    progname = "fixsmtpio-rules";
    die_if_version(argc, argv);
    int strict = argc == 4 && strcmp(argv[2], "-s") == 0;
    if (argc != 3 + strict ||
        (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "compile") != 0))
        die_usage("check|compile [-s] FILE");
    const char *path = argv[2 + strict];
    int compile = strcmp(argv[1], "compile") == 0;
    unsigned warnings = 0;
    if (strict) {
        /* Warnings count as errors: look before writing anything. */
        int r = rulefile_check(path, print_problem, &warnings);
        if (r < 0)
            die_sys(EXIT_TEMP, "read", path);
        if (r > 0 || warnings)
            die_msg(EXIT_PERM, "%s: %d error%s, %u warning%s%s", path, r,
                    r == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
                    compile ? ", compiled file left as it was" : "");
        if (!compile)
            return EXIT_OK;
    }
    int r = compile ? rulefile_compile(path, strict ? NULL : print_problem,
                                       &warnings)
                    : rulefile_check(path, print_problem, &warnings);
    if (r < 0)
        die_sys(EXIT_TEMP, compile ? "compile" : "read", path);
    if (r > 0)
        die_msg(EXIT_PERM, "%s: %d error%s%s", path, r, r == 1 ? "" : "s",
                compile ? ", compiled file left as it was" : "");
    return EXIT_OK;
}
