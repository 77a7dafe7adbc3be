#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

int atomicfile_open(struct atomicfile *a, const char *path, mode_t mode)
{
    a->staged = 0;
    a->fd = -1;
    int n = snprintf(a->path, sizeof a->path, "%s", path);
    if (n < 0 || (size_t)n >= sizeof a->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
    a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                 mode);
    if (a->fd < 0)
        return -1;
    a->staged = 1;
    if (fchmod(a->fd, mode) < 0) {
        atomicfile_abort(a);
        return -1;
    }
    return 0;
}

int atomicfile_write(struct atomicfile *a, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(a->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int atomicfile_close(struct atomicfile *a)
{
    int fd = a->fd;
    a->fd = -1;
    if (fsync(fd) < 0) {
        int saved = errno;
        close(fd);
        atomicfile_abort(a);
        errno = saved;
        return -1;
    }
    if (close(fd) < 0) {
        atomicfile_abort(a);
        return -1;
    }
    return 0;
}

int atomicfile_stage(struct atomicfile *a, const char *path, const void *data,
                     size_t len, mode_t mode)
{
    if (atomicfile_open(a, path, mode) < 0)
        return -1;
    if (atomicfile_write(a, data, len) < 0) {
        atomicfile_abort(a);
        return -1;
    }
    return atomicfile_close(a);
}

/* The directory of path, synced: the rename is on disk, not only in the
 * page cache. */
static int sync_dir(const char *path)
{
    char dir[sizeof((struct atomicfile *)0)->path];
    snprintf(dir, sizeof dir, "%s", path);
    int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

int atomicfile_commit(struct atomicfile *a)
{
    if (a->fd >= 0 && atomicfile_close(a) < 0)
        return -1;
    if (rename(a->tmp, a->path) < 0) {
        atomicfile_abort(a);
        return -1;
    }
    a->staged = 0;
    /* The new file is in place either way; a failed sync only means it
     * might not survive a crash, and there is nothing to undo. */
    (void)sync_dir(a->path);
    return 0;
}

void atomicfile_abort(struct atomicfile *a)
{
    int saved = errno;
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
    if (a->staged)
        unlink(a->tmp);
    a->staged = 0;
    errno = saved;
}

int atomicfile_sweep(const char *path)
{
    char dir[sizeof((struct atomicfile *)0)->path];
    char base[sizeof dir];
    snprintf(dir, sizeof dir, "%s", path);
    snprintf(base, sizeof base, "%s", path);
    const char *name = basename(base);
    size_t nlen = strlen(name);
    DIR *d = opendir(dirname(dir));
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *f = e->d_name;
        if (strncmp(f, name, nlen) != 0 || strncmp(f + nlen, ".tmp.", 5) != 0)
            continue;
        const char *pid = f + nlen + 5;
        if (!*pid || strspn(pid, "0123456789") != strlen(pid))
            continue;
        if (unlinkat(dirfd(d), f, 0) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
