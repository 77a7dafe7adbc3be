/* Applying an event's rules to the lines of one reply. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "version.h"

void reply_rules_start(struct reply_rules *rr, const struct rules_event *event,
                       enum fixup_kind fixup, const char *greeting)
{
    rr->event = event;
    rr->fixup = fixup;
    rr->greeting = greeting ? greeting : "";
    rr->index = 0;
    rr->exitcode = -1;
    rr->help_said = 0;
}

static size_t say(char *out, const char *fmt, const char *code,
                  const char *text)
{
    int n = snprintf(out, REPLY_LINE_MAX, fmt, code, text);
    if (n < 0)
        return 0;
    return (size_t)n < REPLY_LINE_MAX ? (size_t)n : REPLY_LINE_MAX - 1;
}

/* &fixsmtpio_fixup: the line as qmail-smtpd would say it. The reply code is
 * the line's own, so a fixup never turns a refusal into an acceptance. */
static void fixup(struct reply_rules *rr, struct reply_line_out *out)
{
    char code[4];
    memcpy(code, out->text, 3);
    code[3] = 0;
    switch (rr->fixup) {
    case FIXUP_GREETING:
        out->len = say(out->scratch, "%s %s ESMTP", code, rr->greeting);
        break;
    case FIXUP_EHLO: /* the first line only; the others are kept */
        if (rr->index != 0)
            return;
        out->len = say(out->scratch, "%s %s", code, rr->greeting);
        break;
    case FIXUP_HELO:
    case FIXUP_QUIT:
        out->len = say(out->scratch, "%s %s", code, rr->greeting);
        break;
    case FIXUP_HELP:
        if (rr->help_said)
            return;
        rr->help_said = 1;
        out->before_len =
            say(out->before, "%s fixsmtpio " SUITE_VERSION "%s", code,
                ": this server's replies pass through fixsmtpio(8)");
        return;
    case FIXUP_NONE:
        return;
    }
    out->text = out->scratch;
}

void reply_rules_line(struct reply_rules *rr, const char *line, size_t len,
                      struct reply_line_out *out)
{
    out->before_len = 0;
    out->removed = 0;
    out->text = line;
    out->len = len;
    const struct rules_event *ev = rr->event;
    for (size_t i = 0; ev && i < ev->count && !out->removed; i++) {
        const struct rule *r = ev->rules[i];
        if (out->len < r->glob_literal ||
            memcmp(out->text, r->glob, r->glob_literal) != 0 ||
            fnmatch(r->glob, out->text, 0) != 0)
            continue;
        if (r->exitcode >= 0)
            rr->exitcode = r->exitcode;
        switch (r->action) {
        case RULE_REPLACE:
            out->text = r->response;
            out->len = r->response_len;
            break;
        case RULE_REMOVE:
            out->removed = 1;
            break;
        case RULE_NOOP:
            break;
        case RULE_FIXUP:
            fixup(rr, out);
            break;
        }
    }
    rr->index++;
}
