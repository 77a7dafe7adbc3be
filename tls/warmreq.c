#include <stdio.h>
#include <string.h>

#include "config.h"
#include "warmreq.h"

#define MAGIC "ucspitlsd-engine 1"
#define MS_MAX ((int64_t)TIMEOUT_SECONDS_MAX * 1000)

/* 1 to max bytes, each from '!' to '~'; the empty string too. */
static int printable(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n == max || s[n] < '!' || s[n] > '~')
            return 0;
    return 1;
}

static void take(char *dst, size_t size, const char *src, int ok)
{
    dst[0] = 0;
    if (src && ok && strlen(src) < size)
        memcpy(dst, src, strlen(src) + 1);
}

void warmreq_from(struct warmreq *r, int implicit, int64_t handshake_ms,
                  int64_t idle_ms, const char *ip, const char *session)
{
    r->implicit = implicit;
    r->handshake_ms = handshake_ms;
    r->idle_ms = idle_ms;
    take(r->ip, sizeof r->ip, ip, ip && printable(ip, WARMREQ_IP_MAX));
    take(r->session, sizeof r->session, session,
         session && sessionid_valid(session));
}

static int valid(const struct warmreq *r)
{
    return r->handshake_ms >= 1000 && r->handshake_ms <= MS_MAX &&
           r->idle_ms >= 1000 && r->idle_ms <= MS_MAX &&
           printable(r->ip, WARMREQ_IP_MAX) &&
           (!r->session[0] || sessionid_valid(r->session));
}

size_t warmreq_encode(const struct warmreq *r, char *out, size_t size)
{
    if (!valid(r))
        return 0;
    int n = snprintf(out, size,
                     MAGIC "\nmode %s\nhandshake %lld\nidle %lld\nip %s\n"
                           "session %s\n",
                     r->implicit ? "implicit" : "starttls",
                     (long long)r->handshake_ms, (long long)r->idle_ms, r->ip,
                     r->session);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* The next line of in, which must be key, a space and the value: the
 * value, copied with its NUL into value (size bytes). 0, or -1. */
static int field(const char **in, const char *end, const char *key, char *value,
                 size_t size)
{
    const char *nl = memchr(*in, '\n', (size_t)(end - *in));
    size_t klen = strlen(key);
    if (!nl || (size_t)(nl - *in) <= klen || memcmp(*in, key, klen) != 0 ||
        (*in)[klen] != ' ')
        return -1;
    const char *v = *in + klen + 1;
    size_t vlen = (size_t)(nl - v);
    if (vlen >= size || memchr(v, 0, vlen))
        return -1;
    memcpy(value, v, vlen);
    value[vlen] = 0;
    *in = nl + 1;
    return 0;
}

/* A decimal number of milliseconds without signs or leading zeros. */
static int millis(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 12)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

int warmreq_decode(struct warmreq *r, const char *in, size_t len)
{
    const char *end = in + len;
    char v[WARMREQ_MAX];
    size_t mlen = strlen(MAGIC "\n");
    if (len > WARMREQ_MAX || len < mlen || memcmp(in, MAGIC "\n", mlen) != 0)
        return -1;
    in += mlen;
    if (field(&in, end, "mode", v, sizeof v) < 0)
        return -1;
    if (strcmp(v, "implicit") == 0)
        r->implicit = 1;
    else if (strcmp(v, "starttls") == 0)
        r->implicit = 0;
    else
        return -1;
    if (field(&in, end, "handshake", v, sizeof v) < 0 ||
        millis(v, &r->handshake_ms) < 0 ||
        field(&in, end, "idle", v, sizeof v) < 0 ||
        millis(v, &r->idle_ms) < 0 ||
        field(&in, end, "ip", r->ip, sizeof r->ip) < 0 ||
        field(&in, end, "session", r->session, sizeof r->session) < 0 ||
        in != end)
        return -1;
    return valid(r) ? 0 : -1;
}
