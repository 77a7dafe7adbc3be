/* BDAT's argument: every shape a client may send. */
#include <string.h>

#include "../tap.h"
#include "bdat.h"

static void good(const char *arg, uint64_t want)
{
    uint64_t size = 12345;
    ok(bdat_arg(arg, strlen(arg), &size) == 1 && size == want, "'%s': %llu",
       arg, (unsigned long long)want);
}

static void bad(const char *arg)
{
    uint64_t size = 12345;
    ok(bdat_arg(arg, strlen(arg), &size) == 0 && size == 12345,
       "'%s': malformed, size untouched", arg);
}

int main(void)
{
    good("0", 0);
    good("12", 12);
    good("12 LAST", 12);
    good("0 last", 0);
    good("007 LaSt", 7);
    good("18446744073709551615", UINT64_MAX);
    bad("");
    bad(" 12");
    bad("LAST");
    bad("12 ");
    bad("12  LAST");
    bad("12 LASTX");
    bad("12 FIRST");
    bad("-1");
    bad("1x");
    bad("18446744073709551616");
    bad("99999999999999999999");
    uint64_t size;
    ok(bdat_arg("12\0LAST", 7, &size) == 0, "a NUL inside: malformed");
    return done_testing();
}
