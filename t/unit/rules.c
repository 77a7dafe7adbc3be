/* The rule language: every parser error with its line and column, views by
 * environment, prepends, globs, fixups and renormalised replies. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "renorm.h"
#include "rules.h"

static char errors[4096], warnings[4096];

static void collect(void *ctx, int warning, unsigned line, unsigned column,
                    const char *message)
{
    (void)ctx;
    char *to = warning ? warnings : errors;
    size_t n = strlen(to);
    snprintf(to + n, sizeof errors - n, "%u:%u: %s\n", line, column, message);
}

/* Parses text; returns the number of errors, errors[] and warnings[]
 * holding what was said. */
static int parse(const char *text, struct ruleset *set)
{
    errors[0] = warnings[0] = 0;
    return rules_parse(text, strlen(text), set, collect, NULL);
}

static void bad(const char *text, const char *want, const char *name)
{
    struct ruleset set;
    int n = parse(text, &set);
    ok(n == 1, "%s: one error", name);
    int found = strstr(errors, want) != NULL;
    ok(found, "%s: says \"%s\"", name, want);
    if (!found)
        printf("# errors: %s", errors);
    ok(set.count == 0 && set.rules == NULL, "%s: no rules kept", name);
}

/* Taken, as acceptutils took it, with a warning that says why it looks
 * wrong. */
static void suspicious(const char *text, const char *want, const char *name)
{
    struct ruleset set;
    int n = parse(text, &set);
    ok(n == 0 && set.count == 1, "%s: taken", name);
    int found = strstr(warnings, want) != NULL;
    ok(found, "%s: warns \"%s\"", name, want);
    if (!found)
        printf("# warnings: %s# errors: %s", warnings, errors);
    rules_free(&set);
}

/* What acceptutils refused is refused, with file:line:column. */
static void parser_errors(void)
{
    bad(":ehlo::*:300:", "1:10: exit code 300 is not in 0-255", "exit 300");
    bad(":ehlo::*:x1:", "1:10: exit code x1 is not a number", "exit x1");
    bad(":ehlo::*:-1:", "exit code -1 is not a number", "exit -1");
    bad(":ehlo::*: 5:", "exit code  5 is not a number",
        "exit code after a space");
    bad(":ehlo::*:4294967295:", "is not in 0-255", "exit code 2^32-1");
    bad("::::", "1:5: a rule has 6 fields separated by ':', this line has 5",
        "five fields");
    bad(":ehlo", "has 2", "two fields");
    bad(" #x", "has 1", "'#' comments only in the first column");
    bad(":::x:0:", "1:2: event is missing", "no event");
    bad(":ehlo::::", "1:8: response-line glob is missing", "no glob");
    bad(":ehlo::*::&fixsmtpio_nope", "1:11: unknown directive",
        "unknown directive");
    bad(":ehlo::*::&fixsmtpio_noop x", "unknown directive",
        "a directive with more after it");
    bad(":rcpt::*::&fixsmtpio_fixup", "event rcpt has no fixup routine",
        "fixup without routine");
    bad(":clienteof::*::250 ok", "clienteof rules have no reply",
        "response on clienteof");
    bad(":clienteof::*::&fixsmtpio_noop", "clienteof rules have no reply",
        "noop on clienteof");
    bad(":ehlo::*::250 a\rb", "1:16: CR in rule", "a CR inside a rule");
    bad("# comment\n\n:ehlo::*:256:", "3:10: exit code 256", "line numbers");
    bad(":mail:NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP "
        "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP "
        "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP "
        "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP "
        "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP "
        "NOOP NOOP NOOP NOOP NOOP :*::\n"
        ":rcpt:NOOP :*::\n"
        ":mail:NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP "
        "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP "
        "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP "
        "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP "
        "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP "
        "NOOP NOOP NOOP NOOP NOOP :*::\n",
        "3:1: the request prefixes of event mail add up to 690 bytes",
        "prepends of one event that add up to more than a line");
    {
        char nul[] = ":ehlo::*::250 a?b";
        struct ruleset set;
        nul[15] = 0;
        errors[0] = 0;
        is_int(rules_parse(nul, sizeof nul - 1, &set, collect, NULL), 1,
               "a NUL inside a rule: one error");
        ok(strstr(errors, "1:16: NUL byte in rule") != NULL,
           "a NUL inside a rule: says where");
    }

    /* A response longer than any reply line can become is an error; a
     * glob of any length is taken. */
    char *big = malloc(200000);
    memset(big, 'a', 200000);
    memcpy(big, ":ehlo::*::250 ", 14);
    big[14 + 102400] = 0;
    bad(big, "1:11: response is 102404 bytes long, more than 65000",
        "100 KiB response");
    memset(big, 'a', 200000);
    memcpy(big, ":ehlo::", 7);
    memcpy(big + 7 + 102400, "::", 3);
    struct ruleset set;
    is_int(parse(big, &set), 0, "a 100 KiB glob is taken");
    rules_free(&set);
    free(big);

    /* Every error is reported, not just the first. */
    int n = parse(":a::*:999:\n:b::*::&fixsmtpio_x\n:c::*::\n", &set);
    is_int(n, 2, "two bad lines, two errors");
    ok(strstr(errors, "1:7:") && strstr(errors, "2:8:"), "both located");
}

