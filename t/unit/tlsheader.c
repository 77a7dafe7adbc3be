/* The Received: field of qmail-qfilter-addtlsheader: its exact text for
 * each combination of variables, its dates, its folding at every length of
 * every value, and hostile values (line ends, parentheses, 8-bit bytes,
 * 10 KiB) that must never break or forge a header. Every header built here
 * also goes through an independent check of RFC 5322's grammar. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "../../addtlsheader/rfcdate.h"
#include "../../addtlsheader/tlsheader.h"

/* Mon, 23 Nov 2026 10:04:05 +0000 */
static struct tm monday(long gmtoff)
{
    struct tm tm = {.tm_sec = 5,
                    .tm_min = 4,
                    .tm_hour = 10,
                    .tm_mday = 23,
                    .tm_mon = 10,
                    .tm_year = 126,
                    .tm_wday = 1};
    tm.tm_gmtoff = gmtoff;
    return tm;
}

static void date_is(const struct tm *tm, const char *want, const char *name)
{
    char out[RFCDATE_MAX];
    size_t n = rfcdate(out, tm);
    is_mem(out, n, want, strlen(want), name);
    is_int((long long)strlen(out), (long long)n, "  and is a C string");
}

static void date_bad(struct tm tm, const char *name)
{
    char out[RFCDATE_MAX];
    memset(out, 'x', sizeof out);
    ok(rfcdate(out, &tm) == 0 && out[0] == '\0', "out of range: %s", name);
}

static void local_date_is(const char *tz, time_t t, const char *want)
{
    struct tm tm;
    setenv("TZ", tz, 1);
    tzset();
    ok(localtime_r(&t, &tm) != NULL, "localtime_r in TZ=%s", tz);
    date_is(&tm, want, want);
}

static void test_dates(void)
{
    struct tm tm = monday(0);
    date_is(&tm, "Mon, 23 Nov 2026 10:04:05 +0000", "a date in UTC");
    tm = monday(-(3 * 3600 + 30 * 60));
    date_is(&tm, "Mon, 23 Nov 2026 10:04:05 -0330", "a zone west, minutes");
    tm = monday(5 * 3600 + 45 * 60);
    date_is(&tm, "Mon, 23 Nov 2026 10:04:05 +0545", "a zone east, minutes");
    tm = monday(14 * 3600);
    date_is(&tm, "Mon, 23 Nov 2026 10:04:05 +1400", "the farthest zone");
    tm = monday(53 * 60 + 28);
    date_is(&tm, "Mon, 23 Nov 2026 10:04:05 +0053", "zone seconds dropped");
    tm = monday(-59);
    date_is(&tm, "Mon, 23 Nov 2026 10:04:05 +0000", "under a minute west");
    tm = monday(0);
    tm.tm_mday = 1;
    tm.tm_hour = 0;
    tm.tm_min = 0;
    tm.tm_sec = 60;
    date_is(&tm, "Mon, 1 Nov 2026 00:00:60 +0000",
            "day without a leading zero, leap second");
    tm = monday(0);
    tm.tm_year = 8099;
    date_is(&tm, "Mon, 23 Nov 9999 10:04:05 +0000", "the year 9999");
    tm.tm_year = 0;
    date_is(&tm, "Mon, 23 Nov 1900 10:04:05 +0000", "the year 1900");

    local_date_is("UTC0", 0, "Thu, 1 Jan 1970 00:00:00 +0000");
    local_date_is("IST-5:30", 0, "Thu, 1 Jan 1970 05:30:00 +0530");
    local_date_is("<-0330>3:30", 1795440845, "Mon, 23 Nov 2026 10:04:05 -0330");

    static const char *days[] = {"Thu", "Fri", "Sat", "Sun",
                                 "Mon", "Tue", "Wed"};
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int names_ok = 1;
    for (int d = 0; d < 366; d++) {
        time_t t = (time_t)d * 86400;
        char out[RFCDATE_MAX];
        gmtime_r(&t, &tm);
        size_t n = rfcdate(out, &tm);
        if (n < 12 || memcmp(out, days[d % 7], 3) != 0 ||
            !strstr(out, months[tm.tm_mon]))
            names_ok = 0;
    }
    ok(names_ok, "every day and month of 1970 is named in English");

    tm = monday(0);
    tm.tm_wday = 7;
    date_bad(tm, "weekday 7");
    tm = monday(0);
    tm.tm_wday = -1;
    date_bad(tm, "weekday -1");
    tm = monday(0);
    tm.tm_mon = 12;
    date_bad(tm, "month 12");
    tm = monday(0);
    tm.tm_mday = 0;
    date_bad(tm, "day 0");
    tm = monday(0);
    tm.tm_mday = 32;
    date_bad(tm, "day 32");
    tm = monday(0);
    tm.tm_year = 8100;
    date_bad(tm, "year 10000");
    tm = monday(0);
    tm.tm_year = -1;
    date_bad(tm, "year 1899");
    tm = monday(0);
    tm.tm_year = INT_MAX;
    date_bad(tm, "year INT_MAX");
    tm = monday(0);
    tm.tm_hour = 24;
    date_bad(tm, "hour 24");
    tm = monday(0);
    tm.tm_min = 60;
    date_bad(tm, "minute 60");
    tm = monday(0);
    tm.tm_sec = 61;
    date_bad(tm, "second 61");
    date_bad(monday(86400), "a zone of a day");
    date_bad(monday(-86400), "a zone of a day west");
    date_bad(monday(LONG_MIN), "zone LONG_MIN");
    date_bad(monday(LONG_MAX), "zone LONG_MAX");
}

