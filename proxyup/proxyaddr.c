#include <arpa/inet.h>
#include <string.h>

#include "proxyparts.h"

void proxyaddr_text(int family, const unsigned char *raw,
                    char out[PROXYHEADER_IP_MAX])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};
    if (family == AF_INET6 && memcmp(raw, mapped, sizeof mapped) == 0) {
        family = AF_INET;
        raw += sizeof mapped;
    }
    /* Cannot fail: the family is known and out has room for any. */
    if (!inet_ntop(family, raw, out, PROXYHEADER_IP_MAX))
        out[0] = 0;
}
