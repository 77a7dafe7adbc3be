#include <string.h>

#include "hashtext.h"

static const char *const kinds[] = {"$y$", "$2b$", "$6$"};

static size_t kind_len(const char *hash, size_t len)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t n = strlen(kinds[i]);
        if (len > n && memcmp(hash, kinds[i], n) == 0)
            return n;
    }
    return 0;
}

static int crypt_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '/' || c == '$' ||
           c == '=';
}

enum hashtext_status hashtext_check(const char *hash, size_t len)
{
    if (len > HASHTEXT_MAX)
        return HASHTEXT_LONG;
    if (!kind_len(hash, len))
        return HASHTEXT_KIND;
    for (size_t i = 0; i < len; i++)
        if (!crypt_byte(hash[i]))
            return HASHTEXT_BYTE;
    return HASHTEXT_OK;
}

/* The length up to and including the first '$' at or after from, or 0. */
static size_t through_dollar(const char *hash, size_t len, size_t from)
{
    const char *d = from < len ? memchr(hash + from, '$', len - from) : NULL;
    return d ? (size_t)(d - hash) + 1 : 0;
}

size_t hashtext_cost_len(const char *hash, size_t len)
{
    if (hashtext_check(hash, len) != HASHTEXT_OK)
        return 0;
    size_t k = kind_len(hash, len);
    if (hash[1] == '6') {
        static const char rounds[] = "rounds=";
        size_t r = sizeof rounds - 1;
        if (len - k < r || memcmp(hash + k, rounds, r) != 0)
            return k;
    }
    /* yescrypt's params, bcrypt's cost, sha512-crypt's rounds=N. */
    return through_dollar(hash, len, k);
}

const char *hashtext_strerror(enum hashtext_status status)
{
    switch (status) {
    case HASHTEXT_OK:
        return "no error";
    case HASHTEXT_KIND:
        return "the hash is not yescrypt ($y$), bcrypt ($2b$) or "
               "sha512-crypt ($6$)";
    case HASHTEXT_BYTE:
        return "the hash holds a byte crypt(3) never writes";
    case HASHTEXT_LONG:
        return "the hash is longer than 383 bytes";
    }
    return "unknown error";
}
