#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "number.h"
#include "ucspitls.h"

static const char s6_sni[] = "SSL_TLS_SNI_SERVERNAME";
static const char sni[] = "SSL_TLS_SNI";

/* A descriptor number from the environment: digits only, an open fd
 * above 2 (0 and 1 are the connection, 2 the log: never UCSPI-TLS's, and
 * never to be made close-on-exec). */
static int env_fd(const char *name)
{
    unsigned long fd;
    if (number_scan(getenv(name), INT_MAX, &fd) < 0 || fd < 3)
        return -1;
    int flags = fcntl((int)fd, F_GETFD);
    if (flags < 0)
        return -1;
    if (!(flags & FD_CLOEXEC) &&
        fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC) < 0)
        return -1;
    return (int)fd;
}

enum ucspitls_status ucspitls_find(struct ucspitls *u)
{
    u->ctl = env_fd("SSLCTLFD");
    u->rfd = env_fd("SSLREADFD");
    u->wfd = env_fd("SSLWRITEFD");
    if (u->ctl >= 0 && u->rfd >= 0 && u->wfd >= 0)
        return UCSPITLS_OK;
    u->ctl = u->rfd = u->wfd = -1;
    return UCSPITLS_UNAVAILABLE;
}

void ucspitls_close_ctl(struct ucspitls *u)
{
    if (u->ctl >= 0)
        close(u->ctl);
    u->ctl = -1;
}

static enum ucspitls_status send_command(int fd, char c, int64_t deadline)
{
    for (;;) {
        int w = clock_wait_fd(fd, POLLOUT, deadline);
        if (w == 0)
            return UCSPITLS_TIMEOUT;
        if (w < 0)
            return UCSPITLS_ERROR;
        ssize_t n = send(fd, &c, 1, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK)
            n = write(fd, &c, 1);
        if (n == 1)
            return UCSPITLS_OK;
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        /* The server is gone: it cannot do a handshake any more. */
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
            return UCSPITLS_FAILED;
        return UCSPITLS_ERROR;
    }
}

/* The offset of the block's first empty entry at or after from, or len. */
static size_t find_end(const char *b, size_t from, size_t len)
{
    for (size_t i = from; i < len; i++)
        if (b[i] == 0 && (i == 0 || b[i - 1] == 0))
            return i;
    return len;
}

enum ucspitls_status ucspitls_read_block(int fd, int64_t deadline,
                                         struct bytes *block)
{
    if (!block->max)
        block->max = UCSPITLS_BLOCK_MAX;
    block->len = 0;
    for (;;) {
        char buf[4096];
        size_t room = block->max - block->len;
        if (room == 0)
            return UCSPITLS_TOOLONG;
        int w = clock_wait_fd(fd, POLLIN, deadline);
        if (w == 0)
            return UCSPITLS_TIMEOUT;
        if (w < 0)
            return UCSPITLS_ERROR;
        ssize_t n = read(fd, buf, room < sizeof buf ? room : sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0 && errno != ECONNRESET)
            return UCSPITLS_ERROR;
        if (n <= 0) {
            /* End of file: it ends the block, unless nothing came. */
            if (block->len == 0)
                return UCSPITLS_FAILED;
            break;
        }
        size_t from = block->len;
        if (bytes_append(block, buf, (size_t)n) < 0)
            return errno == E2BIG ? UCSPITLS_TOOLONG : UCSPITLS_ERROR;
        size_t end = find_end(block->s, from, block->len);
        if (end < block->len) {
            block->len = end; /* the entries, each with its NUL */
            break;
        }
    }
    if (bytes_terminate(block) < 0)
        return UCSPITLS_ERROR;
    return UCSPITLS_OK;
}

enum ucspitls_status ucspitls_start(struct ucspitls *u, int64_t deadline,
                                    struct bytes *block)
{
    if (u->ctl < 0)
        return UCSPITLS_UNAVAILABLE;
    enum ucspitls_status st = send_command(u->ctl, 'Y', deadline);
    if (st != UCSPITLS_OK)
        return st;
    return ucspitls_read_block(u->ctl, deadline, block);
}

static int name_ok(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int alpha =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        if (!alpha && (i == 0 || c < '0' || c > '9'))
            return 0;
    }
    return 1;
}