/* An independent reading of the header: RFC 5322's received field as this
 * program writes it (a comment, ";", a date-time), folded into lines of at
 * most TLSHEADER_LINE_MAX characters, LF line ends. Returns NULL when the
 * header is right, with the comment's text (between the parentheses) in
 * comment; else what is wrong. */
static const char *check(const char *h, int len, char *comment, size_t csize)
{
    static char line[2 * TLSHEADER_MAX];
    if (len <= 0 || len >= TLSHEADER_MAX)
        return "bad length";
    if (h[len - 1] != '\n')
        return "no LF at the end";
    size_t u = 0, start = 0;
    for (int i = 0; i < len; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c == '\n') {
            size_t width = (size_t)i - start;
            if (width == 0)
                return "an empty line";
            if (width > TLSHEADER_LINE_MAX)
                return "a line too long";
            if (h[i - 1] == ' ')
                return "a space before a line end";
            if (start > 0) {
                if (h[start] != ' ')
                    return "a line not starting with WSP";
                if (width < 2 || h[start + 1] == ' ')
                    return "a continuation without text";
            }
            start = (size_t)i + 1;
            continue;
        }
        if (c < 0x20 || c > 0x7e)
            return "a byte that is not printable";
        line[u++] = (char)c;
    }
    line[u] = '\0';

    static const char head[] = "Received: (";
    if (strncmp(line, head, sizeof head - 1) != 0)
        return "bad field start";
    const char *p = line + sizeof head - 1;
    const char *end = strstr(p, ");");
    if (!end)
        return "no end of comment";
    for (const char *q = p; q < end; q++)
        if (*q == '(' || *q == ')' || *q == '\\')
            return "not ctext";
    if (p == end || *p == ' ' || end[-1] == ' ')
        return "comment spacing";
    if (strstr(p, "  "))
        return "two spaces";
    if ((size_t)(end - p) >= csize)
        return "comment too long";
    memcpy(comment, p, (size_t)(end - p));
    comment[end - p] = '\0';

    /* ; SP day-name "," SP 1*2DIGIT SP month SP 4DIGIT SP
     * 2DIGIT ":" 2DIGIT ":" 2DIGIT SP ("+" / "-") 4DIGIT */
    char day[4], mon[4], sign;
    int d, y, hh, mm, ss, zone, used = 0;
    if (sscanf(end,
               ");%*1[ ]%3[A-Za-z],%*1[ ]%2d%*1[ ]%3[A-Za-z]%*1[ ]%4d"
               "%*1[ ]%2d:%2d:%2d%*1[ ]%c%4d%n",
               day, &d, mon, &y, &hh, &mm, &ss, &sign, &zone, &used) != 9)
        return "bad date";
    if (strcmp(end + used, "") != 0)
        return "text after the date";
    if (!strstr("SunMonTueWedThuFriSat", day) || strlen(day) != 3)
        return "bad day name";
    if (!strstr("JanFebMarAprMayJunJulAugSepOctNovDec", mon))
        return "bad month";
    if (sign != '+' && sign != '-')
        return "bad zone sign";
    const char *z = end + used - 4;
    for (int i = 0; i < 4; i++)
        if (z[i] < '0' || z[i] > '9')
            return "zone is not 4 digits";
    if (d < 1 || d > 31 || y < 1900 || hh > 23 || mm > 59 || ss > 60)
        return "date out of range";
    return NULL;
}

