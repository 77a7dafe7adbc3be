#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clientcert.h"
#include "sni.h"
#include "ucspitls.h"
#include "vars.h"
#include "version.h"

/* The protocol as mod_ssl writes it. */
static const char *protocol(gnutls_session_t s)
{
    switch (gnutls_protocol_get_version(s)) {
    case GNUTLS_TLS1_3:
        return "TLSv1.3";
    case GNUTLS_TLS1_2:
        return "TLSv1.2";
    case GNUTLS_TLS1_1:
        return "TLSv1.1";
    case GNUTLS_TLS1_0:
        return "TLSv1";
    default:
        return gnutls_protocol_get_name(gnutls_protocol_get_version(s));
    }
}

/* The server name the client asked for, normalised, when it is a host
 * name; "" otherwise. */
static void server_name(gnutls_session_t s, char out[SNI_NAME_MAX + 1])
{
    char name[256];
    size_t len = sizeof name;
    unsigned type;
    out[0] = 0;
    if (gnutls_server_name_get(s, name, &len, &type, 0) != 0 ||
        type != GNUTLS_NAME_DNS || len >= sizeof name ||
        sni_normalize(name, len, out) < 0)
        out[0] = 0;
}

static int add(struct bytes *b, const char *name, const char *value)
{
    return value && *value && ucspitls_block_adds(b, name, value) < 0 ? -1 : 0;
}

int vars_build(gnutls_session_t s, int client_certs, struct bytes *block)
{
    char bits[16], library[64], sni[SNI_NAME_MAX + 1];
    size_t keysize = gnutls_cipher_get_key_size(gnutls_cipher_get(s));
    snprintf(bits, sizeof bits, "%zu", keysize * 8);
    snprintf(library, sizeof library, "GnuTLS/%s", gnutls_check_version(NULL));
    server_name(s, sni);
    if (add(block, "SSL_PROTOCOL", protocol(s)) < 0 ||
        add(block, "SSL_CIPHER", gnutls_ciphersuite_get(s)) < 0 ||
        add(block, "SSL_CIPHER_USEKEYSIZE", bits) < 0 ||
        add(block, "SSL_CIPHER_ALGKEYSIZE", bits) < 0 ||
        add(block, "SSL_VERSION_LIBRARY", library) < 0 ||
        add(block, "SSL_VERSION_INTERFACE", "ucspitlsd/" SUITE_VERSION) < 0 ||
        add(block, "SSL_SESSION_RESUMED",
            gnutls_session_is_resumed(s) ? "Resumed" : "Initial") < 0 ||
        add(block, "SSL_TLS_SNI", sni) < 0 ||
        clientcert_vars(s, client_certs, block) < 0)
        return -1;
    return ucspitls_block_end(block);
}
