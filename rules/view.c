/* Choosing the rules that apply in this environment, grouped by event. */
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "rules.h"

static unsigned hash(const char *word, size_t len)
{
    unsigned h = (unsigned)len * 31u;
    if (len > 0)
        h += (unsigned char)ascii_lower(word[0]) * 7u;
    if (len > 1)
        h += (unsigned char)ascii_lower(word[len - 1]);
    return h % RULEVIEW_BUCKETS;
}

static struct rules_event *find(struct ruleview *view, const char *name)
{
    for (size_t i = 0; i < view->count; i++)
        if (strcmp(view->events[i].name, name) == 0)
            return &view->events[i];
    return NULL;
}

/* Every prepend of the event; a later rule's goes in front of what the
 * earlier ones made. */
static int build_prepend(struct rules_event *ev)
{
    size_t total = 0;
    for (size_t i = 0; i < ev->count; i++)
        total += ev->rules[i]->prepend_len;
    if (total == 0)
        return 0;
    ev->prepend = malloc(total);
    if (!ev->prepend)
        return -1;
    size_t o = 0;
    for (size_t i = ev->count; i-- > 0;) {
        const struct rule *r = ev->rules[i];
        if (r->prepend_len)
            memcpy(ev->prepend + o, r->prepend, r->prepend_len);
        o += r->prepend_len;
    }
    ev->prepend_len = total;
    return 0;
}

/* A glob matches only lines that start with its literal first bytes (the
 * early test in apply.c's matches()); one that starts with a special
 * character may match a line starting with anything. */
static void note_first(struct rules_event *ev, const struct rule *r)
{
    if (r->glob_literal == 0) {
        memset(ev->first, 0xff, sizeof ev->first);
        return;
    }
    unsigned char c = (unsigned char)r->glob[0];
    ev->first[c >> 3] |= (unsigned char)(1u << (c & 7));
}

int ruleview_init(struct ruleview *view, const struct ruleset *set,
                  rules_getenv_fn *getenv_fn)
{
    memset(view, 0, sizeof *view);
    if (set->count == 0)
        return 0;
    view->events = calloc(set->count, sizeof *view->events);
    if (!view->events)
        return -1;
    for (size_t i = 0; i < set->count; i++) {
        const struct rule *r = &set->rules[i];
        if (r->env && !(getenv_fn ? getenv_fn(r->env) : getenv(r->env)))
            continue;
        struct rules_event *ev = find(view, r->event);
        if (!ev) {
            ev = &view->events[view->count++];
            ev->name = r->event;
            ev->name_len = strlen(r->event);
            ev->rules = calloc(set->count - i, sizeof *ev->rules);
            if (!ev->rules)
                goto fail;
        }
        ev->rules[ev->count++] = r;
        note_first(ev, r);
    }
    for (size_t i = 0; i < view->count; i++) {
        struct rules_event *ev = &view->events[i];
        if (build_prepend(ev) < 0)
            goto fail;
        unsigned h = hash(ev->name, ev->name_len);
        for (size_t tries = 0; view->bucket[h] && tries < RULEVIEW_BUCKETS;
             tries++)
            h = (h + 1) % RULEVIEW_BUCKETS;
        if (view->bucket[h] == 0)
            view->bucket[h] = (unsigned short)(i + 1);
        else
            view->overflow = 1;
    }
    return 0;
fail:
    ruleview_free(view);
    return -1;
}

void ruleview_free(struct ruleview *view)
{
    for (size_t i = 0; i < view->count; i++) {
        free(view->events[i].rules);
        free(view->events[i].prepend);
    }
    free(view->events);
    memset(view, 0, sizeof *view);
}

const struct rules_event *ruleview_event(const struct ruleview *view,
                                         const char *word, size_t len)
{
    if (len > RULES_MAX_EVENT || view->count == 0)
        return NULL;
    char low[RULES_MAX_EVENT];
    for (size_t i = 0; i < len; i++)
        low[i] = ascii_lower(word[i]);
    if (view->overflow) {
        for (size_t i = 0; i < view->count; i++) {
            const struct rules_event *ev = &view->events[i];
            if (ev->name_len == len && memcmp(ev->name, low, len) == 0)
                return ev;
        }
        return NULL;
    }
    unsigned h = hash(low, len);
    for (size_t tries = 0; tries < RULEVIEW_BUCKETS && view->bucket[h];
         tries++) {
        const struct rules_event *ev = &view->events[view->bucket[h] - 1];
        if (ev->name_len == len && memcmp(ev->name, low, len) == 0)
            return ev;
        h = (h + 1) % RULEVIEW_BUCKETS;
    }
    return NULL;
}

int rules_event_reserved(const char *word, size_t len)
{
    /* Asked for every command: most words are turned away by their
     * length alone. */
    static const struct {
        const char *name;
        size_t len;
    } reserved[] = {{EVENT_GREETING, sizeof EVENT_GREETING - 1},
                    {EVENT_TIMEOUT, sizeof EVENT_TIMEOUT - 1},
                    {EVENT_CLIENTEOF, sizeof EVENT_CLIENTEOF - 1},
                    {EVENT_IN_DATA, sizeof EVENT_IN_DATA - 1}};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (len == reserved[i].len && ascii_caseeq(word, reserved[i].name, len))
            return 1;
    return 0;
}

enum fixup_kind fixup_kind_of(const char *event, size_t len)
{
    if (len == 8)
        return ascii_caseeq(event, EVENT_GREETING, 8) ? FIXUP_GREETING
                                                      : FIXUP_NONE;
    if (len != 4)
        return FIXUP_NONE;
    switch (ascii_lower(event[0])) {
    case 'h':
        if (ascii_caseeq(event, "helo", 4))
            return FIXUP_HELO;
        return ascii_caseeq(event, "help", 4) ? FIXUP_HELP : FIXUP_NONE;
    case 'e':
        return ascii_caseeq(event, "ehlo", 4) ? FIXUP_EHLO : FIXUP_NONE;
    case 'q':
        return ascii_caseeq(event, "quit", 4) ? FIXUP_QUIT : FIXUP_NONE;
    default:
        return FIXUP_NONE;
    }
}