/* What acceptutils took is taken; where it looks like a mistake, a warning
 * says so with its line and column. */
static void parser_warnings(void)
{
    suspicious(":helo::2*::hello there",
               "1:12: response does not start with a reply code",
               "a response without a reply code");
    suspicious(":ehlo::*::600 no", "response does not start with a reply",
               "code 600");
    suspicious(":ehlo::*::2500 x", "response does not start with a reply",
               "four digits");
    suspicious(":ehlo::*::&FIXSMTPIO_noop",
               "response does not start with a reply",
               "a directive in the wrong case is text");
    suspicious(":ehlo::*:16abc:", "1:12: exit code 16abc: what follows 16 is",
               "digits, then more");
    suspicious("1BAD:ehlo::*::", "1:1: environment variable name 1BAD",
               "env name starting with a digit");
    suspicious("A-B:ehlo::*::", "1:2: environment variable name A-B",
               "env name with -");
    suspicious("A=B:ehlo::*::", "holds '=': no variable can have it",
               "env name with =");
    suspicious(":eh lo::*::", "1:2: event eh lo holds a character no SMTP",
               "event with a space");
    suspicious(":ehlo::*::250 a\001b", "1:16: control character 0x01",
               "control character");

    struct ruleset set;
    is_int(parse(":ehlo::*:16abc:250 ok\n", &set), 0, "16abc parses");
    is_int(set.rules[0].exitcode, 16, "as exit code 16");
    rules_free(&set);
    is_int(parse(":helo::2*::hello there  \t \n", &set), 0, "trailing blanks");
    is_mem(set.rules[0].response, set.rules[0].response_len, "hello there", 11,
           "are not part of the response");
    rules_free(&set);
    is_int(parse(":helo::2*:: \t\n  \n\t\n", &set), 0,
           "a response of blanks, and lines of blanks");
    is_int((long long)set.count, 1, "lines of blanks are no rules");
    is_int(set.rules[0].action, RULE_REMOVE, "a response of blanks removes");
    rules_free(&set);
    is_int(parse(":ehlo::*::250 ok\n", &set), 0, "a clean rule");
    is_str(warnings, "", "no warning for it");
    rules_free(&set);
}

static void parser_accepts(void)
{
    struct ruleset set;
    int n = parse("# c\r\n\r\nENV:EHLO:NOOP :2*:0:250 ok: with colons\r\n"
                  ":greeting::*:255:\n"
                  ":help::*::&fixsmtpio_fixup",
                  &set);
    is_int(n, 0, "CR LF file, colons in the response, no final LF");
    is_int((long long)set.count, 3, "three rules");
    is_str(set.rules[0].env, "ENV", "env");
    is_str(set.rules[0].event, "ehlo", "event lower-cased");
    is_mem(set.rules[0].prepend, set.rules[0].prepend_len, "NOOP ", 5,
           "prepend keeps its space");
    is_str(set.rules[0].glob, "2*", "glob");
    is_int(set.rules[0].exitcode, 0, "exit code 0");
    is_mem(set.rules[0].response, set.rules[0].response_len,
           "250 ok: with colons", 19, "response is the rest of the line");
    is_int(set.rules[1].action, RULE_REMOVE, "empty response removes");
    is_int(set.rules[1].exitcode, 255, "exit code 255");
    is_int(set.rules[2].action, RULE_FIXUP, "fixup");
    is_int(set.rules[2].line, 5, "source line kept");
    size_t len;
    char *canon = rules_canonical(&set, &len);
    is_str(canon,
           "ENV:ehlo:NOOP :2*:0:250 ok: with colons\n:greeting::*:255:\n"
           ":help::*::&fixsmtpio_fixup\n",
           "canonical text");
    struct ruleset again;
    is_int(rules_parse(canon, len, &again, NULL, NULL), 0,
           "canonical text parses");
    is_int((long long)again.count, 3, "to the same rules");
    free(canon);
    rules_free(&again);
    rules_free(&set);

    is_int(parse("", &set), 0, "an empty file is no rules");
    is_int((long long)set.count, 0, "none");
    rules_free(&set);
}

static const char *fake_env(const char *name)
{
    return strcmp(name, "SET") == 0 ? "" : NULL;
}

