#include <errno.h>
#include <fcntl.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds.h"
#include "wipe.h"

/* The whole of a regular file, in one allocation made to its size (a
 * growing buffer would leave copies of a key behind in freed memory). 0,
 * or -1 with errno (EFBIG past CREDS_FILE_MAX, EINVAL when it is not a
 * regular file). */
static int slurp(const char *path, gnutls_datum_t *d)
{
    size_t cap = 0, len = 0;
    d->data = NULL;
    d->size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0)
        goto fail;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        goto fail;
    }
    if (st.st_size > CREDS_FILE_MAX) {
        errno = EFBIG;
        goto fail;
    }
    cap = (size_t)st.st_size + 1;
    d->data = malloc(cap);
    if (!d->data)
        goto fail;
    while (len < cap) {
        ssize_t n = read(fd, d->data + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len == cap) { /* it grew while being read */
        errno = EFBIG;
        goto fail;
    }
    d->size = (unsigned)len;
    close(fd);
    return 0;
fail:;
    int saved = errno;
    if (d->data) {
        wipe(d->data, len);
        free(d->data);
    }
    d->data = NULL;
    close(fd);
    errno = saved;
    return -1;
}

static void unslurp(gnutls_datum_t *d)
{
    if (d->data) {
        wipe(d->data, d->size);
        free(d->data);
    }
    d->data = NULL;
    d->size = 0;
}

static gnutls_x509_crt_fmt_t format(const gnutls_datum_t *d)
{
    return memmem(d->data, d->size, "-----BEGIN ", 11) ? GNUTLS_X509_FMT_PEM
                                                       : GNUTLS_X509_FMT_DER;
}

static int read_error(const char *var, const char *path, char *err,
                      size_t errsize)
{
    const char *why = errno == EINVAL  ? "not a regular file"
                      : errno == EFBIG ? "larger than 1 MiB"
                                       : strerror(errno);
    snprintf(err, errsize, "unable to read %s %s: %s", var, path, why);
    return -1;
}

static int tls_error(const char *what, const char *var, const char *path, int r,
                     char *err, size_t errsize)
{
    snprintf(err, errsize, "unable to %s %s %s: %s", what, var, path,
             gnutls_strerror(r));
    return -1;
}

/* 1 when the key is the private half of the certificate's public key:
 * the SHA-256 key ids of both are the same. GnuTLS's own check makes a
 * test signature, which for RSA costs as much as a handshake, at every
 * connection. */
static int same_key(gnutls_x509_crt_t crt, gnutls_x509_privkey_t pk)
{
    unsigned char a[64], b[64];
    size_t alen = sizeof a, blen = sizeof b;
    return gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, a, &alen) >=
               0 &&
           gnutls_x509_privkey_get_key_id(pk, GNUTLS_KEYID_USE_SHA256, b,
                                          &blen) >= 0 &&
           alen == blen && memcmp(a, b, alen) == 0;
}

/* The chain and the key: parsed apart, so that each error names its file,
 * and checked against each other before GnuTLS gets them. */
