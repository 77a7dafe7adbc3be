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
    rr->fired = NULL;
    rr->fired_ctx = NULL;
}

static size_t say(char *out, const char *fmt, const char *code,
                  const char *text)
{
    int n = snprintf(out, REPLY_LINE_MAX, fmt, code, text);
    if (n < 0)
        return 0;
    return (size_t)n < REPLY_LINE_MAX ? (size_t)n : REPLY_LINE_MAX - 1;
}

/* &fixsmtpio_fixup: the line as qmail-smtpd would say it, computed from the
 * server's line. The reply code is the server's own, so a fixup never turns
 * a refusal into an acceptance. A routine that has nothing to say about a
 * line (EHLO's later lines, HELP's) leaves it as the earlier rules left it. */
static void fixup(struct reply_rules *rr, const char *line,
                  struct reply_line_out *out)
{
    char code[4];
    memcpy(code, line, 3);
    code[3] = 0;
    switch (rr->fixup) {
    case FIXUP_GREETING:
        out->len = say(out->scratch, "%s %s ESMTP", code, rr->greeting);
        break;
    case FIXUP_EHLO: /* the first line only */
        if (rr->index != 0)
            return;
        out->len = say(out->scratch, "%s %s", code, rr->greeting);
        break;
    case FIXUP_HELO:
    case FIXUP_QUIT:
        out->len = say(out->scratch, "%s %s", code, rr->greeting);
        break;
    case FIXUP_HELP:
        if (!rr->help_said) {
            rr->help_said = 1;
            out->before_len =
                say(out->before, "%s fixsmtpio " SUITE_VERSION "%s", code,
                    ": this server's replies pass through fixsmtpio(8)");
        }
        return;
    case FIXUP_NONE:
        return;
    }
    out->text = out->scratch;
    out->removed = 0;
}

static int matches(const struct rule *r, const char *line, size_t len)
{
    return len >= r->glob_literal &&
           memcmp(line, r->glob, r->glob_literal) == 0 &&
           fnmatch(r->glob, line, 0) == 0;
}

/* As acceptutils decides: every rule's glob is matched against the line as
 * the server sent it, never against what an earlier rule made of it; the
 * matching rules then act in file order on the line being built. */
void reply_rules_line(struct reply_rules *rr, const char *line, size_t len,
                      struct reply_line_out *out)
{
    out->before_len = 0;
    out->removed = 0;
    out->text = line;
    out->len = len;
    const struct rules_event *ev = rr->event;
    for (size_t i = 0; ev && i < ev->count; i++) {
        const struct rule *r = ev->rules[i];
        if (!matches(r, line, len))
            continue;
        if (rr->fired)
            rr->fired(rr->fired_ctx, r);
        if (r->exitcode >= 0)
            rr->exitcode = r->exitcode;
        switch (r->action) {
        case RULE_REPLACE:
            out->text = r->response;
            out->len = r->response_len;
            out->removed = 0;
            break;
        case RULE_REMOVE:
            out->removed = 1;
            break;
        case RULE_NOOP:
            break;
        case RULE_FIXUP:
            fixup(rr, line, out);
            break;
        }
    }
    rr->index++;
}
