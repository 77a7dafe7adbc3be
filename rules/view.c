/* Choosing the rules that apply in this environment, grouped by event. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"

static struct rules_event *find(struct ruleview *view, const char *name)
{
    for (size_t i = 0; i < view->count; i++)
        if (strcmp(view->events[i].name, name) == 0) return &view->events[i];
    return NULL;
}

/* Every prepend of the event; a later rule's goes in front of what the
 * earlier ones made. */
static int build_prepend(struct rules_event *ev)
{
    size_t total = 0;
    for (size_t i = 0; i < ev->count; i++)
        total += ev->rules[i]->prepend_len;
    if (total == 0) return 0;
    ev->prepend = malloc(total);
    if (!ev->prepend) return -1;
    size_t o = 0;
    for (size_t i = ev->count; i-- > 0;) {
        const struct rule *r = ev->rules[i];
        if (r->prepend_len) memcpy(ev->prepend + o, r->prepend, r->prepend_len);
        o += r->prepend_len;
    }
    ev->prepend_len = total;
    return 0;
}

int ruleview_init(struct ruleview *view, const struct ruleset *set,
                  rules_getenv_fn *getenv_fn)
{
    memset(view, 0, sizeof *view);
    if (set->count == 0) return 0;
    view->events = calloc(set->count, sizeof *view->events);
    if (!view->events) return -1;
    for (size_t i = 0; i < set->count; i++) {
        const struct rule *r = &set->rules[i];
        if (r->env && !getenv_fn(r->env)) continue;
        struct rules_event *ev = find(view, r->event);
        if (!ev) {
            ev = &view->events[view->count++];
            ev->name = r->event;
            ev->rules = calloc(set->count - i, sizeof *ev->rules);
            if (!ev->rules) goto fail;
        }
        ev->rules[ev->count++] = r;
    }
    for (size_t i = 0; i < view->count; i++)
        if (build_prepend(&view->events[i]) < 0) goto fail;
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
    for (size_t i = 0; i < view->count; i++) {
        const char *name = view->events[i].name;
        if (strlen(name) == len && strncasecmp(name, word, len) == 0)
            return &view->events[i];
    }
    return NULL;
}

enum fixup_kind fixup_kind_of(const char *event, size_t len)
{
    static const struct {
        const char *name;
        enum fixup_kind kind;
    } kinds[] = {{EVENT_GREETING, FIXUP_GREETING},
                 {"helo", FIXUP_HELO},
                 {"ehlo", FIXUP_EHLO},
                 {"quit", FIXUP_QUIT},
                 {"help", FIXUP_HELP}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strlen(kinds[i].name) == len &&
            strncasecmp(kinds[i].name, event, len) == 0)
            return kinds[i].kind;
    return FIXUP_NONE;
}
