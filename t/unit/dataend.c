/* End of data: found at every split position; bare LF sent as CR LF without
 * ever letting the server see an end of data that was not one; the content a
 * strict server stores is unchanged; a NUL or a bare CR refuses the message
 * at its first such byte, and the end of data is still found. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "dataend.h"

struct result {
    char out[8192];
    size_t outlen;
    size_t used;
    int done;
    enum dataend_refusal refused;
    uint64_t refused_at;
};

/* Feeds in as chunks ending at the given split points. */
static void scan(const char *in, size_t len, const size_t *splits,
                 size_t nsplits, struct result *r)
{
    struct dataend d;
    dataend_start(&d);
    r->outlen = r->used = 0;
    r->done = 0;
    size_t from = 0;
    for (size_t i = 0; i <= nsplits && !r->done; i++) {
        size_t to = i < nsplits ? splits[i] : len;
        size_t outlen;
        size_t used = dataend_scan(&d, in + from, to - from, r->out + r->outlen,
                                   &outlen, &r->done);
        r->outlen += outlen;
        r->used += used;
        if (!r->done && used != to - from) {
            r->used = (size_t)-1; /* must take all unless done */
            return;
        }
        from = to;
    }
    r->refused = d.refused;
    r->refused_at = d.refused_at;
}

static int same(const struct result *a, const struct result *b)
{
    return a->done == b->done && a->used == b->used && a->outlen == b->outlen &&
           memcmp(a->out, b->out, a->outlen) == 0 && a->refused == b->refused &&
           a->refused_at == b->refused_at;
}

/* Scanned whole, at every single split, and byte by byte: one answer. */
static int every_split(const char *in, size_t len, struct result *whole)
{
    scan(in, len, NULL, 0, whole);
    struct result r;
    for (size_t at = 0; at <= len; at++) {
        scan(in, len, &at, 1, &r);
        if (!same(&r, whole))
            return 0;
    }
    size_t *splits = malloc(len * sizeof *splits);
    for (size_t i = 0; i < len; i++)
        splits[i] = i;
    scan(in, len, splits, len, &r);
    free(splits);
    return same(&r, whole);
}

static void check_len(const char *name, const char *in, size_t len,
                      const char *want, const char *rest)
{
    struct result r;
    ok(every_split(in, len, &r), "%s: same result at every split", name);
    ok(r.done, "%s: end of data found", name);
    ok(r.refused == DATAEND_CLEAN, "%s: not refused", name);
    is_mem(r.out, r.outlen, want, strlen(want), name);
    is_mem(in + r.used, len - r.used, rest, strlen(rest),
           "what follows is left for commands");
}

static void check(const char *name, const char *in, const char *want,
                  const char *rest)
{
    check_len(name, in, strlen(in), want, rest);
}

/* A message refused at byte at: what came before it went out, nothing
 * after, and the client's end of data still ends it. */
static void refused(const char *name, const char *in, size_t len,
                    enum dataend_refusal why, uint64_t at, const char *want,
                    const char *rest)
{
    struct result r;
    ok(every_split(in, len, &r), "%s: same result at every split", name);
    ok(r.done, "%s: the client's end of data found", name);
    ok(r.refused == why && r.refused_at == at, "%s: refused (%d) at byte %llu",
       name, (int)why, (unsigned long long)at);
    if (r.refused != why || r.refused_at != at)
        printf("# got %d at %llu\n", (int)r.refused,
               (unsigned long long)r.refused_at);
    is_mem(r.out, r.outlen, want, strlen(want), name);
    is_mem(in + r.used, len - r.used, rest, strlen(rest),
           "what follows is left for commands");
}

static void no_end(const char *name, const char *in)
{
    struct result r;
    size_t len = strlen(in);
    ok(every_split(in, len, &r), "%s: same result at every split", name);
    ok(!r.done && r.used == len, "%s: no end of data, all taken", name);
}

/* What a strict RFC 5321 server stores from data: lines split at CR LF up to
 * the "." line, a leading dot removed; a bare LF inside a line stands for a
 * line end, written here as CR LF. Returns the length, or -1 with no end. */