/* The model: what the comment should say, written the plain way. */
static void model_value(char *out, const char *in, const char *extra)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "abcdefghijklmnopqrstuvwxyz0123456789._+-";
    size_t n = strlen(in), keep = n > 64 ? 61 : n;
    for (size_t i = 0; i < keep; i++) {
        char c = in[i];
        int safe = c && (strchr(alnum, c) || (extra && strchr(extra, c)));
        out[i] = safe ? c : '?';
    }
    strcpy(out + keep, n > 64 ? "..." : "");
}

static void model(char *out, const struct tlsheader_info *in)
{
    char p[80], c[80], u[80];
    model_value(p, in->protocol, NULL);
    model_value(c, in->cipher, NULL);
    out[0] = '\0';
    if (in->user && *in->user) {
        model_value(u, in->user, "!#$%&'*/=?^`{|}~@");
        sprintf(out, "authup user %s, ", u);
    }
    if (in->fixsmtpio)
        strcat(out, "fixsmtpio ");
    sprintf(out + strlen(out), "%s cipher %s", p, c);
}

/* Builds, checks and compares with the model; quiet unless it fails (and
 * then for the first few failures only). */
static int good(const struct tlsheader_info *in, const char *name)
{
    char h[TLSHEADER_MAX], comment[TLSHEADER_MAX], want[TLSHEADER_MAX];
    struct tm tm = monday(0);
    int len = tlsheader_build(h, in, &tm);
    const char *err = check(h, len, comment, sizeof comment);
    if (!err) {
        model(want, in);
        if (strcmp(comment, want) != 0)
            err = "comment differs from model";
    }
    if (err) {
        static int shown;
        if (++shown > 5)
            return 0; /* the summary test fails anyway */
        ok(0, "%s: %s", name, err);
        if (len > 0)
            diag_mem("header", h, (size_t)len);
        return 0;
    }
    return 1;
}

static void header_is(const struct tlsheader_info *in, const char *want,
                      const char *name)
{
    char h[TLSHEADER_MAX], comment[TLSHEADER_MAX];
    struct tm tm = monday(0);
    int len = tlsheader_build(h, in, &tm);
    if (!is_int(len, (long long)strlen(want), name))
        len = len < 0 ? 0 : len;
    is_mem(h, (size_t)len, want, strlen(want), "  with the right text");
    const char *err = check(h, len, comment, sizeof comment);
    ok(!err, "  valid: %s", err ? err : "yes");
}

static const char *aes = "TLS_AES_256_GCM_SHA384";

