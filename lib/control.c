#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "number.h"

const char *control_dir(void)
{
    const char *dir = getenv("CONTROLDIR");
    if (dir && *dir)
        return dir;
    return QMAILHOME "/control";
}

int control_path(char *out, size_t size, const char *name)
{
    int n = snprintf(out, size, "%s/%s", control_dir(), name);
    if (n < 0 || (size_t)n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int file_read(const char *path, struct bytes *out, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    out->len = 0;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return n < 0 ? -1 : 1;
        }
        if (out->len + (size_t)n > max) {
            close(fd);
            errno = E2BIG;
            return -1;
        }
        if (bytes_append(out, buf, (size_t)n) < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
    }
}

int control_readfile(const char *name, struct bytes *out, size_t max)
{
    char path[4096];
    if (control_path(path, sizeof path, name) < 0)
        return -1;
    return file_read(path, out, max);
}

int control_readline(const char *name, char *out, size_t size)
{
    struct bytes b = BYTES_INIT(0);
    int r = control_readfile(name, &b, 1 << 16);
    if (r <= 0) {
        bytes_free(&b);
        return r;
    }
    size_t n = 0;
    while (n < b.len && b.s[n] != '\n')
        n++;
    while (n > 0 &&
           (b.s[n - 1] == ' ' || b.s[n - 1] == '\t' || b.s[n - 1] == '\r'))
        n--;
    if (n >= size) {
        bytes_free(&b);
        errno = E2BIG;
        return -1;
    }
    if (n)
        memcpy(out, b.s, n);
    out[n] = 0;
    bytes_free(&b);
    return 1;
}

int control_readulong(const char *name, unsigned long *value, unsigned long def)
{
    char line[64];
    *value = def;
    int r = control_readline(name, line, sizeof line);
    if (r <= 0)
        return r;
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (number_scan(p, ULONG_MAX, value) < 0) {
        *value = def;
        errno = EINVAL;
        return -1;
    }
    return 1;
}

int control_greeting(const char *name, char *out, size_t size, char *why,
                     size_t whysize)
{
    int r = control_readline(name, out, size);
    if (r == 0)
        r = control_readline("me", out, size);
    if (r < 0) {
        int saved = errno;
        snprintf(why, whysize, "unable to read %s/%s or me: %s", control_dir(),
                 name, strerror(saved));
        errno = saved;
    } else if (r == 0) {
        snprintf(why, whysize,
                 "neither %s/%s nor %s/me exists: create one naming this "
                 "host",
                 control_dir(), name, control_dir());
    }
    return r;
}
