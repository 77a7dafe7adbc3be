#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "die.h"
#include "starttls.h"

enum tls_level starttls_setup(struct starttls *t)
{
    const char *level = getenv("UCSPITLS");
    int disabled = getenv("DISABLETLS") != NULL;
    unsetenv("UCSPITLS");
    unsetenv("DISABLETLS");
    t->available = 0;
    if (getenv("SSL_PROTOCOL"))
        return TLS_ACTIVE;
    if (disabled || !level || strcmp(level, "-") == 0)
        return TLS_NONE;
    enum tls_level tls = strcmp(level, "!") == 0 ? TLS_REQUIRED : TLS_OFFERED;
    if (strcmp(level, "!") != 0 && *level)
        warn_msg("UCSPITLS=%.20s is not '', '!' or '-': offering TLS", level);
    t->available = ucspitls_find(&t->u) == UCSPITLS_OK;
    if (!t->available)
        warn_msg("UCSPITLS is set but SSLCTLFD, SSLREADFD or SSLWRITEFD is "
                 "not: run fixsmtpio under a UCSPI-TLS server such as "
                 "ucspitlsd; STARTTLS is %s",
                 tls == TLS_REQUIRED ? "required and will fail"
                                     : "not offered");
    return tls;
}

/* The plaintext socket stays open in the TLS server; here fds 0 and 1 are
 * pointed at /dev/null so nothing can be read or written in clear any
 * more, and so that the fd numbers stay taken. */
static void retire_plaintext(void)
{
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return;
    dup2(fd, 0);
    dup2(fd, 1);
    if (fd > 1)
        close(fd);
}

int starttls_switch(struct relay *r)
{
    struct starttls *t = r->ctx;
    struct session *s = r->s;
    struct bytes block = BYTES_INIT(UCSPITLS_BLOCK_MAX);
    enum ucspitls_status st =
        ucspitls_start(&t->u, clock_ms() + r->timeout_ms, &block);
    ucspitls_close_ctl(&t->u);
    if (st == UCSPITLS_OK)
        st = ucspitls_setenv(block.s, block.len);
    bytes_free(&block);
    if (st != UCSPITLS_OK) {
        warn_msg("unable to start TLS: %s", ucspitls_strerror(st));
        return -1;
    }
    if (setenv("FIXSMTPIOTLS", "1", 1) < 0)
        die_nomem();
    retire_plaintext();
    r->client_in = t->u.rfd;
    r->client_out = t->u.wfd;

    /* RFC 3207 4.2: nothing from before TLS survives. The server that saw
     * the plaintext commands goes, and a fresh one starts. */
    relay_stop_server(r, 2000);
    ruleview_free(t->view);
    if (ruleview_init(t->view, t->set, (rules_getenv_fn *)getenv) < 0)
        die_nomem();
    s->tls = TLS_ACTIVE;
    s->offer_starttls = 0;
    s->state = CLIENT_COMMAND;
    s->hide_greeting_2xx = 1;
    if (relay_start_server(r) < 0) {
        warn_sys("run", r->argv[0]);
        return -1;
    }
    return 0;
}
