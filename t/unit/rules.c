/* The rule language: every parser error with its line and column, views by
 * environment, prepends, globs, fixups and renormalised replies. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "renorm.h"
#include "rules.h"

static char errors[4096];

static void collect(void *ctx, unsigned line, unsigned column,
                    const char *message)
{
    (void)ctx;
    size_t n = strlen(errors);
    snprintf(errors + n, sizeof errors - n, "%u:%u: %s\n", line, column,
             message);
}

/* Parses text; returns the number of errors, errors[] holding them. */
static int parse(const char *text, struct ruleset *set)
{
    errors[0] = 0;
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

static void parser_errors(void)
{
    bad(":ehlo::*:300:", "1:10: exit code 300 is not in 0-255", "exit 300");
    bad(":ehlo::*:x1:", "1:10: exit code x1 is not a number", "exit x1");
    bad(":ehlo::*:-1:", "exit code -1 is not a number", "exit -1");
    bad("::::", "1:5: a rule has 6 fields separated by ':', this line has 5",
        "five fields");
    bad(":ehlo", "has 2", "two fields");
    bad(":::x:0:", "1:2: event is missing", "no event");
    bad(":ehlo::::", "1:8: response-line glob is missing", "no glob");
    bad(":ehlo::*::&fixsmtpio_nope", "1:11: unknown directive",
        "unknown directive");
    bad(":rcpt::*::&fixsmtpio_fixup", "event rcpt has no fixup routine",
        "fixup without routine");
    bad(":clienteof::*::250 ok", "clienteof rules have no reply",
        "response on clienteof");
    bad(":clienteof::*::&fixsmtpio_noop", "clienteof rules have no reply",
        "noop on clienteof");
    bad(":ehlo::*::ok", "response must start with a reply code",
        "response without a code");
    bad(":ehlo::*::600 no", "response must start with a reply code",
        "code 600");
    bad(":ehlo::*::2500 x", "response must start with a reply code",
        "four digits");
    bad("1BAD:ehlo::*::", "1:1: environment variable name",
        "env name starting with a digit");
    bad("A-B:ehlo::*::", "1:2: environment variable name", "env name with -");
    bad(":eh lo::*::", "1:4: event may hold only", "event with a space");
    bad(":ehlo::*::250 a\001b", "control character 0x01", "control character");
    bad("# comment\n\n:ehlo::*:256:", "3:10: exit code 256", "line numbers");

    /* Over-long fields are errors with a defined message. */
    char *big = malloc(200000);
    memset(big, 'a', 200000);
    memcpy(big, ":ehlo::", 7);
    memcpy(big + 7 + 102400, "::", 3);
    bad(big, "response-line glob is 102400 bytes long, more than 1024",
        "100 KiB glob");
    memcpy(big, ":ehlo::*::250 ", 14);
    big[14 + 102400] = 0;
    bad(big, "response is", "100 KiB response");
    free(big);

    /* Every error is reported, not just the first. */
    struct ruleset set;
    int n = parse(":a::*:999:\n:b::*::x\n:c::*::\n", &set);
    is_int(n, 2, "two bad lines, two errors");
    ok(strstr(errors, "1:7:") && strstr(errors, "2:8:"), "both located");
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
           "a later rule sees what an earlier one made");

    const char *mail[] = {"250 ok", NULL};
    run(&view, "mail", mail);
    is_str(out, "", "a reply whose every line is removed sends nothing");
    const char *mail2[] = {"250-a", "250 b", NULL};
    run(&view, "mail", mail2);
    is_str(out, "", "every line of a multi-line reply removed");

    const char *vrfy[] = {"252 maybe", NULL};
    run(&view, "vrfy", vrfy);
    is_str(out, "250 two|", "chained replacements");

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

int main(void)
{
    parser_errors();
    parser_accepts();
    applying();
    return done_testing();
}
