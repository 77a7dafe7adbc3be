/* checkpassword-cdb's fd-3 parser: every well-formed shape, and every way
 * the bytes can be short, long or out of order. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "fd3.h"

#define S(lit) lit, sizeof lit - 1

static void good(const char *buf, size_t len, const char *name,
                 const char *password, const char *timestamp, const char *what)
{
    struct fd3 f;
    if (!is_int(fd3_parse(buf, len, &f), FD3_OK, what))
        return;
    is_mem(f.name, f.name_len, name, strlen(name), "  the name");
    is_mem(f.password, f.password_len, password, strlen(password),
           "  the password");
    is_mem(f.timestamp, f.timestamp_len, timestamp, strlen(timestamp),
           "  the timestamp");
    ok(f.name[f.name_len] == '\0' && f.password[f.password_len] == '\0' &&
           f.timestamp[f.timestamp_len] == '\0',
       "  each field is a C string in the buffer");
    ok(f.name == buf && f.timestamp + f.timestamp_len < buf + len,
       "  every field lies inside the buffer");
}

static void bad(const char *buf, size_t len, enum fd3_status want,
                const char *what)
{
    struct fd3 f;
    memset(&f, 0x55, sizeof f);
    is_int(fd3_parse(buf, len, &f), want, what);
    ok(!f.name && !f.password && !f.timestamp && !f.name_len &&
           !f.password_len && !f.timestamp_len,
       "  and nothing is handed out");
}

static void test_good(void)
{
    good(S("alice\0secret\0<1.2@host>\0"), "alice", "secret", "<1.2@host>",
         "name, password and timestamp");
    good(S("alice\0secret\0\0"), "alice", "secret", "",
         "an empty timestamp (SMTP AUTH)");
    good(S("alice\0\0\0"), "alice", "", "", "an empty password");
    good(S("alice\0secret\0ts\0more data\0and more"), "alice", "secret", "ts",
         "bytes after the timestamp are ignored");
    good(S("a\xff\x01:b\0p\x80\0t\0"), "a\xff\x01:b", "p\x80", "t",
         "the parser takes any bytes; names are checked later");
}

static void test_limits(void)
{
    char buf[FD3_MAX + 1];
    memset(buf, 'x', sizeof buf);
    /* 509 + 1 + 1 + 1 = 512: "x...x\0\0\0" is exactly the limit. */
    buf[509] = buf[510] = buf[511] = '\0';
    struct fd3 f;
    is_int(fd3_parse(buf, FD3_MAX, &f), FD3_OK, "exactly 512 bytes");
    is_int((long long)f.name_len, 509, "  a 509-byte name");
    buf[512] = '\0';
    bad(buf, FD3_MAX + 1, FD3_TOOLONG, "513 bytes, however well formed");
    bad(buf, (size_t)-1, FD3_TOOLONG, "a huge length is refused first");
}

static void test_bad(void)
{
    bad("", 0, FD3_NO_NAME, "nothing at all");
    bad(NULL, 0, FD3_NO_NAME, "a NULL buffer of length 0");
    bad(S("alice"), FD3_NO_NAME, "no NUL at all");
    bad(S("\0secret\0ts\0"), FD3_EMPTY_NAME, "an empty name");
    bad(S("\0"), FD3_EMPTY_NAME, "a lone NUL");
    bad(S("alice\0"), FD3_NO_PASSWORD, "a name only");
    bad(S("alice\0secret"), FD3_NO_PASSWORD, "a password without its NUL");
    bad(S("alice\0secret\0"), FD3_NO_TIMESTAMP, "no timestamp");
    bad(S("alice\0secret\0<1.2@host>"), FD3_NO_TIMESTAMP,
        "a timestamp without its NUL");
    /* The NUL is looked for only within len, never past it. */
    bad("alice\0secret\0ts\0", 15, FD3_NO_TIMESTAMP,
        "a NUL one byte past len is not seen");
}

static void test_strerror(void)
{
    for (int s = FD3_OK; s <= FD3_NO_TIMESTAMP; s++)
        ok(fd3_strerror(s) && *fd3_strerror(s), "a text for status %d", s);
    is_str(fd3_strerror(FD3_TOOLONG), "more than 512 bytes", "  e.g. too long");
}

int main(void)
{
    test_good();
    test_limits();
    test_bad();
    test_strerror();
    return done_testing();
}
