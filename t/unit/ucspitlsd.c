/* ucspitlsd's pure parts: server names and the SNI table, the variable
 * block it writes (read back with lib/ucspitls's parser), its options and
 * environment, and what it keeps from prog's environment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "appenv.h"
#include "config.h"
#include "sni.h"
#include "tickets.h"
#include "ucspitls.h"

extern char **environ;

static void normalizes(const char *in, size_t len, const char *want)
{
    char out[SNI_NAME_MAX + 1];
    int n = sni_normalize(in, len, out);
    if (!want) {
        is_int(n, -1, "not a host name");
        return;
    }
    if (is_int(n, (long long)strlen(want), "host name length"))
        is_str(out, want, "  normalised");
}

static void test_names(void)
{
    normalizes("Mail.Example.ORG", 16, "mail.example.org");
    normalizes("mail.example.org.", 17, "mail.example.org");
    normalizes("_smtp-1.x", 9, "_smtp-1.x");
    normalizes("localhost", 9, "localhost");

    char label[80];
    memset(label, 'a', 63);
    strcpy(label + 63, ".org"); /* a 63-byte label */
    normalizes(label, strlen(label), label);
    memset(label, 'a', 64);
    strcpy(label + 64, ".org"); /* a 64-byte label */
    normalizes(label, strlen(label), NULL);

    char name[300]; /* labels of 63 bytes and dots: 253 bytes, then 254 */
    memset(name, 'b', sizeof name);
    for (int i = 63; i < 253; i += 64)
        name[i] = '.';
    name[253] = 0;
    normalizes(name, 253, name);
    name[253] = 'b';
    normalizes(name, 254, NULL);
    normalizes("", 0, NULL);
    normalizes(".", 1, NULL);
    normalizes(".a", 2, NULL);
    normalizes("a..b", 4, NULL);
    normalizes("a.b..", 5, NULL);
    normalizes("a b", 3, NULL);
    normalizes("*.example.org", 13, NULL);
    normalizes("a\0b", 3, NULL);
    normalizes("caf\xc3\xa9", 5, NULL);
    normalizes("a/b", 3, NULL);
}

static int parses(char **envp, struct sni_table *t, const char *want_err)
{
    char err[256] = "";
    int r = sni_parse(t, envp, err, sizeof err);
    if (want_err) {
        ok(r < 0 && strstr(err, want_err) != NULL, "refused: %s", want_err);
        if (r == 0 || !strstr(err, want_err))
            printf("# err: %s\n", err);
        ok(t->entry == NULL && t->count == 0, "  and the table is empty");
    } else {
        ok(r == 0, "parsed");
        if (r < 0)
            printf("# err: %s\n", err);
    }
    return r;
}

