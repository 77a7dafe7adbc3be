/* Writing a cdb atomically: into a temporary file beside the target, synced,
 * then renamed over it, so that readers see the old file or the new one and
 * never half of either. */
#ifndef CDBFILE_H
#define CDBFILE_H

#include <cdb.h>
#include <stddef.h>
#include <sys/types.h>

struct cdbfile {
    struct cdb_make make;
    char path[4096];
    char tmp[4096 + 32];
    int fd;
};

/* Creates path.tmp.PID with the given mode. 0, or -1 with errno. */
int cdbfile_start(struct cdbfile *w, const char *path, mode_t mode);
int cdbfile_add(struct cdbfile *w, const void *key, size_t klen,
                const void *val, size_t vlen);
/* Finishes, fsyncs and renames over path. 0, or -1 (the temporary file is
 * removed and the old file left in place). */
int cdbfile_finish(struct cdbfile *w);
/* Gives up: removes the temporary file. */
void cdbfile_abort(struct cdbfile *w);

/* Opens path for lookups. 1 opened, 0 missing, -1 error (errno). */
int cdbfile_open(struct cdb *c, const char *path);
void cdbfile_close(struct cdb *c);

#endif
