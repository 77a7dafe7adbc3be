#include <string.h>

#include "wipe.h"

void wipe(void *p, size_t len)
{
    if (p && len)
        explicit_bzero(p, len);
}
