/* The text of a crypt(3) hash as the records hold it: which kinds are
 * accepted, and the part of a hash that sets its cost. Pure functions on
 * bytes; nothing here hashes. Accepted kinds:
 *   $y$   yescrypt       $y$<params>$<salt>$<hash>
 *   $2b$  bcrypt         $2b$<cost>$<salt and hash>
 *   $6$   sha512-crypt   $6$[rounds=N$]<salt>$<hash>
 * Every other byte than those crypt(3) writes for them ([./0-9A-Za-z], '$',
 * and '=' in rounds=) is refused. */
#ifndef HASHTEXT_H
#define HASHTEXT_H

#include <stddef.h>

/* The longest hash accepted: crypt(3)'s CRYPT_OUTPUT_SIZE less its NUL. */
#define HASHTEXT_MAX 383

enum hashtext_status {
    HASHTEXT_OK = 0,
    HASHTEXT_KIND, /* not $y$, $2b$ or $6$, or nothing after the prefix */
    HASHTEXT_BYTE, /* a byte crypt(3) never writes in a hash */
    HASHTEXT_LONG  /* longer than HASHTEXT_MAX */
};

enum hashtext_status hashtext_check(const char *hash, size_t len);
/* The length of the prefix naming the kind and the cost, which two hashes
 * of the same cost share: "$y$j9T$", "$2b$12$", "$6$rounds=5000$" or "$6$".
 * 0 when hashtext_check() would refuse the hash. */
size_t hashtext_cost_len(const char *hash, size_t len);
const char *hashtext_strerror(enum hashtext_status status);

#endif
