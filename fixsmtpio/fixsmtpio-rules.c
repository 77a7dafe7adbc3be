/* fixsmtpio-rules: checks a rule file, or compiles it to FILE.cdb. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "die.h"
#include "exitcodes.h"
#include "rulefile.h"

static void print_error(void *ctx, const char *path, unsigned line,
                        unsigned column, const char *message)
{
    (void)ctx;
    fprintf(stderr, "%s: %s:%u:%u: %s\n", progname, path, line, column,
            message);
}

int main(int argc, char **argv)
{
    progname = "fixsmtpio-rules";
    if (argc != 3 ||
        (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "compile") != 0))
        die_usage("check|compile FILE");
    const char *path = argv[2];
    int compile = strcmp(argv[1], "compile") == 0;
    int r = compile ? rulefile_compile(path, print_error, NULL)
                    : rulefile_check(path, print_error, NULL);
    if (r < 0)
        die_sys(EXIT_TEMP, compile ? "compile" : "read", path);
    if (r > 0)
        die_msg(EXIT_PERM, "%s: %d error%s%s", path, r, r == 1 ? "" : "s",
                compile ? ", compiled file left as it was" : "");
    return EXIT_OK;
}
