/* ucspitlsd-warm: ucspitlsd for the warm engine daemon (ucspitlsd -S),
 * without GnuTLS: the engine comes from the daemon that TLSENGINE names,
 * which has the credentials loaded, so this process neither loads the
 * TLS library nor reads a key. The options, the environment prog gets
 * and the log lines are ucspitlsd's; without the daemon it goes on as
 * ucspitlsd does without a certificate. */
#include <stdlib.h>

#include "appside.h"
#include "channels.h"
#include "config.h"
#include "die.h"
#include "sessionid.h"

#define USAGE "[-i] [-h handshake_seconds] [-t idle_seconds] prog [arg ...]"

int main(int argc, char **argv)
{
    progname = "ucspitlsd-warm";
    die_if_version(argc, argv);
    progname = "ucspitlsd"; /* its log lines are ucspitlsd's */
    struct config cfg;
    if (config_options(&cfg, argc, argv) < 0 || cfg.check || cfg.rotate ||
        cfg.socket)
        die_usage(USAGE);
    sessionid_start();
    appside_check_stdio();
    struct channels ch;
    appside_warm(&cfg, &ch, getenv("TLSENGINE"));
    appside_run(&cfg, &ch, 0);
}