static const char *both_env(const char *name)
{
    return strcmp(name, "FIXSMTPIOTLS") == 0 || strcmp(name, "AUTHUP_USER") == 0
               ? "1"
               : NULL;
}

/* Runs the lines of one reply through an event's rules and renorm. */
static char out[8192];

static int sink(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    size_t n = strlen(out);
    memcpy(out + n, line, len);
    memcpy(out + n + len, "|", 2);
    return 0;
}

static int run(const struct ruleview *view, const char *event,
               const char *const lines[])
{
    static struct reply_line_out lo;
    static struct renorm rn;
    struct reply_rules rr;
    reply_rules_start(&rr, ruleview_event(view, event, strlen(event)),
                      fixup_kind_of(event, strlen(event)), "mx.example");
    renorm_start(&rn);
    out[0] = 0;
    for (int i = 0; lines[i]; i++) {
        reply_rules_line(&rr, lines[i], strlen(lines[i]), &lo);
        if (lo.before_len)
            renorm_line(&rn, lo.before, lo.before_len, sink, NULL);
        if (!lo.removed)
            renorm_line(&rn, lo.text, lo.len, sink, NULL);
    }
    renorm_end(&rn, sink, NULL);
    return rr.exitcode;
}

static void applying(void)
{
    struct ruleset set;
    int n = parse(":greeting::2*::&fixsmtpio_fixup\n"
                  ":helo::2*::&fixsmtpio_fixup\n"
                  ":ehlo::2*::&fixsmtpio_fixup\n"
                  ":quit::2*::&fixsmtpio_fixup\n"
                  ":help::*::&fixsmtpio_fixup\n"
                  "SET:ehlo::250?AUTH*::\n"
                  "UNSET:ehlo::250?SIZE*::\n"
                  ":rcpt::451 GL*::451 greylisted\n"
                  ":rcpt::451 greylisted:7:&fixsmtpio_noop\n"
                  ":rcpt::451 GL*:8:&fixsmtpio_noop\n"
                  ":rcpt::4*:9:&fixsmtpio_noop\n"
                  ":mail::250*::\n"
                  ":vrfy::*::250 one\n"
                  ":vrfy::250 one::250 two\n"
                  "SET:auth:NOOP :*::502 no\n"
                  "SET:auth:X :*::&fixsmtpio_noop\n",
                  &set);
    is_int(n, 0, "rule set parses");
    struct ruleview view;
    ok(ruleview_init(&view, &set, fake_env) == 0, "view");

    const char *greet[] = {"220 localhost ESMTP msmtpd", NULL};
    run(&view, "greeting", greet);
    is_str(out, "220 mx.example ESMTP|", "greeting fixup");
    const char *greet4[] = {"421 busy", NULL};
    run(&view, "greeting", greet4);
    is_str(out, "421 busy|", "a 4xx greeting is left alone by 2*");

    const char *ehlo[] = {"250-localhost", "250-AUTH PLAIN", "250-SIZE 10",
                          "250 8BITMIME", NULL};
    run(&view, "ehlo", ehlo);
    is_str(out, "250-mx.example|250-SIZE 10|250 8BITMIME|",
           "EHLO: first line fixed, AUTH removed (env set), SIZE kept "
           "(env unset)");
    const char *ehlo_last[] = {"250-localhost", "250 AUTH PLAIN", NULL};
    run(&view, "EHLO", ehlo_last);
    is_str(out, "250 mx.example|",
           "removing the last line makes the one before it last");

    const char *helo[] = {"250 localhost", NULL};
    run(&view, "helo", helo);
    is_str(out, "250 mx.example|", "HELO fixup");
    const char *quit[] = {"221 Bye", NULL};
    run(&view, "quit", quit);
    is_str(out, "221 mx.example|", "QUIT fixup");

    const char *help[] = {"214-a", "214 b", NULL};
    run(&view, "help", help);
    ok(strncmp(out, "214-fixsmtpio ", 14) == 0 &&
           strstr(out, "|214-a|214 b|") != NULL,
       "HELP: one line naming fixsmtpio before the server's");
    const char *help1[] = {"214 only", NULL};
    run(&view, "help", help1);
    ok(strncmp(out, "214-fixsmtpio ", 14) == 0 &&
           strstr(out, "|214 only|") != NULL,
       "HELP: a single-line reply becomes two");

    const char *gl[] = {"451 GL - temporary failure", NULL};
    is_int(run(&view, "rcpt", gl), 9,
           "the last matching rule that sets an exit code wins");
    is_str(out, "451 greylisted|",
           "a later glob sees the server's line, not what an earlier rule "
           "made of it");
    const char *gl2[] = {"451 greylisted", NULL};
    is_int(run(&view, "rcpt", gl2), 9, "a server line the glob matches");
    is_str(out, "451 greylisted|", "noop keeps it");

    const char *mail[] = {"250 ok", NULL};
    run(&view, "mail", mail);
    is_str(out, "", "a reply whose every line is removed sends nothing");
    const char *mail2[] = {"250-a", "250 b", NULL};
    run(&view, "mail", mail2);
    is_str(out, "", "every line of a multi-line reply removed");

    const char *vrfy[] = {"252 maybe", NULL};
    run(&view, "vrfy", vrfy);
    is_str(out, "250 one|",
           "a replacement is not matched again by a later rule");

    const struct rules_event *auth = ruleview_event(&view, "AuTh", 4);
    ok(auth != NULL, "events are matched case-insensitively");
    is_mem(auth->prepend, auth->prepend_len, "X NOOP ", 7,
           "prepends: a later rule's goes in front");
    ok(ruleview_event(&view, "data", 4) == NULL, "no rules, no event");

    const char *bare[] = {"250-a", "250", NULL};
    run(&view, "noop", bare);
    is_str(out, "250-a|250|", "a bare code line stays valid");
    const char *bare2[] = {"250", "250 b", NULL};
    run(&view, "noop", bare2);
    is_str(out, "250-|250 b|", "a bare code continuation gets its marker");
    const char *fix[] = {"250 a", "250-b", "250 c", NULL};
    run(&view, "noop", fix);
    is_str(out, "250-a|250-b|250 c|", "wrong markers are made right");

    ruleview_free(&view);
    rules_free(&set);
}