static void test_table(void)
{
    struct sni_table t;
    char *none[] = {"CERTFILE=/c", "KEYFILE=/k", "CERTFILEX:a=/x", "PATH=/bin",
                    NULL};
    parses(none, &t, NULL);
    ok(t.count == 0 && t.entry == NULL, "no SNI variables: no table");
    ok(sni_find(&t, "a", 1) == NULL, "  and nothing is found");

    char *two[] = {"KEYFILE:mail.example.org=/k1", "PATH=/bin",
                   "CERTFILE:Mail.Example.Org=/c1",
                   "CERTFILE:ec.example.net.=/c2", NULL};
    if (parses(two, &t, NULL) == 0) {
        is_int((long long)t.count, 2, "two names");
        const struct sni_entry *e = sni_find(&t, "MAIL.example.org.", 17);
        ok(e && strcmp(e->certfile, "/c1") == 0 &&
               strcmp(e->keyfile, "/k1") == 0,
           "found without case or final dot, with the key that came first");
        e = sni_find(&t, "ec.example.net", 14);
        ok(e && strcmp(e->keyfile, "/c2") == 0,
           "without KEYFILE:name the key is in CERTFILE:name");
        ok(sni_find(&t, "example.net", 11) == NULL, "no suffix matches");
        ok(sni_find(&t, "mail.example.org\0x", 18) == NULL,
           "a name with a NUL matches nothing");
        ok(sni_find(&t, "", 0) == NULL, "nor does an empty one");
        sni_free(&t);
    }

    char *bad[] = {"CERTFILE:a*b=/c", NULL};
    parses(bad, &t, "CERTFILE:a*b: not a host name");
    char *empty[] = {"CERTFILE:a.b=", NULL};
    parses(empty, &t, "CERTFILE:a.b: it is empty");
    char *nameless[] = {"CERTFILE:=/c", NULL};
    parses(nameless, &t, "not a host name");
    char *lonekey[] = {"KEYFILE:a.b=/k", NULL};
    parses(lonekey, &t, "KEYFILE:a.b: CERTFILE:a.b is not set");
    char *otherkey[] = {"CERTFILE:a.b=/c", "KEYFILE:c.d=/k", NULL};
    parses(otherkey, &t, "KEYFILE:c.d: CERTFILE:c.d is not set");
    char *twice[] = {"CERTFILE:a.b=/c", "CERTFILE:A.B=/d", NULL};
    parses(twice, &t, "CERTFILE:a.b: the name is given twice");
    char *keytwice[] = {"CERTFILE:a.b=/c", "KEYFILE:a.b=/k", "KEYFILE:a.b.=/l",
                        NULL};
    parses(keytwice, &t, "KEYFILE:a.b: the name is given twice");

    static char vars[SNI_ENTRIES_MAX + 1][32];
    static char *many[SNI_ENTRIES_MAX + 2];
    for (int i = 0; i <= SNI_ENTRIES_MAX; i++) {
        snprintf(vars[i], sizeof vars[i], "CERTFILE:h%d.example=/c", i);
        many[i] = vars[i];
    }
    many[SNI_ENTRIES_MAX] = NULL;
    if (parses(many, &t, NULL) == 0) {
        is_int((long long)t.count, SNI_ENTRIES_MAX, "the most names");
        sni_free(&t);
    }
    many[SNI_ENTRIES_MAX] = vars[SNI_ENTRIES_MAX];
    many[SNI_ENTRIES_MAX + 1] = NULL;
    parses(many, &t, "more than 256 names");
}

/* What ucspitls_parse() makes of a block, as "NAME=value;" */
static int collect(void *ctx, const char *name, size_t namelen,
                   const char *value, size_t valuelen)
{
    struct bytes *b = ctx;
    bytes_append(b, name, namelen);
    if (value) {
        bytes_appendc(b, '=');
        bytes_append(b, value, valuelen);
    }
    bytes_appendc(b, ';');
    return 0;
}

static void reads_back(struct bytes *block, const char *want, size_t count,
                       const char *name)
{
    struct bytes seen = BYTES_INIT(0);
    size_t n = 0;
    is_int(ucspitls_parse(block->s, block->len, collect, &seen, &n),
           UCSPITLS_OK, name);
    is_mem(seen.s ? seen.s : "", seen.len, want, strlen(want), "  its entries");
    is_int((long long)n, (long long)count, "  its entry count");
    bytes_free(&seen);
}

