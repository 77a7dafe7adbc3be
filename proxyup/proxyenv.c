#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envfilter.h"
#include "proxyenv.h"

static int stale_tls(const char *var)
{
    return strncmp(var, "SSL_", 4) == 0 && strncmp(var, "SSL_UID=", 8) != 0 &&
           strncmp(var, "SSL_GID=", 8) != 0;
}

void proxyenv_clean_tls(void)
{
    envfilter(stale_tls);
}

/* tcpserver with IPv6 support sets each address twice: TCP* as the client
 * came (a dotted quad for IPv4) and TCP6* in IPv6 form (an IPv4 client as
 * ::ffff:192.0.2.7), with PROTO naming the family; both sets are written,
 * as it would have written them for the client. */
static int set_pair(const char *what, const char *value, const char *value6)
{
    char name[24];
    snprintf(name, sizeof name, "TCP%s", what);
    if (setenv(name, value, 1) < 0)
        return -1;
    snprintf(name, sizeof name, "TCP6%s", what);
    return setenv(name, value6, 1);
}

static int set_address(const char *what, const char *ip)
{
    char six[PROXYHEADER_IP_MAX + 7];
    snprintf(six, sizeof six, "%s%s", strchr(ip, ':') ? "" : "::ffff:", ip);
    return set_pair(what, ip, six);
}

static int set_port(const char *what, unsigned port)
{
    char num[8];
    snprintf(num, sizeof num, "%u", port);
    return set_pair(what, num, num);
}

int proxyenv_set(const struct proxyheader *h)
{
    if (!h->addresses)
        return 0;
    if (set_address("REMOTEIP", h->remoteip) < 0 ||
        set_port("REMOTEPORT", h->remoteport) < 0 ||
        set_address("LOCALIP", h->localip) < 0 ||
        set_port("LOCALPORT", h->localport) < 0 ||
        setenv("PROTO", strchr(h->remoteip, ':') ? "TCP6" : "TCP", 1) < 0)
        return -1;
    unsetenv("TCPREMOTEHOST");
    unsetenv("TCPREMOTEINFO");
    unsetenv("TCP6REMOTEHOST");
    unsetenv("TCP6REMOTEINFO");
    if (h->tls_protocol[0] && setenv("SSL_PROTOCOL", h->tls_protocol, 1) < 0)
        return -1;
    if (h->tls_cipher[0] && setenv("SSL_CIPHER", h->tls_cipher, 1) < 0)
        return -1;
    return 0;
}
