/* The warm engine daemon's request parser on any bytes: what it takes is
 * within its limits, and encoding what it took gives back the very bytes
 * it read (one way to write each request, so nothing is taken that the
 * encoder would not have made). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "warmreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct warmreq r;
    if (warmreq_decode(&r, (const char *)data, size) < 0)
        return 0;
    if (strlen(r.ip) > WARMREQ_IP_MAX || strlen(r.session) > SESSIONID_MAX ||
        r.handshake_ms < 1000 || r.idle_ms < 1000)
        abort();
    char out[WARMREQ_MAX];
    size_t len = warmreq_encode(&r, out, sizeof out);
    if (len != size || memcmp(out, data, size) != 0)
        abort();
    return 0;
}
