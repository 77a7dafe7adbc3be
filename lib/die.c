#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "exitcodes.h"
#include "sessionid.h"
#include "version.h"

const char *progname = "unknown";

size_t log_prefix(char *out, size_t size, const char *kind)
{
    const char *id = sessionid();
    int n = snprintf(out, size, "%s: %s: %s%s", progname, kind, id ? id : "",
                     id ? ": " : "");
    if (n < 0 || (size_t)n >= size) {
        if (size)
            out[0] = 0;
        return 0;
    }
    return (size_t)n;
}

static void vsay(const char *kind, const char *fmt, va_list ap)
{
    char line[1024];
    int n = (int)log_prefix(line, sizeof line, kind);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    if (m < 0)
        m = 0;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* One write, so that lines from concurrent processes do not mix. */
    ssize_t w = write(2, line, len);
    (void)w;
}

static void say(const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(kind, fmt, ap);
    va_end(ap);
}

void die_if_version(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--version") != 0)
        return;
    printf("%s %s\n", progname, SUITE_VERSION);
    exit(fflush(stdout) == 0 ? EXIT_OK : EXIT_TEMP);
}

void die_usage(const char *usage)
{
    say("usage", "%s %s", progname, usage);
    exit(EXIT_PERM);
}

void die_sys(int code, const char *verb, const char *object)
{
    const char *reason = strerror(errno);
    if (object && *object)
        say("fatal", "unable to %s %s: %s", verb, object, reason);
    else
        say("fatal", "unable to %s: %s", verb, reason);
    exit(code);
}

void die_msg(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay("fatal", fmt, ap);
    va_end(ap);
    exit(code);
}

void die_nomem(void)
{
    say("fatal", "out of memory");
    exit(EXIT_TEMP);
}

void warn_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay("warning", fmt, ap);
    va_end(ap);
}

void warn_sys(const char *verb, const char *object)
{
    const char *reason = strerror(errno);
    say("warning", "unable to %s %s: %s", verb, object ? object : "", reason);
}

void error_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay("error", fmt, ap);
    va_end(ap);
}

void info_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay("info", fmt, ap);
    va_end(ap);
}
