#include <stdio.h>
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
    if (found && !t->available) {
        /* TLS will not start: closing the control socket lets the
         * UCSPI-TLS server's TLS process, which holds the key, end now
         * rather than with the session. */
        ucspitls_close_ctl(&t->u);
        close(t->u.rfd);
        if (t->u.wfd != t->u.rfd)
            close(t->u.wfd);
        t->u.rfd = t->u.wfd = -1;
    }
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
    /* ucspitls_find() takes descriptors above 2 only; dup2 leaves 0 and 1
     * inheritable. */
    if (dup2(t->u.rfd, 0) < 0 || dup2(t->u.wfd, 1) < 0)
        return UCSPITLS_ERROR;
    close(t->u.rfd);
    if (t->u.wfd != t->u.rfd)
        close(t->u.wfd);
    t->u.rfd = 0;
    t->u.wfd = 1;
    t->level = TLS_ACTIVE;
    return UCSPITLS_OK;
}

int tlsenv_complaints(const struct tlsenv *t, const char *prog,
                      const char *required_fails, char msg[2][TLSENV_MSG])
{
    int n = 0;
    if (t->odd_value)
        snprintf(msg[n++], TLSENV_MSG,
                 "UCSPITLS is not '', '!' or '-': offering TLS");
    if ((t->level == TLS_OFFERED || t->level == TLS_REQUIRED) && !t->available)
        snprintf(msg[n++], TLSENV_MSG,
                 "UCSPITLS is set but SSLCTLFD, SSLREADFD or SSLWRITEFD is "
                 "not: run %s under a UCSPI-TLS server such as ucspitlsd; %s",
                 prog,
                 t->level == TLS_REQUIRED ? required_fails
                                          : "TLS is not offered");
    return n;
}