static int set_pair(gnutls_certificate_credentials_t cred,
                    const gnutls_datum_t *cert, const gnutls_datum_t *key,
                    const char *label, const char *certfile,
                    const char *keyfile, char *err, size_t errsize)
{
    char certvar[SNI_NAME_MAX + 16], keyvar[SNI_NAME_MAX + 16];
    snprintf(certvar, sizeof certvar, "CERTFILE%s", label);
    snprintf(keyvar, sizeof keyvar, "KEYFILE%s", label);
    gnutls_x509_crt_t *crts = NULL;
    unsigned ncrts = 0;
    gnutls_x509_privkey_t pk = NULL;
    int r = gnutls_x509_crt_list_import2(&crts, &ncrts, cert, format(cert), 0);
    if (r < 0)
        return tls_error("parse", certvar, certfile, r, err, errsize);
    int ret = -1;
    r = gnutls_x509_privkey_init(&pk);
    if (r >= 0)
        r = gnutls_x509_privkey_import2(pk, key, format(key), NULL, 0);
    if (r < 0) {
        tls_error("parse the private key in", keyvar, keyfile, r, err, errsize);
        goto done;
    }
    r = same_key(crts[0], pk) ? 0 : GNUTLS_E_CERTIFICATE_KEY_MISMATCH;
    if (r >= 0) {
        gnutls_certificate_set_flags(cred,
                                     GNUTLS_CERTIFICATE_SKIP_KEY_CERT_MATCH);
        r = gnutls_certificate_set_x509_key(cred, crts, ncrts, pk);
    }
    if (r < 0) {
        snprintf(err, errsize, "unable to use %s %s with %s %s: %s", keyvar,
                 keyfile, certvar, certfile, gnutls_strerror(r));
        goto done;
    }
    ret = 0;
done:
    if (pk)
        gnutls_x509_privkey_deinit(pk);
    for (unsigned i = 0; i < ncrts; i++)
        gnutls_x509_crt_deinit(crts[i]);
    gnutls_free(crts);
    return ret;
}

/* One credentials structure: a pair, the CAs and the DH parameters. */
static int load_one(gnutls_certificate_credentials_t *cred, const char *label,
                    const char *certfile, const char *keyfile,
                    const gnutls_datum_t *ca, gnutls_dh_params_t dh, char *err,
                    size_t errsize)
{
    int r = gnutls_certificate_allocate_credentials(cred);
    if (r < 0)
        return tls_error("set up", "CERTFILE", certfile, r, err, errsize);
    gnutls_datum_t cert, key = {NULL, 0};
    char var[SNI_NAME_MAX + 16];
    snprintf(var, sizeof var, "CERTFILE%s", label);
    if (slurp(certfile, &cert) < 0)
        return read_error(var, certfile, err, errsize);
    int same = strcmp(certfile, keyfile) == 0;
    if (!same && slurp(keyfile, &key) < 0) {
        snprintf(var, sizeof var, "KEYFILE%s", label);
        read_error(var, keyfile, err, errsize);
        unslurp(&cert);
        return -1;
    }
    r = set_pair(*cred, &cert, same ? &cert : &key, label, certfile, keyfile,
                 err, errsize);
    unslurp(&cert);
    unslurp(&key);
    if (r < 0)
        return -1;
    if (ca->data) {
        r = gnutls_certificate_set_x509_trust_mem(*cred, ca, format(ca));
        if (r < 0) {
            snprintf(err, errsize, "unable to use CAFILE: %s",
                     gnutls_strerror(r));
            return -1;
        }
    }
    if (dh)
        gnutls_certificate_set_dh_params(*cred, dh);
    else
        gnutls_certificate_set_known_dh_params(*cred, GNUTLS_SEC_PARAM_MEDIUM);
    return 0;
}

static int load_dh(struct creds *c, const char *path, char *err, size_t errsize)
{
    gnutls_datum_t d;
    if (slurp(path, &d) < 0)
        return read_error("DHFILE", path, err, errsize);
    int r = gnutls_dh_params_init(&c->dh);
    if (r >= 0)
        r = gnutls_dh_params_import_pkcs3(c->dh, &d, format(&d));
    unslurp(&d);
    if (r < 0)
        return tls_error("parse", "DHFILE", path, r, err, errsize);
    return 0;
}

static int load_ca(const char *path, gnutls_datum_t *ca, char *err,
                   size_t errsize)
{
    if (slurp(path, ca) < 0)
        return read_error("CAFILE", path, err, errsize);
    /* Parsed once here for the error message; each set of credentials
     * gets its own trust list from the same bytes. */
    gnutls_x509_crt_t *crts = NULL;
    unsigned n = 0;
    int r = gnutls_x509_crt_list_import2(&crts, &n, ca, format(ca), 0);
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(crts[i]);
    gnutls_free(crts);
    if (r < 0 || n == 0) {
        unslurp(ca);
        return tls_error("parse", "CAFILE", path,
                         r < 0 ? r : GNUTLS_E_NO_CERTIFICATE_FOUND, err,
                         errsize);
    }
    return 0;
}

