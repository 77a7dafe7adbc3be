/* Writing the password database (pwdb.h says what it holds) from the
 * entries of control/passwd. Nothing here prints or exits. */
#ifndef PWDBMAKE_H
#define PWDBMAKE_H

#include "pwfile.h"

/* Writes the cdb at path atomically (mode 0600) from the entries of f,
 * with dummy as its :dummy (none when NULL). 0, or -1 with errno; the old
 * file is then left as it was. */
int pwdb_write(const char *path, const struct pwfile *f, const char *dummy);
/* The index of the entry whose hash has the cost most entries share (of
 * those, the first), which the dummy should be made like; -1 when f is
 * empty. */
long pwdb_dummy_model(const struct pwfile *f);

#endif
