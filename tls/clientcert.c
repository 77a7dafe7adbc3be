#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clientcert.h"
#include "ucspitls.h"

/* A client certificate is checked for TLS client use against the CAs. */
static int verify(gnutls_session_t s, char *reason, size_t size)
{
    gnutls_typed_vdata_st purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID,
                                     .data = (void *)GNUTLS_KP_TLS_WWW_CLIENT};
    unsigned status = 0;
    int r = gnutls_certificate_verify_peers(s, &purpose, 1, &status);
    if (r < 0) {
        snprintf(reason, size, "%s", gnutls_strerror(r));
        return -1;
    }
    if (status == 0)
        return 0;
    gnutls_datum_t text = {NULL, 0};
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
                                                     &text, 0) < 0 ||
        !text.data)
        snprintf(reason, size, "status 0x%x", status);
    else
        snprintf(reason, size, "%s", (const char *)text.data);
    gnutls_free(text.data);
    size_t n = strlen(reason);
    while (n > 0 && reason[n - 1] == ' ')
        reason[--n] = 0;
    return -1;
}

/* A GnuTLS-allocated text as a variable; a missing one is left out. */
static int add_datum(struct bytes *b, const char *name, int r,
                     gnutls_datum_t *d)
{
    int ret = 0;
    if (r >= 0 && d->data && d->size)
        ret = ucspitls_block_add(b, name, (const char *)d->data, d->size) < 0
                  ? -1
                  : 0;
    gnutls_free(d->data);
    d->data = NULL;
    return ret;
}

static int add_dn_part(struct bytes *b, const char *name, gnutls_x509_crt_t crt,
                       const char *oid)
{
    char buf[1025];
    size_t len = sizeof buf;
    if (gnutls_x509_crt_get_dn_by_oid(crt, oid, 0, 0, buf, &len) < 0)
        return 0;
    return ucspitls_block_add(b, name, buf, strnlen(buf, len)) < 0 ? -1 : 0;
}

/* Upper-case hex, two digits a byte, without leading zero bytes: as
 * OpenSSL's i2a_ASN1_INTEGER, which mod_ssl uses. */
static int add_serial(struct bytes *b, gnutls_x509_crt_t crt)
{
    unsigned char raw[64];
    size_t len = sizeof raw, i = 0;
    if (gnutls_x509_crt_get_serial(crt, raw, &len) < 0 || len == 0)
        return 0;
    while (i + 1 < len && raw[i] == 0)
        i++;
    char hex[2 * sizeof raw + 1];
    size_t n = 0;
    for (; i < len; i++, n += 2)
        snprintf(hex + n, 3, "%02X", raw[i]);
    return ucspitls_block_add(b, "SSL_CLIENT_M_SERIAL", hex, n) < 0 ? -1 : 0;
}

/* As OpenSSL's ASN1_TIME_print: "Dec  1 18:44:00 2026 GMT". */
static int add_time(struct bytes *b, const char *name, time_t t)
{
    struct tm tm;
    char text[64];
    if (t == (time_t)-1 || !gmtime_r(&t, &tm) ||
        !strftime(text, sizeof text, "%b %e %H:%M:%S %Y GMT", &tm))
        return 0;
    return ucspitls_block_adds(b, name, text) < 0 ? -1 : 0;
}

static int add_names(struct bytes *b, const gnutls_datum_t *der)
{
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return 0;
    int ret = 0;
    if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) >= 0) {
        gnutls_datum_t d = {NULL, 0};
        int r = gnutls_x509_crt_get_dn3(crt, &d, 0);
        ret |= add_datum(b, "SSL_CLIENT_S_DN", r, &d);
        ret |= add_dn_part(b, "SSL_CLIENT_S_DN_CN", crt,
                           GNUTLS_OID_X520_COMMON_NAME);
        ret |= add_dn_part(b, "SSL_CLIENT_S_DN_Email", crt,
                           GNUTLS_OID_PKCS9_EMAIL);
        r = gnutls_x509_crt_get_issuer_dn3(crt, &d, 0);
        ret |= add_datum(b, "SSL_CLIENT_I_DN", r, &d);
        ret |= add_serial(b, crt);
        ret |= add_time(b, "SSL_CLIENT_V_START",
                        gnutls_x509_crt_get_activation_time(crt));
        ret |= add_time(b, "SSL_CLIENT_V_END",
                        gnutls_x509_crt_get_expiration_time(crt));
    }
    gnutls_x509_crt_deinit(crt);
    return ret ? -1 : 0;
}

int clientcert_vars(gnutls_session_t s, int client_certs, struct bytes *block)
{
    unsigned n = 0;
    const gnutls_datum_t *peers =
        client_certs ? gnutls_certificate_get_peers(s, &n) : NULL;
    if (!peers || n == 0)
        return ucspitls_block_adds(block, "SSL_CLIENT_VERIFY", "NONE") < 0 ? -1
                                                                           : 0;
    char reason[512], verdict[600];
    if (verify(s, reason, sizeof reason) < 0) {
        snprintf(verdict, sizeof verdict, "FAILED:%s", reason);
        return ucspitls_block_adds(block, "SSL_CLIENT_VERIFY", verdict) < 0 ? -1
                                                                            : 0;
    }
    if (ucspitls_block_adds(block, "SSL_CLIENT_VERIFY", "SUCCESS") < 0)
        return -1;
    return add_names(block, &peers[0]);
}
