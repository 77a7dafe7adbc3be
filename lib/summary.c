#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "safetext.h"
#include "summary.h"

static void append(struct summary *sm, const char *key, const char *value)
{
    size_t need = strlen(key) + 1 + strlen(value) + (sm->len ? 1 : 0);
    if (sm->len + need >= sizeof sm->text)
        return;
    snprintf(sm->text + sm->len, sizeof sm->text - sm->len, "%s%s=%s",
             sm->len ? " " : "", key, value);
    sm->len += need;
}

static int word(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || (c && strchr("@._+-:/", c))))
            return 0;
    }
    return 1;
}

void summary_addn(struct summary *sm, const char *key, const char *value,
                  size_t len)
{
    char buf[400];
    if (!value || len == 0) {
        append(sm, key, "-");
    } else if (word(value, len) && len < sizeof buf) {
        memcpy(buf, value, len);
        buf[len] = 0;
        append(sm, key, buf);
    } else {
        buf[0] = '"';
        safequoted(buf + 1, sizeof buf - 2, value, len);
        size_t n = strlen(buf);
        buf[n] = '"';
        buf[n + 1] = 0;
        append(sm, key, buf);
    }
}

void summary_add(struct summary *sm, const char *key, const char *value)
{
    summary_addn(sm, key, value, value ? strlen(value) : 0);
}

void summary_init(struct summary *sm)
{
    sm->len = 0;
    sm->text[0] = 0;
    summary_add(sm, "ip", getenv("TCPREMOTEIP"));
}

void summary_addu(struct summary *sm, const char *key, uint64_t value)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, value);
    append(sm, key, buf);
}

void summary_addms(struct summary *sm, const char *key, int64_t ms)
{
    char buf[32];
    if (ms < 0)
        ms = 0;
    snprintf(buf, sizeof buf, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
    append(sm, key, buf);
}

void summary_log(const struct summary *sm)
{
    info_msg("summary: %s", sm->text);
}