/* Rule pairs that the two readings (each glob against the server's line,
 * or against what the earlier rules made) tell apart. */
static void acceptutils_reading(void)
{
    static const struct {
        const char *rules, *event, *line, *want, *name;
        int exitcode;
    } cases[] = {
        {":greeting::220*::220 first\n:greeting::220 first*::\n", "greeting",
         "220 mx ESMTP", "220 first|", "the second glob never sees 220 first",
         -1},
        {":greeting::2*::\n:greeting::2*::235 ok\n", "greeting", "220 mx",
         "235 ok|", "a later response brings a removed line back", -1},
        {":greeting::2*::\n:greeting::2*:14:&fixsmtpio_noop\n", "greeting",
         "220 mx", "", "noop leaves a removed line removed", 14},
        {":greeting::2*::235 ok\n:greeting::2*::&fixsmtpio_fixup\n", "greeting",
         "220 mx", "220 mx.example ESMTP|",
         "fixup computes from the server's line", -1},
        {":quit::2*::\n:quit::2*::&fixsmtpio_fixup\n", "quit", "221 bye",
         "221 mx.example|", "fixup brings a removed line back", -1},
        {":mail::250*::250 changed\n:mail::250 changed::550 no\n", "mail",
         "250 ok", "250 changed|", "a replacement never matches again", -1},
        {":mail::5*:1:\n:mail::5*::&fixsmtpio_noop\n:mail::5*:2:550 x\n",
         "mail", "550 no", "550 x|", "the last exit code and response win", 2},
        {":helo::2*::hello there\n", "helo", "250 mx", "hello there|",
         "a response without a reply code is sent as written", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ruleset set;
        struct ruleview view;
        parse(cases[i].rules, &set);
        ruleview_init(&view, &set, fake_env);
        const char *lines[] = {cases[i].line, NULL};
        ok(run(&view, cases[i].event, lines) == cases[i].exitcode,
           "%s: exit code %d", cases[i].name, cases[i].exitcode);
        is_str(out, cases[i].want, cases[i].name);
        ruleview_free(&view);
        rules_free(&set);
    }

    /* The example rules with FIXSMTPIOTLS and AUTHUP_USER both set: the
     * greeting becomes the 235 (the TLS rule removes it first). */
    struct ruleset set;
    struct ruleview view;
    parse("FIXSMTPIOTLS:greeting::2*::\n"
          "AUTHUP_USER:greeting::2*::235 ok, go ahead (#2.0.0)\n"
          ":ehlo::2*::&fixsmtpio_fixup\n"
          ":ehlo::250-x*::ehlo text\n",
          &set);
    ruleview_init(&view, &set, both_env);
    const char *greet[] = {"220 mx ESMTP", NULL};
    run(&view, "greeting", greet);
    is_str(out, "235 ok, go ahead (#2.0.0)|",
           "FIXSMTPIOTLS and AUTHUP_USER: the 235 comes");
    const char *ehlo[] = {"250-mx", "250-x", "250 y", NULL};
    run(&view, "ehlo", ehlo);
    is_str(out, "250-mx.example|ehlo text|250 y|",
           "a line without a code keeps its bytes among continuations");
    ruleview_free(&view);
    rules_free(&set);
}

int main(void)
{
    parser_errors();
    parser_warnings();
    parser_accepts();
    applying();
    acceptutils_reading();
    return done_testing();
}
