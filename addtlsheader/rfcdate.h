/* A date as RFC 5322 section 3.3 writes it, for a trace field:
 *     Mon, 23 Nov 2026 10:04:05 +0000
 * from a struct tm as localtime_r(3) fills it in; the zone comes from
 * tm_gmtoff. English names whatever the locale, the day without a leading
 * zero, a four-digit year, a numeric zone (never the obsolete names). */
#ifndef RFCDATE_H
#define RFCDATE_H

#include <stddef.h>
#include <time.h>

/* "Wed, 31 Dec 9999 23:59:60 -2359" and its NUL */
#define RFCDATE_MAX 32

/* Writes the date into out[RFCDATE_MAX] as a C string and returns its
 * length; 0, with out an empty string, when a field of tm is out of range
 * (a year outside 1900..9999, a zone of a day or more, ...). Seconds of a
 * zone offset that is not a whole number of minutes are dropped. */
size_t rfcdate(char *out, const struct tm *tm);

#endif
