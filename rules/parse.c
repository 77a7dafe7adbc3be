/* Parsing rule files: every problem is found and reported with its line and
 * column, so that `fixsmtpio-rules check` can list them all at once.
 *
 * What acceptutils' parser accepted is accepted here too, so that a rule
 * file keeps working after a switch; what looks like a mistake is reported
 * as a warning. What it refused is refused, and so is a NUL or CR inside a
 * rule, which would split a line on its way to the client or the server. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

struct parser {
    rules_report_fn *report;
    void *ctx;
    unsigned line;
    int errors;
};

static void say(struct parser *p, int warning, unsigned column, const char *fmt,
                va_list ap)
{
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (!warning)
        p->errors++;
    if (p->report)
        p->report(p->ctx, warning, p->line, column, msg);
}

static void error(struct parser *p, unsigned column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warning(struct parser *p, unsigned column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void error(struct parser *p, unsigned column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(p, 0, column, fmt, ap);
    va_end(ap);
}

static void warning(struct parser *p, unsigned column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(p, 1, column, fmt, ap);
    va_end(ap);
}

struct field {
    char *s;
    size_t len;
    unsigned column;
};

/* A field quoted in a message: at most 40 bytes of it. */
#define QUOTE(f) (f)->len > 40 ? 40 : (int)(f)->len, (f)->s

static int is_name_char(char c, int first)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
        return 1;
    return !first && c >= '0' && c <= '9';
}

/* Any name is taken, as acceptutils took it; one that a run script cannot
 * set is most likely a mistake. */
static void parse_env(struct parser *p, struct field *f, struct rule *r)
{
    r->env = f->len ? f->s : NULL;
    if (memchr(f->s, '=', f->len)) {
        warning(p, f->column,
                "environment variable name %.*s holds '=': no variable can "
                "have it, so this rule never applies",
                QUOTE(f));
        return;
    }
    for (size_t i = 0; i < f->len; i++) {
        if (!is_name_char(f->s[i], i == 0)) {
            warning(p, f->column + (unsigned)i,
                    "environment variable name %.*s is not a shell name "
                    "(letters, digits and '_', not starting with a digit): "
                    "a run script cannot set it",
                    QUOTE(f));
            return;
        }
    }
}

/* An event is a command's first word, matched without regard to case, or
 * one of the events with a meaning of their own. */
static void parse_event(struct parser *p, struct field *f, struct rule *r)
{
    r->event = f->s;
    if (f->len == 0) {
        error(p, f->column, "event is missing");
        return;
    }
    int odd = 0;
    for (size_t i = 0; i < f->len; i++) {
        char c = f->s[i];
        if (c >= 'A' && c <= 'Z')
            f->s[i] = (char)(c - 'A' + 'a');
        else if (!is_name_char(c, 0) && c != '-')
            odd = 1;
    }
    if (odd)
        warning(p, f->column,
                "event %.*s holds a character no SMTP command has: the rule "
                "never applies",
                QUOTE(f));
    else if (f->len > RULES_MAX_EVENT)
        warning(p, f->column,
                "event is %zu bytes long, longer than any command fixsmtpio "
                "looks up (%d): the rule never applies",
                f->len, RULES_MAX_EVENT);
}

/* A reply line: a code 200-599, then nothing, a space or a '-'. */
static int is_reply_text(const char *s, size_t len)
{
    if (len < 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
        s[2] < '0' || s[2] > '9')
        return 0;
    return len == 3 || s[3] == ' ' || s[3] == '-';
}

/* Digits, as acceptutils read them: what follows the digits is ignored. */
static void parse_exitcode(struct parser *p, struct field *f, struct rule *r)
{
    r->exitcode = -1;
    if (f->len == 0)
        return;
    size_t digits = 0;
    unsigned long v = 0;
    while (digits < f->len && f->s[digits] >= '0' && f->s[digits] <= '9') {
        if (v < 1000)
            v = v * 10 + (unsigned long)(f->s[digits] - '0');
        digits++;
    }
    if (digits == 0) {
        error(p, f->column, "exit code %.*s is not a number", QUOTE(f));
        return;
    }
    if (v > 255) {
        error(p, f->column, "exit code %.*s is not in 0-255",
              (int)(digits > 20 ? 20 : digits), f->s);
        return;
    }
    if (digits < f->len)
        warning(p, f->column + (unsigned)digits,
                "exit code %.*s: what follows %lu is ignored", QUOTE(f), v);
    r->exitcode = (int)v;
}

