/* Replacing a file atomically: the new content goes into a temporary file
 * beside the target (path.tmp.PID), which is synced and closed, then
 * renamed over the target, and the directory synced, so that after a crash
 * the target is the old file or the new one, never half of either, and a
 * finished rename does not come undone. In two steps (stage, commit), so
 * that a caller can prepare several files before any of them changes.
 * Nothing here prints or exits. */
#ifndef ATOMICFILE_H
#define ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

struct atomicfile {
    char path[4096];
    char tmp[4096 + 32];
    int fd;     /* the temporary file while it is written, or -1 */
    int staged; /* the temporary file exists */
};

/* Creates the temporary file with mode, for writing to a->fd. 0, or -1
 * with errno (nothing is left behind). */
int atomicfile_open(struct atomicfile *a, const char *path, mode_t mode);
/* 0, or -1 with errno. */
int atomicfile_write(struct atomicfile *a, const void *data, size_t len);
/* Syncs and closes the temporary file. 0, or -1 with errno (it is removed). */
int atomicfile_close(struct atomicfile *a);
/* open, write and close in one. */
int atomicfile_stage(struct atomicfile *a, const char *path, const void *data,
                     size_t len, mode_t mode);
/* Renames the staged file over the target and syncs the directory. 0, or
 * -1 with errno (the temporary file is removed, the target left). */
int atomicfile_commit(struct atomicfile *a);
/* Gives up: closes and removes the temporary file, when there is one. */
void atomicfile_abort(struct atomicfile *a);

/* Removes what writers of path that were killed left beside it
 * (path.tmp.PID). Only for a caller that holds the lock all writers of path
 * take: then no such file is in use. Returns the number removed. */
int atomicfile_sweep(const char *path);

#endif
