#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "die.h"
#include "exitcodes.h"
#include "number.h"
#include "proxyconf.h"

#define FILE_MAX (1 << 16)

static void read_timeout(struct proxyconf *c)
{
    const char *s = getenv("PROXYUP_TIMEOUT");
    unsigned long seconds = PROXYUP_TIMEOUT_DEFAULT;
    if (s && (number_scan(s, PROXYUP_TIMEOUT_MAX, &seconds) < 0 || !seconds))
        die_msg(EXIT_TEMP,
                "PROXYUP_TIMEOUT=%.20s is not a number of seconds from 1 to "
                "%d",
                s, PROXYUP_TIMEOUT_MAX);
    c->timeout_ms = (int64_t)seconds * 1000;
}

static void read_balancers(struct proxyconf *c)
{
    struct bytes text = BYTES_INIT(0);
    int r = control_readfile(BALANCERS_FILE, &text, FILE_MAX);
    if (r < 0)
        die_msg(EXIT_TEMP, "unable to read %s/%s: %s", control_dir(),
                BALANCERS_FILE,
                errno == E2BIG ? "longer than 64 KiB" : strerror(errno));
    c->balancers.count = 0;
    if (r == 0) {
        warn_msg("%s/%s does not exist: no balancer is listed, so every "
                 "PROXY header is refused",
                 control_dir(), BALANCERS_FILE);
        return;
    }
    const char *why = NULL;
    size_t line =
        balancers_parse(&c->balancers, text.s ? text.s : "", text.len, &why);
    bytes_free(&text);
    if (line)
        die_msg(EXIT_TEMP, "%s/%s:%zu: %s", control_dir(), BALANCERS_FILE, line,
                why);
}

void proxyconf_load(struct proxyconf *c)
{
    read_timeout(c);
    read_balancers(c);
}