static void test_block(void)
{
    struct bytes b = BYTES_INIT(UCSPITLS_BLOCK_MAX);
    ok(ucspitls_block_end(&b) == 0, "an empty block");
    is_mem(b.s, b.len, "\0", 1, "  is a lone NUL");
    reads_back(&b, "", 0, "  which the reader takes as no variables");
    bytes_free(&b);

    b = (struct bytes)BYTES_INIT(UCSPITLS_BLOCK_MAX);
    is_int(ucspitls_block_adds(&b, "SSL_PROTOCOL", "TLSv1.3"), 1, "added");
    is_int(
        ucspitls_block_add(&b, "SSL_CLIENT_S_DN", "CN=a\0b\r\nX=\x7f\x01", 12),
        1, "a value with a NUL, CR, LF and DEL");
    is_int(ucspitls_block_adds(&b, "SSL_CLIENT_S_DN_CN", "J\xc3\xbcrgen=x"), 1,
           "a value with 8-bit bytes and '='");
    is_int(ucspitls_block_adds(&b, "SSL_TLS_SNI", ""), 1, "an empty value");
    ok(ucspitls_block_end(&b) == 0, "ended");
    static const char want[] =
        "SSL_PROTOCOL=TLSv1.3\0SSL_CLIENT_S_DN=CN=a?b??X=??\0"
        "SSL_CLIENT_S_DN_CN=J\xc3\xbcrgen=x\0SSL_TLS_SNI=\0\0";
    is_mem(b.s, b.len, want, sizeof want - 1,
           "  control bytes became '?', the rest is kept");
    reads_back(&b,
               "SSL_PROTOCOL=TLSv1.3;SSL_CLIENT_S_DN=CN=a?b??X=??;"
               "SSL_CLIENT_S_DN_CN=J\xc3\xbcrgen=x;SSL_TLS_SNI=;",
               4, "  and the reader gets them back");
    bytes_free(&b);

    b = (struct bytes)BYTES_INIT(UCSPITLS_BLOCK_MAX);
    char big[UCSPITLS_VALUE_MAX + 1];
    memset(big, 'v', sizeof big);
    is_int(ucspitls_block_add(&b, "A", big, UCSPITLS_VALUE_MAX), 1,
           "a value of the longest length is added");
    size_t len = b.len;
    is_int(ucspitls_block_add(&b, "B", big, UCSPITLS_VALUE_MAX + 1), 0,
           "one byte more and it is left out");
    is_int((long long)b.len, (long long)len, "  whole");
    errno = 0;
    ok(ucspitls_block_adds(&b, "SSL-X", "x") < 0 && errno == EINVAL,
       "a name with '-' is refused");
    is_int(ucspitls_block_adds(&b, "SSL_CLIENT_S_DN_Email", "x"), 1,
           "a mixed-case name is taken");
    len = b.len;
    ok(ucspitls_block_adds(&b, "9X", "x") < 0 && errno == EINVAL,
       "a name starting with a digit is refused");
    ok(ucspitls_block_adds(&b, "", "x") < 0 && errno == EINVAL,
       "an empty name is refused");
    ok(ucspitls_block_adds(&b, "A=B", "x") < 0 && errno == EINVAL,
       "a name with '=' is refused");
    is_int((long long)b.len, (long long)len, "  and nothing was added");
    bytes_free(&b);

    b = (struct bytes)BYTES_INIT(20);
    is_int(ucspitls_block_adds(&b, "SSL_A", "12345"), 1, "into a small block");
    errno = 0;
    ok(ucspitls_block_adds(&b, "SSL_B", "123456789") < 0 && errno == E2BIG,
       "past its limit: E2BIG");
    is_mem(b.s, b.len, "SSL_A=12345\0", 12, "  and the block is as it was");
    bytes_free(&b);
}

static int options(const char *line, struct config *c)
{
    static char copy[256];
    char *argv[16];
    int argc = 0;
    snprintf(copy, sizeof copy, "ucspitlsd %s", line);
    for (char *p = strtok(copy, " "); p && argc < 15; p = strtok(NULL, " "))
        argv[argc++] = p;
    argv[argc] = NULL;
    optind = 0; /* glibc: start afresh */
    return config_options(c, argc, argv);
}

