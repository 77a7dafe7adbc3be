#include <string.h>

#include "clock.h"
#include "summary.h"
#include "tlssummary.h"
#include "ucspitls.h"

void tlssummary_start(struct tlssummary *t, int implicit)
{
    memset(t, 0, sizeof *t);
    t->start_ms = clock_ms();
    t->implicit = implicit;
    t->end = "failed";
}

static void copy(char *to, size_t size, const char *value, size_t len)
{
    if (len >= size)
        len = size - 1;
    memcpy(to, value, len);
    to[len] = 0;
}

static int is(const char *name, size_t namelen, const char *want)
{
    return namelen == strlen(want) && memcmp(name, want, namelen) == 0;
}

static int take(void *ctx, const char *name, size_t namelen, const char *value,
                size_t valuelen)
{
    struct tlssummary *t = ctx;
    if (!value)
        return 0;
    if (is(name, namelen, "SSL_PROTOCOL"))
        copy(t->protocol, sizeof t->protocol, value, valuelen);
    else if (is(name, namelen, "SSL_CIPHER"))
        copy(t->cipher, sizeof t->cipher, value, valuelen);
    else if (is(name, namelen, "SSL_TLS_SNI"))
        copy(t->sni, sizeof t->sni, value, valuelen);
    else if (is(name, namelen, "SSL_SESSION_RESUMED"))
        t->resumed = valuelen == 7 && memcmp(value, "Resumed", 7) == 0;
    else if (is(name, namelen, "SSL_CLIENT_S_DN"))
        copy(t->client, sizeof t->client, value, valuelen);
    else if (is(name, namelen, "SSL_CLIENT_VERIFY"))
        t->client_state = valuelen >= 4 && memcmp(value, "NONE", 4) == 0 ? 1
                          : valuelen >= 6 && memcmp(value, "FAILED", 6) == 0
                              ? 2
                              : 3;
    return 0;
}

void tlssummary_vars(struct tlssummary *t, const char *block, size_t len)
{
    t->tls = 1;
    (void)ucspitls_parse(block, len, take, t, NULL);
}

void tlssummary_log(const struct tlssummary *t)
{
    struct summary sm;
    summary_init(&sm);
    summary_add(&sm, "mode", t->implicit ? "implicit" : "starttls");
    summary_add(&sm, "tls", t->tls ? t->protocol : "none");
    summary_add(&sm, "cipher", t->tls ? t->cipher : NULL);
    summary_add(&sm, "sni", t->tls ? t->sni : NULL);
    summary_add(&sm, "resumed", !t->tls ? NULL : t->resumed ? "yes" : "no");
    static const char *const client[] = {NULL, "none", "failed"};
    summary_add(&sm, "client",
                t->client_state == 3 ? t->client : client[t->client_state]);
    summary_addu(&sm, "in", t->in);
    summary_addu(&sm, "out", t->out);
    summary_addms(&sm, "seconds", clock_ms() - t->start_ms);
    summary_add(&sm, "end", t->end);
    summary_log(&sm);
}
