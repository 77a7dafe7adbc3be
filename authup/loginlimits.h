/* The limits on failed logins counted across connections, from
 * control/authuplimits. One setting a line, a word and numbers:
 *
 *   address 10 600     10 failures from one address (an IPv6 client by
 *                      its /64) within 600 s of the first: its further
 *                      attempts are refused until those 600 s are over
 *   account 30 600     the same for one account, from all addresses,
 *                      except the addresses it logged in from
 *   known 2592000      how long such an address stays known (seconds)
 *
 * A count of 0 turns that limit off. Blank lines and lines starting with #
 * are skipped; a missing file means these defaults. */
#ifndef LOGINLIMITS_H
#define LOGINLIMITS_H

#include <stddef.h>

#define LIMITS_FILE "authuplimits"
#define LIMIT_COUNT_MAX 100000
#define LIMIT_SECONDS_MAX 31622400 /* a year and a day */

struct limits {
    unsigned long address_failures, address_window;
    unsigned long account_failures, account_window;
    unsigned long known;
};

void limits_default(struct limits *l);
/* Parses the file's bytes into l (defaults first). 0, or the 1-based line
 * with the problem, its column in *col and what is wrong in *why. */
size_t limits_parse(struct limits *l, const char *text, size_t len, size_t *col,
                    const char **why);

#endif
