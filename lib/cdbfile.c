#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdbfile.h"

int cdbfile_start(struct cdbfile *w, const char *path, mode_t mode)
{
    w->fd = -1;
    int n = snprintf(w->path, sizeof w->path, "%s", path);
    if (n < 0 || (size_t)n >= sizeof w->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp.%ld", path, (long)getpid());
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                 mode);
    if (w->fd < 0)
        return -1;
    if (fchmod(w->fd, mode) < 0 || cdb_make_start(&w->make, w->fd) < 0) {
        cdbfile_abort(w);
        return -1;
    }
    return 0;
}

int cdbfile_add(struct cdbfile *w, const void *key, size_t klen,
                const void *val, size_t vlen)
{
    if (klen > UINT_MAX / 2 || vlen > UINT_MAX / 2) {
        errno = E2BIG;
        return -1;
    }
    return cdb_make_add(&w->make, key, (unsigned)klen, val, (unsigned)vlen) < 0
               ? -1
               : 0;
}

int cdbfile_finish(struct cdbfile *w)
{
    if (cdb_make_finish(&w->make) < 0 || fsync(w->fd) < 0)
        goto fail;
    if (close(w->fd) < 0) {
        w->fd = -1;
        goto fail;
    }
    w->fd = -1;
    if (rename(w->tmp, w->path) < 0)
        goto fail;
    return 0;
fail:;
    int saved = errno;
    cdbfile_abort(w);
    errno = saved;
    return -1;
}

void cdbfile_abort(struct cdbfile *w)
{
    int saved = errno;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    unlink(w->tmp);
    errno = saved;
}

int cdbfile_open(struct cdb *c, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    if (cdb_init(c, fd) < 0) {
        int saved = errno ? errno : EPROTO;
        close(fd);
        errno = saved;
        return -1;
    }
    return 1;
}

void cdbfile_close(struct cdb *c)
{
    int fd = cdb_fileno(c);
    cdb_free(c);
    if (fd >= 0)
        close(fd);
}
