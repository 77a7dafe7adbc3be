#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "cdbfile.h"

int cdbfile_start(struct cdbfile *w, const char *path, mode_t mode)
{
    if (atomicfile_open(&w->file, path, mode) < 0)
        return -1;
    if (cdb_make_start(&w->make, w->file.fd) < 0) {
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
    if (cdb_make_finish(&w->make) < 0) {
        cdbfile_abort(w);
        return -1;
    }
    return atomicfile_commit(&w->file);
}

void cdbfile_abort(struct cdbfile *w)
{
    atomicfile_abort(&w->file);
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
