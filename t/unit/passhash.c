/* Passwords through crypt(3): each accepted kind verifies, a wrong password
 * or a near miss does not, a missing record never matches (not even the
 * dummy's own password), an unusable hash is reported, and new hashes and
 * dummies have the kind and cost they should. */
#include <crypt.h>
#include <string.h>

#include "../tap.h"
#include "hashtext.h"
#include "passhash.h"

static void make(const char *prefix, unsigned long count, const char *pw,
                 char *out)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data d;
    memset(&d, 0, sizeof d);
    const char *h = NULL;
    if (crypt_gensalt_rn(prefix, count, NULL, 0, setting, sizeof setting))
        h = crypt_rn(pw, setting, &d, (int)sizeof d);
    strcpy(out, h ? h : "");
}

static void kind(const char *prefix, unsigned long count)
{
    char hash[CRYPT_OUTPUT_SIZE];
    make(prefix, count, "correct horse", hash);
    if (!ok(strncmp(hash, prefix, strlen(prefix)) == 0, "%s: a hash made",
            prefix))
        return;
    is_int(hashtext_check(hash, strlen(hash)), HASHTEXT_OK,
           "  its text is accepted");
    is_int(passhash_verify("correct horse", hash, PASSHASH_DEFAULT_DUMMY),
           PASSHASH_MATCH, "  the password matches");
    is_int(passhash_verify("correct horsf", hash, PASSHASH_DEFAULT_DUMMY),
           PASSHASH_MISMATCH, "  one byte off does not");
    is_int(passhash_verify("", hash, PASSHASH_DEFAULT_DUMMY), PASSHASH_MISMATCH,
           "  the empty password does not");
    is_int(passhash_verify("correct horse", NULL, hash), PASSHASH_MISMATCH,
           "  as a dummy, even its own password never matches");
    char dummy[CRYPT_OUTPUT_SIZE];
    ok(passhash_dummy(hash, dummy, sizeof dummy) == 0, "  a dummy like it");
    size_t n = hashtext_cost_len(hash, strlen(hash));
    ok(n > 0 && strncmp(dummy, hash, n) == 0, "  has its kind and cost: %.*s",
       (int)n, dummy);
    ok(strcmp(dummy, hash) != 0, "  and is another hash");
}

int main(void)
{
    kind("$y$", 0);
    kind("$2b$", 5);
    kind("$6$", 5000);

    char h[CRYPT_OUTPUT_SIZE];
    ok(passhash_new("pw", h, sizeof h) == 0, "passhash_new");
    ok(strncmp(h, "$y$j9T$", 7) == 0, "  yescrypt at the default cost: %s", h);
    is_int(passhash_verify("pw", h, PASSHASH_DEFAULT_DUMMY), PASSHASH_MATCH,
           "  and it verifies");
    char again[CRYPT_OUTPUT_SIZE];
    passhash_new("pw", again, sizeof again);
    ok(strcmp(h, again) != 0, "  a new salt each time");
    ok(passhash_new("pw", h, 10) < 0, "  too small a buffer is an error");

    is_int(passhash_verify("pw", "$y$j9T", PASSHASH_DEFAULT_DUMMY),
           PASSHASH_UNUSABLE, "a hash crypt(3) refuses: unusable");
    is_int(passhash_verify("pw", "$y$j9T", "$y$j9T"), PASSHASH_UNUSABLE,
           "  even with an unusable dummy");
    is_int(passhash_verify("pw", NULL, "$y$j9T"), PASSHASH_MISMATCH,
           "no record and a dummy crypt(3) refuses: a mismatch");
    ok(strncmp(PASSHASH_DEFAULT_DUMMY, "$y$j9T$", 7) == 0,
       "the default dummy is yescrypt at the default cost");
    is_int(passhash_verify("pw", PASSHASH_DEFAULT_DUMMY, "$y$j9T"),
           PASSHASH_MISMATCH, "  crypt(3) takes it");
    is_int(
        hashtext_check(PASSHASH_DEFAULT_DUMMY, strlen(PASSHASH_DEFAULT_DUMMY)),
        HASHTEXT_OK, "  and well formed");
    ok(passhash_dummy("$y$j9T", h, sizeof h) < 0,
       "a dummy like a refused hash: an error");
    return done_testing();
}
