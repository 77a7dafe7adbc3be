/* Replacing a small file atomically, in two steps so that a caller can
 * prepare several files before any of them changes: atomicfile_stage()
 * writes the new content into a temporary file beside the target (path
 * .tmp.PID), synced and closed; atomicfile_commit() renames it over the
 * target and syncs the directory. Readers see the old file or the new one,
 * never half of either. Nothing here prints or exits. */
#ifndef ATOMICFILE_H
#define ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

struct atomicfile {
    char path[4096];
    char tmp[4096 + 32];
    int staged;
};

/* 0, or -1 with errno (nothing is left behind). */
int atomicfile_stage(struct atomicfile *a, const char *path, const void *data,
                     size_t len, mode_t mode);
/* 0, or -1 with errno (the temporary file is removed, the target left). */
int atomicfile_commit(struct atomicfile *a);
/* Removes the temporary file, when there is one. */
void atomicfile_abort(struct atomicfile *a);

#endif
