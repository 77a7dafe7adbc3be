#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
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

int atomicfile_stage(struct atomicfile *a, const char *path, const void *data,
                     size_t len, mode_t mode)
{
    a->staged = 0;
    int n = snprintf(a->path, sizeof a->path, "%s", path);
    if (n < 0 || (size_t)n >= sizeof a->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                  mode);
    if (fd < 0)
        return -1;
    a->staged = 1;
    if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
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

/* Makes the rename durable; a failure here changes nothing visible. */
static void sync_dir(const char *path)
{
    char dir[sizeof((struct atomicfile *)0)->path];
    snprintf(dir, sizeof dir, "%s", path);
    int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

int atomicfile_commit(struct atomicfile *a)
{
    if (rename(a->tmp, a->path) < 0) {
        atomicfile_abort(a);
        return -1;
    }
    a->staged = 0;
    sync_dir(a->path);
    return 0;
}

void atomicfile_abort(struct atomicfile *a)
{
    int saved = errno;
    if (a->staged)
        unlink(a->tmp);
    a->staged = 0;
    errno = saved;
}
