#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "sni.h"

static const char certprefix[] = "CERTFILE:";
static const char keyprefix[] = "KEYFILE:";

int sni_normalize(const char *in, size_t len, char out[SNI_NAME_MAX + 1])
{
    if (len > 0 && in[len - 1] == '.')
        len--;
    if (len == 0 || len > SNI_NAME_MAX)
        return -1;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char c = ascii_lower(in[i]);
        if (c == '.') {
            if (label == 0)
                return -1;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_') {
            if (++label > 63)
                return -1;
        } else {
            return -1;
        }
        out[i] = c;
    }
    if (label == 0)
        return -1;
    out[len] = 0;
    return (int)len;
}

/* The variable's name after prefix, when it has that prefix: envp entries
 * are NAME=value, so the name ends at the first '='. */
static int split(const char *var, const char *prefix, const char **name,
                 size_t *namelen, const char **value)
{
    size_t plen = strlen(prefix);
    if (strncmp(var, prefix, plen) != 0)
        return 0;
    const char *eq = strchr(var + plen, '=');
    *name = var + plen;
    *namelen = eq ? (size_t)(eq - *name) : strlen(*name);
    *value = eq ? eq + 1 : "";
    return 1;
}

static struct sni_entry *find_normalized(const struct sni_table *t,
                                         const char *name)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->entry[i].name, name) == 0)
            return &t->entry[i];
    return NULL;
}

/* Adds or completes the entry for one variable. 0, or -1 with err set. */
static int add(struct sni_table *t, size_t max, const char *var,
               const char *prefix, int is_key, char *err, size_t errsize)
{
    const char *name, *value;
    size_t namelen;
    if (!split(var, prefix, &name, &namelen, &value))
        return 0;
    char norm[SNI_NAME_MAX + 1];
    if (sni_normalize(name, namelen, norm) < 0) {
        snprintf(err, errsize,
                 "unable to parse %s%.*s: not a host name after the colon",
                 prefix, (int)(namelen > 64 ? 64 : namelen), name);
        return -1;
    }
    if (!*value) {
        snprintf(err, errsize, "unable to use %s%s: it is empty", prefix, norm);
        return -1;
    }
    struct sni_entry *e = find_normalized(t, norm);
    if (is_key) {
        if (!e) {
            snprintf(err, errsize,
                     "unable to use KEYFILE:%s: CERTFILE:%s is not set", norm,
                     norm);
            return -1;
        }
        if (e->keyfile != e->certfile) {
            snprintf(err, errsize,
                     "unable to use KEYFILE:%s: the name is given twice", norm);
            return -1;
        }
        e->keyfile = value;
        return 0;
    }
    if (e) {
        snprintf(err, errsize,
                 "unable to use CERTFILE:%s: the name is given twice", norm);
        return -1;
    }
    if (t->count == max) {
        snprintf(err, errsize,
                 "unable to use CERTFILE:name: more than %d names",
                 SNI_ENTRIES_MAX);
        return -1;
    }
    e = &t->entry[t->count++];
    memcpy(e->name, norm, strlen(norm) + 1);
    e->certfile = e->keyfile = value;
    return 0;
}

int sni_parse(struct sni_table *t, char *const *envp, char *err, size_t errsize)
{
    t->entry = NULL;
    t->count = 0;
    size_t certs = 0, keys = 0;
    for (size_t i = 0; envp[i]; i++) {
        if (strncmp(envp[i], certprefix, sizeof certprefix - 1) == 0)
            certs++;
        if (strncmp(envp[i], keyprefix, sizeof keyprefix - 1) == 0)
            keys++;
    }
    if (certs == 0 && keys == 0)
        return 0;
    size_t max = certs < SNI_ENTRIES_MAX ? certs : SNI_ENTRIES_MAX;
    t->entry = calloc(max ? max : 1, sizeof *t->entry);
    if (!t->entry) {
        snprintf(err, errsize, "unable to read CERTFILE:name: out of memory");
        return -1;
    }
    /* Certificates first, so that a key may come before its certificate
     * in the environment. */
    for (size_t i = 0; envp[i]; i++)
        if (add(t, max, envp[i], certprefix, 0, err, errsize) < 0)
            goto fail;
    for (size_t i = 0; envp[i]; i++)
        if (add(t, max, envp[i], keyprefix, 1, err, errsize) < 0)
            goto fail;
    return 0;
fail:
    sni_free(t);
    return -1;
}

const struct sni_entry *sni_find(const struct sni_table *t, const char *name,
                                 size_t len)
{
    char norm[SNI_NAME_MAX + 1];
    if (t->count == 0 || sni_normalize(name, len, norm) < 0)
        return NULL;
    return find_normalized(t, norm);
}

void sni_free(struct sni_table *t)
{
    free(t->entry);
    t->entry = NULL;
    t->count = 0;
}
