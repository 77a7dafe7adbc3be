/* The rule-file parser: any bytes. A file that parses must give canonical
 * text that parses to the same rules, and a view and replies must work. */
#include <stdint.h>

#include "fuzz.h"
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static const char *env_some(const char *name)
{
    return name[0] & 1 ? "" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ruleset set, again;
    if (rules_parse((const char *)data, size, &set, NULL, NULL) != 0)
        return 0;
    size_t len;
    char *canon = rules_canonical(&set, &len);
    if (!canon)
        abort();
    if (rules_parse(canon, len, &again, NULL, NULL) != 0 ||
        again.count != set.count)
        abort();
    for (size_t i = 0; i < set.count; i++)
        if (strcmp(set.rules[i].event, again.rules[i].event) != 0 ||
            strcmp(set.rules[i].glob, again.rules[i].glob) != 0 ||
            set.rules[i].exitcode != again.rules[i].exitcode ||
            set.rules[i].action != again.rules[i].action)
            abort();
    struct ruleview view;
    if (ruleview_init(&view, &set, env_some) == 0) {
        static struct reply_line_out out;
        for (size_t i = 0; i < view.count; i++) {
            struct reply_rules rr;
            const struct rules_event *ev = &view.events[i];
            reply_rules_start(&rr, ev, fixup_kind_of(ev->name, ev->name_len),
                              "fuzz.example");
            reply_rules_line(&rr, "250-first", 9, &out);
            reply_rules_line(&rr, "451 GL - temporary", 18, &out);
        }
        ruleview_free(&view);
    }
    free(canon);
    rules_free(&again);
    rules_free(&set);
    return 0;
}
