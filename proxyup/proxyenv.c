#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxyenv.h"

extern char **environ;

static int stale_tls(const char *var)
{
    return strncmp(var, "SSL_", 4) == 0 && strncmp(var, "SSL_UID=", 8) != 0 &&
           strncmp(var, "SSL_GID=", 8) != 0;
}

void proxyenv_clean_tls(void)
{
    /* Taken out of the array in place, as tls/appenv.c does: no copy of
     * each name for unsetenv(3). */
    size_t out = 0;
    for (size_t i = 0; environ && environ[i]; i++)
        if (!stale_tls(environ[i]))
            environ[out++] = environ[i];
    if (environ)
        environ[out] = NULL;
}

static int set_port(const char *name, unsigned port)
{
    char num[8];
    snprintf(num, sizeof num, "%u", port);
    return setenv(name, num, 1);
}

int proxyenv_set(const struct proxyheader *h)
{
    if (!h->addresses)
        return 0;
    if (setenv("TCPREMOTEIP", h->remoteip, 1) < 0 ||
        set_port("TCPREMOTEPORT", h->remoteport) < 0 ||
        setenv("TCPLOCALIP", h->localip, 1) < 0 ||
        set_port("TCPLOCALPORT", h->localport) < 0)
        return -1;
    unsetenv("TCPREMOTEHOST");
    unsetenv("TCPREMOTEINFO");
    if (h->tls_protocol[0] && setenv("SSL_PROTOCOL", h->tls_protocol, 1) < 0)
        return -1;
    if (h->tls_cipher[0] && setenv("SSL_CIPHER", h->tls_cipher, 1) < 0)
        return -1;
    return 0;
}
