/* TAP for the C unit tests: ok(), is_int(), is_mem(), done_testing(). */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3), unused)) static int
tap_ok(int pass, const char *fmt, ...)
{
    va_list ap;
    tap_count++;
    if (!pass)
        tap_failed++;
    printf("%sok %d - ", pass ? "" : "not ", tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    return pass;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

__attribute__((unused)) static void diag_mem(const char *label, const char *p,
                                             size_t len)
{
    printf("# %s (%zu bytes): \"", label, len);
    for (size_t i = 0; i < len && i < 400; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            putchar(c);
        else
            printf("\\x%02x", c);
    }
    printf("\"\n");
}

__attribute__((unused)) static int is_mem(const char *got, size_t got_len,
                                          const char *want, size_t want_len,
                                          const char *name)
{
    int pass = got_len == want_len &&
               (want_len == 0 || memcmp(got, want, want_len) == 0);
    tap_ok(pass, "%s", name);
    if (!pass) {
        diag_mem("got", got, got_len);
        diag_mem("want", want, want_len);
    }
    return pass;
}

__attribute__((unused)) static int is_str(const char *got, const char *want,
                                          const char *name)
{
    if (!got)
        got = "(null)";
    return is_mem(got, strlen(got), want, strlen(want), name);
}

__attribute__((unused)) static int is_int(long long got, long long want,
                                          const char *name)
{
    int pass = got == want;
    tap_ok(pass, "%s", name);
    if (!pass)
        printf("# got %lld, want %lld\n", got, want);
    return pass;
}

__attribute__((unused)) static int done_testing(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
