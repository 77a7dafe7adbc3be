/* Writing a cdb atomically (lib/atomicfile.h): into a temporary file beside
 * the target, synced, then renamed over it and the directory synced, so
 * that readers see the old file or the new one and never half of either,
 * even after a crash. */
#ifndef CDBFILE_H
#define CDBFILE_H

#include <cdb.h>
#include <stddef.h>
#include <sys/types.h>

#include "atomicfile.h"

struct cdbfile {
    struct cdb_make make;
    struct atomicfile file;
};

/* Creates path.tmp.PID with the given mode. 0, or -1 with errno. */
int cdbfile_start(struct cdbfile *w, const char *path, mode_t mode);
int cdbfile_add(struct cdbfile *w, const void *key, size_t klen,
                const void *val, size_t vlen);
/* Finishes, fsyncs, renames over path and syncs its directory. 0, or -1
 * (the temporary file is removed and the old file left in place). */
int cdbfile_finish(struct cdbfile *w);
/* Gives up: removes the temporary file. */
void cdbfile_abort(struct cdbfile *w);

/* Opens path for lookups. 1 opened, 0 missing, -1 error (errno). */
int cdbfile_open(struct cdb *c, const char *path);
void cdbfile_close(struct cdb *c);

#endif
