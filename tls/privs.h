/* The TLS engine's privileges, given up once the key is loaded: into
 * TLS_CHROOT when it is set, then to TLS_GID (no supplementary groups) and
 * TLS_UID. A configured uid that cannot be taken is an error, never a
 * reason to go on as root. Nothing here prints or exits. */
#ifndef PRIVS_H
#define PRIVS_H

#include <stddef.h>

#include "config.h"

/* 0, or -1 with a message in err. */
int privs_drop(const struct config *c, char *err, size_t errsize);

#endif
