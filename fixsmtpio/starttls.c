#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "die.h"
#include "handoff.h"
#include "starttls.h"

enum tls_level starttls_setup(struct starttls *t)
{
    tlsenv_setup(&t->env);
    char msg[2][TLSENV_MSG];
    int n = tlsenv_complaints(&t->env, "fixsmtpio",
                              "the session is refused for now", msg);
    for (int i = 0; i < n; i++)
        warn_msg("%s", msg[i]);
    return t->env.level;
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
