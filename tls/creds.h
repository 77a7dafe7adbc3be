/* What the TLS engine needs for its handshakes, read at every connection
 * (before privileges are dropped) from the files the configuration names:
 * the certificate chains and their keys (CERTFILE and KEYFILE, and the SNI
 * pairs), the CAs that client certificates are checked against (CAFILE),
 * the DH parameters (DHFILE), the priority string (CIPHERS) and the
 * session ticket keys (TICKETKEYFILE, tls/tickets.h). Each file
 * is read into one buffer, which is wiped before it is freed, so no copy of
 * a key outlives the loading except GnuTLS's own. Nothing here prints or
 * exits. */
#ifndef CREDS_H
#define CREDS_H

#include <gnutls/gnutls.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "tickets.h"

#define CREDS_FILE_MAX (1024 * 1024)

struct creds {
    gnutls_certificate_credentials_t fallback; /* CERTFILE and KEYFILE */
    gnutls_certificate_credentials_t *sni;     /* one per entry of names */
    const struct sni_table *names;
    gnutls_dh_params_t dh; /* DHFILE, or NULL */
    gnutls_priority_t priority;
    int client_certs; /* CAFILE given: clients are asked for certificates */
    struct tickets tickets; /* TICKETKEYFILE's keys; none without it */
};

/* 0, or -1 with a message in err that names the file or the setting. */
int creds_load(struct creds *c, const struct config *cfg, char *err,
               size_t errsize);

/* The credentials for the server name a client asked for (any bytes): its
 * SNI pair, or the fallback. */
/* Called once for every problem creds_check() finds: an error (a
 * connection would fail) or a warning. */
typedef void creds_report_fn(void *ctx, int warning, const char *message);
/* ucspitlsd -C: everything creds_load() reads, each part on its own so that
 * every problem is found, and the dates of every certificate in every
 * chain: one that has expired or is not yet valid is an error, one that
 * expires within 14 days a warning. now is the time to check against.
 * Returns the number of errors. */
#define CREDS_EXPIRY_WARN_DAYS 14
int creds_check(const struct config *cfg, time_t now, creds_report_fn *report,
                void *ctx);

gnutls_certificate_credentials_t creds_for(const struct creds *c,
                                           const char *name, size_t len);

void creds_free(struct creds *c);

#endif
