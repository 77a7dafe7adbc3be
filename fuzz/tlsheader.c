/* qmail-qfilter-addtlsheader's variable handling: any protocol, cipher and
 * user values make a header whose lines are short, end in LF, hold no
 * control character, and whose first line starts the field. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tlsheader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Three NUL-separated values and a flag byte. */
    char buf[4096];
    if (size < 1 || size > sizeof buf - 4)
        return 0;
    memcpy(buf, data + 1, size - 1);
    memset(buf + size - 1, 0, 4);
    const char *v[3] = {buf, NULL, NULL};
    for (int i = 1; i < 3; i++)
        v[i] = v[i - 1] + strlen(v[i - 1]) + 1;
    struct tlsheader_info info = {v[0], v[1], v[2], data[0] & 1};
    struct tm when = {.tm_year = 126,
                      .tm_mon = 10,
                      .tm_mday = 23,
                      .tm_hour = 10,
                      .tm_wday = 1};
    char out[TLSHEADER_MAX];
    int n = tlsheader_build(out, &info, &when);
    if (n < 0 || n > TLSHEADER_MAX)
        abort();
    if (n == 0)
        return 0;
    if (memcmp(out, "Received: ", 10) != 0 || out[n - 1] != '\n')
        abort();
    size_t col = 0;
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c == '\n') {
            col = 0;
            continue;
        }
        if (c < 0x20 || c >= 0x7f || ++col > TLSHEADER_LINE_MAX)
            abort();
    }
    return 0;
}
