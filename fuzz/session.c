/* The session core: the SMTP request framer (pipelining, DATA, BDAT, AUTH)
 * and the reply framer with the example rules, fed client and server bytes
 * in turns the input chooses. Buffers and the queue must stay bounded. */
#include <stdint.h>

#include "fuzz.h"
#include <stdlib.h>
#include <string.h>

#include "session.h"

static const char rules_text[] =
    ":help::*::&fixsmtpio_fixup\n:greeting::2*::&fixsmtpio_fixup\n"
    ":helo::2*::&fixsmtpio_fixup\n:ehlo::2*::&fixsmtpio_fixup\n"
    ":quit::2*::&fixsmtpio_fixup\n"
    ":rcpt::451 GL - temporary*::451 greylisted, retry later (#4.7.1)\n"
    ":ehlo::250?AUTH*::\n:auth:NOOP :*::502 unimplemented (#5.5.1)\n"
    ":timeout::*:16:\n:clienteof::*:0:\n:noop::250*:3:&fixsmtpio_noop\n";

static const char *env_none(const char *name)
{
    (void)name;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ruleset set;
    static struct ruleview view;
    static struct session *s;
    static struct session_config cfg = {.greeting = "fuzz.example"};
    if (!s) {
        s = malloc(sizeof *s);
        cfg.view = &view;
        if (rules_parse(rules_text, sizeof rules_text - 1, &set, NULL, NULL) !=
                0 ||
            ruleview_init(&view, &set, env_none) != 0 ||
            session_init(s, &cfg) < 0)
            abort();
    }
    if (size < 1)
        return 0;
    cfg.tls = (enum tls_level)(data[0] % 4);
    cfg.offer_starttls = data[0] & 4;
    cfg.tls_available = (data[0] & 8) != 0;
    session_reset(s, &cfg);
    session_server_started(s);
    size_t i = 1;
    while (i < size && !s->finished && !s->server_broken) {
        /* A control byte: which side, and how many bytes follow. */
        uint8_t c = data[i++];
        size_t n = (size_t)(c & 0x7f) * 7 + 1;
        if (n > size - i)
            n = size - i;
        if (c & 0x80)
            lr_feed(&s->from_server, data + i, n);
        else
            lr_feed(&s->from_client, data + i, n);
        i += n;
        session_client(s);
        session_server(s);
        /* What the relay does for a refused message. */
        if (s->stop_server)
            session_server_stopped(s);
        if (s->restart_server) {
            s->restart_server = 0;
            session_server_started(s);
            session_client(s);
        }
        if (s->qlen > QUEUE_LIMIT ||
            ob_pending(&s->to_client) > CLIENT_OUT_SIZE ||
            ob_pending(&s->to_server) > SERVER_OUT_SIZE)
            abort();
        /* The peers read what is sent to them. */
        ob_clear(&s->to_client);
        ob_clear(&s->to_server);
    }
    session_client_eof(s);
    return 0;
}
