/* Certificates chosen by server name (SNI), named in the environment as
 * s6-tlsserver reads them:
 *   CERTFILE:name   the certificate chain for clients asking for name;
 *   KEYFILE:name    its private key (default: the key in CERTFILE:name).
 * Names are host names: letters, digits, '-' and '_' in dot-separated
 * labels of at most 63 bytes, 253 bytes in all; compared without regard to
 * ASCII case or a final dot. There are no wildcards.
 *
 * Nothing here opens a file, prints or exits. */
#ifndef SNI_H
#define SNI_H

#include <stddef.h>

#define SNI_NAME_MAX 253
#define SNI_ENTRIES_MAX 256

struct sni_entry {
    char name[SNI_NAME_MAX + 1]; /* normalised: lower case, no final dot */
    const char *certfile;        /* points into the environment */
    const char *keyfile;         /* the same as certfile when not given */
};

struct sni_table {
    struct sni_entry *entry;
    size_t count;
};

/* Normalises a host name into out: lower case, without a final dot.
 * Returns its length, or -1 when in[0..len) is not a host name. */
int sni_normalize(const char *in, size_t len, char out[SNI_NAME_MAX + 1]);

/* Builds the table from envp (NAME=value strings, NULL-terminated). 0, or
 * -1 with a message naming the variable in err: a name that is not a host
 * name, an empty value, KEYFILE:name without CERTFILE:name, the same name
 * twice, more than SNI_ENTRIES_MAX names, or no memory. */
int sni_parse(struct sni_table *t, char *const *envp, char *err,
              size_t errsize);

/* The entry for the name a client sent (any bytes), or NULL. */
const struct sni_entry *sni_find(const struct sni_table *t, const char *name,
                                 size_t len);

void sni_free(struct sni_table *t);

#endif
