#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "sessionid.h"

static char id[SESSIONID_MAX + 1];
static int looked;

int sessionid_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n == SESSIONID_MAX ||
            !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return n > 0;
}

const char *sessionid(void)
{
    if (!looked) {
        looked = 1;
        const char *s = getenv(SESSIONID_VAR);
        if (s && sessionid_valid(s))
            memcpy(id, s, strlen(s) + 1);
    }
    return id[0] ? id : NULL;
}

/* 64 random bits: unique enough for log lines, not a secret. Without
 * getrandom(2) (a kernel before 3.17), the clock and the pid. */
static uint64_t fresh(void)
{
    uint64_t v;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v)
        return v;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^
           ((uint64_t)getpid() << 40);
}

const char *sessionid_start(void)
{
    if (sessionid())
        return id;
    snprintf(id, sizeof id, "%016llx", (unsigned long long)fresh());
    if (setenv(SESSIONID_VAR, id, 1) < 0) {
        id[0] = 0;
        return NULL;
    }
    return id;
}

int sessionid_adopt(const char *s)
{
    looked = 1;
    id[0] = 0;
    if (!s || !sessionid_valid(s))
        return unsetenv(SESSIONID_VAR);
    memcpy(id, s, strlen(s) + 1);
    return setenv(SESSIONID_VAR, id, 1);
}
