/* The commands fixsmtpio itself looks at, known by their first word. */
#ifndef VERBS_H
#define VERBS_H

#include <stddef.h>

enum verb {
    VERB_OTHER,
    VERB_AUTH,
    VERB_BDAT,
    VERB_DATA,
    VERB_EHLO,
    VERB_HELO,
    VERB_MAIL,
    VERB_NOOP,
    VERB_QUIT,
    VERB_RSET,
    VERB_STARTTLS
};

/* The verb that word[0..len) (any case) names, or VERB_OTHER. */
enum verb verb_of(const char *word, size_t len);

#endif