static void test_exact(void)
{
    struct tlsheader_info in = {"TLSv1.3", "TLS_AES_256_GCM_SHA384", NULL, 0};
    header_is(&in,
              "Received: (TLSv1.3 cipher TLS_AES_256_GCM_SHA384);\n"
              " Mon, 23 Nov 2026 10:04:05 +0000\n",
              "TLS alone");
    in.fixsmtpio = 1;
    header_is(&in,
              "Received: (fixsmtpio TLSv1.3 cipher TLS_AES_256_GCM_SHA384);\n"
              " Mon, 23 Nov 2026 10:04:05 +0000\n",
              "fixsmtpio STARTTLS");
    in.fixsmtpio = 0;
    in.user = "alice";
    header_is(&in,
              "Received: (authup user alice, TLSv1.3 cipher "
              "TLS_AES_256_GCM_SHA384);\n"
              " Mon, 23 Nov 2026 10:04:05 +0000\n",
              "authup with a user");
    in.user = "alice@example.org";
    in.fixsmtpio = 1;
    header_is(&in,
              "Received: (authup user alice@example.org, fixsmtpio TLSv1.3 "
              "cipher\n"
              " TLS_AES_256_GCM_SHA384); Mon, 23 Nov 2026 10:04:05 +0000\n",
              "authup and fixsmtpio");
    in =
        (struct tlsheader_info){"TLS1.2", "ECDHE-RSA-AES128-GCM-SHA256", "", 0};
    header_is(&in,
              "Received: (TLS1.2 cipher ECDHE-RSA-AES128-GCM-SHA256);\n"
              " Mon, 23 Nov 2026 10:04:05 +0000\n",
              "an empty user is no user");
    in = (struct tlsheader_info){"a", "b", NULL, 0};
    header_is(&in, "Received: (a cipher b); Mon, 23 Nov 2026 10:04:05 +0000\n",
              "short values fit on one line");
}

static void test_not_due(void)
{
    const char *values[] = {NULL, "", "TLSv1.3"};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            if (i == 2 && j == 2)
                continue;
            struct tlsheader_info in = {values[i], values[j] ? aes : NULL,
                                        "alice", 1};
            if (values[j] && !*values[j])
                in.cipher = "";
            char h[TLSHEADER_MAX];
            memset(h, 'x', sizeof h);
            struct tm tm = monday(0);
            int len = tlsheader_build(h, &in, &tm);
            ok(len == 0 && h[0] == 'x' && h[TLSHEADER_MAX - 1] == 'x',
               "no header, nothing written: protocol %s, cipher %s",
               in.protocol ? *in.protocol ? "set" : "empty" : "unset",
               in.cipher ? *in.cipher ? "set" : "empty" : "unset");
        }
    struct tlsheader_info in = {"TLSv1.3", aes, NULL, 0};
    struct tm tm = monday(0);
    tm.tm_mon = 12;
    char h[TLSHEADER_MAX];
    is_int(tlsheader_build(h, &in, &tm), -1, "a time out of range: -1");
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* Each value at every length from 1 to 80 (past the cap), in each
 * combination of user and fixsmtpio: every header valid and as modelled.
 * Values of 'x' and of words (so folds fall everywhere). */
static void test_folding(void)
{
    int count = 0, passed = 0;
    for (int combo = 0; combo < 4; combo++)
        for (int field = 0; field < 3; field++)
            for (size_t n = 1; n <= 80; n++)
                for (int kind = 0; kind < 2; kind++) {
                    char *v = repeat(kind ? 'x' : '.', n);
                    if (kind == 0)
                        for (size_t i = 0; i < n; i += 7)
                            v[i] = 'w';
                    struct tlsheader_info in = {"TLSv1.3", aes, NULL,
                                                combo & 1};
                    if (combo & 2)
                        in.user = "bob@example.net";
                    if (field == 0)
                        in.protocol = v;
                    if (field == 1)
                        in.cipher = v;
                    if (field == 2)
                        in.user = v;
                    char name[64];
                    snprintf(name, sizeof name, "combo %d field %d len %zu",
                             combo, field, n);
                    count++;
                    passed += good(&in, name);
                    free(v);
                }
    is_int(passed, count, "folding: every length of every value is valid");

    /* All three at the cap together: the longest header. */
    char *p = repeat('p', 64), *c = repeat('c', 64), *u = repeat('u', 64);
    struct tlsheader_info in = {p, c, u, 1};
    char h[TLSHEADER_MAX], comment[TLSHEADER_MAX];
    struct tm tm = monday(-(11 * 3600));
    int len = tlsheader_build(h, &in, &tm);
    ok(check(h, len, comment, sizeof comment) == NULL && good(&in, "longest"),
       "the longest header (%d bytes) is valid", len);
    free(p);
    free(c);
    free(u);
}

static int count_of(const char *h, int len, const char *what)
{
    int n = 0;
    size_t w = strlen(what);
    for (int i = 0; i + (int)w <= len; i++)
        if (memcmp(h + i, what, w) == 0)
            n++;
    return n;
}

