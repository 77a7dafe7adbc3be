/* checkpassword-cdb's fd-3 parser: any bytes. A parse that succeeds must
 * hand out three NUL-free fields, back to back from the start of the
 * buffer, each ended by a NUL inside it; one that fails must hand out
 * nothing, and must fail for the reason the bytes give. The name then goes
 * through the check that decides whether it is looked up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "fd3.h"
#include "pwrecord.h"

static void check_ok(const char *buf, size_t len, const struct fd3 *f)
{
    if (len > FD3_MAX || f->name != buf || f->name_len == 0)
        abort();
    if (f->password != f->name + f->name_len + 1 ||
        f->timestamp != f->password + f->password_len + 1 ||
        f->timestamp + f->timestamp_len >= buf + len)
        abort();
    if (memchr(f->name, 0, f->name_len) ||
        memchr(f->password, 0, f->password_len) ||
        memchr(f->timestamp, 0, f->timestamp_len))
        abort();
    if (f->name[f->name_len] || f->password[f->password_len] ||
        f->timestamp[f->timestamp_len])
        abort();
    enum pwrecord_status s = pwrecord_check_name(f->name, f->name_len);
    if (s == PWRECORD_OK &&
        (memchr(f->name, ':', f->name_len) || f->name_len > PWRECORD_NAME_MAX))
        abort();
}

/* The number of NULs in buf[0..len), up to three. */
static int nuls(const char *buf, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len && n < 3; i++)
        n += buf[i] == '\0';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct fd3 f;
    enum fd3_status s = fd3_parse(buf, size, &f);
    if (s == FD3_OK) {
        check_ok(buf, size, &f);
        return 0;
    }
    if (f.name || f.password || f.timestamp || f.name_len || f.password_len ||
        f.timestamp_len || !*fd3_strerror(s))
        abort();
    enum fd3_status want = size > FD3_MAX         ? FD3_TOOLONG
                           : nuls(buf, size) == 0 ? FD3_NO_NAME
                           : buf[0] == '\0'       ? FD3_EMPTY_NAME
                           : nuls(buf, size) == 1 ? FD3_NO_PASSWORD
                                                  : FD3_NO_TIMESTAMP;
    if (s != want)
        abort();
    return 0;
}
