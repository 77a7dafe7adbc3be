#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "number.h"

int config_options(struct config *c, int argc, char **argv)
{
    memset(c, 0, sizeof *c);
    c->handshake_ms = (int64_t)HANDSHAKE_SECONDS * 1000;
    c->idle_ms = (int64_t)IDLE_SECONDS * 1000;
    c->max_engines = ENGINES_DEFAULT;
    opterr = 0;
    int opt;
    unsigned long v;
    while ((opt = getopt(argc, argv, "+Cih:t:K:S:c:u:")) != -1) {
        switch (opt) {
        case 'C':
            c->check = 1;
            break;
        case 'K':
            c->rotate = optarg;
            break;
        case 'i':
            c->implicit = 1;
            break;
        case 'S':
            c->socket = optarg;
            break;
        case 'c':
            if (number_scan(optarg, ENGINES_MAX, &v) < 0 || v == 0)
                return -1;
            c->max_engines = v;
            break;
        case 'u':
            if (number_scan(optarg, 4294967294UL, &v) < 0)
                return -1;
            c->socket_uid = (uid_t)v;
            break;
        case 'h':
        case 't':
            if (number_scan(optarg, TIMEOUT_SECONDS_MAX, &v) < 0 || v == 0)
                return -1;
            if (opt == 'h')
                c->handshake_ms = (int64_t)v * 1000;
            else
                c->idle_ms = (int64_t)v * 1000;
            break;
        default:
            return -1;
        }
    }
    int alone = !!c->check + !!c->rotate + !!c->socket; /* no prog */
    if (alone > 1 || (alone == 1) != (optind >= argc))
        return -1;
    c->argv = argv + optind;
    return 0;
}

/* The value of name in envp, or NULL. */
static const char *env(char *const *envp, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; envp[i]; i++)
        if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
            return envp[i] + len + 1;
    return NULL;
}

/* An optional setting: unset and empty are the same. */
static const char *setting(char *const *envp, const char *name)
{
    const char *v = env(envp, name);
    return v && *v ? v : NULL;
}

/* A numeric id from the first of two names that is set. 1 set, 0 unset,
 * -1 malformed (err says which). */
static int id(char *const *envp, const char *name, const char *alias,
              unsigned long *out, char *err, size_t errsize)
{
    const char *used = name;
    const char *v = setting(envp, name);
    if (!v) {
        used = alias;
        v = setting(envp, alias);
    }
    if (!v)
        return 0;
    /* (uid_t)-1 means "unchanged" to setreuid(2), never a real id. */
    if (number_scan(v, 4294967294UL, out) < 0) {
        snprintf(err, errsize, "unable to parse %s: not a number: %.32s", used,
                 v);
        return -1;
    }
    return 1;
}

int config_env(struct config *c, char *const *envp, char *err, size_t errsize)
{
    c->certfile = setting(envp, "CERTFILE");
    if (!c->certfile) {
        snprintf(err, errsize,
                 "unable to read the certificate: CERTFILE is not set");
        return -1;
    }
    c->keyfile = setting(envp, "KEYFILE");
    if (!c->keyfile)
        c->keyfile = c->certfile;
    c->cafile = setting(envp, "CAFILE");
    c->dhfile = setting(envp, "DHFILE");
    c->ciphers = setting(envp, "CIPHERS");
    if (!c->ciphers)
        c->ciphers = DEFAULT_CIPHERS;
    c->tickets = setting(envp, "TICKETKEYFILE");
    c->chroot = setting(envp, "TLS_CHROOT");
    if (c->chroot && c->chroot[0] != '/') {
        snprintf(err, errsize,
                 "unable to use TLS_CHROOT %.64s: not an absolute path",
                 c->chroot);
        return -1;
    }
    unsigned long v = 0;
    int r = id(envp, "TLS_UID", "SSL_UID", &v, err, errsize);
    if (r < 0)
        return -1;
    c->set_uid = r;
    c->uid = (uid_t)v;
    r = id(envp, "TLS_GID", "SSL_GID", &v, err, errsize);
    if (r < 0)
        return -1;
    c->set_gid = r;
    c->gid = (gid_t)v;
    if (c->set_uid && !c->set_gid) {
        snprintf(err, errsize,
                 "unable to use TLS_UID without TLS_GID: the "
                 "engine would keep root's group");
        return -1;
    }
    return sni_parse(&c->sni, envp, err, errsize);
}

void config_free(struct config *c)
{
    sni_free(&c->sni);
}
