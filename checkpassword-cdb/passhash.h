/* Passwords and crypt(3) (libxcrypt's crypt_rn and crypt_gensalt_rn): new
 * hashes, checks in constant time, and the check made for a name that is
 * not in the database, which must cost what a real one costs. Every buffer
 * that held a password or crypt(3)'s work is wiped before it is given
 * back. Nothing here prints or exits. */
#ifndef PASSHASH_H
#define PASSHASH_H

#include <stddef.h>

/* The hash checked against for a name that is not there, when the database
 * has no dummy of its own: yescrypt with crypt_gensalt's default cost, the
 * cost cdbpasswd gives new hashes. */
#define PASSHASH_DEFAULT_DUMMY                                                 \
    "$y$j9T$AA2vBLIGC6JUT0QbTm9bT1$HJuD1OgEL/9/"                               \
    "sAzYtgdQKzso5jxtehmhQHhFMzbQbw."

enum passhash_result {
    PASSHASH_MISMATCH = 0,
    PASSHASH_MATCH = 1,
    PASSHASH_UNUSABLE = 2 /* crypt(3) refused the hash: dummy checked */
};

/* Checks password against hash. When hash is NULL (no such name) or
 * crypt(3) refuses it, password is checked against dummy instead (or, when
 * crypt(3) refuses that too, against PASSHASH_DEFAULT_DUMMY), and the
 * answer is never a match. The comparison takes the same time wherever the
 * first differing byte is. */
enum passhash_result passhash_verify(const char *password, const char *hash,
                                     const char *dummy);
/* A new yescrypt hash of password, at crypt_gensalt's default cost, into
 * out (size at least 384). 0, or -1 with errno. */
int passhash_new(const char *password, char *out, size_t size);
/* A hash of a random password with the kind, cost and salt of like: the
 * dummy a database keeps for names it does not have. 0, or -1. */
int passhash_dummy(const char *like, char *out, size_t size);

#endif