int creds_load(struct creds *c, const struct config *cfg, char *err,
               size_t errsize)
{
    memset(c, 0, sizeof *c);
    c->names = &cfg->sni;
    c->client_certs = cfg->cafile != NULL;
    const char *pos = NULL;
    int r = gnutls_priority_init(&c->priority, cfg->ciphers, &pos);
    if (r < 0) {
        c->priority = NULL;
        snprintf(err, errsize, "unable to parse CIPHERS at \"%.40s\": %s",
                 pos ? pos : cfg->ciphers, gnutls_strerror(r));
        return -1;
    }
    if (cfg->dhfile && load_dh(c, cfg->dhfile, err, errsize) < 0)
        return -1;
    if (cfg->tickets &&
        tickets_load(&c->tickets, cfg->tickets, err, errsize) < 0)
        return -1;
    gnutls_datum_t ca = {NULL, 0};
    if (cfg->cafile && load_ca(cfg->cafile, &ca, err, errsize) < 0)
        return -1;
    int ret = -1;
    if (load_one(&c->fallback, "", cfg->certfile, cfg->keyfile, &ca, c->dh, err,
                 errsize) < 0)
        goto done;
    if (cfg->sni.count) {
        c->sni = calloc(cfg->sni.count, sizeof *c->sni);
        if (!c->sni) {
            snprintf(err, errsize,
                     "unable to load the SNI certificates: out of memory");
            goto done;
        }
    }
    for (size_t i = 0; i < cfg->sni.count; i++) {
        const struct sni_entry *e = &cfg->sni.entry[i];
        char label[SNI_NAME_MAX + 2];
        snprintf(label, sizeof label, ":%s", e->name);
        if (load_one(&c->sni[i], label, e->certfile, e->keyfile, &ca, c->dh,
                     err, errsize) < 0)
            goto done;
    }
    ret = 0;
done:
    unslurp(&ca);
    return ret;
}

struct checker {
    creds_report_fn *report;
    void *ctx;
    int errors;
    time_t now;
};

static void problem(struct checker *k, int warning, const char *message)
{
    k->errors += !warning;
    k->report(k->ctx, warning, message);
}

static void date(time_t t, char *out, size_t size)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(out, size, "%lld", (long long)t);
}

/* The dates of every certificate in a chain. */
static void check_dates(struct checker *k, const char *var, const char *path)
{
    gnutls_datum_t d;
    if (slurp(path, &d) < 0)
        return; /* already said */
    gnutls_x509_crt_t *crts = NULL;
    unsigned n = 0;
    int r = gnutls_x509_crt_list_import2(&crts, &n, &d, format(&d), 0);
    unslurp(&d);
    for (unsigned i = 0; r >= 0 && i < n; i++) {
        time_t from = gnutls_x509_crt_get_activation_time(crts[i]);
        time_t until = gnutls_x509_crt_get_expiration_time(crts[i]);
        gnutls_datum_t dn = {NULL, 0};
        (void)gnutls_x509_crt_get_dn3(crts[i], &dn, 0);
        char when[64], msg[1024];
        const char *subject = dn.data ? (const char *)dn.data : "?";
        if (from != (time_t)-1 && from > k->now) {
            date(from, when, sizeof when);
            snprintf(msg, sizeof msg,
                     "%s %s: certificate %u of the chain (%s) is not valid "
                     "before %s",
                     var, path, i + 1, subject, when);
            problem(k, 0, msg);
        } else if (until != (time_t)-1 && until <= k->now) {
            date(until, when, sizeof when);
            snprintf(msg, sizeof msg,
                     "%s %s: certificate %u of the chain (%s) expired on %s",
                     var, path, i + 1, subject, when);
            problem(k, 0, msg);
        } else if (until != (time_t)-1 &&
                   until - k->now < CREDS_EXPIRY_WARN_DAYS * 86400) {
            date(until, when, sizeof when);
            snprintf(msg, sizeof msg,
                     "%s %s: certificate %u of the chain (%s) expires on %s",
                     var, path, i + 1, subject, when);
            problem(k, 1, msg);
        }
        gnutls_free(dn.data);
        gnutls_x509_crt_deinit(crts[i]);
    }
    gnutls_free(crts);
}

