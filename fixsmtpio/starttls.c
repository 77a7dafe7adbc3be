#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "die.h"
#include "handoff.h"
#include "starttls.h"

enum tls_level starttls_setup(struct starttls *t)
{
    tlsenv_setup(&t->env);
    enum tls_level tls = t->env.level;
    if (t->env.odd_value)
        warn_msg("UCSPITLS is not '', '!' or '-': offering TLS");
    if ((tls == TLS_OFFERED || tls == TLS_REQUIRED) && !t->env.available)
        warn_msg("UCSPITLS is set but SSLCTLFD, SSLREADFD or SSLWRITEFD is "
                 "not: run fixsmtpio under a UCSPI-TLS server such as "
                 "ucspitlsd; STARTTLS is %s",
                 tls == TLS_REQUIRED ? "required and will fail"
                                     : "not offered");
    return tls;
}

int starttls_switch(struct relay *r)
{
    struct starttls *t = r->ctx;
    struct session *s = r->s;
    enum ucspitls_status st = tlsenv_start(&t->env, clock_ms() + r->timeout_ms);
    if (st != UCSPITLS_OK) {
        warn_msg("unable to start TLS: %s", ucspitls_strerror(st));
        return -1;
    }
    if (setenv(HANDOFF_TLS, "1", 1) < 0)
        die_nomem(); /* the TLS pipes are fds 0 and 1 now: tlsenv_start */

    /* RFC 3207 4.2: nothing from before TLS survives. The server that saw
     * the plaintext commands goes, and a fresh one starts. */
    relay_stop_server(r, 2000);
    ruleview_free(t->view);
    if (ruleview_init(t->view, t->set, NULL) < 0)
        die_nomem();
    session_tls_started(s);
    if (relay_start_server(r) < 0) {
        warn_sys("run", r->argv[0]);
        return -1;
    }
    return 0;
}
