/* authup's parsers of client input: the command splitter and verb lookup
 * (SMTP and POP3), the SASL PLAIN and LOGIN decoders, and the
 * capabilities file. The first byte picks the parser; the rest is its
 * input. Decoded names must hold no NUL and fit their fields. */
#include <stdlib.h>
#include <string.h>

#include "authconf.h"
#include "command.h"
#include "fuzz.h"
#include "sasl.h"

static void check_creds(const struct sasl_creds *c)
{
    if (c->userlen > SASL_FIELD_MAX || c->passlen > SASL_FIELD_MAX ||
        strlen(c->user) != c->userlen || strlen(c->pass) != c->passlen)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const pop3[] = {"CAPA", "STLS", "QUIT", "USER",
                                       "PASS", "AUTH", "APOP", NULL};
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    struct sasl_creds c;
    memset(&c, 0, sizeof c);
    switch (data[0] % 5) {
    case 0: {
        struct command cmd;
        size_t n = command_chomp(text, len);
        if (command_split(text, n, &cmd) == 0) {
            if (cmd.verblen + cmd.has_arg + cmd.arglen != n)
                abort();
            command_find(&cmd, pop3);
        } else if (!memchr(text, 0, n)) {
            abort();
        }
        break;
    }
    case 1:
        if (sasl_plain(text, len, &c) == SASL_OK)
            check_creds(&c);
        break;
    case 2:
    case 3:
        if (sasl_login(text, len, &c, data[0] & 1) == SASL_OK)
            check_creds(&c);
        break;
    case 4: {
        struct config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.proto = data[0] & 8 ? PROTO_POP3 : PROTO_SMTP;
        authconf_parse_caps(&cfg, text, len);
        for (size_t i = 0; i < cfg.ncaps; i++)
            if (strlen(cfg.caps[i]) > CAP_LINE_MAX)
                abort();
        authconf_free(&cfg);
        break;
    }
    }
    sasl_wipe(&c);
    return 0;
}
