#include "ascii.h"
#include "bdat.h"

int bdat_arg(const char *arg, size_t len, uint64_t *size)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && arg[i] >= '0' && arg[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(arg[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    if (i == 0 ||
        (i < len && !(len - i == 5 && ascii_caseeq(arg + i, " LAST", 5))))
        return 0;
    *size = v;
    return 1;
}