static void test_options(void)
{
    struct config c;
    ok(options("tlsecho", &c) == 0 && !c.implicit && c.handshake_ms == 30000 &&
           c.idle_ms == 1200000 && strcmp(c.argv[0], "tlsecho") == 0 &&
           !c.argv[1],
       "defaults: STARTTLS mode, 30 s and 1200 s");
    ok(options("-i -h 5 -t 7 prog -i x", &c) == 0 && c.implicit &&
           c.handshake_ms == 5000 && c.idle_ms == 7000 &&
           strcmp(c.argv[0], "prog") == 0 && strcmp(c.argv[1], "-i") == 0,
       "-i -h -t, and options after prog are prog's");
    ok(options("-- prog", &c) == 0 && strcmp(c.argv[0], "prog") == 0,
       "-- ends the options");
    ok(options("-h86400 prog", &c) == 0 && c.handshake_ms == 86400000,
       "the longest timeout");
    ok(options("-K /etc/keys", &c) == 0 && c.rotate &&
           strcmp(c.rotate, "/etc/keys") == 0,
       "-K file, without prog");
    ok(options("-S /run/s -c 9 -u 1001", &c) == 0 && c.socket &&
           strcmp(c.socket, "/run/s") == 0 && c.max_engines == 9 &&
           c.socket_uid == 1001,
       "-S socket -c -u, without prog");
    ok(options("-S /run/s", &c) == 0 && c.max_engines == ENGINES_DEFAULT &&
           c.socket_uid == 0,
       "-S: 400 engines, root's socket by default");
    const char *bad[] = {"",           "-i",
                         "-h 0 prog",  "-h 86401 prog",
                         "-t x prog",  "-t -1 prog",
                         "-h 5s prog", "-x prog",
                         "-h",         "-K",
                         "-K f prog",  "-C -K f",
                         "-S s prog",  "-S s -K f",
                         "-S",         "-S s -c 0",
                         "-S s -c x",  "-S s -c 100001",
                         "-S s -u -1", "-S s -u 4294967295"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ok(options(bad[i], &c) < 0, "usage error: '%s'", bad[i]);
}

static int env_is(char **envp, struct config *c, const char *want_err)
{
    char err[256] = "";
    struct config fresh = {0};
    *c = fresh;
    int r = config_env(c, envp, err, sizeof err);
    if (want_err) {
        ok(r < 0 && strstr(err, want_err), "refused: %s", want_err);
        if (r == 0 || !strstr(err, want_err))
            printf("# err: %s\n", err);
    } else if (!ok(r == 0, "environment read")) {
        printf("# err: %s\n", err);
    }
    return r;
}

static void test_env(void)
{
    struct config c;
    char *minimal[] = {"CERTFILE=/c.pem", "CIPHERS=", "KEYFILE=", NULL};
    if (env_is(minimal, &c, NULL) == 0) {
        ok(strcmp(c.keyfile, "/c.pem") == 0, "the key is in CERTFILE");
        ok(strcmp(c.ciphers, DEFAULT_CIPHERS) == 0,
           "an empty CIPHERS is the default");
        ok(!c.cafile && !c.dhfile && !c.chroot && !c.set_uid && !c.set_gid,
           "nothing else");
        config_free(&c);
    }
    char *full[] = {
        "CERTFILE=/c",    "KEYFILE=/k",        "CAFILE=/ca", "DHFILE=/dh",
        "CIPHERS=SECURE", "TLS_CHROOT=/var/e", "SSL_UID=7",  "TLS_UID=65534",
        "SSL_GID=9",      "CERTFILE:x.y=/x",   NULL};
    if (env_is(full, &c, NULL) == 0) {
        ok(strcmp(c.keyfile, "/k") == 0 && strcmp(c.cafile, "/ca") == 0 &&
               strcmp(c.dhfile, "/dh") == 0 &&
               strcmp(c.ciphers, "SECURE") == 0 &&
               strcmp(c.chroot, "/var/e") == 0,
           "every file and setting");
        ok(c.set_uid && c.uid == 65534, "TLS_UID before SSL_UID");
        ok(c.set_gid && c.gid == 9, "SSL_GID without TLS_GID");
        is_int((long long)c.sni.count, 1, "the SNI table");
        config_free(&c);
    }
    char *none[] = {"KEYFILE=/k", NULL};
    env_is(none, &c, "CERTFILE is not set");
    char *empty[] = {"CERTFILE=", NULL};
    env_is(empty, &c, "CERTFILE is not set");
    char *uid[] = {"CERTFILE=/c", "TLS_UID=12a", "TLS_GID=1", NULL};
    env_is(uid, &c, "unable to parse TLS_UID: not a number: 12a");
    char *gid[] = {"CERTFILE=/c", "SSL_GID=-1", NULL};
    env_is(gid, &c, "unable to parse SSL_GID");
    char *huge[] = {"CERTFILE=/c", "TLS_UID=4294967295", "TLS_GID=1", NULL};
    env_is(huge, &c, "unable to parse TLS_UID");
    char *root[] = {"CERTFILE=/c", "TLS_CHROOT=var/empty", NULL};
    env_is(root, &c, "TLS_CHROOT var/empty: not an absolute path");
    char *uidonly[] = {"CERTFILE=/c", "TLS_UID=65534", NULL};
    env_is(uidonly, &c, "unable to use TLS_UID without TLS_GID");
    char *sslonly[] = {"CERTFILE=/c", "SSL_UID=65534", "TLS_GID=", NULL};
    env_is(sslonly, &c, "unable to use TLS_UID without TLS_GID");
    char *gidonly[] = {"CERTFILE=/c", "TLS_GID=65534", NULL};
    if (env_is(gidonly, &c, NULL) == 0) {
        ok(c.set_gid && !c.set_uid, "TLS_GID alone: the group only");
        config_free(&c);
    }
    char *sni[] = {"CERTFILE=/c", "KEYFILE:x=/k", NULL};
    env_is(sni, &c, "CERTFILE:x is not set");
}

static void test_appenv(void)
{
    const char *ours[] = {"CERTFILE=/c",
                          "KEYFILE=/k",
                          "CAFILE=/ca",
                          "DHFILE=/d",
                          "CIPHERS=NORMAL",
                          "TLS_UID=1",
                          "TLS_GID=1",
                          "SSL_UID=1",
                          "SSL_GID=1",
                          "TLS_CHROOT=/x",
                          "CERTFILE:a.b=/c",
                          "KEYFILE:a.b=/k",
                          "SSL_PROTOCOL=x",
                          "SSL_CLIENT_S_DN_CN=evil",
                          "SSL_TLS_SNI_SERVERNAME=x",
                          "SSLCTLFD=3",
                          "CERTFILE",
                          "SSL_CLIENT_VERIFY"};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
        ok(appenv_is_ours(ours[i]), "removed from prog's environment: %s",
           ours[i]);
    const char *theirs[] = {"PATH=/bin",
                            "TCPREMOTEIP=127.0.0.1",
                            "SSL_CERT_FILE=/e",
                            "CERTFILEX=1",
                            "KEYFILES=1",
                            "UCSPITLS=",
                            "SSL=1",
                            "=CERTFILE"};
    for (size_t i = 0; i < sizeof theirs / sizeof theirs[0]; i++)
        ok(!appenv_is_ours(theirs[i]), "kept: %s", theirs[i]);

    char *env[] = {
        "PATH=/bin",     "CERTFILE=/c",      "KEYFILE",   "KEYFILE:x=/k",
        "TCPREMOTEIP=1", "SSL_PROTOCOL=old", "TLS_UID=0", NULL};
    char **saved = environ;
    environ = env;
    appenv_clean();
    int n = 0;
    while (environ[n])
        n++;
    ok(n == 2 && strcmp(environ[0], "PATH=/bin") == 0 &&
           strcmp(environ[1], "TCPREMOTEIP=1") == 0,
       "cleaned, entries without '=' too, the rest in order");
    environ = saved;
}

static void keys_parse(const char *text, int want, const char *why,
                       const char *name)
{
    struct tickets t;
    char err[256] = "";
    int r = tickets_parse(&t, (const unsigned char *)text, strlen(text), err,
                          sizeof err);
    if (want < 0) {
        ok(r < 0 && strstr(err, why) && t.count == 0, "%s: refused (%s)", name,
           err);
        return;
    }
    ok(r == 0 && (int)t.count == want, "%s: %d key%s", name, want,
       want == 1 ? "" : "s");
    for (size_t i = 0; i < t.count; i++)
        ok(t.key[i].size == TICKETS_KEY_SIZE, "  key %zu: 64 bytes", i + 1);
    tickets_free(&t);
}

/* A key of 64 zero bytes. */
#define KEY                                                                    \
    "-----BEGIN UCSPITLSD TICKET KEY-----\n"                                   \
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"       \
    "AAAAAAAAAAAAAAAAAAAAAA==\n-----END UCSPITLSD TICKET KEY-----\n"

/* A ClientHello record with the given extensions (type, then body). */
static size_t hello(unsigned char *out, const unsigned char *ext, size_t extlen)
{
    unsigned char body[512];
    size_t n = 0;
    body[n++] = 3;
    body[n++] = 3;
    memset(body + n, 7, 32); /* random */
    n += 32;
    body[n++] = 0; /* no session id */
    body[n++] = 0;
    body[n++] = 2;
    body[n++] = 0x13;
    body[n++] = 1; /* TLS_AES_128_GCM_SHA256 */
    body[n++] = 1;
    body[n++] = 0; /* null compression */
    body[n++] = (unsigned char)(extlen >> 8);
    body[n++] = (unsigned char)extlen;
    memcpy(body + n, ext, extlen);
    n += extlen;
    size_t at = 0;
    out[at++] = 22;
    out[at++] = 3;
    out[at++] = 1;
    out[at++] = (unsigned char)((n + 4) >> 8);
    out[at++] = (unsigned char)(n + 4);
    out[at++] = 1;
    out[at++] = 0;
    out[at++] = (unsigned char)(n >> 8);
    out[at++] = (unsigned char)n;
    memcpy(out + at, body, n);
    return at + n;
}

static void test_tickets(void)
{
    const char *k = KEY;
    char two[1024], nine[4096] = "";
    snprintf(two, sizeof two, "comment\n%s\n%s", k, k);
    keys_parse(k, 1, NULL, "one key");
    keys_parse(two, 2, NULL, "two keys, text around them");
    for (int i = 0; i < TICKETS_MAX + 1; i++)
        strcat(nine, k);
    keys_parse(nine, -1, "more than 8 keys", "nine keys");
    keys_parse("", -1, "no key in it", "an empty file");
    keys_parse("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
               -1, "no key in it", "a certificate");
    keys_parse("-----BEGIN UCSPITLSD TICKET KEY-----\nAAAA\n", -1,
               "key 1 has no end line", "no end line");
    keys_parse("-----BEGIN UCSPITLSD TICKET KEY-----\nAAAA\n"
               "-----END UCSPITLSD TICKET KEY-----\n",
               -1, "key 1 is not 64 bytes", "3 bytes");
    keys_parse("-----BEGIN UCSPITLSD TICKET KEY-----\n*not base64*\n"
               "-----END UCSPITLSD TICKET KEY-----\n",
               -1, "key 1 is not 64 bytes", "not base64");

    unsigned char rec[600];
    static const unsigned char none[] = {0, 0, 0, 0};     /* empty SNI */
    static const unsigned char empty35[] = {0, 35, 0, 0}; /* no ticket */
    static const unsigned char ticket35[] = {0, 35, 0, 2, 9, 9};
    static const unsigned char psk41[] = {0, 41, 0, 2, 0, 0};
    size_t n = hello(rec, none, sizeof none);
    ok(!tickets_offered(rec, n), "a ClientHello without a ticket");
    n = hello(rec, empty35, sizeof empty35);
    ok(!tickets_offered(rec, n), "an empty session_ticket: none");
    n = hello(rec, ticket35, sizeof ticket35);
    ok(tickets_offered(rec, n), "a TLS 1.2 session ticket");
    n = hello(rec, psk41, sizeof psk41);
    ok(tickets_offered(rec, n), "a TLS 1.3 pre_shared_key");
    ok(!tickets_offered(rec, n - 1), "one byte short: not a whole record");
    rec[5] = 2;
    ok(!tickets_offered(rec, n), "not a ClientHello");
    rec[5] = 1;
    rec[0] = 23;
    ok(!tickets_offered(rec, n), "not a handshake record");
    rec[0] = 22;
    rec[4]--; /* the message longer than its record */
    ok(!tickets_offered(rec, n), "a ClientHello over two records");
    ok(!tickets_offered(rec, 4), "four bytes");
    struct tickets one = {0};
    one.count = 1;
    n = hello(rec, psk41, sizeof psk41);
    is_int((long long)tickets_choose(&one, rec, n, NULL, NULL), 0,
           "one key: the first, nothing tried");
}

int main(void)
{
    test_names();
    test_table();
    test_block();
    test_options();
    test_env();
    test_appenv();
    test_tickets();
    return done_testing();
}
