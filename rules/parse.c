/* Parsing rule files: every error is found and reported with its line and
 * column, so that `fixsmtpio-rules check` can list them all at once. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

struct parser {
    rules_error_fn *on_error;
    void *ctx;
    unsigned line;
    int errors;
};

static void report(struct parser *p, unsigned column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(struct parser *p, unsigned column, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->errors++;
    if (p->on_error)
        p->on_error(p->ctx, p->line, column, msg);
}

struct field {
    char *s;
    size_t len;
    unsigned column;
};

/* Bytes that may not appear in any field: controls other than tab. */
static size_t find_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return i;
    }
    return len;
}

static int check_length(struct parser *p, const struct field *f,
                        const char *what, size_t max)
{
    if (f->len <= max)
        return 0;
    report(p, f->column, "%s is %zu bytes long, more than %zu", what, f->len,
           max);
    return -1;
}

static int is_name_char(char c, int first)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
        return 1;
    return !first && c >= '0' && c <= '9';
}

static void parse_env(struct parser *p, struct field *f, struct rule *r)
{
    r->env = NULL;
    if (f->len == 0 ||
        check_length(p, f, "environment variable name", RULES_MAX_ENV) < 0)
        return;
    for (size_t i = 0; i < f->len; i++) {
        if (!is_name_char(f->s[i], i == 0)) {
            report(p, f->column + (unsigned)i,
                   "environment variable name may hold only letters, digits "
                   "and '_', and may not start with a digit");
            return;
        }
    }
    r->env = f->s;
}

static void parse_event(struct parser *p, struct field *f, struct rule *r)
{
    r->event = f->s;
    if (f->len == 0) {
        report(p, f->column, "event is missing");
        return;
    }
    if (check_length(p, f, "event", RULES_MAX_EVENT) < 0)
        return;
    for (size_t i = 0; i < f->len; i++) {
        char c = f->s[i];
        if (c >= 'A' && c <= 'Z')
            f->s[i] = (char)(c - 'A' + 'a');
        else if (!is_name_char(c, 0) && c != '-') {
            report(p, f->column + (unsigned)i,
                   "event may hold only letters, digits, '-' and '_'");
            return;
        }
    }
}

/* A response must read as a reply line: a code 200-599, then nothing, a
 * space or a '-'. */
static int is_reply_text(const char *s, size_t len)
{
    if (len < 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
        s[2] < '0' || s[2] > '9')
        return 0;
    return len == 3 || s[3] == ' ' || s[3] == '-';
}

static void parse_exitcode(struct parser *p, struct field *f, struct rule *r)
{
    r->exitcode = -1;
    if (f->len == 0)
        return;
    unsigned long v = 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->s[i] < '0' || f->s[i] > '9') {
            report(p, f->column, "exit code %.*s is not a number",
                   f->len > 20 ? 20 : (int)f->len, f->s);
            return;
        }
        if (v < 1000)
            v = v * 10 + (unsigned long)(f->s[i] - '0');
    }
    if (v > 255) {
        report(p, f->column, "exit code %.*s is not in 0-255",
               f->len > 20 ? 20 : (int)f->len, f->s);
        return;
    }
    r->exitcode = (int)v;
}

static void parse_response(struct parser *p, struct field *f, struct rule *r)
{
    r->response = NULL;
    r->response_len = 0;
    int clienteof = strcmp(r->event, EVENT_CLIENTEOF) == 0;
    if (f->len == 0) {
        r->action = RULE_REMOVE;
        return;
    }
    if (clienteof) {
        report(p, f->column,
               "clienteof rules have no reply to change: leave the "
               "response empty");
        return;
    }
    if (f->len >= 10 && memcmp(f->s, "&fixsmtpio", 10) == 0) {
        if (strcmp(f->s, "&fixsmtpio_noop") == 0) {
            r->action = RULE_NOOP;
        } else if (strcmp(f->s, "&fixsmtpio_fixup") == 0) {
            r->action = RULE_FIXUP;
            if (fixup_kind_of(r->event, strlen(r->event)) == FIXUP_NONE)
                report(p, f->column,
                       "event %s has no fixup routine (greeting, helo, ehlo, "
                       "quit and help have one)",
                       r->event);
        } else {
            report(p, f->column,
                   "unknown directive %.*s (known: &fixsmtpio_noop, "
                   "&fixsmtpio_fixup)",
                   f->len > 40 ? 40 : (int)f->len, f->s);
        }
        return;
    }
    if (check_length(p, f, "response", RULES_MAX_RESPONSE) < 0)
        return;
    if (!is_reply_text(f->s, f->len)) {
        report(p, f->column,
               "response must start with a reply code 200-599 followed by a "
               "space, '-' or nothing");
        return;
    }
    r->action = RULE_REPLACE;
    r->response = f->s;
    r->response_len = f->len;
}

/* Splits one line (NUL-terminated in the arena) into its fields. */
static int split(struct parser *p, char *s, size_t len, struct field f[6])
{
    size_t start = 0;
    int n = 0;
    for (size_t i = 0; i <= len && n < 5; i++) {
        if (i == len)
            break;
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
        report(p, (unsigned)len + 1,
               "a rule has 6 fields separated by ':', this line has %d", n + 1);
        return -1;
    }
    f[5].s = s + start;
    f[5].len = len - start;
    f[5].column = (unsigned)start + 1;
    return 0;
}

static void parse_rule(struct parser *p, char *s, size_t len, struct rule *r)
{
    struct field f[6];
    int before = p->errors;
    size_t bad = find_control(s, len);
    if (bad < len) {
        report(p, (unsigned)bad + 1, "control character 0x%02x in rule",
               (unsigned char)s[bad]);
        return;
    }
    if (split(p, s, len, f) < 0)
        return;
    memset(r, 0, sizeof *r);
    r->line = p->line;
    parse_env(p, &f[0], r);
    parse_event(p, &f[1], r);
    r->prepend = NULL;
    if (f[2].len &&
        check_length(p, &f[2], "request prefix", RULES_MAX_PREPEND) == 0) {
        r->prepend = f[2].s;
        r->prepend_len = f[2].len;
    }
    r->glob = f[3].s;
    /* Lines that do not start with the glob's literal prefix cannot match:
     * they need no fnmatch(3) call. */
    r->glob_literal = strcspn(r->glob, "*?[\\");
    if (f[3].len == 0)
        report(p, f[3].column, "response-line glob is missing");
    else
        check_length(p, &f[3], "response-line glob", RULES_MAX_GLOB);
    parse_exitcode(p, &f[4], r);
    if (p->errors == before)
        parse_response(p, &f[5], r);
}

int rules_parse(const char *text, size_t len, struct ruleset *set,
                rules_error_fn *on_error, void *ctx)
{
    struct parser p = {on_error, ctx, 0, 0};
    memset(set, 0, sizeof *set);
    if (len > RULES_MAX_FILE) {
        p.line = 1;
        report(&p, 1, "rule file is %zu bytes long, more than %u", len,
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
        s[n] = 0;
        if (n && s[n - 1] == '\r') /* a file written with CR LF line ends */
            s[--n] = 0;
        if (n > 0 && s[0] != '#')
            parse_rule(&p, s, n, &set->rules[set->count++]);
        s = next;
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
                r->prepend_len + strlen(r->glob) + 3 + RULES_MAX_RESPONSE + 32;
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
