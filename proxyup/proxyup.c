/* proxyup: the first program after tcpserver on a port behind a load
 * balancer. When the connection comes from a balancer listed in
 * control/proxyfrom, it reads the PROXY header (version 1 or 2) the
 * balancer sends first, exactly its bytes and not one more, puts the
 * client's addresses (and the TLS the balancer ended, if any) into the
 * environment in tcpserver's variables, and runs prog on the connection.
 * A connection from anywhere else runs prog as it is, unless it starts
 * with a header, which is refused: no one else may say who the client is. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "die.h"
#include "exitcodes.h"
#include "headerread.h"
#include "proxyconf.h"
#include "proxyenv.h"
#include "proxyheader.h"
#include "safetext.h"
#include "sessionid.h"
#include "summary.h"

#define SHOWN_MAX 200 /* of a broken header in the log line */

__attribute__((noreturn)) static void die_broken(const char *peer,
                                                 const char *why,
                                                 const unsigned char *buf,
                                                 size_t len)
{
    char shown[SHOWN_MAX];
    safetext(shown, sizeof shown, (const char *)buf, len);
    die_msg(EXIT_PERM, "refusing the connection from %s: %s: \"%s\"", peer, why,
            shown);
}

/* The header from a listed balancer, into h and the environment. */
static void take_header(const struct proxyconf *c, const char *peer,
                        struct proxyheader *h)
{
    unsigned char buf[PROXYHEADER_MAX];
    size_t len;
    switch (headerread(0, clock_ms() + c->timeout_ms, buf, &len)) {
    case HEADERREAD_DONE:
        break;
    case HEADERREAD_NOTHING: /* a balancer's health check, without one */
        info_msg("%s closed the connection without sending anything", peer);
        exit(EXIT_OK);
    case HEADERREAD_CLOSED:
        die_broken(peer, "the connection closed within the PROXY header", buf,
                   len);
    case HEADERREAD_TIMEOUT:
        die_msg(EXIT_PERM,
                "refusing the connection from %s: no whole PROXY header "
                "within %lld second%s",
                peer, (long long)(c->timeout_ms / 1000),
                c->timeout_ms == 1000 ? "" : "s");
    case HEADERREAD_ERROR:
        die_sys(EXIT_TEMP, "read", "the PROXY header");
    }
    if (proxyheader_parse(buf, len, h) != PROXYHEADER_OK)
        die_broken(peer, h->why ? h->why : "an incomplete PROXY header", buf,
                   len);
    if (proxyenv_set(h) < 0)
        die_nomem();
}

/* From anywhere else: prog runs on what the client sends, unless that
 * already starts like a header. */
static void refuse_header(const char *peer)
{
    unsigned char buf[16];
    if (proxyheader_looks_like(buf, headerread_peek(0, buf, sizeof buf)))
        die_msg(EXIT_PERM,
                "refusing a PROXY header from %s, which %s/proxyfrom does "
                "not list",
                peer, control_dir());
}

static void log_summary(const struct proxyheader *h, const char *via)
{
    static const char *const versions[] = {"none", "v1", "v2"};
    struct summary sm;
    summary_init(&sm);
    summary_add(&sm, "port", getenv("TCPREMOTEPORT"));
    summary_add(&sm, "localip", getenv("TCPLOCALIP"));
    summary_add(&sm, "localport", getenv("TCPLOCALPORT"));
    summary_add(&sm, "via", via);
    summary_add(&sm, "header", versions[h->version]);
    summary_add(&sm, "addresses", h->addresses ? "header" : "connection");
    summary_add(&sm, "tls", h->tls_protocol);
    summary_add(&sm, "cipher", h->tls_cipher);
    summary_log(&sm);
}

int main(int argc, char **argv)
{
    progname = "proxyup";
    die_if_version(argc, argv);
    if (argc < 2)
        die_usage("prog [arg ...]");
    sessionid_start();
    proxyenv_clean_tls();
    const char *ip = getenv("TCPREMOTEIP");
    if (!ip || !*ip || strlen(ip) >= PROXYHEADER_IP_MAX)
        die_msg(EXIT_TEMP, "TCPREMOTEIP is not an address: run proxyup "
                           "under tcpserver");
    char peer[PROXYHEADER_IP_MAX];
    strcpy(peer, ip); /* setenv may replace it */

    static struct proxyconf conf;
    proxyconf_load(&conf);
    struct proxyheader h;
    memset(&h, 0, sizeof h);
    int listed = balancers_match(&conf.balancers, peer);
    if (listed)
        take_header(&conf, peer, &h);
    else
        refuse_header(peer);
    log_summary(&h, listed ? peer : NULL);

    execvp(argv[1], argv + 1);
    die_sys(EXIT_TEMP, "run", argv[1]);
}
