#include <string.h>

#include "appenv.h"
#include "envfilter.h"

/* ucspitlsd's settings, the variables its engine hands out (tls/vars.c:
 * keep the two lists together) and the UCSPI-TLS descriptors. */
static const char *const names[] = {"CERTFILE",
                                    "KEYFILE",
                                    "CAFILE",
                                    "DHFILE",
                                    "CIPHERS",
                                    "TLS_UID",
                                    "TLS_GID",
                                    "SSL_UID",
                                    "SSL_GID",
                                    "TLS_CHROOT",
                                    "TICKETKEYFILE",
                                    "TLSENGINE",
                                    "SSL_PROTOCOL",
                                    "SSL_CIPHER",
                                    "SSL_CIPHER_USEKEYSIZE",
                                    "SSL_CIPHER_ALGKEYSIZE",
                                    "SSL_VERSION_LIBRARY",
                                    "SSL_VERSION_INTERFACE",
                                    "SSL_SESSION_RESUMED",
                                    "SSL_TLS_SNI",
                                    "SSL_TLS_SNI_SERVERNAME",
                                    "SSL_CLIENT_VERIFY",
                                    "SSL_CLIENT_S_DN",
                                    "SSL_CLIENT_S_DN_CN",
                                    "SSL_CLIENT_S_DN_Email",
                                    "SSL_CLIENT_I_DN",
                                    "SSL_CLIENT_M_SERIAL",
                                    "SSL_CLIENT_V_START",
                                    "SSL_CLIENT_V_END",
                                    "SSLCTLFD",
                                    "SSLREADFD",
                                    "SSLWRITEFD"};

/* The SNI forms: CERTFILE:name and KEYFILE:name. */
static const char *const prefixes[] = {"CERTFILE:", "KEYFILE:"};

int appenv_is_ours(const char *var)
{
    size_t len = strcspn(var, "=");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == len && memcmp(var, names[i], len) == 0)
            return 1;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(var, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

void appenv_clean(void)
{
    envfilter(appenv_is_ours);
}