static void hostile_is(const char *protocol, const char *cipher,
                       const char *user, const char *want, const char *name)
{
    struct tlsheader_info in = {protocol, cipher, user, 0};
    char h[TLSHEADER_MAX], comment[TLSHEADER_MAX];
    struct tm tm = monday(0);
    int len = tlsheader_build(h, &in, &tm);
    const char *err = check(h, len, comment, sizeof comment);
    ok(!err, "%s: valid (%s)", name, err ? err : "yes");
    is_str(comment, want, "  shown as");
    is_int(count_of(h, len, "Received:"), 1, "  one Received: only");
}

static void test_hostile(void)
{
    hostile_is("TLSv1.3\r\nX-Injected: yes", aes, NULL,
               "TLSv1.3??X-Injected??yes cipher TLS_AES_256_GCM_SHA384",
               "CR LF and a header in the protocol");
    hostile_is("TLSv1.3", "A\nReceived: (forged); Mon, 1 Jan 2001", NULL,
               "TLSv1.3 cipher A?Received???forged???Mon??1?Jan?2001",
               "LF and a forged field in the cipher");
    hostile_is("TLSv1.3", aes, "alice\r\n\r\nbody",
               "authup user alice????body, TLSv1.3 cipher "
               "TLS_AES_256_GCM_SHA384",
               "an end of header in the user");
    hostile_is("\r", "\n", "\t", "authup user ?, ? cipher ?",
               "a lone CR, LF and TAB");
    hostile_is("a)b(c\\d", "x\"y z", "u) (v\\w\"x,y:z;<>[]",
               "authup user u???v?w?x?y?z?????, a?b?c?d cipher x?y?z",
               "comment and quoting characters");
    hostile_is("TLS\xc3\xa9", "\x80\xff\x7f\x01", "j\xc3\xbcrgen@ex.de",
               "authup user j??rgen@ex.de, TLS?? cipher ????",
               "8-bit bytes, DEL and a control character");
    hostile_is("v", "c", "a!#$%&'*+-/=?^_`{|}~.@b",
               "authup user a!#$%&'*+-/=?^_`{|}~.@b, v cipher c",
               "every atom character stays in a user");
    hostile_is("a@b!c", "c", NULL, "a?b?c cipher c",
               "a protocol keeps only its own characters");

    char *big = repeat('A', 10240);
    char *lf = repeat('\n', 10240);
    char want[TLSHEADER_MAX];
    snprintf(want, sizeof want,
             "authup user %.61s..., %.61s... cipher "
             "?????????????????????????????????????????????????????????????...",
             big, big);
    hostile_is(big, lf, big, want, "10 KiB values are cut to 64 bytes");
    free(big);
    free(lf);
}

/* Random values of random bytes and lengths, as a fuzzer would: every
 * header valid and as modelled. xorshift64, fixed seed: reproducible. */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void random_value(char *s, size_t size)
{
    size_t n = rnd(4) == 0 ? rnd((unsigned)size - 1) : rnd(90);
    for (size_t i = 0; i < n; i++) {
        unsigned r = rnd(4);
        s[i] = r == 0   ? (char)(1 + rnd(255))
               : r == 1 ? " \r\n\t()\\\",;:<>[]@."[rnd(18)]
                        : (char)('a' + rnd(26));
    }
    s[n] = '\0';
}

static void test_random(void)
{
    static char p[300], c[300], u[300];
    int passed = 0, runs = 20000;
    for (int i = 0; i < runs; i++) {
        random_value(p, sizeof p);
        random_value(c, sizeof c);
        random_value(u, sizeof u);
        struct tlsheader_info in = {p, c, rnd(3) ? u : NULL, (int)rnd(2)};
        if (!*p || !*c) {
            char h[TLSHEADER_MAX];
            struct tm tm = monday(0);
            passed += tlsheader_build(h, &in, &tm) == 0;
            continue;
        }
        char name[32];
        snprintf(name, sizeof name, "random run %d", i);
        passed += good(&in, name);
    }
    is_int(passed, runs, "random values: every header valid and as modelled");
}

int main(void)
{
    test_dates();
    test_exact();
    test_not_due();
    test_folding();
    test_hostile();
    test_random();
    return done_testing();
}