static void parse_directive(struct parser *p, struct field *f, struct rule *r)
{
    if (strcmp(f->s, "&fixsmtpio_noop") == 0) {
        r->action = RULE_NOOP;
    } else if (strcmp(f->s, "&fixsmtpio_fixup") == 0) {
        r->action = RULE_FIXUP;
        if (fixup_kind_of(r->event, strlen(r->event)) == FIXUP_NONE)
            error(p, f->column,
                  "event %s has no fixup routine (greeting, helo, ehlo, "
                  "quit and help have one)",
                  r->event);
    } else {
        error(p, f->column,
              "unknown directive %.*s (known: &fixsmtpio_noop, "
              "&fixsmtpio_fixup)",
              QUOTE(f));
    }
}

static void parse_response(struct parser *p, struct field *f, struct rule *r)
{
    r->response = NULL;
    r->response_len = 0;
    if (f->len == 0) {
        r->action = RULE_REMOVE;
        return;
    }
    if (strcmp(r->event, EVENT_CLIENTEOF) == 0) {
        error(p, f->column,
              "clienteof rules have no reply to change: leave the response "
              "empty");
        return;
    }
    if (f->len >= 10 && memcmp(f->s, "&fixsmtpio", 10) == 0) {
        parse_directive(p, f, r);
        return;
    }
    if (f->len > RULES_MAX_RESPONSE) {
        error(p, f->column, "response is %zu bytes long, more than %d", f->len,
              RULES_MAX_RESPONSE);
        return;
    }
    if (!is_reply_text(f->s, f->len))
        warning(p, f->column,
                "response does not start with a reply code 200-599 followed "
                "by a space, '-' or nothing: it is sent as written");
    else if (f->len > RULES_REPLY_LINE)
        warning(p, f->column,
                "response is %zu bytes long, more than a reply line may be "
                "(%d without its CR LF)",
                f->len, RULES_REPLY_LINE);
    r->action = RULE_REPLACE;
    r->response = f->s;
    r->response_len = f->len;
}

/* Splits one line (NUL-terminated in the arena) into its fields: the first
 * five colons end a field, and the response is the rest of the line. */
static int split(struct parser *p, char *s, size_t len, struct field f[6])
{
    size_t start = 0;
    int n = 0;
    for (size_t i = 0; i < len && n < 5; i++) {
        if (s[i] == ':') {
            f[n].s = s + start;
            f[n].len = i - start;
            f[n].column = (unsigned)start + 1;
            s[i] = 0;
            n++;
            start = i + 1;
        }
    }
    if (n < 5) {
        error(p, (unsigned)len + 1,
              "a rule has 6 fields separated by ':', this line has %d", n + 1);
        return -1;
    }
    f[5].s = s + start;
    f[5].len = len - start;
    f[5].column = (unsigned)start + 1;
    return 0;
}

/* NUL and CR would split the line on the wire: refused. Other control
 * characters were taken by acceptutils; they are most likely mistakes. */
static int check_bytes(struct parser *p, const char *s, size_t len)
{
    int warned = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0 || c == '\r') {
            error(p, (unsigned)i + 1,
                  "%s in rule: it would split a line on the wire",
                  c ? "CR" : "NUL byte");
            return -1;
        }
        if (((c < 0x20 && c != '\t') || c == 0x7f) && !warned) {
            warning(p, (unsigned)i + 1, "control character 0x%02x in rule", c);
            warned = 1;
        }
    }
    return 0;
}

static void parse_rule(struct parser *p, char *s, size_t len, struct rule *r)
{
    struct field f[6];
    int before = p->errors;
    if (check_bytes(p, s, len) < 0 || split(p, s, len, f) < 0)
        return;
    memset(r, 0, sizeof *r);
    r->line = p->line;
    parse_env(p, &f[0], r);
    parse_event(p, &f[1], r);
    r->prepend = f[2].len ? f[2].s : NULL;
    r->prepend_len = f[2].len;
    r->glob = f[3].s;
    /* Lines that do not start with the glob's literal prefix cannot match:
     * they need no fnmatch(3) call. */
    r->glob_literal = strcspn(r->glob, "*?[\\");
    if (f[3].len == 0)
        error(p, f[3].column, "response-line glob is missing");
    parse_exitcode(p, &f[4], r);
    if (p->errors == before)
        parse_response(p, &f[5], r);
}

/* The prepends of an event add up (every matching rule's goes in front):
 * with the command they must still fit a line. */
