#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "passhash.h"
#include "wipe.h"

/* 1 when a and b are the same C string, in time that depends on their
 * lengths only (crypt(3)'s output holds no secret past its length). */
static int same(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    volatile unsigned char diff = la != lb;
    size_t n = la < lb ? la : lb;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* crypt_rn into a wiped work area; the result copied to out. 0, or -1. */
static int hash_into(const char *password, const char *setting, char *out,
                     size_t size)
{
    struct crypt_data *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    errno = 0;
    const char *h = crypt_rn(password, setting, d, (int)sizeof *d);
    int r = -1;
    if (h && strlen(h) < size) {
        memcpy(out, h, strlen(h) + 1);
        r = 0;
    } else if (h) {
        errno = ERANGE;
    } else if (!errno) {
        errno = EINVAL;
    }
    int saved = errno;
    wipe(d, sizeof *d);
    free(d);
    errno = saved;
    return r;
}

enum passhash_result passhash_verify(const char *password, const char *hash,
                                     const char *dummy)
{
    char out[CRYPT_OUTPUT_SIZE];
    enum passhash_result r = PASSHASH_MISMATCH;
    if (hash && hash_into(password, hash, out, sizeof out) == 0) {
        r = same(out, hash) ? PASSHASH_MATCH : PASSHASH_MISMATCH;
    } else {
        if (hash)
            r = PASSHASH_UNUSABLE;
        /* A dummy crypt(3) refuses would cost nothing: use the default. */
        if (hash_into(password, dummy, out, sizeof out) < 0) {
            dummy = PASSHASH_DEFAULT_DUMMY;
            if (hash_into(password, dummy, out, sizeof out) < 0)
                out[0] = '\0';
        }
        (void)same(out, dummy);
    }
    wipe(out, sizeof out);
    return r;
}

int passhash_new(const char *password, char *out, size_t size)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof setting))
        return -1;
    return hash_into(password, setting, out, size);
}

int passhash_dummy(const char *like, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char rnd[16];
    char password[2 * sizeof rnd + 1];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return -1;
    for (size_t i = 0; i < sizeof rnd; i++) {
        password[2 * i] = hex[rnd[i] >> 4];
        password[2 * i + 1] = hex[rnd[i] & 15];
    }
    password[2 * sizeof rnd] = '\0';
    int r = hash_into(password, like, out, size);
    int saved = errno;
    wipe(rnd, sizeof rnd);
    wipe(password, sizeof password);
    errno = saved;
    return r;
}
