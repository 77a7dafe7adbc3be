/* The record parser of control/passwd and of passwd.cdb, and the hash text
 * it accepts: every field's bounds, every refused byte, and the cost part
 * that makes the dummy hash as slow as the real ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "hashtext.h"
#include "pwrecord.h"

#define Y                                                                      \
    "$y$j9T$AA2vBLIGC6JUT0QbTm9bT1$HJuD1OgEL/9/"                               \
    "sAzYtgdQKzso5jxtehmhQHhFMzbQbw."
#define B "$2b$05$txB2tuyKMfq.kMRs1Qe/SeL6tJgkHDfmeY/sTx8pQB.3pBZOmvlyS"
#define S "$6$FNelEIsmji0nd30h$cxDP57wl/o6bLfRaJHc0zW5q8kIiZPMfzP3XDGKwjW"
#define SR "$6$rounds=10000$a.rEw6i4MOQZslte$abc"

static void good(const char *line, const char *name, const char *hash,
                 unsigned long uid, unsigned long gid, const char *home)
{
    struct pwrecord r;
    if (!is_int(pwrecord_parse(line, strlen(line), &r), PWRECORD_OK, line))
        return;
    is_mem(r.name, r.name_len, name, strlen(name), "  the name");
    is_mem(r.hash, r.hash_len, hash, strlen(hash), "  the hash");
    is_int(r.uid, (long long)uid, "  the uid");
    is_int(r.gid, (long long)gid, "  the gid");
    is_mem(r.home, r.home_len, home, strlen(home), "  the home");
}

static void bad_len(const char *line, size_t len, enum pwrecord_status want,
                    const char *what)
{
    struct pwrecord r;
    memset(&r, 0x55, sizeof r);
    enum pwrecord_status got = pwrecord_parse(line, len, &r);
    is_int(got, want, what);
    ok(!r.name && !r.hash && !r.home, "  and no field is handed out");
    ok(*pwrecord_strerror(got, r.hash_status), "  with a message: %s",
       pwrecord_strerror(got, r.hash_status));
}

static void bad(const char *line, enum pwrecord_status want, const char *what)
{
    bad_len(line, strlen(line), want, what);
}

static void test_good(void)
{
    good("alice:" Y ":1000:1000:/home/alice", "alice", Y, 1000, 1000,
         "/home/alice");
    good("bob@example.com:" B ":0:0:/", "bob@example.com", B, 0, 0, "/");
    good("c:" S ":4294967294:4294967294:/var/mail/with space", "c", S,
         4294967294UL, 4294967294UL, "/var/mail/with space");
    good("!#~:" SR ":007:65534:/x", "!#~", SR, 7, 65534, "/x");
}

static void test_fields(void)
{
    bad("", PWRECORD_FIELDS, "an empty line");
    bad_len(NULL, 0, PWRECORD_FIELDS, "no bytes at all");
    bad("alice", PWRECORD_FIELDS, "one field");
    bad("alice:" Y ":1000:1000", PWRECORD_FIELDS, "four fields");
    bad("alice:" Y ":1000:1000:/home:x", PWRECORD_FIELDS,
        "six fields (a ':' in the home)");
    bad("al:ice:" Y ":1000:1000:/home", PWRECORD_FIELDS,
        "six fields (a ':' in the name)");
    bad("::::", PWRECORD_NAME_EMPTY, "five empty fields");
}

static void test_names(void)
{
    char line[1024];
    bad(":" Y ":1:1:/h", PWRECORD_NAME_EMPTY, "an empty name");
    bad("a b:" Y ":1:1:/h", PWRECORD_NAME_BYTE, "a space in the name");
    bad("a\tb:" Y ":1:1:/h", PWRECORD_NAME_BYTE, "a tab in the name");
    bad("a\rb:" Y ":1:1:/h", PWRECORD_NAME_BYTE, "a CR in the name");
    bad("a\x7f:" Y ":1:1:/h", PWRECORD_NAME_BYTE, "DEL in the name");
    bad("caf\xc3\xa9:" Y ":1:1:/h", PWRECORD_NAME_BYTE,
        "an 8-bit byte in the name");
    bad_len("a\0b:" Y ":1:1:/h", sizeof "a\0b:" Y ":1:1:/h" - 1,
            PWRECORD_NAME_BYTE, "a NUL in the name");
    memset(line, 'n', 255);
    snprintf(line + 255, sizeof line - 255, ":%s:1:1:/h", Y);
    struct pwrecord r;
    is_int(pwrecord_parse(line, strlen(line), &r), PWRECORD_OK,
           "a 255-byte name");
    memset(line, 'n', 256);
    snprintf(line + 256, sizeof line - 256, ":%s:1:1:/h", Y);
    bad(line, PWRECORD_NAME_LONG, "a 256-byte name");
    is_int(pwrecord_check_name("a:b", 3), PWRECORD_NAME_COLON,
           "check_name: a ':'");
    is_int(pwrecord_check_name("a\nb", 3), PWRECORD_NAME_BYTE,
           "check_name: an LF");
    is_int(pwrecord_check_name("", 0), PWRECORD_NAME_EMPTY,
           "check_name: empty");
    is_int(pwrecord_check_name("-x", 2), PWRECORD_OK,
           "check_name: a leading '-' is a name byte like any other");
}

static void test_hashes(void)
{
    bad("a::1:1:/h", PWRECORD_HASH, "an empty hash");
    bad("a:x:1:1:/h", PWRECORD_HASH, "a hash of no kind");
    bad("a:*:1:1:/h", PWRECORD_HASH, "a locked hash");
    bad("a:$1$abc$def:1:1:/h", PWRECORD_HASH, "md5-crypt is refused");
    bad("a:$5$abc$def:1:1:/h", PWRECORD_HASH, "sha256-crypt is refused");
    bad("a:$2a$05$abc:1:1:/h", PWRECORD_HASH, "bcrypt $2a$ is refused");
    bad("a:abcdefghijklm:1:1:/h", PWRECORD_HASH, "DES is refused");
    bad("a:$y$:1:1:/h", PWRECORD_HASH, "a bare prefix");
    bad("a:$y$j9T$a b:1:1:/h", PWRECORD_HASH, "a space in the hash");
    bad("a:$y$j9T$a\x80:1:1:/h", PWRECORD_HASH, "an 8-bit byte in the hash");
    is_int(hashtext_check("$y$a!b", 6), HASHTEXT_BYTE, "  a '!': BYTE");
    is_int(hashtext_check("$q$ab", 5), HASHTEXT_KIND, "  another kind: KIND");
    char h[400] = "$y$";
    memset(h + 3, 'a', 380);
    is_int(hashtext_check(h, 383), HASHTEXT_OK, "  383 bytes are fine");
    h[383] = 'a';
    is_int(hashtext_check(h, 384), HASHTEXT_LONG, "  384 are too long");
}

static void cost_is(const char *hash, const char *want)
{
    is_int((long long)hashtext_cost_len(hash, strlen(hash)),
           (long long)strlen(want), want);
}

static void test_cost(void)
{
    cost_is(Y, "$y$j9T$");
    cost_is("$y$jBT$KE07foOldGQx/bpu6mkbE.$xyz", "$y$jBT$");
    cost_is(B, "$2b$05$");
    cost_is("$2b$12$abcdef", "$2b$12$");
    cost_is(S, "$6$");
    cost_is(SR, "$6$rounds=10000$");
    cost_is("$y$j9T", "");
    cost_is("nonsense", "");
}

static void test_ids(void)
{
    char line[256];
    static const char *const bad_ids[] = {
        "", "-1", "+1", " 1", "1 ", "4294967295", "0x10", "99999999999", "1e3"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        snprintf(line, sizeof line, "a:%s:%s:1:/h", Y, bad_ids[i]);
        bad(line, PWRECORD_UID, bad_ids[i]);
        snprintf(line, sizeof line, "a:%s:1:%s:/h", Y, bad_ids[i]);
        bad(line, PWRECORD_GID, bad_ids[i]);
    }
    unsigned long id;
    ok(pwrecord_id("0000000000", 10, &id) == 0 && id == 0, "ten zeros are 0");
    ok(pwrecord_id("4294967294", 10, &id) == 0 && id == 4294967294UL,
       "the largest id");
}

static void test_homes(void)
{
    bad("a:" Y ":1:1:", PWRECORD_HOME_EMPTY, "an empty home");
    bad("a:" Y ":1:1:home", PWRECORD_HOME_RELATIVE, "a relative home");
    bad("a:" Y ":1:1:/h\r", PWRECORD_HOME_BYTE, "a CR after the home");
    bad("a:" Y ":1:1:/h\tx", PWRECORD_HOME_BYTE, "a tab in the home");
    bad("a:" Y ":1:1:/caf\xc3\xa9", PWRECORD_HOME_BYTE,
        "an 8-bit byte in the home");
    is_int(pwrecord_check_home("/a:b", 4), PWRECORD_HOME_COLON,
           "check_home: a ':'");
    char *line = malloc(5000);
    int n = snprintf(line, 5000, "a:%s:1:1:/", Y);
    memset(line + n, 'h', 4094);
    line[n + 4094] = '\0';
    struct pwrecord r;
    is_int(pwrecord_parse(line, strlen(line), &r), PWRECORD_OK,
           "a 4095-byte home");
    line[n + 4094] = 'h';
    line[n + 4095] = '\0';
    bad(line, PWRECORD_HOME_LONG, "a 4096-byte home");
    free(line);
}

int main(void)
{
    test_good();
    test_fields();
    test_names();
    test_hashes();
    test_cost();
    test_ids();
    test_homes();
    return done_testing();
}