static int by_event(const void *a, const void *b)
{
    const struct rule *x = *(const struct rule *const *)a;
    const struct rule *y = *(const struct rule *const *)b;
    int c = strcmp(x->event, y->event);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int check_prepends(struct parser *p, struct ruleset *set)
{
    size_t n = 0;
    for (size_t i = 0; i < set->count; i++)
        n += set->rules[i].prepend_len > 0;
    if (n == 0)
        return 0;
    const struct rule **with = malloc(n * sizeof *with);
    if (!with)
        return -1;
    n = 0;
    for (size_t i = 0; i < set->count; i++)
        if (set->rules[i].prepend_len)
            with[n++] = &set->rules[i];
    qsort(with, n, sizeof *with, by_event);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(with[i]->event, with[i - 1]->event) != 0)
            total = 0;
        total += with[i]->prepend_len;
        if (total > RULES_MAX_PREPEND &&
            (total - with[i]->prepend_len <= RULES_MAX_PREPEND)) {
            p->line = with[i]->line;
            error(p, 1,
                  "the request prefixes of event %s add up to %zu bytes, "
                  "more than %d",
                  with[i]->event, total, RULES_MAX_PREPEND);
        }
    }
    free(with);
    return 0;
}

/* A line without its line end: a CR of a CR LF file, then trailing spaces
 * and tabs (as qmail's control files lose them) are not part of it. */
static size_t trim(const char *s, size_t n)
{
    if (n && s[n - 1] == '\r')
        n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

int rules_parse(const char *text, size_t len, struct ruleset *set,
                rules_report_fn *report, void *ctx)
{
    struct parser p = {report, ctx, 0, 0};
    memset(set, 0, sizeof *set);
    if (len > RULES_MAX_FILE) {
        p.line = 1;
        error(&p, 1, "rule file is %zu bytes long, more than %u", len,
              RULES_MAX_FILE);
        return p.errors;
    }
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    set->arena = malloc(len + 1);
    set->rules = calloc(lines, sizeof *set->rules);
    if (!set->arena || !set->rules) {
        rules_free(set);
        return -1;
    }
    if (len)
        memcpy(set->arena, text, len);
    set->arena[len] = 0;
    char *s = set->arena;
    char *end = set->arena + len;
    while (s < end) {
        p.line++;
        char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        char *next = nl ? nl + 1 : end;
        n = trim(s, n);
        s[n] = 0;
        if (n > 0 && s[0] != '#')
            parse_rule(&p, s, n, &set->rules[set->count++]);
        s = next;
    }
    if (!p.errors && check_prepends(&p, set) < 0) {
        rules_free(set);
        return -1;
    }
    if (p.errors) {
        rules_free(set);
        return p.errors;
    }
    return 0;
}

void rules_free(struct ruleset *set)
{
    free(set->rules);
    free(set->arena);
    memset(set, 0, sizeof *set);
}

static size_t put(char *out, size_t o, const char *s, size_t n)
{
    if (n)
        memcpy(out + o, s, n);
    return o + n;
}

char *rules_canonical(const struct ruleset *set, size_t *len)
{
    size_t size = 1;
    for (size_t i = 0; i < set->count; i++) {
        const struct rule *r = &set->rules[i];
        size += (r->env ? strlen(r->env) : 0) + strlen(r->event) +
                r->prepend_len + strlen(r->glob) + r->response_len + 48;
    }
    char *out = malloc(size);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < set->count; i++) {
        const struct rule *r = &set->rules[i];
        char code[16] = "";
        if (r->exitcode >= 0)
            snprintf(code, sizeof code, "%d", r->exitcode);
        if (r->env)
            o = put(out, o, r->env, strlen(r->env));
        o = put(out, o, ":", 1);
        o = put(out, o, r->event, strlen(r->event));
        o = put(out, o, ":", 1);
        o = put(out, o, r->prepend, r->prepend_len);
        o = put(out, o, ":", 1);
        o = put(out, o, r->glob, strlen(r->glob));
        o = put(out, o, ":", 1);
        o = put(out, o, code, strlen(code));
        o = put(out, o, ":", 1);
        if (r->action == RULE_REPLACE)
            o = put(out, o, r->response, r->response_len);
        else if (r->action == RULE_NOOP)
            o = put(out, o, "&fixsmtpio_noop", 15);
        else if (r->action == RULE_FIXUP)
            o = put(out, o, "&fixsmtpio_fixup", 16);
        o = put(out, o, "\n", 1);
    }
    out[o] = 0;
    *len = o;
    return out;
}
