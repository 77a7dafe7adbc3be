#include <stdio.h>

#include "rfcdate.h"

static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int in_range(int v, int lo, int hi)
{
    return v >= lo && v <= hi;
}

size_t rfcdate(char *out, const struct tm *tm)
{
    long zone = tm->tm_gmtoff / 60; /* minutes, toward zero */
    char sign = zone < 0 ? '-' : '+';
    if (zone < 0)
        zone = -zone;
    out[0] = '\0';
    if (!in_range(tm->tm_wday, 0, 6) || !in_range(tm->tm_mday, 1, 31) ||
        !in_range(tm->tm_mon, 0, 11) || !in_range(tm->tm_year, 0, 8099) ||
        !in_range(tm->tm_hour, 0, 23) || !in_range(tm->tm_min, 0, 59) ||
        !in_range(tm->tm_sec, 0, 60) || zone >= 24 * 60)
        return 0;
    int n = snprintf(
        out, RFCDATE_MAX, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld",
        days[tm->tm_wday], tm->tm_mday, months[tm->tm_mon], tm->tm_year + 1900,
        tm->tm_hour, tm->tm_min, tm->tm_sec, sign, zone / 60, zone % 60);
    if (n <= 0 || n >= RFCDATE_MAX) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)n;
}
