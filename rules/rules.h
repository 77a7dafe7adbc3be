/* The fixsmtpio rule language: parsing, choosing the rules that apply, and
 * applying them to reply lines. Buffers only, no file descriptors.
 *
 * A rule is one line of six ':'-separated fields:
 *   [env]:event:[request-prepend]:response-line-glob:[exitcode]:[response]
 * The response is the rest of the line and may hold ':'. */
#ifndef RULES_H
#define RULES_H

#include <stddef.h>

#define RULES_MAX_FILE (16u << 20) /* bytes in a rule file */
#define RULES_MAX_EVENT 64         /* longer events are never looked up */
#define RULES_MAX_PREPEND 510      /* all the prepends of one event */
#define RULES_REPLY_LINE 510       /* an RFC 5321 reply line without CR LF */
#define RULES_MAX_RESPONSE 65000   /* less than a reply line can become */

enum rule_action {
    RULE_REPLACE, /* the line becomes the response */
    RULE_REMOVE,  /* empty response: the line goes */
    RULE_NOOP,    /* &fixsmtpio_noop: the line stays */
    RULE_FIXUP    /* &fixsmtpio_fixup: the event's built-in routine */
};

struct rule {
    const char *env; /* NULL: applies whatever the environment */
    const char *event;
    const char *prepend; /* NULL: none */
    const char *glob;
    size_t glob_literal;  /* bytes before the glob's first special one */
    const char *response; /* RULE_REPLACE only */
    size_t prepend_len;
    size_t response_len;
    int exitcode; /* -1: none */
    enum rule_action action;
    unsigned line; /* in the source */
};

struct ruleset {
    struct rule *rules;
    size_t count;
    char *arena; /* the fields point into it */
};

/* Called once for every problem found: an error (the file is refused) or a
 * warning (the rule is taken, but looks like a mistake). Line and column
 * count from 1. */
typedef void rules_report_fn(void *ctx, int warning, unsigned line,
                             unsigned column, const char *message);

/* Parses text[0..len) into set. Every problem is reported through report
 * (which may be NULL); returns the number of errors, or -1 when memory ran
 * out. With errors the set is left empty. */
int rules_parse(const char *text, size_t len, struct ruleset *set,
                rules_report_fn *report, void *ctx);
void rules_free(struct ruleset *set);
/* The rules as canonical text, one a line (comments and blank lines gone):
 * what a compiled rule file stores. Returns a malloc'd string, or NULL. */
char *rules_canonical(const struct ruleset *set, size_t *len);

/* Events fixsmtpio raises itself: the server's greeting, a reply no request
 * asked for, the client closing, and the reply to the end of message data
 * (the reply to the DATA command itself is the event data). */
#define EVENT_GREETING "greeting"
#define EVENT_TIMEOUT "timeout"
#define EVENT_CLIENTEOF "clienteof"
#define EVENT_IN_DATA "in_data"
/* 1 when word[0..len) (any case) names one of them: a client command of that
 * name takes no rules, so that a client cannot raise them. */
int rules_event_reserved(const char *word, size_t len);

/* The rules that apply in one environment, grouped by event. */
struct rules_event {
    const char *name;
    size_t name_len;
    const struct rule **rules; /* in file order */
    size_t count;
    char *prepend; /* every prepend for the event, later rules' first */
    size_t prepend_len;
    /* Bit c is set when some rule's glob starts with the byte c, or with a
     * special character (then every bit is): rules_event_may_match(). */
    unsigned char first[32];
};

#define RULEVIEW_BUCKETS 64

struct ruleview {
    struct rules_event *events;
    size_t count;
    /* Events by a hash of length and first letters: index + 1, 0 empty;
     * collisions go to the next bucket. */
    unsigned short bucket[RULEVIEW_BUCKETS];
    int overflow; /* more events than buckets: searched one by one */
};

typedef const char *rules_getenv_fn(const char *name);

/* Picks the rules of set whose env field is unset or names a variable that
 * getenv_fn finds (NULL: the process's environment). 0, or -1 when memory
 * ran out. */
int ruleview_init(struct ruleview *view, const struct ruleset *set,
                  rules_getenv_fn *getenv_fn);
void ruleview_free(struct ruleview *view);
/* The event named by word[0..len) (any case), or NULL when no rule has it. */
const struct rules_event *ruleview_event(const struct ruleview *view,
                                         const char *word, size_t len);

/* 0 when no rule of ev (NULL: none) can match a line whose first byte is
 * c: every glob starts with another literal byte. reply_rules_line() would
 * leave such a line as it is, run no fixup and set no exit code, so the
 * caller may pass it on without it; 1 when a rule may match. */
static inline int rules_event_may_match(const struct rules_event *ev,
                                        unsigned char c)
{
    return ev && (ev->first[c >> 3] >> (c & 7)) & 1;
}

/* The built-in routine &fixsmtpio_fixup runs for an event. */
enum fixup_kind {
    FIXUP_NONE,
    FIXUP_GREETING,
    FIXUP_HELO,
    FIXUP_EHLO,
    FIXUP_QUIT,
    FIXUP_HELP
};
enum fixup_kind fixup_kind_of(const char *event, size_t len);

/* Applying the rules of one event to the lines of one reply. */
struct reply_rules {
    const struct rules_event *event; /* NULL: no rules, lines pass */
    enum fixup_kind fixup;
    const char *greeting; /* the smtpgreeting the fixups say */
    unsigned index;       /* of the next line in the reply */
    int exitcode;         /* -1, or the last one a matching rule set */
    int help_said;        /* HELP's line went before an earlier line */
    /* Called for every rule whose glob matches a line, when set (after
     * reply_rules_start(), which clears it): fixsmtpio-rules test. */
    void (*fired)(void *ctx, const struct rule *r);
    void *fired_ctx;
};

void reply_rules_start(struct reply_rules *rr, const struct rules_event *event,
                       enum fixup_kind fixup, const char *greeting);

/* The most a reply line can become: the longest line the reader takes, a
 * response, or a fixup with a greeting. */
#define REPLY_LINE_MAX 65536

struct reply_line_out {
    /* A line to send before this one (HELP's), or length 0. */
    char before[REPLY_LINE_MAX];
    size_t before_len;
    /* The line itself, or removed. */
    const char *text;
    size_t len;
    int removed;
    char scratch[REPLY_LINE_MAX];
};

/* Applies the event's rules to one reply line (without CR LF, followed by a
 * NUL; it starts with a valid reply code). The result goes in out, pointing
 * at line, at a rule's response or at out's own storage; a response may be
 * text without a reply code, to be sent as written. */
void reply_rules_line(struct reply_rules *rr, const char *line, size_t len,
                      struct reply_line_out *out);

#endif