/* One walk over the entries; fn NULL checks names only. */
static enum ucspitls_status walk(const char *b, size_t len, ucspitls_var_fn *fn,
                                 void *ctx, size_t *count)
{
    size_t end = find_end(b, 0, len);
    size_t n = 0;
    for (size_t i = 0; i < end;) {
        const char *entry = b + i;
        const char *nul = memchr(entry, 0, end - i);
        size_t elen = nul ? (size_t)(nul - entry) : end - i;
        const char *eq = memchr(entry, '=', elen);
        size_t namelen = eq ? (size_t)(eq - entry) : elen;
        const char *name = entry;
        if (!name_ok(name, namelen))
            return UCSPITLS_BADNAME;
        if (namelen == sizeof s6_sni - 1 &&
            memcmp(name, s6_sni, namelen) == 0) {
            name = sni;
            namelen = sizeof sni - 1;
        }
        if (fn) {
            const char *value = eq ? eq + 1 : NULL;
            size_t vlen = eq ? elen - (size_t)(eq - entry) - 1 : 0;
            if (fn(ctx, name, namelen, value, vlen))
                return UCSPITLS_STOPPED;
        }
        n++;
        i += elen + 1;
    }
    if (count)
        *count = n;
    return UCSPITLS_OK;
}

enum ucspitls_status ucspitls_parse(const char *block, size_t len,
                                    ucspitls_var_fn *fn, void *ctx,
                                    size_t *count)
{
    if (count)
        *count = 0;
    enum ucspitls_status st = walk(block, len, NULL, NULL, count);
    if (st != UCSPITLS_OK || !fn)
        return st;
    return walk(block, len, fn, ctx, count);
}

/* setenv(3) wants C strings: name and value are copied into one scratch
 * buffer, as "name\0value\0". */
static int apply(void *ctx, const char *name, size_t namelen, const char *value,
                 size_t valuelen)
{
    struct bytes *scratch = ctx;
    scratch->len = 0;
    if (bytes_append(scratch, name, namelen) < 0 ||
        bytes_appendc(scratch, 0) < 0 ||
        (value && bytes_append(scratch, value, valuelen) < 0) ||
        bytes_terminate(scratch) < 0)
        return -1;
    if (!value)
        return unsetenv(scratch->s) < 0 ? -1 : 0;
    return setenv(scratch->s, scratch->s + namelen + 1, 1) < 0 ? -1 : 0;
}

enum ucspitls_status ucspitls_setenv(const char *block, size_t len)
{
    struct bytes scratch = BYTES_INIT(0);
    errno = 0;
    enum ucspitls_status st = ucspitls_parse(block, len, apply, &scratch, NULL);
    bytes_free(&scratch);
    if (st == UCSPITLS_STOPPED) {
        if (!errno)
            errno = ENOMEM;
        return UCSPITLS_ERROR;
    }
    return st;
}

const char *ucspitls_strerror(enum ucspitls_status status)
{
    switch (status) {
    case UCSPITLS_OK:
        return "success";
    case UCSPITLS_UNAVAILABLE:
        return "not available: SSLCTLFD, SSLREADFD or SSLWRITEFD is not set "
               "to an open descriptor";
    case UCSPITLS_FAILED:
        return "the TLS handshake failed";
    case UCSPITLS_TIMEOUT:
        return "timed out";
    case UCSPITLS_TOOLONG:
        return "the variable block is too long";
    case UCSPITLS_BADNAME:
        return "the variable block holds an invalid name";
    case UCSPITLS_STOPPED:
        return "stopped";
    case UCSPITLS_ERROR:
        return strerror(errno);
    }
    return "unknown status";
}

int ucspitls_block_add(struct bytes *b, const char *name, const char *value,
                       size_t len)
{
    if (!name_ok(name, strlen(name))) {
        errno = EINVAL;
        return -1;
    }
    if (len > UCSPITLS_VALUE_MAX)
        return 0;
    size_t start = b->len;
    if (bytes_appends(b, name) < 0 || bytes_appendc(b, '=') < 0)
        goto fail;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (bytes_appendc(b, c < 0x20 || c == 0x7f ? '?' : (char)c) < 0)
            goto fail;
    }
    if (bytes_appendc(b, 0) < 0)
        goto fail;
    return 1;
fail:
    b->len = start;
    return -1;
}

int ucspitls_block_adds(struct bytes *b, const char *name, const char *value)
{
    return ucspitls_block_add(b, name, value, strlen(value));
}

int ucspitls_block_end(struct bytes *b)
{
    return bytes_appendc(b, 0);
}