static long strict_content(const char *in, size_t len, char *out, int lf_ok)
{
    size_t o = 0, i = 0;
    while (i < len) {
        size_t e = i;
        while (e + 1 < len && !(in[e] == '\r' && in[e + 1] == '\n'))
            e++;
        if (e + 1 >= len)
            return -1;
        if (e - i == 1 && in[i] == '.')
            return (long)o;
        size_t s = i + (in[i] == '.');
        for (size_t k = s; k < e; k++) {
            if (in[k] == '\n') {
                if (!lf_ok)
                    return -2; /* a bare LF must never reach the server */
                out[o++] = '\r';
            }
            out[o++] = in[k];
        }
        out[o++] = '\r';
        out[o++] = '\n';
        i = e + 2;
    }
    return -1;
}

static unsigned long long rng = 88172645463325252ULL;

static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)rng;
}

/* The reference for one stream: the client's end of data is the first
 * ".\r\n" at the start of the data or right after a CR LF; the message is
 * refused at its first NUL, or first CR not followed by LF, before that. */
static size_t model_end(const char *in, size_t len)
{
    for (size_t p = 0; p + 3 <= len; p++)
        if (memcmp(in + p, ".\r\n", 3) == 0 &&
            (p == 0 || (p >= 2 && in[p - 2] == '\r' && in[p - 1] == '\n')))
            return p + 3;
    return 0;
}

static long model_refused_at(const char *in, size_t end)
{
    for (size_t i = 0; i < end; i++)
        if (in[i] == 0 ||
            (in[i] == '\r' && (i + 1 >= end || in[i + 1] != '\n')))
            return (long)i;
    return -1;
}

/* No byte sequence a loose server could take for an end of data: no NUL,
 * no bare CR, no bare LF, no ".\r\n" line but the last. */
static int loose_safe(const char *out, size_t len, int ended)
{
    for (size_t i = 0; i < len; i++) {
        if (out[i] == 0)
            return 0;
        if (out[i] == '\r' && (i + 1 >= len || out[i + 1] != '\n'))
            return 0;
        if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r'))
            return 0;
        if (out[i] == '.' && (i == 0 || out[i - 1] == '\n') &&
            i + 2 < len + 1 && i + 3 <= len &&
            memcmp(out + i, ".\r\n", 3) == 0 && !(ended && i + 3 == len))
            return 0;
    }
    return 1;
}

static void random_streams(void)
{
    static const char alphabet[] = "a..\r\r\n\n\0";
    char in[80], a[8192], b[8192];
    int bad = 0, splits_bad = 0, refusals = 0;
    for (int n = 0; n < 20000; n++) {
        size_t len = next() % 40;
        for (size_t i = 0; i < len; i++)
            in[i] = alphabet[next() % (sizeof alphabet - 1)];
        memcpy(in + len, "\r\n.\r\n", 5);
        len += 5;
        struct result r;
        if (!every_split(in, len, &r))
            splits_bad++;
        size_t end = model_end(in, len);
        long at = model_refused_at(in, end);
        int fine =
            r.done && r.used == end && loose_safe(r.out, r.outlen, !r.refused);
        if (fine && at >= 0) {
            refusals++;
            fine = r.refused != DATAEND_CLEAN && r.refused_at == (uint64_t)at &&
                   r.refused == (in[at] ? DATAEND_BARE_CR : DATAEND_NUL);
        } else if (fine) {
            long want = strict_content(in, r.used, a, 1);
            long got = strict_content(r.out, r.outlen, b, 0);
            /* The server's end of data is the last line sent, and what it
             * stores is what a strict server stores from the client's
             * bytes. */
            fine = r.refused == DATAEND_CLEAN && want >= 0 && got == want &&
                   memcmp(a, b, (size_t)want) == 0 && r.outlen >= 3 &&
                   memcmp(r.out + r.outlen - 3, ".\r\n", 3) == 0;
        }
        if (!fine && bad++ < 3)
            diag_mem("input", in, len);
    }
    is_int(splits_bad, 0, "20000 random streams: same at every split");
    is_int(bad, 0,
           "20000 random streams: the client's end of data; clean ones as a "
           "strict server stores them, with no bare LF; the others refused "
           "at their first NUL or bare CR; nothing a loose server could "
           "take for an end of data");
    ok(refusals > 1000, "and many of them refused (%d)", refusals);
}