/* One pair, then its dates. */
static void check_pair(struct checker *k, const char *label,
                       const char *certfile, const char *keyfile,
                       const gnutls_datum_t *ca, gnutls_dh_params_t dh)
{
    char err[1024], var[SNI_NAME_MAX + 16];
    gnutls_certificate_credentials_t cred = NULL;
    if (load_one(&cred, label, certfile, keyfile, ca, dh, err, sizeof err) < 0)
        problem(k, 0, err);
    if (cred)
        gnutls_certificate_free_credentials(cred);
    snprintf(var, sizeof var, "CERTFILE%s", label);
    check_dates(k, var, certfile);
}

int creds_check(const struct config *cfg, time_t now, creds_report_fn *report,
                void *ctx)
{
    struct checker k = {report, ctx, 0, now};
    struct creds c;
    memset(&c, 0, sizeof c);
    char err[1024];
    const char *pos = NULL;
    int r = gnutls_priority_init(&c.priority, cfg->ciphers, &pos);
    if (r < 0) {
        snprintf(err, sizeof err, "unable to parse CIPHERS at \"%.40s\": %s",
                 pos ? pos : cfg->ciphers, gnutls_strerror(r));
        problem(&k, 0, err);
    } else {
        gnutls_priority_deinit(c.priority);
    }
    if (cfg->dhfile && load_dh(&c, cfg->dhfile, err, sizeof err) < 0)
        problem(&k, 0, err);
    if (cfg->tickets &&
        tickets_load(&c.tickets, cfg->tickets, err, sizeof err) < 0)
        problem(&k, 0, err);
    tickets_free(&c.tickets);
    gnutls_datum_t ca = {NULL, 0};
    if (cfg->cafile && load_ca(cfg->cafile, &ca, err, sizeof err) < 0)
        problem(&k, 0, err);
    if (!cfg->certfile)
        problem(&k, 0, "unable to read the certificate: CERTFILE is not set");
    else
        check_pair(&k, "", cfg->certfile, cfg->keyfile, &ca, c.dh);
    for (size_t i = 0; i < cfg->sni.count; i++) {
        const struct sni_entry *e = &cfg->sni.entry[i];
        char label[SNI_NAME_MAX + 2];
        snprintf(label, sizeof label, ":%s", e->name);
        check_pair(&k, label, e->certfile, e->keyfile, &ca, c.dh);
    }
    unslurp(&ca);
    if (c.dh)
        gnutls_dh_params_deinit(c.dh);
    return k.errors;
}

gnutls_certificate_credentials_t creds_for(const struct creds *c,
                                           const char *name, size_t len)
{
    const struct sni_entry *e = sni_find(c->names, name, len);
    return e ? c->sni[e - c->names->entry] : c->fallback;
}

void creds_free(struct creds *c)
{
    if (c->sni)
        for (size_t i = 0; i < c->names->count; i++)
            if (c->sni[i])
                gnutls_certificate_free_credentials(c->sni[i]);
    free(c->sni);
    if (c->fallback)
        gnutls_certificate_free_credentials(c->fallback);
    if (c->dh)
        gnutls_dh_params_deinit(c->dh);
    if (c->priority)
        gnutls_priority_deinit(c->priority);
    tickets_free(&c->tickets);
    memset(c, 0, sizeof *c);
}
