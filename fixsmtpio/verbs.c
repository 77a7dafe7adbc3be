#include "ascii.h"
#include "verbs.h"

static enum verb named(const char *w, const char *name, enum verb verb)
{
    return ascii_caseeq(w, name, 4) ? verb : VERB_OTHER;
}

/* By the first letter, then one comparison. */
enum verb verb_of(const char *w, size_t len)
{
    if (len == 8 && ascii_caseeq(w, "starttls", 8))
        return VERB_STARTTLS;
    if (len != 4)
        return VERB_OTHER;
    switch (ascii_lower(w[0])) {
    case 'a':
        return named(w, "auth", VERB_AUTH);
    case 'b':
        return named(w, "bdat", VERB_BDAT);
    case 'd':
        return named(w, "data", VERB_DATA);
    case 'e':
        return named(w, "ehlo", VERB_EHLO);
    case 'h':
        return named(w, "helo", VERB_HELO);
    case 'm':
        return named(w, "mail", VERB_MAIL);
    case 'n':
        return named(w, "noop", VERB_NOOP);
    case 'q':
        return named(w, "quit", VERB_QUIT);
    case 'r':
        return named(w, "rset", VERB_RSET);
    default:
        return VERB_OTHER;
    }
}
