#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsenv.h"

void tlsenv_setup(struct tlsenv *t)
{
    const char *level = getenv("UCSPITLS");
    int disabled = getenv("DISABLETLS") != NULL;
    t->available = 0;
    t->odd_value = 0;
    t->u.ctl = t->u.rfd = t->u.wfd = -1;
    if (getenv("SSL_PROTOCOL"))
        t->level = TLS_ACTIVE;
    else if (disabled || !level || strcmp(level, "-") == 0)
        t->level = TLS_NONE;
    else if (strcmp(level, "!") == 0)
        t->level = TLS_REQUIRED;
    else {
        t->level = TLS_OFFERED;
        t->odd_value = *level != 0;
    }
    unsetenv("UCSPITLS");
    unsetenv("DISABLETLS");
    /* Whether or not TLS may start, the programs run later get neither
     * the descriptors nor the variables naming them. */
    int found = ucspitls_find(&t->u) == UCSPITLS_OK;
    t->available =
        found && (t->level == TLS_OFFERED || t->level == TLS_REQUIRED);
    unsetenv("SSLCTLFD");
    unsetenv("SSLREADFD");
    unsetenv("SSLWRITEFD");
}

/* Puts from (3 or above) onto to (0 or 1); dup2 leaves it inheritable. */
static int move_fd(int from, int to)
{
    int r = dup2(from, to);
    close(from);
    return r < 0 ? -1 : 0;
}

enum ucspitls_status tlsenv_start(struct tlsenv *t, int64_t deadline)
{
    struct bytes block = BYTES_INIT(UCSPITLS_BLOCK_MAX);
    enum ucspitls_status st = ucspitls_start(&t->u, deadline, &block);
    ucspitls_close_ctl(&t->u);
    if (st == UCSPITLS_OK)
        st = ucspitls_setenv(block.s, block.len);
    bytes_free(&block);
    if (st != UCSPITLS_OK)
        return st;
    /* Out of the way of 0 and 1 first, in case either pipe sits there. */
    int rfd = fcntl(t->u.rfd, F_DUPFD_CLOEXEC, 3);
    int wfd = fcntl(t->u.wfd, F_DUPFD_CLOEXEC, 3);
    if (rfd < 0 || wfd < 0) {
        if (rfd >= 0)
            close(rfd);
        return UCSPITLS_ERROR;
    }
    if (t->u.rfd > 1)
        close(t->u.rfd);
    if (t->u.wfd > 1 && t->u.wfd != t->u.rfd)
        close(t->u.wfd);
    if (move_fd(rfd, 0) < 0 || move_fd(wfd, 1) < 0)
        return UCSPITLS_ERROR;
    t->u.rfd = 0;
    t->u.wfd = 1;
    t->level = TLS_ACTIVE;
    return UCSPITLS_OK;
}
