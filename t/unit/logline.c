/* The session ID and the summary line: what every log line of a
 * connection carries, and the one line each program ends it with. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "die.h"
#include "sessionid.h"
#include "summary.h"

static int hex16(const char *s)
{
    if (!s || strlen(s) != 16)
        return 0;
    for (int i = 0; i < 16; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return 0;
    return 1;
}

static void value(const char *v, const char *want)
{
    struct summary sm;
    unsetenv("TCPREMOTEIP");
    summary_init(&sm);
    summary_add(&sm, "k", v);
    char expect[600];
    snprintf(expect, sizeof expect, "ip=- k=%s", want);
    ok(strcmp(sm.text, expect) == 0, "value '%s' is written %s", v ? v : "NULL",
       want);
    if (strcmp(sm.text, expect) != 0)
        printf("# got: %s\n", sm.text);
}

int main(void)
{
    progname = "logline";
    char line[200];

    /* Without SESSIONID (a program run by hand) no ID is shown. The ID is
     * read once, so this runs first. */
    unsetenv(SESSIONID_VAR);
    ok(sessionid() == NULL, "no SESSIONID: no ID");
    log_prefix(line, sizeof line, "warning");
    ok(strcmp(line, "logline: warning: ") == 0, "prefix without an ID: '%s'",
       line);

    const char *id = sessionid_start();
    ok(hex16(id), "sessionid_start() makes 16 hex digits: %s", id ? id : "");
    ok(id && getenv(SESSIONID_VAR) && strcmp(getenv(SESSIONID_VAR), id) == 0,
       "and hands it down in SESSIONID");
    ok(sessionid_start() == id && strcmp(sessionid(), id) == 0,
       "asked again, it stays the same");
    log_prefix(line, sizeof line, "info");
    char want[200];
    snprintf(want, sizeof want, "logline: info: %s: ", id);
    ok(strcmp(line, want) == 0, "prefix with the ID: '%s'", line);
    ok(log_prefix(line, 10, "info") == 0 && line[0] == 0,
       "a prefix that does not fit is empty, not cut");

    /* Summary values. */
    value(NULL, "-");
    value("", "-");
    value("TLSv1.3", "TLSv1.3");
    value("user@example.org", "user@example.org");
    value("a b", "\"a b\"");
    value("CN=x,O=y", "\"CN=x,O=y\"");
    value("say \"hi\"", "\"say \\x22hi\\x22\"");
    value("back\\slash", "\"back\\x5cslash\"");
    value("x ip=6.6.6.6", "\"x ip=6.6.6.6\"");
    value("nul\x01", "\"nul\\x01\"");
    value("\xc3\xa9", "\"\\xc3\\xa9\"");

    struct summary sm;
    setenv("TCPREMOTEIP", "192.0.2.7", 1);
    summary_init(&sm);
    summary_addu(&sm, "in", 18446744073709551615ULL);
    summary_addms(&sm, "seconds", 2104);
    summary_addms(&sm, "t0", 7);
    summary_addms(&sm, "neg", -5);
    ok(strcmp(sm.text, "ip=192.0.2.7 in=18446744073709551615 seconds=2.104 "
                       "t0=0.007 neg=0.000") == 0,
       "ip first, numbers, durations: %s", sm.text);
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    summary_add(&sm, "big", big);
    summary_add(&sm, "end", "closed");
    ok(strlen(sm.text) < SUMMARY_MAX && strstr(sm.text, " big=\"aaa") &&
           strstr(sm.text, "a...\" end=closed"),
       "a value too long for a log line is cut, inside its quotes");
    for (int i = 0; i < 200; i++)
        summary_add(&sm, "key", "value");
    ok(strlen(sm.text) < SUMMARY_MAX && sm.text[strlen(sm.text) - 1] == 'e',
       "pairs that do not fit are left out whole (%zu bytes)", strlen(sm.text));

    return done_testing();
}