int main(void)
{
    check("plain", "a\r\nb\r\n.\r\nQUIT\r\n", "a\r\nb\r\n.\r\n", "QUIT\r\n");
    check("empty message", ".\r\nQUIT\r\n", ".\r\n", "QUIT\r\n");
    check("stuffed dots pass", "..\r\n..x\r\n.x\r\n.\r\n",
          "..\r\n..x\r\n.x\r\n.\r\n", "");
    check("bare LF becomes CR LF", "a\nb\r\n.\r\n", "a\r\nb\r\n.\r\n", "");
    check("lone LF line", "\n\r\n.\r\n", "\r\n\r\n.\r\n", "");
    check("8-bit and control bytes pass", "\xff\x01\x80\t\r\n.\r\n",
          "\xff\x01\x80\t\r\n.\r\n", "");
    refused("bare CR", "a\rb\r\n.\r\n", 8, DATAEND_BARE_CR, 1, "a", "");
    refused("CR CR LF", "ab\r\r\n.\r\nQUIT\r\n", 14, DATAEND_BARE_CR, 2, "ab",
            "QUIT\r\n");
    refused("CR at the very start", "\r.\r\n.\r\n", 7, DATAEND_BARE_CR, 0, "",
            "");
    refused("NUL", "ab\r\nc\0d\r\n.\r\n", 12, DATAEND_NUL, 5, "ab\r\nc", "");
    refused("NUL at a line start", "a\r\n\0\r\n.\r\n", 9, DATAEND_NUL, 3,
            "a\r\n", "");

    /* The published smuggling variants: the forged message stays text, or
     * the message is refused and the forged one never reaches the server. */
    const char *forged = "MAIL FROM:<x@evil>\r\nRCPT TO:<y@z>\r\nDATA\r\n";
    char in[512], want[512];
    snprintf(in, sizeof in, "a\n.\n%s.\r\nQUIT\r\n", forged);
    snprintf(want, sizeof want, "a\r\n..\r\n%s.\r\n", forged);
    check("\\n.\\n", in, want, "QUIT\r\n");
    snprintf(in, sizeof in, "a\n.\r\n%s.\r\n", forged);
    snprintf(want, sizeof want, "a\r\n..\r\n%s.\r\n", forged);
    check("\\n.\\r\\n", in, want, "");
    snprintf(in, sizeof in, "a\r\n.\n%s.\r\n", forged);
    snprintf(want, sizeof want, "a\r\n\r\n%s.\r\n", forged);
    check("\\r\\n.\\n", in, want, "");
    int n = snprintf(in, sizeof in, "a\r.\r%s.\r\nQUIT\r\n", forged);
    refused("\\r.\\r", in, (size_t)n, DATAEND_BARE_CR, 1, "a", "QUIT\r\n");
    n = snprintf(in, sizeof in, "a\r\n.\r%s.\r\n", forged);
    refused("\\r\\n.\\r", in, (size_t)n, DATAEND_BARE_CR, 4, "a\r\n.", "");
    n = snprintf(in, sizeof in, "a\r\n.%c\r\n%s.\r\nQUIT\r\n", 0, forged);
    refused("\\r\\n.\\0\\r\\n", in, (size_t)n, DATAEND_NUL, 4, "a\r\n.",
            "QUIT\r\n");
    n = snprintf(in, sizeof in, "a\r\n.%c\n%s.\r\n", 0, forged);
    refused("\\r\\n.\\0\\n", in, (size_t)n, DATAEND_NUL, 4, "a\r\n.", "");
    no_end("no end yet", "a\r\n.x\r\n..\r\n.\r");
    no_end("dot then bare LF is no end", "a\r\n.\n");

    random_streams();
    return done_testing();
}
